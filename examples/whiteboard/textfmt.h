/*
 * textfmt.h - strokes as lines of text: what `whiteboard --draw FILE` reads
 * and `whiteboard --watch` prints (so a watch log replays as a draw file).
 *
 *   # a comment; blank lines are ignored
 *   stroke COLOUR WIDTH X,Y [X,Y ...]    COLOUR: #rrggbb or a palette name
 *   clear                                 clear the board
 *   sleep MS                              pause (0..60000 ms) before the next line
 *
 * After the keyword, a token "seq=N" or "old" (what --watch prints) is
 * ignored. Coordinates are board units (stroke.h: 0..1000 x 0..600).
 */
#ifndef WB_TEXTFMT_H
#define WB_TEXTFMT_H

#include <stdio.h>

#include "stroke.h"

typedef enum wb_line_kind { WB_LINE_NONE, WB_LINE_STROKE, WB_LINE_CLEAR, WB_LINE_SLEEP } wb_line_kind;

typedef struct wb_line {
    wb_line_kind kind;
    wb_stroke stroke; /* WB_LINE_STROKE: owned by the caller (wb_stroke_free) */
    long ms;          /* WB_LINE_SLEEP */
} wb_line;

/*
 * wb_line_parse - one line (without or with its newline). 0 on success
 * (WB_LINE_NONE for a blank or comment line), -1 with a reason in err.
 */
int wb_line_parse(const char *line, wb_line *out, char *err, size_t errlen);

/* wb_stroke_print - "COLOUR WIDTH X,Y ..." (no newline). */
void wb_stroke_print(FILE *f, const wb_stroke *s);

/* The palette the terminal client offers (names usable in files). */
typedef struct wb_colour {
    const char *name;
    ULONG rgb;
} wb_colour;
extern const wb_colour wb_palette[];
extern const size_t wb_palette_size;

/* wb_colour_parse - "#rrggbb" or a palette name; 0 on success. */
int wb_colour_parse(const char *text, ULONG *rgb);

#endif
