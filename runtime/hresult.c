/* hresult.c - names and sentences for HRESULTs, for messages people read. */
#include <errno.h>

#include "comrt/hresult.h"

struct hr_entry {
    HRESULT hr;
    const char *name;
    const char *message;
};

#define E(code, text) { code, #code, text }
static const struct hr_entry table[] = {
    E(S_OK, "Success"),
    E(S_FALSE, "Success (false)"),
    E(E_NOTIMPL, "Not implemented"),
    E(E_NOINTERFACE, "No such interface supported"),
    E(E_POINTER, "Invalid pointer"),
    E(E_ABORT, "Operation aborted"),
    E(E_FAIL, "Unspecified error"),
    E(E_PENDING, "The data necessary to complete this operation is not yet available"),
    E(E_BOUNDS, "The operation attempted to access data outside the valid range"),
    E(E_UNEXPECTED, "Catastrophic failure"),
    E(E_ACCESSDENIED, "Access is denied"),
    E(E_HANDLE, "Invalid handle"),
    E(E_OUTOFMEMORY, "Not enough memory"),
    E(E_INVALIDARG, "The parameter is incorrect"),
    { HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)",
      "The system cannot find the file specified" },
    { HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND)",
      "The system cannot find the path specified" },
    { HRESULT_FROM_WIN32(ERROR_BAD_FORMAT), "HRESULT_FROM_WIN32(ERROR_BAD_FORMAT)",
      "An attempt was made to load a program with an incorrect format" },
    { HRESULT_FROM_WIN32(ERROR_INVALID_DATA), "HRESULT_FROM_WIN32(ERROR_INVALID_DATA)", "The data is invalid" },
    { HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED), "HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED)",
      "The request is not supported" },
    { HRESULT_FROM_WIN32(ERROR_FILE_EXISTS), "HRESULT_FROM_WIN32(ERROR_FILE_EXISTS)", "The file exists" },
    { HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER), "HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER)",
      "The data area passed to a system call is too small" },
    { HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_MOD_NOT_FOUND)",
      "The specified module could not be found" },
    { HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND), "HRESULT_FROM_WIN32(ERROR_PROC_NOT_FOUND)",
      "The specified procedure could not be found" },
    { HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS), "HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS)",
      "Cannot create a file when that file already exists" },
    { HRESULT_FROM_WIN32(ERROR_TIMEOUT), "HRESULT_FROM_WIN32(ERROR_TIMEOUT)", "This operation returned because the timeout period expired" },
    { HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE), "HRESULT_FROM_WIN32(RPC_S_SERVER_UNAVAILABLE)",
      "The RPC server is unavailable" },
    { HRESULT_FROM_WIN32(RPC_S_CALL_FAILED), "HRESULT_FROM_WIN32(RPC_S_CALL_FAILED)", "The remote procedure call failed" },
    { HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE), "HRESULT_FROM_WIN32(RPC_S_CALL_FAILED_DNE)",
      "The remote procedure call failed and did not execute" },
    E(CLASS_E_NOAGGREGATION, "Class does not support aggregation (or class object is remote)"),
    E(CLASS_E_CLASSNOTAVAILABLE, "ClassFactory cannot supply requested class"),
    E(CLASS_E_NOTLICENSED, "Class is not licensed for use"),
    E(REGDB_E_READREGDB, "Could not read key from registry"),
    E(REGDB_E_WRITEREGDB, "Could not write key to registry"),
    E(REGDB_E_KEYMISSING, "Could not find the key in the registry"),
    E(REGDB_E_INVALIDVALUE, "Invalid value for registry"),
    E(REGDB_E_CLASSNOTREG, "Class not registered"),
    E(REGDB_E_IIDNOTREG, "Interface not registered"),
    E(REGDB_E_BADTHREADINGMODEL, "Threading model entry is not valid"),
    E(SELFREG_E_TYPELIB, "Failed to register/unregister type library"),
    E(SELFREG_E_CLASS, "Failed to register/unregister class"),
    E(CO_E_NOTINITIALIZED, "CoInitialize has not been called"),
    E(CO_E_ALREADYINITIALIZED, "CoInitialize has already been called"),
    E(CO_E_CANTDETERMINECLASS, "Class of object cannot be determined"),
    E(CO_E_CLASSSTRING, "Invalid class string"),
    E(CO_E_IIDSTRING, "Invalid interface string"),
    E(CO_E_APPNOTFOUND, "Application not found"),
    E(CO_E_APPSINGLEUSE, "Application cannot be run more than once"),
    E(CO_E_ERRORINAPP, "Some error in application program"),
    E(CO_E_DLLNOTFOUND, "DLL for class not found"),
    E(CO_E_ERRORINDLL, "Error in the DLL"),
    E(CO_E_WRONGOSFORAPP, "Wrong operating system or operating system version for application"),
    E(CO_E_OBJNOTREG, "Object is not registered"),
    E(CO_E_OBJISREG, "Object is already registered"),
    E(CO_E_OBJNOTCONNECTED, "Object is not connected to server"),
    E(CO_E_APPDIDNTREG, "Application was launched but it didn't register a class factory"),
    E(CO_E_RELEASED, "Object has been released"),
    E(CO_E_SERVER_EXEC_FAILURE, "Server execution failed"),
    E(CO_E_SERVER_STOPPING, "Object server is stopping when OLE service contacts it"),
    E(RPC_E_CALL_REJECTED, "Call was rejected by callee"),
    E(RPC_E_CALL_CANCELED, "Call was canceled by the message filter"),
    E(RPC_E_SERVER_DIED, "The RPC server died"),
    E(RPC_E_CLIENT_DIED, "The caller is dispatching an intertask SendMessage call and cannot call out"),
    E(RPC_E_INVALID_DATAPACKET, "The data packet with the marshalled parameter data is incorrect"),
    E(RPC_E_INVALID_DATA, "Received data is invalid"),
    E(RPC_E_INVALID_PARAMETER, "A particular parameter is invalid and cannot be (un)marshalled"),
    E(RPC_E_SERVER_DIED_DNE, "The callee (server) died and the call did not execute"),
    E(RPC_E_SERVERFAULT, "The server threw an exception"),
    E(RPC_E_CHANGED_MODE, "Cannot change thread mode after it is set"),
    E(RPC_E_DISCONNECTED, "The object invoked has disconnected from its clients"),
    E(RPC_E_SERVERCALL_RETRYLATER, "The message filter indicated that the application is busy"),
    E(RPC_E_WRONG_THREAD, "The application called an interface that was marshalled for a different thread"),
    E(RPC_E_INVALID_OBJREF, "The marshaled interface data packet (OBJREF) has an invalid or unknown format"),
    E(CO_E_NOT_SUPPORTED, "This operation is not supported"),
    E(RPC_E_TIMEOUT, "This operation returned because the timeout period expired"),
    E(STG_E_INVALIDFUNCTION, "Unable to perform requested operation"),
    E(STG_E_INVALIDPOINTER, "Invalid pointer error"),
    E(STG_E_SEEKERROR, "An error occurred during a seek operation"),
    E(STG_E_READFAULT, "A disk error occurred during a read operation"),
    E(STG_E_MEDIUMFULL, "There is insufficient disk space to complete operation"),
    E(DISP_E_UNKNOWNINTERFACE, "Unknown interface"),
    E(DISP_E_MEMBERNOTFOUND, "Member not found"),
    E(DISP_E_PARAMNOTFOUND, "Parameter not found"),
    E(DISP_E_TYPEMISMATCH, "Type mismatch"),
    E(DISP_E_UNKNOWNNAME, "Unknown name"),
    E(DISP_E_NONAMEDARGS, "No named arguments"),
    E(DISP_E_BADVARTYPE, "Bad variable type"),
    E(DISP_E_EXCEPTION, "Exception occurred"),
    E(DISP_E_OVERFLOW, "Out of present range"),
    E(DISP_E_BADINDEX, "Invalid index"),
    E(DISP_E_UNKNOWNLCID, "Unknown language"),
    E(DISP_E_ARRAYISLOCKED, "Memory is locked"),
    E(DISP_E_BADPARAMCOUNT, "Invalid number of parameters"),
    E(DISP_E_PARAMNOTOPTIONAL, "Parameter not optional"),
    E(DISP_E_BADCALLEE, "Invalid callee"),
    E(DISP_E_NOTACOLLECTION, "Does not support a collection"),
    E(DISP_E_DIVBYZERO, "Division by zero"),
    E(TYPE_E_INVDATAREAD, "Old format or invalid type library"),
    E(TYPE_E_UNSUPFORMAT, "Old format or invalid type library"),
    E(TYPE_E_REGISTRYACCESS, "Error accessing the registry"),
    E(TYPE_E_LIBNOTREGISTERED, "Library not registered"),
    E(TYPE_E_INVALIDSTATE, "Invalid state"),
    E(TYPE_E_WRONGTYPEKIND, "Wrong type kind"),
    E(TYPE_E_ELEMENTNOTFOUND, "Element not found"),
    E(TYPE_E_CANTLOADLIBRARY, "Error loading type library/DLL"),
    /* CONNECT_E_NOCONNECTION and CONNECT_E_ADVISELIMIT have the values of
     * SELFREG_E_TYPELIB and SELFREG_E_CLASS above (FACILITY_ITF codes mean
     * what their interface says), so they are reported under those names;
     * the connection-point helper's error information says which it is. */
    E(CONNECT_E_CANNOTCONNECT, "The sink does not support the interface required by this connection point"),
    E(CONNECT_E_OVERRIDDEN, "The connection point is overridden"),
};
#undef E

static const struct hr_entry *lookup(HRESULT hr)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].hr == hr)
            return &table[i];
    return NULL;
}

const char *comrt_hresult_name(HRESULT hr)
{
    const struct hr_entry *e = lookup(hr);
    return e ? e->name : NULL;
}

const char *comrt_hresult_message(HRESULT hr)
{
    const struct hr_entry *e = lookup(hr);
    return e ? e->message : "Unknown error";
}

HRESULT comrt_hresult_from_errno(int err)
{
    switch (err) {
    case 0: return S_OK;
    case ENOENT: return HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND);
    case ENOTDIR: return HRESULT_FROM_WIN32(ERROR_PATH_NOT_FOUND);
    case EACCES:
    case EPERM:
    case EROFS: return E_ACCESSDENIED;
    case ENOMEM: return E_OUTOFMEMORY;
    case EINVAL: return E_INVALIDARG;
    case EEXIST: return HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS);
    case EBADF: return E_HANDLE;
    case ETIMEDOUT: return HRESULT_FROM_WIN32(ERROR_TIMEOUT);
    case ENOEXEC: return HRESULT_FROM_WIN32(ERROR_BAD_FORMAT);
    case ENOTSUP: return HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED);
    default: return E_FAIL;
    }
}
