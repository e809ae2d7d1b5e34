/*
 * util.c - the type-library arena and pointer map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tl_internal.h"

struct tl_chunk {
    struct tl_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void *tl_alloc(tl_arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (size == 0)
        size = sizeof(max_align_t);
    struct tl_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        size_t cap = size > 16384 ? size : 16384;
        c = malloc(sizeof *c + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

void tl_arena_free(tl_arena *a)
{
    for (struct tl_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    a->head = NULL;
}

static size_t slot_of(const tl_ptrmap *m, const void *key)
{
    uintptr_t h = (uintptr_t)key;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (m->cap - 1);
}

int tl_ptrmap_get(const tl_ptrmap *m, const void *key, uint32_t *val)
{
    if (!m->cap)
        return 0;
    for (size_t i = slot_of(m, key);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return 0;
        if (m->keys[i] == key) {
            *val = m->vals[i];
            return 1;
        }
    }
}

int tl_ptrmap_put(tl_ptrmap *m, const void *key, uint32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        const void **keys = calloc(cap, sizeof *keys);
        uint32_t *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return 0;
        }
        tl_ptrmap old = *m;
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
        m->count = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                tl_ptrmap_put(m, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
    size_t i = slot_of(m, key);
    while (m->keys[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->count++;
    m->keys[i] = key;
    m->vals[i] = val;
    return 1;
}

void tl_ptrmap_free(tl_ptrmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

void tl_guid_format(const GUID *g, char buf[CHARS_IN_GUID])
{
    snprintf(buf, CHARS_IN_GUID, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g->Data1, g->Data2,
             g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5], g->Data4[6],
             g->Data4[7]);
}
