/* Applying a diff in dependency order (planner/apply.c) against a recording
 * provider, the local provider and the local state backend. */
#include "plan_fixtures.h"

Suite *suite_apply(void);

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

/* The durability contract: when apply reports an operation done, its record
 * is in the journal file and its resource in the provider's folder, read
 * here through descriptors of their own, although the operations that
 * finished close together share one sync (and the local provider's writes
 * are published by its sync). */
struct seen {
	char journal[300], infra[300];
	int reported, checked;
};

static void check_reported(void *ctx, const struct sp_op *op)
{
	struct seen *sn = ctx;
	struct sp_sb text = SP_SB_INIT;
	char want[160], path[512];

	sn->reported++;
	if (op->status != SP_OP_DONE)
		return;
	ck_assert_int_eq(sp_sb_read_file(&text, sn->journal, 1 << 20), 0);
	snprintf(want, sizeof(want), "\"address\":\"%s\"", op->change->address);
	ck_assert_msg(strstr(text.buf, want), "'%s' was reported before its record was in the journal",
		      op->change->address);
	sp_sb_release(&text);
	snprintf(path, sizeof(path), "%s/%s.json", sn->infra, op->change->address);
	ck_assert_msg(access(path, F_OK) == 0, "'%s' was reported before its file was in place", op->change->address);
	sn->checked++;
}

START_TEST(test_apply_reported_is_recorded)
{
	for (int par = 1; par <= 8; par += 7) {
		struct sp_arena a;
		struct sp_resource_set want, none = { NULL, 0 };
		struct sp_diff d;
		struct world w;
		struct sp_apply ap;
		struct seen sn;
		char name[16];

		sp_arena_init(&a);
		set_init(&a, &want);
		/* 16 services in a binary tree: each depends on its parent */
		for (int i = 0; i < 16; i++) {
			char nm[16], dep[32];
			snprintf(nm, sizeof(nm), "s%02d", i);
			struct sp_resource r = svc(&a, nm, i + 1);
			if (i) {
				snprintf(dep, sizeof(dep), "service.s%02d[r1]", (i - 1) / 2);
				add_dep(&r, sp_arena_strdup(&a, dep));
			}
			set_add(&want, r);
		}
		diff_of(&d, &a, &want, &none);
		snprintf(name, sizeof(name), "dur%d", par);
		world_open(&w, name);
		memset(&sn, 0, sizeof(sn));
		snprintf(sn.journal, sizeof(sn.journal), "%s.journal", w.state_path);
		snprintf(sn.infra, sizeof(sn.infra), "%s/%s/infra", tmpdir, name);
		memset(&ap, 0, sizeof(ap));
		ap.backend = w.backend;
		ap.provider = w.local; /* the local provider itself: its writes deferred to its sync */
		ap.state = w.state;
		ap.diff = &d;
		ap.parallelism = par;
		ap.reported = check_reported;
		ap.reported_ctx = &sn;
		ck_assert_int_eq(sp_apply_run(&ap), 0);
		ck_assert_uint_eq(ap.done, 16);
		ck_assert_int_eq(sn.reported, 16);
		ck_assert_int_eq(sn.checked, 16);
		ck_assert_uint_eq(w.state->serial, 16);
		ck_assert_int_eq(w.local->deferred, 0);
		sp_apply_free(&ap);
		world_close(&w);
		sp_arena_free(&a);
	}
}
END_TEST

Suite *suite_apply(void)
{
	Suite *s = suite_create("apply");
	TCase *tc = tcase_create("apply");

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
	tcase_add_test(tc, test_apply_reported_is_recorded);
	suite_add_tcase(s, tc);
	return s;
}
