/*
 * msgcheck.h - a structural pre-scan of msgpack bytes (internal).
 *
 * msgpack-c's unpacker allocates a container's elements from its declared
 * count before reading them, so five hostile bytes could ask for 64 GiB.
 * Every element occupies at least one byte, so a message is plausible only
 * if, at every point, the elements still owed fit in the bytes left. This
 * scan checks that (and that lengths stay within the buffer) without
 * allocating; only then is the message unpacked.
 */
#ifndef COMRT_MSGCHECK_H
#define COMRT_MSGCHECK_H

#include <stddef.h>
#include <stdint.h>

/* The n-byte big-endian number at p (msgpack's lengths and integers). */
static inline uint64_t comrt_msgpack_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* 1 if data[0..size) is exactly one plausible msgpack value, else 0. */
int comrt_msgpack_plausible(const void *data, size_t size);

/* 1 if data starts with one plausible msgpack value (more bytes may
 * follow), its length in *len; else 0. */
int comrt_msgpack_plausible_prefix(const void *data, size_t size, size_t *len);

#endif /* COMRT_MSGCHECK_H */
