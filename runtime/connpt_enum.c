/*
 * connpt_enum.c - the enumerators of connection points (comrt/connpt.h):
 * IEnumConnections over a snapshot of one point's connections, and
 * IEnumConnectionPoints over a container's points.
 *
 * Both walk an array that never changes, with a position that callers move
 * atomically: an exported enumerator can be called from several worker
 * threads at once, and two concurrent Next calls must not return the same
 * entry twice. Clones share the array (IEnumConnections: a counted list
 * holding the sinks; IEnumConnectionPoints: the container's own, kept
 * alive by a reference on the owner).
 */
#include <stdlib.h>

#include "connpt_internal.h"

/* Claims up to want entries of total from *pos; returns how many, the first at *start. */
static ULONG cursor_take(atomic_ulong *pos, ULONG total, ULONG want, ULONG *start)
{
    unsigned long cur = atomic_load(pos);
    ULONG take;
    do {
        ULONG left = cur < total ? total - (ULONG)cur : 0;
        take = want < left ? want : left;
    } while (!atomic_compare_exchange_weak(pos, &cur, cur + take));
    *start = (ULONG)cur;
    return take;
}

/* The argument rules of IEnumXXX::Next. */
static HRESULT check_next(const char *itf, const void *rg, ULONG n, ULONG *fetched)
{
    if (fetched)
        *fetched = 0;
    if (!rg)
        return comrt_error_set(E_POINTER, "%s::Next: the output array is NULL", itf);
    if (!fetched && n != 1)
        return comrt_error_set(E_POINTER, "%s::Next: pcFetched may be NULL only when asking for one element", itf);
    return S_OK;
}

/* IEnumConnections -------------------------------------------------------------- */

typedef struct conn_list {
    atomic_ulong refs;         /* enumerators sharing it */
    comrt_connpt_sinks snap;  /* one reference per sink */
} conn_list;

typedef struct enum_conns {
    IEnumConnections iface;
    atomic_ulong refs;
    conn_list *list;
    atomic_ulong pos;
} enum_conns;

static enum_conns *from_ec(IEnumConnections *p)
{
    return COMRT_CONTAINER_OF(p, enum_conns, iface);
}

static void list_unref(conn_list *l)
{
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1) {
        comrt_connpt_sinks_release(&l->snap);
        free(l);
    }
}

static const IEnumConnectionsVtbl enum_conns_vtbl;

/* A new enumerator over l (whose reference it takes) starting at pos. */
static HRESULT ec_new(conn_list *l, ULONG pos, IEnumConnections **out)
{
    enum_conns *e = malloc(sizeof *e);
    if (!e) {
        list_unref(l);
        return comrt_error_set(E_OUTOFMEMORY, "IEnumConnections: out of memory");
    }
    e->iface.lpVtbl = &enum_conns_vtbl;
    atomic_init(&e->refs, 1);
    e->list = l;
    atomic_init(&e->pos, pos);
    *out = &e->iface;
    return S_OK;
}

static HRESULT ec_QueryInterface(IEnumConnections *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IEnumConnections))
        return E_NOINTERFACE;
    *ppv = This;
    atomic_fetch_add_explicit(&from_ec(This)->refs, 1, memory_order_relaxed);
    return S_OK;
}

static ULONG ec_AddRef(IEnumConnections *This)
{
    return (ULONG)atomic_fetch_add_explicit(&from_ec(This)->refs, 1, memory_order_relaxed) + 1;
}

static ULONG ec_Release(IEnumConnections *This)
{
    enum_conns *e = from_ec(This);
    ULONG n = (ULONG)atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) - 1;
    if (n == 0) {
        conn_list *l = e->list;
        free(e);
        list_unref(l);
    }
    return n;
}

static HRESULT ec_Next(IEnumConnections *This, ULONG cConnections, LPCONNECTDATA rgcd, ULONG *pcFetched)
{
    enum_conns *e = from_ec(This);
    ULONG start;
    HRESULT hr = check_next("IEnumConnections", rgcd, cConnections, pcFetched);
    if (FAILED(hr))
        return hr;
    ULONG take = cursor_take(&e->pos, e->list->snap.count, cConnections, &start);
    for (ULONG i = 0; i < take; i++) {
        const comrt_connpt_sink *s = &e->list->snap.items[start + i];
        rgcd[i].pUnk = s->sink;
        IUnknown_AddRef(s->sink);
        rgcd[i].dwCookie = s->cookie;
    }
    if (pcFetched)
        *pcFetched = take;
    return take == cConnections ? S_OK : S_FALSE;
}

static HRESULT ec_Skip(IEnumConnections *This, ULONG cConnections)
{
    enum_conns *e = from_ec(This);
    ULONG start;
    return cursor_take(&e->pos, e->list->snap.count, cConnections, &start) == cConnections ? S_OK : S_FALSE;
}

static HRESULT ec_Reset(IEnumConnections *This)
{
    atomic_store(&from_ec(This)->pos, 0);
    return S_OK;
}

static HRESULT ec_Clone(IEnumConnections *This, IEnumConnections **ppEnum)
{
    enum_conns *e = from_ec(This);
    if (!ppEnum)
        return comrt_error_set(E_POINTER, "IEnumConnections::Clone: ppEnum is NULL");
    *ppEnum = NULL;
    atomic_fetch_add_explicit(&e->list->refs, 1, memory_order_relaxed);
    return ec_new(e->list, (ULONG)atomic_load(&e->pos), ppEnum);
}

static const IEnumConnectionsVtbl enum_conns_vtbl = {
    ec_QueryInterface, ec_AddRef, ec_Release, ec_Next, ec_Skip, ec_Reset, ec_Clone,
};

HRESULT comrt_connpt_enum_connections(comrt_connpt_sinks *snap, IEnumConnections **out)
{
    *out = NULL;
    conn_list *l = malloc(sizeof *l);
    if (!l) {
        comrt_connpt_sinks_release(snap);
        return comrt_error_set(E_OUTOFMEMORY, "IConnectionPoint::EnumConnections: out of memory");
    }
    atomic_init(&l->refs, 1);
    l->snap = *snap;
    snap->count = 0;
    snap->items = NULL;
    return ec_new(l, 0, out);
}

/* IEnumConnectionPoints ------------------------------------------------------------ */

typedef struct enum_points {
    IEnumConnectionPoints iface;
    atomic_ulong refs;
    comrt_connpt_container *c; /* one reference on its owner */
    atomic_ulong pos;
} enum_points;

static enum_points *from_ep(IEnumConnectionPoints *p)
{
    return COMRT_CONTAINER_OF(p, enum_points, iface);
}

static const IEnumConnectionPointsVtbl enum_points_vtbl;

static HRESULT ep_new(comrt_connpt_container *c, ULONG pos, IEnumConnectionPoints **out)
{
    enum_points *e = malloc(sizeof *e);
    if (!e)
        return comrt_error_set(E_OUTOFMEMORY, "IEnumConnectionPoints: out of memory");
    e->iface.lpVtbl = &enum_points_vtbl;
    atomic_init(&e->refs, 1);
    e->c = c;
    atomic_init(&e->pos, pos);
    /* The points live in the container, which lives in its owner. */
    IConnectionPointContainer_AddRef(&c->iface);
    *out = &e->iface;
    return S_OK;
}

static HRESULT ep_QueryInterface(IEnumConnectionPoints *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (!IsEqualIID(riid, &IID_IUnknown) && !IsEqualIID(riid, &IID_IEnumConnectionPoints))
        return E_NOINTERFACE;
    *ppv = This;
    atomic_fetch_add_explicit(&from_ep(This)->refs, 1, memory_order_relaxed);
    return S_OK;
}

static ULONG ep_AddRef(IEnumConnectionPoints *This)
{
    return (ULONG)atomic_fetch_add_explicit(&from_ep(This)->refs, 1, memory_order_relaxed) + 1;
}

static ULONG ep_Release(IEnumConnectionPoints *This)
{
    enum_points *e = from_ep(This);
    ULONG n = (ULONG)atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) - 1;
    if (n == 0) {
        comrt_connpt_container *c = e->c;
        free(e);
        IConnectionPointContainer_Release(&c->iface);
    }
    return n;
}

static HRESULT ep_Next(IEnumConnectionPoints *This, ULONG cConnections, LPCONNECTIONPOINT *ppCP, ULONG *pcFetched)
{
    enum_points *e = from_ep(This);
    comrt_connpt_impl *impl = e->c->impl;
    ULONG start;
    HRESULT hr = check_next("IEnumConnectionPoints", ppCP, cConnections, pcFetched);
    if (FAILED(hr))
        return hr;
    ULONG take = cursor_take(&e->pos, impl->npoints, cConnections, &start);
    for (ULONG i = 0; i < take; i++) {
        ppCP[i] = &impl->points[start + i].iface;
        IConnectionPoint_AddRef(ppCP[i]);
    }
    if (pcFetched)
        *pcFetched = take;
    return take == cConnections ? S_OK : S_FALSE;
}

static HRESULT ep_Skip(IEnumConnectionPoints *This, ULONG cConnections)
{
    enum_points *e = from_ep(This);
    ULONG start;
    return cursor_take(&e->pos, e->c->impl->npoints, cConnections, &start) == cConnections ? S_OK : S_FALSE;
}

static HRESULT ep_Reset(IEnumConnectionPoints *This)
{
    atomic_store(&from_ep(This)->pos, 0);
    return S_OK;
}

static HRESULT ep_Clone(IEnumConnectionPoints *This, IEnumConnectionPoints **ppEnum)
{
    enum_points *e = from_ep(This);
    if (!ppEnum)
        return comrt_error_set(E_POINTER, "IEnumConnectionPoints::Clone: ppEnum is NULL");
    *ppEnum = NULL;
    return ep_new(e->c, (ULONG)atomic_load(&e->pos), ppEnum);
}

static const IEnumConnectionPointsVtbl enum_points_vtbl = {
    ep_QueryInterface, ep_AddRef, ep_Release, ep_Next, ep_Skip, ep_Reset, ep_Clone,
};

HRESULT comrt_connpt_enum_points(comrt_connpt_container *c, IEnumConnectionPoints **out)
{
    *out = NULL;
    if (!c->impl)
        return comrt_error_set(E_UNEXPECTED, "IConnectionPointContainer::EnumConnectionPoints: the container is "
                                             "not initialized");
    return ep_new(c, 0, out);
}
