/*
 * calc_client.c - uses the Calculator through the comidl-generated header:
 *   calc-client 6 7    prints "6 multiply 7 = 42" and a few more results.
 */
#include <stdio.h>
#include <stdlib.h>

#include "calc.h"

static int fail(const char *what, HRESULT hr)
{
    char *msg = comrt_error_take_description();
    fprintf(stderr, "calc-client: %s: %s (0x%08X)\n", what, msg ? msg : comrt_hresult_message(hr), (unsigned)hr);
    CoTaskMemFree(msg);
    return 1;
}

int main(int argc, char **argv)
{
    LONGLONG a = argc > 1 ? atoll(argv[1]) : 6, b = argc > 2 ? atoll(argv[2]) : 7, r;
    ICalculator *calc = NULL;
    IMemory *mem = NULL;
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail("CoInitializeEx", hr);
    hr = CoCreateInstance(&CLSID_Calculator, NULL, CLSCTX_INPROC_SERVER, &IID_ICalculator, (void **)&calc);
    if (FAILED(hr))
        return fail("CoCreateInstance", hr);
    for (int op = CALC_ADD; op <= CALC_DIV; op++) {
        char *name = NULL;
        ICalculator_Describe(calc, (CALC_OP)op, &name);
        hr = ICalculator_Apply(calc, (CALC_OP)op, a, b, &r);
        if (SUCCEEDED(hr))
            printf("%lld %s %lld = %lld\n", (long long)a, name, (long long)b, (long long)r);
        else
            fail(name, hr);
        CoTaskMemFree(name);
    }
    LONGLONG values[] = {1, 2, 3, a, b};
    ICalculator_Sum(calc, 5, values, &r);
    printf("sum = %lld\n", (long long)r);
    hr = ICalculator_QueryInterface(calc, &IID_IMemory, (void **)&mem);
    if (FAILED(hr))
        return fail("QueryInterface(IMemory)", hr);
    IMemory_put_Value(mem, r);
    LONGLONG back = 0;
    IMemory_get_Value(mem, &back);
    printf("memory = %lld\n", (long long)back);
    IMemory_Release(mem);
    ICalculator_Release(calc);
    CoUninitialize();
    return 0;
}
