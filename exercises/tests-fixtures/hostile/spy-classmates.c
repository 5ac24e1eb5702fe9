/* Hostile (for --class): looks for classmates. It reads every process's
 * command line in /proc for paths of sources or of the grader's temporary
 * folders, lists /tmp for those folders, tries to open every path it saw,
 * and execs the first classmate's built tcp-echo it can. In the sandbox it
 * sees only its own processes and an empty /tmp, and process 1 (the
 * sandbox's init) holds no variable of the grader: it reports and exits 3. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int processes, paths, readable;

static void try_path(const char *path, char **argv)
{
    paths++;
    int fd = open(path, O_RDONLY);
    if (fd == -1)
        return;
    close(fd);
    readable++;
    printf("spy: readable: %s\n", path);
    fflush(stdout);
    size_t length = strlen(path);
    if (length > 9 && strcmp(path + length - 9, "/tcp-echo") == 0 && strcmp(path, "/box/tcp-echo") != 0)
        execv(path, argv);
}

int main(int argc, char **argv)
{
    (void)argc;
    char path[4096], buffer[8192];
    DIR *proc = opendir("/proc");
    struct dirent *entry;
    while (proc != NULL && (entry = readdir(proc)) != NULL) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
            continue;
        processes++;
        snprintf(path, sizeof path, "/proc/%s/cmdline", entry->d_name);
        int fd = open(path, O_RDONLY);
        if (fd == -1)
            continue;
        ssize_t n = read(fd, buffer, sizeof buffer - 1);
        close(fd);
        for (ssize_t at = 0; n > 0 && at < n; at += (ssize_t)strlen(buffer + at) + 1) {
            buffer[n] = '\0';
            const char *word = buffer + at;
            size_t length = strlen(word);
            if (word[0] == '/' && ((length > 2 && strcmp(word + length - 2, ".c") == 0) ||
                                   strstr(word, "sockstep-grade") != NULL))
                try_path(word, argv);
        }
    }
    if (proc != NULL)
        closedir(proc);
    DIR *tmp = opendir("/tmp");
    while (tmp != NULL && (entry = readdir(tmp)) != NULL) {
        if (strncmp(entry->d_name, "sockstep-", 9) != 0)
            continue;
        snprintf(path, sizeof path, "/tmp/%s/bin/tcp-echo", entry->d_name);
        try_path(path, argv);
        snprintf(path, sizeof path, "/tmp/%s/sandbox", entry->d_name);
        try_path(path, argv);
    }
    if (tmp != NULL)
        closedir(tmp);
    /* The environment of process 1 (the sandbox's init), which could hold
     * the grader's variables. */
    int environment = open("/proc/1/environ", O_RDONLY);
    ssize_t length = environment == -1 ? -1 : read(environment, buffer, sizeof buffer - 1);
    if (environment != -1)
        close(environment);
    for (ssize_t i = 0; i < length; i++)
        if (buffer[i] == '\0')
            buffer[i] = ' ';
    if (length >= 0)
        buffer[length] = '\0';
    printf("spy: process 1's environment: %s\n", length >= 0 ? buffer : "(unreadable)");
    printf("spy: %d processes seen, %d paths tried, %d readable\n", processes, paths, readable);
    return 3;
}
