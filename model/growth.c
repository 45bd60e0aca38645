#include "model/growth.h"

#include <math.h>

double sp_growth_monthly_rate(double annual_rate)
{
	if (!(annual_rate > -1.0) || !isfinite(annual_rate))
		return NAN;
	return expm1(log1p(annual_rate) / 12.0);
}

double sp_growth_rate(const struct sp_driver *d)
{
	return d->growth_is_annual ? sp_growth_monthly_rate(d->annual_growth) : d->monthly_growth;
}

static double nonneg(double x)
{
	return x > 0 ? x : 0.0;
}

static int fill_piecewise(double *out, int months, const struct sp_driver *d, sp_month start,
			  double g_mult)
{
	const struct sp_point *p = d->points;
	size_t np = d->npoints;
	if (np == 0 || !p)
		return SP_EINVAL;
	for (size_t j = 0; j < np; j++) {
		if (!isfinite(p[j].value) || (j > 0 && p[j].month < p[j - 1].month))
			return SP_EINVAL;
	}
	double v0 = p[0].value;
	size_t j = 0;   /* p[j].month <= month < p[j+1].month once month passes p[0] */
	for (int m = 0; m < months; m++) {
		long month = (long)start + m;
		while (j + 1 < np && p[j + 1].month <= month)
			j++;
		double v;
		if (month <= p[j].month || j + 1 == np) {
			v = p[j].value;   /* before the first point, on a point, after the last */
		} else {
			double f = (double)(month - p[j].month) / (double)(p[j + 1].month - p[j].month);
			v = p[j].value + f * (p[j + 1].value - p[j].value);
		}
		out[m] = nonneg(v0 + g_mult * (v - v0));
	}
	return 0;
}

int sp_growth_fill(double *out, int months, const struct sp_driver *d, sp_month start,
		   double g_mult)
{
	if (months < 0 || !(g_mult >= 0) || !isfinite(g_mult))
		return SP_EINVAL;
	if (d->model == SP_DRV_PIECEWISE)
		return fill_piecewise(out, months, d, start, g_mult);

	double d0 = d->start;
	if (!isfinite(d0))
		return SP_EINVAL;
	switch (d->model) {
	case SP_DRV_CONSTANT:
		for (int m = 0; m < months; m++)
			out[m] = nonneg(d0);
		return 0;
	case SP_DRV_LINEAR: {
		double b = g_mult * d->per_month;
		if (!isfinite(b))
			return SP_EINVAL;
		for (int m = 0; m < months; m++)
			out[m] = nonneg(d0 + b * m);
		return 0;
	}
	case SP_DRV_EXPONENTIAL: {
		double g = sp_growth_rate(d);
		if (!(g > -1.0) || !isfinite(g))
			return SP_EINVAL;
		double base = 1.0 + g_mult * g;
		if (base <= 0) {
			for (int m = 0; m < months; m++)
				out[m] = m == 0 ? nonneg(d0) : 0.0;
			return 0;
		}
		double lg = log1p(g_mult * g);   /* (1 + x)^m = e^(m log1p x), exact for small x */
		for (int m = 0; m < months; m++)
			out[m] = nonneg(d0 * exp(lg * m));
		return 0;
	}
	case SP_DRV_LOGISTIC: {
		double k = d->ceiling, r = g_mult * sp_growth_rate(d);
		if (!(d0 > 0) || !(k > 0) || !isfinite(k) || !isfinite(r))
			return SP_EINVAL;
		double ratio = (k - d0) / d0;
		for (int m = 0; m < months; m++)
			out[m] = k / (1.0 + ratio * exp(-r * m));
		return 0;
	}
	case SP_DRV_PIECEWISE:
		break;
	}
	return SP_EINVAL;
}

double sp_growth_season(const struct sp_driver *d, sp_month m)
{
	int i = ((m % 12) + 12) % 12;
	double f = d->seasonality[i];
	return f > 0 ? f : 1.0;
}

double sp_growth_event(const struct sp_driver *d, sp_month m)
{
	double f = 1.0;
	for (size_t i = 0; i < d->nevents; i++)
		if (d->events[i].month == m && d->events[i].multiplier > 0)
			f *= d->events[i].multiplier;
	return f;
}
