/*
 * fanout.h - the clients registered on one board and the delivery of
 * changes to them (server side). RegisterClient feeds it today; a
 * connection point (IConnectionPoint::Advise/Unadvise) is meant to feed the
 * same list through wb_fanout_add/wb_fanout_remove_cookie, so both kinds of
 * subscriber share one queue discipline and one set of limits.
 *
 * Delivery: every subscriber has a FIFO queue and a thread of its own that
 * makes the calls (IScribbleClient::OnStroke/OnClear) one at a time, in
 * order. Publishing only appends to queues, so a caller of AddStroke never
 * waits for any client, and a slow or stopped client delays nobody but
 * itself. A subscriber is removed when it is unregistered, when its owner
 * (the session that registered it) ends, when a call cannot reach it, or
 * when it falls more than limits->queue_events changes (or queue_bytes)
 * behind. Only the subscriber's own thread ever releases its interface
 * pointer, so no thread serving another client can block on a stalled
 * client's connection.
 */
#ifndef WB_FANOUT_H
#define WB_FANOUT_H

#include <stdatomic.h>

#include "server.h"

typedef enum wb_event_kind { WB_EVENT_STROKE, WB_EVENT_CLEAR } wb_event_kind;

/* One change of a board, shared read-only by the board and every queue. */
typedef struct wb_event {
    atomic_ulong refs;
    wb_event_kind kind;
    LONG seq;
    size_t bytes; /* memory the item holds (0 for a clear) */
    VARIANT item; /* WB_EVENT_STROKE: the stored copy, never modified */
} wb_event;

/* wb_event_new - an event with one reference; item is deep-copied. */
HRESULT wb_event_new(wb_event_kind kind, LONG seq, const VARIANT *item, size_t bytes, wb_event **out);
void wb_event_ref(wb_event *e);
void wb_event_unref(wb_event *e); /* NULL is a no-op */

typedef struct wb_fanout wb_fanout;

/* wb_fanout_create - an empty list; name is for the log. lim must outlive it. */
HRESULT wb_fanout_create(const wb_limits *lim, const char *name, wb_fanout **out);

/*
 * wb_fanout_destroy - removes every subscriber, waits up to wait_ms for
 * their threads to finish, and frees the list if they did (1), else leaves
 * it allocated (0: a thread is stuck in a call to a client that does not
 * answer; the process is exiting anyway).
 */
int wb_fanout_destroy(wb_fanout *f, int wait_ms);

/*
 * wb_fanout_add - subscribes sink (AddRef'd; the subscriber's thread
 * releases it) on behalf of owner, an opaque tag (the session), and starts
 * its thread. *cookie (if not NULL) names it for wb_fanout_remove_cookie.
 * E_INVALIDARG if the same object (by IUnknown identity) is subscribed
 * already, CONNECT_E_ADVISELIMIT at limits->max_clients, E_OUTOFMEMORY.
 */
HRESULT wb_fanout_add(wb_fanout *f, IScribbleClient *sink, const void *owner, DWORD *cookie);

/* wb_fanout_remove_sink - unsubscribes the object sink is an interface of.
 * CONNECT_E_NOCONNECTION (nothing changes) if it is not subscribed. */
HRESULT wb_fanout_remove_sink(wb_fanout *f, IUnknown *sink);

/* wb_fanout_remove_cookie - the same by cookie (for IConnectionPoint::Unadvise). */
HRESULT wb_fanout_remove_cookie(wb_fanout *f, DWORD cookie);

/* wb_fanout_remove_owner - unsubscribes everything owner subscribed. */
void wb_fanout_remove_owner(wb_fanout *f, const void *owner);

/*
 * wb_fanout_publish - queues e for every subscriber except those of
 * exclude_owner (a client is not told about its own changes). Never
 * blocks on a client. Callers publish in seq order (board.c holds the
 * board's lock), so every queue is in seq order.
 */
void wb_fanout_publish(wb_fanout *f, wb_event *e, const void *exclude_owner);

/* wb_fanout_count - subscribers now. */
LONG wb_fanout_count(wb_fanout *f);

#endif
