/*
 * counted.h - a test object that counts its references: an IDispatch whose
 * value property (DISPID_VALUE) is an I4, or a plain IUnknown that refuses
 * IID_IDispatch. Static storage, never freed: tests assert the count.
 */
#ifndef COMRT_TEST_COUNTED_H
#define COMRT_TEST_COUNTED_H

#include <comrt.h>

typedef struct {
    IDispatch iface;
    LONG refs;
    BOOL dispatch; /* answers QueryInterface(IID_IDispatch) */
    LONG value;    /* the value property */
} counted;

static HRESULT counted_qi(IDispatch *This, REFIID riid, void **ppv)
{
    counted *c = (counted *)This;
    if (IsEqualIID(riid, &IID_IUnknown) || (c->dispatch && IsEqualIID(riid, &IID_IDispatch))) {
        *ppv = This;
        c->refs++;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG counted_addref(IDispatch *This)
{
    return (ULONG)++((counted *)This)->refs;
}

static ULONG counted_release(IDispatch *This)
{
    return (ULONG)--((counted *)This)->refs;
}

static HRESULT counted_count(IDispatch *This, UINT *p)
{
    (void)This;
    *p = 0;
    return S_OK;
}

static HRESULT counted_typeinfo(IDispatch *This, UINT i, LCID lcid, ITypeInfo **pp)
{
    (void)This, (void)i, (void)lcid;
    *pp = NULL;
    return E_NOTIMPL;
}

static HRESULT counted_ids(IDispatch *This, REFIID riid, LPOLESTR *names, UINT n, LCID lcid, DISPID *ids)
{
    (void)This, (void)riid, (void)names, (void)n, (void)lcid, (void)ids;
    return E_NOTIMPL;
}

static HRESULT counted_invoke(IDispatch *This, DISPID id, REFIID riid, LCID lcid, WORD flags, DISPPARAMS *params,
                              VARIANT *result, EXCEPINFO *exc, UINT *argerr)
{
    (void)riid, (void)lcid, (void)params, (void)exc, (void)argerr;
    if (id != DISPID_VALUE || !(flags & DISPATCH_PROPERTYGET) || !result)
        return DISP_E_MEMBERNOTFOUND;
    V_VT(result) = VT_I4;
    V_I4(result) = ((counted *)This)->value;
    return S_OK;
}

static const IDispatchVtbl counted_vtbl = {
    counted_qi, counted_addref, counted_release, counted_count, counted_typeinfo, counted_ids, counted_invoke,
};

static inline void counted_init(counted *c, BOOL dispatch, LONG value)
{
    c->iface.lpVtbl = &counted_vtbl;
    c->refs = 1;
    c->dispatch = dispatch;
    c->value = value;
}

static inline IUnknown *counted_unk(counted *c)
{
    void *p = &c->iface; /* an IDispatch is an IUnknown: same vtable prefix */
    return p;
}
#define COUNTED_UNK(c) counted_unk(c)

#endif
