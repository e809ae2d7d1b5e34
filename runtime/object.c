/*
 * object.c - comrt_object: reference counting, table-driven QueryInterface
 * and aggregation for components written in C.
 *
 * The header's `inner` is the non-delegating IUnknown. Every interface of
 * the object delegates its IUnknown methods to `outer`, which is the
 * aggregator when there is one and `inner` otherwise - so identity and
 * lifetime are the aggregate's, as COM's aggregation rules require.
 */
#include "internal.h"

static comrt_object *from_inner(IUnknown *p)
{
    return COMRT_CONTAINER_OF(p, comrt_object, inner);
}

static HRESULT inner_QueryInterface(IUnknown *This, REFIID riid, void **ppv)
{
    comrt_object *obj = from_inner(This);

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (IsEqualIID(riid, &IID_IUnknown)) {
        *ppv = &obj->inner;
        atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
        return S_OK;
    }
    for (const comrt_interface_entry *e = obj->cls->interfaces; e && e->iid; e++) {
        if (IsEqualIID(riid, e->iid)) {
            IUnknown *itf = (IUnknown *)(void *)((char *)obj + e->offset);
            *ppv = itf;
            /* Through the interface, i.e. the controlling unknown. */
            IUnknown_AddRef(itf);
            return S_OK;
        }
    }
    if (obj->cls->query_fallback) {
        HRESULT hr = obj->cls->query_fallback(obj, riid, ppv);
        if (FAILED(hr))
            *ppv = NULL;
        return hr;
    }
    return E_NOINTERFACE;
}

static ULONG inner_AddRef(IUnknown *This)
{
    return (ULONG)atomic_fetch_add_explicit(&from_inner(This)->refs, 1, memory_order_relaxed) + 1;
}

static ULONG inner_Release(IUnknown *This)
{
    comrt_object *obj = from_inner(This);
    ULONG n = (ULONG)atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel) - 1;
    if (n == 0) {
        comrt_module *m = obj->module;
        /* Guard against a destructor that AddRefs/Releases itself. */
        atomic_store(&obj->refs, 1);
        obj->cls->destroy(obj);
        if (m)
            comrt_module_unlock(m);
    }
    return n;
}

static const IUnknownVtbl inner_vtbl = {inner_QueryInterface, inner_AddRef, inner_Release};

void comrt_object_init(comrt_object *obj, const comrt_object_class *cls, comrt_module *module, IUnknown *outer)
{
    obj->inner.lpVtbl = &inner_vtbl;
    obj->outer = outer ? outer : &obj->inner;
    atomic_init(&obj->refs, 1);
    obj->cls = cls;
    obj->module = module;
    if (module)
        comrt_module_lock(module);
}

HRESULT comrt_object_finish_create(comrt_object *obj, REFIID riid, void **ppv)
{
    HRESULT hr;
    if (obj->outer != &obj->inner) {
        /* Aggregated: the aggregator holds the inner unknown. */
        *ppv = &obj->inner;
        return S_OK;
    }
    hr = inner_QueryInterface(&obj->inner, riid, ppv);
    inner_Release(&obj->inner);
    return hr;
}

HRESULT comrt_object_query(comrt_object *obj, REFIID riid, void **ppv)
{
    return IUnknown_QueryInterface(obj->outer, riid, ppv);
}

ULONG comrt_object_addref(comrt_object *obj)
{
    return IUnknown_AddRef(obj->outer);
}

ULONG comrt_object_release(comrt_object *obj)
{
    return IUnknown_Release(obj->outer);
}
