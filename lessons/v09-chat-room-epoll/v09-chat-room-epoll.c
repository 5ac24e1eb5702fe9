/*
 * v09-chat-room-epoll - the v08 chat room, same protocol, same rules, driven
 * by Linux epoll instead of poll(). Linux only.
 *
 * Run:   build/v09-chat-room-epoll [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then, in two or more other terminals:  build/v07-chat-client
 *        Stop the room with Ctrl-C.
 * Walkthrough: docs/v09-chat-room-epoll.md   Numbers: docs/bench.md
 * Next:        bench/loadgen.c and `make bench`, which measure v04, v08, v09.
 *
 * What changed since v08, and why: each turn, v08 hands poll() an array of
 * every socket, and the kernel checks every one of them; then v08 looks at
 * every entry to find the few that are ready. With 10,000 mostly quiet
 * clients that is 10,000 checks per turn for a handful of events. epoll keeps
 * the list of watched sockets inside the kernel (epoll_ctl adds a socket
 * once, when it joins), and epoll_wait() returns only the ready ones: the
 * cost of a turn follows the number of events, not the number of clients.
 * The price: epoll exists only on Linux (BSD and macOS have kqueue), and a
 * change of interest (now also tell me when it can be written) is a system
 * call, epoll_ctl, instead of a bit in an array.
 */
#include "error.h"
#include "net.h"
#include "room.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "A chat room on HOST:PORT (default 127.0.0.1:1914), driven by Linux epoll:\n"
    "each line a client sends goes to every other client as \"userN: line\".\n"
    "PORT 0 lets the system choose. Ctrl-C or SIGTERM stops it.\n";

/* How many ready sockets one epoll_wait() may report; more wait for the next. */
enum { EVENTS_PER_TURN = 256 };

/*
 * The room calls this when what it needs from FD changes. Unlike poll(),
 * epoll remembers what we asked for, so we must tell it: EPOLLIN only while
 * the client is within its share, EPOLLOUT only while output waits, and
 * nothing at all (the socket leaves the list) when it needs neither, because
 * epoll reports an error or hang-up on a listed socket whatever we ask for.
 */
static bool watch(void *context, int fd, int events)
{
    int epoll_fd = *(int *)context;
    if (events == 0) {
        if (epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL) == -1 && errno != ENOENT) {
            warn_errno("epoll_ctl DEL %d", fd);
            return false;
        }
        return true;
    }
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = (events & ROOM_READ ? EPOLLIN : 0) | (events & ROOM_WRITE ? EPOLLOUT : 0);
    event.data.fd = fd;
    /* MOD a socket already on the list; ADD a new one (or one taken off). */
    if (epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) == -1 &&
        (errno != ENOENT || epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) == -1)) {
        warn_errno("epoll_ctl %d", fd);
        return false; /* the room will ask again */
    }
    return true;
}

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals(); /* Ctrl-C and SIGTERM write a byte into stop_fd() */
    ignore_sigpipe();  /* a client that vanished must not kill the room */

    /* Steps 1-3 of v04 (socket, bind, listen) in one call, as in v08. */
    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);

    /* Non-blocking, as in v08: accept() must never block the room. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    /* The epoll instance: the kernel's own list of the descriptors we watch.
     * Each entry carries the descriptor back to us in data.fd. The stop pipe
     * goes on the list here; the room puts the listening socket and each
     * client on it, and changes them, through watch(). */
    int epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd == -1)
        die_errno("epoll_create1");
    if (!watch(&epoll_fd, stop_fd(), ROOM_READ))
        die("cannot watch the stop pipe");

    struct room room;
    room_init(&room, listen_fd, watch, &epoll_fd);
    room_log(&room, "listening on %s", address_text);
    int exit_status = 0; /* 1 if the loop ends on an error */

    while (!stop_requested) {
        /* 4. 等待: wait until a socket is ready, the stop pipe is readable,
         *    or the room's clock needs a look. epoll_wait() fills EVENTS
         *    with the ready ones only: with 10,000 clients and one
         *    speaking, it returns one event, not 10,000 entries to scan. */
        struct epoll_event events[EVENTS_PER_TURN];
        int ready = epoll_wait(epoll_fd, events, EVENTS_PER_TURN, room_timeout(&room));
        if (ready == -1) {
            if (errno == EINTR)
                continue; /* a signal: the loop condition sees stop_requested */
            warn_errno("epoll_wait");
            exit_status = EXIT_RUNTIME_ERROR;
            break;
        }

        for (int i = 0; i < ready; i++) {
            int fd = events[i].data.fd;
            if (fd == stop_fd())
                continue; /* stop_requested is set: the loop ends */
            if (fd == listen_fd) {
                /* 6. 接受访问的Socket: accept the waiting connections, a
                 *    bounded number per turn, exactly as v08 does. */
                for (int n = 0; n < ROOM_ACCEPTS_PER_TURN; n++) {
                    struct sockaddr_storage peer;
                    socklen_t peer_length = sizeof peer;
                    int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
                    if (connection_fd == -1) {
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                            break; /* nobody else is waiting */
                        if (room_accept_failed(&room, errno))
                            continue;
                        break;
                    }
                    room_join(&room, connection_fd, (struct sockaddr *)&peer, peer_length);
                }
                continue;
            }
            /* 5. 接受对方的发送内容: read from a client that has something,
             *    write to one that can take more. A client that left earlier
             *    in this turn is no client of the room any more at this
             *    descriptor, and the room ignores the event. */
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                room_readable(&room, fd);
            if (events[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
                room_writable(&room, fd);
        }

        /* 7. 给对方反馈: write out what this turn produced, to every client
         *    whose socket takes it, and look at the clock. */
        room_end_turn(&room);
    }

    /* 8. 关闭链路: close every connection, epoll and the listening socket. */
    if (exit_status == 0)
        room_log(&room, "stopped");
    room_close(&room);
    close(epoll_fd);
    close(listen_fd);
    return exit_status;
}
