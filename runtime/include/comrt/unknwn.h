/*
 * comrt/unknwn.h - IUnknown and IClassFactory: the binary contract.
 *
 * An interface pointer points at a struct whose first member is
 * `const XxxVtbl *lpVtbl`. Slots 0-2 are QueryInterface, AddRef, Release.
 * Call macros expand as MIDL/widl's C bindings do:
 *   IUnknown_QueryInterface(p, riid, ppv) -> (p)->lpVtbl->QueryInterface(p, riid, ppv)
 */
#ifndef COMRT_UNKNWN_H
#define COMRT_UNKNWN_H

#include "comrt/guid.h"
#include "comrt/hresult.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct IUnknown IUnknown;
typedef IUnknown *LPUNKNOWN;

typedef struct IUnknownVtbl {
    /* Returns S_OK and an AddRef'd pointer in *ppvObject, or E_NOINTERFACE
     * with *ppvObject set to NULL. E_POINTER if ppvObject is NULL. */
    HRESULT (*QueryInterface)(IUnknown *This, REFIID riid, void **ppvObject);
    /* Returns the new count; for diagnostics only. */
    ULONG (*AddRef)(IUnknown *This);
    /* Frees the object when the count reaches zero. */
    ULONG (*Release)(IUnknown *This);
} IUnknownVtbl;

struct IUnknown {
    const IUnknownVtbl *lpVtbl;
};

#define IUnknown_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IUnknown_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IUnknown_Release(This) ((This)->lpVtbl->Release(This))

typedef struct IClassFactory IClassFactory;
typedef IClassFactory *LPCLASSFACTORY;

typedef struct IClassFactoryVtbl {
    HRESULT (*QueryInterface)(IClassFactory *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IClassFactory *This);
    ULONG (*Release)(IClassFactory *This);
    /* Creates an instance. With pUnkOuter non-NULL the new object is
     * aggregated: riid must be IID_IUnknown and the inner, non-delegating
     * IUnknown is returned; a class that cannot be aggregated returns
     * CLASS_E_NOAGGREGATION. *ppvObject is NULL on failure. */
    HRESULT (*CreateInstance)(IClassFactory *This, IUnknown *pUnkOuter, REFIID riid, void **ppvObject);
    /* fLock TRUE keeps the server loaded (counted), FALSE undoes one lock. */
    HRESULT (*LockServer)(IClassFactory *This, BOOL fLock);
} IClassFactoryVtbl;

struct IClassFactory {
    const IClassFactoryVtbl *lpVtbl;
};

#define IClassFactory_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IClassFactory_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IClassFactory_Release(This) ((This)->lpVtbl->Release(This))
#define IClassFactory_CreateInstance(This, outer, riid, ppv) \
    ((This)->lpVtbl->CreateInstance(This, outer, riid, ppv))
#define IClassFactory_LockServer(This, fLock) ((This)->lpVtbl->LockServer(This, fLock))

COMRT_API extern const IID IID_IUnknown;     /* {00000000-0000-0000-C000-000000000046} */
COMRT_API extern const IID IID_IClassFactory; /* {00000001-0000-0000-C000-000000000046} */

#ifdef __cplusplus
}
#endif

#endif /* COMRT_UNKNWN_H */
