/*
 * idmap.h - a hash map from 64-bit ids to pointers (internal), for the
 * tables looked up on every call: exported objects by OID and by identity
 * (the IUnknown pointer as an integer), marshal packets by id.
 *
 * Open addressing with linear probing; removal shifts later entries back
 * instead of leaving tombstones, so lookups never slow down with churn.
 * The capacity doubles past 3/4 full and halves below 1/8 (not under 16).
 * Not thread-safe: each user holds its own lock. Values must not be NULL
 * (an empty slot is a NULL value); the map never owns them.
 */
#ifndef COMRT_IDMAP_H
#define COMRT_IDMAP_H

#include <stddef.h>
#include <stdint.h>

struct comrt_idmap_slot {
    uint64_t key;
    void *value; /* NULL: empty */
};

typedef struct comrt_idmap {
    struct comrt_idmap_slot *slots; /* NULL until the first put */
    size_t mask;                    /* capacity - 1 (a power of two), 0 without slots */
    size_t count;
} comrt_idmap;

#define COMRT_IDMAP_INIT {NULL, 0, 0}

/* The value of key, or NULL. */
void *comrt_idmap_get(const comrt_idmap *m, uint64_t key);

/* Maps key to value (not NULL), replacing what key had. 0, or -1 when out
 * of memory to grow (the map is then unchanged). */
int comrt_idmap_put(comrt_idmap *m, uint64_t key, void *value);

/* Takes key out; its value, or NULL if it was not there. */
void *comrt_idmap_remove(comrt_idmap *m, uint64_t key);

static inline size_t comrt_idmap_count(const comrt_idmap *m) { return m->count; }

/*
 * comrt_idmap_next - iteration: start with *pos = 0; each call returns the
 * next value (its key in *key if not NULL) or NULL at the end. The map must
 * not change meanwhile: collect what to remove, then remove it.
 */
void *comrt_idmap_next(const comrt_idmap *m, size_t *pos, uint64_t *key);

/* Frees the slots (not the values); the map is empty and usable again. */
void comrt_idmap_clear(comrt_idmap *m);

/* The slot a key hashes to in a map of capacity mask + 1 (for tests that
 * need colliding keys). */
size_t comrt_idmap_home(uint64_t key, size_t mask);

#endif /* COMRT_IDMAP_H */
