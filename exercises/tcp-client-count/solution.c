/*
 * tcp-client-count (reference solution) - the exercise after
 * lessons/v05-tcp-client: a TCP client that sends MESSAGE over one
 * connection, closes its sending side, and counts every byte of the reply
 * until the server closes: "received N bytes".
 *
 * Run:   build/exercises/tcp-client-count [HOST [PORT [MESSAGE]]]
 *        e.g. against build/v04-tcp-server (which replies 18 bytes).
 * Task:  exercises/tcp-client-count/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v05: v05 trusts one recv() to hold the whole reply. TCP
 * is a byte stream: a long reply arrives in pieces, so the client reads in a
 * loop until recv() returns 0, the end of the stream. shutdown(SHUT_WR)
 * tells the server "that was all" while the client can still read.
 */
#include "error.h"
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT [MESSAGE]]]";
static const char help[] =
    "Connects to HOST:PORT (default 127.0.0.1:1914), sends MESSAGE (default:\n"
    "the tutorial's greeting), and counts the reply's bytes until the server\n"
    "closes: prints \"received N bytes\". Gives up after 3 s of silence.\n";

static const char default_message[] = "0你好 我是client,你收到了么?";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 3, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    const char *message = argc > 3 ? argv[3] : default_message;
    check_port(port, arguments);

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    struct addrinfo *addresses;
    int rc = getaddrinfo(host, port, &hints, &addresses);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    int connection_fd = -1;
    int failed_errno = 0;
    const char *failed_call = "";
    char server_text[ADDRESS_TEXT_SIZE] = "";
    for (struct addrinfo *s = addresses; s != NULL; s = s->ai_next) {
        format_address(s->ai_addr, s->ai_addrlen, server_text);
        connection_fd = socket(s->ai_family, s->ai_socktype, s->ai_protocol);
        if (connection_fd == -1) {
            failed_errno = errno;
            failed_call = "socket";
            continue;
        }
        struct timeval timeout = { .tv_sec = REPLY_TIMEOUT_SECONDS, .tv_usec = 0 };
        if (setsockopt(connection_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) == -1 ||
            setsockopt(connection_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout) == -1) {
            failed_errno = errno;
            failed_call = "setsockopt";
            close(connection_fd);
            connection_fd = -1;
            break;
        }
        if (connect(connection_fd, s->ai_addr, s->ai_addrlen) == 0)
            break;
        failed_errno = errno;
        failed_call = "connect";
        close(connection_fd);
        connection_fd = -1;
    }
    freeaddrinfo(addresses);
    if (connection_fd == -1)
        die_code(failed_errno, "%s %s", failed_call, server_text);

    /* Send the whole message: send() may take only part of it. */
    size_t length = strlen(message);
    for (size_t done = 0; done < length;) {
        ssize_t sent = send(connection_fd, message + done, length - done, 0);
        if (sent == -1 && errno == EINTR)
            continue;
        if (sent == -1)
            die_errno("send to %s", server_text);
        done += (size_t)sent;
    }
#ifndef STARTER
    /* "That was all": the server sees the end of the stream, we still read. */
    if (shutdown(connection_fd, SHUT_WR) == -1)
        die_errno("shutdown %s", server_text);
#else // STARTER
    /* TODO: tell the server "that was all" with shutdown(..., SHUT_WR). */
#endif // STARTER

#ifdef STARTER
    /* TODO: one recv() gets only the first piece of a long reply. Read in a
     * loop until recv() returns 0 (the server closed), adding up the bytes.
     * A timeout (EAGAIN/EWOULDBLOCK) is an error: die() with a message. */
#endif // STARTER
    long long total = 0;
#ifndef STARTER
    for (;;) {
        char buffer[4096];
        ssize_t received = recv(connection_fd, buffer, sizeof buffer, 0);
        if (received == 0)
            break; /* the server closed: the reply is complete */
        if (received == -1 && errno == EINTR)
            continue;
        if (received == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            die("no data from %s for %d seconds (after %lld bytes)", server_text,
                REPLY_TIMEOUT_SECONDS, total);
        if (received == -1)
            die_errno("recv from %s", server_text);
        total += received;
    }
#else // STARTER
    char buffer[4096];
    ssize_t received = recv(connection_fd, buffer, sizeof buffer, 0);
    if (received == -1)
        die_errno("recv from %s", server_text);
    total += received;
#endif // STARTER
    printf("received %lld bytes\n", total);

    close(connection_fd);
    return 0;
}
