/*
 * test_hostile.c - the stub side of the parameter codec against malformed
 * and hostile "ins" messages: each must be rejected with
 * RPC_E_INVALID_DATA, no frame, error information naming the method, and
 * nothing leaked or left referenced (ASan/LSan under SANITIZE=1).
 */
#include <check.h>
#include <stdio.h>

#include "fixture.h"

static comrt_typelib *tl;
static const comrt_tl_method *M;

static void setup(void)
{
    fixture_foos_init();
    M = fixture_load(&tl);
    ck_assert_ptr_nonnull(M);
}

static void teardown(void)
{
    for (int i = 0; i < NFOOS; i++)
        ck_assert_int_eq(atomic_load(&fixture_foos[i].refs), 1);
    comrt_typelib_unref(tl);
    tl = NULL;
}

/* Hostile input ------------------------------------------------------------------ */

typedef struct hostile {
    const char *what;
    int method;
    void (*build)(msgpack_packer *pk);
} hostile;

static void pk_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}
static void pk_str(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}
static void pk_outer(msgpack_packer *pk, int nfields, int bad_field)
{
    msgpack_pack_array(pk, nfields);
    msgpack_pack_int(pk, 1);                  /* id */
    msgpack_pack_array(pk, 2);                /* inner */
    msgpack_pack_int(pk, 2);
    if (bad_field)
        msgpack_pack_int(pk, 3);              /* y must be a float64 */
    else
        msgpack_pack_double(pk, 3.0);
    pk_bin(pk, "\1\2\3\4\5", 5);              /* tag */
    pk_bin(pk, "\0\0\0\0\1\0\0\0\2\0\0\0", 12); /* vals */
    if (nfields > 4)
        pk_str(pk, "nm", 2);
}

static void h_not_array(msgpack_packer *pk) { msgpack_pack_int(pk, 1); }
static void h_count(msgpack_packer *pk) { msgpack_pack_array(pk, 2); msgpack_pack_int(pk, 1); msgpack_pack_int(pk, 2); }
static void h_i1_range(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 11);
    msgpack_pack_int(pk, 300); /* I1 */
    for (int i = 0; i < 8; i++)
        msgpack_pack_int(pk, 1);
    msgpack_pack_float(pk, 1);
    msgpack_pack_double(pk, 1);
}
static void h_float_for_int(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_double(pk, 1.0); /* a */
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_double(pk, 1);
}
static void h_int_for_double(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1); /* d: double */
}
static void h_enum_range(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 11);
    for (int i = 0; i < 8; i++)
        msgpack_pack_int(pk, 1);
    msgpack_pack_float(pk, 1);
    msgpack_pack_double(pk, 1);
    msgpack_pack_int64(pk, (int64_t)1 << 33); /* enum */
}
static void h_str_not_str(msgpack_packer *pk) { msgpack_pack_array(pk, 1); pk_bin(pk, "abc", 3); }
static void h_str_nul(msgpack_packer *pk) { msgpack_pack_array(pk, 1); pk_str(pk, "a\0c", 3); }
static void h_ref_nil(msgpack_packer *pk) { msgpack_pack_array(pk, 2); msgpack_pack_int(pk, 2); msgpack_pack_nil(pk); }
static void h_bin_size(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 4);
    pk_bin(pk, "\0\0\0\0\0\0\0\0\0\0\0\0", 12); /* 3 LONGs for size_is 4 */
}
static void h_array_for_bin(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 5);
}
static void h_negative_size(msgpack_packer *pk) { msgpack_pack_array(pk, 2); msgpack_pack_int(pk, -1); pk_bin(pk, "", 0); }
static void h_absurd_out(msgpack_packer *pk) { msgpack_pack_array(pk, 1); msgpack_pack_int(pk, 1000000000); }
static void h_div_zero(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, 6);
    msgpack_pack_int(pk, 0);
    pk_bin(pk, "", 0);
}
static void h_mul_overflow(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_int64(pk, (int64_t)1 << 62);
    msgpack_pack_int64(pk, 4);
    pk_bin(pk, "", 0);
}
static void h_struct_fields(msgpack_packer *pk) { msgpack_pack_array(pk, 1); pk_outer(pk, 4, 0); }
static void h_struct_field_type(msgpack_packer *pk) { msgpack_pack_array(pk, 1); pk_outer(pk, 5, 1); }
static void h_array_longer(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 1);
    msgpack_pack_array(pk, 2); /* 2 OUTERs for size_is 1 */
    pk_outer(pk, 5, 0);
    pk_outer(pk, 5, 0);
}
static void h_bstr_str(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    pk_str(pk, "abc", 3); /* BSTR must be a bin */
    msgpack_pack_nil(pk);
}
static void h_bad_itf(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 99); /* no such object */
    msgpack_pack_array(pk, 4);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
    msgpack_pack_int(pk, 3);
    pk_bin(pk, "12345678", 8);
}
static void h_guid_data4(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 4);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
    msgpack_pack_int(pk, 3);
    pk_bin(pk, "1234567", 7); /* Data4 is 8 bytes */
}
static void h_deep_list(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    for (int i = 0; i < 25; i++) { /* msgpack-c itself stops at 32 */
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, i);
    }
    msgpack_pack_nil(pk);
}
static void h_getbytes_not_int(msgpack_packer *pk) { msgpack_pack_array(pk, 1); msgpack_pack_nil(pk); }
static void h_blob_items(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 3); /* n = 3 but two items */
    msgpack_pack_array(pk, 2);
    pk_bin(pk, "a", 1);
    pk_bin(pk, "b", 1);
}
static void h_inout_count(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 5); /* *pn = 5 */
    pk_bin(pk, "\1\2\3", 3);
}
static void h_u8_negative(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 11);
    for (int i = 0; i < 7; i++)
        msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, -1); /* U8 */
    msgpack_pack_float(pk, 1);
    msgpack_pack_double(pk, 1);
    msgpack_pack_int(pk, 0);
}

static const hostile hostiles[] = {
    {"ins is not an array", M_SUM, h_not_array},
    {"wrong number of [in] values", M_SUM, h_count},
    {"I1 out of range", M_SCALARS, h_i1_range},
    {"U8 negative", M_SCALARS, h_u8_negative},
    {"enum beyond 32 bits", M_SCALARS, h_enum_range},
    {"float for an integer", M_INOUT, h_float_for_int},
    {"integer for a double", M_INOUT, h_int_for_double},
    {"[string] sent as bin", M_STRINGS, h_str_not_str},
    {"[string] with a NUL", M_STRINGS, h_str_nul},
    {"nil for a [ref] array", M_SUM, h_ref_nil},
    {"bin size is not count*elemsize", M_SUM, h_bin_size},
    {"array where a bin is expected", M_SUM, h_array_for_bin},
    {"negative size_is", M_SUM, h_negative_size},
    {"absurd [out] size_is", M_FILL, h_absurd_out},
    {"division by zero in size_is", M_DIV, h_div_zero},
    {"overflow in size_is", M_MUL, h_mul_overflow},
    {"struct with a field missing", M_STRUCTS, h_struct_fields},
    {"struct field of the wrong type", M_STRUCTS, h_struct_field_type},
    {"array longer than size_is", M_STRUCTARR, h_array_longer},
    {"BSTR sent as str", M_BSTR, h_bstr_str},
    {"unknown interface reference", M_ITF, h_bad_itf},
    {"GUID Data4 of 7 bytes", M_GUID, h_guid_data4},
    {"nesting deeper than the cap", M_LIST, h_deep_list},
    {"nil for a by-value integer", M_GETBYTES, h_getbytes_not_int},
    {"struct array shorter than its size field", M_BLOB, h_blob_items},
    {"[in,out] bytes shorter than *pn", M_INOUTBYTES, h_inout_count},
};

START_TEST(hostile_input)
{
    const hostile *h = &hostiles[_i];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    comrt_call_frame *f = (comrt_call_frame *)0x1;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&up);
    h->build(&pk);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    HRESULT hr = comrt_params_unpack_in(&M[h->method], &up.data, &fixture_im, &f);
    char *d = comrt_error_take_description();
    ck_assert_msg(hr == RPC_E_INVALID_DATA, "%s: hr 0x%08x (%s)", h->what, (unsigned)hr, d ? d : "");
    ck_assert_ptr_null(f);
    ck_assert_msg(d && strstr(d, M[h->method].name), "%s: error information '%s'", h->what, d ? d : "(none)");
    CoTaskMemFree(d);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(variant_supported)
{
    /* VARIANT and SAFEARRAY marshal now (tests/params/test_variant_params.c
     * covers them): an EMPTY VARIANT and a NULL [out] SAFEARRAY go through. */
    char buf[24] = {0};
    void *pv = buf, *self = NULL;
    void *cargs[] = {&self, &pv};
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    comrt_call_frame *f = NULL;
    ffi_cif *cif;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(comrt_params_pack_in(&M[M_VARPTR], cargs, &fixture_im, &pk), S_OK);
    ck_assert_int_eq(comrt_params_cif(&M[M_VARVAL], &cif), S_OK);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(comrt_params_unpack_in(&M[M_VARPTR], &up.data, &fixture_im, &f), S_OK);
    comrt_call_frame_free(f);
    msgpack_sbuffer_clear(&sb);
    msgpack_pack_array(&pk, 0);
    ck_assert_int_eq(msgpack_unpack_next(&up, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    ck_assert_int_eq(comrt_params_unpack_in(&M[M_SAFEARR], &up.data, &fixture_im, &f), S_OK);
    comrt_call_frame_free(f);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("params-hostile");
    TCase *tc = tcase_create("hostile");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, hostile_input, 0, (int)(sizeof hostiles / sizeof hostiles[0]));
    tcase_add_test(tc, variant_supported);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
