/*
 * bench_apartment.c - a call between apartments of one process (STA -> MTA
 * and MTA -> STA) next to a direct call and a call to another process,
 * measured in the same run: medians of RUNS runs of CALLS calls each.
 *
 * The call is ICallback::ThreadId (one [out] hyper), on a trivial object.
 */
#define INITGUID
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BENCH_NAME "bench_apartment"
#include "benchutil.h"
#include "oop.h"

#define RUNS 5
#define CALLS 20000

typedef struct Obj {
    ICallback iface;
    atomic_ulong refs;
} Obj;

static HRESULT o_QueryInterface(ICallback *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ICallback)) {
        ICallback_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG o_AddRef(ICallback *This) { return (ULONG)atomic_fetch_add(&((Obj *)This)->refs, 1) + 1; }
static ULONG o_Release(ICallback *This) { return (ULONG)atomic_fetch_sub(&((Obj *)This)->refs, 1) - 1; }
static HRESULT o_Notify(ICallback *This, LONG v, const char *t)
{
    (void)This;
    (void)v;
    (void)t;
    return S_OK;
}
static HRESULT o_ThreadId(ICallback *This, LONGLONG *tid)
{
    (void)This;
    *tid = 42; /* the work itself is nothing: only the call is measured */
    return S_OK;
}
static const ICallbackVtbl o_vtbl = {o_QueryInterface, o_AddRef, o_Release, o_Notify, o_ThreadId};

/* Median ns per call of CALLS calls through p. */
static double per_call(ICallback *p)
{
    double v[RUNS];
    for (int r = 0; r < RUNS; r++) {
        LONGLONG tid;
        double t0 = now_ns();
        for (int i = 0; i < CALLS; i++)
            CHECK("ThreadId", ICallback_ThreadId(p, &tid));
        v[r] = (now_ns() - t0) / CALLS;
    }
    return median(v, RUNS);
}

/* A thread that owns an object in an apartment of the given kind, hands it
 * out as a marshal packet and serves it (an STA pumps; an MTA waits). */
struct owner {
    DWORD coinit;
    Obj obj;
    BYTE *packet;
    ULONG len;
    atomic_int ready, stop;
};

static void *owner_main(void *arg)
{
    struct owner *o = arg;
    CHECK("CoInitializeEx", CoInitializeEx(NULL, o->coinit));
    o->obj.iface.lpVtbl = &o_vtbl;
    atomic_init(&o->obj.refs, 1);
    CHECK("comrt_marshal_to_bytes", comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&o->obj.iface,
                                                           MSHLFLAGS_TABLESTRONG, &o->packet, &o->len));
    atomic_store(&o->ready, 1);
    while (!atomic_load(&o->stop)) {
        if (o->coinit == COINIT_APARTMENTTHREADED)
            comrt_apartment_wait(20);
        else
            usleep(20000);
    }
    comrt_release_marshal_bytes(o->packet, o->len);
    CoTaskMemFree(o->packet);
    if (o->coinit == COINIT_APARTMENTTHREADED)
        comrt_apartment_dispatch_pending(); /* releases queued for this STA */
    CoUninitialize();
    return NULL;
}

struct caller {
    DWORD coinit;
    struct owner *target;
    double ns;
};

static void *caller_main(void *arg)
{
    struct caller *c = arg;
    ICallback *p = NULL;
    CHECK("CoInitializeEx", CoInitializeEx(NULL, c->coinit));
    CHECK("comrt_unmarshal_from_bytes",
          comrt_unmarshal_from_bytes(c->target->packet, c->target->len, &IID_ICallback, (void **)&p));
    c->ns = per_call(p);
    ICallback_Release(p);
    CoUninitialize();
    return NULL;
}

static double across(DWORD owner_kind, DWORD caller_kind)
{
    struct owner o = {.coinit = owner_kind};
    struct caller c = {.coinit = caller_kind, .target = &o};
    pthread_t to, tc;
    pthread_create(&to, NULL, owner_main, &o);
    while (!atomic_load(&o.ready))
        usleep(1000);
    pthread_create(&tc, NULL, caller_main, &c);
    pthread_join(tc, NULL);
    atomic_store(&o.stop, 1);
    pthread_join(to, NULL);
    return c.ns;
}

int main(void)
{
    CHECK("CoInitializeEx", CoInitializeEx(NULL, COINIT_MULTITHREADED));
    Obj direct = {{&o_vtbl}, 1};
    double d = per_call(&direct.iface);
    double sta_mta = across(COINIT_MULTITHREADED, COINIT_APARTMENTTHREADED);
    double mta_sta = across(COINIT_APARTMENTTHREADED, COINIT_MULTITHREADED);
    double sta_sta = across(COINIT_APARTMENTTHREADED, COINIT_APARTMENTTHREADED);

    /* Another process: the oop test server's IParams (IBase::Ping). */
    IServer *s = NULL;
    IParams *pp = NULL;
    double x = -1;
    HRESULT hr = CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&s);
    if (SUCCEEDED(hr))
        hr = IServer_GetParams(s, &pp);
    if (SUCCEEDED(hr)) {
        double v[RUNS];
        for (int r = 0; r < RUNS; r++) {
            LONG out;
            double t0 = now_ns();
            for (int i = 0; i < CALLS; i++)
                CHECK("Ping", IParams_Ping(pp, i, &out));
            v[r] = (now_ns() - t0) / CALLS;
        }
        x = median(v, RUNS);
        IParams_Release(pp);
    }
    if (s)
        IServer_Release(s);
    printf("apartments (ICallback::ThreadId: one [out] hyper; cross-process: IBase::Ping: [in] and [out] LONG)\n");
    printf("%-40s %10s %10s %14s\n", "call", "ns/call", "x direct", "x cross-proc");
    printf("%-40s %10.1f %10s %14s\n", "direct (vtable call)", d, "1", "-");
    const struct { const char *name; double ns; } rows[] = {
        {"STA -> MTA object (loopback proxy)", sta_mta},
        {"MTA -> STA object (loopback proxy)", mta_sta},
        {"STA -> another STA's object", sta_sta},
        {"MTA -> local server (other process)", x},
    };
    for (int i = 0; i < 4; i++) {
        if (rows[i].ns < 0) {
            printf("%-40s   (the oop server could not be activated: 0x%08X)\n", rows[i].name, (unsigned)hr);
            continue;
        }
        printf("%-40s %10.1f %10.0f", rows[i].name, rows[i].ns, rows[i].ns / d);
        if (x > 0)
            printf(" %14.2f", rows[i].ns / x);
        printf("\n");
    }
    printf("medians of %d runs of %d calls\n", RUNS, CALLS);
    CoUninitialize();
    return 0;
}
