/* nogco.c - a library that forgot DllGetClassObject (tests only). */
#include <comrt.h>

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return S_OK;
}
