/* The --fail-on gates (planner/gates.h): parsing, and each gate's verdict
 * with the figures behind it. */
#include "planner/gates.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner/render_forecast.h"

/* ---- parsing ---------------------------------------------------------------------------------- */

/* One gate name (len bytes at s) into g. */
static int parse_one(struct sp_gates *g, const char *s, size_t len, char *msg, size_t n)
{
	static const char ci[] = "cost-increase=";
	char item[64], *end;
	double v;

	if (len == 0 || len >= sizeof(item)) {
		snprintf(msg, n, "invalid value for --fail-on: %s; expected budget, slo-risk or cost-increase=PCT",
			 len ? "an item is too long" : "an item is empty");
		return -1;
	}
	memcpy(item, s, len);
	item[len] = '\0';
	if (!strcmp(item, "budget")) {
		g->which |= SP_GATE_BUDGET;
		return 0;
	}
	if (!strcmp(item, "slo-risk")) {
		g->which |= SP_GATE_SLO_RISK;
		return 0;
	}
	if (!strncmp(item, ci, sizeof(ci) - 1)) {
		const char *num = item + sizeof(ci) - 1;
		errno = 0;
		v = strtod(num, &end);
		if (*end == '%')
			end++;
		if (end == num || *end || errno || !isfinite(v) || v < 0 || (*num < '0' || *num > '9')) {
			snprintf(msg, n, "invalid percentage in --fail-on %s: expected a number of percent >= 0, as in "
					 "cost-increase=10",
				 item);
			return -1;
		}
		g->which |= SP_GATE_COST_INCREASE;
		g->max_increase_pct = v;
		return 0;
	}
	if (!strcmp(item, "cost-increase"))
		snprintf(msg, n, "--fail-on cost-increase needs a percentage, as in cost-increase=10");
	else
		snprintf(msg, n, "unknown gate '%s' for --fail-on; expected budget, slo-risk or cost-increase=PCT", item);
	return -1;
}

int sp_gates_parse(struct sp_gates *g, const char *value, char *msg, size_t n)
{
	const char *p = value;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (parse_one(g, p, len, msg, n) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

/* ---- verdicts ---------------------------------------------------------------------------------- */

static struct sp_gate_result *result(struct sp_gate_report *r, const struct sp_gates *g, unsigned which)
{
	struct sp_gate_result *x = &r->v[r->n++];
	memset(x, 0, sizeof(*x));
	x->gate = which == SP_GATE_BUDGET ? "budget" : which == SP_GATE_SLO_RISK ? "slo-risk" : "cost-increase";
	if (which == SP_GATE_COST_INCREASE)
		snprintf(x->name, sizeof(x->name), "cost-increase=%g%%", g->max_increase_pct);
	else
		snprintf(x->name, sizeof(x->name), "%s", x->gate);
	return x;
}

/* Appends to x's detail ("; " between parts), keeping it terminated. */
static void say(struct sp_gate_result *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct sp_gate_result *x, const char *fmt, ...)
{
	size_t len = strlen(x->detail);
	va_list ap;

	if (len + 1 >= sizeof(x->detail))
		return;
	va_start(ap, fmt);
	vsnprintf(x->detail + len, sizeof(x->detail) - len, fmt, ap);
	va_end(ap);
}

static void month_label(sp_month start, int m, char buf[8])
{
	sp_month_format(start + m, buf);
}

/* "+12.3%" of after over before; "from nothing" when before is 0. Sets
 * *tripped when the increase is above max. */
static void increase(char *buf, size_t n, double before, double after, double max, int *tripped)
{
	if (before <= 0) {
		*tripped = after > 0;
		snprintf(buf, n, after > 0 ? "an increase from nothing" : "no change");
		return;
	}
	double pct = (after - before) / before * 100;
	*tripped = pct > max;
	snprintf(buf, n, "%+.1f%%", fabs(pct) < 0.05 ? 0.0 : pct);
}

/* The increase gate's detail: "+12.3% (what $X -> $Y), above the 10% allowed". */
static void cost_verdict(struct sp_gate_result *x, const struct sp_gates *g, const char *what, double before,
			 double after, const char *currency)
{
	char inc[64], b[64], a[64];
	increase(inc, sizeof(inc), before, after, g->max_increase_pct, &x->tripped);
	sp_render_money(b, sizeof(b), before, currency);
	sp_render_money(a, sizeof(a), after, currency);
	say(x, "%s (%s %s -> %s), %s the %g%% allowed", inc, what, b, a, x->tripped ? "above" : "within",
	    g->max_increase_pct);
}

static const char *const level_words[] = { "within it", "over at the highest percentile", "over at p50" };

void sp_gates_check_diff(const struct sp_gates *g, const struct sp_modeldiff *md, struct sp_gate_report *r)
{
	const char *base = md->side[SP_MD_BASE].found ? md->side[SP_MD_BASE].label : "the base (no spec)";
	char m1[64], m2[64], mo[8], share[16];

	memset(r, 0, sizeof(*r));
	if (g->which & SP_GATE_BUDGET) {
		struct sp_gate_result *x = result(r, g, SP_GATE_BUDGET);
		for (size_t i = 0; i < md->nbudgets; i++) {
			const struct sp_md_budget *b = &md->budgets[i];
			if (b->level[SP_MD_HEAD] <= b->level[SP_MD_BASE])
				continue;
			sp_render_money(m1, sizeof(m1), b->limit[SP_MD_HEAD], md->currency);
			sp_render_money(m2, sizeof(m2), b->worst[SP_MD_HEAD], md->currency);
			say(x, "%s%s %s newly breached: %s", x->tripped ? "; " : "", b->key, m1, level_words[b->level[SP_MD_HEAD]]);
			if (b->first[SP_MD_HEAD] >= 0) {
				month_label(md->start, b->first[SP_MD_HEAD], mo);
				say(x, " in %d month%s from %s (up to %s)", b->nmonths[SP_MD_HEAD],
				    b->nmonths[SP_MD_HEAD] == 1 ? "" : "s", mo, m2);
			} else {
				say(x, " over the horizon (%s)", m2);
			}
			say(x, ", %s on %s", level_words[b->level[SP_MD_BASE]], base);
			x->tripped = 1;
		}
		if (!x->tripped)
			say(x, md->nbudgets ? "no budget newly breached" : "the spec sets no budget");
	}
	if (g->which & SP_GATE_SLO_RISK) {
		struct sp_gate_result *x = result(r, g, SP_GATE_SLO_RISK);
		for (size_t i = 0; i < md->n; i++) {
			const struct sp_md_component *c = &md->v[i];
			if (!c->has[SP_MD_HEAD] || c->risk[SP_MD_HEAD] < 0 || c->risk[SP_MD_BASE] >= 0)
				continue;
			month_label(md->start, c->risk[SP_MD_HEAD], mo);
			sp_md_share_label(share, sizeof(share), c->risk_share[SP_MD_HEAD]);
			say(x, "%s%s.%s from %s on %s of the paths", x->tripped ? ", " : "SLO newly at risk: ", c->section,
			    c->name, mo, share);
			x->tripped = 1;
		}
		if (!x->tripped)
			say(x, "no SLO newly at risk");
	}
	if (g->which & SP_GATE_COST_INCREASE) {
		struct sp_gate_result *x = result(r, g, SP_GATE_COST_INCREASE);
		char what[64];
		snprintf(what, sizeof(what), "the horizon's p50 total");
		cost_verdict(x, g, what, md->horizon[SP_MD_BASE][1], md->horizon[SP_MD_HEAD][1], md->currency);
	}
	for (size_t i = 0; i < r->n; i++)
		r->tripped |= r->v[i].tripped;
}

/* The budget and slo-risk gates on forecast f. */
static void check_spec_gates(const struct sp_gates *g, const struct sp_forecast *f, const struct sp_spec *spec,
			     struct sp_gate_report *r)
{
	size_t med = sp_fc_median_index(f), hi = f->npcts - 1;
	char m1[64], m2[64], mo[8], share[16];

	if (g->which & SP_GATE_BUDGET) {
		struct sp_gate_result *x = result(r, g, SP_GATE_BUDGET);
		static const char *const keys[2] = { "budgets.monthly_max", "budgets.total_max" };
		double limits[2] = { spec->budgets.monthly_max, spec->budgets.total_max };
		for (int b = 0; b < 2; b++) {
			/* over at p50 in some month (or the total), else at the highest percentile only */
			for (int median = 1; median >= 0; median--) {
				enum sp_fc_breach_kind want = b == 0 ? (median ? SP_BREACH_MONTH_P50 : SP_BREACH_MONTH_HIGH)
								     : (median ? SP_BREACH_TOTAL_P50 : SP_BREACH_TOTAL_HIGH);
				size_t count = 0;
				int first = -1;
				double worst = 0;
				for (size_t i = 0; i < f->nbreaches; i++) {
					const struct sp_fc_breach *br = &f->breaches[i];
					if (br->kind != want)
						continue;
					if (!count++)
						first = br->month;
					worst = fmax(worst, br->value);
				}
				if (!count)
					continue;
				sp_render_money(m1, sizeof(m1), limits[b], f->currency);
				sp_render_money(m2, sizeof(m2), worst, f->currency);
				say(x, "%s%s %s: ", x->tripped ? "; " : "", keys[b], m1);
				if (b == 0) {
					month_label(f->start, first, mo);
					say(x, "over at p%g in %zu month%s from %s (up to %s)", f->pcts[median ? med : hi], count,
					    count == 1 ? "" : "s", mo, m2);
				} else {
					say(x, "the horizon total is over at p%g (%s)", f->pcts[median ? med : hi], m2);
				}
				x->tripped = 1;
				break;
			}
		}
		if (!x->tripped)
			say(x, limits[0] > 0 || limits[1] > 0 ? "every budget is kept" : "the spec sets no budget");
	}
	if (g->which & SP_GATE_SLO_RISK) {
		struct sp_gate_result *x = result(r, g, SP_GATE_SLO_RISK);
		for (size_t i = 0; i < f->nlines; i++) {
			const struct sp_fc_line *l = &f->lines[i];
			if (l->kind != SP_NODE_SERVICE || l->risk_any_month < 0)
				continue;
			month_label(f->start, l->risk_any_month, mo);
			sp_md_share_label(share, sizeof(share), l->risk_share);
			say(x, "%sservices.%s from %s on %s of the paths", x->tripped ? ", " : "SLO at risk: ", l->name, mo,
			    share);
			x->tripped = 1;
		}
		if (!x->tripped)
			say(x, "no SLO at risk");
	}
}

void sp_gates_check_forecast(const struct sp_gates *g, const struct sp_forecast *f, const struct sp_spec *spec,
			     struct sp_gate_report *r)
{
	memset(r, 0, sizeof(*r));
	check_spec_gates(g, f, spec, r);
	if (g->which & SP_GATE_COST_INCREASE) {
		struct sp_gate_result *x = result(r, g, SP_GATE_COST_INCREASE);
		size_t med = sp_fc_median_index(f);
		char what[96], a[8], b[8];
		month_label(f->start, 0, a);
		month_label(f->start, f->months - 1, b);
		snprintf(what, sizeof(what), "the monthly p%g cost, %s to %s:", f->pcts[med], a, b);
		cost_verdict(x, g, what, f->total[med], f->total[(size_t)(f->months - 1) * f->npcts + med], f->currency);
	}
	for (size_t i = 0; i < r->n; i++)
		r->tripped |= r->v[i].tripped;
}

void sp_gates_check_plan(const struct sp_gates *g, const struct sp_forecast *f, const struct sp_spec *spec,
			 double monthly_before, double monthly_after, struct sp_gate_report *r)
{
	memset(r, 0, sizeof(*r));
	check_spec_gates(g, f, spec, r);
	if (g->which & SP_GATE_COST_INCREASE) {
		struct sp_gate_result *x = result(r, g, SP_GATE_COST_INCREASE);
		cost_verdict(x, g, "the monthly on-demand list cost", monthly_before, monthly_after, f->currency);
	}
	for (size_t i = 0; i < r->n; i++)
		r->tripped |= r->v[i].tripped;
}
