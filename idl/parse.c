/*
 * parse.c - the recursive-descent parser for files, interfaces,
 * dispinterfaces, coclasses, libraries and attributes.
 *
 * Recovery: a syntax error skips to the end of the statement (';' or the
 * '}' closing the block) so that one run reports several errors; every
 * recovery step consumes a token or stops at a '}' / end of file, so the
 * parser cannot loop forever.
 */
#include <stdarg.h>
#include <string.h>

#include "parser.h"

/* Tokens ---------------------------------------------------------------------- */

idl_token *peek(parser *p)
{
    while (!p->have_tok) {
        lexer_next(&p->lx, &p->tok);
        /* The lexer already reported stray characters. */
        if (p->tok.kind != TK_ERROR)
            p->have_tok = 1;
    }
    return &p->tok;
}

idl_token next(parser *p)
{
    peek(p);
    p->have_tok = 0;
    p->last_loc = p->tok.loc;
    return p->tok;
}

int is_punct(parser *p, int c)
{
    idl_token *t = peek(p);
    return t->kind == TK_PUNCT && t->punct == c;
}

int is_ident(parser *p, const char *word)
{
    idl_token *t = peek(p);
    return t->kind == TK_IDENT && strcmp(t->text, word) == 0;
}

int accept_punct(parser *p, int c)
{
    if (!is_punct(p, c))
        return 0;
    next(p);
    return 1;
}

const char *tok_desc(parser *p, const idl_token *t)
{
    switch (t->kind) {
    case TK_EOF:
        return "end of file";
    case TK_STRING:
        return idl_printf(p->u->arena, "string \"%.40s\"", t->text);
    default:
        return idl_printf(p->u->arena, "'%.60s'", t->text ? t->text : "?");
    }
}

void error_at_tok(parser *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    idl_error(p->d, peek(p)->loc, "%s", msg);
}

int expect_punct(parser *p, int c)
{
    if (accept_punct(p, c))
        return 1;
    error_at_tok(p, "expected '%c' before %s", c, tok_desc(p, peek(p)));
    return 0;
}

void sync_stmt(parser *p)
{
    int depth = 0;
    for (;;) {
        idl_token *t = peek(p);
        if (t->kind == TK_EOF)
            return;
        if (t->kind == TK_PUNCT) {
            if (t->punct == '{') {
                depth++;
            } else if (t->punct == '}') {
                if (depth == 0)
                    return;
                if (--depth == 0) {
                    next(p);
                    accept_punct(p, ';');
                    return;
                }
            } else if (t->punct == ';' && depth == 0) {
                next(p);
                return;
            }
        }
        next(p);
    }
}

/* Declarations ------------------------------------------------------------------ */

idl_decl *new_decl(parser *p, decl_kind kind, const char *name, idl_loc loc)
{
    idl_decl *d = idl_alloc(p->u->arena, sizeof *d);
    d->kind = kind;
    d->name = name;
    d->loc = loc;
    d->import_file = p->import_file;
    d->base_import = p->base_import;
    *p->u->all_tail = d;
    p->u->all_tail = &d->anext;
    return d;
}

void add_decl(parser *p, idl_decl *d)
{
    if (p->library) {
        d->in_library = 1;
        idl_decl **t = &p->library->members;
        while (*t)
            t = &(*t)->next;
        *t = d;
    } else if (!p->import_file) {
        *p->u->decls_tail = d;
        p->u->decls_tail = &d->next;
    }
}

/* Attributes ------------------------------------------------------------------ */

/* Skips a balanced parenthesized group; the '(' is already consumed. */
static void skip_parens(parser *p)
{
    int depth = 1;
    while (depth > 0 && peek(p)->kind != TK_EOF) {
        if (is_punct(p, '('))
            depth++;
        else if (is_punct(p, ')'))
            depth--;
        else if (is_punct(p, ';') || is_punct(p, '{'))
            break;
        if (depth > 0)
            next(p);
    }
    expect_punct(p, ')');
}

static void parse_attr_args(parser *p, idl_attr *a)
{
    /* uuid and version hold text that is not a token sequence (0000010c-...). */
    if (strcmp(a->name, "uuid") == 0 || strcmp(a->name, "version") == 0 || strcmp(a->name, "async_uuid") == 0) {
        idl_loc loc;
        const char *raw = lexer_raw_until_paren(&p->lx, &loc);
        if (!raw) {
            idl_error(p->d, loc, "malformed %s(...) attribute", a->name);
            skip_parens(p);
            return;
        }
        size_t n = strlen(raw);
        if (n >= 2 && raw[0] == '"' && raw[n - 1] == '"')
            raw = idl_strndup(p->u->arena, raw + 1, n - 2);
        a->text = raw;
        expect_punct(p, ')');
        return;
    }
    if (strcmp(a->name, "custom") == 0 || strcmp(a->name, "annotation") == 0 ||
        strcmp(a->name, "range") == 0 || strcmp(a->name, "call_as") == 0) {
        skip_parens(p);
        return;
    }
    idl_expr *args[IDL_MAX_DEPTH];
    int n = 0;
    if (!is_punct(p, ')')) {
        for (;;) {
            if (n >= IDL_MAX_DEPTH) {
                error_at_tok(p, "too many attribute arguments");
                skip_parens(p);
                return;
            }
            if (is_punct(p, ',') || is_punct(p, ')')) {
                args[n++] = NULL;
            } else {
                idl_expr *e = parse_expr(p);
                if (!e) {
                    skip_parens(p);
                    return;
                }
                args[n++] = e;
            }
            if (!accept_punct(p, ','))
                break;
        }
    }
    a->nargs = n;
    a->args = idl_alloc(p->u->arena, sizeof *a->args * (size_t)(n ? n : 1));
    memcpy(a->args, args, sizeof *args * (size_t)n);
    expect_punct(p, ')');
}

idl_attr *parse_attrs(parser *p)
{
    idl_attr *head = NULL, **tail = &head;
    while (is_punct(p, '[') && !p->d->too_many) {
        next(p);
        if (accept_punct(p, ']'))
            continue;
        for (;;) {
            idl_token *t = peek(p);
            if (t->kind != TK_IDENT) {
                error_at_tok(p, "expected an attribute name, found %s", tok_desc(p, t));
                while (!is_punct(p, ']') && !is_punct(p, ';') && !is_punct(p, '{') && peek(p)->kind != TK_EOF)
                    next(p);
                accept_punct(p, ']');
                return head;
            }
            idl_token name = next(p);
            idl_attr *a = idl_alloc(p->u->arena, sizeof *a);
            a->name = name.text;
            a->loc = name.loc;
            if (accept_punct(p, '('))
                parse_attr_args(p, a);
            *tail = a;
            tail = &a->next;
            if (!accept_punct(p, ','))
                break;
        }
        if (!accept_punct(p, ']')) {
            error_at_tok(p, "expected ']' or ',' in attribute list, found %s", tok_desc(p, peek(p)));
            while (!is_punct(p, ']') && !is_punct(p, ';') && !is_punct(p, '{') && peek(p)->kind != TK_EOF)
                next(p);
            accept_punct(p, ']');
        }
    }
    return head;
}

/* Statements -------------------------------------------------------------------- */

static void parse_decls(parser *p, int in_block);

static const char *expect_name(parser *p, const char *what, idl_loc *loc)
{
    idl_token *t = peek(p);
    if (t->kind != TK_IDENT) {
        error_at_tok(p, "expected %s name, found %s", what, tok_desc(p, t));
        return NULL;
    }
    idl_token n = next(p);
    *loc = n.loc;
    return n.text;
}

static idl_param *parse_params(parser *p, int *count)
{
    idl_param *head = NULL, **tail = &head;
    *count = 0;
    if (is_ident(p, "void")) {
        /* `(void)`: look past void without losing it if it starts a type */
        idl_token v = next(p);
        if (is_punct(p, ')'))
            return NULL;
        /* `void *p` etc.: re-parse with void as the base type */
        idl_param *a = idl_alloc(p->u->arena, sizeof *a);
        idl_type *base = idl_alloc(p->u->arena, sizeof *base);
        base->kind = TY_BUILTIN;
        base->bi = builtin_lookup("void");
        base->name = "void";
        base->loc = v.loc;
        a->loc = v.loc;
        a->type = parse_declarator(p, base, &a->name, &a->loc);
        if (!a->type)
            return NULL;
        *tail = a;
        tail = &a->next;
        (*count)++;
        if (!accept_punct(p, ','))
            return head;
    }
    while (!is_punct(p, ')') && peek(p)->kind != TK_EOF) {
        idl_param *a = idl_alloc(p->u->arena, sizeof *a);
        a->attrs = parse_attrs(p);
        if (is_punct(p, '.')) {
            error_at_tok(p, "variable argument lists are not supported");
            return NULL;
        }
        a->loc = peek(p)->loc;
        idl_type *base = parse_type_spec(p, a->attrs);
        if (!base)
            return NULL;
        a->type = parse_declarator(p, base, &a->name, &a->loc);
        if (!a->type)
            return NULL;
        if (!a->name)
            a->name = idl_printf(p->u->arena, "p%d", *count);
        *tail = a;
        tail = &a->next;
        (*count)++;
        if (!accept_punct(p, ','))
            break;
    }
    return head;
}

static idl_method *parse_method(parser *p, idl_attr *attrs)
{
    idl_method *m = idl_alloc(p->u->arena, sizeof *m);
    m->attrs = attrs;
    m->loc = peek(p)->loc;
    idl_type *ret = parse_type_spec(p, attrs);
    if (!ret)
        return NULL;
    m->ret = parse_declarator(p, ret, &m->name, &m->loc);
    if (!m->ret)
        return NULL;
    if (!m->name) {
        error_at_tok(p, "expected a method name, found %s", tok_desc(p, peek(p)));
        return NULL;
    }
    if (!is_punct(p, '(')) {
        error_at_tok(p, "expected '(' after method name '%s', found %s", m->name, tok_desc(p, peek(p)));
        return NULL;
    }
    next(p);
    m->params = parse_params(p, &m->nparams);
    if (!expect_punct(p, ')'))
        return NULL;
    if (!accept_punct(p, ';')) {
        error_at_tok(p, "expected ';' after method '%s', found %s", m->name, tok_desc(p, peek(p)));
        return NULL;
    }
    return m;
}

static void parse_cpp_quote(parser *p)
{
    idl_token kw = next(p);
    if (!expect_punct(p, '('))
        goto fail;
    if (peek(p)->kind != TK_STRING) {
        error_at_tok(p, "expected a string in cpp_quote, found %s", tok_desc(p, peek(p)));
        goto fail;
    }
    idl_buf b = {0};
    while (peek(p)->kind == TK_STRING) {
        idl_token s = next(p);
        buf_put(&b, s.text, s.len);
    }
    idl_decl *d = new_decl(p, D_CPPQUOTE, NULL, kw.loc);
    d->text = idl_strndup(p->u->arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    if (!expect_punct(p, ')'))
        goto fail;
    accept_punct(p, ';');
    add_decl(p, d);
    return;
fail:
    sync_stmt(p);
}

static void parse_typedef(parser *p)
{
    next(p);
    idl_attr *attrs = parse_attrs(p);
    idl_type *base = parse_type_spec(p, attrs);
    if (!base) {
        sync_stmt(p);
        return;
    }
    idl_decl *first = NULL, *prev = NULL;
    do {
        const char *name;
        idl_loc loc = peek(p)->loc;
        idl_type *t = parse_declarator(p, base, &name, &loc);
        if (!t) {
            sync_stmt(p);
            return;
        }
        if (!name) {
            error_at_tok(p, "expected a name in typedef, found %s", tok_desc(p, peek(p)));
            sync_stmt(p);
            return;
        }
        idl_decl *d = new_decl(p, D_TYPEDEF, name, loc);
        d->attrs = attrs;
        d->type = t;
        sym_add(p->u, d);
        if (prev) {
            prev->tnext = d;
            d->tfollower = 1;
        } else {
            first = d;
        }
        prev = d;
    } while (accept_punct(p, ','));
    if (!accept_punct(p, ';')) {
        error_at_tok(p, "expected ';' after typedef, found %s", tok_desc(p, peek(p)));
        sync_stmt(p);
    }
    if (first)
        add_decl(p, first);
}

static void parse_const(parser *p)
{
    next(p);
    idl_type *base = parse_type_spec(p, NULL);
    const char *name = NULL;
    idl_loc loc = peek(p)->loc;
    idl_type *t = base ? parse_declarator(p, base, &name, &loc) : NULL;
    if (!t || !name) {
        if (t)
            error_at_tok(p, "expected a constant name, found %s", tok_desc(p, peek(p)));
        sync_stmt(p);
        return;
    }
    if (!expect_punct(p, '=')) {
        sync_stmt(p);
        return;
    }
    idl_expr *e = parse_expr(p);
    if (!e || !accept_punct(p, ';')) {
        if (e)
            error_at_tok(p, "expected ';' after constant, found %s", tok_desc(p, peek(p)));
        sync_stmt(p);
        return;
    }
    idl_decl *d = new_decl(p, D_CONST, name, loc);
    d->type = t;
    d->expr = e;
    sym_add(p->u, d);
    add_decl(p, d);
}

/* `struct X {...};`, `enum E {...};` as statements. */
static void parse_tag_stmt(parser *p, idl_attr *attrs)
{
    idl_type *t = parse_type_spec(p, attrs);
    if (!t) {
        sync_stmt(p);
        return;
    }
    if (!accept_punct(p, ';')) {
        error_at_tok(p, "expected ';' after type definition (variables cannot be declared in IDL), found %s",
                     tok_desc(p, peek(p)));
        sync_stmt(p);
        return;
    }
    if (t->tagdecl) {
        t->tagdecl->attrs = attrs;
        add_decl(p, t->tagdecl);
    } else if (t->kind == TY_STRUCT || t->kind == TY_ENUM || t->kind == TY_UNION) {
        /* `struct X;`: a forward declaration; nothing to emit */
    } else {
        idl_error(p->d, t->loc, "declaration does not declare anything");
    }
}

static void parse_interface_body(parser *p, idl_decl *d)
{
    idl_method **tail = &d->methods;
    while (!is_punct(p, '}') && peek(p)->kind != TK_EOF && !p->d->too_many) {
        if (accept_punct(p, ';'))
            continue;
        if (is_ident(p, "cpp_quote")) {
            parse_cpp_quote(p);
            continue;
        }
        if (is_ident(p, "typedef")) {
            parse_typedef(p);
            continue;
        }
        if (is_ident(p, "const")) {
            parse_const(p);
            continue;
        }
        idl_attr *attrs = parse_attrs(p);
        if (is_ident(p, "struct") || is_ident(p, "enum") || is_ident(p, "union")) {
            parse_tag_stmt(p, attrs);
            continue;
        }
        idl_method *m = parse_method(p, attrs);
        if (!m) {
            sync_stmt(p);
            continue;
        }
        *tail = m;
        tail = &m->next;
    }
}

/*
 * The start of `interface NAME` / `dispinterface NAME` (keyword current):
 * the new declaration, or NULL when the statement is over - a forward
 * declaration (registered) or an error (skipped).
 */
static idl_decl *begin_interface(parser *p, decl_kind kind, const char *what, idl_attr *attrs)
{
    next(p);
    idl_loc loc;
    const char *name = expect_name(p, what, &loc);
    if (!name) {
        sync_stmt(p);
        return NULL;
    }
    idl_decl *d = new_decl(p, kind, name, loc);
    d->attrs = attrs;
    if (accept_punct(p, ';')) {
        sym_add(p->u, d);
        add_decl(p, d);
        return NULL;
    }
    return d;
}

/* The '{' of an interface's body: then it is defined (and named) here. */
static int open_body(parser *p, idl_decl *d)
{
    if (!expect_punct(p, '{')) {
        sync_stmt(p);
        return 0;
    }
    d->defined = 1;
    sym_add(p->u, d);
    return 1;
}

static void parse_interface(parser *p, idl_attr *attrs)
{
    idl_decl *d = begin_interface(p, D_INTERFACE, "an interface", attrs);
    if (!d)
        return;
    if (accept_punct(p, ':')) {
        d->parent_name = expect_name(p, "a base interface", &d->parent_loc);
        if (!d->parent_name) {
            sync_stmt(p);
            return;
        }
    }
    if (!open_body(p, d))
        return;
    parse_interface_body(p, d);
    expect_punct(p, '}');
    accept_punct(p, ';');
    add_decl(p, d);
}

static void parse_dispinterface(parser *p, idl_attr *attrs)
{
    idl_decl *d = begin_interface(p, D_DISPINTERFACE, "a dispinterface", attrs);
    if (!d || !open_body(p, d))
        return;
    if (is_ident(p, "interface")) {
        /* dispinterface D { interface IFoo; }: the dispatch view of IFoo */
        next(p);
        d->from_interface = 1;
        d->parent_name = expect_name(p, "an interface", &d->parent_loc);
        if (!d->parent_name || !expect_punct(p, ';'))
            sync_stmt(p);
    } else {
        if (is_ident(p, "properties")) {
            next(p);
            expect_punct(p, ':');
            idl_field **tail = &d->props;
            while (!is_ident(p, "methods") && !is_punct(p, '}') && peek(p)->kind != TK_EOF && !p->d->too_many) {
                idl_field *f = idl_alloc(p->u->arena, sizeof *f);
                f->attrs = parse_attrs(p);
                f->loc = peek(p)->loc;
                idl_type *base = parse_type_spec(p, f->attrs);
                f->type = base ? parse_declarator(p, base, &f->name, &f->loc) : NULL;
                if (!f->type || !f->name || !accept_punct(p, ';')) {
                    if (f->type)
                        error_at_tok(p, "expected a property name and ';', found %s", tok_desc(p, peek(p)));
                    sync_stmt(p);
                    continue;
                }
                *tail = f;
                tail = &f->next;
            }
        }
        if (is_ident(p, "methods")) {
            next(p);
            expect_punct(p, ':');
        }
        parse_interface_body(p, d);
    }
    expect_punct(p, '}');
    accept_punct(p, ';');
    add_decl(p, d);
}

/* `keyword name {`: the declaration it opens, or NULL (reported, skipped). */
static idl_decl *open_block(parser *p, decl_kind kind, const char *what, idl_attr *attrs)
{
    next(p);
    idl_loc loc;
    const char *name = expect_name(p, what, &loc);
    if (!name || !expect_punct(p, '{')) {
        sync_stmt(p);
        return NULL;
    }
    idl_decl *d = new_decl(p, kind, name, loc);
    d->attrs = attrs;
    return d;
}

static void parse_coclass(parser *p, idl_attr *attrs)
{
    idl_decl *d = open_block(p, D_COCLASS, "a coclass", attrs);
    if (!d)
        return;
    d->defined = 1;
    idl_coclass_item **tail = &d->items;
    while (!is_punct(p, '}') && peek(p)->kind != TK_EOF && !p->d->too_many) {
        idl_attr *ia = parse_attrs(p);
        if (!is_ident(p, "interface") && !is_ident(p, "dispinterface")) {
            error_at_tok(p, "expected 'interface' or 'dispinterface' in coclass, found %s", tok_desc(p, peek(p)));
            sync_stmt(p);
            continue;
        }
        next(p);
        idl_coclass_item *it = idl_alloc(p->u->arena, sizeof *it);
        it->attrs = ia;
        it->name = expect_name(p, "an interface", &it->loc);
        if (!it->name || !expect_punct(p, ';')) {
            sync_stmt(p);
            continue;
        }
        *tail = it;
        tail = &it->next;
    }
    expect_punct(p, '}');
    accept_punct(p, ';');
    sym_add(p->u, d);
    add_decl(p, d);
}

static void parse_library(parser *p, idl_attr *attrs)
{
    idl_decl *d = open_block(p, D_LIBRARY, "a library", attrs);
    if (!d)
        return;
    idl_loc loc = d->loc;
    if (p->library) {
        idl_error(p->d, loc, "library blocks cannot nest");
    } else {
        add_decl(p, d);
        if (!p->import_file) {
            if (p->u->library)
                idl_error(p->d, loc, "a second library block; comidl writes one type library per file");
            else
                p->u->library = d;
        }
        p->library = d;
    }
    parse_decls(p, 1);
    if (p->library == d)
        p->library = NULL;
    expect_punct(p, '}');
    accept_punct(p, ';');
    /* Library names live apart from types: bits.idl's library and coclass share one. */
}

static void parse_import(parser *p)
{
    idl_token kw = next(p);
    do {
        if (peek(p)->kind != TK_STRING) {
            error_at_tok(p, "expected a file name string after 'import', found %s", tok_desc(p, peek(p)));
            sync_stmt(p);
            return;
        }
        idl_token f = next(p);
        idl_do_import(p->u, p->imp, f.text, f.loc, p->import_depth + 1);
        if (!p->import_file && !p->library) {
            idl_decl *d = new_decl(p, D_IMPORT, NULL, kw.loc);
            d->text = f.text;
            add_decl(p, d);
        }
    } while (accept_punct(p, ','));
    if (!accept_punct(p, ';')) {
        error_at_tok(p, "expected ';' after import, found %s", tok_desc(p, peek(p)));
        sync_stmt(p);
    }
}

static void skip_block(parser *p)
{
    int depth = 0;
    while (peek(p)->kind != TK_EOF) {
        idl_token t = next(p);
        if (t.kind == TK_PUNCT && t.punct == '{')
            depth++;
        else if (t.kind == TK_PUNCT && t.punct == '}' && --depth <= 0)
            break;
    }
    accept_punct(p, ';');
}

static void parse_decls(parser *p, int in_block)
{
    while (peek(p)->kind != TK_EOF && !p->d->too_many) {
        if (is_punct(p, '}')) {
            if (in_block)
                return;
            error_at_tok(p, "unexpected '}'");
            next(p);
            continue;
        }
        if (accept_punct(p, ';'))
            continue;
        if (is_ident(p, "import")) {
            parse_import(p);
            continue;
        }
        if (is_ident(p, "importlib")) {
            idl_token kw = next(p);
            if (expect_punct(p, '(') && peek(p)->kind == TK_STRING) {
                idl_token f = next(p);
                if (strcmp(f.text, "stdole2.tlb") && strcmp(f.text, "stdole32.tlb"))
                    idl_warning(p->d, kw.loc, "importlib(\"%s\") ignored: import the IDL file instead", f.text);
                expect_punct(p, ')');
                accept_punct(p, ';');
            } else {
                sync_stmt(p);
            }
            continue;
        }
        if (is_ident(p, "cpp_quote")) {
            parse_cpp_quote(p);
            continue;
        }
        if (is_ident(p, "midl_pragma")) {
            idl_token kw = next(p);
            idl_note(p->d, kw.loc, "midl_pragma ignored");
            if (peek(p)->kind == TK_IDENT)
                next(p);
            if (accept_punct(p, '('))
                skip_parens(p);
            accept_punct(p, ';');
            continue;
        }
        if (is_ident(p, "typedef")) {
            parse_typedef(p);
            continue;
        }
        if (is_ident(p, "const")) {
            parse_const(p);
            continue;
        }
        idl_attr *attrs = parse_attrs(p);
        if (is_ident(p, "interface")) {
            parse_interface(p, attrs);
        } else if (is_ident(p, "dispinterface")) {
            parse_dispinterface(p, attrs);
        } else if (is_ident(p, "coclass")) {
            parse_coclass(p, attrs);
        } else if (is_ident(p, "library")) {
            parse_library(p, attrs);
        } else if (is_ident(p, "module")) {
            idl_token kw = next(p);
            idl_note(p->d, kw.loc, "module blocks are not supported and are skipped");
            skip_block(p);
        } else if (is_ident(p, "struct") || is_ident(p, "enum") || is_ident(p, "union")) {
            parse_tag_stmt(p, attrs);
        } else {
            error_at_tok(p, "expected a declaration, found %s", tok_desc(p, peek(p)));
            if (is_punct(p, '{') || is_punct(p, '}'))
                next(p);
            sync_stmt(p);
        }
    }
}

void parse_file(idl_unit *u, const char *file, const char *src, size_t len, int cpp_output,
                const char *import_file, int base_import, idl_import_ctx *imp, int depth)
{
    parser p;
    memset(&p, 0, sizeof p);
    p.u = u;
    p.d = u->diag;
    p.import_file = import_file;
    p.base_import = base_import;
    p.imp = imp;
    p.import_depth = depth;
    lexer_init(&p.lx, u->arena, u->diag, file, src, len, cpp_output);
    parse_decls(&p, 0);
}
