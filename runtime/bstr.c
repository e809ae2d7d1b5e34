/*
 * bstr.c - BSTR: a 32-bit byte count, then the bytes, then a NUL; the BSTR
 * points at the bytes. OLECHAR is a byte (UTF-8), so "length" in characters
 * and in bytes agree.
 */
#include <stdlib.h>
#include <string.h>

#include "comrt.h"

#define BSTR_MAX 0x7FFFFFF0u

static BSTR bstr_alloc(const char *src, UINT len)
{
    if (len > BSTR_MAX)
        return NULL;
    /* The prefix keeps the data 8-aligned for callers that store wide data. */
    char *block = malloc(sizeof(uint64_t) + (size_t)len + 2);
    if (!block)
        return NULL;
    uint32_t n = len;
    memcpy(block + sizeof(uint64_t) - sizeof n, &n, sizeof n);
    char *data = block + sizeof(uint64_t);
    if (src)
        memcpy(data, src, len);
    else
        memset(data, 0, len);
    data[len] = '\0';
    data[len + 1] = '\0';
    return data;
}

static char *bstr_block(BSTR b)
{
    return (char *)b - sizeof(uint64_t);
}

BSTR SysAllocString(const OLECHAR *psz)
{
    if (!psz)
        return NULL;
    size_t n = strlen(psz);
    if (n > BSTR_MAX)
        return NULL;
    return bstr_alloc(psz, (UINT)n);
}

BSTR SysAllocStringLen(const OLECHAR *strIn, UINT ui)
{
    return bstr_alloc(strIn, ui);
}

BSTR SysAllocStringByteLen(LPCSTR psz, UINT len)
{
    return bstr_alloc(psz, len);
}

INT SysReAllocStringLen(BSTR *pbstr, const OLECHAR *psz, UINT len)
{
    if (!pbstr)
        return FALSE;
    /* psz may point into *pbstr: copy before freeing. */
    BSTR n = bstr_alloc(psz, len);
    if (!n)
        return FALSE;
    SysFreeString(*pbstr);
    *pbstr = n;
    return TRUE;
}

INT SysReAllocString(BSTR *pbstr, const OLECHAR *psz)
{
    if (!pbstr)
        return FALSE;
    if (!psz) {
        SysFreeString(*pbstr);
        *pbstr = NULL;
        return TRUE;
    }
    size_t n = strlen(psz);
    if (n > BSTR_MAX)
        return FALSE;
    return SysReAllocStringLen(pbstr, psz, (UINT)n);
}

void SysFreeString(BSTR b)
{
    if (b)
        free(bstr_block(b));
}

UINT SysStringByteLen(BSTR b)
{
    uint32_t n;
    if (!b)
        return 0;
    memcpy(&n, b - sizeof n, sizeof n);
    return n;
}

UINT SysStringLen(BSTR b)
{
    return SysStringByteLen(b);
}
