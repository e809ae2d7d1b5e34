/*
 * load.c - decoding a type library from untrusted bytes.
 *
 * Three steps, each bounded: a pre-scan of the raw msgpack checks that every
 * container's element count fits in the bytes that remain and that nesting
 * stays shallow (so msgpack-c never allocates more than a small multiple of
 * the input); msgpack-c builds the object tree; the decoder below copies it
 * into comrt_tl_* structs, checking every index, kind and expression, and
 * tl_layout checks the graph's shape and lays structs out.
 */
#include <msgpack.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_internal.h"

#define SCAN_MAX_DEPTH 24

/* Pre-scan ------------------------------------------------------------------- */

static int be(const uint8_t *p, size_t n, uint64_t *v)
{
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = (*v << 8) | p[i];
    return 1;
}

/* Returns NULL if data holds exactly one well-formed msgpack object. */
static const char *prescan(const uint8_t *data, size_t size)
{
    uint64_t stack[SCAN_MAX_DEPTH + 1];
    int depth = 0;
    size_t pos = 0;
    stack[0] = 1;
    while (depth >= 0) {
        if (stack[depth] == 0) {
            depth--;
            continue;
        }
        stack[depth]--;
        if (pos >= size)
            return "truncated";
        uint8_t c = data[pos++];
        uint64_t skip = 0, items = 0, len = 0;
        size_t hdr = 0;
        if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
            continue;
        } else if ((c & 0xf0) == 0x80) {
            items = (uint64_t)(c & 0x0f) * 2;
        } else if ((c & 0xf0) == 0x90) {
            items = c & 0x0f;
        } else if ((c & 0xe0) == 0xa0) {
            skip = c & 0x1f;
        } else {
            switch (c) {
            case 0xc4: case 0xd9: hdr = 1; break;
            case 0xc5: case 0xda: hdr = 2; break;
            case 0xc6: case 0xdb: hdr = 4; break;
            case 0xc7: hdr = 1; skip = 1; break;
            case 0xc8: hdr = 2; skip = 1; break;
            case 0xc9: hdr = 4; skip = 1; break;
            case 0xca: skip = 4; break;
            case 0xcb: skip = 8; break;
            case 0xcc: case 0xd0: skip = 1; break;
            case 0xcd: case 0xd1: skip = 2; break;
            case 0xce: case 0xd2: skip = 4; break;
            case 0xcf: case 0xd3: skip = 8; break;
            case 0xd4: skip = 2; break;
            case 0xd5: skip = 3; break;
            case 0xd6: skip = 5; break;
            case 0xd7: skip = 9; break;
            case 0xd8: skip = 17; break;
            case 0xdc: case 0xde: hdr = 2; break;
            case 0xdd: case 0xdf: hdr = 4; break;
            default:
                return "an invalid msgpack byte";
            }
            if (hdr) {
                if (size - pos < hdr)
                    return "truncated";
                be(data + pos, hdr, &len);
                pos += hdr;
                if (c == 0xdc || c == 0xdd)
                    items = len;
                else if (c == 0xde || c == 0xdf)
                    items = len * 2;
                else
                    skip += len;
            }
        }
        if (skip) {
            if (size - pos < skip)
                return "truncated";
            pos += (size_t)skip;
        }
        if (items) {
            /* every element takes at least one byte */
            if (items > size - pos)
                return "a container larger than the file";
            if (depth >= SCAN_MAX_DEPTH)
                return "nesting too deep";
            stack[++depth] = items;
        }
    }
    return pos == size ? NULL : "trailing bytes after the library";
}

/* Decoding ------------------------------------------------------------------ */

typedef struct dec {
    const char *name;
    tl_arena *a;
    char err[256];
    int failed, oom;
    comrt_tl_library *lib;
    comrt_tl_type *types;
    uint32_t ntypes;
    comrt_tl_struct *recs;
    comrt_tl_enum *enums;
} dec;

static int bad(dec *d, const char *fmt, ...) COMRT_PRINTF(2, 3);
static int bad(dec *d, const char *fmt, ...)
{
    if (!d->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->err, sizeof d->err, fmt, ap);
        va_end(ap);
        d->failed = 1;
    }
    return 0;
}

static void *dalloc(dec *d, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) {
        d->oom = 1;
        return NULL;
    }
    void *p = tl_alloc(d->a, n * size);
    if (!p) {
        d->oom = 1;
        d->failed = 1;
    }
    return p;
}

static const msgpack_object *mget(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && memcmp(k->via.str.ptr, key, n) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

static int as_i64(const msgpack_object *o, int64_t *v)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > INT64_MAX)
            return 0;
        *v = (int64_t)o->via.u64;
        return 1;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *v = o->via.i64;
        return 1;
    }
    return 0;
}

static int get_u32(dec *d, const msgpack_object *map, const char *key, uint32_t *out, int required, const char *what)
{
    const msgpack_object *o = mget(map, key);
    *out = 0;
    if (!o)
        return required ? bad(d, "%s has no '%s'", what, key) : 1;
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > UINT32_MAX)
        return bad(d, "%s: '%s' is not a 32-bit unsigned integer", what, key);
    *out = (uint32_t)o->via.u64;
    return 1;
}

static int get_i32(dec *d, const msgpack_object *map, const char *key, int32_t *out, const char *what)
{
    const msgpack_object *o = mget(map, key);
    int64_t v;
    if (!o || !as_i64(o, &v) || v < INT32_MIN || v > INT32_MAX)
        return bad(d, "%s: '%s' is missing or not a 32-bit integer", what, key);
    *out = (int32_t)v;
    return 1;
}

static const char *str_of(dec *d, const msgpack_object *o, const char *what)
{
    if (!o || o->type != MSGPACK_OBJECT_STR) {
        bad(d, "%s is not a string", what);
        return NULL;
    }
    if (memchr(o->via.str.ptr, '\0', o->via.str.size)) {
        bad(d, "%s holds a NUL character", what);
        return NULL;
    }
    char *s = dalloc(d, (size_t)o->via.str.size + 1, 1);
    if (!s)
        return NULL;
    memcpy(s, o->via.str.ptr, o->via.str.size);
    return s;
}

static int get_str(dec *d, const msgpack_object *map, const char *key, const char **out, int required,
                   const char *what)
{
    const msgpack_object *o = mget(map, key);
    *out = NULL;
    if (!o)
        return required ? bad(d, "%s has no '%s'", what, key) : 1;
    *out = str_of(d, o, what);
    return *out != NULL;
}

static int get_guid(dec *d, const msgpack_object *o, GUID *g, const char *what)
{
    char buf[CHARS_IN_GUID];
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size != CHARS_IN_GUID - 1)
        return bad(d, "%s: a GUID is missing or malformed", what);
    memcpy(buf, o->via.str.ptr, CHARS_IN_GUID - 1);
    buf[CHARS_IN_GUID - 1] = '\0';
    if (FAILED(comrt_guid_parse(buf, 0, g)))
        return bad(d, "%s: '%s' is not a GUID", what, buf);
    return 1;
}

static const msgpack_object_array *get_arr(dec *d, const msgpack_object *map, const char *key, const char *what)
{
    static const msgpack_object_array empty = {0, NULL};
    const msgpack_object *o = mget(map, key);
    if (!o)
        return &empty; /* absent lists are empty (forward compatible) */
    if (o->type != MSGPACK_OBJECT_ARRAY) {
        bad(d, "%s: '%s' is not an array", what, key);
        return NULL;
    }
    return &o->via.array;
}

static int get_ver(dec *d, const msgpack_object *map, uint16_t *maj, uint16_t *min, const char *what)
{
    const msgpack_object *o = mget(map, "ver");
    *maj = *min = 0;
    if (!o)
        return 1;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        o->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.array.ptr[0].via.u64 > 65535 ||
        o->via.array.ptr[1].via.u64 > 65535)
        return bad(d, "%s: malformed version", what);
    *maj = (uint16_t)o->via.array.ptr[0].via.u64;
    *min = (uint16_t)o->via.array.ptr[1].via.u64;
    return 1;
}

static const comrt_tl_type *type_ref(dec *d, const msgpack_object *map, const char *key, const char *what)
{
    uint32_t idx;
    if (!get_u32(d, map, key, &idx, 1, what))
        return NULL;
    if (idx >= d->ntypes) {
        bad(d, "%s: type index %u out of range", what, idx);
        return NULL;
    }
    return &d->types[idx];
}

static const comrt_tl_expr *get_expr(dec *d, const msgpack_object *map, const char *key, const char *what)
{
    const msgpack_object *o = mget(map, key);
    if (!o)
        return NULL;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0 || o->via.array.size % 2 ||
        o->via.array.size / 2 > TL_MAX_EXPR) {
        bad(d, "%s: malformed expression '%s'", what, key);
        return NULL;
    }
    uint32_t n = o->via.array.size / 2;
    comrt_tl_expr *e = dalloc(d, 1, sizeof *e);
    comrt_tl_expr_op *ops = dalloc(d, n, sizeof *ops);
    if (!e || !ops)
        return NULL;
    int depth = 0;
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *op = &o->via.array.ptr[2 * i];
        int64_t v;
        if (op->type != MSGPACK_OBJECT_POSITIVE_INTEGER || op->via.u64 > COMRT_TL_OP_MAX ||
            !as_i64(&o->via.array.ptr[2 * i + 1], &v)) {
            bad(d, "%s: bad operation in expression '%s'", what, key);
            return NULL;
        }
        ops[i].op = (uint32_t)op->via.u64;
        ops[i].value = v;
        int pops = ops[i].op <= COMRT_TL_OP_DEREF_FIELD ? 0
                   : ops[i].op <= COMRT_TL_OP_BITNOT    ? 1
                   : ops[i].op == COMRT_TL_OP_COND      ? 3
                                                        : 2;
        if (ops[i].op >= COMRT_TL_OP_PARAM && ops[i].op <= COMRT_TL_OP_DEREF_FIELD && (v < 0 || v > UINT16_MAX)) {
            bad(d, "%s: expression '%s' names a negative or huge index", what, key);
            return NULL;
        }
        if (depth < pops) {
            bad(d, "%s: expression '%s' underflows", what, key);
            return NULL;
        }
        depth = depth - pops + 1;
    }
    if (depth != 1) {
        bad(d, "%s: expression '%s' leaves %d values", what, key, depth);
        return NULL;
    }
    e->nops = n;
    e->ops = ops;
    return e;
}

static int get_value(dec *d, const msgpack_object *o, comrt_tl_value *v, const char *what)
{
    memset(v, 0, sizeof *v);
    if (!o || o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 2 ||
        o->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return bad(d, "%s: malformed value", what);
    const msgpack_object *p = &o->via.array.ptr[1];
    switch (o->via.array.ptr[0].via.u64) {
    case COMRT_TL_VAL_NONE:
        return 1;
    case COMRT_TL_VAL_INT:
        v->kind = COMRT_TL_VAL_INT;
        if (p->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            v->i = (int64_t)p->via.u64; /* values above INT64_MAX wrap, as unsigned constants do */
        else if (!as_i64(p, &v->i))
            return bad(d, "%s: malformed integer value", what);
        return 1;
    case COMRT_TL_VAL_FLOAT:
        if (p->type != MSGPACK_OBJECT_FLOAT64 && p->type != MSGPACK_OBJECT_FLOAT32)
            return bad(d, "%s: malformed float value", what);
        v->kind = COMRT_TL_VAL_FLOAT;
        v->d = p->via.f64;
        return 1;
    case COMRT_TL_VAL_STRING:
        v->kind = COMRT_TL_VAL_STRING;
        v->s = str_of(d, p, what);
        return v->s != NULL;
    default:
        return bad(d, "%s: unknown value kind", what);
    }
}

static int decode_type(dec *d, comrt_tl_type *t, const msgpack_object *m, uint32_t i)
{
    char what[48];
    snprintf(what, sizeof what, "type %u", i);
    if (m->type != MSGPACK_OBJECT_MAP)
        return bad(d, "%s is not a map", what);
    if (!get_u32(d, m, "k", &t->kind, 1, what) || !get_u32(d, m, "vt", &t->vt, 0, what) ||
        !get_u32(d, m, "f", &t->flags, 0, what) || !get_str(d, m, "n", &t->name, 0, what))
        return 0;
    if (!t->name)
        t->name = "";
    if (t->kind > COMRT_TL_KIND_MAX)
        return bad(d, "%s: unknown kind %u", what, t->kind);
    if (t->kind == COMRT_TL_PTR || t->kind == COMRT_TL_ARRAY || t->kind == COMRT_TL_SAFEARRAY) {
        if (!(t->elem = type_ref(d, m, "e", what)))
            return 0;
    }
    if (t->kind == COMRT_TL_ARRAY && !get_u32(d, m, "c", &t->count, 1, what))
        return 0;
    t->size_is = get_expr(d, m, "si", what);
    t->length_is = get_expr(d, m, "li", what);
    t->iid_is = get_expr(d, m, "ii", what);
    if (d->failed)
        return 0;
    if ((t->size_is && t->kind != COMRT_TL_PTR && t->kind != COMRT_TL_ARRAY) ||
        (t->length_is && t->kind != COMRT_TL_PTR && t->kind != COMRT_TL_ARRAY) ||
        (t->iid_is && t->kind != COMRT_TL_INTERFACE))
        return bad(d, "%s: an attribute does not fit its kind", what);
    if (t->kind == COMRT_TL_ARRAY && t->count == 0 && !t->size_is)
        return bad(d, "%s: an array with no count and no size_is", what);
    if (t->kind == COMRT_TL_STRUCT) {
        uint32_t r;
        if (!get_u32(d, m, "r", &r, 1, what))
            return 0;
        if (r >= d->lib->nstructs)
            return bad(d, "%s: struct index %u out of range", what, r);
        t->record = &d->recs[r];
    }
    if (t->kind == COMRT_TL_ENUM) {
        uint32_t e;
        if (!get_u32(d, m, "en", &e, 1, what))
            return 0;
        if (e >= d->lib->nenums)
            return bad(d, "%s: enum index %u out of range", what, e);
        t->enumeration = &d->enums[e];
    }
    if (t->kind == COMRT_TL_INTERFACE) {
        if (!get_guid(d, mget(m, "iid"), &t->iid, what) || !get_str(d, m, "in", &t->iface_name, 1, what))
            return 0;
    }
    return 1;
}

static int decode_record(dec *d, comrt_tl_struct *r, const msgpack_object *m, uint32_t i)
{
    char what[48];
    snprintf(what, sizeof what, "struct %u", i);
    if (m->type != MSGPACK_OBJECT_MAP)
        return bad(d, "%s is not a map", what);
    if (!get_str(d, m, "name", &r->name, 1, what))
        return 0;
    const msgpack_object_array *fs = get_arr(d, m, "fields", what);
    if (!fs)
        return 0;
    comrt_tl_field *f = dalloc(d, fs->size ? fs->size : 1, sizeof *f);
    if (!f)
        return 0;
    for (uint32_t k = 0; k < fs->size; k++) {
        const msgpack_object *e = &fs->ptr[k];
        uint64_t idx;
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
            e->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bad(d, "%s: malformed field %u", what, k);
        if (!(f[k].name = str_of(d, &e->via.array.ptr[0], what)))
            return 0;
        idx = e->via.array.ptr[1].via.u64;
        if (idx >= d->ntypes)
            return bad(d, "%s: field %u has type index out of range", what, k);
        f[k].type = &d->types[idx];
    }
    r->nfields = fs->size;
    r->fields = f;
    return 1;
}

static int decode_enum(dec *d, comrt_tl_enum *en, const msgpack_object *m, uint32_t i)
{
    char what[48];
    snprintf(what, sizeof what, "enum %u", i);
    if (m->type != MSGPACK_OBJECT_MAP || !get_str(d, m, "name", &en->name, 1, what))
        return bad(d, "%s is malformed", what);
    const msgpack_object_array *vs = get_arr(d, m, "values", what);
    if (!vs)
        return 0;
    comrt_tl_enum_value *v = dalloc(d, vs->size ? vs->size : 1, sizeof *v);
    if (!v)
        return 0;
    for (uint32_t k = 0; k < vs->size; k++) {
        const msgpack_object *e = &vs->ptr[k];
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 || !as_i64(&e->via.array.ptr[1], &v[k].value))
            return bad(d, "%s: malformed value %u", what, k);
        if (!(v[k].name = str_of(d, &e->via.array.ptr[0], what)))
            return 0;
    }
    en->nvalues = vs->size;
    en->values = v;
    return 1;
}

/* Expressions must name parameters (in a method) or fields (in a struct),
 * in range; a shared node must fit every place it is used. */
static int check_expr(dec *d, const comrt_tl_expr *e, int is_param, uint32_t limit, const char *what)
{
    if (!e)
        return 1;
    for (uint32_t i = 0; i < e->nops; i++) {
        uint32_t op = e->ops[i].op;
        if (op == COMRT_TL_OP_PARAM || op == COMRT_TL_OP_DEREF_PARAM) {
            if (!is_param || (uint64_t)e->ops[i].value >= limit)
                return bad(d, "%s: an expression names a parameter that does not exist", what);
        } else if (op == COMRT_TL_OP_FIELD || op == COMRT_TL_OP_DEREF_FIELD) {
            if (is_param || (uint64_t)e->ops[i].value >= limit)
                return bad(d, "%s: an expression names a field that does not exist", what);
        }
    }
    return 1;
}

static int check_type_ctx(dec *d, const comrt_tl_type *t, int is_param, uint32_t limit, const char *what)
{
    for (int n = 0; t && n <= TL_MAX_CHAIN; n++, t = t->elem) {
        if (!check_expr(d, t->size_is, is_param, limit, what) || !check_expr(d, t->length_is, is_param, limit, what) ||
            !check_expr(d, t->iid_is, is_param, limit, what))
            return 0;
        if (t->kind != COMRT_TL_PTR && t->kind != COMRT_TL_ARRAY && t->kind != COMRT_TL_SAFEARRAY)
            break;
    }
    return 1;
}

static int decode_method(dec *d, comrt_tl_method *mt, const msgpack_object *m, const char *what)
{
    if (m->type != MSGPACK_OBJECT_MAP)
        return bad(d, "%s is not a map", what);
    if (!get_str(d, m, "name", &mt->name, 1, what) || !get_i32(d, m, "dispid", &mt->dispid, what) ||
        !get_u32(d, m, "inv", &mt->invkind, 0, what) || !get_u32(d, m, "f", &mt->flags, 0, what) ||
        !get_str(d, m, "help", &mt->helpstring, 0, what) || !(mt->ret = type_ref(d, m, "ret", what)))
        return 0;
    if (mt->invkind == 0)
        mt->invkind = COMRT_TL_INVOKE_FUNC;
    if (mt->invkind != COMRT_TL_INVOKE_FUNC && mt->invkind != COMRT_TL_INVOKE_PROPGET &&
        mt->invkind != COMRT_TL_INVOKE_PROPPUT && mt->invkind != COMRT_TL_INVOKE_PROPPUTREF)
        return bad(d, "%s: invalid invoke kind", what);
    const msgpack_object_array *ps = get_arr(d, m, "params", what);
    if (!ps)
        return 0;
    comrt_tl_param *p = dalloc(d, ps->size ? ps->size : 1, sizeof *p);
    if (!p)
        return 0;
    for (uint32_t k = 0; k < ps->size; k++) {
        const msgpack_object *pm = &ps->ptr[k];
        if (pm->type != MSGPACK_OBJECT_MAP || !get_str(d, pm, "name", &p[k].name, 1, what) ||
            !get_u32(d, pm, "f", &p[k].flags, 0, what) || !(p[k].type = type_ref(d, pm, "t", what)))
            return bad(d, "%s: malformed parameter %u", what, k);
        if (!(p[k].flags & (COMRT_TL_P_IN | COMRT_TL_P_OUT)))
            p[k].flags |= COMRT_TL_P_IN;
        if (p[k].type->kind == COMRT_TL_VOID)
            return bad(d, "%s: parameter %u has type void", what, k);
        if (p[k].flags & COMRT_TL_P_DEFAULT) {
            if (!get_value(d, mget(pm, "def"), &p[k].defval, what))
                return 0;
        }
    }
    mt->nparams = ps->size;
    mt->params = p;
    if (!check_type_ctx(d, mt->ret, 1, mt->nparams, what))
        return 0;
    for (uint32_t k = 0; k < ps->size; k++)
        if (!check_type_ctx(d, p[k].type, 1, mt->nparams, what))
            return 0;
    return 1;
}

static int decode_interface(dec *d, comrt_tl_interface *it, const msgpack_object *m, uint32_t i)
{
    char what[96];
    snprintf(what, sizeof what, "interface %u", i);
    if (m->type != MSGPACK_OBJECT_MAP)
        return bad(d, "%s is not a map", what);
    if (!get_str(d, m, "name", &it->name, 1, what) || !get_guid(d, mget(m, "iid"), &it->iid, what) ||
        !get_u32(d, m, "f", &it->flags, 0, what) || !get_ver(d, m, &it->ver_major, &it->ver_minor, what) ||
        !get_str(d, m, "help", &it->helpstring, 0, what) || !get_str(d, m, "parent", &it->parent_name, 0, what) ||
        !get_u32(d, m, "base", &it->base_slots, 1, what))
        return 0;
    snprintf(what, sizeof what, "interface '%.60s'", it->name);
    if (it->parent_name && !get_guid(d, mget(m, "piid"), &it->parent_iid, what))
        return 0;
    if (it->base_slots > 0xFFFF)
        return bad(d, "%s: too many inherited slots", what);
    const msgpack_object_array *ms = get_arr(d, m, "methods", what);
    if (!ms)
        return 0;
    if (ms->size > 0xFFFF)
        return bad(d, "%s: too many methods", what);
    comrt_tl_method *mt = dalloc(d, ms->size ? ms->size : 1, sizeof *mt);
    if (!mt)
        return 0;
    int disp = (it->flags & COMRT_TL_I_DISPINTERFACE) != 0;
    for (uint32_t k = 0; k < ms->size; k++) {
        char mw[160];
        snprintf(mw, sizeof mw, "%s, method %u", what, k);
        if (!decode_method(d, &mt[k], &ms->ptr[k], mw))
            return 0;
        mt[k].slot = disp ? COMRT_TL_NO_SLOT : it->base_slots + k;
    }
    it->nmethods = ms->size;
    it->methods = mt;
    it->num_slots = disp ? it->base_slots : it->base_slots + ms->size;
    const msgpack_object_array *ps = get_arr(d, m, "props", what);
    if (!ps)
        return 0;
    comrt_tl_property *pr = dalloc(d, ps->size ? ps->size : 1, sizeof *pr);
    if (!pr)
        return 0;
    for (uint32_t k = 0; k < ps->size; k++) {
        const msgpack_object *pm = &ps->ptr[k];
        if (pm->type != MSGPACK_OBJECT_MAP || !get_str(d, pm, "name", &pr[k].name, 1, what) ||
            !get_i32(d, pm, "dispid", &pr[k].dispid, what) || !get_u32(d, pm, "f", &pr[k].flags, 0, what) ||
            !(pr[k].type = type_ref(d, pm, "t", what)) || !get_str(d, pm, "help", &pr[k].helpstring, 0, what))
            return bad(d, "%s: malformed property %u", what, k);
        if (!check_type_ctx(d, pr[k].type, 1, 0, what))
            return 0;
    }
    it->nprops = ps->size;
    it->props = pr;
    return 1;
}

static int decode_coclass(dec *d, comrt_tl_coclass *c, const msgpack_object *m, uint32_t i)
{
    char what[48];
    snprintf(what, sizeof what, "coclass %u", i);
    if (m->type != MSGPACK_OBJECT_MAP || !get_str(d, m, "name", &c->name, 1, what) ||
        !get_guid(d, mget(m, "clsid"), &c->clsid, what) || !get_u32(d, m, "f", &c->flags, 0, what) ||
        !get_ver(d, m, &c->ver_major, &c->ver_minor, what) || !get_str(d, m, "help", &c->helpstring, 0, what))
        return bad(d, "%s is malformed", what);
    const msgpack_object_array *is = get_arr(d, m, "impls", what);
    if (!is)
        return 0;
    comrt_tl_impl *im = dalloc(d, is->size ? is->size : 1, sizeof *im);
    if (!im)
        return 0;
    for (uint32_t k = 0; k < is->size; k++) {
        const msgpack_object *e = &is->ptr[k];
        if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 3 ||
            e->via.array.ptr[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || e->via.array.ptr[2].via.u64 > UINT32_MAX)
            return bad(d, "%s: malformed interface entry %u", what, k);
        if (!(im[k].name = str_of(d, &e->via.array.ptr[0], what)) ||
            !get_guid(d, &e->via.array.ptr[1], &im[k].iid, what))
            return 0;
        im[k].flags = (uint32_t)e->via.array.ptr[2].via.u64;
    }
    c->nimpls = is->size;
    c->impls = im;
    return 1;
}

/* Links parents by IID and checks inherited slot counts against them. */
static int link_interfaces(dec *d)
{
    comrt_tl_library *l = d->lib;
    comrt_tl_interface *its = (comrt_tl_interface *)l->interfaces;
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        comrt_tl_interface *it = &its[i];
        if (!it->parent_name) {
            if (it->base_slots != 0 && !(it->flags & COMRT_TL_I_DISPINTERFACE))
                return bad(d, "interface '%s' has no parent but inherits %u slots", it->name, it->base_slots);
            continue;
        }
        for (uint32_t k = 0; k < l->ninterfaces; k++)
            if (IsEqualIID(&its[k].iid, &it->parent_iid) && k != i) {
                it->parent = &its[k];
                break;
            }
    }
    /* Walk each chain with a step bound: a cycle cannot pass. */
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        const comrt_tl_interface *p = &its[i];
        uint32_t steps = 0;
        while (p->parent) {
            if (++steps > l->ninterfaces)
                return bad(d, "interface '%s' inherits from itself", its[i].name);
            p = p->parent;
        }
        const comrt_tl_interface *it = &its[i];
        if (it->parent && !(it->flags & COMRT_TL_I_DISPINTERFACE) && it->base_slots != it->parent->num_slots)
            return bad(d, "interface '%s' inherits %u slots but its parent '%s' has %u", it->name, it->base_slots,
                       it->parent->name, it->parent->num_slots);
    }
    return 1;
}

static int decode_library(dec *d, const msgpack_object *root)
{
    comrt_tl_library *l = d->lib;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 4)
        return bad(d, "not a comrt type library");
    const msgpack_object *magic = &root->via.array.ptr[0];
    if (magic->type != MSGPACK_OBJECT_STR || magic->via.str.size != strlen(TL_MAGIC) ||
        memcmp(magic->via.str.ptr, TL_MAGIC, strlen(TL_MAGIC)) != 0)
        return bad(d, "not a comrt type library");
    const msgpack_object *m = &root->via.array.ptr[3];
    const char *what = "library";
    if (m->type != MSGPACK_OBJECT_MAP)
        return bad(d, "the library is not a map");
    if (!get_str(d, m, "name", &l->name, 1, what) || !get_guid(d, mget(m, "libid"), &l->libid, what) ||
        !get_ver(d, m, &l->ver_major, &l->ver_minor, what) || !get_u32(d, m, "lcid", &l->lcid, 0, what) ||
        !get_str(d, m, "help", &l->helpstring, 0, what))
        return 0;
    const msgpack_object_array *ts = get_arr(d, m, "types", what), *ss = get_arr(d, m, "structs", what),
                               *es = get_arr(d, m, "enums", what), *is = get_arr(d, m, "interfaces", what),
                               *cs = get_arr(d, m, "coclasses", what), *ks = get_arr(d, m, "consts", what);
    if (!ts || !ss || !es || !is || !cs || !ks)
        return 0;
    d->ntypes = ts->size;
    d->types = dalloc(d, ts->size ? ts->size : 1, sizeof *d->types);
    d->recs = dalloc(d, ss->size ? ss->size : 1, sizeof *d->recs);
    d->enums = dalloc(d, es->size ? es->size : 1, sizeof *d->enums);
    comrt_tl_interface *its = dalloc(d, is->size ? is->size : 1, sizeof *its);
    comrt_tl_coclass *ccs = dalloc(d, cs->size ? cs->size : 1, sizeof *ccs);
    comrt_tl_const *kk = dalloc(d, ks->size ? ks->size : 1, sizeof *kk);
    if (d->failed)
        return 0;
    l->nstructs = ss->size;
    l->structs = d->recs;
    l->nenums = es->size;
    l->enums = d->enums;
    for (uint32_t i = 0; i < ts->size; i++)
        if (!decode_type(d, &d->types[i], &ts->ptr[i], i))
            return 0;
    for (uint32_t i = 0; i < ss->size; i++)
        if (!decode_record(d, &d->recs[i], &ss->ptr[i], i))
            return 0;
    for (uint32_t i = 0; i < es->size; i++)
        if (!decode_enum(d, &d->enums[i], &es->ptr[i], i))
            return 0;
    /* Shape and layout before anything walks the graph further. */
    const char *err = tl_layout(l, d->types, d->ntypes);
    if (err)
        return bad(d, "%s", err);
    for (uint32_t i = 0; i < ss->size; i++)
        for (uint32_t k = 0; k < d->recs[i].nfields; k++)
            if (!check_type_ctx(d, d->recs[i].fields[k].type, 0, d->recs[i].nfields, d->recs[i].name))
                return 0;
    for (uint32_t i = 0; i < is->size; i++)
        if (!decode_interface(d, &its[i], &is->ptr[i], i))
            return 0;
    l->ninterfaces = is->size;
    l->interfaces = its;
    for (uint32_t i = 0; i < cs->size; i++)
        if (!decode_coclass(d, &ccs[i], &cs->ptr[i], i))
            return 0;
    l->ncoclasses = cs->size;
    l->coclasses = ccs;
    for (uint32_t i = 0; i < ks->size; i++) {
        const msgpack_object *km = &ks->ptr[i];
        if (km->type != MSGPACK_OBJECT_MAP || !get_str(d, km, "name", &kk[i].name, 1, "constant") ||
            !(kk[i].type = type_ref(d, km, "t", "constant")) || !get_value(d, mget(km, "value"), &kk[i].value, "constant"))
            return bad(d, "constant %u is malformed", i);
        if (!check_type_ctx(d, kk[i].type, 1, 0, "constant"))
            return 0;
    }
    l->nconsts = ks->size;
    l->consts = kk;
    return link_interfaces(d);
}

HRESULT comrt_typelib_load_memory(const void *data, size_t size, const char *name, comrt_typelib **out)
{
    HRESULT hr = S_OK;
    msgpack_unpacked up;
    int unpacked = 0;
    if (!out)
        return comrt_error_set(E_POINTER, "comrt_typelib_load_memory: out is NULL");
    *out = NULL;
    if (!name)
        name = "<memory>";
    if (!data && size)
        return comrt_error_set(E_INVALIDARG, "%s: no data", name);
    if (size > TL_MAX_FILE)
        return comrt_error_set(TYPE_E_INVDATAREAD, "%s: type library too large (%zu bytes)", name, size);
    comrt_typelib *tl = calloc(1, sizeof *tl);
    if (!tl || !(tl->path = strdup(name))) {
        free(tl);
        return comrt_error_set(E_OUTOFMEMORY, "%s: out of memory loading type library", name);
    }
    atomic_init(&tl->refs, 1);
    const char *why = size ? prescan(data, size) : "empty";
    if (why) {
        /* A file that is not msgpack at all is another format, not a damaged library. */
        hr = comrt_error_set(size && ((const uint8_t *)data)[0] == 0x94 ? TYPE_E_INVDATAREAD : TYPE_E_UNSUPFORMAT,
                             "%s: not a readable comrt type library (%s)", name, why);
        goto fail;
    }
    msgpack_unpacked_init(&up);
    unpacked = 1;
    size_t off = 0;
    msgpack_unpack_return ur = msgpack_unpack_next(&up, data, size, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
        hr = comrt_error_set(E_OUTOFMEMORY, "%s: out of memory loading type library", name);
        goto fail;
    }
    if (ur != MSGPACK_UNPACK_SUCCESS) {
        hr = comrt_error_set(TYPE_E_INVDATAREAD, "%s: malformed type library (msgpack error)", name);
        goto fail;
    }
    const msgpack_object *root = &up.data;
    if (root->type != MSGPACK_OBJECT_ARRAY || root->via.array.size != 4 ||
        root->via.array.ptr[0].type != MSGPACK_OBJECT_STR || root->via.array.ptr[0].via.str.size != strlen(TL_MAGIC) ||
        memcmp(root->via.array.ptr[0].via.str.ptr, TL_MAGIC, strlen(TL_MAGIC)) != 0) {
        hr = comrt_error_set(TYPE_E_UNSUPFORMAT, "%s: not a comrt type library", name);
        goto fail;
    }
    if (root->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        root->via.array.ptr[1].via.u64 != COMRT_TYPELIB_FORMAT_MAJOR) {
        hr = comrt_error_set(TYPE_E_UNSUPFORMAT, "%s: type library format version %lld is not supported (this is %d)",
                             name,
                             root->via.array.ptr[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER
                                 ? (long long)root->via.array.ptr[1].via.u64
                                 : -1LL,
                             COMRT_TYPELIB_FORMAT_MAJOR);
        goto fail;
    }
    dec d;
    memset(&d, 0, sizeof d);
    d.name = name;
    d.a = &tl->arena;
    d.lib = &tl->lib;
    if (!decode_library(&d, root)) {
        if (d.oom)
            hr = comrt_error_set(E_OUTOFMEMORY, "%s: out of memory loading type library", name);
        else
            hr = comrt_error_set(TYPE_E_INVDATAREAD, "%s: malformed type library: %s", name, d.err);
        goto fail;
    }
    msgpack_unpacked_destroy(&up);
    *out = tl;
    return S_OK;
fail:
    if (unpacked)
        msgpack_unpacked_destroy(&up);
    tl_arena_free(&tl->arena);
    free(tl->path);
    free(tl);
    return hr;
}
