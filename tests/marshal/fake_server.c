/*
 * fake_server.c - a stand-in local server for the launch tests:
 *   fake_server MODE CLSID -Embedding
 * MODE ok: publish "unix:fake-PID" and wait; exit3: exit(3) at once;
 * crash: abort(); hang: never publish.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../marshal/rendezvous.h"

int main(int argc, char **argv)
{
    GUID clsid;
    if (argc != 4 || strcmp(argv[3], "-Embedding") != 0 || FAILED(comrt_guid_parse(argv[2], 0, &clsid)))
        return 64;
    if (!strcmp(argv[1], "exit3"))
        return 3;
    if (!strcmp(argv[1], "crash"))
        abort();
    if (!strcmp(argv[1], "ok")) {
        char addr[64];
        comrt_publication pub;
        snprintf(addr, sizeof addr, "unix:fake-%d", (int)getpid());
        if (comrt_rendezvous_publish(&clsid, addr, &pub) != S_OK)
            return 65;
    }
    for (;;)
        pause();
}
