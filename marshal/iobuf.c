/* iobuf.c - see iobuf.h. */
#include <stdlib.h>
#include <string.h>

#include "iobuf.h"

#define CHUNK_MIN 4096

void comrt_iobuf_init(comrt_iobuf *b)
{
    memset(b, 0, sizeof *b);
}

void comrt_iobuf_destroy(comrt_iobuf *b)
{
    for (int i = 0; i < b->nowned; i++)
        free(b->owned[i]);
    free(b->owned);
    free(b->iov);
    memset(b, 0, sizeof *b);
}

void comrt_iobuf_reset(comrt_iobuf *b)
{
    comrt_iobuf_destroy(b);
}

static int push_iov(comrt_iobuf *b, const void *p, size_t len)
{
    if (len == 0)
        return 0;
    if (b->niov == b->capiov) {
        int n = b->capiov ? b->capiov * 2 : 8;
        struct iovec *v = realloc(b->iov, (size_t)n * sizeof *v);
        if (!v)
            return -1;
        b->iov = v;
        b->capiov = n;
    }
    b->iov[b->niov].iov_base = (void *)p;
    b->iov[b->niov].iov_len = len;
    b->niov++;
    return 0;
}

/* Ends the open chunk as a segment; its memory is never moved again. */
static int close_chunk(comrt_iobuf *b)
{
    if (!b->chunk)
        return 0;
    int r = push_iov(b, b->chunk, b->used);
    b->chunk = NULL;
    b->used = b->cap = 0;
    return r;
}

static int new_chunk(comrt_iobuf *b, size_t need)
{
    size_t cap = need > CHUNK_MIN ? need : CHUNK_MIN;
    if (b->nowned == b->capowned) {
        int n = b->capowned ? b->capowned * 2 : 8;
        char **o = realloc(b->owned, (size_t)n * sizeof *o);
        if (!o)
            return -1;
        b->owned = o;
        b->capowned = n;
    }
    char *c = malloc(cap);
    if (!c)
        return -1;
    b->owned[b->nowned++] = c;
    b->chunk = c;
    b->used = 0;
    b->cap = cap;
    return 0;
}

int comrt_iobuf_write(void *data, const char *buf, size_t len)
{
    comrt_iobuf *b = data;
    if (b->oom)
        return -1;
    if (len >= COMRT_IOBUF_REF_MIN) {
        if (close_chunk(b) || push_iov(b, buf, len))
            goto oom;
    } else {
        if ((!b->chunk || b->cap - b->used < len) && (close_chunk(b) || new_chunk(b, len)))
            goto oom;
        memcpy(b->chunk + b->used, buf, len);
        b->used += len;
    }
    b->total += len;
    return 0;
oom:
    b->oom = 1;
    return -1;
}

int comrt_iobuf_finish(comrt_iobuf *b)
{
    if (!b->oom && close_chunk(b))
        b->oom = 1;
    return b->oom ? -1 : 0;
}
