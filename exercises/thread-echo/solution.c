/*
 * thread-echo (reference solution) - a TCP echo server with a detached
 * thread per client, the exercise after lessons/v11-tcp-server-threads.
 *
 * Run:   build/exercises/thread-echo [HOST [PORT]]     (default 127.0.0.1 1914)
 * Task:  exercises/thread-echo/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from fork-echo, and why: a thread instead of a process. It
 * shares the process's memory, so each thread gets its connection in a
 * struct of its own on the heap (a variable of main's loop is overwritten by
 * the next accept()), and it is detached, so nothing has to collect it.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Echoes every byte each TCP client sends until it closes, a thread per\n"
    "client, on HOST:PORT (default 127.0.0.1:1914). Ctrl-C or SIGTERM stops it.\n";

/* Sends all LENGTH bytes, however many send() calls it takes. */
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

/* Echo one client until it closes its side. */
static void serve(int connection_fd, const char *peer_text)
{
    char buffer[16384];
    for (;;) {
        ssize_t received = recv(connection_fd, buffer, sizeof buffer, 0);
        if (received == 0)
            return;
        if (received == -1) {
            if (errno == EINTR)
                continue;
            warn_errno("recv from %s", peer_text);
            return;
        }
        if (send_all(connection_fd, buffer, (size_t)received) == -1) {
            warn_errno("send to %s", peer_text);
            return;
        }
    }
}

/* What one thread needs, in memory of its own. */
struct client {
    int connection_fd;
    char peer_text[ADDRESS_TEXT_SIZE];
};

#ifndef STARTER // region client-thread
static void *client_thread(void *argument)
{
    struct client *client = argument;
    serve(client->connection_fd, client->peer_text);
    close(client->connection_fd);
    free(client);
    return NULL;
}

/* Starts a detached thread for CLIENT; returns pthread_create's error number. */
static int start_thread(struct client *client)
{
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, client_thread, client);
    pthread_attr_destroy(&attributes);
    return rc;
}
#else // STARTER
/* TODO: write the thread's function, static void *client_thread(void *),
 * which serves the struct client it is given, closes the connection and
 * frees the struct; and a function that starts it as a DETACHED thread
 * (pthread_attr_setdetachstate), returning pthread_create's result. */
#endif // STARTER

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals();
    ignore_sigpipe();

    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    printf("%s: listening on %s\n", program_name(), address_text);

    struct pollfd wait_for[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    while (!stop_requested) {
        if (poll(wait_for, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* a stop: the loop ends */
            die_errno("poll");
        }
        if (wait_for[1].revents != 0)
            break;
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            die_errno("accept");
        }
#ifndef STARTER // region start-thread
        struct client *client = malloc(sizeof *client);
        if (client == NULL) {
            warn("out of memory");
            close(connection_fd);
            continue;
        }
        client->connection_fd = connection_fd;
        format_address((struct sockaddr *)&peer, peer_length, client->peer_text);
        int rc = start_thread(client);
        if (rc != 0) {
            errno = rc; /* pthread functions return the error number */
            warn_errno("pthread_create");
            close(connection_fd);
            free(client);
        }
#else // STARTER
        /* TODO: this serves the client right here, so a silent client
         * blocks everybody. Instead: malloc a struct client, fill it in,
         * and start a detached thread for it. If pthread_create fails (it
         * RETURNS the error number, it does not set errno): warn, close the
         * connection, free the struct, go on. */
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);
        serve(connection_fd, peer_text);
        close(connection_fd);
#endif // STARTER
    }

    printf("%s: stopped\n", program_name());
    close(listen_fd);
    return 0;
}
