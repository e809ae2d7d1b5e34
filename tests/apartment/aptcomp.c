/*
 * aptcomp.c - an in-proc component for the apartment tests: three classes
 * that differ only in the ThreadingModel they are registered with (the test
 * writes the registry), each making an ICallback whose ThreadId tells on
 * which thread its calls run.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oop.h"

/* {6A1D3C60-5B4E-4C1A-9E0F-2D7B8A9C0E11} ... 13, 14: Apartment, Free, Both */
const CLSID CLSID_AptApartment = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x11}};
const CLSID CLSID_AptFree = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x13}};
const CLSID CLSID_AptBoth = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x14}};

static atomic_long live;

typedef struct Obj {
    ICallback iface;
    atomic_ulong refs;
} Obj;

static HRESULT obj_QueryInterface(ICallback *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ICallback)) {
        ICallback_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG obj_AddRef(ICallback *This) { return (ULONG)atomic_fetch_add(&((Obj *)This)->refs, 1) + 1; }
static ULONG obj_Release(ICallback *This)
{
    ULONG n = (ULONG)atomic_fetch_sub(&((Obj *)This)->refs, 1) - 1;
    if (!n) {
        free(This);
        atomic_fetch_sub(&live, 1);
    }
    return n;
}
static HRESULT obj_Notify(ICallback *This, LONG value, const char *text)
{
    (void)This;
    (void)value;
    (void)text;
    return S_OK;
}
static HRESULT obj_ThreadId(ICallback *This, LONGLONG *tid)
{
    (void)This;
    *tid = (LONGLONG)syscall(SYS_gettid);
    return S_OK;
}
static const ICallbackVtbl obj_vtbl = {obj_QueryInterface, obj_AddRef, obj_Release, obj_Notify, obj_ThreadId};

typedef struct Factory {
    IClassFactory iface;
} Factory;

static HRESULT cf_QueryInterface(IClassFactory *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *ppv = This;
        return S_OK; /* static: no count */
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG cf_AddRef(IClassFactory *This) { (void)This; return 2; }
static ULONG cf_Release(IClassFactory *This) { (void)This; return 1; }
static HRESULT cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    (void)This;
    *ppv = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    Obj *o = calloc(1, sizeof *o);
    if (!o)
        return E_OUTOFMEMORY;
    o->iface.lpVtbl = &obj_vtbl;
    atomic_init(&o->refs, 1);
    atomic_fetch_add(&live, 1);
    HRESULT hr = obj_QueryInterface(&o->iface, riid, ppv);
    obj_Release(&o->iface);
    return hr;
}
static HRESULT cf_LockServer(IClassFactory *This, BOOL lock)
{
    (void)This;
    (void)lock;
    return S_OK;
}
static const IClassFactoryVtbl cf_vtbl = {cf_QueryInterface, cf_AddRef, cf_Release, cf_CreateInstance, cf_LockServer};
static Factory factory = {{&cf_vtbl}};

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, LPVOID *ppv)
{
    if (!IsEqualCLSID(rclsid, &CLSID_AptApartment) && !IsEqualCLSID(rclsid, &CLSID_AptFree) &&
        !IsEqualCLSID(rclsid, &CLSID_AptBoth)) {
        *ppv = NULL;
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    return cf_QueryInterface(&factory.iface, riid, ppv);
}

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return atomic_load(&live) ? S_FALSE : S_OK;
}
