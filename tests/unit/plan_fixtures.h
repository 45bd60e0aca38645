/* Fixtures shared by the planner's unit tests (check_plan.c, check_planfile.c,
 * check_apply.c): resources and sets built by hand, a scratch folder, and the
 * comparisons of a diff with its round trip through the plan file. Static
 * inline, so each test file takes what it uses. */
#ifndef SP_PLAN_FIXTURES_H
#define SP_PLAN_FIXTURES_H
#include <check.h>
#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/desired.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/resource.h"
#include "model/spec.h"
#include "planner/apply.h"
#include "planner/cmd_opts.h"
#include "planner/diff.h"
#include "planner/plan.h"
#include "planner/planfile.h"
#include "providers/backend_local.h"
#include "providers/catalog.h"
#include "providers/provider_local.h"
#include "providers/state.h"


/* ---- helpers ------------------------------------------------------------------------------------ */

static char tmpdir[64] __attribute__((unused));

static inline int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void env_clear(void)
{
	unsetenv("SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_KIND");
	unsetenv("SCALEPLAN_LOCAL_LATENCY_MS");
	sp_provider_local_fault_reset();
}

static inline void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-check-plan.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	env_clear();
}

static inline void tmp_teardown(void)
{
	env_clear();
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* A resource built in arena a, room for 16 attributes and 8 dependencies. */
static inline struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region)
{
	struct sp_resource r;
	memset(&r, 0, sizeof(r));
	r.type = sp_arena_strdup(a, type);
	r.name = sp_arena_strdup(a, name);
	r.region = sp_arena_strdup(a, region);
	r.address = sp_resource_address(a, type, name, region);
	r.attrs = SP_NEWN(a, struct sp_attr, 16);
	r.depends_on = SP_NEWN(a, const char *, 8);
	return r;
}

static inline struct sp_attr *add_str(struct sp_resource *r, const char *key, const char *v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_STR;
	at->s = v;
	return at;
}

static inline struct sp_attr *add_num(struct sp_resource *r, const char *key, double v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_NUM;
	at->n = v;
	return at;
}

static inline struct sp_attr *add_bool(struct sp_resource *r, const char *key, int v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_BOOL;
	at->n = v;
	return at;
}

static inline void add_dep(struct sp_resource *r, const char *address)
{
	r->depends_on[r->ndeps++] = address;
}

/* A service "service.<name>[r1]" with an instance type and a count. */
static inline struct sp_resource svc(struct sp_arena *a, const char *name, double instances)
{
	struct sp_resource r = mkres(a, "service", name, "r1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", instances);
	sp_resource_sort(&r);
	return r;
}

/* A set of up to 16 resources in arena a, sorted. */
static inline void set_init(struct sp_arena *a, struct sp_resource_set *s)
{
	s->v = SP_NEWN(a, struct sp_resource, 16);
	s->n = 0;
}

static inline void set_add(struct sp_resource_set *s, struct sp_resource r)
{
	sp_resource_sort(&r);
	s->v[s->n++] = r;
	sp_resource_set_sort(s);
}

static inline const struct sp_change *find_change(const struct sp_diff *d, const char *address)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].address, address))
			return &d->v[i];
	return NULL;
}

/* "a b c": the changes' addresses in order, one space apart */
static inline const char *addresses(const struct sp_diff *d)
{
	static char buf[1024];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", d->v[i].address);
	return buf;
}


/* ---- the plan document: round trip -------------------------------------------------------------- */

static inline int attrs_same(const struct sp_resource *x, const struct sp_resource *y, int check_force_new)
{
	if (x->nattrs != y->nattrs)
		return 0;
	for (size_t i = 0; i < x->nattrs; i++) {
		if (strcmp(x->attrs[i].key, y->attrs[i].key) || x->attrs[i].type != y->attrs[i].type ||
		    !sp_attr_equal(&x->attrs[i], &y->attrs[i]))
			return 0;
		if (x->attrs[i].type == SP_ATTR_NUM && x->attrs[i].n != y->attrs[i].n)
			return 0;
		if (check_force_new && x->attrs[i].force_new != y->attrs[i].force_new)
			return 0;
	}
	return 1;
}

static inline int deps_same(const struct sp_resource *x, const struct sp_resource *y)
{
	if (x->ndeps != y->ndeps)
		return 0;
	for (size_t i = 0; i < x->ndeps; i++)
		if (strcmp(x->depends_on[i], y->depends_on[i]))
			return 0;
	return 1;
}

/* Every change of a decoded plan against the diff it was encoded from. */
static inline void expect_same_diff(const struct sp_diff *want, const struct sp_diff *got)
{
	ck_assert_uint_eq(got->n, want->n);
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(got->counts[k], want->counts[k]);
	for (size_t i = 0; i < want->n; i++) {
		const struct sp_change *w = &want->v[i], *g = &got->v[i];
		const struct sp_resource *wr = w->after ? w->after : w->before;
		ck_assert_str_eq(g->address, w->address);
		ck_assert_int_eq(g->action, w->action);
		ck_assert_int_eq(g->before == NULL, w->before == NULL);
		ck_assert_int_eq(g->after == NULL, w->after == NULL);
		if (w->before) {
			ck_assert_msg(attrs_same(g->before, w->before, !w->after), "%s: before differs", w->address);
			ck_assert_msg(deps_same(g->before, w->before), "%s: before's depends_on differs", w->address);
		}
		if (w->after) {
			ck_assert_msg(attrs_same(g->after, w->after, 1), "%s: after differs", w->address);
			ck_assert_msg(deps_same(g->after, w->after), "%s: after's depends_on differs", w->address);
		}
		const struct sp_resource *gr = g->after ? g->after : g->before;
		ck_assert_str_eq(gr->address, wr->address);
		ck_assert_str_eq(gr->type, wr->type);
		ck_assert_str_eq(gr->name, wr->name);
		ck_assert_str_eq(gr->region, wr->region);
		ck_assert_int_eq(gr->prevent_destroy, wr->prevent_destroy);
		ck_assert_int_eq(gr->allow_zero, wr->allow_zero);
	}
}

/* A plan around a hand-made diff: what sp_plan_to_json and sp_plan_cost_fill read. */
struct mini_plan {
	struct sp_plan p;
	struct sp_spec spec;
	struct sp_forecast fc;
	struct sp_catalog cat;
	struct sp_state st;
	struct sp_state_cfg state_cfg;
	struct sp_provider_cfg provider_cfg;
	double horizon[3];
};

static inline void mini_plan_init(struct mini_plan *m, const struct sp_diff *d)
{
	memset(m, 0, sizeof(*m));
	m->spec.name = "shop";
	m->fc.pcts[0] = 10;
	m->fc.pcts[1] = 50;
	m->fc.pcts[2] = 90;
	m->fc.npcts = 3;
	m->fc.paths = 20;
	m->fc.seed = 42;
	m->fc.currency = "USD";
	ck_assert_int_eq(sp_month_parse("2027-01", &m->fc.start), 0);
	m->fc.months = 24;
	m->horizon[0] = 1000.004;
	m->horizon[1] = 2000.5;
	m->horizon[2] = 3333.333;
	m->fc.horizon_total = m->horizon;
	m->cat.name = "empty";
	m->cat.as_of = "2026-06";
	m->cat.currency = "USD";
	m->cat.hours_per_month = 730;
	m->st.lineage = "0f8fad5b-d9cb-469f-a165-70867728950e";
	m->st.serial = 12;
	m->st.cost.present = 1;
	m->st.cost.horizon[0] = 900;
	m->st.cost.horizon[1] = 1900;
	m->st.cost.horizon[2] = 2900;
	m->p.spec = &m->spec;
	m->p.forecast = &m->fc;
	m->p.catalog = &m->cat;
	m->p.state = &m->st;
	snprintf(m->p.spec_digest, sizeof(m->p.spec_digest), "%s", "89abcdef0123456789abcdef0123456789abcdef");
	snprintf(m->p.at, sizeof(m->p.at), "%s", "2027-09");
	m->p.pct = 2;
	m->p.lo = 0;
	m->p.mid = 1;
	m->p.hi = 2;
	m->p.refreshed = 1;
	sp_state_cfg_init(&m->state_cfg, NULL, NULL);
	m->state_cfg.path = "x/state.json";
	sp_provider_cfg_init(&m->provider_cfg);
	m->provider_cfg.path = "x/infra";
	m->p.state_cfg = &m->state_cfg;
	m->p.provider_cfg = &m->provider_cfg;
	m->p.diff = *d;
	sp_diff_price(&m->p.diff, &m->cat);
	m->p.cost_before = 10.125;
	m->p.cost_after = 20.5;
}


/* A resource copied into a with one attribute changed (or added). */
static inline struct sp_resource with_attr(struct sp_arena *a, const struct sp_resource *r, const char *key,
				    const char *s, double n)
{
	struct sp_resource c = *r;
	int found = 0;
	c.attrs = SP_NEWN(a, struct sp_attr, r->nattrs + 1);
	memcpy(c.attrs, r->attrs, r->nattrs * sizeof(*r->attrs));
	for (size_t i = 0; i < c.nattrs; i++)
		if (!strcmp(c.attrs[i].key, key)) {
			found = 1;
			if (s)
				c.attrs[i].s = s;
			else
				c.attrs[i].n = n;
		}
	if (!found) {
		c.attrs[c.nattrs++] = (struct sp_attr){ key, s ? SP_ATTR_STR : SP_ATTR_NUM, s, n, 0 };
		sp_resource_sort(&c);
	}
	return c;
}

#endif
