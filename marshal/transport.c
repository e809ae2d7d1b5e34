/* transport.c - finds the transport for an address by its scheme. */
#include <string.h>

#include "transport.h"

const comrt_transport_ops *comrt_transport_for(const char *address, const char **rest)
{
    static const comrt_transport_ops *const all[] = {&comrt_transport_unix};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        size_t n = strlen(all[i]->scheme);
        if (strncmp(address, all[i]->scheme, n) == 0 && address[n] == ':') {
            *rest = address + n + 1;
            return all[i];
        }
    }
    return NULL;
}
