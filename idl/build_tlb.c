/*
 * build_tlb.c - turns the resolved syntax tree into the type-library
 * description (comrt_tl_library) that comrt_typelib_save encodes.
 *
 * This is where MIDL's attribute rules become explicit type trees:
 * [size_is(a, b)] applies to successive pointer levels from the top,
 * [string] to the pointer whose elements are characters, [iid_is] to the
 * innermost `void *` or interface pointer, [unique]/[ref]/[ptr] to the top
 * pointer (deeper ones follow pointer_default, else unique). Interface
 * pointers (IFoo *) become one INTERFACE node; an array parameter becomes
 * the pointer C passes.
 */
#include <stdlib.h>
#include <string.h>

#include "idl.h"

typedef struct fixup {
    comrt_tl_type *node;
    uint32_t index;
    int is_enum;
} fixup;

typedef struct builder {
    idl_unit *u;
    idl_decl **ifaces; /* interfaces in library order */
    uint32_t nifaces, capifaces;
    comrt_tl_struct **recs;
    uint32_t nrecs, caprecs;
    comrt_tl_enum **enums;
    uint32_t nenums, capenums;
    fixup *fix;
    size_t nfix, capfix;
    comrt_tl_struct *guid_rec;
    uint32_t guid_index;
    int depth;
} builder;

/* The scope that size_is/length_is/iid_is names resolve in. */
typedef struct scope {
    idl_param *params;  /* method parameters, or */
    idl_field *fields;  /* the enclosing struct's fields */
    const char *owner;  /* for messages */
    idl_attr *attrs;    /* the parameter's or field's attributes */
    int is_param;
    int ptr_default;    /* COMRT_TL_F_* for embedded pointers */
} scope;

#define GROW(arr, n, cap)                                               \
    do {                                                                \
        if ((n) == (cap)) {                                             \
            (cap) = (cap) ? (cap)*2 : 16;                               \
            (arr) = xrealloc((arr), sizeof *(arr) * (size_t)(cap));     \
        }                                                               \
    } while (0)

static comrt_tl_type *new_node(builder *b, uint32_t kind, uint32_t vt, const char *name)
{
    comrt_tl_type *t = idl_alloc(b->u->arena, sizeof *t);
    t->kind = kind;
    t->vt = vt;
    t->name = name ? name : "";
    return t;
}

static void add_fixup(builder *b, comrt_tl_type *node, uint32_t index, int is_enum)
{
    GROW(b->fix, b->nfix, b->capfix);
    b->fix[b->nfix++] = (fixup){node, index, is_enum};
}

/* Expressions ------------------------------------------------------------------ */

typedef struct opbuf {
    comrt_tl_expr_op ops[256];
    uint32_t n;
    int ok;
} opbuf;

static void emit(builder *b, opbuf *o, uint32_t op, int64_t v, idl_loc loc)
{
    if (o->n >= sizeof o->ops / sizeof o->ops[0]) {
        if (o->ok)
            idl_error(b->u->diag, loc, "expression too long");
        o->ok = 0;
        return;
    }
    o->ops[o->n].op = op;
    o->ops[o->n].value = v;
    o->n++;
}

static int find_name(scope *s, const char *name)
{
    int i = 0;
    if (s->is_param) {
        for (idl_param *p = s->params; p; p = p->next, i++)
            if (!strcmp(p->name, name))
                return i;
    } else {
        for (idl_field *f = s->fields; f; f = f->next, i++)
            if (f->name && !strcmp(f->name, name))
                return i;
    }
    return -1;
}

static void conv_expr(builder *b, opbuf *o, idl_expr *e, scope *s, int depth)
{
    if (!e || !o->ok)
        return;
    if (depth > IDL_MAX_DEPTH) {
        idl_error(b->u->diag, e->loc, "expression nests too deeply");
        o->ok = 0;
        return;
    }
    switch (e->kind) {
    case EX_INT:
    case EX_CHAR:
        emit(b, o, COMRT_TL_OP_CONST, (int64_t)e->ival, e->loc);
        return;
    case EX_IDENT: {
        int i = find_name(s, e->str);
        if (i >= 0) {
            emit(b, o, s->is_param ? COMRT_TL_OP_PARAM : COMRT_TL_OP_FIELD, i, e->loc);
            return;
        }
        comrt_tl_value v;
        idl_decl *d = sym_find(b->u, e->str);
        if (d && (d->kind == D_CONST || d->kind == D_ENUMVAL) && expr_eval(b->u, e, &v, 0) &&
            v.kind == COMRT_TL_VAL_INT) {
            emit(b, o, COMRT_TL_OP_CONST, v.i, e->loc);
            return;
        }
        idl_error(b->u->diag, e->loc, "'%s' is not a %s of %s", e->str, s->is_param ? "parameter" : "field",
                  s->owner);
        o->ok = 0;
        return;
    }
    case EX_DEREF:
        if (e->a && e->a->kind == EX_IDENT) {
            int i = find_name(s, e->a->str);
            if (i >= 0) {
                emit(b, o, s->is_param ? COMRT_TL_OP_DEREF_PARAM : COMRT_TL_OP_DEREF_FIELD, i, e->loc);
                return;
            }
        }
        idl_error(b->u->diag, e->loc, "'*' must apply to a %s name", s->is_param ? "parameter" : "field");
        o->ok = 0;
        return;
    case EX_UNARY:
        conv_expr(b, o, e->a, s, depth + 1);
        emit(b, o, e->op == '-' ? COMRT_TL_OP_NEG : e->op == '!' ? COMRT_TL_OP_NOT : COMRT_TL_OP_BITNOT, 0, e->loc);
        return;
    case EX_BINARY: {
        conv_expr(b, o, e->a, s, depth + 1);
        conv_expr(b, o, e->b, s, depth + 1);
        uint32_t op;
        switch (e->op) {
        case '+': op = COMRT_TL_OP_ADD; break;
        case '-': op = COMRT_TL_OP_SUB; break;
        case '*': op = COMRT_TL_OP_MUL; break;
        case '/': op = COMRT_TL_OP_DIV; break;
        case '%': op = COMRT_TL_OP_MOD; break;
        case OP_SHL: op = COMRT_TL_OP_SHL; break;
        case OP_SHR: op = COMRT_TL_OP_SHR; break;
        case '&': op = COMRT_TL_OP_AND; break;
        case '|': op = COMRT_TL_OP_OR; break;
        case '^': op = COMRT_TL_OP_XOR; break;
        case OP_LAND: op = COMRT_TL_OP_LAND; break;
        case OP_LOR: op = COMRT_TL_OP_LOR; break;
        case OP_EQ: op = COMRT_TL_OP_EQ; break;
        case OP_NE: op = COMRT_TL_OP_NE; break;
        case '<': op = COMRT_TL_OP_LT; break;
        case OP_LE: op = COMRT_TL_OP_LE; break;
        case '>': op = COMRT_TL_OP_GT; break;
        default: op = COMRT_TL_OP_GE; break;
        }
        emit(b, o, op, 0, e->loc);
        return;
    }
    case EX_COND:
        conv_expr(b, o, e->a, s, depth + 1);
        conv_expr(b, o, e->b, s, depth + 1);
        conv_expr(b, o, e->c, s, depth + 1);
        emit(b, o, COMRT_TL_OP_COND, 0, e->loc);
        return;
    default:
        idl_error(b->u->diag, e->loc, "only integer expressions are allowed here");
        o->ok = 0;
        return;
    }
}

static const comrt_tl_expr *make_expr(builder *b, idl_expr *e, scope *s, int plus_one)
{
    opbuf o;
    o.n = 0;
    o.ok = 1;
    conv_expr(b, &o, e, s, 0);
    if (plus_one) {
        emit(b, &o, COMRT_TL_OP_CONST, 1, e->loc);
        emit(b, &o, COMRT_TL_OP_ADD, 0, e->loc);
    }
    if (!o.ok || o.n == 0)
        return NULL;
    comrt_tl_expr *x = idl_alloc(b->u->arena, sizeof *x);
    comrt_tl_expr_op *ops = idl_alloc(b->u->arena, sizeof *ops * o.n);
    memcpy(ops, o.ops, sizeof *ops * o.n);
    x->nops = o.n;
    x->ops = ops;
    return x;
}

/* The argument of attribute name for pointer level `level`, or NULL. */
static idl_expr *level_arg(idl_attr *attrs, const char *name, int level)
{
    idl_attr *a = attr_find(attrs, name);
    if (!a || level >= a->nargs)
        return NULL;
    return a->args[level];
}

/* Types ---------------------------------------------------------------------------- */

static comrt_tl_type *conv(builder *b, idl_type *t, scope *s, int level, const char *alias);

static const comrt_tl_type *builtin_node(builder *b, const idl_builtin *bi);

static comrt_tl_type *guid_node(builder *b, const char *name)
{
    if (!b->guid_rec) {
        static const char *const names[4] = {"Data1", "Data2", "Data3", "Data4"};
        comrt_tl_field *f = idl_alloc(b->u->arena, sizeof *f * 4);
        for (int i = 0; i < 4; i++)
            f[i].name = names[i];
        f[0].type = builtin_node(b, builtin_lookup("ULONG"));
        f[1].type = builtin_node(b, builtin_lookup("USHORT"));
        f[2].type = builtin_node(b, builtin_lookup("USHORT"));
        comrt_tl_type *arr = new_node(b, COMRT_TL_ARRAY, VT_CARRAY, "");
        arr->elem = builtin_node(b, builtin_lookup("BYTE"));
        arr->count = 8;
        f[3].type = arr;
        b->guid_rec = idl_alloc(b->u->arena, sizeof *b->guid_rec);
        b->guid_rec->name = "GUID";
        b->guid_rec->nfields = 4;
        b->guid_rec->fields = f;
        GROW(b->recs, b->nrecs, b->caprecs);
        b->guid_index = b->nrecs;
        b->recs[b->nrecs++] = b->guid_rec;
    }
    comrt_tl_type *n = new_node(b, COMRT_TL_STRUCT, VT_RECORD, name);
    add_fixup(b, n, b->guid_index, 0);
    return n;
}

static const comrt_tl_type *builtin_node(builder *b, const idl_builtin *bi)
{
    if (bi->flags & IDL_BI_GUID)
        return guid_node(b, bi->name);
    if (bi->kind == COMRT_TL_PTR) {
        comrt_tl_type *p = new_node(b, COMRT_TL_PTR, bi->vt, bi->name);
        const idl_builtin *e = builtin_lookup(bi->elem);
        p->elem = builtin_node(b, e);
        if (bi->flags & IDL_BI_STRING)
            p->flags |= COMRT_TL_F_STRING;
        if (bi->flags & IDL_BI_CONST)
            p->flags |= COMRT_TL_F_CONST;
        p->flags |= (bi->flags & IDL_BI_REF) ? COMRT_TL_F_REF : COMRT_TL_F_UNIQUE;
        return p;
    }
    return new_node(b, bi->kind, bi->vt, bi->name);
}

static comrt_tl_type *iface_node(builder *b, idl_decl *d, const char *name)
{
    comrt_tl_type *n = new_node(b, COMRT_TL_INTERFACE, VT_UNKNOWN, name);
    if (d) {
        n->iid = d->uuid;
        n->iface_name = d->name;
        idl_decl *p = d;
        for (int i = 0; p && i < IDL_MAX_DEPTH; i++, p = p->parent)
            if (!strcmp(p->name, "IDispatch")) {
                n->vt = VT_DISPATCH;
                break;
            }
    } else {
        n->iid = IID_IUnknown;
        n->iface_name = "IUnknown";
    }
    return n;
}

static comrt_tl_type *conv_record(builder *b, idl_type *t, const char *alias)
{
    idl_type *def = t;
    if (!t->has_body) {
        def = t->decl ? t->decl->type : NULL;
        if (!def) {
            idl_error(b->u->diag, t->loc, "%s '%s' is used but never defined", t->kind == TY_ENUM ? "enum" : "struct",
                      t->name ? t->name : "");
            return NULL;
        }
    }
    const char *recname = def->tlname ? def->tlname : def->name ? def->name : alias ? alias : "";
    const char *name = alias ? alias : recname;
    if (def->kind == TY_UNION) {
        idl_error(b->u->diag, t->loc, "unions cannot be described in a type library");
        return NULL;
    }
    if (def->kind == TY_ENUM) {
        comrt_tl_type *n = new_node(b, COMRT_TL_ENUM, VT_I4, name);
        if (!def->tl) {
            comrt_tl_enum *en = idl_alloc(b->u->arena, sizeof *en);
            en->name = recname;
            uint32_t nv = 0;
            for (idl_enumval *v = def->values; v; v = v->next)
                nv++;
            comrt_tl_enum_value *vals = idl_alloc(b->u->arena, sizeof *vals * (nv ? nv : 1));
            nv = 0;
            for (idl_enumval *v = def->values; v; v = v->next, nv++) {
                vals[nv].name = v->name;
                vals[nv].value = v->value;
            }
            en->nvalues = nv;
            en->values = vals;
            GROW(b->enums, b->nenums, b->capenums);
            b->enums[b->nenums] = en;
            def->tl = (void *)(uintptr_t)(b->nenums + 1);
            b->nenums++;
        }
        add_fixup(b, n, (uint32_t)((uintptr_t)def->tl - 1), 1);
        return n;
    }
    comrt_tl_type *n = new_node(b, COMRT_TL_STRUCT, VT_RECORD, name);
    if (!def->tl) {
        comrt_tl_struct *r = idl_alloc(b->u->arena, sizeof *r);
        r->name = recname;
        GROW(b->recs, b->nrecs, b->caprecs);
        uint32_t idx = b->nrecs++;
        b->recs[idx] = r;
        def->tl = (void *)(uintptr_t)(idx + 1); /* before the fields: self-reference through pointers */
        uint32_t nf = 0;
        for (idl_field *f = def->fields; f; f = f->next)
            nf++;
        comrt_tl_field *fields = idl_alloc(b->u->arena, sizeof *fields * (nf ? nf : 1));
        nf = 0;
        if (++b->depth > IDL_MAX_DEPTH) {
            idl_error(b->u->diag, t->loc, "structs nest too deeply");
            b->depth--;
            return NULL;
        }
        for (idl_field *f = def->fields; f; f = f->next, nf++) {
            scope s = {0};
            s.fields = def->fields;
            s.attrs = f->attrs;
            s.owner = idl_printf(b->u->arena, "struct %s", name);
            s.ptr_default = COMRT_TL_F_UNIQUE;
            fields[nf].name = f->name ? f->name : "";
            fields[nf].type = conv(b, f->type, &s, 0, NULL);
            if (!fields[nf].type) {
                b->depth--;
                return NULL;
            }
        }
        b->depth--;
        r->nfields = nf;
        r->fields = fields;
    }
    add_fixup(b, n, (uint32_t)((uintptr_t)def->tl - 1), 0);
    return n;
}

static int is_char_kind(const comrt_tl_type *t)
{
    return t && (t->kind == COMRT_TL_I1 || t->kind == COMRT_TL_U1 || t->kind == COMRT_TL_I2 || t->kind == COMRT_TL_U2);
}

static comrt_tl_type *conv_pointer(builder *b, idl_type *t, idl_type *sub, scope *s, int level, int is_array)
{
    idl_type *target = type_strip(sub);
    idl_decl *iface = type_interface(sub);
    if (iface && !is_array) {
        comrt_tl_type *n = iface_node(b, iface, iface->name);
        idl_attr *ii = attr_find(s->attrs, "iid_is");
        if (ii && ii->nargs >= 1 && ii->args[0])
            n->iid_is = make_expr(b, ii->args[0], s, 0);
        return n;
    }
    if (target && target->kind == TY_BUILTIN && target->bi->kind == COMRT_TL_VOID && !is_array) {
        idl_attr *ii = attr_find(s->attrs, "iid_is");
        if (ii && ii->nargs >= 1 && ii->args[0]) {
            comrt_tl_type *n = iface_node(b, NULL, "void");
            n->iid_is = make_expr(b, ii->args[0], s, 0);
            return n;
        }
    }
    comrt_tl_type *p = new_node(b, COMRT_TL_PTR, VT_PTR, "");
    if (s->is_param && level == 0) {
        p->flags |= attr_has(s->attrs, "unique") ? COMRT_TL_F_UNIQUE
                    : attr_has(s->attrs, "ptr")  ? COMRT_TL_F_FULL
                                                 : COMRT_TL_F_REF;
    } else if (level == 0 && (attr_has(s->attrs, "unique") || attr_has(s->attrs, "ref") || attr_has(s->attrs, "ptr"))) {
        p->flags |= attr_has(s->attrs, "unique") ? COMRT_TL_F_UNIQUE
                    : attr_has(s->attrs, "ref")  ? COMRT_TL_F_REF
                                                 : COMRT_TL_F_FULL;
    } else {
        p->flags |= (uint32_t)s->ptr_default;
    }
    if (sub->is_const)
        p->flags |= COMRT_TL_F_CONST;
    idl_expr *sz = level_arg(s->attrs, "size_is", level);
    idl_expr *mx = level_arg(s->attrs, "max_is", level);
    idl_expr *ln = level_arg(s->attrs, "length_is", level);
    if (sz)
        p->size_is = make_expr(b, sz, s, 0);
    else if (mx)
        p->size_is = make_expr(b, mx, s, 1);
    else if (is_array && t->count) {
        comrt_tl_expr *x = idl_alloc(b->u->arena, sizeof *x);
        comrt_tl_expr_op *op = idl_alloc(b->u->arena, sizeof *op);
        op->op = COMRT_TL_OP_CONST;
        op->value = (int64_t)t->count;
        x->nops = 1;
        x->ops = op;
        p->size_is = x;
    }
    if (ln)
        p->length_is = make_expr(b, ln, s, 0);
    p->elem = conv(b, sub, s, level + 1, NULL);
    if (!p->elem)
        return NULL;
    return p;
}

static comrt_tl_type *conv(builder *b, idl_type *t, scope *s, int level, const char *alias)
{
    if (!t)
        return NULL;
    if (level > IDL_MAX_DEPTH) {
        idl_error(b->u->diag, t->loc, "type nests too deeply");
        return NULL;
    }
    switch (t->kind) {
    case TY_BUILTIN: {
        const comrt_tl_type *n = builtin_node(b, t->bi);
        if (n->kind == COMRT_TL_PTR) {
            /* LPSTR & co. take per-use attributes like any pointer */
            comrt_tl_type *c = new_node(b, n->kind, n->vt, n->name);
            *c = *n;
            if (s->is_param && level == 0 && !attr_has(s->attrs, "unique") && !attr_has(s->attrs, "ptr") &&
                !(t->bi->flags & IDL_BI_REF))
                c->flags = (c->flags & ~(uint32_t)COMRT_TL_F_UNIQUE) | COMRT_TL_F_REF;
            if (attr_has(s->attrs, "unique") && level == 0)
                c->flags = (c->flags & ~(uint32_t)COMRT_TL_F_REF) | COMRT_TL_F_UNIQUE;
            idl_expr *sz = level_arg(s->attrs, "size_is", level);
            if (sz)
                c->size_is = make_expr(b, sz, s, 0);
            return c;
        }
        return (comrt_tl_type *)n;
    }
    case TY_NAMED: {
        if (!t->decl)
            return NULL;
        if (t->decl->kind == D_TYPEDEF) {
            idl_type *under = t->decl->type;
            comrt_tl_type *n = conv(b, under, s, level, t->name);
            return n;
        }
        /* An interface by value: only as the target of a pointer (handled there). */
        idl_error(b->u->diag, t->loc, "interface '%s' used by value; use a pointer", t->name);
        return NULL;
    }
    case TY_STRUCT:
    case TY_ENUM:
    case TY_UNION:
        return conv_record(b, t, alias);
    case TY_SAFEARRAY: {
        comrt_tl_type *n = new_node(b, COMRT_TL_SAFEARRAY, VT_SAFEARRAY, alias);
        scope inner = *s;
        inner.attrs = NULL;
        n->elem = conv(b, t->sub, &inner, 0, NULL);
        return n->elem ? n : NULL;
    }
    case TY_POINTER: {
        comrt_tl_type *n = conv_pointer(b, t, t->sub, s, level, 0);
        if (n && alias && !*n->name)
            n->name = alias;
        return n;
    }
    case TY_ARRAY:
        if (s->is_param && level == 0)
            return conv_pointer(b, t, t->sub, s, level, 1);
        {
            comrt_tl_type *n = new_node(b, COMRT_TL_ARRAY, VT_CARRAY, alias);
            n->count = (uint32_t)t->count;
            idl_expr *sz = level_arg(s->attrs, "size_is", level);
            idl_expr *ln = level_arg(s->attrs, "length_is", level);
            if (!t->count && !sz) {
                idl_error(b->u->diag, t->loc, "array without a size needs [size_is]");
                return NULL;
            }
            if (sz)
                n->size_is = make_expr(b, sz, s, 0);
            if (ln)
                n->length_is = make_expr(b, ln, s, 0);
            n->elem = conv(b, t->sub, s, level + 1, NULL);
            return n->elem ? n : NULL;
        }
    }
    return NULL;
}

/* [string] marks the pointer or array whose elements are characters. */
static void apply_string(builder *b, comrt_tl_type *top, idl_attr *attrs, idl_loc loc)
{
    if (!attr_has(attrs, "string"))
        return;
    comrt_tl_type *target = NULL;
    for (comrt_tl_type *t = top; t && (t->kind == COMRT_TL_PTR || t->kind == COMRT_TL_ARRAY);
         t = (comrt_tl_type *)t->elem)
        if (is_char_kind(t->elem))
            target = t;
    if (!target)
        idl_error(b->u->diag, loc, "[string] needs a pointer or array of characters");
    else
        target->flags |= COMRT_TL_F_STRING;
}

static comrt_tl_type *conv_top(builder *b, idl_type *t, scope *s, idl_loc loc)
{
    comrt_tl_type *n = conv(b, t, s, 0, NULL);
    if (n)
        apply_string(b, n, s->attrs, loc);
    return n;
}

/* Interfaces --------------------------------------------------------------------- */

static const char *helpstring(idl_attr *attrs)
{
    idl_attr *a = attr_find(attrs, "helpstring");
    if (a && a->nargs >= 1 && a->args[0] && a->args[0]->kind == EX_STRING)
        return a->args[0]->str;
    return NULL;
}

static void version(idl_attr *attrs, uint16_t *maj, uint16_t *min)
{
    idl_attr *a = attr_find(attrs, "version");
    unsigned x = 0, y = 0;
    if (a && a->text && sscanf(a->text, "%u.%u", &x, &y) >= 1 && x <= 65535 && y <= 65535) {
        *maj = (uint16_t)x;
        *min = (uint16_t)y;
    } else {
        *maj = a ? 0 : 1;
        *min = 0;
    }
}

static int attr_int(builder *b, idl_attr *attrs, const char *name, int64_t *out)
{
    idl_attr *a = attr_find(attrs, name);
    comrt_tl_value v;
    if (!a || a->nargs < 1 || !a->args[0])
        return 0;
    if (!expr_eval(b->u, a->args[0], &v, 0) || v.kind != COMRT_TL_VAL_INT) {
        idl_error(b->u->diag, a->loc, "%s(...) needs an integer constant", name);
        return 0;
    }
    *out = v.i;
    return 1;
}

static void add_iface(builder *b, idl_decl *d, int depth)
{
    if (!d || d->tl_index || depth > IDL_MAX_DEPTH)
        return;
    if (d->def)
        d = d->def;
    if (!d->defined || d->tl_index)
        return;
    add_iface(b, d->parent, depth + 1);
    GROW(b->ifaces, b->nifaces, b->capifaces);
    b->ifaces[b->nifaces++] = d;
    d->tl_index = (int)b->nifaces;
}

static void collect(builder *b, idl_decl *list)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY)
            collect(b, d->members);
        else if ((d->kind == D_INTERFACE || d->kind == D_DISPINTERFACE)) {
            idl_decl *def = d->def ? d->def : d;
            if (def->defined && (def->kind == D_DISPINTERFACE || def->parent || def->methods))
                add_iface(b, def, 0);
        }
    }
}

static void fill_method(builder *b, comrt_tl_method *tm, idl_method *m, idl_decl *d, uint32_t index)
{
    tm->name = m->name;
    int64_t id;
    tm->dispid = attr_int(b, m->attrs, "id", &id) ? (int32_t)id : (int32_t)(0x60020000 + index);
    tm->invkind = attr_has(m->attrs, "propget")      ? COMRT_TL_INVOKE_PROPGET
                  : attr_has(m->attrs, "propput")    ? COMRT_TL_INVOKE_PROPPUT
                  : attr_has(m->attrs, "propputref") ? COMRT_TL_INVOKE_PROPPUTREF
                                                     : COMRT_TL_INVOKE_FUNC;
    tm->flags = (attr_has(m->attrs, "hidden") ? COMRT_TL_M_HIDDEN : 0) |
                (attr_has(m->attrs, "restricted") ? COMRT_TL_M_RESTRICTED : 0) |
                (attr_has(m->attrs, "vararg") ? COMRT_TL_M_VARARG : 0) |
                (attr_has(m->attrs, "local") ? COMRT_TL_M_LOCAL : 0);
    tm->helpstring = helpstring(m->attrs);
    scope rs = {0};
    rs.is_param = 1;
    rs.params = m->params;
    rs.owner = m->name;
    rs.ptr_default = COMRT_TL_F_UNIQUE;
    tm->ret = conv_top(b, m->ret, &rs, m->loc);
    comrt_tl_param *ps = idl_alloc(b->u->arena, sizeof *ps * (size_t)(m->nparams ? m->nparams : 1));
    uint32_t i = 0;
    for (idl_param *p = m->params; p; p = p->next, i++) {
        scope s = rs;
        s.attrs = p->attrs;
        idl_attr *pd = attr_find(d->attrs, "pointer_default");
        if (pd && pd->nargs == 1 && pd->args[0] && pd->args[0]->kind == EX_IDENT)
            s.ptr_default = !strcmp(pd->args[0]->str, "ref")   ? COMRT_TL_F_REF
                            : !strcmp(pd->args[0]->str, "ptr") ? COMRT_TL_F_FULL
                                                                : COMRT_TL_F_UNIQUE;
        ps[i].name = p->name;
        int in = attr_has(p->attrs, "in"), out = attr_has(p->attrs, "out");
        ps[i].flags = (in || !out ? COMRT_TL_P_IN : 0) | (out ? COMRT_TL_P_OUT : 0) |
                      (attr_has(p->attrs, "retval") ? COMRT_TL_P_RETVAL : 0) |
                      (attr_has(p->attrs, "optional") ? COMRT_TL_P_OPTIONAL : 0) |
                      (attr_has(p->attrs, "lcid") ? COMRT_TL_P_LCID : 0);
        idl_attr *dv = attr_find(p->attrs, "defaultvalue");
        if (dv && dv->nargs >= 1 && dv->args[0] && expr_eval(b->u, dv->args[0], &ps[i].defval, 0))
            ps[i].flags |= COMRT_TL_P_DEFAULT;
        ps[i].type = conv_top(b, p->type, &s, p->loc);
    }
    tm->nparams = i;
    tm->params = ps;
}

static void fill_interface(builder *b, comrt_tl_interface *ti, idl_decl *d, comrt_tl_interface *all)
{
    ti->name = d->name;
    ti->iid = d->uuid;
    int disp = d->kind == D_DISPINTERFACE;
    ti->flags = (attr_has(d->attrs, "dual") ? COMRT_TL_I_DUAL : 0) |
                (attr_has(d->attrs, "oleautomation") ? COMRT_TL_I_OLEAUTOMATION : 0) |
                (attr_has(d->attrs, "local") ? COMRT_TL_I_LOCAL : 0) |
                (attr_has(d->attrs, "nonextensible") ? COMRT_TL_I_NONEXTENSIBLE : 0) |
                (attr_has(d->attrs, "hidden") ? COMRT_TL_I_HIDDEN : 0) |
                (attr_has(d->attrs, "restricted") ? COMRT_TL_I_RESTRICTED : 0) |
                (disp ? COMRT_TL_I_DISPINTERFACE : 0) | (d->import_file ? COMRT_TL_I_EXTERNAL : 0);
    version(d->attrs, &ti->ver_major, &ti->ver_minor);
    if (!attr_find(d->attrs, "version"))
        ti->ver_major = 0;
    ti->helpstring = helpstring(d->attrs);
    if (d->parent) {
        ti->parent_name = d->parent->name;
        ti->parent_iid = d->parent->uuid;
        ti->parent = d->parent->tl_index ? &all[d->parent->tl_index - 1] : NULL;
    }
    uint32_t nm = 0;
    for (idl_method *m = d->methods; m; m = m->next)
        nm++;
    ti->base_slots = disp ? 7 : (uint32_t)d->nslots - nm;
    ti->num_slots = disp ? 7 : (uint32_t)d->nslots;
    comrt_tl_method *ms = idl_alloc(b->u->arena, sizeof *ms * (nm ? nm : 1));
    uint32_t i = 0;
    for (idl_method *m = d->methods; m; m = m->next, i++) {
        fill_method(b, &ms[i], m, d, i);
        ms[i].slot = disp ? COMRT_TL_NO_SLOT : ti->base_slots + i;
    }
    ti->nmethods = nm;
    ti->methods = ms;
    uint32_t np = 0;
    for (idl_field *f = d->props; f; f = f->next)
        np++;
    comrt_tl_property *props = idl_alloc(b->u->arena, sizeof *props * (np ? np : 1));
    i = 0;
    for (idl_field *f = d->props; f; f = f->next, i++) {
        int64_t id;
        scope s = {0};
        s.is_param = 1;
        s.attrs = f->attrs;
        s.owner = d->name;
        s.ptr_default = COMRT_TL_F_UNIQUE;
        props[i].name = f->name;
        props[i].dispid = attr_int(b, f->attrs, "id", &id) ? (int32_t)id : (int32_t)(0x60020000 + nm + i);
        props[i].flags = attr_has(f->attrs, "readonly") ? COMRT_TL_PROP_READONLY : 0;
        props[i].type = conv_top(b, f->type, &s, f->loc);
        props[i].helpstring = helpstring(f->attrs);
    }
    ti->nprops = np;
    ti->props = props;
}

static void collect_coclasses(builder *b, idl_decl *list, comrt_tl_coclass *out, uint32_t *n, int count_only)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY) {
            collect_coclasses(b, d->members, out, n, count_only);
            continue;
        }
        if (d->kind != D_COCLASS)
            continue;
        if (!count_only) {
            comrt_tl_coclass *c = &out[*n];
            c->name = d->name;
            c->clsid = d->uuid;
            c->flags = (attr_has(d->attrs, "noncreatable") ? COMRT_TL_C_NONCREATABLE : 0) |
                       (attr_has(d->attrs, "hidden") ? COMRT_TL_C_HIDDEN : 0);
            version(d->attrs, &c->ver_major, &c->ver_minor);
            if (!attr_find(d->attrs, "version"))
                c->ver_major = 0;
            c->helpstring = helpstring(d->attrs);
            uint32_t ni = 0;
            for (idl_coclass_item *it = d->items; it; it = it->next)
                ni++;
            comrt_tl_impl *impls = idl_alloc(b->u->arena, sizeof *impls * (ni ? ni : 1));
            ni = 0;
            for (idl_coclass_item *it = d->items; it; it = it->next) {
                if (!it->decl)
                    continue;
                impls[ni].name = it->decl->name;
                impls[ni].iid = it->decl->uuid;
                impls[ni].flags = (attr_has(it->attrs, "default") ? COMRT_TL_IMPL_DEFAULT : 0) |
                                  (attr_has(it->attrs, "source") ? COMRT_TL_IMPL_SOURCE : 0) |
                                  (attr_has(it->attrs, "restricted") ? COMRT_TL_IMPL_RESTRICTED : 0);
                ni++;
            }
            c->nimpls = ni;
            c->impls = impls;
        }
        (*n)++;
    }
}

static void collect_types(builder *b, idl_decl *list)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY) {
            collect_types(b, d->members);
            continue;
        }
        scope s = {0};
        s.owner = d->name ? d->name : "a type";
        s.ptr_default = COMRT_TL_F_UNIQUE;
        if (d->kind == D_TYPEDEF) {
            idl_type *t = d->type;
            if (t->kind == TY_STRUCT || t->kind == TY_ENUM)
                conv(b, t, &s, 0, d->name);
        } else if (d->kind == D_STRUCT || d->kind == D_ENUM) {
            conv(b, d->type, &s, 0, NULL);
        }
    }
}

static uint32_t count_consts(idl_decl *list)
{
    uint32_t n = 0;
    for (idl_decl *d = list; d; d = d->next)
        n += d->kind == D_LIBRARY ? count_consts(d->members) : d->kind == D_CONST && d->state == 2;
    return n;
}

static void fill_consts(builder *b, idl_decl *list, comrt_tl_const *out, uint32_t *n)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY) {
            fill_consts(b, d->members, out, n);
        } else if (d->kind == D_CONST && d->state == 2) {
            scope s = {0};
            s.owner = d->name;
            s.ptr_default = COMRT_TL_F_UNIQUE;
            out[*n].name = d->name;
            out[*n].type = conv(b, d->type, &s, 0, NULL);
            out[*n].value = d->value;
            if (out[*n].type)
                (*n)++;
        }
    }
}

comrt_tl_library *build_tlb(idl_unit *u)
{
    builder b;
    memset(&b, 0, sizeof b);
    b.u = u;
    int errors = u->diag->errors;
    idl_decl *libd = u->library;
    comrt_tl_library *lib = idl_alloc(u->arena, sizeof *lib);
    if (!libd) {
        idl_error(u->diag, (idl_loc){u->main_file, 1, 1}, "a type library needs a library block");
        return NULL;
    }
    lib->name = libd->name;
    lib->libid = libd->uuid;
    version(libd->attrs, &lib->ver_major, &lib->ver_minor);
    if (!attr_find(libd->attrs, "version"))
        lib->ver_major = 0;
    int64_t lcid = 0;
    if (attr_int(&b, libd->attrs, "lcid", &lcid))
        lib->lcid = (uint32_t)lcid;
    lib->helpstring = helpstring(libd->attrs);

    /* Records take the name of the typedef that names them directly. */
    for (idl_decl *d = u->all; d; d = d->anext)
        if (d->kind == D_TYPEDEF && d->type && (d->type->kind == TY_STRUCT || d->type->kind == TY_ENUM) &&
            d->type->has_body && !d->type->tlname)
            d->type->tlname = d->name;
    collect(&b, u->decls);
    comrt_tl_interface *ifs = idl_alloc(u->arena, sizeof *ifs * (b.nifaces ? b.nifaces : 1));
    for (uint32_t i = 0; i < b.nifaces; i++)
        fill_interface(&b, &ifs[i], b.ifaces[i], ifs);
    lib->ninterfaces = b.nifaces;
    lib->interfaces = ifs;

    uint32_t nc = 0;
    collect_coclasses(&b, u->decls, NULL, &nc, 1);
    comrt_tl_coclass *cs = idl_alloc(u->arena, sizeof *cs * (nc ? nc : 1));
    nc = 0;
    collect_coclasses(&b, u->decls, cs, &nc, 0);
    lib->ncoclasses = nc;
    lib->coclasses = cs;

    collect_types(&b, u->decls);
    uint32_t nk = count_consts(u->decls);
    comrt_tl_const *ks = idl_alloc(u->arena, sizeof *ks * (nk ? nk : 1));
    nk = 0;
    fill_consts(&b, u->decls, ks, &nk);
    lib->nconsts = nk;
    lib->consts = ks;

    /* Records into contiguous arrays, and the type nodes pointed at them. */
    comrt_tl_struct *recs = idl_alloc(u->arena, sizeof *recs * (b.nrecs ? b.nrecs : 1));
    for (uint32_t i = 0; i < b.nrecs; i++)
        recs[i] = *b.recs[i];
    comrt_tl_enum *ens = idl_alloc(u->arena, sizeof *ens * (b.nenums ? b.nenums : 1));
    for (uint32_t i = 0; i < b.nenums; i++)
        ens[i] = *b.enums[i];
    for (size_t i = 0; i < b.nfix; i++) {
        if (b.fix[i].is_enum)
            b.fix[i].node->enumeration = &ens[b.fix[i].index];
        else
            b.fix[i].node->record = &recs[b.fix[i].index];
    }
    lib->nstructs = b.nrecs;
    lib->structs = recs;
    lib->nenums = b.nenums;
    lib->enums = ens;
    free(b.ifaces);
    free(b.recs);
    free(b.enums);
    free(b.fix);
    return u->diag->errors > errors ? NULL : lib;
}
