/*
 * comrt/oleauto.h - automation types: BSTR functions, VARIANT, SAFEARRAY,
 * IDispatch. Layouts are COM's (as Wine lays them out on LP64).
 *
 * The VARIANT and SAFEARRAY functions arrive with the automation work; the
 * types are here now so IDL-generated headers can name them.
 */
#ifndef COMRT_OLEAUTO_H
#define COMRT_OLEAUTO_H

#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BSTR --------------------------------------------------------------------- */

/*
 * A BSTR points just past a 32-bit byte count and is NUL-terminated; it may
 * hold embedded NULs. NULL is a valid BSTR meaning "". All BSTRs are freed
 * with SysFreeString (NULL is a no-op). Allocation failure returns NULL.
 */
COMRT_API BSTR SysAllocString(const OLECHAR *psz);            /* NULL in -> NULL out */
COMRT_API BSTR SysAllocStringLen(const OLECHAR *strIn, UINT ui); /* ui chars; strIn NULL -> zero-filled */
COMRT_API BSTR SysAllocStringByteLen(LPCSTR psz, UINT len);   /* same as Len: OLECHAR is a byte */
/* Reallocates *pbstr to a copy of psz; FALSE (and *pbstr unchanged) on failure. */
COMRT_API INT SysReAllocString(BSTR *pbstr, const OLECHAR *psz);
COMRT_API INT SysReAllocStringLen(BSTR *pbstr, const OLECHAR *psz, UINT len);
COMRT_API void SysFreeString(BSTR bstrString);
COMRT_API UINT SysStringLen(BSTR pbstr);     /* characters (bytes, UTF-8) */
COMRT_API UINT SysStringByteLen(BSTR bstr);  /* bytes */

/* VARIANT ------------------------------------------------------------------ */

typedef unsigned short VARTYPE;

enum VARENUM {
    VT_EMPTY = 0, VT_NULL = 1, VT_I2 = 2, VT_I4 = 3, VT_R4 = 4, VT_R8 = 5, VT_CY = 6, VT_DATE = 7,
    VT_BSTR = 8, VT_DISPATCH = 9, VT_ERROR = 10, VT_BOOL = 11, VT_VARIANT = 12, VT_UNKNOWN = 13,
    VT_DECIMAL = 14, VT_I1 = 16, VT_UI1 = 17, VT_UI2 = 18, VT_UI4 = 19, VT_I8 = 20, VT_UI8 = 21,
    VT_INT = 22, VT_UINT = 23, VT_VOID = 24, VT_HRESULT = 25, VT_PTR = 26, VT_SAFEARRAY = 27,
    VT_CARRAY = 28, VT_USERDEFINED = 29, VT_LPSTR = 30, VT_LPWSTR = 31, VT_RECORD = 36,
    VT_INT_PTR = 37, VT_UINT_PTR = 38, VT_CLSID = 72,
    VT_VECTOR = 0x1000, VT_ARRAY = 0x2000, VT_BYREF = 0x4000, VT_RESERVED = 0x8000,
    VT_ILLEGAL = 0xffff, VT_ILLEGALMASKED = 0x0fff, VT_TYPEMASK = 0x0fff
};

typedef union tagCY {
    struct {
        ULONG Lo;
        LONG Hi;
    };
    LONGLONG int64;
} CY;

typedef struct tagDEC {
    USHORT wReserved;
    BYTE scale;
    BYTE sign;
    ULONG Hi32;
    ULONGLONG Lo64;
} DECIMAL;

typedef struct tagSAFEARRAYBOUND {
    ULONG cElements;
    LONG lLbound;
} SAFEARRAYBOUND;

typedef struct tagSAFEARRAY {
    USHORT cDims;
    USHORT fFeatures;
    ULONG cbElements;
    ULONG cLocks;
    PVOID pvData;
    SAFEARRAYBOUND rgsabound[1];
} SAFEARRAY;
typedef SAFEARRAY *LPSAFEARRAY;

typedef struct IDispatch IDispatch;
typedef struct ITypeInfo ITypeInfo;
typedef struct ITypeLib ITypeLib;
typedef struct IRecordInfo IRecordInfo;

typedef struct tagVARIANT VARIANT;
struct tagVARIANT {
    union {
        struct {
            VARTYPE vt;
            WORD wReserved1;
            WORD wReserved2;
            WORD wReserved3;
            union {
                LONGLONG llVal;
                LONG lVal;
                BYTE bVal;
                SHORT iVal;
                FLOAT fltVal;
                DOUBLE dblVal;
                VARIANT_BOOL boolVal;
                SCODE scode;
                CY cyVal;
                DATE date;
                BSTR bstrVal;
                IUnknown *punkVal;
                IDispatch *pdispVal;
                SAFEARRAY *parray;
                BYTE *pbVal;
                SHORT *piVal;
                LONG *plVal;
                LONGLONG *pllVal;
                FLOAT *pfltVal;
                DOUBLE *pdblVal;
                VARIANT_BOOL *pboolVal;
                SCODE *pscode;
                CY *pcyVal;
                DATE *pdate;
                BSTR *pbstrVal;
                IUnknown **ppunkVal;
                IDispatch **ppdispVal;
                SAFEARRAY **pparray;
                VARIANT *pvarVal;
                PVOID byref;
                CHAR cVal;
                USHORT uiVal;
                ULONG ulVal;
                ULONGLONG ullVal;
                INT intVal;
                UINT uintVal;
                DECIMAL *pdecVal;
                CHAR *pcVal;
                USHORT *puiVal;
                ULONG *pulVal;
                ULONGLONG *pullVal;
                INT *pintVal;
                UINT *puintVal;
                struct {
                    PVOID pvRecord;
                    IRecordInfo *pRecInfo;
                } brecVal;
            };
        };
        DECIMAL decVal;
    };
};
typedef VARIANT VARIANTARG;
typedef VARIANT *LPVARIANT;

#define V_VT(X) ((X)->vt)
#define V_ISBYREF(X) (V_VT(X) & VT_BYREF)
#define V_ISARRAY(X) (V_VT(X) & VT_ARRAY)
#define V_I1(X) ((X)->cVal)
#define V_UI1(X) ((X)->bVal)
#define V_I2(X) ((X)->iVal)
#define V_UI2(X) ((X)->uiVal)
#define V_I4(X) ((X)->lVal)
#define V_UI4(X) ((X)->ulVal)
#define V_I8(X) ((X)->llVal)
#define V_UI8(X) ((X)->ullVal)
#define V_INT(X) ((X)->intVal)
#define V_UINT(X) ((X)->uintVal)
#define V_R4(X) ((X)->fltVal)
#define V_R8(X) ((X)->dblVal)
#define V_BOOL(X) ((X)->boolVal)
#define V_ERROR(X) ((X)->scode)
#define V_CY(X) ((X)->cyVal)
#define V_DATE(X) ((X)->date)
#define V_BSTR(X) ((X)->bstrVal)
#define V_UNKNOWN(X) ((X)->punkVal)
#define V_DISPATCH(X) ((X)->pdispVal)
#define V_ARRAY(X) ((X)->parray)
#define V_BYREF(X) ((X)->byref)
#define V_VARIANTREF(X) ((X)->pvarVal)
#define V_DECIMAL(X) ((X)->decVal)

/* IDispatch ---------------------------------------------------------------- */

typedef LONG DISPID;
typedef DISPID MEMBERID;
#define DISPID_UNKNOWN (-1)
#define DISPID_VALUE 0
#define DISPID_PROPERTYPUT (-3)
#define DISPID_NEWENUM (-4)

#define DISPATCH_METHOD 0x1
#define DISPATCH_PROPERTYGET 0x2
#define DISPATCH_PROPERTYPUT 0x4
#define DISPATCH_PROPERTYPUTREF 0x8

typedef struct tagDISPPARAMS {
    VARIANTARG *rgvarg;
    DISPID *rgdispidNamedArgs;
    UINT cArgs;
    UINT cNamedArgs;
} DISPPARAMS;

typedef struct tagEXCEPINFO {
    WORD wCode;
    WORD wReserved;
    BSTR bstrSource;
    BSTR bstrDescription;
    BSTR bstrHelpFile;
    DWORD dwHelpContext;
    PVOID pvReserved;
    HRESULT (*pfnDeferredFillIn)(struct tagEXCEPINFO *);
    SCODE scode;
} EXCEPINFO;

typedef struct IDispatchVtbl {
    HRESULT (*QueryInterface)(IDispatch *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IDispatch *This);
    ULONG (*Release)(IDispatch *This);
    HRESULT (*GetTypeInfoCount)(IDispatch *This, UINT *pctinfo);
    HRESULT (*GetTypeInfo)(IDispatch *This, UINT iTInfo, LCID lcid, ITypeInfo **ppTInfo);
    HRESULT (*GetIDsOfNames)(IDispatch *This, REFIID riid, LPOLESTR *rgszNames, UINT cNames, LCID lcid,
                             DISPID *rgDispId);
    HRESULT (*Invoke)(IDispatch *This, DISPID dispIdMember, REFIID riid, LCID lcid, WORD wFlags,
                      DISPPARAMS *pDispParams, VARIANT *pVarResult, EXCEPINFO *pExcepInfo, UINT *puArgErr);
} IDispatchVtbl;
struct IDispatch {
    const IDispatchVtbl *lpVtbl;
};

#define IDispatch_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IDispatch_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IDispatch_Release(This) ((This)->lpVtbl->Release(This))
#define IDispatch_GetTypeInfoCount(This, p) ((This)->lpVtbl->GetTypeInfoCount(This, p))
#define IDispatch_GetTypeInfo(This, i, lcid, pp) ((This)->lpVtbl->GetTypeInfo(This, i, lcid, pp))
#define IDispatch_GetIDsOfNames(This, riid, names, n, lcid, ids) \
    ((This)->lpVtbl->GetIDsOfNames(This, riid, names, n, lcid, ids))
#define IDispatch_Invoke(This, id, riid, lcid, flags, params, res, exc, argerr) \
    ((This)->lpVtbl->Invoke(This, id, riid, lcid, flags, params, res, exc, argerr))

COMRT_API extern const IID IID_IDispatch; /* {00020400-0000-0000-C000-000000000046} */
COMRT_API extern const IID IID_ITypeInfo; /* {00020401-0000-0000-C000-000000000046} */
COMRT_API extern const IID IID_ITypeLib;  /* {00020402-0000-0000-C000-000000000046} */

#ifdef __cplusplus
}
#endif

#endif /* COMRT_OLEAUTO_H */
