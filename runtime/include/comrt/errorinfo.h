/*
 * comrt/errorinfo.h - error information for humans (COM's IErrorInfo).
 *
 * Every failing comrt function leaves a fresh error object on the calling
 * thread whose description names the file, class or line at fault. Read it
 * right after the failure with GetErrorInfo (which hands it over and clears
 * the slot) or comrt_error_take_description. A success leaves the slot as
 * it was, so do not read it after a success.
 */
#ifndef COMRT_ERRORINFO_H
#define COMRT_ERRORINFO_H

#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct IErrorInfo IErrorInfo;
typedef struct IErrorInfoVtbl {
    HRESULT (*QueryInterface)(IErrorInfo *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IErrorInfo *This);
    ULONG (*Release)(IErrorInfo *This);
    HRESULT (*GetGUID)(IErrorInfo *This, GUID *pGUID);
    /* The BSTR outputs are the caller's to SysFreeString. */
    HRESULT (*GetSource)(IErrorInfo *This, BSTR *pBstrSource);
    HRESULT (*GetDescription)(IErrorInfo *This, BSTR *pBstrDescription);
    HRESULT (*GetHelpFile)(IErrorInfo *This, BSTR *pBstrHelpFile);
    HRESULT (*GetHelpContext)(IErrorInfo *This, DWORD *pdwHelpContext);
} IErrorInfoVtbl;
struct IErrorInfo {
    const IErrorInfoVtbl *lpVtbl;
};

#define IErrorInfo_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IErrorInfo_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IErrorInfo_Release(This) ((This)->lpVtbl->Release(This))
#define IErrorInfo_GetGUID(This, p) ((This)->lpVtbl->GetGUID(This, p))
#define IErrorInfo_GetSource(This, p) ((This)->lpVtbl->GetSource(This, p))
#define IErrorInfo_GetDescription(This, p) ((This)->lpVtbl->GetDescription(This, p))
#define IErrorInfo_GetHelpFile(This, p) ((This)->lpVtbl->GetHelpFile(This, p))
#define IErrorInfo_GetHelpContext(This, p) ((This)->lpVtbl->GetHelpContext(This, p))

typedef struct ICreateErrorInfo ICreateErrorInfo;
typedef struct ICreateErrorInfoVtbl {
    HRESULT (*QueryInterface)(ICreateErrorInfo *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(ICreateErrorInfo *This);
    ULONG (*Release)(ICreateErrorInfo *This);
    HRESULT (*SetGUID)(ICreateErrorInfo *This, REFGUID rguid);
    /* The strings are copied. */
    HRESULT (*SetSource)(ICreateErrorInfo *This, LPOLESTR szSource);
    HRESULT (*SetDescription)(ICreateErrorInfo *This, LPOLESTR szDescription);
    HRESULT (*SetHelpFile)(ICreateErrorInfo *This, LPOLESTR szHelpFile);
    HRESULT (*SetHelpContext)(ICreateErrorInfo *This, DWORD dwHelpContext);
} ICreateErrorInfoVtbl;
struct ICreateErrorInfo {
    const ICreateErrorInfoVtbl *lpVtbl;
};

#define ICreateErrorInfo_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define ICreateErrorInfo_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define ICreateErrorInfo_Release(This) ((This)->lpVtbl->Release(This))
#define ICreateErrorInfo_SetGUID(This, g) ((This)->lpVtbl->SetGUID(This, g))
#define ICreateErrorInfo_SetSource(This, s) ((This)->lpVtbl->SetSource(This, s))
#define ICreateErrorInfo_SetDescription(This, s) ((This)->lpVtbl->SetDescription(This, s))
#define ICreateErrorInfo_SetHelpFile(This, s) ((This)->lpVtbl->SetHelpFile(This, s))
#define ICreateErrorInfo_SetHelpContext(This, c) ((This)->lpVtbl->SetHelpContext(This, c))

typedef struct ISupportErrorInfo ISupportErrorInfo;
typedef struct ISupportErrorInfoVtbl {
    HRESULT (*QueryInterface)(ISupportErrorInfo *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(ISupportErrorInfo *This);
    ULONG (*Release)(ISupportErrorInfo *This);
    /* S_OK if methods of riid set error information, S_FALSE otherwise. */
    HRESULT (*InterfaceSupportsErrorInfo)(ISupportErrorInfo *This, REFIID riid);
} ISupportErrorInfoVtbl;
struct ISupportErrorInfo {
    const ISupportErrorInfoVtbl *lpVtbl;
};
#define ISupportErrorInfo_InterfaceSupportsErrorInfo(This, riid) \
    ((This)->lpVtbl->InterfaceSupportsErrorInfo(This, riid))

COMRT_API extern const IID IID_IErrorInfo;        /* {1CF2B120-547D-101B-8E65-08002B2BD119} */
COMRT_API extern const IID IID_ICreateErrorInfo;  /* {22F03340-547D-101B-8E65-08002B2BD119} */
COMRT_API extern const IID IID_ISupportErrorInfo; /* {DF0B3D60-548F-101B-8E65-08002B2BD119} */

/* CreateErrorInfo - a new, empty error object; the caller owns one reference. */
COMRT_API HRESULT CreateErrorInfo(ICreateErrorInfo **pperrinfo);

/*
 * SetErrorInfo - replaces the calling thread's error object (dwReserved must
 * be 0). AddRefs perrinfo; NULL clears the slot. Releases the old one.
 */
COMRT_API HRESULT SetErrorInfo(ULONG dwReserved, IErrorInfo *perrinfo);

/*
 * GetErrorInfo - hands the thread's error object to the caller (who then
 * owns that reference) and clears the slot. S_FALSE with *pperrinfo NULL
 * when there is none.
 */
COMRT_API HRESULT GetErrorInfo(ULONG dwReserved, IErrorInfo **pperrinfo);

/*
 * comrt_error_set - records a new error object with the formatted
 * description (source "comrt") on this thread and returns hr, so failure
 * paths read `return comrt_error_set(E_INVALIDARG, "%s:%d: ...", ...);`.
 * If recording fails for lack of memory the slot is cleared and hr is still
 * returned.
 */
COMRT_API HRESULT comrt_error_set(HRESULT hr, const char *fmt, ...) COMRT_PRINTF(2, 3);

/*
 * comrt_error_take_description - the description of the thread's error
 * object, which is cleared. A string the caller frees with CoTaskMemFree,
 * or NULL when there is no error object.
 */
COMRT_API char *comrt_error_take_description(void);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_ERRORINFO_H */
