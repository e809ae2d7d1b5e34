/*
 * autodemo.c - AutoDemo.Object: one [dual] interface, IAutoDemo. Its
 * IDispatch half is the one line COMRT_DISPATCH_IMPL(...): GetIDsOfNames
 * and Invoke run from the embedded type library; this file only writes the
 * vtable methods. Served in-process (libautodemo.so) and by autodemo-server.
 */
#include "autodemo_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comrt/dispatch.h>

typedef struct AutoDemo {
    comrt_object base; /* must come first */
    IAutoDemo demo;
    pthread_mutex_t lock; /* guards name and peer */
    BSTR name;
    IDispatch *peer;
    atomic_long count;
} AutoDemo;

#define SELF(This) COMRT_CONTAINER_OF(This, AutoDemo, demo)

COMRT_IUNKNOWN_IMPL(demo, IAutoDemo, AutoDemo, demo)
COMRT_DISPATCH_IMPL(demo, IAutoDemo, comrt_typelib_data, comrt_typelib_size, IID_IAutoDemo)

static HRESULT demo_get_Name(IAutoDemo *This, BSTR *name)
{
    AutoDemo *self = SELF(This);
    if (!name)
        return E_POINTER;
    atomic_fetch_add(&self->count, 1);
    pthread_mutex_lock(&self->lock);
    *name = SysAllocString(self->name ? self->name : "");
    pthread_mutex_unlock(&self->lock);
    return *name ? S_OK : E_OUTOFMEMORY;
}

static HRESULT demo_put_Name(IAutoDemo *This, BSTR name)
{
    AutoDemo *self = SELF(This);
    BSTR copy = SysAllocString(name ? name : "");
    if (!copy)
        return E_OUTOFMEMORY;
    atomic_fetch_add(&self->count, 1);
    pthread_mutex_lock(&self->lock);
    SysFreeString(self->name);
    self->name = copy;
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static HRESULT demo_get_Count(IAutoDemo *This, LONG *count)
{
    if (!count)
        return E_POINTER;
    *count = (LONG)atomic_load(&SELF(This)->count);
    return S_OK;
}

static HRESULT demo_Add(IAutoDemo *This, LONG a, LONG b, LONG *sum)
{
    if (!sum)
        return E_POINTER;
    atomic_fetch_add(&SELF(This)->count, 1);
    if (__builtin_add_overflow(a, b, sum))
        return comrt_error_set(DISP_E_OVERFLOW, "AutoDemo.Add: %d + %d does not fit in 32 bits", (int)a, (int)b);
    return S_OK;
}

static HRESULT demo_Greet(IAutoDemo *This, BSTR greeting, LONG times, BSTR *text)
{
    AutoDemo *self = SELF(This);
    char buf[1024];
    size_t len = 0;
    if (!text)
        return E_POINTER;
    *text = NULL;
    if (times < 0 || times > 16)
        return comrt_error_set(E_INVALIDARG, "AutoDemo.Greet: times must be 0..16, not %d", (int)times);
    atomic_fetch_add(&self->count, 1);
    buf[0] = 0;
    pthread_mutex_lock(&self->lock);
    for (LONG i = 0; i < times && len < sizeof buf; i++) {
        int k = snprintf(buf + len, sizeof buf - len, "%s%s %s", i ? " " : "", greeting ? greeting : "",
                         self->name ? self->name : "world");
        if (k < 0)
            break;
        len += (size_t)k;
    }
    pthread_mutex_unlock(&self->lock);
    return (*text = SysAllocString(buf)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT demo_Scale(IAutoDemo *This, double value, double factor, double *result)
{
    (void)This;
    if (!result)
        return E_POINTER;
    *result = value * factor;
    return S_OK;
}

static HRESULT demo_Fail(IAutoDemo *This, BSTR why)
{
    (void)This;
    return comrt_error_set(E_FAIL, "%s", why ? why : "");
}

static HRESULT demo_Echo(IAutoDemo *This, VARIANT value, VARIANT *copy)
{
    (void)This;
    if (!copy)
        return E_POINTER;
    VariantInit(copy);
    return VariantCopy(copy, &value);
}

static HRESULT demo_Describe(IAutoDemo *This, VARIANT what, BSTR *text)
{
    char buf[64];
    (void)This;
    if (!text)
        return E_POINTER;
    if (V_VT(&what) == VT_ERROR && V_ERROR(&what) == DISP_E_PARAMNOTFOUND)
        snprintf(buf, sizeof buf, "missing");
    else
        snprintf(buf, sizeof buf, "vt %u", (unsigned)V_VT(&what));
    return (*text = SysAllocString(buf)) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT demo_Swap(IAutoDemo *This, LONG *a, LONG *b)
{
    (void)This;
    if (!a || !b)
        return E_POINTER;
    LONG t = *a;
    *a = *b;
    *b = t;
    return S_OK;
}

static HRESULT demo_Negate(IAutoDemo *This, VARIANT_BOOL flag, VARIANT_BOOL *result)
{
    (void)This;
    if (!result)
        return E_POINTER;
    *result = flag ? VARIANT_FALSE : VARIANT_TRUE;
    return S_OK;
}

/* Sums a one-dimensional array of anything that converts to a double. */
static HRESULT demo_Sum(IAutoDemo *This, VARIANT values, double *total)
{
    VARIANT *src = &values;
    (void)This;
    if (!total)
        return E_POINTER;
    *total = 0;
    if (V_VT(src) == (VT_BYREF | VT_VARIANT))
        src = src->pvarVal;
    if (!(V_VT(src) & VT_ARRAY) || !V_ARRAY(src) || SafeArrayGetDim(V_ARRAY(src)) != 1)
        return comrt_error_set(DISP_E_TYPEMISMATCH, "AutoDemo.Sum: expected a one-dimensional array");
    SAFEARRAY *sa = V_ARRAY(src);
    VARTYPE evt = V_VT(src) & VT_TYPEMASK;
    LONG lo, hi;
    HRESULT hr = SafeArrayGetLBound(sa, 1, &lo);
    if (SUCCEEDED(hr))
        hr = SafeArrayGetUBound(sa, 1, &hi);
    for (LONG i = lo; SUCCEEDED(hr) && i <= hi; i++) {
        VARIANT e, d;
        VariantInit(&e);
        VariantInit(&d);
        if (evt == VT_VARIANT) {
            hr = SafeArrayGetElement(sa, &i, &e);
        } else {
            V_VT(&e) = evt;
            hr = SafeArrayGetElement(sa, &i, &e.llVal);
        }
        if (SUCCEEDED(hr))
            hr = VariantChangeType(&d, &e, 0, VT_R8);
        if (SUCCEEDED(hr))
            *total += V_R8(&d);
        else
            hr = comrt_error_set(DISP_E_TYPEMISMATCH, "AutoDemo.Sum: element %d is not a number", (int)i);
        VariantClear(&e);
        VariantClear(&d);
    }
    return hr;
}

static HRESULT demo_Range(IAutoDemo *This, LONG n, SAFEARRAY **values)
{
    (void)This;
    if (!values)
        return E_POINTER;
    *values = NULL;
    if (n < 0 || n > 1000000)
        return comrt_error_set(E_INVALIDARG, "AutoDemo.Range: n must be 0..1000000, not %d", (int)n);
    SAFEARRAY *sa = SafeArrayCreateVector(VT_I4, 0, (ULONG)n);
    LONG *data;
    if (!sa)
        return E_OUTOFMEMORY;
    HRESULT hr = SafeArrayAccessData(sa, (void **)&data);
    if (FAILED(hr)) {
        SafeArrayDestroy(sa);
        return hr;
    }
    for (LONG i = 0; i < n; i++)
        data[i] = i + 1;
    SafeArrayUnaccessData(sa);
    *values = sa;
    return S_OK;
}

static HRESULT demo_get_Peer(IAutoDemo *This, IDispatch **peer)
{
    AutoDemo *self = SELF(This);
    if (!peer)
        return E_POINTER;
    pthread_mutex_lock(&self->lock);
    if ((*peer = self->peer))
        IDispatch_AddRef(*peer);
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static HRESULT demo_putref_Peer(IAutoDemo *This, IDispatch *peer)
{
    AutoDemo *self = SELF(This);
    if (peer)
        IDispatch_AddRef(peer);
    pthread_mutex_lock(&self->lock);
    IDispatch *old = self->peer;
    self->peer = peer;
    pthread_mutex_unlock(&self->lock);
    if (old)
        IDispatch_Release(old);
    return S_OK;
}

static const IAutoDemoVtbl demo_vtbl = {
    .QueryInterface = demo_QueryInterface,
    .AddRef = demo_AddRef,
    .Release = demo_Release,
    .GetTypeInfoCount = demo_GetTypeInfoCount,
    .GetTypeInfo = demo_GetTypeInfo,
    .GetIDsOfNames = demo_GetIDsOfNames,
    .Invoke = demo_Invoke,
    .get_Name = demo_get_Name,
    .put_Name = demo_put_Name,
    .get_Count = demo_get_Count,
    .Add = demo_Add,
    .Greet = demo_Greet,
    .Scale = demo_Scale,
    .Fail = demo_Fail,
    .Echo = demo_Echo,
    .Describe = demo_Describe,
    .Swap = demo_Swap,
    .Negate = demo_Negate,
    .Sum = demo_Sum,
    .Range = demo_Range,
    .get_Peer = demo_get_Peer,
    .putref_Peer = demo_putref_Peer,
};

static void demo_destroy(void *p)
{
    AutoDemo *self = p;
    SysFreeString(self->name);
    if (self->peer)
        IDispatch_Release(self->peer);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const comrt_interface_entry demo_interfaces[] = {
    COMRT_INTERFACE(IID_IAutoDemo, AutoDemo, demo),
    COMRT_INTERFACE(IID_IDispatch, AutoDemo, demo), /* the dual interface is the object's IDispatch */
    {NULL, 0},
};
static const comrt_object_class demo_class = {
    .name = "AutoDemo",
    .interfaces = demo_interfaces,
    .destroy = demo_destroy,
};

static HRESULT demo_create(comrt_module *module, IUnknown *outer, REFIID riid, void **ppv)
{
    AutoDemo *self = calloc(1, sizeof *self);
    if (!self)
        return E_OUTOFMEMORY;
    comrt_object_init(&self->base, &demo_class, module, outer);
    self->demo.lpVtbl = &demo_vtbl;
    pthread_mutex_init(&self->lock, NULL);
    atomic_init(&self->count, 0);
    return comrt_object_finish_create(&self->base, riid, ppv);
}

static const comrt_class_entry autodemo_classes[] = {
    {
        .clsid = &CLSID_AutoDemo,
        .create = demo_create,
        .flags = COMRT_CLASS_AGGREGATABLE,
        .description = "AutoDemo (comrt automation example)",
        .progid = AUTODEMO_PROGID,
        .vi_progid = AUTODEMO_VI_PROGID,
        .threading_model = "Both",
    },
    {0},
};
comrt_module autodemo_module = COMRT_MODULE_INIT(autodemo_classes);

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, void **ppv)
{
    return comrt_module_get_class_object(&autodemo_module, rclsid, riid, ppv);
}

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return comrt_module_can_unload_now(&autodemo_module);
}

COMRT_EXPORT HRESULT DllRegisterServer(void)
{
    HRESULT hr = comrt_module_register_server(&autodemo_module);
    if (SUCCEEDED(hr)) {
        hr = comrt_typelib_register_embedded(comrt_typelib_data, comrt_typelib_size);
        if (FAILED(hr))
            comrt_module_unregister_server(&autodemo_module);
    }
    return hr;
}

COMRT_EXPORT HRESULT DllUnregisterServer(void)
{
    HRESULT hr = comrt_typelib_unregister_embedded(comrt_typelib_data, comrt_typelib_size);
    HRESULT hr2 = comrt_module_unregister_server(&autodemo_module);
    return FAILED(hr) ? hr : hr2;
}
