/*
 * fixture.h - what the in-process connection-point tests share: a sink
 * (ITickEvents) whose behaviour each test chooses, and a connectable
 * object built on comrt_object and the helper (comrt/connpt.h).
 */
#ifndef COMRT_TEST_CONNPT_FIXTURE_H
#define COMRT_TEST_CONNPT_FIXTURE_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

/* Sinks ------------------------------------------------------------------------ */

enum sink_hook { HOOK_QI, HOOK_ADDREF, HOOK_TICK, HOOK_RELEASE };

typedef struct Sink Sink;
struct Sink {
    ITickEvents iface;
    atomic_ulong refs;  /* starts at 1, the test's own: never freed */
    atomic_long ticks;  /* Tick calls */
    atomic_long last;   /* the last value ticked */
    HRESULT result;     /* what Tick returns */
    int refuse;         /* QueryInterface refuses ITickEvents */
    /* Called from QueryInterface(ITickEvents), AddRef, Tick and Release, so
     * tests can call back into the connection point from inside the helper. */
    void (*hook)(Sink *s, enum sink_hook where);
    void *ctx;
};

static inline HRESULT sink_QueryInterface(ITickEvents *This, REFIID riid, void **ppv)
{
    Sink *s = (Sink *)This;
    *ppv = NULL;
    if (IsEqualIID(riid, &IID_ITickEvents)) {
        if (s->refuse)
            return E_NOINTERFACE;
        if (s->hook)
            s->hook(s, HOOK_QI);
    } else if (!IsEqualIID(riid, &IID_IUnknown)) {
        return E_NOINTERFACE;
    }
    *ppv = This;
    atomic_fetch_add(&s->refs, 1);
    return S_OK;
}

static inline ULONG sink_AddRef(ITickEvents *This)
{
    Sink *s = (Sink *)This;
    ULONG n = (ULONG)atomic_fetch_add(&s->refs, 1) + 1;
    if (s->hook)
        s->hook(s, HOOK_ADDREF);
    return n;
}

static inline ULONG sink_Release(ITickEvents *This)
{
    Sink *s = (Sink *)This;
    ULONG n = (ULONG)atomic_fetch_sub(&s->refs, 1) - 1;
    if (s->hook)
        s->hook(s, HOOK_RELEASE);
    return n;
}

static inline HRESULT sink_Tick(ITickEvents *This, LONG value)
{
    Sink *s = (Sink *)This;
    atomic_fetch_add(&s->ticks, 1);
    atomic_store(&s->last, value);
    if (s->hook)
        s->hook(s, HOOK_TICK);
    return s->result;
}

static const ITickEventsVtbl sink_vtbl = {sink_QueryInterface, sink_AddRef, sink_Release, sink_Tick};

static inline void sink_init(Sink *s)
{
    memset(s, 0, sizeof *s);
    s->iface.lpVtbl = &sink_vtbl;
    atomic_init(&s->refs, 1);
}

static inline IUnknown *sink_unk(Sink *s)
{
    return (IUnknown *)&s->iface;
}

/* What comrt_connpt_fire calls: ctx points to the LONG to tick. */
static inline HRESULT call_tick(IUnknown *sink, void *ctx)
{
    return ITickEvents_Tick((ITickEvents *)sink, *(const LONG *)ctx);
}

/* The connectable object ----------------------------------------------------------- */

typedef struct Source {
    comrt_object base;
    comrt_connpt_container cpc;
    atomic_int *destroyed; /* set to 1 by destroy, if given */
} Source;

static inline void source_destroy(void *p)
{
    Source *s = p;
    comrt_connpt_container_fini(&s->cpc);
    if (s->destroyed)
        atomic_store(s->destroyed, 1);
    free(s);
}

static const comrt_interface_entry source_itfs[] = {
    COMRT_INTERFACE(IID_IConnectionPointContainer, Source, cpc),
    {NULL, 0},
};
static const comrt_object_class source_class = {
    .name = "ConnptTestSource", .interfaces = source_itfs, .destroy = source_destroy};

/* The two points most tests use: ticks (limit as given) and alarms. */
static inline Source *source_new_limited(IUnknown *outer, ULONG tick_limit, atomic_int *destroyed)
{
    const comrt_connpt_desc points[] = {{.iid = &IID_ITickEvents, .advise_limit = tick_limit}, {.iid = &IID_IAlarmEvents}};
    Source *s = calloc(1, sizeof *s);
    ck_assert_ptr_nonnull(s);
    comrt_object_init(&s->base, &source_class, NULL, outer);
    s->destroyed = destroyed;
    ck_assert_int_eq(comrt_connpt_container_init(&s->cpc, s->base.outer, points, 2), S_OK);
    return s; /* one reference: the creation one, released through the container or base */
}

static inline Source *source_new(void)
{
    return source_new_limited(NULL, 0, NULL);
}

static inline comrt_connpt *ticks_of(Source *s)
{
    comrt_connpt *cp = comrt_connpt_container_find(&s->cpc, &IID_ITickEvents);
    ck_assert_ptr_nonnull(cp);
    return cp;
}

/* The tick point as an interface (one reference for the caller). */
static inline IConnectionPoint *tick_point(Source *s)
{
    IConnectionPoint *cp = NULL;
    ck_assert_int_eq(IConnectionPointContainer_FindConnectionPoint(&s->cpc.iface, &IID_ITickEvents, &cp), S_OK);
    return cp;
}

static inline ULONG refs_of(const Source *s)
{
    return (ULONG)atomic_load(&s->base.refs);
}

/* Checks the thread's error description mentions needle, and clears it. */
static inline void expect_error(const char *needle)
{
    char *why = comrt_error_take_description();
    ck_assert_msg(why && strstr(why, needle), "error information '%s' does not mention '%s'", why ? why : "(none)",
                  needle);
    CoTaskMemFree(why);
}

#endif
