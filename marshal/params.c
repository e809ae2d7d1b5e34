/*
 * params.c - the parameter codec: the proxy's and the stub's halves of
 * one call, and the stub's call frame.
 *
 * ## Parameter encoding (for docs/PROTOCOL.md)
 *
 * A call's parameters travel as two msgpack arrays:
 *   ins  - one element per parameter with [in] (including [in,out]),
 *   outs - one element per parameter with [out] (including [in,out] and
 *          [retval]),
 * both in declaration order. A parameter that is a pointer is represented
 * by its pointee (the pointer itself never travels); [out] parameters must
 * be pointers. Values:
 *   I1..U8, ENUM    msgpack int (range-checked for the C type on receipt)
 *   R4 / R8         float32 / float64
 *   BSTR            bin of its bytes (embedded NULs kept), nil for NULL
 *   [string] char*  str without the NUL (no NUL inside), nil for NULL
 *   interface       whatever the object tables pack for it (nil for NULL);
 *                   its IID is the type's, or the iid_is parameter's value
 *   struct          array of its fields, in order
 *   fixed array,    count (or length_is) elements: ONE bin holding the raw
 *   size_is array   little-endian elements when they are I1..R8 or ENUM
 *                   (a memcpy each side), otherwise an array of elements
 *   pointer         nil when NULL (only [unique]/[ptr] pointers, and
 *                   embedded pointers not marked [ref], may be NULL);
 *                   otherwise the pointee; a non-NULL [unique] pointer to
 *                   a value that may itself be nil (pointer, BSTR,
 *                   interface, SAFEARRAY) is wrapped as [value]
 *   VARIANT         [vt, value]; SAFEARRAY(T): nil or [vt, bounds, data]
 *                   (params_variant.c has the details, BYREF included)
 * The receiver knows every count from size_is/length_is evaluated over the
 * parameters (or sibling fields) it has already decoded, and rejects any
 * element count or bin size that differs, with RPC_E_INVALID_DATA. A
 * caller-provided [out, size_is(n)] buffer sends nothing in; the stub
 * allocates n zeroed elements and sends back length_is of them.
 * Example: HRESULT Read([in] LONG n, [out, size_is(n), length_is(*pm)]
 * BYTE *buf, [out] LONG *pm) -> ins [n], outs [bin(*pm bytes), *pm].
 */
#include <stdlib.h>
#include <string.h>

#include "bulkread.h"
#include "frame.h"
#include "params_internal.h"

struct comrt_call_frame {
    const comrt_tl_method *m;
    void **args;        /* 1 + nparams */
    int64_t *cap;       /* per parameter: elements of a top-level buffer, or -1 */
    uint8_t *borrowed;  /* per parameter: 1 the pointee lives in the message, 2 in
                         * stub scratch memory (comrt_frame_free) */
    size_t allocated;   /* bytes allocated for this call so far */
    struct pc_byref *byrefs; /* storage referenced by BYREF VARIANTs (params_variant.c) */
    void **slots;       /* per parameter: its storage, as first stored in args[1 + k] */
};

/* libffi 3.4 on x86-64 replaces avalue[k] for a by-value struct passed in
 * memory (a VARIANT, any struct over 16 bytes) with a pointer to its own
 * stack copy, which is dead once ffi_call returns: put the frame's
 * pointers back before reading or freeing the parameters. */
static void frame_restore(comrt_call_frame *f)
{
    memcpy(f->args + 1, f->slots, f->m->nparams * sizeof(void *));
}

static int count_dir(const comrt_tl_method *m, uint32_t flag)
{
    int n = 0;
    for (uint32_t k = 0; k < m->nparams; k++)
        n += (m->params[k].flags & flag) != 0;
    return n;
}

/* Element k's position among the parameters carrying flag. */
static uint32_t wire_index(const comrt_tl_method *m, uint32_t k, uint32_t flag)
{
    uint32_t i = 0;
    for (uint32_t j = 0; j < k; j++)
        i += (m->params[j].flags & flag) != 0;
    return i;
}

static int is_sized(const comrt_tl_type *t)
{
    return t->size_is || t->length_is;
}

/* The capacity of a top-level buffer or [string] from the [in] values;
 * -1 when the pointee is a single value. */
static HRESULT top_capacity(pctx *c, const comrt_tl_type *t, const void *p, int64_t *cap)
{
    *cap = -1;
    if (t->size_is)
        return pc_count(c, t->size_is, "size_is", cap);
    if (t->length_is)
        return pc_count(c, t->length_is, "length_is", cap);
    if ((t->flags & COMRT_TL_F_STRING) && p)
        *cap = (int64_t)strlen(p) + 1; /* [in,out, string] without size_is: cannot grow */
    return S_OK;
}

/* Client side ----------------------------------------------------------------- */

HRESULT comrt_params_pack_in(const comrt_tl_method *m, void **args, const comrt_itf_marshaler *im, msgpack_packer *pk)
{
    pctx c = {.m = m, .args = args, .im = im, .pk = pk, .param = UINT32_MAX, .bad = E_INVALIDARG};
    HRESULT hr = S_OK;
    if (!m || !args || !pk)
        return comrt_error_set(E_POINTER, "comrt_params_pack_in: missing argument");
    if (msgpack_pack_array(pk, count_dir(m, COMRT_TL_P_IN)) != 0)
        return pc_fail(&c, E_OUTOFMEMORY, "cannot write the message");
    for (uint32_t k = 0; k < m->nparams && SUCCEEDED(hr); k++) {
        const comrt_tl_param *pm = &m->params[k];
        const comrt_tl_type *t = pm->type;
        c.param = k;
        if (t->kind != COMRT_TL_PTR) {
            if (pm->flags & COMRT_TL_P_OUT)
                hr = pc_fail(&c, E_INVALIDARG, "an [out] parameter is not a pointer");
            else
                hr = pc_pack_value(&c, t, args[1 + k]);
            continue;
        }
        void *p;
        memcpy(&p, args[1 + k], sizeof p);
        if (pm->flags & COMRT_TL_P_IN)
            hr = pc_pack_ptr(&c, t, p, 1, -1);
        else if (!p && !pc_may_be_null(t, 1))
            hr = pc_fail(&c, E_POINTER, "a NULL pointer for an [out] parameter");
    }
    return hr;
}

/* Frees what the client decoded into the pointee of [out] parameter k. */
static void client_undo(pctx *c, uint32_t k, int64_t cap)
{
    const comrt_tl_type *t = c->m->params[k].type;
    void *p;
    memcpy(&p, c->args[1 + k], sizeof p);
    if (!p)
        return;
    c->param = k;
    if (t->flags & COMRT_TL_F_STRING) {
        *(char *)p = 0;
    } else if (cap >= 0) {
        pc_free_elems(c, t->elem, p, cap);
        memset(p, 0, (size_t)cap * t->elem->size);
    } else if (t->elem->kind == COMRT_TL_VARIANT) {
        pc_undo_variant(c, p); /* a BYREF keeps the caller's reference for the reply */
    } else {
        pc_free_value(c, t->elem, p);
        memset(p, 0, t->elem->size);
    }
}

static HRESULT client_out(pctx *c, uint32_t k, int64_t cap, const msgpack_object *o)
{
    const comrt_tl_type *t = c->m->params[k].type, *elem = t->elem;
    HRESULT hr;
    void *p;
    memcpy(&p, c->args[1 + k], sizeof p);
    if (!p)
        return S_OK; /* a NULL [unique] pointer: nothing to store (nor to allocate) */
    if (t->flags & COMRT_TL_F_STRING) {
        if (o->type != MSGPACK_OBJECT_STR)
            return pc_fail(c, c->bad, "expected a str");
        size_t len = o->via.str.size;
        if ((len && memchr(o->via.str.ptr, 0, len)) || (uint64_t)len + 1 > (uint64_t)cap)
            return pc_fail(c, c->bad, "a [string] of %zu bytes does not fit in %lld", len, (long long)cap);
        if (len)
            memcpy(p, o->via.str.ptr, len);
        ((char *)p)[len] = 0;
        return S_OK;
    }
    if (cap >= 0) {
        int64_t len = cap;
        if (t->size_is && t->length_is && FAILED(hr = pc_count(c, t->length_is, "length_is", &len)))
            return hr;
        if (len > cap)
            return pc_fail(c, c->bad, "%lld elements for a buffer of %lld", (long long)len, (long long)cap);
        if (FAILED(hr = pc_unpack_elems(c, elem, p, len, o)))
            return hr;
        if (!(c->m->params[k].flags & COMRT_TL_P_IN) && pc_blittable(elem) && len < cap)
            memset((uint8_t *)p + (size_t)len * elem->size, 0, (size_t)(cap - len) * elem->size); /* see below */
        return S_OK;
    }
    const msgpack_object *v;
    if (FAILED(hr = pc_unwrap(c, t, 1, o, &v)))
        return hr;
    return pc_unpack_value(c, elem, p, v);
}

HRESULT comrt_params_unpack_out(const comrt_tl_method *m, void **args, const msgpack_object *outs,
                                const comrt_itf_marshaler *im)
{
    pctx c = {.m = m, .args = args, .im = im, .param = UINT32_MAX, .bad = RPC_E_INVALID_DATA};
    int64_t caps_small[16], *caps = caps_small;
    uint8_t done_small[16], *done = done_small;
    HRESULT hr = S_OK;
    if (!m || !args || !outs)
        return comrt_error_set(E_POINTER, "comrt_params_unpack_out: missing argument");
    if (m->nparams > 16) {
        caps = malloc(m->nparams * sizeof *caps);
        done = malloc(m->nparams);
        if (!caps || !done) {
            hr = pc_fail(&c, E_OUTOFMEMORY, "out of memory");
            goto out;
        }
    }
    memset(done, 0, m->nparams);
    int n = count_dir(m, COMRT_TL_P_OUT);
    if (outs->type != MSGPACK_OBJECT_ARRAY || outs->via.array.size != (uint32_t)n) {
        hr = pc_fail(&c, c.bad, "the reply does not carry the %d [out] values", n);
        goto out;
    }
    /* Capacities come from the [in] values, before anything is overwritten;
     * [out]-only pointees start zeroed (the caller's are garbage), except
     * arrays of plain scalars: the reply overwrites them and client_out
     * zeroes what it leaves, which spares a large buffer a second pass. */
    for (uint32_t k = 0; k < m->nparams && SUCCEEDED(hr); k++) {
        const comrt_tl_param *pm = &m->params[k];
        const comrt_tl_type *t = pm->type;
        void *p;
        caps[k] = -1;
        if (!(pm->flags & COMRT_TL_P_OUT))
            continue;
        c.param = k;
        if (t->kind != COMRT_TL_PTR) {
            hr = pc_fail(&c, E_INVALIDARG, "an [out] parameter is not a pointer");
            break;
        }
        memcpy(&p, args[1 + k], sizeof p);
        if (!p) {
            if (!pc_may_be_null(t, 1))
                hr = pc_fail(&c, E_POINTER, "a NULL pointer for an [out] parameter");
            continue;
        }
        if ((t->flags & COMRT_TL_F_STRING) || is_sized(t)) {
            if (FAILED(hr = top_capacity(&c, t, (pm->flags & COMRT_TL_P_IN) ? p : NULL, &caps[k])))
                break;
            if (caps[k] < 0) {
                hr = pc_fail(&c, E_INVALIDARG, "an [out, string] buffer without size_is");
                break;
            }
        }
        if (!(pm->flags & COMRT_TL_P_IN)) {
            if (t->flags & COMRT_TL_F_STRING)
                *(char *)p = 0;
            else if (caps[k] < 0 || !pc_blittable(t->elem))
                memset(p, 0, caps[k] >= 0 ? (size_t)caps[k] * t->elem->size : t->elem->size);
        }
    }
    /* Values whose sizes depend on other values go second. */
    for (int pass = 0; pass < 2 && SUCCEEDED(hr); pass++) {
        for (uint32_t k = 0; k < m->nparams && SUCCEEDED(hr); k++) {
            const comrt_tl_param *pm = &m->params[k];
            if (!(pm->flags & COMRT_TL_P_OUT) || pc_uses_exprs(pm->type) != pass)
                continue;
            c.param = k;
            if (pm->flags & COMRT_TL_P_IN)
                client_undo(&c, k, caps[k]); /* the callee consumed the [in] value */
            done[k] = 1;
            hr = client_out(&c, k, caps[k], &outs->via.array.ptr[wire_index(m, k, COMRT_TL_P_OUT)]);
        }
    }
    if (FAILED(hr))
        for (uint32_t k = m->nparams; k-- > 0;)
            if (done[k])
                client_undo(&c, k, caps[k]); /* the caller (proxy.c) then zeroes every [out] */
out:
    if (caps != caps_small)
        free(caps);
    if (done != done_small)
        free(done);
    return hr;
}

void comrt_params_zero_out(const comrt_tl_method *m, void **args)
{
    pctx c = {.m = m, .args = args, .param = UINT32_MAX, .bad = RPC_E_INVALID_DATA};
    if (!m || !args)
        return;
    for (uint32_t k = 0; k < m->nparams; k++) {
        const comrt_tl_param *pm = &m->params[k];
        const comrt_tl_type *t = pm->type;
        void *p;
        if ((pm->flags & (COMRT_TL_P_IN | COMRT_TL_P_OUT)) != COMRT_TL_P_OUT || t->kind != COMRT_TL_PTR)
            continue;
        memcpy(&p, args[1 + k], sizeof p);
        if (!p)
            continue;
        if (t->flags & COMRT_TL_F_STRING) {
            *(char *)p = 0;
        } else if (is_sized(t)) {
            int64_t n;
            if (pc_count_quiet(&c, t->size_is ? t->size_is : t->length_is, &n))
                memset(p, 0, (size_t)n * t->elem->size);
        } else {
            memset(p, 0, t->elem->size);
        }
    }
}

int comrt_params_reply_sink(const comrt_tl_method *m, void **args, comrt_reply_sink *sink)
{
    pctx c = {.m = m, .args = args, .param = UINT32_MAX, .bad = RPC_E_INVALID_DATA};
    size_t best = 0;
    for (uint32_t k = 0; k < m->nparams; k++) {
        const comrt_tl_param *pm = &m->params[k];
        const comrt_tl_type *t = pm->type;
        void *p;
        int64_t n;
        if ((pm->flags & (COMRT_TL_P_IN | COMRT_TL_P_OUT)) != COMRT_TL_P_OUT || t->kind != COMRT_TL_PTR ||
            !is_sized(t) || (t->flags & COMRT_TL_F_STRING) || !pc_blittable(t->elem))
            continue;
        memcpy(&p, args[1 + k], sizeof p);
        if (!p || !pc_count_quiet(&c, t->size_is ? t->size_is : t->length_is, &n) ||
            (uint64_t)n > SIZE_MAX / t->elem->size)
            continue;
        size_t bytes = (size_t)n * t->elem->size;
        if (bytes >= COMRT_BULK_MIN && bytes > best) {
            best = bytes;
            *sink = (comrt_reply_sink){wire_index(m, k, COMRT_TL_P_OUT), p, bytes};
        }
    }
    return best > 0;
}

/* Stub side ------------------------------------------------------------------- */

/* Decodes [in] parameter k (or prepares [out]-only storage) into f. */
static HRESULT stub_in(pctx *c, comrt_call_frame *f, uint32_t k, const msgpack_object *o)
{
    const comrt_tl_param *pm = &c->m->params[k];
    const comrt_tl_type *t = pm->type, *elem = t->elem;
    void **pp = f->args[1 + k];
    HRESULT hr;
    int64_t n, len;
    if (t->kind != COMRT_TL_PTR) {
        if (pm->flags & COMRT_TL_P_OUT)
            return pc_fail(c, E_INVALIDARG, "an [out] parameter is not a pointer");
        return pc_unpack_value(c, t, pp, o);
    }
    if (!(pm->flags & COMRT_TL_P_IN)) {
        /* [out] only: storage for the callee to fill. */
        if (t->flags & COMRT_TL_F_STRING) {
            if (!t->size_is)
                return pc_fail(c, E_INVALIDARG, "an [out, string] buffer without size_is");
        }
        if (is_sized(t) || (t->flags & COMRT_TL_F_STRING)) {
            if (FAILED(hr = top_capacity(c, t, NULL, &f->cap[k])))
                return hr;
            /* An array of scalars never leaves the stub: scratch memory,
             * which for 16 MiB is a block already paged in. */
            if (!(t->flags & COMRT_TL_F_STRING) && pc_blittable(elem) &&
                SUCCEEDED(hr = pc_alloc_scratch(c, (uint64_t)f->cap[k], elem->size, pp))) {
                f->borrowed[k] = 2;
                return hr;
            }
            return pc_alloc(c, (uint64_t)f->cap[k], elem->size, pp);
        }
        if (elem->size == 0)
            return pc_fail(c, E_NOTIMPL, "a pointer to a value of no size");
        return pc_alloc(c, 1, elem->size, pp);
    }
    if (o->type == MSGPACK_OBJECT_NIL || !is_sized(t) || (t->flags & COMRT_TL_F_STRING)) {
        if ((t->flags & COMRT_TL_F_STRING) && t->size_is && o->type != MSGPACK_OBJECT_NIL) {
            if (FAILED(hr = top_capacity(c, t, NULL, &f->cap[k])))
                return hr;
            return pc_unpack_string(c, o, f->cap[k], (char **)pp);
        }
        return pc_unpack_ptr(c, t, pp, o, 1);
    }
    if (FAILED(hr = top_capacity(c, t, NULL, &n)))
        return hr;
    len = n;
    if (t->size_is && t->length_is && FAILED(hr = pc_count(c, t->length_is, "length_is", &len)))
        return hr;
    if (len > n)
        return pc_fail(c, c->bad, "length_is %lld exceeds size_is %lld", (long long)len, (long long)n);
    f->cap[k] = n;
    /* A large [in]-only array of bytes (or aligned scalars) is used where
     * the message holds it: a 16 MiB buffer is not copied a second time. */
    if (!(pm->flags & COMRT_TL_P_OUT) && pc_blittable(elem) && len == n && o->type == MSGPACK_OBJECT_BIN &&
        (uint64_t)o->via.bin.size == (uint64_t)n * elem->size && n * elem->size >= 4096 &&
        ((uintptr_t)o->via.bin.ptr % elem->align) == 0) {
        *pp = (void *)o->via.bin.ptr;
        f->borrowed[k] = 1;
        return S_OK;
    }
    /* Check the message's count before allocating n elements. */
    if (pc_blittable(elem) ? (o->type != MSGPACK_OBJECT_BIN || (uint64_t)o->via.bin.size != (uint64_t)len * elem->size)
                           : (o->type != MSGPACK_OBJECT_ARRAY || (uint64_t)o->via.array.size != (uint64_t)len))
        return pc_unpack_elems(c, elem, NULL, len, o); /* reports the mismatch */
    if (FAILED(hr = pc_alloc(c, (uint64_t)n, elem->size, pp)))
        return hr;
    return pc_unpack_elems(c, elem, *pp, len, o);
}

static void frame_release(pctx *c, comrt_call_frame *f)
{
    const comrt_tl_method *m = f->m;
    /* Parameters sized by others first, while those still hold their values. */
    for (int pass = 1; pass >= 0; pass--) {
        for (uint32_t k = 0; k < m->nparams; k++) {
            const comrt_tl_type *t = m->params[k].type;
            if (pc_uses_exprs(t) != pass)
                continue;
            c->param = k;
            if (f->borrowed[k] == 2) {
                void *p;
                memcpy(&p, f->args[1 + k], sizeof p);
                comrt_frame_free(p);
                memset(f->args[1 + k], 0, sizeof p);
                continue;
            }
            if (f->borrowed[k] || t->kind != COMRT_TL_PTR) {
                if (!f->borrowed[k])
                    pc_free_value(c, t, f->args[1 + k]);
                continue;
            }
            void *p;
            memcpy(&p, f->args[1 + k], sizeof p);
            pc_free_ptr(c, t, p, (t->flags & COMRT_TL_F_STRING) ? -1 : f->cap[k]);
            memset(f->args[1 + k], 0, sizeof p);
        }
    }
    /* Last: the parameters' BYREF VARIANTs no longer point here. */
    pc_byrefs_free(&f->byrefs);
}

static HRESULT frame_new(const comrt_tl_method *m, comrt_call_frame **out)
{
    /* One block: the frame, args, caps, flags, then 16-aligned storage. */
    size_t n = m->nparams;
    size_t head = sizeof(comrt_call_frame) + (n + 1) * sizeof(void *) + n * sizeof(void *) + n * sizeof(int64_t) + n;
    size_t off = (head + 15) & ~(size_t)15, total = off;
    for (uint32_t k = 0; k < n; k++) {
        size_t sz = m->params[k].type->size;
        if (sz > COMRT_PARAMS_MAX_ALLOC)
            return E_NOTIMPL;
        total += (sz + 15) & ~(size_t)15;
    }
    uint8_t *b = calloc(1, total);
    if (!b)
        return E_OUTOFMEMORY;
    comrt_call_frame *f = (comrt_call_frame *)b;
    f->m = m;
    f->args = (void **)(b + sizeof *f);
    f->slots = f->args + n + 1;
    f->cap = (int64_t *)(f->slots + n);
    f->borrowed = (uint8_t *)(f->cap + n);
    for (uint32_t k = 0; k < n; k++) {
        f->cap[k] = -1;
        f->args[1 + k] = f->slots[k] = b + off;
        off += ((size_t)m->params[k].type->size + 15) & ~(size_t)15;
    }
    f->allocated = total;
    *out = f;
    return S_OK;
}

HRESULT comrt_params_unpack_in(const comrt_tl_method *m, const msgpack_object *ins, const comrt_itf_marshaler *im,
                               comrt_call_frame **out)
{
    pctx c = {.m = m, .im = im, .param = UINT32_MAX, .bad = RPC_E_INVALID_DATA};
    comrt_call_frame *f = NULL;
    HRESULT hr;
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_params_unpack_in: no place for the frame");
    *out = NULL;
    if (!m || !ins)
        return comrt_error_set(E_POINTER, "comrt_params_unpack_in: missing argument");
    int n = count_dir(m, COMRT_TL_P_IN);
    if (ins->type != MSGPACK_OBJECT_ARRAY || ins->via.array.size != (uint32_t)n)
        return pc_fail(&c, c.bad, "the request does not carry the %d [in] values", n);
    if (FAILED(hr = frame_new(m, &f)))
        return pc_fail(&c, hr, "cannot allocate the call frame");
    c.args = f->args;
    c.allocated = f->allocated;
    c.byrefs = &f->byrefs;
    for (int pass = 0; pass < 2 && SUCCEEDED(hr); pass++) {
        for (uint32_t k = 0; k < m->nparams && SUCCEEDED(hr); k++) {
            const comrt_tl_param *pm = &m->params[k];
            if (pc_uses_exprs(pm->type) != pass)
                continue;
            c.param = k;
            const msgpack_object *o =
                (pm->flags & COMRT_TL_P_IN) ? &ins->via.array.ptr[wire_index(m, k, COMRT_TL_P_IN)] : NULL;
            hr = stub_in(&c, f, k, o);
        }
    }
    if (FAILED(hr)) {
        frame_release(&c, f);
        free(f);
        return hr;
    }
    f->allocated = c.allocated;
    *out = f;
    return S_OK;
}

void **comrt_call_frame_args(comrt_call_frame *f)
{
    return f ? f->args : NULL;
}

HRESULT comrt_params_pack_out(const comrt_tl_method *m, comrt_call_frame *f, const comrt_itf_marshaler *im,
                              msgpack_packer *pk)
{
    pctx c = {.m = m, .im = im, .pk = pk, .param = UINT32_MAX, .bad = E_INVALIDARG};
    HRESULT hr = S_OK;
    if (!m || !f || !pk || f->m != m)
        return comrt_error_set(E_POINTER, "comrt_params_pack_out: missing argument or foreign frame");
    frame_restore(f);
    c.args = f->args;
    if (msgpack_pack_array(pk, count_dir(m, COMRT_TL_P_OUT)) != 0)
        return pc_fail(&c, E_OUTOFMEMORY, "cannot write the message");
    for (uint32_t k = 0; k < m->nparams && SUCCEEDED(hr); k++) {
        const comrt_tl_param *pm = &m->params[k];
        if (!(pm->flags & COMRT_TL_P_OUT))
            continue;
        c.param = k;
        void *p;
        memcpy(&p, f->args[1 + k], sizeof p);
        hr = pc_pack_ptr(&c, pm->type, p, 1, f->cap[k]);
    }
    return hr;
}

void comrt_call_frame_free(comrt_call_frame *f)
{
    if (!f)
        return;
    pctx c = {.m = f->m, .args = f->args, .param = UINT32_MAX, .bad = RPC_E_INVALID_DATA};
    frame_restore(f);
    frame_release(&c, f);
    free(f);
}
