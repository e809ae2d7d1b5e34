/*
 * apartment.h - apartments inside the runtime (internal); the public side
 * is comrt/apartment.h, the rules are in docs/apartments.md.
 *
 * The MTA is one process-wide apartment whose work runs on the worker pool
 * (or inline on any MTA thread). Each STA is its thread plus a queue of work
 * and an eventfd that is readable while the queue is not empty or a waiter
 * was kicked. Work for an STA runs only on its thread: when it dispatches
 * (comrt_apartment_dispatch_pending / _wait) or while it waits for the reply
 * to one of its own calls (the modal wait, conn.c and
 * comrt_apartment_run_sync below).
 */
#ifndef COMRT_APARTMENT_INTERNAL_H
#define COMRT_APARTMENT_INTERNAL_H

#include <stdint.h>

#include "comrt.h"
#include "comrt/apartment.h"

typedef struct comrt_apartment comrt_apartment;

/* A unit of work for an apartment; the poster embeds it in its own closure. */
typedef struct comrt_apt_work {
    void (*run)(struct comrt_apt_work *w);
    /* Instead of run, when the work cannot run: the apartment is gone
     * (RPC_E_DISCONNECTED) or its message filter refused the call
     * (RPC_E_CALL_REJECTED, RPC_E_SERVERCALL_RETRYLATER). */
    void (*cancel)(struct comrt_apt_work *w, HRESULT why);
    /* An incoming call (the message filter sees it): its causality and target. */
    int is_call;
    GUID causality;
    IID iid;
    uint32_t slot;
    struct comrt_apt_work *next;
} comrt_apt_work;

/* The calling thread's apartment: its STA, or the MTA (also for threads that
 * never called CoInitializeEx, e.g. the pool's). Borrowed. */
comrt_apartment *comrt_apartment_current(void);
/* The process's MTA. Borrowed, never freed. */
comrt_apartment *comrt_apartment_mta(void);
int comrt_apartment_is_sta(const comrt_apartment *a);
/* The calling thread is a's thread (for the MTA: any MTA thread). */
int comrt_apartment_is_current(const comrt_apartment *a);

void comrt_apartment_ref(comrt_apartment *a);
void comrt_apartment_unref(comrt_apartment *a);

/* CoInitializeEx / CoUninitialize of an STA thread (init.c). */
HRESULT comrt_apartment_sta_enter(comrt_apartment **out);
void comrt_apartment_sta_leave(comrt_apartment *a);

/*
 * comrt_apartment_post - queues w to run in a (for the MTA: on the worker
 * pool). RPC_E_DISCONNECTED if a is gone; w is then untouched.
 */
HRESULT comrt_apartment_post(comrt_apartment *a, comrt_apt_work *w);

/* Wakes a's thread out of a wait without queuing work (see conn.c). */
void comrt_apartment_kick(comrt_apartment *a);

/* 1 if work is queued for STA a. */
int comrt_apartment_has_work(comrt_apartment *a);

/*
 * The modal wait, one round, on a's thread (an STA). Without fd (-1): runs
 * one piece of queued work if there is some (returning 0), else blocks
 * until a is kicked or work arrives. With fd (the caller holds that
 * connection's read role): runs nothing; blocks until a is kicked, work
 * arrives, or fd is readable, and returns 1 if fd is readable.
 */
int comrt_apartment_wait_round(comrt_apartment *a, int fd);

/*
 * comrt_apartment_run_sync - runs fn(arg) in apartment a and waits for it.
 * An STA caller keeps dispatching its own apartment's work while it waits.
 * RPC_E_DISCONNECTED if a is gone before fn ran.
 */
HRESULT comrt_apartment_run_sync(comrt_apartment *a, void (*fn)(void *arg), void *arg);

/* The process's main STA (the first STA), else a host STA started on demand,
 * for ThreadingModel absent. AddRef'd. */
HRESULT comrt_apartment_main_sta(comrt_apartment **out);
/* The host STA for ThreadingModel=Apartment classes created from the MTA. AddRef'd. */
HRESULT comrt_apartment_host_sta(comrt_apartment **out);

/* Class objects registered with CoRegisterClassObject belong to the
 * registering thread's apartment (runtime/classobj.c). This lookup is
 * comrt_classobj_lookup's, and sets *home (if not NULL) to the apartment
 * that registered the object found, referenced (NULL if none is found). */
HRESULT comrt_classobj_lookup_home(REFCLSID rclsid, DWORD clsctx, IUnknown **punk, comrt_apartment **home);
/* An STA ends (its thread, from comrt_apartment_sta_leave): the class
 * objects it registered are revoked and released there, as COM does. */
void comrt_classobj_apartment_gone(comrt_apartment *a);

/* Causality: the logical thread of calls that an outgoing call belongs to. */
typedef struct comrt_causality_scope {
    int pushed; /* a new causality was made for this call */
} comrt_causality_scope;

/* Before an outgoing call: the causality to send with it (the incoming
 * call's being executed, else a new one for the length of the call). */
void comrt_causality_enter(GUID *id, comrt_causality_scope *scope);
void comrt_causality_leave(const comrt_causality_scope *scope);
/* While executing an incoming call of causality id (NULL: none known). */
void comrt_causality_set(const GUID *id, GUID *saved, int *had);
void comrt_causality_restore(const GUID *saved, int had);

/* The calling STA's message filter, AddRef'd (NULL if none or not an STA). */
IMessageFilter *comrt_apartment_filter(void);

#endif /* COMRT_APARTMENT_INTERNAL_H */
