/* What moved since a saved plan was made (planner/moved.h). */
#include "planner/moved.h"

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/xalloc.h"
#include "planner/render_plan.h"

int sp_moved_same_side(const struct sp_resource *a, const struct sp_resource *b)
{
	if (!a || !b)
		return a == b;
	if (a->nattrs != b->nattrs)
		return 0;
	for (size_t i = 0; i < a->nattrs; i++)
		if (strcmp(a->attrs[i].key, b->attrs[i].key) || !sp_attr_equal(&a->attrs[i], &b->attrs[i]))
			return 0;
	return 1;
}

long sp_moved_world(const struct sp_diff *d, struct sp_provider *prov, const char **first, struct sp_err *err)
{
	struct sp_arena a;
	long n = 0;

	*first = NULL;
	sp_arena_init(&a);
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *c = &d->v[i];
		struct sp_resource now;
		int rc, moved;
		if (c->action == SP_ACT_NOOP)
			continue;
		rc = prov->ops->read(prov, c->address, &now, &a, err);
		if (rc < 0 && rc != SP_ENOTFOUND) {
			sp_arena_free(&a);
			return -1;
		}
		if (c->action == SP_ACT_CREATE)
			moved = rc == 0;
		else
			moved = rc == SP_ENOTFOUND || !sp_moved_same_side(&now, c->before);
		if (moved && !n++)
			*first = c->address;
		/* the resources read are not kept: one arena's worth at a time */
		if ((i & 1023) == 1023) {
			sp_arena_free(&a);
			sp_arena_init(&a);
		}
	}
	sp_arena_free(&a);
	if (err)
		sp_err_clear(err);
	return n;
}

/* Whether a listed change and another (either may be NULL: no change) are
 * the same reviewed change. */
static int same_change(const struct sp_change *s, const struct sp_change *n)
{
	enum sp_action sa = s ? s->action : SP_ACT_NOOP, na = n ? n->action : SP_ACT_NOOP;

	if (sa != na)
		return 0;
	if (sa == SP_ACT_NOOP)
		return 1;
	return sp_moved_same_side(s->before, n->before) && sp_moved_same_side(s->after, n->after);
}

size_t sp_moved_list(const struct sp_diff *saved, const struct sp_diff *now, struct sp_moved **out)
{
	size_t i = 0, k = 0, n = 0, cap = 0;
	struct sp_moved *v = NULL;

	while (i < saved->n || k < now->n) {
		int c = i >= saved->n ? 1 : k >= now->n ? -1 : strcmp(saved->v[i].address, now->v[k].address);
		const struct sp_change *s = c <= 0 ? &saved->v[i] : NULL, *w = c >= 0 ? &now->v[k] : NULL;
		if (c <= 0)
			i++;
		if (c >= 0)
			k++;
		if (same_change(s, w))
			continue;
		SP_GROW(v, cap, n + 1);
		v[n].address = s ? s->address : w->address;
		v[n].saved = s;
		v[n].now = w;
		n++;
	}
	*out = v;
	return n;
}

static const char *what(const struct sp_change *c)
{
	if (!c || c->action == SP_ACT_NOOP)
		return "no change";
	return sp_action_names[c->action];
}

/* "key a -> b" for each attribute that differs between x and y (either may
 * be NULL), at most 6, after label; nothing when none differs. */
static void attr_lines(FILE *f, const char *label, const struct sp_resource *x, const struct sp_resource *y)
{
	size_t i = 0, k = 0, shown = 0, more = 0;
	char a[256], b[256];
	int any = 0;

	if (!x && !y)
		return;
	if (!x || !y) {
		fprintf(f, "      %s: %s\n", label, x ? "it no longer exists" : "it exists now");
		return;
	}
	while (i < x->nattrs || k < y->nattrs) {
		int c = i >= x->nattrs ? 1 : k >= y->nattrs ? -1 : strcmp(x->attrs[i].key, y->attrs[k].key);
		const struct sp_attr *p = c <= 0 ? &x->attrs[i] : NULL, *q = c >= 0 ? &y->attrs[k] : NULL;
		if (c <= 0)
			i++;
		if (c >= 0)
			k++;
		if (p && q && sp_attr_equal(p, q))
			continue;
		if (shown >= 6) {
			more++;
			continue;
		}
		sp_attr_format(a, sizeof(a), p);
		sp_attr_format(b, sizeof(b), q);
		fprintf(f, "%s%s %s -> %s", any ? ", " : "      ", p ? p->key : q->key, a, b);
		any = 1;
		shown++;
	}
	if (any)
		fprintf(f, "%s  (%s)\n", more ? ", ..." : "", label);
}

void sp_moved_print(FILE *f, const struct sp_moved *v, size_t n, size_t max)
{
	static const char *const sym[] = { "=", "+", "~", "-/+", "-" };

	for (size_t j = 0; j < n && j < max; j++) {
		const struct sp_change *s = v[j].saved, *w = v[j].now;
		enum sp_action na = w ? w->action : SP_ACT_NOOP;
		fprintf(f, "  %3s %s: planned %s, now %s\n", sym[na], v[j].address, what(s), what(w));
		/* the world: what the plan saw, and what is there now */
		if (s && w)
			attr_lines(f, "changed since the plan", s->before, w->before);
		else if (w && w->before && !s)
			attr_lines(f, "changed since the plan", NULL, w->before);
		/* the spec's side: what the plan would have made, and what is wanted now */
		if (s && w && s->action != SP_ACT_NOOP && w->action != SP_ACT_NOOP)
			attr_lines(f, "wanted now", s->after, w->after);
	}
	if (n > max)
		fprintf(f, "  ... and %zu more\n", n - max);
}
