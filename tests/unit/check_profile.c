/* Daily load profiles of autoscaled fleets (model/profile.c): the rescaling to
 * a peak-to-average ratio, the hourly instances, the bill and the newsvendor
 * level over the hours, each worked by hand; and the forecast and the loader
 * that use them. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/desired.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/profile.h"
#include "model/spec.h"

Suite *suite_profile(void);

/* 4 hours at the peak (18:00 to 21:00), 20 hours at a fifth of it: the average
 * is (4 x 1 + 20 x 0.2) / 24 = 8/24 = 1/3 of the peak, so peak/average = 3 */
static void flat_top(double *d)
{
	for (int h = 0; h < 24; h++)
		d[h] = h >= 18 && h <= 21 ? 1.0 : 0.2;
}

START_TEST(test_flat_top_used_as_given)
{
	double d[24];
	struct sp_profile pf;
	flat_top(d);
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 3, NULL, 0), 0);
	ck_assert_int_eq(pf.hours, 24);
	ck_assert_int_eq(pf.nlevels, 2);
	ck_assert_double_eq(pf.beta, 1);
	ck_assert_double_eq(pf.level[0], 1);
	ck_assert_double_eq(pf.level[1], 0.2);
	ck_assert_int_eq(pf.mult[0], 4);
	ck_assert_int_eq(pf.mult[1], 20);
	ck_assert_double_eq_tol(pf.ratio, 3, 1e-12);
}
END_TEST

START_TEST(test_power_rescaling)
{
	/* 12 hours at 1, 12 at 0.5: ratio(beta) = 24 / (12 + 12 x 0.5^beta); for
	 * 1.6: 12 + 12 x 0.5^beta = 15, 0.5^beta = 0.25, beta = 2 */
	double d[24];
	struct sp_profile pf;
	for (int h = 0; h < 24; h++)
		d[h] = h < 12 ? 2.0 : 1.0;   /* only the shape matters */
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 1.6, NULL, 0), 0);
	ck_assert_double_eq_tol(pf.beta, 2, 1e-9);
	ck_assert_double_eq_tol(pf.level[1], 0.25, 1e-9);
	ck_assert_double_eq_tol(pf.ratio, 1.6, 1e-9);
	/* peak_to_average 1: flat, one level */
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 1, NULL, 0), 0);
	ck_assert_int_eq(pf.nlevels, 1);
	ck_assert_int_eq(pf.mult[0], 24);
	ck_assert_double_eq(pf.ratio, 1);
}
END_TEST

START_TEST(test_unreachable_and_bad)
{
	double d[24];
	char err[200];
	struct sp_profile pf;
	flat_top(d);
	/* 4 of 24 hours at the peak: the ratio stays below 24/4 = 6 */
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 5.9, NULL, 0), 0);
	ck_assert_double_eq_tol(pf.ratio, 5.9, 1e-9);
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 6, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "peak_to_average 6 cannot be reached: 4 of the profile's 24 hours are at its peak, "
			      "so its peak is less than 6 times its average");
	d[3] = 0;
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 2, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "every factor of a profile must be a number above 0");
}
END_TEST

START_TEST(test_weekly)
{
	/* flat days, weekends at half: 120 hours at 1, 48 at 0.5, the average
	 * (120 + 24) / 168 = 6/7, peak/average 7/6 as given */
	double d[24], wk[7] = { 1, 1, 1, 1, 1, 0.5, 0.5 };
	struct sp_profile pf;
	for (int h = 0; h < 24; h++)
		d[h] = 1;
	ck_assert_int_eq(sp_profile_build(&pf, d, wk, 7.0 / 6.0, NULL, 0), 0);
	ck_assert_int_eq(pf.hours, 168);
	ck_assert_int_eq(pf.nlevels, 2);
	ck_assert_int_eq(pf.mult[0], 120);
	ck_assert_int_eq(pf.mult[1], 48);
	ck_assert_double_eq_tol(pf.level[1], 0.5, 1e-12);
	ck_assert_double_eq_tol(pf.beta, 1, 1e-12);
}
END_TEST

START_TEST(test_class_defaults)
{
	/* web follows its load; worker, batch and dev are billed at their peak */
	ck_assert_int_eq(sp_profile_class_autoscale(SP_CLASS_WEB), 1);
	ck_assert_int_eq(sp_profile_class_autoscale(SP_CLASS_WORKER), 0);
	ck_assert_int_eq(sp_profile_class_autoscale(SP_CLASS_BATCH), 0);
	ck_assert_int_eq(sp_profile_class_autoscale(SP_CLASS_DEV), 0);
	for (int c = SP_CLASS_WEB; c <= SP_CLASS_DEV; c++) {
		const double *v = sp_profile_class_curve((enum sp_class)c);
		int peaks = 0;
		for (int h = 0; h < 24; h++) {
			ck_assert(v[h] > 0 && v[h] <= 1);
			peaks += v[h] == 1;
		}
		ck_assert_int_eq(peaks, 1);   /* any peak_to_average below 24 is reachable */
	}
	/* the web curve's own ratio: 24 / 16.62 = 1.4440 (docs/model.md) */
	struct sp_profile pf;
	ck_assert_int_eq(sp_profile_build(&pf, sp_profile_class_curve(SP_CLASS_WEB), NULL, 1.444043321299639, NULL, 0),
			 0);
	ck_assert_double_eq_tol(pf.beta, 1, 1e-9);
}
END_TEST

/* ---- hourly instances and the bill --------------------------------------------------------- */

static const struct sp_sku m7i = { "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1008, 0.0605, 0.0398, 0 };

struct sized {
	struct sp_service s;
	int zones;
	int calls;
};

static int size_fn(void *ctx, double rate)
{
	struct sized *z = ctx;
	z->calls++;
	return sp_fc_service_size(&z->s, &m7i, z->zones, 0, rate, 1, NULL);
}

static void web_service(struct sized *z, int zones, int min)
{
	memset(z, 0, sizeof(*z));
	z->s.name = "web";
	z->s.cpu_ms_per_request = 100;
	z->s.target_utilization = 0.5;
	z->s.min = min;
	z->zones = zones;
}

START_TEST(test_hourly_instances_and_bill)
{
	double d[24];
	int cnt[SP_PROFILE_MAX_HOURS];
	struct sp_profile pf;
	struct sized z;
	flat_top(d);
	ck_assert_int_eq(sp_profile_build(&pf, d, NULL, 3, NULL, 0), 0);
	web_service(&z, 3, 1);
	/* peak 300 rps x 100 ms: A = 30, 60 vCPUs at 50 %, 30 m7i.large, with one
	 * of 3 zones lost ceil(30 x 3/2) = 45. Quiet hours 60 rps: A = 6, 12
	 * vCPUs, 6 instances, ceil(6 x 1.5) = 9. */
	long ih = sp_profile_counts(cnt, &pf, 300, size_fn, &z);
	ck_assert_int_eq(cnt[0], 45);
	ck_assert_int_eq(cnt[1], 9);
	/* instance-hours of a day: 4 x 45 + 20 x 9 = 360; on average 15 */
	ck_assert_int_eq(ih, 360);
	ck_assert_double_eq(sp_profile_mean(&pf, cnt), 15);
	/* all on demand: 15 x $0.1008 x 730 = $1,103.76 a month, against the
	 * peak's 45 x $0.1008 x 730 = $3,311.28 (a third) */
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, cnt, 0, 0, 0.1008 * 730), 1103.76, 1e-9);
	/* min holds: min 12 lifts the quiet hours to 12: (180 + 240) / 24 = 17.5 */
	web_service(&z, 3, 12);
	sp_profile_counts(cnt, &pf, 300, size_fn, &z);
	ck_assert_int_eq(cnt[1], 12);
	ck_assert_double_eq(sp_profile_mean(&pf, cnt), 17.5);
	/* the zone floor holds: peak 40 rps, A = 4, 8 vCPUs, 4 instances, 6 over
	 * 3 zones; quiet 8 rps, A = 0.8, 2 vCPUs (stable), 1 instance, which the
	 * zones lift to ceil(1.5) = 2, then to 3 (one a zone): (24 + 60)/24 = 3.5 */
	web_service(&z, 3, 1);
	sp_profile_counts(cnt, &pf, 40, size_fn, &z);
	ck_assert_int_eq(cnt[0], 6);
	ck_assert_int_eq(cnt[1], 3);
	ck_assert_double_eq(sp_profile_mean(&pf, cnt), 3.5);
}
END_TEST

START_TEST(test_monotone_fill_skips_equal_levels)
{
	/* 24 distinct levels; at a small peak every hour needs the zone floor,
	 * so only the two ends are sized */
	struct sp_profile pf;
	struct sized z;
	int cnt[SP_PROFILE_MAX_HOURS];
	ck_assert_int_eq(sp_profile_build(&pf, sp_profile_class_curve(SP_CLASS_WEB), NULL, 3, NULL, 0), 0);
	ck_assert_int_eq(pf.nlevels, 20);   /* 24 hours; 0.28 twice, 0.85 three times, 0.86 twice */
	web_service(&z, 3, 1);
	sp_profile_counts(cnt, &pf, 1, size_fn, &z);
	ck_assert_int_eq(z.calls, 2);
	for (int k = 0; k < pf.nlevels; k++)
		ck_assert_int_eq(cnt[k], 3);
	/* at a large peak every level is its own sizing */
	z.calls = 0;
	sp_profile_counts(cnt, &pf, 20000, size_fn, &z);
	for (int k = 0; k < pf.nlevels; k++)
		ck_assert_int_eq(cnt[k], sp_fc_service_size(&z.s, &m7i, 3, 0, 20000 * pf.level[k], 1, NULL));
}
END_TEST

START_TEST(test_newsvendor_over_hours)
{
	/* one month of one path: 6 hours need 10 instances, 18 need 4. Commit at
	 * 0.6, above at 1.0 (per instance-month): rank ceil(24 x (1 - 0.6)) =
	 * ceil(9.6) = 10; the 10th smallest hourly need is 4 (18 hours at 4).
	 * Cost at 4: 4 x 0.6 + 6 x (10 - 4)/24 = 2.4 + 1.5 = 3.9; at 3:
	 * 1.8 + (6 x 7 + 18 x 1)/24 = 4.3; at 5: 3.0 + 6 x 5/24 = 4.25; none: 5.5 */
	struct sp_profile pf;
	size_t hist[16];
	int rows[2] = { 10, 4 };
	memset(&pf, 0, sizeof(pf));
	pf.hours = 24;
	pf.nlevels = 2;
	pf.level[0] = 1, pf.level[1] = 0.4;
	pf.mult[0] = 6, pf.mult[1] = 18;
	ck_assert_int_eq(sp_profile_newsvendor(&pf, rows, 1, 4, 10, 0.6, 1.0, hist), 4);
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, rows, 4, 0.6, 1.0), 3.9, 1e-12);
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, rows, 3, 0.6, 1.0), 4.3, 1e-12);
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, rows, 5, 0.6, 1.0), 4.25, 1e-12);
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, rows, 0, 0.6, 1.0), 5.5, 1e-12);
	/* commit at 0.2: rank ceil(24 x 0.8) = 20, past the 18 hours at 4: 10;
	 * cost 10 x 0.2 = 2.0 against 4 x 0.2 + 1.5 = 2.3 at 4 */
	ck_assert_int_eq(sp_profile_newsvendor(&pf, rows, 1, 4, 10, 0.2, 1.0, hist), 10);
	ck_assert_double_eq_tol(sp_profile_month_cost(&pf, rows, 10, 0.2, 1.0), 2.0, 1e-12);
	/* committing does not pay */
	ck_assert_int_eq(sp_profile_newsvendor(&pf, rows, 1, 4, 10, 1.0, 1.0, hist), 0);
}
END_TEST

/* ---- through the forecast and the desired state ------------------------------------------------ */

static struct sp_sku skus[] = {
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
};

static void make_catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->skus = skus;
	c->nskus = 1;
}

/* 2,592,000 users x 10 a day / 86400 = 300 rps on average; each service has
 * peak_to_average 3 and the flat-topped profile: a peak of 900 rps, 180 in
 * the quiet hours */
static const char spec_text[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 1}\n"
	"drivers:\n"
	"  users: {start: 2592000, model: constant}\n"
	"regions:\n"
	"  - {name: r1, zones: 3}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 3}\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"    scaling:\n"
	"      profile: [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2,\n"
	"                0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 1, 1, 1, 1, 0.2, 0.2]\n"
	"  jobs:\n"
	"    class: worker\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 3}\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"    scaling: {max: 200}\n";

START_TEST(test_forecast_bills_hours_fixed_fleet_unchanged)
{
	struct sp_catalog cat;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_forecast_opts o;
	struct sp_diags d;
	make_catalog(&cat);
	memset(&o, 0, sizeof(o));
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = 1;
	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", spec_text, sizeof(spec_text) - 1, &d), 0);
	ck_assert_int_eq(sp_graph_build(&g, spec, &d), 0);
	ck_assert_int_eq(sp_forecast_run(&f, spec, g, &cat, &o, &d), 0);
	ck_assert_int_eq(f->paths, 1);
	const struct sp_fc_line *web = NULL, *jobs = NULL;
	for (size_t i = 0; i < f->nlines; i++) {
		if (!strcmp(f->lines[i].name, "web"))
			web = &f->lines[i];
		if (!strcmp(f->lines[i].name, "jobs"))
			jobs = &f->lines[i];
	}
	ck_assert_ptr_nonnull(web);
	ck_assert_ptr_nonnull(jobs);
	/* peak 900 rps: A = 90, 180 vCPUs, 90 instances, 135 over 3 zones; quiet
	 * 180 rps: A = 18, 36 vCPUs, 18 instances, 27 over 3 zones */
	ck_assert_double_eq(sp_fc_value(f, web, 0, SP_FC_UNITS, 1), 135);
	ck_assert_double_eq(sp_fc_region_value(f, web, 0, 0, SP_FC_R_MIN_UNITS, 1), 27);
	/* on demand: (4 x 135 + 20 x 27) / 24 = 1080 / 24 = 45 instances on
	 * average, 45 x $0.1 x 730 = $3,285 (the peak would be $9,855) */
	ck_assert_double_eq_tol(sp_fc_value(f, web, 0, SP_FC_COST_OD, 1), 3285, 1e-6);
	/* the newsvendor over the hours: the 1-year commitment ($0.06 against
	 * $0.10) commits at rank ceil(24 x 0.4) = 10: 27 (20 hours at 27); the
	 * 3-year one ($0.04) at rank ceil(24 x 0.6) = 15: 27 as well. 36 months
	 * of $0.04 over one month of horizon cost more than 12 of $0.06, so
	 * 1-year: 27 x 0.06 x 730 + 4 x (135 - 27) x 0.1 x 730 / 24
	 * = 1182.6 + 1314 = $2,496.60 */
	ck_assert_int_eq(web->commit_term_months, 12);
	ck_assert_int_eq(web->commit_levels[0], 27);
	ck_assert_double_eq_tol(sp_fc_value(f, web, 0, SP_FC_COST, 1), 2496.6, 1e-6);
	/* the worker is a fixed fleet, billed at its peak, 135, all month as
	 * before: spot (0.1 x (1 - 0.6) = $0.04 an hour, plus 10 % for
	 * interruptions) is below the 1-year commitment, so all spot:
	 * 135 x 0.04 x 1.1 x 730 = $4,336.20; on demand 135 x 0.1 x 730 */
	ck_assert_double_eq(sp_fc_value(f, jobs, 0, SP_FC_UNITS, 1), 135);
	ck_assert_double_eq(sp_fc_region_value(f, jobs, 0, 0, SP_FC_R_MIN_UNITS, 1), 135);
	ck_assert_double_eq_tol(sp_fc_value(f, jobs, 0, SP_FC_COST_OD, 1), 135 * 0.1 * 730, 1e-6);
	ck_assert_double_eq_tol(sp_fc_value(f, jobs, 0, SP_FC_COST, 1), 4336.2, 1e-6);

	/* the desired state: an autoscaling group for web, one count for jobs */
	struct sp_resource_set rs;
	struct sp_arena a;
	sp_arena_init(&a);
	ck_assert_int_eq(sp_desired_build(&rs, &a, spec, g, f, 0, 1), 0);
	int seen = 0;
	for (size_t i = 0; i < rs.n; i++) {
		const struct sp_resource *r = &rs.v[i];
		const struct sp_attr *mn = sp_resource_attr(r, "min_size"), *mx = sp_resource_attr(r, "max_size"),
				     *t = sp_resource_attr(r, "target_cpu_utilization");
		if (!strcmp(r->name, "web")) {
			ck_assert_ptr_nonnull(mn);
			ck_assert_ptr_nonnull(mx);
			ck_assert_ptr_nonnull(t);
			ck_assert_double_eq(mn->n, 27);
			ck_assert_double_eq(mx->n, 135);
			ck_assert_double_eq(t->n, 0.5);
			ck_assert_double_eq(sp_resource_attr(r, "instances")->n, 135);
			seen++;
		} else if (!strcmp(r->name, "jobs")) {
			ck_assert_ptr_null(mn);
			ck_assert_ptr_null(mx);
			ck_assert_ptr_null(t);
			seen++;
		}
	}
	ck_assert_int_eq(seen, 2);
	sp_arena_free(&a);
	sp_forecast_free(f);
	sp_graph_free(g);
	sp_spec_free(spec);
	sp_diags_free(&d);
}
END_TEST

/* ---- the loader -------------------------------------------------------------------------------- */

static char *load_error(const char *text)
{
	struct sp_spec *spec = NULL;
	struct sp_diags d;
	static char msg[400];
	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", text, strlen(text), &d), -1);
	ck_assert_ptr_null(spec);
	ck_assert_uint_ge(d.n, 1);
	snprintf(msg, sizeof(msg), "%d:%d: %s", (int)d.v[0].pos.line, (int)d.v[0].pos.col, d.v[0].msg);
	sp_diags_free(&d);
	return msg;
}

#define HEAD                                                                                        \
	"scaleplan: 1\nname: t\nhorizon: {start: 2027-01, months: 1}\n"                             \
	"drivers:\n  users: {start: 1000, model: constant}\nregions:\n  - {name: r1, zones: 3}\n"    \
	"services:\n  web:\n"                                                                       \
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 6}\n"         \
	"    work: {cpu_ms_per_request: 100}\n    instance: m7i.large\n"

START_TEST(test_loader_errors)
{
	/* line 13 is the scaling line; the list starts at column 24 */
	ck_assert_str_eq(load_error(HEAD "    scaling: {profile: [1, 2, 3]}\n"),
			 "13:24: 'profile' needs 24 factors (one per hour, 0 to 23), got 3");
	ck_assert_str_eq(load_error(HEAD "    scaling: {weekly: [1, 1, 1, 1, 1, 0, 1]}\n"),
			 "13:39: 'weekly' must be greater than 0, got 0");
	ck_assert_str_eq(load_error(HEAD "    scaling: {autoscale: maybe}\n"),
			 "13:26: 'autoscale' must be true or false, not 'maybe'");
	/* peak_to_average 6 with 4 of 24 hours at the peak */
	ck_assert_str_eq(load_error(HEAD "    scaling: {profile: [1, 1, 1, 1, .2, .2, .2, .2, .2, .2, .2, .2, "
					 ".2, .2, .2, .2, .2, .2, .2, .2, .2, .2, .2, .2]}\n"),
			 "13:24: service 'web': peak_to_average 6 cannot be reached: 4 of the profile's 24 hours are "
			 "at its peak, so its peak is less than 6 times its average");
}
END_TEST

START_TEST(test_loader_keys)
{
	struct sp_spec *spec = NULL;
	struct sp_diags d;
	static const char text[] = HEAD "    scaling: {autoscale: false}\n"
					"  api:\n    work: {cpu_ms_per_request: 10}\n    instance: m7i.large\n"
					"    scaling: {weekly: [1, 1, 1, 1, 1, 0.5, 0.5]}\n";
	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load_string(&spec, "t.yaml", text, sizeof(text) - 1, &d), 0);
	ck_assert_int_eq(spec->services[0].autoscale, 0);
	ck_assert_int_eq(spec->services[1].autoscale, 1);   /* web by default */
	ck_assert_int_eq(spec->services[1].has_weekly, 1);
	ck_assert_int_eq(spec->services[1].has_profile, 0);
	ck_assert_double_eq(spec->services[1].weekly[6], 0.5);
	sp_spec_free(spec);
	sp_diags_free(&d);
}
END_TEST

Suite *suite_profile(void)
{
	Suite *s = suite_create("profile");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_flat_top_used_as_given);
	tcase_add_test(tc, test_power_rescaling);
	tcase_add_test(tc, test_unreachable_and_bad);
	tcase_add_test(tc, test_weekly);
	tcase_add_test(tc, test_class_defaults);
	tcase_add_test(tc, test_hourly_instances_and_bill);
	tcase_add_test(tc, test_monotone_fill_skips_equal_levels);
	tcase_add_test(tc, test_newsvendor_over_hours);
	tcase_add_test(tc, test_forecast_bills_hours_fixed_fleet_unchanged);
	tcase_add_test(tc, test_loader_errors);
	tcase_add_test(tc, test_loader_keys);
	suite_add_tcase(s, tc);
	return s;
}
