/*
 * bench_oop.c - out-of-process calls to a real local server (tests/oop's
 * oop-server) next to raw AF_UNIX references measured in the same run.
 *
 *   null call round trip (IParams_Null) vs a raw ping-pong between two
 *     processes (this one and a fork()ed peer on a socketpair) writing and
 *     reading the same byte counts as comrt's request and reply frames,
 *     with plain blocking read/write;
 *   calls/s with 1 and 4 client threads (each thread its own object and
 *     proxy: CoCreateInstance in that thread, all in the one server, so
 *     one connection);
 *   16 MiB [size_is] bytes in (IParams_Sink) and out (IParams_Source), which
 *   do not touch them (the transport alone), and with work (IParams_Bulk
 *   checksums, IParams_Fetch fills, as their raw twins do), in
 *     GB/s vs raw transfers of the same frame sizes, bare and with the
 *     server method's own work (checksum / fill) done by the raw peer;
 *   cold activation (no server running: launch + CoCreateInstance + first
 *     call) and warm CoCreateInstance while the server runs.
 *
 * Null calls are measured in three placements: as the scheduler places the
 * processes, everything pinned to CPU 0, and client on CPU 0 with server
 * and raw peer on CPU 1.
 *
 * Frame sizes are measured, not assumed: this program interposes sendmsg
 * and recv (libcomrt's transport calls) and counts the bytes and calls of
 * the calling thread while counting is on. Medians of RUNS runs.
 *
 * BENCH_OOP_PROFILE=null|raw|bulk|fetch|sink|source runs only that loop
 * (20,000 null calls or raw exchanges, or 50 bulk calls), to run under perf
 * or strace.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BENCH_NAME "bench_oop"
#include "benchutil.h"
#include "oop.h"

/* rawpeer.c: the raw reference peer (a fork()ed process) and CPU pinning. */
enum { RAW_WORK_NONE, RAW_WORK_CHECKSUM, RAW_WORK_FILL };
pid_t raw_start(void);
void raw_stop(void);
double raw_roundtrips(uint32_t req, uint32_t rep, uint32_t count, int work);
uint32_t raw_checksum(const unsigned char *data, int32_t n);
void raw_fill(unsigned char *data, int32_t n);
void raw_pin(pid_t pid, int cpu);

#define RUNS 7
#define NULL_CALLS 2000
#define THREAD_CALLS 1000
#define BULK (16u << 20)
#define COLD_RUNS 7
#define WARM_RUNS 200

/* --- byte and syscall counters of the calling thread (interposed) ------------ */

static _Thread_local struct {
    int on;
    unsigned long sent, got, nsend, nrecv;
} io;
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static ssize_t (*real_recv)(int, void *, size_t, int);

ssize_t sendmsg(int fd, const struct msghdr *m, int flags)
{
    ssize_t n = real_sendmsg(fd, m, flags);
    if (io.on && n > 0) {
        io.sent += (unsigned long)n;
        io.nsend++;
    }
    return n;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    ssize_t n = real_recv(fd, buf, len, flags);
    if (io.on && n > 0) {
        io.got += (unsigned long)n;
        io.nrecv++;
    }
    return n;
}

static void io_start(void)
{
    memset(&io, 0, sizeof io);
    io.on = 1;
}

/* --- comrt ---------------------------------------------------------------------- */

/* Launches that failed because the new server lost the class lock race. */
static atomic_int lost;

static IParams *create_params(void)
{
    IParams *p = NULL;
    CHECK("CoCreateInstance", create_local(&CLSID_OopServer, &IID_IParams, (void **)&p, &lost));
    return p;
}

static LONG server_pid(IParams *p)
{
    IServer *s = NULL;
    LONG pid = 0;
    CHECK("QueryInterface(IServer)", IParams_QueryInterface(p, &IID_IServer, (void **)&s));
    CHECK("Pid", IServer_Pid(s, &pid));
    IServer_Release(s);
    return pid;
}

/* Ends the server and waits until it is gone (our launcher reaps it). */
static void stop_server(LONG pid)
{
    if (pid <= 0 || kill((pid_t)pid, SIGTERM) != 0)
        return;
    for (int i = 0; i < 5000 && kill((pid_t)pid, 0) == 0; i++)
        usleep(1000);
}

static double null_calls(IParams *p, long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++)
        CHECK("Null", IParams_Null(p));
    return (now_ns() - t0) / n;
}

struct worker {
    pthread_barrier_t *start, *done;
    long n;
};

/* Each worker: its own object and proxy, made in its thread (untimed). */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    CHECK("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));
    IParams *p = create_params();
    CHECK("Null", IParams_Null(p));
    pthread_barrier_wait(w->start);
    for (long i = 0; i < w->n; i++)
        CHECK("Null", IParams_Null(p));
    pthread_barrier_wait(w->done);
    IParams_Release(p);
    CoUninitialize();
    return NULL;
}

/* Calls per second of `nt` threads, each calling its own proxy `n` times. */
static double calls_per_s(int nt, long n)
{
    pthread_t t[8];
    struct worker w;
    pthread_barrier_t start, done;
    pthread_barrier_init(&start, NULL, (unsigned)nt + 1);
    pthread_barrier_init(&done, NULL, (unsigned)nt + 1);
    w = (struct worker){&start, &done, n};
    for (int i = 0; i < nt; i++)
        pthread_create(&t[i], NULL, worker_main, &w);
    pthread_barrier_wait(&start);
    double t0 = now_ns();
    pthread_barrier_wait(&done);
    double dt = now_ns() - t0;
    for (int i = 0; i < nt; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&done);
    return nt * n / (dt / 1e9);
}

static void print_load(void)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f))
            strcpy(buf, "?\n");
        fclose(f);
    }
    printf("load average: %s", buf);
}

/* Null calls vs raw ping-pong of the same frame sizes, alternating runs. */
static void null_vs_raw(IParams *keep, uint32_t req, uint32_t rep, double *cn, double *rn)
{
    double c[RUNS], r[RUNS];
    null_calls(keep, 1000); /* warm-up in this placement */
    raw_roundtrips(req, rep, 1000, RAW_WORK_NONE);
    for (int i = 0; i < RUNS; i++) {
        c[i] = null_calls(keep, NULL_CALLS);
        r[i] = raw_roundtrips(req, rep, NULL_CALLS, RAW_WORK_NONE);
    }
    *cn = median(c, RUNS);
    *rn = median(r, RUNS);
}

int main(void)
{
    real_sendmsg = (ssize_t(*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
    real_recv = (ssize_t(*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
    pid_t peer = raw_start(); /* before any comrt thread exists */
    BYTE *data = malloc(BULK), *scratch = malloc(BULK);
    if (!real_sendmsg || !real_recv || peer < 0 || !data || !scratch)
        return 1;
    raw_fill(data, BULK);

    printf("out-of-process (oop-server; raw = fork()ed peer on a socketpair, blocking read/write)\n");
    print_load();
    CHECK("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));

    /* BENCH_OOP_PROFILE=null|raw|bulk|fetch|sink|source: only that loop, for perf/strace. */
    const char *prof = getenv("BENCH_OOP_PROFILE");
    if (prof) {
        IParams *keep = create_params();
        ULONG s = 0;
        int n = strcmp(prof, "null") && strcmp(prof, "raw") ? 50 : 20000;
        double t0 = now_ns();
        for (int i = 0; i < n; i++) {
            if (!strcmp(prof, "null"))
                CHECK("Null", IParams_Null(keep));
            else if (!strcmp(prof, "raw") && i == 0)
                raw_roundtrips(31, 11, (uint32_t)n, RAW_WORK_NONE);
            else if (!strcmp(prof, "bulk"))
                CHECK("Bulk", IParams_Bulk(keep, (LONG)BULK, data, &s));
            else if (!strcmp(prof, "fetch"))
                CHECK("Fetch", IParams_Fetch(keep, (LONG)BULK, data));
            else if (!strcmp(prof, "sink"))
                CHECK("Sink", IParams_Sink(keep, (LONG)BULK, data));
            else if (!strcmp(prof, "source"))
                CHECK("Source", IParams_Source(keep, (LONG)BULK, data));
        }
        printf("%s: %.1f us per iteration\n", prof, (now_ns() - t0) / 1e3 / n);
        IParams_Release(keep);
        CoUninitialize();
        raw_stop();
        return 0;
    }

    /* Cold activation: no server running, launch + CoCreateInstance + first call. */
    double cold[COLD_RUNS];
    for (int r = 0; r < COLD_RUNS; r++) {
        IParams *p = NULL;
        double t0 = now_ns();
        HRESULT hr = CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IParams, (void **)&p);
        if (hr == CO_E_SERVER_EXEC_FAILURE && atomic_load(&lost) < COLD_RUNS) {
            /* the launched server lost its publish race (see PERFORMANCE.md) */
            free(comrt_error_take_description());
            atomic_fetch_add(&lost, 1);
            r--;
            continue;
        }
        CHECK("CoCreateInstance", hr);
        CHECK("Null", IParams_Null(p));
        cold[r] = now_ns() - t0;
        LONG pid = server_pid(p);
        IParams_Release(p);
        stop_server(pid);
    }

    /* Warm: one object keeps the server up. */
    IParams *keep = create_params();
    pid_t server = (pid_t)server_pid(keep);
    double warm[WARM_RUNS];
    for (int r = 0; r < WARM_RUNS; r++) {
        IParams *p = NULL;
        double t0 = now_ns();
        CHECK("CoCreateInstance", CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IParams,
                                                   (void **)&p));
        warm[r] = now_ns() - t0;
        IParams_Release(p);
    }

    /* Frame sizes of a null call, as this thread sent and received them. */
    null_calls(keep, 2000); /* warm-up */
    io_start();
    null_calls(keep, 1000);
    io.on = 0;
    uint32_t req = (uint32_t)(io.sent / 1000), rep = (uint32_t)(io.got / 1000);
    double nsend = io.nsend / 1000.0, nrecv = io.nrecv / 1000.0;

    /* Null calls as the scheduler places the processes, then pinned: all on
     * CPU 0, and client on CPU 0 with server and raw peer on CPU 1. */
    double cn, rn, cn_same, rn_same, cn_cross, rn_cross;
    null_vs_raw(keep, req, rep, &cn, &rn);
    raw_pin(0, 0), raw_pin(server, 0), raw_pin(peer, 0);
    null_vs_raw(keep, req, rep, &cn_same, &rn_same);
    raw_pin(server, 1), raw_pin(peer, 1);
    null_vs_raw(keep, req, rep, &cn_cross, &rn_cross);
    raw_pin(0, -1), raw_pin(server, -1), raw_pin(peer, -1);

    /* Calls per second, 1 and 4 threads, each with its own object and proxy. */
    double cps1[RUNS], cps4[RUNS], raw_cps1 = 1e9 / rn;
    calls_per_s(4, THREAD_CALLS / 4); /* warm-up */
    for (int r = 0; r < RUNS; r++) {
        cps1[r] = calls_per_s(1, THREAD_CALLS);
        cps4[r] = calls_per_s(4, THREAD_CALLS);
    }

    /* Bulk: frame sizes, then comrt vs raw, bare and with the same work. */
    ULONG sum = 0;
    io_start();
    CHECK("Bulk", IParams_Bulk(keep, (LONG)BULK, data, &sum));
    io.on = 0;
    uint32_t bin_req = (uint32_t)io.sent, bin_rep = (uint32_t)io.got;
    io_start();
    CHECK("Fetch", IParams_Fetch(keep, (LONG)BULK, scratch));
    io.on = 0;
    uint32_t bout_req = (uint32_t)io.sent, bout_rep = (uint32_t)io.got;
    double c_in[RUNS], c_out[RUNS], r_in[RUNS], r_out[RUNS], w_in[RUNS], w_out[RUNS], k_in[RUNS], k_out[RUNS];
    double b_in[RUNS], b_out[RUNS];
    CHECK("Sink", IParams_Sink(keep, (LONG)BULK, data)); /* warm-up */
    CHECK("Source", IParams_Source(keep, (LONG)BULK, scratch));
    for (int r = 0; r < RUNS; r++) {
        /* The transport alone: Sink and Source do not touch the bytes. */
        double t0 = now_ns();
        CHECK("Sink", IParams_Sink(keep, (LONG)BULK, data));
        b_in[r] = now_ns() - t0;
        t0 = now_ns();
        CHECK("Source", IParams_Source(keep, (LONG)BULK, scratch));
        b_out[r] = now_ns() - t0;
        /* With work: Bulk checksums and Fetch fills, as their raw twins do. */
        t0 = now_ns();
        CHECK("Bulk", IParams_Bulk(keep, (LONG)BULK, data, &sum));
        c_in[r] = now_ns() - t0;
        t0 = now_ns();
        CHECK("Fetch", IParams_Fetch(keep, (LONG)BULK, scratch));
        c_out[r] = now_ns() - t0;
        r_in[r] = raw_roundtrips(bin_req, bin_rep, 1, RAW_WORK_NONE);
        r_out[r] = raw_roundtrips(bout_req, bout_rep, 1, RAW_WORK_NONE);
        w_in[r] = raw_roundtrips(bin_req, bin_rep, 1, RAW_WORK_CHECKSUM);
        w_out[r] = raw_roundtrips(bout_req, bout_rep, 1, RAW_WORK_FILL);
        t0 = now_ns();
        volatile ULONG s = raw_checksum(data, (LONG)BULK);
        (void)s;
        k_in[r] = now_ns() - t0;
        t0 = now_ns();
        raw_fill(scratch, (LONG)BULK);
        k_out[r] = now_ns() - t0;
    }
#define GBS(ns) (BULK / (ns))
    double ci = median(c_in, RUNS), co = median(c_out, RUNS), ri = median(r_in, RUNS), ro = median(r_out, RUNS);
    double wi = median(w_in, RUNS), wo = median(w_out, RUNS), ki = median(k_in, RUNS), ko = median(k_out, RUNS);
    double bi = median(b_in, RUNS), bo = median(b_out, RUNS);

    printf("frames: null call request %u B, reply %u B (client: %.1f sendmsg, %.1f recv per call)\n", req, rep,
           nsend, nrecv);
    printf("frames: Bulk request %u B, reply %u B; Fetch request %u B, reply %u B\n", bin_req, bin_rep, bout_req,
           bout_rep);
    double cs = median(cold, COLD_RUNS), ws = median(warm, WARM_RUNS);
    printf("%-52s %10s %10s %7s\n", "figure", "comrt", "reference", "ratio");
    printf("%-52s %8.1f us %7.1f us %6.2fx  (target <= 1.5x)\n", "null call vs raw ping-pong (unpinned)", cn / 1e3,
           rn / 1e3, cn / rn);
    printf("%-52s %8.1f us %7.1f us %6.2fx\n", "null call vs raw ping-pong (both on CPU 0)", cn_same / 1e3,
           rn_same / 1e3, cn_same / rn_same);
    printf("%-52s %8.1f us %7.1f us %6.2fx\n", "null call vs raw ping-pong (client CPU 0, server 1)",
           cn_cross / 1e3, rn_cross / 1e3, cn_cross / rn_cross);
    printf("%-52s %10.0f %10.0f %6.2fx\n", "calls/s, 1 client thread (ref: raw ping-pong)", median(cps1, RUNS),
           raw_cps1, median(cps1, RUNS) / raw_cps1);
    printf("%-52s %10.0f %10.0f %6.2fx\n", "calls/s, 4 client threads (ref: comrt 1 thread)", median(cps4, RUNS),
           median(cps1, RUNS), median(cps4, RUNS) / median(cps1, RUNS));
    printf("%-52s %7.2f GB/s %5.2f GB/s %5.0f%%  (target >= 60%%)\n", "16 MiB in (Sink) vs raw transfer", GBS(bi),
           GBS(ri), 100 * ri / bi);
    printf("%-52s %7.2f GB/s %5.2f GB/s %5.0f%%  (target >= 60%%)\n", "16 MiB out (Source) vs raw transfer",
           GBS(bo), GBS(ro), 100 * ro / bo);
    printf("%-52s %7.2f GB/s %5.2f GB/s %5.0f%%\n", "16 MiB in (Bulk) vs raw + the same checksum", GBS(ci),
           GBS(wi), 100 * wi / ci);
    printf("%-52s %7.2f GB/s %5.2f GB/s %5.0f%%\n", "16 MiB out (Fetch) vs raw + the same fill", GBS(co),
           GBS(wo), 100 * wo / co);
    printf("  (ms: comrt Sink %.2f, Source %.2f, Bulk %.2f, Fetch %.2f; raw in %.2f, out %.2f; the method bodies "
           "alone: checksum %.2f, fill %.2f)\n",
           bi / 1e6, bo / 1e6, ci / 1e6, co / 1e6, ri / 1e6, ro / 1e6, ki / 1e6, ko / 1e6);
    printf("%-52s %8.2f ms\n", "cold activation (launch + CoCreateInstance + Null)", cs / 1e6);
    printf("%-52s %8.1f us\n", "warm CoCreateInstance (server running)", ws / 1e3);
    if (atomic_load(&lost))
        printf("  (%d launch(es) failed CO_E_SERVER_EXEC_FAILURE and were retried)\n", atomic_load(&lost));
    printf("medians of %d runs (%d null calls, %d calls per thread count; cold %d, warm %d); ", RUNS, NULL_CALLS,
           THREAD_CALLS, COLD_RUNS, WARM_RUNS);
    print_load();

    IParams_Release(keep);
    CoUninitialize();
    raw_stop();
    free(data);
    free(scratch);
    return 0;
}
