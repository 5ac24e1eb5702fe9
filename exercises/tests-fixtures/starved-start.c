/* Fixture: a server that never prints its address line, in two ways.
 *
 *   starved-start spin CPU   ready to run all the time, but hardly ever
 *                            running: it moves itself to core CPU and lowers
 *                            its priority as far as an ordinary process may
 *                            (nice 19, for itself and for its autogroup, the
 *                            session the harness made for it); beside a busy
 *                            loop on that core it waits for the CPU almost
 *                            all the time
 *   starved-start sleep      asleep: it never asks for a CPU
 *
 * tests/grader.bats uses it to check that the harness adds the time a
 * program waited for a CPU to its wait for the address line, and only that
 * time. Linux only (sched_setaffinity, /proc/self/autogroup). */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sleep") == 0) {
        for (;;)
            pause();
    }
    if (argc != 3 || strcmp(argv[1], "spin") != 0) {
        fprintf(stderr, "usage: starved-start spin CPU | starved-start sleep\n");
        return 2;
    }
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(atoi(argv[2]), &cpus);
    if (sched_setaffinity(0, sizeof cpus, &cpus) == -1) {
        perror("starved-start: sched_setaffinity");
        return 1;
    }
    if (setpriority(PRIO_PROCESS, 0, 19) == -1)
        perror("starved-start: setpriority");
    /* With autogroups (Linux's default), the CPU is shared between sessions
     * by their autogroup's nice, not the process's own: lower that too. */
    FILE *autogroup = fopen("/proc/self/autogroup", "w");
    if (autogroup != NULL) {
        fputs("19\n", autogroup);
        fclose(autogroup);
    }
    for (;;)
        ;
}
