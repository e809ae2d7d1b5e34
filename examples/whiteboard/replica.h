/*
 * replica.h - a client's copy of a board, kept in step with the server by
 * a snapshot (GetStrokes) and the callbacks that follow (client side).
 *
 * Every change of a board has a sequence number. A client registers its
 * callback first and then takes the snapshot, so nothing falls between
 * them; the replica splices the two: callbacks that arrive before the
 * snapshot wait, those with seq <= the snapshot's are already in it, a
 * clear removes what came before it, and the client's own changes (which
 * the server does not echo) are placed by the seq AddStroke returned. Items
 * stay sorted by seq, so every client draws them in the same order.
 *
 * Thread-safe: callbacks may come on any thread (MTA) or from the event
 * loop (STA). The listener runs under the replica's lock and must not call
 * back into the replica.
 */
#ifndef WB_REPLICA_H
#define WB_REPLICA_H

#include "stroke.h"
#include "whiteboard.h"

typedef struct wb_item {
    LONG seq;       /* the change that added it (the snapshot's seq for items it held) */
    VARIANT value;  /* the item as stored on the server */
    HRESULT hr;     /* with decode: S_OK if value is a stroke, else why not ... */
    char *why;      /* ... in words (malloc'ed) */
    wb_stroke stroke;
} wb_item;

typedef enum wb_change_kind {
    WB_CHANGE_LOADED, /* the snapshot is in: every item is new */
    WB_CHANGE_ITEM,   /* item was added */
    WB_CHANGE_CLEAR,  /* items before seq were removed */
} wb_change_kind;

typedef struct wb_change {
    wb_change_kind kind;
    LONG seq;
    const wb_item *item; /* WB_CHANGE_ITEM */
    int own;             /* made by this client (wb_replica_add_own / clear_own) */
} wb_change;

typedef struct wb_replica_listener {
    void (*changed)(void *ctx, const wb_change *c); /* under the lock */
    void *ctx;
} wb_replica_listener;

typedef struct wb_replica wb_replica;

/* wb_replica_create - decode: also decode each item as a stroke. */
HRESULT wb_replica_create(int decode, const wb_replica_listener *l, wb_replica **out);
void wb_replica_free(wb_replica *r);

/* The callback's two events (see wb_sink_create). */
void wb_replica_on_stroke(wb_replica *r, LONG seq, const VARIANT *item);
void wb_replica_on_clear(wb_replica *r, LONG seq);

/* wb_replica_load - takes the snapshot from server (call once, after
 * RegisterClient). */
HRESULT wb_replica_load(wb_replica *r, IScribbleServer *server);

/* Own changes, with the seq the server returned. */
void wb_replica_add_own(wb_replica *r, LONG seq, const VARIANT *item);
void wb_replica_clear_own(wb_replica *r, LONG seq);

/* Reading: lock, then the items (sorted) stay put until unlock. */
void wb_replica_lock(wb_replica *r);
void wb_replica_unlock(wb_replica *r);
size_t wb_replica_count(wb_replica *r);            /* lock held (or in the listener) */
const wb_item *wb_replica_item(wb_replica *r, size_t i);
LONG wb_replica_seq(wb_replica *r);                 /* the highest seq seen */
size_t wb_replica_rejected(wb_replica *r);          /* items that are not strokes (decode) */

#endif
