/*
 * dump.c - `comidl --dump file.tlb`: a stable, readable text form of a
 * loaded type library, built only on the public comrt/typelib.h API (the
 * golden tests compare it, so it exercises the loader end to end).
 */
#include <inttypes.h>
#include <string.h>

#include "idl.h"

typedef struct names {
    const char *const *v;
    uint32_t n;
} names;

static const char *kind_name(uint32_t k)
{
    static const char *const n[] = {"void", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "r4",
                                    "r8", "bstr", "variant", "ptr", "array", "struct", "enum",
                                    "interface", "safearray"};
    return k <= COMRT_TL_KIND_MAX ? n[k] : "?";
}

static void guid(idl_buf *b, const GUID *g)
{
    buf_printf(b, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g->Data1, g->Data2, g->Data3,
               g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
               g->Data4[7]);
}

/* Reverse Polish back to fully parenthesized infix. */
static void expr(idl_buf *b, const comrt_tl_expr *e, const names *nm)
{
    static const char *const bin[] = {"+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^", "&&", "||",
                                      "==", "!=", "<", "<=", ">", ">="};
    idl_buf st[64];
    int sp = 0;
    memset(st, 0, sizeof st);
    for (uint32_t i = 0; i < e->nops && sp < 64; i++) {
        const comrt_tl_expr_op *o = &e->ops[i];
        idl_buf r = {0};
        const char *nmv = o->value >= 0 && (uint64_t)o->value < nm->n ? nm->v[o->value] : "?";
        switch (o->op) {
        case COMRT_TL_OP_CONST: buf_printf(&r, "%" PRId64, o->value); break;
        case COMRT_TL_OP_PARAM:
        case COMRT_TL_OP_FIELD: buf_printf(&r, "%s", nmv); break;
        case COMRT_TL_OP_DEREF_PARAM:
        case COMRT_TL_OP_DEREF_FIELD: buf_printf(&r, "*%s", nmv); break;
        case COMRT_TL_OP_NEG:
        case COMRT_TL_OP_NOT:
        case COMRT_TL_OP_BITNOT:
            if (sp < 1)
                goto bad;
            sp--;
            buf_printf(&r, "%s(%s)", o->op == COMRT_TL_OP_NEG ? "-" : o->op == COMRT_TL_OP_NOT ? "!" : "~",
                       st[sp].data ? st[sp].data : "");
            buf_free(&st[sp]);
            break;
        case COMRT_TL_OP_COND:
            if (sp < 3)
                goto bad;
            sp -= 3;
            buf_printf(&r, "(%s ? %s : %s)", st[sp].data, st[sp + 1].data, st[sp + 2].data);
            buf_free(&st[sp]), buf_free(&st[sp + 1]), buf_free(&st[sp + 2]);
            break;
        default:
            if (sp < 2 || o->op < COMRT_TL_OP_ADD || o->op > COMRT_TL_OP_GE)
                goto bad;
            sp -= 2;
            buf_printf(&r, "(%s %s %s)", st[sp].data, bin[o->op - COMRT_TL_OP_ADD], st[sp + 1].data);
            buf_free(&st[sp]), buf_free(&st[sp + 1]);
            break;
        }
        st[sp++] = r;
        continue;
    bad:
        buf_free(&r);
        break;
    }
    buf_puts(b, sp == 1 && st[0].data ? st[0].data : "?");
    for (int i = 0; i < 64; i++)
        buf_free(&st[i]);
}

static void type(idl_buf *b, const comrt_tl_type *t, const names *nm, int depth)
{
    if (!t || depth > 70) {
        buf_puts(b, "?");
        return;
    }
    switch (t->kind) {
    case COMRT_TL_PTR:
    case COMRT_TL_ARRAY: {
        if (t->kind == COMRT_TL_ARRAY)
            buf_printf(b, "array[%u]", t->count);
        else
            buf_puts(b, "ptr");
        const char *sep = "(";
        static const struct { uint32_t f; const char *n; } fl[] = {
            {COMRT_TL_F_REF, "ref"}, {COMRT_TL_F_UNIQUE, "unique"}, {COMRT_TL_F_FULL, "ptr"},
            {COMRT_TL_F_STRING, "string"}, {COMRT_TL_F_CONST, "const"}};
        for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
            if (t->flags & fl[i].f) {
                buf_printf(b, "%s%s", sep, fl[i].n);
                sep = ", ";
            }
        if (t->size_is) {
            buf_printf(b, "%ssize_is ", sep);
            expr(b, t->size_is, nm);
            sep = ", ";
        }
        if (t->length_is) {
            buf_printf(b, "%slength_is ", sep);
            expr(b, t->length_is, nm);
            sep = ", ";
        }
        if (*sep == ',')
            buf_puts(b, ")");
        if (*t->name)
            buf_printf(b, " '%s'", t->name);
        buf_puts(b, " -> ");
        type(b, t->elem, nm, depth + 1);
        return;
    }
    case COMRT_TL_SAFEARRAY:
        buf_puts(b, "safearray of ");
        type(b, t->elem, nm, depth + 1);
        return;
    case COMRT_TL_STRUCT:
        buf_printf(b, "struct %s", t->record ? t->record->name : "?");
        if (*t->name && t->record && strcmp(t->name, t->record->name))
            buf_printf(b, " '%s'", t->name);
        return;
    case COMRT_TL_ENUM:
        buf_printf(b, "enum %s", t->enumeration ? t->enumeration->name : "?");
        return;
    case COMRT_TL_INTERFACE:
        buf_printf(b, "interface %s", t->iface_name ? t->iface_name : "?");
        if (t->iid_is) {
            buf_puts(b, " iid_is ");
            expr(b, t->iid_is, nm);
        } else {
            buf_puts(b, " ");
            guid(b, &t->iid);
        }
        return;
    default:
        buf_printf(b, "%s", kind_name(t->kind));
        if (*t->name)
            buf_printf(b, " '%s'", t->name);
        return;
    }
}

static void value(idl_buf *b, const comrt_tl_value *v)
{
    switch (v->kind) {
    case COMRT_TL_VAL_INT: buf_printf(b, "%" PRId64, v->i); break;
    case COMRT_TL_VAL_FLOAT: buf_printf(b, "%.17g", v->d); break;
    case COMRT_TL_VAL_STRING: buf_printf(b, "\"%s\"", v->s); break;
    default: buf_puts(b, "none"); break;
    }
}

static void flags(idl_buf *b, uint32_t f, const char *const *nm, int n)
{
    const char *sep = " [";
    for (int i = 0; i < n; i++)
        if (f & (1u << i) && nm[i]) {
            buf_printf(b, "%s%s", sep, nm[i]);
            sep = ", ";
        }
    if (*sep == ',')
        buf_puts(b, "]");
}

static void method(idl_buf *b, const comrt_tl_method *m)
{
    static const char *const mf[] = {"hidden", "restricted", "vararg", "local"};
    const char *inv = m->invkind == COMRT_TL_INVOKE_PROPGET      ? "propget"
                      : m->invkind == COMRT_TL_INVOKE_PROPPUT    ? "propput"
                      : m->invkind == COMRT_TL_INVOKE_PROPPUTREF ? "propputref"
                                                                 : "func";
    if (m->slot == COMRT_TL_NO_SLOT)
        buf_printf(b, "  method %s %s dispid 0x%08x", m->name, inv, (unsigned)m->dispid);
    else
        buf_printf(b, "  method %u %s %s dispid 0x%08x", m->slot, m->name, inv, (unsigned)m->dispid);
    flags(b, m->flags, mf, 4);
    if (m->helpstring)
        buf_printf(b, " help \"%s\"", m->helpstring);
    const char *pn[256];
    names nm = {pn, m->nparams < 256 ? m->nparams : 256};
    for (uint32_t i = 0; i < nm.n; i++)
        pn[i] = m->params[i].name;
    buf_puts(b, "\n    returns ");
    type(b, m->ret, &nm, 0);
    buf_puts(b, "\n");
    static const char *const pf[] = {"in", "out", "retval", "optional", NULL, "lcid"};
    for (uint32_t i = 0; i < m->nparams; i++) {
        const comrt_tl_param *p = &m->params[i];
        buf_printf(b, "    param %s", p->name);
        flags(b, p->flags, pf, 6);
        if (p->flags & COMRT_TL_P_DEFAULT) {
            buf_puts(b, " default ");
            value(b, &p->defval);
        }
        buf_puts(b, ": ");
        type(b, p->type, &nm, 0);
        buf_puts(b, "\n");
    }
}

int dump_typelib(const comrt_typelib *tl, FILE *out)
{
    const comrt_tl_library *l = comrt_typelib_library(tl);
    idl_buf b = {0};
    buf_printf(&b, "library %s ", l->name);
    guid(&b, &l->libid);
    buf_printf(&b, " version %u.%u lcid %u\n", l->ver_major, l->ver_minor, l->lcid);
    if (l->helpstring)
        buf_printf(&b, "  help \"%s\"\n", l->helpstring);
    names none = {NULL, 0};
    for (uint32_t i = 0; i < l->nstructs; i++) {
        const comrt_tl_struct *r = &l->structs[i];
        buf_printf(&b, "\nstruct %s size %u align %u\n", r->name, r->size, r->align);
        const char *fn[256];
        names nm = {fn, r->nfields < 256 ? r->nfields : 256};
        for (uint32_t k = 0; k < nm.n; k++)
            fn[k] = r->fields[k].name;
        for (uint32_t k = 0; k < r->nfields; k++) {
            buf_printf(&b, "  field %s offset %u size %u: ", r->fields[k].name, r->fields[k].offset,
                       r->fields[k].type->size);
            type(&b, r->fields[k].type, &nm, 0);
            buf_puts(&b, "\n");
        }
    }
    for (uint32_t i = 0; i < l->nenums; i++) {
        buf_printf(&b, "\nenum %s\n", l->enums[i].name);
        for (uint32_t k = 0; k < l->enums[i].nvalues; k++)
            buf_printf(&b, "  %s = %" PRId64 "\n", l->enums[i].values[k].name, l->enums[i].values[k].value);
    }
    static const char *const ifl[] = {"dual", "oleautomation", "local", "nonextensible", "hidden",
                                      "dispinterface", "restricted", NULL, "external"};
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        const comrt_tl_interface *it = &l->interfaces[i];
        buf_printf(&b, "\n%s %s ", it->flags & COMRT_TL_I_DISPINTERFACE ? "dispinterface" : "interface", it->name);
        guid(&b, &it->iid);
        if (it->parent_name) {
            buf_printf(&b, " : %s ", it->parent_name);
            guid(&b, &it->parent_iid);
            buf_puts(&b, it->parent ? "" : " (not in library)");
        }
        buf_printf(&b, "\n  slots %u + %u = %u version %u.%u", it->base_slots, it->nmethods, it->num_slots,
                   it->ver_major, it->ver_minor);
        flags(&b, it->flags, ifl, 9);
        buf_puts(&b, "\n");
        if (it->helpstring)
            buf_printf(&b, "  help \"%s\"\n", it->helpstring);
        for (uint32_t k = 0; k < it->nprops; k++) {
            const comrt_tl_property *p = &it->props[k];
            buf_printf(&b, "  property %s dispid 0x%08x%s: ", p->name, (unsigned)p->dispid,
                       p->flags & COMRT_TL_PROP_READONLY ? " [readonly]" : "");
            type(&b, p->type, &none, 0);
            if (p->helpstring)
                buf_printf(&b, " help \"%s\"", p->helpstring);
            buf_puts(&b, "\n");
        }
        for (uint32_t k = 0; k < it->nmethods; k++)
            method(&b, &it->methods[k]);
    }
    static const char *const cf[] = {"noncreatable", "hidden"};
    static const char *const imf[] = {"default", "source", "restricted"};
    for (uint32_t i = 0; i < l->ncoclasses; i++) {
        const comrt_tl_coclass *c = &l->coclasses[i];
        buf_printf(&b, "\ncoclass %s ", c->name);
        guid(&b, &c->clsid);
        buf_printf(&b, " version %u.%u", c->ver_major, c->ver_minor);
        flags(&b, c->flags, cf, 2);
        buf_puts(&b, "\n");
        if (c->helpstring)
            buf_printf(&b, "  help \"%s\"\n", c->helpstring);
        for (uint32_t k = 0; k < c->nimpls; k++) {
            buf_printf(&b, "  implements %s ", c->impls[k].name);
            guid(&b, &c->impls[k].iid);
            flags(&b, c->impls[k].flags, imf, 3);
            buf_puts(&b, "\n");
        }
    }
    if (l->nconsts)
        buf_puts(&b, "\n");
    for (uint32_t i = 0; i < l->nconsts; i++) {
        buf_printf(&b, "const %s: ", l->consts[i].name);
        type(&b, l->consts[i].type, &none, 0);
        buf_puts(&b, " = ");
        value(&b, &l->consts[i].value);
        buf_puts(&b, "\n");
    }
    if (b.len)
        fwrite(b.data, 1, b.len, out);
    buf_free(&b);
    return ferror(out) ? -1 : 0;
}

int gen_tlb_c(const void *data, size_t size, idl_buf *out, const char *symbol)
{
    const unsigned char *p = data;
    buf_puts(out, "/* Generated by comidl: an embedded comrt type library (docs/typelib.md). */\n");
    buf_puts(out, "#include <stddef.h>\n\n");
    buf_printf(out, "__attribute__((visibility(\"default\"))) extern const unsigned char %s_data[];\n", symbol);
    buf_printf(out, "__attribute__((visibility(\"default\"))) extern const size_t %s_size;\n\n", symbol);
    buf_printf(out, "const unsigned char %s_data[%zu] = {", symbol, size ? size : 1);
    for (size_t i = 0; i < size; i++)
        buf_printf(out, "%s0x%02x,", i % 16 ? " " : "\n    ", p[i]);
    buf_printf(out, "\n};\nconst size_t %s_size = %zu;\n", symbol, size);
    return 0;
}
