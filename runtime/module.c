/*
 * module.c - comrt_module: lock counting, class factories built from a
 * class table, and self-registration of the table (DllRegisterServer).
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void comrt_module_lock(comrt_module *m)
{
    atomic_fetch_add_explicit(&m->locks, 1, memory_order_relaxed);
}

void comrt_module_unlock(comrt_module *m)
{
    atomic_fetch_sub_explicit(&m->locks, 1, memory_order_release);
}

HRESULT comrt_module_can_unload_now(comrt_module *m)
{
    return atomic_load_explicit(&m->locks, memory_order_acquire) == 0 ? S_OK : S_FALSE;
}

/* Class factory ------------------------------------------------------------ */

typedef struct factory {
    IClassFactory iface;
    atomic_ulong refs;
    comrt_module *module;
    const comrt_class_entry *cls;
} factory;

static factory *from_cf(IClassFactory *p)
{
    return COMRT_CONTAINER_OF(p, factory, iface);
}

static HRESULT cf_QueryInterface(IClassFactory *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (riid && (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory))) {
        *ppv = This;
        atomic_fetch_add(&from_cf(This)->refs, 1);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG cf_AddRef(IClassFactory *This)
{
    return (ULONG)atomic_fetch_add(&from_cf(This)->refs, 1) + 1;
}

static ULONG cf_Release(IClassFactory *This)
{
    factory *f = from_cf(This);
    ULONG n = (ULONG)atomic_fetch_sub(&f->refs, 1) - 1;
    if (n == 0) {
        comrt_module *m = f->module;
        free(f);
        comrt_module_unlock(m);
    }
    return n;
}

static HRESULT cf_CreateInstance(IClassFactory *This, IUnknown *outer, REFIID riid, void **ppv)
{
    factory *f = from_cf(This);
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (outer && (!(f->cls->flags & COMRT_CLASS_AGGREGATABLE) || !IsEqualIID(riid, &IID_IUnknown)))
        return CLASS_E_NOAGGREGATION;
    return f->cls->create(f->module, outer, riid, ppv);
}

static HRESULT cf_LockServer(IClassFactory *This, BOOL fLock)
{
    if (fLock)
        comrt_module_lock(from_cf(This)->module);
    else
        comrt_module_unlock(from_cf(This)->module);
    return S_OK;
}

static const IClassFactoryVtbl factory_vtbl = {
    cf_QueryInterface, cf_AddRef, cf_Release, cf_CreateInstance, cf_LockServer,
};

HRESULT comrt_module_get_class_object(comrt_module *m, REFCLSID rclsid, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!m || !rclsid || !riid)
        return E_INVALIDARG;
    for (const comrt_class_entry *c = m->classes; c && c->clsid; c++) {
        if (!IsEqualCLSID(c->clsid, rclsid))
            continue;
        factory *f = calloc(1, sizeof *f);
        if (!f)
            return E_OUTOFMEMORY;
        f->iface.lpVtbl = &factory_vtbl;
        atomic_init(&f->refs, 1);
        f->module = m;
        f->cls = c;
        comrt_module_lock(m);
        HRESULT hr = cf_QueryInterface(&f->iface, riid, ppv);
        cf_Release(&f->iface);
        return hr;
    }
    return CLASS_E_CLASSNOTAVAILABLE;
}

/* Registration ------------------------------------------------------------- */

#define KEYMAX 512

HRESULT comrt_register_class(comrt_reg_txn *txn, const comrt_class_entry *cls, const char *server_key,
                             const char *server_value)
{
    char cs[CHARS_IN_GUID], key[KEYMAX];
    HRESULT hr;

    if (!txn || !cls || !cls->clsid || !server_key || !server_value)
        return comrt_error_set(E_INVALIDARG, "comrt_register_class: missing argument");
    comrt_guid_str(cls->clsid, cs);
#define SET(k, n, v)                                                   \
    do {                                                               \
        hr = comrt_reg_txn_set_value(txn, (k), (n), (v));              \
        if (FAILED(hr))                                                \
            return hr;                                                 \
    } while (0)
#define KEY(...) (snprintf(key, sizeof key, __VA_ARGS__) < (int)sizeof key ? key : "")

    SET(KEY("CLSID\\%s", cs), NULL, cls->description ? cls->description : "");
    SET(KEY("CLSID\\%s\\%s", cs, server_key), NULL, server_value);
    if (cls->threading_model && strcmp(server_key, "InprocServer32") == 0)
        SET(KEY("CLSID\\%s\\%s", cs, server_key), "ThreadingModel", cls->threading_model);
    if (cls->progid) {
        SET(KEY("CLSID\\%s\\ProgID", cs), NULL, cls->progid);
        SET(KEY("%s", cls->progid), NULL, cls->description ? cls->description : "");
        SET(KEY("%s\\CLSID", cls->progid), NULL, cs);
    }
    if (cls->vi_progid) {
        SET(KEY("CLSID\\%s\\VersionIndependentProgID", cs), NULL, cls->vi_progid);
        SET(KEY("%s", cls->vi_progid), NULL, cls->description ? cls->description : "");
        SET(KEY("%s\\CLSID", cls->vi_progid), NULL, cs);
        if (cls->progid)
            SET(KEY("%s\\CurVer", cls->vi_progid), NULL, cls->progid);
    }
#undef SET
#undef KEY
    return S_OK;
}

/* Deletes a ProgID key only if it still names this class. */
static HRESULT drop_progid(comrt_reg_txn *txn, const char *progid, const char *cs)
{
    char key[KEYMAX];
    char *value = NULL;
    HRESULT hr;

    snprintf(key, sizeof key, "%s\\CLSID", progid);
    hr = comrt_reg_get_value(key, NULL, &value);
    if (FAILED(hr))
        return hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE ? S_OK : hr;
    int ours = strcasecmp(value, cs) == 0;
    CoTaskMemFree(value);
    return ours ? comrt_reg_txn_delete_key(txn, progid) : S_OK;
}

HRESULT comrt_unregister_class(comrt_reg_txn *txn, const comrt_class_entry *cls, const char *server_key)
{
    static const char *const kinds[] = {"InprocServer32", "LocalServer32"};
    char cs[CHARS_IN_GUID], key[KEYMAX];
    HRESULT hr;

    if (!txn || !cls || !cls->clsid || !server_key)
        return comrt_error_set(E_INVALIDARG, "comrt_unregister_class: missing argument");
    comrt_guid_str(cls->clsid, cs);
    /* Served another way too (a DLL and an EXE)? Then only this way goes. */
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (!strcasecmp(kinds[i], server_key))
            continue;
        snprintf(key, sizeof key, "CLSID\\%s\\%s", cs, kinds[i]);
        if (comrt_reg_key_exists(key) == S_OK) {
            snprintf(key, sizeof key, "CLSID\\%s\\%s", cs, server_key);
            return comrt_reg_txn_delete_key(txn, key);
        }
    }
    snprintf(key, sizeof key, "CLSID\\%s", cs);
    hr = comrt_reg_txn_delete_key(txn, key);
    if (SUCCEEDED(hr) && cls->progid)
        hr = drop_progid(txn, cls->progid, cs);
    if (SUCCEEDED(hr) && cls->vi_progid)
        hr = drop_progid(txn, cls->vi_progid, cs);
    return hr;
}

static HRESULT module_path(comrt_module *m, char path[PATH_MAX])
{
    Dl_info info;
    if (!dladdr(m, &info) || !info.dli_fname || !realpath(info.dli_fname, path))
        return comrt_error_set(SELFREG_E_CLASS, "cannot find the library file that holds this module");
    return S_OK;
}

static HRESULT update(comrt_module *m, int add)
{
    char path[PATH_MAX];
    comrt_reg_txn *txn = NULL;
    HRESULT hr;

    if (!m)
        return E_INVALIDARG;
    if (add) {
        hr = module_path(m, path);
        if (FAILED(hr))
            return hr;
    }
    hr = comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn);
    if (FAILED(hr))
        return hr;
    for (const comrt_class_entry *c = m->classes; c && c->clsid && SUCCEEDED(hr); c++)
        hr = add ? comrt_register_class(txn, c, "InprocServer32", path)
                 : comrt_unregister_class(txn, c, "InprocServer32");
    if (FAILED(hr)) {
        comrt_reg_txn_abort(txn);
        return hr;
    }
    return comrt_reg_txn_commit(txn);
}

HRESULT comrt_module_register_server(comrt_module *m)
{
    return update(m, 1);
}

HRESULT comrt_module_unregister_server(comrt_module *m)
{
    return update(m, 0);
}
