/* rendezvous.c - the runtime directory and class publication; see rendezvous.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rendezvous.h"

#define ADDRESS_MAX 4096
#define PUBLISH_WAIT_MS 200

int64_t comrt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

HRESULT comrt_runtime_dir(char *buf, size_t size)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    struct stat st;
    int n;

    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/comrt", xdg);
    else
        n = snprintf(buf, size, "/tmp/comrt-%u", (unsigned)getuid());
    if (n < 0 || (size_t)n >= size)
        return comrt_error_set(E_INVALIDARG, "runtime directory path is too long");
    if (mkdir(buf, 0700) < 0 && errno != EEXIST)
        return comrt_error_set(comrt_hresult_from_errno(errno), "cannot create runtime directory %s: %s", buf,
                               strerror(errno));
    /* In /tmp anyone could have made it first: insist it is ours and private. */
    if (lstat(buf, &st) < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "%s: %s", buf, strerror(errno));
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077))
        return comrt_error_set(E_ACCESSDENIED,
                               "runtime directory %s is not a private directory owned by uid %u (mode %03o)", buf,
                               (unsigned)getuid(), (unsigned)(st.st_mode & 0777));
    return S_OK;
}

static HRESULT class_file(REFCLSID clsid, const char *suffix, char *buf, size_t size)
{
    char dir[3072], cs[CHARS_IN_GUID];
    HRESULT hr = comrt_runtime_dir(dir, sizeof dir);
    if (FAILED(hr))
        return hr;
    StringFromGUID2(clsid, cs, sizeof cs);
    if ((size_t)snprintf(buf, size, "%s/class-%s.%s", dir, cs, suffix) >= size)
        return comrt_error_set(E_INVALIDARG, "runtime directory path is too long");
    return S_OK;
}

HRESULT comrt_rendezvous_publish(REFCLSID clsid, const char *address, comrt_publication *pub)
{
    char path[4096], cs[CHARS_IN_GUID];
    size_t len = strlen(address);
    HRESULT hr;

    pub->fd = -1;
    if (len == 0 || len > ADDRESS_MAX)
        return comrt_error_set(E_INVALIDARG, "endpoint address of %zu bytes", len);
    hr = class_file(clsid, "lock", path, sizeof path);
    if (FAILED(hr))
        return hr;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "%s: %s", path, strerror(errno));
    /* A client probing liveness holds a shared lock for an instant: only a
     * lock held for PUBLISH_WAIT_MS is another live publisher. */
    int64_t deadline = comrt_now_ms() + PUBLISH_WAIT_MS;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        if ((e == EWOULDBLOCK || e == EINTR) && comrt_now_ms() < deadline) {
            sleep_ms(1);
            continue;
        }
        close(fd);
        if (e == EWOULDBLOCK)
            return comrt_error_set(CO_E_OBJISREG, "class %s is already served by another live process",
                                   (StringFromGUID2(clsid, cs, sizeof cs), cs));
        return comrt_error_set(comrt_hresult_from_errno(e), "flock %s: %s", path, strerror(e));
    }
    /* Readers that see the lock held but the file empty retry briefly. */
    if (ftruncate(fd, 0) < 0 || pwrite(fd, address, len, 0) != (ssize_t)len) {
        int e = errno;
        close(fd);
        return comrt_error_set(comrt_hresult_from_errno(e), "cannot write %s: %s", path, strerror(e));
    }
    pub->fd = fd;
    return S_OK;
}

void comrt_rendezvous_withdraw(comrt_publication *pub)
{
    if (pub->fd >= 0) {
        /* Empty it first, so nobody reads an address that is going away. */
        if (ftruncate(pub->fd, 0) < 0) {
            /* the lock still goes with the close below */
        }
        close(pub->fd);
        pub->fd = -1;
    }
}

HRESULT comrt_rendezvous_find(REFCLSID clsid, char **address)
{
    char path[4096];
    HRESULT hr;

    *address = NULL;
    hr = class_file(clsid, "lock", path, sizeof path);
    if (FAILED(hr))
        return hr;
    for (int attempt = 0; attempt < 200; attempt++) {
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return errno == ENOENT ? S_FALSE
                                   : comrt_error_set(comrt_hresult_from_errno(errno), "%s: %s", path,
                                                     strerror(errno));
        /* If we can take a shared lock, no publisher holds the exclusive one. */
        if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
            close(fd);
            return S_FALSE;
        }
        char buf[ADDRESS_MAX + 1];
        ssize_t n = pread(fd, buf, ADDRESS_MAX, 0);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            if (!(*address = strdup(buf)))
                return comrt_error_set(E_OUTOFMEMORY, "out of memory");
            return S_OK;
        }
        sleep_ms(1); /* locked but not written yet: the publisher is mid-way */
    }
    return S_FALSE;
}

HRESULT comrt_launch_lock_take(REFCLSID clsid, int timeout_ms, comrt_launch_lock *lock)
{
    char path[4096], cs[CHARS_IN_GUID];
    int64_t deadline = comrt_now_ms() + timeout_ms;
    HRESULT hr;

    lock->fd = -1;
    hr = class_file(clsid, "launch", path, sizeof path);
    if (FAILED(hr))
        return hr;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return comrt_error_set(comrt_hresult_from_errno(errno), "%s: %s", path, strerror(errno));
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            close(fd);
            return comrt_error_set(comrt_hresult_from_errno(e), "flock %s: %s", path, strerror(e));
        }
        if (comrt_now_ms() >= deadline) {
            close(fd);
            StringFromGUID2(clsid, cs, sizeof cs);
            return comrt_error_set(RPC_E_TIMEOUT, "class %s: another client kept launching its server for over %d ms",
                                   cs, timeout_ms);
        }
        sleep_ms(2);
    }
    lock->fd = fd;
    return S_OK;
}

void comrt_launch_lock_release(comrt_launch_lock *lock)
{
    if (lock->fd >= 0) {
        close(lock->fd);
        lock->fd = -1;
    }
}
