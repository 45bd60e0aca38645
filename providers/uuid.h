/* Random (version 4) UUIDs, for state lineages and lock IDs. */
#ifndef SP_UUID_H
#define SP_UUID_H

#include "lib/err.h"

/* Writes a lowercase "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx" (RFC 9562
 * version 4, variant 10) and its NUL into out, from 16 bytes of
 * /dev/urandom. Returns 0, or SP_EIO when /dev/urandom cannot be read. */
int sp_uuid_v4(char out[37], struct sp_err *err);

/* The same, but never fails: when /dev/urandom cannot be read, the UUID is
 * made from the clock, the process ID and the address salt, unique rather
 * than random (for a state's lineage, which only has to be unique). */
void sp_uuid_v4_unique(char out[37], const void *salt);

/* Whether s has the 8-4-4-4-12 hexadecimal shape of a UUID (any version). */
int sp_uuid_valid(const char *s);

#endif
