/* The queueing core of the capacity model (docs/model.md §4): Erlang B and C, the
 * M/M/c waiting and response-time distributions, sizing a service to a latency
 * SLO, zone redundancy and the Universal Scalability Law.
 *
 * Pure functions: no I/O, no allocation, no mutable globals; safe from any
 * thread. Units are in the names: _rps requests per second, _s seconds.
 * One vCPU is one server; the offered load is A = lambda_rps * service_s
 * Erlangs, mu = 1/service_s and theta = (c - A)*mu per second.
 *
 * Functions that return a double document their domain; outside it they
 * return NaN. Functions that can fail return 0 or a negative code (lib/err.h
 * codes, or SP_Q_EUNREACHABLE) and write their outputs, which come first. */
#ifndef SP_QUEUEING_H
#define SP_QUEUEING_H

#include "lib/err.h"

/* The latency SLO cannot be met by any number of servers (see sp_q_min_slo_s). */
#define SP_Q_EUNREACHABLE (-32)
/* Largest server count sp_q_servers returns; more gives SP_ETOOBIG. */
#define SP_Q_MAX_SERVERS (1 << 30)

/* Erlang B blocking probability B(c, a) for c >= 0 servers and a >= 0 Erlangs,
 * by the stable recursion B_k = a*B_{k-1} / (k + a*B_{k-1}) (run on 1/B_k).
 * Exact to a few ulps for any c; O(min(c, 9*sqrt(a) + |c - a|)) steps, so a
 * of 1e6 Erlangs is cheap and nothing overflows. */
double sp_q_erlang_b(int c, double a);

/* Erlang C, the probability that an arrival waits, C(c, a) = c*B / (c - a*(1 - B))
 * for c > a; 1.0 when c <= a (the queue is unstable: everyone waits). */
double sp_q_erlang_c(int c, double a);

/* P(Wq > t_s) = C*exp(-theta*t) for an M/M/c queue with c >= 0 servers,
 * arrival rate lambda_rps >= 0 and mean service time service_s > 0; t_s >= 0.
 * 1.0 when c <= A; NaN for an argument out of its domain. */
double sp_q_wait_tail(int c, double lambda_rps, double service_s, double t_s);

/* E[Wq] = C/theta in seconds for the same queue; INFINITY when c <= A; NaN
 * for an argument out of its domain. */
double sp_q_wait_mean_s(int c, double lambda_rps, double service_s);

/* P(T > t_s), T = Wq + service, for the same queue; 1.0 when c <= A; 0 when
 * t_s is infinite; NaN for an argument out of its domain. */
double sp_q_resp_tail(int c, double lambda_rps, double service_s, double t_s);

/* The response-time tail from its parts: pwait = C in [0, 1], mu_per_s > 0,
 * theta_per_s > 0, t_s >= 0:
 *   P(T > t) = e^(-mu t) + C * mu t * e^(-min(mu,theta) t) * h(|theta - mu| t),
 *   h(z) = (1 - e^(-z))/z, h(0) = 1,
 * which equals the reference form (1-C)e^(-mu t) + C(theta e^(-mu t) - mu e^(-theta t))/(theta - mu)
 * and its theta = mu limit e^(-mu t)(1 + C mu t), with no cancellation near theta = mu. */
double sp_q_resp_tail_parts(double pwait, double mu_per_s, double theta_per_s, double t_s);

/* The smallest quantile-latency target any number of servers can reach: the
 * service time's own quantile, service_s * -ln(1 - quantile) (P(T > t) >=
 * e^(-mu t)), in the unit of service_s (seconds; it is linear, so the
 * loader passes milliseconds and gets milliseconds). quantile in (0, 1),
 * service_s > 0 and finite; NaN otherwise. */
double sp_q_min_slo_s(double service_s, double quantile);

/* 1 when some finite number of servers meets "quantile of T <= slo_s", that is
 * e^(-slo_s/service_s) < 1 - quantile, computed as sp_q_servers does so that
 * the two always agree; 0 when not or when an argument is out of its domain. */
int sp_q_slo_reachable(double service_s, double quantile, double slo_s);

/* Servers (vCPUs) for a CPU-bound service:
 *   max(ceil(A / target_util), smallest c > A with P(T > slo_s) <= 1 - quantile).
 * lambda_rps >= 0 (peak), service_s > 0, quantile in (0, 1), target_util in (0, 1].
 * slo_s > 0 is the latency target; slo_s == 0 means no latency SLO (utilisation
 * only, and still c > A so that the queue is stable). lambda_rps == 0 gives 0.
 * ceil(A / target_util) forgives a relative rounding error of 1e-12.
 * Returns 0; SP_EINVAL for an argument out of its domain; SP_Q_EUNREACHABLE
 * when slo_s <= sp_q_min_slo_s (whatever the load); SP_ETOOBIG above
 * SP_Q_MAX_SERVERS. Exact: an integer search on the exact tail, starting
 * from a proven upper bound; about 9*sqrt(A) + (c - A) multiply-adds and a few
 * dozen exp() calls (A = 1e5: ~5 us), nothing at all when that bound is below
 * ceil(A / target_util). */
int sp_q_servers(int *out_servers, double lambda_rps, double service_s, double quantile,
		 double slo_s, double target_util);

/* The same, starting the search at hint (typically the previous month's
 * *out_servers for this service; <= 0 for none). The result never depends on
 * the hint, only the time taken does. */
int sp_q_servers_hint(int *out_servers, double lambda_rps, double service_s, double quantile,
		      double slo_s, double target_util, int hint);

/* Zone redundancy: n instances must survive the loss of one of `zones` zones,
 * so n*zones/(zones-1) rounded up to a multiple of zones (zones == 1: n), then
 * clamped to [min, max] (max == 0: no maximum). *out_max_binds (may be NULL)
 * is 1 when the maximum cut the count (an SLO at risk), else 0.
 * Returns SP_EINVAL when n < 0, zones < 1, min < 0 or 0 < max < min;
 * SP_ETOOBIG when the count overflows an int. */
int sp_q_zones(int *out_instances, int *out_max_binds, int n, int zones, int min, int max);

/* Universal Scalability Law: throughput in requests/s of n >= 1 workers (or
 * threads, nodes), X(n) = lambda_rps*n / (1 + sigma(n-1) + kappa n(n-1)), where
 * lambda_rps is one worker's throughput, sigma in [0, 1) contention and
 * kappa >= 0 coherency. */
double sp_q_usl_throughput(double lambda_rps, double sigma, double kappa, double n);

/* The worker count where X peaks, N* = sqrt((1 - sigma)/kappa); INFINITY when
 * kappa == 0 (throughput never falls). */
double sp_q_usl_peak(double sigma, double kappa);

#endif
