/*
 * aptobj.c - the apartment tests' ICallback object and its class factory
 * (aptobj.h). No Check here: libaptcomp.so links this file too, and is
 * loaded by programs that do not carry Check's symbols.
 */
#include "aptobj.h"

#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

atomic_long aptobj_live;

LONGLONG gettid_ll(void)
{
    return (LONGLONG)syscall(SYS_gettid);
}

HRESULT aptobj_QueryInterface(ICallback *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ICallback)) {
        ICallback_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

ULONG aptobj_AddRef(ICallback *This)
{
    return (ULONG)atomic_fetch_add(&((AptObj *)This)->refs, 1) + 1;
}

ULONG aptobj_Release(ICallback *This)
{
    AptObj *o = (AptObj *)This;
    ULONG n = (ULONG)atomic_fetch_sub(&o->refs, 1) - 1;
    if (!n && o->owned) {
        free(o);
        atomic_fetch_sub(&aptobj_live, 1);
    }
    return n;
}

static HRESULT aptobj_Notify(ICallback *This, LONG value, const char *text)
{
    (void)value;
    (void)text;
    atomic_fetch_add(&((AptObj *)This)->calls, 1);
    return S_OK;
}

HRESULT aptobj_ThreadId(ICallback *This, LONGLONG *tid)
{
    (void)This;
    *tid = gettid_ll();
    return S_OK;
}

const ICallbackVtbl aptobj_vtbl = {aptobj_QueryInterface, aptobj_AddRef, aptobj_Release, aptobj_Notify,
                                   aptobj_ThreadId};

void aptobj_init(AptObj *o)
{
    o->iface.lpVtbl = &aptobj_vtbl;
    atomic_init(&o->refs, 1);
    atomic_init(&o->calls, 0);
    o->owned = 0;
}

HRESULT aptobj_create(REFIID riid, void **ppv)
{
    *ppv = NULL;
    AptObj *o = calloc(1, sizeof *o);
    if (!o)
        return E_OUTOFMEMORY;
    aptobj_init(o);
    o->owned = 1;
    atomic_fetch_add(&aptobj_live, 1);
    /* The QueryInterface reference is the caller's; ours goes (and with it
     * the object, when riid was not one of its interfaces). */
    HRESULT hr = aptobj_QueryInterface(&o->iface, riid, ppv);
    aptobj_Release(&o->iface);
    return hr;
}

HRESULT aptfactory_QueryInterface(IClassFactory *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        IClassFactory_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

ULONG aptfactory_AddRef(IClassFactory *This)
{
    return (ULONG)atomic_fetch_add(&((AptFactory *)This)->refs, 1) + 1;
}

ULONG aptfactory_Release(IClassFactory *This)
{
    return (ULONG)atomic_fetch_sub(&((AptFactory *)This)->refs, 1) - 1;
}

HRESULT aptfactory_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    (void)This;
    *ppv = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    return aptobj_create(riid, ppv);
}

HRESULT aptfactory_LockServer(IClassFactory *This, BOOL lock)
{
    (void)This;
    (void)lock;
    return S_OK;
}

const IClassFactoryVtbl aptfactory_vtbl = {aptfactory_QueryInterface, aptfactory_AddRef, aptfactory_Release,
                                           aptfactory_CreateInstance, aptfactory_LockServer};

void aptfactory_init(AptFactory *f)
{
    f->iface.lpVtbl = &aptfactory_vtbl;
    atomic_init(&f->refs, 1);
}
