/*
 * oop_server.c - the local server of the out-of-process tests.
 *   oop-server -RegServer | -UnregServer | -Embedding   (class OopServer, MULTIPLEUSE)
 *   oop-server --single -Embedding                      (class OopSingle, SINGLEUSE)
 * OOP_CRASH_AT_START=1 in the environment makes it abort before registering.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oop.h"

static atomic_long live;
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

typedef struct Server {
    comrt_object base;
    IServer server;
    IParams params;
    pthread_mutex_t lock;
    ICallback *cb;
} Server;

COMRT_IUNKNOWN_IMPL(srv, IServer, Server, server)
COMRT_IUNKNOWN_IMPL(prm, IParams, Server, params)

static Server *S(IServer *p) { return COMRT_CONTAINER_OF(p, Server, server); }

static HRESULT srv_Register(IServer *This, ICallback *cb)
{
    Server *s = S(This);
    if (!cb)
        return E_POINTER;
    ICallback_AddRef(cb);
    pthread_mutex_lock(&s->lock);
    ICallback *old = s->cb;
    s->cb = cb;
    pthread_mutex_unlock(&s->lock);
    if (old)
        ICallback_Release(old);
    return S_OK;
}

static HRESULT srv_Unregister(IServer *This)
{
    Server *s = S(This);
    pthread_mutex_lock(&s->lock);
    ICallback *old = s->cb;
    s->cb = NULL;
    pthread_mutex_unlock(&s->lock);
    if (!old)
        return comrt_error_set(E_INVALIDARG, "no callback is registered");
    ICallback_Release(old);
    return S_OK;
}

static HRESULT srv_Fire(IServer *This, LONG value, LONG *delivered)
{
    Server *s = S(This);
    pthread_mutex_lock(&s->lock);
    ICallback *cb = s->cb;
    if (cb)
        ICallback_AddRef(cb);
    pthread_mutex_unlock(&s->lock);
    *delivered = 0;
    if (!cb)
        return S_FALSE;
    HRESULT hr = ICallback_Notify(cb, value, "fired");
    ICallback_Release(cb);
    if (SUCCEEDED(hr))
        *delivered = 1;
    return hr;
}

struct later {
    ICallback *cb;
    LONG delay_ms, value;
};

static void *fire_later(void *arg)
{
    struct later *l = arg;
    usleep((useconds_t)l->delay_ms * 1000);
    ICallback_Notify(l->cb, l->value, "later");
    ICallback_Release(l->cb);
    free(l);
    CoReleaseServerProcess();
    return NULL;
}

/* Calls the callback from a thread of its own, outside any client call. */
static HRESULT srv_FireLater(IServer *This, LONG delay_ms, LONG value)
{
    Server *s = S(This);
    pthread_t t;
    struct later *l = malloc(sizeof *l);
    if (!l)
        return E_OUTOFMEMORY;
    pthread_mutex_lock(&s->lock);
    l->cb = s->cb;
    if (l->cb)
        ICallback_AddRef(l->cb);
    pthread_mutex_unlock(&s->lock);
    if (!l->cb) {
        free(l);
        return comrt_error_set(E_INVALIDARG, "no callback is registered");
    }
    l->delay_ms = delay_ms;
    l->value = value;
    CoAddRefServerProcess(); /* stay up until the thread is done */
    if (pthread_create(&t, NULL, fire_later, l) != 0) {
        ICallback_Release(l->cb);
        free(l);
        CoReleaseServerProcess();
        return E_OUTOFMEMORY;
    }
    pthread_detach(t);
    return S_OK;
}

static HRESULT srv_GetParams(IServer *This, IParams **pp)
{
    *pp = &S(This)->params;
    IParams_AddRef(*pp);
    return S_OK;
}

static HRESULT srv_GetAny(IServer *This, REFIID riid, void **ppv)
{
    return IServer_QueryInterface(This, riid, ppv);
}

static HRESULT srv_Identity(IServer *This, IUnknown *p, IUnknown **same)
{
    (void)This;
    *same = p;
    if (p)
        IUnknown_AddRef(p);
    return S_OK;
}

static HRESULT srv_Pid(IServer *This, LONG *pid)
{
    (void)This;
    *pid = (LONG)getpid();
    return S_OK;
}

static HRESULT srv_LiveObjects(IServer *This, LONG *n)
{
    (void)This;
    *n = (LONG)atomic_load(&live);
    return S_OK;
}

static HRESULT srv_Sleep(IServer *This, LONG ms)
{
    (void)This;
    usleep((useconds_t)ms * 1000);
    return S_OK;
}

static HRESULT srv_Crash(IServer *This)
{
    (void)This;
    abort();
}

static HRESULT srv_Disconnect(IServer *This)
{
    return CoDisconnectObject((IUnknown *)This, 0);
}

/* Objects this server has locked externally, so another can unlock them. */
static pthread_mutex_t locked_mutex = PTHREAD_MUTEX_INITIALIZER;
static IServer *locked[16];
static int nlocked;

static HRESULT srv_LockExternal(IServer *This, BOOL fLock)
{
    HRESULT hr = CoLockObjectExternal((IUnknown *)This, fLock, TRUE);
    if (SUCCEEDED(hr) && fLock) {
        pthread_mutex_lock(&locked_mutex);
        if (nlocked < 16)
            locked[nlocked++] = This; /* borrowed: the lock keeps it alive */
        pthread_mutex_unlock(&locked_mutex);
    }
    return hr;
}

static HRESULT srv_UnlockAll(IServer *This)
{
    (void)This;
    pthread_mutex_lock(&locked_mutex);
    int n = nlocked;
    IServer *list[16];
    memcpy(list, locked, sizeof list);
    nlocked = 0;
    pthread_mutex_unlock(&locked_mutex);
    for (int i = 0; i < n; i++)
        CoLockObjectExternal((IUnknown *)list[i], FALSE, TRUE);
    return S_OK;
}

static const IServerVtbl srv_vtbl = {
    srv_QueryInterface, srv_AddRef, srv_Release, srv_Register, srv_Unregister, srv_Fire, srv_FireLater,
    srv_GetParams,
    srv_GetAny, srv_Identity, srv_Pid, srv_LiveObjects, srv_Sleep, srv_Crash, srv_Disconnect, srv_LockExternal,
    srv_UnlockAll,
};

/* IParams: each method does something checkable with every parameter. */
static HRESULT prm_Ping(IParams *This, LONG v, LONG *r)
{
    (void)This;
    *r = v * 2;
    return S_OK;
}

static HRESULT prm_Null(IParams *This)
{
    (void)This;
    return S_OK;
}

static HRESULT prm_Scalars(IParams *This, char c, BYTE b, SHORT s, USHORT us, LONG l, ULONG ul, LONGLONG h,
                           ULONGLONG uh, float f, double d, double *sum)
{
    (void)This;
    *sum = (double)c + b + s + us + l + (double)ul + (double)h + (double)uh + f + d;
    return S_OK;
}

static HRESULT prm_InOut(IParams *This, LONG *v, char **text)
{
    (void)This;
    *v = *v * 10 + 1;
    size_t n = *text ? strlen(*text) : 0;
    char *t = CoTaskMemAlloc(n + 2);
    if (!t)
        return E_OUTOFMEMORY;
    if (n)
        memcpy(t, *text, n);
    t[n] = '!';
    t[n + 1] = '\0';
    CoTaskMemFree(*text);
    *text = t;
    return S_OK;
}

static HRESULT prm_Strings(IParams *This, const char *in, char **out)
{
    (void)This;
    size_t n = strlen(in);
    *out = CoTaskMemAlloc(n + 1);
    for (size_t i = 0; i < n; i++)
        (*out)[i] = (char)(in[n - 1 - i]);
    (*out)[n] = '\0';
    return S_OK;
}

static HRESULT prm_Sum(IParams *This, LONG n, const LONG *values, LONGLONG *sum)
{
    (void)This;
    *sum = 0;
    for (LONG i = 0; i < n; i++)
        *sum += values[i];
    return S_OK;
}

static HRESULT prm_Fill(IParams *This, LONG n, LONG *buf, LONG *used)
{
    (void)This;
    *used = n / 2;
    for (LONG i = 0; i < *used; i++)
        buf[i] = i * i;
    return S_OK;
}

static HRESULT prm_MakeBytes(IParams *This, LONG n, LONG *count, BYTE **bytes)
{
    (void)This;
    *bytes = CoTaskMemAlloc((size_t)n);
    for (LONG i = 0; i < n; i++)
        (*bytes)[i] = (BYTE)(i * 3);
    *count = n;
    return S_OK;
}

static HRESULT prm_Bulk(IParams *This, LONG n, const BYTE *data, ULONG *checksum)
{
    (void)This;
    ULONG c = 0;
    for (LONG i = 0; i < n; i++)
        c = c * 31 + data[i];
    *checksum = c;
    return S_OK;
}

static HRESULT prm_Fetch(IParams *This, LONG n, BYTE *data)
{
    (void)This;
    for (LONG i = 0; i < n; i++)
        data[i] = (BYTE)(i ^ 0x5A);
    return S_OK;
}

static HRESULT prm_Shape(IParams *This, const SHAPE *in, SHAPE *out)
{
    (void)This;
    *out = *in;
    out->origin.x += 1;
    out->origin.y += 2;
    out->origin.z += 3;
    for (int i = 0; i < 4; i++)
        out->corners[i] = in->corners[3 - i];
    out->scale = in->scale * 2;
    return S_OK;
}

static HRESULT prm_Guid(IParams *This, REFIID riid, GUID *copy)
{
    (void)This;
    *copy = *riid;
    return S_OK;
}

static HRESULT prm_Maybe(IParams *This, LONG *p, LONG *was_null)
{
    (void)This;
    *was_null = p == NULL;
    return S_OK;
}

static HRESULT prm_Fail(IParams *This, HRESULT hr, LONG *untouched, char **text)
{
    (void)This;
    *untouched = 1234; /* a misbehaving callee: the runtime must still zero outs */
    *text = NULL;
    return comrt_error_set(hr, "Fail was asked to fail with 0x%08X", (unsigned)hr);
}

static HRESULT prm_Sink(IParams *This, LONG n, const BYTE *data)
{
    (void)This;
    (void)n;
    (void)data;
    return S_OK;
}

static HRESULT prm_Source(IParams *This, LONG n, BYTE *data)
{
    (void)This;
    if (n > 0)
        data[n - 1] = 1; /* the runtime allocated and zeroed the rest */
    return S_OK;
}

static HRESULT prm_EchoVariant(IParams *This, VARIANT v, VARIANT *copy)
{
    (void)This;
    VariantInit(copy);
    return VariantCopy(copy, &v);
}

static HRESULT prm_EchoArray(IParams *This, SAFEARRAY *a, SAFEARRAY **copy)
{
    (void)This;
    *copy = NULL;
    return a ? SafeArrayCopy(a, copy) : S_OK;
}

static HRESULT prm_EchoBstr(IParams *This, BSTR b, BSTR *copy)
{
    (void)This;
    *copy = b ? SysAllocStringLen(b, SysStringLen(b)) : NULL;
    return b && !*copy ? E_OUTOFMEMORY : S_OK;
}

static const IParamsVtbl prm_vtbl = {
    prm_QueryInterface, prm_AddRef, prm_Release, prm_Ping, prm_Null, prm_Scalars, prm_InOut, prm_Strings,
    prm_Sum, prm_Fill, prm_MakeBytes, prm_Bulk, prm_Fetch, prm_Shape, prm_Guid, prm_Maybe, prm_Fail,
    prm_Sink, prm_Source, prm_EchoVariant, prm_EchoArray, prm_EchoBstr,
};

static void server_destroy(void *p)
{
    Server *s = p;
    if (s->cb)
        ICallback_Release(s->cb);
    pthread_mutex_destroy(&s->lock);
    free(s);
    atomic_fetch_sub(&live, 1);
}

static const comrt_interface_entry server_itfs[] = {
    COMRT_INTERFACE(IID_IServer, Server, server),
    COMRT_INTERFACE(IID_IParams, Server, params),
    COMRT_INTERFACE(IID_IBase, Server, params),
    {NULL, 0},
};
static const comrt_object_class server_class = {
    .name = "OopServer", .interfaces = server_itfs, .destroy = server_destroy};

static HRESULT server_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    Server *s = calloc(1, sizeof *s);
    if (!s)
        return E_OUTOFMEMORY;
    atomic_fetch_add(&live, 1);
    comrt_object_init(&s->base, &server_class, m, outer);
    s->server.lpVtbl = &srv_vtbl;
    s->params.lpVtbl = &prm_vtbl;
    pthread_mutex_init(&s->lock, NULL);
    return comrt_object_finish_create(&s->base, riid, ppv);
}

static const comrt_class_entry multi_classes[] = {
    {.clsid = &CLSID_OopServer, .create = server_create, .description = "comrt out-of-process test server",
     .progid = "ComrtTest.OopServer.1"},
    {0},
};
static const comrt_class_entry single_classes[] = {
    {.clsid = &CLSID_OopSingle, .create = server_create, .description = "comrt single-use test server"},
    {0},
};
static comrt_module multi_module = COMRT_MODULE_INIT(multi_classes);
static comrt_module single_module = COMRT_MODULE_INIT(single_classes);

int main(int argc, char **argv)
{
    int single = 0;
    if (getenv("OOP_CRASH_AT_START"))
        abort();
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--single"))
            single = 1;
    comrt_exe_server srv = {
        .module = single ? &single_module : &multi_module,
        .regcls = single ? REGCLS_SINGLEUSE : REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
        .idle_timeout_ms = 10000,
    };
    return comrt_exe_server_main(&srv, argc, argv);
}
