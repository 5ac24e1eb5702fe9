/*
 * v03-udp-server-loop - the tutorial's "v03": the UDP server of v01, rewritten
 * to run for ever. "A server must run permanently, usually with an endless
 * loop": it answers every datagram, from any number of clients, one after
 * the other.
 *
 * Run:   build/v03-udp-server-loop [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then run build/v02-udp-client as often as you like; stop the server
 *        with Ctrl-C.
 * Walkthrough: docs/v03-udp-server-loop.md
 * Next:        lessons/v04-tcp-server, the same job over TCP.
 *
 * What changed since v01, and why: v01 exits after one datagram, so a second
 * client gets no answer. Steps 5 and 6 (receive, send) now sit in a loop. An endless loop
 * needs a clean way out, so Ctrl-C (SIGINT) and SIGTERM now end the loop:
 * the server closes its socket and exits 0. A signal can come at any
 * moment, also just before the server starts to wait, so it waits in poll()
 * on its socket AND on the stop pipe of common/signals.h, which turns a
 * signal into something to wait for (the "self-pipe trick").
 */
#include "error.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Answers every UDP datagram sent to HOST:PORT (default 127.0.0.1:1914):\n"
    "prints it and replies 我已经收到了. PORT 0 lets the system choose a port.\n"
    "Ctrl-C or SIGTERM stops it (exit status 0).\n";

static const char reply[] = "我已经收到了";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals();

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    int server_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char address_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        format_address(a->ai_addr, a->ai_addrlen, address_text);

        /* 1. 建立socket: create the socket. */
        server_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (server_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* 2. 绑定: bind it to a fixed IP address and port. */
        if (bind(server_fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "bind";
        close(server_fd);
        server_fd = -1;
    }
    freeaddrinfo(addresses);
    if (server_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, address_text);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(server_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    printf("%s: waiting for datagrams on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* The loop waits for two things at once: a datagram on the socket, or
     * a stop request on the stop pipe (common/signals.h). poll() sleeps
     * until one of them is readable; only then does the loop call
     * recvfrom(). So the server never blocks anywhere but in poll(). */
    struct pollfd watched[2] = {
        { .fd = server_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    /* A non-blocking socket makes sure of it: were the datagram gone after
     * all, recvfrom() would return EAGAIN instead of waiting. */
    int flags = fcntl(server_fd, F_GETFL);
    if (flags == -1 || fcntl(server_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    /* 服务器程序要求永久运行: the server runs for ever, until a signal. */
    for (;;) {
        /* Wait, with no time limit, for a datagram or a stop. A signal that
         * came just before this call left its byte in the pipe, so poll()
         * returns at once: the stop cannot be lost. */
        if (poll(watched, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* a signal during the wait: the pipe says so now */
            die_errno("poll");
        }
        if (watched[1].revents != 0)
            break; /* SIGINT or SIGTERM: leave the loop */

        /* 5. 接受对方发送内容: receive the next datagram, from any client. */
        char message[TUTORIAL_BUFFER_SIZE + 1];
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        ssize_t received = recvfrom(server_fd, message, sizeof message, 0,
                                    (struct sockaddr *)&peer, &peer_length);
        if (received == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            continue; /* nothing there after all: back to poll() */
        if (received == -1)
            die_errno("recvfrom");

        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);
        if (received > TUTORIAL_BUFFER_SIZE) {
            warn("datagram from %s is longer than %d bytes: only the first %d are kept",
                 peer_text, TUTORIAL_BUFFER_SIZE, TUTORIAL_BUFFER_SIZE);
            received = TUTORIAL_BUFFER_SIZE;
        }
        fwrite(message, 1, (size_t)received, stdout);
        putchar('\n');

        /* 6. 给对方发送反馈: reply. One client that cannot be reached must not
         *    stop the server, so a failure here is reported, not fatal. */
        if (sendto(server_fd, reply, strlen(reply), 0, (struct sockaddr *)&peer,
                   peer_length) == -1)
            warn_errno("sendto %s", peer_text);
    }

    printf("%s: stopped\n", program_name());
    /* 7. 关闭: close the socket. */
    close(server_fd);
    return 0;
}
