/* The plan document (planner/planfile.h, docs/plan-format.md). */
#include "planner/planfile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/xalloc.h"
#include "model/cost.h"
#include "providers/resource_json.h"

/* ---- encoding ------------------------------------------------------------- */

/* Money to the cent, so the bytes do not depend on summation noise. */
static json_t *jmoney(double v)
{
	double c = round(v * 100) / 100;
	if (c == 0)
		c = 0; /* no "-0" */
	return sp_json_number(c);
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* r's attributes (null when r is NULL); *force_new, when asked, the keys r marks force_new. */
static int attr_map(const struct sp_resource *r, json_t **out, json_t **force_new, struct sp_err *err)
{
	if (r)
		return sp_resource_json_attrs(r, out, force_new, err);
	*out = json_null();
	return 0;
}

/* r's dependencies (null when r is NULL). */
static int deps(const struct sp_resource *r, json_t **out, struct sp_err *err)
{
	if (r)
		return sp_resource_json_deps(r, out, err);
	*out = json_null();
	return 0;
}

/* An attribute's value in changed_attributes (null when the side has none). */
static int attr_value(const struct sp_attr *a, const char *address, json_t **out, struct sp_err *err)
{
	if (a)
		return sp_resource_json_value(a, address, out, err);
	*out = json_null();
	return 0;
}

static json_t *actions(enum sp_action act)
{
	json_t *a = json_array();
	switch (act) {
	case SP_ACT_NOOP: json_array_append_new(a, json_string("no-op")); break;
	case SP_ACT_CREATE: json_array_append_new(a, json_string("create")); break;
	case SP_ACT_UPDATE: json_array_append_new(a, json_string("update")); break;
	case SP_ACT_DELETE: json_array_append_new(a, json_string("delete")); break;
	case SP_ACT_REPLACE:
		/* destroy then create: one address cannot exist twice */
		json_array_append_new(a, json_string("delete"));
		json_array_append_new(a, json_string("create"));
		break;
	}
	return a;
}

static json_t *pct_obj(const double pct[3], const double v[3])
{
	json_t *o = json_object();
	char key[32];
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "p%g", pct[i]);
		json_object_set_new(o, key, jmoney(v[i]));
	}
	return o;
}

void sp_plan_cost_fill(struct sp_plan_cost *c, const struct sp_plan *p)
{
	const struct sp_forecast *f = p->forecast;
	size_t idx[3] = { p->lo, p->mid, p->hi };

	memset(c, 0, sizeof(*c));
	c->currency = f->currency;
	c->catalog = p->catalog->name;
	c->catalog_as_of = p->catalog->as_of;
	c->monthly_before = p->cost_before;
	c->monthly_after = p->cost_after;
	sp_month_format(f->start, c->horizon_start);
	sp_month_format(f->start + f->months - 1, c->horizon_end);
	for (int i = 0; i < 3; i++) {
		c->pct[i] = f->pcts[idx[i]];
		c->horizon[i] = f->horizon_total[idx[i]];
	}
	if (p->state && p->state->cost.present) {
		const struct sp_state_cost *sc = &p->state->cost;
		c->has_previous = 1;
		for (int i = 0; i < 3; i++)
			c->previous[i] = sc->horizon[i];
	}
}

static json_t *cost_block(const struct sp_plan_cost *c)
{
	json_t *o = json_object(), *h = json_object();
	double delta[3];

	json_object_set_new(o, "currency", json_string(c->currency));
	json_object_set_new(o, "catalog", json_string(c->catalog));
	json_object_set_new(o, "catalog_as_of", json_string(c->catalog_as_of));
	json_object_set_new(o, "monthly_before", jmoney(c->monthly_before));
	json_object_set_new(o, "monthly_after", jmoney(c->monthly_after));
	json_object_set_new(o, "monthly_delta", jmoney(c->monthly_after - c->monthly_before));
	json_object_set_new(h, "start", json_string(c->horizon_start));
	json_object_set_new(h, "end", json_string(c->horizon_end));
	json_object_set_new(h, "total", pct_obj(c->pct, c->horizon));
	if (c->has_previous) {
		for (int i = 0; i < 3; i++)
			delta[i] = c->horizon[i] - c->previous[i];
		json_object_set_new(h, "previous", pct_obj(c->pct, c->previous));
		json_object_set_new(h, "delta", pct_obj(c->pct, delta));
	} else {
		json_object_set_new(h, "previous", json_null());
		json_object_set_new(h, "delta", pct_obj(c->pct, c->horizon));
	}
	json_object_set_new(o, "horizon", h);
	return o;
}

/* The "change" object: actions, before, after and the changed attributes;
 * *force_new gets the keys that force a replace, from after (or before, for
 * a delete). */
static int change_body(const struct sp_change *c, json_t *ch, json_t **force_new, struct sp_err *err)
{
	json_t *before, *after, *attrs, *v;
	int rc;

	json_object_set_new(ch, "actions", actions(c->action));
	if ((rc = attr_map(c->before, &before, c->after ? NULL : force_new, err)) < 0)
		return rc;
	json_object_set_new(ch, "before", before);
	if ((rc = attr_map(c->after, &after, c->after ? force_new : NULL, err)) < 0)
		return rc;
	json_object_set_new(ch, "after", after);
	/* Terraform's: every value is known when the plan is made, and none is
	 * sensitive (a side that does not exist is false) */
	json_object_set_new(ch, "after_unknown", json_object());
	json_object_set_new(ch, "before_sensitive", c->before ? json_object() : json_false());
	json_object_set_new(ch, "after_sensitive", c->after ? json_object() : json_false());
	attrs = json_array();
	json_object_set_new(ch, "changed_attributes", attrs);
	for (size_t i = 0; i < c->nattrs; i++) {
		const struct sp_attr_change *ac = &c->attrs[i];
		json_t *a = json_object();
		json_array_append_new(attrs, a);
		json_object_set_new(a, "name", json_string(ac->key));
		if ((rc = attr_value(ac->before, c->address, &v, err)) < 0)
			return rc;
		json_object_set_new(a, "before", v);
		if ((rc = attr_value(ac->after, c->address, &v, err)) < 0)
			return rc;
		json_object_set_new(a, "after", v);
		json_object_set_new(a, "forces_replace", json_boolean(ac->forces_replace));
	}
	return 0;
}

static int change_json(const struct sp_change *c, const char *provider, json_t *o, struct sp_err *err)
{
	const struct sp_resource *r = c->after ? c->after : c->before;
	json_t *ch = json_object(), *dp = json_object(), *fn = NULL, *v;
	int rc;

	json_object_set_new(o, "address", json_string(c->address));
	json_object_set_new(o, "mode", json_string("managed"));
	json_object_set_new(o, "type", json_string(r->type));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "index", json_string(r->region));
	json_object_set_new(o, "region", json_string(r->region));
	json_object_set_new(o, "provider_name", json_string(provider));
	json_object_set_new(o, "change", ch);
	json_object_set_new(o, "depends_on", dp);
	if ((rc = change_body(c, ch, &fn, err)) < 0)
		goto out;
	if ((rc = deps(c->before, &v, err)) < 0)
		goto out;
	json_object_set_new(dp, "before", v);
	if ((rc = deps(c->after, &v, err)) < 0)
		goto out;
	json_object_set_new(dp, "after", v);
	json_object_set_new(o, "force_new", fn);
	fn = NULL;
	json_object_set_new(o, "lifecycle", sp_resource_json_lifecycle(r));
	if (c->priced) {
		json_t *cost = json_object();
		double b = c->cost_before, a = c->cost_after;
		json_object_set_new(cost, "monthly_before", jmoney(b));
		json_object_set_new(cost, "monthly_after", jmoney(a));
		json_object_set_new(o, "cost", cost);
	}
out:
	json_decref(fn);
	return rc;
}

/* The targets, excludes and left_alone lists. */
static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* ---- Terraform's values representation ------------------------------------------------------- */

/* One resource as Terraform's state and planned values show it: the region
 * is the instance key (index), as a for_each over regions would make it. */
static int tf_resource(const struct sp_resource *r, const char *provider, json_t **out, struct sp_err *err)
{
	json_t *o = json_object(), *vals;
	int rc;

	json_object_set_new(o, "address", json_string(r->address));
	json_object_set_new(o, "mode", json_string("managed"));
	json_object_set_new(o, "type", json_string(r->type));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "index", json_string(r->region));
	json_object_set_new(o, "provider_name", json_string(provider));
	json_object_set_new(o, "schema_version", json_integer(0));
	if ((rc = sp_resource_json_attrs(r, &vals, NULL, err)) < 0) {
		json_decref(o);
		return rc;
	}
	json_object_set_new(o, "values", vals);
	json_object_set_new(o, "sensitive_values", json_object());
	*out = o;
	return 0;
}

/* {"root_module": {"resources": [...]}} of the resources v[0..n) (their
 * order, sorted by address by the callers). */
static int tf_values(const struct sp_resource *const *v, size_t n, const char *provider, json_t **out,
		     struct sp_err *err)
{
	json_t *root = json_object(), *mod = json_object(), *res = json_array(), *o;
	int rc;

	json_object_set_new(root, "root_module", mod);
	json_object_set_new(mod, "resources", res);
	for (size_t i = 0; i < n; i++) {
		if ((rc = tf_resource(v[i], provider, &o, err)) < 0) {
			json_decref(root);
			return rc;
		}
		json_array_append_new(res, o);
	}
	*out = root;
	return 0;
}

/* prior_state: the current resources the plan was made against; and
 * planned_values: what they are after the plan, every address of the
 * current resources and of the changes (both sorted) walked once. */
static int tf_states(const struct sp_plan *p, const char *provider, json_t *root, struct sp_err *err)
{
	const struct sp_resource_set *cur = &p->current;
	const struct sp_diff *d = &p->diff;
	const struct sp_resource **v = sp_xcalloc(cur->n + d->n + 1, sizeof(*v));
	json_t *planned = NULL, *prior = NULL, *vals = NULL;
	size_t n = 0, i = 0, k = 0;
	int rc;

	while (i < cur->n || k < d->n) {
		int c = i >= cur->n ? 1 : k >= d->n ? -1 : strcmp(cur->v[i].address, d->v[k].address);
		if (c < 0) {
			v[n++] = &cur->v[i++];
			continue;
		}
		if (d->v[k].after)
			v[n++] = d->v[k].after;
		k++;
		if (c == 0)
			i++;
	}
	if ((rc = tf_values(v, n, provider, &planned, err)) < 0)
		goto out;
	for (n = 0; n < cur->n; n++)
		v[n] = &cur->v[n];
	if ((rc = tf_values(v, n, provider, &vals, err)) < 0)
		goto out;
	prior = json_object();
	json_object_set_new(prior, "format_version", json_string("1.0"));
	json_object_set_new(prior, "values", vals);
	json_object_set_new(root, "planned_values", planned);
	json_object_set_new(root, "prior_state", prior);
	planned = prior = NULL;
out:
	json_decref(planned);
	json_decref(prior);
	free(v);
	return rc;
}

int sp_plan_to_json(const struct sp_plan *p, char **out, struct sp_err *err)
{
	json_t *root = json_object(), *st = sp_state_cfg_to_json(p->state_cfg), *pr = sp_provider_cfg_to_json(p->provider_cfg), *rc = json_array(),
	       *sum = json_object();
	struct sp_plan_cost cost;
	char provider[128];
	int ret;

	*out = NULL;
	/* Terraform's provider_name for every resource: this plan's provider kind */
	snprintf(provider, sizeof(provider), "scaleplan/%s",
		 p->provider_cfg && p->provider_cfg->kind ? p->provider_cfg->kind : "local");
	json_object_set_new(root, "format_version", json_string(SP_PLAN_FORMAT_VERSION));
	json_object_set_new(root, "scaleplan_version", json_string(SP_VERSION));
	json_object_set_new(root, "spec", jstr_or_null(p->spec->name));
	json_object_set_new(root, "spec_path", jstr_or_null(p->spec_path));
	json_object_set_new(root, "spec_digest", json_string(p->spec_digest));
	json_object_set_new(root, "at", json_string(p->at));
	json_object_set_new(root, "percentile", sp_json_number(p->forecast->pcts[p->pct]));
	json_object_set_new(root, "paths", json_integer(p->forecast->paths));
	json_object_set_new(root, "seed", json_integer((json_int_t)p->forecast->seed));
	json_object_set_new(root, "refreshed", json_boolean(p->refreshed));
	json_object_set_new(st, "lineage", p->state->serial ? json_string(p->state->lineage) : json_null());
	json_object_set_new(st, "serial", json_integer((json_int_t)p->state->serial));
	json_object_set_new(root, "state", st);
	json_object_set_new(root, "provider", pr);
	json_object_set_new(root, "targets", str_array(p->targets, p->ntargets));
	json_object_set_new(root, "excludes", str_array(p->excludes, p->nexcludes));
	json_object_set_new(root, "left_alone", str_array(p->left_alone, p->nleft_alone));
	for (int a = 0; a < 5; a++)
		json_object_set_new(sum, sp_action_names[a], json_integer((json_int_t)p->diff.counts[a]));
	json_object_set_new(root, "summary", sum);
	json_object_set_new(root, "resource_changes", rc);
	for (size_t i = 0; i < p->diff.n; i++) {
		json_t *o = json_object();
		json_array_append_new(rc, o);
		if ((ret = change_json(&p->diff.v[i], provider, o, err)) < 0)
			goto out;
	}
	sp_plan_cost_fill(&cost, p);
	json_object_set_new(root, "cost", cost_block(&cost));
	if (p->base_json)
		json_object_set(root, "base", p->base_json);
	if ((ret = tf_states(p, provider, root, err)) < 0)
		goto out;

	/* every real with the fewest digits that read back to it, so what
	 * apply reads is exactly what plan saw */
	ret = sp_json_dump(root, SP_JSON_ASCII, out, err);
out:
	json_decref(root);
	return ret;
}

/* ---- decoding ------------------------------------------------------------- */

/* obj[key], which must be there and of type t (or null, when nullable); NULL
 * after reporting "<path>.key: missing" or "<path>.key: must be ...". */
static json_t *need(struct sp_jdec *d, json_t *obj, const char *key, enum sp_jtype t, int nullable)
{
	json_t *v;
	if (sp_jdec_member(d, obj, key, t, SP_JREQ | (nullable ? SP_JNULL : 0), &v) < 0)
		return NULL;
	return json_object_get(obj, key);
}

static int dec_actions(struct sp_jdec *d, json_t *acts, enum sp_action *out)
{
	const char *a0 = json_string_value(json_array_get(acts, 0));
	const char *a1 = json_string_value(json_array_get(acts, 1));
	size_t na = json_array_size(acts);

	if (na == 1 && a0 && !strcmp(a0, "no-op"))
		*out = SP_ACT_NOOP;
	else if (na == 1 && a0 && !strcmp(a0, "create"))
		*out = SP_ACT_CREATE;
	else if (na == 1 && a0 && !strcmp(a0, "update"))
		*out = SP_ACT_UPDATE;
	else if (na == 1 && a0 && !strcmp(a0, "delete"))
		*out = SP_ACT_DELETE;
	else if (na == 2 && a0 && a1 && !strcmp(a0, "delete") && !strcmp(a1, "create"))
		*out = SP_ACT_REPLACE;
	else
		return sp_jdec_fail(d, "actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
				       "[\"delete\",\"create\"]");
	return 0;
}

/* One side of a change: its attributes (at change.before or change.after)
 * and its dependencies (at depends_on.before or depends_on.after), with the
 * resource codec's rules. d's path is at the change; it is left there. */
static int dec_side(struct sp_jdec *d, json_t *map, json_t *dp, const char *side, struct sp_resource *r)
{
	size_t mark = d->depth;
	json_t *dl;
	int rc;

	sp_jdec_push_key(d, "change");
	sp_jdec_push_key(d, side);
	if ((rc = sp_resource_json_decode_attrs(d, map, r)) < 0)
		return rc;
	sp_jdec_pop(d, mark);
	sp_jdec_push_key(d, "depends_on");
	if (!(dl = need(d, dp, side, SP_JARRAY, 0)))
		return SP_EINVAL;
	sp_jdec_push_key(d, side);
	if ((rc = sp_resource_json_decode_deps(d, dl, r)) < 0)
		return rc;
	sp_jdec_pop(d, mark);
	return 0;
}

/* force_new names attributes of the side it was written from (after, or
 * before for a delete), each once; the other side's attributes of those
 * names force a replace too. */
static int dec_force_new(struct sp_jdec *d, json_t *fnew, struct sp_resource *r[2])
{
	struct sp_resource *from = r[1] ? r[1] : r[0], *other = r[1] ? r[0] : NULL;
	size_t mark = sp_jdec_push_key(d, "force_new");
	int rc;

	if ((rc = sp_resource_json_decode_force_new(d, fnew, from)) < 0)
		return rc;
	sp_jdec_pop(d, mark);
	for (size_t i = 0; other && i < other->nattrs; i++) {
		const struct sp_attr *at = sp_resource_attr(from, other->attrs[i].key);
		other->attrs[i].force_new = at && at->force_new;
	}
	return 0;
}

/* change.changed_attributes (optional, for renderers): each name with the
 * attribute of each side that has it, as the diff made them, so that an
 * update shows what it changes. d's path is at the change; it is left there. */
static int dec_changed_attrs(struct sp_jdec *d, json_t *ch, struct sp_change *c)
{
	size_t mark = d->depth, n;
	json_t *arr;
	int rc;

	if (c->action != SP_ACT_UPDATE && c->action != SP_ACT_REPLACE)
		return 0;
	sp_jdec_push_key(d, "change");
	if ((rc = sp_jdec_member(d, ch, "changed_attributes", SP_JARRAY, 0, &arr)) < 0 || !arr) {
		sp_jdec_pop(d, mark);
		return rc;
	}
	sp_jdec_push_key(d, "changed_attributes");
	n = json_array_size(arr);
	c->attrs = SP_NEWN(d->a, struct sp_attr_change, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i), *name, *fr;
		struct sp_attr_change *ac = &c->attrs[c->nattrs];
		size_t m2 = sp_jdec_push_idx(d, i);
		if (!json_is_object(o))
			return sp_jdec_fail(d, "must be an object");
		if (!(name = need(d, o, "name", SP_JSTRING, 0)) || !(fr = need(d, o, "forces_replace", SP_JBOOL, 0)))
			return SP_EINVAL;
		ac->key = sp_arena_strdup(d->a, json_string_value(name));
		ac->before = sp_resource_attr(c->before, ac->key);
		ac->after = sp_resource_attr(c->after, ac->key);
		ac->forces_replace = json_is_true(fr);
		if (!ac->before && !ac->after)
			return sp_jdec_fail_in(d, "name", "'%s' is an attribute of neither side", ac->key);
		c->nattrs++;
		sp_jdec_pop(d, m2);
	}
	sp_jdec_pop(d, mark);
	return 0;
}

/* An optional number member into *out. */
static int dec_num(struct sp_jdec *d, json_t *obj, const char *key, double *out)
{
	json_t *v;

	if (sp_jdec_member(d, obj, key, SP_JNUMBER, 0, &v) < 0)
		return SP_EINVAL;
	if (v)
		*out = json_number_value(v);
	return 0;
}

static int dec_change(struct sp_jdec *d, json_t *o, struct sp_change *c)
{
	json_t *addr, *type, *name, *region, *ch, *acts, *before, *after, *dp, *fnew, *lc, *pd, *az, *cost;
	const char *ptype, *pname, *pregion;
	size_t mark = d->depth;
	struct sp_resource *r[2] = { NULL, NULL };
	int rc;

	if (!json_is_object(o))
		return sp_jdec_fail(d, "must be an object");
	if (!(addr = need(d, o, "address", SP_JSTRING, 0)) || !(type = need(d, o, "type", SP_JSTRING, 0)) ||
	    !(name = need(d, o, "name", SP_JSTRING, 0)) || !(region = need(d, o, "region", SP_JSTRING, 0)) ||
	    !(ch = need(d, o, "change", SP_JOBJECT, 0)) || !(dp = need(d, o, "depends_on", SP_JOBJECT, 0)) ||
	    !(fnew = need(d, o, "force_new", SP_JARRAY, 0)) || !(lc = need(d, o, "lifecycle", SP_JOBJECT, 0)))
		return SP_EINVAL;
	c->address = sp_arena_strdup(d->a, json_string_value(addr));
	if (sp_resource_parse_address(d->a, c->address, &ptype, &pname, &pregion) < 0 ||
	    strcmp(ptype, json_string_value(type)) || strcmp(pname, json_string_value(name)) ||
	    strcmp(pregion, json_string_value(region)))
		return sp_jdec_fail(d, "address '%s' does not match its type, name and region", c->address);
	sp_jdec_push_key(d, "lifecycle");
	if (!(pd = need(d, lc, "prevent_destroy", SP_JBOOL, 0)) || !(az = need(d, lc, "allow_zero", SP_JBOOL, 0)))
		return SP_EINVAL;
	sp_jdec_pop(d, mark);
	sp_jdec_push_key(d, "change");
	if (!(acts = need(d, ch, "actions", SP_JARRAY, 0)) || !(before = need(d, ch, "before", SP_JOBJECT, 1)) ||
	    !(after = need(d, ch, "after", SP_JOBJECT, 1)) || (rc = dec_actions(d, acts, &c->action)) < 0)
		return SP_EINVAL;
	if (json_is_null(before) != (c->action == SP_ACT_CREATE) ||
	    json_is_null(after) != (c->action == SP_ACT_DELETE))
		return sp_jdec_fail(d, "before and after do not fit the actions");
	sp_jdec_pop(d, mark);
	for (int k = 0; k < 2; k++) {
		json_t *map = k ? after : before;
		if (json_is_null(map))
			continue;
		r[k] = SP_NEW(d->a, struct sp_resource);
		r[k]->address = c->address;
		r[k]->type = ptype;
		r[k]->name = pname;
		r[k]->region = pregion;
		r[k]->prevent_destroy = json_is_true(pd);
		r[k]->allow_zero = json_is_true(az);
		if ((rc = dec_side(d, map, dp, k ? "after" : "before", r[k])) < 0)
			return rc;
	}
	if ((rc = dec_force_new(d, fnew, r)) < 0)
		return rc;
	c->before = r[0];
	c->after = r[1];
	if ((rc = dec_changed_attrs(d, ch, c)) < 0)
		return rc;
	/* the monthly cost the plan priced it at, for renderers (optional) */
	if ((rc = sp_jdec_member(d, o, "cost", SP_JOBJECT, 0, &cost)) < 0)
		return rc;
	if (cost) {
		sp_jdec_push_key(d, "cost");
		if (dec_num(d, cost, "monthly_before", &c->cost_before) < 0 ||
		    dec_num(d, cost, "monthly_after", &c->cost_after) < 0)
			return SP_EINVAL;
		sp_jdec_pop(d, mark);
		c->priced = 1;
	}
	return 0;
}

/* Three percentiles like "p50": number, into pct[] and v[]. d's path is at obj. */
static int dec_pcts(struct sp_jdec *d, json_t *obj, double pct[3], double v[3])
{
	const char *key;
	json_t *x;
	int k = 0;

	json_object_foreach(obj, key, x) {
		char *end;
		double p = key[0] == 'p' ? strtod(key + 1, &end) : -1;
		if (k >= 3 || key[0] != 'p' || *end || !(p > 0 && p < 100) || !json_is_number(x))
			return sp_jdec_fail(d, "must hold three percentiles like \"p50\": number");
		pct[k] = p;
		v[k++] = json_number_value(x);
	}
	if (k != 3)
		return sp_jdec_fail(d, "must hold three percentiles like \"p50\": number");
	return 0;
}

/* The cost block: what apply records in the state for the next plan (the
 * currency and the horizon totals), and the figures a renderer shows. */
static int dec_cost(struct sp_jdec *d, json_t *root, struct sp_plan_cost *c)
{
	json_t *cost, *cur, *h, *tot, *prev;
	const char *st = "", *en = "";
	double pp[3];

	c->catalog = c->catalog_as_of = "";
	if (!(cost = need(d, root, "cost", SP_JOBJECT, 0)))
		return SP_EINVAL;
	sp_jdec_push_key(d, "cost");
	if (!(cur = need(d, cost, "currency", SP_JSTRING, 0)) || !(h = need(d, cost, "horizon", SP_JOBJECT, 0)))
		return SP_EINVAL;
	c->currency = sp_arena_strdup(d->a, json_string_value(cur));
	if (sp_jdec_str(d, cost, "catalog", 0, &c->catalog) < 0 ||
	    sp_jdec_str(d, cost, "catalog_as_of", 0, &c->catalog_as_of) < 0 ||
	    dec_num(d, cost, "monthly_before", &c->monthly_before) < 0 ||
	    dec_num(d, cost, "monthly_after", &c->monthly_after) < 0)
		return SP_EINVAL;
	sp_jdec_push_key(d, "horizon");
	if (!(tot = need(d, h, "total", SP_JOBJECT, 0)) || sp_jdec_str(d, h, "start", 0, &st) < 0 ||
	    sp_jdec_str(d, h, "end", 0, &en) < 0 || sp_jdec_member(d, h, "previous", SP_JOBJECT, SP_JNULL, &prev) < 0)
		return SP_EINVAL;
	snprintf(c->horizon_start, sizeof(c->horizon_start), "%s", st);
	snprintf(c->horizon_end, sizeof(c->horizon_end), "%s", en);
	sp_jdec_push_key(d, "total");
	if (dec_pcts(d, tot, c->pct, c->horizon) < 0)
		return SP_EINVAL;
	sp_jdec_pop(d, 2);
	if (prev) {
		sp_jdec_push_key(d, "previous");
		if (dec_pcts(d, prev, pp, c->previous) < 0)
			return SP_EINVAL;
		for (int i = 0; i < 3; i++)
			if (pp[i] != c->pct[i])
				return sp_jdec_fail(d, "must hold the percentiles of total");
		c->has_previous = 1;
	}
	sp_jdec_pop(d, 0);
	return 0;
}

/* Which state and provider the plan was made against. */
static int dec_where(struct sp_jdec *d, json_t *st, json_t *pr, struct sp_saved_plan *sp)
{
	json_t *lin, *ser;

	sp_jdec_push_key(d, "state");
	if (!(lin = need(d, st, "lineage", SP_JSTRING, 1)) || !(ser = need(d, st, "serial", SP_JINTEGER, 0)) ||
	    sp_state_cfg_from_json(d, st, &sp->state_cfg) < 0)
		return SP_EINVAL;
	if (json_is_string(lin))
		snprintf(sp->lineage, sizeof(sp->lineage), "%s", json_string_value(lin));
	if (json_integer_value(ser) < 0)
		return sp_jdec_fail(d, "serial must not be negative");
	sp->serial = (uint64_t)json_integer_value(ser);
	sp_jdec_pop(d, 0);
	sp_jdec_push_key(d, "provider");
	if (sp_provider_cfg_from_json(d, pr, &sp->provider_cfg) < 0)
		return SP_EINVAL;
	sp_jdec_pop(d, 0);
	return 0;
}

/* resource_changes: each change, sorted by address, each address once. */
static int dec_changes(struct sp_jdec *d, json_t *rc, struct sp_saved_plan *sp)
{
	sp->diff.v = SP_NEWN(&sp->arena, struct sp_change, json_array_size(rc) + 1);
	sp_jdec_push_key(d, "resource_changes");
	for (size_t i = 0; i < json_array_size(rc); i++) {
		struct sp_change *c = &sp->diff.v[sp->diff.n];
		int ret;
		sp_jdec_push_idx(d, i);
		if ((ret = dec_change(d, json_array_get(rc, i), c)) < 0)
			return ret;
		if (sp->diff.n && strcmp(sp->diff.v[sp->diff.n - 1].address, c->address) >= 0)
			return sp_jdec_fail(d, "resource changes must be sorted by address, each address once");
		sp->diff.counts[c->action]++;
		sp->diff.n++;
		sp_jdec_pop(d, 1);
	}
	sp_jdec_pop(d, 0);
	return 0;
}

/* format_version: "2.x" (a minor version only adds keys), or the integer
 * 1 (or "1") of scaleplan 0.1's plan files; *major gets 2 or 1. */
static int dec_format(struct sp_jdec *d, json_t *root, int *major)
{
	static const char reads[] = "this scaleplan reads format " SP_PLAN_FORMAT_VERSION " (and 1)";
	json_t *v = json_object_get(root, "format_version");
	const char *s;
	char *end;
	long maj;

	sp_jdec_push_key(d, "format_version");
	if (!v)
		return sp_jdec_fail(d, "missing");
	if (json_is_integer(v)) {
		if (json_integer_value(v) != 1) {
			sp_jdec_pop(d, 0);
			return sp_jdec_fail(d, "plan format %" JSON_INTEGER_FORMAT " is not supported; %s",
					    json_integer_value(v), reads);
		}
		*major = 1;
		sp_jdec_pop(d, 0);
		return 0;
	}
	if (!json_is_string(v))
		return sp_jdec_fail(d, "must be a string like \"%s\"", SP_PLAN_FORMAT_VERSION);
	s = json_string_value(v);
	maj = s[0] >= '0' && s[0] <= '9' ? strtol(s, &end, 10) : -1;
	if (maj < 0 || (*end && (*end != '.' || !end[1] || strspn(end + 1, "0123456789") != strlen(end + 1))))
		return sp_jdec_fail(d, "must be a version like \"%s\", not \"%.40s\"", SP_PLAN_FORMAT_VERSION, s);
	sp_jdec_pop(d, 0);
	if (maj == 1 && !*end) {
		*major = 1;
		return 0;
	}
	if (maj != SP_PLAN_FORMAT_MAJOR)
		return sp_jdec_fail(d, "plan format \"%.40s\" is not supported; %s", s, reads);
	*major = (int)maj;
	return 0;
}

/* An optional array of strings at key, into *out (arena) and *n. */
static int dec_strings(struct sp_jdec *d, json_t *root, const char *key, const char ***out, size_t *n)
{
	json_t *arr, *e;
	size_t i, mark;

	if (sp_jdec_member(d, root, key, SP_JARRAY, 0, &arr) < 0)
		return SP_EINVAL;
	if (!arr)
		return 0;
	mark = sp_jdec_push_key(d, key);
	*out = SP_NEWN(d->a, const char *, json_array_size(arr) + 1);
	json_array_foreach(arr, i, e) {
		if (!json_is_string(e)) {
			sp_jdec_push_idx(d, i);
			return sp_jdec_fail(d, "must be a string");
		}
		(*out)[(*n)++] = sp_arena_strdup(d->a, json_string_value(e));
	}
	sp_jdec_pop(d, mark);
	return 0;
}

/* What was asked, to plan again the same way: spec_path, paths, seed,
 * refreshed, targets, excludes; and left_alone, for renderers. Each optional. */
static int dec_asked(struct sp_jdec *d, json_t *root, struct sp_saved_plan *sp)
{
	json_t *v;

	if (sp_jdec_str(d, root, "spec_path", SP_JNULL, &sp->spec_path) < 0 ||
	    sp_jdec_member(d, root, "paths", SP_JINTEGER, 0, &v) < 0)
		return SP_EINVAL;
	if (v && (json_integer_value(v) < 1 || json_integer_value(v) > 100000))
		return sp_jdec_fail_in(d, "paths", "must be between 1 and 100000");
	sp->paths = v ? (int)json_integer_value(v) : 0;
	if (sp_jdec_member(d, root, "seed", SP_JINTEGER, 0, &v) < 0)
		return SP_EINVAL;
	if (v && json_integer_value(v) < 0)
		return sp_jdec_fail_in(d, "seed", "must not be negative");
	sp->has_seed = v != NULL;
	sp->seed = v ? (uint64_t)json_integer_value(v) : 0;
	sp->refreshed = 1;
	if (sp_jdec_bool(d, root, "refreshed", 0, &sp->refreshed) < 0)
		return SP_EINVAL;
	if (dec_strings(d, root, "targets", &sp->targets, &sp->ntargets) < 0 ||
	    dec_strings(d, root, "excludes", &sp->excludes, &sp->nexcludes) < 0 ||
	    dec_strings(d, root, "left_alone", &sp->left_alone, &sp->nleft_alone) < 0)
		return SP_EINVAL;
	return 0;
}

int sp_plan_from_json(struct sp_saved_plan *sp, const char *text, size_t len, const char *origin, struct sp_err *err)
{
	json_t *root, *v, *st, *pr, *rc;
	struct sp_jdec d;
	int ret = SP_EINVAL;

	memset(sp, 0, sizeof(*sp));
	sp_arena_init(&sp->arena);
	sp_jdec_init(&d, origin, &sp->arena, err, SP_JDEC_TERSE);
	if (!(root = sp_json_parse(text, len, origin, "not a plan file", err)))
		return SP_EINVAL;
	if (!json_is_object(root)) {
		sp_jdec_fail(&d, "not a plan file: the top level must be an object");
		goto out;
	}
	if (dec_format(&d, root, &sp->format) < 0)
		goto out;
	if (!(v = need(&d, root, "spec_digest", SP_JSTRING, 0)))
		goto out;
	snprintf(sp->spec_digest, sizeof(sp->spec_digest), "%s", json_string_value(v));
	if (!(v = need(&d, root, "spec", SP_JSTRING, 1)))
		goto out;
	sp->spec_name = json_is_string(v) ? sp_arena_strdup(&sp->arena, json_string_value(v)) : NULL;
	if (dec_asked(&d, root, sp) < 0)
		goto out;
	if (!(v = need(&d, root, "at", SP_JSTRING, 0)))
		goto out;
	snprintf(sp->at, sizeof(sp->at), "%s", json_string_value(v));
	if (!(v = need(&d, root, "percentile", SP_JNUMBER, 0)))
		goto out;
	sp->percentile = json_number_value(v);
	if (!(st = need(&d, root, "state", SP_JOBJECT, 0)) || !(pr = need(&d, root, "provider", SP_JOBJECT, 0)) ||
	    !(rc = need(&d, root, "resource_changes", SP_JARRAY, 0)))
		goto out;
	if (dec_where(&d, st, pr, sp) < 0 || dec_cost(&d, root, &sp->cost) < 0 || dec_changes(&d, rc, sp) < 0)
		goto out;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

void sp_saved_plan_free(struct sp_saved_plan *sp)
{
	sp_arena_free(&sp->arena);
	memset(sp, 0, sizeof(*sp));
}
