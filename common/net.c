/*
 * common/net.c - command-line checks and address formatting (common/net.h).
 */
#include "net.h"

#include "error.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void check_command_line(int argc, char *argv[], int max_arguments,
                        const char *arguments, const char *help)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s %s\n%s", program_name(), arguments, help);
            exit(EXIT_SUCCESS);
        }
    }
    /* A leading '-' is an option we do not know; "-5" is no port either. */
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            die_usage(arguments, "unknown option '%s'", argv[i]);
    }
    if (argc - 1 > max_arguments)
        die_usage(arguments, "too many arguments");
}

long parse_number(const char *text, const char *what, long min, long max,
                  const char *arguments)
{
    /* strtol alone accepts " 12", "+12" and "12abc"; insist on plain digits. */
    size_t digits = strspn(text, "0123456789");
    if (digits == 0 || text[digits] != '\0' || digits > 9)
        die_usage(arguments, "%s '%s' is not a number from %ld to %ld",
                  what, text, min, max);
    long value = strtol(text, NULL, 10);
    if (value < min || value > max)
        die_usage(arguments, "%s '%s' is not a number from %ld to %ld",
                  what, text, min, max);
    return value;
}

void check_port(const char *port, const char *arguments)
{
    parse_number(port, "port", 0, 65535, arguments);
}

char *format_address(const struct sockaddr *address, socklen_t length,
                     char *text)
{
    char host[64]; /* an IPv6 address (45) with a %scope name */
    char port[8];
    int rc = getnameinfo(address, length, host, sizeof host, port, sizeof port,
                         NI_NUMERICHOST | NI_NUMERICSERV);
    if (rc != 0) {
        snprintf(text, ADDRESS_TEXT_SIZE, "(unknown address: %s)",
                 gai_strerror(rc));
        return text;
    }
    if (address->sa_family == AF_INET6)
        snprintf(text, ADDRESS_TEXT_SIZE, "[%s]:%s", host, port);
    else
        snprintf(text, ADDRESS_TEXT_SIZE, "%s:%s", host, port);
    return text;
}
