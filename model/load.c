/* The spec loader: reads one file, or every .yaml and .yml file of a directory, builds
 * the typed spec of model/spec.h and reports every error it finds (up to the
 * diagnostics limit) with its file, line and column. This file reads the
 * files and folders, gathers the top-level sections over them and loads the
 * settings, drivers and regions (a spec may also come from files in memory,
 * sp_spec_load_srcs); load_components.c loads the components and
 * load_text.c checks the bytes before YAML (model/load_internal.h). */
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

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/load_internal.h"

const char *const sp_driver_model_names[] = { "constant", "linear", "exponential", "logistic", "piecewise", NULL };
static const char *const month_names[] = { "jan", "feb", "mar", "apr", "may", "jun",
					    "jul", "aug", "sep", "oct", "nov", "dec", NULL };

/* ---- the top-level sections --------------------------------------------------- */

enum { S_SCALEPLAN, S_NAME, S_HORIZON, S_CURRENCY, S_PROVIDER, S_STATE, S_PRICING, S_BUDGETS, S_LIFECYCLE,
       S_NSINGLE };
static const char *const single_names[] = { "scaleplan", "name", "horizon", "currency",
					    "provider", "state", "pricing", "budgets", "lifecycle" };
/* the sections that are maps of named entries, in the order of SEC_DRIVERS ... */
static const char *const map_names[] = { "drivers", "services", "caches", "datastores", "queues", "tags" };
static const char *const top_keys[] = { "scaleplan", "name", "horizon", "currency", "provider", "state",
					"pricing", "budgets", "lifecycle", "drivers", "regions", "services", "caches",
					"datastores", "queues", "gpu", "tags", NULL };

static void pairs_add(struct pairs *p, const struct sp_ynode *k, const struct sp_ynode *v)
{
	SP_GROW(p->v, p->cap, p->n + 1);
	p->v[p->n].key = k;
	p->v[p->n].val = v;
	p->n++;
}

static void free_sections(struct sections *s)
{
	for (int i = 0; i < SEC_NMAPS; i++)
		free(s->maps[i].v);
	free(s->regions.v);
	free(s->gpu_workloads.v);
}

/* Adds the entries of section node v to p: a mapping's (key, value) pairs, or
 * (seq) a sequence's items with no key. An empty value ("services:" with
 * nothing under it) adds nothing. */
static void gather_into(struct sp_ld *ld, struct pairs *p, const struct sp_ynode *v, const char *what, int seq)
{
	if (v->kind == SP_Y_SCALAR && v->plain && v->len == 0)
		return;
	if ((seq ? sp_ld_is_seq(ld, v, what) : sp_ld_is_map(ld, v, what)) < 0)
		return;
	for (size_t i = 0; i < v->n; i++)
		pairs_add(p, seq ? NULL : v->keys[i], v->items[i]);
}

/* The gpu section: its workloads (a list, merged over the files) and its tiers (once). */
static void gather_gpu(struct sp_ld *ld, struct sections *s, const struct sp_ynode *v)
{
	static const char *const gk[] = { "workloads", "tiers", NULL };
	const struct sp_ynode *w, *t, *tk;

	if (v->kind == SP_Y_SCALAR && v->plain && v->len == 0)
		return;
	if (sp_ld_is_map(ld, v, "gpu") < 0)
		return;
	sp_ld_keys(ld, v, gk, "gpu");
	if ((w = sp_ymap_get(v, "workloads", NULL)))
		gather_into(ld, &s->gpu_workloads, w, "gpu.workloads", 1);
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

/* Adds the sections of one file's root to s: a setting that may appear once
 * (reported when set again), the entries of the others. */
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
		int j, m;
		for (j = 0; j < S_NSINGLE; j++)
			if (!strcmp(k, single_names[j]))
				break;
		for (m = 0; m < SEC_NMAPS; m++)
			if (!strcmp(k, map_names[m]))
				break;
		if (j < S_NSINGLE) {
			if (s->single[j]) {
				sp_error(ld->d, root->keys[i]->pos, "'%s' is set more than once", k);
				sp_note(ld->d, s->single_key[j]->pos, "'%s' first set here", k);
				continue;
			}
			s->single[j] = v;
			s->single_key[j] = root->keys[i];
		} else if (m < SEC_NMAPS) {
			gather_into(ld, &s->maps[m], v, map_names[m], 0);
		} else if (!strcmp(k, "regions")) {
			gather_into(ld, &s->regions, v, "regions", 1);
		} else if (!strcmp(k, "gpu")) {
			gather_gpu(ld, s, v);
		}
	}
	return 0;
}

/* ---- settings ------------------------------------------------------------------- */

/* scaleplan (the schema version) and name, both required. */
static void load_identity(struct sp_ld *ld, const struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	const struct sp_ynode *v;

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
}

/* horizon (required) and currency. */
static void load_horizon(struct sp_ld *ld, const struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	const struct sp_ynode *v;

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
		else {
			sp->currency = v->str;
			sp->currency_pos = v->pos;
		}
	}
}

/* pricing, budgets and lifecycle (the plan's rules). */
static void load_money_rules(struct sp_ld *ld, const struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	const struct sp_ynode *v, *x;

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
	if ((v = s->single[S_BUDGETS]) && sp_ld_is_map(ld, v, "budgets") == 0) {
		static const char *const keys[] = { "monthly_max", "total_max", NULL };
		sp_ld_keys(ld, v, keys, "budgets");
		if (sp_ld_num(ld, v, "monthly_max", SP_R_POS, &sp->budgets.monthly_max) == 0 &&
		    (x = sp_ymap_get(v, "monthly_max", NULL)))
			sp->budgets.monthly_pos = x->pos;
		if (sp_ld_num(ld, v, "total_max", SP_R_POS, &sp->budgets.total_max) == 0 &&
		    (x = sp_ymap_get(v, "total_max", NULL)))
			sp->budgets.total_pos = x->pos;
	}
	if ((v = s->single[S_LIFECYCLE]) && sp_ld_is_map(ld, v, "lifecycle") == 0) {
		static const char *const keys[] = { "max_deletes", NULL };
		sp_ld_keys(ld, v, keys, "lifecycle");
		if (sp_ld_int(ld, v, "max_deletes", 0, 1000000, &sp->lifecycle.max_deletes) == 0 &&
		    (x = sp_ymap_get(v, "max_deletes", NULL))) {
			sp->lifecycle.has_max_deletes = 1;
			sp->lifecycle.max_deletes_pos = x->pos;
		}
	}
}

/* tags: string values only. */
static void load_tags(struct sp_ld *ld, const struct pairs *p)
{
	struct sp_spec *sp = ld->spec;

	if (!p->n)
		return;
	sp->tags = SP_NEWN(ld->a, struct sp_kv, p->n);
	for (size_t i = 0; i < p->n; i++) {
		const struct sp_ynode *tv = p->v[i].val;
		if (tv->kind != SP_Y_SCALAR) {
			sp_error(ld->d, tv->pos, "tag '%s' must be a string, not %s", p->v[i].key->str, sp_ykind_name(tv));
			continue;
		}
		sp->tags[sp->ntags].key = p->v[i].key->str;
		sp->tags[sp->ntags].value = tv->str;
		sp->tags[sp->ntags].pos = p->v[i].key->pos;
		sp->ntags++;
	}
}

/* Every setting that may appear once, then the tags, with their defaults. */
static void load_settings(struct sp_ld *ld, const struct sections *s)
{
	load_identity(ld, s);
	load_horizon(ld, s);
	sp_load_provider_cfg(ld, s->single[S_PROVIDER]);
	sp_load_state_cfg(ld, s->single[S_STATE]);
	load_money_rules(ld, s);
	load_tags(ld, &s->maps[SEC_TAGS]);
}

/* ---- drivers ---------------------------------------------------------------------- */

/* Which keys each model takes: reports a key the model does not take and a
 * required one that is missing. */
static void check_model_keys(struct sp_ld *ld, const struct sp_ynode *v, int model, const char *what)
{
	static const struct {
		const char *key;
		unsigned models; /* bit per model: allowed */
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
		const struct sp_ynode *x = sp_ymap_get(v, rules[i].key, &k);
		if (x && !(rules[i].models & (1u << model)))
			sp_error(ld->d, k->pos, "'%s' does not apply to model '%s'", rules[i].key, sp_driver_model_names[model]);
		else if (!x && (rules[i].required & (1u << model)))
			sp_ld_missing(ld, v, rules[i].key, what);
	}
}

/* start, per_month, the growth rate (monthly, or annual made monthly) and a
 * logistic driver's ceiling, with the checks between them. */
static void load_growth(struct sp_ld *ld, const struct sp_ynode *v, int model, const char *what, struct sp_driver *d)
{
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
}

/* A piecewise driver's points: {month, value} in increasing month order. */
static void load_points(struct sp_ld *ld, const struct sp_ynode *x, struct sp_driver *d)
{
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

/* uncertainty: {p10, p90}, both required, p10 <= p90. */
static void load_uncertainty(struct sp_ld *ld, const struct sp_ynode *x, struct sp_driver *d)
{
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

/* events: {name, month, multiplier}, month and multiplier required. */
static void load_events(struct sp_ld *ld, const struct sp_ynode *x, struct sp_driver *d)
{
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
	check_model_keys(ld, v, model, what);
	load_growth(ld, v, model, what, d);
	if ((x = sp_ymap_get(v, "points", NULL)) && model == SP_DRV_PIECEWISE && sp_ld_is_seq(ld, x, "points") == 0)
		load_points(ld, x, d);
	if ((x = sp_ymap_get(v, "uncertainty", NULL)) && sp_ld_is_map(ld, x, "uncertainty") == 0)
		load_uncertainty(ld, x, d);
	if ((x = sp_ymap_get(v, "seasonality", NULL)) && sp_ld_is_map(ld, x, "seasonality") == 0) {
		sp_ld_keys(ld, x, month_names, "seasonality");
		for (int m = 0; m < 12; m++)
			sp_ld_num(ld, x, month_names[m], SP_R_POS, &d->seasonality[m]);
	}
	if ((x = sp_ymap_get(v, "events", NULL)) && sp_ld_is_seq(ld, x, "events") == 0)
		load_events(ld, x, d);
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
	sp_load_text_skip_bom(src);
	return src;
}

static void add_src(struct sp_spec *sp, const struct sp_src *src, size_t *cap)
{
	SP_GROW(sp->srcs, *cap, sp->nsrcs + 1);
	sp->srcs[sp->nsrcs++] = src;
}

/* Parses every source of ld->spec and gathers its sections into s; reports
 * an empty file, bad bytes and bad YAML. Returns 1 when any file parsed. */
static int parse_sources(struct sp_ld *ld, struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	int parsed_any = 0;

	sp->roots = SP_NEWN(&sp->arena, const struct sp_ynode *, sp->nsrcs + 1);
	for (size_t i = 0; i < sp->nsrcs; i++) {
		struct sp_ynode *root;
		const struct sp_src *src = sp->srcs[i];
		if (i == 0)
			sp->pos = (struct sp_pos){ src, 1, 1 };
		if (src->len == 0 || strspn(src->text, " \t\r\n") == src->len) {
			sp_error(ld->d, ((struct sp_pos){ src, 0, 0 }), "empty spec file");
			continue;
		}
		if (sp_load_text_check(&sp->arena, src, ld->d) < 0)
			continue;
		if (sp_yaml_parse(&root, src, &sp->arena, ld->d) < 0)
			continue;
		if (!root) {
			sp_error(ld->d, ((struct sp_pos){ src, 0, 0 }), "the file holds no YAML document");
			continue;
		}
		sp->roots[i] = root;
		if (gather(ld, s, root) == 0)
			parsed_any = 1;
	}
	return parsed_any;
}

/* The drivers of p, each under a unique name in ix->drivers. */
static void load_drivers(struct sp_ld *ld, struct spec_index *ix, const struct pairs *p)
{
	struct sp_spec *sp = ld->spec;

	sp->drivers = SP_NEWN(&sp->arena, struct sp_driver, p->n);
	for (size_t i = 0; i < p->n; i++) {
		uint32_t old;
		const struct sp_ynode *k = p->v[i].key;
		if (sp_ld_name_ok(ld, k, "driver") < 0)
			continue;
		if (sp_hmap_put(&ix->drivers, k->str, (uint32_t)sp->ndrivers, &old) == 1) {
			sp_error(ld->d, k->pos, "driver '%s' is defined more than once", k->str);
			sp_note(ld->d, sp->drivers[old].pos, "'%s' first defined here", k->str);
			continue;
		}
		load_driver(ld, k, p->v[i].val, &sp->drivers[sp->ndrivers++]);
	}
}

/* Once everything is loaded: regions with unique names, at least one; events
 * inside the horizon. */
static void check_regions_events(struct sp_ld *ld)
{
	struct sp_spec *sp = ld->spec;

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

/* Loads the sources already in spec->srcs. */
static int load_sources(struct sp_spec *sp, struct sp_diags *d)
{
	struct sp_ld ld = { sp, &sp->arena, d };
	struct sections s;
	struct spec_index *ix = sp_xcalloc(1, sizeof(*ix));
	size_t errors_before = d->nerrors;

	memset(&s, 0, sizeof(s));
	sp_hmap_init(&ix->drivers);
	sp_hmap_init(&ix->components);
	if (!parse_sources(&ld, &s))
		goto out;
	load_settings(&ld, &s);
	load_drivers(&ld, ix, &s.maps[SEC_DRIVERS]);
	sp->regions = SP_NEWN(&sp->arena, struct sp_region, s.regions.n);
	for (size_t i = 0; i < s.regions.n; i++)
		load_region(&ld, s.regions.v[i].val, &sp->regions[sp->nregions++]);
	sp_load_components(&ld, ix, &s);
	sp_load_components_resolve(&ld, ix);
	check_regions_events(&ld);
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
	sp_load_text_skip_bom(src);
	add_src(sp, src, &cap);
	if (load_sources(sp, d) < 0) {
		sp_spec_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}

int sp_spec_load_srcs(struct sp_spec **out, const struct sp_src *srcs, size_t n, struct sp_diags *d)
{
	struct sp_spec *sp = spec_new();
	size_t cap = 0, errors_before = d->nerrors;

	*out = NULL;
	if (!n)
		sp_error(d, ((struct sp_pos){ NULL, 0, 0 }), "no spec files to load");
	for (size_t i = 0; i < n; i++) {
		struct sp_src *src = SP_NEW(&sp->arena, struct sp_src);
		src->name = sp_arena_strdup(&sp->arena, srcs[i].name);
		src->text = "";
		if (srcs[i].len > SP_MAX_FILE_BYTES) {
			sp_error(d, ((struct sp_pos){ src, 0, 0 }), "file is larger than the %u MiB limit for a spec",
				 SP_MAX_FILE_BYTES >> 20);
			continue;
		}
		src->text = sp_arena_strndup(&sp->arena, srcs[i].text, srcs[i].len);
		src->len = srcs[i].len;
		sp_load_text_skip_bom(src);
		add_src(sp, src, &cap);
	}
	if (d->nerrors != errors_before || load_sources(sp, d) < 0) {
		sp_spec_free(sp);
		return -1;
	}
	*out = sp;
	return 0;
}
