/*
 * test_queued_calls.c - a call for an STA's object is looked up once, when
 * it arrives, and queued to the STA with the export entry it found. These
 * tests make the STA busy (not dispatching) while a call waits in its
 * queue, then cut the object off before the call runs: with
 * CoDisconnectObject on the STA's thread, or by ending the apartment. The
 * call must fail RPC_E_DISCONNECTED without reaching the object, and the
 * object must get every reference back (run under ASan/TSan too: the
 * queued call holds the entry while the table lets it go).
 */
#define INITGUID
#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "../check_main.h"
#include "aptobj.h"
#include "apttest.h"

enum cut { CUT_DISCONNECT, CUT_END_APARTMENT };

struct sta {
    AptObj obj; /* counts its Notify calls: none may reach it */
    enum cut how;
    BYTE *packet;
    ULONG len;
    atomic_int ready, queued, done;
};

/* The STA: exports its object, then stays busy (not dispatching) until the
 * test has a call queued for it, then cuts the object off. */
static void *sta_main(void *arg)
{
    struct sta *s = arg;
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(comrt_marshal_to_bytes(&IID_ICallback, (IUnknown *)&s->obj.iface, MSHLFLAGS_NORMAL, &s->packet,
                                         &s->len)))
        atomic_store(&s->ready, 1);
    while (!atomic_load(&s->queued))
        usleep(1000);
    if (s->how == CUT_DISCONNECT) {
        CoDisconnectObject((IUnknown *)&s->obj.iface, 0);
        while (!atomic_load(&s->done)) /* the queued call runs now, and fails */
            comrt_apartment_wait(10);
    }
    CoUninitialize(); /* CUT_END_APARTMENT: the queued call is answered here */
    return NULL;
}

struct caller {
    ICallback *proxy;
    HRESULT hr;
};

static void *caller_main(void *arg)
{
    struct caller *c = arg;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    c->hr = ICallback_Notify(c->proxy, 1, "queued");
    CoTaskMemFree(comrt_error_take_description());
    CoUninitialize();
    return NULL;
}

static void queued_call_is_cut_off(enum cut how)
{
    struct sta s = {.how = how};
    struct caller c = {0};
    pthread_t sta, caller;
    aptobj_init(&s.obj);

    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    ck_assert_int_eq(pthread_create(&sta, NULL, sta_main, &s), 0);
    for (int i = 0; i < 500 && !atomic_load(&s.ready); i++)
        usleep(10000);
    ck_assert(atomic_load(&s.ready));
    ck_assert_int_eq(comrt_unmarshal_from_bytes(s.packet, s.len, &IID_ICallback, (void **)&c.proxy), S_OK);
    CoTaskMemFree(s.packet);
    ck_assert_ptr_ne(c.proxy, &s.obj.iface); /* another apartment's object: a proxy */

    ck_assert_int_eq(pthread_create(&caller, NULL, caller_main, &c), 0);
    usleep(200000); /* the call is queued for the busy STA by now (if not, it fails the same way) */
    atomic_store(&s.queued, 1);
    pthread_join(caller, NULL);
    atomic_store(&s.done, 1);
    pthread_join(sta, NULL);

    ck_assert_msg(c.hr == RPC_E_DISCONNECTED, "the queued call returned 0x%08X", (unsigned)c.hr);
    ck_assert_int_eq(atomic_load(&s.obj.calls), 0);
    ck_assert_uint_eq(atomic_load(&s.obj.refs), 1); /* the export's reference came back */
    ck_assert_int_eq(ICallback_Notify(c.proxy, 0, "later"), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    ICallback_Release(c.proxy);
    CoUninitialize();
}

START_TEST(disconnected_while_queued)
{
    queued_call_is_cut_off(CUT_DISCONNECT);
}
END_TEST

START_TEST(apartment_ended_while_queued)
{
    queued_call_is_cut_off(CUT_END_APARTMENT);
}
END_TEST

static Suite *queued_suite(void)
{
    Suite *s = suite_create("queued_calls");
    TCase *tc = tcase_create("sta");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, disconnected_while_queued);
    tcase_add_test(tc, apartment_ended_while_queued);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    register_oop_server(); /* its type library describes ICallback for the proxy */
    return comrt_run_suite(queued_suite());
}
