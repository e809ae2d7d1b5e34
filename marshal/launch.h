/*
 * launch.h - starting a local server for a class (internal).
 */
#ifndef COMRT_LAUNCH_H
#define COMRT_LAUNCH_H

#include "comrt.h"

/* Default bound on waiting for a launched server to publish its class. */
#define COMRT_ACTIVATION_TIMEOUT_MS_DEFAULT 30000

/* The bound in force: COMRT_ACTIVATION_TIMEOUT_MS if set (1..3600000), else the default. */
int comrt_activation_timeout_ms(void);

/*
 * comrt_split_command - splits a LocalServer32 command line into a
 * NULL-terminated, malloc'ed argv (one block; free with free()). Words are
 * separated by blanks; "double" and 'single' quotes group, backslash escapes
 * the next character outside single quotes. E_INVALIDARG (with error
 * information) for an unterminated quote or an empty command.
 */
HRESULT comrt_split_command(const char *cmdline, char ***argv);

/*
 * comrt_launch_server - runs the class's LocalServer32 command with
 * -Embedding appended and waits, up to the activation timeout, until the
 * class is published. *address receives the publisher's address (malloc'ed).
 * CO_E_SERVER_EXEC_FAILURE with the reason if the program cannot be started,
 * exits or dies before publishing, or does not publish in time;
 * REGDB_E_CLASSNOTREG if the class has no LocalServer32.
 * The caller holds the class's launch lock.
 */
HRESULT comrt_launch_server(REFCLSID clsid, char **address);

#endif /* COMRT_LAUNCH_H */
