/*
 * common/error.c - the error helpers declared in common/error.h.
 *
 * All of them end up in report(), which writes one line to stderr.
 * errno is saved on entry and restored on the way out of the warn_* helpers,
 * so a server can report a problem and still look at errno afterwards.
 */
#include "error.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *name = "sockstep";

void set_program_name(const char *argv0)
{
    if (argv0 == NULL || argv0[0] == '\0')
        return;
    const char *slash = strrchr(argv0, '/');
    name = slash != NULL ? slash + 1 : argv0;
}

const char *program_name(void)
{
    return name;
}

/* PROGRAM: formatted text[: detail]\n, with stdout flushed first. */
__attribute__((format(printf, 2, 0)))
static void report(const char *detail, const char *format, va_list args)
{
    fflush(stdout);
    fprintf(stderr, "%s: ", name);
    vfprintf(stderr, format, args);
    if (detail != NULL)
        fprintf(stderr, ": %s", detail);
    fputc('\n', stderr);
}

void die_errno(const char *format, ...)
{
    const char *detail = strerror(errno);
    va_list args;
    va_start(args, format);
    report(detail, format, args);
    va_end(args);
    exit(EXIT_RUNTIME_ERROR);
}

void die_code(int error_code, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(strerror(error_code), format, args);
    va_end(args);
    exit(EXIT_RUNTIME_ERROR);
}

void die_gai(int gai_code, const char *format, ...)
{
    /* EAI_SYSTEM means "look at errno instead". */
    const char *detail = gai_code == EAI_SYSTEM ? strerror(errno)
                                                : gai_strerror(gai_code);
    va_list args;
    va_start(args, format);
    report(detail, format, args);
    va_end(args);
    exit(EXIT_RUNTIME_ERROR);
}

void die(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    report(NULL, format, args);
    va_end(args);
    exit(EXIT_RUNTIME_ERROR);
}

void die_usage(const char *arguments, const char *reason_format, ...)
{
    fflush(stdout);
    fprintf(stderr, "usage: %s %s (", name, arguments);
    va_list args;
    va_start(args, reason_format);
    vfprintf(stderr, reason_format, args);
    va_end(args);
    fputs(")\n", stderr);
    exit(EXIT_USAGE_ERROR);
}

void warn_errno(const char *format, ...)
{
    int saved_errno = errno;
    va_list args;
    va_start(args, format);
    report(strerror(saved_errno), format, args);
    va_end(args);
    errno = saved_errno;
}

void warn(const char *format, ...)
{
    int saved_errno = errno;
    va_list args;
    va_start(args, format);
    report(NULL, format, args);
    va_end(args);
    errno = saved_errno;
}
