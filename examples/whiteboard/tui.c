/*
 * tui.c - the interactive terminal whiteboard (ncurses).
 *
 * Draw with the mouse (press, drag, release makes a stroke) or the keyboard
 * (arrows move the cursor, shift+arrows move faster, space puts the pen
 * down and lifts it again, which sends the stroke; Esc drops it). 1-8 pick
 * a colour, + and - the pen, c clears the board, q (or Ctrl-C) quits. The
 * board is drawn in braille dots (2 x 4 per character) scaled to the
 * terminal, and redrawn when the terminal is resized.
 *
 * The callback object lives in this thread's single-threaded apartment,
 * and the apartment's descriptor sits in the poll() set next to stdin:
 * other clients' strokes are drawn as soon as they arrive, on this thread,
 * with no polling of the server and no hidden dispatch thread. Our own
 * outgoing calls (AddStroke, Clear) dispatch callbacks while they wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "canvas.h"
#include "client.h"
#include "replica.h"
#include "textfmt.h"

#define PROG "whiteboard"

static const LONG pen_widths[] = {2, 4, 8, 16, 32};
#define NPENS (sizeof pen_widths / sizeof pen_widths[0])

typedef struct tui {
    wb_session s;
    wb_replica *r;
    IScribbleClient *sink;
    wb_canvas canvas;
    const char *board;
    int full;           /* re-rasterize every stroke */
    int dirty;          /* repaint the screen */
    int utf8;           /* braille, or '#' cells */
    wb_point *pts;      /* the stroke being drawn */
    size_t npts, cap;
    int pen;            /* 0 up, 1 mouse button down, 2 keyboard pen down */
    int cx, cy;         /* the keyboard cursor, in canvas cells */
    size_t colour;      /* palette index */
    size_t width;       /* pen_widths index */
    char msg[200];      /* the status line's note */
} tui;

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* Colours ------------------------------------------------------------------------- */

/* The palette entry nearest an RGB colour (strokes from other clients may
 * use any colour); pair i + 1 draws entry i. */
static size_t nearest(ULONG rgb)
{
    size_t best = 0;
    long bestd = -1;
    for (size_t i = 0; i < wb_palette_size; i++) {
        long dr = (long)(rgb >> 16 & 0xFF) - (long)(wb_palette[i].rgb >> 16 & 0xFF);
        long dg = (long)(rgb >> 8 & 0xFF) - (long)(wb_palette[i].rgb >> 8 & 0xFF);
        long db = (long)(rgb & 0xFF) - (long)(wb_palette[i].rgb & 0xFF);
        long d = dr * dr + dg * dg + db * db;
        if (bestd < 0 || d < bestd) {
            bestd = d;
            best = i;
        }
    }
    return best;
}

/* The terminal colour for an RGB: the 256-colour cube when there is one. */
static short term_colour(ULONG rgb)
{
    static const short basic[] = {COLOR_BLACK, COLOR_RED, COLOR_GREEN, COLOR_BLUE,
                                  COLOR_YELLOW, COLOR_MAGENTA, COLOR_CYAN, COLOR_YELLOW};
    if (rgb == wb_palette[0].rgb)
        return -1; /* "black" ink: the terminal's own foreground, visible on dark and light */
    if (COLORS >= 256) {
        int r = (int)(rgb >> 16 & 0xFF) * 5 / 255, g = (int)(rgb >> 8 & 0xFF) * 5 / 255, b = (int)(rgb & 0xFF) * 5 / 255;
        return (short)(16 + 36 * r + 6 * g + b);
    }
    return basic[nearest(rgb) % (sizeof basic / sizeof basic[0])];
}

static void init_colours(void)
{
    if (!has_colors())
        return;
    start_color();
    use_default_colors();
    for (size_t i = 0; i < wb_palette_size && (int)i + 1 < COLOR_PAIRS; i++)
        init_pair((short)(i + 1), term_colour(wb_palette[i].rgb), -1);
}

/* Drawing ------------------------------------------------------------------------- */

static void layout(tui *t)
{
    /* A one-cell frame around the board and the status line below it. */
    if (wb_canvas_resize(&t->canvas, COLS - 2, LINES - 3))
        snprintf(t->msg, sizeof t->msg, "out of memory for the canvas");
    if (t->cx >= t->canvas.cols)
        t->cx = t->canvas.cols - 1;
    if (t->cy >= t->canvas.rows)
        t->cy = t->canvas.rows - 1;
    t->full = 1;
}

static void raster_all(tui *t)
{
    wb_canvas_clear(&t->canvas);
    wb_replica_lock(t->r);
    for (size_t i = 0; i < wb_replica_count(t->r); i++) {
        const wb_item *it = wb_replica_item(t->r, i);
        if (SUCCEEDED(it->hr))
            wb_canvas_stroke(&t->canvas, &it->stroke, (uint8_t)nearest(it->stroke.colour));
    }
    wb_replica_unlock(t->r);
    if (t->npts) {
        wb_stroke s = {wb_palette[t->colour].rgb, pen_widths[t->width], t->npts, t->pts};
        wb_canvas_stroke(&t->canvas, &s, (uint8_t)t->colour);
    }
    t->full = 0;
}

static void status(tui *t)
{
    char line[512];
    size_t n, bad;
    wb_replica_lock(t->r);
    n = wb_replica_count(t->r);
    bad = wb_replica_rejected(t->r);
    wb_replica_unlock(t->r);
    int k = snprintf(line, sizeof line, " board %s | %zu strokes", t->board, n - bad);
    if (bad)
        k += snprintf(line + k, sizeof line - (size_t)k, " (+%zu items that are not strokes)", bad);
    k += snprintf(line + k, sizeof line - (size_t)k, " | %zu %s | pen %ld%s | %s", t->colour + 1,
                  wb_palette[t->colour].name, (long)pen_widths[t->width], t->pen == 2 ? " DOWN" : "",
                  t->msg[0] ? t->msg : "mouse or arrows+space draw, 1-8 colour, +/- pen, c clear, q quit");
    (void)k;
    attrset(A_REVERSE);
    mvhline(LINES - 1, 0, ' ', COLS);
    mvaddnstr(LINES - 1, 0, line, COLS);
    attrset(A_NORMAL);
}

static void paint(tui *t)
{
    int x0, y0, x1, y1;
    if (t->full)
        raster_all(t);
    erase();
    wb_canvas_board_cells(&t->canvas, &x0, &y0, &x1, &y1);
    attrset(A_DIM);
    mvhline(y0, x0 + 1, ACS_HLINE, x1 - x0 + 1);
    mvhline(y1 + 2, x0 + 1, ACS_HLINE, x1 - x0 + 1);
    mvvline(y0 + 1, x0, ACS_VLINE, y1 - y0 + 1);
    mvvline(y0 + 1, x1 + 2, ACS_VLINE, y1 - y0 + 1);
    mvaddch(y0, x0, ACS_ULCORNER);
    mvaddch(y0, x1 + 2, ACS_URCORNER);
    mvaddch(y1 + 2, x0, ACS_LLCORNER);
    mvaddch(y1 + 2, x1 + 2, ACS_LRCORNER);
    attrset(A_NORMAL);
    for (int y = 0; y < t->canvas.rows; y++)
        for (int x = 0; x < t->canvas.cols; x++) {
            const wb_cell *c = &t->canvas.cells[(size_t)y * (size_t)t->canvas.cols + (size_t)x];
            char glyph[4] = "#";
            if (!c->dots)
                continue;
            if (t->utf8)
                wb_braille_utf8(c->dots, glyph);
            attrset(has_colors() ? COLOR_PAIR(c->colour + 1) : A_NORMAL);
            mvaddstr(y + 1, x + 1, glyph);
        }
    attrset(A_NORMAL);
    status(t);
    move(t->cy + 1, t->cx + 1);
    wnoutrefresh(stdscr);
    doupdate();
    t->dirty = 0;
}

/* Replica listener: on this thread (callbacks run in our apartment). */
static void on_change(void *ctx, const wb_change *c)
{
    tui *t = ctx;
    if (c->kind == WB_CHANGE_ITEM && SUCCEEDED(c->item->hr) && !t->full)
        wb_canvas_stroke(&t->canvas, &c->item->stroke, (uint8_t)nearest(c->item->stroke.colour));
    else if (c->kind != WB_CHANGE_ITEM)
        t->full = 1;
    t->dirty = 1;
}

static void fwd_stroke(void *ctx, LONG seq, const VARIANT *item)
{
    wb_replica_on_stroke(ctx, seq, item);
}

static void fwd_clear(void *ctx, LONG seq)
{
    wb_replica_on_clear(ctx, seq);
}

/* Input ------------------------------------------------------------------------------- */

static void note(tui *t, const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    snprintf(t->msg, sizeof t->msg, "%s failed: 0x%08X %s", what, (unsigned)hr, why ? why : comrt_hresult_message(hr));
    CoTaskMemFree(why);
}

/* Adds the board point under canvas cell (x, y) to the stroke being drawn. */
static void add_point(tui *t, int x, int y)
{
    if (x < 0 || y < 0 || x >= t->canvas.cols || y >= t->canvas.rows || t->npts == WB_MAX_POINTS)
        return;
    wb_point p = wb_canvas_from_dot(&t->canvas, 2 * x, 4 * y + 1);
    if (t->npts && t->pts[t->npts - 1].x == p.x && t->pts[t->npts - 1].y == p.y)
        return;
    if (t->npts == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        wb_point *np = realloc(t->pts, cap * sizeof *np);
        if (!np)
            return;
        t->pts = np;
        t->cap = cap;
    }
    t->pts[t->npts++] = p;
    /* Drawn locally at once; the server is told when the pen lifts. */
    wb_stroke s = {wb_palette[t->colour].rgb, pen_widths[t->width], t->npts > 1 ? 2 : 1,
                   &t->pts[t->npts > 1 ? t->npts - 2 : 0]};
    wb_canvas_stroke(&t->canvas, &s, (uint8_t)t->colour);
    t->dirty = 1;
}

static void send_stroke(tui *t)
{
    wb_stroke s = {wb_palette[t->colour].rgb, pen_widths[t->width], t->npts, t->pts};
    VARIANT v;
    LONG seq = 0;
    t->pen = 0;
    if (!t->npts)
        return;
    HRESULT hr = wb_variant_from_stroke(&s, &v);
    if (SUCCEEDED(hr))
        hr = IScribbleServer_AddStroke(t->s.server, v, &seq); /* callbacks may run meanwhile */
    if (SUCCEEDED(hr)) {
        t->npts = 0;
        wb_replica_add_own(t->r, seq, &v);
        t->msg[0] = '\0';
    } else {
        note(t, "AddStroke", hr);
        t->npts = 0;
        t->full = 1;
    }
    VariantClear(&v);
    t->dirty = 1;
}

static void clear_board(tui *t)
{
    LONG seq = 0;
    HRESULT hr = IScribbleServer_Clear(t->s.server, &seq);
    if (SUCCEEDED(hr))
        wb_replica_clear_own(t->r, seq);
    else
        note(t, "Clear", hr);
    t->full = t->dirty = 1;
}

static void on_mouse(tui *t)
{
    MEVENT ev;
    if (getmouse(&ev) != OK)
        return;
    int x = ev.x - 1, y = ev.y - 1;
    if (ev.bstate & BUTTON1_PRESSED) {
        if (t->pen == 2)
            send_stroke(t);
        t->pen = 1;
        t->npts = 0;
        add_point(t, x, y);
    } else if (t->pen == 1 && (ev.bstate & REPORT_MOUSE_POSITION)) {
        add_point(t, x, y);
    } else if (t->pen == 1 && (ev.bstate & BUTTON1_RELEASED)) {
        add_point(t, x, y);
        send_stroke(t);
    }
    if (x >= 0 && y >= 0 && x < t->canvas.cols && y < t->canvas.rows) {
        t->cx = x;
        t->cy = y;
    }
}

static void move_cursor(tui *t, int dx, int dy)
{
    int x = t->cx + dx, y = t->cy + dy;
    t->cx = x < 0 ? 0 : x >= t->canvas.cols ? t->canvas.cols - 1 : x;
    t->cy = y < 0 ? 0 : y >= t->canvas.rows ? t->canvas.rows - 1 : y;
    if (t->pen == 2)
        add_point(t, t->cx, t->cy);
    t->dirty = 1;
}

/* One key; 1 to quit. */
static int on_key(tui *t, int ch)
{
    switch (ch) {
    case 'q': case 'Q': case 3: /* Ctrl-C */
        return 1;
    case KEY_RESIZE:
        layout(t);
        break;
    case KEY_MOUSE:
        on_mouse(t);
        break;
    case KEY_LEFT: move_cursor(t, -1, 0); break;
    case KEY_RIGHT: move_cursor(t, 1, 0); break;
    case KEY_UP: move_cursor(t, 0, -1); break;
    case KEY_DOWN: move_cursor(t, 0, 1); break;
    case KEY_SLEFT: move_cursor(t, -4, 0); break;
    case KEY_SRIGHT: move_cursor(t, 4, 0); break;
    case KEY_SR: move_cursor(t, 0, -4); break;
    case KEY_SF: move_cursor(t, 0, 4); break;
    case ' ':
        if (t->pen == 2) {
            send_stroke(t);
        } else {
            t->pen = 2;
            t->npts = 0;
            add_point(t, t->cx, t->cy);
        }
        break;
    case '\n': case KEY_ENTER:
        if (t->pen == 2)
            send_stroke(t);
        break;
    case 27: /* Esc: drop the stroke being drawn */
        t->pen = 0;
        t->npts = 0;
        t->full = 1;
        break;
    case '+': case '=':
        t->width = t->width + 1 < NPENS ? t->width + 1 : t->width;
        break;
    case '-':
        t->width = t->width ? t->width - 1 : 0;
        break;
    case 'c': case 'C':
        clear_board(t);
        break;
    default:
        if (ch >= '1' && ch < '1' + (int)wb_palette_size)
            t->colour = (size_t)(ch - '1');
        else
            return 0;
    }
    t->dirty = 1;
    return 0;
}

/* The program --------------------------------------------------------------------------- */

static int run(tui *t)
{
    int comfd = -1, quit = 0;
    HRESULT hr = comrt_apartment_get_fd(&comfd);
    if (FAILED(hr))
        return wb_report(PROG, "comrt_apartment_get_fd", hr);
    initscr();
    raw();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    mousemask(BUTTON1_PRESSED | BUTTON1_RELEASED | REPORT_MOUSE_POSITION, NULL);
    mouseinterval(0);
    /* Button-event tracking: the terminal reports motion while a button is down. */
    fputs("\033[?1002h", stdout);
    fflush(stdout);
    init_colours();
    t->cx = (COLS - 2) / 2;
    t->cy = (LINES - 3) / 2;
    layout(t);
    t->dirty = 1;
    while (!quit && !stop_requested) {
        if (t->dirty || t->full)
            paint(t);
        struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {comfd, POLLIN, 0}};
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents & POLLIN)
            comrt_apartment_dispatch_pending(); /* IScribbleClient calls run here */
        for (int ch; !quit && (ch = getch()) != ERR;)
            quit = on_key(t, ch);
    }
    fputs("\033[?1002l", stdout);
    fflush(stdout);
    endwin();
    return 0;
}

int wb_interactive(const wb_opts *o)
{
    tui t = {0};
    wb_replica_listener l = {on_change, &t};
    wb_sink_handler h = {fwd_stroke, fwd_clear, NULL};
    int saved_err = -1, rc = 1;
    HRESULT hr;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, PROG ": the interactive board needs a terminal; scripts use --draw, --watch or --export\n");
        return 2;
    }
    setlocale(LC_ALL, "");
    t.utf8 = MB_CUR_MAX > 1;
    t.board = o->board ? o->board : "default";
    t.width = 1;
    struct sigaction sa = {0};
    sa.sa_handler = on_stop; /* no SA_RESTART: poll returns and the loop ends */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* While curses owns the terminal, messages (ours and those of a server
     * launched from here, which inherits stderr) go to the log. */
    int log = open(o->log ? o->log : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    saved_err = dup(STDERR_FILENO);
    if (log < 0 || saved_err < 0) {
        fprintf(stderr, PROG ": cannot open the log %s\n", o->log ? o->log : "/dev/null");
        return 1;
    }
    dup2(log, STDERR_FILENO);
    close(log);

    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(hr))
        goto report;
    if (FAILED(hr = wb_replica_create(1, &l, &t.r)))
        goto report;
    h.ctx = t.r;
    if (FAILED(hr = wb_sink_create(&h, &t.sink)))
        goto report;
    if (FAILED(hr = wb_session_open(&t.s, o->server, o->board, t.sink)) || FAILED(hr = wb_replica_load(t.r, t.s.server)))
        goto report;
    rc = run(&t);
    goto out;
report:;
    char *why = comrt_error_take_description();
    dprintf(saved_err, PROG ": connecting to the whiteboard server failed: 0x%08X %s\n%s%s", (unsigned)hr,
            comrt_hresult_message(hr), why ? why : "", why ? "\n" : "");
    CoTaskMemFree(why);
out:
    wb_session_close(&t.s);
    if (t.sink) {
        wb_sink_detach(t.sink);
        IScribbleClient_Release(t.sink);
    }
    wb_replica_free(t.r);
    wb_canvas_free(&t.canvas);
    free(t.pts);
    CoUninitialize();
    dup2(saved_err, STDERR_FILENO);
    close(saved_err);
    return rc;
}
