/*
 * importer.c - proxy managers: one per remote object (OXID, OID) in this
 * process, so QueryInterface(IID_IUnknown) on any proxy of one object gives
 * one pointer. The manager owns the interface proxies (proxy.c), the
 * connection, and the references the exporter counted for us, which it
 * returns in one RELEASE message when its last local reference goes.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apartment.h"
#include "bulkread.h"
#include "iobuf.h"
#include "log.h"
#include "orpc.h"
#include "proxy.h"

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static comrt_proxy_manager **mgrs;
static size_t nmgrs, capmgrs;

static const IUnknownVtbl manager_vtbl;

static comrt_proxy_manager *from_unk(IUnknown *p)
{
    return (comrt_proxy_manager *)(void *)p;
}

/* Table lock held. Proxies belong to an apartment, as in COM: each
 * apartment that unmarshals an object gets a manager of its own. */
static comrt_proxy_manager *find_locked(REFGUID oxid, uint64_t oid, const comrt_apartment *apt)
{
    for (size_t i = 0; i < nmgrs; i++)
        if (mgrs[i]->oid == oid && mgrs[i]->apt == apt && IsEqualGUID(&mgrs[i]->oxid, oxid))
            return mgrs[i];
    return NULL;
}

static void send_release(comrt_proxy_manager *m)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    if (!m->remote_refs || comrt_conn_is_closed(m->conn))
        return;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_uint32(&pk, COMRT_MSG_RELEASE);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_uint64(&pk, m->oid);
    msgpack_pack_uint64(&pk, m->remote_refs);
    /* Fire and forget: if the peer is gone, so are its counts of us. */
    comrt_conn_send(m->conn, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void destroy(comrt_proxy_manager *m)
{
    send_release(m);
    comrt_proxy_free_all(m);
    comrt_conn_unref(m->conn);
    comrt_apartment_unref(m->apt);
    free(m->address);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

ULONG comrt_proxy_manager_addref(comrt_proxy_manager *m)
{
    return (ULONG)atomic_fetch_add(&m->refs, 1) + 1;
}

ULONG comrt_proxy_manager_release(comrt_proxy_manager *m)
{
    ULONG n = (ULONG)atomic_fetch_sub(&m->refs, 1) - 1;
    if (n)
        return n;
    /* A concurrent unmarshal may have found it in the table meanwhile. */
    pthread_mutex_lock(&table_lock);
    if (atomic_load(&m->refs) != 0) {
        pthread_mutex_unlock(&table_lock);
        return 0;
    }
    for (size_t i = 0; i < nmgrs; i++)
        if (mgrs[i] == m) {
            mgrs[i] = mgrs[--nmgrs];
            break;
        }
    pthread_mutex_unlock(&table_lock);
    destroy(m);
    return 0;
}

/* Request: [0, id, oid, iid, slot, 0, ins, causality]; finish packs the causality. */
HRESULT comrt_proxy_manager_begin(comrt_proxy_manager *m, msgpack_packer *pk, REFIID iid, uint32_t slot,
                                  uint32_t *id)
{
    if (!comrt_apartment_is_current(m->apt))
        return comrt_error_set(RPC_E_WRONG_THREAD, "this proxy belongs to another apartment: marshal the "
                                                   "pointer to this thread (CoMarshalInterThreadInterfaceInStream)");
    if (comrt_conn_is_closed(m->conn))
        return comrt_error_set(RPC_E_DISCONNECTED, "the server of this object is gone (connection lost)");
    *id = comrt_conn_next_call_id(m->conn);
    msgpack_pack_array(pk, 8);
    msgpack_pack_uint32(pk, COMRT_MSG_REQUEST);
    msgpack_pack_uint32(pk, *id);
    msgpack_pack_uint64(pk, m->oid);
    comrt_pack_guid(pk, iid);
    msgpack_pack_uint32(pk, slot);
    msgpack_pack_uint32(pk, 0);
    return S_OK;
}

HRESULT comrt_proxy_manager_finish(comrt_proxy_manager *m, uint32_t id, comrt_iobuf *io, comrt_msg *reply)
{
    return comrt_proxy_manager_finish_keep(m, id, io, NULL, reply, NULL);
}

static int64_t elapsed_ms(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* The reply's HRESULT if it is well formed enough to have one, else S_OK. */
static HRESULT reply_hr(const comrt_msg *r)
{
    if (r->nitems < 3 || (r->items[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
                          r->items[2].type != MSGPACK_OBJECT_NEGATIVE_INTEGER))
        return S_OK;
    return (HRESULT)r->items[2].via.i64;
}

/* Waits ms milliseconds; an STA keeps serving its own callers meanwhile. */
static void pause_ms(DWORD ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (!comrt_apartment_is_sta(comrt_apartment_current())) {
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        return;
    }
    /* comrt_apartment_wait returns when something ran: wait out the rest. */
    for (int64_t left = ms; left > 0; left = (int64_t)ms - elapsed_ms(&t0))
        comrt_apartment_wait((DWORD)left);
}

/* The call; a callee's message filter that refuses it (busy) is answered
 * as COM does: our own filter's RetryRejectedCall says whether and when to
 * send it again; without one the call fails with RPC_E_CALL_REJECTED. */
static HRESULT call_retrying(comrt_proxy_manager *m, uint32_t id, comrt_iobuf *io, const comrt_reply_sink *sink,
                             comrt_msg *reply)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        HRESULT hr = comrt_conn_call_iov(m->conn, id, io->iov, io->niov, io->total, sink, reply);
        if (FAILED(hr))
            return hr;
        HRESULT rhr = reply_hr(reply);
        if (rhr != RPC_E_CALL_REJECTED && rhr != RPC_E_SERVERCALL_RETRYLATER)
            return hr;
        comrt_msg_free(reply);
        IMessageFilter *f = comrt_apartment_filter();
        DWORD wait = (DWORD)-1;
        if (f) {
            wait = f->lpVtbl->RetryRejectedCall(f, NULL, (DWORD)elapsed_ms(&t0),
                                               rhr == RPC_E_CALL_REJECTED ? SERVERCALL_REJECTED
                                                                          : SERVERCALL_RETRYLATER);
            f->lpVtbl->Release(f);
        }
        if (wait == (DWORD)-1)
            return comrt_error_set(RPC_E_CALL_REJECTED, "the callee's message filter %s the call",
                                   rhr == RPC_E_CALL_REJECTED ? "rejected" : "asked to retry later; gave up on");
        if (wait >= 100)
            pause_ms(wait);
    }
}

HRESULT comrt_proxy_manager_finish_keep(comrt_proxy_manager *m, uint32_t id, comrt_iobuf *io,
                                        const comrt_reply_sink *sink, comrt_msg *reply, int *kept)
{
    HRESULT hr;
    GUID cause;
    comrt_causality_scope scope;
    msgpack_packer pk;
    if (kept)
        *kept = 0;
    comrt_causality_enter(&cause, &scope);
    msgpack_packer_init(&pk, io, comrt_iobuf_write);
    comrt_pack_guid(&pk, &cause);
    if (comrt_iobuf_finish(io)) {
        comrt_causality_leave(&scope);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory marshaling a call");
    }
    hr = call_retrying(m, id, io, sink, reply);
    comrt_causality_leave(&scope);
    if (FAILED(hr))
        return hr;
    /* [1, id, hr, outs, description?] */
    if (reply->nitems < 4 ||
        (reply->items[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
         reply->items[2].type != MSGPACK_OBJECT_NEGATIVE_INTEGER) ||
        reply->items[3].type != MSGPACK_OBJECT_ARRAY) {
        comrt_msg_free(reply);
        return comrt_error_set(RPC_E_INVALID_DATA, "malformed reply from the server");
    }
    hr = (HRESULT)reply->items[2].via.i64;
    if (FAILED(hr)) {
        if (reply->nitems >= 5 && reply->items[4].type == MSGPACK_OBJECT_STR)
            comrt_error_set(hr, "%.*s", (int)reply->items[4].via.str.size, reply->items[4].via.str.ptr);
        else
            comrt_error_set(hr, "the remote call failed: 0x%08X", (unsigned)hr);
        if (kept && reply->items[3].via.array.size > 0)
            *kept = 1; /* outs that matter on failure (EXCEPINFO...) */
        else
            comrt_msg_free(reply);
    }
    return hr;
}

HRESULT comrt_proxy_manager_call(comrt_proxy_manager *m, REFIID iid, uint32_t slot, const msgpack_sbuffer *ins,
                                 comrt_msg *reply)
{
    comrt_iobuf io;
    msgpack_packer pk;
    uint32_t id;
    comrt_iobuf_init(&io);
    msgpack_packer_init(&pk, &io, comrt_iobuf_write);
    HRESULT hr = comrt_proxy_manager_begin(m, &pk, iid, slot, &id);
    if (SUCCEEDED(hr)) {
        if (ins)
            comrt_iobuf_write(&io, ins->data, ins->size);
        else
            msgpack_pack_array(&pk, 0);
        hr = comrt_proxy_manager_finish(m, id, &io, reply);
    }
    comrt_iobuf_destroy(&io);
    return hr;
}

/* The manager's own IUnknown: the identity of the remote object here. */
static HRESULT mgr_QueryInterface(IUnknown *This, REFIID riid, void **ppv)
{
    return comrt_proxy_manager_query(from_unk(This), riid, ppv);
}
static ULONG mgr_AddRef(IUnknown *This) { return comrt_proxy_manager_addref(from_unk(This)); }
static ULONG mgr_Release(IUnknown *This) { return comrt_proxy_manager_release(from_unk(This)); }
static const IUnknownVtbl manager_vtbl = {mgr_QueryInterface, mgr_AddRef, mgr_Release};

HRESULT comrt_proxy_manager_query(comrt_proxy_manager *m, REFIID riid, void **ppv)
{
    comrt_msg reply;
    msgpack_sbuffer ins;
    msgpack_packer pk;
    HRESULT hr;

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (IsEqualIID(riid, &IID_IUnknown)) {
        comrt_proxy_manager_addref(m);
        *ppv = &m->unk;
        return S_OK;
    }
    if (comrt_proxy_find(m, riid, ppv) == S_OK)
        return S_OK;
    /* Ask the object; the answer carries one more reference for us. */
    msgpack_sbuffer_init(&ins);
    msgpack_packer_init(&pk, &ins, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    comrt_pack_guid(&pk, riid);
    hr = comrt_proxy_manager_call(m, &IID_IUnknown, COMRT_SLOT_QUERYINTERFACE, &ins, &reply);
    msgpack_sbuffer_destroy(&ins);
    if (FAILED(hr))
        return hr == E_NOINTERFACE ? E_NOINTERFACE : hr;
    pthread_mutex_lock(&m->lock);
    m->remote_refs++;
    pthread_mutex_unlock(&m->lock);
    comrt_msg_free(&reply);
    return comrt_proxy_get(m, riid, ppv);
}

/* RemAddRef: a QueryInterface for IUnknown makes the exporter count one more
 * reference for our connection (and proves the object lives). */
static HRESULT remote_addref_raw(comrt_proxy_manager *m)
{
    comrt_msg reply;
    msgpack_sbuffer ins;
    msgpack_packer pk;
    msgpack_sbuffer_init(&ins);
    msgpack_packer_init(&pk, &ins, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    comrt_pack_guid(&pk, &IID_IUnknown);
    HRESULT hr = comrt_proxy_manager_call(m, &IID_IUnknown, COMRT_SLOT_QUERYINTERFACE, &ins, &reply);
    msgpack_sbuffer_destroy(&ins);
    if (SUCCEEDED(hr))
        comrt_msg_free(&reply);
    return hr;
}

HRESULT comrt_import_transfer_ref(IUnknown *identity)
{
    if (!identity || identity->lpVtbl != &manager_vtbl)
        return E_INVALIDARG;
    return remote_addref_raw(from_unk(identity));
}

/* RemAddRef for a reference we got from a third party: ours to return. */
static HRESULT remote_addref(comrt_proxy_manager *m)
{
    HRESULT hr = remote_addref_raw(m);
    if (SUCCEEDED(hr))
        m->remote_refs++;
    return hr;
}

static HRESULT import_on(comrt_conn *c, const msgpack_object *o, const GUID *oxid_p, uint64_t oid,
                         const IID *wire_iid_p, REFIID iid, void **ppv);

HRESULT comrt_import_unmarshal(comrt_conn *c, const msgpack_object *o, REFIID iid, void **ppv)
{
    GUID oxid, wire_iid;
    HRESULT hr;

    *ppv = NULL;
    if (o->type == MSGPACK_OBJECT_NIL)
        return S_OK;
    /* [oxid, oid, iid, address] */
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4 ||
        comrt_unpack_guid(&o->via.array.ptr[0], &oxid) ||
        o->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        comrt_unpack_guid(&o->via.array.ptr[2], &wire_iid) || o->via.array.ptr[3].type != MSGPACK_OBJECT_STR ||
        o->via.array.ptr[3].via.str.size == 0 || o->via.array.ptr[3].via.str.size > 4096)
        return comrt_error_set(RPC_E_INVALID_DATA, "malformed interface reference");
    uint64_t oid = o->via.array.ptr[1].via.u64;

    /* Home again: the original object, not a proxy of a proxy. The
     * reference it carried (counted for c) is no longer needed once we hold
     * the object ourselves. */
    comrt_conn *loop = NULL;
    if (IsEqualGUID(&oxid, comrt_orpc_oxid())) {
        if (comrt_export_in_current_apartment(oid)) {
            hr = comrt_export_lookup(oid, iid, ppv);
            if (c)
                comrt_export_drop_ref(c, oid);
            return hr;
        }
        /* Our object, but another apartment's: a proxy over the loopback
         * connection, holding the reference the OBJREF carried (or, when
         * it carried none for us, a new one). */
        hr = comrt_orpc_loopback(&loop);
        if (SUCCEEDED(hr) && c != loop)
            hr = comrt_export_move_ref(c, loop, oid);
        if (FAILED(hr)) {
            comrt_conn_unref(loop);
            return hr;
        }
        c = loop;
    }
    hr = import_on(c, o, &oxid, oid, &wire_iid, iid, ppv);
    comrt_conn_unref(loop);
    return hr;
}

/* The proxy for a reference to another apartment's object, received on c
 * (NULL: not from a peer, e.g. a marshal packet). */
static HRESULT import_on(comrt_conn *c, const msgpack_object *o, const GUID *oxid_p, uint64_t oid,
                         const IID *wire_iid_p, REFIID iid, void **ppv)
{
    const GUID oxid = *oxid_p, wire_iid = *wire_iid_p;
    comrt_proxy_manager *m = NULL;
    comrt_conn *target = NULL;
    HRESULT hr;
    comrt_apartment *apt = comrt_apartment_current();
    int from_owner = c && IsEqualGUID(&oxid, &comrt_conn_peer_info(c)->oxid);
    pthread_mutex_lock(&table_lock);
    m = find_locked(&oxid, oid, apt);
    if (m) {
        comrt_proxy_manager_addref(m);
        if (from_owner) {
            pthread_mutex_lock(&m->lock);
            m->remote_refs++; /* the exporter counted this reference for us */
            pthread_mutex_unlock(&m->lock);
        }
    }
    pthread_mutex_unlock(&table_lock);

    if (!m) {
        if (from_owner) {
            target = c;
            comrt_conn_ref(c);
        } else {
            char addr[4097];
            memcpy(addr, o->via.array.ptr[3].via.str.ptr, o->via.array.ptr[3].via.str.size);
            addr[o->via.array.ptr[3].via.str.size] = '\0';
            hr = comrt_orpc_connect(addr, &oxid, &target);
            if (FAILED(hr))
                return hr;
        }
        m = calloc(1, sizeof *m);
        if (!m) {
            comrt_conn_unref(target);
            return comrt_error_set(E_OUTOFMEMORY, "out of memory for a proxy");
        }
        m->unk.lpVtbl = &manager_vtbl;
        atomic_init(&m->refs, 1);
        m->conn = target;
        m->oxid = oxid;
        m->oid = oid;
        m->remote_refs = from_owner ? 1 : 0;
        m->address = strndup(o->via.array.ptr[3].via.str.ptr, o->via.array.ptr[3].via.str.size);
        m->apt = apt;
        comrt_apartment_ref(apt);
        pthread_mutex_init(&m->lock, NULL);
        if (!m->address) {
            destroy(m);
            return comrt_error_set(E_OUTOFMEMORY, "out of memory for a proxy");
        }
        if (!from_owner && FAILED(hr = remote_addref(m))) {
            destroy(m);
            return hr;
        }
        pthread_mutex_lock(&table_lock);
        comrt_proxy_manager *race = find_locked(&oxid, oid, apt);
        if (race) {
            /* Another thread made one meanwhile: merge our reference into it. */
            comrt_proxy_manager_addref(race);
            pthread_mutex_lock(&race->lock);
            race->remote_refs += m->remote_refs;
            pthread_mutex_unlock(&race->lock);
            m->remote_refs = 0;
            pthread_mutex_unlock(&table_lock);
            destroy(m);
            m = race;
        } else {
            if (nmgrs == capmgrs) {
                size_t n = capmgrs ? capmgrs * 2 : 32;
                comrt_proxy_manager **t = realloc(mgrs, n * sizeof *t);
                if (!t) {
                    pthread_mutex_unlock(&table_lock);
                    destroy(m);
                    return comrt_error_set(E_OUTOFMEMORY, "out of memory for a proxy");
                }
                mgrs = t;
                capmgrs = n;
            }
            mgrs[nmgrs++] = m;
            pthread_mutex_unlock(&table_lock);
        }
    }
    /* The wire names the interface it was marshaled as; hand out what was asked. */
    if (IsEqualIID(iid, &wire_iid) || IsEqualIID(iid, &IID_IUnknown))
        hr = IsEqualIID(iid, &IID_IUnknown) ? (comrt_proxy_manager_addref(m), *ppv = &m->unk, S_OK)
                                            : comrt_proxy_get(m, iid, ppv);
    else
        hr = comrt_proxy_manager_query(m, iid, ppv);
    comrt_proxy_manager_release(m);
    return hr;
}

int comrt_import_objref_of(IUnknown *identity, GUID *oxid, uint64_t *oid, const char **address)
{
    if (!identity || identity->lpVtbl != &manager_vtbl)
        return 0;
    comrt_proxy_manager *m = from_unk(identity);
    *oxid = m->oxid;
    *oid = m->oid;
    *address = m->address;
    return 1;
}

void comrt_import_conn_lost(comrt_conn *c)
{
    /* Proxies check the connection on every call; nothing to free here:
     * their managers go when their clients release them. */
    (void)c;
}
