#include <check.h>
#include <math.h>
#include <string.h>

#include "model/growth.h"

Suite *suite_growth(void);

#define MONTH(y, m) ((y) * 12 + (m) - 1)

static struct sp_driver driver(enum sp_driver_model model, double d0)
{
	struct sp_driver d;
	memset(&d, 0, sizeof(d));
	d.name = "users";
	d.model = model;
	d.start = d0;
	for (int i = 0; i < 12; i++)
		d.seasonality[i] = 1.0;
	return d;
}

START_TEST(test_monthly_rate)
{
	/* doubling yearly = 5.946 % a month */
	double g = sp_growth_monthly_rate(1.0);
	ck_assert_double_eq_tol(g, 0.05946, 5e-6);
	ck_assert_double_eq_tol(pow(1 + g, 12), 2.0, 1e-14);
	ck_assert_double_eq(sp_growth_monthly_rate(0.0), 0.0);
	ck_assert_double_eq_tol(sp_growth_monthly_rate(-0.5), pow(0.5, 1.0 / 12) - 1, 1e-15);
	ck_assert_double_eq_tol(sp_growth_monthly_rate(1e-9), 1e-9 / 12 - 11e-18 / 288, 1e-25);   /* no cancellation */
	ck_assert(isnan(sp_growth_monthly_rate(-1.0)));
}
END_TEST

START_TEST(test_exponential)
{
	double v[37];
	struct sp_driver d = driver(SP_DRV_EXPONENTIAL, 100);
	d.growth_is_annual = 1;
	d.annual_growth = 1.0;   /* monthly_growth left 0: derived here */
	ck_assert_int_eq(sp_growth_fill(v, 37, &d, MONTH(2027, 1), 1.0), 0);
	ck_assert_double_eq_tol(v[0], 100, 1e-12);
	ck_assert_double_eq_tol(v[12], 200, 1e-10);
	ck_assert_double_eq_tol(v[24], 400, 1e-10);
	ck_assert_double_eq_tol(v[36], 800, 1e-9);
	ck_assert_double_eq_tol(v[1], 105.946309, 1e-6);

	/* the Monte Carlo multiplier scales the monthly rate */
	d.growth_is_annual = 0;
	d.monthly_growth = 0.02;
	ck_assert_int_eq(sp_growth_fill(v, 37, &d, MONTH(2027, 1), 1.5), 0);
	for (int m = 0; m < 37; m++)
		ck_assert_double_eq_tol(v[m], 100 * pow(1.03, m), 1e-9 * v[m]);
	/* decline, and a multiplier that would take the base below 0 */
	d.monthly_growth = -0.6;
	ck_assert_int_eq(sp_growth_fill(v, 3, &d, MONTH(2027, 1), 2.0), 0);
	ck_assert(v[0] == 100 && v[1] == 0 && v[2] == 0);
	d.monthly_growth = -1.0;
	ck_assert_int_eq(sp_growth_fill(v, 3, &d, MONTH(2027, 1), 1.0), SP_EINVAL);
}
END_TEST

START_TEST(test_linear_constant)
{
	double v[24];
	struct sp_driver d = driver(SP_DRV_LINEAR, 1000);
	d.per_month = 50;
	ck_assert_int_eq(sp_growth_fill(v, 24, &d, MONTH(2026, 6), 1.0), 0);
	ck_assert_double_eq(v[0], 1000);
	ck_assert_double_eq(v[10], 1500);
	ck_assert_int_eq(sp_growth_fill(v, 24, &d, MONTH(2026, 6), 0.5), 0);
	ck_assert_double_eq(v[10], 1250);
	/* demand never goes negative */
	d.per_month = -100;
	ck_assert_int_eq(sp_growth_fill(v, 24, &d, MONTH(2026, 6), 1.0), 0);
	ck_assert_double_eq(v[9], 100);
	ck_assert_double_eq(v[10], 0);
	ck_assert_double_eq(v[23], 0);

	struct sp_driver c = driver(SP_DRV_CONSTANT, 42);
	c.monthly_growth = 0.5;   /* ignored */
	ck_assert_int_eq(sp_growth_fill(v, 24, &c, 0, 3.0), 0);
	for (int m = 0; m < 24; m++)
		ck_assert_double_eq(v[m], 42);
	ck_assert_int_eq(sp_growth_fill(v, 0, &c, 0, 1.0), 0);
}
END_TEST

START_TEST(test_logistic)
{
	double v[120];
	struct sp_driver d = driver(SP_DRV_LOGISTIC, 1000);
	d.ceiling = 100000;
	d.monthly_growth = 0.15;
	ck_assert_int_eq(sp_growth_fill(v, 120, &d, MONTH(2027, 1), 1.0), 0);
	ck_assert_double_eq_tol(v[0], 1000, 1e-9);
	for (int m = 1; m < 120; m++)
		ck_assert(v[m] > v[m - 1] && v[m] < d.ceiling);
	ck_assert(v[119] > 0.999 * d.ceiling);   /* approaches K */
	/* K/2 at m = ln((K - D0)/D0)/r */
	double mid = log(99.0) / 0.15;   /* 30.63 */
	ck_assert(v[30] < 50000 && v[31] > 50000);
	ck_assert_double_eq_tol(100000 / (1 + 99 * exp(-0.15 * mid)), 50000, 1e-6);
	ck_assert_double_eq_tol(v[30], 100000 / (1 + 99 * exp(-0.15 * 30)), 1e-9);
	/* a higher draw grows faster */
	double w[120];
	ck_assert_int_eq(sp_growth_fill(w, 120, &d, MONTH(2027, 1), 1.4), 0);
	for (int m = 1; m < 120; m++)
		ck_assert(w[m] > v[m]);
	/* above K it settles down to K */
	d.start = 150000;
	ck_assert_int_eq(sp_growth_fill(v, 120, &d, MONTH(2027, 1), 1.0), 0);
	ck_assert(v[1] < v[0] && v[119] > 100000 && v[119] < 100100);
	d.start = 0;
	ck_assert_int_eq(sp_growth_fill(v, 12, &d, MONTH(2027, 1), 1.0), SP_EINVAL);
	d.start = 10;
	d.ceiling = 0;
	ck_assert_int_eq(sp_growth_fill(v, 12, &d, MONTH(2027, 1), 1.0), SP_EINVAL);
}
END_TEST

START_TEST(test_piecewise)
{
	struct sp_point pts[] = {
		{ .month = MONTH(2027, 1), .value = 100 },
		{ .month = MONTH(2027, 7), .value = 160 },
		{ .month = MONTH(2028, 1), .value = 100 },
	};
	struct sp_driver d = driver(SP_DRV_PIECEWISE, 0);
	d.points = pts;
	d.npoints = 3;
	double v[20];
	sp_month start = MONTH(2026, 11);
	ck_assert_int_eq(sp_growth_fill(v, 20, &d, start, 1.0), 0);
	ck_assert_double_eq(v[0], 100);                 /* 2026-11: before the first point */
	ck_assert_double_eq(v[2], 100);                 /* 2027-01 */
	ck_assert_double_eq_tol(v[5], 130, 1e-12);     /* 2027-04: halfway up */
	ck_assert_double_eq(v[8], 160);                 /* 2027-07 */
	ck_assert_double_eq_tol(v[10], 140, 1e-12);    /* 2027-09 */
	ck_assert_double_eq(v[14], 100);                /* 2028-01 */
	ck_assert_double_eq(v[19], 100);                /* after the last: held */
	/* g_mult scales the rise over the first point */
	ck_assert_int_eq(sp_growth_fill(v, 20, &d, start, 2.0), 0);
	ck_assert_double_eq(v[0], 100);
	ck_assert_double_eq_tol(v[5], 160, 1e-12);
	ck_assert_double_eq_tol(v[8], 220, 1e-12);
	/* starting after the last point */
	ck_assert_int_eq(sp_growth_fill(v, 3, &d, MONTH(2030, 1), 1.0), 0);
	ck_assert_double_eq(v[2], 100);
	/* a step: two points on one month, the later wins from there on */
	struct sp_point step[] = {
		{ .month = MONTH(2027, 1), .value = 10 },
		{ .month = MONTH(2027, 3), .value = 10 },
		{ .month = MONTH(2027, 3), .value = 50 },
	};
	d.points = step;
	ck_assert_int_eq(sp_growth_fill(v, 4, &d, MONTH(2027, 1), 1.0), 0);
	ck_assert(v[0] == 10 && v[1] == 10 && v[2] == 50 && v[3] == 50);
	/* one point: constant */
	d.npoints = 1;
	ck_assert_int_eq(sp_growth_fill(v, 4, &d, MONTH(2020, 1), 1.0), 0);
	ck_assert(v[0] == 10 && v[3] == 10);
	/* errors */
	d.npoints = 0;
	ck_assert_int_eq(sp_growth_fill(v, 4, &d, 0, 1.0), SP_EINVAL);
	struct sp_point unsorted[] = { { .month = 5, .value = 1 }, { .month = 3, .value = 2 } };
	d.points = unsorted;
	d.npoints = 2;
	ck_assert_int_eq(sp_growth_fill(v, 4, &d, 0, 1.0), SP_EINVAL);
}
END_TEST

START_TEST(test_season_events)
{
	struct sp_driver d = driver(SP_DRV_CONSTANT, 1);
	d.seasonality[10] = 1.3;   /* november */
	d.seasonality[11] = 1.6;   /* december */
	ck_assert_double_eq(sp_growth_season(&d, MONTH(2027, 11)), 1.3);
	ck_assert_double_eq(sp_growth_season(&d, MONTH(2028, 12)), 1.6);
	ck_assert_double_eq(sp_growth_season(&d, MONTH(2028, 1)), 1.0);
	d.seasonality[0] = 0;   /* unset counts as absent */
	ck_assert_double_eq(sp_growth_season(&d, MONTH(2028, 1)), 1.0);

	struct sp_event ev[] = {
		{ .name = "black-friday", .month = MONTH(2027, 11), .multiplier = 3.0 },
		{ .name = "launch", .month = MONTH(2027, 11), .multiplier = 1.5 },
		{ .name = "keynote", .month = MONTH(2028, 6), .multiplier = 2.0 },
	};
	d.events = ev;
	d.nevents = 3;
	ck_assert_double_eq(sp_growth_event(&d, MONTH(2027, 11)), 4.5);
	ck_assert_double_eq(sp_growth_event(&d, MONTH(2028, 6)), 2.0);
	ck_assert_double_eq(sp_growth_event(&d, MONTH(2028, 11)), 1.0);   /* a date, not a calendar month */
	d.nevents = 0;
	ck_assert_double_eq(sp_growth_event(&d, MONTH(2027, 11)), 1.0);
}
END_TEST

START_TEST(test_growth_errors_and_monotone)
{
	double v[60], w[60];
	struct sp_driver d = driver(SP_DRV_EXPONENTIAL, 10);
	d.monthly_growth = 0.03;
	ck_assert_int_eq(sp_growth_fill(v, -1, &d, 0, 1.0), SP_EINVAL);
	ck_assert_int_eq(sp_growth_fill(v, 5, &d, 0, -0.1), SP_EINVAL);
	ck_assert_int_eq(sp_growth_fill(v, 5, &d, 0, NAN), SP_EINVAL);
	d.start = INFINITY;
	ck_assert_int_eq(sp_growth_fill(v, 5, &d, 0, 1.0), SP_EINVAL);

	/* for a growing driver a larger draw never gives less demand */
	struct sp_point pts[] = { { .month = 3, .value = 5 }, { .month = 40, .value = 90 } };
	enum sp_driver_model models[] = { SP_DRV_LINEAR, SP_DRV_EXPONENTIAL, SP_DRV_LOGISTIC,
					  SP_DRV_PIECEWISE };
	for (size_t i = 0; i < 4; i++) {
		d = driver(models[i], 10);
		d.per_month = 2;
		d.monthly_growth = 0.04;
		d.ceiling = 500;
		d.points = pts;
		d.npoints = 2;
		for (double g = 0; g < 3; g += 0.25) {
			ck_assert_int_eq(sp_growth_fill(v, 60, &d, 0, g), 0);
			ck_assert_int_eq(sp_growth_fill(w, 60, &d, 0, g + 0.25), 0);
			for (int m = 0; m < 60; m++)
				ck_assert(w[m] >= v[m] && v[m] >= 0);
		}
	}
}
END_TEST

Suite *suite_growth(void)
{
	Suite *s = suite_create("growth");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_monthly_rate);
	tcase_add_test(tc, test_exponential);
	tcase_add_test(tc, test_linear_constant);
	tcase_add_test(tc, test_logistic);
	tcase_add_test(tc, test_piecewise);
	tcase_add_test(tc, test_season_events);
	tcase_add_test(tc, test_growth_errors_and_monotone);
	suite_add_tcase(s, tc);
	return s;
}
