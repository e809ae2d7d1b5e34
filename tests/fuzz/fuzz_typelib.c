/*
 * fuzz_typelib.c - the type-library loader on arbitrary bytes; whatever
 * loads is walked the way a marshaler would (every method of every slot,
 * every parameter type down its element chain) and written back, and the
 * rewrite must load to the same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>
#include <comrt/typelib.h>

static size_t walk(const comrt_tl_type *t)
{
    size_t n = 0;
    for (int i = 0; t && i < 100; i++, t = t->elem) {
        n += t->size + t->align;
        if (t->record)
            for (uint32_t k = 0; k < t->record->nfields; k++)
                n += t->record->fields[k].offset + t->record->fields[k].type->size;
        if (t->kind != COMRT_TL_PTR && t->kind != COMRT_TL_ARRAY && t->kind != COMRT_TL_SAFEARRAY)
            break;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    comrt_typelib *tl = NULL;
    if (FAILED(comrt_typelib_load_memory(data, size, "fuzz", &tl))) {
        CoTaskMemFree(comrt_error_take_description());
        return 0;
    }
    const comrt_tl_library *l = comrt_typelib_library(tl);
    volatile size_t sink = 0;
    for (uint32_t i = 0; i < l->ninterfaces; i++) {
        const comrt_tl_interface *it = &l->interfaces[i];
        for (uint32_t s = 0; s < it->num_slots && s < 4096; s++) {
            const comrt_tl_method *m = NULL;
            if (FAILED(comrt_tl_interface_method(it, s, &m))) {
                CoTaskMemFree(comrt_error_take_description());
                continue;
            }
            sink += walk(m->ret);
            for (uint32_t p = 0; p < m->nparams; p++)
                sink += walk(m->params[p].type);
        }
    }
    void *out = NULL;
    size_t n = 0;
    if (FAILED(comrt_typelib_save(l, &out, &n)))
        abort(); /* a loaded library is always writable */
    comrt_typelib *again = NULL;
    if (FAILED(comrt_typelib_load_memory(out, n, "again", &again)))
        abort();
    void *out2 = NULL;
    size_t n2 = 0;
    if (FAILED(comrt_typelib_save(comrt_typelib_library(again), &out2, &n2)) || n2 != n || memcmp(out, out2, n))
        abort(); /* save is a fixed point after one load */
    CoTaskMemFree(out);
    CoTaskMemFree(out2);
    comrt_typelib_unref(again);
    comrt_typelib_unref(tl);
    (void)sink;
    return 0;
}
