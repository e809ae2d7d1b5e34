/*
 * parse.c - the registry file's text into a tree, and the syntax rules that
 * key paths, value names and value data obey (shared with the API, so that
 * whatever the API accepts the writer can write and the parser read back).
 *
 * The input is untrusted (a hand-edited file, a fuzzer): every length is
 * bounded before it is used, nothing recurses, and the first problem is
 * reported as "path:line: what is wrong" with REGDB_E_READREGDB. The file is
 * read in one pass into a list of sections; sorting that list (stable, by
 * first appearance) then yields the tree in O(n log n) whatever the order of
 * the file, merging repeated sections and adding missing parent keys.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

#define HEADER "comrt-registry"
#define VERSION 1

/* Syntax --------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t len;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* NULL if s[0..len) is UTF-8 without control characters (bar those in allowed). */
static const char *check_text(const char *s, size_t len, const char *allowed)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (u[i] < 0x20 || u[i] == 0x7F) {
            if (!u[i] || !strchr(allowed, u[i]))
                return "contains a control character";
            i++;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (!n)
            return "is not valid UTF-8";
        i += n;
    }
    return NULL;
}

const char *comrt_reg_check_string(const char *s, size_t len)
{
    /* \t and \n have escapes; other control characters could not be read
     * back unambiguously from a hand-edited file, so they are refused. */
    return check_text(s, len, "\t\n");
}

const char *comrt_reg_check_key(const char *path, size_t len)
{
    size_t start = 0, depth = 0;

    if (len == 0)
        return "is empty";
    if (len > COMRT_REG_MAX_KEY)
        return "is longer than 4096 bytes";
    if (path[0] == '\\')
        return "starts with a backslash";
    if (path[len - 1] == '\\')
        return "ends with a backslash";
    for (size_t i = 0; i <= len; i++) {
        if (i < len && path[i] != '\\')
            continue;
        if (i == start)
            return "has an empty component";
        if (i - start > COMRT_REG_MAX_COMPONENT)
            return "has a component longer than 255 bytes";
        if (++depth > COMRT_REG_MAX_DEPTH)
            return "is deeper than 64 levels";
        start = i + 1;
    }
    return check_text(path, len, "");
}

size_t comrt_reg_escaped_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += (*s == '\\' || *s == '"' || *s == '\n' || *s == '\t') ? 2 : 1;
    return n;
}

/* The parser ----------------------------------------------------------------- */

struct pvalue {
    char *name, *data;
    int line;
};

struct psection {
    char *path;
    uint32_t depth;
    int line;
    size_t seq;             /* order of appearance: the first spelling wins */
    size_t first, nvalues;  /* its values in parser.values */
};

struct parser {
    const char *file;
    struct psection *sections;
    size_t nsections, capsections;
    struct pvalue *values;
    size_t nvalues, capvalues;
};

static HRESULT perr(const struct parser *p, int line, const char *fmt, ...) COMRT_PRINTF(3, 4);
static HRESULT perr(const struct parser *p, int line, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return comrt_error_set(REGDB_E_READREGDB, "%s:%d: %s", p->file, line, what);
}

static HRESULT poom(const struct parser *p)
{
    return comrt_error_set(E_OUTOFMEMORY, "%s: out of memory reading the registry", p->file);
}

static void *grow(void *ptr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return ptr;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return NULL;
        n *= 2;
    }
    void *q = realloc(ptr, n * size);
    if (q)
        *cap = n;
    return q;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Reads the quoted string at s[*i] (a '"') into a malloc'ed *out and moves
 * *i past its closing quote.
 */
static HRESULT parse_string(const struct parser *p, int line, const char *s, size_t n, size_t *i, char **out)
{
    size_t k = *i + 1, o = 0;
    char *buf = malloc(n - *i); /* the unescaped text is shorter than the rest of the line */
    HRESULT hr;

    if (!buf)
        return poom(p);
    for (;;) {
        if (k >= n) {
            hr = perr(p, line, "unterminated string (missing closing '\"')");
            goto fail;
        }
        unsigned char c = (unsigned char)s[k];
        if (c == '"')
            break;
        if (c == '\\') {
            if (k + 1 >= n) {
                hr = perr(p, line, "unterminated string (missing closing '\"')");
                goto fail;
            }
            unsigned char e = (unsigned char)s[k + 1];
            switch (e) {
            case '\\': buf[o++] = '\\'; break;
            case '"': buf[o++] = '"'; break;
            case 'n': buf[o++] = '\n'; break;
            case 't': buf[o++] = '\t'; break;
            default:
                if (e > 0x20 && e < 0x7F)
                    hr = perr(p, line, "unknown escape sequence '\\%c' (only \\\\, \\\", \\n and \\t)", e);
                else
                    hr = perr(p, line, "unknown escape sequence '\\' + byte 0x%02X (only \\\\, \\\", \\n and \\t)", e);
                goto fail;
            }
            k += 2;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            hr = perr(p, line, "control character 0x%02X in a string (write \\n or \\t)", c);
            goto fail;
        }
        buf[o++] = (char)c;
        k++;
    }
    buf[o] = '\0';
    char *fit = realloc(buf, o + 1); /* buf was sized for the whole rest of the line */
    if (fit)
        buf = fit;
    if (check_text(buf, o, "\t\n")) {
        hr = perr(p, line, "string is not valid UTF-8");
        goto fail;
    }
    *i = k + 1;
    *out = buf;
    return S_OK;
fail:
    free(buf);
    return hr;
}

static HRESULT parse_header(const struct parser *p, int line, const char *s, size_t n)
{
    size_t h = sizeof HEADER - 1, i = h, digits = 0;
    unsigned long version = 0;

    if (n > h && memcmp(s, HEADER, h) == 0 && is_ws(s[h])) {
        while (i < n && is_ws(s[i]))
            i++;
        while (i < n && s[i] >= '0' && s[i] <= '9' && digits < 9) {
            version = version * 10 + (unsigned long)(s[i++] - '0');
            digits++;
        }
        if (digits && i == n) {
            if (version == VERSION)
                return S_OK;
            return perr(p, line, "unsupported registry format version %lu (this comrt reads version %d)", version,
                        VERSION);
        }
    }
    return perr(p, line, "not a comrt registry file (the first line must be \"" HEADER " %d\")", VERSION);
}

static HRESULT parse_section(struct parser *p, int line, const char *s, size_t n)
{
    if (n < 2 || s[n - 1] != ']')
        return perr(p, line, "a section line must end with ']'");
    const char *why = comrt_reg_check_key(s + 1, n - 2);
    if (why)
        return perr(p, line, "key [%.*s] %s", (int)(n - 2 > 200 ? 200 : n - 2), s + 1, why);
    struct psection *sec = grow(p->sections, &p->capsections, p->nsections + 1, sizeof *sec);
    if (!sec)
        return poom(p);
    p->sections = sec;
    char *path = strndup(s + 1, n - 2);
    if (!path)
        return poom(p);
    uint32_t depth = 1;
    for (size_t i = 1; i < n - 1; i++)
        depth += s[i] == '\\';
    sec[p->nsections] = (struct psection){
        .path = path, .depth = depth, .line = line, .seq = p->nsections, .first = p->nvalues};
    p->nsections++;
    return S_OK;
}

static HRESULT parse_value(struct parser *p, int line, const char *s, size_t n)
{
    char *name = NULL, *data = NULL;
    size_t i = 0;
    HRESULT hr;

    if (!p->nsections)
        return perr(p, line, "value outside any [key] section");
    if (s[0] == '@') {
        i = 1;
        if (!(name = strdup("")))
            return poom(p);
    } else {
        hr = parse_string(p, line, s, n, &i, &name);
        if (FAILED(hr))
            return hr;
        if (!name[0]) {
            hr = perr(p, line, "empty value name (write @= for the default value)");
            goto fail;
        }
    }
    while (i < n && is_ws(s[i]))
        i++;
    if (i >= n || s[i] != '=') {
        hr = perr(p, line, "expected '=' after the value name");
        goto fail;
    }
    i++;
    while (i < n && is_ws(s[i]))
        i++;
    if (i >= n || s[i] != '"') {
        hr = perr(p, line, "expected a quoted string after '='");
        goto fail;
    }
    hr = parse_string(p, line, s, n, &i, &data);
    if (FAILED(hr))
        goto fail;
    if (i != n) {
        hr = perr(p, line, "unexpected text after the value");
        goto fail;
    }
    struct pvalue *v = grow(p->values, &p->capvalues, p->nvalues + 1, sizeof *v);
    if (!v) {
        hr = poom(p);
        goto fail;
    }
    p->values = v;
    v[p->nvalues++] = (struct pvalue){.name = name, .data = data, .line = line};
    p->sections[p->nsections - 1].nvalues++;
    return S_OK;
fail:
    free(name);
    free(data);
    return hr;
}

/* Building the tree -------------------------------------------------------------- */

static int section_cmp(const void *a, const void *b)
{
    const struct psection *x = a, *y = b;
    int c = comrt_reg_path_cmp(x->path, y->path);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static int value_cmp(const void *a, const void *b, void *values)
{
    const struct pvalue *base = values;
    const struct pvalue *x = &base[*(const size_t *)a], *y = &base[*(const size_t *)b];
    int c = comrt_reg_name_cmp(x->name, y->name);
    return c ? c : x->line - y->line;
}

/* Number of leading components a and b share (ASCII case folded). */
static uint32_t common_depth(const char *a, const char *b)
{
    uint32_t d = 0;
    for (size_t i = 0;; i++) {
        char ca = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
        char cb = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
        int enda = ca == '\\' || !ca, endb = cb == '\\' || !cb;
        if (enda && endb) {
            d++;
            if (!ca || !cb)
                return d;
        } else if (ca != cb)
            return d;
    }
}

static HRESULT append_key(const struct parser *p, comrt_reg_tree *t, char *path, uint32_t depth)
{
    struct comrt_reg_key *k = grow(t->keys, &t->capkeys, t->nkeys + 1, sizeof *k);
    if (!k) {
        free(path);
        return poom(p);
    }
    t->keys = k;
    k[t->nkeys++] = (struct comrt_reg_key){.path = path, .depth = depth};
    return S_OK;
}

/*
 * Moves the values of sections [g, end) (one key spelled several times) into
 * k, sorted; a name set twice is an error reported at its second line.
 */
static HRESULT take_values(struct parser *p, struct comrt_reg_key *k, size_t g, size_t end, size_t *idx, int *dup_line)
{
    size_t n = 0;
    for (size_t s = g; s < end; s++)
        for (size_t v = 0; v < p->sections[s].nvalues; v++)
            idx[n++] = p->sections[s].first + v;
    if (!n)
        return S_OK;
    qsort_r(idx, n, sizeof *idx, value_cmp, p->values);
    if (!(k->values = calloc(n, sizeof *k->values)))
        return poom(p);
    k->capvalues = n;
    for (size_t i = 0; i < n; i++) {
        struct pvalue *v = &p->values[idx[i]];
        if (i && comrt_reg_name_cmp(k->values[k->nvalues - 1].name, v->name) == 0) {
            if (!*dup_line || v->line < *dup_line)
                *dup_line = v->line;
            continue;
        }
        k->values[k->nvalues++] = (struct comrt_reg_value){.name = v->name, .data = v->data};
        v->name = v->data = NULL;
    }
    return S_OK;
}

/*
 * A key's path is its parent's path (as emitted) plus its own last component,
 * so a parent's first-written case is used by all its descendants.
 */
static HRESULT emit(const struct parser *p, comrt_reg_tree *t, const char **stack, const char *comp, size_t len,
                    uint32_t depth)
{
    size_t plen = depth > 1 ? strlen(stack[depth - 2]) + 1 : 0;
    char *path = malloc(plen + len + 1);
    if (!path)
        return poom(p);
    if (plen) {
        memcpy(path, stack[depth - 2], plen - 1);
        path[plen - 1] = '\\';
    }
    memcpy(path + plen, comp, len);
    path[plen + len] = '\0';
    HRESULT hr = append_key(p, t, path, depth);
    if (SUCCEEDED(hr))
        stack[depth - 1] = path; /* strings stay put when the key array grows */
    return hr;
}

static HRESULT build(struct parser *p, comrt_reg_tree *t)
{
    const char *stack[COMRT_REG_MAX_DEPTH]; /* paths of the last emitted key's ancestors, by depth */
    size_t *idx = NULL, start[COMRT_REG_MAX_DEPTH + 1];
    uint32_t top = 0;
    int dup_line = 0;
    HRESULT hr = S_OK;

    if (p->nvalues && !(idx = calloc(p->nvalues, sizeof *idx)))
        return poom(p);
    if (p->nsections) /* qsort's base must not be NULL, even for zero elements */
        qsort(p->sections, p->nsections, sizeof *p->sections, section_cmp);
    for (size_t g = 0, end; g < p->nsections; g = end) {
        const struct psection *sec = &p->sections[g];
        for (end = g + 1; end < p->nsections && comrt_reg_path_cmp(p->sections[end].path, sec->path) == 0; end++)
            ;
        /* start[d] is where component d+1 begins, start[depth] one past the end + 1. */
        uint32_t d = 0;
        start[0] = 0;
        for (size_t i = 0;; i++)
            if (sec->path[i] == '\\' || !sec->path[i]) {
                start[++d] = i + 1;
                if (!sec->path[i])
                    break;
            }
        /* In sorted order, the ancestors not shared with the previous key are not emitted yet. */
        uint32_t have = top ? common_depth(stack[top - 1], sec->path) : 0;
        for (d = have + 1; d <= sec->depth; d++) {
            hr = emit(p, t, stack, sec->path + start[d - 1], start[d] - start[d - 1] - 1, d);
            if (FAILED(hr))
                goto out;
        }
        top = sec->depth;
        hr = take_values(p, &t->keys[t->nkeys - 1], g, end, idx, &dup_line);
        if (FAILED(hr))
            goto out;
    }
    if (dup_line)
        hr = perr(p, dup_line, "value set twice in the same key");
out:
    free(idx);
    return hr;
}

HRESULT comrt_reg_parse_buffer(const char *path_for_messages, const char *data, size_t len, comrt_reg_tree **out)
{
    struct parser p = {.file = path_for_messages ? path_for_messages : "(registry)"};
    comrt_reg_tree *t = NULL;
    size_t pos = 0;
    int line = 0, header = 0;
    HRESULT hr = S_OK;

    if (!out)
        return E_POINTER;
    *out = NULL;
    if (!data && len)
        return comrt_error_set(E_INVALIDARG, "comrt_reg_parse_buffer: NULL data");
    if (len > COMRT_REG_MAX_FILE)
        return comrt_error_set(REGDB_E_READREGDB, "%s: the file is larger than %u MiB", p.file,
                               COMRT_REG_MAX_FILE >> 20);
    while (pos < len) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        pos += n + (nl != NULL);
        line++;
        if (n > COMRT_REG_MAX_LINE) {
            hr = perr(&p, line, "line longer than %d bytes", COMRT_REG_MAX_LINE);
            goto fail;
        }
        if (memchr(s, '\0', n)) {
            hr = perr(&p, line, "NUL byte");
            goto fail;
        }
        if (n && s[n - 1] == '\r') /* tolerate CRLF line ends */
            n--;
        while (n && is_ws(*s))
            s++, n--;
        while (n && is_ws(s[n - 1]))
            n--;
        if (!n)
            continue;
        if (!header) {
            hr = parse_header(&p, line, s, n);
            header = 1;
        } else if (s[0] == ';' || s[0] == '#')
            continue;
        else if (s[0] == '[')
            hr = parse_section(&p, line, s, n);
        else if (s[0] == '@' || s[0] == '"')
            hr = parse_value(&p, line, s, n);
        else
            hr = perr(&p, line, "expected [key], \"name\"=\"value\", @=\"value\" or a ';' comment");
        if (FAILED(hr))
            goto fail;
    }
    if (!(t = comrt_reg_tree_new())) {
        hr = poom(&p);
        goto fail;
    }
    hr = build(&p, t);
    if (FAILED(hr))
        goto fail;
    *out = t;
    t = NULL;
fail:
    comrt_reg_tree_free(t);
    for (size_t i = 0; i < p.nsections; i++)
        free(p.sections[i].path);
    for (size_t i = 0; i < p.nvalues; i++) {
        free(p.values[i].name);
        free(p.values[i].data);
    }
    free(p.sections);
    free(p.values);
    return hr;
}
