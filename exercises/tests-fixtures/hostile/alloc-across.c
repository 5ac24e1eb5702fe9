/* Hostile: six processes that each allocate and touch 400 MB (under the
 * per-process limit), 2.4 GB together. The student's memory cgroup holds
 * them all to 1 GiB: at most two can get there. Each one that does says so;
 * then they wait, and the program exits 3 without an address line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    for (int child = 0; child < 6; child++) {
        if (fork() != 0)
            continue;
        for (int mb = 0; mb < 400; mb += 4) {
            char *block = malloc(4 << 20);
            if (block == NULL)
                _exit(1);
            memset(block, 1, 4 << 20);
        }
        char line[64];
        int length = snprintf(line, sizeof line, "alloc-across: child %d holds 400 MB\n", child);
        if (write(STDOUT_FILENO, line, (size_t)length) < 0)
            _exit(1);
        sleep(1);
        _exit(0);
    }
    while (wait(NULL) > 0)
        ;
    return 3;
}
