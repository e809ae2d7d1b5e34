/*
 * exporter.c - objects this process exports: the table by OID and by
 * identity, references counted per peer connection, and the stub that
 * executes an incoming call with ffi_call.
 *
 * A peer may only call objects it holds references to (a guessed OID gets
 * CO_E_OBJNOTCONNECTED), and every reference a peer holds is dropped when
 * its connection goes, so a client killed with SIGKILL leaks nothing here.
 */
#include <ffi.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "iobuf.h"
#include "log.h"
#include "orpc.h"
#include "params.h"

struct peer_ref {
    comrt_conn *conn; /* not referenced: entries go when the connection does */
    uint64_t count;
};

struct exported {
    uint64_t oid;
    IUnknown *identity; /* the table's reference */
    comrt_apartment *apt; /* where it lives (referenced): its calls and its release run there */
    struct peer_ref *refs;
    size_t nrefs;
    unsigned long locks;   /* CoLockObjectExternal */
    unsigned long packets; /* marshal packets holding it (export_packet.c) */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct exported **objs;
static size_t nobjs, capobjs;
static uint64_t next_oid = 1;

/* Lock held. */
static struct exported *find_oid(uint64_t oid)
{
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i]->oid == oid)
            return objs[i];
    return NULL;
}

/* Lock held. */
static struct peer_ref *find_ref(struct exported *e, comrt_conn *c)
{
    for (size_t i = 0; i < e->nrefs; i++)
        if (e->refs[i].conn == c)
            return &e->refs[i];
    return NULL;
}

/* Lock held. Unlinks e if no peer holds it; returns it for freeing. */
static struct exported *maybe_unlink(struct exported *e)
{
    if (e->nrefs || e->locks || e->packets)
        return NULL;
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i] == e) {
            objs[i] = objs[--nobjs];
            return e;
        }
    return NULL;
}

/* The table's reference goes back in the object's own apartment. */
struct release_work {
    comrt_apt_work work;
    IUnknown *identity;
};

static void release_run(comrt_apt_work *w)
{
    struct release_work *r = (struct release_work *)w;
    IUnknown_Release(r->identity);
    free(r);
}

static void release_cancel(comrt_apt_work *w, HRESULT why)
{
    /* The apartment ended: CoUninitialize already released what it could;
     * this reference was in flight. Released here rather than leaked. */
    (void)why;
    release_run(w);
}

static void free_exported(struct exported *e)
{
    if (!e)
        return;
    struct release_work *r = NULL;
    if (comrt_apartment_is_sta(e->apt) && !comrt_apartment_is_current(e->apt) &&
        (r = calloc(1, sizeof *r)) != NULL) {
        r->work.run = release_run;
        r->work.cancel = release_cancel;
        r->identity = e->identity;
        if (FAILED(comrt_apartment_post(e->apt, &r->work))) {
            free(r);
            r = NULL;
            IUnknown_Release(e->identity);
        }
    } else {
        IUnknown_Release(e->identity);
    }
    comrt_apartment_unref(e->apt);
    free(e->refs);
    free(e);
}

/* Lock held. The entry for identity, made if needed; consumes the caller's
 * reference on identity either way (the table keeps one). NULL on OOM. */
static struct exported *enter_locked(IUnknown *identity, comrt_apartment *apt)
{
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i]->identity == identity) {
            IUnknown_Release(identity); /* the table already holds one */
            return objs[i];
        }
    if (nobjs == capobjs) {
        size_t n = capobjs ? capobjs * 2 : 32;
        struct exported **o = realloc(objs, n * sizeof *o);
        if (!o)
            return NULL;
        objs = o;
        capobjs = n;
    }
    struct exported *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->oid = next_oid++;
    e->identity = identity;
    e->apt = apt;
    comrt_apartment_ref(apt);
    objs[nobjs++] = e;
    return e;
}

/* Lock held. Counts one more reference of c's peer on e; -1 on OOM. */
static int add_ref_locked(struct exported *e, comrt_conn *c)
{
    struct peer_ref *r = find_ref(e, c);
    if (!r) {
        struct peer_ref *n = realloc(e->refs, (e->nrefs + 1) * sizeof *n);
        if (!n)
            return -1;
        e->refs = n;
        r = &e->refs[e->nrefs++];
        r->conn = c;
        r->count = 0;
    }
    r->count++;
    return 0;
}

HRESULT comrt_export_marshal(comrt_conn *c, msgpack_packer *pk, IUnknown *p, REFIID iid)
{
    IUnknown *identity = NULL, *check = NULL;
    const char *address;
    struct exported *e;
    uint64_t oid;
    HRESULT hr;

    if (!p) {
        msgpack_pack_nil(pk);
        return S_OK;
    }
    hr = comrt_orpc_endpoint(&address);
    if (FAILED(hr))
        return hr;
    hr = IUnknown_QueryInterface(p, &IID_IUnknown, (void **)&identity);
    if (FAILED(hr))
        return comrt_error_set(E_NOINTERFACE, "an object being marshaled does not answer IUnknown");
    /* The reference is for iid: the object must really support it. */
    hr = IUnknown_QueryInterface(p, iid, (void **)&check);
    if (FAILED(hr)) {
        IUnknown_Release(identity);
        return comrt_error_set(E_NOINTERFACE, "an object being marshaled does not support the interface");
    }
    IUnknown_Release(check);

    /* A proxy passes on the reference it stands for. */
    GUID fwd_oxid;
    uint64_t fwd_oid;
    const char *fwd_address;
    if (comrt_import_objref_of(identity, &fwd_oxid, &fwd_oid, &fwd_address)) {
        /* Going home: it must carry a reference of its own (see orpc.h). */
        if (IsEqualGUID(&fwd_oxid, &comrt_conn_peer_info(c)->oxid) &&
            FAILED(hr = comrt_import_transfer_ref(identity))) {
            IUnknown_Release(identity);
            return hr;
        }
        msgpack_pack_array(pk, 4);
        comrt_pack_guid(pk, &fwd_oxid);
        msgpack_pack_uint64(pk, fwd_oid);
        comrt_pack_guid(pk, iid);
        msgpack_pack_str_with_body(pk, fwd_address, strlen(fwd_address));
        IUnknown_Release(identity);
        return S_OK;
    }

    pthread_mutex_lock(&lock);
    e = enter_locked(identity, comrt_apartment_current());
    if (!e)
        goto oom;
    if (add_ref_locked(e, c)) {
        struct exported *dead = maybe_unlink(e);
        pthread_mutex_unlock(&lock);
        free_exported(dead);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
    }
    oid = e->oid;
    pthread_mutex_unlock(&lock);

    msgpack_pack_array(pk, 4);
    comrt_pack_guid(pk, comrt_orpc_oxid());
    msgpack_pack_uint64(pk, oid);
    comrt_pack_guid(pk, iid);
    msgpack_pack_str_with_body(pk, address, strlen(address));
    return S_OK;
oom:
    pthread_mutex_unlock(&lock);
    IUnknown_Release(identity);
    return comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
}

/* Drops every peer's references to the entry of identity (lock held). */
static struct exported *disconnect_locked(IUnknown *identity)
{
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i]->identity == identity) {
            objs[i]->nrefs = 0;
            return maybe_unlink(objs[i]);
        }
    return NULL;
}

HRESULT CoDisconnectObject(LPUNKNOWN pUnk, DWORD dwReserved)
{
    IUnknown *identity = NULL;
    if (!pUnk || dwReserved)
        return comrt_error_set(E_INVALIDARG, "CoDisconnectObject: NULL object or reserved argument");
    if (FAILED(IUnknown_QueryInterface(pUnk, &IID_IUnknown, (void **)&identity)))
        return comrt_error_set(E_NOINTERFACE, "CoDisconnectObject: the object does not answer IUnknown");
    pthread_mutex_lock(&lock);
    struct exported *dead = disconnect_locked(identity);
    pthread_mutex_unlock(&lock);
    IUnknown_Release(identity);
    free_exported(dead);
    return S_OK;
}

HRESULT CoLockObjectExternal(LPUNKNOWN pUnk, BOOL fLock, BOOL fLastUnlockReleases)
{
    IUnknown *identity = NULL;
    struct exported *dead = NULL;
    if (!pUnk)
        return comrt_error_set(E_INVALIDARG, "CoLockObjectExternal: NULL object");
    if (FAILED(IUnknown_QueryInterface(pUnk, &IID_IUnknown, (void **)&identity)))
        return comrt_error_set(E_NOINTERFACE, "CoLockObjectExternal: the object does not answer IUnknown");
    pthread_mutex_lock(&lock);
    if (fLock) {
        struct exported *e = enter_locked(identity, comrt_apartment_current()); /* takes our reference */
        if (!e) {
            pthread_mutex_unlock(&lock);
            IUnknown_Release(identity);
            return comrt_error_set(E_OUTOFMEMORY, "CoLockObjectExternal: out of memory");
        }
        e->locks++;
        pthread_mutex_unlock(&lock);
        return S_OK;
    }
    for (size_t i = 0; i < nobjs; i++) {
        struct exported *e = objs[i];
        if (e->identity != identity || !e->locks)
            continue;
        if (--e->locks == 0 && fLastUnlockReleases)
            e->nrefs = 0;
        dead = maybe_unlink(e);
        break;
    }
    pthread_mutex_unlock(&lock);
    IUnknown_Release(identity);
    free_exported(dead);
    return S_OK;
}

HRESULT comrt_export_packet_add(IUnknown *identity, uint64_t *oid)
{
    pthread_mutex_lock(&lock);
    struct exported *e = enter_locked(identity, comrt_apartment_current()); /* takes the reference */
    if (e) {
        e->packets++;
        *oid = e->oid;
    }
    pthread_mutex_unlock(&lock);
    if (!e) {
        IUnknown_Release(identity);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
    }
    return S_OK;
}

HRESULT comrt_export_packet_use(uint64_t oid, comrt_conn *c, int consume)
{
    struct exported *dead = NULL;
    HRESULT hr = S_OK;
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    if (!e || !e->packets) {
        hr = comrt_error_set(CO_E_OBJNOTCONNECTED, "object %llu of this process no longer exists",
                             (unsigned long long)oid);
    } else {
        if (c && add_ref_locked(e, c))
            hr = comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
        if (consume) {
            e->packets--;
            dead = maybe_unlink(e);
        }
    }
    pthread_mutex_unlock(&lock);
    free_exported(dead);
    return hr;
}

int comrt_export_in_current_apartment(uint64_t oid)
{
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    int here = e && comrt_apartment_is_current(e->apt);
    pthread_mutex_unlock(&lock);
    return here;
}

HRESULT comrt_export_move_ref(comrt_conn *from, comrt_conn *to, uint64_t oid)
{
    HRESULT hr = S_OK;
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    if (!e)
        hr = comrt_error_set(CO_E_OBJNOTCONNECTED, "object %llu of this process no longer exists",
                             (unsigned long long)oid);
    else if (add_ref_locked(e, to))
        hr = comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
    pthread_mutex_unlock(&lock);
    /* The reference travelled on from: it stays counted until now. */
    if (from)
        comrt_export_drop_ref(from, oid);
    return hr;
}

void comrt_export_apartment_gone(comrt_apartment *a)
{
    struct exported **dead = NULL;
    size_t ndead = 0;

    pthread_mutex_lock(&lock);
    dead = malloc((nobjs ? nobjs : 1) * sizeof *dead);
    for (size_t i = 0; i < nobjs && dead;) {
        if (objs[i]->apt == a) {
            dead[ndead++] = objs[i];
            objs[i] = objs[--nobjs];
        } else {
            i++;
        }
    }
    pthread_mutex_unlock(&lock);
    /* On the apartment's own thread, which is leaving it. */
    for (size_t i = 0; i < ndead; i++) {
        IUnknown_Release(dead[i]->identity);
        comrt_apartment_unref(dead[i]->apt);
        free(dead[i]->refs);
        free(dead[i]);
    }
    free(dead);
}

HRESULT comrt_export_lookup(uint64_t oid, REFIID iid, void **ppv)
{
    IUnknown *identity = NULL;
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    if (e) {
        identity = e->identity;
        IUnknown_AddRef(identity);
    }
    pthread_mutex_unlock(&lock);
    if (!identity)
        return comrt_error_set(CO_E_OBJNOTCONNECTED, "object %llu of this process no longer exists",
                               (unsigned long long)oid);
    HRESULT hr = IUnknown_QueryInterface(identity, iid, ppv);
    IUnknown_Release(identity);
    return hr;
}

/* Takes the object for a call: AddRef'd identity, if c's peer holds it
 * (or, for QueryInterface, which is how a process handed a reference by a
 * third party gets one of its own, if it exists at all). */
static IUnknown *acquire_for_call(comrt_conn *c, uint64_t oid, int require_ref)
{
    IUnknown *identity = NULL;
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    if (e && (!require_ref || find_ref(e, c))) {
        identity = e->identity;
        IUnknown_AddRef(identity);
    }
    pthread_mutex_unlock(&lock);
    return identity;
}

/* One reference of c's on oid goes. */
static void drop(comrt_conn *c, uint64_t oid, uint64_t count)
{
    struct exported *dead = NULL;
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(oid);
    struct peer_ref *r = e ? find_ref(e, c) : NULL;
    if (r) {
        /* A peer can only give back what it holds. */
        r->count -= count < r->count ? count : r->count;
        if (r->count == 0) {
            *r = e->refs[--e->nrefs];
            dead = maybe_unlink(e);
        }
    }
    pthread_mutex_unlock(&lock);
    free_exported(dead);
}

void comrt_export_drop_ref(comrt_conn *c, uint64_t oid)
{
    drop(c, oid, 1);
}

void comrt_export_release(comrt_conn *c, const comrt_msg *m)
{
    if (m->nitems < 2 || m->items[1].type != MSGPACK_OBJECT_ARRAY)
        return;
    const msgpack_object_array *list = &m->items[1].via.array;
    for (uint32_t i = 0; i < list->size; i++) {
        const msgpack_object *pair = &list->ptr[i];
        if (pair->type != MSGPACK_OBJECT_ARRAY || pair->via.array.size != 2 ||
            pair->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
            pair->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            continue;
        drop(c, pair->via.array.ptr[0].via.u64, pair->via.array.ptr[1].via.u64);
    }
}

void comrt_export_conn_lost(comrt_conn *c)
{
    struct exported **dead = NULL;
    size_t ndead = 0;

    pthread_mutex_lock(&lock);
    dead = malloc((nobjs ? nobjs : 1) * sizeof *dead);
    for (size_t i = 0; i < nobjs;) {
        struct exported *e = objs[i];
        struct peer_ref *r = find_ref(e, c);
        if (r)
            *r = e->refs[--e->nrefs];
        struct exported *gone = maybe_unlink(e);
        if (gone && dead)
            dead[ndead++] = gone;
        else
            i++; /* maybe_unlink moved another entry into slot i only if it unlinked */
    }
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < ndead; i++)
        free_exported(dead[i]);
    free(dead);
}

size_t comrt_export_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = nobjs;
    pthread_mutex_unlock(&lock);
    return n;
}

/* Calls --------------------------------------------------------------------- */

static HRESULT im_marshal(void *ctx, msgpack_packer *pk, IUnknown *p, REFIID iid)
{
    return comrt_export_marshal(ctx, pk, p, iid);
}

static HRESULT im_unmarshal(void *ctx, const msgpack_object *o, REFIID iid, void **ppv)
{
    return comrt_import_unmarshal(ctx, o, iid, ppv);
}

/* Sends [1, id, hr, outs, description?]: the header and description packed
 * here, the outs (packed by the handler, possibly referencing its call
 * frame's memory) placed between them as they are, in one gather write. */
static void send_reply(comrt_conn *c, uint32_t id, HRESULT hr, comrt_iobuf *outs, int failure_outs)
{
    comrt_iobuf head, tail;
    msgpack_packer hp, tp;
    char *why = FAILED(hr) ? comrt_error_take_description() : NULL;
    int ok_outs = (SUCCEEDED(hr) || failure_outs) && outs && !comrt_iobuf_finish(outs) && outs->total;

    /* head: [n, 1, id, hr (, [] when no outs)]; then the outs; tail: the description */
    comrt_iobuf_init(&head);
    comrt_iobuf_init(&tail);
    msgpack_packer_init(&hp, &head, comrt_iobuf_write);
    msgpack_packer_init(&tp, &tail, comrt_iobuf_write);
    msgpack_pack_array(&hp, why ? 5 : 4);
    msgpack_pack_uint32(&hp, COMRT_MSG_REPLY);
    msgpack_pack_uint32(&hp, id);
    msgpack_pack_int32(&hp, hr);
    if (!ok_outs)
        msgpack_pack_array(&hp, 0);
    if (why)
        msgpack_pack_str_with_body(&tp, why, strlen(why));
    free(why);
    if (!comrt_iobuf_finish(&head) && !comrt_iobuf_finish(&tail)) {
        int n = head.niov + (ok_outs ? outs->niov : 0) + tail.niov;
        struct iovec small[16], *v = n <= 16 ? small : malloc((size_t)n * sizeof *v);
        if (v) {
            int k = 0;
            memcpy(v + k, head.iov, (size_t)head.niov * sizeof *v);
            k += head.niov;
            if (ok_outs) {
                memcpy(v + k, outs->iov, (size_t)outs->niov * sizeof *v);
                k += outs->niov;
            }
            if (tail.niov) /* no description: no tail, and its iov is NULL */
                memcpy(v + k, tail.iov, (size_t)tail.niov * sizeof *v);
            comrt_conn_send_iov(c, v, n, head.total + (ok_outs ? outs->total : 0) + tail.total);
            if (v != small)
                free(v);
        }
    }
    comrt_iobuf_destroy(&head);
    comrt_iobuf_destroy(&tail);
}

static atomic_ulong activations;

unsigned long comrt_export_activations(void)
{
    return atomic_load(&activations);
}

static HRESULT activate(comrt_conn *c, uint32_t slot, const msgpack_object *ins, msgpack_packer *pk)
{
    CLSID clsid;
    IID iid;
    IUnknown *classobj = NULL;
    void *result = NULL;
    HRESULT hr;

    if (slot == COMRT_ACT_CLAIM_PACKET || slot == COMRT_ACT_RELEASE_PACKET) {
        if (ins->type != MSGPACK_OBJECT_ARRAY || ins->via.array.size != 1 ||
            ins->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return comrt_error_set(RPC_E_INVALID_DATA, "malformed marshal packet request");
        return comrt_packet_redeem(ins->via.array.ptr[0].via.u64, slot == COMRT_ACT_CLAIM_PACKET ? c : NULL);
    }
    if (ins->type != MSGPACK_OBJECT_ARRAY || ins->via.array.size != 2 ||
        comrt_unpack_guid(&ins->via.array.ptr[0], &clsid) || comrt_unpack_guid(&ins->via.array.ptr[1], &iid))
        return comrt_error_set(RPC_E_INVALID_DATA, "malformed activation request");
    if (comrt_classobj_lookup(&clsid, CLSCTX_LOCAL_SERVER, &classobj) != S_OK) {
        char cs[CHARS_IN_GUID];
        comrt_apartment *still = comrt_classobj_apartment(&clsid);
        comrt_apartment_unref(still);
        /* Registered but suspended (the server is leaving) or single-use and
         * taken: as COM, "stopping", so the client starts another server. */
        if (still)
            return comrt_error_set(CO_E_SERVER_STOPPING, "class %s: this server no longer hands out objects",
                                   comrt_guid_str(&clsid, cs));
        return comrt_error_set(REGDB_E_CLASSNOTREG, "class %s is not registered by this server",
                               comrt_guid_str(&clsid, cs));
    }
    if (slot == COMRT_ACT_GET_CLASS_OBJECT) {
        hr = IUnknown_QueryInterface(classobj, &iid, &result);
    } else if (slot == COMRT_ACT_CREATE_INSTANCE) {
        IClassFactory *cf = NULL;
        hr = IUnknown_QueryInterface(classobj, &IID_IClassFactory, (void **)&cf);
        if (SUCCEEDED(hr)) {
            hr = IClassFactory_CreateInstance(cf, NULL, &iid, &result);
            IClassFactory_Release(cf);
        }
    } else {
        hr = comrt_error_set(RPC_E_INVALID_DATA, "unknown activation request %u", (unsigned)slot);
    }
    IUnknown_Release(classobj);
    if (SUCCEEDED(hr))
        atomic_fetch_add(&activations, 1);
    if (SUCCEEDED(hr)) {
        msgpack_pack_array(pk, 1);
        hr = comrt_export_marshal(c, pk, result, &iid);
        IUnknown_Release((IUnknown *)result);
    }
    return hr;
}

static HRESULT remote_qi(comrt_conn *c, IUnknown *identity, const msgpack_object *ins, msgpack_packer *pk)
{
    IID iid;
    void *p = NULL;
    if (ins->type != MSGPACK_OBJECT_ARRAY || ins->via.array.size != 1 ||
        comrt_unpack_guid(&ins->via.array.ptr[0], &iid))
        return comrt_error_set(RPC_E_INVALID_DATA, "malformed QueryInterface request");
    HRESULT hr = IUnknown_QueryInterface(identity, &iid, &p);
    if (FAILED(hr))
        return hr;
    msgpack_pack_array(pk, 1);
    hr = comrt_export_marshal(c, pk, p, &iid);
    IUnknown_Release((IUnknown *)p);
    return hr;
}

/* An ordinary method: unpack, ffi_call, pack. */
static HRESULT invoke(comrt_conn *c, IUnknown *identity, REFIID iid, uint32_t slot, const msgpack_object *ins,
                      msgpack_packer *pk, comrt_call_frame **keep, int *outs_on_failure)
{
    const comrt_tl_interface *info;
    const comrt_tl_method *m;
    comrt_itf_marshaler im = {im_marshal, im_unmarshal, c};
    comrt_call_frame *frame = NULL;
    IUnknown *itf = NULL;
    ffi_cif *cif;
    ffi_arg rc = 0;
    HRESULT hr;

    hr = comrt_marshal_interface_info(iid, &info);
    if (FAILED(hr))
        return hr;
    if (slot < 3 || FAILED(comrt_tl_interface_method(info, slot, &m)))
        return comrt_error_set(RPC_E_INVALID_DATA, "%s has no remotable method in slot %u", info->name,
                               (unsigned)slot);
    hr = comrt_params_cif(m, &cif);
    if (FAILED(hr))
        return hr;
    hr = IUnknown_QueryInterface(identity, iid, (void **)&itf);
    if (FAILED(hr))
        return hr;
    hr = comrt_params_unpack_in(m, ins, &im, &frame);
    if (SUCCEEDED(hr)) {
        void **args = comrt_call_frame_args(frame);
        void *fn = ((void **)(void *)itf->lpVtbl)[slot];
        args[0] = &itf;
        ffi_call(cif, FFI_FN(fn), &rc, args);
        hr = (HRESULT)(int32_t)rc;
        if (SUCCEEDED(hr) || comrt_outs_on_failure(m)) {
            HRESULT phr = comrt_params_pack_out(m, frame, &im, pk);
            if (FAILED(phr))
                hr = phr;
            else if (FAILED(hr))
                *outs_on_failure = 1;
        }
        /* The packed outs may point into the frame: the caller frees it
         * once the reply is sent. */
        *keep = frame;
    }
    IUnknown_Release(itf);
    return hr;
}

static void dispatch_here(comrt_conn *c, comrt_msg *m)
{
    const msgpack_object *it = m->items;
    comrt_call_frame *frame = NULL;
    int failure_outs = 0;
    comrt_iobuf outs;
    msgpack_packer pk;
    IID iid;
    HRESULT hr;

    /* [0, id, oid, iid, slot, flags, ins]: without a call id nobody can be answered */
    if (m->nitems < 2 || it[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[1].via.u64 > UINT32_MAX) {
        comrt_log_warning("malformed request from pid %u: closing the connection",
                          (unsigned)comrt_conn_peer_info(c)->cred.pid);
        comrt_msg_free(m);
        comrt_conn_close(c);
        return;
    }
    uint32_t id = (uint32_t)it[1].via.u64;
    comrt_iobuf_init(&outs);
    msgpack_packer_init(&pk, &outs, comrt_iobuf_write);
    if (m->nitems != 7 && m->nitems != 8) {
        hr = comrt_error_set(RPC_E_INVALID_DATA, "a request has %u elements instead of 7 or 8", (unsigned)m->nitems);
    } else if (it[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || comrt_unpack_guid(&it[3], &iid) ||
        it[4].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[4].via.u64 > UINT32_MAX ||
        it[6].type != MSGPACK_OBJECT_ARRAY) {
        hr = comrt_error_set(RPC_E_INVALID_DATA, "malformed request header");
    } else if (it[2].via.u64 == COMRT_OID_ACTIVATOR) {
        hr = activate(c, (uint32_t)it[4].via.u64, &it[6], &pk);
    } else {
        uint32_t slot = (uint32_t)it[4].via.u64;
        IUnknown *identity = acquire_for_call(c, it[2].via.u64, slot != COMRT_SLOT_QUERYINTERFACE);
        if (!identity) {
            pthread_mutex_lock(&lock);
            /* Gone (disconnected or released by everyone) vs. never handed to this peer. */
            int existed = it[2].via.u64 < next_oid && !find_oid(it[2].via.u64);
            pthread_mutex_unlock(&lock);
            /* COM's answer for an object cut off by CoDisconnectObject or gone. */
            hr = existed ? comrt_error_set(RPC_E_DISCONNECTED, "object %llu has disconnected from its clients",
                                           (unsigned long long)it[2].via.u64)
                         : comrt_error_set(CO_E_OBJNOTCONNECTED, "object %llu is not exported to this client",
                                           (unsigned long long)it[2].via.u64);
        } else {
            if (slot == COMRT_SLOT_QUERYINTERFACE)
                hr = remote_qi(c, identity, &it[6], &pk);
            else
                hr = invoke(c, identity, &iid, slot, &it[6], &pk, &frame, &failure_outs);
            IUnknown_Release(identity);
        }
    }
    send_reply(c, id, hr, &outs, failure_outs);
    comrt_iobuf_destroy(&outs);
    comrt_call_frame_free(frame); /* NULL is a no-op */
    comrt_msg_free(m);
}

/* Routing: a call runs in its object's apartment --------------------------- */

struct posted_call {
    comrt_apt_work work;
    comrt_conn *conn; /* referenced */
    comrt_msg msg;
    int has_cause;
};

static void run_with_causality(comrt_conn *c, comrt_msg *m, const GUID *cause)
{
    GUID saved;
    int had;
    comrt_causality_set(cause, &saved, &had);
    dispatch_here(c, m);
    comrt_causality_restore(&saved, had);
}

static void posted_run(comrt_apt_work *w)
{
    struct posted_call *p = (struct posted_call *)w;
    run_with_causality(p->conn, &p->msg, p->has_cause ? &p->work.causality : NULL);
    comrt_conn_unref(p->conn);
    free(p);
}

static void posted_cancel(comrt_apt_work *w, HRESULT why)
{
    struct posted_call *p = (struct posted_call *)w;
    comrt_iobuf none;
    comrt_iobuf_init(&none);
    if (why == RPC_E_DISCONNECTED)
        comrt_error_set(why, "the apartment of the object has ended");
    else
        comrt_error_set(why, "the called apartment's message filter refused the call");
    send_reply(p->conn, (uint32_t)p->msg.items[1].via.u64, why, &none, 0);
    comrt_iobuf_destroy(&none);
    comrt_msg_free(&p->msg);
    comrt_conn_unref(p->conn);
    free(p);
}

/* The apartment a well-formed request is for (referenced), or NULL to run it
 * where it is (the MTA's objects, the activator, malformed requests). */
static comrt_apartment *target_of(const comrt_msg *m)
{
    const msgpack_object *it = m->items;
    comrt_apartment *a = NULL;
    if ((m->nitems != 7 && m->nitems != 8) || it[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return NULL;
    if (it[2].via.u64 == COMRT_OID_ACTIVATOR) {
        CLSID clsid;
        if (it[6].type == MSGPACK_OBJECT_ARRAY && it[6].via.array.size >= 1 &&
            !comrt_unpack_guid(&it[6].via.array.ptr[0], &clsid))
            a = comrt_classobj_apartment(&clsid);
        return a;
    }
    pthread_mutex_lock(&lock);
    struct exported *e = find_oid(it[2].via.u64);
    if (e) {
        a = e->apt;
        comrt_apartment_ref(a);
    }
    pthread_mutex_unlock(&lock);
    return a;
}

void comrt_export_dispatch(comrt_conn *c, comrt_msg *m)
{
    const msgpack_object *it = m->items;
    GUID cause;
    int has_cause = m->nitems == 8 && !comrt_unpack_guid(&it[7], &cause);

    /* Without a call id nobody can be answered: dispatch_here drops the connection. */
    if (m->nitems < 2 || it[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[1].via.u64 > UINT32_MAX) {
        dispatch_here(c, m);
        return;
    }
    comrt_apartment *target = target_of(m);
    comrt_apartment *here = comrt_apartment_current();
    if (!target)
        target = comrt_apartment_mta();
    /* The MTA's objects run on whichever MTA thread read the call (no hand-off). */
    if (target == here || (!comrt_apartment_is_sta(target) && !comrt_apartment_is_sta(here))) {
        comrt_apartment_unref(target);
        run_with_causality(c, m, has_cause ? &cause : NULL);
        return;
    }
    struct posted_call *p = calloc(1, sizeof *p);
    if (!p) {
        comrt_apartment_unref(target);
        run_with_causality(c, m, has_cause ? &cause : NULL); /* it fails there as it can */
        return;
    }
    p->work.run = posted_run;
    p->work.cancel = posted_cancel;
    p->work.is_call = 1;
    if (has_cause)
        p->work.causality = cause;
    p->has_cause = has_cause;
    comrt_unpack_guid(&it[3], &p->work.iid);
    p->work.slot = it[4].type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (uint32_t)it[4].via.u64 : 0;
    p->conn = c;
    comrt_conn_ref(c);
    p->msg = *m;
    memset(m, 0, sizeof *m);
    if (FAILED(comrt_apartment_post(target, &p->work)))
        posted_cancel(&p->work, RPC_E_DISCONNECTED);
    comrt_apartment_unref(target);
}
