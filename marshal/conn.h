/*
 * conn.h - a connection between two comrt processes (internal).
 *
 * Connections are symmetric: either side may send requests. Messages are
 * msgpack arrays in frames (docs/PROTOCOL.md); the first element is the
 * message type. This layer handles the handshake, call ids and replies;
 * every other message goes to the owner's handler.
 *
 * Waiting for a reply (the whole cost of a call, see design.md): the
 * calling thread reads the socket itself whenever no other thread is
 * reading it, so a reply wakes exactly the thread that needs it (the pool
 * stops watching the socket meanwhile). When no caller waits, the worker
 * pool watches the socket (epoll, edge-triggered) and
 * the worker that reads a request executes it itself (leader/follower):
 * no thread hands a message to another on the synchronous path.
 */
#ifndef COMRT_CONN_H
#define COMRT_CONN_H

#include <msgpack.h>
#include <stdint.h>

#include "transport.h"

#define COMRT_PROTOCOL_MAJOR 1
#define COMRT_PROTOCOL_MINOR 1

/* Message types: element 0 of every message after the handshake. */
enum comrt_msg_type {
    COMRT_MSG_REQUEST = 0, /* [0, call_id, oid, iid, slot, flags, args] */
    COMRT_MSG_REPLY = 1,   /* [1, call_id, hresult, outs] */
    COMRT_MSG_RELEASE = 2, /* [2, [[oid, count]...]] */
};

typedef struct comrt_conn comrt_conn;
struct comrt_reply_sink; /* bulkread.h */

/* A received message: the frame and its unpacked form (which points into
 * the frame). Freed with comrt_msg_free. */
typedef struct comrt_msg {
    char *frame;
    size_t len;
    msgpack_unpacked up;
    const msgpack_object *items; /* the top-level array's elements */
    uint32_t nitems;
} comrt_msg;

void comrt_msg_free(comrt_msg *m);

/*
 * Handler for messages that are not replies. Runs on a pool worker or on a
 * thread waiting for its own reply on this connection; may block and may
 * make calls (also on this connection). Takes ownership of msg.
 */
typedef void (*comrt_conn_handler)(comrt_conn *c, comrt_msg *msg, void *ctx);
/* Called once when the connection is lost (from any thread). */
typedef void (*comrt_conn_closed)(comrt_conn *c, void *ctx);

typedef struct comrt_conn_owner {
    comrt_conn_handler on_message;
    comrt_conn_closed on_closed;
    void *ctx;
} comrt_conn_owner;

/* The peer's identity, learned in the handshake. */
typedef struct comrt_conn_peer {
    GUID oxid;             /* the peer's exporter id */
    uint32_t pid;          /* as the peer says */
    comrt_peer_cred cred;  /* as the kernel says (unix transport) */
} comrt_conn_peer;

/*
 * comrt_conn_open - runs the handshake on s (which it then owns, success or
 * not) announcing our_oxid, registers the connection with the worker pool
 * and returns it with one reference. RPC_E_VERSION_MISMATCH-like refusals
 * give RPC_E_INVALID_DATAPACKET with the reason; RPC_E_DISCONNECTED if the
 * peer goes away. Bounded by timeout_ms.
 */
HRESULT comrt_conn_open(comrt_stream *s, REFGUID our_oxid, const comrt_conn_owner *owner, int timeout_ms,
                        comrt_conn **out);

/*
 * comrt_conn_open_loopback - a connection from this process to itself, for
 * calls between its apartments: no socket; a frame sent is handed to the
 * owner's handler (a request) or to its waiter (a reply) on the sending
 * thread. The peer is this process (our_oxid). Never closes.
 */
HRESULT comrt_conn_open_loopback(REFGUID our_oxid, const comrt_conn_owner *owner, comrt_conn **out);
int comrt_conn_is_loopback(const comrt_conn *c);

void comrt_conn_ref(comrt_conn *c);
void comrt_conn_unref(comrt_conn *c);

const comrt_conn_peer *comrt_conn_peer_info(const comrt_conn *c);

/* comrt_conn_next_call_id - a fresh call id for a request to be sent. */
uint32_t comrt_conn_next_call_id(comrt_conn *c);

/*
 * comrt_conn_call - sends a request frame (packed with call_id) and waits
 * for the reply with that id, which is handed over in *reply.
 * RPC_E_DISCONNECTED if the connection is or becomes lost.
 */
HRESULT comrt_conn_call(comrt_conn *c, uint32_t call_id, const void *frame, size_t len, comrt_msg *reply);

/*
 * comrt_conn_call_iov - the same with the request body in pieces (iobuf.h).
 * sink (may be NULL; bulkread.h): where the reply's large [out] array may
 * be received directly; the reply's bin then points into sink->dest.
 */
HRESULT comrt_conn_call_iov(comrt_conn *c, uint32_t call_id, const struct iovec *body, int n, size_t total,
                            const struct comrt_reply_sink *sink, comrt_msg *reply);

/* comrt_conn_send_iov - sends a frame in pieces that expects no reply. */
HRESULT comrt_conn_send_iov(comrt_conn *c, const struct iovec *body, int n, size_t total);

/* comrt_conn_send - sends a frame that expects no reply (a reply, a release). */
HRESULT comrt_conn_send(comrt_conn *c, const void *frame, size_t len);

/* comrt_conn_close - drops the connection now (calls in flight fail). */
void comrt_conn_close(comrt_conn *c);
int comrt_conn_is_closed(comrt_conn *c);

#endif /* COMRT_CONN_H */
