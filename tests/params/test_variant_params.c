/*
 * test_variant_params.c - VARIANT and SAFEARRAY through the parameter
 * codec, end to end without sockets: client pack_in -> stub unpack_in ->
 * ffi_call into a real C object (VARIANTs by value included) -> stub
 * pack_out -> client unpack_out. Every VT both ways, BYREF, nested arrays,
 * multi-dimensional arrays with lower bounds, arrays of BSTR and IUnknown,
 * interface references balanced; then hostile "ins" messages, each
 * rejected with RPC_E_INVALID_DATA, no frame and nothing leaked (ASan/LSan
 * under SANITIZE=1).
 */
#include <check.h>
#include <stdio.h>

#include "comrt/oleauto.h"
#include "fixture.h"

/* The type library ------------------------------------------------------------ */

static const comrt_tl_type V_VAR = {.kind = COMRT_TL_VARIANT, .name = "VARIANT"};
PTR(V_PVAR, 0, V_VAR, .name = "");
PTR(V_VAR_N, COMRT_TL_F_CONST, V_VAR, .size_is = &X_P0);
static const comrt_tl_type V_SA_VAR = {.kind = COMRT_TL_SAFEARRAY, .elem = &V_VAR, .name = ""};
static const comrt_tl_type V_SA_I4 = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_I4, .name = ""};
static const comrt_tl_type V_SA_BSTR = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_BSTR, .name = ""};
static const comrt_tl_type V_UNK = {.kind = COMRT_TL_INTERFACE, .name = "IUnknown", .iface_name = "IUnknown",
                                    .iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}};
static const comrt_tl_type V_SA_UNK = {.kind = COMRT_TL_SAFEARRAY, .elem = &V_UNK, .name = ""};
PTR(V_PSA_VAR, 0, V_SA_VAR, .name = "");
PTR(V_PSA_I4, 0, V_SA_I4, .name = "");
PTR(V_PSA_BSTR, 0, V_SA_BSTR, .name = "");
PTR(V_PSA_UNK, 0, V_SA_UNK, .name = "");

static const comrt_tl_param v_in[] = {PRM("v", IN, V_VAR), PRM("which", IN, T_I4), PRM("ok", RETVAL, P_I4)};
static const comrt_tl_param v_out[] = {PRM("which", IN, T_I4), PRM("pv", OUT, V_PVAR)};
static const comrt_tl_param v_inout[] = {PRM("pv", IN | OUT, V_PVAR)};
static const comrt_tl_param v_arr[] = {PRM("n", IN, T_I4), PRM("arr", IN, V_VAR_N), PRM("res", OUT, V_PVAR)};
static const comrt_tl_param v_savar[] = {PRM("in", IN, V_SA_VAR), PRM("out", OUT, V_PSA_VAR)};
static const comrt_tl_param v_sai4[] = {PRM("in", IN, V_SA_I4), PRM("out", OUT, V_PSA_I4)};
static const comrt_tl_param v_sabstr[] = {PRM("in", IN, V_SA_BSTR), PRM("out", OUT, V_PSA_BSTR)};
static const comrt_tl_param v_saunk[] = {PRM("in", IN, V_SA_UNK), PRM("out", OUT, V_PSA_UNK)};
static const comrt_tl_param v_pair[] = {PRM("a", IN, V_VAR), PRM("d", IN, T_R8), PRM("b", IN, V_VAR),
                                        PRM("r", RETVAL, P_R8)};

enum { V_IN, V_OUT, V_INOUT, V_ARR, V_SAVAR, V_SAI4, V_SABSTR, V_SAUNK, V_PAIR, V_COUNT };
static const comrt_tl_method v_methods[V_COUNT] = {
    METHOD(V_IN, "VarIn", v_in),       METHOD(V_OUT, "VarOut", v_out),     METHOD(V_INOUT, "VarInOut", v_inout),
    METHOD(V_ARR, "VarArr", v_arr),    METHOD(V_SAVAR, "SaVar", v_savar),  METHOD(V_SAI4, "SaI4", v_sai4),
    METHOD(V_SABSTR, "SaBstr", v_sabstr), METHOD(V_SAUNK, "SaUnk", v_saunk), METHOD(V_PAIR, "VarPair", v_pair),
};
static const comrt_tl_interface v_ifaces[] = {
    {.name = "IVarTest", .iid = {0x7a7b7c7d, 0x1234, 0x5678, {1, 2, 3, 4, 5, 6, 7, 8}}, .parent_name = "IUnknown",
     .parent_iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .base_slots = 3, .num_slots = 3 + V_COUNT,
     .nmethods = V_COUNT, .methods = v_methods},
};
static const comrt_tl_library v_lib = {.name = "VariantTest", .libid = {0x7a7b7c7e, 1, 2, {1, 2, 3, 4, 5, 6, 7, 8}},
                                       .ver_major = 1, .ninterfaces = 1, .interfaces = v_ifaces};

static comrt_typelib *tl;
static const comrt_tl_method *M;

/* Test values -------------------------------------------------------------------- */

static IUnknown *foo(int i) /* a new reference to fixture object i (1-based) */
{
    IUnknown *p = &fixture_foos[i - 1].iface;
    IUnknown_AddRef(p);
    return p;
}

static SAFEARRAY *sa_new(VARTYPE vt, UINT dims, const LONG *counts, const LONG *lbs)
{
    SAFEARRAYBOUND b[4];
    for (UINT i = 0; i < dims; i++)
        b[i].cElements = (ULONG)counts[i], b[i].lLbound = lbs[i];
    SAFEARRAY *sa = SafeArrayCreate(vt, dims, b);
    ck_assert_ptr_nonnull(sa);
    return sa;
}

static void *sa_at(SAFEARRAY *sa, long i)
{
    return (uint8_t *)sa->pvData + i * sa->cbElements;
}

/* Case i of the VARIANTs every direction is tested with (fresh values). */
enum { NCASES = 32 };
static void make_case(int i, VARIANT *v)
{
    memset(v, 0, sizeof *v);
    switch (i) {
    case 0: v->vt = VT_EMPTY; break;
    case 1: v->vt = VT_NULL; break;
    case 2: v->vt = VT_I1; v->cVal = -5; break;
    case 3: v->vt = VT_UI1; v->bVal = 200; break;
    case 4: v->vt = VT_I2; v->iVal = -300; break;
    case 5: v->vt = VT_UI2; v->uiVal = 60000; break;
    case 6: v->vt = VT_I4; v->lVal = -700000000; break;
    case 7: v->vt = VT_UI4; v->ulVal = 4000000000u; break;
    case 8: v->vt = VT_I8; v->llVal = -((LONGLONG)1 << 60); break;
    case 9: v->vt = VT_UI8; v->ullVal = UINT64_MAX - 2; break;
    case 10: v->vt = VT_INT; v->intVal = -9; break;
    case 11: v->vt = VT_UINT; v->uintVal = 9; break;
    case 12: v->vt = VT_R4; v->fltVal = 1.5f; break;
    case 13: v->vt = VT_R8; v->dblVal = -2.25e100; break;
    case 14: v->vt = VT_BOOL; v->boolVal = VARIANT_TRUE; break;
    case 15: v->vt = VT_ERROR; v->scode = (SCODE)0x80004005; break;
    case 16: v->vt = VT_DATE; v->date = 45000.5; break;
    case 17: v->vt = VT_CY; v->cyVal.int64 = 123456789; break;
    case 18:
        v->decVal.scale = 4, v->decVal.sign = 0x80, v->decVal.Hi32 = 7, v->decVal.Lo64 = 99;
        v->vt = VT_DECIMAL; /* after: vt overlays wReserved */
        break;
    case 19: v->vt = VT_BSTR; v->bstrVal = SysAllocStringLen("he\0llo", 6); break;
    case 20: v->vt = VT_BSTR; v->bstrVal = NULL; break;
    case 21: v->vt = VT_UNKNOWN; v->punkVal = foo(1); break;
    case 22: v->vt = VT_UNKNOWN; v->punkVal = NULL; break;
    case 23: v->vt = VT_DISPATCH; v->pdispVal = (IDispatch *)foo(2); break;
    case 24: { /* 2-D with lower bounds */
        LONG c[] = {3, 4}, lb[] = {-1, 5};
        v->vt = VT_ARRAY | VT_I4;
        v->parray = sa_new(VT_I4, 2, c, lb);
        for (long k = 0; k < 12; k++)
            *(LONG *)sa_at(v->parray, k) = (LONG)(k * k - 7);
        break;
    }
    case 25: {
        LONG c[] = {3}, lb[] = {0};
        v->vt = VT_ARRAY | VT_BSTR;
        v->parray = sa_new(VT_BSTR, 1, c, lb);
        *(BSTR *)sa_at(v->parray, 0) = SysAllocString("one");
        *(BSTR *)sa_at(v->parray, 2) = SysAllocString("three");
        break;
    }
    case 26: { /* VT_ARRAY|VT_VARIANT holding VT_ARRAY|VT_VARIANT holding an interface */
        LONG c[] = {3}, lb[] = {1}, c2[] = {2}, lb2[] = {0};
        SAFEARRAY *inner = sa_new(VT_VARIANT, 1, c2, lb2);
        VARIANT *e = sa_at(inner, 0);
        e->vt = VT_R8, e->dblVal = 0.5;
        e = sa_at(inner, 1);
        e->vt = VT_UNKNOWN, e->punkVal = foo(3);
        v->vt = VT_ARRAY | VT_VARIANT;
        v->parray = sa_new(VT_VARIANT, 1, c, lb);
        e = sa_at(v->parray, 0);
        e->vt = VT_I4, e->lVal = 42;
        e = sa_at(v->parray, 1);
        e->vt = VT_BSTR, e->bstrVal = SysAllocString("nested");
        e = sa_at(v->parray, 2);
        e->vt = VT_ARRAY | VT_VARIANT, e->parray = inner;
        break;
    }
    case 27: {
        LONG c[] = {2, 1, 2}, lb[] = {0, 3, -2};
        v->vt = VT_ARRAY | VT_UNKNOWN;
        v->parray = sa_new(VT_UNKNOWN, 3, c, lb);
        *(IUnknown **)sa_at(v->parray, 0) = foo(1);
        *(IUnknown **)sa_at(v->parray, 3) = foo(4);
        break;
    }
    case 28: v->vt = VT_ARRAY | VT_R8; v->parray = NULL; break;
    case 29: {
        LONG c[] = {2}, lb[] = {0};
        v->vt = VT_ARRAY | VT_DECIMAL;
        v->parray = sa_new(VT_DECIMAL, 1, c, lb);
        ((DECIMAL *)sa_at(v->parray, 1))->Lo64 = 5;
        break;
    }
    case 30: { /* an empty dimension */
        LONG c[] = {0, 2}, lb[] = {7, 0};
        v->vt = VT_ARRAY | VT_BOOL;
        v->parray = sa_new(VT_BOOL, 2, c, lb);
        break;
    }
    case 31: v->vt = VT_ARRAY | VT_CY; {
        LONG c[] = {1}, lb[] = {0};
        v->parray = sa_new(VT_CY, 1, c, lb);
        ((CY *)sa_at(v->parray, 0))->int64 = -77;
        break;
    }
    }
}

static int eq_variant(const VARIANT *a, const VARIANT *b);

static int eq_sa(SAFEARRAY *a, SAFEARRAY *b, VARTYPE vt)
{
    if (!a || !b)
        return a == b;
    VARTYPE va, vb;
    if (SafeArrayGetVartype(a, &va) != S_OK || SafeArrayGetVartype(b, &vb) != S_OK || va != vb || va != vt ||
        a->cDims != b->cDims || a->cbElements != b->cbElements)
        return 0;
    long n = 1;
    for (UINT d = 1; d <= a->cDims; d++) {
        LONG la, lb, ua, ub;
        SafeArrayGetLBound(a, d, &la), SafeArrayGetLBound(b, d, &lb);
        SafeArrayGetUBound(a, d, &ua), SafeArrayGetUBound(b, d, &ub);
        if (la != lb || ua != ub)
            return 0;
        n *= ua - la + 1;
    }
    for (long i = 0; i < n; i++) {
        void *x = sa_at(a, i), *y = sa_at(b, i);
        if (vt == VT_VARIANT) {
            if (!eq_variant(x, y))
                return 0;
        } else if (vt == VT_BSTR) {
            BSTR s = *(BSTR *)x, t = *(BSTR *)y;
            if (SysStringByteLen(s) != SysStringByteLen(t) || (s && t && memcmp(s, t, SysStringByteLen(s))))
                return 0;
        } else if (memcmp(x, y, a->cbElements)) {
            return 0;
        }
    }
    return 1;
}

static int eq_variant(const VARIANT *a, const VARIANT *b)
{
    if (a->vt != b->vt)
        return 0;
    if (a->vt & VT_ARRAY)
        return eq_sa(a->parray, b->parray, a->vt & VT_TYPEMASK);
    switch (a->vt) {
    case VT_EMPTY: case VT_NULL: return 1;
    case VT_I1: case VT_UI1: return a->bVal == b->bVal;
    case VT_I2: case VT_UI2: case VT_BOOL: return a->iVal == b->iVal;
    case VT_R4: return a->fltVal == b->fltVal;
    case VT_I4: case VT_UI4: case VT_INT: case VT_UINT: case VT_ERROR: return a->lVal == b->lVal;
    case VT_DECIMAL: return memcmp((const uint8_t *)a + 2, (const uint8_t *)b + 2, 14) == 0;
    case VT_BSTR:
        return SysStringByteLen(a->bstrVal) == SysStringByteLen(b->bstrVal) &&
               (!a->bstrVal || !b->bstrVal || !memcmp(a->bstrVal, b->bstrVal, SysStringByteLen(a->bstrVal)));
    default: return a->llVal == b->llVal; /* I8, UI8, R8, DATE, CY, interfaces (same objects) */
    }
}

/* The object under test ------------------------------------------------------------ */

typedef struct IVarTest IVarTest;
typedef struct IVarTestVtbl {
    HRESULT (*QueryInterface)(IVarTest *, REFIID, void **);
    ULONG (*AddRef)(IVarTest *);
    ULONG (*Release)(IVarTest *);
    HRESULT (*VarIn)(IVarTest *, VARIANT, LONG, LONG *);
    HRESULT (*VarOut)(IVarTest *, LONG, VARIANT *);
    HRESULT (*VarInOut)(IVarTest *, VARIANT *);
    HRESULT (*VarArr)(IVarTest *, LONG, const VARIANT *, VARIANT *);
    HRESULT (*SaVar)(IVarTest *, SAFEARRAY *, SAFEARRAY **);
    HRESULT (*SaI4)(IVarTest *, SAFEARRAY *, SAFEARRAY **);
    HRESULT (*SaBstr)(IVarTest *, SAFEARRAY *, SAFEARRAY **);
    HRESULT (*SaUnk)(IVarTest *, SAFEARRAY *, SAFEARRAY **);
    HRESULT (*VarPair)(IVarTest *, VARIANT, double, VARIANT, double *);
} IVarTestVtbl;
struct IVarTest {
    const IVarTestVtbl *lpVtbl;
};

static HRESULT s_qi(IVarTest *This, REFIID riid, void **ppv) { (void)This; (void)riid; *ppv = NULL; return E_NOINTERFACE; }
static ULONG s_addref(IVarTest *This) { (void)This; return 2; }
static ULONG s_release(IVarTest *This) { (void)This; return 1; }

static LONG callee_long = 31; /* what a BYREF the callee returns points to */

/* which >= 100: v must be BYREF to case (which - 100)'s value. */
static HRESULT s_varin(IVarTest *This, VARIANT v, LONG which, LONG *ok)
{
    (void)This;
    VARIANT want, got = v;
    make_case(which % 100, &want);
    if (which >= 100) {
        if (!(v.vt & VT_BYREF) || !v.byref)
            return E_FAIL;
        got.vt = v.vt & ~VT_BYREF;
        if (want.vt == VT_DECIMAL)
            memcpy((uint8_t *)&got + 2, (uint8_t *)v.pdecVal + 2, 14);
        else
            memcpy(&got.llVal, v.byref, (got.vt & VT_ARRAY) || got.vt == VT_BSTR || got.vt == VT_UNKNOWN ||
                                                got.vt == VT_DISPATCH || got.vt == VT_I8 || got.vt == VT_UI8 ||
                                                got.vt == VT_R8 || got.vt == VT_DATE || got.vt == VT_CY
                                            ? 8 : got.vt == VT_I1 || got.vt == VT_UI1 ? 1
                                            : got.vt == VT_I2 || got.vt == VT_UI2 || got.vt == VT_BOOL ? 2 : 4);
    }
    *ok = eq_variant(&want, &got);
    VariantClear(&want);
    return S_OK;
}

/* which >= 100: a BYREF to callee storage (the client gets the value). */
static HRESULT s_varout(IVarTest *This, LONG which, VARIANT *pv)
{
    (void)This;
    if (which == 100) {
        pv->vt = VT_BYREF | VT_I4;
        pv->plVal = &callee_long;
        return S_OK;
    }
    make_case(which, pv);
    return S_OK;
}

static HRESULT s_varinout(IVarTest *This, VARIANT *pv)
{
    (void)This;
    switch (pv->vt) {
    case VT_BYREF | VT_I4: *pv->plVal += 10; break;
    case VT_BYREF | VT_R8: *pv->pdblVal *= 2; break;
    case VT_BYREF | VT_BSTR:
        SysFreeString(*pv->pbstrVal);
        *pv->pbstrVal = SysAllocString("XYZ");
        break;
    case VT_BYREF | VT_UNKNOWN:
        if (*pv->ppunkVal)
            IUnknown_Release(*pv->ppunkVal);
        *pv->ppunkVal = foo(2);
        break;
    case VT_BYREF | VT_VARIANT:
        VariantClear(pv->pvarVal);
        pv->pvarVal->vt = VT_BSTR;
        pv->pvarVal->bstrVal = SysAllocString("inner");
        break;
    case VT_BYREF | VT_ARRAY | VT_I4: {
        SafeArrayDestroy(*pv->pparray);
        LONG c[] = {2}, lb[] = {10};
        *pv->pparray = sa_new(VT_I4, 1, c, lb);
        *(LONG *)sa_at(*pv->pparray, 1) = 77;
        break;
    }
    case VT_BYREF | VT_DECIMAL: pv->pdecVal->Lo64 += 1; break;
    default:
        VariantClear(pv);
        pv->vt = VT_BSTR;
        pv->bstrVal = SysAllocString("changed");
        break;
    }
    return S_OK;
}

static HRESULT s_vararr(IVarTest *This, LONG n, const VARIANT *arr, VARIANT *res)
{
    (void)This;
    LONG sum = 0;
    for (LONG i = 0; i < n; i++)
        sum += arr[i].vt == VT_I4 ? arr[i].lVal : arr[i].vt == VT_BSTR ? (LONG)SysStringLen(arr[i].bstrVal) : 0;
    res->vt = VT_I4;
    res->lVal = sum;
    return S_OK;
}

static HRESULT s_copy(IVarTest *This, SAFEARRAY *in, SAFEARRAY **out)
{
    (void)This;
    if (!in) {
        *out = NULL;
        return S_OK;
    }
    return SafeArrayCopy(in, out);
}

static HRESULT s_sai4(IVarTest *This, SAFEARRAY *in, SAFEARRAY **out)
{
    HRESULT hr = s_copy(This, in, out);
    if (SUCCEEDED(hr) && *out) {
        LONG n = 1;
        for (UINT d = 1; d <= in->cDims; d++)
            n *= (LONG)in->rgsabound[d - 1].cElements;
        for (LONG i = 0; i < n; i++)
            *(LONG *)sa_at(*out, i) *= 2;
    }
    return hr;
}

static HRESULT s_varpair(IVarTest *This, VARIANT a, double d, VARIANT b, double *r)
{
    (void)This;
    /* a and b cross by value: both must arrive whole (R8 lives in the union's first eightbyte). */
    *r = (a.vt == VT_R8 ? a.dblVal : -1) + d * 2 + (b.vt == VT_I8 ? (double)b.llVal : -1) * 3;
    return S_OK;
}

static const IVarTestVtbl vt_vtbl = {s_qi, s_addref, s_release, s_varin, s_varout, s_varinout, s_vararr,
                                     s_copy, s_sai4, s_copy, s_copy, s_varpair};
static IVarTest server = {&vt_vtbl};
static IVarTest *self_ptr = &server;
#define A(...) void *cargs[] = {&self_ptr, __VA_ARGS__}

/* The round trip ------------------------------------------------------------------- */

static void setup(void)
{
    void *data = NULL;
    size_t size = 0;
    fixture_foos_init();
    ck_assert_int_eq(comrt_typelib_save(&v_lib, &data, &size), S_OK);
    ck_assert_int_eq(comrt_typelib_load_memory(data, size, "variant-test", &tl), S_OK);
    CoTaskMemFree(data);
    M = comrt_typelib_library(tl)->interfaces[0].methods;
}

static void teardown(void)
{
    for (int i = 0; i < NFOOS; i++)
        ck_assert_int_eq(atomic_load(&fixture_foos[i].refs), 1); /* AddRef/Release balance */
    comrt_typelib_unref(tl);
    tl = NULL;
}

static HRESULT roundtrip(int mi, void **cargs)
{
    const comrt_tl_method *m = &M[mi];
    msgpack_sbuffer in_sb, out_sb;
    msgpack_packer pk;
    msgpack_unpacked in_up, out_up;
    comrt_call_frame *f = NULL;
    ffi_cif *cif;
    ffi_arg rc = 0;
    HRESULT hr;
    msgpack_sbuffer_init(&in_sb);
    msgpack_sbuffer_init(&out_sb);
    msgpack_unpacked_init(&in_up);
    msgpack_unpacked_init(&out_up);
    msgpack_packer_init(&pk, &in_sb, msgpack_sbuffer_write);
    if (FAILED(hr = comrt_params_pack_in(m, cargs, &fixture_im, &pk)))
        goto out;
    ck_assert_int_eq(msgpack_unpack_next(&in_up, in_sb.data, in_sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    hr = comrt_params_unpack_in(m, &in_up.data, &fixture_im, &f);
    if (FAILED(hr)) {
        char *d = comrt_error_take_description();
        ck_abort_msg("%s: unpack_in: 0x%08x %s", m->name, (unsigned)hr, d ? d : "");
    }
    ck_assert_int_eq(comrt_params_cif(m, &cif), S_OK);
    void **args = comrt_call_frame_args(f);
    IVarTest *self = &server;
    args[0] = &self;
    ffi_call(cif, FFI_FN(((void **)(void *)server.lpVtbl)[m->slot]), &rc, args);
    hr = (HRESULT)(int32_t)rc;
    if (SUCCEEDED(hr)) {
        msgpack_packer_init(&pk, &out_sb, msgpack_sbuffer_write);
        ck_assert_int_eq(comrt_params_pack_out(m, f, &fixture_im, &pk), S_OK);
    }
    comrt_call_frame_free(f);
    if (SUCCEEDED(hr)) {
        ck_assert_int_eq(msgpack_unpack_next(&out_up, out_sb.data, out_sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
        HRESULT uhr = comrt_params_unpack_out(m, cargs, &out_up.data, &fixture_im);
        if (FAILED(uhr)) {
            char *d = comrt_error_take_description();
            fprintf(stderr, "%s: unpack_out: 0x%08x %s\n", m->name, (unsigned)uhr, d ? d : "");
            CoTaskMemFree(d);
            comrt_params_zero_out(m, cargs);
            hr = uhr;
        }
    }
out:
    msgpack_unpacked_destroy(&in_up);
    msgpack_unpacked_destroy(&out_up);
    msgpack_sbuffer_destroy(&in_sb);
    msgpack_sbuffer_destroy(&out_sb);
    return hr;
}

/* Every VT by value in (ffi_call passes the 24-byte VARIANT by value). */
START_TEST(every_vt_in)
{
    VARIANT v;
    LONG which = _i, ok = 0, *pok = &ok;
    make_case(_i, &v);
    A(&v, &which, &pok);
    ck_assert_int_eq(roundtrip(V_IN, cargs), S_OK);
    ck_assert_msg(ok == 1, "case %d arrived different", _i);
    VariantClear(&v);
}
END_TEST

START_TEST(every_vt_out)
{
    VARIANT v, want, *pv = &v;
    LONG which = _i;
    memset(&v, 0x5a, sizeof v); /* garbage: [out] storage is the caller's */
    A(&which, &pv);
    ck_assert_int_eq(roundtrip(V_OUT, cargs), S_OK);
    make_case(_i, &want);
    ck_assert_msg(eq_variant(&want, &v), "case %d came back different", _i);
    if (_i == 23)
        ck_assert(IsEqualIID(&fixture_last_iid, &IID_IDispatch));
    VariantClear(&want);
    VariantClear(&v);
}
END_TEST

/* BYREF [in]: the stub gives the callee storage holding the value. */
START_TEST(every_vt_byref_in)
{
    VARIANT v, val;
    LONG which = 100 + _i, ok = 0, *pok = &ok;
    if (_i < 2)
        return; /* VT_EMPTY/VT_NULL have no BYREF form */
    make_case(_i, &val);
    v.vt = val.vt | VT_BYREF;
    v.byref = val.vt == VT_DECIMAL ? (void *)&val : (void *)&val.llVal;
    A(&v, &which, &pok);
    ck_assert_int_eq(roundtrip(V_IN, cargs), S_OK);
    ck_assert_msg(ok == 1, "case %d arrived different by reference", _i);
    VariantClear(&val);
}
END_TEST

START_TEST(byref_inout)
{
    VARIANT v, *pv = &v;
    A(&pv);
    /* The reply is written through the caller's own references. */
    LONG x = 5;
    v.vt = VT_BYREF | VT_I4, v.plVal = &x;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.vt == (VT_BYREF | VT_I4) && v.plVal == &x && x == 15);
    double d = 1.25;
    v.vt = VT_BYREF | VT_R8, v.pdblVal = &d;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.pdblVal == &d && d == 2.5);
    BSTR b = SysAllocString("abc");
    v.vt = VT_BYREF | VT_BSTR, v.pbstrVal = &b;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.pbstrVal == &b && strcmp(b, "XYZ") == 0);
    SysFreeString(b);
    IUnknown *u = foo(1);
    v.vt = VT_BYREF | VT_UNKNOWN, v.ppunkVal = &u;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.ppunkVal == &u && u == &fixture_foos[1].iface);
    IUnknown_Release(u);
    VARIANT inner;
    inner.vt = VT_I4, inner.lVal = 3;
    v.vt = VT_BYREF | VT_VARIANT, v.pvarVal = &inner;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.pvarVal == &inner && inner.vt == VT_BSTR && strcmp(inner.bstrVal, "inner") == 0);
    VariantClear(&inner);
    LONG c[] = {3}, lb[] = {0};
    SAFEARRAY *sa = sa_new(VT_I4, 1, c, lb);
    v.vt = VT_BYREF | VT_ARRAY | VT_I4, v.pparray = &sa;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.pparray == &sa && sa->rgsabound[0].lLbound == 10 && *(LONG *)sa_at(sa, 1) == 77);
    SafeArrayDestroy(sa);
    DECIMAL dec = {0, 2, 0, 1, 41};
    v.vt = VT_BYREF | VT_DECIMAL, v.pdecVal = &dec;
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(dec.Lo64 == 42 && dec.scale == 2 && dec.Hi32 == 1);
    /* By value [in,out]: replaced, the old value freed. */
    v.vt = VT_UNKNOWN, v.punkVal = foo(3);
    ck_assert_int_eq(roundtrip(V_INOUT, cargs), S_OK);
    ck_assert(v.vt == VT_BSTR && strcmp(v.bstrVal, "changed") == 0);
    VariantClear(&v);
}
END_TEST

START_TEST(byref_out_is_dereferenced)
{
    VARIANT v, *pv = &v;
    LONG which = 100;
    A(&which, &pv);
    ck_assert_int_eq(roundtrip(V_OUT, cargs), S_OK);
    ck_assert(v.vt == VT_I4 && v.lVal == 31); /* the client has no storage to point to */
}
END_TEST

START_TEST(variant_arrays)
{
    VARIANT arr[4], res, *pres = &res;
    const VARIANT *parr = arr;
    LONG n = 4;
    make_case(6, &arr[0]);  /* I4 -700000000 */
    make_case(19, &arr[1]); /* BSTR of 6 */
    make_case(26, &arr[2]); /* nested arrays */
    make_case(21, &arr[3]); /* an interface */
    A(&n, &parr, &pres);
    ck_assert_int_eq(roundtrip(V_ARR, cargs), S_OK);
    ck_assert(res.vt == VT_I4 && res.lVal == -700000000 + 6);
    for (int i = 0; i < 4; i++)
        VariantClear(&arr[i]);
    /* SAFEARRAY(VARIANT) both ways, nested three deep. */
    VARIANT nest;
    make_case(26, &nest);
    SAFEARRAY *out = (SAFEARRAY *)0x1, **pout = &out;
    void *c2[] = {&self_ptr, &nest.parray, &pout};
    ck_assert_int_eq(roundtrip(V_SAVAR, c2), S_OK);
    ck_assert(eq_sa(nest.parray, out, VT_VARIANT));
    SafeArrayDestroy(out);
    VariantClear(&nest);
}
END_TEST

START_TEST(safearrays)
{
    /* 2-D LONG with lower bounds; the callee doubles every element. */
    LONG c[] = {3, 2}, lb[] = {-2, 100};
    SAFEARRAY *in = sa_new(VT_I4, 2, c, lb), *out = NULL, **pout = &out;
    for (long k = 0; k < 6; k++)
        *(LONG *)sa_at(in, k) = (LONG)(k + 1);
    A(&in, &pout);
    ck_assert_int_eq(roundtrip(V_SAI4, cargs), S_OK);
    LONG l, u;
    ck_assert(out && out->cDims == 2);
    SafeArrayGetLBound(out, 1, &l), SafeArrayGetUBound(out, 1, &u);
    ck_assert(l == -2 && u == 0);
    SafeArrayGetLBound(out, 2, &l), SafeArrayGetUBound(out, 2, &u);
    ck_assert(l == 100 && u == 101);
    LONG idx[2] = {0, 101}, val = 0;
    ck_assert_int_eq(SafeArrayGetElement(out, idx, &val), S_OK);
    ck_assert_int_eq(val, 2 * 6); /* (0 - -2) + 3 * (101 - 100) = element 5 */
    SafeArrayDestroy(out);
    SafeArrayDestroy(in);
    /* NULL both ways. */
    in = NULL;
    out = (SAFEARRAY *)0x1;
    ck_assert_int_eq(roundtrip(V_SAI4, cargs), S_OK);
    ck_assert_ptr_null(out);
    /* BSTR */
    VARIANT b;
    make_case(25, &b);
    void *c2[] = {&self_ptr, &b.parray, &pout};
    ck_assert_int_eq(roundtrip(V_SABSTR, c2), S_OK);
    ck_assert(eq_sa(b.parray, out, VT_BSTR));
    SafeArrayDestroy(out);
    VariantClear(&b);
    /* IUnknown, 3-D */
    VARIANT un;
    make_case(27, &un);
    void *c3[] = {&self_ptr, &un.parray, &pout};
    ck_assert_int_eq(roundtrip(V_SAUNK, c3), S_OK);
    ck_assert(eq_sa(un.parray, out, VT_UNKNOWN));
    ck_assert_int_eq(atomic_load(&fixture_foos[0].refs), 3); /* caller's array, returned copy, the fixture */
    SafeArrayDestroy(out);
    VariantClear(&un);
}
END_TEST

START_TEST(by_value_pair)
{
    VARIANT a = {0}, b = {0};
    a.vt = VT_R8, a.dblVal = 1.5;
    b.vt = VT_I8, b.llVal = 1000;
    double d = 0.25, r = 0, *pr = &r;
    A(&a, &d, &b, &pr);
    ck_assert_int_eq(roundtrip(V_PAIR, cargs), S_OK);
    ck_assert(r == 1.5 + 0.5 + 3000);
    /* The cif itself, against a direct call of the same function. */
    ffi_cif *cif;
    ffi_arg rc;
    IVarTest *self = &server;
    void *args[] = {&self, &a, &d, &b, &pr};
    ck_assert_int_eq(comrt_params_cif(&M[V_PAIR], &cif), S_OK);
    ck_assert_int_eq(cif->arg_types[1]->size, 24);
    ck_assert_int_eq(cif->arg_types[1]->alignment, 8);
    r = 0;
    ffi_call(cif, FFI_FN(s_varpair), &rc, args);
    double direct;
    s_varpair(&server, a, d, b, &direct);
    ck_assert(r == direct);
}
END_TEST

START_TEST(client_errors)
{
    VARIANT v = {0};
    LONG which = 0, ok, *pok = &ok;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    A(&v, &which, &pok);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    static const VARTYPE bad[] = {VT_BYREF | VT_I4 /* NULL reference */, VT_VECTOR | VT_I4, VT_RECORD, VT_VARIANT,
                                  VT_BYREF | VT_EMPTY, VT_ILLEGAL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v.vt = bad[i];
        v.byref = NULL;
        msgpack_sbuffer_clear(&sb);
        ck_assert_int_eq(comrt_params_pack_in(&M[V_IN], cargs, &fixture_im, &pk), E_INVALIDARG);
        CoTaskMemFree(comrt_error_take_description());
    }
    /* A SAFEARRAY of BSTR where SAFEARRAY(LONG) is declared. */
    VARIANT b;
    make_case(25, &b);
    SAFEARRAY *out = NULL, **pout = &out;
    void *c2[] = {&self_ptr, &b.parray, &pout};
    ck_assert_int_eq(comrt_params_pack_in(&M[V_SAI4], c2, &fixture_im, &pk), E_INVALIDARG);
    CoTaskMemFree(comrt_error_take_description());
    VariantClear(&b);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

/* Hostile input ------------------------------------------------------------------- */

static void pk_bin(msgpack_packer *pk, const void *p, size_t n)
{
    msgpack_pack_bin(pk, n);
    msgpack_pack_bin_body(pk, p, n);
}
/* ins of VarIn: [v, which] with v = [vt, ...] opened by the caller. */
static void vin(msgpack_packer *pk, unsigned vt)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint32(pk, vt);
}
static void end_which(msgpack_packer *pk) { msgpack_pack_int(pk, 0); }
/* A one-dimensional SAFEARRAY header: [vt, [[n, 0]], ...data follows. */
static void sa1(msgpack_packer *pk, unsigned vt, uint64_t n)
{
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint32(pk, vt);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 2);
    msgpack_pack_uint64(pk, n);
    msgpack_pack_int(pk, 0);
}

static void h_vector(msgpack_packer *pk) { vin(pk, VT_VECTOR | VT_I4); msgpack_pack_int(pk, 1); end_which(pk); }
static void h_reserved(msgpack_packer *pk) { vin(pk, VT_RESERVED | VT_I4); msgpack_pack_int(pk, 1); end_which(pk); }
static void h_record(msgpack_packer *pk) { vin(pk, VT_RECORD); msgpack_pack_nil(pk); end_which(pk); }
static void h_vt_big(msgpack_packer *pk) { vin(pk, 0x10000); msgpack_pack_nil(pk); end_which(pk); }
static void h_not_array(msgpack_packer *pk) { msgpack_pack_array(pk, 2); msgpack_pack_int(pk, 3); end_which(pk); }
static void h_three(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_I4);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 1);
    end_which(pk);
}
static void h_vt_str(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_str(pk, 1);
    msgpack_pack_str_body(pk, "3", 1);
    msgpack_pack_int(pk, 1);
    end_which(pk);
}
static void h_i1_range(msgpack_packer *pk) { vin(pk, VT_I1); msgpack_pack_int(pk, 300); end_which(pk); }
static void h_empty_value(msgpack_packer *pk) { vin(pk, VT_EMPTY); msgpack_pack_int(pk, 0); end_which(pk); }
static void h_variant_byval(msgpack_packer *pk) { vin(pk, VT_VARIANT); msgpack_pack_nil(pk); end_which(pk); }
static void h_byref_empty(msgpack_packer *pk) { vin(pk, VT_BYREF | VT_EMPTY); msgpack_pack_nil(pk); end_which(pk); }
static void h_double_byref(msgpack_packer *pk)
{
    vin(pk, VT_BYREF | VT_VARIANT);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, VT_BYREF | VT_I4);
    msgpack_pack_int(pk, 1);
    end_which(pk);
}
static void h_decimal_short(msgpack_packer *pk) { vin(pk, VT_DECIMAL); pk_bin(pk, "0123456789abcde", 15); end_which(pk); }
static void h_r8_as_int(msgpack_packer *pk) { vin(pk, VT_R8); msgpack_pack_int(pk, 1); end_which(pk); }
static void h_sa_dims0(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_I4);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_I4);
    msgpack_pack_array(pk, 0);
    pk_bin(pk, "", 0);
    end_which(pk);
}
static void h_sa_dims33(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_I4);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_I4);
    msgpack_pack_array(pk, 33);
    for (int i = 0; i < 33; i++) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        msgpack_pack_int(pk, 0);
    }
    pk_bin(pk, "\0\0\0\0", 4);
    end_which(pk);
}
static void h_sa_overflow(msgpack_packer *pk)
{
    /* 2^32-1 ^ 3 elements: the product overflows long before the cap. */
    vin(pk, VT_ARRAY | VT_UI1);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_UI1);
    msgpack_pack_array(pk, 3);
    for (int i = 0; i < 3; i++) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_uint32(pk, UINT32_MAX);
        msgpack_pack_int(pk, 0);
    }
    pk_bin(pk, "", 0);
    end_which(pk);
}
static void h_sa_cap(msgpack_packer *pk) { vin(pk, VT_ARRAY | VT_R8); sa1(pk, VT_R8, (uint64_t)1 << 30); pk_bin(pk, "", 0); end_which(pk); }
static void h_sa_bin_size(msgpack_packer *pk) { vin(pk, VT_ARRAY | VT_I4); sa1(pk, VT_I4, 3); pk_bin(pk, "12345678901", 11); end_which(pk); }
static void h_sa_vt_mismatch(msgpack_packer *pk) { vin(pk, VT_ARRAY | VT_I4); sa1(pk, VT_R4, 1); pk_bin(pk, "1234", 4); end_which(pk); }
static void h_sa_vt_empty(msgpack_packer *pk) { vin(pk, VT_ARRAY | VT_EMPTY); sa1(pk, VT_EMPTY, 0); msgpack_pack_array(pk, 0); end_which(pk); }
static void h_sa_lbound(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_UI1);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_UI1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 2);
    msgpack_pack_int(pk, INT32_MAX); /* the last index would be 2^31 */
    pk_bin(pk, "ab", 2);
    end_which(pk);
}
static void h_sa_count(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_VARIANT);
    sa1(pk, VT_VARIANT, 3);
    msgpack_pack_array(pk, 2);
    for (int i = 0; i < 2; i++) {
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, VT_EMPTY);
        msgpack_pack_nil(pk);
    }
    end_which(pk);
}
static void h_sa_byref_elem(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_VARIANT);
    sa1(pk, VT_VARIANT, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, VT_BSTR);
    pk_bin(pk, "ok", 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, VT_BYREF | VT_I4);
    msgpack_pack_int(pk, 1);
    end_which(pk);
}
static void h_sa_unk_bad(msgpack_packer *pk)
{
    /* Two good interfaces, then one the marshaler refuses: the first two
     * are released with the half-built array. */
    vin(pk, VT_ARRAY | VT_UNKNOWN);
    sa1(pk, VT_UNKNOWN, 3);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 2);
    msgpack_pack_int(pk, 99);
    end_which(pk);
}
static void h_sa_bstr_bad(msgpack_packer *pk)
{
    vin(pk, VT_ARRAY | VT_BSTR);
    sa1(pk, VT_BSTR, 2);
    msgpack_pack_array(pk, 2);
    pk_bin(pk, "fine", 4);
    msgpack_pack_int(pk, 5);
    end_which(pk);
}
static void h_byref_then_bad(msgpack_packer *pk)
{
    /* Stub BYREF storage holding a BSTR, then a bad `which`: freed with the frame. */
    vin(pk, VT_BYREF | VT_BSTR);
    pk_bin(pk, "leak?", 5);
    msgpack_pack_str(pk, 0);
}
static void h_typed_sa_bstr(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    sa1(pk, VT_BSTR, 1);
    msgpack_pack_array(pk, 1);
    pk_bin(pk, "x", 1);
}
static void h_typed_sa_short(msgpack_packer *pk) { msgpack_pack_array(pk, 1); sa1(pk, VT_I2, 1); pk_bin(pk, "xx", 2); }
static void h_typed_not_sa(msgpack_packer *pk) { msgpack_pack_array(pk, 1); msgpack_pack_int(pk, 7); }
static void h_bound_shape(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_I4);
    msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 1); /* not [cElements, lLbound] */
    pk_bin(pk, "1234", 4);
}
static void h_bound_negative(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 3);
    msgpack_pack_int(pk, VT_I4);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, -1); /* cElements */
    msgpack_pack_int(pk, 0);
    pk_bin(pk, "", 0);
}
static void h_varr_bad(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, VT_UNKNOWN);
    msgpack_pack_int(pk, 1);
    msgpack_pack_array(pk, 2);
    msgpack_pack_int(pk, VT_I2);
    msgpack_pack_int(pk, 70000);
}

typedef struct hostile {
    const char *what;
    int method;
    void (*build)(msgpack_packer *pk);
} hostile;

static const hostile hostiles[] = {
    {"VT_VECTOR", V_IN, h_vector},
    {"VT_RESERVED", V_IN, h_reserved},
    {"VT_RECORD", V_IN, h_record},
    {"vt above 0xFFFF", V_IN, h_vt_big},
    {"VARIANT not an array", V_IN, h_not_array},
    {"VARIANT of three", V_IN, h_three},
    {"vt as a str", V_IN, h_vt_str},
    {"VT_I1 out of range", V_IN, h_i1_range},
    {"VT_EMPTY with a value", V_IN, h_empty_value},
    {"VT_VARIANT by value", V_IN, h_variant_byval},
    {"VT_BYREF|VT_EMPTY", V_IN, h_byref_empty},
    {"BYREF VARIANT referencing a BYREF", V_IN, h_double_byref},
    {"DECIMAL of 15 bytes", V_IN, h_decimal_short},
    {"VT_R8 as an int", V_IN, h_r8_as_int},
    {"SAFEARRAY of 0 dimensions", V_IN, h_sa_dims0},
    {"SAFEARRAY of 33 dimensions", V_IN, h_sa_dims33},
    {"SAFEARRAY element count overflow", V_IN, h_sa_overflow},
    {"SAFEARRAY beyond the allocation cap", V_IN, h_sa_cap},
    {"SAFEARRAY bin size", V_IN, h_sa_bin_size},
    {"SAFEARRAY vt differs from the VARIANT's", V_IN, h_sa_vt_mismatch},
    {"SAFEARRAY of VT_EMPTY", V_IN, h_sa_vt_empty},
    {"SAFEARRAY bound past 2^31", V_IN, h_sa_lbound},
    {"SAFEARRAY element count mismatch", V_IN, h_sa_count},
    {"BYREF inside a SAFEARRAY", V_IN, h_sa_byref_elem},
    {"bad interface inside a SAFEARRAY", V_IN, h_sa_unk_bad},
    {"bad BSTR inside a SAFEARRAY", V_IN, h_sa_bstr_bad},
    {"BYREF storage then a bad parameter", V_IN, h_byref_then_bad},
    {"SAFEARRAY(LONG) receiving BSTRs", V_SAI4, h_typed_sa_bstr},
    {"SAFEARRAY(LONG) receiving SHORTs", V_SAI4, h_typed_sa_short},
    {"SAFEARRAY not an array", V_SAI4, h_typed_not_sa},
    {"SAFEARRAY bound shape", V_SAI4, h_bound_shape},
    {"SAFEARRAY of -1 elements", V_SAI4, h_bound_negative},
    {"VARIANT array with a bad element", V_ARR, h_varr_bad},
};

START_TEST(hostile_input)
{
    const hostile *h = &hostiles[_i];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    comrt_call_frame *f = NULL;
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

/* VT_ARRAY|VT_VARIANT nested 40 deep. msgpack-c's unpacker refuses such
 * nesting itself (its stack holds 32 containers), so the objects are built
 * by hand: the codec must not rely on that. */
START_TEST(deep_nesting)
{
    enum { LEVELS = 40 };
    static msgpack_object var[LEVELS + 1][2], sa[LEVELS][3], bound[LEVELS][2], bounds[LEVELS], data[LEVELS], ins[2];
    for (int i = 0; i <= LEVELS; i++) {
        var[i][0] = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER,
                                     .via.u64 = i < LEVELS ? VT_ARRAY | VT_VARIANT : VT_EMPTY};
        var[i][1].type = MSGPACK_OBJECT_NIL;
        if (i == LEVELS)
            break;
        bound[i][0] = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 1};
        bound[i][1] = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 0};
        bounds[i] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {2, bound[i]}};
        sa[i][0] = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = VT_VARIANT};
        sa[i][1] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {1, &bounds[i]}};
        sa[i][2] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {1, NULL}};
        var[i][1] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {3, sa[i]}};
        data[i] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {2, var[i + 1]}};
        sa[i][2].via.array.ptr = &data[i];
    }
    ins[0] = (msgpack_object){.type = MSGPACK_OBJECT_ARRAY, .via.array = {2, var[0]}};
    ins[1] = (msgpack_object){.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 0};
    msgpack_object top = {.type = MSGPACK_OBJECT_ARRAY, .via.array = {2, ins}};
    comrt_call_frame *f = NULL;
    ck_assert_int_eq(comrt_params_unpack_in(&M[V_IN], &top, &fixture_im, &f), RPC_E_INVALID_DATA);
    ck_assert_ptr_null(f);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "nest"));
    CoTaskMemFree(d);
    /* 20 levels decode (and free) fine. */
    var[20][0].via.u64 = VT_EMPTY;
    var[20][1].type = MSGPACK_OBJECT_NIL;
    ck_assert_int_eq(comrt_params_unpack_in(&M[V_IN], &top, &fixture_im, &f), S_OK);
    comrt_call_frame_free(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("params-variant");
    TCase *tc = tcase_create("variant");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, every_vt_in, 0, NCASES);
    tcase_add_loop_test(tc, every_vt_out, 0, NCASES);
    tcase_add_loop_test(tc, every_vt_byref_in, 0, NCASES);
    tcase_add_test(tc, byref_inout);
    tcase_add_test(tc, byref_out_is_dereferenced);
    tcase_add_test(tc, variant_arrays);
    tcase_add_test(tc, safearrays);
    tcase_add_test(tc, by_value_pair);
    tcase_add_test(tc, client_errors);
    tcase_add_test(tc, deep_nesting);
    tcase_add_loop_test(tc, hostile_input, 0, (int)(sizeof hostiles / sizeof hostiles[0]));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
