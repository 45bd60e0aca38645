/* The typed spec: every section of a scaleplan YAML file, each object carrying
 * the position it came from so that any later stage (graph, model, planner) can
 * report an error at the right line. All memory lives in the spec's arena.
 *
 * Units are in the names: _ms milliseconds, _gb gigabytes, _per_day, _per_s.
 * Months are "month numbers" (sp_month): year*12 + (month-1), so 2027-01 is
 * 2027*12 and arithmetic on them is plain integer arithmetic. */
#ifndef SP_SPEC_H
#define SP_SPEC_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/diag.h"

struct sp_ynode;

typedef int sp_month;             /* year*12 + month-1; SP_NO_MONTH when unset */
#define SP_NO_MONTH (-1)
#define SP_SCHEMA_VERSION 1

/* "2027-04" -> month number: 0 and *out, or -1 on a malformed text or a year
 * outside 1970..2200. */
int sp_month_parse(const char *s, sp_month *out);
/* Writes "YYYY-MM" into buf (at least 8 bytes); "-" for SP_NO_MONTH. */
void sp_month_format(sp_month m, char *buf);

/* ---- drivers (growth forecasts) ---------------------------------------- */
enum sp_driver_model {
	SP_DRV_CONSTANT,
	SP_DRV_LINEAR,
	SP_DRV_EXPONENTIAL,
	SP_DRV_LOGISTIC,
	SP_DRV_PIECEWISE,
};

struct sp_point {
	sp_month month;
	double value;
	struct sp_pos pos;
};

struct sp_event {
	const char *name;
	sp_month month;
	double multiplier;          /* > 0; applied to that month's peak */
	struct sp_pos pos;
};

struct sp_driver {
	const char *name;
	struct sp_pos pos;
	const char *unit;           /* free text ("users"), for labels; may be NULL */
	enum sp_driver_model model;
	double start;               /* D0 at the horizon's start (not for piecewise) */
	double monthly_growth;      /* exponential/logistic: rate per month */
	int growth_is_annual;       /* the user gave annual_growth (monthly_growth derived) */
	double annual_growth;
	double per_month;           /* linear: increase per month */
	double ceiling;             /* logistic: K */
	struct sp_point *points;    /* piecewise, sorted by month */
	size_t npoints;
	int has_uncertainty;
	double p10, p90;            /* multiplier band on growth (Monte Carlo) */
	double seasonality[12];     /* multiplicative, jan..dec; 1.0 when absent */
	struct sp_event *events;
	size_t nevents;
};

/* ---- regions ------------------------------------------------------------ */
struct sp_region {
	const char *name;
	struct sp_pos pos;
	int zones;                  /* >= 1 */
	double share;               /* fraction of the driver's demand served here, (0, 1] */
	sp_month from;              /* first active month; SP_NO_MONTH = from the start */
};

/* ---- common pieces --------------------------------------------------------- */
enum sp_class { SP_CLASS_WEB, SP_CLASS_WORKER, SP_CLASS_BATCH, SP_CLASS_DEV };
/* Names of each enum's values, in enum order, NULL-terminated (the spelling the spec uses). */
extern const char *const sp_class_names[];          /* web, worker, batch, dev */
extern const char *const sp_driver_model_names[];   /* constant, linear, ... */
extern const char *const sp_cache_engine_names[];
extern const char *const sp_db_engine_names[];
extern const char *const sp_shard_strategy_names[];
extern const char *const sp_gpu_kind_names[];
extern const char *const sp_tier_names[];
/* scaling.balancing: how a service's balancer spreads requests (model/balance.h) */
enum sp_balancing { SP_BAL_LEAST_OUTSTANDING, SP_BAL_ROUND_ROBIN, SP_BAL_RANDOM };
extern const char *const sp_balancing_names[];      /* least_outstanding, round_robin, random */

struct sp_lifecycle {
	int prevent_destroy;        /* a plan that would destroy it fails */
	int allow_zero;             /* the planner may scale it to zero without a protection error */
	struct sp_pos prevent_destroy_pos;   /* where prevent_destroy: true is set */
};

/* The top-level lifecycle: rules for a whole plan. */
struct sp_plan_rules {
	int has_max_deletes;        /* lifecycle.max_deletes given */
	int max_deletes;            /* a plan that destroys more resources fails (exit 3) */
	struct sp_pos max_deletes_pos;
};

/* A demand source fed by a driver. */
struct sp_demand {
	const char *driver;         /* name of a driver */
	struct sp_pos driver_pos;
	const struct sp_driver *drv;   /* resolved by validation */
	double requests_per_unit_per_day;
	double peak_to_average;     /* >= 1; default 1 */
	struct sp_pos pos;
	int present;
};

/* ---- services ----------------------------------------------------------- */
enum sp_call_kind {
	SP_CALL_SERVICE,            /* to another service (per_request) */
	SP_CALL_DATASTORE,          /* reads_per_request / writes_per_request */
	SP_CALL_CACHE,              /* direct cache use (per_request ops) */
	SP_CALL_GPU,                /* to a GPU inference workload (per_request) */
};

struct sp_call {
	const char *to;
	struct sp_pos pos, to_pos;
	enum sp_call_kind kind;     /* resolved by validation from the target's kind */
	double per_request;         /* default 1.0 */
	const char *via_cache;      /* cache in front of the callee; NULL when none */
	struct sp_pos via_pos;
	double reads_per_request;   /* datastore calls */
	double writes_per_request;
	int has_per_request, has_reads, has_writes;
	double request_kb, response_kb;   /* bytes each call (each read or write) carries, KB; 0 = not given */
};

struct sp_usl {                 /* Universal Scalability Law fit of a load test */
	int present;
	double lambda_rps;          /* throughput of one worker (N = 1) */
	double sigma, kappa;        /* contention, coherency */
	struct sp_pos pos;
};

struct sp_service {
	const char *name;
	struct sp_pos pos;
	enum sp_class cls;
	struct sp_demand demand;    /* optional: external demand from a driver */
	double cpu_ms_per_request;  /* > 0 */
	struct sp_usl usl;
	const char *instance;       /* instance type SKU, e.g. m7i.large */
	struct sp_pos instance_pos;
	int has_latency_slo;
	double slo_quantile;        /* (0, 1) */
	double slo_ms;              /* > 0 */
	struct sp_pos slo_pos;
	double availability;        /* percent, (0, 100); 0 when unset */
	double egress_kb_per_request;   /* work.egress_kb_per_request: internet egress, KB (1,000 bytes); 0 = none */
	double target_utilization;  /* (0, 1], default 0.5 */
	int min, max;               /* instances; max 0 = unbounded */
	/* scaling.autoscale, profile, weekly (model/profile.h) */
	int autoscale;              /* billed for each hour's instances; default by class */
	int has_profile, has_weekly;
	double profile[24];         /* relative load of each hour, local time, > 0 */
	double weekly[7];           /* relative load of each day, Monday first, > 0 */
	struct sp_pos profile_pos;  /* scaling.profile, else scaling.weekly, else the service */
	enum sp_balancing balancing;    /* scaling.balancing; default least_outstanding */
	struct sp_call *calls;
	size_t ncalls;
	struct sp_lifecycle lifecycle;
	/* instance choice and memory (docs/model.md, "CPU speed, memory and the instance type") */
	const char *cpu_reference;  /* work.cpu_reference: the SKU cpu_ms_per_request was measured on; NULL = the catalog's reference */
	struct sp_pos cpu_reference_pos;
	double memory_mb_per_instance;  /* work.memory_mb_per_instance: fixed footprint, MB; 0 = none */
	double memory_mb_per_request;   /* work.memory_mb_per_request: per request in flight, MB; 0 = none */
	struct sp_pos memory_pos;       /* the work mapping, for memory errors */
	int instance_auto;          /* instance: auto */
	const char **families;      /* families: [m7i, c7i]; with instance: auto only */
	size_t nfamilies;
	struct sp_pos *families_pos;/* each family's position */
};

/* ---- caches, datastores, queues --------------------------------------------- */
enum sp_cache_engine { SP_CACHE_REDIS, SP_CACHE_MEMCACHED, SP_CACHE_VALKEY };

struct sp_cache {
	const char *name;
	struct sp_pos pos;
	enum sp_cache_engine engine;
	const char *node;           /* node type SKU, e.g. cache.r6g.large */
	struct sp_pos node_pos;
	double hit_rate;            /* [0, 1) */
	double working_set_gb;      /* memory the hot set needs at the start; 0 = unknown */
	double working_set_gb_per_unit;   /* grows with the callers' driver */
	double ops_per_s_per_node;  /* default 100000 */
	int min_nodes;              /* default 1 */
	struct sp_lifecycle lifecycle;
};

enum sp_db_engine { SP_DB_POSTGRES, SP_DB_MYSQL, SP_DB_AURORA, SP_DB_MONGODB, SP_DB_DYNAMODB, SP_DB_CASSANDRA };
enum sp_shard_strategy { SP_SHARD_NONE, SP_SHARD_HASH, SP_SHARD_RANGE, SP_SHARD_DIRECTORY };

struct sp_datastore {
	const char *name;
	struct sp_pos pos;
	enum sp_db_engine engine;
	const char *instance;       /* SKU, e.g. db.r6g.xlarge */
	struct sp_pos instance_pos;
	double write_tps_per_node;  /* > 0 */
	double read_qps_per_replica;/* > 0 */
	double write_utilization;   /* u in shards = ceil(write_tps / (u * per_node)); default 0.65 */
	double availability;        /* percent; >= 99.9 asks for an HA replica */
	int multi_az;
	int min_replicas;           /* default 0 */
	double storage_start_gb;
	double storage_gb_per_unit_month;   /* grows with the driver named below */
	const char *storage_driver; /* default: the driver of the first caller with demand */
	struct sp_pos storage_driver_pos;
	const struct sp_driver *storage_drv;
	int sharded;
	const char *shard_key;
	enum sp_shard_strategy shard_strategy;
	double max_gb_per_shard;
	int reshard_lead_months;    /* default 6 */
	int replica_lead_months;    /* default 1 */
	struct sp_lifecycle lifecycle;
};

struct sp_queue {
	const char *name;
	struct sp_pos pos;
	const char *from;           /* producer service */
	struct sp_pos from_pos;
	double per_request;         /* messages per producer request */
	const char *worker;         /* consumer service */
	struct sp_pos worker_pos;
	double max_backlog_age_s;   /* drain target; default 60 */
	double message_kb;          /* default 1 */
	struct sp_lifecycle lifecycle;
};

/* ---- GPUs ------------------------------------------------------------------- */
enum sp_gpu_kind { SP_GPU_INFERENCE, SP_GPU_TRAINING };
enum sp_tier { SP_TIER_AUTO, SP_TIER_COMMITTED, SP_TIER_ON_DEMAND, SP_TIER_SPOT };

struct sp_gpu_workload {
	const char *name;
	struct sp_pos pos;
	enum sp_gpu_kind kind;
	const char *gpu;            /* GPU model, e.g. h100 */
	struct sp_pos gpu_pos;
	enum sp_tier tier;          /* preferred purchase tier; auto = by kind */
	/* inference */
	struct sp_demand demand;
	double tokens_per_request;
	double tokens_per_s_per_gpu;
	int gpus_per_replica;       /* a model sharded over several GPUs; default 1 */
	int n_plus_one;             /* default 1 (docs/model.md: +1 GPU for N+1) */
	/* training */
	double params_b;            /* parameters, billions */
	double tokens_b;            /* training tokens, billions */
	double mfu;                 /* (0, 1], default 0.4 */
	double goodput;             /* (0, 1], default SP_GPU_DEFAULT_GOODPUT: useful share of GPU-hours paid */
	double peak_tflops;         /* per GPU; 0 = from the GPU model */
	int every_months;           /* 0 = once */
	sp_month start;             /* first run; SP_NO_MONTH = horizon start */
	int run_months;             /* a run's spread, default 1 */
	struct sp_lifecycle lifecycle;
};

struct sp_gpu_tiers {
	int committed;              /* a committed tier is declared */
	int committed_term_months;  /* 12 or 36 */
	int on_demand;
	int spot;
	double spot_max_share;      /* (0, 1] */
	struct sp_pos pos;
};

/* ---- top-level settings ----------------------------------------------------- */
struct sp_budgets {
	double monthly_max;         /* 0 = none */
	double total_max;           /* over the horizon; 0 = none */
	struct sp_pos monthly_pos, total_pos;
};

struct sp_kv {
	const char *key, *value;
	struct sp_pos pos;
};

/* How scaleplan reaches a server (the etcd and HTTP state backends, the REST
 * provider). Credentials may also come from the environment (docs/spec.md
 * names the variables), which wins over the spec; they are never printed
 * and never written to a state or plan file. */
struct sp_remote_cfg {
	const char *username, *password;   /* NULL: none */
	const char *ca_file, *cert_file, *key_file;
	int insecure_skip_verify;          /* TLS verification off, by name only */
	double timeout_s;                  /* one request; default 10 */
	int retry_max;                     /* retries after the first attempt; default 4 */
	double retry_wait_min_s, retry_wait_max_s;  /* backoff bounds; default 0.2 and 5 */
};

struct sp_provider_cfg {
	const char *kind;           /* "local" or "rest" */
	const char *path;           /* local: folder of resource files (default .scaleplan/infra) */
	const char *url;            /* rest: the API's base URL */
	struct sp_kv *headers;      /* rest: sent with every request; ${VAR} is read from the environment */
	size_t nheaders;
	struct sp_remote_cfg remote;
	struct sp_pos pos;
};

struct sp_state_cfg {
	const char *backend;        /* "local", "etcd" or "http" */
	const char *path;           /* local: state file (default .scaleplan/state.json) */
	/* etcd */
	const char **endpoints;     /* http(s)://host:port of the members */
	size_t nendpoints;
	const char *prefix;         /* key prefix; default "scaleplan/<name>" */
	int lock_ttl_s;             /* the lock's lease; default 60 */
	/* http (Terraform's protocol) */
	const char *address, *lock_address, *unlock_address;
	const char *update_method, *lock_method, *unlock_method;  /* POST, LOCK, UNLOCK */
	struct sp_remote_cfg remote;
	struct sp_pos pos;
};

/* The defaults: local, .scaleplan/state.json and .scaleplan/infra; etcd's
 * prefix "scaleplan/<name>" (name may be NULL: "scaleplan/default"), lock
 * TTL 60 s; the HTTP backend's POST, LOCK and UNLOCK; timeouts and retries
 * as struct sp_remote_cfg says. Strings are static or in a. */
void sp_state_cfg_init(struct sp_state_cfg *c, const char *name, struct sp_arena *a);
void sp_provider_cfg_init(struct sp_provider_cfg *c);

struct sp_pricing_cfg {
	const char *catalog;        /* shipped catalog name or a path; default aws-us-east-1 */
	struct sp_pos pos;
	double spot_discount;       /* overrides the catalog's; 0 = catalog */
	double spot_interruption_overhead;  /* extra capacity for interruptions; default 0.1 */
};

struct sp_spec {
	struct sp_arena arena;      /* owns everything below */
	const struct sp_src **srcs; /* every file loaded */
	size_t nsrcs;
	/* each file's YAML tree (roots[i] of srcs[i]; NULL for a file with no
	 * document), kept in the arena for comparing two specs key by key */
	const struct sp_ynode **roots;
	struct sp_pos pos;          /* first file's top */

	int schema;                 /* `scaleplan:` version */
	const char *name;
	sp_month start;             /* horizon.start */
	int months;                 /* horizon.months, 1..120 */
	int lead_time_months;       /* horizon.lead_time_months, default 1 */
	const char *currency;       /* default USD */
	struct sp_pos currency_pos; /* its value, when the spec sets it */
	struct sp_provider_cfg provider;
	struct sp_state_cfg state;
	struct sp_pricing_cfg pricing;
	struct sp_budgets budgets;
	struct sp_plan_rules lifecycle;

	struct sp_driver *drivers;             size_t ndrivers;
	struct sp_region *regions;             size_t nregions;
	struct sp_service *services;           size_t nservices;
	struct sp_cache *caches;               size_t ncaches;
	struct sp_datastore *datastores;       size_t ndatastores;
	struct sp_queue *queues;               size_t nqueues;
	struct sp_gpu_workload *gpus;          size_t ngpus;
	struct sp_gpu_tiers tiers;
	struct sp_kv *tags;                    size_t ntags;

	void *index_;               /* private: name index (model/load.c) */
};

/* Limits on hostile input. */
#define SP_MAX_FILE_BYTES (64u * 1024 * 1024)
#define SP_MAX_DEPTH 64
#define SP_MAX_NODES (8u * 1024 * 1024)

/* Loads FILE, or every *.yaml / *.yml in a directory (sorted by name) as one
 * spec, validates it and resolves references. Every problem is added to diags.
 * Returns 0 and *out (free with sp_spec_free) when there is no error; -1 when
 * any error was found (*out is then NULL). Reads files; never prints. */
int sp_spec_load(struct sp_spec **out, const char *path, struct sp_diags *diags);
/* The same from a string, named `name` in messages (tests, init). */
int sp_spec_load_string(struct sp_spec **out, const char *name, const char *text, size_t len,
			struct sp_diags *diags);
/* The same from n files already in memory (a spec read from a git tree),
 * loaded in the order given as sp_spec_load loads a folder's files: srcs[i]
 * names each in messages ("origin/main:specs/api.yaml", so an error reads
 * origin/main:specs/api.yaml:12:3) and holds its bytes; names and bytes are
 * copied. A file over SP_MAX_FILE_BYTES is an error; n == 0 is one. Returns
 * as sp_spec_load. */
int sp_spec_load_srcs(struct sp_spec **out, const struct sp_src *srcs, size_t n, struct sp_diags *diags);
/* Frees spec, its index and everything in its arena; NULL is a no-op. Whatever
 * points into the spec (a graph, a forecast's names) must be gone first. */
void sp_spec_free(struct sp_spec *spec);

/* Lookups by name (NULL when absent); O(1) via the spec's index. */
const struct sp_driver *sp_spec_driver(const struct sp_spec *s, const char *name);

#endif
