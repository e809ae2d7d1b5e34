/*
 * wbprobe.c - a whiteboard test client (see probe.h): wbprobe [BOARD]
 * reads commands on stdin and writes what happens on stdout, one line each.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "stroke.h"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0 || n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    /* One write, under PIPE_BUF: lines never interleave. */
    if (write(1, line, (size_t)n) != n)
        _exit(3);
}

static void tag_of(const VARIANT *item, char *tag, size_t n)
{
    wb_stroke s;
    if (SUCCEEDED(wb_stroke_from_variant(item, &s))) {
        snprintf(tag, n, "%lu", (unsigned long)s.colour);
        wb_stroke_free(&s);
    } else {
        CoTaskMemFree(comrt_error_take_description());
        snprintf(tag, n, "bad");
    }
}

static void on_stroke(void *ctx, LONG seq, const VARIANT *item)
{
    char tag[32];
    (void)ctx;
    tag_of(item, tag, sizeof tag);
    say("S %ld %s", (long)seq, tag);
}

static void on_clear(void *ctx, LONG seq)
{
    (void)ctx;
    say("C %ld", (long)seq);
}

static int snapshot(IScribbleServer *srv)
{
    SAFEARRAY *sa = NULL;
    LONG seq = 0, lo = 0, hi = -1, pid = 0;
    if (FAILED(IScribbleServer_GetStrokes(srv, &seq, &sa)) || FAILED(IScribbleServer_get_ServerPid(srv, &pid)))
        return -1;
    SafeArrayGetLBound(sa, 1, &lo);
    SafeArrayGetUBound(sa, 1, &hi);
    for (LONG i = lo; i <= hi; i++) {
        VARIANT v;
        char tag[32];
        VariantInit(&v);
        SafeArrayGetElement(sa, &i, &v);
        tag_of(&v, tag, sizeof tag);
        say("O %s", tag);
        VariantClear(&v);
    }
    say("R %ld %ld %ld", (long)seq, (long)(hi - lo + 1), (long)pid);
    SafeArrayDestroy(sa);
    return 0;
}

static void obey(wb_session *s, const char *line)
{
    VARIANT v;
    LONG seq = 0, a = 0, b = 0;
    long arg = 0;
    HRESULT hr;
    if (sscanf(line, "add %ld", &arg) == 1) {
        probe_stroke(arg, &v);
        hr = IScribbleServer_AddStroke(s->server, v, &seq);
        VariantClear(&v);
    } else if (sscanf(line, "bad %ld", &arg) == 1) {
        probe_bad_item((int)arg, &v);
        hr = IScribbleServer_AddStroke(s->server, v, &seq);
        VariantClear(&v);
    } else if (!strncmp(line, "clear", 5)) {
        hr = IScribbleServer_Clear(s->server, &seq);
        if (SUCCEEDED(hr)) {
            say("K %ld", (long)seq);
            return;
        }
    } else if (!strncmp(line, "count", 5)) {
        hr = IScribbleServer_get_StrokeCount(s->server, &a);
        if (SUCCEEDED(hr))
            hr = IScribbleServer_get_ClientCount(s->server, &b);
        if (SUCCEEDED(hr)) {
            say("N %ld %ld", (long)a, (long)b);
            return;
        }
    } else {
        say("E unknown");
        return;
    }
    if (FAILED(hr)) {
        CoTaskMemFree(comrt_error_take_description());
        say("E 0x%08X", (unsigned)hr);
    } else {
        say("A %ld", (long)seq);
    }
}

int main(int argc, char **argv)
{
    wb_sink_handler h = {on_stroke, on_clear, NULL};
    IScribbleClient *sink = NULL;
    wb_session s = {0};
    const char *board = argc > 1 ? argv[1] : NULL;
    char line[256];
    int rc = 1;

    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED)))
        return 2;
    if (FAILED(wb_sink_create(&h, &sink)) || FAILED(wb_session_open(&s, NULL, board, sink)) ||
        snapshot(s.server)) {
        char *why = comrt_error_take_description();
        fprintf(stderr, "probe: cannot start: %s\n", why ? why : "");
        CoTaskMemFree(why);
        goto out;
    }
    while (fgets(line, sizeof line, stdin)) {
        if (!strncmp(line, "quit", 4)) {
            rc = 0;
            break;
        }
        obey(&s, line);
    }
out:
    wb_session_close(&s);
    if (sink)
        IScribbleClient_Release(sink);
    CoUninitialize();
    return rc;
}

