/*
 * test_registry.c - the registry API in one process: round trips, case,
 * escapes, deterministic output, empty keys, argument checks, the file
 * protocol's visible effects, and the user/system scopes.
 */
#include "regtest.h"

#define CLS "CLSID\\{5E2F1C3A-0000-4000-8000-000000000001}"

static size_t list_len(char **l)
{
    size_t n = 0;
    while (l && l[n])
        n++;
    return n;
}

/* API round trips -------------------------------------------------------------- */

START_TEST(set_get_enum_delete)
{
    char path[PATH_MAX], **names = NULL;
    size_t n = 99;

    use_registry(path, sizeof path, "rt.reg");
    ck_assert_int_eq(comrt_reg_key_exists(CLS), S_FALSE);
    set_ok(COMRT_REG_DEFAULT, CLS, NULL, "Hello greeter");
    set_ok(COMRT_REG_DEFAULT, CLS "\\InprocServer32", NULL, "/home/u/lib/libhello.so");
    set_ok(COMRT_REG_DEFAULT, CLS "\\InprocServer32", "ThreadingModel", "Both");
    set_ok(COMRT_REG_DEFAULT, CLS "\\ProgID", NULL, "Hello.Greeter.1");

    assert_value(CLS, NULL, "Hello greeter");
    assert_value(CLS "\\InprocServer32", "", "/home/u/lib/libhello.so");
    assert_value(CLS "\\InprocServer32", "ThreadingModel", "Both");
    ck_assert_int_eq(comrt_reg_key_exists(CLS), S_OK);
    ck_assert_int_eq(comrt_reg_key_exists("CLSID"), S_OK); /* parents exist */

    ck_assert_int_eq(comrt_reg_enum_subkeys(CLS, &names, &n), S_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(names[0], "InprocServer32");
    ck_assert_str_eq(names[1], "ProgID");
    ck_assert_ptr_null(names[2]);
    comrt_reg_free_list(names);
    ck_assert_int_eq(comrt_reg_enum_subkeys("CLSID", &names, &n), S_OK);
    ck_assert_int_eq(n, 1); /* grandchildren are not children */
    ck_assert_str_eq(names[0], "{5E2F1C3A-0000-4000-8000-000000000001}");
    comrt_reg_free_list(names);
    ck_assert_int_eq(comrt_reg_enum_values(CLS "\\InprocServer32", &names, NULL), S_OK);
    ck_assert_int_eq(list_len(names), 2);
    ck_assert_str_eq(names[0], ""); /* the default value, first */
    ck_assert_str_eq(names[1], "ThreadingModel");
    comrt_reg_free_list(names);

    /* Missing things have their own codes. */
    char *v = (char *)1;
    ck_assert_int_eq(comrt_reg_get_value(CLS "\\Nope", NULL, &v), REGDB_E_KEYMISSING);
    ck_assert_ptr_null(v);
    free(take_error());
    ck_assert_int_eq(comrt_reg_get_value(CLS "\\ProgID", "Nope", &v), REGDB_E_INVALIDVALUE);
    free(take_error());
    ck_assert_int_eq(comrt_reg_enum_subkeys("Nope", &names, &n), REGDB_E_KEYMISSING);
    ck_assert_ptr_null(names);
    free(take_error());

    /* delete_value, then delete_key of a subtree: siblings with a common prefix stay. */
    comrt_reg_txn *txn;
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_USER, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_delete_value(txn, CLS "\\InprocServer32", "threadingmodel"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, CLS "X", NULL, "sibling"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_delete_value(txn, "Absent\\Key", "x"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_commit(txn), S_OK);
    ck_assert_int_eq(comrt_reg_get_value(CLS "\\InprocServer32", "ThreadingModel", &v), REGDB_E_INVALIDVALUE);
    free(take_error());
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, CLS), S_OK);
    ck_assert_int_eq(comrt_reg_key_exists(CLS), S_FALSE);
    ck_assert_int_eq(comrt_reg_key_exists(CLS "\\InprocServer32"), S_FALSE);
    assert_value(CLS "X", NULL, "sibling");
    ck_assert_int_eq(comrt_reg_key_exists("CLSID"), S_OK); /* the parent stays */
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, "Absent"), S_OK);
}
END_TEST

START_TEST(transactions_apply_in_order)
{
    char path[PATH_MAX];
    comrt_reg_txn *txn;
    char *v;

    use_registry(path, sizeof path, "txn.reg");
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "A\\B", "x", "1"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_delete_key(txn, "A"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "C", "y", "2"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "C", "y", "3"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_commit(txn), S_OK);
    ck_assert_int_eq(comrt_reg_key_exists("A"), S_FALSE);
    assert_value("C", "y", "3");

    /* An aborted transaction changes nothing (and the file is not even created). */
    use_registry(path, sizeof path, "txn2.reg");
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "D", NULL, "4"), S_OK);
    comrt_reg_txn_abort(txn);
    comrt_reg_txn_abort(NULL);
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, "D"), S_OK); /* nothing to delete */
    ck_assert_int_eq(access(path, F_OK), -1);
    ck_assert_int_eq(comrt_reg_get_value("D", NULL, &v), REGDB_E_KEYMISSING);
    free(take_error());
}
END_TEST

START_TEST(keys_are_case_insensitive)
{
    char path[PATH_MAX], **names;

    use_registry(path, sizeof path, "case.reg");
    set_ok(COMRT_REG_DEFAULT, "CLSID\\{ABCDEF}\\InprocServer32", "ThreadingModel", "Both");
    assert_value("clsid\\{abcdef}\\INPROCSERVER32", "threadingmodel", "Both");
    /* Later writes in another case update the same key and value, keeping the first case. */
    set_ok(COMRT_REG_DEFAULT, "Clsid\\{abcdef}\\inprocserver32", "THREADINGMODEL", "Free");
    assert_value("CLSID\\{ABCDEF}\\InprocServer32", "ThreadingModel", "Free");
    ck_assert_int_eq(comrt_reg_enum_subkeys("clsid", &names, NULL), S_OK);
    ck_assert_int_eq(list_len(names), 1);
    ck_assert_str_eq(names[0], "{ABCDEF}");
    comrt_reg_free_list(names);
    ck_assert_int_eq(comrt_reg_enum_values("CLSID\\{ABCDEF}\\InprocServer32", &names, NULL), S_OK);
    ck_assert_str_eq(names[0], "ThreadingModel");
    comrt_reg_free_list(names);
    char *text = read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "[CLSID\\{ABCDEF}\\InprocServer32]\n\"ThreadingModel\"=\"Free\"\n"));
    free(text);
}
END_TEST

START_TEST(default_value_and_escapes_round_trip)
{
    static const char tricky[] = "back\\slash \"quoted\"\nnew line\ttab caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 ;#[]=@";
    char path[PATH_MAX];

    use_registry(path, sizeof path, "esc.reg");
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "default");
    set_ok(COMRT_REG_DEFAULT, "K", "", "default2"); /* "" is the default too */
    set_ok(COMRT_REG_DEFAULT, "K", "na\"me\\", tricky);
    set_ok(COMRT_REG_DEFAULT, "K", "empty", "");
    set_ok(COMRT_REG_DEFAULT, "K\\sp ace\\caf\xC3\xA9 [x]", NULL, "");
    assert_value("K", NULL, "default2");
    assert_value("K", "na\"me\\", tricky);
    assert_value("K", "empty", "");
    ck_assert_int_eq(comrt_reg_key_exists("K\\SP ACE\\caf\xC3\xA9 [X]"), S_OK);

    char *text = read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\n[K]\n@=\"default2\"\n"));
    ck_assert_ptr_nonnull(strstr(text, "\"na\\\"me\\\\\"=\"back\\\\slash \\\"quoted\\\"\\nnew line\\ttab caf"));
    ck_assert_ptr_nonnull(strstr(text, "\n[K\\sp ace\\caf\xC3\xA9 [x]]\n@=\"\"\n"));
    free(text);
}
END_TEST

START_TEST(output_is_deterministic)
{
    char a[PATH_MAX], b[PATH_MAX];
    size_t la, lb;
    static const char *const keys[] = {"Interface\\{1}", "CLSID\\{2}\\InprocServer32", "clsid\\{1}", "A b", "A\\b",
                                       "Ab", "a\\B\\c"};
    const size_t n = sizeof keys / sizeof keys[0];

    /* The same content written in opposite orders gives the same bytes. */
    use_registry(a, sizeof a, "det1.reg");
    for (size_t i = 0; i < n; i++) {
        set_ok(COMRT_REG_DEFAULT, keys[i], "zeta", "1");
        set_ok(COMRT_REG_DEFAULT, keys[i], NULL, "d");
        set_ok(COMRT_REG_DEFAULT, keys[i], "Alpha", "2");
    }
    use_registry(b, sizeof b, "det2.reg");
    for (size_t i = n; i-- > 0;) {
        set_ok(COMRT_REG_DEFAULT, keys[i], "Alpha", "2");
        set_ok(COMRT_REG_DEFAULT, keys[i], "zeta", "1");
        set_ok(COMRT_REG_DEFAULT, keys[i], NULL, "d");
    }
    char *ta = read_file(a, &la), *tb = read_file(b, &lb);
    /* First-written case differs between the two ("clsid" vs "CLSID"), so compare folded. */
    ck_assert_uint_eq(la, lb);
    ck_assert_int_eq(strcasecmp(ta, tb), 0);
    /* Parents before children, components compared one by one, values with @ first. */
    const char *order[] = {"\n[A]", "\n[A\\b]", "\n[A\\b\\c]", "\n[A b]", "\n[Ab]", "\n[CLSID]", "\n[clsid\\{1}]",
                           "\n[CLSID\\{2}]", "\n[Interface]"};
    const char *prev = tb;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *p = strcasestr(tb, order[i]);
        ck_assert_msg(p && p > prev, "section %s out of order in:\n%s", order[i], tb);
        prev = p;
    }
    ck_assert_ptr_nonnull(strstr(tb, "\n[Ab]\n@=\"d\"\n\"Alpha\"=\"2\"\n\"zeta\"=\"1\"\n"));
    free(ta);

    /* Rewriting unchanged content keeps the file (same inode, same bytes). */
    struct stat s1, s2;
    ck_assert_int_eq(stat(b, &s1), 0);
    set_ok(COMRT_REG_DEFAULT, "Ab", "zeta", "1");
    ck_assert_int_eq(stat(b, &s2), 0);
    ck_assert_int_eq(s1.st_ino, s2.st_ino);
    ta = read_file(b, &la);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
}
END_TEST

START_TEST(empty_keys_are_preserved)
{
    char path[PATH_MAX], **names;
    comrt_reg_txn *txn;

    use_registry(path, sizeof path, "empty.reg");
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_create_key(txn, "Component Categories\\{X}\\Empty"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_commit(txn), S_OK);
    set_ok(COMRT_REG_DEFAULT, "Other", NULL, "x"); /* a later rewrite keeps it */
    ck_assert_int_eq(comrt_reg_key_exists("Component Categories\\{X}\\Empty"), S_OK);
    ck_assert_int_eq(comrt_reg_enum_values("Component Categories\\{X}\\Empty", &names, NULL), S_OK);
    ck_assert_int_eq(list_len(names), 0);
    comrt_reg_free_list(names);
    char *text = read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(text, "\n[Component Categories\\{X}\\Empty]\n\n[Other]\n"));
    free(text);
}
END_TEST

START_TEST(bad_arguments)
{
    static const char *const bad_keys[] = {"\\A", "A\\", "A\\\\B", "A\\\x01", "bad\xC3utf8", "A\\\tB"};
    char path[PATH_MAX], *v, **names;
    comrt_reg_txn *txn;

    use_registry(path, sizeof path, "args.reg");
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, NULL, NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_get_value(NULL, NULL, &v), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_key_exists(NULL), E_INVALIDARG);
    free(take_error());
    /* The empty path names the root: readable (no values), never writable. */
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "", NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_DEFAULT, ""), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_key_exists(""), S_OK);
    ck_assert_int_eq(comrt_reg_get_value("", NULL, &v), REGDB_E_INVALIDVALUE);
    free(take_error());
    ck_assert_int_eq(comrt_reg_enum_values("", &names, NULL), S_OK);
    ck_assert_ptr_null(names[0]);
    comrt_reg_free_list(names);
    for (size_t i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
        ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, bad_keys[i], NULL, "x"), E_INVALIDARG);
        char *why = take_error();
        ck_assert_msg(strstr(why, "key"), "no explanation: '%s'", why);
        free(why);
        ck_assert_int_eq(comrt_reg_get_value(bad_keys[i], NULL, &v), E_INVALIDARG);
        free(take_error());
        ck_assert_int_eq(comrt_reg_key_exists(bad_keys[i]), E_INVALIDARG);
        free(take_error());
    }
    char deep[200] = "A";
    for (int i = 1; i < 65; i++)
        strcat(deep, "\\A");
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, deep, NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "K", "bad\x01name", "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "K", NULL, "bad\rvalue"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "K", NULL, "\xFF"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "K", NULL, NULL), E_INVALIDARG);
    free(take_error());
    char *big = malloc(COMRT_REG_MAX_LINE);
    memset(big, 'x', COMRT_REG_MAX_LINE - 1);
    big[COMRT_REG_MAX_LINE - 1] = '\0';
    ck_assert_int_eq(comrt_reg_set_value(COMRT_REG_DEFAULT, "K", NULL, big), E_INVALIDARG);
    free(take_error());
    free(big);
    ck_assert_int_eq(comrt_reg_set_value((comrt_reg_scope)7, "K", NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_get_value("K", NULL, NULL), E_POINTER);
    ck_assert_int_eq(comrt_reg_enum_subkeys("K", NULL, NULL), E_POINTER);
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, NULL), E_POINTER);
    ck_assert_int_eq(comrt_reg_txn_set_value(NULL, "K", NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_txn_commit(NULL), E_INVALIDARG);
    free(take_error());
    /* A rejected operation leaves the transaction usable. */
    ck_assert_int_eq(comrt_reg_txn_begin(COMRT_REG_DEFAULT, &txn), S_OK);
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "A\\\\B", NULL, "x"), E_INVALIDARG);
    free(take_error());
    ck_assert_int_eq(comrt_reg_txn_set_value(txn, "A\\B", NULL, "x"), S_OK);
    ck_assert_int_eq(comrt_reg_txn_commit(txn), S_OK);
    assert_value("a\\b", NULL, "x");
    ck_assert_int_eq(comrt_reg_enum_values("A", &names, NULL), S_OK);
    comrt_reg_free_list(names);
    ck_assert_int_eq(access(path, F_OK), 0);
}
END_TEST

START_TEST(missing_dirs_are_created)
{
    char dir[PATH_MAX], path[PATH_MAX + 32], *p = NULL;
    struct stat st;

    tmp_path(dir, sizeof dir, "new");
    snprintf(path, sizeof path, "%s/deeper/registry", dir);
    setenv("COMRT_REGISTRY", path, 1);
    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_SYSTEM, &p), S_OK);
    ck_assert_str_eq(p, path); /* COMRT_REGISTRY replaces both scopes */
    CoTaskMemFree(p);
    set_ok(COMRT_REG_SYSTEM, "K", NULL, "v");
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    assert_value("K", NULL, "v");
    /* The lock file stays; no temporary file is left behind. */
    snprintf(path, sizeof path, "%s/deeper/registry.lock", dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    snprintf(path, sizeof path, "%s/deeper/registry.tmp", dir);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(stale_temporary_file_is_replaced)
{
    char path[PATH_MAX], tmp[PATH_MAX + 8];
    struct stat st;

    /* What a writer killed mid-write leaves: a partial .tmp, maybe with another mode. */
    use_registry(path, sizeof path, "stale.reg");
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    write_file(tmp, "comrt-registry 1\n[Half", 21);
    chmod(tmp, 0600);
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "v");
    ck_assert_int_eq(access(tmp, F_OK), -1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0644);
    /* A later commit keeps the file's mode as its owner set it. */
    chmod(path, 0640);
    set_ok(COMRT_REG_DEFAULT, "K", NULL, "w");
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    assert_value("K", NULL, "w");
}
END_TEST

START_TEST(hand_written_file_is_normalized)
{
    static const char hand[] = "\n  comrt-registry   1  \r\n"
                               "# a hand-edited file\n"
                               "[Zed\\Child]\r\n"
                               "  \"b\" = \"2\"  \n"
                               "[zed]\n"
                               "@=\"z\"\n"
                               "[ZED\\child]\n"
                               "\"A\"=\"1\"\n";
    char path[PATH_MAX];

    use_registry(path, sizeof path, "hand.reg");
    write_file(path, hand, sizeof hand - 1);
    comrt_reg_generation(1);
    assert_value("ZED\\CHILD", "a", "1");
    assert_value("Zed\\Child", "B", "2");
    assert_value("zed", NULL, "z");
    set_ok(COMRT_REG_DEFAULT, "Zed", "n", "3");
    char *out = read_file(path, NULL);
    ck_assert_ptr_nonnull(strstr(out, "\n[zed]\n@=\"z\"\n\"n\"=\"3\"\n\n[zed\\Child]\n\"A\"=\"1\"\n\"b\"=\"2\"\n"));
    ck_assert_ptr_null(strstr(out, "hand-edited"));
    free(out);
}
END_TEST

/* Scopes ------------------------------------------------------------------------ */

START_TEST(user_scope_over_system_scope)
{
    char cfg[PATH_MAX], sys[PATH_MAX], user_file[PATH_MAX + 32], *p, **names;
    struct stat st;

    unsetenv("COMRT_REGISTRY");
    tmp_path(cfg, sizeof cfg, "xdg");
    tmp_path(sys, sizeof sys, "etc/comrt/registry");
    setenv("XDG_CONFIG_HOME", cfg, 1);
    setenv(COMRT_REG_SYSTEM_ENV, sys, 1);
    snprintf(user_file, sizeof user_file, "%s/comrt/registry", cfg);

    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_USER, &p), S_OK);
    ck_assert_str_eq(p, user_file);
    CoTaskMemFree(p);
    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_SYSTEM, &p), S_OK);
    ck_assert_str_eq(p, sys);
    CoTaskMemFree(p);
    ck_assert_int_eq(comrt_reg_get_default_scope(), COMRT_REG_USER);

    set_ok(COMRT_REG_SYSTEM, CLS "\\InprocServer32", NULL, "/usr/lib/libhello.so");
    set_ok(COMRT_REG_SYSTEM, CLS "\\InprocServer32", "ThreadingModel", "Apartment");
    set_ok(COMRT_REG_SYSTEM, "System.Only\\CLSID", NULL, "{S}");
    assert_value(CLS "\\InprocServer32", NULL, "/usr/lib/libhello.so");
    set_ok(COMRT_REG_DEFAULT, CLS "\\InprocServer32", NULL, "/home/u/lib/libhello.so");
    set_ok(COMRT_REG_USER, "User.Only\\CLSID", NULL, "{U}");

    /* Merged value by value: the user's path wins, the system's ThreadingModel shows through. */
    assert_value(CLS "\\InprocServer32", NULL, "/home/u/lib/libhello.so");
    assert_value(CLS "\\InprocServer32", "ThreadingModel", "Apartment");
    assert_value("System.Only\\CLSID", NULL, "{S}");
    assert_value("User.Only\\CLSID", NULL, "{U}");
    ck_assert_int_eq(comrt_reg_enum_subkeys("", &names, NULL), S_OK); /* the root */
    ck_assert_int_eq(list_len(names), 3);
    ck_assert_str_eq(names[0], "CLSID");
    ck_assert_str_eq(names[1], "System.Only");
    ck_assert_str_eq(names[2], "User.Only");
    comrt_reg_free_list(names);
    ck_assert_int_eq(comrt_reg_enum_values(CLS "\\InprocServer32", &names, NULL), S_OK);
    ck_assert_int_eq(list_len(names), 2);
    comrt_reg_free_list(names);

    /* Each file holds only its own scope; the user's directory is private. */
    char *u = read_file(user_file, NULL), *s = read_file(sys, NULL);
    ck_assert_ptr_null(strstr(u, "System.Only"));
    ck_assert_ptr_null(strstr(u, "Apartment"));
    ck_assert_ptr_null(strstr(s, "User.Only"));
    ck_assert_ptr_nonnull(strstr(s, "/usr/lib/libhello.so"));
    free(u);
    free(s);
    ck_assert_int_eq(stat(cfg, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);

    /* Deleting the user's key uncovers the system's value. */
    ck_assert_int_eq(comrt_reg_delete_key(COMRT_REG_USER, CLS), S_OK);
    assert_value(CLS "\\InprocServer32", NULL, "/usr/lib/libhello.so");

    /* regsvr --system: COMRT_REG_DEFAULT writes follow the default scope. */
    comrt_reg_set_default_scope(COMRT_REG_SYSTEM);
    set_ok(COMRT_REG_DEFAULT, "Via.Default", NULL, "sys");
    s = read_file(sys, NULL);
    ck_assert_ptr_nonnull(strstr(s, "[Via.Default]"));
    free(s);
    ck_assert_int_eq(comrt_reg_get_default_scope(), COMRT_REG_SYSTEM);
}
END_TEST

START_TEST(user_scope_defaults_to_home_config)
{
    char home[PATH_MAX], expect[PATH_MAX + 32], *p;

    unsetenv("COMRT_REGISTRY");
    unsetenv("XDG_CONFIG_HOME");
    tmp_path(home, sizeof home, "home");
    setenv("HOME", home, 1);
    snprintf(expect, sizeof expect, "%s/.config/comrt/registry", home);
    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_DEFAULT, &p), S_OK);
    ck_assert_str_eq(p, expect);
    CoTaskMemFree(p);
    setenv("XDG_CONFIG_HOME", "relative/ignored", 1);
    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_USER, &p), S_OK);
    ck_assert_str_eq(p, expect);
    CoTaskMemFree(p);
    unsetenv(COMRT_REG_SYSTEM_ENV);
    ck_assert_int_eq(comrt_reg_file_path(COMRT_REG_SYSTEM, &p), S_OK);
    ck_assert_str_eq(p, "/etc/comrt/registry");
    CoTaskMemFree(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("registry");
    TCase *tc = tcase_create("api");
    tcase_add_test(tc, set_get_enum_delete);
    tcase_add_test(tc, transactions_apply_in_order);
    tcase_add_test(tc, keys_are_case_insensitive);
    tcase_add_test(tc, default_value_and_escapes_round_trip);
    tcase_add_test(tc, output_is_deterministic);
    tcase_add_test(tc, empty_keys_are_preserved);
    tcase_add_test(tc, bad_arguments);
    tcase_add_test(tc, missing_dirs_are_created);
    tcase_add_test(tc, stale_temporary_file_is_replaced);
    tcase_add_test(tc, hand_written_file_is_normalized);
    suite_add_tcase(s, tc);

    tc = tcase_create("scopes");
    tcase_add_test(tc, user_scope_over_system_scope);
    tcase_add_test(tc, user_scope_defaults_to_home_config);
    suite_add_tcase(s, tc);

    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
