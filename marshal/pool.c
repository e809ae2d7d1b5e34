/* pool.c - epoll worker pool; see pool.h. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../runtime/internal.h"
#include "apartment.h"
#include "pool.h"

#define POOL_MIN 2
#define POOL_MAX 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int epfd = -1;
static HRESULT init_hr = S_OK;
static atomic_int workers, idle;

/* Work submitted to the MTA: a FIFO behind an eventfd in the epoll set. The
 * eventfd is non-zero exactly while the queue is not empty (both changed
 * under qlock); its item is one-shot and re-armed after each pop, so one
 * worker takes one piece of work and the next worker the next. */
static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static comrt_apt_work *qhead, *qtail;
static int qfd = -1;
static comrt_pool_item qitem;

/* The items in the epoll set, by token (see pool.h): slot | generation << 32.
 * A slot's generation changes when its item is disarmed or removed, which
 * makes every token handed out before stale. */
struct slot {
    comrt_pool_item *item; /* NULL: free */
    uint32_t gen;
};
static pthread_mutex_t tlock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *slots;
static uint32_t nslots, capslots, free_hint;

static void *worker(void *arg);
static HRESULT add_item(int fd, comrt_pool_item *item);

static void spawn_worker(void)
{
    pthread_t t;
    pthread_attr_t a;
    if (atomic_load(&workers) >= POOL_MAX)
        return;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    atomic_fetch_add(&workers, 1);
    atomic_fetch_add(&idle, 1);
    if (pthread_create(&t, &a, worker, NULL) != 0) {
        atomic_fetch_sub(&workers, 1);
        atomic_fetch_sub(&idle, 1);
    }
    pthread_attr_destroy(&a);
}

#define SPIN_NS 50000

static int spin_worthwhile(void)
{
    static atomic_int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        v = sysconf(_SC_NPROCESSORS_ONLN) > 1 && !getenv("COMRT_NO_SPIN");
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

int comrt_spin(int (*ready)(void *arg), void *arg)
{
    struct timespec t0, t;
    int r = ready(arg);
    if (r || !spin_worthwhile())
        return r;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        sched_yield();
        if ((r = ready(arg)) != 0)
            return r;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) > SPIN_NS)
            return 0;
    }
}

struct event_watch {
    struct epoll_event *ev;
    int n;
};

static int event_ready(void *arg)
{
    struct event_watch *e = arg;
    e->n = epoll_wait(epfd, e->ev, 1, 0);
    return e->n != 0;
}

/* A worker that has just run MTA work watches for the next event for a
 * moment before it sleeps: work between apartments comes in runs. */
static int wait_event(struct epoll_event *ev, int spin)
{
    struct event_watch e = {ev, 0};
    if (spin && comrt_spin(event_ready, &e))
        return e.n;
    return epoll_wait(epfd, ev, 1, -1);
}

/* The item a token names, acquired; NULL if the token is stale. */
static comrt_pool_item *resolve(uint64_t token)
{
    uint32_t i = (uint32_t)token, gen = (uint32_t)(token >> 32);
    comrt_pool_item *item = NULL;
    pthread_mutex_lock(&tlock);
    if (i < nslots && slots[i].item && slots[i].gen == gen) {
        item = slots[i].item;
        if (item->acquire)
            item->acquire(item->arg);
    }
    pthread_mutex_unlock(&tlock);
    return item;
}

static void *worker(void *arg)
{
    int busy_before = 0;
    (void)arg;
    comrt_thread_set_worker();
    for (;;) {
        struct epoll_event ev;
        int n = wait_event(&ev, busy_before);
        /* Only after in-process work: a thread of this process is likely to
         * hand over more at once (calls between apartments). After a socket
         * event the peer is another process, which may share our CPU, and
         * watching would only slow it down. */
        busy_before = n > 0 && ev.data.u64 == qitem.token;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (n == 0)
            continue;
        /* Keep one worker free to read, so a long call never blocks reading. */
        if (atomic_fetch_sub(&idle, 1) == 1)
            spawn_worker();
        comrt_pool_item *item = resolve(ev.data.u64);
        if (item) {
            item->ready(item->arg);
            if (item->release)
                item->release(item->arg);
        }
        atomic_fetch_add(&idle, 1);
    }
    atomic_fetch_sub(&workers, 1);
    atomic_fetch_sub(&idle, 1);
    return NULL;
}

static void on_work(void *arg)
{
    uint64_t v;
    (void)arg;
    pthread_mutex_lock(&qlock);
    comrt_apt_work *w = qhead;
    if (w) {
        qhead = w->next;
        if (!qhead) {
            qtail = NULL;
            if (read(qfd, &v, sizeof v) < 0) { /* cannot fail: the counter is non-zero */ }
        }
    }
    pthread_mutex_unlock(&qlock);
    comrt_pool_arm(&qitem);
    if (w)
        w->run(w);
}

static void pool_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        init_hr = comrt_hresult_from_errno(errno);
        return;
    }
    qfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    qitem.ready = on_work;
    if (qfd < 0 || FAILED(init_hr = add_item(qfd, &qitem)))
        goto fail;
    comrt_pool_arm(&qitem);
    for (int i = 0; i < POOL_MIN; i++)
        spawn_worker();
    return;
fail:
    if (SUCCEEDED(init_hr))
        init_hr = comrt_hresult_from_errno(errno);
}

/* Takes a slot for item and puts fd in the set, disarmed. */
static HRESULT add_item(int fd, comrt_pool_item *item)
{
    uint32_t i;
    pthread_mutex_lock(&tlock);
    for (i = free_hint; i < nslots && slots[i].item; i++)
        ;
    if (i == nslots) {
        if (nslots == capslots) {
            uint32_t n = capslots ? capslots * 2 : 64;
            struct slot *t = realloc(slots, n * sizeof *t);
            if (!t) {
                pthread_mutex_unlock(&tlock);
                return comrt_error_set(E_OUTOFMEMORY, "out of memory for the worker pool's table");
            }
            slots = t;
            capslots = n;
        }
        slots[nslots++] = (struct slot){NULL, 0};
    }
    slots[i].item = item;
    free_hint = i + 1;
    item->fd = fd;
    item->token = (uint64_t)slots[i].gen << 32 | i;
    pthread_mutex_unlock(&tlock);
    /* One-shot even now: EPOLLHUP is reported whatever the mask says, and
     * must not fire again and again before anyone arms the fd. */
    struct epoll_event ev = {.events = EPOLLONESHOT, .data.u64 = item->token};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int e = errno;
        pthread_mutex_lock(&tlock);
        slots[i].item = NULL;
        if (i < free_hint)
            free_hint = i;
        pthread_mutex_unlock(&tlock);
        return comrt_error_set(comrt_hresult_from_errno(e), "epoll_ctl ADD: %s", strerror(e));
    }
    return S_OK;
}

/* Makes every token of item's slot stale; returns the slot. */
static uint32_t retire_token(comrt_pool_item *item, int free_slot)
{
    uint32_t i = (uint32_t)item->token;
    pthread_mutex_lock(&tlock);
    slots[i].gen++;
    item->token = (uint64_t)slots[i].gen << 32 | i;
    if (free_slot) {
        slots[i].item = NULL;
        if (i < free_hint)
            free_hint = i;
    }
    pthread_mutex_unlock(&tlock);
    return i;
}

HRESULT comrt_pool_add(int fd, comrt_pool_item *item)
{
    pthread_once(&once, pool_init);
    if (FAILED(init_hr))
        return comrt_error_set(init_hr, "cannot create the worker pool's epoll set");
    return add_item(fd, item);
}

void comrt_pool_arm(comrt_pool_item *item)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (item->edge ? EPOLLET : EPOLLONESHOT),
                             .data.u64 = item->token};
    epoll_ctl(epfd, EPOLL_CTL_MOD, item->fd, &ev);
}

void comrt_pool_disarm(comrt_pool_item *item)
{
    retire_token(item, 0);
    /* EPOLLHUP and EPOLLERR are reported whatever the mask says: once. */
    struct epoll_event ev = {.events = item->edge ? EPOLLET : EPOLLONESHOT, .data.u64 = item->token};
    epoll_ctl(epfd, EPOLL_CTL_MOD, item->fd, &ev);
}

void comrt_pool_remove(comrt_pool_item *item)
{
    if (epfd < 0)
        return;
    epoll_ctl(epfd, EPOLL_CTL_DEL, item->fd, NULL);
    retire_token(item, 1);
}

HRESULT comrt_pool_submit(comrt_apt_work *w)
{
    uint64_t one = 1;
    pthread_once(&once, pool_init);
    if (FAILED(init_hr))
        return comrt_error_set(init_hr, "cannot create the worker pool");
    w->next = NULL;
    pthread_mutex_lock(&qlock);
    if (qtail) {
        qtail->next = w;
    } else {
        qhead = w;
        if (write(qfd, &one, sizeof one) < 0) { /* cannot fail: the counter was 0 */ }
    }
    qtail = w;
    pthread_mutex_unlock(&qlock);
    return S_OK;
}
