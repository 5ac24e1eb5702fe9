/*
 * lessons/v06-chat-server/chat.c - chat() (see chat.h): the two-way chat
 * loop, lesson v06's subject. v06-chat-server.c gets a connection and calls
 * it; v07-chat-client links this same file (the Makefile's
 * v07-chat-client_USES) and calls it too.
 *
 * Read it from chat() at the bottom: one poll() on the keyboard, the socket
 * and the stop pipe, then receive (step 5) and send (step 6). The step
 * numbers are the kit's (docs/reading-the-code.md#the-steps): the same
 * number means the same call in every lesson.
 *
 * Run:  build/v06-chat-server, then build/v07-chat-client in a second terminal.
 * Next: lessons/v07-chat-client, the other end, then lessons/v08-chat-room.
 */
#include "chat.h"

#include "error.h"
#include "io.h"
#include "net.h"
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * Writes LENGTH received bytes to stdout, with every control character shown
 * in caret notation, as `cat -v` does: ESC as ^[, carriage return as ^M,
 * NUL as ^@, DEL as ^?. A terminal obeys control characters (ESC [ 2 J
 * clears the screen, \r goes back to the start of the line), so a peer could
 * otherwise drive your terminal or fake a line. Tab stays a tab; bytes from
 * 0x80 on are written unchanged, so UTF-8 text stays UTF-8. The '\n' that
 * ends a line is not part of BYTES: the caller writes it.
 */
static void print_visibly(const char *bytes, size_t length)
{
    size_t start = 0; /* first byte not written yet */
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == '\t' || (c >= 0x20 && c != 0x7f))
            continue;
        fwrite(bytes + start, 1, i - start, stdout);
        putchar('^');
        putchar(c == 0x7f ? '?' : c + 0x40); /* 0x1b + 0x40 = '[' */
        start = i + 1;
    }
    fwrite(bytes + start, 1, length - start, stdout);
}

/*
 * Prints every whole line that has arrived, each after the prefix. A line
 * longer than the buffer (LINE_BUFFER_SIZE) is printed in pieces as it comes,
 * the prefix only before the first piece, so it still shows as one line and
 * nothing is lost. *MID_LINE remembers that a piece has been printed.
 */
static void print_received_lines(struct line_buffer *received, bool *mid_line,
                                 const char *received_prefix)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(received, &line, &length)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        print_visibly(line, length - 1); /* the line without its '\n' */
        putchar('\n');
        *mid_line = false;
    }
    if (line_buffer_is_full(received)) {
        if (!*mid_line)
            fputs(received_prefix, stdout);
        print_visibly(received->data, received->end);
        fflush(stdout); /* no '\n' yet: show the piece now anyway */
        line_buffer_init(received);
        *mid_line = true;
    }
}

/* At the end of the connection: shows a last line that had no '\n', with one. */
static void finish_received_line(struct line_buffer *received, bool *mid_line,
                                 const char *received_prefix)
{
    size_t pending = line_buffer_pending(received);
    if (pending == 0 && !*mid_line)
        return;
    if (!*mid_line)
        fputs(received_prefix, stdout);
    print_visibly(received->data + received->start, pending);
    putchar('\n');
    line_buffer_init(received);
    *mid_line = false;
}

/*
 * Sends all LENGTH bytes on the (non-blocking) connection. When the socket's
 * buffer is full (the peer reads slower than we send), it waits in poll()
 * until there is room again, and on the stop pipe too, so that even then one
 * Ctrl-C ends the chat at once. Returns 0, or -1 with errno set: EINTR when
 * a stop was requested, EAGAIN when not one byte could leave for
 * REPLY_TIMEOUT_SECONDS (the peer has stopped reading), or send()'s error
 * (EPIPE, ECONNRESET: the peer has gone).
 */
static int send_all(int connection_fd, const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t sent = send(connection_fd, bytes, length, 0);
        if (sent >= 0) {
            bytes += sent;
            length -= (size_t)sent;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -1;
        struct pollfd watched[2] = {
            { .fd = connection_fd, .events = POLLOUT },
            { .fd = stop_fd(), .events = POLLIN },
        };
        int ready = poll(watched, 2, REPLY_TIMEOUT_SECONDS * 1000);
        if (ready == -1 && errno != EINTR)
            return -1;
        if (watched[1].revents != 0) {
            errno = EINTR;
            return -1;
        }
        if (ready == 0) {
            errno = EAGAIN;
            return -1;
        }
    }
    return 0;
}

/*
 * Sends every whole line typed so far, each with one send_all(). A line
 * longer than the buffer goes out in pieces (the bytes on the wire are the
 * same), so the peer still gets all of it. Returns 0, or -1 with errno set.
 */
static int send_typed_lines(struct line_buffer *typed, int connection_fd)
{
    const char *line;
    size_t length;
    while (line_buffer_next_line(typed, &line, &length)) {
        if (send_all(connection_fd, line, length) == -1)
            return -1;
    }
    if (line_buffer_is_full(typed)) {
        if (send_all(connection_fd, typed->data, typed->end) == -1)
            return -1;
        line_buffer_init(typed);
    }
    return 0;
}

/* After send_all() failed (not for a stop): EAGAIN means its time ran out. */
static noreturn void die_sending(const char *peer_text)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        die("%s has read nothing for %d seconds", peer_text, REPLY_TIMEOUT_SECONDS);
    die_errno("send to %s", peer_text);
}

/* Milliseconds from now until DEADLINE (0 if it has passed), for poll(). */
static int milliseconds_until(const struct timespec *deadline)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long left = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
                     (deadline->tv_nsec - now.tv_nsec) / 1000000;
    return left > 0 ? (int)left : 0;
}

int chat(int connection_fd, const char *peer_text, const char *received_prefix)
{
    /* The chat waits only in poll(): were the socket blocking, a send to a
     * peer that stops reading would sleep in send() once the buffers are
     * full, deaf to Ctrl-C. Non-blocking, send() returns EAGAIN instead, and
     * send_all() waits in poll() for room, or for the stop pipe. */
    int flags = fcntl(connection_fd, F_GETFL);
    if (flags == -1 || fcntl(connection_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    struct line_buffer typed;    /* from stdin, on its way out */
    struct line_buffer received; /* from the peer, on its way to stdout */
    line_buffer_init(&typed);
    line_buffer_init(&received);
    bool mid_line = false;
    bool input_ended = false;
    struct timespec deadline = { 0, 0 };

    /* What to wait for: the keyboard, the peer, and a stop request (the
     * stop pipe of common/signals.h, v03's way of never losing a signal).
     * poll() skips an entry whose fd is -1. */
    enum { KEYBOARD, PEER, STOP };
    struct pollfd watched[3] = {
        [KEYBOARD] = { .fd = STDIN_FILENO, .events = POLLIN },
        [PEER] = { .fd = connection_fd, .events = POLLIN },
        [STOP] = { .fd = stop_fd(), .events = POLLIN },
    };
    int exit_status = 0;
    for (;;) {
        /* 同时等待键盘和对方: wait until the keyboard or the peer has
         * something (or the peer has gone, or a stop came). No time limit
         * while chatting; after our Ctrl-D, the peer gets
         * REPLY_TIMEOUT_SECONDS to close too. */
        int ready = poll(watched, 3, input_ended ? milliseconds_until(&deadline) : -1);
        if (ready == -1) {
            if (errno == EINTR)
                continue; /* a signal during the wait: the stop pipe says so now */
            die_errno("poll");
        }
        if (ready == 0)
            break; /* we said goodbye and the peer did not close in time */
        if (watched[STOP].revents != 0) {
            finish_received_line(&received, &mid_line, received_prefix);
            printf("%s: stopped\n", program_name());
            break;
        }

        /* The peer first: if it has left, that is the news to show. */
        if (watched[PEER].revents != 0) {
            /* 5. 接受对方的发送内容 (receive): whatever has arrived, part of a
             *    line or several lines; then print the whole lines. */
            ssize_t n = line_buffer_read(&received, connection_fd);
            if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
                continue; /* nothing there after all */
            if (n == -1) {
                finish_received_line(&received, &mid_line, received_prefix);
                warn_errno("recv from %s", peer_text);
                exit_status = EXIT_RUNTIME_ERROR;
                break;
            }
            if (n == 0) { /* end of stream: the peer closed its side */
                finish_received_line(&received, &mid_line, received_prefix);
                if (!input_ended)
                    printf("%s: %s left\n", program_name(), peer_text);
                break;
            }
            print_received_lines(&received, &mid_line, received_prefix);
        }

        if (watched[KEYBOARD].revents != 0) {
            ssize_t n = line_buffer_read(&typed, STDIN_FILENO);
            if (n == -1)
                die_errno("read standard input");
            if (n == 0) {
                /* Ctrl-D: send a last line that has no '\n' (do not lose
                 * it), then shutdown(SHUT_WR): the peer reads end of
                 * stream, says we left and closes. Its own last lines still
                 * reach us, so we keep reading the socket until it closes. */
                size_t pending = line_buffer_pending(&typed);
                if (send_all(connection_fd, typed.data + typed.start, pending) == -1) {
                    if (errno == EINTR)
                        continue; /* a stop: the next poll() sees it */
                    die_sending(peer_text);
                }
                if (shutdown(connection_fd, SHUT_WR) == -1)
                    die_errno("shutdown %s", peer_text);
                input_ended = true;
                watched[KEYBOARD].fd = -1;
                clock_gettime(CLOCK_MONOTONIC, &deadline);
                deadline.tv_sec += REPLY_TIMEOUT_SECONDS;
                continue;
            }
            /* 6. 给对方反馈 (send): each whole line typed. */
            if (send_typed_lines(&typed, connection_fd) == -1) {
                if (errno == EINTR)
                    continue; /* a stop while the peer was not reading */
                die_sending(peer_text);
            }
        }
    }
    return exit_status;
}
