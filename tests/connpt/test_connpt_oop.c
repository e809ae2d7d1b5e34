/*
 * test_connpt_oop.c - connection points across processes: a client
 * Advises a sink that lives in the client on a source in a local server
 * (connpt-server), the server fires back, Unadvise stops it, both
 * enumerators work remotely, and a client killed with SIGKILL loses its
 * connection at the server's first failed fire.
 */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check_main.h"
#include "fixture.h"

static void setup_once(void)
{
    char cmd[PATH_MAX * 2], exe[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(cmd, sizeof cmd, "%s/tests/connpt/connpt-server", build);
    if (!realpath(cmd, exe)) {
        fprintf(stderr, "no %s\n", cmd);
        exit(2);
    }
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, exe);
    if (system(cmd) != 0) {
        fprintf(stderr, "%s failed\n", cmd);
        exit(2);
    }
}

static void init_mta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
}

static void uninit(void)
{
    CoUninitialize();
}

static ITickSource *activate(void)
{
    ITickSource *s = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_TickSource, NULL, CLSCTX_LOCAL_SERVER, &IID_ITickSource, (void **)&s);
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        ck_abort_msg("activation failed: 0x%08X %s", (unsigned)hr, why ? why : "");
    }
    return s;
}

/* The connection point for iid of a remote source (a proxy). */
static IConnectionPoint *point_of(ITickSource *src, const IID *iid)
{
    IConnectionPointContainer *cpc = NULL;
    IConnectionPoint *cp = NULL;
    ck_assert_int_eq(ITickSource_QueryInterface(src, &IID_IConnectionPointContainer, (void **)&cpc), S_OK);
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, iid, &cp), S_OK);
    IConnectionPointContainer_Release(cpc);
    return cp;
}

/* Waits up to 5 s for a sink to have seen n ticks. */
static void wait_ticks(Sink *k, long n)
{
    for (int i = 0; i < 500 && atomic_load(&k->ticks) < n; i++)
        usleep(10000);
    ck_assert_int_eq(atomic_load(&k->ticks), n);
}

/* Waits up to 5 s for the references the server held on k to come back. */
static void wait_released(Sink *k)
{
    for (int i = 0; i < 500 && atomic_load(&k->refs) != 1; i++)
        usleep(10000);
    ck_assert_uint_eq(atomic_load(&k->refs), 1);
}

START_TEST(events_across_processes)
{
    ITickSource *src = activate();
    IConnectionPointContainer *cpc = NULL, *back = NULL;
    IConnectionPoint *cp = NULL, *none = (IConnectionPoint *)1;
    Sink sink, plain;
    DWORD cookie = 0, bad = 9;
    LONG delivered = -1, dropped = -1, n = -1;
    IID iid;

    sink_init(&sink);
    sink_init(&plain);
    plain.refuse = 1;
    ck_assert_int_eq(ITickSource_QueryInterface(src, &IID_IConnectionPointContainer, (void **)&cpc), S_OK);
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_ITickEvents, &cp), S_OK);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cp, &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_ITickEvents));
    ck_assert_int_eq(IConnectionPoint_GetConnectionPointContainer(cp, &back), S_OK);
    ck_assert_ptr_eq(back, cpc); /* the same remote object, the same proxy */
    IConnectionPointContainer_Release(back);
    /* errors and their descriptions cross */
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_ITickSource, &none),
                     CONNECT_E_NOCONNECTION);
    ck_assert_ptr_null(none);
    expect_error("no connection point for {410A1401-C27B-4885-834E-764FA92AA2C7}");
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&plain), &bad), CONNECT_E_CANNOTCONNECT);
    ck_assert_uint_eq(bad, 0);
    expect_error("does not implement {10E26B97-54DC-4F89-993D-71AACDFB9DA1}");

    /* Advise our sink: the server calls it back, during a call and outside one */
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&sink), &cookie), S_OK);
    ck_assert_uint_ne(cookie, 0);
    ck_assert_uint_gt(atomic_load(&sink.refs), 1); /* the server holds it */
    ck_assert_int_eq(ITickSource_Fire(src, 5, &delivered, &dropped), S_OK);
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(dropped, 0);
    ck_assert_int_eq(atomic_load(&sink.ticks), 1); /* before Fire returned */
    ck_assert_int_eq(atomic_load(&sink.last), 5);
    char done[PATH_MAX];
    snprintf(done, sizeof done, "%s/fired-later", getenv("COMRT_TEST_TMP") ? getenv("COMRT_TEST_TMP") : "/tmp");
    unlink(done);
    ck_assert_int_eq(ITickSource_FireLater(src, 50, 9, done), S_OK);
    wait_ticks(&sink, 2);
    ck_assert_int_eq(atomic_load(&sink.last), 9);
    /* The next call may overtake the server thread's departure from its
     * call: the connection must keep serving both (this once lost requests). */
    ck_assert_int_eq(ITickSource_Connections(src, &n), S_OK);
    ck_assert_int_eq(n, 1);

    /* IEnumConnections, remotely */
    IEnumConnections *en = NULL, *clone = NULL;
    CONNECTDATA cd[4];
    ULONG got = 99;
    IUnknown *id = NULL;
    ck_assert_int_eq(IConnectionPoint_EnumConnections(cp, &en), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(en, 4, cd, &got), S_FALSE);
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(cd[0].dwCookie, cookie);
    ck_assert_int_eq(IUnknown_QueryInterface(cd[0].pUnk, &IID_IUnknown, (void **)&id), S_OK);
    ck_assert_ptr_eq(id, sink_unk(&sink)); /* our own object came home as itself */
    IUnknown_Release(id);
    IUnknown_Release(cd[0].pUnk);
    ck_assert_int_eq(IEnumConnections_Next(en, 1, cd, &got), S_FALSE);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(IEnumConnections_Reset(en), S_OK);
    ck_assert_int_eq(IEnumConnections_Clone(en, &clone), S_OK);
    ck_assert_int_eq(IEnumConnections_Skip(en, 1), S_OK);
    ck_assert_int_eq(IEnumConnections_Skip(en, 1), S_FALSE);
    ck_assert_int_eq(IEnumConnections_Next(clone, 1, cd, &got), S_OK);
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(cd[0].dwCookie, cookie);
    IUnknown_Release(cd[0].pUnk);
    /* across processes pcFetched is required, as in MIDL's RemoteNext */
    ck_assert_int_eq(IEnumConnections_Next(clone, 1, cd, NULL), E_POINTER);
    CoTaskMemFree(comrt_error_take_description());
    IEnumConnections_Release(clone);
    IEnumConnections_Release(en);

    /* IEnumConnectionPoints, remotely: the same point objects */
    IEnumConnectionPoints *ep = NULL;
    IConnectionPoint *cps[3] = {NULL};
    ck_assert_int_eq(IConnectionPointContainer_EnumConnectionPoints(cpc, &ep), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Next(ep, 3, cps, &got), S_FALSE);
    ck_assert_uint_eq(got, 2);
    ck_assert_ptr_eq(cps[0], cp);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cps[1], &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_IAlarmEvents));
    IConnectionPoint_Release(cps[0]);
    IConnectionPoint_Release(cps[1]);
    ck_assert_int_eq(IEnumConnectionPoints_Reset(ep), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Skip(ep, 2), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Next(ep, 1, cps, &got), S_FALSE);
    IEnumConnectionPoints_Release(ep);

    /* Unadvise stops the events and gives the sink back */
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, cookie), S_OK);
    ck_assert_int_eq(ITickSource_Fire(src, 6, &delivered, &dropped), S_OK);
    ck_assert_int_eq(delivered, 0);
    ck_assert_int_eq(atomic_load(&sink.ticks), 2);
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, cookie), CONNECT_E_NOCONNECTION);
    expect_error("has no connection with cookie");
    ck_assert_int_eq(ITickSource_Connections(src, &n), S_OK);
    ck_assert_int_eq(n, 0);
    wait_released(&sink);

    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(cpc);
    ITickSource_Release(src);
    wait_released(&plain);
}
END_TEST

/* The child: shares a source, connects its own sink, then waits to be killed. */
static void child_main(int ready)
{
    Sink k;
    DWORD cookie = 0;
    char c = 'y';
    ITickSource *src = NULL;
    sink_init(&k);
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)) ||
        FAILED(CoCreateInstance(&CLSID_TickSource, NULL, CLSCTX_LOCAL_SERVER, &IID_ITickSource, (void **)&src)) ||
        FAILED(ITickSource_Share(src)))
        _exit(1);
    IConnectionPoint *cp = point_of(src, &IID_ITickEvents);
    if (FAILED(IConnectionPoint_Advise(cp, sink_unk(&k), &cookie)) || write(ready, &c, 1) != 1)
        _exit(1);
    for (;;)
        pause();
}

START_TEST(killed_client_dropped_at_first_failed_fire)
{
    /* Fork before this process connects anywhere (COM does not survive a fork). */
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t kid = fork();
    if (kid == 0) {
        close(p[0]);
        child_main(p[1]);
    }
    close(p[1]);
    char c = 0;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    init_mta();

    ITickSource *mine = activate(), *shared = NULL;
    ck_assert_int_eq(ITickSource_GetShared(mine, &shared), S_OK); /* the child's source */
    IConnectionPoint *cp = point_of(shared, &IID_ITickEvents);
    Sink k;
    DWORD cookie = 0;
    LONG delivered = -1, dropped = -1, n = -1;
    sink_init(&k);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&k), &cookie), S_OK);
    ck_assert_int_eq(ITickSource_Connections(shared, &n), S_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ITickSource_Fire(shared, 1, &delivered, &dropped), S_OK);
    ck_assert_int_eq(delivered, 2); /* the child's sink and ours */
    ck_assert_int_eq(dropped, 0);

    kill(kid, SIGKILL);
    waitpid(kid, NULL, 0);
    /* the first fire fails on the dead child's sink and drops it */
    ck_assert_int_eq(ITickSource_Fire(shared, 2, &delivered, &dropped), S_OK);
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(dropped, 1);
    ck_assert_int_eq(atomic_load(&k.ticks), 2);
    ck_assert_int_eq(ITickSource_Connections(shared, &n), S_OK);
    ck_assert_int_eq(n, 1);
    IEnumConnections *en = NULL;
    CONNECTDATA cd[2];
    ULONG got = 0;
    ck_assert_int_eq(IConnectionPoint_EnumConnections(cp, &en), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(en, 2, cd, &got), S_FALSE);
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(cd[0].dwCookie, cookie);
    IUnknown_Release(cd[0].pUnk);
    IEnumConnections_Release(en);
    ck_assert_int_eq(ITickSource_Fire(shared, 3, &delivered, &dropped), S_OK);
    ck_assert_int_eq(delivered, 1);
    ck_assert_int_eq(dropped, 0);

    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, cookie), S_OK);
    ck_assert_int_eq(ITickSource_Unshare(mine), S_OK);
    IConnectionPoint_Release(cp);
    ITickSource_Release(shared);
    ITickSource_Release(mine);
    wait_released(&k);
    uninit();
}
END_TEST

static Suite *oop_suite(void)
{
    Suite *s = suite_create("connpt-oop");
    TCase *tc = tcase_create("local-server");
    tcase_add_checked_fixture(tc, init_mta, uninit);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, events_across_processes);
    suite_add_tcase(s, tc);
    tc = tcase_create("killed-client");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, killed_client_dropped_at_first_failed_fire);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(oop_suite());
}
