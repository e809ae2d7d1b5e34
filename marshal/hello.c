/* hello.c - the connection handshake; see hello.h. */
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../runtime/internal.h"
#include "frame.h"
#include "hello.h"
#include "msgcheck.h"

HRESULT comrt_hello_send(comrt_stream *s, REFGUID oxid)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str_with_body(&pk, "comrt", 5);
    msgpack_pack_uint32(&pk, COMRT_PROTOCOL_MAJOR);
    msgpack_pack_uint32(&pk, COMRT_PROTOCOL_MINOR);
    msgpack_pack_bin_with_body(&pk, oxid, sizeof(GUID));
    msgpack_pack_uint32(&pk, (uint32_t)getpid());
    HRESULT hr = comrt_frame_write(s, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return hr;
}

HRESULT comrt_hello_read(comrt_stream *s, int timeout_ms, comrt_conn_peer *peer)
{
    struct pollfd p = {s->ops->stream_fd(s), POLLIN, 0};
    comrt_msg m;
    size_t off = 0;
    HRESULT hr;

    if (poll(&p, 1, timeout_ms) <= 0)
        return comrt_error_set(RPC_E_TIMEOUT, "no handshake from the peer within %d ms", timeout_ms);
    memset(&m, 0, sizeof m);
    /* A hello is small: refuse anything larger before allocating. */
    hr = comrt_frame_read(s, 256, &m.frame, &m.len);
    if (hr != S_OK)
        return hr == S_FALSE ? comrt_error_set(RPC_E_DISCONNECTED, "the peer closed the connection in the handshake")
                             : hr;
    msgpack_unpacked_init(&m.up);
    const msgpack_object *a = NULL;
    if (m.frame && comrt_msgpack_plausible(m.frame, m.len) &&
        msgpack_unpack_next(&m.up, m.frame, m.len, &off) == MSGPACK_UNPACK_SUCCESS &&
        m.up.data.type == MSGPACK_OBJECT_ARRAY && m.up.data.via.array.size >= 5)
        a = m.up.data.via.array.ptr;
    if (!a || a[0].type != MSGPACK_OBJECT_STR || a[0].via.str.size != 5 || memcmp(a[0].via.str.ptr, "comrt", 5) ||
        a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
        a[3].type != MSGPACK_OBJECT_BIN || a[3].via.bin.size != sizeof(GUID) ||
        a[4].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        hr = comrt_error_set(RPC_E_INVALID_DATAPACKET, "the peer's handshake is not a comrt hello");
    } else if (a[1].via.u64 != COMRT_PROTOCOL_MAJOR) {
        hr = comrt_error_set(RPC_E_INVALID_DATAPACKET, "the peer speaks protocol %llu.%llu; this is %d.%d",
                             (unsigned long long)a[1].via.u64, (unsigned long long)a[2].via.u64,
                             COMRT_PROTOCOL_MAJOR, COMRT_PROTOCOL_MINOR);
    } else {
        memcpy(&peer->oxid, a[3].via.bin.ptr, sizeof(GUID));
        peer->pid = (uint32_t)a[4].via.u64;
        hr = S_OK;
    }
    comrt_msg_free(&m);
    return hr;
}
