/*
 * tl_internal.h - shared by the type-library writer, reader and layout
 * code. Never installed. The format itself is described in docs/typelib.md.
 */
#ifndef COMRT_TL_INTERNAL_H
#define COMRT_TL_INTERNAL_H

#include <stdatomic.h>

#include "comrt.h"
#include "comrt/typelib.h"

#define TL_MAGIC "comrt-typelib"

/* Bounds that keep a hostile file from making the loader (or a marshaler
 * walking the result) recurse or allocate without limit. */
#define TL_MAX_FILE (64u << 20)
#define TL_MAX_CHAIN 64     /* pointer/array levels in one type */
#define TL_MAX_NEST 64      /* structs nested by value */
#define TL_MAX_SIZE (1u << 30) /* largest type size accepted */
#define TL_MAX_EXPR 1024    /* ops in one expression */

/* A bump allocator owning everything a loaded library points to. */
typedef struct tl_arena {
    struct tl_chunk *head;
} tl_arena;
void *tl_alloc(tl_arena *a, size_t size); /* zeroed; NULL when out of memory */
void tl_arena_free(tl_arena *a);

struct comrt_typelib {
    atomic_long refs;
    tl_arena arena;
    comrt_tl_library lib;
    char *path;
};

/* Pointer -> index map (open addressing) used by the writer. */
typedef struct tl_ptrmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, count;
} tl_ptrmap;
int tl_ptrmap_get(const tl_ptrmap *m, const void *key, uint32_t *val);
int tl_ptrmap_put(tl_ptrmap *m, const void *key, uint32_t val); /* 0 on OOM */
void tl_ptrmap_free(tl_ptrmap *m);

/*
 * tl_layout - checks the loaded type graph (no cycles except through
 * struct records reached by pointer, bounded depth, kinds coherent) and
 * fills every size, align and field offset for LP64. Returns NULL or a
 * static description of the first problem.
 */
const char *tl_layout(comrt_tl_library *lib, comrt_tl_type *types, uint32_t ntypes);

/* Writes "{XXXXXXXX-...}" into buf[39]. */
void tl_guid_format(const GUID *g, char buf[CHARS_IN_GUID]);

/* elf.c: the embedded library inside an ELF image (borrowed from img). */
HRESULT comrt_tl_elf_find(const unsigned char *img, size_t size, const char *path, const unsigned char **data,
                          size_t *len);

#endif /* COMRT_TL_INTERNAL_H */
