/* The forecast as JSON (docs/forecast-output.md, versioned by
 * SP_FC_JSON_VERSION): every component, the totals and every grouping. */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "lib/strbuf.h"
#include "planner/render_forecast.h"
#include "planner/render_forecast_int.h"

static const char *const breach_keys[] = { "month_p50", "month_high", "total_p50", "total_high" };

static void json_str(struct sp_sb *sb, const char *s)
{
	if (!s) {
		sp_sb_adds(sb, "null");
		return;
	}
	sp_sb_addc(sb, '"');
	sp_sb_add_quoted(sb, s);
	sp_sb_addc(sb, '"');
}

static void json_month(struct sp_sb *sb, const struct sp_forecast *f, int m)
{
	char buf[16];
	if (m < 0) {
		sp_sb_adds(sb, "null");
		return;
	}
	sp_rf_month_label(f, m, buf);
	json_str(sb, buf);
}

/* {"p10": v, "p50": v, "p90": v} */
static void json_pcts(struct sp_sb *sb, const struct sp_forecast *f, const double *v, size_t stride,
		      enum sp_fc_metric mt)
{
	char key[32];
	sp_sb_addc(sb, '{');
	for (size_t k = 0; k < f->npcts; k++) {
		sp_rf_pct_label(key, sizeof(key), f->pcts[k]);
		sp_sb_addf(sb, "%s\"%s\": ", k ? ", " : "", key);
		sp_rf_add_metric(sb, mt, v[k * stride]);
	}
	sp_sb_addc(sb, '}');
}

static void json_money_or_null(struct sp_sb *sb, double v)
{
	if (v > 0)
		sp_rf_add_money(sb, v);
	else
		sp_sb_adds(sb, "null");
}

/* The items of a "yearly" array, each indented by ind and two spaces. */
static void json_years(struct sp_sb *sb, const struct sp_forecast *f, const double *year, const char *ind)
{
	for (int y = 0; y < f->years; y++) {
		int m0 = y * 12, m1 = m0 + 12 < f->months ? m0 + 12 : f->months;
		sp_sb_addf(sb, "%s  {\"year\": %d, \"start\": ", ind, y + 1);
		json_month(sb, f, m0);
		sp_sb_adds(sb, ", \"end\": ");
		json_month(sb, f, m1 - 1);
		sp_sb_addf(sb, ", \"months\": %d, \"cost\": ", m1 - m0);
		json_pcts(sb, f, &year[(size_t)y * f->npcts], 1, SP_FC_COST);
		sp_sb_addf(sb, "}%s\n", y + 1 < f->years ? "," : "");
	}
}

static void json_group_series(struct sp_rf_ctx *x, const double *month, const double *year, const double *horizon,
			      const char *ind)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	size_t np = f->npcts;
	sp_sb_addf(sb, "%s\"horizon\": ", ind);
	json_pcts(sb, f, horizon, 1, SP_FC_COST);
	sp_sb_addf(sb, ",\n%s\"yearly\": [\n", ind);
	json_years(sb, f, year, ind);
	sp_sb_addf(sb, "%s],\n%s\"monthly\": [\n", ind, ind);
	for (int m = 0; m < f->months; m++) {
		sp_sb_addf(sb, "%s  {\"month\": ", ind);
		json_month(sb, f, m);
		sp_sb_adds(sb, ", \"cost\": ");
		json_pcts(sb, f, &month[(size_t)m * np], 1, SP_FC_COST);
		sp_sb_addf(sb, "}%s\n", m + 1 < f->months ? "," : "");
	}
	sp_sb_addf(sb, "%s]", ind);
	sp_rf_out_maybe_flush(x->o);
}

/* From format_version to budgets. */
static void json_header(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	const struct sp_spec *spec = x->spec;
	struct sp_sb *sb = &x->o->sb;
	char key[32];

	sp_sb_addf(sb, "{\n  \"format_version\": %d,\n  \"spec\": ", SP_FC_JSON_VERSION);
	json_str(sb, spec->name);
	sp_sb_adds(sb, ",\n  \"start\": ");
	json_month(sb, f, 0);
	sp_sb_adds(sb, ",\n  \"end\": ");
	json_month(sb, f, f->months - 1);
	sp_sb_addf(sb, ",\n  \"months\": %d,\n  \"paths\": %d,\n  \"seed\": %" PRIu64 ",\n  \"percentiles\": [", f->months,
		   f->paths, f->seed);
	for (size_t k = 0; k < f->npcts; k++)
		sp_sb_addf(sb, "%s%.10g", k ? ", " : "", f->pcts[k]);
	sp_rf_pct_label(key, sizeof(key), f->pcts[x->med]);
	sp_sb_addf(sb, "],\n  \"median\": \"%s\",\n  \"currency\": ", key);
	json_str(sb, f->currency);
	sp_sb_adds(sb, ",\n  \"catalog\": {\"name\": ");
	json_str(sb, f->catalog);
	sp_sb_adds(sb, ", \"as_of\": ");
	json_str(sb, f->catalog_as_of);
	sp_sb_adds(sb, "},\n  \"budgets\": {\"monthly_max\": ");
	json_money_or_null(sb, spec->budgets.monthly_max);
	sp_sb_adds(sb, ", \"total_max\": ");
	json_money_or_null(sb, spec->budgets.total_max);
	sp_sb_adds(sb, "}");
}

/* One element of "components"; s is its service in the spec, or NULL. */
static void json_component(struct sp_rf_ctx *x, const struct sp_fc_line *l, const struct sp_service *s)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;

	sp_sb_adds(sb, "\n    {\n      \"name\": ");
	json_str(sb, l->name);
	sp_sb_addf(sb, ",\n      \"kind\": \"%s\",\n      \"class\": ", sp_rf_kind_keys[l->kind]);
	json_str(sb, l->group_class);
	sp_sb_addf(sb, ",\n      \"category\": \"%s\",\n      \"sku\": ", sp_fc_category_names[l->category]);
	json_str(sb, l->sku);
	sp_sb_adds(sb, ",\n      \"unit\": ");
	json_str(sb, l->unit);
	sp_sb_addf(sb, ",\n      \"purchase\": \"%s\",\n      \"commit_term_months\": %d,\n      \"commit_levels\": [",
		   sp_rf_purchase_keys[l->purchase], l->commit_term_months);
	for (int w = 0; w < l->ncommit_windows; w++)
		sp_sb_addf(sb, "%s%d", w ? ", " : "", l->commit_levels[w]);
	sp_sb_adds(sb, "],\n      \"scaling_max\": ");
	if (s && s->max > 0)
		sp_sb_addf(sb, "%d", s->max);
	else
		sp_sb_adds(sb, "null");
	sp_sb_adds(sb, ",\n      \"risk_month\": ");
	json_month(sb, f, l->risk_month);
	sp_sb_adds(sb, ",\n      \"risk_any_month\": ");
	json_month(sb, f, l->risk_any_month);
	sp_sb_adds(sb, ",\n      \"risk_share\": ");
	sp_rf_add_qty(sb, l->risk_any_month >= 0 ? l->risk_share : 0, 4);
	sp_sb_adds(sb, ",\n      \"outgrow_month\": ");
	json_month(sb, f, l->outgrow_month);
	sp_sb_adds(sb, ",\n      \"horizon_cost\": ");
	json_pcts(sb, f, l->horizon, 1, SP_FC_COST);
	sp_sb_adds(sb, ",\n      \"months\": [\n");
	for (int m = 0; m < f->months; m++) {
		sp_sb_adds(sb, "        {\"month\": ");
		json_month(sb, f, m);
		for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
			sp_sb_addf(sb, ", \"%s\": ", sp_fc_metric_names[mt]);
			json_pcts(sb, f, &l->v[((size_t)m * SP_FC_NMETRICS + (size_t)mt) * f->npcts], 1,
				  (enum sp_fc_metric)mt);
		}
		sp_sb_addf(sb, "}%s\n", m + 1 < f->months ? "," : "");
	}
	sp_sb_adds(sb, "      ]");
	sp_rf_json_sizing(x, l);
	sp_sb_adds(sb, "\n    }");
	sp_rf_out_maybe_flush(x->o);
}

static void json_totals(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	size_t np = f->npcts;

	sp_sb_adds(sb, "  \"totals\": {\n    \"monthly\": [\n");
	for (int m = 0; m < f->months; m++) {
		sp_sb_adds(sb, "      {\"month\": ");
		json_month(sb, f, m);
		sp_sb_adds(sb, ", \"cost\": ");
		json_pcts(sb, f, &f->total[(size_t)m * np], 1, SP_FC_COST);
		sp_sb_adds(sb, ", \"cost_on_demand\": ");
		json_pcts(sb, f, &f->total_od[(size_t)m * np], 1, SP_FC_COST);
		sp_sb_addf(sb, "}%s\n", m + 1 < f->months ? "," : "");
	}
	sp_sb_adds(sb, "    ],\n    \"yearly\": [\n");
	json_years(sb, f, f->year_total, "    ");
	sp_sb_adds(sb, "    ],\n    \"horizon\": ");
	json_pcts(sb, f, f->horizon_total, 1, SP_FC_COST);
	sp_sb_adds(sb, ",\n    \"horizon_on_demand\": ");
	json_pcts(sb, f, f->horizon_total_od, 1, SP_FC_COST);
	sp_sb_adds(sb, "\n  }");
}

static void json_groupings(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;

	sp_sb_adds(sb, "  \"groupings\": {");
	for (int k = 0; k < 3; k++) {
		const struct sp_fc_grouping *gr = &f->groupings[k];
		sp_sb_addf(sb, "%s\n    ", k ? "," : "");
		json_str(sb, gr->by);
		sp_sb_adds(sb, ": [");
		for (size_t i = 0; i < gr->ngroups; i++) {
			const struct sp_fc_group *g = &gr->groups[i];
			sp_sb_adds(sb, i ? ",\n      {\n        \"name\": " : "\n      {\n        \"name\": ");
			json_str(sb, g->name);
			sp_sb_adds(sb, ",\n");
			json_group_series(x, g->month, g->year, g->horizon, "        ");
			sp_sb_adds(sb, "\n      }");
		}
		sp_sb_adds(sb, gr->ngroups ? "\n    ]" : "]");
	}
	sp_sb_adds(sb, "\n  }");
}

static void json_breaches(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;

	sp_sb_adds(sb, "  \"budget_breaches\": [");
	for (size_t i = 0; i < f->nbreaches; i++) {
		const struct sp_fc_breach *b = &f->breaches[i];
		int high = b->kind == SP_BREACH_MONTH_HIGH || b->kind == SP_BREACH_TOTAL_HIGH;
		sp_sb_addf(sb, "%s\n    {\"kind\": \"%s\", \"month\": ", i ? "," : "", breach_keys[b->kind]);
		json_month(sb, f, b->month);
		sp_sb_addf(sb, ", \"percentile\": %.10g, \"value\": ", f->pcts[high ? x->hi : x->med]);
		sp_rf_add_money(sb, b->value);
		sp_sb_adds(sb, ", \"limit\": ");
		sp_rf_add_money(sb, b->limit);
		sp_sb_addc(sb, '}');
	}
	sp_sb_adds(sb, f->nbreaches ? "\n  ]" : "]");
}

void sp_rf_json(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	size_t nsvc = 0;

	json_header(x);
	sp_sb_adds(sb, ",\n  \"components\": [");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (i)
			sp_sb_addc(sb, ',');
		json_component(x, l, l->kind == SP_NODE_SERVICE ? sp_rf_line_service(x->spec, l->name, nsvc) : NULL);
		if (l->kind == SP_NODE_SERVICE)
			nsvc++;
	}
	sp_sb_adds(sb, f->nlines ? "\n  ],\n" : "],\n");
	json_totals(x);
	sp_sb_adds(sb, ",\n");
	json_groupings(x);
	sp_sb_adds(sb, ",\n");
	json_breaches(x);
	sp_sb_adds(sb, "\n}\n");
}
