/*
 * test_registry_cache.c - the reader cache: this process's commits are seen
 * at once, other writers' within the recheck interval or at once with
 * comrt_reg_generation(1), rewrites that fool stat are caught, and readers
 * in several threads race a writer safely.
 */
#include <pthread.h>

#include "regtest.h"

#define H "comrt-registry 1\n"

START_TEST(own_commit_is_visible_at_once)
{
    char path[PATH_MAX];

    use_registry(path, sizeof path, "own.reg");
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "1");
    uint64_t g1 = comrt_reg_generation(0);
    assert_value("K", NULL, "1");
    ck_assert_uint_eq(comrt_reg_generation(0), g1); /* reading changes nothing */
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "2");
    ck_assert_uint_ne(comrt_reg_generation(0), g1);
    assert_value("K", NULL, "2");
    /* A commit that changes nothing does not change the generation. */
    uint64_t g2 = comrt_reg_generation(0);
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "2");
    ck_assert_uint_eq(comrt_reg_generation(0), g2);
}
END_TEST

START_TEST(foreign_change_seen_after_recheck_window)
{
    char path[PATH_MAX];
    static const char v1[] = H "[K]\n@=\"one\"\n", v2[] = H "[K]\n@=\"two!\"\n";

    use_registry(path, sizeof path, "foreign.reg");
    write_file(path, v1, sizeof v1 - 1);
    uint64_t g1 = comrt_reg_generation(1);
    assert_value("K", NULL, "one");

    /* Written behind the library's back: the warm path does not look for 200 ms. */
    long long t0 = now_ms();
    uint64_t g1b = comrt_reg_generation(1);
    write_file(path, v2, sizeof v2 - 1);
    uint64_t g = comrt_reg_generation(0);
    if (now_ms() - t0 < COMRT_REG_RECHECK_MS - 50)
        ck_assert_uint_eq(g, g1b);
    ck_assert_uint_eq(g1b, g1);

    usleep((COMRT_REG_RECHECK_MS + 50) * 1000);
    ck_assert_uint_ne(comrt_reg_generation(0), g1);
    assert_value("K", NULL, "two!");

    /* force=1 looks now. */
    uint64_t g2 = comrt_reg_generation(1);
    write_file(path, v1, sizeof v1 - 1);
    ck_assert_uint_ne(comrt_reg_generation(1), g2);
    assert_value("K", NULL, "one");
}
END_TEST

START_TEST(other_process_change_is_seen)
{
    char path[PATH_MAX];

    use_registry(path, sizeof path, "other.reg");
    set_ok(COMRT_REG_DEFAULT, "CLSID\\{X}\\InprocServer32", NULL, "/old.so");
    assert_value("CLSID\\{X}\\InprocServer32", NULL, "/old.so");
    uint64_t g = comrt_reg_generation(0);

    const char *args[] = {"set", "CLSID\\{X}\\InprocServer32", "@", "/new.so", NULL};
    ck_assert_int_eq(run_helper(args), 0);
    /* Within the recheck interval, the old view may still be served; after it, never. */
    usleep((COMRT_REG_RECHECK_MS + 50) * 1000);
    ck_assert_uint_ne(comrt_reg_generation(0), g);
    assert_value("CLSID\\{X}\\InprocServer32", NULL, "/new.so");

    /* A miss forces a recheck: force=1 sees a registration made a moment ago. */
    g = comrt_reg_generation(1);
    const char *args2[] = {"set", "CLSID\\{Y}\\InprocServer32", "@", "/y.so", NULL};
    ck_assert_int_eq(run_helper(args2), 0);
    ck_assert_uint_ne(comrt_reg_generation(1), g);
    assert_value("CLSID\\{Y}\\InprocServer32", NULL, "/y.so");
}
END_TEST

START_TEST(same_size_same_inode_rewrite_is_noticed)
{
    char path[PATH_MAX];
    static const char a[] = H "[K]\n@=\"aaaa\"\n", b[] = H "[K]\n@=\"bbbb\"\n";

    /* Rewritten in place with the same length within one timestamp tick, the
     * stat identity may not change at all; the content hash must. */
    use_registry(path, sizeof path, "racy.reg");
    for (int i = 0; i < 20; i++) {
        write_file(path, a, sizeof a - 1);
        comrt_reg_generation(1);
        assert_value("K", NULL, "aaaa");
        write_file(path, b, sizeof b - 1);
        comrt_reg_generation(1);
        assert_value("K", NULL, "bbbb");
    }
}
END_TEST

static atomic_int stop_readers;

static void *reader(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop_readers)) {
        char *v = NULL, **names = NULL;
        comrt_reg_generation(0);
        HRESULT hr = comrt_reg_get_value("T\\K", "n", &v);
        ck_assert_msg(hr == S_OK || hr == REGDB_E_KEYMISSING, "0x%08X", (unsigned)hr);
        CoTaskMemFree(v);
        if (comrt_reg_enum_subkeys("T", &names, NULL) == S_OK)
            comrt_reg_free_list(names);
        CoTaskMemFree(comrt_error_take_description());
    }
    return NULL;
}

START_TEST(threads_read_while_committing)
{
    char path[PATH_MAX], num[16];
    pthread_t th[4];

    use_registry(path, sizeof path, "threads.reg");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, reader, NULL), 0);
    for (int i = 0; i < 100; i++) {
        snprintf(num, sizeof num, "%d", i);
        set_ok(COMRT_REG_DEFAULT, "T\\K", "n", num);
        if (i % 10 == 0)
            ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, "T"), S_OK);
    }
    atomic_store(&stop_readers, 1);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    assert_value("T\\K", "n", "99");
}
END_TEST


int main(void)
{
    Suite *s = suite_create("registry_cache");
    TCase *tc = tcase_create("cache");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, own_commit_is_visible_at_once);
    tcase_add_test(tc, foreign_change_seen_after_recheck_window);
    tcase_add_test(tc, other_process_change_is_seen);
    tcase_add_test(tc, same_size_same_inode_rewrite_is_noticed);
    tcase_add_test(tc, threads_read_while_committing);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
