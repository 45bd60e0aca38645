/* The forecast as CSV (docs/forecast-output.md, versioned by
 * SP_FC_CSV_VERSION): one row per component (or group), month and
 * percentile, then the totals. */
#include <string.h>

#include "lib/strbuf.h"
#include "planner/render_forecast.h"
#include "planner/render_forecast_int.h"

static void csv_field(struct sp_sb *sb, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		sp_sb_adds(sb, s);
		return;
	}
	sp_sb_addc(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			sp_sb_addc(sb, '"');
		sp_sb_addc(sb, *s);
	}
	sp_sb_addc(sb, '"');
}

/* budget,over_budget cells of a total row */
static void csv_budget(struct sp_sb *sb, double limit, double v)
{
	if (limit > 0) {
		sp_rf_add_money(sb, limit);
		sp_sb_addf(sb, ",%d", v > limit ? 1 : 0);
	} else {
		sp_sb_addc(sb, ',');
	}
}

/* The month column: "YYYY-MM", or "horizon" for m == f->months. */
static void csv_month(const struct sp_forecast *f, int m, char mon[16])
{
	if (m < f->months)
		sp_rf_month_label(f, m, mon);
	else
		strcpy(mon, "horizon");
}

/* The total rows, one per month and the horizon, and percentile: exact
 * percentiles of the sum over components. lead and trail are the empty
 * cells before and after the percentile, which differ by layout. */
static void csv_totals(struct sp_rf_ctx *x, const char *lead, const char *trail)
{
	const struct sp_forecast *f = x->f;
	const struct sp_budgets *bd = &x->spec->budgets;
	struct sp_sb *sb = &x->o->sb;
	size_t np = f->npcts;
	char mon[16];

	for (int m = 0; m <= f->months; m++) {
		const double *c = m < f->months ? &f->total[(size_t)m * np] : f->horizon_total;
		const double *co = m < f->months ? &f->total_od[(size_t)m * np] : f->horizon_total_od;
		double limit = m < f->months ? bd->monthly_max : bd->total_max;
		csv_month(f, m, mon);
		for (size_t k = 0; k < np; k++) {
			sp_sb_addf(sb, "%s%s%.10g%s", mon, lead, f->pcts[k], trail);
			sp_rf_add_money(sb, c[k]);
			sp_sb_addc(sb, ',');
			sp_rf_add_money(sb, co[k]);
			sp_sb_addc(sb, ',');
			csv_budget(sb, limit, c[k]);
			sp_sb_addc(sb, '\n');
		}
	}
}

/* By component: every metric of every component, month and percentile. */
static void csv_components(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	char mon[16];

	sp_sb_adds(sb, "month,component,kind,class,category,sku,unit,purchase,percentile");
	for (int mt = 0; mt < SP_FC_NMETRICS; mt++)
		sp_sb_addf(sb, ",%s", sp_fc_metric_names[mt]);
	sp_sb_adds(sb, ",budget,over_budget\n");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		for (int m = 0; m < f->months; m++) {
			sp_rf_month_label(f, m, mon);
			for (size_t k = 0; k < f->npcts; k++) {
				sp_sb_adds(sb, mon);
				sp_sb_addc(sb, ',');
				csv_field(sb, l->name);
				sp_sb_addf(sb, ",%s,", sp_rf_kind_keys[l->kind]);
				csv_field(sb, l->group_class);
				sp_sb_addf(sb, ",%s,", sp_fc_category_names[l->category]);
				csv_field(sb, l->sku);
				sp_sb_addc(sb, ',');
				csv_field(sb, l->unit);
				sp_sb_addf(sb, ",%s,%.10g", sp_rf_purchase_keys[l->purchase], f->pcts[k]);
				for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
					sp_sb_addc(sb, ',');
					sp_rf_add_metric(sb, (enum sp_fc_metric)mt, sp_fc_value(f, l, m, (enum sp_fc_metric)mt, k));
				}
				sp_sb_adds(sb, ",,\n");
			}
			sp_rf_out_maybe_flush(x->o);
		}
	}
	csv_totals(x, ",,total,,,,,,", ",,,,,,");
}

/* By class, region or category: the cost of every group, month and percentile. */
static void csv_groups(struct sp_rf_ctx *x, const struct sp_fc_grouping *gr)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	size_t np = f->npcts;
	char mon[16];

	sp_sb_adds(sb, "month,grouping,group,percentile,cost,cost_on_demand,budget,over_budget\n");
	for (size_t i = 0; i < gr->ngroups; i++) {
		const struct sp_fc_group *g = &gr->groups[i];
		for (int m = 0; m <= f->months; m++) {
			const double *c = m < f->months ? &g->month[(size_t)m * np] : g->horizon;
			csv_month(f, m, mon);
			for (size_t k = 0; k < np; k++) {
				sp_sb_addf(sb, "%s,%s,", mon, gr->by);
				csv_field(sb, g->name);
				sp_sb_addf(sb, ",%.10g,", f->pcts[k]);
				sp_rf_add_money(sb, c[k]);
				sp_sb_adds(sb, ",,,\n");
			}
		}
		sp_rf_out_maybe_flush(x->o);
	}
	csv_totals(x, ",total,,", ",");
}

void sp_rf_csv(struct sp_rf_ctx *x)
{
	const struct sp_fc_grouping *gr = x->by ? sp_rf_grouping(x->f, x->by) : NULL;

	sp_sb_addf(&x->o->sb, "# scaleplan forecast csv v%d\n", SP_FC_CSV_VERSION);
	if (gr)
		csv_groups(x, gr);
	else if (x->by && !strcmp(x->by, "sizing"))
		sp_rf_csv_sizing(x);
	else
		csv_components(x);
}
