/*
 * elf.c - finds a type library embedded in an ELF file (an executable or a
 * shared object built with `comidl --tlb-c` output) by reading its symbol
 * tables, without loading it: dlopen cannot load a position-independent
 * executable, and would run a library's constructors just to read types.
 *
 * The image is untrusted: every offset and size is checked against it.
 */
#include <elf.h>
#include <string.h>

#include "tl_internal.h"

static int in_bounds(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

/* The file offset of `len` bytes at virtual address `addr` in section `sh`. */
static int section_offset(const Elf64_Shdr *sh, uint64_t addr, uint64_t len, uint64_t *off)
{
    if (sh->sh_type == SHT_NOBITS || addr < sh->sh_addr || addr - sh->sh_addr > sh->sh_size ||
        len > sh->sh_size - (addr - sh->sh_addr))
        return 0;
    *off = sh->sh_offset + (addr - sh->sh_addr);
    return 1;
}

HRESULT comrt_tl_elf_find(const unsigned char *img, size_t size, const char *path, const unsigned char **data,
                          size_t *len)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)(const void *)img;
    const Elf64_Sym *found_data = NULL, *found_size = NULL;

    *data = NULL;
    *len = 0;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: not a 64-bit little-endian ELF file", path);
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shnum == 0 ||
        !in_bounds(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)) ||
        eh->e_shoff % _Alignof(Elf64_Shdr))
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: malformed ELF section table", path);
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(const void *)(img + eh->e_shoff);

    /* Both symbol tables: .symtab (unless stripped) and .dynsym (exports). */
    for (unsigned i = 0; i < eh->e_shnum && !(found_data && found_size); i++) {
        if (sh[i].sh_type != SHT_SYMTAB && sh[i].sh_type != SHT_DYNSYM)
            continue;
        if (sh[i].sh_link >= eh->e_shnum || sh[i].sh_entsize != sizeof(Elf64_Sym) ||
            !in_bounds(size, sh[i].sh_offset, sh[i].sh_size) || sh[i].sh_offset % _Alignof(Elf64_Sym))
            continue;
        const Elf64_Shdr *strs = &sh[sh[i].sh_link];
        if (!in_bounds(size, strs->sh_offset, strs->sh_size))
            continue;
        const char *names = (const char *)img + strs->sh_offset;
        const Elf64_Sym *syms = (const Elf64_Sym *)(const void *)(img + sh[i].sh_offset);
        uint64_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (uint64_t k = 0; k < n; k++) {
            uint32_t nm = syms[k].st_name;
            if (syms[k].st_shndx == SHN_UNDEF || syms[k].st_shndx >= eh->e_shnum || nm >= strs->sh_size)
                continue;
            const char *name = names + nm;
            size_t room = strs->sh_size - nm;
            if (!found_data && room > 18 && strncmp(name, "comrt_typelib_data", 19) == 0)
                found_data = &syms[k];
            else if (!found_size && room > 18 && strncmp(name, "comrt_typelib_size", 19) == 0)
                found_size = &syms[k];
        }
    }
    if (!found_data || !found_size)
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY,
                               "%s: no embedded type library (no comrt_typelib_data/comrt_typelib_size symbols)",
                               path);

    uint64_t off, n;
    if (!section_offset(&sh[found_size->st_shndx], found_size->st_value, sizeof(uint64_t), &off) ||
        !in_bounds(size, off, sizeof(uint64_t)))
        return comrt_error_set(TYPE_E_CANTLOADLIBRARY, "%s: comrt_typelib_size is not stored in the file", path);
    memcpy(&n, img + off, sizeof n);
    if (n == 0 || n > TL_MAX_FILE || !section_offset(&sh[found_data->st_shndx], found_data->st_value, n, &off) ||
        !in_bounds(size, off, n))
        return comrt_error_set(TYPE_E_INVDATAREAD, "%s: the embedded type library's size (%llu) does not fit the file",
                               path, (unsigned long long)n);
    *data = img + off;
    *len = (size_t)n;
    return S_OK;
}
