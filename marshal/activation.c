/*
 * activation.c - CLSCTX_LOCAL_SERVER: find the live server of a class (or
 * launch it, one launcher at a time), connect, and ask its activator for
 * the class object or a new instance.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activation.h"
#include "launch.h"
#include "orpc.h"
#include "rendezvous.h"

/* The live server's address, launching it if nobody publishes the class. */
static HRESULT find_or_launch(REFCLSID clsid, char **address)
{
    comrt_launch_lock ll;
    HRESULT hr = comrt_rendezvous_find(clsid, address);
    if (hr != S_FALSE)
        return hr;
    hr = comrt_launch_lock_take(clsid, comrt_activation_timeout_ms(), &ll);
    if (FAILED(hr))
        return hr;
    /* Whoever held the launch lock before us may have started it. */
    hr = comrt_rendezvous_find(clsid, address);
    if (hr == S_FALSE)
        hr = comrt_launch_server(clsid, address);
    comrt_launch_lock_release(&ll);
    return hr;
}

HRESULT comrt_activator_call(comrt_conn *c, uint32_t what, const msgpack_sbuffer *ins, comrt_msg *reply)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    HRESULT hr;

    uint32_t id = comrt_conn_next_call_id(c);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 7);
    msgpack_pack_uint32(&pk, COMRT_MSG_REQUEST);
    msgpack_pack_uint32(&pk, id);
    msgpack_pack_uint64(&pk, COMRT_OID_ACTIVATOR);
    comrt_pack_guid(&pk, &IID_IUnknown);
    msgpack_pack_uint32(&pk, what);
    msgpack_pack_uint32(&pk, 0);
    msgpack_sbuffer_write(&sb, ins->data, ins->size);
    hr = comrt_conn_call(c, id, sb.data, sb.size, reply);
    msgpack_sbuffer_destroy(&sb);
    if (FAILED(hr))
        return hr;
    if (reply->nitems < 4 ||
        (reply->items[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
         reply->items[2].type != MSGPACK_OBJECT_NEGATIVE_INTEGER) ||
        reply->items[3].type != MSGPACK_OBJECT_ARRAY) {
        comrt_msg_free(reply);
        return comrt_error_set(RPC_E_INVALID_DATA, "malformed reply from the peer's activator");
    }
    hr = (HRESULT)reply->items[2].via.i64;
    if (FAILED(hr)) {
        if (reply->nitems >= 5 && reply->items[4].type == MSGPACK_OBJECT_STR)
            comrt_error_set(hr, "%.*s", (int)reply->items[4].via.str.size, reply->items[4].via.str.ptr);
        else
            comrt_error_set(hr, "the peer refused the request: 0x%08X", (unsigned)hr);
        comrt_msg_free(reply);
    }
    return hr;
}

static HRESULT ask_activator(comrt_conn *c, REFCLSID clsid, uint32_t what, REFIID iid, void **ppv)
{
    msgpack_sbuffer ins;
    msgpack_packer pk;
    comrt_msg reply;
    HRESULT hr;

    msgpack_sbuffer_init(&ins);
    msgpack_packer_init(&pk, &ins, msgpack_sbuffer_write);
    msgpack_pack_array(&pk, 2);
    comrt_pack_guid(&pk, clsid);
    comrt_pack_guid(&pk, iid);
    hr = comrt_activator_call(c, what, &ins, &reply);
    msgpack_sbuffer_destroy(&ins);
    if (FAILED(hr))
        return hr;
    if (reply.items[3].via.array.size != 1)
        hr = comrt_error_set(RPC_E_INVALID_DATA, "malformed activation reply");
    else
        hr = comrt_import_unmarshal(c, &reply.items[3].via.array.ptr[0], iid, ppv);
    comrt_msg_free(&reply);
    return hr;
}

HRESULT comrt_local_activate(REFCLSID clsid, int create, REFIID iid, void **ppv)
{
    HRESULT hr = E_FAIL;

    *ppv = NULL;
    /* A server can die, or start leaving, between being found and being
     * reached: then another is found or started. */
    for (int attempt = 0; attempt < 3; attempt++) {
        char *address = NULL;
        comrt_conn *c = NULL;
        hr = find_or_launch(clsid, &address);
        if (FAILED(hr))
            return hr;
        hr = comrt_orpc_connect(address, NULL, &c);
        free(address);
        if (SUCCEEDED(hr)) {
            hr = ask_activator(c, clsid, create ? COMRT_ACT_CREATE_INSTANCE : COMRT_ACT_GET_CLASS_OBJECT, iid, ppv);
            comrt_conn_unref(c);
        }
        if (hr == CO_E_SERVER_STOPPING) {
            struct timespec ts = {0, 20 * 1000000L}; /* let it withdraw its publication */
            nanosleep(&ts, NULL);
            continue;
        }
        if (hr != RPC_E_DISCONNECTED)
            break;
    }
    return hr;
}
