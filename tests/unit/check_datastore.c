/* Datastore sizing: hand-computed shards, replicas and nodes in one region,
 * and a forecast where a seasonal peak's shards hold afterwards. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/datastore.h"
#include "model/forecast.h"
#include "model/gpu.h"
#include "model/graph.h"
#include "model/spec.h"

Suite *suite_datastore(void);

static struct sp_datastore store(int sharded)
{
	struct sp_datastore ds;
	memset(&ds, 0, sizeof(ds));
	ds.name = "db";
	ds.engine = SP_DB_POSTGRES;
	ds.write_tps_per_node = 8000;
	ds.read_qps_per_replica = 10000;
	ds.write_utilization = 0.65;
	ds.sharded = sharded;
	return ds;
}

START_TEST(test_size_region)
{
	struct sp_datastore ds = store(1);
	struct sp_ds_size z;
	ds.availability = 99.95;
	ds.multi_az = 1;
	/* need = 12000 / (0.65 x 8000) = 12000 / 5200 = 2.31 -> 3 shards;
	 * replicas = ceil(30000 / 3 / 10000) = 1, + 1 HA = 2;
	 * nodes = 3 x (1 + 2 + 1 standby) = 12 */
	sp_ds_size_region(&ds, 30000, 12000, 100, 0, &z);
	ck_assert_int_eq(z.shards, 3);
	ck_assert_int_eq(z.replicas, 2);
	ck_assert_int_eq(z.nodes, 12);
	ck_assert_int_eq(z.held, 0);
	ck_assert_int_eq(z.outgrown, 0);
	/* data binds: 2600 GB / 1000 GB per shard = 2.6 -> 3 shards even with few writes */
	ds.max_gb_per_shard = 1000;
	sp_ds_size_region(&ds, 0, 10, 2600, 0, &z);
	ck_assert_int_eq(z.shards, 3);
	/* replicas: 0 reads -> 0 + 1 HA = 1; nodes 3 x (1 + 1 + 1) = 9 */
	ck_assert_int_eq(z.replicas, 1);
	ck_assert_int_eq(z.nodes, 9);
}
END_TEST

START_TEST(test_shards_hold)
{
	struct sp_datastore ds = store(1);
	struct sp_ds_size z;
	/* last month held 5 shards; this month's writes need 1000 / 5200 = 0.19
	 * -> 1: the count holds at 5 (no merge); replicas follow the month's reads:
	 * ceil(30000 / 5 / 10000) = ceil(0.6) = 1; nodes 5 x 2 = 10 */
	sp_ds_size_region(&ds, 30000, 1000, 10, 5, &z);
	ck_assert_int_eq(z.shards, 5);
	ck_assert_int_eq(z.held, 1);
	ck_assert_int_eq(z.replicas, 1);
	ck_assert_int_eq(z.nodes, 10);
	/* more need than last month: grows (27000 / 5200 = 5.19 -> 6) */
	sp_ds_size_region(&ds, 0, 27000, 10, 5, &z);
	ck_assert_int_eq(z.shards, 6);
	ck_assert_int_eq(z.held, 0);
	/* min_replicas is a floor */
	ds.min_replicas = 2;
	sp_ds_size_region(&ds, 0, 100, 10, 0, &z);
	ck_assert_int_eq(z.replicas, 2);
	ck_assert_int_eq(z.nodes, 3);
}
END_TEST

START_TEST(test_unsharded_outgrown)
{
	struct sp_datastore ds = store(0);
	struct sp_ds_size z;
	/* 6000 / 5200 = 1.15 > 1: one primary is not enough, but an unsharded store keeps 1 */
	sp_ds_size_region(&ds, 0, 6000, 10, 0, &z);
	ck_assert_int_eq(z.shards, 1);
	ck_assert_int_eq(z.outgrown, 1);
	/* 5000 / 5200 = 0.96: fits */
	sp_ds_size_region(&ds, 0, 5000, 10, 0, &z);
	ck_assert_int_eq(z.outgrown, 0);
}
END_TEST

/* ---- a whole forecast ---------------------------------------------------------------------------- */

static struct sp_sku skus[] = {
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpu_models[] = { { "h100", 989, "p5.48xlarge" } };

static void catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1;
	c->skus = skus;
	c->nskus = sizeof(skus) / sizeof(skus[0]);
	c->gpus = gpu_models;
	c->ngpus = 1;
}

/* 864000 users x 10 requests a day / 86400 = 100 requests/s; one write each:
 * 100 writes/s, 300 in December (seasonality 3). Data: 10 GB + 0.0001 GB per
 * user-month (86.4 GB a month). */
static const char seasonal[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"drivers:\n"
	"  users: {start: 864000, model: constant, seasonality: {dec: 3}}\n"
	"regions:\n"
	"  - {name: r1, zones: 3}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, writes_per_request: 1, reads_per_request: 1}]\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 100, read_qps_per_replica: 1000,\n"
	"       storage: {start_gb: 10, gb_per_unit_month: 0.0001}, sharding: {key: id, max_gb_per_shard: 100000}}\n";

struct run {
	struct sp_catalog cat;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_diags d;
};

/* Loads text and runs a one-path forecast; returns the first line of kind. */
static const struct sp_fc_line *run(struct run *x, const char *text, enum sp_node_kind kind)
{
	struct sp_forecast_opts o;
	memset(x, 0, sizeof(*x));
	catalog(&x->cat);
	sp_diags_init(&x->d);
	memset(&o, 0, sizeof(o));
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = 1;
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	ck_assert_int_eq(sp_forecast_run(&x->f, x->spec, x->g, &x->cat, &o, &x->d), 0);
	for (size_t i = 0; i < x->f->nlines; i++)
		if (x->f->lines[i].kind == kind)
			return &x->f->lines[i];
	ck_abort_msg("no line of that kind");
	return NULL;
}

static void run_free(struct run *x)
{
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

START_TEST(test_forecast_shards_hold)
{
	struct run x;
	const struct sp_fc_line *l = run(&x, seasonal, SP_NODE_DATASTORE);
	const struct sp_forecast *f = x.f;
	/* Jan..Nov 2027: 100 / (0.65 x 100) = 1.54 -> 2 shards */
	ck_assert_double_eq(sp_fc_value(f, l, 0, SP_FC_SHARDS, 0), 2);
	ck_assert_double_eq(sp_fc_value(f, l, 10, SP_FC_SHARDS, 0), 2);
	/* Dec 2027: 300 / 65 = 4.6 -> 5 shards */
	ck_assert_double_eq(sp_fc_value(f, l, 11, SP_FC_SHARDS, 0), 5);
	/* Jan 2028 and after: the writes need 2 again, the 5 shards hold */
	ck_assert_double_eq(sp_fc_value(f, l, 12, SP_FC_SHARDS, 0), 5);
	ck_assert_double_eq(sp_fc_value(f, l, 22, SP_FC_SHARDS, 0), 5);
	/* replicas follow the reads: Dec 300 / 5 / 1000 -> 1; Jan 100 / 5 / 1000 -> 1 */
	ck_assert_double_eq(sp_fc_value(f, l, 12, SP_FC_REPLICAS, 0), 1);
	/* nodes: Nov 2 x 2 = 4, Dec and Jan 5 x 2 = 10 */
	ck_assert_double_eq(sp_fc_value(f, l, 10, SP_FC_UNITS, 0), 4);
	ck_assert_double_eq(sp_fc_value(f, l, 12, SP_FC_UNITS, 0), 10);
	/* storage accumulates the driver's trend (no season): 86.4 GB a month and
	 * never less than before: month 0 holds 10 + 86.4 = 96.4 GB; month 11
	 * 10 + 86.4 x 12 = 1046.8; month 12 1046.8 + 86.4 = 1133.2 */
	ck_assert_double_eq_tol(sp_fc_value(f, l, 0, SP_FC_STORAGE_GB, 0), 96.4, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(f, l, 11, SP_FC_STORAGE_GB, 0), 1046.8, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(f, l, 12, SP_FC_STORAGE_GB, 0), 1133.2, 1e-6);
	for (int m = 1; m < f->months; m++)
		ck_assert(sp_fc_value(f, l, m, SP_FC_STORAGE_GB, 0) >= sp_fc_value(f, l, m - 1, SP_FC_STORAGE_GB, 0));
	run_free(&x);
}
END_TEST

/* ---- GPUs ------------------------------------------------------------------------------------------ */

START_TEST(test_gpu_goodput)
{
	/* Llama 3.1 405B on 15.6 T tokens, H100 989 TFLOP/s, MFU 0.40:
	 * 6 x 405e9 x 15.6e12 = 3.7908e25 FLOPs / (989e12 x 0.4 x 3600 = 1.42416e18)
	 * = 26.618 M ideal hours; / 0.862 = 30.879 M paid, within 0.2 % of the
	 * 30.84 M the paper reports */
	double ideal = sp_gpu_training_hours(405e9, 15.6e12, 989e12, 0.4);
	ck_assert_double_eq_tol(ideal, 26.618e6, 0.001e6);
	double paid = sp_gpu_paid_hours(ideal, SP_GPU_DEFAULT_GOODPUT);
	ck_assert_double_eq_tol(paid, 30.879e6, 0.001e6);
	ck_assert(fabs(paid / 30.84e6 - 1) < 0.002);
	ck_assert_double_eq(sp_gpu_paid_hours(100, 1), 100);
	ck_assert_double_eq(sp_gpu_paid_hours(100, 0.5), 200);
	ck_assert(isnan(sp_gpu_paid_hours(100, 0)));
	ck_assert(isnan(sp_gpu_paid_hours(100, 1.5)));
	ck_assert(isnan(sp_gpu_paid_hours(-1, 0.8)));
	ck_assert(isnan(sp_gpu_paid_hours(NAN, 0.8)));
}
END_TEST

START_TEST(test_gpu_rounding_and_spot)
{
	/* 9 GPUs of 8 per instance: 2 instances; 3 + 3 GPUs in two regions:
	 * 1 + 1 = 2 instances, where rounding the total would give ceil(6 / 8) = 1 */
	ck_assert_int_eq(sp_gpu_instances(9, 8), 2);
	ck_assert_int_eq(sp_gpu_instances(8, 8), 1);
	ck_assert_int_eq(sp_gpu_instances(0, 8), 0);
	ck_assert_int_eq(sp_gpu_instances(3, 8) + sp_gpu_instances(3, 8), 2);
	ck_assert_int_eq(sp_gpu_instances(3, 0), 3);
	/* spot share: floor(10 x 0.3) = 3, floor(7 x 0.3 = 2.1) = 2, floor(1 x 0.3) = 0 */
	ck_assert_int_eq(sp_gpu_spot_instances(10, 0.3), 3);
	ck_assert_int_eq(sp_gpu_spot_instances(7, 0.3), 2);
	ck_assert_int_eq(sp_gpu_spot_instances(1, 0.3), 0);
	ck_assert_int_eq(sp_gpu_spot_instances(5, 1), 5);
	ck_assert_int_eq(sp_gpu_spot_instances(5, 0), 0);
	ck_assert_int_eq(sp_gpu_spot_instances(5, NAN), 0);
}
END_TEST

/* 8,640,000 users x 1 request a day / 86400 = 100 requests/s x 100 tokens =
 * 10,000 tokens/s, half in each of two regions. */
static const char gpu_two_regions[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 12}\n"
	"drivers:\n"
	"  users: {start: 8640000, model: constant}\n"
	"regions:\n"
	"  - {name: r1, zones: 3, share: 0.5}\n"
	"  - {name: r2, zones: 3, share: 0.5}\n"
	"gpu:\n"
	"  tiers: {spot: {max_share: 0.5}}\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, gpu: h100, tier: spot, driver: users, requests_per_unit_per_day: 1,\n"
	"       tokens_per_request: 100, tokens_per_s_per_gpu: 3400}\n";

START_TEST(test_forecast_gpu_regions_spot)
{
	struct run x;
	const struct sp_fc_line *l = run(&x, gpu_two_regions, SP_NODE_GPU);
	/* per region: ceil(5000 / 3400) = 2 replicas + 1 (N+1) = 3 GPUs; 6 in all */
	ck_assert_double_eq(sp_fc_value(x.f, l, 0, SP_FC_UNITS, 0), 6);
	ck_assert_double_eq(sp_fc_region_value(x.f, l, 0, 0, SP_FC_R_UNITS, 0), 3);
	/* instances: ceil(3 / 8) = 1 in each region = 2 (not ceil(6 / 8) = 1);
	 * max_share 0.5: floor(2 x 0.5) = 1 on spot, 1 on demand.
	 * on demand 55.04 x 730 = 40,179.20; spot 55.04 x (1 - 0.6) x 730 x 1.1
	 * (interruption overhead) = 17,678.848; month: 57,858.048 */
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_COST, 0), 57858.048, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_COST_OD, 0), 2 * 40179.2, 1e-6);
	ck_assert_int_eq(l->purchase, SP_BUY_SPOT);
	run_free(&x);
}
END_TEST

Suite *suite_datastore(void)
{
	Suite *s = suite_create("datastore");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_size_region);
	tcase_add_test(tc, test_shards_hold);
	tcase_add_test(tc, test_unsharded_outgrown);
	tcase_add_test(tc, test_forecast_shards_hold);
	suite_add_tcase(s, tc);
	tc = tcase_create("gpu");
	tcase_add_test(tc, test_gpu_goodput);
	tcase_add_test(tc, test_gpu_rounding_and_spot);
	tcase_add_test(tc, test_forecast_gpu_regions_spot);
	suite_add_tcase(s, tc);
	return s;
}
