/* dispatch_internal.h - what the ITypeLib, ITypeInfo and IDispatch files share. */
#ifndef COMRT_DISPATCH_INTERNAL_H
#define COMRT_DISPATCH_INTERNAL_H

#include <stdatomic.h>

#include "comrt.h"
#include "comrt/dispatch.h"

struct call_plan;
struct tl_obj;

/* One type of a library. Lives inside its tl_obj and shares its count. */
typedef struct ti_obj {
    ITypeInfo ITypeInfo_iface;
    struct tl_obj *lib;
    TYPEKIND kind;
    int index; /* position for ITypeLib::GetTypeInfo, -1 for external interfaces */
    const comrt_tl_interface *iface;
    const comrt_tl_coclass *coclass;
    const comrt_tl_struct *rec;
    const comrt_tl_enum *en;
    /* Interfaces: one lazily prepared ffi call per vtable slot (num_slots). */
    _Atomic(struct call_plan *) *plans;
} ti_obj;

typedef struct tl_obj {
    ITypeLib ITypeLib_iface;
    atomic_ulong refs;
    comrt_typelib *tl;
    const comrt_tl_library *lib;
    uint32_t ninfos; /* interfaces (all), coclasses, structs, enums: HREFTYPE = index */
    ti_obj *infos;
    uint32_t nvisible;
    uint32_t *visible; /* infos index of each GetTypeInfo index */
} tl_obj;

/* typelib_obj.c */
HRESULT tl_href_of_iface(const tl_obj *t, const comrt_tl_interface *iface, REFIID iid, HREFTYPE *out);
HRESULT tl_href_of_record(const tl_obj *t, const comrt_tl_struct *rec, HREFTYPE *out);
HRESULT tl_href_of_enum(const tl_obj *t, const comrt_tl_enum *en, HREFTYPE *out);
BSTR tl_bstr(const char *s); /* NULL for NULL */

/* typeinfo.c */
extern const ITypeInfoVtbl comrt_typeinfo_vtbl;
void ti_init(ti_obj *ti, tl_obj *lib);
void ti_fini(ti_obj *ti);
static inline ti_obj *ti_from(ITypeInfo *p) { return (ti_obj *)(void *)p; }
/* The member of an interface chain with memid and an invkind in mask, or NULL;
 * IUnknown's and IDispatch's own methods are not members. */
const comrt_tl_method *ti_find_method(const comrt_tl_interface *iface, MEMBERID memid, uint32_t mask);
/* Whether the interface is IUnknown or IDispatch (whose methods are not members). */
int ti_is_base_iface(const comrt_tl_interface *iface);

/* A parameter's [defaultvalue] as a VARIANT of its natural type (VT_I4, VT_I8, VT_R8, VT_BSTR). */
HRESULT ti_default_value(const comrt_tl_param *p, VARIANT *out);

/* stddispatch.c */
HRESULT ti_invoke(ti_obj *ti, void *instance, MEMBERID memid, WORD flags, DISPPARAMS *dp, VARIANT *result,
                  EXCEPINFO *ei, UINT *argerr);
void ti_free_plan(struct call_plan *p);

#endif
