/*
 * variant.c - VariantInit/Clear/Copy/CopyInd/ChangeType(Ex) with oleaut32's
 * semantics (as documented by Microsoft and reproduced by Wine): which types
 * are valid, who owns what, and which HRESULT each failure gives. The scalar
 * conversion matrix is in varconv.c.
 */
#include <string.h>

#include "oa_internal.h"

/* oleaut32's notion of a valid vt: base types below VT_VOID (except 15), plus
 * VT_RECORD and VT_CLSID, optionally with VT_ARRAY or VT_BYREF (but not
 * EMPTY/NULL with them); VT_VECTOR and VT_RESERVED are never valid here. */
static HRESULT validate_vt(VARTYPE vt)
{
    VARTYPE extra = vt & (VARTYPE)~VT_TYPEMASK, base = vt & VT_TYPEMASK;
    if (extra & (VT_VECTOR | VT_RESERVED))
        return DISP_E_BADVARTYPE;
    if (!(base < VT_VOID || base == VT_RECORD || base == VT_CLSID) || base == 15)
        return DISP_E_BADVARTYPE;
    if ((extra & (VT_BYREF | VT_ARRAY)) && base <= VT_NULL)
        return DISP_E_BADVARTYPE;
    return S_OK;
}

void VariantInit(VARIANTARG *pvarg)
{
    if (pvarg)
        V_VT(pvarg) = VT_EMPTY;
}

HRESULT VariantClear(VARIANTARG *pvarg)
{
    if (!pvarg)
        return E_INVALIDARG;
    HRESULT hr = validate_vt(V_VT(pvarg));
    if (FAILED(hr))
        return hr;
    if (!V_ISBYREF(pvarg)) {
        if (V_ISARRAY(pvarg) || V_VT(pvarg) == VT_SAFEARRAY) {
            /* A locked array stays where it is, so the caller can retry. */
            hr = SafeArrayDestroy(V_ARRAY(pvarg));
            if (FAILED(hr))
                return hr;
        } else if (V_VT(pvarg) == VT_BSTR) {
            SysFreeString(V_BSTR(pvarg));
        } else if (V_VT(pvarg) == VT_UNKNOWN || V_VT(pvarg) == VT_DISPATCH) {
            if (V_UNKNOWN(pvarg))
                IUnknown_Release(V_UNKNOWN(pvarg));
        }
    }
    V_VT(pvarg) = VT_EMPTY;
    return S_OK;
}

HRESULT VariantCopy(VARIANTARG *pvargDest, const VARIANTARG *pvargSrc)
{
    HRESULT hr;
    if (!pvargDest || !pvargSrc)
        return E_INVALIDARG;
    if ((V_VT(pvargSrc) & VT_TYPEMASK) == VT_CLSID || FAILED(validate_vt(V_VT(pvargSrc))))
        return DISP_E_BADVARTYPE;
    if (pvargDest == pvargSrc)
        return S_OK;
    if (!V_ISBYREF(pvargSrc) && V_VT(pvargSrc) == VT_RECORD)
        return E_NOTIMPL; /* needs IRecordInfo */
    hr = VariantClear(pvargDest);
    if (FAILED(hr))
        return hr;
    *pvargDest = *pvargSrc; /* the value; owned parts are duplicated below */
    if (V_ISBYREF(pvargSrc))
        return S_OK;
    if (V_ISARRAY(pvargSrc)) {
        if (V_ARRAY(pvargSrc))
            hr = SafeArrayCopy(V_ARRAY(pvargSrc), &V_ARRAY(pvargDest));
    } else if (V_VT(pvargSrc) == VT_BSTR) {
        BSTR s = V_BSTR(pvargSrc);
        if (s && !(V_BSTR(pvargDest) = SysAllocStringByteLen(s, SysStringByteLen(s))))
            hr = E_OUTOFMEMORY;
    } else if (V_VT(pvargSrc) == VT_UNKNOWN || V_VT(pvargSrc) == VT_DISPATCH) {
        if (V_UNKNOWN(pvargSrc))
            IUnknown_AddRef(V_UNKNOWN(pvargSrc));
    }
    if (FAILED(hr))
        V_VT(pvargDest) = VT_EMPTY; /* it owns nothing: the copy failed */
    return hr;
}

/* Size of the value a VT_BYREF variant of this base type points at. */
static size_t byref_size(VARTYPE base)
{
    switch (base) {
    case VT_I1:
    case VT_UI1:
        return 1;
    case VT_I2:
    case VT_UI2:
    case VT_BOOL:
        return 2;
    case VT_I4:
    case VT_UI4:
    case VT_INT:
    case VT_UINT:
    case VT_R4:
    case VT_ERROR:
        return 4;
    case VT_I8:
    case VT_UI8:
    case VT_R8:
    case VT_DATE:
    case VT_CY:
        return 8;
    default:
        return 0;
    }
}

HRESULT VariantCopyInd(VARIANT *pvarDest, const VARIANTARG *pvargSrc)
{
    VARIANT tmp;
    const VARIANT *src = pvargSrc;
    HRESULT hr = S_OK;
    if (!pvarDest || !pvargSrc)
        return E_INVALIDARG;
    if (!V_ISBYREF(pvargSrc))
        return VariantCopy(pvarDest, pvargSrc);
    VARTYPE base = V_VT(pvargSrc) & VT_TYPEMASK;
    /* oleaut32 answers E_INVALIDARG (not BADVARTYPE) for a bad by-ref type. */
    if (!V_ISARRAY(pvargSrc) &&
        (base <= VT_NULL || base == 15 || base >= VT_VOID || (V_VT(pvargSrc) & (VT_VECTOR | VT_RESERVED))))
        return E_INVALIDARG;
    if (!V_BYREF(pvargSrc))
        return E_INVALIDARG;
    if (!V_ISARRAY(pvargSrc) && base == VT_VARIANT && V_VT(V_VARIANTREF(pvargSrc)) == (VT_VARIANT | VT_BYREF))
        return E_INVALIDARG; /* one level of indirection only */
    if (pvarDest == pvargSrc) {
        tmp = *pvargSrc; /* by reference: owns nothing, so a shallow copy is enough */
        src = &tmp;
        V_VT(pvarDest) = VT_EMPTY;
    } else if (FAILED(hr = VariantClear(pvarDest))) {
        return hr;
    }
    if (V_ISARRAY(src)) {
        hr = SafeArrayCopy(*V_ARRAYREF(src), &V_ARRAY(pvarDest));
    } else if (base == VT_VARIANT) {
        return VariantCopyInd(pvarDest, V_VARIANTREF(src));
    } else if (base == VT_BSTR) {
        BSTR s = *V_BSTRREF(src);
        V_BSTR(pvarDest) = NULL;
        if (s && !(V_BSTR(pvarDest) = SysAllocStringByteLen(s, SysStringByteLen(s))))
            hr = E_OUTOFMEMORY;
    } else if (base == VT_UNKNOWN || base == VT_DISPATCH) {
        V_UNKNOWN(pvarDest) = *V_UNKNOWNREF(src);
        if (V_UNKNOWN(pvarDest))
            IUnknown_AddRef(V_UNKNOWN(pvarDest));
    } else if (base == VT_DECIMAL) {
        DECIMAL dec = *V_DECIMALREF(src);
        V_DECIMAL(pvarDest) = dec; /* wReserved overlays vt, set below */
    } else if (byref_size(base)) {
        memcpy(&pvarDest->llVal, V_BYREF(src), byref_size(base));
    } else {
        hr = E_INVALIDARG; /* VT_RECORD|VT_BYREF: needs IRecordInfo */
    }
    V_VT(pvarDest) = FAILED(hr) ? VT_EMPTY : (VARTYPE)(V_VT(src) & ~VT_BYREF);
    return hr;
}

HRESULT VariantChangeType(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, USHORT wFlags, VARTYPE vt)
{
    return VariantChangeTypeEx(pvargDest, pvarSrc, LOCALE_USER_DEFAULT, wFlags, vt);
}

/* BSTR <-> VT_ARRAY|VT_UI1 (the bytes), else only an identical array type. */
static HRESULT coerce_array(VARIANT *pd, const VARIANT *ps, VARTYPE vt)
{
    if (vt == VT_BSTR && V_VT(ps) == (VT_ARRAY | VT_UI1)) {
        SAFEARRAY *sa = V_ARRAY(ps);
        if (!sa || sa->cDims != 1)
            return DISP_E_TYPEMISMATCH;
        V_BSTR(pd) = SysAllocStringByteLen(sa->pvData, sa->rgsabound[0].cElements);
        return V_BSTR(pd) ? S_OK : E_OUTOFMEMORY;
    }
    if (V_VT(ps) == VT_BSTR && vt == (VT_ARRAY | VT_UI1)) {
        UINT len = SysStringByteLen(V_BSTR(ps));
        SAFEARRAY *sa = SafeArrayCreateVector(VT_UI1, 0, len);
        if (!sa)
            return E_OUTOFMEMORY;
        if (len)
            memcpy(sa->pvData, V_BSTR(ps), len);
        V_ARRAY(pd) = sa;
        return S_OK;
    }
    if (V_VT(ps) == vt)
        return SafeArrayCopy(V_ARRAY(ps), &V_ARRAY(pd));
    return DISP_E_TYPEMISMATCH;
}

/* An object converts through its value property (DISPID_VALUE), as COM does. */
static HRESULT coerce_from_dispatch(VARIANT *pd, const VARIANT *ps, LCID lcid, USHORT wFlags, VARTYPE vt)
{
    DISPPARAMS none = {NULL, NULL, 0, 0};
    VARIANT value;
    if (wFlags & VARIANT_NOVALUEPROP)
        return DISP_E_TYPEMISMATCH;
    if (!V_DISPATCH(ps))
        return DISP_E_BADVARTYPE; /* oleaut32's answer for a NULL object */
    VariantInit(&value);
    HRESULT hr = IDispatch_Invoke(V_DISPATCH(ps), DISPID_VALUE, &IID_NULL, lcid, DISPATCH_PROPERTYGET, &none,
                                  &value, NULL, NULL);
    if (FAILED(hr)) {
        VariantClear(&value);
        return DISP_E_TYPEMISMATCH;
    }
    /* An object whose value is an object would recurse without end. */
    if ((V_VT(&value) & VT_TYPEMASK) == VT_DISPATCH)
        hr = DISP_E_TYPEMISMATCH;
    else
        hr = VariantChangeTypeEx(pd, &value, lcid, wFlags | VARIANT_NOVALUEPROP, vt);
    VariantClear(&value);
    return hr;
}

static HRESULT coerce(VARIANT *pd, const VARIANT *ps, LCID lcid, USHORT wFlags, VARTYPE vt)
{
    VARTYPE from = V_VT(ps), to = vt;
    if (from == VT_INT)
        from = VT_I4;
    else if (from == VT_UINT)
        from = VT_UI4;
    if (to == VT_INT)
        to = VT_I4;
    else if (to == VT_UINT)
        to = VT_UI4;
    if (from == to)
        return VariantCopy(pd, ps);
    switch (to) {
    case VT_EMPTY:
    case VT_NULL:
        /* Anything but NULL->EMPTY and ERROR becomes EMPTY or NULL. */
        if ((to == VT_EMPTY && from == VT_NULL) || from == VT_ERROR || from == 15 || from > VT_UINT)
            return DISP_E_TYPEMISMATCH;
        return S_OK;
    case VT_UNKNOWN:
        if (from != VT_DISPATCH)
            return DISP_E_TYPEMISMATCH;
        V_UNKNOWN(pd) = NULL;
        if (!V_DISPATCH(ps))
            return S_OK;
        return IDispatch_QueryInterface(V_DISPATCH(ps), &IID_IUnknown, (void **)&V_UNKNOWN(pd));
    case VT_DISPATCH:
        if (from != VT_UNKNOWN)
            return DISP_E_TYPEMISMATCH;
        V_DISPATCH(pd) = NULL;
        if (!V_UNKNOWN(ps))
            return S_OK;
        if (FAILED(IUnknown_QueryInterface(V_UNKNOWN(ps), &IID_IDispatch, (void **)&V_DISPATCH(pd)))) {
            V_DISPATCH(pd) = NULL;
            return DISP_E_TYPEMISMATCH;
        }
        return S_OK;
    case VT_I1:
    case VT_UI1:
    case VT_I2:
    case VT_UI2:
    case VT_I4:
    case VT_UI4:
    case VT_I8:
    case VT_UI8:
    case VT_R4:
    case VT_R8:
    case VT_CY:
    case VT_DATE:
    case VT_BOOL:
    case VT_BSTR:
    case VT_DECIMAL:
        if (from == VT_DISPATCH)
            return coerce_from_dispatch(pd, ps, lcid, wFlags, vt);
        return oa_coerce_scalar(pd, ps, wFlags, vt);
    default: /* ERROR, VARIANT, RECORD, ...: only the identity conversion */
        return DISP_E_TYPEMISMATCH;
    }
}

HRESULT VariantChangeTypeEx(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, LCID lcid, USHORT wFlags,
                            VARTYPE vt)
{
    VARIANT src, tmp;
    HRESULT hr;
    if (!pvargDest || !pvarSrc)
        return E_INVALIDARG;
    if (vt == VT_CLSID || FAILED(validate_vt(V_VT(pvarSrc))) || FAILED(validate_vt(vt)))
        return DISP_E_BADVARTYPE;
    if (V_ISBYREF(pvarSrc) && !V_BYREF(pvarSrc))
        return DISP_E_TYPEMISMATCH;
    VariantInit(&src);
    VariantInit(&tmp);
    /* Work on a dereferenced copy: pvargDest may be pvarSrc, and pvargDest
     * must stay untouched if the conversion fails. */
    hr = VariantCopyInd(&src, pvarSrc);
    if (FAILED(hr))
        return hr;
    if (V_ISARRAY(&src) || (vt & VT_ARRAY))
        hr = coerce_array(&tmp, &src, vt);
    else
        hr = coerce(&tmp, &src, lcid, wFlags, vt);
    if (SUCCEEDED(hr)) {
        V_VT(&tmp) = vt;
        hr = VariantClear(pvargDest);
        if (SUCCEEDED(hr))
            *pvargDest = tmp; /* moved: tmp's resources now belong to pvargDest */
        else
            VariantClear(&tmp);
    } else {
        /* tmp owns nothing on failure: converters store only on success,
         * except VariantCopy/SafeArrayCopy, which clean up after themselves. */
        V_VT(&tmp) = VT_EMPTY;
    }
    VariantClear(&src);
    return hr;
}
