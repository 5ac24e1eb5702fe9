/*
 * v08-chat-room - a chat room for many clients at once, with poll(). Each
 * client is named userN; every line one client sends reaches all the others
 * as "userN: line", and joins and leaves are announced.
 *
 * Run:   build/v08-chat-room [HOST [PORT]]     (default 127.0.0.1 1914)
 *        then, in two or more other terminals:  build/v07-chat-client
 *        Stop the room with Ctrl-C.
 * Walkthrough: docs/v08-chat-room.md
 * Next:        lessons/v09-chat-room-epoll (the same room on Linux epoll).
 *
 * What changed since v04, and why: v04 is iterative. It serves one client
 * from accept() to close(), and while it waits in recv() for that client,
 * nobody else gets in: one client that connects and says nothing blocks
 * everyone. A chat room must serve all its clients at once. Instead of
 * blocking in accept() or recv() on one socket, it blocks in poll() on ALL of
 * them, and poll() returns as soon as any is ready. Every socket is
 * non-blocking, so no single read or write can stop the room either.
 * The room's rules (names, lines, the fair share of a flooder) live in
 * room.c next to this file; this file is the loop that drives them, and v09
 * swaps this loop for epoll. See the change: make diff A=v04 B=v08
 */
#include "error.h"
#include "net.h"
#include "room.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "A chat room on HOST:PORT (default 127.0.0.1:1914): each line a client\n"
    "sends goes to every other client as \"userN: line\". PORT 0 lets the system\n"
    "choose. Ctrl-C or SIGTERM stops it.\n";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals(); /* Ctrl-C and SIGTERM write a byte into stop_fd() */
    ignore_sigpipe();  /* a client that vanished must not kill the room */

    /* Steps 1-3 of v04 (socket, bind, listen) in one call: common/tcp.c
     * holds exactly v04's code, so it fails with the same messages. */
    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);

    /* The listening socket is non-blocking too: poll() may say "a connection
     * is waiting" and the client may give up before we call accept();
     * accept() must then fail with EAGAIN, not block. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");

    struct room room;
    room_init(&room, listen_fd, NULL, NULL); /* poll() needs no callback: see below */
    room_log(&room, "listening on %s", address_text);
    int exit_status = 0; /* 1 if the loop ends on an error */

    /* poll() takes an array of the descriptors to watch, rebuilt every turn:
     * the listening socket, the stop pipe, then each client's socket. */
    struct pollfd *fds = NULL;
    size_t fds_capacity = 0;

    while (!stop_requested) {
        if (room.slots + 2 > fds_capacity) {
            size_t capacity = room.slots + 2;
            struct pollfd *bigger = realloc(fds, capacity * sizeof *fds);
            if (bigger == NULL) {
                warn("out of memory for %zu sockets", capacity);
                exit_status = EXIT_RUNTIME_ERROR;
                break;
            }
            fds = bigger;
            fds_capacity = capacity;
        }
        /* "Readable" on the listening socket: a connection is waiting. While
         * the room is out of descriptors it stops asking (fd -1: skipped). */
        fds[0].fd = room_wants(&room, listen_fd) ? listen_fd : -1;
        fds[0].events = POLLIN;
        /* The stop pipe: readable once Ctrl-C or SIGTERM came, even if the
         * signal landed just before this poll() (common/signals.h). */
        fds[1].fd = stop_fd();
        fds[1].events = POLLIN;
        nfds_t nfds = 2;
        for (size_t fd = 0; fd < room.slots; fd++) {
            if (room.clients[fd] == NULL)
                continue; /* no client on this descriptor */
            /* Ask for what the room needs: input only while the client is
             * within its share, "writable" only while output waits for it
             * (a socket is nearly always writable: poll() would return at
             * once, every time). A client that needs neither is left out. */
            int wants = room_wants(&room, (int)fd);
            if (wants == 0)
                continue;
            fds[nfds].fd = (int)fd;
            fds[nfds].events = (short)((wants & ROOM_READ ? POLLIN : 0) |
                                       (wants & ROOM_WRITE ? POLLOUT : 0));
            nfds++;
        }

        /* 4. 等待: wait until a socket is ready, the stop pipe is readable,
         *    or the room's clock needs a look (a client that stopped
         *    reading). This is the only place the room ever blocks. poll()
         *    looks at every entry, every turn: with 10,000 clients, 10,000
         *    entries even if one client spoke. */
        int ready = poll(fds, nfds, room_timeout(&room));
        if (ready == -1) {
            if (errno == EINTR)
                continue; /* a signal: the loop condition sees stop_requested */
            warn_errno("poll");
            exit_status = EXIT_RUNTIME_ERROR;
            break;
        }

        /* 5. 接受对方的发送内容: read from every client that has something,
         *    write to every client that can take more (POLLHUP and POLLERR
         *    too: the read or write then reports the end). */
        for (nfds_t i = 2; i < nfds; i++) {
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
                room_readable(&room, fds[i].fd);
            if (fds[i].revents & (POLLOUT | POLLHUP | POLLERR))
                room_writable(&room, fds[i].fd);
        }

        /* 6. 接受访问的Socket: accept the connections that are waiting, a
         *    bounded number per turn so a crowd at the door cannot starve
         *    the clients already inside. */
        if (fds[0].revents & POLLIN) {
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
        }

        /* 7. 给对方反馈: write out what this turn produced, to every client
         *    whose socket takes it, and look at the clock. */
        room_end_turn(&room);
    }

    /* 8. 关闭链路: close every connection and the listening socket. */
    if (exit_status == 0)
        room_log(&room, "stopped");
    room_close(&room);
    free(fds);
    close(listen_fd);
    return exit_status;
}
