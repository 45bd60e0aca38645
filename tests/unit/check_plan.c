/* The planner's core: the diff (planner/diff.c) with its address filters and
 * lifecycle protections, the plan document (planner/planfile.c) both ways,
 * applying a diff in dependency order (planner/apply.c) against the local
 * provider and the local state backend, and the option parsers shared by the
 * commands (planner/cmd_opts.c). */
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

Suite *suite_plan(void);

/* ---- helpers ------------------------------------------------------------------------------------ */

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void env_clear(void)
{
	unsetenv("SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_KIND");
	unsetenv("SCALEPLAN_LOCAL_LATENCY_MS");
	sp_provider_local_fault_reset();
}

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-check-plan.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	env_clear();
}

static void tmp_teardown(void)
{
	env_clear();
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* A resource built in arena a, room for 16 attributes and 8 dependencies. */
static struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region)
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

static struct sp_attr *add_str(struct sp_resource *r, const char *key, const char *v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_STR;
	at->s = v;
	return at;
}

static struct sp_attr *add_num(struct sp_resource *r, const char *key, double v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_NUM;
	at->n = v;
	return at;
}

static struct sp_attr *add_bool(struct sp_resource *r, const char *key, int v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_BOOL;
	at->n = v;
	return at;
}

static void add_dep(struct sp_resource *r, const char *address)
{
	r->depends_on[r->ndeps++] = address;
}

/* A service "service.<name>[r1]" with an instance type and a count. */
static struct sp_resource svc(struct sp_arena *a, const char *name, double instances)
{
	struct sp_resource r = mkres(a, "service", name, "r1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", instances);
	sp_resource_sort(&r);
	return r;
}

/* A set of up to 16 resources in arena a, sorted. */
static void set_init(struct sp_arena *a, struct sp_resource_set *s)
{
	s->v = SP_NEWN(a, struct sp_resource, 16);
	s->n = 0;
}

static void set_add(struct sp_resource_set *s, struct sp_resource r)
{
	sp_resource_sort(&r);
	s->v[s->n++] = r;
	sp_resource_set_sort(s);
}

static const struct sp_change *find_change(const struct sp_diff *d, const char *address)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].address, address))
			return &d->v[i];
	return NULL;
}

/* "a b c": the changes' addresses in order, one space apart */
static const char *addresses(const struct sp_diff *d)
{
	static char buf[1024];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", d->v[i].address);
	return buf;
}

/* ---- diff --------------------------------------------------------------------------------------- */

START_TEST(test_diff_actions)
{
	struct sp_arena a;
	struct sp_resource_set cur, want;
	struct sp_diff d;
	struct sp_diags dg;
	struct sp_resource r;
	const struct sp_change *c;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	set_init(&a, &cur);
	set_init(&a, &want);

	/* unchanged */
	set_add(&cur, svc(&a, "same", 3));
	set_add(&want, svc(&a, "same", 3));
	/* gone from the spec */
	set_add(&cur, svc(&a, "old", 2));
	/* new */
	r = mkres(&a, "service", "new", "r1");
	add_str(&r, "purchase", "on_demand");
	add_num(&r, "instances", 4);
	add_str(&r, "instance_type", "m7i.large");
	set_add(&want, r);
	/* updated: instances 3 -> 5, purchase added, class removed, instance_type unchanged */
	r = mkres(&a, "service", "upd", "r1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", 3);
	add_str(&r, "class", "web");
	set_add(&cur, r);
	r = mkres(&a, "service", "upd", "r1");
	add_str(&r, "purchase", "commit_1y");
	add_num(&r, "instances", 5);
	add_str(&r, "instance_type", "m7i.large");
	set_add(&want, r);
	/* replaced: engine (force_new) and nodes change */
	r = mkres(&a, "cache", "pc", "r1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 2);
	add_str(&r, "node_type", "cache.r6g.large");
	set_add(&cur, r);
	r = mkres(&a, "cache", "pc", "r1");
	add_str(&r, "engine", "memcached")->force_new = 1;
	add_num(&r, "nodes", 3);
	add_str(&r, "node_type", "cache.r6g.large");
	set_add(&want, r);
	/* a force_new attribute that did not change: an update, not a replace */
	r = mkres(&a, "cache", "qc", "r1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 2);
	set_add(&cur, r);
	r = mkres(&a, "cache", "qc", "r1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 4);
	set_add(&want, r);
	/* a boolean flips and a number becomes a string: both updates */
	r = mkres(&a, "datastore", "db", "r1");
	add_bool(&r, "multi_az", 0);
	add_num(&r, "storage_gb", 100);
	set_add(&cur, r);
	r = mkres(&a, "datastore", "db", "r1");
	add_bool(&r, "multi_az", 1);
	add_str(&r, "storage_gb", "100");
	set_add(&want, r);

	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(dg.n, 0);
	ck_assert_str_eq(addresses(&d), "cache.pc[r1] cache.qc[r1] datastore.db[r1] service.new[r1] service.old[r1] "
					"service.same[r1] service.upd[r1]");
	ck_assert_uint_eq(d.counts[SP_ACT_NOOP], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_CREATE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_UPDATE], 3);
	ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 1);
	ck_assert_str_eq(sp_action_names[SP_ACT_REPLACE], "replace");
	ck_assert_str_eq(sp_action_names[SP_ACT_NOOP], "no-op");

	c = find_change(&d, "service.same[r1]");
	ck_assert_int_eq(c->action, SP_ACT_NOOP);
	ck_assert_uint_eq(c->nattrs, 0);
	ck_assert_ptr_nonnull(c->before);
	ck_assert_ptr_nonnull(c->after);

	c = find_change(&d, "service.old[r1]");
	ck_assert_int_eq(c->action, SP_ACT_DELETE);
	ck_assert_ptr_null(c->after);
	ck_assert_str_eq(c->before->address, "service.old[r1]");
	ck_assert_uint_eq(c->nattrs, 0);

	/* a create lists every attribute, sorted, each without a before */
	c = find_change(&d, "service.new[r1]");
	ck_assert_int_eq(c->action, SP_ACT_CREATE);
	ck_assert_ptr_null(c->before);
	ck_assert_uint_eq(c->nattrs, 3);
	ck_assert_str_eq(c->attrs[0].key, "instance_type");
	ck_assert_str_eq(c->attrs[1].key, "instances");
	ck_assert_str_eq(c->attrs[2].key, "purchase");
	for (size_t k = 0; k < 3; k++) {
		ck_assert_ptr_null(c->attrs[k].before);
		ck_assert_ptr_eq(c->attrs[k].after, &c->after->attrs[k]);
		ck_assert_int_eq(c->attrs[k].forces_replace, 0);
	}

	/* an update lists the changed attributes only, sorted: added, removed, changed */
	c = find_change(&d, "service.upd[r1]");
	ck_assert_int_eq(c->action, SP_ACT_UPDATE);
	ck_assert_uint_eq(c->nattrs, 3);
	ck_assert_str_eq(c->attrs[0].key, "class");
	ck_assert_str_eq(c->attrs[0].before->s, "web");
	ck_assert_ptr_null(c->attrs[0].after);
	ck_assert_str_eq(c->attrs[1].key, "instances");
	ck_assert_double_eq(c->attrs[1].before->n, 3);
	ck_assert_double_eq(c->attrs[1].after->n, 5);
	ck_assert_str_eq(c->attrs[2].key, "purchase");
	ck_assert_ptr_null(c->attrs[2].before);
	ck_assert_str_eq(c->attrs[2].after->s, "commit_1y");
	for (size_t k = 0; k < 3; k++)
		ck_assert_int_eq(c->attrs[k].forces_replace, 0);

	/* a replace: the force_new attribute is marked, the other change is listed too */
	c = find_change(&d, "cache.pc[r1]");
	ck_assert_int_eq(c->action, SP_ACT_REPLACE);
	ck_assert_uint_eq(c->nattrs, 2);
	ck_assert_str_eq(c->attrs[0].key, "engine");
	ck_assert_int_eq(c->attrs[0].forces_replace, 1);
	ck_assert_str_eq(c->attrs[0].before->s, "redis");
	ck_assert_str_eq(c->attrs[0].after->s, "memcached");
	ck_assert_str_eq(c->attrs[1].key, "nodes");
	ck_assert_int_eq(c->attrs[1].forces_replace, 0);

	c = find_change(&d, "cache.qc[r1]");
	ck_assert_int_eq(c->action, SP_ACT_UPDATE);
	ck_assert_uint_eq(c->nattrs, 1);
	ck_assert_str_eq(c->attrs[0].key, "nodes");

	c = find_change(&d, "datastore.db[r1]");
	ck_assert_int_eq(c->action, SP_ACT_UPDATE);
	ck_assert_uint_eq(c->nattrs, 2);
	ck_assert_str_eq(c->attrs[0].key, "multi_az");
	ck_assert_int_eq(c->attrs[0].before->type, SP_ATTR_BOOL);
	ck_assert_double_eq(c->attrs[0].after->n, 1);
	ck_assert_str_eq(c->attrs[1].key, "storage_gb");
	ck_assert_int_eq(c->attrs[1].before->type, SP_ATTR_NUM);
	ck_assert_int_eq(c->attrs[1].after->type, SP_ATTR_STR);

	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_diff_empty_sets)
{
	struct sp_arena a;
	struct sp_resource_set none = { NULL, 0 }, cur;
	struct sp_diff d;
	struct sp_diags dg;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	ck_assert_int_eq(sp_diff_build(&d, &a, &none, &none, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(d.n, 0);
	for (int k = 0; k < 5; k++)
		ck_assert_uint_eq(d.counts[k], 0);
	/* everything current, nothing desired: all deletes */
	set_init(&a, &cur);
	set_add(&cur, svc(&a, "b", 1));
	set_add(&cur, svc(&a, "a", 1));
	ck_assert_int_eq(sp_diff_build(&d, &a, &none, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "service.a[r1] service.b[r1]");
	ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 2);
	ck_assert_uint_eq(dg.nerrors, 0);
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_address_matches)
{
	const char *w = "service.web[us-east-1]";

	ck_assert_int_eq(sp_address_matches(w, "service.web[us-east-1]"), 1);
	ck_assert_int_eq(sp_address_matches(w, "service.web"), 1);
	ck_assert_int_eq(sp_address_matches(w, "service"), 1);
	ck_assert_int_eq(sp_address_matches(w, "service.web[eu-west-1]"), 0);
	ck_assert_int_eq(sp_address_matches(w, "service.we"), 0);
	ck_assert_int_eq(sp_address_matches(w, "servic"), 0);
	ck_assert_int_eq(sp_address_matches(w, "service.web[us-east"), 0);
	ck_assert_int_eq(sp_address_matches(w, "web"), 0);
	ck_assert_int_eq(sp_address_matches(w, "cache"), 0);
	ck_assert_int_eq(sp_address_matches("service.webx[r1]", "service.web"), 0);
	ck_assert_int_eq(sp_address_matches("services.web[r1]", "service"), 0);
	/* names may hold '.': a component pattern names that component only */
	ck_assert_int_eq(sp_address_matches("service.web.v2[r1]", "service.web"), 0);
	ck_assert_int_eq(sp_address_matches("service.web.v2[r1]", "service.web.v2"), 1);
	ck_assert_int_eq(sp_address_matches("service.web.v2[r1]", "service"), 1);
}
END_TEST

START_TEST(test_diff_targets_excludes)
{
	struct sp_arena a;
	struct sp_resource_set want, none = { NULL, 0 };
	struct sp_diff d;
	struct sp_diags dg;
	static const char *const names[][2] = { { "web", "r1" }, { "web", "r2" }, { "webx", "r1" }, { "web.v2", "r1" } };

	sp_arena_init(&a);
	sp_diags_init(&dg);
	set_init(&a, &want);
	for (size_t i = 0; i < 4; i++) {
		struct sp_resource r = mkres(&a, "service", names[i][0], names[i][1]);
		add_num(&r, "instances", 1);
		set_add(&want, r);
	}
	{
		struct sp_resource r = mkres(&a, "cache", "web", "r1");
		add_num(&r, "nodes", 1);
		set_add(&want, r);
	}

	const char *t1[] = { "service.web" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, t1, 1, NULL, 0, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "service.web[r1] service.web[r2]");
	ck_assert_uint_eq(d.counts[SP_ACT_CREATE], 2);
	ck_assert_uint_eq(d.counts[SP_ACT_NOOP], 0);

	const char *t2[] = { "service" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, t2, 1, NULL, 0, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "service.web.v2[r1] service.web[r1] service.web[r2] service.webx[r1]");

	const char *t3[] = { "service.web[r2]", "cache.web[r1]" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, t3, 2, NULL, 0, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "cache.web[r1] service.web[r2]");

	const char *x1[] = { "service.web[r1]" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, NULL, 0, x1, 1, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "cache.web[r1] service.web.v2[r1] service.web[r2] service.webx[r1]");

	/* excludes win over targets */
	const char *x2[] = { "service.web", "service.web.v2" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, t2, 1, x2, 2, NULL, &dg), 0);
	ck_assert_str_eq(addresses(&d), "service.webx[r1]");
	ck_assert_uint_eq(d.counts[SP_ACT_CREATE], 1);

	/* a target that matches nothing: an empty diff */
	const char *t4[] = { "queue" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &none, t4, 1, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(dg.n, 0);

	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* The one diagnostic's file and message, checked. */
static void expect_diag(const struct sp_diags *dg, size_t i, const char *file, const char *needle)
{
	ck_assert_uint_gt(dg->n, i);
	ck_assert_int_eq(dg->v[i].sev, SP_ERROR);
	ck_assert_str_eq(dg->v[i].file, file);
	ck_assert_msg(strstr(dg->v[i].msg, needle), "'%s' not in '%s'", needle, dg->v[i].msg);
}

static const struct sp_src protect_src = { "spec.yaml", "", 0 };

/* A spec that protects datastore.db in every region. */
static int protect_db(void *ctx, const char *address, struct sp_pos *where)
{
	(void)ctx;
	if (strncmp(address, "datastore.db[", 13))
		return 0;
	*where = (struct sp_pos){ &protect_src, 12, 34 };
	return 1;
}

START_TEST(test_diff_prevent_destroy)
{
	struct sp_arena a;
	struct sp_resource_set cur, want;
	struct sp_diff d;
	struct sp_diags dg;
	struct sp_resource r;

	sp_arena_init(&a);
	sp_diags_init(&dg);

	/* a replace of what the spec now protects: an error, the diff still filled */
	set_init(&a, &cur);
	set_init(&a, &want);
	r = mkres(&a, "datastore", "db", "r1");
	add_str(&r, "engine", "postgres")->force_new = 1;
	set_add(&cur, r);
	r = mkres(&a, "datastore", "db", "r1");
	add_str(&r, "engine", "mysql")->force_new = 1;
	r.prevent_destroy = 1;
	set_add(&want, r);
	set_add(&want, svc(&a, "web", 2));
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
	ck_assert_uint_eq(dg.nerrors, 1);
	expect_diag(&dg, 0, "datastore.db[r1]", "would replace (destroy, then create) it");
	expect_diag(&dg, 0, "datastore.db[r1]", "prevent_destroy");
	ck_assert_uint_eq(d.n, 2);
	ck_assert_int_eq(d.v[0].action, SP_ACT_REPLACE);
	ck_assert_int_eq(d.v[1].action, SP_ACT_CREATE);
	ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_CREATE], 1);

	/* protection lifted in the spec, but still recorded by the state: the
	 * lift must be applied first */
	sp_diags_free(&dg);
	sp_diags_init(&dg);
	cur.v[0].prevent_destroy = 1;
	want.v[0].prevent_destroy = 0;
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
	expect_diag(&dg, 0, "datastore.db[r1]", "would replace (destroy, then create) it, but it was applied with "
						"prevent_destroy: true");
	sp_diags_free(&dg);
	sp_diags_init(&dg);
	cur.v[0].prevent_destroy = 0;
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(dg.nerrors, 0);
	cur.v[0].prevent_destroy = 1;

	/* the spec protects a component in every region, even one it no longer
	 * wants and the state forgot: the error names the spec's line */
	sp_diags_free(&dg);
	sp_diags_init(&dg);
	{
		struct sp_resource_set none;
		set_init(&a, &none);
		struct sp_protection prot = { protect_db, NULL };
		cur.v[0].prevent_destroy = 0;
		ck_assert_int_eq(sp_diff_build(&d, &a, &none, &cur, NULL, 0, NULL, 0, &prot, &dg), -1);
		ck_assert_uint_eq(dg.nerrors, 1);
		expect_diag(&dg, 0, "datastore.db[r1]", "would destroy it, but the spec protects it");
		ck_assert_uint_eq(dg.n, 2);
		ck_assert_int_eq(dg.v[1].sev, SP_NOTE);
		ck_assert_str_eq(dg.v[1].file, "spec.yaml");
		ck_assert_int_eq(dg.v[1].pos.line, 12);
		ck_assert_int_eq(dg.v[1].pos.col, 34);
		cur.v[0].prevent_destroy = 1;
	}
	sp_diags_free(&dg);
	sp_diags_init(&dg);

	/* a delete follows the protection recorded at the last apply (before) */
	set_init(&a, &want);
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
	ck_assert_uint_eq(dg.nerrors, 1);
	expect_diag(&dg, 0, "datastore.db[r1]", "would destroy it, but it was applied with prevent_destroy: true");
	ck_assert_uint_eq(d.n, 1);
	ck_assert_int_eq(d.v[0].action, SP_ACT_DELETE);

	/* an unprotected delete is fine; so is a protected one left out by an exclude */
	sp_diags_free(&dg);
	sp_diags_init(&dg);
	const char *x[] = { "datastore" };
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, x, 1, NULL, &dg), 0);
	ck_assert_uint_eq(d.n, 0);
	cur.v[0].prevent_destroy = 0;
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(dg.nerrors, 0);
	ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 1);

	/* an update of a protected resource is no destruction */
	set_init(&a, &cur);
	set_init(&a, &want);
	r = svc(&a, "web", 2);
	r.prevent_destroy = 1;
	set_add(&cur, r);
	r = svc(&a, "web", 5);
	r.prevent_destroy = 1;
	set_add(&want, r);
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_int_eq(d.v[0].action, SP_ACT_UPDATE);

	/* errors found before the call do not fail this diff */
	{
		struct sp_pos nowhere = { NULL, 0, 0 };
		sp_error(&dg, nowhere, "an earlier error");
	}
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_eq(dg.nerrors, 1);

	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_diff_scale_to_zero)
{
	static const char *const keys[] = { "instances", "nodes", "gpus" };
	struct sp_arena a;
	struct sp_diff d;
	struct sp_diags dg;

	sp_arena_init(&a);
	for (size_t k = 0; k < 3; k++) {
		struct sp_resource_set cur, want;
		struct sp_resource r;

		/* from 3 to 0 without allow_zero: an error naming both counts */
		sp_diags_init(&dg);
		set_init(&a, &cur);
		set_init(&a, &want);
		r = mkres(&a, "gpu", "g", "r1");
		add_num(&r, keys[k], 3);
		add_str(&r, "instance_type", "p5.48xlarge");
		set_add(&cur, r);
		r = mkres(&a, "gpu", "g", "r1");
		add_num(&r, keys[k], 0);
		add_str(&r, "instance_type", "p5.48xlarge");
		set_add(&want, r);
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
		ck_assert_uint_eq(dg.nerrors, 1);
		expect_diag(&dg, 0, "gpu.g[r1]", "would scale it from 3 to 0");
		expect_diag(&dg, 0, "gpu.g[r1]", "allow_zero: true");
		ck_assert_uint_eq(d.n, 1);
		ck_assert_int_eq(d.v[0].action, SP_ACT_UPDATE);
		ck_assert_double_eq(d.v[0].attrs[0].after->n, 0);
		sp_diags_free(&dg);

		/* allowed by the spec */
		sp_diags_init(&dg);
		want.v[0].allow_zero = 1;
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
		ck_assert_uint_eq(dg.nerrors, 0);
		/* allow_zero recorded at the last apply only: the spec decides */
		want.v[0].allow_zero = 0;
		cur.v[0].allow_zero = 1;
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
		sp_diags_free(&dg);

		/* 0 to 0 and 0 to 2 are fine, and so is 3 to 1 */
		sp_diags_init(&dg);
		cur.v[0].allow_zero = 0;
		cur.v[0].attrs[sp_resource_attr(&cur.v[0], keys[k]) - cur.v[0].attrs].n = 0;
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
		ck_assert_int_eq(d.v[0].action, SP_ACT_NOOP);
		want.v[0].attrs[sp_resource_attr(&want.v[0], keys[k]) - want.v[0].attrs].n = 2;
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
		cur.v[0].attrs[sp_resource_attr(&cur.v[0], keys[k]) - cur.v[0].attrs].n = 3;
		want.v[0].attrs[sp_resource_attr(&want.v[0], keys[k]) - want.v[0].attrs].n = 1;
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
		ck_assert_uint_eq(dg.nerrors, 0);
		sp_diags_free(&dg);
	}

	/* a count that is not a count attribute (replicas) may reach 0; a
	 * resource removed with its count is a delete, not a scale */
	{
		struct sp_resource_set cur, want;
		struct sp_resource r;
		sp_diags_init(&dg);
		set_init(&a, &cur);
		set_init(&a, &want);
		r = mkres(&a, "datastore", "db", "r1");
		add_num(&r, "replicas_per_shard", 2);
		set_add(&cur, r);
		r = mkres(&a, "datastore", "db", "r1");
		add_num(&r, "replicas_per_shard", 0);
		set_add(&want, r);
		set_add(&cur, svc(&a, "gone", 4));
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
		ck_assert_uint_eq(d.counts[SP_ACT_UPDATE], 1);
		ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 1);

		/* two errors in one diff are both reported */
		set_init(&a, &cur);
		set_init(&a, &want);
		set_add(&cur, svc(&a, "a", 2));
		set_add(&cur, svc(&a, "b", 1));
		set_add(&want, svc(&a, "a", 0));
		set_add(&want, svc(&a, "b", 0));
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
		ck_assert_uint_eq(dg.nerrors, 2);
		expect_diag(&dg, 0, "service.a[r1]", "from 2 to 0");
		expect_diag(&dg, 1, "service.b[r1]", "from 1 to 0");
		/* the one left out is not checked */
		const char *t[] = { "service.b" };
		sp_diags_free(&dg);
		sp_diags_init(&dg);
		ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, t, 1, NULL, 0, NULL, &dg), -1);
		ck_assert_uint_eq(dg.nerrors, 1);
		expect_diag(&dg, 0, "service.b[r1]", "from 1 to 0");
		sp_diags_free(&dg);
	}
	sp_arena_free(&a);
}
END_TEST

/* ---- the plan document: decoding ---------------------------------------------------------------- */

/* A valid plan document with one change per action; cases below edit it. */
static const char plan_doc[] =
	"{\n"
	"  \"format_version\": 1,\n"
	"  \"scaleplan_version\": \"0.1.0\",\n"
	"  \"spec\": \"shop\",\n"
	"  \"spec_digest\": \"0123456789abcdef0123456789abcdef01234567\",\n"
	"  \"at\": \"2027-06\",\n"
	"  \"percentile\": 90,\n"
	"  \"state\": {\"backend\": \"local\", \"path\": \"st/state.json\", \"lineage\": "
	"\"0f8fad5b-d9cb-469f-a165-70867728950e\", \"serial\": 7},\n"
	"  \"provider\": {\"kind\": \"local\", \"path\": \"st/infra\"},\n"
	"  \"cost\": {\"currency\": \"USD\", \"horizon\": {\"start\": \"2027-01\", \"end\": \"2027-12\", "
	"\"total\": {\"p10\": 100.5, \"p50\": 200, \"p90\": 300.25}}},\n"
	"  \"resource_changes\": [\n"
	"    {\"address\": \"cache.pc[r1]\", \"type\": \"cache\", \"name\": \"pc\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"delete\", \"create\"], \"before\": {\"engine\": \"redis\", \"nodes\": 2},\n"
	"                \"after\": {\"nodes\": 3, \"engine\": \"memcached\"}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [\"engine\"],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"create\"], \"before\": null, \"after\": {\"instances\": 4, \"spot\": true, "
	"\"ratio\": 0.25}},\n"
	"     \"depends_on\": {\"before\": null, \"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": true, \"allow_zero\": true}},\n"
	"    {\"address\": \"service.old[r1]\", \"type\": \"service\", \"name\": \"old\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": null},\n"
	"     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.same[r1]\", \"type\": \"service\", \"name\": \"same\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": {\"instances\": 1}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.upd[r1]\", \"type\": \"service\", \"name\": \"upd\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"update\"], \"before\": {\"instances\": 3}, \"after\": {\"instances\": 5}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}}\n"
	"  ]\n"
	"}\n";

/* plan_doc with the first occurrence of from replaced by to (malloc) */
static char *edit(const char *from, const char *to)
{
	const char *p = strstr(plan_doc, from);
	struct sp_sb sb = SP_SB_INIT;
	ck_assert_msg(p != NULL, "'%s' is not in the plan document", from);
	sp_sb_addf(&sb, "%.*s%s%s", (int)(p - plan_doc), plan_doc, to, p + strlen(from));
	return sp_sb_detach(&sb, NULL);
}

/* Decodes plan_doc edited once; returns the code, err filled. */
static int decode_edit(const char *from, const char *to, struct sp_err *err)
{
	struct sp_saved_plan sp;
	char *text = edit(from, to);
	int rc;
	sp_err_clear(err);
	rc = sp_plan_from_json(&sp, text, strlen(text), "p.json", err);
	sp_saved_plan_free(&sp);
	free(text);
	return rc;
}

START_TEST(test_planfile_decode)
{
	struct sp_saved_plan sp;
	struct sp_err err;
	const struct sp_change *c;
	const struct sp_attr *at;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, plan_doc, strlen(plan_doc), "p.json", &err), 0);
	ck_assert_str_eq(sp.spec_name, "shop");
	ck_assert_str_eq(sp.spec_digest, "0123456789abcdef0123456789abcdef01234567");
	ck_assert_str_eq(sp.at, "2027-06");
	ck_assert_double_eq(sp.percentile, 90);
	ck_assert_str_eq(sp.lineage, "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_uint_eq(sp.serial, 7);
	ck_assert_str_eq(sp.state_path, "st/state.json");
	ck_assert_str_eq(sp.infra_path, "st/infra");
	ck_assert_str_eq(sp.cost.currency, "USD");
	ck_assert_double_eq(sp.cost.pct[0], 10);
	ck_assert_double_eq(sp.cost.pct[2], 90);
	ck_assert_double_eq(sp.cost.horizon[0], 100.5);
	ck_assert_double_eq(sp.cost.horizon[1], 200);
	ck_assert_double_eq(sp.cost.horizon[2], 300.25);

	ck_assert_uint_eq(sp.diff.n, 5);
	ck_assert_str_eq(addresses(&sp.diff), "cache.pc[r1] service.new[r1] service.old[r1] service.same[r1] "
					      "service.upd[r1]");
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_CREATE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_DELETE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_NOOP], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_UPDATE], 1);

	/* ["delete","create"] is a replace; attributes come out sorted, force_new on both sides */
	c = &sp.diff.v[0];
	ck_assert_int_eq(c->action, SP_ACT_REPLACE);
	ck_assert_uint_eq(c->after->nattrs, 2);
	ck_assert_str_eq(c->after->attrs[0].key, "engine");
	ck_assert_str_eq(c->after->attrs[0].s, "memcached");
	ck_assert_int_eq(c->after->attrs[0].force_new, 1);
	ck_assert_str_eq(c->after->attrs[1].key, "nodes");
	ck_assert_int_eq(c->after->attrs[1].force_new, 0);
	ck_assert_int_eq(c->before->attrs[0].force_new, 1);
	ck_assert_str_eq(c->before->attrs[0].s, "redis");
	ck_assert_str_eq(c->after->type, "cache");
	ck_assert_str_eq(c->after->name, "pc");
	ck_assert_str_eq(c->after->region, "r1");

	/* a create: no before; booleans, numbers, sorted dependencies, lifecycle */
	c = &sp.diff.v[1];
	ck_assert_int_eq(c->action, SP_ACT_CREATE);
	ck_assert_ptr_null(c->before);
	ck_assert_uint_eq(c->after->nattrs, 3);
	at = sp_resource_attr(c->after, "spot");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(at->type, SP_ATTR_BOOL);
	ck_assert_double_eq(at->n, 1);
	at = sp_resource_attr(c->after, "ratio");
	ck_assert_int_eq(at->type, SP_ATTR_NUM);
	ck_assert_double_eq(at->n, 0.25);
	ck_assert_uint_eq(c->after->ndeps, 2);
	ck_assert_str_eq(c->after->depends_on[0], "cache.pc[r1]");
	ck_assert_str_eq(c->after->depends_on[1], "service.z[r1]");
	ck_assert_int_eq(c->after->prevent_destroy, 1);
	ck_assert_int_eq(c->after->allow_zero, 1);

	c = &sp.diff.v[2];
	ck_assert_int_eq(c->action, SP_ACT_DELETE);
	ck_assert_ptr_null(c->after);
	ck_assert_uint_eq(c->before->ndeps, 1);
	ck_assert_str_eq(c->before->depends_on[0], "cache.pc[r1]");

	c = &sp.diff.v[4];
	ck_assert_int_eq(c->action, SP_ACT_UPDATE);
	ck_assert_double_eq(sp_resource_attr(c->before, "instances")->n, 3);
	ck_assert_double_eq(sp_resource_attr(c->after, "instances")->n, 5);
	sp_saved_plan_free(&sp);

	/* no spec name, no state yet */
	ck_assert_int_eq(decode_edit("\"spec\": \"shop\"", "\"spec\": null", &err), 0);
	ck_assert_int_eq(decode_edit("\"lineage\": \"0f8fad5b-d9cb-469f-a165-70867728950e\", \"serial\": 7",
				     "\"lineage\": null, \"serial\": 0", &err),
			 0);
	/* an integer percentile and an empty list of changes */
	{
		const char *text = "{\"format_version\": 1, \"spec_digest\": \"\", \"spec\": null, \"at\": \"2027-01\", "
				   "\"percentile\": 50.5, \"state\": {\"path\": \"s\", \"lineage\": null, \"serial\": 0}, "
				   "\"provider\": {\"path\": \"i\"}, \"resource_changes\": [], \"cost\": {\"currency\": "
				   "\"EUR\", \"horizon\": {\"total\": {\"p5\": 1, \"p50\": 2, \"p95\": 3}}}}";
		ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
		ck_assert_uint_eq(sp.diff.n, 0);
		ck_assert_ptr_null(sp.spec_name);
		ck_assert_str_eq(sp.lineage, "");
		ck_assert_double_eq(sp.percentile, 50.5);
		ck_assert_double_eq(sp.cost.pct[0], 5);
		ck_assert_double_eq(sp.cost.pct[2], 95);
		sp_saved_plan_free(&sp);
	}
}
END_TEST

/* An edit that must be refused with exactly this message. */
static void refused(const char *from, const char *to, const char *msg)
{
	struct sp_err err;
	ck_assert_int_eq(decode_edit(from, to, &err), SP_EINVAL);
	ck_assert_int_eq(err.code, SP_EINVAL);
	ck_assert_str_eq(err.file, "p.json");
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_planfile_decode_errors)
{
	struct sp_saved_plan sp;
	struct sp_err err;

	refused("\"format_version\": 1", "\"format_version\": 2",
		"plan format 2 is not supported; this scaleplan reads format 1");
	refused("\"format_version\": 1", "\"format_version\": 0",
		"plan format 0 is not supported; this scaleplan reads format 1");
	refused("\"format_version\": 1", "\"format_version\": \"1\"", "format_version: must be an integer");
	refused("\"format_version\": 1", "\"format_version\": 1.0", "format_version: must be an integer");
	refused("\"format_version\": 1,", "", "format_version: missing");
	refused("\"spec_digest\": \"0123456789abcdef0123456789abcdef01234567\"", "\"spec_digest\": 5",
		"spec_digest: must be a string");
	refused("\"spec\": \"shop\"", "\"spec\": 1", "spec: must be a string");
	refused("\"at\": \"2027-06\",", "", "at: missing");
	refused("\"percentile\": 90", "\"percentile\": \"90\"", "percentile: must be a number");
	refused("\"path\": \"st/state.json\"", "\"path\": null", "state.path: must be a string");
	refused("\"serial\": 7", "\"serial\": -1", "state: serial must not be negative");
	refused("\"serial\": 7", "\"serial\": 7.5", "state.serial: must be an integer");
	refused("\"state\": {", "\"state\": 1, \"x\": {", "state: must be an object");
	refused("\"provider\": {\"kind\": \"local\", \"path\": \"st/infra\"}", "\"provider\": {\"kind\": \"local\"}",
		"provider.path: missing");
	refused("\"currency\": \"USD\"", "\"currency\": false", "cost.currency: must be a string");
	refused("\"p90\": 300.25", "\"p90\": \"x\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused(", \"p90\": 300.25", "", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\": 300.25", "\"p90\": 1, \"p99\": 2",
		"cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\"", "\"p100\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\"", "\"q90\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"resource_changes\": [", "\"resource_changes\": {\"a\": 1}, \"x\": [",
		"resource_changes: must be an array");

	/* each change: the JSON path of the bad value */
	refused("\"after\": {\"nodes\": 3, \"engine\": \"memcached\"}", "\"after\": {\"nodes\": [3], \"engine\": \"m\"}",
		"resource_changes[0].change.after.nodes: must be a string, a number or a boolean, not an array");
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": null}",
		"resource_changes[4].change.after.instances: must be a string, a number or a boolean, not null");
	refused("\"before\": {\"engine\": \"redis\", \"nodes\": 2}", "\"before\": {\"engine\": {}}",
		"resource_changes[0].change.before.engine: must be a string, a number or a boolean, not an object");
	refused("\"before\": {\"engine\": \"redis\", \"nodes\": 2}", "\"before\": [1]",
		"resource_changes[0].change.before: must be an object");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": [\"create\", \"delete\"]",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": [\"replace\"]",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": []",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": \"delete\"",
		"resource_changes[0].change.actions: must be an array");
	/* before and after must fit the actions */
	refused("\"actions\": [\"create\"], \"before\": null", "\"actions\": [\"create\"], \"before\": {}",
		"resource_changes[1].change: before and after do not fit the actions");
	refused("\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": null",
		"\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": {}",
		"resource_changes[2].change: before and after do not fit the actions");
	refused("\"actions\": [\"update\"], \"before\": {\"instances\": 3}",
		"\"actions\": [\"update\"], \"before\": null",
		"resource_changes[4].change: before and after do not fit the actions");
	refused("\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": {\"instances\": 1}",
		"\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": null",
		"resource_changes[3].change: before and after do not fit the actions");
	refused("\"actions\": [\"delete\", \"create\"], \"before\": {\"engine\": \"redis\", \"nodes\": 2}",
		"\"actions\": [\"delete\", \"create\"], \"before\": null",
		"resource_changes[0].change: before and after do not fit the actions");
	/* addresses */
	refused("\"address\": \"service.new[r1]\", \"type\": \"service\"",
		"\"address\": \"service.new[r1]\", \"type\": \"cache\"",
		"resource_changes[1]: address 'service.new[r1]' does not match its type, name and region");
	refused("\"address\": \"service.new[r1]\"", "\"address\": \"service/new\"",
		"resource_changes[1]: address 'service/new' does not match its type, name and region");
	refused("\"address\": \"service.upd[r1]\", \"type\": \"service\", \"name\": \"upd\"",
		"\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\"",
		"resource_changes[4]: resource changes must be sorted by address, each address once");
	refused("\"address\": \"service.same[r1]\", \"type\": \"service\", \"name\": \"same\"",
		"\"address\": \"service.old[r1]\", \"type\": \"service\", \"name\": \"old\"",
		"resource_changes[3]: resource changes must be sorted by address, each address once");
	refused("\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\"",
		"\"address\": \"cache.new[r1]\", \"type\": \"cache\", \"name\": \"new\"",
		"resource_changes[1]: resource changes must be sorted by address, each address once");
	refused("\"region\": \"r1\",\n     \"change\": {\"actions\": [\"create\"]",
		"\"change\": {\"actions\": [\"create\"]", "resource_changes[1].region: missing");
	/* the rest of a change */
	refused("\"lifecycle\": {\"prevent_destroy\": true", "\"lifecycle\": {\"prevent_destroy\": \"yes\"",
		"resource_changes[1].lifecycle.prevent_destroy: must be a boolean");
	refused("\"prevent_destroy\": true, \"allow_zero\": true", "\"prevent_destroy\": true",
		"resource_changes[1].lifecycle.allow_zero: missing");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": \"engine\"", "resource_changes[0].force_new: must be an array");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": null",
		"resource_changes[1].depends_on.after: must be an array");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": [\"service.z[r1]\", 3]",
		"resource_changes[1].depends_on.after[1]: must be a string, not an integer");
	refused("\"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, ",
		"", "resource_changes[2].depends_on: missing");
	refused("{\"address\": \"service.old[r1]\"", "7, {\"address\": \"service.old[r1]\"",
		"resource_changes[2]: must be an object");

	/* a resource's attributes, force_new and depends_on follow the resource
	 * codec's rules, as in the state: no integer beyond 2^53 (a double would
	 * not hold it), no empty key, force_new naming attributes, each once,
	 * and dependencies that are addresses */
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 9007199254740993}",
		"resource_changes[4].change.after.instances: 9007199254740993 is beyond 2^53, where numbers lose "
		"precision (write it as a real, like 1.2e17)");
	refused("\"before\": {\"instances\": 3}", "\"before\": {\"instances\": -9007199254740993}",
		"resource_changes[4].change.before.instances: -9007199254740993 is beyond 2^53, where numbers lose "
		"precision (write it as a real, like 1.2e17)");
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 5, \"\": 1}",
		"resource_changes[4].change.after[\"\"]: an attribute key must not be empty");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engines\"]",
		"resource_changes[0].force_new[0]: 'engines' is not one of the resource's attributes");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engine\", 1]",
		"resource_changes[0].force_new[1]: must be a string, not an integer");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engine\", \"engine\"]",
		"resource_changes[0].force_new[1]: 'engine' is listed twice");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": [\"service.z[r1]\", \"cache/pc\"]",
		"resource_changes[1].depends_on.after[1]: 'cache/pc' is not a resource address (like "
		"service.web-api[us-east-1])");
	refused("\"before\": [\"cache.pc[r1]\"]", "\"before\": [\"\"]",
		"resource_changes[2].depends_on.before[0]: '' is not a resource address (like "
		"service.web-api[us-east-1])");
	/* 2^53 itself is exact, and a force_new of a delete names its before */
	ck_assert_int_eq(decode_edit("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 9007199254740992}", &err),
			 0);
	{
		char *text = edit("\"after\": null},\n     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, "
				  "\"force_new\": []",
				  "\"after\": null},\n     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, "
				  "\"force_new\": [\"instances\"]");
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
		ck_assert_int_eq(sp.diff.v[2].action, SP_ACT_DELETE);
		ck_assert_int_eq(sp.diff.v[2].before->attrs[0].force_new, 1);
		sp_saved_plan_free(&sp);
		free(text);
	}

	/* the top level */
	{
		static const char *const arr = "[1, 2]\n";
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, arr, strlen(arr), "p.json", &err), SP_EINVAL);
		ck_assert_str_eq(err.msg, "not a plan file: the top level must be an object");
		sp_saved_plan_free(&sp);
	}
	/* jansson's syntax errors carry the line and the column */
	{
		static const char *const bad = "{\n  \"format_version\": 1,\n  \"spec\": nul\n}\n";
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, bad, strlen(bad), "p.json", &err), SP_EINVAL);
		ck_assert_str_eq(err.file, "p.json");
		ck_assert_int_eq(err.line, 3);
		ck_assert_int_gt(err.col, 0);
		ck_assert_msg(!strncmp(err.msg, "not a plan file: ", 17), "%s", err.msg);
		sp_saved_plan_free(&sp);
	}
	sp_err_clear(&err);
	ck_assert_int_eq(decode_edit("\"spec\": \"shop\",", "\"spec\": \"shop\", \"spec\": \"x\",", &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, "", 0, "p.json", &err), SP_EINVAL);
	ck_assert_msg(!strncmp(err.msg, "not a plan file: ", 17), "%s", err.msg);
	sp_saved_plan_free(&sp);
	/* truncated: a syntax error, never half a plan */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, plan_doc, strlen(plan_doc) / 2, "p.json", &err), SP_EINVAL);
	ck_assert_int_gt(err.line, 1);
	sp_saved_plan_free(&sp);
}
END_TEST

/* ---- the plan document: round trip -------------------------------------------------------------- */

static int attrs_same(const struct sp_resource *x, const struct sp_resource *y, int check_force_new)
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

static int deps_same(const struct sp_resource *x, const struct sp_resource *y)
{
	if (x->ndeps != y->ndeps)
		return 0;
	for (size_t i = 0; i < x->ndeps; i++)
		if (strcmp(x->depends_on[i], y->depends_on[i]))
			return 0;
	return 1;
}

/* Every change of a decoded plan against the diff it was encoded from. */
static void expect_same_diff(const struct sp_diff *want, const struct sp_diff *got)
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
	double horizon[3];
};

static void mini_plan_init(struct mini_plan *m, const struct sp_diff *d)
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
	m->p.state_path = "x/state.json";
	m->p.infra_path = "x/infra";
	m->p.diff = *d;
	sp_diff_price(&m->p.diff, &m->cat);
	m->p.cost_before = 10.125;
	m->p.cost_after = 20.5;
}

START_TEST(test_planfile_round_trip_values)
{
	struct sp_arena a;
	struct sp_resource_set cur, want;
	struct sp_diags dg;
	struct sp_diff d;
	struct sp_resource r;
	struct mini_plan m;
	struct sp_saved_plan sp;
	struct sp_err err;
	char *one = NULL, *two = NULL;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	set_init(&a, &cur);
	set_init(&a, &want);
	/* every kind of value: text with quotes, a backslash and non-ASCII
	 * characters, booleans, fractions, negatives, a large whole number */
	r = mkres(&a, "service", "api", "eu-west-1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", 3);
	add_bool(&r, "spot", 0);
	add_str(&r, "note", "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
	add_num(&r, "ratio", 0.125);
	add_num(&r, "offset", -2.5);
	add_num(&r, "big", 4503599627370496.0);
	add_dep(&r, "datastore.db[eu-west-1]");
	set_add(&cur, r);
	r = mkres(&a, "service", "api", "eu-west-1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", 0);
	add_bool(&r, "spot", 1);
	add_str(&r, "note", "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
	add_num(&r, "ratio", 0.1);
	add_num(&r, "offset", -1e-3);
	add_num(&r, "big", 4503599627370497.0);
	add_dep(&r, "datastore.db[eu-west-1]");
	add_dep(&r, "cache.c[eu-west-1]");
	r.allow_zero = 1;
	set_add(&want, r);
	/* a replace with a protected before (the spec lifted it, and the state
	 * still records it: an error too, the diff filled) */
	r = mkres(&a, "datastore", "db", "eu-west-1");
	add_str(&r, "engine", "postgres")->force_new = 1;
	add_num(&r, "nodes", 2);
	r.prevent_destroy = 1;
	set_add(&cur, r);
	r = mkres(&a, "datastore", "db", "eu-west-1");
	add_str(&r, "engine", "mysql")->force_new = 1;
	add_num(&r, "nodes", 2);
	add_bool(&r, "multi_az", 1);
	set_add(&want, r);
	/* a delete of a protected one (an error, but the diff is filled) and a create */
	r = svc(&a, "gone", 1);
	r.prevent_destroy = 1;
	add_dep(&r, "datastore.db[eu-west-1]");
	set_add(&cur, r);
	r = mkres(&a, "cache", "c", "eu-west-1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 1);
	set_add(&want, r);
	set_add(&cur, svc(&a, "same", 2));
	set_add(&want, svc(&a, "same", 2));

	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
	ck_assert_uint_eq(dg.nerrors, 2);
	mini_plan_init(&m, &d);
	const char *targets[] = { "service", "datastore.db" }, *excludes[] = { "cache.x[r1]" };
	m.p.targets = targets;
	m.p.ntargets = 2;
	m.p.excludes = excludes;
	m.p.nexcludes = 1;

	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &two, &err), 0);
	ck_assert_str_eq(one, two);
	/* each change carries the cost the plan priced it at */
	ck_assert_ptr_nonnull(strstr(one, "\"monthly_before\": "));
	ck_assert_int_eq(one[strlen(one) - 1], '\n');
	ck_assert_int_ne(one[strlen(one) - 2], '\n');
	/* ASCII only, two-space indentation */
	for (const char *p = one; *p; p++)
		ck_assert_int_lt((unsigned char)*p, 0x80);
	ck_assert_int_eq(strncmp(one, "{\n  \"format_version\": 1,\n", 25), 0);
	ck_assert_ptr_nonnull(strstr(one, "\"actions\": [\n          \"delete\",\n          \"create\"\n        ]"));
	ck_assert_ptr_nonnull(strstr(one, "\"percentile\": 90,"));
	ck_assert_ptr_nonnull(strstr(one, "\"monthly_delta\": 10.38,"));
	ck_assert_ptr_nonnull(strstr(one, "\"p10\": 1000,"));
	ck_assert_ptr_nonnull(strstr(one, "\"p90\": 433.33"));   /* the delta to the state's cost */

	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	expect_same_diff(&d, &sp.diff);
	ck_assert_str_eq(sp.spec_name, "shop");
	ck_assert_str_eq(sp.spec_digest, "89abcdef0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(sp.at, "2027-09");
	ck_assert_double_eq(sp.percentile, 90);
	ck_assert_str_eq(sp.lineage, "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_uint_eq(sp.serial, 12);
	ck_assert_str_eq(sp.state_path, "x/state.json");
	ck_assert_str_eq(sp.infra_path, "x/infra");
	ck_assert_str_eq(sp.cost.currency, "USD");
	ck_assert_double_eq(sp.cost.pct[1], 50);
	ck_assert_double_eq(sp.cost.horizon[0], 1000);
	ck_assert_double_eq(sp.cost.horizon[1], 2000.5);
	ck_assert_double_eq(sp.cost.horizon[2], 3333.33);
	{
		const struct sp_change *c = find_change(&sp.diff, "service.api[eu-west-1]");
		const struct sp_attr *note = sp_resource_attr(c->after, "note");
		ck_assert_str_eq(note->s, "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
		ck_assert_double_eq(sp_resource_attr(c->after, "big")->n, 4503599627370497.0);
		ck_assert_double_eq(sp_resource_attr(c->after, "offset")->n, -1e-3);
		ck_assert_int_eq(sp_resource_attr(c->after, "spot")->type, SP_ATTR_BOOL);
		ck_assert_int_eq(c->after->allow_zero, 1);
		c = find_change(&sp.diff, "datastore.db[eu-west-1]");
		ck_assert_int_eq(c->action, SP_ACT_REPLACE);
		ck_assert_int_eq(sp_resource_attr(c->after, "engine")->force_new, 1);
		ck_assert_int_eq(sp_resource_attr(c->after, "nodes")->force_new, 0);
	}
	sp_saved_plan_free(&sp);

	/* with no state yet: lineage null, serial 0, no previous cost */
	free(one);
	m.st.serial = 0;
	m.st.cost.present = 0;
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_ptr_nonnull(strstr(one, "\"lineage\": null,"));
	ck_assert_ptr_nonnull(strstr(one, "\"previous\": null,"));
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	ck_assert_str_eq(sp.lineage, "");
	ck_assert_uint_eq(sp.serial, 0);
	expect_same_diff(&d, &sp.diff);
	sp_saved_plan_free(&sp);

	free(one);
	free(two);
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* The plan document writes a resource's attributes with the resource codec,
 * as the state does: 2^53 is still a whole number (an integer, as in the
 * state), and what JSON cannot hold is refused, naming the resource. */
START_TEST(test_planfile_encode_attributes)
{
	struct sp_arena a;
	struct sp_diags dg;
	struct sp_err err;
	char *one = NULL;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	struct sp_resource_set cur, want;
	set_init(&a, &cur);
	set_init(&a, &want);
	struct sp_resource r = svc(&a, "api", 2);
	add_num(&r, "big", 9007199254740992.0);
	add_num(&r, "small", -9007199254740992.0);
	add_num(&r, "past", 9007199254740994.0);
	set_add(&want, r);
	struct sp_diff d;
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	struct mini_plan m;
	mini_plan_init(&m, &d);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_ptr_nonnull(strstr(one, "\"big\": 9007199254740992,"));
	ck_assert_ptr_nonnull(strstr(one, "\"small\": -9007199254740992\n"));
	ck_assert_ptr_nonnull(strstr(one, "\"past\": 9007199254740994.0,"));
	struct sp_saved_plan sp;
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "big")->n, 9007199254740992.0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "small")->n, -9007199254740992.0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "past")->n, 9007199254740994.0);
	sp_saved_plan_free(&sp);
	free(one);

	/* a number JSON cannot hold, a string that is not UTF-8 (the diff's
	 * after is the desired resource itself, want.v[0]; "big" sorts first) */
	ck_assert_ptr_eq(d.v[0].after, &want.v[0]);
	ck_assert_str_eq(want.v[0].attrs[0].key, "big");
	want.v[0].attrs[0].n = NAN;
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), SP_EINVAL);
	ck_assert_ptr_null(one);
	ck_assert_str_eq(err.file, "service.api[r1]");
	ck_assert_str_eq(err.msg, "attribute 'big' is nan, which JSON cannot hold");
	want.v[0].attrs[0].n = 1;
	add_str(&want.v[0], "note", "caf\xe9");
	sp_resource_sort(&want.v[0]);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "attribute 'note' is not valid UTF-8");
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* A small spec with every resource type but GPUs: calls, a cache, a
 * sharded datastore, a queue and a worker, a second region that starts
 * later, and lifecycle settings. */
static const char shop_spec[] =
	"scaleplan: 1\n"
	"name: shop\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"currency: USD\n"
	"drivers:\n"
	"  mau:\n"
	"    start: 150000\n"
	"    model: logistic\n"
	"    monthly_growth: 0.09\n"
	"    ceiling: 4000000\n"
	"    uncertainty: {p10: 0.7, p90: 1.5}\n"
	"regions:\n"
	"  - {name: us-east-1, zones: 3, share: 1.0}\n"
	"  - {name: eu-west-1, zones: 3, share: 0.35, from: 2028-01}\n"
	"services:\n"
	"  web-api:\n"
	"    class: web\n"
	"    demand: {driver: mau, requests_per_unit_per_day: 40, peak_to_average: 3.0}\n"
	"    work: {cpu_ms_per_request: 18}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 250}}\n"
	"    scaling: {target_utilization: 0.5, min: 3, max: 400}\n"
	"    calls:\n"
	"      - {to: feed, per_request: 0.6}\n"
	"  feed:\n"
	"    class: web\n"
	"    work: {cpu_ms_per_request: 12}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 200}}\n"
	"    scaling: {min: 3, max: 300}\n"
	"    calls:\n"
	"      - {to: catalog, per_request: 2.0, via_cache: product-cache}\n"
	"      - {to: orders-db, reads_per_request: 1}\n"
	"    lifecycle: {allow_zero: true}\n"
	"  catalog:\n"
	"    class: web\n"
	"    work: {cpu_ms_per_request: 8}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 150}}\n"
	"    scaling: {min: 3, max: 200}\n"
	"    calls:\n"
	"      - {to: orders-db, reads_per_request: 3, writes_per_request: 0.5}\n"
	"  mailer:\n"
	"    class: worker\n"
	"    work: {cpu_ms_per_request: 30}\n"
	"    instance: m7i.large\n"
	"    scaling: {target_utilization: 0.7, min: 1, max: 50}\n"
	"caches:\n"
	"  product-cache:\n"
	"    engine: redis\n"
	"    node: cache.r6g.large\n"
	"    hit_rate: 0.7\n"
	"    working_set_gb: 6\n"
	"    ops_per_s_per_node: 120000\n"
	"datastores:\n"
	"  orders-db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 8000\n"
	"    read_qps_per_replica: 20000\n"
	"    multi_az: true\n"
	"    min_replicas: 1\n"
	"    storage: {start_gb: 200, gb_per_unit_month: 0.00004, driver: mau}\n"
	"    sharding: {key: tenant_id, strategy: hash, max_gb_per_shard: 2000}\n"
	"    lifecycle: {prevent_destroy: true}\n"
	"queues:\n"
	"  emails: {from: web-api, per_request: 0.01, worker: mailer, max_backlog_age_s: 300}\n";

/* A resource copied into a with one attribute changed (or added). */
static struct sp_resource with_attr(struct sp_arena *a, const struct sp_resource *r, const char *key,
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

START_TEST(test_planfile_round_trip_spec)
{
	const char *src = getenv("SP_SRCDIR");
	char catpath[512];
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_catalog *cat = NULL;
	struct sp_forecast *f = NULL;
	struct sp_forecast_opts fo;
	struct sp_diags dg;
	struct sp_err err;
	struct sp_arena a;
	struct sp_resource_set month0, month15, cur;
	struct sp_diff d;
	struct sp_plan p;
	struct sp_state st;
	struct sp_saved_plan sp;
	char *one = NULL, *two = NULL;
	int nforce = 0, ndeps = 0, nbool = 0;

	ck_assert_msg(src != NULL, "SP_SRCDIR is not set (run the tests with SP_SRCDIR=<source tree>)");
	snprintf(catpath, sizeof(catpath), "%s/catalogs/aws-us-east-1.json", src);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	sp_arena_init(&a);
	ck_assert_int_eq(sp_spec_load_string(&spec, "shop.yaml", shop_spec, strlen(shop_spec), &dg), 0);
	ck_assert_int_eq(sp_graph_build(&g, spec, &dg), 0);
	ck_assert_int_eq(sp_catalog_load(&cat, catpath, NULL, &err), 0);
	memset(&fo, 0, sizeof(fo));
	fo.paths = 20;
	fo.seed = 7;
	fo.threads = 1;
	ck_assert_int_eq(sp_forecast_run(&f, spec, g, cat, &fo, &dg), 0);
	ck_assert_uint_eq(f->npcts, 3);

	/* current: month 0 (one region), drifted; desired: month 15 (both regions) */
	ck_assert_int_eq(sp_desired_build(&month0, &a, spec, g, f, 0, 1), 0);
	ck_assert_int_eq(sp_desired_build(&month15, &a, spec, g, f, 15, 1), 0);
	ck_assert_int_eq(sp_desired_build(&cur, &a, spec, g, f, 99, 1), SP_EINVAL);
	ck_assert_uint_gt(month15.n, month0.n);
	set_init(&a, &cur);
	cur.v = SP_NEWN(&a, struct sp_resource, month0.n + 1);
	for (size_t i = 0; i < month0.n; i++) {
		const struct sp_resource *r = &month0.v[i];
		if (!strcmp(r->type, "cache"))
			cur.v[cur.n++] = with_attr(&a, r, "engine", "memcached", 0);   /* a replace */
		else if (!strcmp(r->type, "service") && !strcmp(r->name, "mailer"))
			cur.v[cur.n++] = with_attr(&a, r, "instances", NULL, 1234);     /* an update down */
		else
			cur.v[cur.n++] = *r;
	}
	{
		struct sp_resource r = svc(&a, "legacy", 2);
		r.region = "us-east-1";
		r.address = "service.legacy[us-east-1]";
		add_dep(&r, "datastore.orders-db[us-east-1]");
		cur.v[cur.n++] = r;                                             /* a delete */
	}
	sp_resource_set_sort(&cur);
	ck_assert_int_eq(sp_diff_build(&d, &a, &month15, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_gt(d.counts[SP_ACT_CREATE], 0);
	ck_assert_uint_gt(d.counts[SP_ACT_UPDATE], 0);
	ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 1);
	for (size_t i = 0; i < d.n; i++) {
		const struct sp_resource *r = d.v[i].after ? d.v[i].after : d.v[i].before;
		ndeps += r->ndeps > 0;
		for (size_t k = 0; k < r->nattrs; k++) {
			nforce += r->attrs[k].force_new;
			nbool += r->attrs[k].type == SP_ATTR_BOOL;
		}
	}
	ck_assert_int_gt(nforce, 0);
	ck_assert_int_gt(ndeps, 0);
	ck_assert_int_gt(nbool, 0);

	/* the plan as sp_plan_make leaves it */
	memset(&p, 0, sizeof(p));
	memset(&st, 0, sizeof(st));
	st.lineage = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
	st.serial = 3;
	p.spec = spec;
	p.graph = g;
	p.catalog = cat;
	p.forecast = f;
	p.state = &st;
	snprintf(p.spec_digest, sizeof(p.spec_digest), "%s", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	snprintf(p.at, sizeof(p.at), "%s", "2028-04");
	p.month = 15;
	p.pct = 1;
	p.lo = 0;
	p.mid = 1;
	p.hi = 2;
	p.refreshed = 1;
	p.state_path = ".scaleplan/state.json";
	p.infra_path = ".scaleplan/infra";
	p.current = cur;
	p.desired = month15;
	p.diff = d;
	p.cost_before = 1500.5;
	p.cost_after = 2500.25;

	ck_assert_int_eq(sp_plan_to_json(&p, &one, &err), 0);
	ck_assert_int_eq(sp_plan_to_json(&p, &two, &err), 0);
	ck_assert_str_eq(one, two);
	ck_assert_ptr_nonnull(strstr(one, "\"catalog\": \"aws-us-east-1\","));
	ck_assert_ptr_nonnull(strstr(one, "\"paths\": 20,"));
	ck_assert_ptr_nonnull(strstr(one, "\"seed\": 7,"));
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	expect_same_diff(&d, &sp.diff);
	ck_assert_str_eq(sp.spec_digest, p.spec_digest);
	ck_assert_str_eq(sp.lineage, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
	ck_assert_uint_eq(sp.serial, 3);
	ck_assert_double_eq(sp.percentile, 50);
	for (int i = 0; i < 3; i++)
		ck_assert_double_eq_tol(sp.cost.horizon[i], f->horizon_total[i], 0.0051);
	sp_saved_plan_free(&sp);

	free(one);
	free(two);
	sp_forecast_free(f);
	sp_catalog_free(cat);
	sp_graph_free(g);
	sp_spec_free(spec);
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* ---- apply -------------------------------------------------------------------------------------- */

/* A provider that records the order of the calls (a '+' line when one
 * starts, a '-' line when it returns) and delegates to the local provider;
 * calls for fail_address fail. */
struct rec {
	struct sp_provider p;
	struct sp_provider *inner;
	pthread_mutex_t mu;
	char log[64][96];
	int n;
	const char *fail_address;
	int sleep_us;
};

static void rec_log(struct rec *r, char mark, const char *verb, const char *address)
{
	pthread_mutex_lock(&r->mu);
	ck_assert_int_lt(r->n, 64);
	snprintf(r->log[r->n++], sizeof(r->log[0]), "%c%s %s", mark, verb, address);
	pthread_mutex_unlock(&r->mu);
}

static int rec_call(struct rec *r, const char *verb, const char *address, struct sp_err *err)
{
	rec_log(r, '+', verb, address);
	if (r->sleep_us)
		usleep((useconds_t)r->sleep_us);
	if (r->fail_address && !strcmp(r->fail_address, address))
		return sp_err_set(err, SP_EIO, address, 0, 0, "refused by the test provider");
	return 0;
}

static int rec_list(struct sp_provider *p, struct sp_resource_set *out, struct sp_arena *a, struct sp_err *err)
{
	struct rec *r = p->ctx;
	return r->inner->ops->list(r->inner, out, a, err);
}

static int rec_read(struct sp_provider *p, const char *address, struct sp_resource *out, struct sp_arena *a,
		    struct sp_err *err)
{
	struct rec *r = p->ctx;
	rec_log(r, '=', "read", address);
	return r->inner->ops->read(r->inner, address, out, a, err);
}

static int rec_create(struct sp_provider *p, const struct sp_resource *res, struct sp_err *err)
{
	struct rec *r = p->ctx;
	int rc = rec_call(r, "create", res->address, err);
	if (rc == 0)
		rc = r->inner->ops->create(r->inner, res, err);
	rec_log(r, '-', "create", res->address);
	return rc;
}

static int rec_update(struct sp_provider *p, const struct sp_resource *before, const struct sp_resource *after,
		      struct sp_err *err)
{
	struct rec *r = p->ctx;
	int rc = rec_call(r, "update", after->address, err);
	if (rc == 0)
		rc = r->inner->ops->update(r->inner, before, after, err);
	rec_log(r, '-', "update", after->address);
	return rc;
}

static int rec_remove(struct sp_provider *p, const struct sp_resource *res, struct sp_err *err)
{
	struct rec *r = p->ctx;
	int rc = rec_call(r, "delete", res->address, err);
	if (rc == 0)
		rc = r->inner->ops->remove(r->inner, res, err);
	rec_log(r, '-', "delete", res->address);
	return rc;
}

static void rec_close(struct sp_provider *p)
{
	(void)p;
}

static const struct sp_provider_ops rec_ops = {
	.kind = "recording",
	.list = rec_list,
	.read = rec_read,
	.create = rec_create,
	.update = rec_update,
	.remove = rec_remove,
	.close = rec_close,
};

/* An apply's world in "<tmpdir>/<name>": the local provider behind a
 * recording one, the local backend, locked, and the state read under it. */
struct world {
	struct sp_provider *local;
	struct rec rec;
	struct sp_backend *backend;
	struct sp_state *state;
	char state_path[256];
};

static void world_open(struct world *w, const char *name)
{
	struct sp_err err;
	char infra[256];

	memset(w, 0, sizeof(*w));
	sp_err_clear(&err);
	snprintf(infra, sizeof(infra), "%s/%s/infra", tmpdir, name);
	snprintf(w->state_path, sizeof(w->state_path), "%s/%s/state.json", tmpdir, name);
	ck_assert_int_eq(sp_provider_local_open(&w->local, infra, &err), 0);
	w->rec.p.ops = &rec_ops;
	w->rec.p.ctx = &w->rec;
	w->rec.inner = w->local;
	pthread_mutex_init(&w->rec.mu, NULL);
	ck_assert_int_eq(sp_backend_local_open(&w->backend, w->state_path, &err), 0);
	ck_assert_int_eq(w->backend->ops->lock(w->backend, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(w->backend->ops->read(w->backend, &w->state, &err), 0);
}

static void world_close(struct world *w)
{
	sp_state_free(w->state);
	w->backend->ops->close(w->backend);
	w->local->ops->close(w->local);
	pthread_mutex_destroy(&w->rec.mu);
}

/* Runs d in w with the given parallelism; returns sp_apply_run's result (ap kept for checks). */
static int world_apply(struct world *w, struct sp_apply *ap, const struct sp_diff *d, int parallelism, int verify)
{
	memset(ap, 0, sizeof(*ap));
	w->rec.n = 0;
	ap->backend = w->backend;
	ap->provider = &w->rec.p;
	ap->state = w->state;
	ap->diff = d;
	ap->parallelism = parallelism;
	ap->verify_before = verify;
	return sp_apply_run(ap);
}

/* The position of a log line; fails when absent. */
static int log_at(const struct rec *r, const char *line)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->log[i], line))
			return i;
	ck_abort_msg("'%s' was not called", line);
	return -1;
}

static int log_has(const struct rec *r, const char *line)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->log[i], line))
			return 1;
	return 0;
}

/* "X then Y": Y started after X returned */
static void expect_before(const struct rec *r, const char *x, const char *y)
{
	char end[128], start[128];
	snprintf(end, sizeof(end), "-%s", x);
	snprintf(start, sizeof(start), "+%s", y);
	ck_assert_msg(log_at(r, end) < log_at(r, start), "'%s' started before '%s' returned", y, x);
}

/* The calls that started, in order, one space apart ("create service.a[r1] ...") */
static const char *started(const struct rec *r)
{
	static char buf[2048];
	size_t n = 0;
	buf[0] = '\0';
	for (int i = 0; i < r->n; i++)
		if (r->log[i][0] == '+')
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? ", " : "", r->log[i] + 1);
	return buf;
}

/* The resources of a set, one "address{k=v,...}[deps]" per line, for comparing sets. */
static char *describe_set(const struct sp_resource_set *s)
{
	struct sp_sb sb = SP_SB_INIT;
	for (size_t i = 0; i < s->n; i++) {
		const struct sp_resource *r = &s->v[i];
		sp_sb_addf(&sb, "%s{", r->address);
		for (size_t k = 0; k < r->nattrs; k++) {
			const struct sp_attr *at = &r->attrs[k];
			if (at->type == SP_ATTR_STR)
				sp_sb_addf(&sb, "%s%s=%s", k ? "," : "", at->key, at->s);
			else
				sp_sb_addf(&sb, "%s%s=%s%.17g", k ? "," : "", at->key, at->type == SP_ATTR_BOOL ? "b" : "",
					   at->n);
		}
		sp_sb_adds(&sb, "}[");
		for (size_t k = 0; k < r->ndeps; k++)
			sp_sb_addf(&sb, "%s%s", k ? "," : "", r->depends_on[k]);
		sp_sb_addf(&sb, "]%s\n", r->prevent_destroy ? " protected" : "");
	}
	return sp_sb_detach(&sb, NULL);
}

/* The state as apply left it, as a fresh backend reads it (the journal
 * replayed), and the provider's resources agree: want, one per line. */
static void expect_recorded(struct world *w, struct sp_apply *ap, const char *want)
{
	struct sp_backend *b;
	struct sp_state *again = NULL;
	struct sp_err err;
	struct sp_arena a;
	struct sp_resource_set listed;
	char *got;

	sp_err_clear(&err);
	got = describe_set(&ap->state->resources);
	ck_assert_str_eq(got, want);
	free(got);
	ck_assert_int_eq(sp_backend_local_open(&b, w->state_path, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &again, &err), 0);
	ck_assert_uint_eq(again->serial, ap->state->serial);
	ck_assert_str_eq(again->lineage, ap->state->lineage);
	got = describe_set(&again->resources);
	ck_assert_str_eq(got, want);
	free(got);
	sp_state_free(again);
	b->ops->close(b);

	/* the provider holds the same resources (without what only the planner knows) */
	sp_arena_init(&a);
	ck_assert_int_eq(w->local->ops->list(w->local, &listed, &a, &err), 0);
	ck_assert_uint_eq(listed.n, ap->state->resources.n);
	for (size_t i = 0; i < listed.n; i++) {
		ck_assert_str_eq(listed.v[i].address, ap->state->resources.v[i].address);
		ck_assert_msg(attrs_same(&listed.v[i], &ap->state->resources.v[i], 0), "%s differs",
			      listed.v[i].address);
	}
	sp_arena_free(&a);
}

/* The diff of want against cur, with no filters and no lifecycle error. */
static void diff_of(struct sp_diff *d, struct sp_arena *a, const struct sp_resource_set *want,
		    const struct sp_resource_set *cur)
{
	struct sp_diags dg;
	sp_diags_init(&dg);
	ck_assert_int_eq(sp_diff_build(d, a, want, cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	sp_diags_free(&dg);
}

static const struct sp_op *op_of(const struct sp_apply *ap, const char *address, int is_delete)
{
	for (size_t k = 0; k < ap->nops; k++)
		if (!strcmp(ap->ops[k].change->address, address) && ap->ops[k].is_delete == is_delete)
			return &ap->ops[k];
	ck_abort_msg("no %s operation for '%s'", is_delete ? "delete" : "create or update", address);
	return NULL;
}

/* Chain: service.a depends on service.b, which depends on service.c (the
 * reverse of the address order, so the dependencies decide), plus two
 * independent resources. */
static void chain(struct sp_arena *a, struct sp_resource_set *s)
{
	struct sp_resource r;
	set_init(a, s);
	r = svc(a, "a", 1);
	add_dep(&r, "service.b[r1]");
	set_add(s, r);
	r = svc(a, "b", 2);
	add_dep(&r, "service.c[r1]");
	set_add(s, r);
	set_add(s, svc(a, "c", 3));
	set_add(s, svc(a, "d", 4));
	r = mkres(a, "cache", "x", "r1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 1);
	set_add(s, r);
}

static const char chain_recorded[] =
	"cache.x[r1]{engine=redis,nodes=1}[]\n"
	"service.a[r1]{instance_type=m7i.large,instances=1}[service.b[r1]]\n"
	"service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
	"service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
	"service.d[r1]{instance_type=m7i.large,instances=4}[]\n";

START_TEST(test_apply_create_order)
{
	for (int par = 1; par <= 4; par += 3) {
		struct sp_arena a;
		struct sp_resource_set want, none = { NULL, 0 };
		struct sp_diff d;
		struct world w;
		struct sp_apply ap;
		char name[16];

		sp_arena_init(&a);
		chain(&a, &want);
		diff_of(&d, &a, &want, &none);
		snprintf(name, sizeof(name), "p%d", par);
		world_open(&w, name);
		w.rec.sleep_us = par > 1 ? 2000 : 0;
		ck_assert_int_eq(world_apply(&w, &ap, &d, par, 0), 0);
		ck_assert_uint_eq(ap.nops, 5);
		ck_assert_uint_eq(ap.done, 5);
		ck_assert_uint_eq(ap.failed, 0);
		ck_assert_uint_eq(ap.skipped, 0);
		for (size_t k = 0; k < ap.nops; k++)
			ck_assert_int_eq(ap.ops[k].status, SP_OP_DONE);
		expect_before(&w.rec, "create service.c[r1]", "create service.b[r1]");
		expect_before(&w.rec, "create service.b[r1]", "create service.a[r1]");
		if (par == 1)
			/* one worker: the lowest ready address first, so the same order every time */
			ck_assert_str_eq(started(&w.rec), "create cache.x[r1], create service.c[r1], create service.b[r1], "
							  "create service.a[r1], create service.d[r1]");
		ck_assert_uint_eq(w.state->serial, 5);
		expect_recorded(&w, &ap, chain_recorded);
		sp_apply_free(&ap);
		ck_assert_ptr_null(ap.ops);
		world_close(&w);
		sp_arena_free(&a);
	}
}
END_TEST

/* Creates the chain in w with the local provider itself, state recorded. */
static void world_seed(struct world *w, const struct sp_diff *d)
{
	struct sp_apply ap;
	ck_assert_int_eq(world_apply(w, &ap, d, 1, 0), 0);
	sp_apply_free(&ap);
	w->rec.n = 0;
}

START_TEST(test_apply_delete_order)
{
	for (int par = 1; par <= 4; par += 3) {
		struct sp_arena a;
		struct sp_resource_set want, none = { NULL, 0 };
		struct sp_diff d;
		struct world w;
		struct sp_apply ap;
		char name[16];

		sp_arena_init(&a);
		chain(&a, &want);
		diff_of(&d, &a, &want, &none);
		snprintf(name, sizeof(name), "p%d", par);
		world_open(&w, name);
		world_seed(&w, &d);
		/* everything goes: the state's resources are the before side */
		diff_of(&d, &a, &none, &w.state->resources);
		ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 5);
		w.rec.sleep_us = par > 1 ? 2000 : 0;
		ck_assert_int_eq(world_apply(&w, &ap, &d, par, 1), 0);
		ck_assert_uint_eq(ap.done, 5);
		/* dependents first: a, then b, then c */
		expect_before(&w.rec, "delete service.a[r1]", "delete service.b[r1]");
		expect_before(&w.rec, "delete service.b[r1]", "delete service.c[r1]");
		if (par == 1)
			ck_assert_str_eq(started(&w.rec), "delete cache.x[r1], delete service.a[r1], delete service.b[r1], "
							  "delete service.c[r1], delete service.d[r1]");
		/* verify_before read each one first */
		ck_assert_int_lt(log_at(&w.rec, "=read service.c[r1]"), log_at(&w.rec, "+delete service.c[r1]"));
		ck_assert_uint_eq(w.state->serial, 10);
		expect_recorded(&w, &ap, "");
		sp_apply_free(&ap);
		world_close(&w);
		sp_arena_free(&a);
	}
}
END_TEST

START_TEST(test_apply_replace)
{
	struct sp_arena a;
	struct sp_resource_set want, next, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;

	sp_arena_init(&a);
	chain(&a, &want);
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	world_seed(&w, &d);

	/* cache.x's engine changes: a replace, the delete half first */
	set_init(&a, &next);
	for (size_t i = 0; i < want.n; i++)
		next.v[next.n++] = !strcmp(want.v[i].address, "cache.x[r1]")
					   ? with_attr(&a, &want.v[i], "engine", "memcached", 0)
					   : want.v[i];
	diff_of(&d, &a, &next, &w.state->resources);
	ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_NOOP], 4);
	ck_assert_int_eq(world_apply(&w, &ap, &d, 4, 1), 0);
	ck_assert_uint_eq(ap.nops, 2);
	ck_assert_int_eq(ap.ops[0].is_delete, 1);
	ck_assert_int_eq(ap.ops[1].is_delete, 0);
	ck_assert_str_eq(started(&w.rec), "delete cache.x[r1], create cache.x[r1]");
	expect_before(&w.rec, "delete cache.x[r1]", "create cache.x[r1]");
	ck_assert_uint_eq(w.state->serial, 5 + 2);
	expect_recorded(&w, &ap, "cache.x[r1]{engine=memcached,nodes=1}[]\n"
				 "service.a[r1]{instance_type=m7i.large,instances=1}[service.b[r1]]\n"
				 "service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
				 "service.d[r1]{instance_type=m7i.large,instances=4}[]\n");
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

/* A replaced resource whose dependent is only updated: the dependent waits
 * for the new one; nothing forms a cycle. Then both replaced: the dependent
 * goes first and comes back last. */
START_TEST(test_apply_replace_with_dependents)
{
	for (int par = 1; par <= 4; par += 3) {
		struct sp_arena a;
		struct sp_resource_set want, next, none = { NULL, 0 };
		struct sp_diff d;
		struct world w;
		struct sp_apply ap;
		char name[16];

		sp_arena_init(&a);
		chain(&a, &want);
		/* b and c get a force_new attribute */
		for (size_t i = 0; i < want.n; i++)
			if (!strcmp(want.v[i].name, "b") || !strcmp(want.v[i].name, "c")) {
				want.v[i] = with_attr(&a, &want.v[i], "class", "web", 0);
				want.v[i].attrs[sp_resource_attr(&want.v[i], "class") - want.v[i].attrs].force_new = 1;
			}
		diff_of(&d, &a, &want, &none);
		snprintf(name, sizeof(name), "p%d", par);
		world_open(&w, name);
		world_seed(&w, &d);

		/* c replaced, b (which depends on it) updated */
		set_init(&a, &next);
		for (size_t i = 0; i < want.n; i++) {
			struct sp_resource r = want.v[i];
			if (!strcmp(r.name, "c"))
				r = with_attr(&a, &r, "class", "batch", 0);
			else if (!strcmp(r.name, "b"))
				r = with_attr(&a, &r, "instances", NULL, 7);
			next.v[next.n++] = r;
		}
		diff_of(&d, &a, &next, &w.state->resources);
		ck_assert_int_eq(find_change(&d, "service.c[r1]")->action, SP_ACT_REPLACE);
		ck_assert_int_eq(find_change(&d, "service.b[r1]")->action, SP_ACT_UPDATE);
		w.rec.sleep_us = par > 1 ? 2000 : 0;
		ck_assert_int_eq(world_apply(&w, &ap, &d, par, 1), 0);
		ck_assert_uint_eq(ap.done, 3);
		ck_assert_uint_eq(ap.skipped, 0);
		expect_before(&w.rec, "delete service.c[r1]", "create service.c[r1]");
		expect_before(&w.rec, "create service.c[r1]", "update service.b[r1]");
		ck_assert_str_eq(started(&w.rec), "delete service.c[r1], create service.c[r1], update service.b[r1]");
		sp_apply_free(&ap);

		/* both replaced: b goes before c goes; c comes back before b does */
		set_init(&a, &next);
		for (size_t i = 0; i < w.state->resources.n; i++) {
			struct sp_resource r = w.state->resources.v[i];
			if (!strcmp(r.name, "c") || !strcmp(r.name, "b"))
				r = with_attr(&a, &r, "class", "worker", 0);
			next.v[next.n++] = r;
		}
		diff_of(&d, &a, &next, &w.state->resources);
		ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 2);
		ck_assert_int_eq(world_apply(&w, &ap, &d, par, 1), 0);
		ck_assert_uint_eq(ap.done, 4);
		expect_before(&w.rec, "delete service.b[r1]", "delete service.c[r1]");
		expect_before(&w.rec, "delete service.c[r1]", "create service.c[r1]");
		expect_before(&w.rec, "create service.c[r1]", "create service.b[r1]");
		expect_before(&w.rec, "delete service.b[r1]", "create service.b[r1]");
		expect_recorded(&w, &ap, "cache.x[r1]{engine=redis,nodes=1}[]\n"
					 "service.a[r1]{instance_type=m7i.large,instances=1}[service.b[r1]]\n"
					 "service.b[r1]{class=worker,instance_type=m7i.large,instances=7}[service.c[r1]]\n"
					 "service.c[r1]{class=worker,instance_type=m7i.large,instances=3}[]\n"
					 "service.d[r1]{instance_type=m7i.large,instances=4}[]\n");
		sp_apply_free(&ap);
		world_close(&w);
		sp_arena_free(&a);
	}
}
END_TEST

/* An update that drops a dependency on what is deleted runs before the
 * delete, though the deleted one comes first by address. */
START_TEST(test_apply_update_away)
{
	struct sp_arena a;
	struct sp_resource_set want, next, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;

	sp_arena_init(&a);
	chain(&a, &want);
	/* service.d depends on cache.x */
	for (size_t i = 0; i < want.n; i++)
		if (!strcmp(want.v[i].name, "d"))
			add_dep(&want.v[i], "cache.x[r1]");
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	world_seed(&w, &d);
	/* cache.x goes; service.d no longer depends on it */
	set_init(&a, &next);
	for (size_t i = 0; i < want.n; i++) {
		struct sp_resource r = want.v[i];
		if (!strcmp(r.name, "x"))
			continue;
		if (!strcmp(r.name, "d")) {
			r = with_attr(&a, &r, "instances", NULL, 9);
			r.ndeps = 0;
		}
		next.v[next.n++] = r;
	}
	diff_of(&d, &a, &next, &w.state->resources);
	ck_assert_int_eq(find_change(&d, "cache.x[r1]")->action, SP_ACT_DELETE);
	ck_assert_int_eq(find_change(&d, "service.d[r1]")->action, SP_ACT_UPDATE);
	ck_assert_int_eq(world_apply(&w, &ap, &d, 1, 1), 0);
	ck_assert_str_eq(started(&w.rec), "update service.d[r1], delete cache.x[r1]");
	expect_recorded(&w, &ap, "service.a[r1]{instance_type=m7i.large,instances=1}[service.b[r1]]\n"
				 "service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
				 "service.d[r1]{instance_type=m7i.large,instances=9}[]\n");
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_apply_failure_skips_dependents)
{
	struct sp_arena a;
	struct sp_resource_set want, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;
	const struct sp_op *op;
	struct sp_resource r;

	sp_arena_init(&a);
	chain(&a, &want);
	/* e waits on a, which waits on b */
	r = svc(&a, "e", 5);
	add_dep(&r, "service.a[r1]");
	set_add(&want, r);
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	/* one worker: cache.x, service.c, then service.b is the third write */
	setenv("SCALEPLAN_FAULT_AT", "3", 1);
	sp_provider_local_fault_reset();
	ck_assert_int_eq(world_apply(&w, &ap, &d, 1, 0), -1);
	unsetenv("SCALEPLAN_FAULT_AT");
	ck_assert_uint_eq(ap.nops, 6);
	ck_assert_uint_eq(ap.done, 3);
	ck_assert_uint_eq(ap.failed, 1);
	ck_assert_uint_eq(ap.skipped, 2);
	op = op_of(&ap, "service.b[r1]", 0);
	ck_assert_int_eq(op->status, SP_OP_FAILED);
	ck_assert_str_eq(op->error, "injected fault at operation 3 (SCALEPLAN_FAULT_AT)");
	op = op_of(&ap, "service.a[r1]", 0);
	ck_assert_int_eq(op->status, SP_OP_SKIPPED);
	ck_assert_str_eq(op->error, "waits on service.b[r1] (failed)");
	op = op_of(&ap, "service.e[r1]", 0);
	ck_assert_int_eq(op->status, SP_OP_SKIPPED);
	ck_assert_str_eq(op->error, "waits on service.a[r1] (skipped)");
	ck_assert_int_eq(op_of(&ap, "service.c[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(op_of(&ap, "service.d[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(op_of(&ap, "cache.x[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(log_has(&w.rec, "+create service.a[r1]"), 0);
	ck_assert_int_eq(log_has(&w.rec, "+create service.e[r1]"), 0);
	ck_assert_uint_eq(w.state->serial, 3);
	expect_recorded(&w, &ap, "cache.x[r1]{engine=redis,nodes=1}[]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
				 "service.d[r1]{instance_type=m7i.large,instances=4}[]\n");
	sp_apply_free(&ap);

	/* apply again (what is left, against the state now): it converges */
	diff_of(&d, &a, &want, &w.state->resources);
	ck_assert_uint_eq(d.counts[SP_ACT_CREATE], 3);
	ck_assert_int_eq(world_apply(&w, &ap, &d, 4, 1), 0);
	ck_assert_uint_eq(ap.done, 3);
	expect_recorded(&w, &ap, "cache.x[r1]{engine=redis,nodes=1}[]\n"
				 "service.a[r1]{instance_type=m7i.large,instances=1}[service.b[r1]]\n"
				 "service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
				 "service.d[r1]{instance_type=m7i.large,instances=4}[]\n"
				 "service.e[r1]{instance_type=m7i.large,instances=5}[service.a[r1]]\n");
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_apply_failure_parallel)
{
	struct sp_arena a;
	struct sp_resource_set want, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;

	sp_arena_init(&a);
	chain(&a, &want);
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	world_seed(&w, &d);
	/* everything goes, and the delete of b fails: c (which b depends on)
	 * stays, the others go */
	diff_of(&d, &a, &none, &w.state->resources);
	w.rec.fail_address = "service.b[r1]";
	w.rec.sleep_us = 1000;
	ck_assert_int_eq(world_apply(&w, &ap, &d, 4, 0), -1);
	ck_assert_uint_eq(ap.done, 3);
	ck_assert_uint_eq(ap.failed, 1);
	ck_assert_uint_eq(ap.skipped, 1);
	ck_assert_str_eq(op_of(&ap, "service.b[r1]", 1)->error, "refused by the test provider");
	ck_assert_int_eq(op_of(&ap, "service.c[r1]", 1)->status, SP_OP_SKIPPED);
	ck_assert_str_eq(op_of(&ap, "service.c[r1]", 1)->error, "waits on service.b[r1] (failed)");
	ck_assert_int_eq(op_of(&ap, "service.a[r1]", 1)->status, SP_OP_DONE);
	ck_assert_int_eq(log_has(&w.rec, "+delete service.c[r1]"), 0);
	expect_recorded(&w, &ap, "service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n");
	sp_apply_free(&ap);

	/* a failing create in the middle of a parallel run: the independent ones finish */
	w.rec.fail_address = "service.a[r1]";
	diff_of(&d, &a, &want, &w.state->resources);
	ck_assert_int_eq(world_apply(&w, &ap, &d, 4, 0), -1);
	ck_assert_uint_eq(ap.failed, 1);
	ck_assert_uint_eq(ap.done, 2);
	ck_assert_int_eq(op_of(&ap, "service.d[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(op_of(&ap, "cache.x[r1]", 0)->status, SP_OP_DONE);
	expect_recorded(&w, &ap, "cache.x[r1]{engine=redis,nodes=1}[]\n"
				 "service.b[r1]{instance_type=m7i.large,instances=2}[service.c[r1]]\n"
				 "service.c[r1]{instance_type=m7i.large,instances=3}[]\n"
				 "service.d[r1]{instance_type=m7i.large,instances=4}[]\n");
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_apply_verify_before)
{
	struct sp_arena a;
	struct sp_resource_set want, next, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;
	struct sp_resource edited, now;
	struct sp_err err;
	const struct sp_op *op;

	sp_arena_init(&a);
	sp_err_clear(&err);
	chain(&a, &want);
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	world_seed(&w, &d);

	/* the plan: d 4 -> 6 and c 3 -> 5; then d is edited on disk, c deleted */
	set_init(&a, &next);
	for (size_t i = 0; i < want.n; i++) {
		struct sp_resource r = want.v[i];
		if (!strcmp(r.name, "d"))
			r = with_attr(&a, &r, "instances", NULL, 6);
		else if (!strcmp(r.name, "c"))
			r = with_attr(&a, &r, "instances", NULL, 5);
		else if (!strcmp(r.name, "x"))
			r = with_attr(&a, &r, "nodes", NULL, 2);
		next.v[next.n++] = r;
	}
	diff_of(&d, &a, &next, &w.state->resources);
	ck_assert_uint_eq(d.counts[SP_ACT_UPDATE], 3);
	edited = with_attr(&a, sp_resource_find(&want, "service.d[r1]"), "instances", NULL, 9);
	ck_assert_int_eq(w.local->ops->update(w.local, NULL, &edited, &err), 0);
	ck_assert_int_eq(w.local->ops->remove(w.local, sp_resource_find(&want, "service.c[r1]"), &err), 0);

	ck_assert_int_eq(world_apply(&w, &ap, &d, 2, 1), -1);
	op = op_of(&ap, "service.d[r1]", 0);
	ck_assert_int_eq(op->status, SP_OP_FAILED);
	ck_assert_str_eq(op->error, "changed outside scaleplan since the plan was made; run plan again");
	op = op_of(&ap, "service.c[r1]", 0);
	ck_assert_int_eq(op->status, SP_OP_FAILED);
	ck_assert_str_eq(op->error, "no longer exists; it was deleted outside scaleplan since the plan was made");
	ck_assert_int_eq(op_of(&ap, "cache.x[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(log_has(&w.rec, "+update service.d[r1]"), 0);
	ck_assert_int_eq(log_has(&w.rec, "+update service.c[r1]"), 0);
	/* the edit on disk is left alone */
	ck_assert_int_eq(w.local->ops->read(w.local, "service.d[r1]", &now, &a, &err), 0);
	ck_assert_double_eq(sp_resource_attr(&now, "instances")->n, 9);
	sp_apply_free(&ap);

	/* without the check, the update goes through over the edit */
	d.v[0].action = SP_ACT_NOOP;   /* cache.x is done */
	ck_assert_int_eq(world_apply(&w, &ap, &d, 1, 0), -1);
	ck_assert_int_eq(op_of(&ap, "service.d[r1]", 0)->status, SP_OP_DONE);
	ck_assert_int_eq(op_of(&ap, "service.c[r1]", 0)->status, SP_OP_FAILED);
	ck_assert_int_eq(w.local->ops->read(w.local, "service.d[r1]", &now, &a, &err), 0);
	ck_assert_double_eq(sp_resource_attr(&now, "instances")->n, 6);
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_apply_cycle_and_empty)
{
	struct sp_arena a;
	struct sp_resource_set want, none = { NULL, 0 };
	struct sp_diff d;
	struct world w;
	struct sp_apply ap;
	struct sp_resource r;

	sp_arena_init(&a);
	set_init(&a, &want);
	r = svc(&a, "a", 1);
	add_dep(&r, "service.b[r1]");
	set_add(&want, r);
	r = svc(&a, "b", 1);
	add_dep(&r, "service.a[r1]");
	set_add(&want, r);
	set_add(&want, svc(&a, "c", 1));
	diff_of(&d, &a, &want, &none);
	world_open(&w, "w");
	ck_assert_int_eq(world_apply(&w, &ap, &d, 2, 0), -1);
	ck_assert_uint_eq(ap.skipped, 3);
	ck_assert_uint_eq(ap.done, 0);
	for (size_t k = 0; k < ap.nops; k++) {
		ck_assert_int_eq(ap.ops[k].status, SP_OP_SKIPPED);
		ck_assert_ptr_nonnull(strstr(ap.ops[k].error, "form a cycle"));
	}
	ck_assert_int_eq(w.rec.n, 0);
	ck_assert_uint_eq(w.state->serial, 0);
	sp_apply_free(&ap);

	/* nothing to do */
	diff_of(&d, &a, &none, &none);
	ck_assert_int_eq(world_apply(&w, &ap, &d, 8, 1), 0);
	ck_assert_uint_eq(ap.nops, 0);
	ck_assert_int_eq(w.rec.n, 0);
	sp_apply_free(&ap);
	world_close(&w);
	sp_arena_free(&a);
}
END_TEST

/* ---- option values ------------------------------------------------------------------------------ */

START_TEST(test_parse_duration)
{
	int ms = -7;

	ck_assert_int_eq(sp_parse_duration_ms("30s", &ms), 0);
	ck_assert_int_eq(ms, 30000);
	ck_assert_int_eq(sp_parse_duration_ms("2m", &ms), 0);
	ck_assert_int_eq(ms, 120000);
	ck_assert_int_eq(sp_parse_duration_ms("500ms", &ms), 0);
	ck_assert_int_eq(ms, 500);
	ck_assert_int_eq(sp_parse_duration_ms("1.5", &ms), 0);
	ck_assert_int_eq(ms, 1500);
	ck_assert_int_eq(sp_parse_duration_ms("0", &ms), 0);
	ck_assert_int_eq(ms, 0);
	ck_assert_int_eq(sp_parse_duration_ms("0.25s", &ms), 0);
	ck_assert_int_eq(ms, 250);
	ck_assert_int_eq(sp_parse_duration_ms("1440m", &ms), 0);   /* a day, the most */
	ck_assert_int_eq(ms, 86400000);
	ms = -7;
	ck_assert_int_eq(sp_parse_duration_ms("1441m", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("86401", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("-1", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("10x", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("s", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("5 s", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("5sec", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("nan", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("inf", &ms), -1);
	ck_assert_int_eq(sp_parse_duration_ms("1e400", &ms), -1);
	ck_assert_int_eq(ms, -7);   /* untouched on failure */
}
END_TEST

START_TEST(test_parse_count_bool_seed)
{
	long n = -7;
	int b = -7;
	uint64_t s = 99;

	ck_assert_int_eq(sp_parse_count("4", 1, 256, &n), 0);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(sp_parse_count("1", 1, 256, &n), 0);
	ck_assert_int_eq(sp_parse_count("256", 1, 256, &n), 0);
	ck_assert_int_eq(n, 256);
	ck_assert_int_eq(sp_parse_count("0", 1, 256, &n), -1);
	ck_assert_int_eq(sp_parse_count("257", 1, 256, &n), -1);
	ck_assert_int_eq(sp_parse_count("-3", -5, 5, &n), 0);
	ck_assert_int_eq(n, -3);
	ck_assert_int_eq(sp_parse_count("4x", 1, 256, &n), -1);
	ck_assert_int_eq(sp_parse_count("4.0", 1, 256, &n), -1);
	ck_assert_int_eq(sp_parse_count("", 1, 256, &n), -1);
	ck_assert_int_eq(sp_parse_count("99999999999999999999999", 1, 256, &n), -1);
	ck_assert_int_eq(n, -3);

	ck_assert_int_eq(sp_parse_bool("true", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(sp_parse_bool("no", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(sp_parse_bool("1", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(sp_parse_bool("0", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(sp_parse_bool("yes", &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(sp_parse_bool("false", &b), 0);
	ck_assert_int_eq(b, 0);
	ck_assert_int_eq(sp_parse_bool("TRUE", &b), -1);
	ck_assert_int_eq(sp_parse_bool("", &b), -1);
	ck_assert_int_eq(sp_parse_bool("2", &b), -1);
	ck_assert_int_eq(b, 0);

	ck_assert_int_eq(sp_parse_seed("0", &s), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_int_eq(sp_parse_seed("20270101", &s), 0);
	ck_assert_uint_eq(s, 20270101u);
	ck_assert_int_eq(sp_parse_seed("18446744073709551615", &s), 0);
	ck_assert_uint_eq(s, UINT64_MAX);
	ck_assert_int_eq(sp_parse_seed("18446744073709551616", &s), -1);
	ck_assert_int_eq(sp_parse_seed("-1", &s), -1);
	ck_assert_int_eq(sp_parse_seed(" -1", &s), -1);
	ck_assert_int_eq(sp_parse_seed("+1", &s), -1);
	ck_assert_int_eq(sp_parse_seed("", &s), -1);
	ck_assert_int_eq(sp_parse_seed("12a", &s), -1);
	ck_assert_int_eq(sp_parse_seed("1.0", &s), -1);
	ck_assert_uint_eq(s, UINT64_MAX);
}
END_TEST

Suite *suite_plan(void)
{
	Suite *s = suite_create("plan");
	TCase *tc;

	tc = tcase_create("diff");
	tcase_add_test(tc, test_diff_actions);
	tcase_add_test(tc, test_diff_empty_sets);
	tcase_add_test(tc, test_address_matches);
	tcase_add_test(tc, test_diff_targets_excludes);
	tcase_add_test(tc, test_diff_prevent_destroy);
	tcase_add_test(tc, test_diff_scale_to_zero);
	suite_add_tcase(s, tc);

	tc = tcase_create("planfile");
	tcase_add_test(tc, test_planfile_decode);
	tcase_add_test(tc, test_planfile_decode_errors);
	tcase_add_test(tc, test_planfile_round_trip_values);
	tcase_add_test(tc, test_planfile_encode_attributes);
	tcase_add_test(tc, test_planfile_round_trip_spec);
	suite_add_tcase(s, tc);

	tc = tcase_create("apply");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_apply_create_order);
	tcase_add_test(tc, test_apply_delete_order);
	tcase_add_test(tc, test_apply_replace);
	tcase_add_test(tc, test_apply_replace_with_dependents);
	tcase_add_test(tc, test_apply_update_away);
	tcase_add_test(tc, test_apply_failure_skips_dependents);
	tcase_add_test(tc, test_apply_failure_parallel);
	tcase_add_test(tc, test_apply_verify_before);
	tcase_add_test(tc, test_apply_cycle_and_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("opts");
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_count_bool_seed);
	suite_add_tcase(s, tc);
	return s;
}
