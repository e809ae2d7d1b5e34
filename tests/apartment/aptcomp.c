/*
 * aptcomp.c - an in-proc component for the apartment tests: three classes
 * that differ only in the ThreadingModel they are registered with (the test
 * writes the registry), each making aptobj.c's ICallback, whose ThreadId
 * tells on which thread its calls run.
 */
#include "aptobj.h"

/* {6A1D3C60-5B4E-4C1A-9E0F-2D7B8A9C0E11} ... 13, 14: Apartment, Free, Both */
const CLSID CLSID_AptApartment = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x11}};
const CLSID CLSID_AptFree = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x13}};
const CLSID CLSID_AptBoth = {0x6a1d3c60, 0x5b4e, 0x4c1a, {0x9e, 0x0f, 0x2d, 0x7b, 0x8a, 0x9c, 0x0e, 0x14}};

/* One class object for the three classes, alive as long as the library. */
static AptFactory factory = {{&aptfactory_vtbl}, 1};

COMRT_EXPORT HRESULT DllGetClassObject(REFCLSID rclsid, REFIID riid, LPVOID *ppv)
{
    if (!IsEqualCLSID(rclsid, &CLSID_AptApartment) && !IsEqualCLSID(rclsid, &CLSID_AptFree) &&
        !IsEqualCLSID(rclsid, &CLSID_AptBoth)) {
        *ppv = NULL;
        return CLASS_E_CLASSNOTAVAILABLE;
    }
    return aptfactory_QueryInterface(&factory.iface, riid, ppv);
}

COMRT_EXPORT HRESULT DllCanUnloadNow(void)
{
    return atomic_load(&aptobj_live) ? S_FALSE : S_OK;
}
