/*
 * rawpeer.c - the raw AF_UNIX reference of bench_oop: a fork()ed peer
 * process that, per command, reads `req` bytes and answers `rep` bytes
 * `count` times with plain blocking read/write (optionally doing the oop
 * server's method work on the data), the client side of those exchanges,
 * and CPU pinning of whole processes (every thread in /proc/PID/task).
 * No comrt code here: this is what a hand-written protocol would cost.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h" /* now_ns only: the exchanges call no comrt code */

/* Declared (with RAW_WORK_*) at the top of bench_oop.c, the only user. */
enum { RAW_WORK_NONE, RAW_WORK_CHECKSUM, RAW_WORK_FILL };

static int raw_fd = -1;
static pid_t raw_pid = -1;
static unsigned char *raw_buf;
static size_t raw_cap;

struct raw_cmd {
    uint32_t req, rep, count, work;
};

void raw_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("raw write");
            _exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Returns 0 at end of file before any byte. */
int raw_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t want = len;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && len == want)
            return 0;
        if (n <= 0) {
            perror("raw read");
            _exit(1);
        }
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

/* The oop server's method bodies (tests/oop/oop_server.c prm_Bulk, prm_Fetch). */
__attribute__((noinline)) uint32_t raw_checksum(const unsigned char *data, int32_t n)
{
    uint32_t c = 0;
    for (int32_t i = 0; i < n; i++)
        c = c * 31 + data[i];
    return c;
}

__attribute__((noinline)) void raw_fill(unsigned char *data, int32_t n)
{
    for (int32_t i = 0; i < n; i++)
        data[i] = (unsigned char)(i ^ 0x5A);
}

static unsigned char *reserve(unsigned char **buf, size_t *cap, size_t need)
{
    if (need > *cap) {
        free(*buf);
        if (!(*buf = calloc(1, need)))
            _exit(1);
        *cap = need;
    }
    return *buf;
}

static void peer_main(int fd)
{
    struct raw_cmd c;
    unsigned char *buf = NULL;
    size_t cap = 0;
    volatile uint32_t sink = 0;
    while (raw_read_all(fd, &c, sizeof c) && c.count) {
        reserve(&buf, &cap, c.req > c.rep ? c.req : c.rep);
        for (uint32_t i = 0; i < c.count; i++) {
            raw_read_all(fd, buf, c.req);
            if (c.work == RAW_WORK_CHECKSUM)
                sink = raw_checksum(buf, (int32_t)c.req);
            else if (c.work == RAW_WORK_FILL)
                raw_fill(buf, (int32_t)c.rep);
            raw_write_all(fd, buf, c.rep);
        }
    }
    (void)sink;
    _exit(0);
}

pid_t raw_start(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
        return -1;
    raw_pid = fork();
    if (raw_pid == 0) {
        close(sv[0]);
        peer_main(sv[1]);
    }
    close(sv[1]);
    raw_fd = sv[0];
    return raw_pid;
}

void raw_stop(void)
{
    struct raw_cmd end = {0, 0, 0, 0};
    raw_write_all(raw_fd, &end, sizeof end);
    close(raw_fd);
    waitpid(raw_pid, NULL, 0);
    free(raw_buf);
}

double raw_roundtrips(uint32_t req, uint32_t rep, uint32_t count, int work)
{
    struct raw_cmd c = {req, rep, count, (uint32_t)work};
    reserve(&raw_buf, &raw_cap, req > rep ? req : rep);
    raw_write_all(raw_fd, &c, sizeof c);
    double t0 = now_ns();
    for (uint32_t i = 0; i < count; i++) {
        raw_write_all(raw_fd, raw_buf, req);
        raw_read_all(raw_fd, raw_buf, rep);
    }
    return (now_ns() - t0) / count;
}

/* Pins every thread of `pid` (0: this process) to `cpu`, or unpins (cpu < 0). */
void raw_pin(pid_t pid, int cpu)
{
    char dir[64];
    cpu_set_t set;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    CPU_ZERO(&set);
    for (long i = 0; i < ncpu && i < CPU_SETSIZE; i++)
        if (cpu < 0 || i == cpu)
            CPU_SET((int)i, &set);
    snprintf(dir, sizeof dir, "/proc/%d/task", pid ? (int)pid : (int)getpid());
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.')
            sched_setaffinity((pid_t)atoi(e->d_name), sizeof set, &set);
    closedir(d);
}

pid_t raw_peer_pid(void)
{
    return raw_pid;
}
