/*
 * comrt/typelib.h - type libraries: what comidl records about interfaces,
 * and what the marshaler and IDispatch read back at run time.
 *
 * A type library describes one IDL `library`: its interfaces (each with
 * its methods and every parameter's direction and full type), coclasses,
 * dispinterfaces, structs, enums and constants. The file format is
 * msgpack, versioned, and documented in docs/typelib.md.
 *
 * The description is a tree of plain, read-only C structs (comrt_tl_*)
 * owned by a comrt_typelib handle: every pointer reached from
 * comrt_typelib_library() stays valid until the last comrt_typelib_unref.
 * Struct layouts (sizes, alignments, field offsets) are computed at load
 * time for LP64 (x86-64 and AArch64 SysV), so a marshaler never lays out
 * a struct itself.
 *
 * The same structs are the input of comrt_typelib_save, which is how comidl
 * writes a library: a writer fills them (layout fields are ignored) and
 * saves; loading the bytes gives back an equal tree with layout filled in.
 *
 * Every function returning HRESULT sets error information on failure
 * (comrt/errorinfo.h) naming the file or interface at fault.
 */
#ifndef COMRT_TYPELIB_H
#define COMRT_TYPELIB_H

#include "comrt/registry.h"
#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The format version this runtime writes; it reads any file with the same
 * major version (and ignores map keys it does not know). */
#define COMRT_TYPELIB_FORMAT_MAJOR 1
#define COMRT_TYPELIB_FORMAT_MINOR 0

/* Type nodes ---------------------------------------------------------------- */

typedef enum comrt_tl_kind {
    COMRT_TL_VOID = 0,
    COMRT_TL_I1 = 1,  /* char, small, int8_t */
    COMRT_TL_U1 = 2,  /* byte, boolean, BYTE, uint8_t */
    COMRT_TL_I2 = 3,  /* short, VARIANT_BOOL */
    COMRT_TL_U2 = 4,  /* unsigned short, WORD */
    COMRT_TL_I4 = 5,  /* long, int, HRESULT, BOOL */
    COMRT_TL_U4 = 6,  /* unsigned long, DWORD, ULONG */
    COMRT_TL_I8 = 7,  /* hyper, __int64 */
    COMRT_TL_U8 = 8,
    COMRT_TL_R4 = 9,  /* float */
    COMRT_TL_R8 = 10, /* double, DATE */
    COMRT_TL_BSTR = 11,      /* BSTR: pointer-sized, SysAllocString rules */
    COMRT_TL_VARIANT = 12,   /* VARIANT by value (24 bytes) */
    COMRT_TL_PTR = 13,       /* pointer to elem; with size_is a conformant array */
    COMRT_TL_ARRAY = 14,     /* fixed array of count elems (by value) */
    COMRT_TL_STRUCT = 15,    /* struct by value: see record */
    COMRT_TL_ENUM = 16,      /* enum by value (32 bits): see enumeration */
    COMRT_TL_INTERFACE = 17, /* an interface pointer (IFoo *): iid or iid_is */
    COMRT_TL_SAFEARRAY = 18, /* SAFEARRAY(elem): a SAFEARRAY * */
    COMRT_TL_KIND_MAX = 18
} comrt_tl_kind;

/* comrt_tl_type.flags */
#define COMRT_TL_F_STRING 0x01u /* [string]: PTR/ARRAY of chars ending at the first NUL */
#define COMRT_TL_F_REF 0x02u    /* [ref] pointer: never NULL */
#define COMRT_TL_F_UNIQUE 0x04u /* [unique] pointer: may be NULL, not aliased */
#define COMRT_TL_F_FULL 0x08u   /* [ptr] pointer: may be NULL and aliased */
#define COMRT_TL_F_CONST 0x10u  /* PTR: the pointee is const (in-only data) */

/*
 * An expression for size_is/length_is/iid_is, as a little stack program in
 * reverse Polish order: operands push, operators pop and push. Values are
 * 64-bit signed. PARAM/DEREF_PARAM name a parameter of the method by index
 * (DEREF_PARAM reads the integer the pointer parameter points to);
 * FIELD/DEREF_FIELD name a field of the enclosing struct. max_is(x) is
 * stored as x + 1.
 */
typedef enum comrt_tl_op {
    COMRT_TL_OP_CONST = 0,       /* push value */
    COMRT_TL_OP_PARAM = 1,       /* push param[value] */
    COMRT_TL_OP_DEREF_PARAM = 2, /* push *param[value] */
    COMRT_TL_OP_FIELD = 3,       /* push field[value] */
    COMRT_TL_OP_DEREF_FIELD = 4, /* push *field[value] */
    COMRT_TL_OP_NEG = 5, COMRT_TL_OP_NOT = 6, COMRT_TL_OP_BITNOT = 7,
    COMRT_TL_OP_ADD = 8, COMRT_TL_OP_SUB = 9, COMRT_TL_OP_MUL = 10, COMRT_TL_OP_DIV = 11,
    COMRT_TL_OP_MOD = 12, COMRT_TL_OP_SHL = 13, COMRT_TL_OP_SHR = 14, COMRT_TL_OP_AND = 15,
    COMRT_TL_OP_OR = 16, COMRT_TL_OP_XOR = 17, COMRT_TL_OP_LAND = 18, COMRT_TL_OP_LOR = 19,
    COMRT_TL_OP_EQ = 20, COMRT_TL_OP_NE = 21, COMRT_TL_OP_LT = 22, COMRT_TL_OP_LE = 23,
    COMRT_TL_OP_GT = 24, COMRT_TL_OP_GE = 25,
    COMRT_TL_OP_COND = 26, /* pops c, a, b (pushed in order c a b): c ? a : b */
    COMRT_TL_OP_MAX = 26
} comrt_tl_op;

typedef struct comrt_tl_expr_op {
    uint32_t op; /* comrt_tl_op */
    int64_t value;
} comrt_tl_expr_op;

/* A loaded expression is well formed: it leaves exactly one value and never
 * underflows the stack; its indexes are in range for where it appears.
 * Division by zero is the evaluator's to report. */
typedef struct comrt_tl_expr {
    uint32_t nops;
    const comrt_tl_expr_op *ops;
} comrt_tl_expr;

typedef struct comrt_tl_type comrt_tl_type;
typedef struct comrt_tl_struct comrt_tl_struct;
typedef struct comrt_tl_enum comrt_tl_enum;
typedef struct comrt_tl_interface comrt_tl_interface;

struct comrt_tl_type {
    uint32_t kind;  /* comrt_tl_kind */
    uint32_t vt;    /* the automation VARTYPE (VT_I4, VT_BOOL, VT_PTR, VT_USERDEFINED...) */
    uint32_t flags; /* COMRT_TL_F_* */
    const char *name; /* spelling in the IDL ("LONG", "BSTR", "POINT"); "" when none */
    const comrt_tl_type *elem;     /* PTR, ARRAY, SAFEARRAY: the element type */
    uint32_t count;                /* ARRAY: number of elements */
    const comrt_tl_expr *size_is;  /* PTR: element count (NULL: one element, or a [string]) */
    const comrt_tl_expr *length_is; /* PTR/ARRAY: elements transmitted (NULL: all) */
    const comrt_tl_struct *record;  /* STRUCT */
    const comrt_tl_enum *enumeration; /* ENUM */
    GUID iid;                       /* INTERFACE: the interface's IID (unless iid_is) */
    const char *iface_name;         /* INTERFACE: its name ("IUnknown" for void * with iid_is) */
    const comrt_tl_interface *iface; /* INTERFACE: its description in this library, or NULL */
    const comrt_tl_expr *iid_is;    /* INTERFACE: the REFIID giving the IID at run time, or NULL */
    /* Layout on LP64, computed by the loader (a writer leaves them 0). */
    uint32_t size, align;
};

typedef struct comrt_tl_field {
    const char *name;
    const comrt_tl_type *type;
    uint32_t offset; /* computed by the loader */
} comrt_tl_field;

struct comrt_tl_struct {
    const char *name; /* typedef name, else tag, else "" */
    uint32_t nfields;
    const comrt_tl_field *fields;
    uint32_t size, align; /* computed by the loader */
};

typedef struct comrt_tl_enum_value {
    const char *name;
    int64_t value;
} comrt_tl_enum_value;

struct comrt_tl_enum {
    const char *name;
    uint32_t nvalues;
    const comrt_tl_enum_value *values;
};

/* A constant value: [defaultvalue(...)] and `const` declarations. */
typedef enum comrt_tl_value_kind {
    COMRT_TL_VAL_NONE = 0,
    COMRT_TL_VAL_INT = 1,
    COMRT_TL_VAL_FLOAT = 2,
    COMRT_TL_VAL_STRING = 3,
} comrt_tl_value_kind;

typedef struct comrt_tl_value {
    uint32_t kind; /* comrt_tl_value_kind */
    int64_t i;
    double d;
    const char *s;
} comrt_tl_value;

/* Methods --------------------------------------------------------------- */

/* comrt_tl_param.flags */
#define COMRT_TL_P_IN 0x01u
#define COMRT_TL_P_OUT 0x02u
#define COMRT_TL_P_RETVAL 0x04u
#define COMRT_TL_P_OPTIONAL 0x08u
#define COMRT_TL_P_DEFAULT 0x10u /* has a defaultvalue */
#define COMRT_TL_P_LCID 0x20u

typedef struct comrt_tl_param {
    const char *name;
    uint32_t flags; /* COMRT_TL_P_*; neither IN nor OUT is never loaded (IN is the default) */
    const comrt_tl_type *type;
    comrt_tl_value defval; /* kind NONE unless COMRT_TL_P_DEFAULT */
} comrt_tl_param;

/* comrt_tl_method.invkind: the DISPATCH_* value of IDispatch::Invoke */
#define COMRT_TL_INVOKE_FUNC 1u
#define COMRT_TL_INVOKE_PROPGET 2u
#define COMRT_TL_INVOKE_PROPPUT 4u
#define COMRT_TL_INVOKE_PROPPUTREF 8u

/* comrt_tl_method.flags */
#define COMRT_TL_M_HIDDEN 0x01u
#define COMRT_TL_M_RESTRICTED 0x02u
#define COMRT_TL_M_VARARG 0x04u
#define COMRT_TL_M_LOCAL 0x08u  /* [local]: not remotable */

/* Slot of dispinterface members, which have no vtable entry. */
#define COMRT_TL_NO_SLOT 0xFFFFFFFFu

typedef struct comrt_tl_method {
    const char *name;     /* as written: "Name" for both get_Name and put_Name */
    uint32_t slot;        /* vtable index counting inherited slots (QueryInterface is 0) */
    int32_t dispid;       /* [id(n)], or 0x60020000 + index when none was given */
    uint32_t invkind;     /* COMRT_TL_INVOKE_* */
    uint32_t flags;       /* COMRT_TL_M_* */
    const char *helpstring; /* NULL when none */
    const comrt_tl_type *ret; /* HRESULT for nearly all; ULONG for AddRef/Release */
    uint32_t nparams;
    const comrt_tl_param *params;
} comrt_tl_method;

/* Interfaces ------------------------------------------------------------ */

/* comrt_tl_interface.flags */
#define COMRT_TL_I_DUAL 0x001u
#define COMRT_TL_I_OLEAUTOMATION 0x002u
#define COMRT_TL_I_LOCAL 0x004u
#define COMRT_TL_I_NONEXTENSIBLE 0x008u
#define COMRT_TL_I_HIDDEN 0x010u
#define COMRT_TL_I_DISPINTERFACE 0x020u
#define COMRT_TL_I_RESTRICTED 0x040u
/* Defined by an imported IDL file; described so this library is complete
 * (a parent's methods), but neither registered nor owned by it. */
#define COMRT_TL_I_EXTERNAL 0x100u

/* A dispinterface property. */
typedef struct comrt_tl_property {
    const char *name;
    int32_t dispid;
    uint32_t flags; /* COMRT_TL_PROP_READONLY */
    const comrt_tl_type *type;
    const char *helpstring;
} comrt_tl_property;
#define COMRT_TL_PROP_READONLY 0x1u

struct comrt_tl_interface {
    const char *name;
    GUID iid;
    uint32_t flags; /* COMRT_TL_I_* */
    uint16_t ver_major, ver_minor;
    const char *helpstring;
    const char *parent_name;          /* NULL for IUnknown (and dispinterfaces: "IDispatch") */
    GUID parent_iid;                  /* GUID_NULL when no parent */
    const comrt_tl_interface *parent; /* the parent, found in this library by IID, or NULL */
    uint32_t base_slots;              /* slots inherited (3 below IUnknown, 7 below IDispatch) */
    uint32_t num_slots;               /* base_slots + nmethods (7 for a dispinterface) */
    uint32_t nmethods;                /* own methods only: slot = base_slots + index */
    const comrt_tl_method *methods;
    uint32_t nprops; /* dispinterface properties */
    const comrt_tl_property *props;
};

/* Coclasses ---------------------------------------------------------------- */

#define COMRT_TL_IMPL_DEFAULT 0x1u
#define COMRT_TL_IMPL_SOURCE 0x2u
#define COMRT_TL_IMPL_RESTRICTED 0x4u

typedef struct comrt_tl_impl {
    const char *name;
    GUID iid;
    uint32_t flags; /* COMRT_TL_IMPL_* */
} comrt_tl_impl;

#define COMRT_TL_C_NONCREATABLE 0x1u
#define COMRT_TL_C_HIDDEN 0x2u

typedef struct comrt_tl_coclass {
    const char *name;
    GUID clsid;
    uint32_t flags; /* COMRT_TL_C_* */
    uint16_t ver_major, ver_minor;
    const char *helpstring;
    uint32_t nimpls;
    const comrt_tl_impl *impls;
} comrt_tl_coclass;

typedef struct comrt_tl_const {
    const char *name;
    const comrt_tl_type *type;
    comrt_tl_value value;
} comrt_tl_const;

/* The library ------------------------------------------------------------- */

typedef struct comrt_tl_library {
    const char *name;
    GUID libid;
    uint16_t ver_major, ver_minor;
    uint32_t lcid;
    const char *helpstring; /* NULL when none */
    uint32_t ninterfaces;   /* interfaces and dispinterfaces, in definition order */
    const comrt_tl_interface *interfaces;
    uint32_t ncoclasses;
    const comrt_tl_coclass *coclasses;
    uint32_t nstructs;
    const comrt_tl_struct *structs;
    uint32_t nenums;
    const comrt_tl_enum *enums;
    uint32_t nconsts;
    const comrt_tl_const *consts;
} comrt_tl_library;

/* Loading ------------------------------------------------------------------ */

typedef struct comrt_typelib comrt_typelib;

/*
 * comrt_typelib_load_file - loads a type library from path: a .tlb file, or
 * an ELF executable or shared object embedding one (the symbols
 * comrt_typelib_data and comrt_typelib_size that `comidl --tlb-c` writes),
 * found through the file's symbol tables: the file is read, never loaded
 * or run.
 * *out is a new handle with one reference (release with
 * comrt_typelib_unref), NULL on failure. Errors: E_INVALIDARG/E_POINTER,
 * TYPE_E_CANTLOADLIBRARY (cannot open/read, no embedded library),
 * TYPE_E_UNSUPFORMAT (not a comrt type library, or another major version),
 * TYPE_E_INVDATAREAD (malformed: names the entity at fault), E_OUTOFMEMORY.
 */
COMRT_API HRESULT comrt_typelib_load_file(const char *path, comrt_typelib **out);

/*
 * comrt_typelib_load_memory - the same from size bytes at data (copied as
 * needed: data may be freed afterwards). name is used in error messages
 * (NULL: "<memory>"). The decoder is bounds-checked for untrusted input.
 */
COMRT_API HRESULT comrt_typelib_load_memory(const void *data, size_t size, const char *name, comrt_typelib **out);

/* References: thread-safe. unref of NULL is a no-op. ref returns tl. */
COMRT_API comrt_typelib *comrt_typelib_ref(comrt_typelib *tl);
COMRT_API void comrt_typelib_unref(comrt_typelib *tl);

/* comrt_typelib_library - the description (borrowed; lives as long as tl). */
COMRT_API const comrt_tl_library *comrt_typelib_library(const comrt_typelib *tl);

/* comrt_typelib_path - the path it was loaded from, or the name given to
 * load_memory (borrowed). */
COMRT_API const char *comrt_typelib_path(const comrt_typelib *tl);

/*
 * comrt_typelib_find_interface - the interface or dispinterface with iid
 * (borrowed). TYPE_E_ELEMENTNOTFOUND if the library has none; E_POINTER.
 * EXTERNAL entries are found too (check flags if it matters).
 */
COMRT_API HRESULT comrt_typelib_find_interface(const comrt_typelib *tl, REFIID iid,
                                               const comrt_tl_interface **out);

/* comrt_typelib_find_coclass - the coclass with clsid (borrowed). TYPE_E_ELEMENTNOTFOUND. */
COMRT_API HRESULT comrt_typelib_find_coclass(const comrt_typelib *tl, REFCLSID clsid, const comrt_tl_coclass **out);

/*
 * comrt_tl_interface_method - the method in vtable slot `slot` of iface,
 * inherited ones included (walking parent links). TYPE_E_ELEMENTNOTFOUND
 * when slot >= num_slots or an ancestor is not described in the library.
 */
COMRT_API HRESULT comrt_tl_interface_method(const comrt_tl_interface *iface, uint32_t slot,
                                            const comrt_tl_method **out);

/* Writing -------------------------------------------------------------------- */

/*
 * comrt_typelib_save - encodes lib in the current format. *data (freed by
 * the caller with CoTaskMemFree) and *size receive the bytes. Layout fields
 * of the input are ignored. E_INVALIDARG (with the entity named) if lib is
 * inconsistent: a missing type, a kind out of range, an expression that does
 * not leave one value. Deterministic: equal input gives equal bytes.
 */
COMRT_API HRESULT comrt_typelib_save(const comrt_tl_library *lib, void **data, size_t *size);

/* Registration ------------------------------------------------------------ */

/*
 * comrt_typelib_register_txn - adds to txn: TypeLib\{libid}\<maj>.<min>
 * (@ = helpstring or name, 0\linux64 @ = path, FLAGS, HELPDIR), and for
 * every non-external interface Interface\{iid} (@ = name, NumMethods =
 * total slots, TypeLib @ = {libid} with Version = "<maj>.<min>").
 * path must be absolute (the .tlb, or the shared object embedding it).
 */
COMRT_API HRESULT comrt_typelib_register_txn(comrt_reg_txn *txn, const comrt_typelib *tl, const char *path);

/* comrt_typelib_unregister_txn - adds to txn the removal of exactly those keys. */
COMRT_API HRESULT comrt_typelib_unregister_txn(comrt_reg_txn *txn, const comrt_typelib *tl);

/*
 * comrt_typelib_register / comrt_typelib_unregister - the same in one
 * transaction of their own in scope. path NULL means the path tl was loaded
 * from (made absolute). TYPE_E_REGISTRYACCESS wraps registry failures.
 */
COMRT_API HRESULT comrt_typelib_register(const comrt_typelib *tl, const char *path, comrt_reg_scope scope);
COMRT_API HRESULT comrt_typelib_unregister(const comrt_typelib *tl, comrt_reg_scope scope);

/*
 * comrt_typelib_register_embedded / comrt_typelib_unregister_embedded -
 * for DllRegisterServer: loads the library embedded at data (the array
 * `comidl --tlb-c` writes) and registers it in the default scope with the
 * path of the shared object that contains data (found with dladdr).
 * SELFREG_E_TYPELIB with error information on failure.
 */
COMRT_API HRESULT comrt_typelib_register_embedded(const void *data, size_t size);
COMRT_API HRESULT comrt_typelib_unregister_embedded(const void *data, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_TYPELIB_H */
