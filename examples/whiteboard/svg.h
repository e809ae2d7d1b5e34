/*
 * svg.h - a board as an SVG image (whiteboard --export FILE).
 */
#ifndef WB_SVG_H
#define WB_SVG_H

#include <stdio.h>

#include "stroke.h"

/*
 * wb_svg_write - an SVG document of the board's strokes, in order (later
 * strokes on top), WB_BOARD_W x WB_BOARD_H user units on a white
 * background. Each stroke is a polyline with round caps and joins (one
 * point: a dot). title goes into <title> (escaped). 0, or -1 if a write
 * failed (errno set).
 */
int wb_svg_write(FILE *f, const char *title, const wb_stroke *const *strokes, size_t n);

#endif
