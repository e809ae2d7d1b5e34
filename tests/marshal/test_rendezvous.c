/*
 * test_rendezvous.c - class publication in the runtime directory, with real
 * processes: a publisher killed with SIGKILL leaves nothing a client would
 * trust; a second live publisher is refused; the runtime directory must be
 * private; the launch lock admits one client at a time.
 */
#define INITGUID
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../check_main.h"
#include "../../marshal/rendezvous.h"

DEFINE_GUID(CLSID_Rv, 0x0B000001, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x01);

/* A child that publishes CLSID_Rv and waits; reports readiness on a pipe. */
static pid_t spawn_publisher(const char *address)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        comrt_publication pub;
        close(p[0]);
        char ok = comrt_rendezvous_publish(&CLSID_Rv, address, &pub) == S_OK ? 'y' : 'n';
        if (write(p[1], &ok, 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    close(p[1]);
    char c = 0;
    ck_assert_int_eq(read(p[0], &c, 1), 1);
    close(p[0]);
    ck_assert_int_eq(c, 'y');
    return pid;
}

START_TEST(publish_find_and_kill9)
{
    char *addr = NULL;
    ck_assert_int_eq(comrt_rendezvous_find(&CLSID_Rv, &addr), S_FALSE);
    pid_t pid = spawn_publisher("unix:/somewhere/server.sock");
    ck_assert_int_eq(comrt_rendezvous_find(&CLSID_Rv, &addr), S_OK);
    ck_assert_str_eq(addr, "unix:/somewhere/server.sock");
    free(addr);

    /* a second live publisher is refused */
    comrt_publication pub;
    ck_assert_int_eq(comrt_rendezvous_publish(&CLSID_Rv, "unix:/other", &pub), CO_E_OBJISREG);
    CoTaskMemFree(comrt_error_take_description());

    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    int64_t t0 = comrt_now_ms();
    ck_assert_int_eq(comrt_rendezvous_find(&CLSID_Rv, &addr), S_FALSE); /* stale file, not trusted */
    ck_assert_ptr_null(addr);
    ck_assert_int_lt(comrt_now_ms() - t0, 100);
    /* and the class can be published again at once */
    ck_assert_int_eq(comrt_rendezvous_publish(&CLSID_Rv, "unix:/fresh", &pub), S_OK);
    ck_assert_int_eq(comrt_rendezvous_find(&CLSID_Rv, &addr), S_OK);
    ck_assert_str_eq(addr, "unix:/fresh");
    free(addr);
    comrt_rendezvous_withdraw(&pub);
    ck_assert_int_eq(comrt_rendezvous_find(&CLSID_Rv, &addr), S_FALSE);
}
END_TEST

START_TEST(runtime_dir_must_be_private)
{
    char dir[4096], base[4096];
    struct stat st;
    snprintf(base, sizeof base, "%s/rt-%d", getenv("COMRT_TEST_TMP"), (int)getpid());
    ck_assert_int_eq(mkdir(base, 0700), 0);
    setenv("XDG_RUNTIME_DIR", base, 1);
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), S_OK);
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    chmod(dir, 0755);
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), E_ACCESSDENIED);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "not a private directory"));
    CoTaskMemFree(d);
}
END_TEST

START_TEST(launch_lock_is_exclusive)
{
    comrt_launch_lock a, b;
    ck_assert_int_eq(comrt_launch_lock_take(&CLSID_Rv, 1000, &a), S_OK);
    pid_t pid = fork();
    if (pid == 0) {
        /* held by the parent: times out */
        HRESULT hr = comrt_launch_lock_take(&CLSID_Rv, 100, &b);
        _exit(hr == RPC_E_TIMEOUT ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    comrt_launch_lock_release(&a);
    pid = fork();
    if (pid == 0) {
        HRESULT hr = comrt_launch_lock_take(&CLSID_Rv, 100, &b);
        _exit(hr == S_OK ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rendezvous");
    TCase *tc = tcase_create("local");
    tcase_add_test(tc, publish_find_and_kill9);
    tcase_add_test(tc, runtime_dir_must_be_private);
    tcase_add_test(tc, launch_lock_is_exclusive);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
