/*
 * params_pack.c - encoding C values as msgpack (the proxy's [in]
 * parameters, the stub's [out] ones). Reads memory only; ownership never
 * changes here. The encoding is described at the top of params.c.
 */
#include <string.h>

#include "params_internal.h"

/* Raw little-endian element images: the bin fast path is a memcpy. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the bin encoding assumes a little-endian host");

static HRESULT packed(pctx *c, int rc)
{
    if (rc != 0)
        return pc_fail(c, E_OUTOFMEMORY, "cannot write the message");
    return S_OK;
}

static HRESULT pack_scalar(pctx *c, const comrt_tl_type *t, const void *mem)
{
    msgpack_packer *pk = c->pk;
    int64_t i;
    switch (t->kind) {
    case COMRT_TL_U8: {
        uint64_t u;
        memcpy(&u, mem, 8);
        return packed(c, msgpack_pack_uint64(pk, u));
    }
    case COMRT_TL_R4: {
        float f;
        memcpy(&f, mem, 4);
        return packed(c, msgpack_pack_float(pk, f));
    }
    case COMRT_TL_R8: {
        double d;
        memcpy(&d, mem, 8);
        return packed(c, msgpack_pack_double(pk, d));
    }
    default:
        pc_read_int(t, mem, &i);
        return packed(c, msgpack_pack_int64(pk, i));
    }
}

/* count elements of elem at base: one bin for blittable types, else an array. */
static HRESULT pack_elems(pctx *c, const comrt_tl_type *elem, const uint8_t *base, int64_t count)
{
    HRESULT hr;
    if (pc_blittable(elem)) {
        size_t bytes = (size_t)count * elem->size;
        if (bytes > UINT32_MAX)
            return pc_fail(c, E_INVALIDARG, "an array of %zu bytes is too large to send", bytes);
        if (FAILED(hr = packed(c, msgpack_pack_bin(c->pk, bytes))))
            return hr;
        return bytes ? packed(c, msgpack_pack_bin_body(c->pk, base, bytes)) : S_OK;
    }
    if (count > UINT32_MAX)
        return pc_fail(c, E_INVALIDARG, "an array of %lld elements is too large to send", (long long)count);
    if (FAILED(hr = packed(c, msgpack_pack_array(c->pk, (size_t)count))))
        return hr;
    for (int64_t i = 0; i < count; i++)
        if (FAILED(hr = pc_pack_value(c, elem, base + (size_t)i * elem->size)))
            return hr;
    return S_OK;
}

static HRESULT pack_struct(pctx *c, const comrt_tl_struct *r, const uint8_t *mem)
{
    const comrt_tl_struct *orec = c->rec;
    const uint8_t *obase = c->base;
    HRESULT hr = packed(c, msgpack_pack_array(c->pk, r->nfields));
    c->rec = r;
    c->base = mem;
    for (uint32_t i = 0; SUCCEEDED(hr) && i < r->nfields; i++) {
        /* Field expressions are evaluated while this struct is the context. */
        c->rec = r;
        c->base = mem;
        hr = pc_pack_value(c, r->fields[i].type, mem + r->fields[i].offset);
    }
    c->rec = orec;
    c->base = obase;
    return hr;
}

HRESULT pc_pack_value(pctx *c, const comrt_tl_type *t, const void *mem)
{
    HRESULT hr = S_OK;
    if (++c->depth > COMRT_PARAMS_MAX_DEPTH) {
        hr = pc_fail(c, E_INVALIDARG, "values nest deeper than %d levels", COMRT_PARAMS_MAX_DEPTH);
        goto out;
    }
    switch (t->kind) {
    case COMRT_TL_I1: case COMRT_TL_U1: case COMRT_TL_I2: case COMRT_TL_U2: case COMRT_TL_I4:
    case COMRT_TL_U4: case COMRT_TL_I8: case COMRT_TL_U8: case COMRT_TL_R4: case COMRT_TL_R8:
    case COMRT_TL_ENUM:
        hr = pack_scalar(c, t, mem);
        break;
    case COMRT_TL_BSTR: {
        BSTR b;
        memcpy(&b, mem, sizeof b);
        if (!b) {
            hr = packed(c, msgpack_pack_nil(c->pk));
            break;
        }
        UINT n = SysStringByteLen(b);
        hr = packed(c, msgpack_pack_bin(c->pk, n));
        if (SUCCEEDED(hr) && n)
            hr = packed(c, msgpack_pack_bin_body(c->pk, b, n));
        break;
    }
    case COMRT_TL_INTERFACE: {
        const IID *iid;
        IUnknown *p;
        memcpy(&p, mem, sizeof p);
        if (FAILED(hr = pc_iid(c, t, &iid)))
            break;
        if (!c->im || !c->im->marshal) {
            hr = pc_fail(c, E_NOTIMPL, "no interface marshaler");
            break;
        }
        hr = c->im->marshal(c->im->ctx, c->pk, p, iid);
        break;
    }
    case COMRT_TL_STRUCT:
        hr = pack_struct(c, t->record, mem);
        break;
    case COMRT_TL_ARRAY: {
        int64_t len = t->count;
        if (t->count == 0) {
            hr = pc_fail(c, E_NOTIMPL, "conformant arrays in structs are not supported");
            break;
        }
        if (t->length_is) {
            if (FAILED(hr = pc_count(c, t->length_is, "length_is", &len)))
                break;
            if (len > t->count) {
                hr = pc_fail(c, E_INVALIDARG, "length_is %lld exceeds the array's %u elements", (long long)len,
                             t->count);
                break;
            }
        }
        hr = pack_elems(c, t->elem, mem, len);
        break;
    }
    case COMRT_TL_PTR: {
        const void *p;
        memcpy(&p, mem, sizeof p);
        hr = pc_pack_ptr(c, t, p, 0, -1);
        break;
    }
    case COMRT_TL_VARIANT:
        hr = pc_pack_variant(c, mem);
        break;
    case COMRT_TL_SAFEARRAY:
        hr = pc_pack_safearray(c, t, mem);
        break;
    default:
        hr = pc_fail(c, E_NOTIMPL, "parameters of type kind %u are not supported", t->kind);
        break;
    }
out:
    c->depth--;
    return hr;
}

HRESULT pc_pack_ptr(pctx *c, const comrt_tl_type *t, const void *p, int top, int64_t cap)
{
    const comrt_tl_type *elem = t->elem;
    HRESULT hr;
    if (!p) {
        if (!pc_may_be_null(t, top))
            return pc_fail(c, E_POINTER, "a [ref] pointer is NULL");
        return packed(c, msgpack_pack_nil(c->pk));
    }
    if (t->flags & COMRT_TL_F_STRING) {
        if (elem->kind != COMRT_TL_I1 && elem->kind != COMRT_TL_U1)
            return pc_fail(c, E_NOTIMPL, "[string] of elements wider than a byte");
        if (cap < 0 && t->size_is && FAILED(hr = pc_count(c, t->size_is, "size_is", &cap)))
            return hr;
        size_t len = cap >= 0 ? strnlen(p, (size_t)cap) : strlen(p);
        if (cap >= 0 && len == (size_t)cap)
            return pc_fail(c, E_INVALIDARG, "a [string] is not terminated within its size_is");
        if (len > UINT32_MAX)
            return pc_fail(c, E_INVALIDARG, "a [string] is too long");
        if (FAILED(hr = packed(c, msgpack_pack_str(c->pk, len))))
            return hr;
        return len ? packed(c, msgpack_pack_str_body(c->pk, p, len)) : S_OK;
    }
    if (cap >= 0 || t->size_is || t->length_is) {
        int64_t n = cap, len;
        if (n < 0 && t->size_is && FAILED(hr = pc_count(c, t->size_is, "size_is", &n)))
            return hr;
        len = n;
        if (t->length_is && FAILED(hr = pc_count(c, t->length_is, "length_is", &len)))
            return hr;
        if (n >= 0 && len > n)
            return pc_fail(c, E_INVALIDARG, "length_is %lld exceeds size_is %lld", (long long)len, (long long)n);
        return pack_elems(c, elem, p, len);
    }
    /* One pointee. A [unique] pointer to something that may itself be nil
     * wraps it, so that nil always means "the pointer was NULL". */
    if (pc_may_be_null(t, top) && pc_nullable(elem)) {
        if (FAILED(hr = packed(c, msgpack_pack_array(c->pk, 1))))
            return hr;
    }
    return pc_pack_value(c, elem, p);
}
