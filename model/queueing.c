#include "model/queueing.h"

#include <limits.h>
#include <math.h>

#include "model/stats.h"

/* ---- Erlang B on the reciprocal -------------------------------------------
 *
 * With I_k = 1/B_k the recursion B_k = a B_{k-1} / (k + a B_{k-1}) becomes
 * I_k = 1 + (k/a) I_{k-1}, I_0 = 1: one multiply-add on the dependency chain
 * (k/a does not depend on I and pipelines). A relative error in I_{k-1} is
 * carried to I_k multiplied by (1 - B_k) <= k/a: it never grows, and below
 * k = a it shrinks fast. So for large a the recursion need not start at 0: it
 * starts at k0 with the fluid guess I = a/(a - k0) (an upper bound, within
 * ~1.2 % of the truth) where the product of the factors k/a from k0 up to
 * min(c, a) is below e^-41 (~1.6e-18), and the result is exact to rounding.
 * Since ln(a/k) >= (a - k)/a, n = top - k0 steps with d = a - top suffice when
 * (n d + n(n-1)/2)/a >= 41, i.e. n >= -(d - 1/2) + sqrt((d - 1/2)^2 + 82 a):
 * about 9 sqrt(a) steps below a, then c - a steps above it.
 *
 * For every c > a the start is the same (top = floor(a)), so I_c is one
 * function of (a, c) whatever the caller's path to it: the server search
 * gives the same answer from any starting guess. */

#define DECAY_E 41.0

static int start_index(double a, double top)
{
	double d = a - top;   /* >= 0 */
	double h = d - 0.5;
	double n = ceil(-h + sqrt(h * h + 2.0 * DECAY_E * a));
	double k0 = top - n;
	return k0 > 0 ? (int)k0 : 0;
}

static double start_inv(double a, int k0)
{
	return k0 > 0 ? a / (a - k0) : 1.0;
}

/* one step of the recursion: I_k from I_{k-1} (shared so every path rounds alike) */
static inline double inv_step(double inv, int k, double a)
{
	return 1.0 + ((double)k / a) * inv;
}

/* I_c = 1/B(c, a) for c >= 1, a > 0, a finite. */
static double inv_b(int c, double a)
{
	double top = (double)c > a ? floor(a) : (double)c;
	int k0 = start_index(a, top);
	double inv = start_inv(a, k0);
	for (int k = k0 + 1; k <= c; k++) {
		inv = inv_step(inv, k, a);
		if (isinf(inv))
			break;   /* B underflowed to 0 and stays there */
	}
	return inv;
}

static double erlang_c_inv(int c, double a, double inv)
{
	/* c B / (c - a (1 - B)) with B = 1/I; I = inf (B underflowed) gives 0 */
	return (double)c / (inv * ((double)c - a) + a);
}

double sp_q_erlang_b(int c, double a)
{
	if (c < 0 || !(a >= 0) || !isfinite(a))
		return NAN;
	if (c == 0)
		return 1.0;
	if (a == 0)
		return 0.0;
	return 1.0 / inv_b(c, a);
}

double sp_q_erlang_c(int c, double a)
{
	if (c < 0 || !(a >= 0) || !isfinite(a))
		return NAN;
	if ((double)c <= a)
		return 1.0;
	if (a == 0)
		return 0.0;
	return erlang_c_inv(c, a, inv_b(c, a));
}

/* ---- waiting and response times -------------------------------------------- */

/* h(z) = (1 - e^-z)/z for z >= 0, h(0) = 1; expm1 keeps it exact for small z */
static double h_fn(double z)
{
	if (z < 1e-9)
		return 1.0 - 0.5 * z;   /* next term z^2/6 < 2e-19 */
	return -expm1(-z) / z;
}

static double tail_parts(double pwait, double mu, double theta, double t)
{
	double mt = mu * t;
	double lo = theta < mu ? theta : mu;
	double p = exp(-mt) + pwait * mt * exp(-lo * t) * h_fn(fabs(theta - mu) * t);
	return p < 1.0 ? p : 1.0;
}

double sp_q_resp_tail_parts(double pwait, double mu_per_s, double theta_per_s, double t_s)
{
	if (!(pwait >= 0 && pwait <= 1) || !(mu_per_s > 0) || !isfinite(mu_per_s) ||
	    !(theta_per_s >= 0) || !isfinite(theta_per_s) || !(t_s >= 0))
		return NAN;
	if (isinf(t_s))
		return 0.0;
	return tail_parts(pwait, mu_per_s, theta_per_s, t_s);
}

/* The prologue the queue figures share: 1 with *a = A when the arguments
 * describe a stable M/M/c queue (c > A); else 0 with *early the answer: NaN
 * for an argument out of its domain (t_s must be >= 0), `unstable` when
 * c <= A. */
static int stable_queue(int c, double lambda_rps, double service_s, double t_s, double unstable, double *a,
			double *early)
{
	if (!(c >= 0 && lambda_rps >= 0 && isfinite(lambda_rps) && service_s > 0 && isfinite(service_s)) ||
	    !(t_s >= 0)) {
		*early = NAN;
		return 0;
	}
	*a = lambda_rps * service_s;
	if ((double)c <= *a) {
		*early = unstable;
		return 0;
	}
	return 1;
}

double sp_q_wait_tail(int c, double lambda_rps, double service_s, double t_s)
{
	double a, early;
	if (!stable_queue(c, lambda_rps, service_s, t_s, 1.0, &a, &early))
		return early;
	return sp_q_erlang_c(c, a) * exp(-(((double)c - a) * (1.0 / service_s)) * t_s);
}

double sp_q_wait_mean_s(int c, double lambda_rps, double service_s)
{
	double a, early;
	if (!stable_queue(c, lambda_rps, service_s, 0.0, INFINITY, &a, &early))
		return early;
	return sp_q_erlang_c(c, a) / (((double)c - a) * (1.0 / service_s));
}

double sp_q_resp_tail(int c, double lambda_rps, double service_s, double t_s)
{
	double a, early;
	if (!stable_queue(c, lambda_rps, service_s, t_s, 1.0, &a, &early))
		return early;
	if (isinf(t_s))
		return 0.0;
	/* the same arithmetic as the server search, so the two agree to the bit */
	double mu = 1.0 / service_s;
	return tail_parts(sp_q_erlang_c(c, a), mu, ((double)c - a) * mu, t_s);
}

/* ---- the unreachable bound ----------------------------------------------------- */

double sp_q_min_slo_s(double service_s, double quantile)
{
	if (!(service_s > 0) || !isfinite(service_s) || !(quantile > 0 && quantile < 1))
		return NAN;
	return service_s * -log1p(-quantile);
}

int sp_q_slo_reachable(double service_s, double quantile, double slo_s)
{
	if (!(service_s > 0) || !isfinite(service_s) || !(quantile > 0 && quantile < 1) ||
	    !(slo_s > 0))
		return 0;
	/* the same arithmetic as the search's tail, where C = 0 leaves e^(-mu t) */
	return exp(-((1.0 / service_s) * slo_s)) < 1.0 - quantile;
}

/* ---- sizing to the SLO ---------------------------------------------------------- */

/* The recursion walked upwards, remembering the last RING values so that a
 * search can step back without starting over. */
#define RING 512

struct walk {
	double a;
	int k0;
	double inv0;
	int k;              /* the recursion stands at k ... */
	int lo;             /* ... and ring holds I_j for lo <= j <= k, at j % RING */
	double ring[RING];
};

static void walk_reset(struct walk *w)
{
	w->k = w->k0;
	w->lo = w->k0;
	w->ring[(unsigned)w->k0 % RING] = w->inv0;
}

static void walk_init(struct walk *w, double a)
{
	w->a = a;
	w->k0 = start_index(a, floor(a));
	w->inv0 = start_inv(a, w->k0);
	walk_reset(w);
}

/* I_c for c > a, the same value inv_b(c, a) gives */
static double walk_inv(struct walk *w, int c)
{
	if (c < w->lo)
		walk_reset(w);
	if (c > w->k) {
		double inv = w->ring[(unsigned)w->k % RING];
		for (int k = w->k + 1; k <= c; k++) {
			inv = inv_step(inv, k, w->a);
			w->ring[(unsigned)k % RING] = inv;
		}
		w->k = c;
		if (w->lo < c - RING + 1)
			w->lo = c - RING + 1;
	}
	return w->ring[(unsigned)c % RING];
}

struct sizing {
	struct walk w;
	double a, mu, t, eps;
};

/* Does c > a servers meet P(T > t) <= eps? Monotone in c. */
static int meets(struct sizing *z, int c)
{
	double inv = walk_inv(&z->w, c);
	double pw = erlang_c_inv(c, z->a, inv);
	double theta = ((double)c - z->a) * z->mu;
	return tail_parts(pw, z->mu, theta, z->t) <= z->eps;
}

/* Where the search starts, when the caller has no hint: square-root staffing
 * c = a + beta sqrt(a) with beta = z_quantile (Halfin-Whitt), but never above
 * c_up, a proven upper bound (see sp_q_servers_hint). For large a the answer
 * is close to c_up (theta = (c - a) mu grows fast with c); for small a or an
 * SLO near its bound it is of the order of sqrt(a). Only speed depends on it. */
static double staffing_guess(double a, double quantile, double c_up)
{
	double beta = sp_stats_norm_quantile(quantile);
	double g = a + (beta > 0 ? beta : 0.0) * sqrt(a);
	return g < c_up ? g : c_up;
}

static int check_args(double lambda_rps, double service_s, double quantile, double slo_s,
		      double target_util)
{
	if (!(lambda_rps >= 0) || !isfinite(lambda_rps) || !(service_s > 0) ||
	    !isfinite(service_s) || !(target_util > 0 && target_util <= 1) || !(slo_s >= 0) ||
	    !isfinite(slo_s))
		return SP_EINVAL;
	if (slo_s > 0 && !(quantile > 0 && quantile < 1))
		return SP_EINVAL;
	return 0;
}

int sp_q_servers_hint(int *out_servers, double lambda_rps, double service_s, double quantile,
		      double slo_s, double target_util, int hint)
{
	int rc = check_args(lambda_rps, service_s, quantile, slo_s, target_util);
	if (rc)
		return rc;
	if (slo_s > 0 && !sp_q_slo_reachable(service_s, quantile, slo_s))
		return SP_Q_EUNREACHABLE;
	double a = lambda_rps * service_s;
	if (a == 0) {
		*out_servers = 0;
		return 0;
	}
	double cu = ceil(a / target_util * (1.0 - 1e-12));
	double cm = floor(a) + 1.0;   /* smallest c > a */
	if (cu > SP_Q_MAX_SERVERS || cm > SP_Q_MAX_SERVERS)
		return SP_ETOOBIG;
	int c_min = (int)cm, c_util = (int)cu;
	int c_floor = c_util > c_min ? c_util : c_min;
	if (slo_s == 0) {
		*out_servers = c_floor;
		return 0;
	}

	/* the answer is the smallest c >= c_floor that meets the SLO; any c
	 * meeting it at or below c_floor means c_floor */
	static const int max_step = RING / 2;
	struct sizing z;
	z.a = a;
	z.mu = 1.0 / service_s;
	z.t = slo_s;
	z.eps = 1.0 - quantile;

	/* An upper bound for the answer: with C <= 1 and theta > mu,
	 * P(T > t) <= e^(-mu t) (1 + mu/(theta - mu)), which is <= eps once
	 * c - a >= 1 + 1/R, R = eps e^(mu t) - 1 > 0 (reachable). For large a it
	 * is nearly tight; when it is below c_floor nothing need be computed. */
	double r_slack = z.eps * exp(slo_s * z.mu) - 1.0;
	double c_up = INFINITY;
	if (r_slack > 0)   /* a hair of margin so that rounding cannot make it too low */
		c_up = floor((a + 1.0 + 1.0 / r_slack) * (1.0 + 1e-12) + 1e-9) + 1.0;
	if (c_up <= c_floor) {
		*out_servers = c_floor;
		return 0;
	}
	walk_init(&z.w, a);
	double guess = hint > 0 ? (double)hint : staffing_guess(a, quantile, c_up);
	double cap = cm + 6.0 * sqrt(a) + 16.0;   /* a stale hint must not cost O(a) */
	if (guess > cap)
		guess = cap;
	if (guess > c_up)
		guess = c_up;
	if (c_util > c_min && guess > c_util)
		guess = c_util;   /* meeting the SLO there settles it */
	if (guess < cm)
		guess = cm;
	int p = (int)guess;
	int lo, hi;   /* invariant: lo fails (or is below c_floor), hi meets */

	if (meets(&z, p)) {
		if (p <= c_floor) {
			*out_servers = c_floor;
			return 0;
		}
		hi = p;
		for (int step = 1;; step *= 2) {
			int q = hi - step;
			if (q < c_floor) {
				lo = c_floor - 1;
				break;
			}
			if (!meets(&z, q)) {
				lo = q;
				break;
			}
			hi = q;
		}
	} else {
		lo = p;
		for (int step = 1;; step = step < max_step ? step * 2 : max_step) {
			if (lo > SP_Q_MAX_SERVERS - step)
				return SP_ETOOBIG;
			int q = lo + step;
			if (meets(&z, q)) {
				hi = q;
				break;
			}
			lo = q;
		}
		if (hi <= c_floor) {
			*out_servers = c_floor;
			return 0;
		}
		if (lo < c_floor - 1)
			lo = c_floor - 1;
	}
	while (hi - lo > 1) {
		int mid = lo + (hi - lo) / 2;
		if (meets(&z, mid))
			hi = mid;
		else
			lo = mid;
	}
	*out_servers = hi;
	return 0;
}

int sp_q_servers(int *out_servers, double lambda_rps, double service_s, double quantile,
		 double slo_s, double target_util)
{
	return sp_q_servers_hint(out_servers, lambda_rps, service_s, quantile, slo_s, target_util, 0);
}

/* ---- zones ------------------------------------------------------------------------- */

int sp_q_zones(int *out_instances, int *out_max_binds, int n, int zones, int min, int max)
{
	if (n < 0 || zones < 1 || min < 0 || max < 0 || (max > 0 && max < min))
		return SP_EINVAL;
	long long v = n;
	if (zones > 1) {
		long long z = zones;
		v = (v * z + z - 2) / (z - 1);   /* ceil(n z / (z - 1)) */
		v = (v + z - 1) / z * z;         /* up to a multiple of z */
	}
	if (v < min)
		v = min;
	int binds = 0;
	if (max > 0 && v > max) {
		v = max;
		binds = 1;
	}
	if (v > INT_MAX)
		return SP_ETOOBIG;
	*out_instances = (int)v;
	if (out_max_binds)
		*out_max_binds = binds;
	return 0;
}

/* ---- Universal Scalability Law -------------------------------------------------------- */

double sp_q_usl_throughput(double lambda_rps, double sigma, double kappa, double n)
{
	if (!(lambda_rps >= 0) || !(sigma >= 0 && sigma < 1) || !(kappa >= 0) || !(n >= 0) ||
	    !isfinite(lambda_rps) || !isfinite(kappa) || !isfinite(n))
		return NAN;
	if (n == 0)
		return 0.0;
	return lambda_rps * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0));
}

double sp_q_usl_peak(double sigma, double kappa)
{
	if (!(sigma >= 0 && sigma < 1) || !(kappa >= 0) || !isfinite(kappa))
		return NAN;
	if (kappa == 0)
		return INFINITY;
	return sqrt((1.0 - sigma) / kappa);
}
