/* The document of the cost report (planner/render_report_int.h): the
 * sections, prose, tables and charts that text, markdown and HTML share,
 * built from the report's figures (docs/report-format.md, "text and
 * markdown" lists them). Nothing is added up here but shares of a total: every
 * figure is a percentile the report or the forecast computed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_report_int.h"

#define TOP_DRIVERS 10                /* rows of "Top cost drivers" */
#define CAPACITY_LINES 5              /* components in "Capacity of the largest components" */

/* "+12.3% a year" style growth, or "-" when it cannot be told. */
static void growth_label(char *buf, size_t n, double g)
{
	if (isnan(g) || !isfinite(g))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%+.1f%%", g * 100 == 0 ? 0.0 : g * 100);
}

/* ---- the document ------------------------------------------------------------------------------ */

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sp_sb_detach(&sb, NULL);
}

static struct rr_table *tbl_new(const char *align, int sortable)
{
	struct rr_table *t = sp_xcalloc(1, sizeof(*t));
	snprintf(t->align, sizeof(t->align), "%s", align);
	t->ncols = strlen(t->align);
	t->sortable = sortable;
	return t;
}

static void cell_add(struct rr_table *t, char *text, int numeric, double key)
{
	SP_GROW(t->cells, t->cap, t->n + 1);
	t->cells[t->n++] = (struct rr_cell){ text, key, numeric };
}

static void cell(struct rr_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cell(struct rr_table *t, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	cell_add(t, sp_sb_detach(&sb, NULL), 0, 0);
}

static void cell_num(struct rr_table *t, double key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cell_num(struct rr_table *t, double key, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	cell_add(t, sp_sb_detach(&sb, NULL), 1, key);
}

static void cell_money(const struct rr_ctx *x, struct rr_table *t, double v)
{
	char buf[64];
	rr_money(buf, sizeof(buf), v, x->f->currency);
	cell_num(t, v, "%s", buf);
}

/* The median, then the band when there is one. */
static void cell_band(const struct rr_ctx *x, struct rr_table *t, const double *v)
{
	cell_money(x, t, v[x->med]);
	if (x->band) {
		cell_money(x, t, v[x->lo]);
		cell_money(x, t, v[x->hi]);
	}
}

static void head_band(const struct rr_ctx *x, struct rr_table *t, const char *what)
{
	char a[32];
	rr_pct_label(a, sizeof(a), x->f->pcts[x->med]);
	cell(t, "%s%s%s", what, *what ? " " : "", a);
	if (x->band) {
		rr_pct_label(a, sizeof(a), x->f->pcts[x->lo]);
		cell(t, "%s", a);
		rr_pct_label(a, sizeof(a), x->f->pcts[x->hi]);
		cell(t, "%s", a);
	}
}

static void cell_share(struct rr_table *t, double part, double whole)
{
	if (whole > 0)
		cell_num(t, part / whole, "%.1f%%", part / whole * 100);
	else
		cell_num(t, 0, "-");
}

static void cell_growth(struct rr_table *t, double g)
{
	char buf[32];
	growth_label(buf, sizeof(buf), g);
	cell_num(t, isnan(g) ? -1e300 : g, "%s", buf);
}

static size_t sec_new(struct rr_doc *d, const char *id, const char *title)
{
	SP_GROW(d->s, d->cap, d->n + 1);
	memset(&d->s[d->n], 0, sizeof(d->s[d->n]));
	d->s[d->n].id = id;
	d->s[d->n].title = sp_xstrdup(title);
	return d->n++;
}

static struct rr_block *blk(struct rr_doc *d, size_t s, enum rr_block_kind kind)
{
	struct rr_section *sec = &d->s[s];
	SP_GROW(sec->b, sec->cap, sec->n + 1);
	memset(&sec->b[sec->n], 0, sizeof(sec->b[sec->n]));
	sec->b[sec->n].kind = kind;
	return &sec->b[sec->n++];
}

static void para(struct rr_doc *d, size_t s, int bullet, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void para(struct rr_doc *d, size_t s, int bullet, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	va_list ap;
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	blk(d, s, bullet ? RR_BULLET : RR_PARA)->text = sp_sb_detach(&sb, NULL);
}

static void add_table(struct rr_doc *d, size_t s, struct rr_table *t)
{
	blk(d, s, RR_TABLE)->table = t;
}

static void add_chart(struct rr_doc *d, size_t s, enum rr_chart c)
{
	blk(d, s, RR_CHART)->chart = c;
}

static void card(struct rr_doc *d, char *label, char *value, char *note)
{
	if (d->ncards < SP_ARRAY_LEN(d->card))
		d->card[d->ncards++] = (struct rr_card){ label, value, note };
	else {
		free(label);
		free(value);
		free(note);
	}
}

void rr_doc_free(struct rr_doc *d)
{
	free(d->title);
	for (size_t i = 0; i < d->nmeta; i++) {
		free(d->meta_key[i]);
		free(d->meta_val[i]);
	}
	for (size_t i = 0; i < d->ncards; i++) {
		free(d->card[i].label);
		free(d->card[i].value);
		free(d->card[i].note);
	}
	for (size_t i = 0; i < d->n; i++) {
		struct rr_section *s = &d->s[i];
		for (size_t j = 0; j < s->n; j++) {
			free(s->b[j].text);
			if (s->b[j].table) {
				for (size_t k = 0; k < s->b[j].table->n; k++)
					free(s->b[j].table->cells[k].text);
				free(s->b[j].table->cells);
				free(s->b[j].table);
			}
		}
		free(s->b);
		free(s->title);
	}
	free(d->s);
	memset(d, 0, sizeof(*d));
}

/* ---- the content ---------------------------------------------------------------------------------- */

static const char *cur(const struct rr_ctx *x)
{
	return x->f->currency;
}

static void money_s(const struct rr_ctx *x, char *buf, size_t n, double v)
{
	rr_money(buf, n, v, cur(x));
}

/* "1y + on-demand" and the like (as the forecast's table says it). */
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

/* The class of a line as the forecast's groupings name it (web, cache, gpu-inference, ...). */
static const char *line_class(const struct sp_fc_line *l)
{
	return l->group_class;
}

/* Horizon cost of the transfer category at each percentile. */
static const double *transfer_horizon(const struct rr_ctx *x)
{
	return x->r->category[SP_RP_TRANSFER].horizon;
}

/* A driver of cost: a component (i < nlines) or internet egress (i == nlines). */
struct driver {
	const char *name;
	const double *horizon;         /* [pct] */
	double first, last;            /* median cost of the first and the last year */
	double growth;
};

static size_t drivers(const struct rr_ctx *x, struct driver *out, size_t max)
{
	const struct sp_forecast *f = x->f;
	size_t n = 0, np = f->npcts, Y = (size_t)f->years;
	const double *tr = transfer_horizon(x);
	int egress_done = !(tr[x->med] > 0);

	for (size_t j = 0; j < f->nlines && n < max; j++) {
		size_t i = x->order[j];
		const struct sp_fc_line *l = &f->lines[i];
		if (!egress_done && tr[x->med] >= l->horizon[x->med]) {
			const struct sp_fc_group *g = &x->r->category[SP_RP_TRANSFER];
			out[n++] = (struct driver){ "internet egress", tr, g->year[x->med], g->year[(Y - 1) * np + x->med],
						     x->r->transfer_growth };
			egress_done = 1;
			if (n == max)
				break;
		}
		if (!(l->horizon[x->med] > 0))
			continue;
		const double *ly = &x->r->line_year[i * Y * np];
		out[n++] = (struct driver){ l->name, l->horizon, ly[x->med], ly[(Y - 1) * np + x->med], x->r->line_growth[i] };
	}
	if (!egress_done && n < max) {
		const struct sp_fc_group *g = &x->r->category[SP_RP_TRANSFER];
		out[n++] = (struct driver){ "internet egress", tr, g->year[x->med], g->year[(Y - 1) * np + x->med],
					     x->r->transfer_growth };
	}
	return n;
}

/* The months over a budget: at the median, or only at the highest percentile. */
static void budget_counts(const struct sp_forecast *f, int *p50, int *high, int *first)
{
	*p50 = *high = 0;
	*first = -1;
	for (size_t i = 0; i < f->nbreaches; i++) {
		const struct sp_fc_breach *b = &f->breaches[i];
		if (b->kind == SP_BREACH_MONTH_P50)
			++*p50;
		else if (b->kind == SP_BREACH_MONTH_HIGH)
			++*high;
		else
			continue;
		if (*first < 0 || b->month < *first)
			*first = b->month;
	}
}

static void build_meta(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	char a[16], b[16], p0[32], p1[32], p2[32];

	d->title = xprintf("Cost report: %s", x->spec->name);
	sp_month_format(f->start, a);
	sp_month_format(f->start + f->months - 1, b);
	d->meta_key[d->nmeta] = sp_xstrdup("horizon");
	d->meta_val[d->nmeta++] = f->months == 1 ? xprintf("%s (1 month)", a) : xprintf("%s..%s (%d months)", a, b, f->months);
	d->meta_key[d->nmeta] = sp_xstrdup("paths");
	d->meta_val[d->nmeta++] = f->paths == 1 ? xprintf("1 (no growth driver is uncertain), seed %llu",
							  (unsigned long long)f->seed)
						: xprintf("%d Monte Carlo paths, seed %llu", f->paths,
							  (unsigned long long)f->seed);
	rr_pct_label(p0, sizeof(p0), f->pcts[x->med]);
	rr_pct_label(p1, sizeof(p1), f->pcts[x->lo]);
	rr_pct_label(p2, sizeof(p2), f->pcts[x->hi]);
	d->meta_key[d->nmeta] = sp_xstrdup("figures");
	d->meta_val[d->nmeta++] = x->band ? xprintf("%s, with the %s..%s band; amounts in %s", p0, p1, p2, cur(x))
					  : xprintf("%s; amounts in %s", p0, cur(x));
	d->meta_key[d->nmeta] = sp_xstrdup("prices");
	d->meta_val[d->nmeta++] = xprintf("catalog %s, as of %s", f->catalog, f->catalog_as_of);
}

static void build_summary(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_report *r = x->r;
	size_t s = sec_new(d, "summary", "Summary"), np = f->npcts, Y = (size_t)f->years;
	char t[64], od[64], sv[64], lo[64], hi[64], a[64], b[64], hz[64], pl[32], ph[32];
	double tot = f->horizon_total[x->med], todm = f->horizon_total_od[x->med], save = todm - tot;
	double growth = sp_report_growth(f->total, f->year_total, f->months, np, x->med);

	rr_pct_label(pl, sizeof(pl), f->pcts[x->lo]);
	rr_pct_label(ph, sizeof(ph), f->pcts[x->hi]);
	money_s(x, t, sizeof(t), tot);
	money_s(x, lo, sizeof(lo), f->horizon_total[x->lo]);
	money_s(x, hi, sizeof(hi), f->horizon_total[x->hi]);
	sp_month_format(f->start, a);
	sp_month_format(f->start + f->months - 1, b);
	snprintf(hz, sizeof(hz), f->months == 1 ? "%s" : "%s..%s", a, b);
	if (x->band)
		para(d, s, 1, "Over %s the plan costs %s at the median (%s %s, %s %s).", hz, t, pl, lo, ph, hi);
	else
		para(d, s, 1, "Over %s the plan costs %s.", hz, t);
	card(d, xprintf("Total, %s", hz), sp_xstrdup(t),
	     x->band ? xprintf("%s %s · %s %s", pl, lo, ph, hi) : sp_xstrdup("one path"));

	money_s(x, od, sizeof(od), todm);
	money_s(x, sv, sizeof(sv), save);
	money_s(x, a, sizeof(a), r->saving[SP_RP_SAVE_COMMIT].horizon[x->med]);
	money_s(x, b, sizeof(b), r->saving[SP_RP_SAVE_SPOT].horizon[x->med]);
	if (todm > 0)
		para(d, s, 1,
		     "Bought all on demand, the same capacity would cost %s: purchase options save %s (%.1f%%). "
		     "At their own medians, commitments save %s and spot %s.",
		     od, sv, save / todm * 100, a, b);
	card(d, sp_xstrdup("All on demand"), sp_xstrdup(od),
	     todm > 0 ? xprintf("purchase options save %s (%.1f%%)", sv, save / todm * 100) : sp_xstrdup("-"));

	if (Y >= 1) {
		char y0[64], yl[64], l0[64], l1[64], gl[32];
		money_s(x, y0, sizeof(y0), f->year_total[x->med]);
		money_s(x, yl, sizeof(yl), f->year_total[(Y - 1) * np + x->med]);
		rr_year_label(f, 0, l0, sizeof(l0));
		rr_year_label(f, (int)Y - 1, l1, sizeof(l1));
		growth_label(gl, sizeof(gl), growth);
		if (Y >= 2 && !isnan(growth))
			para(d, s, 1, "The yearly cost goes from %s in %s to %s in %s: %s a year at the median%s.", y0, l0,
			     yl, l1, gl, rr_year_months(f, (int)Y - 1) < 12 ? " (the last year is partial: monthly averages compared)" : "");
		card(d, xprintf("Year %s", l1), sp_xstrdup(yl),
		     isnan(growth) ? sp_xstrdup("growth: -") : xprintf("%s a year", gl));
	}

	struct driver top[3];
	size_t nt = drivers(x, top, 3);
	if (nt > 0) {
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_adds(&sb, nt == 1 ? "The largest cost driver is " : "The largest cost drivers are ");
		for (size_t i = 0; i < nt; i++) {
			char m[64];
			money_s(x, m, sizeof(m), top[i].horizon[x->med]);
			sp_sb_addf(&sb, "%s%s (%s, %.1f%%)", i == 0 ? "" : i + 1 == nt ? " and " : ", ", top[i].name, m,
				   tot > 0 ? top[i].horizon[x->med] / tot * 100 : 0);
		}
		sp_sb_adds(&sb, ".");
		blk(d, s, RR_BULLET)->text = sp_sb_detach(&sb, NULL);
	}

	int peak = 0;
	for (int m = 1; m < f->months; m++)
		if (f->total[(size_t)m * np + x->med] > f->total[(size_t)peak * np + x->med])
			peak = m;
	sp_month_format(f->start + peak, a);
	money_s(x, t, sizeof(t), f->total[(size_t)peak * np + x->med]);
	money_s(x, hi, sizeof(hi), f->total[(size_t)peak * np + x->hi]);
	if (x->band)
		para(d, s, 1, "The dearest month is %s: %s at the median, %s at %s.", a, t, hi, ph);
	else
		para(d, s, 1, "The dearest month is %s: %s.", a, t);
	card(d, sp_xstrdup("Dearest month"), sp_xstrdup(t), x->band ? xprintf("%s, %s %s", a, ph, hi) : sp_xstrdup(a));

	const struct sp_budgets *bu = &x->spec->budgets;
	if (bu->monthly_max > 0) {
		int n50, nhi, first;
		budget_counts(f, &n50, &nhi, &first);
		money_s(x, a, sizeof(a), bu->monthly_max);
		if (n50 + nhi == 0) {
			para(d, s, 1, "The monthly budget of %s holds in every month%s%s.", a, x->band ? ", even at " : "",
			     x->band ? ph : "");
			card(d, sp_xstrdup("Monthly budget"), sp_xstrdup("within"), xprintf("%s, every month", a));
		} else {
			sp_month_format(f->start + first, b);
			para(d, s, 1, "The monthly budget of %s is exceeded in %d month%s at the median and %d more at %s, from %s.",
			     a, n50, n50 == 1 ? "" : "s", nhi, ph, b);
			card(d, sp_xstrdup("Monthly budget"), xprintf("over in %d month%s", n50 + nhi, n50 + nhi == 1 ? "" : "s"),
			     xprintf("%s; %d at the median, from %s", a, n50, b));
		}
	}
	if (bu->total_max > 0) {
		const char *state = "within it";
		for (size_t i = 0; i < f->nbreaches; i++)
			if (f->breaches[i].kind == SP_BREACH_TOTAL_P50)
				state = "over it at the median";
			else if (f->breaches[i].kind == SP_BREACH_TOTAL_HIGH)
				state = "over it only at the highest percentile";
		money_s(x, a, sizeof(a), bu->total_max);
		para(d, s, 1, "Against the budget of %s for the whole horizon, the total is %s.", a, state);
	}
	add_chart(d, s, RR_CHART_BAND);
}

static void build_years(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t s = sec_new(d, "years", "Cost by year"), np = f->npcts;
	struct rr_table *t = tbl_new(x->band ? "lrrrrrr" : "lrrrr", 1);
	char lbl[64];

	cell(t, "year");
	head_band(x, t, "cost");
	cell(t, "change");
	rr_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	cell(t, "saving %s", lbl);
	cell(t, "on-demand share");
	for (int y = 0; y < f->years; y++) {
		int months = rr_year_months(f, y);
		const double *v = &f->year_total[(size_t)y * np];
		cell(t, "%s", rr_year_label(f, y, lbl, sizeof(lbl)));
		cell_band(x, t, v);
		if (y == 0) {
			cell_num(t, -1e300, "-");
		} else {
			double prev = f->year_total[(size_t)(y - 1) * np + x->med] / 12, now = v[x->med] / months;
			if (prev <= 0)
				cell_num(t, -1e300, "-");
			else
				cell_num(t, now / prev - 1, "%+.1f%%%s", (now / prev - 1) * 100, months < 12 ? "*" : "");
		}
		cell_money(x, t, x->r->saving[SP_RP_SAVE_ALL].year[(size_t)y * np + x->med]);
		cell_share(t, x->r->buy[SP_RP_ON_DEMAND].year[(size_t)y * np + x->med], v[x->med]);
	}
	add_table(d, s, t);
	if (rr_year_months(f, f->years - 1) < 12 && f->years > 1)
		para(d, s, 0, "* the last year has %d months: its change compares monthly averages.",
		     rr_year_months(f, f->years - 1));
	para(d, s, 0,
	     "Each figure is a percentile of the year's cost summed along each path; the saving is what the purchase "
	     "options save against buying the same capacity all on demand, and the on-demand share the part of the "
	     "median billed at list price (on demand, storage and egress).");
}

/* A table of groups: per year at the median, then the horizon with its band and the share of the total. */
static void group_table(struct rr_doc *d, size_t s, const struct rr_ctx *x, const char *what,
			const struct sp_fc_group *const *g, size_t n, int skip_empty, int signed_values)
{
	const struct sp_forecast *f = x->f;
	size_t np = f->npcts;
	char align[32], lbl[64];
	size_t k = 0;
	struct sp_sb none = SP_SB_INIT;

	align[k++] = 'l';
	for (int y = 0; y < f->years && k < 20; y++)
		align[k++] = 'r';
	align[k++] = 'r';
	if (x->band) {
		align[k++] = 'r';
		align[k++] = 'r';
	}
	if (!signed_values)
		align[k++] = 'r';
	align[k] = '\0';
	struct rr_table *t = tbl_new(align, 1);
	cell(t, "%s", what);
	for (int y = 0; y < f->years && y < 18; y++)
		cell(t, "%s", rr_year_label(f, y, lbl, sizeof(lbl)));
	head_band(x, t, "horizon");
	if (!signed_values)
		cell(t, "share");
	for (size_t i = 0; i < n; i++) {
		if (skip_empty && !(g[i]->horizon[x->hi] > 0) && !(g[i]->horizon[x->lo] > 0)) {
			sp_sb_addf(&none, "%s%s", none.len ? ", " : "", g[i]->name);
			continue;
		}
		cell(t, "%s", g[i]->name);
		for (int y = 0; y < f->years && y < 18; y++)
			cell_money(x, t, g[i]->year[(size_t)y * np + x->med]);
		cell_band(x, t, g[i]->horizon);
		if (!signed_values)
			cell_share(t, g[i]->horizon[x->med], f->horizon_total[x->med]);
	}
	add_table(d, s, t);
	if (none.len)
		para(d, s, 0, "No cost: %s.", none.buf);
	sp_sb_release(&none);
}

static void build_categories(struct rr_doc *d, const struct rr_ctx *x)
{
	size_t s = sec_new(d, "categories", "Cost by category");
	const struct sp_fc_group *g[SP_RP_NCAT];

	for (int c = 0; c < SP_RP_NCAT; c++)
		g[c] = &x->r->category[c];
	group_table(d, s, x, "category", g, SP_RP_NCAT, 1, 0);
	para(d, s, 0,
	     "compute: the instances of services; database: datastore nodes; cache: cache nodes; storage: the data the "
	     "datastores keep; gpu: GPU instances and GPU-hours; transfer: internet egress. Each figure is a percentile of "
	     "the category's cost summed along each path, so the medians of the categories need not add up to the "
	     "median of the total.");
	add_chart(d, s, RR_CHART_CATEGORY);
}

static void build_purchase(struct rr_doc *d, const struct rr_ctx *x)
{
	size_t s = sec_new(d, "purchase", "Purchase options and savings");
	const struct sp_fc_group *g[SP_RP_NBUY], *sv[SP_RP_NSAVE];
	const struct sp_forecast *f = x->f;
	char a[64], b[64], c[64];

	for (int i = 0; i < SP_RP_NBUY; i++)
		g[i] = &x->r->buy[i];
	group_table(d, s, x, "bought as", g, SP_RP_NBUY, 0, 0);
	para(d, s, 0,
	     "commitment: 1- and 3-year commitments at the newsvendor level, paid whether used or not; on-demand: "
	     "capacity above the commitments or without one, storage and egress, at list price; spot: interruptible "
	     "capacity, with its overhead.");
	add_chart(d, s, RR_CHART_MIX);
	for (int i = 0; i < SP_RP_NSAVE; i++)
		sv[i] = &x->r->saving[i];
	money_s(x, a, sizeof(a), f->horizon_total_od[x->med]);
	money_s(x, b, sizeof(b), f->horizon_total[x->med]);
	money_s(x, c, sizeof(c), f->horizon_total_od[x->med] - f->horizon_total[x->med]);
	para(d, s, 0, "Saving against buying the same capacity all on demand (%s at the median, against %s with purchase "
		      "options: %s less):", a, b, c);
	group_table(d, s, x, "saving from", sv, SP_RP_NSAVE, 0, 1);
	para(d, s, 0,
	     "all is both together: its percentiles are those of each path's saving, which need not be the difference "
	     "of the two medians above. A commitment is paid whether it is used or not: on paths where demand stays "
	     "low it can cost more than on demand, and its saving there is negative.");
}

static void build_grouping(struct rr_doc *d, const struct rr_ctx *x, int k, const char *id, const char *title,
			   const char *what)
{
	const struct sp_fc_grouping *gr = &x->f->groupings[k];
	size_t s = sec_new(d, id, title);
	const struct sp_fc_group **g = sp_xcalloc(gr->ngroups + 1, sizeof(*g));

	for (size_t i = 0; i < gr->ngroups; i++)
		g[i] = &gr->groups[i];
	group_table(d, s, x, what, g, gr->ngroups, 1, 0);
	free(g);
	if (k == 0)
		para(d, s, 0, "Services by their workload class (web, worker, batch, dev), then the other kinds of "
			      "components; transfer is internet egress.");
	else
		para(d, s, 0, "A component's cost goes to the regions by the capacity it holds in each on the path, "
			      "egress by the regions' shares of demand.");
}

static void build_drivers(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t s = sec_new(d, "drivers", "Top cost drivers");
	struct driver dv[TOP_DRIVERS];
	size_t n = drivers(x, dv, TOP_DRIVERS);
	char l0[64], l1[64];
	struct rr_table *t = tbl_new(x->band ? "rlrrrrrrr" : "rlrrrrr", 1);

	rr_year_label(f, 0, l0, sizeof(l0));
	rr_year_label(f, f->years - 1, l1, sizeof(l1));
	cell(t, "#");
	cell(t, "driver");
	head_band(x, t, "horizon");
	cell(t, "share");
	cell(t, "%s", l0);
	cell(t, "%s", l1);
	cell(t, "growth a year");
	for (size_t i = 0; i < n; i++) {
		cell_num(t, (double)(i + 1), "%zu", i + 1);
		cell(t, "%s", dv[i].name);
		cell_band(x, t, dv[i].horizon);
		cell_share(t, dv[i].horizon[x->med], f->horizon_total[x->med]);
		cell_money(x, t, dv[i].first);
		cell_money(x, t, dv[i].last);
		cell_growth(t, f->years >= 2 ? dv[i].growth : NAN);
	}
	add_table(d, s, t);
	para(d, s, 0,
	     "The components (and internet egress) that cost the most over the horizon at the median. Growth a year "
	     "compounds the average month of the first year into that of the last (- when the first year costs "
	     "nothing or the horizon is shorter than two years).");
}

static void build_components(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t s = sec_new(d, "components", "Cost by component"), np = f->npcts, Y = (size_t)f->years;
	char l0[64], l1[64], buf[64];
	struct rr_table *t = tbl_new(x->band ? "llllrrrrrrr" : "llllrrrrr", 1);

	rr_year_label(f, 0, l0, sizeof(l0));
	rr_year_label(f, f->years - 1, l1, sizeof(l1));
	cell(t, "component");
	cell(t, "class");
	cell(t, "SKU");
	cell(t, "purchase");
	cell(t, "%s", l0);
	cell(t, "%s", l1);
	cell(t, "growth a year");
	head_band(x, t, "horizon");
	cell(t, "share");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		const double *ly = &x->r->line_year[i * Y * np];
		cell(t, "%s", l->name);
		cell(t, "%s", line_class(l));
		cell(t, "%s", l->sku ? l->sku : "-");
		purchase_label(l, buf, sizeof(buf));
		cell(t, "%s", buf);
		cell_money(x, t, ly[x->med]);
		cell_money(x, t, ly[(Y - 1) * np + x->med]);
		cell_growth(t, f->years >= 2 ? x->r->line_growth[i] : NAN);
		cell_band(x, t, l->horizon);
		cell_share(t, l->horizon[x->med], f->horizon_total[x->med]);
	}
	const struct sp_fc_group *tr = &x->r->category[SP_RP_TRANSFER];
	if (tr->horizon[x->hi] > 0) {
		cell(t, "internet egress");
		cell(t, "transfer");
		cell(t, "-");
		cell(t, "on-demand");
		cell_money(x, t, tr->year[x->med]);
		cell_money(x, t, tr->year[(Y - 1) * np + x->med]);
		cell_growth(t, f->years >= 2 ? x->r->transfer_growth : NAN);
		cell_band(x, t, tr->horizon);
		cell_share(t, tr->horizon[x->med], f->horizon_total[x->med]);
	}
	add_table(d, s, t);
	para(d, s, 0,
	     "In spec order. Each figure is a percentile of the component's cost summed along each path (a year, the "
	     "horizon), so the medians of the components need not add up to the median of the total.");
}

/* The components that hold capacity, largest cost first. */
static size_t capacity_lines(const struct rr_ctx *x, size_t *out, size_t max)
{
	size_t n = 0;
	for (size_t j = 0; j < x->f->nlines && n < max; j++) {
		const struct sp_fc_line *l = &x->f->lines[x->order[j]];
		if (l->kind != SP_NODE_QUEUE && l->horizon[x->med] > 0)
			out[n++] = x->order[j];
	}
	return n;
}

static void build_capacity(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t s = sec_new(d, "capacity", "Capacity of the largest components"), idx[CAPACITY_LINES];
	size_t n = capacity_lines(x, idx, CAPACITY_LINES);
	char a[16], b[16], lbl[32];
	struct rr_table *t = tbl_new("llrrrl", 1);

	sp_month_format(f->start, a);
	sp_month_format(f->start + f->months - 1, b);
	rr_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	cell(t, "component");
	cell(t, "unit");
	cell(t, "%s", a);
	cell(t, "%s", b);
	cell(t, "most");
	cell(t, "in");
	for (size_t i = 0; i < n; i++) {
		const struct sp_fc_line *l = &f->lines[idx[i]];
		double first = sp_fc_value(f, l, 0, SP_FC_UNITS, x->med), last = sp_fc_value(f, l, f->months - 1, SP_FC_UNITS, x->med);
		double most = first;
		int at = 0;
		for (int m = 1; m < f->months; m++) {
			double u = sp_fc_value(f, l, m, SP_FC_UNITS, x->med);
			if (u > most) {
				most = u;
				at = m;
			}
		}
		sp_month_format(f->start + at, a);
		cell(t, "%s", l->name);
		cell(t, "%s", l->unit);
		cell_num(t, first, "%.0f", first);
		cell_num(t, last, "%.0f", last);
		cell_num(t, most, "%.0f", most);
		cell(t, "%s", a);
	}
	add_table(d, s, t);
	para(d, s, 0, "The %zu components that cost the most, their capacity at %s in the first and the last month, "
		      "and at its largest.", n, lbl);
	add_chart(d, s, RR_CHART_CAPACITY);
}

static void build_budget(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_budgets *bu = &x->spec->budgets;
	size_t s, np = f->npcts;
	char a[64], b[64], c[64], ph[32];

	if (!(bu->monthly_max > 0) && !(bu->total_max > 0))
		return;
	s = sec_new(d, "budget", "Budget");
	rr_pct_label(ph, sizeof(ph), f->pcts[x->hi]);
	if (bu->monthly_max > 0) {
		int n50, nhi, first;
		double peak = 0, peak_hi = 0;
		budget_counts(f, &n50, &nhi, &first);
		for (int m = 0; m < f->months; m++) {
			peak = fmax(peak, f->total[(size_t)m * np + x->med]);
			peak_hi = fmax(peak_hi, f->total[(size_t)m * np + x->hi]);
		}
		money_s(x, a, sizeof(a), bu->monthly_max);
		money_s(x, b, sizeof(b), peak);
		money_s(x, c, sizeof(c), peak_hi);
		para(d, s, 1, "monthly_max %s: the dearest month costs %s at the median (%.1f%% of it) and %s at %s "
			      "(%.1f%%).",
		     a, b, peak / bu->monthly_max * 100, c, ph, peak_hi / bu->monthly_max * 100);
		if (n50 + nhi == 0)
			para(d, s, 1, "No month is over it, at the median or at %s.", ph);
		else
			para(d, s, 1, "%d month%s over it at the median, and %d more at %s only:", n50,
			     n50 == 1 ? " is" : "s are", nhi, ph);
		if (n50 + nhi > 0) {
			struct rr_table *t = tbl_new("llrrr", 1);
			cell(t, "months");
			cell(t, "over at");
			cell(t, "highest cost");
			cell(t, "limit");
			cell(t, "over by");
			/* runs of consecutive months over at the same percentile */
			for (size_t i = 0; i < f->nbreaches;) {
				const struct sp_fc_breach *bi = &f->breaches[i];
				if (bi->kind != SP_BREACH_MONTH_P50 && bi->kind != SP_BREACH_MONTH_HIGH) {
					i++;
					continue;
				}
				size_t j = i + 1;
				double top = bi->value;
				while (j < f->nbreaches && f->breaches[j].kind == bi->kind &&
				       f->breaches[j].month == f->breaches[j - 1].month + 1) {
					top = fmax(top, f->breaches[j].value);
					j++;
				}
				sp_month_format(f->start + bi->month, a);
				sp_month_format(f->start + f->breaches[j - 1].month, b);
				if (j - i == 1)
					cell(t, "%s", a);
				else
					cell(t, "%s..%s", a, b);
				rr_pct_label(c, sizeof(c), bi->kind == SP_BREACH_MONTH_P50 ? f->pcts[x->med] : f->pcts[x->hi]);
				cell(t, "%s", c);
				cell_money(x, t, top);
				cell_money(x, t, bi->limit);
				cell_num(t, top / bi->limit - 1, "%.1f%%", (top / bi->limit - 1) * 100);
				i = j;
			}
			add_table(d, s, t);
		}
	}
	if (bu->total_max > 0) {
		money_s(x, a, sizeof(a), bu->total_max);
		money_s(x, b, sizeof(b), f->horizon_total[x->med]);
		money_s(x, c, sizeof(c), f->horizon_total[x->hi]);
		para(d, s, 1, "total_max %s: the horizon costs %s at the median (%.1f%% of it) and %s at %s (%.1f%%).", a,
		     b, f->horizon_total[x->med] / bu->total_max * 100, c, ph, f->horizon_total[x->hi] / bu->total_max * 100);
	}
	para(d, s, 0, "Budget lines come from the spec's budgets; a month is over at the median when its median total "
		      "exceeds the limit, else over at the highest percentile when that does.");
}

static void build_months(struct rr_doc *d, const struct rr_ctx *x)
{
	const struct sp_forecast *f = x->f;
	size_t s = sec_new(d, "months", "Cost by month"), np = f->npcts;
	int has[SP_RP_NCAT];
	char align[32], lbl[32], mon[16];
	size_t k = 0;
	double limit = x->spec->budgets.monthly_max;

	align[k++] = 'l';
	align[k++] = 'r';
	if (x->band) {
		align[k++] = 'r';
		align[k++] = 'r';
	}
	align[k++] = 'r';
	for (int c = 0; c < SP_RP_NCAT; c++) {
		has[c] = x->r->category[c].horizon[x->hi] > 0;
		if (has[c])
			align[k++] = 'r';
	}
	if (!f->nbreaches)
		limit = 0;    /* no column of empty cells */
	if (limit > 0)
		align[k++] = 'l';
	align[k] = '\0';
	struct rr_table *t = tbl_new(align, 1);
	rr_pct_label(lbl, sizeof(lbl), f->pcts[x->med]);
	cell(t, "month");
	head_band(x, t, "cost");
	cell(t, "all on demand %s", lbl);
	for (int c = 0; c < SP_RP_NCAT; c++)
		if (has[c])
			cell(t, "%s", sp_rp_category_names[c]);
	if (limit > 0)
		cell(t, "budget");
	for (int m = 0; m < f->months; m++) {
		sp_month_format(f->start + m, mon);
		cell(t, "%s", mon);
		cell_band(x, t, &f->total[(size_t)m * np]);
		cell_money(x, t, f->total_od[(size_t)m * np + x->med]);
		for (int c = 0; c < SP_RP_NCAT; c++)
			if (has[c])
				cell_money(x, t, x->r->category[c].month[(size_t)m * np + x->med]);
		if (limit > 0) {
			const char *over = "";
			for (size_t i = 0; i < f->nbreaches; i++)
				if (f->breaches[i].month == m)
					over = f->breaches[i].kind == SP_BREACH_MONTH_P50 ? "over" : "over at the highest percentile";
			cell(t, "%s", over);
		}
	}
	add_table(d, s, t);
	para(d, s, 0, "Categories at %s; the totals are exact percentiles of each month's total along the paths, and "
		      "\"all on demand\" is the same capacity bought without commitments or spot.", lbl);
}

static void build_notes(struct rr_doc *d, const struct rr_ctx *x)
{
	size_t s = sec_new(d, "graph", "Dependency graph");
	(void)x;
	add_chart(d, s, RR_CHART_GRAPH);
	s = sec_new(d, "method", "How to read this report");
	para(d, s, 1, "Every figure comes from the capacity and cost model (docs/model.md): growth drivers along Monte Carlo "
		      "paths, demand through the dependency graph, capacity sized to each SLO, priced from the catalog.");
	para(d, s, 1, "Percentiles are taken last: each total is summed along each path first, so a p90 of a total is not "
		      "the sum of the p90s of its parts.");
	para(d, s, 1, "Not in these figures: data transfer between zones and regions, block and object storage, "
		      "backups, load balancers, support plans and taxes; prices stay at the catalog's date.");
}

void rr_doc_build(struct rr_doc *d, const struct rr_ctx *x)
{
	memset(d, 0, sizeof(*d));
	build_meta(d, x);
	build_summary(d, x);
	build_years(d, x);
	build_categories(d, x);
	build_purchase(d, x);
	build_grouping(d, x, 0, "classes", "Cost by workload class", "class");
	build_grouping(d, x, 1, "regions", "Cost by region", "region");
	build_drivers(d, x);
	build_components(d, x);
	build_capacity(d, x);
	build_budget(d, x);
	build_months(d, x);
	build_notes(d, x);
}
