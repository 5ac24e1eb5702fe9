/*
 * v05-tcp-client - the tutorial's TCP client. COUNT times (default 100) it
 * opens a new connection, sends "<a>你好 我是client,你收到了么?" with a
 * counting from 0, prints the server's reply and closes the connection.
 *
 * Run:   build/v05-tcp-client [HOST [PORT [COUNT]]]   (default 127.0.0.1 1914 100)
 *        after starting build/v04-tcp-server.
 * Walkthrough: docs/v05-tcp-client.md
 * Next:        lessons/v06-chat-server, a real two-way chat.
 *
 * What changed since v02, and why: a TCP client connects before it sends, so
 * a missing server is noticed at once ("Connection refused") instead of after
 * a timeout. It still never waits for ever: a server that accepts but never
 * answers makes recv() give up after REPLY_TIMEOUT_SECONDS.
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

static const char arguments[] = "[HOST [PORT [COUNT]]]";
static const char help[] =
    "Connects COUNT times (default 100) to HOST:PORT (default 127.0.0.1:1914),\n"
    "sends one greeting each time and prints the reply.\n";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 3, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    long count = argc > 3 ? parse_number(argv[3], "count", 0, 1000000, arguments) : 100;

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    for (long a = 0; a < count; a++) {
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

            /* Never wait for ever: recv() gives up after the timeout. On Linux
             * the send timeout also bounds connect() to a silent host. */
            struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
            if (setsockopt(connection_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1 ||
                setsockopt(connection_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1) {
                failed_errno = errno;
                failed_call = "setsockopt";
                close(connection_fd);
                connection_fd = -1;
                break;
            }

            /* 4. 链接对方: connect, asking the server for a connection. */
            if (connect(connection_fd, s->ai_addr, s->ai_addrlen) == 0)
                break;
            failed_errno = errno;
            failed_call = "connect";
            /* A connect() cut short by the timeout says EINPROGRESS ("still
             * trying"); for the user, that is a time-out. */
            if (failed_errno == EINPROGRESS)
                failed_errno = ETIMEDOUT;
            close(connection_fd);
            connection_fd = -1;
        }
        if (connection_fd == -1) {
            freeaddrinfo(addresses);
            die_code(failed_errno, "%s %s", failed_call, server_text);
        }

        /* 6. 发送内容到对方服务器: send the greeting, as UTF-8 bytes. */
        char greeting[64];
        int length = snprintf(greeting, sizeof greeting,
                              "%ld你好 我是client,你收到了么?", a);
        ssize_t sent = send(connection_fd, greeting, (size_t)length, 0);
        if (sent != length) {
            int send_errno = sent == -1 ? errno : EIO;
            freeaddrinfo(addresses);
            die_code(send_errno, "send to %s", server_text);
        }

        /* 5. 接受对方的反馈: receive the reply, at most 500 bytes, in one
         *    recv() as the tutorial does (the reply is short). */
        char reply[TUTORIAL_BUFFER_SIZE];
        ssize_t received = recv(connection_fd, reply, sizeof reply, 0);
        int recv_errno = errno;
        if (received <= 0) {
            close(connection_fd); /* leave nothing open, on the way out too */
            freeaddrinfo(addresses);
            if (received == 0)
                die("%s closed the connection without replying", server_text);
            if (recv_errno == EAGAIN || recv_errno == EWOULDBLOCK)
                die("no reply from %s within %d seconds", server_text,
                    REPLY_TIMEOUT_SECONDS);
            die_code(recv_errno, "recv from %s", server_text);
        }
        fwrite(reply, 1, (size_t)received, stdout);
        putchar('\n');

        /* 7. 关闭链接: close the connection. */
        close(connection_fd);
    }

    freeaddrinfo(addresses);
    return 0;
}
