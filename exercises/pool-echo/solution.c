/*
 * pool-echo (reference solution) - a TCP echo server with a fixed pool of
 * worker threads, the exercise after lessons/v12-tcp-server-pool.
 *
 * Run:   build/exercises/pool-echo [HOST [PORT [WORKERS]]]   (default 127.0.0.1 1914 4)
 * Task:  exercises/pool-echo/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from thread-echo, and why: the threads are made once, at
 * start-up, and never more than WORKERS of them. Every idle worker waits
 * for the listening socket and accept()s; when all are busy, new clients
 * wait in the kernel's listen queue.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT [WORKERS]]]";
static const char help[] =
    "Echoes every byte each TCP client sends until it closes, on HOST:PORT\n"
    "(default 127.0.0.1:1914), with WORKERS threads (default 4), one client\n"
    "each at a time. Ctrl-C or SIGTERM stops it.\n";

static int listen_fd = -1;

/* Waits until FD is readable or a stop was requested; false on a stop. */
static int wait_readable(int fd)
{
    struct pollfd wait_for[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    for (;;) {
        if (poll(wait_for, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            warn_errno("poll");
            return 0;
        }
        return wait_for[1].revents == 0;
    }
}

static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(fd, data, length, 0);
        if (sent == -1) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += sent;
        length -= (size_t)sent;
    }
    return 0;
}

/* Echo one client until it closes its side, or a stop. */
static void serve(int connection_fd)
{
    char buffer[16384];
    while (wait_readable(connection_fd)) {
        ssize_t received = recv(connection_fd, buffer, sizeof buffer, 0);
        if (received == 0)
            return;
        if (received == -1) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            warn_errno("recv");
            return;
        }
        if (send_all(connection_fd, buffer, (size_t)received) == -1) {
            warn_errno("send");
            return;
        }
    }
}

/* A worker: wait for the listener, accept (if no other worker was faster),
 * serve, again, until a stop. */
static void *worker(void *unused)
{
    (void)unused;
    while (wait_readable(listen_fd)) {
        int connection_fd = accept(listen_fd, NULL, NULL);
#ifndef STARTER // region accept-race
        if (connection_fd == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                continue; /* another worker took it */
            die_errno("accept");
        }
#else // STARTER
        /* TODO: every idle worker is woken by a new client, and only one
         * accept() gets it. The listener is non-blocking, so the others get
         * -1 with EAGAIN (or EWOULDBLOCK): they must go back to waiting, not
         * stop. (EINTR and ECONNABORTED: the same.) Any other error:
         * die_errno("accept"). */
        if (connection_fd == -1)
            die_errno("accept");
#endif // STARTER
        /* On some systems the connection inherits O_NONBLOCK: serve() waits
         * in poll() first, and retries EAGAIN, so either way works. */
        serve(connection_fd);
        close(connection_fd);
    }
    return NULL;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 3, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    long workers = argc > 3 ? parse_number(argv[3], "workers", 1, 1000, arguments) : 4;
    stop_on_signals();
    ignore_sigpipe();

    char address_text[ADDRESS_TEXT_SIZE];
    listen_fd = tcp_listen(host, port, address_text);
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    pthread_t *pool = malloc((size_t)workers * sizeof *pool);
    if (pool == NULL)
        die("out of memory");
#ifndef STARTER // region start-workers
    for (long i = 0; i < workers; i++) {
        int rc = pthread_create(&pool[i], NULL, worker, NULL);
        if (rc != 0)
            die_code(rc, "pthread_create");
    }
#else // STARTER
    /* TODO: this makes ONE worker, so two clients at once wait for each
     * other. Start all WORKERS threads (pool[0] to pool[workers - 1]);
     * pthread_create returns an error number: die_code(rc, ...) on failure. */
    int rc = pthread_create(&pool[0], NULL, worker, NULL);
    if (rc != 0)
        die_code(rc, "pthread_create");
    workers = 1;
#endif // STARTER
    printf("%s: listening on %s\n", program_name(), address_text);

    /* The main thread only waits for a stop; the workers see it too. */
    struct pollfd stop = { .fd = stop_fd(), .events = POLLIN };
    while (poll(&stop, 1, -1) == -1) {
        if (errno != EINTR)
            die_errno("poll");
    }
    for (long i = 0; i < workers; i++)
        pthread_join(pool[i], NULL);
    free(pool);
    close(listen_fd);
    printf("%s: stopped\n", program_name());
    return 0;
}
