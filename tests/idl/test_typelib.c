/*
 * test_typelib.c - comidl's generated layout against the C compiler and
 * comrt's hand-written headers, and the type-library runtime: lookups,
 * round trips, hostile input and registration.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>
#include <comrt/typelib.h>

#include "layout.h"

extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

#define SAME_SLOT(gen, hand, m) ck_assert_uint_eq(offsetof(gen, m), offsetof(hand, m))
#define HAS_TYPE(expr, type) ck_assert(__builtin_types_compatible_p(__typeof__(expr), type))

static unsigned char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len + 1);
    ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static comrt_typelib *load_layout(void)
{
    comrt_typelib *tl = NULL;
    HRESULT hr = comrt_typelib_load_file(LAYOUT_TLB, &tl);
    ck_assert_msg(SUCCEEDED(hr), "load %s: 0x%08x", LAYOUT_TLB, (unsigned)hr);
    return tl;
}

static const comrt_tl_struct *find_struct(const comrt_tl_library *l, const char *name)
{
    for (uint32_t i = 0; i < l->nstructs; i++)
        if (!strcmp(l->structs[i].name, name))
            return &l->structs[i];
    ck_abort_msg("no struct %s", name);
    return NULL;
}

static const comrt_tl_field *find_field(const comrt_tl_struct *s, const char *name)
{
    for (uint32_t i = 0; i < s->nfields; i++)
        if (!strcmp(s->fields[i].name, name))
            return &s->fields[i];
    ck_abort_msg("no field %s in %s", name, s->name);
    return NULL;
}

/* Generated vtables ------------------------------------------------------------ */

START_TEST(vtable_matches_hand_written)
{
    /* IMyFactory repeats IClassFactory's methods: same slots, same signatures. */
    SAME_SLOT(IMyFactoryVtbl, IClassFactoryVtbl, QueryInterface);
    SAME_SLOT(IMyFactoryVtbl, IClassFactoryVtbl, AddRef);
    SAME_SLOT(IMyFactoryVtbl, IClassFactoryVtbl, Release);
    SAME_SLOT(IMyFactoryVtbl, IClassFactoryVtbl, CreateInstance);
    SAME_SLOT(IMyFactoryVtbl, IClassFactoryVtbl, LockServer);
    ck_assert_uint_eq(sizeof(IMyFactoryVtbl), sizeof(IClassFactoryVtbl));
    HAS_TYPE(((IMyFactoryVtbl *)0)->CreateInstance, HRESULT(*)(IMyFactory *, IUnknown *, REFIID, void **));
    HAS_TYPE(((IMyFactoryVtbl *)0)->LockServer, HRESULT(*)(IMyFactory *, BOOL));
    HAS_TYPE(((IMyFactoryVtbl *)0)->AddRef, ULONG(*)(IMyFactory *));

    /* A dual interface inherits IDispatch's seven slots exactly. */
    SAME_SLOT(IMyDualVtbl, IDispatchVtbl, QueryInterface);
    SAME_SLOT(IMyDualVtbl, IDispatchVtbl, GetTypeInfoCount);
    SAME_SLOT(IMyDualVtbl, IDispatchVtbl, GetTypeInfo);
    SAME_SLOT(IMyDualVtbl, IDispatchVtbl, GetIDsOfNames);
    SAME_SLOT(IMyDualVtbl, IDispatchVtbl, Invoke);
    HAS_TYPE(((IMyDualVtbl *)0)->Invoke, HRESULT(*)(IMyDual *, DISPID, REFIID, LCID, WORD, DISPPARAMS *, VARIANT *,
                                                    EXCEPINFO *, UINT *));
    HAS_TYPE(((IMyDualVtbl *)0)->GetIDsOfNames, HRESULT(*)(IMyDual *, REFIID, LPOLESTR *, UINT, LCID, DISPID *));
    ck_assert_uint_eq(offsetof(IMyDualVtbl, get_Value), 7 * sizeof(void *));
    ck_assert_uint_eq(offsetof(IMyDualVtbl, put_Value), 8 * sizeof(void *));
    ck_assert_uint_eq(offsetof(IMyDualVtbl, Walk), 9 * sizeof(void *));
    ck_assert_uint_eq(sizeof(IMyDualVtbl), 10 * sizeof(void *));
    /* Inheritance from a user interface keeps every inherited slot. */
    ck_assert_uint_eq(offsetof(IMyDerivedVtbl, Walk), offsetof(IMyDualVtbl, Walk));
    ck_assert_uint_eq(offsetof(IMyDerivedVtbl, More), 10 * sizeof(void *));
    HAS_TYPE(((IMyDerivedVtbl *)0)->More, HRESULT(*)(IMyDerived *, ULONG, BSTR *, ULONG *));
    ck_assert_uint_eq(offsetof(IMyDerived, lpVtbl), 0);
    ck_assert_uint_eq(sizeof(IMyDerived), sizeof(void *));
    HAS_TYPE(((IMyDual *)0)->lpVtbl, const IMyDualVtbl *);
}
END_TEST

static IMyFactory *seen_this;
static BOOL seen_lock;
static HRESULT fake_lock(IMyFactory *This, BOOL fLock)
{
    seen_this = This;
    seen_lock = fLock;
    return S_FALSE;
}

START_TEST(call_macros_expand_to_vtable_calls)
{
    IMyFactoryVtbl vt;
    memset(&vt, 0, sizeof vt);
    vt.LockServer = fake_lock;
    IMyFactory obj = {&vt};
    ck_assert_int_eq(IMyFactory_LockServer(&obj, TRUE), S_FALSE);
    ck_assert_ptr_eq(seen_this, &obj);
    ck_assert_int_eq(seen_lock, TRUE);
}
END_TEST

/* Type library against the C compiler ------------------------------------------ */

#define FIELD_AT(s, type, f) ck_assert_uint_eq(find_field(s, #f)->offset, offsetof(type, f))

START_TEST(struct_layout_matches_compiler)
{
    comrt_typelib *tl = load_layout();
    const comrt_tl_library *l = comrt_typelib_library(tl);
    const comrt_tl_struct *m = find_struct(l, "MIXED");
    ck_assert_uint_eq(m->size, sizeof(MIXED));
    ck_assert_uint_eq(m->align, _Alignof(MIXED));
    FIELD_AT(m, MIXED, c);
    FIELD_AT(m, MIXED, h);
    FIELD_AT(m, MIXED, s);
    FIELD_AT(m, MIXED, inner);
    FIELD_AT(m, MIXED, arr);
    FIELD_AT(m, MIXED, name);
    FIELD_AT(m, MIXED, tail);
    const comrt_tl_type *inner = find_field(m, "inner")->type;
    ck_assert_uint_eq(inner->kind, COMRT_TL_STRUCT);
    ck_assert_uint_eq(inner->size, sizeof(((MIXED *)0)->inner));
    ck_assert_uint_eq(find_field(inner->record, "d")->offset, offsetof(MIXED, inner.d) - offsetof(MIXED, inner));
    const comrt_tl_type *arr = find_field(m, "arr")->type;
    ck_assert_uint_eq(arr->kind, COMRT_TL_ARRAY);
    ck_assert_uint_eq(arr->count, 3);
    ck_assert_uint_eq(arr->size, sizeof(((MIXED *)0)->arr));

    const comrt_tl_struct *n = find_struct(l, "NODE");
    ck_assert_uint_eq(n->size, sizeof(NODE));
    ck_assert_uint_eq(n->align, _Alignof(NODE));
    FIELD_AT(n, NODE, next);
    FIELD_AT(n, NODE, values);
    FIELD_AT(n, NODE, count);
    FIELD_AT(n, NODE, v);
    FIELD_AT(n, NODE, id);
    FIELD_AT(n, NODE, m);
    FIELD_AT(n, NODE, flag);
    /* next points back at NODE itself; values is sized by the count field */
    const comrt_tl_type *next = find_field(n, "next")->type;
    ck_assert_uint_eq(next->kind, COMRT_TL_PTR);
    ck_assert_ptr_eq(next->elem->record, n);
    const comrt_tl_type *values = find_field(n, "values")->type;
    ck_assert_ptr_nonnull(values->size_is);
    ck_assert_uint_eq(values->size_is->nops, 1);
    ck_assert_uint_eq(values->size_is->ops[0].op, COMRT_TL_OP_FIELD);
    ck_assert_int_eq(values->size_is->ops[0].value, 2);
    ck_assert_uint_eq(find_field(n, "v")->type->size, sizeof(VARIANT));
    ck_assert_uint_eq(find_field(n, "id")->type->size, sizeof(GUID));

    const comrt_tl_struct *h = find_struct(l, "HASENUM");
    ck_assert_uint_eq(h->size, sizeof(HASENUM));
    FIELD_AT(h, HASENUM, b);
    FIELD_AT(h, HASENUM, e);
    FIELD_AT(h, HASENUM, punk);
    FIELD_AT(h, HASENUM, sa);
    ck_assert_uint_eq(find_field(h, "e")->type->size, sizeof(LENUM));
    const comrt_tl_struct *d = find_struct(l, "DISPPARAMS");
    ck_assert_uint_eq(d->size, sizeof(DISPPARAMS));
    const comrt_tl_struct *e = find_struct(l, "EXCEPINFO");
    ck_assert_uint_eq(e->size, sizeof(EXCEPINFO));
    FIELD_AT(e, EXCEPINFO, scode);
    comrt_typelib_unref(tl);
}
END_TEST

/* Lookups -------------------------------------------------------------------------- */

START_TEST(interfaces_and_methods)
{
    comrt_typelib *tl = load_layout();
    const comrt_tl_interface *it = NULL, *dual = NULL;
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IMyDerived, &it), S_OK);
    ck_assert_str_eq(it->name, "IMyDerived");
    ck_assert_uint_eq(it->base_slots, 10);
    ck_assert_uint_eq(it->num_slots, 11);
    ck_assert_ptr_nonnull(it->parent);
    ck_assert_str_eq(it->parent->name, "IMyDual");
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IMyDual, &dual), S_OK);
    ck_assert_ptr_eq(it->parent, dual);
    ck_assert(dual->flags & COMRT_TL_I_DUAL);
    ck_assert(!(dual->flags & COMRT_TL_I_EXTERNAL));

    const comrt_tl_method *m = NULL;
    ck_assert_int_eq(comrt_tl_interface_method(it, 0, &m), S_OK);
    ck_assert_str_eq(m->name, "QueryInterface");
    ck_assert_int_eq(comrt_tl_interface_method(it, 5, &m), S_OK);
    ck_assert_str_eq(m->name, "GetIDsOfNames");
    ck_assert_int_eq(comrt_tl_interface_method(it, 7, &m), S_OK);
    ck_assert_str_eq(m->name, "Value");
    ck_assert_uint_eq(m->invkind, COMRT_TL_INVOKE_PROPGET);
    ck_assert_int_eq(m->dispid, 1);
    ck_assert_uint_eq(m->params[0].flags, COMRT_TL_P_OUT | COMRT_TL_P_RETVAL);
    ck_assert_int_eq(comrt_tl_interface_method(it, 8, &m), S_OK);
    ck_assert_uint_eq(m->invkind, COMRT_TL_INVOKE_PROPPUT);
    ck_assert_int_eq(comrt_tl_interface_method(it, 10, &m), S_OK);
    ck_assert_str_eq(m->name, "More");
    ck_assert_uint_eq(m->slot, 10);
    ck_assert_uint_eq(m->nparams, 3);
    const comrt_tl_type *names = m->params[1].type;
    ck_assert_uint_eq(m->params[1].flags, COMRT_TL_P_OUT);
    ck_assert_uint_eq(names->kind, COMRT_TL_PTR);
    ck_assert_uint_eq(names->elem->kind, COMRT_TL_BSTR);
    ck_assert_uint_eq(names->size_is->ops[0].op, COMRT_TL_OP_PARAM);
    ck_assert_int_eq(names->size_is->ops[0].value, 0);
    ck_assert_uint_eq(names->length_is->ops[0].op, COMRT_TL_OP_DEREF_PARAM);
    ck_assert_int_eq(names->length_is->ops[0].value, 2);
    ck_assert_int_eq(comrt_tl_interface_method(it, 11, &m), TYPE_E_ELEMENTNOTFOUND);
    ck_assert_ptr_null(m);

    /* [out, iid_is(riid)] void **ppv: a pointer to an interface pointer named by param 1 */
    const comrt_tl_interface *f = NULL;
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IMyFactory, &f), S_OK);
    const comrt_tl_type *ppv = f->methods[0].params[2].type;
    ck_assert_uint_eq(ppv->kind, COMRT_TL_PTR);
    ck_assert_uint_eq(ppv->elem->kind, COMRT_TL_INTERFACE);
    ck_assert_uint_eq(ppv->elem->iid_is->ops[0].op, COMRT_TL_OP_PARAM);
    ck_assert_int_eq(ppv->elem->iid_is->ops[0].value, 1);
    const comrt_tl_type *outer = f->methods[0].params[0].type;
    ck_assert_uint_eq(outer->kind, COMRT_TL_INTERFACE);
    ck_assert(IsEqualIID(&outer->iid, &IID_IUnknown));

    const comrt_tl_interface *unk = NULL;
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IUnknown, &unk), S_OK);
    ck_assert(unk->flags & COMRT_TL_I_EXTERNAL);
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IClassFactory, &unk), TYPE_E_ELEMENTNOTFOUND);
    char *msg = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(msg, LAYOUT_TLB));
    CoTaskMemFree(msg);

    const comrt_tl_coclass *c = NULL;
    ck_assert_int_eq(comrt_typelib_find_coclass(tl, &CLSID_Layout, &c), S_OK);
    ck_assert_uint_eq(c->nimpls, 2);
    ck_assert_uint_eq(c->impls[0].flags, COMRT_TL_IMPL_DEFAULT);
    ck_assert(IsEqualIID(&c->impls[1].iid, &IID_IMyFactory));
    ck_assert_int_eq(comrt_typelib_find_coclass(tl, &IID_IMyFactory, &c), TYPE_E_ELEMENTNOTFOUND);
    const comrt_tl_library *l = comrt_typelib_library(tl);
    ck_assert(IsEqualGUID(&l->libid, &LIBID_LayoutLib));
    ck_assert_uint_eq(l->ver_major, 1);
    ck_assert_uint_eq(l->ver_minor, 2);
    comrt_typelib_unref(tl);
}
END_TEST

/* Round trips ------------------------------------------------------------------------ */

static void same_expr(const comrt_tl_expr *a, const comrt_tl_expr *b)
{
    ck_assert((a == NULL) == (b == NULL));
    if (!a)
        return;
    ck_assert_uint_eq(a->nops, b->nops);
    for (uint32_t i = 0; i < a->nops; i++) {
        ck_assert_uint_eq(a->ops[i].op, b->ops[i].op);
        ck_assert_int_eq(a->ops[i].value, b->ops[i].value);
    }
}

static void same_type(const comrt_tl_type *a, const comrt_tl_type *b, int depth)
{
    ck_assert((a == NULL) == (b == NULL));
    if (!a || depth > 8)
        return;
    ck_assert_uint_eq(a->kind, b->kind);
    ck_assert_uint_eq(a->vt, b->vt);
    ck_assert_uint_eq(a->flags, b->flags);
    ck_assert_str_eq(a->name, b->name);
    ck_assert_uint_eq(a->count, b->count);
    ck_assert_uint_eq(a->size, b->size);
    ck_assert_uint_eq(a->align, b->align);
    same_expr(a->size_is, b->size_is);
    same_expr(a->length_is, b->length_is);
    same_expr(a->iid_is, b->iid_is);
    ck_assert(IsEqualGUID(&a->iid, &b->iid));
    if (a->record)
        ck_assert_str_eq(a->record->name, b->record->name);
    same_type(a->elem, b->elem, depth + 1);
}

static void same_library(const comrt_tl_library *a, const comrt_tl_library *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert(IsEqualGUID(&a->libid, &b->libid));
    ck_assert_uint_eq(a->ninterfaces, b->ninterfaces);
    ck_assert_uint_eq(a->nstructs, b->nstructs);
    ck_assert_uint_eq(a->nenums, b->nenums);
    ck_assert_uint_eq(a->ncoclasses, b->ncoclasses);
    ck_assert_uint_eq(a->nconsts, b->nconsts);
    for (uint32_t i = 0; i < a->nstructs; i++) {
        ck_assert_str_eq(a->structs[i].name, b->structs[i].name);
        ck_assert_uint_eq(a->structs[i].size, b->structs[i].size);
        ck_assert_uint_eq(a->structs[i].nfields, b->structs[i].nfields);
        for (uint32_t k = 0; k < a->structs[i].nfields; k++) {
            ck_assert_str_eq(a->structs[i].fields[k].name, b->structs[i].fields[k].name);
            ck_assert_uint_eq(a->structs[i].fields[k].offset, b->structs[i].fields[k].offset);
            same_type(a->structs[i].fields[k].type, b->structs[i].fields[k].type, 0);
        }
    }
    for (uint32_t i = 0; i < a->ninterfaces; i++) {
        const comrt_tl_interface *x = &a->interfaces[i], *y = &b->interfaces[i];
        ck_assert_str_eq(x->name, y->name);
        ck_assert(IsEqualIID(&x->iid, &y->iid));
        ck_assert_uint_eq(x->flags, y->flags);
        ck_assert_uint_eq(x->num_slots, y->num_slots);
        ck_assert_uint_eq(x->nmethods, y->nmethods);
        for (uint32_t k = 0; k < x->nmethods; k++) {
            const comrt_tl_method *p = &x->methods[k], *q = &y->methods[k];
            ck_assert_str_eq(p->name, q->name);
            ck_assert_uint_eq(p->slot, q->slot);
            ck_assert_int_eq(p->dispid, q->dispid);
            ck_assert_uint_eq(p->invkind, q->invkind);
            ck_assert_uint_eq(p->nparams, q->nparams);
            same_type(p->ret, q->ret, 0);
            for (uint32_t j = 0; j < p->nparams; j++) {
                ck_assert_str_eq(p->params[j].name, q->params[j].name);
                ck_assert_uint_eq(p->params[j].flags, q->params[j].flags);
                same_type(p->params[j].type, q->params[j].type, 0);
            }
        }
    }
}

START_TEST(file_round_trip)
{
    size_t n;
    unsigned char *bytes = read_all(LAYOUT_TLB, &n);
    comrt_typelib *a = NULL, *b = NULL;
    ck_assert_int_eq(comrt_typelib_load_memory(bytes, n, "layout", &a), S_OK);
    void *out = NULL;
    size_t outn = 0;
    ck_assert_int_eq(comrt_typelib_save(comrt_typelib_library(a), &out, &outn), S_OK);
    /* write -> load -> write is the identity on bytes, and the trees agree */
    ck_assert_uint_eq(outn, n);
    ck_assert(memcmp(out, bytes, n) == 0);
    ck_assert_int_eq(comrt_typelib_load_memory(out, outn, "again", &b), S_OK);
    same_library(comrt_typelib_library(a), comrt_typelib_library(b));
    /* the embedded copy (comidl --tlb-c) is the same library */
    ck_assert_uint_eq(comrt_typelib_size, n);
    ck_assert(memcmp(comrt_typelib_data, bytes, n) == 0);
    CoTaskMemFree(out);
    comrt_typelib_unref(comrt_typelib_ref(a));
    comrt_typelib_unref(a);
    comrt_typelib_unref(b);
    free(bytes);
}
END_TEST

START_TEST(built_round_trip)
{
    /* A library written by hand through the public structs. */
    comrt_tl_type i4 = {.kind = COMRT_TL_I4, .vt = VT_I4, .name = "LONG"};
    comrt_tl_type hr = {.kind = COMRT_TL_I4, .vt = VT_HRESULT, .name = "HRESULT"};
    comrt_tl_type u1 = {.kind = COMRT_TL_U1, .vt = VT_UI1, .name = "BYTE"};
    comrt_tl_expr_op ops[] = {{COMRT_TL_OP_PARAM, 0}, {COMRT_TL_OP_CONST, 2}, {COMRT_TL_OP_MUL, 0}};
    comrt_tl_expr sz = {3, ops};
    comrt_tl_type buf = {.kind = COMRT_TL_PTR, .vt = VT_PTR, .flags = COMRT_TL_F_REF, .name = "", .elem = &u1,
                         .size_is = &sz};
    comrt_tl_field pf[2] = {{"tag", &u1, 0}, {"n", &i4, 0}};
    comrt_tl_struct rec = {"PAIR", 2, pf, 0, 0};
    comrt_tl_type pair = {.kind = COMRT_TL_STRUCT, .vt = VT_RECORD, .name = "PAIR", .record = &rec};
    comrt_tl_type ppair = {.kind = COMRT_TL_PTR, .vt = VT_PTR, .flags = COMRT_TL_F_UNIQUE, .name = "", .elem = &pair};
    comrt_tl_param params[2] = {{"n", COMRT_TL_P_IN, &i4, {0}}, {"data", COMRT_TL_P_OUT, &buf, {0}}};
    comrt_tl_param p2[1] = {{"p", COMRT_TL_P_IN | COMRT_TL_P_DEFAULT, &ppair, {COMRT_TL_VAL_INT, 0, 0, NULL}}};
    comrt_tl_method methods[2] = {
        {"Read", 3, 0x60020000, COMRT_TL_INVOKE_FUNC, 0, "reads", &hr, 2, params},
        {"Take", 4, 7, COMRT_TL_INVOKE_FUNC, COMRT_TL_M_HIDDEN, NULL, &hr, 1, p2},
    };
    comrt_tl_interface itf = {.name = "IReader", .iid = {0x11, 2, 3, {4, 5, 6, 7, 8, 9, 10, 11}}, .base_slots = 3,
                              .num_slots = 5, .nmethods = 2, .methods = methods, .parent_name = "IUnknown",
                              .parent_iid = IID_IUnknown};
    comrt_tl_const k = {"LIMIT", &i4, {COMRT_TL_VAL_STRING, 0, 0, "x"}};
    comrt_tl_library lib = {.name = "Built", .libid = {0x22, 0, 0, {0}}, .ver_major = 3, .ninterfaces = 1,
                            .interfaces = &itf, .nconsts = 1, .consts = &k};
    void *data = NULL;
    size_t n = 0;
    ck_assert_int_eq(comrt_typelib_save(&lib, &data, &n), S_OK);
    comrt_typelib *tl = NULL;
    ck_assert_int_eq(comrt_typelib_load_memory(data, n, "built", &tl), S_OK);
    const comrt_tl_library *l = comrt_typelib_library(tl);
    ck_assert_str_eq(l->name, "Built");
    ck_assert_uint_eq(l->ver_major, 3);
    ck_assert_uint_eq(l->nstructs, 1); /* reached through a parameter */
    ck_assert_uint_eq(l->structs[0].size, 8);
    ck_assert_uint_eq(l->structs[0].fields[1].offset, 4);
    const comrt_tl_interface *it = &l->interfaces[0];
    ck_assert_uint_eq(it->num_slots, 5);
    ck_assert_ptr_null(it->parent); /* IUnknown is not described here */
    ck_assert_str_eq(it->methods[0].helpstring, "reads");
    ck_assert_uint_eq(it->methods[1].flags, COMRT_TL_M_HIDDEN);
    ck_assert_uint_eq(it->methods[1].slot, 4);
    const comrt_tl_type *lb = it->methods[0].params[1].type;
    ck_assert_uint_eq(lb->kind, COMRT_TL_PTR);
    ck_assert_uint_eq(lb->flags, COMRT_TL_F_REF);
    same_expr(lb->size_is, &sz);
    ck_assert_uint_eq(lb->elem->kind, COMRT_TL_U1);
    ck_assert_uint_eq(it->methods[1].params[0].type->elem->size, 8);
    ck_assert_str_eq(l->consts[0].value.s, "x");
    ck_assert_uint_eq(it->methods[1].params[0].defval.kind, COMRT_TL_VAL_INT);
    comrt_typelib_unref(tl);
    CoTaskMemFree(data);
}
END_TEST

/* Hostile input ---------------------------------------------------------------------- */

static char last_msg[512];

static HRESULT load_bytes(const void *p, size_t n)
{
    last_msg[0] = '\0';
    comrt_typelib *tl = NULL;
    HRESULT hr = comrt_typelib_load_memory(p, n, "hostile", &tl);
    if (SUCCEEDED(hr)) {
        ck_assert_ptr_nonnull(tl);
        comrt_typelib_unref(tl);
    } else {
        ck_assert_ptr_null(tl);
        char *msg = comrt_error_take_description();
        ck_assert_msg(msg && strstr(msg, "hostile"), "error description names the input: %s", msg ? msg : "(none)");
        snprintf(last_msg, sizeof last_msg, "%s", msg);
        CoTaskMemFree(msg);
    }
    return hr;
}

START_TEST(truncated_and_mutated)
{
    size_t n;
    unsigned char *bytes = read_all(LAYOUT_TLB, &n);
    for (size_t len = 0; len < n; len++) {
        HRESULT hr = load_bytes(bytes, len);
        ck_assert_msg(hr == TYPE_E_INVDATAREAD || hr == TYPE_E_UNSUPFORMAT, "length %zu: 0x%08x", len, (unsigned)hr);
    }
    /* Every byte flipped: any outcome but a crash, a leak or a hang. */
    unsigned char *copy = malloc(n);
    for (size_t i = 0; i < n; i++) {
        memcpy(copy, bytes, n);
        copy[i] ^= 0xff;
        load_bytes(copy, n);
        copy[i] = (unsigned char)(bytes[i] + 1);
        load_bytes(copy, n);
    }
    free(copy);
    free(bytes);
    ck_assert_int_eq(load_bytes("hello", 5), TYPE_E_UNSUPFORMAT);
    /* ["comrt-typelib", 99, 0, {}]: another major version */
    static const unsigned char v99[] = {0x94, 0xad, 'c', 'o', 'm', 'r', 't', '-', 't', 'y', 'p', 'e',
                                        'l', 'i', 'b', 0x63, 0x00, 0x80};
    ck_assert_int_eq(load_bytes(v99, sizeof v99), TYPE_E_UNSUPFORMAT);
    /* an array header claiming 2^32-1 elements in 6 bytes */
    static const unsigned char huge[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x00};
    ck_assert_int_eq(load_bytes(huge, sizeof huge), TYPE_E_UNSUPFORMAT);
    comrt_typelib *tl = NULL;
    ck_assert_int_eq(comrt_typelib_load_file("/nonexistent/x.tlb", &tl), TYPE_E_CANTLOADLIBRARY);
    char *msg = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(msg, "/nonexistent/x.tlb"));
    CoTaskMemFree(msg);
}
END_TEST

static HRESULT save_and_load(const comrt_tl_library *lib)
{
    void *data = NULL;
    size_t n = 0;
    ck_assert_int_eq(comrt_typelib_save(lib, &data, &n), S_OK);
    HRESULT hr = load_bytes(data, n);
    CoTaskMemFree(data);
    return hr;
}

START_TEST(graphs_a_compiler_cannot_make)
{
    comrt_tl_type hr = {.kind = COMRT_TL_I4, .name = "HRESULT"};
    /* a pointer to itself */
    comrt_tl_type loop = {.kind = COMRT_TL_PTR, .name = ""};
    loop.elem = &loop;
    comrt_tl_param p = {"p", COMRT_TL_P_IN, &loop, {0}};
    comrt_tl_method m = {"M", 3, 0, 1, 0, NULL, &hr, 1, &p};
    comrt_tl_interface it = {.name = "IBad", .base_slots = 3, .num_slots = 4, .nmethods = 1, .methods = &m,
                             .parent_name = "IUnknown", .parent_iid = IID_IUnknown};
    comrt_tl_library lib = {.name = "Bad", .ninterfaces = 1, .interfaces = &it};
    ck_assert_int_eq(save_and_load(&lib), TYPE_E_INVDATAREAD);
    ck_assert_msg(strstr(last_msg, "cycle"), "%s", last_msg);
    /* a struct holding itself by value */
    comrt_tl_field f = {"self", NULL, 0};
    comrt_tl_struct rec = {"S", 1, &f, 0, 0};
    comrt_tl_type st = {.kind = COMRT_TL_STRUCT, .name = "S", .record = &rec};
    f.type = &st;
    p.type = &st;
    ck_assert_int_eq(save_and_load(&lib), TYPE_E_INVDATAREAD);
    ck_assert_msg(strstr(last_msg, "contains itself"), "%s", last_msg);
    /* size_is naming a parameter that does not exist */
    comrt_tl_type u1 = {.kind = COMRT_TL_U1, .name = ""};
    comrt_tl_expr_op op = {COMRT_TL_OP_PARAM, 5};
    comrt_tl_expr e = {1, &op};
    comrt_tl_type ptr = {.kind = COMRT_TL_PTR, .name = "", .elem = &u1, .size_is = &e};
    p.type = &ptr;
    ck_assert_int_eq(save_and_load(&lib), TYPE_E_INVDATAREAD);
    ck_assert_msg(strstr(last_msg, "parameter that does not exist"), "%s", last_msg);
    op.value = 0;
    ck_assert_int_eq(save_and_load(&lib), S_OK);
    /* an expression that leaves two values is refused by the writer */
    comrt_tl_expr_op two[] = {{COMRT_TL_OP_CONST, 1}, {COMRT_TL_OP_CONST, 2}};
    comrt_tl_expr e2 = {2, two};
    ptr.size_is = &e2;
    ck_assert_int_eq(comrt_typelib_save(&lib, &(void *){NULL}, &(size_t){0}), E_INVALIDARG);
    ptr.size_is = &e;
    /* inherited slots that disagree with the parent described */
    comrt_tl_interface two_ifs[2] = {it, it};
    two_ifs[0].iid.Data1 = 1;
    two_ifs[1].iid.Data1 = 2;
    two_ifs[1].parent_name = "IBad";
    two_ifs[1].parent_iid = two_ifs[0].iid;
    two_ifs[1].base_slots = 9;
    lib.interfaces = two_ifs;
    lib.ninterfaces = 2;
    ck_assert_int_eq(save_and_load(&lib), TYPE_E_INVDATAREAD);
    ck_assert_msg(strstr(last_msg, "inherits 9 slots"), "%s", last_msg);
    two_ifs[1].base_slots = 4;
    ck_assert_int_eq(save_and_load(&lib), S_OK);
    /* inheritance cycle */
    two_ifs[0].parent_name = "IBad2";
    two_ifs[0].parent_iid = two_ifs[1].iid;
    two_ifs[0].base_slots = 5;
    ck_assert_int_eq(save_and_load(&lib), TYPE_E_INVDATAREAD);
    ck_assert_msg(strstr(last_msg, "inherits from itself"), "%s", last_msg);
}
END_TEST

/* Registration ---------------------------------------------------------------------- */

static char *registry_text(void)
{
    const char *path = getenv("COMRT_REGISTRY");
    FILE *f = fopen(path, "rb");
    if (!f)
        return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = calloc(1, (size_t)n + 1);
    ck_assert(fread(s, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    return s;
}

static char *value(const char *key)
{
    char *v = NULL;
    HRESULT hr = comrt_reg_get_value(key, NULL, &v);
    ck_assert_msg(SUCCEEDED(hr), "%s: 0x%08x", key, (unsigned)hr);
    return v;
}

START_TEST(register_and_unregister)
{
    ck_assert_ptr_nonnull(getenv("COMRT_REGISTRY")); /* tests never touch the user's registry */
    /* Something unrelated already there, which must survive untouched. */
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "Interface\\{00000000-1111-2222-3333-444444444444}",
                                         NULL, "Other"), S_OK);
    char *before = registry_text();
    comrt_typelib *tl = load_layout();
    ck_assert_int_eq(comrt_typelib_register(tl, NULL, COMRT_REG_DEFAULT), S_OK);
    char iid[CHARS_IN_GUID], lib[CHARS_IN_GUID], key[256];
    StringFromGUID2(&IID_IMyDerived, iid, sizeof iid);
    StringFromGUID2(&LIBID_LayoutLib, lib, sizeof lib);
    snprintf(key, sizeof key, "Interface\\%s", iid);
    char *v = value(key);
    ck_assert_str_eq(v, "IMyDerived");
    CoTaskMemFree(v);
    snprintf(key, sizeof key, "Interface\\%s\\NumMethods", iid);
    v = value(key);
    ck_assert_str_eq(v, "11");
    CoTaskMemFree(v);
    snprintf(key, sizeof key, "Interface\\%s\\TypeLib", iid);
    v = value(key);
    ck_assert_str_eq(v, lib);
    CoTaskMemFree(v);
    char *ver = NULL;
    ck_assert_int_eq(comrt_reg_get_value(key, "Version", &ver), S_OK);
    ck_assert_str_eq(ver, "1.2");
    CoTaskMemFree(ver);
    snprintf(key, sizeof key, "TypeLib\\%s\\1.2\\0\\linux64", lib);
    v = value(key);
    char *real = realpath(LAYOUT_TLB, NULL);
    ck_assert_str_eq(v, real);
    CoTaskMemFree(v);
    /* the registered path loads back */
    comrt_typelib *again = NULL;
    ck_assert_int_eq(comrt_typelib_load_file(real, &again), S_OK);
    comrt_typelib_unref(again);
    free(real);
    /* imported interfaces are not claimed */
    StringFromGUID2(&IID_IUnknown, iid, sizeof iid);
    snprintf(key, sizeof key, "Interface\\%s", iid);
    ck_assert_int_eq(comrt_reg_key_exists(key), S_FALSE);
    StringFromGUID2(&IID_IDispatch, iid, sizeof iid);
    snprintf(key, sizeof key, "Interface\\%s", iid);
    ck_assert_int_eq(comrt_reg_key_exists(key), S_FALSE);

    ck_assert_int_eq(comrt_typelib_unregister(tl, COMRT_REG_DEFAULT), S_OK);
    char *after = registry_text();
    ck_assert_str_eq(after, before);
    /* and once more from an empty registry: nothing at all remains */
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, "Interface"), S_OK);
    char *empty = registry_text();
    ck_assert_int_eq(comrt_typelib_register(tl, NULL, COMRT_REG_DEFAULT), S_OK);
    ck_assert_int_eq(comrt_typelib_unregister(tl, COMRT_REG_DEFAULT), S_OK);
    char *empty2 = registry_text();
    ck_assert_str_eq(empty2, empty);
    free(before);
    free(after);
    free(empty);
    free(empty2);
    comrt_typelib_unref(tl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("typelib");
    TCase *tc = tcase_create("all");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, vtable_matches_hand_written);
    tcase_add_test(tc, call_macros_expand_to_vtable_calls);
    tcase_add_test(tc, struct_layout_matches_compiler);
    tcase_add_test(tc, interfaces_and_methods);
    tcase_add_test(tc, file_round_trip);
    tcase_add_test(tc, built_round_trip);
    tcase_add_test(tc, truncated_and_mutated);
    tcase_add_test(tc, graphs_a_compiler_cannot_make);
    tcase_add_test(tc, register_and_unregister);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
