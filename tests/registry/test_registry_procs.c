/*
 * test_registry_procs.c - the registry file across real processes (the
 * regwriter helper): concurrent writers lose nothing, and a writer killed at
 * any instant leaves the old or the new file and releases the lock.
 */
#include <signal.h>
#include <sys/file.h>

#include "regtest.h"

#define NPROCS 50
#define NVALUES 8

START_TEST(fifty_writers_lose_nothing)
{
    char path[PATH_MAX], idx[16], key[128], name[16], expect[64];
    pid_t pids[NPROCS];

    use_registry(path, sizeof path, "fifty.reg");
    for (int i = 0; i < NPROCS; i++) {
        snprintf(idx, sizeof idx, "%d", i);
        const char *args[] = {"class", idx, "8", NULL};
        pids[i] = spawn_helper(args);
    }
    for (int i = 0; i < NPROCS; i++) {
        int st = wait_helper(pids[i]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed (status 0x%x)", i, st);
    }

    char **names;
    size_t n;
    comrt_reg_generation(1);
    ck_assert_int_eq(comrt_reg_enum_subkeys("CLSID", &names, &n), S_OK);
    ck_assert_uint_eq(n, NPROCS);
    comrt_reg_free_list(names);
    for (int i = 0; i < NPROCS; i++) {
        snprintf(key, sizeof key, "CLSID\\{5E2F1C3A-0000-4000-8000-%012d}", i);
        snprintf(expect, sizeof expect, "class %d", i);
        assert_value(key, NULL, expect);
        for (int v = 0; v < NVALUES; v++) {
            snprintf(name, sizeof name, "V%d", v);
            snprintf(expect, sizeof expect, "%d-%d", i, v);
            assert_value(key, name, expect);
        }
        strcat(key, "\\InprocServer32");
        snprintf(expect, sizeof expect, "/usr/lib/comrt/libclass%d.so", i);
        assert_value(key, NULL, expect);
        assert_value(key, "ThreadingModel", "Both");
    }
}
END_TEST

#define BIG_KEYS 3000
#define KILLS 60

/*
 * The file must be one state regwriter committed: canonical (it re-serializes
 * to the same bytes, so nothing was cut off or spliced) with all BIG_KEYS
 * subkeys of Big at one iteration, and Other\Key kept. Returns that
 * iteration (0: none yet).
 */
static unsigned long check_consistent(const char *path, int round)
{
    size_t len, outlen;
    char *text = read_file(path, &len), *out = NULL;
    comrt_reg_tree *t = NULL;
    unsigned long iter;

    if (!text)
        return 0;
    HRESULT hr = comrt_reg_parse_buffer(path, text, len, &t);
    if (FAILED(hr)) {
        char *why = take_error();
        ck_abort_msg("round %d: torn file (%zu bytes): %s", round, len, why);
    }
    ck_assert_int_eq(comrt_reg_serialize(t, &out, &outlen), S_OK);
    ck_assert_msg(outlen == len && memcmp(out, text, len) == 0, "round %d: file is not what the writer wrote", round);
    size_t bi;
    const struct comrt_reg_key *big = comrt_reg_tree_find(t, "Big", &bi);
    iter = 0; /* no writer has committed yet */
    if (big) {
        const char *it = comrt_reg_key_value(big, "Iteration");
        ck_assert_ptr_nonnull(it);
        iter = strtoul(it, NULL, 10);
        ck_assert_uint_gt(iter, 0);
        ck_assert_uint_eq(comrt_reg_subtree_end(t, bi) - bi - 1, BIG_KEYS);
        for (size_t i = bi + 1; i <= bi + BIG_KEYS; i++)
            ck_assert_str_eq(comrt_reg_key_value(&t->keys[i], NULL), it);
    }
    ck_assert_ptr_nonnull(comrt_reg_tree_find(t, "Other\\Key", NULL));
    comrt_reg_tree_free(t);
    free(out);
    free(text);
    return iter;
}

START_TEST(killed_writer_never_tears_the_file)
{
    char path[PATH_MAX], lock[PATH_MAX + 8], nkeys[16], base[16];
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    unsigned long last = 0, changes = 0, mid_write = 0;
    char tmp[PATH_MAX + 8];

    use_registry(path, sizeof path, "torn.reg");
    snprintf(lock, sizeof lock, "%s.lock", path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(nkeys, sizeof nkeys, "%d", BIG_KEYS);
    set_ok(COMRT_REG_DEFAULT, "Other\\Key", NULL, "survives every commit");
    fprintf(stderr, "killed_writer_never_tears_the_file: seed %u\n", seed);
    for (int round = 0; round < KILLS; round++) {
        snprintf(base, sizeof base, "%d", round + 1);
        const char *args[] = {"loop", nkeys, base, NULL};
        pid_t pid = spawn_helper(args);
        /* Let it run from 0 to ~60 ms: anywhere from exec to mid-rename. */
        usleep((useconds_t)(rand_r(&seed) % 60000));
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int st = wait_helper(pid);
        ck_assert_msg(WIFSIGNALED(st), "round %d: writer exited early (status 0x%x)", round, st);

        /* A temporary file left behind: killed between creating it and the rename. */
        mid_write += access(tmp, F_OK) == 0;
        unlink(tmp);
        unsigned long iter = check_consistent(path, round);
        /* The state before this writer, or one this writer committed. */
        ck_assert_msg(iter == last || iter / 1000000 == (unsigned long)round + 1,
                      "round %d: iteration %lu is neither the old state %lu nor this writer's", round, iter, last);
        changes += iter != last;
        last = iter;

        /* The dead writer's lock is gone. */
        int fd = open(lock, O_RDWR | O_CLOEXEC);
        ck_assert_int_ge(fd, 0);
        ck_assert_msg(flock(fd, LOCK_EX | LOCK_NB) == 0, "round %d: lock still held", round);
        close(fd);
    }
    /* The next writer succeeds and nothing else was lost. */
    set_ok(COMRT_REG_DEFAULT, "After", NULL, "ok");
    comrt_reg_generation(1);
    assert_value("Other\\Key", NULL, "survives every commit");
    assert_value("After", NULL, "ok");
    check_consistent(path, KILLS);
    ck_assert_msg(changes > 0, "the writer never committed; the test proved nothing");
    fprintf(stderr, "killed_writer_never_tears_the_file: %lu of %d rounds changed the file, %lu killed mid-write\n",
            changes, KILLS, mid_write);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry_procs");
    TCase *tc = tcase_create("procs");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, fifty_writers_lose_nothing);
    tcase_add_test(tc, killed_writer_never_tears_the_file);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
