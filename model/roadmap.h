/* The roadmap: dated milestones computed from a spec and its forecast, the
 * decision triggers of every service, and the two layers a 3-5 year plan is
 * read at (docs/model.md §9 says how each figure is computed,
 * docs/roadmap-format.md what the command prints):
 *
 *  - milestones: each dated the month it is needed on the chosen path (a
 *    percentile of the forecast, p90 by default) and raised its lead time
 *    ahead of it: a datastore's read replicas, shards (and the data that
 *    moves), its instance and the largest instance of its family, its
 *    storage; a cache's nodes and its working set against one node's memory;
 *    a service's scaling.max and the regions that open; the GPU commitment
 *    ladder and the training runs with their capacity blocks; the first month
 *    over each budget at p50 and p90;
 *  - decision triggers, per service: the error budget of its availability,
 *    the multiwindow burn-rate alerts, the scaling signal of its class and
 *    the load test to run before each quarter;
 *  - strategic: one section per forecast year (themes, the p10-p90 capacity
 *    and cost envelope, the big milestones); tactical: one per calendar
 *    quarter for the next 4 to 8 quarters (the actions, with owners from the
 *    spec's tags, and the load tests).
 *
 * Pure computation: no I/O, no printing. Linear in components x regions x
 * months, plus sorting the milestones. */
#ifndef SP_ROADMAP_H
#define SP_ROADMAP_H
#include <stddef.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"

#define SP_RM_DEFAULT_PCT 90          /* the chosen path when none is given */
#define SP_RM_SLO_PERIOD_H 720        /* the SLO period of error budgets and burn rates: 30 days */
#define SP_RM_MAX_ALERTS 6
#define SP_RM_MIN_QUARTERS 4
#define SP_RM_MAX_QUARTERS 8
#define SP_RM_DEFAULT_QUARTERS 8
#define SP_RM_BLOCK_LEAD_MONTHS 2     /* a GPU capacity block is sold up to 8 weeks ahead */
#define SP_RM_MAX_PCTS 4              /* the forecast a roadmap reads: 10, 50, 90 and the chosen one */

enum sp_rm_kind {
	SP_RM_REPLICA,        /* datastore: read replicas per shard reach a new high in a region */
	SP_RM_SHARD,          /* datastore: the shard count rises in a region */
	SP_RM_INSTANCE,       /* unsharded datastore: its primary needs a larger instance of its family */
	SP_RM_INSTANCE_LIMIT, /* unsharded datastore: outgrows the largest instance of its family */
	SP_RM_STORAGE,        /* datastore: its data passes 1 TB, 10 TB, ... */
	SP_RM_CACHE_NODES,    /* cache: its node count reaches a new high in a region */
	SP_RM_CACHE_MEMORY,   /* cache: its working set passes one node's usable memory */
	SP_RM_SCALING_MAX,    /* service: scaling.max cuts what it needs in a region */
	SP_RM_REGION,         /* a region opens (its `from`) */
	SP_RM_GPU_COMMIT,     /* GPU inference: a step of the commitment ladder */
	SP_RM_TRAINING,       /* GPU training: one run and its capacity */
	SP_RM_BUDGET,         /* the first month over a budget at p50 or p90 */
	SP_RM_NKINDS
};
/* Machine names, in enum order: "replica", "shard", "instance", "instance_limit", "storage",
 * "cache_nodes", "cache_memory", "scaling_max", "region", "gpu_commitment", "training", "budget". */
extern const char *const sp_rm_kind_keys[SP_RM_NKINDS];

/* The themes of the strategic layer, by the kinds of milestones in a year. */
enum sp_rm_theme { SP_RM_TH_DATA, SP_RM_TH_CACHE, SP_RM_TH_SERVICES, SP_RM_TH_REGIONS, SP_RM_TH_GPU, SP_RM_TH_COST,
		   SP_RM_NTHEMES };
/* "data", "cache", "services", "regions", "gpu", "cost" */
extern const char *const sp_rm_theme_keys[SP_RM_NTHEMES];

/* Who owns an action: the spec's tag `owner-<domain>`, else `owner`, else `team`. */
enum sp_rm_domain { SP_RM_DOM_APP, SP_RM_DOM_DATA, SP_RM_DOM_GPU, SP_RM_DOM_FINOPS, SP_RM_NDOMAINS };
/* "app", "data", "gpu", "finops" */
extern const char *const sp_rm_domain_keys[SP_RM_NDOMAINS];

/* A multiwindow burn-rate alert: it fires when the error budget burns at
 * burn_rate times the rate that spends it in exactly one SLO period, over
 * both the long and the short window. */
struct sp_rm_alert {
	const char *severity;         /* "page", "ticket" */
	double burn_rate;             /* > 0 */
	int long_min, short_min;      /* windows in minutes, 0 < short < long <= the SLO period */
};

/* The SRE workbook's three alerts: page at 14.4x over 1 h (5 min), page at
 * 6x over 6 h (30 min), ticket at 1x over 3 days (6 h). */
extern const struct sp_rm_alert sp_rm_default_alerts[3];

/* The share of the period's error budget an alert has spent when it fires:
 * burn_rate x long window / SLO period (14.4 x 1 h / 720 h = 2 %). */
double sp_rm_alert_budget_share(const struct sp_rm_alert *a);

struct sp_rm_milestone {
	enum sp_rm_kind kind;
	const char *name;             /* the component, the region (SP_RM_REGION) or the budget key
				       * ("monthly_max", "total_max") */
	size_t line;                  /* the component's forecast line; (size_t)-1 for regions and budgets */
	int region;                   /* index into spec->regions; -1 when not per region */
	int need;                     /* month index (0 = horizon start) the milestone is needed */
	int lead;                     /* months ahead it is raised */
	int raise;                    /* need - lead: when to act; may be before the horizon */
	int late;                     /* raise is before now */
	int big;                      /* listed in the strategic layer */
	enum sp_rm_theme theme;
	enum sp_rm_domain domain;
	const char *owner;            /* from the spec's tags; NULL when none says */
	size_t seq;                   /* the order it was found in: the last tie-break of the sort */
	union {
		struct {              /* replicas per shard; reads at the need month, in the region;
				       * units: DynamoDB, whose "replicas" are blocks of read capacity */
			int from, to, shards, ha, units;
			double reads_per_s, per_replica;
		} replica;
		struct {              /* the region's shard count; figures at the need month */
			int from, to;
			enum sp_shard_strategy strategy;
			const char *key;
			double data_gb, max_gb, moved_gb, writes_per_s, write_need, data_need;
		} shard;
		struct {              /* need: primaries of the spec's instance (base) its writes take */
			const char *sku_from, *sku_to, *base;
			double writes_per_s, need;
		} instance;
		struct {              /* limit: primaries of the spec's instance (base) the largest one holds */
			const char *sku, *base;
			double writes_per_s, need, limit, data_gb, max_gb;
			int by_data;
		} limit;
		struct {
			double threshold_gb, data_gb;
		} storage;
		struct {              /* node count in the region; why: "memory", "operations", "min_nodes" */
			int from, to;
			double ops_per_s, ops_per_node, ws_gb, usable_gb;
			const char *why;
		} cache;
		struct {
			double ws_gb, usable_gb, memory_gib;
			const char *sku;
		} memory;
		struct {              /* instances: scaling.max, what it needs then, and at worst */
			int max, need, worst_need, worst_month;
			double peak_rps;
		} scaling;
		struct {              /* the region's capacity in its first month */
			double share;
			int components;
			double instances, db_nodes, cache_nodes, gpus;
		} region;
		struct {              /* instances committed in the window starting at need, and before it */
			int window, term, level, prev, buy, renew, lapse, gpus_per_instance, end;
			const char *sku, *gpu;
			double saving;        /* on-demand minus committed cost over the window's months */
		} commit;
		struct {
			int run, runs, gpus, instances, months, spot;
			const char *sku, *gpu;
			double gpu_hours, cost;
		} training;
		struct {
			double pct, value, limit;
			int total;            /* total_max (the cost so far), else monthly_max */
		} budget;
	} u;
};

/* Scaling signal of a service's workload class (the seeds' table). */
enum sp_rm_signal { SP_RM_SIG_CPU, SP_RM_SIG_BACKLOG, SP_RM_SIG_SCHEDULE };

/* The load test before one tactical quarter, in the busiest region active in it. */
struct sp_rm_loadtest {
	int quarter;                  /* index into the roadmap's quarters */
	int region;
	double peak_rps;              /* the region's peak over the quarter on the chosen path */
	int inst[3];                  /* instances at 1x, 2x and 5x the peak (not cut at scaling.max) */
};

struct sp_rm_trigger {
	const struct sp_service *s;
	size_t line;
	const char *owner;
	double budget_min;            /* error budget in minutes per SLO period; 0 without availability */
	double error_rate[SP_RM_MAX_ALERTS];   /* error ratio at which each alert fires */
	enum sp_rm_signal signal;
	double signal_target;         /* CPU: utilisation fraction; backlog: seconds */
	struct sp_rm_loadtest *tests; /* one per tactical quarter with traffic */
	size_t ntests;
};

struct sp_rm_theme_sum {
	int count;                    /* milestones of the theme needed in the year */
	int ncomponents;              /* distinct names among them */
	const char *names[3];         /* the first three, in milestone order */
};

struct sp_rm_year {
	int index;                    /* forecast year (0-based: 12-month blocks from the start) */
	int m0, m1;                   /* months [m0, m1) */
	double cost[3];               /* the year's cost at p10, p50, p90 */
	double change;                /* p50 monthly average over the year before's, -1 = none; < -1 never */
	int has_change;
	double cap[SP_NODE_NKINDS][3];/* per kind, the busiest month's capacity at p10, p50, p90 */
	struct sp_rm_theme_sum themes[SP_RM_NTHEMES];
	size_t *big, nbig;            /* the big milestones needed in the year (indexes into ms) */
};

struct sp_rm_quarter {
	sp_month start;               /* its first calendar month */
	int m0, m1;                   /* months [m0, m1) of it in the roadmap's window */
	size_t *actions, nactions;    /* milestones raised in it; the first quarter also holds those
				       * raised before it and needed in it or later (overdue) */
};

struct sp_roadmap_opts {
	double pct;                   /* the chosen path, in (0, 100); 0 = SP_RM_DEFAULT_PCT */
	sp_month now;                 /* the current month */
	sp_month from, until;         /* the window; SP_NO_MONTH = the horizon's first / last month */
	int quarters;                 /* tactical quarters, 4..8; 0 = SP_RM_DEFAULT_QUARTERS */
	struct sp_rm_alert alerts[SP_RM_MAX_ALERTS];
	size_t nalerts;               /* 0 = sp_rm_default_alerts; the severities must outlive the roadmap */
};

struct sp_roadmap {
	struct sp_arena arena;
	const struct sp_spec *spec;
	const struct sp_forecast *f;
	double pct;
	size_t kpath, k10, k50, k90;  /* indexes of the chosen, 10th, 50th and 90th percentiles in f */
	int now;                      /* month index of now (may fall outside the horizon) */
	int from, until;              /* the window, month indexes, inclusive */
	struct sp_rm_alert alerts[SP_RM_MAX_ALERTS];
	size_t nalerts;
	const char *owners[SP_RM_NDOMAINS];
	struct sp_rm_milestone *ms;   /* in the window, sorted by raise, need, kind, then spec order */
	size_t nms;
	struct sp_rm_trigger *triggers;   /* one per service, in spec order */
	size_t ntriggers;
	struct sp_rm_year *years;     /* the forecast years that meet the window */
	size_t nyears;
	struct sp_rm_quarter *quarters;   /* from the quarter of max(now, from), cut at until */
	size_t nquarters;
};

/* The percentiles a roadmap needs of its forecast, for chosen percentile pct
 * (0 = the default): 10, 50, 90 and pct, ascending, without duplicates, into
 * out (SP_RM_MAX_PCTS); returns how many. */
size_t sp_roadmap_pcts(double pct, double *out);

/* Builds the roadmap of spec from f, its forecast over the whole horizon
 * (with every percentile sp_roadmap_pcts names, all months held and the
 * groupings computed), g its graph and cat its catalog. Returns 0 and *out
 * (free with sp_roadmap_free; it points into spec and f, which must outlive
 * it), or SP_EINVAL with err saying what is wrong with the options (a
 * percentile out of range or missing from f, a window outside the horizon or
 * reversed, a quarter count out of range, an alert out of its domain). */
int sp_roadmap_build(struct sp_roadmap **out, const struct sp_spec *spec, const struct sp_graph *g,
		     const struct sp_catalog *cat, const struct sp_forecast *f, const struct sp_roadmap_opts *opts,
		     struct sp_err *err);
/* Frees r and everything it owns; NULL is a no-op. */
void sp_roadmap_free(struct sp_roadmap *r);

#endif
