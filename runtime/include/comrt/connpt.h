/*
 * comrt/connpt.h - connection points for components written in C (part of
 * the "sys" API, like comrt/server.h): a helper that makes an object
 * connectable. It implements, for an owning object:
 *  - IConnectionPointContainer, embedded in the owner (its QueryInterface,
 *    AddRef and Release delegate to the owner's controlling unknown, so it
 *    works with comrt_object and with aggregation);
 *  - one IConnectionPoint per outgoing interface: Advise (QueryInterface
 *    of the sink for that interface, cookies never reused, an optional
 *    limit), Unadvise, EnumConnections (a snapshot enumerator);
 *  - IEnumConnectionPoints and IEnumConnections;
 *  - firing: a snapshot of the connected sinks taken under the point's
 *    lock and used without it, and the removal of sinks whose process is
 *    gone.
 * Every function is thread-safe unless its comment says otherwise. No lock
 * is held while a sink is called (not even its AddRef or Release), so sinks
 * may call back into the point (Advise, Unadvise, fire) from their methods.
 * Failures set error information (comrt_error_set) naming the interface.
 * See docs/connection-points.md for the pattern and the ownership rules.
 *
 * Usage (the owner is a comrt_object):
 *
 *     typedef struct Board {
 *         comrt_object base;
 *         IBoard board;
 *         comrt_connpt_container cpc;
 *     } Board;
 *     static const comrt_interface_entry board_itfs[] = {
 *         COMRT_INTERFACE(IID_IBoard, Board, board),
 *         COMRT_INTERFACE(IID_IConnectionPointContainer, Board, cpc),
 *         {NULL, 0},
 *     };
 *     static const comrt_connpt_desc board_points[] = {{.iid = &IID_IBoardEvents}};
 *     // create, after comrt_object_init:
 *     hr = comrt_connpt_container_init(&b->cpc, b->base.outer, board_points, 1);
 *     // fire (from any thread, holding no lock of your own):
 *     comrt_connpt_fire(comrt_connpt_container_find(&b->cpc, &IID_IBoardEvents), call, ctx, NULL, NULL);
 *     // destroy:
 *     comrt_connpt_container_fini(&b->cpc);
 */
#ifndef COMRT_CONNPT_H
#define COMRT_CONNPT_H

#include "comrt/ocidl.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct comrt_connpt comrt_connpt;           /* one connection point (opaque) */
typedef struct comrt_connpt_impl comrt_connpt_impl; /* a container's state (opaque) */

/*
 * The container, embedded in its owner. List it in the owner's interface
 * table for IID_IConnectionPointContainer (iface is its first member). The
 * fields are the helper's: do not touch them.
 */
typedef struct comrt_connpt_container {
    IConnectionPointContainer iface;
    comrt_connpt_impl *impl;
} comrt_connpt_container;

/*
 * Optional hooks of a connection point, for an owner that delivers events
 * through queues of its own instead of comrt_connpt_fire (so that a slow
 * sink delays nobody). Both run on the calling thread with no lock held.
 * on_advise: a sink (the outgoing interface, borrowed: AddRef to keep it)
 * was connected with cookie; a failure undoes the connection and is what
 * Advise returns (so it may also refuse a caller). on_unadvise: the
 * connection with cookie ended (Unadvise or comrt_connpt_drop; not
 * container_fini, where the owner is going away anyway).
 */
typedef struct comrt_connpt_hooks {
    HRESULT (*on_advise)(void *ctx, IUnknown *sink, DWORD cookie);
    void (*on_unadvise)(void *ctx, DWORD cookie);
} comrt_connpt_hooks;

/* One connection point to create. */
typedef struct comrt_connpt_desc {
    const IID *iid;     /* the outgoing interface (copied) */
    ULONG advise_limit; /* most connections at once (CONNECT_E_ADVISELIMIT beyond); 0: no limit */
    const comrt_connpt_hooks *hooks; /* NULL: none; borrowed, must outlive the container */
    void *hooks_ctx;                 /* passed to the hooks */
} comrt_connpt_desc;

/*
 * comrt_connpt_container_init - sets up c with one connection point per
 * entry of points (count entries, distinct IIDs), in that order (the order
 * EnumConnectionPoints reports). owner is the owning object's controlling
 * unknown (for a comrt_object: base.outer, after comrt_object_init); it is
 * borrowed, not AddRef'd, because c lives inside it. Call once, before the
 * object is handed out. E_POINTER (c NULL), E_INVALIDARG (owner NULL, an
 * IID missing or listed twice), E_OUTOFMEMORY. On failure c is left so that
 * comrt_connpt_container_fini is a no-op.
 */
COMRT_API HRESULT comrt_connpt_container_init(comrt_connpt_container *c, IUnknown *owner,
                                               const comrt_connpt_desc *points, ULONG count);

/*
 * comrt_connpt_container_fini - releases every connected sink and frees
 * the container; call it from the owner's destroy function. Not
 * thread-safe: nothing else may use c, its connection points or
 * comrt_connpt pointers taken from it, during or after the call
 * (enumerators already handed out stay valid: they hold their own
 * references). NULL, or a container never initialized, is a no-op.
 */
COMRT_API void comrt_connpt_container_fini(comrt_connpt_container *c);

/*
 * comrt_connpt_container_find - the connection point of c for outgoing
 * interface iid, or NULL if c has none. Borrowed: valid until
 * comrt_connpt_container_fini, with no reference counted.
 */
COMRT_API comrt_connpt *comrt_connpt_container_find(comrt_connpt_container *c, REFIID iid);

/* comrt_connpt_connection_count - the number of connected sinks now (0 for NULL). */
COMRT_API ULONG comrt_connpt_connection_count(comrt_connpt *cp);

/* Firing ---------------------------------------------------------------------- */

/* A connected sink. sink is the sink's outgoing interface (what Advise got
 * by QueryInterface for the point's IID): cast it to that interface. */
typedef struct comrt_connpt_sink {
    IUnknown *sink;
    DWORD cookie;
} comrt_connpt_sink;

/* A snapshot: count sinks in items, each holding one reference. */
typedef struct comrt_connpt_sinks {
    ULONG count;
    comrt_connpt_sink *items;
} comrt_connpt_sinks;

/*
 * comrt_connpt_snapshot - the sinks connected to cp now, each AddRef'd for
 * the caller, in the order they were advised. Call them with no lock of
 * your own held, then give the snapshot back with
 * comrt_connpt_sinks_release. Sinks advised or unadvised meanwhile are not
 * reflected (an unadvised sink may still receive this one call). *out is
 * empty ({0, NULL}) on failure or when nothing is connected.
 * E_POINTER, E_OUTOFMEMORY.
 */
COMRT_API HRESULT comrt_connpt_snapshot(comrt_connpt *cp, comrt_connpt_sinks *out);

/* comrt_connpt_sinks_release - Releases every sink of s, frees it and
 * empties *s. NULL or an empty snapshot is a no-op. */
COMRT_API void comrt_connpt_sinks_release(comrt_connpt_sinks *s);

/*
 * comrt_connpt_is_disconnected - non-zero when hr, returned by a call on a
 * sink, means the sink can never be reached again: RPC_E_DISCONNECTED
 * (what comrt's proxies return once the sink's process is gone),
 * CO_E_OBJNOTCONNECTED, RPC_E_SERVER_DIED, RPC_E_SERVER_DIED_DNE and
 * HRESULT_FROM_WIN32 of RPC_S_SERVER_UNAVAILABLE, RPC_S_CALL_FAILED and
 * RPC_S_CALL_FAILED_DNE (what Windows peers report). Ordinary failures, and
 * RPC_E_TIMEOUT (the sink may just be slow), are not.
 */
COMRT_API int comrt_connpt_is_disconnected(HRESULT hr);

/*
 * comrt_connpt_drop - ends connection cookie on behalf of the server, e.g.
 * because a call on its sink failed with comrt_connpt_is_disconnected:
 * the sink is released (outside the lock). S_OK if it was connected,
 * S_FALSE if not (the client may have unadvised meanwhile; cookies are
 * never reused, so a stale cookie cannot drop a newer connection).
 * E_POINTER for cp NULL.
 */
COMRT_API HRESULT comrt_connpt_drop(comrt_connpt *cp, DWORD cookie);

/* What comrt_connpt_fire calls for each sink: sink as in comrt_connpt_sink. */
typedef HRESULT (*comrt_connpt_call_fn)(IUnknown *sink, void *ctx);

/*
 * comrt_connpt_fire - calls call(sink, ctx) for every sink of a snapshot
 * of cp, in advise order, on this thread, with no lock held; drops each
 * sink whose call fails with comrt_connpt_is_disconnected. One failing
 * sink does not stop the others, and its failure is not returned: the
 * optional *delivered counts the calls that succeeded, *dropped the sinks
 * removed. S_OK, or E_POINTER (cp or call NULL) / E_OUTOFMEMORY with no
 * sink called. The thread's error information after a return is whatever
 * the last failing sink left: do not read it.
 */
COMRT_API HRESULT comrt_connpt_fire(comrt_connpt *cp, comrt_connpt_call_fn call, void *ctx, ULONG *delivered,
                                     ULONG *dropped);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_CONNPT_H */
