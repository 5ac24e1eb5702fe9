/*
 * common/signals.c - see common/signals.h for why these exist.
 */
#include "signals.h"

#include "error.h"

#include <string.h>

volatile sig_atomic_t stop_requested = 0;

/* Only async-signal-safe work here: set a flag, nothing else. */
static void request_stop(int signal_number)
{
    (void)signal_number;
    stop_requested = 1;
}

void stop_on_signals(void)
{
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

void ignore_sigpipe(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGPIPE, &action, NULL) == -1)
        die_errno("sigaction SIGPIPE");
}
