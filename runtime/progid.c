/* progid.c - ProgID <-> CLSID through the registry. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define PROGID_MAX 255
#define CURVER_DEPTH 4

static HRESULT check_progid(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > PROGID_MAX || strchr(p, '\\') || p[0] == '{')
        return comrt_error_set(CO_E_CLASSSTRING, "'%s' is not a valid ProgID", p);
    return S_OK;
}

HRESULT CLSIDFromProgID(LPCOLESTR lpszProgID, LPCLSID lpclsid)
{
    char key[PROGID_MAX + 16];
    char name[PROGID_MAX + 1];
    char *value = NULL;
    HRESULT hr;

    if (!lpclsid)
        return E_POINTER;
    memset(lpclsid, 0, sizeof *lpclsid);
    if (!lpszProgID)
        return comrt_error_set(E_INVALIDARG, "CLSIDFromProgID: NULL ProgID");
    hr = check_progid(lpszProgID);
    if (FAILED(hr))
        return hr;
    snprintf(name, sizeof name, "%s", lpszProgID);

    /* A version-independent ProgID may name its CLSID directly or via CurVer. */
    for (int depth = 0; depth <= CURVER_DEPTH; depth++) {
        snprintf(key, sizeof key, "%s\\CLSID", name);
        hr = comrt_reg_get_value(key, NULL, &value);
        if (SUCCEEDED(hr)) {
            if (FAILED(comrt_guid_parse(value, 0, lpclsid))) {
                hr = comrt_error_set(CO_E_CLASSSTRING, "ProgID '%s': %s holds '%s', which is not a class ID",
                                     lpszProgID, key, value);
                memset(lpclsid, 0, sizeof *lpclsid);
            }
            CoTaskMemFree(value);
            return hr;
        }
        if (hr != REGDB_E_KEYMISSING && hr != REGDB_E_INVALIDVALUE)
            return hr;
        snprintf(key, sizeof key, "%s\\CurVer", name);
        hr = comrt_reg_get_value(key, NULL, &value);
        if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE)
            break;
        if (FAILED(hr))
            return hr;
        if (FAILED(check_progid(value))) {
            CoTaskMemFree(value);
            return comrt_error_set(CO_E_CLASSSTRING, "ProgID '%s': CurVer names an invalid ProgID", lpszProgID);
        }
        snprintf(name, sizeof name, "%s", value);
        CoTaskMemFree(value);
        value = NULL;
    }
    return comrt_error_set(CO_E_CLASSSTRING, "ProgID '%s' is not registered (no %s\\CLSID key)", lpszProgID,
                           lpszProgID);
}

HRESULT ProgIDFromCLSID(REFCLSID clsid, LPOLESTR *lplpszProgID)
{
    char cs[CHARS_IN_GUID], key[64];
    HRESULT hr;

    if (!lplpszProgID)
        return E_POINTER;
    *lplpszProgID = NULL;
    if (!clsid)
        return comrt_error_set(E_INVALIDARG, "ProgIDFromCLSID: NULL class ID");
    comrt_guid_str(clsid, cs);
    snprintf(key, sizeof key, "CLSID\\%s\\ProgID", cs);
    hr = comrt_reg_get_value(key, NULL, lplpszProgID);
    if (hr == REGDB_E_KEYMISSING || hr == REGDB_E_INVALIDVALUE)
        return comrt_error_set(REGDB_E_CLASSNOTREG, "class %s has no registered ProgID", cs);
    return hr;
}
