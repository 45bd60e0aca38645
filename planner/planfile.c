/* The plan document (planner/planfile.h, docs/plan-format.md). */
#include "planner/planfile.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/cost.h"
#include "providers/state_json.h"

/* ---- encoding ------------------------------------------------------------- */

static json_t *jnum(double v)
{
	if (v == floor(v) && fabs(v) < 9007199254740992.0)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* Money to the cent, so the bytes do not depend on summation noise. */
static json_t *jmoney(double v)
{
	double c = round(v * 100) / 100;
	if (c == 0)
		c = 0; /* no "-0" */
	return jnum(c);
}

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *attr_value(const struct sp_attr *a)
{
	switch (a->type) {
	case SP_ATTR_STR: return json_string(a->s);
	case SP_ATTR_BOOL: return json_boolean(a->n != 0);
	case SP_ATTR_NUM: return jnum(a->n);
	}
	return json_null();
}

static json_t *attr_map(const struct sp_resource *r)
{
	json_t *o;
	if (!r)
		return json_null();
	o = json_object();
	for (size_t i = 0; i < r->nattrs; i++)
		json_object_set_new(o, r->attrs[i].key, attr_value(&r->attrs[i]));
	return o;
}

static json_t *deps(const struct sp_resource *r)
{
	json_t *a;
	if (!r)
		return json_null();
	a = json_array();
	for (size_t i = 0; i < r->ndeps; i++)
		json_array_append_new(a, json_string(r->depends_on[i]));
	return a;
}

static json_t *force_new(const struct sp_resource *r)
{
	json_t *a = json_array();
	for (size_t i = 0; r && i < r->nattrs; i++)
		if (r->attrs[i].force_new)
			json_array_append_new(a, json_string(r->attrs[i].key));
	return a;
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

static json_t *change_json(const struct sp_change *c, const struct sp_catalog *cat)
{
	const struct sp_resource *r = c->after ? c->after : c->before;
	json_t *o = json_object(), *ch = json_object(), *attrs = json_array(), *lc = json_object(),
	       *dp = json_object(), *cost = json_object();

	json_object_set_new(o, "address", json_string(c->address));
	json_object_set_new(o, "type", json_string(r->type));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "region", json_string(r->region));
	json_object_set_new(ch, "actions", actions(c->action));
	json_object_set_new(ch, "before", attr_map(c->before));
	json_object_set_new(ch, "after", attr_map(c->after));
	for (size_t i = 0; i < c->nattrs; i++) {
		const struct sp_attr_change *ac = &c->attrs[i];
		json_t *a = json_object();
		json_object_set_new(a, "name", json_string(ac->key));
		json_object_set_new(a, "before", ac->before ? attr_value(ac->before) : json_null());
		json_object_set_new(a, "after", ac->after ? attr_value(ac->after) : json_null());
		json_object_set_new(a, "forces_replace", json_boolean(ac->forces_replace));
		json_array_append_new(attrs, a);
	}
	json_object_set_new(ch, "changed_attributes", attrs);
	json_object_set_new(o, "change", ch);
	json_object_set_new(dp, "before", deps(c->before));
	json_object_set_new(dp, "after", deps(c->after));
	json_object_set_new(o, "depends_on", dp);
	json_object_set_new(o, "force_new", force_new(r));
	json_object_set_new(lc, "prevent_destroy", json_boolean(r->prevent_destroy));
	json_object_set_new(lc, "allow_zero", json_boolean(r->allow_zero));
	json_object_set_new(o, "lifecycle", lc);
	if (cat) {
		double b = c->before ? sp_cost_resource(cat, c->before) : 0;
		double a = c->after ? sp_cost_resource(cat, c->after) : 0;
		json_object_set_new(cost, "monthly_before", jmoney(b));
		json_object_set_new(cost, "monthly_after", jmoney(a));
		json_object_set_new(o, "cost", cost);
	} else {
		json_decref(cost);
	}
	return o;
}

int sp_plan_to_json(const struct sp_plan *p, char **out, struct sp_err *err)
{
	json_t *root = json_object(), *st = json_object(), *pr = json_object(), *rc = json_array(),
	       *sum = json_object(), *tg = json_array(), *ex = json_array();
	struct sp_plan_cost cost;

	json_object_set_new(root, "format_version", json_integer(SP_PLAN_FORMAT_VERSION));
	json_object_set_new(root, "scaleplan_version", json_string(SP_VERSION));
	json_object_set_new(root, "spec", jstr_or_null(p->spec->name));
	json_object_set_new(root, "spec_digest", json_string(p->spec_digest));
	json_object_set_new(root, "at", json_string(p->at));
	json_object_set_new(root, "percentile", jnum(p->forecast->pcts[p->pct]));
	json_object_set_new(root, "paths", json_integer(p->forecast->paths));
	json_object_set_new(root, "seed", json_integer((json_int_t)p->forecast->seed));
	json_object_set_new(root, "refreshed", json_boolean(p->refreshed));
	json_object_set_new(st, "backend", json_string("local"));
	json_object_set_new(st, "path", json_string(p->state_path));
	json_object_set_new(st, "lineage", p->state->serial ? json_string(p->state->lineage) : json_null());
	json_object_set_new(st, "serial", json_integer((json_int_t)p->state->serial));
	json_object_set_new(root, "state", st);
	json_object_set_new(pr, "kind", json_string("local"));
	json_object_set_new(pr, "path", json_string(p->infra_path));
	json_object_set_new(root, "provider", pr);
	for (size_t i = 0; i < p->ntargets; i++)
		json_array_append_new(tg, json_string(p->targets[i]));
	for (size_t i = 0; i < p->nexcludes; i++)
		json_array_append_new(ex, json_string(p->excludes[i]));
	json_object_set_new(root, "targets", tg);
	json_object_set_new(root, "excludes", ex);
	json_t *la = json_array();
	for (size_t i = 0; i < p->nleft_alone; i++)
		json_array_append_new(la, json_string(p->left_alone[i]));
	json_object_set_new(root, "left_alone", la);
	for (int a = 0; a < 5; a++)
		json_object_set_new(sum, sp_action_names[a], json_integer((json_int_t)p->diff.counts[a]));
	json_object_set_new(root, "summary", sum);
	for (size_t i = 0; i < p->diff.n; i++)
		json_array_append_new(rc, change_json(&p->diff.v[i], p->catalog));
	json_object_set_new(root, "resource_changes", rc);
	sp_plan_cost_fill(&cost, p);
	json_object_set_new(root, "cost", cost_block(&cost));

	/* every real with the fewest digits that read back to it, so what
	 * apply reads is exactly what plan saw */
	int ret = sp_json_dump(root, SP_JSON_ASCII, out, err);
	json_decref(root);
	return ret;
}

/* ---- decoding ------------------------------------------------------------- */

struct dec {
	const char *origin;
	struct sp_err *err;
	struct sp_arena *a;
	char path[512];
};

static int bad(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct dec *d, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sp_err_set(d->err, SP_EINVAL, d->origin, 0, 0, "%s%s%s", d->path, d->path[0] ? ": " : "", msg);
}

static json_t *need(struct dec *d, json_t *o, const char *key, json_type t, int nullable)
{
	static const char *const names[] = { "an object", "an array", "a string", "an integer",
					     "a number", "true", "false", "null" };
	json_t *v = json_object_get(o, key);
	size_t mark = strlen(d->path);
	snprintf(d->path + mark, sizeof(d->path) - mark, "%s%s", mark ? "." : "", key);
	if (!v) {
		bad(d, "missing");
		return NULL;
	}
	if (nullable && json_is_null(v)) {
		d->path[mark] = '\0';
		return v;
	}
	if (!(json_typeof(v) == t || (t == JSON_REAL && json_is_number(v)) ||
	      (t == JSON_TRUE && json_is_boolean(v)))) {
		bad(d, "must be %s", t == JSON_TRUE ? "a boolean" : names[t]);
		return NULL;
	}
	d->path[mark] = '\0';
	return v;
}

static int dec_attrs(struct dec *d, json_t *map, json_t *fnew, struct sp_resource *r)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	r->attrs = SP_NEWN(d->a, struct sp_attr, json_object_size(map) + 1);
	json_object_foreach(map, key, v) {
		struct sp_attr *at = &r->attrs[n++];
		at->key = sp_arena_strdup(d->a, key);
		if (json_is_string(v)) {
			at->type = SP_ATTR_STR;
			at->s = sp_arena_strdup(d->a, json_string_value(v));
		} else if (json_is_boolean(v)) {
			at->type = SP_ATTR_BOOL;
			at->n = json_is_true(v);
		} else if (json_is_number(v)) {
			at->type = SP_ATTR_NUM;
			at->n = json_number_value(v);
		} else {
			size_t mark = strlen(d->path);
			snprintf(d->path + mark, sizeof(d->path) - mark, ".%s", key);
			return bad(d, "must be a string, a number or a boolean");
		}
		for (size_t k = 0; k < json_array_size(fnew); k++)
			if (json_is_string(json_array_get(fnew, k)) &&
			    !strcmp(json_string_value(json_array_get(fnew, k)), key))
				at->force_new = 1;
	}
	r->nattrs = n;
	return 0;
}

static int dec_deps(struct dec *d, json_t *arr, struct sp_resource *r)
{
	r->depends_on = SP_NEWN(d->a, const char *, json_array_size(arr) + 1);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_string(v))
			return bad(d, "depends_on[%zu] must be a string", i);
		r->depends_on[r->ndeps++] = sp_arena_strdup(d->a, json_string_value(v));
	}
	return 0;
}

static int dec_change(struct dec *d, json_t *o, struct sp_change *c)
{
	json_t *addr, *type, *name, *region, *ch, *acts, *before, *after, *dp, *fnew, *lc, *pd, *az;
	const char *ptype, *pname, *pregion;
	size_t mark = strlen(d->path);
	struct sp_resource *r[2] = { NULL, NULL };

	if (!json_is_object(o))
		return bad(d, "must be an object");
	if (!(addr = need(d, o, "address", JSON_STRING, 0)) || !(type = need(d, o, "type", JSON_STRING, 0)) ||
	    !(name = need(d, o, "name", JSON_STRING, 0)) || !(region = need(d, o, "region", JSON_STRING, 0)) ||
	    !(ch = need(d, o, "change", JSON_OBJECT, 0)) || !(dp = need(d, o, "depends_on", JSON_OBJECT, 0)) ||
	    !(fnew = need(d, o, "force_new", JSON_ARRAY, 0)) || !(lc = need(d, o, "lifecycle", JSON_OBJECT, 0)))
		return -1;
	c->address = sp_arena_strdup(d->a, json_string_value(addr));
	if (sp_resource_parse_address(d->a, c->address, &ptype, &pname, &pregion) < 0 ||
	    strcmp(ptype, json_string_value(type)) || strcmp(pname, json_string_value(name)) ||
	    strcmp(pregion, json_string_value(region)))
		return bad(d, "address '%s' does not match its type, name and region", c->address);
	snprintf(d->path + mark, sizeof(d->path) - mark, ".lifecycle");
	if (!(pd = need(d, lc, "prevent_destroy", JSON_TRUE, 0)) || !(az = need(d, lc, "allow_zero", JSON_TRUE, 0)))
		return -1;
	snprintf(d->path + mark, sizeof(d->path) - mark, ".change");
	if (!(acts = need(d, ch, "actions", JSON_ARRAY, 0)) || !(before = need(d, ch, "before", JSON_OBJECT, 1)) ||
	    !(after = need(d, ch, "after", JSON_OBJECT, 1)))
		return -1;
	{
		const char *a0 = json_string_value(json_array_get(acts, 0));
		const char *a1 = json_string_value(json_array_get(acts, 1));
		size_t na = json_array_size(acts);
		if (na == 1 && a0 && !strcmp(a0, "no-op"))
			c->action = SP_ACT_NOOP;
		else if (na == 1 && a0 && !strcmp(a0, "create"))
			c->action = SP_ACT_CREATE;
		else if (na == 1 && a0 && !strcmp(a0, "update"))
			c->action = SP_ACT_UPDATE;
		else if (na == 1 && a0 && !strcmp(a0, "delete"))
			c->action = SP_ACT_DELETE;
		else if (na == 2 && a0 && a1 && !strcmp(a0, "delete") && !strcmp(a1, "create"))
			c->action = SP_ACT_REPLACE;
		else
			return bad(d, "actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
				      "[\"delete\",\"create\"]");
	}
	if (json_is_null(before) != (c->action == SP_ACT_CREATE) ||
	    json_is_null(after) != (c->action == SP_ACT_DELETE))
		return bad(d, "before and after do not fit the actions");
	for (int k = 0; k < 2; k++) {
		json_t *map = k ? after : before, *dl;
		if (json_is_null(map))
			continue;
		r[k] = SP_NEW(d->a, struct sp_resource);
		r[k]->address = c->address;
		r[k]->type = ptype;
		r[k]->name = pname;
		r[k]->region = pregion;
		r[k]->prevent_destroy = json_is_true(pd);
		r[k]->allow_zero = json_is_true(az);
		snprintf(d->path + mark, sizeof(d->path) - mark, ".change.%s", k ? "after" : "before");
		if (dec_attrs(d, map, fnew, r[k]) < 0)
			return -1;
		snprintf(d->path + mark, sizeof(d->path) - mark, ".depends_on");
		if (!(dl = need(d, dp, k ? "after" : "before", JSON_ARRAY, 0)))
			return -1;
		if (dec_deps(d, dl, r[k]) < 0)
			return -1;
		sp_resource_sort(r[k]);
	}
	d->path[mark] = '\0';
	c->before = r[0];
	c->after = r[1];
	return 0;
}

/* The cost block: what apply records in the state for the next plan. */
static int dec_cost(struct dec *d, json_t *root, struct sp_plan_cost *c)
{
	json_t *cost, *cur, *h, *tot, *v;
	const char *key;
	int k = 0;

	if (!(cost = need(d, root, "cost", JSON_OBJECT, 0)))
		return -1;
	strcpy(d->path, "cost");
	if (!(cur = need(d, cost, "currency", JSON_STRING, 0)) || !(h = need(d, cost, "horizon", JSON_OBJECT, 0)))
		return -1;
	c->currency = sp_arena_strdup(d->a, json_string_value(cur));
	strcpy(d->path, "cost.horizon");
	if (!(tot = need(d, h, "total", JSON_OBJECT, 0)))
		return -1;
	strcpy(d->path, "cost.horizon.total");
	json_object_foreach(tot, key, v) {
		char *end;
		double pct = key[0] == 'p' ? strtod(key + 1, &end) : -1;
		if (k >= 3 || key[0] != 'p' || *end || !(pct > 0 && pct < 100) || !json_is_number(v))
			return bad(d, "must hold three percentiles like \"p50\": number");
		c->pct[k] = pct;
		c->horizon[k++] = json_number_value(v);
	}
	if (k != 3)
		return bad(d, "must hold three percentiles like \"p50\": number");
	d->path[0] = '\0';
	return 0;
}

int sp_plan_from_json(struct sp_saved_plan *sp, const char *text, size_t len, const char *origin, struct sp_err *err)
{
	json_error_t je;
	json_t *root, *v, *st, *pr, *rc, *lin, *ser;
	struct dec d = { origin, err, &sp->arena, "" };
	int ret = SP_EINVAL;

	memset(sp, 0, sizeof(*sp));
	sp_arena_init(&sp->arena);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return sp_err_set(err, SP_EINVAL, origin, je.line, je.column, "not a plan file: %s", je.text);
	if (!json_is_object(root)) {
		bad(&d, "not a plan file: the top level must be an object");
		goto out;
	}
	if (!(v = need(&d, root, "format_version", JSON_INTEGER, 0)))
		goto out;
	if (json_integer_value(v) != SP_PLAN_FORMAT_VERSION) {
		bad(&d, "plan format %" JSON_INTEGER_FORMAT " is not supported; this scaleplan reads format %d",
		    json_integer_value(v), SP_PLAN_FORMAT_VERSION);
		goto out;
	}
	if (!(v = need(&d, root, "spec_digest", JSON_STRING, 0)))
		goto out;
	snprintf(sp->spec_digest, sizeof(sp->spec_digest), "%s", json_string_value(v));
	if (!(v = need(&d, root, "spec", JSON_STRING, 1)))
		goto out;
	sp->spec_name = json_is_string(v) ? sp_arena_strdup(&sp->arena, json_string_value(v)) : NULL;
	if (!(v = need(&d, root, "at", JSON_STRING, 0)))
		goto out;
	snprintf(sp->at, sizeof(sp->at), "%s", json_string_value(v));
	if (!(v = need(&d, root, "percentile", JSON_REAL, 0)))
		goto out;
	sp->percentile = json_number_value(v);
	if (!(st = need(&d, root, "state", JSON_OBJECT, 0)) || !(pr = need(&d, root, "provider", JSON_OBJECT, 0)) ||
	    !(rc = need(&d, root, "resource_changes", JSON_ARRAY, 0)))
		goto out;
	strcpy(d.path, "state");
	if (!(v = need(&d, st, "path", JSON_STRING, 0)) || !(lin = need(&d, st, "lineage", JSON_STRING, 1)) ||
	    !(ser = need(&d, st, "serial", JSON_INTEGER, 0)))
		goto out;
	sp->state_path = sp_arena_strdup(&sp->arena, json_string_value(v));
	if (json_is_string(lin))
		snprintf(sp->lineage, sizeof(sp->lineage), "%s", json_string_value(lin));
	if (json_integer_value(ser) < 0) {
		bad(&d, "serial must not be negative");
		goto out;
	}
	sp->serial = (uint64_t)json_integer_value(ser);
	strcpy(d.path, "provider");
	if (!(v = need(&d, pr, "path", JSON_STRING, 0)))
		goto out;
	sp->infra_path = sp_arena_strdup(&sp->arena, json_string_value(v));
	d.path[0] = '\0';
	if (dec_cost(&d, root, &sp->cost) < 0)
		goto out;

	sp->diff.v = SP_NEWN(&sp->arena, struct sp_change, json_array_size(rc) + 1);
	for (size_t i = 0; i < json_array_size(rc); i++) {
		struct sp_change *c = &sp->diff.v[sp->diff.n];
		snprintf(d.path, sizeof(d.path), "resource_changes[%zu]", i);
		if (dec_change(&d, json_array_get(rc, i), c) < 0)
			goto out;
		if (sp->diff.n && strcmp(sp->diff.v[sp->diff.n - 1].address, c->address) >= 0) {
			bad(&d, "resource changes must be sorted by address, each address once");
			goto out;
		}
		sp->diff.counts[c->action]++;
		sp->diff.n++;
	}
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
