/*
 * tests/peers/room-ping.c - a chat client that chats normally and measures
 * how long its lines and another pinger's take through the room.
 *
 *   room-ping PORT COUNT OTHERS JOINS
 *
 * Connects to 127.0.0.1:PORT, waits until JOINS clients have joined after
 * it (so that the other pingers hear every ping), then sends COUNT lines
 * "ping T" (T: CLOCK_MONOTONIC in microseconds), one every 50 ms, reading
 * everything the room sends as fast as it comes. Each "userN: ping T" from
 * another pinger is a sample of the room's latency, now - T. It waits until
 * it has COUNT * OTHERS such lines (at most 10 s after its last ping), then
 * closes cleanly and prints one line:
 *   got G pings, latency max M ms, median D ms
 * Exit 0, or 1 if the room closed the connection or a step failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long microseconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static int compare(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char *argv[])
{
    if (argc != 5) {
        fprintf(stderr, "usage: room-ping PORT COUNT OTHERS JOINS\n");
        return 2;
    }
    long count = atol(argv[2]), expected = count * atol(argv[3]);
    long joins = atol(argv[4]);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd == -1 || connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
        perror("room-ping: connect");
        return 1;
    }
    int on = 1; /* no Nagle: each ping leaves at once, as a chat line should */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct timeval limit = { .tv_sec = 10, .tv_usec = 0 }; /* never wait for ever */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    long long *samples = calloc((size_t)expected + 1, sizeof *samples);
    static char buffer[1 << 16];
    size_t length = 0;
    long sent = 0, got = 0;
    long long next_ping = microseconds(), deadline = 0;
    while (got < expected || sent < count) {
        long long now = microseconds();
        if (joins > 0)
            next_ping = now; /* not yet */
        else if (sent < count && now >= next_ping) {
            char ping[64];
            int n = snprintf(ping, sizeof ping, "ping %lld\n", now);
            if (send(fd, ping, (size_t)n, MSG_NOSIGNAL) != n) {
                perror("room-ping: send");
                return 1;
            }
            sent++;
            next_ping = now + 50000;
            if (sent == count)
                deadline = now + 10000000;
        }
        if (deadline != 0 && now > deadline)
            break;
        long long wait = joins > 0 ? 10000000 : sent < count ? next_ping - now : deadline - now;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, wait > 0 ? (int)(wait / 1000) + 1 : 0) == -1)
            return 1;
        if (!(p.revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t n = recv(fd, buffer + length, sizeof buffer - length, 0);
        if (n <= 0) {
            fprintf(stderr, "room-ping: the room closed the connection\n");
            return 1;
        }
        length += (size_t)n;
        char *line = buffer, *newline;
        while ((newline = memchr(line, '\n', length - (size_t)(line - buffer))) != NULL) {
            *newline = '\0';
            if (strncmp(line, "* user", 6) == 0 && strstr(line, " joined") != NULL)
                joins--;
            long long then;
            char *ping = strstr(line, ": ping ");
            if (strncmp(line, "user", 4) == 0 && ping != NULL &&
                sscanf(ping, ": ping %lld", &then) == 1 && got < expected)
                samples[got++] = microseconds() - then;
            line = newline + 1;
        }
        length -= (size_t)(line - buffer);
        memmove(buffer, line, length);
        if (length == sizeof buffer)
            length = 0; /* a flood line longer than the buffer: not a ping */
    }
    /* A clean end (see room-flood.c): FIN, then read until the room closes. */
    shutdown(fd, SHUT_WR);
    while (recv(fd, buffer, sizeof buffer, 0) > 0)
        ;
    qsort(samples, (size_t)got, sizeof *samples, compare);
    printf("got %ld pings, latency max %.1f ms, median %.1f ms\n", got,
           got ? samples[got - 1] / 1000.0 : 0.0, got ? samples[got / 2] / 1000.0 : 0.0);
    close(fd);
    free(samples);
    return 0;
}
