/* A service's sizing per region and month at the median path's demand, and
 * the instance types `instance: auto` weighed (docs/forecast-output.md,
 * "Sizing"): `forecast --by sizing` as a table, markdown or CSV, and the
 * "sizing" and "instance_choice" members of each service in JSON. */
#include <stdio.h>
#include <string.h>

#include "lib/strbuf.h"
#include "model/choose.h"
#include "planner/render_forecast.h"
#include "planner/render_forecast_int.h"

/* A name as a JSON string, or as a CSV field (quoted when it must be). */
static void add_name(struct sp_sb *sb, const char *s, int json)
{
	if (json) {
		sp_sb_addc(sb, '"');
		sp_sb_add_quoted(sb, s);
		sp_sb_addc(sb, '"');
		return;
	}
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

static int shortfall(const struct sp_fc_detail *d)
{
	return (d->binds & SP_BIND_MAX) && d->needed > d->instances ? d->needed - d->instances : 0;
}

/* ---- JSON ------------------------------------------------------------------------------------------ */

void sp_rf_json_sizing(struct sp_rf_ctx *x, const struct sp_fc_line *l)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	char mon[16], why[96];
	int first = 1;

	if (l->kind != SP_NODE_SERVICE || !l->detail)
		return;
	sp_sb_adds(sb, ",\n      \"service_ms\": ");
	sp_rf_add_qty(sb, l->service_ms, 6);
	sp_sb_adds(sb, ",\n      \"instance_choice\": ");
	if (!l->instance_auto) {
		sp_sb_adds(sb, "null");
	} else {
		sp_sb_adds(sb, "[");
		for (int i = 0; i < l->nchoices; i++) {
			sp_sb_adds(sb, i ? ", {\"sku\": " : "{\"sku\": ");
			add_name(sb, l->choices[i].sku, 1);
			sp_sb_adds(sb, ", \"horizon_cost_on_demand\": ");
			sp_rf_add_money(sb, l->choices[i].horizon_cost);
			sp_sb_addf(sb, ", \"meets_slo\": %s, \"chosen\": %s}", l->choices[i].meets_slo ? "true" : "false",
				   i == 0 ? "true" : "false");
		}
		sp_sb_adds(sb, "]");
	}
	sp_sb_adds(sb, ",\n      \"sizing\": [");
	for (size_t ri = 0; ri < x->spec->nregions; ri++)
		for (int m = f->line_m0; m < f->line_m0 + f->line_months; m++) {
			const struct sp_fc_detail *d = sp_fc_line_detail(f, l, (int)ri, m);
			if (!d)
				continue;
			sp_rf_month_label(f, m, mon);
			sp_sb_addf(sb, "%s\n        {\"month\": \"%s\", \"region\": ", first ? "" : ",", mon);
			add_name(sb, x->spec->regions[ri].name, 1);
			sp_sb_adds(sb, ", \"rate\": ");
			sp_rf_add_qty(sb, d->rate, 3);
			sp_sb_addf(sb, ", \"servers\": %d, \"instances\": %d, \"needed\": %d, \"shortfall\": %d, \"utilisation\": ",
				   d->servers, d->instances, d->needed, shortfall(d));
			sp_rf_add_qty(sb, d->utilisation, 4);
			sp_sb_addf(sb, ", \"overloaded\": %s, \"binds\": \"%s\"}", d->utilisation > 1 ? "true" : "false",
				   sp_bind_format(d->binds, why, sizeof(why)));
			first = 0;
		}
	sp_sb_adds(sb, first ? "]" : "\n      ]");
}

/* ---- CSV ------------------------------------------------------------------------------------------- */

void sp_rf_csv_sizing(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	char mon[16], why[96];

	sp_sb_adds(sb, "month,component,region,sku,percentile,rate,servers,instances,needed,shortfall,utilisation,"
		       "overloaded,binds\n");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (l->kind != SP_NODE_SERVICE || !l->detail)
			continue;
		for (int m = f->line_m0; m < f->line_m0 + f->line_months; m++)
			for (size_t ri = 0; ri < x->spec->nregions; ri++) {
				const struct sp_fc_detail *d = sp_fc_line_detail(f, l, (int)ri, m);
				sp_rf_month_label(f, m, mon);
				sp_sb_addf(sb, "%s,", mon);
				add_name(sb, l->name, 0);
				sp_sb_addc(sb, ',');
				add_name(sb, x->spec->regions[ri].name, 0);
				sp_sb_addc(sb, ',');
				add_name(sb, l->sku, 0);
				sp_sb_addf(sb, ",%.10g,", f->pcts[x->med]);
				sp_rf_add_qty(sb, d->rate, 3);
				sp_sb_addf(sb, ",%d,%d,%d,%d,", d->servers, d->instances, d->needed, shortfall(d));
				sp_rf_add_qty(sb, d->utilisation, 4);
				sp_sb_addf(sb, ",%d,%s\n", d->utilisation > 1, sp_bind_format(d->binds, why, sizeof(why)));
			}
		sp_rf_out_maybe_flush(x->o);
	}
}

/* ---- table and markdown ------------------------------------------------------------------------------- */

void sp_rf_table_sizing(struct sp_rf_ctx *x)
{
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->o->sb;
	char mon[16], why[96], pct[16], money[64];
	const char *sep = x->markdown ? " | " : "  ";

	sp_rf_pct_label(pct, sizeof(pct), f->pcts[x->med]);
	sp_sb_addf(sb, x->markdown ? "\n### Sizing at the %s demand\n\n" : "\nSizing at the %s demand (per region and month)\n\n",
		   pct);
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (l->kind != SP_NODE_SERVICE || !l->instance_auto || l->nchoices == 0)
			continue;
		sp_sb_addf(sb, "%s%s: instance auto chose %s; alternatives:", x->markdown ? "- " : "", l->name, l->sku);
		for (int k = 1; k < l->nchoices; k++) {
			sp_render_money(money, sizeof(money), l->choices[k].horizon_cost, f->currency);
			sp_sb_addf(sb, "%s %s %s%s", k > 1 ? "," : "", l->choices[k].sku, money,
				   l->choices[k].meets_slo ? "" : " (misses the SLO)");
		}
		sp_render_money(money, sizeof(money), l->choices[0].horizon_cost, f->currency);
		sp_sb_addf(sb, "%s (on demand over the horizon: %s)\n", l->nchoices > 1 ? "" : " none", money);
	}
	if (x->markdown)
		sp_sb_adds(sb, "\n| month | component | region | sku | req/s | servers | instances | shortfall | util | binds |\n"
			       "|---|---|---|---|--:|--:|--:|--:|--:|---|\n");
	else
		sp_sb_addf(sb, "%-7s  %-24s  %-14s  %-12s  %12s  %8s  %9s  %9s  %6s  %s\n", "month", "component", "region",
			   "sku", "req/s", "servers", "instances", "shortfall", "util", "binds");
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		if (l->kind != SP_NODE_SERVICE || !l->detail)
			continue;
		for (int m = f->line_m0; m < f->line_m0 + f->line_months; m++)
			for (size_t ri = 0; ri < x->spec->nregions; ri++) {
				const struct sp_fc_detail *d = sp_fc_line_detail(f, l, (int)ri, m);
				char util[32];
				sp_rf_month_label(f, m, mon);
				snprintf(util, sizeof(util), "%.0f%%%s", d->utilisation * 100, d->utilisation > 1 ? "!" : "");
				sp_bind_format(d->binds, why, sizeof(why));
				if (x->markdown)
					sp_sb_addf(sb, "| %s | %s | %s | %s | %.1f | %d | %d | %d | %s | %s |\n", mon, l->name,
						   x->spec->regions[ri].name, l->sku, d->rate, d->servers, d->instances,
						   shortfall(d), util, why);
				else
					sp_sb_addf(sb, "%-7s%s%-24s%s%-14s%s%-12s%s%12.1f%s%8d%s%9d%s%9d%s%6s%s%s\n", mon, sep,
						   l->name, sep, x->spec->regions[ri].name, sep, l->sku, sep, d->rate, sep,
						   d->servers, sep, d->instances, sep, shortfall(d), sep, util, sep, why);
			}
		sp_rf_out_maybe_flush(x->o);
	}
	sp_sb_adds(sb, x->markdown ? "\nutil above 100 % (marked !): the fleet capped at scaling.max is overloaded.\n"
				   : "\nutil above 100% (marked !): the fleet capped at scaling.max is overloaded.\n");
}
