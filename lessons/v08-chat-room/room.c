/*
 * lessons/v08-chat-room/room.c - the chat room's rules (see room.h).
 *
 * The one idea: everything said in the room goes into ONE transcript, each
 * message once, and every client has a place in it (client->next). Writing
 * to a client sends what lies between its place and the end; when every
 * client has passed a message, it is forgotten and its sender's share goes
 * down again. So a slow reader costs the room nothing but its place, a
 * flooder is held to its share, and nobody's lines are ever thrown away.
 *
 * Clients are found by descriptor (room->clients[fd]), never kept as
 * pointers by the loop, so a client can be freed the moment it leaves: a
 * later event of the same turn finds no client at that descriptor.
 */
#include "room.h"

#include "error.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* A message in the transcript: this header, then LENGTH bytes of text. */
struct record {
    unsigned long from; /* the sender's number (userN); it does not get it back */
    int from_fd;        /* and its descriptor, to find it when the share goes down */
    unsigned length;
};

struct goodbye {
    double deadline; /* hang up then, whether it was all sent or not */
    size_t length;
    size_t written;
    bool shut;       /* all written, and shutdown(SHUT_WR) done: now reading to the end */
    char text[];     /* the rest of the line it was in, then the reason */
};

/* Messages per writev(): POSIX promises at least 16 (IOV_MAX), and Linux,
 * the BSDs and macOS all allow 1024. */
enum { WRITE_PARTS = 64 };

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static unsigned long long transcript_end(const struct room *room)
{
    return room->transcript.start + room->transcript.length;
}

/* The message that starts at POSITION; *TEXT points at its bytes. */
static struct record record_at(const struct room *room, unsigned long long position,
                               const char **text)
{
    struct record record;
    const char *at = room->transcript.bytes + (position - room->transcript.start);
    memcpy(&record, at, sizeof record);
    *text = at + sizeof record;
    return record;
}

/* --- The log: stdout, never allowed to block the room --------------------- */

static void log_flush(struct room *room)
{
    struct room_log *log = &room->log;
    for (;;) {
        if (log->dropped > 0) {
            char notice[128];
            int length = snprintf(notice, sizeof notice,
                                  "%s: %lu log lines dropped (stdout was not taking them)\n",
                                  program_name(), log->dropped);
            if (length > 0 && log->length + (size_t)length <= sizeof log->text) {
                memcpy(log->text + log->length, notice, (size_t)length);
                log->length += (size_t)length;
                log->dropped = 0;
            }
        }
        if (log->length == 0)
            return;
        /* Would a write block? poll() with timeout 0 only looks. stdout is
         * never made non-blocking: that flag belongs to the open file, which
         * a terminal shares with the shell, and would outlive the room. */
        struct pollfd out = { .fd = STDOUT_FILENO, .events = POLLOUT };
        if (poll(&out, 1, 0) != 1)
            return; /* not now: the lines wait */
        if (!(out.revents & POLLOUT)) {
            log->length = 0; /* stdout is closed or broken: nobody can read it */
            return;
        }
        /* 512 bytes (POSIX's smallest PIPE_BUF) is what a pipe or terminal
         * that says "writable" takes without blocking. */
        size_t chunk = log->length < 512 ? log->length : 512;
        ssize_t written = write(STDOUT_FILENO, log->text, chunk);
        if (written == -1) {
            if (errno != EINTR && errno != EAGAIN)
                log->length = 0;
            return;
        }
        memmove(log->text, log->text + written, log->length - (size_t)written);
        log->length -= (size_t)written;
    }
}

void room_log(struct room *room, const char *format, ...)
{
    char line[256];
    int prefix = snprintf(line, sizeof line, "%s: ", program_name());
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(line + prefix, sizeof line - (size_t)prefix - 1, format, arguments);
    va_end(arguments);
    size_t length = strlen(line);
    line[length++] = '\n';
    struct room_log *log = &room->log;
    if (log->length + length > sizeof log->text)
        log->dropped++;
    else {
        memcpy(log->text + log->length, line, length);
        log->length += length;
    }
    log_flush(room);
}

/* --- What the loop watches ------------------------------------------------ */

static int client_wants(const struct room_client *client)
{
    if (client->goodbye != NULL)
        return client->goodbye->shut ? ROOM_READ : ROOM_WRITE;
    int events = 0;
    if (client->share < ROOM_SHARE)
        events |= ROOM_READ; /* over its share: not read, so TCP slows it */
    if (client->stuck_since != 0)
        events |= ROOM_WRITE; /* output waits that its socket would not take */
    return events;
}

int room_wants(const struct room *room, int fd)
{
    if (fd == room->listen_fd)
        return room->accepting_again == 0 ? ROOM_READ : 0;
    if (fd < 0 || (size_t)fd >= room->slots || room->clients[fd] == NULL)
        return 0;
    return client_wants(room->clients[fd]);
}

/* Tells the loop (v09: epoll) when what FD needs has changed. */
static bool update_watch(struct room *room, int fd, int *watched)
{
    int events = room_wants(room, fd);
    if (events == *watched)
        return true;
    if (room->watch != NULL && !room->watch(room->context, fd, events))
        return false;
    *watched = events;
    return true;
}

/* --- The transcript ------------------------------------------------------- */

/* Adds a message from FROM (NULL: from nobody) for everyone else. */
static void say(struct room *room, struct room_client *from, const char *text,
                size_t length)
{
    struct transcript *transcript = &room->transcript;
    struct record record = { from ? from->number : 0, from ? from->fd : -1, (unsigned)length };
    size_t needed = transcript->length + sizeof record + length;
    if (needed > transcript->capacity) {
        size_t capacity = transcript->capacity > 0 ? transcript->capacity : 4096;
        while (capacity < needed)
            capacity *= 2;
        char *bytes = realloc(transcript->bytes, capacity);
        if (bytes == NULL) {
            warn("out of memory: a message is lost");
            return;
        }
        transcript->bytes = bytes;
        transcript->capacity = capacity;
    }
    memcpy(transcript->bytes + transcript->length, &record, sizeof record);
    memcpy(transcript->bytes + transcript->length + sizeof record, text, length);
    transcript->length = needed;
    if (from != NULL)
        from->share += sizeof record + length;
    room->said = true;
}

/* Forgets every message before UPTO (everybody has them) and gives each
 * sender its share back. */
static void forget(struct room *room, unsigned long long upto)
{
    struct transcript *transcript = &room->transcript;
    for (unsigned long long at = transcript->start; at < upto;) {
        const char *text;
        struct record record = record_at(room, at, &text);
        at += sizeof record + record.length;
        if (record.from_fd < 0 || (size_t)record.from_fd >= room->slots)
            continue;
        struct room_client *sender = room->clients[record.from_fd];
        if (sender != NULL && sender->number == record.from && sender->goodbye == NULL) {
            sender->share -= sizeof record + record.length;
            update_watch(room, sender->fd, &sender->watched);
        }
    }
    size_t forgotten = (size_t)(upto - transcript->start);
    memmove(transcript->bytes, transcript->bytes + forgotten, transcript->length - forgotten);
    transcript->length -= forgotten;
    transcript->start = upto;
    if (transcript->length == 0 && transcript->capacity > 64 * 1024) {
        free(transcript->bytes); /* after a burst, give the memory back */
        transcript->bytes = NULL;
        transcript->capacity = 0;
    }
}

/* --- Joining and leaving -------------------------------------------------- */

void room_init(struct room *room, int listen_fd, room_watch_function *watch,
               void *context)
{
    memset(room, 0, sizeof *room);
    room->listen_fd = listen_fd;
    room->watch = watch;
    room->context = context;
    /* A spare descriptor, given up when accept() runs out of them. */
    room->spare_fd = open("/dev/null", O_RDONLY);
    if (room->spare_fd == -1)
        die_errno("cannot reserve a spare descriptor (open /dev/null)");
    int watched = 0;
    if (!update_watch(room, listen_fd, &watched))
        die("cannot watch the listening socket");
}

/* Closes CLIENT's connection and frees it: no goodbye, no announcement. */
static void hang_up(struct room *room, struct room_client *client)
{
    close(client->fd);
    room->clients[client->fd] = NULL;
    if (client->goodbye != NULL) {
        room->leaving--;
        free(client->goodbye);
    }
    free(client);
}

/* Tells the others that CLIENT left and logs why. */
static void announce_leave(struct room *room, struct room_client *client,
                           const char *reason)
{
    if (reason != NULL)
        room_log(room, "%s left (%s)", client->name, reason);
    else
        room_log(room, "%s left", client->name);
    char message[ROOM_NAME_SIZE + 16];
    int length = snprintf(message, sizeof message, "* %s left\n", client->name);
    say(room, NULL, message, (size_t)length);
}

static void leave(struct room *room, struct room_client *client, const char *reason)
{
    announce_leave(room, client, reason);
    hang_up(room, client);
}

/* Sends CLIENT away: it gets the rest of the line it was in (so its last
 * bytes are whole lines), then LAST_LINE; then the end of the connection. */
static void send_away(struct room *room, struct room_client *client,
                      const char *last_line, const char *reason)
{
    announce_leave(room, client, reason);
    const char *rest = "";
    size_t rest_length = 0;
    if (client->next_written > 0) {
        struct record record = record_at(room, client->next, &rest);
        rest += client->next_written;
        rest_length = record.length - client->next_written;
    }
    size_t length = rest_length + strlen(last_line);
    struct goodbye *goodbye = malloc(sizeof *goodbye + length);
    if (goodbye == NULL) {
        hang_up(room, client);
        return;
    }
    goodbye->deadline = now() + ROOM_GOODBYE_SECONDS;
    goodbye->length = length;
    goodbye->written = 0;
    goodbye->shut = false;
    memcpy(goodbye->text, rest, rest_length);
    memcpy(goodbye->text + rest_length, last_line, strlen(last_line));
    client->goodbye = goodbye;
    room->leaving++;
    update_watch(room, client->fd, &client->watched);
}

void room_join(struct room *room, int fd, const struct sockaddr *peer,
               socklen_t peer_length)
{
    char peer_text[ADDRESS_TEXT_SIZE];
    format_address(peer, peer_length, peer_text);

    /* Non-blocking: read() and write() do what they can at once and return
     * (EAGAIN when they can do nothing), so no client can stop the room. */
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
        warn_errno("fcntl O_NONBLOCK for %s", peer_text);
        close(fd);
        return;
    }
    /* The room gathers each turn's lines into one write per client; Nagle's
     * algorithm would hold a small write back until the previous one is
     * acknowledged, and the receiver delays that ACK by up to 40 ms. */
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
        warn_errno("setsockopt TCP_NODELAY for %s", peer_text);
    /* A fixed kernel send buffer instead of one that grows to megabytes: the
     * kernel memory a client can hold is bounded too, and a client that stops
     * reading is noticed after ROOM_SOCKET_BUFFER bytes, not after 4 MiB. */
    int size = ROOM_SOCKET_BUFFER;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == -1)
        warn_errno("setsockopt SO_SNDBUF for %s", peer_text);
    /* The same for what it sends: a sender over its share is not read, and
     * its bytes wait in this buffer, a bounded one, before TCP stops it. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == -1)
        warn_errno("setsockopt SO_RCVBUF for %s", peer_text);
    if ((size_t)fd >= room->slots) {
        size_t slots = room->slots > 0 ? room->slots : 64;
        while (slots <= (size_t)fd)
            slots *= 2;
        struct room_client **clients = realloc(room->clients, slots * sizeof *clients);
        if (clients == NULL) {
            warn("out of memory: turning away %s", peer_text);
            close(fd);
            return;
        }
        memset(clients + room->slots, 0, (slots - room->slots) * sizeof *clients);
        room->clients = clients;
        room->slots = slots;
    }
    struct room_client *client = calloc(1, sizeof *client);
    if (client == NULL) {
        warn("out of memory: turning away %s", peer_text);
        close(fd);
        return;
    }
    client->fd = fd;
    client->number = ++room->connections;
    snprintf(client->name, sizeof client->name, "user%lu", client->number);
    client->next = transcript_end(room); /* it gets what is said from now on */
    room->clients[fd] = client;
    room->refusing = false;
    room_log(room, "%s joined from %s", client->name, peer_text);

    /* The greeting is the first thing on a new connection: its socket buffer
     * is empty, so this write takes it whole. */
    char message[ROOM_NAME_SIZE + 32];
    int length = snprintf(message, sizeof message, "* you are %s\n", client->name);
    if (write(fd, message, (size_t)length) != length) {
        leave(room, client, "cannot send the greeting");
        return;
    }
    length = snprintf(message, sizeof message, "* %s joined\n", client->name);
    say(room, client, message, (size_t)length);
    if (!update_watch(room, fd, &client->watched))
        leave(room, client, "cannot watch its socket");
}

/* --- Reading -------------------------------------------------------------- */

/* Passes on every whole line in CLIENT's input as "userN: line". */
static void pass_on_lines(struct room *room, struct room_client *client)
{
    char message[ROOM_NAME_SIZE + 2 + ROOM_LINE_LIMIT + 1];
    size_t name_length = strlen(client->name);
    memcpy(message, client->name, name_length);
    memcpy(message + name_length, ": ", 2);
    char *line = client->input;
    char *end = client->input + client->input_length;
    char *newline;
    while ((newline = memchr(line, '\n', (size_t)(end - line))) != NULL) {
        size_t length = (size_t)(newline + 1 - line);
        memcpy(message + name_length + 2, line, length); /* bytes as they came */
        say(room, client, message, name_length + 2 + length);
        line = newline + 1;
    }
    client->input_length = (size_t)(end - line);
    memmove(client->input, line, client->input_length); /* a line not ended yet */
}

static void drain(struct room *room, struct room_client *client)
{
    /* Reading to the end after our goodbye, so that our close() is not
     * turned into a reset that could destroy the goodbye in flight. */
    char junk[4096];
    ssize_t received = read(client->fd, junk, sizeof junk);
    if (received == 0 || (received == -1 && errno != EAGAIN && errno != EINTR))
        hang_up(room, client);
}

void room_readable(struct room *room, int fd)
{
    if (fd < 0 || (size_t)fd >= room->slots || room->clients[fd] == NULL)
        return;
    struct room_client *client = room->clients[fd];
    int wants = client_wants(client);
    if (!(wants & ROOM_READ))
        return; /* over its share (or only writing): not now */
    if (client->goodbye != NULL) {
        drain(room, client);
        return;
    }
    ssize_t received = read(fd, client->input + client->input_length,
                            sizeof client->input - client->input_length);
    if (received == 0) {
        /* The end: a last line without '\n' is still a line. */
        if (client->input_length > 0) {
            client->input[client->input_length++] = '\n';
            pass_on_lines(room, client);
        }
        leave(room, client, NULL);
        return;
    }
    if (received == -1) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return; /* nothing after all */
        char reason[80];
        snprintf(reason, sizeof reason, "read: %s", strerror(errno));
        leave(room, client, reason); /* half a line it sent reaches nobody */
        return;
    }
    client->input_length += (size_t)received;
    pass_on_lines(room, client);
    if (client->input_length == sizeof client->input) {
        /* ROOM_LINE_LIMIT bytes and no '\n': it can only get longer. */
        send_away(room, client, "* line too long, goodbye\n", "line too long");
        return;
    }
    update_watch(room, fd, &client->watched);
}

/* --- Writing -------------------------------------------------------------- */

/* CLIENT has been sent WRITTEN more bytes: moves its place on, past its
 * own messages too, which it never gets. */
static void move_on(struct room *room, struct room_client *client, size_t written)
{
    unsigned long long end = transcript_end(room);
    while (client->next < end) {
        const char *text;
        struct record record = record_at(room, client->next, &text);
        if (record.from != client->number) {
            size_t left = record.length - client->next_written;
            if (written < left) {
                client->next_written += written;
                return;
            }
            written -= left;
        }
        client->next += sizeof record + record.length;
        client->next_written = 0;
    }
}

static void write_goodbye(struct room *room, struct room_client *client)
{
    struct goodbye *goodbye = client->goodbye;
    if (goodbye->shut)
        return;
    ssize_t written = write(client->fd, goodbye->text + goodbye->written,
                            goodbye->length - goodbye->written);
    if (written == -1) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            hang_up(room, client);
        return;
    }
    goodbye->written += (size_t)written;
    if (goodbye->written == goodbye->length) {
        shutdown(client->fd, SHUT_WR); /* FIN after the goodbye */
        goodbye->shut = true;
        update_watch(room, client->fd, &client->watched);
    }
}

/* Writes what waits for CLIENT, up to WRITE_PARTS messages per writev(),
 * until it is all out or the socket takes no more. */
static void flush(struct room *room, struct room_client *client)
{
    if (client->goodbye != NULL) {
        write_goodbye(room, client);
        return;
    }
    unsigned long long end = transcript_end(room);
    bool stuck = false;
    while (client->next < end && !stuck) {
        struct iovec parts[WRITE_PARTS];
        int count = 0;
        size_t total = 0;
        size_t skip = client->next_written;
        for (unsigned long long at = client->next; at < end && count < WRITE_PARTS;) {
            const char *text;
            struct record record = record_at(room, at, &text);
            at += sizeof record + record.length;
            if (record.from != client->number) {
                parts[count].iov_base = (char *)text + skip;
                parts[count].iov_len = record.length - skip;
                total += parts[count++].iov_len;
            }
            skip = 0;
        }
        ssize_t written = 0;
        if (count > 0) {
            written = writev(client->fd, parts, count);
            if (written == -1) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    char reason[80];
                    snprintf(reason, sizeof reason, "write: %s", strerror(errno));
                    leave(room, client, reason);
                    return;
                }
                written = 0;
            }
        }
        move_on(room, client, (size_t)written);
        if ((size_t)written < total) {
            stuck = true; /* its socket buffer is full */
            if (written > 0 || client->stuck_since == 0)
                client->stuck_since = now(); /* it moved: the clock starts again */
        }
    }
    if (!stuck)
        client->stuck_since = 0;
    update_watch(room, client->fd, &client->watched);
}

void room_writable(struct room *room, int fd)
{
    if (fd < 0 || (size_t)fd >= room->slots || room->clients[fd] == NULL)
        return;
    flush(room, room->clients[fd]);
}

/* --- The end of a turn ---------------------------------------------------- */

/* One pass over the clients: write to everyone who has something waiting
 * and whose socket was not full, send away the stuck ones and the goodbyes
 * that took too long, and forget what everybody has. */
static void pass(struct room *room)
{
    double time = now();
    unsigned long long oldest = transcript_end(room);
    for (size_t fd = 0; fd < room->slots; fd++) {
        struct room_client *client = room->clients[fd];
        if (client == NULL)
            continue;
        if (client->goodbye != NULL) {
            if (time >= client->goodbye->deadline)
                hang_up(room, client);
            else
                write_goodbye(room, client);
            continue;
        }
        if (client->stuck_since == 0)
            flush(room, client);
        else if (time - client->stuck_since >= ROOM_STALL_SECONDS) {
            char last_line[80], reason[80];
            snprintf(last_line, sizeof last_line,
                     "* too slow: you read nothing for %d seconds, goodbye\n",
                     ROOM_STALL_SECONDS);
            snprintf(reason, sizeof reason, "too slow: read nothing for %d seconds",
                     ROOM_STALL_SECONDS);
            send_away(room, client, last_line, reason);
            continue;
        }
        client = room->clients[fd]; /* NULL if a failed write made it leave */
        if (client != NULL && client->next < oldest)
            oldest = client->next;
    }
    forget(room, oldest);
}

void room_end_turn(struct room *room)
{
    /* A pass can add messages ("* userN left" when a write failed): pass
     * again, a few times at most; room_timeout() sees what is left. */
    for (int round = 0; round < 4; round++) {
        if (!room->said && room->transcript.length == 0 && room->leaving == 0)
            break;
        room->said = false;
        pass(room);
        if (!room->said)
            break;
    }
    if (room->accepting_again != 0 && now() >= room->accepting_again) {
        if (room->spare_fd == -1)
            room->spare_fd = open("/dev/null", O_RDONLY);
        room->accepting_again = 0;
        int watched = 0;
        update_watch(room, room->listen_fd, &watched);
    }
    log_flush(room);
}

int room_timeout(const struct room *room)
{
    if (room->said)
        return 0;
    int timeout = -1;
    if (room->transcript.length > 0 || room->leaving > 0)
        timeout = 250; /* a client is stuck or leaving: look at the clock */
    if (room->log.length > 0 && (timeout == -1 || timeout > 100))
        timeout = 100; /* stdout is stuck: try again soon */
    if (room->accepting_again != 0) {
        double left = room->accepting_again - now();
        int ms = left > 0 ? (int)(left * 1000) + 1 : 0;
        if (timeout == -1 || ms < timeout)
            timeout = ms;
    }
    return timeout;
}

/* --- Out of descriptors --------------------------------------------------- */

bool room_accept_failed(struct room *room, int error)
{
    if (error == EINTR || error == ECONNABORTED)
        return true; /* a signal, or a client that gave up while queued */
    if (error == EMFILE || error == ENFILE) {
        if (!room->refusing)
            warn("accept: %s (closing new connections until someone leaves)",
                 strerror(error));
        room->refusing = true;
        /* Free one descriptor, take the waiting connection with it, hang up. */
        int fd = -1;
        if (room->spare_fd != -1) {
            close(room->spare_fd);
            fd = accept(room->listen_fd, NULL, NULL);
            if (fd != -1)
                close(fd);
            room->spare_fd = open("/dev/null", O_RDONLY);
        }
        if (fd != -1 && room->spare_fd != -1)
            return true;
    } else {
        warn("accept: %s", strerror(error));
    }
    /* Nothing to be done now: stop accepting for a second instead of
     * asking again at once, which would spin. */
    room->accepting_again = now() + 1;
    int watched = ROOM_READ;
    update_watch(room, room->listen_fd, &watched);
    return false;
}

/* --- The end -------------------------------------------------------------- */

void room_close(struct room *room)
{
    for (size_t fd = 0; fd < room->slots; fd++) {
        if (room->clients[fd] != NULL)
            hang_up(room, room->clients[fd]);
    }
    free(room->clients);
    room->clients = NULL;
    room->slots = 0;
    free(room->transcript.bytes);
    memset(&room->transcript, 0, sizeof room->transcript);
    if (room->spare_fd != -1)
        close(room->spare_fd);
    room->spare_fd = -1;
    log_flush(room); /* one last try; what stdout does not take is lost */
}
