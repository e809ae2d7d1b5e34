/*
 * bench_inproc.c - in-proc costs next to a baseline measured in the same run.
 *
 * baseline: malloc an object, set its vtable, one call through the vtable,
 *           Release through the vtable (which frees) - what a hand-rolled
 *           "create and destroy" costs with no runtime at all.
 * warm CoCreateInstance + Release of a registered in-proc class (hello).
 * QueryInterface + Release, AddRef + Release on a live object.
 * Each figure is the median of 7 runs, in ns per operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "hello.h"

#define RUNS 7

typedef struct Plain Plain;
typedef struct PlainVtbl {
    ULONG (*Release)(Plain *);
    HRESULT (*Poke)(Plain *, LONG *);
} PlainVtbl;
struct Plain {
    const PlainVtbl *lpVtbl;
    ULONG refs;
    LONG value;
};

__attribute__((noinline)) static ULONG plain_release(Plain *p)
{
    ULONG n = --p->refs;
    if (!n)
        free(p);
    return n;
}
__attribute__((noinline)) static HRESULT plain_poke(Plain *p, LONG *v)
{
    *v = ++p->value;
    return S_OK;
}
static const PlainVtbl plain_vtbl = {plain_release, plain_poke};
static const PlainVtbl *volatile plain_vtbl_ptr = &plain_vtbl;

static volatile LONG sink;

static double bench_baseline(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        Plain *p = malloc(sizeof *p);
        if (!p)
            abort();
        p->lpVtbl = plain_vtbl_ptr;
        p->refs = 1;
        p->value = 0;
        LONG v;
        p->lpVtbl->Poke(p, &v);
        sink = v;
        p->lpVtbl->Release(p);
    }
    return (now_ns() - t0) / n;
}

static double bench_create(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        IUnknown *u;
        if (FAILED(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u)))
            abort();
        IUnknown_Release(u);
    }
    return (now_ns() - t0) / n;
}

static IGreeter *live;

static double bench_qi(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        ICounter *c;
        if (FAILED(IGreeter_QueryInterface(live, &IID_ICounter, (void **)&c)))
            abort();
        ICounter_Release(c);
    }
    return (now_ns() - t0) / n;
}

static double bench_addref(long n)
{
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        IGreeter_AddRef(live);
        IGreeter_Release(live);
    }
    return (now_ns() - t0) / n;
}

/* The median of RUNS runs of fn over n operations, after a warm-up. */
static double measure(double (*fn)(long), long n)
{
    double r[RUNS];
    fn(n / 10); /* warm up caches, the library load and the registry cache */
    for (int i = 0; i < RUNS; i++)
        r[i] = fn(n);
    return median(r, RUNS);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        fprintf(stderr, "bench_inproc: CoInitializeEx failed\n");
        return 1;
    }
    if (FAILED(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&live))) {
        char *why = comrt_error_take_description();
        fprintf(stderr, "bench_inproc: cannot create Hello.Greeter (register it first): %s\n", why ? why : "");
        return 1;
    }
    double base = measure(bench_baseline, n);
    double create = measure(bench_create, n);
    double qi = measure(bench_qi, n);
    double addref = measure(bench_addref, n);
    printf("in-proc (median of %d runs of %ld operations)\n", RUNS, n);
    printf("  %-44s %8.1f ns\n", "baseline: malloc + vtable call + free", base);
    printf("  %-44s %8.1f ns  %5.2fx baseline (target <= 10x: %s)\n", "warm CoCreateInstance + Release", create,
           create / base, create / base <= 10.0 ? "met" : "MISSED");
    printf("  %-44s %8.1f ns  %5.2fx baseline\n", "QueryInterface + Release", qi, qi / base);
    printf("  %-44s %8.1f ns  %5.2fx baseline\n", "AddRef + Release", addref, addref / base);
    IGreeter_Release(live);
    CoUninitialize();
    return 0;
}
