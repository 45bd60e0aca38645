/* The state of one forecast run, private to the model's forecast files:
 *   model/forecast.c  the run itself: paths, threads, percentiles, summaries, budgets
 *   model/demand.c    growth paths of the drivers, demand pushed along the graph
 *   model/capacity.c  sizing of each component kind, per region, month and path
 *   model/cost.c      rates, commitment levels, pricing of a line, internet egress
 * Nothing else includes it; model/forecast.h is the public interface.
 *
 * Arrays along the paths are flat: a driver's series is [d][p][m]
 * (sp_fc_idx(d, p, m, P, M)), a line's figures [m][p], a line's figures per
 * region [r][m][p] (sp_fc_idx(r, m, p, M, P)). The run context is read-only
 * once the workers start; each worker owns its scratch and its accumulators. */
#ifndef SP_FORECAST_RUN_H
#define SP_FORECAST_RUN_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/profile.h"
#include "model/spec.h"

#define SP_FC_MICRO 1e6          /* totals are summed in micro-units of currency */

/* A node's demand as a linear combination of the drivers. */
struct sp_fc_coef {
	double *avg, *peak;      /* [ndrivers] requests (or operations) per driver unit per second */
	double *reads, *writes;  /* datastores: peak reads and writes per driver unit per second */
};

/* The shared run context. */
struct sp_fc_run {
	const struct sp_spec *spec;
	const struct sp_graph *g;
	const struct sp_catalog *cat;
	struct sp_forecast *f;
	int M, P, nd, R;
	double *trend;           /* [d][p][m] the driver's value */
	double *avg;             /* [d][p][m] trend x season, per second factor excluded */
	double *peak;            /* [d][p][m] avg x event */
	double *cum;             /* [d][p][m] cumulative trend up to and including m */
	int *region_active;      /* [r][m] */
	struct sp_fc_coef *coef; /* [node] */
	int *queue_worker;       /* [node]: 1 when a queue feeds the service */
	const struct sp_sku **svc_sku;   /* [node]: a service's instance type (instance: auto: chosen
					  * by its line's worker in sp_capacity_line, before pricing) */
	/* work distribution */
	size_t next_line;
	size_t done;
	pthread_mutex_t lock;
	const struct sp_forecast_opts *opts;
	double pq[SP_FC_MAX_PCTS];   /* the percentiles as fractions, f->pcts[k] / 100 */
};

/* A service region's sizing points: sorted rates and their results (capacity.c). */
struct sp_fc_mono {
	double *x;
	int *u, *b;
	int n, cap;
};

/* Per-thread accumulators (integers: addition order does not matter). */
struct sp_fc_acc {
	int64_t *total, *total_od;       /* [m][p] */
	int64_t *group[3];               /* [group][m][p] for class, region, category */
	int64_t *egress;                 /* [m][p] internet egress, micro-GB (priced on the total) */
	int64_t *xfer;                   /* [m][p] cross-AZ transfer, micro-units of currency (flat price) */
	int64_t *kind_units;             /* [kind][m][p] units of each kind's components */
	size_t ngroups[3];
};

/* One worker thread: the line it computes, its scratch and its accumulators. */
struct sp_fc_worker {
	struct sp_fc_run *run;
	struct sp_fc_acc acc;
	int id;
	/* scratch, per line */
	double *rate;            /* [p] */
	double *tmp;             /* [p] and more */
	int *units;              /* [r][m][p] capacity per region (services: instances) */
	int *rshards, *rreplicas;/* [r][m][p] datastores: per region */
	int *units_total;        /* [m][p] */
	int *binds;              /* [m] paths where the maximum binds (in any region) */
	unsigned char *bind_any; /* [m][p] the maximum binds in some region */
	size_t *hist, hist_cap;  /* counts of unit values (newsvendor levels) */
	int *umin, *umax;        /* [m] the line's smallest and largest count over the paths */
	int mm_valid;            /* umin/umax hold this line's */
	double *wr;              /* [r] region weights (cost split by region) */
	int *pbinds;             /* [p] the maximum binds on this path (one region, one month) */
	double *cost;            /* [m][p] */
	double *cost_od;         /* [m][p] */
	double *extra;           /* [m][p] storage or other non-instance cost */
	double *metric;          /* [metric][m][p] for metrics other than units/cost */
	double *xmetric;         /* [extra metric][m][p] datastores and caches (enum sp_fc_extra_metric) */
	struct sp_fc_mono mc;
	/* an autoscaled service line (model/profile.h, capacity.c): its
	 * profile, the instances of each profile level over the regions
	 * [m][p][level] and the quietest hour's instances per region [r][m][p] */
	int autoscaled;
	struct sp_profile prof;
	int *hv, *rmin;
	int64_t *hsum;           /* [m][p] instance-hours of a profile period */
	size_t hv_cap, rmin_cap;
	/* cost.c: each month's hours by instances needed [m][hlo..hhi] */
	size_t *mhist, mhist_cap;
	int hh_valid, hh_ok, hlo, hhi;
	/* what the previous line wrote beyond demand and units, so only that is
	 * cleared before the next one (a full clear per line costs more than
	 * the sizing on large specs) */
	int dirty_datastore, dirty_extra;
};

/* The flat index of [a][b][c] in an array of dimensions [.][B][C]. Here, not
 * in a .c file, so that it inlines in every inner loop. */
static inline size_t sp_fc_idx(int a, int b, int c, int B, int C)
{
	return ((size_t)a * (size_t)B + (size_t)b) * (size_t)C + (size_t)c;
}

/* The worker's row of metric mt in month m: P values, one per path. */
static inline double *sp_fc_metric_row(struct sp_fc_worker *w, enum sp_fc_metric mt, int m)
{
	return &w->metric[((size_t)mt * w->run->M + (size_t)m) * w->run->P];
}

/* The worker's row of extra metric mt in month m: P values, one per path. */
static inline double *sp_fc_xmetric_row(struct sp_fc_worker *w, enum sp_fc_extra_metric mt, int m)
{
	return &w->xmetric[((size_t)mt * w->run->M + (size_t)m) * w->run->P];
}

/* ---- model/demand.c: growth paths and demand through the graph ---------------------- */

/* Fills r->trend, avg, peak and cum for every driver and path: one growth
 * multiplier per (seed, path, driver) drawn from the driver's band, then
 * seasonality and events month by month. r->M, P, nd, spec and f->seed must
 * be set and the arrays allocated. Returns 0, or -1 with an error at the
 * driver in diags (a band that cannot be fitted, a curve that cannot be
 * computed). */
int sp_demand_fill_drivers(struct sp_fc_run *r, struct sp_diags *diags);

/* Walks the graph once in topological order and sets r->coef (every node's
 * average and peak rate, and a datastore's reads and writes, per unit of each
 * driver per second) and r->queue_worker. Allocates in r->f's arena. */
void sp_demand_propagate(struct sp_fc_run *r);

/* The rate of every path in month m into out[0..P): sum_d c[d] *
 * series[d][p][m], series one of r->trend, avg or peak. */
void sp_demand_path_rates(const struct sp_fc_run *r, const double *c, const double *series, int m, double *out);

/* ---- model/capacity.c: sizing ------------------------------------------------------- */

/* Sizes line v (a graph node) in every region, month and path into the
 * worker: demand and the other metrics, units per region and in total, a
 * datastore's storage cost in w->extra (a GPU inference line's GPUs), and the
 * line's SLO-at-risk and outgrown-primary months. Prices nothing: that is
 * sp_cost_line's, which must run next. */
void sp_capacity_line(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line);

/* Fills line v's per-region, per-month detail (a service's sizing at the
 * median path's demand, sp_fc_detail) from the line's demand percentiles;
 * nothing for other kinds. Runs after the line's percentiles. */
void sp_capacity_detail(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line);
/* ---- model/datastore.c: datastores ------------------------------------------------ */

/* sp_capacity_line for a datastore line v: shards, replicas, nodes and
 * storage per region, month and path (a shard count and the data, once
 * reached on a path, hold), the storage cost in w->extra and the line's
 * outgrown-primary month. */
void sp_capacity_datastore(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line);

/* ---- model/cost.c: pricing ---------------------------------------------------------- */

/* Prices the units sp_capacity_line left in the worker: w->cost and cost_od
 * [m][p] in the catalog's currency a month, the line's purchase option,
 * commitment term and levels (the term that costs less, by the newsvendor
 * rule). A GPU inference line is billed in whole instances and reports GPUs:
 * afterwards w->units_total holds GPUs. */
void sp_cost_line(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line);

/* Adds the internet egress of service s (line v) to w->acc.egress, in
 * micro-GB per month and path; nothing when it sends none. */
void sp_cost_egress(struct sp_fc_worker *w, uint32_t v, const struct sp_service *s);

/* Prices the summed egress of acc through the catalog's tiers, each month
 * and path, and adds it to the totals, the "transfer" class and category, and
 * the regions by their shares (not to groupings when opts->no_groupings). */
void sp_cost_transfer(const struct sp_fc_run *r, struct sp_fc_acc *acc);


/* ---- model/forecast.c: the steps of a run, for model/fastplan.c ---------------------- */

/* A forecast with opts' settings and no figures (sp_forecast_free frees it). */
struct sp_forecast *sp_fc_forecast_new(const struct sp_spec *spec, const struct sp_catalog *cat,
				       const struct sp_forecast_opts *opts);
/* The run context of f (driver arrays allocated, not filled); sp_fc_run_free. */
void sp_fc_run_init(struct sp_fc_run *r, struct sp_forecast *f, const struct sp_spec *spec, const struct sp_graph *g,
		    const struct sp_catalog *cat, const struct sp_forecast_opts *opts);
void sp_fc_run_free(struct sp_fc_run *r);
/* r->f's lines (one per graph node) and groupings, with room for their figures. */
void sp_fc_make_lines(struct sp_fc_run *r);
/* A worker's scratch for r's months and paths; sp_fc_worker_free. */
void sp_fc_worker_init(struct sp_fc_worker *w, struct sp_fc_run *r, int id);
void sp_fc_worker_free(struct sp_fc_worker *w);
/* Line li sized and priced over w's run, along its paths, in w's scratch
 * (as worker_line does before the percentiles). */
void sp_fc_line_size(struct sp_fc_worker *w, size_t li);
/* Line li sized and priced over w's run, and its percentiles (per line, per
 * region) stored as the forecast does; no totals. */
void sp_fc_line_figures(struct sp_fc_worker *w, size_t li);
/* f->breaches from f->total and f->horizon_total and the spec's budgets. */
void sp_fc_check_budgets(struct sp_forecast *f, const struct sp_spec *spec);

/* ---- model/cost.c: the purchase option ---------------------------------------------- */

/* Line v's purchase option when it does not depend on the paths (every kind
 * but one: a 1-year commitment that does not pay while a 3-year one does,
 * where the term is chosen by the expected cost over the paths). Returns 0
 * and *out, or -1 when the paths decide. */
int sp_cost_purchase(const struct sp_fc_run *r, uint32_t v, enum sp_fc_purchase *out);
/* ---- model/transfer.c: transfer between zones ------------------------------------------- */

/* Adds the cross-AZ transfer of service s's calls (line v) to w->acc.xfer
 * in micro-units of currency per month and path: per active region with z
 * zones, calls/s (average) x (request_kb + response_kb) x (z - 1) / z x the
 * month's seconds, priced at 2 x the catalog's cross_az_gb (billed leaving
 * one zone and entering the other). Nothing for calls without bytes. */
void sp_transfer_calls(struct sp_fc_worker *w, uint32_t v, const struct sp_service *s);

#endif
