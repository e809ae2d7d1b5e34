/*
 * canvas.c - rasterizing strokes into braille dots (see canvas.h).
 */
#include "canvas.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bit of dot (x, y) of a cell, x 0..1, y 0..3 (Unicode's braille order). */
static const uint8_t dot_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

int wb_canvas_resize(wb_canvas *c, int cols, int rows)
{
    if (cols < 1)
        cols = 1;
    if (rows < 1)
        rows = 1;
    wb_cell *cells = calloc((size_t)cols * (size_t)rows, sizeof *cells);
    if (!cells)
        return -1;
    free(c->cells);
    c->cells = cells;
    c->cols = cols;
    c->rows = rows;
    double w = 2.0 * cols, h = 4.0 * rows;
    c->scale = fmin((w - 1) / WB_BOARD_W, (h - 1) / WB_BOARD_H);
    c->ox = (w - 1 - WB_BOARD_W * c->scale) / 2;
    c->oy = (h - 1 - WB_BOARD_H * c->scale) / 2;
    return 0;
}

void wb_canvas_free(wb_canvas *c)
{
    free(c->cells);
    memset(c, 0, sizeof *c);
}

void wb_canvas_clear(wb_canvas *c)
{
    memset(c->cells, 0, (size_t)c->cols * (size_t)c->rows * sizeof *c->cells);
}

static void plot(wb_canvas *c, int x, int y, uint8_t colour)
{
    if (x < 0 || y < 0 || x >= 2 * c->cols || y >= 4 * c->rows)
        return;
    wb_cell *cell = &c->cells[(size_t)(y / 4) * (size_t)c->cols + (size_t)(x / 2)];
    cell->dots |= dot_bit[y % 4][x % 2];
    cell->colour = colour;
}

/* A round pen of radius r dots at (x, y); r 0 is one dot. */
static void stamp(wb_canvas *c, int x, int y, int r, uint8_t colour)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (dx * dx + dy * dy <= r * r + r)
                plot(c, x + dx, y + dy, colour);
}

/* Bresenham from (x0, y0) to (x1, y1), stamping the pen at every step. */
static void line(wb_canvas *c, int x0, int y0, int x1, int y1, int r, uint8_t colour)
{
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        stamp(c, x0, y0, r, colour);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

void wb_canvas_to_dot(const wb_canvas *c, wb_point p, int *dx, int *dy)
{
    *dx = (int)lround(c->ox + p.x * c->scale);
    *dy = (int)lround(c->oy + p.y * c->scale);
}

wb_point wb_canvas_from_dot(const wb_canvas *c, int dx, int dy)
{
    long x = c->scale > 0 ? lround((dx - c->ox) / c->scale) : 0;
    long y = c->scale > 0 ? lround((dy - c->oy) / c->scale) : 0;
    wb_point p = {(LONG)(x < 0 ? 0 : x > WB_BOARD_W ? WB_BOARD_W : x),
                  (LONG)(y < 0 ? 0 : y > WB_BOARD_H ? WB_BOARD_H : y)};
    return p;
}

void wb_canvas_stroke(wb_canvas *c, const wb_stroke *s, uint8_t colour)
{
    if (!c->cells || !s->npoints)
        return;
    int r = (int)lround(s->width * c->scale / 2 - 0.5);
    if (r < 0)
        r = 0;
    int px, py;
    wb_canvas_to_dot(c, s->points[0], &px, &py);
    stamp(c, px, py, r, colour);
    for (size_t i = 1; i < s->npoints; i++) {
        int x, y;
        wb_canvas_to_dot(c, s->points[i], &x, &y);
        line(c, px, py, x, y, r, colour);
        px = x;
        py = y;
    }
}

void wb_canvas_board_cells(const wb_canvas *c, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = (int)floor(c->ox / 2);
    *y0 = (int)floor(c->oy / 4);
    *x1 = (int)floor((c->ox + WB_BOARD_W * c->scale) / 2);
    *y1 = (int)floor((c->oy + WB_BOARD_H * c->scale) / 4);
}

void wb_braille_utf8(uint8_t dots, char out[4])
{
    unsigned cp = 0x2800u + dots;
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    out[3] = '\0';
}
