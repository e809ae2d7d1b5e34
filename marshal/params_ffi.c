/*
 * params_ffi.c - libffi call descriptions of methods, cached.
 *
 * The cache is keyed by the signature's shape (a short string such as
 * "i:p,i,{I,H,H,[8B]},p"), not by the method pointer: a type library can
 * be unloaded and another loaded at the same address, and a cif found by
 * shape is right for every method of that shape. Entries are never freed,
 * so callers may keep the ffi_cif pointer; there are few distinct shapes.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params_internal.h"

#define MAX_STRUCT_ELEMS 1024 /* scalars in one by-value struct */

/*
 * VARIANT by value (24 bytes): { VARTYPE vt; WORD reserved[3]; union of
 * 16 bytes }. libffi has no unions; two uint64 stand for the union. That
 * is exact on both LP64 ABIs: x86-64 SysV passes any aggregate over 16
 * bytes in memory (the union's INTEGER/SSE merge never matters), AArch64
 * passes a composite over 16 bytes by reference to a copy, and the union
 * holds integers, so it is never an HFA. Size and alignment (24, 8) match
 * COM's; initialized by ffi_prep_cif under cache_lock.
 */
static ffi_type *variant_elems[] = {&ffi_type_uint16, &ffi_type_uint16, &ffi_type_uint16, &ffi_type_uint16,
                                    &ffi_type_uint64, &ffi_type_uint64, NULL};
static ffi_type variant_type = {0, 0, FFI_TYPE_STRUCT, variant_elems};

typedef struct cif_entry {
    struct cif_entry *next;
    char *sig;
    ffi_cif cif;
    ffi_type **args;
    /* By-value struct types built for this entry (owned). */
    ffi_type **owned;
    size_t nowned;
} cif_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cif_entry *cache;

typedef struct sbuf {
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void sb_add(sbuf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
}

static ffi_type *scalar_type(uint32_t kind)
{
    switch (kind) {
    case COMRT_TL_VOID: return &ffi_type_void;
    case COMRT_TL_I1: return &ffi_type_sint8;
    case COMRT_TL_U1: return &ffi_type_uint8;
    case COMRT_TL_I2: return &ffi_type_sint16;
    case COMRT_TL_U2: return &ffi_type_uint16;
    case COMRT_TL_I4: case COMRT_TL_ENUM: return &ffi_type_sint32;
    case COMRT_TL_U4: return &ffi_type_uint32;
    case COMRT_TL_I8: return &ffi_type_sint64;
    case COMRT_TL_U8: return &ffi_type_uint64;
    case COMRT_TL_R4: return &ffi_type_float;
    case COMRT_TL_R8: return &ffi_type_double;
    case COMRT_TL_BSTR: case COMRT_TL_PTR: case COMRT_TL_INTERFACE: case COMRT_TL_SAFEARRAY:
        return &ffi_type_pointer;
    default: return NULL;
    }
}

static const char *scalar_code(uint32_t kind)
{
    static const char *codes[] = {"v", "b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "p"};
    if (kind <= COMRT_TL_BSTR)
        return codes[kind];
    if (kind == COMRT_TL_ENUM)
        return "i";
    return "p";
}

/* Appends t's shape; for structs, counts the scalars they flatten to. */
static int sig_type(sbuf *b, const comrt_tl_type *t, int depth, size_t *elems)
{
    char num[24];
    if (depth > 64)
        return 0;
    switch (t->kind) {
    case COMRT_TL_VARIANT:
        sb_add(b, "V");
        ++*elems;
        return *elems <= MAX_STRUCT_ELEMS;
    case COMRT_TL_STRUCT: {
        const comrt_tl_struct *r = t->record;
        if (r->nfields == 0)
            return 0;
        sb_add(b, "{");
        for (uint32_t i = 0; i < r->nfields; i++) {
            if (i)
                sb_add(b, ",");
            if (!sig_type(b, r->fields[i].type, depth + 1, elems))
                return 0;
        }
        sb_add(b, "}");
        return 1;
    }
    case COMRT_TL_ARRAY: {
        if (t->count == 0 || t->count > MAX_STRUCT_ELEMS)
            return 0;
        snprintf(num, sizeof num, "[%u", t->count);
        sb_add(b, num);
        size_t before = *elems;
        if (!sig_type(b, t->elem, depth + 1, elems))
            return 0;
        *elems = before + (*elems - before) * t->count;
        sb_add(b, "]");
        return *elems <= MAX_STRUCT_ELEMS;
    }
    default:
        if (!scalar_type(t->kind))
            return 0;
        sb_add(b, scalar_code(t->kind));
        ++*elems;
        return *elems <= MAX_STRUCT_ELEMS;
    }
}

/* Builds the ffi_type of a by-value struct (arrays flattened into their
 * elements, which libffi classifies the same way). */
static ffi_type *build_type(cif_entry *e, const comrt_tl_type *t);

static int add_elems(cif_entry *e, ffi_type ***list, size_t *n, const comrt_tl_type *t)
{
    if (t->kind == COMRT_TL_ARRAY) {
        for (uint32_t k = 0; k < t->count; k++)
            if (!add_elems(e, list, n, t->elem))
                return 0;
        return 1;
    }
    ffi_type *ft = build_type(e, t);
    if (!ft)
        return 0;
    (*list)[(*n)++] = ft;
    return 1;
}

static size_t count_elems(const comrt_tl_type *t)
{
    return t->kind == COMRT_TL_ARRAY ? t->count * count_elems(t->elem) : 1;
}

static ffi_type *build_type(cif_entry *e, const comrt_tl_type *t)
{
    if (t->kind == COMRT_TL_VARIANT)
        return &variant_type;
    if (t->kind != COMRT_TL_STRUCT)
        return scalar_type(t->kind);
    const comrt_tl_struct *r = t->record;
    size_t total = 0;
    for (uint32_t i = 0; i < r->nfields; i++)
        total += count_elems(r->fields[i].type);
    ffi_type *st = calloc(1, sizeof *st);
    ffi_type **list = calloc(total + 1, sizeof *list);
    ffi_type **owned = realloc(e->owned, (e->nowned + 1) * sizeof *owned);
    if (owned)
        e->owned = owned;
    if (!st || !list || !owned) {
        free(st);
        free(list);
        return NULL;
    }
    st->type = FFI_TYPE_STRUCT;
    st->elements = list;
    e->owned[e->nowned++] = st;
    size_t n = 0;
    for (uint32_t i = 0; i < r->nfields; i++)
        if (!add_elems(e, &list, &n, r->fields[i].type))
            return NULL;
    return st;
}

static void entry_free(cif_entry *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nowned; i++) {
        free(e->owned[i]->elements);
        free(e->owned[i]);
    }
    free(e->owned);
    free(e->args);
    free(e->sig);
    free(e);
}

static HRESULT build_entry(const comrt_tl_method *m, char *sig, cif_entry **out)
{
    cif_entry *e = calloc(1, sizeof *e);
    HRESULT hr = E_OUTOFMEMORY;
    if (!e || !(e->args = calloc(m->nparams + 1, sizeof *e->args)))
        goto fail;
    e->sig = sig;
    sig = NULL;
    e->args[0] = &ffi_type_pointer;
    for (uint32_t k = 0; k < m->nparams; k++) {
        const comrt_tl_type *t = m->params[k].type;
        if (!(e->args[1 + k] = build_type(e, t))) {
            hr = t->kind == COMRT_TL_STRUCT ? E_OUTOFMEMORY : E_NOTIMPL; /* a fixed array by value */
            goto fail;
        }
        if (t->kind == COMRT_TL_STRUCT && ffi_get_struct_offsets(FFI_DEFAULT_ABI, e->args[1 + k], NULL) == FFI_OK &&
            (e->args[1 + k]->size != t->size || e->args[1 + k]->alignment != t->align)) {
            hr = E_NOTIMPL; /* libffi would lay it out differently */
            goto fail;
        }
    }
    ffi_type *ret = scalar_type(m->ret->kind);
    if (!ret || m->ret->kind == COMRT_TL_PTR || m->ret->kind == COMRT_TL_BSTR) {
        hr = E_NOTIMPL;
        goto fail;
    }
    if (ffi_prep_cif(&e->cif, FFI_DEFAULT_ABI, m->nparams + 1, ret, e->args) != FFI_OK) {
        hr = E_NOTIMPL;
        goto fail;
    }
    *out = e;
    return S_OK;
fail:
    free(sig);
    entry_free(e);
    return hr;
}

HRESULT comrt_params_cif(const comrt_tl_method *m, ffi_cif **out)
{
    pctx c = {.m = m, .param = UINT32_MAX, .bad = E_NOTIMPL};
    sbuf b = {0};
    size_t elems = 0;
    HRESULT hr;
    if (!m || !out)
        return comrt_error_set(E_POINTER, "comrt_params_cif: no method or no place for the result");
    *out = NULL;
    if (!sig_type(&b, m->ret, 0, &elems) || m->ret->kind == COMRT_TL_STRUCT) {
        free(b.s);
        return pc_fail(&c, E_NOTIMPL, "the return type cannot be called through libffi");
    }
    sb_add(&b, ":p");
    for (uint32_t k = 0; k < m->nparams; k++) {
        elems = 0;
        sb_add(&b, ",");
        if (!sig_type(&b, m->params[k].type, 0, &elems)) {
            free(b.s);
            c.param = k;
            return pc_fail(&c, E_NOTIMPL, "this parameter type cannot be passed by value yet");
        }
    }
    if (b.oom) {
        free(b.s);
        return pc_fail(&c, E_OUTOFMEMORY, "out of memory");
    }
    pthread_mutex_lock(&cache_lock);
    cif_entry *e;
    for (e = cache; e; e = e->next)
        if (strcmp(e->sig, b.s) == 0)
            break;
    if (e) {
        free(b.s);
        hr = S_OK;
    } else if (SUCCEEDED(hr = build_entry(m, b.s, &e))) {
        e->next = cache;
        cache = e;
    }
    pthread_mutex_unlock(&cache_lock);
    if (FAILED(hr))
        return pc_fail(&c, hr, "cannot describe the call to libffi");
    *out = &e->cif;
    return S_OK;
}
