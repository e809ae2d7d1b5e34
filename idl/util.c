/*
 * util.c - comidl's arena, text buffer and diagnostics.
 *
 * Diagnostics follow gcc's shape ("file:line:col: error: ...") so editors
 * and CI annotators can jump to them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"

struct idl_arena {
    struct chunk *head;
};

struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

#define CHUNK_SIZE 65536

static void die_oom(void)
{
    fputs("comidl: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom();
    return q;
}

idl_arena *idl_arena_new(void)
{
    idl_arena *a = xmalloc(sizeof *a);
    a->head = NULL;
    return a;
}

void idl_arena_free(idl_arena *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *idl_alloc(idl_arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = xmalloc(sizeof *c + cap);
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *idl_strndup(idl_arena *a, const char *s, size_t n)
{
    char *p = idl_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *idl_strdup(idl_arena *a, const char *s)
{
    return idl_strndup(a, s, strlen(s));
}

char *idl_printf(idl_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = idl_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void buf_put(idl_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n + 1) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len < n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(idl_buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

void buf_printf(idl_buf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        buf_put(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_put(b, big, (size_t)n);
    free(big);
}

void buf_free(idl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static void report(idl_diag *d, idl_loc loc, const char *what, const char *fmt, va_list ap)
{
    FILE *out = d->out ? d->out : stderr;
    if (loc.file)
        fprintf(out, "%s:%d:%d: %s: ", loc.file, loc.line, loc.col, what);
    else
        fprintf(out, "comidl: %s: ", what);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
}

void idl_error(idl_diag *d, idl_loc loc, const char *fmt, ...)
{
    if (d->too_many)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "error", fmt, ap);
    va_end(ap);
    if (++d->errors >= IDL_MAX_ERRORS) {
        fprintf(d->out ? d->out : stderr, "comidl: too many errors, stopping\n");
        d->too_many = 1;
    }
}

void idl_warning(idl_diag *d, idl_loc loc, const char *fmt, ...)
{
    if (d->too_many)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "warning", fmt, ap);
    va_end(ap);
    d->warnings++;
}

void idl_note(idl_diag *d, idl_loc loc, const char *fmt, ...)
{
    if (d->too_many || d->quiet_notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(d, loc, "note", fmt, ap);
    va_end(ap);
}
