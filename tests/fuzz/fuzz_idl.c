/*
 * fuzz_idl.c - comidl's front end on arbitrary bytes: lexer, parser,
 * resolver, header/_i.c/skeleton generators, the type-library builder, and
 * the writer/loader round trip of whatever compiles. Imports are ignored
 * and cpp is not run (the text is lexed as if cpp had produced it, line
 * markers included). Must never crash, hang or leak.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../idl/driver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (size > 256 * 1024)
        return 0;
    idl_arena *arena = idl_arena_new();
    idl_diag diag = {0};
    diag.out = devnull;
    idl_unit *u = idl_unit_new(arena, &diag, "fuzz.idl");
    idl_import_ctx imp = {0};
    imp.no_files = 1;
    parse_file(u, "fuzz.idl", (const char *)data, size, 1, NULL, 0, &imp, 0);
    if (!diag.errors)
        resolve_unit(u);
    if (!diag.errors) {
        idl_buf b = {0};
        gen_header(u, &b, "fuzz.h");
        buf_free(&b);
        gen_iid(u, &b, "fuzz.h");
        buf_free(&b);
        if (gen_skeleton(u, &b, "fuzz.h", NULL, 1) == 0)
            buf_free(&b);
        buf_free(&b);
        if (u->library) {
            comrt_tl_library *lib = build_tlb(u);
            void *bytes = NULL;
            size_t n = 0;
            if (lib && SUCCEEDED(comrt_typelib_save(lib, &bytes, &n))) {
                comrt_typelib *tl = NULL;
                /* what comidl writes, the runtime must load */
                if (FAILED(comrt_typelib_load_memory(bytes, n, "fuzz", &tl)))
                    abort();
                dump_typelib(tl, devnull);
                comrt_typelib_unref(tl);
                CoTaskMemFree(bytes);
            }
        }
    }
    CoTaskMemFree(comrt_error_take_description());
    free(u->imports);
    idl_arena_free(arena);
    return 0;
}
