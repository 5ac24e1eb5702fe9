/*
 * fork-echo (reference solution) - a TCP echo server with a child process
 * per client, the exercise after lessons/v10-tcp-server-fork.
 *
 * Run:   build/exercises/fork-echo [HOST [PORT]]     (default 127.0.0.1 1914)
 * Task:  exercises/fork-echo/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from tcp-echo, and why: tcp-echo serves one client at a
 * time, so a client that says nothing blocks everybody. Here the parent
 * only accepts and fork()s; the child echoes its client and _exit()s. The
 * parent collects its dead children in a SIGCHLD handler, or they would
 * stay as zombies and, after enough clients, fork() would fail.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Echoes every byte each TCP client sends until it closes, a child process\n"
    "per client, on HOST:PORT (default 127.0.0.1:1914). Ctrl-C or SIGTERM stops it.\n";

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

/* The child's work: echo one client until it closes its side. */
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

/* SIGCHLD: collect every child that has ended (one signal may stand for
 * several), without waiting for the ones still running. */
static void collect_children(int signal_number)
{
    (void)signal_number;
#ifndef STARTER // region reap-children
    int saved_errno = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
    errno = saved_errno;
#else // STARTER
    /* TODO: collect EVERY child that has ended, without waiting for the
     * others: waitpid(-1, NULL, WNOHANG) in a loop, until it returns 0 or -1.
     * waitpid() may change errno: save it first and put it back. */
#endif // STARTER
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
    ignore_sigpipe();

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = collect_children;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &action, NULL) == -1)
        die_errno("sigaction SIGCHLD");

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
                continue; /* SIGCHLD, or a stop */
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
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);

#ifndef STARTER // region fork-per-client
        fflush(stdout); /* the child must not print the parent's buffer again */
        pid_t child = fork();
        if (child == -1) {
            warn_errno("fork");
            close(connection_fd);
            continue;
        }
        if (child == 0) {
            close(listen_fd);
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            serve(connection_fd, peer_text);
            close(connection_fd);
            _exit(0);
        }
        close(connection_fd); /* the child's now: or the client never sees the end */
#else // STARTER
        /* TODO: this serves the client here, so a silent client blocks
         * everybody. fork() instead (fflush(stdout) first). In the child:
         * close listen_fd, set SIGINT and SIGTERM back to SIG_DFL, serve(),
         * close the connection and _exit(0). In the parent: close
         * connection_fd (the child has its own copy). If fork() fails:
         * warn_errno("fork"), close the connection, go on. */
        serve(connection_fd, peer_text);
        close(connection_fd);
#endif // STARTER
    }

    printf("%s: stopped\n", program_name());
    close(listen_fd);
    return 0;
}
