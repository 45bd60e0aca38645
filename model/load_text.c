/* The byte checks a spec file passes before libyaml reads it (libyaml would
 * report a bad byte at the start of the file): UTF-16 and UTF-32 are named
 * with the command that converts them, a NUL or control character is
 * reported at its line and column, and so is the first byte that is not
 * UTF-8 or is a character YAML does not allow. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/load_internal.h"

/* A UTF-8 byte-order mark opening a file is skipped, as YAML allows: the text
 * (and so every line and column) starts after it. */
void sp_load_text_skip_bom(struct sp_src *src)
{
	if (src->len >= 3 && !memcmp(src->text, "\xef\xbb\xbf", 3)) {
		src->text += 3;
		src->len -= 3;
	}
}

/* Whether the first bytes look like text in units of `unit` bytes (2 or 4) with
 * the character in the last byte (big-endian) or the first (little-endian) and
 * the others zero, as ASCII is in UTF-16 or UTF-32: the first unit must, and
 * three quarters of the first 128 units. */
static int looks_wide(const unsigned char *t, size_t len, size_t unit, int big)
{
	size_t n = len / unit, hits = 0;
	if (n > 128)
		n = 128;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *u = t + i * unit;
		int ok = u[big ? unit - 1 : 0] != 0;
		for (size_t k = 0; k < unit - 1 && ok; k++)
			ok = u[big ? k : k + 1] == 0;
		if (!ok && i == 0)
			return 0;
		hits += (size_t)ok;
	}
	return n > 0 && hits * 4 >= n * 3;
}

/* UTF-16 and UTF-32 are named, with the command that converts them: by their
 * byte-order mark, or by the zero bytes ASCII text has in them. */
static int check_encoding(const struct sp_src *src, struct sp_diags *d)
{
	static const struct {
		const char *bom;
		size_t bomlen, unit;
		int big;
		const char *name, *endian, *iconv;
	} encs[] = {
		{ "\x00\x00\xfe\xff", 4, 4, 1, "UTF-32", "big-endian", "UTF-32BE" },
		{ "\xff\xfe\x00\x00", 4, 4, 0, "UTF-32", "little-endian", "UTF-32LE" },
		{ "\xfe\xff", 2, 2, 1, "UTF-16", "big-endian", "UTF-16BE" },
		{ "\xff\xfe", 2, 2, 0, "UTF-16", "little-endian", "UTF-16LE" },
	};
	const unsigned char *t = (const unsigned char *)src->text;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < SP_ARRAY_LEN(encs); i++) {
			if (pass == 0 ? src->len < encs[i].bomlen || memcmp(t, encs[i].bom, encs[i].bomlen)
				      : !looks_wide(t, src->len, encs[i].unit, encs[i].big))
				continue;
			sp_error(d, ((struct sp_pos){ src, 0, 0 }),
				 "the file %s %s (%s)%s; a spec is UTF-8 text: convert it (iconv -f %s -t UTF-8)",
				 pass == 0 ? "is" : "looks like", encs[i].name, encs[i].endian,
				 pass == 0 ? "" : " without a byte-order mark", encs[i].iconv);
			return -1;
		}
	return 0;
}

/* Checks the UTF-8 sequence at t[0..len) (t[0] >= 0x80). Returns its length
 * when it is a character YAML allows; 0 otherwise, with the reason in why when
 * why is not NULL. */
static size_t utf8_seq(const unsigned char *t, size_t len, char *why, size_t whysz)
{
	size_t n, k;
	uint32_t cp, min;
	char hex[24] = "", next[16];
	int used = 0;

	if (t[0] < 0xc0 || t[0] > 0xf4) {
		if (why)
			snprintf(why, whysz, "invalid UTF-8: byte 0x%02x cannot start a character", t[0]);
		return 0;
	}
	n = t[0] < 0xe0 ? 2 : t[0] < 0xf0 ? 3 : 4;
	for (k = 1; k < n; k++)
		if (k >= len || (t[k] & 0xc0) != 0x80)
			break;
	cp = t[0] & (0x7fu >> n);
	for (size_t j = 1; j < k; j++)
		cp = (cp << 6) | (t[j] & 0x3fu);
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (k == n && cp >= min && (cp < 0xd800 || cp > 0xdfff) && cp <= 0x10ffff &&
	    !(cp >= 0x80 && cp <= 0x9f && cp != 0x85) && cp != 0xfffe && cp != 0xffff)
		return n;
	if (!why)
		return 0;
	for (size_t j = 0; j < k; j++)
		used += snprintf(hex + used, sizeof(hex) - (size_t)used, "%s0x%02x", j ? " " : "", t[j]);
	if (k < n) {
		if (k >= len)
			snprintf(next, sizeof(next), "the file ends");
		else if (t[k] == '\n' || t[k] == '\r')
			snprintf(next, sizeof(next), "the line ends");
		else
			snprintf(next, sizeof(next), "0x%02x follows", t[k]);
		snprintf(why, whysz, "invalid UTF-8: truncated sequence: %s %s a %zu-byte character but %s",
			 hex, k == 1 ? "starts" : "start", n, next);
	} else if (cp < min) {
		snprintf(why, whysz, "invalid UTF-8: overlong encoding: %s is U+%04X in %zu bytes instead of %d",
			 hex, (unsigned)cp, n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		snprintf(why, whysz, "invalid UTF-8: %s is the surrogate U+%04X, which UTF-8 may not encode",
			 hex, (unsigned)cp);
	} else if (cp > 0x10ffff) {
		snprintf(why, whysz, "invalid UTF-8: %s would be U+%X, beyond the last character U+10FFFF",
			 hex, (unsigned)cp);
	} else {
		/* valid UTF-8 that YAML does not allow (libyaml reports it at 1:1) */
		snprintf(why, whysz, "the file contains the %s U+%04X, which YAML does not allow",
			 cp < 0xa0 ? "control character" : "noncharacter", (unsigned)cp);
	}
	return 0;
}

/* The text as the excerpt of a UTF-8 error shows it: each byte of an invalid
 * sequence (or of a character YAML forbids) becomes '?', every other character
 * is kept, so the caret's column, counted in characters, lands on the byte. */
static const struct sp_src *printable_view(struct sp_arena *a, const struct sp_src *src)
{
	struct sp_src *v = SP_NEW(a, struct sp_src);
	char *text = sp_arena_strndup(a, src->text, src->len);
	const unsigned char *t = (const unsigned char *)src->text;
	size_t n;

	for (size_t i = 0; i < src->len; i += n) {
		n = 1;
		if (t[i] >= 0x80 && (n = utf8_seq(t + i, src->len - i, NULL, 0)) == 0) {
			text[i] = '?';
			n = 1;
		}
	}
	v->name = src->name;
	v->text = text;
	v->len = src->len;
	return v;
}

/* One pass over the bytes, before libyaml sees them (it reports a bad byte at
 * the start of the file): a NUL or another control character means binary data
 * or a stray byte and is reported first; otherwise the first byte that is not
 * valid UTF-8 (or a character YAML forbids) is. Columns count characters, as
 * libyaml's do; each byte of an invalid sequence counts as one. */
static int check_text(struct sp_arena *a, const struct sp_src *src, struct sp_diags *d)
{
	const unsigned char *t = (const unsigned char *)src->text;
	struct sp_pos bad = { NULL, 0, 0 };
	char why[160];
	int line = 1, col = 1;

	for (size_t i = 0; i < src->len; col++) {
		unsigned char c = t[i];
		size_t n;
		if (c == '\n') {
			line++;
			col = 0;
			i++;
		} else if (c == 0) {
			sp_error(d, ((struct sp_pos){ src, line, col }), "the file contains a NUL byte; a spec is UTF-8 text");
			return -1;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			sp_error(d, ((struct sp_pos){ src, line, col }),
				 "the file contains the control character 0x%02x; a spec is UTF-8 text", c);
			return -1;
		} else if (c < 0x80) {
			i++;
		} else if ((n = utf8_seq(t + i, src->len - i, bad.src ? NULL : why, sizeof(why))) > 0) {
			i += n;
		} else {
			/* the first bad byte is kept; a NUL or control character later wins */
			if (!bad.src)
				bad = (struct sp_pos){ src, line, col };
			i++;
		}
	}
	if (bad.src) {
		bad.src = printable_view(a, src);
		sp_error(d, bad, "%s", why);
		return -1;
	}
	return 0;
}

int sp_load_text_check(struct sp_arena *a, const struct sp_src *src, struct sp_diags *d)
{
	if (check_encoding(src, d) < 0 || check_text(a, src, d) < 0)
		return -1;
	return 0;
}
