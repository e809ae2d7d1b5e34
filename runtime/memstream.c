/*
 * memstream.c - SHCreateMemStream: an IStream over a growable buffer.
 *
 * A mutex makes one stream usable from several threads (a stream carrying a
 * marshal packet is written on one thread and read on another).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const IID IID_ISequentialStream = {0x0c733a30, 0x2a1c, 0x11ce, {0xad, 0xe5, 0x00, 0xaa, 0x00, 0x44, 0x77, 0x3d}};
const IID IID_IStream = {0x0000000c, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

/* Streams here are buffers in memory: keep them addressable by a ULONG. */
#define MEMSTREAM_MAX 0x7FFFFFFFu

typedef struct memstream {
    IStream itf;
    atomic_ulong refs;
    pthread_mutex_t lock;
    BYTE *data;
    size_t size, cap, pos;
} memstream;

static memstream *impl(IStream *p)
{
    return (memstream *)(void *)p;
}

static HRESULT ms_QueryInterface(IStream *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ISequentialStream) ||
        IsEqualIID(riid, &IID_IStream)) {
        IStream_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG ms_AddRef(IStream *This)
{
    return (ULONG)atomic_fetch_add(&impl(This)->refs, 1) + 1;
}

static ULONG ms_Release(IStream *This)
{
    memstream *s = impl(This);
    ULONG n = (ULONG)atomic_fetch_sub(&s->refs, 1) - 1;
    if (n == 0) {
        pthread_mutex_destroy(&s->lock);
        free(s->data);
        free(s);
    }
    return n;
}

/* Lock held. Makes room for size bytes. */
static HRESULT reserve(memstream *s, size_t size)
{
    if (size > MEMSTREAM_MAX)
        return comrt_error_set(STG_E_MEDIUMFULL, "a memory stream cannot grow beyond %u bytes", MEMSTREAM_MAX);
    if (size <= s->cap)
        return S_OK;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < size)
        cap *= 2;
    BYTE *d = realloc(s->data, cap);
    if (!d)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory growing a memory stream");
    s->data = d;
    s->cap = cap;
    return S_OK;
}

static HRESULT ms_Read(IStream *This, void *pv, ULONG cb, ULONG *pcbRead)
{
    memstream *s = impl(This);
    if (!pv && cb)
        return STG_E_INVALIDPOINTER;
    pthread_mutex_lock(&s->lock);
    size_t n = s->pos < s->size ? s->size - s->pos : 0;
    if (n > cb)
        n = cb;
    if (n)
        memcpy(pv, s->data + s->pos, n);
    s->pos += n;
    pthread_mutex_unlock(&s->lock);
    if (pcbRead)
        *pcbRead = (ULONG)n;
    return n == cb ? S_OK : S_FALSE;
}

static HRESULT ms_Write(IStream *This, const void *pv, ULONG cb, ULONG *pcbWritten)
{
    memstream *s = impl(This);
    HRESULT hr;
    if (pcbWritten)
        *pcbWritten = 0;
    if (!pv && cb)
        return STG_E_INVALIDPOINTER;
    pthread_mutex_lock(&s->lock);
    hr = reserve(s, s->pos + cb);
    if (SUCCEEDED(hr) && cb) {
        if (s->pos > s->size) /* written past the end after a seek: the gap reads as zeros */
            memset(s->data + s->size, 0, s->pos - s->size);
        memcpy(s->data + s->pos, pv, cb);
        s->pos += cb;
        if (s->pos > s->size)
            s->size = s->pos;
        if (pcbWritten)
            *pcbWritten = cb;
    }
    pthread_mutex_unlock(&s->lock);
    return hr;
}

static HRESULT ms_Seek(IStream *This, LARGE_INTEGER move, DWORD origin, ULARGE_INTEGER *newpos)
{
    memstream *s = impl(This);
    HRESULT hr = S_OK;
    pthread_mutex_lock(&s->lock);
    int64_t base = origin == STREAM_SEEK_SET ? 0 : origin == STREAM_SEEK_CUR ? (int64_t)s->pos
                 : origin == STREAM_SEEK_END ? (int64_t)s->size : -1;
    if (base < 0 && origin > STREAM_SEEK_END) {
        hr = STG_E_INVALIDFUNCTION;
    } else if (move.QuadPart < -base || move.QuadPart > (int64_t)MEMSTREAM_MAX - base) {
        hr = STG_E_SEEKERROR; /* before the start, or beyond what a memory stream can be */
    } else {
        s->pos = (size_t)(base + move.QuadPart);
        if (newpos)
            newpos->QuadPart = s->pos;
    }
    pthread_mutex_unlock(&s->lock);
    return hr;
}

static HRESULT ms_SetSize(IStream *This, ULARGE_INTEGER size)
{
    memstream *s = impl(This);
    HRESULT hr;
    if (size.QuadPart > MEMSTREAM_MAX)
        return STG_E_MEDIUMFULL;
    pthread_mutex_lock(&s->lock);
    hr = reserve(s, (size_t)size.QuadPart);
    if (SUCCEEDED(hr)) {
        if (size.QuadPart > s->size)
            memset(s->data + s->size, 0, (size_t)size.QuadPart - s->size);
        s->size = (size_t)size.QuadPart;
    }
    pthread_mutex_unlock(&s->lock);
    return hr;
}

static HRESULT ms_CopyTo(IStream *This, IStream *dst, ULARGE_INTEGER cb, ULARGE_INTEGER *pcbRead,
                         ULARGE_INTEGER *pcbWritten)
{
    BYTE buf[4096];
    ULONGLONG done_r = 0, done_w = 0;
    HRESULT hr = S_OK;
    if (!dst)
        return STG_E_INVALIDPOINTER;
    while (done_r < cb.QuadPart) {
        ULONG want = cb.QuadPart - done_r < sizeof buf ? (ULONG)(cb.QuadPart - done_r) : (ULONG)sizeof buf;
        ULONG got = 0, put = 0;
        hr = ms_Read(This, buf, want, &got);
        if (FAILED(hr) || got == 0)
            break;
        done_r += got;
        hr = IStream_Write(dst, buf, got, &put);
        done_w += put;
        if (FAILED(hr))
            break;
    }
    if (pcbRead)
        pcbRead->QuadPart = done_r;
    if (pcbWritten)
        pcbWritten->QuadPart = done_w;
    return FAILED(hr) ? hr : S_OK;
}

static HRESULT ms_Commit(IStream *This, DWORD flags)
{
    (void)This;
    (void)flags;
    return S_OK; /* nothing is transacted in memory */
}

static HRESULT ms_Revert(IStream *This)
{
    (void)This;
    return S_OK;
}

static HRESULT ms_LockRegion(IStream *This, ULARGE_INTEGER off, ULARGE_INTEGER cb, DWORD type)
{
    (void)This;
    (void)off;
    (void)cb;
    (void)type;
    return STG_E_INVALIDFUNCTION; /* as Windows' memory streams */
}

static HRESULT ms_Stat(IStream *This, STATSTG *st, DWORD flags)
{
    memstream *s = impl(This);
    (void)flags; /* no name either way */
    if (!st)
        return STG_E_INVALIDPOINTER;
    memset(st, 0, sizeof *st);
    st->type = STGTY_STREAM;
    pthread_mutex_lock(&s->lock);
    st->cbSize.QuadPart = s->size;
    pthread_mutex_unlock(&s->lock);
    return S_OK;
}

static HRESULT ms_Clone(IStream *This, IStream **out)
{
    memstream *s = impl(This);
    if (!out)
        return STG_E_INVALIDPOINTER;
    pthread_mutex_lock(&s->lock);
    IStream *c = SHCreateMemStream(s->data, (UINT)s->size);
    if (c)
        impl(c)->pos = s->pos;
    pthread_mutex_unlock(&s->lock);
    *out = c;
    return c ? S_OK : E_OUTOFMEMORY;
}

static const IStreamVtbl vtbl = {
    ms_QueryInterface, ms_AddRef, ms_Release, ms_Read,  ms_Write,        ms_Seek,         ms_SetSize,
    ms_CopyTo,         ms_Commit, ms_Revert,  ms_LockRegion, ms_LockRegion, ms_Stat, ms_Clone,
};

IStream *SHCreateMemStream(const BYTE *pInit, UINT cbInit)
{
    memstream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->itf.lpVtbl = &vtbl;
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->lock, NULL);
    if (cbInit && (!pInit || FAILED(reserve(s, cbInit)))) {
        ms_Release(&s->itf);
        return NULL;
    }
    if (cbInit) {
        memcpy(s->data, pInit, cbInit);
        s->size = cbInit;
    }
    return &s->itf;
}
