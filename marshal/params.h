/*
 * params.h - the parameter codec of the generic marshaler (internal).
 *
 * Given a method's type description (comrt/typelib.h) the codec moves the
 * method's parameters between C memory and msgpack: the proxy packs the
 * [in] parameters and unpacks the [out] ones into the caller's pointers;
 * the stub unpacks the [in] parameters into a call frame whose argument
 * array feeds ffi_call, and packs the [out] ones after the call. The wire
 * encoding is documented at the top of params.c (docs/PROTOCOL.md).
 *
 * Every function returning HRESULT sets error information on failure
 * naming the method and the parameter at fault. Malformed input on an
 * unpacking side is RPC_E_INVALID_DATA; an argument the caller got wrong
 * on a packing side is E_POINTER (a NULL [ref] pointer) or E_INVALIDARG
 * (e.g. length_is > size_is); interface failures are whatever the
 * comrt_itf_marshaler returned.
 *
 * Limits (both unpacking sides): at most COMRT_PARAMS_MAX_ALLOC bytes are
 * allocated per call, and values nest at most COMRT_PARAMS_MAX_DEPTH
 * levels (a linked list deeper than that does not marshal).
 */
#ifndef COMRT_MARSHAL_PARAMS_H
#define COMRT_MARSHAL_PARAMS_H

#include <ffi.h>
#include <msgpack.h>

#include "comrt.h"
#include "comrt/typelib.h"

#define COMRT_PARAMS_MAX_ALLOC ((size_t)256 << 20)
#define COMRT_PARAMS_MAX_DEPTH 32

/* How interface pointers cross: supplied by the object tables. */
typedef struct comrt_itf_marshaler {
    /* Packs exactly one msgpack object for p (nil for NULL). Reference
     * counting is the marshaler's business: the codec neither AddRefs nor
     * Releases around this call. */
    HRESULT (*marshal)(void *ctx, msgpack_packer *pk, IUnknown *p, REFIID iid);
    /* Unpacks one object (nil -> *ppv NULL) into an AddRef'd pointer for
     * iid, which the codec then owns. On failure *ppv must be NULL. */
    HRESULT (*unmarshal)(void *ctx, const msgpack_object *o, REFIID iid, void **ppv);
    void *ctx;
} comrt_itf_marshaler;

/*
 * comrt_params_cif - the libffi description of m's vtable slot: `This`
 * (a pointer) first, then the parameters, returning m->ret (HRESULT or
 * ULONG). *cif is borrowed and lives as long as the process: entries are
 * cached by the shape of the signature (not by m), so unloading the type
 * library is harmless and callers may keep the pointer. Thread-safe.
 * E_NOTIMPL for a struct libffi cannot describe, E_OUTOFMEMORY, E_POINTER.
 */
HRESULT comrt_params_cif(const comrt_tl_method *m, ffi_cif **cif);

/* Client (proxy) side -------------------------------------------------- */

/*
 * comrt_params_pack_in - packs the [in] and [in,out] parameters as one
 * msgpack array. args is what a libffi closure receives: args[0] points to
 * This, args[1 + k] points to the value of parameter k. Reads only; the
 * caller keeps ownership of everything. A NULL top-level pointer that is
 * not [unique] (including an [out] one) is E_POINTER. On failure pk may
 * hold a partial message that must be discarded.
 */
HRESULT comrt_params_pack_in(const comrt_tl_method *m, void **args, const comrt_itf_marshaler *im,
                             msgpack_packer *pk);

/*
 * comrt_params_unpack_out - decodes outs (the array the stub's
 * comrt_params_pack_out made) into the caller's [out] and [in,out]
 * pointees. Memory for the caller is allocated COM's way: CoTaskMemAlloc
 * for strings, arrays and pointees, SysAllocStringLen for BSTRs,
 * interfaces AddRef'd by im->unmarshal. For [in,out] values the caller's
 * old strings/BSTRs/interfaces are freed/Released before the new ones are
 * stored (the callee conceptually consumed them). Caller-provided buffers
 * ([out, size_is(n)] T *buf) are filled in place, never longer than the
 * capacity the [in] values gave them.
 * On failure (RPC_E_INVALID_DATA, E_OUTOFMEMORY, im's errors) everything
 * this call allocated is freed and those pointees zeroed; [in,out] values
 * it had not reached yet are left as they were. Call comrt_params_zero_out
 * afterwards to honour COM's convention.
 */
HRESULT comrt_params_unpack_out(const comrt_tl_method *m, void **args, const msgpack_object *outs,
                                const comrt_itf_marshaler *im);

/*
 * comrt_params_zero_out - COM's failure convention: zeroes the pointee of
 * every [out]-only parameter (NULL pointers, zero scalars, a whole
 * caller-provided buffer when its size_is can be evaluated). [in,out]
 * values are left alone (they are still the caller's). Frees nothing.
 */
void comrt_params_zero_out(const comrt_tl_method *m, void **args);

/*
 * comrt_params_reply_sink - the largest [out]-only array of plain scalars
 * in the caller's own buffer (at least COMRT_BULK_MIN bytes), as a sink
 * for the reply (bulkread.h): 1 and *sink filled, else 0.
 */
struct comrt_reply_sink;
int comrt_params_reply_sink(const comrt_tl_method *m, void **args, struct comrt_reply_sink *sink);

/* Stub side ------------------------------------------------------------- */

/* A call frame owns all the storage of one call on the stub side. */
typedef struct comrt_call_frame comrt_call_frame;

/*
 * comrt_params_unpack_in - decodes ins (an untrusted msgpack array) into a
 * new frame: storage for every parameter, [in] data copied (or, for large
 * [in]-only byte arrays, referenced in place: ins and the buffer it was
 * unpacked from must therefore outlive the frame), [in] interfaces
 * unmarshaled (AddRef'd), [out] pointees allocated zeroed (caller-provided
 * buffers get their size_is element count). Every length is checked
 * against the size_is/length_is computed from the already-decoded
 * parameters. *out is NULL on failure, with nothing leaked.
 * RPC_E_INVALID_DATA (malformed or hostile input, allocation cap,
 * nesting cap, division by zero or overflow in a size expression),
 * E_NOTIMPL, E_OUTOFMEMORY, im's errors.
 */
HRESULT comrt_params_unpack_in(const comrt_tl_method *m, const msgpack_object *ins, const comrt_itf_marshaler *im,
                               comrt_call_frame **out);

/* comrt_call_frame_args - the argument array for ffi_call (borrowed, lives
 * as long as f): [0] is for This (the caller stores a pointer to the
 * interface pointer there), [1 + k] points to parameter k's value.
 * ffi_call may rewrite entries (libffi 3.4, x86-64: large by-value
 * structs such as VARIANT); pack_out and frame_free restore them. */
void **comrt_call_frame_args(comrt_call_frame *f);

/*
 * comrt_params_pack_out - after a successful call, packs the [out] and
 * [in,out] parameters as one msgpack array. Reads only: what the callee
 * returned is freed by comrt_call_frame_free. E_INVALIDARG/E_POINTER if
 * the callee returned something inconsistent (length_is > size_is, a NULL
 * [ref] pointer), E_NOTIMPL, im's errors.
 */
HRESULT comrt_params_pack_out(const comrt_tl_method *m, comrt_call_frame *f, const comrt_itf_marshaler *im,
                              msgpack_packer *pk);

/*
 * comrt_call_frame_free - releases [in] interfaces, frees [in] data and
 * whatever the callee left in the [out] and [in,out] parameters (COM: the
 * callee allocated it, or replaced the [in] value it freed). NULL is a
 * no-op. The frame's args must not be used afterwards.
 */
void comrt_call_frame_free(comrt_call_frame *f);

#endif /* COMRT_MARSHAL_PARAMS_H */
