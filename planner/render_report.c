/* The cost report for people and spreadsheets (docs/report-format.md): the
 * entry, the checks, the number formats, the document (render_report_doc.c)
 * written as text or markdown, and the CSV. The HTML is render_report_html.c's,
 * the FOCUS rows render_report_focus.c's.
 *
 * Every figure is the report's (model/report.h): the forecast's percentiles
 * and the report's sums along the paths; nothing is added up here except
 * shares of a total. Every number has a fixed format, so the same report
 * gives the same bytes. */
#include "planner/render_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_forecast.h"
#include "planner/render_report_int.h"

#define WRAP_AT 110
#define FLUSH_AT (1u << 16)

/* ---- numbers and labels ------------------------------------------------------------------------- */

void rr_money(char *buf, size_t n, double v, const char *currency)
{
	sp_render_money(buf, n, v, currency);
}

void rr_pct_label(char *buf, size_t n, double p)
{
	snprintf(buf, n, "p%.10g", p);
}

int rr_year_months(const struct sp_forecast *f, int y)
{
	return y * 12 + 12 <= f->months ? 12 : f->months - y * 12;
}

const char *rr_year_label(const struct sp_forecast *f, int y, char *buf, size_t n)
{
	int m0 = y * 12, len = rr_year_months(f, y);
	char a[16], b[16];

	sp_month_format(f->start + m0, a);
	sp_month_format(f->start + m0 + len - 1, b);
	if (len == 12 && (f->start + m0) % 12 == 0)
		snprintf(buf, n, "%d", (f->start + m0) / 12);
	else if (len == 1)
		snprintf(buf, n, "%s", a);
	else
		snprintf(buf, n, "%s..%s", a, b);
	return buf;
}

void rr_add_dec(struct sp_sb *sb, double v, int dec)
{
	char buf[400];
	size_t len;

	snprintf(buf, sizeof(buf), "%.*f", dec, v == 0 ? 0.0 : v);
	len = strlen(buf);
	if (strchr(buf, '.')) {
		while (len > 0 && buf[len - 1] == '0')
			len--;
		if (len > 0 && buf[len - 1] == '.')
			len--;
	}
	buf[len] = '\0';
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	sp_sb_adds(sb, buf);
}

/* ---- text and markdown ---------------------------------------------------------------------------- */

static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* Text for a terminal (control characters shown as '?') or for markdown
 * (punctuation that means something there escaped). */
static char *clean(const char *s, int markdown)
{
	struct sp_sb sb = SP_SB_INIT;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sp_sb_addc(&sb, markdown ? ' ' : '?');
		else if (markdown && strchr("\\`*_[]<|$~", c))
			sp_sb_addf(&sb, "\\%c", c);
		else
			sp_sb_addc(&sb, (char)c);
	}
	return sp_sb_detach(&sb, NULL);
}

static void pad(struct sp_sb *sb, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sp_sb_addc(sb, ' ');
}

static void tbl_row(const struct rr_table *t, struct sp_sb *sb, char *const *cells, const size_t *w, int markdown)
{
	sp_sb_adds(sb, markdown ? "|" : "  ");
	for (size_t j = 0; j < t->ncols; j++) {
		int right = t->align[j] == 'r', last = j + 1 == t->ncols;
		if (markdown)
			sp_sb_addc(sb, ' ');
		else if (j)
			sp_sb_adds(sb, "  ");
		if (!cells) {
			for (size_t k = 0; k < w[j]; k++)
				sp_sb_addc(sb, markdown && right && k + 1 == w[j] ? ':' : '-');
		} else if (right) {
			pad(sb, w[j] - text_width(cells[j]));
			sp_sb_adds(sb, cells[j]);
		} else {
			sp_sb_adds(sb, cells[j]);
			if (markdown || !last)
				pad(sb, w[j] - text_width(cells[j]));
		}
		if (markdown)
			sp_sb_adds(sb, " |");
	}
	while (!markdown && sb->len && sb->buf[sb->len - 1] == ' ')
		sb->len--;
	sb->buf[sb->len] = '\0';
	sp_sb_addc(sb, '\n');
}

static void tbl_render(const struct rr_table *t, struct sp_sb *sb, int markdown)
{
	size_t nrows = t->ncols ? t->n / t->ncols : 0, ncells = nrows * t->ncols;
	size_t *w = sp_xcalloc(t->ncols ? t->ncols : 1, sizeof(size_t));
	char **c = sp_xcalloc(ncells ? ncells : 1, sizeof(char *));

	for (size_t i = 0; i < ncells; i++) {
		c[i] = clean(t->cells[i].text, markdown);
		size_t cw = text_width(c[i]);
		if (cw > w[i % t->ncols])
			w[i % t->ncols] = cw;
	}
	for (size_t j = 0; j < t->ncols && markdown; j++)
		if (w[j] < 3)
			w[j] = 3;
	for (size_t r = 0; r < nrows; r++) {
		tbl_row(t, sb, &c[r * t->ncols], w, markdown);
		if (r == 0)
			tbl_row(t, sb, NULL, w, markdown);
	}
	for (size_t i = 0; i < ncells; i++)
		free(c[i]);
	free(c);
	free(w);
}

/* A paragraph: in text indented and wrapped, in markdown one line. */
static void text_para(struct sp_sb *sb, const char *text, int bullet, int markdown)
{
	char *s = clean(text, markdown), *p = s;

	if (markdown) {
		sp_sb_addf(sb, "%s%s\n", bullet ? "- " : "", s);
		free(s);
		return;
	}
	size_t col = bullet ? 4 : 2, indent = col;
	sp_sb_adds(sb, bullet ? "  - " : "  ");
	while (*p) {
		size_t wl = strcspn(p, " ");
		if (col > indent && col + 1 + wl > WRAP_AT) {
			sp_sb_addc(sb, '\n');
			pad(sb, indent);
			col = indent;
		} else if (p != s) {
			sp_sb_addc(sb, ' ');
			col++;
		}
		sp_sb_add(sb, p, wl);
		col += text_width(p) - text_width(p + wl);
		p += wl;
		while (*p == ' ')
			p++;
	}
	sp_sb_addc(sb, '\n');
	free(s);
}

void rr_text(struct sp_sb *sb, const struct rr_doc *d, int markdown)
{
	char *s = clean(d->title, markdown);
	size_t kw = 0;

	if (markdown)
		sp_sb_addf(sb, "# %s\n\n", s);
	else
		sp_sb_addf(sb, "%s\n", s);
	free(s);
	for (size_t i = 0; i < d->nmeta; i++)
		kw = strlen(d->meta_key[i]) > kw ? strlen(d->meta_key[i]) : kw;
	for (size_t i = 0; i < d->nmeta; i++) {
		char *v = clean(d->meta_val[i], markdown);
		if (markdown)
			sp_sb_addf(sb, "- **%s**: %s\n", d->meta_key[i], v);
		else
			sp_sb_addf(sb, "  %-*s  %s\n", (int)kw, d->meta_key[i], v);
		free(v);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct rr_section *sec = &d->s[i];
		int any = 0, prev = -1;
		for (size_t j = 0; j < sec->n; j++)
			any |= sec->b[j].kind != RR_CHART;
		if (!any)
			continue;
		s = clean(sec->title, markdown);
		sp_sb_addf(sb, markdown ? "\n## %s\n\n" : "\n%s\n", s);
		free(s);
		for (size_t j = 0; j < sec->n; j++) {
			const struct rr_block *b = &sec->b[j];
			if (b->kind == RR_CHART)
				continue;
			/* markdown: a blank line between blocks of different kinds */
			if (markdown && prev >= 0 && (prev != (int)b->kind || b->kind == RR_PARA || b->kind == RR_TABLE))
				sp_sb_addc(sb, '\n');
			else if (!markdown && prev == RR_TABLE)
				sp_sb_addc(sb, '\n');
			if (b->kind == RR_TABLE)
				tbl_render(b->table, sb, markdown);
			else
				text_para(sb, b->text, b->kind == RR_BULLET, markdown);
			prev = (int)b->kind;
		}
	}
}

/* ---- CSV --------------------------------------------------------------------------------------------- */

static void csv_field(struct sp_sb *sb, const char *s)
{
	if (strpbrk(s, ",\"\n\r")) {
		sp_sb_addc(sb, '"');
		for (; *s; s++) {
			if (*s == '"')
				sp_sb_addc(sb, '"');
			sp_sb_addc(sb, *s);
		}
		sp_sb_addc(sb, '"');
	} else {
		sp_sb_adds(sb, s);
	}
}

static void csv_money(struct sp_sb *sb, double v)
{
	sp_sb_addf(sb, "%.2f", fabs(v) < 0.005 ? 0.0 : v);
}

/* The rows of one series: each month, each year, the horizon; each at every percentile. */
static void csv_series(struct sp_sb *sb, const struct sp_forecast *f, const char *grouping, const char *group,
		       const double *month, size_t month_stride, const double *year, const double *horizon)
{
	char a[16], b[16];
	size_t np = f->npcts;

	for (int m = 0; month && m < f->months; m++) {
		sp_month_format(f->start + m, a);
		for (size_t k = 0; k < np; k++) {
			csv_field(sb, grouping);
			sp_sb_addc(sb, ',');
			csv_field(sb, group);
			sp_sb_addf(sb, ",month,%s,%s,", a, a);
			rr_add_dec(sb, f->pcts[k], 10);
			sp_sb_addc(sb, ',');
			csv_money(sb, month[(size_t)m * month_stride + k]);
			sp_sb_addc(sb, '\n');
		}
	}
	for (int y = 0; year && y < f->years; y++) {
		sp_month_format(f->start + y * 12, a);
		sp_month_format(f->start + y * 12 + rr_year_months(f, y) - 1, b);
		for (size_t k = 0; k < np; k++) {
			csv_field(sb, grouping);
			sp_sb_addc(sb, ',');
			csv_field(sb, group);
			sp_sb_addf(sb, ",year,%s,%s,", a, b);
			rr_add_dec(sb, f->pcts[k], 10);
			sp_sb_addc(sb, ',');
			csv_money(sb, year[(size_t)y * np + k]);
			sp_sb_addc(sb, '\n');
		}
	}
	sp_month_format(f->start, a);
	sp_month_format(f->start + f->months - 1, b);
	for (size_t k = 0; k < np; k++) {
		csv_field(sb, grouping);
		sp_sb_addc(sb, ',');
		csv_field(sb, group);
		sp_sb_addf(sb, ",horizon,%s,%s,", a, b);
		rr_add_dec(sb, f->pcts[k], 10);
		sp_sb_addc(sb, ',');
		csv_money(sb, horizon[k]);
		sp_sb_addc(sb, '\n');
	}
}

static int flush_out(FILE *out, struct sp_sb *sb, int *errnum)
{
	if (sb->len && fwrite(sb->buf, 1, sb->len, out) != sb->len) {
		*errnum = errno ? errno : EIO;
		return -1;
	}
	sp_sb_reset(sb);
	return 0;
}

static int rr_csv(FILE *out, struct sp_sb *sb, const struct rr_ctx *x, int *errnum)
{
	const struct sp_forecast *f = x->f;
	const struct sp_report *r = x->r;
	size_t np = f->npcts, Y = (size_t)f->years;

	sp_sb_addf(sb, "# scaleplan report csv v%d\n", SP_RR_CSV_VERSION);
	sp_sb_adds(sb, "grouping,group,period,start,end,percentile,cost\n");
	csv_series(sb, f, "total", "", f->total, np, f->year_total, f->horizon_total);
	csv_series(sb, f, "total_on_demand", "", f->total_od, np, NULL, f->horizon_total_od);
	for (int i = 0; i < SP_RP_NSAVE; i++)
		csv_series(sb, f, "saving", r->saving[i].name, r->saving[i].month, np, r->saving[i].year,
			   r->saving[i].horizon);
	for (int i = 0; i < SP_RP_NCAT; i++)
		csv_series(sb, f, "category", r->category[i].name, r->category[i].month, np, r->category[i].year,
			   r->category[i].horizon);
	for (int i = 0; i < SP_RP_NBUY; i++)
		csv_series(sb, f, "purchase", r->buy[i].name, r->buy[i].month, np, r->buy[i].year, r->buy[i].horizon);
	for (int k = 0; k < 2; k++) {
		const struct sp_fc_grouping *gr = &f->groupings[k];
		for (size_t i = 0; i < gr->ngroups; i++)
			csv_series(sb, f, gr->by, gr->groups[i].name, gr->groups[i].month, np, gr->groups[i].year,
				   gr->groups[i].horizon);
		if (flush_out(out, sb, errnum) < 0)
			return -1;
	}
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		csv_series(sb, f, "component", l->name, &l->v[SP_FC_COST * np], SP_FC_NMETRICS * np,
			   &r->line_year[i * Y * np], l->horizon);
		if (sb->len >= FLUSH_AT && flush_out(out, sb, errnum) < 0)
			return -1;
	}
	return flush_out(out, sb, errnum);
}

/* ---- checks and entry --------------------------------------------------------------------------------- */

static int bad_array(const double *v, size_t n, int allow_negative)
{
	if (!v)
		return n > 0;
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]) || (!allow_negative && v[i] < -0.005))
			return 1;
	return 0;
}

static int bad_group(const struct sp_forecast *f, const struct sp_fc_group *g, int allow_negative)
{
	size_t np = f->npcts;
	return bad_array(g->month, (size_t)f->months * np, allow_negative) ||
	       bad_array(g->year, (size_t)f->years * np, allow_negative) || bad_array(g->horizon, np, allow_negative);
}

/* Every figure the renderers read must be a finite number (>= 0 but for savings). */
static int check_report(const struct sp_report *r, struct sp_err *err)
{
	const struct sp_forecast *f = r->f;
	const char *what = NULL;

	if (!f || f->months < 1 || f->years != (f->months + 11) / 12 || f->npcts < 1 || f->npcts > SP_FC_MAX_PCTS ||
	    f->paths < 1)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the report's forecast is malformed");
	for (int i = 0; i < SP_RP_NCAT && !what; i++)
		if (bad_group(f, &r->category[i], 0))
			what = r->category[i].name;
	for (int i = 0; i < SP_RP_NBUY && !what; i++)
		if (bad_group(f, &r->buy[i], 0))
			what = r->buy[i].name;
	for (int i = 0; i < SP_RP_NSAVE && !what; i++)
		if (bad_group(f, &r->saving[i], 1))
			what = "saving";
	for (int k = 0; k < 3 && !what; k++)
		for (size_t i = 0; i < f->groupings[k].ngroups && !what; i++)
			if (bad_group(f, &f->groupings[k].groups[i], 0))
				what = f->groupings[k].groups[i].name;
	for (size_t i = 0; i < f->nlines && !what; i++)
		if (bad_array(f->lines[i].v, (size_t)f->months * SP_FC_NMETRICS * f->npcts, 0) ||
		    bad_array(f->lines[i].horizon, f->npcts, 0) ||
		    bad_array(&r->line_year[i * (size_t)f->years * f->npcts], (size_t)f->years * f->npcts, 0))
			what = f->lines[i].name;
	if (!what && (bad_array(f->total, (size_t)f->months * f->npcts, 0) ||
		      bad_array(f->total_od, (size_t)f->months * f->npcts, 0) ||
		      bad_array(f->year_total, (size_t)f->years * f->npcts, 0) ||
		      bad_array(f->horizon_total, f->npcts, 0) || bad_array(f->horizon_total_od, f->npcts, 0)))
		what = "total";
	if (what)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the report holds a value that is not a finite number (%s)", what);
	return 0;
}

int sp_render_report(FILE *out, const struct sp_report *r, const struct sp_spec *spec, const struct sp_graph *g,
		     const char *format, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	struct rr_ctx x;
	struct rr_doc d;
	int ret = 0, errnum = 0;

	if (!format || (strcmp(format, "text") && strcmp(format, "markdown") && strcmp(format, "csv") &&
			strcmp(format, "html")))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "unknown format '%s'; expected text, markdown, csv or html",
				  format ? format : "");
	if ((ret = check_report(r, err)) < 0)
		return ret;
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.f = r->f;
	x.spec = spec;
	x.g = g;
	x.med = sp_fc_median_index(r->f);
	x.lo = 0;
	x.hi = r->f->npcts - 1;
	x.band = r->f->npcts > 1 && r->f->paths > 1;   /* one path: every percentile is the same */
	x.order = sp_xcalloc(r->f->nlines + 1, sizeof(size_t));
	sp_report_rank(x.order, r->f, x.med);

	if (!strcmp(format, "csv")) {
		if (rr_csv(out, &sb, &x, &errnum) < 0)
			ret = -1;
	} else {
		rr_doc_build(&d, &x);
		if (!strcmp(format, "html"))
			ret = rr_html(&sb, &d, &x, err);
		else
			rr_text(&sb, &d, !strcmp(format, "markdown"));
		rr_doc_free(&d);
		if (ret == 0 && flush_out(out, &sb, &errnum) < 0)
			ret = -1;
		else if (ret < 0) {
			sp_sb_release(&sb);
			free(x.order);
			return ret;
		}
	}
	sp_sb_release(&sb);
	free(x.order);
	if (ret == 0 && fflush(out) != 0) {
		errnum = errno;
		ret = -1;
	}
	if (ret < 0 || ferror(out))
		return sp_err_set(err, SP_EIO, "", 0, 0, "cannot write the report: %s", strerror(errnum ? errnum : EIO));
	return 0;
}
