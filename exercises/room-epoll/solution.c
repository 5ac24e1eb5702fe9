/*
 * room-epoll (reference solution) - an echo server for many clients at once, driven by
#ifndef STARTER
 * epoll: the exercise after lessons/v09-chat-room-epoll, done.
#else // STARTER
 * poll(); the exercise after lessons/v09-chat-room-epoll is to drive it with
 * epoll instead.
#endif // STARTER
 *
 * Run:   build/exercises/room-epoll [HOST [PORT]]     (default 127.0.0.1 1914)
 * Task:  exercises/room-epoll/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * How it works: every socket is non-blocking. A client's bytes are read into
 * its queue and written back at once; what the client's socket cannot take
 * yet waits in the queue, and until the queue is empty the server stops
 * reading from that client and waits for "writable" instead. So a client
 * that sends a lot and reads slowly only slows itself down (back pressure),
 * and nobody else ever waits for it.
 *
#ifndef STARTER
 * The loop asks epoll which sockets are ready. Unlike poll(), whose whole
 * array is passed in and scanned every call, epoll keeps the watched list in
 * the kernel (epoll_ctl changes it only when something changes: a client
 * comes, goes, or switches between "read" and "write"), and epoll_wait()
 * returns only the ready ones, each with the pointer stored for it: the
 * cost of a turn follows the number of BUSY clients, not of all clients.
#else // STARTER
 * The loop asks poll() which sockets are ready: it rebuilds the whole array
 * of descriptors every turn, and the kernel scans all of it every call, so
 * each turn costs time in proportion to the number of clients, busy or not.
 * epoll keeps the list of watched descriptors in the kernel and reports only
 * the ready ones (lessons/v09-chat-room-epoll).
#endif // STARTER
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#ifdef STARTER
#include <poll.h>
#endif // STARTER
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef STARTER
#include <sys/epoll.h>
#endif // STARTER
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
#ifndef STARTER
    size_t index;    /* where it is in clients[] */
    bool watching_output; /* registered for EPOLLOUT, not EPOLLIN */
#endif // STARTER
};

static struct client *clients[MAX_CLIENTS];
static size_t client_count;
#ifndef STARTER
static int epoll_fd = -1;
static char stop_marker; /* the stop pipe's epoll data: &stop_marker */
#endif // STARTER

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

#ifndef STARTER
/* Tells epoll what to wait for on CLIENT: writable while bytes wait in its
 * queue (back pressure: it is not read meanwhile), readable otherwise.
 * Returns false if epoll_ctl failed. */
static bool watch(struct client *client)
{
    bool want_output = has_output(client);
    if (want_output == client->watching_output)
        return true; /* unchanged: no system call */
    struct epoll_event event = { .events = want_output ? EPOLLOUT : EPOLLIN,
                                 .data.ptr = client };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, client->fd, &event) == -1) {
        warn_errno("epoll_ctl MOD");
        return false;
    }
    client->watching_output = want_output;
    return true;
}

#endif // STARTER
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
#ifndef STARTER
    *client = (struct client){ .fd = fd, .data = data, .index = client_count };
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = client };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == -1) {
        warn_errno("epoll_ctl ADD");
        free(client);
        free(data);
        close(fd);
        return NULL;
    }
#else // STARTER
    *client = (struct client){ .fd = fd, .data = data };
#endif // STARTER
    clients[client_count++] = client;
    return client;
}

#ifndef STARTER
/* Removes CLIENT; the last one in clients[] takes its place. */
static void leave(struct client *client)
#else // STARTER
/* Removes the client at INDEX; the last one takes its place. */
static void leave(size_t index)
#endif // STARTER
{
#ifndef STARTER
    struct client *last = clients[--client_count];
    clients[client->index] = last;
    last->index = client->index;
    /* close() would drop it from the epoll set anyway (no other descriptor
     * refers to this socket); DEL says so, and catches mistakes. */
    if (epoll_ctl(epoll_fd, EPOLL_CTL_DEL, client->fd, NULL) == -1)
        warn_errno("epoll_ctl DEL");
#else // STARTER
    struct client *client = clients[index];
    clients[index] = clients[--client_count];
#endif // STARTER
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

#ifndef STARTER
    /* The watched list lives in the kernel, created once. The listening
     * socket's event carries NULL: that is how the loop tells it apart. */
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd == -1)
        die_errno("epoll_create1");
    struct epoll_event listen_event = { .events = EPOLLIN, .data.ptr = NULL };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &listen_event) == -1)
        die_errno("epoll_ctl ADD %s", address_text);
    /* The stop pipe (common/signals.h) is watched too: one SIGINT or SIGTERM
     * ends the wait at any moment, even one that came just before it. */
    struct epoll_event stop_event = { .events = EPOLLIN, .data.ptr = &stop_marker };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, stop_fd(), &stop_event) == -1)
        die_errno("epoll_ctl ADD stop pipe");

    struct epoll_event events[64];
#else // STARTER
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
#endif // STARTER
    bool stopping = false;
    while (!stopping) {
#ifndef STARTER
        int ready = epoll_wait(epoll_fd, events, 64, -1);
        if (ready == -1) {
#else // STARTER
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
#endif // STARTER
            if (errno == EINTR)
                continue;
#ifndef STARTER
            die_errno("epoll_wait");
#else // STARTER
            die_errno("poll");
#endif // STARTER
        }
#ifdef STARTER
        if (watched[watched_count].revents != 0)
            stopping = true; /* a stop was requested: this turn is the last */
#endif // STARTER
#ifndef STARTER
        for (int i = 0; i < ready; i++) {
            if (events[i].data.ptr == &stop_marker) {
                stopping = true; /* a stop was requested: this turn is the last */
                continue;
            }
            struct client *client = events[i].data.ptr;
            if (client == NULL) {
                accept_all(listen_fd);
#else // STARTER
        /* Backwards: leave() moves the last client into the freed place,
         * and that one has been handled already. */
        for (size_t i = watched_count - 1; i >= 1; i--) {
            struct client *client = clients[i - 1];
            short revents = watched[i].revents;
            if (revents == 0)
#endif // STARTER
                continue;
#ifndef STARTER
            }
            /* A client left this turn is freed at once: safe, because
             * epoll reports each descriptor at most once per epoll_wait(). */
#endif // STARTER
            bool alive = has_output(client) ? flush(client) : readable(client);
#ifndef STARTER
            if (!alive || !watch(client))
                leave(client);
#else // STARTER
            if (!alive)
                leave(i - 1);
#endif // STARTER
        }
#ifdef STARTER
        if (watched[0].revents != 0)
            accept_all(listen_fd);
#endif // STARTER
    }

    while (client_count > 0)
#ifndef STARTER
        leave(clients[client_count - 1]);
    close(epoll_fd);
#else // STARTER
        leave(client_count - 1);
#endif // STARTER
    close(listen_fd);
    printf("%s: stopped\n", program_name());
    return 0;
}
