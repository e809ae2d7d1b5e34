/* frame.c - length-prefixed frames; see frame.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

size_t comrt_frame_max(void)
{
    const char *e = getenv("COMRT_MAX_FRAME");
    if (e && *e) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(e, &end, 10);
        if (!errno && !*end && v >= 64 && v <= (1ull << 31))
            return (size_t)v;
    }
    return COMRT_FRAME_MAX_DEFAULT;
}

/* The body length a header announces, refused over max before anything is allocated. */
static HRESULT header_length(const unsigned char *h, size_t max, size_t *len)
{
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (n > max)
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "frame of %zu bytes exceeds the limit of %zu", n, max);
    *len = n;
    return S_OK;
}

HRESULT comrt_frame_read(comrt_stream *s, size_t max, char **body, size_t *len)
{
    unsigned char h[COMRT_FRAME_HEADER];
    size_t n = 0;
    HRESULT hr;

    *body = NULL;
    *len = 0;
    if ((hr = s->ops->recv(s, h, sizeof h)) != S_OK || FAILED(hr = header_length(h, max, &n)) || n == 0)
        return hr;
    char *b = malloc(n);
    if (!b)
        return comrt_error_set(E_OUTOFMEMORY, "no memory for a frame of %zu bytes", n);
    hr = s->ops->recv(s, b, n);
    if (hr != S_OK) {
        free(b);
        return hr == S_FALSE ? comrt_error_set(RPC_E_DISCONNECTED, "connection lost inside a frame") : hr;
    }
    *body = b;
    *len = n;
    return S_OK;
}

/* Large bodies --------------------------------------------------------------- */

#define BIG_MIN (1u << 20)
#define BIG_KEEP (32u << 20)
#define BIG_OUT 16

static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;
static void *spare; /* the kept block and its size */
static size_t spare_cap;
static struct {
    void *p;
    size_t cap;
} out[BIG_OUT]; /* large blocks handed out, to know their size when they come back */

void *comrt_frame_alloc(size_t n)
{
    if (n < BIG_MIN)
        return malloc(n ? n : 1);
    void *p = NULL;
    int slot = -1;
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_OUT && slot < 0; i++)
        if (!out[i].p)
            slot = i;
    if (slot < 0) { /* untracked: a plain block */
        pthread_mutex_unlock(&big_lock);
        return malloc(n);
    }
    out[slot].cap = n;
    if (spare && spare_cap >= n) {
        p = spare;
        out[slot].cap = spare_cap;
        spare = NULL;
    }
    out[slot].p = p ? p : (void *)&out[slot]; /* reserved while malloc runs */
    pthread_mutex_unlock(&big_lock);
    if (!p)
        p = malloc(n);
    pthread_mutex_lock(&big_lock);
    out[slot].p = p;
    pthread_mutex_unlock(&big_lock);
    return p;
}

void comrt_frame_free(void *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&big_lock);
    for (int i = 0; i < BIG_OUT; i++) {
        if (out[i].p != p)
            continue;
        size_t cap = out[i].cap;
        out[i].p = NULL;
        if (cap <= BIG_KEEP && cap >= spare_cap) {
            void *old = spare;
            spare = p;
            spare_cap = cap;
            p = old;
        }
        break;
    }
    pthread_mutex_unlock(&big_lock);
    free(p);
}

/* Frame reader ------------------------------------------------------------ */

void comrt_frame_reader_destroy(comrt_frame_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

/* Room for at least want more bytes after the buffered ones. */
static HRESULT make_room(comrt_frame_reader *r, size_t want)
{
    if (!r->buf) {
        if (!(r->buf = malloc(COMRT_FRAME_READER_CAP)))
            return comrt_error_set(E_OUTOFMEMORY, "no memory for a connection's read buffer");
        r->cap = COMRT_FRAME_READER_CAP;
    }
    if (r->cap - r->len < want) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    return S_OK;
}

/* Reads once into all the buffer's free space (at least one byte unless
 * nowait); *drained is 1 if the stream had no more than that. */
static HRESULT fill(comrt_frame_reader *r, comrt_stream *s, int nowait, int *drained)
{
    size_t got;
    HRESULT hr = make_room(r, COMRT_FRAME_READER_CAP);
    *drained = 0;
    if (FAILED(hr))
        return hr;
    size_t space = r->cap - r->len;
    if (space == 0)
        return S_OK; /* full: the rest waits in the stream */
    hr = s->ops->recv_some(s, r->buf + r->len, space, nowait, &got);
    if (hr == S_OK)
        r->len += got;
    /* nothing there, the end, or an error: nothing more to take either */
    *drained = hr != S_OK || got < space;
    return hr;
}

HRESULT comrt_frame_reader_poll(comrt_frame_reader *r, comrt_stream *s)
{
    int drained;
    if (comrt_frame_reader_buffered(r))
        return S_OK;
    return fill(r, s, 1, &drained);
}

HRESULT comrt_frame_reader_drain(comrt_frame_reader *r, comrt_stream *s, int *drained)
{
    return fill(r, s, 1, drained);
}

HRESULT comrt_frame_reader_header(comrt_frame_reader *r, comrt_stream *s, size_t max, size_t *len)
{
    *len = 0;
    while (comrt_frame_reader_buffered(r) < COMRT_FRAME_HEADER) {
        int drained;
        HRESULT hr = fill(r, s, 0, &drained);
        if (hr == S_FALSE && comrt_frame_reader_buffered(r))
            return comrt_error_set(RPC_E_DISCONNECTED, "connection lost inside a frame header");
        if (hr != S_OK)
            return hr;
    }
    HRESULT hr = header_length(r->buf + r->pos, max, len);
    if (SUCCEEDED(hr))
        comrt_frame_reader_consume(r, COMRT_FRAME_HEADER);
    return hr;
}

HRESULT comrt_frame_reader_body(comrt_frame_reader *r, comrt_stream *s, size_t len, char **body)
{
    *body = NULL;
    if (len == 0)
        return S_OK;
    char *b = comrt_frame_alloc(len);
    if (!b)
        return comrt_error_set(E_OUTOFMEMORY, "no memory for a frame of %zu bytes", len);
    size_t have = comrt_frame_reader_buffered(r);
    if (have > len)
        have = len;
    if (have) {
        memcpy(b, r->buf + r->pos, have);
        comrt_frame_reader_consume(r, have);
    }
    if (have < len) {
        /* The rest straight from the stream: a large body is not buffered twice. */
        HRESULT hr = s->ops->recv(s, b + have, len - have);
        if (hr != S_OK) {
            comrt_frame_free(b);
            return hr == S_FALSE ? comrt_error_set(RPC_E_DISCONNECTED, "connection lost inside a frame") : hr;
        }
    }
    *body = b;
    return S_OK;
}

HRESULT comrt_frame_reader_peek(comrt_frame_reader *r, comrt_stream *s, size_t len, size_t want,
                                const uint8_t **p, size_t *have)
{
    HRESULT hr;
    if (want > len)
        want = len;
    if (want > COMRT_FRAME_READER_CAP)
        want = COMRT_FRAME_READER_CAP;
    size_t buffered = comrt_frame_reader_buffered(r);
    if (buffered < want) {
        if (FAILED(hr = make_room(r, want - buffered)))
            return hr;
        /* Exactly what is missing: the rest of the body stays in the stream. */
        hr = s->ops->recv(s, r->buf + r->len, want - buffered);
        if (hr != S_OK)
            return hr == S_FALSE ? comrt_error_set(RPC_E_DISCONNECTED, "connection lost inside a frame") : hr;
        r->len += want - buffered;
        buffered = want;
    }
    *p = r->buf + r->pos;
    *have = buffered < len ? buffered : len;
    return S_OK;
}

void comrt_frame_reader_consume(comrt_frame_reader *r, size_t n)
{
    r->pos += n;
    if (r->pos == r->len)
        r->pos = r->len = 0;
}

HRESULT comrt_frame_writev(comrt_stream *s, const struct iovec *body, int n, size_t total)
{
    unsigned char h[COMRT_FRAME_HEADER];
    struct iovec small[9], *iov = small;
    HRESULT hr;

    if (total > 0xFFFFFFFFu)
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "frame of %zu bytes is too large to send", total);
    h[0] = (unsigned char)(total >> 24);
    h[1] = (unsigned char)(total >> 16);
    h[2] = (unsigned char)(total >> 8);
    h[3] = (unsigned char)total;
    if (n + 1 > (int)(sizeof small / sizeof small[0]) && !(iov = malloc(((size_t)n + 1) * sizeof *iov)))
        return comrt_error_set(E_OUTOFMEMORY, "out of memory sending a frame");
    iov[0].iov_base = h;
    iov[0].iov_len = sizeof h;
    memcpy(iov + 1, body, (size_t)n * sizeof *iov);
    hr = s->ops->sendv(s, iov, n + 1);
    if (iov != small)
        free(iov);
    return hr;
}

HRESULT comrt_frame_write(comrt_stream *s, const void *body, size_t len)
{
    unsigned char h[COMRT_FRAME_HEADER];
    if (len > 0xFFFFFFFFu)
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "frame of %zu bytes is too large to send", len);
    h[0] = (unsigned char)(len >> 24);
    h[1] = (unsigned char)(len >> 16);
    h[2] = (unsigned char)(len >> 8);
    h[3] = (unsigned char)len;
    struct iovec iov[2] = {{h, sizeof h}, {(void *)body, len}};
    return s->ops->sendv(s, iov, len ? 2 : 1);
}
