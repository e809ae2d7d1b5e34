/*
 * comcall - call automation objects from the shell, late-bound through
 * IDispatch, and describe them from their type information.
 *
 *   comcall [options] --describe PROGID|{CLSID}
 *   comcall [options] PROGID|{CLSID} MEMBER [ARG...]
 *   comcall [options] PROGID|{CLSID} PROPERTY=VALUE
 *
 * options: --context inproc|local|any (default any), --json.
 * Arguments (docs/dispatch.md): 42, -7, 0x1F (integers: VT_I4, VT_I8 when
 * larger), 2.5, 1e3 (VT_R8), true/false (VT_BOOL), null (VT_NULL),
 * @missing (an omitted optional argument), [1,2,"x"] (an array of VARIANTs),
 * "text" or s:text (a string even if it looks like a number), anything else
 * is a string. name:=value passes a named argument.
 *
 * Exit status: 0 success, 1 the call failed, 2 usage or argument syntax,
 * 3 the class could not be found or activated, 4 no such member or named
 * parameter. Failures print the HRESULT in hex, its name and its message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <comrt.h>

enum { EXIT_CALL = 1, EXIT_USAGE = 2, EXIT_ACTIVATE = 3, EXIT_NAME = 4 };

static int json;

static void usage(void)
{
    fprintf(stderr, "usage: comcall [--context inproc|local|any] [--json] --describe PROGID|{CLSID}\n"
                    "       comcall [--context inproc|local|any] [--json] PROGID|{CLSID} MEMBER [ARG...]\n"
                    "       comcall [--context inproc|local|any] [--json] PROGID|{CLSID} PROPERTY=VALUE\n"
                    "arguments: 42 -7 0x1F 2.5 true false null @missing [1,2,\"x\"] \"text\" s:text name:=value\n");
}

/* Output ------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Reports a failure: hr in hex, name and message, plus detail. Returns code. */
static int fail(int code, HRESULT hr, const char *what, const char *detail, long argerr)
{
    const char *name = comrt_hresult_name(hr);
    if (json) {
        printf("{\"error\": {\"hresult\": \"0x%08X\", \"name\": ", (unsigned)hr);
        json_str(stdout, name ? name : "");
        printf(", \"message\": ");
        json_str(stdout, comrt_hresult_message(hr));
        printf(", \"what\": ");
        json_str(stdout, what);
        if (detail) {
            printf(", \"detail\": ");
            json_str(stdout, detail);
        }
        if (argerr >= 0)
            printf(", \"argument\": %ld", argerr);
        printf("}}\n");
    }
    fprintf(stderr, "comcall: %s: 0x%08X %s (%s)", what, (unsigned)hr, name ? name : "", comrt_hresult_message(hr));
    if (argerr >= 0)
        fprintf(stderr, " at argument %ld", argerr);
    if (detail)
        fprintf(stderr, ": %s", detail);
    fputc('\n', stderr);
    return code;
}

static void print_value(const VARIANT *v);

static void print_array(SAFEARRAY *sa, VARTYPE evt)
{
    LONG lo = 0, hi = -1;
    fputc('[', stdout);
    if (sa && SafeArrayGetDim(sa) == 1 && SUCCEEDED(SafeArrayGetLBound(sa, 1, &lo)) &&
        SUCCEEDED(SafeArrayGetUBound(sa, 1, &hi)))
        for (LONG i = lo; i <= hi; i++) {
            VARIANT e;
            VariantInit(&e);
            HRESULT hr = evt == VT_VARIANT ? SafeArrayGetElement(sa, &i, &e)
                                           : (V_VT(&e) = evt, SafeArrayGetElement(sa, &i, &e.llVal));
            if (FAILED(hr))
                VariantInit(&e);
            fputs(i > lo ? ", " : "", stdout);
            print_value(&e);
            VariantClear(&e);
        }
    fputc(']', stdout);
}

/* Prints v: JSON when --json (strings quoted), else plainly. */
static void print_value(const VARIANT *v)
{
    VARIANT s;
    if (V_VT(v) & VT_ARRAY) {
        print_array(V_ARRAY(v), V_VT(v) & VT_TYPEMASK);
        return;
    }
    switch (V_VT(v)) {
    case VT_EMPTY:
    case VT_NULL:
        fputs(json ? "null" : (V_VT(v) == VT_NULL ? "null" : ""), stdout);
        return;
    case VT_BOOL:
        fputs(V_BOOL(v) ? "true" : "false", stdout);
        return;
    case VT_BSTR:
        if (json)
            json_str(stdout, V_BSTR(v));
        else
            fputs(V_BSTR(v) ? V_BSTR(v) : "", stdout);
        return;
    case VT_DISPATCH:
    case VT_UNKNOWN:
        fputs(V_UNKNOWN(v) ? (json ? "\"<object>\"" : "<object>") : "null", stdout);
        return;
    case VT_ERROR:
        printf(json ? "\"error 0x%08X\"" : "error 0x%08X", (unsigned)V_ERROR(v));
        return;
    default:
        VariantInit(&s);
        if (SUCCEEDED(VariantChangeType(&s, v, 0, VT_BSTR))) {
            fputs(V_BSTR(&s), stdout);
            VariantClear(&s);
        } else {
            printf(json ? "\"<VARTYPE %u>\"" : "<VARTYPE %u>", (unsigned)V_VT(v));
        }
    }
}

/* Arguments ------------------------------------------------------------------ */

static BSTR unquote(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
        return SysAllocStringLen(s + 1, (UINT)(n - 2));
    return SysAllocStringLen(s, (UINT)n);
}

/* Parses one scalar of n bytes at s into *v (strings included). */
static int parse_scalar(const char *s, size_t n, VARIANT *v)
{
    char buf[128], *end;
    VariantInit(v);
    if (n >= 2 && s[0] == 's' && s[1] == ':') {
        V_VT(v) = VT_BSTR;
        return (V_BSTR(v) = SysAllocStringLen(s + 2, (UINT)(n - 2))) ? 0 : -1;
    }
    if (n < sizeof buf) {
        memcpy(buf, s, n);
        buf[n] = 0;
        if (!strcmp(buf, "true") || !strcmp(buf, "false")) {
            V_VT(v) = VT_BOOL;
            V_BOOL(v) = buf[0] == 't' ? VARIANT_TRUE : VARIANT_FALSE;
            return 0;
        }
        if (!strcmp(buf, "null")) {
            V_VT(v) = VT_NULL;
            return 0;
        }
        if (!strcmp(buf, "@missing")) {
            V_VT(v) = VT_ERROR;
            V_ERROR(v) = DISP_E_PARAMNOTFOUND;
            return 0;
        }
        if (n) {
            errno = 0;
            long long i = strtoll(buf, &end, 0);
            if (!*end && !errno) {
                if (i >= INT32_MIN && i <= INT32_MAX) {
                    V_VT(v) = VT_I4;
                    V_I4(v) = (LONG)i;
                } else {
                    V_VT(v) = VT_I8;
                    V_I8(v) = i;
                }
                return 0;
            }
            double d = strtod(buf, &end);
            if (!*end && !errno && (buf[0] == '-' || buf[0] == '+' || buf[0] == '.' || (buf[0] >= '0' && buf[0] <= '9'))) {
                V_VT(v) = VT_R8;
                V_R8(v) = d;
                return 0;
            }
        }
    }
    V_VT(v) = VT_BSTR;
    return (V_BSTR(v) = unquote(s, n)) ? 0 : -1;
}

/* [a,b,...] -> VT_ARRAY|VT_VARIANT. Elements are scalars; "..." may hold commas. */
static int parse_array(const char *s, VARIANT *v)
{
    size_t n = strlen(s);
    VARIANT items[256];
    ULONG count = 0;
    const char *p = s + 1, *stop = s + n - 1;
    int rc = 0;
    while (p < stop && rc == 0) {
        while (p < stop && *p == ' ')
            p++;
        const char *q = p;
        int quoted = 0;
        while (q < stop && (quoted || *q != ',')) {
            if (*q == '"')
                quoted = !quoted;
            q++;
        }
        const char *e = q;
        while (e > p && e[-1] == ' ')
            e--;
        if (count == 256 || (e == p && q < stop) || parse_scalar(p, (size_t)(e - p), &items[count]))
            rc = -1;
        else if (e > p)
            count++;
        p = q + 1;
    }
    if (rc == 0) {
        SAFEARRAY *sa = SafeArrayCreateVector(VT_VARIANT, 0, count);
        if (!sa)
            rc = -1;
        for (LONG i = 0; sa && i < (LONG)count; i++)
            if (FAILED(SafeArrayPutElement(sa, &i, &items[i])))
                rc = -1;
        VariantInit(v);
        V_VT(v) = VT_ARRAY | VT_VARIANT;
        V_ARRAY(v) = sa;
    }
    for (ULONG i = 0; i < count; i++)
        VariantClear(&items[i]);
    return rc;
}

static int parse_arg(const char *s, VARIANT *v)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '[' && s[n - 1] == ']')
        return parse_array(s, v);
    return parse_scalar(s, n, v);
}

/* Type descriptions ---------------------------------------------------------- */

static void type_name(ITypeInfo *ti, const TYPEDESC *t, char *buf, size_t size)
{
    static const struct {
        VARTYPE vt;
        const char *name;
    } names[] = {{VT_I1, "CHAR"},   {VT_UI1, "BYTE"},     {VT_I2, "SHORT"},    {VT_UI2, "USHORT"},
                 {VT_I4, "LONG"},   {VT_UI4, "ULONG"},    {VT_I8, "LONGLONG"}, {VT_UI8, "ULONGLONG"},
                 {VT_INT, "INT"},   {VT_UINT, "UINT"},    {VT_R4, "float"},    {VT_R8, "double"},
                 {VT_BSTR, "BSTR"}, {VT_BOOL, "VARIANT_BOOL"}, {VT_VARIANT, "VARIANT"}, {VT_DATE, "DATE"},
                 {VT_CY, "CY"},     {VT_DISPATCH, "IDispatch*"}, {VT_UNKNOWN, "IUnknown*"},
                 {VT_HRESULT, "HRESULT"}, {VT_ERROR, "SCODE"}, {VT_VOID, "void"}, {VT_LPSTR, "LPSTR"}};
    char inner[200];
    if (t->vt == VT_PTR || t->vt == VT_SAFEARRAY) {
        type_name(ti, t->lptdesc, inner, sizeof inner);
        snprintf(buf, size, t->vt == VT_PTR ? "%s*" : "SAFEARRAY(%s)", inner);
        return;
    }
    if (t->vt == VT_USERDEFINED) {
        ITypeInfo *r = NULL;
        BSTR n = NULL;
        if (SUCCEEDED(ITypeInfo_GetRefTypeInfo(ti, t->hreftype, &r)) &&
            SUCCEEDED(ITypeInfo_GetDocumentation(r, MEMBERID_NIL, &n, NULL, NULL, NULL)))
            snprintf(buf, size, "%s", n);
        else
            snprintf(buf, size, "?");
        SysFreeString(n);
        if (r)
            ITypeInfo_Release(r);
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].vt == t->vt) {
            snprintf(buf, size, "%s", names[i].name);
            return;
        }
    snprintf(buf, size, "VARTYPE(%u)", (unsigned)t->vt);
}

/* The retval's type, or the return type when not HRESULT. */
static void result_type(ITypeInfo *ti, const FUNCDESC *fd, char *buf, size_t size)
{
    for (SHORT i = 0; i < fd->cParams; i++)
        if (fd->lprgelemdescParam[i].paramdesc.wParamFlags & PARAMFLAG_FRETVAL) {
            type_name(ti, fd->lprgelemdescParam[i].tdesc.lptdesc, buf, size);
            return;
        }
    if (fd->elemdescFunc.tdesc.vt == VT_HRESULT)
        snprintf(buf, size, "void");
    else
        type_name(ti, &fd->elemdescFunc.tdesc, buf, size);
}

static void describe_func(ITypeInfo *ti, const FUNCDESC *fd, int *first)
{
    BSTR names[33], name = NULL, help = NULL;
    UINT n = 0;
    char ty[256], rt[256];
    const char *kind = fd->invkind == INVOKE_FUNC ? "method"
                       : fd->invkind == INVOKE_PROPERTYGET ? "get"
                       : fd->invkind == INVOKE_PROPERTYPUT ? "put" : "putref";
    ITypeInfo_GetNames(ti, fd->memid, names, 33, &n);
    ITypeInfo_GetDocumentation(ti, fd->memid, &name, &help, NULL, NULL);
    result_type(ti, fd, rt, sizeof rt);
    if (json) {
        printf("%s\n    {\"name\": ", *first ? "" : ",");
        json_str(stdout, name);
        printf(", \"kind\": \"%s\", \"dispid\": %d, \"type\": ", kind, (int)fd->memid);
        json_str(stdout, rt);
        printf(", \"params\": [");
    } else {
        printf("  %-6s %s(", kind, name);
    }
    int k = 0;
    for (SHORT i = 0; i < fd->cParams; i++) {
        const ELEMDESC *e = &fd->lprgelemdescParam[i];
        USHORT f = e->paramdesc.wParamFlags;
        if (f & (PARAMFLAG_FRETVAL | PARAMFLAG_FLCID))
            continue;
        const char *pn = (UINT)(i + 1) < n ? names[i + 1] : "value";
        type_name(ti, &e->tdesc, ty, sizeof ty);
        VARIANT dv;
        VariantInit(&dv);
        if ((f & PARAMFLAG_FHASDEFAULT) && e->paramdesc.pparamdescex)
            VariantCopy(&dv, &e->paramdesc.pparamdescex->varDefaultValue);
        if (json) {
            printf("%s{\"name\": ", k ? ", " : "");
            json_str(stdout, pn);
            printf(", \"type\": ");
            json_str(stdout, ty);
            printf(", \"optional\": %s", (f & PARAMFLAG_FOPT) ? "true" : "false");
            if (f & PARAMFLAG_FOUT)
                printf(", \"out\": true");
            if (V_VT(&dv) != VT_EMPTY) {
                printf(", \"default\": ");
                print_value(&dv);
            }
            printf("}");
        } else {
            printf("%s%s%s%s %s", k ? ", " : "", (f & PARAMFLAG_FOPT) ? "[" : "", (f & PARAMFLAG_FOUT) ? ((f & PARAMFLAG_FIN) ? "[in, out] " : "[out] ") : "",
                   ty, pn);
            if (V_VT(&dv) != VT_EMPTY) {
                fputs(" = ", stdout);
                if (V_VT(&dv) == VT_BSTR)
                    printf("\"%s\"", V_BSTR(&dv));
                else
                    print_value(&dv);
            }
            fputs((f & PARAMFLAG_FOPT) ? "]" : "", stdout);
        }
        VariantClear(&dv);
        k++;
    }
    if (json) {
        printf("]");
        if (help) {
            printf(", \"help\": ");
            json_str(stdout, help);
        }
        printf("}");
    } else {
        printf(") -> %s%s%s\n", rt, help ? "  // " : "", help ? help : "");
    }
    *first = 0;
    for (UINT i = 0; i < n; i++)
        SysFreeString(names[i]);
    SysFreeString(name);
    SysFreeString(help);
}

/* The type information of clsid's default interface, from a registered type
 * library that lists the class (no activation needed). */
static HRESULT find_class_typeinfo(REFCLSID clsid, ITypeInfo **out)
{
    char **libs = NULL, **vers = NULL;
    size_t nlibs = 0, nvers = 0;
    HRESULT hr = comrt_reg_enum_subkeys("TypeLib", &libs, &nlibs);
    *out = NULL;
    for (size_t i = 0; SUCCEEDED(hr) && i < nlibs && !*out; i++) {
        char key[128];
        GUID libid;
        snprintf(key, sizeof key, "TypeLib\\%s", libs[i]);
        if (FAILED(IIDFromString(libs[i], &libid)) || FAILED(comrt_reg_enum_subkeys(key, &vers, &nvers)))
            continue;
        for (size_t j = 0; j < nvers && !*out; j++) {
            unsigned ma, mi;
            ITypeLib *tl = NULL;
            ITypeInfo *co = NULL, *itf = NULL;
            HREFTYPE href;
            if (sscanf(vers[j], "%u.%u", &ma, &mi) != 2 ||
                FAILED(LoadRegTypeLib(&libid, (WORD)ma, (WORD)mi, 0, &tl)))
                continue;
            if (SUCCEEDED(ITypeLib_GetTypeInfoOfGuid(tl, clsid, &co))) {
                TYPEATTR *ta;
                if (SUCCEEDED(ITypeInfo_GetTypeAttr(co, &ta))) {
                    for (UINT k = 0; k < ta->cImplTypes && !itf; k++) {
                        INT f = 0;
                        ITypeInfo_GetImplTypeFlags(co, k, &f);
                        if ((f & IMPLTYPEFLAG_FDEFAULT) && !(f & IMPLTYPEFLAG_FSOURCE) &&
                            SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(co, k, &href)))
                            ITypeInfo_GetRefTypeInfo(co, href, &itf);
                    }
                    ITypeInfo_ReleaseTypeAttr(co, ta);
                }
                ITypeInfo_Release(co);
            }
            *out = itf;
            ITypeLib_Release(tl);
        }
        comrt_reg_free_list(vers);
        vers = NULL;
    }
    comrt_reg_free_list(libs);
    CoTaskMemFree(comrt_error_take_description());
    return *out ? S_OK : TYPE_E_ELEMENTNOTFOUND;
}

static int describe(const char *cls, REFCLSID clsid, DWORD ctx)
{
    ITypeInfo *ti = NULL;
    HRESULT hr = find_class_typeinfo(clsid, &ti);
    if (FAILED(hr)) { /* no registered library lists it: ask the object */
        IDispatch *d = NULL;
        hr = CoCreateInstance(clsid, NULL, ctx, &IID_IDispatch, (void **)&d);
        if (FAILED(hr)) {
            char *desc = comrt_error_take_description();
            int rc = fail(EXIT_ACTIVATE, hr, cls, desc, -1);
            CoTaskMemFree(desc);
            return rc;
        }
        hr = IDispatch_GetTypeInfo(d, 0, 0, &ti);
        IDispatch_Release(d);
        if (FAILED(hr))
            return fail(EXIT_CALL, hr, cls, "no type information (no registered type library lists the class)", -1);
    }
    char cs[CHARS_IN_GUID], is[CHARS_IN_GUID];
    TYPEATTR *ta = NULL;
    BSTR name = NULL, help = NULL;
    StringFromGUID2(clsid, cs, sizeof cs);
    ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, &name, &help, NULL, NULL);
    ITypeInfo_GetTypeAttr(ti, &ta);
    StringFromGUID2(&ta->guid, is, sizeof is);
    if (json) {
        printf("{\"class\": ");
        json_str(stdout, cls);
        printf(", \"clsid\": \"%s\", \"interface\": ", cs);
        json_str(stdout, name);
        printf(", \"iid\": \"%s\", \"dual\": %s, \"members\": [", is, (ta->wTypeFlags & TYPEFLAG_FDUAL) ? "true" : "false");
    } else {
        printf("%s %s\ndefault interface %s %s%s%s%s\n", cls, cs, name, is,
               (ta->wTypeFlags & TYPEFLAG_FDUAL) ? " (dual)" : "", help ? ": " : "", help ? help : "");
    }
    ITypeInfo_ReleaseTypeAttr(ti, ta);
    SysFreeString(name);
    SysFreeString(help);
    /* This interface's members, then inherited ones up to IDispatch. */
    int first = 1;
    ITypeInfo *cur = ti;
    ITypeInfo_AddRef(cur);
    for (int depth = 0; cur && depth < 16; depth++) {
        ITypeInfo *next = NULL;
        HREFTYPE href;
        if (FAILED(ITypeInfo_GetTypeAttr(cur, &ta)))
            break;
        int base = IsEqualGUID(&ta->guid, &IID_IDispatch) || IsEqualGUID(&ta->guid, &IID_IUnknown);
        for (UINT i = 0; !base && i < ta->cFuncs; i++) {
            FUNCDESC *fd;
            if (SUCCEEDED(ITypeInfo_GetFuncDesc(cur, i, &fd))) {
                if (!(fd->wFuncFlags & (FUNCFLAG_FRESTRICTED | FUNCFLAG_FHIDDEN)))
                    describe_func(cur, fd, &first);
                ITypeInfo_ReleaseFuncDesc(cur, fd);
            }
        }
        UINT nimpl = ta->cImplTypes;
        ITypeInfo_ReleaseTypeAttr(cur, ta);
        if (!base && nimpl && SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(cur, 0, &href)))
            ITypeInfo_GetRefTypeInfo(cur, href, &next);
        ITypeInfo_Release(cur);
        cur = base ? NULL : next;
        if (base && next)
            ITypeInfo_Release(next);
    }
    if (cur)
        ITypeInfo_Release(cur);
    if (json)
        printf("\n]}\n");
    ITypeInfo_Release(ti);
    CoTaskMemFree(comrt_error_take_description());
    return 0;
}

/* Calls ------------------------------------------------------------------- */

static int call(const char *cls, REFCLSID clsid, DWORD ctx, const char *member, int argc, char **argv)
{
    IDispatch *d = NULL;
    VARIANT args[64], result;
    LPOLESTR names[65];
    DISPID ids[65], named[65];
    char what[512], *mname = NULL;
    int nnamed = 0, rc = 0, nargs = 0;
    WORD flags = DISPATCH_METHOD | DISPATCH_PROPERTYGET;
    const char *eq = strchr(member, '=');
    DISPPARAMS dp;

    if (argc > 63)
        return fail(EXIT_USAGE, E_INVALIDARG, member, "too many arguments (63 at most)", -1);
    snprintf(what, sizeof what, "%s.%s", cls, member);
    /* PROPERTY=VALUE is a property put */
    mname = eq ? strndup(member, (size_t)(eq - member)) : strdup(member);
    names[0] = mname;
    /* arguments in reverse order, named ones (name:=value) first */
    VARIANT pos[64];
    int npos = 0;
    for (int i = 0; i < argc; i++) {
        char *sep = strstr(argv[i], ":=");
        VARIANT *v = sep ? &args[nnamed] : &pos[npos];
        if (parse_arg(sep ? sep + 2 : argv[i], v)) {
            rc = fail(EXIT_USAGE, E_INVALIDARG, what, "cannot parse an argument", i);
            goto out;
        }
        if (sep) {
            names[1 + nnamed] = strndup(argv[i], (size_t)(sep - argv[i]));
            nnamed++;
        } else {
            npos++;
        }
    }
    if (eq) {
        if (argc) {
            rc = fail(EXIT_USAGE, E_INVALIDARG, what, "PROPERTY=VALUE takes no other argument", -1);
            goto out;
        }
        if (parse_arg(eq + 1, &args[0])) {
            rc = fail(EXIT_USAGE, E_INVALIDARG, what, "cannot parse the value", 0);
            goto out;
        }
        nnamed = 1;
        named[0] = DISPID_PROPERTYPUT;
        flags = (V_VT(&args[0]) == VT_DISPATCH || V_VT(&args[0]) == VT_UNKNOWN) ? DISPATCH_PROPERTYPUTREF
                                                                                : DISPATCH_PROPERTYPUT;
    }
    nargs = nnamed + npos;
    for (int i = 0; i < npos; i++)
        args[nnamed + i] = pos[npos - 1 - i];
    npos = 0; /* moved into args */

    HRESULT hr = CoCreateInstance(clsid, NULL, ctx, &IID_IDispatch, (void **)&d);
    if (FAILED(hr)) {
        char *desc = comrt_error_take_description();
        rc = fail(EXIT_ACTIVATE, hr, cls, desc, -1);
        CoTaskMemFree(desc);
        goto out;
    }
    hr = IDispatch_GetIDsOfNames(d, &IID_NULL, names, (UINT)(1 + (eq ? 0 : nnamed)), 0, ids);
    if (FAILED(hr)) {
        char *desc = comrt_error_take_description();
        rc = fail(EXIT_NAME, hr, what, desc, -1);
        CoTaskMemFree(desc);
        goto out;
    }
    if (!eq)
        for (int i = 0; i < nnamed; i++)
            named[i] = ids[1 + i];
    dp.rgvarg = args;
    dp.rgdispidNamedArgs = named;
    dp.cArgs = (UINT)nargs;
    dp.cNamedArgs = (UINT)nnamed;
    EXCEPINFO ei;
    UINT argerr = (UINT)-1;
    memset(&ei, 0, sizeof ei);
    VariantInit(&result);
    hr = IDispatch_Invoke(d, ids[0], &IID_NULL, 0, flags, &dp, &result, &ei, &argerr);
    if (FAILED(hr)) {
        char *desc = comrt_error_take_description();
        const char *detail = ei.bstrDescription ? ei.bstrDescription : desc;
        HRESULT shown = hr == DISP_E_EXCEPTION && ei.scode ? ei.scode : hr;
        /* argerr indexes rgvarg (reversed): report the 0-based position on the command line */
        int has_arg = hr == DISP_E_TYPEMISMATCH || hr == DISP_E_PARAMNOTFOUND || hr == DISP_E_PARAMNOTOPTIONAL;
        long pos_arg = has_arg && argerr < (UINT)nargs ? (long)nargs - 1 - (long)argerr : -1;
        rc = fail(hr == DISP_E_UNKNOWNNAME || hr == DISP_E_MEMBERNOTFOUND ? EXIT_NAME : EXIT_CALL, shown, what,
                  detail, pos_arg);
        CoTaskMemFree(desc);
        SysFreeString(ei.bstrSource);
        SysFreeString(ei.bstrDescription);
        SysFreeString(ei.bstrHelpFile);
        goto out;
    }
    if (json) {
        printf("{\"result\": ");
        print_value(&result);
        printf("}\n");
    } else if (V_VT(&result) != VT_EMPTY) {
        print_value(&result);
        putchar('\n');
    }
    VariantClear(&result);
out:
    for (int i = 0; i < nargs; i++)
        VariantClear(&args[i]);
    for (int i = 0; i < npos; i++)
        VariantClear(&pos[i]);
    if (!eq)
        for (int i = 0; i < nnamed; i++)
            free(names[1 + i]);
    free(mname);
    if (d)
        IDispatch_Release(d);
    return rc;
}

int main(int argc, char **argv)
{
    DWORD ctx = CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER;
    int describe_mode = 0, i = 1, rc;
    CLSID clsid;

    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strcmp(argv[i], "--describe")) {
            describe_mode = 1;
        } else if (!strcmp(argv[i], "--context") && i + 1 < argc) {
            const char *c = argv[++i];
            if (!strcmp(c, "inproc"))
                ctx = CLSCTX_INPROC_SERVER;
            else if (!strcmp(c, "local"))
                ctx = CLSCTX_LOCAL_SERVER;
            else if (!strcmp(c, "any"))
                ctx = CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER;
            else {
                fprintf(stderr, "comcall: unknown context '%s' (inproc, local or any)\n", c);
                return EXIT_USAGE;
            }
        } else if (!strcmp(argv[i], "--help")) {
            usage();
            return 0;
        } else {
            fprintf(stderr, "comcall: unknown option '%s'\n", argv[i]);
            usage();
            return EXIT_USAGE;
        }
    }
    if (i >= argc || (!describe_mode && i + 1 >= argc) || (describe_mode && i + 1 != argc)) {
        usage();
        return EXIT_USAGE;
    }
    HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (FAILED(hr))
        return fail(EXIT_ACTIVATE, hr, "CoInitializeEx", NULL, -1);
    const char *cls = argv[i];
    hr = cls[0] == '{' ? CLSIDFromString(cls, &clsid) : CLSIDFromProgID(cls, &clsid);
    if (FAILED(hr)) {
        char *desc = comrt_error_take_description();
        rc = fail(EXIT_ACTIVATE, hr, cls, desc ? desc : "no such class", -1);
        CoTaskMemFree(desc);
    } else if (describe_mode) {
        rc = describe(cls, &clsid, ctx);
    } else {
        rc = call(cls, &clsid, ctx, argv[i + 1], argc - i - 2, argv + i + 2);
    }
    CoUninitialize();
    return rc;
}
