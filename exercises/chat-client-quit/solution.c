/*
 * chat-client-quit (reference solution) - a chat client that waits on the
 * keyboard and the server at once, and leaves on "/quit"; the exercise after
 * lessons/v07-chat-client.
 *
 * Run:   build/exercises/chat-client-quit [HOST [PORT]]  (default 127.0.0.1 1914)
 *        with build/v06-chat-server running in another terminal.
 * Task:  exercises/chat-client-quit/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v07, and why: v07 hands its loop to v06's chat.c. Here
 * the program writes that loop itself: one poll() on two descriptors, stdin
 * and the socket, so that whichever has something first is served first. A
 * program blocked in fgets() on the keyboard could not print what the server
 * says meanwhile. stdin is read with read(), not stdio: poll() knows nothing
 * of bytes already sitting in a FILE's buffer.
 */
#include "error.h"
#include "io.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Connects to a chat server on HOST:PORT (default 127.0.0.1:1914): each line\n"
    "typed is sent, each line received is printed as \"server> LINE\". The line\n"
    "/quit, or Ctrl-D, ends the chat.\n";

static const char received_prefix[] = "server> ";

/* Prints the whole lines received so far, each after the prefix. A line
 * longer than the buffer is printed in pieces (the prefix only once). */
static void print_lines(struct line_buffer *received, bool *mid_line)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(received, &line, &length)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        fwrite(line, 1, length, stdout);
        *mid_line = false;
    }
    if (line_buffer_is_full(received)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        fwrite(received->data, 1, received->end, stdout);
        line_buffer_init(received);
        *mid_line = true;
    }
}

/* Sends the whole lines typed so far. Returns 1 if one was "/quit", 0 if
 * all went out, -1 if a send failed. */
static int send_lines(struct line_buffer *typed, int fd)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(typed, &line, &length)) {
        if (length == 6 && memcmp(line, "/quit\n", 6) == 0)
            return 1;
        if (write_all(fd, line, length) == -1)
            return -1;
    }
    if (line_buffer_is_full(typed)) { /* a very long line: send it in pieces */
        if (write_all(fd, typed->data, typed->end) == -1)
            return -1;
        line_buffer_init(typed);
    }
    return 0;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    if (fcntl(STDIN_FILENO, F_GETFD) == -1)
        die("standard input is closed: nothing to read the chat from");

    char server_text[ADDRESS_TEXT_SIZE];
    int fd = tcp_connect(host, port, REPLY_TIMEOUT_SECONDS, server_text);
    stop_on_signals(); /* before "connected": a signal after that line must find it */
    ignore_sigpipe(); /* a server that vanished gives EPIPE, not sudden death */
    printf("%s: connected to %s\n", program_name(), server_text);

    struct line_buffer typed, received;
    line_buffer_init(&typed);
    line_buffer_init(&received);
    bool mid_line = false;
    int exit_status = 0;
    bool leaving = false; /* "/quit" or end of stdin: say goodbye */
#ifndef STARTER
    /* The stop pipe (common/signals.h) is watched too: one SIGINT or SIGTERM
     * ends the wait at any moment, even one that came just before it. */
    struct pollfd watched[3] = {
        { .fd = STDIN_FILENO, .events = POLLIN },
        { .fd = fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
#else // STARTER
    /* TODO: this loop blocks in read() on stdin, so nothing the server says
     * is printed while the user is not typing, and a server that closes goes
     * unnoticed. Wait for BOTH with poll() on a struct pollfd[3] (stdin, fd,
     * and stop_fd() so that Ctrl-C always ends the wait; events POLLIN): when
     * stop_fd() is ready, leave the loop; when fd is ready, line_buffer_read() from it and
     * print_lines() (0 bytes: the server closed, print its unfinished last
     * line and end with exit status 0); when stdin is ready, read and
     * send_lines(). poll() returning -1 with EINTR: go round again. */
#endif // STARTER
    while (!stop_requested && !leaving) {
#ifndef STARTER
        if (poll(watched, 3, -1) == -1) {
#else // STARTER
        ssize_t n = line_buffer_read(&typed, STDIN_FILENO);
        if (n == -1) {
#endif // STARTER
            if (errno == EINTR)
                continue;
#ifndef STARTER
            die_errno("poll");
        }
        if (watched[2].revents != 0)
            break; /* a stop was requested */
        if (watched[1].revents != 0) { /* the server said something, or left */
            ssize_t n = line_buffer_read(&received, fd);
            if (n > 0) {
                print_lines(&received, &mid_line);
            } else {
                size_t pending = line_buffer_pending(&received);
                if (pending > 0 || mid_line) { /* a last line without '\n' */
                    if (!mid_line)
                        fputs(received_prefix, stdout);
                    fwrite(received.data + received.start, 1, pending, stdout);
                    putchar('\n');
                }
                if (n == -1) {
                    warn_errno("recv from %s", server_text);
                    exit_status = 1;
                } else {
                    printf("%s: %s closed the connection\n", program_name(), server_text);
                }
                break;
            }
        }
        if (watched[0].revents != 0) { /* the user typed a line, or Ctrl-D */
            ssize_t n = line_buffer_read(&typed, STDIN_FILENO);
            if (n == -1)
                die_errno("read standard input");
            int sent = send_lines(&typed, fd);
            if (sent == -1)
                die_errno("send to %s", server_text);
            if (n == 0) {
                /* Ctrl-D: an unfinished last line still goes out. */
                size_t pending = line_buffer_pending(&typed);
                if (pending > 0 && sent == 0 &&
                    write_all(fd, typed.data + typed.start, pending) == -1)
                    die_errno("send to %s", server_text);
            }
            leaving = sent == 1 || n == 0;
#else // STARTER
            die_errno("read standard input");
#endif // STARTER
        }
#ifdef STARTER
        /* TODO: send_lines() returns 1 for the line "/quit": leave then. */
        if (send_lines(&typed, fd) == -1)
            die_errno("send to %s", server_text);
        leaving = n == 0;
#endif // STARTER
    }
#ifdef STARTER
    (void)received; /* TODO: used once the loop reads the server too */
    (void)mid_line;
    (void)print_lines;
#endif // STARTER
    if (leaving)
        printf("%s: goodbye\n", program_name());
    else if (stop_requested)
        printf("%s: stopped\n", program_name());
    close(fd); /* the server sees the end of the stream */
    return exit_status;
}
