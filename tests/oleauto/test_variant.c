/* test_variant.c - VariantInit/Clear/Copy/CopyInd and the VariantChangeType matrix. */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>

#include "../check_main.h"
#include "counted.h"

#define OK S_OK
#define MISMATCH DISP_E_TYPEMISMATCH
#define OVF DISP_E_OVERFLOW
#define BADVT DISP_E_BADVARTYPE
#define NAN_IN (-12345.678) /* marker: the source R8 is NaN */

/* One cell: source (integers, BOOL, CY raw, ERROR in i; R4/R8/DATE in r; BSTR
 * in s), flags, destination type, and the expected HRESULT and value. */
typedef struct {
    VARTYPE from;
    LONGLONG i;
    double r;
    const char *s;
    USHORT flags;
    VARTYPE to;
    HRESULT hr;
    LONGLONG ei;
    double er;
    const char *es;
} cell;

#define I(vt, v) vt, (LONGLONG)(v), 0, NULL
#define R(vt, v) vt, 0, v, NULL
#define S(str) VT_BSTR, 0, 0, str
#define EI(vt, hr, v) vt, hr, (LONGLONG)(v), 0, NULL
#define ER(vt, hr, v) vt, hr, 0, v, NULL
#define ES(hr, str) VT_BSTR, hr, 0, 0, str
#define FAIL(vt, hr) vt, hr, 0, 0, NULL

static const cell matrix[] = {
    /* integer narrowing: range checks at both ends */
    {I(VT_I4, 127), 0, EI(VT_I1, OK, 127)},
    {I(VT_I4, 128), 0, FAIL(VT_I1, OVF)},
    {I(VT_I4, -128), 0, EI(VT_I1, OK, -128)},
    {I(VT_I4, -129), 0, FAIL(VT_I1, OVF)},
    {I(VT_I4, 255), 0, EI(VT_UI1, OK, 255)},
    {I(VT_I4, 256), 0, FAIL(VT_UI1, OVF)},
    {I(VT_I2, -1), 0, FAIL(VT_UI1, OVF)},
    {I(VT_I2, -1), 0, FAIL(VT_UI4, OVF)},
    {I(VT_I8, -1), 0, FAIL(VT_UI4, OVF)},
    {I(VT_I4, -1), 0, FAIL(VT_UI8, OVF)},
    {I(VT_I4, 32768), 0, FAIL(VT_I2, OVF)},
    {I(VT_I4, 65535), 0, EI(VT_UI2, OK, 65535)},
    {I(VT_I8, 2147483647), 0, EI(VT_I4, OK, 2147483647)},
    {I(VT_I8, 2147483648LL), 0, FAIL(VT_I4, OVF)},
    {I(VT_UI8, 4294967296ULL), 0, FAIL(VT_UI4, OVF)},
    {I(VT_UI1, 200), 0, EI(VT_I2, OK, 200)},
    {I(VT_I1, -5), 0, EI(VT_I8, OK, -5)},
    /* same-size signed/unsigned: oleaut32 reinterprets the bits */
    {I(VT_I4, -1), 0, EI(VT_UI4, OK, 0xFFFFFFFFLL)},
    {I(VT_UI4, 0xFFFFFFFFLL), 0, EI(VT_I4, OK, -1)},
    {I(VT_UI1, 200), 0, EI(VT_I1, OK, -56)},
    {I(VT_INT, -2), 0, EI(VT_UINT, OK, 0xFFFFFFFELL)},
    {I(VT_INT, 7), 0, EI(VT_I4, OK, 7)},
    {I(VT_I4, 7), 0, EI(VT_INT, OK, 7)},
    /* reals to integers: banker's rounding, overflow after rounding */
    {R(VT_R8, 2.5), 0, EI(VT_I4, OK, 2)},
    {R(VT_R8, 3.5), 0, EI(VT_I4, OK, 4)},
    {R(VT_R8, -2.5), 0, EI(VT_I4, OK, -2)},
    {R(VT_R8, 2.4999), 0, EI(VT_I4, OK, 2)},
    {R(VT_R8, 127.5), 0, FAIL(VT_I1, OVF)},
    {R(VT_R8, 127.4), 0, EI(VT_I1, OK, 127)},
    {R(VT_R8, -128.5), 0, EI(VT_I1, OK, -128)},
    {R(VT_R8, -0.4), 0, EI(VT_UI1, OK, 0)},
    {R(VT_R8, -0.6), 0, FAIL(VT_UI1, OVF)},
    {R(VT_R8, 2147483647.4), 0, EI(VT_I4, OK, 2147483647)},
    {R(VT_R8, 2147483647.5), 0, FAIL(VT_I4, OVF)},
    {R(VT_R8, 1e300), 0, FAIL(VT_I8, OVF)},
    {R(VT_R8, NAN_IN), 0, FAIL(VT_I4, OVF)},
    {R(VT_R4, 1.5), 0, EI(VT_I2, OK, 2)},
    {R(VT_R8, 1e40), 0, FAIL(VT_R4, OVF)},
    {R(VT_R8, 1.5), 0, ER(VT_R4, OK, 1.5)},
    {R(VT_R4, 0.25), 0, ER(VT_R8, OK, 0.25)},
    {I(VT_I8, 9007199254740993LL), 0, ER(VT_R8, OK, 9007199254740992.0)},
    /* numbers to text, locale independent */
    {R(VT_R8, 12.5), 0, ES(OK, "12.5")},
    {R(VT_R8, 0.1), 0, ES(OK, "0.1")},
    {R(VT_R8, -1e20), 0, ES(OK, "-1E+20")},
    {R(VT_R8, 1.0 / 3.0), 0, ES(OK, "0.333333333333333")},
    {R(VT_R4, 0.1), 0, ES(OK, "0.1")},
    {I(VT_I4, -42), 0, ES(OK, "-42")},
    {I(VT_UI8, 18446744073709551615ULL), 0, ES(OK, "18446744073709551615")},
    {I(VT_I8, INT64_MIN), 0, ES(OK, "-9223372036854775808")},
    {I(VT_I1, -128), 0, ES(OK, "-128")},
    {I(VT_CY, 125000), 0, ES(OK, "12.5")},
    {I(VT_CY, -1), 0, ES(OK, "-0.0001")},
    {I(VT_CY, 30000), 0, ES(OK, "3")},
    /* text to numbers */
    {S("12.5"), 0, ER(VT_R8, OK, 12.5)},
    {S(" 42 "), 0, EI(VT_I4, OK, 42)},
    {S("+7"), 0, EI(VT_I2, OK, 7)},
    {S("12.5"), 0, EI(VT_I4, OK, 12)},
    {S("13.5"), 0, EI(VT_I4, OK, 14)},
    {S("1e3"), 0, EI(VT_I4, OK, 1000)},
    {S(".5e1"), 0, EI(VT_UI1, OK, 5)},
    {S("abc"), 0, FAIL(VT_I4, MISMATCH)},
    {S(""), 0, FAIL(VT_I4, MISMATCH)},
    {S("12,5"), 0, FAIL(VT_R8, MISMATCH)},
    {S("1.2.3"), 0, FAIL(VT_R8, MISMATCH)},
    {S("0x10"), 0, FAIL(VT_I4, MISMATCH)},
    {S("1e"), 0, FAIL(VT_I4, MISMATCH)},
    {S("128"), 0, FAIL(VT_I1, OVF)},
    {S("-1"), 0, FAIL(VT_UI4, OVF)},
    {S("4294967295"), 0, EI(VT_UI4, OK, 4294967295LL)},
    {S("4294967296"), 0, FAIL(VT_UI4, OVF)},
    {S("9223372036854775807"), 0, EI(VT_I8, OK, INT64_MAX)},
    {S("9223372036854775808"), 0, FAIL(VT_I8, OVF)},
    {S("18446744073709551615"), 0, EI(VT_UI8, OK, -1)},
    {S("1e40"), 0, FAIL(VT_R4, OVF)},
    {S("1e400"), 0, FAIL(VT_R8, OVF)},
    {S("1e-400"), 0, ER(VT_R8, OK, 0.0)},
    {S("1.23456"), 0, EI(VT_CY, OK, 12346)},
    {S("922337203685477.5807"), 0, EI(VT_CY, OK, INT64_MAX)},
    {S("922337203685477.5808"), 0, FAIL(VT_CY, OVF)},
    /* BOOL: VARIANT_TRUE is -1 */
    {I(VT_BOOL, VARIANT_TRUE), 0, EI(VT_I2, OK, -1)},
    {I(VT_BOOL, VARIANT_TRUE), 0, EI(VT_I4, OK, -1)},
    {I(VT_BOOL, VARIANT_TRUE), 0, EI(VT_UI1, OK, 255)},
    {I(VT_BOOL, VARIANT_TRUE), 0, EI(VT_UI4, OK, 0xFFFFFFFFLL)},
    {I(VT_BOOL, VARIANT_TRUE), 0, ER(VT_R8, OK, -1.0)},
    {I(VT_BOOL, VARIANT_TRUE), 0, EI(VT_CY, OK, -10000)},
    {I(VT_BOOL, VARIANT_FALSE), 0, EI(VT_I4, OK, 0)},
    {I(VT_BOOL, VARIANT_TRUE), 0, ES(OK, "-1")},
    {I(VT_BOOL, VARIANT_FALSE), 0, ES(OK, "0")},
    {I(VT_BOOL, VARIANT_TRUE), VARIANT_ALPHABOOL, ES(OK, "True")},
    {I(VT_BOOL, VARIANT_FALSE), VARIANT_ALPHABOOL, ES(OK, "False")},
    {I(VT_I4, 5), 0, EI(VT_BOOL, OK, VARIANT_TRUE)},
    {I(VT_I4, 0), 0, EI(VT_BOOL, OK, VARIANT_FALSE)},
    {R(VT_R8, 0.5), 0, EI(VT_BOOL, OK, VARIANT_TRUE)},
    {S("True"), 0, EI(VT_BOOL, OK, VARIANT_TRUE)},
    {S("false"), 0, EI(VT_BOOL, OK, VARIANT_FALSE)},
    {S("-1"), 0, EI(VT_BOOL, OK, VARIANT_TRUE)},
    {S("0"), 0, EI(VT_BOOL, OK, VARIANT_FALSE)},
    {S("2"), 0, EI(VT_BOOL, OK, VARIANT_TRUE)},
    {S("yes"), 0, FAIL(VT_BOOL, MISMATCH)},
    /* CY */
    {I(VT_CY, 125000), 0, EI(VT_I4, OK, 12)},
    {I(VT_CY, 135000), 0, EI(VT_I4, OK, 14)},
    {I(VT_CY, 125000), 0, ER(VT_R8, OK, 12.5)},
    {R(VT_R8, 12.34567), 0, EI(VT_CY, OK, 123457)},
    {R(VT_R8, 1e16), 0, FAIL(VT_CY, OVF)},
    {I(VT_I4, 7), 0, EI(VT_CY, OK, 70000)},
    /* DATE: days since 1899-12-30; text is ISO 8601 */
    {R(VT_DATE, 0.0), 0, ES(OK, "1899-12-30")},
    {R(VT_DATE, 45000.5), 0, ES(OK, "2023-03-15 12:00:00")},
    {R(VT_DATE, -1.25), 0, ES(OK, "1899-12-29 06:00:00")},
    {R(VT_DATE, 2.0 / 86400), 0, ES(OK, "1899-12-30 00:00:02")},
    {S("2000-01-01"), 0, ER(VT_DATE, OK, 36526.0)},
    {S("2000-01-01 06:00:00"), 0, ER(VT_DATE, OK, 36526.25)},
    {S("2000-01-01T18:00"), 0, ER(VT_DATE, OK, 36526.75)},
    {S("1899-12-29 06:00"), 0, ER(VT_DATE, OK, -1.25)},
    {S("12:00:00"), 0, ER(VT_DATE, OK, 0.5)},
    {S("2023-02-30"), 0, FAIL(VT_DATE, MISMATCH)},
    {S("2023-01-01 24:00"), 0, FAIL(VT_DATE, MISMATCH)},
    {S("12.5"), 0, FAIL(VT_DATE, MISMATCH)},
    {I(VT_I4, 3000000), 0, FAIL(VT_DATE, OVF)},
    {I(VT_I4, 2), 0, ER(VT_DATE, OK, 2.0)},
    {R(VT_DATE, 36526.75), 0, EI(VT_I4, OK, 36527)},
    {R(VT_DATE, 36526.75), 0, ER(VT_R8, OK, 36526.75)},
    /* EMPTY, NULL, ERROR */
    {I(VT_EMPTY, 0), 0, EI(VT_I4, OK, 0)},
    {I(VT_EMPTY, 0), 0, ES(OK, "")},
    {I(VT_EMPTY, 0), 0, ER(VT_R8, OK, 0.0)},
    {I(VT_EMPTY, 0), 0, EI(VT_BOOL, OK, 0)},
    {I(VT_EMPTY, 0), 0, FAIL(VT_NULL, OK)},
    {I(VT_EMPTY, 0), 0, FAIL(VT_DISPATCH, MISMATCH)},
    {I(VT_NULL, 0), 0, FAIL(VT_I4, MISMATCH)},
    {I(VT_NULL, 0), 0, FAIL(VT_BSTR, MISMATCH)},
    {I(VT_NULL, 0), 0, FAIL(VT_EMPTY, MISMATCH)},
    {I(VT_NULL, 0), 0, FAIL(VT_NULL, OK)},
    {I(VT_I4, 5), 0, FAIL(VT_EMPTY, OK)},
    {I(VT_I4, 5), 0, FAIL(VT_NULL, OK)},
    {S("x"), 0, FAIL(VT_EMPTY, OK)},
    {I(VT_ERROR, DISP_E_PARAMNOTFOUND), 0, FAIL(VT_I4, MISMATCH)},
    {I(VT_ERROR, DISP_E_PARAMNOTFOUND), 0, FAIL(VT_EMPTY, MISMATCH)},
    {I(VT_ERROR, DISP_E_PARAMNOTFOUND), 0, FAIL(VT_BSTR, MISMATCH)},
    {I(VT_ERROR, DISP_E_PARAMNOTFOUND), 0, EI(VT_ERROR, OK, DISP_E_PARAMNOTFOUND)},
    {I(VT_I4, 5), 0, FAIL(VT_ERROR, MISMATCH)},
    {I(VT_I4, 5), 0, FAIL(VT_UNKNOWN, MISMATCH)},
    {S("x"), 0, FAIL(VT_DISPATCH, MISMATCH)},
    /* invalid types */
    {I(VT_I4, 5), 0, FAIL(15, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_VOID, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_HRESULT, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_VECTOR | VT_I4, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_CLSID, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_ARRAY | VT_EMPTY, BADVT)},
    {I(15, 5), 0, FAIL(VT_I4, BADVT)},
    {I(VT_LPSTR, 5), 0, FAIL(VT_I4, BADVT)},
    {I(VT_I4, 5), 0, FAIL(VT_VARIANT, MISMATCH)},
    {I(VT_I4, 5), 0, FAIL(VT_ARRAY | VT_I4, MISMATCH)},
};

static void make_src(const cell *c, VARIANT *v)
{
    VariantInit(v);
    V_VT(v) = c->from;
    switch (c->from) {
    case VT_I1: V_I1(v) = (CHAR)c->i; break;
    case VT_UI1: V_UI1(v) = (BYTE)c->i; break;
    case VT_I2: V_I2(v) = (SHORT)c->i; break;
    case VT_UI2: V_UI2(v) = (USHORT)c->i; break;
    case VT_I4: case VT_INT: V_I4(v) = (LONG)c->i; break;
    case VT_UI4: case VT_UINT: V_UI4(v) = (ULONG)c->i; break;
    case VT_I8: V_I8(v) = c->i; break;
    case VT_UI8: V_UI8(v) = (ULONGLONG)c->i; break;
    case VT_BOOL: V_BOOL(v) = (VARIANT_BOOL)c->i; break;
    case VT_ERROR: V_ERROR(v) = (SCODE)c->i; break;
    case VT_CY: V_CY(v).int64 = c->i; break;
    case VT_R4: V_R4(v) = (FLOAT)c->r; break;
    case VT_R8: V_R8(v) = c->r == NAN_IN ? NAN : c->r; break;
    case VT_DATE: V_DATE(v) = c->r; break;
    case VT_BSTR: V_BSTR(v) = SysAllocString(c->s); break;
    default: V_I8(v) = c->i; break;
    }
}

/* The destination's value as a 64-bit integer (bits for the unsigned ones). */
static LONGLONG int_of(const VARIANT *v)
{
    switch (V_VT(v)) {
    case VT_I1: return (signed char)V_I1(v);
    case VT_UI1: return V_UI1(v);
    case VT_I2: return V_I2(v);
    case VT_UI2: return V_UI2(v);
    case VT_I4: case VT_INT: return V_I4(v);
    case VT_UI4: case VT_UINT: return V_UI4(v);
    case VT_I8: return V_I8(v);
    case VT_UI8: return (LONGLONG)V_UI8(v);
    case VT_BOOL: return V_BOOL(v);
    case VT_ERROR: return V_ERROR(v);
    case VT_CY: return V_CY(v).int64;
    default: return 0x7EADBEEF;
    }
}

START_TEST(change_type_matrix)
{
    const cell *c = &matrix[_i];
    VARIANT src, dst;
    make_src(c, &src);
    VariantInit(&dst);
    HRESULT hr = VariantChangeType(&dst, &src, c->flags, c->to);
    ck_assert_msg(hr == c->hr, "cell %d (vt %d -> %d): hr 0x%08x, want 0x%08x", _i, c->from, c->to,
                  (unsigned)hr, (unsigned)c->hr);
    if (SUCCEEDED(hr)) {
        ck_assert_msg(V_VT(&dst) == c->to, "cell %d: vt %d", _i, V_VT(&dst));
        switch (c->to) {
        case VT_R4:
            ck_assert_msg(V_R4(&dst) == (FLOAT)c->er, "cell %d: %.9g", _i, V_R4(&dst));
            break;
        case VT_R8:
        case VT_DATE:
            ck_assert_msg(fabs(V_R8(&dst) - c->er) < 1e-9, "cell %d: %.17g", _i, V_R8(&dst));
            break;
        case VT_BSTR:
            ck_assert_msg(strcmp(V_BSTR(&dst), c->es) == 0, "cell %d: '%s' want '%s'", _i, V_BSTR(&dst), c->es);
            ck_assert_uint_eq(SysStringLen(V_BSTR(&dst)), strlen(c->es));
            break;
        case VT_EMPTY:
        case VT_NULL:
            break;
        default:
            ck_assert_msg(int_of(&dst) == c->ei, "cell %d: %lld want %lld", _i, (long long)int_of(&dst),
                          (long long)c->ei);
        }
    } else {
        ck_assert_int_eq(V_VT(&dst), VT_EMPTY); /* untouched */
    }
    ck_assert_int_eq(VariantClear(&dst), S_OK);
    if (V_VT(&src) == VT_BSTR)
        VariantClear(&src);
}
END_TEST

/* VariantClear / VariantCopy / VariantCopyInd -------------------------------- */

static BSTR nul_bstr(void)
{
    return SysAllocStringLen("ab\0cd", 5); /* an embedded NUL */
}

START_TEST(clear_owns_and_releases)
{
    counted obj;
    VARIANT v;
    counted_init(&obj, TRUE, 0);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = nul_bstr(); /* freed by VariantClear, or LSan complains */
    ck_assert_int_eq(VariantClear(&v), S_OK);
    ck_assert_int_eq(V_VT(&v), VT_EMPTY);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = COUNTED_UNK(&obj);
    IUnknown_AddRef(COUNTED_UNK(&obj));
    ck_assert_int_eq(VariantClear(&v), S_OK);
    ck_assert_int_eq(obj.refs, 1);
    IUnknown *punk = COUNTED_UNK(&obj);
    V_VT(&v) = VT_UNKNOWN | VT_BYREF; /* by reference: owns nothing */
    V_UNKNOWNREF(&v) = &punk;
    ck_assert_int_eq(VariantClear(&v), S_OK);
    ck_assert_int_eq(obj.refs, 1);
    V_VT(&v) = 15;
    ck_assert_int_eq(VariantClear(&v), DISP_E_BADVARTYPE);
    V_VT(&v) = VT_VECTOR | VT_I4;
    ck_assert_int_eq(VariantClear(&v), DISP_E_BADVARTYPE);
    /* arrays are destroyed, unless locked */
    V_VT(&v) = VT_ARRAY | VT_BSTR;
    V_ARRAY(&v) = SafeArrayCreateVector(VT_BSTR, 0, 2);
    LONG ix = 1;
    BSTR x = SysAllocString("x");
    ck_assert_int_eq(SafeArrayPutElement(V_ARRAY(&v), &ix, x), S_OK); /* stores a copy */
    SysFreeString(x);
    ck_assert_int_eq(SafeArrayLock(V_ARRAY(&v)), S_OK);
    ck_assert_int_eq(VariantClear(&v), DISP_E_ARRAYISLOCKED);
    ck_assert_int_eq(V_VT(&v), VT_ARRAY | VT_BSTR);
    ck_assert_int_eq(SafeArrayUnlock(V_ARRAY(&v)), S_OK);
    ck_assert_int_eq(VariantClear(&v), S_OK);
    VariantInit(&v);
    ck_assert_int_eq(V_VT(&v), VT_EMPTY);
}
END_TEST

START_TEST(copy_is_deep)
{
    counted obj;
    VARIANT a, b;
    counted_init(&obj, FALSE, 0);
    VariantInit(&b);
    V_VT(&a) = VT_BSTR;
    V_BSTR(&a) = nul_bstr();
    ck_assert_int_eq(VariantCopy(&b, &a), S_OK);
    ck_assert_ptr_ne(V_BSTR(&b), V_BSTR(&a));
    ck_assert_uint_eq(SysStringLen(V_BSTR(&b)), 5);
    ck_assert(memcmp(V_BSTR(&b), "ab\0cd", 6) == 0);
    /* copying over b frees its BSTR first */
    VariantClear(&a);
    V_VT(&a) = VT_UNKNOWN;
    V_UNKNOWN(&a) = COUNTED_UNK(&obj);
    ck_assert_int_eq(VariantCopy(&b, &a), S_OK);
    ck_assert_int_eq(obj.refs, 2);
    ck_assert_ptr_eq(V_UNKNOWN(&b), COUNTED_UNK(&obj));
    ck_assert_int_eq(VariantCopy(&b, &b), S_OK); /* onto itself: nothing */
    ck_assert_int_eq(obj.refs, 2);
    VariantClear(&b);
    ck_assert_int_eq(obj.refs, 1);
    /* arrays are copied element by element */
    LONG ix = 0;
    V_VT(&a) = VT_ARRAY | VT_UNKNOWN;
    V_ARRAY(&a) = SafeArrayCreateVector(VT_UNKNOWN, 0, 1);
    SafeArrayPutElement(V_ARRAY(&a), &ix, COUNTED_UNK(&obj));
    ck_assert_int_eq(VariantCopy(&b, &a), S_OK);
    ck_assert_ptr_ne(V_ARRAY(&b), V_ARRAY(&a));
    ck_assert_int_eq(obj.refs, 3);
    VariantClear(&a);
    VariantClear(&b);
    ck_assert_int_eq(obj.refs, 1);
    /* by reference: the pointer only */
    LONG l = 5;
    V_VT(&a) = VT_I4 | VT_BYREF;
    V_I4REF(&a) = &l;
    ck_assert_int_eq(VariantCopy(&b, &a), S_OK);
    ck_assert_ptr_eq(V_I4REF(&b), &l);
    /* invalid types */
    V_VT(&a) = VT_CLSID;
    ck_assert_int_eq(VariantCopy(&b, &a), DISP_E_BADVARTYPE);
    V_VT(&a) = VT_I4;
    V_VT(&b) = 15;
    ck_assert_int_eq(VariantCopy(&b, &a), DISP_E_BADVARTYPE);
    /* DECIMAL (its wReserved overlays vt) */
    V_DECIMAL(&a).scale = 2;
    V_DECIMAL(&a).sign = 0x80;
    V_DECIMAL(&a).Hi32 = 1;
    V_DECIMAL(&a).Lo64 = 12345;
    V_VT(&a) = VT_DECIMAL;
    VariantInit(&b);
    ck_assert_int_eq(VariantCopy(&b, &a), S_OK);
    ck_assert_int_eq(V_VT(&b), VT_DECIMAL);
    ck_assert(V_DECIMAL(&b).scale == 2 && V_DECIMAL(&b).sign == 0x80 && V_DECIMAL(&b).Hi32 == 1 &&
              V_DECIMAL(&b).Lo64 == 12345);
    ck_assert_int_eq(VariantClear(&b), S_OK);
}
END_TEST

START_TEST(copyind_dereferences)
{
    counted obj;
    VARIANT a, b, inner;
    counted_init(&obj, FALSE, 0);
    VariantInit(&b);
    DOUBLE d = 2.5;
    V_VT(&a) = VT_R8 | VT_BYREF;
    V_R8REF(&a) = &d;
    ck_assert_int_eq(VariantCopyInd(&b, &a), S_OK);
    ck_assert_int_eq(V_VT(&b), VT_R8);
    ck_assert(V_R8(&b) == 2.5);
    ck_assert_int_eq(VariantCopyInd(&a, &a), S_OK); /* in place */
    ck_assert_int_eq(V_VT(&a), VT_R8);
    BSTR s = nul_bstr();
    V_VT(&a) = VT_BSTR | VT_BYREF;
    V_BSTRREF(&a) = &s;
    ck_assert_int_eq(VariantCopyInd(&b, &a), S_OK);
    ck_assert_int_eq(V_VT(&b), VT_BSTR);
    ck_assert_ptr_ne(V_BSTR(&b), s);
    ck_assert_uint_eq(SysStringLen(V_BSTR(&b)), 5);
    SysFreeString(s);
    IUnknown *punk = COUNTED_UNK(&obj);
    V_VT(&a) = VT_UNKNOWN | VT_BYREF;
    V_UNKNOWNREF(&a) = &punk;
    ck_assert_int_eq(VariantCopyInd(&b, &a), S_OK); /* frees b's BSTR */
    ck_assert_int_eq(obj.refs, 2);
    VariantClear(&b);
    ck_assert_int_eq(obj.refs, 1);
    /* VT_BYREF|VT_VARIANT: one level */
    V_VT(&inner) = VT_I2;
    V_I2(&inner) = -7;
    V_VT(&a) = VT_VARIANT | VT_BYREF;
    V_VARIANTREF(&a) = &inner;
    ck_assert_int_eq(VariantCopyInd(&b, &a), S_OK);
    ck_assert_int_eq(V_VT(&b), VT_I2);
    ck_assert_int_eq(V_I2(&b), -7);
    VARIANT outer;
    V_VT(&outer) = VT_VARIANT | VT_BYREF;
    V_VARIANTREF(&outer) = &a;
    ck_assert_int_eq(VariantCopyInd(&b, &outer), E_INVALIDARG);
    V_VT(&a) = VT_EMPTY | VT_BYREF;
    ck_assert_int_eq(VariantCopyInd(&b, &a), E_INVALIDARG);
    /* VT_BYREF|VT_ARRAY copies the array */
    SAFEARRAY *sa = SafeArrayCreateVector(VT_I4, 1, 3);
    V_VT(&a) = VT_ARRAY | VT_I4 | VT_BYREF;
    V_ARRAYREF(&a) = &sa;
    ck_assert_int_eq(VariantCopyInd(&b, &a), S_OK);
    ck_assert_int_eq(V_VT(&b), VT_ARRAY | VT_I4);
    ck_assert_ptr_ne(V_ARRAY(&b), sa);
    VariantClear(&b);
    SafeArrayDestroy(sa);
}
END_TEST

/* VariantChangeType beyond the matrix ----------------------------------------- */

START_TEST(change_type_byref_inplace)
{
    VARIANT v, d;
    SHORT i2 = -300;
    V_VT(&v) = VT_I2 | VT_BYREF;
    V_I2REF(&v) = &i2;
    VariantInit(&d);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&d), "-300");
    /* converting into d frees d's BSTR */
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_R8), S_OK);
    ck_assert(V_R8(&d) == -300.0);
    V_I2REF(&v) = NULL;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_I4), DISP_E_TYPEMISMATCH);
    /* in place: the BSTR is freed on success, kept on failure */
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(" 42");
    ck_assert_int_eq(VariantChangeType(&v, &v, 0, VT_I4), S_OK);
    ck_assert_int_eq(V_VT(&v), VT_I4);
    ck_assert_int_eq(V_I4(&v), 42);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("abc");
    ck_assert_int_eq(VariantChangeType(&v, &v, 0, VT_I4), DISP_E_TYPEMISMATCH);
    ck_assert_int_eq(V_VT(&v), VT_BSTR);
    ck_assert_str_eq(V_BSTR(&v), "abc");
    VariantClear(&v);
    /* a NUL inside the text makes it non-numeric */
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocStringLen("12\0", 3);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_I4), DISP_E_TYPEMISMATCH);
    VariantClear(&v);
    /* the Ex form takes an LCID and converts the same way */
    V_VT(&v) = VT_R8;
    V_R8(&v) = 0.5;
    ck_assert_int_eq(VariantChangeTypeEx(&d, &v, 0x0407, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&d), "0.5");
    VariantClear(&d);
}
END_TEST

START_TEST(change_type_interfaces)
{
    counted disp, plain;
    VARIANT v, d;
    counted_init(&disp, TRUE, 42);
    counted_init(&plain, FALSE, 0);
    VariantInit(&d);
    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = COUNTED_UNK(&disp);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DISPATCH), S_OK);
    ck_assert_ptr_eq(V_DISPATCH(&d), &disp.iface);
    ck_assert_int_eq(disp.refs, 2);
    VariantClear(&d);
    ck_assert_int_eq(disp.refs, 1);
    V_UNKNOWN(&v) = COUNTED_UNK(&plain);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DISPATCH), DISP_E_TYPEMISMATCH);
    ck_assert_int_eq(plain.refs, 1);
    V_UNKNOWN(&v) = NULL;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DISPATCH), S_OK);
    ck_assert_ptr_null(V_DISPATCH(&d));
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = &disp.iface;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_UNKNOWN), S_OK);
    ck_assert_int_eq(V_VT(&d), VT_UNKNOWN);
    ck_assert_int_eq(disp.refs, 2);
    VariantClear(&d);
    /* the value property */
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_I4), S_OK);
    ck_assert_int_eq(V_I4(&d), 42);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&d), "42");
    VariantClear(&d);
    ck_assert_int_eq(VariantChangeType(&d, &v, VARIANT_NOVALUEPROP, VT_I4), DISP_E_TYPEMISMATCH);
    disp.value = 1000;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_UI1), DISP_E_OVERFLOW);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_EMPTY), S_OK);
    ck_assert_int_eq(disp.refs, 1);
    ck_assert_int_eq(plain.refs, 1);
}
END_TEST

START_TEST(change_type_decimal)
{
    VARIANT v, d;
    VariantInit(&d);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("-123.4500");
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DECIMAL), S_OK);
    ck_assert_int_eq(V_VT(&d), VT_DECIMAL);
    ck_assert_int_eq(V_DECIMAL(&d).scale, 2);
    ck_assert_int_eq(V_DECIMAL(&d).sign, 0x80);
    ck_assert(V_DECIMAL(&d).Lo64 == 12345 && V_DECIMAL(&d).Hi32 == 0);
    VariantClear(&v);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&v), "-123.45");
    VariantClear(&v);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_R8), S_OK);
    ck_assert(V_R8(&v) == -123.45);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_I4), S_OK);
    ck_assert_int_eq(V_I4(&v), -123);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_CY), S_OK);
    ck_assert(V_CY(&v).int64 == -1234500);
    /* 2^96 - 1 fits, 2^96 does not */
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("79228162514264337593543950335");
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DECIMAL), S_OK);
    ck_assert(V_DECIMAL(&d).Hi32 == 0xFFFFFFFFu && V_DECIMAL(&d).Lo64 == UINT64_MAX);
    VariantClear(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("79228162514264337593543950336");
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DECIMAL), DISP_E_OVERFLOW);
    VariantClear(&v);
    V_VT(&v) = VT_R8;
    V_R8(&v) = 0.1;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DECIMAL), S_OK);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&v), "0.1");
    VariantClear(&v);
    V_VT(&v) = VT_BOOL; /* VariantChangeType makes TRUE 1, as oleaut32 */
    V_BOOL(&v) = VARIANT_TRUE;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_DECIMAL), S_OK);
    ck_assert(V_DECIMAL(&d).Lo64 == 1 && V_DECIMAL(&d).sign == 0);
    V_DECIMAL(&d).Lo64 = 25; /* 2.5 -> 2 (half to even) */
    V_DECIMAL(&d).scale = 1;
    V_VT(&d) = VT_DECIMAL;
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_I2), S_OK);
    ck_assert_int_eq(V_I2(&v), 2);
    V_DECIMAL(&d).scale = 29;
    V_VT(&d) = VT_DECIMAL;
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_I2), E_INVALIDARG);
}
END_TEST

START_TEST(change_type_arrays)
{
    VARIANT v, d;
    VariantInit(&d);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocStringLen("a\0bc", 4);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_ARRAY | VT_UI1), S_OK);
    ck_assert_int_eq(SafeArrayGetDim(V_ARRAY(&d)), 1);
    LONG ub;
    SafeArrayGetUBound(V_ARRAY(&d), 1, &ub);
    ck_assert_int_eq(ub, 3);
    VariantClear(&v);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_BSTR), S_OK);
    ck_assert_uint_eq(SysStringLen(V_BSTR(&v)), 4);
    ck_assert(memcmp(V_BSTR(&v), "a\0bc", 4) == 0);
    VariantClear(&v);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_ARRAY | VT_UI1), S_OK);
    ck_assert_ptr_ne(V_ARRAY(&v), V_ARRAY(&d));
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_ARRAY | VT_I4), DISP_E_TYPEMISMATCH);
    ck_assert_int_eq(VariantChangeType(&v, &d, 0, VT_I4), DISP_E_TYPEMISMATCH);
    VariantClear(&v);
    VariantClear(&d);
}
END_TEST

/* Make a decimal-comma locale current: the installed de_DE, else one built
 * with localedef into the test's private directory. */
static BOOL comma_locale(void)
{
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8")) {
        char dir[256], cmd[700];
        const char *tmp = getenv("COMRT_TEST_TMP");
        snprintf(dir, sizeof dir, "%s/locale", tmp ? tmp : "/tmp");
        snprintf(cmd, sizeof cmd, "mkdir -p '%s' && localedef -i de_DE -f UTF-8 '%s/de_DE.UTF-8' >/dev/null 2>&1",
                 dir, dir);
        if (system(cmd) != 0)
            return FALSE;
        setenv("LOCPATH", dir, 1);
        if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
            return FALSE;
    }
    char buf[16];
    snprintf(buf, sizeof buf, "%.1f", 12.5);
    return strcmp(buf, "12,5") == 0;
}

START_TEST(change_type_ignores_c_locale)
{
    if (!comma_locale()) {
        fprintf(stderr, "note: no decimal-comma locale available; checked in the C locale only\n");
    }
    VARIANT v, d;
    VariantInit(&d);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("12.5");
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_R8), S_OK);
    ck_assert(V_R8(&d) == 12.5);
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_R4), S_OK);
    ck_assert(V_R4(&d) == 12.5f);
    VariantClear(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString("12,5");
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_R8), DISP_E_TYPEMISMATCH);
    VariantClear(&v);
    V_VT(&v) = VT_R8;
    V_R8(&v) = 12.5;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&d), "12.5");
    VariantClear(&d);
    V_VT(&v) = VT_R4;
    V_R4(&v) = -0.75f;
    ck_assert_int_eq(VariantChangeType(&d, &v, 0, VT_BSTR), S_OK);
    ck_assert_str_eq(V_BSTR(&d), "-0.75");
    VariantClear(&d);
    setlocale(LC_NUMERIC, "C");
}
END_TEST

static void add_more_tests(Suite *s)
{
    TCase *tc = tcase_create("lifetime");
    tcase_add_test(tc, clear_owns_and_releases);
    tcase_add_test(tc, copy_is_deep);
    tcase_add_test(tc, copyind_dereferences);
    suite_add_tcase(s, tc);
    tc = tcase_create("change_type");
    tcase_set_timeout(tc, 60); /* localedef may run */
    tcase_add_test(tc, change_type_byref_inplace);
    tcase_add_test(tc, change_type_interfaces);
    tcase_add_test(tc, change_type_decimal);
    tcase_add_test(tc, change_type_arrays);
    tcase_add_test(tc, change_type_ignores_c_locale);
    suite_add_tcase(s, tc);
}

int main(void)
{
    Suite *s = suite_create("variant");
    TCase *tc = tcase_create("matrix");
    tcase_add_loop_test(tc, change_type_matrix, 0, (int)(sizeof matrix / sizeof matrix[0]));
    suite_add_tcase(s, tc);
    add_more_tests(s);
    return comrt_run_suite(s);
}
