/*
 * calc.c - the Calculator component. It began as the output of
 *   comidl --skeleton calc.c --skeleton-tlb calc.idl
 * and only the state and the method bodies were filled in; reference
 * counting, QueryInterface, aggregation, the class factory and
 * registration (classes and the embedded type library) are the skeleton's.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"
#include <comrt/typelib.h>

typedef struct Calculator {
    comrt_object base; /* must come first */
    ICalculator if_ICalculator;
    IMemory if_IMemory;
    atomic_llong memory; /* IMemory::Value */
} Calculator;

COMRT_IUNKNOWN_IMPL(Calculator_ICalculator, ICalculator, Calculator, if_ICalculator)

/* ICalculator::ICalculator */

static HRESULT Calculator_ICalculator_Apply(ICalculator *This, CALC_OP op, LONGLONG a, LONGLONG b, LONGLONG *result)
{
    (void)This;
    if (!result)
        return E_POINTER;
    *result = 0;
    switch (op) {
    case CALC_ADD:
        return __builtin_add_overflow(a, b, result) ? DISP_E_OVERFLOW : S_OK;
    case CALC_SUB:
        return __builtin_sub_overflow(a, b, result) ? DISP_E_OVERFLOW : S_OK;
    case CALC_MUL:
        return __builtin_mul_overflow(a, b, result) ? DISP_E_OVERFLOW : S_OK;
    case CALC_DIV:
        if (b == 0)
            return comrt_error_set(DISP_E_DIVBYZERO, "Calculator: division by zero");
        if (a == INT64_MIN && b == -1)
            return DISP_E_OVERFLOW;
        *result = a / b;
        return S_OK;
    }
    return E_INVALIDARG;
}

static HRESULT Calculator_ICalculator_Sum(ICalculator *This, ULONG count, const LONGLONG *values, LONGLONG *total)
{
    (void)This;
    if (!total || (count && !values))
        return E_POINTER;
    LONGLONG t = 0;
    for (ULONG i = 0; i < count; i++)
        if (__builtin_add_overflow(t, values[i], &t))
            return DISP_E_OVERFLOW;
    *total = t;
    return S_OK;
}

static HRESULT Calculator_ICalculator_Describe(ICalculator *This, CALC_OP op, char **text)
{
    (void)This;
    static const char *const names[] = {"add", "subtract", "multiply", "divide"};
    if (!text)
        return E_POINTER;
    *text = NULL;
    if ((unsigned)op >= sizeof names / sizeof names[0])
        return E_INVALIDARG;
    size_t n = strlen(names[op]) + 1;
    if (!(*text = CoTaskMemAlloc(n))) /* [out, string]: the caller frees it */
        return E_OUTOFMEMORY;
    memcpy(*text, names[op], n);
    return S_OK;
}

static const ICalculatorVtbl Calculator_ICalculator_vtbl = {
    .QueryInterface = Calculator_ICalculator_QueryInterface,
    .AddRef = Calculator_ICalculator_AddRef,
    .Release = Calculator_ICalculator_Release,
    .Apply = Calculator_ICalculator_Apply,
    .Sum = Calculator_ICalculator_Sum,
    .Describe = Calculator_ICalculator_Describe,
};

COMRT_IUNKNOWN_IMPL(Calculator_IMemory, IMemory, Calculator, if_IMemory)

/* IMemory::IDispatch */

static HRESULT Calculator_IMemory_GetTypeInfoCount(IMemory *This, UINT *pctinfo)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    (void)self;
    (void)pctinfo;
    if (!pctinfo)
        return E_POINTER;
    *pctinfo = 0; /* TODO: type information for IDispatch */
    return S_OK;
}

static HRESULT Calculator_IMemory_GetTypeInfo(IMemory *This, UINT iTInfo, LCID lcid, ITypeInfo **ppTInfo)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    (void)self;
    (void)iTInfo;
    (void)lcid;
    (void)ppTInfo;
    return E_NOTIMPL; /* TODO */
}

static HRESULT Calculator_IMemory_GetIDsOfNames(IMemory *This, REFIID riid, LPOLESTR *rgszNames, UINT cNames, LCID lcid, DISPID *rgDispId)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    (void)self;
    (void)riid;
    (void)rgszNames;
    (void)cNames;
    (void)lcid;
    (void)rgDispId;
    return DISP_E_UNKNOWNNAME; /* TODO: late binding */
}

static HRESULT Calculator_IMemory_Invoke(IMemory *This, DISPID dispIdMember, REFIID riid, LCID lcid, WORD wFlags, DISPPARAMS *pDispParams, VARIANT *pVarResult, EXCEPINFO *pExcepInfo, UINT *puArgErr)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    (void)self;
    (void)dispIdMember;
    (void)riid;
    (void)lcid;
    (void)wFlags;
    (void)pDispParams;
    (void)pVarResult;
    (void)pExcepInfo;
    (void)puArgErr;
    return DISP_E_MEMBERNOTFOUND; /* TODO: late binding */
}

/* IMemory::IMemory */

static HRESULT Calculator_IMemory_get_Value(IMemory *This, LONGLONG *value)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    if (!value)
        return E_POINTER;
    *value = atomic_load(&self->memory);
    return S_OK;
}

static HRESULT Calculator_IMemory_put_Value(IMemory *This, LONGLONG value)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    atomic_store(&self->memory, value);
    return S_OK;
}

static HRESULT Calculator_IMemory_Clear(IMemory *This)
{
    Calculator *self = COMRT_CONTAINER_OF(This, Calculator, if_IMemory);
    atomic_store(&self->memory, 0);
    return S_OK;
}

static const IMemoryVtbl Calculator_IMemory_vtbl = {
    .QueryInterface = Calculator_IMemory_QueryInterface,
    .AddRef = Calculator_IMemory_AddRef,
    .Release = Calculator_IMemory_Release,
    .GetTypeInfoCount = Calculator_IMemory_GetTypeInfoCount,
    .GetTypeInfo = Calculator_IMemory_GetTypeInfo,
    .GetIDsOfNames = Calculator_IMemory_GetIDsOfNames,
    .Invoke = Calculator_IMemory_Invoke,
    .get_Value = Calculator_IMemory_get_Value,
    .put_Value = Calculator_IMemory_put_Value,
    .Clear = Calculator_IMemory_Clear,
};

static void Calculator_destroy(void *p)
{
    free(p);
}

static const comrt_interface_entry Calculator_interfaces[] = {
    COMRT_INTERFACE(IID_ICalculator, Calculator, if_ICalculator),
    COMRT_INTERFACE(IID_IMemory, Calculator, if_IMemory),
    {NULL, 0},
};
static const comrt_object_class Calculator_class = {
    .name = "Calculator",
    .interfaces = Calculator_interfaces,
    .destroy = Calculator_destroy,
};

static HRESULT Calculator_create(comrt_module *module, IUnknown *outer, REFIID riid, void **ppv)
{
    Calculator *self = calloc(1, sizeof *self);
    if (!self)
        return E_OUTOFMEMORY;
    comrt_object_init(&self->base, &Calculator_class, module, outer);
    self->if_ICalculator.lpVtbl = &Calculator_ICalculator_vtbl;
    self->if_IMemory.lpVtbl = &Calculator_IMemory_vtbl;
    atomic_init(&self->memory, 0);
    return comrt_object_finish_create(&self->base, riid, ppv);
}

static const comrt_class_entry classes[] = {
    {
        .clsid = &CLSID_Calculator,
        .create = Calculator_create,
        .flags = COMRT_CLASS_AGGREGATABLE,
        .description = "Calculator (comrt example)",
        .progid = "CalcLib.Calculator.1",
        .vi_progid = "CalcLib.Calculator",
        .threading_model = "Both",
    },
    {0},
};
static comrt_module module = COMRT_MODULE_INIT(classes);

/* The type library embedded by `comidl --tlb-c` (linked into this component). */
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, void **ppv)
{
    return comrt_module_get_class_object(&module, rclsid, riid, ppv);
}

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return comrt_module_can_unload_now(&module);
}

COMRT_EXPORT HRESULT DllRegisterServer(void)
{
    HRESULT hr = comrt_module_register_server(&module);
    if (SUCCEEDED(hr)) {
        hr = comrt_typelib_register_embedded(comrt_typelib_data, comrt_typelib_size);
        if (FAILED(hr))
            comrt_module_unregister_server(&module);
    }
    return hr;
}

COMRT_EXPORT HRESULT DllUnregisterServer(void)
{
    HRESULT hr = comrt_typelib_unregister_embedded(comrt_typelib_data, comrt_typelib_size);
    HRESULT hr2 = comrt_module_unregister_server(&module);
    return FAILED(hr) ? hr : hr2;
}
