/*
 * v07-chat-client - the client half of the two-way chat. It connects to
 * v06-chat-server (or to any program that talks lines over TCP, such as nc);
 * from then on every line typed here is sent, and every line the server
 * sends is printed here as "server> LINE" the moment it arrives, even while
 * you are typing. Ctrl-D (end of input) on either side ends the chat.
 *
 * Run:   build/v07-chat-client [HOST [PORT]]     (default 127.0.0.1 1914)
 *        after starting build/v06-chat-server in another terminal.
 * Walkthrough: docs/v07-chat-client.md
 * Next:        lessons/v08-chat-room, a chat server for many clients.
 *
 * What changed since v05, and why: v05 opened a connection, sent one fixed
 * greeting, read one reply and closed. A chat keeps ONE connection and sends
 * many lines both ways, at moments nobody can predict, so the client now
 * waits on the keyboard and the socket at once with poll(), and frames the
 * lines itself with a line buffer (common/io.h), because TCP is a byte
 * stream: one recv() may return half a line or several. That chat loop is
 * the same as v06-chat-server's, so both call chat() from
 * lessons/v06-chat-server/chat.c (one source: the Makefile links it into this
 * program too); only the way to the connection differs, and that is all this
 * file holds. The connection comes from tcp_connect() (v05's steps 1 and 4,
 * common/tcp.c), with v05's limit: a host that never answers is given up
 * after 3 seconds. Received control characters are shown as ^[ and the
 * like, so a peer cannot drive your terminal.
 */
#include "chat.h"
#include "error.h"
#include "net.h"
#include "signals.h"
#include "tcp.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static const char arguments[] = "[HOST [PORT]]";
static const char help[] =
    "Connects to a chat server on HOST:PORT (default 127.0.0.1:1914) and chats:\n"
    "each line typed here is sent, each line received is printed as\n"
    "\"server> LINE\". Ctrl-D (end of input) on either side ends the chat;\n"
    "Ctrl-C or SIGTERM stops it (exit status 0).\n";

/* How a received line is shown: the prefix tells it apart from what you typed
 * (your terminal echoes that) and from this program's own messages. */
static const char received_prefix[] = "server> ";

int main(int argc, char *argv[])
{
    set_program_name(argv[0]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    check_command_line(argc, argv, 2, arguments, help);
    const char *host = argc > 1 ? argv[1] : DEFAULT_HOST;
    const char *port = argc > 2 ? argv[2] : DEFAULT_PORT;
    check_port(port, arguments);
    /* The chat reads stdin. Were it closed, the next socket would get its
     * number, 0, and the program would read its own socket as "typed". */
    if (fcntl(STDIN_FILENO, F_GETFD) == -1)
        die("standard input is closed: nothing to read the chat from");

    /* 1. 建立通信socket, 4. 链接对方: v05's steps in one call. common/tcp.c
     * holds v05's address loop and connect time limit, so it fails with the
     * same messages. This connection stays open. */
    char server_text[ADDRESS_TEXT_SIZE];
    int connection_fd = tcp_connect(host, port, REPLY_TIMEOUT_SECONDS, server_text);

    /* Only now, so that Ctrl-C during the name lookup or connect() simply
     * ends the program. From here on, Ctrl-C ends the chat cleanly: the
     * handler is in place before "connected" is printed, so whoever reads
     * that line and sends a signal never finds the default action. */
    stop_on_signals();
    ignore_sigpipe(); /* a server that vanished gives EPIPE, not sudden death */
    printf("%s: connected to %s\n", program_name(), server_text);

    /* 5. receive and 6. send, until one side ends the chat: chat() waits
     * for the keyboard and the server at once. The same loop as v06's,
     * written once in lessons/v06-chat-server/chat.c. It also sets the send
     * time limit. */
    int exit_status = chat(connection_fd, server_text, received_prefix);

    /* 7. 关闭链接: close the connection (the server sees end of stream). */
    close(connection_fd);
    return exit_status;
}
