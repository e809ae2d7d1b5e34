/*
 * params_variant.c - VARIANT and SAFEARRAY values in the parameter codec.
 *
 * Wire (see params.c and docs/PROTOCOL.md "Parameters"):
 *   VARIANT    [vt, value]: vt is the VARTYPE (flags included); value is
 *              nil for EMPTY/NULL, an int for I1..UI8/INT/UINT/BOOL/ERROR/
 *              CY (the 64-bit image), float32 for R4, float64 for R8/DATE,
 *              bin(16) for DECIMAL (the struct's image, wReserved zero),
 *              a BSTR's encoding for BSTR, the interface marshaler's object
 *              for UNKNOWN/DISPATCH (IID_IUnknown/IID_IDispatch), a
 *              SAFEARRAY's encoding for VT_ARRAY|x, and for VT_BYREF|x the
 *              encoding of the referenced x (VT_BYREF|VT_VARIANT: the
 *              referenced VARIANT, which may not itself be BYREF).
 *   SAFEARRAY  nil for NULL, else [vt, [[cElements, lLbound]...], data]:
 *              vt the element VARTYPE, one bound per dimension in
 *              SafeArrayCreate order, data the elements in memory order:
 *              one bin of raw little-endian elements for scalar, CY, DATE,
 *              BOOL, ERROR and DECIMAL elements, otherwise an array with
 *              one element encoding each (VT_VARIANT: [vt, value]).
 *
 * Untrusted input: vt values are checked against the set above, at most
 * COMRT_SA_MAX_DIMS dimensions, element counts multiplied with overflow
 * checks against COMRT_PARAMS_MAX_ALLOC and compared with what the message
 * holds before SafeArrayCreate runs, element sizes come from the vt (never
 * from the wire), nesting is bounded by COMRT_PARAMS_MAX_DEPTH. BYREF is
 * refused inside SAFEARRAYs and inside a VT_BYREF|VT_VARIANT (no owner
 * could free what such a reference points to).
 *
 * BYREF ownership (the sensible reading of [in,out] for references):
 *  - stub: the referenced value is decoded into storage the call frame
 *    owns (pc_byref list), handed to the callee by reference, sent back
 *    for an [out] VARIANT, and freed with the frame (with whatever the
 *    callee left in it). A BYREF VARIANT the callee returns points to the
 *    callee's storage and is never freed by the codec (VariantClear's rule).
 *  - client: for a top-level [in,out] VARIANT * whose BYREF vt comes back
 *    unchanged, the new value is written through the caller's own
 *    reference (the old referenced BSTR/interface/array is freed first, as
 *    for any [in,out] value). Anywhere else the client has no storage of
 *    its own to point to, so the referenced value is stored by value (vt
 *    without VT_BYREF): nothing is allocated that nobody would free.
 */
#include <string.h>

#include "comrt/oleauto.h"
#include "params_internal.h"

/* COM allows 65535 dimensions; nothing real uses more than a handful, and
 * each one costs a bound in the descriptor. */
#define COMRT_SA_MAX_DIMS 32

_Static_assert(sizeof(VARIANT) == 24 && offsetof(VARIANT, llVal) == 8, "VARIANT layout");
_Static_assert(sizeof(DECIMAL) == 16, "DECIMAL layout");

/* Type nodes the codec's scalar/BSTR/interface coders understand. */
#define T(id, k, sz) static const comrt_tl_type id = {.kind = (k), .name = "", .size = (sz), .align = (sz)}
T(t_i1, COMRT_TL_I1, 1);
T(t_u1, COMRT_TL_U1, 1);
T(t_i2, COMRT_TL_I2, 2);
T(t_u2, COMRT_TL_U2, 2);
T(t_i4, COMRT_TL_I4, 4);
T(t_u4, COMRT_TL_U4, 4);
T(t_i8, COMRT_TL_I8, 8);
T(t_u8, COMRT_TL_U8, 8);
T(t_r4, COMRT_TL_R4, 4);
T(t_r8, COMRT_TL_R8, 8);
T(t_bstr, COMRT_TL_BSTR, 8);
#undef T
static const comrt_tl_type t_unk = {.kind = COMRT_TL_INTERFACE, .name = "", .size = 8, .align = 8,
                                    .iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .iface_name = "IUnknown"};
static const comrt_tl_type t_disp = {.kind = COMRT_TL_INTERFACE, .name = "", .size = 8, .align = 8,
                                     .iid = {0x00020400, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}},
                                     .iface_name = "IDispatch"};

typedef struct vtdesc {
    uint8_t size;            /* bytes of one value (as a SAFEARRAY element) */
    uint8_t blit;            /* travels as raw bytes inside arrays */
    const comrt_tl_type *t;  /* how one value is coded; NULL: special */
} vtdesc;

/* The VARTYPEs that marshal (base types, without flags); NULL otherwise. */
static const vtdesc *vt_desc(unsigned base)
{
    static const vtdesc empty = {0, 0, NULL}, i1 = {1, 1, &t_i1}, u1 = {1, 1, &t_u1}, i2 = {2, 1, &t_i2},
                        u2 = {2, 1, &t_u2}, i4 = {4, 1, &t_i4}, u4 = {4, 1, &t_u4}, i8 = {8, 1, &t_i8},
                        u8 = {8, 1, &t_u8}, r4 = {4, 1, &t_r4}, r8 = {8, 1, &t_r8}, dec = {16, 1, NULL},
                        bstr = {8, 0, &t_bstr}, unk = {8, 0, &t_unk}, disp = {8, 0, &t_disp},
                        var = {24, 0, NULL};
    switch (base) {
    case VT_EMPTY: case VT_NULL: return &empty;
    case VT_I1: return &i1;
    case VT_UI1: return &u1;
    case VT_I2: case VT_BOOL: return &i2;
    case VT_UI2: return &u2;
    case VT_I4: case VT_INT: case VT_ERROR: return &i4;
    case VT_UI4: case VT_UINT: return &u4;
    case VT_I8: case VT_CY: return &i8;
    case VT_UI8: return &u8;
    case VT_R4: return &r4;
    case VT_R8: case VT_DATE: return &r8;
    case VT_DECIMAL: return &dec;
    case VT_BSTR: return &bstr;
    case VT_UNKNOWN: return &unk;
    case VT_DISPATCH: return &disp;
    case VT_VARIANT: return &var;
    default: return NULL;
    }
}

/* Whether vt may be a SAFEARRAY's element type. */
static int sa_elem_ok(unsigned vt)
{
    return vt != VT_EMPTY && vt != VT_NULL && vt_desc(vt) != NULL;
}

/* Whether vt (flags included) may be a VARIANT's type here. */
static int variant_vt_ok(unsigned vt, int byref_ok)
{
    unsigned base = vt & VT_TYPEMASK;
    if (vt & ~(unsigned)(VT_TYPEMASK | VT_ARRAY | VT_BYREF))
        return 0; /* VT_VECTOR, VT_RESERVED: not automation types */
    if ((vt & VT_BYREF) && !byref_ok)
        return 0;
    if (vt & VT_ARRAY)
        return sa_elem_ok(base);
    if (!vt_desc(base))
        return 0;
    if (base == VT_EMPTY || base == VT_NULL)
        return !(vt & VT_BYREF);
    if (base == VT_VARIANT)
        return (vt & VT_BYREF) != 0; /* a VARIANT holds a VARIANT only by reference */
    return 1;
}

/* The VARTYPE a typelib element type stands for, 0 if none. */
static VARTYPE decl_vt(const comrt_tl_type *t)
{
    const vtdesc *d;
    if (t->vt && t->vt <= VT_TYPEMASK && sa_elem_ok(t->vt) && (d = vt_desc(t->vt)) && d->size == t->size)
        return (VARTYPE)t->vt;
    switch (t->kind) {
    case COMRT_TL_I1: return VT_I1;
    case COMRT_TL_U1: return VT_UI1;
    case COMRT_TL_I2: return VT_I2;
    case COMRT_TL_U2: return VT_UI2;
    case COMRT_TL_I4: case COMRT_TL_ENUM: return VT_I4;
    case COMRT_TL_U4: return VT_UI4;
    case COMRT_TL_I8: return VT_I8;
    case COMRT_TL_U8: return VT_UI8;
    case COMRT_TL_R4: return VT_R4;
    case COMRT_TL_R8: return VT_R8;
    case COMRT_TL_BSTR: return VT_BSTR;
    case COMRT_TL_VARIANT: return VT_VARIANT;
    case COMRT_TL_INTERFACE:
        return !t->iid_is && memcmp(&t->iid, &t_disp.iid, sizeof(GUID)) == 0 ? VT_DISPATCH : VT_UNKNOWN;
    default: return 0;
    }
}

/* Whether an array of `have` may stand where SAFEARRAY(want) is declared:
 * the same storage (LONG vs VT_INT vs VT_ERROR), or IDispatch for IUnknown. */
static int vt_compatible(VARTYPE want, VARTYPE have)
{
    const vtdesc *a = vt_desc(want), *b = vt_desc(have);
    if (want == have)
        return 1;
    if (a->blit && b->blit && a->size == b->size && want != VT_DECIMAL && have != VT_DECIMAL)
        return 1;
    return want == VT_UNKNOWN && have == VT_DISPATCH;
}

static HRESULT packed(pctx *c, int rc)
{
    return rc ? pc_fail(c, E_OUTOFMEMORY, "cannot write the message") : S_OK;
}

static int nest(pctx *c)
{
    return ++c->depth <= COMRT_PARAMS_MAX_DEPTH;
}

static HRESULT too_deep(pctx *c)
{
    return pc_fail(c, c->bad, "values nest deeper than %d levels", COMRT_PARAMS_MAX_DEPTH);
}

/* Packing --------------------------------------------------------------------- */

static HRESULT pack_variant(pctx *c, const VARIANT *v, int byref_ok);

/* want: the VARIANT's VT_ARRAY|want, or 0; decl: SAFEARRAY(decl), or NULL. */
static HRESULT pack_sa(pctx *c, SAFEARRAY *sa, VARTYPE want, const comrt_tl_type *decl)
{
    msgpack_packer *pk = c->pk;
    VARTYPE vt = want, dvt = decl ? decl_vt(decl) : 0;
    HRESULT hr;
    if (decl && !dvt)
        return pc_fail(c, E_NOTIMPL, "SAFEARRAY of this element type");
    if (!sa)
        return packed(c, msgpack_pack_nil(pk));
    if (!vt && FAILED(SafeArrayGetVartype(sa, &vt)))
        vt = dvt; /* a descriptor made without FADF_HAVEVARTYPE: trust the declaration */
    if (!sa_elem_ok(vt))
        return pc_fail(c, E_INVALIDARG, "a SAFEARRAY of VARTYPE %u cannot be marshaled", vt);
    if (dvt && !vt_compatible(dvt, vt))
        return pc_fail(c, E_INVALIDARG, "a SAFEARRAY of VARTYPE %u where %u is declared", vt, dvt);
    const vtdesc *d = vt_desc(vt);
    if (sa->cDims < 1 || sa->cDims > COMRT_SA_MAX_DIMS || sa->cbElements != d->size)
        return pc_fail(c, E_INVALIDARG, "a SAFEARRAY of %u dimensions and %u-byte elements for VARTYPE %u",
                       sa->cDims, sa->cbElements, vt);
    if (FAILED(hr = packed(c, msgpack_pack_array(pk, 3))) || FAILED(hr = packed(c, msgpack_pack_uint16(pk, vt))) ||
        FAILED(hr = packed(c, msgpack_pack_array(pk, sa->cDims))))
        return hr;
    uint64_t total = 1;
    for (UINT i = 1; i <= sa->cDims; i++) {
        LONG lb, ub;
        if (FAILED(SafeArrayGetLBound(sa, i, &lb)) || FAILED(SafeArrayGetUBound(sa, i, &ub)))
            return pc_fail(c, E_INVALIDARG, "cannot read the bounds of a SAFEARRAY");
        int64_t n = (int64_t)ub - lb + 1;
        if (n < 0 || n > UINT32_MAX || __builtin_mul_overflow(total, (uint64_t)n, &total) || total > UINT32_MAX)
            return pc_fail(c, E_INVALIDARG, "a SAFEARRAY is too large to send");
        if (FAILED(hr = packed(c, msgpack_pack_array(pk, 2))) ||
            FAILED(hr = packed(c, msgpack_pack_uint32(pk, (uint32_t)n))) ||
            FAILED(hr = packed(c, msgpack_pack_int32(pk, lb))))
            return hr;
    }
    const uint8_t *data = sa->pvData;
    if (total && !data)
        return pc_fail(c, E_INVALIDARG, "a SAFEARRAY without data");
    if (d->blit) {
        uint64_t bytes = total * d->size;
        if (bytes > UINT32_MAX)
            return pc_fail(c, E_INVALIDARG, "a SAFEARRAY is too large to send");
        if (FAILED(hr = packed(c, msgpack_pack_bin(pk, (size_t)bytes))))
            return hr;
        return bytes ? packed(c, msgpack_pack_bin_body(pk, data, (size_t)bytes)) : S_OK;
    }
    if (FAILED(hr = packed(c, msgpack_pack_array(pk, (size_t)total))))
        return hr;
    for (uint64_t i = 0; i < total; i++) {
        const void *e = data + i * d->size;
        hr = vt == VT_VARIANT ? pack_variant(c, e, 0) : pc_pack_value(c, d->t, e);
        if (FAILED(hr))
            return hr;
    }
    return S_OK;
}

static HRESULT pack_variant(pctx *c, const VARIANT *v, int byref_ok)
{
    msgpack_packer *pk = c->pk;
    unsigned vt = v->vt, base = vt & VT_TYPEMASK;
    HRESULT hr;
    if (!nest(c)) {
        hr = too_deep(c);
        goto out;
    }
    if (!variant_vt_ok(vt, byref_ok)) {
        hr = pc_fail(c, E_INVALIDARG, "a VARIANT of type 0x%04x cannot be marshaled%s", vt,
                     (vt & VT_BYREF) ? " here (no VT_BYREF inside arrays or references)" : "");
        goto out;
    }
    const void *val = (vt & VT_BYREF) ? v->byref : (const void *)&v->llVal;
    if (!val) {
        hr = pc_fail(c, E_INVALIDARG, "a VT_BYREF VARIANT with a NULL reference");
        goto out;
    }
    if (FAILED(hr = packed(c, msgpack_pack_array(pk, 2))) || FAILED(hr = packed(c, msgpack_pack_uint16(pk, vt))))
        goto out;
    if (vt & VT_ARRAY) {
        SAFEARRAY *sa;
        memcpy(&sa, val, sizeof sa);
        hr = pack_sa(c, sa, (VARTYPE)base, NULL);
    } else if (base == VT_EMPTY || base == VT_NULL) {
        hr = packed(c, msgpack_pack_nil(pk));
    } else if (base == VT_VARIANT) {
        hr = pack_variant(c, val, 0);
    } else if (base == VT_DECIMAL) {
        /* By value the DECIMAL overlays the VARIANT (wReserved is vt). */
        uint8_t img[16];
        memcpy(img, (vt & VT_BYREF) ? val : (const void *)v, 16);
        img[0] = img[1] = 0;
        if (SUCCEEDED(hr = packed(c, msgpack_pack_bin(pk, 16))))
            hr = packed(c, msgpack_pack_bin_body(pk, img, 16));
    } else {
        hr = pc_pack_value(c, vt_desc(base)->t, val);
    }
out:
    c->depth--;
    return hr;
}

HRESULT pc_pack_variant(pctx *c, const void *mem)
{
    return pack_variant(c, mem, 1);
}

HRESULT pc_pack_safearray(pctx *c, const comrt_tl_type *t, const void *mem)
{
    SAFEARRAY *sa;
    memcpy(&sa, mem, sizeof sa);
    return pack_sa(c, sa, 0, t->elem);
}

/* Unpacking ------------------------------------------------------------------- */

static HRESULT unpack_variant(pctx *c, VARIANT *v, const msgpack_object *o, int byref_ok);

static HRESULT read_uint(pctx *c, const msgpack_object *o, uint64_t max, const char *what, uint64_t *out)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > max)
        return pc_fail(c, c->bad, "%s is not an integer in [0, %llu]", what, (unsigned long long)max);
    *out = o->via.u64;
    return S_OK;
}

/* Decodes a SAFEARRAY into *slot (NULL). want: the VARIANT's element vt,
 * or 0; decl: the declared SAFEARRAY(decl), or NULL. */
static HRESULT unpack_sa(pctx *c, SAFEARRAY **slot, const msgpack_object *o, VARTYPE want,
                         const comrt_tl_type *decl)
{
    SAFEARRAYBOUND sab[COMRT_SA_MAX_DIMS];
    VARTYPE dvt = decl ? decl_vt(decl) : 0;
    uint64_t vt = 0, n = 0, total = 1;
    HRESULT hr;
    *slot = NULL;
    if (decl && !dvt)
        return pc_fail(c, E_NOTIMPL, "SAFEARRAY of this element type");
    if (o->type == MSGPACK_OBJECT_NIL)
        return S_OK;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 3)
        return pc_fail(c, c->bad, "expected a SAFEARRAY ([vt, bounds, data])");
    const msgpack_object *f = o->via.array.ptr;
    if (FAILED(hr = read_uint(c, &f[0], VT_TYPEMASK, "a SAFEARRAY's VARTYPE", &vt)))
        return hr;
    if (!sa_elem_ok((unsigned)vt) || (want && vt != want) || (dvt && !vt_compatible(dvt, (VARTYPE)vt)))
        return pc_fail(c, c->bad, "a SAFEARRAY of VARTYPE %u is not acceptable here", (unsigned)vt);
    const vtdesc *d = vt_desc((unsigned)vt);
    if (f[1].type != MSGPACK_OBJECT_ARRAY || f[1].via.array.size < 1 || f[1].via.array.size > COMRT_SA_MAX_DIMS)
        return pc_fail(c, c->bad, "a SAFEARRAY needs 1 to %d bounds", COMRT_SA_MAX_DIMS);
    uint32_t dims = f[1].via.array.size;
    for (uint32_t i = 0; i < dims; i++) {
        const msgpack_object *b = &f[1].via.array.ptr[i];
        if (b->type != MSGPACK_OBJECT_ARRAY || b->via.array.size != 2)
            return pc_fail(c, c->bad, "a SAFEARRAY bound is not [cElements, lLbound]");
        const msgpack_object *lb = &b->via.array.ptr[1];
        if (FAILED(hr = read_uint(c, &b->via.array.ptr[0], UINT32_MAX, "cElements", &n)))
            return hr;
        if (!((lb->type == MSGPACK_OBJECT_POSITIVE_INTEGER && lb->via.u64 <= INT32_MAX) ||
              (lb->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && lb->via.i64 >= INT32_MIN)))
            return pc_fail(c, c->bad, "lLbound is not a 32-bit integer");
        /* The last index (lLbound + cElements - 1) must be a LONG too. */
        if (n && lb->via.i64 + (int64_t)n - 1 > INT32_MAX)
            return pc_fail(c, c->bad, "a SAFEARRAY dimension goes past 2^31");
        sab[i].cElements = (ULONG)n;
        sab[i].lLbound = (LONG)lb->via.i64;
        if (__builtin_mul_overflow(total, n, &total) || total > COMRT_PARAMS_MAX_ALLOC / d->size)
            return pc_fail(c, c->bad, "a SAFEARRAY would exceed %zu MiB", COMRT_PARAMS_MAX_ALLOC >> 20);
    }
    size_t bytes = (size_t)total * d->size;
    if (c->allocated + bytes > COMRT_PARAMS_MAX_ALLOC)
        return pc_fail(c, c->bad, "the call would allocate more than %zu MiB", COMRT_PARAMS_MAX_ALLOC >> 20);
    /* The message must hold every element before anything is allocated. */
    const msgpack_object *data = &f[2];
    if (d->blit ? (data->type != MSGPACK_OBJECT_BIN || data->via.bin.size != bytes)
                : (data->type != MSGPACK_OBJECT_ARRAY || data->via.array.size != total))
        return pc_fail(c, c->bad, "a SAFEARRAY's data does not hold its %llu elements",
                       (unsigned long long)total);
    SAFEARRAY *sa = SafeArrayCreate((VARTYPE)vt, dims, sab);
    if (!sa)
        return pc_fail(c, E_OUTOFMEMORY, "cannot create a SAFEARRAY");
    *slot = sa; /* from here on the caller's free path destroys it */
    c->allocated += bytes + sizeof(SAFEARRAY) + dims * sizeof(SAFEARRAYBOUND);
    if (sa->cbElements != d->size || (total && !sa->pvData))
        return pc_fail(c, E_UNEXPECTED, "SafeArrayCreate made an unexpected descriptor");
    uint8_t *p = sa->pvData;
    if (d->blit) {
        if (bytes)
            memcpy(p, data->via.bin.ptr, bytes);
        return S_OK;
    }
    for (uint64_t i = 0; i < total; i++) {
        void *e = p + i * d->size;
        hr = vt == VT_VARIANT ? unpack_variant(c, e, &data->via.array.ptr[i], 0)
                              : pc_unpack_value(c, d->t, e, &data->via.array.ptr[i]);
        if (FAILED(hr))
            return hr;
    }
    return S_OK;
}

/* Stub-side storage for a BYREF VARIANT's referenced value, owned by the
 * call frame; 24 bytes hold any referenced type (a VARIANT is the largest). */
struct pc_byref {
    struct pc_byref *next;
    VARTYPE vt; /* what the storage holds: the VARIANT's vt without VT_BYREF */
    VARIANT data;
};

static HRESULT unpack_variant(pctx *c, VARIANT *v, const msgpack_object *o, int byref_ok)
{
    uint64_t vt64 = 0;
    HRESULT hr;
    if (!nest(c)) {
        hr = too_deep(c);
        goto out;
    }
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2) {
        hr = pc_fail(c, c->bad, "expected a VARIANT ([vt, value])");
        goto out;
    }
    if (FAILED(hr = read_uint(c, &o->via.array.ptr[0], 0xFFFF, "a VARTYPE", &vt64)))
        goto out;
    unsigned vt = (unsigned)vt64, base = vt & VT_TYPEMASK;
    const msgpack_object *val = &o->via.array.ptr[1];
    if (!variant_vt_ok(vt, byref_ok)) {
        hr = pc_fail(c, c->bad, "a VARIANT of type 0x%04x is not acceptable here", vt);
        goto out;
    }
    void *dst;
    if (!(vt & VT_BYREF)) {
        v->vt = (VARTYPE)vt;
        dst = base == VT_DECIMAL && !(vt & VT_ARRAY) ? (void *)v : (void *)&v->llVal;
    } else if (c->byrefs) {
        /* Stub: storage the frame owns, linked before it is filled. */
        size_t sz = sizeof(struct pc_byref);
        if (c->allocated + sz > COMRT_PARAMS_MAX_ALLOC) {
            hr = pc_fail(c, c->bad, "the call would allocate more than %zu MiB", COMRT_PARAMS_MAX_ALLOC >> 20);
            goto out;
        }
        struct pc_byref *r = CoTaskMemAlloc(sz);
        if (!r) {
            hr = pc_fail(c, E_OUTOFMEMORY, "out of memory");
            goto out;
        }
        memset(r, 0, sz);
        r->vt = (VARTYPE)(vt & ~VT_BYREF);
        r->next = *c->byrefs;
        *c->byrefs = r;
        c->allocated += sz;
        v->vt = (VARTYPE)vt;
        v->byref = &r->data;
        dst = &r->data;
    } else if (v->vt == vt && v->byref) {
        dst = v->byref; /* client, [in,out]: the caller's own reference (cleared by pc_undo_variant) */
    } else {
        /* Client with no storage to point to: keep the value itself. */
        memset(v, 0, sizeof *v);
        if (base == VT_VARIANT && !(vt & VT_ARRAY)) {
            hr = unpack_variant(c, v, val, 0);
            goto out;
        }
        vt &= ~(unsigned)VT_BYREF;
        v->vt = (VARTYPE)vt;
        dst = base == VT_DECIMAL && !(vt & VT_ARRAY) ? (void *)v : (void *)&v->llVal;
    }
    if (vt & VT_ARRAY) {
        hr = unpack_sa(c, dst, val, (VARTYPE)base, NULL);
    } else if (base == VT_EMPTY || base == VT_NULL) {
        if (val->type != MSGPACK_OBJECT_NIL)
            hr = pc_fail(c, c->bad, "VT_EMPTY/VT_NULL carry nil");
    } else if (base == VT_VARIANT) {
        hr = unpack_variant(c, dst, val, 0);
    } else if (base == VT_DECIMAL) {
        if (val->type != MSGPACK_OBJECT_BIN || val->via.bin.size != 16)
            hr = pc_fail(c, c->bad, "a DECIMAL is a bin of 16 bytes");
        else
            memcpy((uint8_t *)dst + 2, val->via.bin.ptr + 2, 14); /* bytes 0-1: vt or wReserved */
    } else {
        hr = pc_unpack_value(c, vt_desc(base)->t, dst, val);
    }
out:
    c->depth--;
    return hr;
}

HRESULT pc_unpack_variant(pctx *c, void *mem, const msgpack_object *o)
{
    return unpack_variant(c, mem, o, 1);
}

HRESULT pc_unpack_safearray(pctx *c, const comrt_tl_type *t, void *mem, const msgpack_object *o)
{
    SAFEARRAY *sa = NULL;
    HRESULT hr = unpack_sa(c, &sa, o, 0, t->elem);
    memcpy(mem, &sa, sizeof sa); /* stored even on failure: the free path destroys it */
    return hr;
}

/* Freeing --------------------------------------------------------------------- */

/* Frees what storage of type vt (no VT_BYREF) holds and zeroes it. */
static void clear_ref(unsigned vt, void *p)
{
    unsigned base = vt & VT_TYPEMASK;
    void *q;
    if (vt & VT_ARRAY) {
        memcpy(&q, p, sizeof q);
        if (q)
            SafeArrayDestroy(q);
    } else if (base == VT_BSTR) {
        memcpy(&q, p, sizeof q);
        SysFreeString(q);
    } else if (base == VT_UNKNOWN || base == VT_DISPATCH) {
        memcpy(&q, p, sizeof q);
        if (q)
            IUnknown_Release((IUnknown *)q);
    } else if (base == VT_VARIANT) {
        VariantClear(p); /* never BYREF itself (refused on receipt) */
    }
    const vtdesc *d = vt_desc(base);
    memset(p, 0, (vt & VT_ARRAY) ? sizeof(void *) : d ? d->size : 0);
}

void pc_free_variant(pctx *c, void *mem)
{
    VARIANT *v = mem;
    (void)c;
    /* A BYREF VARIANT does not own what it references (VariantClear's
     * rule): the frame's pc_byref list or the caller does. */
    if (!(v->vt & VT_BYREF))
        VariantClear(v);
    memset(v, 0, sizeof *v);
}

void pc_undo_variant(pctx *c, void *mem)
{
    VARIANT *v = mem;
    if ((v->vt & VT_BYREF) && v->byref && variant_vt_ok(v->vt, 1)) {
        clear_ref(v->vt & ~VT_BYREF, v->byref);
        return;
    }
    pc_free_variant(c, mem);
}

void pc_free_safearray(void *mem)
{
    SAFEARRAY *sa;
    memcpy(&sa, mem, sizeof sa);
    if (sa)
        SafeArrayDestroy(sa);
    memset(mem, 0, sizeof sa);
}

void pc_byrefs_free(struct pc_byref **list)
{
    while (*list) {
        struct pc_byref *r = *list;
        *list = r->next;
        clear_ref(r->vt, &r->data);
        CoTaskMemFree(r);
    }
}
