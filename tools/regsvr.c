/*
 * regsvr - registers and unregisters components, like Windows' regsvr32.
 *
 *   regsvr [-s] [--system] LIB.so            call LIB's DllRegisterServer
 *   regsvr -u [-s] [--system] LIB.so         call LIB's DllUnregisterServer
 *   regsvr [-u] [-s] [--system] --exe PROGRAM [ARGS...]
 *                                            run PROGRAM -RegServer (-UnregServer)
 *   regsvr --list                            show classes, ProgIDs, interfaces, type libraries
 *
 * Exit status: 0 success, 1 usage, 2 cannot load, 3 entry point missing,
 * 4 the registration function (or program) failed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <comrt.h>

extern char **environ;

enum { EXIT_USAGE = 1, EXIT_LOAD = 2, EXIT_SYMBOL = 3, EXIT_CALL = 4 };

static int silent;

static void usage(FILE *f)
{
    fprintf(f, "usage: regsvr [-u] [-s] [--system] LIBRARY.so\n"
               "       regsvr [-u] [-s] [--system] --exe PROGRAM [ARGS...]\n"
               "       regsvr --list\n"
               "  -u         unregister (DllUnregisterServer / -UnregServer)\n"
               "  -s         silent: print nothing on success\n"
               "  --system   write the system registry (/etc/comrt/registry)\n"
               "  --exe      register a local server executable\n"
               "  --list     list what is registered\n");
}

static void report_hresult(const char *what, const char *file, HRESULT hr)
{
    char *why = comrt_error_take_description();
    const char *name = comrt_hresult_name(hr);
    fprintf(stderr, "regsvr: %s in %s failed: 0x%08X %s%s(%s)\n", what, file, (unsigned)hr, name ? name : "",
            name ? " " : "", comrt_hresult_message(hr));
    if (why)
        fprintf(stderr, "regsvr: %s\n", why);
    CoTaskMemFree(why);
}

static int do_library(const char *arg, int unregister)
{
    const char *fn = unregister ? "DllUnregisterServer" : "DllRegisterServer";
    char path[PATH_MAX];
    void *h, *sym;
    LPFNREGISTERSERVER call;
    HRESULT hr;
    int rc = 0;

    /* A bare name would make dlopen search the library path: regsvr takes files. */
    if (!realpath(arg, path)) {
        fprintf(stderr, "regsvr: %s: %s\n", arg, strerror(errno));
        return EXIT_LOAD;
    }
    h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fprintf(stderr, "regsvr: cannot load %s: %s\n", path, dlerror());
        return EXIT_LOAD;
    }
    sym = dlsym(h, fn);
    if (!sym) {
        fprintf(stderr, "regsvr: %s does not export %s\n", path, fn);
        dlclose(h);
        return EXIT_SYMBOL;
    }
    memcpy(&call, &sym, sizeof call);
    hr = call();
    if (FAILED(hr)) {
        report_hresult(fn, path, hr);
        rc = EXIT_CALL;
    } else if (!silent) {
        printf("regsvr: %s in %s succeeded.\n", fn, path);
    }
    dlclose(h);
    return rc;
}

static int do_exe(char **argv, int unregister, int system_scope)
{
    int n = 0;
    while (argv[n])
        n++;
    char **args = calloc((size_t)n + 2, sizeof *args);
    pid_t pid;
    int status, err;

    if (!args) {
        fprintf(stderr, "regsvr: out of memory\n");
        return EXIT_LOAD;
    }
    args[0] = argv[0];
    args[1] = unregister ? "-UnregServer" : "-RegServer";
    for (int i = 1; i < n; i++)
        args[i + 1] = argv[i];
    /* The server's runtime reads the scope from here (see docs/registry.md). */
    if (system_scope)
        setenv("COMRT_REG_SCOPE", "system", 1);
    err = posix_spawnp(&pid, argv[0], NULL, NULL, args, environ);
    free(args);
    if (err) {
        fprintf(stderr, "regsvr: cannot run %s: %s\n", argv[0], strerror(err));
        return EXIT_LOAD;
    }
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "regsvr: waiting for %s: %s\n", argv[0], strerror(errno));
            return EXIT_CALL;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (!silent)
            printf("regsvr: %s %s succeeded.\n", argv[0], unregister ? "-UnregServer" : "-RegServer");
        return 0;
    }
    if (WIFEXITED(status))
        fprintf(stderr, "regsvr: %s %s failed with exit status %d\n", argv[0],
                unregister ? "-UnregServer" : "-RegServer", WEXITSTATUS(status));
    else
        fprintf(stderr, "regsvr: %s %s was killed by signal %d\n", argv[0],
                unregister ? "-UnregServer" : "-RegServer", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return EXIT_CALL;
}

/* Prints "  label: value" when key/name holds a value. */
static void show_value(const char *label, const char *key, const char *name)
{
    char *v = NULL;
    if (SUCCEEDED(comrt_reg_get_value(key, name, &v)))
        printf("    %-16s %s\n", label, v);
    CoTaskMemFree(v);
}

static int list_section(const char *root, const char *title, int (*show)(const char *sub))
{
    char **names = NULL;
    size_t n = 0;
    HRESULT hr = comrt_reg_enum_subkeys(root, &names, &n);
    if (hr == REGDB_E_KEYMISSING)
        n = 0;
    else if (FAILED(hr)) {
        report_hresult("reading", root, hr);
        return EXIT_LOAD;
    }
    printf("%s (%zu):\n", title, n);
    for (size_t i = 0; i < n; i++)
        show(names[i]);
    comrt_reg_free_list(names);
    return 0;
}

static int show_class(const char *sub)
{
    char key[600];
    char *desc = NULL;
    snprintf(key, sizeof key, "CLSID\\%s", sub);
    comrt_reg_get_value(key, NULL, &desc);
    printf("  %s  %s\n", sub, desc ? desc : "");
    CoTaskMemFree(desc);
    snprintf(key, sizeof key, "CLSID\\%s\\ProgID", sub);
    show_value("ProgID", key, NULL);
    snprintf(key, sizeof key, "CLSID\\%s\\InprocServer32", sub);
    show_value("InprocServer32", key, NULL);
    show_value("ThreadingModel", key, "ThreadingModel");
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", sub);
    show_value("LocalServer32", key, NULL);
    return 0;
}

static int show_interface(const char *sub)
{
    char key[600];
    char *name = NULL;
    snprintf(key, sizeof key, "Interface\\%s", sub);
    comrt_reg_get_value(key, NULL, &name);
    printf("  %s  %s\n", sub, name ? name : "");
    CoTaskMemFree(name);
    snprintf(key, sizeof key, "Interface\\%s\\NumMethods", sub);
    show_value("NumMethods", key, NULL);
    snprintf(key, sizeof key, "Interface\\%s\\TypeLib", sub);
    show_value("TypeLib", key, NULL);
    return 0;
}

static int show_typelib(const char *sub)
{
    char key[600];
    char **vers = NULL;
    size_t n = 0;
    printf("  %s\n", sub);
    snprintf(key, sizeof key, "TypeLib\\%s", sub);
    if (SUCCEEDED(comrt_reg_enum_subkeys(key, &vers, &n))) {
        for (size_t i = 0; i < n; i++) {
            char vkey[700];
            snprintf(vkey, sizeof vkey, "%s\\%s", key, vers[i]);
            show_value(vers[i], vkey, NULL);
        }
        comrt_reg_free_list(vers);
    }
    return 0;
}

/* A top-level key with a CLSID subkey is a ProgID. */
static int list_progids(void)
{
    char **names = NULL;
    size_t n = 0;
    HRESULT hr = comrt_reg_enum_subkeys("", &names, &n);
    if (FAILED(hr) && hr != REGDB_E_KEYMISSING) {
        report_hresult("reading", "the registry root", hr);
        return EXIT_LOAD;
    }
    printf("ProgIDs:\n");
    for (size_t i = 0; i < n; i++) {
        char key[600];
        char *v = NULL;
        snprintf(key, sizeof key, "%s\\CLSID", names[i]);
        if (SUCCEEDED(comrt_reg_get_value(key, NULL, &v)))
            printf("  %-32s %s\n", names[i], v);
        CoTaskMemFree(v);
    }
    comrt_reg_free_list(names);
    return 0;
}

static int do_list(void)
{
    char *path = NULL;
    int rc;
    if (SUCCEEDED(comrt_reg_file_path(COMRT_REG_USER, &path)))
        printf("registry: %s\n", path);
    CoTaskMemFree(path);
    rc = list_section("CLSID", "Classes", show_class);
    if (!rc)
        rc = list_progids();
    if (!rc)
        rc = list_section("Interface", "Interfaces", show_interface);
    if (!rc)
        rc = list_section("TypeLib", "Type libraries", show_typelib);
    return rc;
}

int main(int argc, char **argv)
{
    int unregister = 0, system_scope = 0, list = 0, exe = 0, i, rc;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-u") || !strcmp(a, "--unregister"))
            unregister = 1;
        else if (!strcmp(a, "-s") || !strcmp(a, "--silent"))
            silent = 1;
        else if (!strcmp(a, "--system"))
            system_scope = 1;
        else if (!strcmp(a, "--list") || !strcmp(a, "-l"))
            list = 1;
        else if (!strcmp(a, "--exe")) {
            exe = 1;
            i++;
            break;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "regsvr: unknown option %s\n", a);
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (list) {
        if (i != argc || exe) {
            usage(stderr);
            return EXIT_USAGE;
        }
        return do_list();
    }
    if (exe ? i >= argc : i != argc - 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (exe)
        return do_exe(argv + i, unregister, system_scope);

    if (system_scope)
        comrt_reg_set_default_scope(COMRT_REG_SYSTEM);
    if (FAILED(CoInitializeEx(NULL, COINIT_APARTMENTTHREADED))) {
        fprintf(stderr, "regsvr: CoInitializeEx failed\n");
        return EXIT_CALL;
    }
    rc = do_library(argv[i], unregister);
    CoUninitialize();
    return rc;
}
