/* Gates for CI: `--fail-on budget|slo-risk|cost-increase=PCT` on plan, diff
 * and forecast. A gate that trips makes the command exit SP_EXIT_GATE (4,
 * planner/cli.h), never 0, 1 or 2; its figures go in the output (the
 * markdown names the gate first) and on standard error.
 *
 * What each gate judges (docs/plan-format.md, "Gates"):
 *
 *   gate               diff, plan --base (the change)       plan, forecast (the spec as it is)
 *   budget             a budget newly breached (its level   a budget breached (at p50, or at
 *                      rose: within -> over at the highest  the highest percentile only)
 *                      percentile -> over at p50)
 *   slo-risk           a service's SLO newly at risk        a service's SLO at risk
 *   cost-increase=PCT  the horizon's p50 total more than    plan: the monthly list cost after
 *                      PCT % above the base's               the plan more than PCT % above
 *                                                           before; forecast: the last month's
 *                                                           p50 cost more than PCT % above
 *                                                           the first month's
 *
 * An increase from nothing (a base with no spec, nothing applied yet) is
 * above any PCT. Nothing here prints. */
#ifndef SP_GATES_H
#define SP_GATES_H
#include <stddef.h>

#include "model/forecast.h"
#include "model/spec.h"
#include "planner/modeldiff.h"

enum { SP_GATE_BUDGET = 1, SP_GATE_SLO_RISK = 2, SP_GATE_COST_INCREASE = 4 };

/* The gates asked for (zeroed: none). */
struct sp_gates {
	unsigned which;               /* SP_GATE_* bits */
	double max_increase_pct;      /* cost-increase=PCT */
};

/* The verdict of one gate: its figures in one plain line of text. */
struct sp_gate_result {
	const char *gate;             /* "budget", "slo-risk", "cost-increase" */
	char name[48];                /* as given: "budget", "cost-increase=10%" */
	int tripped;
	char detail[1024];
};

struct sp_gate_report {
	struct sp_gate_result v[3];   /* in the order budget, slo-risk, cost-increase */
	size_t n;
	int tripped;                  /* any */
};

/* Adds one --fail-on value to g: "budget", "slo-risk" or
 * "cost-increase=PCT" (PCT a number >= 0, '%' allowed after it), or several
 * of them separated by commas. Returns 0, or -1 with the reason in msg (n
 * bytes) for a usage error. */
int sp_gates_parse(struct sp_gates *g, const char *value, char *msg, size_t n);

/* The gates on a change (diff, plan --base). */
void sp_gates_check_diff(const struct sp_gates *g, const struct sp_modeldiff *md, struct sp_gate_report *r);
/* The gates on a forecast f of spec (forecast); and on a plan, whose
 * budget and slo-risk gates read its forecast and whose cost-increase gate
 * compares the monthly list cost before and after it. */
void sp_gates_check_forecast(const struct sp_gates *g, const struct sp_forecast *f, const struct sp_spec *spec,
			     struct sp_gate_report *r);
void sp_gates_check_plan(const struct sp_gates *g, const struct sp_forecast *f, const struct sp_spec *spec,
			 double monthly_before, double monthly_after, struct sp_gate_report *r);

#endif
