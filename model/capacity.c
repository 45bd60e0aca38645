/* Capacity: the sizing of each component kind in every active region, month
 * and path (docs/model.md §4 and §5): servers and instances of a service
 * from its queueing model, shards, replicas and nodes of a datastore, nodes of
 * a cache, GPUs of an inference or training workload. Pricing is cost.c's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/balance.h"
#include "model/forecast_run.h"
#include "model/gpu.h"
#include "model/queueing.h"

#define CACHE_MEM_USABLE 0.75    /* share of a cache node's memory available to data */
#define BACKLOG_TAIL 0.01        /* P(wait > max_backlog_age_s) allowed for queue workers */
#define HA_AVAILABILITY 99.9     /* a datastore at or above this keeps one extra replica */

/* ---- services ---------------------------------------------------------------------------- */

struct svc_size {
	const struct sp_service *s;
	const struct sp_sku *sku;
	const struct sp_region *reg;
	int queue_worker;
	double max_backlog_s;
	int hint;
	double hint_rate;   /* the rate hint was computed for (split fleets) */
};

/* Servers per instance as the balancer sees them: its whole vCPUs (at least 1). */
static int instance_servers(double vcpus)
{
	return vcpus >= 2 ? (int)fmin(floor(vcpus), 1e6) : 1;
}

/* Instances under a balancer that splits the stream (round_robin, random):
 * each instance is its own queue (model/balance.h); a queue's workers still
 * drain the backlog on all their vCPUs. */
static int split_instances(struct svc_size *z, double lambda, double S, double q, double slo_s, int k, int *sized)
{
	const struct sp_service *s = z->s;
	int n = 0, hint = z->hint;
	/* the count grows about in proportion to the rate: scale the last answer */
	if (hint > 0 && z->hint_rate > 0)
		hint = (int)fmin(ceil(hint * (lambda / z->hint_rate)), 1e9);
	*sized = sp_bal_instances(&n, s->balancing, k, lambda, S, q, slo_s, s->target_utilization, hint) == 0;
	if (!*sized)
		n = (int)ceil((ceil(lambda * S / s->target_utilization) + 1) / k);
	z->hint = n;
	z->hint_rate = lambda;
	if (z->queue_worker) {
		int servers = n * k;
		while (sp_q_wait_tail(servers, lambda, S, z->max_backlog_s) > BACKLOG_TAIL)
			servers++;
		n = (servers + k - 1) / k;
	}
	return n;
}

/* Instances of one service in one region at peak rate lambda (monotone in lambda). */
static int size_service(struct svc_size *z, double lambda, int *binds)
{
	const struct sp_service *s = z->s;
	double S = s->cpu_ms_per_request / 1000.0;
	double q = s->has_latency_slo ? s->slo_quantile : 0.99;
	double slo_s = s->has_latency_slo ? s->slo_ms / 1000.0 : 0;
	double vcpus = z->sku->vcpus > 0 ? z->sku->vcpus : 1;
	int servers = 0, n, inst, sized = 1;   /* sized: n is known to meet the SLO */
	unsigned why = 0;

	*binds = 0;
	if (lambda > 0 && s->balancing != SP_BAL_LEAST_OUTSTANDING) {
		n = split_instances(z, lambda, S, q, slo_s, instance_servers(vcpus), &sized);
	} else {
		if (lambda > 0) {
			if (sp_q_servers_hint(&servers, lambda, S, q, slo_s, s->target_utilization, z->hint) < 0) {
				servers = (int)ceil(lambda * S / s->target_utilization) + 1;
				sized = 0;
			}
			z->hint = servers;
			if (z->queue_worker) {
				/* a queue's worker drains the peak within the backlog-age target */
				while (sp_q_wait_tail(servers, lambda, S, z->max_backlog_s) > BACKLOG_TAIL)
					servers++;
			}
		}
		n = (int)ceil(servers / vcpus);
	}
	if (s->usl.present && lambda > 0) {
		double x = sp_q_usl_throughput(s->usl.lambda_rps, s->usl.sigma, s->usl.kappa, vcpus);
		if (x > 0) {
			double need = ceil(lambda / x);
			if (need > n)
				n = need > 1e9 ? 1000000000 : (int)need;
		}
	}
	/* the zone step keeps the SLO with one zone lost under the balancing */
	struct sp_bal_slo zs = { s->balancing, instance_servers(vcpus), lambda, S, q, slo_s, sized };
	if (sp_bal_zones(&inst, &why, n, z->reg->zones, s->min, s->max, &zs) < 0 &&
	    sp_q_zones(&inst, NULL, n, z->reg->zones, s->min, s->max) < 0)
		inst = n;
	*binds = (why & SP_BAL_BINDS_MAX) != 0;
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
	z = (struct svc_size){ s, sku, &reg, max_backlog_s > 0, max_backlog_s > 0 ? max_backlog_s : 60, 0, 0 };
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

static void line_service(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_node *node = sp_graph_node(r->g, v);
	const struct sp_service *s = node->service;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
	const struct sp_sku *sku = sp_catalog_sku(r->cat, s->instance);
	int *pbinds = w->pbinds;             /* per path, this region */

	w->autoscaled = autoscale_setup(w, v, s);

	memset(w->units_total, 0, (size_t)M * P * sizeof(int));
	memset(w->binds, 0, (size_t)M * sizeof(int));
	memset(w->bind_any, 0, (size_t)M * P);
	/* the peak rate of every path and month, once for all regions */
	for (int m = 0; m < M; m++)
		sp_demand_path_rates(r, c->peak, r->peak, m, sp_fc_metric_row(w, SP_FC_DEMAND, m));
	for (int ri = 0; ri < r->R; ri++) {
		struct svc_size z = { s, sku, &r->spec->regions[ri], r->queue_worker[v], 60, 0, 0 };
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

static void line_datastore(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_datastore *ds = sp_graph_node(r->g, v)->datastore;
	const struct sp_fc_coef *c = &r->coef[v];
	int M = r->M, P = r->P;
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
		double *dem = sp_fc_metric_row(w, SP_FC_DEMAND, m), *rep = sp_fc_metric_row(w, SP_FC_REPLICAS, m);
		double *sh = sp_fc_metric_row(w, SP_FC_SHARDS, m), *st = sp_fc_metric_row(w, SP_FC_STORAGE_GB, m);
		sp_demand_path_rates(r, c->reads, r->peak, m, reads);
		sp_demand_path_rates(r, c->writes, r->peak, m, writes);
		memcpy(sp_fc_xmetric_row(w, SP_FC_X_READS, m), reads, (size_t)P * sizeof(double));
		memcpy(sp_fc_xmetric_row(w, SP_FC_X_WRITES, m), writes, (size_t)P * sizeof(double));
		int outgrown_paths = 0;   /* paths where some active region needs a second primary */
		for (int p = 0; p < P; p++) {
			int path_out = 0;
			double data_total = ds->storage_start_gb +
					    (sd >= 0 ? ds->storage_gb_per_unit_month * r->cum[sp_fc_idx(sd, p, m, P, M)] : 0);
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
				w->units[sp_fc_idx(ri, m, p, M, P)] = shards * (1 + rep_n + copies_extra);
				w->rshards[sp_fc_idx(ri, m, p, M, P)] = shards;
				w->rreplicas[sp_fc_idx(ri, m, p, M, P)] = rep_n;
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
}

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
				w->units[sp_fc_idx(ri, m, p, M, P)] = gr;
			}
			dem[p] = tokens;
			/* billed by whole instances of the GPU's instance type */
			w->units_total[(size_t)m * P + p] = (gpus + per_inst - 1) / per_inst;
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
	double hours = sp_gpu_training_hours(gw->params_b * 1e9, gw->tokens_b * 1e9, peak, gw->mfu);
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
	case SP_NODE_DATASTORE: line_datastore(w, v, line); break;
	case SP_NODE_CACHE: line_cache(w, v); break;
	case SP_NODE_QUEUE: line_queue(w, v); break;
	case SP_NODE_GPU: line_gpu(w, v); break;
	}
}
