/* Hostile: 24 children, each in a session of its own, spin for ever, so
 * that the scheduler would give each one as large a share as a whole
 * classmate. It also measures what it got: after one second, each child
 * sends its CPU time down a pipe, and the program prints the sum on stderr
 * ("spin-cores: 24 spinners got 1.93 s of CPU in 1 s"; the grader's report
 * shows it), then exits without an address line while they spin on. */
#include <poll.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define SPINNERS 24

static double seconds(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int main(void)
{
    int report[2];
    if (pipe(report) != 0)
        return 1;
    for (int i = 0; i < SPINNERS; i++) {
        if (fork() == 0) {
            setsid();
            double start = seconds(CLOCK_MONOTONIC);
            volatile unsigned long n = 0;
            while (seconds(CLOCK_MONOTONIC) < start + 1.0)
                n++;
            double used = seconds(CLOCK_PROCESS_CPUTIME_ID);
            if (write(report[1], &used, sizeof used) != (ssize_t)sizeof used)
                return 1;
            for (;;)
                n++;
        }
    }
    close(report[1]);
    double total = 0, used;
    int got = 0;
    struct pollfd wait = {.fd = report[0], .events = POLLIN};
    while (got < SPINNERS && poll(&wait, 1, 5000) == 1 &&
           read(report[0], &used, sizeof used) == (ssize_t)sizeof used) {
        total += used;
        got++;
    }
    fprintf(stderr, "spin-cores: %d spinners got %.2f s of CPU in 1 s\n", got, total);
    return 0;
}
