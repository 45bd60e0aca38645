/* The plan document: `scaleplan plan --format json` prints it and `plan -out
 * FILE` saves it; `apply FILE` reads it back. One format for both, so what a
 * reviewer or a CI job inspects is exactly what apply executes (format in
 * docs/plan-format.md; versioned by format_version). */
#ifndef SP_PLANFILE_H
#define SP_PLANFILE_H
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "planner/diff.h"
#include "planner/plan.h"

/* The plan document's format: "MAJOR.MINOR", as Terraform writes its own;
 * a minor version only adds keys. Readers take this major version and the
 * integer 1 (or "1") of the plan files scaleplan 0.1 wrote. */
#define SP_PLAN_FORMAT_VERSION "2.0"
#define SP_PLAN_FORMAT_MAJOR 2

/* The cost block, in the catalog's currency. Horizon totals are the
 * forecast's (every month of the horizon, with the purchase plan) at the low,
 * middle and high percentile; "previous" is what the state recorded at the
 * last apply (has_previous 0 when none). */
struct sp_plan_cost {
	const char *currency;
	const char *catalog, *catalog_as_of;
	double monthly_before, monthly_after;
	char horizon_start[8], horizon_end[8];
	double pct[3];                /* the percentiles of horizon[] (e.g. 10, 50, 90) */
	double horizon[3];
	int has_previous;
	double previous[3];
};

/* A plan as apply needs it: what to do, against which state, where; and
 * what was asked (to plan again the same way), and what a renderer shows. */
struct sp_saved_plan {
	struct sp_arena arena;
	int format;                   /* the major format version read: 1 or 2 */
	char lineage[40];             /* "" when the plan was made against no state */
	uint64_t serial;
	char spec_digest[41];
	char at[8];
	double percentile;
	const char *spec_name;
	const char *spec_path;        /* the spec as plan was given it; NULL in format 1 */
	int paths;                    /* the model's run: 0 when the file does not say */
	uint64_t seed;
	int has_seed;
	int refreshed;                /* 1 unless the file says false */
	const char **targets, **excludes, **left_alone;
	size_t ntargets, nexcludes, nleft_alone;
	struct sp_state_cfg state_cfg;     /* where the plan was made (no credentials) */
	struct sp_provider_cfg provider_cfg;
	struct sp_diff diff;
	struct sp_plan_cost cost;     /* strings "" and figures 0 where the file has none */
};

/* Fills the cost block of a fresh plan. */
void sp_plan_cost_fill(struct sp_plan_cost *c, const struct sp_plan *p);

/* Encodes a plan (from sp_plan_make) as the plan document: deterministic
 * bytes, two-space indentation, a final newline. Beside scaleplan's own
 * keys it has the ones Terraform's plan JSON consumers read (each change's
 * mode, index and provider_name; planned_values; prior_state): the
 * differences are in docs/plan-format.md. *out is malloc'd. */
int sp_plan_to_json(const struct sp_plan *p, char **out, struct sp_err *err);

/* Reads a plan document (saved by -out). Strict: every problem is SP_EINVAL
 * naming origin and the JSON path ("resource_changes[3].change.after.nodes:
 * ..."), or jansson's line and column for syntax; a format_version of
 * another major version than SP_PLAN_FORMAT_MAJOR (or 1) is refused with
 * both versions in the message. The keys apply does not need (cost
 * figures, left_alone, a change's cost) are read when present, for
 * renderers; planned_values and prior_state are not read. */
int sp_plan_from_json(struct sp_saved_plan *out, const char *text, size_t len, const char *origin, struct sp_err *err);
/* Frees what sp_plan_from_json put in sp (even after a failure); sp is zeroed. */
void sp_saved_plan_free(struct sp_saved_plan *sp);

#endif
