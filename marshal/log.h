/*
 * log.h - the runtime's diagnostics for events no caller can be told about
 * (a dropped connection, a malformed message from a peer). Internal.
 *
 * Library code does not print on its own: messages go to the handler set
 * with comrt_set_log_handler (comrt/objbase.h), or to stderr when the
 * environment variable COMRT_LOG is set, else nowhere.
 */
#ifndef COMRT_LOG_H
#define COMRT_LOG_H

#include "comrt.h"

void comrt_log_warning(const char *fmt, ...) COMRT_PRINTF(1, 2);

#endif /* COMRT_LOG_H */
