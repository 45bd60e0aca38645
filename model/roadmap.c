/* The roadmap (model/roadmap.h; docs/model.md §9): milestones read off the
 * forecast on the chosen path, the decision triggers of every service, and
 * the strategic and tactical layers. Every figure comes from the forecast
 * (its percentiles per month and region) or from the same formulas it uses
 * (sp_fc_service_size for what a service would need above scaling.max,
 * sp_gpu_training_hours for a training run). */
#include "model/roadmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"
#include "model/gpu.h"

const char *const sp_rm_kind_keys[SP_RM_NKINDS] = {
	"replica", "shard", "instance", "instance_limit", "storage", "cache_nodes",
	"cache_memory", "scaling_max", "region", "gpu_commitment", "training", "budget",
};
const char *const sp_rm_theme_keys[SP_RM_NTHEMES] = { "data", "cache", "services", "regions", "gpu", "cost" };
const char *const sp_rm_domain_keys[SP_RM_NDOMAINS] = { "app", "data", "gpu", "finops" };

/* The SRE workbook, "Alerting on SLOs", its recommended multiwindow,
 * multi-burn-rate parameters: 2 % of a 30-day budget in 1 h, 5 % in 6 h, 10 %
 * in 3 days; each short window a twelfth of its long one. */
const struct sp_rm_alert sp_rm_default_alerts[3] = {
	{ "page", 14.4, 60, 5 },
	{ "page", 6, 360, 30 },
	{ "ticket", 1, 4320, 360 },
};

#define HA_AVAILABILITY 99.9     /* a datastore at or above this keeps one extra replica (as capacity.c) */
#define CACHE_MEM_USABLE 0.75    /* share of a cache node's memory for data (as capacity.c) */
#define FIRST_STORAGE_GB 1000.0  /* storage thresholds: 1 TB, then each ten times the one before */

/* Per kind: its theme, its owner's domain, and whether the strategic layer lists it. */
static const struct {
	enum sp_rm_theme theme;
	enum sp_rm_domain domain;
	int big;
} kind_info[SP_RM_NKINDS] = {
	[SP_RM_REPLICA] = { SP_RM_TH_DATA, SP_RM_DOM_DATA, 0 },
	[SP_RM_SHARD] = { SP_RM_TH_DATA, SP_RM_DOM_DATA, 1 },
	[SP_RM_INSTANCE] = { SP_RM_TH_DATA, SP_RM_DOM_DATA, 0 },
	[SP_RM_INSTANCE_LIMIT] = { SP_RM_TH_DATA, SP_RM_DOM_DATA, 1 },
	[SP_RM_STORAGE] = { SP_RM_TH_DATA, SP_RM_DOM_DATA, 0 },
	[SP_RM_CACHE_NODES] = { SP_RM_TH_CACHE, SP_RM_DOM_DATA, 0 },
	[SP_RM_CACHE_MEMORY] = { SP_RM_TH_CACHE, SP_RM_DOM_DATA, 0 },
	[SP_RM_SCALING_MAX] = { SP_RM_TH_SERVICES, SP_RM_DOM_APP, 1 },
	[SP_RM_REGION] = { SP_RM_TH_REGIONS, SP_RM_DOM_APP, 1 },
	[SP_RM_GPU_COMMIT] = { SP_RM_TH_GPU, SP_RM_DOM_GPU, 1 },
	[SP_RM_TRAINING] = { SP_RM_TH_GPU, SP_RM_DOM_GPU, 1 },
	[SP_RM_BUDGET] = { SP_RM_TH_COST, SP_RM_DOM_FINOPS, 1 },
};

double sp_rm_alert_budget_share(const struct sp_rm_alert *a)
{
	return a->burn_rate * a->long_min / (SP_RM_SLO_PERIOD_H * 60.0);
}

size_t sp_roadmap_pcts(double pct, double *out)
{
	double v[4] = { 10, 50, 90, pct > 0 ? pct : SP_RM_DEFAULT_PCT };
	size_t n = 0;

	/* insertion into a sorted list without duplicates */
	for (size_t i = 0; i < 4; i++) {
		size_t j = 0;
		while (j < n && out[j] < v[i])
			j++;
		if (j < n && out[j] == v[i])
			continue;
		memmove(&out[j + 1], &out[j], (n - j) * sizeof(double));
		out[j] = v[i];
		n++;
	}
	return n;
}

/* ---- the build --------------------------------------------------------------------------------- */

struct build {
	struct sp_roadmap *r;
	const struct sp_spec *spec;
	const struct sp_graph *g;
	const struct sp_catalog *cat;
	const struct sp_forecast *f;
	int M;
	int *rfirst;             /* [region] its first active month index (M when never) */
	double *backlog;         /* [line] a queue worker's drain target in seconds; 0 otherwise */
	size_t cap;              /* of r->ms */
};

/* The chosen path's value of a line's metric, region metric and extra metric. */
static double val(const struct build *b, size_t li, int m, enum sp_fc_metric mt)
{
	return sp_fc_value(b->f, &b->f->lines[li], m, mt, b->r->kpath);
}

static double rval(const struct build *b, size_t li, int ri, int m, enum sp_fc_region_metric mt)
{
	return sp_fc_region_value(b->f, &b->f->lines[li], ri, m, mt, b->r->kpath);
}

static double xval(const struct build *b, size_t li, int m, enum sp_fc_extra_metric mt)
{
	return sp_fc_extra_value(b->f, &b->f->lines[li], m, mt, b->r->kpath);
}

static struct sp_rm_milestone *add(struct build *b, enum sp_rm_kind kind, const char *name, size_t line, int region,
				   int need, int lead)
{
	struct sp_roadmap *r = b->r;
	struct sp_rm_milestone *m;

	SP_GROW(r->ms, b->cap, r->nms + 1);
	m = &r->ms[r->nms];
	memset(m, 0, sizeof(*m));
	m->kind = kind;
	m->name = name;
	m->line = line;
	m->region = region;
	m->need = need;
	m->lead = lead;
	m->raise = need - lead;
	m->seq = r->nms++;
	return m;
}

/* ---- datastores ---------------------------------------------------------------------------------- */

/* 1 when b is a member of a's family with a vCPU count: the same kind and
 * the same name up to the last dot (db.r6g.2xlarge is in db.r6g.large's). */
static int same_family(const struct sp_sku *a, const struct sp_sku *b)
{
	const char *da = strrchr(a->name, '.'), *db = strrchr(b->name, '.');
	size_t la = da ? (size_t)(da - a->name) : strlen(a->name), lb = db ? (size_t)(db - b->name) : strlen(b->name);
	return a->kind == b->kind && la == lb && !strncmp(a->name, b->name, la) && b->vcpus > 0;
}

/* The smallest member of sku0's family with at least vcpus vCPUs (ties: the
 * name first in the catalog), or NULL; with vcpus < 0 the largest member. */
static const struct sp_sku *family_fit(const struct sp_catalog *cat, const struct sp_sku *sku0, double vcpus)
{
	const struct sp_sku *best = NULL;
	for (size_t i = 0; i < cat->nskus; i++) {
		const struct sp_sku *k = &cat->skus[i];
		if (!same_family(sku0, k))
			continue;
		if (vcpus < 0) {
			if (!best || k->vcpus > best->vcpus)
				best = k;
		} else if (k->vcpus >= vcpus && (!best || k->vcpus < best->vcpus)) {
			best = k;
		}
	}
	return best;
}

/* An unsharded store in region ri: the instance its primary's writes need,
 * month by month, until even the largest of its family is too small (or its
 * data passes max_gb_per_shard, when it gives one). */
static void datastore_instance(struct build *b, size_t li, const struct sp_datastore *ds, int ri)
{
	const struct sp_sku *sku0 = sp_catalog_sku(b->cat, ds->instance), *cur, *top;
	double share = b->spec->regions[ri].share, per = ds->write_utilization * ds->write_tps_per_node;

	if (!sku0 || !(sku0->vcpus > 0) || !(per > 0))
		return;   /* capacity units (DynamoDB): no instance to outgrow */
	top = family_fit(b->cat, sku0, -1);
	cur = sku0;
	for (int m = b->rfirst[ri]; m < b->M; m++) {
		double writes = xval(b, li, m, SP_FC_X_WRITES) * share, need = writes / per;
		double data = val(b, li, m, SP_FC_STORAGE_GB) * share;
		double data_need = ds->max_gb_per_shard > 0 ? data / ds->max_gb_per_shard : 0;
		if (need * sku0->vcpus > top->vcpus || data_need > 1) {
			struct sp_rm_milestone *x = add(b, SP_RM_INSTANCE_LIMIT, ds->name, li, ri, m, ds->reshard_lead_months);
			x->u.limit.sku = top->name;
			x->u.limit.base = sku0->name;
			x->u.limit.writes_per_s = writes;
			x->u.limit.need = need;
			x->u.limit.limit = top->vcpus / sku0->vcpus;
			x->u.limit.data_gb = data;
			x->u.limit.max_gb = ds->max_gb_per_shard;
			x->u.limit.by_data = !(need * sku0->vcpus > top->vcpus);
			return;
		}
		if (need * sku0->vcpus > cur->vcpus) {
			const struct sp_sku *next = family_fit(b->cat, sku0, need * sku0->vcpus);
			struct sp_rm_milestone *x = add(b, SP_RM_INSTANCE, ds->name, li, ri, m, ds->replica_lead_months);
			x->u.instance.sku_from = cur->name;
			x->u.instance.sku_to = next->name;
			x->u.instance.base = sku0->name;
			x->u.instance.writes_per_s = writes;
			x->u.instance.need = need;
			cur = next;
		}
	}
}

static void datastore_milestones(struct build *b, size_t li, const struct sp_datastore *ds)
{
	int M = b->M;
	double per = ds->write_utilization * ds->write_tps_per_node;

	for (int ri = 0; ri < (int)b->spec->nregions; ri++) {
		int m0 = b->rfirst[ri];
		double share = b->spec->regions[ri].share;
		if (m0 >= M)
			continue;
		/* counts are new highs over the region's first month */
		int hw_rep = (int)rval(b, li, ri, m0, SP_FC_R_REPLICAS), hw_sh = (int)rval(b, li, ri, m0, SP_FC_R_SHARDS);
		for (int m = m0 + 1; m < M; m++) {
			int rep = (int)rval(b, li, ri, m, SP_FC_R_REPLICAS), sh = (int)rval(b, li, ri, m, SP_FC_R_SHARDS);
			if (ds->sharded && sh > hw_sh) {
				struct sp_rm_milestone *x = add(b, SP_RM_SHARD, ds->name, li, ri, m, ds->reshard_lead_months);
				double data = val(b, li, m, SP_FC_STORAGE_GB) * share;
				x->u.shard.from = hw_sh;
				x->u.shard.to = sh;
				x->u.shard.strategy = ds->shard_strategy;
				x->u.shard.key = ds->shard_key;
				x->u.shard.data_gb = data;
				x->u.shard.max_gb = ds->max_gb_per_shard;
				/* balanced after the move: the new shards hold (to - from)/to of the data */
				x->u.shard.moved_gb = data * (sh - hw_sh) / sh;
				x->u.shard.writes_per_s = xval(b, li, m, SP_FC_X_WRITES) * share;
				x->u.shard.write_need = per > 0 ? x->u.shard.writes_per_s / per : 0;
				x->u.shard.data_need = ds->max_gb_per_shard > 0 ? data / ds->max_gb_per_shard : 0;
				hw_sh = sh;
			}
			if (rep > hw_rep) {
				struct sp_rm_milestone *x = add(b, SP_RM_REPLICA, ds->name, li, ri, m, ds->replica_lead_months);
				x->u.replica.from = hw_rep;
				x->u.replica.to = rep;
				x->u.replica.shards = sh;
				x->u.replica.ha = ds->availability >= HA_AVAILABILITY;
				x->u.replica.units = ds->engine == SP_DB_DYNAMODB;
				x->u.replica.reads_per_s = xval(b, li, m, SP_FC_X_READS) * share;
				x->u.replica.per_replica = ds->read_qps_per_replica;
				hw_rep = rep;
			}
		}
		if (!ds->sharded)
			datastore_instance(b, li, ds, ri);
	}
	/* storage: the whole data set passes 1 TB, 10 TB, ... after the first month */
	double t = FIRST_STORAGE_GB, d0 = val(b, li, 0, SP_FC_STORAGE_GB);
	while (t <= d0)
		t *= 10;
	for (int m = 1; m < M; m++) {
		double d = val(b, li, m, SP_FC_STORAGE_GB);
		while (d >= t) {
			struct sp_rm_milestone *x = add(b, SP_RM_STORAGE, ds->name, li, -1, m, ds->replica_lead_months);
			x->u.storage.threshold_gb = t;
			x->u.storage.data_gb = d;
			t *= 10;
		}
	}
}

/* ---- caches ---------------------------------------------------------------------------------------- */

static void cache_milestones(struct build *b, size_t li, const struct sp_cache *cc)
{
	const struct sp_sku *sku = sp_catalog_sku(b->cat, cc->node);
	double usable = sku ? sku->memory_gib * CACHE_MEM_USABLE : 0;
	int lead = b->spec->lead_time_months;

	for (int ri = 0; ri < (int)b->spec->nregions; ri++) {
		int m0 = b->rfirst[ri], mem_done = 0;
		double share = b->spec->regions[ri].share;
		if (m0 >= b->M)
			continue;
		int hw = (int)rval(b, li, ri, m0, SP_FC_R_UNITS);
		for (int m = m0; m < b->M; m++) {
			double ws = xval(b, li, m, SP_FC_X_WORKING_SET_GB) * share;
			int nodes = (int)rval(b, li, ri, m, SP_FC_R_UNITS);
			if (!mem_done && usable > 0 && ws > usable) {
				struct sp_rm_milestone *x = add(b, SP_RM_CACHE_MEMORY, cc->name, li, ri, m, lead);
				x->u.memory.ws_gb = ws;
				x->u.memory.usable_gb = usable;
				x->u.memory.memory_gib = sku->memory_gib;
				x->u.memory.sku = sku->name;
				mem_done = 1;
			}
			if (m > m0 && nodes > hw) {
				struct sp_rm_milestone *x = add(b, SP_RM_CACHE_NODES, cc->name, li, ri, m, lead);
				double ops = val(b, li, m, SP_FC_DEMAND) * share;
				double n_ops = ceil(ops / cc->ops_per_s_per_node), n_mem = usable > 0 ? ceil(ws / usable) : 0;
				x->u.cache.from = hw;
				x->u.cache.to = nodes;
				x->u.cache.ops_per_s = ops;
				x->u.cache.ops_per_node = cc->ops_per_s_per_node;
				x->u.cache.ws_gb = ws;
				x->u.cache.usable_gb = usable;
				x->u.cache.why = n_mem >= n_ops && n_mem >= cc->min_nodes ? "memory"
						 : n_ops >= cc->min_nodes			   ? "operations"
												   : "min_nodes";
				hw = nodes;
			}
		}
	}
}

/* ---- services and regions ----------------------------------------------------------------------------- */

/* scaling.max per region: the first month it cuts what the service needs on
 * the chosen path, and the worst month. Only months at the maximum are sized
 * again (a count below it was not cut). */
static void service_milestones(struct build *b, size_t li, const struct sp_service *s)
{
	const struct sp_sku *sku = sp_catalog_sku(b->cat, b->f->lines[li].sku);

	if (s->max <= 0 || !sku)
		return;
	for (int ri = 0; ri < (int)b->spec->nregions; ri++) {
		const struct sp_region *reg = &b->spec->regions[ri];
		int first = -1, first_need = 0, worst = 0, worst_m = -1;
		double first_rate = 0;
		for (int m = b->rfirst[ri]; m < b->M; m++) {
			if (rval(b, li, ri, m, SP_FC_R_UNITS) < s->max)
				continue;
			double rate = val(b, li, m, SP_FC_DEMAND) * reg->share;
			int need = sp_fc_service_size_on(b->cat, s, sku, reg->zones, b->backlog[li], rate, 0, NULL);
			if (need <= s->max)
				continue;
			if (first < 0) {
				first = m;
				first_need = need;
				first_rate = rate;
			}
			if (need > worst) {
				worst = need;
				worst_m = m;
			}
		}
		if (first < 0)
			continue;
		struct sp_rm_milestone *x = add(b, SP_RM_SCALING_MAX, s->name, li, ri, first, b->spec->lead_time_months);
		x->u.scaling.max = s->max;
		x->u.scaling.need = first_need;
		x->u.scaling.peak_rps = first_rate;
		x->u.scaling.worst_need = worst;
		x->u.scaling.worst_month = worst_m;
	}
}

/* A region that opens inside the horizon: its capacity in its first month. */
static void region_milestones(struct build *b)
{
	const struct sp_spec *spec = b->spec;
	const struct sp_forecast *f = b->f;

	for (int ri = 0; ri < (int)spec->nregions; ri++) {
		int m = b->rfirst[ri], lead = spec->lead_time_months, n = 0;
		double sum[SP_NODE_NKINDS] = { 0 };
		if (spec->regions[ri].from == SP_NO_MONTH || m <= 0 || m >= b->M)
			continue;
		for (size_t li = 0; li < f->nlines; li++) {
			double u = rval(b, li, ri, m, SP_FC_R_UNITS);
			if (u <= 0)
				continue;
			n++;
			sum[f->lines[li].kind] += u;
			/* its data tier is new shards: the longest lead of its datastores */
			if (f->lines[li].kind == SP_NODE_DATASTORE) {
				const struct sp_datastore *ds = sp_graph_node(b->g, (uint32_t)li)->datastore;
				if (ds->reshard_lead_months > lead)
					lead = ds->reshard_lead_months;
			}
		}
		struct sp_rm_milestone *x = add(b, SP_RM_REGION, spec->regions[ri].name, (size_t)-1, ri, m, lead);
		x->u.region.share = spec->regions[ri].share;
		x->u.region.components = n;
		x->u.region.instances = sum[SP_NODE_SERVICE];
		x->u.region.db_nodes = sum[SP_NODE_DATASTORE];
		x->u.region.cache_nodes = sum[SP_NODE_CACHE];
		x->u.region.gpus = sum[SP_NODE_GPU];
	}
}

/* ---- GPUs ------------------------------------------------------------------------------------------- */

/* The commitment ladder of an inference workload: at the start of each
 * commitment window, what to buy, renew and let lapse, and the saving over
 * the window against all on-demand on the chosen path. */
static void gpu_commit_milestones(struct build *b, size_t li, const struct sp_gpu_workload *gw)
{
	const struct sp_fc_line *l = &b->f->lines[li];
	const struct sp_sku *sku = sp_catalog_sku(b->cat, l->sku);
	int term = l->commit_term_months, prev = 0;

	if (term <= 0 || l->ncommit_windows <= 0 || !sku)
		return;
	for (int w = 0; w < l->ncommit_windows; w++) {
		int level = l->commit_levels[w], m0 = w * term, end = m0 + term < b->M ? m0 + term : b->M;
		if (level == 0 && prev == 0)
			continue;
		struct sp_rm_milestone *x = add(b, SP_RM_GPU_COMMIT, gw->name, li, -1, m0, b->spec->lead_time_months);
		double saving = 0;
		for (int m = m0; m < end; m++)
			saving += val(b, li, m, SP_FC_COST_OD) - val(b, li, m, SP_FC_COST);
		x->u.commit.window = w;
		x->u.commit.term = term;
		x->u.commit.level = level;
		x->u.commit.prev = prev;
		x->u.commit.renew = level < prev ? level : prev;
		x->u.commit.buy = level > prev ? level - prev : 0;
		x->u.commit.lapse = prev > level ? prev - level : 0;
		x->u.commit.gpus_per_instance = sku->gpus > 0 ? sku->gpus : 1;
		x->u.commit.end = end;
		x->u.commit.sku = sku->name;
		x->u.commit.gpu = gw->gpu;
		x->u.commit.saving = saving;
		prev = level;
	}
}

/* Training runs: each run's GPUs (its GPU-hours spread over run_months,
 * as the forecast does), the capacity block that holds them and its cost. */
static void training_milestones(struct build *b, size_t li, const struct sp_gpu_workload *gw)
{
	const struct sp_fc_line *l = &b->f->lines[li];
	const struct sp_gpu_model *gm = sp_catalog_gpu(b->cat, gw->gpu);
	const struct sp_sku *sku = sp_catalog_sku(b->cat, l->sku);
	double hpm = b->cat->hours_per_month;
	int first = gw->start == SP_NO_MONTH ? 0 : gw->start - b->spec->start, runs = 0, per_inst;

	if (!gm || !sku || !(hpm > 0))
		return;
	per_inst = sku->gpus > 0 ? sku->gpus : 1;
	double peak = (gw->peak_tflops > 0 ? gw->peak_tflops : gm->peak_tflops) * 1e12;
	double hours = sp_gpu_paid_hours(sp_gpu_training_hours(gw->params_b * 1e9, gw->tokens_b * 1e9, peak, gw->mfu),
					 gw->goodput);   /* as the forecast: paid hours */
	if (!(hours > 0) || !isfinite(hours))
		return;
	double h = hours / gw->run_months;
	int gpus = (int)fmin(ceil(h / hpm), 1e9);
	for (int k = 0;; k++) {
		int s = first + k * gw->every_months;
		if (s >= b->M || (k > 0 && gw->every_months == 0))
			break;
		if (s >= 0)
			runs++;
	}
	for (int k = 0, run = 0;; k++) {
		int s = first + k * gw->every_months, months = 0;
		double cost = 0;
		if (s >= b->M || (k > 0 && gw->every_months == 0))
			break;
		if (s < 0)
			continue;
		/* the run's part of each month's cost (runs may overlap) */
		for (int m = s; m < s + gw->run_months && m < b->M; m++) {
			double month_hours = val(b, li, m, SP_FC_DEMAND);
			months++;
			if (month_hours > 0)
				cost += val(b, li, m, SP_FC_COST) * h / month_hours;
		}
		int spot = l->purchase == SP_BUY_SPOT;
		struct sp_rm_milestone *x = add(b, SP_RM_TRAINING, gw->name, li, -1, s,
						spot ? b->spec->lead_time_months : SP_RM_BLOCK_LEAD_MONTHS);
		x->u.training.run = ++run;
		x->u.training.runs = runs;
		x->u.training.gpus = gpus;
		x->u.training.instances = (gpus + per_inst - 1) / per_inst;
		x->u.training.months = months;
		x->u.training.spot = spot;
		x->u.training.sku = sku->name;
		x->u.training.gpu = gw->gpu;
		x->u.training.gpu_hours = hours;
		x->u.training.cost = cost;
	}
}

/* ---- budgets ------------------------------------------------------------------------------------------ */

static void budget_one(struct build *b, const char *name, const double *series, double limit, size_t k, double pct,
		       int total)
{
	const struct sp_forecast *f = b->f;
	for (int m = 0; m < b->M; m++) {
		double v = series[(size_t)m * f->npcts + k];
		if (v > limit) {
			struct sp_rm_milestone *x = add(b, SP_RM_BUDGET, name, (size_t)-1, -1, m, b->spec->lead_time_months);
			x->u.budget.pct = pct;
			x->u.budget.value = v;
			x->u.budget.limit = limit;
			x->u.budget.total = total;
			return;
		}
	}
}

static void budget_milestones(struct build *b)
{
	const struct sp_budgets *bd = &b->spec->budgets;
	struct sp_roadmap *r = b->r;

	if (bd->monthly_max > 0) {
		budget_one(b, "monthly_max", b->f->total, bd->monthly_max, r->k50, 50, 0);
		budget_one(b, "monthly_max", b->f->total, bd->monthly_max, r->k90, 90, 0);
	}
	if (bd->total_max > 0) {
		budget_one(b, "total_max", b->f->cum_total, bd->total_max, r->k50, 50, 1);
		budget_one(b, "total_max", b->f->cum_total, bd->total_max, r->k90, 90, 1);
	}
}

/* ---- finishing: window, owners, order ------------------------------------------------------------------- */

static const char *tag(const struct sp_spec *s, const char *key)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (!strcmp(s->tags[i].key, key) && s->tags[i].value && *s->tags[i].value)
			return s->tags[i].value;
	return NULL;
}

static void find_owners(struct sp_roadmap *r, const struct sp_spec *s)
{
	for (int d = 0; d < SP_RM_NDOMAINS; d++) {
		char key[32];
		snprintf(key, sizeof(key), "owner-%s", sp_rm_domain_keys[d]);
		r->owners[d] = tag(s, key);
		if (!r->owners[d])
			r->owners[d] = tag(s, "owner");
		if (!r->owners[d])
			r->owners[d] = tag(s, "team");
	}
}

static int cmp_milestone(const void *pa, const void *pb)
{
	const struct sp_rm_milestone *a = pa, *b = pb;
	if (a->raise != b->raise)
		return a->raise < b->raise ? -1 : 1;
	if (a->need != b->need)
		return a->need < b->need ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keeps the milestones whose span from raise to need meets the window, fills
 * in what follows from the kind, and sorts them. */
static void finish_milestones(struct sp_roadmap *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->nms; i++) {
		struct sp_rm_milestone *m = &r->ms[i];
		if (m->need < r->from || m->raise > r->until)
			continue;
		m->theme = kind_info[m->kind].theme;
		m->domain = kind_info[m->kind].domain;
		m->big = kind_info[m->kind].big;
		m->owner = r->owners[m->domain];
		m->late = m->raise < r->now;
		r->ms[n++] = *m;
	}
	r->nms = n;
	if (n > 1)
		qsort(r->ms, n, sizeof(*r->ms), cmp_milestone);
}

/* ---- the layers ----------------------------------------------------------------------------------------- */

static void build_years(struct sp_roadmap *r)
{
	const struct sp_forecast *f = r->f;
	size_t np = f->npcts, y0 = (size_t)(r->from / 12), y1 = (size_t)(r->until / 12) + 1;
	static const enum sp_node_kind kinds[] = { SP_NODE_SERVICE, SP_NODE_DATASTORE, SP_NODE_CACHE, SP_NODE_GPU };

	r->nyears = y1 - y0;
	r->years = SP_NEWN(&r->arena, struct sp_rm_year, r->nyears);
	for (size_t i = 0; i < r->nyears; i++) {
		struct sp_rm_year *y = &r->years[i];
		size_t yi = y0 + i;
		const size_t ks[3] = { r->k10, r->k50, r->k90 };
		y->index = (int)yi;
		y->m0 = (int)yi * 12;
		y->m1 = y->m0 + 12 < f->months ? y->m0 + 12 : f->months;
		for (int k = 0; k < 3; k++)
			y->cost[k] = f->year_total[yi * np + ks[k]];
		if (yi > 0) {
			double prev = f->year_total[(yi - 1) * np + r->k50] / 12, cur = y->cost[1] / (y->m1 - y->m0);
			if (prev > 0) {
				y->has_change = 1;
				y->change = cur / prev - 1;
			}
		}
		for (size_t j = 0; j < SP_ARRAY_LEN(kinds); j++)
			for (int k = 0; k < 3; k++)
				for (int m = y->m0; m < y->m1; m++)
					y->cap[kinds[j]][k] = fmax(y->cap[kinds[j]][k], sp_fc_kind_units(f, kinds[j], m, ks[k]));
	}
	/* themes and big milestones, by the year each is needed in; a theme's
	 * distinct components are counted through a map of year, theme and name */
	struct sp_hmap seen;
	sp_hmap_init(&seen);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->nms; i++) {
			const struct sp_rm_milestone *m = &r->ms[i];
			if (m->need < 0 || m->need / 12 < (int)y0 || m->need / 12 >= (int)y1)
				continue;
			struct sp_rm_year *y = &r->years[(size_t)(m->need / 12) - y0];
			if (pass == 0) {
				enum sp_rm_theme th = m->theme;
				struct sp_rm_theme_sum *t = &y->themes[th];
				const char *key = sp_arena_printf(&r->arena, "%d\x1f%d\x1f%s", y->index, (int)th, m->name);
				t->count++;
				if (sp_hmap_put(&seen, key, 0, NULL) == 0) {
					if (t->ncomponents < 3)
						t->names[t->ncomponents] = m->name;
					t->ncomponents++;
				}
				if (m->big)
					y->nbig++;
			} else if (m->big) {
				y->big[y->nbig++] = i;
			}
		}
		if (pass == 0)
			for (size_t i = 0; i < r->nyears; i++) {
				r->years[i].big = SP_NEWN(&r->arena, size_t, r->years[i].nbig + 1);
				r->years[i].nbig = 0;
			}
	}
	sp_hmap_free(&seen);
	/* a year lists its big milestones by the month they are needed: a
	 * counting sort on the month within the year, stable (ties keep the
	 * milestones' order) and linear */
	for (size_t i = 0; i < r->nyears; i++) {
		struct sp_rm_year *y = &r->years[i];
		size_t at[13] = { 0 }, *sorted;
		if (y->nbig < 2)
			continue;
		for (size_t k = 0; k < y->nbig; k++)
			at[r->ms[y->big[k]].need - y->m0 + 1]++;
		for (int mo = 1; mo < 13; mo++)
			at[mo] += at[mo - 1];
		sorted = SP_NEWN(&r->arena, size_t, y->nbig);
		for (size_t k = 0; k < y->nbig; k++)
			sorted[at[r->ms[y->big[k]].need - y->m0]++] = y->big[k];
		y->big = sorted;
	}
}

static void build_quarters(struct sp_roadmap *r, int nquarters)
{
	sp_month start = r->spec->start;
	int first = r->now > r->from ? r->now : r->from;
	sp_month q0 = start + first - (start + first) % 3;

	r->quarters = SP_NEWN(&r->arena, struct sp_rm_quarter, (size_t)nquarters);
	for (int q = 0; q < nquarters && first <= r->until; q++) {
		sp_month qs = q0 + 3 * q;
		int m0 = qs - start, m1 = m0 + 3;
		if (m0 > r->until)
			break;
		struct sp_rm_quarter *x = &r->quarters[r->nquarters++];
		x->start = qs;
		x->m0 = m0 > r->from ? m0 : r->from;
		x->m1 = m1 <= r->until + 1 ? m1 : r->until + 1;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < r->nms; i++) {
			const struct sp_rm_milestone *m = &r->ms[i];
			for (size_t q = 0; q < r->nquarters; q++) {
				struct sp_rm_quarter *x = &r->quarters[q];
				int in = m->raise >= x->m0 && m->raise < x->m1;
				if (q == 0 && m->raise < x->m0 && m->need >= x->m0)
					in = 1;   /* overdue: raised before the first quarter, still ahead */
				if (!in)
					continue;
				if (pass == 1)
					x->actions[x->nactions] = i;
				x->nactions++;
				break;
			}
		}
		if (pass == 0)
			for (size_t q = 0; q < r->nquarters; q++) {
				r->quarters[q].actions = SP_NEWN(&r->arena, size_t, r->quarters[q].nactions + 1);
				r->quarters[q].nactions = 0;
			}
	}
}

static void build_triggers(struct build *b)
{
	struct sp_roadmap *r = b->r;
	const struct sp_spec *spec = b->spec;

	r->ntriggers = spec->nservices;
	r->triggers = SP_NEWN(&r->arena, struct sp_rm_trigger, spec->nservices);
	for (size_t i = 0; i < spec->nservices; i++) {
		struct sp_rm_trigger *t = &r->triggers[i];
		const struct sp_service *s = &spec->services[i];
		size_t li = sp_graph_first(b->g, SP_NODE_SERVICE) + i;
		const struct sp_sku *sku = sp_catalog_sku(b->cat, b->f->lines[li].sku);
		t->s = s;
		t->line = li;
		t->owner = r->owners[SP_RM_DOM_APP];
		if (s->availability > 0) {
			double bad = 1 - s->availability / 100;
			t->budget_min = bad * SP_RM_SLO_PERIOD_H * 60;
			for (size_t a = 0; a < r->nalerts; a++)
				t->error_rate[a] = r->alerts[a].burn_rate * bad;
		}
		switch (s->cls) {
		case SP_CLASS_WEB:
			t->signal = SP_RM_SIG_CPU;
			t->signal_target = s->target_utilization;
			break;
		case SP_CLASS_WORKER:
			/* a worker with no queue in front of it is sized as a web service */
			t->signal = b->backlog[li] > 0 ? SP_RM_SIG_BACKLOG : SP_RM_SIG_CPU;
			t->signal_target = b->backlog[li] > 0 ? b->backlog[li] : s->target_utilization;
			break;
		default: t->signal = SP_RM_SIG_SCHEDULE; break;
		}
		/* the load test before each quarter, in its busiest region */
		t->tests = SP_NEWN(&r->arena, struct sp_rm_loadtest, r->nquarters + 1);
		for (size_t q = 0; q < r->nquarters && sku; q++) {
			const struct sp_rm_quarter *x = &r->quarters[q];
			int best = -1;
			double peak = 0;
			for (int ri = 0; ri < (int)spec->nregions; ri++)
				if (b->rfirst[ri] < x->m1 && (best < 0 || spec->regions[ri].share > spec->regions[best].share))
					best = ri;
			if (best < 0)
				continue;
			for (int m = x->m0 > b->rfirst[best] ? x->m0 : b->rfirst[best]; m < x->m1; m++)
				peak = fmax(peak, val(b, li, m, SP_FC_DEMAND) * spec->regions[best].share);
			if (!(peak > 0))
				continue;
			struct sp_rm_loadtest *lt = &t->tests[t->ntests++];
			static const double mult[3] = { 1, 2, 5 };
			lt->quarter = (int)q;
			lt->region = best;
			lt->peak_rps = peak;
			for (int k = 0; k < 3; k++)
				lt->inst[k] = sp_fc_service_size_on(b->cat, s, sku, spec->regions[best].zones, b->backlog[li],
								 peak * mult[k], 0, NULL);
		}
	}
}

/* ---- entry ------------------------------------------------------------------------------------------------ */

static int find_pct(const struct sp_forecast *f, double p, size_t *k)
{
	for (size_t i = 0; i < f->npcts; i++)
		if (f->pcts[i] == p) {
			*k = i;
			return 0;
		}
	return -1;
}

static int check_opts(struct sp_roadmap *r, const struct sp_spec *spec, const struct sp_forecast *f,
		      const struct sp_roadmap_opts *o, struct sp_err *err)
{
	char a[16], b[16];
	int quarters = o->quarters ? o->quarters : SP_RM_DEFAULT_QUARTERS;

	if (!(r->pct > 0 && r->pct < 100))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the percentile must be above 0 and below 100, got %g", r->pct);
	if (f->months != spec->months || f->line_months != f->months || f->line_m0 != 0 || !f->kind_units ||
	    !f->cum_total)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the roadmap needs a forecast of every month of the horizon");
	if (find_pct(f, r->pct, &r->kpath) < 0 || find_pct(f, 10, &r->k10) < 0 || find_pct(f, 50, &r->k50) < 0 ||
	    find_pct(f, 90, &r->k90) < 0)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the forecast lacks the percentiles 10, 50, 90 and %g", r->pct);
	r->from = o->from == SP_NO_MONTH ? 0 : o->from - spec->start;
	r->until = o->until == SP_NO_MONTH ? spec->months - 1 : o->until - spec->start;
	sp_month_format(spec->start, a);
	sp_month_format(spec->start + spec->months - 1, b);
	if (r->from < 0 || r->from >= spec->months || r->until < 0 || r->until >= spec->months)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the roadmap's months must be within the horizon, %s..%s", a, b);
	if (r->from > r->until)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the roadmap's first month comes after its last");
	if (quarters < SP_RM_MIN_QUARTERS || quarters > SP_RM_MAX_QUARTERS)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the tactical layer holds %d to %d quarters, not %d",
				  SP_RM_MIN_QUARTERS, SP_RM_MAX_QUARTERS, quarters);
	if (o->nalerts > SP_RM_MAX_ALERTS)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "at most %d burn-rate alerts", SP_RM_MAX_ALERTS);
	for (size_t i = 0; i < o->nalerts; i++) {
		const struct sp_rm_alert *x = &o->alerts[i];
		if (!x->severity || !*x->severity || !(x->burn_rate > 0) || !isfinite(x->burn_rate) || x->short_min <= 0 ||
		    x->short_min >= x->long_min || x->long_min > SP_RM_SLO_PERIOD_H * 60)
			return sp_err_set(err, SP_EINVAL, "", 0, 0,
					  "burn-rate alert %zu: the rate must be above 0 and the windows 0 < short < long <= 30 days",
					  i + 1);
	}
	return 0;
}

int sp_roadmap_build(struct sp_roadmap **out, const struct sp_spec *spec, const struct sp_graph *g,
		     const struct sp_catalog *cat, const struct sp_forecast *f, const struct sp_roadmap_opts *o,
		     struct sp_err *err)
{
	struct sp_roadmap *r = sp_xcalloc(1, sizeof(*r));
	struct build b;
	int ret;

	*out = NULL;
	sp_arena_init(&r->arena);
	r->spec = spec;
	r->f = f;
	r->pct = o->pct ? o->pct : SP_RM_DEFAULT_PCT;
	if ((ret = check_opts(r, spec, f, o, err)) < 0) {
		sp_roadmap_free(r);
		return ret;
	}
	r->now = o->now - spec->start;
	r->nalerts = o->nalerts ? o->nalerts : SP_ARRAY_LEN(sp_rm_default_alerts);
	memcpy(r->alerts, o->nalerts ? o->alerts : sp_rm_default_alerts, r->nalerts * sizeof(r->alerts[0]));
	find_owners(r, spec);

	memset(&b, 0, sizeof(b));
	b.r = r;
	b.spec = spec;
	b.g = g;
	b.cat = cat;
	b.f = f;
	b.M = f->months;
	b.rfirst = sp_xcalloc(spec->nregions + 1, sizeof(int));
	for (size_t ri = 0; ri < spec->nregions; ri++) {
		sp_month from = spec->regions[ri].from;
		int m = from == SP_NO_MONTH || from <= spec->start ? 0 : from - spec->start;
		b.rfirst[ri] = m < b.M ? m : b.M;
	}
	/* a queue's worker drains within the tightest backlog age of the queues feeding it */
	b.backlog = sp_xcalloc(f->nlines + 1, sizeof(double));
	for (size_t li = 0; li < f->nlines && li < sp_graph_nnodes(g); li++) {
		size_t nin;
		const uint32_t *in = sp_graph_in(g, (uint32_t)li, &nin);
		for (size_t k = 0; k < nin; k++) {
			const struct sp_edge *e = sp_graph_edge(g, in[k]);
			if (e->kind != SP_EDGE_CONSUME)
				continue;
			double age = sp_graph_node(g, e->from)->queue->max_backlog_age_s;
			if (age > 0 && (b.backlog[li] == 0 || age < b.backlog[li]))
				b.backlog[li] = age;
		}
	}

	for (size_t li = 0; li < f->nlines; li++) {
		const struct sp_node *node = sp_graph_node(g, (uint32_t)li);
		switch (node->kind) {
		case SP_NODE_SERVICE: service_milestones(&b, li, node->service); break;
		case SP_NODE_DATASTORE: datastore_milestones(&b, li, node->datastore); break;
		case SP_NODE_CACHE: cache_milestones(&b, li, node->cache); break;
		case SP_NODE_GPU:
			if (node->gpu->kind == SP_GPU_INFERENCE)
				gpu_commit_milestones(&b, li, node->gpu);
			else
				training_milestones(&b, li, node->gpu);
			break;
		case SP_NODE_QUEUE: break;
		}
	}
	region_milestones(&b);
	budget_milestones(&b);
	finish_milestones(r);
	build_years(r);
	build_quarters(r, o->quarters ? o->quarters : SP_RM_DEFAULT_QUARTERS);
	build_triggers(&b);
	free(b.rfirst);
	free(b.backlog);
	*out = r;
	return 0;
}

void sp_roadmap_free(struct sp_roadmap *r)
{
	if (!r)
		return;
	free(r->ms);
	sp_arena_free(&r->arena);
	free(r);
}
