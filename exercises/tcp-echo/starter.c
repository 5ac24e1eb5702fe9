/*
 * tcp-echo (starter) - an iterative TCP echo server, the exercise
 * after lessons/v04-tcp-server.
 *
 * Run:   /tmp/tcp-echo [HOST [PORT]]   (build it as exercises/tcp-echo/README.md shows)
 * Task:  exercises/tcp-echo/README.md   (look for TODO; `make hint EX=tcp-echo` helps)
 *
 * What changes from v04, and why: v04 reads once (at most 500 bytes) and
 * closes. An echo server must send back EVERY byte, however much the client
 * sends, so it reads in a loop until recv() returns 0 (the client closed its
 * side), and it writes each piece in a loop too, because send() may take
 * only part of a buffer (a "short write"). And it never blocks anywhere but
 * in poll() on its socket and on the stop pipe, so that one SIGINT or SIGTERM
 * stops it at any moment (common/signals.h explains the race this closes).
 */
#include "error.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Echoes every byte each TCP client sends until it closes, one client at a\n"
    "time, on HOST:PORT (default 127.0.0.1:1914). Ctrl-C or SIGTERM stops it.\n";

/*
 * Waits until FD is ready for EVENTS (POLLIN: something to read, or the
 * client closed; POLLOUT: room to send) or a stop was requested. Returns 1
 * when FD is ready, 0 on a stop. The server blocks only here, in poll() on
 * FD and on stop_fd() (common/signals.h), so a signal stops it at any moment:
 * one that came before the wait left its byte in the stop pipe.
 */
static int wait_ready(int fd, short events)
{
    struct pollfd watched[2] = {
        { .fd = fd, .events = events },
        { .fd = stop_fd(), .events = POLLIN },
    };
    for (;;) {
        if (poll(watched, 2, -1) == -1) {
            if (errno == EINTR)
                continue; /* the signal's byte is in the pipe: seen next turn */
            die_errno("poll");
        }
        if (watched[1].revents != 0)
            return 0;
        if (watched[0].revents != 0)
            return 1;
    }
}

/* Sends all LENGTH bytes, however many send() calls it takes. The socket is
 * non-blocking, so send() takes only what fits in the socket's buffer now.
 * Returns 0, or -1 with errno set (EINTR: a stop was requested). */
static int send_all(int fd, const char *data, size_t length)
{
    /* TODO: send() may take only part of the bytes (a short write: the
     * socket is non-blocking, so it takes what fits in its buffer now).
     * Keep sending the rest until all LENGTH bytes are out, waiting with
     * wait_ready(fd, POLLOUT) before each send(); EAGAIN or EINTR from
     * send() mean "try again". */
    if (!wait_ready(fd, POLLOUT)) {
        errno = EINTR;
        return -1;
    }
    ssize_t sent = send(fd, data, length, 0);
    return sent == -1 ? -1 : 0;
}

/* Echoes one client until it closes its side (or an error, or a stop). */
static void serve(int connection_fd, const char *peer_text)
{
    char buffer[TUTORIAL_BUFFER_SIZE];
    /* TODO: this echoes only the first piece, like v04's single recv().
     * Loop: wait_ready(connection_fd, POLLIN) (0: a stop, return), then
     * recv() until it returns 0 (the client closed its side), and send back
     * every piece with send_all(). recv() returning -1 with EAGAIN or EINTR
     * means "nothing yet": go round again. */
    if (!wait_ready(connection_fd, POLLIN))
        return;
    ssize_t received = recv(connection_fd, buffer, sizeof buffer, 0);
    if (received <= 0)
        return;
    if (send_all(connection_fd, buffer, (size_t)received) == -1 && errno != EINTR)
        warn_errno("send to %s", peer_text);
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

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    int listen_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char address_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *a = addresses; a != NULL; a = a->ai_next) {
        format_address(a->ai_addr, a->ai_addrlen, address_text);
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
        die_code(failed_errno, "%s %s", failed_call, address_text);
    if (listen(listen_fd, SOMAXCONN) == -1)
        die_errno("listen %s", address_text);

    struct sockaddr_storage bound;
    socklen_t bound_length = sizeof bound;
    if (getsockname(listen_fd, (struct sockaddr *)&bound, &bound_length) == -1)
        die_errno("getsockname");
    printf("%s: listening on %s\n", program_name(),
           format_address((struct sockaddr *)&bound, bound_length, address_text));

    /* Non-blocking listening socket too: a client that gave up between
     * poll() and accept() makes accept() fail with EAGAIN, not block. */
    if (fcntl(listen_fd, F_SETFL, O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    /* Wait for a client (or a stop) in poll(), never in accept(). */
    while (wait_ready(listen_fd, POLLIN)) {
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            die_errno("accept");
        }
        /* Non-blocking: send() then takes what fits now (a short write)
         * instead of waiting, and the server waits only in wait_ready(). */
        if (fcntl(connection_fd, F_SETFL, O_NONBLOCK) == -1)
            die_errno("fcntl O_NONBLOCK");
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);
        serve(connection_fd, peer_text);
        close(connection_fd);
    }

    printf("%s: stopped\n", program_name());
    close(listen_fd);
    return 0;
}
