#include "lib/diag.h"

#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"

void sp_diags_init(struct sp_diags *d)
{
	memset(d, 0, sizeof(*d));
	d->limit = 50;
}

void sp_diags_free(struct sp_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].file);
		free(d->v[i].line_text);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

/* Finds line `line` (1-based) in src; returns its start and length. */
static int src_line(const struct sp_src *src, int line, const char **start, size_t *len)
{
	const char *p = src->text, *end = src->text + src->len;
	int l = 1;
	while (l < line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return -1;
		p = nl + 1;
		l++;
	}
	if (l != line || p > end)
		return -1;
	const char *e = p;
	while (e < end && *e != '\n' && *e != '\r')
		e++;
	*start = p;
	*len = (size_t)(e - p);
	return 0;
}

void sp_vdiag(struct sp_diags *d, enum sp_severity sev, struct sp_pos pos, const char *fmt, va_list ap)
{
	struct sp_sb sb = SP_SB_INIT;

	if (sev == SP_ERROR)
		d->nerrors++;
	else if (sev == SP_WARNING)
		d->nwarnings++;
	if (d->limit && d->n >= d->limit) {
		d->dropped++;
		return;
	}
	sp_sb_vaddf(&sb, fmt, ap);
	SP_GROW(d->v, d->cap, d->n + 1);
	d->v[d->n].sev = sev;
	d->v[d->n].pos = pos;
	d->v[d->n].msg = sp_sb_detach(&sb, NULL);
	d->v[d->n].file = pos.src ? sp_xstrdup(pos.src->name) : NULL;
	d->v[d->n].line_text = NULL;
	if (pos.src && pos.line > 0) {
		const char *line;
		size_t len;
		if (src_line(pos.src, pos.line, &line, &len) == 0)
			d->v[d->n].line_text = sp_xstrndup(line, len > 200 ? 200 : len);
	}
	d->n++;
}

void sp_diag(struct sp_diags *d, enum sp_severity sev, struct sp_pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sp_vdiag(d, sev, pos, fmt, ap);
	va_end(ap);
}

static int pos_cmp(const struct sp_diag *da, const struct sp_diag *db)
{
	const struct sp_pos *a = &da->pos, *b = &db->pos;
	int c = strcmp(da->file ? da->file : "", db->file ? db->file : "");
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

void sp_diags_sort(struct sp_diags *d)
{
	/* insertion sort keeps notes right after the error they belong to
	 * (a note is never moved ahead of its error: they are kept as a group) */
	size_t i = 0;
	if (!d->n)
		return; /* nothing to sort (and d->v may be NULL) */
	struct sp_diag *out = sp_xcalloc(d->n, sizeof(*out));
	size_t *start = sp_xcalloc(d->n + 1, sizeof(*start));
	size_t ngroups = 0;

	for (i = 0; i < d->n; i++)
		if (d->v[i].sev != SP_NOTE || i == 0)
			start[ngroups++] = i;
	start[ngroups] = d->n;
	/* sort groups by their head position (stable insertion sort over indices) */
	size_t *order = sp_xcalloc(ngroups ? ngroups : 1, sizeof(*order));
	for (i = 0; i < ngroups; i++) {
		size_t j = i;
		while (j > 0 && pos_cmp(&d->v[start[order[j - 1]]], &d->v[start[i]]) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	size_t k = 0;
	for (i = 0; i < ngroups; i++)
		for (size_t j = start[order[i]]; j < start[order[i] + 1]; j++)
			out[k++] = d->v[j];
	memcpy(d->v, out, d->n * sizeof(*out));
	free(out);
	free(start);
	free(order);
}

static int utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	while (p < e) {
		int n = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || p + n >= e + (n ? 0 : 1))
			return 0;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

static void print_excerpt(FILE *f, const struct sp_diag *g, int color)
{
	const char *line = g->line_text;
	size_t len;

	if (!line)
		return;
	len = strlen(line);
	int utf8 = utf8_valid(line, len);
	fprintf(f, "%5d | ", g->pos.line);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		/* keep the excerpt printable: control bytes, and every byte of a line
		 * that is not valid UTF-8 above ASCII, become '?' */
		fputc(c == '\t' ? ' ' : (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) ? '?' : c, f);
	}
	fputs("\n      | ", f);
	if (g->pos.col > 0) {
		for (int i = 1; i < g->pos.col && (size_t)i <= len; i++)
			fputc(' ', f);
		fputs(color ? "\033[1;32m^\033[0m" : "^", f);
	}
	fputc('\n', f);
}

void sp_diags_print(FILE *f, const struct sp_diags *d, int color)
{
	static const char *const names[] = { "error", "warning", "note" };
	static const char *const colors[] = { "\033[1;31m", "\033[1;35m", "\033[1;36m" };

	for (size_t i = 0; i < d->n; i++) {
		const struct sp_diag *g = &d->v[i];
		fputs("scaleplan: ", f);
		if (g->file) {
			if (g->pos.line > 0 && g->pos.col > 0)
				fprintf(f, "%s:%d:%d: ", g->file, g->pos.line, g->pos.col);
			else if (g->pos.line > 0)
				fprintf(f, "%s:%d: ", g->file, g->pos.line);
			else
				fprintf(f, "%s: ", g->file);
		}
		if (color)
			fprintf(f, "%s%s:\033[0m %s\n", colors[g->sev], names[g->sev], g->msg);
		else
			fprintf(f, "%s: %s\n", names[g->sev], g->msg);
		print_excerpt(f, g, color);
	}
	if (d->dropped)
		fprintf(f, "scaleplan: %zu more diagnostics not shown\n", d->dropped);
	if (d->nerrors > 1)
		fprintf(f, "scaleplan: %zu errors\n", d->nerrors);
}

size_t sp_edit_distance(const char *a, const char *b, size_t cap)
{
	/* optimal string alignment: insertions, deletions, substitutions and
	 * transpositions of two neighbours ("plna" for "plan") cost one each */
	size_t la = strlen(a), lb = strlen(b);
	size_t r0[64], r1[64], r2[64];
	size_t *pp = r0, *prev = r1, *row = r2;

	if (lb >= SP_ARRAY_LEN(r0) || la >= 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t best;
		row[0] = i;
		best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = row[j - 1] + 1;
			size_t v = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < v)
				v = pp[j - 2] + 1;
			row[j] = v;
			if (v < best)
				best = v;
		}
		if (best > cap)
			return cap + 1;
		size_t *t = pp;
		pp = prev;
		prev = row;
		row = t;
	}
	return prev[lb] > cap ? cap + 1 : prev[lb];
}

const char *sp_suggest(const char *s, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t len = strlen(s);
	/* allow about a third of the word to differ, at least one edit, at most 3 */
	size_t cap = len / 3;
	if (cap < 1)
		cap = 1;
	if (cap > 3)
		cap = 3;
	size_t bestd = cap + 1;
	for (size_t i = 0; i < n; i++) {
		size_t dist = sp_edit_distance(s, cands[i], cap);
		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	/* a prefix relation ("replica" for "replicas") is a good suggestion too */
	if (!best && len >= 3)
		for (size_t i = 0; i < n; i++)
			if (!strncmp(s, cands[i], len) || !strncmp(cands[i], s, strlen(cands[i]) >= 3 ? strlen(cands[i]) : len + 1))
				return cands[i];
	return best;
}
