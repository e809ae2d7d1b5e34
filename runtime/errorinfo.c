/*
 * errorinfo.c - COM's per-thread error object (IErrorInfo/ICreateErrorInfo)
 * and comrt_error_set, which every failure path uses to say what went wrong.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

typedef struct error_object {
    IErrorInfo info;
    ICreateErrorInfo create;
    atomic_ulong refs;
    GUID guid;
    char *source;
    char *description;
    char *helpfile;
    DWORD helpcontext;
} error_object;

static error_object *from_info(IErrorInfo *p) { return COMRT_CONTAINER_OF(p, error_object, info); }
static error_object *from_create(ICreateErrorInfo *p) { return COMRT_CONTAINER_OF(p, error_object, create); }

static HRESULT eo_query(error_object *e, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IErrorInfo))
        *ppv = &e->info;
    else if (IsEqualIID(riid, &IID_ICreateErrorInfo))
        *ppv = &e->create;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    atomic_fetch_add(&e->refs, 1);
    return S_OK;
}

static ULONG eo_release(error_object *e)
{
    ULONG n = (ULONG)atomic_fetch_sub(&e->refs, 1) - 1;
    if (n == 0) {
        free(e->source);
        free(e->description);
        free(e->helpfile);
        free(e);
    }
    return n;
}

static HRESULT out_bstr(const char *s, BSTR *out)
{
    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!s)
        return S_OK;
    *out = SysAllocString(s);
    return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT ei_QueryInterface(IErrorInfo *This, REFIID riid, void **ppv) { return eo_query(from_info(This), riid, ppv); }
static ULONG ei_AddRef(IErrorInfo *This) { return (ULONG)atomic_fetch_add(&from_info(This)->refs, 1) + 1; }
static ULONG ei_Release(IErrorInfo *This) { return eo_release(from_info(This)); }
static HRESULT ei_GetGUID(IErrorInfo *This, GUID *g)
{
    if (!g)
        return E_POINTER;
    *g = from_info(This)->guid;
    return S_OK;
}
static HRESULT ei_GetSource(IErrorInfo *This, BSTR *p) { return out_bstr(from_info(This)->source, p); }
static HRESULT ei_GetDescription(IErrorInfo *This, BSTR *p) { return out_bstr(from_info(This)->description, p); }
static HRESULT ei_GetHelpFile(IErrorInfo *This, BSTR *p) { return out_bstr(from_info(This)->helpfile, p); }
static HRESULT ei_GetHelpContext(IErrorInfo *This, DWORD *p)
{
    if (!p)
        return E_POINTER;
    *p = from_info(This)->helpcontext;
    return S_OK;
}

static const IErrorInfoVtbl error_info_vtbl = {
    ei_QueryInterface, ei_AddRef, ei_Release, ei_GetGUID, ei_GetSource, ei_GetDescription, ei_GetHelpFile,
    ei_GetHelpContext,
};

static HRESULT set_str(char **slot, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = strdup(s)))
        return E_OUTOFMEMORY;
    free(*slot);
    *slot = copy;
    return S_OK;
}

static HRESULT ce_QueryInterface(ICreateErrorInfo *This, REFIID riid, void **ppv) { return eo_query(from_create(This), riid, ppv); }
static ULONG ce_AddRef(ICreateErrorInfo *This) { return (ULONG)atomic_fetch_add(&from_create(This)->refs, 1) + 1; }
static ULONG ce_Release(ICreateErrorInfo *This) { return eo_release(from_create(This)); }
static HRESULT ce_SetGUID(ICreateErrorInfo *This, REFGUID g)
{
    if (!g)
        return E_POINTER;
    from_create(This)->guid = *g;
    return S_OK;
}
static HRESULT ce_SetSource(ICreateErrorInfo *This, LPOLESTR s) { return set_str(&from_create(This)->source, s); }
static HRESULT ce_SetDescription(ICreateErrorInfo *This, LPOLESTR s) { return set_str(&from_create(This)->description, s); }
static HRESULT ce_SetHelpFile(ICreateErrorInfo *This, LPOLESTR s) { return set_str(&from_create(This)->helpfile, s); }
static HRESULT ce_SetHelpContext(ICreateErrorInfo *This, DWORD c)
{
    from_create(This)->helpcontext = c;
    return S_OK;
}

static const ICreateErrorInfoVtbl create_error_info_vtbl = {
    ce_QueryInterface, ce_AddRef, ce_Release, ce_SetGUID, ce_SetSource, ce_SetDescription, ce_SetHelpFile,
    ce_SetHelpContext,
};

HRESULT CreateErrorInfo(ICreateErrorInfo **pperrinfo)
{
    if (!pperrinfo)
        return E_POINTER;
    error_object *e = calloc(1, sizeof *e);
    if (!e) {
        *pperrinfo = NULL;
        return E_OUTOFMEMORY;
    }
    e->info.lpVtbl = &error_info_vtbl;
    e->create.lpVtbl = &create_error_info_vtbl;
    atomic_init(&e->refs, 1);
    *pperrinfo = &e->create;
    return S_OK;
}

HRESULT SetErrorInfo(ULONG dwReserved, IErrorInfo *perrinfo)
{
    if (dwReserved != 0)
        return E_INVALIDARG;
    struct comrt_thread *t = comrt_thread_get();
    if (perrinfo)
        IErrorInfo_AddRef(perrinfo);
    IErrorInfo *old = t->error;
    t->error = perrinfo;
    if (old)
        IErrorInfo_Release(old);
    return S_OK;
}

HRESULT GetErrorInfo(ULONG dwReserved, IErrorInfo **pperrinfo)
{
    if (!pperrinfo)
        return E_POINTER;
    *pperrinfo = NULL;
    if (dwReserved != 0)
        return E_INVALIDARG;
    struct comrt_thread *t = comrt_thread_get();
    *pperrinfo = t->error; /* the thread's reference moves to the caller */
    t->error = NULL;
    return *pperrinfo ? S_OK : S_FALSE;
}

void comrt_error_clear_thread(struct comrt_thread *t)
{
    IErrorInfo *old = t->error;
    t->error = NULL;
    if (old)
        IErrorInfo_Release(old);
}

HRESULT comrt_error_set(HRESULT hr, const char *fmt, ...)
{
    struct comrt_thread *t = comrt_thread_get();
    char *text = NULL;
    va_list ap;

    comrt_error_clear_thread(t);
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        return hr;

    error_object *e = calloc(1, sizeof *e);
    if (!e) {
        free(text);
        return hr;
    }
    e->info.lpVtbl = &error_info_vtbl;
    e->create.lpVtbl = &create_error_info_vtbl;
    atomic_init(&e->refs, 1);
    e->description = text;
    e->source = strdup("comrt"); /* NULL on OOM is acceptable: the source is optional */
    t->error = &e->info;
    return hr;
}

char *comrt_error_take_description(void)
{
    IErrorInfo *ei = NULL;
    BSTR desc = NULL;
    char *out = NULL;

    if (GetErrorInfo(0, &ei) != S_OK)
        return NULL;
    if (SUCCEEDED(IErrorInfo_GetDescription(ei, &desc))) {
        UINT n = SysStringByteLen(desc);
        out = CoTaskMemAlloc((size_t)n + 1);
        if (out) {
            if (n)
                memcpy(out, desc, n);
            out[n] = '\0';
        }
        SysFreeString(desc);
    }
    IErrorInfo_Release(ei);
    return out;
}
