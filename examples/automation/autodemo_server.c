/*
 * autodemo_server.c - AutoDemo.Object as a local server (see
 * examples/hello/hello_server.c for the command line).
 */
#include "autodemo_impl.h"

int main(int argc, char **argv)
{
    comrt_exe_server srv = {
        .module = &autodemo_module,
        .regcls = REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
    };
    return comrt_exe_server_main(&srv, argc, argv);
}
