/* Hostile: tries to reach Unix sockets of the host: the one the kit's test
 * opens (/tmp/sockstep-hostile-host.sock and the abstract
 * @sockstep-hostile-host), and well-known system ones. It prints what each
 * connect() gave and exits 3; "connected" would be a hole.
 * Run as "unix-reach listen", it is that test's host listener (at most 60 s). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t address(struct sockaddr_un *where, const char *name)
{
    memset(where, 0, sizeof *where);
    where->sun_family = AF_UNIX;
    size_t length = strlen(name);
    memcpy(where->sun_path, name, length);
    if (name[0] == '@')
        where->sun_path[0] = '\0'; /* abstract */
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + (name[0] == '@' ? 0 : 1));
}

int main(int argc, char **argv)
{
    const char *names[] = { "/tmp/sockstep-hostile-host.sock", "@sockstep-hostile-host",
                            "/run/dbus/system_bus_socket", "/var/run/docker.sock",
                            "/run/systemd/private", "/dev/log" };
    struct sockaddr_un where;
    if (argc == 2 && strcmp(argv[1], "listen") == 0) {
        alarm(60);
        int path_fd = socket(AF_UNIX, SOCK_STREAM, 0), abstract_fd = socket(AF_UNIX, SOCK_STREAM, 0);
        unlink(names[0]);
        socklen_t length = address(&where, names[0]);
        if (bind(path_fd, (struct sockaddr *)&where, length) != 0 || listen(path_fd, 8) != 0)
            return 1;
        length = address(&where, names[1]);
        if (bind(abstract_fd, (struct sockaddr *)&where, length) != 0 || listen(abstract_fd, 8) != 0)
            return 1;
        printf("listening\n");
        fflush(stdout);
        pause();
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        socklen_t length = address(&where, names[i]);
        if (connect(fd, (struct sockaddr *)&where, length) == 0)
            printf("unix %s: connected\n", names[i]);
        else
            printf("unix %s: %s\n", names[i], strerror(errno));
        close(fd);
    }
    return 3;
}
