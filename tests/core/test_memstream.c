/* test_memstream.c - SHCreateMemStream: reads, writes, seeks and their errors. */
#include <check.h>
#include <string.h>

#include "../check_main.h"
#include "comrt.h"

static LARGE_INTEGER li(LONGLONG v)
{
    LARGE_INTEGER l;
    l.QuadPart = v;
    return l;
}

START_TEST(read_write_seek)
{
    static const BYTE init[] = "hello";
    IStream *s = SHCreateMemStream(init, 5);
    BYTE buf[16] = {0};
    ULONG n = 0;
    ULARGE_INTEGER pos;
    STATSTG st;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(IStream_Read(s, buf, 3, &n), S_OK);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(memcmp(buf, "hel", 3), 0);
    /* past the end: what there is, and S_FALSE */
    ck_assert_int_eq(IStream_Read(s, buf, 10, &n), S_FALSE);
    ck_assert_uint_eq(n, 2);
    /* a write after a seek beyond the end: the gap reads as zeros */
    ck_assert_int_eq(IStream_Seek(s, li(3), STREAM_SEEK_END, &pos), S_OK);
    ck_assert_uint_eq(pos.QuadPart, 8);
    ck_assert_int_eq(IStream_Write(s, "!", 1, &n), S_OK);
    ck_assert_int_eq(IStream_Stat(s, &st, STATFLAG_NONAME), S_OK);
    ck_assert_uint_eq(st.cbSize.QuadPart, 9);
    ck_assert_int_eq(IStream_Seek(s, li(0), STREAM_SEEK_SET, NULL), S_OK);
    ck_assert_int_eq(IStream_Read(s, buf, 9, &n), S_OK);
    ck_assert_int_eq(memcmp(buf, "hello\0\0\0!", 9), 0);
    /* Clone copies the bytes and the position; they then go separate ways */
    IStream *c = NULL;
    ck_assert_int_eq(IStream_Seek(s, li(-5), STREAM_SEEK_CUR, NULL), S_OK);
    ck_assert_int_eq(IStream_Clone(s, &c), S_OK);
    ck_assert_int_eq(IStream_Read(c, buf, 1, &n), S_OK);
    ck_assert_uint_eq(buf[0], 'o');
    ULARGE_INTEGER small = {.QuadPart = 2};
    ck_assert_int_eq(IStream_SetSize(c, small), S_OK);
    ck_assert_int_eq(IStream_Stat(s, &st, STATFLAG_NONAME), S_OK);
    ck_assert_uint_eq(st.cbSize.QuadPart, 9);
    IStream_Release(c);
    IStream_Release(s);
}
END_TEST

START_TEST(errors_change_nothing)
{
    IStream *s = SHCreateMemStream(NULL, 0);
    ULARGE_INTEGER pos;
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(IStream_Write(s, "abc", 3, NULL), S_OK);
    ck_assert_int_eq(IStream_Seek(s, li(-4), STREAM_SEEK_END, NULL), STG_E_SEEKERROR); /* before the start */
    ck_assert_int_eq(IStream_Seek(s, li(0), 7, NULL), STG_E_INVALIDFUNCTION);
    ck_assert_int_eq(IStream_Seek(s, li(0), STREAM_SEEK_CUR, &pos), S_OK);
    ck_assert_uint_eq(pos.QuadPart, 3); /* unmoved */
    ck_assert_int_eq(IStream_Read(s, NULL, 1, NULL), STG_E_INVALIDPOINTER);
    ck_assert_int_eq(IStream_Write(s, NULL, 1, NULL), STG_E_INVALIDPOINTER);
    ULARGE_INTEGER huge = {.QuadPart = 1ULL << 40};
    ck_assert_int_eq(IStream_SetSize(s, huge), STG_E_MEDIUMFULL);
    ck_assert_int_eq(s->lpVtbl->LockRegion(s, pos, pos, 0), STG_E_INVALIDFUNCTION);
    void *other = NULL;
    ck_assert_int_eq(IStream_QueryInterface(s, &IID_IDispatch, &other), E_NOINTERFACE);
    ck_assert_ptr_null(other);
    IStream_Release(s);
}
END_TEST

static Suite *memstream_suite(void)
{
    Suite *s = suite_create("memstream");
    TCase *tc = tcase_create("memory");
    tcase_add_test(tc, read_write_seek);
    tcase_add_test(tc, errors_change_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return comrt_run_suite(memstream_suite());
}
