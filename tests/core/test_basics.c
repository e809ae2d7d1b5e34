/* test_basics.c - GUIDs, HRESULTs, task memory, BSTR, error information, CoInitialize. */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>

#include "../check_main.h"

/* GUIDs ---------------------------------------------------------------------- */

START_TEST(guid_round_trip)
{
    GUID g, back;
    char buf[CHARS_IN_GUID];
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(CoCreateGuid(&g), S_OK);
        ck_assert_int_eq(StringFromGUID2(&g, buf, sizeof buf), CHARS_IN_GUID);
        ck_assert_int_eq((int)strlen(buf), 38);
        ck_assert_int_eq(IIDFromString(buf, &back), S_OK);
        ck_assert(IsEqualGUID(&g, &back));
    }
}
END_TEST

START_TEST(guid_known_value)
{
    char buf[CHARS_IN_GUID];
    GUID g;
    StringFromGUID2(&IID_IUnknown, buf, sizeof buf);
    ck_assert_str_eq(buf, "{00000000-0000-0000-C000-000000000046}");
    StringFromGUID2(&IID_IErrorInfo, buf, sizeof buf);
    ck_assert_str_eq(buf, "{1CF2B120-547D-101B-8E65-08002B2BD119}");
    /* lower-case hex is accepted */
    ck_assert_int_eq(CLSIDFromString("{1cf2b120-547d-101b-8e65-08002b2bd119}", &g), S_OK);
    ck_assert(IsEqualGUID(&g, &IID_IErrorInfo));
    ck_assert_int_eq(g.Data1, 0x1CF2B120u);
    ck_assert_int_eq(g.Data4[7], 0x19);
}
END_TEST

START_TEST(guid_v4_bits_and_uniqueness)
{
    GUID a, b;
    ck_assert_int_eq(CoCreateGuid(&a), S_OK);
    ck_assert_int_eq(CoCreateGuid(&b), S_OK);
    ck_assert(!IsEqualGUID(&a, &b));
    ck_assert_int_eq(a.Data3 >> 12, 4);
    ck_assert_int_eq(a.Data4[0] >> 6, 2);
    ck_assert_int_eq(CoCreateGuid(NULL), E_POINTER);
}
END_TEST

static const char *const bad_guids[] = {
    "",                                          /* empty */
    "{00000000-0000-0000-C000-000000000046",     /* missing closing brace */
    "00000000-0000-0000-C000-000000000046}",     /* missing opening brace */
    "00000000-0000-0000-C000-000000000046",      /* no braces where required */
    "{00000000-0000-0000-C000-0000000000046}",   /* too long */
    "{00000000-0000-0000-C000-00000000004}",     /* too short */
    "{0000000G-0000-0000-C000-000000000046}",    /* bad hex */
    "{00000000-0000-0000-C000-00000000004 }",    /* space */
    "{00000000+0000-0000-C000-000000000046}",    /* wrong separator */
    "{000000000-000-0000-C000-000000000046}",    /* dash misplaced */
    "{00000000-0000-0000-C0000-00000000046}",    /* dash misplaced in Data4 */
    "{00000000-0000-0000-C000-000000000046}x",   /* trailing junk */
    "{{0000000-0000-0000-C000-000000000046}",    /* brace inside */
    "{-0000000-0000-0000-C000-000000000046}",    /* sign */
    "{00000000-0000-0000-C000-00000000004g}",    /* bad hex at the end */
};

START_TEST(guid_rejects_malformed)
{
    IID iid;
    const char *s = bad_guids[_i];
    memset(&iid, 0xAB, sizeof iid);
    ck_assert_msg(IIDFromString(s, &iid) == CO_E_IIDSTRING, "accepted '%s'", s);
    ck_assert(IsEqualGUID(&iid, &GUID_NULL)); /* zeroed on failure */
    char *why = comrt_error_take_description();
    ck_assert_ptr_nonnull(why);
    ck_assert_ptr_nonnull(strstr(why, s[0] ? s : "''"));
    CoTaskMemFree(why);
    /* CLSIDFromString: braced strings are GUIDs, never ProgIDs */
    if (s[0] == '{')
        ck_assert_int_eq(CLSIDFromString(s, &iid), CO_E_CLASSSTRING);
    /* with braces optional, only the well-formed bare GUID gets through */
    if (strcmp(s, "00000000-0000-0000-C000-000000000046") != 0)
        ck_assert_int_eq(comrt_guid_parse(s, 1, &iid), E_INVALIDARG);
}
END_TEST

START_TEST(guid_bare_form_and_buffers)
{
    GUID g;
    char small[38];
    ck_assert_int_eq(comrt_guid_parse("00000000-0000-0000-C000-000000000046", 1, &g), S_OK);
    ck_assert(IsEqualGUID(&g, &IID_IUnknown));
    ck_assert_int_eq(comrt_guid_parse("00000000-0000-0000-C000-000000000046", 0, &g), E_INVALIDARG);
    ck_assert_int_eq(StringFromGUID2(&g, small, sizeof small), 0); /* 39 needed */
    LPOLESTR s = NULL;
    ck_assert_int_eq(StringFromCLSID(&IID_IClassFactory, &s), S_OK);
    ck_assert_str_eq(s, "{00000001-0000-0000-C000-000000000046}");
    CoTaskMemFree(s);
    ck_assert_int_eq(IIDFromString(NULL, &g), CO_E_IIDSTRING);
}
END_TEST

/* HRESULTs --------------------------------------------------------------------- */

START_TEST(hresult_values)
{
    /* Windows' values, so logs read the same on both systems. */
    ck_assert_uint_eq((uint32_t)E_NOINTERFACE, 0x80004002u);
    ck_assert_uint_eq((uint32_t)E_OUTOFMEMORY, 0x8007000Eu);
    ck_assert_uint_eq((uint32_t)E_INVALIDARG, 0x80070057u);
    ck_assert_uint_eq((uint32_t)REGDB_E_CLASSNOTREG, 0x80040154u);
    ck_assert_uint_eq((uint32_t)CO_E_NOTINITIALIZED, 0x800401F0u);
    ck_assert_uint_eq((uint32_t)CLASS_E_NOAGGREGATION, 0x80040110u);
    ck_assert_uint_eq((uint32_t)HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), 0x80070002u);
    ck_assert(SUCCEEDED(S_FALSE) && FAILED(E_FAIL) && !FAILED(S_OK));
    ck_assert_str_eq(comrt_hresult_name(E_NOINTERFACE), "E_NOINTERFACE");
    ck_assert_str_eq(comrt_hresult_message(REGDB_E_CLASSNOTREG), "Class not registered");
    ck_assert_ptr_null(comrt_hresult_name((HRESULT)0x8FFF1234));
    ck_assert_str_eq(comrt_hresult_message((HRESULT)0x8FFF1234), "Unknown error");
}
END_TEST

/* Task memory and BSTR ---------------------------------------------------------- */

START_TEST(task_memory)
{
    void *a = CoTaskMemAlloc(0), *b = CoTaskMemAlloc(0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_ne(a, b);
    a = CoTaskMemRealloc(a, 100);
    ck_assert_ptr_nonnull(a);
    memset(a, 1, 100);
    ck_assert_ptr_null(CoTaskMemRealloc(a, 0)); /* frees */
    CoTaskMemFree(b);
    CoTaskMemFree(NULL);
}
END_TEST

START_TEST(bstr_lengths_and_nuls)
{
    BSTR b = SysAllocStringLen("a\0b\0c", 5);
    ck_assert_uint_eq(SysStringLen(b), 5);
    ck_assert_uint_eq(SysStringByteLen(b), 5);
    ck_assert_int_eq(memcmp(b, "a\0b\0c", 5), 0);
    ck_assert_int_eq(b[5], 0);
    ck_assert(SysReAllocString(&b, "hello"));
    ck_assert_str_eq(b, "hello");
    ck_assert_uint_eq(SysStringLen(b), 5);
    ck_assert(SysReAllocStringLen(&b, b + 1, 3)); /* source inside the old string */
    ck_assert_str_eq(b, "ell");
    SysFreeString(b);

    ck_assert_ptr_null(SysAllocString(NULL));
    ck_assert_uint_eq(SysStringLen(NULL), 0); /* NULL is the empty string */
    SysFreeString(NULL);
    BSTR z = SysAllocStringLen(NULL, 4);
    ck_assert_uint_eq(SysStringLen(z), 4);
    ck_assert_int_eq(z[0] | z[1] | z[2] | z[3] | z[4], 0);
    SysFreeString(z);
    BSTR e = SysAllocString("");
    ck_assert_ptr_nonnull(e);
    ck_assert_uint_eq(SysStringLen(e), 0);
    SysFreeString(e);
}
END_TEST

/* Error information ---------------------------------------------------------- */

START_TEST(error_info_slot)
{
    ICreateErrorInfo *cei;
    IErrorInfo *ei = NULL, *got = NULL;
    BSTR s = NULL;
    GUID g;

    ck_assert_int_eq(GetErrorInfo(0, &got), S_FALSE);
    ck_assert_ptr_null(got);
    ck_assert_int_eq(CreateErrorInfo(&cei), S_OK);
    ICreateErrorInfo_SetDescription(cei, "it broke");
    ICreateErrorInfo_SetSource(cei, "unit");
    ICreateErrorInfo_SetGUID(cei, &IID_IClassFactory);
    ICreateErrorInfo_SetHelpContext(cei, 42);
    ck_assert_int_eq(ICreateErrorInfo_QueryInterface(cei, &IID_IErrorInfo, (void **)&ei), S_OK);
    ICreateErrorInfo_Release(cei);
    ck_assert_int_eq(SetErrorInfo(0, ei), S_OK);
    IErrorInfo_Release(ei);

    ck_assert_int_eq(GetErrorInfo(0, &got), S_OK);
    ck_assert_int_eq(IErrorInfo_GetDescription(got, &s), S_OK);
    ck_assert_str_eq(s, "it broke");
    SysFreeString(s);
    ck_assert_int_eq(IErrorInfo_GetSource(got, &s), S_OK);
    ck_assert_str_eq(s, "unit");
    SysFreeString(s);
    IErrorInfo_GetGUID(got, &g);
    ck_assert(IsEqualGUID(&g, &IID_IClassFactory));
    DWORD ctx = 0;
    IErrorInfo_GetHelpContext(got, &ctx);
    ck_assert_uint_eq(ctx, 42);
    IErrorInfo_Release(got);
    /* GetErrorInfo cleared the slot */
    ck_assert_int_eq(GetErrorInfo(0, &got), S_FALSE);

    ck_assert_int_eq(comrt_error_set(E_ACCESSDENIED, "file %s line %d", "x.reg", 7), E_ACCESSDENIED);
    char *d = comrt_error_take_description();
    ck_assert_str_eq(d, "file x.reg line 7");
    CoTaskMemFree(d);
    ck_assert_ptr_null(comrt_error_take_description());
}
END_TEST

static void *set_error_and_exit(void *arg)
{
    (void)arg;
    comrt_error_set(E_FAIL, "left behind by an exiting thread");
    return NULL; /* the thread-exit destructor must release it (ASan checks) */
}

START_TEST(error_info_per_thread)
{
    pthread_t t;
    comrt_error_set(E_FAIL, "main thread");
    pthread_create(&t, NULL, set_error_and_exit, NULL);
    pthread_join(t, NULL);
    char *d = comrt_error_take_description();
    ck_assert_str_eq(d, "main thread");
    CoTaskMemFree(d);
}
END_TEST

/* CoInitialize --------------------------------------------------------------- */

START_TEST(init_counting)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_OK);
    ck_assert_int_eq(CoInitialize(NULL), S_FALSE);
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), RPC_E_CHANGED_MODE);
    CoUninitialize();
    CoUninitialize();
    /* fully uninitialized: a new model may be chosen */
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    CoUninitialize();
    CoUninitialize(); /* unbalanced: ignored */
    ck_assert_int_eq(CoInitializeEx((void *)1, COINIT_MULTITHREADED), E_INVALIDARG);
    ck_assert_int_eq(CoInitializeEx(NULL, 0x100), E_INVALIDARG);
}
END_TEST

static HRESULT thread_result;
static void *create_without_init(void *arg)
{
    IUnknown *p = NULL;
    (void)arg;
    thread_result = CoCreateInstance(&IID_IUnknown, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&p);
    return NULL;
}

START_TEST(uninitialized_thread_refused_unless_mta)
{
    IUnknown *p = (IUnknown *)1;
    pthread_t t;
    ck_assert_int_eq(CoCreateInstance(&IID_IUnknown, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&p),
                     CO_E_NOTINITIALIZED);
    ck_assert_ptr_null(p);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "CoInitialize"));
    CoTaskMemFree(d);

    /* An STA elsewhere does not make this thread usable... */
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED), S_OK);
    pthread_create(&t, NULL, create_without_init, NULL);
    pthread_join(t, NULL);
    ck_assert_int_eq(thread_result, CO_E_NOTINITIALIZED);
    CoUninitialize();
    /* ...but an MTA does (COM's implicit MTA): the call gets past the check. */
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    pthread_create(&t, NULL, create_without_init, NULL);
    pthread_join(t, NULL);
    ck_assert_int_eq(thread_result, REGDB_E_CLASSNOTREG);
    CoUninitialize();
}
END_TEST

static Suite *basics_suite(void)
{
    Suite *s = suite_create("basics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, guid_round_trip);
    tcase_add_test(tc, guid_known_value);
    tcase_add_test(tc, guid_v4_bits_and_uniqueness);
    tcase_add_loop_test(tc, guid_rejects_malformed, 0, (int)(sizeof bad_guids / sizeof bad_guids[0]));
    tcase_add_test(tc, guid_bare_form_and_buffers);
    tcase_add_test(tc, hresult_values);
    tcase_add_test(tc, task_memory);
    tcase_add_test(tc, bstr_lengths_and_nuls);
    tcase_add_test(tc, error_info_slot);
    tcase_add_test(tc, error_info_per_thread);
    tcase_add_test(tc, init_counting);
    tcase_add_test(tc, uninitialized_thread_refused_unless_mta);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return comrt_run_suite(basics_suite());
}

