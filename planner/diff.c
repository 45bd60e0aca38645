#include "planner/diff.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/cost.h"

const char *const sp_action_names[] = { "no-op", "create", "update", "replace", "delete" };

static const char *const count_attrs[] = { "instances", "nodes", "gpus" };

int sp_address_matches(const char *address, const char *pattern)
{
	size_t lp = strlen(pattern);
	if (!strcmp(address, pattern))
		return 1;
	/* "service.web" matches "service.web[r1]"; "service" matches "service.*".
	 * A name may hold '.', so only a bare type may be followed by one:
	 * "service.web" does not match "service.web.v2[r1]" */
	if (!strncmp(address, pattern, lp) &&
	    (address[lp] == '[' || (address[lp] == '.' && !strchr(pattern, '.'))))
		return 1;
	return 0;
}

static int selected(const char *address, const char *const *t, size_t nt, const char *const *x, size_t nx)
{
	int in = nt == 0;
	for (size_t i = 0; i < nt && !in; i++)
		if (sp_address_matches(address, t[i]))
			in = 1;
	for (size_t i = 0; i < nx && in; i++)
		if (sp_address_matches(address, x[i]))
			in = 0;
	return in;
}

static struct sp_pos no_pos(struct sp_arena *a, const char *address)
{
	/* a lifecycle error names the resource: its address stands where a file would */
	struct sp_src *src = SP_NEW(a, struct sp_src);
	src->name = address;
	src->text = "";
	return (struct sp_pos){ src, 0, 0 };
}

/* Compares two resources attribute by attribute (both sorted by key). */
static void diff_attrs(struct sp_change *c, struct sp_arena *a)
{
	const struct sp_resource *b = c->before, *f = c->after;
	size_t i = 0, j = 0, n = 0;
	struct sp_attr_change *v = SP_NEWN(a, struct sp_attr_change, b->nattrs + f->nattrs);

	while (i < b->nattrs || j < f->nattrs) {
		int cmp = i >= b->nattrs ? 1 : j >= f->nattrs ? -1 : strcmp(b->attrs[i].key, f->attrs[j].key);
		if (cmp < 0) {
			v[n++] = (struct sp_attr_change){ b->attrs[i].key, &b->attrs[i], NULL, 0 };
			i++;
		} else if (cmp > 0) {
			v[n++] = (struct sp_attr_change){ f->attrs[j].key, NULL, &f->attrs[j], f->attrs[j].force_new };
			j++;
		} else {
			if (!sp_attr_equal(&b->attrs[i], &f->attrs[j]))
				v[n++] = (struct sp_attr_change){ f->attrs[j].key, &b->attrs[i], &f->attrs[j],
								  f->attrs[j].force_new };
			i++;
			j++;
		}
	}
	c->attrs = v;
	c->nattrs = n;
	c->action = SP_ACT_NOOP;
	for (size_t k = 0; k < n; k++) {
		c->action = SP_ACT_UPDATE;
		if (v[k].forces_replace) {
			c->action = SP_ACT_REPLACE;
			break;
		}
	}
}

static double count_of(const struct sp_resource *r)
{
	for (size_t i = 0; i < SP_ARRAY_LEN(count_attrs); i++) {
		const struct sp_attr *x = sp_resource_attr(r, count_attrs[i]);
		if (x && x->type == SP_ATTR_NUM)
			return x->n;
	}
	return -1;
}

int sp_diff_build(struct sp_diff *out, struct sp_arena *a, const struct sp_resource_set *desired,
		  const struct sp_resource_set *current, const char *const *targets, size_t ntargets,
		  const char *const *excludes, size_t nexcludes, const struct sp_protection *prot,
		  struct sp_diags *diags)
{
	size_t i = 0, j = 0, n = 0;
	struct sp_change *v = SP_NEWN(a, struct sp_change, desired->n + current->n);
	size_t errors = diags->nerrors;

	memset(out, 0, sizeof(*out));
	/* both sets are sorted by address: one merge pass, O(n) */
	while (i < current->n || j < desired->n) {
		const struct sp_resource *cur = i < current->n ? &current->v[i] : NULL;
		const struct sp_resource *want = j < desired->n ? &desired->v[j] : NULL;
		int cmp = !cur ? 1 : !want ? -1 : strcmp(cur->address, want->address);
		struct sp_change c;
		memset(&c, 0, sizeof(c));
		if (cmp < 0) {
			c.address = cur->address;
			c.action = SP_ACT_DELETE;
			c.before = cur;
			i++;
		} else if (cmp > 0) {
			c.address = want->address;
			c.action = SP_ACT_CREATE;
			c.after = want;
			j++;
		} else {
			c.address = want->address;
			c.before = cur;
			c.after = want;
			diff_attrs(&c, a);
			i++;
			j++;
		}
		if (!selected(c.address, targets, ntargets, excludes, nexcludes))
			continue;
		if (c.action == SP_ACT_CREATE) {
			/* every attribute is new: list them for display */
			c.attrs = SP_NEWN(a, struct sp_attr_change, c.after->nattrs);
			for (size_t k = 0; k < c.after->nattrs; k++)
				c.attrs[k] = (struct sp_attr_change){ c.after->attrs[k].key, NULL, &c.after->attrs[k], 0 };
			c.nattrs = c.after->nattrs;
		}
		/* lifecycle protections: a resource is protected when the spec
		 * protects its component (whether or not the spec still wants it
		 * in this region), or when the state or the provider recorded it
		 * as protected: so a lost or edited state never unprotects what
		 * the spec protects, and removing a protected component from the
		 * spec does not destroy it (the protection must be lifted, and
		 * applied, first) */
		if (c.action == SP_ACT_REPLACE || c.action == SP_ACT_DELETE) {
			struct sp_pos where = { 0 };
			int by_spec = (prot && prot->lookup(prot->ctx, c.address, &where)) ||
				      (c.after && c.after->prevent_destroy);
			int by_record = c.before && c.before->prevent_destroy;
			const char *what = c.action == SP_ACT_REPLACE ? "replace (destroy, then create)" : "destroy";
			if (by_spec) {
				sp_error(diags, no_pos(a, c.address),
					 "this plan would %s it, but the spec protects it with prevent_destroy: true; "
					 "change the spec back, or set prevent_destroy: false first",
					 what);
				if (where.src)
					sp_note(diags, where, "prevent_destroy is set here");
			} else if (by_record) {
				sp_error(diags, no_pos(a, c.address),
					 "this plan would %s it, but it was applied with prevent_destroy: true; to "
					 "remove it, set prevent_destroy: false and apply, then remove it from the spec",
					 what);
			}
		}
		if (c.action == SP_ACT_UPDATE && count_of(c.before) > 0 && count_of(c.after) == 0 &&
		    !c.after->allow_zero)
			sp_error(diags, no_pos(a, c.address),
				 "this plan would scale it from %g to 0; if that is intended, set 'lifecycle: {allow_zero: true}' on it",
				 count_of(c.before));
		out->counts[c.action]++;
		v[n++] = c;
	}
	out->v = v;
	out->n = n;
	return diags->nerrors > errors ? -1 : 0;
}

size_t sp_diff_destroys(const struct sp_diff *d)
{
	return d->counts[SP_ACT_DELETE] + d->counts[SP_ACT_REPLACE];
}

void sp_diff_price(struct sp_diff *d, const struct sp_catalog *cat)
{
	for (size_t i = 0; i < d->n; i++) {
		struct sp_change *c = &d->v[i];
		c->cost_before = c->before ? sp_cost_resource(cat, c->before) : 0;
		c->cost_after = c->after ? sp_cost_resource(cat, c->after) : 0;
		c->priced = 1;
	}
}
