/* The spec loader's components: services, caches, datastores, queues and GPU
 * workloads (docs/spec.md), each read from its YAML node with the typed
 * readers of model/load_util.h, and the references between them resolved
 * once every name is known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/gpu.h"
#include "model/load_internal.h"
#include "model/profile.h"
#include "model/queueing.h"

const char *const sp_class_names[] = { "web", "worker", "batch", "dev", NULL };
const char *const sp_cache_engine_names[] = { "redis", "memcached", "valkey", NULL };
const char *const sp_db_engine_names[] = { "postgres", "mysql", "aurora", "mongodb", "dynamodb", "cassandra", NULL };
const char *const sp_shard_strategy_names[] = { "none", "hash", "range", "directory", NULL };
const char *const sp_gpu_kind_names[] = { "inference", "training", NULL };
const char *const sp_balancing_names[] = { "least_outstanding", "round_robin", "random", NULL };
const char *const sp_tier_names[] = { "auto", "committed", "on_demand", "spot", NULL };

/* A component's kind in the index (the top 4 bits of its value). */
enum comp_kind { CK_SERVICE = 1, CK_CACHE, CK_DATASTORE, CK_QUEUE, CK_GPU };
static const char *const comp_kind_names[] = { "", "service", "cache", "datastore", "queue", "GPU workload" };

/* ---- component names -------------------------------------------------------- */

/* Registers a component name, reporting a name defined twice (any kind). */
static int register_name(struct sp_ld *ld, struct spec_index *ix, const struct sp_ynode *key,
			 enum comp_kind kind, size_t idx, const struct sp_pos *const *kind_pos)
{
	uint32_t old;
	if (sp_ld_name_ok(ld, key, comp_kind_names[kind]) < 0)
		return -1;
	if (sp_hmap_put(&ix->components, key->str, ((uint32_t)kind << 28) | (uint32_t)idx, &old) == 1) {
		enum comp_kind ok = (enum comp_kind)(old >> 28);
		sp_error(ld->d, key->pos, "%s '%s' is defined more than once (names are shared by services, caches, datastores, queues and GPU workloads)",
			 comp_kind_names[kind], key->str);
		sp_note(ld->d, kind_pos[ok - 1][old & 0x0fffffff],
			"'%s' first defined here, as a %s", key->str, comp_kind_names[ok]);
		return -1;
	}
	return 0;
}

/* The start of a named component's loader: `what` gets "<kind> '<name>'" for
 * messages; returns 0 when v is a mapping (reporting its unknown keys), or
 * -1 (reported) when it is not. */
static int open_component(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, const char *kind,
			  const char *const *keys, char *what, size_t whatsz)
{
	snprintf(what, whatsz, "%s '%s'", kind, key->str);
	if (sp_ld_is_map(ld, v, what) < 0)
		return -1;
	sp_ld_keys(ld, v, keys, what);
	return 0;
}

/* ---- services ----------------------------------------------------------------------- */

static void load_lifecycle(struct sp_ld *ld, const struct sp_ynode *map, struct sp_lifecycle *lc)
{
	static const char *const keys[] = { "prevent_destroy", "allow_zero", NULL };
	const struct sp_ynode *v = sp_ymap_get(map, "lifecycle", NULL);
	if (!v || sp_ld_is_map(ld, v, "lifecycle") < 0)
		return;
	sp_ld_keys(ld, v, keys, "lifecycle");
	if (sp_ld_bool(ld, v, "prevent_destroy", &lc->prevent_destroy) == 0 && lc->prevent_destroy)
		lc->prevent_destroy_pos = sp_ymap_get(v, "prevent_destroy", NULL)->pos;
	sp_ld_bool(ld, v, "allow_zero", &lc->allow_zero);
}

static void load_demand(struct sp_ld *ld, const struct sp_ynode *v, struct sp_demand *dm, const char *owner)
{
	static const char *const keys[] = { "driver", "requests_per_unit_per_day", "peak_to_average", NULL };
	char what[128];
	snprintf(what, sizeof(what), "the demand of %s", owner);
	dm->peak_to_average = 1.0;
	dm->pos = v->pos;
	if (sp_ld_is_map(ld, v, "demand") < 0)
		return;
	dm->present = 1;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_str(ld, v, "driver", &dm->driver, &dm->driver_pos) == 1)
		sp_ld_missing(ld, v, "driver", what);
	if (sp_ld_num(ld, v, "requests_per_unit_per_day", SP_R_NONNEG, &dm->requests_per_unit_per_day) == 1)
		sp_ld_missing(ld, v, "requests_per_unit_per_day", what);
	sp_ld_num(ld, v, "peak_to_average", SP_R_GE1, &dm->peak_to_average);
}

static void load_call(struct sp_ld *ld, const struct sp_ynode *v, struct sp_call *c, const char *owner)
{
	static const char *const keys[] = { "to", "per_request", "via_cache", "reads_per_request",
					    "writes_per_request", "request_kb", "response_kb", NULL };
	char what[128];
	snprintf(what, sizeof(what), "a call of service '%s'", owner);
	c->pos = v->pos;
	c->per_request = 1.0;
	c->to = "";
	if (sp_ld_is_map(ld, v, what) < 0)
		return;
	sp_ld_keys(ld, v, keys, what);
	if (sp_ld_str(ld, v, "to", &c->to, &c->to_pos) == 1)
		sp_ld_missing(ld, v, "to", what);
	c->has_per_request = sp_ld_num(ld, v, "per_request", SP_R_NONNEG, &c->per_request) == 0;
	sp_ld_str(ld, v, "via_cache", &c->via_cache, &c->via_pos);
	c->has_reads = sp_ld_num(ld, v, "reads_per_request", SP_R_NONNEG, &c->reads_per_request) == 0;
	c->has_writes = sp_ld_num(ld, v, "writes_per_request", SP_R_NONNEG, &c->writes_per_request) == 0;
	sp_ld_num(ld, v, "request_kb", SP_R_NONNEG, &c->request_kb);
	sp_ld_num(ld, v, "response_kb", SP_R_NONNEG, &c->response_kb);
}

/* A list of n factors above 0 under key of map x into out; 1 when absent. */
static int load_factors(struct sp_ld *ld, const struct sp_ynode *x, const char *key, size_t n, double *out,
			struct sp_pos *pos)
{
	const struct sp_ynode *f = sp_ymap_get(x, key, NULL);
	int bad = 0;

	if (!f)
		return 1;
	if (sp_ld_is_seq(ld, f, key) < 0)
		return -1;
	if (f->n != n) {
		sp_error(ld->d, f->pos, "'%s' needs %zu factors (%s), got %zu", key, n,
			 n == 24 ? "one per hour, 0 to 23" : "one per day, Monday first", f->n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		bad |= sp_ld_scalar_num(ld, f->items[i], key, SP_R_POS, &out[i]) < 0;
	*pos = f->pos;
	return bad ? -1 : 0;
}

/* scaling: the target, the bounds, and how an autoscaled fleet follows its
 * load (model/profile.h). A service with its own demand must be able to
 * reach its peak_to_average with its profile. */
static void load_scaling(struct sp_ld *ld, const struct sp_ynode *x, struct sp_service *s)
{
	static const char *const ckeys[] = { "target_utilization", "min", "max", "autoscale", "profile", "weekly",
					     "balancing", NULL };
	struct sp_pos wpos;
	int rp, rw, bal = SP_BAL_LEAST_OUTSTANDING;

	sp_ld_keys(ld, x, ckeys, "scaling");
	sp_ld_num(ld, x, "target_utilization", SP_R_UNIT, &s->target_utilization);
	sp_ld_int(ld, x, "min", 0, 1000000, &s->min);
	if (sp_ld_int(ld, x, "max", 1, 1000000, &s->max) == 0 && s->max < s->min)
		sp_error(ld->d, sp_ymap_get(x, "max", NULL)->pos, "'max' (%d) is below 'min' (%d)", s->max,
			 s->min);
	sp_ld_bool(ld, x, "autoscale", &s->autoscale);
	sp_ld_enum(ld, x, "balancing", sp_balancing_names, &bal);
	s->balancing = (enum sp_balancing)bal;
	rp = load_factors(ld, x, "profile", 24, s->profile, &s->profile_pos);
	rw = load_factors(ld, x, "weekly", 7, s->weekly, &wpos);
	s->has_profile = rp == 0;
	s->has_weekly = rw == 0;
	if (rp == 1 && rw == 0)
		s->profile_pos = wpos;
	if (rp < 0 || rw < 0)
		s->autoscale = 0;   /* already an error: do not check it again */
}

/* An autoscaled service with its own demand must reach its peak_to_average
 * with its profile (the class's curve unless it gives one). */
static void check_profile(struct sp_ld *ld, const struct sp_service *s)
{
	struct sp_profile pf;
	char err[200];

	if (!s->autoscale || !s->demand.present)
		return;
	if (sp_profile_build(&pf, s->has_profile ? s->profile : sp_profile_class_curve(s->cls),
			     s->has_weekly ? s->weekly : NULL, s->demand.peak_to_average, err, sizeof(err)) < 0)
		sp_error(ld->d, s->has_profile || s->has_weekly ? s->profile_pos : s->demand.pos,
			 "service '%s': %s", s->name, err);
}

static void load_service(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, void *out)
{
	struct sp_service *s = out;
	static const char *const keys[] = { "class", "demand", "work", "instance", "slo", "scaling", "calls",
					    "lifecycle", "families", NULL };
	char what[96];
	const struct sp_ynode *x;
	int cls = SP_CLASS_WEB;

	s->name = key->str;
	s->pos = key->pos;
	s->target_utilization = 0.5;
	s->min = 1;
	s->max = 0;
	if (open_component(ld, key, v, "service", keys, what, sizeof(what)) < 0)
		return;
	sp_ld_enum(ld, v, "class", sp_class_names, &cls);
	s->cls = (enum sp_class)cls;
	if ((x = sp_ymap_get(v, "demand", NULL)))
		load_demand(ld, x, &s->demand, what);
	if (!(x = sp_ymap_get(v, "work", NULL))) {
		sp_ld_missing(ld, v, "work", what);
	} else if (sp_ld_is_map(ld, x, "work") == 0) {
		static const char *const wkeys[] = { "cpu_ms_per_request", "egress_kb_per_request", "usl",
						     "cpu_reference", "memory_mb_per_instance", "memory_mb_per_request",
						     NULL };
		const struct sp_ynode *u;
		sp_ld_keys(ld, x, wkeys, "work");
		if (sp_ld_num(ld, x, "cpu_ms_per_request", SP_R_POS, &s->cpu_ms_per_request) == 1)
			sp_ld_missing(ld, x, "cpu_ms_per_request", "work");
		sp_ld_num(ld, x, "egress_kb_per_request", SP_R_NONNEG, &s->egress_kb_per_request);
		sp_choose_load_work(ld, x, s);
		if ((u = sp_ymap_get(x, "usl", NULL)) && sp_ld_is_map(ld, u, "usl") == 0) {
			static const char *const ukeys[] = { "lambda_rps", "sigma", "kappa", NULL };
			sp_ld_keys(ld, u, ukeys, "usl");
			s->usl.pos = u->pos;
			s->usl.present = 1;
			if (sp_ld_num(ld, u, "lambda_rps", SP_R_POS, &s->usl.lambda_rps) == 1)
				sp_ld_missing(ld, u, "lambda_rps", "usl");
			if (sp_ld_num(ld, u, "sigma", SP_R_HALFOPEN, &s->usl.sigma) == 1)
				sp_ld_missing(ld, u, "sigma", "usl");
			if (sp_ld_num(ld, u, "kappa", SP_R_NONNEG, &s->usl.kappa) == 1)
				sp_ld_missing(ld, u, "kappa", "usl");
		}
	}
	if (sp_ld_str(ld, v, "instance", &s->instance, &s->instance_pos) == 1)
		sp_ld_missing(ld, v, "instance", what);
	sp_choose_load_instance(ld, v, s);
	if ((x = sp_ymap_get(v, "slo", NULL)) && sp_ld_is_map(ld, x, "slo") == 0) {
		static const char *const skeys[] = { "latency", "availability", NULL };
		const struct sp_ynode *l;
		sp_ld_keys(ld, x, skeys, "slo");
		if (sp_ld_num(ld, x, "availability", SP_R_PERCENT, &s->availability) == 0 && s->availability < 1)
			sp_warn(ld->d, sp_ymap_get(x, "availability", NULL)->pos,
				"'availability' is a percentage: %g means %g %%; did you mean %g?", s->availability,
				s->availability, s->availability * 100);
		if ((l = sp_ymap_get(x, "latency", NULL)) && sp_ld_is_map(ld, l, "latency") == 0) {
			static const char *const lkeys[] = { "quantile", "ms", NULL };
			int r1, r2;
			sp_ld_keys(ld, l, lkeys, "latency");
			s->slo_pos = l->pos;
			if ((r1 = sp_ld_num(ld, l, "quantile", SP_R_OPEN01, &s->slo_quantile)) == 1)
				sp_ld_missing(ld, l, "quantile", "latency");
			if ((r2 = sp_ld_num(ld, l, "ms", SP_R_POS, &s->slo_ms)) == 1)
				sp_ld_missing(ld, l, "ms", "latency");
			s->has_latency_slo = r1 == 0 && r2 == 0;
		}
	}
	s->autoscale = sp_profile_class_autoscale(s->cls);
	s->profile_pos = s->pos;
	if ((x = sp_ymap_get(v, "scaling", NULL)) && sp_ld_is_map(ld, x, "scaling") == 0)
		load_scaling(ld, x, s);
	check_profile(ld, s);
	if ((x = sp_ymap_get(v, "calls", NULL)) && !(x->kind == SP_Y_SCALAR && x->plain && !x->len) &&
	    sp_ld_is_seq(ld, x, "calls") == 0) {
		s->calls = SP_NEWN(ld->a, struct sp_call, x->n);
		s->ncalls = x->n;
		for (size_t i = 0; i < x->n; i++)
			load_call(ld, x->items[i], &s->calls[i], key->str);
	}
	load_lifecycle(ld, v, &s->lifecycle);
}

/* ---- caches, datastores, queues --------------------------------------------------------- */

static void load_cache(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, void *out)
{
	struct sp_cache *c = out;
	static const char *const keys[] = { "engine", "node", "hit_rate", "working_set_gb", "working_set_gb_per_unit",
					    "ops_per_s_per_node", "min_nodes", "lifecycle", NULL };
	char what[96];
	int e = 0;
	c->name = key->str;
	c->pos = key->pos;
	c->ops_per_s_per_node = 100000;
	c->min_nodes = 1;
	if (open_component(ld, key, v, "cache", keys, what, sizeof(what)) < 0)
		return;
	if (sp_ld_enum(ld, v, "engine", sp_cache_engine_names, &e) == 1)
		sp_ld_missing(ld, v, "engine", what);
	c->engine = (enum sp_cache_engine)e;
	if (sp_ld_str(ld, v, "node", &c->node, &c->node_pos) == 1)
		sp_ld_missing(ld, v, "node", what);
	if (sp_ld_num(ld, v, "hit_rate", SP_R_HALFOPEN, &c->hit_rate) == 1)
		sp_ld_missing(ld, v, "hit_rate", what);
	sp_ld_num(ld, v, "working_set_gb", SP_R_NONNEG, &c->working_set_gb);
	sp_ld_num(ld, v, "working_set_gb_per_unit", SP_R_NONNEG, &c->working_set_gb_per_unit);
	sp_ld_num(ld, v, "ops_per_s_per_node", SP_R_POS, &c->ops_per_s_per_node);
	sp_ld_int(ld, v, "min_nodes", 1, 10000, &c->min_nodes);
	load_lifecycle(ld, v, &c->lifecycle);
}

static void load_datastore(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, void *out)
{
	struct sp_datastore *ds = out;
	static const char *const keys[] = { "engine", "instance", "write_tps_per_node", "read_qps_per_replica",
					    "write_utilization", "availability", "multi_az", "min_replicas",
					    "storage", "sharding", "reshard_lead_months", "replica_lead_months",
					    "lifecycle", NULL };
	char what[96];
	const struct sp_ynode *x;
	int e = 0;

	ds->name = key->str;
	ds->pos = key->pos;
	ds->write_utilization = 0.65;
	ds->reshard_lead_months = 6;
	ds->replica_lead_months = 1;
	if (open_component(ld, key, v, "datastore", keys, what, sizeof(what)) < 0)
		return;
	if (sp_ld_enum(ld, v, "engine", sp_db_engine_names, &e) == 1)
		sp_ld_missing(ld, v, "engine", what);
	ds->engine = (enum sp_db_engine)e;
	if (sp_ld_str(ld, v, "instance", &ds->instance, &ds->instance_pos) == 1)
		sp_ld_missing(ld, v, "instance", what);
	if (sp_ld_num(ld, v, "write_tps_per_node", SP_R_POS, &ds->write_tps_per_node) == 1)
		sp_ld_missing(ld, v, "write_tps_per_node", what);
	if (sp_ld_num(ld, v, "read_qps_per_replica", SP_R_POS, &ds->read_qps_per_replica) == 1)
		sp_ld_missing(ld, v, "read_qps_per_replica", what);
	sp_ld_num(ld, v, "write_utilization", SP_R_UNIT, &ds->write_utilization);
	sp_ld_num(ld, v, "availability", SP_R_PERCENT, &ds->availability);
	sp_ld_bool(ld, v, "multi_az", &ds->multi_az);
	sp_ld_int(ld, v, "min_replicas", 0, 64, &ds->min_replicas);
	sp_ld_int(ld, v, "reshard_lead_months", 0, 36, &ds->reshard_lead_months);
	sp_ld_int(ld, v, "replica_lead_months", 0, 36, &ds->replica_lead_months);
	if ((x = sp_ymap_get(v, "storage", NULL)) && sp_ld_is_map(ld, x, "storage") == 0) {
		static const char *const skeys[] = { "start_gb", "gb_per_unit_month", "driver", NULL };
		sp_ld_keys(ld, x, skeys, "storage");
		if (sp_ld_num(ld, x, "start_gb", SP_R_NONNEG, &ds->storage_start_gb) == 1)
			sp_ld_missing(ld, x, "start_gb", "storage");
		sp_ld_num(ld, x, "gb_per_unit_month", SP_R_NONNEG, &ds->storage_gb_per_unit_month);
		sp_ld_str(ld, x, "driver", &ds->storage_driver, &ds->storage_driver_pos);
	}
	if ((x = sp_ymap_get(v, "sharding", NULL)) && sp_ld_is_map(ld, x, "sharding") == 0) {
		static const char *const hkeys[] = { "key", "strategy", "max_gb_per_shard", NULL };
		int st = SP_SHARD_HASH;
		sp_ld_keys(ld, x, hkeys, "sharding");
		ds->sharded = 1;
		sp_ld_enum(ld, x, "strategy", sp_shard_strategy_names, &st);
		ds->shard_strategy = (enum sp_shard_strategy)st;
		if (st == SP_SHARD_NONE)
			ds->sharded = 0;
		if (sp_ld_str(ld, x, "key", &ds->shard_key, NULL) == 1 && ds->sharded)
			sp_ld_missing(ld, x, "key", "sharding");
		if (sp_ld_num(ld, x, "max_gb_per_shard", SP_R_POS, &ds->max_gb_per_shard) == 1 && ds->sharded)
			sp_ld_missing(ld, x, "max_gb_per_shard", "sharding");
	}
	load_lifecycle(ld, v, &ds->lifecycle);
}

static void load_queue(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, void *out)
{
	struct sp_queue *q = out;
	static const char *const keys[] = { "from", "per_request", "worker", "max_backlog_age_s", "message_kb",
					    "lifecycle", NULL };
	char what[96];
	q->name = key->str;
	q->pos = key->pos;
	q->max_backlog_age_s = 60;
	q->message_kb = 1;
	q->from = q->worker = "";
	if (open_component(ld, key, v, "queue", keys, what, sizeof(what)) < 0)
		return;
	if (sp_ld_str(ld, v, "from", &q->from, &q->from_pos) == 1)
		sp_ld_missing(ld, v, "from", what);
	if (sp_ld_num(ld, v, "per_request", SP_R_NONNEG, &q->per_request) == 1)
		sp_ld_missing(ld, v, "per_request", what);
	if (sp_ld_str(ld, v, "worker", &q->worker, &q->worker_pos) == 1)
		sp_ld_missing(ld, v, "worker", what);
	sp_ld_num(ld, v, "max_backlog_age_s", SP_R_POS, &q->max_backlog_age_s);
	sp_ld_num(ld, v, "message_kb", SP_R_POS, &q->message_kb);
	load_lifecycle(ld, v, &q->lifecycle);
}

/* ---- GPUs ---------------------------------------------------------------------------------- */

static void load_gpu(struct sp_ld *ld, const struct sp_ynode *v, struct sp_gpu_workload *g)
{
	static const char *const keys[] = { "name", "kind", "gpu", "tier", "driver", "requests_per_unit_per_day",
					    "peak_to_average", "tokens_per_request", "tokens_per_s_per_gpu",
					    "gpus_per_replica", "n_plus_one", "params_b", "tokens_b", "mfu",
					    "peak_tflops", "every_months", "start", "run_months", "goodput", "lifecycle", NULL };
	static const char *const inference_only[] = { "driver", "requests_per_unit_per_day", "peak_to_average",
						      "tokens_per_request", "tokens_per_s_per_gpu",
						      "gpus_per_replica", "n_plus_one", NULL };
	static const char *const training_only[] = { "params_b", "tokens_b", "mfu", "peak_tflops", "every_months",
						     "start", "run_months", "goodput", NULL };
	char what[96];
	int kind = 0, tier = 0;

	g->pos = v->pos;
	g->name = "";
	g->gpus_per_replica = 1;
	g->n_plus_one = 1;
	g->mfu = 0.4;
	g->goodput = SP_GPU_DEFAULT_GOODPUT;
	g->run_months = 1;
	g->start = SP_NO_MONTH;
	g->demand.peak_to_average = 1.0;
	if (sp_ld_is_map(ld, v, "a GPU workload") < 0)
		return;
	if (sp_ld_str(ld, v, "name", &g->name, NULL) == 1)
		sp_ld_missing(ld, v, "name", "a GPU workload");
	snprintf(what, sizeof(what), "GPU workload '%s'", g->name);
	sp_ld_keys(ld, v, keys, what);
	int kr = sp_ld_enum(ld, v, "kind", sp_gpu_kind_names, &kind);
	if (kr == 1)
		sp_ld_missing(ld, v, "kind", what);
	if (kr != 0) /* which keys apply depends on the kind: say no more */
		return;
	g->kind = (enum sp_gpu_kind)kind;
	if (sp_ld_str(ld, v, "gpu", &g->gpu, &g->gpu_pos) == 1)
		sp_ld_missing(ld, v, "gpu", what);
	sp_ld_enum(ld, v, "tier", sp_tier_names, &tier);
	g->tier = (enum sp_tier)tier;
	const char *const *other = kind == SP_GPU_INFERENCE ? training_only : inference_only;
	for (size_t i = 0; other[i]; i++) {
		const struct sp_ynode *k;
		if (sp_ymap_get(v, other[i], &k))
			sp_error(ld->d, k->pos, "'%s' does not apply to %s workload", other[i], kind == SP_GPU_INFERENCE ? "an inference" : "a training");
	}
	if (kind == SP_GPU_INFERENCE) {
		/* demand comes from a driver, from services that call it, or both */
		g->demand.pos = v->pos;
		if (sp_ld_str(ld, v, "driver", &g->demand.driver, &g->demand.driver_pos) == 0) {
			g->demand.present = 1;
			if (sp_ld_num(ld, v, "requests_per_unit_per_day", SP_R_NONNEG,
				      &g->demand.requests_per_unit_per_day) == 1)
				sp_ld_missing(ld, v, "requests_per_unit_per_day", what);
		} else {
			const struct sp_ynode *k;
			if (sp_ymap_get(v, "requests_per_unit_per_day", &k))
				sp_error(ld->d, k->pos, "'requests_per_unit_per_day' needs a 'driver'");
		}
		sp_ld_num(ld, v, "peak_to_average", SP_R_GE1, &g->demand.peak_to_average);
		if (sp_ld_num(ld, v, "tokens_per_request", SP_R_POS, &g->tokens_per_request) == 1)
			sp_ld_missing(ld, v, "tokens_per_request", what);
		if (sp_ld_num(ld, v, "tokens_per_s_per_gpu", SP_R_POS, &g->tokens_per_s_per_gpu) == 1)
			sp_ld_missing(ld, v, "tokens_per_s_per_gpu", what);
		sp_ld_int(ld, v, "gpus_per_replica", 1, 64, &g->gpus_per_replica);
		sp_ld_bool(ld, v, "n_plus_one", &g->n_plus_one);
	} else {
		if (sp_ld_num(ld, v, "params_b", SP_R_POS, &g->params_b) == 1)
			sp_ld_missing(ld, v, "params_b", what);
		if (sp_ld_num(ld, v, "tokens_b", SP_R_POS, &g->tokens_b) == 1)
			sp_ld_missing(ld, v, "tokens_b", what);
		sp_ld_num(ld, v, "mfu", SP_R_UNIT, &g->mfu);
		sp_ld_num(ld, v, "goodput", SP_R_UNIT, &g->goodput);
		sp_ld_num(ld, v, "peak_tflops", SP_R_POS, &g->peak_tflops);
		sp_ld_int(ld, v, "every_months", 0, 120, &g->every_months);
		sp_ld_month(ld, v, "start", &g->start);
		sp_ld_int(ld, v, "run_months", 1, 120, &g->run_months);
	}
	load_lifecycle(ld, v, &g->lifecycle);
}

static void load_tiers(struct sp_ld *ld, const struct sp_ynode *v, struct sp_gpu_tiers *t)
{
	static const char *const keys[] = { "committed", "on_demand", "spot", NULL };
	const struct sp_ynode *x;
	t->pos = v->pos;
	t->committed_term_months = 12;
	t->spot_max_share = 0.3;
	if (sp_ld_is_map(ld, v, "gpu.tiers") < 0)
		return;
	sp_ld_keys(ld, v, keys, "gpu.tiers");
	if ((x = sp_ymap_get(v, "committed", NULL)) && sp_ld_is_map(ld, x, "committed") == 0) {
		static const char *const ck[] = { "term", NULL };
		static const char *const terms[] = { "1y", "3y", NULL };
		int term = 0;
		sp_ld_keys(ld, x, ck, "gpu.tiers.committed");
		sp_ld_enum(ld, x, "term", terms, &term);
		t->committed = 1;
		t->committed_term_months = term ? 36 : 12;
	}
	if ((x = sp_ymap_get(v, "on_demand", NULL)) && sp_ld_is_map(ld, x, "on_demand") == 0) {
		static const char *const ok[] = { NULL };
		sp_ld_keys(ld, x, ok, "gpu.tiers.on_demand");
		t->on_demand = 1;
	}
	if ((x = sp_ymap_get(v, "spot", NULL)) && sp_ld_is_map(ld, x, "spot") == 0) {
		static const char *const sk[] = { "max_share", NULL };
		sp_ld_keys(ld, x, sk, "gpu.tiers.spot");
		sp_ld_num(ld, x, "max_share", SP_R_UNIT, &t->spot_max_share);
		t->spot = 1;
	}
}

/* ---- all components ------------------------------------------------------------------------ */

/* Loads one component from its key and value into *out, a struct sp_service,
 * sp_cache, sp_datastore or sp_queue. */
typedef void (*component_loader)(struct sp_ld *ld, const struct sp_ynode *key, const struct sp_ynode *v, void *out);

/* Loads the named components of one kind from pairs p into base[0..] (objects
 * of `size` bytes; *n counts them), each after its name is registered; kp
 * keeps each kind's key positions for "first defined here" notes. */
static void load_named(struct sp_ld *ld, struct spec_index *ix, const struct pairs *p, enum comp_kind kind,
		       struct sp_pos **kp, void *base, size_t size, size_t *n, component_loader load)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct sp_ynode *k = p->v[i].key;
		kp[kind - 1][*n] = k->pos;
		if (register_name(ld, ix, k, kind, *n, (const struct sp_pos *const *)kp) < 0)
			continue;
		load(ld, k, p->v[i].val, (char *)base + (*n)++ * size);
	}
}

void sp_load_components(struct sp_ld *ld, struct spec_index *ix, const struct sections *s)
{
	struct sp_spec *sp = ld->spec;
	const struct pairs *gw = &s->gpu_workloads;
	struct sp_pos *kp[5];

	sp->services = SP_NEWN(ld->a, struct sp_service, s->maps[SEC_SERVICES].n);
	sp->caches = SP_NEWN(ld->a, struct sp_cache, s->maps[SEC_CACHES].n);
	sp->datastores = SP_NEWN(ld->a, struct sp_datastore, s->maps[SEC_DATASTORES].n);
	sp->queues = SP_NEWN(ld->a, struct sp_queue, s->maps[SEC_QUEUES].n);
	sp->gpus = SP_NEWN(ld->a, struct sp_gpu_workload, gw->n);
	/* positions by kind for "first defined here" notes */
	kp[0] = SP_NEWN(ld->a, struct sp_pos, s->maps[SEC_SERVICES].n + 1);
	kp[1] = SP_NEWN(ld->a, struct sp_pos, s->maps[SEC_CACHES].n + 1);
	kp[2] = SP_NEWN(ld->a, struct sp_pos, s->maps[SEC_DATASTORES].n + 1);
	kp[3] = SP_NEWN(ld->a, struct sp_pos, s->maps[SEC_QUEUES].n + 1);
	kp[4] = SP_NEWN(ld->a, struct sp_pos, gw->n + 1);

	load_named(ld, ix, &s->maps[SEC_SERVICES], CK_SERVICE, kp, sp->services, sizeof(*sp->services),
		   &sp->nservices, load_service);
	load_named(ld, ix, &s->maps[SEC_CACHES], CK_CACHE, kp, sp->caches, sizeof(*sp->caches), &sp->ncaches,
		   load_cache);
	load_named(ld, ix, &s->maps[SEC_DATASTORES], CK_DATASTORE, kp, sp->datastores, sizeof(*sp->datastores),
		   &sp->ndatastores, load_datastore);
	load_named(ld, ix, &s->maps[SEC_QUEUES], CK_QUEUE, kp, sp->queues, sizeof(*sp->queues), &sp->nqueues,
		   load_queue);
	/* a GPU workload is a list item that carries its name inside */
	for (size_t i = 0; i < gw->n; i++) {
		const struct sp_ynode *v = gw->v[i].val;
		const struct sp_ynode *nk;
		const struct sp_ynode *nv = v->kind == SP_Y_MAP ? sp_ymap_get(v, "name", &nk) : NULL;
		if (nv && nv->kind == SP_Y_SCALAR) {
			kp[4][sp->ngpus] = nv->pos;
			if (register_name(ld, ix, nv, CK_GPU, sp->ngpus, (const struct sp_pos *const *)kp) < 0)
				continue;
		}
		load_gpu(ld, v, &sp->gpus[sp->ngpus++]);
	}
	sp->tiers.committed_term_months = 12;
	sp->tiers.spot_max_share = 0.3;
	if (s->gpu_tiers)
		load_tiers(ld, s->gpu_tiers, &sp->tiers);
}

/* ---- references --------------------------------------------------------------------------- */

static const char **component_names(struct sp_spec *sp, size_t *n)
{
	size_t total = sp->nservices + sp->ncaches + sp->ndatastores + sp->nqueues + sp->ngpus, k = 0;
	const char **v = sp_xmalloc((total ? total : 1) * sizeof(*v));
	for (size_t i = 0; i < sp->nservices; i++)
		v[k++] = sp->services[i].name;
	for (size_t i = 0; i < sp->ncaches; i++)
		v[k++] = sp->caches[i].name;
	for (size_t i = 0; i < sp->ndatastores; i++)
		v[k++] = sp->datastores[i].name;
	for (size_t i = 0; i < sp->nqueues; i++)
		v[k++] = sp->queues[i].name;
	for (size_t i = 0; i < sp->ngpus; i++)
		v[k++] = sp->gpus[i].name;
	*n = k;
	return v;
}

/* Looks a component up; reports an undefined one with a suggestion. */
static int lookup(struct sp_ld *ld, struct spec_index *ix, const char *name, struct sp_pos pos, const char *role,
		  enum comp_kind *kind, size_t *idx)
{
	uint32_t v;
	if (sp_hmap_get(&ix->components, name, &v) == 0) {
		*kind = (enum comp_kind)(v >> 28);
		*idx = v & 0x0fffffff;
		return 0;
	}
	size_t n;
	const char **names = component_names(ld->spec, &n);
	const char *best = sp_suggest(name, names, n);
	if (best)
		sp_error(ld->d, pos, "%s '%s' is not defined; did you mean '%s'?", role, name, best);
	else
		sp_error(ld->d, pos, "%s '%s' is not defined", role, name);
	free(names);
	return -1;
}

static void resolve_driver(struct sp_ld *ld, struct spec_index *ix, const char *name, struct sp_pos pos,
			   const struct sp_driver **out)
{
	uint32_t v;
	if (!name)
		return;
	if (sp_hmap_get(&ix->drivers, name, &v) == 0) {
		*out = &ld->spec->drivers[v];
		return;
	}
	const char **names = sp_xmalloc((ld->spec->ndrivers + 1) * sizeof(*names));
	for (size_t i = 0; i < ld->spec->ndrivers; i++)
		names[i] = ld->spec->drivers[i].name;
	const char *best = sp_suggest(name, names, ld->spec->ndrivers);
	if (best)
		sp_error(ld->d, pos, "driver '%s' is not defined; did you mean '%s'?", name, best);
	else if (!ld->spec->ndrivers)
		sp_error(ld->d, pos, "driver '%s' is not defined (the spec has no 'drivers' section)", name);
	else
		sp_error(ld->d, pos, "driver '%s' is not defined", name);
	free(names);
}

/* Resolves the target of call c, and the cache it goes through, and checks
 * that its keys fit the target's kind. */
static void resolve_call(struct sp_ld *ld, struct spec_index *ix, struct sp_call *c)
{
	enum comp_kind k;
	size_t idx;
	if (!*c->to || lookup(ld, ix, c->to, c->to_pos, "call target", &k, &idx) < 0)
		return;
	switch (k) {
	case CK_SERVICE:
		c->kind = SP_CALL_SERVICE;
		break;
	case CK_DATASTORE:
		c->kind = SP_CALL_DATASTORE;
		break;
	case CK_CACHE:
		c->kind = SP_CALL_CACHE;
		break;
	case CK_GPU:
		c->kind = SP_CALL_GPU;
		if (ld->spec->gpus[idx].kind != SP_GPU_INFERENCE)
			sp_error(ld->d, c->to_pos,
				 "'%s' is a training workload; only inference workloads take calls", c->to);
		break;
	case CK_QUEUE:
		sp_error(ld->d, c->to_pos,
			 "'%s' is a queue: a service produces to a queue through the queue's 'from' and 'per_request', not through 'calls'",
			 c->to);
		return;
	}
	if (c->kind == SP_CALL_DATASTORE) {
		if (c->has_per_request)
			sp_error(ld->d, c->pos,
				 "a call to datastore '%s' takes 'reads_per_request' and 'writes_per_request', not 'per_request'",
				 c->to);
		else if (!c->has_reads && !c->has_writes)
			sp_error(ld->d, c->pos,
				 "a call to datastore '%s' needs 'reads_per_request' or 'writes_per_request'",
				 c->to);
	} else if (c->has_reads || c->has_writes) {
		sp_error(ld->d, c->pos,
			 "'reads_per_request' and 'writes_per_request' apply to datastore calls; '%s' is a %s, use 'per_request'",
			 c->to, comp_kind_names[k]);
	}
	if (c->via_cache) {
		enum comp_kind ck;
		size_t cidx;
		if (lookup(ld, ix, c->via_cache, c->via_pos, "cache", &ck, &cidx) == 0 && ck != CK_CACHE)
			sp_error(ld->d, c->via_pos, "'via_cache' names '%s', which is a %s, not a cache",
				 c->via_cache, comp_kind_names[ck]);
		else if (c->kind == SP_CALL_CACHE)
			sp_error(ld->d, c->via_pos, "a call to a cache cannot go through another cache");
	}
}

/* An SLO below the service-time tail cannot be met by adding servers:
 * P(T > t) >= e^(-t/S), so t must be at least S * -ln(1 - q), the floor of
 * model/queueing.c (linear in S: milliseconds in, milliseconds out). */
static void check_slo_floor(struct sp_ld *ld, const struct sp_service *s)
{
	if (!s->has_latency_slo || !(s->cpu_ms_per_request > 0))
		return;
	if (s->cpu_reference || s->instance_auto)
		return;   /* on another SKU's speed: sp_choose_check, with the catalog */
	double floor_ms = sp_q_min_slo_s(s->cpu_ms_per_request, s->slo_quantile);
	if (s->slo_ms <= floor_ms * (1 + 1e-9))
		sp_error(ld->d, s->slo_pos,
			 "service '%s': the p%g latency target of %g ms is unreachable: with %g ms of work per request, no number of servers brings p%g below %.1f ms; the smallest reachable target is %.0f ms",
			 s->name, s->slo_quantile * 100, s->slo_ms, s->cpu_ms_per_request, s->slo_quantile * 100,
			 floor_ms, floor(floor_ms) + 1);
}

void sp_load_components_resolve(struct sp_ld *ld, struct spec_index *ix)
{
	struct sp_spec *sp = ld->spec;

	for (size_t i = 0; i < sp->nservices; i++) {
		struct sp_service *s = &sp->services[i];
		if (s->demand.present)
			resolve_driver(ld, ix, s->demand.driver, s->demand.driver_pos, &s->demand.drv);
		check_slo_floor(ld, s);
		for (size_t j = 0; j < s->ncalls; j++)
			resolve_call(ld, ix, &s->calls[j]);
	}
	for (size_t i = 0; i < sp->nqueues; i++) {
		struct sp_queue *q = &sp->queues[i];
		enum comp_kind k;
		size_t idx;
		if (*q->from && lookup(ld, ix, q->from, q->from_pos, "producer", &k, &idx) == 0 && k != CK_SERVICE)
			sp_error(ld->d, q->from_pos, "queue '%s': 'from' must name a service; '%s' is a %s", q->name,
				 q->from, comp_kind_names[k]);
		if (*q->worker && lookup(ld, ix, q->worker, q->worker_pos, "worker", &k, &idx) == 0 && k != CK_SERVICE)
			sp_error(ld->d, q->worker_pos, "queue '%s': 'worker' must name a service; '%s' is a %s",
				 q->name, q->worker, comp_kind_names[k]);
	}
	for (size_t i = 0; i < sp->ngpus; i++)
		if (sp->gpus[i].demand.present)
			resolve_driver(ld, ix, sp->gpus[i].demand.driver, sp->gpus[i].demand.driver_pos,
				       &sp->gpus[i].demand.drv);
	for (size_t i = 0; i < sp->ndatastores; i++)
		resolve_driver(ld, ix, sp->datastores[i].storage_driver, sp->datastores[i].storage_driver_pos,
			       &sp->datastores[i].storage_drv);
}
