/*
 * common/io.h - robust reads and writes for stream sockets (from v06 on).
 *
 * Up to v05 one send() and one recv() were enough: each program sent one
 * short message per connection. A chat sends many lines over one connection,
 * and TCP is a byte stream: a write may take only part of the bytes (a
 * "short write"), a read may return half a line or two and a half lines, and
 * a signal may interrupt either one (EINTR). These helpers hide exactly
 * that, and nothing more (the same idea as CS:APP's rio package):
 *
 *   write_all()          keeps writing until every byte is out (on a
 *                        blocking descriptor; v06's chat sends on a
 *                        non-blocking socket with its own send_all(),
 *                        which waits in poll() instead);
 *   struct line_buffer   collects bytes as they arrive and hands out whole
 *                        lines ending in '\n', however TCP split them.
 *
 * Read next: lessons/v06-chat-server.
 */
#ifndef SOCKSTEP_IO_H
#define SOCKSTEP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest line a line_buffer holds, '\n' included. */
enum { LINE_BUFFER_SIZE = 4096 };

/*
 * Writes all LENGTH bytes to FD, retrying after short writes and EINTR.
 * Returns 0, or -1 with errno set (EPIPE when the peer has gone, with
 * SIGPIPE ignored; EAGAIN on a non-blocking socket that is full).
 */
int write_all(int fd, const void *data, size_t length);

struct line_buffer {
    char data[LINE_BUFFER_SIZE];
    size_t start; /* first byte not yet handed out */
    size_t end;   /* one past the last byte read */
};

void line_buffer_init(struct line_buffer *buffer);

/*
 * Reads once from FD into the free space (retrying on EINTR).
 * Returns the number of bytes read, 0 at end of file, or -1 with errno set.
 * Call it only when !line_buffer_is_full(buffer).
 */
ssize_t line_buffer_read(struct line_buffer *buffer, int fd);

/*
 * Appends LENGTH bytes that were read some other way. Returns how many fit.
 */
size_t line_buffer_append(struct line_buffer *buffer, const char *bytes,
                          size_t length);

/*
 * If a whole line has arrived, points *LINE at it, sets *LENGTH to its
 * length including the '\n', and returns true. The line stays valid until
 * the next read or append. Returns false if no complete line is there yet.
 */
bool line_buffer_next_line(struct line_buffer *buffer, const char **line,
                           size_t *length);

/* Bytes of a line that has started but not ended yet. */
size_t line_buffer_pending(const struct line_buffer *buffer);

/* True when the buffer holds LINE_BUFFER_SIZE bytes and no '\n':
 * the line is too long to ever fit. */
bool line_buffer_is_full(const struct line_buffer *buffer);

#endif
