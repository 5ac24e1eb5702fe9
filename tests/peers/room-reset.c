/*
 * tests/peers/room-reset.c - a chat client that breaks off mid-line.
 *
 *   room-reset PORT TEXT
 *
 * Connects to 127.0.0.1:PORT, reads the room's greeting line, sends TEXT
 * (which should not end in '\n': half a line), then closes with SO_LINGER 0,
 * so the kernel sends a reset (RST) instead of a normal end (FIN).
 * Prints the greeting. Exit 0, or 1 if a step failed.
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
    if (argc != 3) {
        fprintf(stderr, "usage: room-reset PORT TEXT\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((unsigned short)atoi(argv[1]));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval timeout = { .tv_sec = 10, .tv_usec = 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (fd == -1 || connect(fd, (struct sockaddr *)&address, sizeof address) == -1) {
        perror("room-reset: connect");
        return 1;
    }
    char greeting[256];
    size_t length = 0;
    while (length < sizeof greeting - 1) {
        ssize_t n = recv(fd, greeting + length, 1, 0);
        if (n <= 0) {
            perror("room-reset: recv");
            return 1;
        }
        if (greeting[length++] == '\n')
            break;
    }
    fwrite(greeting, 1, length, stdout);
    if (send(fd, argv[2], strlen(argv[2]), 0) != (ssize_t)strlen(argv[2])) {
        perror("room-reset: send");
        return 1;
    }
    struct timespec pause = { .tv_sec = 0, .tv_nsec = 200000000 };
    nanosleep(&pause, NULL); /* let the room read the half line first */
    struct linger linger = { .l_onoff = 1, .l_linger = 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
    close(fd);
    return 0;
}
