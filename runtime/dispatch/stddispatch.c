/*
 * stddispatch.c - IDispatch::Invoke driven by type information: ITypeInfo::
 * Invoke (DispInvoke) maps DISPPARAMS onto the member's parameters, coerces
 * each argument with VariantChangeType and calls the vtable slot through
 * libffi; CreateStdDispatch wraps that in an IDispatch object.
 *
 * The ffi_cif of each slot is prepared once per ITypeInfo and published
 * with a compare-and-swap, so a warm Invoke allocates nothing.
 */
#include <ffi.h>
#include <stdlib.h>
#include <string.h>

#include "../../marshal/params.h"
#include "dispatch_internal.h"

#define MAX_PARAMS 32

/* Per slot: the libffi description, shared with the marshaler's cache
 * (marshal/params_ffi.c), looked up once per ITypeInfo. */
struct call_plan {
    ffi_cif *cif;
};

/* Structs and fixed arrays by value are not automation types. */
static int by_value_aggregate(const comrt_tl_type *t)
{
    return t && (t->kind == COMRT_TL_STRUCT || t->kind == COMRT_TL_ARRAY);
}

/* The VARTYPE an argument is coerced to for a parameter of type t (0: none). */
static VARTYPE coerce_vt(const comrt_tl_type *t)
{
    switch (t->kind) {
    case COMRT_TL_I1: return VT_I1;
    case COMRT_TL_U1: return VT_UI1;
    case COMRT_TL_I2: return t->vt == VT_BOOL ? VT_BOOL : VT_I2;
    case COMRT_TL_U2: return VT_UI2;
    case COMRT_TL_I4: return t->vt == VT_INT ? VT_INT : VT_I4;
    case COMRT_TL_ENUM: return VT_I4;
    case COMRT_TL_U4: return t->vt == VT_UINT ? VT_UINT : VT_UI4;
    case COMRT_TL_I8: return VT_I8;
    case COMRT_TL_U8: return VT_UI8;
    case COMRT_TL_R4: return VT_R4;
    case COMRT_TL_R8: return t->vt == VT_DATE ? VT_DATE : VT_R8;
    case COMRT_TL_BSTR: return VT_BSTR;
    case COMRT_TL_VARIANT: return VT_VARIANT;
    case COMRT_TL_INTERFACE: return t->vt == VT_DISPATCH ? VT_DISPATCH : VT_UNKNOWN;
    case COMRT_TL_SAFEARRAY: {
        VARTYPE e = t->elem ? coerce_vt(t->elem) : 0;
        return e ? (VARTYPE)(VT_ARRAY | e) : 0;
    }
    case COMRT_TL_PTR: /* [in, string] char *: a BSTR is a valid one */
        if ((t->flags & COMRT_TL_F_STRING) && t->elem && (t->elem->kind == COMRT_TL_I1 || t->elem->kind == COMRT_TL_U1))
            return VT_BSTR;
        return 0;
    default: return 0;
    }
}

static size_t value_size(const comrt_tl_type *t)
{
    switch (t->kind) {
    case COMRT_TL_I1: case COMRT_TL_U1: return 1;
    case COMRT_TL_I2: case COMRT_TL_U2: return 2;
    case COMRT_TL_I4: case COMRT_TL_U4: case COMRT_TL_ENUM: case COMRT_TL_R4: return 4;
    case COMRT_TL_VARIANT: return sizeof(VARIANT);
    default: return 8;
    }
}

void ti_free_plan(struct call_plan *p)
{
    free(p);
}

static HRESULT get_plan(ti_obj *ti, const comrt_tl_method *m, struct call_plan **out)
{
    struct call_plan *p = atomic_load_explicit(&ti->plans[m->slot], memory_order_acquire);
    if (p) {
        *out = p;
        return S_OK;
    }
    if (m->nparams > MAX_PARAMS)
        return comrt_error_set(DISP_E_BADPARAMCOUNT, "%s has %u parameters; IDispatch calls at most %d", m->name,
                               m->nparams, MAX_PARAMS);
    for (uint32_t i = 0; i < m->nparams; i++)
        if (by_value_aggregate(m->params[i].type))
            return comrt_error_set(DISP_E_BADVARTYPE, "%s.%s cannot be called through IDispatch: parameter '%s' "
                                   "is a structure or array passed by value", ti->iface->name, m->name,
                                   m->params[i].name);
    ffi_cif *cif;
    if (by_value_aggregate(m->ret) || FAILED(comrt_params_cif(m, &cif))) {
        CoTaskMemFree(comrt_error_take_description());
        return comrt_error_set(DISP_E_BADVARTYPE, "%s.%s cannot be called through IDispatch", ti->iface->name,
                               m->name);
    }
    if (!(p = calloc(1, sizeof *p)))
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    p->cif = cif;
    struct call_plan *expected = NULL;
    if (!atomic_compare_exchange_strong(&ti->plans[m->slot], &expected, p)) {
        free(p);
        p = expected;
    }
    *out = p;
    return S_OK;
}

/* One parameter's state during a call. */
struct slot {
    union {
        VARIANT v;
        unsigned char bytes[sizeof(VARIANT)];
        void *p;
    } val;     /* what the argument pointer points at */
    VARIANT store;      /* local storage an [out] pointer points at (as raw bytes) */
    VARIANT tmp;        /* coerced argument owning its resources */
    IUnknown *qi;       /* a QueryInterface'd custom interface, released after */
    VARIANT *writeback; /* VT_BYREF|VT_VARIANT argument receiving a local [out] */
    int local_out;      /* store holds an [out] value to convert and clear */
};

/* Converts the raw value at raw (of type t) into *out, taking ownership of
 * what it holds. Types without a VARIANT form are refused before the call. */
static void raw_to_variant(const comrt_tl_type *t, const void *raw, VARIANT *out)
{
    VariantInit(out);
    if (t->kind == COMRT_TL_VARIANT) {
        memcpy(out, raw, sizeof *out);
        return;
    }
    if (t->kind == COMRT_TL_PTR) { /* [string] char *: becomes a BSTR */
        char *s;
        memcpy(&s, raw, sizeof s);
        V_VT(out) = VT_BSTR;
        V_BSTR(out) = s ? SysAllocString(s) : NULL;
        CoTaskMemFree(s);
        return;
    }
    V_VT(out) = coerce_vt(t);
    memcpy(&out->llVal, raw, value_size(t));
}

/* Whether a value of type t can come back as a VARIANT. */
static int returnable(const comrt_tl_type *t)
{
    return t->kind == COMRT_TL_VARIANT || coerce_vt(t) != 0;
}

static void fill_excepinfo(EXCEPINFO *ei, HRESULT hr)
{
    IErrorInfo *e = NULL;
    if (GetErrorInfo(0, &e) != S_OK)
        e = NULL;
    if (ei) {
        memset(ei, 0, sizeof *ei);
        ei->scode = hr;
        if (e) {
            IErrorInfo_GetSource(e, &ei->bstrSource);
            IErrorInfo_GetDescription(e, &ei->bstrDescription);
            IErrorInfo_GetHelpFile(e, &ei->bstrHelpFile);
            IErrorInfo_GetHelpContext(e, &ei->dwHelpContext);
        }
        if (!ei->bstrDescription)
            ei->bstrDescription = SysAllocString(comrt_hresult_message(hr));
    }
    if (e) { /* the callee's error object stays available to GetErrorInfo */
        SetErrorInfo(0, e);
        IErrorInfo_Release(e);
    }
}

static int is_missing(const VARIANT *a)
{
    return a && V_VT(a) == VT_ERROR && V_ERROR(a) == DISP_E_PARAMNOTFOUND;
}

/* Coerces src into slot s for an [in] parameter p. */
static HRESULT in_arg(const comrt_tl_param *p, const VARIANT *src, struct slot *s)
{
    const comrt_tl_type *t = p->type;
    if (src && V_VT(src) == (VT_BYREF | VT_VARIANT) && src->pvarVal)
        src = src->pvarVal;
    if (t->kind == COMRT_TL_VARIANT) {
        s->val.v = *src; /* by value, borrowed: an [in] VARIANT is not the callee's */
        return S_OK;
    }
    if (t->kind == COMRT_TL_PTR && t->elem && t->elem->kind == COMRT_TL_VARIANT) {
        s->val.p = (void *)src; /* [in] VARIANT *: the caller's, borrowed */
        return S_OK;
    }
    if (t->kind == COMRT_TL_PTR && V_ISBYREF(src) && t->elem && coerce_vt(t->elem) == (V_VT(src) & ~VT_BYREF)) {
        s->val.p = src->byref; /* [in] T * given by reference */
        return S_OK;
    }
    VARTYPE vt = coerce_vt(t);
    if (!vt)
        return DISP_E_BADVARTYPE;
    HRESULT hr = VariantChangeType(&s->tmp, (VARIANTARG *)src, 0, vt);
    if (FAILED(hr))
        return hr;
    if (t->kind == COMRT_TL_INTERFACE && vt == VT_UNKNOWN && !t->iid_is && !IsEqualIID(&t->iid, &IID_IUnknown) &&
        V_UNKNOWN(&s->tmp)) {
        hr = IUnknown_QueryInterface(V_UNKNOWN(&s->tmp), &t->iid, (void **)&s->qi);
        if (FAILED(hr))
            return DISP_E_TYPEMISMATCH;
        s->val.p = s->qi;
        return S_OK;
    }
    memcpy(s->val.bytes, &s->tmp.llVal, value_size(t));
    return S_OK;
}

/* Points slot s at the storage of an [out] or [in, out] parameter p given a. */
static HRESULT out_arg(const comrt_tl_param *p, VARIANT *a, struct slot *s)
{
    const comrt_tl_type *e = p->type->kind == COMRT_TL_PTR ? p->type->elem : NULL;
    if (!e || !returnable(e))
        return DISP_E_BADVARTYPE;
    VARTYPE evt = e->kind == COMRT_TL_VARIANT ? VT_VARIANT : coerce_vt(e);
    if (!a) { /* an omitted optional [out]: local storage, discarded */
        s->local_out = 1;
        s->val.p = &s->store;
        return S_OK;
    }
    if (V_VT(a) == (VT_BYREF | evt) && a->byref) {
        s->val.p = a->byref;
        return S_OK;
    }
    if (V_VT(a) == (VT_BYREF | VT_VARIANT) && a->pvarVal) {
        s->local_out = 1;
        s->writeback = a->pvarVal;
        s->val.p = &s->store;
        if (p->flags & COMRT_TL_P_IN) {
            HRESULT hr = VariantChangeType(&s->tmp, a->pvarVal, 0, evt);
            if (FAILED(hr))
                return hr;
            memcpy(&s->store, &s->tmp.llVal, value_size(e));
            VariantInit(&s->tmp); /* ownership moved to store */
        }
        return S_OK;
    }
    return DISP_E_TYPEMISMATCH;
}

HRESULT ti_invoke(ti_obj *ti, void *instance, MEMBERID memid, WORD flags, DISPPARAMS *dp, VARIANT *result,
                  EXCEPINFO *ei, UINT *argerr)
{
    static DISPPARAMS none;
    struct slot slots[MAX_PARAMS];
    void *argv[MAX_PARAMS + 1];
    int src[MAX_PARAMS];
    struct call_plan *plan = NULL;
    HRESULT hr;
    uint32_t n = 0, retval = UINT32_MAX;
    const comrt_tl_method *m;

    if (!ti->iface || ti->kind != TKIND_INTERFACE)
        return comrt_error_set(TYPE_E_WRONGTYPEKIND, "%s is not a vtable interface: nothing to invoke",
                               ti->iface ? ti->iface->name : "this type");
    if (!instance)
        return comrt_error_set(E_INVALIDARG, "ITypeInfo::Invoke: no object");
    if (!dp)
        dp = &none;
    if (dp->cNamedArgs > dp->cArgs || (dp->cArgs && !dp->rgvarg) || (dp->cNamedArgs && !dp->rgdispidNamedArgs))
        return comrt_error_set(E_INVALIDARG, "ITypeInfo::Invoke: inconsistent DISPPARAMS");
    int put = (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) != 0;
    uint32_t mask = put ? (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF))
                        : (flags & (DISPATCH_METHOD | DISPATCH_PROPERTYGET));
    if (!(m = ti_find_method(ti->iface, memid, mask))) {
        const comrt_tl_method *any = ti_find_method(ti->iface, memid, 0xF);
        if (any)
            return comrt_error_set(DISP_E_MEMBERNOTFOUND, "%s.%s cannot be called with DISPATCH flags 0x%x",
                                   ti->iface->name, any->name, (unsigned)flags);
        return comrt_error_set(DISP_E_MEMBERNOTFOUND, "%s has no member with DISPID %d", ti->iface->name, (int)memid);
    }
    if ((hr = get_plan(ti, m, &plan)) != S_OK)
        return hr;

    /* Which rgvarg entry feeds each parameter (-1: none). */
    uint32_t vis[MAX_PARAMS], nvis = 0;
    for (uint32_t i = 0; i < m->nparams; i++) {
        src[i] = -1;
        uint32_t f = m->params[i].flags;
        if (f & COMRT_TL_P_RETVAL)
            retval = i;
        else if (!(f & COMRT_TL_P_LCID))
            vis[nvis++] = i;
    }
    UINT npos = dp->cArgs - dp->cNamedArgs;
    if (npos > nvis)
        return comrt_error_set(DISP_E_BADPARAMCOUNT, "%s.%s takes %u arguments, not %u", ti->iface->name, m->name,
                               nvis, npos);
    for (UINT k = 0; k < npos; k++)
        src[vis[k]] = (int)(dp->cArgs - 1 - k);
    for (UINT i = 0; i < dp->cNamedArgs; i++) {
        DISPID d = dp->rgdispidNamedArgs[i];
        int target = -1;
        if (d == DISPID_PROPERTYPUT && put && nvis)
            target = (int)vis[nvis - 1];
        else if (d >= 0 && (uint32_t)d < m->nparams && !(m->params[d].flags & (COMRT_TL_P_RETVAL | COMRT_TL_P_LCID)))
            target = d;
        if (target < 0 || src[target] >= 0) {
            if (argerr)
                *argerr = i;
            return comrt_error_set(DISP_E_PARAMNOTFOUND, "%s.%s has no parameter %d (or it was given twice)",
                                   ti->iface->name, m->name, (int)d);
        }
        src[target] = (int)i;
    }

    memset(slots, 0, sizeof(struct slot) * m->nparams);
    argv[0] = &instance;
    for (n = 0; n < m->nparams; n++) {
        const comrt_tl_param *p = &m->params[n];
        struct slot *s = &slots[n];
        VARIANT *a = src[n] >= 0 ? &dp->rgvarg[src[n]] : NULL;
        argv[n + 1] = &s->val;
        if (p->flags & COMRT_TL_P_LCID)
            continue; /* val is 0: LOCALE_NEUTRAL */
        if (n == retval) {
            if (!p->type->elem || !returnable(p->type->elem)) {
                hr = comrt_error_set(DISP_E_BADVARTYPE, "%s.%s: its result has no VARIANT form", ti->iface->name,
                                     m->name);
                goto fail;
            }
            s->val.p = &s->store; /* converted into the result after the call */
            continue;
        }
        if (is_missing(a) || !a) {
            if (p->flags & COMRT_TL_P_DEFAULT) {
                VARIANT dv;
                hr = ti_default_value(p, &dv);
                if (SUCCEEDED(hr))
                    hr = (p->flags & COMRT_TL_P_OUT) ? out_arg(p, NULL, s) : in_arg(p, &dv, s);
                VariantClear(&dv);
                if (FAILED(hr)) {
                    hr = comrt_error_set(DISP_E_TYPEMISMATCH, "%s.%s: the default of '%s' does not fit its type",
                                         ti->iface->name, m->name, p->name);
                    goto fail;
                }
                continue;
            }
            if (p->flags & COMRT_TL_P_OPTIONAL) {
                if (p->flags & COMRT_TL_P_OUT) {
                    hr = out_arg(p, NULL, s);
                    if (FAILED(hr))
                        goto fail;
                } else {
                    VARIANT miss;
                    VariantInit(&miss);
                    V_VT(&miss) = VT_ERROR;
                    V_ERROR(&miss) = DISP_E_PARAMNOTFOUND;
                    s->store = miss; /* VARIANT or VARIANT *: "missing"; other types: zero */
                    if (p->type->kind == COMRT_TL_VARIANT)
                        s->val.v = miss;
                    else if (p->type->kind == COMRT_TL_PTR && p->type->elem && p->type->elem->kind == COMRT_TL_VARIANT)
                        s->val.p = &s->store;
                }
                continue;
            }
            if (a && argerr)
                *argerr = (UINT)src[n];
            hr = comrt_error_set(a || dp->cNamedArgs ? DISP_E_PARAMNOTOPTIONAL : DISP_E_BADPARAMCOUNT,
                                 "%s.%s: argument '%s' is required", ti->iface->name, m->name, p->name);
            goto fail;
        }
        hr = (p->flags & COMRT_TL_P_OUT) ? out_arg(p, a, s) : in_arg(p, a, s);
        if (FAILED(hr)) {
            HRESULT why = hr;
            if (argerr)
                *argerr = (UINT)src[n];
            hr = comrt_error_set(why == DISP_E_BADVARTYPE ? DISP_E_BADVARTYPE : DISP_E_TYPEMISMATCH,
                                 "%s.%s: argument '%s' (rgvarg[%d], VARTYPE %u) does not convert to its type (0x%08X)",
                                 ti->iface->name, m->name, p->name, src[n], (unsigned)V_VT(a), (unsigned)why);
            goto fail;
        }
    }

    /* The call. An error object left from before must not be mistaken for the callee's. */
    SetErrorInfo(0, NULL);
    union {
        ffi_arg a;
        ffi_sarg s;
        double d;
        float f;
        uint64_t u;
    } rv;
    memset(&rv, 0, sizeof rv);
    void (*fn)(void) = (void (*)(void))((void **)*(void **)instance)[m->slot];
    ffi_call(plan->cif, fn, &rv, argv);

    int returns_hr = m->ret && m->ret->kind == COMRT_TL_I4 && m->ret->vt == VT_HRESULT;
    HRESULT call_hr = returns_hr ? (HRESULT)rv.s : S_OK;
    VARIANT out;
    VariantInit(&out);
    if (retval != UINT32_MAX)
        raw_to_variant(m->params[retval].type->elem, &slots[retval].store, &out);
    else if (!returns_hr && m->ret && m->ret->kind != COMRT_TL_VOID && returnable(m->ret))
        raw_to_variant(m->ret, &rv, &out);
    for (uint32_t i = 0; i < m->nparams; i++) {
        struct slot *s = &slots[i];
        if (!s->local_out)
            continue;
        VARIANT v;
        raw_to_variant(m->params[i].type->elem, &s->store, &v);
        if (s->writeback && SUCCEEDED(call_hr)) {
            VariantClear(s->writeback);
            *s->writeback = v;
        } else {
            VariantClear(&v);
        }
        s->local_out = 0;
    }
    if (FAILED(call_hr)) {
        VariantClear(&out);
        fill_excepinfo(ei, call_hr);
        hr = DISP_E_EXCEPTION;
        goto fail;
    }
    if (result)
        *result = out;
    else
        VariantClear(&out);
    hr = S_OK;
fail:
    for (uint32_t i = 0; i < n && i < m->nparams; i++) {
        VariantClear(&slots[i].tmp);
        if (slots[i].qi)
            IUnknown_Release(slots[i].qi);
        /* An [in, out] value coerced into store for a call that never happened. */
        if (slots[i].local_out && (m->params[i].flags & COMRT_TL_P_IN) && slots[i].writeback) {
            VARIANT v;
            raw_to_variant(m->params[i].type->elem, &slots[i].store, &v);
            VariantClear(&v);
        }
    }
    return hr;
}

/* Public entry points ------------------------------------------------------ */

COMRT_API HRESULT DispGetIDsOfNames(ITypeInfo *ptinfo, LPOLESTR *rgszNames, UINT cNames, DISPID *rgdispid)
{
    if (!ptinfo)
        return comrt_error_set(E_INVALIDARG, "DispGetIDsOfNames: no type information");
    return ITypeInfo_GetIDsOfNames(ptinfo, rgszNames, cNames, rgdispid);
}

COMRT_API HRESULT DispInvoke(void *_this, ITypeInfo *ptinfo, DISPID dispidMember, WORD wFlags, DISPPARAMS *pparams,
                             VARIANT *pvarResult, EXCEPINFO *pexcepinfo, UINT *puArgErr)
{
    if (!ptinfo)
        return comrt_error_set(E_INVALIDARG, "DispInvoke: no type information");
    return ITypeInfo_Invoke(ptinfo, _this, dispidMember, wFlags, pparams, pvarResult, pexcepinfo, puArgErr);
}

/* CreateStdDispatch -------------------------------------------------------- */

typedef struct std_disp {
    IUnknown inner;
    IDispatch disp;
    atomic_ulong refs;
    IUnknown *outer; /* controlling unknown (not counted), or &inner */
    void *pvThis;
    ITypeInfo *ti;
} std_disp;

#define SD_INNER(p) COMRT_CONTAINER_OF(p, std_disp, inner)
#define SD_DISP(p) COMRT_CONTAINER_OF(p, std_disp, disp)

static HRESULT sd_inner_QueryInterface(IUnknown *This, REFIID riid, void **ppv)
{
    std_disp *d = SD_INNER(This);
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown))
        *ppv = &d->inner;
    else if (IsEqualIID(riid, &IID_IDispatch))
        *ppv = &d->disp;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG sd_inner_AddRef(IUnknown *This)
{
    return (ULONG)atomic_fetch_add(&SD_INNER(This)->refs, 1) + 1;
}

static ULONG sd_inner_Release(IUnknown *This)
{
    std_disp *d = SD_INNER(This);
    ULONG n = (ULONG)atomic_fetch_sub(&d->refs, 1) - 1;
    if (n == 0) {
        ITypeInfo_Release(d->ti);
        free(d);
    }
    return n;
}

static const IUnknownVtbl sd_inner_vtbl = {sd_inner_QueryInterface, sd_inner_AddRef, sd_inner_Release};

static HRESULT sd_QueryInterface(IDispatch *This, REFIID riid, void **ppv)
{
    return IUnknown_QueryInterface(SD_DISP(This)->outer, riid, ppv);
}

static ULONG sd_AddRef(IDispatch *This)
{
    return IUnknown_AddRef(SD_DISP(This)->outer);
}

static ULONG sd_Release(IDispatch *This)
{
    return IUnknown_Release(SD_DISP(This)->outer);
}

static HRESULT sd_GetTypeInfoCount(IDispatch *This, UINT *pctinfo)
{
    (void)This;
    if (!pctinfo)
        return E_INVALIDARG;
    *pctinfo = 1;
    return S_OK;
}

static HRESULT sd_GetTypeInfo(IDispatch *This, UINT i, LCID lcid, ITypeInfo **pp)
{
    (void)lcid;
    if (!pp)
        return E_INVALIDARG;
    *pp = NULL;
    if (i != 0)
        return DISP_E_BADINDEX;
    *pp = SD_DISP(This)->ti;
    ITypeInfo_AddRef(*pp);
    return S_OK;
}

static HRESULT sd_GetIDsOfNames(IDispatch *This, REFIID riid, LPOLESTR *names, UINT n, LCID lcid, DISPID *ids)
{
    (void)riid, (void)lcid;
    return DispGetIDsOfNames(SD_DISP(This)->ti, names, n, ids);
}

static HRESULT sd_Invoke(IDispatch *This, DISPID id, REFIID riid, LCID lcid, WORD flags, DISPPARAMS *dp,
                         VARIANT *res, EXCEPINFO *ei, UINT *argerr)
{
    std_disp *d = SD_DISP(This);
    (void)lcid;
    if (riid && !IsEqualIID(riid, &GUID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    return DispInvoke(d->pvThis, d->ti, id, flags, dp, res, ei, argerr);
}

static const IDispatchVtbl sd_vtbl = {sd_QueryInterface, sd_AddRef,        sd_Release, sd_GetTypeInfoCount,
                                      sd_GetTypeInfo,    sd_GetIDsOfNames, sd_Invoke};

COMRT_API HRESULT CreateStdDispatch(IUnknown *punkOuter, void *pvThis, ITypeInfo *ptinfo, IUnknown **ppunkStdDisp)
{
    if (!ppunkStdDisp)
        return comrt_error_set(E_INVALIDARG, "CreateStdDispatch: ppunkStdDisp is NULL");
    *ppunkStdDisp = NULL;
    if (!pvThis || !ptinfo)
        return comrt_error_set(E_INVALIDARG, "CreateStdDispatch: no object or no type information");
    std_disp *d = calloc(1, sizeof *d);
    if (!d)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    d->inner.lpVtbl = &sd_inner_vtbl;
    d->disp.lpVtbl = &sd_vtbl;
    atomic_init(&d->refs, 1);
    d->outer = punkOuter ? punkOuter : &d->inner;
    d->pvThis = pvThis;
    d->ti = ptinfo;
    ITypeInfo_AddRef(ptinfo);
    *ppunkStdDisp = &d->inner;
    return S_OK;
}
