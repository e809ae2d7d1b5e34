/*
 * marshal_api.c - COM's explicit marshaling API over streams and byte
 * buffers; the packets themselves are packet.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "orpc.h"

/* A packet is small (a few GUIDs and two socket paths); reading a stream in
 * pieces of this size until the packet parses keeps the reader from ever
 * taking bytes that follow it. */
#define PACKET_MAX 9000

static HRESULT check_marshal_args(REFIID riid, IUnknown *pUnk, DWORD ctx, void *reserved, const char *fn)
{
    if (!riid || !pUnk)
        return comrt_error_set(E_INVALIDARG, "%s: NULL interface ID or object", fn);
    if (reserved)
        return comrt_error_set(E_INVALIDARG, "%s: pvDestContext is reserved", fn);
    if (ctx == MSHCTX_DIFFERENTMACHINE)
        return comrt_error_set(E_NOTIMPL, "%s: marshaling to another machine is not supported yet", fn);
    if (ctx > MSHCTX_CROSSCTX)
        return comrt_error_set(E_INVALIDARG, "%s: unknown destination context %u", fn, (unsigned)ctx);
    return comrt_thread_check_init(fn);
}

HRESULT comrt_marshal_to_bytes(REFIID riid, IUnknown *pUnk, DWORD mshlflags, BYTE **bytes, ULONG *len)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    HRESULT hr;

    if (!bytes || !len)
        return E_POINTER;
    *bytes = NULL;
    *len = 0;
    hr = check_marshal_args(riid, pUnk, MSHCTX_LOCAL, NULL, "comrt_marshal_to_bytes");
    if (FAILED(hr))
        return hr;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    hr = comrt_packet_marshal(pUnk, riid, mshlflags, &pk);
    if (SUCCEEDED(hr)) {
        *bytes = CoTaskMemAlloc(sb.size);
        if (*bytes) {
            memcpy(*bytes, sb.data, sb.size);
            *len = (ULONG)sb.size;
        } else {
            /* Nobody will ever see the packet: give its reference back. */
            size_t used;
            comrt_packet_release_bytes(sb.data, sb.size, &used);
            hr = comrt_error_set(E_OUTOFMEMORY, "out of memory for a marshal packet");
        }
    }
    msgpack_sbuffer_destroy(&sb);
    return hr;
}

HRESULT comrt_unmarshal_from_bytes(const BYTE *bytes, ULONG len, REFIID riid, void **ppv)
{
    size_t used;
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return comrt_error_set(E_INVALIDARG, "comrt_unmarshal_from_bytes: NULL interface ID");
    HRESULT hr = comrt_thread_check_init("comrt_unmarshal_from_bytes");
    if (FAILED(hr))
        return hr;
    return comrt_packet_unmarshal((const char *)bytes, len, riid, ppv, &used);
}

HRESULT comrt_release_marshal_bytes(const BYTE *bytes, ULONG len)
{
    size_t used;
    return comrt_packet_release_bytes((const char *)bytes, len, &used);
}

HRESULT CoMarshalInterface(IStream *pStm, REFIID riid, IUnknown *pUnk, DWORD dwDestContext, void *pvDestContext,
                           DWORD mshlflags)
{
    BYTE *bytes = NULL;
    ULONG len = 0, written = 0;
    HRESULT hr;

    if (!pStm)
        return comrt_error_set(E_INVALIDARG, "CoMarshalInterface: NULL stream");
    hr = check_marshal_args(riid, pUnk, dwDestContext, pvDestContext, "CoMarshalInterface");
    if (SUCCEEDED(hr))
        hr = comrt_marshal_to_bytes(riid, pUnk, mshlflags, &bytes, &len);
    if (FAILED(hr))
        return hr;
    hr = IStream_Write(pStm, bytes, len, &written);
    if (SUCCEEDED(hr) && written != len)
        hr = comrt_error_set(STG_E_MEDIUMFULL, "CoMarshalInterface: the stream took %u of %u bytes",
                             (unsigned)written, (unsigned)len);
    if (FAILED(hr))
        comrt_release_marshal_bytes(bytes, len);
    CoTaskMemFree(bytes);
    return hr;
}

/*
 * Reads one packet from the stream and leaves the stream right after it:
 * reads what is there (up to PACKET_MAX) and seeks back over what the
 * packet did not use. fn(buf, len, ctx, &used) interprets it.
 */
static HRESULT with_packet(IStream *pStm, HRESULT (*fn)(const char *, size_t, void *, size_t *), void *ctx)
{
    char *buf = malloc(PACKET_MAX);
    ULONG got = 0;
    size_t used = 0;
    HRESULT hr;

    if (!buf)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory reading a marshal packet");
    hr = IStream_Read(pStm, buf, PACKET_MAX, &got);
    if (FAILED(hr)) {
        free(buf);
        return hr;
    }
    hr = fn(buf, got, ctx, &used);
    if (used < got) {
        LARGE_INTEGER back;
        back.QuadPart = -(LONGLONG)(got - used);
        IStream_Seek(pStm, back, STREAM_SEEK_CUR, NULL);
    }
    free(buf);
    return hr;
}

struct unmarshal_ctx {
    REFIID riid;
    void **ppv;
};

static HRESULT do_unmarshal(const char *buf, size_t len, void *ctx, size_t *used)
{
    struct unmarshal_ctx *u = ctx;
    /* Bytes that are no packet are left in the stream (*used stays 0). */
    return comrt_packet_unmarshal(buf, len, u->riid, u->ppv, used);
}

static HRESULT do_release(const char *buf, size_t len, void *ctx, size_t *used)
{
    (void)ctx;
    return comrt_packet_release_bytes(buf, len, used);
}

HRESULT CoUnmarshalInterface(IStream *pStm, REFIID riid, void **ppv)
{
    struct unmarshal_ctx u = {riid, ppv};
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!pStm || !riid)
        return comrt_error_set(E_INVALIDARG, "CoUnmarshalInterface: NULL stream or interface ID");
    HRESULT hr = comrt_thread_check_init("CoUnmarshalInterface");
    if (FAILED(hr))
        return hr;
    return with_packet(pStm, do_unmarshal, &u);
}

HRESULT CoReleaseMarshalData(IStream *pStm)
{
    if (!pStm)
        return comrt_error_set(E_INVALIDARG, "CoReleaseMarshalData: NULL stream");
    return with_packet(pStm, do_release, NULL);
}

HRESULT CoGetMarshalSizeMax(ULONG *pulSize, REFIID riid, IUnknown *pUnk, DWORD dwDestContext, void *pvDestContext,
                            DWORD mshlflags)
{
    (void)mshlflags;
    if (!pulSize)
        return E_POINTER;
    *pulSize = 0;
    HRESULT hr = check_marshal_args(riid, pUnk, dwDestContext, pvDestContext, "CoGetMarshalSizeMax");
    if (SUCCEEDED(hr))
        *pulSize = PACKET_MAX;
    return hr;
}

HRESULT CoMarshalInterThreadInterfaceInStream(REFIID riid, LPUNKNOWN pUnk, LPSTREAM *ppStm)
{
    if (!ppStm)
        return E_POINTER;
    *ppStm = NULL;
    IStream *s = SHCreateMemStream(NULL, 0);
    if (!s)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a stream");
    HRESULT hr = CoMarshalInterface(s, riid, pUnk, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL);
    if (FAILED(hr)) {
        IStream_Release(s);
        return hr;
    }
    LARGE_INTEGER zero = {.QuadPart = 0};
    IStream_Seek(s, zero, STREAM_SEEK_SET, NULL);
    *ppStm = s;
    return S_OK;
}

HRESULT CoGetInterfaceAndReleaseStream(LPSTREAM pStm, REFIID iid, LPVOID *ppv)
{
    if (ppv)
        *ppv = NULL;
    if (!pStm)
        return comrt_error_set(E_INVALIDARG, "CoGetInterfaceAndReleaseStream: NULL stream");
    HRESULT hr = CoUnmarshalInterface(pStm, iid, ppv);
    IStream_Release(pStm);
    return hr;
}
