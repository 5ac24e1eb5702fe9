/*
 * common/net.h - the command line and address text shared by every lesson.
 *
 * Every program takes   PROGRAM [HOST [PORT [...]]]   with the tutorial's
 * defaults, 127.0.0.1 and port 1914. Port 0 asks the system for any free port;
 * a server then prints the port it really got, so tests never fight over one.
 *
 * Read next: common/signals.h, then lessons/v01-udp-server.
 */
#ifndef SOCKSTEP_NET_H
#define SOCKSTEP_NET_H

#include <stddef.h>
#include <sys/socket.h>

#define DEFAULT_HOST "127.0.0.1"
#define DEFAULT_PORT "1914"

/* The tutorial's buffer size: recv(500) / recvfrom(500). */
enum { TUTORIAL_BUFFER_SIZE = 500 };

/* How long a client waits for a reply before it gives up. */
enum { REPLY_TIMEOUT_SECONDS = 3 };

/* Big enough for "[IPv6%scope]:65535" and a terminating NUL. */
enum { ADDRESS_TEXT_SIZE = 80 };

/*
 * Looks at the command line before main() uses it:
 *   -h or --help        prints "usage: PROGRAM ARGUMENTS" and HELP to stdout, exits 0;
 *   another -option     usage error (exit 2);
 *   more than MAX_ARGUMENTS arguments: usage error (exit 2).
 */
void check_command_line(int argc, char *argv[], int max_arguments,
                        const char *arguments, const char *help);

/* Exits with a usage error unless PORT is a whole number from 0 to 65535. */
void check_port(const char *port, const char *arguments);

/* Exits with a usage error unless TEXT is a whole number from MIN to MAX. */
long parse_number(const char *text, const char *what, long min, long max,
                  const char *arguments);

/*
 * Writes an address as text: "127.0.0.1:1914" or "[::1]:1914".
 * Returns TEXT, which must hold ADDRESS_TEXT_SIZE bytes.
 */
char *format_address(const struct sockaddr *address, socklen_t length,
                     char *text);

#endif
