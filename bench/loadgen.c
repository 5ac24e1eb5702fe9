/*
 * bench/loadgen.c - the load generator behind `make bench` (docs/bench.md).
 *
 *   loadgen room HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]]
 *   loadgen exchange HOST PORT CLIENTS TOTAL [SECONDS]
 *   loadgen redis HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]]
 *   loadgen idle HOST PORT CLIENTS SECONDS
 *
 * room: opens CLIENTS connections to a chat room (v08, v09, ncat --chat),
 * waits until every one of them is in the room, then the first SENDERS
 * clients each send LINES lines. Every line must reach every OTHER client
 * once, in order: CLIENTS-1 deliveries per line. A sender keeps at most
 * WINDOW (default 4) of its lines in flight, i.e. not yet delivered to
 * everybody, so the load is steady and no honest client is a slow reader.
 * Each line carries its sender, its number and the time it was sent:
 *     #L SENDER SEQUENCE NANOSECONDS
 * so a receiver can tell which line it got and how long it took, whatever
 * prefix the server puts in front ("user2: " for the kit, "<user5> " for
 * ncat). Lines without "#L " (joins, leaves, ncat's announcements) are not
 * counted.
 *
 * exchange: the v04/v05 one-shot exchange, CLIENTS at a time, TOTAL in all:
 * connect, send the tutorial's greeting, read the reply to the end, check it
 * is 我已经收到了, close.
 *
 * redis: the room load on Redis pub/sub (redis-server): every client
 * SUBSCRIBEs to one channel, and each of the first SENDERS clients PUBLISHes
 * its lines on a second connection (a subscribed connection may not
 * publish). It speaks just enough RESP for that: the commands are written as
 * RESP arrays, and a receiver finds the "#L " payload inside Redis's
 * "message" reply as it would inside a room's line. Redis also delivers a
 * line to its own sender's subscription; that copy is not counted, so the
 * expected deliveries are the room's.
 *
 * idle: opens CLIENTS connections that never send anything, prints
 * "loadgen: idle: N connections open" once they are, and holds them for
 * SECONDS (or until it is killed): the "idle clients held open" case of the
 * design comparison, while another loadgen runs the exchange load.
 *
 * All stop by themselves: after SECONDS (default 60) whatever is missing
 * counts as lost or failed. The last line is one "result:" line of
 * key=value pairs (bench/run turns those into the table); the exit status
 * is 0 only if nothing was lost and nothing failed.
 *
 * One process holds every connection, with epoll and non-blocking sockets.
 * It raises its open-file soft limit to the hard limit (setrlimit) and says
 * so; it refuses a CLIENTS that would not fit under it.
 */
#include "error.h"
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char arguments[] =
    "room HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | "
    "exchange HOST PORT CLIENTS TOTAL [SECONDS] | "
    "redis HOST PORT CLIENTS SENDERS LINES [WINDOW [SECONDS]] | "
    "idle HOST PORT CLIENTS SECONDS";
static const char help[] =
    "Measures a chat room (room), Redis pub/sub (redis), the v04 one-shot\n"
    "exchange (exchange), or holds idle connections (idle).\n"
    "See docs/bench.md. Exit status 0 only if nothing was lost or failed.\n";

enum {
    MAX_CONNECTING = 256,     /* connects in progress at once */
    PARTIAL_LIMIT = 2048,     /* longest line kept while it arrives */
    HISTOGRAM_STEP_US = 10,   /* latency resolution */
    HISTOGRAM_BUCKETS = 1000000 /* 10 us x 10^6 = 10 s; later ones go in the last */
};

enum state { IDLE, CONNECTING, OPEN, CLOSED };

struct conn {
    int fd;
    enum state state;
    char *partial; /* an incomplete line, up to PARTIAL_LIMIT bytes */
    size_t partial_length;
    bool probed;   /* room: has seen a probe line */
    /* exchange mode */
    long number;   /* which exchange this is */
    int64_t started_ns;
    char reply[64];
    size_t reply_length;
    size_t greeting_sent;
    char greeting[80];
    size_t greeting_length;
};

static struct addrinfo *server;
static int epoll_fd;
static struct conn *conns;
static long conn_count;
static uint64_t *histogram;
static uint64_t histogram_count;

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void record_latency(int64_t ns)
{
    int64_t bucket = ns / 1000 / HISTOGRAM_STEP_US;
    if (bucket < 0)
        bucket = 0;
    if (bucket >= HISTOGRAM_BUCKETS)
        bucket = HISTOGRAM_BUCKETS - 1;
    histogram[bucket]++;
    histogram_count++;
}

/* The latency below which FRACTION of the samples are, in milliseconds. */
static double percentile_ms(double fraction)
{
    if (histogram_count == 0)
        return 0;
    uint64_t wanted = (uint64_t)(fraction * (double)histogram_count);
    if (wanted == 0)
        wanted = 1;
    uint64_t seen = 0;
    for (long i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= wanted)
            return (double)((i + 1) * HISTOGRAM_STEP_US) / 1000.0;
    }
    return (double)HISTOGRAM_BUCKETS * HISTOGRAM_STEP_US / 1000.0;
}

static void raise_file_limit(long needed)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
        die_errno("getrlimit RLIMIT_NOFILE");
    rlim_t old = limit.rlim_cur;
    if (limit.rlim_cur != limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &limit) == -1)
            die_errno("setrlimit RLIMIT_NOFILE");
        printf("loadgen: open-file limit raised from %llu to the hard limit %llu\n",
               (unsigned long long)old, (unsigned long long)limit.rlim_cur);
    }
    if (limit.rlim_cur != RLIM_INFINITY && (rlim_t)needed + 16 > limit.rlim_cur)
        die("%ld connections need more than the open-file hard limit %llu",
            needed, (unsigned long long)limit.rlim_cur);
}

/* Starts a non-blocking connect for C. False if socket() or connect() failed. */
static bool start_connect(struct conn *c)
{
    c->fd = socket(server->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd == -1) {
        warn_errno("socket");
        c->state = CLOSED;
        return false;
    }
    if (connect(c->fd, server->ai_addr, server->ai_addrlen) == -1 && errno != EINPROGRESS) {
        warn_errno("connect");
        close(c->fd);
        c->fd = -1;
        c->state = CLOSED;
        return false;
    }
    int on = 1; /* small lines go out at once, no Nagle delay */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    c->state = CONNECTING;
    struct epoll_event event = { .events = EPOLLOUT, .data.ptr = c };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &event) == -1)
        die_errno("epoll_ctl ADD");
    return true;
}

/* After EPOLLOUT on a connecting socket: did the connect work? */
static bool finish_connect(struct conn *c)
{
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &length) == -1)
        error = errno;
    if (error != 0) {
        errno = error;
        return false;
    }
    c->state = OPEN;
    struct epoll_event event = { .events = EPOLLIN, .data.ptr = c };
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &event) == -1)
        die_errno("epoll_ctl MOD");
    return true;
}

static void close_conn(struct conn *c)
{
    if (c->fd != -1)
        close(c->fd); /* also takes it out of epoll */
    c->fd = -1;
    c->state = CLOSED;
    free(c->partial);
    c->partial = NULL;
    c->partial_length = 0;
}

/* Writes a whole short line or reports why not (EAGAIN counts as failure:
 * the lines are tiny and the window keeps the buffers nearly empty). */
static bool send_line(struct conn *c, const char *line, size_t length)
{
    ssize_t written = send(c->fd, line, length, MSG_NOSIGNAL);
    return written == (ssize_t)length;
}

/* --- room mode ------------------------------------------------------------ */

static long senders, lines_per_sender, window;
static long *sent;          /* per sender: lines sent */
static long *completed;     /* per sender: lines delivered to everybody */
static long *receipts;      /* per line (sender * LINES + seq): deliveries */
static long *next_expected; /* per receiver and sender: next sequence */
static uint64_t delivered, disorder, junk;
static bool redis_mode;  /* room load on Redis pub/sub */
static const char channel[] = "sockstep";
static long probed_count;
static int64_t last_delivery_ns;

static void room_line(struct conn *c, const char *line, size_t length)
{
    const char *mark = NULL;
    for (size_t i = 0; i + 3 <= length; i++) {
        if (line[i] == '#' && (line[i + 1] == 'L' || line[i + 1] == 'P') && line[i + 2] == ' ') {
            mark = line + i;
            break;
        }
    }
    if (mark == NULL)
        return; /* a join or leave notice */
    if (mark[1] == 'P') {
        if (!c->probed) {
            c->probed = true;
            probed_count++;
        }
        return;
    }
    char text[128];
    size_t n = length - (size_t)(mark - line);
    if (n >= sizeof text) {
        junk++;
        return;
    }
    memcpy(text, mark, n);
    text[n] = '\0';
    long sender, sequence;
    long long sent_ns;
    if (sscanf(text, "#L %ld %ld %lld", &sender, &sequence, &sent_ns) != 3 ||
        sender < 0 || sender >= senders || sequence < 0 || sequence >= lines_per_sender) {
        junk++;
        return;
    }
    long receiver = c - conns;
    if (redis_mode && receiver == sender)
        return; /* Redis also sends a line back to its publisher's subscription */
    long *expected = &next_expected[receiver * senders + sender];
    if (sequence != *expected || receiver == sender) {
        disorder++; /* a duplicate, a gap, or a line sent back to its sender */
        if (sequence < *expected || receiver == sender)
            return;
    }
    *expected = sequence + 1;
    int64_t now = now_ns();
    record_latency(now - sent_ns);
    delivered++;
    last_delivery_ns = now;
    if (++receipts[sender * lines_per_sender + sequence] == conn_count - 1)
        completed[sender]++;
}

/* Reads what arrived on C and hands out the complete lines. False at the end
 * of the connection or on an error. */
static bool read_lines(struct conn *c, void (*handle)(struct conn *, const char *, size_t))
{
    static char buffer[65536];
    for (;;) {
        ssize_t received = recv(c->fd, buffer, sizeof buffer, 0);
        if (received == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            if (errno == EINTR)
                continue;
            return false;
        }
        if (received == 0)
            return false;
        const char *p = buffer;
        const char *end = buffer + received;
        while (p < end) {
            const char *newline = memchr(p, '\n', (size_t)(end - p));
            size_t piece = newline != NULL ? (size_t)(newline - p) + 1 : (size_t)(end - p);
            if (newline != NULL && c->partial_length == 0) {
                handle(c, p, piece);
            } else {
                if (c->partial == NULL) {
                    c->partial = malloc(PARTIAL_LIMIT);
                    if (c->partial == NULL)
                        die("out of memory");
                }
                size_t room = PARTIAL_LIMIT - c->partial_length;
                size_t copy = piece < room ? piece : room;
                memcpy(c->partial + c->partial_length, p, copy);
                c->partial_length += copy;
                if (newline != NULL) {
                    handle(c, c->partial, c->partial_length);
                    c->partial_length = 0;
                }
            }
            p += piece;
        }
        if ((size_t)received < sizeof buffer)
            return true;
    }
}

static long max_connecting = MAX_CONNECTING;
static long connect_warnings;

/* Sends TEXT as one line of the room's protocol, or, on Redis, as the
 * command PUBLISH sockstep TEXT (a RESP array of three bulk strings). */
static bool send_text(struct conn *c, const char *text)
{
    char line[160];
    size_t n = strlen(text);
    int length = redis_mode
        ? snprintf(line, sizeof line, "*3\r\n$7\r\nPUBLISH\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
                   strlen(channel), channel, n, text)
        : snprintf(line, sizeof line, "%s\n", text);
    return length > 0 && (size_t)length < sizeof line && send_line(c, line, (size_t)length);
}

/* Redis: SUBSCRIBE sockstep, once a subscriber's connection is open. */
static bool subscribe(struct conn *c)
{
    char command[64];
    int length = snprintf(command, sizeof command, "*2\r\n$9\r\nSUBSCRIBE\r\n$%zu\r\n%s\r\n",
                          strlen(channel), channel);
    return send_line(c, command, (size_t)length);
}

static int run_room(long clients, int64_t deadline_ns)
{
    sent = calloc((size_t)senders, sizeof *sent);
    completed = calloc((size_t)senders, sizeof *completed);
    receipts = calloc((size_t)(senders * lines_per_sender), sizeof *receipts);
    next_expected = calloc((size_t)(clients * senders), sizeof *next_expected);
    if (sent == NULL || completed == NULL || receipts == NULL || next_expected == NULL)
        die("out of memory");

    /* On Redis, conns[clients + s] is sender s's publishing connection. */
    long connections = redis_mode ? clients + senders : clients;
    long must_probe = redis_mode ? clients : clients - 1;
    long next_to_connect = 0, connecting = 0, open_count = 0, failed = 0, dropped = 0;
    int64_t start_ns = now_ns(), ready_ns = 0, send_start_ns = 0, probe_ns = 0;
    long probe_round = 0;
    bool ready = false, finished = false;
    const char *failure = "";
    uint64_t expected_total = (uint64_t)senders * (uint64_t)lines_per_sender * (uint64_t)(clients - 1);
    struct epoll_event events[512];

    while (!finished) {
        int64_t now = now_ns();
        if (now > deadline_ns) {
            failure = ready ? "deadline: lines missing" : "deadline: not everybody joined";
            break;
        }
        /* Open more connections, a bounded number at a time. */
        while (next_to_connect < connections && connecting < max_connecting) {
            if (start_connect(&conns[next_to_connect]))
                connecting++;
            else
                failed++;
            next_to_connect++;
        }
        if (failed > 0 || dropped > 0) {
            failure = failed > 0 ? "connections failed" : "server closed connections";
            break;
        }
        /* Everyone connected: probe until everyone has seen a probe line. */
        if (!ready && open_count == connections) {
            if (probed_count == must_probe) {
                ready = true;
                ready_ns = send_start_ns = now;
            } else if (now - probe_ns > 100000000) {
                char probe[32];
                snprintf(probe, sizeof probe, "#P %ld", ++probe_round);
                if (!send_text(&conns[redis_mode ? clients : 0], probe)) {
                    failure = "cannot send probe";
                    break;
                }
                probe_ns = now;
            }
        }
        if (ready) {
            bool all_done = true;
            for (long s = 0; s < senders; s++) {
                while (sent[s] < lines_per_sender && sent[s] - completed[s] < window) {
                    char line[96];
                    snprintf(line, sizeof line, "#L %ld %ld %lld", s, sent[s], (long long)now_ns());
                    if (!send_text(&conns[redis_mode ? clients + s : s], line)) {
                        failure = "a sender could not send";
                        break;
                    }
                    sent[s]++;
                }
                if (completed[s] < lines_per_sender)
                    all_done = false;
            }
            if (*failure != '\0')
                break;
            if (all_done) {
                finished = true;
                break;
            }
        }

        int wait_ms = (int)((deadline_ns - now) / 1000000) + 1;
        if (!ready && open_count == connections && wait_ms > 200)
            wait_ms = 200; /* come back to probe again */
        int count = epoll_wait(epoll_fd, events, 512, wait_ms);
        if (count == -1) {
            if (errno == EINTR)
                continue;
            die_errno("epoll_wait");
        }
        for (int i = 0; i < count; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->state == CONNECTING) {
                connecting--;
                if (finish_connect(c)) {
                    open_count++;
                    if (redis_mode && c - conns < clients && !subscribe(c)) {
                        close_conn(c);
                        open_count--;
                        failed++;
                    }
                } else {
                    if (connect_warnings++ < 3)
                        warn_errno("connect (client %ld)", (long)(c - conns));
                    close_conn(c);
                    failed++;
                }
                continue;
            }
            if (c->state == OPEN && !read_lines(c, room_line)) {
                close_conn(c);
                dropped++;
            }
        }
    }
    int64_t end_ns = last_delivery_ns > send_start_ns ? last_delivery_ns : now_ns();
    double seconds = ready ? (double)(end_ns - send_start_ns) / 1e9 : 0;
    uint64_t lost = expected_total > delivered ? expected_total - delivered : 0;
    bool ok = *failure == '\0' && lost == 0 && disorder == 0 && junk == 0;
    if (open_count > clients)
        open_count = clients; /* the subscribers, not Redis's publishing connections */
    printf("loadgen: %ld of %ld clients connected, ready after %.2f s\n", open_count, clients,
           ready ? (double)(ready_ns - start_ns) / 1e9 : -1.0);
    if (!ok)
        printf("loadgen: FAILED: %s\n", *failure != '\0' ? failure : "lines lost or out of order");
    printf("result: mode=%s clients=%ld senders=%ld lines=%ld window=%ld connected=%ld "
           "failed=%ld dropped=%ld expected=%llu delivered=%llu lost=%llu disorder=%llu "
           "junk=%llu seconds=%.3f deliveries_per_s=%.0f p50_ms=%.3f p99_ms=%.3f status=%s\n",
           redis_mode ? "redis" : "room", clients, senders, senders * lines_per_sender, window, open_count, failed, dropped,
           (unsigned long long)expected_total, (unsigned long long)delivered,
           (unsigned long long)lost, (unsigned long long)disorder, (unsigned long long)junk,
           seconds, seconds > 0 ? (double)delivered / seconds : 0.0, percentile_ms(0.50),
           percentile_ms(0.99), ok ? "ok" : "failed");
    free(sent);
    free(completed);
    free(receipts);
    free(next_expected);
    return ok ? 0 : 1;
}

/* --- exchange mode -------------------------------------------------------- */

static const char expected_reply[] = "我已经收到了";

static int run_exchange(long clients, long total, int64_t deadline_ns)
{
    long started = 0, succeeded = 0, failed = 0, active = 0;
    long *free_slots = malloc((size_t)clients * sizeof *free_slots);
    if (free_slots == NULL)
        die("out of memory");
    long free_count = 0;
    for (long i = clients - 1; i >= 0; i--)
        free_slots[free_count++] = i;
    long wrong = 0;
    int64_t start_ns = now_ns();
    struct epoll_event events[512];

    while (succeeded + failed < total && now_ns() < deadline_ns) {
        while (free_count > 0 && started < total) {
            struct conn *c = &conns[free_slots[--free_count]];
            c->number = started++;
            c->started_ns = now_ns();
            c->reply_length = 0;
            c->greeting_sent = 0;
            int length = snprintf(c->greeting, sizeof c->greeting,
                                  "%ld你好 我是client,你收到了么?", c->number);
            c->greeting_length = (size_t)length;
            if (start_connect(c)) {
                active++;
            } else {
                failed++;
                free_slots[free_count++] = c - conns;
            }
        }
        int64_t left_ms = (deadline_ns - now_ns()) / 1000000 + 1;
        int count = epoll_wait(epoll_fd, events, 512, (int)left_ms);
        if (count == -1) {
            if (errno == EINTR)
                continue;
            die_errno("epoll_wait");
        }
        for (int i = 0; i < count; i++) {
            struct conn *c = events[i].data.ptr;
            bool done = false, ok = false;
            if (c->state == CONNECTING) {
                if (!finish_connect(c)) {
                    done = true;
                } else {
                    ssize_t n = send(c->fd, c->greeting, c->greeting_length, MSG_NOSIGNAL);
                    done = n != (ssize_t)c->greeting_length;
                }
            } else if (c->state == OPEN) {
                ssize_t n = recv(c->fd, c->reply + c->reply_length,
                                 sizeof c->reply - c->reply_length, 0);
                if (n > 0) {
                    c->reply_length += (size_t)n;
                    if (c->reply_length == sizeof c->reply)
                        done = true; /* far too long: wrong */
                } else if (n == 0) {
                    done = true;
                    ok = c->reply_length == sizeof expected_reply - 1 &&
                         memcmp(c->reply, expected_reply, c->reply_length) == 0;
                    if (!ok)
                        wrong++;
                } else if (errno != EAGAIN && errno != EINTR) {
                    done = true;
                }
            }
            if (done) {
                if (ok) {
                    succeeded++;
                    record_latency(now_ns() - c->started_ns);
                } else {
                    failed++;
                }
                close_conn(c);
                active--;
                free_slots[free_count++] = c - conns;
            }
        }
    }
    double seconds = (double)(now_ns() - start_ns) / 1e9;
    long missing = total - succeeded - failed;
    bool all_ok = failed == 0 && missing == 0;
    if (!all_ok)
        printf("loadgen: FAILED: %ld exchanges failed (%ld wrong replies), %ld not done in time\n",
               failed, wrong, missing);
    printf("result: mode=exchange clients=%ld total=%ld succeeded=%ld failed=%ld missing=%ld "
           "seconds=%.3f exchanges_per_s=%.0f p50_ms=%.3f p99_ms=%.3f status=%s\n",
           clients, total, succeeded, failed, missing, seconds,
           seconds > 0 ? (double)succeeded / seconds : 0.0, percentile_ms(0.50),
           percentile_ms(0.99), all_ok ? "ok" : "failed");
    (void)active;
    free(free_slots);
    return all_ok ? 0 : 1;
}

/* --- idle mode ------------------------------------------------------------ */

static int run_idle(long clients, int64_t deadline_ns)
{
    long next_to_connect = 0, connecting = 0, open_count = 0, failed = 0, dropped = 0;
    bool announced = false;
    struct epoll_event events[512];
    int64_t now;
    while ((now = now_ns()) < deadline_ns) {
        while (next_to_connect < clients && connecting < max_connecting) {
            if (start_connect(&conns[next_to_connect]))
                connecting++;
            else
                failed++;
            next_to_connect++;
        }
        if (!announced && open_count + failed + dropped == clients) {
            printf("loadgen: idle: %ld connections open\n", open_count);
            announced = true;
        }
        int count = epoll_wait(epoll_fd, events, 512, (int)((deadline_ns - now) / 1000000) + 1);
        if (count == -1) {
            if (errno == EINTR)
                continue;
            die_errno("epoll_wait");
        }
        for (int i = 0; i < count; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->state == CONNECTING) {
                connecting--;
                if (finish_connect(c)) {
                    open_count++;
                } else {
                    if (connect_warnings++ < 3)
                        warn_errno("connect (client %ld)", (long)(c - conns));
                    close_conn(c);
                    failed++;
                }
            } else if (c->state == OPEN) {
                char ignored[512]; /* an idle client reads what comes: nothing, or the end */
                ssize_t n = recv(c->fd, ignored, sizeof ignored, 0);
                if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
                    close_conn(c);
                    open_count--;
                    dropped++;
                }
            }
        }
    }
    bool ok = failed == 0 && dropped == 0 && open_count == clients;
    printf("result: mode=idle clients=%ld connected=%ld failed=%ld dropped=%ld status=%s\n",
           clients, open_count, failed, dropped, ok ? "ok" : "failed");
    return ok ? 0 : 1;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 8, arguments, help);
    if (argc < 2)
        die_usage(arguments, "a mode is needed");
    redis_mode = strcmp(argv[1], "redis") == 0;
    bool room = redis_mode || strcmp(argv[1], "room") == 0;
    bool idle = strcmp(argv[1], "idle") == 0;
    if (!room && !idle && strcmp(argv[1], "exchange") != 0)
        die_usage(arguments, "unknown mode '%s'", argv[1]);
    if ((room && (argc < 7 || argc > 9)) || (idle && argc != 6) ||
        (!room && !idle && (argc < 6 || argc > 7)))
        die_usage(arguments, "wrong number of arguments for %s", argv[1]);
    const char *host = argv[2];
    const char *port = argv[3];
    check_port(port, arguments);
    long clients = parse_number(argv[4], "clients", 1, 100000, arguments);
    long total = 0, seconds;
    if (room) {
        if (clients < 2)
            die_usage(arguments, "a room needs at least 2 clients");
        senders = parse_number(argv[5], "senders", 1, clients, arguments);
        lines_per_sender = parse_number(argv[6], "lines", 1, 1000000, arguments);
        window = argc > 7 ? parse_number(argv[7], "window", 1, 1000, arguments) : 4;
        seconds = argc > 8 ? parse_number(argv[8], "seconds", 1, 3600, arguments) : 60;
    } else if (idle) {
        seconds = parse_number(argv[5], "seconds", 1, 3600, arguments);
    } else {
        total = parse_number(argv[5], "total", 1, 10000000, arguments);
        seconds = argc > 6 ? parse_number(argv[6], "seconds", 1, 3600, arguments) : 60;
    }
    long connections = redis_mode ? clients + senders : clients;
    raise_file_limit(connections);
    const char *batch = getenv("LOADGEN_CONNECTING");
    if (batch != NULL)
        max_connecting = parse_number(batch, "LOADGEN_CONNECTING", 1, 100000, arguments);

    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int rc = getaddrinfo(host, port, &hints, &server);
    if (rc != 0)
        die_gai(rc, "cannot resolve '%s' port %s", host, port);

    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd == -1)
        die_errno("epoll_create1");
    conn_count = clients;
    conns = calloc((size_t)connections, sizeof *conns);
    histogram = calloc(HISTOGRAM_BUCKETS, sizeof *histogram);
    if (conns == NULL || histogram == NULL)
        die("out of memory");
    for (long i = 0; i < connections; i++) {
        conns[i].fd = -1;
        conns[i].state = IDLE;
    }
    char address[ADDRESS_TEXT_SIZE];
    format_address(server->ai_addr, server->ai_addrlen, address);
    if (room)
        printf("loadgen: %s %s: %ld clients, %ld of them send %ld lines each "
               "(at most %ld in flight), each line goes to the %ld others\n",
               redis_mode ? "redis" : "room", address, clients, senders, lines_per_sender,
               window, clients - 1);
    else if (idle)
        printf("loadgen: idle %s: %ld connections that send nothing, held for %ld s\n",
               address, clients, seconds);
    else
        printf("loadgen: exchange %s: %ld one-shot exchanges, %ld at a time\n",
               address, total, clients);

    int64_t deadline_ns = now_ns() + (int64_t)seconds * 1000000000;
    int status = room ? run_room(clients, deadline_ns)
                 : idle ? run_idle(clients, deadline_ns)
                        : run_exchange(clients, total, deadline_ns);

    for (long i = 0; i < connections; i++)
        close_conn(&conns[i]);
    free(conns);
    free(histogram);
    freeaddrinfo(server);
    close(epoll_fd);
    return status;
}
