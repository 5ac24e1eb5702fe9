/*
 * lessons/v08-chat-room/room.h - the chat room's rules, which v08 (poll) and
 * v09 (epoll) share.
 *
 * A chat room is two separate problems:
 *   1. WHAT to do with the bytes: name each client userN, cut its input into
 *      lines, turn "hello" from user2 into "user2: hello" for everyone else,
 *      announce joins and leaves, keep a flood from drowning the others;
 *   2. WHEN to do it: which sockets can be read or written right now without
 *      blocking. That is the event loop.
 * This file is problem 1, written once. v08-chat-room.c is problem 2 with
 * poll(), v09-chat-room-epoll.c with epoll, so the two lessons differ in
 * their event loop only (make diff A=v08 B=v09).
 *
 * The protocol and the fair-room policy (docs/v08-chat-room.md):
 *   on joining      the client gets "* you are userN", the others "* userN joined"
 *   a line "hello"  reaches every OTHER client as "userN: hello", whole and in
 *                   order; a last line without '\n' before the end counts too
 *   on leaving      the others get "* userN left"
 *   one transcript  every message is kept ONCE, in the room's transcript, until
 *                   every client has it; each client has a place in it
 *   a sender's share: at most ROOM_SHARE bytes of one sender's messages may
 *                   wait there. Above it the room stops reading that sender, so
 *                   TCP slows the sender down: a flood is held up, never the
 *                   readers, and the others' lines still get through.
 *   a line over ROOM_LINE_LIMIT bytes ('\n' included): the sender gets
 *                   "* line too long, goodbye" and is disconnected
 *   a client whose socket takes no byte for ROOM_STALL_SECONDS while output
 *                   waits for it (it stopped reading): it gets the rest of the
 *                   line it was in, then "* too slow: ..., goodbye", and is
 *                   disconnected. A client that reads, however slowly, stays.
 *
 * Every socket is non-blocking, and the room's log (stdout) is written only
 * when poll() says it takes bytes: the event wait is the only place that blocks.
 *
 * Read next: lessons/v08-chat-room/v08-chat-room.c (the loop that drives this).
 */
#ifndef SOCKSTEP_ROOM_H
#define SOCKSTEP_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum {
    ROOM_LINE_LIMIT = 1024,    /* longest line a client may send, '\n' included */
    ROOM_SHARE = 16 * 1024,    /* most bytes of one sender's messages waiting */
    ROOM_SOCKET_BUFFER = 64 * 1024, /* the kernel's buffers for each client */
    ROOM_STALL_SECONDS = 2,    /* a client that takes nothing this long must go */
    ROOM_GOODBYE_SECONDS = 5,  /* how long a goodbye may take before we hang up */
    ROOM_NAME_SIZE = 24,       /* "user" and a number */
    ROOM_ACCEPTS_PER_TURN = 64 /* new connections taken per loop turn */
};

/* What the event loop should wait for on a descriptor. */
enum { ROOM_READ = 1, ROOM_WRITE = 2 };

struct goodbye; /* the last bytes of a client that is being sent away */

struct room_client {
    int fd;
    unsigned long number;         /* the N of userN */
    char name[ROOM_NAME_SIZE];
    char input[ROOM_LINE_LIMIT];  /* the start of a line that has not ended */
    size_t input_length;
    unsigned long long next;      /* where its next message starts in the transcript */
    size_t next_written;          /* bytes of that message it already has */
    size_t share;                 /* bytes of its own messages in the transcript */
    double stuck_since;           /* 0, or since when its socket takes nothing */
    struct goodbye *goodbye;      /* not NULL: it is leaving, only this is left to send */
    int watched;                  /* ROOM_READ | ROOM_WRITE, as the loop watches it */
};

/* Every message said in the room, each kept once until everyone has it. */
struct transcript {
    char *bytes;
    size_t length;
    size_t capacity;
    unsigned long long start; /* the position of bytes[0]; positions only grow */
};

/* Log lines waiting for stdout to take them. */
struct room_log {
    char text[4096];
    size_t length;
    unsigned long dropped; /* lines that did not fit while stdout was stuck */
};

/*
 * WATCH, if not NULL, is called when what the loop should wait for on FD
 * changes (EVENTS is ROOM_READ, ROOM_WRITE, both, or 0: nothing at all). It
 * returns false if it could not make the change; the room asks again at the
 * next change. v09 uses it to tell epoll; v08 asks room_wants() every turn.
 */
typedef bool room_watch_function(void *context, int fd, int events);

struct room {
    struct room_client **clients; /* indexed by descriptor: clients[fd] or NULL */
    size_t slots;                 /* entries in clients */
    unsigned long connections;    /* so far; the next one is user(connections+1) */
    size_t leaving;               /* clients with a goodbye under way */
    bool said;                    /* the transcript grew since the last flush */
    struct transcript transcript;
    struct room_log log;
    int listen_fd;
    int spare_fd;                 /* a spare descriptor, see room_accept_failed */
    bool refusing;                /* out of descriptors right now (warned once) */
    double accepting_again;       /* 0, or when to start accepting again */
    room_watch_function *watch;
    void *context;
};

/* Starts an empty room on LISTEN_FD. Exits if it cannot reserve its spare
 * descriptor: without one, running out of descriptors would make it spin. */
void room_init(struct room *room, int listen_fd, room_watch_function *watch,
               void *context);

/* Logs one line, "PROGRAM: TEXT", to stdout, without ever blocking: if
 * stdout takes nothing now, the line waits; if the wait is full, it is
 * dropped and counted, and the count is logged once stdout takes lines again. */
void room_log(struct room *room, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Takes a freshly accepted connection into the room: makes it non-blocking,
 * names it, greets it and announces it. If that fails, it is closed. */
void room_join(struct room *room, int fd, const struct sockaddr *peer,
               socklen_t peer_length);

/*
 * Call after accept() failed with ERROR. Out of descriptors (EMFILE, ENFILE),
 * the waiting connection would stay in the queue and make the listening
 * socket "readable" for ever: the loop would spin. So this takes it with the
 * spare descriptor and closes it at once, or stops accepting for a second.
 * Returns true if the loop should try accept() again this turn.
 */
bool room_accept_failed(struct room *room, int error);

/* What to wait for on FD (a client or the listening socket): ROOM_READ,
 * ROOM_WRITE, both, or 0 (do not watch it at all now). */
int room_wants(const struct room *room, int fd);

/* The loop calls these when FD is readable / writable (also on an error or
 * a hang-up). A descriptor that is no client any more is ignored. */
void room_readable(struct room *room, int fd);
void room_writable(struct room *room, int fd);

/* The end of a loop turn: writes out what the turn produced, forgets what
 * everybody has, sends away clients that are stuck, and writes the log. */
void room_end_turn(struct room *room);

/* How long the event wait may last, in milliseconds (-1: for ever): the room
 * has a clock to watch while a client is stuck or a goodbye is under way. */
int room_timeout(const struct room *room);

/* Closes every connection and frees everything (when the server stops). */
void room_close(struct room *room);

#endif
