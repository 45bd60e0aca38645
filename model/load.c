/* The spec loader: reads one file, or every .yaml and .yml file of a directory, builds
 * the typed spec of model/spec.h and reports every error it finds (up to the
 * diagnostics limit) with its file, line and column. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/load_util.h"
#include "model/spec.h"
#include "model/yaml.h"

const char *const sp_class_names[] = { "web", "worker", "batch", "dev", NULL };
const char *const sp_driver_model_names[] = { "constant", "linear", "exponential", "logistic", "piecewise", NULL };
const char *const sp_cache_engine_names[] = { "redis", "memcached", "valkey", NULL };
const char *const sp_db_engine_names[] = { "postgres", "mysql", "aurora", "mongodb", "dynamodb", "cassandra", NULL };
const char *const sp_shard_strategy_names[] = { "none", "hash", "range", "directory", NULL };
const char *const sp_gpu_kind_names[] = { "inference", "training", NULL };
const char *const sp_tier_names[] = { "auto", "committed", "on_demand", "spot", NULL };
static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					    "jul", "aug", "sep", "oct", "nov", "dec", NULL };

/* The spec's private index (names -> objects), behind spec->... lookups. */
struct spec_index {
	struct sp_hmap drivers;     /* name -> driver index */
	struct sp_hmap components;  /* name -> (kind << 28) | index */
};

enum comp_kind { CK_SERVICE = 1, CK_CACHE, CK_DATASTORE, CK_QUEUE, CK_GPU };
static const char *const comp_kind_names[] = { "", "service", "cache", "datastore", "queue", "GPU workload" };

/* A (key node, value node) pair gathered from one of the files. */
struct pair {
	const struct sp_ynode *key, *val;
};

struct pairs {
	struct pair *v;
	size_t n, cap;
};

static void pairs_add(struct pairs *p, const struct sp_ynode *k, const struct sp_ynode *v)
{
	SP_GROW(p->v, p->cap, p->n + 1);
	p->v[p->n].key = k;
	p->v[p->n].val = v;
	p->n++;
}

/* Every top-level section, merged over the files of a directory. */
struct sections {
	const struct sp_ynode *single[16];      /* settings that may appear once */
	const struct sp_ynode *single_key[16];
	struct pairs drivers, services, caches, datastores, queues, tags;
	struct pairs regions;                  /* key NULL, val = list item */
	struct pairs gpu_workloads;
	const struct sp_ynode *gpu_tiers, *gpu_tiers_key;
};

enum { S_SCALEPLAN, S_NAME, S_HORIZON, S_CURRENCY, S_PROVIDER, S_STATE, S_PRICING, S_BUDGETS, S_LIFECYCLE,
       S_NSINGLE };
static const char *const single_names[] = { "scaleplan", "name", "horizon", "currency",
					    "provider", "state", "pricing", "budgets", "lifecycle" };
static const char *const top_keys[] = { "scaleplan", "name", "horizon", "currency", "provider", "state",
					"pricing", "budgets", "lifecycle", "drivers", "regions", "services", "caches",
					"datastores", "queues", "gpu", "tags", NULL };

static void free_sections(struct sections *s)
{
	free(s->drivers.v);
	free(s->services.v);
	free(s->caches.v);
	free(s->datastores.v);
	free(s->queues.v);
	free(s->tags.v);
	free(s->regions.v);
	free(s->gpu_workloads.v);
}

static void gather_map(struct sp_ld *ld, struct pairs *p, const struct sp_ynode *v, const char *what)
{
	if (v->kind == SP_Y_SCALAR && v->plain && v->len == 0)
		return; /* "services:" with nothing under it */
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	for (size_t i = 0; i < v->n; i++)
		pairs_add(p, v->keys[i], v->items[i]);
}

static void gather_seq(struct sp_ld *ld, struct pairs *p, const struct sp_ynode *v, const char *what)
{
	if (v->kind == SP_Y_SCALAR && v->plain && v->len == 0)
		return;
	if (sp_ld_is_seq(ld, v, what) < 0)
		return;
	for (size_t i = 0; i < v->n; i++)
		pairs_add(p, NULL, v->items[i]);
}

static int gather(struct sp_ld *ld, struct sections *s, const struct sp_ynode *root)
{
	if (root->kind != SP_Y_MAP) {
		sp_error(ld->d, root->pos, "a spec must be a mapping of sections (scaleplan, name, horizon, services, ...), not %s",
			 sp_ykind_name(root));
		return -1;
	}
	sp_ld_keys(ld, root, top_keys, "the spec");
	for (size_t i = 0; i < root->n; i++) {
		const char *k = root->keys[i]->str;
		const struct sp_ynode *v = root->items[i];
		int j;
		for (j = 0; j < S_NSINGLE; j++)
			if (!strcmp(k, single_names[j]))
				break;
		if (j < S_NSINGLE) {
			if (s->single[j]) {
				sp_error(ld->d, root->keys[i]->pos, "'%s' is set more than once", k);
				sp_note(ld->d, s->single_key[j]->pos, "'%s' first set here", k);
				continue;
			}
			s->single[j] = v;
			s->single_key[j] = root->keys[i];
		} else if (!strcmp(k, "drivers")) {
			gather_map(ld, &s->drivers, v, "drivers");
		} else if (!strcmp(k, "services")) {
			gather_map(ld, &s->services, v, "services");
		} else if (!strcmp(k, "caches")) {
			gather_map(ld, &s->caches, v, "caches");
		} else if (!strcmp(k, "datastores")) {
			gather_map(ld, &s->datastores, v, "datastores");
		} else if (!strcmp(k, "queues")) {
			gather_map(ld, &s->queues, v, "queues");
		} else if (!strcmp(k, "tags")) {
			gather_map(ld, &s->tags, v, "tags");
		} else if (!strcmp(k, "regions")) {
			gather_seq(ld, &s->regions, v, "regions");
		} else if (!strcmp(k, "gpu")) {
			static const char *const gk[] = { "workloads", "tiers", NULL };
			const struct sp_ynode *w, *t, *tk;
			if (v->kind == SP_Y_SCALAR && v->plain && v->len == 0)
				continue;
			if (sp_ld_is_map(ld, v, "gpu") < 0)
				continue;
			sp_ld_keys(ld, v, gk, "gpu");
			if ((w = sp_ymap_get(v, "workloads", NULL)))
				gather_seq(ld, &s->gpu_workloads, w, "gpu.workloads");
			if ((t = sp_ymap_get(v, "tiers", &tk))) {
				if (s->gpu_tiers) {
					sp_error(ld->d, tk->pos, "'gpu.tiers' is set more than once");
					sp_note(ld->d, s->gpu_tiers_key->pos, "'gpu.tiers' first set here");
				} else {
					s->gpu_tiers = t;
					s->gpu_tiers_key = tk;
				}
			}
		}
	}
	return 0;
}

/* ---- component names -------------------------------------------------------- */

/* Registers a component name, reporting a name defined twice (any kind). */
static int register_name(struct sp_ld *ld, struct spec_index *ix, const struct sp_ynode *key,
			 enum comp_kind kind, size_t idx, const struct sp_pos *const *kind_pos)
{
	uint32_t old;
	if (sp_ld_name_ok(ld, key, comp_kind_names[kind]) < 0)
		return -1;
	if (sp_hmap_put(&ix->components, key->str, ((uint32_t)kind << 28) | (uint32_t)idx, &old) == 1) {
		enum comp_kind ok = (enum comp_kind)(old >> 28);
		sp_error(ld->d, key->pos, "%s '%s' is defined more than once (names are shared by services, caches, datastores, queues and GPU workloads)",
			 comp_kind_names[kind], key->str);
		sp_note(ld->d, kind_pos[ok - 1][old & 0x0fffffff],
			"'%s' first defined here, as a %s", key->str, comp_kind_names[ok]);
		return -1;
	}
	return 0;
}

/* ---- settings ------------------------------------------------------------------- */

static void load_lifecycle(struct sp_ld *ld, const struct sp_ynode *map, struct sp_lifecycle *lc)
{
	static const char *const keys[] = { "prevent_destroy", "allow_zero", NULL };
	const struct sp_ynode *v = sp_ymap_get(map, "lifecycle", NULL);
	if (!v || sp_ld_is_map(ld, v, "lifecycle") < 0)
		return;
	sp_ld_keys(ld, v, keys, "lifecycle");
	if (sp_ld_bool(ld, v, "prevent_destroy", &lc->prevent_destroy) == 0 && lc->prevent_destroy)
		lc->prevent_destroy_pos = sp_ymap_get(v, "prevent_destroy", NULL)->pos;
	sp_ld_bool(ld, v, "allow_zero", &lc->allow_zero);
}

static void load_settings(struct sp_ld *ld, struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	const struct sp_ynode *v;

	/* scaleplan: schema version (required) */
	if (!(v = s->single[S_SCALEPLAN])) {
		sp_error(ld->d, sp->pos, "missing required key 'scaleplan' (the schema version; write 'scaleplan: %d')",
			 SP_SCHEMA_VERSION);
	} else {
		double d;
		if (sp_ld_scalar_num(ld, v, "scaleplan", SP_R_ANY, &d) == 0) {
			if (d != SP_SCHEMA_VERSION)
				sp_error(ld->d, v->pos, "unsupported schema version %s; this scaleplan reads version %d",
					 v->str, SP_SCHEMA_VERSION);
			sp->schema = (int)d;
		}
	}
	if (!(v = s->single[S_NAME])) {
		sp_error(ld->d, sp->pos, "missing required key 'name' in the spec");
	} else if (v->kind != SP_Y_SCALAR || !v->len) {
		sp_error(ld->d, v->pos, "'name' must be a non-empty string");
	} else {
		sp->name = v->str;
	}

	sp->months = 60;
	sp->lead_time_months = 1;
	if (!(v = s->single[S_HORIZON])) {
		sp_error(ld->d, sp->pos, "missing required key 'horizon' (like 'horizon: {start: 2027-01, months: 60}')");
	} else if (sp_ld_is_map(ld, v, "horizon") == 0) {
		static const char *const keys[] = { "start", "months", "lead_time_months", NULL };
		sp_ld_keys(ld, v, keys, "horizon");
		if (sp_ld_month(ld, v, "start", &sp->start) == 1)
			sp_ld_missing(ld, v, "start", "horizon");
		sp_ld_int(ld, v, "months", 1, 120, &sp->months);
		sp_ld_int(ld, v, "lead_time_months", 0, 24, &sp->lead_time_months);
	}

	sp->currency = "USD";
	if ((v = s->single[S_CURRENCY])) {
		if (v->kind != SP_Y_SCALAR || v->len != 3 || !(v->str[0] >= 'A' && v->str[0] <= 'Z') ||
		    !(v->str[1] >= 'A' && v->str[1] <= 'Z') || !(v->str[2] >= 'A' && v->str[2] <= 'Z'))
			sp_error(ld->d, v->pos, "'currency' must be an ISO 4217 code like USD or EUR");
		else
			sp->currency = v->str;
	}

	sp->provider.kind = "local";
	sp->provider.path = ".scaleplan/infra";
	if ((v = s->single[S_PROVIDER])) {
		static const char *const keys[] = { "kind", "path", NULL };
		static const char *const kinds[] = { "local", NULL };
		sp->provider.pos = v->pos;
		if (sp_ld_is_map(ld, v, "provider") == 0) {
			int k;
			sp_ld_keys(ld, v, keys, "provider");
			if (sp_ld_enum(ld, v, "kind", kinds, &k) == 1)
				sp_ld_missing(ld, v, "kind", "provider");
			sp_ld_str(ld, v, "path", &sp->provider.path, NULL);
		}
	}
	sp->state.backend = "local";
	sp->state.path = ".scaleplan/state.json";
	if ((v = s->single[S_STATE])) {
		static const char *const keys[] = { "backend", "path", NULL };
		static const char *const kinds[] = { "local", NULL };
		sp->state.pos = v->pos;
		if (sp_ld_is_map(ld, v, "state") == 0) {
			int k;
			sp_ld_keys(ld, v, keys, "state");
			if (sp_ld_enum(ld, v, "backend", kinds, &k) == 1)
				sp_ld_missing(ld, v, "backend", "state");
			sp_ld_str(ld, v, "path", &sp->state.path, NULL);
		}
	}
	sp->pricing.catalog = "aws-us-east-1";
	sp->pricing.spot_interruption_overhead = 0.1;
	if ((v = s->single[S_PRICING])) {
		static const char *const keys[] = { "catalog", "spot_discount", "spot_interruption_overhead", NULL };
		sp->pricing.pos = v->pos;
		if (sp_ld_is_map(ld, v, "pricing") == 0) {
			sp_ld_keys(ld, v, keys, "pricing");
			sp_ld_str(ld, v, "catalog", &sp->pricing.catalog, &sp->pricing.pos);
			sp_ld_num(ld, v, "spot_discount", SP_R_HALFOPEN, &sp->pricing.spot_discount);
			sp_ld_num(ld, v, "spot_interruption_overhead", SP_R_HALFOPEN,
				  &sp->pricing.spot_interruption_overhead);
		}
	}
	if ((v = s->single[S_BUDGETS])) {
		static const char *const keys[] = { "monthly_max", "total_max", NULL };
		if (sp_ld_is_map(ld, v, "budgets") == 0) {
			const struct sp_ynode *x;
			sp_ld_keys(ld, v, keys, "budgets");
			if (sp_ld_num(ld, v, "monthly_max", SP_R_POS, &sp->budgets.monthly_max) == 0 &&
			    (x = sp_ymap_get(v, "monthly_max", NULL)))
				sp->budgets.monthly_pos = x->pos;
			if (sp_ld_num(ld, v, "total_max", SP_R_POS, &sp->budgets.total_max) == 0 &&
			    (x = sp_ymap_get(v, "total_max", NULL)))
				sp->budgets.total_pos = x->pos;
		}
	}

	if ((v = s->single[S_LIFECYCLE])) {
		static const char *const keys[] = { "max_deletes", NULL };
		if (sp_ld_is_map(ld, v, "lifecycle") == 0) {
			const struct sp_ynode *x;
			sp_ld_keys(ld, v, keys, "lifecycle");
			if (sp_ld_int(ld, v, "max_deletes", 0, 1000000, &sp->lifecycle.max_deletes) == 0 &&
			    (x = sp_ymap_get(v, "max_deletes", NULL))) {
				sp->lifecycle.has_max_deletes = 1;
				sp->lifecycle.max_deletes_pos = x->pos;
			}
		}
	}

	if (s->tags.n) {
		sp->tags = SP_NEWN(ld->a, struct sp_kv, s->tags.n);
		for (size_t i = 0; i < s->tags.n; i++) {
			const struct sp_ynode *tv = s->tags.v[i].val;
			if (tv->kind != SP_Y_SCALAR) {
				sp_error(ld->d, tv->pos, "tag '%s' must be a string, not %s", s->tags.v[i].key->str,
					 sp_ykind_name(tv));
				continue;
			}
			sp->tags[sp->ntags].key = s->tags.v[i].key->str;
			sp->tags[sp->ntags].value = tv->str;
			sp->tags[sp->ntags].pos = s->tags.v[i].key->pos;
			sp->ntags++;
		}
	}
}

/* ---- drivers ---------------------------------------------------------------------- */

static void load_driver(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, struct sp_driver *d)
{
	static const char *const keys[] = { "start", "model", "unit", "monthly_growth", "annual_growth", "per_month",
					    "ceiling", "points", "uncertainty", "seasonality", "events", NULL };
	char what[96];
	int model = SP_DRV_CONSTANT;
	const struct sp_ynode *x;

	d->name = key->str;
	d->pos = key->pos;
	for (int m = 0; m < 12; m++)
		d->seasonality[m] = 1.0;
	snprintf(what, sizeof(what), "driver '%s'", key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	int mr = sp_ld_enum(ld, v, "model", sp_driver_model_names, &model);
	if (mr == 1)
		sp_ld_missing(ld, v, "model", what);
	d->model = (enum sp_driver_model)model;
	if (mr != 0) /* without a model, which keys apply is unknown: say no more */
		return;
	sp_ld_str(ld, v, "unit", &d->unit, NULL);

	/* which keys each model takes */
	static const struct {
		const char *key;
		unsigned models; /* bit per model: required (r) or allowed (a) */
		unsigned required;
	} rules[] = {
		{ "start", 0x0f, 0x0f },
		{ "monthly_growth", 0x0c, 0x08 },     /* exponential: one of monthly/annual; logistic: required */
		{ "annual_growth", 0x04, 0x00 },
		{ "per_month", 0x02, 0x02 },
		{ "ceiling", 0x08, 0x08 },
		{ "points", 0x10, 0x10 },
	};
	for (size_t i = 0; i < SP_ARRAY_LEN(rules); i++) {
		const struct sp_ynode *k;
		x = sp_ymap_get(v, rules[i].key, &k);
		if (x && !(rules[i].models & (1u << model)))
			sp_error(ld->d, k->pos, "'%s' does not apply to model '%s'", rules[i].key, sp_driver_model_names[model]);
		else if (!x && (rules[i].required & (1u << model)))
			sp_ld_missing(ld, v, rules[i].key, what);
	}
	sp_ld_num(ld, v, "start", SP_R_NONNEG, &d->start);
	sp_ld_num(ld, v, "per_month", SP_R_ANY, &d->per_month);
	if (sp_ld_num(ld, v, "monthly_growth", SP_R_ANY, &d->monthly_growth) == 0 && d->monthly_growth <= -1)
		sp_error(ld->d, sp_ymap_get(v, "monthly_growth", NULL)->pos,
			 "'monthly_growth' must be greater than -1 (a fall of 100%% or more)");
	if (sp_ld_num(ld, v, "annual_growth", SP_R_ANY, &d->annual_growth) == 0) {
		if (d->annual_growth <= -1) {
			sp_error(ld->d, sp_ymap_get(v, "annual_growth", NULL)->pos,
				 "'annual_growth' must be greater than -1 (a fall of 100%% or more)");
		} else {
			d->growth_is_annual = 1;
			d->monthly_growth = pow(1.0 + d->annual_growth, 1.0 / 12.0) - 1.0;
		}
	}
	if (model == SP_DRV_EXPONENTIAL) {
		int has_m = sp_ymap_get(v, "monthly_growth", NULL) != NULL;
		int has_a = sp_ymap_get(v, "annual_growth", NULL) != NULL;
		if (has_m && has_a)
			sp_error(ld->d, sp_ymap_get(v, "annual_growth", NULL)->pos,
				 "give either 'monthly_growth' or 'annual_growth', not both");
		else if (!has_m && !has_a)
			sp_error(ld->d, v->pos, "missing 'monthly_growth' or 'annual_growth' in %s", what);
	}
	if (model == SP_DRV_LOGISTIC) {
		if (sp_ld_num(ld, v, "ceiling", SP_R_POS, &d->ceiling) == 0 && d->ceiling <= d->start)
			sp_error(ld->d, sp_ymap_get(v, "ceiling", NULL)->pos,
				 "'ceiling' (%g) must be above 'start' (%g) for a logistic driver", d->ceiling, d->start);
		if (d->start <= 0 && sp_ymap_get(v, "start", NULL))
			sp_error(ld->d, sp_ymap_get(v, "start", NULL)->pos,
				 "'start' must be greater than 0 for a logistic driver");
	}
	if ((x = sp_ymap_get(v, "points", NULL)) && model == SP_DRV_PIECEWISE && sp_ld_is_seq(ld, x, "points") == 0) {
		static const char *const pkeys[] = { "month", "value", NULL };
		d->points = SP_NEWN(ld->a, struct sp_point, x->n);
		if (x->n == 0)
			sp_error(ld->d, x->pos, "'points' needs at least one {month, value} point");
		for (size_t i = 0; i < x->n; i++) {
			const struct sp_ynode *p = x->items[i];
			struct sp_point *pt = &d->points[d->npoints];
			if (sp_ld_is_map(ld, p, "a point") < 0)
				continue;
			sp_ld_keys(ld, p, pkeys, "a point");
			pt->pos = p->pos;
			pt->month = SP_NO_MONTH;
			if (sp_ld_month(ld, p, "month", &pt->month) != 0) {
				if (!sp_ymap_get(p, "month", NULL))
					sp_ld_missing(ld, p, "month", "a point");
				pt->month = SP_NO_MONTH;
			}
			if (sp_ld_num(ld, p, "value", SP_R_NONNEG, &pt->value) == 1)
				sp_ld_missing(ld, p, "value", "a point");
			if (d->npoints && pt->month != SP_NO_MONTH && d->points[d->npoints - 1].month != SP_NO_MONTH &&
			    pt->month <= d->points[d->npoints - 1].month) {
				sp_error(ld->d, p->pos, "points must be in increasing month order");
			}
			d->npoints++;
		}
	}
	if ((x = sp_ymap_get(v, "uncertainty", NULL)) && sp_ld_is_map(ld, x, "uncertainty") == 0) {
		static const char *const ukeys[] = { "p10", "p90", NULL };
		sp_ld_keys(ld, x, ukeys, "uncertainty");
		int r1 = sp_ld_num(ld, x, "p10", SP_R_POS, &d->p10);
		int r2 = sp_ld_num(ld, x, "p90", SP_R_POS, &d->p90);
		if (r1 == 1)
			sp_ld_missing(ld, x, "p10", "uncertainty");
		if (r2 == 1)
			sp_ld_missing(ld, x, "p90", "uncertainty");
		if (r1 == 0 && r2 == 0) {
			if (d->p10 > d->p90)
				sp_error(ld->d, x->pos, "uncertainty 'p10' (%g) must not exceed 'p90' (%g)", d->p10, d->p90);
			else
				d->has_uncertainty = 1;
		}
	}
	if ((x = sp_ymap_get(v, "seasonality", NULL)) && sp_ld_is_map(ld, x, "seasonality") == 0) {
		sp_ld_keys(ld, x, month_names, "seasonality");
		for (int m = 0; m < 12; m++)
			sp_ld_num(ld, x, month_names[m], SP_R_POS, &d->seasonality[m]);
	}
	if ((x = sp_ymap_get(v, "events", NULL)) && sp_ld_is_seq(ld, x, "events") == 0) {
		static const char *const ekeys[] = { "name", "month", "multiplier", NULL };
		d->events = SP_NEWN(ld->a, struct sp_event, x->n);
		for (size_t i = 0; i < x->n; i++) {
			const struct sp_ynode *e = x->items[i];
			struct sp_event *ev = &d->events[d->nevents];
			if (sp_ld_is_map(ld, e, "an event") < 0)
				continue;
			sp_ld_keys(ld, e, ekeys, "an event");
			ev->pos = e->pos;
			ev->name = "";
			ev->month = SP_NO_MONTH;
			sp_ld_str(ld, e, "name", &ev->name, NULL);
			if (sp_ld_month(ld, e, "month", &ev->month) == 1)
				sp_ld_missing(ld, e, "month", "an event");
			if (sp_ld_num(ld, e, "multiplier", SP_R_POS, &ev->multiplier) == 1)
				sp_ld_missing(ld, e, "multiplier", "an event");
			d->nevents++;
		}
	}
}

/* ---- regions ----------------------------------------------------------------------- */

static void load_region(struct sp_ld *ld, const struct sp_ynode *v, struct sp_region *r)
{
	static const char *const keys[] = { "name", "zones", "share", "from", NULL };
	r->pos = v->pos;
	r->zones = 3;
	r->share = 1.0;
	r->from = SP_NO_MONTH;
	r->name = "";
	if (sp_ld_is_map(ld, v, "a region") < 0)
		return;
	sp_ld_keys(ld, v, keys, "a region");
	if (sp_ld_str(ld, v, "name", &r->name, NULL) == 1)
		sp_ld_missing(ld, v, "name", "a region");
	sp_ld_int(ld, v, "zones", 1, 6, &r->zones);
	sp_ld_num(ld, v, "share", SP_R_UNIT, &r->share);
	sp_ld_month(ld, v, "from", &r->from);
}

/* ---- services ----------------------------------------------------------------------- */

static void load_demand(struct sp_ld *ld, const struct sp_ynode *v, struct sp_demand *dm, const char *owner)
{
	static const char *const keys[] = { "driver", "requests_per_unit_per_day", "peak_to_average", NULL };
	char what[128];
	snprintf(what, sizeof(what), "the demand of %s", owner);
	dm->peak_to_average = 1.0;
	dm->pos = v->pos;
	if (sp_ld_is_map(ld, v, "demand") < 0)
		return;
	dm->present = 1;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_str(ld, v, "driver", &dm->driver, &dm->driver_pos) == 1)
		sp_ld_missing(ld, v, "driver", what);
	if (sp_ld_num(ld, v, "requests_per_unit_per_day", SP_R_NONNEG, &dm->requests_per_unit_per_day) == 1)
		sp_ld_missing(ld, v, "requests_per_unit_per_day", what);
	sp_ld_num(ld, v, "peak_to_average", SP_R_GE1, &dm->peak_to_average);
}

static void load_call(struct sp_ld *ld, const struct sp_ynode *v, struct sp_call *c, const char *owner)
{
	static const char *const keys[] = { "to", "per_request", "via_cache", "reads_per_request",
					    "writes_per_request", NULL };
	char what[128];
	snprintf(what, sizeof(what), "a call of service '%s'", owner);
	c->pos = v->pos;
	c->per_request = 1.0;
	c->to = "";
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_str(ld, v, "to", &c->to, &c->to_pos) == 1)
		sp_ld_missing(ld, v, "to", what);
	c->has_per_request = sp_ld_num(ld, v, "per_request", SP_R_NONNEG, &c->per_request) == 0;
	sp_ld_str(ld, v, "via_cache", &c->via_cache, &c->via_pos);
	c->has_reads = sp_ld_num(ld, v, "reads_per_request", SP_R_NONNEG, &c->reads_per_request) == 0;
	c->has_writes = sp_ld_num(ld, v, "writes_per_request", SP_R_NONNEG, &c->writes_per_request) == 0;
}

static void load_service(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, struct sp_service *s)
{
	static const char *const keys[] = { "class", "demand", "work", "instance", "slo", "scaling", "calls",
					    "lifecycle", NULL };
	char what[96];
	const struct sp_ynode *x;
	int cls = SP_CLASS_WEB;

	s->name = key->str;
	s->pos = key->pos;
	s->target_utilization = 0.5;
	s->min = 1;
	s->max = 0;
	snprintf(what, sizeof(what), "service '%s'", key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	sp_ld_enum(ld, v, "class", sp_class_names, &cls);
	s->cls = (enum sp_class)cls;
	if ((x = sp_ymap_get(v, "demand", NULL)))
		load_demand(ld, x, &s->demand, what);
	if (!(x = sp_ymap_get(v, "work", NULL))) {
		sp_ld_missing(ld, v, "work", what);
	} else if (sp_ld_is_map(ld, x, "work") == 0) {
		static const char *const wkeys[] = { "cpu_ms_per_request", "egress_kb_per_request", "usl", NULL };
		const struct sp_ynode *u;
		sp_ld_keys(ld, x, wkeys, "work");
		if (sp_ld_num(ld, x, "cpu_ms_per_request", SP_R_POS, &s->cpu_ms_per_request) == 1)
			sp_ld_missing(ld, x, "cpu_ms_per_request", "work");
		sp_ld_num(ld, x, "egress_kb_per_request", SP_R_NONNEG, &s->egress_kb_per_request);
		if ((u = sp_ymap_get(x, "usl", NULL)) && sp_ld_is_map(ld, u, "usl") == 0) {
			static const char *const ukeys[] = { "lambda_rps", "sigma", "kappa", NULL };
			sp_ld_keys(ld, u, ukeys, "usl");
			s->usl.pos = u->pos;
			s->usl.present = 1;
			if (sp_ld_num(ld, u, "lambda_rps", SP_R_POS, &s->usl.lambda_rps) == 1)
				sp_ld_missing(ld, u, "lambda_rps", "usl");
			if (sp_ld_num(ld, u, "sigma", SP_R_HALFOPEN, &s->usl.sigma) == 1)
				sp_ld_missing(ld, u, "sigma", "usl");
			if (sp_ld_num(ld, u, "kappa", SP_R_NONNEG, &s->usl.kappa) == 1)
				sp_ld_missing(ld, u, "kappa", "usl");
		}
	}
	if (sp_ld_str(ld, v, "instance", &s->instance, &s->instance_pos) == 1)
		sp_ld_missing(ld, v, "instance", what);
	if ((x = sp_ymap_get(v, "slo", NULL)) && sp_ld_is_map(ld, x, "slo") == 0) {
		static const char *const skeys[] = { "latency", "availability", NULL };
		const struct sp_ynode *l;
		sp_ld_keys(ld, x, skeys, "slo");
		if (sp_ld_num(ld, x, "availability", SP_R_PERCENT, &s->availability) == 0 && s->availability < 1)
			sp_warn(ld->d, sp_ymap_get(x, "availability", NULL)->pos,
				"'availability' is a percentage: %g means %g %%; did you mean %g?", s->availability,
				s->availability, s->availability * 100);
		if ((l = sp_ymap_get(x, "latency", NULL)) && sp_ld_is_map(ld, l, "latency") == 0) {
			static const char *const lkeys[] = { "quantile", "ms", NULL };
			int r1, r2;
			sp_ld_keys(ld, l, lkeys, "latency");
			s->slo_pos = l->pos;
			if ((r1 = sp_ld_num(ld, l, "quantile", SP_R_OPEN01, &s->slo_quantile)) == 1)
				sp_ld_missing(ld, l, "quantile", "latency");
			if ((r2 = sp_ld_num(ld, l, "ms", SP_R_POS, &s->slo_ms)) == 1)
				sp_ld_missing(ld, l, "ms", "latency");
			s->has_latency_slo = r1 == 0 && r2 == 0;
		}
	}
	if ((x = sp_ymap_get(v, "scaling", NULL)) && sp_ld_is_map(ld, x, "scaling") == 0) {
		static const char *const ckeys[] = { "target_utilization", "min", "max", NULL };
		sp_ld_keys(ld, x, ckeys, "scaling");
		sp_ld_num(ld, x, "target_utilization", SP_R_UNIT, &s->target_utilization);
		sp_ld_int(ld, x, "min", 0, 1000000, &s->min);
		if (sp_ld_int(ld, x, "max", 1, 1000000, &s->max) == 0 && s->max < s->min)
			sp_error(ld->d, sp_ymap_get(x, "max", NULL)->pos, "'max' (%d) is below 'min' (%d)", s->max,
				 s->min);
	}
	if ((x = sp_ymap_get(v, "calls", NULL)) && !(x->kind == SP_Y_SCALAR && x->plain && !x->len) &&
	    sp_ld_is_seq(ld, x, "calls") == 0) {
		s->calls = SP_NEWN(ld->a, struct sp_call, x->n);
		s->ncalls = x->n;
		for (size_t i = 0; i < x->n; i++)
			load_call(ld, x->items[i], &s->calls[i], key->str);
	}
	load_lifecycle(ld, v, &s->lifecycle);
}

/* ---- caches, datastores, queues --------------------------------------------------------- */

static void load_cache(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, struct sp_cache *c)
{
	static const char *const keys[] = { "engine", "node", "hit_rate", "working_set_gb", "working_set_gb_per_unit",
					    "ops_per_s_per_node", "min_nodes", "lifecycle", NULL };
	char what[96];
	int e = 0;
	c->name = key->str;
	c->pos = key->pos;
	c->ops_per_s_per_node = 100000;
	c->min_nodes = 1;
	snprintf(what, sizeof(what), "cache '%s'", key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_enum(ld, v, "engine", sp_cache_engine_names, &e) == 1)
		sp_ld_missing(ld, v, "engine", what);
	c->engine = (enum sp_cache_engine)e;
	if (sp_ld_str(ld, v, "node", &c->node, &c->node_pos) == 1)
		sp_ld_missing(ld, v, "node", what);
	if (sp_ld_num(ld, v, "hit_rate", SP_R_HALFOPEN, &c->hit_rate) == 1)
		sp_ld_missing(ld, v, "hit_rate", what);
	sp_ld_num(ld, v, "working_set_gb", SP_R_NONNEG, &c->working_set_gb);
	sp_ld_num(ld, v, "working_set_gb_per_unit", SP_R_NONNEG, &c->working_set_gb_per_unit);
	sp_ld_num(ld, v, "ops_per_s_per_node", SP_R_POS, &c->ops_per_s_per_node);
	sp_ld_int(ld, v, "min_nodes", 1, 10000, &c->min_nodes);
	load_lifecycle(ld, v, &c->lifecycle);
}

static void load_datastore(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v,
			   struct sp_datastore *ds)
{
	static const char *const keys[] = { "engine", "instance", "write_tps_per_node", "read_qps_per_replica",
					    "write_utilization", "availability", "multi_az", "min_replicas",
					    "storage", "sharding", "reshard_lead_months", "replica_lead_months",
					    "lifecycle", NULL };
	char what[96];
	const struct sp_ynode *x;
	int e = 0;

	ds->name = key->str;
	ds->pos = key->pos;
	ds->write_utilization = 0.65;
	ds->reshard_lead_months = 6;
	ds->replica_lead_months = 1;
	snprintf(what, sizeof(what), "datastore '%s'", key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_enum(ld, v, "engine", sp_db_engine_names, &e) == 1)
		sp_ld_missing(ld, v, "engine", what);
	ds->engine = (enum sp_db_engine)e;
	if (sp_ld_str(ld, v, "instance", &ds->instance, &ds->instance_pos) == 1)
		sp_ld_missing(ld, v, "instance", what);
	if (sp_ld_num(ld, v, "write_tps_per_node", SP_R_POS, &ds->write_tps_per_node) == 1)
		sp_ld_missing(ld, v, "write_tps_per_node", what);
	if (sp_ld_num(ld, v, "read_qps_per_replica", SP_R_POS, &ds->read_qps_per_replica) == 1)
		sp_ld_missing(ld, v, "read_qps_per_replica", what);
	sp_ld_num(ld, v, "write_utilization", SP_R_UNIT, &ds->write_utilization);
	sp_ld_num(ld, v, "availability", SP_R_PERCENT, &ds->availability);
	sp_ld_bool(ld, v, "multi_az", &ds->multi_az);
	sp_ld_int(ld, v, "min_replicas", 0, 64, &ds->min_replicas);
	sp_ld_int(ld, v, "reshard_lead_months", 0, 36, &ds->reshard_lead_months);
	sp_ld_int(ld, v, "replica_lead_months", 0, 36, &ds->replica_lead_months);
	if ((x = sp_ymap_get(v, "storage", NULL)) && sp_ld_is_map(ld, x, "storage") == 0) {
		static const char *const skeys[] = { "start_gb", "gb_per_unit_month", "driver", NULL };
		sp_ld_keys(ld, x, skeys, "storage");
		if (sp_ld_num(ld, x, "start_gb", SP_R_NONNEG, &ds->storage_start_gb) == 1)
			sp_ld_missing(ld, x, "start_gb", "storage");
		sp_ld_num(ld, x, "gb_per_unit_month", SP_R_NONNEG, &ds->storage_gb_per_unit_month);
		sp_ld_str(ld, x, "driver", &ds->storage_driver, &ds->storage_driver_pos);
	}
	if ((x = sp_ymap_get(v, "sharding", NULL)) && sp_ld_is_map(ld, x, "sharding") == 0) {
		static const char *const hkeys[] = { "key", "strategy", "max_gb_per_shard", NULL };
		int st = SP_SHARD_HASH;
		sp_ld_keys(ld, x, hkeys, "sharding");
		ds->sharded = 1;
		sp_ld_enum(ld, x, "strategy", sp_shard_strategy_names, &st);
		ds->shard_strategy = (enum sp_shard_strategy)st;
		if (st == SP_SHARD_NONE)
			ds->sharded = 0;
		if (sp_ld_str(ld, x, "key", &ds->shard_key, NULL) == 1 && ds->sharded)
			sp_ld_missing(ld, x, "key", "sharding");
		if (sp_ld_num(ld, x, "max_gb_per_shard", SP_R_POS, &ds->max_gb_per_shard) == 1 && ds->sharded)
			sp_ld_missing(ld, x, "max_gb_per_shard", "sharding");
	}
	load_lifecycle(ld, v, &ds->lifecycle);
}

static void load_queue(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, struct sp_queue *q)
{
	static const char *const keys[] = { "from", "per_request", "worker", "max_backlog_age_s", "message_kb",
					    "lifecycle", NULL };
	char what[96];
	q->name = key->str;
	q->pos = key->pos;
	q->max_backlog_age_s = 60;
	q->message_kb = 1;
	q->from = q->worker = "";
	snprintf(what, sizeof(what), "queue '%s'", key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_str(ld, v, "from", &q->from, &q->from_pos) == 1)
		sp_ld_missing(ld, v, "from", what);
	if (sp_ld_num(ld, v, "per_request", SP_R_NONNEG, &q->per_request) == 1)
		sp_ld_missing(ld, v, "per_request", what);
	if (sp_ld_str(ld, v, "worker", &q->worker, &q->worker_pos) == 1)
		sp_ld_missing(ld, v, "worker", what);
	sp_ld_num(ld, v, "max_backlog_age_s", SP_R_POS, &q->max_backlog_age_s);
	sp_ld_num(ld, v, "message_kb", SP_R_POS, &q->message_kb);
	load_lifecycle(ld, v, &q->lifecycle);
}

/* ---- GPUs ---------------------------------------------------------------------------------- */

static void load_gpu(struct sp_ld *ld, const struct sp_ynode *v, struct sp_gpu_workload *g)
{
	static const char *const keys[] = { "name", "kind", "gpu", "tier", "driver", "requests_per_unit_per_day",
					    "peak_to_average", "tokens_per_request", "tokens_per_s_per_gpu",
					    "gpus_per_replica", "n_plus_one", "params_b", "tokens_b", "mfu",
					    "peak_tflops", "every_months", "start", "run_months", "lifecycle", NULL };
	static const char *const inference_only[] = { "driver", "requests_per_unit_per_day", "peak_to_average",
						      "tokens_per_request", "tokens_per_s_per_gpu",
						      "gpus_per_replica", "n_plus_one", NULL };
	static const char *const training_only[] = { "params_b", "tokens_b", "mfu", "peak_tflops", "every_months",
						     "start", "run_months", NULL };
	char what[96];
	int kind = 0, tier = 0;

	g->pos = v->pos;
	g->name = "";
	g->gpus_per_replica = 1;
	g->n_plus_one = 1;
	g->mfu = 0.4;
	g->run_months = 1;
	g->start = SP_NO_MONTH;
	g->demand.peak_to_average = 1.0;
	if (sp_ld_is_map(ld, v, "a GPU workload") < 0)
		return;
	if (sp_ld_str(ld, v, "name", &g->name, NULL) == 1)
		sp_ld_missing(ld, v, "name", "a GPU workload");
	snprintf(what, sizeof(what), "GPU workload '%s'", g->name);
	sp_ld_keys(ld, v, keys, what);
	int kr = sp_ld_enum(ld, v, "kind", sp_gpu_kind_names, &kind);
	if (kr == 1)
		sp_ld_missing(ld, v, "kind", what);
	if (kr != 0) /* which keys apply depends on the kind: say no more */
		return;
	g->kind = (enum sp_gpu_kind)kind;
	if (sp_ld_str(ld, v, "gpu", &g->gpu, &g->gpu_pos) == 1)
		sp_ld_missing(ld, v, "gpu", what);
	sp_ld_enum(ld, v, "tier", sp_tier_names, &tier);
	g->tier = (enum sp_tier)tier;
	const char *const *other = kind == SP_GPU_INFERENCE ? training_only : inference_only;
	for (size_t i = 0; other[i]; i++) {
		const struct sp_ynode *k;
		if (sp_ymap_get(v, other[i], &k))
			sp_error(ld->d, k->pos, "'%s' does not apply to %s workload", other[i], kind == SP_GPU_INFERENCE ? "an inference" : "a training");
	}
	if (kind == SP_GPU_INFERENCE) {
		/* demand comes from a driver, from services that call it, or both */
		g->demand.pos = v->pos;
		if (sp_ld_str(ld, v, "driver", &g->demand.driver, &g->demand.driver_pos) == 0) {
			g->demand.present = 1;
			if (sp_ld_num(ld, v, "requests_per_unit_per_day", SP_R_NONNEG,
				      &g->demand.requests_per_unit_per_day) == 1)
				sp_ld_missing(ld, v, "requests_per_unit_per_day", what);
		} else {
			const struct sp_ynode *k;
			if (sp_ymap_get(v, "requests_per_unit_per_day", &k))
				sp_error(ld->d, k->pos, "'requests_per_unit_per_day' needs a 'driver'");
		}
		sp_ld_num(ld, v, "peak_to_average", SP_R_GE1, &g->demand.peak_to_average);
		if (sp_ld_num(ld, v, "tokens_per_request", SP_R_POS, &g->tokens_per_request) == 1)
			sp_ld_missing(ld, v, "tokens_per_request", what);
		if (sp_ld_num(ld, v, "tokens_per_s_per_gpu", SP_R_POS, &g->tokens_per_s_per_gpu) == 1)
			sp_ld_missing(ld, v, "tokens_per_s_per_gpu", what);
		sp_ld_int(ld, v, "gpus_per_replica", 1, 64, &g->gpus_per_replica);
		sp_ld_bool(ld, v, "n_plus_one", &g->n_plus_one);
	} else {
		if (sp_ld_num(ld, v, "params_b", SP_R_POS, &g->params_b) == 1)
			sp_ld_missing(ld, v, "params_b", what);
		if (sp_ld_num(ld, v, "tokens_b", SP_R_POS, &g->tokens_b) == 1)
			sp_ld_missing(ld, v, "tokens_b", what);
		sp_ld_num(ld, v, "mfu", SP_R_UNIT, &g->mfu);
		sp_ld_num(ld, v, "peak_tflops", SP_R_POS, &g->peak_tflops);
		sp_ld_int(ld, v, "every_months", 0, 120, &g->every_months);
		sp_ld_month(ld, v, "start", &g->start);
		sp_ld_int(ld, v, "run_months", 1, 120, &g->run_months);
	}
	load_lifecycle(ld, v, &g->lifecycle);
}

static void load_tiers(struct sp_ld *ld, const struct sp_ynode *v, struct sp_gpu_tiers *t)
{
	static const char *const keys[] = { "committed", "on_demand", "spot", NULL };
	const struct sp_ynode *x;
	t->pos = v->pos;
	t->committed_term_months = 12;
	t->spot_max_share = 0.3;
	if (sp_ld_is_map(ld, v, "gpu.tiers") < 0)
		return;
	sp_ld_keys(ld, v, keys, "gpu.tiers");
	if ((x = sp_ymap_get(v, "committed", NULL)) && sp_ld_is_map(ld, x, "committed") == 0) {
		static const char *const ck[] = { "term", NULL };
		static const char *const terms[] = { "1y", "3y", NULL };
		int term = 0;
		sp_ld_keys(ld, x, ck, "gpu.tiers.committed");
		sp_ld_enum(ld, x, "term", terms, &term);
		t->committed = 1;
		t->committed_term_months = term ? 36 : 12;
	}
	if ((x = sp_ymap_get(v, "on_demand", NULL)) && sp_ld_is_map(ld, x, "on_demand") == 0) {
		static const char *const ok[] = { NULL };
		sp_ld_keys(ld, x, ok, "gpu.tiers.on_demand");
		t->on_demand = 1;
	}
	if ((x = sp_ymap_get(v, "spot", NULL)) && sp_ld_is_map(ld, x, "spot") == 0) {
		static const char *const sk[] = { "max_share", NULL };
		sp_ld_keys(ld, x, sk, "gpu.tiers.spot");
		sp_ld_num(ld, x, "max_share", SP_R_UNIT, &t->spot_max_share);
		t->spot = 1;
	}
}

/* ---- references --------------------------------------------------------------------------- */

static const char **component_names(struct sp_spec *sp, size_t *n)
{
	size_t total = sp->nservices + sp->ncaches + sp->ndatastores + sp->nqueues + sp->ngpus, k = 0;
	const char **v = sp_xmalloc((total ? total : 1) * sizeof(*v));
	for (size_t i = 0; i < sp->nservices; i++)
		v[k++] = sp->services[i].name;
	for (size_t i = 0; i < sp->ncaches; i++)
		v[k++] = sp->caches[i].name;
	for (size_t i = 0; i < sp->ndatastores; i++)
		v[k++] = sp->datastores[i].name;
	for (size_t i = 0; i < sp->nqueues; i++)
		v[k++] = sp->queues[i].name;
	for (size_t i = 0; i < sp->ngpus; i++)
		v[k++] = sp->gpus[i].name;
	*n = k;
	return v;
}

/* Looks a component up; reports an undefined one with a suggestion. */
static int lookup(struct sp_ld *ld, struct spec_index *ix, const char *name, struct sp_pos pos, const char *role,
		  enum comp_kind *kind, size_t *idx)
{
	uint32_t v;
	if (sp_hmap_get(&ix->components, name, &v) == 0) {
		*kind = (enum comp_kind)(v >> 28);
		*idx = v & 0x0fffffff;
		return 0;
	}
	size_t n;
	const char **names = component_names(ld->spec, &n);
	const char *best = sp_suggest(name, names, n);
	if (best)
		sp_error(ld->d, pos, "%s '%s' is not defined; did you mean '%s'?", role, name, best);
	else
		sp_error(ld->d, pos, "%s '%s' is not defined", role, name);
	free(names);
	return -1;
}

static void resolve_driver(struct sp_ld *ld, struct spec_index *ix, const char *name, struct sp_pos pos,
			   const struct sp_driver **out)
{
	uint32_t v;
	if (!name)
		return;
	if (sp_hmap_get(&ix->drivers, name, &v) == 0) {
		*out = &ld->spec->drivers[v];
		return;
	}
	const char **names = sp_xmalloc((ld->spec->ndrivers + 1) * sizeof(*names));
	for (size_t i = 0; i < ld->spec->ndrivers; i++)
		names[i] = ld->spec->drivers[i].name;
	const char *best = sp_suggest(name, names, ld->spec->ndrivers);
	if (best)
		sp_error(ld->d, pos, "driver '%s' is not defined; did you mean '%s'?", name, best);
	else if (!ld->spec->ndrivers)
		sp_error(ld->d, pos, "driver '%s' is not defined (the spec has no 'drivers' section)", name);
	else
		sp_error(ld->d, pos, "driver '%s' is not defined", name);
	free(names);
}

static void resolve(struct sp_ld *ld, struct spec_index *ix)
{
	struct sp_spec *sp = ld->spec;

	for (size_t i = 0; i < sp->nservices; i++) {
		struct sp_service *s = &sp->services[i];
		if (s->demand.present)
			resolve_driver(ld, ix, s->demand.driver, s->demand.driver_pos, &s->demand.drv);
		/* an SLO below the service-time tail cannot be met by adding servers:
		 * P(T > t) >= e^(-t/S), so t must be at least S * -ln(1 - q) */
		if (s->has_latency_slo && s->cpu_ms_per_request > 0) {
			double floor_ms = s->cpu_ms_per_request * -log1p(-s->slo_quantile);
			if (s->slo_ms <= floor_ms * (1 + 1e-9)) {
				sp_error(ld->d, s->slo_pos,
					 "service '%s': the p%g latency target of %g ms is unreachable: with %g ms of work per request, no number of servers brings p%g below %.1f ms; the smallest reachable target is %.0f ms",
					 s->name, s->slo_quantile * 100, s->slo_ms, s->cpu_ms_per_request,
					 s->slo_quantile * 100, floor_ms, floor(floor_ms) + 1);
			}
		}
		for (size_t j = 0; j < s->ncalls; j++) {
			struct sp_call *c = &s->calls[j];
			enum comp_kind k;
			size_t idx;
			if (!*c->to || lookup(ld, ix, c->to, c->to_pos, "call target", &k, &idx) < 0)
				continue;
			switch (k) {
			case CK_SERVICE:
				c->kind = SP_CALL_SERVICE;
				break;
			case CK_DATASTORE:
				c->kind = SP_CALL_DATASTORE;
				break;
			case CK_CACHE:
				c->kind = SP_CALL_CACHE;
				break;
			case CK_GPU:
				c->kind = SP_CALL_GPU;
				if (sp->gpus[idx].kind != SP_GPU_INFERENCE)
					sp_error(ld->d, c->to_pos,
						 "'%s' is a training workload; only inference workloads take calls", c->to);
				break;
			case CK_QUEUE:
				sp_error(ld->d, c->to_pos,
					 "'%s' is a queue: a service produces to a queue through the queue's 'from' and 'per_request', not through 'calls'",
					 c->to);
				continue;
			}
			if (c->kind == SP_CALL_DATASTORE) {
				if (c->has_per_request)
					sp_error(ld->d, c->pos,
						 "a call to datastore '%s' takes 'reads_per_request' and 'writes_per_request', not 'per_request'",
						 c->to);
				else if (!c->has_reads && !c->has_writes)
					sp_error(ld->d, c->pos,
						 "a call to datastore '%s' needs 'reads_per_request' or 'writes_per_request'",
						 c->to);
			} else if (c->has_reads || c->has_writes) {
				sp_error(ld->d, c->pos,
					 "'reads_per_request' and 'writes_per_request' apply to datastore calls; '%s' is a %s, use 'per_request'",
					 c->to, comp_kind_names[k]);
			}
			if (c->via_cache) {
				enum comp_kind ck;
				size_t cidx;
				if (lookup(ld, ix, c->via_cache, c->via_pos, "cache", &ck, &cidx) == 0 && ck != CK_CACHE)
					sp_error(ld->d, c->via_pos, "'via_cache' names '%s', which is a %s, not a cache",
						 c->via_cache, comp_kind_names[ck]);
				else if (c->kind == SP_CALL_CACHE)
					sp_error(ld->d, c->via_pos, "a call to a cache cannot go through another cache");
			}
		}
	}
	for (size_t i = 0; i < sp->nqueues; i++) {
		struct sp_queue *q = &sp->queues[i];
		enum comp_kind k;
		size_t idx;
		if (*q->from && lookup(ld, ix, q->from, q->from_pos, "producer", &k, &idx) == 0 && k != CK_SERVICE)
			sp_error(ld->d, q->from_pos, "queue '%s': 'from' must name a service; '%s' is a %s", q->name,
				 q->from, comp_kind_names[k]);
		if (*q->worker && lookup(ld, ix, q->worker, q->worker_pos, "worker", &k, &idx) == 0 && k != CK_SERVICE)
			sp_error(ld->d, q->worker_pos, "queue '%s': 'worker' must name a service; '%s' is a %s",
				 q->name, q->worker, comp_kind_names[k]);
	}
	for (size_t i = 0; i < sp->ngpus; i++)
		if (sp->gpus[i].demand.present)
			resolve_driver(ld, ix, sp->gpus[i].demand.driver, sp->gpus[i].demand.driver_pos,
				       &sp->gpus[i].demand.drv);
	for (size_t i = 0; i < sp->ndatastores; i++)
		resolve_driver(ld, ix, sp->datastores[i].storage_driver, sp->datastores[i].storage_driver_pos,
			       &sp->datastores[i].storage_drv);
	/* regions: unique names, shares, at least one */
	if (!sp->nregions)
		sp_error(ld->d, sp->pos, "missing required key 'regions' (at least one, like 'regions: [{name: us-east-1, zones: 3}]')");
	for (size_t i = 0; i < sp->nregions; i++)
		for (size_t j = 0; j < i; j++)
			if (*sp->regions[i].name && !strcmp(sp->regions[i].name, sp->regions[j].name)) {
				sp_error(ld->d, sp->regions[i].pos, "region '%s' is defined more than once",
					 sp->regions[i].name);
				sp_note(ld->d, sp->regions[j].pos, "'%s' first defined here", sp->regions[j].name);
			}
	/* events outside the horizon never fire */
	for (size_t i = 0; i < sp->ndrivers; i++)
		for (size_t j = 0; j < sp->drivers[i].nevents; j++) {
			const struct sp_event *e = &sp->drivers[i].events[j];
			if (sp->start > 0 && e->month != SP_NO_MONTH &&
			    (e->month < sp->start || e->month >= sp->start + sp->months))
				sp_warn(ld->d, e->pos, "event '%s' falls outside the horizon and has no effect", e->name);
		}
}

/* ---- files ------------------------------------------------------------------------------------- */

static int has_yaml_ext(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What a stat mode names when it is not a regular file (NULL for a regular one). */
static const char *special_kind(mode_t m)
{
	if (S_ISREG(m))
		return NULL;
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	return "a special file";
}

/* Refuses anything but a regular file, by its stat mode. A directory keeps the
 * error reading it gives (a folder's entry named like a spec file). */
static int refuse_special(const struct sp_src *src, mode_t m, struct sp_diags *d)
{
	const char *kind = special_kind(m);
	if (!kind)
		return 0;
	if (S_ISDIR(m))
		sp_error(d, ((struct sp_pos){ src, 0, 0 }), "cannot read: %s", strerror(EISDIR));
	else
		sp_error(d, ((struct sp_pos){ src, 0, 0 }),
			 "'%s' is %s, not a regular file; a spec is read from regular files", src->name, kind);
	return -1;
}

/* Reads the regular file `path` (at most max bytes) into sb. A FIFO, socket or
 * device is refused before it is opened (stat), and again after (fstat of the
 * descriptor, opened non-blocking so that nothing waits for a writer), in case
 * the name was swapped in between. Returns 0, -1 with errno set on an I/O error,
 * -2 when too large, -3 when not a regular file (*mode set). */
static int read_regular(struct sp_sb *sb, const char *path, size_t max, mode_t *mode)
{
	char tmp[65536];
	struct stat st;
	int fd, ret = 0, saved;

	if (stat(path, &st) < 0)
		return -1;
	*mode = st.st_mode;
	if (!S_ISREG(st.st_mode))
		return -3;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		ret = -1;
		goto out;
	}
	*mode = st.st_mode;
	if (!S_ISREG(st.st_mode)) {
		ret = -3;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		if (sb->len + (size_t)n > max) {
			ret = -2;
			break;
		}
		sp_sb_add(sb, tmp, (size_t)n);
	}
out:
	saved = errno;
	close(fd);
	errno = saved;
	return ret;
}

/* A UTF-8 byte-order mark opening a file is skipped, as YAML allows: the text
 * (and so every line and column) starts after it. */
static void skip_utf8_bom(struct sp_src *src)
{
	if (src->len >= 3 && !memcmp(src->text, "\xef\xbb\xbf", 3)) {
		src->text += 3;
		src->len -= 3;
	}
}

static const struct sp_src *read_src(struct sp_arena *a, const char *path, struct sp_diags *d)
{
	struct sp_sb sb = SP_SB_INIT;
	struct sp_src *src = SP_NEW(a, struct sp_src);
	mode_t mode = 0;
	int r;

	src->name = sp_arena_strdup(a, path);
	src->text = "";
	r = read_regular(&sb, path, SP_MAX_FILE_BYTES, &mode);
	if (r == -3) {
		refuse_special(src, mode, d);
		sp_sb_release(&sb);
		return NULL;
	}
	if (r == -2) {
		sp_error(d, ((struct sp_pos){ src, 0, 0 }), "file is larger than the %u MiB limit for a spec",
			 SP_MAX_FILE_BYTES >> 20);
		sp_sb_release(&sb);
		return NULL;
	}
	if (r < 0) {
		sp_error(d, ((struct sp_pos){ src, 0, 0 }), "cannot read: %s", strerror(errno));
		sp_sb_release(&sb);
		return NULL;
	}
	src->text = sp_arena_strndup(a, sb.buf, sb.len);
	src->len = sb.len;
	sp_sb_release(&sb);
	skip_utf8_bom(src);
	return src;
}

static void add_src(struct sp_spec *sp, const struct sp_src *src, size_t *cap)
{
	SP_GROW(sp->srcs, *cap, sp->nsrcs + 1);
	sp->srcs[sp->nsrcs++] = src;
}

/* Whether the first bytes look like text in units of `unit` bytes (2 or 4) with
 * the character in the last byte (big-endian) or the first (little-endian) and
 * the others zero, as ASCII is in UTF-16 or UTF-32: the first unit must, and
 * three quarters of the first 128 units. */
static int looks_wide(const unsigned char *t, size_t len, size_t unit, int big)
{
	size_t n = len / unit, hits = 0;
	if (n > 128)
		n = 128;
	for (size_t i = 0; i < n; i++) {
		const unsigned char *u = t + i * unit;
		int ok = u[big ? unit - 1 : 0] != 0;
		for (size_t k = 0; k < unit - 1 && ok; k++)
			ok = u[big ? k : k + 1] == 0;
		if (!ok && i == 0)
			return 0;
		hits += (size_t)ok;
	}
	return n > 0 && hits * 4 >= n * 3;
}

/* UTF-16 and UTF-32 are named, with the command that converts them: by their
 * byte-order mark, or by the zero bytes ASCII text has in them. */
static int check_encoding(const struct sp_src *src, struct sp_diags *d)
{
	static const struct {
		const char *bom;
		size_t bomlen, unit;
		int big;
		const char *name, *endian, *iconv;
	} encs[] = {
		{ "\x00\x00\xfe\xff", 4, 4, 1, "UTF-32", "big-endian", "UTF-32BE" },
		{ "\xff\xfe\x00\x00", 4, 4, 0, "UTF-32", "little-endian", "UTF-32LE" },
		{ "\xfe\xff", 2, 2, 1, "UTF-16", "big-endian", "UTF-16BE" },
		{ "\xff\xfe", 2, 2, 0, "UTF-16", "little-endian", "UTF-16LE" },
	};
	const unsigned char *t = (const unsigned char *)src->text;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < SP_ARRAY_LEN(encs); i++) {
			if (pass == 0 ? src->len < encs[i].bomlen || memcmp(t, encs[i].bom, encs[i].bomlen)
				      : !looks_wide(t, src->len, encs[i].unit, encs[i].big))
				continue;
			sp_error(d, ((struct sp_pos){ src, 0, 0 }),
				 "the file %s %s (%s)%s; a spec is UTF-8 text: convert it (iconv -f %s -t UTF-8)",
				 pass == 0 ? "is" : "looks like", encs[i].name, encs[i].endian,
				 pass == 0 ? "" : " without a byte-order mark", encs[i].iconv);
			return -1;
		}
	return 0;
}

/* Checks the UTF-8 sequence at t[0..len) (t[0] >= 0x80). Returns its length
 * when it is a character YAML allows; 0 otherwise, with the reason in why when
 * why is not NULL. */
static size_t utf8_seq(const unsigned char *t, size_t len, char *why, size_t whysz)
{
	size_t n, k;
	uint32_t cp, min;
	char hex[24] = "", next[16];
	int used = 0;

	if (t[0] < 0xc0 || t[0] > 0xf4) {
		if (why)
			snprintf(why, whysz, "invalid UTF-8: byte 0x%02x cannot start a character", t[0]);
		return 0;
	}
	n = t[0] < 0xe0 ? 2 : t[0] < 0xf0 ? 3 : 4;
	for (k = 1; k < n; k++)
		if (k >= len || (t[k] & 0xc0) != 0x80)
			break;
	cp = t[0] & (0x7fu >> n);
	for (size_t j = 1; j < k; j++)
		cp = (cp << 6) | (t[j] & 0x3fu);
	min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
	if (k == n && cp >= min && (cp < 0xd800 || cp > 0xdfff) && cp <= 0x10ffff &&
	    !(cp >= 0x80 && cp <= 0x9f && cp != 0x85) && cp != 0xfffe && cp != 0xffff)
		return n;
	if (!why)
		return 0;
	for (size_t j = 0; j < k; j++)
		used += snprintf(hex + used, sizeof(hex) - (size_t)used, "%s0x%02x", j ? " " : "", t[j]);
	if (k < n) {
		if (k >= len)
			snprintf(next, sizeof(next), "the file ends");
		else if (t[k] == '\n' || t[k] == '\r')
			snprintf(next, sizeof(next), "the line ends");
		else
			snprintf(next, sizeof(next), "0x%02x follows", t[k]);
		snprintf(why, whysz, "invalid UTF-8: truncated sequence: %s %s a %zu-byte character but %s",
			 hex, k == 1 ? "starts" : "start", n, next);
	} else if (cp < min) {
		snprintf(why, whysz, "invalid UTF-8: overlong encoding: %s is U+%04X in %zu bytes instead of %d",
			 hex, (unsigned)cp, n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3);
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		snprintf(why, whysz, "invalid UTF-8: %s is the surrogate U+%04X, which UTF-8 may not encode",
			 hex, (unsigned)cp);
	} else if (cp > 0x10ffff) {
		snprintf(why, whysz, "invalid UTF-8: %s would be U+%X, beyond the last character U+10FFFF",
			 hex, (unsigned)cp);
	} else {
		/* valid UTF-8 that YAML does not allow (libyaml reports it at 1:1) */
		snprintf(why, whysz, "the file contains the %s U+%04X, which YAML does not allow",
			 cp < 0xa0 ? "control character" : "noncharacter", (unsigned)cp);
	}
	return 0;
}

/* The text as the excerpt of a UTF-8 error shows it: each byte of an invalid
 * sequence (or of a character YAML forbids) becomes '?', every other character
 * is kept, so the caret's column, counted in characters, lands on the byte. */
static const struct sp_src *printable_view(struct sp_arena *a, const struct sp_src *src)
{
	struct sp_src *v = SP_NEW(a, struct sp_src);
	char *text = sp_arena_strndup(a, src->text, src->len);
	const unsigned char *t = (const unsigned char *)src->text;
	size_t n;

	for (size_t i = 0; i < src->len; i += n) {
		n = 1;
		if (t[i] >= 0x80 && (n = utf8_seq(t + i, src->len - i, NULL, 0)) == 0) {
			text[i] = '?';
			n = 1;
		}
	}
	v->name = src->name;
	v->text = text;
	v->len = src->len;
	return v;
}

/* One pass over the bytes, before libyaml sees them (it reports a bad byte at
 * the start of the file): a NUL or another control character means binary data
 * or a stray byte and is reported first; otherwise the first byte that is not
 * valid UTF-8 (or a character YAML forbids) is. Columns count characters, as
 * libyaml's do; each byte of an invalid sequence counts as one. */
static int check_text(struct sp_arena *a, const struct sp_src *src, struct sp_diags *d)
{
	const unsigned char *t = (const unsigned char *)src->text;
	struct sp_pos bad = { NULL, 0, 0 };
	char why[160];
	int line = 1, col = 1;

	for (size_t i = 0; i < src->len; col++) {
		unsigned char c = t[i];
		size_t n;
		if (c == '\n') {
			line++;
			col = 0;
			i++;
		} else if (c == 0) {
			sp_error(d, ((struct sp_pos){ src, line, col }), "the file contains a NUL byte; a spec is UTF-8 text");
			return -1;
		} else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			sp_error(d, ((struct sp_pos){ src, line, col }),
				 "the file contains the control character 0x%02x; a spec is UTF-8 text", c);
			return -1;
		} else if (c < 0x80) {
			i++;
		} else if ((n = utf8_seq(t + i, src->len - i, bad.src ? NULL : why, sizeof(why))) > 0) {
			i += n;
		} else {
			/* the first bad byte is kept; a NUL or control character later wins */
			if (!bad.src)
				bad = (struct sp_pos){ src, line, col };
			i++;
		}
	}
	if (bad.src) {
		bad.src = printable_view(a, src);
		sp_error(d, bad, "%s", why);
		return -1;
	}
	return 0;
}

/* Loads the sources already in spec->srcs. */
static int load_sources(struct sp_spec *sp, struct sp_diags *d)
{
	struct sp_ld ld = { sp, &sp->arena, d };
	struct sections s;
	struct spec_index *ix = sp_xcalloc(1, sizeof(*ix));
	size_t errors_before = d->nerrors;
	int parsed_any = 0;

	memset(&s, 0, sizeof(s));
	sp_hmap_init(&ix->drivers);
	sp_hmap_init(&ix->components);
	for (size_t i = 0; i < sp->nsrcs; i++) {
		struct sp_ynode *root;
		const struct sp_src *src = sp->srcs[i];
		if (i == 0)
			sp->pos = (struct sp_pos){ src, 1, 1 };
		if (src->len == 0 || strspn(src->text, " \t\r\n") == src->len) {
			sp_error(d, ((struct sp_pos){ src, 0, 0 }), "empty spec file");
			continue;
		}
		if (check_encoding(src, d) < 0 || check_text(&sp->arena, src, d) < 0)
			continue;
		if (sp_yaml_parse(&root, src, &sp->arena, d) < 0)
			continue;
		if (!root) {
			sp_error(d, ((struct sp_pos){ src, 0, 0 }), "the file holds no YAML document");
			continue;
		}
		if (gather(&ld, &s, root) == 0)
			parsed_any = 1;
	}
	if (!parsed_any)
		goto out;

	load_settings(&ld, &s);

	sp->drivers = SP_NEWN(&sp->arena, struct sp_driver, s.drivers.n);
	for (size_t i = 0; i < s.drivers.n; i++) {
		uint32_t old;
		const struct sp_ynode *k = s.drivers.v[i].key;
		if (sp_ld_name_ok(&ld, k, "driver") < 0)
			continue;
		if (sp_hmap_put(&ix->drivers, k->str, (uint32_t)sp->ndrivers, &old) == 1) {
			sp_error(d, k->pos, "driver '%s' is defined more than once", k->str);
			sp_note(d, sp->drivers[old].pos, "'%s' first defined here", k->str);
			continue;
		}
		load_driver(&ld, k, s.drivers.v[i].val, &sp->drivers[sp->ndrivers++]);
	}
	sp->regions = SP_NEWN(&sp->arena, struct sp_region, s.regions.n);
	for (size_t i = 0; i < s.regions.n; i++)
		load_region(&ld, s.regions.v[i].val, &sp->regions[sp->nregions++]);

	/* components: positions by kind for "first defined here" notes */
	sp->services = SP_NEWN(&sp->arena, struct sp_service, s.services.n);
	sp->caches = SP_NEWN(&sp->arena, struct sp_cache, s.caches.n);
	sp->datastores = SP_NEWN(&sp->arena, struct sp_datastore, s.datastores.n);
	sp->queues = SP_NEWN(&sp->arena, struct sp_queue, s.queues.n);
	sp->gpus = SP_NEWN(&sp->arena, struct sp_gpu_workload, s.gpu_workloads.n);
	struct sp_pos *kp[5];
	kp[0] = SP_NEWN(&sp->arena, struct sp_pos, s.services.n + 1);
	kp[1] = SP_NEWN(&sp->arena, struct sp_pos, s.caches.n + 1);
	kp[2] = SP_NEWN(&sp->arena, struct sp_pos, s.datastores.n + 1);
	kp[3] = SP_NEWN(&sp->arena, struct sp_pos, s.queues.n + 1);
	kp[4] = SP_NEWN(&sp->arena, struct sp_pos, s.gpu_workloads.n + 1);

	for (size_t i = 0; i < s.services.n; i++) {
		const struct sp_ynode *k = s.services.v[i].key;
		kp[0][sp->nservices] = k->pos;
		if (register_name(&ld, ix, k, CK_SERVICE, sp->nservices, (const struct sp_pos *const *)kp) < 0)
			continue;
		load_service(&ld, k, s.services.v[i].val, &sp->services[sp->nservices++]);
	}
	for (size_t i = 0; i < s.caches.n; i++) {
		const struct sp_ynode *k = s.caches.v[i].key;
		kp[1][sp->ncaches] = k->pos;
		if (register_name(&ld, ix, k, CK_CACHE, sp->ncaches, (const struct sp_pos *const *)kp) < 0)
			continue;
		load_cache(&ld, k, s.caches.v[i].val, &sp->caches[sp->ncaches++]);
	}
	for (size_t i = 0; i < s.datastores.n; i++) {
		const struct sp_ynode *k = s.datastores.v[i].key;
		kp[2][sp->ndatastores] = k->pos;
		if (register_name(&ld, ix, k, CK_DATASTORE, sp->ndatastores, (const struct sp_pos *const *)kp) < 0)
			continue;
		load_datastore(&ld, k, s.datastores.v[i].val, &sp->datastores[sp->ndatastores++]);
	}
	for (size_t i = 0; i < s.queues.n; i++) {
		const struct sp_ynode *k = s.queues.v[i].key;
		kp[3][sp->nqueues] = k->pos;
		if (register_name(&ld, ix, k, CK_QUEUE, sp->nqueues, (const struct sp_pos *const *)kp) < 0)
			continue;
		load_queue(&ld, k, s.queues.v[i].val, &sp->queues[sp->nqueues++]);
	}
	for (size_t i = 0; i < s.gpu_workloads.n; i++) {
		const struct sp_ynode *v = s.gpu_workloads.v[i].val;
		const struct sp_ynode *nk;
		const struct sp_ynode *nv = v->kind == SP_Y_MAP ? sp_ymap_get(v, "name", &nk) : NULL;
		if (nv && nv->kind == SP_Y_SCALAR) {
			kp[4][sp->ngpus] = nv->pos;
			if (register_name(&ld, ix, nv, CK_GPU, sp->ngpus, (const struct sp_pos *const *)kp) < 0)
				continue;
		}
		load_gpu(&ld, v, &sp->gpus[sp->ngpus++]);
	}
	sp->tiers.committed_term_months = 12;
	sp->tiers.spot_max_share = 0.3;
	if (s.gpu_tiers)
		load_tiers(&ld, s.gpu_tiers, &sp->tiers);

	resolve(&ld, ix);
out:
	free_sections(&s);
	sp_hmap_free(&ix->components);
	/* the driver index stays for sp_spec_driver lookups */
	sp->index_ = ix;
	return d->nerrors > errors_before ? -1 : 0;
}

static struct sp_spec *spec_new(void)
{
	struct sp_spec *sp = sp_xcalloc(1, sizeof(*sp));
	sp_arena_init(&sp->arena);
	sp->start = SP_NO_MONTH;
	return sp;
}

void sp_spec_free(struct sp_spec *sp)
{
	if (!sp)
		return;
	if (sp->index_) {
		struct spec_index *ix = sp->index_;
		sp_hmap_free(&ix->drivers);
		sp_hmap_free(&ix->components);
		free(ix);
	}
	free(sp->srcs);
	sp_arena_free(&sp->arena);
	free(sp);
}

const struct sp_driver *sp_spec_driver(const struct sp_spec *s, const char *name)
{
	const struct spec_index *ix = s->index_;
	uint32_t v;
	if (!ix || sp_hmap_get(&ix->drivers, name, &v) < 0)
		return NULL;
	return &s->drivers[v];
}

int sp_spec_load(struct sp_spec **out, const char *path, struct sp_diags *d)
{
	struct sp_spec *sp = spec_new();
	struct stat st;
	size_t cap = 0;
	struct sp_src *pathsrc = SP_NEW(&sp->arena, struct sp_src);

	size_t read_errors = d->nerrors;

	*out = NULL;
	pathsrc->name = sp_arena_strdup(&sp->arena, path);
	pathsrc->text = "";
	if (stat(path, &st) < 0) {
		sp_error(d, ((struct sp_pos){ pathsrc, 0, 0 }), "cannot read: %s", strerror(errno));
		sp_spec_free(sp);
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *dir = opendir(path);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0, ncap = 0;
		if (!dir) {
			sp_error(d, ((struct sp_pos){ pathsrc, 0, 0 }), "cannot open directory: %s", strerror(errno));
			sp_spec_free(sp);
			return -1;
		}
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.' || !has_yaml_ext(e->d_name))
				continue;
			SP_GROW(names, ncap, n + 1);
			names[n++] = sp_xstrdup(e->d_name);
		}
		closedir(dir);
		if (n)
			qsort(names, n, sizeof(*names), cmp_str);
		if (!n)
			sp_error(d, ((struct sp_pos){ pathsrc, 0, 0 }), "no *.yaml or *.yml files in directory");
		for (size_t i = 0; i < n; i++) {
			size_t pl = strlen(path);
			char *full = sp_arena_printf(&sp->arena, "%s%s%s", path,
						     pl && path[pl - 1] == '/' ? "" : "/", names[i]);
			const struct sp_src *src = read_src(&sp->arena, full, d);
			if (src)
				add_src(sp, src, &cap);
			free(names[i]);
		}
		free(names);
	} else {
		const struct sp_src *src = read_src(&sp->arena, path, d);
		if (src)
			add_src(sp, src, &cap);
	}
	if (!sp->nsrcs || read_errors != d->nerrors || load_sources(sp, d) < 0) {
		sp_spec_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

int sp_spec_load_string(struct sp_spec **out, const char *name, const char *text, size_t len, struct sp_diags *d)
{
	struct sp_spec *sp = spec_new();
	struct sp_src *src = SP_NEW(&sp->arena, struct sp_src);
	size_t cap = 0;

	*out = NULL;
	src->name = sp_arena_strdup(&sp->arena, name);
	src->text = sp_arena_strndup(&sp->arena, text, len);
	src->len = len;
	skip_utf8_bom(src);
	add_src(sp, src, &cap);
	if (load_sources(sp, d) < 0) {
		sp_spec_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}
