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
 * The room's rules (names, lines, queues) live in common/room.c; this file
 * is the loop that drives them, and v09 swaps this loop for epoll.
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
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    stop_on_signals();
    ignore_sigpipe(); /* a client that vanished must not kill the room */

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
    printf("%s: listening on %s\n", program_name(), address_text);

    struct room room;
    room_init(&room, NULL, NULL); /* poll() needs no callback: see below */
    int exit_status = 0;          /* 1 if the loop ends on an error */

    /* poll() takes an array: entry 0 is the listening socket, entry i > 0 is
     * client polled[i]. It is rebuilt every turn from the room's clients. */
    struct pollfd *fds = NULL;
    struct room_client **polled = NULL;
    size_t fds_capacity = 0;

    while (!stop_requested) {
        size_t nfds = room.count + 1;
        if (nfds > fds_capacity) {
            size_t capacity = nfds * 2;
            struct pollfd *new_fds = realloc(fds, capacity * sizeof *fds);
            if (new_fds != NULL)
                fds = new_fds;
            struct room_client **new_polled =
                realloc(polled, capacity * sizeof *polled);
            if (new_polled != NULL)
                polled = new_polled;
            if (new_fds == NULL || new_polled == NULL) {
                warn("out of memory for %zu sockets", nfds);
                exit_status = EXIT_RUNTIME_ERROR;
                break;
            }
            fds_capacity = capacity;
        }
        fds[0].fd = listen_fd;
        fds[0].events = POLLIN; /* "readable" = a connection is waiting */
        for (size_t i = 0; i < room.count; i++) {
            struct room_client *client = room.clients[i];
            polled[i + 1] = client;
            fds[i + 1].fd = client->fd;
            /* Always ask for input; ask for "writable" only while output
             * waits, or poll() would return at once, every time. */
            fds[i + 1].events = POLLIN;
            if (room_has_output(client))
                fds[i + 1].events |= POLLOUT;
        }

        /* 4. 等待: wait until at least one socket is ready. This is the only
         *    place the room ever blocks. -1: no timeout. A signal ends the
         *    wait with EINTR (no SA_RESTART), and the loop checks
         *    stop_requested. poll() looks at every entry, every turn: with
         *    10,000 clients, 10,000 entries even if one client spoke. */
        int ready = poll(fds, (nfds_t)nfds, -1);
        if (ready == -1) {
            if (errno == EINTR)
                continue;
            warn_errno("poll");
            exit_status = EXIT_RUNTIME_ERROR;
            break;
        }

        /* 5. 接受对方的发送内容: read from every client that has something
         *    (POLLHUP and POLLERR too: the read then reports the end). */
        for (size_t i = 1; i < nfds; i++) {
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
                room_readable(&room, polled[i]);
            if (fds[i].revents & POLLOUT)
                room_writable(&room, polled[i]);
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
                    if (room_accept_failed(&room, listen_fd, errno))
                        continue;
                    break;
                }
                room_join(&room, connection_fd, (struct sockaddr *)&peer, peer_length);
            }
        }

        /* 7. 给对方反馈: write out what this turn produced, one write() per
         *    client however many lines are waiting for it. */
        room_end_turn(&room);
    }

    /* 8. 关闭链路: close every connection and the listening socket. */
    if (exit_status == 0)
        printf("%s: stopped\n", program_name());
    room_close(&room);
    free(fds);
    free(polled);
    close(listen_fd);
    return exit_status;
}
