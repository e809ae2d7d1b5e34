/*
 * hello.h - the handshake that opens every connection (internal).
 *
 * Each side sends ["comrt", major, minor, oxid, pid] and reads the
 * other's; a different major version, or anything else, is refused. See
 * docs/PROTOCOL.md.
 */
#ifndef COMRT_HELLO_H
#define COMRT_HELLO_H

#include "conn.h"

/* comrt_hello_send - announces oxid (and this process's pid) on s. */
HRESULT comrt_hello_send(comrt_stream *s, REFGUID oxid);

/*
 * comrt_hello_read - the peer's hello within timeout_ms, into *peer (oxid
 * and pid; cred is left alone). RPC_E_TIMEOUT, RPC_E_DISCONNECTED, or
 * RPC_E_INVALID_DATAPACKET with the reason (not a hello, another major
 * version, larger than a hello can be).
 */
HRESULT comrt_hello_read(comrt_stream *s, int timeout_ms, comrt_conn_peer *peer);

#endif /* COMRT_HELLO_H */
