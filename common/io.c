/*
 * common/io.c - write_all() and the line buffer (see common/io.h).
 */
#include "io.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int write_all(int fd, const void *data, size_t length)
{
    const char *next = data;
    while (length > 0) {
        ssize_t written = write(fd, next, length);
        if (written == -1) {
            if (errno == EINTR)
                continue; /* interrupted before anything was written: retry */
            return -1;
        }
        next += written; /* a short write: go on with the rest */
        length -= (size_t)written;
    }
    return 0;
}

void line_buffer_init(struct line_buffer *buffer)
{
    buffer->start = 0;
    buffer->end = 0;
}

/* Moves the unfinished line to the front, making room at the end. */
static void compact(struct line_buffer *buffer)
{
    if (buffer->start == 0)
        return;
    memmove(buffer->data, buffer->data + buffer->start,
            buffer->end - buffer->start);
    buffer->end -= buffer->start;
    buffer->start = 0;
}

ssize_t line_buffer_read(struct line_buffer *buffer, int fd)
{
    compact(buffer);
    for (;;) {
        ssize_t received = read(fd, buffer->data + buffer->end,
                                sizeof buffer->data - buffer->end);
        if (received == -1 && errno == EINTR)
            continue;
        if (received > 0)
            buffer->end += (size_t)received;
        return received;
    }
}

size_t line_buffer_append(struct line_buffer *buffer, const char *bytes,
                          size_t length)
{
    compact(buffer);
    size_t room = sizeof buffer->data - buffer->end;
    if (length > room)
        length = room;
    memcpy(buffer->data + buffer->end, bytes, length);
    buffer->end += length;
    return length;
}

bool line_buffer_next_line(struct line_buffer *buffer, const char **line,
                           size_t *length)
{
    const char *first = buffer->data + buffer->start;
    const char *newline = memchr(first, '\n', buffer->end - buffer->start);
    if (newline == NULL)
        return false;
    *line = first;
    *length = (size_t)(newline - first) + 1;
    buffer->start += *length;
    return true;
}

size_t line_buffer_pending(const struct line_buffer *buffer)
{
    return buffer->end - buffer->start;
}

bool line_buffer_is_full(const struct line_buffer *buffer)
{
    return buffer->start == 0 && buffer->end == sizeof buffer->data &&
           memchr(buffer->data, '\n', buffer->end) == NULL;
}
