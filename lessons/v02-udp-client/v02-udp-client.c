/*
 * v02-udp-client - the tutorial's "v02": a UDP client that sends one message
 * to the server and prints the server's reply.
 *
 * Run:   build/v02-udp-client [HOST [PORT [MESSAGE]]]   (default 127.0.0.1 1914)
 *        after starting build/v01-udp-server or build/v03-udp-server-loop.
 * Walkthrough: docs/v02-udp-client.md
 * Next:        lessons/v03-udp-server-loop, a server that does not stop after one.
 *
 * New here, beyond the tutorial: UDP gives no guarantee that a reply ever
 * comes (the server may be down, the datagram may be lost), so the client
 * waits at most REPLY_TIMEOUT_SECONDS and then says so. And anybody can send
 * a datagram to the client's port, so it connect()s its socket to the
 * server: the system then delivers only datagrams from the server's address
 * and port, and reports "no server there" (an ICMP port unreachable) as
 * an immediate "Connection refused" instead of a silent 3-second wait.
 */
#include "error.h"
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT [MESSAGE]]]";
static const char help[] =
    "Sends MESSAGE (default: the tutorial's greeting) in one UDP datagram to\n"
    "HOST:PORT (default 127.0.0.1:1914) and prints the reply. Gives up with\n"
    "exit status 1 if no reply comes within 3 seconds, or at once if nothing\n"
    "listens on that port (\"Connection refused\"). PORT is 1 to 65535.\n";

/* The tutorial's greeting, "Hello, I am the client, did you get this?". */
static const char default_message[] = "你好 我是client,你收到了么?";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 3, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    const char *message = argc > 3 ? argv[3] : default_message;
    /* Port 0 means "any port" to bind(); nobody can be sent to at port 0. */
    parse_number(port, "port", 1, 65535, arguments);

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    /* Try each address until a socket is created and connected. */
    int client_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char server_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        format_address(a->ai_addr, a->ai_addrlen, server_text);

        /* 1. 建立通信的socket: create the socket. */
        client_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (client_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* 4. connect: on a UDP socket, connect() sends nothing. It records
         *    the server's address: send() goes there, and from now on the
         *    system drops every datagram that comes from anywhere else. */
        if (connect(client_fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "connect";
        close(client_fd);
        client_fd = -1;
    }
    freeaddrinfo(addresses);
    if (client_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, server_text);

    /* Never wait forever: after this, a recv() that gets nothing for
     * REPLY_TIMEOUT_SECONDS returns -1 with errno EAGAIN (or EWOULDBLOCK). */
    struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
    if (setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1)
        die_errno("setsockopt SO_RCVTIMEO");

    /* 6. 发送内容到指定服务器: send the message to the server, in one
     *    datagram, to the address connect() recorded. */
    if (send(client_fd, message, strlen(message), 0) == -1)
        die_errno("send to %s", server_text);

    /* 5. 接受服务器给定的反馈内容: receive the server's reply (only the
     *    server's: the socket is connected). If nothing listens on the
     *    server's port, its system answers with an ICMP "port unreachable",
     *    which on a connected socket makes recv() fail with ECONNREFUSED. */
    char reply[TUTORIAL_BUFFER_SIZE + 1];
    ssize_t received = recv(client_fd, reply, sizeof reply, 0);
    if (received == -1) {
        int recv_errno = errno;
        close(client_fd); /* leave nothing open, on the way out too */
        if (recv_errno == EAGAIN || recv_errno == EWOULDBLOCK)
            die("no reply from %s within %d seconds (is the server running?)",
                server_text, REPLY_TIMEOUT_SECONDS);
        die_code(recv_errno, "recv from %s", server_text);
    }
    if (received > TUTORIAL_BUFFER_SIZE) {
        warn("reply is longer than %d bytes: only the first %d are kept",
             TUTORIAL_BUFFER_SIZE, TUTORIAL_BUFFER_SIZE);
        received = TUTORIAL_BUFFER_SIZE;
    }
    fwrite(reply, 1, (size_t)received, stdout);
    putchar('\n');

    /* 7. 关闭: close the socket. */
    close(client_fd);
    return 0;
}
