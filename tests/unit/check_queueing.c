#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>

#include "model/gpu.h"
#include "model/queueing.h"

Suite *suite_queueing(void);

#define ck_close(x, y, rel)                                                                    \
	ck_assert_msg(fabs((double)(x) - (double)(y)) <= (rel) * fabs((double)(y)),              \
		      "%s = %.17g, expected %.17g (rel %g)", #x, (double)(x), (double)(y),      \
		      (double)(rel))

/* ---- independent references -------------------------------------------------- */

/* Erlang C straight from the stationary distribution of the M/M/c queue:
 * p_k ~ A^k/k! for k < c, A^c/c! (A/c)^(k-c) for k >= c, summed term by term
 * (no closed form for the geometric tail) until the terms vanish. */
static long double direct_c(int c, double a)
{
	long double term = 1, below = 0, above = 0;
	for (int k = 0; k < c; k++) {
		below += term;
		term = term * a / (k + 1);
	}
	/* term is now A^c/c! */
	for (;;) {   /* terminates: a/c < 1 */
		above += term;
		term = term * a / c;
		if (term < above * 1e-22L)
			break;
	}
	return above / (below + above);
}

/* Erlang B by the textbook recursion from 0, O(c) */
static double full_b(int c, double a)
{
	double b = 1;
	for (int k = 1; k <= c; k++)
		b = a * b / (k + a * b);
	return b;
}

/* The reference form of P(T > t) (docs/model.md §4), in long double (theta != mu) */
static long double naive_tail(long double cw, long double mu, long double theta, long double t)
{
	return (1 - cw) * expl(-mu * t) +
	       cw * (theta * expl(-mu * t) - mu * expl(-theta * t)) / (theta - mu);
}

/* P(T > t) = P(S > t) + int_0^t mu e^(-mu s) P(Wq > t - s) ds, by Simpson's rule */
static double integrated_tail(double cw, double mu, double theta, double t)
{
	const int n = 20000;
	double h = t / n, sum = 0;
	for (int i = 0; i <= n; i++) {
		double s = i * h;
		double f = mu * exp(-mu * s) * cw * exp(-theta * (t - s));
		sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
	}
	return exp(-mu * t) + sum * h / 3;
}

/* deterministic pseudo-random numbers for property tests */
static uint64_t lcg_state = 88172645463325252u;
static double rnd(void)
{
	lcg_state = lcg_state * 6364136223846793005u + 1442695040888963407u;
	return (double)(lcg_state >> 11) * 0x1.0p-53;
}

/* ---- Erlang B and C ----------------------------------------------------------- */

START_TEST(test_erlang_c_vector)
{
	static const double want[] = { 0.702247, 0.319857, 0.130371, 0.047445 };
	for (int c = 3; c <= 6; c++)
		ck_assert_double_eq_tol(sp_q_erlang_c(c, 2.5), want[c - 3], 5e-7);
	ck_assert_double_eq(sp_q_erlang_c(2, 2.5), 1.0);   /* unstable */
	ck_assert_double_eq(sp_q_erlang_c(3, 3.0), 1.0);
	ck_assert_double_eq(sp_q_erlang_c(1, 0.0), 0.0);
	ck_assert(isnan(sp_q_erlang_c(-1, 1.0)));
	ck_assert(isnan(sp_q_erlang_c(3, -1.0)));
	ck_assert(isnan(sp_q_erlang_c(3, NAN)));
}
END_TEST

START_TEST(test_erlang_c_direct)
{
	static const struct { int c; double a; } v[] = {
		{ 1, 0.3 }, { 2, 1.5 }, { 3, 2.5 }, { 7, 6.9 }, { 10, 4.2 }, { 20, 18.5 },
		{ 50, 40.0 }, { 100, 99.5 }, { 120, 80.0 }, { 500, 480.0 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		double want = (double)direct_c(v[i].c, v[i].a);
		ck_close(sp_q_erlang_c(v[i].c, v[i].a), want, 1e-12);
	}
	/* Erlang B against its definition (A^c/c!) / sum_k<=c A^k/k! */
	for (int c = 0; c <= 60; c += 7) {
		long double term = 1, sum = 0, a = 37.25L;
		for (int k = 0; k <= c; k++) {
			sum += term;
			if (k < c)
				term = term * a / (k + 1);
		}
		ck_close(sp_q_erlang_b(c, 37.25), (double)(term / sum), 1e-13);
	}
}
END_TEST

START_TEST(test_erlang_b_large)
{
	/* the shortened recursion agrees with the full one below, at and above A */
	static const double as[] = { 80.5, 1000, 12345.6, 1e5, 1e6 };
	for (size_t i = 0; i < sizeof(as) / sizeof(as[0]); i++) {
		double a = as[i], r = sqrt(a);
		int cs[] = { (int)(0.2 * a), (int)(0.9 * a), (int)(a - r), (int)a, (int)a + 1,
			     (int)(a + r), (int)(a + 3 * r), (int)(a + 8 * r) };
		for (size_t j = 0; j < sizeof(cs) / sizeof(cs[0]); j++) {
			if (cs[j] < 1)
				continue;
			ck_close(sp_q_erlang_b(cs[j], a), full_b(cs[j], a), 1e-12);
		}
	}
	/* no overflow, sane limits */
	double b = sp_q_erlang_b(2000000, 1e6);
	ck_assert(b >= 0 && b < 1e-300);
	double c = sp_q_erlang_c(1000001, 1e6);
	ck_assert(c > 0.9 && c < 1);
	ck_assert_double_eq(sp_q_erlang_b(0, 5), 1.0);
	ck_assert_double_eq(sp_q_erlang_b(INT_MAX, 1e6), 0.0);
}
END_TEST

/* ---- waiting and response times ------------------------------------------------- */

START_TEST(test_wait)
{
	double lambda = 40, s = 0.1;   /* A = 4 */
	int c = 6;
	double cw = sp_q_erlang_c(c, 4.0), theta = (c - 4.0) / s;
	ck_close(sp_q_wait_tail(c, lambda, s, 0), cw, 1e-12);
	ck_close(sp_q_wait_tail(c, lambda, s, 0.05), cw * exp(-theta * 0.05), 1e-12);
	ck_close(sp_q_wait_mean_s(c, lambda, s), cw / theta, 1e-12);
	/* E[Wq] = integral of P(Wq > t) */
	double h = 1e-4, sum = 0;
	for (int i = 0; i < 20000; i++)
		sum += h * sp_q_wait_tail(c, lambda, s, (i + 0.5) * h);
	ck_close(sum, sp_q_wait_mean_s(c, lambda, s), 1e-6);
	ck_assert_double_eq(sp_q_wait_tail(4, lambda, s, 1), 1.0);
	ck_assert(isinf(sp_q_wait_mean_s(4, lambda, s)));
	ck_assert(isnan(sp_q_wait_tail(5, lambda, 0, 1)));
}
END_TEST

START_TEST(test_resp_tail_integral)
{
	/* theta < mu, theta > mu, theta near mu */
	static const struct { int c; double lambda, s, t; } v[] = {
		{ 3, 25, 0.1, 0.3 },   /* A = 2.5, theta = 5 < mu = 10 */
		{ 6, 25, 0.1, 0.2 },   /* theta = 35 > mu */
		{ 4, 29.9, 0.1, 0.4 }, /* theta = 10.1 ~ mu */
		{ 60, 500, 0.1, 0.25 },
		{ 2, 0.5, 1.0, 7.0 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		double a = v[i].lambda * v[i].s;
		double cw = sp_q_erlang_c(v[i].c, a);
		double mu = 1 / v[i].s, theta = (v[i].c - a) / v[i].s;
		double got = sp_q_resp_tail(v[i].c, v[i].lambda, v[i].s, v[i].t);
		ck_close(got, integrated_tail(cw, mu, theta, v[i].t), 1e-10);
		ck_close(got, (double)naive_tail(cw, mu, theta, v[i].t), 1e-12);
		/* never below the service time's own tail, never above 1 */
		ck_assert(got >= exp(-mu * v[i].t) && got <= 1);
	}
	ck_assert_double_eq(sp_q_resp_tail(3, 30, 0.1, 1), 1.0);   /* c <= A */
	ck_assert_double_eq(sp_q_resp_tail(4, 30, 0.1, 0), 1.0);
	ck_assert_double_eq(sp_q_resp_tail(4, 30, 0.1, INFINITY), 0.0);
}
END_TEST

START_TEST(test_resp_tail_limit)
{
	/* exactly theta = mu: c = 4, A = 3, S = 1 */
	double cw = sp_q_erlang_c(4, 3.0), t = 2.5;
	double lim = exp(-t) * (1 + cw * t);
	ck_close(sp_q_resp_tail(4, 3.0, 1.0, t), lim, 1e-15);
	ck_close(sp_q_resp_tail_parts(cw, 1.0, 1.0, t), lim, 1e-15);
	ck_close(integrated_tail(cw, 1.0, 1.0, t), lim, 1e-10);
	/* from both sides: smooth, no cancellation (the derivative in theta is
	 * bounded by C t^2 e^(-mu t) here) */
	for (double d = 1e-3; d > 1e-16; d /= 10) {
		double up = sp_q_resp_tail_parts(cw, 1.0, 1.0 + d, t);
		double dn = sp_q_resp_tail_parts(cw, 1.0, 1.0 - d, t);
		ck_assert_msg(fabs(up - lim) <= 2 * d * t * t + 4e-16 && fabs(dn - lim) <= 2 * d * t * t + 4e-16,
			      "d=%g up=%.17g dn=%.17g lim=%.17g", d, up, dn, lim);
		if (d >= 1e-9)
			ck_assert(dn >= lim && up <= lim);   /* more drain rate, smaller tail */
		if (d >= 1e-4) {   /* the naive form is still good to ~1e-12 there */
			ck_close(up, (double)naive_tail(cw, 1.0L, 1.0L + d, t), 1e-9);
			ck_close(dn, (double)naive_tail(cw, 1.0L, 1.0L - d, t), 1e-9);
		}
	}
	/* the one-sided slopes both approach dP/dtheta = -C mu t^2 e^(-mu t)/2
	 * (from the expansion of (e^(-theta t) - e^(-mu t))/(mu - theta)) */
	double slope = cw * t * t * exp(-t) / 2;
	for (double d = 1e-4; d > 1e-11; d /= 100) {
		double up = sp_q_resp_tail_parts(cw, 1.0, 1.0 + d, t);
		double dn = sp_q_resp_tail_parts(cw, 1.0, 1.0 - d, t);
		ck_assert_double_eq_tol((lim - up) / d, slope, 1e-3 * slope);
		ck_assert_double_eq_tol((dn - lim) / d, slope, 1e-3 * slope);
	}
	/* via the public M/M/c entry, lambda a hair either side of theta = mu */
	double p1 = sp_q_resp_tail(4, 3.0 + 1e-11, 1.0, t);
	double p2 = sp_q_resp_tail(4, 3.0 - 1e-11, 1.0, t);
	ck_close(p1, lim, 1e-9);
	ck_close(p2, lim, 1e-9);
	ck_assert(p2 <= lim && lim <= p1);
	ck_assert(isnan(sp_q_resp_tail_parts(1.5, 1, 1, 1)));
	ck_assert(isnan(sp_q_resp_tail_parts(0.5, 0, 1, 1)));
}
END_TEST

/* ---- the unreachable SLO ------------------------------------------------------------ */

START_TEST(test_unreachable)
{
	double s = 0.05;
	double b = sp_q_min_slo_s(s, 0.99);
	ck_close(b, 0.05 * log(100.0), 1e-15);   /* 0.2303 s: p99 below 4.6 S is impossible */
	ck_close(sp_q_min_slo_s(0.1, 0.5), 0.1 * log(2.0), 1e-15);
	ck_assert(sp_q_slo_reachable(s, 0.99, b * 1.0001));
	ck_assert(!sp_q_slo_reachable(s, 0.99, b * 0.9999));
	ck_assert(!sp_q_slo_reachable(s, 0.99, 0.1));
	ck_assert(!sp_q_slo_reachable(s, 1.0, 10));
	ck_assert(isnan(sp_q_min_slo_s(0, 0.99)));

	int n = -7;
	/* unreachable whatever the load, even with none; *out untouched */
	ck_assert_int_eq(sp_q_servers(&n, 0, s, 0.99, b * 0.99, 0.5), SP_Q_EUNREACHABLE);
	ck_assert_int_eq(sp_q_servers(&n, 1e6, s, 0.99, b * 0.99, 0.5), SP_Q_EUNREACHABLE);
	ck_assert_int_eq(n, -7);
	/* just above the bound it is met, by many servers */
	ck_assert_int_eq(sp_q_servers(&n, 100, s, 0.99, b * 1.001, 1.0), 0);
	ck_assert(n > 5 && sp_q_resp_tail(n, 100, s, b * 1.001) <= 0.01);
	/* every c: the tail is at least the service tail */
	for (int c = 6; c < 60; c++)
		ck_assert(sp_q_resp_tail(c, 100, s, b) >= 0.01 * (1 - 1e-12));
}
END_TEST

/* ---- sizing ----------------------------------------------------------------------------- */

/* smallest c > A meeting the SLO, by a linear scan over the independent
 * references (direct Erlang C, the reference tail formula); max with ceil(A/u) */
static int brute_servers(double lambda, double s, double q, double slo, double u)
{
	double a = lambda * s;
	int c = (int)floor(a) + 1;
	for (;; c++) {
		long double cw = direct_c(c, a), mu = 1 / (long double)s, theta = (c - a) / (long double)s;
		long double p = fabsl(theta - mu) < 1e-9L ? expl(-mu * slo) * (1 + cw * mu * slo)
							   : naive_tail(cw, mu, theta, slo);
		if (p <= 1 - (long double)q)
			break;
	}
	int cu = (int)ceil(a / u * (1 - 1e-12));
	return c > cu ? c : cu;
}

START_TEST(test_servers_brute)
{
	static const double qs[] = { 0.5, 0.9, 0.95, 0.99, 0.999 };
	static const double us[] = { 0.3, 0.5, 0.8, 1.0 };
	for (int i = 0; i < 400; i++) {
		double a = pow(10, -1 + 2.5 * rnd());   /* 0.1 .. 300 Erlangs */
		double s = 0.002 + 0.2 * rnd();
		double q = qs[i % 5], u = us[(i / 5) % 4];
		double slo = sp_q_min_slo_s(s, q) * (1 + pow(10, -3 + 3.5 * rnd()));
		int n = 0;
		ck_assert_int_eq(sp_q_servers(&n, a / s, s, q, slo, u), 0);
		int want = brute_servers(a / s, s, q, slo, u);
		ck_assert_msg(n == want, "A=%g S=%g q=%g slo=%g u=%g: %d, brute force %d", a, s, q, slo, u,
			      n, want);
	}
}
END_TEST

START_TEST(test_servers_large)
{
	/* exact at large A: n meets the SLO and n - 1 does not (or is <= A) */
	static const double as[] = { 1234.5, 1e5, 1e6 };
	static const double ratios[] = { 1.0005, 1.02, 1.5, 3 };
	for (size_t i = 0; i < 3; i++) {
		for (size_t j = 0; j < 4; j++) {
			double s = 0.04, q = 0.99, a = as[i], lambda = a / s;
			double slo = sp_q_min_slo_s(s, q) * ratios[j];
			int n;
			ck_assert_int_eq(sp_q_servers(&n, lambda, s, q, slo, 1.0), 0);
			ck_assert(n > a);
			ck_assert(sp_q_resp_tail(n, lambda, s, slo) <= 0.01);
			ck_assert(n - 1 <= a || sp_q_resp_tail(n - 1, lambda, s, slo) > 0.01);
			/* the utilisation bound takes over */
			int m;
			ck_assert_int_eq(sp_q_servers(&m, lambda, s, q, slo, 0.7), 0);
			ck_assert_int_eq(m, (int)ceil(a / 0.7 * (1 - 1e-12)) > n ? (int)ceil(a / 0.7 * (1 - 1e-12)) : n);
		}
	}
}
END_TEST

START_TEST(test_servers_hint)
{
	/* the hint changes the work, never the answer */
	for (int i = 0; i < 300; i++) {
		double a = pow(10, -1 + 6 * rnd()), s = 0.01 + 0.1 * rnd();
		double q = i % 2 ? 0.99 : 0.9, u = i % 3 ? 1.0 : 0.75;
		double slo = sp_q_min_slo_s(s, q) * (1 + pow(10, -3 + 3 * rnd()));
		int n, h;
		ck_assert_int_eq(sp_q_servers(&n, a / s, s, q, slo, u), 0);
		int hints[] = { 1, 2, n - 1, n, n + 1, n / 2, 2 * n + 5, n + 300, n + 5000,
				(int)(a * 0.9), INT_MAX, -3 };
		for (size_t k = 0; k < sizeof(hints) / sizeof(hints[0]); k++) {
			ck_assert_int_eq(sp_q_servers_hint(&h, a / s, s, q, slo, u, hints[k]), 0);
			ck_assert_msg(h == n, "A=%g hint %d: %d != %d", a, hints[k], h, n);
		}
	}
}
END_TEST

START_TEST(test_servers_monotone)
{
	/* more demand never gives fewer servers */
	for (int trial = 0; trial < 20; trial++) {
		double s = 0.005 + 0.1 * rnd(), q = trial % 2 ? 0.99 : 0.95;
		double slo = sp_q_min_slo_s(s, q) * (1.01 + 2 * rnd());
		double u = 0.4 + 0.6 * rnd();
		int prev = 0;
		for (double lambda = 0; lambda < 3e4; lambda = lambda * 1.07 + 0.5) {
			int n;
			ck_assert_int_eq(sp_q_servers(&n, lambda, s, q, slo, u), 0);
			ck_assert_msg(n >= prev, "lambda %g: %d < %d", lambda, n, prev);
			prev = n;
		}
	}
	/* a tighter SLO (or a higher quantile) never gives fewer servers */
	for (int trial = 0; trial < 20; trial++) {
		double s = 0.005 + 0.1 * rnd(), lambda = pow(10, 4 * rnd()) / s;
		double bound = sp_q_min_slo_s(s, 0.99);
		int prev = 0;
		for (double slo = 10 * bound; slo > bound * 1.0001; slo = bound + (slo - bound) * 0.8) {
			int n;
			ck_assert_int_eq(sp_q_servers(&n, lambda, s, 0.99, slo, 1.0), 0);
			ck_assert_msg(n >= prev, "slo %g: %d < %d", slo, n, prev);
			prev = n;
		}
		int n90, n99, n999;
		double slo = 8 * s;
		ck_assert_int_eq(sp_q_servers(&n90, lambda, s, 0.9, slo, 1.0), 0);
		ck_assert_int_eq(sp_q_servers(&n99, lambda, s, 0.99, slo, 1.0), 0);
		ck_assert_int_eq(sp_q_servers(&n999, lambda, s, 0.999, slo, 1.0), 0);
		ck_assert(n90 <= n99 && n99 <= n999);
	}
}
END_TEST

START_TEST(test_servers_util_and_errors)
{
	int n = -1;
	/* no load: nothing to size */
	ck_assert_int_eq(sp_q_servers(&n, 0, 0.05, 0.99, 0.5, 0.5), 0);
	ck_assert_int_eq(n, 0);
	/* a loose SLO: utilisation decides; A = 10, u = 0.5 */
	ck_assert_int_eq(sp_q_servers(&n, 200, 0.05, 0.99, 10.0, 0.5), 0);
	ck_assert_int_eq(n, 20);
	/* A/u = 7*0.1/0.7 = 1.0000000000000002 in doubles: 1 server, not 2 */
	ck_assert_int_eq(sp_q_servers(&n, 7, 0.1, 0.99, 10.0, 0.7), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(sp_q_servers(&n, 60, 0.1, 0.99, 10.0, 0.5), 0);
	ck_assert_int_eq(n, 12);
	/* no latency SLO: utilisation only, but a stable queue (c > A) */
	ck_assert_int_eq(sp_q_servers(&n, 200, 0.05, 0, 0, 0.5), 0);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(sp_q_servers(&n, 200, 0.05, 0, 0, 1.0), 0);
	ck_assert_int_eq(n, 11);
	/* the reference vector (docs/model.md §8.1) as a sizing: A = 2.5, p99 of 250 ms at S = 50 ms */
	ck_assert_int_eq(sp_q_servers(&n, 50, 0.05, 0.99, 0.25, 1.0), 0);
	ck_assert(sp_q_resp_tail(n, 50, 0.05, 0.25) <= 0.01 && sp_q_resp_tail(n - 1, 50, 0.05, 0.25) > 0.01);

	ck_assert_int_eq(sp_q_servers(&n, -1, 0.05, 0.99, 0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, NAN, 0.05, 0.99, 0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0, 0.99, 0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0.05, 1.0, 0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0.05, 0.0, 0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0.05, 0.99, -0.5, 0.5), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0.05, 0.99, 0.5, 0), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 10, 0.05, 0.99, 0.5, 1.01), SP_EINVAL);
	ck_assert_int_eq(sp_q_servers(&n, 1e12, 1.0, 0.99, 50, 0.5), SP_ETOOBIG);
}
END_TEST

/* ---- zones, USL, GPU ------------------------------------------------------------------- */

START_TEST(test_zones)
{
	int v, binds;
	ck_assert_int_eq(sp_q_zones(&v, &binds, 10, 3, 0, 0), 0);
	ck_assert_int_eq(v, 15);   /* ceil(10*3/2) = 15, a multiple of 3 */
	ck_assert_int_eq(binds, 0);
	ck_assert_int_eq(sp_q_zones(&v, NULL, 7, 3, 0, 0), 0);
	ck_assert_int_eq(v, 12);   /* ceil(10.5) = 11 -> 12 */
	ck_assert_int_eq(sp_q_zones(&v, NULL, 10, 2, 0, 0), 0);
	ck_assert_int_eq(v, 20);
	ck_assert_int_eq(sp_q_zones(&v, NULL, 7, 1, 0, 0), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(sp_q_zones(&v, &binds, 0, 3, 2, 0), 0);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(sp_q_zones(&v, &binds, 10, 3, 2, 12), 0);
	ck_assert_int_eq(v, 12);
	ck_assert_int_eq(binds, 1);
	ck_assert_int_eq(sp_q_zones(&v, &binds, 10, 3, 2, 15), 0);
	ck_assert_int_eq(binds, 0);
	/* whatever zone is lost, the rest carries n */
	for (int z = 1; z <= 6; z++) {
		for (int n = 0; n < 200; n++) {
			ck_assert_int_eq(sp_q_zones(&v, NULL, n, z, 0, 0), 0);
			ck_assert_int_eq(v % z, 0);
			ck_assert(z == 1 ? v == n : (long)v * (z - 1) / z >= n);
			/* and no more than needed: one group of z fewer would not do */
			ck_assert(z == 1 || v == 0 || (long)(v / z - 1) * (z - 1) < n);
		}
	}
	ck_assert_int_eq(sp_q_zones(&v, NULL, -1, 3, 0, 0), SP_EINVAL);
	ck_assert_int_eq(sp_q_zones(&v, NULL, 1, 0, 0, 0), SP_EINVAL);
	ck_assert_int_eq(sp_q_zones(&v, NULL, 1, 3, 5, 4), SP_EINVAL);
	ck_assert_int_eq(sp_q_zones(&v, NULL, INT_MAX - 5, 3, 0, 0), SP_ETOOBIG);
}
END_TEST

START_TEST(test_usl)
{
	double lambda = 120;
	ck_assert_double_eq_tol(sp_q_usl_peak(0.05, 0.001), 30.82, 0.005);
	ck_assert_double_eq_tol(sp_q_usl_throughput(lambda, 0.05, 0.001, 16) / lambda, 8.040, 0.0005);
	ck_assert_double_eq(sp_q_usl_throughput(lambda, 0.05, 0.001, 1), lambda);
	/* X rises to N* and falls after it */
	double x30 = sp_q_usl_throughput(lambda, 0.05, 0.001, 30.82);
	ck_assert(x30 > sp_q_usl_throughput(lambda, 0.05, 0.001, 25));
	ck_assert(x30 > sp_q_usl_throughput(lambda, 0.05, 0.001, 37));
	/* Amdahl (kappa = 0): no peak, bounded by lambda/sigma */
	ck_assert(isinf(sp_q_usl_peak(0.1, 0)));
	ck_assert(sp_q_usl_throughput(lambda, 0.1, 0, 1e9) < lambda / 0.1);
	ck_assert(isnan(sp_q_usl_peak(1.0, 0.01)));
	ck_assert(isnan(sp_q_usl_throughput(lambda, 0.05, -1, 4)));
}
END_TEST

START_TEST(test_gpu_training)
{
	/* Llama-3.1-405B on 15.6T tokens */
	double flops = sp_gpu_training_flops(405e9, 15.6e12);
	ck_assert_double_eq_tol(flops / 1e25, 3.79, 0.005);
	double hours = sp_gpu_training_hours(405e9, 15.6e12, 989e12, 0.40);
	ck_assert_double_eq_tol(hours / 1e6, 26.6, 0.05);
	ck_close(hours, flops / (989e12 * 0.40 * 3600), 1e-15);
	ck_assert(isnan(sp_gpu_training_hours(405e9, 15.6e12, 989e12, 0)));
	ck_assert(isnan(sp_gpu_training_hours(405e9, 15.6e12, 0, 0.4)));
	ck_assert(isnan(sp_gpu_training_flops(-1, 1)));
}
END_TEST

Suite *suite_queueing(void)
{
	Suite *s = suite_create("queueing");
	TCase *tc = tcase_create("erlang");
	tcase_add_test(tc, test_erlang_c_vector);
	tcase_add_test(tc, test_erlang_c_direct);
	tcase_add_test(tc, test_erlang_b_large);
	tcase_add_test(tc, test_wait);
	tcase_add_test(tc, test_resp_tail_integral);
	tcase_add_test(tc, test_resp_tail_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("sizing");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unreachable);
	tcase_add_test(tc, test_servers_brute);
	tcase_add_test(tc, test_servers_large);
	tcase_add_test(tc, test_servers_hint);
	tcase_add_test(tc, test_servers_monotone);
	tcase_add_test(tc, test_servers_util_and_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("other");
	tcase_add_test(tc, test_zones);
	tcase_add_test(tc, test_usl);
	tcase_add_test(tc, test_gpu_training);
	suite_add_tcase(s, tc);
	return s;
}
