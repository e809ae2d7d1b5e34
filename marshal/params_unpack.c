/*
 * params_unpack.c - decoding msgpack into C values, for the stub ([in]
 * parameters, from an untrusted peer) and the proxy ([out] ones).
 *
 * Every decoder writes into zeroed storage and stores each allocation in
 * place before filling it, so that on any failure pc_free_value over the
 * whole value frees exactly what was built. Types are checked exactly (an
 * int is not a float, a str is not a bin), integers are range-checked for
 * their C type, and every count is compared with the size expression
 * before anything is copied.
 */
#include <string.h>

#include "../runtime/internal.h"
#include "frame.h"
#include "params_internal.h"

/* Zeroed memory for count elements within the call's budget: task memory,
 * or the stub's scratch memory (comrt_frame_alloc). */
static HRESULT alloc_zeroed(pctx *c, uint64_t count, size_t elem_size, int scratch, void **out)
{
    size_t size;
    *out = NULL;
    /* count is at most 2^40 (pc_count) and elem_size below 2^31 (the
     * loader's bound), but check the product anyway. */
    if (__builtin_mul_overflow(count, (uint64_t)elem_size, &size) || size > COMRT_PARAMS_MAX_ALLOC ||
        c->allocated + size > COMRT_PARAMS_MAX_ALLOC)
        return pc_fail(c, c->bad, "the call would allocate more than %zu MiB", COMRT_PARAMS_MAX_ALLOC >> 20);
    void *p = scratch ? comrt_frame_alloc(size) : comrt_task_mem_calloc(size);
    if (!p)
        return pc_fail(c, E_OUTOFMEMORY, "out of memory (%zu bytes)", size);
    if (scratch)
        memset(p, 0, size);
    c->allocated += size;
    *out = p;
    return S_OK;
}

HRESULT pc_alloc(pctx *c, uint64_t count, size_t elem_size, void **out)
{
    return alloc_zeroed(c, count, elem_size, 0, out);
}

HRESULT pc_alloc_scratch(pctx *c, uint64_t count, size_t elem_size, void **out)
{
    return alloc_zeroed(c, count, elem_size, 1, out);
}

static const char *type_name(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a float";
    case MSGPACK_OBJECT_STR: return "a str";
    case MSGPACK_OBJECT_BIN: return "a bin";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    default: return "an extension";
    }
}

static HRESULT wrong(pctx *c, const msgpack_object *o, const char *want)
{
    return pc_fail(c, c->bad, "expected %s, got %s", want, type_name(o));
}

static HRESULT unpack_int(pctx *c, const comrt_tl_type *t, void *mem, const msgpack_object *o)
{
    static const struct { int64_t lo; uint64_t hi; } range[] = {
        [COMRT_TL_I1] = {INT8_MIN, INT8_MAX},   [COMRT_TL_U1] = {0, UINT8_MAX},
        [COMRT_TL_I2] = {INT16_MIN, INT16_MAX}, [COMRT_TL_U2] = {0, UINT16_MAX},
        [COMRT_TL_I4] = {INT32_MIN, INT32_MAX}, [COMRT_TL_U4] = {0, UINT32_MAX},
        [COMRT_TL_I8] = {INT64_MIN, INT64_MAX}, [COMRT_TL_U8] = {0, UINT64_MAX},
        [COMRT_TL_ENUM] = {INT32_MIN, INT32_MAX},
    };
    uint32_t k = t->kind;
    uint64_t u;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > range[k].hi)
            goto range;
        u = o->via.u64;
    } else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        if (o->via.i64 < range[k].lo)
            goto range;
        u = (uint64_t)o->via.i64;
    } else {
        return wrong(c, o, "an integer");
    }
    /* Little-endian: the low bytes of the 64-bit value are the narrow one. */
    memcpy(mem, &u, t->size);
    return S_OK;
range:
    return pc_fail(c, c->bad, "integer out of range for a %u-byte %s", t->size,
                   range[k].lo < 0 ? "signed value" : "unsigned value");
}

static HRESULT unpack_struct(pctx *c, const comrt_tl_struct *r, uint8_t *mem, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return wrong(c, o, "an array (struct)");
    if (o->via.array.size != r->nfields)
        return pc_fail(c, c->bad, "struct %s has %u fields, got %u", r->name, r->nfields, o->via.array.size);
    const comrt_tl_struct *orec = c->rec;
    const uint8_t *obase = c->base;
    HRESULT hr = S_OK;
    /* Fields sized by sibling fields are decoded after all the others. */
    for (int pass = 0; pass < 2 && SUCCEEDED(hr); pass++) {
        for (uint32_t i = 0; i < r->nfields && SUCCEEDED(hr); i++) {
            const comrt_tl_type *ft = r->fields[i].type;
            if (pc_uses_exprs(ft) != pass)
                continue;
            c->rec = r;
            c->base = mem;
            hr = pc_unpack_value(c, ft, mem + r->fields[i].offset, &o->via.array.ptr[i]);
        }
    }
    c->rec = orec;
    c->base = obase;
    return hr;
}

HRESULT pc_unpack_elems(pctx *c, const comrt_tl_type *elem, void *base, int64_t count, const msgpack_object *o)
{
    HRESULT hr;
    if (pc_blittable(elem)) {
        if (o->type != MSGPACK_OBJECT_BIN)
            return wrong(c, o, "a bin (array of scalars)");
        if ((uint64_t)o->via.bin.size != (uint64_t)count * elem->size)
            return pc_fail(c, c->bad, "a bin of %u bytes does not hold %lld elements of %u bytes", o->via.bin.size,
                           (long long)count, elem->size);
        /* Equal when the reply was received into place (bulkread.h). */
        if (o->via.bin.size && base != o->via.bin.ptr)
            memcpy(base, o->via.bin.ptr, o->via.bin.size);
        return S_OK;
    }
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return wrong(c, o, "an array");
    if ((uint64_t)o->via.array.size != (uint64_t)count)
        return pc_fail(c, c->bad, "an array of %u elements where %lld are expected", o->via.array.size,
                       (long long)count);
    for (int64_t i = 0; i < count; i++)
        if (FAILED(hr = pc_unpack_value(c, elem, (uint8_t *)base + (size_t)i * elem->size, &o->via.array.ptr[i])))
            return hr;
    return S_OK;
}

HRESULT pc_unwrap(pctx *c, const comrt_tl_type *t, int top, const msgpack_object *o, const msgpack_object **inner)
{
    *inner = o;
    if (!pc_may_be_null(t, top) || !pc_nullable(t->elem) || (t->flags & COMRT_TL_F_STRING) || t->size_is ||
        t->length_is)
        return S_OK;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 1)
        return wrong(c, o, "a one-element array (non-NULL [unique] pointer)");
    *inner = &o->via.array.ptr[0];
    return S_OK;
}

HRESULT pc_unpack_string(pctx *c, const msgpack_object *o, int64_t cap, char **out)
{
    *out = NULL;
    if (o->type != MSGPACK_OBJECT_STR)
        return wrong(c, o, "a str");
    size_t len = o->via.str.size;
    if (len && memchr(o->via.str.ptr, 0, len))
        return pc_fail(c, c->bad, "a [string] contains a NUL byte");
    if (cap >= 0 && (uint64_t)len + 1 > (uint64_t)cap)
        return pc_fail(c, c->bad, "a [string] of %zu bytes does not fit in size_is %lld", len, (long long)cap);
    size_t size = cap > (int64_t)len ? (size_t)cap : len + 1;
    HRESULT hr = pc_alloc(c, size, 1, (void **)out);
    if (FAILED(hr))
        return hr;
    if (len)
        memcpy(*out, o->via.str.ptr, len);
    return S_OK;
}

HRESULT pc_unpack_ptr(pctx *c, const comrt_tl_type *t, void **slot, const msgpack_object *o, int top)
{
    const comrt_tl_type *elem = t->elem;
    HRESULT hr;
    *slot = NULL;
    /* nil is a NULL pointer only where one is legal; for a [ref] pointer
     * it can only be its (nullable) pointee, else the decoders below
     * reject it as the wrong type. */
    if (o->type == MSGPACK_OBJECT_NIL && pc_may_be_null(t, top))
        return S_OK;
    if (t->flags & COMRT_TL_F_STRING) {
        int64_t cap = -1;
        if (elem->kind != COMRT_TL_I1 && elem->kind != COMRT_TL_U1)
            return pc_fail(c, E_NOTIMPL, "[string] of elements wider than a byte");
        if (t->size_is && FAILED(hr = pc_count(c, t->size_is, "size_is", &cap)))
            return hr;
        return pc_unpack_string(c, o, cap, (char **)slot);
    }
    if (t->size_is || t->length_is) {
        int64_t n = -1, len;
        if (t->size_is && FAILED(hr = pc_count(c, t->size_is, "size_is", &n)))
            return hr;
        len = n;
        if (t->length_is && FAILED(hr = pc_count(c, t->length_is, "length_is", &len)))
            return hr;
        if (n < 0)
            n = len;
        if (len > n)
            return pc_fail(c, c->bad, "length_is %lld exceeds size_is %lld", (long long)len, (long long)n);
        /* Check the message against the expected count before allocating
         * what size_is asks for. */
        if (pc_blittable(elem)) {
            if (o->type != MSGPACK_OBJECT_BIN)
                return wrong(c, o, "a bin (array of scalars)");
            if ((uint64_t)o->via.bin.size != (uint64_t)len * elem->size)
                return pc_fail(c, c->bad, "a bin of %u bytes does not hold %lld elements of %u bytes",
                               o->via.bin.size, (long long)len, elem->size);
        } else {
            if (o->type != MSGPACK_OBJECT_ARRAY)
                return wrong(c, o, "an array");
            if ((uint64_t)o->via.array.size != (uint64_t)len)
                return pc_fail(c, c->bad, "an array of %u elements where %lld are expected", o->via.array.size,
                               (long long)len);
        }
        if (FAILED(hr = pc_alloc(c, (uint64_t)n, elem->size, slot)))
            return hr;
        return pc_unpack_elems(c, elem, *slot, len, o);
    }
    const msgpack_object *v;
    if (FAILED(hr = pc_unwrap(c, t, top, o, &v)))
        return hr;
    if (elem->kind == COMRT_TL_VOID || elem->size == 0)
        return pc_fail(c, E_NOTIMPL, "a pointer to a value of no size");
    if (FAILED(hr = pc_alloc(c, 1, elem->size, slot)))
        return hr;
    return pc_unpack_value(c, elem, *slot, v);
}

HRESULT pc_unpack_value(pctx *c, const comrt_tl_type *t, void *mem, const msgpack_object *o)
{
    HRESULT hr = S_OK;
    if (++c->depth > COMRT_PARAMS_MAX_DEPTH) {
        hr = pc_fail(c, c->bad, "values nest deeper than %d levels", COMRT_PARAMS_MAX_DEPTH);
        goto out;
    }
    switch (t->kind) {
    case COMRT_TL_I1: case COMRT_TL_U1: case COMRT_TL_I2: case COMRT_TL_U2: case COMRT_TL_I4:
    case COMRT_TL_U4: case COMRT_TL_I8: case COMRT_TL_U8: case COMRT_TL_ENUM:
        hr = unpack_int(c, t, mem, o);
        break;
    case COMRT_TL_R4:
        if (o->type != MSGPACK_OBJECT_FLOAT32)
            hr = wrong(c, o, "a float32");
        else {
            float f = (float)o->via.f64;
            memcpy(mem, &f, 4);
        }
        break;
    case COMRT_TL_R8:
        if (o->type != MSGPACK_OBJECT_FLOAT64)
            hr = wrong(c, o, "a float64");
        else
            memcpy(mem, &o->via.f64, 8);
        break;
    case COMRT_TL_BSTR: {
        BSTR b = NULL;
        if (o->type == MSGPACK_OBJECT_NIL)
            break;
        if (o->type != MSGPACK_OBJECT_BIN) {
            hr = wrong(c, o, "a bin (BSTR)");
            break;
        }
        if ((size_t)o->via.bin.size + c->allocated > COMRT_PARAMS_MAX_ALLOC) {
            hr = pc_fail(c, c->bad, "the call would allocate more than %zu MiB", COMRT_PARAMS_MAX_ALLOC >> 20);
            break;
        }
        b = SysAllocStringLen(o->via.bin.ptr, o->via.bin.size);
        if (!b) {
            hr = pc_fail(c, E_OUTOFMEMORY, "out of memory for a BSTR");
            break;
        }
        c->allocated += o->via.bin.size;
        memcpy(mem, &b, sizeof b);
        break;
    }
    case COMRT_TL_INTERFACE: {
        const IID *iid;
        void *p = NULL;
        if (FAILED(hr = pc_iid(c, t, &iid)))
            break;
        if (!c->im || !c->im->unmarshal) {
            hr = pc_fail(c, E_NOTIMPL, "no interface marshaler");
            break;
        }
        hr = c->im->unmarshal(c->im->ctx, o, iid, &p);
        if (FAILED(hr)) {
            /* Keep the marshaler's hr; say where it happened. */
            hr = pc_fail(c, hr, "cannot unmarshal the interface pointer");
            break;
        }
        memcpy(mem, &p, sizeof p);
        break;
    }
    case COMRT_TL_STRUCT:
        hr = unpack_struct(c, t->record, mem, o);
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
                hr = pc_fail(c, c->bad, "length_is %lld exceeds the array's %u elements", (long long)len, t->count);
                break;
            }
        }
        hr = pc_unpack_elems(c, t->elem, mem, len, o);
        break;
    }
    case COMRT_TL_PTR:
        hr = pc_unpack_ptr(c, t, (void **)mem, o, 0);
        break;
    case COMRT_TL_VARIANT:
        hr = pc_unpack_variant(c, mem, o);
        break;
    case COMRT_TL_SAFEARRAY:
        hr = pc_unpack_safearray(c, t, mem, o);
        break;
    default:
        hr = pc_fail(c, E_NOTIMPL, "parameters of type kind %u are not supported", t->kind);
        break;
    }
out:
    c->depth--;
    return hr;
}
