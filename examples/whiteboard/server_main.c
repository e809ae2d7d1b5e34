/*
 * server_main.c - whiteboard-server, the local server of Whiteboard.Server:
 *   whiteboard-server -RegServer     register LocalServer32 and the type library
 *   whiteboard-server -UnregServer   remove them
 *   whiteboard-server -Embedding     serve (what activation runs); exits when
 *                                    the last client has gone (boards are lost)
 *   whiteboard-server --service      serve and stay resident until SIGTERM/SIGINT,
 *                                    keeping every board while nobody is connected
 * Environment: WB_QUEUE_LIMIT=N lowers how many changes a client may fall
 * behind before it is dropped (default 4096; tests use small values).
 * Logs (dropped clients) go to stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "board.h"

void wb_log(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One write per line: lines from several threads do not interleave. */
    fprintf(stderr, "whiteboard-server[%d]: %s\n", (int)getpid(), line);
}

int main(int argc, char **argv)
{
    wb_limits lim = WB_LIMITS_DEFAULT;
    const char *q = getenv("WB_QUEUE_LIMIT");
    if (q) {
        char *end;
        unsigned long n = strtoul(q, &end, 10);
        if (*end || n < 1 || n > lim.queue_events) {
            fprintf(stderr, "whiteboard-server: WB_QUEUE_LIMIT must be 1..%zu\n", lim.queue_events);
            return 2;
        }
        lim.queue_events = n;
    }
    wb_boards_init(&lim);
    comrt_exe_server srv = {
        .module = &wb_module,
        .regcls = REGCLS_MULTIPLEUSE,
        .typelib = comrt_typelib_data,
        .typelib_size = comrt_typelib_size,
    };
    int rc = comrt_exe_server_main(&srv, argc, argv);
    /* With every session gone the boards can go; their delivery threads end
     * as soon as their calls in flight do. A resident server stopped by a
     * signal while clients are still connected leaves them to the exit:
     * a session released meanwhile still reaches its board. */
    if (atomic_load(&wb_module.locks) == 0)
        wb_boards_shutdown(2000);
    return rc;
}
