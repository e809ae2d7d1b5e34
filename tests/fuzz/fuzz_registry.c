/*
 * fuzz_registry.c - libFuzzer target for the registry file parser
 * (comrt_reg_parse_buffer). Besides not crashing, what the parser accepts
 * must be a well-formed tree (sorted, closed under parents), and the writer's
 * text for it must parse back to the same text: read, write, read again
 * loses nothing. A broken property aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../runtime/registry/registry_internal.h"

static void check_tree(const comrt_reg_tree *t)
{
    for (size_t i = 0; i < t->nkeys; i++) {
        const struct comrt_reg_key *k = &t->keys[i];
        if (i && comrt_reg_path_cmp(t->keys[i - 1].path, k->path) >= 0)
            abort(); /* not sorted, or a duplicate */
        if (k->depth > (i ? t->keys[i - 1].depth + 1 : 1))
            abort(); /* a parent is missing */
        for (size_t v = 1; v < k->nvalues; v++)
            if (comrt_reg_name_cmp(k->values[v - 1].name, k->values[v].name) >= 0)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    comrt_reg_tree *t = NULL, *again = NULL;
    char *text = NULL, *text2 = NULL;
    size_t len = 0, len2 = 0;

    if (FAILED(comrt_reg_parse_buffer("fuzz", (const char *)data, size, &t))) {
        CoTaskMemFree(comrt_error_take_description());
        return 0;
    }
    check_tree(t);
    if (FAILED(comrt_reg_serialize(t, &text, &len)) || FAILED(comrt_reg_parse_buffer("fuzz", text, len, &again)))
        abort();
    check_tree(again);
    if (FAILED(comrt_reg_serialize(again, &text2, &len2)) || len != len2 || memcmp(text, text2, len) != 0)
        abort();
    comrt_reg_tree_free(t);
    comrt_reg_tree_free(again);
    free(text);
    free(text2);
    return 0;
}
