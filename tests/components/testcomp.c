/*
 * testcomp.c - a component library for the tests: an aggregator (TestOuter,
 * which aggregates Hello.Greeter blindly) and a class that refuses
 * aggregation (TestNoAgg).
 */
#define INITGUID
#include "testcomp.h"

#include <stdlib.h>

#include "hello.h"

static atomic_long live;

typedef struct Outer {
    comrt_object base;
    IOuter iouter;
    IUnknown *inner; /* Hello.Greeter's non-delegating IUnknown */
} Outer;

COMRT_IUNKNOWN_IMPL(outer, IOuter, Outer, iouter)

static HRESULT outer_LiveObjects(IOuter *This, LONG *count)
{
    (void)This;
    *count = (LONG)atomic_load(&live);
    return S_OK;
}

static const IOuterVtbl outer_vtbl = {outer_QueryInterface, outer_AddRef, outer_Release, outer_LiveObjects};

static void outer_destroy(void *p)
{
    Outer *self = p;
    if (self->inner)
        IUnknown_Release(self->inner);
    free(self);
    atomic_fetch_sub(&live, 1);
}

/* Blind aggregation: whatever IOuter is not, ask the inner object. */
static HRESULT outer_fallback(void *p, REFIID riid, void **ppv)
{
    Outer *self = p;
    return IUnknown_QueryInterface(self->inner, riid, ppv);
}

static const comrt_interface_entry outer_itfs[] = {COMRT_INTERFACE(IID_IOuter, Outer, iouter), {NULL, 0}};
static const comrt_object_class outer_class = {"TestOuter", outer_itfs, outer_destroy, outer_fallback};

static HRESULT outer_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    Outer *self = calloc(1, sizeof *self);
    HRESULT hr;
    if (!self)
        return E_OUTOFMEMORY;
    atomic_fetch_add(&live, 1);
    comrt_object_init(&self->base, &outer_class, m, outer);
    self->iouter.lpVtbl = &outer_vtbl;
    hr = CoCreateInstance(&CLSID_HelloGreeter, self->base.outer, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                          (void **)&self->inner);
    if (FAILED(hr)) {
        self->inner = NULL;
        comrt_object_release(&self->base); /* destroys it */
        return hr;
    }
    return comrt_object_finish_create(&self->base, riid, ppv);
}

typedef struct NoAgg {
    comrt_object base;
} NoAgg;

static void noagg_destroy(void *p)
{
    free(p);
    atomic_fetch_sub(&live, 1);
}

static const comrt_object_class noagg_class = {"TestNoAgg", NULL, noagg_destroy, NULL};

static HRESULT noagg_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    NoAgg *self = calloc(1, sizeof *self);
    if (!self)
        return E_OUTOFMEMORY;
    atomic_fetch_add(&live, 1);
    comrt_object_init(&self->base, &noagg_class, m, outer);
    return comrt_object_finish_create(&self->base, riid, ppv);
}

static const comrt_class_entry classes[] = {
    {.clsid = &CLSID_TestOuter, .create = outer_create, .flags = COMRT_CLASS_AGGREGATABLE,
     .description = "test aggregator", .progid = "ComrtTest.Outer.1", .vi_progid = "ComrtTest.Outer",
     .threading_model = "Both"},
    {.clsid = &CLSID_TestNoAgg, .create = noagg_create, .description = "test non-aggregatable",
     .progid = "ComrtTest.NoAgg.1", .threading_model = "Free"},
    {0},
};
static comrt_module module = COMRT_MODULE_INIT(classes);

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID c, REFIID r, void **ppv) { return comrt_module_get_class_object(&module, c, r, ppv); }
COMRT_EXPORT HRESULT DllCanUnloadNow(void) { return comrt_module_can_unload_now(&module); }
COMRT_EXPORT HRESULT DllRegisterServer(void) { return comrt_module_register_server(&module); }
COMRT_EXPORT HRESULT DllUnregisterServer(void) { return comrt_module_unregister_server(&module); }
