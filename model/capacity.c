/* Capacity: the sizing of each component kind in every active region, month
 * and path (docs/model.md §4 and §5): servers and instances of a service
 * from its queueing model, shards, replicas and nodes of a datastore, nodes of
 * a cache, GPUs of an inference or training workload. Pricing is cost.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/balance.h"
#include "model/choose.h"
#include "model/forecast_run.h"
#include "model/gpu.h"
#include "model/queueing.h"
#include "model/stats.h"

#define CACHE_MEM_USABLE 0.75    /* share of a cache node's memory available to data */
#define BACKLOG_TAIL 0.01        /* P(wait > max_backlog_age_s) allowed for queue workers */

/* ---- services ---------------------------------------------------------------------------- */

struct svc_size {
	const struct sp_service *s;
	const struct sp_sku *sku;
	const struct sp_region *reg;
	int queue_worker;
	double max_backlog_s;
	int hint;
	double hint_rate;        /* the rate hint was computed for (split fleets) */
	double S;                /* service time on sku, s (model/choose.h: the CPU speed credit) */
	double mem_free_mb;      /* memory an instance has for requests in flight */
};

/* One sizing: the queueing model's servers, the count the service needs and
 * the count after scaling.max, and what set them (SP_BIND_* bits). */
struct svc_result {
	int servers, needed, inst, binds;
};

/* Servers per instance as the balancer sees them: its whole vCPUs (at least 1). */
static int instance_servers(double vcpus)
{
	return vcpus >= 2 ? (int)fmin(floor(vcpus), 1e6) : 1;
}

/* Instances under a balancer that splits the stream (round_robin, random):
 * each instance is its own queue (model/balance.h); a queue's workers still
 * drain the backlog on all their vCPUs. *why gets what set the count. */
static int split_instances(struct svc_size *z, double lambda, double q, double slo_s, int k, int *sized, int *why)
{
	const struct sp_service *s = z->s;
	double S = z->S;
	int n = 0, hint = z->hint;
	/* the count grows about in proportion to the rate: scale the last answer */
	if (hint > 0 && z->hint_rate > 0)
		hint = (int)fmin(ceil(hint * (lambda / z->hint_rate)), 1e9);
	*sized = sp_bal_instances(&n, s->balancing, k, lambda, S, q, slo_s, s->target_utilization, hint) == 0;
	if (!*sized)
		n = (int)ceil((ceil(lambda * S / s->target_utilization) + 1) / k);
	z->hint = n;
	z->hint_rate = lambda;
	/* the utilisation target's count, in instances of k servers */
	double by_util = ceil(ceil(lambda * S / s->target_utilization * (1 - 1e-12)) / k);
	*why = slo_s > 0 && n > by_util && n > 1 ? SP_BIND_LATENCY : SP_BIND_UTILISATION;
	if (z->queue_worker) {
		int servers = n * k, before = n;
		while (sp_q_wait_tail(servers, lambda, S, z->max_backlog_s) > BACKLOG_TAIL)
			servers++;
		n = (servers + k - 1) / k;
		if (n > before)
			*why = SP_BIND_BACKLOG;
	}
	return n;
}

/* The queueing model's servers at rate lambda and what set them (one shared
 * queue: least_outstanding balancing). */
static int size_servers(struct svc_size *z, double lambda, int *why, int *sized)
{
	const struct sp_service *s = z->s;
	double S = z->S;
	int servers = 0;

	*why = 0;
	if (!(lambda > 0))
		return 0;
	double q = s->has_latency_slo ? s->slo_quantile : 0.99;
	double slo_s = s->has_latency_slo ? s->slo_ms / 1000.0 : 0;
	if (sp_q_servers_hint(&servers, lambda, S, q, slo_s, s->target_utilization, z->hint) < 0) {
		servers = (int)ceil(lambda * S / s->target_utilization) + 1;
		*sized = 0;
	}
	z->hint = servers;
	/* the utilisation target's count, as sp_q_servers computes it */
	double by_util = ceil(lambda * S / s->target_utilization * (1 - 1e-12));
	*why = slo_s > 0 && servers > by_util && servers > 1 ? SP_BIND_LATENCY : SP_BIND_UTILISATION;
	if (z->queue_worker) {
		/* a queue's worker drains the peak within the backlog-age target */
		int before = servers;
		while (sp_q_wait_tail(servers, lambda, S, z->max_backlog_s) > BACKLOG_TAIL)
			servers++;
		if (servers > before)
			*why = SP_BIND_BACKLOG;
	}
	return servers;
}

/* Instances of one service in one region at peak rate lambda (monotone in lambda). */
static void size_full(struct svc_size *z, double lambda, struct svc_result *out)
{
	const struct sp_service *s = z->s;
	double q = s->has_latency_slo ? s->slo_quantile : 0.99;
	double slo_s = s->has_latency_slo ? s->slo_ms / 1000.0 : 0;
	double vcpus = z->sku->vcpus > 0 ? z->sku->vcpus : 1;
	int k = instance_servers(vcpus);
	int why = 0, n, inst, servers, sized = 1;   /* sized: n is known to meet the SLO */

	if (lambda > 0 && s->balancing != SP_BAL_LEAST_OUTSTANDING) {
		n = split_instances(z, lambda, q, slo_s, k, &sized, &why);
		servers = n * k;
	} else {
		servers = size_servers(z, lambda, &why, &sized);
		n = (int)ceil(servers / vcpus);
	}
	if (s->usl.present && lambda > 0) {
		double x = sp_q_usl_throughput(s->usl.lambda_rps, s->usl.sigma, s->usl.kappa, vcpus);
		if (x > 0) {
			double need = ceil(lambda / x);
			if (need > n) {
				n = need > 1e9 ? 1000000000 : (int)need;
				why = SP_BIND_USL;
			}
		}
	}
	if (s->memory_mb_per_request > 0 && lambda > 0 && servers > lambda * z->S) {
		/* Little's law: requests in flight = rate x mean response time */
		double inflight = lambda * (z->S + sp_q_wait_mean_s(servers, lambda, z->S));
		int nm = sp_choose_memory_instances(inflight, s->memory_mb_per_request, z->mem_free_mb);
		if (nm > n) {
			n = nm;
			why = SP_BIND_MEMORY;
		}
	}
	/* the zone step keeps the SLO with one zone lost under the balancing */
	struct sp_bal_slo zs = { s->balancing, k, lambda, z->S, q, slo_s, sized };
	unsigned bw = 0;
	int maxb = 0, needed;
	if (sp_bal_zones(&inst, &bw, n, z->reg->zones, s->min, s->max, &zs) < 0) {
		bw = 0;
		if (sp_q_zones(&inst, &maxb, n, z->reg->zones, s->min, s->max) < 0)
			inst = n;
	}
	if (bw & SP_BAL_BINDS_ZONES)
		why |= SP_BIND_ZONES;
	if (bw & SP_BAL_BINDS_MIN)
		why |= SP_BIND_MIN;
	needed = inst;
	if ((bw & SP_BAL_BINDS_MAX) || maxb) {
		why |= SP_BIND_MAX;
		/* what the service needs: the same step without the ceiling */
		if (sp_bal_zones(&needed, NULL, n, z->reg->zones, s->min, 0, &zs) < 0 &&
		    sp_q_zones(&needed, NULL, n, z->reg->zones, s->min, 0) < 0)
			needed = n;
	}
	out->servers = servers;
	out->needed = needed;
	out->inst = inst;
	out->binds = why;
}

/* Instances of one service in one region at peak rate lambda; *binds gets
 * the SP_BIND_* bits. */
static int size_service(struct svc_size *z, double lambda, int *binds)
{
	struct svc_result x;

	size_full(z, lambda, &x);
	*binds = x.binds;
	return x.inst;
}

/* The sizing of service s on sku (instance: auto sizes each candidate). */
static void svc_size_init(struct svc_size *z, const struct sp_catalog *cat, const struct sp_service *s,
			  const struct sp_sku *sku, const struct sp_region *reg, double ref_speed)
{
	memset(z, 0, sizeof(*z));
	z->s = s;
	z->sku = sku;
	z->reg = reg;
	z->max_backlog_s = 60;
	z->S = sp_choose_service_s(s, sp_catalog_cpu_speed(cat, sku), ref_speed);
	z->mem_free_mb = sp_choose_memory_free_mb(s, sku);
}

int sp_fc_service_size_on(const struct sp_catalog *cat, const struct sp_service *s, const struct sp_sku *sku,
			  int zones, double max_backlog_s, double lambda_rps, int bounded, int *binds)
{
	struct sp_service unbounded;
	struct sp_region reg;
	struct svc_size z;
	int b;

	memset(&reg, 0, sizeof(reg));
	reg.zones = zones;
	if (!bounded) {
		unbounded = *s;
		unbounded.max = 0;
		s = &unbounded;
	}
	svc_size_init(&z, cat, s, sku, &reg, cat ? sp_choose_ref_speed(cat, s) : 1.0);
	z.queue_worker = max_backlog_s > 0;
	z.max_backlog_s = max_backlog_s > 0 ? max_backlog_s : 60;
	int n = size_service(&z, lambda_rps, &b);
	if (binds)
		*binds = (b & SP_BIND_MAX) != 0;
	return n;
}

int sp_fc_service_size(const struct sp_service *s, const struct sp_sku *sku, int zones, double max_backlog_s,
		       double lambda_rps, int bounded, int *binds)
{
	return sp_fc_service_size_on(NULL, s, sku, zones, max_backlog_s, lambda_rps, bounded, binds);
}

/* Sizing is monotone in the rate (and so is whether the maximum binds): a
 * sorted cache of computed points answers every rate that falls between two
 * points with the same result, so only the rates where the count changes run
 * the Erlang search. The function does not depend on the month, so one cache
 * serves a service's region for the whole horizon. */
static int cached_size(struct svc_size *z, struct sp_fc_mono *mc, double lambda, int *binds)
{
	/* lower bound, branch-free: the rates of successive paths are random,
	 * so a branching search mispredicts about every other step */
	int lo = 0;
	if (mc->n > 0) {
		const double *b = mc->x;
		int len = mc->n;
		while (len > 1) {
			int half = len / 2;
			b = b[half] < lambda ? b + half : b;
			len -= half;
		}
		lo = (int)(b - mc->x) + (*b < lambda);
	}
	if (lo < mc->n && mc->x[lo] == lambda) {
		*binds = mc->b[lo];
		return mc->u[lo];
	}
	if (lo > 0 && lo < mc->n && mc->u[lo - 1] == mc->u[lo] && mc->b[lo - 1] == mc->b[lo]) {
		*binds = mc->b[lo];
		return mc->u[lo];
	}
	int u = size_service(z, lambda, binds);
	/* a run of points with the same result needs only its two ends: extend
	 * the run instead of growing the cache, so it holds about two points
	 * per distinct count and every lookup stays a short search */
	if (lo >= 2 && mc->u[lo - 1] == u && mc->b[lo - 1] == *binds && mc->u[lo - 2] == u &&
	    mc->b[lo - 2] == *binds) {
		mc->x[lo - 1] = lambda;
		return u;
	}
	if (lo + 1 < mc->n && mc->u[lo] == u && mc->b[lo] == *binds && mc->u[lo + 1] == u &&
	    mc->b[lo + 1] == *binds) {
		mc->x[lo] = lambda;
		return u;
	}
	if (mc->n < mc->cap) {
		size_t k = (size_t)(mc->n - lo);
		memmove(&mc->x[lo + 1], &mc->x[lo], k * sizeof(double));
		memmove(&mc->u[lo + 1], &mc->u[lo], k * sizeof(int));
		memmove(&mc->b[lo + 1], &mc->b[lo], k * sizeof(int));
		mc->x[lo] = lambda;
		mc->u[lo] = u;
		mc->b[lo] = *binds;
		mc->n++;
	}
	return u;
}

/* ---- autoscaled fleets (model/profile.h) -------------------------------------------------------- */

struct hour_size {
	struct svc_size *z;
	struct sp_fc_mono *mc;
};

static int hour_size_fn(void *ctx, double rate)
{
	struct hour_size *h = ctx;
	int binds;
	return cached_size(h->z, h->mc, rate, &binds);
}

/* Whether service line v is billed hour by hour; if so, sets w->prof (the
 * line's peak-to-average is its peak over its average demand at the
 * horizon's start, the same on every path) and clears w->hv. A ratio the
 * profile cannot reach (a callee's, mixed from several callers) leaves the
 * fleet billed at its peak. */
static int autoscale_setup(struct sp_fc_worker *w, uint32_t v, const struct sp_service *s)
{
	struct sp_fc_run *r = w->run;
	const struct sp_fc_coef *c = &r->coef[v];
	double pk = 0, av = 0;
	size_t MP = (size_t)r->M * r->P;

	if (!s->autoscale)
		return 0;
	for (int d = 0; d < r->nd; d++) {
		double d0 = r->trend[sp_fc_idx(d, 0, 0, r->P, r->M)];
		pk += c->peak[d] * d0;
		av += c->avg[d] * d0;
	}
	double ratio = av > 0 && pk > av ? pk / av : 1;
	if (sp_profile_build(&w->prof, s->has_profile ? s->profile : sp_profile_class_curve(s->cls),
			     s->has_weekly ? s->weekly : NULL, ratio, NULL, 0) < 0)
		return 0;
	size_t need = MP * (size_t)w->prof.nlevels;
	if (need > w->hv_cap) {
		free(w->hv);
		w->hv = sp_xcalloc(need, sizeof(int));
		w->hv_cap = need;
	}
	if (!w->hsum)
		w->hsum = sp_xcalloc(MP, sizeof(int64_t));   /* MP is the same for every line */
	if ((size_t)r->R * MP > w->rmin_cap) {
		free(w->rmin);
		w->rmin = sp_xcalloc((size_t)r->R * MP, sizeof(int));
		w->rmin_cap = (size_t)r->R * MP;
	}
	memset(w->hv, 0, need * sizeof(int));
	memset(w->hsum, 0, MP * sizeof(int64_t));
	w->hh_valid = 0;
	return 1;
}

/* The instances of every profile level in region ri, month m, for every
 * path (peak rates dem x share), added to w->hv; the quietest hour's into
 * w->rmin. */
static void autoscale_month(struct sp_fc_worker *w, struct svc_size *z, int ri, int m, const double *dem, double share)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P, K = w->prof.nlevels;
	int cnt[SP_PROFILE_MAX_HOURS];
	struct hour_size hs = { z, &w->mc };
	int *rmin = &w->rmin[sp_fc_idx(ri, m, 0, M, P)];

	for (int p = 0; p < P; p++) {
		int *row = &w->hv[((size_t)m * P + p) * K];
		w->hsum[(size_t)m * P + p] += sp_profile_counts(cnt, &w->prof, dem[p] * share, hour_size_fn, &hs);
		for (int k = 0; k < K; k++)
			row[k] += cnt[k];
		rmin[p] = cnt[K - 1];
	}
}

/* The tightest backlog-age target of the queues that feed worker s; 60 s
 * when none says. */
static double backlog_target(const struct sp_spec *spec, const struct sp_service *s)
{
	double age = INFINITY;
	for (size_t q = 0; q < spec->nqueues; q++)
		if (!strcmp(spec->queues[q].worker, s->name) && spec->queues[q].max_backlog_age_s > 0 &&
		    spec->queues[q].max_backlog_age_s < age)
			age = spec->queues[q].max_backlog_age_s;
	return isfinite(age) ? age : 60;
}

/* instance: auto sizes each candidate through this, one region after the
 * other in month order, with the worker's monotone cache */
struct chooser {
	struct sp_fc_worker *w;
	uint32_t v;
	double ref_speed;
	const struct sp_sku *sku;
	int ri;
	struct svc_size z;
};

static int choose_size(void *ctx, const struct sp_sku *sku, int ri, double lambda, int *binds)
{
	struct chooser *c = ctx;
	struct sp_fc_run *r = c->w->run;
	const struct sp_service *s = sp_graph_node(r->g, c->v)->service;

	if (sku != c->sku || ri != c->ri) {
		svc_size_init(&c->z, r->cat, s, sku, &r->spec->regions[ri], c->ref_speed);
		c->z.queue_worker = r->queue_worker[c->v];
		if (c->z.queue_worker)
			c->z.max_backlog_s = backlog_target(r->spec, s);
		c->sku = sku;
		c->ri = ri;
		c->w->mc.n = 0;
	}
	return cached_size(&c->z, &c->w->mc, lambda, binds);
}

/* instance: auto: the cheapest type over the horizon at the median path's
 * demand (demand rows filled), chosen once for every month and region. */
static void choose_instance(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line, double ref_speed)
{
	struct sp_fc_run *r = w->run;
	const struct sp_service *s = sp_graph_node(r->g, v)->service;
	int M = r->M, P = r->P, R = r->R;
	double *rates = sp_xmalloc((size_t)M * R * sizeof(double));   /* [m][r], once per auto service */
	struct sp_choice best[SP_CHOICES];

	for (int m = 0; m < M; m++) {
		memcpy(w->tmp, sp_fc_metric_row(w, SP_FC_DEMAND, m), (size_t)P * sizeof(double));
		double med;
		sp_stats_select_percentiles(&med, w->tmp, (size_t)P, (const double[]){ 0.5 }, 1);
		for (int ri = 0; ri < R; ri++)
			rates[(size_t)m * R + ri] = r->region_active[ri * M + m] ? med * r->spec->regions[ri].share : -1;
	}
	struct chooser c = { w, v, ref_speed, NULL, -1, { 0 } };
	size_t n = sp_choose_rank(r->cat, s, M, R, rates, choose_size, &c, best);
	free(rates);
	w->mc.n = 0;
	if (n == 0)
		return;   /* sp_choose_check reports it before any run */
	r->svc_sku[v] = best[0].sku;
	line->sku = best[0].sku->name;
	line->nchoices = (int)n;
	for (size_t i = 0; i < n; i++)
		line->choices[i] = (struct sp_fc_choice){ best[i].sku->name, best[i].horizon_cost, best[i].meets_slo };
}

static void line_service(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_node *node = sp_graph_node(r->g, v);
	const struct sp_service *s = node->service;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	double ref_speed = sp_choose_ref_speed(r->cat, s);
	int *pbinds = w->pbinds;             /* per path, this region */

	w->autoscaled = autoscale_setup(w, v, s);

	memset(w->units_total, 0, (size_t)M * P * sizeof(int));
	memset(w->binds, 0, (size_t)M * sizeof(int));
	memset(w->bind_any, 0, (size_t)M * P);
	/* the peak rate of every path and month, once for all regions */
	for (int m = 0; m < M; m++)
		sp_demand_path_rates(r, c->peak, r->peak, m, sp_fc_metric_row(w, SP_FC_DEMAND, m));
	if (s->instance_auto)
		choose_instance(w, v, line, ref_speed);
	const struct sp_sku *sku = r->svc_sku[v];
	line->service_ms = sp_choose_service_s(s, sp_catalog_cpu_speed(r->cat, sku), ref_speed) * 1000.0;
	for (int ri = 0; ri < r->R; ri++) {
		struct svc_size z;
		double share = r->spec->regions[ri].share;
		svc_size_init(&z, r->cat, s, sku, &r->spec->regions[ri], ref_speed);
		z.queue_worker = r->queue_worker[v];
		/* the queues that feed a worker set its backlog-age target */
		if (z.queue_worker)
			z.max_backlog_s = backlog_target(r->spec, s);
		w->mc.n = 0;
		for (int m = 0; m < M; m++) {
			int *u = &w->units[sp_fc_idx(ri, m, 0, M, P)];
			if (!r->region_active[ri * M + m]) {
				memset(u, 0, (size_t)P * sizeof(int));
				if (w->autoscaled)
					memset(&w->rmin[sp_fc_idx(ri, m, 0, M, P)], 0, (size_t)P * sizeof(int));
				continue;
			}
			const double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m);
			for (int p = 0; p < P; p++)
				u[p] = cached_size(&z, &w->mc, dem[p] * share, &pbinds[p]);
			if (w->autoscaled)
				autoscale_month(w, &z, ri, m, dem, share);
			for (int p = 0; p < P; p++) {
				w->units_total[(size_t)m * P + p] += u[p];
				w->bind_any[(size_t)m * P + p] |= (pbinds[p] & SP_BIND_MAX) != 0;
			}
		}
	}
	/* a path is at risk in a month when the maximum binds in any region */
	for (int m = 0; m < M; m++)
		for (int p = 0; p < P; p++)
			w->binds[m] += w->bind_any[(size_t)m * P + p];
	for (int m = 0; m < M; m++) {
		if (w->binds[m] > 0 && line->risk_any_month < 0) {
			line->risk_any_month = m;
			line->risk_share = (double)w->binds[m] / P;
		}
		if (w->binds[m] * 2 >= P && w->binds[m] > 0 && line->risk_month < 0)
			line->risk_month = m;
	}
}

void sp_capacity_detail(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_forecast *f = r->f;
	size_t k = sp_fc_median_index(f);

	if (line->kind != SP_NODE_SERVICE || !line->detail)
		return;
	const struct sp_service *s = sp_graph_node(r->g, v)->service;
	const struct sp_sku *sku = r->svc_sku[v];
	double ref_speed = sp_choose_ref_speed(r->cat, s);
	double vcpus = sku->vcpus > 0 ? sku->vcpus : 1;
	for (int ri = 0; ri < r->R; ri++) {
		struct svc_size z;
		svc_size_init(&z, r->cat, s, sku, &r->spec->regions[ri], ref_speed);
		z.queue_worker = r->queue_worker[v];
		if (z.queue_worker)
			z.max_backlog_s = backlog_target(r->spec, s);
		for (int m = f->line_m0; m < f->line_m0 + f->line_months; m++) {
			struct sp_fc_detail *d = &line->detail[(size_t)ri * f->line_months + (size_t)(m - f->line_m0)];
			struct svc_result x;
			memset(d, 0, sizeof(*d));
			if (!r->region_active[ri * r->M + m])
				continue;
			d->rate = sp_fc_value(f, line, m, SP_FC_DEMAND, k) * r->spec->regions[ri].share;
			size_full(&z, d->rate, &x);
			d->servers = x.servers;
			d->instances = x.inst;
			d->needed = x.needed;
			d->binds = x.binds;
			d->utilisation = x.inst > 0 ? d->rate * z.S / (x.inst * vcpus) : 0;
		}
	}
}

/* ---- datastores, caches, queues --------------------------------------------------------------- */

static void line_cache(struct sp_fc_worker *w, uint32_t v)
{
	struct sp_fc_run *r = w->run;
	const struct sp_cache *cc = sp_graph_node(r->g, v)->cache;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, cc->node);
	double usable = sku->memory_gib * CACHE_MEM_USABLE;

	for (int m = 0; m < M; m++) {
		double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m);
		double *wsrow = sp_fc_xmetric_row(w, SP_FC_X_WORKING_SET_GB, m);
		sp_demand_path_rates(r, c->peak, r->peak, m, dem);
		for (int p = 0; p < P; p++) {
			/* the hot set grows with the drivers that bring this cache its load */
			double units_driver = 0;
			for (int d = 0; d < r->nd; d++)
				if (c->avg[d] > 0)
					units_driver += r->trend[sp_fc_idx(d, p, m, P, M)];
			double ws = cc->working_set_gb + cc->working_set_gb_per_unit * units_driver;
			wsrow[p] = ws;
			int nodes = 0;
			for (int ri = 0; ri < r->R; ri++) {
				if (!r->region_active[ri * M + m])
					continue;
				double share = r->spec->regions[ri].share;
				double n_ops = ceil(dem[p] * share / cc->ops_per_s_per_node);
				double n_mem = usable > 0 ? ceil(ws * share / usable) : 0;
				double n = fmax(fmax(n_ops, n_mem), cc->min_nodes);
				nodes += (int)fmin(n, 1e9);
				w->units[sp_fc_idx(ri, m, p, M, P)] = (int)fmin(n, 1e9);
			}
			w->units_total[(size_t)m * P + p] = nodes;
		}
	}
}

static void line_queue(struct sp_fc_worker *w, uint32_t v)
{
	struct sp_fc_run *r = w->run;
	for (int m = 0; m < r->M; m++)
		sp_demand_path_rates(r, r->coef[v].peak, r->peak, m, sp_fc_metric_row(w, SP_FC_DEMAND, m));
	memset(w->units_total, 0, (size_t)r->M * r->P * sizeof(int));
}

/* ---- GPUs ------------------------------------------------------------------------------------- */

/* GPU inference: replicas per active region from the peak tokens/s; billed by
 * whole instances of the GPU's instance type (units_total), reported in GPUs
 * (extra, until sp_cost_line has priced the instances). */
static void line_gpu_inference(struct sp_fc_worker *w, uint32_t v, const struct sp_gpu_workload *gw, int per_inst)
{
	struct sp_fc_run *r = w->run;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;

	for (int m = 0; m < M; m++) {
		double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m);
		sp_demand_path_rates(r, c->peak, r->peak, m, dem);
		for (int p = 0; p < P; p++) {
			int gpus = 0, inst = 0;
			double tokens = dem[p] * gw->tokens_per_request;
			for (int ri = 0; ri < r->R; ri++) {
				if (!r->region_active[ri * M + m])
					continue;
				double t = tokens * r->spec->regions[ri].share;
				if (t <= 0)
					continue;
				double replicas = ceil(t / (gw->tokens_per_s_per_gpu * gw->gpus_per_replica));
				int gr = (int)fmin((replicas + (gw->n_plus_one ? 1 : 0)) * gw->gpus_per_replica, 1e9);
				gpus += gr;
				/* whole instances in each region: an instance does not span regions */
				inst += sp_gpu_instances(gr, per_inst);
				w->units[sp_fc_idx(ri, m, p, M, P)] = gr;
			}
			dem[p] = tokens;
			/* billed by whole instances of the GPU's instance type */
			w->units_total[(size_t)m * P + p] = inst;
			w->extra[(size_t)m * P + p] = gpus; /* GPUs, for the units metric */
		}
	}
}

/* GPU training: GPU-hours per run from 6ND, spread over the run's months;
 * the same on every path, counted in the first region. The demand metric
 * holds the month's GPU-hours (what sp_cost_line bills). */
static void line_gpu_training(struct sp_fc_worker *w, const struct sp_gpu_workload *gw,
			      const struct sp_gpu_model *gm)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P;
	double peak = (gw->peak_tflops > 0 ? gw->peak_tflops : gm->peak_tflops) * 1e12;
	/* paid GPU-hours: the ideal 6ND hours over the goodput (restarts, failures) */
	double hours = sp_gpu_paid_hours(sp_gpu_training_hours(gw->params_b * 1e9, gw->tokens_b * 1e9, peak, gw->mfu),
					 gw->goodput);
	int first = gw->start == SP_NO_MONTH ? 0 : gw->start - r->spec->start;
	double hours_per_month = r->cat->hours_per_month;

	for (int m = 0; m < M; m++) {
		double h = 0;
		for (int k = 0; k < gw->run_months; k++) {
			int runm = m - k;   /* a run that started in month runm covers month m */
			if (runm < first)
				continue;
			if ((gw->every_months > 0 && (runm - first) % gw->every_months == 0) ||
			    (gw->every_months == 0 && runm == first))
				h += hours / gw->run_months;
		}
		double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m);
		int gpus = (int)fmin(ceil(h / hours_per_month), 1e9);
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			dem[p] = h;
			w->units_total[i] = gpus;
			w->units[sp_fc_idx(0, m, p, M, P)] = gpus;
		}
	}
}

static void line_gpu(struct sp_fc_worker *w, uint32_t v)
{
	struct sp_fc_run *r = w->run;
	const struct sp_gpu_workload *gw = sp_graph_node(r->g, v)->gpu;
	const struct sp_gpu_model *gm = sp_catalog_gpu(r->cat, gw->gpu);
	const struct sp_sku *sku = sp_catalog_sku(r->cat, gm->sku);

	if (gw->kind == SP_GPU_INFERENCE)
		line_gpu_inference(w, v, gw, sku->gpus > 0 ? sku->gpus : 1);
	else
		line_gpu_training(w, gw, gm);
}

/* ---- one line --------------------------------------------------------------------------------- */

void sp_capacity_line(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	switch (line->kind) {
	case SP_NODE_SERVICE: line_service(w, v, line); break;
	case SP_NODE_DATASTORE: sp_capacity_datastore(w, v, line); break;
	case SP_NODE_CACHE: line_cache(w, v); break;
	case SP_NODE_QUEUE: line_queue(w, v); break;
	case SP_NODE_GPU: line_gpu(w, v); break;
	}
}
