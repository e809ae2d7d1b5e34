/*
 * save.c - comrt_typelib_save: encodes a library description as msgpack
 * (docs/typelib.md). Type nodes, records and enums are numbered by first
 * reach in a fixed walk, so equal input gives equal bytes.
 */
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "tl_internal.h"

typedef struct writer {
    const comrt_tl_library *lib;
    tl_ptrmap types, recs, enums;
    const comrt_tl_type **tlist;
    uint32_t ntypes, captypes;
    const comrt_tl_struct **rlist;
    uint32_t nrecs, caprecs;
    const comrt_tl_enum **elist;
    uint32_t nenums, capenums;
    const char *err; /* first inconsistency, for the error message */
    int oom;
    msgpack_sbuffer *sb;
    msgpack_packer pk;
} writer;

/* msgpack_sbuffer_write, remembering a failed allocation (the packer
 * itself would carry on with a truncated buffer). */
static int write_cb(void *data, const char *buf, size_t len)
{
    writer *w = data;
    if (msgpack_sbuffer_write(w->sb, buf, len) != 0) {
        w->oom = 1;
        return -1;
    }
    return 0;
}

static int push(void **arr, uint32_t *n, uint32_t *cap, const void *item)
{
    if (*n == *cap) {
        uint32_t c = *cap ? *cap * 2 : 64;
        void *p = realloc(*arr, sizeof(void *) * c);
        if (!p)
            return 0;
        *arr = p;
        *cap = c;
    }
    ((const void **)*arr)[(*n)++] = item;
    return 1;
}

static void fail(writer *w, const char *what)
{
    if (!w->err)
        w->err = what;
}

static int expr_ok(const comrt_tl_expr *e)
{
    if (!e->ops || e->nops == 0 || e->nops > TL_MAX_EXPR)
        return 0;
    int depth = 0;
    for (uint32_t i = 0; i < e->nops; i++) {
        uint32_t op = e->ops[i].op;
        if (op > COMRT_TL_OP_MAX)
            return 0;
        int pops = op <= COMRT_TL_OP_DEREF_FIELD ? 0 : op <= COMRT_TL_OP_BITNOT ? 1 : op == COMRT_TL_OP_COND ? 3 : 2;
        if (depth < pops)
            return 0;
        depth = depth - pops + 1;
    }
    return depth == 1;
}

static void visit_record(writer *w, const comrt_tl_struct *r);
static void visit_enum(writer *w, const comrt_tl_enum *e);

/* Numbers every type reachable from t (iteratively along elem chains). */
static void visit_type(writer *w, const comrt_tl_type *t)
{
    for (int guard = 0; t && guard <= TL_MAX_CHAIN; guard++) {
        uint32_t idx;
        if (tl_ptrmap_get(&w->types, t, &idx))
            return;
        if (t->kind > COMRT_TL_KIND_MAX) {
            fail(w, "a type kind is out of range");
            return;
        }
        if (!tl_ptrmap_put(&w->types, t, w->ntypes) ||
            !push((void **)&w->tlist, &w->ntypes, &w->captypes, t)) {
            w->oom = 1;
            return;
        }
        if ((t->size_is && !expr_ok(t->size_is)) || (t->length_is && !expr_ok(t->length_is)) ||
            (t->iid_is && !expr_ok(t->iid_is)))
            fail(w, "an expression does not leave exactly one value");
        switch (t->kind) {
        case COMRT_TL_STRUCT:
            if (!t->record)
                fail(w, "a struct type has no record");
            else
                visit_record(w, t->record);
            return;
        case COMRT_TL_ENUM:
            if (!t->enumeration)
                fail(w, "an enum type has no enumeration");
            else
                visit_enum(w, t->enumeration);
            return;
        case COMRT_TL_PTR:
        case COMRT_TL_ARRAY:
        case COMRT_TL_SAFEARRAY:
            if (!t->elem) {
                fail(w, "a pointer or array type has no element type");
                return;
            }
            t = t->elem;
            break;
        default:
            return;
        }
    }
    if (t)
        fail(w, "a type nests too deeply");
}

static void visit_record(writer *w, const comrt_tl_struct *r)
{
    uint32_t idx;
    if (tl_ptrmap_get(&w->recs, r, &idx))
        return;
    if (!tl_ptrmap_put(&w->recs, r, w->nrecs) || !push((void **)&w->rlist, &w->nrecs, &w->caprecs, r)) {
        w->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < r->nfields; i++) {
        if (!r->fields[i].type)
            fail(w, "a struct field has no type");
        else
            visit_type(w, r->fields[i].type);
    }
}

static void visit_enum(writer *w, const comrt_tl_enum *e)
{
    uint32_t idx;
    if (tl_ptrmap_get(&w->enums, e, &idx))
        return;
    if (!tl_ptrmap_put(&w->enums, e, w->nenums) || !push((void **)&w->elist, &w->nenums, &w->capenums, e))
        w->oom = 1;
}

/* Packing helpers ---------------------------------------------------------------- */

static void pstr(writer *w, const char *s)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    msgpack_pack_str(&w->pk, n);
    msgpack_pack_str_body(&w->pk, s, n);
}

static void key(writer *w, const char *k)
{
    pstr(w, k);
}

static void pguid(writer *w, const GUID *g)
{
    char buf[CHARS_IN_GUID];
    tl_guid_format(g, buf);
    pstr(w, buf);
}

static void pindex(writer *w, tl_ptrmap *m, const void *p)
{
    uint32_t idx = 0;
    if (!p || !tl_ptrmap_get(m, p, &idx))
        fail(w, "a reference to an undescribed type");
    msgpack_pack_uint32(&w->pk, idx);
}

static void pexpr(writer *w, const comrt_tl_expr *e)
{
    msgpack_pack_array(&w->pk, e->nops * 2);
    for (uint32_t i = 0; i < e->nops; i++) {
        msgpack_pack_uint32(&w->pk, e->ops[i].op);
        msgpack_pack_int64(&w->pk, e->ops[i].value);
    }
}

static void pvalue(writer *w, const comrt_tl_value *v)
{
    msgpack_pack_array(&w->pk, 2);
    msgpack_pack_uint32(&w->pk, v->kind);
    switch (v->kind) {
    case COMRT_TL_VAL_INT:
        msgpack_pack_int64(&w->pk, v->i);
        break;
    case COMRT_TL_VAL_FLOAT:
        msgpack_pack_double(&w->pk, v->d);
        break;
    case COMRT_TL_VAL_STRING:
        pstr(w, v->s);
        break;
    default:
        msgpack_pack_nil(&w->pk);
        break;
    }
}

static void pver(writer *w, uint16_t maj, uint16_t min)
{
    msgpack_pack_array(&w->pk, 2);
    msgpack_pack_uint16(&w->pk, maj);
    msgpack_pack_uint16(&w->pk, min);
}

static void pack_type(writer *w, const comrt_tl_type *t)
{
    int iface = t->kind == COMRT_TL_INTERFACE;
    int elem = t->kind == COMRT_TL_PTR || t->kind == COMRT_TL_ARRAY || t->kind == COMRT_TL_SAFEARRAY;
    size_t n = 4 + (size_t)elem + (t->kind == COMRT_TL_ARRAY) + (t->size_is != NULL) + (t->length_is != NULL) +
               (t->kind == COMRT_TL_STRUCT) + (t->kind == COMRT_TL_ENUM) + (iface ? 2 : 0) + (t->iid_is != NULL);
    msgpack_pack_map(&w->pk, n);
    key(w, "k"), msgpack_pack_uint32(&w->pk, t->kind);
    key(w, "vt"), msgpack_pack_uint32(&w->pk, t->vt);
    key(w, "f"), msgpack_pack_uint32(&w->pk, t->flags);
    key(w, "n"), pstr(w, t->name);
    if (elem)
        key(w, "e"), pindex(w, &w->types, t->elem);
    if (t->kind == COMRT_TL_ARRAY)
        key(w, "c"), msgpack_pack_uint32(&w->pk, t->count);
    if (t->size_is)
        key(w, "si"), pexpr(w, t->size_is);
    if (t->length_is)
        key(w, "li"), pexpr(w, t->length_is);
    if (t->kind == COMRT_TL_STRUCT)
        key(w, "r"), pindex(w, &w->recs, t->record);
    if (t->kind == COMRT_TL_ENUM)
        key(w, "en"), pindex(w, &w->enums, t->enumeration);
    if (iface) {
        key(w, "iid"), pguid(w, &t->iid);
        key(w, "in"), pstr(w, t->iface_name);
    }
    if (t->iid_is)
        key(w, "ii"), pexpr(w, t->iid_is);
}

static void pack_method(writer *w, const comrt_tl_method *m)
{
    msgpack_pack_map(&w->pk, 6 + (m->helpstring != NULL));
    key(w, "name"), pstr(w, m->name);
    key(w, "dispid"), msgpack_pack_int32(&w->pk, m->dispid);
    key(w, "inv"), msgpack_pack_uint32(&w->pk, m->invkind);
    key(w, "f"), msgpack_pack_uint32(&w->pk, m->flags);
    if (m->helpstring)
        key(w, "help"), pstr(w, m->helpstring);
    key(w, "ret"), pindex(w, &w->types, m->ret);
    key(w, "params"), msgpack_pack_array(&w->pk, m->nparams);
    for (uint32_t i = 0; i < m->nparams; i++) {
        const comrt_tl_param *p = &m->params[i];
        int def = (p->flags & COMRT_TL_P_DEFAULT) != 0;
        msgpack_pack_map(&w->pk, 3 + def);
        key(w, "name"), pstr(w, p->name);
        key(w, "f"), msgpack_pack_uint32(&w->pk, p->flags);
        key(w, "t"), pindex(w, &w->types, p->type);
        if (def)
            key(w, "def"), pvalue(w, &p->defval);
    }
}

static void pack_interface(writer *w, const comrt_tl_interface *i)
{
    msgpack_pack_map(&w->pk, 7 + (i->helpstring != NULL) + (i->parent_name != NULL) * 2);
    key(w, "name"), pstr(w, i->name);
    key(w, "iid"), pguid(w, &i->iid);
    key(w, "f"), msgpack_pack_uint32(&w->pk, i->flags);
    key(w, "ver"), pver(w, i->ver_major, i->ver_minor);
    if (i->helpstring)
        key(w, "help"), pstr(w, i->helpstring);
    if (i->parent_name) {
        key(w, "parent"), pstr(w, i->parent_name);
        key(w, "piid"), pguid(w, &i->parent_iid);
    }
    key(w, "base"), msgpack_pack_uint32(&w->pk, i->base_slots);
    key(w, "methods"), msgpack_pack_array(&w->pk, i->nmethods);
    for (uint32_t k = 0; k < i->nmethods; k++)
        pack_method(w, &i->methods[k]);
    key(w, "props"), msgpack_pack_array(&w->pk, i->nprops);
    for (uint32_t k = 0; k < i->nprops; k++) {
        const comrt_tl_property *p = &i->props[k];
        msgpack_pack_map(&w->pk, 4 + (p->helpstring != NULL));
        key(w, "name"), pstr(w, p->name);
        key(w, "dispid"), msgpack_pack_int32(&w->pk, p->dispid);
        key(w, "f"), msgpack_pack_uint32(&w->pk, p->flags);
        key(w, "t"), pindex(w, &w->types, p->type);
        if (p->helpstring)
            key(w, "help"), pstr(w, p->helpstring);
    }
}

static void pack_library(writer *w)
{
    const comrt_tl_library *l = w->lib;
    msgpack_pack_array(&w->pk, 4);
    pstr(w, TL_MAGIC);
    msgpack_pack_uint32(&w->pk, COMRT_TYPELIB_FORMAT_MAJOR);
    msgpack_pack_uint32(&w->pk, COMRT_TYPELIB_FORMAT_MINOR);
    msgpack_pack_map(&w->pk, 10 + (l->helpstring != NULL));
    key(w, "name"), pstr(w, l->name);
    key(w, "libid"), pguid(w, &l->libid);
    key(w, "ver"), pver(w, l->ver_major, l->ver_minor);
    key(w, "lcid"), msgpack_pack_uint32(&w->pk, l->lcid);
    if (l->helpstring)
        key(w, "help"), pstr(w, l->helpstring);
    key(w, "types"), msgpack_pack_array(&w->pk, w->ntypes);
    for (uint32_t i = 0; i < w->ntypes; i++)
        pack_type(w, w->tlist[i]);
    key(w, "structs"), msgpack_pack_array(&w->pk, w->nrecs);
    for (uint32_t i = 0; i < w->nrecs; i++) {
        const comrt_tl_struct *r = w->rlist[i];
        msgpack_pack_map(&w->pk, 2);
        key(w, "name"), pstr(w, r->name);
        key(w, "fields"), msgpack_pack_array(&w->pk, r->nfields);
        for (uint32_t k = 0; k < r->nfields; k++) {
            msgpack_pack_array(&w->pk, 2);
            pstr(w, r->fields[k].name);
            pindex(w, &w->types, r->fields[k].type);
        }
    }
    key(w, "enums"), msgpack_pack_array(&w->pk, w->nenums);
    for (uint32_t i = 0; i < w->nenums; i++) {
        const comrt_tl_enum *e = w->elist[i];
        msgpack_pack_map(&w->pk, 2);
        key(w, "name"), pstr(w, e->name);
        key(w, "values"), msgpack_pack_array(&w->pk, e->nvalues);
        for (uint32_t k = 0; k < e->nvalues; k++) {
            msgpack_pack_array(&w->pk, 2);
            pstr(w, e->values[k].name);
            msgpack_pack_int64(&w->pk, e->values[k].value);
        }
    }
    key(w, "interfaces"), msgpack_pack_array(&w->pk, l->ninterfaces);
    for (uint32_t i = 0; i < l->ninterfaces; i++)
        pack_interface(w, &l->interfaces[i]);
    key(w, "coclasses"), msgpack_pack_array(&w->pk, l->ncoclasses);
    for (uint32_t i = 0; i < l->ncoclasses; i++) {
        const comrt_tl_coclass *c = &l->coclasses[i];
        msgpack_pack_map(&w->pk, 5 + (c->helpstring != NULL));
        key(w, "name"), pstr(w, c->name);
        key(w, "clsid"), pguid(w, &c->clsid);
        key(w, "f"), msgpack_pack_uint32(&w->pk, c->flags);
        key(w, "ver"), pver(w, c->ver_major, c->ver_minor);
        if (c->helpstring)
            key(w, "help"), pstr(w, c->helpstring);
        key(w, "impls"), msgpack_pack_array(&w->pk, c->nimpls);
        for (uint32_t k = 0; k < c->nimpls; k++) {
            msgpack_pack_array(&w->pk, 3);
            pstr(w, c->impls[k].name);
            pguid(w, &c->impls[k].iid);
            msgpack_pack_uint32(&w->pk, c->impls[k].flags);
        }
    }
    key(w, "consts"), msgpack_pack_array(&w->pk, l->nconsts);
    for (uint32_t i = 0; i < l->nconsts; i++) {
        msgpack_pack_map(&w->pk, 3);
        key(w, "name"), pstr(w, l->consts[i].name);
        key(w, "t"), pindex(w, &w->types, l->consts[i].type);
        key(w, "value"), pvalue(w, &l->consts[i].value);
    }
}

static void visit_method(writer *w, const comrt_tl_method *m)
{
    if (!m->ret)
        fail(w, "a method has no return type");
    visit_type(w, m->ret);
    if (m->nparams && !m->params)
        fail(w, "a method's parameters are missing");
    for (uint32_t k = 0; m->params && k < m->nparams; k++) {
        if (!m->params[k].type)
            fail(w, "a parameter has no type");
        visit_type(w, m->params[k].type);
    }
}

HRESULT comrt_typelib_save(const comrt_tl_library *lib, void **data, size_t *size)
{
    HRESULT hr = S_OK;
    writer w;
    msgpack_sbuffer sb;
    if (!data || !size)
        return comrt_error_set(E_POINTER, "comrt_typelib_save: no place for the result");
    *data = NULL;
    *size = 0;
    if (!lib)
        return comrt_error_set(E_INVALIDARG, "comrt_typelib_save: no library given");
    memset(&w, 0, sizeof w);
    msgpack_sbuffer_init(&sb);
    w.lib = lib;
    /* Records and enums listed by the library come first, in its order. */
    for (uint32_t i = 0; i < lib->nstructs; i++)
        visit_record(&w, &lib->structs[i]);
    for (uint32_t i = 0; i < lib->nenums; i++)
        visit_enum(&w, &lib->enums[i]);
    for (uint32_t i = 0; i < lib->ninterfaces; i++) {
        const comrt_tl_interface *it = &lib->interfaces[i];
        for (uint32_t k = 0; k < it->nmethods; k++)
            visit_method(&w, &it->methods[k]);
        for (uint32_t k = 0; k < it->nprops; k++)
            visit_type(&w, it->props[k].type);
    }
    for (uint32_t i = 0; i < lib->nconsts; i++)
        visit_type(&w, lib->consts[i].type);
    if (w.oom) {
        hr = comrt_error_set(E_OUTOFMEMORY, "comrt_typelib_save: out of memory");
        goto out;
    }
    if (w.err) {
        hr = comrt_error_set(E_INVALIDARG, "comrt_typelib_save: library '%s': %s", lib->name ? lib->name : "",
                             w.err);
        goto out;
    }
    w.sb = &sb;
    msgpack_packer_init(&w.pk, &w, write_cb);
    pack_library(&w);
    if (w.oom) {
        hr = comrt_error_set(E_OUTOFMEMORY, "comrt_typelib_save: out of memory");
        goto out;
    }
    if (w.err) {
        hr = comrt_error_set(E_INVALIDARG, "comrt_typelib_save: library '%s': %s", lib->name ? lib->name : "",
                             w.err);
        goto out;
    }
    if (!sb.data) {
        hr = comrt_error_set(E_OUTOFMEMORY, "comrt_typelib_save: out of memory");
        goto out;
    }
    *data = CoTaskMemAlloc(sb.size);
    if (!*data) {
        hr = comrt_error_set(E_OUTOFMEMORY, "comrt_typelib_save: out of memory");
        goto out;
    }
    memcpy(*data, sb.data, sb.size);
    *size = sb.size;
out:
    msgpack_sbuffer_destroy(&sb);
    tl_ptrmap_free(&w.types);
    tl_ptrmap_free(&w.recs);
    tl_ptrmap_free(&w.enums);
    free(w.tlist);
    free(w.rlist);
    free(w.elist);
    return hr;
}
