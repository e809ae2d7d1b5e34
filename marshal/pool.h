/*
 * pool.h - the worker threads that watch idle connections (internal).
 *
 * One epoll set for the process; each watched fd is in it, one-shot (the
 * MTA's work queue, the listener) or edge-triggered (connections, see
 * conn.c), under a token rather than its address. A worker woken for an
 * fd calls its ready function, which for a connection reads one message
 * and handles it. The pool grows when every worker is busy (up to a
 * bound), so a long call never keeps other connections from being read.
 */
#ifndef COMRT_POOL_H
#define COMRT_POOL_H

#include <stdint.h>

#include "comrt.h"

typedef void (*comrt_pool_ready_fn)(void *arg);

/*
 * What a worker calls when fd is readable. The epoll set holds a token (a
 * slot in the pool's table and its generation), never the item's address:
 * an event that a worker dequeued just before the item was disarmed or
 * removed finds the token stale and is dropped, so an owner may disarm
 * its fd, or remove and free the item, whenever it likes.
 */
typedef struct comrt_pool_item {
    comrt_pool_ready_fn ready;
    void *arg;
    /* Optional: pin arg for one ready call (called with the pool's table
     * locked, so it must not block) and unpin it after. */
    void (*acquire)(void *arg);
    void (*release)(void *arg);
    /* 0: one-shot (re-armed after every event); 1: edge-triggered, stays
     * armed until disarmed: the owner must look for data that came while
     * it was not ready to read (ready calls may find it busy). */
    int edge;
    /* The pool's, set by comrt_pool_add. */
    int fd;
    uint64_t token;
} comrt_pool_item;

/* Adds fd, not yet armed. */
HRESULT comrt_pool_add(int fd, comrt_pool_item *item);
/* Arms the item's fd: for one readiness notification (then it is disarmed
 * again), or edge-triggered until disarmed (item->edge). */
void comrt_pool_arm(comrt_pool_item *item);
/* Withdraws an arming: no ready call starts for it from now on, though one
 * that a worker has already begun (it holds the item acquired) may still run. */
void comrt_pool_disarm(comrt_pool_item *item);
/* Removes the item; after this returns no new ready call for it starts. */
void comrt_pool_remove(comrt_pool_item *item);

/*
 * comrt_spin - waits up to a bounded time (50 us) for ready(arg) to return
 * non-zero, yielding the CPU between checks, so a peer on the same core
 * runs at once; returns what ready last returned. On a machine with one
 * CPU, or with COMRT_NO_SPIN=1 in the environment, it only checks once.
 * Used before a thread would sleep: the ~20 us wake-up of a sleeping
 * thread is most of what a short call between threads costs.
 */
int comrt_spin(int (*ready)(void *arg), void *arg);

/* Runs w->run(w) on a worker soon (the MTA's work queue, apartment.h). */
struct comrt_apt_work;
HRESULT comrt_pool_submit(struct comrt_apt_work *w);

#endif /* COMRT_POOL_H */
