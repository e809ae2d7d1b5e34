/*
 * attrs.c - attribute lookup and the list of attributes comidl knows.
 *
 * MIDL accepts many attributes that change nothing in a C header or a
 * comrt type library; comidl accepts those silently, warns about ones it
 * does not know (as MIDL would reject only truly malformed ones), and
 * warns that a few MIDL features (call_as, wire_marshal...) are ignored.
 */
#include <ctype.h>
#include <string.h>

#include "idl.h"

idl_attr *attr_find(idl_attr *list, const char *name)
{
    for (idl_attr *a = list; a; a = a->next)
        if (strcmp(a->name, name) == 0) {
            a->used = 1;
            return a;
        }
    return NULL;
}

int attr_has(idl_attr *list, const char *name)
{
    return attr_find(list, name) != NULL;
}

static const char *const known[] = {
    "object", "uuid", "local", "dual", "oleautomation", "nonextensible", "hidden", "helpstring",
    "helpfile", "helpcontext", "helpstringcontext", "version", "pointer_default", "in", "out", "retval",
    "size_is", "length_is", "max_is", "min_is", "first_is", "last_is", "string", "iid_is", "unique",
    "ref", "ptr", "propget", "propput", "propputref", "id", "optional", "defaultvalue", "default",
    "source", "restricted", "appobject", "licensed", "noncreatable", "control", "lcid", "vararg",
    "public", "v1_enum", "readonly", "bindable", "requestedit", "displaybind", "defaultbind",
    "immediatebind", "nonbrowsable", "custom", "aggregatable", "replaceable", "odl", "range",
    "annotation", "defaultcollelem", "uidefault", "defaultvtable", "usesgetlasterror", "predeclid",
    "proxy", "switch_type", "switch_is", "async_uuid", "call_as", "transmit_as", "wire_marshal",
    "user_marshal", "context_handle", "handle", "ignore", "represent_as", "message", "partial_ignore",
    "threading", "progid", "vi_progid", "local_call",
};

/* Known, but with meaning comidl cannot honour: the user should hear it. */
static const char *const unsupported[] = {
    "async_uuid", "call_as", "transmit_as", "wire_marshal", "user_marshal", "switch_is", "switch_type",
    "represent_as", "context_handle", "first_is", "last_is", "min_is",
};

void attrs_check(idl_diag *d, idl_attr *list, const char *where)
{
    for (idl_attr *a = list; a; a = a->next) {
        int found = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            if (strcmp(known[i], a->name) == 0)
                found = 1;
        if (!found) {
            idl_warning(d, a->loc, "unknown attribute '%s' on %s ignored", a->name, where);
            continue;
        }
        for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
            if (strcmp(unsupported[i], a->name) == 0)
                idl_warning(d, a->loc, "attribute '%s' is not supported by comidl and is ignored", a->name);
    }
}

/* "12345678-1234-1234-1234-123456789abc", with or without braces. */
int parse_guid_text(const char *s, GUID *g)
{
    char buf[40];
    size_t n = strlen(s);
    if (n == 38 && s[0] == '{' && s[37] == '}') {
        s++;
        n = 36;
    }
    if (n != 36)
        return 0;
    for (size_t i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    snprintf(buf, sizeof buf, "%.36s", s);
    unsigned v[11];
    if (sscanf(buf, "%8x-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
               &v[7], &v[8], &v[9], &v[10]) != 11)
        return 0;
    g->Data1 = v[0];
    g->Data2 = (uint16_t)v[1];
    g->Data3 = (uint16_t)v[2];
    for (int i = 0; i < 8; i++)
        g->Data4[i] = (uint8_t)v[3 + i];
    return 1;
}
