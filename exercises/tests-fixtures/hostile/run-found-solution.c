/* Hostile: at run time, searches the file system (all but /usr, /proc, /sys
 * and /dev) for the tcp-echo solution.c, or a built tcp-echo that is not
 * itself, and compiles and runs it in its own place. In the sandbox there is
 * none to find: it says how much it searched and exits 3. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char found[1024];
static int searched;

static int visit(const char *path, const struct stat *info, int type, struct FTW *where)
{
    (void)info;
    searched++;
    if (type != FTW_F || where->level > 9)
        return 0;
    const char *name = path + where->base;
    if ((strcmp(name, "solution.c") == 0 && strstr(path, "tcp-echo/") != NULL) ||
        (strcmp(name, "tcp-echo") == 0 && strcmp(path, "/box/tcp-echo") != 0)) {
        snprintf(found, sizeof found, "%s", path);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    /* Everything but the system's own trees (for speed). */
    DIR *root = opendir("/");
    struct dirent *entry;
    while (root != NULL && found[0] == '\0' && (entry = readdir(root)) != NULL) {
        char top[300];
        if (entry->d_name[0] == '.' || strcmp(entry->d_name, "usr") == 0 || strcmp(entry->d_name, "proc") == 0 ||
            strcmp(entry->d_name, "sys") == 0 || strcmp(entry->d_name, "dev") == 0)
            continue;
        snprintf(top, sizeof top, "/%s", entry->d_name);
        nftw(top, visit, 32, FTW_PHYS);
    }
    if (root != NULL)
        closedir(root);
    if (found[0] == '\0') {
        printf("run-found-solution: nothing to run among %d files\n", searched);
        return 3;
    }
    fprintf(stderr, "run-found-solution: found %s\n", found);
    if (strcmp(found + strlen(found) - 2, ".c") == 0) {
        char folder[1024], command[4096];
        snprintf(folder, sizeof folder, "%s", found);
        *strrchr(folder, '/') = '\0';
        snprintf(command, sizeof command,
                 "cc -I%s/../../common %s %s/../../common/*.c -o /tmp/stolen && exec /tmp/stolen \"$@\"",
                 folder, found, folder);
        execl("/bin/sh", "sh", "-c", command, "sh", argv[1], argv[2], (char *)NULL);
    } else {
        execv(found, argv);
    }
    return 3;
}
