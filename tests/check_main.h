/*
 * check_main.h - runs one Check suite and turns its result into an exit
 * status; every unit test binary's main() is this.
 */
#ifndef COMRT_TEST_CHECK_MAIN_H
#define COMRT_TEST_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int comrt_run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
