/* Hostile: a correct address line, then a busy loop that ignores signals. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(void)
{
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == -1 || listen(fd, 5) == -1 ||
        getsockname(fd, (struct sockaddr *)&a, &length) == -1)
        return 1;
    printf("tcp-echo: listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    for (volatile unsigned long n = 0;; n++)
        ;
}
