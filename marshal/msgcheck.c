/* msgcheck.c - see msgcheck.h. Format: the msgpack specification's type table. */
#include <stdint.h>

#include "msgcheck.h"

int comrt_msgpack_plausible(const void *data, size_t size)
{
    size_t len;
    return comrt_msgpack_plausible_prefix(data, size, &len) && len == size;
}

int comrt_msgpack_plausible_prefix(const void *data, size_t size, size_t *len)
{
    const uint8_t *d = data;
    size_t pos = 0;
    uint64_t owed = 1; /* values still to read */

    while (owed) {
        if (pos >= size || owed > size - pos)
            return 0;
        uint8_t b = d[pos++];
        owed--;
        uint64_t children = 0, payload = 0;
        int lenbytes = 0, per_len = 0; /* per_len: 0 bytes, 1 elements, 2 pairs */

        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
            continue; /* fixint, nil, bool */
        if (b <= 0x8f)
            children = 2u * (b & 0x0f); /* fixmap */
        else if (b <= 0x9f)
            children = b & 0x0f; /* fixarray */
        else if (b <= 0xbf)
            payload = b & 0x1f; /* fixstr */
        else
            switch (b) {
            case 0xc4: case 0xc5: case 0xc6: lenbytes = 1 << (b - 0xc4); break;       /* bin */
            case 0xc7: case 0xc8: case 0xc9: lenbytes = 1 << (b - 0xc7); payload = 1; break; /* ext + type */
            case 0xca: payload = 4; break;
            case 0xcb: payload = 8; break;
            case 0xcc: case 0xd0: payload = 1; break;
            case 0xcd: case 0xd1: payload = 2; break;
            case 0xce: case 0xd2: payload = 4; break;
            case 0xcf: case 0xd3: payload = 8; break;
            case 0xd4: payload = 2; break; /* fixext: type + data */
            case 0xd5: payload = 3; break;
            case 0xd6: payload = 5; break;
            case 0xd7: payload = 9; break;
            case 0xd8: payload = 17; break;
            case 0xd9: case 0xda: case 0xdb: lenbytes = 1 << (b - 0xd9); break; /* str */
            case 0xdc: lenbytes = 2; per_len = 1; break;
            case 0xdd: lenbytes = 4; per_len = 1; break;
            case 0xde: lenbytes = 2; per_len = 2; break;
            case 0xdf: lenbytes = 4; per_len = 2; break;
            default: return 0; /* 0xc1 is never used */
            }
        if (lenbytes) {
            if (size - pos < (size_t)lenbytes)
                return 0;
            uint64_t n = comrt_msgpack_be(d + pos, lenbytes);
            pos += (size_t)lenbytes;
            if (per_len == 1)
                children = n;
            else if (per_len == 2)
                children = 2 * n;
            else
                payload += n;
        }
        if (payload > size - pos)
            return 0;
        pos += (size_t)payload;
        owed += children; /* checked against the bytes left at the top of the loop */
    }
    *len = pos;
    return 1;
}
