/*
 * v04-tcp-server - the tutorial's TCP server. It accepts one connection at a
 * time, receives at most 500 bytes, prints them, replies 我已经收到了 and
 * closes the connection; then it waits for the next client, for ever.
 *
 * Run:   build/v04-tcp-server [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then, in a second terminal:  build/v05-tcp-client
 *        Stop the server with Ctrl-C.
 * Walkthrough: docs/v04-tcp-server.md
 * Next:        lessons/v05-tcp-client.
 *
 * What changed since v03, and why: UDP sends loose datagrams that may be
 * lost, and every reply is a separate shot in the dark. TCP first builds a
 * connection (listen + accept on this side, connect on the client's), then
 * carries a reliable, ordered stream of bytes over it. The server now has two
 * kinds of socket: one that only takes requests, and one per connection that
 * does the talking.
 */
#include "error.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Serves TCP clients on HOST:PORT (default 127.0.0.1:1914), one at a time:\n"
    "prints the first 500 bytes each one sends, replies 我已经收到了 and closes\n"
    "the connection. PORT 0 lets the system choose. Ctrl-C or SIGTERM stops it.\n";

static const char reply[] = "我已经收到了";

/*
 * v03's wait: sleeps in poll() until FD is readable or a stop is requested
 * (SIGINT, SIGTERM: the stop pipe of common/signals.h becomes readable).
 * Returns true when FD is ready, false when the server must stop. The server
 * calls it before accept() and before recv(), so a stop is never lost, even
 * while a client that sends nothing is connected.
 */
static bool readable_before_stop(int fd)
{
    struct pollfd watched[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    for (;;) {
        if (poll(watched, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* a signal during the wait: the pipe says so now */
            die_errno("poll");
        }
        if (watched[1].revents != 0)
            return false;
        if (watched[0].revents != 0)
            return true;
    }
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
    ignore_sigpipe(); /* a client that vanished must not kill the server */

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

        /* 1. 建立socket: create the socket. This one only accepts requests;
         *    the real talking happens on the socket accept() returns. */
        listen_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (listen_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* Without SO_REUSEADDR a restarted server would get "Address already
         * in use" for a minute or so, while old connections sit in TIME_WAIT. */
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

    /* 3. 监听: listen for incoming connections. The kernel now completes
     *    handshakes for us and queues them until we accept(). */
    if (listen(listen_fd, SOMAXCONN) == -1)
        die_errno("listen %s", address_text);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    printf("%s: listening on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* A client may leave between poll() saying "a connection is waiting"
     * and accept(), which would then block (UNP 16.6). On a non-blocking
     * socket accept() returns EAGAIN instead, and the loop waits again. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    for (;;) {
        /* 4. 接受访问的Socket: accept a connection. This opens the link to
         *    one client: a new socket, connection_fd, just for it. First wait
         *    (v03's way) until one is queued, or a stop comes. */
        if (!readable_before_stop(listen_fd))
            break;
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                continue; /* the client left while queued: wait for the next */
            die_errno("accept");
        }
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);

        /* 5. 接受对方的发送内容: receive with the new socket, at most 500 bytes,
         *    as the tutorial does. TCP is a byte stream, not a series of
         *    messages: one recv() returns whatever has arrived so far, which
         *    may be part of what the client sent, and anything past 500
         *    bytes stays unread. Here that is enough, because each client
         *    sends one short greeting; v06 shows how to read whole lines.
         *    A client may connect and send nothing for a long time: the
         *    wait still ends at once when a stop comes. */
        if (!readable_before_stop(connection_fd)) {
            close(connection_fd);
            break;
        }
        char message[TUTORIAL_BUFFER_SIZE];
        ssize_t received = recv(connection_fd, message, sizeof message, 0);
        if (received == -1) {
            if (errno != EINTR)
                warn_errno("recv from %s", peer_text);
            close(connection_fd);
            continue;
        }
        if (received == 0) {
            warn("%s closed the connection without sending anything", peer_text);
            close(connection_fd);
            continue;
        }
        /* The tutorial decodes the bytes and prints the text. */
        fwrite(message, 1, (size_t)received, stdout);
        putchar('\n');

        /* 6. 给对方反馈: send the reply. A client that reset the connection
         *    gives an error here (EPIPE or ECONNRESET): report it, go on. */
        ssize_t sent = send(connection_fd, reply, strlen(reply), 0);
        if (sent == -1)
            warn_errno("send to %s", peer_text);

        /* 7. 关闭链路: close the link to this client. */
        close(connection_fd);
    }

    printf("%s: stopped\n", program_name());
    close(listen_fd);
    return 0;
}
