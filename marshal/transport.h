/*
 * transport.h - byte-stream transports behind one ops table (internal).
 *
 * A transport turns an address into connected streams. AF_UNIX is the first
 * implementation; TCP (DCOM) is a second one, not a fork. Everything above
 * this layer (frames, handshake, calls) sees only comrt_stream.
 */
#ifndef COMRT_TRANSPORT_H
#define COMRT_TRANSPORT_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "comrt.h"

typedef struct comrt_stream comrt_stream;
typedef struct comrt_listener comrt_listener;

/* Who is on the other end (SO_PEERCRED for AF_UNIX). */
typedef struct comrt_peer_cred {
    pid_t pid;
    uid_t uid;
    gid_t gid;
} comrt_peer_cred;

typedef struct comrt_transport_ops {
    const char *scheme; /* "unix", "tcp" */
    /* Binds and listens on addr (the part after "scheme:"). Must not block. */
    HRESULT (*listen)(const char *addr, comrt_listener **out);
    /* Accepts one connection; blocks unless the listener's fd is readable. */
    HRESULT (*accept)(comrt_listener *l, comrt_stream **out);
    /* Connects, failing with RPC_E_DISCONNECTED (and error information) if
     * nobody listens. May block up to the connect timeout. */
    HRESULT (*connect)(const char *addr, comrt_stream **out);
    /* Writes all of iov or fails; never raises SIGPIPE. Thread-safe only under
     * the caller's send lock. */
    HRESULT (*sendv)(comrt_stream *s, const struct iovec *iov, int iovcnt);
    /* Reads exactly len bytes. S_FALSE on end of stream before any byte;
     * RPC_E_DISCONNECTED on an error or end of stream within the bytes. */
    HRESULT (*recv)(comrt_stream *s, void *buf, size_t len);
    /* Reads what is there, at least one byte and at most len, into buf:
     * S_OK with *got; S_FALSE at end of stream; E_PENDING when nowait is
     * set and nothing has arrived; RPC_E_DISCONNECTED on an error. */
    HRESULT (*recv_some)(comrt_stream *s, void *buf, size_t len, int nowait, size_t *got);
    HRESULT (*peer_cred)(comrt_stream *s, comrt_peer_cred *cred);
    /* Stops reads and writes in all threads (they return errors) without
     * freeing; safe while another thread blocks in recv. */
    void (*shutdown)(comrt_stream *s);
    void (*close_stream)(comrt_stream *s);
    void (*close_listener)(comrt_listener *l);
    /* Bounds every later recv to ms milliseconds (0: no bound); a recv that
     * runs out fails with RPC_E_TIMEOUT. Used while handshaking. */
    HRESULT (*set_recv_timeout)(comrt_stream *s, int ms);
    int (*stream_fd)(comrt_stream *s);     /* for poll() */
    int (*listener_fd)(comrt_listener *l); /* for poll() */
} comrt_transport_ops;

/* Every stream and listener starts with its ops. */
struct comrt_stream {
    const comrt_transport_ops *ops;
};
struct comrt_listener {
    const comrt_transport_ops *ops;
};

extern const comrt_transport_ops comrt_transport_unix;

/* The transport for "scheme:rest", with *rest pointing after the colon; NULL if unknown. */
const comrt_transport_ops *comrt_transport_for(const char *address, const char **rest);

#endif /* COMRT_TRANSPORT_H */
