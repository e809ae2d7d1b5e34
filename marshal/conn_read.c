/* conn_read.c - reading one message off a connection; see conn_internal.h. */
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "conn_internal.h"
#include "msgcheck.h"

/*
 * A large frame while some caller offers a sink (bulkread.h): if it is the
 * reply to such a caller, its bin may go straight to the caller's buffer.
 * *filled is then that caller, marked filling (it must not leave while its
 * buffer is being written); the caller of read_msg clears the mark.
 */
static HRESULT read_large(comrt_conn *c, size_t n, comrt_msg *m, struct waiter **filled)
{
    const uint8_t *prefix;
    size_t have, direct = 0;
    comrt_reply_sink sink = {0};
    uint32_t id;
    HRESULT hr = comrt_frame_reader_peek(&c->rd, c->s, n, COMRT_BULK_PREFIX, &prefix, &have);
    if (FAILED(hr))
        return hr;
    if (comrt_bulk_reply_id(prefix, have, &id)) {
        pthread_mutex_lock(&c->lock);
        for (struct waiter *w = c->waiters; w; w = w->next)
            if (w->id == id && !w->done && w->sink) {
                sink = *w->sink;
                w->filling = 1;
                *filled = w;
                break;
            }
        pthread_mutex_unlock(&c->lock);
    }
    hr = comrt_bulk_read(c->s, prefix, have, n, *filled ? &sink : NULL, &m->frame, &m->len, &direct);
    comrt_frame_reader_consume(&c->rd, have);
    if (FAILED(hr))
        return hr;
    if (FAILED(hr = comrt_conn_parse_msg(m)) || !direct)
        return hr;
    /* The emptied bin now stands for the bytes in the caller's buffer. The
     * message parsed, and its bytes up to that bin are the ones
     * comrt_bulk_read walked, so the bin is outs[out_index]. */
    msgpack_object *bin = &m->items[3].via.array.ptr[sink.out_index];
    bin->via.bin.ptr = sink.dest;
    bin->via.bin.size = (uint32_t)direct;
    return S_OK;
}

HRESULT comrt_conn_read_msg(comrt_conn *c, comrt_msg *m, struct waiter **filled)
{
    HRESULT hr;
    size_t n;

    memset(m, 0, sizeof *m);
    *filled = NULL;
    hr = comrt_frame_reader_header(&c->rd, c->s, c->max_frame, &n);
    if (hr == S_FALSE)
        return comrt_error_set(RPC_E_DISCONNECTED, "the peer closed the connection");
    if (FAILED(hr))
        return hr;
    if (n >= COMRT_BULK_MIN && n > comrt_frame_reader_buffered(&c->rd)) {
        /* A long read: every piece that arrives meanwhile would wake a
         * worker (edge-triggered) for nothing. Watched again when the role
         * is given up. */
        pthread_mutex_lock(&c->lock);
        comrt_conn_disarm_locked(c);
        pthread_mutex_unlock(&c->lock);
    }
    if (n >= COMRT_BULK_MIN && atomic_load(&c->sinks) > 0)
        return read_large(c, n, m, filled);
    if (FAILED(hr = comrt_frame_reader_body(&c->rd, c->s, n, &m->frame)))
        return hr;
    m->len = n;
    return comrt_conn_parse_msg(m);
}

HRESULT comrt_conn_parse_msg(comrt_msg *m)
{
    size_t off = 0;
    msgpack_unpacked_init(&m->up);
    /* Checked first: msgpack-c would allocate declared counts before reading them. */
    if (!m->frame || !comrt_msgpack_plausible(m->frame, m->len) ||
        msgpack_unpack_next(&m->up, m->frame, m->len, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != m->len || m->up.data.type != MSGPACK_OBJECT_ARRAY || m->up.data.via.array.size < 2 ||
        m->up.data.via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        comrt_msg_free(m);
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "malformed message: not a msgpack array with a type");
    }
    m->items = m->up.data.via.array.ptr;
    m->nitems = m->up.data.via.array.size;
    return S_OK;
}
