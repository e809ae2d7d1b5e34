/*
 * resolve.c - the semantic pass: binds names to declarations, evaluates
 * constants and array sizes, counts vtable slots along inheritance, and
 * checks what MIDL would reject (unknown types, [out] non-pointers,
 * [retval] not last, missing uuids, inheritance cycles).
 */
#include <string.h>

#include "idl.h"

/* Constants ------------------------------------------------------------------- */

static int eval_enum(idl_unit *u, idl_type *t, int depth);

static int eval_ident(idl_unit *u, idl_expr *e, comrt_tl_value *out, int depth)
{
    idl_decl *d = sym_find(u, e->str);
    if (!d) {
        idl_error(u->diag, e->loc, "'%s' is not a constant", e->str);
        return 0;
    }
    if (d->kind == D_ENUMVAL) {
        /* earlier enumerators of the enum being evaluated are usable */
        if (!d->enumval->done && !eval_enum(u, d->enumval->owner, depth + 1))
            return 0;
        out->kind = COMRT_TL_VAL_INT;
        out->i = d->enumval->value;
        return 1;
    }
    if (d->kind == D_CONST) {
        if (d->state == 1) {
            idl_error(u->diag, e->loc, "constant '%s' is defined in terms of itself", e->str);
            return 0;
        }
        if (d->state == 0) {
            d->state = 1;
            int ok = expr_eval(u, d->expr, &d->value, depth + 1);
            d->state = ok ? 2 : 3;
        }
        if (d->state != 2)
            return 0;
        *out = d->value;
        return 1;
    }
    idl_error(u->diag, e->loc, "'%s' is not a constant", e->str);
    return 0;
}

int expr_eval(idl_unit *u, idl_expr *e, comrt_tl_value *out, int depth)
{
    memset(out, 0, sizeof *out);
    if (!e)
        return 0;
    if (depth > IDL_MAX_DEPTH * 4) {
        idl_error(u->diag, e->loc, "constant expression nests too deeply");
        return 0;
    }
    comrt_tl_value a, b, c;
    switch (e->kind) {
    case EX_INT:
    case EX_CHAR:
        out->kind = COMRT_TL_VAL_INT;
        out->i = (int64_t)e->ival;
        return 1;
    case EX_FLOAT:
        out->kind = COMRT_TL_VAL_FLOAT;
        out->d = e->fval;
        return 1;
    case EX_STRING:
        out->kind = COMRT_TL_VAL_STRING;
        out->s = e->str;
        return 1;
    case EX_IDENT:
        return eval_ident(u, e, out, depth);
    case EX_SIZEOF:
        idl_error(u->diag, e->loc, "sizeof is not supported in constant expressions");
        return 0;
    case EX_DEREF:
        idl_error(u->diag, e->loc, "'*' needs a parameter or field, not a constant");
        return 0;
    case EX_COND:
        if (!expr_eval(u, e->a, &c, depth + 1) || !expr_eval(u, e->b, &a, depth + 1) ||
            !expr_eval(u, e->c, &b, depth + 1))
            return 0;
        if (c.kind != COMRT_TL_VAL_INT) {
            idl_error(u->diag, e->loc, "condition is not an integer");
            return 0;
        }
        *out = c.i ? a : b;
        return 1;
    case EX_UNARY:
        if (!expr_eval(u, e->a, &a, depth + 1))
            return 0;
        if (a.kind == COMRT_TL_VAL_FLOAT && e->op == '-') {
            *out = a;
            out->d = -a.d;
            return 1;
        }
        if (a.kind != COMRT_TL_VAL_INT) {
            idl_error(u->diag, e->loc, "operand of '%c' is not an integer", e->op);
            return 0;
        }
        out->kind = COMRT_TL_VAL_INT;
        out->i = e->op == '-' ? (int64_t)(0 - (uint64_t)a.i) : e->op == '!' ? !a.i : ~a.i;
        return 1;
    case EX_BINARY:
        break;
    }
    if (!expr_eval(u, e->a, &a, depth + 1) || !expr_eval(u, e->b, &b, depth + 1))
        return 0;
    if (a.kind == COMRT_TL_VAL_FLOAT || b.kind == COMRT_TL_VAL_FLOAT) {
        double x = a.kind == COMRT_TL_VAL_FLOAT ? a.d : (double)a.i;
        double y = b.kind == COMRT_TL_VAL_FLOAT ? b.d : (double)b.i;
        if (a.kind == COMRT_TL_VAL_STRING || b.kind == COMRT_TL_VAL_STRING || !strchr("+-*/", e->op)) {
            idl_error(u->diag, e->loc, "invalid operands in constant expression");
            return 0;
        }
        out->kind = COMRT_TL_VAL_FLOAT;
        out->d = e->op == '+' ? x + y : e->op == '-' ? x - y : e->op == '*' ? x * y : x / y;
        return 1;
    }
    if (a.kind != COMRT_TL_VAL_INT || b.kind != COMRT_TL_VAL_INT) {
        idl_error(u->diag, e->loc, "invalid operands in constant expression");
        return 0;
    }
    /* Unsigned arithmetic: overflow wraps instead of being undefined. */
    uint64_t x = (uint64_t)a.i, y = (uint64_t)b.i, r = 0;
    switch (e->op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    case '/':
    case '%':
        if (y == 0 || (a.i == INT64_MIN && b.i == -1)) {
            idl_error(u->diag, e->loc, "division by zero (or overflow) in constant expression");
            return 0;
        }
        r = (uint64_t)(e->op == '/' ? a.i / b.i : a.i % b.i);
        break;
    case OP_SHL:
    case OP_SHR:
        if (b.i < 0 || b.i > 63) {
            idl_error(u->diag, e->loc, "shift count out of range");
            return 0;
        }
        r = e->op == OP_SHL ? x << y : (uint64_t)(a.i >> b.i);
        break;
    case '&': r = x & y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case OP_LAND: r = a.i && b.i; break;
    case OP_LOR: r = a.i || b.i; break;
    case OP_EQ: r = a.i == b.i; break;
    case OP_NE: r = a.i != b.i; break;
    case '<': r = a.i < b.i; break;
    case '>': r = a.i > b.i; break;
    case OP_LE: r = a.i <= b.i; break;
    case OP_GE: r = a.i >= b.i; break;
    default:
        idl_error(u->diag, e->loc, "invalid operator in constant expression");
        return 0;
    }
    out->kind = COMRT_TL_VAL_INT;
    out->i = (int64_t)r;
    return 1;
}

static int eval_enum(idl_unit *u, idl_type *t, int depth)
{
    if (!t)
        return 0;
    if (t->state == 2)
        return 1;
    if (t->state == 1 || depth > IDL_MAX_DEPTH) {
        idl_error(u->diag, t->loc, "enumeration is defined in terms of itself");
        t->state = 3;
        return 0;
    }
    if (t->state == 3)
        return 0;
    t->state = 1;
    int64_t next = 0;
    int ok = 1;
    for (idl_enumval *v = t->values; v; v = v->next) {
        if (v->expr) {
            comrt_tl_value val;
            if (!expr_eval(u, v->expr, &val, depth + 1)) {
                ok = 0;
                val.i = next;
            } else if (val.kind != COMRT_TL_VAL_INT) {
                idl_error(u->diag, v->loc, "value of enumerator '%s' is not an integer", v->name);
                ok = 0;
            }
            next = val.i;
        }
        if (next < INT32_MIN || next > (int64_t)UINT32_MAX) {
            idl_error(u->diag, v->loc, "value of enumerator '%s' does not fit in 32 bits", v->name);
            ok = 0;
        }
        v->value = next;
        v->done = 1;
        next = (int64_t)((uint64_t)next + 1);
    }
    t->state = ok ? 2 : 3;
    return ok;
}

/* Types ------------------------------------------------------------------------- */

idl_type *type_strip(idl_type *t)
{
    for (int i = 0; t && i < IDL_MAX_DEPTH; i++) {
        if (t->kind != TY_NAMED || !t->decl || t->decl->kind != D_TYPEDEF)
            return t;
        t = t->decl->type;
    }
    return t;
}

idl_decl *type_interface(idl_type *t)
{
    t = type_strip(t);
    if (t && t->kind == TY_NAMED && t->decl &&
        (t->decl->kind == D_INTERFACE || t->decl->kind == D_DISPINTERFACE))
        return t->decl;
    return NULL;
}

static const char *hint_for(const char *name)
{
    if (!strcmp(name, "IUnknown") || !strcmp(name, "IClassFactory"))
        return " (did you forget import \"unknwn.idl\"?)";
    if (!strcmp(name, "IDispatch") || !strcmp(name, "ITypeInfo") || !strcmp(name, "IErrorInfo") ||
        !strcmp(name, "DISPPARAMS") || !strcmp(name, "EXCEPINFO"))
        return " (did you forget import \"oaidl.idl\"?)";
    return "";
}

static void resolve_type(idl_unit *u, idl_type *t, int depth)
{
    if (!t || depth > IDL_MAX_DEPTH || t->resolved)
        return;
    t->resolved = 1; /* types can be shared (typedef bases); resolve once */
    switch (t->kind) {
    case TY_NAMED: {
        idl_decl *d = sym_find(u, t->name);
        if (!d || (d->kind != D_TYPEDEF && d->kind != D_INTERFACE && d->kind != D_DISPINTERFACE)) {
            idl_error(u->diag, t->loc, "unknown type '%s'%s", t->name, hint_for(t->name));
            return;
        }
        t->decl = d;
        break;
    }
    case TY_STRUCT:
    case TY_ENUM:
    case TY_UNION:
        if (!t->has_body && t->name) {
            t->decl = tag_find(u, t->kind == TY_STRUCT ? D_STRUCT : t->kind == TY_ENUM ? D_ENUM : D_UNION, t->name);
        }
        if (t->kind == TY_UNION && t->has_body)
            idl_error(u->diag, t->loc, "unions are not supported");
        for (idl_field *f = t->fields; f; f = f->next) {
            attrs_check(u->diag, f->attrs, "a field");
            resolve_type(u, f->type, depth + 1);
        }
        if (t->kind == TY_ENUM && t->has_body)
            eval_enum(u, t, 0);
        break;
    case TY_POINTER:
    case TY_SAFEARRAY:
        resolve_type(u, t->sub, depth + 1);
        break;
    case TY_ARRAY:
        resolve_type(u, t->sub, depth + 1);
        if (t->dim) {
            comrt_tl_value v;
            if (expr_eval(u, t->dim, &v, 0)) {
                if (v.kind != COMRT_TL_VAL_INT || v.i <= 0 || v.i > 0x1000000)
                    idl_error(u->diag, t->dim->loc, "array size must be a positive integer constant below 2^24");
                else
                    t->count = (uint64_t)v.i;
            }
        }
        break;
    case TY_BUILTIN:
        break;
    }
}

/* Interfaces ---------------------------------------------------------------------- */

static void read_uuid(idl_unit *u, idl_decl *d, const char *what)
{
    idl_attr *a = attr_find(d->attrs, "uuid");
    if (!a)
        return;
    if (!a->text || !parse_guid_text(a->text, &d->uuid)) {
        idl_error(u->diag, a->loc, "malformed uuid '%s' on %s '%s'", a->text ? a->text : "", what, d->name);
        return;
    }
    d->has_uuid = 1;
}

static int count_slots(idl_unit *u, idl_decl *d, int depth)
{
    if (d->state == 2)
        return d->nslots;
    if (d->state == 1 || depth > IDL_MAX_DEPTH) {
        idl_error(u->diag, d->loc, "interface '%s' inherits from itself", d->name);
        d->state = 2;
        return d->nslots = 3;
    }
    d->state = 1;
    int base = 0;
    if (d->kind == D_DISPINTERFACE) {
        base = 7;
    } else if (d->parent) {
        base = count_slots(u, d->parent, depth + 1);
    }
    int n = 0;
    if (d->kind == D_INTERFACE)
        for (idl_method *m = d->methods; m; m = m->next)
            n++;
    d->nslots = base + n;
    d->state = 2;
    return d->nslots;
}

static int is_pointerish(idl_type *t)
{
    t = type_strip(t);
    if (!t)
        return 1;
    if (t->kind == TY_POINTER || t->kind == TY_ARRAY)
        return 1;
    return t->kind == TY_BUILTIN && t->bi->kind == COMRT_TL_PTR;
}

static void check_method(idl_unit *u, idl_decl *iface, idl_method *m)
{
    attrs_check(u->diag, m->attrs, "a method");
    resolve_type(u, m->ret, 0);
    int nprop = attr_has(m->attrs, "propget") + attr_has(m->attrs, "propput") + attr_has(m->attrs, "propputref");
    if (nprop > 1)
        idl_error(u->diag, m->loc, "method '%s' has more than one of propget, propput, propputref", m->name);
    attr_find(m->attrs, "id");
    for (idl_method *o = iface->methods; o && o != m; o = o->next) {
        if (strcmp(o->name, m->name) == 0 && strcmp(method_c_name(u, o), method_c_name(u, m)) == 0) {
            idl_error(u->diag, m->loc, "duplicate method '%s' in '%s'", m->name, iface->name);
            break;
        }
    }
    for (idl_param *p = m->params; p; p = p->next) {
        attrs_check(u->diag, p->attrs, "a parameter");
        resolve_type(u, p->type, 0);
        int out = attr_has(p->attrs, "out");
        if (out && !is_pointerish(p->type))
            idl_error(u->diag, p->loc, "[out] parameter '%s' of '%s' is not a pointer", p->name, m->name);
        if (attr_has(p->attrs, "retval")) {
            if (!out)
                idl_error(u->diag, p->loc, "[retval] parameter '%s' of '%s' must also be [out]", p->name, m->name);
            if (p->next)
                idl_error(u->diag, p->loc, "[retval] parameter '%s' must be the last parameter of '%s'", p->name,
                          m->name);
        }
        for (idl_param *q = m->params; q != p; q = q->next)
            if (strcmp(q->name, p->name) == 0)
                idl_error(u->diag, p->loc, "duplicate parameter name '%s' in '%s'", p->name, m->name);
    }
}

static void resolve_interface(idl_unit *u, idl_decl *d)
{
    int is_disp = d->kind == D_DISPINTERFACE;
    attrs_check(u->diag, d->attrs, is_disp ? "a dispinterface" : "an interface");
    read_uuid(u, d, is_disp ? "dispinterface" : "interface");
    int object = attr_has(d->attrs, "object") || attr_has(d->attrs, "odl") || attr_has(d->attrs, "dual") ||
                 attr_has(d->attrs, "oleautomation") || d->parent_name || is_disp;
    if (!object && d->methods)
        idl_error(u->diag, d->loc, "interface '%s' is not an [object] interface; RPC interfaces are not supported",
                  d->name);
    if (object && !d->has_uuid && !attr_find(d->attrs, "uuid"))
        idl_error(u->diag, d->loc, "%s '%s' has no uuid attribute", is_disp ? "dispinterface" : "interface",
                  d->name);
    if (is_disp) {
        idl_decl *disp = sym_find(u, "IDispatch");
        if (!disp || disp->kind != D_INTERFACE) {
            idl_error(u->diag, d->loc, "dispinterface '%s' needs IDispatch (did you forget import \"oaidl.idl\"?)",
                      d->name);
        } else {
            d->parent = disp;
        }
        if (d->from_interface) {
            idl_decl *src = sym_find(u, d->parent_name);
            if (!src || src->kind != D_INTERFACE)
                idl_error(u->diag, d->parent_loc, "unknown interface '%s'", d->parent_name);
            else
                d->methods = src->methods;
        }
    } else if (d->parent_name) {
        idl_decl *p = sym_find(u, d->parent_name);
        if (!p || p->kind != D_INTERFACE) {
            idl_error(u->diag, d->parent_loc, "unknown base interface '%s'%s", d->parent_name,
                      hint_for(d->parent_name));
        } else if (!p->defined) {
            idl_error(u->diag, d->parent_loc, "base interface '%s' is declared but not defined", d->parent_name);
        } else {
            d->parent = p;
        }
    } else if (object && strcmp(d->name, "IUnknown") != 0) {
        idl_error(u->diag, d->loc, "interface '%s' must derive from IUnknown or another interface", d->name);
    }
    if (attr_has(d->attrs, "dual") && !is_disp) {
        idl_decl *p = d->parent;
        for (int i = 0; p && i < IDL_MAX_DEPTH && strcmp(p->name, "IDispatch") != 0; i++)
            p = p->parent;
        if (!p && d->parent)
            idl_error(u->diag, d->loc, "[dual] interface '%s' must derive from IDispatch", d->name);
    }
    for (idl_field *f = d->props; f; f = f->next) {
        attrs_check(u->diag, f->attrs, "a property");
        resolve_type(u, f->type, 0);
    }
    for (idl_method *m = d->methods; m; m = m->next)
        check_method(u, d, m);
}

static void resolve_coclass(idl_unit *u, idl_decl *d)
{
    attrs_check(u->diag, d->attrs, "a coclass");
    read_uuid(u, d, "coclass");
    if (!d->has_uuid && !attr_find(d->attrs, "uuid"))
        idl_error(u->diag, d->loc, "coclass '%s' has no uuid attribute", d->name);
    for (idl_coclass_item *it = d->items; it; it = it->next) {
        attrs_check(u->diag, it->attrs, "a coclass member");
        idl_decl *i = sym_find(u, it->name);
        if (!i || (i->kind != D_INTERFACE && i->kind != D_DISPINTERFACE))
            idl_error(u->diag, it->loc, "unknown interface '%s' in coclass '%s'%s", it->name, d->name,
                      hint_for(it->name));
        else
            it->decl = i;
    }
}

void resolve_unit(idl_unit *u)
{
    for (idl_decl *d = u->all; d && !u->diag->too_many; d = d->anext) {
        switch (d->kind) {
        case D_INTERFACE:
        case D_DISPINTERFACE:
            if (d->defined)
                resolve_interface(u, d);
            else
                read_uuid(u, d, "interface");
            break;
        case D_COCLASS:
            resolve_coclass(u, d);
            break;
        case D_LIBRARY:
            attrs_check(u->diag, d->attrs, "a library");
            read_uuid(u, d, "library");
            if (!d->has_uuid && !attr_find(d->attrs, "uuid") && !d->import_file)
                idl_error(u->diag, d->loc, "library '%s' has no uuid attribute", d->name);
            break;
        case D_TYPEDEF:
            attrs_check(u->diag, d->attrs, "a typedef");
            resolve_type(u, d->type, 0);
            break;
        case D_STRUCT:
        case D_ENUM:
            resolve_type(u, d->type, 0);
            break;
        case D_CONST:
            resolve_type(u, d->type, 0);
            if (d->state == 0) {
                d->state = 1;
                d->state = expr_eval(u, d->expr, &d->value, 0) ? 2 : 3;
            }
            break;
        default:
            break;
        }
    }
    /* Forward-declared interfaces that never got a body. */
    for (idl_decl *d = u->all; d; d = d->anext) {
        idl_decl *def = d->name ? sym_find(u, d->name) : NULL;
        if ((d->kind == D_INTERFACE || d->kind == D_DISPINTERFACE) && !d->defined && !(def && def->defined) &&
            !d->import_file && d->in_library)
            idl_error(u->diag, d->loc, "interface '%s' is referenced in the library but never defined", d->name);
    }
    for (idl_decl *d = u->all; d; d = d->anext)
        if ((d->kind == D_INTERFACE || d->kind == D_DISPINTERFACE) && d->defined)
            count_slots(u, d, 0);
}
