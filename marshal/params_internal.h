/*
 * params_internal.h - what the parameter codec's files share (internal to
 * marshal/params*.c; see params.h for the API and params.c for the wire).
 */
#ifndef COMRT_MARSHAL_PARAMS_INTERNAL_H
#define COMRT_MARSHAL_PARAMS_INTERNAL_H

#include "params.h"

/* One codec operation: its method, the values expressions read, and how it
 * reports errors. Lives on the stack of one API call. */
typedef struct pctx {
    const comrt_tl_method *m;
    void **args;                  /* args[1 + k] points to parameter k */
    const comrt_itf_marshaler *im;
    msgpack_packer *pk;           /* packing only */
    const comrt_tl_struct *rec;   /* FIELD context: the struct being walked, */
    const uint8_t *base;          /* and its address (NULL outside structs) */
    uint32_t param;               /* the parameter being processed, for messages */
    int depth;                    /* value nesting, capped at COMRT_PARAMS_MAX_DEPTH */
    size_t allocated;             /* bytes allocated by this call (unpacking) */
    HRESULT bad;                  /* hr for inconsistent data: RPC_E_INVALID_DATA or E_INVALIDARG */
    struct pc_byref **byrefs;     /* stub only: the frame's storage for BYREF VARIANTs (NULL on the client) */
} pctx;

/* Records error information naming the method and parameter; returns hr. */
HRESULT pc_fail(pctx *c, HRESULT hr, const char *fmt, ...) COMRT_PRINTF(3, 4);

/* Scalars, ENUM: fixed-size values that travel as raw bytes in arrays. */
int pc_blittable(const comrt_tl_type *t);
/* Whether freeing a value of t has anything to do (strings, BSTRs, interfaces, pointers). */
int pc_needs_free(const comrt_tl_type *t);
/* Whether a NULL pointer of this type is legal: [unique]/[ptr], or an
 * embedded pointer that is not [ref] (MIDL's pointer_default(unique)). */
int pc_may_be_null(const comrt_tl_type *t, int top);
/* Whether a value of t may itself encode as nil (so a [unique] pointer to
 * it wraps a non-NULL pointee in a one-element array). */
int pc_nullable(const comrt_tl_type *t);
/* Whether any expression in t's pointer/array chain reads parameters (or,
 * inside a struct, sibling fields): such values are decoded in a second pass. */
int pc_uses_exprs(const comrt_tl_type *t);

/* Expressions (params_expr.c) ------------------------------------------------ */

/* Evaluates e with the parameter values of c->args and the fields of c->base. */
HRESULT pc_eval(pctx *c, const comrt_tl_expr *e, int64_t *out);
/* Reads an integer value of scalar/enum type t at mem. */
int pc_read_int(const comrt_tl_type *t, const void *mem, int64_t *out);
/* The IID an interface type stands for (its own, or its iid_is). */
HRESULT pc_iid(pctx *c, const comrt_tl_type *t, const IID **iid);
/* Evaluates a size: rejects negative counts and counts whose bytes overflow. */
HRESULT pc_count(pctx *c, const comrt_tl_expr *e, const char *what, int64_t *out);

/* Packing (params_pack.c) --------------------------------------------------- */

HRESULT pc_pack_value(pctx *c, const comrt_tl_type *t, const void *mem);
/* Packs the pointee of pointer type t whose value is p. top: a parameter
 * itself. cap >= 0 overrides size_is (a stub's allocated buffer). */
HRESULT pc_pack_ptr(pctx *c, const comrt_tl_type *t, const void *p, int top, int64_t cap);

/* Unpacking (params_unpack.c) ----------------------------------------------- */

/* Allocates count * elem_size zeroed bytes with CoTaskMemAlloc, within
 * c's budget (c->bad beyond it). */
HRESULT pc_alloc(pctx *c, uint64_t count, size_t elem_size, void **out);
/* The same (zeroed, counted) for storage the stub owns and frees itself
 * with comrt_frame_free: a large block may be one the process keeps. */
HRESULT pc_alloc_scratch(pctx *c, uint64_t count, size_t elem_size, void **out);
/* Decodes o into the zeroed storage mem of type t. */
HRESULT pc_unpack_value(pctx *c, const comrt_tl_type *t, void *mem, const msgpack_object *o);
/* Decodes count elements of elem at base (bin for blittable types, else array). */
HRESULT pc_unpack_elems(pctx *c, const comrt_tl_type *elem, void *base, int64_t count, const msgpack_object *o);
/* Decodes the pointee of pointer type t into a new allocation stored at *slot. */
HRESULT pc_unpack_ptr(pctx *c, const comrt_tl_type *t, void **slot, const msgpack_object *o, int top);
/* A non-NULL [unique] pointer to a nullable type travels as [value]: unwraps it. */
HRESULT pc_unwrap(pctx *c, const comrt_tl_type *t, int top, const msgpack_object *o, const msgpack_object **inner);
/* Decodes a [string] into a new CoTaskMem buffer of max(len + 1, cap) bytes. */
HRESULT pc_unpack_string(pctx *c, const msgpack_object *o, int64_t cap, char **out);

/* Freeing (params_free.c) ----------------------------------------------------- */

/* pc_count for cleanup paths: leaves the thread's error information alone. */
int pc_count_quiet(pctx *c, const comrt_tl_expr *e, int64_t *out);

/* Frees what the value of type t at mem owns and zeroes it. */
void pc_free_value(pctx *c, const comrt_tl_type *t, void *mem);
/* Frees what count elements of elem at base own (not the block itself). */
void pc_free_elems(pctx *c, const comrt_tl_type *elem, void *base, int64_t count);
/* Frees the pointee block p of pointer type t and what it owns. cap >= 0
 * overrides size_is. */
void pc_free_ptr(pctx *c, const comrt_tl_type *t, void *p, int64_t cap);

/* VARIANT and SAFEARRAY (params_variant.c) ---------------------------------- */

/* Values of kind VARIANT (mem: a VARIANT) and SAFEARRAY (mem: a SAFEARRAY *). */
HRESULT pc_pack_variant(pctx *c, const void *mem);
HRESULT pc_unpack_variant(pctx *c, void *mem, const msgpack_object *o);
HRESULT pc_pack_safearray(pctx *c, const comrt_tl_type *t, const void *mem);
HRESULT pc_unpack_safearray(pctx *c, const comrt_tl_type *t, void *mem, const msgpack_object *o);
/* VariantClear (a BYREF VARIANT owns nothing) and zero. */
void pc_free_variant(pctx *c, void *mem);
/* Client, top-level [in,out] VARIANT *: like pc_free_variant, except that
 * a BYREF VARIANT keeps its vt and the caller's reference (only the
 * referenced value is freed), so the reply can be written through it. */
void pc_undo_variant(pctx *c, void *mem);
/* SafeArrayDestroy and zero. */
void pc_free_safearray(void *mem);
/* Stub: frees the frame's BYREF storage and what the callee left in it. */
void pc_byrefs_free(struct pc_byref **list);

#endif /* COMRT_MARSHAL_PARAMS_INTERNAL_H */
