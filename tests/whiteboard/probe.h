/*
 * probe.h - whiteboard test clients in processes of their own. A probe is
 * the program wbprobe (wbprobe.c), started with its stdin and stdout on
 * pipes; it opens a session on a board, registers a callback that writes
 * every call it gets as a line to stdout, and obeys commands from stdin:
 *
 *   add ID     AddStroke of a stroke whose colour is ID   -> "A seq"
 *   bad K      AddStroke of malformed item K (probe_bad_item) -> "A seq" | "E hr"
 *   clear      Clear                                       -> "K seq"
 *   count      StrokeCount and ClientCount                 -> "N strokes clients"
 *   quit       UnregisterClient, release, exit(0)
 *
 * Lines it writes on its own: at start "O tag" for every item of its
 * snapshot then "R seq n serverpid"; for every callback "S seq tag" or
 * "C seq". A tag is a stroke's colour in decimal, or "bad" for an item
 * that is not a stroke.
 */
#ifndef WB_TEST_PROBE_H
#define WB_TEST_PROBE_H

#include <stdint.h>
#include <sys/types.h>

#include "client.h"

typedef struct probe {
    pid_t pid;
    int cmd;      /* we write commands */
    int out;      /* we read its lines */
    char buf[8192];
    size_t len;
    long seq;     /* from its "R" line */
    long items;
    long server_pid;
} probe;

/* probe_start - starts a probe on board ($BUILD/tests/whiteboard/wbprobe)
 * and waits for its "R" line. NULL (with a message on stderr) if it failed. */
probe *probe_start(const char *board);

/* probe_cmd - sends one command line. */
void probe_cmd(probe *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* probe_line - the next line (without newline) within timeout_ms, as a
 * hang guard; 0 on timeout or end of file. */
int probe_line(probe *p, char *line, size_t n, int timeout_ms);

/* probe_quit - "quit", then its exit status (0 expected); frees p. */
int probe_quit(probe *p);

/* probe_kill - SIGKILL, reaped; frees p. */
void probe_kill(probe *p);

/* Malformed items: kind 0..PROBE_BAD_KINDS-1; *v overwritten. Returns what
 * wb_stroke_from_variant must answer for it. */
#define PROBE_BAD_KINDS 10
HRESULT probe_bad_item(int kind, VARIANT *v);

/* probe_stroke - a valid stroke VARIANT tagged id (its colour). */
HRESULT probe_stroke(long id, VARIANT *v);

/* A monotonic clock in ms. */
int64_t probe_now_ms(void);

#endif
