/*
 * test_connpt.c - connection points in one process: comrt/ocidl.h against
 * the IDL the marshaler uses, and every method and error of the helper
 * (comrt/connpt.h): the container, its points, both enumerators, firing.
 * Re-entrancy and threads are in test_connpt_threads.c; processes in
 * test_connpt_oop.c.
 */
#include <check.h>
#include <stddef.h>

#include "../check_main.h"
#include "fixture.h"

/* comrt/ocidl.h and idl/include/ocidl.idl ------------------------------------------------ */

struct slot {
    const char *name;
    size_t offset;
    uint32_t nparams;
};

/* Checks that the library's description of iid has exactly these slots
 * (after IUnknown's three) at these vtable offsets, with these arities. */
static void check_interface(const comrt_typelib *tl, const IID *iid, const char *name, size_t vtbl_size,
                            const struct slot *slots, uint32_t n)
{
    const comrt_tl_interface *info = NULL;
    ck_assert_int_eq(comrt_typelib_find_interface(tl, iid, &info), S_OK);
    ck_assert_str_eq(info->name, name);
    ck_assert(IsEqualIID(&info->parent_iid, &IID_IUnknown));
    ck_assert_uint_eq(info->num_slots * sizeof(void *), vtbl_size);
    ck_assert_uint_eq(info->nmethods, n);
    for (uint32_t i = 0; i < n; i++) {
        const comrt_tl_method *m = &info->methods[i];
        ck_assert_str_eq(m->name, slots[i].name);
        ck_assert_msg(m->slot * sizeof(void *) == slots[i].offset, "%s::%s is slot %u in the IDL", name,
                      m->name, m->slot);
        ck_assert_uint_eq(m->nparams, slots[i].nparams);
        ck_assert_int_eq(m->flags & COMRT_TL_M_LOCAL, 0); /* every method is remotable */
    }
}

#define SLOT(V, m, n) { #m, offsetof(V, m), n }

START_TEST(header_matches_idl)
{
    comrt_typelib *tl = NULL;
    ck_assert_int_eq(comrt_typelib_load_file(BUILTIN_TLB, &tl), S_OK);

    const struct slot ec[] = {SLOT(IEnumConnectionsVtbl, Next, 3), SLOT(IEnumConnectionsVtbl, Skip, 1),
                              SLOT(IEnumConnectionsVtbl, Reset, 0), SLOT(IEnumConnectionsVtbl, Clone, 1)};
    check_interface(tl, &IID_IEnumConnections, "IEnumConnections", sizeof(IEnumConnectionsVtbl), ec, 4);
    const struct slot cp[] = {
        SLOT(IConnectionPointVtbl, GetConnectionInterface, 1), SLOT(IConnectionPointVtbl, GetConnectionPointContainer, 1),
        SLOT(IConnectionPointVtbl, Advise, 2), SLOT(IConnectionPointVtbl, Unadvise, 1),
        SLOT(IConnectionPointVtbl, EnumConnections, 1)};
    check_interface(tl, &IID_IConnectionPoint, "IConnectionPoint", sizeof(IConnectionPointVtbl), cp, 5);
    const struct slot ep[] = {SLOT(IEnumConnectionPointsVtbl, Next, 3), SLOT(IEnumConnectionPointsVtbl, Skip, 1),
                              SLOT(IEnumConnectionPointsVtbl, Reset, 0), SLOT(IEnumConnectionPointsVtbl, Clone, 1)};
    check_interface(tl, &IID_IEnumConnectionPoints, "IEnumConnectionPoints", sizeof(IEnumConnectionPointsVtbl), ep,
                    4);
    const struct slot cpc[] = {SLOT(IConnectionPointContainerVtbl, EnumConnectionPoints, 1),
                               SLOT(IConnectionPointContainerVtbl, FindConnectionPoint, 2)};
    check_interface(tl, &IID_IConnectionPointContainer, "IConnectionPointContainer",
                    sizeof(IConnectionPointContainerVtbl), cpc, 2);

    /* CONNECTDATA: same size and offsets as the C struct */
    const comrt_tl_library *lib = comrt_typelib_library(tl);
    const comrt_tl_struct *cd = NULL;
    for (uint32_t i = 0; i < lib->nstructs; i++)
        if (!strcmp(lib->structs[i].name, "CONNECTDATA"))
            cd = &lib->structs[i];
    ck_assert_ptr_nonnull(cd);
    ck_assert_uint_eq(cd->size, sizeof(CONNECTDATA));
    ck_assert_uint_eq(cd->nfields, 2);
    ck_assert_str_eq(cd->fields[0].name, "pUnk");
    ck_assert_uint_eq(cd->fields[0].offset, offsetof(CONNECTDATA, pUnk));
    ck_assert_uint_eq(cd->fields[0].type->kind, COMRT_TL_INTERFACE);
    ck_assert_str_eq(cd->fields[1].name, "dwCookie");
    ck_assert_uint_eq(cd->fields[1].offset, offsetof(CONNECTDATA, dwCookie));
    ck_assert_uint_eq(cd->fields[1].type->kind, COMRT_TL_U4);

    /* Next's array: size_is(cConnections), length_is(*pcFetched) */
    const comrt_tl_interface *info = NULL;
    ck_assert_int_eq(comrt_typelib_find_interface(tl, &IID_IEnumConnections, &info), S_OK);
    const comrt_tl_type *rg = info->methods[0].params[1].type;
    ck_assert_uint_eq(rg->kind, COMRT_TL_PTR);
    ck_assert_ptr_nonnull(rg->size_is);
    ck_assert_ptr_nonnull(rg->length_is);
    ck_assert_uint_eq(info->methods[0].params[1].flags, COMRT_TL_P_OUT);
    comrt_typelib_unref(tl);

    /* Microsoft's IIDs */
    char s[CHARS_IN_GUID];
    StringFromGUID2(&IID_IConnectionPointContainer, s, sizeof s);
    ck_assert_str_eq(s, "{B196B284-BAB4-101A-B69C-00AA00341D07}");
    StringFromGUID2(&IID_IEnumConnectionPoints, s, sizeof s);
    ck_assert_str_eq(s, "{B196B285-BAB4-101A-B69C-00AA00341D07}");
    StringFromGUID2(&IID_IConnectionPoint, s, sizeof s);
    ck_assert_str_eq(s, "{B196B286-BAB4-101A-B69C-00AA00341D07}");
    StringFromGUID2(&IID_IEnumConnections, s, sizeof s);
    ck_assert_str_eq(s, "{B196B287-BAB4-101A-B69C-00AA00341D07}");
}
END_TEST

/* The container ---------------------------------------------------------------------------- */

START_TEST(container_init_errors)
{
    comrt_connpt_container c;
    Sink owner;
    sink_init(&owner);
    const comrt_connpt_desc twice[] = {{.iid = &IID_ITickEvents}, {.iid = &IID_IAlarmEvents}, {.iid = &IID_ITickEvents}};
    const comrt_connpt_desc none[] = {{.iid = NULL}};

    ck_assert_int_eq(comrt_connpt_container_init(NULL, sink_unk(&owner), twice, 1), E_POINTER);
    expect_error("no container");
    ck_assert_int_eq(comrt_connpt_container_init(&c, NULL, twice, 1), E_INVALIDARG);
    expect_error("no owner");
    comrt_connpt_container_fini(&c); /* a failed init leaves nothing to free */
    ck_assert_int_eq(comrt_connpt_container_init(&c, sink_unk(&owner), NULL, 2), E_INVALIDARG);
    expect_error("no descriptions");
    ck_assert_int_eq(comrt_connpt_container_init(&c, sink_unk(&owner), none, 1), E_INVALIDARG);
    expect_error("has no IID");
    ck_assert_int_eq(comrt_connpt_container_init(&c, sink_unk(&owner), twice, 3), E_INVALIDARG);
    expect_error("{10E26B97-54DC-4F89-993D-71AACDFB9DA1} is listed twice");
    ck_assert_ptr_null(comrt_connpt_container_find(&c, &IID_ITickEvents));
    comrt_connpt_container_fini(&c);
    comrt_connpt_container_fini(NULL);

    /* no points at all is a valid (if useless) container */
    ck_assert_int_eq(comrt_connpt_container_init(&c, sink_unk(&owner), NULL, 0), S_OK);
    IEnumConnectionPoints *en = NULL;
    IConnectionPoint *cp = (IConnectionPoint *)1;
    ULONG got = 9;
    ck_assert_int_eq(IConnectionPointContainer_EnumConnectionPoints(&c.iface, &en), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 1, &cp, &got), S_FALSE);
    ck_assert_uint_eq(got, 0);
    IEnumConnectionPoints_Release(en);
    ck_assert_uint_eq(atomic_load(&owner.refs), 1); /* the enumerator held the owner, then let go */
    comrt_connpt_container_fini(&c);
    ck_assert_uint_eq(atomic_load(&owner.refs), 1); /* the owner is borrowed, never released */
}
END_TEST

START_TEST(container_identity_is_the_owners)
{
    atomic_int dead = 0;
    Source *s = source_new_limited(NULL, 0, &dead);
    IConnectionPointContainer *cpc = &s->cpc.iface;
    IUnknown *unk = NULL;
    void *p = NULL;

    ck_assert_int_eq(IConnectionPointContainer_QueryInterface(cpc, &IID_IUnknown, (void **)&unk), S_OK);
    ck_assert_ptr_eq(unk, &s->base.inner); /* the owner's identity */
    ck_assert_uint_eq(refs_of(s), 2);
    ck_assert_int_eq(IUnknown_QueryInterface(unk, &IID_IConnectionPointContainer, &p), S_OK);
    ck_assert_ptr_eq(p, cpc); /* the owner answers for its container */
    ck_assert_uint_eq(IConnectionPointContainer_AddRef(cpc), 4);
    ck_assert_uint_eq(refs_of(s), 4);
    ck_assert_uint_eq(IConnectionPointContainer_Release(cpc), 3);
    ck_assert_int_eq(IConnectionPointContainer_QueryInterface(cpc, &IID_IConnectionPoint, &p), E_NOINTERFACE);
    ck_assert_ptr_null(p);
    IConnectionPointContainer_Release(cpc);
    IUnknown_Release(unk);
    ck_assert_int_eq(dead, 0);
    IConnectionPointContainer_Release(cpc); /* the creation reference */
    ck_assert_int_eq(dead, 1);
}
END_TEST

START_TEST(find_connection_point)
{
    atomic_int dead = 0;
    Source *s = source_new_limited(NULL, 0, &dead);
    IConnectionPointContainer *cpc = &s->cpc.iface, *back = NULL;
    IConnectionPoint *cp = NULL, *again = NULL;
    IUnknown *unk = NULL;
    IID iid;

    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_IAlarmEvents, &cp), S_OK);
    ck_assert_uint_eq(refs_of(s), 2); /* a point's references are its owner's */
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_IAlarmEvents, &again), S_OK);
    ck_assert_ptr_eq(again, cp); /* one object per point */
    IConnectionPoint_Release(again);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cp, &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_IAlarmEvents));
    ck_assert_int_eq(IConnectionPoint_GetConnectionPointContainer(cp, &back), S_OK);
    ck_assert_ptr_eq(back, cpc);
    IConnectionPointContainer_Release(back);
    /* a point is an object of its own for QueryInterface */
    ck_assert_int_eq(IConnectionPoint_QueryInterface(cp, &IID_IUnknown, (void **)&unk), S_OK);
    ck_assert_ptr_eq(unk, cp);
    IUnknown_Release(unk);
    ck_assert_int_eq(IConnectionPoint_QueryInterface(cp, &IID_IConnectionPoint, (void **)&again), S_OK);
    ck_assert_ptr_eq(again, cp);
    IConnectionPoint_Release(again);
    ck_assert_int_eq(IConnectionPoint_QueryInterface(cp, &IID_IConnectionPointContainer, (void **)&again),
                     E_NOINTERFACE);
    ck_assert_ptr_null(again);

    /* an interface the object does not source */
    again = (IConnectionPoint *)1;
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_ITickSource, &again),
                     CONNECT_E_NOCONNECTION);
    ck_assert_ptr_null(again);
    expect_error("no connection point for {410A1401-C27B-4885-834E-764FA92AA2C7}");
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_ITickEvents, NULL), E_POINTER);
    expect_error("ppCP is NULL");
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, NULL, &again), E_POINTER);
    ck_assert_ptr_null(again);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cp, NULL), E_POINTER);
    ck_assert_int_eq(IConnectionPoint_GetConnectionPointContainer(cp, NULL), E_POINTER);
    CoTaskMemFree(comrt_error_take_description());

    /* holding only the point keeps the owner alive */
    IConnectionPointContainer_Release(cpc);
    ck_assert_int_eq(dead, 0);
    ck_assert_uint_eq(refs_of(s), 1);
    IConnectionPoint_Release(cp);
    ck_assert_int_eq(dead, 1);
}
END_TEST

START_TEST(enum_connection_points)
{
    atomic_int dead = 0;
    Source *s = source_new_limited(NULL, 0, &dead);
    IEnumConnectionPoints *en = NULL, *clone = NULL;
    IConnectionPoint *cps[4] = {NULL};
    ULONG got = 99;
    IID iid;

    ck_assert_int_eq(IConnectionPointContainer_EnumConnectionPoints(&s->cpc.iface, &en), S_OK);
    ck_assert_uint_eq(refs_of(s), 2); /* the enumerator keeps the owner alive */
    /* one at a time, pcFetched may be NULL */
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 1, cps, NULL), S_OK);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cps[0], &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_ITickEvents)); /* declaration order */
    ck_assert_uint_eq(refs_of(s), 3);
    IConnectionPoint_Release(cps[0]);
    /* a clone starts where its original is, then moves on its own */
    ck_assert_int_eq(IEnumConnectionPoints_Clone(en, &clone), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 4, cps, &got), S_FALSE);
    ck_assert_uint_eq(got, 1);
    ck_assert_int_eq(IConnectionPoint_GetConnectionInterface(cps[0], &iid), S_OK);
    ck_assert(IsEqualIID(&iid, &IID_IAlarmEvents));
    IConnectionPoint_Release(cps[0]);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 4, cps, &got), S_FALSE);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(IEnumConnectionPoints_Next(clone, 1, cps, &got), S_OK);
    ck_assert_uint_eq(got, 1);
    IConnectionPoint *alarms = NULL;
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(&s->cpc.iface, &IID_IAlarmEvents, &alarms), S_OK);
    ck_assert_ptr_eq(cps[0], alarms); /* the same objects FindConnectionPoint gives */
    IConnectionPoint_Release(alarms);
    IConnectionPoint_Release(cps[0]);
    /* Skip and Reset */
    ck_assert_int_eq(IEnumConnectionPoints_Reset(en), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Skip(en, 1), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Skip(en, 0), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Skip(en, 5), S_FALSE);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 1, cps, &got), S_FALSE);
    ck_assert_int_eq(IEnumConnectionPoints_Reset(en), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 0, cps, &got), S_OK);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 2, cps, &got), S_OK);
    ck_assert_uint_eq(got, 2);
    IConnectionPoint_Release(cps[0]);
    IConnectionPoint_Release(cps[1]);
    /* argument errors */
    got = 7;
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 2, cps, NULL), E_POINTER);
    expect_error("pcFetched may be NULL only");
    ck_assert_int_eq(IEnumConnectionPoints_Next(en, 1, NULL, &got), E_POINTER);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(IEnumConnectionPoints_Clone(en, NULL), E_POINTER);
    ck_assert_int_eq(IConnectionPointContainer_EnumConnectionPoints(&s->cpc.iface, NULL), E_POINTER);
    CoTaskMemFree(comrt_error_take_description());
    /* QueryInterface */
    IUnknown *unk = NULL;
    ck_assert_int_eq(IEnumConnectionPoints_QueryInterface(en, &IID_IUnknown, (void **)&unk), S_OK);
    ck_assert_ptr_eq(unk, en);
    IUnknown_Release(unk);
    ck_assert_int_eq(IEnumConnectionPoints_QueryInterface(en, &IID_IEnumConnections, (void **)&unk), E_NOINTERFACE);
    /* the enumerators outlive every other reference to the owner */
    IConnectionPointContainer_Release(&s->cpc.iface);
    IEnumConnectionPoints_Release(en);
    ck_assert_int_eq(dead, 0);
    ck_assert_int_eq(IEnumConnectionPoints_Reset(clone), S_OK);
    ck_assert_int_eq(IEnumConnectionPoints_Skip(clone, 2), S_OK);
    IEnumConnectionPoints_Release(clone);
    ck_assert_int_eq(dead, 1);
}
END_TEST

/* Advise and Unadvise ------------------------------------------------------------------------ */

START_TEST(advise_and_unadvise)
{
    Source *s = source_new();
    IConnectionPoint *cp = tick_point(s);
    Sink a, b;
    DWORD ca = 0, cb = 0, cc = 0, bad = 77;
    LONG v = 3;
    ULONG delivered = 0;

    sink_init(&a);
    sink_init(&b);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), &ca), S_OK);
    ck_assert_uint_ne(ca, 0);
    ck_assert_uint_eq(atomic_load(&a.refs), 2); /* the point holds the sink */
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&b), &cb), S_OK);
    ck_assert_uint_gt(cb, ca);
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(s)), 2);
    /* the same sink twice is two connections */
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), &cc), S_OK);
    ck_assert_uint_eq(atomic_load(&a.refs), 3);
    ck_assert_int_eq(comrt_connpt_fire(ticks_of(s), call_tick, &v, &delivered, NULL), S_OK);
    ck_assert_uint_eq(delivered, 3);
    ck_assert_int_eq(atomic_load(&a.ticks), 2);
    ck_assert_int_eq(atomic_load(&b.last), 3);

    /* unknown cookies change nothing */
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, 0), CONNECT_E_NOCONNECTION);
    expect_error("has no connection with cookie 0");
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, cc + 1), CONNECT_E_NOCONNECTION);
    expect_error("{10E26B97-54DC-4F89-993D-71AACDFB9DA1}");
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(s)), 3);
    ck_assert_uint_eq(atomic_load(&a.refs), 3);

    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, ca), S_OK);
    ck_assert_uint_eq(atomic_load(&a.refs), 2);
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, ca), CONNECT_E_NOCONNECTION);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, cc), S_OK);
    ck_assert_uint_eq(atomic_load(&a.refs), 1);
    v = 4;
    ck_assert_int_eq(comrt_connpt_fire(ticks_of(s), call_tick, &v, &delivered, NULL), S_OK);
    ck_assert_uint_eq(delivered, 1);
    ck_assert_int_eq(atomic_load(&a.ticks), 2); /* unadvised: no more events */
    ck_assert_int_eq(atomic_load(&b.ticks), 2);

    /* cookies are never reused */
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), &ca), S_OK);
    ck_assert_uint_gt(ca, cc);

    /* argument errors leave the cookie 0 and the sink untouched */
    ck_assert_int_eq(IConnectionPoint_Advise(cp, NULL, &bad), E_POINTER);
    ck_assert_uint_eq(bad, 0);
    expect_error("no sink given");
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), NULL), E_POINTER);
    expect_error("pdwCookie is NULL");
    ck_assert_uint_eq(atomic_load(&a.refs), 2);

    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(&s->cpc.iface); /* the owner dies with a and b connected */
    ck_assert_uint_eq(atomic_load(&a.refs), 1);
    ck_assert_uint_eq(atomic_load(&b.refs), 1);
}
END_TEST

START_TEST(advise_needs_the_outgoing_interface)
{
    Source *s = source_new();
    IConnectionPoint *cp = tick_point(s);
    Sink plain;
    DWORD cookie = 5;

    sink_init(&plain);
    plain.refuse = 1;
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&plain), &cookie), CONNECT_E_CANNOTCONNECT);
    ck_assert_uint_eq(cookie, 0);
    ck_assert_uint_eq(atomic_load(&plain.refs), 1);
    expect_error("does not implement {10E26B97-54DC-4F89-993D-71AACDFB9DA1}");
    ck_assert_uint_eq(comrt_connpt_connection_count(ticks_of(s)), 0);
    /* a sink of one point's interface cannot connect to the other point */
    IConnectionPoint *alarms = NULL;
    Sink ticker;
    sink_init(&ticker);
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(&s->cpc.iface, &IID_IAlarmEvents, &alarms), S_OK);
    ck_assert_int_eq(IConnectionPoint_Advise(alarms, sink_unk(&ticker), &cookie), CONNECT_E_CANNOTCONNECT);
    expect_error("{0EAFABB5-0A74-44FE-94CB-3E0F5BE6640E}");
    ck_assert_uint_eq(atomic_load(&ticker.refs), 1);
    IConnectionPoint_Release(alarms);
    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(&s->cpc.iface);
}
END_TEST

START_TEST(advise_limit)
{
    Source *s = source_new_limited(NULL, 2, NULL);
    IConnectionPoint *cp = tick_point(s);
    Sink a, b, c;
    DWORD ca, cb, cc = 9;

    sink_init(&a);
    sink_init(&b);
    sink_init(&c);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), &ca), S_OK);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&b), &cb), S_OK);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&c), &cc), CONNECT_E_ADVISELIMIT);
    ck_assert_uint_eq(cc, 0);
    ck_assert_uint_eq(atomic_load(&c.refs), 1); /* the reference from its QueryInterface went back */
    expect_error("takes at most 2 connections");
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, ca), S_OK);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&c), &cc), S_OK);
    ck_assert_uint_gt(cc, cb);
    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(&s->cpc.iface);
    ck_assert_uint_eq(atomic_load(&b.refs), 1);
    ck_assert_uint_eq(atomic_load(&c.refs), 1);
}
END_TEST

/* IEnumConnections ------------------------------------------------------------------------------- */

START_TEST(enum_connections_is_a_snapshot)
{
    Source *s = source_new();
    IConnectionPoint *cp = tick_point(s);
    IEnumConnections *en = NULL, *clone = NULL;
    CONNECTDATA cd[5];
    Sink k[4];
    DWORD ck[4];
    ULONG got = 0;

    for (int i = 0; i < 3; i++) {
        sink_init(&k[i]);
        ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&k[i]), &ck[i]), S_OK);
    }
    ck_assert_int_eq(IConnectionPoint_EnumConnections(cp, &en), S_OK);
    /* later changes do not show in it; what it holds stays alive */
    sink_init(&k[3]);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&k[3]), &ck[3]), S_OK);
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, ck[0]), S_OK);
    ck_assert_uint_eq(atomic_load(&k[0].refs), 2); /* the enumerator's */

    ck_assert_int_eq(IEnumConnections_Next(en, 2, cd, &got), S_OK);
    ck_assert_uint_eq(got, 2);
    for (int i = 0; i < 2; i++) {
        ck_assert_ptr_eq(cd[i].pUnk, sink_unk(&k[i]));
        ck_assert_uint_eq(cd[i].dwCookie, ck[i]);
    }
    ck_assert_uint_eq(atomic_load(&k[0].refs), 3); /* pUnk is AddRef'd for us */
    IUnknown_Release(cd[0].pUnk);
    IUnknown_Release(cd[1].pUnk);
    ck_assert_int_eq(IEnumConnections_Clone(en, &clone), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(en, 5, cd, &got), S_FALSE);
    ck_assert_uint_eq(got, 1);
    ck_assert_uint_eq(cd[0].dwCookie, ck[2]);
    IUnknown_Release(cd[0].pUnk);
    ck_assert_int_eq(IEnumConnections_Next(en, 1, cd, NULL), S_FALSE);
    /* the clone is where the original was */
    ck_assert_int_eq(IEnumConnections_Next(clone, 1, cd, NULL), S_OK);
    ck_assert_uint_eq(cd[0].dwCookie, ck[2]);
    IUnknown_Release(cd[0].pUnk);
    ck_assert_int_eq(IEnumConnections_Skip(clone, 1), S_FALSE);
    ck_assert_int_eq(IEnumConnections_Reset(clone), S_OK);
    ck_assert_int_eq(IEnumConnections_Skip(clone, 2), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(clone, 1, cd, &got), S_OK);
    ck_assert_uint_eq(cd[0].dwCookie, ck[2]);
    IUnknown_Release(cd[0].pUnk);
    ck_assert_int_eq(IEnumConnections_Reset(en), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(en, 0, cd, &got), S_OK);
    ck_assert_uint_eq(got, 0);
    /* argument errors */
    ck_assert_int_eq(IEnumConnections_Next(en, 2, cd, NULL), E_POINTER);
    expect_error("IEnumConnections::Next: pcFetched may be NULL only");
    got = 4;
    ck_assert_int_eq(IEnumConnections_Next(en, 2, NULL, &got), E_POINTER);
    ck_assert_uint_eq(got, 0);
    ck_assert_int_eq(IEnumConnections_Clone(en, NULL), E_POINTER);
    ck_assert_int_eq(IConnectionPoint_EnumConnections(cp, NULL), E_POINTER);
    CoTaskMemFree(comrt_error_take_description());
    IUnknown *unk = NULL;
    ck_assert_int_eq(IEnumConnections_QueryInterface(en, &IID_IEnumConnections, (void **)&unk), S_OK);
    ck_assert_ptr_eq(unk, en);
    IUnknown_Release(unk);
    ck_assert_int_eq(IEnumConnections_QueryInterface(en, &IID_IConnectionPoint, (void **)&unk), E_NOINTERFACE);

    /* the enumerators hold the sinks, not the owner: they outlive it */
    IConnectionPoint_Release(cp);
    IConnectionPointContainer_Release(&s->cpc.iface);
    ck_assert_uint_eq(atomic_load(&k[3].refs), 1);
    ck_assert_uint_eq(atomic_load(&k[1].refs), 2);
    IEnumConnections_Release(en);
    ck_assert_uint_eq(atomic_load(&k[1].refs), 2); /* the clone shares the snapshot */
    ck_assert_int_eq(IEnumConnections_Reset(clone), S_OK);
    ck_assert_int_eq(IEnumConnections_Next(clone, 5, cd, &got), S_FALSE);
    ck_assert_uint_eq(got, 3);
    for (ULONG i = 0; i < got; i++)
        IUnknown_Release(cd[i].pUnk);
    IEnumConnections_Release(clone);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(atomic_load(&k[i].refs), 1);
}
END_TEST

/* Firing ------------------------------------------------------------------------------------------ */

START_TEST(fire_drops_disconnected_sinks)
{
    Source *s = source_new();
    comrt_connpt *cp = ticks_of(s);
    IConnectionPoint *icp = tick_point(s);
    Sink k[4];
    DWORD ck[4];
    const HRESULT results[4] = {S_OK, RPC_E_DISCONNECTED, E_FAIL, HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)};
    ULONG delivered = 9, dropped = 9;
    LONG v = 42;

    for (int i = 0; i < 4; i++) {
        sink_init(&k[i]);
        k[i].result = results[i];
        ck_assert_int_eq(IConnectionPoint_Advise(icp, sink_unk(&k[i]), &ck[i]), S_OK);
    }
    /* a snapshot: every sink AddRef'd, in advise order */
    comrt_connpt_sinks snap;
    ck_assert_int_eq(comrt_connpt_snapshot(cp, &snap), S_OK);
    ck_assert_uint_eq(snap.count, 4);
    for (int i = 0; i < 4; i++) {
        ck_assert_ptr_eq(snap.items[i].sink, sink_unk(&k[i]));
        ck_assert_uint_eq(snap.items[i].cookie, ck[i]);
        ck_assert_uint_eq(atomic_load(&k[i].refs), 3);
    }
    comrt_connpt_sinks_release(&snap);
    ck_assert_uint_eq(snap.count, 0);
    ck_assert_ptr_null(snap.items);
    comrt_connpt_sinks_release(&snap); /* empty: no-op */
    comrt_connpt_sinks_release(NULL);
    ck_assert_uint_eq(atomic_load(&k[0].refs), 2);

    /* every sink is called; the unreachable ones are dropped, the failing one stays */
    ck_assert_int_eq(comrt_connpt_fire(cp, call_tick, &v, &delivered, &dropped), S_OK);
    ck_assert_uint_eq(delivered, 1);
    ck_assert_uint_eq(dropped, 2);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(atomic_load(&k[i].ticks), 1);
    ck_assert_uint_eq(atomic_load(&k[1].refs), 1);
    ck_assert_uint_eq(atomic_load(&k[3].refs), 1);
    ck_assert_uint_eq(atomic_load(&k[2].refs), 2);
    ck_assert_uint_eq(comrt_connpt_connection_count(cp), 2);
    ck_assert_int_eq(IConnectionPoint_Unadvise(icp, ck[1]), CONNECT_E_NOCONNECTION);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_int_eq(comrt_connpt_fire(cp, call_tick, &v, NULL, &dropped), S_OK);
    ck_assert_uint_eq(dropped, 0);
    ck_assert_int_eq(atomic_load(&k[1].ticks), 1);
    ck_assert_int_eq(atomic_load(&k[0].ticks), 2);

    /* dropping by cookie */
    ck_assert_int_eq(comrt_connpt_drop(cp, ck[2]), S_OK);
    ck_assert_uint_eq(atomic_load(&k[2].refs), 1);
    ck_assert_int_eq(comrt_connpt_drop(cp, ck[2]), S_FALSE);
    ck_assert_int_eq(comrt_connpt_drop(cp, 0), S_FALSE);
    ck_assert_int_eq(comrt_connpt_drop(NULL, 1), E_POINTER);
    ck_assert_int_eq(comrt_connpt_fire(NULL, call_tick, &v, &delivered, NULL), E_POINTER);
    ck_assert_uint_eq(delivered, 0);
    ck_assert_int_eq(comrt_connpt_fire(cp, NULL, &v, NULL, NULL), E_POINTER);
    expect_error("no function given");
    ck_assert_int_eq(comrt_connpt_snapshot(NULL, &snap), E_POINTER);
    ck_assert_int_eq(comrt_connpt_snapshot(cp, NULL), E_POINTER);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_uint_eq(comrt_connpt_connection_count(NULL), 0);

    /* nothing connected: an empty snapshot, nothing called */
    ck_assert_int_eq(IConnectionPoint_Unadvise(icp, ck[0]), S_OK);
    ck_assert_int_eq(comrt_connpt_snapshot(cp, &snap), S_OK);
    ck_assert_uint_eq(snap.count, 0);
    ck_assert_ptr_null(snap.items);
    ck_assert_int_eq(comrt_connpt_fire(cp, call_tick, &v, &delivered, &dropped), S_OK);
    ck_assert_uint_eq(delivered + dropped, 0);
    IConnectionPoint_Release(icp);
    IConnectionPointContainer_Release(&s->cpc.iface);
    for (int i = 0; i < 4; i++)
        ck_assert_uint_eq(atomic_load(&k[i].refs), 1);
}
END_TEST

START_TEST(which_errors_mean_disconnected)
{
    const HRESULT gone[] = {RPC_E_DISCONNECTED,
                            CO_E_OBJNOTCONNECTED,
                            RPC_E_SERVER_DIED,
                            RPC_E_SERVER_DIED_DNE,
                            HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE),
                            HRESULT_FROM_WIN32(RPC_S_CALL_FAILED),
                            HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE)};
    const HRESULT alive[] = {S_OK, S_FALSE, E_FAIL, E_NOINTERFACE, RPC_E_TIMEOUT, E_OUTOFMEMORY,
                             RPC_E_SERVERFAULT, E_ACCESSDENIED};
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++)
        ck_assert_msg(comrt_connpt_is_disconnected(gone[i]), "0x%08X", (unsigned)gone[i]);
    for (size_t i = 0; i < sizeof alive / sizeof alive[0]; i++)
        ck_assert_msg(!comrt_connpt_is_disconnected(alive[i]), "0x%08X", (unsigned)alive[i]);
    ck_assert_uint_eq((uint32_t)HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE), 0x800706BAu);
    ck_assert_str_eq(comrt_hresult_name(CONNECT_E_CANNOTCONNECT), "CONNECT_E_CANNOTCONNECT");
}
END_TEST

/* Aggregation ------------------------------------------------------------------------------------- */

/* A minimal aggregator exposing its inner Source's container as its own. */
typedef struct Outer {
    IUnknown unk;
    atomic_ulong refs;
    IUnknown *inner; /* the Source's non-delegating IUnknown */
    atomic_int *dead;
} Outer;

static HRESULT outer_QueryInterface(IUnknown *This, REFIID riid, void **ppv)
{
    Outer *o = (Outer *)This;
    if (IsEqualIID(riid, &IID_IUnknown)) {
        *ppv = This;
        IUnknown_AddRef(This);
        return S_OK;
    }
    if (IsEqualIID(riid, &IID_IConnectionPointContainer))
        return IUnknown_QueryInterface(o->inner, riid, ppv); /* selective aggregation */
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG outer_AddRef(IUnknown *This)
{
    return (ULONG)atomic_fetch_add(&((Outer *)This)->refs, 1) + 1;
}
static ULONG outer_Release(IUnknown *This)
{
    Outer *o = (Outer *)This;
    ULONG n = (ULONG)atomic_fetch_sub(&o->refs, 1) - 1;
    if (n == 0) {
        IUnknown_Release(o->inner);
        *o->dead = 1;
        free(o);
    }
    return n;
}
static const IUnknownVtbl outer_vtbl = {outer_QueryInterface, outer_AddRef, outer_Release};

START_TEST(aggregated_container)
{
    atomic_int outer_dead = 0, inner_dead = 0;
    Outer *o = calloc(1, sizeof *o);
    o->unk.lpVtbl = &outer_vtbl;
    atomic_init(&o->refs, 1);
    o->dead = &outer_dead;
    Source *s = source_new_limited(&o->unk, 0, &inner_dead);
    ck_assert_ptr_eq(s->base.outer, &o->unk);
    ck_assert_int_eq(comrt_object_finish_create(&s->base, &IID_IUnknown, (void **)&o->inner), S_OK);
    ck_assert_ptr_eq(o->inner, &s->base.inner);

    IConnectionPointContainer *cpc = NULL, *back = NULL;
    IConnectionPoint *cp = NULL;
    IUnknown *unk = NULL;
    ck_assert_int_eq(IUnknown_QueryInterface(&o->unk, &IID_IConnectionPointContainer, (void **)&cpc), S_OK);
    ck_assert_ptr_eq(cpc, &s->cpc.iface);
    ck_assert_uint_eq(atomic_load(&o->refs), 2); /* counted on the aggregate */
    ck_assert_uint_eq(refs_of(s), 1);
    ck_assert_int_eq(IConnectionPointContainer_QueryInterface(cpc, &IID_IUnknown, (void **)&unk), S_OK);
    ck_assert_ptr_eq(unk, &o->unk); /* the aggregate's identity */
    IUnknown_Release(unk);
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(cpc, &IID_ITickEvents, &cp), S_OK);
    ck_assert_uint_eq(atomic_load(&o->refs), 3);
    ck_assert_int_eq(IConnectionPoint_GetConnectionPointContainer(cp, &back), S_OK);
    ck_assert_ptr_eq(back, cpc);
    IConnectionPointContainer_Release(back);

    Sink k;
    DWORD cookie;
    LONG v = 1;
    ULONG delivered;
    sink_init(&k);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&k), &cookie), S_OK);
    ck_assert_int_eq(comrt_connpt_fire(ticks_of(s), call_tick, &v, &delivered, NULL), S_OK);
    ck_assert_uint_eq(delivered, 1);
    /* holding only the point keeps the whole aggregate alive */
    IConnectionPointContainer_Release(cpc);
    IUnknown_Release(&o->unk);
    ck_assert_int_eq(outer_dead, 0);
    ck_assert_int_eq(inner_dead, 0);
    IConnectionPoint_Release(cp);
    ck_assert_int_eq(outer_dead, 1);
    ck_assert_int_eq(inner_dead, 1);
    ck_assert_uint_eq(atomic_load(&k.refs), 1);
}
END_TEST

/* Hooks: told of every connection and its end; a failing on_advise vetoes it. */
struct hook_log {
    int advised, unadvised;
    DWORD last_cookie;
    HRESULT answer;
};

static HRESULT log_advise(void *ctx, IUnknown *sink, DWORD cookie)
{
    struct hook_log *l = ctx;
    ck_assert_ptr_nonnull(sink);
    if (FAILED(l->answer))
        return comrt_error_set(l->answer, "refused by the owner");
    l->advised++;
    l->last_cookie = cookie;
    return S_OK;
}

static void log_unadvise(void *ctx, DWORD cookie)
{
    struct hook_log *l = ctx;
    l->unadvised++;
    l->last_cookie = cookie;
}

START_TEST(hooks_see_every_connection_and_can_refuse)
{
    static const comrt_connpt_hooks hooks = {log_advise, log_unadvise};
    struct hook_log log = {0, 0, 0, S_OK};
    const comrt_connpt_desc points[] = {{.iid = &IID_ITickEvents, .hooks = &hooks, .hooks_ctx = &log}};
    IStream *owner = SHCreateMemStream(NULL, 0); /* any object will do as the owner */
    comrt_connpt_container c;
    IConnectionPoint *cp = NULL;
    Sink a, b;
    DWORD ca = 0, cb = 0;
    sink_init(&a);
    sink_init(&b);
    ck_assert_int_eq(comrt_connpt_container_init(&c, (IUnknown *)owner, points, 1), S_OK);
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(&c.iface, &IID_ITickEvents, &cp), S_OK);
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&a), &ca), S_OK);
    ck_assert_int_eq(log.advised, 1);
    ck_assert_uint_eq(log.last_cookie, ca);
    /* a veto: Advise fails with the hook's answer and nothing stays connected */
    log.answer = E_ACCESSDENIED;
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&b), &cb), E_ACCESSDENIED);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert_uint_eq(cb, 0);
    ck_assert_uint_eq(comrt_connpt_connection_count(comrt_connpt_container_find(&c, &IID_ITickEvents)), 1);
    ck_assert_uint_eq(atomic_load(&b.refs), 1);
    /* Unadvise and drop both tell the owner */
    ck_assert_int_eq(IConnectionPoint_Unadvise(cp, ca), S_OK);
    ck_assert_int_eq(log.unadvised, 1);
    ck_assert_uint_eq(log.last_cookie, ca);
    log.answer = S_OK;
    ck_assert_int_eq(IConnectionPoint_Advise(cp, sink_unk(&b), &cb), S_OK);
    ck_assert_int_eq(comrt_connpt_drop(comrt_connpt_container_find(&c, &IID_ITickEvents), cb), S_OK);
    ck_assert_int_eq(log.unadvised, 2);
    ck_assert_uint_eq(log.last_cookie, cb);
    IConnectionPoint_Release(cp);
    comrt_connpt_container_fini(&c);
    ck_assert_int_eq(log.unadvised, 2); /* not from fini */
    IStream_Release(owner);
    ck_assert_uint_eq(atomic_load(&a.refs), 1);
    ck_assert_uint_eq(atomic_load(&b.refs), 1);
}
END_TEST

static Suite *connpt_suite(void)
{
    Suite *s = suite_create("connpt");
    TCase *tc = tcase_create("in-process");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, header_matches_idl);
    tcase_add_test(tc, container_init_errors);
    tcase_add_test(tc, hooks_see_every_connection_and_can_refuse);
    tcase_add_test(tc, container_identity_is_the_owners);
    tcase_add_test(tc, find_connection_point);
    tcase_add_test(tc, enum_connection_points);
    tcase_add_test(tc, advise_and_unadvise);
    tcase_add_test(tc, advise_needs_the_outgoing_interface);
    tcase_add_test(tc, advise_limit);
    tcase_add_test(tc, enum_connections_is_a_snapshot);
    tcase_add_test(tc, fire_drops_disconnected_sinks);
    tcase_add_test(tc, which_errors_mean_disconnected);
    tcase_add_test(tc, aggregated_container);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return comrt_run_suite(connpt_suite());
}
