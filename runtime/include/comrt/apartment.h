/*
 * comrt/apartment.h - apartments: where an object's calls run, event-loop
 * integration for single-threaded apartments, and the message filter.
 *
 * COM's model (docs/apartments.md): a thread joins the multithreaded
 * apartment (CoInitializeEx(NULL, COINIT_MULTITHREADED)), whose objects are
 * called on any of its threads or the runtime's worker pool, or makes a
 * single-threaded apartment of its own (COINIT_APARTMENTTHREADED), whose
 * objects are only ever called on that thread. An STA thread receives the
 * calls queued for it while it waits for the reply to one of its own
 * outgoing calls (so callbacks never deadlock) and whenever it dispatches
 * them itself: through comrt_apartment_wait, or from its own event loop with
 * the pollable descriptor and comrt_apartment_dispatch_pending below. There
 * is no hidden dispatch thread: an STA that does neither receives nothing.
 */
#ifndef COMRT_APARTMENT_H
#define COMRT_APARTMENT_H

#include "comrt/types.h"
#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum APTTYPE {
    APTTYPE_CURRENT = -1,
    APTTYPE_STA = 0,
    APTTYPE_MTA = 1,
    APTTYPE_NA = 2,
    APTTYPE_MAINSTA = 3,
} APTTYPE;

typedef enum APTTYPEQUALIFIER {
    APTTYPEQUALIFIER_NONE = 0,
    APTTYPEQUALIFIER_IMPLICIT_MTA = 1,
    APTTYPEQUALIFIER_NA_ON_MTA = 2,
    APTTYPEQUALIFIER_NA_ON_STA = 3,
    APTTYPEQUALIFIER_NA_ON_IMPLICIT_MTA = 4,
    APTTYPEQUALIFIER_NA_ON_MAINSTA = 5,
    APTTYPEQUALIFIER_APPLICATION_STA = 6,
} APTTYPEQUALIFIER;

/*
 * CoGetApartmentType - the calling thread's apartment: APTTYPE_MAINSTA for
 * the process's first STA, APTTYPE_STA for others, APTTYPE_MTA (qualifier
 * APTTYPEQUALIFIER_IMPLICIT_MTA for an uninitialized thread while the MTA
 * exists). CO_E_NOTINITIALIZED when the thread is in no apartment.
 */
COMRT_API HRESULT CoGetApartmentType(APTTYPE *pAptType, APTTYPEQUALIFIER *pAptQualifier);

/*
 * comrt_apartment_get_fd - for an STA thread: a descriptor that polls
 * readable (POLLIN) while calls for this apartment are waiting to run.
 * Borrowed: valid until the thread's last CoUninitialize; never read it,
 * call comrt_apartment_dispatch_pending instead. RPC_E_WRONG_THREAD if the
 * calling thread is not in an STA.
 */
COMRT_API HRESULT comrt_apartment_get_fd(int *fd);

/*
 * comrt_apartment_dispatch_pending - runs, on this STA thread, every call
 * queued for it (calls queued meanwhile too). S_OK if any ran, S_FALSE if
 * none; RPC_E_WRONG_THREAD outside an STA.
 */
COMRT_API HRESULT comrt_apartment_dispatch_pending(void);

/*
 * comrt_apartment_wait - the modal loop of an STA thread without an event
 * loop of its own: waits until calls arrive or timeout_ms passes (INFINITE
 * waits for ever) and runs what arrived. S_OK if any ran, S_FALSE on
 * timeout; RPC_E_WRONG_THREAD outside an STA.
 */
COMRT_API HRESULT comrt_apartment_wait(DWORD timeout_ms);

#ifndef INFINITE
#define INFINITE 0xFFFFFFFFu
#endif

/* The message filter ------------------------------------------------------- */

typedef void *HTASK;

typedef struct tagINTERFACEINFO {
    IUnknown *pUnk; /* the object called (NULL before it is looked up) */
    IID iid;
    WORD wMethod;   /* the vtable slot */
} INTERFACEINFO, *LPINTERFACEINFO;

typedef enum tagCALLTYPE {
    CALLTYPE_TOPLEVEL = 1,             /* no outgoing call is pending */
    CALLTYPE_NESTED = 2,               /* a callback of the pending outgoing call */
    CALLTYPE_ASYNC = 3,
    CALLTYPE_TOPLEVEL_CALLPENDING = 4, /* a new call while an outgoing call waits */
    CALLTYPE_ASYNC_CALLPENDING = 5,
} CALLTYPE;

typedef enum tagSERVERCALL {
    SERVERCALL_ISHANDLED = 0,
    SERVERCALL_REJECTED = 1,
    SERVERCALL_RETRYLATER = 2,
} SERVERCALL;

typedef enum tagPENDINGTYPE { PENDINGTYPE_TOPLEVEL = 1, PENDINGTYPE_NESTED = 2 } PENDINGTYPE;
typedef enum tagPENDINGMSG {
    PENDINGMSG_CANCELCALL = 0,
    PENDINGMSG_WAITNOPROCESS = 1,
    PENDINGMSG_WAITDEFPROCESS = 2,
} PENDINGMSG;

typedef struct IMessageFilter IMessageFilter;
typedef struct IMessageFilterVtbl {
    HRESULT(*QueryInterface)(IMessageFilter *This, REFIID riid, void **ppv);
    ULONG(*AddRef)(IMessageFilter *This);
    ULONG(*Release)(IMessageFilter *This);
    /* An incoming call is about to run: a SERVERCALL value. Consulted for
     * CALLTYPE_TOPLEVEL and CALLTYPE_TOPLEVEL_CALLPENDING only; nested calls
     * (same causality as the pending outgoing call) always run. */
    DWORD(*HandleInComingCall)(IMessageFilter *This, DWORD dwCallType, HTASK htaskCaller,
                                                 DWORD dwTickCount, LPINTERFACEINFO lpInterfaceInfo);
    /* The callee rejected our call (dwRejectType is a SERVERCALL value):
     * -1 (as DWORD) gives up with RPC_E_CALL_REJECTED, 0-99 retries at once,
     * 100 or more retries after that many milliseconds. */
    DWORD(*RetryRejectedCall)(IMessageFilter *This, HTASK htaskCallee, DWORD dwTickCount,
                                                DWORD dwRejectType);
    /* Not called by comrt (there is no window-message queue); kept for layout. */
    DWORD(*MessagePending)(IMessageFilter *This, HTASK htaskCallee, DWORD dwTickCount,
                                             DWORD dwPendingType);
} IMessageFilterVtbl;
struct IMessageFilter {
    const IMessageFilterVtbl *lpVtbl;
};

COMRT_API extern const IID IID_IMessageFilter;

/*
 * CoRegisterMessageFilter - installs lpMessageFilter (AddRef'd; NULL removes
 * it) as this STA's filter; the previous one, if ppPrevious is not NULL, is
 * handed to the caller (who releases it), else released. CO_E_NOT_SUPPORTED
 * in the MTA, as in COM.
 */
COMRT_API HRESULT CoRegisterMessageFilter(IMessageFilter *lpMessageFilter, IMessageFilter **ppPrevious);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_APARTMENT_H */
