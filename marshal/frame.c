/* frame.c - length-prefixed frames; see frame.h. */
#include <errno.h>
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

HRESULT comrt_frame_read(comrt_stream *s, size_t max, char **body, size_t *len)
{
    unsigned char h[COMRT_FRAME_HEADER];
    HRESULT hr;

    *body = NULL;
    *len = 0;
    hr = s->ops->recv(s, h, sizeof h);
    if (hr != S_OK)
        return hr;
    size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (n > max)
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "frame of %zu bytes exceeds the limit of %zu", n, max);
    if (n == 0)
        return S_OK;
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
