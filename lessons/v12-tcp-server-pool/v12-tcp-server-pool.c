/*
 * v12-tcp-server-pool - v04's exchange, served by a fixed pool of threads
 * created at start-up (a "pre-threaded" server). Every idle worker waits
 * for the listening socket; the one whose accept() gets the connection
 * receives at most 500 bytes, prints them, replies 我已经收到了, closes the
 * connection and goes back to waiting. When every worker is busy nobody
 * accepts: new clients wait in the kernel's listen queue.
 *
 * Run:   build/v12-tcp-server-pool [HOST [PORT [WORKERS]]]
 *        (default 127.0.0.1 1914, 4 workers)
 *        then, in a second terminal:  build/v05-tcp-client
 *        Stop the server with Ctrl-C.
 * Build: the Makefile adds -pthread for this lesson.
 * Walkthrough: docs/v12-tcp-server-pool.md
 * Next:        docs/bench.md, the four designs measured side by side.
 *
 * What changed since v11, and why: v11 starts a thread for every client and
 * lets it end. Here the threads are made once, so a client costs no thread
 * creation, and the server's size is fixed: WORKERS threads, whatever the
 * number of clients. The price: WORKERS silent clients block everybody, as
 * one did in v04.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT [WORKERS]]]";
static const char help[] =
    "Serves TCP clients on HOST:PORT (default 127.0.0.1:1914) with WORKERS\n"
    "threads (default 4), one client at a time each: prints the first 500\n"
    "bytes each client sends, replies 我已经收到了 and closes the connection.\n"
    "PORT 0 lets the system choose. Ctrl-C or SIGTERM stops it.\n";

static const char reply[] = "我已经收到了";

/* Shared by every worker, and never changed once they run. */
static int listen_fd = -1;

/* Steps 5 to 7 of v04 for one client, as in v11: wait for the client's
 * bytes OR a stop, print the message as one whole line, reply. */
static void serve_client(int connection_fd, const char *peer_text)
{
    struct pollfd wait_for[2] = {
        { .fd = connection_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    int ready;
    while ((ready = poll(wait_for, 2, -1)) == -1 && errno == EINTR)
        continue;
    if (ready == -1 || wait_for[0].revents == 0) {
        if (ready == -1)
            warn_errno("poll");
        return; /* or a stop was requested: leave the silent client */
    }

    /* 5. 接受对方的发送内容: receive at most 500 bytes. */
    char message[TUTORIAL_BUFFER_SIZE];
    ssize_t received = recv(connection_fd, message, sizeof message, 0);
    if (received <= 0) {
        flockfile(stderr);
        if (received == 0)
            warn("%s closed the connection without sending anything", peer_text);
        else
            warn_errno("recv from %s", peer_text);
        funlockfile(stderr);
        return;
    }
    flockfile(stdout);
    fwrite(message, 1, (size_t)received, stdout);
    putchar('\n');
    funlockfile(stdout);

    /* 6. 给对方反馈: send the reply. */
    if (send(connection_fd, reply, strlen(reply), 0) == -1) {
        flockfile(stderr);
        warn_errno("send to %s", peer_text);
        funlockfile(stderr);
    }
}

/* A worker: for ever, wait until a client is queued on the listening socket
 * (or a stop), accept it, serve it. Every idle worker waits in poll() on the
 * same socket, so a new client wakes them all; the first accept() gets the
 * connection and the others get EAGAIN and wait again. */
static void *worker(void *unused)
{
    (void)unused;
    struct pollfd wait_for[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    for (;;) {
        if (poll(wait_for, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            warn_errno("poll");
            break;
        }
        if (wait_for[1].revents != 0)
            break; /* stop */

        /* 4. 接受访问的Socket: accept a connection, if no other worker was
         *    faster. */
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED)
                continue; /* another worker took it, or the client left */
            die_errno("accept"); /* as in v04: the whole server stops */
        }
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);
        serve_client(connection_fd, peer_text);
        /* 7. 关闭链路: close the link to this client. */
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

    /* Steps 1-3 of v04 (socket, bind, listen) in one call. */
    char address_text[ADDRESS_TEXT_SIZE];
    listen_fd = tcp_listen(host, port, address_text);
    /* Non-blocking: of all the workers woken by one client, only one gets
     * it; the others' accept() must say EAGAIN, not wait for the next. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    /* The pool: WORKERS threads, made once. They inherit this signal mask,
     * so SIGINT and SIGTERM go to the main thread only. */
    pthread_t *pool = malloc((size_t)workers * sizeof *pool);
    if (pool == NULL)
        die("out of memory");
    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
    for (long i = 0; i < workers; i++) {
        int rc = pthread_create(&pool[i], NULL, worker, NULL);
        if (rc != 0)
            die_code(rc, "pthread_create (worker %ld of %ld)", i + 1, workers);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    printf("%s: listening on %s\n", program_name(), address_text);

    /* The main thread only waits for a stop. */
    struct pollfd stop = { .fd = stop_fd(), .events = POLLIN };
    while (poll(&stop, 1, -1) == -1) {
        if (errno != EINTR)
            die_errno("poll");
    }

    /* Every worker sees stop_fd() too, in its poll() for the listener or for
     * its client, and returns; join them all, then close the listener
     * (clients still in its queue get a reset). */
    for (long i = 0; i < workers; i++)
        pthread_join(pool[i], NULL);
    free(pool);
    close(listen_fd);
    printf("%s: stopped\n", program_name());
    return 0;
}
