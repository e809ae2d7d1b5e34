/*
 * proxy.h - proxy managers and interface proxies (internal).
 *
 * An interface proxy is { lpVtbl, manager, iid, info }; its vtable is built
 * once per IID from type information: slots 0-2 delegate to the manager's
 * IUnknown, every other slot is a libffi closure that marshals the call.
 */
#ifndef COMRT_PROXY_H
#define COMRT_PROXY_H

#include <pthread.h>
#include <stdatomic.h>

#include "orpc.h"

typedef struct comrt_iface_proxy comrt_iface_proxy;

typedef struct comrt_proxy_manager {
    IUnknown unk; /* the identity; must be first */
    atomic_ulong refs;
    comrt_conn *conn;
    GUID oxid;
    uint64_t oid;
    pthread_mutex_t lock;    /* guards remote_refs and ifaces */
    uint64_t remote_refs;    /* references the exporter counted for us */
    comrt_iface_proxy *ifaces;
    char *address;           /* the exporter's endpoint, for passing the reference on */
    struct comrt_apartment *apt; /* where it was unmarshaled; calls from elsewhere: RPC_E_WRONG_THREAD */
} comrt_proxy_manager;

ULONG comrt_proxy_manager_addref(comrt_proxy_manager *m);
ULONG comrt_proxy_manager_release(comrt_proxy_manager *m);
/* QueryInterface on the remote object (locally when the proxy exists). */
HRESULT comrt_proxy_manager_query(comrt_proxy_manager *m, REFIID riid, void **ppv);
/* A call: on success *reply holds [1, id, hr, outs...]; on failure error information is set. */
HRESULT comrt_proxy_manager_call(comrt_proxy_manager *m, REFIID iid, uint32_t slot, const msgpack_sbuffer *ins,
                                 comrt_msg *reply);

/*
 * The same in two steps, so the caller packs the ins straight after the
 * header into one gathering buffer (io must be packer pk's target):
 * begin packs the first six request elements and returns the call id;
 * finish sends the frame and waits for and checks the reply.
 */
struct comrt_iobuf;
HRESULT comrt_proxy_manager_begin(comrt_proxy_manager *m, msgpack_packer *pk, REFIID iid, uint32_t slot,
                                  uint32_t *id);
HRESULT comrt_proxy_manager_finish(comrt_proxy_manager *m, uint32_t id, struct comrt_iobuf *io, comrt_msg *reply);
/* As finish, but a failure whose reply carries outs (comrt_outs_on_failure)
 * keeps the reply for the caller: *kept is 1 and *reply must be freed.
 * sink (may be NULL): the caller's large [out] array (bulkread.h). */
HRESULT comrt_proxy_manager_finish_keep(comrt_proxy_manager *m, uint32_t id, struct comrt_iobuf *io,
                                        const struct comrt_reply_sink *sink, comrt_msg *reply, int *kept);

/* The manager's existing proxy for iid, AddRef'd: S_OK, or S_FALSE if none. */
HRESULT comrt_proxy_find(comrt_proxy_manager *m, REFIID iid, void **ppv);
/* The proxy for iid (made from type information if needed), AddRef'd. */
HRESULT comrt_proxy_get(comrt_proxy_manager *m, REFIID iid, void **ppv);
/* Frees every interface proxy of m (its last reference is gone). */
void comrt_proxy_free_all(comrt_proxy_manager *m);

#endif /* COMRT_PROXY_H */
