/*
 * udp-upper (reference solution) - a UDP server that answers every datagram
 * with the same bytes, ASCII letters in upper case. The exercise after
 * lessons/v03-udp-server-loop.
 *
 * Run:   build/exercises/udp-upper [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then:  build/v02-udp-client 127.0.0.1 1914 'hello 你好'
 * Task:  exercises/udp-upper/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v03: the reply is computed from the datagram. Only the
 * bytes 'a'..'z' change; every other byte, including each byte of a UTF-8
 * character (all >= 0x80), goes back as it came, so 你好 survives. The bytes
 * are handled as unsigned char: toupper() on a negative char is undefined.
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
    "Answers every UDP datagram sent to HOST:PORT (default 127.0.0.1:1914) with\n"
    "the same bytes, ASCII letters in upper case. Ctrl-C or SIGTERM stops it.\n";

/* The largest UDP payload over IPv4 is 65507 bytes; take any datagram whole. */
enum { MAX_DATAGRAM = 65536 };

static void upper_ascii(unsigned char *bytes, size_t length)
{
#ifndef STARTER
    for (size_t i = 0; i < length; i++)
        if (bytes[i] >= 'a' && bytes[i] <= 'z')
            bytes[i] = (unsigned char)(bytes[i] - 'a' + 'A');
#else // STARTER
    /* TODO: turn each byte 'a'..'z' into 'A'..'Z'; leave every other byte
     * exactly as it is (UTF-8 characters are bytes >= 0x80). */
    (void)bytes;
    (void)length;
#endif // STARTER
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
    printf("%s: waiting for datagrams on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* The server blocks only in poll(), on its socket AND on the stop pipe
     * (common/signals.h), so one SIGINT or SIGTERM stops it at any moment;
     * the socket is non-blocking, so recvfrom() never waits either. */
    if (fcntl(server_fd, F_SETFL, O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    struct pollfd watched[2] = {
        { .fd = server_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    static unsigned char message[MAX_DATAGRAM];
    for (;;) {
        if (poll(watched, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* the signal's byte is in the pipe: seen next turn */
            die_errno("poll");
        }
        if (watched[1].revents != 0)
            break; /* a stop was requested */
        if (watched[0].revents == 0)
            continue;
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        ssize_t received = recvfrom(server_fd, message, sizeof message, 0,
                                    (struct sockaddr *)&peer, &peer_length);
        if (received == -1 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (received == -1)
            die_errno("recvfrom");
        upper_ascii(message, (size_t)received);
        if (sendto(server_fd, message, (size_t)received, 0, (struct sockaddr *)&peer,
                   peer_length) == -1) {
            char peer_text[ADDRESS_TEXT_SIZE];
            warn_errno("sendto %s",
                       format_address((struct sockaddr *)&peer, peer_length, peer_text));
        }
    }

    printf("%s: stopped\n", program_name());
    close(server_fd);
    return 0;
}
