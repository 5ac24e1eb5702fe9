/*
 * common/room.h - the chat room that v08 (poll) and v09 (epoll) share.
 *
 * A chat room is two separate problems:
 *   1. WHAT to do with the bytes: name each client userN, cut its input into
 *      lines, turn "hello" from user2 into "user2: hello" for everyone else,
 *      announce joins and leaves, throw out a client whose line is too long or
 *      who reads too slowly;
 *   2. WHEN to do it: which sockets can be read or written right now without
 *      blocking. That is the event loop.
 * This file is problem 1, written once. Each lesson is problem 2: v08 asks
 * poll() which sockets are ready, v09 asks epoll. So the two lessons differ in
 * their event loop only, and comparing them compares exactly that.
 *
 * The protocol (docs/v08-chat-room.md):
 *   on joining         the client gets "* you are userN", the others "* userN joined"
 *   a line "hello"     reaches every OTHER client as "userN: hello"
 *   on leaving         the others get "* userN left"
 *   a line longer than ROOM_LINE_LIMIT bytes ('\n' included): the sender gets
 *                      "* line too long, goodbye" (if it can) and is disconnected
 *   a client with more than ROOM_QUEUE_LIMIT bytes waiting for it (it does not
 *                      read): it is disconnected; nobody else ever waits for it
 *
 * Every socket is non-blocking, so a read or write never stops the room: it
 * does what it can at once and the rest waits in the client's queue.
 *
 * Read next: lessons/v08-chat-room (the poll() loop that drives this).
 */
#ifndef SOCKSTEP_ROOM_H
#define SOCKSTEP_ROOM_H

#include "io.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum {
    ROOM_LINE_LIMIT = 1024,        /* longest line a client may send, '\n' included */
    ROOM_QUEUE_LIMIT = 256 * 1024, /* most bytes that may wait for one client */
    ROOM_NAME_SIZE = 24,           /* "user" and a number */
    ROOM_ACCEPTS_PER_TURN = 64     /* new connections taken per loop turn */
};

/* Bytes waiting to be written to one client. */
struct output_queue {
    char *data;
    size_t start;    /* first byte not yet written */
    size_t end;      /* one past the last byte queued */
    size_t capacity; /* bytes allocated, at most ROOM_QUEUE_LIMIT */
};

struct room_client {
    int fd;
    char name[ROOM_NAME_SIZE];
    struct line_buffer input;   /* bytes of lines not yet complete */
    struct output_queue output; /* bytes not yet written */
    size_t index;               /* where it is in room->clients */
    bool gone;                  /* has left; freed at the end of the turn */
    bool to_flush;              /* on room->flush_list */
    bool to_drop;               /* on room->drop_list: queue overflowed */
    bool watching_output;       /* the loop waits for "writable" for it */
    struct room_client *next_flush;
    struct room_client *next_drop;
    struct room_client *next_gone;
};

/*
 * WATCH_OUTPUT, if not NULL, is called when a client's kernel buffer is full
 * (ON true: output is left in its queue, wake me when it can take more) and
 * when its queue has drained again (ON false). It returns false if it could
 * not make the change; the room then asks again at the next flush. v09 uses
 * it to change the events epoll reports for that socket; v08 simply asks
 * poll() for POLLOUT on every client whose queue is not empty, and passes NULL.
 */
typedef bool watch_output_function(void *context, struct room_client *client,
                                   bool on);

struct room {
    struct room_client **clients; /* everyone in the room, in no order */
    size_t count;
    size_t capacity;
    unsigned long connections;    /* so far; the next one is user(connections+1) */
    struct room_client *flush_list; /* clients with new output this turn */
    struct room_client *drop_list;  /* clients whose queue overflowed */
    struct room_client *gone_list;  /* clients who left this turn */
    int reserve_fd;               /* a spare descriptor, see room_accept_failed */
    bool refusing;                /* out of descriptors right now */
    watch_output_function *watch_output;
    void *context;
};

void room_init(struct room *room, watch_output_function *watch_output,
               void *context);

/*
 * Takes a freshly accepted connection into the room: makes it non-blocking,
 * names it, greets it and announces it. Returns the new client, or NULL if
 * that failed (the connection is then closed and the reason reported).
 */
struct room_client *room_join(struct room *room, int fd,
                              const struct sockaddr *peer, socklen_t peer_length);

/* The loop calls these when a client's socket is readable / writable. */
void room_readable(struct room *room, struct room_client *client);
void room_writable(struct room *room, struct room_client *client);

/* Closes the connection and tells the others. REASON (may be NULL) goes to
 * the log only. */
void room_leave(struct room *room, struct room_client *client, const char *reason);

/*
 * Call after accept() failed with ERROR. Out of descriptors (EMFILE, ENFILE),
 * the waiting connection would stay in the queue and make the listening
 * socket "readable" for ever: the loop would spin. So this takes it with the
 * reserve descriptor and closes it at once. Other errors are reported.
 * Returns true if the loop should try accept() again this turn.
 */
bool room_accept_failed(struct room *room, int listen_fd, int error);

/*
 * The end of a loop turn: writes each client's queued output with ONE
 * write() (however many lines piled up this turn), and frees the clients that
 * left. Call it once per turn, after handling every event.
 */
void room_end_turn(struct room *room);

/* True if output is waiting for CLIENT (v08 then asks poll() for POLLOUT). */
bool room_has_output(const struct room_client *client);

/* Closes every connection and frees everything (when the server stops). */
void room_close(struct room *room);

#endif
