/*
 * v10-tcp-server-fork - v04's exchange, with a child process per connection.
 * The parent only accepts; for each connection it fork()s a child, which
 * receives at most 500 bytes, prints them, replies 我已经收到了, closes the
 * connection and exits. A client that says nothing keeps only its own child
 * waiting; everybody else is served.
 *
 * Run:   build/v10-tcp-server-fork [HOST [PORT]]   (default 127.0.0.1 1914)
 *        then, in a second terminal:  build/v05-tcp-client
 *        Stop the server with Ctrl-C.
 * Walkthrough: docs/v10-tcp-server-fork.md
 * Next:        lessons/v11-tcp-server-threads, the same with threads.
 *
 * What changed since v04, and why: v04 serves one client at a time, so one
 * silent client blocks everyone. Here each connection gets a process of its
 * own. That brings three new jobs for the parent: collect its dead children
 * (or they stay as zombies), survive the SIGCHLD signal that announces them
 * (EINTR), and tell its children when the server stops.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Serves TCP clients on HOST:PORT (default 127.0.0.1:1914), a child process\n"
    "per connection: prints the first 500 bytes each one sends, replies\n"
    "我已经收到了 and closes the connection. PORT 0 lets the system choose.\n"
    "Ctrl-C or SIGTERM stops it.\n";

static const char reply[] = "我已经收到了";

/* SIGCHLD: one or more children have ended. Collect them all: signals of
 * the same kind do not queue, so while one SIGCHLD is pending a second one
 * is lost, and a single call must stand for every child that died. WNOHANG
 * returns 0 at once when the others are still running. waitpid() may change
 * errno, which the interrupted code may be about to read. */
static void collect_children(int signal_number)
{
    (void)signal_number;
    int saved_errno = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0)
        continue;
    errno = saved_errno;
}

static void collect_children_on_sigchld(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = collect_children;
    sigemptyset(&action.sa_mask);
    /* SA_RESTART resumes the calls that can be resumed; poll() never is, so
     * the main loop still sees EINTR. SA_NOCLDSTOP: no signal when a child
     * is merely stopped (Ctrl-Z), only when it ends. */
    action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
    if (sigaction(SIGCHLD, &action, NULL) == -1)
        die_errno("sigaction SIGCHLD");
}

/* What a child does: steps 5 to 7 of v04, for one client. It waits in
 * poll() for the client's bytes OR the end of the lifeline (the parent is
 * stopping), so a silent client cannot keep it alive after the server. */
static void serve_client(int connection_fd, const char *peer_text, int lifeline_fd)
{
    struct pollfd wait_for[2] = {
        { .fd = connection_fd, .events = POLLIN },
        { .fd = lifeline_fd, .events = POLLIN },
    };
    while (poll(wait_for, 2, -1) == -1) {
        if (errno != EINTR) {
            warn_errno("poll");
            return;
        }
    }
    if (wait_for[0].revents == 0)
        return; /* the parent closed the lifeline: the server is stopping */

    /* 5. 接受对方的发送内容: receive at most 500 bytes, as in v04. */
    char message[TUTORIAL_BUFFER_SIZE];
    ssize_t received = recv(connection_fd, message, sizeof message, 0);
    if (received == -1) {
        warn_errno("recv from %s", peer_text);
        return;
    }
    if (received == 0) {
        warn("%s closed the connection without sending anything", peer_text);
        return;
    }
    fwrite(message, 1, (size_t)received, stdout);
    putchar('\n');

    /* 6. 给对方反馈: send the reply. */
    if (send(connection_fd, reply, strlen(reply), 0) == -1)
        warn_errno("send to %s", peer_text);
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
    ignore_sigpipe();
    collect_children_on_sigchld();

    /* The lifeline: only the parent holds the write end. When it closes it
     * (on stop, or when it dies), every child's read end reports the end of
     * the file, and the children know the server is going away. */
    int lifeline[2];
    if (pipe(lifeline) == -1)
        die_errno("pipe (lifeline)");

    /* Steps 1-3 of v04 (socket, bind, listen) in one call. */
    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    /* Non-blocking: if a queued client leaves between poll() and accept(),
     * accept() says EAGAIN instead of waiting for the next one. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    printf("%s: listening on %s\n", program_name(), address_text);

    struct pollfd wait_for[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    while (!stop_requested) {
        /* Wait for a client or a stop. SIGCHLD interrupts the wait each
         * time a child ends: EINTR, which only means "look again". */
        if (poll(wait_for, 2, -1) == -1) {
            if (errno == EINTR)
                continue;
            die_errno("poll");
        }
        if (wait_for[1].revents != 0)
            break;

        /* 4. 接受访问的Socket: accept a connection. */
        struct sockaddr_storage peer;
        socklen_t peer_length = sizeof peer;
        int connection_fd = accept(listen_fd, (struct sockaddr *)&peer, &peer_length);
        if (connection_fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN || errno == EWOULDBLOCK)
                continue; /* a signal, or a client that left while queued */
            die_errno("accept");
        }
        char peer_text[ADDRESS_TEXT_SIZE];
        format_address((struct sockaddr *)&peer, peer_length, peer_text);

        /* The child gets a copy of everything, stdout's buffer included:
         * flush it first, or a line still in it would be printed twice.
         * (stdout is line buffered, so it is empty here; this says so.) */
        fflush(stdout);
        pid_t child = fork();
        if (child == -1) {
            /* Too many processes: this client is turned away, others later
             * may be served. */
            warn_errno("fork");
            close(connection_fd);
            continue;
        }
        if (child == 0) {
            /* The child. It never accepts: it closes its copy of the
             * listening socket, and of the lifeline's write end (or the
             * lifeline would never end while any child lives). */
            close(listen_fd);
            close(lifeline[1]);
            /* A stop is the parent's business; Ctrl-C on a terminal, which
             * reaches the whole process group, simply ends a child. */
            signal(SIGINT, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            serve_client(connection_fd, peer_text, lifeline[0]);
            /* 7. 关闭链路: close the link to this client. */
            close(connection_fd);
            close(lifeline[0]);
            stop_pipe_close(); /* _exit() below runs no atexit cleanup */
            /* _exit, not exit: the parent's exit handlers and stdio buffers
             * belong to the parent. */
            _exit(0);
        }
        /* The parent. The connection is the child's now: close our copy, or
         * the client would never see the end of the connection (the socket
         * stays open while any process holds it) and the parent would run
         * out of descriptors after about a thousand clients. */
        close(connection_fd);
    }

    /* Stop: no more accepts. Closing the lifeline tells every child still
     * waiting for its client to give up; then wait for them, at most half a
     * second (a child's last steps take microseconds). */
    close(listen_fd);
    close(lifeline[1]);
    for (int tries = 0; tries < 50; tries++) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid == -1 && errno == ECHILD)
            break; /* no children left */
        if (pid <= 0)
            poll(NULL, 0, 10); /* some still running: look again in 10 ms */
    }
    close(lifeline[0]);
    printf("%s: stopped\n", program_name());
    return 0;
}
