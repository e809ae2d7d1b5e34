/*
 * classobj.c - class objects registered in this process
 * (CoRegisterClassObject), found by CoGetClassObject before the registry.
 * Local servers use the same table to answer activation requests from
 * other processes.
 *
 * A registration belongs to the registering thread's apartment: callers
 * in other apartments get proxies (activate.c), activation requests run
 * there (exporter.c), and when an STA ends its registrations are revoked
 * (comrt_classobj_apartment_gone), as in COM.
 */
#include <stdlib.h>

#include "../marshal/apartment.h"
#include "../marshal/orpc.h"
#include "../marshal/rendezvous.h"
#include "internal.h"

struct registration {
    DWORD cookie;
    CLSID clsid;
    IUnknown *obj;
    DWORD clsctx;
    DWORD flags;
    int suspended;
    int used; /* a REGCLS_SINGLEUSE object already handed out */
    comrt_apartment *apt; /* the registering thread's (referenced): activations run there */
    comrt_publication pub; /* CLSCTX_LOCAL_SERVER: visible to other processes */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct registration *regs;
static size_t nregs, capregs;
static DWORD next_cookie = 1;

/* Makes a local-server registration findable by other processes. Lock held. */
static HRESULT publish_locked(struct registration *r)
{
    const char *address;
    HRESULT hr;
    if (!(r->clsctx & CLSCTX_LOCAL_SERVER) || r->suspended || r->used || r->pub.fd >= 0)
        return S_OK;
    hr = comrt_orpc_endpoint(&address);
    if (SUCCEEDED(hr))
        hr = comrt_rendezvous_publish(&r->clsid, address, &r->pub);
    return hr;
}

static DWORD effective_context(DWORD clsctx, DWORD flags)
{
    /* COM: a MULTIPLEUSE local-server registration also serves in-process. */
    if ((flags & REGCLS_MULTIPLEUSE) && (clsctx & CLSCTX_LOCAL_SERVER))
        clsctx |= CLSCTX_INPROC_SERVER;
    return clsctx;
}

HRESULT CoRegisterClassObject(REFCLSID rclsid, LPUNKNOWN pUnk, DWORD dwClsContext, DWORD flags,
                              LPDWORD lpdwRegister)
{
    char cs[CHARS_IN_GUID];
    HRESULT hr;

    if (!lpdwRegister)
        return E_POINTER;
    *lpdwRegister = 0;
    if (!rclsid || !pUnk)
        return comrt_error_set(E_INVALIDARG, "CoRegisterClassObject: NULL class ID or object");
    if (!(dwClsContext & CLSCTX_ALL) || (flags & ~(DWORD)(REGCLS_MULTIPLEUSE | REGCLS_MULTI_SEPARATE |
                                                            REGCLS_SUSPENDED | REGCLS_SURROGATE)))
        return comrt_error_set(E_INVALIDARG, "CoRegisterClassObject: bad context 0x%x or flags 0x%x",
                               (unsigned)dwClsContext, (unsigned)flags);
    hr = comrt_thread_check_init("CoRegisterClassObject");
    if (FAILED(hr))
        return hr;
    DWORD ctx = effective_context(dwClsContext, flags);

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++) {
        if (IsEqualCLSID(&regs[i].clsid, rclsid) && (regs[i].clsctx & ctx) &&
            ((regs[i].flags | flags) & REGCLS_MULTIPLEUSE)) {
            pthread_mutex_unlock(&lock);
            return comrt_error_set(CO_E_OBJISREG, "class %s is already registered in this process (cookie %u)",
                                   comrt_guid_str(rclsid, cs), (unsigned)regs[i].cookie);
        }
    }
    if (nregs == capregs) {
        size_t ncap = capregs ? capregs * 2 : 8;
        struct registration *n = realloc(regs, ncap * sizeof *n);
        if (!n) {
            pthread_mutex_unlock(&lock);
            return comrt_error_set(E_OUTOFMEMORY, "CoRegisterClassObject: out of memory");
        }
        regs = n;
        capregs = ncap;
    }
    struct registration *r = &regs[nregs++];
    r->cookie = next_cookie++;
    r->clsid = *rclsid;
    r->obj = pUnk;
    r->clsctx = ctx;
    r->flags = flags;
    r->suspended = (flags & REGCLS_SUSPENDED) != 0;
    r->used = 0;
    r->pub.fd = -1;
    r->apt = comrt_apartment_current();
    hr = publish_locked(r);
    if (FAILED(hr)) {
        nregs--;
        pthread_mutex_unlock(&lock);
        return hr;
    }
    IUnknown_AddRef(pUnk);
    comrt_apartment_ref(r->apt);
    *lpdwRegister = r->cookie;
    pthread_mutex_unlock(&lock);
    return S_OK;
}

HRESULT CoRevokeClassObject(DWORD dwRegister)
{
    IUnknown *obj = NULL;
    comrt_apartment *apt = NULL;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++) {
        if (regs[i].cookie == dwRegister) {
            obj = regs[i].obj;
            apt = regs[i].apt;
            comrt_rendezvous_withdraw(&regs[i].pub);
            regs[i] = regs[--nregs];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (!obj)
        return comrt_error_set(CO_E_OBJNOTREG, "CoRevokeClassObject: no class object registered with cookie %u",
                               (unsigned)dwRegister);
    IUnknown_Release(obj); /* outside the lock: it may run arbitrary code */
    comrt_apartment_unref(apt);
    return S_OK;
}

HRESULT CoResumeClassObjects(void)
{
    HRESULT hr = S_OK;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++) {
        regs[i].suspended = 0;
        HRESULT p = publish_locked(&regs[i]);
        if (FAILED(p) && SUCCEEDED(hr))
            hr = p;
    }
    pthread_mutex_unlock(&lock);
    return hr;
}

HRESULT CoSuspendClassObjects(void)
{
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++) {
        regs[i].suspended = 1;
        comrt_rendezvous_withdraw(&regs[i].pub);
    }
    pthread_mutex_unlock(&lock);
    return S_OK;
}

HRESULT comrt_classobj_lookup_home(REFCLSID rclsid, DWORD clsctx, IUnknown **punk, comrt_apartment **home)
{
    *punk = NULL;
    if (home)
        *home = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++) {
        struct registration *r = &regs[i];
        if (r->suspended || r->used || !(r->clsctx & clsctx) || !IsEqualCLSID(&r->clsid, rclsid))
            continue;
        if (!(r->flags & (REGCLS_MULTIPLEUSE | REGCLS_MULTI_SEPARATE))) {
            r->used = 1; /* SINGLEUSE: leaves public view after one connection */
            comrt_rendezvous_withdraw(&r->pub);
        }
        *punk = r->obj;
        IUnknown_AddRef(*punk);
        if (home) {
            *home = r->apt;
            comrt_apartment_ref(r->apt);
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return *punk ? S_OK : S_FALSE;
}

HRESULT comrt_classobj_lookup(REFCLSID rclsid, DWORD clsctx, IUnknown **punk)
{
    return comrt_classobj_lookup_home(rclsid, clsctx, punk, NULL);
}

void comrt_classobj_apartment_gone(comrt_apartment *a)
{
    struct registration *gone = NULL;
    size_t ngone = 0;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++)
        if (regs[i].apt == a)
            ngone++;
    /* Without memory for the list the registrations stay: a later lookup
     * then fails RPC_E_DISCONNECTED (the apartment is gone), never worse. */
    if (ngone && !(gone = malloc(ngone * sizeof *gone)))
        ngone = 0;
    for (size_t i = 0, k = 0; k < ngone && i < nregs;) {
        if (regs[i].apt != a) {
            i++;
            continue;
        }
        comrt_rendezvous_withdraw(&regs[i].pub);
        gone[k++] = regs[i];
        regs[i] = regs[--nregs]; /* slot i now holds another entry: look at it again */
    }
    pthread_mutex_unlock(&lock);
    /* Released outside the lock (they may run arbitrary code), here on the
     * ending apartment's own thread, where they belong. */
    for (size_t i = 0; i < ngone; i++) {
        IUnknown_Release(gone[i].obj);
        comrt_apartment_unref(gone[i].apt);
    }
    free(gone);
}

comrt_apartment *comrt_classobj_apartment(REFCLSID rclsid)
{
    comrt_apartment *a = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nregs; i++)
        if (IsEqualCLSID(&regs[i].clsid, rclsid)) {
            a = regs[i].apt;
            comrt_apartment_ref(a);
            break;
        }
    pthread_mutex_unlock(&lock);
    return a;
}
