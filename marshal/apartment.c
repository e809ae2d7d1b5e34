/*
 * apartment.c - the MTA, STAs and their work queues, the modal wait, the
 * message filter and causality; see apartment.h and docs/apartments.md.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "log.h"
#include "orpc.h"
#include "pool.h"

const IID IID_IMessageFilter = {0x00000016, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};

struct comrt_apartment {
    atomic_int refs;
    int sta;
    pthread_t thread;
    int efd;                /* readable: queue not empty, or kicked */
    pthread_mutex_t lock;   /* guards the queue and alive */
    comrt_apt_work *head, *tail;
    int alive;
    /* Touched only on the apartment's own thread: */
    IMessageFilter *filter;
    int modal;              /* depth of outgoing calls being waited for */
};

static struct comrt_apartment mta = {.refs = 1, .sta = 0, .efd = -1, .alive = 1};

static pthread_mutex_t sta_lock = PTHREAD_MUTEX_INITIALIZER;
static comrt_apartment *main_sta; /* referenced */
static comrt_apartment *host_sta; /* referenced; its thread never exits */

/* The causality of the incoming call this thread executes, if any. */
static _Thread_local struct {
    int have;
    GUID id;
    uint64_t counter;
} cause;

comrt_apartment *comrt_apartment_mta(void)
{
    return &mta;
}

comrt_apartment *comrt_apartment_current(void)
{
    struct comrt_thread *t = comrt_thread_get();
    return t->sta ? t->sta : &mta;
}

int comrt_apartment_is_sta(const comrt_apartment *a)
{
    return a->sta;
}

int comrt_apartment_is_current(const comrt_apartment *a)
{
    return comrt_apartment_current() == a;
}

void comrt_apartment_ref(comrt_apartment *a)
{
    if (a->sta)
        atomic_fetch_add(&a->refs, 1);
}

void comrt_apartment_unref(comrt_apartment *a)
{
    if (!a || !a->sta || atomic_fetch_sub(&a->refs, 1) != 1)
        return;
    close(a->efd);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

static void efd_signal(int fd)
{
    uint64_t one = 1;
    if (write(fd, &one, sizeof one) < 0) { /* EAGAIN only at 2^64-1: already readable */ }
}

static void efd_reset(int fd)
{
    uint64_t v;
    if (read(fd, &v, sizeof v) < 0) { /* EAGAIN: already reset */ }
}

HRESULT comrt_apartment_sta_enter(comrt_apartment **out)
{
    comrt_apartment *a = calloc(1, sizeof *a);
    *out = NULL;
    if (!a)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for an apartment");
    a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (a->efd < 0) {
        HRESULT hr = comrt_hresult_from_errno(errno);
        free(a);
        return comrt_error_set(hr, "eventfd for a single-threaded apartment: %s", strerror(errno));
    }
    atomic_init(&a->refs, 1);
    a->sta = 1;
    a->thread = pthread_self();
    a->alive = 1;
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_lock(&sta_lock);
    if (!main_sta) {
        main_sta = a;
        comrt_apartment_ref(a);
    }
    pthread_mutex_unlock(&sta_lock);
    *out = a;
    return S_OK;
}

void comrt_apartment_sta_leave(comrt_apartment *a)
{
    comrt_apt_work *w;

    /* Its class objects go first, while the apartment still runs work:
     * nobody finds them from now on (a lookup that raced us reaches a dead
     * apartment below and fails RPC_E_DISCONNECTED, no dangling pointer). */
    comrt_classobj_apartment_gone(a);
    pthread_mutex_lock(&a->lock);
    a->alive = 0;
    w = a->head;
    a->head = a->tail = NULL;
    pthread_mutex_unlock(&a->lock);
    /* Calls still queued get an answer; the apartment's objects go (COM
     * disconnects them at CoUninitialize). */
    while (w) {
        comrt_apt_work *next = w->next;
        w->cancel(w, RPC_E_DISCONNECTED);
        w = next;
    }
    comrt_export_apartment_gone(a);
    if (a->filter) {
        a->filter->lpVtbl->Release(a->filter);
        a->filter = NULL;
    }
    pthread_mutex_lock(&sta_lock);
    int was_main = main_sta == a;
    if (was_main)
        main_sta = NULL;
    pthread_mutex_unlock(&sta_lock);
    if (was_main)
        comrt_apartment_unref(a);
    comrt_apartment_unref(a);
}

HRESULT comrt_apartment_post(comrt_apartment *a, comrt_apt_work *w)
{
    if (!a->sta)
        return comrt_pool_submit(w);
    w->next = NULL;
    pthread_mutex_lock(&a->lock);
    if (!a->alive) {
        pthread_mutex_unlock(&a->lock);
        return comrt_error_set(RPC_E_DISCONNECTED, "the single-threaded apartment of the object has ended");
    }
    if (a->tail)
        a->tail->next = w;
    else
        a->head = w;
    a->tail = w;
    pthread_mutex_unlock(&a->lock);
    efd_signal(a->efd);
    return S_OK;
}

void comrt_apartment_kick(comrt_apartment *a)
{
    if (a && a->sta)
        efd_signal(a->efd);
}

/* Classifies an incoming call for the filter and runs or refuses it. On a's thread. */
static void run_work(comrt_apartment *a, comrt_apt_work *w)
{
    if (w->is_call && a->filter) {
        DWORD type;
        if (!a->modal)
            type = CALLTYPE_TOPLEVEL;
        else if (cause.have && IsEqualGUID(&cause.id, &w->causality))
            type = CALLTYPE_NESTED;
        else
            type = CALLTYPE_TOPLEVEL_CALLPENDING;
        /* Nested calls always run: refusing one would deadlock the call we wait for. */
        if (type != CALLTYPE_NESTED) {
            INTERFACEINFO info = {NULL, w->iid, (WORD)w->slot};
            DWORD verdict = a->filter->lpVtbl->HandleInComingCall(a->filter, type, NULL, 0, &info);
            if (verdict == SERVERCALL_REJECTED) {
                w->cancel(w, RPC_E_CALL_REJECTED);
                return;
            }
            if (verdict == SERVERCALL_RETRYLATER) {
                w->cancel(w, RPC_E_SERVERCALL_RETRYLATER);
                return;
            }
        }
    }
    w->run(w);
}

/* Pops and runs one piece of work; 0 if there was none. */
static int run_one(comrt_apartment *a)
{
    pthread_mutex_lock(&a->lock);
    comrt_apt_work *w = a->head;
    if (w) {
        a->head = w->next;
        if (!a->head)
            a->tail = NULL;
    }
    pthread_mutex_unlock(&a->lock);
    if (!w)
        return 0;
    run_work(a, w);
    return 1;
}

/* Resets the eventfd unless work is queued (then it must stay readable).
 * Kicks that arrive later set it again, so none is lost: every waiter
 * re-checks its condition after this. */
static void clear_kick(comrt_apartment *a)
{
    pthread_mutex_lock(&a->lock);
    if (!a->head)
        efd_reset(a->efd);
    pthread_mutex_unlock(&a->lock);
}

int comrt_apartment_has_work(comrt_apartment *a)
{
    if (!a->sta)
        return 0;
    pthread_mutex_lock(&a->lock);
    int any = a->head != NULL;
    pthread_mutex_unlock(&a->lock);
    return any;
}

int comrt_apartment_wait_round(comrt_apartment *a, int fd)
{
    struct pollfd p[2] = {{a->efd, POLLIN, 0}, {fd, POLLIN, 0}};
    int n = fd >= 0 ? 2 : 1;

    /* modal: the thread waits for an outgoing call (the filter's CALLTYPE).
     * With fd, the caller holds a connection's read role: work must wait
     * until it has given the role up (the work may call on that connection). */
    a->modal++;
    int ran = fd < 0 && run_one(a);
    if (!ran)
        while (poll(p, (nfds_t)n, -1) < 0 && errno == EINTR)
            ;
    a->modal--;
    if (ran)
        return 0;
    if (p[0].revents)
        clear_kick(a);
    return n == 2 && (p[1].revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP)) != 0;
}

/* Public: event-loop integration -------------------------------------------- */

static comrt_apartment *current_sta(void)
{
    struct comrt_thread *t = comrt_thread_get();
    return t->init_count > 0 ? t->sta : NULL;
}

HRESULT comrt_apartment_get_fd(int *fd)
{
    comrt_apartment *a = current_sta();
    if (!fd)
        return E_POINTER;
    *fd = -1;
    if (!a)
        return comrt_error_set(RPC_E_WRONG_THREAD, "comrt_apartment_get_fd: this thread is not in a "
                                                   "single-threaded apartment");
    *fd = a->efd;
    return S_OK;
}

HRESULT comrt_apartment_dispatch_pending(void)
{
    comrt_apartment *a = current_sta();
    int ran = 0;
    if (!a)
        return comrt_error_set(RPC_E_WRONG_THREAD, "comrt_apartment_dispatch_pending: this thread is not in a "
                                                   "single-threaded apartment");
    clear_kick(a);
    while (run_one(a))
        ran = 1;
    return ran ? S_OK : S_FALSE;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Calls often come in runs (a caller making call after call): watching the
 * queue for a moment (comrt_spin) before sleeping in poll saves a wake-up. */
static int queue_ready(void *arg)
{
    return comrt_apartment_has_work(arg);
}

static int spin_for_work(comrt_apartment *a)
{
    return comrt_spin(queue_ready, a);
}

HRESULT comrt_apartment_wait(DWORD timeout_ms)
{
    comrt_apartment *a = current_sta();
    int64_t deadline = timeout_ms == INFINITE ? -1 : now_ms() + timeout_ms;
    if (!a)
        return comrt_error_set(RPC_E_WRONG_THREAD, "comrt_apartment_wait: this thread is not in a "
                                                   "single-threaded apartment");
    for (;;) {
        if (comrt_apartment_dispatch_pending() == S_OK)
            return S_OK;
        if (spin_for_work(a))
            continue;
        int left = deadline < 0 ? -1 : (int)(deadline - now_ms());
        if (deadline >= 0 && left <= 0)
            return S_FALSE;
        struct pollfd p = {a->efd, POLLIN, 0};
        if (poll(&p, 1, left) < 0 && errno != EINTR)
            return comrt_error_set(comrt_hresult_from_errno(errno), "comrt_apartment_wait: poll: %s",
                                   strerror(errno));
    }
}

HRESULT CoGetApartmentType(APTTYPE *pAptType, APTTYPEQUALIFIER *pAptQualifier)
{
    struct comrt_thread *t = comrt_thread_get();
    if (!pAptType || !pAptQualifier)
        return E_INVALIDARG;
    *pAptType = APTTYPE_CURRENT;
    *pAptQualifier = APTTYPEQUALIFIER_NONE;
    if (t->init_count > 0 && t->sta) {
        pthread_mutex_lock(&sta_lock);
        *pAptType = t->sta == main_sta ? APTTYPE_MAINSTA : APTTYPE_STA;
        pthread_mutex_unlock(&sta_lock);
        return S_OK;
    }
    if (t->init_count > 0 || t->worker) {
        *pAptType = APTTYPE_MTA;
        return S_OK;
    }
    if (SUCCEEDED(comrt_thread_check_init("CoGetApartmentType"))) {
        *pAptType = APTTYPE_MTA;
        *pAptQualifier = APTTYPEQUALIFIER_IMPLICIT_MTA;
        return S_OK;
    }
    return CO_E_NOTINITIALIZED;
}

HRESULT CoRegisterMessageFilter(IMessageFilter *lpMessageFilter, IMessageFilter **ppPrevious)
{
    comrt_apartment *a = current_sta();
    if (ppPrevious)
        *ppPrevious = NULL;
    if (!a)
        return comrt_error_set(CO_E_NOT_SUPPORTED, "CoRegisterMessageFilter: only a single-threaded apartment "
                                                   "has a message filter");
    IMessageFilter *old = a->filter;
    if (lpMessageFilter)
        lpMessageFilter->lpVtbl->AddRef(lpMessageFilter);
    a->filter = lpMessageFilter;
    if (ppPrevious)
        *ppPrevious = old;
    else if (old)
        old->lpVtbl->Release(old);
    return S_OK;
}

IMessageFilter *comrt_apartment_filter(void)
{
    comrt_apartment *a = current_sta();
    if (!a || !a->filter)
        return NULL;
    a->filter->lpVtbl->AddRef(a->filter);
    return a->filter;
}

/* Running work elsewhere and waiting for it ----------------------------------- */

struct sync_call {
    comrt_apt_work work;
    void (*fn)(void *);
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    int done;
    HRESULT hr;
    comrt_apartment *waiter; /* an STA to kick when done, else NULL */
};

static void sync_finish(struct sync_call *s, HRESULT hr)
{
    pthread_mutex_lock(&s->lock);
    s->done = 1;
    s->hr = hr;
    pthread_cond_broadcast(&s->cv);
    /* Kicked under the lock: once done is seen, s may be gone. */
    comrt_apartment_kick(s->waiter);
    pthread_mutex_unlock(&s->lock);
}

static void sync_run(comrt_apt_work *w)
{
    struct sync_call *s = (struct sync_call *)w;
    s->fn(s->arg);
    sync_finish(s, S_OK);
}

static void sync_cancel(comrt_apt_work *w, HRESULT why)
{
    sync_finish((struct sync_call *)w, why);
}

HRESULT comrt_apartment_run_sync(comrt_apartment *a, void (*fn)(void *arg), void *arg)
{
    comrt_apartment *self = comrt_apartment_current();
    struct sync_call s = {.fn = fn, .arg = arg, .waiter = self->sta ? self : NULL};
    HRESULT hr;

    if (self == a) {
        fn(arg);
        return S_OK;
    }
    s.work.run = sync_run;
    s.work.cancel = sync_cancel;
    pthread_mutex_init(&s.lock, NULL);
    pthread_cond_init(&s.cv, NULL);
    hr = comrt_apartment_post(a, &s.work);
    if (SUCCEEDED(hr)) {
        pthread_mutex_lock(&s.lock);
        while (!s.done) {
            if (s.waiter) {
                pthread_mutex_unlock(&s.lock);
                comrt_apartment_wait_round(self, -1);
                pthread_mutex_lock(&s.lock);
            } else {
                pthread_cond_wait(&s.cv, &s.lock);
            }
        }
        pthread_mutex_unlock(&s.lock);
        hr = s.hr;
        if (FAILED(hr))
            comrt_error_set(hr, "the apartment that was to run the call has ended");
    }
    pthread_mutex_destroy(&s.lock);
    pthread_cond_destroy(&s.cv);
    return hr;
}

/* The host STA: a thread that only dispatches, for Apartment-model objects
 * created from the MTA (and the main STA's classes when there is no main STA). */
struct host_start {
    pthread_mutex_t lock;
    pthread_cond_t cv;
    comrt_apartment *apt;
    HRESULT hr;
    int ready;
};

static void *host_thread(void *arg)
{
    struct host_start *hs = arg;
    HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    pthread_mutex_lock(&hs->lock);
    hs->hr = hr;
    if (SUCCEEDED(hr)) {
        hs->apt = comrt_thread_get()->sta;
        comrt_apartment_ref(hs->apt);
    }
    hs->ready = 1;
    pthread_cond_broadcast(&hs->cv);
    pthread_mutex_unlock(&hs->lock);
    if (FAILED(hr))
        return NULL;
    for (;;)
        comrt_apartment_wait(INFINITE);
    return NULL;
}

HRESULT comrt_apartment_host_sta(comrt_apartment **out)
{
    static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
    HRESULT hr = S_OK;

    *out = NULL;
    pthread_mutex_lock(&start_lock);
    if (!host_sta) {
        struct host_start hs = {.hr = E_FAIL};
        pthread_t t;
        pthread_attr_t attr;
        pthread_mutex_init(&hs.lock, NULL);
        pthread_cond_init(&hs.cv, NULL);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, host_thread, &hs) != 0) {
            hr = comrt_error_set(E_OUTOFMEMORY, "cannot start the host apartment's thread");
        } else {
            pthread_mutex_lock(&hs.lock);
            while (!hs.ready)
                pthread_cond_wait(&hs.cv, &hs.lock);
            pthread_mutex_unlock(&hs.lock);
            hr = hs.hr;
            pthread_mutex_lock(&sta_lock);
            host_sta = hs.apt;
            pthread_mutex_unlock(&sta_lock);
        }
        pthread_attr_destroy(&attr);
        pthread_mutex_destroy(&hs.lock);
        pthread_cond_destroy(&hs.cv);
    }
    if (host_sta) {
        comrt_apartment_ref(host_sta);
        *out = host_sta;
    }
    pthread_mutex_unlock(&start_lock);
    return hr;
}

HRESULT comrt_apartment_main_sta(comrt_apartment **out)
{
    pthread_mutex_lock(&sta_lock);
    comrt_apartment *m = main_sta;
    if (m)
        comrt_apartment_ref(m);
    pthread_mutex_unlock(&sta_lock);
    if (m) {
        *out = m;
        return S_OK;
    }
    return comrt_apartment_host_sta(out);
}

/* Causality ------------------------------------------------------------------ */

void comrt_causality_enter(GUID *id, comrt_causality_scope *scope)
{
    scope->pushed = 0;
    if (!cause.have) {
        /* A fresh logical thread: unique per process (the OXID) and call. */
        cause.id = *comrt_orpc_oxid();
        uint64_t n = ++cause.counter ^ (uint64_t)(uintptr_t)&cause;
        memcpy(cause.id.Data4, &n, sizeof n);
        cause.have = 1;
        scope->pushed = 1;
    }
    *id = cause.id;
}

void comrt_causality_leave(const comrt_causality_scope *scope)
{
    if (scope->pushed)
        cause.have = 0;
}

void comrt_causality_set(const GUID *id, GUID *saved, int *had)
{
    *had = cause.have;
    *saved = cause.id;
    if (id) {
        cause.id = *id;
        cause.have = 1;
    } else {
        cause.have = 0;
    }
}

void comrt_causality_restore(const GUID *saved, int had)
{
    cause.id = *saved;
    cause.have = had;
}
