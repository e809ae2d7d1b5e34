/*
 * textfmt.c - the line format of stroke files (see textfmt.h).
 */
#include "textfmt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const wb_colour wb_palette[] = {
    {"black", 0x202020}, {"red", 0xE03030},    {"green", 0x20A040}, {"blue", 0x3060E0},
    {"orange", 0xF09020}, {"purple", 0xA040C0}, {"cyan", 0x20B0C0}, {"brown", 0x8B5A2B},
};
const size_t wb_palette_size = sizeof wb_palette / sizeof wb_palette[0];

int wb_colour_parse(const char *text, ULONG *rgb)
{
    if (text[0] == '#') {
        char *end;
        if (strlen(text) != 7)
            return -1;
        unsigned long v = strtoul(text + 1, &end, 16);
        if (*end || !isxdigit((unsigned char)text[1]))
            return -1;
        *rgb = (ULONG)v;
        return 0;
    }
    for (size_t i = 0; i < wb_palette_size; i++)
        if (!strcasecmp(text, wb_palette[i].name)) {
            *rgb = wb_palette[i].rgb;
            return 0;
        }
    return -1;
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Parses a long from the whole of tok within [lo, hi]. */
static int number(const char *tok, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(tok, &end, 10);
    if (end == tok || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_stroke(char *save, wb_line *out, char *err, size_t errlen)
{
    char *tok = strtok_r(NULL, " \t\r\n", &save);
    wb_stroke *s = &out->stroke;
    size_t cap = 0;
    long w;

    if (tok && (!strncmp(tok, "seq=", 4) || !strcmp(tok, "old")))
        tok = strtok_r(NULL, " \t\r\n", &save);
    if (!tok || wb_colour_parse(tok, &s->colour))
        return bad(err, errlen, "expected a colour (#rrggbb or a name), got '%s'", tok ? tok : "");
    tok = strtok_r(NULL, " \t\r\n", &save);
    if (!tok || number(tok, 1, WB_MAX_WIDTH, &w))
        return bad(err, errlen, "expected a pen width 1..%d, got '%s'", WB_MAX_WIDTH, tok ? tok : "");
    s->width = (LONG)w;
    while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
        char *comma = strchr(tok, ',');
        long x, y;
        if (!comma)
            goto badpoint;
        *comma = '\0';
        if (number(tok, 0, WB_BOARD_W, &x) || number(comma + 1, 0, WB_BOARD_H, &y)) {
            *comma = ',';
            goto badpoint;
        }
        if (s->npoints == WB_MAX_POINTS)
            return bad(err, errlen, "more than %d points", WB_MAX_POINTS);
        if (s->npoints == cap) {
            cap = cap ? cap * 2 : 16;
            wb_point *p = realloc(s->points, cap * sizeof *p);
            if (!p)
                return bad(err, errlen, "out of memory");
            s->points = p;
        }
        s->points[s->npoints].x = (LONG)x;
        s->points[s->npoints].y = (LONG)y;
        s->npoints++;
    }
    if (!s->npoints)
        return bad(err, errlen, "a stroke needs at least one point");
    return 0;
badpoint:
    return bad(err, errlen, "expected a point X,Y within 0..%d,0..%d, got '%s'", WB_BOARD_W, WB_BOARD_H, tok);
}

int wb_line_parse(const char *line, wb_line *out, char *err, size_t errlen)
{
    char *copy = strdup(line), *save = NULL;
    int rc = 0;

    memset(out, 0, sizeof *out);
    if (!copy)
        return bad(err, errlen, "out of memory");
    char *kw = strtok_r(copy, " \t\r\n", &save);
    if (!kw || kw[0] == '#') {
        out->kind = WB_LINE_NONE;
    } else if (!strcmp(kw, "stroke")) {
        out->kind = WB_LINE_STROKE;
        rc = parse_stroke(save, out, err, errlen);
        if (rc)
            wb_stroke_free(&out->stroke);
    } else if (!strcmp(kw, "clear")) {
        out->kind = WB_LINE_CLEAR;
    } else if (!strcmp(kw, "sleep")) {
        char *tok = strtok_r(NULL, " \t\r\n", &save);
        out->kind = WB_LINE_SLEEP;
        if (!tok || number(tok, 0, 60000, &out->ms))
            rc = bad(err, errlen, "expected sleep 0..60000 (ms), got '%s'", tok ? tok : "");
    } else {
        rc = bad(err, errlen, "unknown keyword '%s' (stroke, clear, sleep)", kw);
    }
    free(copy);
    if (rc)
        out->kind = WB_LINE_NONE;
    return rc;
}

void wb_stroke_print(FILE *f, const wb_stroke *s)
{
    fprintf(f, "#%06lx %ld", (unsigned long)s->colour, (long)s->width);
    for (size_t i = 0; i < s->npoints; i++)
        fprintf(f, " %ld,%ld", (long)s->points[i].x, (long)s->points[i].y);
}
