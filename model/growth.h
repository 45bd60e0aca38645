/* Growth drivers (docs/model.md §1): the demand series D(m) of a driver over the
 * horizon, for the deterministic path (g_mult = 1) or one Monte Carlo path
 * (g_mult drawn from the driver's lognormal p10/p90 band), and the month's
 * seasonality factor and event multiplier.
 *
 * Pure functions: no I/O, no allocation, no mutable globals. Month numbers
 * are sp_month values (year*12 + month-1); index m of a series is the month
 * start + m. Demand is in the driver's unit (users, orders...). */
#ifndef SP_GROWTH_H
#define SP_GROWTH_H

#include "lib/err.h"
#include "model/spec.h"

/* Monthly rate equivalent to an annual growth rate: (1 + annual)^(1/12) - 1
 * (doubling yearly, annual = 1.0, gives 0.05946). annual > -1, else NaN. */
double sp_growth_monthly_rate(double annual_rate);

/* The driver's monthly rate (exponential, logistic): from annual_growth when
 * growth_is_annual, else monthly_growth. */
double sp_growth_rate(const struct sp_driver *d);

/* Fills out[0..months-1] with the trend of driver d for the horizon starting
 * at month `start` (seasonality and events are not applied: see below).
 * g_mult >= 0 scales the growth: the monthly rate of an exponential or
 * logistic driver, the slope of a linear one, and a piecewise curve's rise
 * over its first point; g_mult = 1 is the deterministic path; a constant
 * driver ignores it.
 *   constant     D0
 *   linear       D0 + g_mult*per_month*m
 *   exponential  D0*(1 + g_mult*g)^m
 *   logistic     K / (1 + ((K - D0)/D0) e^(-g_mult*g*m))
 *   piecewise    linear between (month, value) points in absolute months,
 *                the first value before the first point, the last after the
 *                last; v0 + g_mult*(v - v0) with v0 the first point's value.
 * Demand is never negative: a falling curve stops at 0 (and 1 + g_mult*g
 * below 0 counts as 0). Returns SP_EINVAL when months < 0, g_mult is negative
 * or not finite, or the driver's parameters are unusable (non-finite, a
 * logistic D0 or K <= 0, an exponential rate <= -1, a piecewise curve with
 * no points or unsorted months). */
int sp_growth_fill(double *out, int months, const struct sp_driver *d, sp_month start,
		   double g_mult);

/* Seasonality factor of month m (its calendar month, jan..dec); a factor
 * <= 0 (as in a zero-initialised driver) counts as absent: 1.0. */
double sp_growth_season(const struct sp_driver *d, sp_month m);

/* Product of the multipliers of d's events in month m (1.0 when none);
 * counted in that month's peak. Multipliers <= 0 are ignored. */
double sp_growth_event(const struct sp_driver *d, sp_month m);

#endif
