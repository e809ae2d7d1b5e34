/*
 * test_activation.c - in-proc activation through the registry file, against
 * the real example and test component libraries: QueryInterface rules,
 * reference counting under threads, aggregation, ProgIDs, class objects,
 * unloading, and one HRESULT + message for each way activation can fail.
 */
#define INITGUID /* this file defines every GUID it names */
#include <check.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check_main.h"
#include "hello.h"
#include "../components/testcomp.h"

DEFINE_GUID(CLSID_BadPath, 0x0A000001, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x01);
DEFINE_GUID(CLSID_NoGco, 0x0A000002, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x02);
DEFINE_GUID(CLSID_BadModel, 0x0A000003, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x03);
DEFINE_GUID(CLSID_Unregistered, 0x0A000004, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x04);
DEFINE_GUID(CLSID_Later, 0x0A000005, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x05);
DEFINE_GUID(CLSID_Private, 0x0A000006, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x06);
DEFINE_GUID(CLSID_NotElf, 0x0A000007, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x07);

static char hello_so[PATH_MAX], testcomp_so[PATH_MAX], nogco_so[PATH_MAX];

static void build_path(char *out, const char *rel)
{
    char tmp[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(tmp, sizeof tmp, "%s/%s", build, rel);
    if (!realpath(tmp, out)) {
        fprintf(stderr, "missing %s (run make check)\n", tmp);
        exit(2);
    }
}

/* Usable outside tests too (the setup), so it exits rather than asserting. */
static void reg_class(REFCLSID clsid, const char *path, const char *model)
{
    char cs[CHARS_IN_GUID], key[128];
    StringFromGUID2(clsid, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", cs);
    if (comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, path) != S_OK ||
        (model && comrt_reg_set_value(COMRT_REG_DEFAULT, key, "ThreadingModel", model) != S_OK)) {
        fprintf(stderr, "cannot register %s\n", key);
        exit(2);
    }
}

/* Runs once in the parent before the forked tests. */
static void setup_registry(void)
{
    char cmd[3 * PATH_MAX], notelf[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    build_path(hello_so, "examples/hello/libhello.so");
    build_path(testcomp_so, "tests/components/libtestcomp.so");
    build_path(nogco_so, "tests/components/libnogco.so");
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s %s && %s/bin/regsvr -s %s", build, hello_so, build, testcomp_so);
    if (system(cmd) != 0) {
        fprintf(stderr, "regsvr failed: %s\n", cmd);
        exit(2);
    }
    reg_class(&CLSID_BadPath, "/nonexistent/comrt/libnothere.so", NULL);
    reg_class(&CLSID_NoGco, nogco_so, NULL);
    reg_class(&CLSID_BadModel, hello_so, "Sometimes");
    snprintf(notelf, sizeof notelf, "%s/notelf.so", getenv("COMRT_TEST_TMP") ? getenv("COMRT_TEST_TMP") : "/tmp");
    FILE *f = fopen(notelf, "w");
    fputs("this is not a shared library\n", f);
    fclose(f);
    reg_class(&CLSID_NotElf, notelf, NULL);
}

static void init_sta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_OK);
}

static void uninit(void)
{
    CoUninitialize();
}

/* Asserts hr and that the error description contains needle. */
static void expect_error(HRESULT got, HRESULT want, const char *needle)
{
    ck_assert_msg(got == want, "got 0x%08X, want 0x%08X", (unsigned)got, (unsigned)want);
    char *d = comrt_error_take_description();
    ck_assert_msg(d != NULL, "no error information for 0x%08X", (unsigned)want);
    ck_assert_msg(strstr(d, needle) != NULL, "'%s' not in '%s'", needle, d);
    CoTaskMemFree(d);
}

static int library_mapped(const char *path)
{
    char line[PATH_MAX + 256];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    while (f && fgets(line, sizeof line, f))
        if (strstr(line, path))
            found = 1;
    if (f)
        fclose(f);
    return found;
}

/* DllCanUnloadNow of an already loaded library, without loading it. */
static HRESULT can_unload(const char *path)
{
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    ck_assert_ptr_nonnull(h);
    void *sym = dlsym(h, "DllCanUnloadNow");
    LPFNCANUNLOADNOW fn;
    memcpy(&fn, &sym, sizeof fn);
    HRESULT hr = fn();
    dlclose(h);
    return hr;
}

/* Activation by CLSID and ProgID ---------------------------------------------- */

START_TEST(create_by_clsid_and_call)
{
    IGreeter *g = NULL;
    char *text = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     S_OK);
    ck_assert_int_eq(IGreeter_Greet(g, "comrt", &text), S_OK);
    ck_assert_str_eq(text, "Hello, comrt!");
    CoTaskMemFree(text);
    ck_assert_int_eq(IGreeter_SetPrefix(g, "Hi"), S_OK);
    ck_assert_int_eq(IGreeter_Greet(g, "you", &text), S_OK);
    ck_assert_str_eq(text, "Hi, you!");
    CoTaskMemFree(text);
    ck_assert_int_eq(IGreeter_Greet(g, "", &text), E_INVALIDARG);
    ck_assert_ptr_null(text);
    ck_assert_uint_eq(IGreeter_Release(g), 0);
}
END_TEST

START_TEST(create_by_progid)
{
    CLSID c;
    LPOLESTR progid = NULL;
    IUnknown *u = NULL;
    ck_assert_int_eq(CLSIDFromProgID("Hello.Greeter.1", &c), S_OK);
    ck_assert(IsEqualCLSID(&c, &CLSID_HelloGreeter));
    memset(&c, 0, sizeof c);
    ck_assert_int_eq(CLSIDFromProgID("hello.greeter", &c), S_OK); /* via CurVer, case-insensitive */
    ck_assert(IsEqualCLSID(&c, &CLSID_HelloGreeter));
    ck_assert_int_eq(CLSIDFromString("Hello.Greeter", &c), S_OK);
    ck_assert(IsEqualCLSID(&c, &CLSID_HelloGreeter));
    ck_assert_int_eq(ProgIDFromCLSID(&CLSID_HelloGreeter, &progid), S_OK);
    ck_assert_str_eq(progid, "Hello.Greeter.1");
    CoTaskMemFree(progid);
    ck_assert_int_eq(CoCreateInstance(&c, NULL, CLSCTX_ALL, &IID_IUnknown, (void **)&u), S_OK);
    IUnknown_Release(u);
}
END_TEST

/* QueryInterface rules ---------------------------------------------------------- */

static void check_qi_rules(IUnknown *any, const IID *const *iids, int n)
{
    IUnknown *unk0 = NULL;
    ck_assert_int_eq(IUnknown_QueryInterface(any, &IID_IUnknown, (void **)&unk0), S_OK);
    for (int i = 0; i < n; i++) {
        IUnknown *a = NULL, *a2 = NULL, *u = NULL;
        ck_assert_int_eq(IUnknown_QueryInterface(any, iids[i], (void **)&a), S_OK);
        /* reflexive */
        ck_assert_int_eq(IUnknown_QueryInterface(a, iids[i], (void **)&a2), S_OK);
        ck_assert_ptr_eq(a, a2);
        /* identity */
        ck_assert_int_eq(IUnknown_QueryInterface(a, &IID_IUnknown, (void **)&u), S_OK);
        ck_assert_ptr_eq(u, unk0);
        for (int j = 0; j < n; j++) {
            IUnknown *b = NULL, *back = NULL, *via = NULL;
            /* symmetric: from a to b and back to a */
            ck_assert_int_eq(IUnknown_QueryInterface(a, iids[j], (void **)&b), S_OK);
            ck_assert_int_eq(IUnknown_QueryInterface(b, iids[i], (void **)&back), S_OK);
            ck_assert_ptr_eq(back, a);
            /* transitive: a -> b -> c equals a -> c */
            for (int k = 0; k < n; k++) {
                IUnknown *c1 = NULL, *c2 = NULL;
                ck_assert_int_eq(IUnknown_QueryInterface(b, iids[k], (void **)&c1), S_OK);
                ck_assert_int_eq(IUnknown_QueryInterface(a, iids[k], (void **)&c2), S_OK);
                ck_assert_ptr_eq(c1, c2);
                IUnknown_Release(c1);
                IUnknown_Release(c2);
            }
            ck_assert_int_eq(IUnknown_QueryInterface(b, &IID_IUnknown, (void **)&via), S_OK);
            ck_assert_ptr_eq(via, unk0);
            IUnknown_Release(via);
            IUnknown_Release(back);
            IUnknown_Release(b);
        }
        /* not supported: E_NOINTERFACE and NULL */
        void *none = (void *)1;
        ck_assert_int_eq(IUnknown_QueryInterface(a, &IID_IClassFactory, &none), E_NOINTERFACE);
        ck_assert_ptr_null(none);
        ck_assert_int_eq(IUnknown_QueryInterface(a, &IID_IUnknown, NULL), E_POINTER);
        IUnknown_Release(u);
        IUnknown_Release(a2);
        IUnknown_Release(a);
    }
    ck_assert_uint_eq(IUnknown_Release(unk0), 1); /* the caller's reference remains */
}

START_TEST(qi_rules_plain)
{
    static const IID *const iids[] = {&IID_IUnknown, &IID_IGreeter, &IID_ICounter};
    IUnknown *u = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                     S_OK);
    check_qi_rules(u, iids, 3);
    ck_assert_uint_eq(IUnknown_Release(u), 0);
    ck_assert_int_eq(can_unload(hello_so), S_OK);
}
END_TEST

START_TEST(qi_rules_aggregate)
{
    static const IID *const iids[] = {&IID_IUnknown, &IID_IOuter, &IID_IGreeter, &IID_ICounter};
    IUnknown *u = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_TestOuter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                     S_OK);
    check_qi_rules(u, iids, 4);
    ck_assert_uint_eq(IUnknown_Release(u), 0);
    /* outer and inner both gone: neither library holds a lock */
    ck_assert_int_eq(can_unload(hello_so), S_OK);
    ck_assert_int_eq(can_unload(testcomp_so), S_OK);
}
END_TEST

/* Aggregation ---------------------------------------------------------------- */

START_TEST(aggregation_delegates_lifetime)
{
    IOuter *outer = NULL;
    IGreeter *g = NULL;
    IOuter *back = NULL;
    char *text = NULL;
    LONG live = 0;
    ck_assert_int_eq(CoCreateInstance(&CLSID_TestOuter, NULL, CLSCTX_INPROC_SERVER, &IID_IOuter, (void **)&outer),
                     S_OK);
    ck_assert_int_eq(IOuter_QueryInterface(outer, &IID_IGreeter, (void **)&g), S_OK);
    /* the inner object's interface leads back to the outer one */
    ck_assert_int_eq(IGreeter_QueryInterface(g, &IID_IOuter, (void **)&back), S_OK);
    ck_assert_ptr_eq(back, outer);
    IOuter_Release(back);
    ck_assert_int_eq(IGreeter_Greet(g, "aggregate", &text), S_OK);
    ck_assert_str_eq(text, "Hello, aggregate!");
    CoTaskMemFree(text);
    /* holding only the inner's interface keeps the whole aggregate alive */
    IOuter_Release(outer);
    ck_assert_int_eq(can_unload(testcomp_so), S_FALSE);
    ck_assert_int_eq(IGreeter_QueryInterface(g, &IID_IOuter, (void **)&outer), S_OK);
    IOuter_LiveObjects(outer, &live);
    ck_assert_int_eq(live, 1);
    IOuter_Release(outer);
    ck_assert_uint_eq(IGreeter_Release(g), 0);
    ck_assert_int_eq(can_unload(testcomp_so), S_OK);
    ck_assert_int_eq(can_unload(hello_so), S_OK);
}
END_TEST

START_TEST(aggregation_refused)
{
    IUnknown *outer = NULL, *inner = (IUnknown *)1;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                                      (void **)&outer),
                     S_OK);
    expect_error(CoCreateInstance(&CLSID_TestNoAgg, outer, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&inner),
                 CLASS_E_NOAGGREGATION, "{F94A25A2-E913-4817-9B4B-EA494BEF640E} cannot be aggregated");
    ck_assert_ptr_null(inner);
    /* an aggregatable class still needs IID_IUnknown when aggregated */
    inner = (IUnknown *)1;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, outer, CLSCTX_INPROC_SERVER, &IID_IGreeter,
                                      (void **)&inner),
                     CLASS_E_NOAGGREGATION);
    ck_assert_ptr_null(inner);
    CoTaskMemFree(comrt_error_take_description());
    IUnknown_Release(outer);
}
END_TEST

/* Reference counting under threads ---------------------------------------------- */

#define THREADS 8
#define ROUNDS 100000

static void *hammer(void *arg)
{
    IGreeter *g = arg;
    for (int i = 0; i < ROUNDS; i++) {
        ICounter *c = NULL;
        IGreeter_AddRef(g);
        if (i % 16 == 0 && SUCCEEDED(IGreeter_QueryInterface(g, &IID_ICounter, (void **)&c))) {
            LONG v;
            ICounter_Increment(c, &v);
            ICounter_Release(c);
        }
        IGreeter_Release(g);
    }
    return NULL;
}

START_TEST(addref_release_8_threads)
{
    IGreeter *g = NULL;
    ICounter *c = NULL;
    pthread_t t[THREADS];
    LONG count = 0;
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     S_OK);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, hammer, g);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    /* exactly one reference left: ours */
    ck_assert_uint_eq(IGreeter_AddRef(g), 2);
    ck_assert_uint_eq(IGreeter_Release(g), 1);
    ck_assert_int_eq(IGreeter_QueryInterface(g, &IID_ICounter, (void **)&c), S_OK);
    ICounter_GetCount(c, &count);
    ck_assert_int_eq(count, THREADS * (ROUNDS / 16));
    ICounter_Release(c);
    ck_assert_int_eq(can_unload(hello_so), S_FALSE);
    ck_assert_uint_eq(IGreeter_Release(g), 0);
    ck_assert_int_eq(can_unload(hello_so), S_OK);
    CoUninitialize();
}
END_TEST

static void *create_many(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        IUnknown *u = NULL;
        if (FAILED(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u)))
            return (void *)1;
        IUnknown_Release(u);
    }
    return NULL;
}

START_TEST(concurrent_activation)
{
    pthread_t t[THREADS];
    void *rc;
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, create_many, NULL);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], &rc);
        ck_assert_ptr_null(rc);
    }
    CoUninitialize();
}
END_TEST

/* Activation errors: each its own HRESULT and a sentence ------------------------------ */

START_TEST(error_unknown_clsid)
{
    IUnknown *u = (IUnknown *)1;
    expect_error(CoCreateInstance(&CLSID_Unregistered, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 REGDB_E_CLASSNOTREG, "{0A000004-0000-4000-8000-000000000004} is not registered");
    ck_assert_ptr_null(u);
}
END_TEST

START_TEST(error_unknown_progid)
{
    CLSID c;
    expect_error(CLSIDFromProgID("No.Such.Thing", &c), CO_E_CLASSSTRING, "'No.Such.Thing' is not registered");
    ck_assert(IsEqualCLSID(&c, &CLSID_NULL));
    expect_error(CLSIDFromProgID("", &c), CO_E_CLASSSTRING, "not a valid ProgID");
    expect_error(CLSIDFromProgID("a\\b", &c), CO_E_CLASSSTRING, "not a valid ProgID");
    LPOLESTR p = (LPOLESTR)1;
    expect_error(ProgIDFromCLSID(&CLSID_Unregistered, &p), REGDB_E_CLASSNOTREG, "has no registered ProgID");
    ck_assert_ptr_null(p);
}
END_TEST

START_TEST(error_missing_library)
{
    IUnknown *u = NULL;
    expect_error(CoCreateInstance(&CLSID_BadPath, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 CO_E_DLLNOTFOUND, "'/nonexistent/comrt/libnothere.so' does not exist");
    expect_error(CoCreateInstance(&CLSID_NotElf, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 CO_E_DLLNOTFOUND, "cannot load in-proc server library");
}
END_TEST

START_TEST(error_no_dllgetclassobject)
{
    IUnknown *u = NULL;
    expect_error(CoCreateInstance(&CLSID_NoGco, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 CO_E_ERRORINDLL, "does not export DllGetClassObject");
    /* the failed library is not kept loaded */
    ck_assert(!library_mapped(nogco_so));
}
END_TEST

START_TEST(error_class_not_in_library)
{
    IUnknown *u = NULL;
    reg_class(&CLSID_TestMissing, testcomp_so, NULL);
    expect_error(CoCreateInstance(&CLSID_TestMissing, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 CLASS_E_CLASSNOTAVAILABLE, "DllGetClassObject of");
}
END_TEST

START_TEST(error_bad_threading_model)
{
    IUnknown *u = NULL;
    expect_error(CoCreateInstance(&CLSID_BadModel, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 REGDB_E_BADTHREADINGMODEL, "\"Sometimes\"");
}
END_TEST

START_TEST(error_context_and_args)
{
    IUnknown *u = NULL;
    /* registered in-proc only: a local-server-only request finds no server to launch */
    expect_error(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&u),
                 REGDB_E_CLASSNOTREG, "has no local server");
    expect_error(CoCreateInstance(&CLSID_HelloGreeter, NULL, 0, &IID_IUnknown, (void **)&u), E_INVALIDARG,
                 "names no server kind");
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, NULL),
                     E_POINTER);
    /* a supported class, an unsupported interface */
    u = (IUnknown *)1;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IClassFactory,
                                      (void **)&u),
                     E_NOINTERFACE);
    ck_assert_ptr_null(u);
    CoTaskMemFree(comrt_error_take_description());
}
END_TEST

START_TEST(registration_by_another_process_is_seen_at_once)
{
    IUnknown *u = NULL;
    expect_error(CoCreateInstance(&CLSID_Later, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 REGDB_E_CLASSNOTREG, "not registered");
    pid_t pid = fork();
    if (pid == 0) {
        char cs[CHARS_IN_GUID], key[128];
        StringFromGUID2(&CLSID_Later, cs, sizeof cs);
        snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", cs);
        _exit(comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, hello_so) == S_OK ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Hello's factory serves CLSID_HelloGreeter only: the library answers. */
    expect_error(CoCreateInstance(&CLSID_Later, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                 CLASS_E_CLASSNOTAVAILABLE, "libhello.so");
}
END_TEST

/* Unloading ---------------------------------------------------------------------- */

START_TEST(free_unused_libraries_unloads)
{
    IUnknown *u = NULL;
    ck_assert(!library_mapped(hello_so));
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                     S_OK);
    ck_assert(library_mapped(hello_so));
    CoFreeUnusedLibraries(); /* an object is alive: stays */
    ck_assert(library_mapped(hello_so));
    IUnknown_Release(u);
    CoFreeUnusedLibraries();
    ck_assert(!library_mapped(hello_so));
    /* and it loads again on demand */
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                     S_OK);
    ck_assert(library_mapped(hello_so));
    IUnknown_Release(u);
}
END_TEST

START_TEST(lock_server_keeps_library)
{
    IClassFactory *cf = NULL;
    ck_assert_int_eq(CoGetClassObject(&CLSID_HelloGreeter, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                                      (void **)&cf),
                     S_OK);
    ck_assert_int_eq(IClassFactory_LockServer(cf, TRUE), S_OK);
    IClassFactory_Release(cf);
    CoFreeUnusedLibraries();
    ck_assert(library_mapped(hello_so));
    ck_assert_int_eq(can_unload(hello_so), S_FALSE);
    /* undo the lock through a fresh factory, then it may go */
    ck_assert_int_eq(CoGetClassObject(&CLSID_HelloGreeter, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                                      (void **)&cf),
                     S_OK);
    IClassFactory_LockServer(cf, FALSE);
    IClassFactory_Release(cf);
    CoFreeUnusedLibraries();
    ck_assert(!library_mapped(hello_so));
}
END_TEST

START_TEST(last_uninitialize_unloads)
{
    IUnknown *u = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_HelloGreeter, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&u),
                     S_OK);
    IUnknown_Release(u);
    ck_assert(library_mapped(hello_so));
    CoUninitialize();
    ck_assert(!library_mapped(hello_so));
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED); /* for the fixture's teardown */
}
END_TEST

/* Class objects registered in the process ---------------------------------------- */

START_TEST(register_class_object)
{
    IClassFactory *cf = NULL;
    IGreeter *g = NULL;
    DWORD cookie = 0, cookie2 = 0;
    ck_assert_int_eq(CoGetClassObject(&CLSID_HelloGreeter, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                                      (void **)&cf),
                     S_OK);
    ck_assert_int_eq(CoRegisterClassObject(&CLSID_Private, (IUnknown *)cf, CLSCTX_INPROC_SERVER,
                                           REGCLS_MULTIPLEUSE, &cookie),
                     S_OK);
    ck_assert_uint_ne(cookie, 0);
    expect_error(CoRegisterClassObject(&CLSID_Private, (IUnknown *)cf, CLSCTX_INPROC_SERVER, REGCLS_MULTIPLEUSE,
                                       &cookie2),
                 CO_E_OBJISREG, "already registered");
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                         S_OK);
        IGreeter_Release(g);
    }
    ck_assert_int_eq(CoRevokeClassObject(cookie), S_OK);
    expect_error(CoRevokeClassObject(cookie), CO_E_OBJNOTREG, "no class object registered");
    expect_error(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                 REGDB_E_CLASSNOTREG, "not registered");

    /* SINGLEUSE: one connection, then out of public view */
    ck_assert_int_eq(CoRegisterClassObject(&CLSID_Private, (IUnknown *)cf, CLSCTX_INPROC_SERVER,
                                           REGCLS_SINGLEUSE, &cookie),
                     S_OK);
    ck_assert_int_eq(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     S_OK);
    IGreeter_Release(g);
    ck_assert_int_eq(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     REGDB_E_CLASSNOTREG);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(CoRevokeClassObject(cookie), S_OK);

    /* SUSPENDED until CoResumeClassObjects */
    ck_assert_int_eq(CoRegisterClassObject(&CLSID_Private, (IUnknown *)cf, CLSCTX_LOCAL_SERVER,
                                           REGCLS_MULTIPLEUSE | REGCLS_SUSPENDED, &cookie),
                     S_OK);
    ck_assert_int_eq(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     REGDB_E_CLASSNOTREG);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(CoResumeClassObjects(), S_OK);
    /* MULTIPLEUSE + LOCAL_SERVER also serves in-process, as in COM */
    ck_assert_int_eq(CoCreateInstance(&CLSID_Private, NULL, CLSCTX_INPROC_SERVER, &IID_IGreeter, (void **)&g),
                     S_OK);
    IGreeter_Release(g);
    ck_assert_int_eq(CoRevokeClassObject(cookie), S_OK);
    ck_assert_uint_eq(IClassFactory_Release(cf), 0);
}
END_TEST

static Suite *activation_suite(void)
{
    Suite *s = suite_create("activation");
    TCase *tc = tcase_create("inproc");
    tcase_add_checked_fixture(tc, init_sta, uninit);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, create_by_clsid_and_call);
    tcase_add_test(tc, create_by_progid);
    tcase_add_test(tc, qi_rules_plain);
    tcase_add_test(tc, qi_rules_aggregate);
    tcase_add_test(tc, aggregation_delegates_lifetime);
    tcase_add_test(tc, aggregation_refused);
    tcase_add_test(tc, error_unknown_clsid);
    tcase_add_test(tc, error_unknown_progid);
    tcase_add_test(tc, error_missing_library);
    tcase_add_test(tc, error_no_dllgetclassobject);
    tcase_add_test(tc, error_class_not_in_library);
    tcase_add_test(tc, error_bad_threading_model);
    tcase_add_test(tc, error_context_and_args);
    tcase_add_test(tc, registration_by_another_process_is_seen_at_once);
    tcase_add_test(tc, free_unused_libraries_unloads);
    tcase_add_test(tc, lock_server_keeps_library);
    tcase_add_test(tc, last_uninitialize_unloads);
    tcase_add_test(tc, register_class_object);
    suite_add_tcase(s, tc);

    TCase *mt = tcase_create("threads");
    tcase_set_timeout(mt, 120);
    tcase_add_test(mt, addref_release_8_threads);
    tcase_add_test(mt, concurrent_activation);
    suite_add_tcase(s, mt);
    return s;
}

int main(void)
{
    setup_registry();
    return comrt_run_suite(activation_suite());
}
