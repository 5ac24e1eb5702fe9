/*
 * common/tcp.c - tcp_listen() and tcp_connect() (see common/tcp.h): the
 * address loops of lessons v04 and v05, written once for the later lessons.
 */
#include "tcp.h"

#include "error.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct addrinfo *resolve(const char *host, const char *port, int flags)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = flags | AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);
    return addresses;
}

int tcp_listen(const char *host, const char *port, char *bound_text)
{
    struct addrinfo *addresses = resolve(host, port, AI_PASSIVE);
    int listen_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        format_address(a->ai_addr, a->ai_addrlen, bound_text);
        listen_fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (listen_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }
        int on = 1;
        if (setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1)
            warn_errno("setsockopt SO_REUSEADDR");
        if (bind(listen_fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "bind";
        close(listen_fd);
        listen_fd = -1;
    }
    freeaddrinfo(addresses);
    if (listen_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, bound_text);

    if (listen(listen_fd, SOMAXCONN) == -1)
        die_errno("listen %s", bound_text);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    format_address((struct sockaddr *)&bound, bound_length, bound_text);
    return listen_fd;
}

int tcp_connect(const char *host, const char *port, int timeout_seconds,
                char *server_text)
{
    struct addrinfo *addresses = resolve(host, port, 0);
    int connection_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    for (struct addrinfo *s = addresses; s != NULL; s = s->ai_next) {
        format_address(s->ai_addr, s->ai_addrlen, server_text);
        connection_fd = socket(s->ai_family, s->ai_socktype, s->ai_protocol);
        if (connection_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }
        /* On Linux the send time-out also bounds connect(). */
        struct timeval timeout = { .tv_sec = timeout_seconds, .tv_usec = 0 };
        if (setsockopt(connection_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1)
            warn_errno("setsockopt SO_SNDTIMEO");
        if (connect(connection_fd, s->ai_addr, s->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "connect";
        /* A connect() cut short by the time-out says EINPROGRESS. */
        if (failed_errno == EINPROGRESS)
            failed_errno = ETIMEDOUT;
        close(connection_fd);
        connection_fd = -1;
    }
    freeaddrinfo(addresses);
    if (connection_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, server_text);
    return connection_fd;
}
