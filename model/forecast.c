/* The forecast run (see model/forecast.h for the shape of the computation
 * and docs/model.md for every formula and assumption): the checks before it,
 * the lines computed on up to two threads, each line's percentiles, the
 * totals and groupings summed along the paths, and the budgets. The steps of
 * one line are demand.c, capacity.c and cost.c, over model/forecast_run.h. */
#include "model/forecast.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/choose.h"
#include "model/forecast_run.h"
#include "model/stats.h"

const char *const sp_fc_metric_names[SP_FC_NMETRICS] = {
	"demand", "units", "replicas", "shards", "storage_gb", "cost", "cost_on_demand",
};
const char *const sp_fc_category_names[SP_CAT_N] = { "compute", "database", "cache", "gpu", "queue", "transfer" };
const char *const sp_fc_purchase_names[] = {
	"commitment + on-demand", "commitment + spot", "spot", "on-demand", "none",
};

/* ---- percentiles --------------------------------------------------------------------- */

/* The forecast's percentiles of x[0..n) into out[0..npcts), by nearest rank
 * (model/stats.h); x is used as scratch. */
static void percentiles(const struct sp_fc_run *r, double *out, double *x, size_t n)
{
	sp_stats_select_percentiles(out, x, n, r->pq, r->f->npcts);
}

static void line_percentiles(struct sp_fc_worker *w, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
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
			default: src = sp_fc_metric_row(w, (enum sp_fc_metric)mt, m);
			}
			if (src)
				memcpy(x, src, (size_t)P * sizeof(double));
			percentiles(r, &line->v[((size_t)(m - f->line_m0) * SP_FC_NMETRICS + mt) * f->npcts], x,
				    (size_t)P);
		}
	/* the extra figures of the kinds that keep them */
	if (line->kind != SP_NODE_DATASTORE && line->kind != SP_NODE_CACHE)
		return;
	for (int m = m0; m < m1; m++)
		for (int mt = 0; mt < SP_FC_NXMETRICS; mt++) {
			if ((mt == SP_FC_X_WORKING_SET_GB) != (line->kind == SP_NODE_CACHE))
				continue;
			memcpy(x, sp_fc_xmetric_row(w, (enum sp_fc_extra_metric)mt, m), (size_t)P * sizeof(double));
			percentiles(r, &line->xv[((size_t)(m - f->line_m0) * SP_FC_NXMETRICS + mt) * f->npcts], x,
				    (size_t)P);
		}
}

/* Per region: capacity, shards and replicas percentiles (for the desired state). */
static void region_percentiles(struct sp_fc_worker *w, struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	struct sp_forecast *f = r->f;
	int M = r->M, P = r->P;
	const int *src[SP_FC_NREGION_METRICS] = { w->units, w->rshards, w->rreplicas,
						   w->autoscaled ? w->rmin : w->units };
	double *x = w->tmp;
	int m0 = 0, m1 = M;

	if (r->opts->only_month_set)
		m0 = r->opts->only_month, m1 = r->opts->only_month + 1;
	for (int ri = 0; ri < r->R; ri++)
		for (int m = m0; m < m1; m++)
			for (int k = 0; k < SP_FC_NREGION_METRICS; k++) {
				const int *row = &src[k][sp_fc_idx(ri, m, 0, M, P)];
				double *out = &line->rv[(((size_t)ri * f->line_months + (size_t)(m - f->line_m0)) *
							 SP_FC_NREGION_METRICS +
						 k) * f->npcts];
				if (k == SP_FC_R_MIN_UNITS && !w->autoscaled) {
					/* the same as the units: copy them */
					memcpy(out, out - (SP_FC_R_MIN_UNITS - SP_FC_R_UNITS) * f->npcts,
					       f->npcts * sizeof(double));
					continue;
				}
				for (int p = 0; p < P; p++)
					x[p] = row[p];
				percentiles(r, out, x, (size_t)P);
			}
}

/* Percentiles of monthly, yearly and horizon sums of a [m][p] micro-unit series. */
static void summarize(const struct sp_fc_run *r, const int64_t *s, int P, double *month, double *year, double *horizon,
		      double *scratch)
{
	const struct sp_forecast *f = r->f;
	int M = f->months;
	size_t np = f->npcts;
	for (int m = 0; m < M; m++) {
		for (int p = 0; p < P; p++)
			scratch[p] = (double)s[(size_t)m * P + p] / SP_FC_MICRO;
		percentiles(r, &month[(size_t)m * np], scratch, (size_t)P);
	}
	for (int y = 0; y < f->years && year; y++) {
		for (int p = 0; p < P; p++) {
			int64_t sum = 0;
			for (int m = y * 12; m < M && m < y * 12 + 12; m++)
				sum += s[(size_t)m * P + p];
			scratch[p] = (double)sum / SP_FC_MICRO;
		}
		percentiles(r, &year[(size_t)y * np], scratch, (size_t)P);
	}
	for (int p = 0; p < P; p++) {
		int64_t sum = 0;
		for (int m = 0; m < M; m++)
			sum += s[(size_t)m * P + p];
		scratch[p] = (double)sum / SP_FC_MICRO;
	}
	percentiles(r, horizon, scratch, (size_t)P);
}

/* ---- totals along the paths ------------------------------------------------------------------- */

static void accumulate(struct sp_fc_worker *w, const struct sp_fc_line *line)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P;
	size_t MP = (size_t)M * P, gclass = 0;

	/* the class group index: web, worker, batch, dev, then the kinds */
	for (size_t i = 0; i < w->acc.ngroups[0]; i++)
		if (!strcmp(r->f->groupings[0].groups[i].name, line->group_class))
			gclass = i;
	/* [m][p] rows of this line's class and category groups; region ri's
	 * group row and units row start ri * MP further on */
	int64_t *by_class = &w->acc.group[0][gclass * MP], *by_cat = &w->acc.group[2][(size_t)line->category * MP];
	int64_t *by_region = w->acc.group[1];
	int64_t *by_kind = &w->acc.kind_units[(size_t)line->kind * MP];
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
			int64_t c = (int64_t)(w->cost[i] * SP_FC_MICRO + 0.5);
			int64_t co = (int64_t)(w->cost_od[i] * SP_FC_MICRO + 0.5);
			w->acc.total[i] += c;
			w->acc.total_od[i] += co;
			if (r->opts->no_groupings)
				continue;
			by_kind[i] += w->units_total[i];
			by_class[i] += c;
			by_cat[i] += c;
			const int *units = &w->units[i];
			double usum = 0;
			int ulast = -1;
			for (int ri = 0; ri < nr; ri++) {
				int u = units[(size_t)ri * MP];
				if (u > 0) {
					usum += u;
					ulast = ri;
				}
			}
			if (usum > 0) {
				int64_t left = c;
				for (int ri = 0; ri < nr; ri++) {
					int u = units[(size_t)ri * MP];
					if (u <= 0)
						continue;
					int64_t part = ri == ulast ? left : llround((double)c * u / usum);
					left -= part;
					by_region[(size_t)ri * MP + i] += part;
				}
			} else if (wsum > 0) {
				int64_t left = c;
				for (int ri = 0; ri < nr; ri++) {
					if (wr[ri] <= 0)
						continue;
					int64_t part = ri == last ? left : llround((double)c * wr[ri] / wsum);
					left -= part;
					by_region[(size_t)ri * MP + i] += part;
				}
			}
		}
	}
}

/* ---- the workers ------------------------------------------------------------------------------ */

/* Clears what the next line reads before it writes: demand and units always,
 * the datastore metrics and extra only when the previous line wrote them. */
static void worker_clear(struct sp_fc_worker *w, enum sp_node_kind kind)
{
	struct sp_fc_run *r = w->run;
	size_t MP = (size_t)r->M * r->P;

	/* demand and units: every kind writes them, some only in part */
	memset(sp_fc_metric_row(w, SP_FC_DEMAND, 0), 0, MP * sizeof(double));
	memset(w->units, 0, (size_t)r->R * MP * sizeof(int));
	/* the rest: only datastores (and GPUs, extra) write them */
	if (w->dirty_datastore) {
		memset(sp_fc_metric_row(w, SP_FC_REPLICAS, 0), 0, MP * sizeof(double));
		memset(sp_fc_metric_row(w, SP_FC_SHARDS, 0), 0, MP * sizeof(double));
		memset(sp_fc_metric_row(w, SP_FC_STORAGE_GB, 0), 0, MP * sizeof(double));
		memset(w->rshards, 0, (size_t)r->R * MP * sizeof(int));
		memset(w->rreplicas, 0, (size_t)r->R * MP * sizeof(int));
	}
	if (w->dirty_extra)
		memset(w->extra, 0, MP * sizeof(double));
	w->mm_valid = 0;
	w->autoscaled = 0;
	w->dirty_datastore = kind == SP_NODE_DATASTORE;
	w->dirty_extra = kind == SP_NODE_DATASTORE || kind == SP_NODE_GPU;
}

/* One line, whole: sized, priced, its percentiles, added to the totals. */
static void worker_line(struct sp_fc_worker *w, size_t li)
{
	struct sp_fc_run *r = w->run;
	struct sp_fc_line *line = &r->f->lines[li];

	worker_clear(w, line->kind);
	sp_capacity_line(w, (uint32_t)li, line);
	sp_cost_line(w, (uint32_t)li, line);
	if (line->kind == SP_NODE_SERVICE) {
		sp_cost_egress(w, (uint32_t)li, sp_graph_node(r->g, (uint32_t)li)->service);
		sp_transfer_calls(w, (uint32_t)li, sp_graph_node(r->g, (uint32_t)li)->service);
	}
	line_percentiles(w, line);
	region_percentiles(w, line);
	sp_capacity_detail(w, (uint32_t)li, line);
	accumulate(w, line);
	if (r->opts->observer && r->opts->observer->line) {
		struct sp_fc_line_paths lp = {
			li, w->id, w->cost, w->cost_od, line->kind == SP_NODE_DATASTORE ? w->extra : NULL, w->units,
			w->units_total,
		};
		r->opts->observer->line(r->opts->observer->ctx, r->f, &lp);
	}
}

static void *worker_main(void *arg)
{
	struct sp_fc_worker *w = arg;
	struct sp_fc_run *r = w->run;
	size_t n = r->f->nlines;

	for (;;) {
		size_t li;
		pthread_mutex_lock(&r->lock);
		li = r->next_line++;
		pthread_mutex_unlock(&r->lock);
		if (li >= n)
			break;
		worker_line(w, li);
		pthread_mutex_lock(&r->lock);
		size_t done = ++r->done;
		pthread_mutex_unlock(&r->lock);
		if (w->id == 0 && r->opts->progress)
			r->opts->progress(r->opts->progress_ctx, done, n);
	}
	return NULL;
}

static void worker_init(struct sp_fc_worker *w, struct sp_fc_run *r, int id)
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
	w->xmetric = sp_xcalloc((size_t)SP_FC_NXMETRICS * MP, sizeof(double));
	w->mc.cap = 4096;
	w->mc.x = sp_xcalloc((size_t)w->mc.cap, sizeof(double));
	w->mc.u = sp_xcalloc((size_t)w->mc.cap, sizeof(int));
	w->mc.b = sp_xcalloc((size_t)w->mc.cap, sizeof(int));
	w->acc.total = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.total_od = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.egress = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.xfer = sp_xcalloc(MP, sizeof(int64_t));
	w->acc.kind_units = sp_xcalloc((size_t)SP_NODE_NKINDS * MP, sizeof(int64_t));
	for (int k = 0; k < 3; k++) {
		w->acc.ngroups[k] = r->f->groupings[k].ngroups;
		w->acc.group[k] = sp_xcalloc(w->acc.ngroups[k] * MP + 1, sizeof(int64_t));
	}
}

static void worker_free(struct sp_fc_worker *w)
{
	free(w->rate);
	free(w->hv);
	free(w->hsum);
	free(w->mhist);
	free(w->rmin);
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
	free(w->xmetric);
	free(w->mc.x);
	free(w->mc.u);
	free(w->mc.b);
	free(w->acc.total);
	free(w->acc.total_od);
	free(w->acc.egress);
	free(w->acc.xfer);
	free(w->acc.kind_units);
	for (int k = 0; k < 3; k++)
		free(w->acc.group[k]);
}

/* ---- checks before running ---------------------------------------------------------------------- */

int sp_forecast_check_catalog(const struct sp_spec *s, const struct sp_catalog *cat, struct sp_diags *d)
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
		if (!s->services[i].instance_auto)
			NEED_SKU(s->services[i].instance, s->services[i].instance_pos, "instance type", SP_SKU_COMPUTE);
	sp_choose_check(s, cat, d);
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
		sp_error(d, s->currency_pos.src ? s->currency_pos : s->pricing.pos,
			 "the spec is in %s but price catalog '%s' is in %s", s->currency, cat->name, cat->currency);
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

/* The months a run covers: the spec's horizon, or the fewer opts asks for. */
static int run_months(const struct sp_spec *spec, const struct sp_forecast_opts *opts)
{
	return opts->months > 0 && opts->months < spec->months ? opts->months : spec->months;
}

/* A forecast with its settings (months, paths, seed, percentiles) and no figures yet. */
static struct sp_forecast *forecast_new(const struct sp_spec *spec, const struct sp_catalog *cat,
					const struct sp_forecast_opts *opts)
{
	struct sp_forecast *f = sp_xcalloc(1, sizeof(*f));

	sp_arena_init(&f->arena);
	f->start = spec->start;
	f->months = run_months(spec, opts);
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
	return f;
}

/* The shared context of the run of f: the drivers' arrays (freed by
 * run_free) and the months each region is active. */
static void run_init(struct sp_fc_run *r, struct sp_forecast *f, const struct sp_spec *spec, const struct sp_graph *g,
		     const struct sp_catalog *cat, const struct sp_forecast_opts *opts)
{
	memset(r, 0, sizeof(*r));
	r->spec = spec;
	r->g = g;
	r->cat = cat;
	r->f = f;
	r->M = f->months;
	r->P = f->paths;
	r->nd = (int)spec->ndrivers;
	r->R = (int)spec->nregions;
	r->opts = opts;
	for (size_t k = 0; k < f->npcts; k++)
		r->pq[k] = f->pcts[k] / 100.0;
	size_t dpm = (size_t)(r->nd ? r->nd : 1) * r->P * r->M;
	r->trend = sp_xcalloc(dpm, sizeof(double));
	r->avg = sp_xcalloc(dpm, sizeof(double));
	r->peak = sp_xcalloc(dpm, sizeof(double));
	r->cum = sp_xcalloc(dpm, sizeof(double));
	r->region_active = SP_NEWN(&f->arena, int, (size_t)r->R * r->M);
	for (int ri = 0; ri < r->R; ri++)
		for (int m = 0; m < r->M; m++)
			r->region_active[ri * r->M + m] = spec->regions[ri].from == SP_NO_MONTH ||
							  spec->start + m >= spec->regions[ri].from;
	pthread_mutex_init(&r->lock, NULL);
}

static void run_free(struct sp_fc_run *r)
{
	pthread_mutex_destroy(&r->lock);
	free(r->trend);
	free(r->avg);
	free(r->peak);
	free(r->cum);
}

/* What a line is, from its graph node: class group, cost category, SKU and unit. */
static void line_describe(struct sp_fc_line *l, const struct sp_node *node, const struct sp_catalog *cat)
{
	static const struct {
		enum sp_fc_category category;
		const char *unit;
		const char *group_class;   /* NULL: by the service's class, the GPU workload's kind */
	} by_kind[] = {
		[SP_NODE_SERVICE] = { SP_CAT_COMPUTE, "instances", NULL },
		[SP_NODE_CACHE] = { SP_CAT_CACHE, "nodes", "cache" },
		[SP_NODE_DATASTORE] = { SP_CAT_DATABASE, "nodes", "datastore" },
		[SP_NODE_QUEUE] = { SP_CAT_QUEUE, "", "queue" },
		[SP_NODE_GPU] = { SP_CAT_GPU, "GPUs", NULL },
	};

	l->category = by_kind[node->kind].category;
	l->unit = by_kind[node->kind].unit;
	l->group_class = by_kind[node->kind].group_class;
	switch (node->kind) {
	case SP_NODE_SERVICE:
		l->group_class = sp_class_names[node->service->cls];
		l->sku = node->service->instance;
		break;
	case SP_NODE_DATASTORE: l->sku = node->datastore->instance; break;
	case SP_NODE_CACHE: l->sku = node->cache->node; break;
	case SP_NODE_QUEUE: break;   /* nothing to buy */
	case SP_NODE_GPU:
		l->group_class = node->gpu->kind == SP_GPU_INFERENCE ? "gpu-inference" : "gpu-training";
		l->sku = sp_catalog_gpu(cat, node->gpu->gpu)->sku;
		break;
	}
}

/* The lines, one per graph node, in graph order, with room for their figures
 * (in the arena: the workers cannot allocate there, it is not thread-safe). */
static void make_lines(struct sp_fc_run *r)
{
	struct sp_forecast *f = r->f;
	size_t n = sp_graph_nnodes(r->g);

	f->nlines = n;
	f->lines = SP_NEWN(&f->arena, struct sp_fc_line, n);
	r->svc_sku = SP_NEWN(&f->arena, const struct sp_sku *, n ? n : 1);
	for (size_t v = 0; v < n; v++) {
		const struct sp_node *node = sp_graph_node(r->g, (uint32_t)v);
		struct sp_fc_line *l = &f->lines[v];
		l->name = node->name;
		l->kind = node->kind;
		l->risk_month = l->risk_any_month = l->outgrow_month = -1;
		l->v = SP_NEWN(&f->arena, double, (size_t)f->line_months * SP_FC_NMETRICS * f->npcts);
		l->commit_levels = SP_NEWN(&f->arena, int, (size_t)(r->M + 11) / 12 + 1);
		l->horizon = SP_NEWN(&f->arena, double, f->npcts);
		l->rv = SP_NEWN(&f->arena, double, (size_t)r->R * f->line_months * SP_FC_NREGION_METRICS * f->npcts);
		l->xv = SP_NEWN(&f->arena, double, (size_t)f->line_months * SP_FC_NXMETRICS * f->npcts);
		line_describe(l, node, r->cat);
		if (node->kind == SP_NODE_SERVICE) {
			l->detail = SP_NEWN(&f->arena, struct sp_fc_detail, (size_t)r->R * f->line_months);
			l->instance_auto = node->service->instance_auto;
			r->svc_sku[v] = sp_catalog_sku(r->cat, node->service->instance);
		}
	}
}

/* The groupings: class (classes then kinds), region, category. */
static void make_groupings(struct sp_fc_run *r)
{
	static const char *const class_groups[] = { "web", "worker", "batch", "dev", "datastore", "cache",
						    "queue", "gpu-inference", "gpu-training", "transfer" };
	const char *const bys[3] = { "class", "region", "category" };
	struct sp_forecast *f = r->f;
	size_t ng[3] = { SP_ARRAY_LEN(class_groups), (size_t)r->R, SP_CAT_N };

	for (int k = 0; k < 3; k++) {
		struct sp_fc_grouping *gr = &f->groupings[k];
		gr->by = bys[k];
		gr->ngroups = ng[k];
		gr->groups = SP_NEWN(&f->arena, struct sp_fc_group, ng[k]);
		for (size_t i = 0; i < ng[k]; i++) {
			gr->groups[i].name = k == 0 ? class_groups[i] : k == 1 ? r->spec->regions[i].name
										  : sp_fc_category_names[i];
			gr->groups[i].month = SP_NEWN(&f->arena, double, (size_t)r->M * f->npcts);
			gr->groups[i].year = SP_NEWN(&f->arena, double, (size_t)f->years * f->npcts);
			gr->groups[i].horizon = SP_NEWN(&f->arena, double, f->npcts);
		}
	}
}

/* Computes every line on up to two threads, then merges the accumulators
 * into w[0]'s. Each line is computed by one thread alone and totals are
 * integers, so the result does not depend on the number of threads. */
static void run_lines(struct sp_fc_run *r, struct sp_fc_worker *w, int nthreads)
{
	pthread_t th;
	int started = 0;
	size_t MP = (size_t)r->M * r->P;

	if (nthreads > 1 && pthread_create(&th, NULL, worker_main, &w[1]) == 0)
		started = 1;
	worker_main(&w[0]);
	if (started)
		pthread_join(th, NULL);
	for (int t = 1; t < nthreads; t++) {
		for (size_t i = 0; i < MP; i++) {
			w[0].acc.total[i] += w[t].acc.total[i];
			w[0].acc.total_od[i] += w[t].acc.total_od[i];
			w[0].acc.egress[i] += w[t].acc.egress[i];
			w[0].acc.xfer[i] += w[t].acc.xfer[i];
		}
		for (size_t i = 0; i < (size_t)SP_NODE_NKINDS * MP; i++)
			w[0].acc.kind_units[i] += w[t].acc.kind_units[i];
		for (int k = 0; k < 3; k++)
			for (size_t i = 0; i < w[0].acc.ngroups[k] * MP; i++)
				w[0].acc.group[k][i] += w[t].acc.group[k][i];
	}
}

/* The percentiles of the totals and of every group, from the merged accumulators. */
static void summarize_totals(struct sp_fc_run *r, const struct sp_fc_acc *acc, double *scratch)
{
	struct sp_forecast *f = r->f;
	size_t MP = (size_t)r->M * r->P;

	f->total = SP_NEWN(&f->arena, double, (size_t)r->M * f->npcts);
	f->total_od = SP_NEWN(&f->arena, double, (size_t)r->M * f->npcts);
	f->year_total = SP_NEWN(&f->arena, double, (size_t)f->years * f->npcts);
	f->horizon_total = SP_NEWN(&f->arena, double, f->npcts);
	f->horizon_total_od = SP_NEWN(&f->arena, double, f->npcts);
	summarize(r, acc->total, r->P, f->total, f->year_total, f->horizon_total, scratch);
	summarize(r, acc->total_od, r->P, f->total_od, NULL, f->horizon_total_od, scratch);
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < f->groupings[k].ngroups; i++) {
			struct sp_fc_group *gp = &f->groupings[k].groups[i];
			summarize(r, &acc->group[k][i * MP], r->P, gp->month, gp->year, gp->horizon, scratch);
		}
	/* each kind's capacity: units summed along each path, then percentiles */
	f->kind_units = SP_NEWN(&f->arena, double, (size_t)SP_NODE_NKINDS * r->M * f->npcts);
	for (int k = 0; k < SP_NODE_NKINDS && !r->opts->no_groupings; k++)
		for (int m = 0; m < r->M; m++) {
			const int64_t *row = &acc->kind_units[(size_t)k * MP + (size_t)m * r->P];
			for (int p = 0; p < r->P; p++)
				scratch[p] = (double)row[p];
			percentiles(r, &f->kind_units[((size_t)k * r->M + (size_t)m) * f->npcts], scratch, (size_t)r->P);
		}
	/* the cost so far: each path's running sum, then percentiles */
	f->cum_total = SP_NEWN(&f->arena, double, (size_t)r->M * f->npcts);
	{
		int64_t *run = sp_xcalloc((size_t)r->P, sizeof(int64_t));
		for (int m = 0; m < r->M; m++) {
			for (int p = 0; p < r->P; p++) {
				run[p] += acc->total[(size_t)m * r->P + p];
				scratch[p] = (double)run[p] / SP_FC_MICRO;
			}
			percentiles(r, &f->cum_total[(size_t)m * f->npcts], scratch, (size_t)r->P);
		}
		free(run);
	}
}

/* Budgets: a month (or the horizon) over at p50, or else over at the highest percentile. */
static void check_budgets(struct sp_forecast *f, const struct sp_spec *spec)
{
	size_t cap = 0, med = sp_fc_median_index(f), hi = f->npcts - 1;

	if (spec->budgets.monthly_max > 0)
		for (int m = 0; m < f->months; m++) {
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
}

int sp_forecast_run(struct sp_forecast **out, const struct sp_spec *spec, const struct sp_graph *g,
		    const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags)
{
	struct sp_forecast *f;
	struct sp_fc_run r;
	struct sp_fc_worker w[2];
	int nthreads = opts->threads > 0 ? opts->threads : 2;
	int ret = -1;

	*out = NULL;
	if (sp_forecast_check_catalog(spec, cat, diags) < 0)
		return -1;
	if (nthreads > 2)
		nthreads = 2;
	if (opts->only_month_set && (opts->only_month < 0 || opts->only_month >= run_months(spec, opts))) {
		sp_error(diags, spec->pos, "month %d is outside the forecast", opts->only_month);
		return -1;
	}
	f = forecast_new(spec, cat, opts);
	run_init(&r, f, spec, g, cat, opts);
	if (sp_demand_fill_drivers(&r, diags) < 0)
		goto out;
	sp_demand_propagate(&r);
	make_lines(&r);
	make_groupings(&r);
	for (int t = 0; t < nthreads; t++)
		worker_init(&w[t], &r, t);
	run_lines(&r, w, nthreads);
	sp_cost_transfer(&r, &w[0].acc);
	if (opts->observer && opts->observer->totals)
		opts->observer->totals(opts->observer->ctx, f, w[0].acc.total, w[0].acc.egress);
	summarize_totals(&r, &w[0].acc, w[0].tmp);
	check_budgets(f, spec);
	for (int t = 0; t < nthreads; t++)
		worker_free(&w[t]);
	ret = 0;
	*out = f;
out:
	run_free(&r);
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

/* ---- the steps of a run, for model/fastplan.c (model/forecast_run.h) ------------------------------ */

struct sp_forecast *sp_fc_forecast_new(const struct sp_spec *spec, const struct sp_catalog *cat,
				       const struct sp_forecast_opts *opts)
{
	return forecast_new(spec, cat, opts);
}

void sp_fc_run_init(struct sp_fc_run *r, struct sp_forecast *f, const struct sp_spec *spec, const struct sp_graph *g,
		    const struct sp_catalog *cat, const struct sp_forecast_opts *opts)
{
	run_init(r, f, spec, g, cat, opts);
}

void sp_fc_run_free(struct sp_fc_run *r)
{
	run_free(r);
}

void sp_fc_make_lines(struct sp_fc_run *r)
{
	make_lines(r);
	make_groupings(r);
}

void sp_fc_worker_init(struct sp_fc_worker *w, struct sp_fc_run *r, int id)
{
	worker_init(w, r, id);
}

void sp_fc_worker_free(struct sp_fc_worker *w)
{
	worker_free(w);
}

void sp_fc_line_size(struct sp_fc_worker *w, size_t li)
{
	struct sp_fc_line *line = &w->run->f->lines[li];

	worker_clear(w, line->kind);
	sp_capacity_line(w, (uint32_t)li, line);
	sp_cost_line(w, (uint32_t)li, line);
}

void sp_fc_line_figures(struct sp_fc_worker *w, size_t li)
{
	struct sp_fc_line *line = &w->run->f->lines[li];

	sp_fc_line_size(w, li);
	line_percentiles(w, line);
	region_percentiles(w, line);
}

void sp_fc_check_budgets(struct sp_forecast *f, const struct sp_spec *spec)
{
	check_budgets(f, spec);
}
