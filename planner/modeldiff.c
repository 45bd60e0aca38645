/* What a change to the spec does to the model (planner/modeldiff.h). Each
 * side's forecast runs twice with only one month's per-component figures
 * kept (the first month, then the last), so memory stays that of a plan
 * whatever the horizon; totals, budgets and SLO risks come complete from
 * either run. The spec keys are compared on the YAML trees the loader kept
 * of each side's files (spec->roots). */
#include "planner/modeldiff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"
#include "model/forecast.h"
#include "model/load_util.h"
#include "model/yaml.h"

#define MD_DEFAULT_PATHS 200

const char *const sp_md_change_names[SP_MD_NCHANGES] = { "added", "removed", "changed", "resized", "unchanged" };

/* The spec section of each node kind, in the order components are listed. */
static const char *const section_names[SP_NODE_NKINDS] = { "services", "caches", "datastores", "queues",
							   "gpu.workloads" };

void sp_md_horizon_label(sp_month start, int months, char *buf)
{
	char a[8], b[8];
	sp_month_format(start, a);
	sp_month_format(start + months - 1, b);
	snprintf(buf, 20, "%s..%s", a, b);
}

void sp_md_share_label(char *buf, size_t n, double share)
{
	double p = share * 100;
	if (p > 0 && p < 0.1)
		snprintf(buf, n, "<0.1%%");
	else if (p < 10)
		snprintf(buf, n, "%.1f%%", p);
	else
		snprintf(buf, n, "%.0f%%", p);
}

/* ---- comparing YAML values ------------------------------------------------------------------- */

/* Small mappings are searched in place; larger ones through a hash map. */
#define MD_LINEAR_KEYS 8

static void add_key(struct sp_arena *a, const char *key, const char ***keys, size_t *n, size_t *cap)
{
	SP_GROW(*keys, *cap, *n + 1);
	(*keys)[(*n)++] = sp_arena_strdup(a, key);
}

static char *join(struct sp_arena *a, const char *prefix, const char *key)
{
	return *prefix ? sp_arena_printf(a, "%s.%s", prefix, key) : sp_arena_strdup(a, key);
}

/* A plain scalar that reads as a number, as the loader reads numbers. */
static int scalar_number(const struct sp_ynode *n, double *v)
{
	struct sp_diags scratch;
	struct sp_ld ld = { NULL, NULL, &scratch };
	int rc;

	if (!n->plain || !n->len)
		return -1;
	sp_diags_init(&scratch);
	rc = sp_ld_scalar_num(&ld, n, "", SP_R_ANY, v);
	sp_diags_free(&scratch);
	return rc;
}

static int scalar_equal(const struct sp_ynode *x, const struct sp_ynode *y)
{
	double a, b;
	if (x->len == y->len && !memcmp(x->str, y->str, x->len))
		return 1;
	return scalar_number(x, &a) == 0 && scalar_number(y, &b) == 0 && a == b;
}

/* The value of key in map m, through idx when it was built (large maps). */
static const struct sp_ynode *map_get(const struct sp_ynode *m, const struct sp_hmap *idx, const char *key)
{
	uint32_t i;
	if (idx)
		return sp_hmap_get(idx, key, &i) == 0 ? m->items[i] : NULL;
	for (size_t k = 0; k < m->n; k++)
		if (!strcmp(m->keys[k]->str, key))
			return m->items[k];
	return NULL;
}

static void index_map(const struct sp_ynode *m, struct sp_hmap *idx)
{
	sp_hmap_init(idx);
	for (size_t k = 0; k < m->n; k++)
		sp_hmap_put(idx, m->keys[k]->str, (uint32_t)k, NULL);
}

void sp_md_compare_yaml(struct sp_arena *a, const struct sp_ynode *x, const struct sp_ynode *y, const char *prefix,
			const char ***keys, size_t *n, size_t *cap)
{
	if (x->kind != y->kind) {
		add_key(a, prefix, keys, n, cap);
		return;
	}
	if (x->kind == SP_Y_SCALAR) {
		if (!scalar_equal(x, y))
			add_key(a, prefix, keys, n, cap);
		return;
	}
	if (x->kind == SP_Y_SEQ) {
		if (x->n != y->n) {
			add_key(a, prefix, keys, n, cap);
			return;
		}
		for (size_t i = 0; i < x->n; i++) {
			char *p = sp_arena_printf(a, "%s[%zu]", prefix, i);
			sp_md_compare_yaml(a, x->items[i], y->items[i], p, keys, n, cap);
		}
		return;
	}
	/* mappings: every key of x (changed or gone), then those only y has */
	struct sp_hmap xi, yi;
	int hashed = x->n > MD_LINEAR_KEYS || y->n > MD_LINEAR_KEYS;
	if (hashed) {
		index_map(x, &xi);
		index_map(y, &yi);
	}
	for (size_t k = 0; k < x->n; k++) {
		const char *key = x->keys[k]->str;
		const struct sp_ynode *yv = map_get(y, hashed ? &yi : NULL, key);
		if (!yv)
			add_key(a, join(a, prefix, key), keys, n, cap);
		else
			sp_md_compare_yaml(a, x->items[k], yv, join(a, prefix, key), keys, n, cap);
	}
	for (size_t k = 0; k < y->n; k++) {
		const char *key = y->keys[k]->str;
		if (!map_get(x, hashed ? &xi : NULL, key))
			add_key(a, join(a, prefix, key), keys, n, cap);
	}
	if (hashed) {
		sp_hmap_free(&xi);
		sp_hmap_free(&yi);
	}
}

/* ---- the spec's YAML, by component and by setting ------------------------------------------------ */

/* Named YAML values: "services.api" -> its mapping, "drivers.users" -> ... */
struct ytab {
	struct sp_hmap map;
	const char **names;
	const struct sp_ynode **nodes;
	size_t n, cap, ncap;
};

static void ytab_init(struct ytab *t)
{
	memset(t, 0, sizeof(*t));
	sp_hmap_init(&t->map);
}

static void ytab_free(struct ytab *t)
{
	sp_hmap_free(&t->map);
	free(t->names);
	free(t->nodes);
}

static void ytab_put(struct ytab *t, const char *name, const struct sp_ynode *v)
{
	if (sp_hmap_put(&t->map, name, (uint32_t)t->n, NULL) != 0)
		return;   /* the loader refuses a name defined twice */
	SP_GROW(t->names, t->ncap, t->n + 1);
	SP_GROW(t->nodes, t->cap, t->n + 1);
	t->names[t->n] = name;
	t->nodes[t->n++] = v;
}

static const struct sp_ynode *ytab_get(const struct ytab *t, const char *name)
{
	uint32_t i;
	return sp_hmap_get(&t->map, name, &i) == 0 ? t->nodes[i] : NULL;
}

/* The entries of a named list (regions, gpu.workloads): each item's "name". */
static void put_named_items(struct sp_arena *a, struct ytab *t, const char *section, const struct sp_ynode *seq)
{
	if (seq->kind != SP_Y_SEQ)
		return;
	for (size_t i = 0; i < seq->n; i++) {
		const struct sp_ynode *it = seq->items[i], *nm = it->kind == SP_Y_MAP ? sp_ymap_get(it, "name", NULL) : NULL;
		if (nm && nm->kind == SP_Y_SCALAR)
			ytab_put(t, sp_arena_printf(a, "%s.%s", section, nm->str), it);
	}
}

static void put_map_entries(struct sp_arena *a, struct ytab *t, const char *section, const struct sp_ynode *m)
{
	if (m->kind != SP_Y_MAP)
		return;
	for (size_t i = 0; i < m->n; i++)
		ytab_put(t, sp_arena_printf(a, "%s.%s", section, m->keys[i]->str), m->items[i]);
}

/* Files the values of every file of spec (the YAML trees the loader kept):
 * components in comps, every other setting in settings. */
static void gather_yaml(struct sp_arena *a, const struct sp_spec *spec, struct ytab *comps, struct ytab *settings)
{
	static const char *const comp_sections[] = { "services", "caches", "datastores", "queues" };

	for (size_t f = 0; spec->roots && f < spec->nsrcs; f++) {
		const struct sp_ynode *root = spec->roots[f];
		if (!root || root->kind != SP_Y_MAP)
			continue;
		for (size_t i = 0; i < root->n; i++) {
			const char *k = root->keys[i]->str;
			const struct sp_ynode *v = root->items[i];
			size_t s;
			for (s = 0; s < SP_ARRAY_LEN(comp_sections) && strcmp(k, comp_sections[s]); s++)
				;
			if (s < SP_ARRAY_LEN(comp_sections)) {
				put_map_entries(a, comps, k, v);
			} else if (!strcmp(k, "gpu")) {
				const struct sp_ynode *w, *tiers;
				if (v->kind != SP_Y_MAP)
					continue;
				if ((w = sp_ymap_get(v, "workloads", NULL)))
					put_named_items(a, comps, "gpu.workloads", w);
				if ((tiers = sp_ymap_get(v, "tiers", NULL)))
					ytab_put(settings, "gpu.tiers", tiers);
			} else if (!strcmp(k, "drivers") || !strcmp(k, "tags")) {
				put_map_entries(a, settings, k, v);
			} else if (!strcmp(k, "regions")) {
				put_named_items(a, settings, "regions", v);
			} else {
				ytab_put(settings, k, v);
			}
		}
	}
}

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorts keys[0..*n) and drops repeats. */
static void sort_unique(const char **keys, size_t *n)
{
	size_t k = 0;
	if (!*n)
		return;
	qsort(keys, *n, sizeof(*keys), cmp_strp);
	for (size_t i = 0; i < *n; i++)
		if (!k || strcmp(keys[k - 1], keys[i]))
			keys[k++] = keys[i];
	*n = k;
}

/* ---- the forecasts ---------------------------------------------------------------------------- */

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

struct run_ctx {
	struct sp_modeldiff *md;
	const struct sp_md_opts *o;
	struct sp_hmap index;         /* "section.name" -> index in md->v */
	size_t cap;
	size_t ipct, iband[3];        /* forecast percentile indexes: the one asked, 10, 50, 90 */
};

/* The component of line l (made when new). */
static struct sp_md_component *component_of(struct run_ctx *x, const struct sp_fc_line *l)
{
	struct sp_modeldiff *md = x->md;
	char *key = sp_arena_printf(&md->arena, "%s.%s", section_names[l->kind], l->name);
	uint32_t i;

	if (sp_hmap_get(&x->index, key, &i) == 0)
		return &md->v[i];
	SP_GROW(md->v, x->cap, md->n + 1);
	struct sp_md_component *c = &md->v[md->n];
	memset(c, 0, sizeof(*c));
	c->section = section_names[l->kind];
	c->name = sp_arena_strdup(&md->arena, l->name);
	c->kind = sp_node_kind_names[l->kind];
	c->unit = l->unit;
	c->risk[0] = c->risk[1] = -1;
	sp_hmap_put(&x->index, key, (uint32_t)md->n, NULL);
	md->n++;
	return c;
}

/* Budgets from f's breaches: each budget either side sets, its level on side k. */
static void read_budgets(struct sp_modeldiff *md, const struct sp_spec *spec, const struct sp_forecast *f, int k)
{
	static const char *const keys[2] = { "budgets.monthly_max", "budgets.total_max" };
	double limits[2] = { spec->budgets.monthly_max, spec->budgets.total_max };

	for (int b = 0; b < 2; b++) {
		struct sp_md_budget *bd = NULL;
		if (limits[b] <= 0)
			continue;
		for (size_t i = 0; i < md->nbudgets; i++)
			if (!strcmp(md->budgets[i].key, keys[b]))
				bd = &md->budgets[i];
		if (!bd) {
			bd = &md->budgets[md->nbudgets++];
			memset(bd, 0, sizeof(*bd));
			bd->key = keys[b];
			bd->first[0] = bd->first[1] = -1;
		}
		bd->limit[k] = limits[b];
		for (int want = SP_MD_OVER_MEDIAN; want >= SP_MD_OVER_HIGH && bd->level[k] == SP_MD_WITHIN; want--) {
			enum sp_fc_breach_kind kind =
				b == 0 ? (want == SP_MD_OVER_MEDIAN ? SP_BREACH_MONTH_P50 : SP_BREACH_MONTH_HIGH)
				       : (want == SP_MD_OVER_MEDIAN ? SP_BREACH_TOTAL_P50 : SP_BREACH_TOTAL_HIGH);
			for (size_t i = 0; i < f->nbreaches; i++) {
				const struct sp_fc_breach *br = &f->breaches[i];
				if (br->kind != kind)
					continue;
				if (bd->level[k] == SP_MD_WITHIN) {
					bd->level[k] = (enum sp_md_level)want;
					bd->first[k] = br->month;
				}
				bd->nmonths[k] += br->month >= 0;
				bd->worst[k] = fmax(bd->worst[k], br->value);
			}
		}
	}
}

/* Runs side k's forecast with only month m's per-line figures; first (m ==
 * 0) also takes the totals, budgets and risks. Returns 0 or -1. */
static int run_side(struct run_ctx *x, const struct sp_md_input *in, int k, int m, struct sp_diags *d)
{
	struct sp_modeldiff *md = x->md;
	const struct sp_md_opts *o = x->o;
	struct sp_forecast_opts fo;
	struct sp_forecast *f = NULL;
	double want = o->percentile > 0 ? o->percentile : 50;

	memset(&fo, 0, sizeof(fo));
	fo.paths = o->paths > 0 ? o->paths : MD_DEFAULT_PATHS;
	fo.seed = o->seed;
	fo.threads = o->threads;
	fo.only_month_set = 1;
	fo.only_month = m;
	fo.no_groupings = 1;
	fo.pcts[fo.npcts++] = 10;
	fo.pcts[fo.npcts++] = 50;
	fo.pcts[fo.npcts++] = 90;
	if (want != 10 && want != 50 && want != 90)
		fo.pcts[fo.npcts++] = want;
	qsort(fo.pcts, fo.npcts, sizeof(double), cmp_double);
	if (o->progress && sp_graph_nnodes(in->graph) * (size_t)fo.paths >= 100000) {
		fo.progress = o->progress;
		fo.progress_ctx = o->progress_ctx;
	}
	if (sp_forecast_run(&f, in->spec, in->graph, in->catalog, &fo, d) < 0)
		return -1;
	for (size_t j = 0; j < f->npcts; j++) {
		if (f->pcts[j] == want)
			x->ipct = j;
		for (int b = 0; b < 3; b++)
			if (f->pcts[j] == md->pcts[b])
				x->iband[b] = j;
	}
	md->paths = f->paths > md->paths ? f->paths : md->paths;
	for (size_t i = 0; i < f->nlines; i++) {
		const struct sp_fc_line *l = &f->lines[i];
		struct sp_md_component *c = component_of(x, l);
		struct sp_md_cap cap = { sp_fc_value(f, l, m, SP_FC_UNITS, x->ipct),
					 l->kind == SP_NODE_DATASTORE ? sp_fc_value(f, l, m, SP_FC_SHARDS, x->ipct) : 0 };
		c->has[k] = 1;
		if (m == md->months - 1)
			c->end[k] = cap;
		if (m != 0)
			continue;
		c->now[k] = cap;
		c->cost_now[k] = sp_fc_value(f, l, 0, SP_FC_COST, x->ipct);
		if (l->kind == SP_NODE_SERVICE && l->risk_any_month >= 0) {
			c->risk[k] = l->risk_any_month;
			c->risk_share[k] = l->risk_share;
		}
	}
	if (m == 0) {
		md->monthly_now[k] = f->total[x->ipct];
		for (int b = 0; b < 3; b++)
			md->horizon[k][b] = f->horizon_total[x->iband[b]];
		read_budgets(md, in->spec, f, k);
	}
	sp_forecast_free(f);
	return 0;
}

/* Both runs of side k over md's horizon (the spec's own restored after). */
static int forecast_side(struct run_ctx *x, const struct sp_md_input *in, int k, struct sp_diags *d)
{
	struct sp_spec *s = in->spec;
	sp_month start = s->start;
	int months = s->months, ret = 0;

	s->start = x->md->start;
	s->months = x->md->months;
	if (run_side(x, in, k, 0, d) < 0 || (x->md->months > 1 && run_side(x, in, k, x->md->months - 1, d) < 0))
		ret = -1;
	s->start = start;
	s->months = months;
	return ret;
}

/* ---- putting it together ---------------------------------------------------------------------- */

static int section_rank(const char *section)
{
	for (int i = 0; i < SP_NODE_NKINDS; i++)
		if (!strcmp(section, section_names[i]))
			return i;
	return SP_NODE_NKINDS;
}

static int cmp_component(const void *x, const void *y)
{
	const struct sp_md_component *a = x, *b = y;
	if (a->change != b->change)
		return (int)a->change - (int)b->change;
	if (a->section != b->section)
		return section_rank(a->section) - section_rank(b->section);
	return strcmp(a->name, b->name);
}

static int cap_differs(const struct sp_md_cap *a, const struct sp_md_cap *b)
{
	return a->units != b->units || a->shards != b->shards;
}

static void copy_side(struct sp_modeldiff *md, int k, const struct sp_md_input *in)
{
	struct sp_md_side *s = &md->side[k];
	struct sp_arena *a = &md->arena;

	s->found = in->spec != NULL;
	s->label = in->label ? sp_arena_strdup(a, in->label) : NULL;
	s->commit = in->commit ? sp_arena_strdup(a, in->commit) : NULL;
	s->path = in->path ? sp_arena_strdup(a, in->path) : NULL;
	s->renamed_from = in->renamed_from ? sp_arena_strdup(a, in->renamed_from) : NULL;
	s->how = in->how ? sp_arena_strdup(a, in->how) : NULL;
	s->dirty = in->dirty;
	s->start = SP_NO_MONTH;
	if (in->spec) {
		s->spec_name = in->spec->name ? sp_arena_strdup(a, in->spec->name) : NULL;
		s->start = in->spec->start;
		s->months = in->spec->months;
	}
	if (in->catalog) {
		s->catalog = sp_arena_strdup(a, in->catalog->name);
		s->catalog_as_of = sp_arena_strdup(a, in->catalog->as_of);
	}
}

/* The keys of each component both sides have, and the other settings. */
static void compare_keys(struct sp_modeldiff *md, const struct sp_md_input in[2])
{
	struct ytab comps[2], settings[2];
	struct sp_arena *a = &md->arena;
	size_t scap = 0;

	for (int k = 0; k < 2; k++) {
		ytab_init(&comps[k]);
		ytab_init(&settings[k]);
	}
	for (int k = 0; k < 2; k++)
		if (in[k].spec)
			gather_yaml(a, in[k].spec, &comps[k], &settings[k]);
	for (size_t i = 0; i < md->n; i++) {
		struct sp_md_component *c = &md->v[i];
		const struct sp_ynode *y0, *y1;
		size_t cap = 0;
		char *key;
		if (!c->has[0] || !c->has[1])
			continue;
		key = sp_arena_printf(a, "%s.%s", c->section, c->name);
		y0 = ytab_get(&comps[0], key);
		y1 = ytab_get(&comps[1], key);
		if (!y0 || !y1)
			continue;
		sp_md_compare_yaml(a, y0, y1, "", &c->keys, &c->nkeys, &cap);
		sort_unique(c->keys, &c->nkeys);
		if (c->nkeys) {
			/* keep the list in the arena: the grown array is malloc'd */
			const char **kept = SP_NEWN(a, const char *, c->nkeys);
			memcpy(kept, c->keys, c->nkeys * sizeof(*kept));
			free(c->keys);
			c->keys = kept;
		} else {
			free(c->keys);
			c->keys = NULL;
		}
	}
	/* settings: each one base has (changed or gone), then those only head
	 * has; none when a side has no spec (everything is added or removed) */
	for (int k = 0; k < 2 && in[0].spec && in[1].spec; k++)
		for (size_t i = 0; i < settings[k].n; i++) {
			const char *name = settings[k].names[i];
			const struct sp_ynode *other = ytab_get(&settings[1 - k], name);
			if (!other)
				add_key(a, name, &md->settings, &md->nsettings, &scap);
			else if (k == 0)
				sp_md_compare_yaml(a, settings[0].nodes[i], other, name, &md->settings, &md->nsettings, &scap);
		}
	sort_unique(md->settings, &md->nsettings);
	if (md->nsettings) {
		const char **kept = SP_NEWN(a, const char *, md->nsettings);
		memcpy(kept, md->settings, md->nsettings * sizeof(*kept));
		free(md->settings);
		md->settings = kept;
	} else {
		free(md->settings);
		md->settings = NULL;
	}
	for (int k = 0; k < 2; k++) {
		ytab_free(&comps[k]);
		ytab_free(&settings[k]);
	}
}

int sp_modeldiff_make(struct sp_modeldiff *md, const struct sp_md_input in[2], const struct sp_md_opts *o,
		      struct sp_diags *d)
{
	struct run_ctx x;
	const struct sp_spec *h;
	int ret = -1;

	memset(md, 0, sizeof(*md));
	sp_arena_init(&md->arena);
	memset(&x, 0, sizeof(x));
	x.md = md;
	x.o = o;
	sp_hmap_init(&x.index);
	for (int k = 0; k < 2; k++)
		copy_side(md, k, &in[k]);
	h = in[SP_MD_HEAD].spec ? in[SP_MD_HEAD].spec : in[SP_MD_BASE].spec;
	if (!h) {
		sp_error(d, ((struct sp_pos){ NULL, 0, 0 }), "there is no spec on either side to compare");
		goto out;
	}
	md->start = h->start;
	md->months = h->months;
	md->seed = o->seed;
	md->percentile = o->percentile > 0 ? o->percentile : 50;
	md->pcts[0] = 10;
	md->pcts[1] = 50;
	md->pcts[2] = 90;
	md->currency = sp_arena_strdup(&md->arena, h->currency);
	for (int k = 0; k < 2; k++)
		if (in[k].spec && forecast_side(&x, &in[k], k, d) < 0)
			goto out;
	compare_keys(md, in);
	for (size_t i = 0; i < md->n; i++) {
		struct sp_md_component *c = &md->v[i];
		if (!c->has[SP_MD_BASE])
			c->change = SP_MD_ADDED;
		else if (!c->has[SP_MD_HEAD])
			c->change = SP_MD_REMOVED;
		else if (c->nkeys)
			c->change = SP_MD_CHANGED;
		else if (cap_differs(&c->now[0], &c->now[1]) || cap_differs(&c->end[0], &c->end[1]))
			c->change = SP_MD_RESIZED;
		else
			c->change = SP_MD_UNCHANGED;
		md->counts[c->change]++;
		if (c->has[SP_MD_HEAD] && c->risk[SP_MD_HEAD] >= 0 && c->risk[SP_MD_BASE] < 0)
			md->newly_at_risk++;
	}
	if (md->n)
		qsort(md->v, md->n, sizeof(*md->v), cmp_component);
	for (size_t b = 0; b < md->nbudgets; b++)
		if (md->budgets[b].level[SP_MD_HEAD] > md->budgets[b].level[SP_MD_BASE])
			md->newly_breached++;
	ret = 0;
out:
	sp_hmap_free(&x.index);
	return ret;
}

void sp_modeldiff_free(struct sp_modeldiff *md)
{
	free(md->v);
	sp_arena_free(&md->arena);
	memset(md, 0, sizeof(*md));
}
