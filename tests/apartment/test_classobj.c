/*
 * test_classobj.c - class objects registered with CoRegisterClassObject
 * belong to the registering thread's apartment: CoGetClassObject and
 * CoCreateInstance from that apartment get the object itself, from any
 * other apartment a proxy whose calls (and whose instances' calls) run in
 * the registering apartment; an STA that ends takes its registrations
 * with it. The factory and its objects live in this file; ICallback's
 * proxies come from oop.idl's type library (registered by oop-server).
 */
#define INITGUID
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../check_main.h"
#include "oop.h"

/* Registered only in this process, never in the registry. */
static const CLSID CLSID_Registered = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x21}};

static LONGLONG gettid_ll(void)
{
    return (LONGLONG)syscall(SYS_gettid);
}

static void setup_once(void)
{
    char cmd[PATH_MAX * 2], path[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    /* Registers oop.idl's type library, which describes ICallback. */
    snprintf(cmd, sizeof cmd, "%s/tests/oop/oop-server", build);
    if (!realpath(cmd, path))
        exit(2);
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, path);
    if (system(cmd) != 0)
        exit(2);
}

static void init_sta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_OK);
}

static void init_mta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
}

static void uninit(void)
{
    CoUninitialize();
}

static void check_hr(HRESULT hr, const char *what)
{
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        ck_abort_msg("%s: 0x%08X %s", what, (unsigned)hr, why ? why : "");
    }
}

/* An object whose ThreadId tells where its calls run. */
typedef struct Obj {
    ICallback iface;
    atomic_ulong refs;
} Obj;

static HRESULT obj_QueryInterface(ICallback *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ICallback)) {
        ICallback_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG obj_AddRef(ICallback *This) { return (ULONG)atomic_fetch_add(&((Obj *)This)->refs, 1) + 1; }
static ULONG obj_Release(ICallback *This)
{
    ULONG n = (ULONG)atomic_fetch_sub(&((Obj *)This)->refs, 1) - 1;
    if (!n)
        free(This);
    return n;
}
static HRESULT obj_Notify(ICallback *This, LONG value, const char *text)
{
    (void)This;
    (void)value;
    (void)text;
    return S_OK;
}
static HRESULT obj_ThreadId(ICallback *This, LONGLONG *tid)
{
    (void)This;
    *tid = gettid_ll();
    return S_OK;
}
static const ICallbackVtbl obj_vtbl = {obj_QueryInterface, obj_AddRef, obj_Release, obj_Notify, obj_ThreadId};

/* The class object: counts its references and records the thread of its
 * last CreateInstance and of its last Release. */
typedef struct Factory {
    IClassFactory iface;
    atomic_ulong refs;
    atomic_llong create_tid, release_tid;
} Factory;

static HRESULT cf_QueryInterface(IClassFactory *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        IClassFactory_AddRef(This);
        *ppv = This;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG cf_AddRef(IClassFactory *This) { return (ULONG)atomic_fetch_add(&((Factory *)This)->refs, 1) + 1; }
static ULONG cf_Release(IClassFactory *This)
{
    atomic_store(&((Factory *)This)->release_tid, gettid_ll());
    return (ULONG)atomic_fetch_sub(&((Factory *)This)->refs, 1) - 1;
}
static HRESULT cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    *ppv = NULL;
    atomic_store(&((Factory *)This)->create_tid, gettid_ll());
    if (outer)
        return CLASS_E_NOAGGREGATION;
    Obj *o = calloc(1, sizeof *o);
    if (!o)
        return E_OUTOFMEMORY;
    o->iface.lpVtbl = &obj_vtbl;
    atomic_init(&o->refs, 1);
    HRESULT hr = obj_QueryInterface(&o->iface, riid, ppv);
    obj_Release(&o->iface);
    return hr;
}
static HRESULT cf_LockServer(IClassFactory *This, BOOL lock)
{
    (void)This;
    (void)lock;
    return S_OK;
}
static const IClassFactoryVtbl cf_vtbl = {cf_QueryInterface, cf_AddRef, cf_Release, cf_CreateInstance, cf_LockServer};

static void factory_init(Factory *f)
{
    memset(f, 0, sizeof *f);
    f->iface.lpVtbl = &cf_vtbl;
    atomic_init(&f->refs, 1);
}

/* What a caller in some apartment sees of the registered class. */
struct seen {
    Factory *factory;  /* the registered object, to compare pointers with */
    int sta;           /* the calling thread's apartment */
    LONGLONG tid;      /* the calling thread */
    HRESULT hr;
    char what[160];
    int direct_cf, direct_obj; /* got the factory itself, an object itself */
    LONGLONG via_cf, via_create; /* ThreadId of an instance made through the class object / CoCreateInstance */
    HRESULT aggregate;           /* CoCreateInstance with an outer unknown */
    atomic_int done;
};

static void fail_at(struct seen *s, HRESULT hr, const char *what)
{
    char *why = comrt_error_take_description();
    s->hr = hr;
    snprintf(s->what, sizeof s->what, "%s: 0x%08X %s", what, (unsigned)hr, why ? why : "");
    CoTaskMemFree(why);
}

/* Asks for the class object and an instance both ways, and where they run. */
static void look(struct seen *s)
{
    IClassFactory *cf = NULL;
    ICallback *a = NULL, *b = NULL;
    IUnknown *inner = NULL;
    HRESULT hr;

    s->tid = gettid_ll();
    hr = CoGetClassObject(&CLSID_Registered, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory, (void **)&cf);
    if (FAILED(hr)) {
        fail_at(s, hr, "CoGetClassObject");
        goto out;
    }
    s->direct_cf = cf == &s->factory->iface;
    hr = IClassFactory_CreateInstance(cf, NULL, &IID_ICallback, (void **)&a);
    if (FAILED(hr)) {
        fail_at(s, hr, "IClassFactory::CreateInstance");
        goto out;
    }
    hr = ICallback_ThreadId(a, &s->via_cf);
    if (FAILED(hr)) {
        fail_at(s, hr, "ThreadId of the instance made through the class object");
        goto out;
    }
    hr = CoCreateInstance(&CLSID_Registered, NULL, CLSCTX_INPROC_SERVER, &IID_ICallback, (void **)&b);
    if (FAILED(hr)) {
        fail_at(s, hr, "CoCreateInstance");
        goto out;
    }
    s->direct_obj = b->lpVtbl == &obj_vtbl;
    hr = ICallback_ThreadId(b, &s->via_create);
    if (FAILED(hr)) {
        fail_at(s, hr, "ThreadId of the instance made by CoCreateInstance");
        goto out;
    }
    /* An outer unknown of this apartment for an object of another: refused.
     * (In the factory's own apartment, the factory's own answer.) */
    s->aggregate = CoCreateInstance(&CLSID_Registered, (IUnknown *)b, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                                    (void **)&inner);
    CoTaskMemFree(comrt_error_take_description());
    if (inner)
        IUnknown_Release(inner);
out:
    if (b)
        ICallback_Release(b);
    if (a)
        ICallback_Release(a);
    if (cf)
        IClassFactory_Release(cf);
}

static void *look_from_thread(void *arg)
{
    struct seen *s = arg;
    if (SUCCEEDED(CoInitializeEx(NULL, s->sta ? COINIT_APARTMENTTHREADED : COINIT_MULTITHREADED))) {
        look(s);
        CoUninitialize();
    } else {
        fail_at(s, E_FAIL, "CoInitializeEx");
    }
    atomic_store(&s->done, 1);
    return NULL;
}

/* Runs look() on a new thread in an STA or the MTA; this thread dispatches
 * meanwhile when it is an STA (the calls are for it). */
static void look_elsewhere(Factory *f, int sta, struct seen *s)
{
    pthread_t t;
    memset(s, 0, sizeof *s);
    s->factory = f;
    s->sta = sta;
    ck_assert_int_eq(pthread_create(&t, NULL, look_from_thread, s), 0);
    APTTYPE at;
    APTTYPEQUALIFIER aq;
    check_hr(CoGetApartmentType(&at, &aq), "CoGetApartmentType");
    for (int i = 0; i < 3000 && !atomic_load(&s->done); i++) {
        if (at == APTTYPE_MAINSTA || at == APTTYPE_STA)
            comrt_apartment_wait(10);
        else
            usleep(10000);
    }
    ck_assert_msg(atomic_load(&s->done), "the other thread did not finish");
    pthread_join(t, NULL);
    ck_assert_msg(SUCCEEDED(s->hr), "from another apartment: %s", s->what);
}

START_TEST(registered_in_an_sta_runs_there_for_every_caller)
{
    Factory f;
    DWORD cookie = 0;
    struct seen s;
    LONGLONG me = gettid_ll();
    factory_init(&f);
    check_hr(CoRegisterClassObject(&CLSID_Registered, (IUnknown *)&f.iface, CLSCTX_INPROC_SERVER,
                                   REGCLS_MULTIPLEUSE, &cookie),
             "CoRegisterClassObject");

    /* From this STA: the class object itself, and objects made here. */
    memset(&s, 0, sizeof s);
    s.factory = &f;
    look(&s);
    ck_assert_msg(SUCCEEDED(s.hr), "%s", s.what);
    ck_assert(s.direct_cf);
    ck_assert(s.direct_obj);
    ck_assert_int_eq(s.via_cf, me);
    ck_assert_int_eq(s.via_create, me);
    ck_assert_int_eq(s.aggregate, CLASS_E_NOAGGREGATION); /* the factory's own refusal */

    /* From another STA and from the MTA: proxies, and everything runs here. */
    for (int sta = 1; sta >= 0; sta--) {
        look_elsewhere(&f, sta, &s);
        ck_assert_msg(!s.direct_cf, "the %s got the STA's class object itself", sta ? "other STA" : "MTA");
        ck_assert(!s.direct_obj);
        ck_assert_int_ne(s.tid, me);
        ck_assert_int_eq(s.via_cf, me);
        ck_assert_int_eq(s.via_create, me);
        ck_assert_int_eq(atomic_load(&f.create_tid), me);
        ck_assert_int_eq(s.aggregate, CLASS_E_NOAGGREGATION);
    }
    check_hr(CoRevokeClassObject(cookie), "CoRevokeClassObject");
    /* Every proxy's reference came back (released here, by this thread's dispatching). */
    for (int i = 0; i < 200 && atomic_load(&f.refs) != 1; i++)
        comrt_apartment_wait(10);
    ck_assert_uint_eq(atomic_load(&f.refs), 1);
}
END_TEST

START_TEST(registered_in_the_mta)
{
    Factory f;
    DWORD cookie = 0;
    struct seen s;
    LONGLONG me = gettid_ll();
    factory_init(&f);
    check_hr(CoRegisterClassObject(&CLSID_Registered, (IUnknown *)&f.iface, CLSCTX_INPROC_SERVER,
                                   REGCLS_MULTIPLEUSE, &cookie),
             "CoRegisterClassObject");
    /* The MTA, on this thread or another: the object itself. */
    memset(&s, 0, sizeof s);
    s.factory = &f;
    look(&s);
    ck_assert_msg(SUCCEEDED(s.hr), "%s", s.what);
    ck_assert(s.direct_cf && s.direct_obj);
    ck_assert_int_eq(s.via_create, me);
    look_elsewhere(&f, 0, &s);
    ck_assert(s.direct_cf && s.direct_obj);
    ck_assert_int_eq(s.via_create, s.tid);
    /* An STA: the MTA is another apartment, so proxies whose calls run on
     * an MTA thread (not the STA's). */
    look_elsewhere(&f, 1, &s);
    ck_assert_msg(!s.direct_cf, "an STA got the MTA's class object itself");
    ck_assert(!s.direct_obj);
    ck_assert_int_ne(s.via_cf, s.tid);
    ck_assert_int_ne(s.via_create, s.tid);
    ck_assert_int_eq(s.aggregate, CLASS_E_NOAGGREGATION);
    check_hr(CoRevokeClassObject(cookie), "CoRevokeClassObject");
    for (int i = 0; i < 200 && atomic_load(&f.refs) != 1; i++)
        usleep(10000);
    ck_assert_uint_eq(atomic_load(&f.refs), 1);
}
END_TEST

/* An STA that registers a class object and ends without revoking it. */
struct ending {
    Factory factory;
    DWORD cookie;
    LONGLONG tid;
    HRESULT hr;
};

static void *register_and_end(void *arg)
{
    struct ending *e = arg;
    e->tid = gettid_ll();
    e->hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(e->hr))
        return NULL;
    e->hr = CoRegisterClassObject(&CLSID_Registered, (IUnknown *)&e->factory.iface, CLSCTX_INPROC_SERVER,
                                  REGCLS_MULTIPLEUSE, &e->cookie);
    CoUninitialize();
    return NULL;
}

START_TEST(an_ended_sta_takes_its_class_objects_with_it)
{
    struct ending e;
    IClassFactory *cf = NULL;
    ICallback *p = NULL;
    pthread_t t;
    memset(&e, 0, sizeof e);
    factory_init(&e.factory);
    ck_assert_int_eq(pthread_create(&t, NULL, register_and_end, &e), 0);
    pthread_join(t, NULL);
    check_hr(e.hr, "registering in the STA");
    /* Revoked at CoUninitialize and released on the STA's own thread. */
    ck_assert_uint_eq(atomic_load(&e.factory.refs), 1);
    ck_assert_int_eq(atomic_load(&e.factory.release_tid), e.tid);
    /* So nobody gets that apartment's object: not registered any more. */
    ck_assert_int_eq(CoGetClassObject(&CLSID_Registered, CLSCTX_INPROC_SERVER, NULL, &IID_IClassFactory,
                                      (void **)&cf),
                     REGDB_E_CLASSNOTREG);
    ck_assert_ptr_null(cf);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(CoCreateInstance(&CLSID_Registered, NULL, CLSCTX_INPROC_SERVER, &IID_ICallback, (void **)&p),
                     REGDB_E_CLASSNOTREG);
    ck_assert_ptr_null(p);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(CoRevokeClassObject(e.cookie), CO_E_OBJNOTREG);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_uint_eq(atomic_load(&e.factory.refs), 1);
}
END_TEST

static Suite *classobj_suite(void)
{
    Suite *s = suite_create("classobj");
    TCase *sta = tcase_create("sta");
    tcase_add_checked_fixture(sta, init_sta, uninit);
    tcase_set_timeout(sta, 60);
    tcase_add_test(sta, registered_in_an_sta_runs_there_for_every_caller);
    tcase_add_test(sta, an_ended_sta_takes_its_class_objects_with_it);
    suite_add_tcase(s, sta);
    TCase *mta = tcase_create("mta");
    tcase_add_checked_fixture(mta, init_mta, uninit);
    tcase_set_timeout(mta, 60);
    tcase_add_test(mta, registered_in_the_mta);
    tcase_add_test(mta, an_ended_sta_takes_its_class_objects_with_it);
    suite_add_tcase(s, mta);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(classobj_suite());
}
