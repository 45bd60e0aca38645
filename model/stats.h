/* Statistics for the Monte Carlo forecast (docs/model.md §2): a deterministic,
 * splittable random generator, normal and lognormal draws, the lognormal fit
 * of a p10/p90 band, percentiles (nearest rank: the one definition the
 * whole model uses) and the newsvendor commitment level.
 *
 * No I/O and no mutable globals; the generator's state is the caller's.
 * Percentile functions taking an unsorted sample allocate a sorted copy
 * (lib/xalloc.h: out-of-memory aborts); the selection functions work in the
 * caller's buffer and allocate nothing. */
#ifndef SP_STATS_H
#define SP_STATS_H
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* z of the 90th percentile of the standard normal, Phi^-1(0.9). */
#define SP_Z90 1.2815515655446004

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
struct sp_rng {
	uint64_t s[4];
};

/* Seeds r with the stream of Monte Carlo path `path` of a run seeded with
 * `seed`: the stream depends only on (seed, path), so a path draws the same
 * numbers whatever thread runs it and however many threads there are.
 * Distinct paths get distinct, statistically independent streams (the
 * pair is hashed with splitmix64's finaliser, a bijection). */
void sp_rng_init(struct sp_rng *r, uint64_t seed, uint64_t path);
/* The same with a sub-stream id (e.g. one per driver within a path), so adding
 * a consumer does not shift the numbers others draw; stream 0 is sp_rng_init. */
void sp_rng_init_stream(struct sp_rng *r, uint64_t seed, uint64_t path, uint64_t stream);

/* Next 64 random bits. */
uint64_t sp_rng_next(struct sp_rng *r);
/* Uniform double in the open interval (0, 1): (k + 1/2) 2^-53, k of 53 bits. */
double sp_rng_uniform(struct sp_rng *r);
/* Standard normal by Box-Muller; every call consumes exactly two uniforms. */
double sp_rng_normal(struct sp_rng *r);
/* exp(mu + sigma N), N standard normal (two uniforms). sigma >= 0. */
double sp_rng_lognormal(struct sp_rng *r, double mu, double sigma);

/* Standard normal CDF Phi(x). */
double sp_stats_norm_cdf(double x);
/* Inverse of Phi for p in (0, 1) (Acklam's rational approximation and one
 * Halley step on erfc: ~1e-15 relative); -INFINITY at 0, INFINITY at 1, NaN
 * outside [0, 1]. */
double sp_stats_norm_quantile(double p);

/* Lognormal through a p10/p90 band: mu = (ln p10 + ln p90)/2,
 * sigma = (ln p90 - ln p10)/(2 z90) with z90 = SP_Z90 (1.28155 to six figures).
 * 0 < p10 <= p90 (p10 == p90 gives sigma 0: no uncertainty); else SP_EINVAL. */
int sp_stats_lognormal_fit(double *out_mu, double *out_sigma, double p10, double p90);

/* Sorts x[0..n-1] ascending in place. */
void sp_stats_sort(double *x, size_t n);

/* ---- percentiles: nearest rank ------------------------------------------------
 *
 * One definition for every percentile the model reports (docs/model.md,
 * "Percentiles"): the p-quantile (p in [0, 1]) of n values is the order
 * statistic of index k = floor(p (n - 1) + 1/2), counting from 0 (at most
 * n - 1). It is always a value of the sample, so whole counts stay whole and
 * the percentile of a monotone function of a quantity is that function of the
 * quantity's percentile. */

/* The index k = floor(p (n - 1) + 1/2), at most n - 1, of the p-quantile
 * among n >= 1 ascending values; p in [0, 1] (not checked). */
size_t sp_stats_rank(double p, size_t n);

/* The k-th smallest (k counted from 0, k < n) of x[0..n), n >= 1, by
 * quickselect; x is reordered. No allocation. */
double sp_stats_select(double *x, size_t n, size_t k);

/* The ps[0..np) quantiles (each in [0, 1]) of x[0..n), n >= 1, into out[0..np)
 * by nearest rank, without sorting: x is scratch and is reordered. The
 * forecast's hot path: no checks and no allocation (NaN-free input). */
void sp_stats_select_percentiles(double *out, double *x, size_t n, const double *ps, size_t np);

/* The p-quantile (p in [0, 1]) of an ascending array by nearest rank:
 * sorted[sp_stats_rank(p, n)]. NaN when n == 0 or p is outside [0, 1]. */
double sp_stats_percentile_sorted(const double *sorted, size_t n, double p);

/* The same quantile of an unsorted sample (sorts a copy; x is unchanged).
 * SP_EINVAL when n == 0, p is outside [0, 1] or the sample holds a NaN. */
int sp_stats_percentile(double *out, const double *x, size_t n, double p);

/* Several quantiles of one sample with one sort: out[i] for ps[i]. Same
 * errors as sp_stats_percentile (out is then untouched). */
int sp_stats_percentiles(double *out, const double *x, size_t n, const double *ps, size_t np);

/* ---- the newsvendor commitment level ---------------------------------------------- */

/* The newsvendor rule: committing one unit costs rate_commit and saves
 * rate_over (the rate above the commitment: on-demand, or spot) only where
 * demand exceeds it, so the cost-minimising level among n demand values is
 * the order statistic D_(k) of rank k = ceil(n (1 - rate_commit/rate_over)),
 * counted from 1 and clamped to [1, n]. Returns k; 0 when n == 0 or
 * committing does not pay (rate_commit >= rate_over). Rates are per unit of
 * capacity and time, > 0 (not checked). */
size_t sp_stats_newsvendor_rank(size_t n, double rate_commit, double rate_over);

/* Newsvendor commitment: the level L >= 0 minimising the sample mean of
 * L*rate_commit + max(0, D - L)*rate_on_demand over the demand sample, that
 * is D_(k) with k = sp_stats_newsvendor_rank(n, rate_commit, rate_on_demand)
 * (the exact minimiser; where a range of L ties, which happens when n times
 * the ratio is a whole number, one of its ends); 0 when
 * rate_commit >= rate_on_demand. Sorts a copy; demand is unchanged. Rates are
 * per unit of capacity and time, > 0. SP_EINVAL on n == 0, a rate <= 0 or
 * not finite, or a NaN in the sample. */
int sp_stats_newsvendor(double *out_level, const double *demand, size_t n, double rate_commit,
			double rate_on_demand);

/* The sample mean of L*rate_commit + max(0, D - L)*rate_on_demand: the cost
 * of committing level L (L = 0 is all on-demand), per unit of time. NaN when
 * n == 0. */
double sp_stats_newsvendor_cost(double level, const double *demand, size_t n, double rate_commit,
				double rate_on_demand);

#endif
