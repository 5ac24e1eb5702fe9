/* Hostile: tries to reach Unix sockets of the host: the kit's test opens
 * one at /tmp/sockstep-hostile-host.PID.sock and one at the abstract
 * @sockstep-hostile-host.PID (PID: the listener's, so two copies of the
 * suite do not collide). It tries the fixed base names, every such socket it
 * can find in /tmp and in /proc/net/unix, and well-known system sockets. It
 * prints what each connect() gave and exits 3; "connected" would be a hole.
 * Run as "unix-reach listen", it is that test's host listener (at most 60 s). */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t address(struct sockaddr_un *where, const char *name)
{
    memset(where, 0, sizeof *where);
    where->sun_family = AF_UNIX;
    size_t length = strlen(name);
    if (length >= sizeof where->sun_path)
        length = sizeof where->sun_path - 1;
    memcpy(where->sun_path, name, length);
    if (name[0] == '@')
        where->sun_path[0] = '\0'; /* abstract */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (name[0] == '@' ? 0 : 1));
}

static void try_connect(const char *name)
{
    struct sockaddr_un where;
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) { /* said as such, so a failed try never reads as a refusal */
        printf("unix %s: socket: %s\n", name, strerror(errno));
        return;
    }
    socklen_t length = address(&where, name);
    if (connect(fd, (struct sockaddr *)&where, length) == 0)
        printf("unix %s: connected\n", name);
    else
        printf("unix %s: %s\n", name, strerror(errno));
    close(fd);
}

int main(int argc, char **argv)
{
    const char *names[] = { "/tmp/sockstep-hostile-host.sock", "@sockstep-hostile-host",
                            "/run/dbus/system_bus_socket", "/var/run/docker.sock",
                            "/run/systemd/private", "/dev/log" };
    struct sockaddr_un where;
    char path[108], abstract[108];
    if (argc == 2 && strcmp(argv[1], "listen") == 0) {
        alarm(60);
        snprintf(path, sizeof path, "/tmp/sockstep-hostile-host.%ld.sock", (long)getpid());
        snprintf(abstract, sizeof abstract, "@sockstep-hostile-host.%ld", (long)getpid());
        int path_fd = socket(AF_UNIX, SOCK_STREAM, 0), abstract_fd = socket(AF_UNIX, SOCK_STREAM, 0);
        socklen_t length = address(&where, path);
        if (bind(path_fd, (struct sockaddr *)&where, length) != 0 || listen(path_fd, 8) != 0)
            return 1;
        length = address(&where, abstract);
        if (bind(abstract_fd, (struct sockaddr *)&where, length) != 0 || listen(abstract_fd, 8) != 0)
            return 1;
        printf("listening %s\n", path);
        fflush(stdout);
        pause();
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        try_connect(names[i]);
    /* Any listener's socket in /tmp... */
    DIR *tmp = opendir("/tmp");
    struct dirent *entry;
    while (tmp != NULL && (entry = readdir(tmp)) != NULL) {
        size_t length = strlen(entry->d_name);
        if (strncmp(entry->d_name, "sockstep-hostile-host.", 22) == 0 && length < sizeof path - 5) {
            memcpy(path, "/tmp/", 5);
            memcpy(path + 5, entry->d_name, length + 1);
            try_connect(path);
        }
    }
    if (tmp != NULL)
        closedir(tmp);
    /* ...and any abstract one this network namespace shows. */
    FILE *unix_table = fopen("/proc/net/unix", "r");
    char line[512];
    while (unix_table != NULL && fgets(line, sizeof line, unix_table) != NULL) {
        char *at = strstr(line, "@sockstep-hostile-host.");
        if (at != NULL) {
            at[strcspn(at, "\n")] = '\0';
            try_connect(at);
        }
    }
    if (unix_table != NULL)
        fclose(unix_table);
    return 3;
}
