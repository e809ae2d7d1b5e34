/*
 * fuzz_params.c - libFuzzer target for the stub side of the parameter
 * codec (comrt_params_unpack_in), the decoder that faces untrusted peers.
 * The input is one msgpack message used as the "ins" array of every
 * method of the test type library (tests/params/fixture.h). Besides not
 * crashing or leaking: a rejected message returns RPC_E_INVALID_DATA (or
 * E_NOTIMPL/E_OUTOFMEMORY), never a frame; an accepted one packs its
 * [out] values and frees cleanly, and interface references balance.
 */
#include <stdint.h>
#include <stdlib.h>

#include "../params/fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/*
 * msgpack-c's unpacker allocates a declared array's elements before
 * reading them, so 5 bytes can ask for 64 GiB: that is the frame
 * decoder's problem (bounded by the frame size there), not the codec's.
 * Only messages whose declared counts fit in the bytes that follow reach
 * the codec.
 */
static int plausible(const uint8_t *d, size_t size)
{
    size_t pos = 0;
    uint64_t pending = 1;
    while (pending) {
        if (pos >= size)
            return 0;
        uint8_t b = d[pos++];
        uint64_t children = 0, skip = 0;
        int lenbytes = 0;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
            ;
        else if (b <= 0x8f)
            children = 2u * (b & 0x0f);
        else if (b <= 0x9f)
            children = b & 0x0f;
        else if (b <= 0xbf)
            skip = b & 0x1f;
        else if (b >= 0xc4 && b <= 0xc6)
            lenbytes = 1 << (b - 0xc4);
        else if (b >= 0xc7 && b <= 0xc9)
            lenbytes = 1 << (b - 0xc7), skip = 1;
        else if (b == 0xca || b == 0xcb)
            skip = b == 0xca ? 4 : 8;
        else if (b >= 0xcc && b <= 0xd3)
            skip = 1u << ((b - 0xcc) & 3);
        else if (b >= 0xd4 && b <= 0xd8)
            skip = 1 + (1u << (b - 0xd4));
        else if (b >= 0xd9 && b <= 0xdb)
            lenbytes = 1 << (b - 0xd9);
        else if (b == 0xdc || b == 0xdd)
            lenbytes = b == 0xdc ? -2 : -4;
        else if (b == 0xde || b == 0xdf)
            lenbytes = b == 0xde ? -20 : -40;
        else
            return 0;
        if (lenbytes) {
            int n = lenbytes > 0 ? lenbytes : lenbytes == -2 || lenbytes == -20 ? 2 : 4;
            if (size - pos < (size_t)n)
                return 0;
            uint64_t v = be(d + pos, n);
            pos += (size_t)n;
            if (lenbytes > 0)
                skip += v;
            else
                children = lenbytes <= -20 ? 2 * v : v;
        }
        if (skip > size - pos || children > size - pos)
            return 0;
        pos += skip;
        pending += children;
        pending--;
    }
    return 1;
}

static const comrt_tl_method *methods;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static comrt_typelib *tl; /* built once, kept for the process */
    msgpack_unpacked up;
    if (!methods) {
        fixture_foos_init();
        if (!(methods = fixture_load(&tl)))
            abort();
    }
    if (!plausible(data, size))
        return 0;
    msgpack_unpacked_init(&up);
    if (msgpack_unpack_next(&up, (const char *)data, size, NULL) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_unpacked_destroy(&up);
        return 0;
    }
    for (int mi = 0; mi < M_COUNT; mi++) {
        comrt_call_frame *f = NULL;
        HRESULT hr = comrt_params_unpack_in(&methods[mi], &up.data, &fixture_im, &f);
        if (FAILED(hr)) {
            if (f || (hr != RPC_E_INVALID_DATA && hr != E_NOTIMPL && hr != E_OUTOFMEMORY))
                abort();
            CoTaskMemFree(comrt_error_take_description());
        } else {
            /* The callee was not called: [out] values are the zeroed ones. */
            msgpack_sbuffer sb;
            msgpack_packer pk;
            msgpack_sbuffer_init(&sb);
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            if (FAILED(comrt_params_pack_out(&methods[mi], f, &fixture_im, &pk)))
                CoTaskMemFree(comrt_error_take_description());
            msgpack_sbuffer_destroy(&sb);
            comrt_call_frame_free(f);
        }
        for (int i = 0; i < NFOOS; i++)
            if (atomic_load(&fixture_foos[i].refs) != 1)
                abort(); /* an [in] interface was not released, or released twice */
    }
    msgpack_unpacked_destroy(&up);
    return 0;
}
