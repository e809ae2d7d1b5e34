/*
 * comrt/types.h - COM's base scalar types, with Windows' sizes on LP64 Linux.
 *
 * LONG/ULONG/DWORD are 32 bits as in COM (not C's 64-bit long), so that
 * MIDL-shaped interfaces keep their meaning. OLECHAR is char: comrt strings
 * are UTF-8 (see docs/porting.md).
 */
#ifndef COMRT_TYPES_H
#define COMRT_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols of libcomrt that form the public ABI. Everything else is hidden. */
#if defined(COMRT_BUILDING_LIBRARY)
#define COMRT_API __attribute__((visibility("default")))
#else
#define COMRT_API
#endif

/* Marks the entry points a component library exports (DllGetClassObject...),
 * so they stay visible when the component is built with -fvisibility=hidden. */
#define COMRT_EXPORT __attribute__((visibility("default")))

/* Marks printf-style helpers so the compiler checks their arguments. */
#define COMRT_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

typedef int32_t HRESULT;
typedef int32_t SCODE;
typedef int BOOL;
typedef uint8_t BYTE;
typedef uint8_t UCHAR;
typedef char CHAR;
typedef int16_t SHORT;
typedef uint16_t USHORT;
typedef uint16_t WORD;
typedef int32_t LONG;
typedef uint32_t ULONG;
typedef uint32_t DWORD;
typedef int INT;
typedef unsigned int UINT;
typedef int64_t LONGLONG;
typedef uint64_t ULONGLONG;
typedef int64_t HYPER;
typedef uint64_t UHYPER;
typedef float FLOAT;
typedef double DOUBLE;
typedef void *PVOID;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef DWORD LCID;
typedef DWORD *LPDWORD;
typedef BYTE boolean;

/* Strings are UTF-8: OLECHAR is a byte, not UTF-16 as on Windows. */
typedef char OLECHAR;
typedef OLECHAR *LPOLESTR;
typedef const OLECHAR *LPCOLESTR;
typedef char *LPSTR;
typedef const char *LPCSTR;

/* BSTR: length-prefixed (32-bit byte count before the pointer), NUL
 * terminated UTF-8, allocated only by SysAllocString* (comrt/oleauto.h). */
typedef OLECHAR *BSTR;

typedef SHORT VARIANT_BOOL;
#define VARIANT_TRUE ((VARIANT_BOOL)-1)
#define VARIANT_FALSE ((VARIANT_BOOL)0)

typedef double DATE;

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif

#ifdef __cplusplus
}
#endif

#endif /* COMRT_TYPES_H */
