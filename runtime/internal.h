/*
 * internal.h - declarations shared by the runtime's own files. Never installed.
 */
#ifndef COMRT_INTERNAL_H
#define COMRT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "comrt.h"

/* Per-thread COM state. */
enum comrt_apartment_kind {
    COMRT_APT_NONE = -1,
    COMRT_APT_MTA = COINIT_MULTITHREADED,
    COMRT_APT_STA = COINIT_APARTMENTTHREADED,
};

struct comrt_thread {
    int init_count;                  /* successful CoInitializeEx calls not yet undone */
    enum comrt_apartment_kind apt;   /* chosen at the first CoInitializeEx */
    IErrorInfo *error;               /* GetErrorInfo's slot */
    int registered;                  /* the pthread key destructor is armed */
    struct comrt_apartment *sta;     /* the thread's STA while it is in one */
    int worker;                      /* a runtime worker thread: in the MTA without CoInitializeEx */
};

/* comrt_thread_get - this thread's state (never NULL). */
struct comrt_thread *comrt_thread_get(void);

/*
 * comrt_thread_check_init - S_OK if this thread may use COM: it is initialized,
 * or the process has a multithreaded apartment (COM's implicit MTA).
 * CO_E_NOTINITIALIZED (with error information naming fn) otherwise.
 */
HRESULT comrt_thread_check_init(const char *fn);

/* comrt_thread_set_worker - marks the calling thread as one of the
 * runtime's own MTA threads (the worker pool), which run MTA work without
 * having called CoInitializeEx. */
void comrt_thread_set_worker(void);

/* comrt_error_clear_thread - releases the thread's error object (thread exit, last CoUninitialize). */
void comrt_error_clear_thread(struct comrt_thread *t);

/* Loader (loader.c) */
void comrt_loader_free_unused(void);

/* Class objects registered in this process (classobj.c). */
HRESULT comrt_classobj_lookup(REFCLSID rclsid, DWORD clsctx, IUnknown **punk);
/* The apartment of the thread that registered rclsid (referenced), or NULL. */
struct comrt_apartment;
struct comrt_apartment *comrt_classobj_apartment(REFCLSID rclsid);

/* Formats a GUID for messages into a CHARS_IN_GUID buffer. */
static inline const char *comrt_guid_str(REFGUID g, char buf[CHARS_IN_GUID])
{
    if (!StringFromGUID2(g, buf, CHARS_IN_GUID))
        buf[0] = '\0';
    return buf;
}

/* comrt_task_mem_calloc - zeroed task memory (free with CoTaskMemFree). */
void *comrt_task_mem_calloc(size_t cb);

#endif /* COMRT_INTERNAL_H */
