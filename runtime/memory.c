/* memory.c - the task allocator: memory that crosses interface boundaries. */
#include <stdlib.h>

#include "comrt/objbase.h"
#include "internal.h"

LPVOID CoTaskMemAlloc(size_t cb)
{
    /* COM returns a distinct block for a zero-byte request. */
    return malloc(cb ? cb : 1);
}

void *comrt_task_mem_calloc(size_t cb)
{
    /* calloc, not malloc + memset: a large block comes zeroed from the
     * kernel, and the stub's 16 MiB [out] buffer is not written twice. */
    return calloc(1, cb ? cb : 1);
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
