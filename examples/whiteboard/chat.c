/*
 * chat.c - wbchat, a tiny chat on the whiteboard server: the same class,
 * the same server process, a board of its own ("chat" unless --board). Each
 * line typed becomes one item, a VARIANT holding the BSTR "nick: text";
 * the server stores and relays it as it would a stroke, without knowing.
 *
 *   wbchat [--nick NAME] [--board NAME] [--server PROGID|{CLSID}]
 *
 * Prints the history ("[old] nick: text"), then every line as it arrives:
 * "[seq] nick: text".
 * Reads lines from stdin until end of file or "/quit".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "replica.h"

#define PROG "wbchat"

/* One line: "[seq] text", or "[old] text" for history (whose numbers the
 * snapshot does not carry). */
static void print_item(const wb_item *it, int old)
{
    const VARIANT *v = &it->value;
    char tag[24];
    snprintf(tag, sizeof tag, old ? "old" : "%ld", (long)it->seq);
    if (V_VT(v) == VT_BSTR && V_BSTR(v) && strlen(V_BSTR(v)) == SysStringByteLen(V_BSTR(v)))
        printf("[%s] %s\n", tag, V_BSTR(v));
    else
        printf("[%s] (an item that is not a chat line: VARIANT type 0x%04x)\n", tag, (unsigned)V_VT(v));
}

/* Replica listener (under its lock): history, then each line in order. */
static void on_change(void *ctx, const wb_change *c)
{
    wb_replica *r = *(wb_replica **)ctx;
    if (c->kind == WB_CHANGE_LOADED) {
        for (size_t i = 0; i < wb_replica_count(r); i++)
            print_item(wb_replica_item(r, i), 1);
    } else if (c->kind == WB_CHANGE_ITEM) {
        print_item(c->item, 0);
    } else {
        printf("-- the board was cleared (seq %ld)\n", (long)c->seq);
    }
    fflush(stdout);
}

static void fwd_stroke(void *ctx, LONG seq, const VARIANT *item)
{
    wb_replica_on_stroke(ctx, seq, item);
}

static void fwd_clear(void *ctx, LONG seq)
{
    wb_replica_on_clear(ctx, seq);
}

/* Sends one line as a BSTR item. */
static HRESULT say(wb_session *s, wb_replica *r, const char *nick, const char *text)
{
    size_t n = strlen(nick) + strlen(text) + 3;
    char *line = malloc(n);
    VARIANT v;
    LONG seq = 0;
    HRESULT hr;

    if (!line)
        return E_OUTOFMEMORY;
    snprintf(line, n, "%s: %s", nick, text);
    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = SysAllocString(line);
    free(line);
    if (!V_BSTR(&v))
        return E_OUTOFMEMORY;
    hr = IScribbleServer_AddStroke(s->server, v, &seq);
    if (SUCCEEDED(hr))
        wb_replica_add_own(r, seq, &v);
    VariantClear(&v);
    return hr;
}

int main(int argc, char **argv)
{
    const char *nick = getenv("USER") ? getenv("USER") : "someone";
    const char *board = "chat", *server = NULL;
    wb_replica *r = NULL;
    wb_replica_listener l = {on_change, &r};
    IScribbleClient *sink = NULL;
    wb_session s = {0};
    char *line = NULL;
    size_t cap = 0;
    int rc = 1;
    HRESULT hr;

    for (int i = 1; i < argc; i++) {
        if (i + 1 < argc && !strcmp(argv[i], "--nick"))
            nick = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--board"))
            board = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--server"))
            server = argv[++i];
        else {
            fprintf(stderr, "usage: " PROG " [--nick NAME] [--board NAME] [--server PROGID|{CLSID}]\n");
            return 2;
        }
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return wb_report(PROG, "CoInitializeEx", hr);
    if (FAILED(hr = wb_replica_create(0, &l, &r))) {
        rc = wb_report(PROG, "creating the replica", hr);
        goto out;
    }
    wb_sink_handler h = {fwd_stroke, fwd_clear, r};
    if (FAILED(hr = wb_sink_create(&h, &sink))) {
        rc = wb_report(PROG, "creating the callback", hr);
        goto out;
    }
    if (FAILED(hr = wb_session_open(&s, server, board, sink))) {
        rc = wb_report(PROG, "connecting to the whiteboard server", hr);
        goto out;
    }
    LONG pid = 0;
    if (FAILED(hr = IScribbleServer_get_ServerPid(s.server, &pid)) || FAILED(hr = wb_replica_load(r, s.server))) {
        rc = wb_report(PROG, "fetching the history", hr);
        goto out;
    }
    wb_replica_lock(r); /* keeps the line whole among arriving ones */
    printf("-- %s joined board %s on server pid %ld; type lines, /quit to leave\n", nick, board, (long)pid);
    fflush(stdout);
    wb_replica_unlock(r);
    rc = 0;
    while (getline(&line, &cap, stdin) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, "/quit"))
            break;
        if (!line[0])
            continue;
        if (FAILED(hr = say(&s, r, nick, line))) {
            rc = wb_report(PROG, "sending a line", hr);
            break;
        }
    }
out:
    free(line);
    wb_session_close(&s);
    if (sink) {
        wb_sink_detach(sink);
        IScribbleClient_Release(sink);
    }
    wb_replica_free(r);
    CoUninitialize();
    return rc;
}
