/*
 * sink.c - the client's callback object: IScribbleClient, dual (its
 * IDispatch comes from the embedded type library, so a script host could
 * be a client too). It only forwards to a handler; a mutex serializes the
 * forwarding so wb_sink_detach can wait for a call in progress.
 */
#include <pthread.h>
#include <stdlib.h>

#include <comrt/dispatch.h>

#include "client.h"

typedef struct Sink {
    comrt_object base; /* must come first */
    IScribbleClient client;
    pthread_mutex_t lock; /* held while forwarding; guards h */
    wb_sink_handler h;
    int detached;
} Sink;

#define SELF(This) COMRT_CONTAINER_OF(This, Sink, client)

COMRT_IUNKNOWN_IMPL(sink, IScribbleClient, Sink, client)
COMRT_DISPATCH_IMPL(sink, IScribbleClient, comrt_typelib_data, comrt_typelib_size, IID_IScribbleClient)

static HRESULT sink_OnStroke(IScribbleClient *This, LONG seq, VARIANT item)
{
    Sink *self = SELF(This);
    pthread_mutex_lock(&self->lock);
    if (!self->detached && self->h.on_stroke)
        self->h.on_stroke(self->h.ctx, seq, &item);
    pthread_mutex_unlock(&self->lock);
    /* What the handler made of the item is its own business: a callback
     * that fails would only get this client unregistered. */
    return S_OK;
}

static HRESULT sink_OnClear(IScribbleClient *This, LONG seq)
{
    Sink *self = SELF(This);
    pthread_mutex_lock(&self->lock);
    if (!self->detached && self->h.on_clear)
        self->h.on_clear(self->h.ctx, seq);
    pthread_mutex_unlock(&self->lock);
    return S_OK;
}

static const IScribbleClientVtbl sink_vtbl = {
    .QueryInterface = sink_QueryInterface,
    .AddRef = sink_AddRef,
    .Release = sink_Release,
    .GetTypeInfoCount = sink_GetTypeInfoCount,
    .GetTypeInfo = sink_GetTypeInfo,
    .GetIDsOfNames = sink_GetIDsOfNames,
    .Invoke = sink_Invoke,
    .OnStroke = sink_OnStroke,
    .OnClear = sink_OnClear,
};

static void sink_destroy(void *p)
{
    Sink *self = p;
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const comrt_interface_entry sink_interfaces[] = {
    COMRT_INTERFACE(IID_IScribbleClient, Sink, client),
    COMRT_INTERFACE(IID_IDispatch, Sink, client),
    {NULL, 0},
};
static const comrt_object_class sink_class = {
    .name = "Whiteboard client callback",
    .interfaces = sink_interfaces,
    .destroy = sink_destroy,
};

HRESULT wb_sink_create(const wb_sink_handler *h, IScribbleClient **out)
{
    Sink *self = calloc(1, sizeof *self);
    *out = NULL;
    if (!self)
        return E_OUTOFMEMORY;
    comrt_object_init(&self->base, &sink_class, NULL, NULL);
    self->client.lpVtbl = &sink_vtbl;
    pthread_mutex_init(&self->lock, NULL);
    if (h)
        self->h = *h;
    return comrt_object_finish_create(&self->base, &IID_IScribbleClient, (void **)out);
}

void wb_sink_detach(IScribbleClient *sink)
{
    if (!sink || sink->lpVtbl != &sink_vtbl)
        return;
    Sink *self = SELF(sink);
    pthread_mutex_lock(&self->lock);
    self->detached = 1;
    pthread_mutex_unlock(&self->lock);
}
