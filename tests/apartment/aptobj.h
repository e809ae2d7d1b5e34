/*
 * aptobj.h - the apartment tests' ICallback object and the class factory
 * that makes it, shared by the test programs and by libaptcomp.so. The
 * object's ThreadId answers the thread its call runs on: that is how the
 * tests see in which apartment a call was delivered.
 *
 * An object with more to record (test_apartment's Peer) puts an AptObj
 * first and builds its own vtable from the aptobj_* methods, with its own
 * Notify; a factory that records (test_classobj's) does the same with an
 * AptFactory and the aptfactory_* methods.
 */
#ifndef COMRT_TEST_APTOBJ_H
#define COMRT_TEST_APTOBJ_H

#include <stdatomic.h>

#include "oop.h"

/* The calling thread's kernel thread id, as ThreadId reports it. */
LONGLONG gettid_ll(void);

typedef struct AptObj {
    ICallback iface;
    atomic_ulong refs;
    atomic_int calls; /* Notify calls (the aptobj_vtbl's Notify) */
    int owned;        /* made by aptobj_create: freed at its last Release */
} AptObj;

extern const ICallbackVtbl aptobj_vtbl;

/* Objects made by aptobj_create and not yet freed (DllCanUnloadNow). */
extern atomic_long aptobj_live;

/* A caller-owned object (on the stack, in a struct): one reference, never
 * freed, so a test can check its count after the calls have let it go. */
void aptobj_init(AptObj *o);

/* A heap object for a factory: *ppv gets riid's interface, freed at the
 * last Release. E_OUTOFMEMORY or E_NOINTERFACE with *ppv NULL. */
HRESULT aptobj_create(REFIID riid, void **ppv);

HRESULT aptobj_QueryInterface(ICallback *This, REFIID riid, void **ppv);
ULONG aptobj_AddRef(ICallback *This);
ULONG aptobj_Release(ICallback *This);
HRESULT aptobj_ThreadId(ICallback *This, LONGLONG *tid);

/* A class object making aptobj_create's objects; refuses aggregation.
 * Counts its references but is never freed (static or caller-owned). */
typedef struct AptFactory {
    IClassFactory iface;
    atomic_ulong refs;
} AptFactory;

extern const IClassFactoryVtbl aptfactory_vtbl;

/* One reference, aptfactory_vtbl. */
void aptfactory_init(AptFactory *f);

HRESULT aptfactory_QueryInterface(IClassFactory *This, REFIID riid, void **ppv);
ULONG aptfactory_AddRef(IClassFactory *This);
ULONG aptfactory_Release(IClassFactory *This);
HRESULT aptfactory_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv);
HRESULT aptfactory_LockServer(IClassFactory *This, BOOL lock);

#endif
