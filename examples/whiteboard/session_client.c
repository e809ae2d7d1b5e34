/*
 * session_client.c - opening and closing a client's session on a board,
 * and reporting failures the way every whiteboard program does.
 */
#include <stdio.h>
#include <time.h>

#include "client.h"

int wb_report(const char *prog, const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    const char *name = comrt_hresult_name(hr);
    fprintf(stderr, "%s: %s failed: 0x%08X %s (%s)\n", prog, what, (unsigned)hr, name ? name : "",
            comrt_hresult_message(hr));
    if (why)
        fprintf(stderr, "%s: %s\n", prog, why);
    CoTaskMemFree(why);
    return 1;
}

HRESULT wb_session_open(wb_session *s, const char *server_class, const char *board, IScribbleClient *sink)
{
    CLSID clsid;
    BSTR name = NULL;
    HRESULT hr;

    s->server = NULL;
    s->sink = NULL;
    /* CLSIDFromString takes "{...}" or, failing that, a ProgID. */
    hr = CLSIDFromString(server_class ? server_class : WB_DEFAULT_CLASS, &clsid);
    if (FAILED(hr))
        goto fail;
    /* An on-demand server that is leaving (its last client just went) still
     * answers activation for a moment, with REGDB_E_CLASSNOTREG ("not
     * registered by this server"), and a server launched at that moment can
     * lose the race for the class (CO_E_SERVER_EXEC_FAILURE). Both pass once
     * it has gone, so try again a few times (a class that is really not
     * registered costs ~0.1 s more to report). */
    for (int attempt = 0;; attempt++) {
        hr = CoCreateInstance(&clsid, NULL, CLSCTX_LOCAL_SERVER, &IID_IScribbleServer, (void **)&s->server);
        if ((hr != REGDB_E_CLASSNOTREG && hr != CO_E_SERVER_EXEC_FAILURE) || attempt == 4)
            break;
        CoTaskMemFree(comrt_error_take_description());
        struct timespec pause = {0, 10000000L * (attempt + 1)};
        nanosleep(&pause, NULL);
    }
    if (FAILED(hr))
        goto fail;
    if (board) {
        if (!(name = SysAllocString(board))) {
            hr = E_OUTOFMEMORY;
            goto fail;
        }
        hr = IScribbleServer_put_Board(s->server, name);
        SysFreeString(name);
        if (FAILED(hr))
            goto fail;
    }
    if (sink) {
        hr = IScribbleServer_RegisterClient(s->server, sink);
        if (FAILED(hr))
            goto fail;
        IScribbleClient_AddRef(sink);
        s->sink = sink;
    }
    return S_OK;
fail:
    if (s->server)
        IScribbleServer_Release(s->server);
    s->server = NULL;
    return hr;
}

void wb_session_close(wb_session *s)
{
    if (s->sink) {
        if (s->server && FAILED(IScribbleServer_UnregisterClient(s->server, s->sink)))
            CoTaskMemFree(comrt_error_take_description()); /* the server is gone: nothing to undo */
        wb_sink_detach(s->sink);
        /* The server's delivery thread lets go of its proxy a moment later;
         * do not wait for it. */
        CoDisconnectObject((IUnknown *)s->sink, 0);
        IScribbleClient_Release(s->sink);
        s->sink = NULL;
    }
    if (s->server)
        IScribbleServer_Release(s->server);
    s->server = NULL;
}
