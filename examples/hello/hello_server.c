/*
 * hello_server.c - Hello.Greeter as a local server: the same class as
 * libhello.so, in a process of its own, started on demand by activation.
 *   hello-server -RegServer     register LocalServer32 and the type library
 *   hello-server -UnregServer   remove them
 *   hello-server -Embedding     serve (what activation runs), exit when idle
 *   hello-server --service      serve and stay resident
 */
#include "hello_impl.h"

int main(int argc, char **argv)
{
    comrt_exe_server srv = {
        .module = &hello_module,
        .regcls = REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
    };
    return comrt_exe_server_main(&srv, argc, argv);
}
