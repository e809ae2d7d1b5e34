/*
 * hello.c - the smallest useful component: one class (Hello.Greeter) with
 * two interfaces, IGreeter and ICounter, and a callback interface
 * (IGreetingListener) its clients may implement. The same code is served
 * in-process (libhello.so) and by a local server (hello-server). It accepts
 * aggregation. The comrt_object header does reference counting,
 * QueryInterface and aggregation; this file supplies the methods.
 */
/* strdup is POSIX: ask for it, so the file builds with plain -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include "hello_impl.h"

#include <unistd.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Greeter {
    comrt_object base; /* must come first */
    IGreeter greeter;
    ICounter counter;
    pthread_mutex_t lock; /* guards prefix and listener */
    char *prefix;
    IGreetingListener *listener;
    atomic_long count;
} Greeter;

COMRT_IUNKNOWN_IMPL(greeter, IGreeter, Greeter, greeter)
COMRT_IUNKNOWN_IMPL(counter, ICounter, Greeter, counter)

static HRESULT greeter_Greet(IGreeter *This, const char *name, char **greeting)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, greeter);
    if (!greeting)
        return E_POINTER;
    *greeting = NULL;
    if (!name || !name[0])
        return comrt_error_set(E_INVALIDARG, "Hello.Greeter: Greet needs a non-empty name");
    pthread_mutex_lock(&self->lock);
    size_t n = strlen(self->prefix) + strlen(name) + sizeof ", !";
    char *s = CoTaskMemAlloc(n);
    if (s)
        snprintf(s, n, "%s, %s!", self->prefix, name);
    IGreetingListener *l = self->listener;
    if (l)
        IGreetingListener_AddRef(l);
    pthread_mutex_unlock(&self->lock);
    if (!s) {
        if (l)
            IGreetingListener_Release(l);
        return E_OUTOFMEMORY;
    }
    atomic_fetch_add(&self->count, 1);
    /* Outside the lock: the listener may call us back. Its failure (a
     * listener that went away) does not fail the greeting. */
    if (l) {
        if (FAILED(IGreetingListener_OnGreeting(l, s)))
            CoTaskMemFree(comrt_error_take_description());
        IGreetingListener_Release(l);
    }
    *greeting = s;
    return S_OK;
}

static HRESULT greeter_Subscribe(IGreeter *This, IGreetingListener *listener)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, greeter);
    if (!listener)
        return E_POINTER;
    IGreetingListener_AddRef(listener);
    pthread_mutex_lock(&self->lock);
    IGreetingListener *old = self->listener;
    self->listener = listener;
    pthread_mutex_unlock(&self->lock);
    if (old)
        IGreetingListener_Release(old);
    return S_OK;
}

static HRESULT greeter_Unsubscribe(IGreeter *This)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, greeter);
    pthread_mutex_lock(&self->lock);
    IGreetingListener *old = self->listener;
    self->listener = NULL;
    pthread_mutex_unlock(&self->lock);
    if (!old)
        return comrt_error_set(S_FALSE, "no listener was subscribed");
    IGreetingListener_Release(old);
    return S_OK;
}

static HRESULT greeter_SetPrefix(IGreeter *This, const char *prefix)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, greeter);
    if (!prefix)
        return E_POINTER;
    char *copy = strdup(prefix);
    if (!copy)
        return E_OUTOFMEMORY;
    pthread_mutex_lock(&self->lock);
    free(self->prefix);
    self->prefix = copy;
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static HRESULT counter_Increment(ICounter *This, LONG *value)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, counter);
    if (!value)
        return E_POINTER;
    *value = (LONG)(atomic_fetch_add(&self->count, 1) + 1);
    return S_OK;
}

static HRESULT counter_GetCount(ICounter *This, LONG *count)
{
    Greeter *self = COMRT_CONTAINER_OF(This, Greeter, counter);
    if (!count)
        return E_POINTER;
    *count = (LONG)atomic_load(&self->count);
    return S_OK;
}

static HRESULT counter_GetPid(ICounter *This, LONG *pid)
{
    (void)This;
    if (!pid)
        return E_POINTER;
    *pid = (LONG)getpid();
    return S_OK;
}

static const IGreeterVtbl greeter_vtbl = {
    greeter_QueryInterface, greeter_AddRef, greeter_Release, greeter_Greet, greeter_SetPrefix, greeter_Subscribe,
    greeter_Unsubscribe,
};
static const ICounterVtbl counter_vtbl = {
    counter_QueryInterface, counter_AddRef, counter_Release, counter_Increment, counter_GetCount, counter_GetPid,
};

static void greeter_destroy(void *p)
{
    Greeter *self = p;
    if (self->listener)
        IGreetingListener_Release(self->listener);
    pthread_mutex_destroy(&self->lock);
    free(self->prefix);
    free(self);
}

static const comrt_interface_entry greeter_interfaces[] = {
    COMRT_INTERFACE(IID_IGreeter, Greeter, greeter),
    COMRT_INTERFACE(IID_ICounter, Greeter, counter),
    {NULL, 0},
};
static const comrt_object_class greeter_class = {
    .name = "Hello.Greeter", .interfaces = greeter_interfaces, .destroy = greeter_destroy};

static HRESULT greeter_create(comrt_module *module, IUnknown *outer, REFIID riid, void **ppv)
{
    Greeter *self = calloc(1, sizeof *self);
    if (!self || !(self->prefix = strdup("Hello"))) {
        free(self);
        return E_OUTOFMEMORY;
    }
    comrt_object_init(&self->base, &greeter_class, module, outer);
    self->greeter.lpVtbl = &greeter_vtbl;
    self->counter.lpVtbl = &counter_vtbl;
    pthread_mutex_init(&self->lock, NULL);
    atomic_init(&self->count, 0);
    return comrt_object_finish_create(&self->base, riid, ppv);
}

static const comrt_class_entry hello_classes[] = {
    {
        .clsid = &CLSID_HelloGreeter,
        .create = greeter_create,
        .flags = COMRT_CLASS_AGGREGATABLE,
        .description = "Hello greeter (comrt example)",
        .progid = HELLO_PROGID,
        .vi_progid = HELLO_VI_PROGID,
        .threading_model = "Both",
    },
    {0},
};
comrt_module hello_module = COMRT_MODULE_INIT(hello_classes);

/* The four entry points every in-proc server exports. */
COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, void **ppv)
{
    return comrt_module_get_class_object(&hello_module, rclsid, riid, ppv);
}

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return comrt_module_can_unload_now(&hello_module);
}

/* Registration covers the classes and the type library, so that the
 * interfaces can be marshaled whichever way the class is served. */
COMRT_EXPORT HRESULT DllRegisterServer(void)
{
    HRESULT hr = comrt_module_register_server(&hello_module);
    return FAILED(hr) ? hr : comrt_typelib_register_embedded(comrt_typelib_data, comrt_typelib_size);
}

COMRT_EXPORT HRESULT DllUnregisterServer(void)
{
    HRESULT hr = comrt_typelib_unregister_embedded(comrt_typelib_data, comrt_typelib_size);
    return FAILED(hr) ? hr : comrt_module_unregister_server(&hello_module);
}
