/* test_safearray.c - SAFEARRAY bounds, dimensions, element ownership, locking, copy, redim. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <comrt.h>

#include "../check_main.h"
#include "counted.h"

START_TEST(vector_bounds)
{
    SAFEARRAY *sa = SafeArrayCreateVector(VT_I4, 5, 10);
    LONG lb, ub, v, ix;
    VARTYPE vt;
    ck_assert_ptr_nonnull(sa);
    ck_assert_uint_eq(SafeArrayGetDim(sa), 1);
    ck_assert_uint_eq(SafeArrayGetElemsize(sa), 4);
    ck_assert_int_eq(SafeArrayGetLBound(sa, 1, &lb), S_OK);
    ck_assert_int_eq(SafeArrayGetUBound(sa, 1, &ub), S_OK);
    ck_assert_int_eq(lb, 5);
    ck_assert_int_eq(ub, 14);
    ck_assert_int_eq(SafeArrayGetLBound(sa, 0, &lb), DISP_E_BADINDEX);
    ck_assert_int_eq(SafeArrayGetUBound(sa, 2, &ub), DISP_E_BADINDEX);
    ck_assert_int_eq(SafeArrayGetVartype(sa, &vt), S_OK);
    ck_assert_int_eq(vt, VT_I4);
    ck_assert(sa->fFeatures & FADF_HAVEVARTYPE);
    for (ix = 5; ix <= 14; ix++) {
        v = ix * 3;
        ck_assert_int_eq(SafeArrayPutElement(sa, &ix, &v), S_OK);
    }
    ix = 4;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, &v), DISP_E_BADINDEX);
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &v), DISP_E_BADINDEX);
    ix = 15;
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &v), DISP_E_BADINDEX);
    ix = 14;
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &v), S_OK);
    ck_assert_int_eq(v, 42);
    LONG *data;
    ck_assert_int_eq(SafeArrayAccessData(sa, (void **)&data), S_OK);
    ck_assert_int_eq(data[0], 15);
    ck_assert_int_eq(sa->cLocks, 1);
    ck_assert_int_eq(SafeArrayUnaccessData(sa), S_OK);
    void *p;
    ck_assert_int_eq(SafeArrayPtrOfIndex(sa, &ix, &p), S_OK);
    ck_assert_ptr_eq(p, data + 9);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
    ck_assert_int_eq(SafeArrayDestroy(NULL), S_OK);
    /* empty vector: valid, upper bound below lower */
    sa = SafeArrayCreateVector(VT_BSTR, -3, 0);
    ck_assert_ptr_nonnull(sa);
    SafeArrayGetUBound(sa, 1, &ub);
    ck_assert_int_eq(ub, -4);
    ix = -3;
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &p), DISP_E_BADINDEX);
    SafeArrayDestroy(sa);
}
END_TEST

START_TEST(three_dims_nonzero_bounds)
{
    /* COM order: dimension 1 first, and it varies fastest in memory. */
    SAFEARRAYBOUND b[3] = {{2, -1}, {3, 10}, {4, 100}};
    SAFEARRAY *sa = SafeArrayCreate(VT_I2, 3, b);
    LONG lb, ub, ix[3];
    ck_assert_ptr_nonnull(sa);
    ck_assert_uint_eq(SafeArrayGetDim(sa), 3);
    /* the descriptor stores the bounds reversed, as Windows does */
    ck_assert_int_eq(sa->rgsabound[0].lLbound, 100);
    ck_assert_int_eq(sa->rgsabound[2].lLbound, -1);
    const LONG want_lb[3] = {-1, 10, 100}, want_ub[3] = {0, 12, 103};
    for (UINT d = 1; d <= 3; d++) {
        ck_assert_int_eq(SafeArrayGetLBound(sa, d, &lb), S_OK);
        ck_assert_int_eq(SafeArrayGetUBound(sa, d, &ub), S_OK);
        ck_assert_int_eq(lb, want_lb[d - 1]);
        ck_assert_int_eq(ub, want_ub[d - 1]);
    }
    for (ix[2] = 100; ix[2] <= 103; ix[2]++)
        for (ix[1] = 10; ix[1] <= 12; ix[1]++)
            for (ix[0] = -1; ix[0] <= 0; ix[0]++) {
                SHORT v = (SHORT)(ix[0] * 1000 + ix[1] * 10 + ix[2]);
                ck_assert_int_eq(SafeArrayPutElement(sa, ix, &v), S_OK);
            }
    SHORT *data;
    ck_assert_int_eq(SafeArrayAccessData(sa, (void **)&data), S_OK);
    for (LONG k = 0; k < 4; k++)
        for (LONG j = 0; j < 3; j++)
            for (LONG i = 0; i < 2; i++)
                ck_assert_int_eq(data[i + 2 * (j + 3 * k)], (i - 1) * 1000 + (j + 10) * 10 + (k + 100));
    SafeArrayUnaccessData(sa);
    const LONG bad[][3] = {{-2, 10, 100}, {1, 10, 100}, {0, 9, 100}, {0, 13, 100}, {0, 10, 99}, {0, 10, 104}};
    for (size_t t = 0; t < sizeof bad / sizeof bad[0]; t++) {
        SHORT v = 0;
        memcpy(ix, bad[t], sizeof ix);
        ck_assert_int_eq(SafeArrayGetElement(sa, ix, &v), DISP_E_BADINDEX);
        ck_assert_int_eq(SafeArrayPutElement(sa, ix, &v), DISP_E_BADINDEX);
    }
    ix[0] = 0, ix[1] = 12, ix[2] = 103;
    SHORT v;
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &v), S_OK);
    ck_assert_int_eq(v, 0 + 120 + 103);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
}
END_TEST

START_TEST(create_rejects)
{
    SAFEARRAYBOUND b = {1, 0};
    SAFEARRAY *sa;
    ck_assert_ptr_null(SafeArrayCreate(VT_EMPTY, 1, &b));
    ck_assert_ptr_null(SafeArrayCreate(VT_RECORD, 1, &b));
    ck_assert_ptr_null(SafeArrayCreate(VT_I4, 0, &b));
    ck_assert_ptr_null(SafeArrayCreate(VT_I4, 1, NULL));
    ck_assert_int_eq(SafeArrayAllocDescriptor(0, &sa), E_INVALIDARG);
    ck_assert_int_eq(SafeArrayGetDim(NULL), 0);
    ck_assert_int_eq(SafeArrayGetElemsize(NULL), 0);
    ck_assert_int_eq(SafeArrayLock(NULL), E_INVALIDARG);
}
END_TEST

START_TEST(bstr_elements)
{
    SAFEARRAY *sa = SafeArrayCreateVector(VT_BSTR, 1, 3);
    BSTR in = SysAllocStringLen("x\0y", 3), out = NULL;
    LONG ix = 2;
    VARTYPE vt;
    ck_assert(sa->fFeatures & FADF_BSTR);
    SafeArrayGetVartype(sa, &vt);
    ck_assert_int_eq(vt, VT_BSTR);
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, in), S_OK);
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, in), S_OK); /* frees the first copy */
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &out), S_OK);
    ck_assert_ptr_ne(out, in);
    ck_assert_uint_eq(SysStringLen(out), 3);
    ck_assert(memcmp(out, "x\0y", 4) == 0);
    SysFreeString(out);
    ix = 1; /* never set: NULL */
    out = in;
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &out), S_OK);
    ck_assert_ptr_null(out);
    ix = 3;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, in), S_OK);
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, NULL), S_OK); /* frees it */
    SysFreeString(in);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK); /* frees element 2; LSan checks */
}
END_TEST

START_TEST(interface_elements)
{
    counted a, b;
    counted_init(&a, TRUE, 0);
    counted_init(&b, FALSE, 0);
    SAFEARRAY *sa = SafeArrayCreateVector(VT_UNKNOWN, 0, 2), *copy = NULL;
    IUnknown *out = NULL;
    LONG ix = 0;
    VARTYPE vt;
    GUID iid;
    SafeArrayGetVartype(sa, &vt);
    ck_assert_int_eq(vt, VT_UNKNOWN);
    ck_assert_int_eq(SafeArrayGetIID(sa, &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_IUnknown));
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, COUNTED_UNK(&a)), S_OK);
    ck_assert_int_eq(a.refs, 2);
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, COUNTED_UNK(&b)), S_OK); /* releases a */
    ck_assert_int_eq(a.refs, 1);
    ck_assert_int_eq(b.refs, 2);
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &out), S_OK);
    ck_assert_ptr_eq(out, COUNTED_UNK(&b));
    ck_assert_int_eq(b.refs, 3);
    IUnknown_Release(out);
    ix = 1;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, COUNTED_UNK(&a)), S_OK);
    ck_assert_int_eq(SafeArrayCopy(sa, &copy), S_OK);
    ck_assert_int_eq(a.refs, 3);
    ck_assert_int_eq(b.refs, 3);
    ck_assert_int_eq(SafeArrayGetIID(copy, &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_IUnknown));
    ck_assert_int_eq(SafeArrayDestroy(copy), S_OK);
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, NULL), S_OK);
    ck_assert_int_eq(a.refs, 1);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
    ck_assert_int_eq(b.refs, 1);
    /* IDispatch arrays */
    sa = SafeArrayCreateVector(VT_DISPATCH, 0, 1);
    ck_assert(sa->fFeatures & FADF_DISPATCH);
    SafeArrayGetVartype(sa, &vt);
    ck_assert_int_eq(vt, VT_DISPATCH);
    SafeArrayGetIID(sa, &iid);
    ck_assert(IsEqualIID(&iid, &IID_IDispatch));
    ix = 0;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, &a.iface), S_OK);
    ck_assert_int_eq(a.refs, 2);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
    ck_assert_int_eq(a.refs, 1);
}
END_TEST

START_TEST(variant_elements)
{
    counted obj;
    counted_init(&obj, FALSE, 0);
    SAFEARRAYBOUND b[2] = {{2, 0}, {2, 1}};
    SAFEARRAY *sa = SafeArrayCreate(VT_VARIANT, 2, b);
    VARIANT in, out;
    LONG ix[2] = {1, 2};
    ck_assert(sa->fFeatures & FADF_VARIANT);
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = SysAllocString("hello");
    ck_assert_int_eq(SafeArrayPutElement(sa, ix, &in), S_OK);
    V_VT(&out) = 0x7777; /* an [out]: garbage is not cleared */
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &out), S_OK);
    ck_assert_int_eq(V_VT(&out), VT_BSTR);
    ck_assert_ptr_ne(V_BSTR(&out), V_BSTR(&in));
    ck_assert_str_eq(V_BSTR(&out), "hello");
    VariantClear(&out);
    VariantClear(&in);
    ix[0] = 0;
    V_VT(&in) = VT_UNKNOWN;
    V_UNKNOWN(&in) = COUNTED_UNK(&obj);
    ck_assert_int_eq(SafeArrayPutElement(sa, ix, &in), S_OK);
    ck_assert_int_eq(obj.refs, 2);
    V_VT(&in) = VT_I4;
    V_I4(&in) = 9;
    ck_assert_int_eq(SafeArrayPutElement(sa, ix, &in), S_OK); /* clears the old VARIANT */
    ck_assert_int_eq(obj.refs, 1);
    V_VT(&in) = VT_UNKNOWN;
    V_UNKNOWN(&in) = COUNTED_UNK(&obj);
    ck_assert_int_eq(SafeArrayPutElement(sa, ix, &in), S_OK);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
    ck_assert_int_eq(obj.refs, 1);
}
END_TEST

START_TEST(scalar_elements)
{
    SAFEARRAY *sa = SafeArrayCreateVector(VT_R8, 0, 2);
    LONG ix = 1;
    DOUBLE d = 2.25, o = 0;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, &d), S_OK);
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &o), S_OK);
    ck_assert(o == 2.25);
    SafeArrayDestroy(sa);
    sa = SafeArrayCreateVector(VT_DECIMAL, 0, 1);
    ck_assert_uint_eq(SafeArrayGetElemsize(sa), sizeof(DECIMAL));
    DECIMAL dec = {0, 3, 0x80, 7, 9}, dout;
    ix = 0;
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, &dec), S_OK);
    ck_assert_int_eq(SafeArrayGetElement(sa, &ix, &dout), S_OK);
    ck_assert(memcmp(&dec, &dout, sizeof dec) == 0);
    SafeArrayDestroy(sa);
    const struct { VARTYPE vt; UINT size; } sizes[] = {
        {VT_I1, 1}, {VT_UI1, 1}, {VT_I2, 2}, {VT_BOOL, 2}, {VT_UI2, 2}, {VT_I4, 4}, {VT_ERROR, 4}, {VT_INT, 4},
        {VT_R4, 4}, {VT_I8, 8}, {VT_UI8, 8}, {VT_CY, 8}, {VT_DATE, 8}, {VT_VARIANT, sizeof(VARIANT)},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        VARTYPE vt;
        sa = SafeArrayCreateVector(sizes[i].vt, 0, 1);
        ck_assert_ptr_nonnull(sa);
        ck_assert_uint_eq(SafeArrayGetElemsize(sa), sizes[i].size);
        ck_assert_int_eq(SafeArrayGetVartype(sa, &vt), S_OK);
        ck_assert_int_eq(vt, sizes[i].vt);
        SafeArrayDestroy(sa);
    }
}
END_TEST

START_TEST(locking)
{
    SAFEARRAY *sa = SafeArrayCreateVector(VT_BSTR, 0, 2);
    SAFEARRAYBOUND nb = {4, 0};
    void *data;
    ck_assert_int_eq(SafeArrayUnlock(sa), E_UNEXPECTED);
    ck_assert_int_eq(SafeArrayLock(sa), S_OK);
    ck_assert_int_eq(SafeArrayAccessData(sa, &data), S_OK); /* locks nest */
    ck_assert_uint_eq(sa->cLocks, 2);
    ck_assert_int_eq(SafeArrayDestroy(sa), DISP_E_ARRAYISLOCKED);
    ck_assert_int_eq(SafeArrayDestroyData(sa), DISP_E_ARRAYISLOCKED);
    ck_assert_int_eq(SafeArrayDestroyDescriptor(sa), DISP_E_ARRAYISLOCKED);
    ck_assert_int_eq(SafeArrayRedim(sa, &nb), DISP_E_ARRAYISLOCKED);
    LONG ix = 0;
    BSTR s = SysAllocString("ok");
    ck_assert_int_eq(SafeArrayPutElement(sa, &ix, s), S_OK); /* elements may change while locked */
    SysFreeString(s);
    ck_assert_int_eq(SafeArrayUnaccessData(sa), S_OK);
    ck_assert_int_eq(SafeArrayDestroy(sa), DISP_E_ARRAYISLOCKED);
    ck_assert_int_eq(SafeArrayUnlock(sa), S_OK);
    ck_assert_int_eq(SafeArrayRedim(sa, &nb), S_OK);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
}
END_TEST

START_TEST(copy_is_deep)
{
    SAFEARRAYBOUND b[2] = {{2, 1}, {3, -1}};
    SAFEARRAY *sa = SafeArrayCreate(VT_BSTR, 2, b), *copy = NULL;
    LONG ix[2];
    char text[32];
    for (ix[0] = 1; ix[0] <= 2; ix[0]++)
        for (ix[1] = -1; ix[1] <= 1; ix[1]++) {
            snprintf(text, sizeof text, "%d,%d", (int)ix[0], (int)ix[1]);
            BSTR s = SysAllocString(text);
            SafeArrayPutElement(sa, ix, s);
            SysFreeString(s);
        }
    ck_assert_int_eq(SafeArrayCopy(sa, &copy), S_OK);
    ck_assert_ptr_ne(copy, sa);
    ck_assert_ptr_ne(copy->pvData, sa->pvData);
    ck_assert_uint_eq(SafeArrayGetDim(copy), 2);
    VARTYPE vt;
    SafeArrayGetVartype(copy, &vt);
    ck_assert_int_eq(vt, VT_BSTR);
    ck_assert(copy->fFeatures & FADF_BSTR);
    ck_assert(memcmp(copy->rgsabound, sa->rgsabound, sizeof b) == 0);
    BSTR *src, *dst;
    SafeArrayAccessData(sa, (void **)&src);
    SafeArrayAccessData(copy, (void **)&dst);
    for (int i = 0; i < 6; i++) {
        ck_assert_ptr_ne(dst[i], src[i]);
        ck_assert_str_eq(dst[i], src[i]);
    }
    SafeArrayUnaccessData(sa);
    SafeArrayUnaccessData(copy);
    /* CopyData overwrites (and frees) the target's elements */
    ck_assert_int_eq(SafeArrayCopyData(sa, copy), S_OK);
    SAFEARRAY *other = SafeArrayCreateVector(VT_BSTR, 0, 6);
    ck_assert_int_eq(SafeArrayCopyData(sa, other), E_INVALIDARG);
    SafeArrayDestroy(other);
    ck_assert_int_eq(SafeArrayDestroy(copy), S_OK);
    ck_assert_int_eq(SafeArrayCopy(NULL, &copy), S_OK);
    ck_assert_ptr_null(copy);
    SafeArrayDestroy(sa);
}
END_TEST

START_TEST(redim_last_dimension)
{
    /* 2 x 3 BSTR array; Redim changes the last dimension given (3 -> 5 -> 1). */
    SAFEARRAYBOUND b[2] = {{2, 0}, {3, 0}}, nb = {5, 0};
    SAFEARRAY *sa = SafeArrayCreate(VT_BSTR, 2, b);
    LONG ix[2], ub, lb;
    char text[32];
    for (ix[0] = 0; ix[0] < 2; ix[0]++)
        for (ix[1] = 0; ix[1] < 3; ix[1]++) {
            snprintf(text, sizeof text, "%d%d", (int)ix[0], (int)ix[1]);
            BSTR s = SysAllocString(text);
            SafeArrayPutElement(sa, ix, s);
            SysFreeString(s);
        }
    ck_assert_int_eq(SafeArrayRedim(sa, &nb), S_OK);
    SafeArrayGetUBound(sa, 2, &ub);
    ck_assert_int_eq(ub, 4);
    SafeArrayGetUBound(sa, 1, &ub);
    ck_assert_int_eq(ub, 1);
    BSTR out;
    ix[0] = 1, ix[1] = 2;
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &out), S_OK);
    ck_assert_str_eq(out, "12");
    SysFreeString(out);
    ix[1] = 4;
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &out), S_OK);
    ck_assert_ptr_null(out);
    /* shrink and move the lower bound: the dropped BSTRs are freed (LSan) */
    nb.cElements = 1;
    nb.lLbound = 7;
    ck_assert_int_eq(SafeArrayRedim(sa, &nb), S_OK);
    SafeArrayGetLBound(sa, 2, &lb);
    SafeArrayGetUBound(sa, 2, &ub);
    ck_assert_int_eq(lb, 7);
    ck_assert_int_eq(ub, 7);
    ix[0] = 1, ix[1] = 7;
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &out), S_OK);
    ck_assert_str_eq(out, "10");
    SysFreeString(out);
    ix[1] = 8;
    ck_assert_int_eq(SafeArrayGetElement(sa, ix, &out), DISP_E_BADINDEX);
    sa->fFeatures |= FADF_FIXEDSIZE;
    ck_assert_int_eq(SafeArrayRedim(sa, &nb), E_INVALIDARG);
    sa->fFeatures &= (USHORT)~FADF_FIXEDSIZE;
    ck_assert_int_eq(SafeArrayRedim(NULL, &nb), E_INVALIDARG);
    SafeArrayDestroy(sa);
}
END_TEST

START_TEST(manual_descriptor)
{
    SAFEARRAY *sa = NULL;
    VARTYPE vt;
    ck_assert_int_eq(SafeArrayAllocDescriptor(2, &sa), S_OK);
    ck_assert_int_eq(SafeArrayGetVartype(sa, &vt), E_INVALIDARG); /* none recorded */
    sa->cbElements = 4;
    sa->rgsabound[0].cElements = 3;
    sa->rgsabound[1].cElements = 2;
    ck_assert_int_eq(SafeArrayAllocData(sa), S_OK);
    ck_assert_ptr_nonnull(sa->pvData);
    LONG ix[2] = {1, 2}, v = 77;
    ck_assert_int_eq(SafeArrayPutElement(sa, ix, &v), S_OK);
    ck_assert_int_eq(SafeArrayDestroyData(sa), S_OK);
    ck_assert_ptr_null(sa->pvData);
    ck_assert_int_eq(SafeArrayDestroyDescriptor(sa), S_OK);
    ck_assert_int_eq(SafeArrayAllocDescriptorEx(VT_CY, 1, &sa), S_OK);
    ck_assert_int_eq(SafeArrayGetVartype(sa, &vt), S_OK);
    ck_assert_int_eq(vt, VT_CY);
    ck_assert_uint_eq(sa->cbElements, 8);
    ck_assert_int_eq(SafeArrayDestroy(sa), S_OK);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("safearray");
    TCase *tc = tcase_create("safearray");
    tcase_add_test(tc, vector_bounds);
    tcase_add_test(tc, three_dims_nonzero_bounds);
    tcase_add_test(tc, create_rejects);
    tcase_add_test(tc, bstr_elements);
    tcase_add_test(tc, interface_elements);
    tcase_add_test(tc, variant_elements);
    tcase_add_test(tc, scalar_elements);
    tcase_add_test(tc, locking);
    tcase_add_test(tc, copy_is_deep);
    tcase_add_test(tc, redim_last_dimension);
    tcase_add_test(tc, manual_descriptor);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
