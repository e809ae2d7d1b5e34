/*
 * apttest.h - what the apartment test programs share around Check: the
 * apartment fixtures, an HRESULT check that shows the error description,
 * and registering the oop server. Header-only like ../check_main.h, so
 * that aptobj.c (also linked into libaptcomp.so) stays free of Check.
 */
#ifndef COMRT_TEST_APTTEST_H
#define COMRT_TEST_APTTEST_H

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "oop.h"

/* Check fixtures: each test of a TCase in an STA or in the MTA. */
static inline void init_sta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_OK);
}

static inline void init_mta(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
}

static inline void uninit(void)
{
    CoUninitialize();
}

static inline void check_hr(HRESULT hr, const char *what)
{
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        ck_abort_msg("%s: 0x%08X %s", what, (unsigned)hr, why ? why : "");
    }
}

/* Registers $BUILD/tests/oop/oop-server, and with it its type library,
 * which describes ICallback and IServer for the proxies; exits 2 if it
 * cannot (before any test runs). */
static inline void register_oop_server(void)
{
    char cmd[PATH_MAX * 2], path[PATH_MAX];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(cmd, sizeof cmd, "%s/tests/oop/oop-server", build);
    if (!realpath(cmd, path))
        exit(2);
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s --exe %s", build, path);
    if (system(cmd) != 0)
        exit(2);
}

#endif
