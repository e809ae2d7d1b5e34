/*
 * orpc.h - objects across processes (internal): this process's exporter
 * identity, exported objects (stub side), imported objects (proxy side),
 * and the well-known requests. See docs/PROTOCOL.md.
 *
 * Identity. Every process that exports an object has an OXID (a random
 * GUID) and a listening endpoint; each exported object has an OID, unique
 * and never reused within its exporter. An interface reference on the wire
 * (an OBJREF) names all three plus the IID, so a pointer sent back home
 * unmarshals to the original object and a pointer sent to a third process
 * can be reached there.
 *
 * Lifetime. An exporter counts, per connection, how many references it has
 * handed to that peer; the peer returns them in batches (RELEASE) when its
 * proxy manager dies, and all of them at once when the connection is lost.
 */
#ifndef COMRT_ORPC_H
#define COMRT_ORPC_H

#include <msgpack.h>

#include "comrt/typelib.h"
#include "conn.h"

/* OID 0 is the activator of every exporter: REQUEST [0, id, 0, iid, slot, flags, ins]. */
#define COMRT_OID_ACTIVATOR 0
#define COMRT_ACT_GET_CLASS_OBJECT 1 /* ins [clsid(bin16), iid(bin16)] -> outs [objref] */
#define COMRT_ACT_CREATE_INSTANCE 2  /* ins [clsid(bin16), iid(bin16)] -> outs [objref] */
/* Marshal packets (packet.c) held by this process, redeemed by a peer:
 * CLAIM turns the packet's reference into one counted for the peer
 * (consuming a NORMAL packet); RELEASE gives it back (CoReleaseMarshalData). */
#define COMRT_ACT_CLAIM_PACKET 3   /* ins [packet_id] -> outs [] */
#define COMRT_ACT_RELEASE_PACKET 4 /* ins [packet_id] -> outs [] */
/* Slot 0 of any object is QueryInterface: ins [iid] -> outs [objref]. */
#define COMRT_SLOT_QUERYINTERFACE 0

/* The process as an exporter (oxid.c) ------------------------------------ */

/* This process's OXID (made on first use). */
const GUID *comrt_orpc_oxid(void);

/*
 * comrt_orpc_endpoint - the address this process listens on (starting the
 * listener on first use), e.g. "unix:/run/user/1000/comrt/{OXID}.sock".
 * Borrowed, static for the process's life.
 */
HRESULT comrt_orpc_endpoint(const char **address);

/*
 * comrt_orpc_connect - a connection to the exporter at address, reusing an
 * open one to the same OXID when known (expect_oxid may be NULL). Returns a
 * new reference.
 */
HRESULT comrt_orpc_connect(const char *address, const GUID *expect_oxid, comrt_conn **out);

/*
 * comrt_orpc_loopback - the connection from this process to itself, which
 * carries calls between its apartments (conn.h). Returns a new reference.
 */
HRESULT comrt_orpc_loopback(comrt_conn **out);

/*
 * comrt_activator_call - a request to the activator (OID 0) of c's peer:
 * slot what, ins the packed argument array. On success *reply holds the
 * reply (outs in items[3], an array); on failure it is freed and error
 * information names the peer's reason.
 */
HRESULT comrt_activator_call(comrt_conn *c, uint32_t what, const msgpack_sbuffer *ins, comrt_msg *reply);

/* The owner (message handler) of every comrt connection. */
extern const comrt_conn_owner comrt_orpc_owner;

/* Exported objects (exporter.c) --------------------------------------------- */

/*
 * comrt_export_marshal - packs an OBJREF [oxid, oid, iid, address] for p
 * as seen through iid, to be sent over c: the object is entered in the
 * export table (by its IUnknown identity) and one reference is counted for
 * c's peer. NULL packs nil.
 */
HRESULT comrt_export_marshal(comrt_conn *c, msgpack_packer *pk, IUnknown *p, REFIID iid);

/* comrt_export_lookup - the exported object oid as iid, AddRef'd (for a reference coming home). */
HRESULT comrt_export_lookup(uint64_t oid, REFIID iid, void **ppv);

/* Handles RELEASE [2, [[oid, count]...]] from c's peer. */
void comrt_export_release(comrt_conn *c, const comrt_msg *msg);
/* The peer of c is gone: drops every reference it held. */
void comrt_export_conn_lost(comrt_conn *c);

/*
 * In-process holds: something in this process other than a peer keeps an
 * object exported (today the marshal packets, which count their own holds:
 * one per packet on an object of ours, packet.c). Unlike the last
 * CoLockObjectExternal unlock, the last hold given back never drops the
 * peers' references; CoDisconnectObject leaves holds (and locks) alone.
 *
 * comrt_export_hold - enters identity (its reference consumed, also on
 * failure) in the table, in the calling thread's apartment, with one more
 * hold; *oid is its OID.
 */
HRESULT comrt_export_hold(IUnknown *identity, uint64_t *oid);
/* Gives back one hold on oid; the object leaves the table if nothing else keeps it. */
void comrt_export_unhold(uint64_t oid);

/* Incoming calls (stub.c, routed by exporter.c) ------------------------------- */

/* Handles a REQUEST on c addressed to an exported object or the activator. Takes msg. */
void comrt_export_dispatch(comrt_conn *c, comrt_msg *msg);

/* An entry of the export table, pinned by a call on its way to the object's apartment. */
struct comrt_exported;
struct comrt_apartment;

/* 1 if a call for an object of apartment a runs on the calling thread (it
 * is in a, or both are the MTA); else it is posted to a. */
int comrt_export_runs_here(const struct comrt_apartment *a);

/*
 * comrt_export_route - the one lookup of an incoming call's target oid
 * from c's peer, which must hold a reference to it (unless !require_ref:
 * QueryInterface). When the call runs here (comrt_export_runs_here),
 * *identity is the object, AddRef'd; else *identity is NULL, *pin the
 * entry, pinned, and *apt its apartment (referenced) to post the call to.
 * RPC_E_DISCONNECTED (the object was disconnected or released by everyone)
 * or CO_E_OBJNOTCONNECTED (never exported to this peer), with error
 * information, when the peer may not call it.
 */
HRESULT comrt_export_route(comrt_conn *c, uint64_t oid, int require_ref, IUnknown **identity,
                           struct comrt_exported **pin, struct comrt_apartment **apt);
/*
 * comrt_export_unpin - releases a pin. With identity, in the object's
 * apartment when the call runs: *identity is the object, AddRef'd, if c's
 * peer may still call it (the route's errors otherwise: it may have been
 * disconnected while the call was queued). identity NULL: the call will
 * not run.
 */
HRESULT comrt_export_unpin(struct comrt_exported *pin, comrt_conn *c, int require_ref, IUnknown **identity);

/* Marshal packets (packet.c) -------------------------------------------------- */

/* Packs a packet for p as iid (see comrt/objidl.h). */
HRESULT comrt_packet_marshal(IUnknown *p, REFIID iid, DWORD mshlflags, msgpack_packer *pk);
/* Turns the packet in buf into a pointer for iid; *used: its length. */
HRESULT comrt_packet_unmarshal(const char *buf, size_t len, REFIID iid, void **ppv, size_t *used);
/* Releases the packet in buf; *used: its length. */
HRESULT comrt_packet_release_bytes(const char *buf, size_t len, size_t *used);
/* A peer on c (NULL: a release) redeems our packet id. */
HRESULT comrt_packet_redeem(uint64_t id, comrt_conn *c);

/* 1 if our object oid lives in the calling thread's apartment (a reference
 * coming home unmarshals to the object itself only then; else to a proxy). */
int comrt_export_in_current_apartment(uint64_t oid);
/* One reference on oid counted for from (NULL: none, e.g. a marshal packet's
 * hold redeemed by to's peer) is counted for to instead. */
HRESULT comrt_export_move_ref(comrt_conn *from, comrt_conn *to, uint64_t oid);

/* comrt_export_drop_ref - one reference counted for c on oid comes back
 * (inside a reference that came home). */
void comrt_export_drop_ref(comrt_conn *c, uint64_t oid);

/* The STA a is ending: its objects are disconnected and released (on its thread). */
void comrt_export_apartment_gone(struct comrt_apartment *a);

/* comrt_export_activations - activation requests this process has served
 * (a server's clients can come and go between two looks at the count above). */
unsigned long comrt_export_activations(void);

/* comrt_export_count - objects exported now (for tests and CoDisconnectObject). */
size_t comrt_export_count(void);

/* Imported objects (importer.c) ------------------------------------------- */

/*
 * comrt_import_unmarshal - turns an OBJREF (received on c) into an AddRef'd
 * pointer for iid: the original object if it lives here, else a proxy from
 * the (one) proxy manager of that object, which takes over the reference
 * the OBJREF carries. nil gives NULL and S_OK.
 */
HRESULT comrt_import_unmarshal(comrt_conn *c, const msgpack_object *o, REFIID iid, void **ppv);

/*
 * comrt_import_objref_of - if identity is a proxy manager's IUnknown, the
 * reference it stands for (its exporter's OXID, the OID and the exporter's
 * endpoint, borrowed while identity lives) and 1; else 0. Marshaling a
 * proxy passes the original reference on, never a proxy of a proxy.
 */
int comrt_import_objref_of(IUnknown *identity, GUID *oxid, uint64_t *oid, const char **address);

/*
 * comrt_import_transfer_ref - before a proxy's reference is sent back to
 * its owner: gets one more reference from the owner (counted for the
 * proxy's connection) that travels inside the OBJREF, so the object cannot
 * die while the reference is on its way; the owner drops it on receipt.
 */
HRESULT comrt_import_transfer_ref(IUnknown *identity);

/* The connection c was lost: every proxy on it fails fast from now on. */
void comrt_import_conn_lost(comrt_conn *c);

/* Type information (typeinfo.c) --------------------------------------------- */

/*
 * comrt_marshal_interface_info - the description of iid, from the runtime's
 * own interfaces or a registered type library (Interface\{iid}\TypeLib).
 * Borrowed; cached for the process's life. REGDB_E_IIDNOTREG /
 * TYPE_E_LIBNOTREGISTERED with error information when it cannot be found.
 */
HRESULT comrt_marshal_interface_info(REFIID iid, const comrt_tl_interface **out);

/*
 * comrt_outs_on_failure - 1 for the methods whose [out] values matter when
 * they fail: IDispatch::GetIDsOfNames (which names were unknown) and
 * IDispatch::Invoke (EXCEPINFO, puArgErr), as COM's own IDispatch
 * marshaling returns them. Everything else follows COM's rule for
 * generated stubs: on failure, outs are zeroed and not sent.
 */
int comrt_outs_on_failure(const comrt_tl_method *m);

/* Wire helpers (orpc_util.c) ------------------------------------------------ */

void comrt_pack_guid(msgpack_packer *pk, REFGUID g);
/* 0 if o is a 16-byte bin, filling g. */
int comrt_unpack_guid(const msgpack_object *o, GUID *g);

#endif /* COMRT_ORPC_H */
