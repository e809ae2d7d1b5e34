/*
 * unix.c - the AF_UNIX stream transport ("unix:/path/to/socket").
 *
 * Sockets live in the per-user runtime directory (0700), so the file
 * system already keeps other users out; SO_PEERCRED names the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../transport.h"

typedef struct unix_stream {
    comrt_stream base;
    int fd;
} unix_stream;

typedef struct unix_listener {
    comrt_listener base;
    int fd;
    char *path;
} unix_listener;

static HRESULT fill_addr(const char *path, struct sockaddr_un *sa)
{
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof sa->sun_path)
        return comrt_error_set(E_INVALIDARG, "unix socket path '%s' is empty or too long (max %zu bytes)", path,
                               sizeof sa->sun_path - 1);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, path, n);
    return S_OK;
}

static HRESULT new_stream(int fd, comrt_stream **out)
{
    unix_stream *s = calloc(1, sizeof *s);
    if (!s) {
        close(fd);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a connection");
    }
    s->base.ops = &comrt_transport_unix;
    s->fd = fd;
    *out = &s->base;
    return S_OK;
}

static HRESULT u_listen(const char *path, comrt_listener **out)
{
    struct sockaddr_un sa;
    HRESULT hr = fill_addr(path, &sa);
    if (FAILED(hr))
        return hr;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "socket: %s", strerror(errno));
    /* The caller owns the name (it holds the rendezvous lock): replace a stale socket. */
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 128) < 0) {
        int e = errno;
        close(fd);
        return comrt_error_set(comrt_hresult_from_errno(e), "cannot listen on %s: %s", path, strerror(e));
    }
    unix_listener *l = calloc(1, sizeof *l);
    if (!l || !(l->path = strdup(path))) {
        free(l);
        close(fd);
        unlink(path);
        return comrt_error_set(E_OUTOFMEMORY, "out of memory for a listener");
    }
    l->base.ops = &comrt_transport_unix;
    l->fd = fd;
    *out = &l->base;
    return S_OK;
}

static HRESULT u_accept(comrt_listener *base, comrt_stream **out)
{
    unix_listener *l = (unix_listener *)base;
    int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED)
            return S_FALSE;
        return comrt_error_set(comrt_hresult_from_errno(e), "accept on %s: %s", l->path, strerror(e));
    }
    return new_stream(fd, out);
}

static HRESULT u_connect(const char *path, comrt_stream **out)
{
    struct sockaddr_un sa;
    HRESULT hr = fill_addr(path, &sa);
    if (FAILED(hr))
        return hr;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "socket: %s", strerror(errno));
    while (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        if (e == EINTR)
            continue;
        close(fd);
        return comrt_error_set(RPC_E_DISCONNECTED, "cannot connect to %s: %s", path, strerror(e));
    }
    return new_stream(fd, out);
}

static HRESULT u_sendv(comrt_stream *base, const struct iovec *iov_in, int iovcnt)
{
    unix_stream *s = (unix_stream *)base;
    struct iovec small[16], *iov = small;
    HRESULT hr = S_OK;

    /* sendmsg consumes the array as it goes: work on a copy. */
    if (iovcnt > (int)(sizeof small / sizeof small[0]) && !(iov = malloc((size_t)iovcnt * sizeof *iov)))
        return comrt_error_set(E_OUTOFMEMORY, "out of memory sending a frame");
    memcpy(iov, iov_in, (size_t)iovcnt * sizeof *iov);
    struct iovec *p = iov;
    while (iovcnt > 0) {
        struct msghdr mh = {.msg_iov = p, .msg_iovlen = (size_t)(iovcnt < IOV_MAX ? iovcnt : IOV_MAX)};
        ssize_t n = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            hr = comrt_error_set(RPC_E_DISCONNECTED, "send: %s", strerror(errno));
            break;
        }
        while (iovcnt > 0 && (size_t)n >= p->iov_len) {
            n -= (ssize_t)p->iov_len;
            p++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            p->iov_base = (char *)p->iov_base + n;
            p->iov_len -= (size_t)n;
        }
    }
    if (iov != small)
        free(iov);
    return hr;
}

static HRESULT u_recv(comrt_stream *base, void *buf, size_t len)
{
    unix_stream *s = (unix_stream *)base;
    size_t got = 0;
    while (got < len) {
        ssize_t n = recv(s->fd, (char *)buf + got, len - got, 0);
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return comrt_error_set(RPC_E_TIMEOUT, "the peer stopped sending in the middle of a frame");
        if (n == 0 && got == 0)
            return S_FALSE;
        return comrt_error_set(RPC_E_DISCONNECTED, "connection lost: %s",
                               n == 0 ? "end of stream inside a frame" : strerror(errno));
    }
    return S_OK;
}

static HRESULT u_recv_some(comrt_stream *base, void *buf, size_t len, int nowait, size_t *got)
{
    unix_stream *s = (unix_stream *)base;
    *got = 0;
    for (;;) {
        ssize_t n = recv(s->fd, buf, len, nowait ? MSG_DONTWAIT : 0);
        if (n > 0) {
            *got = (size_t)n;
            return S_OK;
        }
        if (n == 0)
            return S_FALSE;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return nowait ? E_PENDING : comrt_error_set(RPC_E_TIMEOUT, "the peer sent nothing in time");
        return comrt_error_set(RPC_E_DISCONNECTED, "connection lost: %s", strerror(errno));
    }
}

static HRESULT u_peer_cred(comrt_stream *base, comrt_peer_cred *cred)
{
    unix_stream *s = (unix_stream *)base;
    struct ucred uc;
    socklen_t n = sizeof uc;
    if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &uc, &n) < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "SO_PEERCRED: %s", strerror(errno));
    cred->pid = uc.pid;
    cred->uid = uc.uid;
    cred->gid = uc.gid;
    return S_OK;
}

static HRESULT u_set_recv_timeout(comrt_stream *base, int ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    if (setsockopt(((unix_stream *)base)->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "SO_RCVTIMEO: %s", strerror(errno));
    return S_OK;
}

static void u_shutdown(comrt_stream *base)
{
    shutdown(((unix_stream *)base)->fd, SHUT_RDWR);
}

static void u_close_stream(comrt_stream *base)
{
    unix_stream *s = (unix_stream *)base;
    if (!s)
        return;
    close(s->fd);
    free(s);
}

static void u_close_listener(comrt_listener *base)
{
    unix_listener *l = (unix_listener *)base;
    if (!l)
        return;
    close(l->fd);
    unlink(l->path);
    free(l->path);
    free(l);
}

static int u_stream_fd(comrt_stream *s) { return ((unix_stream *)s)->fd; }
static int u_listener_fd(comrt_listener *l) { return ((unix_listener *)l)->fd; }

const comrt_transport_ops comrt_transport_unix = {
    .scheme = "unix",
    .listen = u_listen,
    .accept = u_accept,
    .connect = u_connect,
    .sendv = u_sendv,
    .recv = u_recv,
    .recv_some = u_recv_some,
    .peer_cred = u_peer_cred,
    .set_recv_timeout = u_set_recv_timeout,
    .shutdown = u_shutdown,
    .close_stream = u_close_stream,
    .close_listener = u_close_listener,
    .stream_fd = u_stream_fd,
    .listener_fd = u_listener_fd,
};
