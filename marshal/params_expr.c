/*
 * params_expr.c - the codec's type predicates, error messages, and the
 * evaluator of size_is/length_is/iid_is expressions.
 *
 * Expressions run on the stub over values a hostile peer chose, so every
 * operation is checked: overflow, division by zero, shifts out of range
 * and reads through NULL pointers are errors (c->bad), never UB.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "params_internal.h"

HRESULT pc_fail(pctx *c, HRESULT hr, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *mname = c->m && c->m->name ? c->m->name : "?";
    if (c->m && c->param < c->m->nparams)
        return comrt_error_set(hr, "method '%s', parameter '%s': %s", mname,
                               c->m->params[c->param].name ? c->m->params[c->param].name : "?", msg);
    return comrt_error_set(hr, "method '%s': %s", mname, msg);
}

int pc_blittable(const comrt_tl_type *t)
{
    return (t->kind >= COMRT_TL_I1 && t->kind <= COMRT_TL_R8) || t->kind == COMRT_TL_ENUM;
}

int pc_needs_free(const comrt_tl_type *t)
{
    switch (t->kind) {
    case COMRT_TL_BSTR:
    case COMRT_TL_INTERFACE:
    case COMRT_TL_PTR:
    case COMRT_TL_VARIANT:
    case COMRT_TL_SAFEARRAY:
        return 1;
    case COMRT_TL_ARRAY:
        return t->count && pc_needs_free(t->elem);
    case COMRT_TL_STRUCT:
        /* By-value nesting is acyclic and bounded (the loader checks). */
        for (uint32_t i = 0; i < t->record->nfields; i++)
            if (pc_needs_free(t->record->fields[i].type))
                return 1;
        return 0;
    default:
        return 0;
    }
}

int pc_may_be_null(const comrt_tl_type *t, int top)
{
    if (t->flags & (COMRT_TL_F_UNIQUE | COMRT_TL_F_FULL))
        return 1;
    return !top && !(t->flags & COMRT_TL_F_REF);
}

int pc_nullable(const comrt_tl_type *t)
{
    return t->kind == COMRT_TL_PTR || t->kind == COMRT_TL_BSTR || t->kind == COMRT_TL_INTERFACE ||
           t->kind == COMRT_TL_SAFEARRAY;
}

int pc_uses_exprs(const comrt_tl_type *t)
{
    for (int n = 0; t && n < 64; n++, t = t->elem) {
        if (t->size_is || t->length_is || t->iid_is)
            return 1;
        if (t->kind != COMRT_TL_PTR && t->kind != COMRT_TL_ARRAY)
            break;
    }
    return 0;
}

int pc_read_int(const comrt_tl_type *t, const void *mem, int64_t *out)
{
    switch (t->kind) {
    case COMRT_TL_I1: { int8_t v; memcpy(&v, mem, 1); *out = v; return 1; }
    case COMRT_TL_U1: { uint8_t v; memcpy(&v, mem, 1); *out = v; return 1; }
    case COMRT_TL_I2: { int16_t v; memcpy(&v, mem, 2); *out = v; return 1; }
    case COMRT_TL_U2: { uint16_t v; memcpy(&v, mem, 2); *out = v; return 1; }
    case COMRT_TL_I4:
    case COMRT_TL_ENUM: { int32_t v; memcpy(&v, mem, 4); *out = v; return 1; }
    case COMRT_TL_U4: { uint32_t v; memcpy(&v, mem, 4); *out = v; return 1; }
    case COMRT_TL_I8: { int64_t v; memcpy(&v, mem, 8); *out = v; return 1; }
    case COMRT_TL_U8: {
        uint64_t v;
        memcpy(&v, mem, 8);
        if (v > INT64_MAX)
            return 0;
        *out = (int64_t)v;
        return 1;
    }
    default:
        return 0;
    }
}

/* The value an operand names: a parameter or a sibling field, read
 * directly (PARAM/FIELD) or through the pointer it holds (DEREF_*). */
static HRESULT operand(pctx *c, uint32_t op, int64_t idx, int64_t *out)
{
    const comrt_tl_type *t;
    const void *mem;
    if (op == COMRT_TL_OP_PARAM || op == COMRT_TL_OP_DEREF_PARAM) {
        if (!c->args || idx < 0 || (uint64_t)idx >= c->m->nparams)
            return pc_fail(c, c->bad, "an expression names parameter %lld, which does not exist", (long long)idx);
        t = c->m->params[idx].type;
        mem = c->args[1 + idx];
    } else {
        if (!c->rec || idx < 0 || (uint64_t)idx >= c->rec->nfields)
            return pc_fail(c, c->bad, "an expression names field %lld, which does not exist", (long long)idx);
        t = c->rec->fields[idx].type;
        mem = c->base + c->rec->fields[idx].offset;
    }
    if (!mem)
        return pc_fail(c, c->bad, "an expression reads a missing value");
    if (op == COMRT_TL_OP_DEREF_PARAM || op == COMRT_TL_OP_DEREF_FIELD) {
        if (t->kind != COMRT_TL_PTR)
            return pc_fail(c, c->bad, "an expression dereferences a value that is not a pointer");
        const void *p;
        memcpy(&p, mem, sizeof p);
        if (!p)
            return pc_fail(c, c->bad, "an expression dereferences a NULL pointer");
        t = t->elem;
        mem = p;
    } else if (t->kind == COMRT_TL_PTR) {
        /* iid_is(riid): the value is the pointer itself. */
        const void *p;
        memcpy(&p, mem, sizeof p);
        *out = (int64_t)(intptr_t)p;
        return S_OK;
    }
    if (!pc_read_int(t, mem, out))
        return pc_fail(c, c->bad, "an expression reads a value that is not an integer");
    return S_OK;
}

HRESULT pc_eval(pctx *c, const comrt_tl_expr *e, int64_t *out)
{
    int64_t st[64];
    uint32_t sp = 0;
    HRESULT hr;
    for (uint32_t i = 0; i < e->nops; i++) {
        uint32_t op = e->ops[i].op;
        int64_t v = e->ops[i].value, a, b, r = 0;
        if (op <= COMRT_TL_OP_DEREF_FIELD) {
            if (sp == 64)
                return pc_fail(c, c->bad, "an expression is too deep");
            if (op == COMRT_TL_OP_CONST)
                r = v;
            else if (FAILED(hr = operand(c, op, v, &r)))
                return hr;
            st[sp++] = r;
            continue;
        }
        if (op <= COMRT_TL_OP_BITNOT) {
            if (sp < 1)
                goto malformed;
            a = st[sp - 1];
            if (op == COMRT_TL_OP_NEG) {
                if (a == INT64_MIN)
                    goto overflow;
                r = -a;
            } else if (op == COMRT_TL_OP_NOT) {
                r = !a;
            } else {
                r = ~a;
            }
            st[sp - 1] = r;
            continue;
        }
        if (op == COMRT_TL_OP_COND) {
            if (sp < 3)
                goto malformed;
            st[sp - 3] = st[sp - 3] ? st[sp - 2] : st[sp - 1];
            sp -= 2;
            continue;
        }
        if (op > COMRT_TL_OP_MAX || sp < 2)
            goto malformed;
        a = st[sp - 2];
        b = st[sp - 1];
        switch (op) {
        case COMRT_TL_OP_ADD: if (__builtin_add_overflow(a, b, &r)) goto overflow; break;
        case COMRT_TL_OP_SUB: if (__builtin_sub_overflow(a, b, &r)) goto overflow; break;
        case COMRT_TL_OP_MUL: if (__builtin_mul_overflow(a, b, &r)) goto overflow; break;
        case COMRT_TL_OP_DIV:
        case COMRT_TL_OP_MOD:
            if (b == 0)
                return pc_fail(c, c->bad, "division by zero in a size expression");
            if (a == INT64_MIN && b == -1)
                goto overflow;
            r = op == COMRT_TL_OP_DIV ? a / b : a % b;
            break;
        case COMRT_TL_OP_SHL:
            if (b < 0 || b > 62 || a < 0 || a > (INT64_MAX >> b))
                goto overflow;
            r = a << b;
            break;
        case COMRT_TL_OP_SHR:
            if (b < 0 || b > 63)
                goto overflow;
            r = a >> b;
            break;
        case COMRT_TL_OP_AND: r = a & b; break;
        case COMRT_TL_OP_OR: r = a | b; break;
        case COMRT_TL_OP_XOR: r = a ^ b; break;
        case COMRT_TL_OP_LAND: r = a && b; break;
        case COMRT_TL_OP_LOR: r = a || b; break;
        case COMRT_TL_OP_EQ: r = a == b; break;
        case COMRT_TL_OP_NE: r = a != b; break;
        case COMRT_TL_OP_LT: r = a < b; break;
        case COMRT_TL_OP_LE: r = a <= b; break;
        case COMRT_TL_OP_GT: r = a > b; break;
        case COMRT_TL_OP_GE: r = a >= b; break;
        default: goto malformed;
        }
        st[--sp - 1] = r;
    }
    if (sp != 1)
        goto malformed;
    *out = st[0];
    return S_OK;
malformed:
    return pc_fail(c, c->bad, "a size expression is malformed");
overflow:
    return pc_fail(c, c->bad, "a size expression overflows");
}

HRESULT pc_count(pctx *c, const comrt_tl_expr *e, const char *what, int64_t *out)
{
    HRESULT hr = pc_eval(c, e, out);
    if (FAILED(hr))
        return hr;
    /* Counts beyond 2^40 are absurd for any element size and keep the
     * byte arithmetic of the callers far from overflowing. */
    if (*out < 0 || *out > ((int64_t)1 << 40))
        return pc_fail(c, c->bad, "%s is %lld", what, (long long)*out);
    return S_OK;
}

HRESULT pc_iid(pctx *c, const comrt_tl_type *t, const IID **iid)
{
    if (!t->iid_is) {
        *iid = &t->iid;
        return S_OK;
    }
    /* Only iid_is(riid) makes sense: one parameter or field holding a
     * pointer to a GUID. Anything else would turn an integer into a
     * pointer. */
    const comrt_tl_expr *e = t->iid_is;
    const comrt_tl_type *pt = NULL;
    if (e->nops == 1 && e->ops[0].op == COMRT_TL_OP_PARAM && e->ops[0].value >= 0 &&
        (uint64_t)e->ops[0].value < c->m->nparams)
        pt = c->m->params[e->ops[0].value].type;
    else if (e->nops == 1 && e->ops[0].op == COMRT_TL_OP_FIELD && c->rec && e->ops[0].value >= 0 &&
             (uint64_t)e->ops[0].value < c->rec->nfields)
        pt = c->rec->fields[e->ops[0].value].type;
    if (!pt || pt->kind != COMRT_TL_PTR || pt->elem->kind != COMRT_TL_STRUCT || pt->elem->size != sizeof(IID))
        return pc_fail(c, c->bad, "iid_is does not name a REFIID");
    int64_t v;
    HRESULT hr = pc_eval(c, e, &v);
    if (FAILED(hr))
        return hr;
    if (!v)
        return pc_fail(c, c->bad, "iid_is names a NULL IID");
    *iid = (const IID *)(intptr_t)v;
    return S_OK;
}
