/*
 * typeinfo.c - where the marshaler finds an interface's description: the
 * runtime's own interfaces (IUnknown, IClassFactory) from a library built
 * here, any other from the type library registered for it
 * (Interface\{iid}\TypeLib -> TypeLib\{libid}\<ver>\0\linux64).
 * Libraries stay loaded for the life of the process: proxies and stubs keep
 * pointers into them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orpc.h"

/* The runtime's own interfaces, described as comidl would describe unknwn.idl. */
static const comrt_tl_type t_u1 = {.kind = COMRT_TL_U1, .vt = VT_UI1, .name = "byte"};
static const comrt_tl_type t_u2 = {.kind = COMRT_TL_U2, .vt = VT_UI2, .name = "WORD"};
static const comrt_tl_type t_u4 = {.kind = COMRT_TL_U4, .vt = VT_UI4, .name = "ULONG"};
static const comrt_tl_type t_i4 = {.kind = COMRT_TL_I4, .vt = VT_I4, .name = "BOOL"};
static const comrt_tl_type t_hr = {.kind = COMRT_TL_I4, .vt = VT_HRESULT, .name = "HRESULT"};
static const comrt_tl_type t_data4 = {.kind = COMRT_TL_ARRAY, .vt = VT_CARRAY, .name = "", .elem = &t_u1, .count = 8};
static const comrt_tl_field guid_fields[] = {
    {"Data1", &t_u4, 0}, {"Data2", &t_u2, 0}, {"Data3", &t_u2, 0}, {"Data4", &t_data4, 0}};
static const comrt_tl_struct guid_rec = {.name = "GUID", .nfields = 4, .fields = guid_fields};
static const comrt_tl_type t_guid = {.kind = COMRT_TL_STRUCT, .vt = VT_USERDEFINED, .name = "GUID", .record = &guid_rec};
static const comrt_tl_type t_refiid = {
    .kind = COMRT_TL_PTR, .vt = VT_PTR, .flags = COMRT_TL_F_REF | COMRT_TL_F_CONST, .name = "REFIID", .elem = &t_guid};
static const comrt_tl_type t_unk = {.kind = COMRT_TL_INTERFACE, .vt = VT_UNKNOWN, .flags = COMRT_TL_F_UNIQUE,
                                    .name = "IUnknown", .iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}},
                                    .iface_name = "IUnknown"};
static const comrt_tl_expr_op param1_ops[] = {{COMRT_TL_OP_PARAM, 1}};
static const comrt_tl_expr iid_is_param1 = {1, param1_ops};
static const comrt_tl_expr_op param0_ops[] = {{COMRT_TL_OP_PARAM, 0}};
static const comrt_tl_expr iid_is_param0 = {1, param0_ops};
static const comrt_tl_type t_itf1 = {.kind = COMRT_TL_INTERFACE, .vt = VT_UNKNOWN, .flags = COMRT_TL_F_UNIQUE,
                                     .name = "void", .iface_name = "IUnknown", .iid_is = &iid_is_param1};
static const comrt_tl_type t_ppv1 = {.kind = COMRT_TL_PTR, .vt = VT_PTR, .flags = COMRT_TL_F_REF, .name = "",
                                     .elem = &t_itf1};
static const comrt_tl_type t_itf0 = {.kind = COMRT_TL_INTERFACE, .vt = VT_UNKNOWN, .flags = COMRT_TL_F_UNIQUE,
                                     .name = "void", .iface_name = "IUnknown", .iid_is = &iid_is_param0};
static const comrt_tl_type t_ppv0 = {.kind = COMRT_TL_PTR, .vt = VT_PTR, .flags = COMRT_TL_F_REF, .name = "",
                                     .elem = &t_itf0};

static const comrt_tl_param qi_params[] = {
    {"riid", COMRT_TL_P_IN, &t_refiid, {0}}, {"ppvObject", COMRT_TL_P_OUT, &t_ppv0, {0}}};
static const comrt_tl_method unk_methods[] = {
    {"QueryInterface", 0, 0x60000000, COMRT_TL_INVOKE_FUNC, 0, NULL, &t_hr, 2, qi_params},
    {"AddRef", 1, 0x60000001, COMRT_TL_INVOKE_FUNC, 0, NULL, &t_u4, 0, NULL},
    {"Release", 2, 0x60000002, COMRT_TL_INVOKE_FUNC, 0, NULL, &t_u4, 0, NULL},
};
static const comrt_tl_param ci_params[] = {
    {"pUnkOuter", COMRT_TL_P_IN, &t_unk, {0}},
    {"riid", COMRT_TL_P_IN, &t_refiid, {0}},
    {"ppvObject", COMRT_TL_P_OUT, &t_ppv1, {0}},
};
static const comrt_tl_param ls_params[] = {{"fLock", COMRT_TL_P_IN, &t_i4, {0}}};
static const comrt_tl_method cf_methods[] = {
    {"CreateInstance", 3, 0x60010000, COMRT_TL_INVOKE_FUNC, 0, NULL, &t_hr, 3, ci_params},
    {"LockServer", 4, 0x60010001, COMRT_TL_INVOKE_FUNC, 0, NULL, &t_hr, 1, ls_params},
};
static const comrt_tl_interface builtin_ifaces[] = {
    {.name = "IUnknown", .iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .base_slots = 0, .num_slots = 3,
     .nmethods = 3, .methods = unk_methods},
    {.name = "IClassFactory", .iid = {1, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .parent_name = "IUnknown",
     .parent_iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .base_slots = 3, .num_slots = 5, .nmethods = 2,
     .methods = cf_methods},
};
static const comrt_tl_library builtin_lib = {
    .name = "comrt", .libid = {0x6C0E7A70, 0x0000, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 0x01}}, .ver_major = 1,
    .ninterfaces = 2, .interfaces = builtin_ifaces};

struct cached {
    IID iid;
    const comrt_tl_interface *info;
    struct cached *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct cached *cache;
static comrt_typelib *builtin;
static comrt_typelib **loaded;
static size_t nloaded;

/* Lock held. Loads the built-in library (through save + load, so its
 * layouts are computed exactly as for any other). */
static HRESULT builtin_locked(void)
{
    void *data = NULL;
    size_t size = 0;
    if (builtin)
        return S_OK;
    HRESULT hr = comrt_typelib_save(&builtin_lib, &data, &size);
    if (SUCCEEDED(hr))
        hr = comrt_typelib_load_memory(data, size, "comrt built-in interfaces", &builtin);
    CoTaskMemFree(data);
    return hr;
}

static HRESULT registered_locked(REFIID iid, comrt_typelib **out)
{
    char is[CHARS_IN_GUID], key[128], vkey[256];
    char *libid = NULL, *ver = NULL, *path = NULL;
    HRESULT hr;

    StringFromGUID2(iid, is, sizeof is);
    snprintf(key, sizeof key, "Interface\\%s\\TypeLib", is);
    hr = comrt_reg_get_value(key, NULL, &libid);
    if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE) {
        hr = comrt_error_set(REGDB_E_IIDNOTREG,
                             "interface %s cannot be marshaled: no type library is registered for it (%s)", is, key);
        goto out;
    }
    if (FAILED(hr))
        goto out;
    hr = comrt_reg_get_value(key, "Version", &ver);
    if (FAILED(hr)) {
        hr = comrt_error_set(TYPE_E_LIBNOTREGISTERED, "interface %s: %s has no Version", is, key);
        goto out;
    }
    snprintf(vkey, sizeof vkey, "TypeLib\\%s\\%s\\0\\linux64", libid, ver);
    hr = comrt_reg_get_value(vkey, NULL, &path);
    if (FAILED(hr)) {
        hr = comrt_error_set(TYPE_E_LIBNOTREGISTERED, "interface %s: type library %s %s is not registered (%s)", is,
                             libid, ver, vkey);
        goto out;
    }
    for (size_t i = 0; i < nloaded; i++)
        if (!strcmp(comrt_typelib_path(loaded[i]), path)) {
            *out = loaded[i];
            goto out;
        }
    comrt_typelib **n = realloc(loaded, (nloaded + 1) * sizeof *n);
    if (!n) {
        hr = comrt_error_set(E_OUTOFMEMORY, "out of memory");
        goto out;
    }
    loaded = n;
    hr = comrt_typelib_load_file(path, &loaded[nloaded]);
    if (SUCCEEDED(hr))
        *out = loaded[nloaded++];
out:
    CoTaskMemFree(libid);
    CoTaskMemFree(ver);
    CoTaskMemFree(path);
    return hr;
}

HRESULT comrt_marshal_interface_info(REFIID iid, const comrt_tl_interface **out)
{
    comrt_typelib *tl = NULL;
    HRESULT hr;

    *out = NULL;
    pthread_mutex_lock(&lock);
    for (struct cached *c = cache; c; c = c->next)
        if (IsEqualIID(&c->iid, iid)) {
            *out = c->info;
            pthread_mutex_unlock(&lock);
            return S_OK;
        }
    hr = builtin_locked();
    if (SUCCEEDED(hr) && FAILED(comrt_typelib_find_interface(builtin, iid, out))) {
        CoTaskMemFree(comrt_error_take_description());
        hr = registered_locked(iid, &tl);
        if (SUCCEEDED(hr))
            hr = comrt_typelib_find_interface(tl, iid, out);
    }
    if (SUCCEEDED(hr)) {
        struct cached *c = malloc(sizeof *c);
        if (c) {
            c->iid = *iid;
            c->info = *out;
            c->next = cache;
            cache = c;
        }
    }
    pthread_mutex_unlock(&lock);
    return hr;
}
