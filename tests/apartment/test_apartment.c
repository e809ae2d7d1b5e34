/*
 * test_apartment.c - apartments: STA delivery on the owner thread,
 * callbacks during calls, STAs calling each other, the MTA under load,
 * explicit marshaling, wrong-thread refusals, ThreadingModel and the
 * message filter. Out-of-process cases use the tests/oop server.
 */
#define INITGUID
#include <check.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../check_main.h"
#include "aptobj.h"
#include "apttest.h"

static const CLSID CLSID_AptApartment = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x11}};
static const CLSID CLSID_AptFree = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x13}};
static const CLSID CLSID_AptBoth = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x14}};

static void register_class(const CLSID *clsid, const char *lib, const char *model)
{
    char key[128], cs[CHARS_IN_GUID];
    StringFromGUID2(clsid, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", cs);
    if (comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, lib) != S_OK ||
        comrt_reg_set_value(COMRT_REG_DEFAULT, key, "ThreadingModel", model) != S_OK)
        exit(2);
}

static void setup_once(void)
{
    char cmd[PATH_MAX * 2], path[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    register_oop_server();
    snprintf(cmd, sizeof cmd, "%s/tests/apartment/libaptcomp.so", build);
    if (!realpath(cmd, path))
        exit(2);
    register_class(&CLSID_AptApartment, path, "Apartment");
    register_class(&CLSID_AptFree, path, "Free");
    register_class(&CLSID_AptBoth, path, "Both");
}

/* Runs this STA's queued calls until *flag becomes non-zero (bounded). */
static void pump_until(atomic_int *flag)
{
    for (int i = 0; i < 1000 && !atomic_load(flag); i++)
        comrt_apartment_wait(10);
    ck_assert_msg(atomic_load(flag), "timed out pumping");
}

/* A callback object (aptobj.c's, counting its references and calls) that
 * records where it is called and how many calls overlap; with a peer,
 * Notify(v > 0) calls the peer's Notify(v - 1), which makes ping-pong. */
typedef struct Peer {
    AptObj obj;
    atomic_int running, max_running;
    pthread_mutex_t lock; /* guards thread and last: an MTA object is called concurrently */
    pthread_t thread;
    LONG last;
    ICallback *peer;
    int sleep_us;
} Peer;

static HRESULT peer_Notify(ICallback *This, LONG value, const char *text)
{
    Peer *p = (Peer *)This;
    (void)text;
    int now = atomic_fetch_add(&p->running, 1) + 1;
    for (int m = atomic_load(&p->max_running); now > m && !atomic_compare_exchange_weak(&p->max_running, &m, now);)
        ;
    pthread_mutex_lock(&p->lock);
    p->thread = pthread_self();
    p->last = value;
    pthread_mutex_unlock(&p->lock);
    atomic_fetch_add(&p->obj.calls, 1);
    if (p->sleep_us)
        usleep((useconds_t)p->sleep_us);
    HRESULT hr = S_OK;
    if (value > 0 && p->peer)
        hr = ICallback_Notify(p->peer, value - 1, "ping");
    atomic_fetch_sub(&p->running, 1);
    return hr;
}
static const ICallbackVtbl peer_vtbl = {aptobj_QueryInterface, aptobj_AddRef, aptobj_Release, peer_Notify,
                                        aptobj_ThreadId};

static void peer_init(Peer *p)
{
    memset(p, 0, sizeof *p);
    aptobj_init(&p->obj);
    p->obj.iface.lpVtbl = &peer_vtbl;
    pthread_mutex_init(&p->lock, NULL);
}

static IServer *activate_server(void)
{
    IServer *s = NULL;
    check_hr(CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&s),
             "activation");
    return s;
}

/* STA callbacks from another process -------------------------------------------- */

START_TEST(sta_callback_runs_on_the_client_thread)
{
    IServer *s = activate_server();
    Peer cb;
    LONG delivered = 0;
    peer_init(&cb);
    check_hr(IServer_Register(s, &cb.obj.iface), "Register");
    /* During the call: the server calls back while we wait; no deadlock,
     * and the callback runs on this (the STA's) thread. */
    check_hr(IServer_Fire(s, 17, &delivered), "Fire");
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(cb.last, 17);
    ck_assert(pthread_equal(cb.thread, pthread_self()));
    /* Outside any call: nothing runs until this thread dispatches. */
    check_hr(IServer_FireLater(s, 10, 99), "FireLater");
    usleep(300000);
    ck_assert_int_eq(atomic_load(&cb.obj.calls), 1);
    int fd = -1;
    check_hr(comrt_apartment_get_fd(&fd), "comrt_apartment_get_fd");
    for (int i = 0; i < 100 && atomic_load(&cb.obj.calls) < 2; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 100) > 0)
            ck_assert_int_eq(comrt_apartment_dispatch_pending(), S_OK);
    }
    ck_assert_int_eq(atomic_load(&cb.obj.calls), 2);
    ck_assert_int_eq(cb.last, 99);
    ck_assert(pthread_equal(cb.thread, pthread_self()));
    ck_assert_int_eq(comrt_apartment_dispatch_pending(), S_FALSE);
    check_hr(IServer_Unregister(s), "Unregister");
    IServer_Release(s);
    for (int i = 0; i < 200 && atomic_load(&cb.obj.refs) != 1; i++)
        comrt_apartment_wait(10);
    ck_assert_uint_eq(atomic_load(&cb.obj.refs), 1);
}
END_TEST

/* Two STAs of one process calling each other ----------------------------------- */

struct sta_side {
    IStream *to_b;       /* main's object, for B */
    IStream *to_main;    /* B's object, for main */
    Peer peer;
    atomic_int ready, stop;
    pthread_t thread;
};

static void *sta_b(void *arg)
{
    struct sta_side *b = arg;
    ICallback *main_proxy = NULL;
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    peer_init(&b->peer);
    b->thread = pthread_self();
    if (FAILED(CoGetInterfaceAndReleaseStream(b->to_b, &IID_ICallback, (void **)&main_proxy)) ||
        FAILED(CoMarshalInterThreadInterfaceInStream(&IID_ICallback, (IUnknown *)&b->peer.obj.iface, &b->to_main)))
        return NULL;
    b->peer.peer = main_proxy;
    atomic_store(&b->ready, 1);
    while (!atomic_load(&b->stop))
        comrt_apartment_wait(10);
    ICallback_Release(main_proxy);
    CoUninitialize();
    return NULL;
}

START_TEST(two_stas_call_each_other)
{
    struct sta_side b = {0};
    Peer a;
    ICallback *b_proxy = NULL;
    pthread_t t;
    peer_init(&a);
    check_hr(CoMarshalInterThreadInterfaceInStream(&IID_ICallback, (IUnknown *)&a.obj.iface, &b.to_b), "marshal");
    ck_assert_int_eq(pthread_create(&t, NULL, sta_b, &b), 0);
    pump_until(&b.ready);
    check_hr(CoGetInterfaceAndReleaseStream(b.to_main, &IID_ICallback, (void **)&b_proxy), "unmarshal");
    ck_assert_ptr_ne(b_proxy, &b.peer.obj.iface); /* another apartment's object: a proxy */
    a.peer = b_proxy;
    /* 4 on B, 3 on A (nested, while A waits), 2 on B, 1 on A, 0 on B */
    check_hr(ICallback_Notify(b_proxy, 4, "ping"), "Notify");
    ck_assert_int_eq(atomic_load(&b.peer.obj.calls), 3);
    ck_assert_int_eq(atomic_load(&a.obj.calls), 2);
    ck_assert(pthread_equal(a.thread, pthread_self()));
    ck_assert(pthread_equal(b.peer.thread, b.thread));
    ck_assert_int_eq(b.peer.last, 0);
    a.peer = NULL;
    ICallback_Release(b_proxy);
    atomic_store(&b.stop, 1);
    pthread_join(t, NULL);
    /* B's proxy released our object from B's thread: the release runs here. */
    for (int i = 0; i < 100 && atomic_load(&a.obj.refs) != 1; i++)
        comrt_apartment_wait(10);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);
    ck_assert_uint_eq(atomic_load(&b.peer.obj.refs), 1);
}
END_TEST

/* An STA that ends ---------------------------------------------------------------- */

struct ending {
    Peer peer;
    BYTE *packet;
    ULONG len;
    atomic_int ready, stop;
};

static void *sta_that_ends(void *arg)
{
    struct ending *e = arg;
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    peer_init(&e->peer);
    if (SUCCEEDED(comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&e->peer.obj.iface, MSHLFLAGS_NORMAL, &e->packet,
                                         &e->len)))
        atomic_store(&e->ready, 1);
    while (!atomic_load(&e->stop))
        comrt_apartment_wait(10);
    CoUninitialize(); /* disconnects and releases the apartment's objects, here */
    return NULL;
}

START_TEST(calls_into_an_ended_sta_fail_disconnected)
{
    struct ending e = {0};
    ICallback *p = NULL;
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, sta_that_ends, &e), 0);
    for (int i = 0; i < 500 && !atomic_load(&e.ready); i++)
        usleep(10000);
    ck_assert(atomic_load(&e.ready));
    check_hr(comrt_unmarshal_from_bytes(e.packet, e.len, &IID_ICallback, (void **)&p), "unmarshal");
    CoTaskMemFree(e.packet);
    check_hr(ICallback_Notify(p, 0, "alive"), "call while the STA lives");
    ck_assert_uint_gt(atomic_load(&e.peer.obj.refs), 1); /* its export holds it */
    atomic_store(&e.stop, 1);
    pthread_join(t, NULL);
    ck_assert_uint_eq(atomic_load(&e.peer.obj.refs), 1); /* released at CoUninitialize */
    ck_assert_int_eq(ICallback_Notify(p, 0, "gone"), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(atomic_load(&e.peer.obj.calls), 1);
    ICallback_Release(p);
}
END_TEST

/* The MTA under load -------------------------------------------------------------- */

struct mta_load {
    BYTE *packet;
    ULONG len;
    atomic_int failures, off_thread;
};

static void *hammer(void *arg)
{
    struct mta_load *l = arg;
    ICallback *p = NULL;
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(comrt_unmarshal_from_bytes(l->packet, l->len, &IID_ICallback, (void **)&p))) {
        atomic_fetch_add(&l->failures, 1);
    } else {
        for (int i = 0; i < 25; i++) {
            LONGLONG tid = 0;
            if (FAILED(ICallback_Notify(p, 0, "x")) || FAILED(ICallback_ThreadId(p, &tid)))
                atomic_fetch_add(&l->failures, 1);
            if (tid != gettid_ll())
                atomic_fetch_add(&l->off_thread, 1);
        }
        ICallback_Release(p);
    }
    CoUninitialize();
    return NULL;
}

START_TEST(mta_object_called_from_8_threads)
{
    struct mta_load l = {0};
    pthread_t t[8];
    Peer m;
    peer_init(&m);
    m.sleep_us = 2000; /* long enough for calls to overlap */
    check_hr(comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&m.obj.iface, MSHLFLAGS_TABLESTRONG, &l.packet, &l.len),
             "marshal");
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, hammer, &l), 0);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    ck_assert_int_eq(atomic_load(&l.failures), 0);
    ck_assert_int_eq(atomic_load(&m.obj.calls), 8 * 25);
    ck_assert_int_eq(atomic_load(&l.off_thread), 8 * 25); /* each ran on the pool, not the caller */
    ck_assert_int_ge(atomic_load(&m.max_running), 2);     /* and concurrently */
    check_hr(comrt_release_marshal_bytes(l.packet, l.len), "release");
    CoTaskMemFree(l.packet);
    for (int i = 0; i < 200 && atomic_load(&m.obj.refs) != 1; i++)
        usleep(5000);
    ck_assert_uint_eq(atomic_load(&m.obj.refs), 1);
}
END_TEST

/* Explicit marshaling ------------------------------------------------------------ */

struct other_thread {
    IStream *stream;
    ICallback *proxy; /* left for the main thread to misuse */
    HRESULT hr;
    LONGLONG tid;
    atomic_int done;
};

static void *use_from_mta(void *arg)
{
    struct other_thread *o = arg;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    o->hr = CoGetInterfaceAndReleaseStream(o->stream, &IID_ICallback, (void **)&o->proxy);
    if (SUCCEEDED(o->hr))
        o->hr = ICallback_ThreadId(o->proxy, &o->tid);
    atomic_store(&o->done, 1);
    return NULL; /* stays initialized: o->proxy is used (wrongly) by the main thread */
}

START_TEST(interthread_stream_round_trip)
{
    Peer a;
    IStream *s = NULL;
    ICallback *p = NULL;
    peer_init(&a);
    /* The same apartment gets the object itself back. */
    check_hr(CoMarshalInterThreadInterfaceInStream(&IID_ICallback, (IUnknown *)&a.obj.iface, &s), "marshal");
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 2); /* the packet holds one */
    check_hr(CoGetInterfaceAndReleaseStream(s, &IID_ICallback, (void **)&p), "unmarshal");
    ck_assert_ptr_eq(p, &a.obj.iface);
    ICallback_Release(p);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);

    /* Another apartment gets a proxy whose calls run here. */
    struct other_thread o = {0};
    pthread_t t;
    check_hr(CoMarshalInterThreadInterfaceInStream(&IID_ICallback, (IUnknown *)&a.obj.iface, &o.stream), "marshal");
    ck_assert_int_eq(pthread_create(&t, NULL, use_from_mta, &o), 0);
    pump_until(&o.done);
    pthread_join(t, NULL);
    check_hr(o.hr, "call from the MTA");
    ck_assert(o.proxy != &a.obj.iface);
    ck_assert_int_eq(o.tid, gettid_ll());
    /* That proxy belongs to the MTA: used from this STA it is refused. */
    ck_assert_int_eq(ICallback_Notify(o.proxy, 1, "wrong"), RPC_E_WRONG_THREAD);
    char *why = comrt_error_take_description();
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "another apartment"));
    CoTaskMemFree(why);
    ck_assert_int_eq(atomic_load(&a.obj.calls), 0);
    ICallback_Release(o.proxy);
    for (int i = 0; i < 100 && atomic_load(&a.obj.refs) != 1; i++)
        comrt_apartment_wait(10);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);
}
END_TEST

START_TEST(packets_normal_table_and_bad)
{
    Peer a;
    BYTE *bytes = NULL;
    ULONG len = 0;
    ICallback *p = NULL, *q = NULL;
    peer_init(&a);
    /* NORMAL: once. */
    check_hr(comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&a.obj.iface, MSHLFLAGS_NORMAL, &bytes, &len), "m");
    check_hr(comrt_unmarshal_from_bytes(bytes, len, &IID_ICallback, (void **)&p), "u");
    ck_assert_int_eq(comrt_unmarshal_from_bytes(bytes, len, &IID_ICallback, (void **)&q), CO_E_OBJNOTCONNECTED);
    ck_assert_ptr_null(q);
    CoTaskMemFree(comrt_error_take_description());
    ICallback_Release(p);
    CoTaskMemFree(bytes);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);
    /* TABLESTRONG: any number of times, until released. */
    check_hr(comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&a.obj.iface, MSHLFLAGS_TABLESTRONG, &bytes, &len),
             "m");
    check_hr(comrt_unmarshal_from_bytes(bytes, len, &IID_ICallback, (void **)&p), "u1");
    check_hr(comrt_unmarshal_from_bytes(bytes, len, &IID_ICallback, (void **)&q), "u2");
    ck_assert_ptr_eq(p, q);
    ICallback_Release(p);
    ICallback_Release(q);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 2);
    check_hr(comrt_release_marshal_bytes(bytes, len), "release");
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);
    ck_assert_int_eq(comrt_unmarshal_from_bytes(bytes, len, &IID_ICallback, (void **)&p), CO_E_OBJNOTCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    /* Truncated and foreign bytes are refused by name, and change nothing. */
    for (ULONG cut = 0; cut < len; cut += 7)
        ck_assert_int_eq(comrt_unmarshal_from_bytes(bytes, cut, &IID_ICallback, (void **)&p), RPC_E_INVALID_OBJREF);
    static const BYTE junk[] = {0x93, 0x01, 0x02, 0x03};
    ck_assert_int_eq(comrt_unmarshal_from_bytes(junk, sizeof junk, &IID_ICallback, (void **)&p), RPC_E_INVALID_OBJREF);
    ck_assert_int_eq(comrt_release_marshal_bytes(junk, sizeof junk), RPC_E_INVALID_OBJREF);
    CoTaskMemFree(comrt_error_take_description());
    CoTaskMemFree(bytes);
    ck_assert_int_eq(
        comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&a.obj.iface, MSHLFLAGS_TABLEWEAK, &bytes, &len),
        E_NOTIMPL);
    CoTaskMemFree(comrt_error_take_description());
    /* Streams: two packets in one stream, read back in order; CoReleaseMarshalData. */
    IStream *s = SHCreateMemStream(NULL, 0);
    ck_assert_ptr_nonnull(s);
    check_hr(CoMarshalInterface(s, &IID_ICallback, (IUnknown *)&a.obj.iface, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL),
             "1");
    check_hr(CoMarshalInterface(s, &IID_IUnknown, (IUnknown *)&a.obj.iface, MSHCTX_INPROC, NULL, MSHLFLAGS_NORMAL),
             "2");
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 2); /* the export table holds one for every packet */
    LARGE_INTEGER zero = {.QuadPart = 0};
    IStream_Seek(s, zero, STREAM_SEEK_SET, NULL);
    check_hr(CoReleaseMarshalData(s), "release 1");
    check_hr(CoUnmarshalInterface(s, &IID_IUnknown, (void **)&p), "unmarshal 2");
    ck_assert_ptr_eq(p, &a.obj.iface);
    IUnknown_Release((IUnknown *)p);
    IStream_Release(s);
    ck_assert_uint_eq(atomic_load(&a.obj.refs), 1);
}
END_TEST

/* ThreadingModel ------------------------------------------------------------------ */

static LONGLONG tid_of(const CLSID *clsid, ICallback **keep)
{
    ICallback *p = NULL;
    LONGLONG tid = 0;
    check_hr(CoCreateInstance(clsid, NULL, CLSCTX_INPROC_SERVER, &IID_ICallback, (void **)&p), "create");
    check_hr(ICallback_ThreadId(p, &tid), "ThreadId");
    if (keep)
        *keep = p;
    else
        ICallback_Release(p);
    return tid;
}

START_TEST(threading_model_from_an_sta)
{
    APTTYPE t;
    APTTYPEQUALIFIER q;
    check_hr(CoGetApartmentType(&t, &q), "CoGetApartmentType");
    ck_assert_int_eq(t, APTTYPE_MAINSTA);
    LONGLONG me = gettid_ll();
    ck_assert_int_eq(tid_of(&CLSID_AptApartment, NULL), me); /* lives here */
    ck_assert_int_eq(tid_of(&CLSID_AptBoth, NULL), me);
    ck_assert_int_ne(tid_of(&CLSID_AptFree, NULL), me); /* lives in the MTA */
}
END_TEST

START_TEST(threading_model_from_the_mta)
{
    APTTYPE t;
    APTTYPEQUALIFIER q;
    ICallback *a1 = NULL, *a2 = NULL;
    check_hr(CoGetApartmentType(&t, &q), "CoGetApartmentType");
    ck_assert_int_eq(t, APTTYPE_MTA);
    LONGLONG me = gettid_ll();
    LONGLONG h1 = tid_of(&CLSID_AptApartment, &a1), h2 = tid_of(&CLSID_AptApartment, &a2);
    ck_assert_int_ne(h1, me); /* in the host STA, */
    ck_assert_int_eq(h1, h2); /* which is one thread */
    ck_assert_int_eq(tid_of(&CLSID_AptFree, NULL), me);
    ck_assert_int_eq(tid_of(&CLSID_AptBoth, NULL), me);
    /* Aggregating across apartments is refused, as in COM. */
    IUnknown *inner = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_AptApartment, (IUnknown *)a1, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                                      (void **)&inner),
                     CLASS_E_NOAGGREGATION);
    CoTaskMemFree(comrt_error_take_description());
    ICallback_Release(a1);
    ICallback_Release(a2);
    IMessageFilter *prev = NULL;
    ck_assert_int_eq(CoRegisterMessageFilter(NULL, &prev), CO_E_NOT_SUPPORTED);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(comrt_apartment_dispatch_pending(), RPC_E_WRONG_THREAD);
    CoTaskMemFree(comrt_error_take_description());
}
END_TEST

/* The message filter ---------------------------------------------------------------- */

typedef struct Filter {
    IMessageFilter iface;
    atomic_ulong refs;
    atomic_int rejections_left; /* HandleInComingCall refuses this many top-level calls */
    DWORD verdict;              /* what it refuses them with */
    atomic_int seen, seen_nested, retries;
    DWORD last_type;
    INTERFACEINFO last_info;
} Filter;

static HRESULT f_QueryInterface(IMessageFilter *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IMessageFilter)) {
        This->lpVtbl->AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG f_AddRef(IMessageFilter *This) { return (ULONG)atomic_fetch_add(&((Filter *)This)->refs, 1) + 1; }
static ULONG f_Release(IMessageFilter *This) { return (ULONG)atomic_fetch_sub(&((Filter *)This)->refs, 1) - 1; }
static DWORD f_HandleInComingCall(IMessageFilter *This, DWORD type, HTASK caller, DWORD ticks, LPINTERFACEINFO info)
{
    Filter *f = (Filter *)This;
    (void)caller;
    (void)ticks;
    atomic_fetch_add(&f->seen, 1);
    if (type == CALLTYPE_NESTED)
        atomic_fetch_add(&f->seen_nested, 1);
    f->last_type = type;
    f->last_info = *info;
    if (atomic_load(&f->rejections_left) > 0) {
        atomic_fetch_sub(&f->rejections_left, 1);
        return f->verdict;
    }
    return SERVERCALL_ISHANDLED;
}
static DWORD f_RetryRejectedCall(IMessageFilter *This, HTASK callee, DWORD ticks, DWORD type)
{
    (void)callee;
    (void)ticks;
    (void)type;
    atomic_fetch_add(&((Filter *)This)->retries, 1);
    return 0; /* at once */
}
static DWORD f_MessagePending(IMessageFilter *This, HTASK callee, DWORD ticks, DWORD type)
{
    (void)This;
    (void)callee;
    (void)ticks;
    (void)type;
    return PENDINGMSG_WAITDEFPROCESS;
}
static const IMessageFilterVtbl filter_vtbl = {f_QueryInterface, f_AddRef, f_Release, f_HandleInComingCall,
                                               f_RetryRejectedCall, f_MessagePending};

static void filter_init(Filter *f, int rejections, DWORD verdict)
{
    memset(f, 0, sizeof *f);
    f->iface.lpVtbl = &filter_vtbl;
    atomic_init(&f->refs, 1);
    atomic_init(&f->rejections_left, rejections);
    f->verdict = verdict;
}

struct caller {
    IStream *stream;
    int sta_with_retry_filter;
    Filter retry;
    HRESULT hr;
    atomic_int done;
};

static void *call_once(void *arg)
{
    struct caller *c = arg;
    ICallback *p = NULL;
    CoInitializeEx(NULL, c->sta_with_retry_filter ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED);
    if (c->sta_with_retry_filter) {
        filter_init(&c->retry, 0, 0);
        CoRegisterMessageFilter(&c->retry.iface, NULL);
    }
    c->hr = CoGetInterfaceAndReleaseStream(c->stream, &IID_ICallback, (void **)&p);
    if (SUCCEEDED(c->hr)) {
        c->hr = ICallback_Notify(p, 0, "knock");
        ICallback_Release(p);
    }
    if (c->sta_with_retry_filter)
        CoRegisterMessageFilter(NULL, NULL);
    CoUninitialize();
    atomic_store(&c->done, 1);
    return NULL;
}

static HRESULT call_from_thread(Peer *target, int sta_with_retry_filter, int *retries)
{
    struct caller c = {.sta_with_retry_filter = sta_with_retry_filter};
    pthread_t t;
    check_hr(CoMarshalInterThreadInterfaceInStream(&IID_ICallback, (IUnknown *)&target->obj.iface, &c.stream), "m");
    ck_assert_int_eq(pthread_create(&t, NULL, call_once, &c), 0);
    pump_until(&c.done);
    pthread_join(t, NULL);
    if (retries)
        *retries = atomic_load(&c.retry.retries);
    return c.hr;
}

START_TEST(message_filter_rejects_retries_and_never_blocks_nested_calls)
{
    Filter f;
    Peer a;
    int retries = 0;
    peer_init(&a);
    filter_init(&f, 1, SERVERCALL_REJECTED);
    check_hr(CoRegisterMessageFilter(&f.iface, NULL), "CoRegisterMessageFilter");
    /* A top-level call refused: the caller (no filter of its own) gets RPC_E_CALL_REJECTED. */
    ck_assert_int_eq(call_from_thread(&a, 0, NULL), RPC_E_CALL_REJECTED);
    ck_assert_int_eq(f.last_type, CALLTYPE_TOPLEVEL);
    ck_assert(IsEqualIID(&f.last_info.iid, &IID_ICallback));
    ck_assert_int_eq(f.last_info.wMethod, 3); /* Notify's slot */
    ck_assert_int_eq(atomic_load(&a.obj.calls), 0);
    /* "Busy, retry later" three times: a caller whose filter retries gets through. */
    atomic_store(&f.rejections_left, 3);
    f.verdict = SERVERCALL_RETRYLATER;
    check_hr(call_from_thread(&a, 1, &retries), "call with retries");
    ck_assert_int_eq(retries, 3);
    ck_assert_int_eq(atomic_load(&a.obj.calls), 1);
    /* Nested calls (the callbacks of our own pending call) always run:
     * the filter would refuse everything now, yet the server's callback
     * during Fire is delivered, and the filter is not asked. */
    IServer *s = activate_server();
    LONG delivered = 0;
    atomic_store(&f.rejections_left, 1000);
    f.verdict = SERVERCALL_REJECTED;
    check_hr(IServer_Register(s, &a.obj.iface), "Register");
    int seen = atomic_load(&f.seen);
    check_hr(IServer_Fire(s, 5, &delivered), "Fire");
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(a.last, 5);
    ck_assert_int_eq(atomic_load(&f.seen), seen);
    atomic_store(&f.rejections_left, 0);
    check_hr(IServer_Unregister(s), "Unregister");
    IServer_Release(s);
    IMessageFilter *prev = NULL;
    check_hr(CoRegisterMessageFilter(NULL, &prev), "remove");
    ck_assert_ptr_eq(prev, &f.iface);
    prev->lpVtbl->Release(prev);
    ck_assert_uint_eq(atomic_load(&f.refs), 1);
}
END_TEST

static Suite *apartment_suite(void)
{
    Suite *s = suite_create("apartment");
    TCase *sta = tcase_create("sta");
    tcase_add_checked_fixture(sta, init_sta, uninit);
    tcase_set_timeout(sta, 60);
    tcase_add_test(sta, sta_callback_runs_on_the_client_thread);
    tcase_add_test(sta, two_stas_call_each_other);
    tcase_add_test(sta, interthread_stream_round_trip);
    tcase_add_test(sta, packets_normal_table_and_bad);
    tcase_add_test(sta, threading_model_from_an_sta);
    tcase_add_test(sta, message_filter_rejects_retries_and_never_blocks_nested_calls);
    suite_add_tcase(s, sta);
    TCase *mta = tcase_create("mta");
    tcase_add_checked_fixture(mta, init_mta, uninit);
    tcase_set_timeout(mta, 60);
    tcase_add_test(mta, mta_object_called_from_8_threads);
    tcase_add_test(mta, calls_into_an_ended_sta_fail_disconnected);
    tcase_add_test(mta, threading_model_from_the_mta);
    suite_add_tcase(s, mta);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(apartment_suite());
}
