/*
 * lessons/v06-chat-server/chat.h - the two-way chat of v06 and v07, written once.
 *
 * v06-chat-server and v07-chat-client are the two ends of one chat. They
 * differ only in how they get their connection: v06 listens and accepts ONE
 * client, v07 connects. From then on both do exactly the same thing, so that
 * part, lesson v06's subject, lives next to v06-chat-server.c in chat.c, and
 * each lesson ends with one call to chat(). v07 links the same file (one
 * source), so comparing the two lessons compares exactly what differs: the
 * way to the connection.
 *
 * What chat() does on a connected TCP socket (the bytes on the wire are the
 * lines as typed, '\n' included; nothing is added or taken away):
 *   a line typed on stdin   is sent to the peer whole (send_all(), on the
 *                           connection, which chat() makes non-blocking)
 *   a line from the peer    is printed as PREFIX LINE, e.g. "client> hello",
 *                           as soon as its '\n' has arrived, however TCP
 *                           split it; the bytes are printed as they came,
 *                           except control characters other than tab, which
 *                           are shown in caret notation (ESC as ^[, DEL as
 *                           ^?) so that a peer cannot drive your terminal
 *   a line over 4096 bytes  (LINE_BUFFER_SIZE) goes out, or is printed, in
 *                           pieces as it comes: still one whole line
 *   end of stdin (Ctrl-D)   sends an unfinished last line, then
 *                           shutdown(SHUT_WR); what the peer still sends is
 *                           printed until it closes, REPLY_TIMEOUT_SECONDS
 *                           at most; then returns 0
 *   the peer closes         prints an unfinished last line (with a '\n'), then
 *                           "PROGRAM: PEER left", and returns 0
 *   SIGINT or SIGTERM       prints "PROGRAM: stopped" and returns 0, within a
 *                           moment whenever it comes (poll() also watches
 *                           stop_fd(), common/signals.h)
 *   the peer resets         prints what it sent before, warns
 *                           "PROGRAM: recv from PEER: Connection reset by peer"
 *                           and returns 1
 *   the peer stops reading  once the socket buffers are full and no byte has
 *                           left for REPLY_TIMEOUT_SECONDS: exits 1 with
 *                           "PROGRAM: PEER has read nothing for 3 seconds"
 *   a send fails otherwise  exits 1 with "PROGRAM: send to PEER: REASON"
 *   another call fails      (fcntl, poll, shutdown, reading stdin): exits 1 with
 *                           the system's reason, e.g. "PROGRAM: poll: REASON"
 *
 * Read next: chat.c, then v06-chat-server.c, which gets a connection and
 * calls chat().
 */
#ifndef SOCKSTEP_CHAT_H
#define SOCKSTEP_CHAT_H

/*
 * Chats on CONNECTION_FD until one side ends it, as described above. PEER_TEXT
 * names the other end in messages ("127.0.0.1:40312"); RECEIVED_PREFIX is put
 * before every line received ("client> "). Returns the program's exit status
 * (0, or 1 after a failed recv); exits on the other errors. Does not close
 * CONNECTION_FD: the caller opened it and closes it.
 *
 * The caller must check that stdin is open before it creates any socket
 * (were fd 0 closed, the socket could get it and be read as "typed") and
 * must ignore SIGPIPE (ignore_sigpipe()), or a peer that vanished would kill
 * the program instead of giving EPIPE. It must have called stop_on_signals()
 * (chat() waits on its stop pipe): Ctrl-C then ends the chat cleanly.
 */
int chat(int connection_fd, const char *peer_text, const char *received_prefix);

#endif
