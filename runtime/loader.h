/* loader.h - in-proc server libraries (loader.c). Internal. */
#ifndef COMRT_LOADER_H
#define COMRT_LOADER_H

#include "comrt.h"

/* ThreadingModel of an in-proc class, as registered. */
enum comrt_threading {
    COMRT_THREADING_MAIN,      /* absent: the process's main STA */
    COMRT_THREADING_APARTMENT,
    COMRT_THREADING_FREE,
    COMRT_THREADING_BOTH,
    COMRT_THREADING_NEUTRAL,
};

struct comrt_library;

/*
 * comrt_loader_acquire - the library serving clsid, loaded if needed and
 * pinned (not unloadable) until comrt_loader_release. Errors carry error
 * information: REGDB_E_CLASSNOTREG, CO_E_DLLNOTFOUND, CO_E_ERRORINDLL,
 * REGDB_E_BADTHREADINGMODEL, REGDB_E_READREGDB, E_OUTOFMEMORY.
 */
HRESULT comrt_loader_acquire(REFCLSID clsid, struct comrt_library **lib, enum comrt_threading *model);
void comrt_loader_release(struct comrt_library *lib);

/* Calls the library's DllGetClassObject; a failure gets error information. */
HRESULT comrt_loader_get_class_object(struct comrt_library *lib, REFCLSID clsid, REFIID riid, void **ppv);

#endif /* COMRT_LOADER_H */
