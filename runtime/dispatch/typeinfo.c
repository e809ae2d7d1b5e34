/*
 * typeinfo.c - ITypeInfo over one type of a comidl library: the views
 * automation reads (TYPEATTR, FUNCDESC, VARDESC, names, documentation,
 * referenced types). Invoke itself lives in stddispatch.c.
 *
 * Descriptions handed out are built on demand into one allocation list
 * per description (struct desc), freed by the matching Release*Desc.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dispatch_internal.h"

/* Descriptions --------------------------------------------------------------- */

struct chunk {
    struct chunk *next;
    max_align_t data[];
};

struct desc {
    struct chunk *chunks;
    union {
        TYPEATTR ta;
        FUNCDESC fd;
        VARDESC vd;
    } u;
};

#define DESC_OF(p) ((struct desc *)(void *)((char *)(p)-offsetof(struct desc, u)))

static void *desc_alloc(struct desc *d, size_t n)
{
    struct chunk *c = calloc(1, sizeof *c + n);
    if (!c)
        return NULL;
    c->next = d->chunks;
    d->chunks = c;
    return c->data;
}

static void desc_free(struct desc *d)
{
    if (!d)
        return;
    for (struct chunk *c = d->chunks, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(d);
}

static int is_iid(const GUID *g, const IID *iid)
{
    return IsEqualGUID(g, iid);
}

int ti_is_base_iface(const comrt_tl_interface *iface)
{
    return is_iid(&iface->iid, &IID_IUnknown) || is_iid(&iface->iid, &IID_IDispatch);
}

/* Fills *out from t; -1 when out of memory. */
static int conv_type(const tl_obj *lib, struct desc *d, const comrt_tl_type *t, TYPEDESC *out)
{
    HREFTYPE h;
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case COMRT_TL_VOID:
        out->vt = VT_VOID;
        return 0;
    case COMRT_TL_BSTR:
        out->vt = VT_BSTR;
        return 0;
    case COMRT_TL_VARIANT:
        out->vt = VT_VARIANT;
        return 0;
    case COMRT_TL_PTR:
        if ((t->flags & COMRT_TL_F_STRING) && t->elem &&
            (t->elem->kind == COMRT_TL_I1 || t->elem->kind == COMRT_TL_U1)) {
            out->vt = VT_LPSTR;
            return 0;
        }
        /* fallthrough */
    case COMRT_TL_SAFEARRAY:
        out->vt = t->kind == COMRT_TL_PTR ? VT_PTR : VT_SAFEARRAY;
        if (!(out->lptdesc = desc_alloc(d, sizeof(TYPEDESC))))
            return -1;
        if (!t->elem) {
            out->lptdesc->vt = VT_VOID;
            return 0;
        }
        return conv_type(lib, d, t->elem, out->lptdesc);
    case COMRT_TL_ARRAY:
        out->vt = VT_CARRAY;
        if (!(out->lpadesc = desc_alloc(d, sizeof(ARRAYDESC))))
            return -1;
        out->lpadesc->cDims = 1;
        out->lpadesc->rgbounds[0].cElements = t->count;
        return conv_type(lib, d, t->elem, &out->lpadesc->tdescElem);
    case COMRT_TL_STRUCT:
        out->vt = VT_USERDEFINED;
        out->hreftype = SUCCEEDED(tl_href_of_record(lib, t->record, &h)) ? h : (HREFTYPE)-1;
        return 0;
    case COMRT_TL_ENUM:
        out->vt = VT_USERDEFINED;
        out->hreftype = SUCCEEDED(tl_href_of_enum(lib, t->enumeration, &h)) ? h : (HREFTYPE)-1;
        return 0;
    case COMRT_TL_INTERFACE:
        if (t->iid_is || is_iid(&t->iid, &IID_IUnknown)) {
            out->vt = VT_UNKNOWN;
        } else if (is_iid(&t->iid, &IID_IDispatch)) {
            out->vt = VT_DISPATCH;
        } else if (SUCCEEDED(tl_href_of_iface(lib, t->iface, &t->iid, &h))) {
            out->vt = VT_PTR;
            if (!(out->lptdesc = desc_alloc(d, sizeof(TYPEDESC))))
                return -1;
            out->lptdesc->vt = VT_USERDEFINED;
            out->lptdesc->hreftype = h;
        } else {
            out->vt = (VARTYPE)t->vt;
        }
        return 0;
    default:
        out->vt = (VARTYPE)t->vt;
        return 0;
    }
}

/* The default value as a VARIANT of its natural type. */
static int conv_value(const comrt_tl_value *v, VARIANT *out)
{
    VariantInit(out);
    switch (v->kind) {
    case COMRT_TL_VAL_INT:
        if (v->i >= INT32_MIN && v->i <= INT32_MAX) {
            V_VT(out) = VT_I4;
            V_I4(out) = (LONG)v->i;
        } else {
            V_VT(out) = VT_I8;
            V_I8(out) = v->i;
        }
        return 0;
    case COMRT_TL_VAL_FLOAT:
        V_VT(out) = VT_R8;
        V_R8(out) = v->d;
        return 0;
    case COMRT_TL_VAL_STRING:
        V_VT(out) = VT_BSTR;
        return (V_BSTR(out) = SysAllocString(v->s ? v->s : "")) ? 0 : -1;
    default:
        return 0;
    }
}

HRESULT ti_default_value(const comrt_tl_param *p, VARIANT *out)
{
    return conv_value(&p->defval, out) ? E_OUTOFMEMORY : S_OK;
}

static USHORT param_flags(uint32_t f)
{
    USHORT r = 0;
    if (f & COMRT_TL_P_IN)
        r |= PARAMFLAG_FIN;
    if (f & COMRT_TL_P_OUT)
        r |= PARAMFLAG_FOUT;
    if (f & COMRT_TL_P_RETVAL)
        r |= PARAMFLAG_FRETVAL;
    if (f & COMRT_TL_P_OPTIONAL)
        r |= PARAMFLAG_FOPT;
    if (f & COMRT_TL_P_DEFAULT)
        r |= PARAMFLAG_FHASDEFAULT | PARAMFLAG_FOPT;
    if (f & COMRT_TL_P_LCID)
        r |= PARAMFLAG_FLCID;
    return r;
}

/* Members ------------------------------------------------------------------ */

const comrt_tl_method *ti_find_method(const comrt_tl_interface *iface, MEMBERID memid, uint32_t mask)
{
    for (int depth = 0; iface && depth < 64; iface = iface->parent, depth++) {
        if (ti_is_base_iface(iface))
            break;
        for (uint32_t i = 0; i < iface->nmethods; i++)
            if (iface->methods[i].dispid == memid && (iface->methods[i].invkind & mask))
                return &iface->methods[i];
    }
    return NULL;
}

static const comrt_tl_property *find_prop(const comrt_tl_interface *iface, MEMBERID memid)
{
    for (uint32_t i = 0; iface && i < iface->nprops; i++)
        if (iface->props[i].dispid == memid)
            return &iface->props[i];
    return NULL;
}

static const char *type_name(const ti_obj *ti)
{
    return ti->iface ? ti->iface->name : ti->coclass ? ti->coclass->name : ti->rec ? ti->rec->name : ti->en->name;
}

/* ITypeInfo ------------------------------------------------------------------ */

static HRESULT ti_QueryInterface(ITypeInfo *This, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_ITypeInfo)) {
        *ppv = This;
        ITypeInfo_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG ti_AddRef(ITypeInfo *This)
{
    return ITypeLib_AddRef(&ti_from(This)->lib->ITypeLib_iface);
}

static ULONG ti_Release(ITypeInfo *This)
{
    return ITypeLib_Release(&ti_from(This)->lib->ITypeLib_iface);
}

static HRESULT ti_GetTypeAttr(ITypeInfo *This, TYPEATTR **pp)
{
    ti_obj *ti = ti_from(This);
    if (!pp)
        return E_INVALIDARG;
    struct desc *d = calloc(1, sizeof *d);
    if (!d)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    TYPEATTR *a = &d->u.ta;
    a->lcid = ti->lib->lib->lcid;
    a->memidConstructor = MEMBERID_NIL;
    a->memidDestructor = MEMBERID_NIL;
    a->typekind = ti->kind;
    a->tdescAlias.vt = VT_EMPTY;
    if (ti->iface) {
        const comrt_tl_interface *i = ti->iface;
        a->guid = i->iid;
        a->cbSizeInstance = sizeof(void *);
        a->cbAlignment = sizeof(void *);
        a->cFuncs = (WORD)i->nmethods;
        a->cVars = (WORD)i->nprops;
        a->cImplTypes = (i->parent_name || ti->kind == TKIND_DISPATCH) ? 1 : 0;
        a->cbSizeVft = (WORD)((ti->kind == TKIND_DISPATCH ? 7 : i->num_slots) * sizeof(void *));
        a->wMajorVerNum = i->ver_major;
        a->wMinorVerNum = i->ver_minor;
        if (i->flags & COMRT_TL_I_DUAL)
            a->wTypeFlags |= TYPEFLAG_FDUAL | TYPEFLAG_FOLEAUTOMATION | TYPEFLAG_FDISPATCHABLE;
        if (i->flags & COMRT_TL_I_OLEAUTOMATION)
            a->wTypeFlags |= TYPEFLAG_FOLEAUTOMATION;
        if (i->flags & COMRT_TL_I_DISPINTERFACE)
            a->wTypeFlags |= TYPEFLAG_FDISPATCHABLE;
        if (i->flags & COMRT_TL_I_HIDDEN)
            a->wTypeFlags |= TYPEFLAG_FHIDDEN;
        if (i->flags & COMRT_TL_I_RESTRICTED)
            a->wTypeFlags |= TYPEFLAG_FRESTRICTED;
        if (i->flags & COMRT_TL_I_NONEXTENSIBLE)
            a->wTypeFlags |= TYPEFLAG_FNONEXTENSIBLE;
    } else if (ti->coclass) {
        a->guid = ti->coclass->clsid;
        a->cImplTypes = (WORD)ti->coclass->nimpls;
        a->cbAlignment = sizeof(void *);
        a->wMajorVerNum = ti->coclass->ver_major;
        a->wMinorVerNum = ti->coclass->ver_minor;
        if (!(ti->coclass->flags & COMRT_TL_C_NONCREATABLE))
            a->wTypeFlags |= TYPEFLAG_FCANCREATE;
        if (ti->coclass->flags & COMRT_TL_C_HIDDEN)
            a->wTypeFlags |= TYPEFLAG_FHIDDEN;
    } else if (ti->rec) {
        a->cbSizeInstance = ti->rec->size;
        a->cbAlignment = (WORD)ti->rec->align;
        a->cVars = (WORD)ti->rec->nfields;
    } else {
        a->cbSizeInstance = 4;
        a->cbAlignment = 4;
        a->cVars = (WORD)ti->en->nvalues;
    }
    *pp = a;
    return S_OK;
}

static void ti_ReleaseTypeAttr(ITypeInfo *This, TYPEATTR *a)
{
    (void)This;
    if (a)
        desc_free(DESC_OF(a));
}

static HRESULT ti_GetTypeComp(ITypeInfo *This, ITypeComp **pp)
{
    (void)This;
    if (pp)
        *pp = NULL;
    return comrt_error_set(E_NOTIMPL, "ITypeInfo::GetTypeComp is not implemented by comrt");
}

static void release_funcdesc(FUNCDESC *fd)
{
    for (SHORT i = 0; i < fd->cParams; i++) {
        PARAMDESC *p = &fd->lprgelemdescParam[i].paramdesc;
        if (p->pparamdescex)
            VariantClear(&p->pparamdescex->varDefaultValue);
    }
    desc_free(DESC_OF(fd));
}

static HRESULT ti_GetFuncDesc(ITypeInfo *This, UINT index, FUNCDESC **pp)
{
    ti_obj *ti = ti_from(This);
    if (!pp)
        return E_INVALIDARG;
    *pp = NULL;
    if (!ti->iface || index >= ti->iface->nmethods)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no method %u", type_name(ti), index);
    const comrt_tl_method *m = &ti->iface->methods[index];
    struct desc *d = calloc(1, sizeof *d);
    if (!d)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    FUNCDESC *fd = &d->u.fd;
    fd->memid = m->dispid;
    fd->funckind = ti->kind == TKIND_DISPATCH ? FUNC_DISPATCH : FUNC_PUREVIRTUAL;
    fd->invkind = (INVOKEKIND)m->invkind;
    fd->callconv = CC_CDECL;
    fd->cParams = (SHORT)m->nparams;
    fd->cParamsOpt = (m->flags & COMRT_TL_M_VARARG) ? -1 : 0;
    fd->oVft = m->slot == COMRT_TL_NO_SLOT ? 0 : (SHORT)(m->slot * sizeof(void *));
    if (m->flags & COMRT_TL_M_HIDDEN)
        fd->wFuncFlags |= FUNCFLAG_FHIDDEN;
    if (m->flags & COMRT_TL_M_RESTRICTED)
        fd->wFuncFlags |= FUNCFLAG_FRESTRICTED;
    if (m->nparams && !(fd->lprgelemdescParam = desc_alloc(d, m->nparams * sizeof(ELEMDESC))))
        goto oom;
    if (m->ret ? conv_type(ti->lib, d, m->ret, &fd->elemdescFunc.tdesc) : (fd->elemdescFunc.tdesc.vt = VT_VOID, 0))
        goto oom;
    for (uint32_t i = 0; i < m->nparams; i++) {
        const comrt_tl_param *p = &m->params[i];
        ELEMDESC *e = &fd->lprgelemdescParam[i];
        if (conv_type(ti->lib, d, p->type, &e->tdesc))
            goto oom;
        e->paramdesc.wParamFlags = param_flags(p->flags);
        if ((p->flags & COMRT_TL_P_DEFAULT) && p->defval.kind != COMRT_TL_VAL_NONE) {
            PARAMDESCEX *x = desc_alloc(d, sizeof *x);
            if (!x)
                goto oom;
            x->cBytes = sizeof *x;
            e->paramdesc.pparamdescex = x;
            if (conv_value(&p->defval, &x->varDefaultValue))
                goto oom;
        }
    }
    *pp = fd;
    return S_OK;
oom:
    release_funcdesc(fd);
    return comrt_error_set(E_OUTOFMEMORY, "out of memory");
}

static void ti_ReleaseFuncDesc(ITypeInfo *This, FUNCDESC *fd)
{
    (void)This;
    if (fd)
        release_funcdesc(fd);
}

static void release_vardesc(VARDESC *vd)
{
    if (vd->varkind == VAR_CONST && vd->lpvarValue)
        VariantClear(vd->lpvarValue);
    desc_free(DESC_OF(vd));
}

static HRESULT ti_GetVarDesc(ITypeInfo *This, UINT index, VARDESC **pp)
{
    ti_obj *ti = ti_from(This);
    if (!pp)
        return E_INVALIDARG;
    *pp = NULL;
    uint32_t n = ti->iface ? ti->iface->nprops : ti->rec ? ti->rec->nfields : ti->en ? ti->en->nvalues : 0;
    if (index >= n)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no variable %u", type_name(ti), index);
    struct desc *d = calloc(1, sizeof *d);
    if (!d)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    VARDESC *vd = &d->u.vd;
    int bad = 0;
    if (ti->iface) {
        const comrt_tl_property *p = &ti->iface->props[index];
        vd->memid = p->dispid;
        vd->varkind = VAR_DISPATCH;
        if (p->flags & COMRT_TL_PROP_READONLY)
            vd->wVarFlags |= VARFLAG_FREADONLY;
        bad = conv_type(ti->lib, d, p->type, &vd->elemdescVar.tdesc);
    } else if (ti->rec) {
        vd->memid = 0x40000000 + (MEMBERID)index;
        vd->varkind = VAR_PERINSTANCE;
        vd->oInst = ti->rec->fields[index].offset;
        bad = conv_type(ti->lib, d, ti->rec->fields[index].type, &vd->elemdescVar.tdesc);
    } else {
        vd->memid = 0x40000000 + (MEMBERID)index;
        vd->varkind = VAR_CONST;
        vd->elemdescVar.tdesc.vt = VT_I4;
        if (!(vd->lpvarValue = desc_alloc(d, sizeof(VARIANT)))) {
            bad = 1;
        } else {
            V_VT(vd->lpvarValue) = VT_I4;
            V_I4(vd->lpvarValue) = (LONG)ti->en->values[index].value;
        }
    }
    if (bad) {
        release_vardesc(vd);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    }
    *pp = vd;
    return S_OK;
}

static void ti_ReleaseVarDesc(ITypeInfo *This, VARDESC *vd)
{
    (void)This;
    if (vd)
        release_vardesc(vd);
}

/* The name of a record field or enum value with memid 0x40000000 + i. */
static const char *var_name(const ti_obj *ti, MEMBERID memid)
{
    uint32_t i = (uint32_t)memid - 0x40000000u;
    if (ti->rec && i < ti->rec->nfields)
        return ti->rec->fields[i].name;
    if (ti->en && i < ti->en->nvalues)
        return ti->en->values[i].name;
    return NULL;
}

static HRESULT ti_GetNames(ITypeInfo *This, MEMBERID memid, BSTR *names, UINT max, UINT *count)
{
    ti_obj *ti = ti_from(This);
    UINT n = 0;
    if (!names || !count)
        return E_INVALIDARG;
    *count = 0;
    const comrt_tl_method *m = ti->iface ? ti_find_method(ti->iface, memid, 0xF) : NULL;
    const comrt_tl_property *p = ti->iface ? find_prop(ti->iface, memid) : NULL;
    const char *v = var_name(ti, memid);
    if (!m && !p && !v)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no member with DISPID %d", type_name(ti), (int)memid);
    const char *first = m ? m->name : p ? p->name : v;
    if (max > 0 && !(names[n++] = SysAllocString(first)))
        goto oom;
    if (m) {
        uint32_t np = m->nparams;
        if ((m->invkind & (COMRT_TL_INVOKE_PROPPUT | COMRT_TL_INVOKE_PROPPUTREF)) && np)
            np--; /* as in COM: a put's value has no name */
        for (uint32_t i = 0; i < np && n < max; i++)
            if (!(names[n++] = SysAllocString(m->params[i].name)))
                goto oom;
    }
    *count = n;
    return S_OK;
oom:
    while (n)
        SysFreeString(names[--n]);
    return comrt_error_set(E_OUTOFMEMORY, "out of memory");
}

static HRESULT ti_GetRefTypeOfImplType(ITypeInfo *This, UINT index, HREFTYPE *out)
{
    ti_obj *ti = ti_from(This);
    if (!out)
        return E_INVALIDARG;
    if (ti->iface) {
        if (index == (UINT)-1 && (ti->iface->flags & COMRT_TL_I_DUAL))
            return tl_href_of_iface(ti->lib, ti->iface, NULL, out);
        if (index == 0 && ti->kind == TKIND_DISPATCH && SUCCEEDED(tl_href_of_iface(ti->lib, NULL, &IID_IDispatch, out)))
            return S_OK;
        if (index == 0 && ti->iface->parent_name &&
            SUCCEEDED(tl_href_of_iface(ti->lib, ti->iface->parent, &ti->iface->parent_iid, out)))
            return S_OK;
    } else if (ti->coclass && index < ti->coclass->nimpls) {
        const comrt_tl_impl *im = &ti->coclass->impls[index];
        if (SUCCEEDED(tl_href_of_iface(ti->lib, NULL, &im->iid, out)))
            return S_OK;
    }
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no implemented type %d described in its library",
                           type_name(ti), (int)index);
}

static HRESULT ti_GetImplTypeFlags(ITypeInfo *This, UINT index, INT *flags)
{
    ti_obj *ti = ti_from(This);
    if (!flags)
        return E_INVALIDARG;
    *flags = 0;
    if (ti->coclass) {
        if (index >= ti->coclass->nimpls)
            return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s implements %u interfaces, not %u", type_name(ti),
                                   ti->coclass->nimpls, index + 1);
        uint32_t f = ti->coclass->impls[index].flags;
        *flags = (f & COMRT_TL_IMPL_DEFAULT ? IMPLTYPEFLAG_FDEFAULT : 0) |
                 (f & COMRT_TL_IMPL_SOURCE ? IMPLTYPEFLAG_FSOURCE : 0) |
                 (f & COMRT_TL_IMPL_RESTRICTED ? IMPLTYPEFLAG_FRESTRICTED : 0);
        return S_OK;
    }
    return index == 0 && ti->iface ? S_OK
                                   : comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no implemented type %u",
                                                     type_name(ti), index);
}

static HRESULT ti_GetIDsOfNames(ITypeInfo *This, LPOLESTR *names, UINT n, MEMBERID *ids)
{
    ti_obj *ti = ti_from(This);
    const comrt_tl_interface *found_in = NULL;
    const comrt_tl_method *m = NULL;
    MEMBERID id = DISPID_UNKNOWN;
    if (!names || !ids || n == 0)
        return E_INVALIDARG;
    for (UINT i = 0; i < n; i++)
        ids[i] = DISPID_UNKNOWN;
    if (!names[0])
        return E_INVALIDARG;
    for (const comrt_tl_interface *it = ti->iface; it && !found_in && !ti_is_base_iface(it); it = it->parent) {
        for (uint32_t i = 0; i < it->nmethods && !found_in; i++)
            if (!strcasecmp(it->methods[i].name, names[0])) {
                m = &it->methods[i];
                id = m->dispid;
                found_in = it;
            }
        for (uint32_t i = 0; i < it->nprops && !found_in; i++)
            if (!strcasecmp(it->props[i].name, names[0])) {
                id = it->props[i].dispid;
                found_in = it;
            }
    }
    if (!found_in)
        return comrt_error_set(DISP_E_UNKNOWNNAME, "%s has no member named '%s'", type_name(ti), names[0]);
    ids[0] = id;
    HRESULT hr = S_OK;
    for (UINT k = 1; k < n; k++) {
        /* Any method of that DISPID may name the parameter (a get and a put). */
        for (uint32_t i = 0; m && i < found_in->nmethods && ids[k] == DISPID_UNKNOWN; i++) {
            const comrt_tl_method *mm = &found_in->methods[i];
            if (mm->dispid != id)
                continue;
            for (uint32_t j = 0; j < mm->nparams; j++)
                if (names[k] && !strcasecmp(mm->params[j].name, names[k])) {
                    ids[k] = (DISPID)j;
                    break;
                }
        }
        if (ids[k] == DISPID_UNKNOWN)
            hr = comrt_error_set(DISP_E_UNKNOWNNAME, "%s.%s has no parameter named '%s'", type_name(ti), names[0],
                                 names[k] ? names[k] : "(null)");
    }
    return hr;
}

static HRESULT ti_Invoke(ITypeInfo *This, PVOID inst, MEMBERID memid, WORD flags, DISPPARAMS *dp, VARIANT *res,
                         EXCEPINFO *ei, UINT *argerr)
{
    return ti_invoke(ti_from(This), inst, memid, flags, dp, res, ei, argerr);
}

static HRESULT ti_GetDocumentation(ITypeInfo *This, MEMBERID memid, BSTR *name, BSTR *doc, DWORD *ctx, BSTR *file)
{
    ti_obj *ti = ti_from(This);
    const char *n = NULL, *h = NULL;
    if (memid == MEMBERID_NIL) {
        n = type_name(ti);
        h = ti->iface ? ti->iface->helpstring : ti->coclass ? ti->coclass->helpstring : NULL;
    } else {
        const comrt_tl_method *m = ti->iface ? ti_find_method(ti->iface, memid, 0xF) : NULL;
        const comrt_tl_property *p = ti->iface ? find_prop(ti->iface, memid) : NULL;
        if (m) {
            n = m->name;
            h = m->helpstring;
        } else if (p) {
            n = p->name;
            h = p->helpstring;
        } else if (!(n = var_name(ti, memid))) {
            return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "%s has no member with DISPID %d", type_name(ti),
                                   (int)memid);
        }
    }
    if (name && !(*name = SysAllocString(n)))
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    if (doc)
        *doc = tl_bstr(h);
    if (ctx)
        *ctx = 0;
    if (file)
        *file = NULL;
    return S_OK;
}

static HRESULT ti_GetDllEntry(ITypeInfo *This, MEMBERID memid, INVOKEKIND k, BSTR *dll, BSTR *name, WORD *ord)
{
    (void)This, (void)memid, (void)k, (void)dll, (void)name, (void)ord;
    return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "comrt type libraries have no module entry points");
}

static HRESULT ti_GetRefTypeInfo(ITypeInfo *This, HREFTYPE href, ITypeInfo **pp)
{
    ti_obj *ti = ti_from(This);
    if (!pp)
        return E_INVALIDARG;
    *pp = NULL;
    if (href >= ti->lib->ninfos)
        return comrt_error_set(TYPE_E_ELEMENTNOTFOUND, "type library %s has no type with HREFTYPE %u",
                               ti->lib->lib->name, (unsigned)href);
    *pp = &ti->lib->infos[href].ITypeInfo_iface;
    ITypeInfo_AddRef(*pp);
    return S_OK;
}

static HRESULT ti_AddressOfMember(ITypeInfo *This, MEMBERID memid, INVOKEKIND k, PVOID *ppv)
{
    (void)This, (void)memid, (void)k;
    if (ppv)
        *ppv = NULL;
    return comrt_error_set(E_NOTIMPL, "ITypeInfo::AddressOfMember is not implemented by comrt");
}

static HRESULT ti_CreateInstance(ITypeInfo *This, IUnknown *outer, REFIID riid, PVOID *ppv)
{
    ti_obj *ti = ti_from(This);
    if (!ppv)
        return E_INVALIDARG;
    *ppv = NULL;
    if (!ti->coclass)
        return comrt_error_set(TYPE_E_WRONGTYPEKIND, "%s is not a coclass", type_name(ti));
    return CoCreateInstance(&ti->coclass->clsid, outer, CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER, riid, ppv);
}

static HRESULT ti_GetMops(ITypeInfo *This, MEMBERID memid, BSTR *mops)
{
    (void)This, (void)memid;
    if (mops)
        *mops = NULL;
    return S_OK;
}

static HRESULT ti_GetContainingTypeLib(ITypeInfo *This, ITypeLib **lib, UINT *index)
{
    ti_obj *ti = ti_from(This);
    if (lib) {
        *lib = &ti->lib->ITypeLib_iface;
        ITypeLib_AddRef(*lib);
    }
    if (index)
        *index = ti->index < 0 ? (UINT)-1 : (UINT)ti->index;
    return S_OK;
}

const ITypeInfoVtbl comrt_typeinfo_vtbl = {
    .QueryInterface = ti_QueryInterface,
    .AddRef = ti_AddRef,
    .Release = ti_Release,
    .GetTypeAttr = ti_GetTypeAttr,
    .GetTypeComp = ti_GetTypeComp,
    .GetFuncDesc = ti_GetFuncDesc,
    .GetVarDesc = ti_GetVarDesc,
    .GetNames = ti_GetNames,
    .GetRefTypeOfImplType = ti_GetRefTypeOfImplType,
    .GetImplTypeFlags = ti_GetImplTypeFlags,
    .GetIDsOfNames = ti_GetIDsOfNames,
    .Invoke = ti_Invoke,
    .GetDocumentation = ti_GetDocumentation,
    .GetDllEntry = ti_GetDllEntry,
    .GetRefTypeInfo = ti_GetRefTypeInfo,
    .AddressOfMember = ti_AddressOfMember,
    .CreateInstance = ti_CreateInstance,
    .GetMops = ti_GetMops,
    .GetContainingTypeLib = ti_GetContainingTypeLib,
    .ReleaseTypeAttr = ti_ReleaseTypeAttr,
    .ReleaseFuncDesc = ti_ReleaseFuncDesc,
    .ReleaseVarDesc = ti_ReleaseVarDesc,
};

void ti_init(ti_obj *ti, tl_obj *lib)
{
    ti->ITypeInfo_iface.lpVtbl = &comrt_typeinfo_vtbl;
    ti->lib = lib;
    if (ti->iface)
        ti->plans = calloc(ti->iface->num_slots ? ti->iface->num_slots : 1, sizeof *ti->plans);
}

void ti_fini(ti_obj *ti)
{
    if (ti->plans && ti->iface)
        for (uint32_t i = 0; i < ti->iface->num_slots; i++)
            ti_free_plan(atomic_load(&ti->plans[i]));
    free(ti->plans);
    ti->plans = NULL;
}

COMRT_API const comrt_tl_interface *comrt_typeinfo_interface(ITypeInfo *p)
{
    return p && p->lpVtbl == &comrt_typeinfo_vtbl ? ti_from(p)->iface : NULL;
}
