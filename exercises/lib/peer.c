/*
 * exercises/lib/peer.c - the grader's own network peer.
 *
 * The exercise tests (exercises/NAME/tests.sh) use it to talk to a student's
 * program and to stand in for a server when the student writes a client.
 * It is trusted code: it runs as the grader, never as the student, and it
 * reports only what it saw on the wire. Every wait is bounded.
 *
 *   peer udp-send PORT TIMEOUT_MS        stdin -> one datagram to 127.0.0.1:PORT;
 *                                        the reply's bytes -> stdout, and
 *                                        "from port N" (its own) -> stderr;
 *                                        exit 3 if no reply in time
 *   peer udp-serve DROP                  bind 127.0.0.1:0, print "port N";
 *                                        for each datagram print "datagram HEX";
 *                                        ignore the first DROP datagrams
 *                                        (-1: all of them), answer the others
 *                                        with "reply:" + the same bytes
 *   peer tcp-talk PORT TIMEOUT_MS [CHUNK DELAY_MS]
 *                                        connect, send stdin (in CHUNK-byte
 *                                        pieces DELAY_MS apart if given) while
 *                                        reading, shut down the write side at
 *                                        the end of stdin, copy everything
 *                                        received until EOF to stdout;
 *                                        exit 3 on timeout
 *   peer tcp-talk-slow PORT TIMEOUT_MS RCVBUF READ DELAY_MS
 *                                        like tcp-talk (stdin sent as fast as the
 *                                        server takes it), but a stalled reader:
 *                                        its receive buffer is RCVBUF bytes, it
 *                                        reads nothing for DELAY_MS, then at most
 *                                        READ bytes per recv(). Meanwhile the
 *                                        server's socket buffer fills up, so its
 *                                        send() calls take only part (short writes)
 *   peer tcp-pingpong PORT N TIMEOUT_MS  connect; N times send "ping I\n" and
 *                                        wait for exactly those bytes back
 *                                        before sending the next; exit 0 if
 *                                        every echo came back, 1 otherwise
 *   peer tcp-serve BYTES CHUNK DELAY_MS  bind 127.0.0.1:0, print "port N";
 *                                        for each client: read what it sends
 *                                        for up to 1 s (or until EOF) and print
 *                                        "received HEX", then send BYTES bytes
 *                                        ('a'..'z' repeated) in CHUNK-byte
 *                                        pieces DELAY_MS apart, and close;
 *                                        BYTES -1: never answer, never close
 *   peer port-free                       print a TCP port nothing listens on
 *   peer relay                           a server for a client's tests: "port N"
 *                                        (stderr), ONE client, then stdin -> it
 *                                        and it -> stdout, raw (see relay())
 *
 * Runs until SIGTERM when serving.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { BIG = 65536 };

static void fail(const char *what)
{
    fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
    exit(2);
}

static long number(const char *text)
{
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0') {
        fprintf(stderr, "peer: bad number '%s'\n", text);
        exit(2);
    }
    return value;
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

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec t = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
    while (nanosleep(&t, &t) == -1 && errno == EINTR)
        ;
}

static void print_hex(const char *label, const unsigned char *bytes, ssize_t length)
{
    printf("%s ", label);
    for (ssize_t i = 0; i < length; i++)
        printf("%02x", bytes[i]);
    putchar('\n');
    fflush(stdout);
}

static int write_all(int fd, const unsigned char *data, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, data, length);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        length -= (size_t)n;
    }
    return 0;
}

static int bound_socket(int type)
{
    int fd = socket(AF_INET, type, 0);
    if (fd == -1)
        fail("socket");
    struct sockaddr_in address = loopback(0);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) == -1)
        fail("bind");
    if (type == SOCK_STREAM && listen(fd, 16) == -1)
        fail("listen");
    socklen_t length = sizeof address;
    if (getsockname(fd, (struct sockaddr *)&address, &length) == -1)
        fail("getsockname");
    printf("port %d\n", ntohs(address.sin_port));
    fflush(stdout);
    return fd;
}

static int connected_socket(int type, long port)
{
    int fd = socket(AF_INET, type, 0);
    if (fd == -1)
        fail("socket");
    struct sockaddr_in address = loopback(port);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) == -1)
        fail("connect");
    return fd;
}

static int udp_send(long port, long timeout_ms)
{
    static unsigned char message[BIG], reply[BIG];
    size_t length = fread(message, 1, sizeof message - 1, stdin);
    int fd = connected_socket(SOCK_DGRAM, port);
    struct sockaddr_in local;
    socklen_t local_length = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) == -1)
        fail("getsockname");
    fprintf(stderr, "from port %d\n", ntohs(local.sin_port));
    if (send(fd, message, length, 0) == -1)
        fail("send");
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int ready = poll(&p, 1, (int)timeout_ms);
    if (ready == 0) {
        fprintf(stderr, "peer: no reply within %ld ms\n", timeout_ms);
        return 3;
    }
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n == -1)
        fail("recv");
    fwrite(reply, 1, (size_t)n, stdout);
    return 0;
}

static _Noreturn void udp_serve(long drop)
{
    static unsigned char message[BIG + 7] = "reply:";
    int fd = bound_socket(SOCK_DGRAM);
    for (long count = 0;; count++) {
        struct sockaddr_storage from;
        socklen_t from_length = sizeof from;
        ssize_t n = recvfrom(fd, message + 6, BIG, 0, (struct sockaddr *)&from, &from_length);
        if (n == -1)
            fail("recvfrom");
        print_hex("datagram", message + 6, n);
        if (drop >= 0 && count >= drop)
            sendto(fd, message, (size_t)n + 6, 0, (struct sockaddr *)&from, from_length);
    }
}

/* A stalled reader (tcp-talk-slow): a receive buffer of rcvbuf bytes (set
 * before connect()), no reading at all for the first read_delay_ms, then at
 * most read_max bytes per recv(). */
static long rcvbuf, read_max, read_delay_ms;

static int tcp_talk(long port, long timeout_ms, long chunk, long delay_ms)
{
    static unsigned char in[BIG], out[BIG];
    int fd;
    if (rcvbuf > 0) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        int size = (int)rcvbuf;
        if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == -1)
            fail("socket SO_RCVBUF");
        struct sockaddr_in address = loopback(port);
        if (connect(fd, (struct sockaddr *)&address, sizeof address) == -1)
            fail("connect");
    } else {
        fd = connected_socket(SOCK_STREAM, port);
    }
    long next_read = read_delay_ms > 0 ? now_ms() + read_delay_ms : 0;
    long deadline = now_ms() + timeout_ms;
    int stdin_open = 1;
    size_t pending = 0, offset = 0;
    for (;;) {
        struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = fd, .events = 0 } };
        if (stdin_open && pending == 0) {
            size_t want = chunk > 0 ? (size_t)chunk : sizeof out;
            pending = fread(out, 1, want, stdin);
            offset = 0;
            if (pending == 0) {
                stdin_open = 0;
                shutdown(fd, SHUT_WR);
            } else if (chunk > 0 && delay_ms > 0) {
                sleep_ms(delay_ms);
            }
        }
        if (pending > 0)
            p[1].events = POLLOUT;
        long left = deadline - now_ms();
        if (left <= 0) {
            fprintf(stderr, "peer: timed out after %ld ms\n", timeout_ms);
            return 3;
        }
        int wait_ms = (int)left;
        if (read_delay_ms > 0 && now_ms() < next_read) {
            p[0].events = 0; /* not yet: the slow reader reads later */
            if (next_read - now_ms() < wait_ms)
                wait_ms = (int)(next_read - now_ms());
        }
        if (poll(p, 2, wait_ms) == -1 && errno != EINTR)
            fail("poll");
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            size_t want = read_max > 0 && (size_t)read_max < sizeof in ? (size_t)read_max : sizeof in;
            ssize_t n = recv(fd, in, want, 0);
            if (n == -1 && errno != EINTR && errno != EAGAIN)
                fail("recv");
            if (n == 0)
                break;
            if (n > 0)
                fwrite(in, 1, (size_t)n, stdout);
        }
        if (pending > 0 && (p[1].revents & POLLOUT)) {
            ssize_t n = send(fd, out + offset, pending, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n == -1 && errno != EAGAIN && errno != EINTR)
                fail("send");
            if (n > 0) {
                offset += (size_t)n;
                pending -= (size_t)n;
            }
        }
    }
    if (pending > 0 || stdin_open) {
        fprintf(stderr, "peer: the server closed before taking all the bytes\n");
        return 1;
    }
    return 0;
}

static int tcp_pingpong(long port, long count, long timeout_ms)
{
    int fd = connected_socket(SOCK_STREAM, port);
    for (long i = 0; i < count; i++) {
        char message[64], echo[64];
        int length = snprintf(message, sizeof message, "ping %ld\n", i);
        if (write_all(fd, (unsigned char *)message, (size_t)length) == -1)
            fail("send");
        int got = 0;
        while (got < length) {
            struct pollfd p = { .fd = fd, .events = POLLIN };
            if (poll(&p, 1, (int)timeout_ms) <= 0) {
                fprintf(stderr, "peer: no echo of message %ld within %ld ms "
                        "(the server must echo before the client closes)\n", i, timeout_ms);
                return 1;
            }
            ssize_t n = recv(fd, echo + got, (size_t)(length - got), 0);
            if (n <= 0) {
                fprintf(stderr, "peer: connection closed while waiting for echo %ld\n", i);
                return 1;
            }
            got += (int)n;
        }
        if (memcmp(message, echo, (size_t)length) != 0) {
            fprintf(stderr, "peer: echo %ld differs from what was sent\n", i);
            return 1;
        }
    }
    close(fd);
    return 0;
}

static _Noreturn void tcp_serve(long bytes, long chunk, long delay_ms)
{
    static unsigned char in[BIG], out[BIG];
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (unsigned char)('a' + i % 26);
    if (chunk <= 0 || chunk > BIG)
        chunk = BIG;
    int listen_fd = bound_socket(SOCK_STREAM);
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd == -1)
            fail("accept");
        size_t got = 0;
        long deadline = now_ms() + 1000;
        for (;;) {
            long left = deadline - now_ms();
            struct pollfd p = { .fd = fd, .events = POLLIN };
            if (left <= 0 || poll(&p, 1, (int)left) <= 0 || got == sizeof in)
                break;
            ssize_t n = recv(fd, in + got, sizeof in - got, 0);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        print_hex("received", in, (ssize_t)got);
        if (bytes < 0) {
            pause(); /* never answer: the client must give up by itself */
            continue;
        }
        for (long sent = 0; sent < bytes;) {
            long piece = bytes - sent < chunk ? bytes - sent : chunk;
            if (write_all(fd, out, (size_t)piece) == -1)
                break;
            sent += piece;
            if (delay_ms > 0 && sent < bytes)
                sleep_ms(delay_ms);
        }
        close(fd);
    }
}


/* relay: listens on 127.0.0.1:0 and prints "port N" to stderr; accepts ONE
 * client; then copies stdin to the client and the client to stdout, raw.
 * End of stdin closes the connection (exit 0); the client closing ends it
 * too (exit 0). Nothing for 15 s: exit 3. */
static int relay(void)
{
    int listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (listen_fd == -1 || bind(listen_fd, (struct sockaddr *)&address, sizeof address) == -1 ||
        listen(listen_fd, 4) == -1 || getsockname(listen_fd, (struct sockaddr *)&address, &length) == -1)
        fail("relay");
    fprintf(stderr, "port %d\n", ntohs(address.sin_port));
    fflush(stderr);
    struct pollfd waiting = { .fd = listen_fd, .events = POLLIN };
    if (poll(&waiting, 1, 15000) != 1)
        return 3;
    int fd = accept(listen_fd, NULL, NULL);
    if (fd == -1)
        fail("relay: accept");
    close(listen_fd);
    fprintf(stderr, "connected\n");
    struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
    static unsigned char buffer[BIG];
    for (;;) {
        int ready = poll(p, 2, 15000);
        if (ready == -1 && errno == EINTR)
            continue;
        if (ready <= 0)
            return 3;
        if (p[1].revents) {
            ssize_t n = read(fd, buffer, sizeof buffer);
            if (n <= 0) {
                fprintf(stderr, n == 0 ? "closed by the client\n" : "reset by the client\n");
                return 0;
            }
            if (write_all(1, buffer, (size_t)n) == -1)
                return 2;
        }
        if (p[0].revents) {
            ssize_t n = read(0, buffer, sizeof buffer);
            if (n <= 0) {
                close(fd);
                fprintf(stderr, "closed by the relay\n");
                return 0;
            }
            if (write_all(fd, buffer, (size_t)n) == -1)
                return 2;
        }
    }
}

static int port_free(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (fd == -1 || bind(fd, (struct sockaddr *)&address, sizeof address) == -1 ||
        getsockname(fd, (struct sockaddr *)&address, &length) == -1)
        fail("bind");
    printf("%d\n", ntohs(address.sin_port));
    close(fd); /* bound but never listening: a connect() is refused */
    return 0;
}

int main(int argc, char *argv[])
{
    signal(SIGPIPE, SIG_IGN);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "udp-send") == 0 && argc == 4)
        return udp_send(number(argv[2]), number(argv[3]));
    if (strcmp(mode, "udp-serve") == 0 && argc == 3)
        udp_serve(number(argv[2]));
    if (strcmp(mode, "tcp-talk") == 0 && argc == 4)
        return tcp_talk(number(argv[2]), number(argv[3]), 0, 0);
    if (strcmp(mode, "tcp-talk") == 0 && argc == 6)
        return tcp_talk(number(argv[2]), number(argv[3]), number(argv[4]), number(argv[5]));
    if (strcmp(mode, "tcp-talk-slow") == 0 && argc == 7) {
        rcvbuf = number(argv[4]);
        read_max = number(argv[5]);
        read_delay_ms = number(argv[6]);
        return tcp_talk(number(argv[2]), number(argv[3]), 0, 0);
    }
    if (strcmp(mode, "tcp-pingpong") == 0 && argc == 5)
        return tcp_pingpong(number(argv[2]), number(argv[3]), number(argv[4]));
    if (strcmp(mode, "tcp-serve") == 0 && argc == 5)
        tcp_serve(number(argv[2]), number(argv[3]), number(argv[4]));
    if (strcmp(mode, "port-free") == 0 && argc == 2)
        return port_free();
    if (strcmp(mode, "relay") == 0 && argc == 2)
        return relay();
    fprintf(stderr, "usage: peer udp-send PORT MS | udp-serve DROP | tcp-talk PORT MS [CHUNK DELAY] | "
                    "tcp-talk-slow PORT MS RCVBUF READ DELAY | "
                    "tcp-pingpong PORT N MS | tcp-serve BYTES CHUNK DELAY | port-free | relay\n");
    return 2;
}
