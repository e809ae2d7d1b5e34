/*
 * rendezvous.h - where a client finds the running server of a class
 * (internal). See docs/activation.md.
 *
 * Everything lives in the per-user runtime directory ($XDG_RUNTIME_DIR/comrt,
 * else /tmp/comrt-$UID; mode 0700, owned by the user). A server publishes a
 * class by holding an exclusive flock on "class-{CLSID}.lock" and writing its
 * endpoint address into it. The kernel drops the lock when the process dies,
 * however it dies, so a stale file is recognised at once (nobody holds its
 * lock) and never trusted. "class-{CLSID}.launch" serializes launches, so two
 * clients activating at the same instant start one server.
 */
#ifndef COMRT_RENDEZVOUS_H
#define COMRT_RENDEZVOUS_H

#include "comrt.h"

/* comrt_runtime_dir - the directory (created 0700 if missing; refused if not
 * the user's own, or not private) into buf. */
HRESULT comrt_runtime_dir(char *buf, size_t size);

/* A published class: an open, exclusively locked file. */
typedef struct comrt_publication {
    int fd;
} comrt_publication;

/*
 * comrt_rendezvous_publish - takes the class's lock and writes address
 * into it. CO_E_OBJISREG (with error information) if a live process
 * already publishes the class.
 */
HRESULT comrt_rendezvous_publish(REFCLSID clsid, const char *address, comrt_publication *pub);
/* comrt_rendezvous_withdraw - releases the lock (the file stays, inert). */
void comrt_rendezvous_withdraw(comrt_publication *pub);

/*
 * comrt_rendezvous_find - the address of the live publisher of clsid, in a
 * malloc'ed string. S_FALSE (and NULL) when nobody publishes it.
 */
HRESULT comrt_rendezvous_find(REFCLSID clsid, char **address);

/* The launch lock: held while one client starts a server. */
typedef struct comrt_launch_lock {
    int fd;
} comrt_launch_lock;

/* comrt_launch_lock_take - waits up to timeout_ms. RPC_E_TIMEOUT if another client holds it longer. */
HRESULT comrt_launch_lock_take(REFCLSID clsid, int timeout_ms, comrt_launch_lock *lock);
void comrt_launch_lock_release(comrt_launch_lock *lock);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
int64_t comrt_now_ms(void);

#endif /* COMRT_RENDEZVOUS_H */
