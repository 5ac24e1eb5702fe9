/*
 * common/signals.h - letting a server stop cleanly, and survive a lost peer.
 *
 * stop_on_signals() makes SIGINT (Ctrl-C) and SIGTERM (kill, a test's
 * teardown) set stop_requested instead of killing the process. Taught in
 * lessons/v03-udp-server-loop, which also shows why a flag alone is not
 * enough:
 *
 *   while (!stop_requested)      <- the loop checks the flag: still 0
 *                                <- SIGTERM lands HERE: the flag becomes 1
 *       recvfrom(...);           <- ...and the server blocks anyway, until
 *                                   a datagram that may never come
 *
 * Leaving out SA_RESTART makes a signal that arrives DURING the blocking call
 * interrupt it (EINTR); it does nothing for one that arrives just BEFORE it.
 * So the handler also writes one byte into a pipe (the "self-pipe trick"):
 * a server waits in poll() (or select, or epoll) on its sockets AND on
 * stop_fd(), the pipe's read end. A signal that came before the wait left its
 * byte in the pipe, so the wait returns at once; one that comes during the
 * wait makes the pipe readable (and interrupts it with EINTR). Either way
 * nothing is lost. The pipe is plain POSIX and works with any event wait.
 *
 * ignore_sigpipe(): writing to a connection the peer has closed raises
 * SIGPIPE, whose default action kills the process. A server must not die
 * because one client went away, so it ignores SIGPIPE and handles the EPIPE
 * error that send() returns instead.
 *
 * Read next: lessons/v03-udp-server-loop (the first server that loops).
 */
#ifndef SOCKSTEP_SIGNALS_H
#define SOCKSTEP_SIGNALS_H

#include <signal.h>

extern volatile sig_atomic_t stop_requested;

/*
 * Installs the stop handler for SIGINT and SIGTERM (without SA_RESTART) and
 * opens the stop pipe. Both pipe ends are non-blocking and close-on-exec;
 * they are closed at exit. Exits on failure.
 */
void stop_on_signals(void);

/*
 * The read end of the stop pipe: readable once a stop was requested. Put it
 * in the set of descriptors the event wait watches (never read it: it stays
 * readable, so every later wait returns at once too).
 */
int stop_fd(void);

/*
 * Closes both ends of the stop pipe. A forked child that leaves with _exit()
 * (v10) calls it first: _exit() runs no atexit cleanup, and the child has no
 * use for the parent's stop pipe.
 */
void stop_pipe_close(void);

void ignore_sigpipe(void);

#endif
