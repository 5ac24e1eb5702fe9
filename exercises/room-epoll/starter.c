/*
 * room-epoll (starter) - an echo server for many clients at once, driven by
 * poll(); the exercise after lessons/v09-chat-room-epoll is to drive it with
 * epoll instead.
 *
 * Run:   /tmp/room-epoll [HOST [PORT]]   (build it as exercises/room-epoll/README.md shows)
 * Task:  exercises/room-epoll/README.md   (look for TODO; `make hint EX=room-epoll` helps)
 *
 * How it works: every socket is non-blocking. A client's bytes are read into
 * its queue and written back at once; what the client's socket cannot take
 * yet waits in the queue, and until the queue is empty the server stops
 * reading from that client and waits for "writable" instead. So a client
 * that sends a lot and reads slowly only slows itself down (back pressure),
 * and nobody else ever waits for it.
 *
 * The loop asks poll() which sockets are ready: it rebuilds the whole array
 * of descriptors every turn, and the kernel scans all of it every call, so
 * each turn costs time in proportion to the number of clients, busy or not.
 * epoll keeps the list of watched descriptors in the kernel and reports only
 * the ready ones (lessons/v09-chat-room-epoll).
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Echoes every byte each TCP client sends, many clients at once, on\n"
    "HOST:PORT (default 127.0.0.1:1914). Ctrl-C or SIGTERM stops it.\n";

enum { MAX_CLIENTS = 1000, CHUNK = 16384 };

struct client {
    int fd;
    char *data;      /* bytes read, not yet written back */
    size_t start;    /* first byte not yet written */
    size_t end;      /* one past the last byte read */
};

static struct client *clients[MAX_CLIENTS];
static size_t client_count;

static void set_non_blocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
}

/* Writes what waits in CLIENT's queue, as much as the socket takes.
 * Returns false if the client has gone. */
static bool flush(struct client *client)
{
    while (client->start < client->end) {
        ssize_t n = write(client->fd, client->data + client->start, client->end - client->start);
        if (n == -1) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK; /* full: later */
        }
        client->start += (size_t)n;
    }
    client->start = client->end = 0;
    return true;
}

/* CLIENT's socket is readable (its queue is empty). Returns false if it has gone. */
static bool readable(struct client *client)
{
    ssize_t n = read(client->fd, client->data, CHUNK);
    if (n == -1)
        return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
    if (n == 0)
        return false; /* the client closed its side: all echoed */
    client->start = 0;
    client->end = (size_t)n;
    return flush(client);
}

static bool has_output(const struct client *client)
{
    return client->start < client->end;
}

static struct client *join(int fd)
{
    struct client *client = malloc(sizeof *client);
    char *data = malloc(CHUNK);
    if (client == NULL || data == NULL || client_count == MAX_CLIENTS) {
        warn("cannot take one more client");
        free(client);
        free(data);
        close(fd);
        return NULL;
    }
    set_non_blocking(fd);
    *client = (struct client){ .fd = fd, .data = data };
    clients[client_count++] = client;
    return client;
}

/* Removes the client at INDEX; the last one takes its place. */
static void leave(size_t index)
{
    struct client *client = clients[index];
    clients[index] = clients[--client_count];
    close(client->fd);
    free(client->data);
    free(client);
}

/* Takes every connection waiting on LISTEN_FD. */
static void accept_all(int listen_fd)
{
    for (;;) {
        int fd = accept(listen_fd, NULL, NULL);
        if (fd == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED)
                warn_errno("accept");
            if (errno == ECONNABORTED || errno == EINTR)
                continue;
            return;
        }
        join(fd);
    }
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals();
    ignore_sigpipe(); /* a client that vanished must not kill the server */

    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    set_non_blocking(listen_fd);
    printf("%s: listening on %s\n", program_name(), address_text);

    /* TODO: replace this poll() loop with epoll:
     *   - epoll_create1(EPOLL_CLOEXEC) once, before the loop;
     *   - epoll_ctl(EPOLL_CTL_ADD) the listening socket, and each client in
     *     join(), with .data.ptr pointing at its struct client (NULL for the
     *     listening socket) and EPOLLIN;
     *   - epoll_ctl(EPOLL_CTL_MOD) when a client's queue fills (EPOLLOUT) and
     *     when it has drained (EPOLLIN again);
     *   - epoll_ctl(EPOLL_CTL_DEL) before close() in leave();
     *   - epoll_wait() instead of poll(), handling only the events it returns.
     * Nothing else about the server changes. */
    static struct pollfd watched[MAX_CLIENTS + 2];
    bool stopping = false;
    while (!stopping) {
        /* Entry 0: the listening socket; entry i + 1: clients[i]; the last
         * one: the stop pipe (common/signals.h), so that one SIGINT or SIGTERM
         * ends the wait at any moment. A client with bytes waiting is not
         * read until they are out (back pressure). */
        watched[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
        for (size_t i = 0; i < client_count; i++)
            watched[i + 1] = (struct pollfd){
                .fd = clients[i]->fd,
                .events = has_output(clients[i]) ? POLLOUT : POLLIN,
            };
        size_t watched_count = client_count + 1;
        watched[watched_count] = (struct pollfd){ .fd = stop_fd(), .events = POLLIN };
        if (poll(watched, watched_count + 1, -1) == -1) {
            if (errno == EINTR)
                continue;
            die_errno("poll");
        }
        if (watched[watched_count].revents != 0)
            stopping = true; /* a stop was requested: this turn is the last */
        /* Backwards: leave() moves the last client into the freed place,
         * and that one has been handled already. */
        for (size_t i = watched_count - 1; i >= 1; i--) {
            struct client *client = clients[i - 1];
            short revents = watched[i].revents;
            if (revents == 0)
                continue;
            bool alive = has_output(client) ? flush(client) : readable(client);
            if (!alive)
                leave(i - 1);
        }
        if (watched[0].revents != 0)
            accept_all(listen_fd);
    }

    while (client_count > 0)
        leave(client_count - 1);
    close(listen_fd);
    printf("%s: stopped\n", program_name());
    return 0;
}
