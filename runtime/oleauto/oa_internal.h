/*
 * oa_internal.h - shared between variant.c and varconv.c; never installed.
 */
#ifndef COMRT_OA_INTERNAL_H
#define COMRT_OA_INTERNAL_H

#include "comrt.h"

/*
 * oa_coerce_scalar - the conversion matrix for by-value, non-array VARIANTs
 * other than UNKNOWN/DISPATCH/EMPTY/NULL/ERROR targets, which variant.c
 * handles. ps is by value (VT_BYREF removed, VT_INT/VT_UINT kept); pd is a
 * scratch VARIANT whose value union receives the result (its vt is set by the
 * caller). On failure pd owns nothing.
 */
HRESULT oa_coerce_scalar(VARIANT *pd, const VARIANT *ps, USHORT wFlags, VARTYPE vt);

#endif
