/*
 * replica.c - a client's copy of a board (see replica.h).
 */
#include "replica.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct pending {
    int clear;
    LONG seq;
    VARIANT value;
} pending;

struct wb_replica {
    pthread_mutex_t lock;
    int decode;
    wb_replica_listener l;
    wb_item **items; /* sorted by seq */
    size_t n, cap;
    int loaded;
    LONG snap_seq;   /* the snapshot's seq: older callbacks are in it */
    LONG clear_seq;  /* the latest clear: older items are gone */
    LONG max_seq;
    size_t rejected;
    pending *pend;   /* callbacks that came before the snapshot */
    size_t npend, cappend;
};

HRESULT wb_replica_create(int decode, const wb_replica_listener *l, wb_replica **out)
{
    wb_replica *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return E_OUTOFMEMORY;
    pthread_mutex_init(&r->lock, NULL);
    r->decode = decode;
    if (l)
        r->l = *l;
    *out = r;
    return S_OK;
}

static void item_free(wb_item *it)
{
    if (!it)
        return;
    VariantClear(&it->value);
    wb_stroke_free(&it->stroke);
    free(it->why);
    free(it);
}

void wb_replica_free(wb_replica *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        item_free(r->items[i]);
    for (size_t i = 0; i < r->npend; i++)
        VariantClear(&r->pend[i].value);
    free(r->items);
    free(r->pend);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

static void notify(wb_replica *r, wb_change_kind kind, LONG seq, const wb_item *item, int own)
{
    wb_change c = {kind, seq, item, own};
    if (r->l.changed)
        r->l.changed(r->l.ctx, &c);
}

static wb_item *item_new(wb_replica *r, LONG seq, const VARIANT *value)
{
    wb_item *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->seq = seq;
    VariantInit(&it->value);
    if (FAILED(VariantCopy(&it->value, value))) {
        free(it);
        return NULL;
    }
    if (r->decode) {
        it->hr = wb_stroke_from_variant(value, &it->stroke);
        if (FAILED(it->hr)) {
            char *why = comrt_error_take_description();
            it->why = strdup(why ? why : "not a stroke");
            CoTaskMemFree(why);
            r->rejected++;
        }
    }
    return it;
}

/* Lock held. Inserts in seq order (after equal seqs); NULL if no memory. */
static wb_item *insert_locked(wb_replica *r, LONG seq, const VARIANT *value)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        wb_item **t = realloc(r->items, cap * sizeof *t);
        if (!t)
            return NULL;
        r->items = t;
        r->cap = cap;
    }
    wb_item *it = item_new(r, seq, value);
    if (!it)
        return NULL;
    size_t at = r->n;
    while (at > 0 && r->items[at - 1]->seq > seq)
        at--;
    memmove(&r->items[at + 1], &r->items[at], (r->n - at) * sizeof *r->items);
    r->items[at] = it;
    r->n++;
    if (seq > r->max_seq)
        r->max_seq = seq;
    return it;
}

static int present_locked(wb_replica *r, LONG seq)
{
    for (size_t i = r->n; i > 0; i--) {
        if (r->items[i - 1]->seq == seq)
            return 1;
        if (r->items[i - 1]->seq < seq)
            break;
    }
    return 0;
}

/* Lock held, snapshot loaded. */
static void apply_stroke_locked(wb_replica *r, LONG seq, const VARIANT *value, int own)
{
    if (seq <= r->snap_seq || seq < r->clear_seq || present_locked(r, seq))
        return; /* in the snapshot, cleared already, or a repeat */
    const wb_item *it = insert_locked(r, seq, value);
    if (it)
        notify(r, WB_CHANGE_ITEM, seq, it, own);
}

static void apply_clear_locked(wb_replica *r, LONG seq, int own)
{
    if (seq <= r->snap_seq || seq <= r->clear_seq)
        return;
    r->clear_seq = seq;
    if (seq > r->max_seq)
        r->max_seq = seq;
    size_t kept = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i]->seq < seq) {
            if (FAILED(r->items[i]->hr))
                r->rejected--;
            item_free(r->items[i]);
        } else {
            r->items[kept++] = r->items[i];
        }
    }
    r->n = kept;
    notify(r, WB_CHANGE_CLEAR, seq, NULL, own);
}

static void defer_locked(wb_replica *r, int clear, LONG seq, const VARIANT *value)
{
    if (r->npend == r->cappend) {
        size_t cap = r->cappend ? r->cappend * 2 : 16;
        pending *t = realloc(r->pend, cap * sizeof *t);
        if (!t)
            return;
        r->pend = t;
        r->cappend = cap;
    }
    pending *p = &r->pend[r->npend];
    p->clear = clear;
    p->seq = seq;
    VariantInit(&p->value);
    if (value && FAILED(VariantCopy(&p->value, value)))
        return;
    r->npend++;
}

/* A change (a stroke, or a clear when item is NULL): applied now, or kept
 * until the snapshot is loaded. */
static void change(wb_replica *r, LONG seq, const VARIANT *item, int own)
{
    pthread_mutex_lock(&r->lock);
    if (!r->loaded)
        defer_locked(r, item == NULL, seq, item);
    else if (item)
        apply_stroke_locked(r, seq, item, own);
    else
        apply_clear_locked(r, seq, own);
    pthread_mutex_unlock(&r->lock);
}

void wb_replica_on_stroke(wb_replica *r, LONG seq, const VARIANT *item)
{
    change(r, seq, item, 0);
}

void wb_replica_on_clear(wb_replica *r, LONG seq)
{
    change(r, seq, NULL, 0);
}

HRESULT wb_replica_load(wb_replica *r, IScribbleServer *server)
{
    SAFEARRAY *sa = NULL;
    LONG seq = 0, lo = 0, hi = -1;
    HRESULT hr = IScribbleServer_GetStrokes(server, &seq, &sa);

    if (FAILED(hr))
        return hr;
    if (sa && (SafeArrayGetDim(sa) != 1 || FAILED(SafeArrayGetLBound(sa, 1, &lo)) ||
               FAILED(SafeArrayGetUBound(sa, 1, &hi)))) {
        SafeArrayDestroy(sa);
        return comrt_error_set(RPC_E_INVALID_DATA, "whiteboard: the server's snapshot is not a vector");
    }
    pthread_mutex_lock(&r->lock);
    r->snap_seq = seq;
    if (seq > r->max_seq)
        r->max_seq = seq;
    for (LONG i = lo; i <= hi && SUCCEEDED(hr); i++) {
        VARIANT v;
        VariantInit(&v);
        hr = SafeArrayGetElement(sa, &i, &v);
        if (SUCCEEDED(hr) && !insert_locked(r, seq, &v))
            hr = E_OUTOFMEMORY;
        VariantClear(&v);
    }
    r->loaded = 1;
    notify(r, WB_CHANGE_LOADED, seq, NULL, 0);
    for (size_t i = 0; i < r->npend; i++) {
        pending *p = &r->pend[i];
        if (p->clear)
            apply_clear_locked(r, p->seq, 0);
        else
            apply_stroke_locked(r, p->seq, &p->value, 0);
        VariantClear(&p->value);
    }
    r->npend = 0;
    pthread_mutex_unlock(&r->lock);
    SafeArrayDestroy(sa);
    return hr;
}

void wb_replica_add_own(wb_replica *r, LONG seq, const VARIANT *item)
{
    change(r, seq, item, 1);
}

void wb_replica_clear_own(wb_replica *r, LONG seq)
{
    change(r, seq, NULL, 1);
}

void wb_replica_lock(wb_replica *r)
{
    pthread_mutex_lock(&r->lock);
}

void wb_replica_unlock(wb_replica *r)
{
    pthread_mutex_unlock(&r->lock);
}

size_t wb_replica_count(wb_replica *r)
{
    return r->n;
}

const wb_item *wb_replica_item(wb_replica *r, size_t i)
{
    return i < r->n ? r->items[i] : NULL;
}

LONG wb_replica_seq(wb_replica *r)
{
    return r->max_seq;
}

size_t wb_replica_rejected(wb_replica *r)
{
    return r->rejected;
}
