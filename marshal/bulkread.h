/*
 * bulkread.h - a large [out] array read straight into the caller's buffer
 * (internal).
 *
 * A reply carrying 16 MiB of [out, size_is] bytes used to be received into
 * a frame buffer and then copied into the caller's array: a third of the
 * call's time. A caller whose method has such an array names it (a sink);
 * whoever reads that caller's reply looks at the first bytes of the frame,
 * and if the array's bin is where the sink says, receives its payload into
 * the caller's buffer directly. The rest of the frame is kept, with the
 * bin written as an empty one, and the unpacked message is patched to point
 * at the caller's buffer (conn.c), so the unpacker copies nothing.
 *
 * Anything unexpected (not a reply, the bin elsewhere or too large for the
 * buffer, a length past the frame) falls back to reading the whole frame,
 * and the ordinary checks then judge it.
 */
#ifndef COMRT_BULKREAD_H
#define COMRT_BULKREAD_H

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

/* Frames smaller than this are read whole: a copy costs less. */
#define COMRT_BULK_MIN (64u << 10)
/* How much of a large frame is read to find the bin. */
#define COMRT_BULK_PREFIX 1024u

/* Where a reply's large bin may go: element out_index of the reply's outs
 * (docs/PROTOCOL.md), into dest, at most cap bytes. */
typedef struct comrt_reply_sink {
    uint32_t out_index;
    void *dest;
    size_t cap;
} comrt_reply_sink;

/* 1 and the call id if prefix[0..have) starts like a reply
 * ([1, call_id, ...]), else 0. */
int comrt_bulk_reply_id(const void *prefix, size_t have, uint32_t *id);

/*
 * comrt_bulk_read - reads the rest of a frame body of total bytes whose
 * first have bytes (have <= total) are in prefix. With a sink whose bin is
 * found in the prefix, the bin's payload goes to sink->dest, *direct is its
 * length, and *frame holds the body with that bin emptied; otherwise
 * *direct is 0 and *frame is the whole body. Free *frame with
 * comrt_frame_free.
 * RPC_E_DISCONNECTED (or a transport error) if the stream fails.
 */
HRESULT comrt_bulk_read(comrt_stream *s, const uint8_t *prefix, size_t have, size_t total,
                        const comrt_reply_sink *sink, char **frame, size_t *len, size_t *direct);

#endif /* COMRT_BULKREAD_H */
