/*
 * common/signals.c - see common/signals.h for why these exist.
 */
#include "signals.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t stop_requested = 0;

/* [0] is read by the event wait, [1] is written by the handler. */
static int stop_pipe[2] = {-1, -1};

/* Only async-signal-safe work here: set a flag, write one byte. write() may
 * change errno, and the code the signal interrupted may be about to read it. */
static void request_stop(int signal_number)
{
    (void)signal_number;
    int saved_errno = errno;
    stop_requested = 1;
    if (stop_pipe[1] != -1) {
        ssize_t ignored = write(stop_pipe[1], "", 1); /* full pipe: a byte is there already */
        (void)ignored;
    }
    errno = saved_errno;
}

static void close_stop_pipe(void)
{
    for (int i = 0; i < 2; i++) {
        if (stop_pipe[i] != -1)
            close(stop_pipe[i]);
        stop_pipe[i] = -1;
    }
}

static void set_pipe_flags(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
        die_errno("fcntl O_NONBLOCK (stop pipe)");
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
        die_errno("fcntl FD_CLOEXEC (stop pipe)");
}

void stop_on_signals(void)
{
    if (stop_pipe[0] == -1) {
        if (pipe(stop_pipe) == -1)
            die_errno("pipe (stop pipe)");
        set_pipe_flags(stop_pipe[0]);
        set_pipe_flags(stop_pipe[1]);
        if (atexit(close_stop_pipe) != 0)
            die("atexit: cannot register the stop pipe's cleanup");
    }

    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: let the blocked call return EINTR */
    if (sigaction(SIGINT, &action, NULL) == -1)
        die_errno("sigaction SIGINT");
    if (sigaction(SIGTERM, &action, NULL) == -1)
        die_errno("sigaction SIGTERM");
}

int stop_fd(void)
{
    return stop_pipe[0];
}

void stop_pipe_close(void)
{
    close_stop_pipe();
}

void ignore_sigpipe(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGPIPE, &action, NULL) == -1)
        die_errno("sigaction SIGPIPE");
}
