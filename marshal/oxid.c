/*
 * oxid.c - this process as an exporter: its OXID, its listening endpoint
 * (accepted in the worker pool), and the table of open connections by peer
 * OXID, so that references from one peer reuse one connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "orpc.h"
#include "pool.h"
#include "rendezvous.h"

#define HANDSHAKE_TIMEOUT_MS 5000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static GUID oxid;
static int have_oxid;
static char endpoint[4200];
static comrt_listener *listener;
static comrt_pool_item listen_item;

struct peer {
    GUID oxid;
    char *address; /* for connections we opened; NULL for accepted ones */
    comrt_conn *conn;
};
static struct peer *peers;
static size_t npeers, cappeers;

const GUID *comrt_orpc_oxid(void)
{
    pthread_mutex_lock(&lock);
    if (!have_oxid) {
        if (FAILED(CoCreateGuid(&oxid)))
            memset(&oxid, 0x5A, sizeof oxid); /* getrandom cannot fail on Linux >= 3.17 */
        have_oxid = 1;
    }
    pthread_mutex_unlock(&lock);
    return &oxid;
}

/* Lock held. Takes a reference on c. */
static void add_peer_locked(comrt_conn *c, const char *address)
{
    if (npeers == cappeers) {
        size_t n = cappeers ? cappeers * 2 : 16;
        struct peer *p = realloc(peers, n * sizeof *p);
        if (!p)
            return; /* not remembered: only reuse is lost */
        peers = p;
        cappeers = n;
    }
    char *a = address ? strdup(address) : NULL;
    if (address && !a)
        return;
    peers[npeers].oxid = comrt_conn_peer_info(c)->oxid;
    peers[npeers].address = a;
    peers[npeers].conn = c;
    comrt_conn_ref(c);
    npeers++;
}

static void remove_peer(comrt_conn *c)
{
    comrt_conn *drop = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < npeers; i++) {
        if (peers[i].conn == c) {
            drop = c;
            free(peers[i].address);
            peers[i] = peers[--npeers];
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    if (drop)
        comrt_conn_unref(drop);
}

static void on_message(comrt_conn *c, comrt_msg *m, void *ctx)
{
    (void)ctx;
    switch (m->items[0].via.u64) {
    case COMRT_MSG_REQUEST:
        comrt_export_dispatch(c, m); /* takes m */
        return;
    case COMRT_MSG_RELEASE:
        comrt_export_release(c, m);
        break;
    default:
        comrt_log_warning("message of unknown type %llu from pid %u dropped",
                          (unsigned long long)m->items[0].via.u64, (unsigned)comrt_conn_peer_info(c)->cred.pid);
        break;
    }
    comrt_msg_free(m);
}

static void on_closed(comrt_conn *c, void *ctx)
{
    (void)ctx;
    comrt_export_conn_lost(c);
    comrt_import_conn_lost(c);
    remove_peer(c);
}

const comrt_conn_owner comrt_orpc_owner = {on_message, on_closed, NULL};

/* One accepted connection's handshake, on a thread of its own: a peer that
 * connects and then stalls must not keep anyone else from being accepted. */
static void *handshake_thread(void *arg)
{
    comrt_stream *s = arg;
    comrt_conn *c = NULL;
    HRESULT hr = comrt_conn_open(s, comrt_orpc_oxid(), &comrt_orpc_owner, HANDSHAKE_TIMEOUT_MS, &c);
    if (FAILED(hr)) {
        char *why = comrt_error_take_description();
        comrt_log_warning("refused a connection: %s", why ? why : "handshake failed");
        free(why);
        return NULL;
    }
    pthread_mutex_lock(&lock);
    add_peer_locked(c, NULL);
    pthread_mutex_unlock(&lock);
    comrt_conn_unref(c);
    return NULL;
}

/* Pool worker: connections are waiting on the listener. */
static void on_accept(void *arg)
{
    comrt_listener *l = arg;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    for (;;) {
        comrt_stream *s = NULL;
        pthread_t t;
        HRESULT hr = l->ops->accept(l, &s);
        if (hr != S_OK) {
            if (FAILED(hr)) {
                char *why = comrt_error_take_description();
                comrt_log_warning("accept failed: %s", why ? why : "");
                free(why);
            }
            break;
        }
        if (pthread_create(&t, &attr, handshake_thread, s) != 0) {
            comrt_log_warning("refused a connection: no thread for its handshake");
            s->ops->close_stream(s);
        }
    }
    pthread_attr_destroy(&attr);
    comrt_pool_arm(&listen_item);
}

HRESULT comrt_orpc_endpoint(const char **address)
{
    char dir[4096], cs[CHARS_IN_GUID];
    HRESULT hr = S_OK;

    const GUID *id = comrt_orpc_oxid();
    pthread_mutex_lock(&lock);
    if (!listener) {
        hr = comrt_runtime_dir(dir, sizeof dir);
        if (SUCCEEDED(hr)) {
            StringFromGUID2(id, cs, sizeof cs);
            snprintf(endpoint, sizeof endpoint, "%s/%s.sock", dir, cs);
            hr = comrt_transport_unix.listen(endpoint, &listener);
        }
        if (SUCCEEDED(hr)) {
            listen_item.ready = on_accept;
            listen_item.arg = listener;
            hr = comrt_pool_add(listener->ops->listener_fd(listener), &listen_item);
            if (FAILED(hr)) {
                listener->ops->close_listener(listener);
                listener = NULL;
            } else {
                /* "unix:" + path, so the address names its transport */
                memmove(endpoint + 5, endpoint, strlen(endpoint) + 1);
                memcpy(endpoint, "unix:", 5);
                comrt_pool_arm(&listen_item);
            }
        }
    }
    pthread_mutex_unlock(&lock);
    *address = SUCCEEDED(hr) ? endpoint : NULL;
    return hr;
}

HRESULT comrt_orpc_loopback(comrt_conn **out)
{
    static comrt_conn *loop; /* for the process's life */
    HRESULT hr = S_OK;
    const GUID *id = comrt_orpc_oxid();
    pthread_mutex_lock(&lock);
    if (!loop)
        hr = comrt_conn_open_loopback(id, &comrt_orpc_owner, &loop);
    if (loop)
        comrt_conn_ref(loop);
    *out = loop;
    pthread_mutex_unlock(&lock);
    return hr;
}

HRESULT comrt_orpc_connect(const char *address, const GUID *expect_oxid, comrt_conn **out)
{
    const comrt_transport_ops *t;
    const char *rest;
    comrt_stream *s = NULL;
    comrt_conn *c = NULL;
    HRESULT hr;

    *out = NULL;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < npeers; i++) {
        if ((expect_oxid && IsEqualGUID(&peers[i].oxid, expect_oxid)) ||
            (!expect_oxid && peers[i].address && !strcmp(peers[i].address, address))) {
            if (comrt_conn_is_closed(peers[i].conn))
                continue;
            *out = peers[i].conn;
            comrt_conn_ref(*out);
            pthread_mutex_unlock(&lock);
            return S_OK;
        }
    }
    pthread_mutex_unlock(&lock);

    t = comrt_transport_for(address, &rest);
    if (!t)
        return comrt_error_set(RPC_E_INVALID_DATA, "endpoint '%s' names no known transport", address);
    hr = t->connect(rest, &s);
    if (FAILED(hr))
        return hr;
    hr = comrt_conn_open(s, comrt_orpc_oxid(), &comrt_orpc_owner, HANDSHAKE_TIMEOUT_MS, &c);
    if (FAILED(hr))
        return hr;
    if (expect_oxid && !IsEqualGUID(&comrt_conn_peer_info(c)->oxid, expect_oxid)) {
        comrt_conn_close(c);
        comrt_conn_unref(c);
        return comrt_error_set(RPC_E_DISCONNECTED, "the exporter at %s is not the one the reference names (it has "
                                                   "gone away)",
                               address);
    }
    pthread_mutex_lock(&lock);
    add_peer_locked(c, address);
    pthread_mutex_unlock(&lock);
    *out = c;
    return S_OK;
}

void comrt_pack_guid(msgpack_packer *pk, REFGUID g)
{
    msgpack_pack_bin_with_body(pk, g, sizeof *g);
}

int comrt_unpack_guid(const msgpack_object *o, GUID *g)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != sizeof *g)
        return -1;
    memcpy(g, o->via.bin.ptr, sizeof *g);
    return 0;
}
