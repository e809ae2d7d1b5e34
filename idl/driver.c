/*
 * driver.c - files, the C preprocessor and imports.
 *
 * MIDL runs the C preprocessor over each file and handles `import` itself,
 * parsing each imported file once. comidl does the same, but runs cpp only
 * when a file uses preprocessor directives (or -D/-U/--cpp ask for it):
 * cpp collapses whitespace, so error columns are exact only without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "driver.h"

idl_unit *idl_unit_new(idl_arena *a, idl_diag *d, const char *main_file)
{
    idl_unit *u = idl_alloc(a, sizeof *u);
    u->arena = a;
    u->diag = d;
    u->main_file = main_file;
    u->decls_tail = &u->decls;
    u->all_tail = &u->all;
    return u;
}

int read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (64 << 20)) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    size_t n = (size_t)st.st_size, got = 0;
    char *buf = xmalloc(n + 1);
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

static int needs_cpp(const char *s, size_t n)
{
    int bol = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\n')
            bol = 1;
        else if (bol && c == '#')
            return 1;
        else if (c != ' ' && c != '\t' && c != '\r')
            bol = 0;
    }
    return 0;
}

/* Runs cpp over path; its output replaces *data. */
static int run_cpp(idl_import_ctx *imp, idl_diag *d, const char *path, char **data, size_t *len)
{
    const char *cpp = getenv("COMIDL_CPP");
    if (!cpp || !*cpp)
        cpp = "cpp";
    size_t max = 8 + (size_t)imp->ndirs * 2 + (size_t)imp->ncpp_args;
    const char **argv = xmalloc(sizeof *argv * (max + 1));
    size_t n = 0;
    argv[n++] = cpp;
    argv[n++] = "-xc";
    argv[n++] = "-undef";
    argv[n++] = "-D__midl=501";
    argv[n++] = "-D__COMIDL__=1";
    for (int i = 0; i < imp->ndirs; i++) {
        argv[n++] = "-I";
        argv[n++] = imp->dirs[i];
    }
    for (int i = 0; i < imp->ncpp_args; i++)
        argv[n++] = imp->cpp_args[i];
    argv[n++] = path;
    argv[n] = NULL;
    int fds[2];
    if (pipe(fds) != 0) {
        free(argv);
        idl_error(d, (idl_loc){0}, "cannot run cpp: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execvp(cpp, (char *const *)argv);
        fprintf(stderr, "comidl: cannot execute %s: %s\n", cpp, strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    free(argv);
    if (pid < 0) {
        close(fds[0]);
        idl_error(d, (idl_loc){0}, "cannot run cpp: %s", strerror(errno));
        return -1;
    }
    idl_buf out = {0};
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fds[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        buf_put(&out, chunk, (size_t)r);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        buf_free(&out);
        idl_error(d, (idl_loc){path, 1, 1}, "the C preprocessor failed");
        return -1;
    }
    free(*data);
    *data = out.data ? out.data : xmalloc(1);
    *len = out.len;
    return 0;
}

static int already_seen(idl_import_ctx *imp, const char *real)
{
    for (int i = 0; i < imp->nseen; i++)
        if (!strcmp(imp->seen[i], real))
            return 1;
    imp->seen = xrealloc(imp->seen, sizeof *imp->seen * (size_t)(imp->nseen + 1));
    imp->seen[imp->nseen++] = strdup(real);
    return 0;
}

static int parse_path(idl_unit *u, idl_import_ctx *imp, const char *path, const char *import_name, int base,
                      int depth)
{
    char *data;
    size_t len;
    if (read_file(path, &data, &len) != 0) {
        idl_error(u->diag, (idl_loc){0}, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    int cpp = imp->use_cpp > 0 || (imp->use_cpp < 0 && (imp->ncpp_args > 0 || needs_cpp(data, len)));
    if (cpp && run_cpp(imp, u->diag, path, &data, &len) != 0) {
        free(data);
        return -1;
    }
    parse_file(u, idl_strdup(u->arena, path), data, len, cpp, import_name, base, imp, depth);
    free(data);
    return 0;
}

int idl_parse_main(idl_unit *u, idl_import_ctx *imp, const char *path)
{
    char real[PATH_MAX];
    if (realpath(path, real))
        already_seen(imp, real);
    return parse_path(u, imp, path, NULL, 0, 0);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

void idl_do_import(idl_unit *u, idl_import_ctx *imp, const char *name, idl_loc loc, int depth)
{
    if (!imp || imp->no_files)
        return;
    if (depth > IDL_MAX_IMPORT_DEPTH) {
        idl_error(u->diag, loc, "imports nest too deeply at '%s'", name);
        return;
    }
    char cand[PATH_MAX], real[PATH_MAX];
    int found = 0;
    if (name[0] == '/') {
        found = snprintf(cand, sizeof cand, "%s", name) < (int)sizeof cand && is_file(cand);
    } else {
        /* The importing file's directory first, then -I, COMRT_IDL_PATH, the base IDL. */
        const char *slash = loc.file ? strrchr(loc.file, '/') : NULL;
        if (slash)
            found = snprintf(cand, sizeof cand, "%.*s/%s", (int)(slash - loc.file), loc.file, name) <
                        (int)sizeof cand &&
                    is_file(cand);
        else
            found = snprintf(cand, sizeof cand, "%s", name) < (int)sizeof cand && is_file(cand);
        for (int i = 0; !found && i < imp->ndirs; i++)
            found = snprintf(cand, sizeof cand, "%s/%s", imp->dirs[i], name) < (int)sizeof cand && is_file(cand);
    }
    if (!found || !realpath(cand, real)) {
        idl_error(u->diag, loc, "cannot find imported file '%s'", name);
        return;
    }
    if (already_seen(imp, real))
        return;
    int base = 0;
    if (imp->base_dir) {
        size_t n = strlen(imp->base_dir);
        base = strncmp(real, imp->base_dir, n) == 0 && real[n] == '/';
    }
    if (base && depth == 1) {
        u->imports = xrealloc(u->imports, sizeof *u->imports * (size_t)(u->nimports + 1));
        u->imports[u->nimports++] = name;
    }
    parse_path(u, imp, cand, name, base, depth);
}

void idl_import_ctx_free(idl_import_ctx *imp)
{
    for (int i = 0; i < imp->nseen; i++)
        free(imp->seen[i]);
    free(imp->seen);
}
