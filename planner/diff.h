/* The diff of desired resources against the current ones: Terraform's
 * actions, attribute by attribute, with lifecycle protections. */
#ifndef SP_DIFF_H
#define SP_DIFF_H
#include <stddef.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "model/resource.h"

enum sp_action { SP_ACT_NOOP, SP_ACT_CREATE, SP_ACT_UPDATE, SP_ACT_REPLACE, SP_ACT_DELETE };
extern const char *const sp_action_names[];   /* "no-op", "create", "update", "replace", "delete" */

struct sp_attr_change {
	const char *key;
	const struct sp_attr *before;   /* NULL when added */
	const struct sp_attr *after;    /* NULL when removed */
	int forces_replace;
};

struct sp_change {
	const char *address;
	enum sp_action action;
	const struct sp_resource *before;   /* NULL for create */
	const struct sp_resource *after;    /* NULL for delete */
	struct sp_attr_change *attrs;       /* changed attributes only, sorted by key */
	size_t nattrs;
	/* monthly on-demand list price before and after, as the model prices
	 * them (sp_diff_price); 0 until priced */
	double cost_before, cost_after;
	int priced;
};

struct sp_diff {
	struct sp_change *v;                /* sorted by address, no-ops included */
	size_t n;
	size_t counts[5];                   /* by action */
};

/* Address filters (--target / --exclude): an address matches a pattern when
 * equal, or when the pattern names a whole component ("service.web") or type
 * ("service"), or is the region-less form. */
int sp_address_matches(const char *address, const char *pattern);

/* What protects an address beyond the flags its resources carry: the spec's
 * lifecycle. lookup returns 1 and where prevent_destroy is set when the
 * spec protects the address's component (in any region), else 0. */
struct sp_protection {
	int (*lookup)(void *ctx, const char *address, struct sp_pos *where);
	void *ctx;
};

/* Diffs desired against current. Resources outside targets (when ntargets >
 * 0) or inside excludes are left alone (no-op, not listed). Lifecycle errors
 * go to diags with their address as the file: destroying or replacing a
 * resource that the spec (prot, and the desired resource), the state or the
 * provider (the current resource's flag) protects, with a note at the spec's
 * prevent_destroy when it is the spec's; a count dropping from above zero to
 * zero unless allow_zero. prot may be NULL. Returns 0, or -1 when any
 * lifecycle error was found (the diff is still filled, for display). */
int sp_diff_build(struct sp_diff *out, struct sp_arena *a, const struct sp_resource_set *desired,
		  const struct sp_resource_set *current, const char *const *targets, size_t ntargets,
		  const char *const *excludes, size_t nexcludes, const struct sp_protection *prot,
		  struct sp_diags *diags);

/* Prices every change of d once with the model's cost (model/cost.h), so
 * that renderers and the plan file show the figures the plan computed and
 * never price a resource again. */
struct sp_catalog;
void sp_diff_price(struct sp_diff *d, const struct sp_catalog *cat);

/* Resources a diff destroys: deletes and replaces. */
size_t sp_diff_destroys(const struct sp_diff *d);

#endif
