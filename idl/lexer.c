/*
 * lexer.c - turns IDL text (raw, or cpp output with line markers) into
 * tokens with exact file:line:column positions.
 *
 * Works on an in-memory buffer that need not be NUL-terminated, so the
 * fuzzer can feed it arbitrary bytes; every loop advances p or stops at end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idl.h"

void lexer_init(idl_lexer *lx, idl_arena *a, idl_diag *d, const char *file, const char *src, size_t len,
                int cpp_output)
{
    memset(lx, 0, sizeof *lx);
    lx->arena = a;
    lx->diag = d;
    lx->src = lx->p = lx->line_start = src;
    lx->end = src + len;
    lx->file = file;
    lx->line = 1;
    lx->at_line_start = 1;
    lx->cpp_output = cpp_output;
}

static idl_loc here(idl_lexer *lx)
{
    idl_loc l = {lx->file, lx->line, (int)(lx->p - lx->line_start) + 1};
    return l;
}

static int peekc(idl_lexer *lx, size_t off)
{
    return lx->p + off < lx->end ? (unsigned char)lx->p[off] : -1;
}

static void newline(idl_lexer *lx)
{
    /* lx->p points just past the '\n' */
    lx->line++;
    lx->line_start = lx->p;
    lx->at_line_start = 1;
}

/* Skips to just past the end of the current line (honouring backslash
 * continuations, as cpp would). */
static void skip_line(idl_lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p++;
        if (c == '\\' && lx->p < lx->end && *lx->p == '\n') {
            lx->p++;
            newline(lx);
        } else if (c == '\n') {
            newline(lx);
            return;
        }
    }
}

/* `# 12 "file.idl" 1` or `#line 12 "file.idl"` from cpp: sets the position of
 * the next line. Other directives are skipped: when cpp ran there are none
 * left but #pragma, and without cpp (fuzzing, --no-cpp) they are ignored. */
static void directive(idl_lexer *lx)
{
    idl_loc at = here(lx);
    const char *q = lx->p + 1;
    while (q < lx->end && (*q == ' ' || *q == '\t'))
        q++;
    if (q + 4 <= lx->end && memcmp(q, "line", 4) == 0) {
        q += 4;
        while (q < lx->end && (*q == ' ' || *q == '\t'))
            q++;
    }
    if (q < lx->end && isdigit((unsigned char)*q)) {
        long n = 0;
        while (q < lx->end && isdigit((unsigned char)*q) && n < 100000000)
            n = n * 10 + (*q++ - '0');
        while (q < lx->end && (*q == ' ' || *q == '\t'))
            q++;
        const char *name = NULL;
        if (q < lx->end && *q == '"') {
            const char *s = ++q;
            while (q < lx->end && *q != '"' && *q != '\n')
                q += (*q == '\\' && q + 1 < lx->end && q[1] != '\n') ? 2 : 1;
            if (q < lx->end && *q == '"')
                name = idl_strndup(lx->arena, s, (size_t)(q - s));
        }
        skip_line(lx);
        if (lx->cpp_output) {
            lx->line = (int)n;
            if (name && strcmp(name, "<built-in>") != 0 && strcmp(name, "<command-line>") != 0)
                lx->file = name;
        }
        return;
    }
    if (!lx->cpp_output && !(q + 6 <= lx->end && memcmp(q, "pragma", 6) == 0))
        idl_warning(lx->diag, at, "preprocessor directive ignored (cpp was not run)");
    skip_line(lx);
}

/* Skips blanks, newlines, comments and directives. */
static void skip_space(idl_lexer *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == '\n') {
            lx->p++;
            newline(lx);
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->p++;
        } else if (c == '/' && peekc(lx, 1) == '*') {
            idl_loc at = here(lx);
            lx->p += 2;
            for (;;) {
                if (lx->p >= lx->end) {
                    idl_error(lx->diag, at, "unterminated comment");
                    return;
                }
                if (*lx->p == '*' && peekc(lx, 1) == '/') {
                    lx->p += 2;
                    break;
                }
                if (*lx->p++ == '\n')
                    newline(lx);
            }
            lx->at_line_start = 0;
        } else if (c == '/' && peekc(lx, 1) == '/') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (c == '#' && lx->at_line_start) {
            directive(lx);
        } else {
            return;
        }
    }
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads a quoted literal with C escapes; lx->p is at the opening quote. */
static void lex_quoted(idl_lexer *lx, idl_token *t, char quote)
{
    idl_buf b = {0};
    lx->p++;
    for (;;) {
        if (lx->p >= lx->end || *lx->p == '\n') {
            idl_error(lx->diag, t->loc, "missing terminating %c character", quote);
            break;
        }
        char c = *lx->p++;
        if (c == quote)
            break;
        if (c != '\\') {
            buf_put(&b, &c, 1);
            continue;
        }
        if (lx->p >= lx->end)
            continue;
        char e = *lx->p++;
        char out = e;
        switch (e) {
        case 'n': out = '\n'; break;
        case 't': out = '\t'; break;
        case 'r': out = '\r'; break;
        case 'a': out = '\a'; break;
        case 'b': out = '\b'; break;
        case 'f': out = '\f'; break;
        case 'v': out = '\v'; break;
        case '\n': newline(lx); continue;
        case 'x': {
            int v = 0, n = 0, h;
            while (n < 2 && lx->p < lx->end && (h = hexval((unsigned char)*lx->p)) >= 0) {
                v = v * 16 + h;
                lx->p++;
                n++;
            }
            out = (char)v;
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0', n = 1;
                while (n < 3 && lx->p < lx->end && *lx->p >= '0' && *lx->p <= '7') {
                    v = v * 8 + (*lx->p++ - '0');
                    n++;
                }
                out = (char)v;
            }
            break;
        }
        buf_put(&b, &out, 1);
    }
    t->len = b.len;
    t->text = b.data ? idl_strndup(lx->arena, b.data, b.len) : "";
    buf_free(&b);
    if (quote == '\'') {
        t->kind = TK_CHAR;
        t->ival = t->len ? (unsigned char)t->text[0] : 0;
    } else {
        t->kind = TK_STRING;
    }
}

static void lex_number(idl_lexer *lx, idl_token *t)
{
    const char *s = lx->p;
    int is_float = 0;
    if (*s == '0' && (peekc(lx, 1) == 'x' || peekc(lx, 1) == 'X')) {
        lx->p += 2;
        while (lx->p < lx->end && isxdigit((unsigned char)*lx->p))
            lx->p++;
    } else {
        while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
            lx->p++;
        if (lx->p < lx->end && *lx->p == '.') {
            is_float = 1;
            lx->p++;
            while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
                lx->p++;
        }
        if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
            const char *save = lx->p++;
            if (lx->p < lx->end && (*lx->p == '+' || *lx->p == '-'))
                lx->p++;
            if (lx->p < lx->end && isdigit((unsigned char)*lx->p)) {
                is_float = 1;
                while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
                    lx->p++;
            } else {
                lx->p = save;
            }
        }
    }
    size_t digits = (size_t)(lx->p - s);
    while (lx->p < lx->end && strchr("uUlLfF", *lx->p)) {
        if (*lx->p == 'u' || *lx->p == 'U')
            t->is_unsigned = 1;
        lx->p++;
    }
    t->text = idl_strndup(lx->arena, s, (size_t)(lx->p - s));
    t->len = (size_t)(lx->p - s);
    char *num = idl_strndup(lx->arena, s, digits);
    if (is_float) {
        t->kind = TK_FLOAT;
        t->fval = strtod(num, NULL);
        return;
    }
    t->kind = TK_INT;
    errno = 0;
    char *endp;
    t->ival = strtoull(num, &endp, 0);
    if (errno == ERANGE)
        idl_error(lx->diag, t->loc, "integer constant '%s' is too large", t->text);
    else if (*endp)
        idl_error(lx->diag, t->loc, "invalid digit in integer constant '%s'", t->text);
    if (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_')) {
        const char *q = lx->p;
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
            lx->p++;
        idl_error(lx->diag, t->loc, "invalid suffix '%.*s' on integer constant", (int)(lx->p - q), q);
    }
}

void lexer_next(idl_lexer *lx, idl_token *t)
{
    memset(t, 0, sizeof *t);
    skip_space(lx);
    t->loc = here(lx);
    if (lx->p >= lx->end) {
        t->kind = TK_EOF;
        t->text = "end of file";
        return;
    }
    lx->at_line_start = 0;
    unsigned char c = (unsigned char)*lx->p;
    if (isalpha(c) || c == '_') {
        const char *s = lx->p;
        while (lx->p < lx->end && (isalnum((unsigned char)*lx->p) || *lx->p == '_'))
            lx->p++;
        t->kind = TK_IDENT;
        t->len = (size_t)(lx->p - s);
        t->text = idl_strndup(lx->arena, s, t->len);
        return;
    }
    if (isdigit(c) || (c == '.' && isdigit(peekc(lx, 1)))) {
        lex_number(lx, t);
        return;
    }
    if (c == '"' || c == '\'') {
        lex_quoted(lx, t, (char)c);
        return;
    }
    static const struct {
        char a, b;
        int op;
    } two[] = {{'<', '<', OP_SHL}, {'>', '>', OP_SHR}, {'<', '=', OP_LE}, {'>', '=', OP_GE},
               {'=', '=', OP_EQ}, {'!', '=', OP_NE}, {'&', '&', OP_LAND}, {'|', '|', OP_LOR}};
    for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
        if (c == (unsigned char)two[i].a && peekc(lx, 1) == two[i].b) {
            lx->p += 2;
            t->kind = TK_PUNCT;
            t->punct = two[i].op;
            t->text = idl_strndup(lx->arena, lx->p - 2, 2);
            return;
        }
    }
    lx->p++;
    if (strchr("{}[]();,:*=+-/%<>&|^!~?.", c) && c) {
        t->kind = TK_PUNCT;
        t->punct = c;
        t->text = idl_strndup(lx->arena, (const char *)&c, 1);
        return;
    }
    t->kind = TK_ERROR;
    if (isprint(c)) {
        t->text = idl_strndup(lx->arena, (const char *)&c, 1);
        idl_error(lx->diag, t->loc, "stray '%c' in input", c);
    } else {
        t->text = idl_printf(lx->arena, "\\%03o", c);
        idl_error(lx->diag, t->loc, "stray '\\%03o' in input", c);
    }
}

const char *lexer_raw_until_paren(idl_lexer *lx, idl_loc *loc)
{
    skip_space(lx);
    *loc = here(lx);
    const char *s = lx->p;
    while (lx->p < lx->end && *lx->p != ')' && *lx->p != '\n' && *lx->p != ']' && *lx->p != ';')
        lx->p++;
    if (lx->p >= lx->end || *lx->p != ')')
        return NULL;
    const char *e = lx->p;
    while (e > s && isspace((unsigned char)e[-1]))
        e--;
    return idl_strndup(lx->arena, s, (size_t)(e - s));
}
