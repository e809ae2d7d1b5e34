/*
 * board.c - the boards of one server: items in order, the change counter,
 * and the hand-off of each change to the board's fan-out list.
 *
 * A change is numbered and queued for every client under the board's lock,
 * so the order of every client's queue is the order of the numbers. Items
 * are kept as the events that announced them (shared, reference counted):
 * storing, queuing and replaying an item never copies it again.
 */
#include "board.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"

struct wb_board {
    pthread_mutex_t lock;
    char *name;
    wb_event **items;
    size_t nitems, cap, bytes;
    LONG seq;      /* the last change's number */
    wb_fanout *fanout;
};

static pthread_mutex_t boards_lock = PTHREAD_MUTEX_INITIALIZER;
static wb_board **boards;
static size_t nboards;
static wb_limits limits = WB_LIMITS_DEFAULT;

void wb_boards_init(const wb_limits *lim)
{
    limits = *lim;
}

static void free_items(wb_board *b)
{
    for (size_t i = 0; i < b->nitems; i++)
        wb_event_unref(b->items[i]);
    b->nitems = 0;
    b->bytes = 0;
}

void wb_boards_shutdown(int wait_ms)
{
    pthread_mutex_lock(&boards_lock);
    size_t kept = 0;
    for (size_t i = 0; i < nboards; i++) {
        wb_board *b = boards[i];
        if (!wb_fanout_destroy(b->fanout, wait_ms)) {
            boards[kept++] = b; /* a thread still uses the list: leave it */
            continue;
        }
        free_items(b);
        free(b->items);
        free(b->name);
        pthread_mutex_destroy(&b->lock);
        free(b);
    }
    nboards = kept;
    if (!kept) {
        free(boards);
        boards = NULL;
    }
    pthread_mutex_unlock(&boards_lock);
}

int wb_board_valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (name[i] < 0x21 || name[i] > 0x7e)
            return 0;
    return 1;
}

HRESULT wb_board_open(const char *name, wb_board **out)
{
    HRESULT hr = S_OK;
    wb_board *b = NULL;

    *out = NULL;
    if (!wb_board_valid_name(name))
        return comrt_error_set(E_INVALIDARG, "whiteboard: a board name is 1-64 printable ASCII characters");
    pthread_mutex_lock(&boards_lock);
    for (size_t i = 0; i < nboards; i++)
        if (!strcmp(boards[i]->name, name)) {
            *out = boards[i];
            goto out;
        }
    if (nboards >= limits.max_boards) {
        hr = comrt_error_set(E_OUTOFMEMORY, "whiteboard: this server has %zu boards, the most it keeps", nboards);
        goto out;
    }
    wb_board **t = realloc(boards, (nboards + 1) * sizeof *t);
    if (!t) {
        hr = E_OUTOFMEMORY;
        goto out;
    }
    boards = t;
    b = calloc(1, sizeof *b);
    if (!b || !(b->name = strdup(name)) || FAILED(hr = wb_fanout_create(&limits, name, &b->fanout))) {
        hr = E_OUTOFMEMORY;
        goto fail;
    }
    pthread_mutex_init(&b->lock, NULL);
    boards[nboards++] = b;
    *out = b;
    goto out;
fail:
    if (b)
        free(b->name);
    free(b);
out:
    pthread_mutex_unlock(&boards_lock);
    return hr;
}

const char *wb_board_name(const wb_board *b)
{
    return b->name;
}

wb_fanout *wb_board_fanout(wb_board *b)
{
    return b->fanout;
}

HRESULT wb_board_add(wb_board *b, const VARIANT *item, const void *author, LONG *seq)
{
    wb_event *e = NULL;
    size_t bytes = 0;
    HRESULT hr = wb_item_check(item, &bytes);

    *seq = 0;
    if (FAILED(hr))
        return hr;
    pthread_mutex_lock(&b->lock);
    if (b->nitems >= limits.max_items || b->bytes + bytes > limits.max_board_bytes) {
        hr = comrt_error_set(E_OUTOFMEMORY, "whiteboard: board %s is full (%zu items, %zu bytes): clear it",
                             b->name, b->nitems, b->bytes);
        goto out;
    }
    if (b->seq == 0x7fffffff) {
        hr = comrt_error_set(E_UNEXPECTED, "whiteboard: board %s has used up its change numbers", b->name);
        goto out;
    }
    if (b->nitems == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        wb_event **t = realloc(b->items, cap * sizeof *t);
        if (!t) {
            hr = E_OUTOFMEMORY;
            goto out;
        }
        b->items = t;
        b->cap = cap;
    }
    hr = wb_event_new(WB_EVENT_STROKE, b->seq + 1, item, bytes, &e);
    if (FAILED(hr))
        goto out;
    b->seq++;
    b->items[b->nitems++] = e; /* the board keeps the creation reference */
    b->bytes += bytes;
    wb_fanout_publish(b->fanout, e, author);
    *seq = b->seq;
out:
    pthread_mutex_unlock(&b->lock);
    return hr;
}

HRESULT wb_board_clear(wb_board *b, const void *author, LONG *seq)
{
    wb_event *e = NULL;
    HRESULT hr;

    *seq = 0;
    pthread_mutex_lock(&b->lock);
    if (b->seq == 0x7fffffff) {
        hr = comrt_error_set(E_UNEXPECTED, "whiteboard: board %s has used up its change numbers", b->name);
        goto out;
    }
    hr = wb_event_new(WB_EVENT_CLEAR, b->seq + 1, NULL, 0, &e);
    if (FAILED(hr))
        goto out;
    b->seq++;
    free_items(b);
    wb_fanout_publish(b->fanout, e, author);
    wb_event_unref(e);
    *seq = b->seq;
out:
    pthread_mutex_unlock(&b->lock);
    return hr;
}

HRESULT wb_board_snapshot(wb_board *b, LONG *seq, SAFEARRAY **items)
{
    wb_event **refs = NULL;
    size_t n;
    HRESULT hr = S_OK;

    *items = NULL;
    /* Take references under the lock, copy outside it: a large board does
     * not hold up AddStroke while it is copied. */
    pthread_mutex_lock(&b->lock);
    n = b->nitems;
    *seq = b->seq;
    if (n && !(refs = malloc(n * sizeof *refs))) {
        pthread_mutex_unlock(&b->lock);
        return E_OUTOFMEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        refs[i] = b->items[i];
        wb_event_ref(refs[i]);
    }
    pthread_mutex_unlock(&b->lock);

    SAFEARRAY *sa = SafeArrayCreateVector(VT_VARIANT, 0, (ULONG)n);
    if (!sa) {
        hr = E_OUTOFMEMORY;
        goto out;
    }
    for (size_t i = 0; i < n && SUCCEEDED(hr); i++) {
        LONG idx = (LONG)i;
        hr = SafeArrayPutElement(sa, &idx, &refs[i]->item);
    }
    if (FAILED(hr)) {
        SafeArrayDestroy(sa);
        goto out;
    }
    *items = sa;
out:
    for (size_t i = 0; i < n; i++)
        wb_event_unref(refs[i]);
    free(refs);
    if (FAILED(hr))
        *seq = 0;
    return hr;
}

LONG wb_board_count(wb_board *b)
{
    pthread_mutex_lock(&b->lock);
    LONG n = (LONG)b->nitems;
    pthread_mutex_unlock(&b->lock);
    return n;
}
