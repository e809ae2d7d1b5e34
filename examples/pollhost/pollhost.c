/*
 * pollhost.c - a local server whose objects live in a single-threaded
 * apartment driven by the program's own poll() loop: no hidden dispatch
 * thread. It serves the hello component's class (examples/hello), so
 * hello-client --local works against it once it is registered with
 *   regsvr --exe pollhost
 *
 * The loop watches two descriptors: the apartment's (readable while calls
 * wait for this thread) and a signalfd for SIGTERM/SIGINT. Calls from
 * other processes run only inside comrt_apartment_dispatch_pending(), on
 * the main thread. At exit it reports how many dispatch rounds ran calls.
 * Started by hand it stays until SIGTERM; launched for a client
 * (-Embedding) it leaves when its last client has gone.
 */
#define _POSIX_C_SOURCE 200809L

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "hello_impl.h"

static int fail(const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    fprintf(stderr, "pollhost: %s failed: 0x%08X %s\n", what, (unsigned)hr, why ? why : comrt_hresult_message(hr));
    CoTaskMemFree(why);
    return 1;
}

static int serve(int embedded)
{
    IUnknown *cf = NULL;
    DWORD cookie = 0;
    int comfd = -1, sigfd, status = 0;
    long rounds = 0;
    sigset_t sigs;
    HRESULT hr;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigprocmask(SIG_BLOCK, &sigs, NULL);
    sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);
    signal(SIGPIPE, SIG_IGN);

    hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    /* Registered from this STA: activation requests run on this thread too. */
    hr = comrt_module_get_class_object(&hello_module, &CLSID_HelloGreeter, &IID_IUnknown, (void **)&cf);
    if (SUCCEEDED(hr))
        hr = CoRegisterClassObject(&CLSID_HelloGreeter, cf, CLSCTX_LOCAL_SERVER, REGCLS_MULTIPLEUSE, &cookie);
    if (cf)
        IUnknown_Release(cf);
    if (SUCCEEDED(hr))
        hr = comrt_apartment_get_fd(&comfd);
    if (FAILED(hr)) {
        status = fail("start", hr);
        goto out;
    }
    printf("pollhost: ready (pid %d)\n", (int)getpid());
    fflush(stdout);
    /* Served until signalled; when launched for a client (-Embedding), also
     * until the module is idle again after a client (the registration's
     * factory holds one lock) or 30 s without one. */
    for (int idle_ms = 0, had_client = 0; !embedded || idle_ms < 30000;) {
        struct pollfd p[2] = {{comfd, POLLIN, 0}, {sigfd, POLLIN, 0}};
        int n = poll(p, 2, 100);
        if (n > 0 && (p[1].revents & POLLIN))
            break;
        if (n > 0 && (p[0].revents & POLLIN) && comrt_apartment_dispatch_pending() == S_OK)
            rounds++;
        if (atomic_load(&hello_module.locks) > 1) {
            had_client = 1;
            idle_ms = 0;
        } else if (embedded && had_client && n == 0) {
            break;
        } else if (n == 0) {
            idle_ms += 100;
        }
    }
    printf("pollhost: pid %d ran calls in %ld dispatch rounds on its main thread\n", (int)getpid(), rounds);
    fflush(stdout);
out:
    if (cookie)
        CoRevokeClassObject(cookie);
    CoUninitialize();
    close(sigfd);
    return status;
}

int main(int argc, char **argv)
{
    /* Registration is the ordinary exe-server's (it writes LocalServer32 = this program). */
    for (int i = 1; i < argc; i++)
        if (!strcasecmp(argv[i] + (argv[i][0] == '-' || argv[i][0] == '/'), "RegServer") ||
            !strcasecmp(argv[i] + (argv[i][0] == '-' || argv[i][0] == '/'), "UnregServer")) {
            comrt_exe_server srv = {
                .module = &hello_module,
                .regcls = REGCLS_MULTIPLEUSE,
                .typelib = comrt_typelib_data,
                .typelib_size = comrt_typelib_size,
            };
            return comrt_exe_server_main(&srv, argc, argv);
        }
    return serve(argc > 1 && !strcasecmp(argv[1] + (argv[1][0] == '-' || argv[1][0] == '/'), "Embedding"));
}
