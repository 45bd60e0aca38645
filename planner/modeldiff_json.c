/* The change to the model read back from its JSON (sp_modeldiff_json,
 * docs/diff-format.md), as a plan file made with plan --base holds it under
 * "base", so that a renderer shows it as plan --base did
 * (planner/render_modeldiff.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/xalloc.h"
#include "planner/render_modeldiff.h"

static const char *const change_names[] = { "added", "removed", "changed", "resized", "unchanged", NULL };
static const char *const level_keys[] = { "within", "over_high", "over_p50", NULL };
static const char *const gate_names[] = { "budget", "slo-risk", "cost-increase", NULL };

/* Member key of obj as a number; null (with SP_JNULL) or absent leaves *out. */
static int num(struct sp_jdec *d, json_t *obj, const char *key, int flags, double *out)
{
	json_t *v;
	int rc = sp_jdec_member(d, obj, key, SP_JNUMBER, flags, &v);
	if (rc == 0 && v)
		*out = json_number_value(v);
	return rc;
}

/* A "YYYY-MM" member as a month index from md->start; null: -1. */
static int month_idx(struct sp_jdec *d, const struct sp_modeldiff *md, json_t *obj, const char *key, int *out)
{
	const char *s = NULL;
	sp_month m;
	int rc = sp_jdec_str(d, obj, key, SP_JREQ | SP_JNULL, &s);
	if (rc)
		return rc;
	*out = -1;
	if (!s)
		return 0;
	if (sp_month_parse(s, &m) < 0)
		return sp_jdec_fail_in(d, key, "'%s' is not a month (YYYY-MM)", s);
	*out = (int)(m - md->start);
	return 0;
}

/* One of names (NULL-terminated) by its string: its index. */
static int one_of(struct sp_jdec *d, json_t *obj, const char *key, const char *const *names, int *out)
{
	const char *s = NULL;
	int rc = sp_jdec_str(d, obj, key, SP_JREQ, &s);
	if (rc)
		return rc;
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], s)) {
			*out = i;
			return 0;
		}
	return sp_jdec_fail_in(d, key, "unknown value '%s'", s);
}

static int side_from(struct sp_jdec *d, json_t *o, struct sp_md_side *s)
{
	json_t *h;
	const char *a = NULL, *b = NULL;
	sp_month ma, mb;
	int rc;

	if ((rc = sp_jdec_object(d, o, NULL)) || (rc = sp_jdec_bool(d, o, "found", SP_JREQ, &s->found)) ||
	    (rc = sp_jdec_str(d, o, "label", SP_JNULL, &s->label)) ||
	    (rc = sp_jdec_str(d, o, "commit", SP_JNULL, &s->commit)) ||
	    (rc = sp_jdec_str(d, o, "path", SP_JNULL, &s->path)) ||
	    (rc = sp_jdec_str(d, o, "renamed_from", SP_JNULL, &s->renamed_from)) ||
	    (rc = sp_jdec_str(d, o, "how", SP_JNULL, &s->how)) || (rc = sp_jdec_bool(d, o, "dirty", 0, &s->dirty)) ||
	    (rc = sp_jdec_str(d, o, "spec", SP_JNULL, &s->spec_name)) ||
	    (rc = sp_jdec_str(d, o, "catalog", SP_JNULL, &s->catalog)) ||
	    (rc = sp_jdec_str(d, o, "catalog_as_of", SP_JNULL, &s->catalog_as_of)) ||
	    (rc = sp_jdec_member(d, o, "horizon", SP_JOBJECT, SP_JNULL, &h)))
		return rc;
	s->start = SP_NO_MONTH;
	if (!h)
		return 0;
	size_t mark = sp_jdec_push_key(d, "horizon");
	if ((rc = sp_jdec_str(d, h, "start", SP_JREQ, &a)) || (rc = sp_jdec_str(d, h, "end", SP_JREQ, &b)))
		goto out;
	if (sp_month_parse(a, &ma) < 0 || sp_month_parse(b, &mb) < 0 || mb < ma) {
		rc = sp_jdec_fail(d, "not a horizon: '%s'..'%s'", a, b);
		goto out;
	}
	s->start = ma;
	s->months = (int)(mb - ma) + 1;
out:
	sp_jdec_pop(d, mark);
	return rc;
}

/* {"base": a, "head": b}: each a number or null; has[k] = not null. */
static int pair_from(struct sp_jdec *d, json_t *o, const char *key, double v[2], int has[2])
{
	json_t *p;
	int rc = sp_jdec_member(d, o, key, SP_JOBJECT, SP_JREQ, &p);
	if (rc)
		return rc;
	size_t mark = sp_jdec_push_key(d, key);
	for (int k = 0; k < 2 && rc == 0; k++) {
		const char *side = k ? "head" : "base";
		v[k] = 0;
		rc = num(d, p, side, SP_JREQ | SP_JNULL, &v[k]);
		if (has)
			has[k] = !json_is_null(json_object_get(p, side));
	}
	sp_jdec_pop(d, mark);
	return rc;
}

/* "capacity" or "shards": now and horizon into cap[].units or .shards. */
static int cap_from(struct sp_jdec *d, json_t *o, const char *key, struct sp_md_component *c, int shards)
{
	json_t *x;
	double now[2], end[2];
	int rc = sp_jdec_member(d, o, key, SP_JOBJECT, SP_JREQ, &x);
	if (rc)
		return rc;
	size_t mark = sp_jdec_push_key(d, key);
	if ((rc = pair_from(d, x, "now", now, NULL)) == 0 && (rc = pair_from(d, x, "horizon", end, NULL)) == 0)
		for (int k = 0; k < 2; k++) {
			*(shards ? &c->now[k].shards : &c->now[k].units) = now[k];
			*(shards ? &c->end[k].shards : &c->end[k].units) = end[k];
		}
	sp_jdec_pop(d, mark);
	return rc;
}

static int component_from(struct sp_jdec *d, struct sp_modeldiff *md, json_t *o, struct sp_md_component *c)
{
	json_t *keys, *risk;
	int ch = 0, rc;
	size_t plen;
	char *prefix;

	c->risk[0] = c->risk[1] = -1;
	if ((rc = sp_jdec_object(d, o, NULL)) || (rc = sp_jdec_str(d, o, "name", SP_JREQ | SP_JNONEMPTY, &c->name)) ||
	    (rc = sp_jdec_str(d, o, "section", SP_JREQ | SP_JNONEMPTY, &c->section)) ||
	    (rc = sp_jdec_str(d, o, "kind", SP_JREQ, &c->kind)) ||
	    (rc = one_of(d, o, "change", change_names, &ch)) ||
	    (rc = sp_jdec_str(d, o, "unit", SP_JREQ, &c->unit)) ||
	    (rc = sp_jdec_member(d, o, "keys", SP_JARRAY, SP_JREQ, &keys)))
		return rc;
	c->change = (enum sp_md_change)ch;
	prefix = sp_arena_printf(&md->arena, "%s.%s.", c->section, c->name);
	plen = strlen(prefix);
	c->nkeys = json_array_size(keys);
	c->keys = sp_arena_array(&md->arena, c->nkeys ? c->nkeys : 1, sizeof(*c->keys));
	size_t mark = sp_jdec_push_key(d, "keys");
	for (size_t k = 0; k < c->nkeys; k++) {
		json_t *v = json_array_get(keys, k);
		size_t m2 = sp_jdec_push_idx(d, k);
		if (!json_is_string(v) || strncmp(json_string_value(v), prefix, plen)) {
			rc = sp_jdec_fail(d, "must be a key of '%.*s'", (int)plen - 1, prefix);
			sp_jdec_pop(d, mark);
			return rc;
		}
		c->keys[k] = sp_arena_strdup(&md->arena, json_string_value(v) + plen);
		sp_jdec_pop(d, m2);
	}
	sp_jdec_pop(d, mark);
	if (*c->unit && (rc = cap_from(d, o, "capacity", c, 0)))
		return rc;
	if (!strcmp(c->section, "datastores") && (rc = cap_from(d, o, "shards", c, 1)))
		return rc;
	if ((rc = pair_from(d, o, "monthly_cost", c->cost_now, c->has)))
		return rc;
	if (strcmp(c->section, "services"))
		return 0;
	if ((rc = sp_jdec_member(d, o, "slo_risk", SP_JOBJECT, SP_JREQ, &risk)))
		return rc;
	mark = sp_jdec_push_key(d, "slo_risk");
	for (int k = 0; k < 2 && rc == 0; k++) {
		json_t *r;
		const char *side = k ? "head" : "base";
		rc = sp_jdec_member(d, risk, side, SP_JOBJECT, SP_JREQ | SP_JNULL, &r);
		if (rc || !r)
			continue;
		size_t m2 = sp_jdec_push_key(d, side);
		if ((rc = month_idx(d, md, r, "month", &c->risk[k])) == 0)
			rc = num(d, r, "share", SP_JREQ, &c->risk_share[k]);
		sp_jdec_pop(d, m2);
	}
	sp_jdec_pop(d, mark);
	return rc;
}

/* {"p10": x, "p50": y, "p90": z}: the percentiles into md->pcts (once) and the figures into v. */
static int band_from(struct sp_jdec *d, struct sp_modeldiff *md, json_t *o, const char *key, double v[3], int first)
{
	json_t *b, *x;
	const char *k;
	int i = 0, rc = sp_jdec_member(d, o, key, SP_JOBJECT, SP_JREQ, &b);
	if (rc)
		return rc;
	size_t mark = sp_jdec_push_key(d, key);
	if (json_object_size(b) != 3)
		rc = sp_jdec_fail(d, "must have 3 percentiles, not %zu", json_object_size(b));
	json_object_foreach(b, k, x) {
		char *end;
		double p = k[0] == 'p' ? strtod(k + 1, &end) : 0;
		if (rc)
			break;
		if (k[0] != 'p' || end == k + 1 || *end || (!first && p != md->pcts[i])) {
			rc = sp_jdec_fail_in(d, k, "unexpected key");
			break;
		}
		if (first)
			md->pcts[i] = p;
		if ((rc = num(d, b, k, SP_JREQ, &v[i])))
			break;
		i++;
	}
	sp_jdec_pop(d, mark);
	return rc;
}

static int budget_from(struct sp_jdec *d, struct sp_modeldiff *md, json_t *o, struct sp_md_budget *b)
{
	int rc;
	if ((rc = sp_jdec_object(d, o, NULL)) || (rc = sp_jdec_str(d, o, "key", SP_JREQ | SP_JNONEMPTY, &b->key)))
		return rc;
	for (int k = 0; k < 2 && rc == 0; k++) {
		json_t *s;
		const char *side = k ? "head" : "base";
		int lv = 0;
		double months = 0;
		if ((rc = sp_jdec_member(d, o, side, SP_JOBJECT, SP_JREQ, &s)))
			break;
		size_t mark = sp_jdec_push_key(d, side);
		b->limit[k] = b->worst[k] = 0;
		if (!(rc = num(d, s, "limit", SP_JREQ | SP_JNULL, &b->limit[k])) &&
		    !(rc = one_of(d, s, "level", level_keys, &lv)) && !(rc = month_idx(d, md, s, "first_month", &b->first[k])) &&
		    !(rc = num(d, s, "months", SP_JREQ, &months)))
			rc = num(d, s, "worst", SP_JREQ | SP_JNULL, &b->worst[k]);
		b->level[k] = (enum sp_md_level)lv;
		b->nmonths[k] = (int)months;
		sp_jdec_pop(d, mark);
	}
	return rc;
}

static int gates_from(struct sp_jdec *d, json_t *arr, struct sp_gate_report *g)
{
	int rc = 0;
	size_t mark = sp_jdec_push_key(d, "gates");

	memset(g, 0, sizeof(*g));
	if (json_array_size(arr) > sizeof(g->v) / sizeof(g->v[0])) {
		rc = sp_jdec_fail(d, "more than %zu gates", sizeof(g->v) / sizeof(g->v[0]));
		goto out;
	}
	for (size_t i = 0; i < json_array_size(arr) && rc == 0; i++) {
		json_t *o = json_array_get(arr, i);
		struct sp_gate_result *r = &g->v[i];
		const char *name = NULL, *detail = NULL;
		int which = 0;
		size_t m2 = sp_jdec_push_idx(d, i);
		if (!(rc = sp_jdec_object(d, o, NULL)) && !(rc = one_of(d, o, "gate", gate_names, &which)) &&
		    !(rc = sp_jdec_str(d, o, "name", SP_JREQ | SP_JNONEMPTY, &name)) &&
		    !(rc = sp_jdec_bool(d, o, "tripped", SP_JREQ, &r->tripped)) &&
		    !(rc = sp_jdec_str(d, o, "detail", SP_JREQ, &detail))) {
			r->gate = gate_names[which];
			snprintf(r->name, sizeof(r->name), "%s", name);
			snprintf(r->detail, sizeof(r->detail), "%s", detail);
			g->tripped |= r->tripped;
			g->n++;
		}
		sp_jdec_pop(d, m2);
	}
out:
	sp_jdec_pop(d, mark);
	return rc;
}

int sp_modeldiff_from_json(struct sp_modeldiff *md, struct sp_gate_report *gates, int *has_gates, json_t *doc,
			   const char *origin, struct sp_err *err)
{
	struct sp_jdec d;
	json_t *h, *sum, *comps, *set, *cost, *mn, *hz, *buds, *newly, *g;
	const char *a = NULL, *cur = NULL;
	double v;
	int rc;

	memset(md, 0, sizeof(*md));
	memset(gates, 0, sizeof(*gates));
	*has_gates = 0;
	sp_arena_init(&md->arena);
	sp_jdec_init(&d, origin, &md->arena, err, SP_JDEC_MUST_BE);
	sp_jdec_push_key(&d, "base");
	if ((rc = sp_jdec_object(&d, doc, NULL)))
		return rc;
	v = 0;
	if ((rc = num(&d, doc, "format_version", SP_JREQ, &v)))
		return rc;
	if (v != SP_MD_FORMAT_VERSION)
		return sp_jdec_fail_in(&d, "format_version", "version %g, but this scaleplan reads version %d", v,
				       SP_MD_FORMAT_VERSION);
	for (int k = 0; k < 2; k++) {
		json_t *s;
		const char *side = k ? "head" : "base";
		if ((rc = sp_jdec_member(&d, doc, side, SP_JOBJECT, SP_JREQ, &s)))
			return rc;
		size_t mark = sp_jdec_push_key(&d, side);
		rc = side_from(&d, s, &md->side[k]);
		sp_jdec_pop(&d, mark);
		if (rc)
			return rc;
	}
	if ((rc = sp_jdec_member(&d, doc, "horizon", SP_JOBJECT, SP_JREQ, &h)))
		return rc;
	size_t mark = sp_jdec_push_key(&d, "horizon");
	v = 0;
	if (!(rc = sp_jdec_str(&d, h, "start", SP_JREQ, &a)) && !(rc = num(&d, h, "months", SP_JREQ, &v)) &&
	    (sp_month_parse(a, &md->start) < 0 || v < 1 || v > 12000 || v != (int)v))
		rc = sp_jdec_fail(&d, "not a horizon: '%s', %g months", a, v);
	md->months = (int)v;
	sp_jdec_pop(&d, mark);
	if (rc)
		return rc;
	v = 0;
	if ((rc = num(&d, doc, "percentile", SP_JREQ, &md->percentile)) || (rc = num(&d, doc, "paths", SP_JREQ, &v)))
		return rc;
	md->paths = (int)v;
	if ((rc = sp_jdec_member(&d, doc, "seed", SP_JINTEGER, SP_JREQ, &g)))
		return rc;
	md->seed = (uint64_t)json_integer_value(g);
	if ((rc = sp_jdec_str(&d, doc, "currency", SP_JREQ | SP_JNULL, &cur)))
		return rc;
	md->currency = cur;

	/* the counts, then the components that changed */
	if ((rc = sp_jdec_member(&d, doc, "summary", SP_JOBJECT, SP_JREQ, &sum)))
		return rc;
	mark = sp_jdec_push_key(&d, "summary");
	for (int k = 0; k < SP_MD_NCHANGES && rc == 0; k++) {
		v = 0;
		if ((rc = num(&d, sum, sp_md_change_names[k], SP_JREQ, &v)) == 0 && (v < 0 || v != (size_t)v))
			rc = sp_jdec_fail_in(&d, sp_md_change_names[k], "must be a count");
		md->counts[k] = (size_t)v;
	}
	sp_jdec_pop(&d, mark);
	if (rc || (rc = sp_jdec_member(&d, doc, "components", SP_JARRAY, SP_JREQ, &comps)))
		return rc;
	md->n = json_array_size(comps);
	md->v = sp_xcalloc(md->n ? md->n : 1, sizeof(*md->v));
	mark = sp_jdec_push_key(&d, "components");
	for (size_t i = 0; i < md->n && rc == 0; i++) {
		size_t m2 = sp_jdec_push_idx(&d, i);
		rc = component_from(&d, md, json_array_get(comps, i), &md->v[i]);
		if (rc == 0 && md->v[i].change == SP_MD_UNCHANGED)
			rc = sp_jdec_fail_in(&d, "change", "an unchanged component is not listed");
		sp_jdec_pop(&d, m2);
	}
	sp_jdec_pop(&d, mark);
	if (rc)
		return rc;

	/* the other keys */
	if ((rc = sp_jdec_member(&d, doc, "settings", SP_JARRAY, SP_JREQ, &set)))
		return rc;
	md->nsettings = json_array_size(set);
	md->settings = sp_arena_array(&md->arena, md->nsettings ? md->nsettings : 1, sizeof(*md->settings));
	for (size_t k = 0; k < md->nsettings; k++) {
		json_t *s = json_array_get(set, k);
		if (!json_is_string(s)) {
			sp_jdec_push_key(&d, "settings");
			sp_jdec_push_idx(&d, k);
			return sp_jdec_fail(&d, "must be a string, not %s", sp_json_kind(s));
		}
		md->settings[k] = sp_arena_strdup(&md->arena, json_string_value(s));
	}

	/* the cost */
	if ((rc = sp_jdec_member(&d, doc, "cost", SP_JOBJECT, SP_JREQ, &cost)))
		return rc;
	mark = sp_jdec_push_key(&d, "cost");
	if (!(rc = sp_jdec_member(&d, cost, "monthly_now", SP_JOBJECT, SP_JREQ, &mn))) {
		size_t m2 = sp_jdec_push_key(&d, "monthly_now");
		if (!(rc = num(&d, mn, "base", SP_JREQ, &md->monthly_now[0])))
			rc = num(&d, mn, "head", SP_JREQ, &md->monthly_now[1]);
		sp_jdec_pop(&d, m2);
	}
	if (!rc && !(rc = sp_jdec_member(&d, cost, "horizon", SP_JOBJECT, SP_JREQ, &hz))) {
		size_t m2 = sp_jdec_push_key(&d, "horizon");
		if (!(rc = band_from(&d, md, hz, "base", md->horizon[0], 1)))
			rc = band_from(&d, md, hz, "head", md->horizon[1], 0);
		sp_jdec_pop(&d, m2);
	}
	sp_jdec_pop(&d, mark);
	if (rc)
		return rc;

	/* budgets, SLOs, gates */
	if ((rc = sp_jdec_member(&d, doc, "budgets", SP_JARRAY, SP_JREQ, &buds)))
		return rc;
	if (json_array_size(buds) > 2) {
		sp_jdec_push_key(&d, "budgets");
		return sp_jdec_fail(&d, "more than 2 budgets");
	}
	md->nbudgets = json_array_size(buds);
	mark = sp_jdec_push_key(&d, "budgets");
	for (size_t i = 0; i < md->nbudgets && rc == 0; i++) {
		size_t m2 = sp_jdec_push_idx(&d, i);
		rc = budget_from(&d, md, json_array_get(buds, i), &md->budgets[i]);
		if (md->budgets[i].level[SP_MD_HEAD] > md->budgets[i].level[SP_MD_BASE])
			md->newly_breached++;
		sp_jdec_pop(&d, m2);
	}
	sp_jdec_pop(&d, mark);
	if (rc || (rc = sp_jdec_member(&d, doc, "slos_newly_at_risk", SP_JARRAY, SP_JREQ, &newly)))
		return rc;
	md->newly_at_risk = json_array_size(newly);
	if ((rc = sp_jdec_member(&d, doc, "gates", SP_JARRAY, 0, &g)))
		return rc;
	if (g) {
		*has_gates = 1;
		return gates_from(&d, g, gates);
	}
	return 0;
}
