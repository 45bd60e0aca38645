/* The instance choice and the type-dependent sizing (model/choose.h): the
 * CPU speed credit, the memory bound, `instance: auto` and its
 * alternatives, and what binds a fleet's size, on hand-worked examples. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "model/catalog.h"
#include "model/choose.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"
#include "providers/catalog.h"

/* ---- the catalog's speeds ----------------------------------------------------------------------- */

static const char speed_catalog[] =
	"{\"format\": \"scaleplan-catalog\", \"version\": 1, \"name\": \"t\", \"currency\": \"USD\",\n"
	" \"as_of\": \"2026-06\", \"source\": \"unit test\", \"hours_per_month\": 730, \"spot_discount\": 0.6,\n"
	" \"storage\": {\"block_gb_month\": 0.08, \"object_gb_month\": 0.023, \"database_gb_month\": 0.115},\n"
	" \"transfer\": {\"cross_az_gb\": 0.01, \"cross_region_gb\": 0.02, \"egress_free_gb\": 100,\n"
	"   \"egress_tiers\": [{\"price_per_gb\": 0.09}]},\n"
	" \"gpus\": [],\n"
	" \"skus\": [\n"
	"  {\"name\": \"z.large\", \"kind\": \"compute\", \"vcpus\": 2, \"memory_gib\": 8, \"cpu_speed\": 0.72,\n"
	"   \"on_demand_hourly\": 0.1, \"commit_1y_hourly\": null, \"commit_3y_hourly\": null},\n"
	"  {\"name\": \"a.large\", \"kind\": \"compute\", \"vcpus\": 2, \"memory_gib\": 8, \"cpu_speed\": SPEED,\n"
	"   \"on_demand_hourly\": 0.1, \"commit_1y_hourly\": null, \"commit_3y_hourly\": null},\n"
	"  {\"name\": \"m.large\", \"kind\": \"compute\", \"vcpus\": 2, \"memory_gib\": 8,\n"
	"   \"on_demand_hourly\": 0.1, \"commit_1y_hourly\": null, \"commit_3y_hourly\": null}\n"
	" ]}\n";

static int parse_speed(const char *speed, struct sp_catalog **c, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	const char *at = strstr(speed_catalog, "SPEED");
	sp_sb_add(&sb, speed_catalog, (size_t)(at - speed_catalog));
	sp_sb_adds(&sb, speed);
	sp_sb_adds(&sb, at + 5);
	size_t n;
	char *text = sp_sb_detach(&sb, &n);
	int rc = sp_catalog_parse(c, text, n, "t.json", err);
	free(text);
	return rc;
}

START_TEST(test_catalog_speeds)
{
	struct sp_catalog *c = NULL;
	struct sp_err err;
	/* the speeds follow their SKUs into name order; m has none: 1.0 */
	ck_assert_int_eq(parse_speed("1.25", &c, &err), 0);
	ck_assert_str_eq(c->skus[0].name, "a.large");
	ck_assert_double_eq_tol(sp_catalog_cpu_speed(c, sp_catalog_sku(c, "a.large")), 1.25, 1e-15);
	ck_assert_double_eq_tol(sp_catalog_cpu_speed(c, sp_catalog_sku(c, "m.large")), 1.0, 1e-15);
	ck_assert_double_eq_tol(sp_catalog_cpu_speed(c, sp_catalog_sku(c, "z.large")), 0.72, 1e-15);
	sp_catalog_free(c);
	/* zero, negative and text are errors at the SKU's line (10) */
	const char *bad[] = { "0", "-1", "\"fast\"" };
	for (size_t i = 0; i < 3; i++) {
		c = NULL;
		ck_assert_int_ne(parse_speed(bad[i], &c, &err), 0);
		ck_assert_ptr_null(c);
		ck_assert_int_eq(err.line, 10);
		ck_assert_msg(strstr(err.msg, "cpu_speed") && strstr(err.msg, "a.large"), "%s", err.msg);
	}
}
END_TEST

START_TEST(test_shipped_speeds)
{
	const char *src = getenv("SP_SRCDIR");
	char path[4096];
	struct sp_catalog *c = NULL;
	struct sp_err err;
	ck_assert_msg(src != NULL, "SP_SRCDIR is not set (run the tests with SP_SRCDIR=<source tree>)");
	snprintf(path, sizeof(path), "%s/catalogs/aws-us-east-1.json", src);
	ck_assert_int_eq(sp_catalog_load(&c, path, NULL, &err), 0);
	/* docs/catalog.md: m7i = 1.0 the reference; m6i = 0.096 / (1.15 x 0.1008)
	 * = 0.83; m5 = 0.83 / 1.15 = 0.72; m7g 1.0 */
	const struct { const char *sku; double speed; } want[] = {
		{ "m7i.large", 1.0 }, { "c7i.xlarge", 1.0 }, { "r7i.large", 1.0 }, { "m7g.large", 1.0 },
		{ "m6i.large", 0.83 }, { "c6i.large", 0.83 }, { "m5.large", 0.72 }, { "c7g.large", 1.0 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct sp_sku *s = sp_catalog_sku(c, want[i].sku);
		ck_assert_msg(s != NULL, "%s", want[i].sku);
		ck_assert_double_eq_tol(sp_catalog_cpu_speed(c, s), want[i].speed, 1e-12);
	}
	sp_catalog_free(c);
}
END_TEST

Suite *suite_choose(void);

/* A small catalog, sorted by name. Prices per hour; speeds chosen for easy
 * arithmetic: b is half as fast as the reference, f twice as fast. */
static struct sp_sku skus[] = {
	{ .name = "a.large", .kind = SP_SKU_COMPUTE, .vcpus = 2, .memory_gib = 8, .on_demand_hourly = 0.10,
	  .commit_1y_hourly = 0.07, .commit_3y_hourly = 0.05 },
	{ .name = "b.large", .kind = SP_SKU_COMPUTE, .vcpus = 2, .memory_gib = 8, .on_demand_hourly = 0.08,
	  .commit_1y_hourly = 0.06, .commit_3y_hourly = 0.04 },
	{ .name = "c.large", .kind = SP_SKU_COMPUTE, .vcpus = 2, .memory_gib = 4, .on_demand_hourly = 0.09,
	  .commit_1y_hourly = 0.06, .commit_3y_hourly = 0.04 },
	{ .name = "d.xlarge", .kind = SP_SKU_COMPUTE, .vcpus = 4, .memory_gib = 16, .on_demand_hourly = 0.16,
	  .commit_1y_hourly = 0.1, .commit_3y_hourly = 0.07 },
	{ .name = "db.x", .kind = SP_SKU_DATABASE, .vcpus = 4, .memory_gib = 32, .on_demand_hourly = 0.45,
	  .commit_1y_hourly = 0.3, .commit_3y_hourly = 0.2 },
	{ .name = "e.large", .kind = SP_SKU_COMPUTE, .vcpus = 2, .memory_gib = 16, .on_demand_hourly = 0.13,
	  .commit_1y_hourly = 0.09, .commit_3y_hourly = 0.06 },
	{ .name = "f.large", .kind = SP_SKU_COMPUTE, .vcpus = 2, .memory_gib = 8, .on_demand_hourly = 0.5,
	  .commit_1y_hourly = 0.3, .commit_3y_hourly = 0.2 },
};
static double speeds[] = { 1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 2.0 };
static struct sp_egress_tier egress[] = { { 0, 0.09 } };

static void make_catalog(struct sp_catalog *c, size_t nskus)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->skus = skus;
	c->nskus = nskus;
	c->cpu_speed = speeds;
	c->egress = egress;
	c->negress = 1;
}

/* 864,000 users x 10 requests a day / 86,400 s = 100 rps on average; with
 * peak_to_average P the peak is 100 P rps, constant over 12 months. */
static char *spec_text(const char *service_extra, double peak, int zones)
{
	struct sp_sb sb = SP_SB_INIT;
	sp_sb_addf(&sb,
		   "scaleplan: 1\nname: t\nhorizon: {start: 2027-01, months: 12}\n"
		   "drivers:\n  users: {start: 864000, model: constant}\n"
		   "regions:\n  - {name: r1, zones: %d}\n"
		   "services:\n  web:\n"
		   "    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: %g}\n"
		   "%s",
		   zones, peak, service_extra);
	return sp_sb_detach(&sb, NULL);
}

struct run {
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_diags d;
	int rc;
};

static void run_spec(struct run *x, const char *text, const struct sp_catalog *cat)
{
	struct sp_forecast_opts o;
	memset(x, 0, sizeof(*x));
	memset(&o, 0, sizeof(o));
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = 1;
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	x->rc = sp_forecast_run(&x->f, x->spec, x->g, cat, &o, &x->d);
}

static void run_free(struct run *x)
{
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

/* the first error's text, or "" */
static const char *first_error(const struct sp_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == SP_ERROR)
			return d->v[i].msg;
	return "";
}

/* ---- the CPU speed credit ------------------------------------------------------------------------- */

START_TEST(test_service_time_credit)
{
	struct sp_catalog cat;
	struct sp_service s;
	make_catalog(&cat, 7);
	memset(&s, 0, sizeof(s));
	s.cpu_ms_per_request = 10;
	/* measured on the reference (1.0): 10 ms on a, 10 x 1 / 0.5 = 20 ms on b, 10 / 2 = 5 ms on f */
	ck_assert_double_eq_tol(sp_choose_ref_speed(&cat, &s), 1.0, 1e-15);
	ck_assert_double_eq_tol(sp_choose_service_s(&s, sp_catalog_cpu_speed(&cat, &skus[0]), 1.0), 0.010, 1e-15);
	ck_assert_double_eq_tol(sp_choose_service_s(&s, sp_catalog_cpu_speed(&cat, &skus[1]), 1.0), 0.020, 1e-15);
	ck_assert_double_eq_tol(sp_choose_service_s(&s, sp_catalog_cpu_speed(&cat, &skus[6]), 1.0), 0.005, 1e-15);
	/* measured on b (0.5): on f, 10 x 0.5 / 2 = 2.5 ms */
	s.cpu_reference = "b.large";
	ck_assert_double_eq_tol(sp_choose_ref_speed(&cat, &s), 0.5, 1e-15);
	ck_assert_double_eq_tol(sp_choose_service_s(&s, 2.0, sp_choose_ref_speed(&cat, &s)), 0.0025, 1e-15);
	/* a catalog without speeds, a SKU that is not its own: 1.0 */
	ck_assert_double_eq_tol(sp_catalog_cpu_speed(&cat, NULL), 1.0, 1e-15);
	cat.cpu_speed = NULL;
	ck_assert_double_eq_tol(sp_catalog_cpu_speed(&cat, &skus[6]), 1.0, 1e-15);
}
END_TEST

START_TEST(test_speed_credit_sizes_the_fleet)
{
	struct sp_catalog cat;
	struct sp_service s;
	int binds = -1;
	make_catalog(&cat, 7);
	memset(&s, 0, sizeof(s));
	s.cpu_ms_per_request = 10;
	s.target_utilization = 0.5;
	s.min = 1;
	/* 200 rps, no latency SLO, one zone:
	 *   a (1.0): A = 200 x 0.010 = 2 Erlangs, / 0.5 = 4 vCPUs = 2 instances
	 *   b (0.5): A = 200 x 0.020 = 4, 8 vCPUs = 4 instances
	 *   f (2.0): A = 200 x 0.005 = 1, 2 vCPUs = 1 instance */
	ck_assert_int_eq(sp_fc_service_size_on(&cat, &s, &skus[0], 1, 0, 200, 1, &binds), 2);
	ck_assert_int_eq(binds, 0);
	ck_assert_int_eq(sp_fc_service_size_on(&cat, &s, &skus[1], 1, 0, 200, 1, NULL), 4);
	ck_assert_int_eq(sp_fc_service_size_on(&cat, &s, &skus[6], 1, 0, 200, 1, NULL), 1);
	/* measured on f (2.0): 10 ms there is 20 ms on a: A = 4, 8 vCPUs, 4 instances */
	s.cpu_reference = "f.large";
	ck_assert_int_eq(sp_fc_service_size_on(&cat, &s, &skus[0], 1, 0, 200, 1, NULL), 4);
	/* without a catalog the reference is 1.0 and every SKU 1.0: 2 instances */
	ck_assert_int_eq(sp_fc_service_size(&s, &skus[1], 1, 0, 200, 1, NULL), 2);
}
END_TEST

START_TEST(test_speed_credit_in_the_forecast)
{
	struct sp_catalog cat;
	struct run x;
	make_catalog(&cat, 7);
	char *t = spec_text("    work: {cpu_ms_per_request: 10}\n    instance: b.large\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	const struct sp_fc_line *l = &x.f->lines[0];
	/* b at 0.5: 20 ms a request; 200 rps: 8 vCPUs, 4 instances (above) */
	ck_assert_double_eq_tol(l->service_ms, 20, 1e-9);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_UNITS, 0), 4, 1e-12);
	const struct sp_fc_detail *d = sp_fc_line_detail(x.f, l, 0, 0);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(d->servers, 8);
	ck_assert_int_eq(d->instances, 4);
	/* utilisation: 200 x 0.020 / (4 x 2) = 0.5 */
	ck_assert_double_eq_tol(d->utilisation, 0.5, 1e-12);
	ck_assert_int_eq(d->binds, SP_BIND_UTILISATION);
	run_free(&x);
	free(t);
}
END_TEST

/* ---- memory ------------------------------------------------------------------------------------------ */

START_TEST(test_memory_instances)
{
	/* 2.1739 requests in flight x 10,000 MB / 8,000 MB free = 2.72: 3 */
	ck_assert_int_eq(sp_choose_memory_instances(2.173913, 10000, 8000), 3);
	ck_assert_int_eq(sp_choose_memory_instances(0, 10000, 8000), 0);
	ck_assert_int_eq(sp_choose_memory_instances(2, 0, 8000), 0);
	ck_assert_int_eq(sp_choose_memory_instances(2, 100, 0), 0);
	ck_assert_int_eq(sp_choose_memory_instances(1e12, 1e6, 1), 1000000000);
}
END_TEST

START_TEST(test_memory_bound_sizing)
{
	struct sp_catalog cat;
	struct run x;
	make_catalog(&cat, 7);
	/* 200 rps on a.large (8 GiB = 8,192 MB; 192 MB fixed: 8,000 MB free).
	 * CPU: A = 2, 4 vCPUs, 2 instances. Memory: M/M/4 at A = 2 has
	 * Erlang B 0.095238 and C = B / (1 - 0.5 (1 - B)) = 0.173913, mean wait
	 * C / (4 x 100 - 200) = 0.000869565 s; response 0.010869565 s; in
	 * flight 200 x 0.010869565 = 2.173913; x 10,000 MB = 21,739 MB over
	 * 8,000 MB an instance: 3 instances. Memory binds. */
	char *t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_instance: 192, memory_mb_per_request: 10000}\n"
			    "    instance: a.large\n",
			    2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	const struct sp_fc_line *l = &x.f->lines[0];
	const struct sp_fc_detail *d = sp_fc_line_detail(x.f, l, 0, 5);
	ck_assert_int_eq(d->servers, 4);
	ck_assert_int_eq(d->instances, 3);
	ck_assert_int_eq(d->binds, SP_BIND_MEMORY);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 5, SP_FC_UNITS, 0), 3, 1e-12);
	run_free(&x);
	free(t);
	/* 100 MB a request: 217 MB in flight fit in one instance; the CPU's 2 stand */
	t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_request: 100}\n    instance: a.large\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	d = sp_fc_line_detail(x.f, &x.f->lines[0], 0, 0);
	ck_assert_int_eq(d->instances, 2);
	ck_assert_int_eq(d->binds, SP_BIND_UTILISATION);
	run_free(&x);
	free(t);
}
END_TEST

START_TEST(test_memory_footprint_must_fit)
{
	struct sp_catalog cat;
	struct run x;
	make_catalog(&cat, 7);
	/* c.large has 4 GiB = 4,096 MB: a 6,000 MB footprint does not fit */
	char *t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_instance: 6000}\n    instance: c.large\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, -1);
	ck_assert_ptr_nonnull(strstr(first_error(&x.d), "does not fit in c.large"));
	run_free(&x);
	free(t);
}
END_TEST

/* ---- instance: auto ---------------------------------------------------------------------------------- */

START_TEST(test_auto_picks_the_cheapest)
{
	struct sp_catalog cat;
	struct run x;
	/* without f (0.5 an hour for 1 instance: 4,380 over the year) */
	make_catalog(&cat, 6);
	/* 200 rps for 12 months (8,760 h), one zone, no SLO:
	 *   d.xlarge: 4 vCPUs, 1 instance x 0.16 x 8,760 = 1,401.60
	 *   c.large:  2 instances x 0.09 x 8,760 = 1,576.80
	 *   a.large:  2 x 0.10 x 8,760 = 1,752.00
	 *   e.large:  2 x 0.13 x 8,760 = 2,277.60
	 *   b.large:  at 0.5, 4 instances x 0.08 x 8,760 = 2,803.20
	 * db.x is a database type: never a candidate. */
	char *t = spec_text("    work: {cpu_ms_per_request: 10}\n    instance: auto\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	const struct sp_fc_line *l = &x.f->lines[0];
	ck_assert_int_eq(l->instance_auto, 1);
	ck_assert_str_eq(l->sku, "d.xlarge");
	ck_assert_int_eq(l->nchoices, 4);
	const char *want[] = { "d.xlarge", "c.large", "a.large", "e.large" };
	const double cost[] = { 1401.6, 1576.8, 1752.0, 2277.6 };
	for (int i = 0; i < 4; i++) {
		ck_assert_str_eq(l->choices[i].sku, want[i]);
		ck_assert_double_eq_tol(l->choices[i].horizon_cost, cost[i], 1e-6);
		ck_assert_int_eq(l->choices[i].meets_slo, 1);
	}
	/* the run prices what it chose: 1 instance of d all year */
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_UNITS, 0), 1, 1e-12);
	ck_assert_double_eq_tol(sp_fc_value(x.f, l, 0, SP_FC_COST_OD, 0), 0.16 * 730, 1e-6);
	run_free(&x);
	free(t);
}
END_TEST

START_TEST(test_auto_families_footprint_and_slo)
{
	struct sp_catalog cat;
	struct run x;
	make_catalog(&cat, 6);
	/* families a, b, c with a p99 80 ms SLO: b's 20 ms requests cannot meet
	 * it (floor 20 x ln 100 = 92.1 ms) and go last whatever they cost;
	 * c (1,576.80) before a (1,752.00), both at 2 instances */
	char *t = spec_text("    work: {cpu_ms_per_request: 10}\n    instance: auto\n    families: [a, b, c]\n"
			    "    slo: {latency: {quantile: 0.99, ms: 80}}\n",
			    2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	const struct sp_fc_line *l = &x.f->lines[0];
	ck_assert_int_eq(l->nchoices, 3);
	ck_assert_str_eq(l->choices[0].sku, "c.large");
	ck_assert_double_eq_tol(l->choices[0].horizon_cost, 1576.8, 1e-6);
	ck_assert_str_eq(l->choices[1].sku, "a.large");
	ck_assert_str_eq(l->choices[2].sku, "b.large");
	ck_assert_int_eq(l->choices[2].meets_slo, 0);
	run_free(&x);
	free(t);
	/* a 6,000 MB footprint rules out c (4 GiB): d, a, e, b */
	t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_instance: 6000}\n    instance: auto\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, 0);
	l = &x.f->lines[0];
	ck_assert_str_eq(l->choices[0].sku, "d.xlarge");
	ck_assert_str_eq(l->choices[1].sku, "a.large");
	ck_assert_str_eq(l->choices[2].sku, "e.large");
	ck_assert_str_eq(l->choices[3].sku, "b.large");
	run_free(&x);
	free(t);
}
END_TEST

START_TEST(test_auto_errors)
{
	struct sp_catalog cat;
	struct run x;
	struct sp_diags d;
	struct sp_spec *spec = NULL;
	make_catalog(&cat, 6);
	/* a family the catalog lacks */
	char *t = spec_text("    work: {cpu_ms_per_request: 10}\n    instance: auto\n    families: [zz]\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, -1);
	ck_assert_ptr_nonnull(strstr(first_error(&x.d), "no compute type of family 'zz'"));
	run_free(&x);
	free(t);
	/* nothing holds a 20,000 MB footprint */
	t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_instance: 20000}\n    instance: auto\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, -1);
	ck_assert_ptr_nonnull(strstr(first_error(&x.d), "has no candidate"));
	run_free(&x);
	free(t);
	/* a cpu_reference that is not a compute type */
	t = spec_text("    work: {cpu_ms_per_request: 10, cpu_reference: db.x}\n    instance: a.large\n", 2, 1);
	run_spec(&x, t, &cat);
	ck_assert_int_eq(x.rc, -1);
	ck_assert_ptr_nonnull(strstr(first_error(&x.d), "cpu_reference 'db.x' is not a compute type"));
	run_free(&x);
	free(t);
	/* families without auto, and an item with a size: loader errors with a position */
	sp_diags_init(&d);
	t = spec_text("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n    families: [a]\n", 2, 1);
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", t, strlen(t), &d), -1);
	ck_assert_ptr_nonnull(strstr(first_error(&d), "it needs 'instance: auto'"));
	ck_assert_int_eq(d.v[0].pos.line, 13);
	sp_diags_free(&d);
	free(t);
	sp_diags_init(&d);
	t = spec_text("    work: {cpu_ms_per_request: 10, memory_mb_per_request: -1}\n    instance: auto\n"
		      "    families: [a.large]\n",
		      2, 1);
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", t, strlen(t), &d), -1);
	ck_assert_uint_ge(d.nerrors, 2);
	sp_diags_free(&d);
	free(t);
}
END_TEST

/* ---- what binds -------------------------------------------------------------------------------------- */

START_TEST(test_bind_format)
{
	char buf[64];
	ck_assert_str_eq(sp_bind_format(0, buf, sizeof(buf)), "-");
	ck_assert_str_eq(sp_bind_format(SP_BIND_UTILISATION | SP_BIND_ZONES, buf, sizeof(buf)), "utilisation+zones");
	ck_assert_str_eq(sp_bind_format(SP_BIND_LATENCY | SP_BIND_MAX, buf, sizeof(buf)), "latency+max");
	/* truncated whole names only */
	ck_assert_str_eq(sp_bind_format(SP_BIND_LATENCY | SP_BIND_MAX, buf, 10), "latency");
}
END_TEST

static int binds_of(const char *service_extra, double peak, int zones, const struct sp_fc_detail **out, struct run *x,
		    const struct sp_catalog *cat)
{
	char *t = spec_text(service_extra, peak, zones);
	run_spec(x, t, cat);
	free(t);
	ck_assert_int_eq(x->rc, 0);
	*out = sp_fc_line_detail(x->f, &x->f->lines[0], 0, 0);
	return (*out)->binds;
}

START_TEST(test_binds_column)
{
	struct sp_catalog cat;
	struct run x;
	const struct sp_fc_detail *d;
	make_catalog(&cat, 6);
	/* zones: 200 rps on a: 2 instances; 3 zones: ceil(2 x 3 / 2) = 3 */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n", 2, 3, &d, &x, &cat),
			 SP_BIND_UTILISATION | SP_BIND_ZONES);
	ck_assert_int_eq(d->instances, 3);
	run_free(&x);
	/* min: 5 over the 2 the load needs */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n    scaling: {min: 5}\n", 2, 1,
				  &d, &x, &cat),
			 SP_BIND_UTILISATION | SP_BIND_MIN);
	ck_assert_int_eq(d->instances, 5);
	run_free(&x);
	/* latency: at 90 % utilisation ceil(2 / 0.9) = 3 servers, but p90 <= 30 ms
	 * (floor 10 x ln 10 = 23 ms) needs more */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n"
				  "    slo: {latency: {quantile: 0.9, ms: 30}}\n    scaling: {target_utilization: 0.9}\n",
				  2, 1, &d, &x, &cat),
			 SP_BIND_LATENCY);
	ck_assert_int_gt(d->servers, 3);
	run_free(&x);
	/* USL: one worker 30 rps, no contention: an instance of 2 does 60 rps;
	 * 200 / 60 = 3.3: 4 instances over the CPU's 2 */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10, usl: {lambda_rps: 30, sigma: 0, kappa: 0}}\n"
				  "    instance: a.large\n",
				  2, 1, &d, &x, &cat),
			 SP_BIND_USL);
	ck_assert_int_eq(d->instances, 4);
	run_free(&x);
}
END_TEST

START_TEST(test_max_shortfall_and_overload)
{
	struct sp_catalog cat;
	struct run x;
	const struct sp_fc_detail *d;
	make_catalog(&cat, 6);
	/* 300 rps on a: A = 3, 6 vCPUs, 3 instances; max 1 cuts 2: the one left
	 * runs at 300 x 0.010 / (1 x 2) = 150 %, overloaded */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n    scaling: {max: 1}\n", 3, 1,
				  &d, &x, &cat),
			 SP_BIND_UTILISATION | SP_BIND_MAX);
	ck_assert_int_eq(d->servers, 6);
	ck_assert_int_eq(d->instances, 1);
	ck_assert_int_eq(d->needed, 3);
	ck_assert_double_eq_tol(d->utilisation, 1.5, 1e-12);
	ck_assert_int_eq(x.f->lines[0].risk_month, 0);
	run_free(&x);
	/* max 2 at 200 rps: needs 2, at 50 %: not cut */
	ck_assert_int_eq(binds_of("    work: {cpu_ms_per_request: 10}\n    instance: a.large\n    scaling: {max: 2}\n", 2, 1,
				  &d, &x, &cat),
			 SP_BIND_UTILISATION);
	ck_assert_int_eq(d->needed, 2);
	ck_assert_double_eq_tol(d->utilisation, 0.5, 1e-12);
	run_free(&x);
}
END_TEST

Suite *suite_choose(void)
{
	Suite *s = suite_create("choose");
	TCase *tc = tcase_create("choose");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_catalog_speeds);
	tcase_add_test(tc, test_shipped_speeds);
	tcase_add_test(tc, test_service_time_credit);
	tcase_add_test(tc, test_speed_credit_sizes_the_fleet);
	tcase_add_test(tc, test_speed_credit_in_the_forecast);
	tcase_add_test(tc, test_memory_instances);
	tcase_add_test(tc, test_memory_bound_sizing);
	tcase_add_test(tc, test_memory_footprint_must_fit);
	tcase_add_test(tc, test_auto_picks_the_cheapest);
	tcase_add_test(tc, test_auto_families_footprint_and_slo);
	tcase_add_test(tc, test_auto_errors);
	tcase_add_test(tc, test_bind_format);
	tcase_add_test(tc, test_binds_column);
	tcase_add_test(tc, test_max_shortfall_and_overload);
	suite_add_tcase(s, tc);
	return s;
}
