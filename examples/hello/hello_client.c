/*
 * hello_client.c - creates Hello.Greeter by ProgID (or CLSID), subscribes a
 * listener (a callback object this program implements), and calls both
 * interfaces.
 *   hello-client [--local] [NAME] [PROGID|{CLSID}]
 * --local asks for the local server (hello-server, started on demand)
 * instead of the in-process library: the calls, and the callback, then
 * cross processes.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hello.h"

static int fail(const char *what, HRESULT hr)
{
    char *why = comrt_error_take_description();
    const char *name = comrt_hresult_name(hr);
    fprintf(stderr, "hello-client: %s failed: 0x%08X %s (%s)\n", what, (unsigned)hr, name ? name : "",
            comrt_hresult_message(hr));
    if (why)
        fprintf(stderr, "hello-client: %s\n", why);
    CoTaskMemFree(why);
    return 1;
}

/* The listener: a minimal COM object living on the stack of main(). */
typedef struct Listener {
    IGreetingListener iface;
    atomic_ulong refs;
} Listener;

static HRESULT l_QueryInterface(IGreetingListener *This, REFIID riid, void **ppv)
{
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IGreetingListener)) {
        *ppv = This;
        IGreetingListener_AddRef(This);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}
static ULONG l_AddRef(IGreetingListener *This) { return (ULONG)atomic_fetch_add(&((Listener *)This)->refs, 1) + 1; }
static ULONG l_Release(IGreetingListener *This) { return (ULONG)atomic_fetch_sub(&((Listener *)This)->refs, 1) - 1; }
static HRESULT l_OnGreeting(IGreetingListener *This, const char *greeting)
{
    (void)This;
    printf("listener (pid %d) heard: %s\n", (int)getpid(), greeting);
    return S_OK;
}
static const IGreetingListenerVtbl listener_vtbl = {l_QueryInterface, l_AddRef, l_Release, l_OnGreeting};

int main(int argc, char **argv)
{
    DWORD ctx = CLSCTX_INPROC_SERVER;
    int a = 1;
    if (a < argc && !strcmp(argv[a], "--local")) {
        ctx = CLSCTX_LOCAL_SERVER;
        a++;
    }
    const char *name = a < argc ? argv[a] : "world";
    const char *cls = a + 1 < argc ? argv[a + 1] : "Hello.Greeter";
    Listener listener = {{&listener_vtbl}, 1};
    IGreeter *greeter = NULL;
    ICounter *counter = NULL;
    char *text = NULL;
    CLSID clsid;
    LONG count = 0, pid = 0;
    int rc = 1;
    HRESULT hr;

    /* Multithreaded: calls from the server to our listener may arrive on
     * any thread (apartments that pin them to one thread come later). */
    hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    /* CLSIDFromString takes "{...}" or, failing that, a ProgID. */
    hr = CLSIDFromString(cls, &clsid);
    if (FAILED(hr)) {
        rc = fail("CLSIDFromString", hr);
        goto out;
    }
    hr = CoCreateInstance(&clsid, NULL, ctx, &IID_IGreeter, (void **)&greeter);
    if (FAILED(hr)) {
        rc = fail("CoCreateInstance", hr);
        goto out;
    }
    hr = IGreeter_Subscribe(greeter, &listener.iface);
    if (FAILED(hr)) {
        rc = fail("IGreeter::Subscribe", hr);
        goto out;
    }
    hr = IGreeter_Greet(greeter, name, &text);
    if (FAILED(hr)) {
        rc = fail("IGreeter::Greet", hr);
        goto out;
    }
    printf("%s\n", text);
    IGreeter_Unsubscribe(greeter);
    hr = IGreeter_QueryInterface(greeter, &IID_ICounter, (void **)&counter);
    if (FAILED(hr)) {
        rc = fail("QueryInterface(ICounter)", hr);
        goto out;
    }
    if (FAILED(hr = ICounter_GetCount(counter, &count)) || FAILED(hr = ICounter_GetPid(counter, &pid))) {
        rc = fail("ICounter", hr);
        goto out;
    }
    printf("greetings made by this object: %d; it runs in pid %d (%s; this client is pid %d)\n", (int)count,
           (int)pid, pid == getpid() ? "in-process" : "a local server", (int)getpid());
    rc = 0;
out:
    CoTaskMemFree(text);
    if (counter)
        ICounter_Release(counter);
    if (greeter)
        IGreeter_Release(greeter);
    CoUninitialize();
    return rc;
}
