/* The capacity and cost model: month by month over the horizon, for every
 * component, across Monte Carlo paths of the growth drivers, then percentiles.
 * Pure computation (threads, no I/O, no printing); docs/model.md explains each
 * step and docs/forecast-output.md the outputs built from these results.
 *
 * The shape of the computation (why it is fast and exact):
 *  - Randomness lives only in the drivers: each path draws one growth
 *    multiplier per driver from the lognormal fitted to its p10/p90 band.
 *  - Demand is linear in the drivers, so propagating it through the graph is
 *    done once, on coefficients: every node's average and peak rate (and a
 *    datastore's reads and writes) is sum_d coef[d] * driver_d(month, path).
 *  - Sizing is monotone in demand: a sorted cache of computed (rate, count)
 *    points answers every rate between two points of equal count, so only the
 *    rates where the count changes run the Erlang search.
 *  - Every quantity is computed along every path; percentiles are taken last
 *    (the p90 of a total is not the total of the p90s). Totals are summed in
 *    integer micro-units, so the result is the same bytes with 1 or 2 threads.
 *
 * Where each step is: model/demand.c (growth paths, demand through the
 * graph), model/capacity.c (sizing), model/cost.c (pricing), model/stats.c
 * (percentiles, the newsvendor rule), model/forecast.c (the run). */
#ifndef SP_FORECAST_H
#define SP_FORECAST_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "model/catalog.h"
#include "model/graph.h"
#include "model/spec.h"

#define SP_FC_DEFAULT_PATHS 1000
#define SP_FC_DEFAULT_SEED 20270101u
#define SP_FC_MAX_PCTS 9

/* Per line, month and percentile, these figures are kept. */
enum sp_fc_metric {
	SP_FC_DEMAND,      /* peak demand: requests/s (services, GPU inference: tokens/s),
			    * operations/s (caches), reads+writes/s (datastores),
			    * messages/s (queues), GPU-hours in the month (training) */
	SP_FC_UNITS,       /* capacity: instances (services), nodes (datastores: all
			    * shards x copies; caches), GPUs (GPU workloads) */
	SP_FC_REPLICAS,    /* datastores: read replicas per shard */
	SP_FC_SHARDS,      /* datastores: shards */
	SP_FC_STORAGE_GB,  /* datastores: data size (all regions) */
	SP_FC_COST,        /* monthly cost with the purchase plan, in the catalog's currency */
	SP_FC_COST_OD,     /* the same capacity all on demand, for the saving */
	SP_FC_NMETRICS
};
extern const char *const sp_fc_metric_names[SP_FC_NMETRICS];

/* Per region, these capacity figures are kept (for the desired state). */
enum sp_fc_region_metric {
	SP_FC_R_UNITS,     /* as SP_FC_UNITS, in one region (training: the first region) */
	SP_FC_R_SHARDS,    /* datastores */
	SP_FC_R_REPLICAS,  /* datastores: read replicas per shard */
	SP_FC_R_MIN_UNITS, /* autoscaled services: the instances of the month's quietest hour
			    * (as SP_FC_R_UNITS for every other line) */
	SP_FC_NREGION_METRICS
};

/* Per datastore and cache line, these figures are kept too (for the roadmap,
 * which says why a shard, a replica or a node is needed). Lines of other
 * kinds hold 0. Rates and sizes are the driver-level ones, before a region's
 * share: a region's figure is this times its share. */
enum sp_fc_extra_metric {
	SP_FC_X_READS,           /* datastores: peak reads/s */
	SP_FC_X_WRITES,          /* datastores: peak writes/s */
	SP_FC_X_WORKING_SET_GB,  /* caches: the hot set, GB */
	SP_FC_NXMETRICS
};

/* Cost categories (--by category). */
enum sp_fc_category { SP_CAT_COMPUTE, SP_CAT_DATABASE, SP_CAT_CACHE, SP_CAT_GPU, SP_CAT_QUEUE, SP_CAT_TRANSFER,
		     SP_CAT_N };
extern const char *const sp_fc_category_names[SP_CAT_N];

/* How capacity is bought (docs/model.md, "Purchase options"). */
enum sp_fc_purchase {
	SP_BUY_COMMIT_OD,     /* a commitment at the newsvendor level, on-demand above it */
	SP_BUY_COMMIT_SPOT,   /* a commitment at the newsvendor level, spot above it */
	SP_BUY_SPOT,          /* all spot (with the interruption overhead) */
	SP_BUY_ON_DEMAND,     /* all on demand */
	SP_BUY_NONE,          /* nothing to buy (queues) */
};
extern const char *const sp_fc_purchase_names[];

/* A service's sizing in one region and month at the median path's peak
 * demand (the percentile closest to 50), and what set it. */
struct sp_fc_detail {
	double rate;                   /* peak requests/s in the region */
	int servers;                   /* vCPUs the queueing model asks for */
	int instances;                 /* after memory, USL, zones, min and max */
	int needed;                    /* the same without scaling.max (> instances when max binds) */
	double utilisation;            /* rate x service time / (instances x vCPUs); > 1: overloaded */
	int binds;                     /* SP_BIND_* bits (model/choose.h) */
};

/* One instance type `instance: auto` weighed (docs/forecast-output.md). */
struct sp_fc_choice {
	const char *sku;
	double horizon_cost;           /* on demand, at the median path's demand, over the horizon */
	int meets_slo;                 /* the SLO is reachable and scaling.max never cuts the count */
};
#define SP_FC_CHOICES 4                /* the chosen type and three alternatives */

/* One component (all its regions together). */
struct sp_fc_line {
	const char *name;
	enum sp_node_kind kind;
	const char *group_class;       /* web/worker/batch/dev for services, else the kind */
	enum sp_fc_category category;
	const char *sku;               /* instance / node / GPU instance type; NULL for queues */
	const char *unit;              /* "instances", "nodes", "GPUs", "" */
	enum sp_fc_purchase purchase;
	int commit_term_months;        /* 12 or 36; 0 when no commitment */
	int *commit_levels;            /* per commitment window: units committed */
	int ncommit_windows;
	double *v;                     /* [month][metric][pct]: use sp_fc_value */
	double *rv;                    /* [region][month][region metric][pct]: use sp_fc_region_value */
	double *xv;                    /* [month][extra metric][pct]: use sp_fc_extra_value */
	double *horizon;               /* [pct] cost over the whole horizon: the percentile of the
					* per-path sums, not the sum of monthly percentiles */
	/* services: the maximum of `scaling` binds (an SLO at risk) */
	int risk_month;                /* first month where it binds on >= half the paths; -1 none */
	int risk_any_month;            /* first month where it binds on any path; -1 none */
	double risk_share;             /* share of paths where it binds in risk_any_month */
	/* datastores without sharding whose writes or data outgrow one primary */
	int outgrow_month;             /* first month where p50 needs more than one shard; -1 */
	/* services: the sizing at the median demand, [region][month - line_m0]
	 * (sp_fc_detail); NULL for other kinds */
	struct sp_fc_detail *detail;
	double service_ms;             /* services: CPU time of a request on the line's SKU */
	int instance_auto;             /* services: the SKU was chosen (instance: auto) */
	struct sp_fc_choice choices[SP_FC_CHOICES];   /* instance: auto, best first (choices[0].sku == sku) */
	int nchoices;
};


/* A group of lines summed along each path (--by class|region|category). */
struct sp_fc_group {
	const char *name;
	double *month;                 /* [month][pct] monthly cost */
	double *year;                  /* [year][pct] */
	double *horizon;               /* [pct] */
};

struct sp_fc_grouping {
	const char *by;                /* "class", "region", "category" */
	struct sp_fc_group *groups;
	size_t ngroups;
};

enum sp_fc_breach_kind { SP_BREACH_MONTH_P50, SP_BREACH_MONTH_HIGH, SP_BREACH_TOTAL_P50, SP_BREACH_TOTAL_HIGH };

struct sp_fc_breach {
	enum sp_fc_breach_kind kind;
	int month;                     /* month index; -1 for horizon totals */
	double value, limit;           /* the percentile cost and the budget */
};

struct sp_forecast {
	struct sp_arena arena;
	sp_month start;
	int months;
	int years;                     /* ceil(months / 12); the last may be partial */
	int line_m0, line_months;      /* months the per-line figures (v, rv) hold: all, or the one of
					* sp_forecast_opts.only_month; others read as 0 */
	int paths;
	uint64_t seed;
	size_t npcts;
	double pcts[SP_FC_MAX_PCTS];   /* ascending, in (0, 100) */
	const char *currency;
	const char *catalog;           /* catalog name and date, for the record */
	const char *catalog_as_of;
	struct sp_fc_line *lines;      /* in graph order (services, caches, datastores, queues, GPUs) */
	size_t nlines;
	double *total;                 /* [month][pct] total monthly cost */
	double *total_od;              /* [month][pct] the same all on demand */
	double *year_total;            /* [year][pct] */
	double *horizon_total;         /* [pct] */
	double *horizon_total_od;      /* [pct] */
	struct sp_fc_grouping groupings[3];   /* class, region, category */
	double *kind_units;            /* [kind][month][pct] capacity summed over the components of each
					* kind (instances, datastore nodes, cache nodes, 0 for queues, GPUs)
					* along each path, percentiles last; zeros with no_groupings */
	double *cum_total;             /* [month][pct] the cost from the horizon's start to the end of
					* the month, summed along each path */
	struct sp_fc_breach *breaches;
	size_t nbreaches;
};

/* One line's figures along every path, as the forecast computed them, for an
 * observer (sp_forecast_opts.observer). Arrays are [m][p] (index m * paths +
 * p) unless said otherwise; they are the worker's scratch: valid only during
 * the call. */
struct sp_fc_line_paths {
	size_t line;                   /* index into f->lines */
	int worker;                    /* the thread calling: 0 or 1 */
	const double *cost;            /* monthly cost with the purchase plan */
	const double *cost_od;         /* the same all on demand */
	const double *storage;         /* datastores: the storage part of both (in each); NULL otherwise */
	const int *units;              /* [region][m][p] capacity per region (GPU inference: GPUs) */
	const int *units_total;        /* capacity over the regions (GPU inference: GPUs) */
};

/* Watches the run for reports that need sums the forecast does not keep
 * (model/report.c). Both calls come from the forecast's threads; the line
 * calls of two lines may run at the same time, on different workers. */
struct sp_fc_observer {
	void *ctx;
	/* each line once, after it is priced, by the worker that computed it;
	 * lines come in any order */
	void (*line)(void *ctx, const struct sp_forecast *f, const struct sp_fc_line_paths *lp);
	/* once, after every line: the total cost and the internet egress of
	 * each month and path, [m][p], in micro-units of currency and micro-GB */
	void (*totals)(void *ctx, const struct sp_forecast *f, const int64_t *total_micro,
		       const int64_t *egress_micro_gb);
};

struct sp_forecast_opts {
	int months;                    /* 0 = the spec's horizon; at most that */
	int paths;                     /* 0 = SP_FC_DEFAULT_PATHS; 1 when no driver is uncertain */
	uint64_t seed;                 /* used as given (the CLI defaults it to SP_FC_DEFAULT_SEED) */
	double pcts[SP_FC_MAX_PCTS];   /* npcts == 0: 10, 50, 90 */
	size_t npcts;
	int threads;                   /* 0 = 2 */
	/* only_month_set: per-line and per-region percentiles only for month
	 * only_month (the others stay 0); totals, groupings and breaches are
	 * still complete. A plan needs one month of capacity: this saves most
	 * of the percentile work on large specs. */
	int only_month_set;
	int only_month;
	/* totals only: the class, region and category groupings stay 0 (a plan
	 * needs the total; the groupings cost a fifth of the run) */
	int no_groupings;
	/* NULL, or an observer of the figures along the paths */
	const struct sp_fc_observer *observer;
	/* called now and then from one worker thread with lines done / total */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};

/* Checks the spec against the catalog: every instance, database, cache and
 * GPU type it names is in the catalog, of the right kind, and the spec's
 * currency is the catalog's. Each problem goes to d at the spec's line.
 * Returns 0, or -1 when any was found. sp_forecast_run checks this first. */
int sp_forecast_check_catalog(const struct sp_spec *s, const struct sp_catalog *cat, struct sp_diags *d);

/* Runs the model. Every SKU the spec names must be in the catalog (an error
 * at the spec position naming the SKU otherwise, never a silent zero), and the
 * catalog's currency must be the spec's. Returns 0 and *out (free with
 * sp_forecast_free), or -1 with errors in diags. */
int sp_forecast_run(struct sp_forecast **out, const struct sp_spec *spec, const struct sp_graph *g,
		    const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags);
/* Frees f and everything in it (its arena); NULL is a no-op. */
void sp_forecast_free(struct sp_forecast *f);

/* The value of a line's metric in month m (0 = the horizon's start) at
 * percentile index k < f->npcts, in the metric's unit (enum sp_fc_metric); 0
 * for a month the per-line figures do not hold (sp_forecast_opts.only_month). */
static inline double sp_fc_value(const struct sp_forecast *f, const struct sp_fc_line *l, int m,
				 enum sp_fc_metric metric, size_t k)
{
	if (m < f->line_m0 || m >= f->line_m0 + f->line_months)
		return 0;
	return l->v[((size_t)(m - f->line_m0) * SP_FC_NMETRICS + metric) * f->npcts + k];
}

/* The same for one region's capacity figure (enum sp_fc_region_metric), region
 * an index into the spec's regions; 0 where the region is not active yet. */
static inline double sp_fc_region_value(const struct sp_forecast *f, const struct sp_fc_line *l, int region,
					int m, enum sp_fc_region_metric metric, size_t k)
{
	if (m < f->line_m0 || m >= f->line_m0 + f->line_months)
		return 0;
	return l->rv[(((size_t)region * f->line_months + (size_t)(m - f->line_m0)) * SP_FC_NREGION_METRICS + metric) *
			     f->npcts +
		     k];
}

/* The same for a datastore's or a cache's extra figure (enum
 * sp_fc_extra_metric); 0 for other kinds and months not held. */
static inline double sp_fc_extra_value(const struct sp_forecast *f, const struct sp_fc_line *l, int m,
				       enum sp_fc_extra_metric metric, size_t k)
{
	if (m < f->line_m0 || m >= f->line_m0 + f->line_months)
		return 0;
	return l->xv[((size_t)(m - f->line_m0) * SP_FC_NXMETRICS + metric) * f->npcts + k];
}

/* A kind's capacity in month m at percentile index k (f->kind_units). */
static inline double sp_fc_kind_units(const struct sp_forecast *f, enum sp_node_kind kind, int m, size_t k)
{
	return f->kind_units[((size_t)kind * f->months + (size_t)m) * f->npcts + k];
}

/* Instances service s needs in one region of `zones` zones at peak rate
 * lambda_rps, by the forecast's own sizing (docs/model.md §4: the queueing
 * model, the USL, zone redundancy, then [min, max]); sku is its instance
 * type. max_backlog_s > 0 sizes a queue's worker to drain within it as
 * well. With bounded 0 the count is not cut at scaling.max (what the
 * service would need); *binds (may be NULL) is 1 when scaling.max cuts it.
 * Pure; safe from any thread. */
int sp_fc_service_size(const struct sp_service *s, const struct sp_sku *sku, int zones, double max_backlog_s,
		       double lambda_rps, int bounded, int *binds);

/* A service line's detail in region ri (an index into the spec's regions)
 * and month m; NULL for other kinds and months the per-line figures do not
 * hold. */
static inline const struct sp_fc_detail *sp_fc_line_detail(const struct sp_forecast *f, const struct sp_fc_line *l,
							    int ri, int m)
{
	if (!l->detail || m < f->line_m0 || m >= f->line_m0 + f->line_months)
		return NULL;
	return &l->detail[(size_t)ri * f->line_months + (size_t)(m - f->line_m0)];
}

/* The same with the CPU speed credit of work.cpu_reference read from cat
 * (model/choose.h); cat NULL: cpu_ms_per_request is taken as measured on
 * the catalog's reference. sku is the line's type (sp_fc_line.sku). */
int sp_fc_service_size_on(const struct sp_catalog *cat, const struct sp_service *s, const struct sp_sku *sku,
			  int zones, double max_backlog_s, double lambda_rps, int bounded, int *binds);

/* Index of the percentile closest to 50 (the median row in tables). */
size_t sp_fc_median_index(const struct sp_forecast *f);

#endif
