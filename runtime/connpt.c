/*
 * connpt.c - connection points (comrt/connpt.h): the container embedded in
 * its owner, one IConnectionPoint per outgoing interface, and firing.
 *
 * Identity and lifetime follow COM (and ATL): the container is part of its
 * owner, so its IUnknown methods are the owner's. A connection point is an
 * object of its own for QueryInterface (IUnknown gives the point, not the
 * owner) but its reference count is the owner's, so holding a point keeps
 * the owner - and with it the point - alive.
 *
 * Locking: each point has a mutex over its list of connections, and no
 * code outside this file runs under it - not even a sink's AddRef or
 * Release, which for an aggregated or remote sink runs arbitrary code that
 * may take its own locks (in the opposite order, if it is advising or
 * firing at the same moment) or call back into the point. The list holds
 * connpt_node references, plain atomics on our own memory; sinks are
 * AddRef'd and Released only once the lock is dropped. Error information is
 * set after unlocking too: setting it releases the thread's previous error
 * object, which may be anybody's.
 */
#include <stdlib.h>
#include <string.h>

#include "connpt_internal.h"

static comrt_connpt *from_cp(IConnectionPoint *p)
{
    return COMRT_CONTAINER_OF(p, comrt_connpt, iface);
}

static comrt_connpt_container *from_cpc(IConnectionPointContainer *p)
{
    return COMRT_CONTAINER_OF(p, comrt_connpt_container, iface);
}

static IUnknown *owner_of(const comrt_connpt *cp)
{
    return cp->container->impl->owner;
}

static void node_unref(connpt_node *n)
{
    if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) == 1) {
        IUnknown_Release(n->sink);
        free(n);
    }
}

/* Lock held. The index of the connection with cookie (the list is sorted
 * by cookie), or cp->count when there is none. */
static ULONG find_locked(const comrt_connpt *cp, DWORD cookie)
{
    ULONG lo = 0, hi = cp->count;
    while (lo < hi) {
        ULONG mid = lo + (hi - lo) / 2;
        DWORD c = cp->nodes[mid]->cookie;
        if (c == cookie)
            return mid;
        if (c < cookie)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp->count;
}

/* Takes connection cookie out of cp's list: the caller owns the list's
 * reference to it. NULL when there is no such connection. */
static connpt_node *take_node(comrt_connpt *cp, DWORD cookie)
{
    connpt_node *n = NULL;
    pthread_mutex_lock(&cp->lock);
    ULONG i = find_locked(cp, cookie);
    if (i < cp->count) {
        n = cp->nodes[i];
        memmove(&cp->nodes[i], &cp->nodes[i + 1], (size_t)(cp->count - i - 1) * sizeof *cp->nodes);
        cp->count--;
    }
    pthread_mutex_unlock(&cp->lock);
    return n;
}

enum insert_result { INSERTED, AT_LIMIT, NO_COOKIES, NO_MEMORY };

/* Lock held. Appends n under the next cookie, which is stored in n and *cookie. */
static enum insert_result insert_locked(comrt_connpt *cp, connpt_node *n, DWORD *cookie)
{
    if (cp->limit && cp->count >= cp->limit)
        return AT_LIMIT;
    /* Cookies only grow, so a cookie is never reused: a client or server
     * holding a stale one can never end somebody else's connection. */
    if (cp->last_cookie == UINT32_MAX)
        return NO_COOKIES;
    if (cp->count == cp->cap) {
        ULONG cap = cp->cap ? cp->cap * 2 : 4;
        if (cp->cap > UINT32_MAX / 2)
            return NO_MEMORY;
        connpt_node **nodes = realloc(cp->nodes, (size_t)cap * sizeof *nodes);
        if (!nodes)
            return NO_MEMORY;
        cp->nodes = nodes;
        cp->cap = cap;
    }
    n->cookie = ++cp->last_cookie;
    cp->nodes[cp->count++] = n;
    *cookie = n->cookie;
    return INSERTED;
}

/* IConnectionPoint ------------------------------------------------------------ */

static ULONG cp_AddRef(IConnectionPoint *This)
{
    return IUnknown_AddRef(owner_of(from_cp(This)));
}

static ULONG cp_Release(IConnectionPoint *This)
{
    return IUnknown_Release(owner_of(from_cp(This)));
}

static HRESULT cp_QueryInterface(IConnectionPoint *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IConnectionPoint))
        return E_NOINTERFACE;
    *ppv = This;
    cp_AddRef(This);
    return S_OK;
}

static HRESULT cp_GetConnectionInterface(IConnectionPoint *This, IID *pIID)
{
    if (!pIID)
        return comrt_error_set(E_POINTER, "IConnectionPoint::GetConnectionInterface: pIID is NULL");
    *pIID = from_cp(This)->iid;
    return S_OK;
}

static HRESULT cp_GetConnectionPointContainer(IConnectionPoint *This, IConnectionPointContainer **ppCPC)
{
    if (!ppCPC)
        return comrt_error_set(E_POINTER, "IConnectionPoint::GetConnectionPointContainer: ppCPC is NULL");
    *ppCPC = &from_cp(This)->container->iface;
    IConnectionPointContainer_AddRef(*ppCPC);
    return S_OK;
}

static HRESULT cp_Advise(IConnectionPoint *This, IUnknown *pUnkSink, DWORD *pdwCookie)
{
    comrt_connpt *cp = from_cp(This);
    char is[CHARS_IN_GUID];
    IUnknown *sink = NULL;
    connpt_node *n = NULL;
    enum insert_result r;
    DWORD cookie = 0;
    ULONG limit;
    HRESULT hr;

    if (!pdwCookie)
        return comrt_error_set(E_POINTER, "IConnectionPoint::Advise: pdwCookie is NULL");
    *pdwCookie = 0;
    comrt_guid_str(&cp->iid, is);
    if (!pUnkSink)
        return comrt_error_set(E_POINTER, "IConnectionPoint::Advise (%s): no sink given", is);
    /* For a remote sink this is a call to the client: no lock held. */
    hr = IUnknown_QueryInterface(pUnkSink, &cp->iid, (void **)&sink);
    if (FAILED(hr) || !sink) /* a failed QueryInterface gave us no reference */
        return comrt_error_set(CONNECT_E_CANNOTCONNECT,
                               "IConnectionPoint::Advise: the sink does not implement %s, the interface of this "
                               "connection point (QueryInterface returned 0x%08X)",
                               is, (unsigned)hr);
    n = malloc(sizeof *n);
    if (!n) {
        hr = comrt_error_set(E_OUTOFMEMORY, "IConnectionPoint::Advise (%s): out of memory", is);
        goto fail;
    }
    atomic_init(&n->refs, 1);
    n->sink = sink;
    if (cp->hooks && cp->hooks->on_advise)
        IUnknown_AddRef(sink); /* for the hook, below */
    pthread_mutex_lock(&cp->lock);
    r = insert_locked(cp, n, &cookie);
    limit = cp->limit;
    pthread_mutex_unlock(&cp->lock);
    switch (r) {
    case INSERTED:
        if (cp->hooks && cp->hooks->on_advise) {
            /* n's reference may go at any time (a guessed cookie can be
             * unadvised): the hook gets one of its own, taken before n was visible. */
            hr = cp->hooks->on_advise(cp->hooks_ctx, sink, cookie);
            IUnknown_Release(sink);
            if (FAILED(hr)) {
                connpt_node *undo = take_node(cp, cookie);
                if (undo)
                    node_unref(undo);
                return hr;
            }
        }
        *pdwCookie = cookie; /* n itself may already be gone: a guessed cookie can be unadvised */
        return S_OK;
    case AT_LIMIT:
        hr = comrt_error_set(CONNECT_E_ADVISELIMIT, "IConnectionPoint::Advise: the connection point for %s "
                                                    "takes at most %u connections",
                             is, (unsigned)limit);
        break;
    case NO_COOKIES:
        hr = comrt_error_set(CONNECT_E_ADVISELIMIT, "IConnectionPoint::Advise: the connection point for %s has "
                                                    "handed out every cookie (they are never reused)",
                             is);
        break;
    case NO_MEMORY:
        hr = comrt_error_set(E_OUTOFMEMORY, "IConnectionPoint::Advise (%s): out of memory", is);
        break;
    }
    if (cp->hooks && cp->hooks->on_advise)
        IUnknown_Release(sink); /* the hook's, unused */
fail:
    free(n);
    IUnknown_Release(sink);
    return hr;
}

static HRESULT cp_Unadvise(IConnectionPoint *This, DWORD dwCookie)
{
    comrt_connpt *cp = from_cp(This);
    char is[CHARS_IN_GUID];
    connpt_node *n = take_node(cp, dwCookie);
    if (!n)
        return comrt_error_set(CONNECT_E_NOCONNECTION,
                               "IConnectionPoint::Unadvise: the connection point for %s has no connection with "
                               "cookie %u",
                               comrt_guid_str(&cp->iid, is), (unsigned)dwCookie);
    node_unref(n); /* releases the sink, now that the lock is dropped */
    if (cp->hooks && cp->hooks->on_unadvise)
        cp->hooks->on_unadvise(cp->hooks_ctx, dwCookie);
    return S_OK;
}

static HRESULT cp_EnumConnections(IConnectionPoint *This, IEnumConnections **ppEnum)
{
    comrt_connpt_sinks snap;
    if (!ppEnum)
        return comrt_error_set(E_POINTER, "IConnectionPoint::EnumConnections: ppEnum is NULL");
    *ppEnum = NULL;
    HRESULT hr = comrt_connpt_snapshot(from_cp(This), &snap);
    if (FAILED(hr))
        return hr;
    return comrt_connpt_enum_connections(&snap, ppEnum);
}

static const IConnectionPointVtbl point_vtbl = {
    cp_QueryInterface, cp_AddRef,  cp_Release,          cp_GetConnectionInterface, cp_GetConnectionPointContainer,
    cp_Advise,         cp_Unadvise, cp_EnumConnections,
};

/* IConnectionPointContainer: identity and lifetime are the owner's ------------- */

static HRESULT cpc_QueryInterface(IConnectionPointContainer *This, REFIID riid, void **ppv)
{
    return IUnknown_QueryInterface(from_cpc(This)->impl->owner, riid, ppv);
}

static ULONG cpc_AddRef(IConnectionPointContainer *This)
{
    return IUnknown_AddRef(from_cpc(This)->impl->owner);
}

static ULONG cpc_Release(IConnectionPointContainer *This)
{
    return IUnknown_Release(from_cpc(This)->impl->owner);
}

static HRESULT cpc_EnumConnectionPoints(IConnectionPointContainer *This, IEnumConnectionPoints **ppEnum)
{
    if (!ppEnum)
        return comrt_error_set(E_POINTER, "IConnectionPointContainer::EnumConnectionPoints: ppEnum is NULL");
    *ppEnum = NULL;
    return comrt_connpt_enum_points(from_cpc(This), ppEnum);
}

static HRESULT cpc_FindConnectionPoint(IConnectionPointContainer *This, REFIID riid, IConnectionPoint **ppCP)
{
    char is[CHARS_IN_GUID];
    if (!ppCP)
        return comrt_error_set(E_POINTER, "IConnectionPointContainer::FindConnectionPoint: ppCP is NULL");
    *ppCP = NULL;
    if (!riid)
        return comrt_error_set(E_POINTER, "IConnectionPointContainer::FindConnectionPoint: riid is NULL");
    comrt_connpt *cp = comrt_connpt_container_find(from_cpc(This), riid);
    if (!cp)
        return comrt_error_set(CONNECT_E_NOCONNECTION,
                               "IConnectionPointContainer::FindConnectionPoint: this object has no connection "
                               "point for %s",
                               comrt_guid_str(riid, is));
    *ppCP = &cp->iface;
    cp_AddRef(*ppCP);
    return S_OK;
}

static const IConnectionPointContainerVtbl container_vtbl = {
    cpc_QueryInterface, cpc_AddRef, cpc_Release, cpc_EnumConnectionPoints, cpc_FindConnectionPoint,
};

/* The container's life ------------------------------------------------------------ */

HRESULT comrt_connpt_container_init(comrt_connpt_container *c, IUnknown *owner, const comrt_connpt_desc *points,
                                     ULONG count)
{
    comrt_connpt_impl *impl = NULL;
    char is[CHARS_IN_GUID];
    ULONG ready = 0;
    HRESULT hr;

    if (!c)
        return comrt_error_set(E_POINTER, "comrt_connpt_container_init: no container given");
    c->iface.lpVtbl = &container_vtbl;
    c->impl = NULL;
    if (!owner)
        return comrt_error_set(E_INVALIDARG, "comrt_connpt_container_init: no owner given");
    if (count && !points)
        return comrt_error_set(E_INVALIDARG, "comrt_connpt_container_init: %u points but no descriptions",
                               (unsigned)count);
    for (ULONG i = 0; i < count; i++) {
        if (!points[i].iid)
            return comrt_error_set(E_INVALIDARG, "comrt_connpt_container_init: point %u has no IID", (unsigned)i);
        for (ULONG j = 0; j < i; j++)
            if (IsEqualIID(points[i].iid, points[j].iid))
                return comrt_error_set(E_INVALIDARG, "comrt_connpt_container_init: %s is listed twice",
                                       comrt_guid_str(points[i].iid, is));
    }
    /* count is 32 bits: the size cannot overflow on LP64. */
    impl = calloc(1, sizeof *impl + (size_t)count * sizeof impl->points[0]);
    if (!impl)
        return comrt_error_set(E_OUTOFMEMORY, "comrt_connpt_container_init: out of memory");
    impl->owner = owner;
    for (; ready < count; ready++) {
        comrt_connpt *cp = &impl->points[ready];
        int err = pthread_mutex_init(&cp->lock, NULL);
        if (err) {
            hr = comrt_error_set(comrt_hresult_from_errno(err), "comrt_connpt_container_init: %s",
                                 strerror(err));
            goto fail;
        }
        cp->iface.lpVtbl = &point_vtbl;
        cp->container = c;
        cp->iid = *points[ready].iid;
        cp->limit = points[ready].advise_limit;
        cp->hooks = points[ready].hooks;
        cp->hooks_ctx = points[ready].hooks_ctx;
    }
    impl->npoints = count;
    c->impl = impl;
    return S_OK;
fail:
    while (ready-- > 0)
        pthread_mutex_destroy(&impl->points[ready].lock);
    free(impl);
    return hr;
}

void comrt_connpt_container_fini(comrt_connpt_container *c)
{
    if (!c || !c->impl)
        return;
    comrt_connpt_impl *impl = c->impl;
    c->impl = NULL;
    for (ULONG i = 0; i < impl->npoints; i++) {
        comrt_connpt *cp = &impl->points[i];
        /* No other thread may be here (see the header), so no lock: the
         * sinks' Release calls run freely. */
        for (ULONG k = 0; k < cp->count; k++)
            node_unref(cp->nodes[k]);
        free(cp->nodes);
        pthread_mutex_destroy(&cp->lock);
    }
    free(impl);
}

comrt_connpt *comrt_connpt_container_find(comrt_connpt_container *c, REFIID iid)
{
    if (!c || !c->impl || !iid)
        return NULL;
    for (ULONG i = 0; i < c->impl->npoints; i++)
        if (IsEqualIID(&c->impl->points[i].iid, iid))
            return &c->impl->points[i];
    return NULL;
}

ULONG comrt_connpt_connection_count(comrt_connpt *cp)
{
    if (!cp)
        return 0;
    pthread_mutex_lock(&cp->lock);
    ULONG n = cp->count;
    pthread_mutex_unlock(&cp->lock);
    return n;
}

/* Firing ------------------------------------------------------------------------ */

HRESULT comrt_connpt_snapshot(comrt_connpt *cp, comrt_connpt_sinks *out)
{
    comrt_connpt_sink *items = NULL;
    connpt_node **held = NULL;
    ULONG n;

    if (!out)
        return comrt_error_set(E_POINTER, "comrt_connpt_snapshot: no snapshot given");
    out->count = 0;
    out->items = NULL;
    if (!cp)
        return comrt_error_set(E_POINTER, "comrt_connpt_snapshot: no connection point given");
    pthread_mutex_lock(&cp->lock);
    n = cp->count;
    /* One block: the items handed out, then the nodes held meanwhile. */
    if (n && (items = malloc((size_t)n * (sizeof *items + sizeof *held))) != NULL) {
        held = (connpt_node **)(void *)(items + n);
        for (ULONG i = 0; i < n; i++) {
            held[i] = cp->nodes[i];
            atomic_fetch_add_explicit(&held[i]->refs, 1, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&cp->lock);
    if (n && !items)
        return comrt_error_set(E_OUTOFMEMORY, "comrt_connpt_snapshot: out of memory for %u sinks", (unsigned)n);
    for (ULONG i = 0; i < n; i++) {
        items[i].sink = held[i]->sink;
        items[i].cookie = held[i]->cookie;
        IUnknown_AddRef(items[i].sink);
        node_unref(held[i]); /* may release the sink's other reference: it was unadvised meanwhile */
    }
    out->count = n;
    out->items = items;
    return S_OK;
}

void comrt_connpt_sinks_release(comrt_connpt_sinks *s)
{
    if (!s)
        return;
    comrt_connpt_sink *items = s->items;
    ULONG n = s->count;
    s->items = NULL;
    s->count = 0;
    for (ULONG i = 0; i < n; i++)
        if (items[i].sink)
            IUnknown_Release(items[i].sink);
    free(items);
}

int comrt_connpt_is_disconnected(HRESULT hr)
{
    switch (hr) {
    case RPC_E_DISCONNECTED:
    case CO_E_OBJNOTCONNECTED:
    case RPC_E_SERVER_DIED:
    case RPC_E_SERVER_DIED_DNE:
    case HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE):
    case HRESULT_FROM_WIN32(RPC_S_CALL_FAILED):
    case HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE):
        return 1;
    default:
        return 0;
    }
}

HRESULT comrt_connpt_drop(comrt_connpt *cp, DWORD cookie)
{
    if (!cp)
        return comrt_error_set(E_POINTER, "comrt_connpt_drop: no connection point given");
    connpt_node *n = take_node(cp, cookie);
    if (!n)
        return S_FALSE;
    node_unref(n);
    if (cp->hooks && cp->hooks->on_unadvise)
        cp->hooks->on_unadvise(cp->hooks_ctx, cookie);
    return S_OK;
}

HRESULT comrt_connpt_fire(comrt_connpt *cp, comrt_connpt_call_fn call, void *ctx, ULONG *delivered,
                           ULONG *dropped)
{
    comrt_connpt_sinks snap;
    ULONG ok = 0, gone = 0;

    if (delivered)
        *delivered = 0;
    if (dropped)
        *dropped = 0;
    if (!cp || !call)
        return comrt_error_set(E_POINTER, "comrt_connpt_fire: no %s given", cp ? "function" : "connection point");
    HRESULT hr = comrt_connpt_snapshot(cp, &snap);
    if (FAILED(hr))
        return hr;
    for (ULONG i = 0; i < snap.count; i++) {
        hr = call(snap.items[i].sink, ctx);
        if (SUCCEEDED(hr))
            ok++;
        else if (comrt_connpt_is_disconnected(hr) && comrt_connpt_drop(cp, snap.items[i].cookie) == S_OK)
            gone++;
    }
    comrt_connpt_sinks_release(&snap);
    if (delivered)
        *delivered = ok;
    if (dropped)
        *dropped = gone;
    return S_OK;
}
