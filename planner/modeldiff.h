/* What a change to the spec does to the model: two specs (a pull request's
 * base and head) compared component by component and figure by figure,
 * each side's forecast run with the same seed, paths, percentiles and
 * horizon, so that an unchanged spec shows zero everywhere.
 *
 *  - components added, removed, changed (with the spec keys that differ,
 *    dotted: work.cpu_ms_per_request) and resized (no key of their own
 *    changed, but their capacity did: a driver or a caller changed);
 *  - the other keys that changed (drivers, regions, budgets, horizon, ...);
 *  - capacity per component in the horizon's first month and its last, at
 *    the chosen percentile: instances, nodes or GPUs, and a datastore's shards;
 *  - the monthly cost in the first month at that percentile, the cost over
 *    the horizon at p10, p50 and p90, and their deltas;
 *  - each budget's breach on either side (newly breached when the head's is
 *    worse), each service's SLO at risk on either side.
 *
 * The horizon both sides are computed over is the head's (start and months),
 * or the base's when the head has no spec: a changed horizon shows as a
 * changed key, not as a change of cost. Linear in the number of components
 * (hash maps by name); prints nothing. JSON and renderers:
 * planner/render_modeldiff.c, docs/diff-format.md. */
#ifndef SP_MODELDIFF_H
#define SP_MODELDIFF_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "model/catalog.h"
#include "model/graph.h"
#include "model/spec.h"
#include "model/yaml.h"

#define SP_MD_FORMAT_VERSION 1

enum sp_md_change { SP_MD_ADDED, SP_MD_REMOVED, SP_MD_CHANGED, SP_MD_RESIZED, SP_MD_UNCHANGED, SP_MD_NCHANGES };
/* "added", "removed", "changed", "resized", "unchanged". */
extern const char *const sp_md_change_names[SP_MD_NCHANGES];

/* The sides: base (what the pull request starts from) and head (the change). */
enum { SP_MD_BASE, SP_MD_HEAD };

/* One side's spec and where it came from. */
struct sp_md_input {
	struct sp_spec *spec;             /* NULL: no spec at this side (everything added, or removed) */
	const struct sp_graph *graph;
	const struct sp_catalog *catalog;
	/* for the reader (copied): */
	const char *label;                /* "origin/main", "HEAD", "work tree" */
	const char *commit;               /* full id, or NULL (the work tree) */
	const char *path;                 /* the spec's path at that side */
	const char *renamed_from;         /* where it was before it moved (or NULL) */
	const char *how;                  /* how that side was chosen (or NULL) */
	int dirty;                        /* the work tree has uncommitted changes to the spec */
};

struct sp_md_opts {
	int paths;                        /* Monte Carlo paths; 0 = 200 (as plan) */
	uint64_t seed;
	double percentile;                /* capacity and the monthly cost; 0 = 50 */
	int threads;                      /* 0 = 2 */
	void (*progress)(void *ctx, size_t done, size_t total);   /* NULL: none */
	void *progress_ctx;
};

struct sp_md_side {
	int found;                        /* a spec at this side */
	const char *label, *commit, *path, *renamed_from, *how;
	int dirty;
	const char *spec_name;            /* NULL without a spec */
	sp_month start;                   /* its own horizon (SP_NO_MONTH without a spec) */
	int months;
	const char *catalog, *catalog_as_of;
};

/* Capacity in one month: instances (services), nodes (caches, datastores),
 * GPUs; shards for datastores (0 otherwise). */
struct sp_md_cap {
	double units, shards;
};

struct sp_md_component {
	const char *section;              /* "services", "caches", "datastores", "queues", "gpu.workloads" */
	const char *name;
	const char *kind;                 /* "service", "cache", "datastore", "queue", "GPU workload" */
	const char *unit;                 /* "instances", "nodes", "GPUs" or "" (queues) */
	enum sp_md_change change;
	const char **keys;                /* the keys that differ, relative to the component, sorted */
	size_t nkeys;
	int has[2];                       /* on the base and on the head */
	struct sp_md_cap now[2], end[2];  /* the first and the last month, at the percentile */
	double cost_now[2];               /* its monthly cost in the first month, at the percentile */
	int risk[2];                      /* services: first month (index) its SLO is at risk, -1 none */
	double risk_share[2];             /* the share of paths where it is, in that month */
};

/* A budget's state on one side: within, over at the highest percentile
 * only, over at the median. */
enum sp_md_level { SP_MD_WITHIN, SP_MD_OVER_HIGH, SP_MD_OVER_MEDIAN };

struct sp_md_budget {
	const char *key;                  /* "budgets.monthly_max" or "budgets.total_max" */
	double limit[2];                  /* per side; 0 when that side has no such budget */
	enum sp_md_level level[2];
	int first[2];                     /* monthly: first month (index) over at that level; -1 */
	int nmonths[2];                   /* monthly: months over at that level */
	double worst[2];                  /* the largest figure over at that level (the total's figure) */
};

struct sp_modeldiff {
	struct sp_arena arena;
	struct sp_md_side side[2];
	sp_month start;                   /* the horizon both sides are computed over */
	int months;
	int paths;
	uint64_t seed;
	double percentile;
	double pcts[3];                   /* the horizon band: 10, 50, 90 */
	const char *currency;
	struct sp_md_component *v;        /* every component of either side: added, removed, changed,
					   * resized, unchanged; within each by section order, then name */
	size_t n;
	size_t counts[SP_MD_NCHANGES];
	const char **settings;            /* the other keys that differ, dotted from the top, sorted */
	size_t nsettings;
	double monthly_now[2];            /* total monthly cost, first month, at the percentile */
	double horizon[2][3];             /* total over the horizon at pcts[] */
	struct sp_md_budget budgets[2];   /* monthly_max, total_max (those either side sets) */
	size_t nbudgets;
	size_t newly_breached, newly_at_risk;   /* budgets whose level rose; services newly at risk */
};

/* Compares in[SP_MD_BASE] with in[SP_MD_HEAD] (at least one with a spec):
 * both forecasts over the same horizon (a side's spec horizon is set to
 * it for the run and restored), seed, paths and percentiles. Returns 0, or
 * -1 with the model's errors in d (a SKU missing from a side's catalog,
 * a currency that is not the catalog's). Free md with sp_modeldiff_free
 * in either case. */
int sp_modeldiff_make(struct sp_modeldiff *md, const struct sp_md_input in[2], const struct sp_md_opts *o,
		      struct sp_diags *d);
void sp_modeldiff_free(struct sp_modeldiff *md);

/* ---- a pull request's two sides, read with libgit2 (planner/modeldiff_git.c) ---- */

struct sp_ws_report;

/* What diff and plan --base compare. */
struct sp_md_request {
	const char *spec_path;            /* as given: a file or a folder in a git work tree */
	const char *base_ref;             /* --base REF, or NULL: the merge base (planner/git.h) */
	const char *head_ref;             /* --head REF, or NULL: the work tree */
	/* the work tree's spec when the caller has loaded it already (plan):
	 * used as the head instead of loading it again; NULL: load it */
	struct sp_spec *head_spec;
	const struct sp_graph *head_graph;
	const struct sp_catalog *head_catalog;
	struct sp_md_opts o;
};

/* Opens the repository that holds rq->spec_path, resolves the base (and
 * the head), reads the base's spec from the object database with no
 * checkout (following a move of the spec, REF:PATH in every position), the
 * head's from the work tree or the object database, loads each with its
 * catalog (a catalog given by a relative path is read from the same tree)
 * and compares them. Every error goes to r: git's (with the revision and
 * path), a spec that does not load (origin/main:scaleplan.yaml:12:3), a
 * catalog. Returns 0, or -1. Free md with sp_modeldiff_free either way. */
int sp_modeldiff_from_git(struct sp_modeldiff *md, const struct sp_md_request *rq, struct sp_ws_report *r);

/* The dotted keys that differ between two YAML values, appended to *keys
 * (n used, cap allocated; strings in a) as prefix.key..., or prefix itself
 * when the kinds differ, a scalar differs or a list's length does; numbers
 * are compared by value (1_000 = 1000.0). Mapping lookups are hashed, so it
 * stays linear in the nodes. */
void sp_md_compare_yaml(struct sp_arena *a, const struct sp_ynode *x, const struct sp_ynode *y, const char *prefix,
			const char ***keys, size_t *n, size_t *cap);

/* A share of paths as people read it: "37%", "2.5%", "<0.1%" (n >= 8). */
void sp_md_share_label(char *buf, size_t n, double share);

/* A side's horizon, as "YYYY-MM..YYYY-MM" into buf (at least 20 bytes). */
void sp_md_horizon_label(sp_month start, int months, char *buf);

#endif
