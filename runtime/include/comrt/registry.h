/*
 * comrt/registry.h - the registry file: HKEY_CLASSES_ROOT as a text file.
 *
 * Keys are backslash-separated paths below HKCR ("CLSID\\{...}\\InprocServer32"),
 * compared case-insensitively (ASCII), stored with the case first written.
 * Values are named UTF-8 strings; the empty name ("" or NULL) is the key's
 * default value, written `@` in the file. The empty key "" is the root, for
 * reading only: enumerating it lists the top-level keys (ProgIDs, "CLSID",
 * ...); it holds no values and cannot be written. See docs/registry.md.
 *
 * Scopes: a per-user file ($XDG_CONFIG_HOME/comrt/registry, default
 * ~/.config/comrt/registry) over a system file (/etc/comrt/registry), merged
 * value by value with the user's winning. COMRT_REGISTRY names one file that
 * replaces both, for reading and writing.
 *
 * Every function is thread-safe. Failures return an HRESULT and set error
 * information (a malformed file reads "path:line: message").
 */
#ifndef COMRT_REGISTRY_H
#define COMRT_REGISTRY_H

#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum comrt_reg_scope {
    COMRT_REG_DEFAULT = 0, /* the process default: see comrt_reg_set_default_scope */
    COMRT_REG_USER = 1,
    COMRT_REG_SYSTEM = 2,
} comrt_reg_scope;

/*
 * comrt_reg_set_default_scope - the scope that COMRT_REG_DEFAULT writes
 * go to (initially COMRT_REG_USER). regsvr --system sets COMRT_REG_SYSTEM
 * before calling DllRegisterServer, which writes with COMRT_REG_DEFAULT.
 */
COMRT_API void comrt_reg_set_default_scope(comrt_reg_scope scope);
COMRT_API comrt_reg_scope comrt_reg_get_default_scope(void);

/*
 * comrt_reg_file_path - the file a scope reads and writes (after
 * COMRT_REGISTRY and XDG_CONFIG_HOME are applied), in a string the caller
 * frees with CoTaskMemFree.
 */
COMRT_API HRESULT comrt_reg_file_path(comrt_reg_scope scope, char **path);

/* Reading (the merged view) ------------------------------------------------ */

/*
 * comrt_reg_get_value - a copy of the value, freed by the caller with
 * CoTaskMemFree. REGDB_E_KEYMISSING if the key does not exist,
 * REGDB_E_INVALIDVALUE if the key exists without that value,
 * REGDB_E_READREGDB if a registry file is malformed or unreadable.
 */
COMRT_API HRESULT comrt_reg_get_value(const char *key, const char *name, char **value);

/* comrt_reg_key_exists - S_OK if the key exists, S_FALSE if not, or an error. */
COMRT_API HRESULT comrt_reg_key_exists(const char *key);

/*
 * comrt_reg_enum_subkeys / comrt_reg_enum_values - the names of the direct
 * subkeys (last path component) or of the values of key, sorted
 * case-insensitively, as a NULL-terminated array freed with
 * comrt_reg_free_list. A missing key gives REGDB_E_KEYMISSING.
 */
COMRT_API HRESULT comrt_reg_enum_subkeys(const char *key, char ***names, size_t *count);
COMRT_API HRESULT comrt_reg_enum_values(const char *key, char ***names, size_t *count);
COMRT_API void comrt_reg_free_list(char **list);

/* Writing ------------------------------------------------------------------ */

/*
 * A transaction collects changes and applies them at commit, under an
 * exclusive flock on "<file>.lock": the current file is re-read, the changes
 * applied in order, the result written to a temporary file, fsync'ed and
 * renamed over the old one. Concurrent writers therefore lose nothing, and a
 * writer killed at any point leaves the old or the new file, never a torn one.
 */
typedef struct comrt_reg_txn comrt_reg_txn;

COMRT_API HRESULT comrt_reg_txn_begin(comrt_reg_scope scope, comrt_reg_txn **txn);
/* Creates the key and its parents as needed. */
COMRT_API HRESULT comrt_reg_txn_set_value(comrt_reg_txn *txn, const char *key, const char *name, const char *value);
/* Creates an empty key (and parents). */
COMRT_API HRESULT comrt_reg_txn_create_key(comrt_reg_txn *txn, const char *key);
/* Removes one value; absent values are not an error. */
COMRT_API HRESULT comrt_reg_txn_delete_value(comrt_reg_txn *txn, const char *key, const char *name);
/* Removes the key with all its subkeys and values; absent keys are not an error. */
COMRT_API HRESULT comrt_reg_txn_delete_key(comrt_reg_txn *txn, const char *key);
/*
 * comrt_reg_txn_commit - applies and frees the transaction, whatever the
 * outcome. REGDB_E_WRITEREGDB (with the path and the system error) if the
 * file cannot be written, REGDB_E_READREGDB if the existing file is malformed
 * (it is left untouched).
 */
COMRT_API HRESULT comrt_reg_txn_commit(comrt_reg_txn *txn);
/* comrt_reg_txn_abort - frees the transaction without applying it. NULL is a no-op. */
COMRT_API void comrt_reg_txn_abort(comrt_reg_txn *txn);

/* One-change transactions. */
COMRT_API HRESULT comrt_reg_set_value(comrt_reg_scope scope, const char *key, const char *name, const char *value);
COMRT_API HRESULT comrt_reg_delete_key(comrt_reg_scope scope, const char *key);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_REGISTRY_H */
