/* Capacity: the sizing of each component kind in every active region, month
 * and path (docs/model.md §4 and §5): servers and instances of a service
 * from its queueing model, shards, replicas and nodes of a datastore, nodes of
 * a cache, GPUs of an inference or training workload. Pricing is cost.c's. */
#include <math.h>
#include <string.h>

#include "model/forecast_run.h"
#include "model/gpu.h"
#include "model/queueing.h"

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

int sp_fc_service_size(const struct sp_service *s, const struct sp_sku *sku, int zones, double max_backlog_s,
		       double lambda_rps, int bounded, int *binds)
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
	z = (struct svc_size){ s, sku, &reg, max_backlog_s > 0, max_backlog_s > 0 ? max_backlog_s : 60, 0 };
	int n = size_service(&z, lambda_rps, &b);
	if (binds)
		*binds = b;
	return n;
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

static void line_service(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_node *node = sp_graph_node(r->g, v);
	const struct sp_service *s = node->service;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, s->instance);
	int *pbinds = w->pbinds;             /* per path, this region */

	memset(w->units_total, 0, (size_t)M * P * sizeof(int));
	memset(w->binds, 0, (size_t)M * sizeof(int));
	memset(w->bind_any, 0, (size_t)M * P);
	/* the peak rate of every path and month, once for all regions */
	for (int m = 0; m < M; m++)
		sp_demand_path_rates(r, c->peak, r->peak, m, sp_fc_metric_row(w, SP_FC_DEMAND, m));
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
			int *u = &w->units[sp_fc_idx(ri, m, 0, M, P)];
			if (!r->region_active[ri * M + m]) {
				memset(u, 0, (size_t)P * sizeof(int));
				continue;
			}
			const double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m);
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
