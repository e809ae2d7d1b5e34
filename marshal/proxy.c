/*
 * proxy.c - interface proxies: per-IID vtables whose method slots are
 * libffi closures. A closure receives exactly the arguments the caller
 * passed, packs the [in] parameters from type information (params.c),
 * makes the call through the proxy manager and unpacks the [out] ones.
 * The vtables and closures are built once per IID and kept for the life of
 * the process (type information is cached as long).
 */
#include <ffi.h>
#include <stdlib.h>
#include <string.h>

#include "bulkread.h"
#include "iobuf.h"
#include "params.h"
#include "proxy.h"

typedef void (*slot_fn)(void);

struct comrt_iface_proxy {
    const slot_fn *lpVtbl; /* first, as in every interface */
    comrt_proxy_manager *mgr;
    IID iid;
    const comrt_tl_interface *info;
    comrt_iface_proxy *next;
};

struct vtable {
    IID iid;
    const comrt_tl_interface *info;
    slot_fn *slots;
    struct vtable *next;
};

static pthread_mutex_t vt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER; /* one vtable builder at a time */
static struct vtable *vtables;

static HRESULT px_QueryInterface(comrt_iface_proxy *This, REFIID riid, void **ppv)
{
    return comrt_proxy_manager_query(This->mgr, riid, ppv);
}

static ULONG px_AddRef(comrt_iface_proxy *This)
{
    return comrt_proxy_manager_addref(This->mgr);
}

static ULONG px_Release(comrt_iface_proxy *This)
{
    return comrt_proxy_manager_release(This->mgr);
}

/* For methods that cannot cross processes ([local], or a type the codec lacks).
 * Returning HRESULT from a function that ignores its arguments is safe in the
 * SysV x86-64 and AArch64 conventions (the caller owns the stack). */
static HRESULT not_remotable(void)
{
    return E_NOTIMPL;
}

static HRESULT im_marshal(void *ctx, msgpack_packer *pk, IUnknown *p, REFIID iid)
{
    return comrt_export_marshal(ctx, pk, p, iid);
}

static HRESULT im_unmarshal(void *ctx, const msgpack_object *o, REFIID iid, void **ppv)
{
    return comrt_import_unmarshal(ctx, o, iid, ppv);
}

/* The body of every remotable method slot. The request is packed in one
 * gathering buffer: bulk arrays go to the socket from the caller's memory. */
static void px_call(ffi_cif *cif, void *ret, void **args, void *user)
{
    const comrt_tl_method *m = user;
    comrt_iface_proxy *p = *(comrt_iface_proxy **)args[0];
    comrt_itf_marshaler im = {im_marshal, im_unmarshal, p->mgr->conn};
    comrt_iobuf io;
    msgpack_packer pk;
    comrt_msg reply;
    comrt_reply_sink sink;
    uint32_t id;
    HRESULT hr;

    (void)cif;
    comrt_iobuf_init(&io);
    msgpack_packer_init(&pk, &io, comrt_iobuf_write);
    hr = comrt_proxy_manager_begin(p->mgr, &pk, &p->iid, m->slot, &id);
    if (SUCCEEDED(hr))
        hr = comrt_params_pack_in(m, args, &im, &pk);
    int kept = 0;
    if (SUCCEEDED(hr))
        hr = comrt_proxy_manager_finish_keep(p->mgr, id, &io, comrt_params_reply_sink(m, args, &sink) ? &sink : NULL,
                                             &reply, comrt_outs_on_failure(m) ? &kept : NULL);
    comrt_iobuf_destroy(&io);
    if (kept) {
        /* A failed IDispatch call still reports its outs: keep its error object. */
        IErrorInfo *ei = NULL;
        GetErrorInfo(0, &ei);
        if (FAILED(comrt_params_unpack_out(m, args, &reply.items[3], &im))) {
            CoTaskMemFree(comrt_error_take_description());
            comrt_params_zero_out(m, args);
        }
        SetErrorInfo(0, ei);
        if (ei)
            IErrorInfo_Release(ei);
        comrt_msg_free(&reply);
    } else if (SUCCEEDED(hr)) {
        HRESULT uhr = comrt_params_unpack_out(m, args, &reply.items[3], &im);
        if (FAILED(uhr)) {
            comrt_params_zero_out(m, args);
            hr = uhr;
        }
        comrt_msg_free(&reply);
    } else {
        comrt_params_zero_out(m, args);
    }
    *(ffi_sarg *)ret = hr;
}

static slot_fn code_to_fn(void *code)
{
    slot_fn f;
    memcpy(&f, &code, sizeof f);
    return f;
}

static HRESULT build_locked(REFIID iid, struct vtable **out);

static HRESULT build_vtable(REFIID iid, struct vtable **out)
{
    HRESULT hr;

    pthread_mutex_lock(&vt_lock);
    for (struct vtable *v = vtables; v; v = v->next)
        if (IsEqualIID(&v->iid, iid)) {
            pthread_mutex_unlock(&vt_lock);
            *out = v;
            return S_OK;
        }
    pthread_mutex_unlock(&vt_lock);

    /* One builder at a time: threads meeting an interface for the first
     * time together wait for one vtable instead of each making one. */
    pthread_mutex_lock(&build_lock);
    hr = build_locked(iid, out);
    pthread_mutex_unlock(&build_lock);
    return hr;
}

/* build_lock held. */
static HRESULT build_locked(REFIID iid, struct vtable **out)
{
    const comrt_tl_interface *info;
    HRESULT hr;

    pthread_mutex_lock(&vt_lock);
    for (struct vtable *o = vtables; o; o = o->next)
        if (IsEqualIID(&o->iid, iid)) {
            pthread_mutex_unlock(&vt_lock);
            *out = o;
            return S_OK;
        }
    pthread_mutex_unlock(&vt_lock);
    hr = comrt_marshal_interface_info(iid, &info);
    if (FAILED(hr))
        return hr;
    if (info->num_slots < 3 || info->num_slots > 4096)
        return comrt_error_set(TYPE_E_INVDATAREAD, "%s has %u vtable slots", info->name, (unsigned)info->num_slots);
    struct vtable *v = calloc(1, sizeof *v);
    slot_fn *slots = calloc(info->num_slots, sizeof *slots);
    if (!v || !slots) {
        free(v);
        free(slots);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a proxy vtable");
    }
    slots[0] = (slot_fn)px_QueryInterface;
    slots[1] = (slot_fn)px_AddRef;
    slots[2] = (slot_fn)px_Release;
    for (uint32_t s = 3; s < info->num_slots; s++) {
        const comrt_tl_method *m;
        ffi_cif *cif;
        void *code = NULL;
        slots[s] = (slot_fn)not_remotable;
        if (FAILED(comrt_tl_interface_method(info, s, &m)) || (m->flags & COMRT_TL_M_LOCAL) ||
            FAILED(comrt_params_cif(m, &cif))) {
            CoTaskMemFree(comrt_error_take_description());
            continue;
        }
        ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
        if (!cl)
            continue;
        if (ffi_prep_closure_loc(cl, cif, px_call, (void *)m, code) != FFI_OK) {
            ffi_closure_free(cl);
            continue;
        }
        slots[s] = code_to_fn(code);
    }
    v->iid = *iid;
    v->info = info;
    v->slots = slots;
    pthread_mutex_lock(&vt_lock);
    v->next = vtables;
    vtables = v;
    pthread_mutex_unlock(&vt_lock);
    *out = v;
    return S_OK;
}

HRESULT comrt_proxy_find(comrt_proxy_manager *m, REFIID iid, void **ppv)
{
    pthread_mutex_lock(&m->lock);
    for (comrt_iface_proxy *p = m->ifaces; p; p = p->next)
        if (IsEqualIID(&p->iid, iid)) {
            comrt_proxy_manager_addref(m);
            *ppv = p;
            pthread_mutex_unlock(&m->lock);
            return S_OK;
        }
    pthread_mutex_unlock(&m->lock);
    return S_FALSE;
}

HRESULT comrt_proxy_get(comrt_proxy_manager *m, REFIID iid, void **ppv)
{
    struct vtable *v = NULL;
    HRESULT hr;

    *ppv = NULL;
    if (comrt_proxy_find(m, iid, ppv) == S_OK)
        return S_OK;
    hr = build_vtable(iid, &v);
    if (FAILED(hr))
        return hr;
    comrt_iface_proxy *p = calloc(1, sizeof *p);
    if (!p)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a proxy");
    p->lpVtbl = v->slots;
    p->mgr = m;
    p->iid = *iid;
    p->info = v->info;
    pthread_mutex_lock(&m->lock);
    for (comrt_iface_proxy *q = m->ifaces; q; q = q->next)
        if (IsEqualIID(&q->iid, iid)) { /* raced: use the existing one */
            free(p);
            p = q;
            goto found;
        }
    p->next = m->ifaces;
    m->ifaces = p;
found:
    comrt_proxy_manager_addref(m);
    pthread_mutex_unlock(&m->lock);
    *ppv = p;
    return S_OK;
}

void comrt_proxy_free_all(comrt_proxy_manager *m)
{
    comrt_iface_proxy *p = m->ifaces;
    while (p) {
        comrt_iface_proxy *n = p->next;
        free(p);
        p = n;
    }
    m->ifaces = NULL;
}
