/*
 * raw.h - a hand-driven comrt peer for test_hostile_server.c: raw AF_UNIX
 * sockets, frames, hellos and requests packed with msgpack-c, replies
 * parsed and checked. Included once; uses the globals sock_path,
 * server_pid and hostile (malformed frames sent) of the including file.
 */
#ifndef TEST_HOSTILE_RAW_H
#define TEST_HOSTILE_RAW_H
/* Raw sockets ------------------------------------------------------------------ */

static int read_exact(int fd, void *buf, size_t n) /* 1 ok, 0 EOF, -1 timeout/error */
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, (char *)buf + got, n - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0 || errno == ECONNRESET)
            return 0;
        else if (errno != EINTR)
            return -1;
    }
    return 1;
}

static int read_frame(int fd, char **body, size_t *len)
{
    unsigned char h[4];
    int r = read_exact(fd, h, 4);
    *body = NULL;
    if (r != 1)
        return r;
    *len = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    ck_assert_uint_lt(*len, 1u << 20);
    *body = malloc(*len + 1);
    r = read_exact(fd, *body, *len);
    if (r != 1) {
        free(*body);
        *body = NULL;
    }
    return r;
}

static void send_bytes(int fd, const void *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may already have dropped us */
        p = (const char *)p + w;
        n -= (size_t)w;
    }
}

static void send_frame(int fd, const void *body, size_t n)
{
    unsigned char h[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                          (unsigned char)n};
    char *all = malloc(n + 4);
    memcpy(all, h, 4);
    if (n)
        memcpy(all + 4, body, n);
    send_bytes(fd, all, n + 4);
    free(all);
}

typedef struct {
    msgpack_sbuffer sb;
    msgpack_packer pk;
} buf;

static msgpack_packer *bstart(buf *b)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
    return &b->pk;
}

static void bsend(int fd, buf *b, int bad)
{
    send_frame(fd, b->sb.data, b->sb.size);
    msgpack_sbuffer_destroy(&b->sb);
    hostile += bad;
}

static void pack_guid(msgpack_packer *pk, const GUID *g)
{
    msgpack_pack_bin_with_body(pk, g, sizeof *g);
}

static void pack_hello(msgpack_packer *pk, const char *magic, unsigned major)
{
    GUID oxid;
    CoCreateGuid(&oxid);
    msgpack_pack_array(pk, 5);
    msgpack_pack_str_with_body(pk, magic, strlen(magic));
    msgpack_pack_uint32(pk, major);
    msgpack_pack_uint32(pk, 0);
    pack_guid(pk, &oxid);
    msgpack_pack_uint32(pk, (uint32_t)getpid());
}

/* Connects and reads the server's hello (sent first, unprompted). */
static int raw_connect_timeout(int timeout_s, int *got_hello)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timeval tv = {timeout_s, 0};
    char *body;
    size_t len;
    memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    *got_hello = read_frame(fd, &body, &len) == 1;
    if (*got_hello) {
        msgpack_unpacked up;
        msgpack_unpacked_init(&up);
        ck_assert_int_eq(msgpack_unpack_next(&up, body, len, NULL), MSGPACK_UNPACK_SUCCESS);
        ck_assert(up.data.type == MSGPACK_OBJECT_ARRAY && up.data.via.array.size == 5);
        ck_assert(up.data.via.array.ptr[0].type == MSGPACK_OBJECT_STR);
        ck_assert_int_eq(up.data.via.array.ptr[4].via.u64, server_pid);
        msgpack_unpacked_destroy(&up);
        free(body);
    }
    return fd;
}

static int raw_connect(void)
{
    int hello;
    int fd = raw_connect_timeout(5, &hello);
    ck_assert_msg(hello, "no hello from the server");
    return fd;
}

/* A connected, handshaken raw client. */
static int raw_client(void)
{
    int fd = raw_connect();
    buf b;
    pack_hello(bstart(&b), "comrt", 1);
    bsend(fd, &b, 0);
    return fd;
}

/* Asserts the server drops the connection (EOF, no frame) and closes fd. */
static void expect_eof(int fd, const char *what)
{
    char *body = NULL;
    size_t len;
    int r = read_frame(fd, &body, &len);
    ck_assert_msg(r == 0, "%s: expected the connection dropped, got %s", what, r > 0 ? "a frame" : "a timeout");
    close(fd);
}

/* Requests ------------------------------------------------------------------------ */

static msgpack_packer *req(buf *b, uint32_t id, uint64_t oid, const GUID *iid, uint64_t slot)
{
    msgpack_packer *pk = bstart(b);
    msgpack_pack_array(pk, 7);
    msgpack_pack_uint32(pk, 0);
    msgpack_pack_uint32(pk, id);
    msgpack_pack_uint64(pk, oid);
    pack_guid(pk, iid);
    msgpack_pack_uint64(pk, slot);
    msgpack_pack_uint32(pk, 0);
    return pk; /* the caller packs ins */
}

typedef struct {
    char *body;
    msgpack_unpacked up;
    HRESULT hr;
    const msgpack_object *outs;
} reply;

/* Reads the reply to call id; 0 (and a failed check) on EOF. */
static void get_reply(int fd, uint32_t id, reply *r, const char *what)
{
    size_t len;
    int rc = read_frame(fd, &r->body, &len);
    ck_assert_msg(rc == 1, "%s: no reply (%s)", what, rc == 0 ? "connection dropped" : "timeout");
    msgpack_unpacked_init(&r->up);
    ck_assert_int_eq(msgpack_unpack_next(&r->up, r->body, len, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *o = &r->up.data;
    ck_assert(o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size >= 4);
    ck_assert_int_eq(o->via.array.ptr[0].via.u64, 1);
    ck_assert_msg(o->via.array.ptr[1].via.u64 == id, "%s: reply to call %llu, expected %u", what,
                  (unsigned long long)o->via.array.ptr[1].via.u64, (unsigned)id);
    r->hr = (HRESULT)o->via.array.ptr[2].via.i64;
    r->outs = &o->via.array.ptr[3];
    ck_assert(r->outs->type == MSGPACK_OBJECT_ARRAY);
}

static void reply_free(reply *r)
{
    msgpack_unpacked_destroy(&r->up);
    free(r->body);
}

static uint32_t next_id = 100;

/* Sends the built request and checks the HRESULT (0: any failure). */
static void expect_hr(int fd, buf *b, uint32_t id, HRESULT want, const char *what)
{
    reply r;
    bsend(fd, b, 1);
    get_reply(fd, id, &r, what);
    if (want)
        ck_assert_msg(r.hr == want, "%s: 0x%08X, expected 0x%08X", what, (unsigned)r.hr, (unsigned)want);
    else
        ck_assert_msg(FAILED(r.hr), "%s: succeeded", what);
    ck_assert_int_eq(r.outs->via.array.size, 0);
    reply_free(&r);
}

/* CREATE_INSTANCE through the activator; the OID from the OBJREF. */
static uint64_t create(int fd, const GUID *iid)
{
    buf b;
    reply r;
    uint32_t id = next_id++;
    msgpack_packer *pk = req(&b, id, 0, &IID_IUnknown, 2);
    msgpack_pack_array(pk, 2);
    pack_guid(pk, &CLSID_OopServer);
    pack_guid(pk, iid);
    bsend(fd, &b, 0);
    get_reply(fd, id, &r, "CREATE_INSTANCE");
    ck_assert_int_eq(r.hr, S_OK);
    ck_assert_int_eq(r.outs->via.array.size, 1);
    const msgpack_object *ref = &r.outs->via.array.ptr[0];
    ck_assert(ref->type == MSGPACK_OBJECT_ARRAY && ref->via.array.size == 4);
    ck_assert(ref->via.array.ptr[1].type == MSGPACK_OBJECT_POSITIVE_INTEGER);
    uint64_t oid = ref->via.array.ptr[1].via.u64;
    ck_assert(ref->via.array.ptr[2].via.bin.size == 16 && !memcmp(ref->via.array.ptr[2].via.bin.ptr, iid, 16));
    reply_free(&r);
    return oid;
}

/* A valid call: the connection is still usable. */
static HRESULT ping(int fd, uint64_t oid, int32_t v)
{
    buf b;
    reply r;
    uint32_t id = next_id++;
    msgpack_pack_array(req(&b, id, oid, &IID_IParams, S_PING), 1);
    msgpack_pack_int32(&b.pk, v);
    bsend(fd, &b, 0);
    get_reply(fd, id, &r, "valid Ping");
    HRESULT hr = r.hr;
    const msgpack_object *o = &r.up.data;
    if (hr != S_OK && o->via.array.size > 4 && o->via.array.ptr[4].type == MSGPACK_OBJECT_STR)
        fprintf(stderr, "Ping: 0x%08X %.*s\n", (unsigned)hr, (int)o->via.array.ptr[4].via.str.size,
                o->via.array.ptr[4].via.str.ptr);
    if (hr == S_OK) {
        ck_assert_int_eq(r.outs->via.array.size, 1);
        ck_assert_int_eq(r.outs->via.array.ptr[0].via.i64, 2 * v);
    }
    reply_free(&r);
    return hr;
}

#endif /* TEST_HOSTILE_RAW_H */
