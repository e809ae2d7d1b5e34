/*
 * comrt.h - the umbrella header of comrt, a COM-style component runtime.
 *
 * Names, values and layouts are COM's (see docs/porting.md for the few
 * differences: UTF-8 strings, SysV calling convention, the registry file).
 */
#ifndef COMRT_H
#define COMRT_H

#include "comrt/types.h"
#include "comrt/hresult.h"
#include "comrt/guid.h"
#include "comrt/unknwn.h"
#include "comrt/errorinfo.h"
#include "comrt/objbase.h"
#include "comrt/oleauto.h"
#include "comrt/registry.h"
#include "comrt/typelib.h"
#include "comrt/typeinfo.h"
#include "comrt/dispatch.h"
#include "comrt/apartment.h"
#include "comrt/objidl.h"
#include "comrt/ocidl.h"
#include "comrt/connpt.h"

#ifndef __cplusplus
#include "comrt/server.h"
#endif

#endif /* COMRT_H */
