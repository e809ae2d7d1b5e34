/*
 * idmap.c - the 64-bit id -> pointer hash map of idmap.h.
 *
 * Keys are OIDs (consecutive), packet ids (random) and object addresses
 * (aligned, close together), so they are mixed before use: the low bits of
 * the raw keys would crowd a few slots.
 */
#include <stdlib.h>

#include "idmap.h"

#define MIN_SLOTS 16

size_t comrt_idmap_home(uint64_t key, size_t mask)
{
    /* splitmix64's finalizer: every input bit moves every output bit. */
    key ^= key >> 30;
    key *= 0xbf58476d1ce4e5b9ull;
    key ^= key >> 27;
    key *= 0x94d049bb133111ebull;
    key ^= key >> 31;
    return (size_t)key & mask;
}

/* The slot holding key, or the empty slot where its probe ends. */
static size_t probe(const comrt_idmap *m, uint64_t key)
{
    size_t i = comrt_idmap_home(key, m->mask);
    while (m->slots[i].value && m->slots[i].key != key)
        i = (i + 1) & m->mask;
    return i;
}

void *comrt_idmap_get(const comrt_idmap *m, uint64_t key)
{
    if (!m->slots)
        return NULL;
    return m->slots[probe(m, key)].value;
}

/* Moves every entry into a new array of n slots; -1 (map unchanged) on OOM. */
static int resize(comrt_idmap *m, size_t n)
{
    struct comrt_idmap_slot *old = m->slots;
    size_t oldn = old ? m->mask + 1 : 0;
    struct comrt_idmap_slot *s = calloc(n, sizeof *s);
    if (!s)
        return -1;
    m->slots = s;
    m->mask = n - 1;
    for (size_t i = 0; i < oldn; i++)
        if (old[i].value)
            m->slots[probe(m, old[i].key)] = old[i];
    free(old);
    return 0;
}

int comrt_idmap_put(comrt_idmap *m, uint64_t key, void *value)
{
    if (m->slots) {
        size_t i = probe(m, key);
        if (m->slots[i].value) {
            m->slots[i].value = value;
            return 0;
        }
    }
    size_t cap = m->slots ? m->mask + 1 : 0;
    /* At most 3/4 full: linear probes stay short. */
    if ((m->count + 1) * 4 > cap * 3 && resize(m, cap ? cap * 2 : MIN_SLOTS))
        return -1;
    size_t i = probe(m, key);
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->count++;
    return 0;
}

/* 1 if k lies in the cyclic interval (i, j]. */
static int cyclic_between(size_t i, size_t k, size_t j)
{
    return i <= j ? i < k && k <= j : i < k || k <= j;
}

void *comrt_idmap_remove(comrt_idmap *m, uint64_t key)
{
    if (!m->slots)
        return NULL;
    size_t hole = probe(m, key);
    void *value = m->slots[hole].value;
    if (!value)
        return NULL;
    /* Backward shift: every later entry of the run whose home is not
     * between the hole and itself would become unreachable past an empty
     * slot, so it moves into the hole, which moves on to where it was. */
    for (size_t j = (hole + 1) & m->mask; m->slots[j].value; j = (j + 1) & m->mask) {
        size_t home = comrt_idmap_home(m->slots[j].key, m->mask);
        if (!cyclic_between(hole, home, j)) {
            m->slots[hole] = m->slots[j];
            hole = j;
        }
    }
    m->slots[hole].value = NULL;
    m->count--;
    size_t cap = m->mask + 1;
    /* Give memory back after a burst (10,000 objects that all went);
     * staying bigger is harmless when the allocation fails. */
    if (cap > MIN_SLOTS && m->count * 8 < cap)
        (void)resize(m, cap / 2);
    return value;
}

void *comrt_idmap_next(const comrt_idmap *m, size_t *pos, uint64_t *key)
{
    if (!m->slots)
        return NULL;
    for (; *pos <= m->mask; (*pos)++)
        if (m->slots[*pos].value) {
            if (key)
                *key = m->slots[*pos].key;
            return m->slots[(*pos)++].value;
        }
    return NULL;
}

void comrt_idmap_clear(comrt_idmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->mask = 0;
    m->count = 0;
}
