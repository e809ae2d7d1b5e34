/*
 * fixture.h - the type library the parameter-codec tests and fuzz target
 * use, built in C (comrt_tl_* -> comrt_typelib_save -> load_memory, so
 * layouts are the loader's), plus fake IFoo objects and an interface
 * marshaler that packs them as small integer ids and counts references.
 * Included by tests/params/test_params.c and tests/fuzz/fuzz_params.c.
 */
#ifndef TEST_PARAMS_FIXTURE_H
#define TEST_PARAMS_FIXTURE_H

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "comrt.h"
#include "../../marshal/params.h"

/* Type nodes ---------------------------------------------------------------- */

#define SCALAR(id, k, n) static const comrt_tl_type id = {.kind = (k), .name = (n)}
SCALAR(T_I1, COMRT_TL_I1, "CHAR");
SCALAR(T_U1, COMRT_TL_U1, "BYTE");
SCALAR(T_I2, COMRT_TL_I2, "SHORT");
SCALAR(T_U2, COMRT_TL_U2, "USHORT");
SCALAR(T_I4, COMRT_TL_I4, "LONG");
SCALAR(T_U4, COMRT_TL_U4, "ULONG");
SCALAR(T_I8, COMRT_TL_I8, "hyper");
SCALAR(T_U8, COMRT_TL_U8, "UHYPER");
SCALAR(T_R4, COMRT_TL_R4, "float");
SCALAR(T_R8, COMRT_TL_R8, "double");
SCALAR(T_HR, COMRT_TL_I4, "HRESULT");
SCALAR(T_BSTR, COMRT_TL_BSTR, "BSTR");

static const comrt_tl_enum_value color_values[] = {{"RED", 0}, {"GREEN", 1}, {"BLUE", 2}};
static const comrt_tl_enum E_COLOR = {"COLOR", 3, color_values};
static const comrt_tl_type T_ENUM = {.kind = COMRT_TL_ENUM, .name = "COLOR", .enumeration = &E_COLOR};

#define OP(o, v) {COMRT_TL_OP_##o, (v)}
static const comrt_tl_expr_op ops_p0[] = {OP(PARAM, 0)};
static const comrt_tl_expr X_P0 = {1, ops_p0};
static const comrt_tl_expr_op ops_dp1[] = {OP(DEREF_PARAM, 1)};
static const comrt_tl_expr X_DP1 = {1, ops_dp1};
static const comrt_tl_expr_op ops_p1[] = {OP(PARAM, 1)};
static const comrt_tl_expr X_P1 = {1, ops_p1};
static const comrt_tl_expr_op ops_dp2[] = {OP(DEREF_PARAM, 2)};
static const comrt_tl_expr X_DP2 = {1, ops_dp2};
static const comrt_tl_expr_op ops_p2[] = {OP(PARAM, 2)};
static const comrt_tl_expr X_P2 = {1, ops_p2};
static const comrt_tl_expr_op ops_div[] = {OP(PARAM, 0), OP(PARAM, 1), OP(DIV, 0)};
static const comrt_tl_expr X_DIV = {3, ops_div};
static const comrt_tl_expr_op ops_mul[] = {OP(PARAM, 0), OP(PARAM, 1), OP(MUL, 0)};
static const comrt_tl_expr X_MUL = {3, ops_mul};
static const comrt_tl_expr_op ops_f0[] = {OP(FIELD, 0)};
static const comrt_tl_expr X_F0 = {1, ops_f0};

#define PTR(id, fl, el, ...) static const comrt_tl_type id = {.kind = COMRT_TL_PTR, .flags = (fl), .elem = &(el), __VA_ARGS__}
PTR(P_I4, 0, T_I4, .name = "");
PTR(P_U4, 0, T_U4, .name = "");
PTR(P_R8, 0, T_R8, .name = "");
PTR(P_BSTR, 0, T_BSTR, .name = "");
PTR(P_UNIQUE_I4, COMRT_TL_F_UNIQUE, T_I4, .name = "");
PTR(STR_IN, COMRT_TL_F_STRING | COMRT_TL_F_CONST, T_I1, .name = "");
PTR(STR, COMRT_TL_F_STRING, T_I1, .name = "");
PTR(P_STR, 0, STR, .name = "");
PTR(STRBUF_N, COMRT_TL_F_STRING, T_I1, .size_is = &X_P0);
PTR(I4_N, COMRT_TL_F_CONST, T_I4, .size_is = &X_P0);
PTR(I4_N_LEN_DP2, 0, T_I4, .size_is = &X_P0, .length_is = &X_DP2);
PTR(U1_N, COMRT_TL_F_CONST, T_U1, .size_is = &X_P0);
PTR(U1_DP1, 0, T_U1, .size_is = &X_DP1);
PTR(P_U1_DP1, 0, U1_DP1, .name = "");
PTR(U1_DP0, 0, T_U1, .size_is = &(const comrt_tl_expr){1, (const comrt_tl_expr_op[]){OP(DEREF_PARAM, 0)}});
PTR(P_U1_DP0, 0, U1_DP0, .name = "");
PTR(U1_DIV, COMRT_TL_F_CONST, T_U1, .size_is = &X_DIV);
PTR(U1_MUL, COMRT_TL_F_CONST, T_U1, .size_is = &X_MUL);

/* Interfaces as parameter types. */
static const GUID IID_IFoo = {0x1a2b3c4d, 0x1111, 0x2222, {0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa}};
static const GUID IID_ITest = {0x5e6f7a8b, 0x3333, 0x4444, {0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc}};
static const comrt_tl_type T_IFOO = {.kind = COMRT_TL_INTERFACE, .name = "IFoo", .iid = {0x1a2b3c4d, 0x1111, 0x2222, {0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa}}, .iface_name = "IFoo"};
PTR(P_IFOO, 0, T_IFOO, .name = "");
static const comrt_tl_type T_UNK_IIDIS = {.kind = COMRT_TL_INTERFACE, .name = "IUnknown", .iface_name = "IUnknown", .iid_is = &X_P2};
PTR(P_UNK_IIDIS, 0, T_UNK_IIDIS, .name = "");

/* GUID: REFIID is a const GUID *. */
static const comrt_tl_type T_U1x8 = {.kind = COMRT_TL_ARRAY, .elem = &T_U1, .count = 8, .name = ""};
static const comrt_tl_field guid_fields[] = {{"Data1", &T_U4, 0}, {"Data2", &T_U2, 0}, {"Data3", &T_U2, 0}, {"Data4", &T_U1x8, 0}};
static const comrt_tl_struct R_GUID = {"GUID", 4, guid_fields, 0, 0};
static const comrt_tl_type T_GUID = {.kind = COMRT_TL_STRUCT, .name = "GUID", .record = &R_GUID};
PTR(REFIID_T, COMRT_TL_F_REF | COMRT_TL_F_CONST, T_GUID, .name = "REFIID");
PTR(P_GUID, 0, T_GUID, .name = "");

/* struct INNER { SHORT x; double y; };
 * struct OUTER { LONG id; INNER inner; BYTE tag[5]; LONG vals[3]; [string] char *name; }; */
static const comrt_tl_field inner_fields[] = {{"x", &T_I2, 0}, {"y", &T_R8, 0}};
static const comrt_tl_struct R_INNER = {"INNER", 2, inner_fields, 0, 0};
static const comrt_tl_type T_INNER = {.kind = COMRT_TL_STRUCT, .name = "INNER", .record = &R_INNER};
static const comrt_tl_type T_U1x5 = {.kind = COMRT_TL_ARRAY, .elem = &T_U1, .count = 5, .name = ""};
static const comrt_tl_type T_I4x3 = {.kind = COMRT_TL_ARRAY, .elem = &T_I4, .count = 3, .name = ""};
static const comrt_tl_field outer_fields[] = {{"id", &T_I4, 0}, {"inner", &T_INNER, 0}, {"tag", &T_U1x5, 0},
                                              {"vals", &T_I4x3, 0}, {"name", &STR, 0}};
static const comrt_tl_struct R_OUTER = {"OUTER", 5, outer_fields, 0, 0};
static const comrt_tl_type T_OUTER = {.kind = COMRT_TL_STRUCT, .name = "OUTER", .record = &R_OUTER};
PTR(P_OUTER_IN, COMRT_TL_F_CONST, T_OUTER, .name = "");
PTR(P_OUTER, 0, T_OUTER, .name = "");
PTR(OUTER_N, COMRT_TL_F_CONST, T_OUTER, .size_is = &X_P0);

/* struct BLOB { LONG n; [size_is(n)] BSTR *items; }: a field sized by a sibling. */
PTR(BSTR_F0, 0, T_BSTR, .size_is = &X_F0);
static const comrt_tl_field blob_fields[] = {{"n", &T_I4, 0}, {"items", &BSTR_F0, 0}};
static const comrt_tl_struct R_BLOB = {"BLOB", 2, blob_fields, 0, 0};
static const comrt_tl_type T_BLOB = {.kind = COMRT_TL_STRUCT, .name = "BLOB", .record = &R_BLOB};
PTR(P_BLOB, 0, T_BLOB, .name = "");

/* struct NODE { LONG v; [unique] struct NODE *next; }: recursion through a pointer. */
static const comrt_tl_type T_NODE;
PTR(P_NODE, COMRT_TL_F_UNIQUE, T_NODE, .name = "");
static const comrt_tl_field node_fields[] = {{"v", &T_I4, 0}, {"next", &P_NODE, 0}};
static const comrt_tl_struct R_NODE = {"NODE", 2, node_fields, 0, 0};
static const comrt_tl_type T_NODE = {.kind = COMRT_TL_STRUCT, .name = "NODE", .record = &R_NODE};

/* VARIANT and SAFEARRAY (tests/params/test_variant_params.c has the rest). */
static const comrt_tl_type T_VARIANT = {.kind = COMRT_TL_VARIANT, .name = "VARIANT"};
PTR(P_VARIANT, 0, T_VARIANT, .name = "");
static const comrt_tl_type T_SA = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_I4, .name = ""};
PTR(P_SA, 0, T_SA, .name = "");

/* Methods ------------------------------------------------------------------- */

#define IN COMRT_TL_P_IN
#define OUT COMRT_TL_P_OUT
#define RETVAL (COMRT_TL_P_OUT | COMRT_TL_P_RETVAL)
#define PRM(n, f, t) {(n), (f), &(t), {0, 0, 0, NULL}}

static const comrt_tl_param p_scalars[] = {
    PRM("a", IN, T_I1), PRM("b", IN, T_U1), PRM("c", IN, T_I2), PRM("d", IN, T_U2), PRM("e", IN, T_I4),
    PRM("f", IN, T_U4), PRM("g", IN, T_I8), PRM("h", IN, T_U8), PRM("i", IN, T_R4), PRM("j", IN, T_R8),
    PRM("k", IN, T_ENUM), PRM("sum", RETVAL, P_R8)};
static const comrt_tl_param p_inout[] = {PRM("a", IN, T_I4), PRM("b", OUT, P_I4), PRM("c", IN | OUT, P_I4),
                                         PRM("d", IN | OUT, P_R8)};
static const comrt_tl_param p_strings[] = {PRM("s", IN, STR_IN), PRM("ps", OUT, P_STR)};
static const comrt_tl_param p_sum[] = {PRM("n", IN, T_I4), PRM("arr", IN, I4_N), PRM("sum", RETVAL, P_I4)};
static const comrt_tl_param p_fill[] = {PRM("n", IN, T_I4), PRM("buf", OUT, I4_N_LEN_DP2), PRM("pm", OUT, P_I4)};
static const comrt_tl_param p_big[] = {PRM("n", IN, T_I4), PRM("data", IN, U1_N), PRM("checksum", OUT, P_U4)};
static const comrt_tl_param p_getbytes[] = {PRM("want", IN, T_I4), PRM("pn", OUT, P_I4), PRM("pp", OUT, P_U1_DP1)};
static const comrt_tl_param p_structs[] = {PRM("in", IN, P_OUTER_IN), PRM("out", OUT, P_OUTER)};
static const comrt_tl_param p_guid[] = {PRM("riid", IN, REFIID_T), PRM("copy", OUT, P_GUID)};
static const comrt_tl_param p_byvalguid[] = {PRM("g", IN, T_GUID), PRM("copy", OUT, P_GUID)};
static const comrt_tl_param p_unique[] = {PRM("p", IN, P_UNIQUE_I4), PRM("wasnull", OUT, P_I4)};
static const comrt_tl_param p_bstr[] = {PRM("b", IN, T_BSTR), PRM("pb", OUT, P_BSTR), PRM("pio", IN | OUT, P_BSTR)};
static const comrt_tl_param p_itf[] = {PRM("foo", IN, T_IFOO), PRM("pfoo", OUT, P_IFOO), PRM("riid", IN, REFIID_T),
                                       PRM("ppv", OUT, P_UNK_IIDIS)};
static const comrt_tl_param p_fail[] = {PRM("n", IN, T_I4), PRM("a", OUT, P_I4), PRM("b", OUT, P_BSTR),
                                        PRM("c", OUT, P_IFOO), PRM("buf", OUT, I4_N)};
static const comrt_tl_param p_div[] = {PRM("n", IN, T_I4), PRM("d", IN, T_I4), PRM("p", IN, U1_DIV),
                                       PRM("got", RETVAL, P_I4)};
static const comrt_tl_param p_mul[] = {PRM("n", IN, T_I8), PRM("d", IN, T_I8), PRM("p", IN, U1_MUL)};
static const comrt_tl_param p_list[] = {PRM("head", IN, P_NODE), PRM("sum", RETVAL, P_I4)};
static const comrt_tl_param p_strbuf[] = {PRM("n", IN, T_I4), PRM("buf", OUT, STRBUF_N)};
static const comrt_tl_param p_inoutbytes[] = {PRM("pn", IN | OUT, P_I4), PRM("pp", IN | OUT, P_U1_DP0)};
static const comrt_tl_param p_structarr[] = {PRM("n", IN, T_I4), PRM("arr", IN, OUTER_N), PRM("total", RETVAL, P_I4)};
static const comrt_tl_param p_blob[] = {PRM("in", IN, P_BLOB), PRM("out", OUT, P_BLOB)};
static const comrt_tl_param p_varptr[] = {PRM("v", IN, P_VARIANT)};
static const comrt_tl_param p_varval[] = {PRM("v", IN, T_VARIANT)};
static const comrt_tl_param p_safearr[] = {PRM("psa", OUT, P_SA)};
/* Appended for the fuzz target (old seeds keep their meaning). */
static const comrt_tl_type T_SA_VAR = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_VARIANT, .name = ""};
static const comrt_tl_type T_SA_BSTR = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_BSTR, .name = ""};
PTR(P_SA_BSTR, 0, T_SA_BSTR, .name = "");
PTR(VARIANT_N, COMRT_TL_F_CONST, T_VARIANT, .size_is = &X_P0);
static const comrt_tl_param p_savar[] = {PRM("psa", IN, T_SA_VAR)};
static const comrt_tl_param p_varinout[] = {PRM("pv", IN | OUT, P_VARIANT)};
static const comrt_tl_param p_sabstr[] = {PRM("ppsa", IN | OUT, P_SA_BSTR)};
static const comrt_tl_param p_vararr[] = {PRM("n", IN, T_I4), PRM("arr", IN, VARIANT_N)};

enum {
    M_SCALARS, M_INOUT, M_STRINGS, M_SUM, M_FILL, M_BIG, M_GETBYTES, M_STRUCTS, M_GUID, M_BYVALGUID, M_UNIQUE,
    M_BSTR, M_ITF, M_FAIL, M_DIV, M_MUL, M_LIST, M_STRBUF, M_INOUTBYTES, M_STRUCTARR, M_BLOB,
    M_VARPTR, M_VARVAL, M_SAFEARR, M_SAVAR, M_VARINOUT, M_SABSTR, M_VARARR, M_COUNT
};

#define METHOD(i, n, p) [i] = {(n), 3 + (i), 0x60020000 + (i), COMRT_TL_INVOKE_FUNC, 0, NULL, &T_HR, sizeof(p) / sizeof((p)[0]), (p)}
static const comrt_tl_method fixture_methods[M_COUNT] = {
    METHOD(M_SCALARS, "Scalars", p_scalars),       METHOD(M_INOUT, "InOut", p_inout),
    METHOD(M_STRINGS, "Strings", p_strings),       METHOD(M_SUM, "SumArray", p_sum),
    METHOD(M_FILL, "FillBuf", p_fill),             METHOD(M_BIG, "BigIn", p_big),
    METHOD(M_GETBYTES, "GetBytes", p_getbytes),    METHOD(M_STRUCTS, "Structs", p_structs),
    METHOD(M_GUID, "Guid", p_guid),                METHOD(M_BYVALGUID, "ByValGuid", p_byvalguid),
    METHOD(M_UNIQUE, "Unique", p_unique),          METHOD(M_BSTR, "Bstr", p_bstr),
    METHOD(M_ITF, "Itf", p_itf),                   METHOD(M_FAIL, "Fail", p_fail),
    METHOD(M_DIV, "Div", p_div),                   METHOD(M_MUL, "Mul", p_mul),
    METHOD(M_LIST, "List", p_list),                METHOD(M_STRBUF, "StrBuf", p_strbuf),
    METHOD(M_INOUTBYTES, "InOutBytes", p_inoutbytes), METHOD(M_STRUCTARR, "StructArr", p_structarr),
    METHOD(M_BLOB, "Blob", p_blob),                METHOD(M_VARPTR, "VarPtr", p_varptr),
    METHOD(M_VARVAL, "VarVal", p_varval),          METHOD(M_SAFEARR, "SafeArr", p_safearr),
    METHOD(M_SAVAR, "SaVar", p_savar),             METHOD(M_VARINOUT, "VarInOut", p_varinout),
    METHOD(M_SABSTR, "SaBstr", p_sabstr),          METHOD(M_VARARR, "VarArr", p_vararr),
};

static const comrt_tl_interface fixture_ifaces[] = {
    {.name = "ITest", .iid = {0x5e6f7a8b, 0x3333, 0x4444, {0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc}},
     .parent_name = "IUnknown", .parent_iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .base_slots = 3,
     .num_slots = 3 + M_COUNT, .nmethods = M_COUNT, .methods = fixture_methods},
};

static const comrt_tl_library fixture_lib = {
    .name = "ParamsTest", .libid = {0x9a9b9c9d, 0x5555, 0x6666, {1, 2, 3, 4, 5, 6, 7, 8}}, .ver_major = 1,
    .ninterfaces = 1, .interfaces = fixture_ifaces, .nenums = 1, .enums = &E_COLOR,
};

/* Loads the library; *tl must be unref'd. Returns the loaded methods. */
static inline const comrt_tl_method *fixture_load(comrt_typelib **tl)
{
    void *data = NULL;
    size_t size = 0;
    if (FAILED(comrt_typelib_save(&fixture_lib, &data, &size)))
        return NULL;
    HRESULT hr = comrt_typelib_load_memory(data, size, "params-fixture", tl);
    CoTaskMemFree(data);
    if (FAILED(hr))
        return NULL;
    return comrt_typelib_library(*tl)->interfaces[0].methods;
}

/* Fake IFoo objects and the interface marshaler ------------------------------- */

typedef struct Foo {
    IUnknown iface;
    atomic_int refs;
    int id;
} Foo;

static HRESULT foo_qi(IUnknown *This, REFIID riid, void **ppv)
{
    (void)riid;
    *ppv = This;
    This->lpVtbl->AddRef(This);
    return S_OK;
}
static ULONG foo_addref(IUnknown *This)
{
    return (ULONG)atomic_fetch_add(&((Foo *)This)->refs, 1) + 1;
}
static ULONG foo_release(IUnknown *This)
{
    return (ULONG)atomic_fetch_sub(&((Foo *)This)->refs, 1) - 1;
}
static const IUnknownVtbl foo_vtbl = {foo_qi, foo_addref, foo_release};

#define NFOOS 4
static Foo fixture_foos[NFOOS];
static GUID fixture_last_iid; /* the IID the last (un)marshal was asked for */

static inline void fixture_foos_init(void)
{
    for (int i = 0; i < NFOOS; i++) {
        fixture_foos[i].iface.lpVtbl = &foo_vtbl;
        atomic_store(&fixture_foos[i].refs, 1);
        fixture_foos[i].id = i + 1;
    }
}

static HRESULT fx_marshal(void *ctx, msgpack_packer *pk, IUnknown *p, REFIID iid)
{
    (void)ctx;
    fixture_last_iid = *iid;
    if (!p)
        return msgpack_pack_nil(pk) ? E_OUTOFMEMORY : S_OK;
    return msgpack_pack_int(pk, ((Foo *)p)->id) ? E_OUTOFMEMORY : S_OK;
}

static HRESULT fx_unmarshal(void *ctx, const msgpack_object *o, REFIID iid, void **ppv)
{
    (void)ctx;
    fixture_last_iid = *iid;
    *ppv = NULL;
    if (o->type == MSGPACK_OBJECT_NIL)
        return S_OK;
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 < 1 || o->via.u64 > NFOOS)
        return comrt_error_set(RPC_E_INVALID_DATA, "no such object");
    Foo *f = &fixture_foos[o->via.u64 - 1];
    foo_addref(&f->iface);
    *ppv = &f->iface;
    return S_OK;
}

static const comrt_itf_marshaler fixture_im = {fx_marshal, fx_unmarshal, NULL};

#endif /* TEST_PARAMS_FIXTURE_H */
