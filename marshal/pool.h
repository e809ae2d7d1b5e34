/*
 * pool.h - the worker threads that watch idle connections (internal).
 *
 * One epoll set for the process; each connection's socket is in it with
 * EPOLLONESHOT. A worker woken for a connection calls its ready function,
 * which reads one message, re-arms the socket and handles the message. The
 * pool grows when every worker is busy (up to a bound), so a long call never
 * keeps other connections from being read.
 */
#ifndef COMRT_POOL_H
#define COMRT_POOL_H

#include "comrt.h"

typedef void (*comrt_pool_ready_fn)(void *arg);

/* What a worker calls when fd is readable; lives as long as fd is in the pool. */
typedef struct comrt_pool_item {
    comrt_pool_ready_fn ready;
    void *arg;
} comrt_pool_item;

/* Adds fd, not yet armed. */
HRESULT comrt_pool_add(int fd, comrt_pool_item *item);
/* Arms fd for one readiness notification (then it is disarmed again). */
void comrt_pool_arm(int fd, comrt_pool_item *item);
/* Removes fd; after this returns no new ready call for it starts. */
void comrt_pool_remove(int fd);

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
