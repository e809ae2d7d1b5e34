/*
 * activation.h - the runtime's door into local-server activation (internal;
 * used by runtime/activate.c and runtime/classobj.c).
 */
#ifndef COMRT_ACTIVATION_H
#define COMRT_ACTIVATION_H

#include "comrt.h"

/*
 * comrt_local_activate - the class object (create 0) or a new instance
 * (create 1) of clsid from its local server, as iid, AddRef'd. Launches the
 * server if it is not running. REGDB_E_CLASSNOTREG if the class has no
 * LocalServer32, CO_E_SERVER_EXEC_FAILURE if it cannot be started,
 * RPC_E_DISCONNECTED if it dies on the way; the server's own HRESULT
 * (with its message) otherwise.
 */
HRESULT comrt_local_activate(REFCLSID clsid, int create, REFIID iid, void **ppv);

#endif /* COMRT_ACTIVATION_H */
