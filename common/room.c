/*
 * common/room.c - the chat room's rules (see common/room.h).
 *
 * Lifetimes: a client that leaves is closed and taken out of room->clients at
 * once, but its memory is freed only by room_end_turn(). The event loop may
 * still hold a pointer to it from this turn's poll()/epoll_wait() results;
 * it sees client->gone and skips it instead of touching freed memory.
 */
#include "room.h"

#include "error.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char too_long_message[] = "* line too long, goodbye\n";

/* --- The output queue ----------------------------------------------------- */

static size_t queued(const struct output_queue *queue)
{
    return queue->end - queue->start;
}

/* Adds LENGTH bytes. False if the client would then have more than
 * ROOM_QUEUE_LIMIT bytes waiting (or memory ran out): it must go. */
static bool queue_append(struct output_queue *queue, const char *bytes,
                         size_t length)
{
    if (queued(queue) + length > ROOM_QUEUE_LIMIT)
        return false;
    if (queue->end + length > queue->capacity && queue->start > 0) {
        /* Room at the front: move the waiting bytes there. */
        memmove(queue->data, queue->data + queue->start, queued(queue));
        queue->end -= queue->start;
        queue->start = 0;
    }
    if (queue->end + length > queue->capacity) {
        size_t capacity = queue->capacity > 0 ? queue->capacity : 1024;
        while (capacity < queue->end + length)
            capacity *= 2;
        if (capacity > ROOM_QUEUE_LIMIT)
            capacity = ROOM_QUEUE_LIMIT;
        char *data = realloc(queue->data, capacity);
        if (data == NULL)
            return false;
        queue->data = data;
        queue->capacity = capacity;
    }
    memcpy(queue->data + queue->end, bytes, length);
    queue->end += length;
    return true;
}

/* Forgets the written bytes; gives back a big buffer once it is empty, so a
 * burst does not keep memory for ever (10,000 clients x 256 KiB = 2.5 GiB). */
static void queue_consume(struct output_queue *queue, size_t length)
{
    queue->start += length;
    if (queue->start == queue->end) {
        queue->start = queue->end = 0;
        if (queue->capacity > 16 * 1024) {
            free(queue->data);
            queue->data = NULL;
            queue->capacity = 0;
        }
    }
}

/* --- Sending -------------------------------------------------------------- */

/* Queues a message for CLIENT; it is written at the end of the turn. */
static void send_to(struct room *room, struct room_client *client,
                    const char *message, size_t length)
{
    if (client->gone || client->to_drop)
        return;
    if (!queue_append(&client->output, message, length)) {
        /* Too slow: it would need more memory than we give anyone. We cannot
         * make it leave right here (we may be in the middle of a loop over
         * room->clients), so it goes on a list that settle() handles. */
        client->to_drop = true;
        client->next_drop = room->drop_list;
        room->drop_list = client;
        return;
    }
    if (!client->to_flush) {
        client->to_flush = true;
        client->next_flush = room->flush_list;
        room->flush_list = client;
    }
}

/* Sends a message to everybody except SENDER (which may be NULL). */
static void broadcast(struct room *room, const struct room_client *sender,
                      const char *message, size_t length)
{
    for (size_t i = 0; i < room->count; i++) {
        if (room->clients[i] != sender)
            send_to(room, room->clients[i], message, length);
    }
}

static void leave(struct room *room, struct room_client *client,
                  const char *reason);

/* Makes every client whose queue overflowed leave. Their "* userN left" may
 * overflow someone else's queue in turn, so this loops until nobody is left
 * on the list. */
static void settle(struct room *room)
{
    while (room->drop_list != NULL) {
        struct room_client *client = room->drop_list;
        room->drop_list = client->next_drop;
        char reason[64];
        snprintf(reason, sizeof reason, "too slow: over %d bytes waiting",
                 ROOM_QUEUE_LIMIT);
        leave(room, client, reason);
    }
}

/* --- Joining and leaving -------------------------------------------------- */

void room_init(struct room *room, watch_output_function *watch_output,
               void *context)
{
    memset(room, 0, sizeof *room);
    room->watch_output = watch_output;
    room->context = context;
    /* A spare descriptor, given up when accept() runs out of them. */
    room->reserve_fd = open("/dev/null", O_RDONLY);
}

struct room_client *room_join(struct room *room, int fd,
                              const struct sockaddr *peer, socklen_t peer_length)
{
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address(peer, peer_length, peer_text);

    /* Non-blocking: read() and write() do what they can at once and return
     * (EAGAIN when they can do nothing), so no client can stop the room. */
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        warn_errno("fcntl O_NONBLOCK for %s", peer_text);
        close(fd);
        return NULL;
    }
    /* The room already gathers each turn's lines into one write() per client;
     * Nagle's algorithm would hold a small write back until the previous one
     * is acknowledged, and the receiver delays that ACK by up to 40 ms. */
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
        warn_errno("setsockopt TCP_NODELAY for %s", peer_text);
    if (room->count == room->capacity) {
        size_t capacity = room->capacity > 0 ? room->capacity * 2 : 16;
        struct room_client **clients =
            realloc(room->clients, capacity * sizeof *clients);
        if (clients == NULL) {
            warn("out of memory: turning away %s", peer_text);
            close(fd);
            return NULL;
        }
        room->clients = clients;
        room->capacity = capacity;
    }
    struct room_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        warn("out of memory: turning away %s", peer_text);
        close(fd);
        return NULL;
    }
    client->fd = fd;
    line_buffer_init(&client->input);
    snprintf(client->name, sizeof client->name, "user%lu", ++room->connections);
    client->index = room->count;
    room->clients[room->count++] = client;
    room->refusing = false;
    printf("%s: %s joined from %s\n", program_name(), client->name, peer_text);

    char message[ROOM_NAME_SIZE + 32];
    int length = snprintf(message, sizeof message, "* you are %s\n", client->name);
    send_to(room, client, message, (size_t)length);
    length = snprintf(message, sizeof message, "* %s joined\n", client->name);
    broadcast(room, client, message, (size_t)length);
    settle(room);
    return client;
}

/* Takes CLIENT out of the room and tells the others (see room_leave). */
static void leave(struct room *room, struct room_client *client,
                  const char *reason)
{
    if (client->gone)
        return;
    client->gone = true;
    close(client->fd);
    client->fd = -1;

    /* Out of the array: the last client takes its place. */
    struct room_client *last = room->clients[--room->count];
    room->clients[client->index] = last;
    last->index = client->index;

    client->next_gone = room->gone_list;
    room->gone_list = client;

    if (reason != NULL)
        printf("%s: %s left (%s)\n", program_name(), client->name, reason);
    else
        printf("%s: %s left\n", program_name(), client->name);
    char message[ROOM_NAME_SIZE + 16];
    int length = snprintf(message, sizeof message, "* %s left\n", client->name);
    broadcast(room, client, message, (size_t)length);
}

void room_leave(struct room *room, struct room_client *client, const char *reason)
{
    leave(room, client, reason);
    settle(room);
}

/* A line too long: say goodbye if the socket takes it now, then hang up. */
static void throw_out(struct room *room, struct room_client *client)
{
    if (queue_append(&client->output, too_long_message, sizeof too_long_message - 1)) {
        /* One try, no waiting: whatever was queued before, then the goodbye. */
        ssize_t written = write(client->fd, client->output.data + client->output.start,
                                queued(&client->output));
        (void)written;
    }
    /* FIN after the goodbye, so the client reads it before the end. */
    shutdown(client->fd, SHUT_WR);
    leave(room, client, "line too long");
}

/* --- Reading and writing -------------------------------------------------- */

void room_readable(struct room *room, struct room_client *client)
{
    if (client->gone)
        return;
    ssize_t received = line_buffer_read(&client->input, client->fd);
    if (received == 0) {
        room_leave(room, client, NULL); /* end of file: it closed the connection */
        return;
    }
    if (received == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return; /* nothing after all */
        char reason[80];
        snprintf(reason, sizeof reason, "read: %s", strerror(errno));
        room_leave(room, client, reason);
        return;
    }

    /* Every complete line goes out at once; a partial line waits. */
    char message[ROOM_NAME_SIZE + 2 + ROOM_LINE_LIMIT];
    const char *line;
    size_t length;
    while (line_buffer_next_line(&client->input, &line, &length)) {
        if (length > ROOM_LINE_LIMIT) {
            throw_out(room, client);
            settle(room);
            return;
        }
        size_t name_length = strlen(client->name);
        memcpy(message, client->name, name_length);
        memcpy(message + name_length, ": ", 2);
        memcpy(message + name_length + 2, line, length); /* bytes as they came */
        broadcast(room, client, message, name_length + 2 + length);
    }
    /* A line that has not ended and is already too long can only get longer. */
    if (line_buffer_pending(&client->input) >= ROOM_LINE_LIMIT)
        throw_out(room, client);
    settle(room);
}

void room_writable(struct room *room, struct room_client *client)
{
    if (client->gone || client->to_flush)
        return;
    /* Written in room_end_turn, with whatever else piles up this turn. */
    client->to_flush = true;
    client->next_flush = room->flush_list;
    room->flush_list = client;
}

/* One write() for everything queued for CLIENT. */
static void flush(struct room *room, struct room_client *client)
{
    size_t length = queued(&client->output);
    if (length > 0) {
        ssize_t written = write(client->fd, client->output.data + client->output.start,
                                length);
        if (written == -1) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                char reason[80];
                snprintf(reason, sizeof reason, "write: %s", strerror(errno));
                leave(room, client, reason);
                return;
            }
            written = 0;
        }
        queue_consume(&client->output, (size_t)written);
    }
    /* Bytes left over: the kernel's buffer for this socket is full. */
    bool waiting = queued(&client->output) > 0;
    /* Remember the new state only once the event loop has taken it on, so
     * that the room and the loop never disagree about what is watched. */
    if (waiting != client->watching_output &&
        (room->watch_output == NULL ||
         room->watch_output(room->context, client, waiting)))
        client->watching_output = waiting;
}

void room_end_turn(struct room *room)
{
    /* Flushing can make clients leave (a write error), which queues
     * "* userN left" for others: go on until nothing is left to write. */
    while (room->flush_list != NULL) {
        struct room_client *client = room->flush_list;
        room->flush_list = client->next_flush;
        client->to_flush = false;
        if (!client->gone)
            flush(room, client);
        settle(room);
    }
    while (room->gone_list != NULL) {
        struct room_client *client = room->gone_list;
        room->gone_list = client->next_gone;
        free(client->output.data);
        free(client);
    }
}

bool room_has_output(const struct room_client *client)
{
    return queued(&client->output) > 0;
}

bool room_accept_failed(struct room *room, int listen_fd, int error)
{
    if (error == EINTR || error == ECONNABORTED)
        return true; /* a signal, or a client that gave up while queued */
    if ((error == EMFILE || error == ENFILE) && room->reserve_fd != -1) {
        if (!room->refusing)
            warn("accept: %s (closing new connections until someone leaves)",
                 strerror(error));
        room->refusing = true;
        /* Free one descriptor, take the waiting connection with it, hang up. */
        close(room->reserve_fd);
        int fd = accept(listen_fd, NULL, NULL);
        if (fd != -1)
            close(fd);
        room->reserve_fd = open("/dev/null", O_RDONLY);
        return fd != -1;
    }
    warn("accept: %s", strerror(error));
    return false; /* try again next turn */
}

void room_close(struct room *room)
{
    room->flush_list = NULL; /* nothing more is written */
    room->drop_list = NULL;
    room_end_turn(room);     /* frees the ones that left this turn */
    for (size_t i = 0; i < room->count; i++) {
        close(room->clients[i]->fd);
        free(room->clients[i]->output.data);
        free(room->clients[i]);
    }
    room->count = 0;
    free(room->clients);
    room->clients = NULL;
    if (room->reserve_fd != -1)
        close(room->reserve_fd);
    room->reserve_fd = -1;
}
