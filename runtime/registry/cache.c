/*
 * cache.c - what readers see: the scopes' files, parsed and merged into an
 * immutable, reference-counted snapshot that is rebuilt only when a file
 * changed.
 *
 * Revalidation costs a stat per file and happens at most every
 * COMRT_REG_RECHECK_MS, so the warm path (comrt_reg_generation(0) on every
 * CoCreateInstance) is a coarse clock read and two atomic loads. A commit
 * from this process marks the cache dirty, so its own change is seen at once;
 * a miss makes the activation code force a recheck (generation(1)) before it
 * reports a class as not registered.
 *
 * A stat identity (dev, inode, size, mtime) cannot prove a file unchanged if
 * the file was modified within the file system's timestamp granularity of
 * the moment we read it: a second write in the same tick, landing on a
 * recycled inode with the same size, would look identical (git's "racy"
 * problem). Such a file is re-read at every recheck, and its content hash
 * decides, until its mtime is comfortably older than our last read.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "registry_internal.h"

#define NS_PER_MS 1000000LL
#define RACY_NS (2000 * NS_PER_MS)

struct comrt_reg_snapshot {
    atomic_uint refs;
    HRESULT hr;            /* S_OK, or what every read reports */
    char *message;         /* its description */
    comrt_reg_tree *tree;  /* the merged view when hr is S_OK */
};

/* What we last learned about one scope's file. */
struct source {
    char path[PATH_MAX];
    int known;   /* the fields below describe the file; else read it again */
    int exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
    int racy;      /* changed too recently for its stat to prove it unchanged */
    uint64_t hash; /* of the content */
    HRESULT hr;    /* of reading it */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Guarded by lock. Sources are [0] user, [1] system, or [0] COMRT_REGISTRY alone. */
static struct source sources[2];
static int nsources;
static comrt_reg_snapshot *current;
/* Read without the lock by the warm path. */
static atomic_uint_least64_t generation;
static atomic_llong next_check; /* CLOCK_MONOTONIC_COARSE, ns */
static atomic_int dirty = 1;

static long long mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Scopes and paths ------------------------------------------------------------- */

/* The user's file into buf; NULL, or why it has none (error information untouched). */
static const char *user_path(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home;
    char pwbuf[4096];
    struct passwd pw, *res = NULL;
    int n;

    /* The XDG spec says to ignore a relative XDG_CONFIG_HOME. */
    if (xdg && xdg[0] == '/') {
        n = snprintf(buf, size, "%s/comrt/registry", xdg);
    } else {
        home = getenv("HOME");
        if (!home || home[0] != '/') {
            if (getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 || !res || !res->pw_dir ||
                res->pw_dir[0] != '/')
                return "no home directory for the user registry (set HOME or XDG_CONFIG_HOME)";
            home = res->pw_dir;
        }
        n = snprintf(buf, size, "%s/.config/comrt/registry", home);
    }
    return n < 0 || (size_t)n >= size ? "the user registry path is too long" : NULL;
}

/* The files the merged view reads, user first; COMRT_REGISTRY alone if set. */
static int read_paths(char paths[2][PATH_MAX])
{
    const char *one = getenv("COMRT_REGISTRY"), *sys = getenv(COMRT_REG_SYSTEM_ENV);
    int n = 0;

    if (one && one[0])
        return snprintf(paths[0], PATH_MAX, "%s", one) < PATH_MAX;
    if (!user_path(paths[n], PATH_MAX))
        n++; /* without a home directory only the system scope is read */
    if (snprintf(paths[n], PATH_MAX, "%s", sys && sys[0] ? sys : COMRT_REG_SYSTEM_PATH) < PATH_MAX)
        n++;
    return n;
}

HRESULT comrt_reg_scope_path(comrt_reg_scope scope, char *buf, size_t size, int *private_dir)
{
    const char *one = getenv("COMRT_REGISTRY"), *sys;
    int own = 1;
    HRESULT hr = S_OK;

    if (one && one[0]) {
        if (snprintf(buf, size, "%s", one) >= (int)size)
            hr = comrt_error_set(HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), "COMRT_REGISTRY is too long");
    } else if (scope == COMRT_REG_SYSTEM) {
        sys = getenv(COMRT_REG_SYSTEM_ENV);
        own = 0;
        if (snprintf(buf, size, "%s", sys && sys[0] ? sys : COMRT_REG_SYSTEM_PATH) >= (int)size)
            hr = comrt_error_set(HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), "the system registry path is too long");
    } else {
        const char *why = user_path(buf, size);
        if (why)
            hr = comrt_error_set(HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), "%s", why);
    }
    if (private_dir)
        *private_dir = own;
    return hr;
}

/* Snapshots -------------------------------------------------------------------- */

void comrt_reg_snapshot_put(comrt_reg_snapshot *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
        return;
    comrt_reg_tree_free(s->tree);
    free(s->message);
    free(s);
}

const comrt_reg_tree *comrt_reg_snapshot_tree(const comrt_reg_snapshot *s)
{
    return s->tree;
}

static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

/* Caller holds lock. Whether s certainly still describes its file. */
static int unchanged(const struct source *s)
{
    struct stat st;
    if (!s->known || s->racy)
        return 0;
    if (stat(s->path, &st) < 0)
        return errno == ENOENT && !s->exists;
    return s->exists && st.st_dev == s->dev && st.st_ino == s->ino && st.st_size == s->size &&
           st.st_mtim.tv_sec == s->mtim.tv_sec && st.st_mtim.tv_nsec == s->mtim.tv_nsec;
}

/* Reads one file into f and *data; an error goes to f->hr and *msg (the first one only). */
static void read_source(struct source *f, char **data, size_t *len, char **msg)
{
    struct timespec before;
    struct stat st;

    clock_gettime(CLOCK_REALTIME, &before);
    f->hr = comrt_reg_read_file(f->path, data, len, &st);
    if (FAILED(f->hr)) {
        if (!*msg)
            *msg = comrt_error_take_description();
        return; /* known stays 0: try again at the next recheck */
    }
    f->known = 1;
    f->exists = f->hr == S_OK;
    if (!f->exists)
        return;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->size = st.st_size;
    f->mtim = st.st_mtim;
    f->hash = fnv1a(*data, *len);
    long long mt = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    f->racy = mt + RACY_NS >= (long long)before.tv_sec * 1000000000LL + before.tv_nsec;
}

/* Caller holds lock. Re-reads the files and installs a new snapshot if their content changed. */
static void reload(char paths[2][PATH_MAX], int n)
{
    struct source fresh[2];
    char *data[2] = {NULL, NULL}, *msg = NULL;
    size_t len[2] = {0, 0};
    comrt_reg_tree *trees[2] = {NULL, NULL};
    comrt_reg_snapshot *s = NULL;
    int same = current && n == nsources;

    for (int i = 0; i < n; i++) {
        memset(&fresh[i], 0, sizeof fresh[i]);
        memcpy(fresh[i].path, paths[i], PATH_MAX);
        read_source(&fresh[i], &data[i], &len[i], &msg);
        const struct source *o = &sources[i];
        if (same && (strcmp(o->path, fresh[i].path) || o->exists != fresh[i].exists || o->hash != fresh[i].hash ||
                     o->hr != fresh[i].hr))
            same = 0;
    }
    if (same)
        goto keep; /* touched or re-read, but the same bytes: the snapshot stands */

    if (!(s = calloc(1, sizeof *s)))
        goto retry;
    atomic_init(&s->refs, 1);
    for (int i = 0; i < n && SUCCEEDED(s->hr); i++)
        s->hr = fresh[i].hr; /* msg describes this first failure */
    for (int i = 0; i < n && SUCCEEDED(s->hr); i++) {
        s->hr = comrt_reg_parse_buffer(fresh[i].path, data[i], len[i], &trees[i]);
        if (FAILED(s->hr))
            msg = comrt_error_take_description();
    }
    if (s->hr == E_OUTOFMEMORY)
        goto retry;
    if (FAILED(s->hr)) {
        s->message = msg;
        msg = NULL;
    } else if (n == 2 && trees[0]->nkeys && trees[1]->nkeys) {
        if (FAILED(comrt_reg_tree_merge(trees[0], trees[1], &s->tree)))
            goto retry;
    } else {
        int pick = n == 2 && !trees[0]->nkeys;
        s->tree = trees[pick];
        trees[pick] = NULL;
        if (!s->tree && !(s->tree = comrt_reg_tree_new()))
            goto retry;
    }
    comrt_reg_snapshot_put(current);
    current = s;
    s = NULL;
    atomic_fetch_add(&generation, 1);
keep:
    memcpy(sources, fresh, (size_t)n * sizeof *fresh);
    nsources = n;
    goto out;
retry:
    /* Out of memory: keep what we had and look again at the next recheck. */
    for (int i = 0; i < nsources; i++)
        sources[i].known = 0;
out:
    comrt_reg_snapshot_put(s);
    free(msg);
    for (int i = 0; i < 2; i++) {
        free(data[i]);
        comrt_reg_tree_free(trees[i]);
    }
}

/* Caller holds lock. */
static void refresh(int force)
{
    char paths[2][PATH_MAX];
    int n, changed;

    if (!force && current && !atomic_load(&dirty) && mono_ns() < atomic_load(&next_check))
        return;
    /* Cleared before looking, so a commit that lands meanwhile marks it again. */
    atomic_store(&dirty, 0);
    n = read_paths(paths);
    changed = !current || n != nsources;
    for (int i = 0; i < n && !changed; i++)
        changed = strcmp(paths[i], sources[i].path) != 0 || !unchanged(&sources[i]);
    if (changed)
        reload(paths, n);
    atomic_store(&next_check, mono_ns() + COMRT_REG_RECHECK_MS * NS_PER_MS);
}

/* A fork while another thread holds the lock must not leave the child's copy locked. */
static void before_fork(void) { pthread_mutex_lock(&lock); }
static void after_fork(void) { pthread_mutex_unlock(&lock); }
static void install_fork_handlers(void) { pthread_atfork(before_fork, after_fork, after_fork); }

uint64_t comrt_reg_generation(int force)
{
    uint64_t g;

    if (!force && !atomic_load_explicit(&dirty, memory_order_acquire) &&
        mono_ns() < atomic_load_explicit(&next_check, memory_order_acquire))
        return atomic_load_explicit(&generation, memory_order_acquire);
    pthread_once(&once, install_fork_handlers);
    pthread_mutex_lock(&lock);
    refresh(force);
    g = atomic_load(&generation);
    pthread_mutex_unlock(&lock);
    return g;
}

HRESULT comrt_reg_snapshot_get(comrt_reg_snapshot **out)
{
    comrt_reg_snapshot *s;
    HRESULT hr;

    *out = NULL;
    pthread_once(&once, install_fork_handlers);
    pthread_mutex_lock(&lock);
    refresh(0);
    s = current;
    if (s)
        atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&lock);
    if (!s)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory reading the registry");
    if (FAILED(s->hr)) {
        hr = comrt_error_set(s->hr, "%s", s->message ? s->message : "the registry cannot be read");
        comrt_reg_snapshot_put(s);
        return hr;
    }
    *out = s;
    return S_OK;
}

void comrt_reg_cache_invalidate(void)
{
    pthread_once(&once, install_fork_handlers);
    pthread_mutex_lock(&lock);
    for (int i = 0; i < nsources; i++)
        sources[i].known = 0; /* re-read even if the stat looks the same */
    atomic_store(&dirty, 1);
    pthread_mutex_unlock(&lock);
}
