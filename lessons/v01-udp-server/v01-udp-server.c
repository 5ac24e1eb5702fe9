/*
 * v01-udp-server - the tutorial's first program (its "v01"): a UDP server
 * that waits for ONE datagram, prints it, answers 我已经收到了 ("I have
 * received it") and exits.
 *
 * Run:   build/v01-udp-server [HOST [PORT]]        (default 127.0.0.1 1914)
 *        and in a second terminal:  build/v02-udp-client
 * Walkthrough: docs/v01-udp-server.md
 * Next:        lessons/v02-udp-client, the program that talks to this one.
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
    "it, replies 我已经收到了 and exits. PORT 0 lets the system choose a port.\n";

/* The tutorial's reply. C keeps it as UTF-8 bytes, exactly what Python's
 * "我已经收到了".encode() sends: 6 characters, 18 bytes. */
static const char reply[] = "我已经收到了";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0); /* a pipe or a log sees each line at once */
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);

    /* Python writes ('127.0.0.1', 1914); C asks getaddrinfo() to turn the
     * text into socket addresses. A name may give several (IPv6 and IPv4):
     * we try each until one works. */
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;     /* IPv4 or IPv6, whatever HOST is */
    hints.ai_socktype = SOCK_DGRAM;  /* UDP */
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

        /* 1. 建立socket: create the socket, the endpoint that does the talking. */
        server_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (server_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }

        /* 2. 绑定: bind it to a fixed IP address and port, so clients know
         *    where to send. */
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

    /* With port 0 the system chose the port: ask which one we got. */
    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(server_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    printf("%s: waiting for one datagram on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* 5. 接受对方发送内容: receive what the peer sent, and who sent it.
     *    One recvfrom() returns exactly one datagram. The buffer has one byte
     *    more than the tutorial's 500, so a longer datagram can be noticed:
     *    UDP silently drops whatever does not fit. */
    char message[TUTORIAL_BUFFER_SIZE + 1];
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    ssize_t received = recvfrom(server_fd, message, sizeof message, 0,
                                (struct sockaddr *)&peer, &peer_length);
    if (received == -1)
        die_errno("recvfrom");
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address((struct sockaddr *)&peer, peer_length, peer_text);
    if (received > TUTORIAL_BUFFER_SIZE) {
        warn("datagram from %s is longer than %d bytes: only the first %d are kept",
             peer_text, TUTORIAL_BUFFER_SIZE, TUTORIAL_BUFFER_SIZE);
        received = TUTORIAL_BUFFER_SIZE;
    }
    /* Like Python's print(data.decode()): the bytes, then a newline. */
    fwrite(message, 1, (size_t)received, stdout);
    putchar('\n');

    /* 6. 给对方发送反馈: send feedback to the peer (the tutorial calls this
     *    step optional). The reply goes to the address recvfrom() gave us. */
    if (sendto(server_fd, reply, strlen(reply), 0, (struct sockaddr *)&peer,
               peer_length) == -1)
        die_errno("sendto %s", peer_text);

    /* 7. 关闭: close the socket. */
    close(server_fd);
    return 0;
}
