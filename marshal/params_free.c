/*
 * params_free.c - releasing what a value owns, COM's way: pointees and
 * strings with CoTaskMemFree, BSTRs with SysFreeString, interfaces with
 * Release, VARIANTs with VariantClear, SAFEARRAYs with SafeArrayDestroy.
 * Every freed slot is zeroed, so freeing twice is harmless and a
 * half-decoded value (zeroed storage, filled front to back) frees cleanly.
 *
 * Counts of pointed-to arrays are re-evaluated from the current values;
 * only arrays whose elements own something need a count at all. When an
 * expression cannot be evaluated the block is freed without its elements
 * (a leak at worst, never a wild read).
 */
#include <string.h>

#include "params_internal.h"

int pc_count_quiet(pctx *c, const comrt_tl_expr *e, int64_t *out)
{
    /* The thread's error information describes the failure being cleaned
     * up after; an expression error here must not replace it. */
    IErrorInfo *keep = NULL;
    GetErrorInfo(0, &keep);
    int ok = SUCCEEDED(pc_count(c, e, "size_is", out));
    SetErrorInfo(0, keep);
    if (keep)
        IErrorInfo_Release(keep);
    return ok;
}

void pc_free_elems(pctx *c, const comrt_tl_type *elem, void *base, int64_t count)
{
    if (!pc_needs_free(elem))
        return;
    for (int64_t i = 0; i < count; i++)
        pc_free_value(c, elem, (uint8_t *)base + (size_t)i * elem->size);
}

static void free_struct(pctx *c, const comrt_tl_struct *r, uint8_t *mem)
{
    const comrt_tl_struct *orec = c->rec;
    const uint8_t *obase = c->base;
    /* Fields sized by siblings go first, while those siblings still hold
     * their values (pointers are zeroed as they are freed). */
    for (int pass = 1; pass >= 0; pass--) {
        for (uint32_t i = 0; i < r->nfields; i++) {
            if (pc_uses_exprs(r->fields[i].type) != pass)
                continue;
            c->rec = r;
            c->base = mem;
            pc_free_value(c, r->fields[i].type, mem + r->fields[i].offset);
        }
    }
    c->rec = orec;
    c->base = obase;
}

void pc_free_ptr(pctx *c, const comrt_tl_type *t, void *p, int64_t cap)
{
    if (!p)
        return;
    const comrt_tl_type *elem = t->elem;
    if (!(t->flags & COMRT_TL_F_STRING) && pc_needs_free(elem)) {
        int64_t n = 1;
        if (cap >= 0)
            n = cap;
        else if ((t->size_is || t->length_is) && !pc_count_quiet(c, t->size_is ? t->size_is : t->length_is, &n))
            n = 0;
        pc_free_elems(c, elem, p, n);
    }
    CoTaskMemFree(p);
}

void pc_free_value(pctx *c, const comrt_tl_type *t, void *mem)
{
    if (++c->depth > COMRT_PARAMS_MAX_DEPTH + 1)
        goto out; /* cannot have been built by us; leak rather than recurse */
    switch (t->kind) {
    case COMRT_TL_BSTR: {
        BSTR b;
        memcpy(&b, mem, sizeof b);
        SysFreeString(b);
        memset(mem, 0, sizeof b);
        break;
    }
    case COMRT_TL_INTERFACE: {
        IUnknown *p;
        memcpy(&p, mem, sizeof p);
        if (p)
            IUnknown_Release(p);
        memset(mem, 0, sizeof p);
        break;
    }
    case COMRT_TL_STRUCT:
        if (pc_needs_free(t))
            free_struct(c, t->record, mem);
        break;
    case COMRT_TL_ARRAY:
        pc_free_elems(c, t->elem, mem, t->count);
        break;
    case COMRT_TL_PTR: {
        void *p;
        memcpy(&p, mem, sizeof p);
        pc_free_ptr(c, t, p, -1);
        memset(mem, 0, sizeof p);
        break;
    }
    case COMRT_TL_VARIANT:
        pc_free_variant(c, mem);
        break;
    case COMRT_TL_SAFEARRAY:
        pc_free_safearray(mem);
        break;
    default:
        break;
    }
out:
    c->depth--;
}
