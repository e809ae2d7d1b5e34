/*
 * packet.c - marshal packets: explicit marshaling of an interface pointer
 * into bytes that another apartment or process turns back into a pointer
 * (comrt/objidl.h; the format is in docs/PROTOCOL.md).
 *
 * A packet is ["comrt-objref", 1, flags, id, owner_oxid, owner_address,
 * objref]. The owner is the process that made it and holds one reference
 * for it: on its own object (counted as a packet hold in the export table)
 * or, for a proxy, on the proxy manager. Whoever unmarshals the packet
 * gets a reference of its own first and then redeems the packet with the
 * owner (consuming a NORMAL one), so the object never lacks a reference on
 * the way. Packet ids are random: a peer cannot guess another's packet.
 *
 * Holds: each packet on an object of ours is one hold on its export-table
 * entry (comrt_export_hold), given back when the packet is consumed (a
 * NORMAL packet unmarshaled or claimed) or released; a TABLESTRONG packet
 * keeps its hold until CoReleaseMarshalData.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../runtime/internal.h"
#include "idmap.h"
#include "msgcheck.h"
#include "orpc.h"

#define PACKET_TAG "comrt-objref"
#define PACKET_VERSION 1

struct packet {
    uint64_t id;
    uint64_t oid;     /* our object's OID (a hold on it), or 0 for a proxy's packet */
    IUnknown *proxy;  /* a proxy manager's identity (referenced) when oid is 0 */
    DWORD flags;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static comrt_idmap packets = COMRT_IDMAP_INIT; /* id -> struct packet (owned) */

static uint64_t random_id(void)
{
    GUID g;
    uint64_t id = 0;
    while (!id) {
        if (FAILED(CoCreateGuid(&g)))
            return 0;
        memcpy(&id, g.Data4, sizeof id);
    }
    return id;
}

/* Enters p, with a fresh random id in p->id. */
static HRESULT remember(struct packet *p)
{
    struct packet *copy = malloc(sizeof *copy);
    if (!copy)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a marshal packet");
    pthread_mutex_lock(&lock);
    do {
        p->id = random_id();
    } while (p->id && comrt_idmap_get(&packets, p->id)); /* 2^-64 odds, but an id names one packet */
    *copy = *p;
    int failed = !p->id || comrt_idmap_put(&packets, p->id, copy);
    pthread_mutex_unlock(&lock);
    if (failed) {
        free(copy);
        return p->id ? comrt_error_set(E_OUTOFMEMORY, "out of memory for a marshal packet")
                     : comrt_error_set(E_FAIL, "no randomness for a marshal packet id");
    }
    return S_OK;
}

/* Takes packet id out of the table (a NORMAL one) or copies it (a table
 * one, unless release). CO_E_OBJNOTCONNECTED if it is not (or no longer) here. */
static HRESULT take(uint64_t id, int release, struct packet *out, int *consumed)
{
    pthread_mutex_lock(&lock);
    struct packet *p = comrt_idmap_get(&packets, id);
    if (!p) {
        pthread_mutex_unlock(&lock);
        return comrt_error_set(CO_E_OBJNOTCONNECTED, "the marshal packet was already unmarshaled or released");
    }
    *out = *p;
    *consumed = release || p->flags == MSHLFLAGS_NORMAL;
    if (*consumed) {
        comrt_idmap_remove(&packets, id);
        free(p);
    } else if (out->proxy) {
        IUnknown_AddRef(out->proxy); /* the table keeps its own */
    }
    pthread_mutex_unlock(&lock);
    return S_OK;
}

/* The hold of a packet on our object oid is used: a reference is counted
 * for c's peer (if c), and with consume the hold goes. */
static HRESULT use_hold(uint64_t oid, comrt_conn *c, int consume)
{
    HRESULT hr = c ? comrt_export_move_ref(NULL, c, oid) : S_OK;
    if (consume)
        comrt_export_unhold(oid);
    return hr;
}

HRESULT comrt_packet_marshal(IUnknown *p, REFIID iid, DWORD mshlflags, msgpack_packer *pk)
{
    struct packet pkt = {.flags = mshlflags};
    IUnknown *identity = NULL, *check = NULL;
    const char *self_address, *address;
    GUID oxid;
    uint64_t oid;
    HRESULT hr;

    if (mshlflags != MSHLFLAGS_NORMAL && mshlflags != MSHLFLAGS_TABLESTRONG)
        return comrt_error_set(E_NOTIMPL, "marshal flags 0x%x: only MSHLFLAGS_NORMAL and MSHLFLAGS_TABLESTRONG "
                                          "are supported", (unsigned)mshlflags);
    hr = comrt_orpc_endpoint(&self_address);
    if (FAILED(hr))
        return hr;
    if (FAILED(IUnknown_QueryInterface(p, &IID_IUnknown, (void **)&identity)))
        return comrt_error_set(E_NOINTERFACE, "an object being marshaled does not answer IUnknown");
    if (FAILED(IUnknown_QueryInterface(p, iid, (void **)&check))) {
        IUnknown_Release(identity);
        return comrt_error_set(E_NOINTERFACE, "an object being marshaled does not support the interface");
    }
    IUnknown_Release(check);
    if (comrt_import_objref_of(identity, &oxid, &oid, &address)) {
        pkt.proxy = identity; /* the packet's hold */
    } else {
        hr = comrt_export_hold(identity, &oid); /* takes identity */
        if (FAILED(hr))
            return hr;
        oxid = *comrt_orpc_oxid();
        address = self_address;
        pkt.oid = oid;
    }
    hr = remember(&pkt);
    if (FAILED(hr)) {
        if (pkt.proxy)
            IUnknown_Release(pkt.proxy);
        else
            comrt_export_unhold(oid);
        return hr;
    }
    msgpack_pack_array(pk, 7);
    msgpack_pack_str_with_body(pk, PACKET_TAG, strlen(PACKET_TAG));
    msgpack_pack_uint32(pk, PACKET_VERSION);
    msgpack_pack_uint32(pk, mshlflags);
    msgpack_pack_uint64(pk, pkt.id);
    comrt_pack_guid(pk, comrt_orpc_oxid());
    msgpack_pack_str_with_body(pk, self_address, strlen(self_address));
    msgpack_pack_array(pk, 4);
    comrt_pack_guid(pk, &oxid);
    msgpack_pack_uint64(pk, oid);
    comrt_pack_guid(pk, iid);
    msgpack_pack_str_with_body(pk, address, strlen(address));
    return S_OK;
}

HRESULT comrt_packet_redeem(uint64_t id, comrt_conn *c)
{
    struct packet p;
    int consumed;
    HRESULT hr = take(id, c == NULL, &p, &consumed);
    if (FAILED(hr))
        return hr;
    if (p.oid) {
        hr = use_hold(p.oid, c, consumed);
    } else if (p.proxy) {
        /* A peer redeeming a proxy's packet already got its own reference
         * from the object's exporter; ours just goes. */
        IUnknown_Release(p.proxy);
    }
    return hr;
}

/* A parsed packet; objref points into the caller's buffer. */
struct parsed {
    DWORD flags;
    uint64_t id;
    GUID owner;
    char owner_address[4097];
    const msgpack_object *objref;
    GUID oxid;
};

static HRESULT parse(const char *buf, size_t len, msgpack_unpacked *up, struct parsed *p, size_t *used)
{
    size_t off = 0, plen = 0;
    const msgpack_object *a;
    *used = 0;
    /* Only the packet's own bytes are unpacked: more may follow it in a stream. */
    if (!buf || !len || !comrt_msgpack_plausible_prefix(buf, len, &plen) ||
        msgpack_unpack_next(up, buf, plen, &off) != MSGPACK_UNPACK_SUCCESS)
        return comrt_error_set(RPC_E_INVALID_OBJREF, "not a marshal packet (not msgpack)");
    a = up->data.via.array.ptr;
    if (up->data.type != MSGPACK_OBJECT_ARRAY || up->data.via.array.size != 7 || a[0].type != MSGPACK_OBJECT_STR ||
        a[0].via.str.size != strlen(PACKET_TAG) || memcmp(a[0].via.str.ptr, PACKET_TAG, a[0].via.str.size) ||
        a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        a[3].type != MSGPACK_OBJECT_POSITIVE_INTEGER || comrt_unpack_guid(&a[4], &p->owner) ||
        a[5].type != MSGPACK_OBJECT_STR || a[5].via.str.size == 0 || a[5].via.str.size >= sizeof p->owner_address ||
        a[6].type != MSGPACK_OBJECT_ARRAY || a[6].via.array.size != 4 ||
        comrt_unpack_guid(&a[6].via.array.ptr[0], &p->oxid))
        return comrt_error_set(RPC_E_INVALID_OBJREF, "not a comrt marshal packet");
    if (a[1].via.u64 != PACKET_VERSION)
        return comrt_error_set(RPC_E_INVALID_OBJREF, "marshal packet version %llu; this runtime reads %d",
                               (unsigned long long)a[1].via.u64, PACKET_VERSION);
    p->flags = (DWORD)a[2].via.u64;
    p->id = a[3].via.u64;
    memcpy(p->owner_address, a[5].via.str.ptr, a[5].via.str.size);
    p->owner_address[a[5].via.str.size] = '\0';
    p->objref = &a[6];
    *used = off;
    return S_OK;
}

/* Redeems packet p with its owner, another process, over a connection to it. */
static HRESULT redeem_remote(const struct parsed *p, uint32_t slot, comrt_conn **owner_conn)
{
    msgpack_sbuffer ins;
    msgpack_packer pk;
    comrt_msg reply;
    comrt_conn *c = NULL;
    HRESULT hr = comrt_orpc_connect(p->owner_address, &p->owner, &c);
    if (FAILED(hr))
        return hr;
    msgpack_sbuffer_init(&ins);
    msgpack_packer_init(&pk, &ins, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 1);
    msgpack_pack_uint64(&pk, p->id);
    hr = comrt_activator_call(c, slot, &ins, &reply);
    msgpack_sbuffer_destroy(&ins);
    if (SUCCEEDED(hr))
        comrt_msg_free(&reply);
    if (SUCCEEDED(hr) && owner_conn)
        *owner_conn = c;
    else
        comrt_conn_unref(c);
    return hr;
}

HRESULT comrt_packet_unmarshal(const char *buf, size_t len, REFIID iid, void **ppv, size_t *used)
{
    msgpack_unpacked up;
    struct parsed p;
    HRESULT hr;

    *ppv = NULL;
    msgpack_unpacked_init(&up);
    hr = parse(buf, len, &up, &p, used);
    if (FAILED(hr))
        goto out;
    if (IsEqualGUID(&p.owner, comrt_orpc_oxid())) {
        struct packet pk;
        int consumed;
        comrt_conn *loop = NULL;
        hr = take(p.id, 0, &pk, &consumed);
        if (FAILED(hr))
            goto out;
        if (pk.oid && comrt_export_in_current_apartment(pk.oid)) {
            hr = comrt_export_lookup(pk.oid, iid, ppv);
            use_hold(pk.oid, NULL, consumed);
        } else if (pk.oid) {
            /* Another apartment's object: a proxy over the loopback
             * connection, which the packet's hold is handed to. */
            hr = comrt_orpc_loopback(&loop);
            if (SUCCEEDED(hr))
                hr = use_hold(pk.oid, loop, consumed);
            if (SUCCEEDED(hr))
                hr = comrt_import_unmarshal(loop, p.objref, iid, ppv);
            comrt_conn_unref(loop);
        } else {
            /* A proxy's packet: this apartment's own proxy (a reference of its own). */
            hr = comrt_import_unmarshal(NULL, p.objref, iid, ppv);
            IUnknown_Release(pk.proxy);
        }
        goto out;
    }
    if (IsEqualGUID(&p.oxid, &p.owner)) {
        /* The owner's own object: claiming the packet makes its reference ours. */
        comrt_conn *c = NULL;
        hr = redeem_remote(&p, COMRT_ACT_CLAIM_PACKET, &c);
        if (SUCCEEDED(hr)) {
            hr = comrt_import_unmarshal(c, p.objref, iid, ppv);
            comrt_conn_unref(c);
        }
        goto out;
    }
    /* The owner passed on a reference to a third process's object (or ours):
     * get our own from the object's exporter, then let the owner's go. */
    hr = comrt_import_unmarshal(NULL, p.objref, iid, ppv);
    if (SUCCEEDED(hr) && p.flags == MSHLFLAGS_NORMAL)
        redeem_remote(&p, COMRT_ACT_RELEASE_PACKET, NULL); /* if the owner is gone, so is its hold */
out:
    msgpack_unpacked_destroy(&up);
    return hr;
}

HRESULT comrt_packet_release_bytes(const char *buf, size_t len, size_t *used)
{
    msgpack_unpacked up;
    struct parsed p;
    HRESULT hr;

    msgpack_unpacked_init(&up);
    hr = parse(buf, len, &up, &p, used);
    if (SUCCEEDED(hr))
        hr = IsEqualGUID(&p.owner, comrt_orpc_oxid()) ? comrt_packet_redeem(p.id, NULL)
                                                        : redeem_remote(&p, COMRT_ACT_RELEASE_PACKET, NULL);
    msgpack_unpacked_destroy(&up);
    return hr;
}
