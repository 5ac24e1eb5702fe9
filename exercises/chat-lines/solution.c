/*
 * chat-lines (reference solution) - a TCP server that numbers the lines each
 * client sends, the exercise after lessons/v06-chat-server.
 *
 * Run:   build/exercises/chat-lines [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then:  build/v07-chat-client   and type lines.
 * Task:  exercises/chat-lines/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v06, and why: v06 hands the framing to common/io.c. Here
 * the program frames the lines itself: TCP delivers a byte stream, so one
 * recv() may hold half a line, or three lines and a half. The bytes go into
 * a buffer; each '\n' found there ends one line, which is answered; what
 * follows the last '\n' waits in the buffer for the next recv().
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
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Answers each line a TCP client sends with \"N: LINE\" (N counts the lines\n"
    "of that connection from 1), one client at a time, on HOST:PORT (default\n"
    "127.0.0.1:1914). Ctrl-C or SIGTERM stops it.\n";


/*
 * Waits until FD is ready for EVENTS (POLLIN or POLLOUT) or a stop was
 * requested: 1 when ready, 0 on a stop. The server blocks only here, in
 * poll() on FD and on stop_fd() (common/signals.h), so one SIGINT or SIGTERM
 * stops it at any moment (as in exercise tcp-echo).
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

/* Sends all LENGTH bytes on the non-blocking socket FD, waiting for room in
 * wait_ready(). Returns 0, or -1 with errno set (EINTR: a stop). */
static int send_all(int fd, const char *data, size_t length)
{
    while (length > 0) {
        if (!wait_ready(fd, POLLOUT)) {
            errno = EINTR;
            return -1;
        }
        ssize_t sent = send(fd, data, length, 0);
        if (sent == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            return -1;
        }
        data += sent; /* a short write: the rest goes next turn */
        length -= (size_t)sent;
    }
    return 0;
}

/* The longest line answered whole, '\n' included. */
enum { LINE_LIMIT = 65536 };

/* One connection's state: the bytes of the line not finished yet. */
struct framer {
    char data[LINE_LIMIT];
    size_t used;         /* bytes in data */
    bool too_long;       /* the current line overflowed data: skipping it */
    unsigned long count; /* lines answered so far */
};

/* Sends "N: LINE\n" for the LENGTH bytes of LINE (without its '\n'), in one
 * write, so a small reply is one segment on the wire. Returns 0 or -1. */
static int answer(int fd, struct framer *framer, const char *line, size_t length)
{
    static char reply[LINE_LIMIT + 64];
    framer->count++;
    int prefix = snprintf(reply, 64, "%lu: ", framer->count);
    if (framer->too_long) {
        line = "(line too long)";
        length = strlen(line);
    }
    memcpy(reply + prefix, line, length);
    reply[(size_t)prefix + length] = '\n';
    framer->too_long = false;
    return send_all(fd, reply, (size_t)prefix + length + 1);
}

/* Answers every whole line in the buffer and keeps the rest. Returns 0 or -1. */
static int answer_lines(int fd, struct framer *framer)
{
#ifndef STARTER
    size_t start = 0;
    char *newline;
    while ((newline = memchr(framer->data + start, '\n', framer->used - start)) != NULL) {
        size_t length = (size_t)(newline - (framer->data + start));
        if (answer(fd, framer, framer->data + start, length) == -1)
            return -1;
        start += length + 1;
    }
    /* Keep the unfinished line, at the front of the buffer. */
    memmove(framer->data, framer->data + start, framer->used - start);
    framer->used -= start;
    if (framer->used == sizeof framer->data) {
        /* Full and no '\n': the line is too long to keep. Drop its bytes
         * (and the ones still to come) but remember it, to answer it. */
        framer->too_long = true;
        framer->used = 0;
    }
    return 0;
#else // STARTER
    /* TODO: this treats whatever one recv() brought as ONE line. Find each
     * '\n' in framer->data (memchr), answer the line before it, and go on
     * after it; keep the bytes after the last '\n' (an unfinished line) at
     * the front of the buffer for the next recv(). If the buffer is full
     * and holds no '\n', the line is too long: set framer->too_long and
     * drop its bytes (answer() then says "(line too long)"). */
    size_t length = framer->used;
    if (length > 0 && framer->data[length - 1] == '\n')
        length--;
    framer->used = 0;
    return answer(fd, framer, framer->data, length);
#endif // STARTER
}

/* Serves one client until it closes its side (or an error, or a stop). */
static void serve(int fd, const char *peer_text)
{
    static struct framer framer;
    memset(&framer, 0, sizeof framer);
    for (;;) {
        if (!wait_ready(fd, POLLIN))
            return; /* a stop was requested */
        ssize_t received = recv(fd, framer.data + framer.used,
                                sizeof framer.data - framer.used, 0);
        if (received == 0)
            break;
        if (received == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                continue;
            warn_errno("recv from %s", peer_text);
            return;
        }
        framer.used += (size_t)received;
        if (answer_lines(fd, &framer) == -1) {
            if (errno != EINTR)
                warn_errno("send to %s", peer_text);
            return;
        }
    }
#ifndef STARTER
    /* The client closed: a last line without '\n' is still a line. */
    if ((framer.used > 0 || framer.too_long) &&
        answer(fd, &framer, framer.data, framer.used) == -1 && errno != EINTR)
        warn_errno("send to %s", peer_text);
#else // STARTER
    /* TODO: the client closed its side. A last line without '\n' may be
     * waiting in the buffer (or a too-long line): it is a line too, answer it. */
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
    ignore_sigpipe(); /* a client that vanished must not kill the server */

    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    printf("%s: listening on %s\n", program_name(), address_text);

    /* Non-blocking sockets: the server waits only in wait_ready(). */
    if (fcntl(listen_fd, F_SETFL, O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    while (wait_ready(listen_fd, POLLIN)) {
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            die_errno("accept");
        }
        if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
            die_errno("fcntl O_NONBLOCK");
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);
        serve(fd, peer_text);
        close(fd);
    }

    printf("%s: stopped\n", program_name());
    close(listen_fd);
    return 0;
}
