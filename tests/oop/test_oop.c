/*
 * test_oop.c - out-of-process servers end to end: a real local server
 * process (oop-server) launched on demand, real sockets, real kills.
 */
#define INITGUID /* for the GUIDs this file defines itself */
#include <check.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check_main.h"
#include "oop.h"

static char server_exe[PATH_MAX];

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void setup_once(void)
{
    char cmd[PATH_MAX * 2], key[128], cs[CHARS_IN_GUID], value[PATH_MAX + 16];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(cmd, sizeof cmd, "%s/tests/oop/oop-server", build);
    if (!realpath(cmd, server_exe)) {
        fprintf(stderr, "no %s\n", cmd);
        exit(2);
    }
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, server_exe);
    if (system(cmd) != 0) {
        fprintf(stderr, "%s failed\n", cmd);
        exit(2);
    }
    /* the single-use class runs the same program in its other mode */
    StringFromGUID2(&CLSID_OopSingle, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    snprintf(value, sizeof value, "%s --single", server_exe);
    if (comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, value) != S_OK)
        exit(2);
}

static void init_mta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
}

static void uninit(void)
{
    CoUninitialize();
}

static IServer *activate(void)
{
    IServer *s = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&s);
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        ck_abort_msg("activation failed: 0x%08X %s", (unsigned)hr, why ? why : "");
    }
    return s;
}

/* Every parameter kind, through a real server ------------------------------------ */

START_TEST(parameter_kinds)
{
    IServer *s = activate();
    IParams *p = NULL;
    LONG r = 0;
    ck_assert_int_eq(IServer_GetParams(s, &p), S_OK);
    ck_assert_int_eq(IParams_Null(p), S_OK);
    ck_assert_int_eq(IParams_Ping(p, 21, &r), S_OK); /* inherited method */
    ck_assert_int_eq(r, 42);

    double sum = 0;
    ck_assert_int_eq(IParams_Scalars(p, -5, 250, -3000, 60000, -100000, 4000000000u, -(1LL << 40), 1ULL << 62,
                                     1.5f, 0.25, &sum),
                     S_OK);
    ck_assert(sum == (double)-5 + 250 - 3000 + 60000 - 100000 + 4000000000.0 - (double)(1LL << 40) +
                         (double)(1ULL << 62) + 1.5 + 0.25);

    LONG v = 7;
    char *text = CoTaskMemAlloc(4);
    strcpy(text, "abc");
    ck_assert_int_eq(IParams_InOut(p, &v, &text), S_OK);
    ck_assert_int_eq(v, 71);
    ck_assert_str_eq(text, "abc!");
    CoTaskMemFree(text);

    char *out = NULL;
    ck_assert_int_eq(IParams_Strings(p, "hello, world", &out), S_OK);
    ck_assert_str_eq(out, "dlrow ,olleh");
    CoTaskMemFree(out);

    LONG values[100];
    LONGLONG expect = 0;
    for (int i = 0; i < 100; i++)
        expect += values[i] = i * 1000 - 7;
    LONGLONG total = 0;
    ck_assert_int_eq(IParams_Sum(p, 100, values, &total), S_OK);
    ck_assert_int_eq(total, expect);

    LONG buf[10], used = -1;
    for (int i = 0; i < 10; i++)
        buf[i] = -1;
    ck_assert_int_eq(IParams_Fill(p, 10, buf, &used), S_OK);
    ck_assert_int_eq(used, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(buf[i], i * i);

    LONG count = 0;
    BYTE *bytes = NULL;
    ck_assert_int_eq(IParams_MakeBytes(p, 300, &count, &bytes), S_OK);
    ck_assert_int_eq(count, 300);
    for (int i = 0; i < 300; i++)
        ck_assert_uint_eq(bytes[i], (BYTE)(i * 3));
    CoTaskMemFree(bytes);

    SHAPE in = {{1, 2, 3}, {10, 20, 30, 40}, 1.25}, o;
    memset(&o, 0, sizeof o);
    ck_assert_int_eq(IParams_Shape(p, &in, &o), S_OK);
    ck_assert_int_eq(o.origin.x, 2);
    ck_assert_int_eq(o.origin.z, 6);
    ck_assert_int_eq(o.corners[0], 40);
    ck_assert_int_eq(o.corners[3], 10);
    ck_assert(o.scale == 2.5);

    GUID g;
    ck_assert_int_eq(IParams_Guid(p, &IID_IServer, &g), S_OK);
    ck_assert(IsEqualGUID(&g, &IID_IServer));

    LONG was_null = -1, x = 5;
    ck_assert_int_eq(IParams_Maybe(p, NULL, &was_null), S_OK);
    ck_assert_int_eq(was_null, 1);
    ck_assert_int_eq(IParams_Maybe(p, &x, &was_null), S_OK);
    ck_assert_int_eq(was_null, 0);

    /* failure: the HRESULT and its message cross, outs are zeroed */
    LONG untouched = 99;
    char *t = (char *)1;
    ck_assert_int_eq(IParams_Fail(p, E_ACCESSDENIED, &untouched, &t), E_ACCESSDENIED);
    ck_assert_int_eq(untouched, 0);
    ck_assert_ptr_null(t);
    char *why = comrt_error_take_description();
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, "Fail was asked to fail with 0x80070005"));
    CoTaskMemFree(why);

    IParams_Release(p);
    IServer_Release(s);
}
END_TEST

START_TEST(bulk_arrays_both_ways)
{
    IServer *s = activate();
    IParams *p = NULL;
    const LONG n = 16 << 20;
    BYTE *data = malloc((size_t)n);
    ULONG expect = 0, got = 0;
    for (LONG i = 0; i < n; i++) {
        data[i] = (BYTE)(i * 7 + (i >> 11));
        expect = expect * 31 + data[i];
    }
    ck_assert_int_eq(IServer_GetParams(s, &p), S_OK);
    ck_assert_int_eq(IParams_Bulk(p, n, data, &got), S_OK);
    ck_assert_uint_eq(got, expect);
    memset(data, 0, (size_t)n);
    ck_assert_int_eq(IParams_Fetch(p, n, data), S_OK);
    for (LONG i = 0; i < n; i += 4093)
        ck_assert_uint_eq(data[i], (BYTE)(i ^ 0x5A));
    /* the untouched-by-the-callee pair the benchmark uses */
    ck_assert_int_eq(IParams_Sink(p, n, data), S_OK);
    memset(data, 7, (size_t)n);
    ck_assert_int_eq(IParams_Source(p, n, data), S_OK);
    ck_assert_uint_eq(data[0], 0);
    ck_assert_uint_eq(data[n / 2], 0);
    ck_assert_uint_eq(data[n - 1], 1);
    free(data);

    /* [out, size_is(n), length_is(*used)]: large enough to be received in
     * place; what the callee leaves past *used is zeroed, not the caller's. */
    const LONG m = 90000;
    LONG *buf = malloc((size_t)m * sizeof *buf), used = -1;
    for (LONG i = 0; i < m; i++)
        buf[i] = -1;
    ck_assert_int_eq(IParams_Fill(p, m, buf, &used), S_OK);
    ck_assert_int_eq(used, m / 2);
    for (LONG i = 0; i < used; i++)
        ck_assert_int_eq(buf[i], i * i);
    for (LONG i = used; i < m; i++)
        ck_assert_int_eq(buf[i], 0);
    free(buf);
    IParams_Release(p);
    IServer_Release(s);
}
END_TEST

/* Callbacks ----------------------------------------------------------------------- */

typedef struct Cb {
    ICallback iface;
    atomic_ulong refs;
    pthread_mutex_t lock;
    pthread_cond_t cv;
    LONG last;
    int calls;
    pthread_t thread;
} Cb;

static HRESULT cb_QueryInterface(ICallback *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ICallback)) {
        *ppv = This;
        ICallback_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG cb_AddRef(ICallback *This) { return (ULONG)atomic_fetch_add(&((Cb *)This)->refs, 1) + 1; }
static ULONG cb_Release(ICallback *This) { return (ULONG)atomic_fetch_sub(&((Cb *)This)->refs, 1) - 1; }
static HRESULT cb_Notify(ICallback *This, LONG value, const char *text)
{
    Cb *c = (Cb *)This;
    (void)text;
    pthread_mutex_lock(&c->lock);
    c->last = value;
    c->calls++;
    c->thread = pthread_self();
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->lock);
    return S_OK;
}
static HRESULT cb_ThreadId(ICallback *This, LONGLONG *tid)
{
    (void)This;
    *tid = (LONGLONG)syscall(SYS_gettid);
    return S_OK;
}
static const ICallbackVtbl cb_vtbl = {cb_QueryInterface, cb_AddRef, cb_Release, cb_Notify, cb_ThreadId};

static void cb_init(Cb *c)
{
    memset(c, 0, sizeof *c);
    c->iface.lpVtbl = &cb_vtbl;
    atomic_init(&c->refs, 1);
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cv, NULL);
}

START_TEST(callbacks_during_and_outside_calls)
{
    IServer *s = activate();
    Cb cb;
    LONG delivered = 0;
    cb_init(&cb);
    ck_assert_int_eq(IServer_Register(s, &cb.iface), S_OK);
    ck_assert_uint_gt(atomic_load(&cb.refs), 1); /* the server holds a reference */
    /* during the call: the server calls us back before it replies */
    ck_assert_int_eq(IServer_Fire(s, 17, &delivered), S_OK);
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(cb.last, 17);
    ck_assert(pthread_equal(cb.thread, pthread_self())); /* run by the waiting caller */
    /* outside any call: from a server thread, later */
    ck_assert_int_eq(IServer_FireLater(s, 50, 99), S_OK);
    pthread_mutex_lock(&cb.lock);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += 5;
    while (cb.calls < 2)
        if (pthread_cond_timedwait(&cb.cv, &cb.lock, &dl))
            break;
    pthread_mutex_unlock(&cb.lock);
    ck_assert_int_eq(cb.calls, 2);
    ck_assert_int_eq(cb.last, 99);
    ck_assert_int_eq(IServer_Unregister(s), S_OK);
    IServer_Release(s);
    /* every reference the server held on our object has come back */
    for (int i = 0; i < 100 && atomic_load(&cb.refs) != 1; i++)
        usleep(10000);
    ck_assert_uint_eq(atomic_load(&cb.refs), 1);
}
END_TEST

/* Identity -------------------------------------------------------------------------- */

START_TEST(identity_rules)
{
    IServer *s = activate();
    IParams *p1 = NULL, *p2 = NULL;
    IUnknown *u1 = NULL, *u2 = NULL, *u3 = NULL, *back = NULL;
    void *none = (void *)1;
    ck_assert_int_eq(IServer_GetParams(s, &p1), S_OK);
    ck_assert_int_eq(IServer_QueryInterface(s, &IID_IParams, (void **)&p2), S_OK); /* remote QI */
    ck_assert_ptr_eq(p1, p2);                                                       /* one proxy per interface */
    ck_assert_int_eq(IParams_QueryInterface(p1, &IID_IUnknown, (void **)&u1), S_OK);
    ck_assert_int_eq(IServer_QueryInterface(s, &IID_IUnknown, (void **)&u2), S_OK);
    ck_assert_ptr_eq(u1, u2);
    ck_assert_int_eq(IServer_GetAny(s, &IID_IServer, (void **)&u3), S_OK); /* [iid_is] out */
    ck_assert_ptr_eq(u3, s);
    ck_assert_int_eq(IServer_QueryInterface(s, &IID_ICallback, &none), E_NOINTERFACE);
    ck_assert_ptr_null(none);
    CoTaskMemFree(comrt_error_take_description());

    /* our own object, sent there and back, comes home as itself */
    Cb cb;
    cb_init(&cb);
    ck_assert_int_eq(IServer_Identity(s, (IUnknown *)&cb.iface, &back), S_OK);
    ck_assert_ptr_eq(back, &cb.iface);
    IUnknown_Release(back);
    /* and a proxy sent there and back is the same proxy */
    ck_assert_int_eq(IServer_Identity(s, u1, &back), S_OK);
    ck_assert_ptr_eq(back, u1);
    IUnknown_Release(back);

    IUnknown_Release(u3);
    IUnknown_Release(u2);
    IUnknown_Release(u1);
    IParams_Release(p2);
    IParams_Release(p1);
    IServer_Release(s);
}
END_TEST

/* Server processes ------------------------------------------------------------------- */

static LONG server_pid(IServer *s)
{
    LONG pid = 0;
    ck_assert_int_eq(IServer_Pid(s, &pid), S_OK);
    return pid;
}

START_TEST(thirty_two_clients_one_server)
{
    int pipes[32][2];
    pid_t kids[32];
    /* all start at once: one server must come up for all of them */
    for (int i = 0; i < 32; i++) {
        ck_assert_int_eq(pipe(pipes[i]), 0);
        kids[i] = fork();
        if (kids[i] == 0) {
            IServer *s = NULL;
            LONG pid = 0;
            CoInitializeEx(NULL, COINIT_MULTITHREADED);
            if (SUCCEEDED(CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer,
                                           (void **)&s))) {
                IParams *p = NULL;
                LONG r;
                IServer_GetParams(s, &p);
                for (int k = 0; k < 200 && p; k++)
                    if (FAILED(IParams_Ping(p, k, &r)) || r != 2 * k)
                        pid = -1;
                if (pid == 0)
                    IServer_Pid(s, &pid);
                if (p)
                    IParams_Release(p);
                IServer_Release(s);
            }
            if (write(pipes[i][1], &pid, sizeof pid) != sizeof pid)
                _exit(1);
            _exit(0);
        }
        close(pipes[i][1]);
    }
    LONG first = 0;
    for (int i = 0; i < 32; i++) {
        LONG pid = 0;
        ck_assert_int_eq(read(pipes[i][0], &pid, sizeof pid), (ssize_t)sizeof pid);
        close(pipes[i][0]);
        waitpid(kids[i], NULL, 0);
        ck_assert_int_gt(pid, 0);
        if (!first)
            first = pid;
        ck_assert_int_eq(pid, first);
    }
}
END_TEST

START_TEST(single_use_spawns_one_process_each)
{
    IServer *a = NULL, *b = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_OopSingle, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&a), S_OK);
    ck_assert_int_eq(CoCreateInstance(&CLSID_OopSingle, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&b), S_OK);
    ck_assert_int_ne(server_pid(a), server_pid(b));
    IServer_Release(a);
    IServer_Release(b);
}
END_TEST

static void *slow_call(void *arg)
{
    HRESULT *hr = arg;
    IServer *s = activate();
    *hr = IServer_Sleep(s, 20000);
    IServer_Release(s);
    return NULL;
}

START_TEST(server_killed_mid_call)
{
    IServer *s = activate();
    LONG pid = server_pid(s);
    HRESULT hr = S_OK;
    pthread_t t;
    pthread_create(&t, NULL, slow_call, &hr);
    usleep(200000);
    kill((pid_t)pid, SIGKILL);
    int64_t t0 = now_ms();
    pthread_join(t, NULL);
    ck_assert_int_lt(now_ms() - t0, 1000);
    ck_assert_int_eq(hr, RPC_E_DISCONNECTED);
    /* later calls on old proxies fail at once, too */
    LONG r;
    ck_assert_int_eq(IServer_Pid(s, &r), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    IServer_Release(s);
    /* and the next activation starts a fresh server without delay */
    t0 = now_ms();
    IServer *fresh = activate();
    ck_assert_int_ne(server_pid(fresh), pid);
    ck_assert_int_lt(now_ms() - t0, 5000);
    IServer_Release(fresh);
}
END_TEST

START_TEST(client_killed_holding_references)
{
    /* The child must not inherit a connection: it forks before we connect
     * (fork after CoInitialize is unsupported, as in COM). */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t kid = fork();
    if (kid == 0) {
        IServer *mine[3];
        close(p[0]);
        CoInitializeEx(NULL, COINIT_MULTITHREADED);
        for (int i = 0; i < 3; i++)
            if (FAILED(CoCreateInstance(&CLSID_OopServer, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer,
                                        (void **)&mine[i])))
                _exit(1);
        char c = 'y';
        if (write(p[1], &c, 1) != 1)
            _exit(1);
        for (;;)
            pause(); /* holds three objects until killed */
    }
    close(p[1]);
    char c = 0;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    IServer *watch = activate();
    LONG n = 0;
    ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    ck_assert_int_eq(n, 4); /* the child's three and ours */
    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    int64_t t0 = now_ms();
    do {
        usleep(10000);
        ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    } while (n != 1 && now_ms() - t0 < 2000);
    ck_assert_int_eq(n, 1);
    ck_assert_int_lt(now_ms() - t0, 1000);
    IServer_Release(watch);
}
END_TEST

START_TEST(server_crashing_at_start_up)
{
    IServer *s = NULL;
    DEFINE_GUID(CLSID_Crasher, 0x0E000001, 0, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 1);
    char cs[CHARS_IN_GUID], key[128];
    StringFromGUID2(&CLSID_Crasher, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, server_exe), S_OK);
    setenv("OOP_CRASH_AT_START", "1", 1);
    int64_t t0 = now_ms();
    HRESULT hr = CoCreateInstance(&CLSID_Crasher, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&s);
    unsetenv("OOP_CRASH_AT_START");
    ck_assert_int_eq(hr, CO_E_SERVER_EXEC_FAILURE);
    ck_assert_int_lt(now_ms() - t0, 2000);
    char *why = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(why, "killed by signal 6"));
    CoTaskMemFree(why);
}
END_TEST

START_TEST(disconnect_and_external_locks)
{
    IServer *watch = activate(), *a = activate(), *b = activate();
    LONG n = 0, r = 0;
    ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    ck_assert_int_eq(n, 3);
    /* CoDisconnectObject: a's clients are cut off, the server drops our references */
    ck_assert_int_eq(IServer_Disconnect(a), S_OK);
    ck_assert_int_eq(IServer_Pid(a, &r), RPC_E_DISCONNECTED);
    char *why = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(why, "disconnected from its clients"));
    CoTaskMemFree(why);
    ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    ck_assert_int_eq(n, 2);
    IServer_Release(a);
    /* CoLockObjectExternal keeps b alive after its last client lets go... */
    ck_assert_int_eq(IServer_LockExternal(b, TRUE), S_OK);
    IServer *b2 = NULL;
    ck_assert_int_eq(IServer_QueryInterface(b, &IID_IServer, (void **)&b2), S_OK);
    IServer_Release(b2);
    IServer_Release(b);
    usleep(50000);
    ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    ck_assert_int_eq(n, 2);
    /* ...and the last unlock lets it go */
    ck_assert_int_eq(IServer_UnlockAll(watch), S_OK);
    ck_assert_int_eq(IServer_LiveObjects(watch, &n), S_OK);
    ck_assert_int_eq(n, 1);
    IServer_Release(watch);
}
END_TEST

/* Automation types across processes ------------------------------------------------ */

/* Sends v there and back and checks what returns equals it (same vt and value). */
static void echo_variant(IParams *p, VARIANT *v, VARTYPE want_vt)
{
    VARIANT r;
    VariantInit(&r);
    HRESULT hr = IParams_EchoVariant(p, *v, &r);
    ck_assert_msg(hr == S_OK, "vt 0x%x: 0x%08X", (unsigned)V_VT(v), (unsigned)hr);
    ck_assert_msg(V_VT(&r) == want_vt, "vt 0x%x came back as 0x%x", (unsigned)V_VT(v), (unsigned)V_VT(&r));
    VARIANT a, b;
    VariantInit(&a);
    VariantInit(&b);
    switch (want_vt) {
    case VT_EMPTY:
    case VT_NULL:
        break;
    case VT_DECIMAL:
        ck_assert_int_eq(memcmp(&v->decVal.scale, &r.decVal.scale, sizeof(DECIMAL) - 2), 0);
        break;
    case VT_BSTR:
        ck_assert_uint_eq(SysStringByteLen(V_BSTR(&r)), SysStringByteLen(V_BSTR(v)));
        ck_assert_int_eq(memcmp(V_BSTR(&r), V_BSTR(v), SysStringByteLen(V_BSTR(v))), 0);
        break;
    case VT_UNKNOWN:
    case VT_DISPATCH:
        ck_assert_ptr_eq(V_UNKNOWN(&r), V_UNKNOWN(v)); /* our own object, home as itself */
        break;
    case VT_ERROR: /* has no text form */
        ck_assert_int_eq(V_ERROR(&r), V_ERROR(v));
        break;
    default:
        /* same bits: compare through a lossless conversion to text */
        ck_assert_int_eq(VariantChangeType(&a, v, 0, VT_BSTR), S_OK);
        ck_assert_int_eq(VariantChangeType(&b, &r, 0, VT_BSTR), S_OK);
        ck_assert_str_eq(V_BSTR(&a), V_BSTR(&b));
    }
    VariantClear(&a);
    VariantClear(&b);
    VariantClear(&r);
}

START_TEST(variants_and_safearrays_across_processes)
{
    IServer *s = activate();
    IParams *p = NULL;
    VARIANT v;
    Cb cb;
    cb_init(&cb);
    ck_assert_int_eq(IServer_GetParams(s, &p), S_OK);

    V_VT(&v) = VT_EMPTY; echo_variant(p, &v, VT_EMPTY);
    V_VT(&v) = VT_NULL; echo_variant(p, &v, VT_NULL);
    V_VT(&v) = VT_I1; V_I1(&v) = -100; echo_variant(p, &v, VT_I1);
    V_VT(&v) = VT_UI1; V_UI1(&v) = 200; echo_variant(p, &v, VT_UI1);
    V_VT(&v) = VT_I2; V_I2(&v) = -30000; echo_variant(p, &v, VT_I2);
    V_VT(&v) = VT_UI2; V_UI2(&v) = 60000; echo_variant(p, &v, VT_UI2);
    V_VT(&v) = VT_I4; V_I4(&v) = -2000000000; echo_variant(p, &v, VT_I4);
    V_VT(&v) = VT_UI4; V_UI4(&v) = 4000000000u; echo_variant(p, &v, VT_UI4);
    V_VT(&v) = VT_I8; V_I8(&v) = -(1LL << 60); echo_variant(p, &v, VT_I8);
    V_VT(&v) = VT_UI8; V_UI8(&v) = 1ULL << 63; echo_variant(p, &v, VT_UI8);
    V_VT(&v) = VT_INT; V_INT(&v) = -7; echo_variant(p, &v, VT_INT);
    V_VT(&v) = VT_UINT; V_UINT(&v) = 7; echo_variant(p, &v, VT_UINT);
    V_VT(&v) = VT_R4; V_R4(&v) = 1.5f; echo_variant(p, &v, VT_R4);
    V_VT(&v) = VT_R8; V_R8(&v) = -1e300; echo_variant(p, &v, VT_R8);
    V_VT(&v) = VT_BOOL; V_BOOL(&v) = VARIANT_TRUE; echo_variant(p, &v, VT_BOOL);
    V_VT(&v) = VT_ERROR; V_ERROR(&v) = DISP_E_PARAMNOTFOUND; echo_variant(p, &v, VT_ERROR);
    V_VT(&v) = VT_DATE; V_DATE(&v) = 45000.25; echo_variant(p, &v, VT_DATE);
    V_VT(&v) = VT_CY; V_CY(&v).int64 = 123456789; echo_variant(p, &v, VT_CY);
    VariantInit(&v);
    V_VT(&v) = VT_DECIMAL;
    v.decVal.scale = 3;
    v.decVal.sign = 0x80;
    v.decVal.Hi32 = 5;
    v.decVal.Lo64 = 987654321;
    echo_variant(p, &v, VT_DECIMAL);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocStringLen("a\0b", 3); /* an embedded NUL */
    echo_variant(p, &v, VT_BSTR);
    VariantClear(&v);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = (IUnknown *)&cb.iface;
    echo_variant(p, &v, VT_UNKNOWN);
    /* BYREF arrives as the value it refers to */
    LONG target = 99;
    V_VT(&v) = VT_BYREF | VT_I4;
    V_BYREF(&v) = &target;
    VARIANT r;
    VariantInit(&r);
    ck_assert_int_eq(IParams_EchoVariant(p, v, &r), S_OK);
    ck_assert_uint_eq(V_VT(&r), VT_I4);
    ck_assert_int_eq(V_I4(&r), 99);

    /* a 2-D array of LONG with lower bounds, inside a VARIANT */
    SAFEARRAYBOUND b2[2] = {{3, -1}, {4, 10}};
    SAFEARRAY *sa = SafeArrayCreate(VT_I4, 2, b2);
    for (LONG i = -1; i < 2; i++)
        for (LONG j = 10; j < 14; j++) {
            LONG idx[2] = {i, j}, val = i * 100 + j;
            ck_assert_int_eq(SafeArrayPutElement(sa, idx, &val), S_OK);
        }
    VariantInit(&v);
    V_VT(&v) = VT_ARRAY | VT_I4;
    V_ARRAY(&v) = sa;
    ck_assert_int_eq(IParams_EchoVariant(p, v, &r), S_OK);
    ck_assert_uint_eq(V_VT(&r), VT_ARRAY | VT_I4);
    ck_assert_uint_eq(SafeArrayGetDim(V_ARRAY(&r)), 2);
    LONG lb = 0, ub = 0;
    SafeArrayGetLBound(V_ARRAY(&r), 1, &lb);
    SafeArrayGetUBound(V_ARRAY(&r), 1, &ub);
    ck_assert_int_eq(lb, -1);
    ck_assert_int_eq(ub, 1);
    SafeArrayGetLBound(V_ARRAY(&r), 2, &lb);
    ck_assert_int_eq(lb, 10);
    LONG idx[2] = {1, 13}, got = 0;
    ck_assert_int_eq(SafeArrayGetElement(V_ARRAY(&r), idx, &got), S_OK);
    ck_assert_int_eq(got, 113);
    VariantClear(&r);
    VariantClear(&v);

    /* SAFEARRAY(VARIANT) holding a BSTR, a nested array and an interface */
    SAFEARRAYBOUND b1 = {3, 0};
    SAFEARRAY *outer = SafeArrayCreate(VT_VARIANT, 1, &b1);
    VARIANT e;
    VariantInit(&e);
    V_VT(&e) = VT_BSTR;
    V_BSTR(&e) = SysAllocString("first");
    LONG k = 0;
    SafeArrayPutElement(outer, &k, &e);
    VariantClear(&e);
    SAFEARRAY *inner = SafeArrayCreateVector(VT_BSTR, 1, 2);
    BSTR x = SysAllocString("inner");
    k = 2;
    SafeArrayPutElement(inner, &k, x);
    SysFreeString(x);
    V_VT(&e) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&e) = inner;
    k = 1;
    SafeArrayPutElement(outer, &k, &e);
    VariantClear(&e);
    V_VT(&e) = VT_UNKNOWN;
    V_UNKNOWN(&e) = (IUnknown *)&cb.iface;
    ICallback_AddRef(&cb.iface);
    k = 2;
    SafeArrayPutElement(outer, &k, &e);
    VariantClear(&e);
    SAFEARRAY *back = NULL;
    ck_assert_int_eq(IParams_EchoArray(p, outer, &back), S_OK);
    ck_assert_ptr_nonnull(back);
    k = 0;
    ck_assert_int_eq(SafeArrayGetElement(back, &k, &e), S_OK);
    ck_assert_str_eq(V_BSTR(&e), "first");
    VariantClear(&e);
    k = 1;
    ck_assert_int_eq(SafeArrayGetElement(back, &k, &e), S_OK);
    ck_assert_uint_eq(V_VT(&e), VT_ARRAY | VT_BSTR);
    LONG k2 = 2;
    BSTR y = NULL;
    ck_assert_int_eq(SafeArrayGetElement(V_ARRAY(&e), &k2, &y), S_OK);
    ck_assert_str_eq(y, "inner");
    SysFreeString(y);
    VariantClear(&e);
    k = 2;
    ck_assert_int_eq(SafeArrayGetElement(back, &k, &e), S_OK);
    ck_assert_ptr_eq(V_UNKNOWN(&e), &cb.iface);
    VariantClear(&e);
    SafeArrayDestroy(back);
    SafeArrayDestroy(outer);

    /* BSTR with embedded NULs */
    BSTR in = SysAllocStringLen("x\0y\0z", 5), out = NULL;
    ck_assert_int_eq(IParams_EchoBstr(p, in, &out), S_OK);
    ck_assert_uint_eq(SysStringLen(out), 5);
    ck_assert_int_eq(memcmp(in, out, 5), 0);
    SysFreeString(in);
    SysFreeString(out);

    IParams_Release(p);
    IServer_Release(s);
    /* every reference the server took on our object came back */
    for (int i = 0; i < 100 && atomic_load(&cb.refs) != 1; i++)
        usleep(10000);
    ck_assert_uint_eq(atomic_load(&cb.refs), 1);
}
END_TEST

static Suite *oop_suite(void)
{
    Suite *s = suite_create("oop");
    TCase *tc = tcase_create("local-server");
    tcase_add_checked_fixture(tc, init_mta, uninit);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, parameter_kinds);
    tcase_add_test(tc, bulk_arrays_both_ways);
    tcase_add_test(tc, callbacks_during_and_outside_calls);
    tcase_add_test(tc, identity_rules);
    tcase_add_test(tc, thirty_two_clients_one_server);
    tcase_add_test(tc, single_use_spawns_one_process_each);
    tcase_add_test(tc, server_killed_mid_call);
    tcase_add_test(tc, client_killed_holding_references);
    tcase_add_test(tc, server_crashing_at_start_up);
    tcase_add_test(tc, disconnect_and_external_locks);
    tcase_add_test(tc, variants_and_safearrays_across_processes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(oop_suite());
}
