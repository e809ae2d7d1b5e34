/*
 * comrt/guid.h - GUID/IID/CLSID with Windows' field layout, and their strings.
 */
#ifndef COMRT_GUID_H
#define COMRT_GUID_H

#include <string.h>

#include "comrt/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;
#endif

typedef GUID IID;
typedef GUID CLSID;
typedef GUID UUID;
typedef IID *LPIID;
typedef CLSID *LPCLSID;

/* REFIID is a pointer to a constant IID, as in Windows' C headers; also in
 * C++, where comrt interfaces are the same C structs. */
typedef const GUID *REFGUID;
typedef const IID *REFIID;
typedef const CLSID *REFCLSID;

/*
 * DEFINE_GUID(name, l, w1, w2, b1, ..., b8): declares name as an extern
 * const GUID, or defines it in the one translation unit that defines
 * INITGUID before including comrt.h (Windows' convention).
 */
#undef DEFINE_GUID
#ifdef INITGUID
#ifdef __cplusplus
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    extern "C" const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) \
    const GUID name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#endif
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) extern const GUID name
#endif

/* Characters StringFromGUID2 writes, including braces and the NUL. */
#define CHARS_IN_GUID 39

COMRT_API extern const GUID GUID_NULL;
#define IID_NULL GUID_NULL
#define CLSID_NULL GUID_NULL

static inline int IsEqualGUID(REFGUID a, REFGUID b) { return memcmp(a, b, sizeof(GUID)) == 0; }
#define IsEqualIID(a, b) IsEqualGUID(a, b)
#define IsEqualCLSID(a, b) IsEqualGUID(a, b)

/*
 * CoCreateGuid - a random (version 4, RFC 4122 variant) GUID from the
 * kernel's random source. E_POINTER if pguid is NULL, E_FAIL with error
 * information if the random source fails.
 */
COMRT_API HRESULT CoCreateGuid(GUID *pguid);

/*
 * StringFromGUID2 - writes "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"
 * (upper-case hex) into buf. Returns the characters written including the
 * NUL (39), or 0 if cchMax < 39 or an argument is NULL (as in COM).
 */
COMRT_API int StringFromGUID2(REFGUID rguid, LPOLESTR buf, int cchMax);

/*
 * StringFromCLSID / StringFromIID - the braced form in a string the caller
 * frees with CoTaskMemFree. E_OUTOFMEMORY, E_POINTER.
 */
COMRT_API HRESULT StringFromCLSID(REFCLSID rclsid, LPOLESTR *ppsz);
COMRT_API HRESULT StringFromIID(REFIID riid, LPOLESTR *ppsz);

/*
 * IIDFromString - parses exactly the braced form (either hex case).
 * CO_E_IIDSTRING for anything else (wrong length, bad hex, misplaced dashes,
 * missing braces, trailing characters); *piid is zeroed on failure.
 */
COMRT_API HRESULT IIDFromString(LPCOLESTR lpsz, IID *piid);

/*
 * CLSIDFromString - the braced form, or else a ProgID looked up in the
 * registry (as COM does). CO_E_CLASSSTRING for a malformed GUID,
 * REGDB_E_CLASSNOTREG / REGDB_E_READREGDB from the ProgID lookup.
 */
COMRT_API HRESULT CLSIDFromString(LPCOLESTR lpsz, CLSID *pclsid);

/*
 * comrt_guid_parse - strict parser shared by the functions above: accepts
 * the braced form, and the bare 36-character form when braces_optional is
 * non-zero. Returns S_OK or E_INVALIDARG; never sets error information.
 */
COMRT_API HRESULT comrt_guid_parse(const char *s, int braces_optional, GUID *out);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_GUID_H */
