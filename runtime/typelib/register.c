/*
 * register.c - writing a type library into the registry, Windows' shape:
 *
 *   TypeLib\{libid}\<maj>.<min>            @ = helpstring or name
 *   TypeLib\{libid}\<maj>.<min>\0\linux64  @ = absolute path (.tlb or .so)
 *   TypeLib\{libid}\<maj>.<min>\FLAGS      @ = 0
 *   TypeLib\{libid}\<maj>.<min>\HELPDIR    @ = directory of the path
 *   Interface\{iid}                        @ = name
 *   Interface\{iid}\NumMethods             @ = vtable slots, inherited included
 *   Interface\{iid}\TypeLib                @ = {libid}, Version = <maj>.<min>
 *
 * Unregistration removes exactly these keys, and the parents that only
 * existed for them, so register + unregister leaves the file as it was.
 */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tl_internal.h"

#define KEYMAX 512

static HRESULT reg_fail(HRESULT hr, const comrt_typelib *tl)
{
    char *why = comrt_error_take_description();
    HRESULT r = comrt_error_set(FAILED(hr) ? hr : TYPE_E_REGISTRYACCESS, "%s: cannot register type library '%s': %s",
                                tl->path, tl->lib.name, why ? why : comrt_hresult_message(hr));
    CoTaskMemFree(why);
    return r;
}

HRESULT comrt_typelib_register_txn(comrt_reg_txn *txn, const comrt_typelib *tl, const char *path)
{
    char lib[CHARS_IN_GUID], iid[CHARS_IN_GUID], key[KEYMAX], ver[16], num[16];
    HRESULT hr;
    if (!txn || !tl || !path)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_register_txn: missing argument");
    if (path[0] != '/')
        return comrt_error_set(E_INVALIDARG, "%s: a registered type library path must be absolute", path);
    const comrt_tl_library *l = &tl->lib;
    tl_guid_format(&l->libid, lib);
    snprintf(ver, sizeof ver, "%u.%u", l->ver_major, l->ver_minor);
#define SET(k, n, v)                                                            \
    do {                                                                        \
        if (FAILED(hr = comrt_reg_txn_set_value(txn, (k), (n), (v))))           \
            return reg_fail(hr, tl);                                            \
    } while (0)
#define KEY(...) (snprintf(key, sizeof key, __VA_ARGS__) < (int)sizeof key ? key : "")
    SET(KEY("TypeLib\\%s\\%s", lib, ver), NULL, l->helpstring ? l->helpstring : l->name);
    SET(KEY("TypeLib\\%s\\%s\\0\\linux64", lib, ver), NULL, path);
    SET(KEY("TypeLib\\%s\\%s\\FLAGS", lib, ver), NULL, "0");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    SET(KEY("TypeLib\\%s\\%s\\HELPDIR", lib, ver), NULL, dir);
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        const comrt_tl_interface *it = &l->interfaces[i];
        if (it->flags & COMRT_TL_I_EXTERNAL)
            continue;
        tl_guid_format(&it->iid, iid);
        snprintf(num, sizeof num, "%u", it->num_slots);
        SET(KEY("Interface\\%s", iid), NULL, it->name);
        SET(KEY("Interface\\%s\\NumMethods", iid), NULL, num);
        SET(KEY("Interface\\%s\\TypeLib", iid), NULL, lib);
        SET(KEY("Interface\\%s\\TypeLib", iid), "Version", ver);
    }
    return S_OK;
#undef SET
}

/* Whether key has no subkeys other than `except` (and no values). */
static int only_child(const char *key, const char *except)
{
    char **names = NULL;
    size_t n = 0;
    if (FAILED(comrt_reg_enum_subkeys(key, &names, &n)))
        return 0;
    int only = n == 1 && strcasecmp(names[0], except) == 0;
    comrt_reg_free_list(names);
    if (!only)
        return 0;
    if (FAILED(comrt_reg_enum_values(key, &names, &n)))
        return 0;
    comrt_reg_free_list(names);
    return n == 0;
}

HRESULT comrt_typelib_unregister_txn(comrt_reg_txn *txn, const comrt_typelib *tl)
{
    char lib[CHARS_IN_GUID], iid[CHARS_IN_GUID], key[KEYMAX], ver[16];
    HRESULT hr;
    if (!txn || !tl)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_unregister_txn: missing argument");
    const comrt_tl_library *l = &tl->lib;
    tl_guid_format(&l->libid, lib);
    snprintf(ver, sizeof ver, "%u.%u", l->ver_major, l->ver_minor);
    size_t removed_ifaces = 0;
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        const comrt_tl_interface *it = &l->interfaces[i];
        if (it->flags & COMRT_TL_I_EXTERNAL)
            continue;
        tl_guid_format(&it->iid, iid);
        /* Only if it is still ours: another library may have claimed it since. */
        char *owner = NULL;
        if (SUCCEEDED(comrt_reg_get_value(KEY("Interface\\%s\\TypeLib", iid), NULL, &owner)) &&
            strcasecmp(owner, lib) == 0) {
            if (FAILED(hr = comrt_reg_txn_delete_key(txn, KEY("Interface\\%s", iid)))) {
                CoTaskMemFree(owner);
                return reg_fail(hr, tl);
            }
            removed_ifaces++;
        }
        CoTaskMemFree(owner);
    }
    int drop_lib = only_child(KEY("TypeLib\\%s", lib), ver);
    hr = drop_lib ? comrt_reg_txn_delete_key(txn, KEY("TypeLib\\%s", lib))
                  : comrt_reg_txn_delete_key(txn, KEY("TypeLib\\%s\\%s", lib, ver));
    if (FAILED(hr))
        return reg_fail(hr, tl);
    /* Top-level keys that held nothing else. */
    if (drop_lib && only_child("TypeLib", lib) && FAILED(hr = comrt_reg_txn_delete_key(txn, "TypeLib")))
        return reg_fail(hr, tl);
    char **names = NULL;
    size_t n = 0;
    if (removed_ifaces && SUCCEEDED(comrt_reg_enum_subkeys("Interface", &names, &n))) {
        size_t nv = 1;
        char **vals = NULL;
        if (SUCCEEDED(comrt_reg_enum_values("Interface", &vals, &nv)))
            comrt_reg_free_list(vals);
        if (n == removed_ifaces && nv == 0)
            hr = comrt_reg_txn_delete_key(txn, "Interface");
        comrt_reg_free_list(names);
        if (FAILED(hr))
            return reg_fail(hr, tl);
    }
    return S_OK;
#undef KEY
}

static HRESULT commit_or_abort(comrt_reg_txn *txn, HRESULT hr, const comrt_typelib *tl)
{
    if (FAILED(hr)) {
        comrt_reg_txn_abort(txn);
        return hr;
    }
    hr = comrt_reg_txn_commit(txn);
    return FAILED(hr) ? reg_fail(hr, tl) : S_OK;
}

HRESULT comrt_typelib_register(const comrt_typelib *tl, const char *path, comrt_reg_scope scope)
{
    char abs[PATH_MAX];
    comrt_reg_txn *txn = NULL;
    if (!tl)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_register: no type library");
    if (!path) {
        if (!realpath(tl->path, abs))
            return comrt_error_set(E_INVALIDARG, "%s: cannot make the type library path absolute", tl->path);
        path = abs;
    }
    HRESULT hr = comrt_reg_txn_begin(scope, &txn);
    if (FAILED(hr))
        return reg_fail(hr, tl);
    return commit_or_abort(txn, comrt_typelib_register_txn(txn, tl, path), tl);
}

HRESULT comrt_typelib_unregister(const comrt_typelib *tl, comrt_reg_scope scope)
{
    comrt_reg_txn *txn = NULL;
    if (!tl)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_unregister: no type library");
    HRESULT hr = comrt_reg_txn_begin(scope, &txn);
    if (FAILED(hr))
        return reg_fail(hr, tl);
    return commit_or_abort(txn, comrt_typelib_unregister_txn(txn, tl), tl);
}

static HRESULT embedded(const void *data, size_t size, int reg)
{
    Dl_info info;
    char abs[PATH_MAX];
    comrt_typelib *tl = NULL;
    if (!data || !size)
        return comrt_error_set(SELFREG_E_TYPELIB, "comrt_typelib_register_embedded: no data");
    if (!dladdr(data, &info) || !info.dli_fname || !realpath(info.dli_fname, abs))
        return comrt_error_set(SELFREG_E_TYPELIB, "comrt_typelib_register_embedded: cannot find the module holding "
                                                  "the type library");
    HRESULT hr = comrt_typelib_load_memory(data, size, abs, &tl);
    if (SUCCEEDED(hr))
        hr = reg ? comrt_typelib_register(tl, abs, COMRT_REG_DEFAULT) : comrt_typelib_unregister(tl, COMRT_REG_DEFAULT);
    comrt_typelib_unref(tl);
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        hr = comrt_error_set(SELFREG_E_TYPELIB, "%s", why ? why : "cannot register the embedded type library");
        CoTaskMemFree(why);
    }
    return hr;
}

HRESULT comrt_typelib_register_embedded(const void *data, size_t size)
{
    return embedded(data, size, 1);
}

HRESULT comrt_typelib_unregister_embedded(const void *data, size_t size)
{
    return embedded(data, size, 0);
}
