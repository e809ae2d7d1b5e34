/*
 * item.c - sizing and screening items before the server stores them. The
 * server stays ignorant of what an item means; it only refuses what it
 * could not store safely (objects, references) and what is too big.
 */
#include "item.h"

#include <stdint.h>

/* Nested arrays of VARIANTs: the marshaler allows 32 levels; so do we. */
#define MAX_DEPTH 32

typedef struct walk {
    size_t bytes;
    HRESULT hr;
} walk;

static int fail(walk *w, HRESULT hr, const char *what, unsigned vt)
{
    w->hr = comrt_error_set(hr, "whiteboard: an item may not hold %s (vt 0x%04x)", what, vt);
    return 0;
}

static int add(walk *w, size_t n)
{
    if (n > WB_ITEM_MAX_BYTES || w->bytes > WB_ITEM_MAX_BYTES - n) {
        w->hr = comrt_error_set(E_INVALIDARG, "whiteboard: an item may hold at most %u bytes", WB_ITEM_MAX_BYTES);
        return 0;
    }
    w->bytes += n;
    return 1;
}

static int scalar_vt(unsigned vt)
{
    switch (vt) {
    case VT_EMPTY: case VT_NULL: case VT_I1: case VT_UI1: case VT_I2: case VT_UI2: case VT_I4: case VT_UI4:
    case VT_I8: case VT_UI8: case VT_INT: case VT_UINT: case VT_R4: case VT_R8: case VT_CY: case VT_DATE:
    case VT_BOOL: case VT_ERROR: case VT_DECIMAL:
        return 1;
    default:
        return 0;
    }
}

static int walk_variant(walk *w, const VARIANT *v, int depth);

static int walk_bstr(walk *w, BSTR b)
{
    return add(w, b ? sizeof(uint32_t) + SysStringByteLen(b) + 1 : 0);
}

static int walk_array(walk *w, SAFEARRAY *sa, unsigned evt, int depth)
{
    size_t count = 1;
    if (!sa)
        return 1;
    if (!add(w, sizeof(SAFEARRAY) + (size_t)sa->cDims * sizeof(SAFEARRAYBOUND)))
        return 0;
    for (USHORT d = 0; d < sa->cDims; d++) {
        size_t n = sa->rgsabound[d].cElements;
        if (n && count > SIZE_MAX / n)
            return add(w, SIZE_MAX);
        count *= n;
    }
    if (evt == VT_UNKNOWN || evt == VT_DISPATCH)
        return count == 0 || fail(w, E_INVALIDARG, "interface pointers", VT_ARRAY | evt);
    if (count && sa->cbElements > SIZE_MAX / count)
        return add(w, SIZE_MAX);
    if (!add(w, count * sa->cbElements))
        return 0;
    if (evt != VT_BSTR && evt != VT_VARIANT)
        return scalar_vt(evt) || fail(w, E_INVALIDARG, "this element type", VT_ARRAY | evt);
    if (!sa->pvData)
        return 1;
    for (size_t i = 0; i < count; i++) {
        int ok = evt == VT_BSTR ? walk_bstr(w, ((BSTR *)sa->pvData)[i])
                                : walk_variant(w, &((VARIANT *)sa->pvData)[i], depth + 1);
        if (!ok)
            return 0;
    }
    return 1;
}

static int walk_variant(walk *w, const VARIANT *v, int depth)
{
    unsigned vt = V_VT(v), base = vt & VT_TYPEMASK;
    if (depth > MAX_DEPTH)
        return fail(w, E_INVALIDARG, "arrays nested this deep", vt);
    if (vt & VT_BYREF)
        return fail(w, E_INVALIDARG, "a reference (VT_BYREF)", vt);
    if (base == VT_UNKNOWN || base == VT_DISPATCH) {
        if (vt & VT_ARRAY)
            return walk_array(w, V_ARRAY(v), base, depth);
        return fail(w, E_INVALIDARG, "an interface pointer", vt);
    }
    if (vt & ~(unsigned)(VT_TYPEMASK | VT_ARRAY))
        return fail(w, E_INVALIDARG, "this type", vt);
    if (vt & VT_ARRAY)
        return walk_array(w, V_ARRAY(v), base, depth);
    if (vt == VT_BSTR)
        return walk_bstr(w, V_BSTR(v));
    return scalar_vt(vt) || fail(w, E_INVALIDARG, "this type", vt);
}

HRESULT wb_item_check(const VARIANT *item, size_t *bytes)
{
    walk w = {sizeof(VARIANT), S_OK};
    *bytes = 0;
    if (!item)
        return E_POINTER;
    if (!walk_variant(&w, item, 0))
        return w.hr;
    *bytes = w.bytes;
    return S_OK;
}
