/*
 * idl.h - comidl's internal interfaces: diagnostics, tokens, the syntax
 * tree, and the passes (parse, resolve, generate). Never installed.
 *
 * Memory: every node, string and list lives in one arena (idl_arena) that
 * the driver frees at exit; passes never free nodes individually.
 */
#ifndef COMIDL_IDL_H
#define COMIDL_IDL_H

#include <stdint.h>
#include <stdio.h>

#include <comrt.h>

#include "comrt/typelib.h"

/* Limits that keep hostile input from exhausting the stack or the heap. */
#define IDL_MAX_DEPTH 64       /* nesting of expressions, declarators, structs */
#define IDL_MAX_IMPORT_DEPTH 32
#define IDL_MAX_ERRORS 30

/* Arena and strings ---------------------------------------------------------- */

typedef struct idl_arena idl_arena;
idl_arena *idl_arena_new(void);
void idl_arena_free(idl_arena *a);
/* Zeroed memory; exits with "out of memory" on failure (a compiler can). */
void *idl_alloc(idl_arena *a, size_t size);
char *idl_strndup(idl_arena *a, const char *s, size_t n);
char *idl_strdup(idl_arena *a, const char *s);
char *idl_printf(idl_arena *a, const char *fmt, ...) COMRT_PRINTF(2, 3);
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* Growable byte buffer for generated text. */
typedef struct idl_buf {
    char *data;
    size_t len, cap;
} idl_buf;
void buf_put(idl_buf *b, const char *s, size_t n);
void buf_puts(idl_buf *b, const char *s);
void buf_printf(idl_buf *b, const char *fmt, ...) COMRT_PRINTF(2, 3);
void buf_free(idl_buf *b);

/* Diagnostics ------------------------------------------------------------------ */

typedef struct idl_loc {
    const char *file;
    int line, col;
} idl_loc;

typedef struct idl_diag {
    FILE *out;        /* where messages go (stderr; a memstream in tests) */
    int errors, warnings;
    int quiet_notes;  /* suppress notes (fuzzing) */
    int too_many;     /* error limit reached: stop parsing */
} idl_diag;

void idl_error(idl_diag *d, idl_loc loc, const char *fmt, ...) COMRT_PRINTF(3, 4);
void idl_warning(idl_diag *d, idl_loc loc, const char *fmt, ...) COMRT_PRINTF(3, 4);
void idl_note(idl_diag *d, idl_loc loc, const char *fmt, ...) COMRT_PRINTF(3, 4);

/* Lexer ------------------------------------------------------------------------ */

typedef enum tok_kind {
    TK_EOF = 0,
    TK_IDENT,
    TK_INT,
    TK_FLOAT,
    TK_STRING,
    TK_CHAR,
    TK_PUNCT, /* punct holds the operator: one char, or a two-char code below */
    TK_ERROR, /* a character that starts no token (reported) */
} tok_kind;

/* Two-character operators, encoded above the char range. */
enum {
    OP_SHL = 256, OP_SHR, OP_LE, OP_GE, OP_EQ, OP_NE, OP_LAND, OP_LOR,
};

typedef struct idl_token {
    tok_kind kind;
    int punct;
    const char *text; /* identifier / string contents (escapes processed) / number spelling */
    size_t len;       /* length of text (strings may hold NULs) */
    uint64_t ival;
    int is_unsigned;
    double fval;
    idl_loc loc;
} idl_token;

typedef struct idl_lexer {
    idl_arena *arena;
    idl_diag *diag;
    const char *src, *end, *p;
    const char *file; /* current file name (changed by # line markers) */
    int line;
    const char *line_start;
    int at_line_start;
    int cpp_output; /* source came from cpp: honour line markers, else skip directives */
} idl_lexer;

void lexer_init(idl_lexer *lx, idl_arena *a, idl_diag *d, const char *file, const char *src, size_t len,
                int cpp_output);
void lexer_next(idl_lexer *lx, idl_token *t);
/* Reads raw text up to (not including) the next ')' on behalf of uuid(...);
 * returns it trimmed, or NULL at end of input. */
const char *lexer_raw_until_paren(idl_lexer *lx, idl_loc *loc);

/* Syntax tree -------------------------------------------------------------------- */

typedef struct idl_expr idl_expr;
typedef struct idl_type idl_type;
typedef struct idl_decl idl_decl;

typedef enum expr_kind {
    EX_INT, EX_FLOAT, EX_STRING, EX_CHAR, EX_IDENT, EX_UNARY, EX_BINARY, EX_COND, EX_DEREF, EX_SIZEOF,
} expr_kind;

struct idl_expr {
    expr_kind kind;
    idl_loc loc;
    int op;          /* EX_UNARY/EX_BINARY: operator char or OP_* */
    uint64_t ival;
    int is_unsigned;
    double fval;
    const char *str; /* EX_STRING, EX_IDENT */
    idl_expr *a, *b, *c;
    idl_type *type;  /* EX_SIZEOF */
};

typedef struct idl_attr {
    struct idl_attr *next;
    const char *name;
    idl_loc loc;
    int nargs;
    idl_expr **args; /* an omitted argument (size_is(,n)) is NULL */
    const char *text; /* uuid: the GUID text */
    int used;
} idl_attr;

typedef struct idl_field {
    struct idl_field *next;
    const char *name;
    idl_loc loc;
    idl_attr *attrs;
    idl_type *type;
} idl_field;

typedef struct idl_enumval {
    struct idl_enumval *next;
    const char *name;
    idl_loc loc;
    idl_expr *expr; /* NULL: previous + 1 */
    int64_t value;  /* set by resolve */
    int done;       /* value is set */
    idl_type *owner; /* the enum type */
} idl_enumval;

typedef struct idl_builtin idl_builtin;

typedef enum type_kind {
    TY_BUILTIN,  /* scalar or comrt base type */
    TY_NAMED,    /* an identifier: typedef, interface */
    TY_STRUCT,   /* struct tag { ... } or struct tag */
    TY_UNION,    /* parsed to report it; unsupported */
    TY_ENUM,
    TY_POINTER,
    TY_ARRAY,
    TY_SAFEARRAY,
} type_kind;

struct idl_type {
    type_kind kind;
    idl_loc loc;
    int is_const;            /* const qualifier on this level */
    const idl_builtin *bi;   /* TY_BUILTIN */
    const char *name;        /* TY_NAMED: identifier; TY_STRUCT/ENUM: tag or NULL */
    idl_decl *decl;          /* TY_NAMED / tag reference: resolved declaration */
    idl_type *sub;           /* POINTER target, ARRAY/SAFEARRAY element */
    idl_expr *dim;           /* ARRAY: size, NULL for [] */
    uint64_t count;          /* ARRAY: evaluated size */
    int has_body;            /* STRUCT/ENUM: defined here */
    idl_field *fields;       /* STRUCT */
    idl_enumval *values;     /* ENUM */
    idl_decl *tagdecl;       /* STRUCT/ENUM with a body: the tag declaration */
    int state;               /* enum evaluation: 0 new, 1 in progress, 2 done, 3 failed */
    int resolved;            /* resolve_type visited it */
    void *tl;                /* build_tlb: 1 + index of the record/enum made for it */
    const char *tlname;      /* build_tlb: the typedef naming this struct/enum, if any */
};

typedef struct idl_param {
    struct idl_param *next;
    const char *name;
    idl_loc loc;
    idl_attr *attrs;
    idl_type *type;
} idl_param;

typedef struct idl_method {
    struct idl_method *next;
    const char *name;
    idl_loc loc;
    idl_attr *attrs;
    idl_type *ret;
    idl_param *params;
    int nparams;
} idl_method;

typedef struct idl_coclass_item {
    struct idl_coclass_item *next;
    idl_attr *attrs;
    const char *name;
    idl_loc loc;
    idl_decl *decl;
} idl_coclass_item;

typedef enum decl_kind {
    D_INTERFACE, D_DISPINTERFACE, D_COCLASS, D_LIBRARY, D_TYPEDEF, D_STRUCT, D_ENUM, D_UNION, D_CONST,
    D_CPPQUOTE, D_IMPORT, D_MODULE, D_ENUMVAL,
} decl_kind;

struct idl_decl {
    decl_kind kind;
    const char *name;
    idl_loc loc;
    idl_attr *attrs;
    idl_decl *next;          /* order within its scope (file or library) */
    const char *import_file; /* NULL in the main file; else the imported file's name as written */
    int base_import;         /* imported from the shipped base IDL (comrt.h has it) */
    int in_library;

    /* D_INTERFACE / D_DISPINTERFACE */
    int defined;             /* a body was seen (else forward declaration) */
    const char *parent_name;
    idl_loc parent_loc;
    idl_decl *parent;
    idl_method *methods;
    idl_field *props;        /* dispinterface properties */
    idl_decl *def;           /* forward declaration: the definition */
    int nslots;              /* total vtable slots (resolve) */
    int resolving;
    GUID uuid;
    int has_uuid;

    /* D_COCLASS */
    idl_coclass_item *items;

    /* D_LIBRARY / D_MODULE */
    idl_decl *members;

    /* D_TYPEDEF, D_CONST, D_STRUCT/ENUM/UNION (tag declarations) */
    idl_type *type;
    idl_expr *expr;          /* D_CONST */
    comrt_tl_value value;    /* D_CONST: evaluated */
    int emitted;             /* gen_header: tag definition already printed */

    /* D_CPPQUOTE: text; D_IMPORT: path */
    const char *text;
    idl_enumval *enumval;    /* D_ENUMVAL */
    idl_decl *tnext;         /* D_TYPEDEF: the next declarator of the same typedef */
    int tfollower;           /* D_TYPEDEF: not the first declarator (printed with it) */
    int from_interface;      /* D_DISPINTERFACE declared as `interface IFoo;` */
    struct idl_decl *hnext;  /* symbol table chain */
    struct idl_decl *anext;  /* every declaration, in creation order (idl_unit.all) */
    int state;               /* resolve: 0 new, 1 in progress, 2 done */
    int tl_index;            /* build_tlb: 1 + index in the library's interfaces, 0 if none */
};

/* The whole compilation: main file plus imports. */
typedef struct idl_unit {
    idl_arena *arena;
    idl_diag *diag;
    const char *main_file;
    idl_decl *decls;         /* main-file top-level declarations in order */
    idl_decl **decls_tail;
    idl_decl *all;           /* every top-level declaration of every file, imports first */
    idl_decl **all_tail;
    const char **imports;    /* imports found in the shipped base IDL directory (comrt.h has them) */
    int nimports;
    int base_included;       /* a base IDL file was imported: #include <comrt.h> is enough */
    idl_decl *library;       /* the main file's library block, if any */
    idl_decl *symtab[1024];
    idl_decl *tagtab[256];
} idl_unit;

/* Builtin types ------------------------------------------------------------------- */

struct idl_builtin {
    const char *name;   /* IDL spelling, or a space-separated keyword sequence */
    uint32_t kind;      /* comrt_tl_kind (PTR for LPSTR & co.) */
    uint32_t vt;
    const char *cname;  /* C spelling in generated headers */
    uint32_t flags;     /* IDL_BI_* */
    const char *elem;   /* PTR: builtin name of the element */
};
#define IDL_BI_STRING 0x1u /* LPSTR: a [string] pointer */
#define IDL_BI_CONST 0x2u  /* LPCSTR, REFIID: pointer to const */
#define IDL_BI_REF 0x4u    /* REFIID: a [ref] pointer */
#define IDL_BI_GUID 0x8u   /* GUID/IID/CLSID: the GUID struct */

const idl_builtin *builtin_lookup(const char *name);
/* The builtin named by a keyword combination (signed/unsigned/short/long...),
 * given as flags; NULL if the combination is invalid. */
const idl_builtin *builtin_from_keywords(unsigned kw, const char **why);
enum {
    KW_SIGNED = 1, KW_UNSIGNED = 2, KW_SHORT = 4, KW_LONG = 8, KW_LONGLONG = 16, KW_INT = 32, KW_CHAR = 64,
    KW_SMALL = 128, KW_HYPER = 256, KW_INT64 = 512, KW_BYTE = 1024, KW_BOOLEAN = 2048, KW_FLOAT = 4096,
    KW_DOUBLE = 8192, KW_VOID = 16384,
};

/* Passes ------------------------------------------------------------------------- */

/* parse.c: parses one file's text into u. import_file NULL for the main file. */
typedef struct idl_import_ctx idl_import_ctx;
void parse_file(idl_unit *u, const char *file, const char *src, size_t len, int cpp_output,
                const char *import_file, int base_import, idl_import_ctx *imp, int depth);
/* Called by the parser for `import "x.idl";` (main.c handles the search). */
void idl_do_import(idl_unit *u, idl_import_ctx *imp, const char *name, idl_loc loc, int depth);

/* attrs.c */
idl_attr *attr_find(idl_attr *list, const char *name);
int attr_has(idl_attr *list, const char *name);
void attrs_check(idl_diag *d, idl_attr *list, const char *where);
int parse_guid_text(const char *s, GUID *g);

/* symtab.c */
void sym_add(idl_unit *u, idl_decl *d);
idl_decl *sym_find(idl_unit *u, const char *name);
void tag_add(idl_unit *u, idl_decl *d);
idl_decl *tag_find(idl_unit *u, decl_kind kind, const char *name);

/* resolve.c: names, parents, slots, constants, checks. */
void resolve_unit(idl_unit *u);
int expr_eval(idl_unit *u, idl_expr *e, comrt_tl_value *out, int depth);
/* The resolved target of a typedef chain (follows TY_NAMED typedefs). */
idl_type *type_strip(idl_type *t);
idl_decl *type_interface(idl_type *t); /* TY_NAMED naming an interface, else NULL */

/* Generators. Each returns 0 on success. */
int gen_header(idl_unit *u, idl_buf *out, const char *guard_name);
int gen_iid(idl_unit *u, idl_buf *out, const char *header_name);
/* build_tlb.c: the library description (arena-allocated) or NULL after errors. */
comrt_tl_library *build_tlb(idl_unit *u);
int gen_tlb_c(const void *data, size_t size, idl_buf *out, const char *symbol);
int gen_skeleton(idl_unit *u, idl_buf *out, const char *header_name, const char *coclass, int with_tlb);
int dump_typelib(const comrt_typelib *tl, FILE *out);

/* The C spelling of a method as a vtable member name (get_X for propget...). */
const char *method_c_name(idl_unit *u, idl_method *m);
/* Prints a C declaration of type t named name (name may be NULL). */
void print_decl(idl_buf *b, idl_type *t, const char *name);

#endif /* COMIDL_IDL_H */
