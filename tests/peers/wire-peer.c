/*
 * tests/peers/wire-peer.c - an independent peer for testing the lessons.
 *
 * It is not a lesson and not a partner lesson: it speaks the tutorial's
 * protocol the way the tutorial's own Python programs do, and reports the
 * exact bytes it received, in hex, so a test can check what crossed the wire.
 * Every mode binds to 127.0.0.1 port 0 and prints "wire-peer: ready on
 * 127.0.0.1:PORT" first, or connects to the PORT it is given.
 *
 *   wire-peer udp-server REPLY        receive one datagram, print
 *                                    "received HEX", send REPLY, exit
 *   wire-peer udp-server-size N       the same, replying N bytes of 'r'
 *   wire-peer udp-silent              receive one datagram, never reply
 *   wire-peer udp-stranger REPLY      receive one datagram; first send
 *                                    "from a stranger" to its sender from
 *                                    ANOTHER socket (another port), print
 *                                    "stranger sent", then send REPLY from
 *                                    the socket it was sent to
 *   wire-peer tcp-server COUNT REPLY  COUNT times: accept, one recv(500)
 *                                    as the tutorial's server does, print
 *                                    "received HEX", send REPLY, close
 *   wire-peer tcp-silent              accept, read, never reply; exit at EOF
 *   wire-peer tcp-close               accept, read, close without replying
 *   wire-peer tcp-reset PORT TEXT     connect, send TEXT, then reset the
 *                                    connection (SO_LINGER 0) at once
 *   wire-peer udp-send PORT TEXT [N]  send TEXT repeated N times as one
 *                                    datagram; print "reply HEX" or "no reply"
 *
 * Every wait is bounded (60 s: valgrind on a loaded machine is slow to
 * start), so a broken lesson cannot hang a test for long.
 */
#include "error.h"
#include "net.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char arguments[] =
    "udp-server REPLY | udp-server-size N | udp-silent | udp-stranger REPLY | tcp-server COUNT REPLY | "
    "tcp-silent | tcp-close | tcp-reset PORT TEXT | udp-send PORT TEXT [N]";

enum { PEER_TIMEOUT_SECONDS = 60, MAX_DATAGRAM = 65536 };

static void print_hex(const char *label, const char *bytes, ssize_t length)
{
    printf("%s ", label);
    for (ssize_t i = 0; i < length; i++)
        printf("%02x", (unsigned char)bytes[i]);
    putchar('\n');
}

static void set_timeout(int fd)
{
    struct timeval timeout = { .tv_sec = PEER_TIMEOUT_SECONDS, .tv_usec = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1)
        die_errno("setsockopt");
}

static struct sockaddr_in loopback(long port)
{
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

/* Binds a socket of TYPE to 127.0.0.1 port 0 and prints the ready line. */
static int bind_ready(int type)
{
    int fd = socket(AF_INET, type, 0);
    if (fd == -1)
        die_errno("socket");
    struct sockaddr_in address = loopback(0);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) == -1)
        die_errno("bind");
    if (type == SOCK_STREAM && listen(fd, 16) == -1)
        die_errno("listen");
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) == -1)
        die_errno("getsockname");
    char text[ADDRESS_TEXT_SIZE];
    printf("wire-peer: ready on %s\n",
           format_address((struct sockaddr *)&address, length, text));
    set_timeout(fd);
    return fd;
}

static int udp_server(const char *reply, size_t reply_length, int stranger_first)
{
    int fd = bind_ready(SOCK_DGRAM);
    char *buffer = malloc(MAX_DATAGRAM);
    if (buffer == NULL)
        die("out of memory");
    struct sockaddr_storage peer;
    socklen_t peer_length = sizeof peer;
    ssize_t n = recvfrom(fd, buffer, MAX_DATAGRAM, 0, (struct sockaddr *)&peer, &peer_length);
    if (n == -1)
        die_errno("recvfrom");
    print_hex("received", buffer, n);
    if (stranger_first) {
        static const char stranger[] = "from a stranger";
        int other = socket(AF_INET, SOCK_DGRAM, 0);
        if (other == -1)
            die_errno("socket");
        if (sendto(other, stranger, strlen(stranger), 0, (struct sockaddr *)&peer, peer_length) == -1)
            die_errno("sendto (stranger)");
        close(other);
        puts("stranger sent");
        /* Let it arrive first, if the client lets it in at all. */
        struct timespec pause = { .tv_sec = 0, .tv_nsec = 100000000 };
        nanosleep(&pause, NULL);
    }
    if (reply != NULL &&
        sendto(fd, reply, reply_length, 0, (struct sockaddr *)&peer, peer_length) == -1)
        die_errno("sendto");
    free(buffer);
    close(fd);
    return 0;
}

static int tcp_server(long count, const char *reply, int behaviour)
{
    int listen_fd = bind_ready(SOCK_STREAM);
    for (long i = 0; i < count; i++) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd == -1)
            die_errno("accept");
        set_timeout(fd);
        char buffer[TUTORIAL_BUFFER_SIZE];
        ssize_t n = recv(fd, buffer, sizeof buffer, 0);
        if (n == -1)
            die_errno("recv");
        print_hex("received", buffer, n);
        if (behaviour == 's') {
            /* Stay silent until the client gives up and closes. */
            while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0)
                continue;
            puts(n == 0 ? "client closed" : "client still there after the timeout");
        } else if (behaviour == 'r' && send(fd, reply, strlen(reply), 0) == -1) {
            die_errno("send");
        }
        close(fd);
    }
    close(listen_fd);
    return 0;
}

static int tcp_reset(long port, const char *text)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd == -1)
        die_errno("socket");
    struct sockaddr_in address = loopback(port);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == -1)
        die_errno("connect");
    if (send(fd, text, strlen(text), 0) == -1)
        die_errno("send");
    struct linger abort_on_close = { .l_onoff = 1, .l_linger = 0 };
    if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close) == -1)
        die_errno("setsockopt SO_LINGER");
    close(fd); /* with linger 0, close sends RST instead of FIN */
    puts("reset sent");
    return 0;
}

static int udp_send(long port, const char *text, long repeat)
{
    size_t text_length = strlen(text);
    size_t total = text_length * (size_t)repeat;
    char *datagram = malloc(total > 0 ? total : 1);
    char *reply = malloc(MAX_DATAGRAM);
    if (datagram == NULL || reply == NULL)
        die("out of memory");
    for (long i = 0; i < repeat; i++)
        memcpy(datagram + (size_t)i * text_length, text, text_length);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd == -1)
        die_errno("socket");
    set_timeout(fd);
    struct sockaddr_in address = loopback(port);
    if (sendto(fd, datagram, total, 0, (struct sockaddr *)&address, sizeof address) == -1)
        die_errno("sendto");
    ssize_t n = recvfrom(fd, reply, MAX_DATAGRAM, 0, NULL, NULL);
    if (n == -1)
        puts("no reply");
    else
        print_hex("reply", reply, n);
    free(datagram);
    free(reply);
    close(fd);
    return 0;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "udp-server") == 0 && argc == 3)
        return udp_server(argv[2], strlen(argv[2]), 0);
    if (strcmp(mode, "udp-server-size") == 0 && argc == 3) {
        long size = parse_number(argv[2], "size", 0, MAX_DATAGRAM - 1000, arguments);
        char *reply = malloc((size_t)size + 1);
        if (reply == NULL)
            die("out of memory");
        memset(reply, 'r', (size_t)size);
        int rc = udp_server(reply, (size_t)size, 0);
        free(reply);
        return rc;
    }
    if (strcmp(mode, "udp-silent") == 0 && argc == 2)
        return udp_server(NULL, 0, 0);
    if (strcmp(mode, "udp-stranger") == 0 && argc == 3)
        return udp_server(argv[2], strlen(argv[2]), 1);
    if (strcmp(mode, "tcp-server") == 0 && argc == 4)
        return tcp_server(parse_number(argv[2], "count", 1, 100000, arguments), argv[3], 'r');
    if (strcmp(mode, "tcp-silent") == 0 && argc == 2)
        return tcp_server(1, "", 's');
    if (strcmp(mode, "tcp-close") == 0 && argc == 2)
        return tcp_server(1, "", 'c');
    if (strcmp(mode, "tcp-reset") == 0 && argc == 4)
        return tcp_reset(parse_number(argv[2], "port", 1, 65535, arguments), argv[3]);
    if (strcmp(mode, "udp-send") == 0 && (argc == 4 || argc == 5))
        return udp_send(parse_number(argv[2], "port", 1, 65535, arguments), argv[3],
                        argc == 5 ? parse_number(argv[4], "count", 0, 60000, arguments) : 1);
    die_usage(arguments, "unknown mode or wrong arguments");
}
