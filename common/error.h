/*
 * common/error.h - how every sockstep program reports a problem and exits.
 *
 * Each helper names the *source* of the error, so the message can say what
 * really went wrong (the idea comes from TLPI's error_functions.c):
 *   die_errno  a system call failed and set errno      -> exit 1
 *   die_code   a call returned an errno-style code     -> exit 1
 *   die_gai    getaddrinfo()/getnameinfo() failed      -> exit 1
 *   die        a problem that is not a system error    -> exit 1
 *   die_usage  the command line is wrong               -> exit 2
 *   warn_errno / warn: report and carry on (a server that must keep serving).
 *
 * Every message is one line on stderr:  PROGRAM: WHAT: strerror text
 * stdout is flushed first, so on a terminal or in a log the lines come out in
 * the order the program wrote them.
 *
 * Read next: common/net.h (addresses and ports), then lessons/v01-udp-server.
 */
#ifndef SOCKSTEP_ERROR_H
#define SOCKSTEP_ERROR_H

#include <stdnoreturn.h>

/* The exit codes every program in the kit uses. */
enum { EXIT_RUNTIME_ERROR = 1, EXIT_USAGE_ERROR = 2 };

/* Call first thing in main(): messages start with the program's name. */
void set_program_name(const char *argv0);
const char *program_name(void);

noreturn void die_errno(const char *format, ...)
    __attribute__((format(printf, 1, 2)));
noreturn void die_code(int error_code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
noreturn void die_gai(int gai_code, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
noreturn void die(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

/* Prints "usage: PROGRAM ARGUMENTS (REASON)" as one line and exits 2. */
noreturn void die_usage(const char *arguments, const char *reason_format, ...)
    __attribute__((format(printf, 2, 3)));

void warn_errno(const char *format, ...)
    __attribute__((format(printf, 1, 2)));
void warn(const char *format, ...)
    __attribute__((format(printf, 1, 2)));

#endif
