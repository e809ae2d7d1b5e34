/*
 * benchutil.h - what the benchmarks share: a monotonic clock in ns, the
 * median of a set of runs, dying on a failed HRESULT with the error
 * description, and activating a local server's object.
 */
#ifndef COMRT_BENCH_BENCHUTIL_H
#define COMRT_BENCH_BENCHUTIL_H

#include <stdatomic.h>

#include "comrt.h"

/* CLOCK_MONOTONIC in nanoseconds. */
double now_ns(void);

/* The median of v[0..n), which it sorts in place; for an even n, the mean
 * of the two middle values. */
double median(double *v, int n);

/* Prints "prog: what failed: 0xHRESULT description" to stderr and exits 1. */
_Noreturn void bench_die(const char *prog, const char *what, HRESULT hr);

/* Evaluates expr (an HRESULT) and dies if it failed. A program that uses
 * it defines BENCH_NAME, its name in the message, before including this. */
#define CHECK(what, expr)                                                                                     \
    do {                                                                                                      \
        HRESULT hr_ = (expr);                                                                                 \
        if (FAILED(hr_))                                                                                      \
            bench_die(BENCH_NAME, what, hr_);                                                                 \
    } while (0)

/* CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, iid, ppv). A launched
 * server that loses the race to publish its class exits and the call fails
 * CO_E_SERVER_EXEC_FAILURE; the next launch wins (PERFORMANCE.md), so that
 * failure is retried, up to 3 times, each counted in *lost (if not NULL).
 * Returns the last attempt's HRESULT. */
HRESULT create_local(REFCLSID clsid, REFIID iid, void **ppv, atomic_int *lost);

#endif
