/*
 * conn_internal.h - a connection's insides, shared by conn.c (the read
 * role, calls, replies) and conn_read.c (reading one message). Internal to
 * those two files.
 */
#ifndef COMRT_CONN_INTERNAL_H
#define COMRT_CONN_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "apartment.h"
#include "bulkread.h"
#include "conn.h"
#include "frame.h"
#include "pool.h"

struct waiter {
    uint32_t id;
    int done;
    int filling; /* a reader is receiving into the caller's buffer (sink): stay */
    comrt_msg msg;
    comrt_apartment *sta; /* an STA caller: kicked instead of (as well as) cv */
    const comrt_reply_sink *sink; /* where a large [out] array may go, or NULL */
    struct waiter *next;
};

struct comrt_conn {
    atomic_int refs;
    comrt_stream *s;
    int fd;
    size_t max_frame;
    comrt_conn_owner owner;
    comrt_conn_peer peer;
    comrt_pool_item item;
    comrt_frame_reader rd;      /* the read role's */
    comrt_apt_work buffered;    /* a worker for bytes already in rd (epoll cannot see them) */
    int queued;                 /* buffered is submitted */
    pthread_mutex_t lock;
    pthread_cond_t cv; /* broadcast: reply delivered, read role freed, closed */
    pthread_mutex_t send_lock;
    int reading;
    int armed;  /* watched by the pool (edge-triggered: stays so after an event) */
    int unread;      /* the socket may hold bytes nobody will be told of (edge-triggered) */
    unsigned events; /* socket events so far: a drain clears unread only if none came since */
    int closed;
    int pool_ref;
    int loopback; /* this process to itself: no socket, see comrt_conn_open_loopback */
    int loopers;  /* waiters in their wait loop, about to read (not running a handler) */
    struct waiter *waiters;
    atomic_int sinks; /* waiters with a sink: only then is a large frame looked into */
    atomic_uint next_id;
    struct comrt_conn *all_prev, *all_next; /* every live connection */
};

/* Lock held. The pool stops watching the socket (a reader is on it). */
static inline void comrt_conn_disarm_locked(comrt_conn *c)
{
    if (c->armed && !c->closed) {
        c->armed = 0;
        comrt_pool_disarm(&c->item);
    }
}

/*
 * comrt_conn_read_msg - reads and unpacks one message; the caller holds the
 * read role. A reply whose large bin went straight to a waiting caller's
 * buffer sets *filled to that caller, marked filling: the caller of this
 * clears the mark under the lock (until then the waiter does not leave).
 */
HRESULT comrt_conn_read_msg(comrt_conn *c, comrt_msg *m, struct waiter **filled);

/* comrt_conn_parse_msg - unpacks m->frame (m->len bytes) after the
 * plausibility scan; frees it on failure (RPC_E_INVALID_DATAPACKET). */
HRESULT comrt_conn_parse_msg(comrt_msg *m);

#endif /* COMRT_CONN_INTERNAL_H */
