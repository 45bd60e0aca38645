/* The roadmap's milestones: each kind on a small spec whose numbers are
 * worked out by hand, the paths, and the forecast series the roadmap reads.
 * Triggers, layers, the window, options and rendering: check_roadmap_layers.c. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/roadmap_fixtures.h"

Suite *suite_roadmap(void);

/* ---- datastores ----------------------------------------------------------------------------------- */

/* store_spec (roadmap_fixtures.h): the second shard is needed in month 18. */
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
	ck_assert_str_eq(m->u.instance.base, "db.r6g.xlarge");
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
			/* 1685.2 ideal GPU-hours / goodput 0.862 = 1955.0 paid */
			ck_assert_double_eq_tol(t->u.training.gpu_hours, 2.4e21 / (989e12 * 0.4 * 3600) / 0.862, 1e-6);
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

/* ---- paths ------------------------------------------------------------------------------------------------ */

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
	TCase *tc = tcase_create("milestones");
	tcase_add_test(tc, test_shard_in_month_18_raised_in_month_12);
	tcase_add_test(tc, test_replica_steps);
	tcase_add_test(tc, test_instance_and_largest_instance);
	tcase_add_test(tc, test_cache_memory_and_nodes);
	tcase_add_test(tc, test_scaling_max);
	tcase_add_test(tc, test_region_opens);
	tcase_add_test(tc, test_gpu_commitments_and_training);
	tcase_add_test(tc, test_budgets);
	tcase_add_test(tc, test_pcts);
	tcase_add_test(tc, test_percentile_paths_ordered);
	tcase_add_test(tc, test_kind_units_sum_the_lines);
	suite_add_tcase(s, tc);
	return s;
}
