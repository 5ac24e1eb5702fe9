/*
 * v06-chat-server - the server half of a two-way chat, the one the
 * tutorial's title promises. It waits for ONE client; from then on every
 * line typed here is sent to the client, and every line the client sends is
 * printed here as "client> LINE" the moment it arrives, even while you are
 * typing. Ctrl-D (end of input) on either side ends the chat for both.
 *
 * Run:   build/v06-chat-server [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then, in a second terminal:  build/v07-chat-client
 *        Type lines in either terminal; Ctrl-D ends the chat, Ctrl-C stops.
 * Walkthrough: docs/v06-chat-server.md
 * Next:        lessons/v07-chat-client, the other half (the same loop).
 *
 * What changed since v05, and why: v05 sent one fixed message per
 * connection and read one reply. A chat sends many lines both ways over one
 * connection, at moments nobody can predict: a line may come from the
 * keyboard or from the network first. A program blocked in read() on one of
 * them cannot notice the other, so it now waits on both at once with poll().
 * And because TCP is a byte stream, not a series of messages, one recv() may
 * return half a line or several lines: the program frames the lines itself,
 * with a line buffer (common/io.h), and writes with write_all(), which also
 * copes with short writes.
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
    "Waits on HOST:PORT (default 127.0.0.1:1914) for ONE TCP client, then chats:\n"
    "each line typed here is sent, each line received is printed as\n"
    "\"client> LINE\". PORT 0 lets the system choose. Ctrl-D (end of input) on\n"
    "either side ends the chat; Ctrl-C or SIGTERM stops it (exit status 0).\n";

/* How a received line is shown: the prefix tells it apart from what you typed
 * (your terminal echoes that) and from this program's own messages. */
static const char received_prefix[] = "client> ";

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
    stop_on_signals();
    ignore_sigpipe(); /* a client that vanished gives EPIPE, not sudden death */
    /* The chat reads stdin. Were it closed, the next socket would get its
     * number, 0, and the program would read its own socket as "typed". */
    if (fcntl(STDIN_FILENO, F_GETFD) == -1)
        die("standard input is closed: nothing to read the chat from");

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM; /* TCP */
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    int listen_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char address_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        format_address(a->ai_addr, a->ai_addrlen, address_text);

        /* 1. 建立socket: create the listening socket, as in v04. */
        listen_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (listen_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* Restarting the server at once must not fail on TIME_WAIT (see v04). */
        int on = 1;
        if (setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
            warn_errno("setsockopt SO_REUSEADDR");

        /* 2. 绑定端口和地址: bind the address and port. */
        if (bind(listen_fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "bind";
        close(listen_fd);
        listen_fd = -1;
    }
    freeaddrinfo(addresses);
    if (listen_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, address_text);

    /* 3. 监听: listen. */
    if (listen(listen_fd, SOMAXCONN) == -1)
        die_errno("listen %s", address_text);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    printf("%s: listening on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* 4. 接受访问的Socket: accept ONE client; a signal (EINTR) may end the wait. */
    int connection_fd = -1;
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    while (connection_fd == -1 && !stop_requested) {
        peer_length = sizeof peer;
        connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1 && errno != EINTR && errno != ECONNABORTED)
            die_errno("accept");
    }
    /* A chat has two sides: stop listening, so that a second client is told
     * "Connection refused" at once instead of waiting in the queue unserved. */
    close(listen_fd);
    if (stop_requested) {
        if (connection_fd != -1)
            close(connection_fd);
        printf("%s: stopped\n", program_name());
        return 0;
    }
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address((struct sockaddr *)&peer, peer_length, peer_text);
    printf("%s: %s connected\n", program_name(), peer_text);

    /* A client that stops reading would block write_all() for ever once the
     * socket buffers are full; with a send timeout the write gives up. */
    struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
    if (setsockopt(connection_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1)
        die_errno("setsockopt SO_SNDTIMEO");

    struct line_buffer typed;    /* from stdin, on its way out */
    struct line_buffer received; /* from the client, on its way to stdout */
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
        /* 5. 同时等待键盘和对方: wait until stdin or the client has something
         *    (or the client has gone). -1: no time limit while chatting; after
         *    our Ctrl-D, the client gets REPLY_TIMEOUT_SECONDS to close too. */
        int ready = poll(watched, 2, input_ended ? milliseconds_until(&deadline) : -1);
        if (ready == -1) {
            if (errno == EINTR)
                continue; /* a signal: the loop condition looks at stop_requested */
            die_errno("poll");
        }
        if (ready == 0)
            break; /* we said goodbye and the client did not close in time */

        /* The client first: if it has left, that is the news to show. */
        if (watched[1].revents != 0) {
            /* 6. 接受对方的发送内容: receive whatever has arrived (part of a
             *    line, or several lines) and print the whole lines. */
            ssize_t n = line_buffer_read(&received, connection_fd);
            if (n == -1) {
                finish_received_line(&received, &mid_line);
                warn_errno("recv from %s", peer_text);
                exit_status = EXIT_RUNTIME_ERROR;
                break;
            }
            if (n == 0) { /* end of stream: the client closed its side */
                finish_received_line(&received, &mid_line);
                if (!input_ended)
                    printf("%s: %s left\n", program_name(), peer_text);
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
                 * it), then shutdown(SHUT_WR): the client reads end of
                 * stream, says we left and closes. Its own last lines still
                 * reach us, so we keep reading the socket until it closes. */
                size_t pending = line_buffer_pending(&typed);
                if (write_all(connection_fd, typed.data + typed.start, pending) == -1 ||
                    shutdown(connection_fd, SHUT_WR) == -1)
                    die_sending(peer_text);
                input_ended = true;
                watched[0].fd = -1;
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += REPLY_TIMEOUT_SECONDS;
                continue;
            }
            /* 7. 给对方反馈: send each whole line typed. */
            if (send_typed_lines(&typed, connection_fd) == -1)
                die_sending(peer_text);
        }
    }
    if (stop_requested) {
        finish_received_line(&received, &mid_line);
        printf("%s: stopped\n", program_name());
    }

    /* 8. 关闭链路: close the connection (the client sees end of stream). */
    close(connection_fd);
    return exit_status;
}
