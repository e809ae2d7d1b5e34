/*
 * lookup.c - loading from files (a .tlb, or a shared object embedding a
 * library, read from its ELF symbols), reference counting, and lookups by GUID and vtable slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tl_internal.h"

/* An executable or shared object: read the embedded library from its
 * symbol tables (elf.c) rather than loading it. */
static HRESULT load_elf(const unsigned char *img, size_t size, const char *path, comrt_typelib **out)
{
    const unsigned char *data;
    size_t len;
    HRESULT hr = comrt_tl_elf_find(img, size, path, &data, &len);
    return FAILED(hr) ? hr : comrt_typelib_load_memory(data, len, path, out);
}

HRESULT comrt_typelib_load_file(const char *path, comrt_typelib **out)
{
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typelib_load_file: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_load_file: no path given");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: cannot open type library: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > TL_MAX_FILE) {
        close(fd);
        return comrt_error_set(TYPE_E_INVDATAREAD, "%s: type library too large", path);
    }
    size_t size = (size_t)st.st_size;
    unsigned char *buf = malloc(size ? size : 1);
    if (!buf) {
        close(fd);
        return comrt_error_set(E_OUTOFMEMORY, "%s: out of memory", path);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    HRESULT hr;
    if (got != size)
        hr = comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: read failed", path);
    else if (size >= 4 && memcmp(buf, "\177ELF", 4) == 0)
        hr = load_elf(buf, size, path, out);
    else
        hr = comrt_typelib_load_memory(buf, size, path, out);
    free(buf);
    return hr;
}

comrt_typelib *comrt_typelib_ref(comrt_typelib *tl)
{
    if (tl)
        atomic_fetch_add_explicit(&tl->refs, 1, memory_order_relaxed);
    return tl;
}

void comrt_typelib_unref(comrt_typelib *tl)
{
    if (!tl || atomic_fetch_sub_explicit(&tl->refs, 1, memory_order_acq_rel) != 1)
        return;
    tl_arena_free(&tl->arena);
    free(tl->path);
    free(tl);
}

const comrt_tl_library *comrt_typelib_library(const comrt_typelib *tl)
{
    return tl ? &tl->lib : NULL;
}

const char *comrt_typelib_path(const comrt_typelib *tl)
{
    return tl ? tl->path : NULL;
}

HRESULT comrt_typelib_find_interface(const comrt_typelib *tl, REFIID iid, const comrt_tl_interface **out)
{
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typelib_find_interface: out is NULL");
    *out = NULL;
    if (!tl || !iid)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_find_interface: missing argument");
    for (uint32_t i = 0; i < tl->lib.ninterfaces; i++) {
        if (IsEqualIID(&tl->lib.interfaces[i].iid, iid)) {
            *out = &tl->lib.interfaces[i];
            return S_OK;
        }
    }
    char s[CHARS_IN_GUID];
    tl_guid_format(iid, s);
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s: type library '%s' does not describe interface %s",
                           tl->path, tl->lib.name, s);
}

HRESULT comrt_typelib_find_coclass(const comrt_typelib *tl, REFCLSID clsid, const comrt_tl_coclass **out)
{
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typelib_find_coclass: out is NULL");
    *out = NULL;
    if (!tl || !clsid)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_find_coclass: missing argument");
    for (uint32_t i = 0; i < tl->lib.ncoclasses; i++) {
        if (IsEqualCLSID(&tl->lib.coclasses[i].clsid, clsid)) {
            *out = &tl->lib.coclasses[i];
            return S_OK;
        }
    }
    char s[CHARS_IN_GUID];
    tl_guid_format(clsid, s);
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s: type library '%s' does not describe coclass %s", tl->path,
                           tl->lib.name, s);
}

HRESULT comrt_tl_interface_method(const comrt_tl_interface *iface, uint32_t slot, const comrt_tl_method **out)
{
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_tl_interface_method: out is NULL");
    *out = NULL;
    if (!iface)
        return comrt_error_set(E_INVALIDARG, "comrt_tl_interface_method: no interface");
    const comrt_tl_interface *it = iface;
    /* the loader guarantees parent chains are finite; bound it anyway */
    for (int n = 0; it && n < 4096; n++, it = it->parent) {
        if (it->flags & COMRT_TL_I_DISPINTERFACE)
            break;
        if (slot >= it->base_slots && slot < it->num_slots) {
            *out = &it->methods[slot - it->base_slots];
            return S_OK;
        }
        if (slot >= it->num_slots)
            break;
    }
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "interface '%s': no description of vtable slot %u", iface->name,
                           slot);
}
