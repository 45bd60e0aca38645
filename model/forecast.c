/* The capacity and cost model (see model/forecast.h for the shape of the
 * computation and docs/model.md for every formula and assumption). */
#include "model/forecast.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/gpu.h"
#include "model/growth.h"
#include "model/queueing.h"
#include "model/stats.h"

const char *const sp_fc_metric_names[SP_FC_NMETRICS] = {
	"demand", "units", "replicas", "shards", "storage_gb", "cost", "cost_on_demand",
};
const char *const sp_fc_category_names[SP_CAT_N] = { "compute", "database", "cache", "gpu", "queue", "transfer" };
const char *const sp_fc_purchase_names[] = {
	"commitment + on-demand", "commitment + spot", "spot", "on-demand", "none",
};

#define MICRO 1e6                /* totals are summed in micro-units of currency */
#define CACHE_MEM_USABLE 0.75    /* share of a cache node's memory available to data */
#define BACKLOG_TAIL 0.01        /* P(wait > max_backlog_age_s) allowed for queue workers */
#define HA_AVAILABILITY 99.9     /* a datastore at or above this keeps one extra replica */

/* ---- the shared, read-only run context ------------------------------------------ */

struct coef {                    /* a node's demand as a linear combination of drivers */
	double *avg, *peak;      /* [ndrivers] requests (or operations) per driver unit per second */
	double *reads, *writes;  /* datastores: peak reads and writes per driver unit per second */
};

struct run {
	const struct sp_spec *spec;
	const struct sp_graph *g;
	const struct sp_catalog *cat;
	struct sp_forecast *f;
	int M, P, nd, R;
	double *trend;           /* [d][p][m] the driver's value */
	double *avg;             /* [d][p][m] trend x season, per second factor excluded */
	double *peak;            /* [d][p][m] avg x event */
	double *cum;             /* [d][p][m] cumulative trend up to and including m */
	int *region_active;      /* [r][m] */
	struct coef *coef;       /* [node] */
	int *queue_worker;       /* [node]: 1 when a queue feeds the service */
	/* work distribution */
	size_t next_line;
	size_t done;
	pthread_mutex_t lock;
	const struct sp_forecast_opts *opts;
	double pq[SP_FC_MAX_PCTS];   /* the percentiles as fractions, f->pcts[k] / 100 */
	int error;
};

struct mono_cache {
	double *x;
	int *u, *b;
	int n, cap;
};

/* Per-thread accumulators (integers: addition order does not matter). */
struct acc {
	int64_t *total, *total_od;       /* [m][p] */
	int64_t *group[3];               /* [group][m][p] for class, region, category */
	int64_t *egress;                 /* [m][p] internet egress, micro-GB (priced on the total) */
	size_t ngroups[3];
};

struct worker {
	struct run *run;
	struct acc acc;
	int id;
	/* scratch, per line */
	double *rate;            /* [p] */
	double *tmp;             /* [p] and more */
	int *units;              /* [r][m][p] capacity per region (services: instances) */
	int *rshards, *rreplicas;/* [r][m][p] datastores: per region */
	int *units_total;        /* [m][p] */
	int *binds;              /* [m] paths where the maximum binds (in any region) */
	unsigned char *bind_any; /* [m][p] the maximum binds in some region */
	size_t *hist, hist_cap;  /* counts of unit values (newsvendor levels) */
	int *umin, *umax;        /* [m] the line's smallest and largest count over the paths */
	int mm_valid;            /* umin/umax hold this line's */
	double *wr;              /* [r] region weights (cost split by region) */
	int *pbinds;             /* [p] the maximum binds on this path (one region, one month) */
	double *cost;            /* [m][p] */
	double *cost_od;         /* [m][p] */
	double *extra;           /* [m][p] storage or other non-instance cost */
	double *metric;          /* [metric][m][p] for metrics other than units/cost */
	struct mono_cache mc;
	/* what the previous line wrote beyond demand and units, so only that is
	 * cleared before the next one (a full clear per line costs more than
	 * the sizing on large specs) */
	int dirty_datastore, dirty_extra;
};

static size_t idx3(int a, int b, int c, int B, int C)
{
	return ((size_t)a * (size_t)B + (size_t)b) * (size_t)C + (size_t)c;
}

/* ---- percentiles --------------------------------------------------------------------- */

/* The forecast's percentiles of x[0..n) into out[0..npcts), by nearest rank
 * (model/stats.h); x is used as scratch. */
static void percentiles(const struct run *r, double *out, double *x, size_t n)
{
	sp_stats_select_percentiles(out, x, n, r->pq, r->f->npcts);
}

/* ---- drivers ------------------------------------------------------------------------- */

static int fill_drivers(struct run *r, struct sp_diags *diags)
{
	const struct sp_spec *s = r->spec;
	int M = r->M, P = r->P;

	for (int d = 0; d < r->nd; d++) {
		const struct sp_driver *drv = &s->drivers[d];
		double mu = 0, sigma = 0;
		if (drv->has_uncertainty && sp_stats_lognormal_fit(&mu, &sigma, drv->p10, drv->p90) < 0) {
			sp_error(diags, drv->pos, "driver '%s': cannot fit the uncertainty band", drv->name);
			return -1;
		}
		for (int p = 0; p < P; p++) {
			double gm = 1.0;
			double *tr = &r->trend[idx3(d, p, 0, P, M)];
			if (drv->has_uncertainty && P > 1) {
				struct sp_rng rng;
				/* one stream per (seed, path, driver): independent of threads and order */
				sp_rng_init_stream(&rng, r->f->seed, (uint64_t)p, (uint64_t)d);
				gm = sp_rng_lognormal(&rng, mu, sigma);
			}
			if (sp_growth_fill(tr, M, drv, s->start, gm) < 0) {
				sp_error(diags, drv->pos, "driver '%s' gives no usable curve", drv->name);
				return -1;
			}
			double run_sum = 0;
			for (int m = 0; m < M; m++) {
				double season = sp_growth_season(drv, s->start + m);
				double event = sp_growth_event(drv, s->start + m);
				size_t i = idx3(d, p, m, P, M);
				run_sum += tr[m];
				r->avg[i] = tr[m] * season;
				r->peak[i] = r->avg[i] * event;
				r->cum[i] = run_sum;
			}
		}
	}
	return 0;
}

/* ---- demand coefficients through the graph --------------------------------------------- */

static void propagate(struct run *r)
{
	const struct sp_graph *g = r->g;
	size_t n = sp_graph_nnodes(g);
	const uint32_t *topo = sp_graph_topo(g);
	int nd = r->nd;
	double *mem = SP_NEWN(&r->f->arena, double, n * (size_t)nd * 4 + 1);

	r->coef = SP_NEWN(&r->f->arena, struct coef, n);
	r->queue_worker = SP_NEWN(&r->f->arena, int, n);
	for (size_t v = 0; v < n; v++) {
		r->coef[v].avg = mem + (v * 4 + 0) * (size_t)nd;
		r->coef[v].peak = mem + (v * 4 + 1) * (size_t)nd;
		r->coef[v].reads = mem + (v * 4 + 2) * (size_t)nd;
		r->coef[v].writes = mem + (v * 4 + 3) * (size_t)nd;
	}
	for (size_t t = 0; t < n; t++) {
		uint32_t v = topo[t];
		const struct sp_node *node = sp_graph_node(g, v);
		const struct sp_demand *dm = NULL;
		if (node->kind == SP_NODE_SERVICE)
			dm = &node->service->demand;
		else if (node->kind == SP_NODE_GPU && node->gpu->kind == SP_GPU_INFERENCE)
			dm = &node->gpu->demand;
		if (dm && dm->present && dm->drv) {
			int d = (int)(dm->drv - r->spec->drivers);
			double a = dm->requests_per_unit_per_day / 86400.0;
			r->coef[v].avg[d] += a;
			r->coef[v].peak[d] += a * dm->peak_to_average;
		}
		size_t ne;
		const struct sp_edge *e = sp_graph_out(g, v, &ne);
		for (size_t i = 0; i < ne; i++) {
			struct coef *to = &r->coef[e[i].to];
			const struct coef *from = &r->coef[v];
			if (e[i].kind == SP_EDGE_CONSUME)
				r->queue_worker[e[i].to] = 1;
			for (int d = 0; d < nd; d++) {
				if (e[i].kind == SP_EDGE_DATASTORE) {
					to->reads[d] += from->peak[d] * e[i].reads;
					to->writes[d] += from->peak[d] * e[i].writes;
					to->peak[d] += from->peak[d] * (e[i].reads + e[i].writes);
					to->avg[d] += from->avg[d] * (e[i].reads + e[i].writes);
				} else {
					to->peak[d] += from->peak[d] * e[i].ratio;
					to->avg[d] += from->avg[d] * e[i].ratio;
				}
			}
		}
	}
}

/* ---- purchase options -------------------------------------------------------------------- */

struct rates {
	double od, commit, over;     /* per unit-month: on-demand, committed, above the commitment */
	enum sp_fc_purchase purchase;
	int term;                    /* commitment term in months; 0 = none */
};

static double spot_month(const struct run *r, const struct sp_sku *sku)
{
	double hours = r->cat->hours_per_month;
	double disc = r->spec->pricing.spot_discount > 0 ? r->spec->pricing.spot_discount : r->cat->spot_discount;
	double hourly = sku->spot_hourly > 0 ? sku->spot_hourly : sku->on_demand_hourly * (1 - disc);
	return hourly * hours * (1 + r->spec->pricing.spot_interruption_overhead);
}

static struct rates rates_for(const struct run *r, const struct sp_sku *sku, enum sp_fc_purchase want, int term)
{
	struct rates x;
	double hours = r->cat->hours_per_month;
	double commit_hourly = term == 36 ? sku->commit_3y_hourly : sku->commit_1y_hourly;

	x.od = sku->on_demand_hourly * hours;
	x.purchase = want;
	x.term = 0;
	x.commit = x.od;
	x.over = x.od;
	switch (want) {
	case SP_BUY_COMMIT_OD:
	case SP_BUY_COMMIT_SPOT:
		x.over = want == SP_BUY_COMMIT_SPOT ? spot_month(r, sku) : x.od;
		if (commit_hourly > 0 && commit_hourly * hours < x.over) {
			x.commit = commit_hourly * hours;
			x.term = term;
		} else {
			/* no commitment price, or it would not pay: buy above-the-base only */
			x.purchase = want == SP_BUY_COMMIT_SPOT ? SP_BUY_SPOT : SP_BUY_ON_DEMAND;
		}
		break;
	case SP_BUY_SPOT:
		x.over = spot_month(r, sku);
		break;
	default:
		break;
	}
	return x;
}

#define SP_FC_HIST_MAX (1u << 20)   /* counting when the units span less than this */

/* The newsvendor commitment level over a window of unit counts. */
static int newsvendor_level(struct worker *w, const int *units, size_t n, int lo, int hi, const struct rates *x)
{
	/* L* is the order statistic D_(k) of the newsvendor rule (model/stats.h) */
	size_t k = sp_stats_newsvendor_rank(n, x->commit, x->over);
	if (k == 0)
		return 0;
	/* units are small whole numbers within [lo, hi]: count them, then
	 * walk to the k-th (linear, where a selection costs several passes) */
	if (lo == hi)
		return lo;
	if ((size_t)(hi - lo) < SP_FC_HIST_MAX) {
		size_t span = (size_t)(hi - lo) + 1, seen = 0;
		if (span > w->hist_cap) {
			free(w->hist);
			w->hist_cap = span;
			w->hist = sp_xcalloc(span, sizeof(*w->hist));
		}
		memset(w->hist, 0, span * sizeof(*w->hist));
		for (size_t i = 0; i < n; i++)
			w->hist[units[i] - lo]++;
		for (size_t v = 0; v < span; v++) {
			seen += w->hist[v];
			if (seen >= k)
				return lo + (int)v;
		}
	}
	double *tmp = w->tmp;
	for (size_t i = 0; i < n; i++)
		tmp[i] = units[i];
	return (int)sp_stats_select(tmp, n, k - 1);
}

/* Prices one line's units[m][p] into cost[m][p] (plus extra[m][p]) and the
 * all-on-demand cost_od[m][p]; records the commitment levels. */
static double price_line(struct worker *w, struct sp_fc_line *line, const struct rates *x, int with_extra)
{
	struct run *r = w->run;
	int M = r->M, P = r->P;
	int term = x->term;
	double sum = 0;

	/* each month's smallest and largest count, once per line (the counts
	 * do not change between the terms tried) */
	if (!w->mm_valid) {
		for (int m = 0; m < M; m++) {
			const int *u = &w->units_total[(size_t)m * P];
			int lo = u[0], hi = u[0];
			for (int p = 1; p < P; p++) {
				lo = u[p] < lo ? u[p] : lo;
				hi = u[p] > hi ? u[p] : hi;
			}
			w->umin[m] = lo;
			w->umax[m] = hi;
		}
		w->mm_valid = 1;
	}

	line->purchase = x->purchase;
	line->commit_term_months = term;
	if (term > 0) {
		int nw = (M + term - 1) / term;
		/* commit_levels was allocated before the threads started (the
		 * arena is not thread-safe), for the shortest term: enough */
		line->ncommit_windows = nw;
	}
	for (int m0 = 0; m0 < M; m0 += term > 0 ? term : M) {
		int m1 = term > 0 ? (m0 + term < M ? m0 + term : M) : M;
		int level = 0;
		if (term > 0) {
			int lo = w->umin[m0], hi = w->umax[m0];
			for (int m = m0 + 1; m < m1; m++) {
				lo = w->umin[m] < lo ? w->umin[m] : lo;
				hi = w->umax[m] > hi ? w->umax[m] : hi;
			}
			level = newsvendor_level(w, &w->units_total[(size_t)m0 * P], (size_t)(m1 - m0) * (size_t)P, lo,
						 hi, x);
			line->commit_levels[m0 / term] = level;
		}
		for (int m = m0; m < m1; m++)
			for (int p = 0; p < P; p++) {
				size_t i = (size_t)m * P + p;
				double n = w->units_total[i];
				double c;
				switch (x->purchase) {
				case SP_BUY_COMMIT_OD:
				case SP_BUY_COMMIT_SPOT:
					c = level * x->commit + (n > level ? (n - level) * x->over : 0);
					break;
				case SP_BUY_SPOT:
					c = n * x->over;
					break;
				case SP_BUY_NONE:
					c = 0;
					break;
				default:
					c = n * x->od;
				}
				w->cost[i] = c + (with_extra ? w->extra[i] : 0);
				w->cost_od[i] = n * x->od + (with_extra ? w->extra[i] : 0);
				sum += w->cost[i];
			}
	}
	return sum;
}

/* Expected cost of the priced line over the horizon (mean over the paths),
 * plus what its last commitment still costs after the horizon ends. */
static double expected_cost(const struct worker *w, const struct sp_fc_line *line, const struct rates *x,
			    double total)
{
	const struct run *r = w->run;
	double sum = total / r->P;
	if (x->term > 0 && line->ncommit_windows > 0) {
		int last = line->ncommit_windows - 1, len = r->M - last * x->term;
		sum += (double)line->commit_levels[last] * x->commit * (x->term - len);
	}
	return sum;
}

/* Capacity bought with commitments takes the term that costs less: 1-year
 * windows, or 3-year ones when they are cheaper in expectation over the
 * paths by more than 1 % (the longer lock-in carries a risk the paths do not
 * show), counting the months a 3-year commitment runs past the horizon. */
static void price_best(struct worker *w, struct sp_fc_line *line, const struct sp_sku *sku, enum sp_fc_purchase want,
		       int with_extra)
{
	struct run *r = w->run;
	struct rates x1 = rates_for(r, sku, want, 12), x3 = rates_for(r, sku, want, 36);
	double c1, c3;

	double t1 = price_line(w, line, &x1, with_extra);
	if (x3.term != 36)
		return;
	c1 = expected_cost(w, line, &x1, t1);
	double t3 = price_line(w, line, &x3, with_extra);
	c3 = expected_cost(w, line, &x3, t3);
	if (!(c3 < c1 * 0.99))
		price_line(w, line, &x1, with_extra);
}

/* ---- services ---------------------------------------------------------------------------- */

struct svc_size {
	const struct sp_service *s;
	const struct sp_sku *sku;
	const struct sp_region *reg;
	int queue_worker;
	double max_backlog_s;
	int hint;
};

/* Instances of one service in one region at peak rate lambda (monotone in lambda). */
static int size_service(struct svc_size *z, double lambda, int *binds)
{
	const struct sp_service *s = z->s;
	double S = s->cpu_ms_per_request / 1000.0;
	int servers = 0, n, inst;

	*binds = 0;
	if (lambda > 0) {
		double q = s->has_latency_slo ? s->slo_quantile : 0.99;
		double slo_s = s->has_latency_slo ? s->slo_ms / 1000.0 : 0;
		if (sp_q_servers_hint(&servers, lambda, S, q, slo_s, s->target_utilization, z->hint) < 0)
			servers = (int)ceil(lambda * S / s->target_utilization) + 1;
		z->hint = servers;
		if (z->queue_worker) {
			/* a queue's worker drains the peak within the backlog-age target */
			while (sp_q_wait_tail(servers, lambda, S, z->max_backlog_s) > BACKLOG_TAIL)
				servers++;
		}
	}
	double vcpus = z->sku->vcpus > 0 ? z->sku->vcpus : 1;
	n = (int)ceil(servers / vcpus);
	if (s->usl.present && lambda > 0) {
		double x = sp_q_usl_throughput(s->usl.lambda_rps, s->usl.sigma, s->usl.kappa, vcpus);
		if (x > 0) {
			double need = ceil(lambda / x);
			if (need > n)
				n = need > 1e9 ? 1000000000 : (int)need;
		}
	}
	if (sp_q_zones(&inst, binds, n, z->reg->zones, s->min, s->max) < 0)
		inst = n;
	return inst;
}

/* Sizing is monotone in the rate (and so is whether the maximum binds): a
 * sorted cache of computed points answers every rate that falls between two
 * points with the same result, so only the rates where the count changes run
 * the Erlang search. The function does not depend on the month, so one cache
 * serves a service's region for the whole horizon. */
static int cached_size(struct svc_size *z, struct mono_cache *mc, double lambda, int *binds)
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

/* ---- one line ---------------------------------------------------------------------------- */

/* The rate of every path in month m: sum_d c[d] * series[d][p][m]. */
static void path_rates(const struct run *r, const double *c, const double *series, int m, double *out)
{
	int P = r->P, M = r->M;
	for (int p = 0; p < P; p++)
		out[p] = 0;
	for (int d = 0; d < r->nd; d++) {
		if (c[d] == 0)
			continue;
		for (int p = 0; p < P; p++)
			out[p] += c[d] * series[idx3(d, p, m, P, M)];
	}
}

static double *metric_row(struct worker *w, enum sp_fc_metric mt, int m)
{
	return &w->metric[((size_t)mt * w->run->M + (size_t)m) * w->run->P];
}

static void line_service(struct worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct run *r = w->run;
	const struct sp_node *node = sp_graph_node(r->g, v);
	const struct sp_service *s = node->service;
	const struct coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, s->instance);
	int *pbinds = w->pbinds;             /* per path, this region */

	memset(w->units_total, 0, (size_t)M * P * sizeof(int));
	memset(w->binds, 0, (size_t)M * sizeof(int));
	memset(w->bind_any, 0, (size_t)M * P);
	/* the peak rate of every path and month, once for all regions */
	for (int m = 0; m < M; m++)
		path_rates(r, c->peak, r->peak, m, metric_row(w, SP_FC_DEMAND, m));
	for (int ri = 0; ri < r->R; ri++) {
		struct svc_size z = { s, sku, &r->spec->regions[ri], r->queue_worker[v], 60, 0 };
		double share = r->spec->regions[ri].share;
		/* the queues that feed a worker set its backlog-age target (the
		 * tightest of them); 60 s when none says */
		if (z.queue_worker) {
			double age = INFINITY;
			for (size_t q = 0; q < r->spec->nqueues; q++)
				if (!strcmp(r->spec->queues[q].worker, s->name) &&
				    r->spec->queues[q].max_backlog_age_s > 0 && r->spec->queues[q].max_backlog_age_s < age)
					age = r->spec->queues[q].max_backlog_age_s;
			if (isfinite(age))
				z.max_backlog_s = age;
		}
		w->mc.n = 0;
		for (int m = 0; m < M; m++) {
			int *u = &w->units[idx3(ri, m, 0, M, P)];
			if (!r->region_active[ri * M + m]) {
				memset(u, 0, (size_t)P * sizeof(int));
				continue;
			}
			const double *dem = metric_row(w, SP_FC_DEMAND, m);
			for (int p = 0; p < P; p++)
				u[p] = cached_size(&z, &w->mc, dem[p] * share, &pbinds[p]);
			for (int p = 0; p < P; p++) {
				w->units_total[(size_t)m * P + p] += u[p];
				w->bind_any[(size_t)m * P + p] |= pbinds[p] != 0;
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
	/* web: commitments for the base; worker: commitments, spot above; batch
	 * and dev/test: the lowest cost, all spot (they tolerate interruptions) */
	static const enum sp_fc_purchase by_class[] = { SP_BUY_COMMIT_OD, SP_BUY_COMMIT_SPOT, SP_BUY_SPOT,
							 SP_BUY_SPOT };
	price_best(w, line, sku, by_class[s->cls], 0);
}

static void line_datastore(struct worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct run *r = w->run;
	const struct sp_datastore *ds = sp_graph_node(r->g, v)->datastore;
	const struct coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, ds->instance);
	double *reads = w->tmp, *writes = w->tmp + P;
	int sd = -1;

	/* storage grows with its driver (default: the driver that brings most of the load) */
	if (ds->storage_drv) {
		sd = (int)(ds->storage_drv - r->spec->drivers);
	} else {
		double best = 0;
		for (int d = 0; d < r->nd; d++)
			if (c->avg[d] > best) {
				best = c->avg[d];
				sd = d;
			}
	}
	int copies_extra = ds->multi_az ? 1 : 0;
	int outgrow_paths_month = -1;
	for (int m = 0; m < M; m++) {
		double *dem = metric_row(w, SP_FC_DEMAND, m), *rep = metric_row(w, SP_FC_REPLICAS, m);
		double *sh = metric_row(w, SP_FC_SHARDS, m), *st = metric_row(w, SP_FC_STORAGE_GB, m);
		path_rates(r, c->reads, r->peak, m, reads);
		path_rates(r, c->writes, r->peak, m, writes);
		int outgrown_paths = 0;   /* paths where some active region needs a second primary */
		for (int p = 0; p < P; p++) {
			int path_out = 0;
			double data_total = ds->storage_start_gb +
					    (sd >= 0 ? ds->storage_gb_per_unit_month * r->cum[idx3(sd, p, m, P, M)] : 0);
			int nodes = 0, max_shards = 0, max_rep = 0;
			double storage_cost = 0;
			for (int ri = 0; ri < r->R; ri++) {
				if (!r->region_active[ri * M + m])
					continue;
				double share = r->spec->regions[ri].share;
				double rd = reads[p] * share, wr = writes[p] * share, gb = data_total * share;
				double need = fmax(wr / (ds->write_utilization * ds->write_tps_per_node),
						   ds->max_gb_per_shard > 0 ? gb / ds->max_gb_per_shard : 0);
				int shards = 1;
				if (ds->sharded)
					shards = need > 1 ? (int)ceil(need) : 1;
				else if (need > 1)
					path_out = 1;
				int rep_n = (int)ceil(rd / shards / ds->read_qps_per_replica);
				if (ds->availability >= HA_AVAILABILITY)
					rep_n += 1;
				if (rep_n < ds->min_replicas)
					rep_n = ds->min_replicas;
				nodes += shards * (1 + rep_n + copies_extra);
				w->units[idx3(ri, m, p, M, P)] = shards * (1 + rep_n + copies_extra);
				w->rshards[idx3(ri, m, p, M, P)] = shards;
				w->rreplicas[idx3(ri, m, p, M, P)] = rep_n;
				storage_cost += gb * (1 + rep_n + copies_extra) * r->cat->db_storage_gb_month;
				if (shards > max_shards)
					max_shards = shards;
				if (rep_n > max_rep)
					max_rep = rep_n;
			}
			outgrown_paths += path_out;
			w->units_total[(size_t)m * P + p] = nodes;
			w->extra[(size_t)m * P + p] = storage_cost;
			dem[p] = reads[p] + writes[p];
			rep[p] = max_rep;
			sh[p] = max_shards;
			st[p] = data_total;
		}
		/* outgrown at p50: half the paths or more need a second primary */
		if (outgrown_paths > 0 && outgrown_paths * 2 >= P && outgrow_paths_month < 0)
			outgrow_paths_month = m;
	}
	line->outgrow_month = outgrow_paths_month;
	price_best(w, line, sku, SP_BUY_COMMIT_OD, 1);
}

static void line_cache(struct worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct run *r = w->run;
	const struct sp_cache *cc = sp_graph_node(r->g, v)->cache;
	const struct coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, cc->node);
	double usable = sku->memory_gib * CACHE_MEM_USABLE;

	for (int m = 0; m < M; m++) {
		double *dem = metric_row(w, SP_FC_DEMAND, m);
		path_rates(r, c->peak, r->peak, m, dem);
		for (int p = 0; p < P; p++) {
			/* the hot set grows with the drivers that bring this cache its load */
			double units_driver = 0;
			for (int d = 0; d < r->nd; d++)
				if (c->avg[d] > 0)
					units_driver += r->trend[idx3(d, p, m, P, M)];
			double ws = cc->working_set_gb + cc->working_set_gb_per_unit * units_driver;
			int nodes = 0;
			for (int ri = 0; ri < r->R; ri++) {
				if (!r->region_active[ri * M + m])
					continue;
				double share = r->spec->regions[ri].share;
				double n_ops = ceil(dem[p] * share / cc->ops_per_s_per_node);
				double n_mem = usable > 0 ? ceil(ws * share / usable) : 0;
				double n = fmax(fmax(n_ops, n_mem), cc->min_nodes);
				nodes += (int)fmin(n, 1e9);
				w->units[idx3(ri, m, p, M, P)] = (int)fmin(n, 1e9);
			}
			w->units_total[(size_t)m * P + p] = nodes;
		}
	}
	price_best(w, line, sku, SP_BUY_COMMIT_OD, 0);
}

static void line_queue(struct worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct run *r = w->run;
	for (int m = 0; m < r->M; m++)
		path_rates(r, r->coef[v].peak, r->peak, m, metric_row(w, SP_FC_DEMAND, m));
	memset(w->units_total, 0, (size_t)r->M * r->P * sizeof(int));
	memset(w->cost, 0, (size_t)r->M * r->P * sizeof(double));
	memset(w->cost_od, 0, (size_t)r->M * r->P * sizeof(double));
	line->purchase = SP_BUY_NONE;
}

static enum sp_fc_purchase gpu_purchase(const struct run *r, const struct sp_gpu_workload *gw, int *term)
{
	const struct sp_gpu_tiers *t = &r->spec->tiers;
	*term = t->committed_term_months ? t->committed_term_months : 12;
	switch (gw->tier) {
	case SP_TIER_COMMITTED: return SP_BUY_COMMIT_OD;
	case SP_TIER_ON_DEMAND: return SP_BUY_ON_DEMAND;
	case SP_TIER_SPOT: return SP_BUY_SPOT;
	default:
		/* auto: steady inference on commitments when a committed tier is
		 * declared; training, interruptible, on spot when a spot tier is */
		if (gw->kind == SP_GPU_INFERENCE)
			return t->committed ? SP_BUY_COMMIT_OD : SP_BUY_ON_DEMAND;
		return t->spot ? SP_BUY_SPOT : SP_BUY_ON_DEMAND;
	}
}

static void line_gpu(struct worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct run *r = w->run;
	const struct sp_gpu_workload *gw = sp_graph_node(r->g, v)->gpu;
	const struct coef *c = &r->coef[v];
	int M = r->M, P = r->P, term;
	const struct sp_gpu_model *gm = sp_catalog_gpu(r->cat, gw->gpu);
	const struct sp_sku *sku = sp_catalog_sku(r->cat, gm->sku);
	int per_inst = sku->gpus > 0 ? sku->gpus : 1;
	enum sp_fc_purchase want = gpu_purchase(r, gw, &term);
	struct rates x = rates_for(r, sku, want, term);

	if (gw->kind == SP_GPU_INFERENCE) {
		for (int m = 0; m < M; m++) {
			double *dem = metric_row(w, SP_FC_DEMAND, m);
			path_rates(r, c->peak, r->peak, m, dem);
			for (int p = 0; p < P; p++) {
				int gpus = 0;
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
					w->units[idx3(ri, m, p, M, P)] = gr;
				}
				dem[p] = tokens;
				/* billed by whole instances of the GPU's instance type */
				w->units_total[(size_t)m * P + p] = (gpus + per_inst - 1) / per_inst;
				w->extra[(size_t)m * P + p] = gpus; /* GPUs, for the units metric below */
			}
		}
		price_line(w, line, &x, 0);
		/* report GPUs (not instances) as the line's units */
		for (size_t i = 0; i < (size_t)M * P; i++)
			w->units_total[i] = (int)w->extra[i];
		return;
	}
	/* training: GPU-hours per run from 6ND, spread over the run's months */
	double peak = (gw->peak_tflops > 0 ? gw->peak_tflops : gm->peak_tflops) * 1e12;
	double hours = sp_gpu_training_hours(gw->params_b * 1e9, gw->tokens_b * 1e9, peak, gw->mfu);
	int first = gw->start == SP_NO_MONTH ? 0 : gw->start - r->spec->start;
	double per_gpu_hour_od = sku->on_demand_hourly / per_inst;
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
		double *dem = metric_row(w, SP_FC_DEMAND, m);
		int gpus = (int)fmin(ceil(h / hours_per_month), 1e9);
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			dem[p] = h;
			w->units_total[i] = gpus;
			w->units[idx3(0, m, p, M, P)] = gpus;
			double rate;
			switch (x.purchase) {
			case SP_BUY_SPOT: rate = x.over / hours_per_month / per_inst; break;
			case SP_BUY_COMMIT_OD: rate = x.commit / hours_per_month / per_inst; break;
			default: rate = per_gpu_hour_od;
			}
			w->cost[i] = h * rate;
			w->cost_od[i] = h * per_gpu_hour_od;
		}
	}
	line->purchase = x.purchase;
	line->commit_term_months = x.purchase == SP_BUY_COMMIT_OD ? x.term : 0;
}

/* ---- the per-line driver, accumulation, percentiles ------------------------------------------- */

static void accumulate(struct worker *w, const struct sp_fc_line *line, size_t li)
{
	struct run *r = w->run;
	int M = r->M, P = r->P;
	size_t gclass = 0, gcat = (size_t)line->category;

	/* the class group index: web, worker, batch, dev, then the kinds */
	for (size_t i = 0; i < w->acc.ngroups[0]; i++)
		if (!strcmp(r->f->groupings[0].groups[i].name, line->group_class))
			gclass = i;
	for (int m = 0; m < M; m++) {
		/* region split: by the capacity each region holds on the path, or,
		 * when the line has none there, by the shares of the active regions */
		double wsum = 0, *wr = w->wr;
		int nr = r->R, last = -1;
		for (int ri = 0; ri < nr; ri++) {
			wr[ri] = 0;
			if (r->region_active[ri * M + m]) {
				wr[ri] = r->spec->regions[ri].share;
				wsum += wr[ri];
				if (wr[ri] > 0)
					last = ri;
			}
		}
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			int64_t c = (int64_t)(w->cost[i] * MICRO + 0.5);
			int64_t co = (int64_t)(w->cost_od[i] * MICRO + 0.5);
			w->acc.total[i] += c;
			w->acc.total_od[i] += co;
			if (r->opts->no_groupings)
				continue;
			w->acc.group[0][gclass * (size_t)M * P + i] += c;
			w->acc.group[2][gcat * (size_t)M * P + i] += c;
			double usum = 0;
			int ulast = -1;
			for (int ri = 0; ri < nr; ri++) {
				int u = w->units[idx3(ri, m, p, M, P)];
				if (u > 0) {
					usum += u;
					ulast = ri;
				}
			}
			if (usum > 0) {
				int64_t left = c;
				for (int ri = 0; ri < nr; ri++) {
					int u = w->units[idx3(ri, m, p, M, P)];
					if (u <= 0)
						continue;
					int64_t part = ri == ulast ? left : llround((double)c * u / usum);
					left -= part;
					w->acc.group[1][(size_t)ri * M * P + i] += part;
				}
			} else if (wsum > 0) {
				int64_t left = c;
				for (int ri = 0; ri < nr; ri++) {
					if (wr[ri] <= 0)
						continue;
					int64_t part = ri == last ? left : llround((double)c * wr[ri] / wsum);
					left -= part;
					w->acc.group[1][(size_t)ri * M * P + i] += part;
				}
			}
		}
	}
	(void)li;
}

static void line_percentiles(struct worker *w, struct sp_fc_line *line)
{
	struct run *r = w->run;
	struct sp_forecast *f = r->f;
	int M = r->M, P = r->P;
	double *x = w->tmp;
	int m0 = 0, m1 = M;

	/* the horizon's cost: summed along each path, percentiles last */
	for (int p = 0; p < P; p++)
		x[p] = 0;
	for (int m = 0; m < M; m++)
		for (int p = 0; p < P; p++)
			x[p] += w->cost[(size_t)m * P + p];
	percentiles(r, line->horizon, x, (size_t)P);
	if (r->opts->only_month_set)
		m0 = r->opts->only_month, m1 = r->opts->only_month + 1;
	for (int m = m0; m < m1; m++)
		for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
			const double *src = NULL;
			switch (mt) {
			case SP_FC_UNITS:
				for (int p = 0; p < P; p++)
					x[p] = w->units_total[(size_t)m * P + p];
				break;
			case SP_FC_COST: src = &w->cost[(size_t)m * P]; break;
			case SP_FC_COST_OD: src = &w->cost_od[(size_t)m * P]; break;
			default: src = metric_row(w, (enum sp_fc_metric)mt, m);
			}
			if (src)
				memcpy(x, src, (size_t)P * sizeof(double));
			percentiles(r, &line->v[((size_t)(m - f->line_m0) * SP_FC_NMETRICS + mt) * f->npcts], x,
				    (size_t)P);
		}
}

/* Per region: capacity, shards and replicas percentiles (for the desired state). */
static void region_percentiles(struct worker *w, struct sp_fc_line *line)
{
	struct run *r = w->run;
	struct sp_forecast *f = r->f;
	int M = r->M, P = r->P;
	const int *src[SP_FC_NREGION_METRICS] = { w->units, w->rshards, w->rreplicas };
	double *x = w->tmp;
	int m0 = 0, m1 = M;

	if (r->opts->only_month_set)
		m0 = r->opts->only_month, m1 = r->opts->only_month + 1;
	for (int ri = 0; ri < r->R; ri++)
		for (int m = m0; m < m1; m++)
			for (int k = 0; k < SP_FC_NREGION_METRICS; k++) {
				const int *row = &src[k][idx3(ri, m, 0, M, P)];
				for (int p = 0; p < P; p++)
					x[p] = row[p];
				percentiles(r,
					    &line->rv[(((size_t)ri * f->line_months + (size_t)(m - f->line_m0)) *
							       SP_FC_NREGION_METRICS +
						       k) * f->npcts],
					    x, (size_t)P);
			}
}

/* Internet egress of a service: its average rate over the month times the
 * bytes each request sends out, in micro-GB per path (priced later on the
 * total, because egress prices fall in tiers of the whole account's volume). */
static void egress_of(struct worker *w, uint32_t v, const struct sp_service *s)
{
	struct run *r = w->run;
	int M = r->M, P = r->P;
	double secs = r->cat->hours_per_month * 3600.0;

	if (!(s->egress_kb_per_request > 0))
		return;
	for (int m = 0; m < M; m++) {
		double active = 0;
		for (int ri = 0; ri < r->R; ri++)
			if (r->region_active[ri * M + m])
				active += r->spec->regions[ri].share;
		path_rates(r, r->coef[v].avg, r->avg, m, w->rate);
		for (int p = 0; p < P; p++) {
			double gb = w->rate[p] * active * secs * s->egress_kb_per_request / 1e6;
			w->acc.egress[(size_t)m * P + p] += (int64_t)llround(gb * MICRO);
		}
	}
}

/* The egress bill of each month and path, from the catalog's tiers, into the
 * totals (no purchase options: the same on demand), the "transfer" class and
 * category, and the regions by their share. */
static void add_transfer(struct run *r, struct acc *acc)
{
	int M = r->M, P = r->P;
	size_t MP = (size_t)M * P, gclass = acc->ngroups[0] - 1, gcat = SP_CAT_TRANSFER;

	for (int m = 0; m < M; m++) {
		double wsum = 0;
		int last = -1;
		for (int ri = 0; ri < r->R; ri++)
			if (r->region_active[ri * M + m]) {
				wsum += r->spec->regions[ri].share;
				last = ri;
			}
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			int64_t c;
			if (!acc->egress[i])
				continue;
			c = (int64_t)llround(sp_catalog_egress_cost(r->cat, (double)acc->egress[i] / MICRO) * MICRO);
			acc->total[i] += c;
			acc->total_od[i] += c;
			if (r->opts->no_groupings)
				continue;
			acc->group[0][gclass * MP + i] += c;
			acc->group[2][gcat * MP + i] += c;
			if (wsum > 0) {
				int64_t left = c;
				for (int ri = 0; ri < r->R; ri++) {
					int64_t part;
					if (!r->region_active[ri * M + m])
						continue;
					part = ri == last ? left : llround((double)c * r->spec->regions[ri].share / wsum);
					left -= part;
					acc->group[1][(size_t)ri * MP + i] += part;
				}
			}
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->run;
	size_t n = r->f->nlines;

	for (;;) {
		size_t li;
		pthread_mutex_lock(&r->lock);
		li = r->next_line++;
		pthread_mutex_unlock(&r->lock);
		if (li >= n)
			break;
		struct sp_fc_line *line = &r->f->lines[li];
		size_t MP = (size_t)r->M * r->P;
		/* demand and units: every kind writes them, some only in part */
		memset(metric_row(w, SP_FC_DEMAND, 0), 0, MP * sizeof(double));
		memset(w->units, 0, (size_t)r->R * MP * sizeof(int));
		/* the rest: only datastores (and GPUs, extra) write them */
		if (w->dirty_datastore) {
			memset(metric_row(w, SP_FC_REPLICAS, 0), 0, MP * sizeof(double));
			memset(metric_row(w, SP_FC_SHARDS, 0), 0, MP * sizeof(double));
			memset(metric_row(w, SP_FC_STORAGE_GB, 0), 0, MP * sizeof(double));
			memset(w->rshards, 0, (size_t)r->R * MP * sizeof(int));
			memset(w->rreplicas, 0, (size_t)r->R * MP * sizeof(int));
		}
		if (w->dirty_extra)
			memset(w->extra, 0, MP * sizeof(double));
		w->mm_valid = 0;
		w->dirty_datastore = line->kind == SP_NODE_DATASTORE;
		w->dirty_extra = line->kind == SP_NODE_DATASTORE || line->kind == SP_NODE_GPU;
		switch (line->kind) {
		case SP_NODE_SERVICE:
			line_service(w, (uint32_t)li, line);
			egress_of(w, (uint32_t)li, sp_graph_node(r->g, (uint32_t)li)->service);
			break;
		case SP_NODE_DATASTORE: line_datastore(w, (uint32_t)li, line); break;
		case SP_NODE_CACHE: line_cache(w, (uint32_t)li, line); break;
		case SP_NODE_QUEUE: line_queue(w, (uint32_t)li, line); break;
		case SP_NODE_GPU: line_gpu(w, (uint32_t)li, line); break;
		}
		line_percentiles(w, line);
		region_percentiles(w, line);
		accumulate(w, line, li);
		pthread_mutex_lock(&r->lock);
		size_t done = ++r->done;
		pthread_mutex_unlock(&r->lock);
		if (w->id == 0 && r->opts->progress)
			r->opts->progress(r->opts->progress_ctx, done, n);
	}
	return NULL;
}

static void worker_init(struct worker *w, struct run *r, int id)
{
	size_t MP = (size_t)r->M * r->P;
	memset(w, 0, sizeof(*w));
	w->run = r;
	w->id = id;
	w->rate = sp_xcalloc((size_t)r->P, sizeof(double));
	w->tmp = sp_xcalloc(MP + 2 * (size_t)r->P, sizeof(double));
	w->units = sp_xcalloc((size_t)r->R * MP, sizeof(int));
	w->rshards = sp_xcalloc((size_t)r->R * MP, sizeof(int));
	w->rreplicas = sp_xcalloc((size_t)r->R * MP, sizeof(int));
	w->units_total = sp_xcalloc(MP, sizeof(int));
	w->binds = sp_xcalloc((size_t)r->M, sizeof(int));
	w->bind_any = sp_xcalloc(MP, 1);
	w->umin = sp_xcalloc((size_t)r->M, sizeof(int));
	w->umax = sp_xcalloc((size_t)r->M, sizeof(int));
	w->wr = sp_xcalloc((size_t)r->R + 1, sizeof(double));
	w->pbinds = sp_xcalloc((size_t)r->P, sizeof(int));
	w->cost = sp_xcalloc(MP, sizeof(double));
	w->cost_od = sp_xcalloc(MP, sizeof(double));
	w->extra = sp_xcalloc(MP, sizeof(double));
	w->metric = sp_xcalloc((size_t)SP_FC_NMETRICS * MP, sizeof(double));
	w->mc.cap = 4096;
	w->mc.x = sp_xcalloc((size_t)w->mc.cap, sizeof(double));
	w->mc.u = sp_xcalloc((size_t)w->mc.cap, sizeof(int));
	w->mc.b = sp_xcalloc((size_t)w->mc.cap, sizeof(int));
	w->acc.total = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.total_od = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.egress = sp_xcalloc(MP, sizeof(int64_t));
	for (int k = 0; k < 3; k++) {
		w->acc.ngroups[k] = r->f->groupings[k].ngroups;
		w->acc.group[k] = sp_xcalloc(w->acc.ngroups[k] * MP + 1, sizeof(int64_t));
	}
}

static void worker_free(struct worker *w)
{
	free(w->rate);
	free(w->tmp);
	free(w->units);
	free(w->rshards);
	free(w->rreplicas);
	free(w->units_total);
	free(w->binds);
	free(w->bind_any);
	free(w->hist);
	free(w->umin);
	free(w->umax);
	free(w->wr);
	free(w->pbinds);
	free(w->cost);
	free(w->cost_od);
	free(w->extra);
	free(w->metric);
	free(w->mc.x);
	free(w->mc.u);
	free(w->mc.b);
	free(w->acc.total);
	free(w->acc.total_od);
	free(w->acc.egress);
	for (int k = 0; k < 3; k++)
		free(w->acc.group[k]);
}

/* Percentiles of monthly, yearly and horizon sums of a [m][p] micro-unit series. */
static void summarize(const struct run *r, const int64_t *s, int P, double *month, double *year, double *horizon,
		      double *scratch)
{
	const struct sp_forecast *f = r->f;
	int M = f->months;
	size_t np = f->npcts;
	for (int m = 0; m < M; m++) {
		for (int p = 0; p < P; p++)
			scratch[p] = (double)s[(size_t)m * P + p] / MICRO;
		percentiles(r, &month[(size_t)m * np], scratch, (size_t)P);
	}
	for (int y = 0; y < f->years && year; y++) {
		for (int p = 0; p < P; p++) {
			int64_t sum = 0;
			for (int m = y * 12; m < M && m < y * 12 + 12; m++)
				sum += s[(size_t)m * P + p];
			scratch[p] = (double)sum / MICRO;
		}
		percentiles(r, &year[(size_t)y * np], scratch, (size_t)P);
	}
	for (int p = 0; p < P; p++) {
		int64_t sum = 0;
		for (int m = 0; m < M; m++)
			sum += s[(size_t)m * P + p];
		scratch[p] = (double)sum / MICRO;
	}
	percentiles(r, horizon, scratch, (size_t)P);
}

/* ---- checks before running ---------------------------------------------------------------------- */

static int check_catalog(const struct sp_spec *s, const struct sp_catalog *cat, struct sp_diags *d)
{
	static const char *const sku_kinds[] = { "compute", "database", "cache", "GPU" };
	size_t before = d->nerrors;
	const char **names = sp_xmalloc((cat->nskus + 1) * sizeof(*names));
	for (size_t i = 0; i < cat->nskus; i++)
		names[i] = cat->skus[i].name;

#define NEED_SKU(nm, pos, what, want_kind)                                                              \
	do {                                                                                              \
		const struct sp_sku *k_ = sp_catalog_sku(cat, (nm));                                    \
		if (!k_) {                                                                                \
			const char *best_ = sp_suggest((nm), names, cat->nskus);                        \
			if (best_)                                                                        \
				sp_error(d, (pos), "%s '%s' is not in price catalog '%s'; did you mean '%s'?", \
					 (what), (nm), cat->name, best_);                               \
			else                                                                              \
				sp_error(d, (pos), "%s '%s' is not in price catalog '%s' (add it to the catalog, or use a listed type)", \
					 (what), (nm), cat->name);                                      \
		} else if (k_->kind != (want_kind)) {                                                     \
			sp_error(d, (pos), "%s '%s' is a %s type in price catalog '%s', not a %s type", \
				 (what), (nm), sku_kinds[k_->kind], cat->name, sku_kinds[(want_kind)]); \
		}                                                                                         \
	} while (0)

	for (size_t i = 0; i < s->nservices; i++)
		NEED_SKU(s->services[i].instance, s->services[i].instance_pos, "instance type", SP_SKU_COMPUTE);
	for (size_t i = 0; i < s->ncaches; i++)
		NEED_SKU(s->caches[i].node, s->caches[i].node_pos, "cache node type", SP_SKU_CACHE);
	for (size_t i = 0; i < s->ndatastores; i++)
		NEED_SKU(s->datastores[i].instance, s->datastores[i].instance_pos, "database instance type",
			 SP_SKU_DATABASE);
#undef NEED_SKU
	for (size_t i = 0; i < s->ngpus; i++) {
		const struct sp_gpu_model *gm = sp_catalog_gpu(cat, s->gpus[i].gpu);
		if (!gm) {
			const char **gn = sp_xmalloc((cat->ngpus + 1) * sizeof(*gn));
			for (size_t j = 0; j < cat->ngpus; j++)
				gn[j] = cat->gpus[j].name;
			const char *best = sp_suggest(s->gpus[i].gpu, gn, cat->ngpus);
			if (best)
				sp_error(d, s->gpus[i].gpu_pos, "GPU '%s' is not in price catalog '%s'; did you mean '%s'?",
					 s->gpus[i].gpu, cat->name, best);
			else
				sp_error(d, s->gpus[i].gpu_pos, "GPU '%s' is not in price catalog '%s'", s->gpus[i].gpu,
					 cat->name);
			free(gn);
		} else if (!sp_catalog_sku(cat, gm->sku)) {
			sp_error(d, s->gpus[i].gpu_pos, "GPU '%s' names instance type '%s', which price catalog '%s' lacks",
				 gm->name, gm->sku, cat->name);
		}
	}
	if (strcmp(s->currency, cat->currency))
		sp_error(d, s->pricing.pos, "the spec is in %s but price catalog '%s' is in %s", s->currency, cat->name,
			 cat->currency);
	free(names);
	return d->nerrors > before ? -1 : 0;
}

static void add_breach(struct sp_forecast *f, size_t *cap, enum sp_fc_breach_kind kind, int month, double value,
		       double limit)
{
	SP_GROW(f->breaches, *cap, f->nbreaches + 1);
	f->breaches[f->nbreaches++] = (struct sp_fc_breach){ kind, month, value, limit };
}

size_t sp_fc_median_index(const struct sp_forecast *f)
{
	size_t best = 0;
	for (size_t k = 1; k < f->npcts; k++)
		if (fabs(f->pcts[k] - 50) < fabs(f->pcts[best] - 50))
			best = k;
	return best;
}

/* ---- entry point ------------------------------------------------------------------------------- */

static int any_uncertain(const struct sp_spec *s)
{
	for (size_t d = 0; d < s->ndrivers; d++)
		if (s->drivers[d].has_uncertainty)
			return 1;
	return 0;
}

int sp_forecast_run(struct sp_forecast **out, const struct sp_spec *spec, const struct sp_graph *g,
		    const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags)
{
	struct sp_forecast *f;
	struct run r;
	struct worker w[2];
	int nthreads = opts->threads > 0 ? opts->threads : 2;
	int ret = -1;

	*out = NULL;
	if (check_catalog(spec, cat, diags) < 0)
		return -1;
	if (nthreads > 2)
		nthreads = 2;
	if (opts->only_month_set &&
	    (opts->only_month < 0 || opts->only_month >= (opts->months > 0 && opts->months < spec->months ? opts->months
												       : spec->months))) {
		sp_error(diags, spec->pos, "month %d is outside the forecast", opts->only_month);
		return -1;
	}
	f = sp_xcalloc(1, sizeof(*f));
	sp_arena_init(&f->arena);
	f->start = spec->start;
	f->months = opts->months > 0 && opts->months < spec->months ? opts->months : spec->months;
	f->years = (f->months + 11) / 12;
	f->line_m0 = opts->only_month_set ? opts->only_month : 0;
	f->line_months = opts->only_month_set ? 1 : f->months;
	f->paths = any_uncertain(spec) ? (opts->paths > 0 ? opts->paths : SP_FC_DEFAULT_PATHS) : 1;
	f->seed = opts->seed;
	if (opts->npcts) {
		f->npcts = opts->npcts > SP_FC_MAX_PCTS ? SP_FC_MAX_PCTS : opts->npcts;
		memcpy(f->pcts, opts->pcts, f->npcts * sizeof(double));
	} else {
		f->npcts = 3;
		f->pcts[0] = 10;
		f->pcts[1] = 50;
		f->pcts[2] = 90;
	}
	f->currency = spec->currency;
	f->catalog = cat->name;
	f->catalog_as_of = cat->as_of;

	memset(&r, 0, sizeof(r));
	r.spec = spec;
	r.g = g;
	r.cat = cat;
	r.f = f;
	r.M = f->months;
	r.P = f->paths;
	r.nd = (int)spec->ndrivers;
	r.R = (int)spec->nregions;
	r.opts = opts;
	for (size_t k = 0; k < f->npcts; k++)
		r.pq[k] = f->pcts[k] / 100.0;
	size_t dpm = (size_t)(r.nd ? r.nd : 1) * r.P * r.M;
	r.trend = sp_xcalloc(dpm, sizeof(double));
	r.avg = sp_xcalloc(dpm, sizeof(double));
	r.peak = sp_xcalloc(dpm, sizeof(double));
	r.cum = sp_xcalloc(dpm, sizeof(double));
	r.region_active = SP_NEWN(&f->arena, int, (size_t)r.R * r.M);
	for (int ri = 0; ri < r.R; ri++)
		for (int m = 0; m < r.M; m++)
			r.region_active[ri * r.M + m] = spec->regions[ri].from == SP_NO_MONTH ||
							spec->start + m >= spec->regions[ri].from;
	pthread_mutex_init(&r.lock, NULL);
	if (fill_drivers(&r, diags) < 0)
		goto out;
	propagate(&r);

	/* lines, one per graph node, in graph order */
	size_t n = sp_graph_nnodes(g);
	f->nlines = n;
	f->lines = SP_NEWN(&f->arena, struct sp_fc_line, n);
	for (size_t v = 0; v < n; v++) {
		const struct sp_node *node = sp_graph_node(g, (uint32_t)v);
		struct sp_fc_line *l = &f->lines[v];
		l->name = node->name;
		l->kind = node->kind;
		l->risk_month = l->risk_any_month = l->outgrow_month = -1;
		l->v = SP_NEWN(&f->arena, double, (size_t)f->line_months * SP_FC_NMETRICS * f->npcts);
		l->commit_levels = SP_NEWN(&f->arena, int, (size_t)(r.M + 11) / 12 + 1);
		l->horizon = SP_NEWN(&f->arena, double, f->npcts);
		l->rv = SP_NEWN(&f->arena, double, (size_t)r.R * f->line_months * SP_FC_NREGION_METRICS * f->npcts);
		switch (node->kind) {
		case SP_NODE_SERVICE:
			l->group_class = sp_class_names[node->service->cls];
			l->category = SP_CAT_COMPUTE;
			l->sku = node->service->instance;
			l->unit = "instances";
			break;
		case SP_NODE_DATASTORE:
			l->group_class = "datastore";
			l->category = SP_CAT_DATABASE;
			l->sku = node->datastore->instance;
			l->unit = "nodes";
			break;
		case SP_NODE_CACHE:
			l->group_class = "cache";
			l->category = SP_CAT_CACHE;
			l->sku = node->cache->node;
			l->unit = "nodes";
			break;
		case SP_NODE_QUEUE:
			l->group_class = "queue";
			l->category = SP_CAT_QUEUE;
			l->unit = "";
			break;
		case SP_NODE_GPU:
			l->group_class = node->gpu->kind == SP_GPU_INFERENCE ? "gpu-inference" : "gpu-training";
			l->category = SP_CAT_GPU;
			l->sku = sp_catalog_gpu(cat, node->gpu->gpu)->sku;
			l->unit = "GPUs";
			break;
		}
	}
	/* groupings: class (classes then kinds), region, category */
	static const char *const class_groups[] = { "web", "worker", "batch", "dev", "datastore", "cache",
						    "queue", "gpu-inference", "gpu-training", "transfer" };
	const char *const bys[3] = { "class", "region", "category" };
	size_t ng[3] = { SP_ARRAY_LEN(class_groups), (size_t)r.R, SP_CAT_N };
	for (int k = 0; k < 3; k++) {
		struct sp_fc_grouping *gr = &f->groupings[k];
		gr->by = bys[k];
		gr->ngroups = ng[k];
		gr->groups = SP_NEWN(&f->arena, struct sp_fc_group, ng[k]);
		for (size_t i = 0; i < ng[k]; i++) {
			gr->groups[i].name = k == 0 ? class_groups[i] : k == 1 ? spec->regions[i].name
									  : sp_fc_category_names[i];
			gr->groups[i].month = SP_NEWN(&f->arena, double, (size_t)r.M * f->npcts);
			gr->groups[i].year = SP_NEWN(&f->arena, double, (size_t)f->years * f->npcts);
			gr->groups[i].horizon = SP_NEWN(&f->arena, double, f->npcts);
		}
	}

	/* the lines, on up to two threads; each line is computed by one thread
	 * alone and totals are integers, so the result does not depend on it */
	pthread_t th;
	int started = 0;
	for (int t = 0; t < nthreads; t++)
		worker_init(&w[t], &r, t);
	if (nthreads > 1 && pthread_create(&th, NULL, worker_main, &w[1]) == 0)
		started = 1;
	worker_main(&w[0]);
	if (started)
		pthread_join(th, NULL);

	/* merge the integer accumulators, then percentiles */
	size_t MP = (size_t)r.M * r.P;
	for (int t = 1; t < nthreads; t++) {
		for (size_t i = 0; i < MP; i++) {
			w[0].acc.total[i] += w[t].acc.total[i];
			w[0].acc.total_od[i] += w[t].acc.total_od[i];
			w[0].acc.egress[i] += w[t].acc.egress[i];
		}
		for (int k = 0; k < 3; k++)
			for (size_t i = 0; i < w[0].acc.ngroups[k] * MP; i++)
				w[0].acc.group[k][i] += w[t].acc.group[k][i];
	}
	add_transfer(&r, &w[0].acc);
	f->total = SP_NEWN(&f->arena, double, (size_t)r.M * f->npcts);
	f->total_od = SP_NEWN(&f->arena, double, (size_t)r.M * f->npcts);
	f->year_total = SP_NEWN(&f->arena, double, (size_t)f->years * f->npcts);
	f->horizon_total = SP_NEWN(&f->arena, double, f->npcts);
	f->horizon_total_od = SP_NEWN(&f->arena, double, f->npcts);
	double *scratch = w[0].tmp;
	summarize(&r, w[0].acc.total, r.P, f->total, f->year_total, f->horizon_total, scratch);
	summarize(&r, w[0].acc.total_od, r.P, f->total_od, NULL, f->horizon_total_od, scratch);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < f->groupings[k].ngroups; i++) {
			struct sp_fc_group *gp = &f->groupings[k].groups[i];
			summarize(&r, &w[0].acc.group[k][i * MP], r.P, gp->month, gp->year, gp->horizon, scratch);
		}

	/* budgets: a month over at p50, or over at the highest percentile */
	size_t cap = 0, med = sp_fc_median_index(f), hi = f->npcts - 1;
	if (spec->budgets.monthly_max > 0)
		for (int m = 0; m < r.M; m++) {
			double p50 = f->total[(size_t)m * f->npcts + med], top = f->total[(size_t)m * f->npcts + hi];
			if (p50 > spec->budgets.monthly_max)
				add_breach(f, &cap, SP_BREACH_MONTH_P50, m, p50, spec->budgets.monthly_max);
			else if (top > spec->budgets.monthly_max)
				add_breach(f, &cap, SP_BREACH_MONTH_HIGH, m, top, spec->budgets.monthly_max);
		}
	if (spec->budgets.total_max > 0) {
		double p50 = f->horizon_total[med], top = f->horizon_total[hi];
		if (p50 > spec->budgets.total_max)
			add_breach(f, &cap, SP_BREACH_TOTAL_P50, -1, p50, spec->budgets.total_max);
		else if (top > spec->budgets.total_max)
			add_breach(f, &cap, SP_BREACH_TOTAL_HIGH, -1, top, spec->budgets.total_max);
	}
	for (int t = 0; t < nthreads; t++)
		worker_free(&w[t]);
	ret = 0;
	*out = f;
out:
	pthread_mutex_destroy(&r.lock);
	free(r.trend);
	free(r.avg);
	free(r.peak);
	free(r.cum);
	if (ret < 0)
		sp_forecast_free(f);
	return ret;
}

void sp_forecast_free(struct sp_forecast *f)
{
	if (!f)
		return;
	free(f->breaches);
	sp_arena_free(&f->arena);
	free(f);
}
