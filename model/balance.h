/* Load balancing across the instances of a service (docs/model.md §4, "Load
 * balancing"). The sizing in queueing.h treats every vCPU of a fleet as one
 * shared M/M/c queue, which is what a least-outstanding-request balancer comes
 * close to. A balancer that does not look at the instances' queues splits the
 * Poisson stream of requests instead, and each of N instances (k vCPUs each,
 * k servers) becomes a queue of its own:
 *
 *   random       each instance gets a Poisson stream of rate lambda/N: M/M/k;
 *   round_robin  each instance gets every N-th request: its gaps between
 *                arrivals are Erlang-N (N phases of rate lambda each), a GI/M/k
 *                queue, E_N/M/k, solved exactly (Takacs).
 *
 * Pure functions: no I/O, no allocation, no mutable globals; safe from any
 * thread. Units as in queueing.h: _rps requests per second, _s seconds;
 * lambda_rps is the rate the whole fleet (or region) receives. Functions that
 * return a double document their domain and return NaN outside it; functions
 * that can fail return 0 or a negative code (lib/err.h, SP_Q_EUNREACHABLE). */
#ifndef SP_BALANCE_H
#define SP_BALANCE_H

#include "model/spec.h"

/* The root sigma in (0, 1) of sigma = A*(k mu (1 - sigma)), with A*(s) =
 * (lambda/(lambda + s))^n the Laplace transform of an Erlang-n gap whose n
 * phases each have rate lambda_rps, and mu = 1/service_s: the geometric ratio
 * of the GI/M/k queue seen by arrivals (Kleinrock vol. 1 §6.4). n >= 1,
 * k >= 1, lambda_rps > 0, service_s > 0, all finite; the queue must be stable,
 * lambda_rps/n < k mu (1.0 when it is not). NaN outside the domain. n = 1 is
 * Poisson, where sigma = lambda/(k mu). */
double sp_bal_erlang_sigma(int n, double lambda_rps, int k, double service_s);

/* P(an arrival waits) in the E_n/M/k queue above, from Takacs' boundary
 * probabilities of the embedded chain (exact; O(k) exp/log). For k = 1 it is
 * sigma; for n = 1 it is Erlang C, C(k, lambda*service_s). 1.0 when unstable;
 * NaN outside the domain of sp_bal_erlang_sigma. */
double sp_bal_erlang_pwait(int n, double lambda_rps, int k, double service_s);

/* P(T > t_s), T = wait + service, of one request in a fleet of `instances`
 * instances of k servers each receiving lambda_rps in total, balanced by b:
 * least_outstanding is one M/M/(instances*k) queue (sp_q_resp_tail), random
 * one M/M/k queue at lambda/instances, round_robin one E_instances/M/k queue,
 * whose wait is P(wait > 0) * exp(-k mu (1 - sigma) t). instances >= 1,
 * k >= 1, lambda_rps >= 0, service_s > 0, t_s >= 0; 1.0 when an instance is
 * overloaded, NaN outside the domain. */
double sp_bal_resp_tail(enum sp_balancing b, int instances, int k, double lambda_rps, double service_s,
			double t_s);

/* Instances for a CPU-bound service of k servers (vCPUs) each under b:
 *   max(ceil(ceil(A / target_util) / k), floor(A / k) + 1,
 *       smallest N with sp_bal_resp_tail(b, N, k, ...) <= 1 - quantile)
 * with A = lambda_rps * service_s; for least_outstanding it is
 * ceil(sp_q_servers(...) / k). slo_s == 0: no latency SLO. lambda_rps == 0
 * gives 0. hint (the previous answer, <= 0 for none) changes only the time
 * taken. The tail falls as N grows (each instance gets fewer, and under round
 * robin more regular, arrivals); the search gallops then bisects on it.
 * Returns 0; SP_EINVAL for an argument out of its domain (k < 1, or those of
 * sp_q_servers); SP_Q_EUNREACHABLE when no N meets the SLO (the bound is the
 * same as for one shared queue, sp_q_slo_reachable); SP_ETOOBIG above
 * SP_Q_MAX_SERVERS instances. */
int sp_bal_instances(int *out_instances, enum sp_balancing b, int k, double lambda_rps, double service_s,
		     double quantile, double slo_s, double target_util, int hint);

/* The latency target a fleet must keep when a zone is lost: lambda_rps
 * (the whole region's), service_s, quantile and slo_s as for
 * sp_bal_instances (slo_s == 0: none), k servers per instance, b. n_meets:
 * 1 when the caller's n is known to meet it (sized by sp_bal_instances or
 * sp_q_servers, or raised since): survivors >= n then meet it too and no tail
 * is computed; 0 to have it checked. */
struct sp_bal_slo {
	enum sp_balancing b;
	int k;
	double lambda_rps, service_s, quantile, slo_s;
	int n_meets;
};

/* Why sp_bal_zones chose its count (a bit set). */
#define SP_BAL_BINDS_ZONES 1u   /* the zone step (N+1 rounding or the SLO with a zone lost) raised n */
#define SP_BAL_BINDS_MIN 2u     /* `min` raised it */
#define SP_BAL_BINDS_MAX 4u     /* `max` cut it: an SLO at risk */

/* Zone redundancy with the SLO: starts from sp_q_zones' count (n*zones/(zones-1)
 * rounded up to a multiple of zones) and, while the instances left after one
 * zone is lost (count - count/zones) do not meet slo under slo->b carrying
 * all of slo->lambda_rps, raises the count by whole multiples of zones (the
 * smallest that holds, by galloping and bisection); then clamps to [min,
 * max] (max == 0: none). zones == 1 or no SLO (slo NULL, slo_s == 0, or an
 * unreachable SLO): sp_q_zones alone. *out_binds (may be NULL) gets the
 * SP_BAL_BINDS_* reasons. Returns 0; SP_EINVAL as sp_q_zones or for a bad
 * slo; SP_ETOOBIG when the count overflows SP_Q_MAX_SERVERS. */
int sp_bal_zones(int *out_instances, unsigned *out_binds, int n, int zones, int min, int max,
		 const struct sp_bal_slo *slo);

#endif
