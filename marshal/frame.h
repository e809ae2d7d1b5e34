/*
 * frame.h - length-prefixed frames over a stream (internal).
 *
 * A frame is a 4-byte big-endian body length followed by the body, one
 * msgpack message. The length is checked against the limit before anything
 * is allocated. See docs/PROTOCOL.md.
 */
#ifndef COMRT_FRAME_H
#define COMRT_FRAME_H

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

/* comrt_frame_write - writes header and body with one gather write. */
HRESULT comrt_frame_write(comrt_stream *s, const void *body, size_t len);

/* comrt_frame_writev - the same for a body in pieces (total bytes in all). */
HRESULT comrt_frame_writev(comrt_stream *s, const struct iovec *body, int n, size_t total);

#endif /* COMRT_FRAME_H */
