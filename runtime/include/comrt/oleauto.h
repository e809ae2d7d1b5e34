/*
 * comrt/oleauto.h - automation types: BSTR functions, VARIANT, SAFEARRAY,
 * IDispatch. Layouts are COM's (as Wine lays them out on LP64).
 *
 * The VARIANT and SAFEARRAY functions follow oleaut32's documented behaviour;
 * docs/automation.md lists what is supported and where comrt differs
 * (locale-independent number text, ISO 8601 dates, no VT_RECORD arrays).
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

/* By-reference accessors (VT_BYREF|VT_xxx), as in Windows' oleauto.h. */
#define V_I1REF(X) ((X)->pcVal)
#define V_UI1REF(X) ((X)->pbVal)
#define V_I2REF(X) ((X)->piVal)
#define V_UI2REF(X) ((X)->puiVal)
#define V_I4REF(X) ((X)->plVal)
#define V_UI4REF(X) ((X)->pulVal)
#define V_I8REF(X) ((X)->pllVal)
#define V_UI8REF(X) ((X)->pullVal)
#define V_INTREF(X) ((X)->pintVal)
#define V_UINTREF(X) ((X)->puintVal)
#define V_R4REF(X) ((X)->pfltVal)
#define V_R8REF(X) ((X)->pdblVal)
#define V_BOOLREF(X) ((X)->pboolVal)
#define V_ERRORREF(X) ((X)->pscode)
#define V_CYREF(X) ((X)->pcyVal)
#define V_DATEREF(X) ((X)->pdate)
#define V_BSTRREF(X) ((X)->pbstrVal)
#define V_UNKNOWNREF(X) ((X)->ppunkVal)
#define V_DISPATCHREF(X) ((X)->ppdispVal)
#define V_ARRAYREF(X) ((X)->pparray)
#define V_DECIMALREF(X) ((X)->pdecVal)

/* VARIANT and SAFEARRAY functions ------------------------------------------- */

/* wFlags of VariantChangeType(Ex). comrt honours NOVALUEPROP and ALPHABOOL;
 * LOCALBOOL behaves as ALPHABOOL (English "True"/"False"), the others are
 * accepted and ignored because conversions never consult a locale. */
#define VARIANT_NOVALUEPROP 0x01
#define VARIANT_ALPHABOOL 0x02
#define VARIANT_NOUSEROVERRIDE 0x04
#define VARIANT_CALENDAR_HIJRI 0x08
#define VARIANT_LOCALBOOL 0x10
#define VARIANT_CALENDAR_THAI 0x20
#define VARIANT_CALENDAR_GREGORIAN 0x40
#define VARIANT_USE_NLS 0x80

/* LCIDs callers pass to the ...Ex functions; comrt accepts any value and
 * converts the same way for all (see docs/automation.md). */
#ifndef LOCALE_USER_DEFAULT
#define LOCALE_NEUTRAL 0x0000
#define LOCALE_INVARIANT 0x007f
#define LOCALE_USER_DEFAULT 0x0400
#define LOCALE_SYSTEM_DEFAULT 0x0800
#endif

/* SAFEARRAY.fFeatures, with Windows' values. */
#define FADF_AUTO 0x0001        /* descriptor and data on the stack: never freed */
#define FADF_STATIC 0x0002      /* data statically allocated: cleared, never freed */
#define FADF_EMBEDDED 0x0004    /* embedded in a structure: never freed */
#define FADF_FIXEDSIZE 0x0010   /* SafeArrayRedim refuses it */
#define FADF_RECORD 0x0020      /* elements are records (not supported by comrt) */
#define FADF_HAVEIID 0x0040     /* an IID is stored in the 16 bytes before the descriptor */
#define FADF_HAVEVARTYPE 0x0080 /* a VARTYPE is stored in the 4 bytes before the descriptor */
#define FADF_BSTR 0x0100        /* elements are BSTRs, freed on destroy */
#define FADF_UNKNOWN 0x0200     /* elements are IUnknown *, released on destroy */
#define FADF_DISPATCH 0x0400    /* elements are IDispatch *, released on destroy */
#define FADF_VARIANT 0x0800     /* elements are VARIANTs, cleared on destroy */
#define FADF_RESERVED 0xF008

/*
 * VariantInit - sets vt to VT_EMPTY and nothing else; it frees nothing.
 */
COMRT_API void VariantInit(VARIANTARG *pvarg);

/*
 * VariantClear - frees what pvarg owns (SysFreeString a BSTR, Release an
 * UNKNOWN/DISPATCH, SafeArrayDestroy a VT_ARRAY; nothing for VT_BYREF) and
 * sets vt to VT_EMPTY. DISP_E_BADVARTYPE for an invalid vt (nothing freed);
 * DISP_E_ARRAYISLOCKED for a locked array (pvarg left unchanged).
 */
COMRT_API HRESULT VariantClear(VARIANTARG *pvarg);

/*
 * VariantCopy - clears pvargDest (which must hold a valid VARIANT), then makes
 * it a deep copy of pvargSrc: BSTRs and arrays are duplicated, interfaces
 * AddRef'd; a VT_BYREF source copies only the pointer. Copying onto itself
 * does nothing. Errors: DISP_E_BADVARTYPE, E_OUTOFMEMORY (pvargDest is then
 * VT_EMPTY), or VariantClear's error on pvargDest (pvargDest untouched).
 */
COMRT_API HRESULT VariantCopy(VARIANTARG *pvargDest, const VARIANTARG *pvargSrc);

/*
 * VariantCopyInd - as VariantCopy, but a VT_BYREF source is dereferenced: the
 * pointed-to value is deep-copied into pvarDest with VT_BYREF removed
 * (VT_BYREF|VT_VARIANT copies the referenced VARIANT; one level only).
 * pvarDest may equal pvargSrc (dereference in place). E_INVALIDARG for an
 * invalid by-reference type, as COM.
 */
COMRT_API HRESULT VariantCopyInd(VARIANT *pvarDest, const VARIANTARG *pvargSrc);

/*
 * VariantChangeType(Ex) - converts pvarSrc (dereferencing VT_BYREF) to type vt
 * and stores the result in pvargDest, which must hold a valid VARIANT and is
 * cleared first; pvargDest may equal pvarSrc (in-place conversion, the old
 * value is freed). On failure pvargDest is untouched. Numbers convert with
 * banker's rounding; number <-> string never depends on the C locale ('.' is
 * the decimal point); DATE <-> string is ISO 8601 "YYYY-MM-DD[ HH:MM:SS]".
 * Errors: DISP_E_TYPEMISMATCH (no conversion, unparsable text),
 * DISP_E_OVERFLOW (value out of range of vt), DISP_E_BADVARTYPE (invalid vt
 * on either side), E_OUTOFMEMORY. lcid is accepted and ignored.
 */
COMRT_API HRESULT VariantChangeType(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, USHORT wFlags, VARTYPE vt);
COMRT_API HRESULT VariantChangeTypeEx(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, LCID lcid, USHORT wFlags,
                                      VARTYPE vt);

/*
 * SAFEARRAY. Bounds given to SafeArrayCreate and indexes given to
 * Get/PutElement and PtrOfIndex are in COM's order: element 0 is the first
 * (leftmost) dimension, which varies fastest in memory; the descriptor's
 * rgsabound[] holds them reversed, as in Windows. Dimensions are numbered
 * from 1 in GetLBound/GetUBound. Arrays created here own their elements:
 * destroying one frees BSTRs, releases interfaces and clears VARIANTs.
 * Supported element types: I1, UI1, I2, UI2, I4, UI4, I8, UI8, INT, UINT,
 * INT_PTR, UINT_PTR, R4, R8, CY, DATE, BSTR, DISPATCH, ERROR, BOOL, VARIANT,
 * UNKNOWN, DECIMAL (not RECORD).
 */

/* Allocates a zeroed descriptor with cDims dimensions (1..65535; else
 * E_INVALIDARG); the caller fills fFeatures, cbElements and rgsabound. */
COMRT_API HRESULT SafeArrayAllocDescriptor(UINT cDims, SAFEARRAY **ppsaOut);
/* As above, and records vt (FADF_HAVEVARTYPE, or FADF_HAVEIID with the IID
 * for UNKNOWN/DISPATCH) and sets cbElements from it. */
COMRT_API HRESULT SafeArrayAllocDescriptorEx(VARTYPE vt, UINT cDims, SAFEARRAY **ppsaOut);
/* Allocates zeroed data for the bounds in the descriptor. E_INVALIDARG,
 * E_OUTOFMEMORY (also when the size overflows). */
COMRT_API HRESULT SafeArrayAllocData(SAFEARRAY *psa);
/* A new array of cDims dimensions, rgsabound[0] the first; NULL for an
 * unsupported vt, cDims 0, or no memory. Destroy with SafeArrayDestroy. */
COMRT_API SAFEARRAY *SafeArrayCreate(VARTYPE vt, UINT cDims, SAFEARRAYBOUND *rgsabound);
COMRT_API SAFEARRAY *SafeArrayCreateVector(VARTYPE vt, LONG lLbound, ULONG cElements);
/* Frees the elements, the data and the descriptor. NULL is S_OK;
 * DISP_E_ARRAYISLOCKED (nothing freed) while locked. FADF_AUTO/STATIC/
 * EMBEDDED memory is cleared but not freed. */
COMRT_API HRESULT SafeArrayDestroy(SAFEARRAY *psa);
/* Frees the elements and the data block (pvData becomes NULL). */
COMRT_API HRESULT SafeArrayDestroyData(SAFEARRAY *psa);
/* Frees the descriptor only (the data must already be gone). */
COMRT_API HRESULT SafeArrayDestroyDescriptor(SAFEARRAY *psa);
COMRT_API UINT SafeArrayGetDim(SAFEARRAY *psa);      /* 0 for NULL */
COMRT_API UINT SafeArrayGetElemsize(SAFEARRAY *psa); /* 0 for NULL */
/* Bounds of dimension nDim (1-based). E_INVALIDARG, DISP_E_BADINDEX. */
COMRT_API HRESULT SafeArrayGetLBound(SAFEARRAY *psa, UINT nDim, LONG *plLbound);
COMRT_API HRESULT SafeArrayGetUBound(SAFEARRAY *psa, UINT nDim, LONG *plUbound);
/* Lock counting (atomic). While cLocks > 0, Destroy/Redim fail with
 * DISP_E_ARRAYISLOCKED. E_UNEXPECTED on Unlock of an unlocked array or
 * beyond 65535 locks. */
COMRT_API HRESULT SafeArrayLock(SAFEARRAY *psa);
COMRT_API HRESULT SafeArrayUnlock(SAFEARRAY *psa);
/* Lock and return pvData (borrowed: valid until SafeArrayUnaccessData). */
COMRT_API HRESULT SafeArrayAccessData(SAFEARRAY *psa, void **ppvData);
COMRT_API HRESULT SafeArrayUnaccessData(SAFEARRAY *psa);
/* The address of one element (borrowed; lock the array while using it).
 * DISP_E_BADINDEX for an index out of its dimension's bounds. */
COMRT_API HRESULT SafeArrayPtrOfIndex(SAFEARRAY *psa, LONG *rgIndices, void **ppvData);
/*
 * SafeArrayGetElement - copies one element to pv, owned by the caller: a BSTR
 * array writes a new BSTR to *(BSTR *)pv, an interface array an AddRef'd
 * pointer, a VARIANT array a deep copy (pv is overwritten, not cleared).
 * SafeArrayPutElement - stores a copy of pv's value: for BSTR arrays pv IS
 * the BSTR, for UNKNOWN/DISPATCH arrays pv IS the interface pointer (AddRef'd
 * by the array), otherwise pv points at the value (a VARIANT is deep-copied);
 * the element's old value is freed. Both: E_INVALIDARG, DISP_E_BADINDEX,
 * E_OUTOFMEMORY.
 */
COMRT_API HRESULT SafeArrayGetElement(SAFEARRAY *psa, LONG *rgIndices, void *pv);
COMRT_API HRESULT SafeArrayPutElement(SAFEARRAY *psa, LONG *rgIndices, void *pv);
/* A deep copy (new descriptor, data and elements) in *ppsaOut, owned by the
 * caller; a NULL psa gives *ppsaOut = NULL and S_OK. */
COMRT_API HRESULT SafeArrayCopy(SAFEARRAY *psa, SAFEARRAY **ppsaOut);
/* Deep-copies the elements of psaSource over those of psaTarget, which must
 * have the same shape and element size (else E_INVALIDARG). */
COMRT_API HRESULT SafeArrayCopyData(SAFEARRAY *psaSource, SAFEARRAY *psaTarget);
/* Changes the last dimension given at creation (the slowest varying, so the
 * data stays in place): growing zero-fills, shrinking frees the dropped
 * elements. E_INVALIDARG (also FADF_FIXEDSIZE), DISP_E_ARRAYISLOCKED,
 * E_OUTOFMEMORY. */
COMRT_API HRESULT SafeArrayRedim(SAFEARRAY *psa, SAFEARRAYBOUND *psaboundNew);
/* The element VARTYPE recorded at creation; E_INVALIDARG when none is. */
COMRT_API HRESULT SafeArrayGetVartype(SAFEARRAY *psa, VARTYPE *pvt);
/* The IID of an FADF_HAVEIID array (E_INVALIDARG otherwise). */
COMRT_API HRESULT SafeArrayGetIID(SAFEARRAY *psa, GUID *pguid);
COMRT_API HRESULT SafeArraySetIID(SAFEARRAY *psa, REFGUID guid);

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
