/*
 * iobuf.h - a gathering output buffer for msgpack (internal).
 *
 * Used as a msgpack_packer's write callback: small writes are appended to
 * owned chunks; a write of COMRT_IOBUF_REF_MIN bytes or more (the body of a
 * large bin: a bulk array) is recorded by reference, not copied, and goes
 * to the socket straight from the caller's memory in one gather write.
 * Referenced memory must stay valid and unchanged until the frame is sent.
 */
#ifndef COMRT_IOBUF_H
#define COMRT_IOBUF_H

#include <stddef.h>
#include <sys/uio.h>

#define COMRT_IOBUF_REF_MIN (64u << 10)

typedef struct comrt_iobuf {
    struct iovec *iov; /* segments so far (the open chunk is not in it yet) */
    int niov, capiov;
    char *chunk;       /* the open chunk: small writes land here */
    size_t used, cap;
    char **owned;      /* chunks to free */
    int nowned, capowned;
    size_t total;      /* bytes in all segments and the open chunk */
    int oom;
} comrt_iobuf;

void comrt_iobuf_init(comrt_iobuf *b);
void comrt_iobuf_destroy(comrt_iobuf *b);
/* Discards the contents (keeps nothing referenced). */
void comrt_iobuf_reset(comrt_iobuf *b);
/* msgpack write callback: data is a comrt_iobuf *. */
int comrt_iobuf_write(void *data, const char *buf, size_t len);
/* Closes the open chunk; afterwards iov/niov describe the whole content.
 * E_OUTOFMEMORY if any write failed. */
int comrt_iobuf_finish(comrt_iobuf *b);

#endif /* COMRT_IOBUF_H */
