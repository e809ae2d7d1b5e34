/*
 * init.c - per-thread COM state: CoInitializeEx / CoUninitialize.
 *
 * The state lives in a _Thread_local struct; a pthread key destructor
 * releases what the thread still holds (its error object) when it exits.
 */
#include <stdlib.h>

#include "../marshal/apartment.h"
#include "internal.h"

static _Thread_local struct comrt_thread tls = {0, COMRT_APT_NONE, NULL, 0, NULL, 0};
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/* Apartments open in the process: the last CoUninitialize unloads libraries. */
static atomic_int process_apartments;
/* Threads in the MTA: while non-zero, uninitialized threads are implicitly MTA. */
static atomic_int process_mta_threads;

static void thread_exit(void *arg)
{
    struct comrt_thread *t = arg;
    comrt_error_clear_thread(t);
}

static void make_exit_key(void)
{
    /* Without the key the error object of an exiting thread leaks; a failure
     * here is therefore tolerated (the key stays unusable). */
    if (pthread_key_create(&exit_key, thread_exit) != 0)
        exit_key = (pthread_key_t)-1;
}

struct comrt_thread *comrt_thread_get(void)
{
    struct comrt_thread *t = &tls;
    if (!t->registered) {
        pthread_once(&exit_key_once, make_exit_key);
        if (exit_key != (pthread_key_t)-1)
            pthread_setspecific(exit_key, t);
        t->registered = 1;
    }
    return t;
}

HRESULT comrt_thread_check_init(const char *fn)
{
    if (tls.init_count > 0 || tls.worker || atomic_load_explicit(&process_mta_threads, memory_order_relaxed) > 0)
        return S_OK;
    return comrt_error_set(CO_E_NOTINITIALIZED, "%s: CoInitialize(Ex) has not been called on this thread", fn);
}

void comrt_thread_set_worker(void)
{
    comrt_thread_get()->worker = 1;
}

HRESULT CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit)
{
    const DWORD known = COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE | COINIT_SPEED_OVER_MEMORY;
    struct comrt_thread *t = comrt_thread_get();

    if (pvReserved || (dwCoInit & ~known))
        return comrt_error_set(E_INVALIDARG, "CoInitializeEx: reserved argument or unknown flags 0x%x",
                               (unsigned)dwCoInit);
    enum comrt_apartment_kind want = (dwCoInit & COINIT_APARTMENTTHREADED) ? COMRT_APT_STA : COMRT_APT_MTA;
    if (t->init_count > 0) {
        if (t->apt != want)
            return comrt_error_set(RPC_E_CHANGED_MODE, "CoInitializeEx: this thread is already in the %s",
                                   t->apt == COMRT_APT_STA ? "single-threaded apartment"
                                                           : "multithreaded apartment");
        t->init_count++;
        return S_FALSE;
    }
    if (want == COMRT_APT_STA) {
        HRESULT hr = comrt_apartment_sta_enter(&t->sta);
        if (FAILED(hr))
            return hr;
    }
    t->apt = want;
    t->init_count = 1;
    atomic_fetch_add(&process_apartments, 1);
    if (want == COMRT_APT_MTA)
        atomic_fetch_add(&process_mta_threads, 1);
    return S_OK;
}

HRESULT CoInitialize(LPVOID pvReserved)
{
    return CoInitializeEx(pvReserved, COINIT_APARTMENTTHREADED);
}

void CoUninitialize(void)
{
    struct comrt_thread *t = comrt_thread_get();
    if (t->init_count <= 0)
        return; /* unbalanced call: COM ignores it too */
    if (--t->init_count > 0)
        return;
    if (t->apt == COMRT_APT_MTA)
        atomic_fetch_sub(&process_mta_threads, 1);
    if (t->sta) {
        /* Cleared first: what runs from here is no longer in the apartment. */
        struct comrt_apartment *a = t->sta;
        t->sta = NULL;
        comrt_apartment_sta_leave(a);
    }
    t->apt = COMRT_APT_NONE;
    comrt_error_clear_thread(t);
    if (atomic_fetch_sub(&process_apartments, 1) == 1)
        comrt_loader_free_unused();
}
