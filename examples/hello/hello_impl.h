/* hello_impl.h - what the hello server's two packagings share (not for clients). */
#ifndef HELLO_IMPL_H
#define HELLO_IMPL_H

#include "hello.h" /* generated from hello.idl */

#define HELLO_PROGID "Hello.Greeter.1"
#define HELLO_VI_PROGID "Hello.Greeter"

/* The class table and lock count (hello.c). */
extern comrt_module hello_module;

/* The embedded type library (hello_tlb.c, generated). */
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

#endif
