/* test_bstr.c - BSTR lengths, embedded NULs, reallocation and edge cases. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>

#include "../check_main.h"

START_TEST(embedded_nuls_and_lengths)
{
    BSTR b = SysAllocStringLen("ab\0cd", 5);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(SysStringLen(b), 5);
    ck_assert_uint_eq(SysStringByteLen(b), 5);
    ck_assert(memcmp(b, "ab\0cd", 5) == 0);
    ck_assert_int_eq(b[5], '\0'); /* always terminated */
    ck_assert_uint_eq(strlen(b), 2); /* C string view stops at the NUL */
    uint32_t prefix;
    memcpy(&prefix, b - 4, 4); /* the byte count sits just before the data */
    ck_assert_uint_eq(prefix, 5);
    ck_assert_uint_eq((uintptr_t)b % 8, 0);
    SysFreeString(b);
    b = SysAllocStringByteLen("\0\0\0", 3);
    ck_assert_uint_eq(SysStringByteLen(b), 3);
    ck_assert(memcmp(b, "\0\0\0", 4) == 0);
    SysFreeString(b);
}
END_TEST

START_TEST(null_and_empty)
{
    ck_assert_ptr_null(SysAllocString(NULL));
    ck_assert_uint_eq(SysStringLen(NULL), 0);
    ck_assert_uint_eq(SysStringByteLen(NULL), 0);
    SysFreeString(NULL);
    BSTR e = SysAllocString("");
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(SysStringLen(e), 0);
    ck_assert_int_eq(e[0], '\0');
    SysFreeString(e);
    BSTR z = SysAllocStringLen(NULL, 4); /* zero-filled */
    ck_assert_uint_eq(SysStringLen(z), 4);
    ck_assert(memcmp(z, "\0\0\0\0\0", 5) == 0);
    SysFreeString(z);
    BSTR part = SysAllocStringByteLen("abcdef", 2);
    ck_assert_str_eq(part, "ab");
    ck_assert_uint_eq(SysStringByteLen(part), 2);
    SysFreeString(part);
    ck_assert_ptr_null(SysAllocStringLen("x", 0xFFFFFFFFu)); /* too long */
}
END_TEST

START_TEST(utf8_counts_bytes)
{
    BSTR b = SysAllocString("h\xc3\xa9llo"); /* "héllo": 5 characters, 6 bytes */
    ck_assert_uint_eq(SysStringLen(b), 6);
    ck_assert_uint_eq(SysStringByteLen(b), 6);
    SysFreeString(b);
}
END_TEST

START_TEST(reallocation)
{
    BSTR b = SysAllocString("hello world");
    ck_assert_int_eq(SysReAllocString(&b, "bye"), TRUE);
    ck_assert_str_eq(b, "bye");
    ck_assert_uint_eq(SysStringLen(b), 3);
    /* the source may lie inside the old string */
    SysFreeString(b);
    b = SysAllocString("hello world");
    ck_assert_int_eq(SysReAllocString(&b, b + 6), TRUE);
    ck_assert_str_eq(b, "world");
    ck_assert_int_eq(SysReAllocStringLen(&b, b + 1, 3), TRUE);
    ck_assert_str_eq(b, "orl");
    /* with embedded NULs, and NULL source: zero-filled */
    ck_assert_int_eq(SysReAllocStringLen(&b, "a\0b", 3), TRUE);
    ck_assert_uint_eq(SysStringLen(b), 3);
    ck_assert(memcmp(b, "a\0b", 4) == 0);
    ck_assert_int_eq(SysReAllocStringLen(&b, NULL, 2), TRUE);
    ck_assert(memcmp(b, "\0\0", 3) == 0);
    ck_assert_uint_eq(SysStringLen(b), 2);
    /* NULL string: frees and stores NULL */
    ck_assert_int_eq(SysReAllocString(&b, NULL), TRUE);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(SysReAllocString(&b, "new"), TRUE); /* from NULL */
    ck_assert_str_eq(b, "new");
    ck_assert_int_eq(SysReAllocString(NULL, "x"), FALSE);
    /* failure leaves the old string */
    ck_assert_int_eq(SysReAllocStringLen(&b, "x", 0xFFFFFFFFu), FALSE);
    ck_assert_str_eq(b, "new");
    SysFreeString(b);
}
END_TEST

START_TEST(large)
{
    size_t n = 1u << 20;
    char *buf = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)(i * 7);
    BSTR b = SysAllocStringLen(buf, (UINT)n);
    ck_assert_uint_eq(SysStringLen(b), n);
    ck_assert(memcmp(b, buf, n) == 0);
    ck_assert_int_eq(b[n], '\0');
    SysFreeString(b);
    free(buf);
}
END_TEST

START_TEST(variant_keeps_length)
{
    VARIANT a, c;
    V_VT(&a) = VT_BSTR;
    V_BSTR(&a) = SysAllocStringLen("1\0002", 3);
    VariantInit(&c);
    ck_assert_int_eq(VariantCopy(&c, &a), S_OK);
    ck_assert_uint_eq(SysStringLen(V_BSTR(&c)), 3);
    ck_assert(memcmp(V_BSTR(&c), "1\0002", 4) == 0);
    VariantClear(&a);
    VariantClear(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bstr");
    TCase *tc = tcase_create("bstr");
    tcase_add_test(tc, embedded_nuls_and_lengths);
    tcase_add_test(tc, null_and_empty);
    tcase_add_test(tc, utf8_counts_bytes);
    tcase_add_test(tc, reallocation);
    tcase_add_test(tc, large);
    tcase_add_test(tc, variant_keeps_length);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
