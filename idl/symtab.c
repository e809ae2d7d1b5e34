/*
 * symtab.c - the two name spaces of IDL: ordinary identifiers (typedefs,
 * interfaces, coclasses, constants, enumerators) and struct/enum/union tags.
 * Chained hash tables: lookups stay cheap on large generated inputs.
 */
#include <string.h>

#include "idl.h"

static unsigned hash(const char *s, unsigned n)
{
    unsigned h = 5381;
    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h % n;
}

static int is_iface(const idl_decl *d)
{
    return d->kind == D_INTERFACE || d->kind == D_DISPINTERFACE;
}

void sym_add(idl_unit *u, idl_decl *d)
{
    if (!d->name)
        return;
    unsigned h = hash(d->name, sizeof u->symtab / sizeof u->symtab[0]);
    for (idl_decl *o = u->symtab[h]; o; o = o->hnext) {
        if (strcmp(o->name, d->name) != 0)
            continue;
        /* Forward declarations and the definition of one interface meet here. */
        if (is_iface(o) && is_iface(d) && o->kind == d->kind) {
            if (!d->defined) {
                d->def = o->def ? o->def : o->defined ? o : NULL;
                return; /* another forward declaration (or a library reference) */
            }
            if (!o->defined) {
                o->def = d;
                o->defined = 0;
                d->hnext = u->symtab[h];
                u->symtab[h] = d;
                /* the later definition shadows the forward one in lookups */
                return;
            }
        }
        /* The same file imported through two paths is parsed once, so a
         * clash here is a real redefinition. */
        idl_error(u->diag, d->loc, "redefinition of '%s'", d->name);
        idl_note(u->diag, o->loc, "previous definition of '%s' is here", o->name);
        return;
    }
    d->hnext = u->symtab[h];
    u->symtab[h] = d;
}

idl_decl *sym_find(idl_unit *u, const char *name)
{
    unsigned h = hash(name, sizeof u->symtab / sizeof u->symtab[0]);
    for (idl_decl *o = u->symtab[h]; o; o = o->hnext)
        if (strcmp(o->name, name) == 0)
            return o->def ? o->def : o;
    return NULL;
}

void tag_add(idl_unit *u, idl_decl *d)
{
    unsigned h = hash(d->name, sizeof u->tagtab / sizeof u->tagtab[0]);
    for (idl_decl *o = u->tagtab[h]; o; o = o->hnext) {
        if (strcmp(o->name, d->name) == 0) {
            idl_error(u->diag, d->loc, "redefinition of '%s %s'",
                      d->kind == D_STRUCT ? "struct" : d->kind == D_ENUM ? "enum" : "union", d->name);
            idl_note(u->diag, o->loc, "previous definition is here");
            return;
        }
    }
    d->hnext = u->tagtab[h];
    u->tagtab[h] = d;
}

idl_decl *tag_find(idl_unit *u, decl_kind kind, const char *name)
{
    unsigned h = hash(name, sizeof u->tagtab / sizeof u->tagtab[0]);
    for (idl_decl *o = u->tagtab[h]; o; o = o->hnext)
        if (strcmp(o->name, name) == 0)
            return o->kind == kind ? o : NULL;
    return NULL;
}
