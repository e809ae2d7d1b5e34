/*
 * bench_dispatch.c - IDispatch::Invoke against the vtable call of the same
 * method, in process, in the same run: IAutoDemo::Add(2, 3) of
 * examples/automation, whose Invoke is COMRT_DISPATCH_IMPL (type
 * information + VariantChangeType + ffi_call). The component is linked in
 * and its class object taken from DllGetClassObject, so no registry is read.
 * Each figure is the median of 7 runs, in ns per call.
 */
#include <stdio.h>

#include "autodemo.h"
#include "benchutil.h"

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, void **ppv);

#define RUNS 7
#define N 200000

static IAutoDemo *demo;
static IDispatch *disp;
static volatile LONG sink;

static void vtable_call(void)
{
    LONG r;
    IAutoDemo_Add(demo, 2, 3, &r);
    sink = r;
}

static void invoke_i4(void)
{
    VARIANT args[2], r;
    args[0].vt = VT_I4, args[0].lVal = 3;
    args[1].vt = VT_I4, args[1].lVal = 2;
    DISPPARAMS dp = {args, NULL, 2, 0};
    VariantInit(&r);
    IDispatch_Invoke(disp, 3, &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, NULL);
    sink = r.lVal;
}

static BSTR two;

static void invoke_coerce(void)
{
    VARIANT args[2], r;
    args[0].vt = VT_I4, args[0].lVal = 3;
    args[1].vt = VT_BSTR, args[1].bstrVal = two;
    DISPPARAMS dp = {args, NULL, 2, 0};
    VariantInit(&r);
    IDispatch_Invoke(disp, 3, &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, NULL);
    sink = r.lVal;
}

static void names_and_invoke(void)
{
    LPOLESTR name = "Add";
    DISPID id;
    IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, 0, &id);
    VARIANT args[2], r;
    args[0].vt = VT_I4, args[0].lVal = 3;
    args[1].vt = VT_I4, args[1].lVal = 2;
    DISPPARAMS dp = {args, NULL, 2, 0};
    VariantInit(&r);
    IDispatch_Invoke(disp, id, &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, NULL);
    sink = r.lVal;
}

static double measure(void (*fn)(void))
{
    double runs[RUNS];
    for (int k = 0; k < RUNS; k++) {
        double t0 = now_ns();
        for (int i = 0; i < N; i++)
            fn();
        runs[k] = (now_ns() - t0) / N;
    }
    return median(runs, RUNS);
}

int main(void)
{
    IClassFactory *cf = NULL;
    if (CoInitializeEx(NULL, COINIT_MULTITHREADED) != S_OK ||
        DllGetClassObject(&CLSID_AutoDemo, &IID_IClassFactory, (void **)&cf) != S_OK ||
        IClassFactory_CreateInstance(cf, NULL, &IID_IAutoDemo, (void **)&demo) != S_OK ||
        IAutoDemo_QueryInterface(demo, &IID_IDispatch, (void **)&disp) != S_OK) {
        fprintf(stderr, "bench_dispatch: cannot create AutoDemo\n");
        return 1;
    }
    two = SysAllocString("2");
    invoke_i4(); /* warm: type library loaded, call plan prepared */
    if (sink != 5) {
        fprintf(stderr, "bench_dispatch: Invoke gave %d\n", (int)sink);
        return 1;
    }
    double v = measure(vtable_call), i = measure(invoke_i4), c = measure(invoke_coerce), n = measure(names_and_invoke);
    printf("bench_dispatch: IAutoDemo::Add(2, 3) in process, median of %d x %d calls\n", RUNS, N);
    printf("  %-44s %8.1f ns\n", "vtable call", v);
    printf("  %-44s %8.1f ns  (%.0fx)\n", "IDispatch::Invoke, VT_I4 arguments", i, i / v);
    printf("  %-44s %8.1f ns  (%.0fx)\n", "IDispatch::Invoke, a VT_BSTR coerced to LONG", c, c / v);
    printf("  %-44s %8.1f ns  (%.0fx)\n", "GetIDsOfNames + Invoke", n, n / v);
    SysFreeString(two);
    IDispatch_Release(disp);
    IAutoDemo_Release(demo);
    IClassFactory_Release(cf);
    CoUninitialize();
    return 0;
}
