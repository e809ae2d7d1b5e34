/* bulkread.c - see bulkread.h. Formats: docs/PROTOCOL.md, the msgpack specification. */
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "bulkread.h"
#include "frame.h"
#include "msgcheck.h"

/* An unsigned integer at *pos; 0 if there is none within have bytes. */
static int get_uint(const uint8_t *d, size_t have, size_t *pos, uint64_t *v)
{
    if (*pos >= have)
        return 0;
    uint8_t b = d[*pos];
    int n = b <= 0x7f ? 0 : b >= 0xcc && b <= 0xcf ? 1 << (b - 0xcc) : -1;
    if (n < 0 || have - *pos - 1 < (size_t)n)
        return 0;
    *v = n ? comrt_msgpack_be(d + *pos + 1, n) : b;
    *pos += 1 + (size_t)n;
    return 1;
}

/* An array header at *pos: its element count. */
static int get_array(const uint8_t *d, size_t have, size_t *pos, uint64_t *count)
{
    if (*pos >= have)
        return 0;
    uint8_t b = d[*pos];
    int n = b >= 0x90 && b <= 0x9f ? 0 : b == 0xdc ? 2 : b == 0xdd ? 4 : -1;
    if (n < 0 || have - *pos - 1 < (size_t)n)
        return 0;
    *count = n ? comrt_msgpack_be(d + *pos + 1, n) : (uint64_t)(b & 0x0f);
    *pos += 1 + (size_t)n;
    return 1;
}

static int skip_value(const uint8_t *d, size_t have, size_t *pos)
{
    size_t len;
    if (*pos >= have || !comrt_msgpack_plausible_prefix(d + *pos, have - *pos, &len))
        return 0;
    *pos += len;
    return 1;
}

int comrt_bulk_reply_id(const void *prefix, size_t have, uint32_t *id)
{
    const uint8_t *d = prefix;
    size_t pos = 0;
    uint64_t n, type, v;
    if (!get_array(d, have, &pos, &n) || n < 4 || !get_uint(d, have, &pos, &type) || type != 1 ||
        !get_uint(d, have, &pos, &v) || v > UINT32_MAX)
        return 0;
    *id = (uint32_t)v;
    return 1;
}

/* Finds the sink's bin in the prefix: [1, id, hresult, [outs...], ...].
 * *at is where its header starts, *payload where its bytes start. */
static int find_bin(const uint8_t *d, size_t have, size_t total, const comrt_reply_sink *sink, size_t *at,
                    size_t *payload, size_t *size)
{
    size_t pos = 0;
    uint64_t n, v, nouts;
    if (!get_array(d, have, &pos, &n) || n < 4 || !get_uint(d, have, &pos, &v) || v != 1 ||
        !get_uint(d, have, &pos, &v) || !skip_value(d, have, &pos) || !get_array(d, have, &pos, &nouts) ||
        nouts <= sink->out_index)
        return 0;
    for (uint32_t i = 0; i < sink->out_index; i++)
        if (!skip_value(d, have, &pos))
            return 0;
    if (pos >= have || d[pos] < 0xc4 || d[pos] > 0xc6)
        return 0;
    int lenbytes = 1 << (d[pos] - 0xc4);
    if (have - pos - 1 < (size_t)lenbytes)
        return 0;
    uint64_t len = comrt_msgpack_be(d + pos + 1, lenbytes);
    size_t start = pos + 1 + (size_t)lenbytes;
    /* Worth it only if the payload reaches past the prefix; never past the
     * frame nor the caller's buffer. */
    if (len <= have - start || len > sink->cap || len > total - start)
        return 0;
    *at = pos;
    *payload = start;
    *size = (size_t)len;
    return 1;
}

static HRESULT recv_all(comrt_stream *s, void *buf, size_t len)
{
    if (!len)
        return S_OK;
    HRESULT hr = s->ops->recv(s, buf, len);
    if (hr == S_FALSE)
        return comrt_error_set(RPC_E_DISCONNECTED, "connection lost inside a frame");
    return hr;
}

HRESULT comrt_bulk_read(comrt_stream *s, const uint8_t *prefix, size_t have, size_t total,
                        const comrt_reply_sink *sink, char **frame, size_t *len, size_t *direct)
{
    size_t at, start, size;
    HRESULT hr;
    char *f;

    *frame = NULL;
    *len = 0;
    *direct = 0;
    if (sink && sink->dest && find_bin(prefix, have, total, sink, &at, &start, &size)) {
        /* The body with the bin emptied: prefix up to it, 0xc4 0x00, the rest. */
        size_t rest = total - start - size, flen = at + 2 + rest;
        if (!(f = comrt_frame_alloc(flen)))
            return comrt_error_set(E_OUTOFMEMORY, "no memory for a frame of %zu bytes", flen);
        memcpy(f, prefix, at);
        f[at] = (char)0xc4;
        f[at + 1] = 0;
        size_t in_prefix = have - start; /* < size (find_bin) */
        memcpy(sink->dest, prefix + start, in_prefix);
        if (FAILED(hr = recv_all(s, (char *)sink->dest + in_prefix, size - in_prefix)) ||
            FAILED(hr = recv_all(s, f + at + 2, rest))) {
            comrt_frame_free(f);
            return hr;
        }
        *frame = f;
        *len = flen;
        *direct = size;
        return S_OK;
    }
    if (!(f = comrt_frame_alloc(total)))
        return comrt_error_set(E_OUTOFMEMORY, "no memory for a frame of %zu bytes", total);
    memcpy(f, prefix, have);
    if (FAILED(hr = recv_all(s, f + have, total - have))) {
        comrt_frame_free(f);
        return hr;
    }
    *frame = f;
    *len = total;
    return S_OK;
}
