/*
 * bench_variant.c - parameter-codec throughput for VARIANT arrays, next
 * to a flat byte array of the same size, in the same run.
 *
 * IN-PROCESS CODEC ONLY: no socket, no server. "request" is the proxy's
 * comrt_params_pack_in plus the stub's comrt_params_unpack_in (and the
 * frame's free); "reply" is the stub's comrt_params_pack_out plus the
 * proxy's comrt_params_unpack_out (and freeing what it produced). The
 * VARIANT case is a SAFEARRAY(VARIANT) of 100 000 elements mixing VT_I4,
 * VT_R8 and short VT_BSTRs; the byte case is [size_is(n)] BYTE * with n =
 * 100 000 * sizeof(VARIANT) (2.4 MB). MB/s count those in-memory bytes.
 * Median of 15 runs of each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comrt.h"
#include "comrt/oleauto.h"
#include "../marshal/params.h"

#define NVARS 100000
#define RUNS 15

static const comrt_tl_type T_I4 = {.kind = COMRT_TL_I4, .name = "LONG"};
static const comrt_tl_type T_HR = {.kind = COMRT_TL_I4, .name = "HRESULT"};
static const comrt_tl_type T_U1 = {.kind = COMRT_TL_U1, .name = "BYTE"};
static const comrt_tl_type T_VAR = {.kind = COMRT_TL_VARIANT, .name = "VARIANT"};
static const comrt_tl_type T_SA = {.kind = COMRT_TL_SAFEARRAY, .elem = &T_VAR, .name = ""};
static const comrt_tl_type P_SA = {.kind = COMRT_TL_PTR, .elem = &T_SA, .name = ""};
static const comrt_tl_expr_op ops_p0[] = {{COMRT_TL_OP_PARAM, 0}};
static const comrt_tl_expr X_P0 = {1, ops_p0};
static const comrt_tl_type U1_IN = {.kind = COMRT_TL_PTR, .flags = COMRT_TL_F_CONST, .elem = &T_U1, .size_is = &X_P0};
static const comrt_tl_type U1_OUT = {.kind = COMRT_TL_PTR, .elem = &T_U1, .size_is = &X_P0};
static const comrt_tl_param p_vars[] = {{"in", COMRT_TL_P_IN, &T_SA, {0}}, {"out", COMRT_TL_P_OUT, &P_SA, {0}}};
static const comrt_tl_param p_bytes[] = {{"n", COMRT_TL_P_IN, &T_I4, {0}},
                                         {"in", COMRT_TL_P_IN, &U1_IN, {0}},
                                         {"out", COMRT_TL_P_OUT, &U1_OUT, {0}}};
static const comrt_tl_method methods[] = {
    {"Vars", 3, 0x60020000, COMRT_TL_INVOKE_FUNC, 0, NULL, &T_HR, 2, p_vars},
    {"Bytes", 4, 0x60020001, COMRT_TL_INVOKE_FUNC, 0, NULL, &T_HR, 3, p_bytes},
};
static const comrt_tl_interface ifaces[] = {
    {.name = "IBench", .iid = {0x6b6c6d6e, 1, 2, {1, 2, 3, 4, 5, 6, 7, 8}}, .parent_name = "IUnknown",
     .parent_iid = {0, 0, 0, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}}, .base_slots = 3, .num_slots = 5, .nmethods = 2,
     .methods = methods},
};
static const comrt_tl_library lib = {.name = "VariantBench", .libid = {0x6b6c6d6f, 1, 2, {1, 2, 3, 4, 5, 6, 7, 8}},
                                     .ver_major = 1, .ninterfaces = 1, .interfaces = ifaces};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof *v, cmp);
    return v[RUNS / 2];
}

static void check(HRESULT hr, const char *what)
{
    if (FAILED(hr)) {
        char *d = comrt_error_take_description();
        fprintf(stderr, "bench_variant: %s: 0x%08x %s\n", what, (unsigned)hr, d ? d : "");
        exit(1);
    }
}

typedef struct run {
    double req, rep;
    size_t wire_req, wire_rep;
} run;

/* One request and one reply of method m; args are the client's. The reply
 * carries `reply` (stored into the stub's [out] pointee when non-NULL). */
static void once(const comrt_tl_method *m, void **cargs, void *reply, int out_param, run *r)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked up;
    comrt_call_frame *f = NULL;
    msgpack_sbuffer_init(&sb);
    msgpack_unpacked_init(&up);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    double t0 = now();
    check(comrt_params_pack_in(m, cargs, NULL, &pk), "pack_in");
    if (msgpack_unpack_next(&up, sb.data, sb.size, NULL) != MSGPACK_UNPACK_SUCCESS)
        check(E_FAIL, "msgpack");
    check(comrt_params_unpack_in(m, &up.data, NULL, &f), "unpack_in");
    double t1 = now();
    r->wire_req = sb.size;
    /* The "callee": the stub's [out] pointee holds the reply value. */
    void **args = comrt_call_frame_args(f);
    void *outp;
    memcpy(&outp, args[1 + out_param], sizeof outp);
    if (reply)
        memcpy(outp, &reply, sizeof reply);
    msgpack_sbuffer sb2;
    msgpack_unpacked up2;
    msgpack_sbuffer_init(&sb2);
    msgpack_unpacked_init(&up2);
    msgpack_packer_init(&pk, &sb2, msgpack_sbuffer_write);
    double t2 = now();
    check(comrt_params_pack_out(m, f, NULL, &pk), "pack_out");
    double t3 = now();
    if (reply)
        memset(outp, 0, sizeof reply); /* the reply value stays the bench's */
    comrt_call_frame_free(f);
    double t4 = now();
    if (msgpack_unpack_next(&up2, sb2.data, sb2.size, NULL) != MSGPACK_UNPACK_SUCCESS)
        check(E_FAIL, "msgpack");
    check(comrt_params_unpack_out(m, cargs, &up2.data, NULL), "unpack_out");
    double t5 = now();
    r->wire_rep = sb2.size;
    r->req = (t1 - t0) + (t4 - t3); /* the frame's free belongs to the request's work */
    r->rep = (t3 - t2) + (t5 - t4);
    msgpack_unpacked_destroy(&up);
    msgpack_unpacked_destroy(&up2);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&sb2);
}

int main(void)
{
    comrt_typelib *tl;
    void *data;
    size_t size;
    check(comrt_typelib_save(&lib, &data, &size), "save");
    check(comrt_typelib_load_memory(data, size, "bench", &tl), "load");
    CoTaskMemFree(data);
    const comrt_tl_method *M = comrt_typelib_library(tl)->interfaces[0].methods;

    SAFEARRAYBOUND b = {NVARS, 0};
    SAFEARRAY *sa = SafeArrayCreate(VT_VARIANT, 1, &b);
    if (!sa)
        check(E_OUTOFMEMORY, "SafeArrayCreate");
    VARIANT *v = sa->pvData;
    for (int i = 0; i < NVARS; i++) {
        char s[16];
        switch (i % 3) {
        case 0: v[i].vt = VT_I4, v[i].lVal = i; break;
        case 1: v[i].vt = VT_R8, v[i].dblVal = i * 0.5; break;
        default:
            snprintf(s, sizeof s, "item %d", i);
            v[i].vt = VT_BSTR, v[i].bstrVal = SysAllocString(s);
        }
    }
    size_t nbytes = (size_t)NVARS * sizeof(VARIANT);
    BYTE *in = malloc(nbytes), *out = malloc(nbytes);
    for (size_t i = 0; i < nbytes; i++)
        in[i] = (BYTE)(i * 7);

    double vreq[RUNS], vrep[RUNS], breq[RUNS], brep[RUNS];
    run r = {0}, rb = {0};
    void *self = NULL;
    for (int k = 0; k < RUNS; k++) {
        SAFEARRAY *got = NULL, **pgot = &got;
        void *cargs[] = {&self, &sa, &pgot};
        once(&M[0], cargs, sa, 1, &r);
        SafeArrayDestroy(got);
        vreq[k] = r.req, vrep[k] = r.rep;
        LONG n = (LONG)nbytes;
        const BYTE *pin = in;
        BYTE *pout = out;
        void *bargs[] = {&self, &n, &pin, &pout};
        once(&M[1], bargs, NULL, 2, &rb);
        breq[k] = rb.req, brep[k] = rb.rep;
    }
    double mv1 = median(vreq), mv2 = median(vrep), mb1 = median(breq), mb2 = median(brep);
    double mb = nbytes / 1e6;
    printf("bench_variant: IN-PROCESS codec throughput (pack + unpack, no socket), median of %d runs\n", RUNS);
    printf("  payload: %d VARIANTs (I4/R8/BSTR mixed) = %.1f MB in memory; flat BYTE array of the same %.1f MB\n",
           NVARS, mb, mb);
    printf("  %-34s %10s %10s %12s %10s\n", "case", "ms", "MB/s", "ns/element", "wire MB");
    printf("  %-34s %10.2f %10.0f %12.1f %10.2f\n", "SAFEARRAY(VARIANT) request", mv1 * 1e3, mb / mv1,
           mv1 * 1e9 / NVARS, r.wire_req / 1e6);
    printf("  %-34s %10.2f %10.0f %12.1f %10.2f\n", "SAFEARRAY(VARIANT) reply", mv2 * 1e3, mb / mv2,
           mv2 * 1e9 / NVARS, r.wire_rep / 1e6);
    printf("  %-34s %10.3f %10.0f %12s %10.2f\n", "[size_is] BYTE * request", mb1 * 1e3, mb / mb1, "-",
           rb.wire_req / 1e6);
    printf("  %-34s %10.3f %10.0f %12s %10.2f\n", "[size_is] BYTE * reply", mb2 * 1e3, mb / mb2, "-",
           rb.wire_rep / 1e6);
    printf("  ratio VARIANT/bytes time: request %.1fx, reply %.1fx\n", mv1 / mb1, mv2 / mb2);
    SafeArrayDestroy(sa);
    free(in);
    free(out);
    comrt_typelib_unref(tl);
    return 0;
}
