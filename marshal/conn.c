/*
 * conn.c - connections: handshake, call ids, the reply wait; see conn.h.
 *
 * The read role: at most one thread reads a connection's socket at a time.
 * A caller waiting for its reply takes the role whenever it is free, and
 * then disarms the socket in the worker pool, so that its reply wakes no
 * worker for nothing (on a busy or single CPU that wake-up doubled the
 * cost of a call). When no caller waits, the socket is watched, edge-
 * triggered, so a worker that read a request need not re-arm it (a system
 * call per request); a worker woken while the role is taken marks the
 * connection (unread) and whoever frees the role sends a worker to look.
 * Invariant: while the connection is open, its socket is watched or some
 * thread holds the read role (or is about to watch again). Once it is
 * closed, the first party to see it closed with the role free drops the
 * pool's reference; events the kernel had already queued for the socket
 * are then stale and never run (pool.h).
 */
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "bulkread.h"
#include "conn_internal.h"
#include "frame.h"
#include "hello.h"
#include "log.h"
#include "pool.h"

/* Every connection until its last reference goes. A closed connection can
 * wait a moment for a pool worker to take its hang-up and drop the pool's
 * reference; meanwhile the only other pointer to it is in the kernel's
 * epoll set, so this list keeps it reachable (for leak checkers too). */
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct comrt_conn *all_conns;

void comrt_msg_free(comrt_msg *m)
{
    if (!m)
        return;
    msgpack_unpacked_destroy(&m->up);
    comrt_frame_free(m->frame);
    memset(m, 0, sizeof *m);
}

static uint64_t msg_type(const comrt_msg *m)
{
    return m->items[0].via.u64;
}

/* Lock held. Wakes every waiter: cv for threads in the MTA, a kick for
 * STA threads (which wait in their apartment's poll, see the call wait). */
static void wake_all_locked(comrt_conn *c)
{
    pthread_cond_broadcast(&c->cv);
    for (struct waiter *w = c->waiters; w; w = w->next)
        comrt_apartment_kick(w->sta);
}

/* Lock held. Marks the connection lost; returns 1 if this call did it. */
static int close_locked(comrt_conn *c)
{
    if (c->closed || c->loopback)
        return 0;
    c->closed = 1;
    c->s->ops->shutdown(c->s);
    wake_all_locked(c);
    return 1;
}

static void notify_closed(comrt_conn *c)
{
    if (c->owner.on_closed)
        c->owner.on_closed(c, c->owner.ctx);
}

/* Lock held. Delivers a reply to its waiter; 0 if nobody waits for it. */
static int deliver_locked(comrt_conn *c, comrt_msg *m)
{
    if (m->nitems < 2 || m->items[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return 0;
    uint64_t id = m->items[1].via.u64;
    for (struct waiter *w = c->waiters; w; w = w->next) {
        if (w->id == id && !w->done) {
            w->msg = *m;
            w->done = 1;
            memset(m, 0, sizeof *m);
            pthread_cond_broadcast(&c->cv);
            comrt_apartment_kick(w->sta);
            return 1;
        }
    }
    return 0;
}

/* Lock held. Once the connection is closed and nobody reads it, the pool
 * lets go of it. Returns 1 if the caller must drop the pool's reference
 * (unlocked, with drop_pool_ref). */
static int settle_locked(comrt_conn *c)
{
    if (c->closed && !c->reading && c->pool_ref) {
        c->pool_ref = 0;
        return 1;
    }
    return 0;
}

/* Lock held. Takes the free read role for a caller; the pool stops
 * watching the socket meanwhile. */
static void take_role_locked(comrt_conn *c)
{
    c->reading = 1;
    comrt_conn_disarm_locked(c);
}

/* Lock held; the role is free and the connection open. Makes sure a worker
 * reads what comes next: the socket armed, or, when bytes are already in
 * the read buffer (which no epoll event will announce) or the socket may
 * hold bytes whose event is spent (edge-triggered: it will not come
 * again), a worker sent to look. */
static void watch_locked(comrt_conn *c)
{
    if (comrt_frame_reader_buffered(&c->rd) || c->unread) {
        if (!c->queued) {
            c->queued = 1;
            comrt_conn_ref(c);
            if (FAILED(comrt_pool_submit(&c->buffered))) { /* the pool exists: it holds this connection */
                c->queued = 0;
                atomic_fetch_sub(&c->refs, 1); /* not the last: the caller holds one */
            }
        }
    } else if (!c->armed) {
        c->armed = 1;
        comrt_pool_arm(&c->item);
    }
}

/* Lock held. Gives up the read role: re-arm, or drop the pool's reference
 * once closed. Returns 1 if the caller must drop that reference (unlocked). */
static int release_role_locked(comrt_conn *c)
{
    c->reading = 0;
    wake_all_locked(c);
    if (c->closed)
        return settle_locked(c);
    watch_locked(c);
    return 0;
}

/* Lock held. A waiter stops being about to read (it leaves, or runs a
 * handler or apartment work): if a worker skipped the socket for its sake
 * meanwhile (on_ready found loopers), the pool must watch it again.
 * Returns 1 if the caller must drop the pool's reference (see settle_locked). */
static int rearm_if_idle_locked(comrt_conn *c)
{
    if (c->loopback || c->reading)
        return 0;
    if (c->closed)
        return settle_locked(c);
    watch_locked(c);
    return 0;
}

static void drop_pool_ref(comrt_conn *c)
{
    comrt_pool_remove(&c->item);
    comrt_conn_unref(c);
}

/*
 * Reads one message with the read role held (taken by the caller, lock not
 * held) and routes it. A reply goes to its waiter; anything else to the
 * owner's handler, after the role is given up so others can read meanwhile.
 */
static void read_and_route(comrt_conn *c, int waiter)
{
    comrt_msg m;
    struct waiter *filled;
    HRESULT hr = comrt_conn_read_msg(c, &m, &filled);
    int closed_now = 0, drop = 0;

    pthread_mutex_lock(&c->lock);
    if (filled)
        filled->filling = 0; /* it may leave now (the role's release wakes it) */
    if (FAILED(hr)) {
        if (!c->closed && hr != RPC_E_DISCONNECTED) {
            char *why = comrt_error_take_description();
            comrt_log_warning("dropping connection from pid %u: %s", (unsigned)c->peer.cred.pid,
                              why ? why : "bad data");
            free(why);
        }
        closed_now = close_locked(c);
        drop = release_role_locked(c);
        pthread_mutex_unlock(&c->lock);
        goto out;
    }
    if (msg_type(&m) == COMRT_MSG_REPLY) {
        if (!deliver_locked(c, &m))
            comrt_log_warning("reply to unknown call %llu dropped",
                              (unsigned long long)(m.nitems > 1 ? m.items[1].via.u64 : 0));
        drop = release_role_locked(c);
        pthread_mutex_unlock(&c->lock);
        comrt_msg_free(&m);
        goto out;
    }
    if (waiter)
        c->loopers--; /* busy with the handler: let the pool read meanwhile */
    drop = release_role_locked(c);
    pthread_mutex_unlock(&c->lock);
    if (c->owner.on_message)
        c->owner.on_message(c, &m, c->owner.ctx); /* takes m */
    else
        comrt_msg_free(&m);
    if (waiter) {
        pthread_mutex_lock(&c->lock);
        c->loopers++;
        pthread_mutex_unlock(&c->lock);
    }
out:
    if (closed_now)
        notify_closed(c);
    if (drop)
        drop_pool_ref(c);
}

/* The pool pins a connection for one on_ready call. */
static void pool_acquire(void *arg)
{
    comrt_conn_ref(arg);
}

static void pool_release(void *arg)
{
    comrt_conn_unref(arg);
}

/*
 * A worker sent to read one message: by the socket's event (on_ready) or
 * to look at what is buffered or unread (on_buffered). The caller holds a
 * reference. The socket is edge-triggered: an event is not repeated for
 * bytes already there, so it marks the socket unread until a reader has
 * drained it (with no event since), and a worker that finds the role taken
 * leaves the mark for whoever frees the role (watch_locked).
 */
static void serve(comrt_conn *c, int buffered)
{
    int drop = 0, drained = 0;

    pthread_mutex_lock(&c->lock);
    if (buffered) {
        c->queued = 0;
    } else {
        c->events++;
        c->unread = 1;
    }
    if (c->closed) {
        drop = settle_locked(c);
        pthread_mutex_unlock(&c->lock);
        if (drop)
            drop_pool_ref(c);
        return;
    }
    if (c->reading || c->loopers) {
        /* A caller reads, or waits and is about to. (A caller busy running
         * a callback does not count: others must not wait for it, so then
         * this worker reads.) */
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->reading = 1;
    int look = c->unread;
    unsigned seen = c->events;
    pthread_mutex_unlock(&c->lock);

    HRESULT hr = look ? comrt_frame_reader_drain(&c->rd, c->s, &drained) : S_OK;
    if (drained) {
        pthread_mutex_lock(&c->lock);
        if (c->events == seen)
            c->unread = 0;
        pthread_mutex_unlock(&c->lock);
    }
    /* Nothing came after all (a caller took it since the event): do not block. */
    if (!comrt_frame_reader_buffered(&c->rd) && (hr == E_PENDING || !look)) {
        pthread_mutex_lock(&c->lock);
        drop = release_role_locked(c);
        pthread_mutex_unlock(&c->lock);
        if (drop)
            drop_pool_ref(c);
        return;
    }
    read_and_route(c, 0);
}

/* Pool worker: the socket became readable (or hung up). The pool holds a
 * reference for the call (pool_acquire). */
static void on_ready(void *arg)
{
    serve(arg, 0);
}

/* Pool worker: bytes wait in the read buffer (watch_locked's reference). */
static void on_buffered(comrt_apt_work *w)
{
    comrt_conn *c = (comrt_conn *)((char *)w - offsetof(comrt_conn, buffered));
    serve(c, 1);
    comrt_conn_unref(c);
}

static void on_buffered_cancel(comrt_apt_work *w, HRESULT why)
{
    comrt_conn *c = (comrt_conn *)((char *)w - offsetof(comrt_conn, buffered));
    (void)why;
    pthread_mutex_lock(&c->lock);
    c->queued = 0;
    pthread_mutex_unlock(&c->lock);
    comrt_conn_unref(c);
}

/*
 * The reply wait: before blocking in recv, poll the socket for a short,
 * bounded time (comrt_spin). When the peer answers within it (a short call
 * on another core), the caller never sleeps, and the ~20 us cross-core
 * wake-up of a blocked thread is avoided.
 */
struct data_watch {
    comrt_conn *c;
    int just_sent; /* the first look comes right after our request went out */
};

static int data_ready(void *arg)
{
    struct data_watch *d = arg;
    /* A reply cannot be there the instant the request left: the first look
     * costs no system call, only what is already buffered counts. */
    if (d->just_sent) {
        d->just_sent = 0;
        return comrt_frame_reader_buffered(&d->c->rd) != 0;
    }
    /* Reads what is there (the role is ours): one recv instead of a poll
     * and then the read. An error or the end counts as ready: the read
     * that follows reports it. */
    return comrt_frame_reader_poll(&d->c->rd, d->c->s) != E_PENDING;
}

static void spin_for_data(comrt_conn *c, int just_sent)
{
    struct data_watch d = {c, just_sent};
    comrt_spin(data_ready, &d);
}

/* The same bounded wait for a loopback reply (nothing to poll: the flag). */
struct reply_watch {
    comrt_conn *c;
    struct waiter *w;
};

static int reply_ready(void *arg)
{
    struct reply_watch *r = arg;
    pthread_mutex_lock(&r->c->lock);
    int done = r->w->done;
    pthread_mutex_unlock(&r->c->lock);
    return done;
}

static void spin_for_reply(comrt_conn *c, struct waiter *w)
{
    struct reply_watch r = {c, w};
    comrt_spin(reply_ready, &r);
}

/* Loopback: the frame is the message; a reply goes to its waiter, anything
 * else to the owner at once, on the sending thread (the exporter then posts
 * a call to the apartment it belongs to). */
static HRESULT loop_send(comrt_conn *c, const struct iovec *body, int n, size_t total)
{
    comrt_msg m;
    HRESULT hr;
    memset(&m, 0, sizeof m);
    m.frame = malloc(total ? total : 1);
    if (!m.frame)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a message");
    m.len = total;
    for (int i = 0, off = 0; i < n; off += (int)body[i].iov_len, i++)
        if (body[i].iov_len)
            memcpy(m.frame + off, body[i].iov_base, body[i].iov_len);
    hr = comrt_conn_parse_msg(&m);
    if (FAILED(hr))
        return hr;
    if (msg_type(&m) == COMRT_MSG_REPLY) {
        pthread_mutex_lock(&c->lock);
        int delivered = deliver_locked(c, &m);
        pthread_mutex_unlock(&c->lock);
        if (!delivered)
            comrt_msg_free(&m);
        return S_OK;
    }
    c->owner.on_message(c, &m, c->owner.ctx); /* takes m */
    return S_OK;
}

static HRESULT send_frame(comrt_conn *c, const struct iovec *body, int n, size_t total)
{
    if (c->loopback)
        return loop_send(c, body, n, total);
    pthread_mutex_lock(&c->send_lock);
    HRESULT hr = comrt_frame_writev(c->s, body, n, total);
    pthread_mutex_unlock(&c->send_lock);
    return hr;
}

HRESULT comrt_conn_send_iov(comrt_conn *c, const struct iovec *body, int n, size_t total)
{
    HRESULT hr = send_frame(c, body, n, total);
    if (FAILED(hr))
        comrt_conn_close(c);
    return hr;
}

HRESULT comrt_conn_send(comrt_conn *c, const void *frame, size_t len)
{
    struct iovec v = {(void *)frame, len};
    return comrt_conn_send_iov(c, &v, 1, len);
}

uint32_t comrt_conn_next_call_id(comrt_conn *c)
{
    return atomic_fetch_add(&c->next_id, 1);
}

HRESULT comrt_conn_call(comrt_conn *c, uint32_t call_id, const void *frame, size_t len, comrt_msg *reply)
{
    struct iovec v = {(void *)frame, len};
    return comrt_conn_call_iov(c, call_id, &v, 1, len, NULL, reply);
}

/*
 * The wait of an STA caller (lock held on entry and exit): besides its
 * reply it must run calls queued for its apartment (callbacks), so it
 * blocks in one poll on the socket (when it can take the read role) and the
 * apartment's eventfd, and runs queued work only while not holding the
 * role (that work may call out on this connection too).
 */
static void spin_for_reply(comrt_conn *c, struct waiter *w);

static void sta_wait_round(comrt_conn *c, comrt_apartment *sta, struct waiter *w, int *spun)
{
    if (c->loopback && !*spun) {
        *spun = 1;
        pthread_mutex_unlock(&c->lock);
        spin_for_reply(c, w);
        pthread_mutex_lock(&c->lock);
        return;
    }
    /* Queued work first, and never while holding the read role. */
    int take = !c->reading && !c->loopback && !comrt_apartment_has_work(sta), drop = 0;
    if (take) {
        take_role_locked(c);
    } else {
        c->loopers--; /* may run apartment work: not about to read */
        drop = rearm_if_idle_locked(c);
    }
    pthread_mutex_unlock(&c->lock);
    if (drop)
        drop_pool_ref(c);
    /* Bytes already buffered do not make the socket readable. */
    int readable = take && comrt_frame_reader_buffered(&c->rd) ? 1 : comrt_apartment_wait_round(sta, take ? c->fd : -1);
    if (!take) {
        pthread_mutex_lock(&c->lock);
        c->loopers++;
        pthread_mutex_unlock(&c->lock);
    }
    if (take) {
        if (readable) {
            read_and_route(c, 1);
        } else {
            pthread_mutex_lock(&c->lock);
            int drop = release_role_locked(c);
            pthread_mutex_unlock(&c->lock);
            if (drop)
                drop_pool_ref(c);
        }
    }
    pthread_mutex_lock(&c->lock);
}

HRESULT comrt_conn_call_iov(comrt_conn *c, uint32_t call_id, const struct iovec *body, int n, size_t total,
                            const comrt_reply_sink *sink, comrt_msg *reply)
{
    comrt_apartment *apt = comrt_apartment_current();
    struct waiter w = {.id = call_id, .sta = comrt_apartment_is_sta(apt) ? apt : NULL, .sink = sink};
    HRESULT hr;
    int spun = 0, held = 0, drop = 0;

    memset(reply, 0, sizeof *reply);
    pthread_mutex_lock(&c->lock);
    if (c->closed) {
        pthread_mutex_unlock(&c->lock);
        return comrt_error_set(RPC_E_DISCONNECTED, "the connection to pid %u is lost", (unsigned)c->peer.pid);
    }
    w.next = c->waiters;
    c->waiters = &w;
    c->loopers++;
    if (sink)
        atomic_fetch_add(&c->sinks, 1);
    /* An MTA caller takes the read role before it sends, if it is free: the
     * reply can come before send returns, and must not wake a worker. */
    if (!w.sta && !c->loopback && !c->reading) {
        take_role_locked(c);
        held = 1;
    }
    pthread_mutex_unlock(&c->lock);

    hr = send_frame(c, body, n, total);

    pthread_mutex_lock(&c->lock);
    if (FAILED(hr) && c->loopback) {
        w.done = 0;
        goto unlink; /* nothing was delivered: no reply will come */
    }
    if (FAILED(hr)) {
        int closed_now = close_locked(c);
        pthread_mutex_unlock(&c->lock);
        if (closed_now)
            notify_closed(c);
        pthread_mutex_lock(&c->lock);
    }
    /* Once closed, a reader still filling our buffer holds the read role;
     * we wait for it below (cv or kick) like any other reader. */
    while (!w.done && (!c->closed || w.filling)) {
        if (w.sta) {
            sta_wait_round(c, w.sta, &w, &spun);
            continue;
        }
        if (c->loopback && !spun) {
            /* The answer to a loopback call comes from a thread of this
             * process: a short wait for it usually beats a sleep and a wake-up. */
            spun = 1;
            pthread_mutex_unlock(&c->lock);
            spin_for_reply(c, &w);
            pthread_mutex_lock(&c->lock);
            continue;
        }
        if (!held) {
            if (c->reading || c->loopback) {
                pthread_cond_wait(&c->cv, &c->lock);
                continue;
            }
            take_role_locked(c);
        }
        pthread_mutex_unlock(&c->lock);
        spin_for_data(c, held);
        held = 0;
        read_and_route(c, 1); /* gives the role up */
        pthread_mutex_lock(&c->lock);
    }
unlink:
    if (sink)
        atomic_fetch_sub(&c->sinks, 1);
    if (held)
        drop = release_role_locked(c); /* taken, then the send failed */
    c->loopers--;
    drop |= rearm_if_idle_locked(c);
    for (struct waiter **pp = &c->waiters; *pp; pp = &(*pp)->next)
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    pthread_mutex_unlock(&c->lock);
    if (drop)
        drop_pool_ref(c);
    if (FAILED(hr) && c->loopback)
        return hr;
    if (!w.done)
        return comrt_error_set(RPC_E_DISCONNECTED, "the connection to pid %u was lost during the call",
                               (unsigned)c->peer.pid);
    *reply = w.msg;
    return S_OK;
}

/* What every connection starts with; it is then on the list of live ones. */
static void init_conn(comrt_conn *c, const comrt_conn_owner *owner, int fd)
{
    atomic_init(&c->refs, 1);
    c->fd = fd;
    c->owner = *owner;
    c->item.ready = on_ready;
    c->item.arg = c;
    c->item.acquire = pool_acquire;
    c->item.release = pool_release;
    c->item.edge = 1;
    c->buffered.run = on_buffered;
    c->buffered.cancel = on_buffered_cancel;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cv, NULL);
    pthread_mutex_init(&c->send_lock, NULL);
    atomic_init(&c->next_id, 1);
    pthread_mutex_lock(&all_lock);
    c->all_next = all_conns;
    if (all_conns)
        all_conns->all_prev = c;
    all_conns = c;
    pthread_mutex_unlock(&all_lock);
}

HRESULT comrt_conn_open(comrt_stream *s, REFGUID our_oxid, const comrt_conn_owner *owner, int timeout_ms,
                        comrt_conn **out)
{
    comrt_conn *c = calloc(1, sizeof *c);
    HRESULT hr;

    *out = NULL;
    if (!c) {
        s->ops->close_stream(s);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a connection");
    }
    init_conn(c, owner, s->ops->stream_fd(s));
    c->s = s;
    c->max_frame = comrt_frame_max();
    if (s->ops->peer_cred)
        s->ops->peer_cred(s, &c->peer.cred);

    hr = comrt_hello_send(s, our_oxid);
    /* The deadline covers the whole hello, not just its first byte. */
    if (SUCCEEDED(hr) && s->ops->set_recv_timeout)
        hr = s->ops->set_recv_timeout(s, timeout_ms);
    if (SUCCEEDED(hr))
        hr = comrt_hello_read(s, timeout_ms, &c->peer);
    if (SUCCEEDED(hr) && s->ops->set_recv_timeout)
        hr = s->ops->set_recv_timeout(s, 0);
    if (SUCCEEDED(hr))
        hr = comrt_pool_add(c->fd, &c->item);
    if (FAILED(hr)) {
        comrt_conn_unref(c);
        return hr;
    }
    /* The pool's reference; armed from now on. */
    atomic_fetch_add(&c->refs, 1);
    pthread_mutex_lock(&c->lock);
    c->pool_ref = 1;
    c->armed = 1;
    comrt_pool_arm(&c->item);
    pthread_mutex_unlock(&c->lock);
    *out = c;
    return S_OK;
}

void comrt_conn_ref(comrt_conn *c)
{
    atomic_fetch_add(&c->refs, 1);
}

void comrt_conn_unref(comrt_conn *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    pthread_mutex_lock(&all_lock);
    if (c->all_prev)
        c->all_prev->all_next = c->all_next;
    else
        all_conns = c->all_next;
    if (c->all_next)
        c->all_next->all_prev = c->all_prev;
    pthread_mutex_unlock(&all_lock);
    for (struct waiter *w = c->waiters; w; w = w->next)
        comrt_msg_free(&w->msg);
    if (c->s)
        c->s->ops->close_stream(c->s);
    comrt_frame_reader_destroy(&c->rd);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->send_lock);
    free(c);
}

HRESULT comrt_conn_open_loopback(REFGUID our_oxid, const comrt_conn_owner *owner, comrt_conn **out)
{
    comrt_conn *c = calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a connection");
    init_conn(c, owner, -1);
    c->loopback = 1;
    c->peer.oxid = *our_oxid;
    c->peer.pid = (uint32_t)getpid();
    c->peer.cred.pid = (int)getpid();
    c->peer.cred.uid = getuid();
    c->peer.cred.gid = getgid();
    *out = c;
    return S_OK;
}

int comrt_conn_is_loopback(const comrt_conn *c)
{
    return c->loopback;
}

const comrt_conn_peer *comrt_conn_peer_info(const comrt_conn *c)
{
    return &c->peer;
}

void comrt_conn_close(comrt_conn *c)
{
    pthread_mutex_lock(&c->lock);
    int closed_now = close_locked(c);
    int drop = settle_locked(c);
    pthread_mutex_unlock(&c->lock);
    if (closed_now)
        notify_closed(c);
    if (drop)
        drop_pool_ref(c);
}

int comrt_conn_is_closed(comrt_conn *c)
{
    pthread_mutex_lock(&c->lock);
    int closed = c->closed;
    pthread_mutex_unlock(&c->lock);
    return closed;
}
