/* The checksums of state files and journal lines (providers/checksum.h). */
#include "providers/checksum.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/xalloc.h"

/* ---- the state file ----------------------------------------------------------------------------- */

/* The state file's checksum is a top-level key, written right after
 * scaleplan_version as
 *     "checksum": "crc32c:1a2b3c4d",
 * and it covers every byte of the file, with its own eight hex digits read
 * as zeros. Two spaces of indentation make the line unique: a string value
 * cannot hold a raw newline, and deeper keys are indented further. */
static const char checksum_key[] = "\n  \"checksum\": \"crc32c:";

/* The offset of the eight hex digits of the state's checksum, or -1. */
static long checksum_at(const char *text, size_t len)
{
	const char *p = memmem(text, len, checksum_key, sizeof(checksum_key) - 1);
	if (!p || (size_t)(p - text) + sizeof(checksum_key) - 1 + 9 > len)
		return -1;
	return (long)(p - text) + (long)sizeof(checksum_key) - 1;
}

static uint32_t crc_with_zeros(const char *text, size_t len, const char *digits)
{
	size_t at = (size_t)(digits - text);
	uint32_t c = sp_crc32c(0, text, at);
	c = sp_crc32c(c, "00000000", 8);
	return sp_crc32c(c, digits + 8, len - at - 8);
}

void sp_checksum_seal_state(char *text, size_t len)
{
	long at = checksum_at(text, len);
	char hex[9];
	if (at < 0)
		return;
	snprintf(hex, sizeof(hex), "%08x", crc_with_zeros(text, len, text + at));
	memcpy(text + at, hex, 8);
}

static int parse_hex8(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		char c = p[i];
		int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (x < 0)
			return -1;
		v = v << 4 | (uint32_t)x;
	}
	*out = v;
	return 0;
}

int sp_checksum_verify_state(const char *text, size_t len, const char *origin, struct sp_err *err)
{
	long at = checksum_at(text, len);
	const char *d = text + at;
	uint32_t want, got;

	if (at < 0)
		return 0;
	if (parse_hex8(d, &want) < 0 || d[8] != '"')
		return sp_err_set(err, SP_ECORRUPT, origin, 0, 0,
				  "damaged: its checksum is not 'crc32c:' and 8 lowercase hex digits");
	got = crc_with_zeros(text, len, d);
	if (got != want)
		return sp_err_set(err, SP_ECORRUPT, origin, 0, 0,
				  "damaged: its content does not match its checksum (crc32c:%08x recorded, crc32c:%08x "
				  "computed): the file was changed after scaleplan wrote it",
				  want, got);
	return 1;
}

/* ---- journal lines ------------------------------------------------------------------------------ */

/* A journal line's checksum closes its object: {...,"crc32c":"1a2b3c4d"}
 * over every byte before the comma. */
static const char line_crc_key[] = ",\"crc32c\":\"";
#define LINE_CRC_TAIL (sizeof(line_crc_key) - 1 + 8 + 2) /* ,"crc32c":"12345678"} */

char *sp_checksum_seal_line(char *line)
{
	size_t n = strlen(line); /* "{...}\n" */
	char *out;

	if (n < 3 || line[n - 1] != '\n' || line[n - 2] != '}')
		return line;
	out = sp_xmalloc(n + LINE_CRC_TAIL + 1);
	n -= 2; /* drop "}\n" */
	memcpy(out, line, n);
	snprintf(out + n, LINE_CRC_TAIL + 2, "%s%08x\"}\n", line_crc_key, sp_crc32c(0, line, n));
	free(line);
	return out;
}

int sp_checksum_verify_line(const char *p, size_t n, const char *origin, int lineno, struct sp_err *err)
{
	uint32_t want, got;
	const char *t;

	if (n < LINE_CRC_TAIL + 2)
		return 0;
	t = p + n - LINE_CRC_TAIL;
	if (memcmp(t, line_crc_key, sizeof(line_crc_key) - 1) || p[n - 2] != '"' || p[n - 1] != '}')
		return 0;
	if (parse_hex8(t + sizeof(line_crc_key) - 1, &want) < 0)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "damaged journal record: its checksum is not 8 lowercase hex digits");
	got = sp_crc32c(0, p, (size_t)(t - p));
	if (got != want)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "damaged journal record: its content does not match its checksum (crc32c:%08x "
				  "recorded, crc32c:%08x computed)",
				  want, got);
	return 1;
}
