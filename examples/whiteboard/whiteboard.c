/*
 * whiteboard.c - the whiteboard client's command line.
 *
 *   whiteboard [--board NAME] [--server PROGID]          draw in the terminal
 *   whiteboard [...] --draw FILE|- [--watch] [--export FILE.svg]
 *   whiteboard [...] --watch                             print changes as they come
 *   whiteboard [...] --export FILE.svg                   save the board as SVG
 *
 * See docs/whiteboard.md.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"

static void usage(FILE *f)
{
    fputs("usage: whiteboard [--board NAME] [--server PROGID|{CLSID}] [--log FILE]\n"
          "       whiteboard [--board NAME] [--server ...] [--draw FILE|-] [--watch] [--export FILE.svg]\n"
          "  (no mode)      the interactive board: mouse or arrows + space to draw,\n"
          "                 1-8 colour, +/- pen, c clear, q quit\n"
          "  --draw FILE    add the strokes of FILE (lines: 'stroke COLOUR WIDTH X,Y ...',\n"
          "                 'clear', 'sleep MS'; '-' reads stdin)\n"
          "  --watch        print the board, then every change others make, until SIGINT/SIGTERM\n"
          "  --export FILE  write the whole board as an SVG image\n"
          "  --board NAME   the board to use (default \"default\"); --server the class\n"
          "  --log FILE     where error messages go while the terminal UI runs (default: discarded)\n",
          f);
}

int main(int argc, char **argv)
{
    wb_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--watch")) {
            o.watch = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--board"))
            slot = &o.board;
        else if (!strcmp(a, "--server"))
            slot = &o.server;
        else if (!strcmp(a, "--draw"))
            slot = &o.draw;
        else if (!strcmp(a, "--export"))
            slot = &o.export_svg;
        else if (!strcmp(a, "--log"))
            slot = &o.log;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "whiteboard: %s '%s'\n", slot ? "missing a value after" : "unknown argument", a);
            usage(stderr);
            return 2;
        }
        *slot = argv[++i];
    }
    if (o.draw || o.watch || o.export_svg)
        return wb_headless(&o);
    return wb_interactive(&o);
}
