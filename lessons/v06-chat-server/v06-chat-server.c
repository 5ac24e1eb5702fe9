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
 * Next:        chat.c (next to this file), the chat loop itself; then
 *              lessons/v07-chat-client, the other half (the same loop).
 *
 * What changed since v05, and why: v05 sent one fixed message per
 * connection and read one reply. A chat sends many lines both ways over one
 * connection, at moments nobody can predict: a line may come from the
 * keyboard or from the network first. A program blocked in read() on one of
 * them cannot notice the other, so it now waits on both at once with poll().
 * And because TCP is a byte stream, not a series of messages, one recv() may
 * return half a line or several lines: the program frames the lines itself,
 * with a line buffer (common/io.h), and sends with send_all(), which copes
 * with short sends and waits in poll() when the peer reads slowly. That loop is the same on both ends of the chat,
 * so it lives once, in chat.c next to this file, and v07 links it too; this
 * file is the way to the connection (v04's steps, from common/tcp.c, and one
 * accept(), waited for in poll() with the stop pipe, v03's way).
 */
#include "chat.h"
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
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

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    /* The chat reads stdin. Were it closed, the next descriptor opened (the
     * stop pipe, a socket) would get its number, 0, and be read as "typed". */
    if (fcntl(STDIN_FILENO, F_GETFD) == -1)
        die("standard input is closed: nothing to read the chat from");
    stop_on_signals();
    ignore_sigpipe(); /* a client that vanished gives EPIPE, not sudden death */

    /* 1. 建立socket, 2. 绑定端口和地址, 3. 监听: v04's steps in one call.
     * common/tcp.c holds exactly v04's code (socket, SO_REUSEADDR, bind,
     * listen, getsockname), so it fails with the same messages. */
    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    printf("%s: listening on %s\n", program_name(), address_text);

    /* 4. 接受访问的Socket: accept ONE client. As in v04, wait in poll()
     * until one is queued or a stop comes; the listening socket is
     * non-blocking, so accept() returns EAGAIN if the client left meanwhile. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    struct pollfd watched[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    int connection_fd = -1;
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    while (connection_fd == -1) {
        if (poll(watched, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* a signal during the wait: the stop pipe says so now */
            die_errno("poll");
        }
        if (watched[1].revents != 0)
            break; /* SIGINT or SIGTERM */
        peer_length = sizeof peer;
        connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
            errno != EINTR && errno != ECONNABORTED)
            die_errno("accept");
    }
    /* A chat has two sides: stop listening, so that a second client is told
     * "Connection refused" at once instead of waiting in the queue unserved. */
    close(listen_fd);
    if (connection_fd == -1) {
        printf("%s: stopped\n", program_name());
        return 0;
    }
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address((struct sockaddr *)&peer, peer_length, peer_text);
    printf("%s: %s connected\n", program_name(), peer_text);

    /* 5. receive and 6. send, until one side ends the chat: chat() waits
     * for the keyboard and the client at once. The loop is the same in v07,
     * so it is written once, in chat.c next to this file. */
    int exit_status = chat(connection_fd, peer_text, received_prefix);

    /* 7. 关闭链路: close the connection (the client sees end of stream). */
    close(connection_fd);
    return exit_status;
}
