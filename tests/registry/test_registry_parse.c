/*
 * test_registry_parse.c - registry files the parser must refuse, each with
 * the right "path:line:" and without a commit overwriting it, and odd ones
 * it must accept. (The fuzz corpus is replayed by tests/fuzz/test_replay.sh.)
 */
#include "regtest.h"

#define H "comrt-registry 1\n"
static const struct bad_file {
    const char *text;
    size_t len; /* 0: strlen */
    int line;
    const char *says;
} bad_files[] = {
    {"comrt-registry 2\n[A]\n", 0, 1, "unsupported registry format version 2"},
    {"\n\nREGEDIT4\n[A]\n", 0, 3, "not a comrt registry file"},
    {"; comment first\n" H, 0, 1, "not a comrt registry file"},
    {H "[A]\n\"x\"=\"abc\n", 0, 3, "unterminated string"},
    {H "[A]\n@=\"a\\qb\"\n", 0, 3, "unknown escape sequence '\\q'"},
    {H "[A]\n@=\"a\" junk\n", 0, 3, "unexpected text after the value"},
    {H "\"x\"=\"y\"\n[A]\n", 0, 2, "value outside any [key] section"},
    {H "[A]\n@=\"1\"\n[A\n", 0, 4, "must end with ']'"},
    {H "\n[A\\\\B]\n", 0, 3, "has an empty component"},
    {H "[\\A]\n", 0, 2, "starts with a backslash"},
    {H "[A]\n@=\"a\0b\"\n", sizeof(H "[A]\n@=\"a\0b\"\n") - 1, 3, "NUL byte"},
    {H "[A]\n@=\"a\x01\"\n", 0, 3, "control character 0x01"},
    {H "[A]\n@=\"caf\xC3\x28\"\n", 0, 3, "not valid UTF-8"},
    {H "[A]\n\"x\" \"y\"\n", 0, 3, "expected '='"},
    {H "[A]\n\"x\"=y\n", 0, 3, "expected a quoted string"},
    {H "[A]\nhello\n", 0, 3, "expected [key]"},
    {H "[A]\n\"\"=\"x\"\n", 0, 3, "empty value name"},
    {H "[A]\n@=\"1\"\n[B]\n[a]\n\"x\"=\"1\"\n@=\"2\"\n", 0, 7, "value set twice"},
    {NULL, 0, 3, "line longer than 65536 bytes"}, /* built below */
    {NULL, 0, 2, "deeper than 64 levels"},        /* built below */
};

static char *build_bad(int i, size_t *len)
{
    const struct bad_file *b = &bad_files[i];
    char *text;
    if (b->text) {
        *len = b->len ? b->len : strlen(b->text);
        text = malloc(*len);
        memcpy(text, b->text, *len);
        return text;
    }
    text = malloc(COMRT_REG_MAX_LINE + 64);
    if (strstr(b->says, "line")) {
        strcpy(text, H "[A]\n@=\"");
        size_t n = strlen(text);
        memset(text + n, 'x', COMRT_REG_MAX_LINE);
        strcpy(text + n + COMRT_REG_MAX_LINE, "\"\n");
    } else {
        strcpy(text, H "[A");
        for (int d = 1; d <= COMRT_REG_MAX_DEPTH; d++)
            strcat(text, "\\A");
        strcat(text, "]\n");
    }
    *len = strlen(text);
    return text;
}

START_TEST(malformed_file_is_rejected_with_its_line)
{
    char path[PATH_MAX], name[32], prefix[PATH_MAX + 32], *v = NULL;
    size_t len, after_len;
    comrt_reg_txn *txn;

    snprintf(name, sizeof name, "bad%d.reg", _i);
    use_registry(path, sizeof path, name);
    char *text = build_bad(_i, &len);
    write_file(path, text, len);
    comrt_reg_generation(1);

    ck_assert_int_eq(comrt_reg_get_value("A", NULL, &v), REGDB_E_READREGDB);
    char *why = take_error();
    snprintf(prefix, sizeof prefix, "%s:%d: ", path, bad_files[_i].line);
    ck_assert_msg(strncmp(why, prefix, strlen(prefix)) == 0, "case %d: '%s' does not start with '%s'", _i, why,
                  prefix);
    ck_assert_msg(strstr(why, bad_files[_i].says), "case %d: '%s' does not say '%s'", _i, why, bad_files[_i].says);
    free(why);
    ck_assert_int_eq(comrt_reg_key_exists("A"), REGDB_E_READREGDB); /* every read refuses */
    free(take_error());

    /* The parser entry point says the same. */
    comrt_reg_tree *t = (comrt_reg_tree *)1;
    ck_assert_int_eq(comrt_reg_parse_buffer("x.reg", text, len, &t), REGDB_E_READREGDB);
    ck_assert_ptr_null(t);
    free(take_error());

    /* A commit refuses to replace a file it does not understand. */
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "B", NULL, "x"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_commit(txn), REGDB_E_READREGDB);
    why = take_error();
    ck_assert_msg(strncmp(why, prefix, strlen(prefix)) == 0, "commit: '%s'", why);
    free(why);
    char *after = read_file(path, &after_len);
    ck_assert_uint_eq(after_len, len);
    ck_assert(memcmp(after, text, len) == 0);
    free(after);
    free(text);
}
END_TEST

START_TEST(oversized_file_is_rejected)
{
    char path[PATH_MAX], *v;
    size_t len = COMRT_REG_MAX_FILE + 1;

    use_registry(path, sizeof path, "huge.reg");
    char *text = malloc(len);
    memset(text, '\n', len);
    memcpy(text, H, strlen(H));
    write_file(path, text, len);
    free(text);
    comrt_reg_generation(1);
    ck_assert_int_eq(comrt_reg_get_value("A", NULL, &v), REGDB_E_READREGDB);
    char *why = take_error();
    ck_assert_ptr_nonnull(strstr(why, "larger than 16 MiB"));
    ck_assert_ptr_nonnull(strstr(why, path));
    free(why);
}
END_TEST

START_TEST(accepted_edge_cases)
{
    comrt_reg_tree *t;
    /* Empty file, header only, CRLF, no final newline, comments anywhere. */
    static const char *const ok[] = {"", "\n \n", H, "comrt-registry 1", "comrt-registry\t1\r\n[A]\r\n@=\"x\"\r\n",
                                     H "[A]\n@=\"x\"", H "; c\n[A]\n# c\n  ; c\n@=\"x\"\n"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        HRESULT hr = comrt_reg_parse_buffer("ok.reg", ok[i], strlen(ok[i]), &t);
        ck_assert_msg(hr == S_OK, "case %zu: 0x%08X", i, (unsigned)hr);
        comrt_reg_tree_free(t);
    }
}
END_TEST


int main(void)
{
    Suite *s = suite_create("registry_parse");
    TCase *tc = tcase_create("malformed");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, malformed_file_is_rejected_with_its_line, 0, (int)(sizeof bad_files / sizeof bad_files[0]));
    tcase_add_test(tc, oversized_file_is_rejected);
    tcase_add_test(tc, accepted_edge_cases);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
