/*
 * comrt/objbase.h - the COM library: initialization, task memory, activation.
 */
#ifndef COMRT_OBJBASE_H
#define COMRT_OBJBASE_H

#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tagCLSCTX {
    CLSCTX_INPROC_SERVER = 0x1,
    CLSCTX_INPROC_HANDLER = 0x2,
    CLSCTX_LOCAL_SERVER = 0x4,
    CLSCTX_REMOTE_SERVER = 0x10,
} CLSCTX;
#define CLSCTX_INPROC (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER)
#define CLSCTX_SERVER (CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define CLSCTX_ALL (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)

typedef enum tagCOINIT {
    COINIT_MULTITHREADED = 0x0,
    COINIT_APARTMENTTHREADED = 0x2,
    COINIT_DISABLE_OLE1DDE = 0x4,
    COINIT_SPEED_OVER_MEMORY = 0x8,
} COINIT;

typedef enum tagREGCLS {
    REGCLS_SINGLEUSE = 0,
    REGCLS_MULTIPLEUSE = 1,
    REGCLS_MULTI_SEPARATE = 2,
    REGCLS_SUSPENDED = 4,
    REGCLS_SURROGATE = 8,
} REGCLS;

typedef struct _COSERVERINFO COSERVERINFO;

/*
 * CoInitializeEx - enters the calling thread into an apartment. Counted per
 * thread: S_OK the first time, S_FALSE on later calls with the same model,
 * RPC_E_CHANGED_MODE if the thread already chose the other model (the count
 * is then unchanged). E_INVALIDARG for unknown flags or pvReserved != NULL.
 * Each success (S_OK or S_FALSE) needs one CoUninitialize.
 */
COMRT_API HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
/* CoInitialize - CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED). */
COMRT_API HRESULT CoInitialize(LPVOID pvReserved);
/*
 * CoUninitialize - undoes one successful CoInitialize(Ex) on this thread.
 * When the last apartment of the process closes, libraries whose
 * DllCanUnloadNow answers S_OK are unloaded. Also releases the thread's
 * error object when this thread's count reaches zero.
 */
COMRT_API void CoUninitialize(void);

/*
 * Task memory: the allocator for memory that crosses an interface boundary
 * ([out] strings and arrays). CoTaskMemAlloc(0) returns a unique non-NULL
 * pointer; CoTaskMemFree(NULL) is a no-op; CoTaskMemRealloc(p, 0) frees p
 * and returns NULL, as in COM.
 */
COMRT_API LPVOID CoTaskMemAlloc(size_t cb);
COMRT_API LPVOID CoTaskMemRealloc(LPVOID pv, size_t cb);
COMRT_API void CoTaskMemFree(LPVOID pv);

/*
 * CoGetClassObject - the class object (factory) of rclsid, AddRef'd for the
 * caller. Looks first at class objects registered in this process with
 * CoRegisterClassObject for a matching context, then (CLSCTX_INPROC_SERVER)
 * at the registry's InprocServer32. The thread must be initialized, unless
 * another thread of the process has entered the multithreaded apartment
 * (COM's implicit MTA): CO_E_NOTINITIALIZED otherwise.
 * Errors: REGDB_E_CLASSNOTREG (no such class for the context),
 * CO_E_DLLNOTFOUND (library missing or not loadable), CO_E_ERRORINDLL (no
 * DllGetClassObject), REGDB_E_READREGDB (malformed registry),
 * REGDB_E_BADTHREADINGMODEL, whatever DllGetClassObject returned
 * (CLASS_E_CLASSNOTAVAILABLE...). Each sets error information naming the
 * class and file. pvReserved (COSERVERINFO) must be NULL for local contexts.
 */
COMRT_API HRESULT CoGetClassObject(REFCLSID rclsid, DWORD dwClsContext, COSERVERINFO *pvReserved, REFIID riid,
                                   LPVOID *ppv);

/*
 * CoCreateInstance - CoGetClassObject + IClassFactory::CreateInstance +
 * Release. *ppv receives an AddRef'd pointer, or NULL on failure. With
 * pUnkOuter non-NULL the class must accept aggregation and riid must be
 * IID_IUnknown (else CLASS_E_NOAGGREGATION from the factory).
 */
COMRT_API HRESULT CoCreateInstance(REFCLSID rclsid, LPUNKNOWN pUnkOuter, DWORD dwClsContext, REFIID riid,
                                   LPVOID *ppv);

/*
 * CoRegisterClassObject - makes pUnk (a class object, AddRef'd by the
 * runtime) available to CoGetClassObject for the given contexts. *lpdwRegister
 * receives a non-zero cookie for CoRevokeClassObject. REGCLS_SUSPENDED holds
 * it back until CoResumeClassObjects. CO_E_OBJISREG if the same class is
 * already registered MULTIPLEUSE for an overlapping context.
 */
COMRT_API HRESULT CoRegisterClassObject(REFCLSID rclsid, LPUNKNOWN pUnk, DWORD dwClsContext, DWORD flags,
                                        LPDWORD lpdwRegister);
/* CoRevokeClassObject - withdraws and Releases it. CO_E_OBJNOTREG for an unknown cookie. */
COMRT_API HRESULT CoRevokeClassObject(DWORD dwRegister);
/* CoResumeClassObjects - makes all REGCLS_SUSPENDED registrations visible. */
COMRT_API HRESULT CoResumeClassObjects(void);
/* CoSuspendClassObjects - hides every registration from new activations
 * (a server about to exit calls it, so clients start a fresh one). */
COMRT_API HRESULT CoSuspendClassObjects(void);

/*
 * CoDisconnectObject - cuts every remote client off pUnk: the references
 * they hold are dropped at once and their later calls fail with
 * RPC_E_DISCONNECTED. The object itself lives on while local references
 * remain. S_OK also when it was not exported. dwReserved must be 0.
 */
COMRT_API HRESULT CoDisconnectObject(LPUNKNOWN pUnk, DWORD dwReserved);

/*
 * CoLockObjectExternal - fLock TRUE adds a strong external lock that keeps
 * pUnk (and its exported identity) alive with no client holding it; FALSE
 * removes one. When the last lock goes and fLastUnlockReleases is TRUE,
 * the object is also disconnected from its clients (CoDisconnectObject).
 */
COMRT_API HRESULT CoLockObjectExternal(LPUNKNOWN pUnk, BOOL fLock, BOOL fLastUnlockReleases);

/*
 * CoFreeUnusedLibraries - unloads every in-proc server library that is not
 * in use by an activation in progress and whose DllCanUnloadNow returns
 * S_OK. Pointers into an unloaded library must not be used afterwards; a
 * library that answers S_OK while it still has objects is at fault.
 */
COMRT_API void CoFreeUnusedLibraries(void);

/*
 * CLSIDFromProgID - the CLSID under `<ProgID>\CLSID`, following `CurVer`
 * for a version-independent ProgID. CO_E_CLASSSTRING if the ProgID is not
 * registered or its CLSID value is malformed (error information says which).
 */
COMRT_API HRESULT CLSIDFromProgID(LPCOLESTR lpszProgID, LPCLSID lpclsid);

/*
 * ProgIDFromCLSID - the `CLSID\{...}\ProgID` value, in a string the caller
 * frees with CoTaskMemFree. REGDB_E_CLASSNOTREG if the class or its ProgID
 * is not registered.
 */
COMRT_API HRESULT ProgIDFromCLSID(REFCLSID clsid, LPOLESTR *lplpszProgID);

/*
 * comrt_set_log_handler - where the runtime reports events no caller can be
 * told about (a connection dropped for malformed data, ...). fn receives one
 * line without a newline; NULL restores the default: stderr when the
 * environment variable COMRT_LOG is set, else nothing. Set it before other
 * threads use comrt.
 */
typedef void (*comrt_log_fn)(const char *line);
COMRT_API void comrt_set_log_handler(comrt_log_fn fn);

/* Entry points an in-proc server library exports (DLL in COM's words). */
typedef HRESULT (*LPFNGETCLASSOBJECT)(REFCLSID rclsid, REFIID riid, LPVOID *ppv);
typedef HRESULT (*LPFNCANUNLOADNOW)(void);
typedef HRESULT (*LPFNREGISTERSERVER)(void);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_OBJBASE_H */
