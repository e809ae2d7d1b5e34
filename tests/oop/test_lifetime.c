/*
 * test_lifetime.c - when local servers leave (lifetime_server.c):
 *  - an on-demand server counts the activations it serves, so a client it
 *    never saw in its samples (exports, locks) still makes it exit as soon
 *    as it is idle, not at the end of its idle timeout; and it does not
 *    exit while nobody has come yet;
 *  - a server that is leaving answers activation CO_E_SERVER_STOPPING and
 *    the client starts another server.
 * Both are made deterministic by the servers' construction (see there),
 * not by timing: the broker's clients are invisible to its sampling, and
 * the leaver holds the activation back until it has suspended its class.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../check_main.h"
#include "lifetime.h"
#include "oop.h"

extern char **environ;

#define BROKER_IDLE_MS 20000 /* the broker's idle timeout: far longer than any wait below */

static char lifetime_exe[PATH_MAX];
static char dir[PATH_MAX]; /* LIFETIME_DIR: where the leaver leaves its marks */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_server(const CLSID *clsid, const char *mode)
{
    char key[128], cs[CHARS_IN_GUID], value[PATH_MAX + 16];
    StringFromGUID2(clsid, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    snprintf(value, sizeof value, "%s %s", lifetime_exe, mode);
    if (comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, value) != S_OK)
        exit(2);
}

static void register_exe(const char *build, const char *name, char exe[PATH_MAX])
{
    char path[PATH_MAX], cmd[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/tests/oop/%s", build, name);
    if (!realpath(path, exe)) {
        fprintf(stderr, "no %s\n", path);
        exit(2);
    }
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, exe);
    if (system(cmd) != 0) {
        fprintf(stderr, "%s failed\n", cmd);
        exit(2);
    }
}

static void setup_once(void)
{
    char oop_exe[PATH_MAX], idle[32];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    const char *tmp = getenv("COMRT_TEST_TMP");
    /* oop-server backs the broker; both register their type libraries. */
    register_exe(build, "oop-server", oop_exe);
    register_exe(build, "lifetime-server", lifetime_exe);
    set_server(&CLSID_LifetimeBroker, "--broker");
    set_server(&CLSID_LifetimeLeaver, "--leaver");
    snprintf(dir, sizeof dir, "%s/lifetime.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        exit(2);
    snprintf(idle, sizeof idle, "%d", BROKER_IDLE_MS);
    /* Inherited by every server launched from here. */
    setenv("LIFETIME_DIR", dir, 1);
    setenv("LIFETIME_IDLE_MS", idle, 1);
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

/* A live process publishes clsid: it holds the lock on its rendezvous
 * file and has written its address (docs/PROTOCOL.md). */
static int published(const CLSID *clsid)
{
    char path[PATH_MAX], cs[CHARS_IN_GUID];
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    StringFromGUID2(clsid, cs, sizeof cs);
    if (xdg && xdg[0] == '/')
        snprintf(path, sizeof path, "%s/comrt/class-%s.lock", xdg, cs);
    else
        snprintf(path, sizeof path, "/tmp/comrt-%u/class-%s.lock", (unsigned)getuid(), cs);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    held = held && fstat(fd, &st) == 0 && st.st_size > 0;
    close(fd);
    return held;
}

static int exists(const char *what, LONG pid)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s.%d", dir, what, (int)pid);
    return access(path, F_OK) == 0;
}

static int wait_for_mark(const char *what, LONG pid, int ms)
{
    for (int64_t end = now_ms() + ms; !exists(what, pid) && now_ms() < end;)
        usleep(2000);
    return exists(what, pid);
}

/* Waits up to ms for a process launched by the runtime (and reaped by it) to be gone. */
static int gone_within(LONG pid, int ms)
{
    for (int64_t end = now_ms() + ms; now_ms() < end; usleep(5000))
        if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
            return 1;
    return 0;
}

START_TEST(idle_exit_counts_activations_it_cannot_see)
{
    char *argv[] = {lifetime_exe, "--broker", "-Embedding", NULL};
    IServer *s = NULL;
    LONG object_pid = 0;
    pid_t broker;
    int status = 0;

    /* Started as activation starts it, but by us: we need its pid and exit status. */
    ck_assert_int_eq(posix_spawn(&broker, lifetime_exe, NULL, NULL, argv, environ), 0);
    for (int64_t end = now_ms() + 30000; !published(&CLSID_LifetimeBroker) && now_ms() < end;) {
        ck_assert_msg(waitpid(broker, &status, WNOHANG) == 0, "the broker exited before publishing its class");
        usleep(2000);
    }
    ck_assert_msg(published(&CLSID_LifetimeBroker), "the broker did not publish its class");
    /* Nobody came yet: it must wait for its first client (its idle timeout is 20 s). */
    usleep(500000);
    ck_assert_msg(waitpid(broker, &status, WNOHANG) == 0, "the broker exited before its first activation");

    check_hr(CoCreateInstance(&CLSID_LifetimeBroker, NULL, CLSCTX_LOCAL_SERVER, &IID_IServer, (void **)&s),
             "activating the broker");
    check_hr(IServer_Pid(s, &object_pid), "Pid");
    /* The object is the oop-server's: nothing of the client is in the broker. */
    ck_assert_int_ne(object_pid, broker);
    ck_assert_int_ne(object_pid, getpid());
    IServer_Release(s);

    /* The broker served an activation and holds nothing for anyone: it
     * leaves now, not when its idle timeout runs out. */
    int64_t start = now_ms();
    pid_t w = 0;
    while ((w = waitpid(broker, &status, WNOHANG)) == 0 && now_ms() - start < 5000)
        usleep(5000);
    if (w == 0) {
        kill(broker, SIGTERM);
        waitpid(broker, &status, 0);
        ck_abort_msg("the broker was still running 5 s after serving its only activation (idle timeout %d ms): "
                     "it did not count the activation",
                     BROKER_IDLE_MS);
    }
    ck_assert_int_eq(w, broker);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the broker ended with status 0x%x", status);
}
END_TEST

START_TEST(a_leaving_server_sends_the_client_to_another)
{
    ILeaver *first = NULL, *second = NULL;
    LONG p1 = 0, p2 = 0;

    check_hr(CoCreateInstance(&CLSID_LifetimeLeaver, NULL, CLSCTX_LOCAL_SERVER, &IID_ILeaver, (void **)&first),
             "first activation");
    check_hr(ILeaver_Pid(first, &p1), "Pid");
    check_hr(ILeaver_Leave(first), "Leave");
    /* It still publishes its class, and holds the next request back until
     * it has suspended the class: that request reaches a leaving server. */
    ck_assert_msg(wait_for_mark("leaving", p1, 10000), "the leaver did not start leaving");
    HRESULT hr = CoCreateInstance(&CLSID_LifetimeLeaver, NULL, CLSCTX_LOCAL_SERVER, &IID_ILeaver, (void **)&second);
    check_hr(hr, "activation while the server leaves");
    ck_assert_msg(wait_for_mark("answered", p1, 10000), "the leaving server never saw the activation");
    check_hr(ILeaver_Pid(second, &p2), "Pid of the second");
    ck_assert_int_ne(p2, p1); /* another server answered */
    ILeaver_Release(second);
    ILeaver_Release(first);
    ck_assert_msg(gone_within(p2, 10000), "the second server did not exit");
    ck_assert_msg(gone_within(p1, 10000), "the leaving server did not exit");
}
END_TEST

static Suite *lifetime_suite(void)
{
    Suite *s = suite_create("lifetime");
    TCase *tc = tcase_create("servers");
    tcase_add_checked_fixture(tc, init_mta, uninit);
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, idle_exit_counts_activations_it_cannot_see);
    tcase_add_test(tc, a_leaving_server_sends_the_client_to_another);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(lifetime_suite());
}
