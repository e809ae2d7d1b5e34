/*
 * stroke.c - a stroke <-> a VARIANT holding a SAFEARRAY (see stroke.h).
 * Decoding is the part that meets strangers' data: another client may
 * store anything on the board, so every check comes before any access.
 */
#include "stroke.h"

#include <stdlib.h>
#include <string.h>

#define BAD "not a whiteboard stroke: "

HRESULT wb_stroke_check(const wb_stroke *s)
{
    if (!s)
        return E_POINTER;
    if (s->colour > 0xFFFFFFu)
        return comrt_error_set(E_INVALIDARG, BAD "colour 0x%lx is not 0xRRGGBB", (unsigned long)s->colour);
    if (s->width < 1 || s->width > WB_MAX_WIDTH)
        return comrt_error_set(E_INVALIDARG, BAD "pen width %ld is not 1..%d", (long)s->width, WB_MAX_WIDTH);
    if (s->npoints < 1 || s->npoints > WB_MAX_POINTS || !s->points)
        return comrt_error_set(E_INVALIDARG, BAD "%zu points (1..%d)", s->npoints, WB_MAX_POINTS);
    for (size_t i = 0; i < s->npoints; i++) {
        const wb_point *p = &s->points[i];
        if (p->x < 0 || p->x > WB_BOARD_W || p->y < 0 || p->y > WB_BOARD_H)
            return comrt_error_set(E_INVALIDARG, BAD "point %zu (%ld,%ld) is outside the %dx%d board", i,
                                   (long)p->x, (long)p->y, WB_BOARD_W, WB_BOARD_H);
    }
    return S_OK;
}

static HRESULT put_i4(SAFEARRAY *sa, LONG idx, LONG value)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_I4;
    V_I4(&v) = value;
    return SafeArrayPutElement(sa, &idx, &v);
}

HRESULT wb_variant_from_stroke(const wb_stroke *s, VARIANT *out)
{
    SAFEARRAY *sa = NULL, *pts = NULL;
    LONG *xy = NULL;
    VARIANT e;
    HRESULT hr;

    VariantInit(out);
    if (FAILED(hr = wb_stroke_check(s)))
        return hr;
    sa = SafeArrayCreateVector(VT_VARIANT, 0, 4);
    pts = SafeArrayCreateVector(VT_I4, 0, (ULONG)(2 * s->npoints));
    if (!sa || !pts) {
        hr = E_OUTOFMEMORY;
        goto fail;
    }
    if (FAILED(hr = SafeArrayAccessData(pts, (void **)&xy)))
        goto fail;
    for (size_t i = 0; i < s->npoints; i++) {
        xy[2 * i] = s->points[i].x;
        xy[2 * i + 1] = s->points[i].y;
    }
    SafeArrayUnaccessData(pts);

    VariantInit(&e);
    V_VT(&e) = VT_BSTR;
    V_BSTR(&e) = SysAllocString(WB_STROKE_TAG);
    LONG idx = 0;
    hr = V_BSTR(&e) ? SafeArrayPutElement(sa, &idx, &e) : E_OUTOFMEMORY;
    VariantClear(&e);
    if (SUCCEEDED(hr))
        hr = put_i4(sa, 1, (LONG)s->colour);
    if (SUCCEEDED(hr))
        hr = put_i4(sa, 2, s->width);
    if (FAILED(hr))
        goto fail;
    V_VT(&e) = VT_ARRAY | VT_I4;
    V_ARRAY(&e) = pts; /* PutElement copies it; ours is destroyed below */
    idx = 3;
    if (FAILED(hr = SafeArrayPutElement(sa, &idx, &e)))
        goto fail;
    SafeArrayDestroy(pts);
    V_VT(out) = VT_ARRAY | VT_VARIANT;
    V_ARRAY(out) = sa;
    return S_OK;
fail:
    SafeArrayDestroy(pts);
    SafeArrayDestroy(sa);
    return hr;
}

/* One dimension, its element count and the address of element k. */
static HRESULT vector_of(SAFEARRAY *sa, const char *what, size_t *count)
{
    if (!sa)
        return comrt_error_set(E_INVALIDARG, BAD "%s is a NULL array", what);
    if (SafeArrayGetDim(sa) != 1)
        return comrt_error_set(E_INVALIDARG, BAD "%s has %u dimensions, not 1", what, SafeArrayGetDim(sa));
    *count = sa->rgsabound[0].cElements;
    if (*count && !sa->pvData)
        return comrt_error_set(E_INVALIDARG, BAD "%s has no data", what);
    return S_OK;
}

static HRESULT get_i4(const VARIANT *e, const char *what, LONG lo, LONG hi, LONG *out)
{
    if (V_VT(e) != VT_I4)
        return comrt_error_set(DISP_E_TYPEMISMATCH, BAD "the %s is of type 0x%04x, not VT_I4", what,
                               (unsigned)V_VT(e));
    if (V_I4(e) < lo || V_I4(e) > hi)
        return comrt_error_set(E_INVALIDARG, BAD "the %s %ld is not %ld..%ld", what, (long)V_I4(e), (long)lo,
                               (long)hi);
    *out = V_I4(e);
    return S_OK;
}

HRESULT wb_stroke_from_variant(const VARIANT *v, wb_stroke *out)
{
    size_t n = 0, nxy = 0;
    LONG colour = 0;
    HRESULT hr;

    if (!out)
        return E_POINTER;
    memset(out, 0, sizeof *out);
    if (!v)
        return E_POINTER;
    if (V_VT(v) != (VT_ARRAY | VT_VARIANT))
        return comrt_error_set(DISP_E_TYPEMISMATCH,
                               BAD "a VARIANT of type 0x%04x, not an array of VARIANTs (VT_ARRAY|VT_VARIANT)",
                               (unsigned)V_VT(v));
    if (FAILED(hr = vector_of(V_ARRAY(v), "the stroke", &n)))
        return hr;
    if (V_ARRAY(v)->cbElements != sizeof(VARIANT))
        return comrt_error_set(E_INVALIDARG, BAD "elements of %lu bytes are not VARIANTs",
                               (unsigned long)V_ARRAY(v)->cbElements);
    if (n < 4)
        return comrt_error_set(E_INVALIDARG, BAD "%zu elements, expected at least 4 (tag, colour, width, points)", n);
    const VARIANT *e = V_ARRAY(v)->pvData;
    if (V_VT(&e[0]) != VT_BSTR || !V_BSTR(&e[0]) || SysStringByteLen(V_BSTR(&e[0])) != strlen(WB_STROKE_TAG) ||
        memcmp(V_BSTR(&e[0]), WB_STROKE_TAG, strlen(WB_STROKE_TAG)) != 0)
        return comrt_error_set(DISP_E_TYPEMISMATCH, BAD "element 0 is not the tag \"%s\"", WB_STROKE_TAG);
    if (FAILED(hr = get_i4(&e[1], "colour", 0, 0xFFFFFF, &colour)) ||
        FAILED(hr = get_i4(&e[2], "pen width", 1, WB_MAX_WIDTH, &out->width)))
        goto fail;
    out->colour = (ULONG)colour;
    if (V_VT(&e[3]) != (VT_ARRAY | VT_I4)) {
        hr = comrt_error_set(DISP_E_TYPEMISMATCH, BAD "the points are of type 0x%04x, not VT_ARRAY|VT_I4",
                             (unsigned)V_VT(&e[3]));
        goto fail;
    }
    if (FAILED(hr = vector_of(V_ARRAY(&e[3]), "the point list", &nxy)))
        goto fail;
    if (V_ARRAY(&e[3])->cbElements != sizeof(LONG) || nxy % 2 || nxy < 2 || nxy > 2 * (size_t)WB_MAX_POINTS) {
        hr = comrt_error_set(E_INVALIDARG, BAD "%zu coordinates, expected x,y pairs of 1..%d points", nxy,
                             WB_MAX_POINTS);
        goto fail;
    }
    const LONG *xy = V_ARRAY(&e[3])->pvData;
    out->npoints = nxy / 2;
    out->points = malloc(out->npoints * sizeof *out->points);
    if (!out->points) {
        hr = E_OUTOFMEMORY;
        goto fail;
    }
    for (size_t i = 0; i < out->npoints; i++) {
        out->points[i].x = xy[2 * i];
        out->points[i].y = xy[2 * i + 1];
    }
    if (FAILED(hr = wb_stroke_check(out)))
        goto fail;
    return S_OK;
fail:
    wb_stroke_free(out);
    return hr;
}

void wb_stroke_free(wb_stroke *s)
{
    if (!s)
        return;
    free(s->points);
    memset(s, 0, sizeof *s);
}
