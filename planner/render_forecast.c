/* Forecast renderers: table, CSV, JSON and markdown (docs/forecast-output.md).
 * This file holds the entry, the checks and the formats every renderer
 * shares; the table and markdown are in render_forecast_table.c, CSV in
 * render_forecast_csv.c, JSON in render_forecast_json.c.
 *
 * Every value is checked first (a NaN or a negative figure is an engine bug:
 * nothing is written then), and every number is printed with a fixed format,
 * so the same forecast always gives the same bytes. Output is built in a
 * string buffer and written in large pieces. */
#include "planner/render_forecast.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "planner/render_forecast_int.h"

/* Machine names (CSV and JSON) of the engine's enums. */
const char *const sp_rf_kind_keys[SP_NODE_NKINDS] = { "service", "cache", "datastore", "queue", "gpu" };
const char *const sp_rf_purchase_keys[] = { "commit_on_demand", "commit_spot", "spot", "on_demand", "none" };

#define FLUSH_AT (1u << 16)

/* ---- output ------------------------------------------------------------------------------- */

void sp_rf_out_flush(struct sp_rf_out *o)
{
	if (o->sb.len && !o->failed && fwrite(o->sb.buf, 1, o->sb.len, o->f) != o->sb.len) {
		o->failed = 1;
		o->errnum = errno;
	}
	sp_sb_reset(&o->sb);
}

void sp_rf_out_maybe_flush(struct sp_rf_out *o)
{
	if (o->sb.len >= FLUSH_AT)
		sp_rf_out_flush(o);
}

/* ---- numbers ------------------------------------------------------------------------------- */

void sp_render_money(char *buf, size_t n, double v, const char *currency)
{
	char digits[400], grouped[560];
	const char *cur = currency && *currency ? currency : "USD";
	size_t nd, k = 0;
	int neg;

	if (!n)
		return;
	if (!isfinite(v)) {
		snprintf(buf, n, "?");
		return;
	}
	v = round(v);
	neg = v < 0;
	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	nd = strlen(digits);
	for (size_t i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			grouped[k++] = ',';
		grouped[k++] = digits[i];
	}
	grouped[k] = '\0';
	if (!strcmp(cur, "USD"))
		snprintf(buf, n, "%s$%s", neg ? "-" : "", grouped);
	else
		snprintf(buf, n, "%s%s %s", neg ? "-" : "", cur, grouped);
}

/* A whole number >= 0 with thousands separators: "1,000". */
void sp_rf_group_int(char *buf, size_t n, unsigned long long v)
{
	char money[64];
	sp_render_money(money, sizeof(money), (double)v, "USD");
	snprintf(buf, n, "%s", money + 1);
}

/* Money in CSV and JSON: cents. */
void sp_rf_add_money(struct sp_sb *sb, double v)
{
	sp_sb_addf(sb, "%.2f", v == 0 ? 0.0 : v);
}

/* Counts (instances, nodes, shards, replicas, GPUs). */
static void add_count(struct sp_sb *sb, double v)
{
	sp_sb_addf(sb, "%.0f", v == 0 ? 0.0 : v);
}

/* Rates and sizes: at most `dec` decimals, trailing zeros dropped. */
void sp_rf_add_qty(struct sp_sb *sb, double v, int dec)
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

void sp_rf_add_metric(struct sp_sb *sb, enum sp_fc_metric mt, double v)
{
	switch (mt) {
	case SP_FC_COST:
	case SP_FC_COST_OD: sp_rf_add_money(sb, v); break;
	case SP_FC_UNITS:
	case SP_FC_REPLICAS:
	case SP_FC_SHARDS: add_count(sb, v); break;
	default: sp_rf_add_qty(sb, v, 3);
	}
}

/* "p10", "p50", "p99.9" */
void sp_rf_pct_label(char *buf, size_t n, double p)
{
	snprintf(buf, n, "p%.10g", p);
}

void sp_rf_month_label(const struct sp_forecast *f, int m, char buf[16])
{
	sp_month_format(f->start + m, buf);
}

/* ---- checks ------------------------------------------------------------------------------- */

static int bad_value(double v)
{
	return !isfinite(v) || v < 0;
}

static int bad_array(const double *v, size_t n)
{
	if (!v)
		return n > 0;
	for (size_t i = 0; i < n; i++)
		if (bad_value(v[i]))
			return 1;
	return 0;
}

/* Every figure the renderers read must be a finite number >= 0. */
static int check_forecast(const struct sp_forecast *f, struct sp_err *err)
{
	size_t np = f->npcts, M = f->months > 0 ? (size_t)f->months : 0, Y = f->years > 0 ? (size_t)f->years : 0;
	const char *what = NULL, *name = "";

	if (f->months < 1 || f->years != (f->months + 11) / 12 || np < 1 || np > SP_FC_MAX_PCTS)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast has %d months, %d years and %zu percentiles",
				  f->months, f->years, np);
	for (size_t k = 0; k < np; k++)
		if (!(f->pcts[k] > 0 && f->pcts[k] < 100) || (k > 0 && !(f->pcts[k] > f->pcts[k - 1])))
			return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast's percentiles are not ascending in (0, 100)");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (!l->name || !l->group_class || !l->unit || (unsigned)l->kind >= SP_NODE_NKINDS ||
		    (unsigned)l->category >= SP_CAT_N || (unsigned)l->purchase > SP_BUY_NONE ||
		    l->ncommit_windows < 0 || (l->ncommit_windows > 0 && !l->commit_levels) || l->risk_month < -1 ||
		    l->risk_month >= f->months || l->risk_any_month < -1 || l->risk_any_month >= f->months ||
		    l->outgrow_month < -1 || l->outgrow_month >= f->months)
			return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast's component %zu ('%s') is malformed", i,
					  l->name ? l->name : "");
		if (!what && (bad_array(l->v, M * SP_FC_NMETRICS * np) || bad_value(l->risk_share) ||
			      bad_array(l->horizon, np))) {
			what = "component";
			name = l->name;
		}
	}
	for (size_t i = 0; i < f->nbreaches; i++)
		if ((unsigned)f->breaches[i].kind > SP_BREACH_TOTAL_HIGH || f->breaches[i].month < -1 ||
		    f->breaches[i].month >= f->months)
			return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast's budget breach %zu is malformed", i);
	if (!what && (bad_array(f->total, M * np) || bad_array(f->total_od, M * np) || bad_array(f->year_total, Y * np) ||
		      bad_array(f->horizon_total, np) || bad_array(f->horizon_total_od, np)))
		what = "total";
	for (int k = 0; k < 3 && !what; k++)
		for (size_t i = 0; i < f->groupings[k].ngroups && !what; i++) {
			const struct sp_fc_group *g = &f->groupings[k].groups[i];
			if (bad_array(g->month, M * np) || bad_array(g->year, Y * np) || bad_array(g->horizon, np)) {
				what = f->groupings[k].by;
				name = g->name;
			}
		}
	for (size_t i = 0; i < f->nbreaches && !what; i++)
		if (bad_value(f->breaches[i].value) || bad_value(f->breaches[i].limit))
			what = "budget breach";
	if (what)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast holds a value that is not a finite number >= 0 (%s%s%s%s)",
				  what, *name ? " '" : "", name, *name ? "'" : "");
	return 0;
}

/* ---- shared figures ------------------------------------------------------------------------- */

const struct sp_fc_grouping *sp_rf_grouping(const struct sp_forecast *f, const char *by)
{
	for (int k = 0; k < 3; k++)
		if (f->groupings[k].by && !strcmp(f->groupings[k].by, by))
			return &f->groupings[k];
	return NULL;
}

/* The spec object of a line: lines follow the graph, which keeps spec order
 * within each kind; fall back to a search by name. */
const struct sp_service *sp_rf_line_service(const struct sp_spec *s, const char *name, size_t hint)
{
	if (hint < s->nservices && !strcmp(s->services[hint].name, name))
		return &s->services[hint];
	for (size_t i = 0; i < s->nservices; i++)
		if (!strcmp(s->services[i].name, name))
			return &s->services[i];
	return NULL;
}

/* "2027-01..2031-12 (60 months)", or "2027-01 (1 month)". */
const char *sp_rf_horizon_label(const struct sp_forecast *f, char *buf, size_t n)
{
	char a[16], b[16];
	sp_rf_month_label(f, 0, a);
	sp_rf_month_label(f, f->months - 1, b);
	if (f->months == 1)
		snprintf(buf, n, "%s (1 month)", a);
	else
		snprintf(buf, n, "%s..%s (%d months)", a, b, f->months);
	return buf;
}


/* ---- entry ------------------------------------------------------------------------------------ */

int sp_render_forecast(FILE *out, const struct sp_forecast *f, const struct sp_spec *spec, const char *format,
		       const char *by, struct sp_err *err)
{
	struct sp_rf_out o = { out, SP_SB_INIT, 0, 0 };
	struct sp_rf_ctx x;
	int ret;

	if (!format || (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json") &&
			strcmp(format, "markdown")))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "unknown format '%s'; expected table, csv, json or markdown",
				  format ? format : "");
	if (by && !strcmp(by, "component"))
		by = NULL;
	if (by && strcmp(by, "class") && strcmp(by, "region") && strcmp(by, "category") && strcmp(by, "sizing"))
		return sp_err_set(err, SP_EINVAL, "", 0, 0,
				  "unknown grouping '%s'; expected component, class, region, category or sizing", by);
	if ((ret = check_forecast(f, err)) < 0)
		return ret;
	if (by && strcmp(by, "sizing") && !sp_rf_grouping(f, by))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast has no grouping by %s", by);

	memset(&x, 0, sizeof(x));
	x.f = f;
	x.spec = spec;
	x.o = &o;
	x.by = by;
	x.med = sp_fc_median_index(f);
	x.lo = 0;
	x.hi = f->npcts - 1;
	x.band = f->npcts > 1;
	if (!strcmp(format, "table")) {
		sp_rf_text(&x);
	} else if (!strcmp(format, "markdown")) {
		x.markdown = 1;
		sp_rf_markdown(&x);
	} else if (!strcmp(format, "csv")) {
		sp_rf_csv(&x);
	} else {
		sp_rf_json(&x);
	}
	sp_rf_out_flush(&o);
	sp_sb_release(&o.sb);
	if (!o.failed && fflush(out) != 0) {
		o.failed = 1;
		o.errnum = errno;
	}
	if (o.failed || ferror(out))
		return sp_err_set(err, SP_EIO, "", 0, 0, "cannot write the forecast: %s",
				  strerror(o.errnum ? o.errnum : EIO));
	return 0;
}

