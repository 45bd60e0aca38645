/* Fixtures shared by the roadmap's unit tests (check_roadmap.c: each
 * milestone kind; check_roadmap_layers.c: triggers, layers, window, options,
 * rendering): a catalog with a family of database sizes, the head of every
 * spec, the specs several tests read, and the run from spec to roadmap.
 * Static inline, so each test file takes what it uses. */
#ifndef SP_ROADMAP_FIXTURES_H
#define SP_ROADMAP_FIXTURES_H
#include <check.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/roadmap.h"
#include "model/spec.h"

/* Prices per hour, sorted by name; a db.r6g family of four sizes. */
static struct sp_sku skus[] __attribute__((unused)) = {
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.206, 0.13, 0.09, 0 },
	{ "db.r6g.2xlarge", SP_SKU_DATABASE, 8, 64, 0, NULL, 0.9, 0.58, 0.4, 0 },
	{ "db.r6g.4xlarge", SP_SKU_DATABASE, 16, 128, 0, NULL, 1.8, 1.16, 0.8, 0 },
	{ "db.r6g.large", SP_SKU_DATABASE, 2, 16, 0, NULL, 0.225, 0.145, 0.1, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpus[] __attribute__((unused)) = { { "h100", 989, "p5.48xlarge" } };
static struct sp_egress_tier egress[] __attribute__((unused)) = { { 0, 0.09 } };

static inline void make_catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1;
	c->skus = skus;
	c->nskus = SP_ARRAY_LEN(skus);
	c->gpus = gpus;
	c->ngpus = 1;
	c->egress = egress;
	c->negress = 1;
}

/* The head of every spec: 24 months from 2027-01, one region of one zone,
 * a constant driver of 864,000 units, a linear one rising by 864,000 a month
 * (10 requests/s per request per unit per day, then 20, 30, ...) and a
 * constant 1,000 for data to grow with. */
#define HEAD                                                                        \
	"scaleplan: 1\n"                                                            \
	"name: t\n"                                                                 \
	"horizon: {start: 2027-01, months: 24, lead_time_months: 1}\n"               \
	"drivers:\n"                                                                \
	"  flat: {model: constant, start: 864000}\n"                                \
	"  grow: {model: linear, start: 864000, per_month: 864000}\n"               \
	"  data: {model: constant, start: 1000}\n"                                  \
	"regions:\n"                                                                \
	"  - {name: r1, zones: 1}\n"

struct rm_ctx {
	struct sp_catalog cat;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_roadmap *r;
	struct sp_diags d;
	struct sp_err err;
};

static inline void opts_init(struct sp_roadmap_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->pct = 90;
	o->now = 2027 * 12;   /* the horizon's start */
	o->from = o->until = SP_NO_MONTH;
}

/* Loads text, runs its forecast (paths P, the roadmap's percentiles for
 * opts->pct) and builds the roadmap; returns sp_roadmap_build's result. */
static inline int build_paths(struct rm_ctx *x, const char *text, const struct sp_roadmap_opts *o, int paths, int threads)
{
	struct sp_forecast_opts fo;
	memset(x, 0, sizeof(*x));
	make_catalog(&x->cat);
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	memset(&fo, 0, sizeof(fo));
	fo.paths = paths;
	fo.seed = SP_FC_DEFAULT_SEED;
	fo.threads = threads;
	fo.npcts = sp_roadmap_pcts(o->pct, fo.pcts);
	ck_assert_int_eq(sp_forecast_run(&x->f, x->spec, x->g, &x->cat, &fo, &x->d), 0);
	return sp_roadmap_build(&x->r, x->spec, x->g, &x->cat, x->f, o, &x->err);
}

static inline int build(struct rm_ctx *x, const char *text, const struct sp_roadmap_opts *o)
{
	return build_paths(x, text, o, 0, 1);
}

static inline void ctx_free(struct rm_ctx *x)
{
	sp_roadmap_free(x->r);
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

/* The n-th milestone of a kind (0-based), or NULL. */
static inline const struct sp_rm_milestone *nth(const struct sp_roadmap *r, enum sp_rm_kind kind, int n)
{
	for (size_t i = 0; i < r->nms; i++)
		if (r->ms[i].kind == kind && n-- == 0)
			return &r->ms[i];
	return NULL;
}

static inline int count(const struct sp_roadmap *r, enum sp_rm_kind kind)
{
	int n = 0;
	for (size_t i = 0; i < r->nms; i++)
		n += r->ms[i].kind == kind;
	return n;
}

/* Data 300 GB in month 0, +100 GB a month (0.1 GB per unit x 1,000 units,
 * counted from month 0): 2,000 GB in month 17, 2,100 GB in month 18, so the
 * second shard of 2,000 GB is needed in month 18 and, 6 months ahead, raised
 * in month 12. */
static const char store_spec[] __attribute__((unused)) = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls: [{to: db, reads_per_request: 1, writes_per_request: 1}]\n"
	"datastores:\n"
	"  db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 8000\n"
	"    read_qps_per_replica: 20000\n"
	"    storage: {start_gb: 200, gb_per_unit_month: 0.1, driver: data}\n"
	"    sharding: {key: tenant_id, strategy: hash, max_gb_per_shard: 2000}\n"
	"    reshard_lead_months: 6\n";

/* 100 ms of CPU at 10 (m + 1) requests/s: A = m + 1 Erlangs; at 50 %
 * utilisation 2 (m + 1) vCPUs, m + 1 instances of 2 vCPUs in one zone.
 * scaling.max 3 binds from month 3 (4 needed, short by 1); at worst month 23
 * (24 needed, short by 21). */
static const char scaling_spec[] __attribute__((unused)) = HEAD
	"services:\n"
	"  api:\n"
	"    demand: {driver: grow, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 100}\n"
	"    instance: m7i.large\n"
	"    slo: {availability: 99.95}\n"
	"    scaling: {min: 1, max: 3}\n"
	"  jobs:\n"
	"    class: worker\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"  nightly:\n"
	"    class: batch\n"
	"    demand: {driver: flat, requests_per_unit_per_day: 1}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"queues:\n"
	"  q: {from: api, per_request: 1, worker: jobs, max_backlog_age_s: 120}\n";

/* 10 requests/s x 340 tokens = 3,400 tokens/s at 340 per GPU: 10 GPUs, 11
 * with N+1, 2 p5.48xlarge; the committed level is 2 in both 12-month windows.
 * A month saves 2 x (55.04 - 35.0) x 730 = 29,258.40. Training: 6 x 8e9 x
 * 50e9 / (989e12 x 0.4 x 3600) = 1,685.2 GPU-hours a run: 3 GPUs, 1 instance;
 * every 6 months from the start: 4 runs. */
static const char gpu_spec[] __attribute__((unused)) = HEAD
	"gpu:\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, gpu: h100, tier: committed, driver: flat, requests_per_unit_per_day: 1,\n"
	"       tokens_per_request: 340, tokens_per_s_per_gpu: 340}\n"
	"    - {name: tune, kind: training, gpu: h100, tier: on_demand, params_b: 8, tokens_b: 50, mfu: 0.4,\n"
	"       every_months: 6}\n"
	"    - {name: cheap, kind: training, gpu: h100, tier: spot, params_b: 8, tokens_b: 50, start: 2028-06}\n"
	"  tiers: {committed: {term: 1y}}\n";

#endif
