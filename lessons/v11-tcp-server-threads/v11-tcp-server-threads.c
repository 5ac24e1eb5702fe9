/*
 * v11-tcp-server-threads - v04's exchange, with a thread per connection.
 * The main thread only accepts; for each connection it starts a detached
 * thread, which receives at most 500 bytes, prints them, replies
 * 我已经收到了, closes the connection and ends. A client that says nothing
 * keeps only its own thread waiting.
 *
 * Run:   build/v11-tcp-server-threads [HOST [PORT]]   (default 127.0.0.1 1914)
 *        then, in a second terminal:  build/v05-tcp-client
 *        Stop the server with Ctrl-C.
 * Build: the Makefile adds -pthread for this lesson.
 * Walkthrough: docs/v11-tcp-server-threads.md
 * Next:        lessons/v12-tcp-server-pool, a fixed set of workers.
 *
 * What changed since v10, and why: a thread is much cheaper to start than
 * a process, and nothing has to be collected when it ends (it is detached),
 * so there are no zombies and no SIGCHLD. The price: every thread shares the
 * process's memory, descriptors and stdio streams. Each thread gets its
 * connection in memory of its own, prints whole lines, and counts itself in
 * and out, so that a stop can wait for the threads still running.
 */
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Serves TCP clients on HOST:PORT (default 127.0.0.1:1914), a thread per\n"
    "connection: prints the first 500 bytes each one sends, replies\n"
    "我已经收到了 and closes the connection. PORT 0 lets the system choose.\n"
    "Ctrl-C or SIGTERM stops it.\n";

static const char reply[] = "我已经收到了";

/* What one thread needs. Each thread gets its own, on the heap: a variable
 * in main's loop would be overwritten by the next accept() while the thread
 * may not have read it yet. */
struct client {
    int connection_fd;
    char peer_text[ADDRESS_TEXT_SIZE];
};

/* How many client threads are running, so that a stop can wait for them.
 * Shared by every thread, so only touched with the mutex held. */
static pthread_mutex_t threads_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t thread_ended = PTHREAD_COND_INITIALIZER;
static int threads_running = 0;

/* A client thread: steps 5 to 7 of v04, for one client. It waits in poll()
 * for the client's bytes OR a stop: stop_fd() is readable once a stop was
 * requested, for every thread of the process. */
static void *serve_client(void *argument)
{
    struct client *client = argument;
    struct pollfd wait_for[2] = {
        { .fd = client->connection_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    int ready;
    while ((ready = poll(wait_for, 2, -1)) == -1 && errno == EINTR)
        continue; /* errno is per thread: no other thread can change it here */

    if (ready == -1) {
        warn_errno("poll");
    } else if (wait_for[0].revents != 0) {
        /* 5. 接受对方的发送内容: receive at most 500 bytes, as in v04. */
        char message[TUTORIAL_BUFFER_SIZE];
        ssize_t received = recv(client->connection_fd, message, sizeof message, 0);
        if (received > 0) {
            /* Print the message and its newline as ONE line: without the
             * lock, another thread's output could land between the two calls.
             * stdio locks each call, flockfile() holds the lock for both. */
            flockfile(stdout);
            fwrite(message, 1, (size_t)received, stdout);
            putchar('\n');
            funlockfile(stdout);

            /* 6. 给对方反馈: send the reply. */
            if (send(client->connection_fd, reply, strlen(reply), 0) == -1) {
                flockfile(stderr); /* a warning is several writes: keep it whole */
                warn_errno("send to %s", client->peer_text);
                funlockfile(stderr);
            }
        } else {
            flockfile(stderr);
            if (received == 0)
                warn("%s closed the connection without sending anything", client->peer_text);
            else
                warn_errno("recv from %s", client->peer_text);
            funlockfile(stderr);
        }
    } /* else: a stop was requested; leave the silent client */

    /* 7. 关闭链路: close the link to this client. */
    close(client->connection_fd);
    free(client);

    pthread_mutex_lock(&threads_lock);
    threads_running--;
    pthread_cond_signal(&thread_ended);
    pthread_mutex_unlock(&threads_lock);
    return NULL;
}

/* Starts a detached thread for CLIENT. Detached: nobody will pthread_join()
 * it, so the system frees everything of it as soon as it ends. */
static int start_client_thread(struct client *client)
{
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);

    /* A new thread inherits the creator's signal mask: block SIGINT and
     * SIGTERM while creating it, so that the stop signals are handled by
     * the main thread only (the self-pipe would work in any thread, but
     * then poll() in main would not see EINTR). */
    sigset_t stop_signals, old_mask;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);

    pthread_mutex_lock(&threads_lock);
    threads_running++;
    pthread_mutex_unlock(&threads_lock);
    pthread_t thread;
    int rc = pthread_create(&thread, &attributes, serve_client, client);
    if (rc != 0) {
        pthread_mutex_lock(&threads_lock);
        threads_running--;
        pthread_mutex_unlock(&threads_lock);
    }

    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    pthread_attr_destroy(&attributes);
    return rc;
}

/* After a stop: wait until every client thread has ended, at most half a
 * second (each one sees stop_fd() at once; its last steps take
 * microseconds). Returns how many are still running. */
static int wait_for_threads(void)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 500000000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&threads_lock);
    while (threads_running > 0) {
        if (pthread_cond_timedwait(&thread_ended, &threads_lock, &deadline) == ETIMEDOUT)
            break;
    }
    int left = threads_running;
    pthread_mutex_unlock(&threads_lock);
    return left;
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

    /* Steps 1-3 of v04 (socket, bind, listen) in one call. */
    char address_text[ADDRESS_TEXT_SIZE];
    int listen_fd = tcp_listen(host, port, address_text);
    /* Non-blocking, as in v10: accept() after poll() never waits. */
    int flags = fcntl(listen_fd, F_GETFL);
    if (flags == -1 || fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK");
    printf("%s: listening on %s\n", program_name(), address_text);

    struct pollfd wait_for[2] = {
        { .fd = listen_fd, .events = POLLIN },
        { .fd = stop_fd(), .events = POLLIN },
    };
    while (!stop_requested) {
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
                continue;
            die_errno("accept");
        }
        struct client *client = malloc(sizeof *client);
        if (client == NULL) {
            warn("out of memory: turning a client away");
            close(connection_fd);
            continue;
        }
        client->connection_fd = connection_fd;
        format_address((struct sockaddr *)&peer, peer_length, client->peer_text);

        /* pthread functions return the error number instead of setting
         * errno. Too many threads: this client is turned away. */
        int rc = start_client_thread(client);
        if (rc != 0) {
            errno = rc;
            warn_errno("pthread_create");
            close(connection_fd);
            free(client);
        }
    }

    /* Stop: no more accepts; the threads see stop_fd() too. */
    close(listen_fd);
    int left = wait_for_threads();
    if (left > 0) {
        warn("%d client threads still running at exit", left);
        printf("%s: stopped\n", program_name());
        return 0; /* exit() ends them wherever they are */
    }
    printf("%s: stopped\n", program_name());
    /* Every thread has said it is done, but the last ones may still be on
     * their way out of serve_client(). pthread_exit() ends only the main
     * thread: the process exits (status 0) when its last thread has. */
    pthread_exit(NULL);
}
