/* The planner's diff (planner/diff.c) with its address filters and lifecycle
 * protections, and the option parsers shared by the commands
 * (planner/cmd_opts.c). */
#include "plan_fixtures.h"
#include "planner/resume.h"

Suite *suite_plan(void);

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

/* A saved plan continues when the state moved only by its own operations. */
START_TEST(test_plan_resume)
{
	struct sp_arena a;
	struct sp_diff plan, rest;
	struct sp_change ch[5];
	struct sp_resource a1, b1, b2, b3, c1, d1, d2, e1, f1;
	struct sp_state *st;
	char why[256];
	size_t done;

	sp_arena_init(&a);
	a1 = svc(&a, "a", 1);
	b1 = svc(&a, "b", 1);
	b2 = svc(&a, "b", 2);
	b3 = svc(&a, "b", 3);
	c1 = svc(&a, "c", 1);
	d1 = svc(&a, "d", 1);
	d2 = with_attr(&a, &d1, "instance_type", "c7i.large", 0);
	e1 = svc(&a, "e", 1);
	f1 = svc(&a, "f", 1);
	memset(ch, 0, sizeof(ch));
	ch[0] = (struct sp_change){ .address = a1.address, .action = SP_ACT_CREATE, .after = &a1 };
	ch[1] = (struct sp_change){ .address = b1.address, .action = SP_ACT_UPDATE, .before = &b1, .after = &b2 };
	ch[2] = (struct sp_change){ .address = c1.address, .action = SP_ACT_DELETE, .before = &c1 };
	ch[3] = (struct sp_change){ .address = d1.address, .action = SP_ACT_REPLACE, .before = &d1, .after = &d2 };
	ch[4] = (struct sp_change){ .address = e1.address, .action = SP_ACT_NOOP, .before = &e1, .after = &e1 };
	memset(&plan, 0, sizeof(plan));
	plan.v = ch;
	plan.n = 5;
	for (size_t i = 0; i < 5; i++)
		plan.counts[ch[i].action]++;

	/* where the plan started: nothing done, everything to do */
	st = sp_state_new();
	set_init(&st->arena, &st->resources);
	set_add(&st->resources, b1);
	set_add(&st->resources, c1);
	set_add(&st->resources, d1);
	set_add(&st->resources, e1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 1);
	ck_assert_uint_eq(done, 0);
	ck_assert_uint_eq(rest.n, 5);
	ck_assert_uint_eq(rest.counts[SP_ACT_NOOP], 1);
	ck_assert_int_eq(rest.v[3].action, SP_ACT_REPLACE);

	/* part way: a created, b not yet, c deleted, d deleted but not created */
	st->resources.n = 0;
	set_add(&st->resources, a1);
	set_add(&st->resources, b1);
	set_add(&st->resources, e1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 1);
	ck_assert_uint_eq(done, 2);
	ck_assert_int_eq(rest.v[0].action, SP_ACT_NOOP);
	ck_assert_int_eq(rest.v[1].action, SP_ACT_UPDATE);
	ck_assert_int_eq(rest.v[2].action, SP_ACT_NOOP);
	ck_assert_int_eq(rest.v[3].action, SP_ACT_CREATE);
	ck_assert_ptr_null(rest.v[3].before);
	ck_assert_ptr_eq(rest.v[3].after, &d2);
	ck_assert_uint_eq(rest.counts[SP_ACT_NOOP], 3);

	/* all done: nothing left */
	st->resources.n = 0;
	set_add(&st->resources, a1);
	set_add(&st->resources, b2);
	set_add(&st->resources, d2);
	set_add(&st->resources, e1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 1);
	ck_assert_uint_eq(done, 4);
	ck_assert_uint_eq(rest.counts[SP_ACT_NOOP], 5);

	/* b moved to a value the plan never made: stale */
	st->resources.n = 0;
	set_add(&st->resources, b3);
	set_add(&st->resources, c1);
	set_add(&st->resources, d1);
	set_add(&st->resources, e1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "service.b[r1] holds neither what the plan started from nor what it makes");

	/* a resource the plan never saw: stale */
	st->resources.v[0] = b1;
	set_add(&st->resources, f1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "service.f[r1] was added to the state after the plan was made");

	/* a resource of the plan gone without the plan deleting it: stale */
	st->resources.n = 0;
	set_add(&st->resources, b1);
	set_add(&st->resources, c1);
	set_add(&st->resources, d1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "service.e[r1] is gone from the state, and the plan does not delete it");

	/* one of its addresses taken out of management since: stale */
	set_add(&st->resources, e1);
	sp_state_set_removed(st, a1.address, 1);
	ck_assert_int_eq(sp_plan_resume(&plan, st, &rest, &done, &a, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "service.a[r1] was taken out of management ('state rm')");

	sp_state_free(st);
	sp_arena_free(&a);
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
	tcase_add_test(tc, test_plan_resume);
	suite_add_tcase(s, tc);

	tc = tcase_create("opts");
	tcase_add_test(tc, test_parse_duration);
	tcase_add_test(tc, test_parse_count_bool_seed);
	suite_add_tcase(s, tc);
	return s;
}
