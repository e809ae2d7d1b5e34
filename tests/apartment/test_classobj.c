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
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../check_main.h"
#include "aptobj.h"
#include "apttest.h"

/* Registered only in this process, never in the registry. */
static const CLSID CLSID_Registered = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x21}};

/* The class object (aptobj.c's, which counts its references) recording
 * the thread of its last CreateInstance and of its last Release. */
typedef struct Factory {
    AptFactory base;
    atomic_llong create_tid, release_tid;
} Factory;

static ULONG cf_Release(IClassFactory *This)
{
    atomic_store(&((Factory *)This)->release_tid, gettid_ll());
    return aptfactory_Release(This);
}
static HRESULT cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    atomic_store(&((Factory *)This)->create_tid, gettid_ll());
    return aptfactory_CreateInstance(This, outer, riid, ppv);
}
static const IClassFactoryVtbl cf_vtbl = {aptfactory_QueryInterface, aptfactory_AddRef, cf_Release,
                                          cf_CreateInstance, aptfactory_LockServer};

static void factory_init(Factory *f)
{
    memset(f, 0, sizeof *f);
    aptfactory_init(&f->base);
    f->base.iface.lpVtbl = &cf_vtbl;
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
    s->direct_cf = cf == &s->factory->base.iface;
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
    s->direct_obj = b->lpVtbl == &aptobj_vtbl;
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

/* Waits about 10 ms; in an STA (sta non-zero) by dispatching its calls. */
static void wait_a_little(int sta)
{
    if (sta)
        comrt_apartment_wait(10);
    else
        usleep(10000);
}

/* Registers f in this thread's apartment and look()s from here; the cookie. */
static DWORD register_and_look_here(Factory *f, struct seen *s)
{
    DWORD cookie = 0;
    factory_init(f);
    check_hr(CoRegisterClassObject(&CLSID_Registered, (IUnknown *)&f->base.iface, CLSCTX_INPROC_SERVER,
                                   REGCLS_MULTIPLEUSE, &cookie),
             "CoRegisterClassObject");
    memset(s, 0, sizeof *s);
    s->factory = f;
    look(s);
    ck_assert_msg(SUCCEEDED(s->hr), "%s", s->what);
    return cookie;
}

/* Revokes f and checks that every reference to it came back (in an STA
 * released here, by this thread's dispatching). */
static void revoke_and_check(Factory *f, DWORD cookie, int sta)
{
    check_hr(CoRevokeClassObject(cookie), "CoRevokeClassObject");
    for (int i = 0; i < 200 && atomic_load(&f->base.refs) != 1; i++)
        wait_a_little(sta);
    ck_assert_uint_eq(atomic_load(&f->base.refs), 1);
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
    for (int i = 0; i < 3000 && !atomic_load(&s->done); i++)
        wait_a_little(at == APTTYPE_MAINSTA || at == APTTYPE_STA);
    ck_assert_msg(atomic_load(&s->done), "the other thread did not finish");
    pthread_join(t, NULL);
    ck_assert_msg(SUCCEEDED(s->hr), "from another apartment: %s", s->what);
}

START_TEST(registered_in_an_sta_runs_there_for_every_caller)
{
    Factory f;
    struct seen s;
    LONGLONG me = gettid_ll();
    /* From this STA: the class object itself, and objects made here. */
    DWORD cookie = register_and_look_here(&f, &s);
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
    revoke_and_check(&f, cookie, 1);
}
END_TEST

START_TEST(registered_in_the_mta)
{
    Factory f;
    struct seen s;
    LONGLONG me = gettid_ll();
    /* The MTA, on this thread or another: the object itself. */
    DWORD cookie = register_and_look_here(&f, &s);
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
    revoke_and_check(&f, cookie, 0);
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
    e->hr = CoRegisterClassObject(&CLSID_Registered, (IUnknown *)&e->factory.base.iface, CLSCTX_INPROC_SERVER,
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
    ck_assert_uint_eq(atomic_load(&e.factory.base.refs), 1);
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
    ck_assert_uint_eq(atomic_load(&e.factory.base.refs), 1);
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
    register_oop_server(); /* oop.idl's type library describes ICallback */
    return comrt_run_suite(classobj_suite());
}
