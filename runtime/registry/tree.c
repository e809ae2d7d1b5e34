/*
 * tree.c - the registry in memory: one array of keys, sorted component by
 * component and closed under parents.
 *
 * A sorted array rather than nodes with child lists: a lookup is a binary
 * search, a key's subtree is the contiguous run after it (so deleting a
 * subtree or listing children needs no recursion, whatever the depth), the
 * writer's deterministic order is the array order, and merging the user and
 * system scopes is one linear pass. Edits cost a memmove, which is nothing
 * next to the fsync that ends every commit.
 */
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

/* ASCII case folding for key paths; the separator sorts below every byte a
 * component may hold (control characters are excluded), which makes byte
 * order equal component order: "a" < "a\b" < "a b" < "ab". */
static inline int fold_path(unsigned char c)
{
    if (c == '\\')
        return 1;
    if (c >= 'A' && c <= 'Z')
        return c + ('a' - 'A');
    return c;
}

static inline int fold_name(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Compares NUL-terminated a with the first blen bytes of b. */
static int path_ncmp(const char *a, const char *b, size_t blen)
{
    for (size_t i = 0;; i++) {
        int ca = fold_path((unsigned char)a[i]);
        int cb = i < blen ? fold_path((unsigned char)b[i]) : 0;
        if (ca != cb)
            return ca - cb;
        if (!ca)
            return 0;
    }
}

int comrt_reg_path_cmp(const char *a, const char *b)
{
    return path_ncmp(a, b, strlen(b));
}

int comrt_reg_name_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = fold_name((unsigned char)*a), cb = fold_name((unsigned char)*b);
        if (ca != cb)
            return ca - cb;
        if (!ca)
            return 0;
    }
}

comrt_reg_tree *comrt_reg_tree_new(void)
{
    return calloc(1, sizeof(comrt_reg_tree));
}

static void free_key(struct comrt_reg_key *k)
{
    for (size_t i = 0; i < k->nvalues; i++) {
        free(k->values[i].name);
        free(k->values[i].data);
    }
    free(k->values);
    free(k->path);
}

void comrt_reg_tree_free(comrt_reg_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nkeys; i++)
        free_key(&t->keys[i]);
    free(t->keys);
    free(t);
}

/* Grows an array to hold need elements; the old block stays valid on failure. */
static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2 / size)
            return NULL;
        n *= 2;
    }
    void *q = realloc(p, n * size);
    if (q)
        *cap = n;
    return q;
}

static HRESULT oom(void)
{
    return comrt_error_set(E_OUTOFMEMORY, "out of memory editing the registry");
}

/* First index whose path is >= the first len bytes of path. */
static size_t lower_bound(const comrt_reg_tree *t, const char *path, size_t len, int *found)
{
    size_t lo = 0, hi = t->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (path_ncmp(t->keys[mid].path, path, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < t->nkeys && path_ncmp(t->keys[lo].path, path, len) == 0;
    return lo;
}

struct comrt_reg_key *comrt_reg_tree_find(const comrt_reg_tree *t, const char *path, size_t *index)
{
    int found;
    size_t i = lower_bound(t, path, strlen(path), &found);
    if (index)
        *index = i;
    return found ? &t->keys[i] : NULL;
}

size_t comrt_reg_subtree_end(const comrt_reg_tree *t, size_t i)
{
    size_t j = i + 1;
    while (j < t->nkeys && t->keys[j].depth > t->keys[i].depth)
        j++;
    return j;
}

static size_t value_lower_bound(const struct comrt_reg_key *k, const char *name, int *found)
{
    size_t lo = 0, hi = k->nvalues;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (comrt_reg_name_cmp(k->values[mid].name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < k->nvalues && comrt_reg_name_cmp(k->values[lo].name, name) == 0;
    return lo;
}

const char *comrt_reg_key_value(const struct comrt_reg_key *k, const char *name)
{
    int found;
    size_t i = value_lower_bound(k, name ? name : "", &found);
    return found ? k->values[i].data : NULL;
}

HRESULT comrt_reg_tree_create_key(comrt_reg_tree *t, const char *path, size_t *index)
{
    size_t len = strlen(path), idx = 0, start = 0;
    const char *parent = NULL; /* the stored path of the previous level */
    uint32_t depth = 0;

    /* Each prefix ending at a separator (and the whole path) is a key. */
    for (size_t p = 0; p <= len; p++) {
        if (p < len && path[p] != '\\')
            continue;
        depth++;
        int found;
        idx = lower_bound(t, path, p, &found);
        if (!found) {
            struct comrt_reg_key *keys = grow(t->keys, &t->capkeys, t->nkeys + 1, sizeof *keys);
            if (!keys)
                return oom();
            t->keys = keys;
            /* The parent's stored spelling, then this component as given. */
            size_t plen = parent ? strlen(parent) + 1 : 0;
            char *copy = malloc(plen + (p - start) + 1);
            if (!copy)
                return oom();
            if (parent) {
                memcpy(copy, parent, plen - 1);
                copy[plen - 1] = '\\';
            }
            memcpy(copy + plen, path + start, p - start);
            copy[plen + p - start] = '\0';
            memmove(&keys[idx + 1], &keys[idx], (t->nkeys - idx) * sizeof *keys);
            keys[idx] = (struct comrt_reg_key){.path = copy, .depth = depth};
            t->nkeys++;
        }
        parent = t->keys[idx].path;
        start = p + 1;
    }
    if (index)
        *index = idx;
    return S_OK;
}

HRESULT comrt_reg_tree_set_value(comrt_reg_tree *t, const char *path, const char *name, const char *data)
{
    size_t ki;
    int found;
    HRESULT hr = comrt_reg_tree_create_key(t, path, &ki);
    if (FAILED(hr))
        return hr;
    struct comrt_reg_key *k = &t->keys[ki];
    if (!name)
        name = "";
    size_t vi = value_lower_bound(k, name, &found);
    char *d = strdup(data);
    if (!d)
        return oom();
    if (found) {
        /* The name keeps the case it was first written with. */
        free(k->values[vi].data);
        k->values[vi].data = d;
        return S_OK;
    }
    char *n = strdup(name);
    struct comrt_reg_value *v = n ? grow(k->values, &k->capvalues, k->nvalues + 1, sizeof *v) : NULL;
    if (!v) {
        free(n);
        free(d);
        return oom();
    }
    k->values = v;
    memmove(&v[vi + 1], &v[vi], (k->nvalues - vi) * sizeof *v);
    v[vi] = (struct comrt_reg_value){.name = n, .data = d};
    k->nvalues++;
    return S_OK;
}

void comrt_reg_tree_delete_value(comrt_reg_tree *t, const char *path, const char *name)
{
    struct comrt_reg_key *k = comrt_reg_tree_find(t, path, NULL);
    int found;
    if (!k)
        return;
    size_t vi = value_lower_bound(k, name ? name : "", &found);
    if (!found)
        return;
    free(k->values[vi].name);
    free(k->values[vi].data);
    memmove(&k->values[vi], &k->values[vi + 1], (k->nvalues - vi - 1) * sizeof *k->values);
    k->nvalues--;
}

void comrt_reg_tree_delete_key(comrt_reg_tree *t, const char *path)
{
    size_t i;
    if (!comrt_reg_tree_find(t, path, &i))
        return;
    size_t end = comrt_reg_subtree_end(t, i);
    for (size_t j = i; j < end; j++)
        free_key(&t->keys[j]);
    memmove(&t->keys[i], &t->keys[end], (t->nkeys - end) * sizeof *t->keys);
    t->nkeys -= end - i;
}

/* dst = a's path with the values of a over those of b (b may be NULL). */
static HRESULT merge_key(struct comrt_reg_key *dst, const struct comrt_reg_key *a, const struct comrt_reg_key *b)
{
    size_t na = a->nvalues, nb = b ? b->nvalues : 0, i = 0, j = 0;

    *dst = (struct comrt_reg_key){.depth = a->depth};
    dst->path = strdup(a->path);
    if (!dst->path)
        return oom();
    if (na + nb == 0)
        return S_OK;
    dst->values = calloc(na + nb, sizeof *dst->values);
    if (!dst->values)
        return oom();
    dst->capvalues = na + nb;
    while (i < na || j < nb) {
        const struct comrt_reg_value *v;
        int c = i == na ? 1 : j == nb ? -1 : comrt_reg_name_cmp(a->values[i].name, b->values[j].name);
        if (c <= 0) {
            v = &a->values[i++];
            j += c == 0; /* the same name below is hidden */
        } else {
            v = &b->values[j++];
        }
        struct comrt_reg_value *out = &dst->values[dst->nvalues];
        out->name = strdup(v->name);
        out->data = strdup(v->data);
        if (!out->name || !out->data) {
            dst->nvalues++; /* free_key releases the partial pair */
            return oom();
        }
        dst->nvalues++;
    }
    return S_OK;
}

HRESULT comrt_reg_tree_merge(const comrt_reg_tree *over, const comrt_reg_tree *under, comrt_reg_tree **out)
{
    size_t i = 0, j = 0, no = over->nkeys, nu = under->nkeys;
    comrt_reg_tree *r = comrt_reg_tree_new();
    HRESULT hr = S_OK;

    *out = NULL;
    if (!r || (no + nu && !(r->keys = calloc(no + nu, sizeof *r->keys)))) {
        hr = oom();
        goto fail;
    }
    r->capkeys = no + nu;
    while (i < no || j < nu) {
        int c = i == no ? 1 : j == nu ? -1 : comrt_reg_path_cmp(over->keys[i].path, under->keys[j].path);
        if (c < 0)
            hr = merge_key(&r->keys[r->nkeys], &over->keys[i++], NULL);
        else if (c > 0)
            hr = merge_key(&r->keys[r->nkeys], &under->keys[j++], NULL);
        else
            hr = merge_key(&r->keys[r->nkeys], &over->keys[i++], &under->keys[j++]);
        r->nkeys++; /* counted even when partial, so that the free below releases it */
        if (FAILED(hr))
            goto fail;
    }
    *out = r;
    return S_OK;
fail:
    comrt_reg_tree_free(r);
    return hr;
}
