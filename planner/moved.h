/* What moved since a saved plan was made: the check that decides whether
 * `apply PLAN.json` applies the reviewed plan as it is, and, when it plans
 * again, the list of resources whose change is no longer the one reviewed
 * (docs/plan-format.md, "Applying on merge what was reviewed"). */
#ifndef SP_MOVED_H
#define SP_MOVED_H
#include <stddef.h>
#include <stdio.h>

#include "lib/err.h"
#include "planner/diff.h"
#include "providers/provider.h"

/* Whether two sides of a change hold the same attributes (both NULL is
 * the same; depends_on and lifecycle are not compared). */
int sp_moved_same_side(const struct sp_resource *a, const struct sp_resource *b);

/* Reads from the provider every resource the saved diff d changes (every
 * change but the no-ops), and counts those that are no longer what the plan
 * saw: a create whose resource exists now, an update, replace or delete
 * whose resource is gone or holds other attributes. *first gets the first
 * such address (NULL when none). Returns the count, or -1 with err set when
 * the provider cannot be read. */
long sp_moved_world(const struct sp_diff *d, struct sp_provider *prov, const char **first, struct sp_err *err);

/* One resource whose change differs between the saved plan and the plan
 * made again: its change in each (NULL: not listed, which is no change). */
struct sp_moved {
	const char *address;
	const struct sp_change *saved, *now;
};

/* Every address whose change is not the same in saved and now (both sorted
 * by address): another action, or (for an action other than no-op) another
 * before or after. One walk over both. *out is malloc'd (free it), sorted
 * by address; returns the count. */
size_t sp_moved_list(const struct sp_diff *saved, const struct sp_diff *now, struct sp_moved **out);

/* Prints the list for people, at most max resources (then "... and N
 * more"): the address, the change planned and the change now, the
 * attributes that changed in the world since the plan ("since the plan:
 * instances 9 -> 10") and those the spec now wants otherwise ("now wanted:
 * instances 11 -> 12"). */
void sp_moved_print(FILE *f, const struct sp_moved *v, size_t n, size_t max);

#endif
