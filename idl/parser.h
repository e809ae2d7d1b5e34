/*
 * parser.h - state shared by the two halves of the recursive-descent
 * parser: parse.c (files, interfaces, libraries, attributes) and
 * parse_type.c (types, declarators, expressions).
 */
#ifndef COMIDL_PARSER_H
#define COMIDL_PARSER_H

#include "idl.h"

typedef struct parser {
    idl_unit *u;
    idl_diag *d;
    idl_lexer lx;
    idl_token tok;    /* the lookahead, valid when have_tok */
    int have_tok;
    idl_loc last_loc; /* position of the last consumed token */
    const char *import_file;
    int base_import;
    idl_import_ctx *imp;
    int import_depth;
    int nest;         /* recursion depth of types and expressions */
    idl_decl *library; /* the library block being parsed, if any */
} parser;

idl_token *peek(parser *p);
idl_token next(parser *p);
int is_punct(parser *p, int c);
int is_ident(parser *p, const char *word);
int accept_punct(parser *p, int c);
/* Consumes c or reports "expected 'c' before TOKEN" and returns 0. */
int expect_punct(parser *p, int c);
/* Reports an error naming the offending token. */
void error_at_tok(parser *p, const char *fmt, ...) COMRT_PRINTF(2, 3);
const char *tok_desc(parser *p, const idl_token *t);
/* Error recovery: skips tokens up to and including the next ';' at the
 * current brace level, or stops before a '}' closing it. */
void sync_stmt(parser *p);

idl_attr *parse_attrs(parser *p);
/* The start of a type: keywords, struct/enum/union, SAFEARRAY(T), or a name. */
int starts_type(parser *p);
idl_type *parse_type_spec(parser *p, idl_attr *attrs);
/* A declarator over base; *name receives the declared name (NULL if none). */
idl_type *parse_declarator(parser *p, idl_type *base, const char **name, idl_loc *name_loc);
idl_expr *parse_expr(parser *p);
idl_expr *parse_cond_expr(parser *p);
void add_decl(parser *p, idl_decl *d);
idl_decl *new_decl(parser *p, decl_kind kind, const char *name, idl_loc loc);

#endif /* COMIDL_PARSER_H */
