/*
 * exporter.c - objects this process exports: the table by OID and by
 * identity, references counted per peer connection and held by CoLock-
 * ObjectExternal and marshal packets, and the lookup that routes an
 * incoming call (executed by stub.c).
 *
 * A peer may only call objects it holds references to (a guessed OID gets
 * CO_E_OBJNOTCONNECTED), and every reference a peer holds is dropped when
 * its connection goes, so a client killed with SIGKILL leaks nothing here.
 *
 * Both indexes are hash maps (idmap.h). An incoming call finds its target
 * with one lookup, which also decides the apartment the call runs in; a
 * call handed to another apartment carries the entry it found (pinned), so
 * that nothing is looked up again there.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "idmap.h"
#include "orpc.h"

struct peer_ref {
    comrt_conn *conn; /* not referenced: entries go when the connection does */
    uint64_t count;
};

struct comrt_exported {
    uint64_t oid;
    IUnknown *identity;   /* the table's reference; released once unlinked */
    comrt_apartment *apt; /* where it lives (referenced): its calls and its release run there */
    struct peer_ref *refs;
    size_t nrefs;
    unsigned long locks; /* CoLockObjectExternal */
    unsigned long holds; /* in-process holders other than peers: marshal packets (packet.c) */
    int linked;          /* in both maps; once 0, a pinned call finds it disconnected */
    /* The memory's users: 1 for the table until the entry is retired, 1 per
     * call pinning it on its way to the object's apartment. */
    atomic_uint users;
    struct comrt_exported *next_dead; /* chains entries unlinked together */
};

/* Everything but users is under the lock; an unlinked entry belongs to
 * whoever unlinked it (and its pinned calls read only linked and oid). */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static comrt_idmap by_oid = COMRT_IDMAP_INIT;      /* oid -> struct comrt_exported */
static comrt_idmap by_identity = COMRT_IDMAP_INIT; /* (uintptr_t)identity -> struct comrt_exported */
static uint64_t next_oid = 1;

/* Lock held. */
static struct comrt_exported *find_oid(uint64_t oid)
{
    return comrt_idmap_get(&by_oid, oid);
}

/* Lock held. */
static struct comrt_exported *find_identity(IUnknown *identity)
{
    return comrt_idmap_get(&by_identity, (uintptr_t)identity);
}

/* Lock held. */
static struct peer_ref *find_ref(const struct comrt_exported *e, comrt_conn *c)
{
    for (size_t i = 0; i < e->nrefs; i++)
        if (e->refs[i].conn == c)
            return &e->refs[i];
    return NULL;
}

/* Lock held. Nobody (peer, lock or hold) keeps e in the table. */
static int unused(const struct comrt_exported *e)
{
    return !e->nrefs && !e->locks && !e->holds;
}

/* Lock held. Takes e out of both maps (removal cannot fail). */
static void unlink_locked(struct comrt_exported *e)
{
    comrt_idmap_remove(&by_oid, e->oid);
    comrt_idmap_remove(&by_identity, (uintptr_t)e->identity);
    e->linked = 0;
}

/* Lock held. Unlinks e if nobody holds it; returns it for retiring. */
static struct comrt_exported *maybe_unlink(struct comrt_exported *e)
{
    if (!unused(e))
        return NULL;
    unlink_locked(e);
    return e;
}

static void entry_unref(struct comrt_exported *e)
{
    if (atomic_fetch_sub(&e->users, 1) == 1) {
        free(e->refs);
        free(e);
    }
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

/* An unlinked entry (lock not held) gives its reference back; its memory
 * stays while a pinned call still points to it. NULL is a no-op. */
static void retire(struct comrt_exported *e)
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
            IUnknown_Release(e->identity);
        }
    } else {
        IUnknown_Release(e->identity);
    }
    comrt_apartment_unref(e->apt);
    entry_unref(e);
}

/* Retires a chain made with next_dead. */
static void retire_all(struct comrt_exported *dead)
{
    while (dead) {
        struct comrt_exported *next = dead->next_dead;
        retire(dead);
        dead = next;
    }
}

/* Lock held. The entry for identity, made if needed; consumes the caller's
 * reference on identity when it returns one (the table keeps one). NULL on
 * OOM, identity untouched. */
static struct comrt_exported *enter_locked(IUnknown *identity, comrt_apartment *apt)
{
    struct comrt_exported *e = find_identity(identity);
    if (e) {
        IUnknown_Release(identity); /* the table already holds one */
        return e;
    }
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->oid = next_oid;
    if (comrt_idmap_put(&by_oid, e->oid, e)) {
        free(e);
        return NULL;
    }
    if (comrt_idmap_put(&by_identity, (uintptr_t)identity, e)) {
        comrt_idmap_remove(&by_oid, e->oid);
        free(e);
        return NULL;
    }
    next_oid++;
    e->identity = identity;
    e->apt = apt;
    comrt_apartment_ref(apt);
    e->linked = 1;
    atomic_init(&e->users, 1);
    return e;
}

/* Lock held. Counts one more reference of c's peer on e; -1 on OOM. */
static int add_ref_locked(struct comrt_exported *e, comrt_conn *c)
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
    struct comrt_exported *e;
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
        struct comrt_exported *dead = maybe_unlink(e);
        pthread_mutex_unlock(&lock);
        retire(dead);
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

HRESULT CoDisconnectObject(LPUNKNOWN pUnk, DWORD dwReserved)
{
    IUnknown *identity = NULL;
    struct comrt_exported *dead = NULL;
    if (!pUnk || dwReserved)
        return comrt_error_set(E_INVALIDARG, "CoDisconnectObject: NULL object or reserved argument");
    if (FAILED(IUnknown_QueryInterface(pUnk, &IID_IUnknown, (void **)&identity)))
        return comrt_error_set(E_NOINTERFACE, "CoDisconnectObject: the object does not answer IUnknown");
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_identity(identity);
    if (e) {
        /* Every peer's references go; locks and packet holds stay. */
        e->nrefs = 0;
        dead = maybe_unlink(e);
    }
    pthread_mutex_unlock(&lock);
    IUnknown_Release(identity);
    retire(dead);
    return S_OK;
}

HRESULT CoLockObjectExternal(LPUNKNOWN pUnk, BOOL fLock, BOOL fLastUnlockReleases)
{
    IUnknown *identity = NULL;
    struct comrt_exported *dead = NULL;
    if (!pUnk)
        return comrt_error_set(E_INVALIDARG, "CoLockObjectExternal: NULL object");
    if (FAILED(IUnknown_QueryInterface(pUnk, &IID_IUnknown, (void **)&identity)))
        return comrt_error_set(E_NOINTERFACE, "CoLockObjectExternal: the object does not answer IUnknown");
    pthread_mutex_lock(&lock);
    if (fLock) {
        struct comrt_exported *e = enter_locked(identity, comrt_apartment_current()); /* takes our reference */
        if (!e) {
            pthread_mutex_unlock(&lock);
            IUnknown_Release(identity);
            return comrt_error_set(E_OUTOFMEMORY, "CoLockObjectExternal: out of memory");
        }
        e->locks++;
        pthread_mutex_unlock(&lock);
        return S_OK;
    }
    struct comrt_exported *e = find_identity(identity);
    if (e && e->locks) {
        if (--e->locks == 0 && fLastUnlockReleases)
            e->nrefs = 0;
        dead = maybe_unlink(e);
    }
    pthread_mutex_unlock(&lock);
    IUnknown_Release(identity);
    retire(dead);
    return S_OK;
}

HRESULT comrt_export_hold(IUnknown *identity, uint64_t *oid)
{
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = enter_locked(identity, comrt_apartment_current()); /* takes the reference */
    if (e) {
        e->holds++;
        *oid = e->oid;
    }
    pthread_mutex_unlock(&lock);
    if (!e) {
        IUnknown_Release(identity);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory exporting an object");
    }
    return S_OK;
}

void comrt_export_unhold(uint64_t oid)
{
    struct comrt_exported *dead = NULL;
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
    if (e && e->holds) {
        e->holds--;
        dead = maybe_unlink(e);
    }
    pthread_mutex_unlock(&lock);
    retire(dead);
}

int comrt_export_in_current_apartment(uint64_t oid)
{
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
    int here = e && comrt_apartment_is_current(e->apt);
    pthread_mutex_unlock(&lock);
    return here;
}

HRESULT comrt_export_move_ref(comrt_conn *from, comrt_conn *to, uint64_t oid)
{
    HRESULT hr = S_OK;
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
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

/* Lock held. Unlinks every entry collected (with next_dead) in a walk of
 * the map, which must not change while it is walked. */
static void unlink_chain(struct comrt_exported *dead)
{
    for (; dead; dead = dead->next_dead)
        unlink_locked(dead);
}

void comrt_export_apartment_gone(comrt_apartment *a)
{
    struct comrt_exported *dead = NULL, *e;
    size_t pos = 0;

    pthread_mutex_lock(&lock);
    while ((e = comrt_idmap_next(&by_oid, &pos, NULL)) != NULL)
        if (e->apt == a) {
            e->next_dead = dead;
            dead = e;
        }
    unlink_chain(dead);
    pthread_mutex_unlock(&lock);
    /* On the apartment's own thread, which is leaving it. */
    while (dead) {
        struct comrt_exported *next = dead->next_dead;
        IUnknown_Release(dead->identity);
        comrt_apartment_unref(dead->apt);
        entry_unref(dead);
        dead = next;
    }
}

HRESULT comrt_export_lookup(uint64_t oid, REFIID iid, void **ppv)
{
    IUnknown *identity = NULL;
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
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

/* One reference of c's on oid goes. */
static void drop(comrt_conn *c, uint64_t oid, uint64_t count)
{
    struct comrt_exported *dead = NULL;
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
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
    retire(dead);
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
    struct comrt_exported *dead = NULL, *e;
    size_t pos = 0;

    pthread_mutex_lock(&lock);
    while ((e = comrt_idmap_next(&by_oid, &pos, NULL)) != NULL) {
        struct peer_ref *r = find_ref(e, c);
        if (r)
            *r = e->refs[--e->nrefs];
        if (unused(e)) {
            e->next_dead = dead;
            dead = e;
        }
    }
    unlink_chain(dead);
    pthread_mutex_unlock(&lock);
    retire_all(dead);
}

size_t comrt_export_count(void)
{
    pthread_mutex_lock(&lock);
    size_t n = comrt_idmap_count(&by_oid);
    pthread_mutex_unlock(&lock);
    return n;
}

/* Incoming calls: the one lookup ------------------------------------------ */

int comrt_export_runs_here(const comrt_apartment *a)
{
    comrt_apartment *here = comrt_apartment_current();
    /* The MTA's objects run on whichever MTA thread read the call (no hand-off). */
    return a == here || (!comrt_apartment_is_sta(a) && !comrt_apartment_is_sta(here));
}

/* Lock held. Whether c's peer may call e (NULL: not in the table) now. */
static HRESULT callable_locked(const struct comrt_exported *e, uint64_t oid, comrt_conn *c, int require_ref)
{
    /* Gone (disconnected or released by everyone) vs. never handed out. */
    if (!e || !e->linked)
        return oid < next_oid ? RPC_E_DISCONNECTED : CO_E_OBJNOTCONNECTED;
    if (require_ref && !find_ref(e, c))
        return CO_E_OBJNOTCONNECTED;
    return S_OK;
}

/* The error information of a refused call (set outside the lock). */
static HRESULT refused(HRESULT hr, uint64_t oid)
{
    /* RPC_E_DISCONNECTED: COM's answer for an object cut off by
     * CoDisconnectObject or released by everyone. */
    if (hr == RPC_E_DISCONNECTED)
        return comrt_error_set(hr, "object %llu has disconnected from its clients", (unsigned long long)oid);
    return comrt_error_set(hr, "object %llu is not exported to this client", (unsigned long long)oid);
}

HRESULT comrt_export_route(comrt_conn *c, uint64_t oid, int require_ref, IUnknown **identity,
                           struct comrt_exported **pin, comrt_apartment **apt)
{
    *identity = NULL;
    *pin = NULL;
    *apt = NULL;
    pthread_mutex_lock(&lock);
    struct comrt_exported *e = find_oid(oid);
    HRESULT hr = callable_locked(e, oid, c, require_ref);
    if (SUCCEEDED(hr) && comrt_export_runs_here(e->apt)) {
        /* This thread is in the object's apartment: an STA object's
         * AddRef may assume its own thread. */
        *identity = e->identity;
        IUnknown_AddRef(*identity);
    } else if (SUCCEEDED(hr)) {
        /* Its apartment takes the object when the call gets there. */
        atomic_fetch_add(&e->users, 1);
        *pin = e;
        *apt = e->apt;
        comrt_apartment_ref(*apt);
    }
    pthread_mutex_unlock(&lock);
    return FAILED(hr) ? refused(hr, oid) : S_OK;
}

HRESULT comrt_export_unpin(struct comrt_exported *pin, comrt_conn *c, int require_ref, IUnknown **identity)
{
    HRESULT hr = S_OK;
    if (identity) {
        *identity = NULL;
        pthread_mutex_lock(&lock);
        /* Disconnected, or released by the peer, while the call was queued? */
        hr = callable_locked(pin, pin->oid, c, require_ref);
        if (SUCCEEDED(hr)) {
            *identity = pin->identity;
            IUnknown_AddRef(*identity);
        }
        pthread_mutex_unlock(&lock);
        if (FAILED(hr))
            hr = refused(hr, pin->oid);
    }
    entry_unref(pin);
    return hr;
}
