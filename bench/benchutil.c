/*
 * benchutil.c - what the benchmarks share (benchutil.h).
 */
#include "benchutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_die(const char *prog, const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    fprintf(stderr, "%s: %s failed: 0x%08X %s\n", prog, what, (unsigned)hr, why ? why : "");
    exit(1);
}

HRESULT create_local(REFCLSID clsid, REFIID iid, void **ppv, atomic_int *lost)
{
    HRESULT hr;
    for (int tries = 0;; tries++) {
        hr = CoCreateInstance(clsid, NULL, CLSCTX_LOCAL_SERVER, iid, ppv);
        if (hr != CO_E_SERVER_EXEC_FAILURE || tries == 3)
            break;
        free(comrt_error_take_description());
        if (lost)
            atomic_fetch_add(lost, 1);
    }
    return hr;
}
