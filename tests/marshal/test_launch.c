/*
 * test_launch.c - starting local servers: command-line splitting, a server
 * that publishes, and prompt CO_E_SERVER_EXEC_FAILURE for one that exits,
 * crashes, cannot start or never registers.
 */
#define INITGUID
#include <check.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check_main.h"
#include "../../marshal/launch.h"
#include "../../marshal/rendezvous.h"

DEFINE_GUID(CLSID_Fake, 0x0C000001, 0x0000, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x01);

static void set_server(const char *mode)
{
    char exe[PATH_MAX], cmd[PATH_MAX + 128], cs[CHARS_IN_GUID], key[96];
    snprintf(cmd, sizeof cmd, "%s/tests/marshal/fake_server", getenv("BUILD") ? getenv("BUILD") : "build");
    ck_assert_ptr_nonnull(realpath(cmd, exe));
    StringFromGUID2(&CLSID_Fake, cs, sizeof cs);
    /* quoted, to exercise the splitter on the way */
    snprintf(cmd, sizeof cmd, "\"%s\" %s '%s'", exe, mode, cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, cmd), S_OK);
}

static void expect_failure(const char *needle, int max_ms)
{
    char *addr = NULL;
    int64_t t0 = comrt_now_ms();
    ck_assert_int_eq(comrt_launch_server(&CLSID_Fake, &addr), CO_E_SERVER_EXEC_FAILURE);
    ck_assert_int_lt(comrt_now_ms() - t0, max_ms);
    ck_assert_ptr_null(addr);
    char *d = comrt_error_take_description();
    ck_assert_msg(d && strstr(d, needle), "'%s' not in '%s'", needle, d ? d : "(none)");
    CoTaskMemFree(d);
}

START_TEST(split_command_line)
{
    char **a = NULL;
    ck_assert_int_eq(comrt_split_command("  /bin/srv  -x \"two words\" 'sq \\ x' a\\ b \"q\\\"d\"", &a), S_OK);
    ck_assert_str_eq(a[0], "/bin/srv");
    ck_assert_str_eq(a[1], "-x");
    ck_assert_str_eq(a[2], "two words");
    ck_assert_str_eq(a[3], "sq \\ x");
    ck_assert_str_eq(a[4], "a b");
    ck_assert_str_eq(a[5], "q\"d");
    ck_assert_ptr_null(a[6]);
    free(a);
    ck_assert_int_eq(comrt_split_command("/bin/srv \"open", &a), E_INVALIDARG);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(comrt_split_command("   ", &a), E_INVALIDARG);
    CoTaskMemFree(comrt_error_take_description());
}
END_TEST

START_TEST(launch_publishing_server)
{
    char *addr = NULL;
    set_server("ok");
    ck_assert_int_eq(comrt_launch_server(&CLSID_Fake, &addr), S_OK);
    ck_assert_int_eq(strncmp(addr, "unix:fake-", 10), 0);
    pid_t pid = (pid_t)atoi(addr + 10);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(kill(pid, 0), 0);
    free(addr);
    kill(pid, SIGKILL);
}
END_TEST

START_TEST(server_exits_early)
{
    set_server("exit3");
    expect_failure("exited with status 3 before registering", 2000);
}
END_TEST

START_TEST(server_crashes)
{
    set_server("crash");
    expect_failure("killed by signal 6", 2000);
}
END_TEST

START_TEST(server_cannot_start)
{
    char cs[CHARS_IN_GUID], key[96];
    StringFromGUID2(&CLSID_Fake, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, key, NULL, "/nonexistent/server --flag"), S_OK);
    expect_failure("cannot start local server '/nonexistent/server'", 2000);
}
END_TEST

START_TEST(server_never_registers)
{
    setenv("COMRT_ACTIVATION_TIMEOUT_MS", "300", 1);
    set_server("hang");
    expect_failure("did not register the class within 300 ms", 2000);
    unsetenv("COMRT_ACTIVATION_TIMEOUT_MS");
}
END_TEST

START_TEST(no_local_server_registered)
{
    char *addr = NULL;
    DEFINE_GUID(CLSID_None, 0x0C000002, 0, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 2);
    ck_assert_int_eq(comrt_launch_server(&CLSID_None, &addr), REGDB_E_CLASSNOTREG);
    CoTaskMemFree(comrt_error_take_description());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("launch");
    TCase *tc = tcase_create("local");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, split_command_line);
    tcase_add_test(tc, launch_publishing_server);
    tcase_add_test(tc, server_exits_early);
    tcase_add_test(tc, server_crashes);
    tcase_add_test(tc, server_cannot_start);
    tcase_add_test(tc, server_never_registers);
    tcase_add_test(tc, no_local_server_registered);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
