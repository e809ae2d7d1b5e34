/*
 * connpt_server.c - the local server of the cross-process connection-point
 * tests: class TickSource, a connectable object (comrt/connpt.h) with two
 * outgoing interfaces, ITickEvents and IAlarmEvents.
 *   connpt-server -RegServer | -UnregServer | -Embedding
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"

extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

typedef struct Source {
    comrt_object base;
    ITickSource source;
    comrt_connpt_container cpc;
} Source;

COMRT_IUNKNOWN_IMPL(src, ITickSource, Source, source)

static Source *S(ITickSource *p)
{
    return COMRT_CONTAINER_OF(p, Source, source);
}

static comrt_connpt *ticks(Source *s)
{
    return comrt_connpt_container_find(&s->cpc, &IID_ITickEvents);
}

/* The object Share published, for GetShared; one reference. */
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static ITickSource *shared;

static HRESULT call_tick(IUnknown *sink, void *ctx)
{
    return ITickEvents_Tick((ITickEvents *)sink, *(const LONG *)ctx);
}

static HRESULT src_Fire(ITickSource *This, LONG value, LONG *delivered, LONG *dropped)
{
    ULONG d = 0, x = 0;
    HRESULT hr = comrt_connpt_fire(ticks(S(This)), call_tick, &value, &d, &x);
    *delivered = (LONG)d;
    *dropped = (LONG)x;
    return hr;
}

struct later {
    ITickSource *src;
    LONG delay_ms, value;
    char *done_file;
};

static void *fire_later(void *arg)
{
    struct later *l = arg;
    LONG d, x;
    usleep((useconds_t)l->delay_ms * 1000);
    src_Fire(l->src, l->value, &d, &x);
    int fd = open(l->done_file, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    ITickSource_Release(l->src);
    free(l->done_file);
    free(l);
    CoReleaseServerProcess();
    return NULL;
}

static HRESULT src_FireLater(ITickSource *This, LONG delay_ms, LONG value, const char *done_file)
{
    pthread_t t;
    struct later *l = malloc(sizeof *l);
    if (!l)
        return E_OUTOFMEMORY;
    if (!(l->done_file = strdup(done_file))) {
        free(l);
        return E_OUTOFMEMORY;
    }
    l->src = This;
    l->delay_ms = delay_ms;
    l->value = value;
    ITickSource_AddRef(This);
    CoAddRefServerProcess(); /* stay up until the thread is done */
    if (pthread_create(&t, NULL, fire_later, l) != 0) {
        ITickSource_Release(This);
        free(l->done_file);
        free(l);
        CoReleaseServerProcess();
        return comrt_error_set(E_OUTOFMEMORY, "cannot start a thread");
    }
    pthread_detach(t);
    return S_OK;
}

static HRESULT src_Connections(ITickSource *This, LONG *n)
{
    *n = (LONG)comrt_connpt_connection_count(ticks(S(This)));
    return S_OK;
}

static HRESULT src_Share(ITickSource *This)
{
    ITickSource_AddRef(This);
    pthread_mutex_lock(&shared_lock);
    ITickSource *old = shared;
    shared = This;
    pthread_mutex_unlock(&shared_lock);
    if (old)
        ITickSource_Release(old);
    return S_OK;
}

static HRESULT src_GetShared(ITickSource *This, ITickSource **pp)
{
    (void)This;
    pthread_mutex_lock(&shared_lock);
    *pp = shared;
    if (shared)
        ITickSource_AddRef(shared);
    pthread_mutex_unlock(&shared_lock);
    return *pp ? S_OK : comrt_error_set(E_UNEXPECTED, "no source is shared");
}

static HRESULT src_Unshare(ITickSource *This)
{
    (void)This;
    pthread_mutex_lock(&shared_lock);
    ITickSource *old = shared;
    shared = NULL;
    pthread_mutex_unlock(&shared_lock);
    if (!old)
        return comrt_error_set(E_UNEXPECTED, "no source is shared");
    ITickSource_Release(old);
    return S_OK;
}

static const ITickSourceVtbl src_vtbl = {
    src_QueryInterface, src_AddRef, src_Release, src_Fire,     src_FireLater,
    src_Connections,    src_Share,  src_GetShared, src_Unshare,
};

static void source_destroy(void *p)
{
    Source *s = p;
    comrt_connpt_container_fini(&s->cpc);
    free(s);
}

static const comrt_interface_entry source_itfs[] = {
    COMRT_INTERFACE(IID_ITickSource, Source, source),
    COMRT_INTERFACE(IID_IConnectionPointContainer, Source, cpc),
    {NULL, 0},
};
static const comrt_object_class source_class = {
    .name = "TickSource", .interfaces = source_itfs, .destroy = source_destroy};

static const comrt_connpt_desc source_points[] = {{.iid = &IID_ITickEvents}, {.iid = &IID_IAlarmEvents}};

static HRESULT source_create(comrt_module *m, IUnknown *outer, REFIID riid, void **ppv)
{
    Source *s = calloc(1, sizeof *s);
    if (!s)
        return E_OUTOFMEMORY;
    comrt_object_init(&s->base, &source_class, m, outer);
    s->source.lpVtbl = &src_vtbl;
    HRESULT hr = comrt_connpt_container_init(&s->cpc, s->base.outer, source_points, 2);
    if (FAILED(hr)) {
        comrt_object_release(&s->base); /* destroy tolerates the failed container */
        return hr;
    }
    return comrt_object_finish_create(&s->base, riid, ppv);
}

static const comrt_class_entry classes[] = {
    {.clsid = &CLSID_TickSource, .create = source_create, .description = "comrt connection-point test source"},
    {0},
};
static comrt_module module = COMRT_MODULE_INIT(classes);

int main(int argc, char **argv)
{
    comrt_exe_server srv = {
        .module = &module,
        .regcls = REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
        .idle_timeout_ms = 10000,
    };
    return comrt_exe_server_main(&srv, argc, argv);
}
