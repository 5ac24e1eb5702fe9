/*
 * common/signals.h - letting a server stop cleanly, and survive a lost peer.
 *
 * stop_on_signals() makes SIGINT (Ctrl-C) and SIGTERM (kill, a test's
 * teardown) set stop_requested instead of killing the process. The handler is
 * installed WITHOUT SA_RESTART on purpose: a server blocked in recvfrom() or
 * accept() then gets -1 with errno EINTR, sees stop_requested, leaves its
 * loop, closes its socket and exits 0. With SA_RESTART the kernel would
 * restart the blocked call and the server would never notice the signal.
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

void stop_on_signals(void);
void ignore_sigpipe(void);

#endif
