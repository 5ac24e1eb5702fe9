/*
 * udp-reply (reference solution) - the exercise after lessons/v01-udp-server:
 * a UDP server that waits for ONE datagram, prints it, and answers with what
 * it learned from recvfrom(): "received N bytes from HOST:PORT".
 *
 * Run:   build/exercises/udp-reply [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then:  build/v02-udp-client
 * Task:  exercises/udp-reply/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v01: recvfrom() returns two things v01 barely used: the
 * number of bytes in the datagram (bytes, not characters: 你 is 3 bytes in
 * UTF-8) and the sender's address, which is where the reply goes.
 */
#include "error.h"
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Waits for one UDP datagram on HOST:PORT (default 127.0.0.1:1914), prints\n"
    "it, replies \"received N bytes from HOST:PORT\" (the sender) and exits.\n";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);

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
        server_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (server_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }
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
    printf("%s: waiting for one datagram on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    char message[TUTORIAL_BUFFER_SIZE];
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    ssize_t received = recvfrom(server_fd, message, sizeof message, 0,
                                (struct sockaddr *)&peer, &peer_length);
    if (received == -1)
        die_errno("recvfrom");
    fwrite(message, 1, (size_t)received, stdout);
    putchar('\n');

    /* The reply names the sender: the address recvfrom() filled in. */
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address((struct sockaddr *)&peer, peer_length, peer_text);
#ifndef STARTER
    char reply[ADDRESS_TEXT_SIZE + 64];
    int length = snprintf(reply, sizeof reply, "received %zd bytes from %s",
                          received, peer_text);
#else // STARTER
    /* TODO: the reply must be "received N bytes from HOST:PORT": N is what
     * recvfrom() returned, HOST:PORT is peer_text. Build it with snprintf(). */
    char reply[ADDRESS_TEXT_SIZE + 64] = "我已经收到了";
    int length = (int)strlen(reply);
#endif // STARTER
    if (sendto(server_fd, reply, (size_t)length, 0, (struct sockaddr *)&peer,
               peer_length) == -1)
        die_errno("sendto %s", peer_text);

    close(server_fd);
    return 0;
}
