/*
 * item.h - what the whiteboard server knows about an item: its size and
 * that it is plain data. It never looks at the values (server side only).
 */
#ifndef WB_ITEM_H
#define WB_ITEM_H

#include <stddef.h>

#include <comrt.h>

/* The largest item one AddStroke may store (memory the item holds). */
#define WB_ITEM_MAX_BYTES (1u << 20)

/*
 * wb_item_check - the memory item holds (the VARIANT, its strings, arrays
 * and their elements) in *bytes, if it is plain data: E_INVALIDARG for an
 * interface pointer anywhere inside (a board stores data, not objects: a
 * proxy would pin its exporter and could not be replayed once that client
 * is gone), for VT_BYREF (the referenced storage belongs to the caller), an
 * unknown VARTYPE, or more than WB_ITEM_MAX_BYTES. Error information says
 * which.
 */
HRESULT wb_item_check(const VARIANT *item, size_t *bytes);

#endif
