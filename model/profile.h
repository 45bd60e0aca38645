/* Daily load profiles of autoscaled fleets (docs/model.md, "Autoscaled
 * fleets"): a 24-hour curve per workload class or from the spec's
 * scaling.profile, an optional weekly shape, rescaled so that its peak over
 * its average is the service's peak_to_average; the instances each hour
 * needs, sized with the same (monotone) sizing as the month's peak; and the
 * newsvendor commitment level over those hours. Pure computation: no
 * allocation, no I/O. */
#ifndef SP_PROFILE_H
#define SP_PROFILE_H
#include <stddef.h>

#include "model/spec.h"

#define SP_PROFILE_DAY 24
#define SP_PROFILE_WEEK 7
#define SP_PROFILE_MAX_HOURS (SP_PROFILE_DAY * SP_PROFILE_WEEK)

/* A profile reduced to what sizing needs: its distinct hourly factors,
 * relative to the peak hour (level[0] = 1), in descending order, and how many
 * of its hours have each. The hours are 24 (a day) or 168 (a week: the daily
 * curve times each day's weekly factor); the month's 730 hours are taken as
 * 730/hours repetitions of them. */
struct sp_profile {
	int hours;                          /* 24 or 168 */
	int nlevels;                        /* distinct factors, >= 1 */
	double level[SP_PROFILE_MAX_HOURS]; /* (0, 1], descending; level[0] = 1 */
	int mult[SP_PROFILE_MAX_HOURS];     /* hours at each level; they sum to hours */
	double beta;                        /* the exponent the curve was raised to */
	double ratio;                       /* peak / average of the result */
};

/* The default daily curve of a workload class: 24 relative loads, hour 0 to
 * 23 in the region's local time, each > 0, one peak hour (docs/model.md
 * states each and why). Static storage. */
const double *sp_profile_class_curve(enum sp_class cls);

/* Whether a class's fleets are autoscaled when the spec does not say
 * (scaling.autoscale): web yes; worker, batch and dev no. */
int sp_profile_class_autoscale(enum sp_class cls);

/* Builds *out from daily[24] (> 0) and weekly[7] (> 0; NULL: every day the
 * same) so that peak / average = peak_to_average (>= 1): the combined curve
 * s (relative to its peak) is raised to the power beta that gives that ratio,
 * by bisection; a curve whose own ratio already is peak_to_average (within
 * 1e-12) is used as given (beta = 1). With k of its hours at the peak the
 * ratio stays below hours / k: a larger peak_to_average is an error.
 * Returns 0, or -1 with a message in err (errlen bytes; may be NULL) on a
 * factor that is not > 0 or finite, or an unreachable ratio. */
int sp_profile_build(struct sp_profile *out, const double *daily, const double *weekly, double peak_to_average,
		     char *err, size_t errlen);

/* Instances at a rate, monotone non-decreasing in it (the forecast's sizing). */
typedef int (*sp_profile_size_fn)(void *ctx, double rate);

/* The instances each level of pf needs when the peak hour's rate is
 * peak_rate: out[k] = size(ctx, peak_rate * pf->level[k]), k < nlevels
 * (non-increasing in k). Because size is monotone, levels between two with
 * the same count take that count without calling size. Returns
 * sum_k mult[k] * out[k], the instance-hours of one profile period. */
long sp_profile_counts(int *out, const struct sp_profile *pf, double peak_rate, sp_profile_size_fn size, void *ctx);

/* The average instances over the hours of one row of counts (out of
 * sp_profile_counts): sum_k mult[k] * counts[k] / hours. */
double sp_profile_mean(const struct sp_profile *pf, const int *counts);

/* The committed instances' cost and the rest bought above them, for one month
 * of one row of counts: level * commit + over * sum_k mult[k] * max(0,
 * counts[k] - level) / hours (rates per instance-month). */
double sp_profile_month_cost(const struct sp_profile *pf, const int *counts, int level, double commit,
			     double over);

/* The same from the sum of the row's instance-hours (sp_profile_counts'
 * result), reading only the hours below the level: O(those hours). */
double sp_profile_month_cost_sum(const struct sp_profile *pf, const int *counts, long sum, int level, double commit,
				 double over);

/* Adds the hours of n rows of counts to hist: hist[c - lo] += the hours that
 * need c instances (every count >= lo). */
void sp_profile_hist(const struct sp_profile *pf, const int *rows, size_t n, int lo, size_t *hist);

/* The value lo + v of the k-th smallest hour (k from 1) in hist[0..span);
 * lo + span - 1 when hist holds fewer. */
int sp_profile_hist_rank(const size_t *hist, size_t span, int lo, size_t k);

/* The newsvendor level over the hours of n rows of counts (n months x paths,
 * each row pf->nlevels counts): the level c that minimises
 * sum over every hour of c * commit + over * max(0, need - c), the order
 * statistic of rank sp_stats_newsvendor_rank(n * hours, commit, over) of the
 * hourly needs. lo and hi bound every count; hist holds hi - lo + 1 counters
 * (scratch). 0 when committing does not pay. */
int sp_profile_newsvendor(const struct sp_profile *pf, const int *rows, size_t n, int lo, int hi, double commit,
			  double over, size_t *hist);

#endif
