/*
 * app.h - the whiteboard client program's modes (whiteboard.c parses the
 * command line and picks one).
 */
#ifndef WB_APP_H
#define WB_APP_H

typedef struct wb_opts {
    const char *server;   /* --server PROGID|{CLSID} (NULL: Whiteboard.Server) */
    const char *board;    /* --board NAME (NULL: "default") */
    const char *draw;     /* --draw FILE ("-": stdin) */
    const char *export_svg; /* --export FILE.svg */
    const char *log;      /* --log FILE: stderr while the terminal UI runs */
    int watch;            /* --watch */
} wb_opts;

/* The scripted modes (--draw, --watch, --export); the exit status. */
int wb_headless(const wb_opts *o);

/* The interactive terminal whiteboard; the exit status. */
int wb_interactive(const wb_opts *o);

#endif
