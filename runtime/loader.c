/*
 * loader.c - in-proc server libraries: dlopen once per process, a CLSID ->
 * library cache for the warm path, and unloading through DllCanUnloadNow.
 *
 * Warm path (comrt_loader_acquire on a cached class): one registry
 * generation check (no syscall unless the 200 ms revalidation is due), a
 * read lock around a hash probe, and an atomic increment that pins the
 * library until comrt_loader_release. Nothing is parsed, nothing is opened.
 *
 * Unloading takes the write lock, so it cannot interleave with a probe; a
 * pinned library (an activation in progress) is never unloaded.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "loader.h"
#include "registry/registry_internal.h"

struct comrt_library {
    char *path;
    void *handle;
    LPFNGETCLASSOBJECT get_class_object;
    LPFNCANUNLOADNOW can_unload_now; /* NULL: the library is never unloaded */
    atomic_int busy;                 /* activations in progress */
    struct comrt_library *next;
};

struct class_slot {
    CLSID clsid;
    struct comrt_library *lib; /* NULL: empty slot */
    enum comrt_threading model;
};

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct class_slot *slots;  /* open addressing, linear probing */
static size_t slot_cap;           /* power of two, or 0 */
static size_t slot_used;
static uint64_t cache_generation; /* registry generation the slots were filled under */
static struct comrt_library *libraries;

/* Serializes the slow path (registry reads, dlopen) and unloading. */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t clsid_hash(REFCLSID c)
{
    uint64_t a, b;
    memcpy(&a, c, 8);
    memcpy(&b, (const char *)c + 8, 8);
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
    return (size_t)(h ^ (h >> 32));
}

/* Caller holds cache_lock (read or write). */
static struct class_slot *probe(REFCLSID clsid)
{
    if (!slot_cap)
        return NULL;
    for (size_t i = clsid_hash(clsid) & (slot_cap - 1);; i = (i + 1) & (slot_cap - 1)) {
        if (!slots[i].lib)
            return NULL;
        if (IsEqualCLSID(&slots[i].clsid, clsid))
            return &slots[i];
    }
}

/* Caller holds cache_lock for writing. */
static void clear_slots(void)
{
    if (slots)
        memset(slots, 0, slot_cap * sizeof *slots);
    slot_used = 0;
}

/* Caller holds cache_lock for writing. Failure to grow only loses caching. */
static void insert_slot(REFCLSID clsid, struct comrt_library *lib, enum comrt_threading model)
{
    if ((slot_used + 1) * 2 > slot_cap) {
        size_t ncap = slot_cap ? slot_cap * 2 : 64;
        struct class_slot *n = calloc(ncap, sizeof *n);
        if (!n)
            return;
        struct class_slot *old = slots;
        size_t ocap = slot_cap;
        slots = n;
        slot_cap = ncap;
        slot_used = 0;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].lib)
                insert_slot(&old[i].clsid, old[i].lib, old[i].model);
        free(old);
    }
    size_t i = clsid_hash(clsid) & (slot_cap - 1);
    while (slots[i].lib && !IsEqualCLSID(&slots[i].clsid, clsid))
        i = (i + 1) & (slot_cap - 1);
    if (!slots[i].lib)
        slot_used++;
    slots[i].clsid = *clsid;
    slots[i].lib = lib;
    slots[i].model = model;
}

static HRESULT parse_threading(const char *clsid_str, const char *value, enum comrt_threading *out)
{
    static const struct {
        const char *name;
        enum comrt_threading model;
    } models[] = {
        {"Apartment", COMRT_THREADING_APARTMENT},
        {"Free", COMRT_THREADING_FREE},
        {"Both", COMRT_THREADING_BOTH},
        {"Neutral", COMRT_THREADING_NEUTRAL},
    };
    if (!value) {
        *out = COMRT_THREADING_MAIN;
        return S_OK;
    }
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        if (strcasecmp(value, models[i].name) == 0) {
            *out = models[i].model;
            return S_OK;
        }
    return comrt_error_set(REGDB_E_BADTHREADINGMODEL,
                           "class %s: ThreadingModel \"%s\" is not Apartment, Free, Both or Neutral", clsid_str,
                           value);
}

/* Caller holds load_lock. Returns the loaded library for path, loading it if needed. */
static HRESULT load_library(const char *clsid_str, const char *path, struct comrt_library **out)
{
    for (struct comrt_library *l = libraries; l; l = l->next)
        if (strcmp(l->path, path) == 0) {
            *out = l;
            return S_OK;
        }

    if (access(path, F_OK) != 0)
        return comrt_error_set(CO_E_DLLNOTFOUND, "class %s: in-proc server library '%s' does not exist", clsid_str,
                               path);
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return comrt_error_set(CO_E_DLLNOTFOUND, "class %s: cannot load in-proc server library '%s': %s",
                               clsid_str, path, why ? why : "unknown error");
    }
    struct comrt_library *lib = calloc(1, sizeof *lib);
    char *copy = strdup(path);
    if (!lib || !copy) {
        free(lib);
        free(copy);
        dlclose(h);
        return comrt_error_set(E_OUTOFMEMORY, "class %s: out of memory loading '%s'", clsid_str, path);
    }
    /* POSIX guarantees object/function pointer conversion for dlsym results. */
    void *gco = dlsym(h, "DllGetClassObject");
    void *cun = dlsym(h, "DllCanUnloadNow");
    if (!gco) {
        free(lib);
        free(copy);
        dlclose(h);
        return comrt_error_set(CO_E_ERRORINDLL, "class %s: library '%s' does not export DllGetClassObject",
                               clsid_str, path);
    }
    lib->path = copy;
    lib->handle = h;
    memcpy(&lib->get_class_object, &gco, sizeof gco);
    if (cun)
        memcpy(&lib->can_unload_now, &cun, sizeof cun);
    atomic_init(&lib->busy, 0);
    lib->next = libraries;
    libraries = lib;
    *out = lib;
    return S_OK;
}

/* The slow path: read the registry, load the library, cache the class. */
static HRESULT resolve(REFCLSID clsid, struct comrt_library **out, enum comrt_threading *model)
{
    char cs[CHARS_IN_GUID], key[64];
    char *path = NULL, *tm = NULL;
    struct comrt_library *lib = NULL;
    HRESULT hr;

    comrt_guid_str(clsid, cs);
    snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", cs);
    hr = comrt_reg_get_value(key, NULL, &path);
    if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE) {
        /* Another process may have just registered it: look again now. */
        comrt_reg_generation(1);
        hr = comrt_reg_get_value(key, NULL, &path);
    }
    if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE) {
        char *file = NULL;
        comrt_reg_file_path(COMRT_REG_USER, &file);
        hr = comrt_error_set(REGDB_E_CLASSNOTREG, "class %s is not registered as an in-proc server (no %s in %s)",
                             cs, key, file ? file : "the registry");
        CoTaskMemFree(file);
        goto out;
    }
    if (FAILED(hr))
        goto out; /* the registry said why */
    if (!path[0]) {
        hr = comrt_error_set(REGDB_E_INVALIDVALUE, "class %s: %s has an empty library path", cs, key);
        goto out;
    }
    hr = comrt_reg_get_value(key, "ThreadingModel", &tm);
    if (FAILED(hr) && hr != REGDB_E_INVALIDVALUE)
        goto out;
    hr = parse_threading(cs, tm, model);
    if (FAILED(hr))
        goto out;
    hr = load_library(cs, path, &lib);
    if (FAILED(hr))
        goto out;
    *out = lib;
out:
    CoTaskMemFree(path);
    CoTaskMemFree(tm);
    return hr;
}

HRESULT comrt_loader_acquire(REFCLSID clsid, struct comrt_library **out, enum comrt_threading *model)
{
    uint64_t gen = comrt_reg_generation(0);
    struct comrt_library *lib = NULL;
    enum comrt_threading m = COMRT_THREADING_MAIN;
    HRESULT hr;

    pthread_rwlock_rdlock(&cache_lock);
    if (gen == cache_generation) {
        struct class_slot *s = probe(clsid);
        if (s) {
            lib = s->lib;
            m = s->model;
            atomic_fetch_add_explicit(&lib->busy, 1, memory_order_acquire);
        }
    }
    pthread_rwlock_unlock(&cache_lock);
    if (lib)
        goto done;

    pthread_mutex_lock(&load_lock);
    hr = resolve(clsid, &lib, &m);
    if (SUCCEEDED(hr)) {
        pthread_rwlock_wrlock(&cache_lock);
        /* The generation read before the registry lookup is the conservative
         * tag: if the file changed meanwhile the next call re-resolves. */
        if (gen != cache_generation) {
            clear_slots();
            cache_generation = gen;
        }
        insert_slot(clsid, lib, m);
        atomic_fetch_add_explicit(&lib->busy, 1, memory_order_acquire);
        pthread_rwlock_unlock(&cache_lock);
    }
    pthread_mutex_unlock(&load_lock);
    if (FAILED(hr))
        return hr;
done:
    *out = lib;
    if (model)
        *model = m;
    return S_OK;
}

void comrt_loader_release(struct comrt_library *lib)
{
    atomic_fetch_sub_explicit(&lib->busy, 1, memory_order_release);
}

HRESULT comrt_loader_get_class_object(struct comrt_library *lib, REFCLSID clsid, REFIID riid, void **ppv)
{
    HRESULT hr = lib->get_class_object(clsid, riid, ppv);
    if (FAILED(hr)) {
        char cs[CHARS_IN_GUID];
        const char *name = comrt_hresult_name(hr);
        *ppv = NULL;
        return comrt_error_set(hr, "class %s: DllGetClassObject of '%s' failed: 0x%08X %s (%s)",
                               comrt_guid_str(clsid, cs), lib->path, (unsigned)hr, name ? name : "",
                               comrt_hresult_message(hr));
    }
    return hr;
}

void comrt_loader_free_unused(void)
{
    struct comrt_library **pp, *victims = NULL;

    pthread_mutex_lock(&load_lock);
    pthread_rwlock_wrlock(&cache_lock);
    pp = &libraries;
    while (*pp) {
        struct comrt_library *l = *pp;
        if (atomic_load(&l->busy) == 0 && l->can_unload_now && l->can_unload_now() == S_OK) {
            *pp = l->next;
            l->next = victims;
            victims = l;
            /* Drop its classes; rebuilding the table keeps probing chains intact. */
            for (size_t i = 0; i < slot_cap; i++)
                if (slots[i].lib == l)
                    slots[i].lib = NULL;
        } else {
            pp = &l->next;
        }
    }
    if (victims) {
        struct class_slot *old = slots;
        size_t ocap = slot_cap;
        slots = NULL;
        slot_cap = 0;
        slot_used = 0;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].lib)
                insert_slot(&old[i].clsid, old[i].lib, old[i].model);
        free(old);
    }
    pthread_rwlock_unlock(&cache_lock);
    while (victims) {
        struct comrt_library *l = victims;
        victims = l->next;
        dlclose(l->handle);
        free(l->path);
        free(l);
    }
    pthread_mutex_unlock(&load_lock);
}

void CoFreeUnusedLibraries(void)
{
    comrt_loader_free_unused();
}
