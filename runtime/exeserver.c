/*
 * exeserver.c - local server executables: the server process count
 * (CoAddRefServerProcess) and comrt_exe_server_main.
 *
 * A launched server is idle when its module holds no lock beyond its own
 * registered factories, nothing is exported and the process count is zero;
 * it then suspends its classes (so the next activation launches a fresh
 * server instead of reaching one that is leaving) and exits.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../marshal/orpc.h"
#include "../marshal/rendezvous.h"
#include "internal.h"

static atomic_ulong server_refs;
static volatile sig_atomic_t stop_requested;

ULONG CoAddRefServerProcess(void)
{
    return (ULONG)atomic_fetch_add(&server_refs, 1) + 1;
}

ULONG CoReleaseServerProcess(void)
{
    /* Unlike COM, reaching zero does not suspend the classes by itself:
     * objects made by a comrt_module keep the server alive through the module
     * lock, not this count, so zero here need not mean idle. The serving
     * loop suspends when everything is at rest. */
    return (ULONG)atomic_fetch_sub(&server_refs, 1) - 1;
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int report(const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    const char *name = comrt_hresult_name(hr);
    fprintf(stderr, "%s failed: 0x%08X %s (%s)%s%s\n", what, (unsigned)hr, name ? name : "",
            comrt_hresult_message(hr), why ? ": " : "", why ? why : "");
    CoTaskMemFree(why);
    return 1;
}

static int do_register(const comrt_exe_server *srv, int add)
{
    char exe[PATH_MAX];
    comrt_reg_txn *txn = NULL;
    comrt_typelib *tl = NULL;
    HRESULT hr;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (n <= 0)
        return report("finding this executable", E_FAIL);
    exe[n] = '\0';
    if (srv->typelib) {
        hr = comrt_typelib_load_memory(srv->typelib, srv->typelib_size, exe, &tl);
        if (FAILED(hr))
            return report("loading the embedded type library", hr);
    }
    hr = comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn);
    for (const comrt_class_entry *c = srv->module->classes; SUCCEEDED(hr) && c && c->clsid; c++)
        hr = add ? comrt_register_class(txn, c, "LocalServer32", exe) : comrt_unregister_class(txn, c, "LocalServer32");
    if (SUCCEEDED(hr) && tl)
        hr = add ? comrt_typelib_register_txn(txn, tl, exe) : comrt_typelib_unregister_txn(txn, tl);
    comrt_typelib_unref(tl);
    if (FAILED(hr)) {
        comrt_reg_txn_abort(txn);
        return report(add ? "-RegServer" : "-UnregServer", hr);
    }
    hr = comrt_reg_txn_commit(txn);
    return FAILED(hr) ? report(add ? "-RegServer" : "-UnregServer", hr) : 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int serve(const comrt_exe_server *srv, int resident)
{
    DWORD cookies[64];
    size_t n = 0;
    HRESULT hr;
    int status = 0;
    int timeout = srv->idle_timeout_ms > 0 ? srv->idle_timeout_ms : 30000;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return report("CoInitializeEx", hr);
    for (const comrt_class_entry *c = srv->module->classes; c && c->clsid && n < 64; c++) {
        IUnknown *cf = NULL;
        hr = comrt_module_get_class_object(srv->module, c->clsid, &IID_IUnknown, (void **)&cf);
        if (SUCCEEDED(hr)) {
            hr = CoRegisterClassObject(c->clsid, cf, CLSCTX_LOCAL_SERVER, srv->regcls, &cookies[n]);
            IUnknown_Release(cf);
        }
        if (FAILED(hr)) {
            status = report("CoRegisterClassObject", hr);
            goto out;
        }
        n++;
    }
    /* Our registrations hold one factory (one module lock) per class. */
    long baseline = (long)n;
    int64_t start = comrt_now_ms();
    int had_clients = 0;
    unsigned long served = comrt_export_activations();
    while (!stop_requested) {
        int busy = atomic_load(&srv->module->locks) > baseline || comrt_export_count() > 0 ||
                   atomic_load(&server_refs) > 0;
        /* A client can come and go between two looks: count activations too. */
        if (comrt_export_activations() != served)
            had_clients = 1;
        if (busy)
            had_clients = 1;
        else if (!resident && (had_clients || comrt_now_ms() - start > timeout))
            break;
        sleep_ms(10);
    }
    CoSuspendClassObjects();
out:
    for (size_t i = 0; i < n; i++)
        CoRevokeClassObject(cookies[i]);
    CoUninitialize();
    return status;
}

int comrt_exe_server_main(const comrt_exe_server *srv, int argc, char **argv)
{
    const char *scope = getenv("COMRT_REG_SCOPE");
    if (!srv || !srv->module) {
        fprintf(stderr, "comrt_exe_server_main: no module\n");
        return 2;
    }
    if (scope && !strcmp(scope, "system"))
        comrt_reg_set_default_scope(COMRT_REG_SYSTEM);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* COM accepts both prefixes and any case. */
        if (a[0] == '-' || a[0] == '/') {
            const char *w = a + 1 + (a[0] == '-' && a[1] == '-');
            if (!strcasecmp(w, "RegServer"))
                return do_register(srv, 1);
            if (!strcasecmp(w, "UnregServer"))
                return do_register(srv, 0);
            if (!strcasecmp(w, "Embedding"))
                return serve(srv, 0);
            if (!strcasecmp(w, "service"))
                return serve(srv, 1);
        }
    }
    return serve(srv, 0);
}
