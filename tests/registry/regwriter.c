/*
 * regwriter - a registry writer in its own process, for the multi-process
 * tests (test_registry_procs). Uses only the public API, against whatever
 * COMRT_REGISTRY names.
 *
 *   regwriter class INDEX NVALUES  one transaction registering a class whose
 *                                  CLSID is derived from INDEX, with NVALUES
 *                                  extra values "V<i>"="<INDEX>-<i>"
 *   regwriter loop NKEYS BASE      commits forever; commit k replaces the key
 *                                  "Big" by NKEYS subkeys all valued
 *                                  BASE*1000000+k (and Big's "Iteration" the
 *                                  same): every committed state is internally
 *                                  consistent and names its writer
 *   regwriter set KEY NAME VALUE   one value (NAME "@" for the default)
 *
 * Exits 0 on success, 1 with the error on stderr otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <comrt.h>

static int fail(const char *what, HRESULT hr)
{
    char *d = comrt_error_take_description();
    fprintf(stderr, "regwriter: %s: 0x%08X %s\n", what, (unsigned)hr, d ? d : "");
    CoTaskMemFree(d);
    return 1;
}

#define TRY(what, expr)                 \
    do {                                \
        HRESULT hr_ = (expr);           \
        if (FAILED(hr_))                \
            return fail((what), hr_);   \
    } while (0)

static int register_class(int index, int nvalues)
{
    char key[128], sub[160], name[32], value[64];
    comrt_reg_txn *txn;

    snprintf(key, sizeof key, "CLSID\\{5E2F1C3A-0000-4000-8000-%012d}", index);
    TRY("begin", comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn));
    snprintf(value, sizeof value, "class %d", index);
    TRY("set", comrt_reg_txn_set_value(txn, key, NULL, value));
    snprintf(sub, sizeof sub, "%s\\InprocServer32", key);
    snprintf(value, sizeof value, "/usr/lib/comrt/libclass%d.so", index);
    TRY("set", comrt_reg_txn_set_value(txn, sub, NULL, value));
    TRY("set", comrt_reg_txn_set_value(txn, sub, "ThreadingModel", "Both"));
    for (int i = 0; i < nvalues; i++) {
        snprintf(name, sizeof name, "V%d", i);
        snprintf(value, sizeof value, "%d-%d", index, i);
        TRY("set", comrt_reg_txn_set_value(txn, key, name, value));
    }
    TRY("commit", comrt_reg_txn_commit(txn));
    return 0;
}

static int loop(int nkeys, unsigned long base)
{
    char key[32], value[32];
    for (unsigned long k = base * 1000000 + 1;; k++) {
        comrt_reg_txn *txn;
        snprintf(value, sizeof value, "%lu", k);
        TRY("begin", comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn));
        TRY("delete", comrt_reg_txn_delete_key(txn, "Big"));
        TRY("set", comrt_reg_txn_set_value(txn, "Big", "Iteration", value));
        for (int i = 0; i < nkeys; i++) {
            snprintf(key, sizeof key, "Big\\K%05d", i);
            TRY("set", comrt_reg_txn_set_value(txn, key, NULL, value));
        }
        TRY("commit", comrt_reg_txn_commit(txn));
    }
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "class") == 0)
        return register_class(atoi(argv[2]), atoi(argv[3]));
    if (argc == 4 && strcmp(argv[1], "loop") == 0)
        return loop(atoi(argv[2]), strtoul(argv[3], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "set") == 0) {
        TRY("set", comrt_reg_set_value(COMRT_REG_DEFAULT, argv[2], strcmp(argv[3], "@") ? argv[3] : NULL, argv[4]));
        return 0;
    }
    fprintf(stderr, "usage: regwriter class INDEX NVALUES | loop NKEYS BASE | set KEY NAME VALUE\n");
    return 2;
}
