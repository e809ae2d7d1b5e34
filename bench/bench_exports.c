/*
 * bench_exports.c - an out-of-process null call (IParams_Null on tests/oop's
 * oop-server) as the server's export table grows, in one run:
 *
 *   1. the server has exported one object, the one called ("first");
 *   2. this client then makes 10,000 more objects (CoCreateInstance each,
 *      all held) and one more to call ("newest"): 10,002 exported; the
 *      first and the newest are called in alternating runs;
 *   3. the 10,001 others are released (and the server has seen the
 *      releases: its live object count is back to 1); the first again.
 *
 * Both ends of the table are measured because a table scanned in order
 * finds its first entry at once and its newest last. The ratio compares
 * the newest with the mean of the two one-object phases (which also shows
 * how much the machine drifted). Medians of RUNS runs of CALLS calls.
 *
 * BENCH_EXPORTS_N=count changes the 10,000. BENCH_EXPORTS_PROFILE=calls
 * makes only the count's objects and the newest, and calls the newest that
 * many times: a fixed workload for the server under callgrind
 * (bench/exports_callgrind.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BENCH_NAME "bench_exports"
#include "benchutil.h"
#include "oop.h"

#define RUNS 7
#define CALLS 2000
#define MANY 10000

static IParams *create_params(void)
{
    IParams *p = NULL;
    CHECK("CoCreateInstance", create_local(&CLSID_OopServer, &IID_IParams, (void **)&p, NULL));
    return p;
}

/* ns per call over CALLS null calls. */
static double null_calls(IParams *p)
{
    double t0 = now_ns();
    for (long i = 0; i < CALLS; i++)
        CHECK("Null", IParams_Null(p));
    return (now_ns() - t0) / CALLS;
}

static LONG live_objects(IServer *s)
{
    LONG n = -1;
    CHECK("LiveObjects", IServer_LiveObjects(s, &n));
    return n;
}

int main(void)
{
    const char *env = getenv("BENCH_EXPORTS_N");
    long many = env ? atol(env) : MANY;
    if (many < 0)
        many = MANY;
    IParams **objs = calloc((size_t)many + 1, sizeof *objs);
    if (!objs)
        return 1;
    CHECK("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));

    const char *profile = getenv("BENCH_EXPORTS_PROFILE");
    if (profile) {
        long calls = atol(profile);
        for (long i = 0; i < many; i++)
            objs[i] = create_params();
        IParams *newest = create_params();
        for (long i = 0; i < calls; i++)
            CHECK("Null", IParams_Null(newest));
        printf("profile: %ld objects + 1, %ld null calls on the newest\n", many, calls);
        IParams_Release(newest);
        for (long i = 0; i < many; i++)
            IParams_Release(objs[i]);
        CoUninitialize();
        free(objs);
        return 0;
    }
    printf("out-of-process null call vs the server's exported objects (oop-server)\n");

    /* 1. One object exported. */
    IParams *first = create_params();
    IServer *srv = NULL;
    CHECK("QueryInterface(IServer)", IParams_QueryInterface(first, &IID_IServer, (void **)&srv));
    double one_a[RUNS], one_b[RUNS], many_first[RUNS], many_newest[RUNS];
    null_calls(first); /* warm-up */
    for (int r = 0; r < RUNS; r++)
        one_a[r] = null_calls(first);

    /* 2. many more, then the newest. */
    double t0 = now_ns();
    for (long i = 0; i < many; i++)
        objs[i] = create_params();
    double create_ms = (now_ns() - t0) / 1e6;
    IParams *newest = create_params();
    LONG live_many = live_objects(srv);
    null_calls(newest); /* warm-up */
    for (int r = 0; r < RUNS; r++) {
        many_first[r] = null_calls(first);
        many_newest[r] = null_calls(newest);
    }

    /* 3. Back to one: released, and the releases processed by the server. */
    t0 = now_ns();
    IParams_Release(newest);
    for (long i = 0; i < many; i++)
        IParams_Release(objs[i]);
    while (live_objects(srv) > 1)
        usleep(1000);
    double release_ms = (now_ns() - t0) / 1e6;
    null_calls(first); /* warm-up */
    for (int r = 0; r < RUNS; r++)
        one_b[r] = null_calls(first);

    double a = median(one_a, RUNS), b = median(one_b, RUNS), mf = median(many_first, RUNS);
    double mn = median(many_newest, RUNS), one = (a + b) / 2;
    char newest_label[80], first_label[80];
    snprintf(newest_label, sizeof newest_label, "null call, %ld objects exported: the newest", (long)live_many);
    snprintf(first_label, sizeof first_label, "null call, %ld objects exported: the first", (long)live_many);
    printf("%-58s %8s %7s\n", "figure", "us/call", "ratio");
    printf("%-58s %8.1f\n", "null call, 1 object exported", a / 1e3);
    printf("%-58s %8.1f\n", "null call, 1 object exported (after releasing the rest)", b / 1e3);
    printf("%-58s %8.1f %6.2fx\n", newest_label, mn / 1e3, mn / one);
    printf("%-58s %8.1f %6.2fx\n", first_label, mf / 1e3, mf / one);
    printf("making %ld objects (CoCreateInstance each): %.0f ms (%.1f us each); releasing them: %.0f ms\n", many,
           create_ms, create_ms * 1e3 / many, release_ms);
    printf("medians of %d runs of %d calls; ratio: to the mean of the two 1-object figures\n", RUNS, CALLS);

    IServer_Release(srv);
    IParams_Release(first);
    CoUninitialize();
    free(objs);
    return 0;
}
