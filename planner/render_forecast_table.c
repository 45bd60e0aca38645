/* The forecast as a table for a terminal, or markdown for a pull request or
 * a wiki (docs/forecast-output.md): the same sections, headings and prose. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_forecast.h"
#include "planner/render_forecast_int.h"

static const char *year_label(const struct sp_forecast *f, int y, char *buf, size_t n)
{
	int m0 = y * 12, m1 = m0 + 12 < f->months ? m0 + 12 : f->months;
	char a[16], b[16];
	if (m1 - m0 == 12 && (f->start + m0) % 12 == 0) {
		snprintf(buf, n, "%d", (f->start + m0) / 12);
	} else if (m1 - m0 == 1) {
		sp_rf_month_label(f, m0, buf);
	} else {
		sp_rf_month_label(f, m0, a);
		sp_rf_month_label(f, m1 - 1, b);
		snprintf(buf, n, "%s..%s", a, b);
	}
	return buf;
}

/* ---- tables (text and markdown) -------------------------------------------------------------- */

struct tbl {
	const char *align;       /* 'l' or 'r' per column */
	size_t ncols;
	char **cell;             /* row-major; the first row is the header */
	size_t n, cap;
};

static void tbl_init(struct tbl *t, const char *align)
{
	memset(t, 0, sizeof(*t));
	t->align = align;
	t->ncols = strlen(align);
}

static void tbl_cell(struct tbl *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tbl_cell(struct tbl *t, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	SP_GROW(t->cell, t->cap, t->n + 1);
	t->cell[t->n++] = sp_sb_detach(&sb, NULL);
}

static void tbl_money(struct tbl *t, double v, const char *currency)
{
	char buf[64];
	sp_render_money(buf, sizeof(buf), v, currency);
	tbl_cell(t, "%s", buf);
}

static void tbl_free(struct tbl *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* Columns on screen: UTF-8 code points. */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

/* A cell for a terminal: control characters shown as '?'. */
static char *clean_text(const char *s)
{
	char *r = sp_xstrdup(s);
	for (char *p = r; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return r;
}

/* A cell for markdown: punctuation that means something there escaped. */
static char *clean_md(const char *s)
{
	struct sp_sb sb = SP_SB_INIT;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			sp_sb_addc(&sb, ' ');
		else if (strchr("\\`*_[]<|$~", c))
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

/* One row of cells (or, with cells NULL, the rule under the header). */
static void tbl_row(const struct tbl *t, struct sp_sb *sb, char *const *cells, const size_t *w, int markdown)
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
	sp_sb_addc(sb, '\n');
}

/* Text: the header, a rule of dashes, the rows; two spaces between columns.
 * Markdown: a pipe table with the same alignment. */
static void tbl_render(const struct tbl *t, struct sp_sb *sb, int markdown)
{
	size_t nrows = t->ncols ? t->n / t->ncols : 0, ncells = nrows * t->ncols;
	size_t *w = sp_xcalloc(t->ncols ? t->ncols : 1, sizeof(size_t));
	char **c = sp_xcalloc(ncells ? ncells : 1, sizeof(char *));

	for (size_t i = 0; i < ncells; i++) {
		c[i] = markdown ? clean_md(t->cell[i]) : clean_text(t->cell[i]);
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

/* Header cells "cost p50", "p10", "p90" for a money column with its band. */
static void tbl_band_header(struct tbl *t, const struct sp_rf_ctx *x, const char *what)
{
	char a[32], b[32];
	sp_rf_pct_label(a, sizeof(a), x->f->pcts[x->med]);
	tbl_cell(t, "%s%s%s", what, *what ? " " : "", a);
	if (x->band) {
		sp_rf_pct_label(a, sizeof(a), x->f->pcts[x->lo]);
		sp_rf_pct_label(b, sizeof(b), x->f->pcts[x->hi]);
		tbl_cell(t, "%s", a);
		tbl_cell(t, "%s", b);
	}
}

/* Money cells for the median and the band of v[0..npcts). */
static void tbl_band(struct tbl *t, const struct sp_rf_ctx *x, const double *v)
{
	tbl_money(t, v[x->med], x->f->currency);
	if (x->band) {
		tbl_money(t, v[x->lo], x->f->currency);
		tbl_money(t, v[x->hi], x->f->currency);
	}
}

/* A heading: underlined text, or "## " in markdown. */
static void heading(struct sp_rf_ctx *x, const char *title)
{
	struct sp_sb *sb = &x->o->sb;
	if (x->markdown) {
		char *s = clean_md(title);
		sp_sb_addf(sb, "\n## %s\n\n", s);
		free(s);
	} else {
		char *s = clean_text(title);
		sp_sb_addf(sb, "\n%s\n", s);
		free(s);
	}
}

static void emit_table(struct sp_rf_ctx *x, struct tbl *t)
{
	tbl_render(t, &x->o->sb, x->markdown);
	tbl_free(t);
	sp_rf_out_maybe_flush(x->o);
}

#define WRAP_AT 110

/* A sentence of prose: in text indented and wrapped at WRAP_AT columns, in
 * markdown one paragraph, or a bullet when asked. */
static void prose(struct sp_rf_ctx *x, int bullet, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void prose(struct sp_rf_ctx *x, int bullet, const char *fmt, ...)
{
	struct sp_sb line = SP_SB_INIT, *sb = &x->o->sb;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&line, fmt, ap);
	va_end(ap);
	if (x->markdown) {
		char *s = clean_md(line.buf);
		sp_sb_addf(sb, "%s%s\n", bullet ? "- " : "", s);
		free(s);
	} else {
		char *s = clean_text(line.buf), *p = s;
		size_t col = 2, indent = bullet ? 4 : 2;
		sp_sb_adds(sb, "  ");
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
	sp_sb_release(&line);
}

/* ---- the sections ---------------------------------------------------------------------------- */

static void section_years(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t np = f->npcts;
	int partial = 0;
	struct tbl t;
	char lbl[64];

	heading(x, "Cost by year");
	tbl_init(&t, x->band ? "lrrrr" : "lrr");
	tbl_cell(&t, "year");
	tbl_band_header(&t, x, "cost");
	tbl_cell(&t, "change");
	for (int y = 0; y < f->years; y++) {
		int months = y * 12 + 12 <= f->months ? 12 : f->months - y * 12;
		const double *v = &f->year_total[(size_t)y * np];
		tbl_cell(&t, "%s", year_label(f, y, lbl, sizeof(lbl)));
		tbl_band(&t, x, v);
		if (y == 0) {
			tbl_cell(&t, "-");
		} else {
			/* the year before is always whole */
			double prev = f->year_total[(size_t)(y - 1) * np + x->med] / 12, cur = v[x->med] / months;
			if (prev <= 0)
				tbl_cell(&t, "-");
			else
				tbl_cell(&t, "%+.1f%%%s", (cur / prev - 1) * 100, months < 12 ? "*" : "");
			if (months < 12)
				partial = months;
		}
	}
	emit_table(x, &t);
	if (partial) {
		if (x->markdown)
			sp_sb_addc(&x->o->sb, '\n');
		prose(x, 0, "* the last year has %d month%s: its change compares monthly averages", partial,
		      partial == 1 ? "" : "s");
	}
}

static void section_months(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	int has[SP_NODE_NKINDS] = { 0 };
	char align[16], *a = align, lbl[32];
	struct tbl t;

	for (size_t i = 0; i < f->nlines; i++)
		has[f->lines[i].kind] = 1;
	*a++ = 'l';
	for (int k = 0; k < (has[SP_NODE_SERVICE] + has[SP_NODE_GPU] + 3 * has[SP_NODE_DATASTORE] +
			     has[SP_NODE_CACHE]);
	     k++)
		*a++ = 'r';
	*a++ = 'r';
	if (x->band) {
		*a++ = 'r';
		*a++ = 'r';
	}
	*a = '\0';
	sp_rf_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	heading(x, "Capacity and cost by month");
	tbl_init(&t, align);
	tbl_cell(&t, "month");
	if (has[SP_NODE_SERVICE])
		tbl_cell(&t, "instances");
	if (has[SP_NODE_GPU])
		tbl_cell(&t, "GPUs");
	if (has[SP_NODE_DATASTORE]) {
		tbl_cell(&t, "db nodes");
		tbl_cell(&t, "shards");
		tbl_cell(&t, "replicas");
	}
	if (has[SP_NODE_CACHE])
		tbl_cell(&t, "cache nodes");
	tbl_band_header(&t, x, "cost");
	for (int m = 0; m < f->months; m++) {
		double inst = 0, gpus = 0, dbn = 0, sh = 0, rep = 0, cn = 0;
		for (size_t i = 0; i < f->nlines; i++) {
			const struct sp_fc_line *l = &f->lines[i];
			double u = sp_fc_value(f, l, m, SP_FC_UNITS, x->med);
			switch (l->kind) {
			case SP_NODE_SERVICE: inst += u; break;
			case SP_NODE_GPU: gpus += u; break;
			case SP_NODE_CACHE: cn += u; break;
			case SP_NODE_DATASTORE:
				dbn += u;
				sh += sp_fc_value(f, l, m, SP_FC_SHARDS, x->med);
				rep += sp_fc_value(f, l, m, SP_FC_REPLICAS, x->med);
				break;
			default: break;
			}
		}
		sp_rf_month_label(f, m, lbl);
		tbl_cell(&t, "%s", lbl);
		if (has[SP_NODE_SERVICE])
			tbl_cell(&t, "%.0f", inst);
		if (has[SP_NODE_GPU])
			tbl_cell(&t, "%.0f", gpus);
		if (has[SP_NODE_DATASTORE]) {
			tbl_cell(&t, "%.0f", dbn);
			tbl_cell(&t, "%.0f", sh);
			tbl_cell(&t, "%.0f", rep);
		}
		if (has[SP_NODE_CACHE])
			tbl_cell(&t, "%.0f", cn);
		tbl_band(&t, x, &f->total[(size_t)m * f->npcts]);
	}
	emit_table(x, &t);
	sp_rf_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	prose(x, 0, "capacity adds up each component's %s; replicas are read replicas per shard", lbl);
}

/* The unit for a count: "1 node", "2 nodes". */
static void unit_label(char *buf, size_t n, const char *unit, double count)
{
	size_t len = strlen(unit);
	if (count == 1 && len > 1 && unit[len - 1] == 's')
		snprintf(buf, n, "%.*s", (int)(len - 1), unit);
	else
		snprintf(buf, n, "%s", unit);
}

/* "web" for a web service, else the kind. */
static const char *line_kind_label(const struct sp_fc_line *l)
{
	switch (l->kind) {
	case SP_NODE_SERVICE: return l->group_class;
	case SP_NODE_GPU: return !strcmp(l->group_class, "gpu-training") ? "training" : "inference";
	default: return sp_rf_kind_keys[l->kind];
	}
}

static void purchase_label(const struct sp_fc_line *l, char *buf, size_t n)
{
	switch (l->purchase) {
	case SP_BUY_COMMIT_OD:
	case SP_BUY_COMMIT_SPOT:
		if (l->commit_term_months > 0)
			snprintf(buf, n, "%dy + %s", l->commit_term_months / 12,
				 l->purchase == SP_BUY_COMMIT_OD ? "on-demand" : "spot");
		else
			snprintf(buf, n, "%s", l->purchase == SP_BUY_COMMIT_OD ? "committed" : "committed + spot");
		break;
	case SP_BUY_SPOT: snprintf(buf, n, "spot"); break;
	case SP_BUY_ON_DEMAND: snprintf(buf, n, "on-demand"); break;
	default: snprintf(buf, n, "-"); break;
	}
}

static void section_components(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	char buf[64];
	struct tbl t;
	int training = 0;

	heading(x, "Cost by component over the horizon");
	tbl_init(&t, x->band ? "lllllrrr" : "lllllr");
	tbl_cell(&t, "component");
	tbl_cell(&t, "kind");
	tbl_cell(&t, "SKU");
	tbl_cell(&t, "purchase");
	sp_rf_pct_label(buf, sizeof(buf), f->pcts[x->med]);
	tbl_cell(&t, "capacity %s", buf);
	tbl_band_header(&t, x, "cost");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		tbl_cell(&t, "%s", l->name);
		tbl_cell(&t, "%s", line_kind_label(l));
		tbl_cell(&t, "%s", l->sku ? l->sku : "-");
		purchase_label(l, buf, sizeof(buf));
		tbl_cell(&t, "%s", buf);
		if (l->kind == SP_NODE_QUEUE) {
			tbl_cell(&t, "-");
		} else if (l->kind == SP_NODE_GPU && !strcmp(l->group_class, "gpu-training")) {
			double peak = 0;
			for (int m = 0; m < f->months; m++)
				peak = fmax(peak, sp_fc_value(f, l, m, SP_FC_UNITS, x->med));
			unit_label(buf, sizeof(buf), l->unit, peak);
			tbl_cell(&t, "peak %.0f %s", peak, buf);
			training = 1;
		} else {
			double last = sp_fc_value(f, l, f->months - 1, SP_FC_UNITS, x->med);
			unit_label(buf, sizeof(buf), l->unit, last);
			tbl_cell(&t, "%.0f -> %.0f %s", sp_fc_value(f, l, 0, SP_FC_UNITS, x->med), last, buf);
		}
		tbl_band(&t, x, l->horizon);
	}
	/* internet egress is priced on the account's total, not per component */
	if (f->groupings[2].ngroups > SP_CAT_TRANSFER && f->groupings[2].groups[SP_CAT_TRANSFER].horizon[f->npcts - 1] > 0) {
		const struct sp_fc_group *gt = &f->groupings[2].groups[SP_CAT_TRANSFER];
		tbl_cell(&t, "internet egress");
		tbl_cell(&t, "transfer");
		tbl_cell(&t, "-");
		tbl_cell(&t, "on-demand");
		tbl_cell(&t, "-");
		tbl_band(&t, x, gt->horizon);
	}
	emit_table(x, &t);
	if (x->markdown)
		sp_sb_addc(&x->o->sb, '\n');
	prose(x, 0, "capacity: first month -> last month%s; costs are percentiles of each path's horizon total",
	      training ? " (training: the busiest month)" : "");
}

static void section_groups(struct sp_rf_ctx *x, const struct sp_fc_grouping *gr)
{
	const struct sp_forecast *f = x->f;
	double total = f->horizon_total[x->med];
	struct sp_sb none = SP_SB_INIT;
	char a[32], b[32], lbl[64];
	struct tbl t;

	snprintf(lbl, sizeof(lbl), "Cost by %s over the horizon", gr->by);
	heading(x, lbl);
	tbl_init(&t, x->band ? "lrrrrrr" : "lrrrr");
	tbl_cell(&t, "%s", gr->by);
	sp_rf_month_label(f, 0, a);
	sp_rf_month_label(f, f->months - 1, b);
	sp_rf_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	tbl_cell(&t, "%s %s", a, lbl);
	tbl_cell(&t, "%s %s", b, lbl);
	tbl_band_header(&t, x, "horizon");
	tbl_cell(&t, "share");
	for (size_t i = 0; i < gr->ngroups; i++) {
		const struct sp_fc_group *g = &gr->groups[i];
		if (g->horizon[f->npcts - 1] <= 0) {
			sp_sb_addf(&none, "%s%s", none.len ? ", " : "", g->name);
			continue;
		}
		tbl_cell(&t, "%s", g->name);
		tbl_money(&t, g->month[x->med], f->currency);
		tbl_money(&t, g->month[(size_t)(f->months - 1) * f->npcts + x->med], f->currency);
		tbl_band(&t, x, g->horizon);
		if (total > 0)
			tbl_cell(&t, "%.1f%%", g->horizon[x->med] / total * 100);
		else
			tbl_cell(&t, "-");
	}
	emit_table(x, &t);
	if (x->markdown)
		sp_sb_addc(&x->o->sb, '\n');
	prose(x, 0, "share: of the total's %s; the %s of a sum is not the sum of the %ss", lbl, lbl, lbl);
	if (none.len)
		prose(x, 0, "no cost: %s", none.buf);
	sp_sb_release(&none);
}

static void section_total(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	double plan = f->horizon_total[x->med], od = f->horizon_total_od[x->med];
	char lbl[128], hz[64], money[64];
	struct tbl t;

	snprintf(lbl, sizeof(lbl), "Total over the horizon, %s", sp_rf_horizon_label(f, hz, sizeof(hz)));
	heading(x, lbl);
	tbl_init(&t, x->band ? "lrrr" : "lr");
	tbl_cell(&t, "%s", "");
	tbl_band_header(&t, x, "");
	tbl_cell(&t, "with purchase options");
	tbl_band(&t, x, f->horizon_total);
	tbl_cell(&t, "all on demand");
	tbl_band(&t, x, f->horizon_total_od);
	emit_table(x, &t);
	if (x->markdown)
		sp_sb_addc(&x->o->sb, '\n');
	sp_rf_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	sp_render_money(money, sizeof(money), od - plan, f->currency);
	if (od > 0)
		prose(x, 0, "saving from purchase options: %s at %s (%.1f%% of the on-demand cost)", money, lbl,
		      (od - plan) / od * 100);
	else
		prose(x, 0, "saving from purchase options: %s at %s", money, lbl);
}

/* The monthly breaches, as runs of consecutive months of one kind. */
static void breach_runs(struct sp_rf_ctx *x, const char *med, const char *hi)
{
	const struct sp_forecast *f = x->f;
	char a[16], b[16];
	struct tbl t;
	tbl_init(&t, "llrrr");
	if (x->markdown)
		sp_sb_addc(&x->o->sb, '\n');
	tbl_cell(&t, "months");
	tbl_cell(&t, "over at");
	tbl_cell(&t, "highest");
	tbl_cell(&t, "limit");
	tbl_cell(&t, "over by");
	for (size_t i = 0; i < f->nbreaches;) {
		const struct sp_fc_breach *s = &f->breaches[i];
		size_t j = i + 1;
		double top = s->value;
		if (s->month < 0) {
			i++;
			continue;
		}
		while (j < f->nbreaches && f->breaches[j].kind == s->kind && f->breaches[j].month >= 0 &&
		       f->breaches[j].month == f->breaches[j - 1].month + 1) {
			top = fmax(top, f->breaches[j].value);
			j++;
		}
		sp_rf_month_label(f, s->month, a);
		sp_rf_month_label(f, f->breaches[j - 1].month, b);
		if (j - i > 1)
			tbl_cell(&t, "%s..%s", a, b);
		else
			tbl_cell(&t, "%s", a);
		tbl_cell(&t, "%s", s->kind == SP_BREACH_MONTH_P50 ? med : hi);
		tbl_money(&t, top, f->currency);
		tbl_money(&t, s->limit, f->currency);
		tbl_cell(&t, "%.1f%%", s->limit > 0 ? (top / s->limit - 1) * 100 : 0);
		i = j;
	}
	emit_table(x, &t);
}

static void section_budget(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_budgets *bd = &x->spec->budgets;
	char med[32], hi[32], limit[64], val[64];
	size_t nmonth_med = 0, nmonth_hi = 0;

	if (bd->monthly_max <= 0 && bd->total_max <= 0)
		return;
	sp_rf_pct_label(med, sizeof(med), f->pcts[x->med]);
	sp_rf_pct_label(hi, sizeof(hi), f->pcts[x->hi]);
	heading(x, "Budget");
	for (size_t i = 0; i < f->nbreaches; i++) {
		if (f->breaches[i].kind == SP_BREACH_MONTH_P50)
			nmonth_med++;
		else if (f->breaches[i].kind == SP_BREACH_MONTH_HIGH)
			nmonth_hi++;
	}
	if (bd->monthly_max > 0) {
		sp_render_money(limit, sizeof(limit), bd->monthly_max, f->currency);
		if (!nmonth_med && !nmonth_hi && !x->band)
			prose(x, 1, "monthly_max %s: within it every month at %s", limit, med);
		else if (!nmonth_med && !nmonth_hi)
			prose(x, 1, "monthly_max %s: within it every month, at %s too", limit, hi);
		else if (!nmonth_hi)
			prose(x, 1, "monthly_max %s: over at %s in %zu month%s", limit, med, nmonth_med,
			      nmonth_med == 1 ? "" : "s");
		else if (!nmonth_med)
			prose(x, 1, "monthly_max %s: over at %s in %zu month%s (within it at %s)", limit, hi, nmonth_hi,
			      nmonth_hi == 1 ? "" : "s", med);
		else
			prose(x, 1, "monthly_max %s: over at %s in %zu month%s, and at %s only in %zu more", limit, med,
			      nmonth_med, nmonth_med == 1 ? "" : "s", hi, nmonth_hi);
	}
	if (nmonth_med || nmonth_hi)
		breach_runs(x, med, hi);
	if (bd->total_max > 0) {
		if (x->markdown && (nmonth_med || nmonth_hi))
			sp_sb_addc(&x->o->sb, '\n');
		const struct sp_fc_breach *tb = NULL;
		sp_render_money(limit, sizeof(limit), bd->total_max, f->currency);
		for (size_t i = 0; i < f->nbreaches; i++)
			if (f->breaches[i].month < 0)
				tb = &f->breaches[i];
		if (tb) {
			sp_render_money(val, sizeof(val), tb->value, f->currency);
			prose(x, 1, "total_max %s: the horizon total is over at %s (%s)", limit,
			      tb->kind == SP_BREACH_TOTAL_P50 ? med : hi, val);
		} else {
			sp_render_money(val, sizeof(val), f->horizon_total[x->hi], f->currency);
			prose(x, 1, "total_max %s: the horizon total is within it, at %s%s (%s)", limit, hi,
			      x->band ? " too" : "", val);
		}
	}
}

/* A share of paths as a percentage: "37%", "2.5%", "<0.1%". */
static void share_label(char *buf, size_t n, double share)
{
	double p = share * 100;
	if (p > 0 && p < 0.1)
		snprintf(buf, n, "<0.1%%");
	else if (p < 10)
		snprintf(buf, n, "%.1f%%", p);
	else
		snprintf(buf, n, "%.0f%%", p);
}

static void section_warnings(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t nsvc = 0;
	int any = 0;
	char a[16], b[16], share[32];

	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (l->kind == SP_NODE_SERVICE && l->risk_any_month >= 0) {
			const struct sp_service *s = sp_rf_line_service(x->spec, l->name, nsvc);
			if (!any++)
				heading(x, "Warnings");
			sp_rf_month_label(f, l->risk_any_month, a);
			share_label(share, sizeof(share), l->risk_share);
			if (l->risk_month >= 0 && l->risk_month == l->risk_any_month) {
				prose(x, 1, "%s: needs more than scaling.max (%d per region) on half the paths or more from %s: its SLO is at risk; raise scaling.max or cut the work per request",
				      l->name, s ? s->max : 0, a);
			} else if (l->risk_month >= 0) {
				sp_rf_month_label(f, l->risk_month, b);
				prose(x, 1, "%s: needs more than scaling.max (%d per region) on half the paths or more from %s (first on %s of them in %s): its SLO is at risk; raise scaling.max or cut the work per request",
				      l->name, s ? s->max : 0, b, share, a);
			} else {
				prose(x, 1, "%s: needs more than scaling.max (%d per region) on %s of the paths in %s, and never on half of them: its SLO is at risk on fast-growth paths",
				      l->name, s ? s->max : 0, share, a);
			}
		}
		if (l->kind == SP_NODE_DATASTORE && l->outgrow_month >= 0) {
			if (!any++)
				heading(x, "Warnings");
			sp_rf_month_label(f, l->outgrow_month, a);
			prose(x, 1, "%s: outgrows one primary from %s on half the paths or more (its writes or its data need a second node), and it is not sharded: add sharding",
			      l->name, a);
		}
		if (l->kind == SP_NODE_SERVICE)
			nsvc++;
	}
}

/* ---- the documents ------------------------------------------------------------------------ */

static void render_header_text(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	char hz[64], med[32], lo[32], hi[32];
	struct sp_sb *sb = &x->o->sb;
	char *name = clean_text(x->spec->name ? x->spec->name : "");
	char *cat = clean_text(f->catalog ? f->catalog : "");
	char *asof = clean_text(f->catalog_as_of ? f->catalog_as_of : "?");

	sp_rf_pct_label(med, sizeof(med), f->pcts[x->med]);
	sp_rf_pct_label(lo, sizeof(lo), f->pcts[x->lo]);
	sp_rf_pct_label(hi, sizeof(hi), f->pcts[x->hi]);
	sp_sb_addf(sb, "Forecast for %s\n", name);
	sp_sb_addf(sb, "  horizon   %s\n", sp_rf_horizon_label(f, hz, sizeof(hz)));
	if (f->paths == 1)
		sp_sb_addf(sb, "  paths     1 (no driver has an uncertainty band, so every percentile is the same)\n");
	else {
		char paths[64];
		sp_rf_group_int(paths, sizeof(paths), f->paths);
		sp_sb_addf(sb, "  paths     %s Monte Carlo paths, seed %" PRIu64 "\n", paths, f->seed);
	}
	if (x->band)
		sp_sb_addf(sb, "  figures   %s, with the %s..%s band\n", med, lo, hi);
	else
		sp_sb_addf(sb, "  figures   %s\n", med);
	sp_sb_addf(sb, "  catalog   %s, prices as of %s, in %s\n", cat, asof, f->currency ? f->currency : "");
	free(name);
	free(cat);
	free(asof);
}

/* The sections after the header; markdown leaves out the months. */
static void render_sections(struct sp_rf_ctx *x)
{
	const struct sp_fc_grouping *gr = x->by ? sp_rf_grouping(x->f, x->by) : NULL;

	section_years(x);
	if (!x->markdown)
		section_months(x);
	if (gr)
		section_groups(x, gr);
	else if (x->by && !strcmp(x->by, "sizing"))
		sp_rf_table_sizing(x);
	else
		section_components(x);
	section_total(x);
	section_budget(x);
	section_warnings(x);
}

void sp_rf_text(struct sp_rf_ctx *x)
{
	render_header_text(x);
	render_sections(x);
}

void sp_rf_markdown(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	char hz[64], med[32], lo[32], hi[32], m1[64], m2[64], m3[64];
	struct sp_sb line = SP_SB_INIT;

	sp_rf_pct_label(med, sizeof(med), f->pcts[x->med]);
	sp_rf_pct_label(lo, sizeof(lo), f->pcts[x->lo]);
	sp_rf_pct_label(hi, sizeof(hi), f->pcts[x->hi]);
	{
		char *name = clean_md(x->spec->name ? x->spec->name : "");
		sp_sb_addf(&x->o->sb, "# Forecast: %s\n\n", name);
		free(name);
	}
	/* the summary: the horizon total in bold, the band and the on-demand total after it */
	sp_render_money(m1, sizeof(m1), f->horizon_total[x->med], f->currency);
	sp_sb_addf(&line, "%s: %s at %s", sp_rf_horizon_label(f, hz, sizeof(hz)), m1, med);
	{
		char *s = clean_md(line.buf);
		sp_sb_addf(&x->o->sb, "**%s**", s);
		free(s);
	}
	sp_sb_reset(&line);
	if (x->band) {
		sp_render_money(m2, sizeof(m2), f->horizon_total[x->lo], f->currency);
		sp_render_money(m3, sizeof(m3), f->horizon_total[x->hi], f->currency);
		sp_sb_addf(&line, " (%s %s, %s %s)", lo, m2, hi, m3);
	}
	sp_render_money(m2, sizeof(m2), f->horizon_total_od[x->med], f->currency);
	sp_sb_addf(&line, "; all on demand %s.", m2);
	{
		char *s = clean_md(line.buf);
		sp_sb_addf(&x->o->sb, "%s\n", s);
		free(s);
	}
	sp_sb_release(&line);
	{
		char *cat = clean_md(f->catalog ? f->catalog : "");
		char *asof = clean_md(f->catalog_as_of ? f->catalog_as_of : "?");
		if (f->paths == 1)
			sp_sb_addf(&x->o->sb, "\n_One path (no driver has an uncertainty band)");
		else {
			char paths[64];
			sp_rf_group_int(paths, sizeof(paths), f->paths);
			sp_sb_addf(&x->o->sb, "\n_%s Monte Carlo paths, seed %" PRIu64, paths, f->seed);
		}
		sp_sb_addf(&x->o->sb, "; catalog %s, prices as of %s; %s._\n", cat, asof, f->currency ? f->currency : "");
		free(cat);
		free(asof);
	}
	render_sections(x);
}
