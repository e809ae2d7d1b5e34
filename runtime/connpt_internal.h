/*
 * connpt_internal.h - what connpt.c (containers, connection points, firing)
 * and connpt_enum.c (the two enumerators) share. Never installed.
 */
#ifndef COMRT_CONNPT_INTERNAL_H
#define COMRT_CONNPT_INTERNAL_H

#include "internal.h"

/*
 * One connection. The point's list holds one reference; a snapshot being
 * taken holds one more for a moment, so that it can AddRef the sink after
 * dropping the lock even if the connection is ended meanwhile. The last
 * reference Releases the sink (never under a lock).
 */
typedef struct connpt_node {
    atomic_ulong refs;
    DWORD cookie;
    IUnknown *sink; /* the sink's outgoing interface, one reference */
} connpt_node;

struct comrt_connpt {
    IConnectionPoint iface;
    comrt_connpt_container *container; /* the container holding this point */
    IID iid;
    ULONG limit;                        /* 0: none */
    const comrt_connpt_hooks *hooks;    /* NULL: none */
    void *hooks_ctx;
    pthread_mutex_t lock;               /* guards what follows */
    connpt_node **nodes;                /* ascending cookies (advise order) */
    ULONG count, cap;
    DWORD last_cookie;                  /* the last cookie handed out; 0: none yet */
};

struct comrt_connpt_impl {
    IUnknown *owner; /* borrowed: the controlling unknown of the object holding the container */
    ULONG npoints;
    comrt_connpt points[]; /* fixed after init, so read without locks */
};

/* A new IEnumConnections over *snap, whose references it takes (*snap is
 * emptied, also on failure, when they are released). */
HRESULT comrt_connpt_enum_connections(comrt_connpt_sinks *snap, IEnumConnections **out);

/* A new IEnumConnectionPoints over c's points; it keeps the owner alive. */
HRESULT comrt_connpt_enum_points(comrt_connpt_container *c, IEnumConnectionPoints **out);

#endif /* COMRT_CONNPT_INTERNAL_H */
