/*
 * test_connpt_threads.c - the helper's locking: sinks that call back into
 * their connection point from QueryInterface, AddRef, their event method
 * and Release (each would deadlock if the point's lock were held around
 * the call), and Advise/Unadvise/fire/enumeration from 8 threads at once.
 */
#include <check.h>
#include <pthread.h>

#include "../check_main.h"
#include "fixture.h"

/* Re-entrancy ----------------------------------------------------------------------------- */

/* What a hook works on; armed makes it act once. */
struct reenter {
    Source *src;
    IConnectionPoint *cp;
    Sink *other;    /* a sink the hook advises */
    DWORD cookie;   /* the hooked sink's connection */
    DWORD got;      /* the connection the hook made */
    int armed;
    HRESULT hr;     /* what the hook's calls returned (first failure) */
    ULONG seen;     /* connections the hook counted */
};

static void note(struct reenter *r, HRESULT hr)
{
    if (FAILED(hr) && SUCCEEDED(r->hr))
        r->hr = hr;
}

/* From inside a call out of the helper, use every entry point of the point. */
static void use_everything(struct reenter *r)
{
    IEnumConnections *en = NULL;
    comrt_connpt_sinks snap;
    LONG v = 0;
    r->seen = comrt_connpt_connection_count(ticks_of(r->src));
    note(r, IConnectionPoint_EnumConnections(r->cp, &en));
    if (en)
        IEnumConnections_Release(en);
    note(r, comrt_connpt_snapshot(ticks_of(r->src), &snap));
    comrt_connpt_sinks_release(&snap);
    if (r->other)
        note(r, IConnectionPoint_Advise(r->cp, sink_unk(r->other), &r->got));
    note(r, comrt_connpt_fire(ticks_of(r->src), call_tick, &v, NULL, NULL));
}

static void hook_reenter(Sink *s, enum sink_hook where)
{
    struct reenter *r = s->ctx;
    if (!r->armed || (int)where != r->armed - 1)
        return;
    r->armed = 0;
    if (where == HOOK_TICK)
        note(r, IConnectionPoint_Unadvise(r->cp, r->cookie)); /* a sink leaving while it is fired */
    use_everything(r);
}

/* Sets up a source, its tick point, a sink with the hook and another sink. */
static void reenter_setup(struct reenter *r, Sink *hooked, Sink *other)
{
    memset(r, 0, sizeof *r);
    r->src = source_new();
    r->cp = tick_point(r->src);
    r->other = other;
    sink_init(hooked);
    sink_init(other);
    hooked->hook = hook_reenter;
    hooked->ctx = r;
}

static void reenter_teardown(struct reenter *r, Sink *hooked, Sink *other)
{
    ck_assert_int_eq(r->hr, S_OK);
    IConnectionPoint_Release(r->cp);
    IConnectionPointContainer_Release(&r->src->cpc.iface);
    ck_assert_uint_eq(atomic_load(&hooked->refs), 1);
    ck_assert_uint_eq(atomic_load(&other->refs), 1);
}

START_TEST(callback_from_queryinterface_during_advise)
{
    struct reenter r;
    Sink hooked, other;
    reenter_setup(&r, &hooked, &other);
    r.armed = HOOK_QI + 1;
    ck_assert_int_eq(IConnectionPoint_Advise(r.cp, sink_unk(&hooked), &r.cookie), S_OK);
    ck_assert_int_eq(r.armed, 0);
    ck_assert_uint_ne(r.got, 0);
    ck_assert_uint_gt(r.cookie, r.got); /* the nested Advise finished first */
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(r.src)), 2);
    reenter_teardown(&r, &hooked, &other);
}
END_TEST

START_TEST(callback_from_addref_during_snapshot)
{
    struct reenter r;
    Sink hooked, other;
    comrt_connpt_sinks snap;
    reenter_setup(&r, &hooked, &other);
    ck_assert_int_eq(IConnectionPoint_Advise(r.cp, sink_unk(&hooked), &r.cookie), S_OK);
    r.armed = HOOK_ADDREF + 1;
    ck_assert_int_eq(comrt_connpt_snapshot(ticks_of(r.src), &snap), S_OK);
    ck_assert_int_eq(r.armed, 0);
    ck_assert_uint_eq(snap.count, 1); /* taken before the hook advised another */
    ck_assert_uint_eq(r.seen, 1);
    comrt_connpt_sinks_release(&snap);
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(r.src)), 2);
    reenter_teardown(&r, &hooked, &other);
}
END_TEST

START_TEST(callback_from_the_event_while_firing)
{
    struct reenter r;
    Sink hooked, other;
    LONG v = 8;
    ULONG delivered = 0;
    reenter_setup(&r, &hooked, &other);
    ck_assert_int_eq(IConnectionPoint_Advise(r.cp, sink_unk(&hooked), &r.cookie), S_OK);
    r.armed = HOOK_TICK + 1;
    /* the sink unadvises itself, advises other and fires again, from its Tick */
    ck_assert_int_eq(comrt_connpt_fire(ticks_of(r.src), call_tick, &v, &delivered, NULL), S_OK);
    ck_assert_uint_eq(delivered, 1);
    ck_assert_int_eq(atomic_load(&hooked.ticks), 1);
    ck_assert_int_eq(atomic_load(&other.ticks), 1); /* from the nested fire */
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(r.src)), 1);
    ck_assert_int_eq(IConnectionPoint_Unadvise(r.cp, r.got), S_OK);
    reenter_teardown(&r, &hooked, &other);
}
END_TEST

START_TEST(callback_from_release_during_unadvise)
{
    struct reenter r;
    Sink hooked, other;
    reenter_setup(&r, &hooked, &other);
    ck_assert_int_eq(IConnectionPoint_Advise(r.cp, sink_unk(&hooked), &r.cookie), S_OK);
    r.armed = HOOK_RELEASE + 1;
    ck_assert_int_eq(IConnectionPoint_Unadvise(r.cp, r.cookie), S_OK);
    ck_assert_int_eq(r.armed, 0);
    ck_assert_uint_eq(r.seen, 0); /* the connection was gone when its sink was released */
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(r.src)), 1);
    /* and from the release of a dropped sink */
    ck_assert_int_eq(IConnectionPoint_Advise(r.cp, sink_unk(&hooked), &r.cookie), S_OK);
    r.other = NULL;
    r.armed = HOOK_RELEASE + 1;
    ck_assert_int_eq(comrt_connpt_drop(ticks_of(r.src), r.cookie), S_OK);
    ck_assert_int_eq(r.armed, 0);
    ck_assert_int_eq(IConnectionPoint_Unadvise(r.cp, r.got), S_OK);
    reenter_teardown(&r, &hooked, &other);
}
END_TEST

/* Eight threads ------------------------------------------------------------------------------ */

#define THREADS 8
#define ROUNDS 3000

struct worker {
    Source *src;
    IConnectionPoint *cp;       /* the worker's own reference */
    pthread_barrier_t *start;
    Sink own;                   /* answers */
    Sink dead;                  /* fails as if its process were gone (odd workers) */
    int with_dead;
    DWORD cookies[2 * ROUNDS];
    int ncookies;
    int errors;                 /* unexpected results */
    int missed;                 /* fires whose snapshot lacked our connection */
};

struct mine {
    IUnknown *own;
    int hits;
    LONG value;
};

static HRESULT call_counting(IUnknown *sink, void *ctx)
{
    struct mine *m = ctx;
    if (sink == m->own)
        m->hits++;
    return ITickEvents_Tick((ITickEvents *)sink, m->value);
}

/* Whether a fresh enumerator of cp lists cookie. */
static int enumerates(IConnectionPoint *cp, DWORD cookie, int *errors)
{
    IEnumConnections *en = NULL;
    CONNECTDATA cd;
    int found = 0;
    if (FAILED(IConnectionPoint_EnumConnections(cp, &en))) {
        ++*errors;
        return 0;
    }
    while (IEnumConnections_Next(en, 1, &cd, NULL) == S_OK) {
        found += cd.dwCookie == cookie;
        IUnknown_Release(cd.pUnk);
    }
    IEnumConnections_Release(en);
    return found == 1;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    comrt_connpt *ticks = comrt_connpt_container_find(&w->src->cpc, &IID_ITickEvents);
    pthread_barrier_wait(w->start);
    for (int r = 0; r < ROUNDS; r++) {
        DWORD c = 0, d = 0;
        if (FAILED(IConnectionPoint_Advise(w->cp, sink_unk(&w->own), &c))) {
            w->errors++;
            continue;
        }
        w->cookies[w->ncookies++] = c;
        if (w->with_dead && SUCCEEDED(IConnectionPoint_Advise(w->cp, sink_unk(&w->dead), &d)))
            w->cookies[w->ncookies++] = d;
        struct mine m = {sink_unk(&w->own), 0, r};
        ULONG delivered = 0;
        if (FAILED(comrt_connpt_fire(ticks, call_counting, &m, &delivered, NULL)) || delivered < 1)
            w->errors++;
        w->missed += m.hits != 1; /* connected before the fire: in its snapshot exactly once */
        if (!enumerates(w->cp, c, &w->errors))
            w->missed++;
        if (FAILED(IConnectionPoint_Unadvise(w->cp, c)))
            w->errors++;
        if (d) {
            /* another worker's fire may have dropped it already */
            HRESULT hr = IConnectionPoint_Unadvise(w->cp, d);
            w->errors += hr != S_OK && hr != CONNECT_E_NOCONNECTION;
        }
    }
    IConnectionPoint_Release(w->cp);
    return NULL;
}

static int cmp_cookie(const void *a, const void *b)
{
    DWORD x = *(const DWORD *)a, y = *(const DWORD *)b;
    return x < y ? -1 : x > y;
}

START_TEST(eight_threads_advise_unadvise_fire)
{
    static struct worker w[THREADS];
    pthread_t t[THREADS];
    pthread_barrier_t start;
    Source *src = source_new();

    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].src = src;
        w[i].cp = tick_point(src);
        w[i].start = &start;
        sink_init(&w[i].own);
        sink_init(&w[i].dead);
        w[i].dead.result = RPC_E_DISCONNECTED;
        w[i].with_dead = i % 2;
        ck_assert_int_eq(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
    }
    static DWORD all[THREADS * 2 * ROUNDS];
    size_t n = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(w[i].errors == 0, "worker %d: %d unexpected results", i, w[i].errors);
        ck_assert_msg(w[i].missed == 0, "worker %d: its connection was missing %d times", i, w[i].missed);
        ck_assert_int_eq(atomic_load(&w[i].own.ticks) >= ROUNDS, 1);
        for (int k = 0; k < w[i].ncookies; k++)
            all[n++] = w[i].cookies[k];
    }
    pthread_barrier_destroy(&start);
    /* every cookie handed out was distinct */
    ck_assert_uint_ge(n, (size_t)THREADS * ROUNDS);
    qsort(all, n, sizeof all[0], cmp_cookie);
    for (size_t k = 1; k < n; k++)
        ck_assert_msg(all[k] != all[k - 1], "cookie %u handed out twice", (unsigned)all[k]);
    ck_assert_uint_eq(all[0], 1);
    /* nothing left connected, every reference back */
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(src)), 0);
    ck_assert_uint_eq(refs_of(src), 1);
    for (int i = 0; i < THREADS; i++) {
        ck_assert_uint_eq(atomic_load(&w[i].own.refs), 1);
        ck_assert_uint_eq(atomic_load(&w[i].dead.refs), 1);
    }
    IConnectionPointContainer_Release(&src->cpc.iface);
}
END_TEST

/* One enumerator, eight threads: each entry comes out exactly once. */
#define ENTRIES 2000

struct reader {
    IEnumConnections *en;
    pthread_barrier_t *start;
    DWORD got[ENTRIES];
    int n;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    CONNECTDATA cd[3];
    ULONG f = 0;
    pthread_barrier_wait(r->start);
    while (SUCCEEDED(IEnumConnections_Next(r->en, 3, cd, &f)) && f > 0)
        for (ULONG i = 0; i < f; i++) {
            r->got[r->n++] = cd[i].dwCookie;
            IUnknown_Release(cd[i].pUnk);
        }
    return NULL;
}

START_TEST(eight_threads_share_one_enumerator)
{
    static struct reader rd[THREADS];
    static DWORD all[ENTRIES];
    pthread_t t[THREADS];
    pthread_barrier_t start;
    Source *src = source_new();
    IConnectionPoint *cp = tick_point(src);
    IEnumConnections *en = NULL;
    Sink k;
    DWORD c;

    sink_init(&k);
    for (int i = 0; i < ENTRIES; i++)
        ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&k), &c), S_OK);
    ck_assert_int_eq(IConnectionPoint_EnumConnections(cp, &en), S_OK);
    pthread_barrier_init(&start, NULL, THREADS);
    for (int i = 0; i < THREADS; i++) {
        rd[i].en = en;
        rd[i].start = &start;
        rd[i].n = 0;
        ck_assert_int_eq(pthread_create(&t[i], NULL, reader_main, &rd[i]), 0);
    }
    size_t n = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        for (int j = 0; j < rd[i].n; j++)
            all[n++] = rd[i].got[j];
    }
    pthread_barrier_destroy(&start);
    ck_assert_uint_eq(n, ENTRIES);
    qsort(all, n, sizeof all[0], cmp_cookie);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(all[i], i + 1); /* cookies 1..ENTRIES, each once */
    IEnumConnections_Release(en);
    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(&src->cpc.iface);
    ck_assert_uint_eq(atomic_load(&k.refs), 1);
}
END_TEST

static Suite *threads_suite(void)
{
    Suite *s = suite_create("connpt-threads");
    TCase *tc = tcase_create("reentrancy");
    /* A lock held around a call out deadlocks: the timeout turns that into a failure. */
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, callback_from_queryinterface_during_advise);
    tcase_add_test(tc, callback_from_addref_during_snapshot);
    tcase_add_test(tc, callback_from_the_event_while_firing);
    tcase_add_test(tc, callback_from_release_during_unadvise);
    suite_add_tcase(s, tc);
    tc = tcase_create("threads");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, eight_threads_advise_unadvise_fire);
    tcase_add_test(tc, eight_threads_share_one_enumerator);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return comrt_run_suite(threads_suite());
}
