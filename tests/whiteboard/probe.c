/*
 * probe.c - whiteboard test clients in their own processes (see probe.h).
 */
#include "probe.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stroke.h"

extern char **environ;

int64_t probe_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

HRESULT probe_stroke(long id, VARIANT *v)
{
    wb_point pts[2] = {{(LONG)(id % 1000), 10}, {(LONG)(id % 1000), 20}};
    wb_stroke s = {(ULONG)id, 1, 2, pts};
    return wb_variant_from_stroke(&s, v);
}

/* Puts a VARIANT copy at index i of a VARIANT vector. */
static void put(SAFEARRAY *sa, LONG i, VARIANT *e)
{
    SafeArrayPutElement(sa, &i, e);
    VariantClear(e);
}

HRESULT probe_bad_item(int kind, VARIANT *v)
{
    VARIANT e;
    SAFEARRAY *sa;
    VariantInit(v);
    VariantInit(&e);
    switch (kind) {
    case 0: /* a plain number */
        V_VT(v) = VT_I4;
        V_I4(v) = 42;
        return DISP_E_TYPEMISMATCH;
    case 1: /* text */
        V_VT(v) = VT_BSTR;
        V_BSTR(v) = SysAllocString("not a stroke");
        return DISP_E_TYPEMISMATCH;
    case 2: /* nothing */
        V_VT(v) = VT_EMPTY;
        return DISP_E_TYPEMISMATCH;
    case 3: /* an empty array of VARIANTs */
        V_VT(v) = VT_ARRAY | VT_VARIANT;
        V_ARRAY(v) = SafeArrayCreateVector(VT_VARIANT, 0, 0);
        return E_INVALIDARG;
    case 4: /* the right shape with the wrong tag */
    case 5: /* the right tag, a pen width of 0 */
    case 6: /* the right tag, an odd number of coordinates */
    case 7: /* the right tag, the points as text */
    case 8: /* the right tag, a point off the board */
        probe_stroke(7, v);
        sa = V_ARRAY(v);
        if (kind == 4) {
            V_VT(&e) = VT_BSTR;
            V_BSTR(&e) = SysAllocString("comrt.whiteboard.circle/1");
            put(sa, 0, &e);
            return DISP_E_TYPEMISMATCH;
        }
        if (kind == 5) {
            V_VT(&e) = VT_I4;
            V_I4(&e) = 0;
            put(sa, 2, &e);
            return E_INVALIDARG;
        }
        if (kind == 6) {
            V_VT(&e) = VT_ARRAY | VT_I4;
            V_ARRAY(&e) = SafeArrayCreateVector(VT_I4, 0, 3);
            put(sa, 3, &e);
            return E_INVALIDARG;
        }
        if (kind == 7) {
            V_VT(&e) = VT_BSTR;
            V_BSTR(&e) = SysAllocString("1,2 3,4");
            put(sa, 3, &e);
            return DISP_E_TYPEMISMATCH;
        }
        {
            SAFEARRAY *pts = SafeArrayCreateVector(VT_I4, 0, 2);
            LONG *xy;
            SafeArrayAccessData(pts, (void **)&xy);
            xy[0] = 5000;
            xy[1] = -3;
            SafeArrayUnaccessData(pts);
            V_VT(&e) = VT_ARRAY | VT_I4;
            V_ARRAY(&e) = pts;
            put(sa, 3, &e);
        }
        return E_INVALIDARG;
    default: { /* two dimensions */
        SAFEARRAYBOUND b[2] = {{2, 0}, {2, 0}};
        V_VT(v) = VT_ARRAY | VT_VARIANT;
        V_ARRAY(v) = SafeArrayCreate(VT_VARIANT, 2, b);
        return E_INVALIDARG;
    }
    }
}

/* The test's side ------------------------------------------------------------------- */

probe *probe_start(const char *board)
{
    int cmd[2], out[2];
    char line[256];
    probe *p = calloc(1, sizeof *p);
    if (!p || pipe(cmd) || pipe(out)) {
        free(p);
        return NULL;
    }
    /* A program of its own (not just a fork): a clean process whose leaks
     * and exit status are its own. */
    char exe[4096];
    snprintf(exe, sizeof exe, "%s/tests/whiteboard/wbprobe", getenv("BUILD") ? getenv("BUILD") : "build");
    char *argv[] = {exe, (char *)board, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, cmd[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, cmd[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    if (posix_spawn(&p->pid, exe, &fa, NULL, argv, environ))
        p->pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    close(cmd[0]);
    close(out[1]);
    p->cmd = cmd[1];
    p->out = out[0];
    if (p->pid < 0)
        goto fail;
    /* Callbacks may come before the ready line (the probe registers, then
     * takes its snapshot): keep them for the caller, in order. */
    char early[sizeof p->buf];
    size_t nearly = 0;
    while (probe_line(p, line, sizeof line, 30000)) {
        size_t k = strlen(line);
        if (line[0] == 'O')
            continue;
        if (sscanf(line, "R %ld %ld %ld", &p->seq, &p->items, &p->server_pid) == 3) {
            if (nearly + p->len > sizeof p->buf)
                break;
            memmove(p->buf + nearly, p->buf, p->len);
            memcpy(p->buf, early, nearly);
            p->len += nearly;
            return p;
        }
        if ((line[0] != 'S' && line[0] != 'C') || nearly + k + 1 > sizeof early)
            break;
        memcpy(early + nearly, line, k);
        early[nearly + k] = '\n';
        nearly += k + 1;
    }
fail:
    fprintf(stderr, "probe: no ready line from probe %d\n", (int)p->pid);
    probe_kill(p);
    return NULL;
}

void probe_cmd(probe *p, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    line[n++] = '\n';
    if (write(p->cmd, line, (size_t)n) != n)
        fprintf(stderr, "probe: command to %d lost: %s", (int)p->pid, strerror(errno));
}

int probe_line(probe *p, char *line, size_t n, int timeout_ms)
{
    int64_t deadline = probe_now_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(p->buf, '\n', p->len);
        if (nl) {
            size_t k = (size_t)(nl - p->buf);
            size_t c = k < n - 1 ? k : n - 1;
            memcpy(line, p->buf, c);
            line[c] = '\0';
            memmove(p->buf, nl + 1, p->len - k - 1);
            p->len -= k + 1;
            return 1;
        }
        int left = (int)(deadline - probe_now_ms());
        struct pollfd pfd = {p->out, POLLIN, 0};
        if (left <= 0 || poll(&pfd, 1, left) <= 0 || p->len == sizeof p->buf)
            return 0;
        ssize_t got = read(p->out, p->buf + p->len, sizeof p->buf - p->len);
        if (got <= 0)
            return 0;
        p->len += (size_t)got;
    }
}

static void probe_free(probe *p)
{
    close(p->cmd);
    close(p->out);
    free(p);
}

int probe_quit(probe *p)
{
    int status = 0;
    probe_cmd(p, "quit");
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    probe_free(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void probe_kill(probe *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    probe_free(p);
}
