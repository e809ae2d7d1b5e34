/* log.c - see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"

static comrt_log_fn handler;

void comrt_set_log_handler(comrt_log_fn fn)
{
    handler = fn;
}

void comrt_log_warning(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    comrt_log_fn h = handler;

    if (!h && !getenv("COMRT_LOG"))
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (h)
        h(buf);
    else
        fprintf(stderr, "comrt[%d]: %s\n", (int)getpid(), buf);
}
