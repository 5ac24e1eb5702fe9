/*
 * tests/peers/chat-peer.c - a plain TCP stream peer for testing the chat
 * lessons, the way `nc -l` would be used by hand (nc is not installed here).
 *
 * It is deliberately NOT built on the chat's line buffer: it relays raw bytes
 * in both directions, so a test sees exactly what crossed the wire.
 * It listens on 127.0.0.1 port 0, prints "chat-peer: ready on 127.0.0.1:PORT"
 * as its first stdout line and accepts one connection. Then:
 *
 *   chat-peer relay [FAREWELL]
 *                      copies every byte from stdin to the connection, and
 *                      every byte received to stdout, unchanged; after each
 *                      write to the connection it prints "chat-peer: sent N
 *                      bytes" on stderr. At the end of stdin it shuts down its
 *                      sending side (a half-close); when the other side
 *                      closes it prints "chat-peer: peer closed" on stderr
 *                      and, at once, sends FAREWELL if there is one (so a
 *                      test can check a half-closed side still receives).
 *                      It exits 0 when both directions have ended.
 *   chat-peer reset    resets the connection at once (SO_LINGER 0 + close)
 *                      and prints "chat-peer: reset sent" on stderr.
 *   chat-peer noread   never reads: with a small receive buffer, the other
 *                      side's sends soon block. Exits after 60 s, or at SIGTERM.
 *
 * Every wait is bounded (60 s without any activity: lessons run under
 * valgrind on a possibly busy machine), so a broken lesson cannot hang a test.
 */
#include "error.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "relay [FAREWELL] | reset | noread";

enum { IDLE_MILLISECONDS = 60000, NOREAD_MILLISECONDS = 60000, SMALL_BUFFER = 4096 };

static int write_bytes(int fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, bytes, length);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        bytes += n;
        length -= (size_t)n;
    }
    return 0;
}

static int accept_one(int small_receive_buffer)
{
    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd == -1)
        die_errno("socket");
    /* Set before listen(): the accepted socket inherits it, so the window
     * the peer advertises stays small. */
    int size = SMALL_BUFFER;
    if (small_receive_buffer &&
        setsockopt(listen_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == -1)
        die_errno("setsockopt SO_RCVBUF");
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&address, sizeof address) == -1)
        die_errno("bind");
    if (listen(listen_fd, 1) == -1)
        die_errno("listen");
    socklen_t length = sizeof address;
    if (getsockname(listen_fd, (struct sockaddr *)&address, &length) == -1)
        die_errno("getsockname");
    char text[ADDRESS_TEXT_SIZE];
    printf("chat-peer: ready on %s\n", format_address((struct sockaddr *)&address, length, text));

    struct pollfd waiting = { .fd = listen_fd, .events = POLLIN };
    int ready = poll(&waiting, 1, IDLE_MILLISECONDS);
    if (ready == -1)
        die_errno("poll");
    if (ready == 0)
        die("nobody connected within %d ms", IDLE_MILLISECONDS);
    int fd = accept(listen_fd, NULL, NULL);
    if (fd == -1)
        die_errno("accept");
    close(listen_fd);
    return fd;
}

static int relay(const char *farewell)
{
    int fd = accept_one(0);
    struct pollfd watched[2] = {
        { .fd = STDIN_FILENO, .events = POLLIN },
        { .fd = fd, .events = POLLIN },
    };
    char buffer[65536];
    for (;;) {
        int ready = poll(watched, 2, IDLE_MILLISECONDS);
        if (ready == -1) {
            if (errno == EINTR)
                continue;
            die_errno("poll");
        }
        if (ready == 0)
            die("nothing happened for %d ms", IDLE_MILLISECONDS);
        if (watched[1].revents != 0) {
            ssize_t n = read(fd, buffer, sizeof buffer);
            if (n == -1)
                die_errno("read from the connection");
            if (n == 0) {
                fprintf(stderr, "chat-peer: peer closed\n");
                if (farewell != NULL && watched[0].fd != -1) {
                    if (write_bytes(fd, farewell, strlen(farewell)) == -1)
                        die_errno("write to the connection");
                    fprintf(stderr, "chat-peer: sent %zu bytes\n", strlen(farewell));
                }
                watched[1].fd = -1;
                if (watched[0].fd == -1)
                    break;
                continue;
            }
            if (write_bytes(STDOUT_FILENO, buffer, (size_t)n) == -1)
                die_errno("write to stdout");
        }
        if (watched[0].revents != 0) {
            ssize_t n = read(STDIN_FILENO, buffer, sizeof buffer);
            if (n == -1)
                die_errno("read stdin");
            if (n == 0) {
                if (shutdown(fd, SHUT_WR) == -1)
                    die_errno("shutdown");
                watched[0].fd = -1;
                if (watched[1].fd == -1)
                    break;
                continue;
            }
            if (write_bytes(fd, buffer, (size_t)n) == -1)
                die_errno("write to the connection");
            fprintf(stderr, "chat-peer: sent %zd bytes\n", n);
        }
    }
    close(fd);
    return 0;
}

static int reset(void)
{
    int fd = accept_one(0);
    struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close) == -1)
        die_errno("setsockopt SO_LINGER");
    close(fd); /* with linger 0, close sends RST instead of FIN */
    fprintf(stderr, "chat-peer: reset sent\n");
    return 0;
}

static int noread(void)
{
    int fd = accept_one(1);
    poll(NULL, 0, NOREAD_MILLISECONDS);
    close(fd);
    return 0;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    ignore_sigpipe();
    const char *mode = argc >= 2 ? argv[1] : "";
    if (strcmp(mode, "relay") == 0 && argc <= 3)
        return relay(argc == 3 ? argv[2] : NULL);
    if (strcmp(mode, "reset") == 0 && argc == 2)
        return reset();
    if (strcmp(mode, "noread") == 0 && argc == 2)
        return noread();
    die_usage(arguments, "unknown mode or wrong arguments");
}
