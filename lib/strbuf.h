/* A growable string with git's strbuf semantics: buf is never NULL and always
 * NUL-terminated; sp_sb_detach hands the buffer to the caller. */
#ifndef SP_STRBUF_H
#define SP_STRBUF_H
#include <stdarg.h>
#include <stddef.h>

struct sp_sb {
	char *buf;
	size_t len, cap;
};

#define SP_SB_INIT { sp_sb_empty, 0, 0 }
extern char sp_sb_empty[1];  /* shared empty buffer; never written */

/* Starts an empty string (no allocation), as SP_SB_INIT does. */
void sp_sb_init(struct sp_sb *sb);
/* Frees the buffer; sb is empty (and usable) after. */
void sp_sb_release(struct sp_sb *sb);
/* Empties sb, keeping its buffer. */
void sp_sb_reset(struct sp_sb *sb);
/* Makes room for extra more bytes (and the NUL). */
void sp_sb_grow(struct sp_sb *sb, size_t extra);
/* Appends n bytes, a C string, one character, or formatted text (sp_sb_vaddf: a va_list). */
void sp_sb_add(struct sp_sb *sb, const void *data, size_t n);
void sp_sb_adds(struct sp_sb *sb, const char *s);
void sp_sb_addc(struct sp_sb *sb, char c);
void sp_sb_addf(struct sp_sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sp_sb_vaddf(struct sp_sb *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends s escaped for a double-quoted string (JSON/DOT/YAML). */
void sp_sb_add_quoted(struct sp_sb *sb, const char *s);
/* The caller owns the returned string; sb is reset to empty. */
char *sp_sb_detach(struct sp_sb *sb, size_t *len);

/* Reads a whole file, refusing more than max bytes (curl's CURLOPT_MAXFILESIZE
 * idea). Returns 0, -1 with errno set on I/O failure, or -2 when too large. */
int sp_sb_read_file(struct sp_sb *sb, const char *path, size_t max);

#endif
