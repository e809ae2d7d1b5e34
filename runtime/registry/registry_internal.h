/*
 * registry_internal.h - the registry file's internals, shared by the files of
 * runtime/registry/, the activation code and the tests. Never installed.
 *
 *   parse.c  text -> tree, and the syntax rules keys, names and values obey
 *   tree.c   the in-memory tree: lookup, edits, merging two scopes
 *   write.c  tree -> text, reading a file within limits, the locked atomic commit
 *   cache.c  scopes and their paths, cached snapshots, revalidation, generation
 *   api.c    the public functions of comrt/registry.h and transactions
 *
 * The format and the protocols are documented in docs/registry.md.
 */
#ifndef COMRT_REGISTRY_INTERNAL_H
#define COMRT_REGISTRY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "comrt.h"

/* Readers trust a cached snapshot this long before they stat the files again. */
#define COMRT_REG_RECHECK_MS 200

/* Limits: exceeding one is an error, never a crash or an unbounded allocation. */
#define COMRT_REG_MAX_FILE (16u << 20)  /* bytes in a registry file */
#define COMRT_REG_MAX_LINE 65536        /* bytes in one line, without its newline */
#define COMRT_REG_MAX_DEPTH 64          /* components in a key path */
#define COMRT_REG_MAX_KEY 4096          /* bytes in a key path */
#define COMRT_REG_MAX_COMPONENT 255     /* bytes in one key path component */

/* The internal override of the system file's path, for tests only. */
#define COMRT_REG_SYSTEM_ENV "COMRT_SYSTEM_REGISTRY"
#define COMRT_REG_SYSTEM_PATH "/etc/comrt/registry"

/*
 * comrt_reg_generation - a number that changes whenever the merged registry
 * content this process sees changes. force=0 revalidates with stat at most
 * every COMRT_REG_RECHECK_MS (or at once after a commit by this process);
 * force=1 stats now. When no check is due it costs one clock_gettime
 * (CLOCK_MONOTONIC_COARSE, a vDSO call) and two atomic loads.
 */
uint64_t comrt_reg_generation(int force);

/* The tree --------------------------------------------------------------- */

/* A named string value; name "" is the key's default value (`@`). */
struct comrt_reg_value {
    char *name;
    char *data;
};

struct comrt_reg_key {
    char *path;                      /* full path, in the case first written */
    uint32_t depth;                  /* number of components, >= 1 */
    size_t nvalues, capvalues;
    struct comrt_reg_value *values;  /* sorted by comrt_reg_name_cmp: @ first */
};

/*
 * A registry: keys sorted by comrt_reg_path_cmp (component by component,
 * ASCII case-insensitively, so a key's descendants follow it contiguously),
 * closed under parents (every ancestor of a key is a key).
 */
typedef struct comrt_reg_tree {
    size_t nkeys, capkeys;
    struct comrt_reg_key *keys;
} comrt_reg_tree;

comrt_reg_tree *comrt_reg_tree_new(void);
/* NULL is a no-op. */
void comrt_reg_tree_free(comrt_reg_tree *t);

/* Orders key paths: component by component, ASCII case folded. */
int comrt_reg_path_cmp(const char *a, const char *b);
/* Orders value names: ASCII case folded, so "" (the default value) first. */
int comrt_reg_name_cmp(const char *a, const char *b);

/* The key with this path (any case), or NULL; *index gets its index or insertion point. */
struct comrt_reg_key *comrt_reg_tree_find(const comrt_reg_tree *t, const char *path, size_t *index);
/* Index one past the last descendant of the key at index i. */
size_t comrt_reg_subtree_end(const comrt_reg_tree *t, size_t i);
/* The data of a value of k (name "" for the default), or NULL. */
const char *comrt_reg_key_value(const struct comrt_reg_key *k, const char *name);

/*
 * Edits. Arguments must already satisfy comrt_reg_check_key/_string.
 * Failures (out of memory only) set error information and leave the tree
 * valid, though possibly with some parent keys added.
 */
HRESULT comrt_reg_tree_create_key(comrt_reg_tree *t, const char *path, size_t *index);
HRESULT comrt_reg_tree_set_value(comrt_reg_tree *t, const char *path, const char *name, const char *data);
void comrt_reg_tree_delete_value(comrt_reg_tree *t, const char *path, const char *name);
void comrt_reg_tree_delete_key(comrt_reg_tree *t, const char *path);

/* A new tree with the keys of both; values of `over` win over those of `under`. */
HRESULT comrt_reg_tree_merge(const comrt_reg_tree *over, const comrt_reg_tree *under, comrt_reg_tree **out);

/* Parsing and syntax (parse.c) ------------------------------------------------ */

/*
 * comrt_reg_parse_buffer - parses a registry file's bytes. path_for_messages
 * prefixes error descriptions ("path:line: what is wrong", REGDB_E_READREGDB).
 * data need not be NUL-terminated; len up to COMRT_REG_MAX_FILE. *out is
 * freed with comrt_reg_tree_free.
 */
HRESULT comrt_reg_parse_buffer(const char *path_for_messages, const char *data, size_t len, comrt_reg_tree **out);

/* NULL if path is a valid key path, else why not (a static phrase, e.g. "has an empty component"). */
const char *comrt_reg_check_key(const char *path, size_t len);
/* NULL if s is a valid value name or data (UTF-8, no control characters but \t and \n), else why not. */
const char *comrt_reg_check_string(const char *s, size_t len);
/* Bytes s takes in the file once escaped, without the quotes. */
size_t comrt_reg_escaped_len(const char *s);

/* Writing (write.c) ---------------------------------------------------------- */

/* The file text for t, in a malloc'ed buffer. */
HRESULT comrt_reg_serialize(const comrt_reg_tree *t, char **buf, size_t *len);

/*
 * comrt_reg_read_file - reads a whole registry file (at most
 * COMRT_REG_MAX_FILE bytes) into a malloc'ed buffer and gives its fstat.
 * S_FALSE with *data NULL if it does not exist; REGDB_E_READREGDB (path and
 * system error) if it cannot be read.
 */
HRESULT comrt_reg_read_file(const char *path, char **data, size_t *len, struct stat *st);

/*
 * comrt_reg_commit_file - the writer protocol: exclusive flock on
 * "<path>.lock", re-read and parse path, apply(tree, ctx), write
 * "<path>.tmp", fsync, rename over path, fsync the directory. Missing
 * directories are created with dir_mode. REGDB_E_READREGDB if the current
 * file is malformed (it is left untouched), REGDB_E_WRITEREGDB if it cannot
 * be written, or apply's failure.
 */
typedef HRESULT (*comrt_reg_apply_fn)(comrt_reg_tree *t, void *ctx);
HRESULT comrt_reg_commit_file(const char *path, mode_t dir_mode, comrt_reg_apply_fn apply, void *ctx);

/* Scopes and the cache (cache.c) --------------------------------------------- */

/*
 * comrt_reg_scope_path - the file of scope (COMRT_REG_USER or
 * COMRT_REG_SYSTEM; COMRT_REGISTRY overrides both) into buf.
 * *private_dir (may be NULL) tells whether its directory is the user's own
 * (created 0700) rather than a system one (0755).
 */
HRESULT comrt_reg_scope_path(comrt_reg_scope scope, char *buf, size_t size, int *private_dir);

/* An immutable, reference-counted view of the merged registry. */
typedef struct comrt_reg_snapshot comrt_reg_snapshot;

/*
 * comrt_reg_snapshot_get - the current snapshot (revalidated if due), with a
 * reference for the caller. Fails with the registry's error (e.g. a malformed
 * file, REGDB_E_READREGDB) after setting error information.
 */
HRESULT comrt_reg_snapshot_get(comrt_reg_snapshot **out);
void comrt_reg_snapshot_put(comrt_reg_snapshot *s);
const comrt_reg_tree *comrt_reg_snapshot_tree(const comrt_reg_snapshot *s);

/* Called after this process wrote a registry file: the next read rechecks. */
void comrt_reg_cache_invalidate(void);

#endif /* COMRT_REGISTRY_INTERNAL_H */
