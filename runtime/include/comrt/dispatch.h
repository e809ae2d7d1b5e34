/*
 * comrt/dispatch.h - IDispatch driven by type information, and loading and
 * registering type libraries the automation way (docs/dispatch.md).
 *
 * A [dual] interface's four IDispatch methods are one line with
 * COMRT_DISPATCH_IMPL: GetIDsOfNames and Invoke go through the interface's
 * ITypeInfo (comrt/typeinfo.h), which calls the vtable slot with libffi
 * after coercing every argument with VariantChangeType.
 *
 * Invoke's rules (COM's, as oleaut32 implements them):
 *  - rgvarg is in reverse order; named arguments come first in rgvarg and
 *    rgdispidNamedArgs gives each one's parameter index (0-based, [lcid]
 *    and [retval] parameters not counted); DISPID_PROPERTYPUT names the
 *    value of a property put.
 *  - wFlags DISPATCH_METHOD|DISPATCH_PROPERTYGET selects a method or a
 *    property get of that DISPID; DISPATCH_PROPERTYPUT / PUTREF the put.
 *  - An omitted [optional] argument, or one passed as VT_ERROR with
 *    DISP_E_PARAMNOTFOUND, takes its [defaultvalue], or for a VARIANT
 *    parameter VT_ERROR/DISP_E_PARAMNOTFOUND.
 *  - Errors: DISP_E_MEMBERNOTFOUND (no member with that DISPID and kind),
 *    DISP_E_BADPARAMCOUNT (too many arguments, or too few positional ones),
 *    DISP_E_PARAMNOTOPTIONAL (a required argument passed as missing or not
 *    named), DISP_E_PARAMNOTFOUND (a named argument's DISPID is no
 *    parameter; *puArgErr its rgvarg index), DISP_E_TYPEMISMATCH (an
 *    argument cannot be coerced; *puArgErr is its index in rgvarg),
 *    DISP_E_EXCEPTION (the method failed: EXCEPINFO.scode is its HRESULT,
 *    the strings come from the error object it set, else from the HRESULT's
 *    message).
 *  - [out] parameters other than [retval] take VT_BYREF arguments of the
 *    exact type (or VT_BYREF|VT_VARIANT for VARIANT *).
 */
#ifndef COMRT_DISPATCH_H
#define COMRT_DISPATCH_H

#include "comrt/typeinfo.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * DispGetIDsOfNames - ITypeInfo_GetIDsOfNames for an IDispatch:
 * DISP_E_UNKNOWNNAME (unknown names get DISPID_UNKNOWN) when a name is not
 * found.
 */
COMRT_API HRESULT DispGetIDsOfNames(ITypeInfo *ptinfo, LPOLESTR *rgszNames, UINT cNames, DISPID *rgdispid);

/* DispInvoke - ITypeInfo_Invoke(ptinfo, _this, ...): calls a member of _this. */
COMRT_API HRESULT DispInvoke(void *_this, ITypeInfo *ptinfo, DISPID dispidMember, WORD wFlags,
                             DISPPARAMS *pparams, VARIANT *pvarResult, EXCEPINFO *pexcepinfo, UINT *puArgErr);

/*
 * CreateStdDispatch - an object implementing IDispatch for pvThis (an
 * interface pointer described by ptinfo). Its IUnknown is returned in
 * *ppunkStdDisp (one reference); its IDispatch delegates QueryInterface,
 * AddRef and Release to punkOuter (which must outlive it) when non-NULL.
 */
COMRT_API HRESULT CreateStdDispatch(IUnknown *punkOuter, void *pvThis, ITypeInfo *ptinfo, IUnknown **ppunkStdDisp);

/*
 * LoadTypeLib - an ITypeLib from a .tlb file or an ELF file embedding one.
 * TYPE_E_CANTLOADLIBRARY, TYPE_E_UNSUPFORMAT, TYPE_E_INVDATAREAD.
 */
COMRT_API HRESULT LoadTypeLib(LPCOLESTR szFile, ITypeLib **pptlib);

/*
 * LoadRegTypeLib - the library registered as TypeLib\{rguid}\<maj>.<min>;
 * like COM, the highest registered minor version >= wVerMinor with the
 * same major is taken. lcid is ignored. TYPE_E_LIBNOTREGISTERED.
 */
COMRT_API HRESULT LoadRegTypeLib(REFGUID rguid, WORD wVerMajor, WORD wVerMinor, LCID lcid, ITypeLib **pptlib);

/*
 * RegisterTypeLib - registers ptlib (made by comrt) as loaded from
 * szFullPath (absolute) in the default registry scope; szHelpDir ignored.
 * UnRegisterTypeLib - removes it. TYPE_E_REGISTRYACCESS, E_INVALIDARG.
 */
COMRT_API HRESULT RegisterTypeLib(ITypeLib *ptlib, LPCOLESTR szFullPath, LPCOLESTR szHelpDir);
COMRT_API HRESULT UnRegisterTypeLib(REFGUID libID, WORD wVerMajor, WORD wVerMinor, LCID lcid, SYSKIND syskind);

/*
 * COMRT_DISPATCH_IMPL(prefix, Itf, data, size, iid) - defines the four
 * IDispatch methods prefix##_GetTypeInfoCount ... prefix##_Invoke of the
 * dual interface Itf, over the ITypeInfo of iid in the embedded library at
 * data/size (usually comrt_typelib_data, comrt_typelib_size). E.g.
 *     COMRT_DISPATCH_IMPL(Widget_IWidget, IWidget, comrt_typelib_data, comrt_typelib_size, IID_IWidget)
 * then .GetTypeInfoCount = Widget_IWidget_GetTypeInfoCount, ... in the vtable.
 */
#define COMRT_DISPATCH_IMPL(prefix, Itf, data, size, iid)                                                         \
    static HRESULT prefix##_GetTypeInfoCount(Itf *This, UINT *pctinfo)                                            \
    {                                                                                                             \
        (void)This;                                                                                               \
        if (!pctinfo)                                                                                             \
            return E_POINTER;                                                                                     \
        *pctinfo = 1;                                                                                             \
        return S_OK;                                                                                              \
    }                                                                                                             \
    static HRESULT prefix##_GetTypeInfo(Itf *This, UINT iTInfo, LCID lcid, ITypeInfo **ppTInfo)                   \
    {                                                                                                             \
        (void)This;                                                                                               \
        (void)lcid;                                                                                               \
        if (!ppTInfo)                                                                                             \
            return E_POINTER;                                                                                     \
        *ppTInfo = NULL;                                                                                          \
        if (iTInfo != 0)                                                                                          \
            return DISP_E_BADINDEX;                                                                               \
        return comrt_typeinfo_for((data), (size), &(iid), ppTInfo);                                               \
    }                                                                                                             \
    static HRESULT prefix##_GetIDsOfNames(Itf *This, REFIID riid, LPOLESTR *rgszNames, UINT cNames, LCID lcid,   \
                                          DISPID *rgDispId)                                                       \
    {                                                                                                             \
        ITypeInfo *ti_;                                                                                           \
        (void)This;                                                                                               \
        (void)riid;                                                                                               \
        (void)lcid;                                                                                               \
        HRESULT hr_ = comrt_typeinfo_for((data), (size), &(iid), &ti_);                                           \
        if (FAILED(hr_))                                                                                          \
            return hr_;                                                                                           \
        hr_ = DispGetIDsOfNames(ti_, rgszNames, cNames, rgDispId);                                                \
        ITypeInfo_Release(ti_);                                                                                   \
        return hr_;                                                                                               \
    }                                                                                                             \
    static HRESULT prefix##_Invoke(Itf *This, DISPID dispIdMember, REFIID riid, LCID lcid, WORD wFlags,           \
                                   DISPPARAMS *pDispParams, VARIANT *pVarResult, EXCEPINFO *pExcepInfo,           \
                                   UINT *puArgErr)                                                                \
    {                                                                                                             \
        ITypeInfo *ti_;                                                                                           \
        (void)lcid;                                                                                               \
        if (riid && !IsEqualIID(riid, &GUID_NULL))                                                                \
            return DISP_E_UNKNOWNINTERFACE;                                                                       \
        HRESULT hr_ = comrt_typeinfo_for((data), (size), &(iid), &ti_);                                           \
        if (FAILED(hr_))                                                                                          \
            return hr_;                                                                                           \
        hr_ = DispInvoke(This, ti_, dispIdMember, wFlags, pDispParams, pVarResult, pExcepInfo, puArgErr);         \
        ITypeInfo_Release(ti_);                                                                                   \
        return hr_;                                                                                               \
    }

#ifdef __cplusplus
}
#endif

#endif /* COMRT_DISPATCH_H */
