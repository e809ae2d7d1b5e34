/*
 * client.h - what every whiteboard client program shares: the callback
 * object (IScribbleClient) and opening a session on a board.
 */
#ifndef WB_CLIENT_H
#define WB_CLIENT_H

#include "whiteboard.h" /* generated from whiteboard.idl */

#define WB_DEFAULT_CLASS "Whiteboard.Server"

/* The embedded type library (whiteboard_tlb.c): the callback's IDispatch. */
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

/* What the callback object does with the server's calls. */
typedef struct wb_sink_handler {
    void (*on_stroke)(void *ctx, LONG seq, const VARIANT *item);
    void (*on_clear)(void *ctx, LONG seq);
    void *ctx;
} wb_sink_handler;

/*
 * wb_sink_create - a new IScribbleClient (dual) that forwards to h (copied),
 * one reference for the caller. Calls are forwarded one at a time.
 */
HRESULT wb_sink_create(const wb_sink_handler *h, IScribbleClient **out);

/*
 * wb_sink_detach - stops forwarding: returns once no call is being
 * forwarded, and later calls do nothing. Call it before freeing what the
 * handler uses (the server may still hold the object for a moment).
 */
void wb_sink_detach(IScribbleClient *sink);

/* A client's session: its server object and the registered callback. */
typedef struct wb_session {
    IScribbleServer *server;
    IScribbleClient *sink; /* registered (a reference), or NULL */
} wb_session;

/*
 * wb_session_open - creates the server object (server_class: a ProgID or
 * "{CLSID}", NULL for Whiteboard.Server) as a local server, selects board
 * (NULL: "default") and registers sink (NULL: none). On failure s is
 * empty and the thread's error information says why.
 */
HRESULT wb_session_open(wb_session *s, const char *server_class, const char *board, IScribbleClient *sink);

/*
 * wb_session_close - unregisters the callback, detaches it, cuts the
 * server's remaining references to it (CoDisconnectObject) and releases
 * everything. Safe on an empty or half-open session.
 */
void wb_session_close(wb_session *s);

/* wb_report - "prog: what failed: 0x... NAME (message)" and the error
 * description on stderr; returns 1 (an exit status). */
int wb_report(const char *prog, const char *what, HRESULT hr);

#endif
