/*
 * test_params.c - the parameter codec end to end without sockets: the
 * client packs [in] values, the bytes are unpacked by the stub into a call
 * frame, a real C object is called with ffi_call through the frame's
 * arguments, the stub packs the [out] values and the client unpacks them
 * into the caller's variables, and nothing leaks (run under
 * `make check SANITIZE=1` for ASan/LSan). Hostile input: test_hostile.c.
 */
#include <check.h>
#include <stdio.h>

#include "fixture.h"

static comrt_typelib *tl;
static const comrt_tl_method *M;

/* The object under test -------------------------------------------------------- */

typedef struct ITest ITest;
typedef struct OUTER {
    LONG id;
    struct { SHORT x; double y; } inner;
    BYTE tag[5];
    LONG vals[3];
    char *name;
} OUTER;
typedef struct BLOB {
    LONG n;
    BSTR *items;
} BLOB;
typedef struct NODE {
    LONG v;
    struct NODE *next;
} NODE;

typedef struct ITestVtbl {
    HRESULT (*QueryInterface)(ITest *, REFIID, void **);
    ULONG (*AddRef)(ITest *);
    ULONG (*Release)(ITest *);
    HRESULT (*Scalars)(ITest *, int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int64_t, uint64_t, float,
                       double, int, double *);
    HRESULT (*InOut)(ITest *, LONG, LONG *, LONG *, double *);
    HRESULT (*Strings)(ITest *, const char *, char **);
    HRESULT (*SumArray)(ITest *, LONG, const LONG *, LONG *);
    HRESULT (*FillBuf)(ITest *, LONG, LONG *, LONG *);
    HRESULT (*BigIn)(ITest *, LONG, const BYTE *, ULONG *);
    HRESULT (*GetBytes)(ITest *, LONG, LONG *, BYTE **);
    HRESULT (*Structs)(ITest *, const OUTER *, OUTER *);
    HRESULT (*Guid)(ITest *, REFIID, GUID *);
    HRESULT (*ByValGuid)(ITest *, GUID, GUID *);
    HRESULT (*Unique)(ITest *, LONG *, LONG *);
    HRESULT (*Bstr)(ITest *, BSTR, BSTR *, BSTR *);
    HRESULT (*Itf)(ITest *, IUnknown *, IUnknown **, REFIID, void **);
    HRESULT (*Fail)(ITest *, LONG, LONG *, BSTR *, IUnknown **, LONG *);
    HRESULT (*Div)(ITest *, LONG, LONG, const BYTE *, LONG *);
    HRESULT (*Mul)(ITest *, int64_t, int64_t, const BYTE *);
    HRESULT (*List)(ITest *, NODE *, LONG *);
    HRESULT (*StrBuf)(ITest *, LONG, char *);
    HRESULT (*InOutBytes)(ITest *, LONG *, BYTE **);
    HRESULT (*StructArr)(ITest *, LONG, const OUTER *, LONG *);
    HRESULT (*Blob)(ITest *, const BLOB *, BLOB *);
} ITestVtbl;
struct ITest {
    const ITestVtbl *lpVtbl;
};

static HRESULT t_qi(ITest *This, REFIID riid, void **ppv) { (void)This; (void)riid; *ppv = NULL; return E_NOINTERFACE; }
static ULONG t_addref(ITest *This) { (void)This; return 2; }
static ULONG t_release(ITest *This) { (void)This; return 1; }

static HRESULT t_scalars(ITest *This, int8_t a, uint8_t b, int16_t c, uint16_t d, int32_t e, uint32_t f, int64_t g,
                         uint64_t h, float i, double j, int k, double *sum)
{
    (void)This;
    /* Every argument is folded in with a distinct weight, so a swapped or
     * truncated one changes the result. */
    *sum = a * 1.0 + b * 10.0 + c * 100.0 + d * 1e3 + e * 1e4 + f * 1e5 + (double)g * 1e-3 + (double)(h >> 32) +
           i * 7.0 + j * 11.0 + k * 13.0;
    return S_OK;
}
static HRESULT t_inout(ITest *This, LONG a, LONG *b, LONG *c, double *d)
{
    (void)This;
    *b = a * 2;
    *c += a;
    *d *= 2.5;
    return S_OK;
}
static HRESULT t_strings(ITest *This, const char *s, char **ps)
{
    (void)This;
    size_t n = strlen(s);
    *ps = CoTaskMemAlloc(n + 3);
    for (size_t i = 0; i < n; i++)
        (*ps)[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
    memcpy(*ps + n, "!!", 3);
    return S_OK;
}
static HRESULT t_sum(ITest *This, LONG n, const LONG *arr, LONG *sum)
{
    (void)This;
    *sum = 0;
    for (LONG i = 0; i < n; i++)
        *sum += arr[i] * (i + 1);
    return S_OK;
}
static HRESULT t_fill(ITest *This, LONG n, LONG *buf, LONG *pm)
{
    (void)This;
    *pm = n / 2;
    for (LONG i = 0; i < n; i++)
        buf[i] = i < *pm ? 1000 + i : -1; /* the tail must not travel */
    return S_OK;
}
static ULONG checksum(const BYTE *p, size_t n)
{
    ULONG h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}
static HRESULT t_big(ITest *This, LONG n, const BYTE *data, ULONG *ck)
{
    (void)This;
    *ck = checksum(data, (size_t)n);
    return S_OK;
}
static HRESULT t_getbytes(ITest *This, LONG want, LONG *pn, BYTE **pp)
{
    (void)This;
    *pn = want;
    *pp = want ? CoTaskMemAlloc((size_t)want) : NULL;
    for (LONG i = 0; i < want; i++)
        (*pp)[i] = (BYTE)(i * 7 + 3);
    return S_OK;
}
static char *dupstr(const char *s)
{
    char *p = CoTaskMemAlloc(strlen(s) + 1);
    strcpy(p, s);
    return p;
}
static HRESULT t_structs(ITest *This, const OUTER *in, OUTER *out)
{
    (void)This;
    out->id = in->id + 1;
    out->inner.x = (SHORT)(in->inner.x * 2);
    out->inner.y = in->inner.y / 2;
    for (int i = 0; i < 5; i++)
        out->tag[i] = (BYTE)(in->tag[i] + 1);
    for (int i = 0; i < 3; i++)
        out->vals[i] = in->vals[i] * 10;
    out->name = in->name ? dupstr("renamed") : NULL;
    return S_OK;
}
static HRESULT t_guid(ITest *This, REFIID riid, GUID *copy)
{
    (void)This;
    *copy = *riid;
    copy->Data1 ^= 0xffffffffu;
    return S_OK;
}
static HRESULT t_byvalguid(ITest *This, GUID g, GUID *copy)
{
    (void)This;
    *copy = g;
    copy->Data4[7] = 0x42;
    return S_OK;
}
static HRESULT t_unique(ITest *This, LONG *p, LONG *wasnull)
{
    (void)This;
    *wasnull = p ? *p : -12345;
    return S_OK;
}
static HRESULT t_bstr(ITest *This, BSTR b, BSTR *pb, BSTR *pio)
{
    (void)This;
    UINT n = SysStringByteLen(b);
    *pb = SysAllocStringLen(NULL, n + 1);
    for (UINT i = 0; i < n; i++)
        (*pb)[i] = b[n - 1 - i];
    (*pb)[n] = '\0'; /* an embedded NUL before the last byte */
    /* [in,out]: the callee frees the value it was given and replaces it. */
    char tmp[64];
    snprintf(tmp, sizeof tmp, "was %u bytes", *pio ? SysStringByteLen(*pio) : 0u);
    SysFreeString(*pio);
    *pio = SysAllocString(tmp);
    return S_OK;
}
static GUID itf_seen_riid;
static int itf_seen_foo;
static HRESULT t_itf(ITest *This, IUnknown *foo, IUnknown **pfoo, REFIID riid, void **ppv)
{
    (void)This;
    itf_seen_foo = foo ? ((Foo *)foo)->id : 0;
    itf_seen_riid = *riid;
    *pfoo = &fixture_foos[1].iface;
    IUnknown_AddRef(*pfoo);
    *ppv = &fixture_foos[2].iface;
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}
static HRESULT t_fail(ITest *This, LONG n, LONG *a, BSTR *b, IUnknown **c, LONG *buf)
{
    (void)This;
    (void)n;
    (void)buf;
    *a = 0;
    *b = NULL;
    *c = NULL;
    return E_FAIL;
}
static HRESULT t_div(ITest *This, LONG n, LONG d, const BYTE *p, LONG *got)
{
    (void)This;
    *got = 0;
    for (LONG i = 0; i < n / d; i++)
        *got += p[i];
    return S_OK;
}
static HRESULT t_mul(ITest *This, int64_t n, int64_t d, const BYTE *p)
{
    (void)This, (void)n, (void)d, (void)p;
    return S_OK;
}
static HRESULT t_list(ITest *This, NODE *head, LONG *sum)
{
    (void)This;
    *sum = 0;
    for (LONG w = 1; head; head = head->next, w *= 10)
        *sum += head->v * w;
    return S_OK;
}
static HRESULT t_strbuf(ITest *This, LONG n, char *buf)
{
    (void)This;
    snprintf(buf, (size_t)n, "capacity %d", (int)n);
    return S_OK;
}
static HRESULT t_inoutbytes(ITest *This, LONG *pn, BYTE **pp)
{
    (void)This;
    LONG n = *pn;
    BYTE *q = CoTaskMemAlloc((size_t)n + 2);
    for (LONG i = 0; i < n; i++)
        q[i] = (*pp)[n - 1 - i];
    q[n] = 0xAA;
    q[n + 1] = 0xBB;
    CoTaskMemFree(*pp); /* COM: the callee may free and replace */
    *pp = q;
    *pn = n + 2;
    return S_OK;
}
static HRESULT t_structarr(ITest *This, LONG n, const OUTER *arr, LONG *total)
{
    (void)This;
    *total = 0;
    for (LONG i = 0; i < n; i++)
        *total += arr[i].id + arr[i].vals[2] + (arr[i].name ? (LONG)strlen(arr[i].name) : 0);
    return S_OK;
}
static HRESULT t_blob(ITest *This, const BLOB *in, BLOB *out)
{
    (void)This;
    out->n = in->n + 1;
    out->items = CoTaskMemAlloc(sizeof(BSTR) * (size_t)out->n);
    for (LONG i = 0; i < in->n; i++)
        out->items[i] = SysAllocStringLen(in->items[i], SysStringByteLen(in->items[i]));
    out->items[in->n] = SysAllocString("extra");
    return S_OK;
}

static const ITestVtbl test_vtbl = {t_qi, t_addref, t_release, t_scalars, t_inout, t_strings, t_sum, t_fill,
                                    t_big, t_getbytes, t_structs, t_guid, t_byvalguid, t_unique, t_bstr, t_itf,
                                    t_fail, t_div, t_mul, t_list, t_strbuf, t_inoutbytes, t_structarr, t_blob};
static ITest server = {&test_vtbl};

/* The round trip ---------------------------------------------------------------- */

static void setup(void)
{
    fixture_foos_init();
    M = fixture_load(&tl);
    ck_assert_ptr_nonnull(M);
}

static void teardown(void)
{
    for (int i = 0; i < NFOOS; i++)
        ck_assert_int_eq(atomic_load(&fixture_foos[i].refs), 1); /* AddRef/Release balance */
    comrt_typelib_unref(tl);
    tl = NULL;
}

/* Client -> bytes -> stub -> ffi_call -> stub -> bytes -> client. */
static HRESULT roundtrip(int mi, void **cargs)
{
    const comrt_tl_method *m = &M[mi];
    msgpack_sbuffer in_sb, out_sb;
    msgpack_packer pk;
    msgpack_unpacked in_up, out_up;
    comrt_call_frame *f = NULL;
    ffi_cif *cif;
    ffi_arg rc = 0;
    HRESULT hr;

    msgpack_sbuffer_init(&in_sb);
    msgpack_sbuffer_init(&out_sb);
    msgpack_unpacked_init(&in_up);
    msgpack_unpacked_init(&out_up);
    msgpack_packer_init(&pk, &in_sb, msgpack_sbuffer_write);
    hr = comrt_params_pack_in(m, cargs, &fixture_im, &pk);
    ck_assert_int_eq(hr, S_OK);
    ck_assert_int_eq(msgpack_unpack_next(&in_up, in_sb.data, in_sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    hr = comrt_params_unpack_in(m, &in_up.data, &fixture_im, &f);
    if (FAILED(hr)) {
        char *d = comrt_error_take_description();
        ck_abort_msg("%s: unpack_in: 0x%08x %s", m->name, (unsigned)hr, d ? d : "");
    }
    ck_assert_int_eq(comrt_params_cif(m, &cif), S_OK);
    void **args = comrt_call_frame_args(f);
    ITest *self = &server;
    args[0] = &self;
    ffi_call(cif, FFI_FN(((void **)(void *)server.lpVtbl)[m->slot]), &rc, args);
    hr = (HRESULT)(int32_t)rc;
    if (SUCCEEDED(hr)) {
        msgpack_packer_init(&pk, &out_sb, msgpack_sbuffer_write);
        ck_assert_int_eq(comrt_params_pack_out(m, f, &fixture_im, &pk), S_OK);
    }
    comrt_call_frame_free(f);
    if (SUCCEEDED(hr)) {
        ck_assert_int_eq(msgpack_unpack_next(&out_up, out_sb.data, out_sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
        HRESULT uhr = comrt_params_unpack_out(m, cargs, &out_up.data, &fixture_im);
        if (FAILED(uhr)) {
            char *d = comrt_error_take_description();
            fprintf(stderr, "%s: unpack_out: 0x%08x %s\n", m->name, (unsigned)uhr, d ? d : "");
            CoTaskMemFree(d);
            comrt_params_zero_out(m, cargs);
            hr = uhr;
        }
    } else {
        comrt_params_zero_out(m, cargs);
    }
    msgpack_unpacked_destroy(&in_up);
    msgpack_unpacked_destroy(&out_up);
    msgpack_sbuffer_destroy(&in_sb);
    msgpack_sbuffer_destroy(&out_sb);
    return hr;
}

static ITest *self_ptr = &server;
#define A(...) void *cargs[] = {&self_ptr, __VA_ARGS__}

START_TEST(scalars)
{
    int8_t a = -100;
    uint8_t b = 200;
    int16_t c = -30000;
    uint16_t d = 60000;
    int32_t e = -2000000000;
    uint32_t f = 4000000000u;
    int64_t g = -((int64_t)1 << 60);
    uint64_t h = UINT64_MAX - 5;
    float i = 1.5f;
    double j = -2.25;
    int k = 2;
    double sum = 99, want, *psum = &sum;
    A(&a, &b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &psum);
    ck_assert_int_eq(roundtrip(M_SCALARS, cargs), S_OK);
    t_scalars(&server, a, b, c, d, e, f, g, h, i, j, k, &want);
    ck_assert(sum == want);
}
END_TEST

START_TEST(inout_scalars)
{
    LONG a = 21, b = 777, c = 100;
    double d = 4.0;
    LONG *pb = &b, *pc = &c;
    double *pd = &d;
    A(&a, &pb, &pc, &pd);
    ck_assert_int_eq(roundtrip(M_INOUT, cargs), S_OK);
    ck_assert_int_eq(b, 42);
    ck_assert_int_eq(c, 121);
    ck_assert(d == 10.0);
}
END_TEST

START_TEST(strings)
{
    const char *s = "hello, world";
    char *out = (char *)0x1, **pout = &out;
    A(&s, &pout);
    ck_assert_int_eq(roundtrip(M_STRINGS, cargs), S_OK);
    ck_assert_str_eq(out, "HELLO, WORLD!!");
    CoTaskMemFree(out);
    s = "";
    ck_assert_int_eq(roundtrip(M_STRINGS, cargs), S_OK);
    ck_assert_str_eq(out, "!!");
    CoTaskMemFree(out);
}
END_TEST

START_TEST(size_is_in)
{
    LONG arr[] = {5, -3, 8, 1000000, 0, 7};
    LONG n = 6, sum = 0, *parr = arr, *psum = &sum, want;
    A(&n, &parr, &psum);
    ck_assert_int_eq(roundtrip(M_SUM, cargs), S_OK);
    t_sum(&server, n, arr, &want);
    ck_assert_int_eq(sum, want);
    n = 0; /* an empty conformant array */
    ck_assert_int_eq(roundtrip(M_SUM, cargs), S_OK);
    ck_assert_int_eq(sum, 0);
}
END_TEST

START_TEST(size_is_length_is_out)
{
    LONG buf[10], m = -1, n = 10, *pbuf = buf, *pm = &m;
    for (int i = 0; i < 10; i++)
        buf[i] = 55;
    A(&n, &pbuf, &pm);
    ck_assert_int_eq(roundtrip(M_FILL, cargs), S_OK);
    ck_assert_int_eq(m, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(buf[i], 1000 + i);
    for (int i = 5; i < 10; i++)
        ck_assert_int_eq(buf[i], 0); /* zeroed [out], the callee's -1s did not travel */
}
END_TEST

START_TEST(big_bytes)
{
    LONG n = 16 << 20;
    BYTE *data = malloc((size_t)n);
    for (LONG i = 0; i < n; i++)
        data[i] = (BYTE)(i * 2654435761u >> 13);
    ULONG ck = 0, *pck = &ck;
    A(&n, &data, &pck);
    ck_assert_int_eq(roundtrip(M_BIG, cargs), S_OK);
    ck_assert_uint_eq(ck, checksum(data, (size_t)n));
    free(data);
}
END_TEST

START_TEST(callee_allocated_bytes)
{
    LONG want = 300, got = -1, *pgot = &got;
    BYTE *bytes = (BYTE *)0x1, **pbytes = &bytes;
    A(&want, &pgot, &pbytes);
    ck_assert_int_eq(roundtrip(M_GETBYTES, cargs), S_OK);
    ck_assert_int_eq(got, 300);
    for (int i = 0; i < 300; i++)
        ck_assert_int_eq(bytes[i], (BYTE)(i * 7 + 3));
    CoTaskMemFree(bytes);
    want = 0; /* NULL inner pointer, zero count */
    ck_assert_int_eq(roundtrip(M_GETBYTES, cargs), S_OK);
    ck_assert_int_eq(got, 0);
    ck_assert_ptr_null(bytes);
}
END_TEST

START_TEST(structs)
{
    OUTER in = {.id = 41, .inner = {-7, 3.5}, .tag = {1, 2, 3, 4, 5}, .vals = {-1, 2, 30}, .name = "abc"};
    OUTER out, want;
    memset(&out, 0x5a, sizeof out);
    OUTER *pin = &in, *pout = &out;
    A(&pin, &pout);
    ck_assert_int_eq(roundtrip(M_STRUCTS, cargs), S_OK);
    t_structs(&server, &in, &want);
    ck_assert_int_eq(out.id, want.id);
    ck_assert_int_eq(out.inner.x, want.inner.x);
    ck_assert(out.inner.y == want.inner.y);
    ck_assert_mem_eq(out.tag, want.tag, 5);
    ck_assert_mem_eq(out.vals, want.vals, sizeof out.vals);
    ck_assert_str_eq(out.name, "renamed");
    CoTaskMemFree(out.name);
    CoTaskMemFree(want.name);
    in.name = NULL; /* an embedded pointer may be NULL */
    ck_assert_int_eq(roundtrip(M_STRUCTS, cargs), S_OK);
    ck_assert_ptr_null(out.name);
}
END_TEST

START_TEST(struct_array)
{
    OUTER arr[3] = {{.id = 1, .vals = {0, 0, 10}, .name = "x"}, {.id = 2, .vals = {0, 0, 20}},
                    {.id = 3, .vals = {0, 0, 30}, .name = "yyyy"}};
    LONG n = 3, total = 0, *ptotal = &total, want;
    OUTER *parr = arr;
    A(&n, &parr, &ptotal);
    ck_assert_int_eq(roundtrip(M_STRUCTARR, cargs), S_OK);
    t_structarr(&server, n, arr, &want);
    ck_assert_int_eq(total, want);
}
END_TEST

START_TEST(struct_sized_by_field)
{
    BSTR items[2] = {SysAllocString("one"), SysAllocStringLen("t\0o", 3)};
    BLOB in = {2, items}, out = {99, (BSTR *)0x1};
    BLOB *pin = &in, *pout = &out;
    A(&pin, &pout);
    ck_assert_int_eq(roundtrip(M_BLOB, cargs), S_OK);
    ck_assert_int_eq(out.n, 3);
    ck_assert_str_eq(out.items[0], "one");
    ck_assert_uint_eq(SysStringByteLen(out.items[1]), 3);
    ck_assert_mem_eq(out.items[1], "t\0o", 3);
    ck_assert_str_eq(out.items[2], "extra");
    for (int i = 0; i < 3; i++)
        SysFreeString(out.items[i]);
    CoTaskMemFree(out.items);
    SysFreeString(items[0]);
    SysFreeString(items[1]);
}
END_TEST

START_TEST(guid_refiid)
{
    GUID copy, want = IID_ITest;
    const GUID *riid = &IID_ITest;
    GUID *pcopy = &copy;
    A(&riid, &pcopy);
    ck_assert_int_eq(roundtrip(M_GUID, cargs), S_OK);
    want.Data1 ^= 0xffffffffu;
    ck_assert_mem_eq(&copy, &want, sizeof want);
}
END_TEST

START_TEST(guid_by_value)
{
    GUID g = IID_IFoo, copy, want = IID_IFoo;
    GUID *pcopy = &copy;
    A(&g, &pcopy);
    ck_assert_int_eq(roundtrip(M_BYVALGUID, cargs), S_OK);
    want.Data4[7] = 0x42;
    ck_assert_mem_eq(&copy, &want, sizeof want);
}
END_TEST

START_TEST(unique_null)
{
    LONG v = 31, r = 0, *pv = NULL, *pr = &r;
    A(&pv, &pr);
    ck_assert_int_eq(roundtrip(M_UNIQUE, cargs), S_OK);
    ck_assert_int_eq(r, -12345);
    pv = &v;
    ck_assert_int_eq(roundtrip(M_UNIQUE, cargs), S_OK);
    ck_assert_int_eq(r, 31);
}
END_TEST

START_TEST(linked_list)
{
    NODE n3 = {3, NULL}, n2 = {2, &n3}, n1 = {1, &n2};
    NODE *head = &n1;
    LONG sum = 0, *psum = &sum;
    A(&head, &psum);
    ck_assert_int_eq(roundtrip(M_LIST, cargs), S_OK);
    ck_assert_int_eq(sum, 321);
}
END_TEST

START_TEST(bstrs)
{
    BSTR b = SysAllocStringLen("ab\0cd", 5), out = (BSTR)0x1, io = SysAllocString("twelve bytes");
    BSTR *pout = &out, *pio = &io;
    A(&b, &pout, &pio);
    ck_assert_int_eq(roundtrip(M_BSTR, cargs), S_OK);
    ck_assert_uint_eq(SysStringByteLen(out), 6);
    ck_assert_mem_eq(out, "dc\0ba\0", 6);
    ck_assert_str_eq(io, "was 12 bytes"); /* the old one was freed by the proxy (LSan) */
    SysFreeString(out);
    SysFreeString(io);
    SysFreeString(b);
    b = NULL, io = NULL; /* NULL BSTRs are "" and travel as nil */
    ck_assert_int_eq(roundtrip(M_BSTR, cargs), S_OK);
    ck_assert_uint_eq(SysStringByteLen(out), 1);
    ck_assert_str_eq(io, "was 0 bytes");
    SysFreeString(out);
    SysFreeString(io);
}
END_TEST

START_TEST(interfaces)
{
    IUnknown *foo = &fixture_foos[0].iface, *got = (IUnknown *)0x1;
    IUnknown **pgot = &got;
    void *pv = (void *)0x1, **ppv = &pv;
    const GUID *riid = &IID_ITest;
    A(&foo, &pgot, &riid, &ppv);
    ck_assert_int_eq(roundtrip(M_ITF, cargs), S_OK);
    ck_assert_int_eq(itf_seen_foo, 1);
    ck_assert(IsEqualGUID(&itf_seen_riid, &IID_ITest));
    ck_assert(IsEqualGUID(&fixture_last_iid, &IID_ITest)); /* iid_is(riid) reached the marshaler */
    ck_assert_ptr_eq(got, &fixture_foos[1].iface);
    ck_assert_ptr_eq(pv, &fixture_foos[2].iface);
    ck_assert_int_eq(atomic_load(&fixture_foos[0].refs), 1); /* the stub released its [in] reference */
    ck_assert_int_eq(atomic_load(&fixture_foos[1].refs), 2); /* the caller owns one */
    ck_assert_int_eq(atomic_load(&fixture_foos[2].refs), 2);
    IUnknown_Release(got);
    IUnknown_Release((IUnknown *)pv);
    foo = NULL;
    ck_assert_int_eq(roundtrip(M_ITF, cargs), S_OK);
    ck_assert_int_eq(itf_seen_foo, 0);
    IUnknown_Release(got);
    IUnknown_Release((IUnknown *)pv);
}
END_TEST

START_TEST(strbuf_out)
{
    char buf[32];
    memset(buf, 'x', sizeof buf);
    LONG n = 20;
    char *pbuf = buf;
    A(&n, &pbuf);
    ck_assert_int_eq(roundtrip(M_STRBUF, cargs), S_OK);
    ck_assert_str_eq(buf, "capacity 20");
    ck_assert_int_eq(buf[20], 'x'); /* nothing written past the capacity */
}
END_TEST

START_TEST(inout_replaced_pointer)
{
    LONG n = 4, *pn = &n;
    BYTE *bytes = CoTaskMemAlloc(4), **pbytes = &bytes;
    memcpy(bytes, "\1\2\3\4", 4);
    A(&pn, &pbytes);
    ck_assert_int_eq(roundtrip(M_INOUTBYTES, cargs), S_OK);
    ck_assert_int_eq(n, 6);
    ck_assert_mem_eq(bytes, "\4\3\2\1\xAA\xBB", 6);
    CoTaskMemFree(bytes);
}
END_TEST

START_TEST(size_expression)
{
    BYTE data[6] = {1, 2, 3, 4, 5, 6};
    LONG n = 6, d = 2, got = 0, *pgot = &got;
    BYTE *pdata = data;
    A(&n, &d, &pdata, &pgot);
    ck_assert_int_eq(roundtrip(M_DIV, cargs), S_OK);
    ck_assert_int_eq(got, 6);
}
END_TEST

START_TEST(failure_zeroes_outs)
{
    LONG n = 4, a = 77, buf[4] = {9, 9, 9, 9};
    BSTR b = (BSTR)0x1;
    IUnknown *c = (IUnknown *)0x1;
    LONG *pa = &a, *pbuf = buf;
    BSTR *pb = &b;
    IUnknown **pc = &c;
    A(&n, &pa, &pb, &pc, &pbuf);
    ck_assert_int_eq(roundtrip(M_FAIL, cargs), E_FAIL);
    ck_assert_int_eq(a, 0);
    ck_assert_ptr_null(b);
    ck_assert_ptr_null(c);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(buf[i], 0);
    /* And directly: garbage in, zeros out. */
    a = 5, b = (BSTR)0x2, c = (IUnknown *)0x3;
    comrt_params_zero_out(&M[M_FAIL], cargs);
    ck_assert_int_eq(a, 0);
    ck_assert_ptr_null(b);
    ck_assert_ptr_null(c);
}
END_TEST

START_TEST(client_errors)
{
    /* A NULL [ref] pointer never leaves the client. */
    LONG n = 3, *parr = NULL, sum, *psum = &sum;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    void *cargs[] = {&self_ptr, &n, &parr, &psum};
    ck_assert_int_eq(comrt_params_pack_in(&M[M_SUM], cargs, &fixture_im, &pk), E_POINTER);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "SumArray"));
    ck_assert_ptr_nonnull(strstr(d, "arr"));
    CoTaskMemFree(d);
    msgpack_sbuffer_destroy(&sb);
}
END_TEST

START_TEST(cif_cache)
{
    ffi_cif *a, *b;
    ck_assert_int_eq(comrt_params_cif(&M[M_SUM], &a), S_OK);
    ck_assert_int_eq(comrt_params_cif(&M[M_SUM], &b), S_OK);
    ck_assert_ptr_eq(a, b);
    ck_assert_int_eq(comrt_params_cif(&M[M_DIV], &b), S_OK); /* (LONG, LONG, p, p) differs from (LONG, p, p) */
    ck_assert_ptr_ne(a, b);
    ck_assert_int_eq(a->nargs, 4);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("roundtrip");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, scalars);
    tcase_add_test(tc, inout_scalars);
    tcase_add_test(tc, strings);
    tcase_add_test(tc, size_is_in);
    tcase_add_test(tc, size_is_length_is_out);
    tcase_add_test(tc, big_bytes);
    tcase_add_test(tc, callee_allocated_bytes);
    tcase_add_test(tc, structs);
    tcase_add_test(tc, struct_array);
    tcase_add_test(tc, struct_sized_by_field);
    tcase_add_test(tc, guid_refiid);
    tcase_add_test(tc, guid_by_value);
    tcase_add_test(tc, unique_null);
    tcase_add_test(tc, linked_list);
    tcase_add_test(tc, bstrs);
    tcase_add_test(tc, interfaces);
    tcase_add_test(tc, strbuf_out);
    tcase_add_test(tc, inout_replaced_pointer);
    tcase_add_test(tc, size_expression);
    tcase_add_test(tc, failure_zeroes_outs);
    tcase_add_test(tc, client_errors);
    tcase_add_test(tc, cif_cache);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
