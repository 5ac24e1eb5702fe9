/*
 * udp-client-timeout (reference solution) - the exercise after
 * lessons/v02-udp-client: a UDP client that does not give up after one lost
 * datagram. It sends MESSAGE, waits 1 second for a reply, and sends again,
 * TRIES times in all (default 3). It prints the first reply and exits 0, or
 * says "no reply after TRIES tries" and exits 1.
 *
 * Run:   build/exercises/udp-client-timeout [HOST [PORT [MESSAGE [TRIES]]]]
 *        after starting build/v03-udp-server-loop.
 * Task:  exercises/udp-client-timeout/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v02: v02 waits once and gives up. UDP may lose a
 * datagram (or its reply) without telling anyone, so a client that wants an
 * answer sends again. SO_RCVTIMEO turns "wait for ever" into "wait 1 s".
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

static const char arguments[] = "[HOST [PORT [MESSAGE [TRIES]]]]";
static const char help[] =
    "Sends MESSAGE in a UDP datagram to HOST:PORT (default 127.0.0.1:1914) and\n"
    "prints the reply; without a reply within 1 s it sends again, TRIES times\n"
    "in all (default 3, at most 10), then exits 1.\n";

static const char default_message[] = "你好 我是client,你收到了么?";

enum { TRY_SECONDS = 1 };

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 4, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    const char *message = argc > 3 ? argv[3] : default_message;
    check_port(port, arguments);
    long tries = argc > 4 ? parse_number(argv[4], "tries", 1, 10, arguments) : 3;

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

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

#ifndef STARTER
    struct timeval timeout = { .tv_sec = TRY_SECONDS, .tv_usec = 0 };
#else // STARTER
    /* TODO: wait at most TRY_SECONDS for each reply (SO_RCVTIMEO), not 10. */
    struct timeval timeout = { .tv_sec = 10, .tv_usec = 0 };
#endif // STARTER
    if (setsockopt(client_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1) {
        int option_errno = errno;
        freeaddrinfo(addresses);
        die_code(option_errno, "setsockopt SO_RCVTIMEO");
    }

    char reply[TUTORIAL_BUFFER_SIZE + 1];
    ssize_t received = -1;
#ifndef STARTER
    for (long try = 1; try <= tries && received == -1; try++) {
#else // STARTER
    /* TODO: this sends once. Send again after each timeout, TRIES times in
     * all (the loop condition), and stop as soon as a reply arrives. */
    (void)tries;
    for (long try = 1; try <= 1 && received == -1; try++) {
#endif // STARTER
        if (sendto(client_fd, message, strlen(message), 0, server->ai_addr,
                   server->ai_addrlen) == -1) {
            int send_errno = errno;
            freeaddrinfo(addresses);
            die_code(send_errno, "sendto %s", server_text);
        }
        received = recvfrom(client_fd, reply, sizeof reply, 0, NULL, NULL);
        if (received == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            int recv_errno = errno;
            freeaddrinfo(addresses);
            die_code(recv_errno, "recvfrom %s", server_text);
        }
    }
    freeaddrinfo(addresses);
    if (received == -1)
        die("no reply from %s after %ld tries", server_text, tries);
    if (received > TUTORIAL_BUFFER_SIZE)
        received = TUTORIAL_BUFFER_SIZE;
    fwrite(reply, 1, (size_t)received, stdout);
    putchar('\n');

    close(client_fd);
    return 0;
}
