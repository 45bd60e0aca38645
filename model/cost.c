/* Cost (docs/model.md §6): the monthly list price of a resource, and the
 * forecast's pricing of each line along every path: unit rates by purchase
 * option, the commitment term and its newsvendor levels, and internet egress
 * priced through the catalog's tiers. */
#include "model/cost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/gpu.h"
#include "model/forecast_run.h"
#include "model/stats.h"

/* ---- the list price of a resource (a plan's before and after) ---------------------------------- */

static double num(const struct sp_resource *r, const char *key)
{
	const struct sp_attr *a = sp_resource_attr(r, key);
	return a && a->type == SP_ATTR_NUM ? a->n : 0;
}

static const char *str(const struct sp_resource *r, const char *key)
{
	const struct sp_attr *a = sp_resource_attr(r, key);
	return a && a->type == SP_ATTR_STR ? a->s : NULL;
}

double sp_cost_resource(const struct sp_catalog *cat, const struct sp_resource *r)
{
	const char *sku_name = str(r, "instance_type");
	const struct sp_sku *sku;
	double hours = cat->hours_per_month;

	if (!strcmp(r->type, "cache"))
		sku_name = str(r, "node_type");
	if (!sku_name || !(sku = sp_catalog_sku(cat, sku_name)))
		return 0;
	if (!strcmp(r->type, "service"))
		return num(r, "instances") * sku->on_demand_hourly * hours;
	if (!strcmp(r->type, "cache"))
		return num(r, "nodes") * sku->on_demand_hourly * hours;
	if (!strcmp(r->type, "datastore")) {
		double nodes = num(r, "nodes"), shards = num(r, "shards");
		double copies = shards > 0 ? nodes / shards : 1;
		return nodes * sku->on_demand_hourly * hours + num(r, "storage_gb") * copies * cat->db_storage_gb_month;
	}
	if (!strcmp(r->type, "gpu")) {
		int per = sku->gpus > 0 ? sku->gpus : 1;
		return ceil(num(r, "gpus") / per) * sku->on_demand_hourly * hours;
	}
	return 0;
}

double sp_cost_set(const struct sp_catalog *cat, const struct sp_resource_set *s)
{
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += sp_cost_resource(cat, &s->v[i]);
	return sum;
}

/* ---- purchase options -------------------------------------------------------------------- */

struct rates {
	double od, commit, over;     /* per unit-month: on-demand, committed, above the commitment */
	enum sp_fc_purchase purchase;
	int term;                    /* commitment term in months; 0 = none */
};

static double spot_month(const struct sp_fc_run *r, const struct sp_sku *sku)
{
	double hours = r->cat->hours_per_month;
	double disc = r->spec->pricing.spot_discount > 0 ? r->spec->pricing.spot_discount : r->cat->spot_discount;
	double hourly = sku->spot_hourly > 0 ? sku->spot_hourly : sku->on_demand_hourly * (1 - disc);
	return hourly * hours * (1 + r->spec->pricing.spot_interruption_overhead);
}

static struct rates rates_for(const struct sp_fc_run *r, const struct sp_sku *sku, enum sp_fc_purchase want, int term)
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

static enum sp_fc_purchase gpu_purchase(const struct sp_fc_run *r, const struct sp_gpu_workload *gw, int *term)
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

/* ---- commitment levels and the price of a line ---------------------------------------------- */

#define SP_FC_HIST_MAX (1u << 20)   /* counting when the units span less than this */

/* Makes w->hist hold at least span counters. */
static void hist_reserve(struct sp_fc_worker *w, size_t span)
{
	if (span > w->hist_cap) {
		free(w->hist);
		w->hist_cap = span;
		w->hist = sp_xcalloc(span, sizeof(*w->hist));
	}
}

/* The newsvendor commitment level over a window of unit counts. */
static int newsvendor_level(struct sp_fc_worker *w, const int *units, size_t n, int lo, int hi, const struct rates *x)
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
		hist_reserve(w, span);
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

#define SP_FC_MHIST_MAX (1u << 22)   /* per-month histograms when months x span stay below this */

/* Once per autoscaled line: each month's hours counted by the instances they
 * need, over the paths (w->mhist), so that every commitment window and term
 * sums month histograms instead of reading every hour again. */
static void hourly_hists(struct sp_fc_worker *w)
{
	struct sp_fc_run *r = w->run;
	const struct sp_profile *pf = &w->prof;
	int M = r->M, P = r->P, K = pf->nlevels;
	size_t n = (size_t)M * P;
	int lo = w->hv[K - 1], hi = w->hv[0];

	/* counts fall along a row: its first is the peak, its last the quietest hour */
	for (size_t i = 1; i < n; i++) {
		lo = w->hv[i * K + K - 1] < lo ? w->hv[i * K + K - 1] : lo;
		hi = w->hv[i * K] > hi ? w->hv[i * K] : hi;
	}
	size_t span = (size_t)(hi - lo) + 1;
	w->hh_valid = 1;
	w->hlo = lo;
	w->hhi = hi;
	w->hh_ok = span <= SP_FC_MHIST_MAX / (size_t)M;
	if (!w->hh_ok)
		return;
	if ((size_t)M * span > w->mhist_cap) {
		free(w->mhist);
		w->mhist_cap = (size_t)M * span;
		w->mhist = sp_xcalloc(w->mhist_cap, sizeof(size_t));
	}
	memset(w->mhist, 0, (size_t)M * span * sizeof(size_t));
	for (int m = 0; m < M; m++)
		sp_profile_hist(pf, &w->hv[(size_t)m * P * K], (size_t)P, lo, &w->mhist[(size_t)m * span]);
}

/* The newsvendor level over every hour of months [m0, m1) and the paths. */
static int hourly_level(struct sp_fc_worker *w, int m0, int m1, const struct rates *x)
{
	const struct sp_profile *pf = &w->prof;
	int P = w->run->P;
	size_t n = (size_t)(m1 - m0) * P, span = (size_t)(w->hhi - w->hlo) + 1;
	size_t k = sp_stats_newsvendor_rank(n * (size_t)pf->hours, x->commit, x->over);

	if (k == 0)
		return 0;
	if (!w->hh_ok)
		return w->hlo;   /* too wide to count: the always-on base */
	hist_reserve(w, span);
	memcpy(w->hist, &w->mhist[(size_t)m0 * span], span * sizeof(size_t));
	for (int m = m0 + 1; m < m1; m++) {
		const size_t *h = &w->mhist[(size_t)m * span];
		for (size_t v = 0; v < span; v++)
			w->hist[v] += h[v];
	}
	return sp_profile_hist_rank(w->hist, span, w->hlo, k);
}

/* An autoscaled service line (model/profile.h): each month and path is
 * billed for the instances each hour of the profile needs (w->hv), averaged
 * over its hours; a commitment window's level is the newsvendor level over
 * every hour of its months and paths. Returns the sum of the costs. */
static double price_line_hourly(struct sp_fc_worker *w, struct sp_fc_line *line, const struct rates *x)
{
	struct sp_fc_run *r = w->run;
	const struct sp_profile *pf = &w->prof;
	int M = r->M, P = r->P, K = pf->nlevels, term = x->term;
	double sum = 0;

	if (!w->hh_valid)
		hourly_hists(w);
	line->purchase = x->purchase;
	line->commit_term_months = term;
	if (term > 0)
		line->ncommit_windows = (M + term - 1) / term;
	for (int m0 = 0; m0 < M; m0 += term > 0 ? term : M) {
		int m1 = term > 0 ? (m0 + term < M ? m0 + term : M) : M;
		int level = 0;
		if (term > 0) {
			level = hourly_level(w, m0, m1, x);
			line->commit_levels[m0 / term] = level;
		}
		for (size_t i = (size_t)m0 * P; i < (size_t)m1 * P; i++) {
			double mean = (double)w->hsum[i] / pf->hours, c;
			switch (x->purchase) {
			case SP_BUY_COMMIT_OD:
			case SP_BUY_COMMIT_SPOT:
				c = sp_profile_month_cost_sum(pf, &w->hv[i * K], (long)w->hsum[i], level, x->commit,
							      x->over);
				break;
			case SP_BUY_SPOT: c = mean * x->over; break;
			case SP_BUY_NONE: c = 0; break;
			default: c = mean * x->od;
			}
			w->cost[i] = c;
			w->cost_od[i] = mean * x->od;
			sum += c;
		}
	}
	return sum;
}

/* Prices one line's units[m][p] into cost[m][p] (plus extra[m][p]) and the
 * all-on-demand cost_od[m][p]; records the commitment levels. An autoscaled
 * service is priced hour by hour (price_line_hourly). */
static double price_line(struct sp_fc_worker *w, struct sp_fc_line *line, const struct rates *x, int with_extra)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P;
	int term = x->term;
	double sum = 0;

	if (w->autoscaled)
		return price_line_hourly(w, line, x);
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
static double expected_cost(const struct sp_fc_worker *w, const struct sp_fc_line *line, const struct rates *x,
			    double total)
{
	const struct sp_fc_run *r = w->run;
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
static void price_best(struct sp_fc_worker *w, struct sp_fc_line *line, const struct sp_sku *sku, enum sp_fc_purchase want,
		       int with_extra)
{
	struct sp_fc_run *r = w->run;
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

/* A GPU workload: inference is billed by whole instances and reported in
 * GPUs; training per GPU-hour used (the demand metric holds the month's
 * GPU-hours), at the committed, spot or on-demand rate of its tier. */
static void cost_gpu(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_gpu_workload *gw = sp_graph_node(r->g, v)->gpu;
	const struct sp_gpu_model *gm = sp_catalog_gpu(r->cat, gw->gpu);
	const struct sp_sku *sku = sp_catalog_sku(r->cat, gm->sku);
	int per_inst = sku->gpus > 0 ? sku->gpus : 1, term;
	int M = r->M, P = r->P;
	enum sp_fc_purchase want = gpu_purchase(r, gw, &term);
	struct rates x = rates_for(r, sku, want, term);

	double max_spot = r->spec->tiers.spot_max_share;
	if (gw->kind == SP_GPU_INFERENCE && x.purchase == SP_BUY_SPOT) {
		/* gpu.tiers.spot.max_share: at most that share of the instances on
		 * spot (rounded down), the rest on demand */
		for (size_t i = 0; i < (size_t)M * P; i++) {
			int n = w->units_total[i], s = sp_gpu_spot_instances(n, max_spot);
			w->cost[i] = s * x.over + (n - s) * x.od;
			w->cost_od[i] = n * x.od;
			w->units_total[i] = (int)w->extra[i];
		}
		line->purchase = x.purchase;
		line->commit_term_months = 0;
		return;
	}
	if (gw->kind == SP_GPU_INFERENCE) {
		price_line(w, line, &x, 0);
		/* report GPUs (not instances) as the line's units */
		for (size_t i = 0; i < (size_t)M * P; i++)
			w->units_total[i] = (int)w->extra[i];
		return;
	}
	double per_gpu_hour_od = sku->on_demand_hourly / per_inst;
	double hours_per_month = r->cat->hours_per_month;
	double rate;
	switch (x.purchase) {
	case SP_BUY_SPOT:
		/* at most spot.max_share of the GPU-hours on spot, the rest on demand */
		rate = fmin(max_spot, 1) * x.over / hours_per_month / per_inst + (1 - fmin(max_spot, 1)) * per_gpu_hour_od;
		break;
	case SP_BUY_COMMIT_OD: rate = x.commit / hours_per_month / per_inst; break;
	default: rate = per_gpu_hour_od;
	}
	for (int m = 0; m < M; m++) {
		const double *h = sp_fc_metric_row(w, SP_FC_DEMAND, m);
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			w->cost[i] = h[p] * rate;
			w->cost_od[i] = h[p] * per_gpu_hour_od;
		}
	}
	line->purchase = x.purchase;
	line->commit_term_months = x.purchase == SP_BUY_COMMIT_OD ? x.term : 0;
}

/* web: commitments for the base; worker: commitments, spot above; batch
 * and dev/test: the lowest cost, all spot (they tolerate interruptions) */
static const enum sp_fc_purchase by_class[] = { SP_BUY_COMMIT_OD, SP_BUY_COMMIT_SPOT, SP_BUY_SPOT, SP_BUY_SPOT };

void sp_cost_line(struct sp_fc_worker *w, uint32_t v, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	const struct sp_node *node = sp_graph_node(r->g, v);

	switch (line->kind) {
	case SP_NODE_SERVICE:
		price_best(w, line, r->svc_sku[v], by_class[node->service->cls], 0);
		break;
	case SP_NODE_DATASTORE:
		/* with the storage, in w->extra */
		price_best(w, line, sp_catalog_sku(r->cat, node->datastore->instance), SP_BUY_COMMIT_OD, 1);
		break;
	case SP_NODE_CACHE:
		price_best(w, line, sp_catalog_sku(r->cat, node->cache->node), SP_BUY_COMMIT_OD, 0);
		break;
	case SP_NODE_QUEUE:
		memset(w->cost, 0, (size_t)r->M * r->P * sizeof(double));
		memset(w->cost_od, 0, (size_t)r->M * r->P * sizeof(double));
		line->purchase = SP_BUY_NONE;
		break;
	case SP_NODE_GPU:
		cost_gpu(w, v, line);
		break;
	}
}

int sp_cost_purchase(const struct sp_fc_run *r, uint32_t v, enum sp_fc_purchase *out)
{
	const struct sp_node *node = sp_graph_node(r->g, v);
	const struct sp_sku *sku = NULL;
	enum sp_fc_purchase want = SP_BUY_COMMIT_OD;
	int term;

	switch (node->kind) {
	case SP_NODE_SERVICE:
		sku = sp_catalog_sku(r->cat, node->service->instance);
		want = by_class[node->service->cls];
		break;
	case SP_NODE_DATASTORE: sku = sp_catalog_sku(r->cat, node->datastore->instance); break;
	case SP_NODE_CACHE: sku = sp_catalog_sku(r->cat, node->cache->node); break;
	case SP_NODE_QUEUE: *out = SP_BUY_NONE; return 0;
	case SP_NODE_GPU: {
		const struct sp_gpu_model *gm = sp_catalog_gpu(r->cat, node->gpu->gpu);
		want = gpu_purchase(r, node->gpu, &term);
		*out = rates_for(r, sp_catalog_sku(r->cat, gm->sku), want, term).purchase;
		return 0;
	}
	}
	/* as price_best: the 1-year rates, unless a 3-year term exists and wins */
	struct rates x1 = rates_for(r, sku, want, 12), x3 = rates_for(r, sku, want, 36);
	if (x3.term != 36 || x1.purchase == x3.purchase) {
		*out = x1.purchase;
		return 0;
	}
	return -1;
}

/* ---- internet egress ------------------------------------------------------------------------------ */

/* Internet egress of a service: its average rate over the month times the
 * bytes each request sends out, in micro-GB per path (priced later on the
 * total, because egress prices fall in tiers of the whole account's volume). */
void sp_cost_egress(struct sp_fc_worker *w, uint32_t v, const struct sp_service *s)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P;
	double secs = r->cat->hours_per_month * 3600.0;

	if (!(s->egress_kb_per_request > 0))
		return;
	for (int m = 0; m < M; m++) {
		double active = 0;
		for (int ri = 0; ri < r->R; ri++)
			if (r->region_active[ri * M + m])
				active += r->spec->regions[ri].share;
		sp_demand_path_rates(r, r->coef[v].avg, r->avg, m, w->rate);
		for (int p = 0; p < P; p++) {
			double gb = w->rate[p] * active * secs * s->egress_kb_per_request / 1e6;
			w->acc.egress[(size_t)m * P + p] += (int64_t)llround(gb * SP_FC_MICRO);
		}
	}
}

/* The egress bill of each month and path, from the catalog's tiers, into the
 * totals (no purchase options: the same on demand), the "transfer" class and
 * category, and the regions by their share. */
void sp_cost_transfer(const struct sp_fc_run *r, struct sp_fc_acc *acc)
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
			int64_t c = 0;
			if (!acc->egress[i] && !acc->xfer[i])
				continue;
			if (acc->egress[i])
				c = (int64_t)llround(sp_catalog_egress_cost(r->cat, (double)acc->egress[i] / SP_FC_MICRO) *
						     SP_FC_MICRO);
			c += acc->xfer[i];   /* cross-AZ transfer, already priced (model/transfer.c) */
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
