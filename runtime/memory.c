/* memory.c - the task allocator: memory that crosses interface boundaries. */
#include <stdlib.h>

#include "comrt/objbase.h"

LPVOID CoTaskMemAlloc(size_t cb)
{
    /* COM returns a distinct block for a zero-byte request. */
    return malloc(cb ? cb : 1);
}

LPVOID CoTaskMemRealloc(LPVOID pv, size_t cb)
{
    if (cb == 0) {
        free(pv);
        return NULL;
    }
    return realloc(pv, cb);
}

void CoTaskMemFree(LPVOID pv)
{
    free(pv);
}
