/*
 * comrt/typeinfo.h - ITypeLib and ITypeInfo: COM's type information
 * interfaces over comidl's type libraries (comrt/typelib.h).
 *
 * The vtables keep COM's full slot order, so C written against oaidl.h
 * ports unchanged; the slots comrt does not implement return E_NOTIMPL
 * (ITypeInfo: GetTypeComp, GetDllEntry, AddressOfMember, CreateInstance,
 * GetMops; ITypeLib: GetTypeComp). Structure layouts (TYPEATTR, FUNCDESC,
 * VARDESC, ELEMDESC, TYPEDESC, PARAMDESC...) are COM's as Wine lays them
 * out on LP64. Strings (names, docstrings) are UTF-8 BSTRs.
 *
 * How a comidl library appears (docs/dispatch.md):
 *  - GetTypeInfo(i) enumerates the library's own interfaces and
 *    dispinterfaces (not the EXTERNAL ones), then coclasses, structs
 *    (TKIND_RECORD) and enums (TKIND_ENUM). Interfaces of imported files
 *    (IUnknown, IDispatch) are reachable through GetRefTypeInfo only.
 *  - An `[object]` interface, dual or not, is TKIND_INTERFACE; a dual one
 *    has TYPEFLAG_FDUAL and its ITypeInfo::Invoke works directly (no
 *    separate TKIND_DISPATCH twin: GetRefTypeOfImplType(-1) returns the
 *    interface itself). cFuncs counts its own methods; the parent is impl
 *    type 0. A dispinterface is TKIND_DISPATCH with its methods as
 *    FUNC_DISPATCH and its properties as VAR_DISPATCH.
 *  - Member lookups by name or MEMBERID (GetIDsOfNames, GetNames,
 *    GetDocumentation, Invoke) search inherited interfaces too.
 *
 * Threading: the objects are immutable after creation and free-threaded.
 */
#ifndef COMRT_TYPEINFO_H
#define COMRT_TYPEINFO_H

#include "comrt/oleauto.h"
#include "comrt/typelib.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef DWORD HREFTYPE;
typedef struct ITypeComp ITypeComp;

typedef enum tagTYPEKIND {
    TKIND_ENUM = 0,
    TKIND_RECORD,
    TKIND_MODULE,
    TKIND_INTERFACE,
    TKIND_DISPATCH,
    TKIND_COCLASS,
    TKIND_ALIAS,
    TKIND_UNION,
    TKIND_MAX
} TYPEKIND;

typedef enum tagSYSKIND { SYS_WIN16 = 0, SYS_WIN32, SYS_MAC, SYS_WIN64 } SYSKIND;

typedef enum tagFUNCKIND { FUNC_VIRTUAL, FUNC_PUREVIRTUAL, FUNC_NONVIRTUAL, FUNC_STATIC, FUNC_DISPATCH } FUNCKIND;

typedef enum tagINVOKEKIND {
    INVOKE_FUNC = 1,
    INVOKE_PROPERTYGET = 2,
    INVOKE_PROPERTYPUT = 4,
    INVOKE_PROPERTYPUTREF = 8
} INVOKEKIND;

typedef enum tagCALLCONV {
    CC_FASTCALL = 0,
    CC_CDECL = 1,
    CC_MSCPASCAL,
    CC_PASCAL = CC_MSCPASCAL,
    CC_MACPASCAL,
    CC_STDCALL,
    CC_FPFASTCALL,
    CC_SYSCALL,
    CC_MPWCDECL,
    CC_MPWPASCAL,
    CC_MAX
} CALLCONV; /* comrt reports CC_CDECL: the platform's C convention */

typedef enum tagVARKIND { VAR_PERINSTANCE, VAR_STATIC, VAR_CONST, VAR_DISPATCH } VARKIND;

typedef enum tagDESCKIND {
    DESCKIND_NONE = 0,
    DESCKIND_FUNCDESC,
    DESCKIND_VARDESC,
    DESCKIND_TYPECOMP,
    DESCKIND_IMPLICITAPPOBJ,
    DESCKIND_MAX
} DESCKIND;

/* TYPEATTR.wTypeFlags */
#define TYPEFLAG_FAPPOBJECT 0x1
#define TYPEFLAG_FCANCREATE 0x2
#define TYPEFLAG_FLICENSED 0x4
#define TYPEFLAG_FPREDECLID 0x8
#define TYPEFLAG_FHIDDEN 0x10
#define TYPEFLAG_FCONTROL 0x20
#define TYPEFLAG_FDUAL 0x40
#define TYPEFLAG_FNONEXTENSIBLE 0x80
#define TYPEFLAG_FOLEAUTOMATION 0x100
#define TYPEFLAG_FRESTRICTED 0x200
#define TYPEFLAG_FAGGREGATABLE 0x400
#define TYPEFLAG_FREPLACEABLE 0x800
#define TYPEFLAG_FDISPATCHABLE 0x1000
#define TYPEFLAG_FREVERSEBIND 0x2000
#define TYPEFLAG_FPROXY 0x4000

/* FUNCDESC.wFuncFlags */
#define FUNCFLAG_FRESTRICTED 0x1
#define FUNCFLAG_FSOURCE 0x2
#define FUNCFLAG_FBINDABLE 0x4
#define FUNCFLAG_FREQUESTEDIT 0x8
#define FUNCFLAG_FDISPLAYBIND 0x10
#define FUNCFLAG_FDEFAULTBIND 0x20
#define FUNCFLAG_FHIDDEN 0x40
#define FUNCFLAG_FUSESGETLASTERROR 0x80
#define FUNCFLAG_FDEFAULTCOLLELEM 0x100
#define FUNCFLAG_FUIDEFAULT 0x200
#define FUNCFLAG_FNONBROWSABLE 0x400
#define FUNCFLAG_FREPLACEABLE 0x800
#define FUNCFLAG_FIMMEDIATEBIND 0x1000

/* VARDESC.wVarFlags */
#define VARFLAG_FREADONLY 0x1
#define VARFLAG_FSOURCE 0x2
#define VARFLAG_FBINDABLE 0x4
#define VARFLAG_FREQUESTEDIT 0x8
#define VARFLAG_FDISPLAYBIND 0x10
#define VARFLAG_FDEFAULTBIND 0x20
#define VARFLAG_FHIDDEN 0x40
#define VARFLAG_FRESTRICTED 0x80

/* PARAMDESC.wParamFlags */
#define PARAMFLAG_NONE 0x00
#define PARAMFLAG_FIN 0x01
#define PARAMFLAG_FOUT 0x02
#define PARAMFLAG_FLCID 0x04
#define PARAMFLAG_FRETVAL 0x08
#define PARAMFLAG_FOPT 0x10
#define PARAMFLAG_FHASDEFAULT 0x20
#define PARAMFLAG_FHASCUSTDATA 0x40

/* GetImplTypeFlags */
#define IMPLTYPEFLAG_FDEFAULT 0x1
#define IMPLTYPEFLAG_FSOURCE 0x2
#define IMPLTYPEFLAG_FRESTRICTED 0x4
#define IMPLTYPEFLAG_FDEFAULTVTABLE 0x8

/* TLIBATTR.wLibFlags */
#define LIBFLAG_FRESTRICTED 0x1
#define LIBFLAG_FCONTROL 0x2
#define LIBFLAG_FHIDDEN 0x4
#define LIBFLAG_FHASDISKIMAGE 0x8

#define MEMBERID_NIL DISPID_UNKNOWN

typedef struct tagTYPEDESC {
    union {
        struct tagTYPEDESC *lptdesc; /* VT_PTR, VT_SAFEARRAY: the element */
        struct tagARRAYDESC *lpadesc; /* VT_CARRAY */
        HREFTYPE hreftype;           /* VT_USERDEFINED: for GetRefTypeInfo */
    };
    VARTYPE vt;
} TYPEDESC;

typedef struct tagARRAYDESC {
    TYPEDESC tdescElem;
    USHORT cDims;
    SAFEARRAYBOUND rgbounds[1];
} ARRAYDESC;

typedef struct tagPARAMDESCEX {
    ULONG cBytes;
    VARIANTARG varDefaultValue;
} PARAMDESCEX, *LPPARAMDESCEX;

typedef struct tagPARAMDESC {
    LPPARAMDESCEX pparamdescex; /* with PARAMFLAG_FHASDEFAULT */
    USHORT wParamFlags;
} PARAMDESC;

typedef struct tagIDLDESC {
    uintptr_t dwReserved; /* ULONG_PTR */
    USHORT wIDLFlags;
} IDLDESC;

typedef struct tagELEMDESC {
    TYPEDESC tdesc;
    union {
        IDLDESC idldesc;
        PARAMDESC paramdesc;
    };
} ELEMDESC;

typedef struct tagTYPEATTR {
    GUID guid;
    LCID lcid;
    DWORD dwReserved;
    MEMBERID memidConstructor;
    MEMBERID memidDestructor;
    LPOLESTR lpstrSchema;
    ULONG cbSizeInstance;
    TYPEKIND typekind;
    WORD cFuncs;
    WORD cVars;
    WORD cImplTypes;
    WORD cbSizeVft;
    WORD cbAlignment;
    WORD wTypeFlags;
    WORD wMajorVerNum;
    WORD wMinorVerNum;
    TYPEDESC tdescAlias;
    IDLDESC idldescType;
} TYPEATTR;

typedef struct tagFUNCDESC {
    MEMBERID memid;
    SCODE *lprgscode;
    ELEMDESC *lprgelemdescParam; /* cParams entries */
    FUNCKIND funckind;
    INVOKEKIND invkind;
    CALLCONV callconv;
    SHORT cParams;
    SHORT cParamsOpt;
    SHORT oVft;    /* byte offset of the vtable slot (slot * sizeof(void *)) */
    SHORT cScodes;
    ELEMDESC elemdescFunc; /* the return type */
    WORD wFuncFlags;
} FUNCDESC;

typedef struct tagVARDESC {
    MEMBERID memid;
    LPOLESTR lpstrSchema;
    union {
        ULONG oInst;          /* VAR_PERINSTANCE: field offset */
        VARIANT *lpvarValue;  /* VAR_CONST: the value */
    };
    ELEMDESC elemdescVar;
    WORD wVarFlags;
    VARKIND varkind;
} VARDESC;

typedef struct tagTLIBATTR {
    GUID guid;
    LCID lcid;
    SYSKIND syskind;
    WORD wMajorVerNum;
    WORD wMinorVerNum;
    WORD wLibFlags;
} TLIBATTR;

/* ITypeInfo ------------------------------------------------------------------ */

/*
 * Descriptions returned by GetTypeAttr/GetFuncDesc/GetVarDesc are the
 * caller's and must be given back to ReleaseTypeAttr/ReleaseFuncDesc/
 * ReleaseVarDesc of the same ITypeInfo. Out BSTRs are the caller's
 * (SysFreeString); any BSTR out pointer may be NULL when not wanted.
 */
typedef struct ITypeInfoVtbl {
    HRESULT (*QueryInterface)(ITypeInfo *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(ITypeInfo *This);
    ULONG (*Release)(ITypeInfo *This);
    HRESULT (*GetTypeAttr)(ITypeInfo *This, TYPEATTR **ppTypeAttr);
    HRESULT (*GetTypeComp)(ITypeInfo *This, ITypeComp **ppTComp); /* E_NOTIMPL */
    HRESULT (*GetFuncDesc)(ITypeInfo *This, UINT index, FUNCDESC **ppFuncDesc);
    HRESULT (*GetVarDesc)(ITypeInfo *This, UINT index, VARDESC **ppVarDesc);
    /* rgBstrNames[0] = the member's name, then its parameters' names. */
    HRESULT (*GetNames)(ITypeInfo *This, MEMBERID memid, BSTR *rgBstrNames, UINT cMaxNames, UINT *pcNames);
    HRESULT (*GetRefTypeOfImplType)(ITypeInfo *This, UINT index, HREFTYPE *pRefType);
    HRESULT (*GetImplTypeFlags)(ITypeInfo *This, UINT index, INT *pImplTypeFlags);
    /* rgszNames[0] a member (case-insensitive), the rest its parameters. */
    HRESULT (*GetIDsOfNames)(ITypeInfo *This, LPOLESTR *rgszNames, UINT cNames, MEMBERID *pMemId);
    /* Calls the member on pvInstance, an interface pointer of this type (see DispInvoke). */
    HRESULT (*Invoke)(ITypeInfo *This, PVOID pvInstance, MEMBERID memid, WORD wFlags, DISPPARAMS *pDispParams,
                      VARIANT *pVarResult, EXCEPINFO *pExcepInfo, UINT *puArgErr);
    /* memid MEMBERID_NIL documents the type itself. */
    HRESULT (*GetDocumentation)(ITypeInfo *This, MEMBERID memid, BSTR *pBstrName, BSTR *pBstrDocString,
                                DWORD *pdwHelpContext, BSTR *pBstrHelpFile);
    HRESULT (*GetDllEntry)(ITypeInfo *This, MEMBERID memid, INVOKEKIND invKind, BSTR *pBstrDllName,
                           BSTR *pBstrName, WORD *pwOrdinal); /* E_NOTIMPL */
    HRESULT (*GetRefTypeInfo)(ITypeInfo *This, HREFTYPE hRefType, ITypeInfo **ppTInfo);
    HRESULT (*AddressOfMember)(ITypeInfo *This, MEMBERID memid, INVOKEKIND invKind, PVOID *ppv); /* E_NOTIMPL */
    HRESULT (*CreateInstance)(ITypeInfo *This, IUnknown *pUnkOuter, REFIID riid, PVOID *ppvObj); /* coclass: CoCreateInstance */
    HRESULT (*GetMops)(ITypeInfo *This, MEMBERID memid, BSTR *pBstrMops); /* E_NOTIMPL */
    HRESULT (*GetContainingTypeLib)(ITypeInfo *This, ITypeLib **ppTLib, UINT *pIndex);
    void (*ReleaseTypeAttr)(ITypeInfo *This, TYPEATTR *pTypeAttr);
    void (*ReleaseFuncDesc)(ITypeInfo *This, FUNCDESC *pFuncDesc);
    void (*ReleaseVarDesc)(ITypeInfo *This, VARDESC *pVarDesc);
} ITypeInfoVtbl;
struct ITypeInfo {
    const ITypeInfoVtbl *lpVtbl;
};

#define ITypeInfo_QueryInterface(p, a, b) ((p)->lpVtbl->QueryInterface(p, a, b))
#define ITypeInfo_AddRef(p) ((p)->lpVtbl->AddRef(p))
#define ITypeInfo_Release(p) ((p)->lpVtbl->Release(p))
#define ITypeInfo_GetTypeAttr(p, a) ((p)->lpVtbl->GetTypeAttr(p, a))
#define ITypeInfo_GetTypeComp(p, a) ((p)->lpVtbl->GetTypeComp(p, a))
#define ITypeInfo_GetFuncDesc(p, a, b) ((p)->lpVtbl->GetFuncDesc(p, a, b))
#define ITypeInfo_GetVarDesc(p, a, b) ((p)->lpVtbl->GetVarDesc(p, a, b))
#define ITypeInfo_GetNames(p, a, b, c, d) ((p)->lpVtbl->GetNames(p, a, b, c, d))
#define ITypeInfo_GetRefTypeOfImplType(p, a, b) ((p)->lpVtbl->GetRefTypeOfImplType(p, a, b))
#define ITypeInfo_GetImplTypeFlags(p, a, b) ((p)->lpVtbl->GetImplTypeFlags(p, a, b))
#define ITypeInfo_GetIDsOfNames(p, a, b, c) ((p)->lpVtbl->GetIDsOfNames(p, a, b, c))
#define ITypeInfo_Invoke(p, a, b, c, d, e, f, g) ((p)->lpVtbl->Invoke(p, a, b, c, d, e, f, g))
#define ITypeInfo_GetDocumentation(p, a, b, c, d, e) ((p)->lpVtbl->GetDocumentation(p, a, b, c, d, e))
#define ITypeInfo_GetDllEntry(p, a, b, c, d, e) ((p)->lpVtbl->GetDllEntry(p, a, b, c, d, e))
#define ITypeInfo_GetRefTypeInfo(p, a, b) ((p)->lpVtbl->GetRefTypeInfo(p, a, b))
#define ITypeInfo_AddressOfMember(p, a, b, c) ((p)->lpVtbl->AddressOfMember(p, a, b, c))
#define ITypeInfo_CreateInstance(p, a, b, c) ((p)->lpVtbl->CreateInstance(p, a, b, c))
#define ITypeInfo_GetMops(p, a, b) ((p)->lpVtbl->GetMops(p, a, b))
#define ITypeInfo_GetContainingTypeLib(p, a, b) ((p)->lpVtbl->GetContainingTypeLib(p, a, b))
#define ITypeInfo_ReleaseTypeAttr(p, a) ((p)->lpVtbl->ReleaseTypeAttr(p, a))
#define ITypeInfo_ReleaseFuncDesc(p, a) ((p)->lpVtbl->ReleaseFuncDesc(p, a))
#define ITypeInfo_ReleaseVarDesc(p, a) ((p)->lpVtbl->ReleaseVarDesc(p, a))

/* ITypeLib ---------------------------------------------------------------- */

typedef struct ITypeLibVtbl {
    HRESULT (*QueryInterface)(ITypeLib *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(ITypeLib *This);
    ULONG (*Release)(ITypeLib *This);
    UINT (*GetTypeInfoCount)(ITypeLib *This);
    HRESULT (*GetTypeInfo)(ITypeLib *This, UINT index, ITypeInfo **ppTInfo);
    HRESULT (*GetTypeInfoType)(ITypeLib *This, UINT index, TYPEKIND *pTKind);
    /* An interface, dispinterface or coclass by IID/CLSID (external ones too). */
    HRESULT (*GetTypeInfoOfGuid)(ITypeLib *This, REFGUID guid, ITypeInfo **ppTinfo);
    HRESULT (*GetLibAttr)(ITypeLib *This, TLIBATTR **ppTLibAttr);
    HRESULT (*GetTypeComp)(ITypeLib *This, ITypeComp **ppTComp); /* E_NOTIMPL */
    /* index -1 documents the library itself. */
    HRESULT (*GetDocumentation)(ITypeLib *This, INT index, BSTR *pBstrName, BSTR *pBstrDocString,
                                DWORD *pdwHelpContext, BSTR *pBstrHelpFile);
    HRESULT (*IsName)(ITypeLib *This, LPOLESTR szNameBuf, ULONG lHashVal, BOOL *pfName);
    HRESULT (*FindName)(ITypeLib *This, LPOLESTR szNameBuf, ULONG lHashVal, ITypeInfo **ppTInfo,
                        MEMBERID *rgMemId, USHORT *pcFound);
    void (*ReleaseTLibAttr)(ITypeLib *This, TLIBATTR *pTLibAttr);
} ITypeLibVtbl;
struct ITypeLib {
    const ITypeLibVtbl *lpVtbl;
};

#define ITypeLib_QueryInterface(p, a, b) ((p)->lpVtbl->QueryInterface(p, a, b))
#define ITypeLib_AddRef(p) ((p)->lpVtbl->AddRef(p))
#define ITypeLib_Release(p) ((p)->lpVtbl->Release(p))
#define ITypeLib_GetTypeInfoCount(p) ((p)->lpVtbl->GetTypeInfoCount(p))
#define ITypeLib_GetTypeInfo(p, a, b) ((p)->lpVtbl->GetTypeInfo(p, a, b))
#define ITypeLib_GetTypeInfoType(p, a, b) ((p)->lpVtbl->GetTypeInfoType(p, a, b))
#define ITypeLib_GetTypeInfoOfGuid(p, a, b) ((p)->lpVtbl->GetTypeInfoOfGuid(p, a, b))
#define ITypeLib_GetLibAttr(p, a) ((p)->lpVtbl->GetLibAttr(p, a))
#define ITypeLib_GetTypeComp(p, a) ((p)->lpVtbl->GetTypeComp(p, a))
#define ITypeLib_GetDocumentation(p, a, b, c, d, e) ((p)->lpVtbl->GetDocumentation(p, a, b, c, d, e))
#define ITypeLib_IsName(p, a, b, c) ((p)->lpVtbl->IsName(p, a, b, c))
#define ITypeLib_FindName(p, a, b, c, d, e) ((p)->lpVtbl->FindName(p, a, b, c, d, e))
#define ITypeLib_ReleaseTLibAttr(p, a) ((p)->lpVtbl->ReleaseTLibAttr(p, a))

/*
 * comrt_typelib_open - an ITypeLib over a loaded comidl library (the caller
 * keeps its own reference to tl). *out has one reference. E_POINTER,
 * E_OUTOFMEMORY.
 */
COMRT_API HRESULT comrt_typelib_open(comrt_typelib *tl, ITypeLib **out);

/*
 * comrt_typeinfo_for - the ITypeInfo of interface iid from an embedded type
 * library (the comrt_typelib_data/_size arrays `comidl --tlb-c` writes),
 * loaded once per process and cached (keyed by the array's address and
 * size). *out has one reference. What a dual interface's IDispatch methods
 * call (COMRT_DISPATCH_IMPL in comrt/dispatch.h). TYPE_E_ELEMENTNOTFOUND
 * when the library does not describe iid.
 */
COMRT_API HRESULT comrt_typeinfo_for(const void *tlb_data, size_t tlb_size, REFIID iid, ITypeInfo **out);

/*
 * comrt_typeinfo_interface - the comidl description behind an ITypeInfo
 * made by comrt (borrowed, lives as long as ti), or NULL when ti is not
 * comrt's or not an interface.
 */
COMRT_API const comrt_tl_interface *comrt_typeinfo_interface(ITypeInfo *ti);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_TYPEINFO_H */
