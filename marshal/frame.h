/*
 * frame.h - length-prefixed frames over a stream (internal).
 *
 * A frame is a 4-byte big-endian body length followed by the body, one
 * msgpack message. The length is checked against the limit before anything
 * is allocated. See docs/PROTOCOL.md.
 */
#ifndef COMRT_FRAME_H
#define COMRT_FRAME_H

#include <stdint.h>

#include "transport.h"

/* Default largest body accepted (COMRT_MAX_FRAME overrides, in bytes). */
#define COMRT_FRAME_MAX_DEFAULT (64u << 20)
#define COMRT_FRAME_HEADER 4

/* The limit in force: COMRT_MAX_FRAME if set and sane, else the default. */
size_t comrt_frame_max(void);

/*
 * comrt_frame_read - the next frame's body in a malloc'ed buffer (*body
 * NULL for an empty body). S_FALSE at a clean end of stream,
 * RPC_E_INVALID_DATAPACKET for a length over max (nothing is read past
 * the header: the connection must be dropped), RPC_E_DISCONNECTED on loss.
 */
HRESULT comrt_frame_read(comrt_stream *s, size_t max, char **body, size_t *len);

/*
 * comrt_frame_alloc - memory for a frame body of n bytes; free it with
 * comrt_frame_free (and nothing else). A large body (1 MiB or more) may
 * reuse the block of the last large one freed: the process keeps that one
 * block (up to 32 MiB), so a 16 MiB call does not fault in 4,096 fresh
 * pages each time (the kernel zeroes them: half the cost of the call).
 */
void *comrt_frame_alloc(size_t n);
void comrt_frame_free(void *p);

/*
 * A buffered reader of frames, for a connection's read loop: one recv
 * usually brings a whole small frame (header and body), where reading the
 * header and then the body took two, and whatever else arrived with it
 * stays buffered for the next read. Whoever reads the connection owns the
 * reader; bytes buffered are invisible to poll/epoll, so the owner must
 * look at comrt_frame_reader_buffered before it waits for the socket.
 */
typedef struct comrt_frame_reader {
    uint8_t *buf; /* allocated at the first read */
    size_t cap, pos, len; /* buf[pos..len) is read and not yet consumed */
} comrt_frame_reader;

#define COMRT_FRAME_READER_CAP (16u << 10)

void comrt_frame_reader_destroy(comrt_frame_reader *r);

static inline size_t comrt_frame_reader_buffered(const comrt_frame_reader *r)
{
    return r->len - r->pos;
}

/* comrt_frame_reader_poll - buffers what the stream has, without blocking:
 * S_OK if anything is buffered now, E_PENDING if nothing, else what
 * recv_some says (S_FALSE at end of stream, RPC_E_DISCONNECTED, ...). */
HRESULT comrt_frame_reader_poll(comrt_frame_reader *r, comrt_stream *s);

/* comrt_frame_reader_drain - takes what the stream has into the buffer's
 * free space, without blocking; *drained is 1 if the stream then had no
 * more (it did not fill the space). S_OK if bytes came, E_PENDING if none,
 * else what recv_some says. For edge-triggered watching: after an event,
 * someone must read until the stream is drained. */
HRESULT comrt_frame_reader_drain(comrt_frame_reader *r, comrt_stream *s, int *drained);

/* comrt_frame_reader_header - the next frame's body length, waiting for
 * it: results as comrt_frame_read's. */
HRESULT comrt_frame_reader_header(comrt_frame_reader *r, comrt_stream *s, size_t max, size_t *len);

/* comrt_frame_reader_body - then its body of len bytes (comrt_frame_alloc;
 * NULL for 0): S_OK, E_OUTOFMEMORY, RPC_E_DISCONNECTED. */
HRESULT comrt_frame_reader_body(comrt_frame_reader *r, comrt_stream *s, size_t len, char **body);

/* comrt_frame_reader_peek - or: the first bytes of a body of len bytes,
 * at least min(len, want) of them (want <= COMRT_FRAME_READER_CAP), in
 * *p (all that are buffered, at most len: *have); the caller reads the
 * rest from the stream itself after comrt_frame_reader_consume(r, *have). */
HRESULT comrt_frame_reader_peek(comrt_frame_reader *r, comrt_stream *s, size_t len, size_t want,
                                const uint8_t **p, size_t *have);
void comrt_frame_reader_consume(comrt_frame_reader *r, size_t n);

/* comrt_frame_write - writes header and body with one gather write. */
HRESULT comrt_frame_write(comrt_stream *s, const void *body, size_t len);

/* comrt_frame_writev - the same for a body in pieces (total bytes in all). */
HRESULT comrt_frame_writev(comrt_stream *s, const struct iovec *body, int n, size_t total);

#endif /* COMRT_FRAME_H */
