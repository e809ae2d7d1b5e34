/*
 * write.c - the tree back into text, reading a file within the limits, and
 * the writer's protocol (docs/registry.md, "Writing"):
 *
 *   flock(LOCK_EX) "<file>.lock"   serializes writers, in and across processes
 *   read + parse "<file>"          so no concurrent commit is lost
 *   apply the transaction
 *   write "<file>.tmp", fsync      a fixed name is safe: only the lock holder
 *                                  touches it, and O_TRUNC discards what a
 *                                  killed writer left behind
 *   rename over "<file>"           atomic: readers see the old or the new file
 *   fsync the directory            the rename itself survives a crash
 *   close the lock                 the kernel also drops it if we are killed
 *
 * The lock file is never deleted: unlinking a lock file races with a writer
 * that has it open but not yet locked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "registry_internal.h"

/* Serializing ----------------------------------------------------------------- */

struct outbuf {
    char *p;
    size_t len, cap;
    int failed;
};

static void put(struct outbuf *b, const char *s, size_t n)
{
    if (b->failed || !n)
        return;
    if (n > SIZE_MAX / 2 - b->len) {
        b->failed = 1;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(struct outbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void put_quoted(struct outbuf *b, const char *s)
{
    put(b, "\"", 1);
    for (const char *run = s;; s++) {
        const char *esc = NULL;
        switch (*s) {
        case '\\': esc = "\\\\"; break;
        case '"': esc = "\\\""; break;
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\0': break;
        default: continue;
        }
        put(b, run, (size_t)(s - run));
        if (!esc)
            break;
        put(b, esc, 2);
        run = s + 1;
    }
    put(b, "\"", 1);
}

HRESULT comrt_reg_serialize(const comrt_reg_tree *t, char **buf, size_t *len)
{
    struct outbuf b = {0};

    *buf = NULL;
    *len = 0;
    puts_(&b, "comrt-registry 1\n"
              "; HKEY_CLASSES_ROOT for comrt (docs/registry.md). Rewritten sorted on every change;\n"
              "; comments are not kept.\n");
    for (size_t i = 0; i < t->nkeys; i++) {
        const struct comrt_reg_key *k = &t->keys[i];
        puts_(&b, "\n[");
        puts_(&b, k->path);
        puts_(&b, "]\n");
        for (size_t v = 0; v < k->nvalues; v++) {
            if (k->values[v].name[0])
                put_quoted(&b, k->values[v].name);
            else
                put(&b, "@", 1);
            put(&b, "=", 1);
            put_quoted(&b, k->values[v].data);
            put(&b, "\n", 1);
        }
    }
    if (b.failed) {
        free(b.p);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory writing the registry");
    }
    *buf = b.p;
    *len = b.len;
    return S_OK;
}

/* Reading --------------------------------------------------------------------- */

HRESULT comrt_reg_read_file(const char *path, char **data, size_t *len, struct stat *st)
{
    char *buf = NULL;
    size_t n = 0, cap;
    HRESULT hr;
    int fd;

    *data = NULL;
    *len = 0;
    memset(st, 0, sizeof *st);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT)
            return S_FALSE; /* a missing file is an empty registry */
        return comrt_error_set(REGDB_E_READREGDB, "cannot open the registry %s: %s", path, strerror(errno));
    }
    if (fstat(fd, st) < 0) {
        hr = comrt_error_set(REGDB_E_READREGDB, "cannot stat the registry %s: %s", path, strerror(errno));
        goto fail;
    }
    if (!S_ISREG(st->st_mode)) {
        hr = comrt_error_set(REGDB_E_READREGDB, "the registry %s is not a regular file", path);
        goto fail;
    }
    if (st->st_size > (off_t)COMRT_REG_MAX_FILE)
        goto too_large;
    /* One more byte than the size, to notice growth since the fstat. */
    cap = (size_t)st->st_size + 1;
    if (!(buf = malloc(cap))) {
        hr = comrt_error_set(E_OUTOFMEMORY, "out of memory reading the registry %s", path);
        goto fail;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            hr = comrt_error_set(REGDB_E_READREGDB, "cannot read the registry %s: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > COMRT_REG_MAX_FILE)
            goto too_large;
        if (n == cap) {
            size_t ncap = cap * 2 > COMRT_REG_MAX_FILE + 1u ? COMRT_REG_MAX_FILE + 1u : cap * 2;
            char *q = realloc(buf, ncap);
            if (!q) {
                hr = comrt_error_set(E_OUTOFMEMORY, "out of memory reading the registry %s", path);
                goto fail;
            }
            buf = q;
            cap = ncap;
        }
    }
    close(fd);
    *data = buf;
    *len = n;
    return S_OK;
too_large:
    hr = comrt_error_set(REGDB_E_READREGDB, "%s: the file is larger than %u MiB", path, COMRT_REG_MAX_FILE >> 20);
fail:
    free(buf);
    close(fd);
    return hr;
}

/* Writing --------------------------------------------------------------------- */

/* Creates the missing directories above path (mode applies to new ones only). */
static HRESULT make_parent_dirs(const char *path, mode_t mode)
{
    char dir[PATH_MAX];
    struct stat st;
    char *slash;

    if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
        return comrt_error_set(REGDB_E_WRITEREGDB, "registry path too long: %s", path);
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return S_OK;
    *slash = '\0';
    if (stat(dir, &st) == 0)
        return S_OK; /* the common case: one syscall */
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, mode) < 0 && errno != EEXIST)
            return comrt_error_set(REGDB_E_WRITEREGDB, "cannot create the directory %s: %s", dir, strerror(errno));
        *p = saved;
        if (!saved)
            return S_OK;
    }
}

static HRESULT write_all(int fd, const char *tmp, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return comrt_error_set(REGDB_E_WRITEREGDB, "cannot write %s: %s", tmp, strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return S_OK;
}

static HRESULT sync_dir(const char *path)
{
    char dir[PATH_MAX];
    char *slash;
    int fd, err = 0;

    snprintf(dir, sizeof dir, "%s", path); /* fits: checked by make_parent_dirs */
    slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        err = errno;
    if (fd >= 0)
        close(fd);
    /* Some file systems cannot sync a directory; the rename is done either way. */
    if (err && err != EINVAL && err != EROFS)
        return comrt_error_set(REGDB_E_WRITEREGDB, "cannot sync the directory %s: %s", dir, strerror(err));
    return S_OK;
}

HRESULT comrt_reg_commit_file(const char *path, mode_t dir_mode, comrt_reg_apply_fn apply, void *ctx)
{
    char lock[PATH_MAX], tmp[PATH_MAX];
    char *old = NULL, *text = NULL;
    size_t oldlen = 0, len = 0;
    comrt_reg_tree *t = NULL;
    int lockfd = -1, fd = -1, tmp_made = 0;
    struct stat st;
    HRESULT hr;

    if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock ||
        snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return comrt_error_set(REGDB_E_WRITEREGDB, "registry path too long: %s", path);
    hr = make_parent_dirs(path, dir_mode);
    if (FAILED(hr))
        return hr;
    /* 0600: anyone able to open the lock file could flock it and stall writers. */
    lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
    if (lockfd < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot open the lock file %s: %s", lock, strerror(errno));
        goto out;
    }
    while (flock(lockfd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot lock %s: %s", lock, strerror(errno));
            goto out;
        }
    }

    hr = comrt_reg_read_file(path, &old, &oldlen, &st);
    if (FAILED(hr))
        goto out;
    hr = comrt_reg_parse_buffer(path, old, oldlen, &t);
    if (FAILED(hr))
        goto out; /* a malformed file is left as it is */
    hr = apply(t, ctx);
    if (FAILED(hr))
        goto out;
    hr = comrt_reg_serialize(t, &text, &len);
    if (FAILED(hr))
        goto out;
    if (len > COMRT_REG_MAX_FILE) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot write %s: the registry would be larger than %u MiB", path,
                             COMRT_REG_MAX_FILE >> 20);
        goto out;
    }
    /* Nothing changed (hr is S_OK): keep the file and its mtime, and do not
     * create a file just to say that the registry is empty. */
    if (old ? len == oldlen && memcmp(old, text, len) == 0 : t->nkeys == 0)
        goto out;

    mode_t mode = old ? st.st_mode & 07777 : 0644;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, mode);
    if (fd < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    tmp_made = 1;
    /* Keep an existing file's mode exactly (open applied the umask; a stale .tmp keeps its own). */
    if (fchmod(fd, mode) < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot set the mode of %s: %s", tmp, strerror(errno));
        goto out;
    }
    hr = write_all(fd, tmp, text, len);
    if (FAILED(hr))
        goto out;
    if (fsync(fd) < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    int rc = close(fd);
    fd = -1;
    if (rc < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) < 0) {
        hr = comrt_error_set(REGDB_E_WRITEREGDB, "cannot replace %s: %s", path, strerror(errno));
        goto out;
    }
    tmp_made = 0;
    hr = sync_dir(path);
out:
    if (fd >= 0)
        close(fd);
    if (tmp_made)
        unlink(tmp);
    if (lockfd >= 0)
        close(lockfd); /* releases the flock */
    comrt_reg_tree_free(t);
    free(old);
    free(text);
    return hr;
}
