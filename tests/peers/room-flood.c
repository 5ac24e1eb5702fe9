/*
 * tests/peers/room-flood.c - a chat client that talks a lot, fast (the
 * `yes | nc` of the room tests).
 *
 *   room-flood PORT COUNT SIZE
 *
 * Connects to 127.0.0.1:PORT and sends COUNT lines of SIZE bytes each
 * ("000001 xxx...x\n") as fast as the room takes them, reading and throwing
 * away whatever the room sends it meanwhile (so it is never a slow reader
 * itself). Then it closes and prints "sent COUNT lines" and, on a second
 * line, "longest wait: N ms", the longest time the room took nothing from
 * it: how long it was held up. Its send buffer is small (16 KiB), so that it
 * feels the room's flow control at once, not after megabytes of buffers.
 * It gives up after 60 seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: room-flood PORT COUNT SIZE\n");
        return 2;
    }
    long count = atol(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    if (size < 8 || size > 1024)
        return 2;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd == -1 || connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
        perror("room-flood: connect");
        return 1;
    }
    int buffer_size = 16 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_size, sizeof buffer_size);
    fcntl(fd, F_SETFL, O_NONBLOCK);
    char line[1025];
    size_t offset = size; /* nothing half-sent */
    long sent = 0;
    double start = now(), last_send = start, longest = 0;
    while (sent < count || offset < size) {
        if (now() > start + 60) {
            fprintf(stderr, "room-flood: gave up after 60 s, %ld lines sent\n", sent);
            return 1;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
        if (poll(&p, 1, 1000) == -1)
            return 1;
        if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
            char junk[65536];
            ssize_t n = recv(fd, junk, sizeof junk, 0);
            if (n == 0 || (n == -1 && errno != EAGAIN)) {
                fprintf(stderr, "room-flood: the room closed the connection after %ld lines\n", sent);
                return 1;
            }
        }
        if (p.revents & POLLOUT) {
            if (offset == size) {
                memset(line, 'x', size);
                char number[24];
                snprintf(number, sizeof number, "%06ld", sent + 1);
                memcpy(line, number, 6);
                line[6] = ' ';
                line[size - 1] = '\n';
                offset = 0;
                sent++;
            }
            ssize_t n = send(fd, line + offset, size - offset, MSG_NOSIGNAL);
            if (n > 0) {
                offset += (size_t)n;
                double t = now();
                if (t - last_send > longest)
                    longest = t - last_send;
                last_send = t;
            } else if (n == -1 && errno != EAGAIN)
                return 1;
        }
    }
    /* A clean end: shutdown(SHUT_WR) sends our FIN after every byte, and we
     * read until the room closes too. close() with unread bytes would send
     * a reset instead, and the kernel would throw away what it had not sent. */
    shutdown(fd, SHUT_WR);
    for (;;) {
        if (now() > start + 60)
            return 1;
        struct pollfd p = { .fd = fd, .events = POLLIN };
        poll(&p, 1, 1000);
        char junk[65536];
        ssize_t n = recv(fd, junk, sizeof junk, 0);
        if (n == 0 || (n == -1 && errno != EAGAIN))
            break;
    }
    close(fd);
    printf("sent %ld lines\nlongest wait: %.0f ms\n", sent, longest * 1000);
    return 0;
}
