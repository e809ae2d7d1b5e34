/*
 * test_frame.c - frames over real AF_UNIX sockets: round trips, the size
 * limit checked before allocation, truncation, clean end of stream, and
 * listen/connect/accept with SO_PEERCRED. Links the static library: these
 * are internal interfaces.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../check_main.h"
#include "../../marshal/bulkread.h"
#include "../../marshal/frame.h"

/* A stream over one end of a socketpair, through the unix transport's ops. */
static comrt_stream *connect_pair(int *other)
{
    char path[256];
    comrt_listener *l = NULL;
    comrt_stream *c = NULL, *a = NULL;
    snprintf(path, sizeof path, "%s/frame-%d.sock", getenv("COMRT_TEST_TMP") ? getenv("COMRT_TEST_TMP") : "/tmp",
             (int)getpid());
    ck_assert_int_eq(comrt_transport_unix.listen(path, &l), S_OK);
    ck_assert_int_eq(comrt_transport_unix.connect(path, &c), S_OK);
    struct pollfd p = {comrt_transport_unix.listener_fd(l), POLLIN, 0};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
    ck_assert_int_eq(comrt_transport_unix.accept(l, &a), S_OK);
    comrt_transport_unix.close_listener(l);
    *other = dup(comrt_transport_unix.stream_fd(a));
    comrt_transport_unix.close_stream(a);
    return c;
}

START_TEST(round_trip_sizes)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    static const size_t sizes[] = {0, 1, 3, 4, 5, 1000, 65536, 1u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t n = sizes[i];
        char *msg = malloc(n ? n : 1);
        for (size_t k = 0; k < n; k++)
            msg[k] = (char)(k * 7 + i);
        /* write from the raw side: 4-byte big-endian length + body */
        unsigned char h[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                              (unsigned char)n};
        if (fork() == 0) {
            ssize_t w = write(fd, h, 4);
            size_t off = 0;
            while (w == 4 && off < n) {
                ssize_t k = write(fd, msg + off, n - off);
                if (k <= 0)
                    _exit(1);
                off += (size_t)k;
            }
            _exit(0);
        }
        char *body = NULL;
        size_t len = 0;
        ck_assert_int_eq(comrt_frame_read(s, 2u << 20, &body, &len), S_OK);
        ck_assert_uint_eq(len, n);
        ck_assert(n == 0 ? body == NULL : memcmp(body, msg, n) == 0);
        free(body);
        free(msg);
    }
    /* and the writer's framing is what the reader expects */
    ck_assert_int_eq(comrt_frame_write(s, "hello", 5), S_OK);
    unsigned char got[9];
    size_t off = 0;
    while (off < sizeof got) {
        ssize_t k = read(fd, got + off, sizeof got - off);
        ck_assert_int_gt(k, 0);
        off += (size_t)k;
    }
    ck_assert_int_eq(memcmp(got, "\0\0\0\5hello", 9), 0);
    close(fd);
    comrt_transport_unix.close_stream(s);
}
END_TEST

START_TEST(oversized_rejected_before_allocation)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    /* claims 4 GiB - 1: must be refused from the header alone */
    ck_assert_int_eq(write(fd, "\xff\xff\xff\xff", 4), 4);
    char *body = (char *)1;
    size_t len = 7;
    ck_assert_int_eq(comrt_frame_read(s, 1u << 20, &body, &len), RPC_E_INVALID_DATAPACKET);
    ck_assert_ptr_null(body);
    ck_assert_uint_eq(len, 0);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "exceeds the limit"));
    free(d);
    close(fd);
    comrt_transport_unix.close_stream(s);
}
END_TEST

START_TEST(truncated_and_clean_eof)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    char *body;
    size_t len;
    /* header promising 10 bytes, then 3 bytes, then the peer goes away */
    ck_assert_int_eq(write(fd, "\0\0\0\x0a" "abc", 7), 7);
    close(fd);
    ck_assert_int_eq(comrt_frame_read(s, 1u << 20, &body, &len), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    comrt_transport_unix.close_stream(s);

    s = connect_pair(&fd);
    close(fd); /* nothing sent: a clean end */
    ck_assert_int_eq(comrt_frame_read(s, 1u << 20, &body, &len), S_FALSE);
    /* writing to a closed peer fails, without SIGPIPE killing us */
    HRESULT hr = S_OK;
    for (int i = 0; i < 100 && hr == S_OK; i++)
        hr = comrt_frame_write(s, "x", 1);
    ck_assert_int_eq(hr, RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    comrt_transport_unix.close_stream(s);
}
END_TEST

/* The buffered reader: frames that arrive together are taken from one read. */
START_TEST(reader_coalesces_frames)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    comrt_frame_reader r = {0};
    unsigned char w[4 + 1 + 4 + 1000 + 4 + 3];
    size_t n;
    char *body;
    memcpy(w, "\0\0\0\1a\0\0\x03\xe8", 9);
    memset(w + 9, 'b', 1000);
    memcpy(w + 1009, "\0\0\0\3ccc", 7);
    ck_assert_int_eq(write(fd, w, sizeof w), (ssize_t)sizeof w);

    ck_assert_int_eq(comrt_frame_reader_header(&r, s, 4096, &n), S_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(comrt_frame_reader_body(&r, s, n, &body), S_OK);
    ck_assert_int_eq(body[0], 'a');
    comrt_frame_free(body);
    ck_assert_uint_eq(comrt_frame_reader_buffered(&r), sizeof w - 5); /* the rest came with it */
    ck_assert_int_eq(comrt_frame_reader_poll(&r, s), S_OK);
    ck_assert_int_eq(comrt_frame_reader_header(&r, s, 4096, &n), S_OK);
    ck_assert_uint_eq(n, 1000);
    ck_assert_int_eq(comrt_frame_reader_body(&r, s, n, &body), S_OK);
    ck_assert_int_eq(body[999], 'b');
    comrt_frame_free(body);
    ck_assert_int_eq(comrt_frame_reader_header(&r, s, 4096, &n), S_OK);
    ck_assert_int_eq(comrt_frame_reader_body(&r, s, n, &body), S_OK);
    ck_assert_int_eq(memcmp(body, "ccc", 3), 0);
    comrt_frame_free(body);
    ck_assert_uint_eq(comrt_frame_reader_buffered(&r), 0);
    ck_assert_int_eq(comrt_frame_reader_poll(&r, s), E_PENDING); /* nothing there: no wait */

    /* over the limit, from the header alone; then half a header and the end */
    ck_assert_int_eq(write(fd, "\0\x10\0\0", 4), 4);
    ck_assert_int_eq(comrt_frame_reader_header(&r, s, 4096, &n), RPC_E_INVALID_DATAPACKET);
    CoTaskMemFree(comrt_error_take_description());
    close(fd);
    comrt_frame_reader_destroy(&r);
    comrt_transport_unix.close_stream(s);
    s = connect_pair(&fd);
    ck_assert_int_eq(write(fd, "\0\0", 2), 2);
    close(fd);
    ck_assert_int_eq(comrt_frame_reader_header(&r, s, 4096, &n), RPC_E_DISCONNECTED);
    CoTaskMemFree(comrt_error_take_description());
    comrt_frame_reader_destroy(&r);
    comrt_transport_unix.close_stream(s);
}
END_TEST

/* Large bodies reuse the last large block freed; small ones are plain. */
START_TEST(large_bodies_reused)
{
    char *a = comrt_frame_alloc(2u << 20);
    ck_assert_ptr_nonnull(a);
    memset(a, 1, 2u << 20);
    comrt_frame_free(a);
    char *b = comrt_frame_alloc(3u << 19); /* 1.5 MiB fits the kept 2 MiB */
    ck_assert_ptr_eq(b, a);
    char *c = comrt_frame_alloc(2u << 20); /* the kept one is out: a new block */
    ck_assert_ptr_ne(c, b);
    memset(b, 2, 3u << 19);
    memset(c, 3, 2u << 20);
    comrt_frame_free(b);
    comrt_frame_free(c);
    char *d = comrt_frame_alloc(100);
    ck_assert_ptr_nonnull(d);
    comrt_frame_free(d);
    comrt_frame_free(NULL);
}
END_TEST

/* Draining (edge-triggered watching): everything the socket has, without
 * blocking, and whether that was all of it. */
START_TEST(reader_drains)
{
    int fd, drained = -1;
    comrt_stream *s = connect_pair(&fd);
    comrt_frame_reader r = {0};
    ck_assert_int_eq(comrt_frame_reader_drain(&r, s, &drained), E_PENDING);
    ck_assert_int_eq(drained, 1);
    ck_assert_int_eq(write(fd, "\0\0\0\2hi\0\0", 8), 8);
    ck_assert_int_eq(comrt_frame_reader_drain(&r, s, &drained), S_OK);
    ck_assert_int_eq(drained, 1);
    ck_assert_uint_eq(comrt_frame_reader_buffered(&r), 8);
    /* more than the buffer holds: not drained until read */
    char *big = calloc(1, COMRT_FRAME_READER_CAP * 2);
    ck_assert_int_eq(write(fd, big, COMRT_FRAME_READER_CAP * 2), COMRT_FRAME_READER_CAP * 2);
    ck_assert_int_eq(comrt_frame_reader_drain(&r, s, &drained), S_OK);
    ck_assert_int_eq(drained, 0);
    ck_assert_uint_eq(comrt_frame_reader_buffered(&r), COMRT_FRAME_READER_CAP);
    free(big);
    close(fd);
    comrt_frame_reader_destroy(&r);
    comrt_transport_unix.close_stream(s);
}
END_TEST

/* A large reply's bin is taken into the caller's buffer only when it is
 * exactly where and as large as it may be; anything else reads whole. */
START_TEST(bulk_read_only_what_fits)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    uint8_t dest[256], prefix[64];
    comrt_reply_sink sink = {0, dest, sizeof dest};
    char *frame;
    size_t len, direct;
    uint32_t id;

    /* [1, 5, 0, [bin of 200]]: 8 bytes of header in the prefix, then 200 */
    memcpy(prefix, "\x94\x01\x05\x00\x91\xc4\xc8", 7);
    memset(prefix + 7, 0x11, 20);
    ck_assert_int_eq(comrt_bulk_reply_id(prefix, 27, &id), 1);
    ck_assert_uint_eq(id, 5);
    uint8_t rest[180];
    memset(rest, 0x11, sizeof rest);
    ck_assert_int_eq(write(fd, rest, sizeof rest), (ssize_t)sizeof rest);
    ck_assert_int_eq(comrt_bulk_read(s, prefix, 27, 207, &sink, &frame, &len, &direct), S_OK);
    ck_assert_uint_eq(direct, 200);
    ck_assert_uint_eq(len, 7); /* [1, 5, 0, [bin of 0]] */
    ck_assert_int_eq(memcmp(frame, "\x94\x01\x05\x00\x91\xc4\x00", 7), 0);
    ck_assert_uint_eq(dest[0], 0x11);
    ck_assert_uint_eq(dest[199], 0x11);
    comrt_frame_free(frame);

    /* a bin longer than the frame, or than the buffer: read whole */
    static const struct {
        const char *hdr;
        size_t total;
        size_t cap;
    } bad[] = {{"\x94\x01\x05\x00\x91\xc6\x7f\xff\xff\xff", 110, 256},
               {"\x94\x01\x05\x00\x91\xc4\xc8", 207, 199},
               {"\x94\x00\x05\x00\x91\xc4\xc8", 207, 256}, /* a request */
               {"\x94\x01\x05\x00\x91\xd9\xc8", 207, 256}}; /* a str */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t hl = bad[i].hdr[5] == (char)0xc6 ? 10 : 7;
        memcpy(prefix, bad[i].hdr, hl);
        memset(prefix + hl, 0x22, 20);
        sink.cap = bad[i].cap;
        size_t have = hl + 20, more = bad[i].total - have;
        uint8_t tail[200];
        memset(tail, 0x22, more);
        ck_assert_int_eq(write(fd, tail, more), (ssize_t)more);
        memset(dest, 0, sizeof dest);
        ck_assert_int_eq(comrt_bulk_read(s, prefix, have, bad[i].total, &sink, &frame, &len, &direct), S_OK);
        ck_assert_uint_eq(direct, 0);
        ck_assert_uint_eq(len, bad[i].total);
        ck_assert_int_eq(memcmp(frame, prefix, have), 0);
        ck_assert_uint_eq(dest[0], 0);
        comrt_frame_free(frame);
    }
    ck_assert_int_eq(comrt_bulk_reply_id("\x94\x00\x05", 3, &id), 0);

    /* the peer leaves inside the bin */
    memcpy(prefix, "\x94\x01\x05\x00\x91\xc4\xc8", 7);
    sink.cap = sizeof dest;
    ck_assert_int_eq(write(fd, rest, 10), 10);
    close(fd);
    ck_assert_int_eq(comrt_bulk_read(s, prefix, 27, 207, &sink, &frame, &len, &direct), RPC_E_DISCONNECTED);
    ck_assert_ptr_null(frame);
    CoTaskMemFree(comrt_error_take_description());
    comrt_transport_unix.close_stream(s);
}
END_TEST

START_TEST(peer_credentials)
{
    int fd;
    comrt_stream *s = connect_pair(&fd);
    comrt_peer_cred cred;
    ck_assert_int_eq(comrt_transport_unix.peer_cred(s, &cred), S_OK);
    ck_assert_int_eq(cred.pid, getpid());
    ck_assert_int_eq(cred.uid, getuid());
    close(fd);
    comrt_transport_unix.close_stream(s);
}
END_TEST

START_TEST(connect_to_nobody)
{
    comrt_stream *s = NULL;
    const char *rest;
    ck_assert_ptr_eq(comrt_transport_for("unix:/x", &rest), &comrt_transport_unix);
    ck_assert_str_eq(rest, "/x");
    ck_assert_ptr_null(comrt_transport_for("carrier-pigeon:/x", &rest));
    ck_assert_int_eq(comrt_transport_unix.connect("/nonexistent/comrt.sock", &s), RPC_E_DISCONNECTED);
    char *d = comrt_error_take_description();
    ck_assert_ptr_nonnull(strstr(d, "/nonexistent/comrt.sock"));
    free(d);
    ck_assert_int_eq(comrt_transport_unix.listen("", NULL), E_INVALIDARG);
    CoTaskMemFree(comrt_error_take_description());
}
END_TEST

START_TEST(frame_limit_from_environment)
{
    setenv("COMRT_MAX_FRAME", "4096", 1);
    ck_assert_uint_eq(comrt_frame_max(), 4096);
    setenv("COMRT_MAX_FRAME", "12abc", 1);
    ck_assert_uint_eq(comrt_frame_max(), COMRT_FRAME_MAX_DEFAULT);
    setenv("COMRT_MAX_FRAME", "1", 1); /* absurd: ignored */
    ck_assert_uint_eq(comrt_frame_max(), COMRT_FRAME_MAX_DEFAULT);
    unsetenv("COMRT_MAX_FRAME");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("frame");
    TCase *tc = tcase_create("unix");
    tcase_add_test(tc, round_trip_sizes);
    tcase_add_test(tc, oversized_rejected_before_allocation);
    tcase_add_test(tc, truncated_and_clean_eof);
    tcase_add_test(tc, reader_coalesces_frames);
    tcase_add_test(tc, reader_drains);
    tcase_add_test(tc, large_bodies_reused);
    tcase_add_test(tc, bulk_read_only_what_fits);
    tcase_add_test(tc, peer_credentials);
    tcase_add_test(tc, connect_to_nobody);
    tcase_add_test(tc, frame_limit_from_environment);
    suite_add_tcase(s, tc);
    return comrt_run_suite(s);
}
