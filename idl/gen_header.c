/*
 * gen_header.c - the C header: forward declarations, types, constants,
 * and for each interface its Vtbl struct (inherited slots included), the
 * interface struct and MIDL-style call macros, inside extern "C" so C++
 * can include it. GUIDs are declared here and defined by the _i.c file.
 */
#include <ctype.h>
#include <string.h>

#include "idl.h"

const char *method_c_name(idl_unit *u, idl_method *m)
{
    if (attr_find(m->attrs, "propget"))
        return idl_printf(u->arena, "get_%s", m->name);
    if (attr_find(m->attrs, "propput"))
        return idl_printf(u->arena, "put_%s", m->name);
    if (attr_find(m->attrs, "propputref"))
        return idl_printf(u->arena, "putref_%s", m->name);
    return m->name;
}

/* Declarations ------------------------------------------------------------------ */

static void print_body(idl_buf *b, idl_type *t, int indent);

static void print_base(idl_buf *b, idl_type *t, int indent)
{
    if (t->is_const)
        buf_puts(b, "const ");
    switch (t->kind) {
    case TY_BUILTIN:
        buf_puts(b, t->bi->cname);
        break;
    case TY_NAMED:
        buf_puts(b, t->name);
        break;
    case TY_STRUCT:
    case TY_UNION:
    case TY_ENUM:
        buf_puts(b, t->kind == TY_STRUCT ? "struct" : t->kind == TY_ENUM ? "enum" : "union");
        if (t->name)
            buf_printf(b, " %s", t->name);
        if (t->has_body)
            print_body(b, t, indent);
        break;
    case TY_SAFEARRAY:
        buf_puts(b, "SAFEARRAY *");
        break;
    default:
        buf_puts(b, "void");
        break;
    }
}

static void print_decl_indent(idl_buf *b, idl_type *t, const char *name, int indent);

static void print_body(idl_buf *b, idl_type *t, int indent)
{
    buf_puts(b, " {\n");
    if (t->kind == TY_ENUM) {
        for (idl_enumval *v = t->values; v; v = v->next)
            buf_printf(b, "%*s%s = %lld%s\n", indent + 4, "", v->name, (long long)v->value, v->next ? "," : "");
    } else {
        for (idl_field *f = t->fields; f; f = f->next) {
            buf_printf(b, "%*s", indent + 4, "");
            print_decl_indent(b, f->type, f->name, indent + 4);
            buf_puts(b, ";\n");
        }
    }
    buf_printf(b, "%*s}", indent, "");
}

/* The classic inside-out printing of C declarators: builds the declarator
 * text around name into inner and returns the base type left over. */
static idl_type *declarator(idl_type *t, const char *name, idl_buf *inner)
{
    buf_puts(inner, name ? name : "");
    idl_type *base = t;
    int prev_ptr = 0;
    for (int guard = 0; base && guard < IDL_MAX_DEPTH * 2; guard++) {
        if (base->kind == TY_POINTER) {
            idl_buf n = {0};
            buf_puts(&n, "*");
            if (base->is_const)
                buf_puts(&n, "const ");
            buf_put(&n, inner->data ? inner->data : "", inner->len);
            buf_free(inner);
            *inner = n;
            prev_ptr = 1;
            base = base->sub;
        } else if (base->kind == TY_ARRAY) {
            if (prev_ptr) {
                idl_buf n = {0};
                buf_printf(&n, "(%s)", inner->data ? inner->data : "");
                buf_free(inner);
                *inner = n;
            }
            if (base->count)
                buf_printf(inner, "[%llu]", (unsigned long long)base->count);
            else
                buf_puts(inner, "[]");
            prev_ptr = 0;
            base = base->sub;
        } else {
            break;
        }
    }
    return base;
}

static void print_decl_indent(idl_buf *b, idl_type *t, const char *name, int indent)
{
    idl_buf inner = {0};
    idl_type *base = declarator(t, name, &inner);
    if (base)
        print_base(b, base, indent);
    if (inner.len) {
        if (!(base && base->kind == TY_SAFEARRAY))
            buf_puts(b, " ");
        buf_put(b, inner.data, inner.len);
    }
    buf_free(&inner);
}

void print_decl(idl_buf *b, idl_type *t, const char *name)
{
    print_decl_indent(b, t, name, 0);
}

/* Interfaces ---------------------------------------------------------------------- */

static void guid_comment(idl_buf *b, const GUID *g)
{
    buf_printf(b, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g->Data1, g->Data2, g->Data3,
               g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
               g->Data4[7]);
}

static void print_vtbl_methods(idl_unit *u, idl_buf *b, idl_decl *iface, idl_decl *self, int depth)
{
    if (!iface || depth > IDL_MAX_DEPTH)
        return;
    if (iface->kind == D_DISPINTERFACE) {
        print_vtbl_methods(u, b, iface->parent, self, depth + 1);
        return;
    }
    print_vtbl_methods(u, b, iface->parent, self, depth + 1);
    if (!iface->methods)
        return;
    buf_printf(b, "    /* %s */\n", iface->name);
    for (idl_method *m = iface->methods; m; m = m->next) {
        idl_buf fn = {0};
        buf_printf(&fn, "(*%s)(%s *This", method_c_name(u, m), self->name);
        for (idl_param *p = m->params; p; p = p->next) {
            buf_puts(&fn, ", ");
            print_decl(&fn, p->type, p->name);
        }
        buf_puts(&fn, ")");
        buf_puts(b, "    ");
        print_decl(b, m->ret, fn.data);
        buf_puts(b, ";\n");
        buf_free(&fn);
    }
}

static void print_macros(idl_unit *u, idl_buf *b, idl_decl *iface, idl_decl *self, int depth)
{
    if (!iface || depth > IDL_MAX_DEPTH)
        return;
    print_macros(u, b, iface->parent, self, depth + 1);
    if (iface->kind == D_DISPINTERFACE)
        return;
    for (idl_method *m = iface->methods; m; m = m->next) {
        /* Parameter names become macro parameters unless they would capture
         * the expansion's own identifiers. */
        int rename = 0;
        for (idl_param *p = m->params; p; p = p->next)
            if (!strcmp(p->name, "This") || !strcmp(p->name, "lpVtbl") || !strcmp(p->name, method_c_name(u, m)))
                rename = 1;
        idl_buf args = {0};
        int i = 0;
        for (idl_param *p = m->params; p; p = p->next, i++) {
            if (rename)
                buf_printf(&args, ", a%d", i);
            else
                buf_printf(&args, ", %s", p->name);
        }
        const char *a = args.data ? args.data : "";
        const char *cn = method_c_name(u, m);
        buf_printf(b, "#define %s_%s(This%s) ((This)->lpVtbl->%s(This%s))\n", self->name, cn, a, cn, a);
        buf_free(&args);
    }
}

static int is_vtable_interface(idl_decl *d)
{
    /* A non-object interface without methods only groups type definitions. */
    return d->kind == D_DISPINTERFACE || d->parent || d->methods || !strcmp(d->name, "IUnknown");
}

static void gen_interface(idl_unit *u, idl_buf *b, idl_decl *d)
{
    if (!is_vtable_interface(d))
        return;
    int disp = d->kind == D_DISPINTERFACE;
    buf_printf(b, "/* %s %s ", disp ? "dispinterface" : "interface", d->name);
    guid_comment(b, &d->uuid);
    buf_puts(b, " */\n");
    buf_printf(b, "#ifndef __%s_INTERFACE_DEFINED__\n#define __%s_INTERFACE_DEFINED__\n\n", d->name, d->name);
    if (d->has_uuid)
        buf_printf(b, "extern const IID %s_%s;\n\n", disp ? "DIID" : "IID", d->name);
    buf_printf(b, "typedef struct %sVtbl {\n", d->name);
    print_vtbl_methods(u, b, d, d, 0);
    buf_printf(b, "} %sVtbl;\n\n", d->name);
    buf_printf(b, "struct %s {\n    const %sVtbl *lpVtbl;\n};\n\n", d->name, d->name);
    print_macros(u, b, d, d, 0);
    buf_printf(b, "\n#endif /* __%s_INTERFACE_DEFINED__ */\n\n", d->name);
}

static void print_const(idl_buf *b, idl_decl *d)
{
    buf_printf(b, "#define %s ", d->name);
    switch (d->value.kind) {
    case COMRT_TL_VAL_INT:
        if (d->value.i < 0)
            buf_printf(b, "(%lld)", (long long)d->value.i);
        else
            buf_printf(b, "(%lld)", (long long)d->value.i);
        break;
    case COMRT_TL_VAL_FLOAT:
        buf_printf(b, "(%.17g)", d->value.d);
        break;
    case COMRT_TL_VAL_STRING:
        buf_puts(b, "\"");
        for (const char *s = d->value.s; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\')
                buf_printf(b, "\\%c", c);
            else if (c < 32 || c >= 127)
                buf_printf(b, "\\%03o", c);
            else
                buf_put(b, (const char *)&c, 1);
        }
        buf_puts(b, "\"");
        break;
    default:
        buf_puts(b, "0");
        break;
    }
    buf_puts(b, "\n\n");
}

static void gen_decls(idl_unit *u, idl_buf *b, idl_decl *list)
{
    for (idl_decl *d = list; d; d = d->next) {
        switch (d->kind) {
        case D_CPPQUOTE:
            buf_printf(b, "%s\n", d->text);
            break;
        case D_TYPEDEF:
            if (d->tfollower)
                break;
            buf_puts(b, "typedef ");
            print_decl(b, d->type, d->name);
            for (idl_decl *n = d->tnext; n; n = n->tnext) {
                /* Later declarators share the base: print only the declarator. */
                idl_buf inner = {0};
                declarator(n->type, n->name, &inner);
                buf_printf(b, ", %s", inner.data ? inner.data : "");
                buf_free(&inner);
            }
            buf_puts(b, ";\n\n");
            break;
        case D_STRUCT:
        case D_ENUM:
        case D_UNION:
            print_decl(b, d->type, NULL);
            buf_puts(b, ";\n\n");
            break;
        case D_CONST:
            print_const(b, d);
            break;
        case D_INTERFACE:
        case D_DISPINTERFACE:
            if (d->defined)
                gen_interface(u, b, d);
            break;
        case D_COCLASS:
            buf_printf(b, "/* coclass %s ", d->name);
            guid_comment(b, &d->uuid);
            buf_printf(b, " */\nextern const CLSID CLSID_%s;\n\n", d->name);
            break;
        case D_LIBRARY:
            if (d->has_uuid) {
                buf_printf(b, "/* library %s ", d->name);
                guid_comment(b, &d->uuid);
                buf_printf(b, " */\nextern const IID LIBID_%s;\n\n", d->name);
            }
            gen_decls(u, b, d->members);
            break;
        default:
            break;
        }
    }
}

static void gen_forwards(idl_buf *b, idl_decl *list)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY) {
            gen_forwards(b, d->members);
            continue;
        }
        if ((d->kind != D_INTERFACE && d->kind != D_DISPINTERFACE) || !d->defined || !is_vtable_interface(d))
            continue;
        buf_printf(b, "#ifndef __%s_FWD_DEFINED__\n#define __%s_FWD_DEFINED__\ntypedef struct %s %s;\n#endif\n",
                   d->name, d->name, d->name, d->name);
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int gen_header(idl_unit *u, idl_buf *b, const char *guard_name)
{
    idl_buf guard = {0};
    buf_puts(&guard, "COMIDL_");
    for (const char *s = base_name(guard_name); *s; s++)
        buf_printf(&guard, "%c", isalnum((unsigned char)*s) ? toupper((unsigned char)*s) : '_');
    buf_printf(b, "/* Generated by comidl from %s. Do not edit. */\n", base_name(u->main_file));
    buf_printf(b, "#ifndef %s\n#define %s\n\n#include <comrt.h>\n", guard.data, guard.data);
    for (idl_decl *d = u->decls; d; d = d->next) {
        if (d->kind != D_IMPORT)
            continue;
        int base = 0;
        for (int i = 0; i < u->nimports; i++)
            if (!strcmp(u->imports[i], d->text))
                base = 1;
        if (base)
            continue; /* shipped base IDL: comrt.h declares it */
        const char *name = base_name(d->text);
        size_t n = strlen(name);
        if (n > 4 && !strcmp(name + n - 4, ".idl"))
            buf_printf(b, "#include \"%.*s.h\"\n", (int)(n - 4), name);
        else
            buf_printf(b, "#include \"%s.h\"\n", name);
    }
    buf_puts(b, "\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    gen_forwards(b, u->decls);
    buf_puts(b, "\n");
    gen_decls(u, b, u->decls);
    buf_printf(b, "#ifdef __cplusplus\n}\n#endif\n\n#endif /* %s */\n", guard.data);
    buf_free(&guard);
    return 0;
}

/* The _i.c file: definitions of every GUID the header declares. */

static void emit_guid(idl_buf *b, const char *prefix, idl_decl *d)
{
    const GUID *g = &d->uuid;
    buf_printf(b, "extern const IID %s_%s;\n", prefix, d->name);
    buf_printf(b, "const IID %s_%s = {0x%08x, 0x%04x, 0x%04x, {0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x, 0x%02x}};\n\n",
               prefix, d->name, (unsigned)g->Data1, g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2],
               g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6], g->Data4[7]);
}

static void iid_decls(idl_buf *b, idl_decl *list)
{
    for (idl_decl *d = list; d; d = d->next) {
        if (d->kind == D_LIBRARY) {
            if (d->has_uuid)
                emit_guid(b, "LIBID", d);
            iid_decls(b, d->members);
        } else if (d->kind == D_INTERFACE && d->defined && d->has_uuid && is_vtable_interface(d)) {
            emit_guid(b, "IID", d);
        } else if (d->kind == D_DISPINTERFACE && d->defined && d->has_uuid) {
            emit_guid(b, "DIID", d);
        } else if (d->kind == D_COCLASS && d->has_uuid) {
            emit_guid(b, "CLSID", d);
        }
    }
}

int gen_iid(idl_unit *u, idl_buf *b, const char *header_name)
{
    (void)header_name;
    buf_printf(b, "/* Generated by comidl from %s. Do not edit. */\n", base_name(u->main_file));
    buf_puts(b, "/* The GUIDs the header declares. Link this file into every program that uses them. */\n");
    buf_puts(b, "#include <comrt/guid.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n");
    iid_decls(b, u->decls);
    buf_puts(b, "#ifdef __cplusplus\n}\n#endif\n");
    return 0;
}
