/*
 * fuzz_message.c - libFuzzer target for what a server does with bytes from
 * a peer after the handshake: the frame decoder (conn.c's buffered reader,
 * comrt_frame_reader, over an in-memory stream holding the input, which
 * hands it out in uneven pieces as a socket might), the plausibility scan and msgpack
 * unpack (as conn.c's read_msg), then the exporter's handling of REQUEST
 * and RELEASE messages (comrt_export_dispatch / comrt_export_release) on a
 * real connection backed by a socketpair, whose replies are read back.
 *
 * Checked besides not crashing or leaking:
 *  - comrt_msgpack_plausible accepts => msgpack_unpack_next succeeds and
 *    consumes the whole body, and the unpacked tree has no more objects
 *    than the body has bytes (no allocation beyond ~24x the frame);
 *  - every REQUEST is answered with exactly one well-formed REPLY carrying
 *    its call id, or drops the connection (header unreadable);
 *  - nothing is exported, so nothing may succeed but a call's failure.
 * Input: a stream of frames (4-byte big-endian length + body), as on the wire.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../marshal/conn.h"
#include "../../marshal/frame.h"
#include "../../marshal/msgcheck.h"
#include "../../marshal/orpc.h"
#include "../../marshal/rendezvous.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An in-memory stream over the input (the frame decoder's view). */
typedef struct {
    comrt_stream base;
    const uint8_t *p;
    size_t left;
} mem_stream;

static HRESULT mem_recv(comrt_stream *s, void *buf, size_t len)
{
    mem_stream *m = (mem_stream *)s;
    if (m->left == 0)
        return S_FALSE;
    if (m->left < len) {
        m->left = 0;
        return RPC_E_DISCONNECTED;
    }
    memcpy(buf, m->p, len);
    m->p += len;
    m->left -= len;
    return S_OK;
}
static HRESULT mem_recv_some(comrt_stream *s, void *buf, size_t len, int nowait, size_t *got)
{
    mem_stream *m = (mem_stream *)s;
    (void)nowait;
    *got = 0;
    if (m->left == 0)
        return S_FALSE;
    size_t n = 1 + m->left % 13; /* pieces of 1..13 bytes */
    if (n > len)
        n = len;
    if (n > m->left)
        n = m->left;
    memcpy(buf, m->p, n);
    m->p += n;
    m->left -= n;
    *got = n;
    return S_OK;
}
static const comrt_transport_ops mem_ops = {.scheme = "mem", .recv = mem_recv, .recv_some = mem_recv_some};

/* The server's end of a socketpair, as a comrt stream. */
typedef struct {
    comrt_stream base;
    int fd;
} fd_stream;

static HRESULT fd_sendv(comrt_stream *s, const struct iovec *iov, int n)
{
    struct msghdr mh = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n};
    size_t want = 0;
    for (int i = 0; i < n; i++)
        want += iov[i].iov_len;
    /* replies are small and drained after each message: one write does it */
    return sendmsg(((fd_stream *)s)->fd, &mh, MSG_NOSIGNAL) == (ssize_t)want ? S_OK : RPC_E_DISCONNECTED;
}
static HRESULT fd_recv(comrt_stream *s, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(((fd_stream *)s)->fd, (char *)buf + got, len - got, 0);
        if (n <= 0)
            return got == 0 && n == 0 ? S_FALSE : RPC_E_DISCONNECTED;
        got += (size_t)n;
    }
    return S_OK;
}
static HRESULT fd_recv_some(comrt_stream *s, void *buf, size_t len, int nowait, size_t *got)
{
    ssize_t n = recv(((fd_stream *)s)->fd, buf, len, nowait ? MSG_DONTWAIT : 0);
    *got = n > 0 ? (size_t)n : 0;
    return n > 0 ? S_OK : n == 0 ? S_FALSE : nowait && errno == EAGAIN ? E_PENDING : RPC_E_DISCONNECTED;
}
static void fd_shutdown(comrt_stream *s)
{
    shutdown(((fd_stream *)s)->fd, SHUT_RDWR);
}
static void fd_close(comrt_stream *s)
{
    close(((fd_stream *)s)->fd);
    free(s);
}
static int fd_fd(comrt_stream *s)
{
    return ((fd_stream *)s)->fd;
}
static const comrt_transport_ops fd_ops = {
    .scheme = "fd", .sendv = fd_sendv, .recv = fd_recv, .recv_some = fd_recv_some, .shutdown = fd_shutdown,
    .close_stream = fd_close, .stream_fd = fd_fd};

static comrt_conn *conn;
static int peer = -1;
/* Closed connections, kept referenced a while so the pool drops its own
 * reference first (keeps the leak checker off asynchronous frees). */
static comrt_conn *graveyard[256]; /* >= 4 inputs of at most 64 frames */
static int64_t buried_at[256];
static unsigned graves;

static void bury_conn(void);

static void write_all(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            abort();
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

/* At exit, after the pool has caught up, nothing may be left but what we hold. */
static void bury_all(void)
{
    if (conn)
        bury_conn();
    usleep(200000);
    for (unsigned i = 0; i < 256; i++)
        if (graveyard[i])
            comrt_conn_unref(graveyard[i]), graveyard[i] = NULL;
}

static void open_conn(void)
{
    static int once;
    if (!once++)
        atexit(bury_all);
    static const GUID our = {0x0F000001, 0, 0x4000, {0x80, 0, 0, 0, 0, 0, 0, 1}};
    int sv[2];
    msgpack_sbuffer sb;
    msgpack_packer pk;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
        abort();
    /* The peer's hello, queued before the server side reads it. */
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str_with_body(&pk, "comrt", 5);
    msgpack_pack_uint32(&pk, 1), msgpack_pack_uint32(&pk, 0);
    msgpack_pack_bin_with_body(&pk, &our, sizeof our);
    msgpack_pack_uint32(&pk, 1);
    unsigned char h[4] = {0, 0, 0, (unsigned char)sb.size};
    write_all(sv[1], h, 4);
    write_all(sv[1], sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    fd_stream *s = calloc(1, sizeof *s);
    s->base.ops = &fd_ops;
    s->fd = sv[0];
    comrt_conn_owner owner = {NULL, NULL, NULL};
    if (FAILED(comrt_conn_open(&s->base, &our, &owner, 1000, &conn)))
        abort();
    peer = sv[1];
    /* the server's hello */
    char buf[300];
    if (recv(peer, buf, 4, MSG_WAITALL) != 4 || buf[0] || buf[1] || buf[2] ||
        recv(peer, buf, (size_t)(unsigned char)buf[3], MSG_WAITALL) < 1)
        abort();
}

static void bury_conn(void)
{
    comrt_conn_close(conn);
    unsigned slot = graves++ % 256;
    if (graveyard[slot]) {
        /* the pool drops its reference asynchronously: give it 100 ms */
        int64_t age = comrt_now_ms() - buried_at[slot];
        if (age < 100)
            usleep((useconds_t)(100 - age) * 1000);
        comrt_conn_unref(graveyard[slot]);
    }
    graveyard[slot] = conn;
    buried_at[slot] = comrt_now_ms();
    close(peer);
    conn = NULL;
    peer = -1;
}

/* Objects in an unpacked tree (each costs one msgpack_object in the zone). */
static uint64_t count_objects(const msgpack_object *o)
{
    uint64_t n = 1;
    if (o->type == MSGPACK_OBJECT_ARRAY)
        for (uint32_t i = 0; i < o->via.array.size; i++)
            n += count_objects(&o->via.array.ptr[i]);
    else if (o->type == MSGPACK_OBJECT_MAP)
        for (uint32_t i = 0; i < o->via.map.size; i++)
            n += count_objects(&o->via.map.ptr[i].key) + count_objects(&o->via.map.ptr[i].val);
    return n;
}

/* Reads back what the server sent for one REQUEST with call id `id`
 * (-1: unreadable, the connection must be dropped). */
static void check_answer(int64_t id)
{
    char hdr[4], body[4096];
    ssize_t n = recv(peer, hdr, 4, MSG_DONTWAIT);
    if (id < 0) {
        if (n != 0 || !comrt_conn_is_closed(conn))
            abort(); /* an unreadable request must drop the connection, unanswered */
        return;
    }
    if (n != 4)
        abort(); /* dispatch answers before returning */
    size_t len = (size_t)(uint8_t)hdr[0] << 24 | (size_t)(uint8_t)hdr[1] << 16 | (size_t)(uint8_t)hdr[2] << 8 |
                 (uint8_t)hdr[3];
    if (len > sizeof body || recv(peer, body, len, MSG_WAITALL) != (ssize_t)len || !comrt_msgpack_plausible(body, len))
        abort();
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    if (msgpack_unpack_next(&up, body, len, NULL) != MSGPACK_UNPACK_SUCCESS)
        abort();
    const msgpack_object *a = up.data.via.array.ptr;
    if (up.data.type != MSGPACK_OBJECT_ARRAY || up.data.via.array.size < 4 || a[0].via.u64 != COMRT_MSG_REPLY ||
        a[1].via.u64 != (uint64_t)id || a[3].type != MSGPACK_OBJECT_ARRAY ||
        (a[2].type != MSGPACK_OBJECT_NEGATIVE_INTEGER) /* nothing is exported: every call fails */)
        abort();
    msgpack_unpacked_destroy(&up);
}

static void handle(char *frame, size_t len)
{
    comrt_msg m;
    size_t off = 0;
    int plausible = frame && comrt_msgpack_plausible(frame, len);

    memset(&m, 0, sizeof m);
    m.frame = frame;
    m.len = len;
    msgpack_unpacked_init(&m.up);
    if (!plausible) {
        comrt_msg_free(&m);
        return; /* read_msg drops the connection */
    }
    if (msgpack_unpack_next(&m.up, frame, len, &off) != MSGPACK_UNPACK_SUCCESS) {
        /* only msgpack-c's nesting limit may refuse a plausible message */
        if (len < 32)
            abort();
        comrt_msg_free(&m);
        return;
    }
    if (off != len || count_objects(&m.up.data) > len)
        abort();
    if (m.up.data.type != MSGPACK_OBJECT_ARRAY || m.up.data.via.array.size < 2 ||
        m.up.data.via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        comrt_msg_free(&m);
        return;
    }
    m.items = m.up.data.via.array.ptr;
    m.nitems = m.up.data.via.array.size;
    if (!conn)
        open_conn();
    if (m.items[0].via.u64 == COMRT_MSG_REQUEST) {
        int64_t id = m.nitems >= 2 && m.items[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                             m.items[1].via.u64 <= UINT32_MAX
                         ? (int64_t)m.items[1].via.u64
                         : -1;
        comrt_export_dispatch(conn, &m); /* takes m */
        check_answer(id);
    } else {
        if (m.items[0].via.u64 == COMRT_MSG_RELEASE)
            comrt_export_release(conn, &m);
        comrt_msg_free(&m);
    }
    CoTaskMemFree(comrt_error_take_description());
    if (comrt_conn_is_closed(conn))
        bury_conn();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mem_stream s = {{&mem_ops}, data, size};
    comrt_frame_reader rd = {0};
    for (int i = 0; i < 64; i++) {
        char *body = NULL;
        size_t len = 0;
        HRESULT hr = comrt_frame_reader_header(&rd, &s.base, 4096, &len);
        if (hr == S_OK)
            hr = comrt_frame_reader_body(&rd, &s.base, len, &body);
        if (hr != S_OK) {
            if (body)
                abort();
            CoTaskMemFree(comrt_error_take_description());
            break;
        }
        if (len > 4096 || (len && !body))
            abort();
        handle(body, len); /* takes body */
    }
    comrt_frame_reader_destroy(&rd);
    if (comrt_export_count() != 0)
        abort();
    return 0;
}
