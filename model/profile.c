/* Daily load profiles of autoscaled fleets (docs/model.md, "Autoscaled
 * fleets"): the class curves, their rescaling to a peak-to-average ratio,
 * the hourly instance counts and the newsvendor level over the hours. */
#include "model/profile.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/stats.h"

/* Hour 0 to 23, local time; each class has a single peak hour. */
static const double curve_web[SP_PROFILE_DAY] = {
	0.55, 0.42, 0.33, 0.28, 0.26, 0.28, 0.36, 0.50, 0.65, 0.75, 0.81, 0.85,
	0.87, 0.86, 0.85, 0.85, 0.86, 0.89, 0.93, 0.97, 1.00, 0.96, 0.84, 0.70,
};
/* the web curve an hour later: queues pass their producers' load on late */
static const double curve_worker[SP_PROFILE_DAY] = {
	0.70, 0.55, 0.42, 0.33, 0.28, 0.26, 0.28, 0.36, 0.50, 0.65, 0.75, 0.81,
	0.85, 0.87, 0.86, 0.85, 0.85, 0.86, 0.89, 0.93, 0.97, 1.00, 0.96, 0.84,
};
/* nightly jobs, when the online load is low */
static const double curve_batch[SP_PROFILE_DAY] = {
	0.80, 0.95, 1.00, 0.90, 0.70, 0.45, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25,
	0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.40, 0.60,
};
/* office hours */
static const double curve_dev[SP_PROFILE_DAY] = {
	0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.10, 0.30, 0.70, 0.90, 0.95, 0.95,
	0.85, 0.95, 1.00, 0.95, 0.90, 0.70, 0.40, 0.20, 0.10, 0.10, 0.10, 0.10,
};

const double *sp_profile_class_curve(enum sp_class cls)
{
	switch (cls) {
	case SP_CLASS_WORKER: return curve_worker;
	case SP_CLASS_BATCH: return curve_batch;
	case SP_CLASS_DEV: return curve_dev;
	default: return curve_web;
	}
}

int sp_profile_class_autoscale(enum sp_class cls)
{
	return cls == SP_CLASS_WEB;
}

static int cmp_desc(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? 1 : x > y ? -1 : 0;
}

/* peak / average of the curve raised to beta: hours / sum mult s^beta (s <= 1) */
static double ratio_at(const double *s, const int *mult, int n, int hours, double beta)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += mult[i] * (s[i] == 1 ? 1 : pow(s[i], beta));
	return hours / sum;
}

int sp_profile_build(struct sp_profile *out, const double *daily, const double *weekly, double peak_to_average,
		     char *err, size_t errlen)
{
	double s[SP_PROFILE_MAX_HOURS], peak = 0, target = peak_to_average;
	int hours = weekly ? SP_PROFILE_MAX_HOURS : SP_PROFILE_DAY, n = 0;

	memset(out, 0, sizeof(*out));
	if (!(target >= 1) || !isfinite(target)) {
		if (err)
			snprintf(err, errlen, "peak_to_average must be at least 1, not %g", target);
		return -1;
	}
	for (int i = 0; i < hours; i++) {
		double d = daily[i % SP_PROFILE_DAY], w = weekly ? weekly[i / SP_PROFILE_DAY] : 1;
		if (!(d > 0) || !isfinite(d) || !(w > 0) || !isfinite(w)) {
			if (err)
				snprintf(err, errlen, "every factor of a profile must be a number above 0");
			return -1;
		}
		s[i] = d * w;
		peak = s[i] > peak ? s[i] : peak;
	}
	for (int i = 0; i < hours; i++)
		s[i] = s[i] == peak ? 1 : s[i] / peak;
	qsort(s, (size_t)hours, sizeof(double), cmp_desc);
	/* distinct factors and their hours */
	for (int i = 0; i < hours; i++) {
		if (n > 0 && out->level[n - 1] == s[i]) {
			out->mult[n - 1]++;
			continue;
		}
		out->level[n] = s[i];
		out->mult[n++] = 1;
	}
	out->hours = hours;
	out->nlevels = n;
	int at_peak = out->mult[0];
	if (target >= (double)hours / at_peak) {
		if (err)
			snprintf(err, errlen,
				 "peak_to_average %g cannot be reached: %d of the profile's %d hours are at its peak, "
				 "so its peak is less than %g times its average",
				 target, at_peak, hours, (double)hours / at_peak);
		return -1;
	}
	double beta = 1;
	if (n == 1 || target == 1) {
		beta = 0;
	} else if (fabs(ratio_at(out->level, out->mult, n, hours, 1) - target) > 1e-12 * target) {
		/* the ratio grows with beta from 1 (beta = 0) towards hours / at_peak */
		double lo = 0, hi = 1;
		while (ratio_at(out->level, out->mult, n, hours, hi) < target && hi < 1e6)
			lo = hi, hi *= 2;
		for (int it = 0; it < 200 && hi - lo > 1e-13 * hi; it++) {
			double mid = (lo + hi) / 2;
			if (ratio_at(out->level, out->mult, n, hours, mid) < target)
				lo = mid;
			else
				hi = mid;
		}
		beta = (lo + hi) / 2;
	}
	for (int i = 1; i < n; i++)
		out->level[i] = beta == 0 ? 1 : pow(out->level[i], beta);
	/* beta = 0 (or factors that underflow) can make levels equal: merge them */
	int m = 1;
	for (int i = 1; i < n; i++) {
		if (out->level[i] == out->level[m - 1]) {
			out->mult[m - 1] += out->mult[i];
			continue;
		}
		out->level[m] = out->level[i];
		out->mult[m++] = out->mult[i];
	}
	out->nlevels = m;
	out->beta = beta;
	out->ratio = ratio_at(out->level, out->mult, m, hours, 1);
	return 0;
}

/* out[i] and out[j] are known: fill the levels between them */
static void fill(int *out, const struct sp_profile *pf, double rate, int i, int j, sp_profile_size_fn size, void *ctx)
{
	while (j - i > 1 && out[i] != out[j]) {
		int mid = i + (j - i) / 2;
		out[mid] = size(ctx, rate * pf->level[mid]);
		fill(out, pf, rate, i, mid, size, ctx);
		i = mid;
	}
	for (int k = i + 1; k < j; k++)
		out[k] = out[i];
}

long sp_profile_counts(int *out, const struct sp_profile *pf, double peak_rate, sp_profile_size_fn size, void *ctx)
{
	int last = pf->nlevels - 1;
	long sum = 0;

	out[0] = size(ctx, peak_rate);
	if (last > 0) {
		out[last] = size(ctx, peak_rate * pf->level[last]);
		fill(out, pf, peak_rate, 0, last, size, ctx);
	}
	for (int k = 0; k <= last; k++)
		sum += (long)pf->mult[k] * out[k];
	return sum;
}

double sp_profile_mean(const struct sp_profile *pf, const int *counts)
{
	long sum = 0;
	for (int k = 0; k < pf->nlevels; k++)
		sum += (long)pf->mult[k] * counts[k];
	return (double)sum / pf->hours;
}

double sp_profile_month_cost(const struct sp_profile *pf, const int *counts, int level, double commit,
			     double over)
{
	long above = 0;
	/* counts fall with k: stop at the first hour the commitment covers */
	for (int k = 0; k < pf->nlevels && counts[k] > level; k++)
		above += (long)pf->mult[k] * (counts[k] - level);
	return level * commit + over * (double)above / pf->hours;
}

double sp_profile_month_cost_sum(const struct sp_profile *pf, const int *counts, long sum, int level, double commit,
				 double over)
{
	/* sum_k mult max(0, n_k - c) = (sum - below) - c (hours - hours below),
	 * "below" over the hours that need fewer than c: the row's tail */
	long below = 0;
	int hb = 0;
	for (int k = pf->nlevels - 1; k >= 0 && counts[k] < level; k--) {
		below += (long)pf->mult[k] * counts[k];
		hb += pf->mult[k];
	}
	double above = (double)(sum - below) - (double)level * (pf->hours - hb);
	return level * commit + over * above / pf->hours;
}

void sp_profile_hist(const struct sp_profile *pf, const int *rows, size_t n, int lo, size_t *hist)
{
	int L = pf->nlevels;
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < L; j++)
			hist[rows[i * (size_t)L + j] - lo] += (size_t)pf->mult[j];
}

int sp_profile_hist_rank(const size_t *hist, size_t span, int lo, size_t k)
{
	size_t seen = 0;
	for (size_t v = 0; v < span; v++) {
		seen += hist[v];
		if (seen >= k)
			return lo + (int)v;
	}
	return lo + (int)span - 1;
}

int sp_profile_newsvendor(const struct sp_profile *pf, const int *rows, size_t n, int lo, int hi, double commit,
			  double over, size_t *hist)
{
	size_t k = sp_stats_newsvendor_rank(n * (size_t)pf->hours, commit, over);
	size_t span = (size_t)(hi - lo) + 1;

	if (k == 0)
		return 0;
	memset(hist, 0, span * sizeof(*hist));
	sp_profile_hist(pf, rows, n, lo, hist);
	return sp_profile_hist_rank(hist, span, lo, k);
}
