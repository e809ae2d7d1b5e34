/*
 * lifetime_server.c - local servers for the lifetime tests (test_lifetime.c).
 *
 *   lifetime-server -RegServer | -UnregServer   (both classes, and lifetime.idl's type library)
 *   lifetime-server --broker -Embedding         class LifetimeBroker
 *   lifetime-server --leaver -Embedding         class LifetimeLeaver
 *
 * The broker is an ordinary comrt_exe_server_main server whose class
 * factory hands out an object of another server: at start it activates an
 * oop-server and gives every client that server's IServer. Marshaling a
 * proxy passes on the other server's reference, so a client of the broker
 * never shows up in anything the broker samples (exported objects, module
 * locks, CoAddRefServerProcess): only the count of activations it served
 * tells it that a client came. Its idle timeout is LIFETIME_IDLE_MS.
 *
 * The leaver is an STA server (its class object is registered by its main
 * thread, so activation requests wait in the STA's queue until it
 * dispatches). ILeaver::Leave makes it leave deterministically: it writes
 * $LIFETIME_DIR/leaving.<pid>, waits without dispatching until a request
 * is queued (the test's next activation), suspends its classes and only
 * then dispatches, so that activation reaches a server that is leaving
 * (and it writes answered.<pid>). It exits once it has had a client and
 * no object is left.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lifetime.h"
#include "oop.h"

extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

/* The broker ------------------------------------------------------------------ */

static IServer *backing; /* an oop-server's object, held for the process's life */

static HRESULT broker_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    (void)m;
    (void)outer; /* the class is not aggregatable: the factory refuses outer */
    *ppv = NULL;
    if (!backing)
        return comrt_error_set(E_UNEXPECTED, "the broker has no backing object");
    return IServer_QueryInterface(backing, riid, ppv);
}

static int idle_timeout_ms(void)
{
    const char *e = getenv("LIFETIME_IDLE_MS");
    int v = e ? atoi(e) : 0;
    return v > 0 ? v : 30000;
}

/* The leaver ------------------------------------------------------------------ */

typedef struct Leaver {
    ILeaver iface;
    atomic_ulong refs;
} Leaver;

static atomic_long live;       /* Leaver objects alive */
static atomic_int had_client;  /* one was ever made */
static atomic_int leaving;     /* Leave was called */

static HRESULT lv_QueryInterface(ILeaver *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ILeaver)) {
        ILeaver_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG lv_AddRef(ILeaver *This) { return (ULONG)atomic_fetch_add(&((Leaver *)This)->refs, 1) + 1; }
static ULONG lv_Release(ILeaver *This)
{
    ULONG n = (ULONG)atomic_fetch_sub(&((Leaver *)This)->refs, 1) - 1;
    if (!n) {
        free(This);
        atomic_fetch_sub(&live, 1);
    }
    return n;
}
static HRESULT lv_Pid(ILeaver *This, LONG *pid)
{
    (void)This;
    *pid = (LONG)getpid();
    return S_OK;
}
static HRESULT lv_Leave(ILeaver *This)
{
    (void)This;
    atomic_store(&leaving, 1); /* acted on by the loop, after this call's reply is out */
    return S_OK;
}
static const ILeaverVtbl lv_vtbl = {lv_QueryInterface, lv_AddRef, lv_Release, lv_Pid, lv_Leave};

static HRESULT leaver_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    (void)m;
    (void)outer;
    *ppv = NULL;
    Leaver *l = calloc(1, sizeof *l);
    if (!l)
        return E_OUTOFMEMORY;
    l->iface.lpVtbl = &lv_vtbl;
    atomic_init(&l->refs, 1);
    atomic_fetch_add(&live, 1);
    atomic_store(&had_client, 1);
    HRESULT hr = lv_QueryInterface(&l->iface, riid, ppv);
    lv_Release(&l->iface);
    return hr;
}

static const comrt_class_entry classes[] = {
    {.clsid = &CLSID_LifetimeBroker, .create = broker_create, .description = "comrt lifetime test: broker"},
    {.clsid = &CLSID_LifetimeLeaver, .create = leaver_create, .description = "comrt lifetime test: leaver"},
    {0},
};
static comrt_module module = COMRT_MODULE_INIT(classes);
static const comrt_class_entry broker_classes[] = {classes[0], {0}};
static comrt_module broker_module = COMRT_MODULE_INIT(broker_classes);

static int fail(const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    fprintf(stderr, "lifetime-server: %s: 0x%08X %s\n", what, (unsigned)hr, why ? why : "");
    CoTaskMemFree(why);
    return 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Leaves an empty file $LIFETIME_DIR/<what>.<pid> for the test to see. */
static void announce(const char *what)
{
    const char *dir = getenv("LIFETIME_DIR");
    char tmp[4096], path[4096];
    if (!dir)
        return;
    snprintf(tmp, sizeof tmp, "%s/.%s.%d", dir, what, (int)getpid());
    snprintf(path, sizeof path, "%s/%s.%d", dir, what, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        close(fd);
        rename(tmp, path); /* appears at once, whole */
    }
}

static int run_leaver(void)
{
    IUnknown *cf = NULL;
    DWORD cookie = 0;
    int fd = -1, suspended = 0, status = 0;
    HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    hr = comrt_module_get_class_object(&module, &CLSID_LifetimeLeaver, &IID_IUnknown, (void **)&cf);
    if (SUCCEEDED(hr))
        hr = CoRegisterClassObject(&CLSID_LifetimeLeaver, cf, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
    if (cf)
        IUnknown_Release(cf);
    if (SUCCEEDED(hr))
        hr = comrt_apartment_get_fd(&fd);
    if (FAILED(hr)) {
        status = fail("registering the leaver", hr);
        goto out;
    }
    /* Bounded, so that a broken test leaves no server behind for long. */
    for (int64_t end = now_ms() + 60000; now_ms() < end;) {
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, 100);
        /* Nothing else calls this server while it leaves: what runs first
         * after the suspension is the activation the test sent. */
        if (comrt_apartment_dispatch_pending() == S_OK && suspended == 1) {
            announce("answered");
            suspended = 2;
        }
        if (atomic_load(&leaving) && !suspended) {
            /* The descriptor can stay readable after a dispatch with
             * nothing queued: this dispatch (of nothing) resets it. */
            comrt_apartment_dispatch_pending();
            /* The test activates again once it sees this file. */
            announce("leaving");
            p.revents = 0;
            poll(&p, 1, 10000);       /* that request is queued, not run... */
            CoSuspendClassObjects(); /* ...until the class is suspended */
            suspended = 1;
            continue;
        }
        if (atomic_load(&had_client) && atomic_load(&live) == 0)
            break;
    }
out:
    if (cookie)
        CoRevokeClassObject(cookie);
    CoUninitialize();
    return status;
}

static int run_broker(int argc, char **argv)
{
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    hr = CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&backing);
    if (FAILED(hr)) {
        CoUninitialize();
        return fail("activating the backing oop-server", hr);
    }
    comrt_exe_server srv = {
        .module = &broker_module,
        .regcls = REGCLS_MULTIPLEUSE,
        .idle_timeout_ms = idle_timeout_ms(),
    };
    int status = comrt_exe_server_main(&srv, argc, argv);
    IServer_Release(backing);
    backing = NULL;
    CoUninitialize();
    return status;
}

int main(int argc, char **argv)
{
    int broker = 0, leaver = 0;
    for (int i = 1; i < argc; i++) {
        broker |= !strcmp(argv[i], "--broker");
        leaver |= !strcmp(argv[i], "--leaver");
    }
    if (leaver)
        return run_leaver();
    if (broker)
        return run_broker(argc, argv);
    /* -RegServer / -UnregServer: both classes and the type library. */
    comrt_exe_server srv = {
        .module = &module,
        .regcls = REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
    };
    return comrt_exe_server_main(&srv, argc, argv);
}
