/*
 * layout.c - validation of a decoded type graph, and LP64 struct layout.
 *
 * A file may describe any graph; the runtime only accepts what a C
 * compiler could produce: element chains (pointer/array/SAFEARRAY levels)
 * end within TL_MAX_CHAIN steps, and structs never contain themselves by
 * value. Recursion (struct node { struct node *next; }) goes through a
 * record reached by a pointer, and pointers are never followed here, so
 * the walk terminates on every input.
 *
 * Layout is the SysV rule shared by x86-64 and AArch64: scalars are
 * naturally aligned, a field goes at the next multiple of its alignment,
 * a struct's alignment is its largest field's and its size a multiple of
 * that. A trailing conformant array (count 0) adds no size.
 */
#include <stdlib.h>
#include <string.h>

#include "tl_internal.h"

typedef struct lctx {
    uint8_t *tstate;  /* per type: 0 new, 1 in progress, 2 done */
    uint8_t *rstate;  /* per record */
    comrt_tl_type *types;
    comrt_tl_library *lib;
    uint32_t ntypes;
} lctx;

static uint32_t align_up(uint32_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

static const char *layout_type(lctx *c, comrt_tl_type *t, int depth);

static const char *layout_record(lctx *c, comrt_tl_struct *r, int depth)
{
    uint32_t ri = (uint32_t)(r - (comrt_tl_struct *)c->lib->structs);
    if (c->rstate[ri] == 2)
        return NULL;
    if (c->rstate[ri] == 1)
        return "a struct contains itself by value";
    if (depth > TL_MAX_NEST)
        return "structs nest too deeply";
    c->rstate[ri] = 1;
    uint32_t off = 0, align = 1;
    for (uint32_t i = 0; i < r->nfields; i++) {
        comrt_tl_field *f = (comrt_tl_field *)&r->fields[i];
        comrt_tl_type *ft = (comrt_tl_type *)f->type;
        const char *err = layout_type(c, ft, depth + 1);
        if (err)
            return err;
        if (ft->kind == COMRT_TL_VOID)
            return "a struct field has type void";
        if (ft->size == 0 && i + 1 != r->nfields)
            return "a conformant array is not the last field of its struct";
        off = align_up(off, ft->align);
        f->offset = off;
        if (ft->size > TL_MAX_SIZE - off)
            return "a struct is too large";
        off += ft->size;
        if (ft->align > align)
            align = ft->align;
    }
    r->align = align;
    r->size = align_up(off, align);
    c->rstate[ri] = 2;
    return NULL;
}

static const char *layout_type(lctx *c, comrt_tl_type *t, int depth)
{
    uint32_t ti = (uint32_t)(t - c->types);
    if (c->tstate[ti] == 2)
        return NULL;
    if (c->tstate[ti] == 1)
        return "a type contains itself";
    if (depth > TL_MAX_CHAIN + TL_MAX_NEST)
        return "a type nests too deeply";
    c->tstate[ti] = 1;
    const char *err = NULL;
    switch (t->kind) {
    case COMRT_TL_VOID:
        t->size = 0, t->align = 1;
        break;
    case COMRT_TL_I1:
    case COMRT_TL_U1:
        t->size = t->align = 1;
        break;
    case COMRT_TL_I2:
    case COMRT_TL_U2:
        t->size = t->align = 2;
        break;
    case COMRT_TL_I4:
    case COMRT_TL_U4:
    case COMRT_TL_R4:
    case COMRT_TL_ENUM:
        t->size = t->align = 4;
        break;
    case COMRT_TL_I8:
    case COMRT_TL_U8:
    case COMRT_TL_R8:
    case COMRT_TL_BSTR:
    case COMRT_TL_INTERFACE:
        t->size = t->align = 8;
        break;
    case COMRT_TL_VARIANT:
        t->size = 24, t->align = 8;
        break;
    case COMRT_TL_PTR:
    case COMRT_TL_SAFEARRAY:
        /* A pointer breaks by-value containment; its pointee is laid out
         * by its own walk (every node is visited by tl_layout's loop). */
        t->size = t->align = 8;
        break;
    case COMRT_TL_ARRAY: {
        comrt_tl_type *e = (comrt_tl_type *)t->elem;
        err = layout_type(c, e, depth + 1);
        if (err)
            return err;
        if (e->size == 0)
            return "an array of void or of conformant arrays";
        if (t->count && e->size > TL_MAX_SIZE / t->count)
            return "an array is too large";
        t->size = e->size * t->count;
        t->align = e->align;
        break;
    }
    case COMRT_TL_STRUCT: {
        comrt_tl_struct *r = (comrt_tl_struct *)t->record;
        err = layout_record(c, r, depth + 1);
        if (err)
            return err;
        t->size = r->size;
        t->align = r->align;
        break;
    }
    default:
        return "a type kind is out of range";
    }
    c->tstate[ti] = 2;
    return NULL;
}

const char *tl_layout(comrt_tl_library *lib, comrt_tl_type *types, uint32_t ntypes)
{
    lctx c;
    c.lib = lib;
    c.types = types;
    c.ntypes = ntypes;
    c.tstate = calloc(ntypes ? ntypes : 1, 1);
    c.rstate = calloc(lib->nstructs ? lib->nstructs : 1, 1);
    const char *err = NULL;
    if (!c.tstate || !c.rstate) {
        err = "out of memory";
        goto out;
    }
    /* Element chains first: bounded length and no cycle among them. */
    for (uint32_t i = 0; i < ntypes && !err; i++) {
        const comrt_tl_type *t = &types[i];
        int n = 0;
        while (t && (t->kind == COMRT_TL_PTR || t->kind == COMRT_TL_ARRAY || t->kind == COMRT_TL_SAFEARRAY)) {
            if (++n > TL_MAX_CHAIN)
                err = "pointer or array levels nest too deeply (or form a cycle)";
            if (err)
                break;
            t = t->elem;
        }
    }
    for (uint32_t i = 0; i < lib->nstructs && !err; i++)
        err = layout_record(&c, (comrt_tl_struct *)&lib->structs[i], 0);
    for (uint32_t i = 0; i < ntypes && !err; i++) {
        /* Every node not yet reached from a record starts its own walk. */
        if (c.tstate[i] == 0)
            err = layout_type(&c, &types[i], 0);
    }
out:
    free(c.tstate);
    free(c.rstate);
    return err;
}
