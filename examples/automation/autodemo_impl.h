/* autodemo_impl.h - what the automation example's two packagings share (not for clients). */
#ifndef AUTODEMO_IMPL_H
#define AUTODEMO_IMPL_H

#include "autodemo.h" /* generated from autodemo.idl */

#define AUTODEMO_PROGID "AutoDemo.Object.1"
#define AUTODEMO_VI_PROGID "AutoDemo.Object"

/* The class table and lock count (autodemo.c). */
extern comrt_module autodemo_module;

/* The embedded type library (autodemo_tlb.c, generated). */
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

#endif
