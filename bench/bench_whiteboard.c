/*
 * bench_whiteboard.c - the whiteboard server (examples/whiteboard) under
 * load, with references measured in the same run:
 *
 *   fan-out latency: one stroke added -> received by every other client,
 *     with 1, 10 and 100 listening clients (each a process of its own:
 *     this program re-run as a listener), one stroke at a time; median and
 *     90th percentile of (the last listener's OnStroke) - (AddStroke
 *     called), next to the median round trip of a plain call to the same
 *     server (get_StrokeCount) from the same client;
 *   sustained strokes/s: 2,000 AddStroke calls back to back with 10
 *     listeners, until every listener has every stroke, next to the same
 *     calls with no listener (storing alone).
 *
 * Listeners write the CLOCK_MONOTONIC time of each OnStroke into a shared
 * memory slot of their own, then one byte to a pipe the bench reads; so
 * the figure is the listeners' receipt time, not the bench's wake-up.
 *
 *   bench_whiteboard                       (make bench; needs a private registry)
 *   bench_whiteboard --listener FD SLOT BOARD   (internal)
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "stroke.h"

extern char **environ;

#define MAX_LISTENERS 100
#define SUSTAINED 2000

typedef struct shared {
    _Atomic int64_t seen_ns[MAX_LISTENERS]; /* receipt time of the latest stroke */
} shared;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void check(const char *what, HRESULT hr)
{
    if (SUCCEEDED(hr))
        return;
    exit(wb_report("bench_whiteboard", what, hr));
}

/* The listener ------------------------------------------------------------------- */

static shared *shm;
static int slot, notify_fd;

static void on_stroke(void *ctx, LONG seq, const VARIANT *item)
{
    (void)ctx;
    (void)seq;
    (void)item;
    atomic_store(&shm->seen_ns[slot], now_ns());
    char c = 's';
    if (write(notify_fd, &c, 1) != 1)
        _exit(3);
}

static int listener(int fd, int n, const char *board)
{
    wb_sink_handler h = {on_stroke, NULL, NULL};
    IScribbleClient *sink = NULL;
    wb_session s;
    sigset_t stop;
    int sig;
    slot = n;
    notify_fd = 1;
    shm = mmap(NULL, sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shm == MAP_FAILED)
        return 2;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    check("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));
    check("creating the callback", wb_sink_create(&h, &sink));
    check("connecting", wb_session_open(&s, NULL, board, sink));
    char c = 'r';
    if (write(notify_fd, &c, 1) != 1)
        return 3;
    sigwait(&stop, &sig);
    wb_session_close(&s);
    IScribbleClient_Release(sink);
    CoUninitialize();
    return 0;
}

/* The bench ------------------------------------------------------------------------ */

typedef struct fleet {
    pid_t pids[MAX_LISTENERS];
    int n;
    int rd; /* their notifications */
} fleet;

/* Reads exactly n bytes of notifications (a hang guard of 60 s). */
static void await(fleet *f, int n)
{
    char buf[256];
    while (n > 0) {
        struct pollfd p = {f->rd, POLLIN, 0};
        if (poll(&p, 1, 60000) <= 0) {
            fprintf(stderr, "bench_whiteboard: listeners went quiet\n");
            exit(1);
        }
        ssize_t k = read(f->rd, buf, (size_t)(n < (int)sizeof buf ? n : (int)sizeof buf));
        if (k <= 0) {
            fprintf(stderr, "bench_whiteboard: listeners went away\n");
            exit(1);
        }
        n -= (int)k;
    }
}

static void start_fleet(fleet *f, int n, int shmfd, const char *board)
{
    int p[2];
    char fdarg[16], slotarg[16], exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0 || pipe(p))
        exit(2);
    exe[len] = '\0';
    f->n = n;
    f->rd = p[0];
    snprintf(fdarg, sizeof fdarg, "%d", shmfd);
    for (int i = 0; i < n; i++) {
        posix_spawn_file_actions_t fa;
        snprintf(slotarg, sizeof slotarg, "%d", i);
        char *argv[] = {exe, "--listener", fdarg, slotarg, (char *)board, NULL};
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_addclose(&fa, p[0]);
        if (posix_spawn(&f->pids[i], exe, &fa, NULL, argv, environ)) {
            fprintf(stderr, "bench_whiteboard: cannot start a listener\n");
            exit(2);
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    close(p[1]);
    await(f, n); /* each says it is registered */
}

static void stop_fleet(fleet *f)
{
    for (int i = 0; i < f->n; i++)
        kill(f->pids[i], SIGTERM);
    for (int i = 0; i < f->n; i++)
        while (waitpid(f->pids[i], NULL, 0) < 0 && errno == EINTR)
            ;
    close(f->rd);
}

static int cmp_ll(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void stroke(long i, VARIANT *v)
{
    wb_point pts[4] = {{(LONG)(i % 1000), 0}, {10, 10}, {20, 30}, {40, 60}};
    wb_stroke s = {(ULONG)(i & 0xFFFFFF), 2, 4, pts};
    check("encoding a stroke", wb_variant_from_stroke(&s, v));
}

/* Median and p90 of a stroke reaching all n listeners, in us. */
static void fanout(IScribbleServer *srv, shared *sh, fleet *f, int rounds, double *med, double *p90)
{
    int64_t *lat = calloc((size_t)rounds, sizeof *lat);
    for (int r = 0; r < rounds; r++) {
        VARIANT v;
        LONG seq;
        stroke(r, &v);
        int64_t t0 = now_ns();
        check("AddStroke", IScribbleServer_AddStroke(srv, v, &seq));
        await(f, f->n);
        int64_t last = 0;
        for (int i = 0; i < f->n; i++) {
            int64_t t = atomic_load(&sh->seen_ns[i]);
            if (t > last)
                last = t;
        }
        lat[r] = last - t0;
        VariantClear(&v);
    }
    qsort(lat, (size_t)rounds, sizeof *lat, cmp_ll);
    *med = lat[rounds / 2] / 1e3;
    *p90 = lat[rounds * 9 / 10] / 1e3;
    free(lat);
}

static double round_trip_us(IScribbleServer *srv, int n)
{
    int64_t *t = calloc((size_t)n, sizeof *t);
    LONG count;
    for (int i = 0; i < n; i++) {
        int64_t t0 = now_ns();
        check("get_StrokeCount", IScribbleServer_get_StrokeCount(srv, &count));
        t[i] = now_ns() - t0;
    }
    qsort(t, (size_t)n, sizeof *t, cmp_ll);
    double med = t[n / 2] / 1e3;
    free(t);
    return med;
}

/* Strokes per second: SUSTAINED AddStroke calls, until every listener has all. */
static double sustained(IScribbleServer *srv, fleet *f)
{
    int64_t t0 = now_ns();
    for (long i = 0; i < SUSTAINED; i++) {
        VARIANT v;
        LONG seq;
        stroke(i, &v);
        check("AddStroke", IScribbleServer_AddStroke(srv, v, &seq));
        VariantClear(&v);
    }
    if (f)
        await(f, f->n * SUSTAINED);
    return SUSTAINED / ((now_ns() - t0) / 1e9);
}

static IScribbleServer *session_on(const char *board, wb_session *s)
{
    check("connecting", wb_session_open(s, NULL, board, NULL));
    return s->server;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "--listener"))
        return listener(atoi(argv[2]), atoi(argv[3]), argv[4]);

    char cmd[8192], exe[4096];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(cmd, sizeof cmd, "%s/examples/whiteboard/whiteboard-server", build);
    if (!realpath(cmd, exe)) {
        fprintf(stderr, "bench_whiteboard: no %s\n", cmd);
        return 2;
    }
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, exe);
    if (system(cmd) != 0)
        return 2;
    int shmfd = memfd_create("wb-bench", 0);
    if (shmfd < 0 || ftruncate(shmfd, sizeof(shared)))
        return 2;
    shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED, shmfd, 0);
    if (sh == MAP_FAILED)
        return 2;
    check("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));
    /* One session for the whole run keeps the on-demand server up between rounds. */
    wb_session keeper;
    session_on("keeper", &keeper);

    static const int sizes[] = {1, 10, 100};
    static const int rounds[] = {400, 200, 60};
    double med[3], p90[3], ref[3];
    char board[32];
    printf("whiteboard (whiteboard-server; listeners are processes; medians)\n");
    for (int k = 0; k < 3; k++) {
        wb_session s;
        fleet f;
        snprintf(board, sizeof board, "fanout-%d", sizes[k]);
        IScribbleServer *srv = session_on(board, &s);
        start_fleet(&f, sizes[k], shmfd, board);
        fanout(srv, sh, &f, 20, &med[k], &p90[k]); /* warm-up */
        ref[k] = round_trip_us(srv, 400);
        fanout(srv, sh, &f, rounds[k], &med[k], &p90[k]);
        stop_fleet(&f);
        wb_session_close(&s);
    }
    double rate[2];
    {
        wb_session s;
        fleet f;
        IScribbleServer *srv = session_on("rate-0", &s);
        sustained(srv, NULL); /* warm-up */
        rate[0] = sustained(srv, NULL);
        wb_session_close(&s);
        srv = session_on("rate-10", &s);
        start_fleet(&f, 10, shmfd, "rate-10");
        rate[1] = sustained(srv, &f);
        stop_fleet(&f);
        wb_session_close(&s);
    }
    printf("%-52s %10s %10s %7s\n", "figure", "comrt", "reference", "ratio");
    for (int k = 0; k < 3; k++) {
        char name[80];
        snprintf(name, sizeof name, "fan-out to %d client%s vs a call round trip", sizes[k], sizes[k] > 1 ? "s" : "");
        printf("%-52s %7.0f us %7.1f us %6.1fx  (p90 %.0f us)\n", name, med[k], ref[k], med[k] / ref[k], p90[k]);
    }
    printf("%-52s %7.0f us %7.0f us %6.1fx\n", "fan-out to 100 clients vs to 1", med[2], med[0], med[2] / med[0]);
    printf("%-52s %8.0f/s %8.0f/s %6.2fx  (%.0f deliveries/s)\n", "strokes/s to 10 clients vs storing alone", rate[1],
           rate[0], rate[1] / rate[0], rate[1] * 10);
    wb_session_close(&keeper);
    CoUninitialize();
    return 0;
}
