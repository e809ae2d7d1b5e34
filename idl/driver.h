/*
 * driver.h - comidl's file handling: the import search path, cpp, and the
 * list of files read (for --depfile).
 */
#ifndef COMIDL_DRIVER_H
#define COMIDL_DRIVER_H

#include "idl.h"

struct idl_import_ctx {
    const char **dirs;  /* search path: -I, COMRT_IDL_PATH, the base IDL directory */
    int ndirs;
    const char *base_dir; /* realpath of the shipped base IDL directory, or NULL */
    char **seen;        /* realpaths of files parsed (each once) */
    int nseen;
    int use_cpp;        /* -1 when needed, 0 never, 1 always */
    const char **cpp_args; /* -D/-U options for cpp */
    int ncpp_args;
    int no_files;       /* fuzzing: imports are ignored */
};

idl_unit *idl_unit_new(idl_arena *a, idl_diag *d, const char *main_file);
int idl_parse_main(idl_unit *u, idl_import_ctx *imp, const char *path);
int read_file(const char *path, char **data, size_t *len);
void idl_import_ctx_free(idl_import_ctx *imp);

#endif /* COMIDL_DRIVER_H */
