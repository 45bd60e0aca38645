/* The cost report: the split of a line's cost (hand-computed cases), its
 * sums against the forecast's totals, the growth and ranking rules, egress
 * tiers, the FOCUS path, and the renderers' output and errors. */
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
#include "model/report.h"
#include "model/spec.h"
#include "planner/render_report.h"

Suite *suite_report(void);

/* ---- a catalog in memory ------------------------------------------------------------------------------ */

static struct sp_sku skus[] = {
	/* sorted by name, as the lookup expects */
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.2, 0.13, 0.08, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.18, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpus[] = { { "h100", 989, "p5.48xlarge" } };
static struct sp_egress_tier egress[] = { { 10240, 0.09 }, { 51200, 0.085 }, { 0, 0.07 } };

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
	c->nskus = sizeof(skus) / sizeof(skus[0]);
	c->gpus = gpus;
	c->ngpus = 1;
	c->egress_free_gb = 100;
	c->egress = egress;
	c->negress = 3;
}

/* Every kind of component and of purchase: web on commitments, a worker, a
 * batch service on spot, a cache, a datastore with storage, committed GPU
 * inference, committed and spot training, egress, a second region later. */
static const char spec_all[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"drivers:\n"
	"  users: {start: 864000, model: exponential, monthly_growth: 0.03%s}\n"
	"regions:\n"
	"  - {name: r1, zones: 3, share: 1.0}\n"
	"  - {name: r2, zones: 3, share: 0.5, from: 2027-07}\n"
	"services:\n"
	"  web:\n"
	"    class: web\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 2}\n"
	"    work: {cpu_ms_per_request: 10, egress_kb_per_request: 20}\n"
	"    instance: m7i.large\n"
	"    scaling: {min: 1}\n"
	"    calls:\n"
	"      - {to: db, reads_per_request: 1, writes_per_request: 0.1}\n"
	"      - {to: api2, per_request: 0.5, via_cache: kv}\n"
	"      - {to: chat, per_request: 0.01}\n"
	"  api2: {class: worker, work: {cpu_ms_per_request: 5}, instance: m7i.large}\n"
	"  nightly: {class: batch, demand: {driver: users, requests_per_unit_per_day: 1}, work: {cpu_ms_per_request: 50}, instance: m7i.large}\n"
	"caches:\n"
	"  kv: {engine: redis, node: cache.r6g.large, hit_rate: 0.5}\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 8000, read_qps_per_replica: 20000, storage: {start_gb: 500, gb_per_unit_month: 0.0001}}\n"
	"gpu:\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, tokens_per_request: 500, gpu: h100, tokens_per_s_per_gpu: 3400, tier: committed}\n"
	"    - {name: tune, kind: training, gpu: h100, params_b: 1, tokens_b: 10, every_months: 3, tier: committed}\n"
	"    - {name: tune2, kind: training, gpu: h100, params_b: 1, tokens_b: 10, every_months: 6, tier: spot}\n"
	"  tiers: {committed: {term: 1y}, spot: {}}\n"
	"budgets: {monthly_max: 5000}\n"
	"tags: {team: \"t1, \\\"quoted\\\"\"}\n";

struct ctx {
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_catalog cat;
	struct sp_diags d;
	struct sp_forecast_opts o;
};

/* Loads spec_all, with an uncertainty band on the driver when uncertain. */
static void load(struct ctx *x, int uncertain, int paths, int threads)
{
	char text[sizeof(spec_all) + 64];
	snprintf(text, sizeof(text), spec_all, uncertain ? ", uncertainty: {p10: 0.5, p90: 1.8}" : "");
	memset(x, 0, sizeof(*x));
	make_catalog(&x->cat);
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	x->o.paths = paths;
	x->o.seed = SP_FC_DEFAULT_SEED;
	x->o.threads = threads;
}

static void unload(struct ctx *x)
{
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

static const struct sp_fc_line *line_named(const struct sp_forecast *f, const char *name, size_t *idx)
{
	for (size_t i = 0; i < f->nlines; i++)
		if (!strcmp(f->lines[i].name, name)) {
			if (idx)
				*idx = i;
			return &f->lines[i];
		}
	ck_abort_msg("no line '%s'", name);
	return NULL;
}

/* ---- the split ---------------------------------------------------------------------------------------- */

START_TEST(test_split_commit_on_demand)
{
	/* 1-year windows of 5 then 8 instances at 0.06/h, on demand 0.1/h */
	static const int levels[] = { 5, 8 };
	struct sp_rp_line li = { 0 };
	struct sp_rp_split s;
	double rc = 0.06 * 730, od = 0.1 * 730;

	li.purchase = SP_BUY_COMMIT_OD;
	li.category = SP_RP_COMPUTE;
	li.per_instance = 1;
	li.term = 12;
	li.levels = levels;
	li.nwindows = 2;
	li.commit_month = rc;
	/* 7 instances: 5 committed, 2 above on demand */
	sp_report_split(&s, &li, 0, 5 * rc + 2 * od, 7 * od, 0, 7);
	ck_assert_int_eq(s.level, 5);
	ck_assert_int_eq(s.billed, 7);
	ck_assert_int_eq(s.committed, llround(5 * rc * 1e6));
	ck_assert_int_eq(s.above, llround(2 * od * 1e6));
	ck_assert_int_eq(s.committed + s.above + s.storage, s.cost);
	ck_assert_int_eq(s.save_commit, s.cost_od - s.cost);
	ck_assert_int_eq(s.save_spot, 0);
	/* month 13 is in the second window: 8 committed, 6 used; the commitment costs
	 * more than the 6 on demand would not (8 x 43.8 = 350.4 < 438) */
	sp_report_split(&s, &li, 13, 8 * rc, 6 * od, 0, 6);
	ck_assert_int_eq(s.level, 8);
	ck_assert_int_eq(s.above, 0);
	ck_assert_int_eq(s.committed, s.cost);
	ck_assert_int_eq(s.save_commit, llround((6 * od - 8 * rc) * 1e6));
}
END_TEST

START_TEST(test_split_commit_spot_and_spot)
{
	static const int levels[] = { 4 };
	struct sp_rp_line li = { 0 };
	struct sp_rp_split s;
	double rc = 0.06 * 730, od = 0.1 * 730, spot = 0.04 * 730 * 1.1;

	li.purchase = SP_BUY_COMMIT_SPOT;
	li.per_instance = 1;
	li.term = 36;
	li.levels = levels;
	li.nwindows = 1;
	li.commit_month = rc;
	/* 10 instances: 4 committed, 6 on spot; spot saves 6 x (od - spot) */
	sp_report_split(&s, &li, 30, 4 * rc + 6 * spot, 10 * od, 0, 10);
	ck_assert_int_eq(s.committed, llround(4 * rc * 1e6));
	ck_assert_int_eq(s.above, s.cost - s.committed);
	ck_assert_int_eq(s.save_spot, llround(6 * od * 1e6) - s.above);
	ck_assert_int_eq(s.save_commit + s.save_spot, s.cost_od - s.cost);
	ck_assert(llabs(s.save_commit - llround(4 * (od - rc) * 1e6)) <= 2);

	/* all spot: everything it saves is spot's */
	li.purchase = SP_BUY_SPOT;
	li.term = 0;
	li.nwindows = 0;
	li.commit_month = 0;
	sp_report_split(&s, &li, 0, 3 * spot, 3 * od, 0, 3);
	ck_assert_int_eq(s.committed, 0);
	ck_assert_int_eq(s.above, s.cost);
	ck_assert_int_eq(s.save_spot, s.cost_od - s.cost);
	ck_assert_int_eq(s.save_commit, 0);

	/* on demand: nothing saved, nothing committed */
	li.purchase = SP_BUY_ON_DEMAND;
	sp_report_split(&s, &li, 0, 3 * od, 3 * od, 0, 3);
	ck_assert_int_eq(s.above, s.cost);
	ck_assert_int_eq(s.save_commit + s.save_spot, 0);
}
END_TEST

START_TEST(test_split_storage_and_training)
{
	static const int levels[] = { 2 };
	struct sp_rp_line li = { 0 };
	struct sp_rp_split s;
	double rc = 0.29 * 730, od = 0.45 * 730, storage = 123.456789;

	/* a datastore: storage is in both costs and apart in the split */
	li.purchase = SP_BUY_COMMIT_OD;
	li.category = SP_RP_DATABASE;
	li.per_instance = 1;
	li.term = 12;
	li.levels = levels;
	li.nwindows = 1;
	li.commit_month = rc;
	sp_report_split(&s, &li, 3, 2 * rc + od + storage, 3 * od + storage, storage, 3);
	ck_assert_int_eq(s.storage, llround(storage * 1e6));
	ck_assert_int_eq(s.committed, llround(2 * rc * 1e6));
	ck_assert_int_eq(s.committed + s.above + s.storage, s.cost);
	ck_assert(llabs(s.above - llround(od * 1e6)) <= 2);

	/* committed training: all of it is the commitment's */
	memset(&li, 0, sizeof(li));
	li.purchase = SP_BUY_COMMIT_OD;
	li.training = 1;
	li.per_instance = 8;
	li.term = 12;
	li.commit_hour = 35.0 / 8;
	sp_report_split(&s, &li, 0, 100 * 35.0 / 8, 100 * 55.04 / 8, 0, 1);
	ck_assert_int_eq(s.committed, s.cost);
	ck_assert_int_eq(s.above, 0);
	ck_assert_int_eq(s.save_commit, s.cost_od - s.cost);

	/* GPU inference: billed by whole instances of 8 GPUs */
	memset(&li, 0, sizeof(li));
	li.purchase = SP_BUY_ON_DEMAND;
	li.per_instance = 8;
	sp_report_split(&s, &li, 0, 2 * 55.04 * 730, 2 * 55.04 * 730, 0, 9);
	ck_assert_int_eq(s.billed, 2);
}
END_TEST

START_TEST(test_split_adds_up)
{
	/* awkward amounts: the parts always add up to the forecast's rounding */
	static const int levels[] = { 3, 7, 11 };
	struct sp_rp_line li = { 0 };
	li.purchase = SP_BUY_COMMIT_SPOT;
	li.per_instance = 1;
	li.term = 12;
	li.levels = levels;
	li.nwindows = 3;
	li.commit_month = 33.3333337;
	for (int i = 0; i < 500; i++) {
		struct sp_rp_split s;
		int n = i % 17, m = i % 36;
		double storage = (i % 3) * 0.1234567, c = levels[m / 12] * li.commit_month + (n > levels[m / 12] ? (n - levels[m / 12]) * 19.0000001 : 0) + storage;
		double od = n * 71.7777771 + storage;
		sp_report_split(&s, &li, m, c, od, storage, n);
		ck_assert_int_eq(s.committed + s.above + s.storage, s.cost);
		ck_assert_int_eq(s.save_commit + s.save_spot, s.cost_od - s.cost);
		ck_assert_int_eq(s.cost, (int64_t)(c * 1e6 + 0.5));
		ck_assert(s.committed >= 0 && s.above >= 0 && s.storage >= 0);
	}
}
END_TEST

START_TEST(test_line_info)
{
	struct ctx x;
	struct sp_forecast *f;
	struct sp_rp_line li;
	size_t i;

	load(&x, 0, 1, 1);
	ck_assert_int_eq(sp_forecast_run(&f, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	const struct sp_fc_line *l = line_named(f, "web", &i);
	ck_assert_int_eq(sp_report_line_info(&li, l, sp_graph_node(x.g, (uint32_t)i), &x.cat), 0);
	ck_assert_int_eq(li.category, SP_RP_COMPUTE);
	ck_assert_int_eq(li.term, l->commit_term_months);
	ck_assert_double_eq_tol(li.commit_month, (l->commit_term_months == 36 ? 0.04 : 0.06) * 730, 1e-9);
	ck_assert_double_eq_tol(li.od_hour, 0.1, 1e-12);
	l = line_named(f, "tune", &i);
	ck_assert_int_eq(sp_report_line_info(&li, l, sp_graph_node(x.g, (uint32_t)i), &x.cat), 0);
	ck_assert_int_eq(li.training, 1);
	ck_assert_int_eq(li.per_instance, 8);
	ck_assert_double_eq_tol(li.od_hour, 55.04 / 8, 1e-12);
	ck_assert_double_eq_tol(li.commit_hour, 35.0 / 8, 1e-12);
	l = line_named(f, "db", &i);
	ck_assert_int_eq(sp_report_line_info(&li, l, sp_graph_node(x.g, (uint32_t)i), &x.cat), 0);
	ck_assert_int_eq(li.category, SP_RP_DATABASE);
	/* a SKU the catalog lacks */
	struct sp_fc_line fake = *l;
	fake.sku = "nope.large";
	ck_assert_int_eq(sp_report_line_info(&li, &fake, NULL, &x.cat), -1);
	sp_forecast_free(f);
	unload(&x);
}
END_TEST

/* ---- growth, rank, tiers ------------------------------------------------------------------------------ */

START_TEST(test_growth)
{
	/* two whole years: 100 a month, then 200: +100 % a year */
	double year[2] = { 1200, 2400 }, month[24];
	for (int m = 0; m < 24; m++)
		month[m] = m < 12 ? 100 : 200;
	ck_assert_double_eq_tol(sp_report_growth(month, year, 24, 1, 0), 1.0, 1e-12);
	/* three years, the last of 6 months at 400 a month: from the middle of
	 * year 1 (month 6) to the middle of year 3 (month 27): 1.75 years */
	double y3[3] = { 1200, 2400, 2400 };
	ck_assert_double_eq_tol(sp_report_growth(NULL, y3, 30, 1, 0), pow(4.0, 1 / 1.75) - 1, 1e-12);
	/* one year: the first and the last month, 11 months apart */
	double m12[12] = { 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 121 };
	ck_assert_double_eq_tol(sp_report_growth(m12, NULL, 12, 1, 0), pow(1.21, 12.0 / 11) - 1, 1e-12);
	/* percentile index k of npcts */
	double yk[4] = { 1, 1200, 1, 1800 };
	ck_assert_double_eq_tol(sp_report_growth(NULL, yk, 24, 2, 1), 0.5, 1e-12);
	/* cannot be told */
	double z[2] = { 0, 100 };
	ck_assert(isnan(sp_report_growth(NULL, z, 24, 1, 0)));
	ck_assert(isnan(sp_report_growth(month, NULL, 1, 1, 0)));
}
END_TEST

START_TEST(test_egress_tiers)
{
	struct sp_catalog cat;
	double gb[8], price[8];
	const double cases[] = { 0, 50, 100, 150, 10340, 10341, 51300, 60000, 1e6 };

	make_catalog(&cat);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t n = sp_report_egress_tiers(&cat, cases[c], gb, price);
		double sgb = 0, cost = 0;
		for (size_t t = 0; t < n; t++) {
			ck_assert(gb[t] > 0);
			sgb += gb[t];
			cost += gb[t] * price[t];
		}
		ck_assert_double_eq_tol(sgb, cases[c], 1e-6);
		ck_assert_double_eq_tol(cost, sp_catalog_egress_cost(&cat, cases[c]), 1e-6);
	}
	/* 150 GB: 100 free, then 50 at the first tier */
	ck_assert_uint_eq(sp_report_egress_tiers(&cat, 150, gb, price), 2);
	ck_assert_double_eq(price[0], 0);
	ck_assert_double_eq_tol(gb[1], 50, 1e-9);
	ck_assert_double_eq(price[1], 0.09);
	/* no tiers: all of it free */
	cat.negress = 0;
	ck_assert_uint_eq(sp_report_egress_tiers(&cat, 500, gb, price), 1);
	ck_assert_double_eq(gb[0], 500);
	ck_assert_double_eq(price[0], 0);
}
END_TEST

/* ---- the report's sums -------------------------------------------------------------------------------- */

START_TEST(test_report_adds_up)
{
	struct ctx x;
	struct sp_report *r;
	struct sp_forecast *plain;

	load(&x, 0, 1, 2);
	ck_assert_int_eq(sp_report_run(&r, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	const struct sp_forecast *f = r->f;
	size_t np = f->npcts, k = sp_fc_median_index(f);
	ck_assert_int_eq(f->paths, 1);
	/* one path: the categories and the purchase options add up to the total,
	 * month by month, and the saving is on demand minus the cost */
	for (int m = 0; m < f->months; m++) {
		double cats = 0, buys = 0;
		for (int c = 0; c < SP_RP_NCAT; c++)
			cats += r->category[c].month[(size_t)m * np + k];
		for (int b = 0; b < SP_RP_NBUY; b++)
			buys += r->buy[b].month[(size_t)m * np + k];
		ck_assert_double_eq_tol(cats, f->total[(size_t)m * np + k], 1e-5);
		ck_assert_double_eq_tol(buys, f->total[(size_t)m * np + k], 1e-5);
		ck_assert_double_eq_tol(r->saving[SP_RP_SAVE_ALL].month[(size_t)m * np + k],
					f->total_od[(size_t)m * np + k] - f->total[(size_t)m * np + k], 1e-5);
		ck_assert_double_eq_tol(r->saving[SP_RP_SAVE_COMMIT].month[(size_t)m * np + k] +
						r->saving[SP_RP_SAVE_SPOT].month[(size_t)m * np + k],
					r->saving[SP_RP_SAVE_ALL].month[(size_t)m * np + k], 1e-5);
	}
	/* every kind of cost is there */
	for (int c = 0; c < SP_RP_NCAT; c++)
		ck_assert_msg(r->category[c].horizon[k] > 0, "category %s is empty", sp_rp_category_names[c]);
	for (int b = 0; b < SP_RP_NBUY; b++)
		ck_assert_msg(r->buy[b].horizon[k] > 0, "purchase %s is empty", sp_rp_buy_names[b]);
	ck_assert(r->saving[SP_RP_SAVE_SPOT].horizon[k] > 0);
	/* storage is the datastore's, apart from its nodes */
	size_t di;
	const struct sp_fc_line *db = line_named(f, "db", &di);
	ck_assert_double_eq_tol(r->category[SP_RP_DATABASE].horizon[k] + r->category[SP_RP_STORAGE].horizon[k],
				db->horizon[k], 1e-5);
	/* each line's years add up to its horizon */
	for (size_t i = 0; i < f->nlines; i++) {
		double sum = 0;
		for (int y = 0; y < f->years; y++)
			sum += r->line_year[(i * (size_t)f->years + (size_t)y) * np + k];
		ck_assert_double_eq_tol(sum, f->lines[i].horizon[k], 1e-5);
	}
	/* the observer changes nothing in the forecast */
	ck_assert_int_eq(sp_forecast_run(&plain, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	ck_assert_double_eq(plain->horizon_total[k], f->horizon_total[k]);
	ck_assert_mem_eq(plain->total, f->total, (size_t)f->months * np * sizeof(double));
	for (size_t i = 0; i < f->nlines; i++)
		ck_assert_double_eq(plain->lines[i].horizon[k], f->lines[i].horizon[k]);
	sp_forecast_free(plain);
	sp_report_free(r);
	unload(&x);
}
END_TEST

START_TEST(test_report_paths_and_threads)
{
	struct ctx x;
	struct sp_report *r1, *r2;

	load(&x, 1, 200, 1);
	ck_assert_int_eq(sp_report_run(&r1, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	x.o.threads = 2;
	ck_assert_int_eq(sp_report_run(&r2, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	const struct sp_forecast *f = r1->f;
	size_t np = f->npcts, M = (size_t)f->months, Y = (size_t)f->years;
	ck_assert_int_eq(f->paths, 200);
	/* one or two threads: the same figures */
	for (int c = 0; c < SP_RP_NCAT; c++)
		ck_assert_mem_eq(r1->category[c].month, r2->category[c].month, M * np * sizeof(double));
	for (int b = 0; b < SP_RP_NBUY; b++)
		ck_assert_mem_eq(r1->buy[b].year, r2->buy[b].year, Y * np * sizeof(double));
	for (int s = 0; s < SP_RP_NSAVE; s++)
		ck_assert_mem_eq(r1->saving[s].horizon, r2->saving[s].horizon, np * sizeof(double));
	ck_assert_mem_eq(r1->line_year, r2->line_year, f->nlines * Y * np * sizeof(double));
	/* percentiles in order; commitments are decided before the paths, so
	 * what they cost is the same on every path */
	for (int c = 0; c < SP_RP_NCAT; c++)
		ck_assert(r1->category[c].horizon[0] <= r1->category[c].horizon[np - 1]);
	ck_assert_double_eq(r1->buy[SP_RP_COMMITTED].horizon[0], r1->buy[SP_RP_COMMITTED].horizon[np - 1]);
	ck_assert(r1->buy[SP_RP_ON_DEMAND].horizon[0] < r1->buy[SP_RP_ON_DEMAND].horizon[np - 1]);
	/* the growth of a component that grows */
	size_t wi;
	line_named(f, "web", &wi);
	ck_assert(r1->line_growth[wi] > 0);
	sp_report_free(r1);
	sp_report_free(r2);
	unload(&x);
}
END_TEST

START_TEST(test_rank)
{
	struct ctx x;
	struct sp_report *r;
	size_t order[32];

	load(&x, 0, 1, 1);
	ck_assert_int_eq(sp_report_run(&r, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	const struct sp_forecast *f = r->f;
	sp_report_rank(order, f, 0);
	for (size_t i = 1; i < f->nlines; i++) {
		const struct sp_fc_line *a = &f->lines[order[i - 1]], *b = &f->lines[order[i]];
		ck_assert(a->horizon[0] > b->horizon[0] || (a->horizon[0] == b->horizon[0] && order[i - 1] < order[i]));
	}
	ck_assert_str_eq(f->lines[order[0]].name, "chat");
	sp_report_free(r);
	unload(&x);
}
END_TEST

/* ---- one path ----------------------------------------------------------------------------------------- */

START_TEST(test_path_is_the_percentile)
{
	struct ctx x;
	struct sp_report *r;
	struct sp_report_path *p10, *p50, *p90;

	load(&x, 1, 101, 2);
	ck_assert_int_eq(sp_report_run(&r, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	ck_assert_int_eq(sp_report_path_run(&p50, x.spec, x.g, &x.cat, &x.o, 50, &x.d), 0);
	ck_assert_int_eq(sp_report_path_run(&p10, x.spec, x.g, &x.cat, &x.o, 10, &x.d), 0);
	ck_assert_int_eq(sp_report_path_run(&p90, x.spec, x.g, &x.cat, &x.o, 90, &x.d), 0);
	const struct sp_forecast *f = r->f;
	/* the path's horizon total is the forecast's percentile of them */
	ck_assert_double_eq_tol(p50->horizon, f->horizon_total[1], 1e-6);
	ck_assert_double_eq_tol(p10->horizon, f->horizon_total[0], 1e-6);
	ck_assert_double_eq_tol(p90->horizon, f->horizon_total[2], 1e-6);
	ck_assert(p10->horizon <= p50->horizon && p50->horizon <= p90->horizon);
	/* a month's total is its lines plus the egress bill */
	size_t M = (size_t)p50->f->months;
	double sum = 0;
	for (size_t m = 0; m < M; m++) {
		double lines = 0;
		for (size_t i = 0; i < p50->f->nlines; i++)
			lines += p50->cost[i * M + m];
		ck_assert_double_eq_tol(lines + p50->transfer[m], p50->total[m], 1e-5);
		ck_assert(p50->egress_gb[m] > 0);
		sum += p50->total[m];
	}
	ck_assert_double_eq_tol(sum, p50->horizon, 1e-4);
	/* the capacity per region adds up to the line's (not for GPU inference,
	 * whose regions hold GPUs as its total does) */
	for (size_t i = 0; i < p50->f->nlines; i++)
		for (size_t m = 0; m < M; m++) {
			int s = 0;
			for (size_t rg = 0; rg < 2; rg++)
				s += p50->region_units[(i * 2 + rg) * M + m];
			ck_assert_int_eq(s, p50->units[i * M + m]);
		}
	sp_report_path_free(p10);
	sp_report_path_free(p50);
	sp_report_path_free(p90);
	sp_report_free(r);
	unload(&x);
}
END_TEST

/* ---- the renderers ------------------------------------------------------------------------------------ */

static char *render(const struct sp_report *r, const struct ctx *x, const char *format, int *ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sp_err err;
	sp_err_clear(&err);
	*ret = sp_render_report(f, r, x->spec, x->g, format, &err);
	fclose(f);
	return buf;
}

START_TEST(test_render_formats)
{
	struct ctx x;
	struct sp_report *r;
	int ret;
	char *s;

	load(&x, 1, 50, 2);
	ck_assert_int_eq(sp_report_run(&r, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	s = render(r, &x, "text", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(s, "Cost report: t\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nTop cost drivers\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nPurchase options and savings\n"));
	ck_assert_ptr_null(strstr(s, " \n"));   /* no trailing spaces */
	free(s);
	s = render(r, &x, "markdown", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(s, "# Cost report: t\n"));
	ck_assert_ptr_nonnull(strstr(s, "\n## Cost by category\n"));
	ck_assert_ptr_nonnull(strstr(s, "\\$"));   /* amounts escaped for GitHub */
	free(s);
	s = render(r, &x, "csv", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert(!strncmp(s, "# scaleplan report csv v1\n", strlen("# scaleplan report csv v1\n")));
	ck_assert_ptr_nonnull(strstr(s, "grouping,group,period,start,end,percentile,cost\n"));
	ck_assert_ptr_nonnull(strstr(s, "\ncategory,storage,horizon,2027-01,2028-12,50,"));
	ck_assert_ptr_nonnull(strstr(s, "\npurchase,spot,year,2028-01,2028-12,90,"));
	ck_assert_ptr_nonnull(strstr(s, "\ncomponent,chat,month,2027-01,2027-01,10,"));
	free(s);
	s = render(r, &x, "html", &ret);
	ck_assert_int_eq(ret, 0);
	ck_assert_ptr_nonnull(strstr(s, "<!DOCTYPE html>"));
	ck_assert_ptr_nonnull(strstr(s, "Content-Security-Policy"));
	ck_assert_ptr_nonnull(strstr(s, "<svg class=\"chart\""));
	ck_assert_ptr_nonnull(strstr(s, "<g id=\"graph0\""));   /* the dependency graph, inline */
	ck_assert_ptr_null(strstr(s, "<!--"));
	ck_assert_ptr_null(strstr(s, "<?xml"));
	ck_assert_ptr_null(strstr(s, "https://"));
	for (const char *p = strstr(s, "http://"); p; p = strstr(p + 1, "http://"))
		ck_assert_msg(!strncmp(p, "http://www.w3.org/2000/svg\"", 27) || !strncmp(p, "http://www.w3.org/1999/xlink\"", 29),
			      "an address in the HTML: %.40s", p);
	free(s);
	/* an unknown format writes nothing */
	s = render(r, &x, "pdf", &ret);
	ck_assert_int_eq(ret, SP_EINVAL);
	ck_assert_str_eq(s, "");
	free(s);
	sp_report_free(r);
	unload(&x);
}
END_TEST

START_TEST(test_render_errors)
{
	struct ctx x;
	struct sp_report *r;
	struct sp_err err;
	int ret;
	char *s;

	load(&x, 0, 1, 1);
	ck_assert_int_eq(sp_report_run(&r, x.spec, x.g, &x.cat, &x.o, &x.d), 0);
	/* a write that fails */
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		sp_err_clear(&err);
		ck_assert_int_eq(sp_render_report(full, r, x.spec, x.g, "text", &err), SP_EIO);
		ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the report"));
		fclose(full);
	}
	/* a value that is not a number: refused, nothing written */
	double keep = r->category[SP_RP_STORAGE].year[0];
	r->category[SP_RP_STORAGE].year[0] = NAN;
	for (const char *const *fmt = (const char *const[]){ "text", "markdown", "csv", "html", NULL }; *fmt; fmt++) {
		s = render(r, &x, *fmt, &ret);
		ck_assert_int_eq(ret, SP_EINVAL);
		ck_assert_str_eq(s, "");
		free(s);
	}
	r->category[SP_RP_STORAGE].year[0] = keep;
	sp_report_free(r);
	unload(&x);
}
END_TEST

/* One CSV line into fields (quotes undone); returns the count. */
static size_t csv_fields(const char *line, char fields[][512], size_t max)
{
	size_t n = 0, k = 0;
	int q = 0;
	for (const char *p = line;; p++) {
		if (n >= max)
			return n;
		if (q) {
			if (*p == '"' && p[1] == '"') {
				fields[n][k++] = '"';
				p++;
			} else if (*p == '"') {
				q = 0;
			} else if (*p) {
				fields[n][k++] = *p;
			}
		} else if (*p == '"') {
			q = 1;
		} else if (*p == ',' || *p == '\n' || !*p) {
			fields[n][k] = '\0';
			n++;
			k = 0;
			if (*p != ',')
				return n;
		} else {
			fields[n][k++] = *p;
		}
		if (k >= 511)
			k = 510;
	}
}

START_TEST(test_render_focus)
{
	struct ctx x;
	struct sp_report_path *p;
	struct sp_err err;
	char *buf = NULL;
	size_t len = 0;
	static char fields[64][512], head[64][512];

	load(&x, 1, 51, 2);
	ck_assert_int_eq(sp_report_path_run(&p, x.spec, x.g, &x.cat, &x.o, 50, &x.d), 0);
	FILE *f = open_memstream(&buf, &len);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_render_report_focus(f, p, x.spec, x.g, &x.cat, &err), 0);
	fclose(f);

	size_t M = (size_t)p->f->months, ncols = csv_fields(buf, head, 64), rows = 0;
	double *billed = calloc(M, sizeof(double)), *effective = calloc(M, sizeof(double));
	size_t c_billed = 99, c_eff = 99, c_start = 99, c_status = 99, c_cdid = 99, c_tags = 99, c_cat = 99;
	for (size_t i = 0; i < ncols; i++) {
		if (!strcmp(head[i], "BilledCost"))
			c_billed = i;
		else if (!strcmp(head[i], "EffectiveCost"))
			c_eff = i;
		else if (!strcmp(head[i], "ChargePeriodStart"))
			c_start = i;
		else if (!strcmp(head[i], "CommitmentDiscountStatus"))
			c_status = i;
		else if (!strcmp(head[i], "CommitmentDiscountId"))
			c_cdid = i;
		else if (!strcmp(head[i], "Tags"))
			c_tags = i;
		else if (!strcmp(head[i], "ChargeCategory"))
			c_cat = i;
	}
	ck_assert_uint_eq(ncols, 48);
	ck_assert_str_eq(head[0], "BilledCost");
	ck_assert(c_billed < ncols && c_eff < ncols && c_start < ncols && c_status < ncols && c_cdid < ncols &&
		  c_tags < ncols && c_cat < ncols);
	int used = 0, unused = 0, purchase = 0;
	for (const char *line = strchr(buf, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
		ck_assert_uint_eq(csv_fields(line, fields, 64), ncols);
		int y, mo;
		ck_assert_int_eq(sscanf(fields[c_start], "%d-%d-01T00:00:00Z", &y, &mo), 2);
		size_t m = (size_t)((y * 12 + mo - 1) - p->f->start);
		ck_assert(m < M);
		billed[m] += strtod(fields[c_billed], NULL);
		effective[m] += strtod(fields[c_eff], NULL);
		/* a commitment's status is set exactly when its usage is */
		if (!strcmp(fields[c_status], "Used")) {
			used++;
			ck_assert_double_eq(strtod(fields[c_billed], NULL), 0);
		} else if (!strcmp(fields[c_status], "Unused")) {
			unused++;
		}
		if (!strcmp(fields[c_cat], "Purchase")) {
			purchase++;
			ck_assert_str_eq(fields[c_status], "");
			ck_assert_double_eq(strtod(fields[c_eff], NULL), 0);
		}
		ck_assert(fields[c_status][0] == '\0' || fields[c_cdid][0] != '\0');
		ck_assert_ptr_nonnull(strstr(fields[c_tags], "\"team\":\"t1, \\\"quoted\\\"\""));
		rows++;
	}
	ck_assert(rows > 100);
	ck_assert(used > 0 && purchase > 0);
	(void)unused;
	/* billed and effective costs of a month add up to the path's total */
	for (size_t m = 0; m < M; m++) {
		ck_assert_double_eq_tol(billed[m], p->total[m], 1e-4);
		ck_assert_double_eq_tol(effective[m], p->total[m], 1e-4);
	}
	free(billed);
	free(effective);
	free(buf);
	sp_report_path_free(p);
	unload(&x);
}
END_TEST

Suite *suite_report(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("report");
	tcase_add_test(tc, test_split_commit_on_demand);
	tcase_add_test(tc, test_split_commit_spot_and_spot);
	tcase_add_test(tc, test_split_storage_and_training);
	tcase_add_test(tc, test_split_adds_up);
	tcase_add_test(tc, test_line_info);
	tcase_add_test(tc, test_growth);
	tcase_add_test(tc, test_egress_tiers);
	tcase_add_test(tc, test_report_adds_up);
	tcase_add_test(tc, test_report_paths_and_threads);
	tcase_add_test(tc, test_rank);
	tcase_add_test(tc, test_path_is_the_percentile);
	tcase_add_test(tc, test_render_formats);
	tcase_add_test(tc, test_render_errors);
	tcase_add_test(tc, test_render_focus);
	suite_add_tcase(s, tc);
	return s;
}
