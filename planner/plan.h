/* The plan pipeline shared by plan and apply: spec -> forecast -> desired
 * resources for one month -> state refreshed from the provider -> diff,
 * with the monthly cost before and after. It prints nothing: its warnings
 * and errors go to an sp_ws_report the command prints. */
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
#include "planner/workspace.h"

struct json_t;

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
	/* progress of the forecast, for a terminal (NULL: none); called only
	 * when the work is large (SP_PROGRESS_MIN_WORK) */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};

struct sp_plan {
	struct sp_arena arena;
	const char *spec_path;        /* as given (o->spec_path), for the plan document */
	struct sp_spec *spec;
	struct sp_graph *graph;
	struct sp_catalog *catalog;
	struct sp_forecast *forecast;
	struct sp_ws ws;              /* the state backend and the provider (ws.spec stays NULL) */
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
	/* where state and resources live: ws.where's, for the plan document */
	const struct sp_state_cfg *state_cfg;
	const struct sp_provider_cfg *provider_cfg;
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
	/* plan --base: the change from the base's spec as JSON
	 * (planner/render_modeldiff.h), which the plan document carries as
	 * "base"; NULL: none. Set by the command, which holds the reference. */
	struct json_t *base_json;
};

/* The limit on destroyed resources in force: --max-deletes, else the spec's
 * lifecycle.max_deletes (spec may be NULL), else -1 (none); from (n bytes)
 * names where it was set, for the message. */
int sp_plan_max_deletes(const struct sp_plan_opts *o, const struct sp_spec *spec, char *from, size_t n);
/* When the diff destroys (deletes or replaces) more than max (>= 0): the
 * error and what to do go to r, and returns SP_EXIT_DELETES; else 0. what
 * ends the error: "nothing was saved", "nothing was changed". */
int sp_plan_check_deletes(const struct sp_diff *d, int max, const char *from, const char *what,
			  struct sp_ws_report *r);

/* Runs the pipeline for o. Every warning and error goes to r, in the order
 * the command prints them. Returns SP_EXIT_OK; or SP_EXIT_ERROR with *p
 * partially filled (p->lifecycle_errors when the plan was made but breaks a
 * lifecycle rule of the spec). Free *p with sp_plan_free in either case. */
int sp_plan_make(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r);
/* Closes the backend and the provider and frees everything p holds. */
void sp_plan_free(struct sp_plan *p);

#endif
