/*
 * room-names (reference solution) - a small poll() chat room where each
 * client has a name of its own and may change it with "/nick NAME"; the
 * exercise after lessons/v08-chat-room.
 *
 * Run:   build/exercises/room-names [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then, in two or more terminals:  build/v07-chat-client
 * Task:  exercises/room-names/README.md
#ifndef STARTER
 * The parts between "#ifndef STARTER" and "#else" are the learner's to write:
 * exercises/make-starters turns this file into starter.c.
#endif // STARTER
 *
 * What changes from v08, and why: v08 keeps each client's state in
 * lessons/v08-chat-room/room.c. Here the program keeps it itself, in one struct per client:
 * its socket, the bytes of its unfinished line, and its name. The poll() loop
 * finds WHICH client is ready; the struct tells WHO that is. A name that can
 * change is state like any other: it lives in the struct, not in the index
 * of the client or the number of its socket.
 *
 * Kept simple on purpose: replies are written with write_all() on blocking
 * sockets, so a client that stops reading could stall the room (v08's output
 * queues are the real fix for that).
 */
#include "error.h"
#include "io.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "A chat room on HOST:PORT (default 127.0.0.1:1914): each line a client sends\n"
    "goes to every other client as \"NAME: line\"; \"/nick NAME\" changes a\n"
    "client's name. Ctrl-C or SIGTERM stops it.\n";

enum {
    MAX_CLIENTS = 64,
    NAME_LIMIT = 16, /* longest name, in bytes */
    MESSAGE_SIZE = LINE_BUFFER_SIZE + 64
};

struct client {
    int fd;
    char name[NAME_LIMIT + 1];
    struct line_buffer input; /* bytes of the line not finished yet */
};

static struct client *clients[MAX_CLIENTS];
static size_t client_count;
static unsigned long connections; /* so far: the next one is user(connections+1) */

/* Sends TEXT to CLIENT. A failure is noticed later, when its socket reports
 * the end or an error to poll(). */
static void tell(struct client *client, const char *text)
{
    if (write_all(client->fd, text, strlen(text)) == -1 && errno != EPIPE &&
        errno != ECONNRESET)
        warn_errno("send to %s", client->name);
}

/* Sends TEXT to every client but EXCEPT (which may be NULL). */
static void tell_others(const struct client *except, const char *text)
{
    for (size_t i = 0; i < client_count; i++)
        if (clients[i] != except)
            tell(clients[i], text);
}

#ifndef STARTER
/* A name is 1 to NAME_LIMIT letters, digits, '_' or '-'. */
static bool valid_name(const char *name, size_t length)
{
    if (length == 0 || length > NAME_LIMIT)
        return false;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return true;
}

#endif // STARTER
static void join(int fd)
{
    if (client_count == MAX_CLIENTS) {
        static const char full[] = "* the room is full\n";
        (void)write_all(fd, full, sizeof full - 1);
        close(fd);
        return;
    }
    struct client *client = malloc(sizeof *client);
    if (client == NULL) {
        warn("out of memory: refusing a client");
        close(fd);
        return;
    }
    client->fd = fd;
    snprintf(client->name, sizeof client->name, "user%lu", ++connections);
    line_buffer_init(&client->input);
    clients[client_count++] = client;
    char text[MESSAGE_SIZE];
    snprintf(text, sizeof text, "* you are %s\n", client->name);
    tell(client, text);
    snprintf(text, sizeof text, "* %s joined\n", client->name);
    tell_others(client, text);
}

/* Removes the client at INDEX (the last one takes its place) and tells the others. */
static void leave(size_t index)
{
    struct client *client = clients[index];
    clients[index] = clients[--client_count];
    close(client->fd);
    char text[MESSAGE_SIZE];
    snprintf(text, sizeof text, "* %s left\n", client->name);
    tell_others(NULL, text);
    free(client);
}

/* One whole line from CLIENT, LENGTH bytes without its '\n'. */
static void handle_line(struct client *client, const char *line, size_t length)
{
    char text[MESSAGE_SIZE];
#ifndef STARTER
    if (length >= 6 && memcmp(line, "/nick ", 6) == 0) {
        const char *name = line + 6;
        size_t name_length = length - 6;
        if (!valid_name(name, name_length)) {
            tell(client, "* bad name (1 to 16 letters, digits, _ or -)\n");
            return;
        }
        char old[NAME_LIMIT + 1];
        memcpy(old, client->name, sizeof old);
        memcpy(client->name, name, name_length);
        client->name[name_length] = '\0';
        snprintf(text, sizeof text, "* %s is now %s\n", old, client->name);
        tell_others(client, text);
        snprintf(text, sizeof text, "* you are now %s\n", client->name);
        tell(client, text);
        return;
    }
#else // STARTER
    /* TODO: a line "/nick NAME" (exactly "/nick " and then the name) is not
     * a message. If NAME is valid (1 to NAME_LIMIT bytes, each a letter,
     * digit, _ or -), change this client's name (client->name), tell the
     * others "* OLD is now NAME" and the sender "* you are now NAME".
     * Otherwise tell the sender "* bad name ..." and change nothing. */
#endif // STARTER
    snprintf(text, sizeof text, "%s: %.*s\n", client->name, (int)length, line);
    tell_others(client, text);
}

/* CLIENT's socket is readable. Returns false if it has left. */
static bool readable(struct client *client)
{
    ssize_t n = line_buffer_read(&client->input, client->fd);
    if (n <= 0)
        return false; /* closed, or reset */
    const char *line;
    size_t length;
    while (line_buffer_next_line(&client->input, &line, &length))
        handle_line(client, line, length - 1);
    if (line_buffer_is_full(&client->input)) {
        tell(client, "* line too long, goodbye\n");
        return false;
    }
    return true;
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
    ignore_sigpipe(); /* a client that vanished must not kill the room */

    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    printf("%s: listening on %s\n", program_name(), address_text);

    struct pollfd watched[MAX_CLIENTS + 2];
    for (;;) {
        /* Entry 0 is the listening socket; entry i+1 is clients[i]; the last
         * one is the stop pipe (common/signals.h): one SIGINT or SIGTERM
         * ends the wait at any moment, even one that came just before it. */
        watched[0] = (struct pollfd){ .fd = listen_fd, .events = POLLIN };
        for (size_t i = 0; i < client_count; i++)
            watched[i + 1] = (struct pollfd){ .fd = clients[i]->fd, .events = POLLIN };
        size_t watched_count = client_count + 1;
        watched[watched_count] = (struct pollfd){ .fd = stop_fd(), .events = POLLIN };
        if (poll(watched, watched_count + 1, -1) == -1) {
            if (errno == EINTR)
                continue; /* the signal's byte is in the pipe: seen next turn */
            die_errno("poll");
        }
        if (watched[watched_count].revents != 0)
            break; /* a stop was requested */
        /* Backwards: leave() moves the last client into the freed place,
         * and that one has been handled already. */
        for (size_t i = watched_count - 1; i >= 1; i--) {
            if (watched[i].revents != 0 && !readable(clients[i - 1]))
                leave(i - 1);
        }
        if (watched[0].revents != 0) {
            int fd = accept(listen_fd, NULL, NULL);
            if (fd != -1)
                join(fd);
            else if (errno != EINTR && errno != ECONNABORTED)
                warn_errno("accept");
        }
    }

    while (client_count > 0) {
        struct client *client = clients[--client_count];
        close(client->fd);
        free(client);
    }
    close(listen_fd);
    printf("%s: stopped\n", program_name());
    return 0;
}
