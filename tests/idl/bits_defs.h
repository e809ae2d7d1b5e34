/* bits_defs.h - reached through #include, so comidl runs cpp over bits.idl. */
#define BITS_ALL_USERS_FLAG 0x0001
#define UINT64 unsigned hyper
