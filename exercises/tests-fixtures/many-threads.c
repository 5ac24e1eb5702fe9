/* A fixture for tests/grader.bats (not a submission): holds THREADS threads
 * (default 100) that sleep, as a user's busy browser or IDE does, until it
 * is stopped. The kernel counts each thread against the user's process limit
 * (RLIMIT_NPROC), so a grader that is not root must count them too. Prints
 * "N threads" once they all run. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *sleep_on(void *unused)
{
    (void)unused;
    for (;;)
        pause();
    return NULL;
}

int main(int argc, char *argv[])
{
    int threads = argc > 1 ? atoi(argv[1]) : 100;
    for (int i = 0; i < threads; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, sleep_on, NULL) != 0) {
            fprintf(stderr, "many-threads: pthread_create failed after %d threads\n", i);
            return 1;
        }
    }
    printf("%d threads\n", threads);
    fflush(stdout);
    alarm(120); /* a last resort: the test stops it much sooner */
    for (;;)
        pause();
}
