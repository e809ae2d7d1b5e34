/*
 * server.h - what the whiteboard server's files share (not for clients).
 *
 *   item.c     screens and sizes items
 *   fanout.c   registered clients: one queue and one delivery thread each
 *   board.c    named boards: items in order, sequence numbers
 *   session.c  the ScribbleServer class: one object per client session
 *   server_main.c  main(), limits, logging
 */
#ifndef WB_SERVER_H
#define WB_SERVER_H

#include <stddef.h>

#include "whiteboard.h" /* generated from whiteboard.idl */

#define WB_PROGID "Whiteboard.Server.1"
#define WB_VI_PROGID "Whiteboard.Server"

/* Limits that protect the server from its clients (docs/whiteboard.md). */
typedef struct wb_limits {
    size_t max_boards;        /* boards in one server */
    size_t max_items;         /* items on one board */
    size_t max_board_bytes;   /* memory the items of one board may hold */
    size_t max_clients;       /* registered clients per board */
    size_t queue_events;      /* undelivered changes one client may lag behind */
    size_t queue_bytes;       /* ... and the memory they may hold */
} wb_limits;

/* The defaults; server_main.c lets the environment lower queue_events. */
#define WB_LIMITS_DEFAULT {256, 1000000, 64u << 20, 1024, 4096, 32u << 20}

/* wb_log - one line to the server's log (stderr), with a prefix. */
void wb_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The class table (session.c). */
extern comrt_module wb_module;

/* The embedded type library (whiteboard_tlb.c, generated). */
extern const unsigned char comrt_typelib_data[];
extern const size_t comrt_typelib_size;

#endif
