/* The plan pipeline shared by plan, apply and drift: spec -> forecast ->
 * desired resources for one month -> state refreshed from the provider ->
 * diff, with the monthly cost before and after. */
#ifndef SP_PLAN_H
#define SP_PLAN_H
#include <stdint.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/hmap.h"
#include "model/forecast.h"
#include "planner/diff.h"
#include "providers/catalog.h"
#include "providers/provider.h"
#include "providers/state.h"

struct sp_plan_opts {
	const char *spec_path;
	const char *at;               /* "YYYY-MM" or NULL: now + lead time */
	double percentile;            /* default 50 */
	int paths;                    /* Monte Carlo paths for the cost model; 0 = 200 */
	uint64_t seed;
	int refresh;                  /* read the provider (1) or trust the state (0) */
	const char *lock_operation;   /* take the state lock before reading it ("apply"); NULL: none */
	int lock_timeout_ms;
	int threads;                  /* forecast threads; 0 = 2 */
	const char *const *targets;
	size_t ntargets;
	const char *const *excludes;
	size_t nexcludes;
	int max_deletes;              /* --max-deletes: -2 unset (the spec's, if any), -1 off, else the limit */
};

struct sp_plan {
	struct sp_arena arena;
	struct sp_spec *spec;
	struct sp_graph *graph;
	struct sp_catalog *catalog;
	struct sp_forecast *forecast;
	struct sp_backend *backend;
	struct sp_provider *provider;
	struct sp_state *state;
	char spec_digest[41];         /* git blob id (SHA-1) of the spec's files */
	int month;                    /* month index planned */
	size_t pct;                   /* percentile index in forecast */
	char at[8];                   /* "YYYY-MM" */
	struct sp_resource_set current;   /* refreshed (or from state) */
	struct sp_resource_set desired;
	struct sp_diff diff;
	double cost_before, cost_after;   /* monthly, on-demand list */
	size_t lo, mid, hi;           /* forecast percentile indexes: lowest, the one planned, highest */
	const char *state_path;       /* where state and resources live (from the spec or defaults) */
	const char *infra_path;
	int lifecycle_errors;
	int refreshed;
	/* addresses the state says 'state rm' took out of management, that the
	 * provider holds or the spec wants: left alone by this plan */
	const char **left_alone;
	size_t nleft_alone;
	struct sp_hmap protect;       /* "type.name" of each component the spec protects -> index in protect_pos */
	struct sp_pos *protect_pos;
	const char *const *targets;   /* as given (for the plan document) */
	size_t ntargets;
	const char *const *excludes;
	size_t nexcludes;
};

/* The limit on destroyed resources in force: --max-deletes, else the spec's
 * lifecycle.max_deletes, else -1 (none); from names where it was set. */
int sp_plan_max_deletes(const struct sp_plan_opts *o, const struct sp_spec *spec, char *from, size_t n);
/* When the diff destroys more than max (>= 0), prints why and returns
 * SP_EXIT_DELETES; else 0. what: "nothing was saved", "nothing was changed". */
int sp_plan_check_deletes(const struct sp_diff *d, int max, const char *from, const char *what);

/* Runs the pipeline; prints diagnostics and errors itself (planner). Returns
 * 0, or SP_EXIT_ERROR with *p partially filled (free with sp_plan_free). */
int sp_plan_make(struct sp_plan *p, const struct sp_plan_opts *o);
void sp_plan_free(struct sp_plan *p);

#endif
