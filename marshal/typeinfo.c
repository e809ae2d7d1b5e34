/*
 * typeinfo.c - where the marshaler finds an interface's description: the
 * runtime's own interfaces (IUnknown, IClassFactory, IDispatch, IErrorInfo...)
 * from the built-in library (builtin_tlb.c), any other from the type library registered for it
 * (Interface\{iid}\TypeLib -> TypeLib\{libid}\<ver>\0\linux64).
 * Libraries stay loaded for the life of the process: proxies and stubs keep
 * pointers into them.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orpc.h"

/* The runtime's own interfaces (IUnknown, IClassFactory, IDispatch, the
 * error information interfaces): idl/include/comrt_builtin.idl compiled by
 * comidl into builtin_tlb.c (see marshal/module.mk). */
extern const unsigned char comrt_builtin_tlb_data[];
extern const size_t comrt_builtin_tlb_size;

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

/* Lock held. Loads the built-in library. */
static HRESULT builtin_locked(void)
{
    if (builtin)
        return S_OK;
    return comrt_typelib_load_memory(comrt_builtin_tlb_data, comrt_builtin_tlb_size, "comrt built-in interfaces",
                                     &builtin);
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

int comrt_outs_on_failure(const comrt_tl_method *m)
{
    /* IDispatch's slots, whether called as IDispatch or as a dual interface. */
    return (m->slot == 5 && m->name && !strcmp(m->name, "GetIDsOfNames")) ||
           (m->slot == 6 && m->name && !strcmp(m->name, "Invoke"));
}
