/* Diagnostics: errors and warnings with a source position, collected (up to a
 * limit) so that a command reports every problem at once, then printed in the
 * GNU format with the source line and a caret under the column:
 *
 *   scaleplan: spec.yaml:12:7: error: unknown key 'replica'; did you mean 'replicas'?
 *      12 |       replica: 2
 *         |       ^
 */
#ifndef SP_DIAG_H
#define SP_DIAG_H
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* A loaded source file; positions point at it so the printer can show the line. */
struct sp_src {
	const char *name;   /* as given on the command line (relative stays relative) */
	const char *text;   /* whole file, NUL-terminated; may contain NULs before len */
	size_t len;
};

/* A position in a source: 1-based line and column; src may be NULL (no place). */
struct sp_pos {
	const struct sp_src *src;
	int line, col;
};

enum sp_severity { SP_ERROR, SP_WARNING, SP_NOTE };

/* A diagnostic copies its file name and source line when it is made, so it
 * can be printed after the spec (and its sources) are freed. */
struct sp_diag {
	enum sp_severity sev;
	struct sp_pos pos;   /* pos.src must not be dereferenced after the source is freed */
	char *file;          /* owned copy of pos.src->name, or NULL */
	char *line_text;     /* owned copy of the source line, or NULL */
	char *msg;           /* owned (malloc) */
};

struct sp_diags {
	struct sp_diag *v;
	size_t n, cap;
	size_t limit;     /* most diagnostics kept (default 50); more are counted */
	size_t nerrors;   /* every error, kept or not */
	size_t nwarnings;
	size_t dropped;
};

/* Starts an empty list that keeps up to 50 diagnostics. */
void sp_diags_init(struct sp_diags *d);
/* Frees every diagnostic kept; d is empty after. */
void sp_diags_free(struct sp_diags *d);
/* Adds a diagnostic at pos (counted always, kept up to d->limit); the file
 * name and the source line are copied. sp_vdiag takes a va_list. */
void sp_diag(struct sp_diags *d, enum sp_severity sev, struct sp_pos pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sp_vdiag(struct sp_diags *d, enum sp_severity sev, struct sp_pos pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));
#define sp_error(d, pos, ...) sp_diag((d), SP_ERROR, (pos), __VA_ARGS__)
#define sp_warn(d, pos, ...) sp_diag((d), SP_WARNING, (pos), __VA_ARGS__)
#define sp_note(d, pos, ...) sp_diag((d), SP_NOTE, (pos), __VA_ARGS__)

/* Sorts by file, line, column (stable), so output is in reading order. */
void sp_diags_sort(struct sp_diags *d);
/* Prints every kept diagnostic to f, with source excerpts; color adds ANSI
 * colours. Ends with "N errors" when more than one or some were dropped. */
void sp_diags_print(FILE *f, const struct sp_diags *d, int color);

/* Levenshtein distance, capped: returns cap+1 when larger. */
size_t sp_edit_distance(const char *a, const char *b, size_t cap);
/* The candidate closest to s (NULL when none is close enough to suggest). */
const char *sp_suggest(const char *s, const char *const *cands, size_t n);

#endif
