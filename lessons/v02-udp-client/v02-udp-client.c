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
 * waits at most REPLY_TIMEOUT_SECONDS and then says so.
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
    "exit status 1 if no reply comes within 3 seconds.\n";

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
    check_port(port, arguments);

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    /* 1. 建立通信的socket: create the socket. The first address that gives
     *    us one is the one we send to. */
    int client_fd = -1;
    struct addrinfo *server = NULL;
    for (struct addrinfo *a = addresses; a != NULL && client_fd == -1; a = a->ai_next) {
        client_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        server = a;
    }
    if (client_fd == -1) {
        int socket_errno = errno;
        freeaddrinfo(addresses);
        die_code(socket_errno, "socket");
    }
    char server_text[ADDRESS_TEXT_SIZE];
    format_address(server->ai_addr, server->ai_addrlen, server_text);

    /* Never wait forever: after this, a recvfrom() that gets nothing for
     * REPLY_TIMEOUT_SECONDS returns -1 with errno EAGAIN (or EWOULDBLOCK). */
    struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
    if (setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1)
        die_errno("setsockopt SO_RCVTIMEO");

    /* 2. 发送内容到指定服务器: send the message to the server. No connection
     *    is made first: every datagram carries the address it goes to. */
    ssize_t sent = sendto(client_fd, message, strlen(message), 0,
                          server->ai_addr, server->ai_addrlen);
    int send_errno = errno;
    freeaddrinfo(addresses);
    if (sent == -1)
        die_code(send_errno, "sendto %s", server_text);

    /* 3. 接受服务器给定的反馈内容: receive the server's reply. */
    char reply[TUTORIAL_BUFFER_SIZE + 1];
    ssize_t received = recvfrom(client_fd, reply, sizeof reply, 0, NULL, NULL);
    if (received == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
        die("no reply from %s within %d seconds (is the server running?)",
            server_text, REPLY_TIMEOUT_SECONDS);
    if (received == -1)
        die_errno("recvfrom %s", server_text);
    if (received > TUTORIAL_BUFFER_SIZE) {
        warn("reply is longer than %d bytes: only the first %d are kept",
             TUTORIAL_BUFFER_SIZE, TUTORIAL_BUFFER_SIZE);
        received = TUTORIAL_BUFFER_SIZE;
    }
    fwrite(reply, 1, (size_t)received, stdout);
    putchar('\n');

    close(client_fd);
    return 0;
}
