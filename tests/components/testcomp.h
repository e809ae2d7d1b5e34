/* testcomp.h - classes of the test component library (tests only). */
#ifndef TESTCOMP_H
#define TESTCOMP_H

#include <comrt.h>

/* {F94A25A2-E913-4817-9B4B-EA494BEF640E}: refuses aggregation. */
DEFINE_GUID(CLSID_TestNoAgg, 0xF94A25A2, 0xE913, 0x4817, 0x9B, 0x4B, 0xEA, 0x49, 0x4B, 0xEF, 0x64, 0x0E);
/* {5CF9201F-5278-4412-BB8F-D6170B43A962}: aggregates Hello.Greeter. */
DEFINE_GUID(CLSID_TestOuter, 0x5CF9201F, 0x5278, 0x4412, 0xBB, 0x8F, 0xD6, 0x17, 0x0B, 0x43, 0xA9, 0x62);
/* {02350518-A5BA-4620-9EE0-996112EB812E} */
DEFINE_GUID(IID_IOuter, 0x02350518, 0xA5BA, 0x4620, 0x9E, 0xE0, 0x99, 0x61, 0x12, 0xEB, 0x81, 0x2E);
/* {4BD66DDC-76D7-4C1F-A0B6-53EEC012AB9F}: a class the library does not serve. */
DEFINE_GUID(CLSID_TestMissing, 0x4BD66DDC, 0x76D7, 0x4C1F, 0xA0, 0xB6, 0x53, 0xEE, 0xC0, 0x12, 0xAB, 0x9F);

typedef struct IOuter IOuter;
typedef struct IOuterVtbl {
    HRESULT (*QueryInterface)(IOuter *This, REFIID riid, void **ppvObject);
    ULONG (*AddRef)(IOuter *This);
    ULONG (*Release)(IOuter *This);
    /* Returns the number of live objects of the test library. */
    HRESULT (*LiveObjects)(IOuter *This, LONG *count);
} IOuterVtbl;
struct IOuter {
    const IOuterVtbl *lpVtbl;
};
#define IOuter_QueryInterface(This, riid, ppv) ((This)->lpVtbl->QueryInterface(This, riid, ppv))
#define IOuter_AddRef(This) ((This)->lpVtbl->AddRef(This))
#define IOuter_Release(This) ((This)->lpVtbl->Release(This))
#define IOuter_LiveObjects(This, c) ((This)->lpVtbl->LiveObjects(This, c))

#endif
