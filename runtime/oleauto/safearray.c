/*
 * safearray.c - SAFEARRAY with oleaut32's semantics.
 *
 * Layout decisions (as Windows and Wine make them, so code that peeks at the
 * descriptor keeps working):
 *  - every descriptor is allocated with SA_HIDDEN bytes in front of it; an
 *    FADF_HAVEIID array keeps its IID there, an FADF_HAVEVARTYPE array its
 *    VARTYPE in the last 4 of those bytes. SafeArrayGetVartype reads them.
 *  - rgsabound[] holds the dimensions in reverse: rgsabound[cDims-1] is the
 *    first dimension given to SafeArrayCreate, the one rgIndices[0] indexes
 *    and the one that varies fastest in memory. rgsabound[0] is the slowest,
 *    which is why SafeArrayRedim may change only it.
 */
#include <stdlib.h>
#include <string.h>

#include "comrt.h"

#define SA_HIDDEN sizeof(GUID)
#define SA_MAX_LOCKS 0xFFFFu
/* Memory the array does not own: its destruction clears but never frees it. */
#define SA_NOT_OWNED (FADF_AUTO | FADF_STATIC | FADF_EMBEDDED)

static ULONG sa_vt_size(VARTYPE vt)
{
    switch (vt) {
    case VT_I1:
    case VT_UI1:
        return 1;
    case VT_BOOL:
    case VT_I2:
    case VT_UI2:
        return 2;
    case VT_I4:
    case VT_UI4:
    case VT_R4:
    case VT_ERROR:
    case VT_INT:
    case VT_UINT:
        return 4;
    case VT_R8:
    case VT_I8:
    case VT_UI8:
    case VT_CY:
    case VT_DATE:
        return 8;
    case VT_INT_PTR:
    case VT_UINT_PTR:
    case VT_BSTR:
    case VT_DISPATCH:
    case VT_UNKNOWN:
        return sizeof(void *);
    case VT_VARIANT:
        return sizeof(VARIANT);
    case VT_DECIMAL:
        return sizeof(DECIMAL);
    default:
        return 0; /* VT_RECORD needs IRecordInfo, which comrt does not have */
    }
}

static DWORD *sa_hidden_vt(SAFEARRAY *psa)
{
    return (DWORD *)((char *)psa - sizeof(DWORD));
}

static GUID *sa_hidden_iid(SAFEARRAY *psa)
{
    return (GUID *)((char *)psa - SA_HIDDEN);
}

/* The number of elements; FALSE when the product overflows. */
static BOOL sa_cell_count(const SAFEARRAY *psa, size_t *count)
{
    size_t n = 1;
    for (USHORT d = 0; d < psa->cDims; d++)
        if (__builtin_mul_overflow(n, (size_t)psa->rgsabound[d].cElements, &n))
            return FALSE;
    *count = n;
    return TRUE;
}

static BOOL sa_byte_size(const SAFEARRAY *psa, size_t *bytes)
{
    size_t n;
    return sa_cell_count(psa, &n) && !__builtin_mul_overflow(n, (size_t)psa->cbElements, bytes);
}

/* Frees what cells [start, start+count) own and zeroes them, so that a later
 * destroy or copy never sees a dangling pointer. */
static void sa_clear_cells(SAFEARRAY *psa, size_t start, size_t count)
{
    if (!psa->pvData || !count)
        return;
    char *base = (char *)psa->pvData + start * psa->cbElements;
    if (psa->fFeatures & (FADF_UNKNOWN | FADF_DISPATCH)) {
        IUnknown **p = (IUnknown **)base;
        for (size_t i = 0; i < count; i++)
            if (p[i])
                IUnknown_Release(p[i]);
    } else if (psa->fFeatures & FADF_BSTR) {
        BSTR *p = (BSTR *)base;
        for (size_t i = 0; i < count; i++)
            SysFreeString(p[i]);
    } else if (psa->fFeatures & FADF_VARIANT) {
        VARIANT *p = (VARIANT *)base;
        for (size_t i = 0; i < count; i++)
            VariantClear(&p[i]);
    }
    memset(base, 0, count * psa->cbElements);
}

HRESULT SafeArrayAllocDescriptor(UINT cDims, SAFEARRAY **ppsaOut)
{
    if (!ppsaOut)
        return E_POINTER;
    *ppsaOut = NULL;
    if (!cDims || cDims > 0xFFFF)
        return E_INVALIDARG;
    size_t size = SA_HIDDEN + offsetof(SAFEARRAY, rgsabound) + cDims * sizeof(SAFEARRAYBOUND);
    char *block = calloc(1, size);
    if (!block)
        return E_OUTOFMEMORY;
    SAFEARRAY *psa = (SAFEARRAY *)(block + SA_HIDDEN);
    psa->cDims = (USHORT)cDims;
    *ppsaOut = psa;
    return S_OK;
}

HRESULT SafeArrayAllocDescriptorEx(VARTYPE vt, UINT cDims, SAFEARRAY **ppsaOut)
{
    HRESULT hr = SafeArrayAllocDescriptor(cDims, ppsaOut);
    if (FAILED(hr))
        return hr;
    SAFEARRAY *psa = *ppsaOut;
    psa->cbElements = sa_vt_size(vt);
    if (vt == VT_DISPATCH) {
        psa->fFeatures = FADF_HAVEIID;
        *sa_hidden_iid(psa) = IID_IDispatch;
    } else if (vt == VT_UNKNOWN) {
        psa->fFeatures = FADF_HAVEIID;
        *sa_hidden_iid(psa) = IID_IUnknown;
    } else if (vt == VT_RECORD) {
        psa->fFeatures = FADF_RECORD;
    } else {
        psa->fFeatures = FADF_HAVEVARTYPE;
        *sa_hidden_vt(psa) = vt;
    }
    return S_OK;
}

HRESULT SafeArrayAllocData(SAFEARRAY *psa)
{
    size_t bytes;
    if (!psa)
        return E_INVALIDARG;
    if (!sa_byte_size(psa, &bytes))
        return E_OUTOFMEMORY;
    /* At least one byte so an empty array still has distinct, non-NULL data. */
    void *data = calloc(1, bytes ? bytes : 1);
    if (!data)
        return E_OUTOFMEMORY;
    psa->pvData = data;
    return S_OK;
}

SAFEARRAY *SafeArrayCreate(VARTYPE vt, UINT cDims, SAFEARRAYBOUND *rgsabound)
{
    SAFEARRAY *psa = NULL;
    if (!rgsabound || !sa_vt_size(vt))
        return NULL;
    if (FAILED(SafeArrayAllocDescriptorEx(vt, cDims, &psa)))
        return NULL;
    switch (vt) {
    case VT_BSTR:
        psa->fFeatures |= FADF_BSTR;
        break;
    case VT_UNKNOWN:
        psa->fFeatures |= FADF_UNKNOWN;
        break;
    case VT_DISPATCH:
        psa->fFeatures |= FADF_DISPATCH;
        break;
    case VT_VARIANT:
        psa->fFeatures |= FADF_VARIANT;
        break;
    default:
        break;
    }
    for (UINT i = 0; i < cDims; i++)
        psa->rgsabound[i] = rgsabound[cDims - 1 - i];
    if (FAILED(SafeArrayAllocData(psa)))
        goto fail;
    return psa;
fail:
    SafeArrayDestroyDescriptor(psa);
    return NULL;
}

SAFEARRAY *SafeArrayCreateVector(VARTYPE vt, LONG lLbound, ULONG cElements)
{
    SAFEARRAYBOUND b = {cElements, lLbound};
    return SafeArrayCreate(vt, 1, &b);
}

HRESULT SafeArrayDestroyData(SAFEARRAY *psa)
{
    size_t n;
    if (!psa)
        return E_INVALIDARG;
    if (__atomic_load_n(&psa->cLocks, __ATOMIC_ACQUIRE))
        return DISP_E_ARRAYISLOCKED;
    if (!psa->pvData)
        return S_OK;
    if (!sa_cell_count(psa, &n))
        return E_UNEXPECTED;
    sa_clear_cells(psa, 0, n);
    if (!(psa->fFeatures & SA_NOT_OWNED)) {
        free(psa->pvData);
        psa->pvData = NULL;
    }
    return S_OK;
}

HRESULT SafeArrayDestroyDescriptor(SAFEARRAY *psa)
{
    if (!psa)
        return S_OK;
    if (__atomic_load_n(&psa->cLocks, __ATOMIC_ACQUIRE))
        return DISP_E_ARRAYISLOCKED;
    if (!(psa->fFeatures & (FADF_AUTO | FADF_EMBEDDED)))
        free((char *)psa - SA_HIDDEN);
    return S_OK;
}

HRESULT SafeArrayDestroy(SAFEARRAY *psa)
{
    if (!psa)
        return S_OK;
    if (__atomic_load_n(&psa->cLocks, __ATOMIC_ACQUIRE))
        return DISP_E_ARRAYISLOCKED;
    HRESULT hr = SafeArrayDestroyData(psa);
    if (FAILED(hr))
        return hr;
    return SafeArrayDestroyDescriptor(psa);
}

UINT SafeArrayGetDim(SAFEARRAY *psa)
{
    return psa ? psa->cDims : 0;
}

UINT SafeArrayGetElemsize(SAFEARRAY *psa)
{
    return psa ? psa->cbElements : 0;
}

HRESULT SafeArrayGetLBound(SAFEARRAY *psa, UINT nDim, LONG *plLbound)
{
    if (!psa || !plLbound)
        return E_INVALIDARG;
    if (!nDim || nDim > psa->cDims)
        return DISP_E_BADINDEX;
    *plLbound = psa->rgsabound[psa->cDims - nDim].lLbound;
    return S_OK;
}

HRESULT SafeArrayGetUBound(SAFEARRAY *psa, UINT nDim, LONG *plUbound)
{
    if (!psa || !plUbound)
        return E_INVALIDARG;
    if (!nDim || nDim > psa->cDims)
        return DISP_E_BADINDEX;
    const SAFEARRAYBOUND *b = &psa->rgsabound[psa->cDims - nDim];
    /* Computed wide: lLbound + cElements - 1 may leave LONG's range. */
    int64_t ub = (int64_t)b->lLbound + (int64_t)b->cElements - 1;
    *plUbound = (LONG)ub;
    return S_OK;
}

HRESULT SafeArrayLock(SAFEARRAY *psa)
{
    if (!psa)
        return E_INVALIDARG;
    ULONG n = __atomic_add_fetch(&psa->cLocks, 1, __ATOMIC_ACQ_REL);
    if (n > SA_MAX_LOCKS) {
        __atomic_sub_fetch(&psa->cLocks, 1, __ATOMIC_ACQ_REL);
        return E_UNEXPECTED;
    }
    return S_OK;
}

HRESULT SafeArrayUnlock(SAFEARRAY *psa)
{
    if (!psa)
        return E_INVALIDARG;
    ULONG cur = __atomic_load_n(&psa->cLocks, __ATOMIC_ACQUIRE);
    do {
        if (cur == 0)
            return E_UNEXPECTED;
    } while (!__atomic_compare_exchange_n(&psa->cLocks, &cur, cur - 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    return S_OK;
}

HRESULT SafeArrayAccessData(SAFEARRAY *psa, void **ppvData)
{
    if (!psa || !ppvData)
        return E_INVALIDARG;
    HRESULT hr = SafeArrayLock(psa);
    *ppvData = SUCCEEDED(hr) ? psa->pvData : NULL;
    return hr;
}

HRESULT SafeArrayUnaccessData(SAFEARRAY *psa)
{
    return SafeArrayUnlock(psa);
}

HRESULT SafeArrayPtrOfIndex(SAFEARRAY *psa, LONG *rgIndices, void **ppvData)
{
    if (!psa || !rgIndices || !ppvData)
        return E_INVALIDARG;
    if (!psa->pvData)
        return E_INVALIDARG;
    /* rgIndices[0] pairs with rgsabound[cDims-1] and varies fastest. */
    size_t cell = 0, stride = 1;
    for (USHORT i = 0; i < psa->cDims; i++) {
        const SAFEARRAYBOUND *b = &psa->rgsabound[psa->cDims - 1 - i];
        int64_t off = (int64_t)rgIndices[i] - b->lLbound;
        if (off < 0 || off >= (int64_t)b->cElements)
            return DISP_E_BADINDEX;
        /* No overflow: the product of all cElements fit when data was allocated. */
        cell += (size_t)off * stride;
        stride *= b->cElements;
    }
    *ppvData = (char *)psa->pvData + cell * psa->cbElements;
    return S_OK;
}

HRESULT SafeArrayPutElement(SAFEARRAY *psa, LONG *rgIndices, void *pv)
{
    void *cell;
    if (!psa || !rgIndices)
        return E_INVALIDARG;
    HRESULT hr = SafeArrayLock(psa);
    if (FAILED(hr))
        return hr;
    hr = SafeArrayPtrOfIndex(psa, rgIndices, &cell);
    if (FAILED(hr))
        goto out;
    if (psa->fFeatures & FADF_VARIANT) {
        if (!pv) {
            hr = E_INVALIDARG;
            goto out;
        }
        hr = VariantCopy(cell, pv);
    } else if (psa->fFeatures & FADF_BSTR) {
        BSTR src = pv, copy = NULL;
        if (src && !(copy = SysAllocStringByteLen(src, SysStringByteLen(src)))) {
            hr = E_OUTOFMEMORY;
            goto out;
        }
        SysFreeString(*(BSTR *)cell);
        *(BSTR *)cell = copy;
    } else if (psa->fFeatures & (FADF_UNKNOWN | FADF_DISPATCH)) {
        IUnknown *punk = pv, *old = *(IUnknown **)cell;
        if (punk)
            IUnknown_AddRef(punk);
        *(IUnknown **)cell = punk;
        if (old)
            IUnknown_Release(old);
    } else if (psa->fFeatures & FADF_RECORD) {
        hr = E_NOTIMPL;
    } else {
        if (!pv) {
            hr = E_INVALIDARG;
            goto out;
        }
        memcpy(cell, pv, psa->cbElements);
    }
out:
    SafeArrayUnlock(psa);
    return hr;
}

HRESULT SafeArrayGetElement(SAFEARRAY *psa, LONG *rgIndices, void *pv)
{
    void *cell;
    if (!psa || !rgIndices || !pv)
        return E_INVALIDARG;
    HRESULT hr = SafeArrayLock(psa);
    if (FAILED(hr))
        return hr;
    hr = SafeArrayPtrOfIndex(psa, rgIndices, &cell);
    if (FAILED(hr))
        goto out;
    if (psa->fFeatures & FADF_VARIANT) {
        VARIANT *dst = pv;
        V_VT(dst) = VT_EMPTY; /* pv is an [out]: never clear what the caller left there */
        hr = VariantCopy(dst, cell);
    } else if (psa->fFeatures & FADF_BSTR) {
        BSTR src = *(BSTR *)cell, copy = NULL;
        if (src && !(copy = SysAllocStringByteLen(src, SysStringByteLen(src)))) {
            hr = E_OUTOFMEMORY;
            goto out;
        }
        *(BSTR *)pv = copy;
    } else if (psa->fFeatures & (FADF_UNKNOWN | FADF_DISPATCH)) {
        IUnknown *punk = *(IUnknown **)cell;
        if (punk)
            IUnknown_AddRef(punk);
        *(IUnknown **)pv = punk;
    } else if (psa->fFeatures & FADF_RECORD) {
        hr = E_NOTIMPL;
    } else {
        memcpy(pv, cell, psa->cbElements);
    }
out:
    SafeArrayUnlock(psa);
    return hr;
}

/* Deep-copies all cells of src over dst (same shape, zeroed or valid cells). */
static HRESULT sa_copy_cells(SAFEARRAY *src, SAFEARRAY *dst)
{
    size_t n;
    if (!src->pvData)
        return S_OK;
    if (!dst->pvData || !sa_cell_count(src, &n))
        return E_INVALIDARG;
    if (src->fFeatures & FADF_VARIANT) {
        VARIANT *s = src->pvData, *d = dst->pvData;
        for (size_t i = 0; i < n; i++) {
            HRESULT hr = VariantCopy(&d[i], &s[i]);
            if (FAILED(hr))
                return hr;
        }
    } else if (src->fFeatures & FADF_BSTR) {
        BSTR *s = src->pvData, *d = dst->pvData;
        for (size_t i = 0; i < n; i++) {
            BSTR copy = NULL;
            if (s[i] && !(copy = SysAllocStringByteLen(s[i], SysStringByteLen(s[i]))))
                return E_OUTOFMEMORY;
            SysFreeString(d[i]);
            d[i] = copy;
        }
    } else if (src->fFeatures & (FADF_UNKNOWN | FADF_DISPATCH)) {
        IUnknown **s = src->pvData, **d = dst->pvData;
        for (size_t i = 0; i < n; i++) {
            IUnknown *old = d[i];
            if (s[i])
                IUnknown_AddRef(s[i]);
            d[i] = s[i];
            if (old)
                IUnknown_Release(old);
        }
    } else if (src->fFeatures & FADF_RECORD) {
        return E_NOTIMPL;
    } else if (src->pvData != dst->pvData) {
        memcpy(dst->pvData, src->pvData, n * src->cbElements);
    }
    return S_OK;
}

/* The target takes the source's type features but keeps its own memory flags. */
static void sa_copy_type(SAFEARRAY *src, SAFEARRAY *dst)
{
    USHORT keep = SA_NOT_OWNED | FADF_FIXEDSIZE;
    dst->fFeatures = (USHORT)((dst->fFeatures & keep) | (src->fFeatures & ~keep));
    if (src->fFeatures & FADF_HAVEIID)
        *sa_hidden_iid(dst) = *sa_hidden_iid(src);
    else if (src->fFeatures & FADF_HAVEVARTYPE)
        *sa_hidden_vt(dst) = *sa_hidden_vt(src);
}

HRESULT SafeArrayCopyData(SAFEARRAY *psaSource, SAFEARRAY *psaTarget)
{
    if (!psaSource || !psaTarget || psaSource->cDims != psaTarget->cDims ||
        psaSource->cbElements != psaTarget->cbElements)
        return E_INVALIDARG;
    for (USHORT d = 0; d < psaSource->cDims; d++)
        if (psaSource->rgsabound[d].cElements != psaTarget->rgsabound[d].cElements)
            return E_INVALIDARG;
    /* Element ownership follows the type, so both must agree on it. */
    USHORT kind = FADF_BSTR | FADF_UNKNOWN | FADF_DISPATCH | FADF_VARIANT | FADF_RECORD;
    if ((psaSource->fFeatures & kind) != (psaTarget->fFeatures & kind))
        return E_INVALIDARG;
    return sa_copy_cells(psaSource, psaTarget);
}

HRESULT SafeArrayCopy(SAFEARRAY *psa, SAFEARRAY **ppsaOut)
{
    SAFEARRAY *out = NULL;
    HRESULT hr;
    if (!ppsaOut)
        return E_INVALIDARG;
    *ppsaOut = NULL;
    if (!psa)
        return S_OK;
    if (!psa->cbElements)
        return E_INVALIDARG;
    hr = SafeArrayAllocDescriptor(psa->cDims, &out);
    if (FAILED(hr))
        return hr;
    out->cbElements = psa->cbElements;
    sa_copy_type(psa, out);
    out->fFeatures &= (USHORT)~(SA_NOT_OWNED | FADF_FIXEDSIZE); /* the copy is ours */
    memcpy(out->rgsabound, psa->rgsabound, psa->cDims * sizeof(SAFEARRAYBOUND));
    if (psa->pvData) {
        hr = SafeArrayAllocData(out);
        if (FAILED(hr))
            goto fail;
        hr = sa_copy_cells(psa, out);
        if (FAILED(hr))
            goto fail;
    }
    *ppsaOut = out;
    return S_OK;
fail:
    SafeArrayDestroy(out);
    return hr;
}

HRESULT SafeArrayRedim(SAFEARRAY *psa, SAFEARRAYBOUND *psaboundNew)
{
    size_t inner = 1, old_cells, new_cells, new_bytes;
    if (!psa || !psaboundNew || (psa->fFeatures & FADF_FIXEDSIZE))
        return E_INVALIDARG;
    if (__atomic_load_n(&psa->cLocks, __ATOMIC_ACQUIRE))
        return DISP_E_ARRAYISLOCKED;
    HRESULT hr = SafeArrayLock(psa);
    if (FAILED(hr))
        return hr;
    /* Cells per step of rgsabound[0], the slowest-varying dimension. */
    for (USHORT d = 1; d < psa->cDims; d++)
        if (__builtin_mul_overflow(inner, (size_t)psa->rgsabound[d].cElements, &inner)) {
            hr = E_OUTOFMEMORY;
            goto out;
        }
    old_cells = inner * psa->rgsabound[0].cElements;
    if (__builtin_mul_overflow(inner, (size_t)psaboundNew->cElements, &new_cells) ||
        __builtin_mul_overflow(new_cells, (size_t)psa->cbElements, &new_bytes)) {
        hr = E_OUTOFMEMORY;
        goto out;
    }
    if (new_cells < old_cells) {
        sa_clear_cells(psa, new_cells, old_cells - new_cells);
    } else if (new_cells > old_cells) {
        /* Memory the array does not own cannot be reallocated. */
        if (psa->fFeatures & SA_NOT_OWNED) {
            hr = E_INVALIDARG;
            goto out;
        }
        char *data = realloc(psa->pvData, new_bytes);
        if (!data) {
            hr = E_OUTOFMEMORY;
            goto out;
        }
        size_t old_bytes = old_cells * psa->cbElements;
        memset(data + old_bytes, 0, new_bytes - old_bytes);
        psa->pvData = data;
    }
    psa->rgsabound[0] = *psaboundNew;
out:
    SafeArrayUnlock(psa);
    return hr;
}

HRESULT SafeArrayGetVartype(SAFEARRAY *psa, VARTYPE *pvt)
{
    if (!psa || !pvt)
        return E_INVALIDARG;
    if (psa->fFeatures & FADF_RECORD)
        *pvt = VT_RECORD;
    else if ((psa->fFeatures & (FADF_HAVEIID | FADF_DISPATCH)) == (FADF_HAVEIID | FADF_DISPATCH))
        *pvt = VT_DISPATCH;
    else if (psa->fFeatures & FADF_HAVEIID)
        *pvt = VT_UNKNOWN;
    else if (psa->fFeatures & FADF_HAVEVARTYPE)
        *pvt = (VARTYPE)*sa_hidden_vt(psa);
    else
        return E_INVALIDARG;
    return S_OK;
}

HRESULT SafeArrayGetIID(SAFEARRAY *psa, GUID *pguid)
{
    if (!psa || !pguid || !(psa->fFeatures & FADF_HAVEIID))
        return E_INVALIDARG;
    *pguid = *sa_hidden_iid(psa);
    return S_OK;
}

HRESULT SafeArraySetIID(SAFEARRAY *psa, REFGUID guid)
{
    if (!psa || !guid || !(psa->fFeatures & FADF_HAVEIID))
        return E_INVALIDARG;
    *sa_hidden_iid(psa) = *guid;
    return S_OK;
}
