/*
 * test_conn.c - connections over real AF_UNIX sockets: calls and replies,
 * concurrent callers on one connection, a callback from the callee during a
 * call, loss of the peer mid-call, malformed data and a bad handshake.
 */
#define INITGUID
#include <check.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../check_main.h"
#include "../../marshal/bulkread.h"
#include "../../marshal/conn.h"
#include "../../marshal/frame.h"
#include "../../marshal/rendezvous.h"

DEFINE_GUID(OXID_A, 0x0D00000A, 0, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x0A);
DEFINE_GUID(OXID_B, 0x0D00000B, 0, 0x4000, 0x80, 0, 0, 0, 0, 0, 0, 0x0B);

/* Packs [type, id, a, b] with a uint and a string. */
static void pack4(msgpack_sbuffer *sb, int type, uint32_t id, uint64_t a, const char *b)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint32(&pk, (uint32_t)type);
    msgpack_pack_uint32(&pk, id);
    msgpack_pack_uint64(&pk, a);
    msgpack_pack_str_with_body(&pk, b, strlen(b));
}

/* Server side: a request [0, id, n, text] is answered [1, id, n + 1, text];
 * text "callback" first makes a call back to the requester. */
static atomic_int closed_count;
static void server_on_message(comrt_conn *c, comrt_msg *m, void *ctx)
{
    (void)ctx;
    if (m->nitems == 4 && m->items[0].via.u64 == COMRT_MSG_REQUEST) {
        uint32_t id = (uint32_t)m->items[1].via.u64;
        uint64_t n = m->items[2].via.u64;
        char text[64] = "";
        snprintf(text, sizeof text, "%.*s", (int)m->items[3].via.str.size, m->items[3].via.str.ptr);
        if (!strcmp(text, "callback")) {
            msgpack_sbuffer sb;
            comrt_msg reply;
            uint32_t cid = comrt_conn_next_call_id(c);
            pack4(&sb, COMRT_MSG_REQUEST, cid, 1000, "from-server");
            if (comrt_conn_call(c, cid, sb.data, sb.size, &reply) == S_OK) {
                n += reply.items[2].via.u64; /* 1001 */
                comrt_msg_free(&reply);
            }
            msgpack_sbuffer_destroy(&sb);
        }
        if (!strcmp(text, "slow"))
            usleep(200000);
        msgpack_sbuffer sb;
        pack4(&sb, COMRT_MSG_REPLY, id, n + 1, text);
        comrt_conn_send(c, sb.data, sb.size);
        msgpack_sbuffer_destroy(&sb);
    }
    comrt_msg_free(m);
}

static void on_closed(comrt_conn *c, void *ctx)
{
    (void)c;
    (void)ctx;
    atomic_fetch_add(&closed_count, 1);
}

static pthread_t client_thread;
static void client_on_message(comrt_conn *c, comrt_msg *m, void *ctx)
{
    (void)ctx;
    client_thread = pthread_self();
    server_on_message(c, m, NULL); /* the same echo */
}

struct accept_arg {
    comrt_listener *l;
    comrt_conn *conn;
    HRESULT hr;
};

static void *accept_thread(void *p)
{
    struct accept_arg *a = p;
    comrt_stream *s = NULL;
    struct pollfd pf = {a->l->ops->listener_fd(a->l), POLLIN, 0};
    poll(&pf, 1, 5000);
    a->hr = a->l->ops->accept(a->l, &s);
    if (a->hr == S_OK) {
        comrt_conn_owner o = {server_on_message, on_closed, NULL};
        a->hr = comrt_conn_open(s, &OXID_B, &o, 5000, &a->conn);
    }
    return NULL;
}

static void make_pair(comrt_conn **client, comrt_conn **server)
{
    char dir[2048], path[2100];
    comrt_stream *s = NULL;
    struct accept_arg a = {0};
    pthread_t t;
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), S_OK);
    snprintf(path, sizeof path, "%s/conn-%d.sock", dir, (int)getpid());
    ck_assert_int_eq(comrt_transport_unix.listen(path, &a.l), S_OK);
    pthread_create(&t, NULL, accept_thread, &a);
    ck_assert_int_eq(comrt_transport_unix.connect(path, &s), S_OK);
    comrt_conn_owner o = {client_on_message, on_closed, NULL};
    ck_assert_int_eq(comrt_conn_open(s, &OXID_A, &o, 5000, client), S_OK);
    pthread_join(t, NULL);
    ck_assert_int_eq(a.hr, S_OK);
    comrt_transport_unix.close_listener(a.l);
    *server = a.conn;
}

static HRESULT call(comrt_conn *c, uint64_t n, const char *text, uint64_t *result)
{
    msgpack_sbuffer sb;
    comrt_msg reply;
    uint32_t id = comrt_conn_next_call_id(c);
    pack4(&sb, COMRT_MSG_REQUEST, id, n, text);
    HRESULT hr = comrt_conn_call(c, id, sb.data, sb.size, &reply);
    msgpack_sbuffer_destroy(&sb);
    if (hr == S_OK) {
        ck_assert_uint_eq(reply.items[1].via.u64, id);
        *result = reply.items[2].via.u64;
        comrt_msg_free(&reply);
    }
    return hr;
}

START_TEST(calls_and_peer_identity)
{
    comrt_conn *c, *s;
    uint64_t r = 0;
    make_pair(&c, &s);
    ck_assert(IsEqualGUID(&comrt_conn_peer_info(c)->oxid, &OXID_B));
    ck_assert(IsEqualGUID(&comrt_conn_peer_info(s)->oxid, &OXID_A));
    ck_assert_int_eq(comrt_conn_peer_info(s)->cred.pid, getpid());
    ck_assert_int_eq(comrt_conn_peer_info(s)->cred.uid, getuid());
    for (uint64_t i = 0; i < 1000; i++) {
        ck_assert_int_eq(call(c, i, "x", &r), S_OK);
        ck_assert_uint_eq(r, i + 1);
    }
    /* the symmetric direction works too */
    ck_assert_int_eq(call(s, 41, "y", &r), S_OK);
    ck_assert_uint_eq(r, 42);
    comrt_conn_close(c);
    comrt_conn_unref(c);
    comrt_conn_unref(s);
}
END_TEST

static comrt_conn *shared;
static void *hammer(void *arg)
{
    uintptr_t base = (uintptr_t)arg * 100000;
    for (uint64_t i = 0; i < 500; i++) {
        uint64_t r = 0;
        if (call(shared, base + i, i % 50 == 0 ? "slowish" : "x", &r) != S_OK || r != base + i + 1)
            return (void *)1;
    }
    return NULL;
}

START_TEST(eight_concurrent_callers)
{
    comrt_conn *s;
    pthread_t t[8];
    void *rc;
    make_pair(&shared, &s);
    for (uintptr_t i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, hammer, (void *)i);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], &rc);
        ck_assert_ptr_null(rc);
    }
    comrt_conn_close(shared);
    comrt_conn_unref(shared);
    comrt_conn_unref(s);
}
END_TEST

START_TEST(callback_during_call)
{
    comrt_conn *c, *s;
    uint64_t r = 0;
    make_pair(&c, &s);
    client_thread = 0;
    ck_assert_int_eq(call(c, 5, "callback", &r), S_OK);
    ck_assert_uint_eq(r, 5 + 1001 + 1);
    /* the caller itself ran the callback while it waited: no other thread */
    ck_assert(pthread_equal(client_thread, pthread_self()));
    comrt_conn_close(c);
    comrt_conn_unref(c);
    comrt_conn_unref(s);
}
END_TEST

static void *close_soon(void *p)
{
    usleep(50000);
    comrt_conn_close(p);
    return NULL;
}

START_TEST(peer_lost_mid_call)
{
    comrt_conn *c, *s;
    uint64_t r = 0;
    pthread_t t;
    atomic_store(&closed_count, 0);
    make_pair(&c, &s);
    pthread_create(&t, NULL, close_soon, s);
    int64_t t0 = comrt_now_ms();
    ck_assert_int_eq(call(c, 1, "slow", &r), RPC_E_DISCONNECTED);
    ck_assert_int_lt(comrt_now_ms() - t0, 1000);
    CoTaskMemFree(comrt_error_take_description());
    pthread_join(t, NULL);
    /* later calls fail at once */
    ck_assert_int_eq(call(c, 1, "x", &r), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert(comrt_conn_is_closed(c));
    for (int i = 0; i < 100 && atomic_load(&closed_count) < 2; i++)
        usleep(10000);
    ck_assert_int_eq(atomic_load(&closed_count), 2); /* each side told once */
    comrt_conn_unref(c);
    comrt_conn_unref(s);
}
END_TEST

/* A hand-made hello announcing protocol `major`. */
static void send_hello(comrt_stream *s, uint32_t major)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 5);
    msgpack_pack_str_with_body(&pk, "comrt", 5);
    msgpack_pack_uint32(&pk, major);
    msgpack_pack_uint32(&pk, 0);
    msgpack_pack_bin_with_body(&pk, &OXID_A, 16);
    msgpack_pack_uint32(&pk, 1);
    ck_assert_int_eq(comrt_frame_write(s, sb.data, sb.size), S_OK);
    msgpack_sbuffer_destroy(&sb);
}

/* A raw peer: handshakes properly, then sends garbage. */
START_TEST(malformed_message_drops_connection)
{
    char dir[2048], path[2100];
    comrt_listener *l;
    comrt_stream *raw = NULL, *srv = NULL;
    comrt_conn *s = NULL;
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), S_OK);
    snprintf(path, sizeof path, "%s/raw-%d.sock", dir, (int)getpid());
    ck_assert_int_eq(comrt_transport_unix.listen(path, &l), S_OK);
    ck_assert_int_eq(comrt_transport_unix.connect(path, &raw), S_OK);
    struct pollfd pf = {l->ops->listener_fd(l), POLLIN, 0};
    poll(&pf, 1, 5000);
    ck_assert_int_eq(l->ops->accept(l, &srv), S_OK);

    send_hello(raw, 1); /* the raw side sends a valid hello */
    atomic_store(&closed_count, 0);
    comrt_conn_owner o = {server_on_message, on_closed, NULL};
    ck_assert_int_eq(comrt_conn_open(srv, &OXID_B, &o, 5000, &s), S_OK);
    /* then a frame that is not msgpack */
    ck_assert_int_eq(comrt_frame_write(raw, "\xc1\xc1\xc1", 3), S_OK);
    for (int i = 0; i < 200 && !comrt_conn_is_closed(s); i++)
        usleep(5000);
    ck_assert(comrt_conn_is_closed(s));
    ck_assert_int_eq(atomic_load(&closed_count), 1);
    comrt_conn_unref(s);
    raw->ops->close_stream(raw);
    comrt_transport_unix.close_listener(l);
}
END_TEST

START_TEST(bad_handshake_refused)
{
    comrt_conn *c = NULL;
    char dir[2048], path[2100];
    comrt_listener *l;
    comrt_stream *a = NULL, *b = NULL;
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), S_OK);
    snprintf(path, sizeof path, "%s/hs-%d.sock", dir, (int)getpid());
    ck_assert_int_eq(comrt_transport_unix.listen(path, &l), S_OK);
    ck_assert_int_eq(comrt_transport_unix.connect(path, &a), S_OK);
    struct pollfd pf = {l->ops->listener_fd(l), POLLIN, 0};
    poll(&pf, 1, 5000);
    ck_assert_int_eq(l->ops->accept(l, &b), S_OK);
    send_hello(a, 9); /* a peer that speaks "comrt" protocol 9 */
    comrt_conn_owner o = {server_on_message, on_closed, NULL};
    ck_assert_int_eq(comrt_conn_open(b, &OXID_B, &o, 2000, &c), RPC_E_INVALID_DATAPACKET);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "protocol 9.0"));
    free(d);
    /* silence: a bounded wait */
    comrt_stream *x = NULL, *y = NULL;
    ck_assert_int_eq(comrt_transport_unix.connect(path, &x), S_OK);
    poll(&pf, 1, 5000);
    ck_assert_int_eq(l->ops->accept(l, &y), S_OK);
    int64_t t0 = comrt_now_ms();
    ck_assert_int_eq(comrt_conn_open(y, &OXID_B, &o, 200, &c), RPC_E_TIMEOUT);
    ck_assert_int_lt(comrt_now_ms() - t0, 1000);
    CoTaskMemFree(comrt_error_take_description());
    x->ops->close_stream(x);
    a->ops->close_stream(a);
    comrt_transport_unix.close_listener(l);
}
END_TEST

/* A connection whose peer is the test itself: it handshakes, then the test
 * reads the connection's frames and writes the peer's bytes by hand. */
static comrt_conn *raw_pair(comrt_stream **raw, comrt_conn_handler on_message)
{
    char dir[2048], path[2100];
    comrt_listener *l;
    comrt_stream *srv = NULL;
    comrt_conn *c = NULL;
    char *body;
    size_t len;
    ck_assert_int_eq(comrt_runtime_dir(dir, sizeof dir), S_OK);
    snprintf(path, sizeof path, "%s/rawpair-%d.sock", dir, (int)getpid());
    ck_assert_int_eq(comrt_transport_unix.listen(path, &l), S_OK);
    ck_assert_int_eq(comrt_transport_unix.connect(path, raw), S_OK);
    struct pollfd pf = {l->ops->listener_fd(l), POLLIN, 0};
    poll(&pf, 1, 5000);
    ck_assert_int_eq(l->ops->accept(l, &srv), S_OK);
    comrt_transport_unix.close_listener(l);
    send_hello(*raw, 1);
    comrt_conn_owner o = {on_message, on_closed, NULL};
    ck_assert_int_eq(comrt_conn_open(srv, &OXID_B, &o, 5000, &c), S_OK);
    ck_assert_int_eq(comrt_frame_read(*raw, 4096, &body, &len), S_OK); /* its hello */
    free(body);
    return c;
}

/* Appends body to sb as one frame: its 4-byte big-endian length, then it. */
static void append_frame(msgpack_sbuffer *sb, const msgpack_sbuffer *body)
{
    unsigned char h[4] = {(unsigned char)(body->size >> 24), (unsigned char)(body->size >> 16),
                          (unsigned char)(body->size >> 8), (unsigned char)body->size};
    msgpack_sbuffer_write(sb, (const char *)h, 4);
    msgpack_sbuffer_write(sb, body->data, body->size);
}

/* Appends one frame ([1, id, 0, ["abc", bin of n bytes]]) to sb, header included. */
static void append_bin_reply(msgpack_sbuffer *sb, uint32_t id, size_t n)
{
    msgpack_sbuffer body;
    msgpack_packer pk;
    msgpack_sbuffer_init(&body);
    msgpack_packer_init(&pk, &body, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 4);
    msgpack_pack_uint32(&pk, COMRT_MSG_REPLY);
    msgpack_pack_uint32(&pk, id);
    msgpack_pack_int32(&pk, 0);
    msgpack_pack_array(&pk, 2);
    msgpack_pack_str_with_body(&pk, "abc", 3);
    msgpack_pack_bin(&pk, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(i * 13 + 1);
        msgpack_sbuffer_write(&body, (const char *)&b, 1);
    }
    append_frame(sb, &body);
    msgpack_sbuffer_destroy(&body);
}

static void write_raw(comrt_stream *raw, const msgpack_sbuffer *sb)
{
    struct iovec v = {sb->data, sb->size};
    ck_assert_int_eq(raw->ops->sendv(raw, &v, 1), S_OK);
}

struct raw_call {
    comrt_conn *c;
    const comrt_reply_sink *sink;
    comrt_msg reply;
    HRESULT hr;
};

static void *raw_caller(void *p)
{
    struct raw_call *a = p;
    msgpack_sbuffer sb;
    uint32_t id = comrt_conn_next_call_id(a->c);
    pack4(&sb, COMRT_MSG_REQUEST, id, 1, "raw");
    struct iovec v = {sb.data, sb.size};
    a->hr = comrt_conn_call_iov(a->c, id, &v, 1, sb.size, a->sink, &a->reply);
    msgpack_sbuffer_destroy(&sb);
    return NULL;
}

/* Reads one frame from the raw side and gives the first n items of its
 * message, which are uints: [type, id, ...]. */
static void read_frame_uints(comrt_stream *raw, uint64_t *v, int n)
{
    char *body;
    size_t len, off = 0;
    msgpack_unpacked up;
    ck_assert_int_eq(comrt_frame_read(raw, 4096, &body, &len), S_OK);
    msgpack_unpacked_init(&up);
    ck_assert_int_eq(msgpack_unpack_next(&up, body, len, &off), MSGPACK_UNPACK_SUCCESS);
    for (int i = 0; i < n; i++)
        v[i] = up.data.via.array.ptr[i].via.u64;
    msgpack_unpacked_destroy(&up);
    free(body);
}

/* Reads the request a raw_caller sent; returns its call id. */
static uint32_t read_request(comrt_stream *raw)
{
    uint64_t v[2];
    read_frame_uints(raw, v, 2);
    ck_assert_uint_eq(v[0], COMRT_MSG_REQUEST);
    return (uint32_t)v[1];
}

/* One call answered with a 300 kB bin, sink as given; the reply's bin. */
static const msgpack_object *bulk_round(comrt_conn *c, comrt_stream *raw, const comrt_reply_sink *sink,
                                        struct raw_call *a)
{
    pthread_t t;
    msgpack_sbuffer sb;
    *a = (struct raw_call){.c = c, .sink = sink};
    pthread_create(&t, NULL, raw_caller, a);
    uint32_t id = read_request(raw);
    msgpack_sbuffer_init(&sb);
    append_bin_reply(&sb, id, 300000);
    write_raw(raw, &sb);
    msgpack_sbuffer_destroy(&sb);
    pthread_join(t, NULL);
    ck_assert_int_eq(a->hr, S_OK);
    const msgpack_object *outs = &a->reply.items[3];
    ck_assert_int_eq(outs->via.array.size, 2);
    ck_assert_int_eq(outs->via.array.ptr[0].type, MSGPACK_OBJECT_STR);
    const msgpack_object *bin = &outs->via.array.ptr[1];
    ck_assert_int_eq(bin->type, MSGPACK_OBJECT_BIN);
    ck_assert_uint_eq(bin->via.bin.size, 300000);
    for (size_t i = 0; i < 300000; i += 997)
        ck_assert_uint_eq((uint8_t)bin->via.bin.ptr[i], (uint8_t)(i * 13 + 1));
    return bin;
}

START_TEST(large_reply_into_callers_buffer)
{
    comrt_stream *raw = NULL;
    comrt_conn *c = raw_pair(&raw, client_on_message);
    uint8_t *dest = malloc(400000);
    struct raw_call a;

    /* The sink names the bin: it arrives in the caller's buffer. */
    memset(dest, 0xEE, 400000);
    comrt_reply_sink sink = {1, dest, 400000};
    const msgpack_object *bin = bulk_round(c, raw, &sink, &a);
    ck_assert_ptr_eq(bin->via.bin.ptr, dest);
    ck_assert_uint_eq(dest[300000], 0xEE); /* nothing past it */
    comrt_msg_free(&a.reply);

    /* Too small a buffer, or the wrong element: the ordinary path. */
    memset(dest, 0xEE, 400000);
    sink = (comrt_reply_sink){1, dest, 299999};
    bin = bulk_round(c, raw, &sink, &a);
    ck_assert_ptr_ne(bin->via.bin.ptr, dest);
    comrt_msg_free(&a.reply);
    sink = (comrt_reply_sink){0, dest, 400000};
    bin = bulk_round(c, raw, &sink, &a);
    ck_assert_ptr_ne(bin->via.bin.ptr, dest);
    comrt_msg_free(&a.reply);
    bin = bulk_round(c, raw, NULL, &a);
    comrt_msg_free(&a.reply);
    ck_assert_uint_eq(dest[0], 0xEE);
    ck_assert_uint_eq(dest[150000], 0xEE);

    free(dest);
    comrt_conn_close(c);
    comrt_conn_unref(c);
    raw->ops->close_stream(raw);
}
END_TEST

/* A large reply whose bin went to the caller's buffer but which then does
 * not parse (a byte after its end): the call fails, the connection is
 * dropped, and a later call fails at once. */
START_TEST(large_reply_that_does_not_parse)
{
    comrt_stream *raw = NULL;
    atomic_store(&closed_count, 0);
    comrt_conn *c = raw_pair(&raw, client_on_message);
    uint8_t *dest = malloc(400000);
    comrt_reply_sink sink = {1, dest, 400000};
    struct raw_call a = {.c = c, .sink = &sink};
    pthread_t t;
    msgpack_sbuffer sb;

    pthread_create(&t, NULL, raw_caller, &a);
    uint32_t id = read_request(raw);
    msgpack_sbuffer_init(&sb);
    append_bin_reply(&sb, id, 300000);
    /* one more byte in the frame: 0xc1, which msgpack never uses */
    uint32_t n = ((uint32_t)(uint8_t)sb.data[0] << 24 | (uint32_t)(uint8_t)sb.data[1] << 16 |
                  (uint32_t)(uint8_t)sb.data[2] << 8 | (uint8_t)sb.data[3]) + 1;
    sb.data[0] = (char)(n >> 24), sb.data[1] = (char)(n >> 16), sb.data[2] = (char)(n >> 8), sb.data[3] = (char)n;
    msgpack_sbuffer_write(&sb, "\xc1", 1);
    write_raw(raw, &sb);
    msgpack_sbuffer_destroy(&sb);
    pthread_join(t, NULL);
    ck_assert_int_eq(a.hr, RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    ck_assert(comrt_conn_is_closed(c));
    ck_assert_int_eq(atomic_load(&closed_count), 1);

    a = (struct raw_call){.c = c};
    raw_caller(&a);
    ck_assert_int_eq(a.hr, RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    free(dest);
    comrt_conn_unref(c);
    raw->ops->close_stream(raw);
}
END_TEST

/* Frames that arrive together are read together: the reply and a request
 * behind it in the same read. The request must still be served, although
 * no epoll event will ever announce it. */
START_TEST(coalesced_frames_all_served)
{
    comrt_stream *raw = NULL;
    comrt_conn *c = raw_pair(&raw, client_on_message);
    struct raw_call a = {.c = c};
    pthread_t t;
    msgpack_sbuffer sb, req, rep;

    pthread_create(&t, NULL, raw_caller, &a);
    uint32_t id = read_request(raw);
    pack4(&rep, COMRT_MSG_REPLY, id, 42, "raw");
    pack4(&req, COMRT_MSG_REQUEST, 77, 5, "behind");
    msgpack_sbuffer_init(&sb);
    append_frame(&sb, &rep);
    append_frame(&sb, &req);
    write_raw(raw, &sb); /* one write */
    pthread_join(t, NULL);
    ck_assert_int_eq(a.hr, S_OK);
    ck_assert_uint_eq(a.reply.items[2].via.u64, 42);
    comrt_msg_free(&a.reply);

    /* the echo of request 77 comes back: [1, 77, 6, "behind"] */
    struct pollfd pf = {raw->ops->stream_fd(raw), POLLIN, 0};
    ck_assert_int_eq(poll(&pf, 1, 5000), 1);
    uint64_t echo[3];
    read_frame_uints(raw, echo, 3);
    ck_assert_uint_eq(echo[0], COMRT_MSG_REPLY);
    ck_assert_uint_eq(echo[1], 77);
    ck_assert_uint_eq(echo[2], 6);

    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&req);
    msgpack_sbuffer_destroy(&rep);
    comrt_conn_close(c);
    comrt_conn_unref(c);
    raw->ops->close_stream(raw);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conn");
    TCase *tc = tcase_create("unix");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, calls_and_peer_identity);
    tcase_add_test(tc, eight_concurrent_callers);
    tcase_add_test(tc, callback_during_call);
    tcase_add_test(tc, peer_lost_mid_call);
    tcase_add_test(tc, malformed_message_drops_connection);
    tcase_add_test(tc, bad_handshake_refused);
    tcase_add_test(tc, large_reply_into_callers_buffer);
    tcase_add_test(tc, large_reply_that_does_not_parse);
    tcase_add_test(tc, coalesced_frames_all_served);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
