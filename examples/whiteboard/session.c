/*
 * session.c - the ScribbleServer class: one object per client session
 * (every CoCreateInstance makes one), all of them in one process
 * (REGCLS_MULTIPLEUSE) and sharing the boards of board.c.
 *
 * A session is the client's identity on the server: it is the owner of the
 * callbacks the client registers, so the client is not called back about
 * its own changes, and when the session goes - released by the client, or
 * by the runtime when the client's connection drops (kill -9) - so do its
 * registrations. This is also what breaks the article's circular
 * reference if a client never calls UnregisterClient.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <comrt/dispatch.h>

#include "board.h"

/* A connection made through the connection point: its cookie there and its
 * subscription's in the board's fan-out. */
struct advised {
    DWORD cp_cookie, fanout_cookie;
};

typedef struct Session {
    comrt_object base; /* must come first */
    IScribbleServer server;
    comrt_connpt_container cpc; /* the same events for IConnectionPoint clients */
    pthread_mutex_t lock;       /* guards board, registered and advised */
    wb_board *board;            /* NULL until first used: then "default" */
    int registered;             /* a client was registered: the board is fixed */
    struct advised *advised;
    size_t nadvised;
} Session;

#define SELF(This) COMRT_CONTAINER_OF(This, Session, server)

COMRT_IUNKNOWN_IMPL(ss, IScribbleServer, Session, server)
COMRT_DISPATCH_IMPL(ss, IScribbleServer, comrt_typelib_data, comrt_typelib_size, IID_IScribbleServer)

/* The session's board, opening "default" on first use. */
static HRESULT board_of(Session *self, wb_board **b, int fix)
{
    HRESULT hr = S_OK;
    pthread_mutex_lock(&self->lock);
    if (!self->board)
        hr = wb_board_open("default", &self->board);
    if (SUCCEEDED(hr) && fix)
        self->registered = 1;
    *b = self->board;
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ss_RegisterClient(IScribbleServer *This, IScribbleClient *client)
{
    Session *self = SELF(This);
    wb_board *b;
    if (!client)
        return comrt_error_set(E_POINTER, "whiteboard: RegisterClient needs a client object");
    HRESULT hr = board_of(self, &b, 1);
    return FAILED(hr) ? hr : wb_fanout_add(wb_board_fanout(b), client, self, NULL);
}

static HRESULT ss_UnregisterClient(IScribbleServer *This, IScribbleClient *client)
{
    wb_board *b;
    if (!client)
        return comrt_error_set(E_POINTER, "whiteboard: UnregisterClient needs a client object");
    HRESULT hr = board_of(SELF(This), &b, 0);
    return FAILED(hr) ? hr : wb_fanout_remove_sink(wb_board_fanout(b), (IUnknown *)client);
}

static HRESULT ss_AddStroke(IScribbleServer *This, VARIANT item, LONG *seq)
{
    Session *self = SELF(This);
    wb_board *b;
    if (!seq)
        return E_POINTER;
    *seq = 0;
    HRESULT hr = board_of(self, &b, 0);
    return FAILED(hr) ? hr : wb_board_add(b, &item, self, seq);
}

static HRESULT ss_GetStrokes(IScribbleServer *This, LONG *seq, SAFEARRAY **items)
{
    wb_board *b;
    if (!seq || !items)
        return E_POINTER;
    *seq = 0;
    *items = NULL;
    HRESULT hr = board_of(SELF(This), &b, 0);
    return FAILED(hr) ? hr : wb_board_snapshot(b, seq, items);
}

static HRESULT ss_get_StrokeCount(IScribbleServer *This, LONG *count)
{
    wb_board *b;
    if (!count)
        return E_POINTER;
    HRESULT hr = board_of(SELF(This), &b, 0);
    *count = SUCCEEDED(hr) ? wb_board_count(b) : 0;
    return hr;
}

static HRESULT ss_Clear(IScribbleServer *This, LONG *seq)
{
    Session *self = SELF(This);
    wb_board *b;
    if (!seq)
        return E_POINTER;
    *seq = 0;
    HRESULT hr = board_of(self, &b, 0);
    return FAILED(hr) ? hr : wb_board_clear(b, self, seq);
}

static HRESULT ss_get_Board(IScribbleServer *This, BSTR *name)
{
    wb_board *b;
    if (!name)
        return E_POINTER;
    *name = NULL;
    HRESULT hr = board_of(SELF(This), &b, 0);
    if (FAILED(hr))
        return hr;
    return (*name = SysAllocString(wb_board_name(b))) ? S_OK : E_OUTOFMEMORY;
}

static HRESULT ss_put_Board(IScribbleServer *This, BSTR name)
{
    Session *self = SELF(This);
    wb_board *b;
    /* A BSTR may hold NULs; a board name may not. */
    if (!name || strlen(name) != SysStringByteLen(name) || !wb_board_valid_name(name))
        return comrt_error_set(E_INVALIDARG, "whiteboard: a board name is 1-64 printable ASCII characters");
    HRESULT hr = wb_board_open(name, &b);
    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&self->lock);
    if (self->registered && self->board != b)
        hr = comrt_error_set(E_UNEXPECTED, "whiteboard: this session registered a client on board %s; "
                                           "use a new session for another board",
                             wb_board_name(self->board));
    else
        self->board = b;
    pthread_mutex_unlock(&self->lock);
    return hr;
}

static HRESULT ss_get_ClientCount(IScribbleServer *This, LONG *count)
{
    wb_board *b;
    if (!count)
        return E_POINTER;
    HRESULT hr = board_of(SELF(This), &b, 0);
    *count = SUCCEEDED(hr) ? wb_fanout_count(wb_board_fanout(b)) : 0;
    return hr;
}

static HRESULT ss_get_ServerPid(IScribbleServer *This, LONG *pid)
{
    (void)This;
    if (!pid)
        return E_POINTER;
    *pid = (LONG)getpid();
    return S_OK;
}

static const IScribbleServerVtbl ss_vtbl = {
    .QueryInterface = ss_QueryInterface,
    .AddRef = ss_AddRef,
    .Release = ss_Release,
    .GetTypeInfoCount = ss_GetTypeInfoCount,
    .GetTypeInfo = ss_GetTypeInfo,
    .GetIDsOfNames = ss_GetIDsOfNames,
    .Invoke = ss_Invoke,
    .RegisterClient = ss_RegisterClient,
    .UnregisterClient = ss_UnregisterClient,
    .AddStroke = ss_AddStroke,
    .GetStrokes = ss_GetStrokes,
    .get_StrokeCount = ss_get_StrokeCount,
    .Clear = ss_Clear,
    .get_Board = ss_get_Board,
    .put_Board = ss_put_Board,
    .get_ClientCount = ss_get_ClientCount,
    .get_ServerPid = ss_get_ServerPid,
};

/*
 * Connection points: the runtime's helper answers IConnectionPointContainer,
 * IConnectionPoint and IEnumConnections, and tells us of every Advise and
 * Unadvise; the sinks are then delivered to exactly like RegisterClient's,
 * from the board's fan-out (a queue and thread per sink, bounded), so a
 * slow sink delays nobody. A sink the fan-out drops (dead, too far behind)
 * stays listed by EnumConnections until Unadvise or the session's end.
 */
static HRESULT cp_on_advise(void *ctx, IUnknown *sink, DWORD cookie)
{
    Session *self = ctx;
    wb_board *b;
    DWORD fc = 0;
    HRESULT hr = board_of(self, &b, 1);
    if (SUCCEEDED(hr))
        hr = wb_fanout_add(wb_board_fanout(b), (IScribbleClient *)sink, self, &fc);
    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&self->lock);
    struct advised *a = realloc(self->advised, (self->nadvised + 1) * sizeof *a);
    if (a) {
        self->advised = a;
        a[self->nadvised].cp_cookie = cookie;
        a[self->nadvised].fanout_cookie = fc;
        self->nadvised++;
    }
    pthread_mutex_unlock(&self->lock);
    if (!a) {
        wb_fanout_remove_cookie(wb_board_fanout(b), fc);
        return comrt_error_set(E_OUTOFMEMORY, "whiteboard: out of memory for a connection");
    }
    return S_OK;
}

static void cp_on_unadvise(void *ctx, DWORD cookie)
{
    Session *self = ctx;
    DWORD fc = 0;
    pthread_mutex_lock(&self->lock);
    for (size_t i = 0; i < self->nadvised; i++)
        if (self->advised[i].cp_cookie == cookie) {
            fc = self->advised[i].fanout_cookie;
            self->advised[i] = self->advised[--self->nadvised];
            break;
        }
    wb_board *b = self->board;
    pthread_mutex_unlock(&self->lock);
    if (fc && b)
        wb_fanout_remove_cookie(wb_board_fanout(b), fc); /* already gone if the fan-out dropped it */
}

static const comrt_connpt_hooks cp_hooks = {cp_on_advise, cp_on_unadvise};

static void session_destroy(void *p)
{
    Session *self = p;
    comrt_connpt_container_fini(&self->cpc);
    free(self->advised);
    /* The session's registrations end with it (the delivery threads release
     * the client objects, not this thread). */
    if (self->board)
        wb_fanout_remove_owner(wb_board_fanout(self->board), self);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

static const comrt_interface_entry session_interfaces[] = {
    COMRT_INTERFACE(IID_IScribbleServer, Session, server),
    COMRT_INTERFACE(IID_IDispatch, Session, server), /* the dual interface is the object's IDispatch */
    COMRT_INTERFACE(IID_IConnectionPointContainer, Session, cpc),
    {NULL, 0},
};
static const comrt_object_class session_class = {
    .name = "Whiteboard.Server",
    .interfaces = session_interfaces,
    .destroy = session_destroy,
};

static HRESULT session_create(comrt_module *module, IUnknown *outer, REFIID riid, void **ppv)
{
    Session *self;
    (void)outer; /* not aggregatable: the factory refuses outers */
    self = calloc(1, sizeof *self);
    if (!self)
        return E_OUTOFMEMORY;
    comrt_object_init(&self->base, &session_class, module, NULL);
    self->server.lpVtbl = &ss_vtbl;
    pthread_mutex_init(&self->lock, NULL);
    const comrt_connpt_desc points[] = {{.iid = &IID_IScribbleClient, .hooks = &cp_hooks, .hooks_ctx = self}};
    HRESULT hr = comrt_connpt_container_init(&self->cpc, self->base.outer, points, 1);
    if (FAILED(hr)) {
        comrt_module_unlock(module); /* comrt_object_init's */
        pthread_mutex_destroy(&self->lock);
        free(self);
        return hr;
    }
    return comrt_object_finish_create(&self->base, riid, ppv);
}

static const comrt_class_entry wb_classes[] = {
    {
        .clsid = &CLSID_ScribbleServer,
        .create = session_create,
        .description = "Whiteboard server (comrt example)",
        .progid = WB_PROGID,
        .vi_progid = WB_VI_PROGID,
    },
    {0},
};
comrt_module wb_module = COMRT_MODULE_INIT(wb_classes);
