/* The checksums of the state file and of every journal line (CRC-32C,
 * docs/providers.md, "Integrity"): sealing what was just encoded, and
 * verifying what is read before it is decoded, so damage is named as damage
 * whatever the JSON says. */
#ifndef SP_CHECKSUM_H
#define SP_CHECKSUM_H
#include <stddef.h>

#include "lib/err.h"

/* The value an encoded state carries for "checksum" until it is sealed. */
#define SP_CHECKSUM_PLACEHOLDER "crc32c:00000000"

/* Fills in the checksum of an encoded state, in place: the CRC-32C of every
 * byte of text, with the checksum's own eight hex digits read as zeros. A
 * text without the checksum line is left alone. */
void sp_checksum_seal_state(char *text, size_t len);

/* Checks the checksum line of a state's text, when it has one: 1 found and
 * right, 0 none, SP_ECORRUPT (err at origin) when it is malformed or does
 * not match. */
int sp_checksum_verify_state(const char *text, size_t len, const char *origin, struct sp_err *err);

/* Seals one journal line, "{...}\n" (malloc'd, freed here): returns a new
 * malloc'd line that ends its object with ,"crc32c":"<8 hex digits>", the
 * CRC-32C of the bytes before the comma. A line of another shape is
 * returned as it is. */
char *sp_checksum_seal_line(char *line);

/* Checks the checksum of one journal line (n bytes, without its newline):
 * 1 right, 0 the line has none, SP_ECORRUPT (err at origin:lineno) when it
 * is malformed or does not match. */
int sp_checksum_verify_line(const char *p, size_t n, const char *origin, int lineno, struct sp_err *err);

#endif
