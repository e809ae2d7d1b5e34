/*
 * conn.c - connections: handshake, call ids, the reply wait; see conn.h.
 *
 * The read role: at most one thread reads a connection's socket at a time.
 * A caller waiting for its reply takes the role whenever it is free; when
 * no caller waits, the socket is armed (one-shot) in the worker pool and a
 * worker takes the role for one message. Invariant: while the connection
 * lives, its socket is either armed or some thread holds the read role (or
 * is about to re-arm), so exactly one party drops the pool's reference when
 * the connection closes.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "conn.h"
#include "frame.h"
#include "log.h"
#include "msgcheck.h"
#include "pool.h"

struct waiter {
    uint32_t id;
    int done;
    comrt_msg msg;
    comrt_apartment *sta; /* an STA caller: kicked instead of (as well as) cv */
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
    pthread_mutex_t lock;
    pthread_cond_t cv; /* broadcast: reply delivered, read role freed, closed */
    pthread_mutex_t send_lock;
    int reading;
    int armed; /* armed in the pool, or an event delivered and not yet handled */
    int closed;
    int pool_ref;
    int loopback; /* this process to itself: no socket, see comrt_conn_open_loopback */
    int loopers;  /* waiters in their wait loop, about to read (not running a handler) */
    struct waiter *waiters;
    atomic_uint next_id;
    struct comrt_conn *all_prev, *all_next; /* every live connection */
};

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
    free(m->frame);
    memset(m, 0, sizeof *m);
}

static HRESULT parse_msg(comrt_msg *m);

/* Reads and unpacks one message. The caller holds the read role. */
static HRESULT read_msg(comrt_conn *c, comrt_msg *m)
{
    HRESULT hr;

    memset(m, 0, sizeof *m);
    hr = comrt_frame_read(c->s, c->max_frame, &m->frame, &m->len);
    if (hr == S_FALSE)
        return comrt_error_set(RPC_E_DISCONNECTED, "the peer closed the connection");
    if (FAILED(hr))
        return hr;
    return parse_msg(m);
}

/* Unpacks m->frame (m->len bytes); frees it on failure. */
static HRESULT parse_msg(comrt_msg *m)
{
    size_t off = 0;
    msgpack_unpacked_init(&m->up);
    /* Checked first: msgpack-c would allocate declared counts before reading them. */
    if (!m->frame || !comrt_msgpack_plausible(m->frame, m->len) ||
        msgpack_unpack_next(&m->up, m->frame, m->len, &off) != MSGPACK_UNPACK_SUCCESS ||
        off != m->len || m->up.data.type != MSGPACK_OBJECT_ARRAY || m->up.data.via.array.size < 2 ||
        m->up.data.via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        comrt_msg_free(m);
        return comrt_error_set(RPC_E_INVALID_DATAPACKET, "malformed message: not a msgpack array with a type");
    }
    m->items = m->up.data.via.array.ptr;
    m->nitems = m->up.data.via.array.size;
    return S_OK;
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

/* Lock held. Gives up the read role: re-arm, or drop the pool's reference
 * once closed. Returns 1 if the caller must drop that reference (unlocked). */
static int release_role_locked(comrt_conn *c)
{
    c->reading = 0;
    wake_all_locked(c);
    if (c->armed)
        return 0;
    if (c->closed) {
        if (c->pool_ref) {
            c->pool_ref = 0;
            return 1;
        }
        return 0;
    }
    c->armed = 1;
    comrt_pool_arm(c->fd, &c->item);
    return 0;
}

/* Lock held. A waiter stops being about to read (it leaves, or runs a
 * handler or apartment work): if a worker skipped the socket for its sake
 * meanwhile (on_ready found loopers), the pool must watch it again. */
static void rearm_if_idle_locked(comrt_conn *c)
{
    if (!c->closed && !c->armed && !c->reading && !c->loopback) {
        c->armed = 1;
        comrt_pool_arm(c->fd, &c->item);
    }
}

static void drop_pool_ref(comrt_conn *c)
{
    comrt_pool_remove(c->fd);
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
    HRESULT hr = read_msg(c, &m);
    int closed_now = 0, drop = 0;

    pthread_mutex_lock(&c->lock);
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

/* Pool worker: the socket became readable (or hung up). */
static void on_ready(void *arg)
{
    comrt_conn *c = arg;
    int drop = 0;

    pthread_mutex_lock(&c->lock);
    c->armed = 0;
    if (c->closed) {
        if (!c->reading && c->pool_ref) {
            c->pool_ref = 0;
            drop = 1;
        }
        pthread_mutex_unlock(&c->lock);
        if (drop)
            drop_pool_ref(c);
        return;
    }
    if (c->reading || c->loopers) {
        /* A caller reads, or waits and is about to: it re-arms when done.
         * (A caller busy running a callback does not count: others must
         * not wait for it, so then this worker reads.) */
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->reading = 1;
    pthread_mutex_unlock(&c->lock);

    /* A caller may have consumed the data since the event: do not block. */
    struct pollfd p = {c->fd, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) {
        pthread_mutex_lock(&c->lock);
        drop = release_role_locked(c);
        pthread_mutex_unlock(&c->lock);
        if (drop)
            drop_pool_ref(c);
        return;
    }
    comrt_conn_ref(c);
    read_and_route(c, 0);
    comrt_conn_unref(c);
}

/*
 * The reply wait: before blocking in recv, poll the socket for a short,
 * bounded time (comrt_spin). When the peer answers within it (a short call
 * on another core), the caller never sleeps, and the ~20 us cross-core
 * wake-up of a blocked thread is avoided.
 */
static int data_ready(void *arg)
{
    struct pollfd p = {((comrt_conn *)arg)->fd, POLLIN, 0};
    return poll(&p, 1, 0) != 0;
}

static void spin_for_data(comrt_conn *c)
{
    comrt_spin(data_ready, c);
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
    hr = parse_msg(&m);
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
    return comrt_conn_call_iov(c, call_id, &v, 1, len, reply);
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
    int take = !c->reading && !c->loopback && !comrt_apartment_has_work(sta);
    if (take) {
        c->reading = 1;
    } else {
        c->loopers--; /* may run apartment work: not about to read */
        rearm_if_idle_locked(c);
    }
    pthread_mutex_unlock(&c->lock);
    int readable = comrt_apartment_wait_round(sta, take ? c->fd : -1);
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
                            comrt_msg *reply)
{
    comrt_apartment *apt = comrt_apartment_current();
    struct waiter w = {.id = call_id, .sta = comrt_apartment_is_sta(apt) ? apt : NULL};
    HRESULT hr;
    int spun = 0;

    memset(reply, 0, sizeof *reply);
    pthread_mutex_lock(&c->lock);
    if (c->closed) {
        pthread_mutex_unlock(&c->lock);
        return comrt_error_set(RPC_E_DISCONNECTED, "the connection to pid %u is lost", (unsigned)c->peer.pid);
    }
    w.next = c->waiters;
    c->waiters = &w;
    c->loopers++;
    /* The socket stays armed while we wait: a pool worker woken by our reply
     * finds us reading and goes back to sleep. Disarming it here would save
     * that wake-up, but epoll cannot say whether an event is already on its
     * way to a worker, and re-arming then could hand one connection to two
     * workers at once. The spin below usually reads the reply first. */
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
    while (!w.done && !c->closed) {
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
        if (c->reading || c->loopback) {
            pthread_cond_wait(&c->cv, &c->lock);
            continue;
        }
        c->reading = 1;
        pthread_mutex_unlock(&c->lock);
        spin_for_data(c);
        read_and_route(c, 1);
        pthread_mutex_lock(&c->lock);
    }
unlink:
    c->loopers--;
    rearm_if_idle_locked(c);
    for (struct waiter **pp = &c->waiters; *pp; pp = &(*pp)->next)
        if (*pp == &w) {
            *pp = w.next;
            break;
        }
    pthread_mutex_unlock(&c->lock);
    if (FAILED(hr) && c->loopback)
        return hr;
    if (!w.done)
        return comrt_error_set(RPC_E_DISCONNECTED, "the connection to pid %u was lost during the call",
                               (unsigned)c->peer.pid);
    *reply = w.msg;
    return S_OK;
}

/* Handshake ------------------------------------------------------------------- */

static HRESULT send_hello(comrt_stream *s, REFGUID oxid)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str_with_body(&pk, "comrt", 5);
    msgpack_pack_uint32(&pk, COMRT_PROTOCOL_MAJOR);
    msgpack_pack_uint32(&pk, COMRT_PROTOCOL_MINOR);
    msgpack_pack_bin_with_body(&pk, oxid, sizeof(GUID));
    msgpack_pack_uint32(&pk, (uint32_t)getpid());
    HRESULT hr = comrt_frame_write(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return hr;
}

static HRESULT read_hello(comrt_conn *c, int timeout_ms)
{
    struct pollfd p = {c->fd, POLLIN, 0};
    comrt_msg m;
    size_t off = 0;
    HRESULT hr;

    if (poll(&p, 1, timeout_ms) <= 0)
        return comrt_error_set(RPC_E_TIMEOUT, "no handshake from the peer within %d ms", timeout_ms);
    memset(&m, 0, sizeof m);
    /* A hello is small: refuse anything larger before allocating. */
    hr = comrt_frame_read(c->s, 256, &m.frame, &m.len);
    if (hr != S_OK)
        return hr == S_FALSE ? comrt_error_set(RPC_E_DISCONNECTED, "the peer closed the connection in the handshake")
                             : hr;
    msgpack_unpacked_init(&m.up);
    const msgpack_object *a = NULL;
    if (m.frame && comrt_msgpack_plausible(m.frame, m.len) &&
        msgpack_unpack_next(&m.up, m.frame, m.len, &off) == MSGPACK_UNPACK_SUCCESS &&
        m.up.data.type == MSGPACK_OBJECT_ARRAY && m.up.data.via.array.size >= 5)
        a = m.up.data.via.array.ptr;
    if (!a || a[0].type != MSGPACK_OBJECT_STR || a[0].via.str.size != 5 || memcmp(a[0].via.str.ptr, "comrt", 5) ||
        a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        a[3].type != MSGPACK_OBJECT_BIN || a[3].via.bin.size != sizeof(GUID) ||
        a[4].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        hr = comrt_error_set(RPC_E_INVALID_DATAPACKET, "the peer's handshake is not a comrt hello");
    } else if (a[1].via.u64 != COMRT_PROTOCOL_MAJOR) {
        hr = comrt_error_set(RPC_E_INVALID_DATAPACKET, "the peer speaks protocol %llu.%llu; this is %d.%d",
                             (unsigned long long)a[1].via.u64, (unsigned long long)a[2].via.u64,
                             COMRT_PROTOCOL_MAJOR, COMRT_PROTOCOL_MINOR);
    } else {
        memcpy(&c->peer.oxid, a[3].via.bin.ptr, sizeof(GUID));
        c->peer.pid = (uint32_t)a[4].via.u64;
        hr = S_OK;
    }
    comrt_msg_free(&m);
    return hr;
}

/* What every connection starts with; it is then on the list of live ones. */
static void init_conn(comrt_conn *c, const comrt_conn_owner *owner, int fd)
{
    atomic_init(&c->refs, 1);
    c->fd = fd;
    c->owner = *owner;
    c->item.ready = on_ready;
    c->item.arg = c;
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

    hr = send_hello(s, our_oxid);
    /* The deadline covers the whole hello, not just its first byte. */
    if (SUCCEEDED(hr) && s->ops->set_recv_timeout)
        hr = s->ops->set_recv_timeout(s, timeout_ms);
    if (SUCCEEDED(hr))
        hr = read_hello(c, timeout_ms);
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
    comrt_pool_arm(c->fd, &c->item);
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
    pthread_mutex_unlock(&c->lock);
    if (closed_now)
        notify_closed(c);
}

int comrt_conn_is_closed(comrt_conn *c)
{
    pthread_mutex_lock(&c->lock);
    int closed = c->closed;
    pthread_mutex_unlock(&c->lock);
    return closed;
}
