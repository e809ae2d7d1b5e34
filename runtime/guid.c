/* guid.c - GUID generation, formatting and strict parsing; the runtime's IIDs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "comrt.h"

const GUID GUID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
const IID IID_IUnknown = {0x00000000, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
const IID IID_IClassFactory = {0x00000001, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
const IID IID_IDispatch = {0x00020400, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
const IID IID_ITypeInfo = {0x00020401, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
const IID IID_ITypeLib = {0x00020402, 0x0000, 0x0000, {0xC0, 0, 0, 0, 0, 0, 0, 0x46}};
const IID IID_IErrorInfo = {0x1CF2B120, 0x547D, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
const IID IID_ICreateErrorInfo = {0x22F03340, 0x547D, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
const IID IID_ISupportErrorInfo = {0xDF0B3D60, 0x548F, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
const IID IID_IConnectionPointContainer = {0xB196B284, 0xBAB4, 0x101A, {0xB6, 0x9C, 0x00, 0xAA, 0x00, 0x34, 0x1D, 0x07}};
const IID IID_IEnumConnectionPoints = {0xB196B285, 0xBAB4, 0x101A, {0xB6, 0x9C, 0x00, 0xAA, 0x00, 0x34, 0x1D, 0x07}};
const IID IID_IConnectionPoint = {0xB196B286, 0xBAB4, 0x101A, {0xB6, 0x9C, 0x00, 0xAA, 0x00, 0x34, 0x1D, 0x07}};
const IID IID_IEnumConnections = {0xB196B287, 0xBAB4, 0x101A, {0xB6, 0x9C, 0x00, 0xAA, 0x00, 0x34, 0x1D, 0x07}};

HRESULT CoCreateGuid(GUID *pguid)
{
    uint8_t b[16];
    size_t got = 0;

    if (!pguid)
        return E_POINTER;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return comrt_error_set(E_FAIL, "CoCreateGuid: getrandom failed: %s", strerror(errno));
        }
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    pguid->Data1 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    pguid->Data2 = (uint16_t)(b[4] << 8 | b[5]);
    pguid->Data3 = (uint16_t)(b[6] << 8 | b[7]);
    memcpy(pguid->Data4, b + 8, 8);
    return S_OK;
}

int StringFromGUID2(REFGUID g, LPOLESTR buf, int cchMax)
{
    if (!g || !buf || cchMax < CHARS_IN_GUID)
        return 0;
    snprintf(buf, (size_t)cchMax, "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}", (unsigned)g->Data1,
             g->Data2, g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4], g->Data4[5],
             g->Data4[6], g->Data4[7]);
    return CHARS_IN_GUID;
}

static HRESULT string_from_guid(REFGUID g, LPOLESTR *ppsz)
{
    if (!ppsz)
        return E_POINTER;
    *ppsz = NULL;
    if (!g)
        return E_INVALIDARG;
    char *s = CoTaskMemAlloc(CHARS_IN_GUID);
    if (!s)
        return E_OUTOFMEMORY;
    StringFromGUID2(g, s, CHARS_IN_GUID);
    *ppsz = s;
    return S_OK;
}

HRESULT StringFromCLSID(REFCLSID rclsid, LPOLESTR *ppsz)
{
    return string_from_guid(rclsid, ppsz);
}

HRESULT StringFromIID(REFIID riid, LPOLESTR *ppsz)
{
    return string_from_guid(riid, ppsz);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads 2*n hex digits at s into a big-endian value. */
static int read_hex(const char *s, int n, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 2 * n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return -1;
        v = v << 4 | (uint64_t)h;
    }
    *out = v;
    return 0;
}

HRESULT comrt_guid_parse(const char *s, int braces_optional, GUID *out)
{
    GUID g;
    uint64_t v;
    size_t len;
    int braced;

    if (!s || !out)
        return E_INVALIDARG;
    len = strlen(s);
    braced = len == 38 && s[0] == '{' && s[37] == '}';
    if (braced)
        s++;
    else if (!(braces_optional && len == 36))
        return E_INVALIDARG;
    /* XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX */
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return E_INVALIDARG;
    if (read_hex(s, 4, &v))
        return E_INVALIDARG;
    g.Data1 = (uint32_t)v;
    if (read_hex(s + 9, 2, &v))
        return E_INVALIDARG;
    g.Data2 = (uint16_t)v;
    if (read_hex(s + 14, 2, &v))
        return E_INVALIDARG;
    g.Data3 = (uint16_t)v;
    for (int i = 0; i < 8; i++) {
        const char *p = i < 2 ? s + 19 + 2 * i : s + 24 + 2 * (i - 2);
        if (read_hex(p, 1, &v))
            return E_INVALIDARG;
        g.Data4[i] = (uint8_t)v;
    }
    *out = g;
    return S_OK;
}

HRESULT IIDFromString(LPCOLESTR lpsz, IID *piid)
{
    if (!piid)
        return E_POINTER;
    if (FAILED(comrt_guid_parse(lpsz, 0, piid))) {
        memset(piid, 0, sizeof *piid);
        return comrt_error_set(CO_E_IIDSTRING, "'%s' is not an interface ID of the form "
                                               "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}",
                               lpsz ? lpsz : "(null)");
    }
    return S_OK;
}

HRESULT CLSIDFromString(LPCOLESTR lpsz, CLSID *pclsid)
{
    if (!pclsid)
        return E_POINTER;
    memset(pclsid, 0, sizeof *pclsid);
    if (!lpsz)
        return comrt_error_set(CO_E_CLASSSTRING, "CLSIDFromString: no string given");
    if (lpsz[0] == '{') {
        if (FAILED(comrt_guid_parse(lpsz, 0, pclsid)))
            return comrt_error_set(CO_E_CLASSSTRING, "'%s' is not a class ID of the form "
                                                     "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}",
                                   lpsz);
        return S_OK;
    }
    /* As in COM, anything else is tried as a ProgID. */
    return CLSIDFromProgID(lpsz, pclsid);
}
