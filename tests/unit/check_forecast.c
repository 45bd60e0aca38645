/* The forecast engine: hand-computed cases, properties, determinism, errors. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"

Suite *suite_forecast(void);

/* A small catalog built in memory (prices per hour). */
static struct sp_sku skus[] = {
	/* sorted by name, as the lookup expects */
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.206, 0.13, 0.09, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpus[] = { { "h100", 989, "p5.48xlarge" } };
static struct sp_egress_tier egress[] = { { 0, 0.09 } };

static void make_catalog(struct sp_catalog *c, double scale)
{
	static struct sp_sku scaled[sizeof(skus) / sizeof(skus[0])];
	memset(c, 0, sizeof(*c));
	memcpy(scaled, skus, sizeof(skus));
	for (size_t i = 0; i < sizeof(skus) / sizeof(skus[0]); i++) {
		scaled[i].on_demand_hourly *= scale;
		scaled[i].commit_1y_hourly *= scale;
		scaled[i].commit_3y_hourly *= scale;
	}
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1 * scale;
	c->skus = scaled;
	c->nskus = sizeof(skus) / sizeof(skus[0]);
	c->gpus = gpus;
	c->ngpus = 1;
	c->egress = egress;
	c->negress = 1;
}

static const char one_service[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"drivers:\n"
	"  users: {start: 864000, model: constant}\n"
	"regions:\n"
	"  - {name: r1, zones: 3}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 2}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 200}}\n"
	"    scaling: {target_utilization: 0.5, min: 1}\n";

struct run_ctx {
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_diags d;
};

static int run_text(struct run_ctx *x, const char *text, const struct sp_catalog *cat, int paths, int threads)
{
	struct sp_forecast_opts o;
	memset(x, 0, sizeof(*x));
	memset(&o, 0, sizeof(o));
	o.paths = paths;
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = threads;
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 1e-12);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 1e-12);
	return sp_forecast_run(&x->f, x->spec, x->g, cat, &o, &x->d);
}

static void run_free(struct run_ctx *x)
{
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

static char *replace(const char *s, const char *from, const char *to)
{
	struct sp_sb sb = SP_SB_INIT;
	const char *p = strstr(s, from);
	ck_assert_ptr_nonnull(p);
	sp_sb_add(&sb, s, (size_t)(p - s));
	sp_sb_adds(&sb, to);
	sp_sb_adds(&sb, p + strlen(from));
	return sp_sb_detach(&sb, NULL);
}

START_TEST(test_hand_computed_service)
{
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, one_service, &cat, 0, 1), 1e-12);
	/* no uncertainty: one path */
	ck_assert_int_eq(x.f->paths, 1);
	ck_assert_int_eq(x.f->months, 24);
	const struct sp_fc_line *l = &x.f->lines[0];
	/* 864000 users x 10 / 86400 = 100 rps on average, 200 at peak; 10 ms of
	 * CPU: A = 2 Erlangs; 50 % utilisation: 4 vCPUs (the p99 200 ms SLO needs
	 * fewer); 2 vCPUs each: 2 instances; survive one of 3 zones: 3 instances */
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_DEMAND, 1), 200, 1e-9);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_UNITS, 1), 3, 1e-12);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 23, SP_FC_UNITS, 1), 3, 1e-12);
	ck_assert_double_eq_tol(sp_fc_region_value(x.f, l, 0, 23, SP_FC_R_UNITS, 1), 3, 1e-12);
	/* web: a 1-year commitment at the newsvendor level (3, constant demand) */
	ck_assert_int_eq(l->purchase, SP_BUY_COMMIT_OD);
	ck_assert_int_eq(l->commit_term_months, 12);
	ck_assert_int_eq(l->ncommit_windows, 2);
	ck_assert_int_eq(l->commit_levels[0], 3);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_COST, 1), 3 * 0.06 * 730, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_COST_OD, 1), 3 * 0.1 * 730, 1e-6);
	ck_assert_double_eq_tol(x.f->total[0 * x.f->npcts + 1], 3 * 0.06 * 730, 1e-6);
	ck_assert_double_eq_tol(x.f->horizon_total[1], 24 * 3 * 0.06 * 730, 1e-4);
	ck_assert_double_eq_tol(x.f->year_total[1 * x.f->npcts + 1], 12 * 3 * 0.06 * 730, 1e-4);
	ck_assert_uint_eq(x.f->nbreaches, 1e-12);
	run_free(&x);
}
END_TEST

START_TEST(test_internet_egress)
{
	/* 100 rps on average x 730 h x 3600 s x 50 KB = 13,140 GB a month, at
	 * $0.09/GB: $1,182.60 on top of the compute, in the "transfer" class and
	 * category, the same with or without purchase options */
	struct sp_catalog cat;
	struct run_ctx x;
	char *text = replace(one_service, "work: {cpu_ms_per_request: 10}",
			     "work: {cpu_ms_per_request: 10, egress_kb_per_request: 50}");
	double compute = 3 * 0.06 * 730, egress_cost = 100.0 * 730 * 3600 * 50 / 1e6 * 0.09;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, text, &cat, 0, 1), 0);
	ck_assert_double_eq_tol(egress_cost, 1182.6, 1e-9);
	ck_assert_double_eq_tol(x.f->total[0 * x.f->npcts + 1], compute + egress_cost, 1e-4);
	ck_assert_double_eq_tol(x.f->total_od[0 * x.f->npcts + 1], 3 * 0.1 * 730 + egress_cost, 1e-4);
	ck_assert_double_eq_tol(x.f->horizon_total[1], 24 * (compute + egress_cost), 1e-2);
	const struct sp_fc_grouping *cat_g = &x.f->groupings[2];
	ck_assert_str_eq(cat_g->groups[SP_CAT_TRANSFER].name, "transfer");
	ck_assert_double_eq_tol(cat_g->groups[SP_CAT_TRANSFER].horizon[1], 24 * egress_cost, 1e-2);
	const struct sp_fc_grouping *cls = &x.f->groupings[0];
	ck_assert_str_eq(cls->groups[cls->ngroups - 1].name, "transfer");
	ck_assert_double_eq_tol(cls->groups[cls->ngroups - 1].month[1], egress_cost, 1e-4);
	/* the component's own cost does not include it */
	ck_assert_double_eq_tol(sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_COST, 1), compute, 1e-6);
	run_free(&x);
	free(text);
}
END_TEST

START_TEST(test_commitment_term)
{
	/* constant demand of 3 instances: over 36 months a 3-year commitment
	 * (0.04 an hour) beats three 1-year ones (0.06); over 24 months it would
	 * still run 12 months past the horizon: 36 x 0.04 = 24 x 0.06, a tie,
	 * and a tie keeps the shorter term */
	struct sp_catalog cat;
	struct run_ctx x;
	char *text = replace(one_service, "months: 24", "months: 36");
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, text, &cat, 0, 1), 0);
	ck_assert_int_eq(x.f->lines[0].commit_term_months, 36);
	ck_assert_int_eq(x.f->lines[0].ncommit_windows, 1);
	ck_assert_int_eq(x.f->lines[0].commit_levels[0], 3);
	ck_assert_double_eq_tol(sp_fc_value(x.f, &x.f->lines[0], 35, SP_FC_COST, 1), 3 * 0.04 * 730, 1e-6);
	run_free(&x);
	free(text);
	ck_assert_int_eq(run_text(&x, one_service, &cat, 0, 1), 0);
	ck_assert_int_eq(x.f->lines[0].commit_term_months, 12);
	run_free(&x);
}
END_TEST

START_TEST(test_outgrow_any_region)
{
	/* 864000 users x 10 / 86400 = 100 rps, each writing once; a primary
	 * takes 0.65 x 100 = 65 writes/s: the small first region (10 %, 10 w/s)
	 * fits, the large second one (90 %, 90 w/s) needs a second primary */
	static const char text[] =
		"scaleplan: 1\n"
		"name: t\n"
		"horizon: {start: 2027-01, months: 12}\n"
		"drivers:\n"
		"  users: {start: 864000, model: constant}\n"
		"regions:\n"
		"  - {name: small, zones: 3, share: 0.1}\n"
		"  - {name: large, zones: 3, share: 0.9}\n"
		"services:\n"
		"  web:\n"
		"    demand: {driver: users, requests_per_unit_per_day: 10}\n"
		"    work: {cpu_ms_per_request: 10}\n"
		"    instance: m7i.large\n"
		"    calls:\n"
		"      - {to: db, writes_per_request: 1}\n"
		"datastores:\n"
		"  db:\n"
		"    engine: postgres\n"
		"    instance: db.r6g.xlarge\n"
		"    write_tps_per_node: 100\n"
		"    read_qps_per_replica: 20000\n";
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, text, &cat, 0, 1), 0);
	ck_assert_int_eq(x.f->lines[1].kind, SP_NODE_DATASTORE);
	ck_assert_int_eq(x.f->lines[1].outgrow_month, 0);
	run_free(&x);
}
END_TEST

START_TEST(test_component_horizon_percentiles)
{
	/* one service moved by two independent uncertain drivers: its horizon
	 * band is the percentile of each path's sum (the total of a one-line
	 * spec, priced the same way), not the sum of the monthly percentiles */
	static const char text[] =
		"scaleplan: 1\n"
		"name: t\n"
		"horizon: {start: 2027-01, months: 24}\n"
		"drivers:\n"
		"  a: {start: 500000, model: exponential, monthly_growth: 0.05, uncertainty: {p10: 0.3, p90: 2.5}}\n"
		"  b: {start: 500000, model: exponential, monthly_growth: 0.05, uncertainty: {p10: 0.3, p90: 2.5}}\n"
		"regions:\n"
		"  - {name: r1, zones: 3}\n"
		"services:\n"
		"  web:\n"
		"    demand: {driver: a, requests_per_unit_per_day: 20}\n"
		"    work: {cpu_ms_per_request: 20}\n"
		"    instance: m7i.large\n"
		"    calls: [{to: api, per_request: 1}]\n"
		"  app:\n"
		"    demand: {driver: b, requests_per_unit_per_day: 20}\n"
		"    work: {cpu_ms_per_request: 20}\n"
		"    instance: m7i.large\n"
		"    calls: [{to: api, per_request: 1}]\n"
		"  api:\n"
		"    work: {cpu_ms_per_request: 20}\n"
		"    instance: m7i.large\n";
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, text, &cat, 400, 2), 0);
	const struct sp_fc_line *api = NULL;
	for (size_t i = 0; i < x.f->nlines; i++)
		if (!strcmp(x.f->lines[i].name, "api"))
			api = &x.f->lines[i];
	ck_assert_ptr_nonnull(api);
	double sum_of_medians = 0;
	for (int m = 0; m < x.f->months; m++)
		sum_of_medians += sp_fc_value(x.f, api, m, SP_FC_COST, 1);
	ck_assert(api->horizon[0] <= api->horizon[1] && api->horizon[1] <= api->horizon[2]);
	ck_assert(api->horizon[0] > 0);
	/* the median of the sums differs from the sum of the medians here */
	ck_assert(fabs(api->horizon[1] - sum_of_medians) > 1e-6 * sum_of_medians);
	/* and each path's horizon totals add the lines' per-path sums: the
	 * total's band lies above each line's */
	for (size_t k = 0; k < 3; k++)
		ck_assert(x.f->horizon_total[k] >= api->horizon[k]);
	run_free(&x);
}
END_TEST

START_TEST(test_dev_is_lowest_cost)
{
	/* dev/test: all spot, 0.1 x (1 - 0.6) = 0.04 an hour, plus the 10 %
	 * interruption overhead on capacity */
	struct sp_catalog cat;
	struct run_ctx x;
	char *text = replace(one_service, "    instance: m7i.large\n", "    class: dev\n    instance: m7i.large\n");
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, text, &cat, 0, 1), 0);
	ck_assert_int_eq(x.f->lines[0].purchase, SP_BUY_SPOT);
	ck_assert_double_lt(sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_COST, 1),
			    sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_COST_OD, 1));
	run_free(&x);
	free(text);
}
END_TEST

START_TEST(test_slo_drives_servers)
{
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	/* at 95 % utilisation the tight SLO decides: p99 within 50 ms of 10 ms
	 * work needs more than ceil(A / 0.95) = 3 servers at A = 2 */
	char *t = replace(one_service, "target_utilization: 0.5", "target_utilization: 0.95");
	char *t2 = replace(t, "ms: 200", "ms: 50");
	ck_assert_int_eq(run_text(&x, t2, &cat, 0, 1), 1e-12);
	double loose_units = sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_UNITS, 1);
	run_free(&x);
	char *t3 = replace(t2, "ms: 50", "ms: 47");
	ck_assert_int_eq(run_text(&x, t3, &cat, 0, 1), 1e-12);
	double tight_units = sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_UNITS, 1);
	ck_assert(tight_units >= loose_units);
	run_free(&x);
	free(t);
	free(t2);
	free(t3);
}
END_TEST

static const char full[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 36}\n"
	"drivers:\n"
	"  users: {start: 200000, model: exponential, monthly_growth: 0.05, uncertainty: {p10: 0.5, p90: 1.8},\n"
	"          seasonality: {dec: 1.5}, events: [{name: launch, month: 2027-06, multiplier: 3}]}\n"
	"  teams: {start: 100, model: linear, per_month: 5, uncertainty: {p10: 0.8, p90: 1.2}}\n"
	"regions:\n"
	"  - {name: r1, zones: 3, share: 1.0}\n"
	"  - {name: r2, zones: 2, share: 0.4, from: 2028-01}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 50, peak_to_average: 3}\n"
	"    work: {cpu_ms_per_request: 12}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 250}}\n"
	"    scaling: {min: 2, max: 40}\n"
	"    calls:\n"
	"      - {to: api, per_request: 2, via_cache: c}\n"
	"      - {to: db, reads_per_request: 2, writes_per_request: 0.5}\n"
	"      - {to: chat, per_request: 0.1}\n"
	"  admin:\n"
	"    class: dev\n"
	"    demand: {driver: teams, requests_per_unit_per_day: 500}\n"
	"    work: {cpu_ms_per_request: 30}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: api, per_request: 1}]\n"
	"  api:\n"
	"    work: {cpu_ms_per_request: 6}\n"
	"    instance: m7i.large\n"
	"  jobs:\n"
	"    class: batch\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"caches:\n"
	"  c: {engine: redis, node: cache.r6g.large, hit_rate: 0.8, working_set_gb: 5, working_set_gb_per_unit: 0.0001}\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 500, read_qps_per_replica: 3000,\n"
	"       availability: 99.95, storage: {start_gb: 100, gb_per_unit_month: 0.001},\n"
	"       sharding: {key: id, max_gb_per_shard: 500}}\n"
	"queues:\n"
	"  q: {from: web, per_request: 0.05, worker: jobs}\n"
	"gpu:\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, gpu: h100, tokens_per_request: 500, tokens_per_s_per_gpu: 3400, tier: committed}\n"
	"    - {name: tune, kind: training, gpu: h100, params_b: 8, tokens_b: 50, mfu: 0.4, every_months: 3, tier: spot}\n"
	"budgets: {monthly_max: 1000}\n";

START_TEST(test_percentiles_ordered)
{
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, full, &cat, 300, 2), 1e-12);
	ck_assert_int_eq(x.f->paths, 300);
	for (size_t li = 0; li < x.f->nlines; li++)
		for (int m = 0; m < x.f->months; m++)
			for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
				double a = sp_fc_value(x.f, &x.f->lines[li], m, mt, 1e-12);
				double b = sp_fc_value(x.f, &x.f->lines[li], m, mt, 1);
				double c = sp_fc_value(x.f, &x.f->lines[li], m, mt, 2);
				ck_assert_msg(a <= b && b <= c && isfinite(a) && isfinite(c) && a >= 0,
					      "%s month %d %s: %g %g %g", x.f->lines[li].name, m, sp_fc_metric_names[mt],
					      a, b, c);
			}
	for (int m = 0; m < x.f->months; m++) {
		ck_assert(x.f->total[m * 3] <= x.f->total[m * 3 + 1]);
		ck_assert(x.f->total[m * 3 + 1] <= x.f->total[m * 3 + 2]);
		/* the purchase plan never costs more than all on demand at the median */
		ck_assert(x.f->total[m * 3 + 2] <= x.f->total_od[m * 3 + 2] * 1.5);
	}
	ck_assert(x.f->horizon_total[0] < x.f->horizon_total[2]);
	/* the second region starts in 2028-01 (month 12) */
	const struct sp_fc_group *r2 = &x.f->groupings[1].groups[1];
	ck_assert_str_eq(r2->name, "r2");
	ck_assert_double_eq_tol(r2->month[11 * 3 + 1], 0, 1e-12);
	ck_assert(r2->month[12 * 3 + 1] > 0);
	/* the tiny budget is breached */
	ck_assert_uint_gt(x.f->nbreaches, 1e-12);
	ck_assert_int_eq(x.f->breaches[0].kind, SP_BREACH_MONTH_P50);
	ck_assert_int_eq(x.f->breaches[0].month, 1e-12);
	/* training runs every 3 months: 6ND / (989e12 x 0.4 x 3600) = 1685.3 GPU-hours */
	const struct sp_fc_line *tune = NULL, *db = NULL, *jobs = NULL;
	for (size_t li = 0; li < x.f->nlines; li++) {
		if (!strcmp(x.f->lines[li].name, "tune"))
			tune = &x.f->lines[li];
		if (!strcmp(x.f->lines[li].name, "db"))
			db = &x.f->lines[li];
		if (!strcmp(x.f->lines[li].name, "jobs"))
			jobs = &x.f->lines[li];
	}
	/* paid GPU-hours: 6ND / (peak x MFU x 3600) = 1685.2 ideal, / goodput 0.862 = 1955.0 */
	ck_assert_double_eq_tol(sp_fc_value(x.f, tune, 0, SP_FC_DEMAND, 1), 6 * 8e9 * 50e9 / (989e12 * 0.4 * 3600) / 0.862,
				1e-6);
	ck_assert_double_eq_tol(sp_fc_value(x.f, tune, 1, SP_FC_DEMAND, 1), 0, 1e-12);
	ck_assert_double_eq_tol(sp_fc_value(x.f, tune, 3, SP_FC_DEMAND, 1), sp_fc_value(x.f, tune, 0, SP_FC_DEMAND, 1), 1e-9);
	ck_assert_int_eq(tune->purchase, SP_BUY_SPOT);
	/* the datastore shards as data and writes grow, and keeps an HA replica */
	ck_assert(sp_fc_value(x.f, db, 35, SP_FC_SHARDS, 2) > 1);
	ck_assert(sp_fc_value(x.f, db, 0, SP_FC_REPLICAS, 0) >= 1);
	ck_assert(sp_fc_value(x.f, db, 35, SP_FC_STORAGE_GB, 1) > 100);
	/* per region: r2 is empty before 2028-01, and r1's shards match the line's */
	ck_assert_double_eq_tol(sp_fc_region_value(x.f, db, 1, 11, SP_FC_R_UNITS, 2), 0, 1e-12);
	ck_assert(sp_fc_region_value(x.f, db, 1, 12, SP_FC_R_UNITS, 1) > 0);
	ck_assert_double_eq_tol(sp_fc_region_value(x.f, db, 0, 35, SP_FC_R_SHARDS, 2),
				sp_fc_value(x.f, db, 35, SP_FC_SHARDS, 2), 1e-12);
	/* the queue's worker (batch) runs on spot */
	ck_assert_int_eq(jobs->purchase, SP_BUY_SPOT);
	ck_assert(sp_fc_value(x.f, jobs, 0, SP_FC_UNITS, 1) >= 1);
	run_free(&x);
}
END_TEST

START_TEST(test_threads_identical)
{
	struct sp_catalog cat;
	struct run_ctx a, b;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&a, full, &cat, 200, 1), 1e-12);
	ck_assert_int_eq(run_text(&b, full, &cat, 200, 2), 1e-12);
	size_t per = (size_t)a.f->months * SP_FC_NMETRICS * a.f->npcts * sizeof(double);
	for (size_t li = 0; li < a.f->nlines; li++)
		ck_assert(memcmp(a.f->lines[li].v, b.f->lines[li].v, per) == 0);
	ck_assert(memcmp(a.f->total, b.f->total, (size_t)a.f->months * a.f->npcts * sizeof(double)) == 0);
	ck_assert(memcmp(a.f->horizon_total, b.f->horizon_total, a.f->npcts * sizeof(double)) == 0);
	for (int k = 0; k < 3; k++)
		for (size_t gi = 0; gi < a.f->groupings[k].ngroups; gi++)
			ck_assert(memcmp(a.f->groupings[k].groups[gi].horizon, b.f->groupings[k].groups[gi].horizon,
					 a.f->npcts * sizeof(double)) == 0);
	run_free(&a);
	run_free(&b);
	/* another seed gives another sample */
	struct sp_forecast_opts o;
	memset(&o, 0, sizeof(o));
	o.paths = 200;
	o.seed = 7;
	ck_assert_int_eq(run_text(&a, full, &cat, 200, 1), 1e-12);
	struct sp_forecast *f2;
	ck_assert_int_eq(sp_forecast_run(&f2, a.spec, a.g, &cat, &o, &a.d), 1e-12);
	ck_assert(memcmp(a.f->horizon_total, f2->horizon_total, a.f->npcts * sizeof(double)) != 0);
	sp_forecast_free(f2);
	run_free(&a);
}
END_TEST

START_TEST(test_monotone_demand_and_prices)
{
	struct sp_catalog cat, dear;
	make_catalog(&cat, 1.0);
	double prev_units = -1, prev_cost = -1;
	static const char *const rates[] = { "requests_per_unit_per_day: 1,", "requests_per_unit_per_day: 20,",
					     "requests_per_unit_per_day: 200,", "requests_per_unit_per_day: 2000," };
	for (size_t i = 0; i < 4; i++) {
		struct run_ctx x;
		char *t = replace(one_service, "requests_per_unit_per_day: 10,", rates[i]);
		ck_assert_int_eq(run_text(&x, t, &cat, 0, 1), 1e-12);
		double u = sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_UNITS, 1);
		double c = x.f->horizon_total[1];
		ck_assert(u >= prev_units);
		ck_assert(c >= prev_cost);
		prev_units = u;
		prev_cost = c;
		run_free(&x);
		free(t);
	}
	/* cost is monotone in prices */
	struct run_ctx a, b;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&a, full, &cat, 100, 2), 1e-12);
	make_catalog(&dear, 1.1);
	ck_assert_int_eq(run_text(&b, full, &dear, 100, 2), 1e-12);
	for (size_t k = 0; k < 3; k++)
		ck_assert(b.f->horizon_total[k] >= a.f->horizon_total[k]);
	run_free(&a);
	run_free(&b);
}
END_TEST

START_TEST(test_max_binds_is_reported)
{
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	char *t = replace(one_service, "min: 1}", "min: 1, max: 2}");
	ck_assert_int_eq(run_text(&x, t, &cat, 0, 1), 1e-12);
	ck_assert_double_eq_tol(sp_fc_value(x.f, &x.f->lines[0], 0, SP_FC_UNITS, 1), 2, 1e-12);
	ck_assert_int_eq(x.f->lines[0].risk_month, 1e-12);
	ck_assert_int_eq(x.f->lines[0].risk_any_month, 1e-12);
	run_free(&x);
	free(t);
}
END_TEST

START_TEST(test_missing_sku_is_an_error)
{
	struct sp_catalog cat;
	struct run_ctx x;
	make_catalog(&cat, 1.0);
	char *t = replace(one_service, "instance: m7i.large", "instance: m7i.larg");
	ck_assert_int_eq(run_text(&x, t, &cat, 0, 1), -1);
	ck_assert_ptr_null(x.f);
	ck_assert_uint_eq(x.d.nerrors, 1);
	ck_assert_ptr_nonnull(strstr(x.d.v[0].msg, "'m7i.larg' is not in price catalog 'test'; did you mean 'm7i.large'?"));
	ck_assert_int_eq(x.d.v[0].pos.line, 12);
	ck_assert_int_eq(x.d.v[0].pos.col, 15);
	run_free(&x);
	free(t);
	/* a SKU of the wrong kind */
	t = replace(one_service, "instance: m7i.large", "instance: db.r6g.xlarge");
	ck_assert_int_eq(run_text(&x, t, &cat, 0, 1), -1);
	ck_assert_ptr_nonnull(strstr(x.d.v[0].msg, "is a database type"));
	run_free(&x);
	free(t);
	/* currency mismatch */
	t = replace(one_service, "name: t\n", "name: t\ncurrency: EUR\n");
	ck_assert_int_eq(run_text(&x, t, &cat, 0, 1), -1);
	ck_assert_ptr_nonnull(strstr(x.d.v[0].msg, "the spec is in EUR"));
	run_free(&x);
	free(t);
}
END_TEST

START_TEST(test_months_option)
{
	struct sp_catalog cat;
	struct sp_forecast_opts o;
	struct run_ctx x;
	struct sp_forecast *f;
	make_catalog(&cat, 1.0);
	ck_assert_int_eq(run_text(&x, one_service, &cat, 0, 1), 1e-12);
	memset(&o, 0, sizeof(o));
	o.months = 13;
	o.npcts = 2;
	o.pcts[0] = 5;
	o.pcts[1] = 95;
	ck_assert_int_eq(sp_forecast_run(&f, x.spec, x.g, &cat, &o, &x.d), 1e-12);
	ck_assert_int_eq(f->months, 13);
	ck_assert_int_eq(f->years, 2);
	ck_assert_uint_eq(f->npcts, 2);
	ck_assert_uint_eq(sp_fc_median_index(f), 1e-12);
	sp_forecast_free(f);
	run_free(&x);
}
END_TEST

Suite *suite_forecast(void)
{
	Suite *s = suite_create("forecast");
	TCase *tc = tcase_create("engine");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_hand_computed_service);
	tcase_add_test(tc, test_internet_egress);
	tcase_add_test(tc, test_dev_is_lowest_cost);
	tcase_add_test(tc, test_commitment_term);
	tcase_add_test(tc, test_outgrow_any_region);
	tcase_add_test(tc, test_component_horizon_percentiles);
	tcase_add_test(tc, test_slo_drives_servers);
	tcase_add_test(tc, test_percentiles_ordered);
	tcase_add_test(tc, test_threads_identical);
	tcase_add_test(tc, test_monotone_demand_and_prices);
	tcase_add_test(tc, test_max_binds_is_reported);
	tcase_add_test(tc, test_missing_sku_is_an_error);
	tcase_add_test(tc, test_months_option);
	suite_add_tcase(s, tc);
	return s;
}
