/*
 * api.c - the public registry functions (comrt/registry.h): argument checks,
 * reads from the cached snapshot, and transactions, which only record their
 * operations; comrt_reg_txn_commit replays them on the freshly re-read file
 * under the writer lock (write.c), so what a transaction changes is decided
 * at commit, never by a stale view.
 */
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "registry_internal.h"

enum op_kind { OP_SET, OP_CREATE, OP_DELETE_VALUE, OP_DELETE_KEY };

struct op {
    enum op_kind kind;
    char *key, *name, *value; /* name "" for the default value; value for OP_SET only */
};

struct comrt_reg_txn {
    comrt_reg_scope scope; /* USER or SYSTEM, resolved at begin */
    size_t nops, capops;
    struct op *ops;
};

static atomic_int default_scope = COMRT_REG_USER;

void comrt_reg_set_default_scope(comrt_reg_scope scope)
{
    if (scope == COMRT_REG_USER || scope == COMRT_REG_SYSTEM)
        atomic_store(&default_scope, scope);
}

comrt_reg_scope comrt_reg_get_default_scope(void)
{
    return (comrt_reg_scope)atomic_load(&default_scope);
}

/* Argument checks --------------------------------------------------------------- */

static HRESULT check_key(const char *fn, const char *key)
{
    if (!key)
        return comrt_error_set(E_INVALIDARG, "%s: the key is NULL", fn);
    const char *why = comrt_reg_check_key(key, strlen(key));
    if (why)
        return comrt_error_set(E_INVALIDARG, "%s: the key \"%.300s\" %s", fn, key, why);
    return S_OK;
}

static HRESULT check_name(const char *fn, const char *name)
{
    const char *why = name ? comrt_reg_check_string(name, strlen(name)) : NULL;
    if (why)
        return comrt_error_set(E_INVALIDARG, "%s: the value name \"%.300s\" %s", fn, name, why);
    return S_OK;
}

static HRESULT check_value(const char *fn, const char *name, const char *value)
{
    if (!value)
        return comrt_error_set(E_INVALIDARG, "%s: the value is NULL", fn);
    const char *why = comrt_reg_check_string(value, strlen(value));
    if (why)
        return comrt_error_set(E_INVALIDARG, "%s: the value of \"%.300s\" %s", fn, name ? name : "@", why);
    /* "name"="value" must fit in one line of the file. */
    size_t line = 6 + (name ? comrt_reg_escaped_len(name) : 0) + comrt_reg_escaped_len(value);
    if (line > COMRT_REG_MAX_LINE)
        return comrt_error_set(E_INVALIDARG, "%s: the value of \"%.300s\" is too long (%zu bytes escaped, at most %d)",
                               fn, name ? name : "@", line, COMRT_REG_MAX_LINE);
    return S_OK;
}

static HRESULT resolve_scope(comrt_reg_scope *scope)
{
    if (*scope == COMRT_REG_DEFAULT)
        *scope = comrt_reg_get_default_scope();
    if (*scope != COMRT_REG_USER && *scope != COMRT_REG_SYSTEM)
        return comrt_error_set(E_INVALIDARG, "invalid registry scope %d", (int)*scope);
    return S_OK;
}

HRESULT comrt_reg_file_path(comrt_reg_scope scope, char **path)
{
    char buf[PATH_MAX];
    HRESULT hr;

    if (!path)
        return E_POINTER;
    *path = NULL;
    hr = resolve_scope(&scope);
    if (SUCCEEDED(hr))
        hr = comrt_reg_scope_path(scope, buf, sizeof buf, NULL);
    if (FAILED(hr))
        return hr;
    size_t n = strlen(buf) + 1;
    if (!(*path = CoTaskMemAlloc(n)))
        return comrt_error_set(E_OUTOFMEMORY, "comrt_reg_file_path: out of memory");
    memcpy(*path, buf, n);
    return S_OK;
}

/* Reading --------------------------------------------------------------------- */

static char *task_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = CoTaskMemAlloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/*
 * The snapshot and the key (NULL if missing) for a read. The empty path is
 * the root (HKEY_CLASSES_ROOT itself): it always exists, has the top-level
 * keys as subkeys and never has values; open_key returns S_FALSE for it.
 */
static HRESULT open_key(const char *fn, const char *key, comrt_reg_snapshot **snap, size_t *index,
                        const struct comrt_reg_key **k)
{
    HRESULT hr = key && !key[0] ? S_FALSE : check_key(fn, key);
    if (FAILED(hr))
        return hr;
    HRESULT got = comrt_reg_snapshot_get(snap);
    if (FAILED(got))
        return got;
    if (hr == S_OK)
        *k = comrt_reg_tree_find(comrt_reg_snapshot_tree(*snap), key, index);
    return hr;
}

HRESULT comrt_reg_get_value(const char *key, const char *name, char **value)
{
    comrt_reg_snapshot *snap = NULL;
    const struct comrt_reg_key *k = NULL;
    HRESULT hr;

    if (!value)
        return E_POINTER;
    *value = NULL;
    hr = check_name("comrt_reg_get_value", name);
    if (SUCCEEDED(hr))
        hr = open_key("comrt_reg_get_value", key, &snap, NULL, &k);
    if (FAILED(hr))
        return hr;
    const char *data = k ? comrt_reg_key_value(k, name) : NULL;
    if (hr == S_FALSE)
        hr = comrt_error_set(REGDB_E_INVALIDVALUE, "the registry root has no values");
    else if (!k)
        hr = comrt_error_set(REGDB_E_KEYMISSING, "registry key %s does not exist", key);
    else if (!data)
        hr = comrt_error_set(REGDB_E_INVALIDVALUE, "registry key %s has no value %s%s%s", key,
                             name && name[0] ? "\"" : "", name && name[0] ? name : "@", name && name[0] ? "\"" : "");
    else if (!(*value = task_strdup(data)))
        hr = comrt_error_set(E_OUTOFMEMORY, "comrt_reg_get_value: out of memory");
    comrt_reg_snapshot_put(snap);
    return hr;
}

HRESULT comrt_reg_key_exists(const char *key)
{
    comrt_reg_snapshot *snap = NULL;
    const struct comrt_reg_key *k = NULL;
    HRESULT hr = open_key("comrt_reg_key_exists", key, &snap, NULL, &k);
    if (FAILED(hr))
        return hr;
    comrt_reg_snapshot_put(snap);
    return hr == S_FALSE || k ? S_OK : S_FALSE;
}

void comrt_reg_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        CoTaskMemFree(*p);
    CoTaskMemFree(list);
}

static const char *last_component(const char *path)
{
    const char *sep = strrchr(path, '\\');
    return sep ? sep + 1 : path;
}

/* A NULL-terminated CoTaskMem array of n strings, filled by the caller. */
static char **new_list(size_t n)
{
    if (n >= SIZE_MAX / sizeof(char *))
        return NULL;
    char **list = CoTaskMemAlloc((n + 1) * sizeof *list);
    if (list)
        memset(list, 0, (n + 1) * sizeof *list);
    return list;
}

static HRESULT enum_names(const char *fn, const char *key, int subkeys, char ***names, size_t *count)
{
    comrt_reg_snapshot *snap = NULL;
    const struct comrt_reg_key *k = NULL;
    char **list = NULL;
    size_t index = 0, n = 0;
    HRESULT hr;

    if (!names)
        return E_POINTER;
    *names = NULL;
    if (count)
        *count = 0;
    hr = open_key(fn, key, &snap, &index, &k);
    if (FAILED(hr))
        return hr;
    if (hr == S_OK && !k) {
        hr = comrt_error_set(REGDB_E_KEYMISSING, "registry key %s does not exist", key);
        goto out;
    }
    const comrt_reg_tree *t = comrt_reg_snapshot_tree(snap);
    /* Children are the keys one level deeper in the key's contiguous subtree
     * (the root's is the whole array); hopping from a child to the end of its
     * subtree skips grandchildren. */
    size_t first = k ? index + 1 : 0, end = !subkeys ? 0 : k ? comrt_reg_subtree_end(t, index) : t->nkeys;
    size_t total = subkeys || !k ? 0 : k->nvalues;
    for (size_t i = first; i < end; i = comrt_reg_subtree_end(t, i))
        total++;
    if (!(list = new_list(total)))
        goto oom;
    for (size_t i = first; i < end; i = comrt_reg_subtree_end(t, i))
        if (!(list[n++] = task_strdup(last_component(t->keys[i].path))))
            goto oom;
    for (size_t i = 0; !subkeys && i < total; i++)
        if (!(list[n++] = task_strdup(k->values[i].name)))
            goto oom;
    *names = list;
    list = NULL;
    if (count)
        *count = n;
    hr = S_OK;
    goto out;
oom:
    hr = comrt_error_set(E_OUTOFMEMORY, "%s: out of memory", fn);
out:
    comrt_reg_free_list(list);
    comrt_reg_snapshot_put(snap);
    return hr;
}

HRESULT comrt_reg_enum_subkeys(const char *key, char ***names, size_t *count)
{
    return enum_names("comrt_reg_enum_subkeys", key, 1, names, count);
}

HRESULT comrt_reg_enum_values(const char *key, char ***names, size_t *count)
{
    return enum_names("comrt_reg_enum_values", key, 0, names, count);
}

/* Transactions ------------------------------------------------------------------ */

HRESULT comrt_reg_txn_begin(comrt_reg_scope scope, comrt_reg_txn **txn)
{
    if (!txn)
        return E_POINTER;
    *txn = NULL;
    HRESULT hr = resolve_scope(&scope);
    if (FAILED(hr))
        return hr;
    if (!(*txn = calloc(1, sizeof **txn)))
        return comrt_error_set(E_OUTOFMEMORY, "comrt_reg_txn_begin: out of memory");
    (*txn)->scope = scope;
    return S_OK;
}

static HRESULT add_op(comrt_reg_txn *txn, enum op_kind kind, const char *key, const char *name, const char *value)
{
    struct op o = {.kind = kind};

    if (txn->nops == txn->capops) {
        size_t cap = txn->capops ? txn->capops * 2 : 8;
        struct op *ops = cap < SIZE_MAX / sizeof *ops ? realloc(txn->ops, cap * sizeof *ops) : NULL;
        if (!ops)
            goto oom;
        txn->ops = ops;
        txn->capops = cap;
    }
    o.key = strdup(key);
    o.name = strdup(name ? name : "");
    o.value = value ? strdup(value) : NULL;
    if (!o.key || !o.name || (value && !o.value))
        goto oom;
    txn->ops[txn->nops++] = o;
    return S_OK;
oom:
    free(o.key);
    free(o.name);
    free(o.value);
    return comrt_error_set(E_OUTOFMEMORY, "registry transaction: out of memory");
}

HRESULT comrt_reg_txn_set_value(comrt_reg_txn *txn, const char *key, const char *name, const char *value)
{
    static const char fn[] = "comrt_reg_txn_set_value";
    HRESULT hr = txn ? S_OK : comrt_error_set(E_INVALIDARG, "%s: NULL transaction", fn);
    if (SUCCEEDED(hr))
        hr = check_key(fn, key);
    if (SUCCEEDED(hr))
        hr = check_name(fn, name);
    if (SUCCEEDED(hr))
        hr = check_value(fn, name, value);
    return SUCCEEDED(hr) ? add_op(txn, OP_SET, key, name, value) : hr;
}

HRESULT comrt_reg_txn_create_key(comrt_reg_txn *txn, const char *key)
{
    static const char fn[] = "comrt_reg_txn_create_key";
    HRESULT hr = txn ? S_OK : comrt_error_set(E_INVALIDARG, "%s: NULL transaction", fn);
    if (SUCCEEDED(hr))
        hr = check_key(fn, key);
    return SUCCEEDED(hr) ? add_op(txn, OP_CREATE, key, NULL, NULL) : hr;
}

HRESULT comrt_reg_txn_delete_value(comrt_reg_txn *txn, const char *key, const char *name)
{
    static const char fn[] = "comrt_reg_txn_delete_value";
    HRESULT hr = txn ? S_OK : comrt_error_set(E_INVALIDARG, "%s: NULL transaction", fn);
    if (SUCCEEDED(hr))
        hr = check_key(fn, key);
    if (SUCCEEDED(hr))
        hr = check_name(fn, name);
    return SUCCEEDED(hr) ? add_op(txn, OP_DELETE_VALUE, key, name, NULL) : hr;
}

HRESULT comrt_reg_txn_delete_key(comrt_reg_txn *txn, const char *key)
{
    static const char fn[] = "comrt_reg_txn_delete_key";
    HRESULT hr = txn ? S_OK : comrt_error_set(E_INVALIDARG, "%s: NULL transaction", fn);
    if (SUCCEEDED(hr))
        hr = check_key(fn, key);
    return SUCCEEDED(hr) ? add_op(txn, OP_DELETE_KEY, key, NULL, NULL) : hr;
}

void comrt_reg_txn_abort(comrt_reg_txn *txn)
{
    if (!txn)
        return;
    for (size_t i = 0; i < txn->nops; i++) {
        free(txn->ops[i].key);
        free(txn->ops[i].name);
        free(txn->ops[i].value);
    }
    free(txn->ops);
    free(txn);
}

/* Runs under the writer lock on the tree just read from the file. */
static HRESULT apply_ops(comrt_reg_tree *t, void *ctx)
{
    const comrt_reg_txn *txn = ctx;
    HRESULT hr = S_OK;

    for (size_t i = 0; i < txn->nops && SUCCEEDED(hr); i++) {
        const struct op *o = &txn->ops[i];
        switch (o->kind) {
        case OP_SET: hr = comrt_reg_tree_set_value(t, o->key, o->name, o->value); break;
        case OP_CREATE: hr = comrt_reg_tree_create_key(t, o->key, NULL); break;
        case OP_DELETE_VALUE: comrt_reg_tree_delete_value(t, o->key, o->name); break;
        case OP_DELETE_KEY: comrt_reg_tree_delete_key(t, o->key); break;
        }
    }
    return hr;
}

HRESULT comrt_reg_txn_commit(comrt_reg_txn *txn)
{
    char path[PATH_MAX];
    int own_dir;
    HRESULT hr;

    if (!txn)
        return comrt_error_set(E_INVALIDARG, "comrt_reg_txn_commit: NULL transaction");
    hr = comrt_reg_scope_path(txn->scope, path, sizeof path, &own_dir);
    if (SUCCEEDED(hr)) {
        /* 0700 for the user's directories, as XDG asks; 0755 under /etc. */
        hr = comrt_reg_commit_file(path, own_dir ? 0700 : 0755, apply_ops, txn);
        /* Even a failed commit may have replaced the file (a directory fsync error). */
        comrt_reg_cache_invalidate();
    }
    comrt_reg_txn_abort(txn);
    return hr;
}

HRESULT comrt_reg_set_value(comrt_reg_scope scope, const char *key, const char *name, const char *value)
{
    comrt_reg_txn *txn;
    HRESULT hr = comrt_reg_txn_begin(scope, &txn);
    if (SUCCEEDED(hr))
        hr = comrt_reg_txn_set_value(txn, key, name, value);
    if (FAILED(hr)) {
        comrt_reg_txn_abort(txn);
        return hr;
    }
    return comrt_reg_txn_commit(txn);
}

HRESULT comrt_reg_delete_key(comrt_reg_scope scope, const char *key)
{
    comrt_reg_txn *txn;
    HRESULT hr = comrt_reg_txn_begin(scope, &txn);
    if (SUCCEEDED(hr))
        hr = comrt_reg_txn_delete_key(txn, key);
    if (FAILED(hr)) {
        comrt_reg_txn_abort(txn);
        return hr;
    }
    return comrt_reg_txn_commit(txn);
}
