/*
 * test_idmap.c - the id -> pointer hash map (marshal/idmap.c): insert,
 * lookup, replace, remove, growth and shrinking, keys that collide and
 * runs that wrap around the end of the slots, iteration, and a long random
 * sequence checked against a plain array. Internal interface: links the
 * static library.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "../check_main.h"
#include "../../marshal/idmap.h"

/* Distinct non-NULL values that encode their key. */
static char cells[1 << 16];
static void *val(uint64_t k) { return &cells[k % sizeof cells]; }

START_TEST(empty_map)
{
    comrt_idmap m = COMRT_IDMAP_INIT;
    size_t pos = 0;
    ck_assert_ptr_null(comrt_idmap_get(&m, 1));
    ck_assert_ptr_null(comrt_idmap_remove(&m, 1));
    ck_assert_ptr_null(comrt_idmap_next(&m, &pos, NULL));
    ck_assert_uint_eq(comrt_idmap_count(&m), 0);
    comrt_idmap_clear(&m); /* a no-op on an empty map */
}
END_TEST

START_TEST(insert_lookup_replace_remove)
{
    comrt_idmap m = COMRT_IDMAP_INIT;
    /* 0 and all-ones are ordinary keys. */
    uint64_t keys[] = {0, 1, 2, 42, UINT64_MAX, 0x7fffffffffffffffull, 0x10000};
    size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(comrt_idmap_put(&m, keys[i], val(i)), 0);
    ck_assert_uint_eq(comrt_idmap_count(&m), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, keys[i]), val(i));
    ck_assert_ptr_null(comrt_idmap_get(&m, 3));

    /* put on a present key replaces its value; the count stays */
    ck_assert_int_eq(comrt_idmap_put(&m, 42, val(100)), 0);
    ck_assert_ptr_eq(comrt_idmap_get(&m, 42), val(100));
    ck_assert_uint_eq(comrt_idmap_count(&m), n);

    ck_assert_ptr_eq(comrt_idmap_remove(&m, 42), val(100));
    ck_assert_ptr_null(comrt_idmap_remove(&m, 42));
    ck_assert_ptr_null(comrt_idmap_get(&m, 42));
    ck_assert_uint_eq(comrt_idmap_count(&m), n - 1);
    for (size_t i = 0; i < n; i++)
        if (keys[i] != 42)
            ck_assert_ptr_eq(comrt_idmap_get(&m, keys[i]), val(i));
    comrt_idmap_clear(&m);
    ck_assert_ptr_null(comrt_idmap_get(&m, 0));
    ck_assert_uint_eq(comrt_idmap_count(&m), 0);
}
END_TEST

START_TEST(grows_and_shrinks)
{
    comrt_idmap m = COMRT_IDMAP_INIT;
    const uint64_t n = 100000;
    /* Consecutive keys, like OIDs. */
    for (uint64_t k = 1; k <= n; k++) {
        ck_assert_int_eq(comrt_idmap_put(&m, k, val(k)), 0);
        ck_assert_uint_le(comrt_idmap_count(&m) * 4, (m.mask + 1) * 3); /* at most 3/4 full */
    }
    ck_assert_uint_eq(comrt_idmap_count(&m), n);
    ck_assert_uint_ge(m.mask + 1, n);
    for (uint64_t k = 1; k <= n; k++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, k), val(k));
    ck_assert_ptr_null(comrt_idmap_get(&m, n + 1));

    /* Every other one goes; the rest stay reachable. */
    for (uint64_t k = 2; k <= n; k += 2)
        ck_assert_ptr_eq(comrt_idmap_remove(&m, k), val(k));
    for (uint64_t k = 1; k <= n; k++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, k), k % 2 ? val(k) : NULL);

    /* All go: the slots shrink back to the minimum. */
    for (uint64_t k = 1; k <= n; k += 2)
        ck_assert_ptr_eq(comrt_idmap_remove(&m, k), val(k));
    ck_assert_uint_eq(comrt_idmap_count(&m), 0);
    ck_assert_uint_eq(m.mask + 1, 16);
    ck_assert_int_eq(comrt_idmap_put(&m, 7, val(7)), 0);
    ck_assert_ptr_eq(comrt_idmap_get(&m, 7), val(7));
    comrt_idmap_clear(&m);
}
END_TEST

/* The first count keys from *next on whose home slot in 16 slots is home. */
static void keys_homed_at(size_t home, uint64_t *out, int count, uint64_t *next)
{
    for (int i = 0; i < count; (*next)++)
        if (comrt_idmap_home(*next, 15) == home)
            out[i++] = *next;
}

START_TEST(collisions_and_wrap_around)
{
    comrt_idmap m = COMRT_IDMAP_INIT;
    uint64_t at15[6], at0[2], at1[2], next = 1;
    /* 16 slots hold up to 12 entries: these 10 stay in the first allocation. */
    keys_homed_at(15, at15, 6, &next);
    keys_homed_at(0, at0, 2, &next);
    keys_homed_at(1, at1, 2, &next);
    /* Home 0 and 1 first, so the home-15 run wraps around past them. */
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(comrt_idmap_put(&m, at0[i], val(at0[i])), 0);
        ck_assert_int_eq(comrt_idmap_put(&m, at1[i], val(at1[i])), 0);
    }
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(comrt_idmap_put(&m, at15[i], val(at15[i])), 0);
    ck_assert_uint_eq(m.mask, 15);
    for (int i = 0; i < 6; i++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, at15[i]), val(at15[i]));

    /* Removing from the middle of the run (and from before the wrap) must
     * leave every later entry reachable, whatever its home. */
    ck_assert_ptr_eq(comrt_idmap_remove(&m, at0[0]), val(at0[0]));
    ck_assert_ptr_eq(comrt_idmap_remove(&m, at15[2]), val(at15[2]));
    ck_assert_ptr_eq(comrt_idmap_remove(&m, at15[0]), val(at15[0]));
    ck_assert_uint_eq(comrt_idmap_count(&m), 7);
    ck_assert_ptr_null(comrt_idmap_get(&m, at0[0]));
    ck_assert_ptr_null(comrt_idmap_get(&m, at15[0]));
    ck_assert_ptr_null(comrt_idmap_get(&m, at15[2]));
    ck_assert_ptr_eq(comrt_idmap_get(&m, at0[1]), val(at0[1]));
    for (int i = 0; i < 2; i++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, at1[i]), val(at1[i]));
    for (int i = 1; i < 6; i++)
        if (i != 2)
            ck_assert_ptr_eq(comrt_idmap_get(&m, at15[i]), val(at15[i]));

    /* Put back: still one entry per key. */
    ck_assert_int_eq(comrt_idmap_put(&m, at15[2], val(at15[2])), 0);
    ck_assert_int_eq(comrt_idmap_put(&m, at15[2], val(at15[2])), 0);
    ck_assert_uint_eq(comrt_idmap_count(&m), 8);
    size_t pos = 0, seen = 0;
    uint64_t k;
    while (comrt_idmap_next(&m, &pos, &k)) {
        ck_assert_ptr_eq(comrt_idmap_get(&m, k), val(k));
        seen++;
    }
    ck_assert_uint_eq(seen, 8);
    comrt_idmap_clear(&m);
}
END_TEST

START_TEST(iteration_visits_each_once)
{
    comrt_idmap m = COMRT_IDMAP_INIT;
    static unsigned char visits[5000];
    for (uint64_t k = 0; k < 5000; k++)
        ck_assert_int_eq(comrt_idmap_put(&m, k * 64 + 0x7f0000001000ull, val(k)), 0); /* like addresses */
    size_t pos = 0;
    uint64_t key;
    void *v;
    while ((v = comrt_idmap_next(&m, &pos, &key)) != NULL) {
        uint64_t k = (key - 0x7f0000001000ull) / 64;
        ck_assert_uint_lt(k, 5000);
        ck_assert_ptr_eq(v, val(k));
        visits[k]++;
    }
    for (int k = 0; k < 5000; k++)
        ck_assert_int_eq(visits[k], 1);
    comrt_idmap_clear(&m);
}
END_TEST

START_TEST(random_operations_match_an_array)
{
    enum { UNIVERSE = 3000, OPS = 300000 };
    static void *ref[UNIVERSE];
    comrt_idmap m = COMRT_IDMAP_INIT;
    size_t present = 0;
    unsigned seed = 12345;
    for (int op = 0; op < OPS; op++) {
        uint64_t k = (uint64_t)rand_r(&seed) % UNIVERSE;
        /* Phases of mostly-insert and mostly-remove, to grow and shrink. */
        int insert = (op / 20000) % 2 ? rand_r(&seed) % 4 == 0 : rand_r(&seed) % 4 != 0;
        if (insert) {
            void *v = val(k * 7 + (uint64_t)op % 5);
            ck_assert_int_eq(comrt_idmap_put(&m, k, v), 0);
            present += !ref[k];
            ref[k] = v;
        } else {
            ck_assert_ptr_eq(comrt_idmap_remove(&m, k), ref[k]);
            present -= ref[k] != NULL;
            ref[k] = NULL;
        }
        ck_assert_uint_eq(comrt_idmap_count(&m), present);
        if (op % 10000 == 0)
            for (uint64_t j = 0; j < UNIVERSE; j++)
                ck_assert_ptr_eq(comrt_idmap_get(&m, j), ref[j]);
    }
    for (uint64_t j = 0; j < UNIVERSE; j++)
        ck_assert_ptr_eq(comrt_idmap_get(&m, j), ref[j]);
    comrt_idmap_clear(&m);
}
END_TEST

static Suite *idmap_suite(void)
{
    Suite *s = suite_create("idmap");
    TCase *tc = tcase_create("map");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, empty_map);
    tcase_add_test(tc, insert_lookup_replace_remove);
    tcase_add_test(tc, grows_and_shrinks);
    tcase_add_test(tc, collisions_and_wrap_around);
    tcase_add_test(tc, iteration_visits_each_once);
    tcase_add_test(tc, random_operations_match_an_array);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return comrt_run_suite(idmap_suite()); }
