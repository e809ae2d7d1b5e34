/*
 * parse_type.c - type specifiers, C declarators, struct/enum bodies and
 * constant expressions. Recursion is bounded by IDL_MAX_DEPTH so that
 * "((((..." or "********..." cannot exhaust the stack.
 */
#include <string.h>

#include "parser.h"

static int enter(parser *p)
{
    if (p->nest >= IDL_MAX_DEPTH) {
        error_at_tok(p, "nesting too deep at %s", tok_desc(p, peek(p)));
        return 0;
    }
    p->nest++;
    return 1;
}

static idl_type *new_type(parser *p, type_kind k, idl_loc loc)
{
    idl_type *t = idl_alloc(p->u->arena, sizeof *t);
    t->kind = k;
    t->loc = loc;
    return t;
}

static const struct {
    const char *word;
    unsigned kw;
} keywords[] = {
    {"signed", KW_SIGNED}, {"unsigned", KW_UNSIGNED}, {"short", KW_SHORT}, {"long", KW_LONG},
    {"int", KW_INT},       {"char", KW_CHAR},         {"small", KW_SMALL}, {"hyper", KW_HYPER},
    {"__int64", KW_INT64}, {"byte", KW_BYTE},         {"boolean", KW_BOOLEAN}, {"float", KW_FLOAT},
    {"double", KW_DOUBLE}, {"void", KW_VOID},         {"__int32", KW_INT}, {"__int8", KW_SMALL},
    {"__int16", KW_SHORT},
};

static unsigned keyword_flag(const idl_token *t)
{
    if (t->kind != TK_IDENT)
        return 0;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcmp(t->text, keywords[i].word) == 0)
            return keywords[i].kw;
    return 0;
}

int starts_type(parser *p)
{
    idl_token *t = peek(p);
    if (t->kind != TK_IDENT)
        return 0;
    static const char *const reserved[] = {"interface", "dispinterface", "coclass", "library", "module",
                                           "import", "importlib", "cpp_quote", "typedef", "properties",
                                           "methods", "midl_pragma"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(t->text, reserved[i]) == 0)
            return 0;
    return 1;
}

static idl_field *parse_fields(parser *p);
static idl_enumval *parse_enum_values(parser *p, idl_type *owner);

/* struct/union/enum [tag] [{ body }] */
static idl_type *parse_tagged(parser *p, type_kind kind)
{
    idl_token kw = next(p);
    idl_type *t = new_type(p, kind, kw.loc);
    if (peek(p)->kind == TK_IDENT)
        t->name = next(p).text;
    if (is_punct(p, '{')) {
        next(p);
        t->has_body = 1;
        if (kind == TY_ENUM)
            t->values = parse_enum_values(p, t);
        else
            t->fields = parse_fields(p);
        expect_punct(p, '}');
        if (t->name) {
            decl_kind dk = kind == TY_STRUCT ? D_STRUCT : kind == TY_ENUM ? D_ENUM : D_UNION;
            idl_decl *d = new_decl(p, dk, t->name, kw.loc);
            d->type = t;
            t->tagdecl = d;
            tag_add(p->u, d);
        }
    } else if (!t->name) {
        error_at_tok(p, "expected a tag name or '{' after '%s', found %s", kw.text, tok_desc(p, peek(p)));
    }
    return t;
}

idl_type *parse_type_spec(parser *p, idl_attr *attrs)
{
    (void)attrs;
    idl_loc loc = peek(p)->loc;
    int is_const = 0;
    unsigned kw = 0;
    idl_type *t = NULL;
    for (;;) {
        idl_token *tok = peek(p);
        if (tok->kind != TK_IDENT)
            break;
        unsigned f;
        if (strcmp(tok->text, "const") == 0) {
            next(p);
            is_const = 1;
        } else if ((f = keyword_flag(tok)) != 0 && !t) {
            idl_token k = next(p);
            if (f == KW_LONG && (kw & KW_LONG)) {
                kw = (kw & ~(unsigned)KW_LONG) | KW_LONGLONG;
            } else if (kw & f) {
                idl_error(p->d, k.loc, "duplicate '%s'", k.text);
            } else {
                kw |= f;
            }
        } else if (kw || t) {
            break;
        } else if (strcmp(tok->text, "struct") == 0) {
            t = parse_tagged(p, TY_STRUCT);
        } else if (strcmp(tok->text, "union") == 0) {
            t = parse_tagged(p, TY_UNION);
        } else if (strcmp(tok->text, "enum") == 0) {
            t = parse_tagged(p, TY_ENUM);
        } else if (strcmp(tok->text, "SAFEARRAY") == 0) {
            idl_token sa = next(p);
            t = new_type(p, TY_SAFEARRAY, sa.loc);
            if (expect_punct(p, '(')) {
                if (!enter(p))
                    return NULL;
                idl_type *elem = parse_type_spec(p, NULL);
                if (elem)
                    elem = parse_declarator(p, elem, NULL, NULL);
                p->nest--;
                t->sub = elem;
                expect_punct(p, ')');
                if (!elem)
                    return NULL;
            }
        } else {
            idl_token name = next(p);
            const idl_builtin *bi = builtin_lookup(name.text);
            t = new_type(p, bi ? TY_BUILTIN : TY_NAMED, name.loc);
            t->bi = bi;
            t->name = name.text;
        }
    }
    if (kw) {
        const char *why;
        const idl_builtin *bi = builtin_from_keywords(kw, &why);
        if (!bi) {
            idl_error(p->d, loc, "%s", why);
            bi = builtin_lookup("long");
        }
        t = new_type(p, TY_BUILTIN, loc);
        t->bi = bi;
        t->name = bi->name;
    }
    if (!t) {
        error_at_tok(p, "expected a type, found %s", tok_desc(p, peek(p)));
        return NULL;
    }
    t->is_const |= is_const;
    return t;
}

idl_type *parse_declarator(parser *p, idl_type *base, const char **name, idl_loc *name_loc)
{
    idl_type *t = base;
    int depth = 0;
    if (name)
        *name = NULL;
    for (;;) {
        if (is_punct(p, '*')) {
            idl_token star = next(p);
            if (++depth > IDL_MAX_DEPTH) {
                idl_error(p->d, star.loc, "too many levels of pointers");
                return NULL;
            }
            idl_type *ptr = new_type(p, TY_POINTER, star.loc);
            ptr->sub = t;
            t = ptr;
        } else if (is_ident(p, "const")) {
            next(p);
            t->is_const = 1;
        } else if (peek(p)->kind == TK_IDENT && (strcmp(peek(p)->text, "__RPC_FAR") == 0 ||
                                                  strcmp(peek(p)->text, "__stdcall") == 0 ||
                                                  strcmp(peek(p)->text, "STDMETHODCALLTYPE") == 0)) {
            next(p); /* Windows calling-convention noise: meaningless here */
        } else {
            break;
        }
    }
    if (is_punct(p, '(')) {
        error_at_tok(p, "function pointers and parenthesized declarators are not supported");
        return NULL;
    }
    if (peek(p)->kind == TK_IDENT && name) {
        idl_token n = next(p);
        *name = n.text;
        if (name_loc)
            *name_loc = n.loc;
    }
    /* Array dimensions, outermost first: a[2][3] is an array of 2 arrays of 3. */
    idl_type *dims[IDL_MAX_DEPTH];
    int ndims = 0;
    while (is_punct(p, '[')) {
        idl_token lb = next(p);
        if (ndims >= IDL_MAX_DEPTH) {
            idl_error(p->d, lb.loc, "too many array dimensions");
            return NULL;
        }
        idl_type *a = new_type(p, TY_ARRAY, lb.loc);
        if (is_punct(p, '*'))
            next(p);
        else if (!is_punct(p, ']'))
            a->dim = parse_expr(p);
        if (!expect_punct(p, ']'))
            return NULL;
        dims[ndims++] = a;
    }
    for (int i = ndims - 1; i >= 0; i--) {
        dims[i]->sub = t;
        t = dims[i];
    }
    return t;
}

/* Fields of a struct (or dispinterface properties): [attrs] type decl, decl; */
static idl_field *parse_fields(parser *p)
{
    idl_field *head = NULL, **tail = &head;
    if (!enter(p))
        return NULL;
    while (!is_punct(p, '}') && peek(p)->kind != TK_EOF && !p->d->too_many) {
        idl_attr *attrs = parse_attrs(p);
        idl_type *base = parse_type_spec(p, attrs);
        if (!base) {
            sync_stmt(p);
            continue;
        }
        do {
            idl_field *f = idl_alloc(p->u->arena, sizeof *f);
            f->attrs = attrs;
            f->loc = peek(p)->loc;
            f->type = parse_declarator(p, base, &f->name, &f->loc);
            if (!f->type)
                break;
            if (!f->name && !(base->kind == TY_STRUCT || base->kind == TY_UNION))
                error_at_tok(p, "expected a field name, found %s", tok_desc(p, peek(p)));
            *tail = f;
            tail = &f->next;
        } while (accept_punct(p, ','));
        if (!accept_punct(p, ';')) {
            error_at_tok(p, "expected ';' after field, found %s", tok_desc(p, peek(p)));
            sync_stmt(p);
        }
    }
    p->nest--;
    return head;
}

static idl_enumval *parse_enum_values(parser *p, idl_type *owner)
{
    idl_enumval *head = NULL, **tail = &head;
    while (!is_punct(p, '}') && peek(p)->kind != TK_EOF && !p->d->too_many) {
        parse_attrs(p); /* [helpstring] on values: accepted, unused */
        if (peek(p)->kind != TK_IDENT) {
            error_at_tok(p, "expected an enumerator name, found %s", tok_desc(p, peek(p)));
            while (!is_punct(p, '}') && !is_punct(p, ',') && peek(p)->kind != TK_EOF)
                next(p);
            if (!accept_punct(p, ','))
                break;
            continue;
        }
        idl_token n = next(p);
        idl_enumval *v = idl_alloc(p->u->arena, sizeof *v);
        v->owner = owner;
        v->name = n.text;
        v->loc = n.loc;
        if (accept_punct(p, '='))
            v->expr = parse_cond_expr(p);
        idl_decl *d = new_decl(p, D_ENUMVAL, v->name, v->loc);
        d->enumval = v;
        sym_add(p->u, d);
        *tail = v;
        tail = &v->next;
        if (!accept_punct(p, ','))
            break;
    }
    return head;
}

/* Expressions ------------------------------------------------------------------- */

static idl_expr *new_expr(parser *p, expr_kind k, idl_loc loc)
{
    idl_expr *e = idl_alloc(p->u->arena, sizeof *e);
    e->kind = k;
    e->loc = loc;
    return e;
}

static idl_expr *parse_unary(parser *p);

static idl_expr *parse_primary(parser *p)
{
    idl_token *t = peek(p);
    idl_expr *e;
    switch (t->kind) {
    case TK_INT:
        e = new_expr(p, EX_INT, t->loc);
        e->ival = t->ival;
        e->is_unsigned = t->is_unsigned;
        next(p);
        return e;
    case TK_FLOAT:
        e = new_expr(p, EX_FLOAT, t->loc);
        e->fval = t->fval;
        next(p);
        return e;
    case TK_CHAR:
        e = new_expr(p, EX_CHAR, t->loc);
        e->ival = t->ival;
        next(p);
        return e;
    case TK_STRING: {
        e = new_expr(p, EX_STRING, t->loc);
        idl_buf b = {0};
        while (peek(p)->kind == TK_STRING) { /* adjacent literals concatenate */
            idl_token s = next(p);
            buf_put(&b, s.text, s.len);
        }
        e->str = idl_strndup(p->u->arena, b.data ? b.data : "", b.len);
        buf_free(&b);
        return e;
    }
    case TK_IDENT:
        if (strcmp(t->text, "sizeof") == 0) {
            e = new_expr(p, EX_SIZEOF, t->loc);
            next(p);
            if (!expect_punct(p, '('))
                return NULL;
            idl_type *ty = parse_type_spec(p, NULL);
            if (ty)
                ty = parse_declarator(p, ty, NULL, NULL);
            e->type = ty;
            if (!expect_punct(p, ')') || !ty)
                return NULL;
            return e;
        }
        e = new_expr(p, EX_IDENT, t->loc);
        e->str = t->text;
        next(p);
        return e;
    case TK_PUNCT:
        if (t->punct == '(') {
            next(p);
            e = parse_expr(p);
            if (!e || !expect_punct(p, ')'))
                return NULL;
            return e;
        }
        /* fall through */
    default:
        error_at_tok(p, "expected an expression, found %s", tok_desc(p, t));
        return NULL;
    }
}

static idl_expr *parse_unary(parser *p)
{
    if (!enter(p))
        return NULL;
    idl_expr *e;
    idl_token *t = peek(p);
    if (t->kind == TK_PUNCT && (t->punct == '-' || t->punct == '+' || t->punct == '!' || t->punct == '~' ||
                                t->punct == '*')) {
        idl_token op = next(p);
        idl_expr *a = parse_unary(p);
        if (!a) {
            e = NULL;
        } else if (op.punct == '+') {
            e = a;
        } else {
            e = new_expr(p, op.punct == '*' ? EX_DEREF : EX_UNARY, op.loc);
            e->op = op.punct;
            e->a = a;
        }
    } else {
        e = parse_primary(p);
    }
    p->nest--;
    return e;
}

static int binary_prec(const idl_token *t)
{
    if (t->kind != TK_PUNCT)
        return 0;
    switch (t->punct) {
    case OP_LOR: return 1;
    case OP_LAND: return 2;
    case '|': return 3;
    case '^': return 4;
    case '&': return 5;
    case OP_EQ: case OP_NE: return 6;
    case '<': case '>': case OP_LE: case OP_GE: return 7;
    case OP_SHL: case OP_SHR: return 8;
    case '+': case '-': return 9;
    case '*': case '/': case '%': return 10;
    default: return 0;
    }
}

static idl_expr *parse_binary(parser *p, int min_prec)
{
    if (!enter(p))
        return NULL;
    idl_expr *lhs = parse_unary(p);
    while (lhs) {
        int prec = binary_prec(peek(p));
        if (prec < min_prec || prec == 0)
            break;
        idl_token op = next(p);
        idl_expr *rhs = parse_binary(p, prec + 1);
        if (!rhs) {
            lhs = NULL;
            break;
        }
        idl_expr *e = new_expr(p, EX_BINARY, op.loc);
        e->op = op.punct;
        e->a = lhs;
        e->b = rhs;
        lhs = e;
    }
    p->nest--;
    return lhs;
}

idl_expr *parse_cond_expr(parser *p)
{
    if (!enter(p))
        return NULL;
    idl_expr *c = parse_binary(p, 1);
    if (c && is_punct(p, '?')) {
        idl_token q = next(p);
        idl_expr *a = parse_cond_expr(p);
        idl_expr *b = NULL;
        if (a && expect_punct(p, ':'))
            b = parse_cond_expr(p);
        if (!a || !b) {
            c = NULL;
        } else {
            idl_expr *e = new_expr(p, EX_COND, q.loc);
            e->a = c;
            e->b = a;
            e->c = b;
            c = e;
        }
    }
    p->nest--;
    return c;
}

idl_expr *parse_expr(parser *p)
{
    return parse_cond_expr(p);
}
