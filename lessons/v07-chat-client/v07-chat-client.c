/*
 * v07-chat-client - the client half of the two-way chat. It connects to
 * v06-chat-server (or to any program that talks lines over TCP, such as nc);
 * from then on every line typed here is sent, and every line the server
 * sends is printed here as "server> LINE" the moment it arrives, even while
 * you are typing. Ctrl-D (end of input) on either side ends the chat.
 *
 * Run:   build/v07-chat-client [HOST [PORT]]     (default 127.0.0.1 1914)
 *        after starting build/v06-chat-server in another terminal.
 * Walkthrough: docs/v07-chat-client.md
 * Next:        lessons/v08-chat-room, a chat server for many clients.
 *
 * What changed since v05, and why: v05 opened a connection, sent one fixed
 * greeting, read one reply and closed. A chat keeps ONE connection and sends
 * many lines both ways, at moments nobody can predict, so the client now
 * waits on the keyboard and the socket at once with poll(), and frames the
 * lines itself with a line buffer (common/io.h), because TCP is a byte
 * stream: one recv() may return half a line or several. The chat loop is
 * the same as in v06-chat-server; only the way to the connection differs.
 */
#include "error.h"
#include "io.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Connects to a chat server on HOST:PORT (default 127.0.0.1:1914) and chats:\n"
    "each line typed here is sent, each line received is printed as\n"
    "\"server> LINE\". Ctrl-D (end of input) on either side ends the chat;\n"
    "Ctrl-C or SIGTERM stops it (exit status 0).\n";

/* How a received line is shown: the prefix tells it apart from what you typed
 * (your terminal echoes that) and from this program's own messages. */
static const char received_prefix[] = "server> ";

/*
 * Prints every whole line that has arrived, each after the prefix. A line
 * longer than the buffer (LINE_BUFFER_SIZE) is printed in pieces as it comes,
 * the prefix only before the first piece, so it still shows as one line and
 * nothing is lost. *MID_LINE remembers that a piece has been printed.
 */
static void print_received_lines(struct line_buffer *received, bool *mid_line)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(received, &line, &length)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        fwrite(line, 1, length, stdout); /* bytes as they came: UTF-8 stays UTF-8 */
        *mid_line = false;
    }
    if (line_buffer_is_full(received)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        fwrite(received->data, 1, received->end, stdout);
        fflush(stdout); /* no '\n' yet: show the piece now anyway */
        line_buffer_init(received);
        *mid_line = true;
    }
}

/* At the end of the connection: shows a last line that had no '\n', with one. */
static void finish_received_line(struct line_buffer *received, bool *mid_line)
{
    size_t pending = line_buffer_pending(received);
    if (pending == 0 && !*mid_line)
        return;
    if (!*mid_line)
        fputs(received_prefix, stdout);
    fwrite(received->data + received->start, 1, pending, stdout);
    putchar('\n');
    line_buffer_init(received);
    *mid_line = false;
}

/*
 * Sends every whole line typed so far, each with one write_all(). A line
 * longer than the buffer goes out in pieces (the bytes on the wire are the
 * same), so the peer still gets all of it. Returns 0, or -1 with errno set.
 */
static int send_typed_lines(struct line_buffer *typed, int connection_fd)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(typed, &line, &length)) {
        if (write_all(connection_fd, line, length) == -1)
            return -1;
    }
    if (line_buffer_is_full(typed)) {
        if (write_all(connection_fd, typed->data, typed->end) == -1)
            return -1;
        line_buffer_init(typed);
    }
    return 0;
}

/* After write_all() failed: EAGAIN means the send timeout ran out. */
static noreturn void die_sending(const char *peer_text)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        die("%s has read nothing for %d seconds", peer_text, REPLY_TIMEOUT_SECONDS);
    die_errno("send to %s", peer_text);
}

/* Milliseconds from now until DEADLINE (0 if it has passed), for poll(). */
static int milliseconds_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long left = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
                     (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return left > 0 ? (int)left : 0;
}


int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    /* The chat reads stdin. Were it closed, the next socket would get its
     * number, 0, and the program would read its own socket as "typed". */
    if (fcntl(STDIN_FILENO, F_GETFD) == -1)
        die("standard input is closed: nothing to read the chat from");

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    int connection_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char server_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *s = addresses; s != NULL; s = s->ai_next) {
        format_address(s->ai_addr, s->ai_addrlen, server_text);

        /* 1. 建立通信socket: create the socket. */
        connection_fd = socket(s->ai_family, s->ai_socktype, s->ai_protocol);
        if (connection_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* The send timeout bounds connect() to a silent host (as in v05) and,
         * later, a write_all() to a server that has stopped reading. */
        struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
        if (setsockopt(connection_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1) {
            failed_errno = errno;
            failed_call = "setsockopt";
            close(connection_fd);
            connection_fd = -1;
            break;
        }

        /* 2. 链接对方: connect, as in v05; but this connection stays open. */
        if (connect(connection_fd, s->ai_addr, s->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "connect";
        close(connection_fd);
        connection_fd = -1;
    }
    freeaddrinfo(addresses);
    if (connection_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, server_text);
    printf("%s: connected to %s\n", program_name(), server_text);

    /* Only now, so that Ctrl-C during the name lookup or connect() simply
     * ends the program. From here on, Ctrl-C ends the chat cleanly. */
    stop_on_signals();
    ignore_sigpipe(); /* a server that vanished gives EPIPE, not sudden death */

    struct line_buffer typed;    /* from stdin, on its way out */
    struct line_buffer received; /* from the server, on its way to stdout */
    line_buffer_init(&typed);
    line_buffer_init(&received);
    bool mid_line = false;
    bool input_ended = false;
    struct timespec deadline = { 0, 0 };

    /* The two things to wait for. poll() skips an entry whose fd is -1. */
    struct pollfd watched[2] = {
        { .fd = STDIN_FILENO, .events = POLLIN },
        { .fd = connection_fd, .events = POLLIN },
    };
    int exit_status = 0;
    while (!stop_requested) {
        /* 3. 同时等待键盘和对方: wait until stdin or the server has something
         *    (or the server has gone). -1: no time limit while chatting; after
         *    our Ctrl-D, the server gets REPLY_TIMEOUT_SECONDS to close too. */
        int ready = poll(watched, 2, input_ended ? milliseconds_until(&deadline) : -1);
        if (ready == -1) {
            if (errno == EINTR)
                continue; /* a signal: the loop condition looks at stop_requested */
            die_errno("poll");
        }
        if (ready == 0)
            break; /* we said goodbye and the server did not close in time */

        /* The server first: if it has left, that is the news to show. */
        if (watched[1].revents != 0) {
            /* 4. 接受对方的反馈: receive whatever has arrived (part of a
             *    line, or several lines) and print the whole lines. */
            ssize_t n = line_buffer_read(&received, connection_fd);
            if (n == -1) {
                finish_received_line(&received, &mid_line);
                warn_errno("recv from %s", server_text);
                exit_status = EXIT_RUNTIME_ERROR;
                break;
            }
            if (n == 0) { /* end of stream: the server closed its side */
                finish_received_line(&received, &mid_line);
                if (!input_ended)
                    printf("%s: %s left\n", program_name(), server_text);
                break;
            }
            print_received_lines(&received, &mid_line);
        }

        if (watched[0].revents != 0) {
            ssize_t n = line_buffer_read(&typed, STDIN_FILENO);
            if (n == -1)
                die_errno("read standard input");
            if (n == 0) {
                /* Ctrl-D: send a last line that has no '\n' (do not lose
                 * it), then shutdown(SHUT_WR): the server reads end of
                 * stream, says we left and closes. Its own last lines still
                 * reach us, so we keep reading the socket until it closes. */
                size_t pending = line_buffer_pending(&typed);
                if (write_all(connection_fd, typed.data + typed.start, pending) == -1 ||
                    shutdown(connection_fd, SHUT_WR) == -1)
                    die_sending(server_text);
                input_ended = true;
                watched[0].fd = -1;
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += REPLY_TIMEOUT_SECONDS;
                continue;
            }
            /* 5. 发送内容到对方服务器: send each whole line typed. */
            if (send_typed_lines(&typed, connection_fd) == -1)
                die_sending(server_text);
        }
    }
    if (stop_requested) {
        finish_received_line(&received, &mid_line);
        printf("%s: stopped\n", program_name());
    }

    /* 6. 关闭链接: close the connection (the server sees end of stream). */
    close(connection_fd);
    return exit_status;
}
