/*
 * typelib_obj.c - ITypeLib over a comidl type library, and the automation
 * entry points that load and register libraries (LoadTypeLib & co).
 *
 * An ITypeLib owns one ITypeInfo per type, made when the library is opened;
 * the ITypeInfos share the library's reference count (as in oleaut32, a
 * type info keeps its library alive), so a type info costs no allocation
 * per call and identity is stable.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch_internal.h"

BSTR tl_bstr(const char *s)
{
    return s ? SysAllocString(s) : NULL;
}

static tl_obj *tl_from(ITypeLib *p)
{
    return (tl_obj *)(void *)p;
}

/* HREFTYPEs ---------------------------------------------------------------- */

HRESULT tl_href_of_iface(const tl_obj *t, const comrt_tl_interface *iface, REFIID iid, HREFTYPE *out)
{
    const comrt_tl_library *l = t->lib;
    if (iface && iface >= l->interfaces && iface < l->interfaces + l->ninterfaces) {
        *out = (HREFTYPE)(iface - l->interfaces);
        return S_OK;
    }
    for (uint32_t i = 0; iid && i < l->ninterfaces; i++)
        if (IsEqualIID(&l->interfaces[i].iid, iid)) {
            *out = i;
            return S_OK;
        }
    return TYPE_E_ELEMENTNOTFOUND;
}

HRESULT tl_href_of_record(const tl_obj *t, const comrt_tl_struct *rec, HREFTYPE *out)
{
    const comrt_tl_library *l = t->lib;
    uint32_t base = l->ninterfaces + l->ncoclasses;
    for (uint32_t i = 0; rec && i < l->nstructs; i++)
        if (&l->structs[i] == rec || (rec->name[0] && !strcmp(l->structs[i].name, rec->name))) {
            *out = base + i;
            return S_OK;
        }
    return TYPE_E_ELEMENTNOTFOUND;
}

HRESULT tl_href_of_enum(const tl_obj *t, const comrt_tl_enum *en, HREFTYPE *out)
{
    const comrt_tl_library *l = t->lib;
    uint32_t base = l->ninterfaces + l->ncoclasses + l->nstructs;
    for (uint32_t i = 0; en && i < l->nenums; i++)
        if (&l->enums[i] == en || (en->name[0] && !strcmp(l->enums[i].name, en->name))) {
            *out = base + i;
            return S_OK;
        }
    return TYPE_E_ELEMENTNOTFOUND;
}

/* ITypeLib ----------------------------------------------------------------- */

static HRESULT tl_QueryInterface(ITypeLib *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ITypeLib)) {
        *ppv = This;
        ITypeLib_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG tl_AddRef(ITypeLib *This)
{
    return (ULONG)atomic_fetch_add(&tl_from(This)->refs, 1) + 1;
}

static void tl_destroy(tl_obj *t)
{
    for (uint32_t i = 0; i < t->ninfos; i++)
        ti_fini(&t->infos[i]);
    free(t->infos);
    free(t->visible);
    comrt_typelib_unref(t->tl);
    free(t);
}

static ULONG tl_Release(ITypeLib *This)
{
    tl_obj *t = tl_from(This);
    ULONG n = (ULONG)atomic_fetch_sub(&t->refs, 1) - 1;
    if (n == 0)
        tl_destroy(t);
    return n;
}

static UINT tl_GetTypeInfoCount(ITypeLib *This)
{
    return tl_from(This)->nvisible;
}

static HRESULT tl_GetTypeInfo(ITypeLib *This, UINT index, ITypeInfo **pp)
{
    tl_obj *t = tl_from(This);
    if (!pp)
        return E_INVALIDARG;
    *pp = NULL;
    if (index >= t->nvisible)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s has %u types, not %u", t->lib->name,
                               t->nvisible, index + 1);
    *pp = &t->infos[t->visible[index]].ITypeInfo_iface;
    ITypeInfo_AddRef(*pp);
    return S_OK;
}

static HRESULT tl_GetTypeInfoType(ITypeLib *This, UINT index, TYPEKIND *kind)
{
    tl_obj *t = tl_from(This);
    if (!kind)
        return E_INVALIDARG;
    if (index >= t->nvisible)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s has %u types, not %u", t->lib->name,
                               t->nvisible, index + 1);
    *kind = t->infos[t->visible[index]].kind;
    return S_OK;
}

static HRESULT tl_GetTypeInfoOfGuid(ITypeLib *This, REFGUID guid, ITypeInfo **pp)
{
    tl_obj *t = tl_from(This);
    char gs[CHARS_IN_GUID];
    if (!pp || !guid)
        return E_INVALIDARG;
    *pp = NULL;
    for (uint32_t i = 0; i < t->ninfos; i++) {
        ti_obj *ti = &t->infos[i];
        if ((ti->iface && IsEqualGUID(&ti->iface->iid, guid)) || (ti->coclass && IsEqualGUID(&ti->coclass->clsid, guid))) {
            *pp = &ti->ITypeInfo_iface;
            ITypeInfo_AddRef(*pp);
            return S_OK;
        }
    }
    StringFromGUID2(guid, gs, sizeof gs);
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s describes no interface or class %s",
                           t->lib->name, gs);
}

static HRESULT tl_GetLibAttr(ITypeLib *This, TLIBATTR **pp)
{
    tl_obj *t = tl_from(This);
    if (!pp)
        return E_INVALIDARG;
    TLIBATTR *a = calloc(1, sizeof *a);
    if (!(*pp = a))
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    a->guid = t->lib->libid;
    a->lcid = t->lib->lcid;
    a->syskind = SYS_WIN64;
    a->wMajorVerNum = t->lib->ver_major;
    a->wMinorVerNum = t->lib->ver_minor;
    a->wLibFlags = LIBFLAG_FHASDISKIMAGE;
    return S_OK;
}

static void tl_ReleaseTLibAttr(ITypeLib *This, TLIBATTR *a)
{
    (void)This;
    free(a);
}

static HRESULT tl_GetTypeComp(ITypeLib *This, ITypeComp **pp)
{
    (void)This;
    if (pp)
        *pp = NULL;
    return comrt_error_set(E_NOTIMPL, "ITypeLib::GetTypeComp is not implemented by comrt");
}

static HRESULT tl_GetDocumentation(ITypeLib *This, INT index, BSTR *name, BSTR *doc, DWORD *ctx, BSTR *file)
{
    tl_obj *t = tl_from(This);
    if (index == -1) {
        if (name)
            *name = tl_bstr(t->lib->name);
        if (doc)
            *doc = tl_bstr(t->lib->helpstring);
        if (ctx)
            *ctx = 0;
        if (file)
            *file = NULL;
        return S_OK;
    }
    if (index < 0 || (UINT)index >= t->nvisible)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s has no type %d", t->lib->name, index);
    ITypeInfo *ti = &t->infos[t->visible[index]].ITypeInfo_iface;
    return ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, name, doc, ctx, file);
}

static const char *info_name(const ti_obj *ti)
{
    return ti->iface ? ti->iface->name : ti->coclass ? ti->coclass->name : ti->rec ? ti->rec->name : ti->en->name;
}

/* A name of a type or of a member of one (case-insensitive, as in COM). */
static int member_named(const ti_obj *ti, const char *name, MEMBERID *id)
{
    if (ti->iface) {
        for (uint32_t i = 0; i < ti->iface->nmethods; i++)
            if (!strcasecmp(ti->iface->methods[i].name, name)) {
                *id = ti->iface->methods[i].dispid;
                return 1;
            }
        for (uint32_t i = 0; i < ti->iface->nprops; i++)
            if (!strcasecmp(ti->iface->props[i].name, name)) {
                *id = ti->iface->props[i].dispid;
                return 1;
            }
    }
    return 0;
}

static HRESULT tl_FindName(ITypeLib *This, LPOLESTR name, ULONG hash, ITypeInfo **infos, MEMBERID *ids,
                           USHORT *found)
{
    tl_obj *t = tl_from(This);
    USHORT n = 0;
    (void)hash;
    if (!name || !found || (*found && (!infos || !ids)))
        return E_INVALIDARG;
    for (uint32_t i = 0; i < t->nvisible && n < *found; i++) {
        ti_obj *ti = &t->infos[t->visible[i]];
        MEMBERID id = MEMBERID_NIL;
        if (strcasecmp(info_name(ti), name) && !member_named(ti, name, &id))
            continue;
        infos[n] = &ti->ITypeInfo_iface;
        ITypeInfo_AddRef(infos[n]);
        ids[n++] = id;
    }
    *found = n;
    return S_OK;
}

static HRESULT tl_IsName(ITypeLib *This, LPOLESTR name, ULONG hash, BOOL *is)
{
    tl_obj *t = tl_from(This);
    (void)hash;
    if (!name || !is)
        return E_INVALIDARG;
    *is = FALSE;
    for (uint32_t i = 0; i < t->nvisible && !*is; i++) {
        ti_obj *ti = &t->infos[t->visible[i]];
        MEMBERID id;
        if (!strcasecmp(info_name(ti), name) || member_named(ti, name, &id))
            *is = TRUE;
    }
    return S_OK;
}

static const ITypeLibVtbl tl_vtbl = {
    .QueryInterface = tl_QueryInterface,
    .AddRef = tl_AddRef,
    .Release = tl_Release,
    .GetTypeInfoCount = tl_GetTypeInfoCount,
    .GetTypeInfo = tl_GetTypeInfo,
    .GetTypeInfoType = tl_GetTypeInfoType,
    .GetTypeInfoOfGuid = tl_GetTypeInfoOfGuid,
    .GetLibAttr = tl_GetLibAttr,
    .GetTypeComp = tl_GetTypeComp,
    .GetDocumentation = tl_GetDocumentation,
    .IsName = tl_IsName,
    .FindName = tl_FindName,
    .ReleaseTLibAttr = tl_ReleaseTLibAttr,
};

COMRT_API HRESULT comrt_typelib_open(comrt_typelib *tl, ITypeLib **out)
{
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typelib_open: out is NULL");
    *out = NULL;
    if (!tl)
        return comrt_error_set(E_POINTER, "comrt_typelib_open: no type library");
    tl_obj *t = calloc(1, sizeof *t);
    if (!t)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    const comrt_tl_library *l = comrt_typelib_library(tl);
    t->ITypeLib_iface.lpVtbl = &tl_vtbl;
    atomic_init(&t->refs, 1);
    t->tl = comrt_typelib_ref(tl);
    t->lib = l;
    t->ninfos = l->ninterfaces + l->ncoclasses + l->nstructs + l->nenums;
    t->infos = calloc(t->ninfos ? t->ninfos : 1, sizeof *t->infos);
    t->visible = calloc(t->ninfos ? t->ninfos : 1, sizeof *t->visible);
    if (!t->infos || !t->visible)
        goto oom;
    uint32_t k = 0;
    for (uint32_t i = 0; i < l->ninterfaces; i++, k++) {
        ti_obj *ti = &t->infos[k];
        ti->iface = &l->interfaces[i];
        ti->kind = (ti->iface->flags & COMRT_TL_I_DISPINTERFACE) ? TKIND_DISPATCH : TKIND_INTERFACE;
    }
    for (uint32_t i = 0; i < l->ncoclasses; i++, k++) {
        t->infos[k].coclass = &l->coclasses[i];
        t->infos[k].kind = TKIND_COCLASS;
    }
    for (uint32_t i = 0; i < l->nstructs; i++, k++) {
        t->infos[k].rec = &l->structs[i];
        t->infos[k].kind = TKIND_RECORD;
    }
    for (uint32_t i = 0; i < l->nenums; i++, k++) {
        t->infos[k].en = &l->enums[i];
        t->infos[k].kind = TKIND_ENUM;
    }
    for (uint32_t i = 0; i < t->ninfos; i++) {
        ti_obj *ti = &t->infos[i];
        ti->index = -1;
        if (!ti->iface || !(ti->iface->flags & COMRT_TL_I_EXTERNAL)) {
            ti->index = (int)t->nvisible;
            t->visible[t->nvisible++] = i;
        }
        ti_init(ti, t);
        if (ti->iface && !ti->plans)
            goto oom;
    }
    *out = &t->ITypeLib_iface;
    return S_OK;
oom:
    tl_destroy(t);
    return comrt_error_set(E_OUTOFMEMORY, "out of memory opening type library %s", l->name);
}

/* Loading and registration --------------------------------------------- */

COMRT_API HRESULT LoadTypeLib(LPCOLESTR szFile, ITypeLib **pptlib)
{
    comrt_typelib *tl = NULL;
    if (!pptlib)
        return comrt_error_set(E_INVALIDARG, "LoadTypeLib: pptlib is NULL");
    *pptlib = NULL;
    if (!szFile)
        return comrt_error_set(E_INVALIDARG, "LoadTypeLib: no file name");
    HRESULT hr = comrt_typelib_load_file(szFile, &tl);
    if (FAILED(hr))
        return hr;
    hr = comrt_typelib_open(tl, pptlib);
    comrt_typelib_unref(tl);
    return hr;
}

/* The registered version "maj.min" of libid: same major, minor >= min, highest. */
static HRESULT find_version(const char *libkey, WORD maj, WORD min, char *out, size_t outsz)
{
    char **names = NULL;
    size_t n = 0;
    long best = -1;
    HRESULT hr = comrt_reg_enum_subkeys(libkey, &names, &n);
    if (FAILED(hr))
        return hr;
    for (size_t i = 0; i < n; i++) {
        unsigned a, b;
        char extra;
        if (sscanf(names[i], "%u.%u%c", &a, &b, &extra) != 2 || a != maj || b < min)
            continue;
        if ((long)b > best) {
            best = b;
            snprintf(out, outsz, "%s", names[i]);
        }
    }
    comrt_reg_free_list(names);
    return best < 0 ? TYPE_E_LIBNOTREGISTERED : S_OK;
}

COMRT_API HRESULT LoadRegTypeLib(REFGUID rguid, WORD wVerMajor, WORD wVerMinor, LCID lcid, ITypeLib **pptlib)
{
    char gs[CHARS_IN_GUID], key[96], ver[32], vkey[160];
    char *path = NULL;
    (void)lcid;
    if (!pptlib || !rguid)
        return comrt_error_set(E_INVALIDARG, "LoadRegTypeLib: NULL argument");
    *pptlib = NULL;
    StringFromGUID2(rguid, gs, sizeof gs);
    snprintf(key, sizeof key, "TypeLib\\%s", gs);
    HRESULT hr = find_version(key, wVerMajor, wVerMinor, ver, sizeof ver);
    if (FAILED(hr)) {
        CoTaskMemFree(comrt_error_take_description());
        return comrt_error_set(TYPE_E_LIBNOTREGISTERED, "type library %s version %u.%u is not registered", gs,
                               wVerMajor, wVerMinor);
    }
    snprintf(vkey, sizeof vkey, "%s\\%s\\0\\linux64", key, ver);
    hr = comrt_reg_get_value(vkey, NULL, &path);
    if (FAILED(hr)) {
        CoTaskMemFree(comrt_error_take_description());
        return comrt_error_set(TYPE_E_LIBNOTREGISTERED, "type library %s %s has no path (%s)", gs, ver, vkey);
    }
    hr = LoadTypeLib(path, pptlib);
    CoTaskMemFree(path);
    return hr;
}

static comrt_typelib *tl_of(ITypeLib *p)
{
    return p && p->lpVtbl == &tl_vtbl ? tl_from(p)->tl : NULL;
}

COMRT_API HRESULT RegisterTypeLib(ITypeLib *ptlib, LPCOLESTR szFullPath, LPCOLESTR szHelpDir)
{
    (void)szHelpDir;
    comrt_typelib *tl = tl_of(ptlib);
    if (!tl)
        return comrt_error_set(E_INVALIDARG, "RegisterTypeLib: not a type library opened by comrt");
    if (!szFullPath || szFullPath[0] != '/')
        return comrt_error_set(E_INVALIDARG, "RegisterTypeLib: the path must be absolute");
    return comrt_typelib_register(tl, szFullPath, COMRT_REG_DEFAULT);
}

COMRT_API HRESULT UnRegisterTypeLib(REFGUID libID, WORD wVerMajor, WORD wVerMinor, LCID lcid, SYSKIND syskind)
{
    ITypeLib *ptl = NULL;
    (void)syskind;
    HRESULT hr = LoadRegTypeLib(libID, wVerMajor, wVerMinor, lcid, &ptl);
    if (FAILED(hr))
        return hr;
    hr = comrt_typelib_unregister(tl_of(ptl), COMRT_REG_DEFAULT);
    ITypeLib_Release(ptl);
    return hr;
}

/* Embedded libraries, cached for the life of the process ------------------- */

struct embedded {
    const void *data;
    size_t size;
    unsigned char head[64]; /* guards against another library mapped at a freed address */
    ITypeLib *lib;
    struct embedded *next;
};

static pthread_mutex_t emb_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct embedded *) emb_list;

static ITypeLib *emb_find(const void *data, size_t size)
{
    size_t h = size < 64 ? size : 64;
    for (struct embedded *e = atomic_load_explicit(&emb_list, memory_order_acquire); e; e = e->next)
        if (e->data == data && e->size == size && !memcmp(e->head, data, h))
            return e->lib;
    return NULL;
}

COMRT_API HRESULT comrt_typeinfo_for(const void *tlb_data, size_t tlb_size, REFIID iid, ITypeInfo **out)
{
    HRESULT hr = S_OK;
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typeinfo_for: out is NULL");
    *out = NULL;
    if (!tlb_data || !iid)
        return comrt_error_set(E_INVALIDARG, "comrt_typeinfo_for: no type library or IID");
    ITypeLib *lib = emb_find(tlb_data, tlb_size);
    if (!lib) {
        pthread_mutex_lock(&emb_lock);
        lib = emb_find(tlb_data, tlb_size);
        if (!lib) {
            comrt_typelib *tl = NULL;
            struct embedded *e = calloc(1, sizeof *e);
            hr = e ? comrt_typelib_load_memory(tlb_data, tlb_size, "embedded type library", &tl)
                   : comrt_error_set(E_OUTOFMEMORY, "out of memory");
            if (SUCCEEDED(hr))
                hr = comrt_typelib_open(tl, &lib);
            comrt_typelib_unref(tl);
            if (SUCCEEDED(hr)) {
                e->data = tlb_data;
                e->size = tlb_size;
                memcpy(e->head, tlb_data, tlb_size < 64 ? tlb_size : 64);
                e->lib = lib;
                e->next = atomic_load(&emb_list);
                atomic_store_explicit(&emb_list, e, memory_order_release);
            } else {
                free(e);
            }
        }
        pthread_mutex_unlock(&emb_lock);
        if (FAILED(hr))
            return hr;
    }
    /* Interfaces only: the library is cached, so its dispatch plans are too. */
    tl_obj *t = tl_from(lib);
    for (uint32_t i = 0; i < t->lib->ninterfaces; i++)
        if (IsEqualIID(&t->lib->interfaces[i].iid, iid)) {
            *out = &t->infos[i].ITypeInfo_iface;
            ITypeInfo_AddRef(*out);
            return S_OK;
        }
    char gs[CHARS_IN_GUID];
    StringFromGUID2(iid, gs, sizeof gs);
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s describes no interface %s", t->lib->name, gs);
}
