/* Continuing a saved plan (planner/resume.h). */
#include "planner/resume.h"

#include <stdio.h>
#include <string.h>

static int same(const struct sp_resource *a, const struct sp_resource *b)
{
	if (!a || !b || a->nattrs != b->nattrs)
		return 0;
	for (size_t i = 0; i < a->nattrs; i++)
		if (strcmp(a->attrs[i].key, b->attrs[i].key) || !sp_attr_equal(&a->attrs[i], &b->attrs[i]))
			return 0;
	return 1;
}

int sp_plan_resume(const struct sp_diff *plan, const struct sp_state *st, struct sp_diff *rest, size_t *done,
		   struct sp_arena *a, char *why, size_t n)
{
	size_t matched = 0;

	memset(rest, 0, sizeof(*rest));
	*done = 0;
	rest->v = SP_NEWN(a, struct sp_change, plan->n + 1);
	/* both lists are sorted by address: one merge, linear */
	for (size_t i = 0; i < plan->n; i++) {
		const struct sp_change *c = &plan->v[i];
		const struct sp_resource *now = sp_resource_find(&st->resources, c->address);
		struct sp_change keep = *c;
		int is_done = 0, pending = 0;

		if (now)
			matched++;
		if (sp_state_is_removed(st, c->address)) {
			snprintf(why, n, "%s was taken out of management ('state rm')", c->address);
			return 0;
		}
		switch (c->action) {
		case SP_ACT_NOOP:
			pending = now && same(now, c->before ? c->before : c->after);
			break;
		case SP_ACT_CREATE:
			pending = !now;
			is_done = now && same(now, c->after);
			break;
		case SP_ACT_UPDATE:
			pending = now && same(now, c->before);
			is_done = now && same(now, c->after);
			break;
		case SP_ACT_DELETE:
			pending = now && same(now, c->before);
			is_done = !now;
			break;
		case SP_ACT_REPLACE:
			pending = now && same(now, c->before);
			is_done = now && same(now, c->after);
			if (!now) {
				/* deleted, not yet created: the create half is left */
				pending = 1;
				keep.action = SP_ACT_CREATE;
				keep.before = NULL;
			}
			break;
		default:
			break;
		}
		if (!pending && !is_done) {
			snprintf(why, n, "%s %s", c->address,
				 now ? "holds neither what the plan started from nor what it makes"
				     : "is gone from the state, and the plan does not delete it");
			return 0;
		}
		if (c->action != SP_ACT_NOOP && is_done && !pending) {
			(*done)++;
			keep.action = SP_ACT_NOOP;
			keep.before = keep.after = now;
			keep.nattrs = 0;
		}
		rest->v[rest->n++] = keep;
		rest->counts[keep.action]++;
	}
	if (matched != st->resources.n) {
		/* something the plan never saw was added since */
		for (size_t i = 0; i < st->resources.n; i++) {
			const char *addr = st->resources.v[i].address;
			size_t lo = 0, hi = plan->n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				int c = strcmp(plan->v[mid].address, addr);
				if (!c) {
					lo = hi + 1;
					break;
				}
				if (c < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo <= hi) {
				snprintf(why, n, "%s was added to the state after the plan was made", addr);
				return 0;
			}
		}
	}
	return 1;
}
