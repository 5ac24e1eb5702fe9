/*
 * common/tcp.h - the first steps of every TCP program, in one call each.
 *
 * v04 and v05 spell these steps out line by line, as the tutorial does:
 * getaddrinfo, then socket, bind and listen on the server side, socket and
 * connect on the client side, trying each address until one works. From v06
 * on, the lessons are about what happens AFTER that (a chat, many clients),
 * so they call these two functions instead; the code inside is exactly the
 * code of v04 and v05, and fails with the same messages:
 *   v06-chat-server: bind 127.0.0.1:1914: Address already in use
 *   v07-chat-client: connect 127.0.0.1:1914: Connection refused
 *
 * Read next: lessons/v06-chat-server.
 */
#ifndef SOCKSTEP_TCP_H
#define SOCKSTEP_TCP_H

#include "net.h"

/*
 * Steps 1-3 of v04 (socket, bind, listen): a socket bound to HOST:PORT and listening (with
 * SO_REUSEADDR). Writes the address it really got ("127.0.0.1:43121", found
 * with getsockname, so PORT "0" is useful) to BOUND_TEXT, which must hold
 * ADDRESS_TEXT_SIZE bytes. Returns the listening socket; exits on failure.
 */
int tcp_listen(const char *host, const char *port, char *bound_text);

/*
 * Steps 1 and 4 of v05 (socket, connect): a socket connected to HOST:PORT. Writes the server's
 * address to SERVER_TEXT (ADDRESS_TEXT_SIZE bytes). Returns the connected
 * socket; exits on failure. As in v05, a host that never answers makes
 * connect() give up after TIMEOUT_SECONDS ("Connection timed out"); the
 * limit stays set on the socket as its send time-out (SO_SNDTIMEO).
 */
int tcp_connect(const char *host, const char *port, int timeout_seconds,
                char *server_text);

#endif
