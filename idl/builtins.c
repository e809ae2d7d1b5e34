/*
 * builtins.c - the types comidl knows without an import: MIDL's base
 * types and the comrt.h typedefs (which in MIDL come from wtypes.idl).
 *
 * IDL `long` is 32 bits, so it is spelled LONG in C (C's long is 64 bits on
 * LP64). Wide-string names (LPWSTR, WCHAR) map to comrt's UTF-8 OLECHAR
 * types, which is what a port of a Windows IDL file means by them.
 */
#include <string.h>

#include "idl.h"

#define S(n, k, vt, c) {n, COMRT_TL_##k, vt, c, 0, NULL}
#define P(n, vt, c, fl, e) {n, COMRT_TL_PTR, vt, c, fl, e}

static const idl_builtin builtins[] = {
    S("void", VOID, VT_VOID, "void"),
    S("boolean", U1, VT_UI1, "boolean"),
    S("byte", U1, VT_UI1, "unsigned char"),
    S("char", I1, VT_I1, "char"),
    S("unsigned char", U1, VT_UI1, "unsigned char"),
    S("signed char", I1, VT_I1, "signed char"),
    S("small", I1, VT_I1, "signed char"),
    S("unsigned small", U1, VT_UI1, "unsigned char"),
    S("short", I2, VT_I2, "SHORT"),
    S("unsigned short", U2, VT_UI2, "USHORT"),
    S("long", I4, VT_I4, "LONG"),
    S("unsigned long", U4, VT_UI4, "ULONG"),
    S("int", I4, VT_INT, "INT"),
    S("unsigned int", U4, VT_UINT, "UINT"),
    S("hyper", I8, VT_I8, "LONGLONG"),
    S("unsigned hyper", U8, VT_UI8, "ULONGLONG"),
    S("float", R4, VT_R4, "float"),
    S("double", R8, VT_R8, "double"),
    S("int8_t", I1, VT_I1, "int8_t"),
    S("uint8_t", U1, VT_UI1, "uint8_t"),
    S("int16_t", I2, VT_I2, "int16_t"),
    S("uint16_t", U2, VT_UI2, "uint16_t"),
    S("int32_t", I4, VT_I4, "int32_t"),
    S("uint32_t", U4, VT_UI4, "uint32_t"),
    S("int64_t", I8, VT_I8, "int64_t"),
    S("uint64_t", U8, VT_UI8, "uint64_t"),
    S("HRESULT", I4, VT_HRESULT, "HRESULT"),
    S("SCODE", I4, VT_ERROR, "SCODE"),
    S("BOOL", I4, VT_I4, "BOOL"),
    S("BYTE", U1, VT_UI1, "BYTE"),
    S("UCHAR", U1, VT_UI1, "UCHAR"),
    S("CHAR", I1, VT_I1, "CHAR"),
    S("SHORT", I2, VT_I2, "SHORT"),
    S("USHORT", U2, VT_UI2, "USHORT"),
    S("WORD", U2, VT_UI2, "WORD"),
    S("DWORD", U4, VT_UI4, "DWORD"),
    S("LONG", I4, VT_I4, "LONG"),
    S("ULONG", U4, VT_UI4, "ULONG"),
    S("INT", I4, VT_INT, "INT"),
    S("UINT", U4, VT_UINT, "UINT"),
    S("LONGLONG", I8, VT_I8, "LONGLONG"),
    S("ULONGLONG", U8, VT_UI8, "ULONGLONG"),
    S("HYPER", I8, VT_I8, "HYPER"),
    S("UHYPER", U8, VT_UI8, "UHYPER"),
    S("FLOAT", R4, VT_R4, "FLOAT"),
    S("DOUBLE", R8, VT_R8, "DOUBLE"),
    S("LCID", U4, VT_UI4, "LCID"),
    S("DISPID", I4, VT_I4, "DISPID"),
    S("MEMBERID", I4, VT_I4, "MEMBERID"),
    S("VARTYPE", U2, VT_UI2, "VARTYPE"),
    S("OLECHAR", I1, VT_I1, "OLECHAR"),
    S("WCHAR", I1, VT_I1, "OLECHAR"),
    S("ULONG_PTR", U8, VT_UI8, "uintptr_t"),
    S("DWORD_PTR", U8, VT_UI8, "uintptr_t"),
    S("LONG_PTR", I8, VT_I8, "intptr_t"),
    S("SIZE_T", U8, VT_UI8, "size_t"),
    S("BSTR", BSTR, VT_BSTR, "BSTR"),
    S("VARIANT", VARIANT, VT_VARIANT, "VARIANT"),
    S("VARIANTARG", VARIANT, VT_VARIANT, "VARIANTARG"),
    S("VARIANT_BOOL", I2, VT_BOOL, "VARIANT_BOOL"),
    S("DATE", R8, VT_DATE, "DATE"),
    {"GUID", COMRT_TL_STRUCT, VT_RECORD, "GUID", IDL_BI_GUID, NULL},
    {"IID", COMRT_TL_STRUCT, VT_RECORD, "IID", IDL_BI_GUID, NULL},
    {"CLSID", COMRT_TL_STRUCT, VT_RECORD, "CLSID", IDL_BI_GUID, NULL},
    {"UUID", COMRT_TL_STRUCT, VT_RECORD, "UUID", IDL_BI_GUID, NULL},
    P("REFIID", VT_PTR, "REFIID", IDL_BI_REF | IDL_BI_CONST, "IID"),
    P("REFCLSID", VT_PTR, "REFCLSID", IDL_BI_REF | IDL_BI_CONST, "CLSID"),
    P("REFGUID", VT_PTR, "REFGUID", IDL_BI_REF | IDL_BI_CONST, "GUID"),
    P("LPSTR", VT_LPSTR, "LPSTR", IDL_BI_STRING, "char"),
    P("LPCSTR", VT_LPSTR, "LPCSTR", IDL_BI_STRING | IDL_BI_CONST, "char"),
    P("LPOLESTR", VT_LPSTR, "LPOLESTR", IDL_BI_STRING, "OLECHAR"),
    P("LPCOLESTR", VT_LPSTR, "LPCOLESTR", IDL_BI_STRING | IDL_BI_CONST, "OLECHAR"),
    P("LPWSTR", VT_LPSTR, "LPOLESTR", IDL_BI_STRING, "OLECHAR"),
    P("LPCWSTR", VT_LPSTR, "LPCOLESTR", IDL_BI_STRING | IDL_BI_CONST, "OLECHAR"),
    P("PVOID", VT_PTR, "PVOID", 0, "void"),
    P("LPVOID", VT_PTR, "LPVOID", 0, "void"),
};

const idl_builtin *builtin_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

const idl_builtin *builtin_from_keywords(unsigned kw, const char **why)
{
    int u = (kw & KW_UNSIGNED) != 0;
    unsigned base = kw & ~(unsigned)(KW_SIGNED | KW_UNSIGNED);
    *why = "invalid combination of type keywords";
    if ((kw & KW_SIGNED) && u)
        return NULL;
    int sign_ok = 1;
    const char *name = NULL;
    switch (base) {
    case 0:
        name = u ? "unsigned int" : "int";
        break;
    case KW_VOID:
        name = "void";
        sign_ok = 0;
        break;
    case KW_BOOLEAN:
        name = "boolean";
        sign_ok = 0;
        break;
    case KW_BYTE:
        name = "byte";
        sign_ok = 0;
        break;
    case KW_FLOAT:
        name = "float";
        sign_ok = 0;
        break;
    case KW_DOUBLE:
        name = "double";
        sign_ok = 0;
        break;
    case KW_CHAR:
        name = u ? "unsigned char" : (kw & KW_SIGNED) ? "signed char" : "char";
        break;
    case KW_SMALL:
        name = u ? "unsigned small" : "small";
        break;
    case KW_SHORT:
    case KW_SHORT | KW_INT:
        name = u ? "unsigned short" : "short";
        break;
    case KW_LONG:
    case KW_LONG | KW_INT:
        name = u ? "unsigned long" : "long";
        break;
    case KW_LONGLONG:
    case KW_LONGLONG | KW_INT:
    case KW_HYPER:
    case KW_INT64:
        name = u ? "unsigned hyper" : "hyper";
        break;
    case KW_INT:
        name = u ? "unsigned int" : "int";
        break;
    default:
        return NULL;
    }
    if (!sign_ok && (kw & (KW_SIGNED | KW_UNSIGNED))) {
        *why = "'signed' or 'unsigned' cannot apply to this type";
        return NULL;
    }
    return builtin_lookup(name);
}
