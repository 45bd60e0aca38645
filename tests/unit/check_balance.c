#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "model/balance.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/queueing.h"

Suite *suite_balance(void);

#define ck_close(x, y, rel)                                                                    \
	ck_assert_msg(fabs((double)(x) - (double)(y)) <= (rel) * fabs((double)(y)),              \
		      "%s = %.17g, expected %.17g (rel %g)", #x, (double)(x), (double)(y),      \
		      (double)(rel))

/* ---- closed forms ------------------------------------------------------------------ */

/* M/M/1, lambda = 0.8, mu = 1: the response time is exponential with rate
 * mu - lambda = 0.2, so P(T > 2) = e^(-0.4) = 0.670320046035639. One
 * instance of one server is the same queue under every balancing (round
 * robin over one instance is Erlang-1 gaps: Poisson). */
START_TEST(test_mm1)
{
	const enum sp_balancing all[] = { SP_BAL_LEAST_OUTSTANDING, SP_BAL_ROUND_ROBIN, SP_BAL_RANDOM };
	for (int i = 0; i < 3; i++) {
		ck_close(sp_bal_resp_tail(all[i], 1, 1, 0.8, 1.0, 2.0), 0.670320046035639, 1e-13);
		ck_close(sp_bal_resp_tail(all[i], 1, 1, 0.8, 1.0, 0.0), 1.0, 1e-15);
	}
	ck_close(sp_bal_erlang_sigma(1, 0.8, 1, 1.0), 0.8, 1e-14);
	ck_close(sp_bal_erlang_pwait(1, 0.8, 1, 1.0), 0.8, 1e-14);
}
END_TEST

/* E_2/M/1 by hand: 2 phases of rate lambda = 2 (one arrival per second at
 * the instance), mu = 2 (service 0.5 s, rho = 0.5). sigma solves
 *   sigma = (2/(2 + 2(1 - sigma)))^2 = 1/(2 - sigma)^2
 *   <=> sigma (2 - sigma)^2 = 1 <=> sigma^3 - 4 sigma^2 + 4 sigma - 1 = 0
 *   <=> (sigma - 1)(sigma^2 - 3 sigma + 1) = 0,
 * so sigma = (3 - sqrt 5)/2 = 0.3819660112501051 (below M/M/1's 0.5: the
 * more regular arrivals wait less). GI/M/1: P(wait) = sigma, and the response
 * time is exponential with rate mu (1 - sigma) = 2 * 0.6180339887 =
 * 1.2360679775, so P(T > 1) = e^-1.2360679775 = 0.2905009...; computed below
 * from the closed form, not from the code under test. */
START_TEST(test_e2m1_by_hand)
{
	double sigma = (3.0 - sqrt(5.0)) / 2.0;
	ck_close(sigma, 0.3819660112501051, 1e-15);
	ck_close(sp_bal_erlang_sigma(2, 2.0, 1, 0.5), sigma, 1e-13);
	ck_close(sp_bal_erlang_pwait(2, 2.0, 1, 0.5), sigma, 1e-13);
	/* two round-robin instances of one server at a fleet rate of 2/s */
	ck_close(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 2, 1, 2.0, 0.5, 1.0), exp(-2.0 * (1.0 - sigma)), 1e-12);
	ck_close(exp(-2.0 * (1.0 - sigma)), 0.29050, 1e-4);
}
END_TEST

/* GI/M/1 for Erlang-n gaps, any n: the waiting time's tail is
 * sigma e^(-mu(1-sigma)t), the response time exponential with rate
 * mu(1 - sigma) (Kleinrock vol. 1 §6.4); sigma checked against its equation. */
START_TEST(test_gim1_closed_form)
{
	const int ns[] = { 1, 2, 3, 7, 42, 1000 };
	const double rhos[] = { 0.1, 0.5, 0.9, 0.99 };
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (size_t j = 0; j < sizeof(rhos) / sizeof(rhos[0]); j++) {
			int n = ns[i];
			double S = 0.05, mu = 20.0, lam = rhos[j] * mu * n;   /* per instance rho */
			double sg = sp_bal_erlang_sigma(n, lam, 1, S);
			double rhs = pow(lam / (lam + mu * (1.0 - sg)), n);
			ck_assert(sg > 0 && sg < 1);
			ck_close(sg, rhs, 1e-11);
			for (double t = 0; t <= 1.0; t += 0.125)
				ck_close(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, n, 1, lam, S, t),
					 exp(-mu * (1.0 - sg) * t), 1e-11);
		}
}
END_TEST

/* Erlang-1 gaps are Poisson: the GI/M/k boundary sum (Takacs) must give
 * Erlang C for every k, including loads where j* = k(1 - sigma) is a whole
 * number (k = 5, rho = 0.8: j* = 1, the 0/0 term). */
START_TEST(test_poisson_is_erlang_c)
{
	const double rhos[] = { 0.05, 0.3, 0.6, 0.8, 0.9, 0.97 };
	for (int k = 1; k <= 96; k++)
		for (size_t j = 0; j < sizeof(rhos) / sizeof(rhos[0]); j++) {
			double S = 0.05, lam = rhos[j] * k / S;
			double c = sp_q_erlang_c(k, lam * S);
			ck_close(sp_bal_erlang_sigma(1, lam, k, S), rhos[j], 1e-12);
			ck_close(sp_bal_erlang_pwait(1, lam, k, S), c, 1e-9);
			ck_close(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 1, k, lam, S, 0.2), sp_q_resp_tail(k, lam, S, 0.2),
				 1e-9);
		}
}
END_TEST

/* Random routing: each instance is an M/M/k queue at lambda/N, exactly
 * sp_q_resp_tail with c = k; least outstanding is one M/M/(N k) queue. */
START_TEST(test_random_is_mmk)
{
	for (int n = 1; n <= 64; n *= 2)
		for (int k = 1; k <= 16; k *= 2) {
			double lam = 0.75 * n * k / 0.05;
			for (double t = 0; t < 1.0; t += 0.1) {
				ck_assert(sp_bal_resp_tail(SP_BAL_RANDOM, n, k, lam, 0.05, t) ==
					  sp_q_resp_tail(k, lam / n, 0.05, t));
				ck_assert(sp_bal_resp_tail(SP_BAL_LEAST_OUTSTANDING, n, k, lam, 0.05, t) ==
					  sp_q_resp_tail(n * k, lam, 0.05, t));
			}
		}
}
END_TEST

/* ---- a simulation the test runs ---------------------------------------------------- */

static uint64_t sm_next(uint64_t *x)   /* splitmix64 */
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double sm_exp(uint64_t *x, double rate)
{
	double u = ((double)(sm_next(x) >> 11) + 1.0) * 0x1.0p-53;   /* (0, 1] */
	return -log(u) / rate;
}

#define SIM_MAX_SERVERS 64
#define SIM_BATCHES 20

struct sim_out {
	double tail;   /* share of requests with T > t */
	double se;     /* its standard error by batch means */
};

/* n instances of k FCFS servers, Poisson arrivals of rate lam, exponential
 * service of rate mu, routed round robin or at random; after `warm`
 * arrivals, `count` more are measured in SIM_BATCHES batches. A request of a
 * FCFS multi-server queue starts on the server that frees first. */
static struct sim_out simulate(enum sp_balancing b, int n, int k, double lam, double mu, double t, int warm,
			       int count, uint64_t seed)
{
	double free_at[SIM_MAX_SERVERS];
	double now = 0, batch[SIM_BATCHES] = { 0 };
	int per = count / SIM_BATCHES, over = 0;
	ck_assert(n * k <= SIM_MAX_SERVERS);
	memset(free_at, 0, sizeof(free_at));
	for (int i = 0; i < warm + per * SIM_BATCHES; i++) {
		now += sm_exp(&seed, lam);
		int inst = b == SP_BAL_ROUND_ROBIN ? i % n : (int)((sm_next(&seed) >> 11) % (uint64_t)n);
		double *f = &free_at[inst * k];
		int best = 0;
		for (int j = 1; j < k; j++)
			if (f[j] < f[best])
				best = j;
		double start = f[best] > now ? f[best] : now;
		f[best] = start + sm_exp(&seed, mu);
		if (i >= warm && f[best] - now > t) {
			over++;
			batch[(i - warm) / per] += 1.0;
		}
	}
	struct sim_out o;
	double m = (double)over / (per * SIM_BATCHES), ss = 0;
	for (int i = 0; i < SIM_BATCHES; i++) {
		double d = batch[i] / per - m;
		ss += d * d;
	}
	o.tail = m;
	o.se = sqrt(ss / (SIM_BATCHES - 1) / SIM_BATCHES);
	return o;
}

/* 200,000 measured arrivals per case (seeded). The requests of a queue are
 * correlated, so the binomial error would be too small; 20 batch means of
 * 10,000 carry the correlation (batches are far longer than the queue's
 * relaxation time at these loads), and the formula must lie within 4 of
 * their standard errors (a two-sided normal chance of 6e-5 for a random
 * seed). The error itself must be small (< 0.006, i.e. under 5 % of the
 * figures), so the tolerance is not vacuous; and the other balancing's
 * formula must lie well outside it, so the test tells the two apart. */
START_TEST(test_simulation)
{
	static const struct {
		int n, k;
		double rho, t;
	} cases[] = {
		{ 3, 2, 0.7, 3.0 },   /* E_3/M/2 and M/M/2 */
		{ 6, 4, 0.75, 2.0 },  /* E_6/M/4 and M/M/4 */
		{ 4, 1, 0.6, 4.0 },   /* E_4/M/1 and M/M/1 */
	};
	uint64_t seed = 20270101;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		double mu = 1.0, lam = cases[c].rho * cases[c].n * cases[c].k * mu;
		double f_rr = sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, cases[c].n, cases[c].k, lam, 1.0 / mu, cases[c].t);
		double f_rnd = sp_bal_resp_tail(SP_BAL_RANDOM, cases[c].n, cases[c].k, lam, 1.0 / mu, cases[c].t);
		struct sim_out rr = simulate(SP_BAL_ROUND_ROBIN, cases[c].n, cases[c].k, lam, mu, cases[c].t, 20000,
					     200000, seed + c);
		struct sim_out rnd = simulate(SP_BAL_RANDOM, cases[c].n, cases[c].k, lam, mu, cases[c].t, 20000,
					      200000, seed + 100 + c);
		if (getenv("SP_SIM_PRINT"))
			fprintf(stderr, "case %zu: rr sim %g se %g formula %g; random sim %g se %g formula %g\n", c,
				rr.tail, rr.se, f_rr, rnd.tail, rnd.se, f_rnd);
		ck_assert_msg(rr.se < 0.006 && rnd.se < 0.006, "case %zu: se %g %g", c, rr.se, rnd.se);
		ck_assert_msg(fabs(rr.tail - f_rr) <= 4 * rr.se, "case %zu: round robin simulated %g, formula %g (se %g)",
			      c, rr.tail, f_rr, rr.se);
		ck_assert_msg(fabs(rnd.tail - f_rnd) <= 4 * rnd.se, "case %zu: random simulated %g, formula %g (se %g)",
			      c, rnd.tail, f_rnd, rnd.se);
		ck_assert_msg(fabs(rr.tail - f_rnd) > 8 * rr.se, "case %zu: the simulation does not tell the two apart",
			      c);
	}
}
END_TEST

/* ---- sizing ------------------------------------------------------------------------ */

/* More instances never make the tail worse, and the search returns the
 * smallest N that meets the SLO, whatever the hint. */
START_TEST(test_instances_smallest)
{
	const enum sp_balancing bs[] = { SP_BAL_ROUND_ROBIN, SP_BAL_RANDOM };
	const int ks[] = { 1, 2, 4, 8, 48 };
	const double lams[] = { 3.0, 170.0, 1000.0, 25000.0 };
	for (int bi = 0; bi < 2; bi++)
		for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++)
			for (size_t li = 0; li < sizeof(lams) / sizeof(lams[0]); li++) {
				int k = ks[ki], n = 0;
				double lam = lams[li], S = 0.02, slo = 0.1;
				ck_assert_int_eq(sp_bal_instances(&n, bs[bi], k, lam, S, 0.99, slo, 1.0, 0), 0);
				ck_assert_int_ge(n, 1);
				ck_assert(sp_bal_resp_tail(bs[bi], n, k, lam, S, slo) <= 0.01);
				if (n > 1 && (n - 1.0) * k > lam * S)
					ck_assert(sp_bal_resp_tail(bs[bi], n - 1, k, lam, S, slo) > 0.01);
				for (int h = 1; h < 4 * n + 10; h = h * 3 + 1) {
					int nh = 0;
					ck_assert_int_eq(sp_bal_instances(&nh, bs[bi], k, lam, S, 0.99, slo, 1.0, h), 0);
					ck_assert_int_eq(nh, n);
				}
				double prev = 2.0;
				for (int m = n > 20 ? n - 20 : 1; m < n + 20; m++) {
					double tl = sp_bal_resp_tail(bs[bi], m, k, lam, S, slo);
					ck_assert(tl <= prev);
					prev = tl;
				}
				/* a shared queue never needs more */
				int lo = 0;
				ck_assert_int_eq(sp_bal_instances(&lo, SP_BAL_LEAST_OUTSTANDING, k, lam, S, 0.99, slo, 1.0, 0), 0);
				ck_assert_int_le(lo, n);
			}
}
END_TEST

/* Utilisation and stability floors: with no SLO, ceil(ceil(A/u)/k); the
 * answer never falls below them. A = 1000 * 0.05 = 50 Erlangs, u = 0.5:
 * 100 servers, 50 instances of 2. */
START_TEST(test_instances_floors)
{
	int n = 0;
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_ROUND_ROBIN, 2, 1000, 0.05, 0.99, 0, 0.5, 0), 0);
	ck_assert_int_eq(n, 50);
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_RANDOM, 2, 1000, 0.05, 0.99, 0, 1.0, 0), 0);
	ck_assert_int_eq(n, 26);   /* floor(50/2) + 1: each instance stable */
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_RANDOM, 2, 1000, 0.05, 0.99, 0.24, 0.1, 0), 0);
	ck_assert_int_eq(n, 250);  /* 500 servers at 10 % */
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_RANDOM, 2, 0, 0.05, 0.99, 0.24, 0.5, 0), 0);
	ck_assert_int_eq(n, 0);
}
END_TEST

/* The issue's example: 1,000 rps x 50 ms (A = 50 Erlangs), p99 <= 240 ms, on
 * m7i.large (2 vCPUs), 3 zones, no utilisation target (u = 1).
 * least_outstanding: 54 servers (P(T > 0.24) = 0.00953 at 54, 0.01061 at
 * 53), 27 instances, ceil(27 * 3/2) = 41 -> 42.
 * round_robin: E_N/M/2 per instance; p99 is 250.4 ms at N = 42 (the issue's
 * simulation: 249), 240.3 ms at 48 and 239.3 ms at 49: N = 49,
 * ceil(49 * 3/2) = 74 -> 75.
 * random: M/M/2 at 1000/N per instance; p99 325.6 ms at N = 42 (simulated:
 * 323), and P(T > 0.24) is 0.010037 at 93 and 0.009987 at 94: N = 94,
 * ceil(94 * 3/2) = 141. (Figures from an independent script of the same
 * formulas.) With one zone lost, 28 shared-queue instances (56 vCPUs) hold
 * p99; round robin on 28 would not (602 ms; simulated 638). */
START_TEST(test_issue_example)
{
	struct sp_service s;
	struct sp_sku sku;
	memset(&s, 0, sizeof(s));
	memset(&sku, 0, sizeof(sku));
	s.name = "web";
	s.cpu_ms_per_request = 50;
	s.has_latency_slo = 1;
	s.slo_quantile = 0.99;
	s.slo_ms = 240;
	s.target_utilization = 1.0;
	s.min = 1;
	sku.name = "m7i.large";
	sku.vcpus = 2;
	const struct {
		enum sp_balancing b;
		int inst, n;
	} want[] = { { SP_BAL_LEAST_OUTSTANDING, 42, 27 }, { SP_BAL_ROUND_ROBIN, 75, 49 }, { SP_BAL_RANDOM, 141, 94 } };
	for (int i = 0; i < 3; i++) {
		int binds = -1, n = 0;
		s.balancing = want[i].b;
		int inst = sp_fc_service_size(&s, &sku, 3, 0, 1000.0, 1, &binds);
		ck_assert_int_eq(inst, want[i].inst);
		ck_assert_int_eq(binds, 0);
		ck_assert_int_eq(sp_bal_instances(&n, want[i].b, 2, 1000.0, 0.05, 0.99, 0.24, 1.0, 0), 0);
		ck_assert_int_eq(n, want[i].n);
		/* one zone lost: the other two carry all the load and hold p99 */
		ck_assert(sp_bal_resp_tail(want[i].b, inst - inst / 3, 2, 1000.0, 0.05, 0.24) <= 0.01);
		/* and on the full fleet of 42 only the shared queue holds it */
		ck_assert((sp_bal_resp_tail(want[i].b, 42, 2, 1000.0, 0.05, 0.24) <= 0.01) ==
			  (want[i].b == SP_BAL_LEAST_OUTSTANDING));
	}
	ck_close(sp_bal_resp_tail(SP_BAL_LEAST_OUTSTANDING, 27, 2, 1000.0, 0.05, 0.24), 0.009528970273379518, 1e-9);
	ck_close(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 49, 2, 1000.0, 0.05, 0.24), 0.009858042344516352, 1e-9);
	ck_close(sp_bal_resp_tail(SP_BAL_RANDOM, 94, 2, 1000.0, 0.05, 0.24), 0.009986709745498269, 1e-9);
	ck_assert(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 28, 2, 1000.0, 0.05, 0.24) > 0.17);
}
END_TEST

/* The zone step with the SLO: a count too small for the balancing is raised
 * by whole multiples of the zones until the survivors hold the SLO. */
START_TEST(test_zones_slo)
{
	struct sp_bal_slo rr = { SP_BAL_ROUND_ROBIN, 2, 1000.0, 0.05, 0.99, 0.24, 0 };
	int inst = 0;
	unsigned why = 0;
	/* n = 28 sized as for a shared queue: survivors need 49, so 3 * 25 = 75 (50 left) */
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 28, 3, 1, 0, &rr), 0);
	ck_assert_int_eq(inst, 75);
	ck_assert_uint_eq(why, SP_BAL_BINDS_ZONES);
	/* the plain N+1 rule alone would give 42 */
	ck_assert_int_eq(sp_q_zones(&inst, NULL, 28, 3, 1, 0), 0);
	ck_assert_int_eq(inst, 42);
	/* max cuts it: an SLO at risk */
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 28, 3, 1, 60, &rr), 0);
	ck_assert_int_eq(inst, 60);
	ck_assert_uint_eq(why, SP_BAL_BINDS_MAX);
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 28, 3, 100, 0, &rr), 0);
	ck_assert_int_eq(inst, 100);
	ck_assert_uint_eq(why, SP_BAL_BINDS_MIN);
	/* one zone: nothing to lose */
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 28, 1, 1, 0, &rr), 0);
	ck_assert_int_eq(inst, 28);
	ck_assert_uint_eq(why, 0);
	/* four zones: survivors are 3/4; 49 needed -> 17 * 3 = 51 -> 68 */
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 10, 4, 1, 0, &rr), 0);
	ck_assert_int_eq(inst, 68);
	/* a caller that vouches for n (sized for this SLO) is trusted: survivors >= n */
	rr.n_meets = 1;
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 49, 3, 1, 0, &rr), 0);
	ck_assert_int_eq(inst, 75);
	rr.n_meets = 0;
	/* no SLO: the plain rule */
	ck_assert_int_eq(sp_bal_zones(&inst, &why, 28, 3, 1, 0, NULL), 0);
	ck_assert_int_eq(inst, 42);
	ck_assert_uint_eq(why, SP_BAL_BINDS_ZONES);
}
END_TEST

/* least_outstanding keeps today's count: on a grid of loads, SLOs and zones
 * the zone step, made to check the SLO with a zone lost (n_meets = 0), gives
 * exactly sp_q_zones' count for the n that today's sizing computes. */
START_TEST(test_least_outstanding_unchanged)
{
	for (double lam = 0.5; lam < 2e5; lam *= 1.7)
		for (int k = 1; k <= 16; k *= 2)
			for (int zones = 1; zones <= 4; zones++) {
				double S = 0.02, slo = 0.15;
				int servers = 0, a = 0, b = 0;
				ck_assert_int_eq(sp_q_servers(&servers, lam, S, 0.99, slo, 0.6), 0);
				int n = (servers + k - 1) / k;
				struct sp_bal_slo lo = { SP_BAL_LEAST_OUTSTANDING, k, lam, S, 0.99, slo, 0 };
				ck_assert_int_eq(sp_q_zones(&a, NULL, n, zones, 1, 0), 0);
				ck_assert_int_eq(sp_bal_zones(&b, NULL, n, zones, 1, 0, &lo), 0);
				ck_assert_int_eq(a, b);
				int nb = 0;
				ck_assert_int_eq(sp_bal_instances(&nb, SP_BAL_LEAST_OUTSTANDING, k, lam, S, 0.99, slo, 0.6, 0),
						 0);
				ck_assert_int_eq(nb, n);
			}
}
END_TEST

/* ---- bad arguments ----------------------------------------------------------------- */

START_TEST(test_bad_args)
{
	int n = 7;
	unsigned why;
	ck_assert(isnan(sp_bal_erlang_sigma(0, 1.0, 1, 1.0)));
	ck_assert(isnan(sp_bal_erlang_sigma(1, 1.0, 0, 1.0)));
	ck_assert(isnan(sp_bal_erlang_sigma(1, NAN, 1, 1.0)));
	ck_assert(isnan(sp_bal_erlang_pwait(1, 1.0, 1, 0.0)));
	ck_assert(isnan(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 0, 2, 1.0, 1.0, 1.0)));
	ck_assert(isnan(sp_bal_resp_tail(SP_BAL_RANDOM, 1, 2, -1.0, 1.0, 1.0)));
	ck_assert(isnan(sp_bal_resp_tail(SP_BAL_RANDOM, 1, 2, 1.0, 1.0, -1.0)));
	ck_assert(isnan(sp_bal_resp_tail((enum sp_balancing)9, 1, 2, 1.0, 1.0, 1.0)));
	/* overloaded instances: everyone waits */
	ck_assert(sp_bal_erlang_sigma(3, 6.0, 2, 1.0) == 1.0);    /* 2/s per instance on 2 servers of 1/s */
	ck_assert(sp_bal_erlang_pwait(3, 6.0, 2, 1.0) == 1.0);
	ck_assert(sp_bal_resp_tail(SP_BAL_ROUND_ROBIN, 3, 2, 6.0, 1.0, 1.0) == 1.0);
	ck_assert(sp_bal_resp_tail(SP_BAL_RANDOM, 3, 2, 6.0, 1.0, 1.0) == 1.0);
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_ROUND_ROBIN, 0, 1000, 0.05, 0.99, 0.24, 0.5, 0), SP_EINVAL);
	ck_assert_int_eq(sp_bal_instances(&n, (enum sp_balancing)9, 2, 1000, 0.05, 0.99, 0.24, 0.5, 0), SP_EINVAL);
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_RANDOM, 2, NAN, 0.05, 0.99, 0.24, 0.5, 0), SP_EINVAL);
	/* 50 ms of work: p99 is at least 50 * ln(100) = 230.3 ms, whatever N */
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_ROUND_ROBIN, 2, 1000, 0.05, 0.99, 0.23, 0.5, 0),
			 SP_Q_EUNREACHABLE);
	ck_assert_int_eq(sp_bal_instances(&n, SP_BAL_RANDOM, 2, 1e12, 0.05, 0.99, 0.24, 0.5, 0), SP_ETOOBIG);
	ck_assert_int_eq(n, 7);   /* untouched on failure */
	struct sp_bal_slo bad = { SP_BAL_RANDOM, 0, 1000.0, 0.05, 0.99, 0.24, 0 };
	ck_assert_int_eq(sp_bal_zones(&n, &why, 28, 3, 1, 0, &bad), SP_EINVAL);
	ck_assert_int_eq(sp_bal_zones(&n, &why, -1, 3, 1, 0, NULL), SP_EINVAL);
	ck_assert_int_eq(sp_bal_zones(&n, &why, 5, 3, 4, 2, NULL), SP_EINVAL);
	/* an unreachable SLO leaves the plain rule */
	struct sp_bal_slo unreach = { SP_BAL_RANDOM, 2, 1000.0, 0.05, 0.99, 0.2, 0 };
	ck_assert_int_eq(sp_bal_zones(&n, &why, 28, 3, 1, 0, &unreach), 0);
	ck_assert_int_eq(n, 42);
}
END_TEST

Suite *suite_balance(void)
{
	Suite *s = suite_create("balance");
	TCase *tc = tcase_create("formulas");
	tcase_add_test(tc, test_mm1);
	tcase_add_test(tc, test_e2m1_by_hand);
	tcase_add_test(tc, test_gim1_closed_form);
	tcase_add_test(tc, test_poisson_is_erlang_c);
	tcase_add_test(tc, test_random_is_mmk);
	suite_add_tcase(s, tc);
	tc = tcase_create("simulation");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_simulation);
	suite_add_tcase(s, tc);
	tc = tcase_create("sizing");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_instances_smallest);
	tcase_add_test(tc, test_instances_floors);
	tcase_add_test(tc, test_issue_example);
	tcase_add_test(tc, test_zones_slo);
	tcase_add_test(tc, test_least_outstanding_unchanged);
	tcase_add_test(tc, test_bad_args);
	suite_add_tcase(s, tc);
	return s;
}
