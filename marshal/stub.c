/*
 * stub.c - incoming calls (REQUEST messages) on this process's exported
 * objects and its activator (OID 0): the header checked, the call run in
 * its object's apartment, and the reply. A method runs with ffi_call over
 * parameters decoded from the interface's type information (params*.c).
 *
 * The target is looked up once (comrt_export_route, exporter.c): a call
 * for another apartment is posted there with the entry it found pinned,
 * and turned into the object only when it runs (the object may have been
 * disconnected meanwhile).
 */
#include <ffi.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "iobuf.h"
#include "log.h"
#include "orpc.h"
#include "params.h"

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

/* Answers a request that will not run with hr (whose error information
 * this thread holds) and frees it. */
static void refuse(comrt_conn *c, comrt_msg *m, HRESULT hr)
{
    send_reply(c, (uint32_t)m->items[1].via.u64, hr, NULL, 0);
    comrt_msg_free(m);
}

/* Runs a request whose header comrt_export_dispatch checked, on this thread,
 * in the target's apartment. identity: the object, AddRef'd (released
 * here), or NULL for the activator. Takes m. */
static void execute(comrt_conn *c, comrt_msg *m, IUnknown *identity)
{
    const msgpack_object *it = m->items;
    uint32_t slot = (uint32_t)it[4].via.u64;
    comrt_call_frame *frame = NULL;
    int failure_outs = 0;
    comrt_iobuf outs;
    msgpack_packer pk;
    IID iid;
    HRESULT hr;

    comrt_unpack_guid(&it[3], &iid); /* checked */
    comrt_iobuf_init(&outs);
    msgpack_packer_init(&pk, &outs, comrt_iobuf_write);
    if (!identity) {
        hr = activate(c, slot, &it[6], &pk);
    } else {
        if (slot == COMRT_SLOT_QUERYINTERFACE)
            hr = remote_qi(c, identity, &it[6], &pk);
        else
            hr = invoke(c, identity, &iid, slot, &it[6], &pk, &frame, &failure_outs);
        IUnknown_Release(identity);
    }
    send_reply(c, (uint32_t)it[1].via.u64, hr, &outs, failure_outs);
    comrt_iobuf_destroy(&outs);
    comrt_call_frame_free(frame); /* NULL is a no-op */
    comrt_msg_free(m);
}

static void run_with_causality(comrt_conn *c, comrt_msg *m, const GUID *cause, IUnknown *identity)
{
    GUID saved;
    int had;
    comrt_causality_set(cause, &saved, &had);
    execute(c, m, identity);
    comrt_causality_restore(&saved, had);
}

/* Routing: a call runs in its object's apartment --------------------------- */

struct posted_call {
    comrt_apt_work work;
    comrt_conn *conn; /* referenced */
    comrt_msg msg;
    struct comrt_exported *pin; /* the target found on arrival; NULL for the activator */
    int has_cause;
};

static void posted_run(comrt_apt_work *w)
{
    struct posted_call *p = (struct posted_call *)w;
    IUnknown *identity = NULL;
    HRESULT hr = S_OK;
    if (p->pin)
        hr = comrt_export_unpin(p->pin, p->conn, p->work.slot != COMRT_SLOT_QUERYINTERFACE, &identity);
    if (SUCCEEDED(hr))
        run_with_causality(p->conn, &p->msg, p->has_cause ? &p->work.causality : NULL, identity);
    else
        refuse(p->conn, &p->msg, hr);
    comrt_conn_unref(p->conn);
    free(p);
}

static void posted_cancel(comrt_apt_work *w, HRESULT why)
{
    struct posted_call *p = (struct posted_call *)w;
    if (p->pin)
        comrt_export_unpin(p->pin, NULL, 0, NULL);
    if (why == RPC_E_DISCONNECTED)
        comrt_error_set(why, "the apartment of the object has ended");
    else
        comrt_error_set(why, "the called apartment's message filter refused the call");
    refuse(p->conn, &p->msg, why);
    comrt_conn_unref(p->conn);
    free(p);
}

/* Queues m for apartment target (referenced, released here); pin: the
 * target object's entry (taken), NULL for the activator. Takes m. */
static void post(comrt_conn *c, comrt_msg *m, comrt_apartment *target, struct comrt_exported *pin,
                 const GUID *cause)
{
    struct posted_call *p = calloc(1, sizeof *p);
    if (!p) {
        comrt_apartment_unref(target);
        if (pin)
            comrt_export_unpin(pin, NULL, 0, NULL);
        /* Never run in the wrong apartment: an STA object may rely on its thread. */
        refuse(c, m, comrt_error_set(E_OUTOFMEMORY, "out of memory queuing a call for its apartment"));
        return;
    }
    p->work.run = posted_run;
    p->work.cancel = posted_cancel;
    p->work.is_call = 1;
    if (cause)
        p->work.causality = *cause;
    p->has_cause = cause != NULL;
    comrt_unpack_guid(&m->items[3], &p->work.iid);
    p->work.slot = (uint32_t)m->items[4].via.u64;
    p->conn = c;
    comrt_conn_ref(c);
    p->pin = pin;
    p->msg = *m;
    memset(m, 0, sizeof *m);
    if (FAILED(comrt_apartment_post(target, &p->work)))
        posted_cancel(&p->work, RPC_E_DISCONNECTED);
    comrt_apartment_unref(target);
}

/* The activator's calls run in the apartment that registered the class. */
static void dispatch_activator(comrt_conn *c, comrt_msg *m, const GUID *cause)
{
    const msgpack_object *ins = &m->items[6];
    comrt_apartment *target = NULL;
    CLSID clsid;
    if (ins->via.array.size >= 1 && !comrt_unpack_guid(&ins->via.array.ptr[0], &clsid))
        target = comrt_classobj_apartment(&clsid);
    /* Packet requests and classes nobody registered: the MTA answers. */
    if (!target)
        target = comrt_apartment_mta(); /* unref is a no-op on it */
    if (comrt_export_runs_here(target)) {
        comrt_apartment_unref(target);
        run_with_causality(c, m, cause, NULL);
        return;
    }
    post(c, m, target, NULL, cause);
}

void comrt_export_dispatch(comrt_conn *c, comrt_msg *m)
{
    const msgpack_object *it = m->items;
    IUnknown *identity;
    struct comrt_exported *pin;
    comrt_apartment *target;
    GUID cause, iid;

    /* [0, id, oid, iid, slot, flags, ins, causality?]: without a call id nobody can be answered */
    if (m->nitems < 2 || it[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[1].via.u64 > UINT32_MAX) {
        comrt_log_warning("malformed request from pid %u: closing the connection",
                          (unsigned)comrt_conn_peer_info(c)->cred.pid);
        comrt_msg_free(m);
        comrt_conn_close(c);
        return;
    }
    if (m->nitems != 7 && m->nitems != 8) {
        refuse(c, m, comrt_error_set(RPC_E_INVALID_DATA, "a request has %u elements instead of 7 or 8",
                                     (unsigned)m->nitems));
        return;
    }
    if (it[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || comrt_unpack_guid(&it[3], &iid) ||
        it[4].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[4].via.u64 > UINT32_MAX ||
        it[6].type != MSGPACK_OBJECT_ARRAY) {
        refuse(c, m, comrt_error_set(RPC_E_INVALID_DATA, "malformed request header"));
        return;
    }
    const GUID *cause_of = m->nitems == 8 && !comrt_unpack_guid(&it[7], &cause) ? &cause : NULL;
    uint64_t oid = it[2].via.u64;
    if (oid == COMRT_OID_ACTIVATOR) {
        dispatch_activator(c, m, cause_of);
        return;
    }
    /* QueryInterface is how a process handed a reference by a third party
     * gets one of its own: it needs only that the object exists. */
    int require_ref = it[4].via.u64 != COMRT_SLOT_QUERYINTERFACE;
    HRESULT hr = comrt_export_route(c, oid, require_ref, &identity, &pin, &target);
    if (FAILED(hr))
        refuse(c, m, hr);
    else if (identity)
        run_with_causality(c, m, cause_of, identity);
    else
        post(c, m, target, pin, cause_of);
}
