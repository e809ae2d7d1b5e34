/*
 * svg.c - SVG export. The output depends only on the strokes, so a board
 * drawn by scripts exports to the same bytes every time.
 */
#include "svg.h"

static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\n' || *s == '\t')
                fputc(*s, f);
        }
    }
}

int wb_svg_write(FILE *f, const char *title, const wb_stroke *const *strokes, size_t n)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n",
            WB_BOARD_W, WB_BOARD_H, WB_BOARD_W, WB_BOARD_H);
    fputs("<title>", f);
    put_escaped(f, title ? title : "whiteboard");
    fputs("</title>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", WB_BOARD_W, WB_BOARD_H);
    fputs("<g fill=\"none\" stroke-linecap=\"round\" stroke-linejoin=\"round\">\n", f);
    for (size_t i = 0; i < n; i++) {
        const wb_stroke *s = strokes[i];
        if (s->npoints == 1) {
            fprintf(f, "<circle cx=\"%ld\" cy=\"%ld\" r=\"%g\" fill=\"#%06lx\"/>\n", (long)s->points[0].x,
                    (long)s->points[0].y, s->width / 2.0, (unsigned long)s->colour);
            continue;
        }
        fprintf(f, "<polyline stroke=\"#%06lx\" stroke-width=\"%ld\" points=\"", (unsigned long)s->colour,
                (long)s->width);
        for (size_t k = 0; k < s->npoints; k++)
            fprintf(f, "%s%ld,%ld", k ? " " : "", (long)s->points[k].x, (long)s->points[k].y);
        fputs("\"/>\n", f);
    }
    fputs("</g>\n</svg>\n", f);
    return ferror(f) ? -1 : 0;
}
