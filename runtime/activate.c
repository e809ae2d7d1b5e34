/*
 * activate.c - CoGetClassObject and CoCreateInstance.
 *
 * Order of search: class objects registered in this process (used directly
 * in the apartment that registered them, through a proxy elsewhere), then the
 * registry's InprocServer32 (CLSCTX_INPROC_SERVER), then the local server
 * (CLSCTX_LOCAL_SERVER: found or launched, see marshal/activation.c).
 * Remote servers are not built yet.
 */
#include "../marshal/activation.h"
#include "../marshal/apartment.h"
#include <stdlib.h>

#include "internal.h"
#include "loader.h"

static HRESULT check_args(REFCLSID rclsid, DWORD ctx, COSERVERINFO *si, REFIID riid, void **ppv, const char *fn)
{
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!rclsid || !riid)
        return comrt_error_set(E_INVALIDARG, "%s: NULL class or interface ID", fn);
    if (!(ctx & CLSCTX_ALL))
        return comrt_error_set(E_INVALIDARG, "%s: class context 0x%x names no server kind", fn, (unsigned)ctx);
    if (si)
        return comrt_error_set(E_NOTIMPL, "%s: remote activation (COSERVERINFO) is not supported yet", fn);
    return comrt_thread_check_init(fn);
}

static HRESULT not_registered(REFCLSID rclsid, DWORD ctx)
{
    char cs[CHARS_IN_GUID];
    return comrt_error_set(REGDB_E_CLASSNOTREG, "class %s: no server for class context 0x%x",
                           comrt_guid_str(rclsid, cs), (unsigned)ctx);
}

/* In-proc failed (or was not asked for): may a local server answer? An
 * in-proc failure other than "not registered" stands, as in COM. */
static int try_local(DWORD ctx, HRESULT inproc_hr)
{
    return (ctx & CLSCTX_LOCAL_SERVER) && (!(ctx & CLSCTX_INPROC_SERVER) || inproc_hr == REGDB_E_CLASSNOTREG);
}

static HRESULT create_from_factory(REFCLSID rclsid, IClassFactory *cf, IUnknown *outer, REFIID riid, void **ppv);

/*
 * ThreadingModel: the apartment an in-proc object must live in, as COM
 * decides it (docs/apartments.md). NULL: the caller's own (a direct
 * pointer); else a referenced apartment to create it in and proxy to.
 */
static comrt_apartment *home_for(enum comrt_threading model)
{
    comrt_apartment *cur = comrt_apartment_current(), *a = NULL;
    int sta = comrt_apartment_is_sta(cur);
    switch (model) {
    case COMRT_THREADING_MAIN:
        if (FAILED(comrt_apartment_main_sta(&a)) || a == cur) {
            comrt_apartment_unref(a);
            return NULL;
        }
        return a;
    case COMRT_THREADING_APARTMENT:
        if (sta || FAILED(comrt_apartment_host_sta(&a)))
            return NULL;
        return a;
    case COMRT_THREADING_FREE:
        return sta ? comrt_apartment_mta() : NULL;
    case COMRT_THREADING_BOTH:
    case COMRT_THREADING_NEUTRAL: /* no neutral apartment: callable from anywhere, like Both */
        break;
    }
    return NULL;
}

/* 1 if an object of apartment home must reach the caller through a proxy:
 * not when home is the caller's own apartment, or the MTA seen from the
 * MTA (any MTA thread may call an MTA object). */
static int is_elsewhere(comrt_apartment *home)
{
    comrt_apartment *cur = comrt_apartment_current();
    return home != cur && (comrt_apartment_is_sta(home) || comrt_apartment_is_sta(cur));
}

/* Runs in the object's home apartment: makes the class object or an
 * instance and marshals it for the caller. The class object comes from the
 * library, or is one registered there (CoRegisterClassObject). */
struct remote_make {
    struct comrt_library *lib;
    IUnknown *registered; /* referenced; released in the home (NULL once released) */
    REFCLSID clsid;
    REFIID riid;
    int create;
    HRESULT hr;
    BYTE *packet;
    ULONG len;
    char *why;
};

static HRESULT class_object_in_home(struct remote_make *r, REFIID iid, void **ppv)
{
    if (!r->registered)
        return comrt_loader_get_class_object(r->lib, r->clsid, iid, ppv);
    HRESULT hr = IUnknown_QueryInterface(r->registered, iid, ppv);
    if (FAILED(hr) && r->create)
        hr = comrt_error_set(hr, "CoCreateInstance: the registered class object is not an IClassFactory");
    return hr;
}

static void make_in_home(void *arg)
{
    struct remote_make *r = arg;
    IUnknown *obj = NULL;
    if (r->create) {
        IClassFactory *cf = NULL;
        r->hr = class_object_in_home(r, &IID_IClassFactory, (void **)&cf);
        if (SUCCEEDED(r->hr)) {
            r->hr = create_from_factory(r->clsid, cf, NULL, r->riid, (void **)&obj);
            IClassFactory_Release(cf);
        }
    } else {
        r->hr = class_object_in_home(r, r->riid, (void **)&obj);
    }
    if (r->registered) {
        /* The lookup's reference goes where the object lives. */
        IUnknown_Release(r->registered);
        r->registered = NULL;
    }
    if (SUCCEEDED(r->hr)) {
        r->hr = comrt_marshal_to_bytes(r->riid, obj, MSHLFLAGS_NORMAL, &r->packet, &r->len);
        IUnknown_Release(obj);
    }
    if (FAILED(r->hr))
        r->why = comrt_error_take_description(); /* error information is per thread */
}

/* lib, or registered (consumed): where the class object comes from. */
static HRESULT make_elsewhere(comrt_apartment *home, struct comrt_library *lib, IUnknown *registered,
                              REFCLSID clsid, int create, REFIID riid, void **ppv)
{
    struct remote_make r = {.lib = lib, .registered = registered, .clsid = clsid, .riid = riid, .create = create};
    HRESULT hr = comrt_apartment_run_sync(home, make_in_home, &r);
    if (r.registered) /* the home ended before it ran our work */
        IUnknown_Release(r.registered);
    if (SUCCEEDED(hr))
        hr = r.hr;
    if (FAILED(hr) && r.why)
        comrt_error_set(hr, "%s", r.why);
    else if (hr == RPC_E_DISCONNECTED && registered) {
        char cs[CHARS_IN_GUID];
        comrt_error_set(hr, "class %s: the apartment that registered its class object has ended",
                        comrt_guid_str(clsid, cs));
    }
    if (SUCCEEDED(hr))
        hr = comrt_unmarshal_from_bytes(r.packet, r.len, riid, ppv);
    free(r.why);
    CoTaskMemFree(r.packet);
    return hr;
}

/*
 * A class object registered in this process (consumed) belongs to the
 * apartment that registered it (home): used directly there, and from any
 * other apartment through a proxy, its instances made in home too.
 */
static HRESULT use_registered(REFCLSID rclsid, IUnknown *registered, comrt_apartment *home, IUnknown *outer,
                              int create, REFIID riid, void **ppv)
{
    IClassFactory *cf = NULL;
    HRESULT hr;

    if (is_elsewhere(home)) {
        char cs[CHARS_IN_GUID];
        if (!outer)
            return make_elsewhere(home, NULL, registered, rclsid, create, riid, ppv);
        IUnknown_Release(registered);
        return comrt_error_set(CLASS_E_NOAGGREGATION, "class %s cannot be aggregated here: its class object was "
                                                      "registered by another apartment",
                               comrt_guid_str(rclsid, cs));
    }
    if (!create) {
        hr = IUnknown_QueryInterface(registered, riid, ppv);
        IUnknown_Release(registered);
        return hr;
    }
    hr = IUnknown_QueryInterface(registered, &IID_IClassFactory, (void **)&cf);
    IUnknown_Release(registered);
    if (FAILED(hr))
        return comrt_error_set(hr, "CoCreateInstance: the registered class object is not an IClassFactory");
    hr = create_from_factory(rclsid, cf, outer, riid, ppv);
    IClassFactory_Release(cf);
    return hr;
}

HRESULT CoGetClassObject(REFCLSID rclsid, DWORD dwClsContext, COSERVERINFO *pvReserved, REFIID riid, LPVOID *ppv)
{
    IUnknown *registered = NULL;
    comrt_apartment *owner = NULL; /* the apartment that registered it */
    struct comrt_library *lib;
    HRESULT hr;

    hr = check_args(rclsid, dwClsContext, pvReserved, riid, ppv, "CoGetClassObject");
    if (FAILED(hr))
        return hr;
    if (comrt_classobj_lookup_home(rclsid, dwClsContext, &registered, &owner) == S_OK) {
        hr = use_registered(rclsid, registered, owner, NULL, 0, riid, ppv);
        comrt_apartment_unref(owner);
        return hr;
    }
    hr = REGDB_E_CLASSNOTREG;
    if (dwClsContext & CLSCTX_INPROC_SERVER) {
        enum comrt_threading model;
        hr = comrt_loader_acquire(rclsid, &lib, &model);
        if (SUCCEEDED(hr)) {
            comrt_apartment *home = home_for(model);
            if (home)
                hr = make_elsewhere(home, lib, NULL, rclsid, 0, riid, ppv);
            else
                hr = comrt_loader_get_class_object(lib, rclsid, riid, ppv);
            comrt_apartment_unref(home);
            comrt_loader_release(lib);
            return hr;
        }
    }
    if (try_local(dwClsContext, hr))
        return comrt_local_activate(rclsid, 0, riid, ppv);
    return (dwClsContext & CLSCTX_INPROC_SERVER) ? hr : not_registered(rclsid, dwClsContext);
}

static HRESULT create_from_factory(REFCLSID rclsid, IClassFactory *cf, IUnknown *outer, REFIID riid, void **ppv)
{
    HRESULT hr = IClassFactory_CreateInstance(cf, outer, riid, ppv);
    if (FAILED(hr)) {
        char cs[CHARS_IN_GUID];
        const char *name = comrt_hresult_name(hr);
        *ppv = NULL;
        if (hr == CLASS_E_NOAGGREGATION)
            return comrt_error_set(hr, "class %s cannot be aggregated (CLASS_E_NOAGGREGATION)",
                                   comrt_guid_str(rclsid, cs));
        return comrt_error_set(hr, "class %s: IClassFactory::CreateInstance failed: 0x%08X %s (%s)",
                               comrt_guid_str(rclsid, cs), (unsigned)hr, name ? name : "",
                               comrt_hresult_message(hr));
    }
    return hr;
}

HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext, REFIID riid, LPVOID *ppv)
{
    IUnknown *registered = NULL;
    comrt_apartment *owner = NULL; /* the apartment that registered it */
    IClassFactory *cf = NULL;
    struct comrt_library *lib;
    HRESULT hr;

    hr = check_args(rclsid, dwClsContext, NULL, riid, ppv, "CoCreateInstance");
    if (FAILED(hr))
        return hr;
    if (comrt_classobj_lookup_home(rclsid, dwClsContext, &registered, &owner) == S_OK) {
        hr = use_registered(rclsid, registered, owner, pUnkOuter, 1, riid, ppv);
        comrt_apartment_unref(owner);
        return hr;
    }
    hr = REGDB_E_CLASSNOTREG;
    enum comrt_threading model = COMRT_THREADING_BOTH;
    if (dwClsContext & CLSCTX_INPROC_SERVER)
        hr = comrt_loader_acquire(rclsid, &lib, &model);
    if (!(dwClsContext & CLSCTX_INPROC_SERVER) || FAILED(hr)) {
        if (try_local(dwClsContext, hr)) {
            if (pUnkOuter)
                return comrt_error_set(CLASS_E_NOAGGREGATION, "an object in a local server cannot be aggregated");
            return comrt_local_activate(rclsid, 1, riid, ppv);
        }
        return (dwClsContext & CLSCTX_INPROC_SERVER) ? hr : not_registered(rclsid, dwClsContext);
    }

    comrt_apartment *home = home_for(model);
    if (home) {
        char cs[CHARS_IN_GUID];
        if (pUnkOuter)
            hr = comrt_error_set(CLASS_E_NOAGGREGATION, "class %s cannot be aggregated here: its ThreadingModel "
                                                        "puts its objects in another apartment",
                                 comrt_guid_str(rclsid, cs));
        else
            hr = make_elsewhere(home, lib, NULL, rclsid, 1, riid, ppv);
        comrt_apartment_unref(home);
        comrt_loader_release(lib);
        return hr;
    }
    /* The library stays pinned until the factory is released. */
    hr = comrt_loader_get_class_object(lib, rclsid, &IID_IClassFactory, (void **)&cf);
    if (SUCCEEDED(hr)) {
        hr = create_from_factory(rclsid, cf, pUnkOuter, riid, ppv);
        IClassFactory_Release(cf);
    }
    comrt_loader_release(lib);
    return hr;
}
