/*
 * test_dispatch.c - ITypeLib/ITypeInfo over a comidl library, and IDispatch
 * driven by type information (examples/automation's dual IAutoDemo), in
 * process and across processes (autodemo-server).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../check_main.h"
#include "autodemo.h"

static char dll_path[PATH_MAX], exe_path[PATH_MAX];

static void setup_once(void)
{
    char cmd[PATH_MAX * 3];
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    snprintf(cmd, sizeof cmd, "%s/examples/automation/libautodemo.so", build);
    if (!realpath(cmd, dll_path))
        exit(2);
    snprintf(cmd, sizeof cmd, "%s/examples/automation/autodemo-server", build);
    if (!realpath(cmd, exe_path))
        exit(2);
    snprintf(cmd, sizeof cmd, "%s/bin/regsvr -s %s && %s/bin/regsvr -s --exe %s", build, dll_path, build, exe_path);
    if (system(cmd) != 0) {
        fprintf(stderr, "%s failed\n", cmd);
        exit(2);
    }
}

static DWORD ctx = CLSCTX_INPROC_SERVER;

static void init_inproc(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    ctx = CLSCTX_INPROC_SERVER;
}

static void init_local(void)
{
    ck_assert_int_eq(CoInitializeEx(NULL, COINIT_MULTITHREADED), S_OK);
    ctx = CLSCTX_LOCAL_SERVER;
}

static void uninit(void)
{
    CoUninitialize();
}

static IDispatch *make(void)
{
    IDispatch *d = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_AutoDemo, NULL, ctx, &IID_IDispatch, (void **)&d);
    ck_assert_msg(hr == S_OK, "CoCreateInstance: 0x%08X", (unsigned)hr);
    return d;
}

static DISPID id_of(IDispatch *d, const char *name)
{
    DISPID id = 12345;
    LPOLESTR n = (LPOLESTR)name;
    ck_assert_int_eq(IDispatch_GetIDsOfNames(d, &IID_NULL, &n, 1, 0, &id), S_OK);
    return id;
}

static VARIANT vi4(LONG v)
{
    VARIANT x;
    VariantInit(&x);
    V_VT(&x) = VT_I4;
    V_I4(&x) = v;
    return x;
}

static VARIANT vr8(double v)
{
    VARIANT x;
    VariantInit(&x);
    V_VT(&x) = VT_R8;
    V_R8(&x) = v;
    return x;
}

static VARIANT vstr(const char *s)
{
    VARIANT x;
    VariantInit(&x);
    V_VT(&x) = VT_BSTR;
    V_BSTR(&x) = SysAllocString(s);
    return x;
}

static VARIANT vmissing(void)
{
    VARIANT x;
    VariantInit(&x);
    V_VT(&x) = VT_ERROR;
    V_ERROR(&x) = DISP_E_PARAMNOTFOUND;
    return x;
}

/* Invokes name with args in natural (left to right) order; args are cleared. */
static HRESULT call(IDispatch *d, const char *name, WORD flags, UINT n, VARIANT *args, VARIANT *res, EXCEPINFO *ei,
                    UINT *argerr)
{
    VARIANT rev[8];
    DISPID put = DISPID_PROPERTYPUT;
    DISPPARAMS dp = {rev, NULL, n, 0};
    for (UINT i = 0; i < n; i++)
        rev[n - 1 - i] = args[i];
    if (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) {
        dp.rgdispidNamedArgs = &put;
        dp.cNamedArgs = 1;
    }
    if (res)
        VariantInit(res);
    HRESULT hr = IDispatch_Invoke(d, id_of(d, name), &IID_NULL, 0, flags, &dp, res, ei, argerr);
    for (UINT i = 0; i < n; i++)
        VariantClear(&rev[i]);
    return hr;
}

/* puArgErr of a failed call: in and across processes (the marshaler returns
 * IDispatch's outs even when the call fails, as COM's does). */
#define ck_argerr(got, want) ck_assert_uint_eq(got, want)

static void clear_excepinfo(EXCEPINFO *ei)
{
    SysFreeString(ei->bstrSource);
    SysFreeString(ei->bstrDescription);
    SysFreeString(ei->bstrHelpFile);
}

/* Type information -------------------------------------------------------- */

START_TEST(typelib_and_typeinfo)
{
    ITypeLib *tl = NULL;
    ITypeInfo *ti = NULL, *parent = NULL, *co = NULL;
    TYPEATTR *ta;
    FUNCDESC *fd;
    BSTR name = NULL, doc = NULL, names[4];
    UINT n = 0;
    HREFTYPE href;

    ck_assert_int_eq(LoadTypeLib(dll_path, &tl), S_OK);
    ck_assert_uint_eq(ITypeLib_GetTypeInfoCount(tl), 5); /* IAutoDemo, AutoDemo, structs GUID, DISPPARAMS, EXCEPINFO */
    TYPEKIND kind;
    ck_assert_int_eq(ITypeLib_GetTypeInfoType(tl, 0, &kind), S_OK);
    ck_assert_int_eq(kind, TKIND_INTERFACE);
    ck_assert_int_eq(ITypeLib_GetDocumentation(tl, -1, &name, &doc, NULL, NULL), S_OK);
    ck_assert_str_eq(name, "AutoDemoLib");
    ck_assert_str_eq(doc, "comrt automation example");
    SysFreeString(name);
    SysFreeString(doc);

    ck_assert_int_eq(ITypeLib_GetTypeInfoOfGuid(tl, &IID_IAutoDemo, &ti), S_OK);
    ck_assert_int_eq(ITypeInfo_GetTypeAttr(ti, &ta), S_OK);
    ck_assert_int_eq(ta->typekind, TKIND_INTERFACE);
    ck_assert(ta->wTypeFlags & TYPEFLAG_FDUAL);
    ck_assert_uint_eq(ta->cFuncs, 15);
    ck_assert_uint_eq(ta->cImplTypes, 1);
    ck_assert_uint_eq(ta->cbSizeVft, 22 * sizeof(void *));
    ck_assert(IsEqualGUID(&ta->guid, &IID_IAutoDemo));
    ITypeInfo_ReleaseTypeAttr(ti, ta);

    /* Greet: index 4, two optional parameters with defaults and a retval */
    ck_assert_int_eq(ITypeInfo_GetFuncDesc(ti, 4, &fd), S_OK);
    ck_assert_int_eq(fd->memid, 4);
    ck_assert_int_eq(fd->invkind, INVOKE_FUNC);
    ck_assert_int_eq(fd->cParams, 3);
    ck_assert_int_eq(fd->oVft, 11 * (int)sizeof(void *));
    ck_assert_int_eq(fd->elemdescFunc.tdesc.vt, VT_HRESULT);
    ck_assert_int_eq(fd->lprgelemdescParam[0].tdesc.vt, VT_BSTR);
    ck_assert(fd->lprgelemdescParam[0].paramdesc.wParamFlags & PARAMFLAG_FHASDEFAULT);
    ck_assert_int_eq(V_VT(&fd->lprgelemdescParam[0].paramdesc.pparamdescex->varDefaultValue), VT_BSTR);
    ck_assert_str_eq(V_BSTR(&fd->lprgelemdescParam[0].paramdesc.pparamdescex->varDefaultValue), "Hello");
    ck_assert_int_eq(fd->lprgelemdescParam[2].tdesc.vt, VT_PTR);
    ck_assert_int_eq(fd->lprgelemdescParam[2].tdesc.lptdesc->vt, VT_BSTR);
    ck_assert(fd->lprgelemdescParam[2].paramdesc.wParamFlags & PARAMFLAG_FRETVAL);
    ITypeInfo_ReleaseFuncDesc(ti, fd);

    ck_assert_int_eq(ITypeInfo_GetNames(ti, 3, names, 4, &n), S_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert_str_eq(names[0], "Add");
    ck_assert_str_eq(names[1], "a");
    ck_assert_str_eq(names[3], "sum");
    for (UINT i = 0; i < n; i++)
        SysFreeString(names[i]);
    ck_assert_int_eq(ITypeInfo_GetDocumentation(ti, 3, &name, &doc, NULL, NULL), S_OK);
    ck_assert_str_eq(name, "Add");
    ck_assert_str_eq(doc, "a + b");
    SysFreeString(name);
    SysFreeString(doc);

    ck_assert_int_eq(ITypeInfo_GetRefTypeOfImplType(ti, 0, &href), S_OK);
    ck_assert_int_eq(ITypeInfo_GetRefTypeInfo(ti, href, &parent), S_OK);
    ck_assert_int_eq(ITypeInfo_GetDocumentation(parent, MEMBERID_NIL, &name, NULL, NULL, NULL), S_OK);
    ck_assert_str_eq(name, "IDispatch");
    SysFreeString(name);
    ITypeInfo_Release(parent);

    ck_assert_int_eq(ITypeLib_GetTypeInfoOfGuid(tl, &CLSID_AutoDemo, &co), S_OK);
    INT flags = 0;
    ck_assert_int_eq(ITypeInfo_GetImplTypeFlags(co, 0, &flags), S_OK);
    ck_assert_int_eq(flags, IMPLTYPEFLAG_FDEFAULT);
    ck_assert_int_eq(ITypeInfo_GetRefTypeOfImplType(co, 0, &href), S_OK);
    ck_assert_int_eq(ITypeInfo_GetRefTypeInfo(co, href, &parent), S_OK);
    ck_assert_ptr_eq(parent, ti);
    ITypeInfo_Release(parent);
    ITypeInfo_Release(co);

    ck_assert_int_eq(ITypeInfo_GetFuncDesc(ti, 99, &fd), TYPE_E_ELEMENTNOTFOUND);
    ITypeInfo_Release(ti);
    ITypeLib_Release(tl);
}
END_TEST

START_TEST(registered_typelib)
{
    ITypeLib *tl = NULL;
    TLIBATTR *a;
    ck_assert_int_eq(LoadRegTypeLib(&LIBID_AutoDemoLib, 1, 0, 0, &tl), S_OK);
    ck_assert_int_eq(ITypeLib_GetLibAttr(tl, &a), S_OK);
    ck_assert(IsEqualGUID(&a->guid, &LIBID_AutoDemoLib));
    ck_assert_int_eq(a->wMajorVerNum, 1);
    ITypeLib_ReleaseTLibAttr(tl, a);
    ITypeLib *v2 = NULL;
    ck_assert_int_eq(LoadRegTypeLib(&LIBID_AutoDemoLib, 2, 0, 0, &v2), TYPE_E_LIBNOTREGISTERED);
    /* unregister and register again by hand */
    ck_assert_int_eq(UnRegisterTypeLib(&LIBID_AutoDemoLib, 1, 0, 0, SYS_WIN64), S_OK);
    ITypeLib *none = NULL;
    ck_assert_int_eq(LoadRegTypeLib(&LIBID_AutoDemoLib, 1, 0, 0, &none), TYPE_E_LIBNOTREGISTERED);
    ck_assert_int_eq(RegisterTypeLib(tl, dll_path, NULL), S_OK);
    ck_assert_int_eq(LoadRegTypeLib(&LIBID_AutoDemoLib, 1, 0, 0, &none), S_OK);
    ITypeLib_Release(none);
    ITypeLib_Release(tl);
}
END_TEST

/* IDispatch (run in process and across processes) ------------------------ */

START_TEST(ids_of_names)
{
    IDispatch *d = make();
    LPOLESTR names[3] = {"aDD", "b", "nosuch"};
    DISPID ids[3];
    UINT count = 0;
    ck_assert_int_eq(IDispatch_GetTypeInfoCount(d, &count), S_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(IDispatch_GetIDsOfNames(d, &IID_NULL, names, 2, 0, ids), S_OK);
    ck_assert_int_eq(ids[0], 3);
    ck_assert_int_eq(ids[1], 1);
    ck_assert_int_eq(IDispatch_GetIDsOfNames(d, &IID_NULL, names, 3, 0, ids), DISP_E_UNKNOWNNAME);
    if (ctx == CLSCTX_INPROC_SERVER) /* [out] values of a failed call do not cross processes */
        ck_assert_int_eq(ids[2], DISPID_UNKNOWN);
    names[0] = "Frobnicate";
    ck_assert_int_eq(IDispatch_GetIDsOfNames(d, &IID_NULL, names, 1, 0, ids), DISP_E_UNKNOWNNAME);
    if (ctx == CLSCTX_INPROC_SERVER)
        ck_assert_int_eq(ids[0], DISPID_UNKNOWN);
    IDispatch_Release(d);
}
END_TEST

START_TEST(positional_and_coercion)
{
    IDispatch *d = make();
    VARIANT r, a[2] = {vi4(2), vi4(3)};
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_I4);
    ck_assert_int_eq(V_I4(&r), 5);
    /* strings and doubles are coerced with VariantChangeType */
    a[0] = vstr("40");
    a[1] = vr8(2.0);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD | DISPATCH_PROPERTYGET, 2, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_I4(&r), 42);
    a[0] = vstr("1.5");
    ck_assert_int_eq(call(d, "Scale", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_R8);
    ck_assert(V_R8(&r) == 3.0);
    a[0] = vi4(0);
    ck_assert_int_eq(call(d, "Negate", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_BOOL);
    ck_assert_int_eq(V_BOOL(&r), VARIANT_TRUE);
    a[0] = vstr("hi");
    ck_assert_int_eq(call(d, "Echo", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_BSTR);
    ck_assert_str_eq(V_BSTR(&r), "hi");
    VariantClear(&r);
    IDispatch_Release(d);
}
END_TEST

START_TEST(named_arguments)
{
    IDispatch *d = make();
    VARIANT r, args[2] = {vi4(2), vstr("Hi")};
    DISPID named[2] = {1, 0}; /* times, greeting */
    DISPPARAMS dp = {args, named, 2, 2};
    LPOLESTR names[3] = {"Greet", "greeting", "times"};
    DISPID ids[3];
    ck_assert_int_eq(IDispatch_GetIDsOfNames(d, &IID_NULL, names, 3, 0, ids), S_OK);
    ck_assert_int_eq(ids[1], 0);
    ck_assert_int_eq(ids[2], 1);
    VariantInit(&r);
    ck_assert_int_eq(IDispatch_Invoke(d, ids[0], &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "Hi world Hi world");
    VariantClear(&r);
    /* only the second parameter, named; the first takes its default */
    dp.rgvarg = &args[0];
    dp.rgdispidNamedArgs = &named[0];
    dp.cArgs = dp.cNamedArgs = 1;
    ck_assert_int_eq(IDispatch_Invoke(d, ids[0], &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "Hello world Hello world");
    VariantClear(&r);
    VariantClear(&args[1]);
    IDispatch_Release(d);
}
END_TEST

START_TEST(properties)
{
    IDispatch *d = make();
    VARIANT r, a[1] = {vstr("Ann")};
    ck_assert_int_eq(call(d, "Name", DISPATCH_PROPERTYPUT, 1, a, NULL, NULL, NULL), S_OK);
    ck_assert_int_eq(call(d, "Name", DISPATCH_PROPERTYGET, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_BSTR);
    ck_assert_str_eq(V_BSTR(&r), "Ann");
    VariantClear(&r);
    ck_assert_int_eq(call(d, "Greet", DISPATCH_METHOD, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "Hello Ann");
    VariantClear(&r);
    ck_assert_int_eq(call(d, "Count", DISPATCH_PROPERTYGET, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_I4);
    ck_assert_int_eq(V_I4(&r), 3);
    /* putref of an object, read back */
    VARIANT o;
    VariantInit(&o);
    V_VT(&o) = VT_DISPATCH;
    V_DISPATCH(&o) = d;
    IDispatch_AddRef(d);
    ck_assert_int_eq(call(d, "Peer", DISPATCH_PROPERTYPUTREF, 1, &o, NULL, NULL, NULL), S_OK);
    ck_assert_int_eq(call(d, "Peer", DISPATCH_PROPERTYGET, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_DISPATCH);
    ck_assert_ptr_nonnull(V_DISPATCH(&r));
    VariantClear(&r);
    VariantInit(&o);
    V_VT(&o) = VT_DISPATCH; /* NULL: breaks the cycle */
    V_DISPATCH(&o) = NULL;
    ck_assert_int_eq(call(d, "Peer", DISPATCH_PROPERTYPUTREF, 1, &o, NULL, NULL, NULL), S_OK);
    /* a put of a read-only property, a putref of a value property */
    a[0] = vi4(1);
    ck_assert_int_eq(call(d, "Count", DISPATCH_PROPERTYPUT, 1, a, NULL, NULL, NULL), DISP_E_MEMBERNOTFOUND);
    a[0] = vstr("x");
    ck_assert_int_eq(call(d, "Name", DISPATCH_PROPERTYPUTREF, 1, a, NULL, NULL, NULL), DISP_E_MEMBERNOTFOUND);
    IDispatch_Release(d);
}
END_TEST

START_TEST(optional_and_defaults)
{
    IDispatch *d = make();
    VARIANT r, a[2];
    ck_assert_int_eq(call(d, "Greet", DISPATCH_METHOD, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "Hello world");
    VariantClear(&r);
    a[0] = vmissing(); /* Greet(, 3) */
    a[1] = vi4(3);
    ck_assert_int_eq(call(d, "Greet", DISPATCH_METHOD, 2, a, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "Hello world Hello world Hello world");
    VariantClear(&r);
    a[0] = vi4(21);
    ck_assert_int_eq(call(d, "Scale", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert(V_R8(&r) == 42.0);
    ck_assert_int_eq(call(d, "Describe", DISPATCH_METHOD, 0, NULL, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "missing");
    VariantClear(&r);
    a[0] = vi4(1);
    ck_assert_int_eq(call(d, "Describe", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert_str_eq(V_BSTR(&r), "vt 3");
    VariantClear(&r);
    IDispatch_Release(d);
}
END_TEST

START_TEST(dispatch_errors)
{
    IDispatch *d = make();
    VARIANT r, a[3];
    UINT argerr = 77;
    DISPPARAMS none = {NULL, NULL, 0, 0};
    VariantInit(&r);
    ck_assert_int_eq(IDispatch_Invoke(d, 999, &IID_NULL, 0, DISPATCH_METHOD, &none, &r, NULL, NULL),
                     DISP_E_MEMBERNOTFOUND);
    a[0] = vi4(1), a[1] = vi4(2), a[2] = vi4(3);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 3, a, &r, NULL, NULL), DISP_E_BADPARAMCOUNT);
    a[0] = vi4(1);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 1, a, &r, NULL, NULL), DISP_E_BADPARAMCOUNT);
    /* Add(1, "x"): "x" is rgvarg[0] */
    a[0] = vi4(1), a[1] = vstr("x");
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, NULL, &argerr), DISP_E_TYPEMISMATCH);
    ck_argerr(argerr, 0);
    /* Add("x", 1): rgvarg[1] */
    a[0] = vstr("x"), a[1] = vi4(1);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, NULL, &argerr), DISP_E_TYPEMISMATCH);
    ck_argerr(argerr, 1);
    /* Add(, 1): a required argument passed as missing */
    a[0] = vmissing(), a[1] = vi4(1);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, NULL, &argerr), DISP_E_PARAMNOTOPTIONAL);
    ck_argerr(argerr, 1);
    /* a named argument that is no parameter */
    VARIANT one = vi4(1);
    DISPID bad = 7;
    DISPPARAMS dp = {&one, &bad, 1, 1};
    ck_assert_int_eq(IDispatch_Invoke(d, 3, &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, &argerr),
                     DISP_E_PARAMNOTFOUND);
    ck_argerr(argerr, 0);
    /* named: only b given: a is not optional */
    bad = 1;
    ck_assert_int_eq(IDispatch_Invoke(d, 3, &IID_NULL, 0, DISPATCH_METHOD, &dp, &r, NULL, &argerr),
                     DISP_E_PARAMNOTOPTIONAL);
    IDispatch_Release(d);
}
END_TEST

START_TEST(excepinfo_from_errorinfo)
{
    IDispatch *d = make();
    VARIANT r, a[2] = {vstr("the answer is 42")};
    EXCEPINFO ei;
    memset(&ei, 0xAB, sizeof ei);
    char *desc;
    ck_assert_int_eq(call(d, "Fail", DISPATCH_METHOD, 1, a, &r, &ei, NULL), DISP_E_EXCEPTION);
    ck_assert_int_eq(ei.scode, E_FAIL);
    ck_assert_str_eq(ei.bstrDescription, "the answer is 42");
    ck_assert_ptr_nonnull(ei.bstrSource);
    clear_excepinfo(&ei);
    /* the callee's error object stays the thread's, in and across processes */
    desc = comrt_error_take_description();
    ck_assert_str_eq(desc, "the answer is 42");
    CoTaskMemFree(desc);
    a[0] = vi4(INT32_MAX), a[1] = vi4(1);
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, &ei, NULL), DISP_E_EXCEPTION);
    ck_assert_int_eq(ei.scode, DISP_E_OVERFLOW);
    ck_assert_ptr_nonnull(strstr(ei.bstrDescription, "does not fit"));
    clear_excepinfo(&ei);
    desc = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(desc, "does not fit"));
    CoTaskMemFree(desc);
    /* a NULL EXCEPINFO is allowed */
    a[0] = vstr("no excepinfo");
    ck_assert_int_eq(call(d, "Fail", DISPATCH_METHOD, 1, a, &r, NULL, NULL), DISP_E_EXCEPTION);
    IDispatch_Release(d);
}
END_TEST

START_TEST(arrays)
{
    IDispatch *d = make();
    VARIANT r, a[1];
    a[0] = vi4(4);
    ck_assert_int_eq(call(d, "Range", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&r), VT_ARRAY | VT_I4);
    LONG ub = 0, idx = 3, v = 0;
    ck_assert_int_eq(SafeArrayGetUBound(V_ARRAY(&r), 1, &ub), S_OK);
    ck_assert_int_eq(ub, 3);
    ck_assert_int_eq(SafeArrayGetElement(V_ARRAY(&r), &idx, &v), S_OK);
    ck_assert_int_eq(v, 4);
    /* the array goes back in, as a VARIANT */
    a[0] = r;
    ck_assert_int_eq(call(d, "Sum", DISPATCH_METHOD, 1, a, &r, NULL, NULL), S_OK);
    ck_assert(V_R8(&r) == 10.0);
    IDispatch_Release(d);
}
END_TEST

START_TEST(by_reference)
{
    IDispatch *d = make();
    LONG x = 1, y = 2;
    VARIANT a[2];
    VariantInit(&a[0]);
    VariantInit(&a[1]);
    V_VT(&a[0]) = VT_BYREF | VT_I4;
    a[0].plVal = &x;
    V_VT(&a[1]) = VT_BYREF | VT_I4;
    a[1].plVal = &y;
    ck_assert_int_eq(call(d, "Swap", DISPATCH_METHOD, 2, a, NULL, NULL, NULL), S_OK);
    ck_assert_int_eq(x, 2);
    ck_assert_int_eq(y, 1);
    IDispatch_Release(d);
}
END_TEST

START_TEST(by_reference_variant)
{
    IDispatch *d = make();
    VARIANT vx = vi4(5), vy = vstr("6"), a[2];
    VariantInit(&a[0]);
    VariantInit(&a[1]);
    V_VT(&a[0]) = VT_BYREF | VT_VARIANT;
    a[0].pvarVal = &vx;
    V_VT(&a[1]) = VT_BYREF | VT_VARIANT;
    a[1].pvarVal = &vy;
    ck_assert_int_eq(call(d, "Swap", DISPATCH_METHOD, 2, a, NULL, NULL, NULL), S_OK);
    ck_assert_int_eq(V_VT(&vx), VT_I4);
    ck_assert_int_eq(V_I4(&vx), 6);
    ck_assert_int_eq(V_I4(&vy), 5);
    VariantClear(&vx);
    VariantClear(&vy);
    IDispatch_Release(d);
}
END_TEST

START_TEST(std_dispatch)
{
    IAutoDemo *demo = NULL;
    ITypeInfo *ti = NULL;
    IUnknown *unk = NULL;
    IDispatch *d = NULL;
    ck_assert_int_eq(CoCreateInstance(&CLSID_AutoDemo, NULL, CLSCTX_INPROC_SERVER, &IID_IAutoDemo, (void **)&demo),
                     S_OK);
    ck_assert_int_eq(IAutoDemo_GetTypeInfo(demo, 0, 0, &ti), S_OK);
    ck_assert_ptr_nonnull(comrt_typeinfo_interface(ti));
    ck_assert_int_eq(CreateStdDispatch(NULL, demo, ti, &unk), S_OK);
    ck_assert_int_eq(IUnknown_QueryInterface(unk, &IID_IDispatch, (void **)&d), S_OK);
    VARIANT r, a[2] = {vi4(20), vi4(22)};
    ck_assert_int_eq(call(d, "Add", DISPATCH_METHOD, 2, a, &r, NULL, NULL), S_OK);
    ck_assert_int_eq(V_I4(&r), 42);
    IDispatch_Release(d);
    IUnknown_Release(unk);
    ITypeInfo_Release(ti);
    IAutoDemo_Release(demo);
}
END_TEST

static void add_dispatch_tests(TCase *tc)
{
    tcase_add_test(tc, ids_of_names);
    tcase_add_test(tc, positional_and_coercion);
    tcase_add_test(tc, named_arguments);
    tcase_add_test(tc, properties);
    tcase_add_test(tc, optional_and_defaults);
    tcase_add_test(tc, dispatch_errors);
    tcase_add_test(tc, excepinfo_from_errorinfo);
    tcase_add_test(tc, arrays);
}

static Suite *dispatch_suite(void)
{
    Suite *s = suite_create("dispatch");
    TCase *tc = tcase_create("typeinfo");
    tcase_add_checked_fixture(tc, init_inproc, uninit);
    tcase_add_test(tc, typelib_and_typeinfo);
    tcase_add_test(tc, registered_typelib);
    suite_add_tcase(s, tc);

    tc = tcase_create("inproc");
    tcase_add_checked_fixture(tc, init_inproc, uninit);
    add_dispatch_tests(tc);
    tcase_add_test(tc, by_reference);
    tcase_add_test(tc, by_reference_variant);
    tcase_add_test(tc, std_dispatch);
    suite_add_tcase(s, tc);

    tc = tcase_create("local_server");
    tcase_set_timeout(tc, 30);
    tcase_add_checked_fixture(tc, init_local, uninit);
    add_dispatch_tests(tc);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setup_once();
    return comrt_run_suite(dispatch_suite());
}
