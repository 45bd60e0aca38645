/* The capacity of one month without the Monte Carlo horizon: what a plan's
 * desired state needs (docs/model.md §4, "One month at a percentile").
 *
 * The per-line and per-region figures of the month are the same numbers
 * sp_forecast_run gives with sp_forecast_opts.only_month, on the same paths
 * and seed, by two routes:
 *  - services, queues and GPU inference are sized by a function that is
 *    monotone (non-decreasing) in one random number, the component's peak
 *    demand: the nearest-rank p-th percentile of the sizing over the paths
 *    is the sizing of the p-th percentile of demand. Each is sized once per
 *    percentile, not once per path.
 *  - caches (operations and a hot set that grow with different drivers),
 *    datastores (shards from writes and data, read replicas per shard, which
 *    fall when a shard is added: not monotone) keep the paths, for this
 *    month only.
 * GPU training (the same on every path, but month-dependent) and a line whose
 * purchase option the paths decide (sp_cost_purchase) are computed over the
 * whole horizon, as the forecast does.
 *
 * What it does not hold: totals (total, horizon_total, breaches ... are
 * allocated and 0), the per-line cost figures (cost metrics, horizon,
 * commitment levels: 0) and the services' SLO risk months (-1). The caller
 * fills the totals and the risks from a full run's record (planner/fccache.h),
 * then calls sp_forecast_month_budgets. */
#ifndef SP_FASTPLAN_H
#define SP_FASTPLAN_H
#include "lib/diag.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"

/* opts as for sp_forecast_run, with only_month_set (else -1 and an error).
 * Returns 0 and *out (free with sp_forecast_free), or -1 with errors in
 * diags (the catalog's checks, the drivers' bands). */
int sp_forecast_month(struct sp_forecast **out, const struct sp_spec *spec, const struct sp_graph *g,
		      const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags);

/* Once f's totals are filled: its budget breaches, as sp_forecast_run finds them. */
void sp_forecast_month_budgets(struct sp_forecast *f, const struct sp_spec *spec);

#endif
