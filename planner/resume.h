/* Continuing a saved plan whose apply stopped part way (a failure, Ctrl-C, a
 * kill): the state moved on from the plan's serial, but only by this plan's
 * own operations, so applying the plan again does the rest. */
#ifndef SP_RESUME_H
#define SP_RESUME_H
#include <stddef.h>

#include "lib/arena.h"
#include "planner/diff.h"
#include "providers/state.h"

/* Whether the state is the plan's starting point with some of the plan's
 * changes done: every resource in the state is one the plan names, holding
 * the plan's "before" or, for a change, its "after" (a replace may also be
 * half done: deleted, not yet created); nothing else, and none of the
 * plan's addresses taken out of management since ('state rm'). Returns 1 with *rest
 * the changes still to do (a half-done replace becomes its create; arrays in
 * a) and *done how many are complete; 0, with *why naming the first resource
 * that moved otherwise (static text in why, size n). */
int sp_plan_resume(const struct sp_diff *plan, const struct sp_state *st, struct sp_diff *rest, size_t *done,
		   struct sp_arena *a, char *why, size_t n);

#endif
