/*
 * headless.c - the whiteboard's scripted modes: --draw FILE (add strokes
 * from a file), --watch (print the board, then each change others make),
 * --export FILE.svg (the whole board as an image). Multithreaded: callbacks
 * arrive on the runtime's worker threads and go through the replica, whose
 * lock also keeps printed lines whole.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "client.h"
#include "replica.h"
#include "svg.h"
#include "textfmt.h"

#define PROG "whiteboard"

typedef struct watch {
    wb_replica *r;
    const char *board;
    LONG server_pid;
} watch;

static void print_item(const char *kw, const char *seq, const wb_item *it)
{
    if (FAILED(it->hr)) {
        printf("reject %s: %s\n", seq, it->why ? it->why : "not a stroke");
        return;
    }
    printf("%s %s ", kw, seq);
    wb_stroke_print(stdout, &it->stroke);
    putchar('\n');
}

/* Replica listener: runs under the replica's lock, one change at a time. */
static void on_change(void *ctx, const wb_change *c)
{
    watch *w = ctx;
    char seq[32];
    snprintf(seq, sizeof seq, "seq=%ld", (long)c->seq);
    switch (c->kind) {
    case WB_CHANGE_LOADED:
        for (size_t i = 0; i < wb_replica_count(w->r); i++)
            print_item("stroke", "old", wb_replica_item(w->r, i));
        printf("ready board=%s seq=%ld items=%zu server=%ld\n", w->board, (long)c->seq, wb_replica_count(w->r),
               (long)w->server_pid);
        break;
    case WB_CHANGE_ITEM:
        print_item(c->own ? "drew" : "stroke", seq, c->item);
        break;
    case WB_CHANGE_CLEAR:
        printf("%s %s\n", c->own ? "cleared" : "clear", seq);
        break;
    }
    fflush(stdout);
}

static void fwd_stroke(void *ctx, LONG seq, const VARIANT *item)
{
    wb_replica_on_stroke(ctx, seq, item);
}

static void fwd_clear(void *ctx, LONG seq)
{
    wb_replica_on_clear(ctx, seq);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Adds the strokes of path ("-": stdin); stops at the first bad line. */
static int draw_file(IScribbleServer *srv, wb_replica *r, const char *path)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    char *line = NULL, err[160];
    size_t cap = 0;
    unsigned lineno = 0;
    int rc = 0;

    if (!f) {
        fprintf(stderr, PROG ": cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    while (!rc && getline(&line, &cap, f) > 0) {
        wb_line l;
        LONG seq = 0;
        HRESULT hr = S_OK;
        lineno++;
        if (wb_line_parse(line, &l, err, sizeof err)) {
            fprintf(stderr, PROG ": %s:%u: %s\n", path, lineno, err);
            rc = 1;
            break;
        }
        if (l.kind == WB_LINE_STROKE) {
            VARIANT v;
            hr = wb_variant_from_stroke(&l.stroke, &v);
            if (SUCCEEDED(hr))
                hr = IScribbleServer_AddStroke(srv, v, &seq);
            if (SUCCEEDED(hr) && r)
                wb_replica_add_own(r, seq, &v);
            VariantClear(&v);
            wb_stroke_free(&l.stroke);
        } else if (l.kind == WB_LINE_CLEAR) {
            hr = IScribbleServer_Clear(srv, &seq);
            if (SUCCEEDED(hr) && r)
                wb_replica_clear_own(r, seq);
        } else if (l.kind == WB_LINE_SLEEP) {
            sleep_ms(l.ms);
        }
        if (FAILED(hr)) {
            char what[64];
            snprintf(what, sizeof what, "line %u", lineno);
            rc = wb_report(PROG, what, hr);
        }
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}

/* Writes the board as the server has it now (not as far as callbacks got). */
static int export_svg(IScribbleServer *srv, const char *board, const char *path)
{
    SAFEARRAY *sa = NULL;
    LONG seq = 0, lo = 0, hi = -1;
    wb_stroke *strokes = NULL;
    const wb_stroke **list = NULL;
    size_t n = 0, skipped = 0;
    char title[128];
    int rc = 1;
    HRESULT hr = IScribbleServer_GetStrokes(srv, &seq, &sa);

    if (FAILED(hr))
        return wb_report(PROG, "GetStrokes", hr);
    if (sa && (FAILED(SafeArrayGetLBound(sa, 1, &lo)) || FAILED(SafeArrayGetUBound(sa, 1, &hi)))) {
        fprintf(stderr, PROG ": the server's snapshot is not a vector\n");
        goto out;
    }
    size_t total = hi >= lo ? (size_t)(hi - lo + 1) : 0;
    strokes = calloc(total ? total : 1, sizeof *strokes);
    list = calloc(total ? total : 1, sizeof *list);
    if (!strokes || !list)
        goto out;
    for (LONG i = lo; i <= hi; i++) {
        VARIANT v;
        VariantInit(&v);
        if (SUCCEEDED(SafeArrayGetElement(sa, &i, &v)) && SUCCEEDED(wb_stroke_from_variant(&v, &strokes[n]))) {
            list[n] = &strokes[n];
            n++;
        } else {
            CoTaskMemFree(comrt_error_take_description());
            skipped++;
        }
        VariantClear(&v);
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
        goto out;
    }
    snprintf(title, sizeof title, "whiteboard %s", board);
    int bad = wb_svg_write(f, title, list, n);
    if (fclose(f) || bad) {
        fprintf(stderr, PROG ": writing %s failed: %s\n", path, strerror(errno));
        goto out;
    }
    if (skipped)
        fprintf(stderr, PROG ": %zu items on the board are not strokes; left out of %s\n", skipped, path);
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        wb_stroke_free(&strokes[i]);
    free(strokes);
    free(list);
    SafeArrayDestroy(sa);
    return rc;
}

int wb_headless(const wb_opts *o)
{
    sigset_t stop;
    watch w = {NULL, o->board ? o->board : "default", 0};
    wb_replica_listener l = {on_change, &w};
    IScribbleClient *sink = NULL;
    wb_session s = {0};
    int rc = 1, sig;
    HRESULT hr;

    setvbuf(stdout, NULL, _IOLBF, 0);
    /* Block the stop signals before the runtime starts its threads, so they
     * inherit the mask and sigwait below is the only taker. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    if (o->watch)
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return wb_report(PROG, "CoInitializeEx", hr);
    if (o->watch) {
        if (FAILED(hr = wb_replica_create(1, &l, &w.r))) {
            rc = wb_report(PROG, "creating the replica", hr);
            goto out;
        }
        wb_sink_handler h = {fwd_stroke, fwd_clear, w.r};
        if (FAILED(hr = wb_sink_create(&h, &sink))) {
            rc = wb_report(PROG, "creating the callback", hr);
            goto out;
        }
    }
    /* Register before taking the snapshot: nothing falls in between. */
    hr = wb_session_open(&s, o->server, o->board, sink);
    if (FAILED(hr)) {
        rc = wb_report(PROG, "connecting to the whiteboard server", hr);
        goto out;
    }
    if (w.r && (FAILED(hr = IScribbleServer_get_ServerPid(s.server, &w.server_pid)) ||
                FAILED(hr = wb_replica_load(w.r, s.server)))) {
        rc = wb_report(PROG, "GetStrokes", hr);
        goto out;
    }
    if (o->draw && draw_file(s.server, w.r, o->draw))
        goto out;
    if (o->export_svg && export_svg(s.server, w.board, o->export_svg))
        goto out;
    if (o->watch)
        sigwait(&stop, &sig);
    rc = 0;
out:
    wb_session_close(&s);
    if (sink) {
        wb_sink_detach(sink);
        IScribbleClient_Release(sink);
    }
    wb_replica_free(w.r);
    CoUninitialize();
    return rc;
}
