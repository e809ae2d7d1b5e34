/*
 * comrt/ocidl.h - connectable objects: an object with outgoing (event)
 * interfaces exposes IConnectionPointContainer; each outgoing interface
 * has an IConnectionPoint on which clients Advise their sinks.
 *
 * IIDs, vtable slots and CONNECTDATA are Windows' (ocidl.h), and agree
 * with idl/include/ocidl.idl, from which the marshaler's description of
 * these interfaces is built (tests/connpt checks both against each other).
 * Across processes the enumerators' Next needs a non-NULL pcFetched (the
 * wire form is MIDL's RemoteNext). To implement these interfaces, use the
 * helper in comrt/connpt.h (docs/connection-points.md).
 */
#ifndef COMRT_OCIDL_H
#define COMRT_OCIDL_H

#include "comrt/unknwn.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct IEnumConnections IEnumConnections;
typedef struct IConnectionPoint IConnectionPoint;
typedef struct IEnumConnectionPoints IEnumConnectionPoints;
typedef struct IConnectionPointContainer IConnectionPointContainer;

typedef IEnumConnections *PENUMCONNECTIONS, *LPENUMCONNECTIONS;
typedef IConnectionPoint *PCONNECTIONPOINT, *LPCONNECTIONPOINT;
typedef IEnumConnectionPoints *PENUMCONNECTIONPOINTS, *LPENUMCONNECTIONPOINTS;
typedef IConnectionPointContainer *PCONNECTIONPOINTCONTAINER, *LPCONNECTIONPOINTCONTAINER;

/* One connection: the sink and the cookie Advise returned for it. */
typedef struct tagCONNECTDATA {
    IUnknown *pUnk; /* AddRef'd for whoever receives it from IEnumConnections::Next */
    DWORD dwCookie;
} CONNECTDATA, *PCONNECTDATA, *LPCONNECTDATA;

/*
 * IEnumConnections - the connections of one connection point, as they were
 * when EnumConnections was called (a snapshot).
 */
typedef struct IEnumConnectionsVtbl {
    HRESULT (*QueryInterface)(IEnumConnections *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IEnumConnections *This);
    ULONG (*Release)(IEnumConnections *This);
    /* Copies up to cConnections entries into rgcd (each pUnk AddRef'd: the
     * caller Releases them) and advances. S_OK if all were there, S_FALSE
     * if fewer; *pcFetched (which may be NULL in-process when cConnections
     * is 1) says how many. E_POINTER for rgcd NULL, or pcFetched NULL with
     * cConnections > 1. */
    HRESULT (*Next)(IEnumConnections *This, ULONG cConnections, LPCONNECTDATA rgcd, ULONG *pcFetched);
    /* Advances by cConnections: S_OK, or S_FALSE if the end came first (the
     * position is then the end). */
    HRESULT (*Skip)(IEnumConnections *This, ULONG cConnections);
    /* Back to the first entry. */
    HRESULT (*Reset)(IEnumConnections *This);
    /* A new enumerator (one reference for the caller) over the same
     * entries at the same position; the two then move independently. */
    HRESULT (*Clone)(IEnumConnections *This, IEnumConnections **ppEnum);
} IEnumConnectionsVtbl;
struct IEnumConnections {
    const IEnumConnectionsVtbl *lpVtbl;
};

#define IEnumConnections_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IEnumConnections_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IEnumConnections_Release(This) ((This)->lpVtbl->Release(This))
#define IEnumConnections_Next(This, c, rg, f) ((This)->lpVtbl->Next(This, c, rg, f))
#define IEnumConnections_Skip(This, c) ((This)->lpVtbl->Skip(This, c))
#define IEnumConnections_Reset(This) ((This)->lpVtbl->Reset(This))
#define IEnumConnections_Clone(This, pp) ((This)->lpVtbl->Clone(This, pp))

/* IConnectionPoint - the point where sinks of one outgoing interface connect. */
typedef struct IConnectionPointVtbl {
    HRESULT (*QueryInterface)(IConnectionPoint *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IConnectionPoint *This);
    ULONG (*Release)(IConnectionPoint *This);
    /* The IID of the outgoing interface. */
    HRESULT (*GetConnectionInterface)(IConnectionPoint *This, IID *pIID);
    /* The container this point belongs to (AddRef'd for the caller). */
    HRESULT (*GetConnectionPointContainer)(IConnectionPoint *This, IConnectionPointContainer **ppCPC);
    /* Connects pUnkSink, which must implement the outgoing interface
     * (CONNECT_E_CANNOTCONNECT otherwise); the point keeps a reference to
     * it until Unadvise. *pdwCookie (0 on failure) names the connection.
     * CONNECT_E_ADVISELIMIT when the point takes no more sinks. */
    HRESULT (*Advise)(IConnectionPoint *This, IUnknown *pUnkSink, DWORD *pdwCookie);
    /* Ends the connection dwCookie and releases its sink.
     * CONNECT_E_NOCONNECTION if there is no such connection. */
    HRESULT (*Unadvise)(IConnectionPoint *This, DWORD dwCookie);
    /* An enumerator over a snapshot of the current connections. */
    HRESULT (*EnumConnections)(IConnectionPoint *This, IEnumConnections **ppEnum);
} IConnectionPointVtbl;
struct IConnectionPoint {
    const IConnectionPointVtbl *lpVtbl;
};

#define IConnectionPoint_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IConnectionPoint_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IConnectionPoint_Release(This) ((This)->lpVtbl->Release(This))
#define IConnectionPoint_GetConnectionInterface(This, p) ((This)->lpVtbl->GetConnectionInterface(This, p))
#define IConnectionPoint_GetConnectionPointContainer(This, pp) ((This)->lpVtbl->GetConnectionPointContainer(This, pp))
#define IConnectionPoint_Advise(This, sink, cookie) ((This)->lpVtbl->Advise(This, sink, cookie))
#define IConnectionPoint_Unadvise(This, cookie) ((This)->lpVtbl->Unadvise(This, cookie))
#define IConnectionPoint_EnumConnections(This, pp) ((This)->lpVtbl->EnumConnections(This, pp))

/* IEnumConnectionPoints - the connection points of a container. Same
 * contract as IEnumConnections; the points returned are AddRef'd. */
typedef struct IEnumConnectionPointsVtbl {
    HRESULT (*QueryInterface)(IEnumConnectionPoints *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IEnumConnectionPoints *This);
    ULONG (*Release)(IEnumConnectionPoints *This);
    HRESULT (*Next)(IEnumConnectionPoints *This, ULONG cConnections, LPCONNECTIONPOINT *ppCP, ULONG *pcFetched);
    HRESULT (*Skip)(IEnumConnectionPoints *This, ULONG cConnections);
    HRESULT (*Reset)(IEnumConnectionPoints *This);
    HRESULT (*Clone)(IEnumConnectionPoints *This, IEnumConnectionPoints **ppEnum);
} IEnumConnectionPointsVtbl;
struct IEnumConnectionPoints {
    const IEnumConnectionPointsVtbl *lpVtbl;
};

#define IEnumConnectionPoints_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IEnumConnectionPoints_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IEnumConnectionPoints_Release(This) ((This)->lpVtbl->Release(This))
#define IEnumConnectionPoints_Next(This, c, pp, f) ((This)->lpVtbl->Next(This, c, pp, f))
#define IEnumConnectionPoints_Skip(This, c) ((This)->lpVtbl->Skip(This, c))
#define IEnumConnectionPoints_Reset(This) ((This)->lpVtbl->Reset(This))
#define IEnumConnectionPoints_Clone(This, pp) ((This)->lpVtbl->Clone(This, pp))

/* IConnectionPointContainer - answered by an object with outgoing interfaces. */
typedef struct IConnectionPointContainerVtbl {
    HRESULT (*QueryInterface)(IConnectionPointContainer *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IConnectionPointContainer *This);
    ULONG (*Release)(IConnectionPointContainer *This);
    /* An enumerator over every connection point of the object. */
    HRESULT (*EnumConnectionPoints)(IConnectionPointContainer *This, IEnumConnectionPoints **ppEnum);
    /* The connection point for outgoing interface riid (AddRef'd), or
     * CONNECT_E_NOCONNECTION with *ppCP NULL when there is none. */
    HRESULT (*FindConnectionPoint)(IConnectionPointContainer *This, REFIID riid, IConnectionPoint **ppCP);
} IConnectionPointContainerVtbl;
struct IConnectionPointContainer {
    const IConnectionPointContainerVtbl *lpVtbl;
};

#define IConnectionPointContainer_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IConnectionPointContainer_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IConnectionPointContainer_Release(This) ((This)->lpVtbl->Release(This))
#define IConnectionPointContainer_EnumConnectionPoints(This, pp) ((This)->lpVtbl->EnumConnectionPoints(This, pp))
#define IConnectionPointContainer_FindConnectionPoint(This, riid, pp) \
    ((This)->lpVtbl->FindConnectionPoint(This, riid, pp))

COMRT_API extern const IID IID_IConnectionPointContainer; /* {B196B284-BAB4-101A-B69C-00AA00341D07} */
COMRT_API extern const IID IID_IEnumConnectionPoints;     /* {B196B285-BAB4-101A-B69C-00AA00341D07} */
COMRT_API extern const IID IID_IConnectionPoint;          /* {B196B286-BAB4-101A-B69C-00AA00341D07} */
COMRT_API extern const IID IID_IEnumConnections;          /* {B196B287-BAB4-101A-B69C-00AA00341D07} */

#ifdef __cplusplus
}
#endif

#endif /* COMRT_OCIDL_H */
