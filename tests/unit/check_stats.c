#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/stats.h"

Suite *suite_stats(void);

/* ---- generator ---------------------------------------------------------------- */

START_TEST(test_xoshiro_reference)
{
	/* xoshiro256** from the state {1, 2, 3, 4} (the reference implementation) */
	struct sp_rng r = { { 1, 2, 3, 4 } };
	ck_assert_uint_eq(sp_rng_next(&r), 11520u);
	ck_assert_uint_eq(sp_rng_next(&r), 0u);
	ck_assert_uint_eq(sp_rng_next(&r), 1509978240u);
}
END_TEST

START_TEST(test_rng_streams)
{
	enum { N = 1000 };
	static uint64_t a[N], b[N];
	struct sp_rng r;

	/* the same (seed, path) gives the same stream */
	sp_rng_init(&r, 42, 7);
	for (int i = 0; i < N; i++)
		a[i] = sp_rng_next(&r);
	sp_rng_init(&r, 42, 7);
	for (int i = 0; i < N; i++)
		b[i] = sp_rng_next(&r);
	ck_assert(memcmp(a, b, sizeof(a)) == 0);

	/* stream 0 is sp_rng_init; other streams, paths and seeds differ */
	sp_rng_init_stream(&r, 42, 7, 0);
	ck_assert_uint_eq(sp_rng_next(&r), a[0]);
	sp_rng_init_stream(&r, 42, 7, 1);
	ck_assert_uint_ne(sp_rng_next(&r), a[0]);
	sp_rng_init(&r, 42, 8);
	ck_assert_uint_ne(sp_rng_next(&r), a[0]);
	sp_rng_init(&r, 43, 7);
	ck_assert_uint_ne(sp_rng_next(&r), a[0]);

	/* paths drawn in any order, interleaved (as threads would), give the same
	 * numbers as drawn one by one */
	enum { P = 64, K = 16 };
	static double seq[P][K], mixed[P][K];
	struct sp_rng rs[P];
	for (int p = 0; p < P; p++) {
		sp_rng_init(&r, 2026, (uint64_t)p);
		for (int k = 0; k < K; k++)
			seq[p][k] = sp_rng_normal(&r);
	}
	for (int p = P - 1; p >= 0; p--)
		sp_rng_init(&rs[p], 2026, (uint64_t)p);
	for (int k = 0; k < K; k++)
		for (int p = 0; p < P; p++)
			mixed[(p * 37) % P][k] = sp_rng_normal(&rs[(p * 37) % P]);
	ck_assert(memcmp(seq, mixed, sizeof(seq)) == 0);

	/* neighbouring paths are not correlated */
	double sxy = 0, sxx = 0, syy = 0;
	for (int p = 0; p < 2000; p++) {
		struct sp_rng r1, r2;
		sp_rng_init(&r1, 1, (uint64_t)p);
		sp_rng_init(&r2, 1, (uint64_t)p + 1);
		double x = sp_rng_normal(&r1), y = sp_rng_normal(&r2);
		sxy += x * y;
		sxx += x * x;
		syy += y * y;
	}
	ck_assert(fabs(sxy / sqrt(sxx * syy)) < 0.1);   /* 4.5 sigma */
}
END_TEST

START_TEST(test_rng_distributions)
{
	enum { N = 200000 };
	struct sp_rng r;
	sp_rng_init(&r, 7, 0);
	double sum = 0, lo = 1, hi = 0;
	for (int i = 0; i < N; i++) {
		double u = sp_rng_uniform(&r);
		ck_assert(u > 0 && u < 1);
		sum += u;
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
	}
	ck_assert_double_eq_tol(sum / N, 0.5, 0.003);
	ck_assert(lo < 1e-4 && hi > 1 - 1e-4);

	double s1 = 0, s2 = 0;
	int below = 0;
	for (int i = 0; i < N; i++) {
		double z = sp_rng_normal(&r);
		s1 += z;
		s2 += z * z;
		below += z < SP_Z90;
	}
	ck_assert_double_eq_tol(s1 / N, 0.0, 0.01);
	ck_assert_double_eq_tol(s2 / N, 1.0, 0.015);
	ck_assert_double_eq_tol((double)below / N, 0.9, 0.004);
}
END_TEST

/* ---- normal quantile, lognormal fit ------------------------------------------------- */

START_TEST(test_norm_quantile)
{
	ck_assert_double_eq_tol(sp_stats_norm_quantile(0.975), 1.959963984540054, 1e-14);
	ck_assert_double_eq_tol(sp_stats_norm_quantile(0.9), SP_Z90, 1e-14);
	ck_assert_double_eq_tol(sp_stats_norm_quantile(0.99), 2.3263478740408408, 1e-14);
	ck_assert_double_eq_tol(sp_stats_norm_quantile(0.01), -2.3263478740408408, 1e-14);
	ck_assert_double_eq_tol(sp_stats_norm_quantile(1e-10), -6.361340902404056, 1e-12);
	ck_assert_double_eq(sp_stats_norm_quantile(0.5), 0.0);
	ck_assert(isinf(sp_stats_norm_quantile(0)) && sp_stats_norm_quantile(0) < 0);
	ck_assert(isinf(sp_stats_norm_quantile(1)) && sp_stats_norm_quantile(1) > 0);
	ck_assert(isnan(sp_stats_norm_quantile(1.5)));
	ck_assert(isnan(sp_stats_norm_quantile(NAN)));
	ck_assert(sp_stats_norm_quantile(5e-324) < -38);   /* subnormal: finite */
	/* round trip through the CDF, both tails, and odd symmetry */
	for (double p = 1e-300; p < 0.5; p *= 3.7) {
		double x = sp_stats_norm_quantile(p);
		ck_assert_msg(fabs(sp_stats_norm_cdf(x) - p) <= 1e-12 * p, "p=%g x=%.17g", p, x);
		ck_assert_double_eq(sp_stats_norm_quantile(1 - p), -sp_stats_norm_quantile(1 - (1 - p)));
	}
	for (double p = 0.5; p < 1; p += 0.0173) {
		double x = sp_stats_norm_quantile(p);
		ck_assert_double_eq_tol(sp_stats_norm_cdf(x), p, 4e-16);
	}
}
END_TEST

START_TEST(test_lognormal_fit)
{
	double mu, sigma;
	ck_assert_int_eq(sp_stats_lognormal_fit(&mu, &sigma, 1.3, 2.5), 0);
	ck_assert_double_eq_tol(mu, 0.5893, 5e-5);
	ck_assert_double_eq_tol(sigma, 0.2551, 5e-5);
	ck_assert_double_eq_tol(exp(mu), 1.8028, 5e-5);   /* the median */
	/* the fit goes back through the band */
	ck_assert_double_eq_tol(exp(mu - SP_Z90 * sigma), 1.3, 1e-12);
	ck_assert_double_eq_tol(exp(mu + SP_Z90 * sigma), 2.5, 1e-12);
	/* and draws land in it 80 % of the time */
	struct sp_rng r;
	int in = 0, n = 100000;
	for (int i = 0; i < n; i++) {
		sp_rng_init(&r, 99, (uint64_t)i);
		double x = sp_rng_lognormal(&r, mu, sigma);
		in += x >= 1.3 && x <= 2.5;
	}
	ck_assert_double_eq_tol((double)in / n, 0.8, 0.006);
	/* no spread */
	ck_assert_int_eq(sp_stats_lognormal_fit(&mu, &sigma, 2, 2), 0);
	ck_assert_double_eq(sigma, 0);
	ck_assert_int_eq(sp_stats_lognormal_fit(&mu, &sigma, 0, 2), SP_EINVAL);
	ck_assert_int_eq(sp_stats_lognormal_fit(&mu, &sigma, 3, 2), SP_EINVAL);
	ck_assert_int_eq(sp_stats_lognormal_fit(&mu, &sigma, 1, INFINITY), SP_EINVAL);
}
END_TEST

/* ---- percentiles and the newsvendor ---------------------------------------------------- */

START_TEST(test_percentile)
{
	double x[] = { 40, 15, 50, 35, 20 }, keep[5], v;
	memcpy(keep, x, sizeof(x));
	/* nearest rank, k = floor(p (n - 1) + 1/2) from 0, over {15,20,35,40,50}:
	 * p = 0.4 gives floor(2.1) = 2, the value 35 (interpolation would give 29) */
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.4), 0);
	ck_assert_double_eq(v, 35);
	ck_assert(memcmp(x, keep, sizeof(x)) == 0);   /* input untouched */
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0), 0);      /* floor(0.5) = 0 */
	ck_assert_double_eq(v, 15);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 1), 0);      /* floor(4.5) = 4 */
	ck_assert_double_eq(v, 50);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.5), 0);    /* floor(2.5) = 2 */
	ck_assert_double_eq(v, 35);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.1), 0);    /* floor(0.9) = 0 */
	ck_assert_double_eq(v, 15);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.9), 0);    /* floor(4.1) = 4 */
	ck_assert_double_eq(v, 50);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.375), 0);  /* 2.0 exactly: half rounds up */
	ck_assert_double_eq(v, 35);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, 0.37), 0);   /* floor(1.98) = 1 */
	ck_assert_double_eq(v, 20);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 1, 0.9), 0);    /* one value: itself */
	ck_assert_double_eq(v, 40);

	double s[] = { 1, 2, 3, 4 };
	ck_assert_double_eq(sp_stats_percentile_sorted(s, 4, 0.5), 3);   /* floor(2.0) = 2 */
	ck_assert_double_eq(sp_stats_percentile_sorted(s, 4, 0.1), 1);   /* floor(0.8) = 0 */
	ck_assert_double_eq(sp_stats_percentile_sorted(s, 4, 0.9), 4);   /* floor(3.2) = 3 */
	ck_assert(isnan(sp_stats_percentile_sorted(s, 0, 0.5)));
	ck_assert(isnan(sp_stats_percentile_sorted(s, 4, 1.1)));

	/* the ranks docs/model.md gives for 1,000 paths: p10, p50 and p90 are the
	 * 101st, 501st and 900th smallest (floor(100.4), floor(500), floor(899.6)) */
	ck_assert_uint_eq(sp_stats_rank(0.1, 1000), 100);
	ck_assert_uint_eq(sp_stats_rank(0.5, 1000), 500);
	ck_assert_uint_eq(sp_stats_rank(0.9, 1000), 899);
	ck_assert_uint_eq(sp_stats_rank(0, 1000), 0);
	ck_assert_uint_eq(sp_stats_rank(1, 1000), 999);
	ck_assert_uint_eq(sp_stats_rank(0.9, 1), 0);

	double bad[] = { 1, NAN, 3 };
	ck_assert_int_eq(sp_stats_percentile(&v, bad, 3, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 0, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_stats_percentile(&v, x, 5, -0.1), SP_EINVAL);

	/* p10 <= p50 <= p90 on any sample, several at once */
	struct sp_rng r;
	static double sample[999];
	for (int trial = 0; trial < 50; trial++) {
		sp_rng_init(&r, 5, (uint64_t)trial);
		size_t n = 1 + (size_t)(sp_rng_uniform(&r) * 999);
		for (size_t i = 0; i < n; i++)
			sample[i] = sp_rng_lognormal(&r, 0, 1.5) * (i % 3 ? 1 : -1);
		double ps[] = { 0.1, 0.5, 0.9 }, q[3];
		ck_assert_int_eq(sp_stats_percentiles(q, sample, n, ps, 3), 0);
		ck_assert(q[0] <= q[1] && q[1] <= q[2]);
		/* the selection (the forecast's path) gives the same values, in place */
		static double scratch[999];
		double qs[3];
		memcpy(scratch, sample, n * sizeof(double));
		sp_stats_select_percentiles(qs, scratch, n, ps, 3);
		for (int j = 0; j < 3; j++) {
			ck_assert_int_eq(sp_stats_percentile(&v, sample, n, ps[j]), 0);
			ck_assert_double_eq(v, q[j]);
			ck_assert_double_eq(qs[j], q[j]);
			/* always a value of the sample: the rank-th smallest */
			size_t below = 0, equal = 0;
			for (size_t i = 0; i < n; i++) {
				below += sample[i] < q[j];
				equal += sample[i] == q[j];
			}
			size_t k = sp_stats_rank(ps[j], n);
			ck_assert(equal > 0 && below <= k && k < below + equal);
		}
	}
	/* a constant sample, and the k-th smallest by selection */
	double c[] = { 7, 7, 7, 7 }, qc[3], ps[] = { 0.1, 0.5, 0.9 };
	sp_stats_select_percentiles(qc, c, 4, ps, 3);
	ck_assert(qc[0] == 7 && qc[1] == 7 && qc[2] == 7);
	double y[] = { 9, 1, 8, 2, 7, 3, 6, 4, 5, 5 };
	for (size_t k = 0; k < 10; k++) {
		double t[10];
		memcpy(t, y, sizeof(y));
		ck_assert_double_eq(sp_stats_select(t, 10, k), k < 5 ? (double)k + 1 : (double)k);
	}
}
END_TEST

START_TEST(test_newsvendor)
{
	/* demand 1..100, commitment at 40 % of the on-demand rate: L* = 60th value */
	static double d[100];
	for (int i = 0; i < 100; i++)
		d[99 - i] = i + 1;
	double level;
	ck_assert_int_eq(sp_stats_newsvendor(&level, d, 100, 0.4, 1.0), 0);
	ck_assert_double_eq(level, 60);
	/* it minimises the sample cost: no level on a fine grid does better */
	double best = sp_stats_newsvendor_cost(level, d, 100, 0.4, 1.0);
	for (double l = 0; l <= 101; l += 0.25)
		ck_assert(sp_stats_newsvendor_cost(l, d, 100, 0.4, 1.0) >= best - 1e-12);
	/* and saves against all on-demand */
	ck_assert(best < sp_stats_newsvendor_cost(0, d, 100, 0.4, 1.0));

	/* the same on a skewed sample, m7i.large 3-yr vs on-demand prices */
	struct sp_rng r;
	static double s[5000];
	for (int i = 0; i < 5000; i++) {
		sp_rng_init(&r, 11, (uint64_t)i);
		s[i] = 100 * sp_rng_lognormal(&r, 0.5893, 0.2551);
	}
	double rc = 0.0398, rod = 0.1008;
	ck_assert_int_eq(sp_stats_newsvendor(&level, s, 5000, rc, rod), 0);
	double q;
	ck_assert_int_eq(sp_stats_percentile(&q, s, 5000, 1 - rc / rod), 0);
	ck_assert_double_eq_tol(level, q, 0.5);   /* the (1 - rc/rod) quantile */
	best = sp_stats_newsvendor_cost(level, s, 5000, rc, rod);
	for (double l = 0; l < 400; l += 0.5)
		ck_assert(sp_stats_newsvendor_cost(l, s, 5000, rc, rod) >= best - 1e-9);

	/* the rank k = ceil(n (1 - rc/ro)), from 1, clamped to [1, n]: 12 months x
	 * 1,000 paths at 0.0655 and 0.1008 an hour (docs/model.md, 8.2) give
	 * ceil(12000 x 0.350198...) = ceil(4202.38) = 4203; 10 values at a ratio
	 * of 0.75 give ceil(7.5) = 8; a ratio near 1 still names a value */
	ck_assert_uint_eq(sp_stats_newsvendor_rank(12000, 0.0655, 0.1008), 4203);
	ck_assert_uint_eq(sp_stats_newsvendor_rank(10, 0.25, 1.0), 8);
	ck_assert_uint_eq(sp_stats_newsvendor_rank(10, 1e-9, 1.0), 10);
	ck_assert_uint_eq(sp_stats_newsvendor_rank(10, 1.0, 1.0), 0);
	ck_assert_uint_eq(sp_stats_newsvendor_rank(0, 0.25, 1.0), 0);
	double ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	ck_assert_int_eq(sp_stats_newsvendor(&level, ten, 10, 0.25, 1.0), 0);
	ck_assert_double_eq(level, 8);

	/* committing never pays when it costs as much as on-demand */
	ck_assert_int_eq(sp_stats_newsvendor(&level, d, 100, 1.0, 1.0), 0);
	ck_assert_double_eq(level, 0);
	ck_assert_int_eq(sp_stats_newsvendor(&level, d, 0, 0.4, 1.0), SP_EINVAL);
	ck_assert_int_eq(sp_stats_newsvendor(&level, d, 100, 0, 1.0), SP_EINVAL);
}
END_TEST

Suite *suite_stats(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_xoshiro_reference);
	tcase_add_test(tc, test_rng_streams);
	tcase_add_test(tc, test_rng_distributions);
	tcase_add_test(tc, test_norm_quantile);
	tcase_add_test(tc, test_lognormal_fit);
	tcase_add_test(tc, test_percentile);
	tcase_add_test(tc, test_newsvendor);
	suite_add_tcase(s, tc);
	return s;
}
