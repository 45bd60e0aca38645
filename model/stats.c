#include "model/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* ---- generator ------------------------------------------------------------- */

#define GOLDEN UINT64_C(0x9E3779B97F4A7C15)

/* splitmix64's finaliser (Stafford's mix13): a bijection on 64 bits */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static uint64_t splitmix64(uint64_t *x)
{
	*x += GOLDEN;
	return mix64(*x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void sp_rng_init_stream(struct sp_rng *r, uint64_t seed, uint64_t path, uint64_t stream)
{
	/* each stage is a bijection of the next input, so for a fixed seed the
	 * paths (and for a fixed path the streams) never share a start */
	uint64_t x = mix64(seed + GOLDEN);
	x = mix64(x ^ mix64(path + UINT64_C(0x243F6A8885A308D3)));
	x = mix64(x ^ mix64(stream + UINT64_C(0x13198A2E03707344)));
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);   /* four consecutive outputs: never all zero */
}

void sp_rng_init(struct sp_rng *r, uint64_t seed, uint64_t path)
{
	sp_rng_init_stream(r, seed, path, 0);
}

uint64_t sp_rng_next(struct sp_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double sp_rng_uniform(struct sp_rng *r)
{
	return ((double)(sp_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double sp_rng_normal(struct sp_rng *r)
{
	double u1 = sp_rng_uniform(r);
	double u2 = sp_rng_uniform(r);
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double sp_rng_lognormal(struct sp_rng *r, double mu, double sigma)
{
	return exp(mu + sigma * sp_rng_normal(r));
}

/* ---- the normal distribution ------------------------------------------------- */

double sp_stats_norm_cdf(double x)
{
	return 0.5 * erfc(-x * M_SQRT1_2);
}

/* Acklam's approximation for p in (0, 0.5], then one Halley step; the upper
 * half by symmetry (1 - p is exact there), so the refinement never subtracts
 * nearly equal numbers. */
static double quantile_lower(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double x;
	if (p < 0.02425) {
		double q = sqrt(-2.0 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
	} else {
		double q = p - 0.5, rr = q * q;
		x = (((((a[0] * rr + a[1]) * rr + a[2]) * rr + a[3]) * rr + a[4]) * rr + a[5]) * q /
		    (((((b[0] * rr + b[1]) * rr + b[2]) * rr + b[3]) * rr + b[4]) * rr + 1.0);
	}
	if (0.5 * x * x > 700)
		return x;   /* p is subnormal: 1/phi(x) would overflow */
	double e = sp_stats_norm_cdf(x) - p;
	double u = e * sqrt(2.0 * M_PI) * exp(0.5 * x * x);
	return x - u / (1.0 + 0.5 * x * u);
}

double sp_stats_norm_quantile(double p)
{
	if (!(p >= 0 && p <= 1))
		return NAN;
	if (p == 0)
		return -INFINITY;
	if (p == 1)
		return INFINITY;
	if (p == 0.5)
		return 0.0;
	if (p > 0.5)
		return -quantile_lower(1.0 - p);
	return quantile_lower(p);
}

int sp_stats_lognormal_fit(double *out_mu, double *out_sigma, double p10, double p90)
{
	if (!(p10 > 0) || !(p90 >= p10) || !isfinite(p90))
		return SP_EINVAL;
	double l10 = log(p10), l90 = log(p90);
	*out_mu = 0.5 * (l10 + l90);
	*out_sigma = (l90 - l10) / (2.0 * SP_Z90);
	return 0;
}

/* ---- order statistics -------------------------------------------------------- */

static int cmp_double(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;
	return (a > b) - (a < b);
}

void sp_stats_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
}

size_t sp_stats_rank(double p, size_t n)
{
	double h = p * (double)(n - 1) + 0.5;
	size_t k = (size_t)h;
	return k >= n ? n - 1 : k;
}

/* quickselect with a median-of-3 pivot */
double sp_stats_select(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		double a = x[lo], b = x[mid], c = x[hi];
		double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
		size_t i = lo, j = hi;
		while (i <= j) {
			while (x[i] < piv)
				i++;
			while (x[j] > piv)
				j--;
			if (i <= j) {
				double t = x[i];
				x[i] = x[j];
				x[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			return x[k];
	}
	return x[k];
}

void sp_stats_select_percentiles(double *out, double *x, size_t n, const double *ps, size_t np)
{
	double mn = x[0], mx = x[0];
	for (size_t i = 1; i < n; i++) {
		if (x[i] < mn)
			mn = x[i];
		if (x[i] > mx)
			mx = x[i];
	}
	if (mn == mx) {   /* one value (a deterministic run, a constant figure): no selection */
		for (size_t k = 0; k < np; k++)
			out[k] = mn;
		return;
	}
	for (size_t k = 0; k < np; k++)
		out[k] = sp_stats_select(x, n, sp_stats_rank(ps[k], n));
}

double sp_stats_percentile_sorted(const double *sorted, size_t n, double p)
{
	if (n == 0 || !(p >= 0 && p <= 1))
		return NAN;
	return sorted[sp_stats_rank(p, n)];
}

static double *sorted_copy(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(x[i]))
			return NULL;
	double *s = sp_xmalloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	sp_stats_sort(s, n);
	return s;
}

int sp_stats_percentiles(double *out, const double *x, size_t n, const double *ps, size_t np)
{
	if (n == 0)
		return SP_EINVAL;
	for (size_t j = 0; j < np; j++)
		if (!(ps[j] >= 0 && ps[j] <= 1))
			return SP_EINVAL;
	double *s = sorted_copy(x, n);
	if (!s)
		return SP_EINVAL;
	for (size_t j = 0; j < np; j++)
		out[j] = sp_stats_percentile_sorted(s, n, ps[j]);
	free(s);
	return 0;
}

int sp_stats_percentile(double *out, const double *x, size_t n, double p)
{
	return sp_stats_percentiles(out, x, n, &p, 1);
}

size_t sp_stats_newsvendor_rank(size_t n, double rate_commit, double rate_over)
{
	double ratio = 1.0 - rate_commit / rate_over;
	if (ratio <= 0 || n == 0)
		return 0;
	size_t k = (size_t)ceil((double)n * ratio);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return k;
}

int sp_stats_newsvendor(double *out_level, const double *demand, size_t n, double rate_commit,
			double rate_on_demand)
{
	if (n == 0 || !(rate_commit > 0) || !(rate_on_demand > 0) || !isfinite(rate_commit) ||
	    !isfinite(rate_on_demand))
		return SP_EINVAL;
	size_t k = sp_stats_newsvendor_rank(n, rate_commit, rate_on_demand);
	if (k == 0) {
		for (size_t i = 0; i < n; i++)
			if (isnan(demand[i]))
				return SP_EINVAL;
		*out_level = 0.0;
		return 0;
	}
	double *s = sorted_copy(demand, n);
	if (!s)
		return SP_EINVAL;
	double level = s[k - 1];
	free(s);
	*out_level = level > 0 ? level : 0.0;
	return 0;
}

double sp_stats_newsvendor_cost(double level, const double *demand, size_t n, double rate_commit,
				double rate_on_demand)
{
	if (n == 0)
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		double over = demand[i] - level;
		sum += over > 0 ? over : 0.0;
	}
	return level * rate_commit + sum / (double)n * rate_on_demand;
}
