/*
 * regtest.h - helpers shared by the registry tests: a private registry file
 * per test, raw file access, and running the regwriter helper.
 *
 * Check runs each test in its own forked process, so a test may setenv
 * freely; giving each its own file keeps the tests independent.
 */
#ifndef REGTEST_H
#define REGTEST_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <comrt.h>

#include "../../runtime/registry/registry_internal.h"

/* A path in the test's private directory. */
static inline void tmp_path(char *buf, size_t size, const char *name)
{
    const char *tmp = getenv("COMRT_TEST_TMP");
    ck_assert_msg(tmp && tmp[0], "COMRT_TEST_TMP is not set (run through tests/run.sh)");
    ck_assert_int_lt(snprintf(buf, size, "%s/%s", tmp, name), (int)size);
}

/* Points COMRT_REGISTRY at a fresh file of that name and returns its path. */
static inline void use_registry(char *buf, size_t size, const char *name)
{
    tmp_path(buf, size, name);
    unlink(buf);
    ck_assert_int_eq(setenv("COMRT_REGISTRY", buf, 1), 0);
}

/* Writes a file behind the library's back, as another program would. */
static inline void write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    ck_assert_int_eq(close(fd), 0);
}

/* The whole file in a malloc'ed, NUL-terminated buffer, or NULL if missing. */
static inline char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (;;) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
        ck_assert_ptr_nonnull(buf);
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The error description of the last failure (freed by the caller with free()). */
static inline char *take_error(void)
{
    char *d = comrt_error_take_description();
    char *copy = strdup(d ? d : "");
    CoTaskMemFree(d);
    return copy;
}

/* get_value that must succeed; returns a malloc'ed copy. */
static inline char *get_ok(const char *key, const char *name)
{
    char *v = NULL;
    HRESULT hr = comrt_reg_get_value(key, name, &v);
    if (FAILED(hr)) {
        char *why = take_error();
        ck_abort_msg("get %s [%s]: 0x%08X %s", key, name ? name : "@", (unsigned)hr, why);
    }
    char *copy = strdup(v);
    CoTaskMemFree(v);
    return copy;
}

static inline void assert_value(const char *key, const char *name, const char *expect)
{
    char *v = get_ok(key, name);
    ck_assert_str_eq(v, expect);
    free(v);
}

static inline void set_ok(comrt_reg_scope scope, const char *key, const char *name, const char *value)
{
    HRESULT hr = comrt_reg_set_value(scope, key, name, value);
    if (FAILED(hr)) {
        char *why = take_error();
        ck_abort_msg("set %s [%s]: 0x%08X %s", key, name ? name : "@", (unsigned)hr, why);
    }
}

/* The regwriter helper, found through BUILD like every test dependency. */
static inline void helper_path(char *buf, size_t size)
{
    const char *build = getenv("BUILD");
    snprintf(buf, size, "%s/tests/registry/regwriter", build && build[0] ? build : "build");
    ck_assert_msg(access(buf, X_OK) == 0, "helper %s: %s", buf, strerror(errno));
}

/* Starts regwriter with argv (NULL-terminated, without argv[0]); returns its pid. */
static inline pid_t spawn_helper(const char *const *args)
{
    char path[PATH_MAX];
    const char *argv[16] = {"regwriter"};
    int i = 0;
    helper_path(path, sizeof path);
    for (; args[i] && i < 14; i++)
        argv[i + 1] = args[i];
    argv[i + 1] = NULL;
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execv(path, (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static inline int wait_helper(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return status;
}

static inline int run_helper(const char *const *args)
{
    int status = wait_helper(spawn_helper(args));
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* REGTEST_H */
