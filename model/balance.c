#include "model/balance.h"

#include <math.h>

#include "lib/err.h"
#include "model/queueing.h"

/* ---- the Erlang-n arrival transform ---------------------------------------------
 *
 * An instance behind a round-robin balancer gets every n-th request of a
 * Poisson stream of rate lambda: its gaps are Erlang-n, the sum of n
 * exponential phases of rate lambda, with Laplace-Stieltjes transform
 * A*(s) = (lambda/(lambda + s))^n, computed on logs so that n of 10^6 and
 * more neither overflows nor loses 1 - A* to cancellation. */

static double lst_log(int n, double lam, double s)
{
	return -(double)n * log1p(s / lam);
}

static int erlang_domain(int n, double lam, int k, double service_s)
{
	return n >= 1 && k >= 1 && lam > 0 && isfinite(lam) && service_s > 0 && isfinite(service_s);
}

/* stable when the per-instance rate lambda/n is below k mu */
static int erlang_stable(int n, double lam, int k, double mu)
{
	return lam / (double)n < (double)k * mu;
}

/* The smallest root of g(s) = A*(k mu (1 - s)) - s. g is convex on [0, 1]
 * (a transform is log-convex), g(0) = A*(k mu) > 0 and g(1) = 0 with
 * g'(1) = k mu n/lambda - 1 > 0 when stable, so g has one root in (0, 1),
 * is positive left of it and decreasing through it. Newton from 0 therefore
 * climbs monotonically to the root without overshooting (quadratic at the
 * end); the bracket guards against rounding near heavy traffic. */
static double sigma_root(int n, double lam, int k, double mu)
{
	double kmu = (double)k * mu;
	double lo = 0.0, hi = 1.0, s = 0.0;   /* g(lo) > 0 >= g(hi) */
	for (int it = 0; it < 300; it++) {
		double x = kmu * (1.0 - s);
		double a = exp(lst_log(n, lam, x));
		double g = a - s, next;
		if (g == 0)
			return s;
		if (g < 0) {   /* past the root (rounding): bisect back */
			hi = s;
			next = 0.5 * (lo + hi);
		} else {
			lo = s;
			double dg = a * (double)n * kmu / (lam + x) - 1.0;   /* d/ds A*(k mu (1 - s)) - 1 */
			next = dg < 0 ? s - g / dg : hi;
			if (!(next < hi))
				next = 0.5 * (lo + hi);
		}
		if (fabs(next - s) <= 4e-16 * next || hi - lo <= 4e-16 * hi)
			return next;
		s = next;
	}
	return s;
}

double sp_bal_erlang_sigma(int n, double lambda_rps, int k, double service_s)
{
	if (!erlang_domain(n, lambda_rps, k, service_s))
		return NAN;
	double mu = 1.0 / service_s;
	if (!erlang_stable(n, lambda_rps, k, mu))
		return 1.0;
	return sigma_root(n, lambda_rps, k, mu);
}

/* ---- Takacs' boundary probabilities ------------------------------------------------
 *
 * The number in the queue seen by an arrival of a stable GI/M/k queue is
 * q_j = J sigma^(j-k) for j >= k - 1 (Kleinrock vol. 1 §6.4), so
 * P(wait) = sum_{j>=k} q_j = J/(1 - sigma). Takacs (1962; Gross & Harris,
 * "GI/M/c") gives the normalising constant from the transform alone:
 *
 *   1/J = 1/(1 - sigma) + sum_{j=1..k} binom(k, j) / (C_j (1 - g_j)) * r_j,
 *   g_j = A*(j mu),  C_j = prod_{i=1..j} g_i/(1 - g_i),
 *   r_j = (k(1 - g_j) - j) / (k(1 - sigma) - j),
 *
 * hence P(wait) = 1 / (1 + (1 - sigma) sum_j T_j). Every term is positive:
 * f(j) = k(1 - g_j) - j is concave in j (1 - A* is), zero at j = 0 and at
 * j* = k(1 - sigma) (where g = sigma), so f and the denominator change sign
 * together at j*. There r_j is 0/0; r_j = 1 + k (sigma - g_j)/(k(1 - sigma) - j)
 * is a divided difference of A*, and within 1e-5 of j* it is taken as the
 * derivative at the midpoint (error O(h^2)). The terms are summed on logs
 * (C_j underflows for large n or k) with a running maximum: no array. */

static double ratio_r(int n, double lam, int k, double mu, double sigma, int j, double gj)
{
	double d = (double)k * (1.0 - sigma) - (double)j;   /* (x* - x)/mu */
	if (fabs(d) > 1e-5)
		return 1.0 + (double)k * (sigma - gj) / d;
	double mid = mu * 0.5 * ((double)j + (double)k * (1.0 - sigma));
	double da = -(double)n / (lam + mid) * exp(lst_log(n, lam, mid));   /* A*'(mid) */
	return 1.0 + (double)k * mu * da;
}

static double takacs_pwait(int n, double lam, int k, double mu, double sigma)
{
	double log_c = 0.0, log_binom = 0.0;
	double m = -INFINITY, sum = 0.0;   /* sum_j T_j = sum * e^m */
	for (int j = 1; j <= k; j++) {
		double la = lst_log(n, lam, (double)j * mu);
		double gj = exp(la);
		double log_om = log(-expm1(la));   /* log(1 - g_j) */
		log_c += la - log_om;
		log_binom += log((double)(k - j + 1) / (double)j);
		double r = ratio_r(n, lam, k, mu, sigma, j, gj);
		if (!(r > 0))
			continue;   /* positive in exact arithmetic; rounding at j* only */
		double x = log_binom - log_c - log_om + log(r);
		if (x > m) {
			sum = sum * exp(m - x) + 1.0;
			m = x;
		} else {
			sum += exp(x - m);
		}
	}
	if (!(sum > 0))
		return 1.0;
	return 1.0 / (1.0 + exp(log1p(-sigma) + m + log(sum)));
}

double sp_bal_erlang_pwait(int n, double lambda_rps, int k, double service_s)
{
	if (!erlang_domain(n, lambda_rps, k, service_s))
		return NAN;
	double mu = 1.0 / service_s;
	if (!erlang_stable(n, lambda_rps, k, mu))
		return 1.0;
	double sigma = sigma_root(n, lambda_rps, k, mu);
	if (k == 1)
		return sigma;
	return takacs_pwait(n, lambda_rps, k, mu, sigma);
}

/* ---- the response-time tail per balancing -------------------------------------------- */

double sp_bal_resp_tail(enum sp_balancing b, int instances, int k, double lambda_rps, double service_s,
			double t_s)
{
	if (instances < 1 || k < 1 || !(lambda_rps >= 0) || !isfinite(lambda_rps) || !(service_s > 0) ||
	    !isfinite(service_s) || !(t_s >= 0))
		return NAN;
	switch (b) {
	case SP_BAL_LEAST_OUTSTANDING:
		if ((double)instances * k > SP_Q_MAX_SERVERS)
			return NAN;
		return sp_q_resp_tail(instances * k, lambda_rps, service_s, t_s);
	case SP_BAL_RANDOM:
		return sp_q_resp_tail(k, lambda_rps / instances, service_s, t_s);
	case SP_BAL_ROUND_ROBIN:
		break;
	default:
		return NAN;
	}
	if (lambda_rps == 0)
		return sp_q_resp_tail(k, 0.0, service_s, t_s);
	double mu = 1.0 / service_s;
	if (!erlang_stable(instances, lambda_rps, k, mu))
		return 1.0;
	if (isinf(t_s))
		return 0.0;
	double sigma = sigma_root(instances, lambda_rps, k, mu);
	double pw = k == 1 ? sigma : takacs_pwait(instances, lambda_rps, k, mu, sigma);
	double theta = (double)k * mu * (1.0 - sigma);
	return sp_q_resp_tail_parts(pw, mu, theta, t_s);
}

/* ---- sizing ------------------------------------------------------------------------------ */

struct bal_search {
	enum sp_balancing b;
	int k;
	double lam, service_s, t, eps;
};

static int bal_meets(const struct bal_search *z, int n)
{
	return sp_bal_resp_tail(z->b, n, z->k, z->lam, z->service_s, z->t) <= z->eps;
}

/* The smallest n >= lo0 with bal_meets (monotone), starting at p >= lo0:
 * gallop away from p, then bisect. 0 and *out; SP_ETOOBIG past the limit. */
static int bal_search(int *out, const struct bal_search *z, int lo0, int p)
{
	int lo, hi;   /* lo fails (or is below lo0), hi meets */
	if (p < lo0)
		p = lo0;
	if (bal_meets(z, p)) {
		hi = p;
		lo = lo0 - 1;
		for (int step = 1; hi > lo0; step *= 2) {
			int q = hi - step;
			if (q < lo0)
				break;
			if (!bal_meets(z, q)) {
				lo = q;
				break;
			}
			hi = q;
		}
	} else {
		lo = p;
		for (int step = 1;; step *= 2) {
			if (lo > SP_Q_MAX_SERVERS - step)
				return SP_ETOOBIG;
			int q = lo + step;
			if (bal_meets(z, q)) {
				hi = q;
				break;
			}
			lo = q;
		}
	}
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;
		if (bal_meets(z, mid))
			hi = mid;
		else
			lo = mid;
	}
	*out = hi;
	return 0;
}

int sp_bal_instances(int *out_instances, enum sp_balancing b, int k, double lambda_rps, double service_s,
		     double quantile, double slo_s, double target_util, int hint)
{
	if (k < 1 || (b != SP_BAL_LEAST_OUTSTANDING && b != SP_BAL_ROUND_ROBIN && b != SP_BAL_RANDOM))
		return SP_EINVAL;
	int servers = 0, rc;
	if (b == SP_BAL_LEAST_OUTSTANDING || hint <= 0) {
		/* the shared queue: the answer, or a start for the search (a
		 * split fleet never needs fewer instances) */
		if ((rc = sp_q_servers(&servers, lambda_rps, service_s, quantile, slo_s, target_util)) < 0)
			return rc;
		if (b == SP_BAL_LEAST_OUTSTANDING) {
			*out_instances = (int)((servers + (long long)k - 1) / k);
			return 0;
		}
	} else {
		/* the same checks sp_q_servers makes, without its search */
		if (!(lambda_rps >= 0) || !isfinite(lambda_rps) || !(service_s > 0) || !isfinite(service_s) ||
		    !(target_util > 0 && target_util <= 1) || !(slo_s >= 0) || !isfinite(slo_s) ||
		    (slo_s > 0 && !(quantile > 0 && quantile < 1)))
			return SP_EINVAL;
		if (slo_s > 0 && !sp_q_slo_reachable(service_s, quantile, slo_s))
			return SP_Q_EUNREACHABLE;
	}
	double a = lambda_rps * service_s;
	if (a == 0) {
		*out_instances = 0;
		return 0;
	}
	/* utilisation as sp_q_servers counts it; each instance stable */
	double cu = ceil(a / target_util * (1.0 - 1e-12));
	double floor_n = fmax(ceil(cu / k), floor(a / k) + 1.0);
	if (floor_n > SP_Q_MAX_SERVERS)
		return SP_ETOOBIG;
	if (slo_s == 0) {
		*out_instances = (int)floor_n;
		return 0;
	}
	struct bal_search z = { b, k, lambda_rps, service_s, slo_s, 1.0 - quantile };
	int start = hint > 0 ? hint : (int)((servers + (long long)k - 1) / k);
	return bal_search(out_instances, &z, (int)floor_n, start);
}

/* ---- zones ----------------------------------------------------------------------------- */

/* do `count` instances (a multiple of zones) meet the SLO with one zone lost? */
static int zone_lost_meets(const struct sp_bal_slo *slo, int count, int zones)
{
	int left = count - count / zones;
	if (left < 1)
		return 0;
	return sp_bal_resp_tail(slo->b, left, slo->k, slo->lambda_rps, slo->service_s, slo->slo_s) <=
	       1.0 - slo->quantile;
}

/* the smallest multiple of zones >= count0 meeting the SLO with a zone lost */
static int zone_search(int *out, const struct sp_bal_slo *slo, int count0, int zones)
{
	long long lo = count0 / zones, hi = lo, step = 1;   /* in multiples of zones; lo fails */
	if (zone_lost_meets(slo, count0, zones)) {
		*out = count0;
		return 0;
	}
	for (;;) {
		hi = lo + step;
		if (hi * zones > SP_Q_MAX_SERVERS)
			return SP_ETOOBIG;
		if (zone_lost_meets(slo, (int)(hi * zones), zones))
			break;
		lo = hi;
		step *= 2;
	}
	while (hi - lo > 1) {
		long long mid = lo + (hi - lo) / 2;
		if (zone_lost_meets(slo, (int)(mid * zones), zones))
			hi = mid;
		else
			lo = mid;
	}
	*out = (int)(hi * zones);
	return 0;
}

int sp_bal_zones(int *out_instances, unsigned *out_binds, int n, int zones, int min, int max,
		 const struct sp_bal_slo *slo)
{
	int count, rc;
	unsigned binds = 0;
	if ((rc = sp_q_zones(&count, NULL, n, zones, 0, 0)) < 0)
		return rc;
	if (min < 0 || max < 0 || (max > 0 && max < min))
		return SP_EINVAL;
	if (slo && slo->slo_s > 0 && zones > 1 && n > 0) {
		if (slo->k < 1 || !(slo->lambda_rps >= 0) || !(slo->service_s > 0) || !isfinite(slo->service_s) ||
		    !(slo->quantile > 0 && slo->quantile < 1))
			return SP_EINVAL;
		/* survivors >= n meet it when n does (the tail falls as N grows) */
		int left = count - count / zones;
		if (!(slo->n_meets && left >= n) && sp_q_slo_reachable(slo->service_s, slo->quantile, slo->slo_s) &&
		    slo->lambda_rps > 0 && (rc = zone_search(&count, slo, count, zones)) < 0)
			return rc;
	}
	if (count > n)
		binds |= SP_BAL_BINDS_ZONES;
	if (count < min) {
		count = min;
		binds = SP_BAL_BINDS_MIN;
	}
	if (max > 0 && count > max) {
		count = max;
		binds = SP_BAL_BINDS_MAX;
	}
	*out_instances = count;
	if (out_binds)
		*out_binds = binds;
	return 0;
}
