/*
 * tests/peers/room-crowd.c - many clients, one after another.
 *
 *   room-crowd PORT COUNT
 *
 * COUNT times: connects to 127.0.0.1:PORT, waits for the room's greeting
 * line ("* you are userN"), and leaves cleanly (shutdown, then read to the
 * end). Each join and leave is a line in the room's log, so this fills a
 * log fast. Prints "COUNT greeted" if every client got its greeting.
 * Every read gives up after 10 s. Exit 0, or 1 if a step failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
    if (argc != 3) {
        fprintf(stderr, "usage: room-crowd PORT COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (long i = 0; i < count; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval limit = { .tv_sec = 10, .tv_usec = 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (fd == -1 || connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
            perror("room-crowd: connect");
            return 1;
        }
        char byte = 0;
        while (byte != '\n') {
            if (recv(fd, &byte, 1, 0) != 1) {
                fprintf(stderr, "room-crowd: client %ld got no greeting\n", i + 1);
                return 1;
            }
        }
        shutdown(fd, SHUT_WR);
        char junk[4096];
        while (recv(fd, junk, sizeof junk, 0) > 0)
            ;
        close(fd);
    }
    printf("%ld greeted\n", count);
    return 0;
}
