/* Cross-AZ transfer of calls: hand-computed bill of a call's bytes. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"

Suite *suite_transfer(void);

static struct sp_sku skus[] = {
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
};

/* Month-0 p50 total of text, with cross_az_gb = 0.01 a GB each direction. */
static double month0_total(const char *text, int zones_check)
{
	struct sp_catalog cat;
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_forecast *f = NULL;
	struct sp_forecast_opts o;
	struct sp_diags d;
	memset(&cat, 0, sizeof(cat));
	cat.name = "test";
	cat.currency = "USD";
	cat.as_of = "2026-06";
	cat.hours_per_month = 730;
	cat.cross_az_gb = 0.01;
	cat.skus = skus;
	cat.nskus = 1;
	sp_diags_init(&d);
	memset(&o, 0, sizeof(o));
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = 1;
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", text, strlen(text), &d), 0);
	ck_assert_int_eq(sp_graph_build(&g, spec, &d), 0);
	ck_assert_int_eq(sp_forecast_run(&f, spec, g, &cat, &o, &d), 0);
	ck_assert_int_eq(spec->regions[0].zones, zones_check);
	double t = f->total[0 * f->npcts + 0];
	sp_forecast_free(f);
	sp_graph_free(g);
	sp_spec_free(spec);
	sp_diags_free(&d);
	return t;
}

/* 8,640,000 users x 1 request a day / 86400 = 100 requests/s (average =
 * peak); web calls api once per request. */
#define SPEC(ZONES, KB)                                                                          \
	"scaleplan: 1\nname: t\nhorizon: {start: 2027-01, months: 12}\n"                          \
	"drivers:\n  users: {start: 8640000, model: constant}\n"                                  \
	"regions:\n  - {name: r1, zones: " ZONES "}\n"                                              \
	"services:\n  web:\n    demand: {driver: users, requests_per_unit_per_day: 1}\n"           \
	"    work: {cpu_ms_per_request: 10}\n    instance: m7i.large\n"                           \
	"    calls: [{to: api, per_request: 1" KB "}]\n"                                            \
	"  api:\n    work: {cpu_ms_per_request: 10}\n    instance: m7i.large\n"

START_TEST(test_calls_cross_az)
{
	double base = month0_total(SPEC("3", ""), 3);
	double with = month0_total(SPEC("3", ", request_kb: 2, response_kb: 8"), 3);
	/* 100 calls/s x 10 KB x 2/3 crossing x 730 x 3600 s / 1e6 = 1,752 GB;
	 * x 2 x $0.01 (billed out of one zone and into the other) = $35.04 */
	ck_assert_double_eq_tol(with - base, 35.04, 1e-6);
	/* one zone: nothing crosses */
	double one = month0_total(SPEC("1", ", request_kb: 2, response_kb: 8"), 1);
	double one_base = month0_total(SPEC("1", ""), 1);
	ck_assert_double_eq_tol(one - one_base, 0, 1e-9);
	/* two zones: 1/2 crosses: 100 x 10 x 0.5 x 2,628,000 / 1e6 = 1,314 GB x 0.02 = $26.28 */
	double two = month0_total(SPEC("2", ", request_kb: 2, response_kb: 8"), 2);
	double two_base = month0_total(SPEC("2", ""), 2);
	ck_assert_double_eq_tol(two - two_base, 26.28, 1e-6);
}
END_TEST

Suite *suite_transfer(void)
{
	Suite *s = suite_create("transfer");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_calls_cross_az);
	suite_add_tcase(s, tc);
	return s;
}
