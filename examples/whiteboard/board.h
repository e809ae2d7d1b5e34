/*
 * board.h - named boards (server side): each keeps its items in order and
 * numbers its changes, and owns the fan-out list of its clients. Boards
 * are made on first use and live as long as the server process, so a
 * resident server (--service) keeps every board while nobody is connected.
 */
#ifndef WB_BOARD_H
#define WB_BOARD_H

#include "fanout.h"

typedef struct wb_board wb_board;

/* wb_boards_init - sets the limits (copied) before the first board is made. */
void wb_boards_init(const wb_limits *lim);

/*
 * wb_boards_shutdown - frees every board, waiting up to wait_ms for their
 * delivery threads; boards with a thread stuck in a call stay allocated.
 */
void wb_boards_shutdown(int wait_ms);

/* wb_board_valid_name - 1 for 1-64 printable ASCII characters. */
int wb_board_valid_name(const char *name);

/*
 * wb_board_open - the board called name, made if needed (borrowed: valid
 * until wb_boards_shutdown). E_INVALIDARG for a bad name, E_OUTOFMEMORY
 * beyond limits.max_boards.
 */
HRESULT wb_board_open(const char *name, wb_board **out);

const char *wb_board_name(const wb_board *b);
wb_fanout *wb_board_fanout(wb_board *b);

/*
 * wb_board_add - stores a copy of item (screened by wb_item_check) as the
 * next change, tells every client except author's, and returns its seq.
 */
HRESULT wb_board_add(wb_board *b, const VARIANT *item, const void *author, LONG *seq);

/* wb_board_clear - removes every item as the next change; others are told. */
HRESULT wb_board_clear(wb_board *b, const void *author, LONG *seq);

/* wb_board_snapshot - a copy of every item, oldest first, and the seq of
 * the last change it reflects. */
HRESULT wb_board_snapshot(wb_board *b, LONG *seq, SAFEARRAY **items);

LONG wb_board_count(wb_board *b);

#endif
