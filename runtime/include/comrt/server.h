/*
 * comrt/server.h - helpers for writing components in C (the "sys" API).
 *
 * Three pieces, each optional:
 *  - comrt_object: reference counting, QueryInterface from a table, and
 *    aggregation (a non-delegating inner IUnknown; every interface's
 *    IUnknown methods delegate to the controlling unknown).
 *  - comrt_module: a server module's lock count (DllCanUnloadNow), class
 *    factories made from a class table (DllGetClassObject), and
 *    registration of that table (DllRegisterServer/DllUnregisterServer).
 *  - COMRT_IUNKNOWN_IMPL: writes the three delegating IUnknown methods of one
 *    interface of an object.
 * See docs/components.md for the pattern and examples/hello for a component.
 * C only (uses C11 atomics); C++ code includes comrt.h without this part.
 */
#ifndef COMRT_SERVER_H
#define COMRT_SERVER_H

#ifdef __cplusplus
#error "comrt/server.h is a C11 header"
#endif

#include <stdatomic.h>
#include <stddef.h>

#include "comrt/objbase.h"
#include "comrt/registry.h"

/* COMRT_CONTAINER_OF - the object that holds member at address ptr. */
#define COMRT_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Module ------------------------------------------------------------------- */

typedef struct comrt_module comrt_module;

/* Signature of a class's creation function. outer is non-NULL only for a
 * class flagged COMRT_CLASS_AGGREGATABLE, and then riid is IID_IUnknown.
 * Must return an AddRef'd pointer in *ppv or an error with *ppv NULL. */
typedef HRESULT (*comrt_create_fn)(comrt_module *module, IUnknown *outer, REFIID riid, void **ppv);

#define COMRT_CLASS_AGGREGATABLE 0x1u

/* One class a module serves; tables end with an entry whose clsid is NULL. */
typedef struct comrt_class_entry {
    const CLSID *clsid;
    comrt_create_fn create;
    unsigned flags;              /* COMRT_CLASS_* */
    const char *description;     /* default value of CLSID\{...} */
    const char *progid;          /* versioned ProgID ("Hello.Greeter.1") or NULL */
    const char *vi_progid;       /* version-independent ProgID ("Hello.Greeter") or NULL */
    const char *threading_model; /* "Apartment", "Free", "Both", "Neutral" or NULL (main STA) */
} comrt_class_entry;

struct comrt_module {
    atomic_long locks;                  /* live objects, factories and LockServer(TRUE) calls */
    const comrt_class_entry *classes;   /* the module's classes */
};
#define COMRT_MODULE_INIT(class_table) { 0, (class_table) }

/* Lock counting: objects lock their module for their lifetime. */
COMRT_API void comrt_module_lock(comrt_module *m);
COMRT_API void comrt_module_unlock(comrt_module *m);
/* comrt_module_can_unload_now - S_OK when nothing holds the module, else S_FALSE. */
COMRT_API HRESULT comrt_module_can_unload_now(comrt_module *m);

/*
 * comrt_module_get_class_object - the body of DllGetClassObject: a new class
 * factory (AddRef'd for the caller; it locks the module while it lives) for
 * rclsid. CLASS_E_CLASSNOTAVAILABLE if the table has no such class,
 * E_NOINTERFACE if riid is neither IUnknown nor IClassFactory.
 */
COMRT_API HRESULT comrt_module_get_class_object(comrt_module *m, REFCLSID rclsid, REFIID riid, void **ppv);

/*
 * comrt_module_register_server - the body of DllRegisterServer: one
 * transaction (default scope) writing, for each class, CLSID\{...} with its
 * description, InprocServer32 = the absolute path of the library holding m
 * (found with dladdr) and ThreadingModel, ProgID and VersionIndependentProgID
 * subkeys, and <ProgID>\CLSID (+ <VIProgID>\CurVer). SELFREG_E_CLASS with
 * error information if the path cannot be found or the write fails.
 */
COMRT_API HRESULT comrt_module_register_server(comrt_module *m);
/* comrt_module_unregister_server - removes exactly those keys. */
COMRT_API HRESULT comrt_module_unregister_server(comrt_module *m);

/*
 * comrt_register_class / comrt_unregister_class - the same for one entry
 * inside a caller's transaction; server_key is "InprocServer32" or
 * "LocalServer32" and server_value the library path or command line.
 * Unregistering removes only server_key when the class is also served the
 * other way (a DLL and an EXE), else the whole class with its ProgIDs.
 */
COMRT_API HRESULT comrt_register_class(comrt_reg_txn *txn, const comrt_class_entry *cls, const char *server_key,
                                       const char *server_value);
COMRT_API HRESULT comrt_unregister_class(comrt_reg_txn *txn, const comrt_class_entry *cls, const char *server_key);

/* Executable (local) servers ------------------------------------------------- */

/*
 * CoAddRefServerProcess / CoReleaseServerProcess - the server process's
 * own count of reasons to stay alive (a worker thread that will call a
 * client back, say), as in COM. comrt_exe_server_main serves while this
 * count, its module's lock count or any exported reference is non-zero;
 * when all are zero it suspends the classes (new activations start a fresh
 * server) and returns. Unlike COM, a release to zero does not suspend the
 * classes by itself. Return the new count.
 */
COMRT_API ULONG CoAddRefServerProcess(void);
COMRT_API ULONG CoReleaseServerProcess(void);

typedef struct comrt_exe_server {
    comrt_module *module;        /* the classes served (their factories come from the module) */
    DWORD regcls;                /* REGCLS_MULTIPLEUSE (one process for all) or REGCLS_SINGLEUSE */
    const void *typelib;         /* optional embedded type library to register (comidl --tlb-c) */
    size_t typelib_size;
    int idle_timeout_ms;         /* exit if no client came within this after start (0: 30000) */
} comrt_exe_server;

/*
 * comrt_exe_server_main - the whole main() of a local server:
 *   -RegServer    writes LocalServer32 = this executable for every class
 *                 (and registers the type library), in the scope named by
 *                 COMRT_REG_SCOPE=system|user (regsvr --system sets it);
 *   -UnregServer  removes exactly that;
 *   -Embedding    (launched by activation) serves until no object, lock or
 *                 CoAddRefServerProcess reference is left, then exits;
 *   --service     serves and stays resident until SIGTERM/SIGINT.
 * Returns the exit status (0 on success); messages go to stderr.
 */
COMRT_API int comrt_exe_server_main(const comrt_exe_server *srv, int argc, char **argv);

/* Objects ------------------------------------------------------------------ */

/* Where an interface lives in an object: offsetof(Object, member). */
typedef struct comrt_interface_entry {
    const IID *iid;
    size_t offset;
} comrt_interface_entry;
#define COMRT_INTERFACE(iid, type, member) { &(iid), offsetof(type, member) }

typedef struct comrt_object_class {
    const char *name;                         /* for diagnostics */
    const comrt_interface_entry *interfaces;  /* ends with {NULL, 0}; IID_IUnknown is implicit */
    void (*destroy)(void *self);              /* frees the object (self = the object's start) */
    /* Optional: asked for IIDs the table lacks, e.g. an aggregator forwarding
     * to its inner object's IUnknown. Must AddRef what it returns, or return
     * E_NOINTERFACE. */
    HRESULT (*query_fallback)(void *self, REFIID riid, void **ppv);
} comrt_object_class;

/*
 * The header every helper-managed object starts with (it must be the first
 * member, so that interface offsets are measured from it).
 */
typedef struct comrt_object {
    IUnknown inner;                  /* non-delegating IUnknown */
    IUnknown *outer;                 /* controlling unknown: the aggregator, or &inner */
    atomic_ulong refs;
    const comrt_object_class *cls;
    comrt_module *module;            /* locked while the object lives; may be NULL */
} comrt_object;

/*
 * comrt_object_init - sets up the header with one reference owned by the
 * caller and locks module (if any). outer is the aggregator or NULL.
 */
COMRT_API void comrt_object_init(comrt_object *obj, const comrt_object_class *cls, comrt_module *module,
                                 IUnknown *outer);

/*
 * comrt_object_finish_create - hands the new object to the creator: for an
 * aggregated object *ppv is the inner IUnknown (the creation reference moves
 * to it); otherwise the object is queried for riid and the creation
 * reference dropped (so a failed query destroys it). Returns the QI result.
 */
COMRT_API HRESULT comrt_object_finish_create(comrt_object *obj, REFIID riid, void **ppv);

/* The delegating IUnknown: what every interface of the object forwards to. */
COMRT_API HRESULT comrt_object_query(comrt_object *obj, REFIID riid, void **ppv);
COMRT_API ULONG comrt_object_addref(comrt_object *obj);
COMRT_API ULONG comrt_object_release(comrt_object *obj);

/*
 * COMRT_IUNKNOWN_IMPL(prefix, Iface, Type, member) defines
 * prefix_QueryInterface/AddRef/Release for interface Iface found at
 * Type.member, delegating to the controlling unknown of the comrt_object
 * that starts Type. Use them in Iface's vtable.
 */
#define COMRT_IUNKNOWN_IMPL(prefix, Iface, Type, member)                                           \
    static HRESULT prefix##_QueryInterface(Iface *This, REFIID riid, void **ppv)                     \
    {                                                                                                \
        return comrt_object_query((comrt_object *)COMRT_CONTAINER_OF(This, Type, member), riid, ppv); \
    }                                                                                                \
    static ULONG prefix##_AddRef(Iface *This)                                                        \
    {                                                                                                \
        return comrt_object_addref((comrt_object *)COMRT_CONTAINER_OF(This, Type, member));          \
    }                                                                                                \
    static ULONG prefix##_Release(Iface *This)                                                       \
    {                                                                                                \
        return comrt_object_release((comrt_object *)COMRT_CONTAINER_OF(This, Type, member));         \
    }

#endif /* COMRT_SERVER_H */
