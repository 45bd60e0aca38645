/* The roadmap: each milestone kind on a small spec whose numbers are worked
 * out by hand, the decision triggers, the layers, the window, the options'
 * errors, determinism, and the forecast series the roadmap reads. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/roadmap.h"
#include "model/spec.h"
#include "planner/render_roadmap.h"

Suite *suite_roadmap(void);

/* Prices per hour, sorted by name; a db.r6g family of four sizes. */
static struct sp_sku skus[] = {
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.206, 0.13, 0.09, 0 },
	{ "db.r6g.2xlarge", SP_SKU_DATABASE, 8, 64, 0, NULL, 0.9, 0.58, 0.4, 0 },
	{ "db.r6g.4xlarge", SP_SKU_DATABASE, 16, 128, 0, NULL, 1.8, 1.16, 0.8, 0 },
	{ "db.r6g.large", SP_SKU_DATABASE, 2, 16, 0, NULL, 0.225, 0.145, 0.1, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpus[] = { { "h100", 989, "p5.48xlarge" } };
static struct sp_egress_tier egress[] = { { 0, 0.09 } };

static void make_catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1;
	c->skus = skus;
	c->nskus = SP_ARRAY_LEN(skus);
	c->gpus = gpus;
	c->ngpus = 1;
	c->egress = egress;
	c->negress = 1;
}

/* The head of every spec: 24 months from 2027-01, one region of one zone,
 * a constant driver of 864,000 units, a linear one rising by 864,000 a month
 * (10 requests/s per request per unit per day, then 20, 30, ...) and a
 * constant 1,000 for data to grow with. */
#define HEAD                                                                        \
	"scaleplan: 1\n"                                                            \
	"name: t\n"                                                                 \
	"horizon: {start: 2027-01, months: 24, lead_time_months: 1}\n"               \
	"drivers:\n"                                                                \
	"  flat: {model: constant, start: 864000}\n"                                \
	"  grow: {model: linear, start: 864000, per_month: 864000}\n"               \
	"  data: {model: constant, start: 1000}\n"                                  \
	"regions:\n"                                                                \
	"  - {name: r1, zones: 1}\n"

struct rm_ctx {
	struct sp_catalog cat;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_roadmap *r;
	struct sp_diags d;
	struct sp_err err;
};

static void opts_init(struct sp_roadmap_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pct = 90;
	o->now = 2027 * 12;   /* the horizon's start */
	o->from = o->until = SP_NO_MONTH;
}

/* Loads text, runs its forecast (paths P, the roadmap's percentiles for
 * opts->pct) and builds the roadmap; returns sp_roadmap_build's result. */
static int build_paths(struct rm_ctx *x, const char *text, const struct sp_roadmap_opts *o, int paths, int threads)
{
	struct sp_forecast_opts fo;
	memset(x, 0, sizeof(*x));
	make_catalog(&x->cat);
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	memset(&fo, 0, sizeof(fo));
	fo.paths = paths;
	fo.seed = SP_FC_DEFAULT_SEED;
	fo.threads = threads;
	fo.npcts = sp_roadmap_pcts(o->pct, fo.pcts);
	ck_assert_int_eq(sp_forecast_run(&x->f, x->spec, x->g, &x->cat, &fo, &x->d), 0);
	return sp_roadmap_build(&x->r, x->spec, x->g, &x->cat, x->f, o, &x->err);
}

static int build(struct rm_ctx *x, const char *text, const struct sp_roadmap_opts *o)
{
	return build_paths(x, text, o, 0, 1);
}

static void ctx_free(struct rm_ctx *x)
{
	sp_roadmap_free(x->r);
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

/* The n-th milestone of a kind (0-based), or NULL. */
static const struct sp_rm_milestone *nth(const struct sp_roadmap *r, enum sp_rm_kind kind, int n)
{
	for (size_t i = 0; i < r->nms; i++)
		if (r->ms[i].kind == kind && n-- == 0)
			return &r->ms[i];
	return NULL;
}

static int count(const struct sp_roadmap *r, enum sp_rm_kind kind)
{
	int n = 0;
	for (size_t i = 0; i < r->nms; i++)
		n += r->ms[i].kind == kind;
	return n;
}

/* ---- datastores ----------------------------------------------------------------------------------- */

/* Data 300 GB in month 0, +100 GB a month (0.1 GB per unit x 1,000 units,
 * counted from month 0): 2,000 GB in month 17, 2,100 GB in month 18, so the
 * second shard of 2,000 GB is needed in month 18 and, 6 months ahead, raised
 * in month 12. */
static const char store_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, reads_per_request: 1, writes_per_request: 1}]\n"
	"datastores:\n"
	"  db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 8000\n"
	"    read_qps_per_replica: 20000\n"
	"    storage: {start_gb: 200, gb_per_unit_month: 0.1, driver: data}\n"
	"    sharding: {key: tenant_id, strategy: hash, max_gb_per_shard: 2000}\n"
	"    reshard_lead_months: 6\n";

START_TEST(test_shard_in_month_18_raised_in_month_12)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_double_eq_tol(sp_fc_value(x.f, &x.f->lines[1], 17, SP_FC_STORAGE_GB, 0), 2000, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(x.f, &x.f->lines[1], 18, SP_FC_STORAGE_GB, 0), 2100, 1e-6);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 1);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_SHARD, 0);
	ck_assert_str_eq(m->name, "db");
	ck_assert_int_eq(m->region, 0);
	ck_assert_int_eq(m->need, 18);
	ck_assert_int_eq(m->lead, 6);
	ck_assert_int_eq(m->raise, 12);
	ck_assert_int_eq(m->late, 0);
	ck_assert_int_eq(m->big, 1);
	ck_assert_int_eq(m->u.shard.from, 1);
	ck_assert_int_eq(m->u.shard.to, 2);
	ck_assert_int_eq(m->u.shard.strategy, SP_SHARD_HASH);
	ck_assert_str_eq(m->u.shard.key, "tenant_id");
	/* half the 2,100 GB moves to the new shard; the data decides (1.05 shards) */
	ck_assert_double_eq_tol(m->u.shard.data_gb, 2100, 1e-6);
	ck_assert_double_eq_tol(m->u.shard.moved_gb, 1050, 1e-6);
	ck_assert_double_eq_tol(m->u.shard.data_need, 1.05, 1e-9);
	/* writes: 10 requests/s x 1 write, at 65 % of 8,000 */
	ck_assert_double_eq_tol(m->u.shard.writes_per_s, 10, 1e-9);
	ck_assert_double_eq_tol(m->u.shard.write_need, 10 / (0.65 * 8000), 1e-12);
	/* the data passes 1 TB in month 7 (300 + 700 = 1,000 GB), raised 1 month ahead */
	ck_assert_int_eq(count(x.r, SP_RM_STORAGE), 1);
	m = nth(x.r, SP_RM_STORAGE, 0);
	ck_assert_int_eq(m->need, 7);
	ck_assert_int_eq(m->raise, 6);
	ck_assert_double_eq(m->u.storage.threshold_gb, 1000);
	ck_assert_double_eq_tol(m->u.storage.data_gb, 1000, 1e-6);
	/* sorted by the month to act */
	for (size_t i = 1; i < x.r->nms; i++)
		ck_assert_int_le(x.r->ms[i - 1].raise, x.r->ms[i].raise);
	ctx_free(&x);
}
END_TEST

/* Reads 100 per request at 10, 20, 30 ... requests/s: 1,000 (m + 1) reads/s
 * at 5,000 per replica need 1 replica up to month 4 and 2 from month 5; with
 * replica_lead_months 2 it is raised in month 3. Availability 99.9 adds one
 * for HA to both, so the step is 2 -> 3. */
static const char replica_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: grow, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, reads_per_request: 100}]\n"
	"datastores:\n"
	"  db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 8000\n"
	"    read_qps_per_replica: 5000\n"
	"    availability: 99.9\n"
	"    replica_lead_months: 2\n";

START_TEST(test_replica_steps)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, replica_spec, &o), 0);
	/* every fifth month a replica more: 5, 10, 15, 20 */
	ck_assert_int_eq(count(x.r, SP_RM_REPLICA), 4);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_REPLICA, 0);
	ck_assert_int_eq(m->need, 5);
	ck_assert_int_eq(m->raise, 3);
	ck_assert_int_eq(m->lead, 2);
	ck_assert_int_eq(m->u.replica.from, 2);
	ck_assert_int_eq(m->u.replica.to, 3);
	ck_assert_int_eq(m->u.replica.shards, 1);
	ck_assert_int_eq(m->u.replica.ha, 1);
	ck_assert_double_eq_tol(m->u.replica.reads_per_s, 6000, 1e-6);
	ck_assert_double_eq(m->u.replica.per_replica, 5000);
	ck_assert_int_eq(m->big, 0);
	ck_assert_int_eq(m->theme, SP_RM_TH_DATA);
	ck_assert_int_eq(nth(x.r, SP_RM_REPLICA, 3)->need, 20);
	ck_assert_int_eq(nth(x.r, SP_RM_REPLICA, 3)->u.replica.to, 6);
	/* the forecast keeps the reads it sized them from */
	ck_assert_double_eq_tol(sp_fc_extra_value(x.f, &x.f->lines[1], 5, SP_FC_X_READS, 0), 6000, 1e-6);
	ck_assert_double_eq(sp_fc_extra_value(x.f, &x.f->lines[1], 5, SP_FC_X_WRITES, 0), 0);
	/* not sharded: no shard milestone; reads do not outgrow an instance */
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 0);
	ck_assert_int_eq(count(x.r, SP_RM_INSTANCE), 0);
	ck_assert_int_eq(count(x.r, SP_RM_INSTANCE_LIMIT), 0);
	ctx_free(&x);
}
END_TEST

/* Unsharded, 100 writes per request at 10 (m + 1) requests/s: 1,000 (m + 1)
 * writes/s at 50 % of 2,000 per node take m + 1 primaries of a
 * db.r6g.xlarge (4 vCPUs). Month 1 needs 8 vCPUs (db.r6g.2xlarge), month 2
 * 12 (db.r6g.4xlarge, 16), month 4 20: more than the largest, so shard. */
static const char instance_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: grow, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, writes_per_request: 100}]\n"
	"datastores:\n"
	"  db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 2000\n"
	"    write_utilization: 0.5\n"
	"    read_qps_per_replica: 5000\n"
	"    reshard_lead_months: 3\n";

START_TEST(test_instance_and_largest_instance)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, instance_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_INSTANCE), 2);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_INSTANCE, 0);
	ck_assert_int_eq(m->need, 1);
	ck_assert_int_eq(m->raise, 0);
	ck_assert_str_eq(m->u.instance.sku_from, "db.r6g.xlarge");
	ck_assert_str_eq(m->u.instance.sku_to, "db.r6g.2xlarge");
	ck_assert_double_eq_tol(m->u.instance.need, 2, 1e-9);
	ck_assert_double_eq_tol(m->u.instance.writes_per_s, 2000, 1e-6);
	m = nth(x.r, SP_RM_INSTANCE, 1);
	ck_assert_int_eq(m->need, 2);
	ck_assert_str_eq(m->u.instance.sku_from, "db.r6g.2xlarge");
	ck_assert_str_eq(m->u.instance.sku_to, "db.r6g.4xlarge");
	ck_assert_int_eq(count(x.r, SP_RM_INSTANCE_LIMIT), 1);
	m = nth(x.r, SP_RM_INSTANCE_LIMIT, 0);
	ck_assert_int_eq(m->need, 4);
	ck_assert_int_eq(m->lead, 3);
	ck_assert_int_eq(m->raise, 1);
	ck_assert_str_eq(m->u.limit.sku, "db.r6g.4xlarge");
	ck_assert_double_eq_tol(m->u.limit.need, 5, 1e-9);
	ck_assert_double_eq_tol(m->u.limit.limit, 4, 1e-12);
	ck_assert_int_eq(m->u.limit.by_data, 0);
	ck_assert_int_eq(m->big, 1);
	ctx_free(&x);
}
END_TEST

/* ---- caches ---------------------------------------------------------------------------------------- */

/* Working set 5 GB + 0.000001 GB per unit of the driver that brings the
 * load: 5 + 0.864 (m + 1) GB. A cache.r6g.large holds 75 % of 13.07 GiB,
 * 9.8025 GB: month 5 (10.184 GB) is the first past it, and needs 2 nodes. */
static const char cache_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: grow, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: hot, per_request: 1}]\n"
	"caches:\n"
	"  hot: {engine: redis, node: cache.r6g.large, hit_rate: 0.5, working_set_gb: 5,\n"
	"        working_set_gb_per_unit: 0.000001}\n";

START_TEST(test_cache_memory_and_nodes)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, cache_spec, &o), 0);
	ck_assert_double_eq_tol(sp_fc_extra_value(x.f, &x.f->lines[1], 5, SP_FC_X_WORKING_SET_GB, 0), 10.184, 1e-9);
	ck_assert_int_eq(count(x.r, SP_RM_CACHE_MEMORY), 1);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_CACHE_MEMORY, 0);
	ck_assert_int_eq(m->need, 5);
	ck_assert_int_eq(m->raise, 4);
	ck_assert_double_eq_tol(m->u.memory.usable_gb, 13.07 * 0.75, 1e-12);
	ck_assert_double_eq_tol(m->u.memory.ws_gb, 10.184, 1e-9);
	ck_assert_str_eq(m->u.memory.sku, "cache.r6g.large");
	/* nodes: 2 from month 5; 3 once 5 + 0.864 (m + 1) > 19.605, month 16 */
	ck_assert_int_eq(count(x.r, SP_RM_CACHE_NODES), 2);
	m = nth(x.r, SP_RM_CACHE_NODES, 0);
	ck_assert_int_eq(m->need, 5);
	ck_assert_int_eq(m->u.cache.from, 1);
	ck_assert_int_eq(m->u.cache.to, 2);
	ck_assert_str_eq(m->u.cache.why, "memory");
	ck_assert_double_eq_tol(m->u.cache.ops_per_s, 60, 1e-9);
	m = nth(x.r, SP_RM_CACHE_NODES, 1);
	ck_assert_int_eq(m->need, 16);
	ck_assert_int_eq(m->u.cache.to, 3);
	ctx_free(&x);
}
END_TEST

/* ---- services, regions ------------------------------------------------------------------------------ */

/* 100 ms of CPU at 10 (m + 1) requests/s: A = m + 1 Erlangs; at 50 %
 * utilisation 2 (m + 1) vCPUs, m + 1 instances of 2 vCPUs in one zone.
 * scaling.max 3 binds from month 3 (4 needed, short by 1); at worst month 23
 * (24 needed, short by 21). */
static const char scaling_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: grow, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"    slo: {availability: 99.95}\n"
	"    scaling: {min: 1, max: 3}\n"
	"  jobs:\n"
	"    class: worker\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"  nightly:\n"
	"    class: batch\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"queues:\n"
	"  q: {from: api, per_request: 1, worker: jobs, max_backlog_age_s: 120}\n";

START_TEST(test_scaling_max)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SCALING_MAX), 1);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_SCALING_MAX, 0);
	ck_assert_str_eq(m->name, "api");
	ck_assert_int_eq(m->need, 3);
	ck_assert_int_eq(m->lead, 1);
	ck_assert_int_eq(m->raise, 2);
	ck_assert_int_eq(m->u.scaling.max, 3);
	ck_assert_int_eq(m->u.scaling.need, 4);
	ck_assert_double_eq_tol(m->u.scaling.peak_rps, 40, 1e-9);
	ck_assert_int_eq(m->u.scaling.worst_month, 23);
	ck_assert_int_eq(m->u.scaling.worst_need, 24);
	/* the forecast clamps what the roadmap sizes again */
	ck_assert_double_eq(sp_fc_region_value(x.f, &x.f->lines[0], 0, 23, SP_FC_R_UNITS, 0), 3);
	ck_assert_int_eq(m->domain, SP_RM_DOM_APP);
	ctx_free(&x);
}
END_TEST

START_TEST(test_triggers)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	ck_assert_uint_eq(x.r->ntriggers, 3);
	const struct sp_rm_trigger *t = &x.r->triggers[0];
	/* 99.95 % over 30 days: 0.05 % of 43,200 minutes */
	ck_assert_double_eq_tol(t->budget_min, 21.6, 1e-9);
	ck_assert_uint_eq(x.r->nalerts, 3);
	ck_assert_double_eq_tol(t->error_rate[0], 14.4 * 0.0005, 1e-12);
	ck_assert_double_eq_tol(t->error_rate[1], 6 * 0.0005, 1e-12);
	ck_assert_double_eq_tol(t->error_rate[2], 1 * 0.0005, 1e-12);
	ck_assert_int_eq(t->signal, SP_RM_SIG_CPU);
	ck_assert_double_eq(t->signal_target, 0.5);
	/* the worker scales on the age of its queue's backlog; batch on a schedule */
	ck_assert_int_eq(x.r->triggers[1].signal, SP_RM_SIG_BACKLOG);
	ck_assert_double_eq(x.r->triggers[1].signal_target, 120);
	ck_assert_double_eq(x.r->triggers[1].budget_min, 0);
	ck_assert_int_eq(x.r->triggers[2].signal, SP_RM_SIG_SCHEDULE);
	/* the SRE workbook's alerts spend 2 %, 5 % and 10 % of the budget */
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[0]), 0.02, 1e-12);
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[1]), 0.05, 1e-12);
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[2]), 0.10, 1e-12);
	/* the load test before the first quarter (months 0-2): peak 30 requests/s;
	 * 1x: A = 3, 6 vCPUs, 3 instances; 2x: 6; 5x: 15 */
	ck_assert_uint_eq(t->ntests, 8);
	ck_assert_int_eq(t->tests[0].quarter, 0);
	ck_assert_int_eq(t->tests[0].region, 0);
	ck_assert_double_eq_tol(t->tests[0].peak_rps, 30, 1e-9);
	ck_assert_int_eq(t->tests[0].inst[0], 3);
	ck_assert_int_eq(t->tests[0].inst[1], 6);
	ck_assert_int_eq(t->tests[0].inst[2], 15);
	/* the second quarter's peak is month 5's 60 requests/s */
	ck_assert_double_eq_tol(t->tests[1].peak_rps, 60, 1e-9);
	ctx_free(&x);
}
END_TEST

START_TEST(test_alerts_adjusted)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	o.alerts[0] = (struct sp_rm_alert){ "page", 10, 120, 10 };
	o.nalerts = 1;
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	ck_assert_uint_eq(x.r->nalerts, 1);
	ck_assert_double_eq_tol(x.r->triggers[0].error_rate[0], 10 * 0.0005, 1e-12);
	/* 10 x 2 h / 720 h */
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[0]), 20.0 / 720, 1e-12);
	ctx_free(&x);
	/* out of their domain */
	const struct sp_rm_alert bad[] = {
		{ "page", 0, 60, 5 }, { "page", 2, 60, 60 }, { "page", 2, 60, 0 }, { "page", 2, 43201, 5 }, { "", 2, 60, 5 },
	};
	for (size_t i = 0; i < SP_ARRAY_LEN(bad); i++) {
		opts_init(&o);
		o.alerts[0] = bad[i];
		o.nalerts = 1;
		ck_assert_int_eq(build(&x, scaling_spec, &o), SP_EINVAL);
		ck_assert_ptr_null(x.r);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "burn-rate alert 1"));
		ctx_free(&x);
	}
}
END_TEST

/* A second region from 2027-07 with half the demand; the store in it makes
 * its lead the reshard lead (4 months). */
static const char region_spec[] = HEAD
	"  - {name: r2, zones: 1, share: 0.5, from: 2027-07}\n"
	"services:\n"
	"  api:\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, reads_per_request: 1}]\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 8000, read_qps_per_replica: 5000,\n"
	"       reshard_lead_months: 4}\n";

START_TEST(test_region_opens)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, region_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_REGION), 1);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_REGION, 0);
	ck_assert_str_eq(m->name, "r2");
	ck_assert_int_eq(m->region, 1);
	ck_assert_int_eq(m->need, 6);
	ck_assert_int_eq(m->lead, 4);
	ck_assert_int_eq(m->raise, 2);
	ck_assert_double_eq(m->u.region.share, 0.5);
	/* 5 requests/s x 100 ms = 0.5 Erlangs: 1 vCPU at 50 %, 1 instance; the
	 * store: 5 reads/s, 1 primary and 1 replica */
	ck_assert_int_eq(m->u.region.components, 2);
	ck_assert_double_eq(m->u.region.instances, 1);
	ck_assert_double_eq(m->u.region.db_nodes, 2);
	ck_assert_int_eq(m->big, 1);
	/* the tactical layer's first quarter starts at now, 2027-01: raised in
	 * month 2, the action falls in 2027-Q1 */
	ck_assert_uint_ge(x.r->nquarters, 1);
	ck_assert_int_eq(x.r->quarters[0].start, 2027 * 12);
	ck_assert_uint_eq(x.r->quarters[0].nactions, 1);
	ck_assert_int_eq(x.r->ms[x.r->quarters[0].actions[0]].kind, SP_RM_REGION);
	ctx_free(&x);
}
END_TEST

/* ---- GPUs ---------------------------------------------------------------------------------------------- */

/* 10 requests/s x 340 tokens = 3,400 tokens/s at 340 per GPU: 10 GPUs, 11
 * with N+1, 2 p5.48xlarge; the committed level is 2 in both 12-month windows.
 * A month saves 2 x (55.04 - 35.0) x 730 = 29,258.40. Training: 6 x 8e9 x
 * 50e9 / (989e12 x 0.4 x 3600) = 1,685.2 GPU-hours a run: 3 GPUs, 1 instance;
 * every 6 months from the start: 4 runs. */
static const char gpu_spec[] = HEAD
	"gpu:\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, gpu: h100, tier: committed, driver: flat, requests_per_unit_per_day: 1,\n"
	"       tokens_per_request: 340, tokens_per_s_per_gpu: 340}\n"
	"    - {name: tune, kind: training, gpu: h100, tier: on_demand, params_b: 8, tokens_b: 50, mfu: 0.4,\n"
	"       every_months: 6}\n"
	"    - {name: cheap, kind: training, gpu: h100, tier: spot, params_b: 8, tokens_b: 50, start: 2028-06}\n"
	"  tiers: {committed: {term: 1y}}\n";

START_TEST(test_gpu_commitments_and_training)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, gpu_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_GPU_COMMIT), 2);
	const struct sp_rm_milestone *m = nth(x.r, SP_RM_GPU_COMMIT, 0);
	ck_assert_int_eq(m->need, 0);
	ck_assert_int_eq(m->raise, -1);
	ck_assert_int_eq(m->late, 1);
	ck_assert_int_eq(m->u.commit.term, 12);
	ck_assert_int_eq(m->u.commit.level, 2);
	ck_assert_int_eq(m->u.commit.buy, 2);
	ck_assert_int_eq(m->u.commit.renew, 0);
	ck_assert_int_eq(m->u.commit.gpus_per_instance, 8);
	ck_assert_int_eq(m->u.commit.end, 12);
	ck_assert_double_eq_tol(m->u.commit.saving, 12 * 2 * (55.04 - 35.0) * 730, 1e-4);
	m = nth(x.r, SP_RM_GPU_COMMIT, 1);
	ck_assert_int_eq(m->need, 12);
	ck_assert_int_eq(m->u.commit.renew, 2);
	ck_assert_int_eq(m->u.commit.buy, 0);
	ck_assert_int_eq(m->u.commit.lapse, 0);
	ck_assert_int_eq(m->u.commit.window, 1);
	/* training: four on-demand runs booked as capacity blocks 2 months ahead */
	int tune = 0, cheap = 0;
	for (size_t i = 0; i < x.r->nms; i++) {
		const struct sp_rm_milestone *t = &x.r->ms[i];
		if (t->kind != SP_RM_TRAINING)
			continue;
		if (!strcmp(t->name, "tune")) {
			ck_assert_int_eq(t->need, 6 * tune);
			ck_assert_int_eq(t->lead, SP_RM_BLOCK_LEAD_MONTHS);
			ck_assert_int_eq(t->u.training.run, tune + 1);
			ck_assert_int_eq(t->u.training.runs, 4);
			ck_assert_int_eq(t->u.training.gpus, 3);
			ck_assert_int_eq(t->u.training.instances, 1);
			ck_assert_int_eq(t->u.training.spot, 0);
			ck_assert_double_eq_tol(t->u.training.gpu_hours, 2.4e21 / (989e12 * 0.4 * 3600), 1e-6);
			ck_assert_double_eq_tol(t->u.training.cost, t->u.training.gpu_hours * 55.04 / 8, 1e-6);
			tune++;
		} else {
			/* once, in 2028-06 (month 17), on spot: raised the horizon's lead time ahead */
			ck_assert_int_eq(t->need, 17);
			ck_assert_int_eq(t->lead, 1);
			ck_assert_int_eq(t->u.training.spot, 1);
			ck_assert_int_eq(t->u.training.runs, 1);
			cheap++;
		}
	}
	ck_assert_int_eq(tune, 4);
	ck_assert_int_eq(cheap, 1);
	ctx_free(&x);
}
END_TEST

/* ---- budgets --------------------------------------------------------------------------------------------- */

/* A constant web service of 3 instances on a 1-year commitment: 3 x 0.06 x
 * 730 = 131.40 a month. monthly_max 100 is broken in month 0; total_max
 * 1,000 once the running sum passes it: 131.40 x 8 = 1,051.20, month 7. */
static const char budget_spec[] = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    scaling: {min: 3}\n"
	"budgets: {monthly_max: 100, total_max: 1000}\n";

START_TEST(test_budgets)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, budget_spec, &o), 0);
	ck_assert_double_eq_tol(x.f->cum_total[7 * x.f->npcts], 8 * 131.4, 1e-6);
	ck_assert_int_eq(count(x.r, SP_RM_BUDGET), 4);
	int seen = 0;
	for (size_t i = 0; i < x.r->nms; i++) {
		const struct sp_rm_milestone *m = &x.r->ms[i];
		if (m->kind != SP_RM_BUDGET)
			continue;
		ck_assert_int_eq(m->domain, SP_RM_DOM_FINOPS);
		if (!m->u.budget.total) {
			ck_assert_str_eq(m->name, "monthly_max");
			ck_assert_int_eq(m->need, 0);
			ck_assert_double_eq_tol(m->u.budget.value, 131.4, 1e-6);
		} else {
			ck_assert_str_eq(m->name, "total_max");
			ck_assert_int_eq(m->need, 7);
			ck_assert_double_eq_tol(m->u.budget.value, 1051.2, 1e-6);
			ck_assert_double_eq(m->u.budget.limit, 1000);
		}
		seen |= m->u.budget.pct == 50 ? 1 : m->u.budget.pct == 90 ? 2 : 4;
	}
	ck_assert_int_eq(seen, 3);
	ctx_free(&x);
}
END_TEST

/* ---- the window, the layers, owners ------------------------------------------------------------------------- */

START_TEST(test_window_cuts)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	/* from 2028-08 (month 19): the shard needed in month 18 is done */
	opts_init(&o);
	o.from = 2028 * 12 + 7;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 0);
	ck_assert_int_eq(x.r->from, 19);
	ck_assert_uint_eq(x.r->nyears, 1);
	ck_assert_int_eq(x.r->years[0].index, 1);
	ctx_free(&x);
	/* until 2027-12 (month 11): raised in month 12, after the window */
	opts_init(&o);
	o.until = 2027 * 12 + 11;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 0);
	ck_assert_int_eq(count(x.r, SP_RM_STORAGE), 1);
	/* the tactical layer stops at the window's end: 4 quarters */
	ck_assert_uint_eq(x.r->nquarters, 4);
	ctx_free(&x);
	/* until 2028-01 (month 12): raised in the window, needed after it */
	opts_init(&o);
	o.until = 2028 * 12;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 1);
	ctx_free(&x);
}
END_TEST

START_TEST(test_layers)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	/* now 2027-05: the first quarter is 2027-Q2 (months 3-5); the storage
	 * milestone raised in month 6 falls in the second */
	opts_init(&o);
	o.now = 2027 * 12 + 4;
	o.quarters = 4;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(x.r->now, 4);
	ck_assert_uint_eq(x.r->nquarters, 4);
	ck_assert_int_eq(x.r->quarters[0].start, 2027 * 12 + 3);
	ck_assert_int_eq(x.r->quarters[0].m0, 3);
	ck_assert_int_eq(x.r->quarters[0].m1, 6);
	ck_assert_uint_eq(x.r->quarters[0].nactions, 0);
	ck_assert_uint_eq(x.r->quarters[1].nactions, 1);
	ck_assert_int_eq(x.r->ms[x.r->quarters[1].actions[0]].kind, SP_RM_STORAGE);
	/* the shard, raised in month 12, is in the fourth: 2028-Q1 */
	ck_assert_int_eq(x.r->quarters[3].start, 2028 * 12);
	ck_assert_uint_eq(x.r->quarters[3].nactions, 1);
	/* strategic: two years; the shard needed in month 18 is year 2's big one */
	ck_assert_uint_eq(x.r->nyears, 2);
	ck_assert_uint_eq(x.r->years[0].nbig, 0);
	ck_assert_uint_eq(x.r->years[1].nbig, 1);
	ck_assert_int_eq(x.r->ms[x.r->years[1].big[0]].kind, SP_RM_SHARD);
	ck_assert_int_eq(x.r->years[1].themes[SP_RM_TH_DATA].count, 1);
	ck_assert_int_eq(x.r->years[0].themes[SP_RM_TH_DATA].count, 1);   /* the storage */
	ck_assert_int_eq(x.r->years[0].themes[SP_RM_TH_DATA].ncomponents, 1);
	ck_assert_str_eq(x.r->years[0].themes[SP_RM_TH_DATA].names[0], "db");
	/* the envelope: one path, so p10 = p50 = p90; 24 months of a year's cost */
	ck_assert_double_eq(x.r->years[0].cost[0], x.r->years[0].cost[2]);
	ck_assert_double_eq(x.r->years[0].cost[1], x.f->year_total[0 * x.f->npcts + x.r->k50]);
	ck_assert_double_eq(x.r->years[0].cap[SP_NODE_DATASTORE][1],
				sp_fc_value(x.f, &x.f->lines[1], 11, SP_FC_UNITS, 0));
	ctx_free(&x);
	/* now past the window: no quarter */
	opts_init(&o);
	o.now = 2031 * 12;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_uint_eq(x.r->nquarters, 0);
	ctx_free(&x);
}
END_TEST

START_TEST(test_owners_from_tags)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	char *text;
	struct sp_sb sb = SP_SB_INIT;
	opts_init(&o);
	sp_sb_adds(&sb, store_spec);
	sp_sb_adds(&sb, "tags: {team: platform, owner-data: dba}\n");
	text = sp_sb_detach(&sb, NULL);
	ck_assert_int_eq(build(&x, text, &o), 0);
	ck_assert_str_eq(x.r->owners[SP_RM_DOM_DATA], "dba");
	ck_assert_str_eq(x.r->owners[SP_RM_DOM_APP], "platform");
	ck_assert_str_eq(nth(x.r, SP_RM_SHARD, 0)->owner, "dba");
	ck_assert_str_eq(x.r->triggers[0].owner, "platform");
	ctx_free(&x);
	free(text);
	/* no tags: nobody */
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_ptr_null(nth(x.r, SP_RM_SHARD, 0)->owner);
	ctx_free(&x);
}
END_TEST

/* ---- options, paths, determinism ------------------------------------------------------------------------------- */

START_TEST(test_pcts)
{
	double p[SP_RM_MAX_PCTS];
	ck_assert_uint_eq(sp_roadmap_pcts(90, p), 3);
	ck_assert(p[0] == 10 && p[1] == 50 && p[2] == 90);
	ck_assert_uint_eq(sp_roadmap_pcts(0, p), 3);
	ck_assert_uint_eq(sp_roadmap_pcts(95, p), 4);
	ck_assert(p[0] == 10 && p[1] == 50 && p[2] == 90 && p[3] == 95);
	ck_assert_uint_eq(sp_roadmap_pcts(5, p), 4);
	ck_assert(p[0] == 5 && p[1] == 10);
	ck_assert_uint_eq(sp_roadmap_pcts(50, p), 3);
}
END_TEST

START_TEST(test_bad_options)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	struct {
		int field;
		int value;
		const char *msg;
	} cases[] = {
		{ 0, 2026 * 12, "within the horizon" },
		{ 1, 2029 * 12, "within the horizon" },
		{ 2, 3, "4 to 8 quarters" },
		{ 2, 9, "4 to 8 quarters" },
		{ 3, 0, "comes after" },
	};
	for (size_t i = 0; i < SP_ARRAY_LEN(cases); i++) {
		opts_init(&o);
		switch (cases[i].field) {
		case 0: o.from = cases[i].value; break;
		case 1: o.until = cases[i].value; break;
		case 2: o.quarters = cases[i].value; break;
		case 3: o.from = 2028 * 12, o.until = 2027 * 12 + 6; break;
		}
		ck_assert_int_eq(build(&x, store_spec, &o), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, cases[i].msg));
		ck_assert_ptr_null(x.r);
		ctx_free(&x);
	}
	/* a percentile the forecast lacks */
	{
		struct sp_forecast_opts fo;
		memset(&x, 0, sizeof(x));
		make_catalog(&x.cat);
		sp_diags_init(&x.d);
		ck_assert_int_eq(sp_spec_load_string(&x.spec, "t.yaml", store_spec, strlen(store_spec), &x.d), 0);
		ck_assert_int_eq(sp_graph_build(&x.g, x.spec, &x.d), 0);
		memset(&fo, 0, sizeof(fo));   /* 10, 50, 90 */
		fo.seed = 1;
		ck_assert_int_eq(sp_forecast_run(&x.f, x.spec, x.g, &x.cat, &fo, &x.d), 0);
		opts_init(&o);
		o.pct = 95;
		ck_assert_int_eq(sp_roadmap_build(&x.r, x.spec, x.g, &x.cat, x.f, &o, &x.err), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "lacks the percentiles"));
		o.pct = 100;
		ck_assert_int_eq(sp_roadmap_build(&x.r, x.spec, x.g, &x.cat, x.f, &o, &x.err), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "above 0 and below 100"));
		ctx_free(&x);
	}
}
END_TEST

/* The store with an uncertain driver: the p90 path needs the shard no later
 * than the p50 one, and the p10 path no earlier. */
START_TEST(test_percentile_paths_ordered)
{
	static const char spec[] =
		"scaleplan: 1\n"
		"name: t\n"
		"horizon: {start: 2027-01, months: 36}\n"
		"drivers:\n"
		"  fast: {model: exponential, start: 100000, monthly_growth: 0.1, uncertainty: {p10: 0.5, p90: 1.5}}\n"
		"regions: [{name: r1, zones: 1}]\n"
		"datastores:\n"
		"  db:\n"
		"    engine: postgres\n"
		"    instance: db.r6g.xlarge\n"
		"    write_tps_per_node: 8000\n"
		"    read_qps_per_replica: 20000\n"
		"    storage: {start_gb: 200, gb_per_unit_month: 0.001, driver: fast}\n"
		"    sharding: {key: k, strategy: range, max_gb_per_shard: 2000}\n";
	int first[3];
	const double pcts[3] = { 10, 50, 90 };
	for (int k = 0; k < 3; k++) {
		struct sp_roadmap_opts o;
		struct rm_ctx x;
		opts_init(&o);
		o.pct = pcts[k];
		ck_assert_int_eq(build_paths(&x, spec, &o, 300, 2), 0);
		const struct sp_rm_milestone *m = nth(x.r, SP_RM_SHARD, 0);
		first[k] = m ? m->need : 1000;
		if (m) {
			ck_assert_int_eq(m->u.shard.strategy, SP_SHARD_RANGE);
			ck_assert_int_eq(m->raise, m->need - 6);
		}
		ctx_free(&x);
	}
	/* with the band, the three paths part: each needs the shard earlier */
	ck_assert_int_lt(first[0], 1000);
	ck_assert_int_lt(first[2], first[1]);
	ck_assert_int_lt(first[1], first[0]);
}
END_TEST

/* Renders r in every format into strings; the JSON is parsed. */
static char *render(const struct sp_roadmap *r, const char *format)
{
	char *buf = NULL;
	size_t len = 0;
	struct sp_err err;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sp_render_roadmap(f, r, format, &err), 0);
	fclose(f);
	return buf;
}

START_TEST(test_render_and_determinism)
{
	static const char *const formats[] = { "text", "markdown", "json" };
	struct sp_roadmap_opts o;
	struct rm_ctx a, b;
	struct sp_err err;
	opts_init(&o);
	ck_assert_int_eq(build_paths(&a, gpu_spec, &o, 0, 1), 0);
	ck_assert_int_eq(build_paths(&b, gpu_spec, &o, 0, 2), 0);
	for (size_t i = 0; i < SP_ARRAY_LEN(formats); i++) {
		char *x = render(a.r, formats[i]), *y = render(b.r, formats[i]);
		ck_assert_str_eq(x, y);
		if (!strcmp(formats[i], "json")) {
			json_t *root = sp_json_parse(x, strlen(x), "roadmap", "invalid JSON", &err);
			ck_assert_ptr_nonnull(root);
			ck_assert_str_eq(json_string_value(json_object_get(root, "format_version")), "1");
			ck_assert_uint_eq(json_array_size(json_object_get(root, "milestones")), a.r->nms);
			ck_assert_uint_eq(json_array_size(json_object_get(root, "tactical")), a.r->nquarters);
			json_t *m0 = json_array_get(json_object_get(root, "milestones"), 0);
			ck_assert_str_eq(json_string_value(json_object_get(m0, "kind")), sp_rm_kind_keys[a.r->ms[0].kind]);
			json_decref(root);
		} else {
			ck_assert_ptr_nonnull(strstr(x, "capacity block of 1 p5.48xlarge (3 h100 GPUs)"));
		}
		free(x);
		free(y);
	}
	/* an unknown format writes nothing; a full disk is an I/O error */
	ck_assert_int_eq(sp_render_roadmap(stdout, a.r, "html", &err), SP_EINVAL);
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		ck_assert_int_eq(sp_render_roadmap(full, a.r, "json", &err), SP_EIO);
		ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the roadmap"));
		fclose(full);
	}
	ctx_free(&a);
	ctx_free(&b);
}
END_TEST

START_TEST(test_kind_units_sum_the_lines)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	/* one path: a kind's capacity is the sum of its lines' */
	for (int m = 0; m < x.f->months; m++) {
		double sum = 0;
		for (size_t i = 0; i < x.f->nlines; i++)
			if (x.f->lines[i].kind == SP_NODE_SERVICE)
				sum += sp_fc_value(x.f, &x.f->lines[i], m, SP_FC_UNITS, 0);
		ck_assert_double_eq(sp_fc_kind_units(x.f, SP_NODE_SERVICE, m, 0), sum);
		ck_assert_double_eq(sp_fc_kind_units(x.f, SP_NODE_QUEUE, m, 0), 0);
	}
	/* the running cost is the sum of the months so far */
	double run = 0;
	for (int m = 0; m < x.f->months; m++) {
		run += x.f->total[(size_t)m * x.f->npcts];
		ck_assert_double_eq_tol(x.f->cum_total[(size_t)m * x.f->npcts], run, 1e-6);
	}
	ctx_free(&x);
}
END_TEST

Suite *suite_roadmap(void)
{
	Suite *s = suite_create("roadmap");
	TCase *tc = tcase_create("roadmap");
	tcase_add_test(tc, test_shard_in_month_18_raised_in_month_12);
	tcase_add_test(tc, test_replica_steps);
	tcase_add_test(tc, test_instance_and_largest_instance);
	tcase_add_test(tc, test_cache_memory_and_nodes);
	tcase_add_test(tc, test_scaling_max);
	tcase_add_test(tc, test_triggers);
	tcase_add_test(tc, test_alerts_adjusted);
	tcase_add_test(tc, test_region_opens);
	tcase_add_test(tc, test_gpu_commitments_and_training);
	tcase_add_test(tc, test_budgets);
	tcase_add_test(tc, test_window_cuts);
	tcase_add_test(tc, test_layers);
	tcase_add_test(tc, test_owners_from_tags);
	tcase_add_test(tc, test_pcts);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_percentile_paths_ordered);
	tcase_add_test(tc, test_render_and_determinism);
	tcase_add_test(tc, test_kind_units_sum_the_lines);
	suite_add_tcase(s, tc);
	return s;
}
