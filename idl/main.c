/*
 * main.c - the comidl command line.
 *
 *   comidl [options] file.idl        compile (see usage below)
 *   comidl --dump file.tlb           print a type library
 *   comidl --register file.tlb       register a stand-alone type library
 *   comidl --unregister file.tlb
 *
 * Exit status: 0 success, 1 errors in the input, 2 usage or I/O errors.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

static void usage(FILE *f)
{
    fputs("usage: comidl [options] file.idl\n"
          "       comidl --dump file.tlb\n"
          "       comidl --register file.tlb [--system] | --unregister file.tlb [--system]\n"
          "\n"
          "outputs (default: NAME.h, NAME_i.c and, with a library block, NAME.tlb in -o DIR):\n"
          "  --header FILE      C header (interfaces, types, GUID declarations)\n"
          "  --iid FILE         GUID definitions (NAME_i.c)\n"
          "  --tlb FILE         type library\n"
          "  --tlb-c FILE       type library as a C array (exports comrt_typelib_data/_size)\n"
          "  --skeleton FILE    C implementation skeleton for a coclass (see --coclass)\n"
          "  --coclass NAME     the coclass for --skeleton (default: the first)\n"
          "  --skeleton-tlb     the skeleton registers the embedded type library (needs --tlb-c output linked in)\n"
          "  -o DIR             directory for default outputs\n"
          "  --depfile FILE     write make dependencies of the first output\n"
          "options:\n"
          "  -I DIR             add DIR to the import and #include search path\n"
          "  -D NAME[=VAL], -U NAME   passed to cpp (cpp then always runs)\n"
          "  --cpp, --no-cpp    always / never run cpp (default: when the file has # directives)\n"
          "  --system           with --register/--unregister: the system registry scope\n"
          "environment: COMRT_IDL_PATH (colon-separated import dirs), COMIDL_CPP (the preprocessor)\n",
          f);
}

static const char *base_idl_dir(void)
{
    static char found[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *dir = dirname(exe);
    /* installed: PREFIX/bin/comidl -> PREFIX/share/comrt/idl; in-tree: BUILD/bin -> idl/include */
    const char *rel[] = {"../share/comrt/idl", "../../idl/include"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char cand[PATH_MAX], probe[PATH_MAX + 16];
        if (snprintf(cand, sizeof cand, "%s/%s", dir, rel[i]) >= (int)sizeof cand)
            continue;
        snprintf(probe, sizeof probe, "%s/unknwn.idl", cand);
        if (access(probe, R_OK) == 0 && realpath(cand, found))
            return found;
    }
    return NULL;
}

/* Writes data to path through a temporary file and rename, so a failed run
 * never leaves a half-written output for make to trust. */
static int write_out(const char *path, const void *data, size_t len)
{
    size_t n = strlen(path) + 16;
    char *tmp = xmalloc(n);
    snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f && fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, path) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "comidl: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}

static char *default_out(const char *dir, const char *idl, const char *suffix)
{
    char *copy = strdup(idl);
    char *b = basename(copy);
    char *dot = strrchr(b, '.');
    if (dot)
        *dot = '\0';
    size_t n = strlen(dir) + strlen(b) + strlen(suffix) + 2;
    char *out = xmalloc(n);
    snprintf(out, n, "%s/%s%s", dir, b, suffix);
    free(copy);
    return out;
}

static int tlb_command(const char *cmd, const char *path, int system)
{
    comrt_typelib *tl = NULL;
    HRESULT hr = comrt_typelib_load_file(path, &tl);
    if (SUCCEEDED(hr)) {
        if (!strcmp(cmd, "--dump")) {
            hr = dump_typelib(tl, stdout) == 0 ? S_OK : E_FAIL;
        } else {
            comrt_reg_scope scope = system ? COMRT_REG_SYSTEM : COMRT_REG_USER;
            hr = !strcmp(cmd, "--register") ? comrt_typelib_register(tl, NULL, scope)
                                            : comrt_typelib_unregister(tl, scope);
        }
        comrt_typelib_unref(tl);
    }
    if (FAILED(hr)) {
        char *msg = comrt_error_take_description();
        fprintf(stderr, "comidl: %s\n", msg ? msg : comrt_hresult_message(hr));
        CoTaskMemFree(msg);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *header = NULL, *iid = NULL, *tlb = NULL, *tlbc = NULL, *skel = NULL, *coclass = NULL;
    const char *outdir = ".", *depfile = NULL, *input = NULL;
    int use_cpp = -1, system = 0, skel_tlb = 0;
    const char *tlb_cmd = NULL, *tlb_path = NULL;
    const char **dirs = xmalloc(sizeof *dirs * (size_t)(argc + 64));
    const char **cpp_args = xmalloc(sizeof *cpp_args * (size_t)(argc + 1));
    int ndirs = 0, ncpp = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (fprintf(stderr, "comidl: %s needs an argument\n", a), exit(2), ""))
        if (!strcmp(a, "--header") || !strcmp(a, "-h"))
            header = ARG();
        else if (!strcmp(a, "--iid"))
            iid = ARG();
        else if (!strcmp(a, "--tlb"))
            tlb = ARG();
        else if (!strcmp(a, "--tlb-c"))
            tlbc = ARG();
        else if (!strcmp(a, "--skeleton"))
            skel = ARG();
        else if (!strcmp(a, "--coclass"))
            coclass = ARG();
        else if (!strcmp(a, "--skeleton-tlb"))
            skel_tlb = 1;
        else if (!strcmp(a, "-o"))
            outdir = ARG();
        else if (!strcmp(a, "--depfile"))
            depfile = ARG();
        else if (!strcmp(a, "-I"))
            dirs[ndirs++] = ARG();
        else if (!strncmp(a, "-I", 2))
            dirs[ndirs++] = a + 2;
        else if (!strcmp(a, "-D") || !strcmp(a, "-U")) {
            const char *v = ARG();
            char *s = xmalloc(strlen(v) + 3);
            sprintf(s, "%s%s", a, v);
            cpp_args[ncpp++] = s;
        } else if (!strncmp(a, "-D", 2) || !strncmp(a, "-U", 2))
            cpp_args[ncpp++] = strdup(a);
        else if (!strcmp(a, "--cpp"))
            use_cpp = 1;
        else if (!strcmp(a, "--no-cpp"))
            use_cpp = 0;
        else if (!strcmp(a, "--system"))
            system = 1;
        else if (!strcmp(a, "--dump") || !strcmp(a, "--register") || !strcmp(a, "--unregister")) {
            tlb_cmd = a;
            tlb_path = ARG();
        } else if (!strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "comidl: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (input) {
            fprintf(stderr, "comidl: more than one input file\n");
            return 2;
        } else {
            input = a;
        }
    }
    if (tlb_cmd) {
        for (int k = 0; k < ncpp; k++)
            free((char *)cpp_args[k]);
        free(dirs);
        free(cpp_args);
        return tlb_command(tlb_cmd, tlb_path, system);
    }
    if (!input) {
        usage(stderr);
        return 2;
    }

    /* Search path: -I, then COMRT_IDL_PATH, then the shipped base IDL. */
    char *envpath = getenv("COMRT_IDL_PATH") ? strdup(getenv("COMRT_IDL_PATH")) : NULL;
    for (char *save = NULL, *t = envpath ? strtok_r(envpath, ":", &save) : NULL; t && ndirs < argc + 60;
         t = strtok_r(NULL, ":", &save))
        if (*t)
            dirs[ndirs++] = t;
    idl_import_ctx imp;
    memset(&imp, 0, sizeof imp);
    imp.base_dir = base_idl_dir();
    if (imp.base_dir)
        dirs[ndirs++] = imp.base_dir;
    imp.dirs = dirs;
    imp.ndirs = ndirs;
    imp.use_cpp = use_cpp;
    imp.cpp_args = cpp_args;
    imp.ncpp_args = ncpp;

    idl_arena *arena = idl_arena_new();
    idl_diag diag = {0};
    diag.out = stderr;
    idl_unit *u = idl_unit_new(arena, &diag, input);
    int rc = 0;
    char *defaults[3] = {NULL, NULL, NULL};
    void *tlb_data = NULL;
    size_t tlb_size = 0;

    if (idl_parse_main(u, &imp, input) != 0 && diag.errors == 0)
        diag.errors++;
    if (!diag.errors)
        resolve_unit(u);
    if (diag.errors) {
        rc = 1;
        goto out;
    }
    if (!header && !iid && !tlb && !tlbc && !skel) {
        header = defaults[0] = default_out(outdir, input, ".h");
        iid = defaults[1] = default_out(outdir, input, "_i.c");
        if (u->library)
            tlb = defaults[2] = default_out(outdir, input, ".tlb");
    }
    if (tlb || tlbc) {
        comrt_tl_library *lib = build_tlb(u);
        if (!lib) {
            rc = 1;
            goto out;
        }
        HRESULT hr = comrt_typelib_save(lib, &tlb_data, &tlb_size);
        if (FAILED(hr)) {
            char *msg = comrt_error_take_description();
            fprintf(stderr, "comidl: %s\n", msg ? msg : "cannot encode the type library");
            CoTaskMemFree(msg);
            rc = 2;
            goto out;
        }
    }
    const char *hname = header ? header : default_out(outdir, input, ".h");
    if (!header)
        defaults[0] = (char *)hname;
    char *hcopy = strdup(hname);
    const char *hbase = basename(hcopy);
    idl_buf b = {0};
    if (header) {
        gen_header(u, &b, hbase);
        if (write_out(header, b.data, b.len) != 0)
            rc = 2;
        buf_free(&b);
    }
    if (iid && rc == 0) {
        gen_iid(u, &b, hbase);
        if (write_out(iid, b.data, b.len) != 0)
            rc = 2;
        buf_free(&b);
    }
    if (tlb && rc == 0 && write_out(tlb, tlb_data, tlb_size) != 0)
        rc = 2;
    if (tlbc && rc == 0) {
        gen_tlb_c(tlb_data, tlb_size, &b, "comrt_typelib");
        if (write_out(tlbc, b.data, b.len) != 0)
            rc = 2;
        buf_free(&b);
    }
    if (skel && rc == 0) {
        if (gen_skeleton(u, &b, hbase, coclass, skel_tlb) != 0)
            rc = 1;
        else if (write_out(skel, b.data, b.len) != 0)
            rc = 2;
        buf_free(&b);
    }
    if (depfile && rc == 0) {
        const char *target = header ? header : iid ? iid : tlb ? tlb : tlbc ? tlbc : skel;
        buf_printf(&b, "%s:", target);
        for (int i = 0; i < imp.nseen; i++)
            buf_printf(&b, " %s", imp.seen[i]);
        buf_puts(&b, "\n");
        for (int i = 1; i < imp.nseen; i++)
            buf_printf(&b, "%s:\n", imp.seen[i]);
        if (write_out(depfile, b.data, b.len) != 0)
            rc = 2;
        buf_free(&b);
    }
    free(hcopy);
out:
    if (diag.errors)
        fprintf(stderr, "comidl: %d error%s, %d warning%s\n", diag.errors, diag.errors == 1 ? "" : "s",
                diag.warnings, diag.warnings == 1 ? "" : "s");
    CoTaskMemFree(tlb_data);
    for (int i = 0; i < 3; i++)
        free(defaults[i]);
    free(u->imports);
    idl_import_ctx_free(&imp);
    idl_arena_free(arena);
    for (int i = 0; i < ncpp; i++)
        free((char *)cpp_args[i]);
    free(dirs);
    free(cpp_args);
    free(envpath);
    return rc;
}
