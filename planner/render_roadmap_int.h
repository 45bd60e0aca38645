/* Inside the roadmap renderers (planner/render_roadmap.c for the entry, the
 * wording and text and markdown; render_roadmap_json.c for JSON): one
 * rendering's context and the helpers both files use. Not for use outside
 * them; the public interface is planner/render_roadmap.h. */
#ifndef SP_RENDER_ROADMAP_INT_H
#define SP_RENDER_ROADMAP_INT_H
#include <stddef.h>
#include <stdio.h>

#include "lib/strbuf.h"
#include "model/roadmap.h"

/* One rendering: the roadmap, where it goes, and how. Output is built in sb
 * and written in large pieces; the first failed write is remembered. */
struct sp_rr {
	const struct sp_roadmap *r;
	const struct sp_spec *spec;
	const struct sp_forecast *f;
	FILE *out;
	struct sp_sb sb;
	int failed, errnum;
	int md;
	char path[32];   /* "p90": the chosen path */
	char tail[2];    /* the last two bytes flushed, for blank_line */
};

/* Writes what sb holds (with force, or once it holds 64 KiB) and empties it. */
void sp_rr_flush(struct sp_rr *x, int force);
/* Month index m of the spec (0 = horizon start) as "YYYY-MM". */
void sp_rr_month(const struct sp_rr *x, int m, char buf[16]);
/* A whole number with thousands separators ("12,345"); v is rounded. Returns buf. */
const char *sp_rr_group(char *buf, size_t n, double v);
/* The name of region ri, NULL for -1. */
const char *sp_rr_region(const struct sp_rr *x, int ri);
/* A milestone's action (what to do) and reason (with its figures), in plain text. */
void sp_rr_describe(const struct sp_rr *x, const struct sp_rm_milestone *m, struct sp_sb *act, struct sp_sb *why);
/* "2027", or "2027-04..2028-03", or one month. */
void sp_rr_year_label(const struct sp_rr *x, const struct sp_rm_year *y, char *buf, size_t n);
/* "2027-Q3". */
void sp_rr_quarter_label(const struct sp_rm_quarter *q, char *buf, size_t n);

/* The whole roadmap as JSON (render_roadmap_json.c), appended to x->sb. */
void sp_rr_json(struct sp_rr *x);

#endif
