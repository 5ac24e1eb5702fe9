/* Hostile: 300 children that leave the process group and sleep. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    for (int i = 0; i < 300; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            setsid();
            for (;;)
                sleep(100);
        }
    }
    printf("tcp-echo: listening on 127.0.0.1:1\n");
    fflush(stdout);
    for (;;)
        sleep(100);
}
