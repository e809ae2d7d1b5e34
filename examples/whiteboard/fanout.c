/*
 * fanout.c - subscribers of one board, each with a bounded FIFO queue and a
 * delivery thread of its own (see fanout.h for the contract).
 *
 * Why a thread per subscriber: a call has no timeout in comrt (a stopped
 * client's reply never comes), and a call blocks its thread until it does.
 * With a shared pool, k stalled clients would stall k workers and, at the
 * pool's size, everyone. With one thread each, a stalled client holds only
 * its own thread and its own queue, which is bounded: past the bound it is
 * dropped and its queue freed.
 *
 * Locking: one mutex per board list guards the list, every queue and every
 * subscriber's state; it is never held across a call to a client. The
 * board's lock may be held when taking it (publishing), never the reverse.
 */
#include "fanout.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Enough for the marshaler's deepest path with sanitizers on. */
#define DELIVERY_STACK (2u << 20)

typedef struct wb_sub {
    struct wb_sub *next;      /* in f->subs while subscribed */
    wb_fanout *f;
    IScribbleClient *sink;    /* released by the delivery thread only */
    IUnknown *identity;       /* the same */
    const void *owner;
    DWORD cookie;
    wb_event **ring;          /* the queue: count events from head */
    size_t cap, head, count, bytes;
    int removed;              /* unsubscribed: the thread drains and ends */
    pthread_cond_t cv;        /* an event was queued, or removed was set */
} wb_sub;

struct wb_fanout {
    pthread_mutex_t lock;
    pthread_cond_t idle;      /* threads fell to zero */
    const wb_limits *lim;
    char *name;
    wb_sub *subs;
    size_t nsubs;
    size_t threads;           /* delivery threads still running */
    DWORD next_cookie;
};

/* Events ----------------------------------------------------------------------- */

HRESULT wb_event_new(wb_event_kind kind, LONG seq, const VARIANT *item, size_t bytes, wb_event **out)
{
    wb_event *e = calloc(1, sizeof *e);
    *out = NULL;
    if (!e)
        return E_OUTOFMEMORY;
    atomic_init(&e->refs, 1);
    e->kind = kind;
    e->seq = seq;
    e->bytes = bytes;
    VariantInit(&e->item);
    if (item) {
        HRESULT hr = VariantCopy(&e->item, item);
        if (FAILED(hr)) {
            free(e);
            return hr;
        }
    }
    *out = e;
    return S_OK;
}

void wb_event_ref(wb_event *e)
{
    atomic_fetch_add(&e->refs, 1);
}

void wb_event_unref(wb_event *e)
{
    if (!e || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    VariantClear(&e->item);
    free(e);
}

/* Subscribers ------------------------------------------------------------------ */

/* Lock held. Takes s off the list; its thread finishes the job. */
static void unsubscribe_locked(wb_fanout *f, wb_sub *s)
{
    for (wb_sub **pp = &f->subs; *pp; pp = &(*pp)->next)
        if (*pp == s) {
            *pp = s->next;
            f->nsubs--;
            break;
        }
    s->next = NULL;
    s->removed = 1;
    pthread_cond_signal(&s->cv);
}

/* A failure that means the client cannot be reached (dead, disconnected,
 * its connection lost), as opposed to an error its method returned. */
static int unreachable(HRESULT hr)
{
    return HRESULT_FACILITY(hr) == FACILITY_RPC || hr == CO_E_OBJNOTCONNECTED;
}

static wb_event *pop_locked(wb_sub *s)
{
    wb_event *e = s->ring[s->head];
    s->head = (s->head + 1) % s->cap;
    s->count--;
    s->bytes -= e->bytes;
    return e;
}

static void *deliver(void *arg)
{
    wb_sub *s = arg;
    wb_fanout *f = s->f;
    int initialized = SUCCEEDED(CoInitializeEx(NULL, COINIT_MULTITHREADED));

    pthread_mutex_lock(&f->lock);
    for (;;) {
        while (!s->removed && s->count == 0)
            pthread_cond_wait(&s->cv, &f->lock);
        if (s->removed)
            break;
        wb_event *e = pop_locked(s);
        pthread_mutex_unlock(&f->lock);
        /* The event is shared and never written: the proxy only reads it. */
        HRESULT hr = e->kind == WB_EVENT_STROKE ? IScribbleClient_OnStroke(s->sink, e->seq, e->item)
                                                : IScribbleClient_OnClear(s->sink, e->seq);
        LONG seq = e->seq;
        wb_event_unref(e);
        char *why = FAILED(hr) ? comrt_error_take_description() : NULL;
        pthread_mutex_lock(&f->lock);
        if (FAILED(hr) && unreachable(hr)) {
            if (!s->removed) {
                wb_log("board %s: client %lu dropped: change %ld could not reach it: 0x%08X %s", f->name,
                       (unsigned long)s->cookie, (long)seq, (unsigned)hr, why ? why : "");
                unsubscribe_locked(f, s);
            }
            CoTaskMemFree(why);
            break;
        }
        CoTaskMemFree(why); /* the client's own error: it stays subscribed */
    }
    while (s->count)
        wb_event_unref(pop_locked(s)); /* items hold no objects: no calls out */
    pthread_mutex_unlock(&f->lock);

    /* Ours alone to release, here, off every other client's path: the last
     * release of a proxy writes to its connection. */
    IScribbleClient_Release(s->sink);
    IUnknown_Release(s->identity);
    if (initialized)
        CoUninitialize();

    pthread_mutex_lock(&f->lock);
    free(s->ring);
    pthread_cond_destroy(&s->cv);
    free(s);
    if (--f->threads == 0)
        pthread_cond_broadcast(&f->idle);
    pthread_mutex_unlock(&f->lock);
    /* f may be gone from here on. */
    CoReleaseServerProcess();
    return NULL;
}

/* Lock held. Appends e to s's queue, or drops s if it is too far behind. */
static void enqueue_locked(wb_fanout *f, wb_sub *s, wb_event *e)
{
    const wb_limits *lim = f->lim;
    if (s->count >= lim->queue_events || s->bytes + e->bytes > lim->queue_bytes) {
        wb_log("board %s: client %lu dropped: %zu changes (%zu bytes) behind", f->name, (unsigned long)s->cookie,
               s->count, s->bytes);
        unsubscribe_locked(f, s);
        return;
    }
    if (s->count == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        if (cap > lim->queue_events)
            cap = lim->queue_events;
        wb_event **ring = malloc(cap * sizeof *ring);
        if (!ring) {
            wb_log("board %s: client %lu dropped: out of memory for its queue", f->name, (unsigned long)s->cookie);
            unsubscribe_locked(f, s);
            return;
        }
        for (size_t i = 0; i < s->count; i++)
            ring[i] = s->ring[(s->head + i) % s->cap];
        free(s->ring);
        s->ring = ring;
        s->cap = cap;
        s->head = 0;
    }
    wb_event_ref(e);
    s->ring[(s->head + s->count) % s->cap] = e;
    s->count++;
    s->bytes += e->bytes;
    pthread_cond_signal(&s->cv);
}

/* The list ---------------------------------------------------------------------- */

HRESULT wb_fanout_create(const wb_limits *lim, const char *name, wb_fanout **out)
{
    wb_fanout *f = calloc(1, sizeof *f);
    *out = NULL;
    if (!f || !(f->name = strdup(name))) {
        free(f);
        return E_OUTOFMEMORY;
    }
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->idle, NULL);
    f->lim = lim;
    f->next_cookie = 1;
    *out = f;
    return S_OK;
}

int wb_fanout_destroy(wb_fanout *f, int wait_ms)
{
    struct timespec deadline;
    if (!f)
        return 1;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += wait_ms / 1000;
    deadline.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->lock);
    while (f->subs)
        unsubscribe_locked(f, f->subs);
    while (f->threads && pthread_cond_timedwait(&f->idle, &f->lock, &deadline) == 0)
        ;
    int done = f->threads == 0;
    pthread_mutex_unlock(&f->lock);
    if (!done)
        return 0;
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->idle);
    free(f->name);
    free(f);
    return 1;
}

static IUnknown *identity_of(IUnknown *p)
{
    IUnknown *id = NULL;
    if (p && FAILED(IUnknown_QueryInterface(p, &IID_IUnknown, (void **)&id)))
        id = NULL;
    return id;
}

/* Lock held. */
static wb_sub *find_locked(wb_fanout *f, IUnknown *identity)
{
    for (wb_sub *s = f->subs; s; s = s->next)
        if (s->identity == identity)
            return s;
    return NULL;
}

HRESULT wb_fanout_add(wb_fanout *f, IScribbleClient *sink, const void *owner, DWORD *cookie)
{
    pthread_attr_t attr;
    pthread_t t;
    HRESULT hr = S_OK;
    wb_sub *s = NULL;
    IUnknown *identity = identity_of((IUnknown *)sink);

    if (cookie)
        *cookie = 0;
    if (!identity)
        return comrt_error_set(E_INVALIDARG, "whiteboard: the client object has no identity (QueryInterface failed)");
    s = calloc(1, sizeof *s);
    if (!s) {
        hr = E_OUTOFMEMORY;
        goto fail;
    }
    s->f = f;
    s->sink = sink;
    s->identity = identity;
    s->owner = owner;
    pthread_cond_init(&s->cv, NULL);

    pthread_mutex_lock(&f->lock);
    if (find_locked(f, identity)) {
        pthread_mutex_unlock(&f->lock);
        hr = comrt_error_set(E_INVALIDARG, "whiteboard: this client is already registered on board %s", f->name);
        goto fail;
    }
    if (f->nsubs >= f->lim->max_clients) {
        pthread_mutex_unlock(&f->lock);
        hr = comrt_error_set(CONNECT_E_ADVISELIMIT, "whiteboard: board %s has %zu clients, the most it takes",
                             f->name, f->nsubs);
        goto fail;
    }
    s->cookie = f->next_cookie++;
    if (!f->next_cookie)
        f->next_cookie = 1;
    IScribbleClient_AddRef(sink);
    CoAddRefServerProcess(); /* the thread keeps the server up until it ends */
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, DELIVERY_STACK);
    int err = pthread_create(&t, &attr, deliver, s);
    pthread_attr_destroy(&attr);
    if (err) {
        pthread_mutex_unlock(&f->lock);
        IScribbleClient_Release(sink);
        CoReleaseServerProcess();
        hr = comrt_error_set(E_OUTOFMEMORY, "whiteboard: cannot start a delivery thread: %s", strerror(err));
        goto fail;
    }
    f->threads++;
    s->next = f->subs;
    f->subs = s;
    f->nsubs++;
    if (cookie)
        *cookie = s->cookie;
    pthread_mutex_unlock(&f->lock);
    return S_OK;
fail:
    if (s)
        pthread_cond_destroy(&s->cv);
    free(s);
    IUnknown_Release(identity);
    return hr;
}

HRESULT wb_fanout_remove_sink(wb_fanout *f, IUnknown *sink)
{
    IUnknown *identity = identity_of(sink);
    HRESULT hr = S_OK;
    pthread_mutex_lock(&f->lock);
    wb_sub *s = identity ? find_locked(f, identity) : NULL;
    if (s)
        unsubscribe_locked(f, s);
    else
        hr = comrt_error_set(CONNECT_E_NOCONNECTION, "whiteboard: this client is not registered on board %s",
                             f->name);
    pthread_mutex_unlock(&f->lock);
    /* The caller's reference keeps the object alive: this is no last release. */
    if (identity)
        IUnknown_Release(identity);
    return hr;
}

HRESULT wb_fanout_remove_cookie(wb_fanout *f, DWORD cookie)
{
    HRESULT hr = CONNECT_E_NOCONNECTION;
    pthread_mutex_lock(&f->lock);
    for (wb_sub *s = f->subs; s; s = s->next)
        if (s->cookie == cookie) {
            unsubscribe_locked(f, s);
            hr = S_OK;
            break;
        }
    pthread_mutex_unlock(&f->lock);
    if (FAILED(hr))
        comrt_error_set(hr, "whiteboard: no connection %lu on board %s", (unsigned long)cookie, f->name);
    return hr;
}

void wb_fanout_remove_owner(wb_fanout *f, const void *owner)
{
    pthread_mutex_lock(&f->lock);
    for (wb_sub *s = f->subs, *next; s; s = next) {
        next = s->next;
        if (s->owner == owner)
            unsubscribe_locked(f, s);
    }
    pthread_mutex_unlock(&f->lock);
}

void wb_fanout_publish(wb_fanout *f, wb_event *e, const void *exclude_owner)
{
    pthread_mutex_lock(&f->lock);
    for (wb_sub *s = f->subs, *next; s; s = next) {
        next = s->next;
        if (!exclude_owner || s->owner != exclude_owner)
            enqueue_locked(f, s, e);
    }
    pthread_mutex_unlock(&f->lock);
}

LONG wb_fanout_count(wb_fanout *f)
{
    pthread_mutex_lock(&f->lock);
    LONG n = (LONG)f->nsubs;
    pthread_mutex_unlock(&f->lock);
    return n;
}
