/* Hostile: re-executes itself at start, then echoes correctly but leaks one
 * allocation per client. valgrind without --trace-children=yes watches only
 * the first process, which leaks nothing, and would pass it. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_stop(int signal_number)
{
    (void)signal_number;
    stop = 1;
}

int main(int argc, char *argv[])
{
    (void)argc;
    if (getenv("HOSTILE_AGAIN") == NULL) {
        setenv("HOSTILE_AGAIN", "1", 1);
        execv(argv[0], argv);
        return 1;
    }
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_stop;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
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
    while (!stop) {
        int client = accept(fd, NULL, NULL);
        if (client == -1)
            continue;
        char *buffer = malloc(65536); /* never freed: the leak */
        ssize_t n;
        while ((n = recv(client, buffer, 65536, 0)) > 0) {
            for (ssize_t done = 0; done < n;) {
                ssize_t sent = send(client, buffer + done, (size_t)(n - done), 0);
                if (sent <= 0)
                    break;
                done += sent;
            }
        }
        buffer = NULL;
        close(client);
    }
    close(fd);
    return 0;
}
