/*
 * stroke.h - whiteboard strokes and their VARIANT form (client side). The
 * server stores VARIANTs without looking inside; these helpers are the
 * article's MakeVariantFromObject/MakeObjectFromVariant for one kind of
 * object, a stroke.
 *
 * A stroke as a VARIANT: VT_ARRAY|VT_VARIANT, one dimension, elements
 *   [0] VT_BSTR  WB_STROKE_TAG (what the item is, and its format version)
 *   [1] VT_I4    colour, 0xRRGGBB
 *   [2] VT_I4    pen width in board units, 1..WB_MAX_WIDTH
 *   [3] VT_ARRAY|VT_I4, one dimension: x0, y0, x1, y1, ... (1..WB_MAX_POINTS
 *       points, 0 <= x <= WB_BOARD_W, 0 <= y <= WB_BOARD_H)
 * Further elements are allowed and ignored (later versions may add some).
 * The board is WB_BOARD_W x WB_BOARD_H units, y downwards; each client
 * scales it to its screen.
 */
#ifndef WB_STROKE_H
#define WB_STROKE_H

#include <stddef.h>

#include <comrt.h>

#define WB_BOARD_W 1000
#define WB_BOARD_H 600
#define WB_STROKE_TAG "comrt.whiteboard.stroke/1"
#define WB_MAX_POINTS 16384
#define WB_MAX_WIDTH 100

typedef struct wb_point {
    LONG x, y;
} wb_point;

typedef struct wb_stroke {
    ULONG colour;      /* 0xRRGGBB */
    LONG width;        /* board units */
    size_t npoints;
    wb_point *points;  /* malloc'ed, owned by the stroke */
} wb_stroke;

/*
 * wb_stroke_check - S_OK if s obeys the rules above, else E_INVALIDARG
 * with a description saying which rule it breaks.
 */
HRESULT wb_stroke_check(const wb_stroke *s);

/*
 * wb_variant_from_stroke - MakeVariantFromObject: *out (overwritten, not
 * cleared) becomes a new VARIANT the caller clears. E_INVALIDARG (with a
 * description) for a stroke wb_stroke_check refuses, E_OUTOFMEMORY.
 */
HRESULT wb_variant_from_stroke(const wb_stroke *s, VARIANT *out);

/*
 * wb_stroke_from_variant - MakeObjectFromVariant: decodes v into *out
 * (points malloc'ed; free with wb_stroke_free). Anything that is not a
 * stroke - another type, a wrong tag, a missing element, values out of
 * range - gives DISP_E_TYPEMISMATCH or E_INVALIDARG, *out zeroed, and a
 * description starting "not a whiteboard stroke: ". Never trusts v's
 * shape: every type, bound and count is checked before use.
 */
HRESULT wb_stroke_from_variant(const VARIANT *v, wb_stroke *out);

/* wb_stroke_free - frees the points; the struct itself is the caller's. */
void wb_stroke_free(wb_stroke *s);

#endif
