/* pool.c - epoll worker pool; see pool.h. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "pool.h"

#define POOL_MIN 2
#define POOL_MAX 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int epfd = -1;
static HRESULT init_hr = S_OK;
static atomic_int workers, idle;

static void *worker(void *arg);

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

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        struct epoll_event ev;
        int n = epoll_wait(epfd, &ev, 1, -1);
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
        comrt_pool_item *item = ev.data.ptr;
        item->ready(item->arg);
        atomic_fetch_add(&idle, 1);
    }
    atomic_fetch_sub(&workers, 1);
    atomic_fetch_sub(&idle, 1);
    return NULL;
}

static void pool_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) {
        init_hr = comrt_hresult_from_errno(errno);
        return;
    }
    for (int i = 0; i < POOL_MIN; i++)
        spawn_worker();
}

HRESULT comrt_pool_add(int fd, comrt_pool_item *item)
{
    pthread_once(&once, pool_init);
    if (FAILED(init_hr))
        return comrt_error_set(init_hr, "cannot create the worker pool's epoll set");
    struct epoll_event ev = {.events = 0, .data.ptr = item};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "epoll_ctl ADD: %s", strerror(errno));
    return S_OK;
}

void comrt_pool_arm(int fd, comrt_pool_item *item)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, .data.ptr = item};
    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void comrt_pool_remove(int fd)
{
    if (epfd >= 0)
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}
