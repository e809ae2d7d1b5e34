/*
 * launch.c - starts a class's LocalServer32 and waits for it to publish.
 *
 * The wait polls the rendezvous every millisecond and the child with
 * waitpid(WNOHANG), so a server that fails at start-up is reported at once
 * with its exit status or signal, not after the timeout. A detached thread
 * reaps the server when it eventually exits, so no zombie is left behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "rendezvous.h"

extern char **environ;

int comrt_activation_timeout_ms(void)
{
    const char *e = getenv("COMRT_ACTIVATION_TIMEOUT_MS");
    if (e && *e) {
        char *end;
        long v = strtol(e, &end, 10);
        if (!*end && v >= 1 && v <= 3600000)
            return (int)v;
    }
    return COMRT_ACTIVATION_TIMEOUT_MS_DEFAULT;
}

HRESULT comrt_split_command(const char *cmd, char ***argv_out)
{
    size_t len = strlen(cmd), nwords = 0;
    /* Worst case: every other character a word. Pointers, then the text. */
    size_t maxwords = len / 2 + 3;
    char **argv = malloc(maxwords * sizeof *argv + len + 1);
    char *out, quote = 0;
    int in_word = 0;

    *argv_out = NULL;
    if (!argv)
        return comrt_error_set(E_OUTOFMEMORY, "out of memory");
    out = (char *)(argv + maxwords);
    for (const char *p = cmd; *p; p++) {
        char c = *p;
        if (quote) {
            if (c == quote) {
                quote = 0;
                continue;
            }
            if (c == '\\' && quote == '"' && (p[1] == '"' || p[1] == '\\'))
                c = *++p;
            *out++ = c;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                *out++ = '\0';
                in_word = 0;
            }
            continue;
        }
        if (!in_word) {
            argv[nwords++] = out;
            in_word = 1;
        }
        if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '\\' && p[1]) {
            *out++ = *++p;
        } else {
            *out++ = c;
        }
    }
    if (quote) {
        free(argv);
        return comrt_error_set(E_INVALIDARG, "command line has an unterminated %c quote: %s", quote, cmd);
    }
    if (in_word)
        *out++ = '\0';
    if (nwords == 0) {
        free(argv);
        return comrt_error_set(E_INVALIDARG, "empty command line");
    }
    argv[nwords] = NULL;
    *argv_out = argv;
    return S_OK;
}

static void *reaper(void *arg)
{
    pid_t pid = (pid_t)(intptr_t)arg;
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return NULL;
}

static void reap_later(pid_t pid)
{
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &a, reaper, (void *)(intptr_t)pid) != 0) {
        /* Without a thread the zombie lingers until we exit: harmless. */
    }
    pthread_attr_destroy(&a);
}

static void sleep_1ms(void)
{
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
}

HRESULT comrt_launch_server(REFCLSID clsid, char **address)
{
    char cs[CHARS_IN_GUID], key[64];
    char *cmd = NULL, **words = NULL, **argv = NULL;
    int timeout = comrt_activation_timeout_ms();
    posix_spawn_file_actions_t fa;
    pid_t pid;
    HRESULT hr;
    int n = 0, err;

    *address = NULL;
    StringFromGUID2(clsid, cs, sizeof cs);
    snprintf(key, sizeof key, "CLSID\\%s\\LocalServer32", cs);
    hr = comrt_reg_get_value(key, NULL, &cmd);
    if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE)
        return comrt_error_set(REGDB_E_CLASSNOTREG, "class %s has no local server (no %s)", cs, key);
    if (FAILED(hr))
        return hr;
    hr = comrt_split_command(cmd, &words);
    if (FAILED(hr)) {
        hr = comrt_error_set(CO_E_SERVER_EXEC_FAILURE, "class %s: LocalServer32 '%s' is not a usable command line",
                             cs, cmd);
        goto out;
    }
    while (words[n])
        n++;
    argv = calloc((size_t)n + 2, sizeof *argv);
    if (!argv) {
        hr = comrt_error_set(E_OUTOFMEMORY, "out of memory");
        goto out;
    }
    memcpy(argv, words, (size_t)n * sizeof *argv);
    argv[n] = "-Embedding";

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        hr = comrt_error_set(CO_E_SERVER_EXEC_FAILURE, "class %s: cannot start local server '%s': %s", cs, argv[0],
                             strerror(err));
        goto out;
    }

    int64_t deadline = comrt_now_ms() + timeout;
    for (;;) {
        hr = comrt_rendezvous_find(clsid, address);
        if (FAILED(hr))
            break;
        if (hr == S_OK) {
            reap_later(pid);
            break;
        }
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            if (WIFEXITED(status))
                hr = comrt_error_set(CO_E_SERVER_EXEC_FAILURE,
                                     "class %s: local server '%s' exited with status %d before registering the class",
                                     cs, argv[0], WEXITSTATUS(status));
            else
                hr = comrt_error_set(CO_E_SERVER_EXEC_FAILURE,
                                     "class %s: local server '%s' was killed by signal %d (%s) before registering "
                                     "the class",
                                     cs, argv[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
            break;
        }
        if (comrt_now_ms() >= deadline) {
            reap_later(pid);
            hr = comrt_error_set(CO_E_SERVER_EXEC_FAILURE,
                                 "class %s: local server '%s' (pid %d) did not register the class within %d ms", cs,
                                 argv[0], (int)pid, timeout);
            break;
        }
        sleep_1ms();
    }
out:
    CoTaskMemFree(cmd);
    free(words);
    free(argv);
    return hr;
}
