/*
 * varconv.c - the scalar conversions behind VariantChangeType.
 *
 * Every number goes through one of two forms: an exact decimal (integers, CY,
 * DECIMAL and text) or a double (R4, R8, DATE). Exact decimals round to
 * integers, CY and DECIMAL without ever passing through a double, so I8/UI8,
 * CY and DECIMAL keep all their digits. Rounding is banker's (half to even),
 * as oleaut32's. Text is parsed and printed here or with strtod_l/uselocale
 * on a private "C" locale, so the process's LC_NUMERIC never matters.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oa_internal.h"

#define DATE_MIN (-657434.0) /* 0100-01-01 */
#define DATE_MAX 2958465.0   /* 9999-12-31 */
#define NDIG 40              /* more than the 39 digits of a 128-bit integer */
#define DECIMAL_NEG 0x80

typedef unsigned __int128 u128;
typedef __int128 i128;

/* value = (neg ? -1 : 1) * dig[0..nd) * 10^e. No leading or trailing zeros in
 * dig (nd == 0 is zero); sticky: non-zero digits beyond NDIG were dropped. */
typedef struct {
    BOOL neg;
    BOOL sticky;
    int nd;
    int e;
    char dig[NDIG];
} dec_t;

typedef struct {
    BOOL real; /* d is the value, else x */
    double d;
    dec_t x;
} num_t;

static locale_t c_locale;
static pthread_once_t c_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t get_c_locale(void)
{
    pthread_once(&c_once, c_locale_init);
    return c_locale;
}

/* snprintf of one double in the "C" locale; uselocale is per thread. */
static HRESULT fmt_double(char *buf, size_t n, const char *fmt, double d)
{
    locale_t c = get_c_locale();
    if (!c)
        return E_OUTOFMEMORY;
    locale_t old = uselocale(c);
    snprintf(buf, n, fmt, d);
    uselocale(old);
    return S_OK;
}

/* libcomrt does not link libm: round half to even and truncation by hand.
 * Doubles of magnitude 2^52 and more are already integers (NaN passes). */
static double round_even(double d)
{
    if (!(fabs(d) < 0x1p52))
        return d;
    LONGLONG i = (LONGLONG)d; /* toward zero; d - i is exact */
    double f = d - (double)i;
    if (f > 0.5 || (f == 0.5 && (i & 1)))
        i++;
    else if (f < -0.5 || (f == -0.5 && (i & 1)))
        i--;
    return (double)i;
}

static double trunc_d(double d)
{
    return fabs(d) < 0x1p52 ? (double)(LONGLONG)d : d;
}

static BOOL is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void dec_trim(dec_t *x)
{
    while (x->nd && x->dig[x->nd - 1] == '0') {
        x->nd--;
        x->e++;
    }
    if (!x->nd) {
        x->neg = FALSE;
        x->e = 0;
    }
}

static void dec_from_u128(dec_t *x, BOOL neg, u128 m, int e)
{
    char tmp[NDIG];
    int n = 0;
    memset(x, 0, sizeof *x);
    while (m) {
        tmp[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    }
    for (int i = n - 1; i >= 0; i--)
        x->dig[x->nd++] = tmp[i];
    x->neg = neg;
    x->e = e;
    dec_trim(x);
}

static void dec_from_i64(dec_t *x, LONGLONG v, int e)
{
    /* The magnitude of INT64_MIN only fits unsigned. */
    u128 m = v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;
    dec_from_u128(x, v < 0, m, e);
}

/* Invariant number text: [ws][+|-]digits[.digits][(e|E|d|D)[+|-]digits][ws]
 * ("1.", ".5" allowed). No thousands separators, currency or hex. */
static BOOL dec_parse(const char *s, size_t len, dec_t *x)
{
    const char *p = s, *end = s + len;
    BOOL any = FALSE, point = FALSE;
    long e = 0;
    memset(x, 0, sizeof *x);
    while (p < end && is_space(*p))
        p++;
    if (p < end && (*p == '+' || *p == '-'))
        x->neg = *p++ == '-';
    for (; p < end; p++) {
        if (*p >= '0' && *p <= '9') {
            any = TRUE;
            if (point)
                e--;
            if (*p == '0' && !x->nd)
                continue;
            if (x->nd < NDIG) {
                x->dig[x->nd++] = *p;
            } else {
                e++; /* dropped: the digits kept stand for 10x more */
                x->sticky |= *p != '0';
            }
        } else if (*p == '.' && !point) {
            point = TRUE;
        } else {
            break;
        }
    }
    if (!any)
        return FALSE;
    if (p < end && (*p == 'e' || *p == 'E' || *p == 'd' || *p == 'D')) {
        BOOL eneg = FALSE;
        long ev = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= end || *p < '0' || *p > '9')
            return FALSE;
        for (; p < end && *p >= '0' && *p <= '9'; p++)
            if (ev < 1000000)
                ev = ev * 10 + (*p - '0');
        e += eneg ? -ev : ev;
    }
    while (p < end && is_space(*p))
        p++;
    if (p != end)
        return FALSE;
    x->e = (int)e;
    dec_trim(x);
    return TRUE;
}

/* round(|x| * 10^shift) half to even; FALSE if it needs more than 38 digits. */
static BOOL dec_round(const dec_t *x, int shift, u128 *mag)
{
    long k = (long)x->nd + x->e + shift; /* digits before the point */
    u128 m = 0;
    if (!x->nd) {
        *mag = 0;
        return TRUE;
    }
    if (k > 38)
        return FALSE;
    for (long i = 0; i < k; i++)
        m = m * 10 + (u128)(i < x->nd ? x->dig[i] - '0' : 0);
    if (k < x->nd) {
        int rd = k >= 0 ? x->dig[k] - '0' : 0;
        BOOL sticky = x->sticky || k < 0; /* k < 0: all digits are below 0.1 */
        for (long i = k + 1; i < x->nd; i++)
            if (i >= 0 && x->dig[i] != '0')
                sticky = TRUE;
        if (rd > 5 || (rd == 5 && (sticky || (m & 1))))
            m++;
    }
    *mag = m;
    return TRUE;
}

static HRESULT dec_to_double(const dec_t *x, double *out)
{
    char buf[NDIG + 32];
    locale_t c = get_c_locale();
    if (!c)
        return E_OUTOFMEMORY;
    if (!x->nd) {
        *out = 0.0;
        return S_OK;
    }
    snprintf(buf, sizeof buf, "%s0.%.*se%ld", x->neg ? "-" : "", x->nd, x->dig, (long)x->e + x->nd);
    *out = strtod_l(buf, NULL, c);
    return S_OK;
}

/* Stores v in an integer vt after a range check. */
static HRESULT put_int(VARIANT *pd, VARTYPE vt, i128 v)
{
    switch (vt) {
    case VT_I1:
        if (v < -128 || v > 127)
            return DISP_E_OVERFLOW;
        V_I1(pd) = (CHAR)(signed char)v;
        return S_OK;
    case VT_UI1:
        if (v < 0 || v > 255)
            return DISP_E_OVERFLOW;
        V_UI1(pd) = (BYTE)v;
        return S_OK;
    case VT_I2:
        if (v < INT16_MIN || v > INT16_MAX)
            return DISP_E_OVERFLOW;
        V_I2(pd) = (SHORT)v;
        return S_OK;
    case VT_UI2:
        if (v < 0 || v > UINT16_MAX)
            return DISP_E_OVERFLOW;
        V_UI2(pd) = (USHORT)v;
        return S_OK;
    case VT_I4:
    case VT_INT:
        if (v < INT32_MIN || v > INT32_MAX)
            return DISP_E_OVERFLOW;
        V_I4(pd) = (LONG)v;
        return S_OK;
    case VT_UI4:
    case VT_UINT:
        if (v < 0 || v > UINT32_MAX)
            return DISP_E_OVERFLOW;
        V_UI4(pd) = (ULONG)v;
        return S_OK;
    case VT_I8:
        if (v < INT64_MIN || v > INT64_MAX)
            return DISP_E_OVERFLOW;
        V_I8(pd) = (LONGLONG)v;
        return S_OK;
    case VT_UI8:
        if (v < 0 || v > (i128)UINT64_MAX)
            return DISP_E_OVERFLOW;
        V_UI8(pd) = (ULONGLONG)v;
        return S_OK;
    default:
        return DISP_E_TYPEMISMATCH;
    }
}

static HRESULT num_to_int(VARIANT *pd, VARTYPE vt, const num_t *n)
{
    if (n->real) {
        if (isnan(n->d))
            return DISP_E_OVERFLOW;
        double r = round_even(n->d);
        if (fabs(r) >= 0x1p65)
            return DISP_E_OVERFLOW;
        return put_int(pd, vt, (i128)r);
    }
    u128 m;
    if (!dec_round(&n->x, 0, &m) || m > ((u128)1 << 65))
        return DISP_E_OVERFLOW;
    return put_int(pd, vt, n->x.neg ? -(i128)m : (i128)m);
}

static HRESULT num_to_double(const num_t *n, double *out)
{
    if (n->real) {
        *out = n->d;
        return S_OK;
    }
    return dec_to_double(&n->x, out);
}

static HRESULT num_to_cy(const num_t *n, CY *out)
{
    if (n->real) {
        if (isnan(n->d))
            return DISP_E_OVERFLOW;
        double r = round_even(n->d * 10000.0);
        if (r >= 0x1p63 || r < -0x1p63)
            return DISP_E_OVERFLOW;
        out->int64 = (LONGLONG)r;
        return S_OK;
    }
    u128 m;
    if (!dec_round(&n->x, 4, &m) || m > ((u128)1 << 63) || (m == ((u128)1 << 63) && !n->x.neg))
        return DISP_E_OVERFLOW;
    out->int64 = n->x.neg ? (LONGLONG)(-(i128)m) : (LONGLONG)m;
    return S_OK;
}

static HRESULT num_to_decimal(const num_t *n, DECIMAL *out)
{
    dec_t tmp;
    const dec_t *x = &n->x;
    if (n->real) {
        /* oleaut32 keeps 15 significant digits of a double. */
        char buf[64];
        if (!isfinite(n->d) || fabs(n->d) >= 0x1p96)
            return DISP_E_OVERFLOW;
        HRESULT hr = fmt_double(buf, sizeof buf, "%.14e", n->d);
        if (FAILED(hr))
            return hr;
        if (!dec_parse(buf, strlen(buf), &tmp))
            return E_UNEXPECTED;
        x = &tmp;
    }
    int s = x->e < 0 ? -x->e : 0;
    if (s > 28)
        s = 28;
    for (;; s--) {
        u128 m;
        if (dec_round(x, s, &m) && m < ((u128)1 << 96)) {
            out->scale = (BYTE)s;
            out->sign = x->neg && m ? DECIMAL_NEG : 0;
            out->Hi32 = (ULONG)(m >> 64);
            out->Lo64 = (ULONGLONG)m;
            return S_OK;
        }
        if (s == 0)
            return DISP_E_OVERFLOW;
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, long *y, unsigned *m, unsigned *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (long)yoe + era * 400 + (*m <= 2);
}

#define DATE_EPOCH_DAYS (-25569L) /* days_from_civil(1899, 12, 30) */

/* DATE -> "YYYY-MM-DD" or "YYYY-MM-DD HH:MM:SS". A negative DATE counts days
 * back from 1899-12-30 while its fraction is still the time of day. */
static HRESULT date_to_text(DATE date, char *buf, size_t n)
{
    if (!(date > DATE_MIN - 1.0 && date < DATE_MAX + 1.0))
        return DISP_E_OVERFLOW;
    double whole = trunc_d(date);
    long secs = (long)(fabs(date - whole) * 86400.0 + 0.5);
    long day = (long)whole;
    if (secs >= 86400) {
        secs -= 86400;
        day++;
    }
    long y;
    unsigned m, d;
    civil_from_days(day + DATE_EPOCH_DAYS, &y, &m, &d);
    if (secs)
        snprintf(buf, n, "%04ld-%02u-%02u %02ld:%02ld:%02ld", y, m, d, secs / 3600, secs / 60 % 60, secs % 60);
    else
        snprintf(buf, n, "%04ld-%02u-%02u", y, m, d);
    return S_OK;
}

/* Reads exactly `width` digits (width 0: one or more, at most 4). */
static BOOL read_uint(const char **pp, const char *end, int width, unsigned *out)
{
    const char *p = *pp;
    unsigned v = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9' && n < (width ? width : 4)) {
        v = v * 10 + (unsigned)(*p++ - '0');
        n++;
    }
    if (!n || (width && n != width))
        return FALSE;
    *pp = p;
    *out = v;
    return TRUE;
}

static BOOL parse_time(const char **pp, const char *end, long *secs)
{
    unsigned h, mi, s = 0;
    const char *p = *pp;
    if (!read_uint(&p, end, 0, &h) || p >= end || *p++ != ':' || !read_uint(&p, end, 2, &mi))
        return FALSE;
    if (p < end && *p == ':') {
        p++;
        if (!read_uint(&p, end, 2, &s))
            return FALSE;
    }
    if (h > 23 || mi > 59 || s > 59)
        return FALSE;
    *secs = (long)(h * 3600 + mi * 60 + s);
    *pp = p;
    return TRUE;
}

/* ISO 8601 text -> DATE: "YYYY-MM-DD", "YYYY-MM-DD[ |T]HH:MM[:SS]", "HH:MM[:SS]". */
static BOOL date_from_text(const char *s, size_t len, DATE *out)
{
    const char *p = s, *end = s + len, *save;
    unsigned y = 1899, m = 12, d = 30;
    long secs = 0, day;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    save = p;
    if (!parse_time(&p, end, &secs) || p != end) {
        p = save;
        secs = 0;
        if (!read_uint(&p, end, 4, &y) || p >= end || *p++ != '-' || !read_uint(&p, end, 2, &m) || p >= end ||
            *p++ != '-' || !read_uint(&p, end, 2, &d))
            return FALSE;
        if (p < end) {
            if (*p != ' ' && *p != 'T')
                return FALSE;
            p++;
            if (!parse_time(&p, end, &secs) || p != end)
                return FALSE;
        }
    }
    if (y < 100 || m < 1 || m > 12 || d < 1)
        return FALSE;
    long y2;
    unsigned m2, d2;
    day = days_from_civil(y, m, d) - DATE_EPOCH_DAYS;
    civil_from_days(day + DATE_EPOCH_DAYS, &y2, &m2, &d2);
    if (m2 != m || d2 != d) /* 2023-02-30 and friends */
        return FALSE;
    double frac = secs / 86400.0;
    *out = day >= 0 ? (double)day + frac : (double)day - frac;
    return TRUE;
}

static HRESULT num_from(const VARIANT *ps, num_t *n)
{
    memset(n, 0, sizeof *n);
    switch (V_VT(ps)) {
    case VT_EMPTY:
        return S_OK;
    case VT_I1:
        dec_from_i64(&n->x, (signed char)V_I1(ps), 0);
        return S_OK;
    case VT_I2:
        dec_from_i64(&n->x, V_I2(ps), 0);
        return S_OK;
    case VT_I4:
    case VT_INT:
        dec_from_i64(&n->x, V_I4(ps), 0);
        return S_OK;
    case VT_I8:
        dec_from_i64(&n->x, V_I8(ps), 0);
        return S_OK;
    case VT_UI1:
        dec_from_u128(&n->x, FALSE, V_UI1(ps), 0);
        return S_OK;
    case VT_UI2:
        dec_from_u128(&n->x, FALSE, V_UI2(ps), 0);
        return S_OK;
    case VT_UI4:
    case VT_UINT:
        dec_from_u128(&n->x, FALSE, V_UI4(ps), 0);
        return S_OK;
    case VT_UI8:
        dec_from_u128(&n->x, FALSE, V_UI8(ps), 0);
        return S_OK;
    case VT_BOOL:
        dec_from_i64(&n->x, V_BOOL(ps) ? -1 : 0, 0);
        return S_OK;
    case VT_CY:
        dec_from_i64(&n->x, V_CY(ps).int64, -4);
        return S_OK;
    case VT_DECIMAL: {
        const DECIMAL *dc = &V_DECIMAL(ps);
        if (dc->scale > 28 || (dc->sign & ~DECIMAL_NEG))
            return E_INVALIDARG;
        dec_from_u128(&n->x, dc->sign != 0, ((u128)dc->Hi32 << 64) | dc->Lo64, -(int)dc->scale);
        return S_OK;
    }
    case VT_R4:
        n->real = TRUE;
        n->d = V_R4(ps);
        return S_OK;
    case VT_R8:
        n->real = TRUE;
        n->d = V_R8(ps);
        return S_OK;
    case VT_DATE:
        n->real = TRUE;
        n->d = V_DATE(ps);
        return S_OK;
    case VT_BSTR:
        /* A NUL inside the BSTR is not a number: the byte length counts it. */
        if (!dec_parse(V_BSTR(ps) ? V_BSTR(ps) : "", SysStringByteLen(V_BSTR(ps)), &n->x))
            return DISP_E_TYPEMISMATCH;
        return S_OK;
    default:
        return DISP_E_TYPEMISMATCH;
    }
}

static BOOL num_is_zero(const num_t *n)
{
    return n->real ? n->d == 0.0 : n->x.nd == 0;
}

static HRESULT to_bstr(VARIANT *pd, const VARIANT *ps, USHORT wFlags)
{
    char buf[NDIG + 64];
    HRESULT hr = S_OK;
    switch (V_VT(ps)) {
    case VT_EMPTY:
        buf[0] = '\0';
        break;
    case VT_BOOL:
        if (wFlags & (VARIANT_ALPHABOOL | VARIANT_LOCALBOOL))
            strcpy(buf, V_BOOL(ps) ? "True" : "False");
        else
            strcpy(buf, V_BOOL(ps) ? "-1" : "0");
        break;
    case VT_R4:
        hr = fmt_double(buf, sizeof buf, "%.7G", V_R4(ps));
        break;
    case VT_R8:
        hr = fmt_double(buf, sizeof buf, "%.15G", V_R8(ps));
        break;
    case VT_DATE:
        hr = date_to_text(V_DATE(ps), buf, sizeof buf);
        break;
    default: {
        num_t n;
        hr = num_from(ps, &n);
        if (FAILED(hr))
            return hr;
        /* Exact decimal: plain digits, a '.' only when there is a fraction. */
        const dec_t *x = &n.x;
        char *o = buf;
        if (x->neg)
            *o++ = '-';
        if (!x->nd) {
            *o++ = '0';
        } else if (x->e >= 0) {
            memcpy(o, x->dig, (size_t)x->nd);
            o += x->nd;
            for (int i = 0; i < x->e; i++)
                *o++ = '0';
        } else {
            int ip = x->nd + x->e; /* digits before the point */
            if (ip <= 0) {
                *o++ = '0';
                *o++ = '.';
                for (int i = 0; i < -ip; i++)
                    *o++ = '0';
                memcpy(o, x->dig, (size_t)x->nd);
                o += x->nd;
            } else {
                memcpy(o, x->dig, (size_t)ip);
                o += ip;
                *o++ = '.';
                memcpy(o, x->dig + ip, (size_t)(x->nd - ip));
                o += x->nd - ip;
            }
        }
        *o = '\0';
    }
    }
    if (FAILED(hr))
        return hr;
    V_BSTR(pd) = SysAllocString(buf);
    return V_BSTR(pd) ? S_OK : E_OUTOFMEMORY;
}

/* ASCII-only, so no locale (Turkish dotted I) changes the answer. */
static BOOL ascii_ieq(const char *s, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i]; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        char w = word[i] >= 'A' && word[i] <= 'Z' ? (char)(word[i] + 32) : word[i];
        if (c != w)
            return FALSE;
    }
    return i == len && !word[i];
}

static HRESULT bool_from_text(const VARIANT *ps, VARIANT_BOOL *out)
{
    const char *s = V_BSTR(ps) ? V_BSTR(ps) : "";
    size_t len = SysStringByteLen(V_BSTR(ps));
    num_t n;
    if (ascii_ieq(s, len, "True")) {
        *out = VARIANT_TRUE;
        return S_OK;
    }
    if (ascii_ieq(s, len, "False")) {
        *out = VARIANT_FALSE;
        return S_OK;
    }
    HRESULT hr = num_from(ps, &n);
    if (FAILED(hr))
        return hr;
    *out = num_is_zero(&n) ? VARIANT_FALSE : VARIANT_TRUE;
    return S_OK;
}

static BOOL is_int_vt(VARTYPE vt)
{
    switch (vt) {
    case VT_I1:
    case VT_UI1:
    case VT_I2:
    case VT_UI2:
    case VT_I4:
    case VT_UI4:
    case VT_I8:
    case VT_UI8:
    case VT_INT:
    case VT_UINT:
        return TRUE;
    default:
        return FALSE;
    }
}

static size_t int_size(VARTYPE vt)
{
    switch (vt) {
    case VT_I1:
    case VT_UI1:
        return 1;
    case VT_I2:
    case VT_UI2:
        return 2;
    case VT_I8:
    case VT_UI8:
        return 8;
    default:
        return 4;
    }
}

HRESULT oa_coerce_scalar(VARIANT *pd, const VARIANT *ps, USHORT wFlags, VARTYPE vt)
{
    VARTYPE from = V_VT(ps);
    num_t n;
    HRESULT hr;
    double d;

    if (is_int_vt(vt)) {
        /* oleaut32 reinterprets between the signed and unsigned integer of
         * one size (I4 -1 -> UI4 0xFFFFFFFF), and BOOL as a sign-extended
         * integer (VARIANT_TRUE -> UI1 255). */
        if (is_int_vt(from) && int_size(from) == int_size(vt)) {
            memcpy(&pd->llVal, &ps->llVal, int_size(vt));
            return S_OK;
        }
        if (from == VT_BOOL) {
            LONGLONG b = V_BOOL(ps) ? -1 : 0;
            memcpy(&pd->llVal, &b, int_size(vt)); /* little-endian: the low bytes */
            return S_OK;
        }
    }
    switch (vt) {
    case VT_BSTR:
        return to_bstr(pd, ps, wFlags);
    case VT_BOOL:
        if (from == VT_BSTR)
            return bool_from_text(ps, &V_BOOL(pd));
        if (FAILED(hr = num_from(ps, &n)))
            return hr;
        V_BOOL(pd) = num_is_zero(&n) ? VARIANT_FALSE : VARIANT_TRUE;
        return S_OK;
    case VT_DATE:
        if (from == VT_BSTR) {
            if (!date_from_text(V_BSTR(ps) ? V_BSTR(ps) : "", SysStringByteLen(V_BSTR(ps)), &V_DATE(pd)))
                return DISP_E_TYPEMISMATCH;
            return S_OK;
        }
        if (FAILED(hr = num_from(ps, &n)) || FAILED(hr = num_to_double(&n, &d)))
            return hr;
        if (!(d > DATE_MIN - 1.0 && d < DATE_MAX + 1.0))
            return DISP_E_OVERFLOW;
        V_DATE(pd) = d;
        return S_OK;
    case VT_R4:
    case VT_R8:
        if (FAILED(hr = num_from(ps, &n)) || FAILED(hr = num_to_double(&n, &d)))
            return hr;
        if (isinf(d) && !(n.real && isinf(n.d)))
            return DISP_E_OVERFLOW; /* text too large for a double */
        if (vt == VT_R8) {
            V_R8(pd) = d;
            return S_OK;
        }
        if (fabs(d) > FLT_MAX)
            return DISP_E_OVERFLOW;
        V_R4(pd) = (FLOAT)d;
        return S_OK;
    case VT_CY:
        if (FAILED(hr = num_from(ps, &n)))
            return hr;
        return num_to_cy(&n, &V_CY(pd));
    case VT_DECIMAL: {
        DECIMAL out;
        if (from == VT_BOOL) { /* VariantChangeType gives 1, not -1 (as oleaut32) */
            memset(&out, 0, sizeof out);
            out.Lo64 = V_BOOL(ps) ? 1 : 0;
        } else {
            if (FAILED(hr = num_from(ps, &n)) || FAILED(hr = num_to_decimal(&n, &out)))
                return hr;
        }
        pd->decVal.scale = out.scale;
        pd->decVal.sign = out.sign;
        pd->decVal.Hi32 = out.Hi32;
        pd->decVal.Lo64 = out.Lo64;
        return S_OK;
    }
    default:
        if (!is_int_vt(vt))
            return DISP_E_TYPEMISMATCH;
        if (FAILED(hr = num_from(ps, &n)))
            return hr;
        return num_to_int(pd, vt, &n);
    }
}
