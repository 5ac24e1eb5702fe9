/*
 * tests/peers/room-slow-reader.c - a chat client that reads, but slowly.
 *
 *   room-slow-reader PORT CHUNK DELAY_MS
 *
 * Connects to 127.0.0.1:PORT with a small receive buffer (4 KiB), then
 * reads at most CHUNK bytes every DELAY_MS milliseconds and copies them to
 * stdout, until the room closes the connection or 10 s pass with nothing.
 * It never sends anything and never closes first: it is the slowest reader
 * in the room, and a fair room must neither lose its lines nor throw it out.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    if (argc != 4) {
        fprintf(stderr, "usage: room-slow-reader PORT CHUNK DELAY_MS\n");
        return 2;
    }
    size_t chunk = (size_t)atol(argv[2]);
    long delay = atol(argv[3]);
    if (chunk < 1 || chunk > 65536)
        return 2;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int size = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct timeval limit = { .tv_sec = 10, .tv_usec = 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd == -1 || connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
        perror("room-slow-reader: connect");
        return 1;
    }
    static char buffer[65536];
    struct timespec pause = { .tv_sec = delay / 1000, .tv_nsec = (delay % 1000) * 1000000 };
    for (;;) {
        ssize_t n = recv(fd, buffer, chunk, 0);
        if (n <= 0)
            break;
        fwrite(buffer, 1, (size_t)n, stdout);
        fflush(stdout);
        nanosleep(&pause, NULL);
    }
    close(fd);
    return 0;
}
