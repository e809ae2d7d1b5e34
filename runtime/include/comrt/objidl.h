/*
 * comrt/objidl.h - streams and explicit marshaling.
 *
 * IStream is COM's byte stream (here: the in-memory one from
 * SHCreateMemStream). Explicit marshaling turns an interface pointer into
 * bytes (a marshal packet) that any thread of this process or any other
 * process of the same user can turn back into a pointer: the object itself
 * in the object's own apartment, a proxy everywhere else. The packet format
 * is in docs/PROTOCOL.md; the rules are in docs/apartments.md.
 */
#ifndef COMRT_OBJIDL_H
#define COMRT_OBJIDL_H

#include "comrt/types.h"
#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef union _LARGE_INTEGER {
    struct {
        DWORD LowPart;
        LONG HighPart;
    } u;
    LONGLONG QuadPart;
} LARGE_INTEGER;

typedef union _ULARGE_INTEGER {
    struct {
        DWORD LowPart;
        DWORD HighPart;
    } u;
    ULONGLONG QuadPart;
} ULARGE_INTEGER;

/* FILETIME's layout under another name: comrt.h does not define FILETIME
 * itself, so that IDL files may declare it as Windows' own IDL does. */
typedef struct comrt_filetime {
    DWORD dwLowDateTime;
    DWORD dwHighDateTime;
} comrt_filetime;

typedef struct tagSTATSTG {
    LPOLESTR pwcsName; /* CoTaskMem; NULL with STATFLAG_NONAME (memory streams have no name) */
    DWORD type;        /* STGTY_STREAM */
    ULARGE_INTEGER cbSize;
    comrt_filetime mtime, ctime, atime; /* zero: memory streams keep no times */
    DWORD grfMode;
    DWORD grfLocksSupported;
    CLSID clsid;
    DWORD grfStateBits;
    DWORD reserved;
} STATSTG;

#define STGTY_STREAM 2
#define STATFLAG_DEFAULT 0
#define STATFLAG_NONAME 1
#define STREAM_SEEK_SET 0
#define STREAM_SEEK_CUR 1
#define STREAM_SEEK_END 2
#define STGC_DEFAULT 0

typedef struct IStream IStream;
typedef IStream *LPSTREAM;

typedef struct IStreamVtbl {
    HRESULT (*QueryInterface)(IStream *This, REFIID riid, void **ppv);
    ULONG (*AddRef)(IStream *This);
    ULONG (*Release)(IStream *This);
    /* ISequentialStream */
    HRESULT (*Read)(IStream *This, void *pv, ULONG cb, ULONG *pcbRead);   /* S_FALSE: fewer than cb */
    HRESULT (*Write)(IStream *This, const void *pv, ULONG cb, ULONG *pcbWritten);
    /* IStream */
    HRESULT (*Seek)(IStream *This, LARGE_INTEGER dlibMove, DWORD dwOrigin, ULARGE_INTEGER *plibNewPosition);
    HRESULT (*SetSize)(IStream *This, ULARGE_INTEGER libNewSize);
    HRESULT (*CopyTo)(IStream *This, IStream *pstm, ULARGE_INTEGER cb, ULARGE_INTEGER *pcbRead,
                      ULARGE_INTEGER *pcbWritten);
    HRESULT (*Commit)(IStream *This, DWORD grfCommitFlags);
    HRESULT (*Revert)(IStream *This);
    HRESULT (*LockRegion)(IStream *This, ULARGE_INTEGER libOffset, ULARGE_INTEGER cb, DWORD dwLockType);
    HRESULT (*UnlockRegion)(IStream *This, ULARGE_INTEGER libOffset, ULARGE_INTEGER cb, DWORD dwLockType);
    HRESULT (*Stat)(IStream *This, STATSTG *pstatstg, DWORD grfStatFlag);
    HRESULT (*Clone)(IStream *This, IStream **ppstm);
} IStreamVtbl;

struct IStream {
    const IStreamVtbl *lpVtbl;
};

#define IStream_QueryInterface(p, a, b) ((p)->lpVtbl->QueryInterface(p, a, b))
#define IStream_AddRef(p) ((p)->lpVtbl->AddRef(p))
#define IStream_Release(p) ((p)->lpVtbl->Release(p))
#define IStream_Read(p, a, b, c) ((p)->lpVtbl->Read(p, a, b, c))
#define IStream_Write(p, a, b, c) ((p)->lpVtbl->Write(p, a, b, c))
#define IStream_Seek(p, a, b, c) ((p)->lpVtbl->Seek(p, a, b, c))
#define IStream_SetSize(p, a) ((p)->lpVtbl->SetSize(p, a))
#define IStream_Stat(p, a, b) ((p)->lpVtbl->Stat(p, a, b))
#define IStream_Clone(p, a) ((p)->lpVtbl->Clone(p, a))

COMRT_API extern const IID IID_ISequentialStream;
COMRT_API extern const IID IID_IStream;

/*
 * SHCreateMemStream - a new in-memory stream holding a copy of cbInit bytes
 * at pInit (may be NULL/0), positioned at its start. Returns the stream with
 * one reference (the caller releases it), or NULL when out of memory.
 * Thread-safe: one stream may be used from several threads.
 */
COMRT_API IStream *SHCreateMemStream(const BYTE *pInit, UINT cbInit);

/* Explicit marshaling --------------------------------------------------------- */

typedef enum tagMSHLFLAGS {
    MSHLFLAGS_NORMAL = 0,      /* unmarshal once (or CoReleaseMarshalData) */
    MSHLFLAGS_TABLESTRONG = 1, /* unmarshal any number of times until CoReleaseMarshalData */
    MSHLFLAGS_TABLEWEAK = 2,   /* not supported: E_NOTIMPL */
    MSHLFLAGS_NOPING = 4,      /* not supported: E_NOTIMPL */
} MSHLFLAGS;

typedef enum tagMSHCTX {
    MSHCTX_LOCAL = 0,
    MSHCTX_NOSHAREDMEM = 1,
    MSHCTX_DIFFERENTMACHINE = 2, /* not supported yet: E_NOTIMPL */
    MSHCTX_INPROC = 3,
    MSHCTX_CROSSCTX = 4,
} MSHCTX;

/*
 * CoMarshalInterface - writes a marshal packet for pUnk seen as riid to pStm
 * at its current position. The packet holds one reference on the object
 * (taken here; pUnk's own references are untouched) until it is unmarshaled
 * (MSHLFLAGS_NORMAL) or released with CoReleaseMarshalData. E_NOINTERFACE
 * if pUnk lacks riid; E_NOTIMPL for unsupported flags or contexts.
 * pvDestContext is reserved (NULL).
 */
COMRT_API HRESULT CoMarshalInterface(IStream *pStm, REFIID riid, IUnknown *pUnk, DWORD dwDestContext,
                                     void *pvDestContext, DWORD mshlflags);

/*
 * CoUnmarshalInterface - reads one packet from pStm and returns an AddRef'd
 * pointer for riid in *ppv (the caller releases it): the object itself in
 * its own apartment, else a proxy bound to the calling thread's apartment.
 * RPC_E_INVALID_OBJREF for bytes that are not a packet; CO_E_OBJNOTCONNECTED
 * when a NORMAL packet was already used or released.
 */
COMRT_API HRESULT CoUnmarshalInterface(IStream *pStm, REFIID riid, void **ppv);

/* CoReleaseMarshalData - gives back the reference a packet (read from pStm) holds. */
COMRT_API HRESULT CoReleaseMarshalData(IStream *pStm);

/* CoGetMarshalSizeMax - an upper bound on the packet's size, in bytes. */
COMRT_API HRESULT CoGetMarshalSizeMax(ULONG *pulSize, REFIID riid, IUnknown *pUnk, DWORD dwDestContext,
                                      void *pvDestContext, DWORD mshlflags);

/*
 * CoMarshalInterThreadInterfaceInStream - a NORMAL packet for pUnk in a new
 * memory stream (*ppStm, one reference, positioned at the start) for
 * another thread of this process, which passes it to
 * CoGetInterfaceAndReleaseStream.
 */
COMRT_API HRESULT CoMarshalInterThreadInterfaceInStream(REFIID riid, LPUNKNOWN pUnk, LPSTREAM *ppStm);

/*
 * CoGetInterfaceAndReleaseStream - unmarshals the packet in pStm (as
 * CoUnmarshalInterface) and releases pStm, success or not.
 */
COMRT_API HRESULT CoGetInterfaceAndReleaseStream(LPSTREAM pStm, REFIID iid, LPVOID *ppv);

/*
 * The byte-buffer equivalents (comrt's): comrt_marshal_to_bytes returns the
 * packet in *bytes (CoTaskMemAlloc'd; the caller frees it with
 * CoTaskMemFree) and its size in *len; the packet may travel to another
 * process of the same user by any means (a pipe, a file) and be passed to
 * comrt_unmarshal_from_bytes or comrt_release_marshal_bytes there or here.
 */
COMRT_API HRESULT comrt_marshal_to_bytes(REFIID riid, IUnknown *pUnk, DWORD mshlflags, BYTE **bytes, ULONG *len);
COMRT_API HRESULT comrt_unmarshal_from_bytes(const BYTE *bytes, ULONG len, REFIID riid, void **ppv);
COMRT_API HRESULT comrt_release_marshal_bytes(const BYTE *bytes, ULONG len);

#ifdef __cplusplus
}
#endif

#endif /* COMRT_OBJIDL_H */
