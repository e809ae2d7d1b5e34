/*
 * canvas.h - a board rendered at sub-cell resolution for a text terminal:
 * every character cell holds 2 x 4 dots (a Unicode braille pattern) and
 * one colour, the colour of the last stroke that touched it. The board
 * (WB_BOARD_W x WB_BOARD_H units) is scaled to fit the dot grid with its
 * aspect kept, and centred; the mapping goes both ways, so mouse and
 * cursor positions become board points. No curses here: tui.c draws it.
 */
#ifndef WB_CANVAS_H
#define WB_CANVAS_H

#include <stddef.h>
#include <stdint.h>

#include "stroke.h"

typedef struct wb_cell {
    uint8_t dots;   /* braille bits: U+2800 + dots */
    uint8_t colour; /* the caller's colour index of the latest stroke here */
} wb_cell;

typedef struct wb_canvas {
    int cols, rows;       /* cells */
    wb_cell *cells;       /* rows * cols */
    double scale;         /* dots per board unit */
    double ox, oy;        /* the board's top-left corner, in dots */
} wb_canvas;

/* wb_canvas_resize - cols x rows cells, cleared; -1 if out of memory. */
int wb_canvas_resize(wb_canvas *c, int cols, int rows);
void wb_canvas_free(wb_canvas *c);
void wb_canvas_clear(wb_canvas *c);

/* wb_canvas_stroke - draws s (its width scaled; at least one dot wide). */
void wb_canvas_stroke(wb_canvas *c, const wb_stroke *s, uint8_t colour);

/* Board point <-> dot; a dot outside the board clamps to its edge. */
void wb_canvas_to_dot(const wb_canvas *c, wb_point p, int *dx, int *dy);
wb_point wb_canvas_from_dot(const wb_canvas *c, int dx, int dy);

/* The board's extent in cells (for a frame around it). */
void wb_canvas_board_cells(const wb_canvas *c, int *x0, int *y0, int *x1, int *y1);

/* wb_braille_utf8 - the UTF-8 text of the braille pattern dots (4 bytes with NUL). */
void wb_braille_utf8(uint8_t dots, char out[4]);

#endif
