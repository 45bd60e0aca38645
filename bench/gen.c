/* gen: writes a synthetic, valid scaleplan spec for benchmarks.
 *
 *   gen [-n SERVICES] [-s SEED] [-o FILE|DIR] [--split K] [-v]
 *
 * N services (svc-00000 ...) with a random acyclic call graph: service i only
 * calls services j > i, and a queue's worker always has a higher index than its
 * producer, so every edge (call or queue) goes from a lower to a higher index.
 * Proportional caches (~N/20), datastores (~N/10), queues (~N/25), a few GPU
 * inference workloads, 2 drivers, 2 regions. Only the first ~5% of services (the
 * edge tier) have `demand:`; every other service is reached by a call or, for
 * queue workers, by its queue. The per-request fan-out of a service sums to at
 * most ~0.9, so the load pushed down the graph stays bounded however deep it is.
 *
 * Deterministic: the same N and seed give the same bytes (own PRNG, no clock,
 * no locale). Without -o the spec goes to stdout. With --split K, K files are
 * written into the directory DIR: 00-main.yaml with the top-level settings,
 * drivers, regions, GPU workloads and budgets, then 10-services-001.yaml ...
 * with the services (and, to exercise merging, caches, datastores and queues)
 * split into K-1 contiguous chunks. -v prints a summary of the graph on stderr.
 *
 * Only the C standard library, plus mkdir/opendir for --split. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#define MAX_SVC_CALLEES 4       /* random callees per service; the reachability pass may add one */
#define FANOUT_BUDGET 0.9       /* sum of per_request (calls + queues) per service, at most */
#define MAX_SPLIT 1000

/* ---- PRNG: splitmix64, the same sequence on every platform ------------------ */
static uint64_t rng_state;

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static long rng_below(long n)
{
	return (long)(rng_next() % (uint64_t)n);
}

/* Uniform in [lo, hi], integers. */
static long rng_range(long lo, long hi)
{
	return lo + rng_below(hi - lo + 1);
}

/* True with probability pct/100. */
static int rng_pct(int pct)
{
	return rng_below(100) < pct;
}

/* A value in [lo, hi] on a grid of `steps` steps: printed values stay short. */
static double rng_grid(double lo, double hi, int steps)
{
	return lo + (hi - lo) * (double)rng_below(steps + 1) / steps;
}

/* ---- the model ------------------------------------------------------------ */
enum { CALL_SVC, CALL_DB };

struct call {
	int kind;
	int to;                 /* service or datastore index */
	double per_request;     /* service calls */
	int via_cache;          /* -1 when none */
	double reads, writes;   /* datastore calls */
};

struct svc {
	int is_edge, is_worker;
	int driver;             /* edge: 0 mau, 1 tenants */
	double rpupd, peak_to_average;
	int cpu_ms;
	const char *instance;
	double quantile;
	int slo_ms;
	double availability;
	double target_util;
	int min, max;
	double queue_share;     /* per_request already promised to queues it produces */
	struct call *calls;
	int ncalls, cap;
	int nsvc_callees;
	int indeg;
};

struct cache {
	const char *engine, *node;
	double hit_rate;
	int used;
};

struct db {
	const char *engine, *instance;
	int write_tps, read_qps;
	int start_gb;
	double gb_per_unit_month;
	int sharded;
	const char *key, *strategy;
	int max_gb_per_shard;
	int used;
};

struct queue {
	int from, worker;
	double per_request;
};

struct gpu {
	int driver;
	double rpupd;
	int tokens_per_request;
	const char *model;
	int tokens_per_s_per_gpu;
};

struct spec {
	long n, ncache, ndb, nq, ngpu, nedge;
	unsigned long long seed;
	int wsvc, wother;       /* zero-padded widths of the names */
	struct svc *svcs;
	struct cache *caches;
	struct db *dbs;
	struct queue *queues;
	struct gpu *gpus;
};

static const char *const drivers[] = {"mau", "tenants"};

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) {
		fprintf(stderr, "gen: out of memory\n");
		exit(1);
	}
	return p;
}

static struct call *add_call(struct svc *s)
{
	if (s->ncalls == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->calls = realloc(s->calls, (size_t)s->cap * sizeof *s->calls);
		if (!s->calls) {
			fprintf(stderr, "gen: out of memory\n");
			exit(1);
		}
	}
	struct call *c = &s->calls[s->ncalls++];
	memset(c, 0, sizeof *c);
	c->via_cache = -1;
	return c;
}

static int calls_svc(const struct svc *s, int to)
{
	for (int k = 0; k < s->ncalls; k++)
		if (s->calls[k].kind == CALL_SVC && s->calls[k].to == to)
			return 1;
	return 0;
}

static int calls_db(const struct svc *s, int to)
{
	for (int k = 0; k < s->ncalls; k++)
		if (s->calls[k].kind == CALL_DB && s->calls[k].to == to)
			return 1;
	return 0;
}

static int call_after(const struct call *a, const struct call *b)
{
	return a->kind != b->kind ? a->kind > b->kind : a->to > b->to;
}

static void link_svc(struct spec *sp, int from, int to)
{
	struct call *c = add_call(&sp->svcs[from]);
	c->kind = CALL_SVC;
	c->to = to;
	sp->svcs[from].nsvc_callees++;
	sp->svcs[to].indeg++;
}

/* First index >= j that i may call (not a queue worker, not already called), or -1. */
static long next_callee(const struct spec *sp, long i, long j)
{
	for (; j < sp->n; j++)
		if (!sp->svcs[j].is_worker && !calls_svc(&sp->svcs[i], (int)j))
			return j;
	return -1;
}

static int digits(long v)
{
	int d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

static void build(struct spec *sp)
{
	long n = sp->n;

	sp->ncache = n / 20;
	sp->ndb = n / 10 > 0 ? n / 10 : 1;
	sp->nq = n / 25;
	sp->ngpu = 2 + n / 2500 < 5 ? 2 + n / 2500 : 5;
	sp->nedge = (n + 19) / 20;              /* ceil(5%), at least 1 */
	sp->wsvc = digits(n - 1) > 5 ? digits(n - 1) : 5;
	long most = sp->ncache > sp->ndb ? sp->ncache : sp->ndb;
	most = most > sp->nq ? most : sp->nq;
	sp->wother = most > 0 && digits(most - 1) > 4 ? digits(most - 1) : 4;

	sp->svcs = xcalloc((size_t)n, sizeof *sp->svcs);
	sp->caches = xcalloc((size_t)sp->ncache, sizeof *sp->caches);
	sp->dbs = xcalloc((size_t)sp->ndb, sizeof *sp->dbs);
	sp->queues = xcalloc((size_t)sp->nq, sizeof *sp->queues);
	sp->gpus = xcalloc((size_t)sp->ngpu, sizeof *sp->gpus);

	rng_state = sp->seed;

	/* Queue workers first: distinct services outside the edge tier. Nobody calls
	 * them; their queue is their only input. */
	for (long q = 0; q < sp->nq; q++) {
		long w;
		do
			w = rng_range(sp->nedge, n - 1);
		while (sp->svcs[w].is_worker);
		sp->svcs[w].is_worker = 1;
		/* producer: a lower index, usually a near one */
		long back = rng_pct(80) ? 1 + rng_below(w < 20 ? w : 20) : 1 + rng_below(w);
		sp->queues[q].worker = (int)w;
		sp->queues[q].from = (int)(w - back);
		sp->queues[q].per_request = rng_grid(0.05, 0.3, 5);
		sp->svcs[w - back].queue_share += sp->queues[q].per_request;
	}
	/* Keep queues in producer order, so the output reads top-down (insertion sort,
	 * stable, deterministic). */
	for (long a = 1; a < sp->nq; a++) {
		struct queue t = sp->queues[a];
		long b = a;
		for (; b > 0 && sp->queues[b - 1].from > t.from; b--)
			sp->queues[b] = sp->queues[b - 1];
		sp->queues[b] = t;
	}

	/* Service calls: 0-4 callees, mostly near, some long jumps. */
	static const int kdist[] = {20, 30, 25, 15, 10};   /* % for 0..4 callees */
	for (long i = 0; i < n; i++) {
		int r = (int)rng_below(100), k = 0;
		for (int acc = kdist[0]; r >= acc && k < MAX_SVC_CALLEES; acc += kdist[++k])
			;
		for (int c = 0; c < k; c++) {
			long j;
			if (rng_pct(85))
				j = i + 1 + rng_below(1 + rng_below(12));   /* near: 1..12, biased to 1 */
			else if (i + 1 < n)
				j = rng_range(i + 1, n - 1);                /* long jump */
			else
				j = n;
			if (j >= n)
				continue;
			j = next_callee(sp, i, j);
			if (j < 0)
				continue;
			link_svc(sp, (int)i, (int)j);
		}
	}

	/* Reachability: every service outside the edge tier has a caller (or a queue). */
	for (long j = sp->nedge; j < n; j++) {
		if (sp->svcs[j].indeg || sp->svcs[j].is_worker)
			continue;
		long span = j < 16 ? j : 16, i = j - 1 - rng_below(span);
		for (long tries = 0; tries < span && sp->svcs[i].nsvc_callees >= MAX_SVC_CALLEES; tries++)
			i = i > j - span ? i - 1 : j - 1;
		link_svc(sp, (int)i, (int)j);
	}

	/* Datastore calls: services mostly use the datastores of their own "domain"
	 * (datastore index proportional to the service index). */
	for (long i = 0; i < n; i++) {
		struct svc *s = &sp->svcs[i];
		int r = (int)rng_below(100), k = r < 55 ? 0 : r < 90 ? 1 : 2;
		for (int c = 0; c < k; c++) {
			long home = i * sp->ndb / n;
			long d = rng_pct(85) ? home + rng_range(-2, 2) : rng_below(sp->ndb);
			if (d < 0)
				d = 0;
			if (d >= sp->ndb)
				d = sp->ndb - 1;
			if (calls_db(s, (int)d))
				continue;
			struct call *cl = add_call(s);
			cl->kind = CALL_DB;
			cl->to = (int)d;
			sp->dbs[d].used = 1;
		}
	}
	/* every datastore has a caller */
	for (long d = 0; d < sp->ndb; d++) {
		if (sp->dbs[d].used)
			continue;
		long i = d * n / sp->ndb;
		struct call *cl = add_call(&sp->svcs[i]);
		cl->kind = CALL_DB;
		cl->to = (int)d;
		sp->dbs[d].used = 1;
	}

	/* Weights: per_request of service calls shares what the queues left of the
	 * fan-out budget; some calls go through a cache. */
	for (long i = 0; i < n; i++) {
		struct svc *s = &sp->svcs[i];
		double budget = FANOUT_BUDGET - s->queue_share;
		if (budget < 0.1)
			budget = 0.1;
		for (int c = 0; c < s->ncalls; c++) {
			struct call *cl = &s->calls[c];
			if (cl->kind == CALL_SVC) {
				/* per_request in [0.3, 1] x budget/k, on a grid of 0.01 */
				double v = budget / s->nsvc_callees * rng_grid(0.3, 1.0, 7);
				v = (double)(long)(v * 100) / 100;
				cl->per_request = v >= 0.01 ? v : 0.01;
				if (sp->ncache && rng_pct(12)) {
					cl->via_cache = (int)rng_below(sp->ncache);
					sp->caches[cl->via_cache].used = 1;
				}
			} else {
				cl->reads = rng_grid(0.5, 5.0, 9);
				cl->writes = rng_grid(0.0, 0.5, 10);
			}
		}
	}
	/* calls in reading order: services by index, then datastores by index */
	for (long i = 0; i < n; i++) {
		struct svc *s = &sp->svcs[i];
		for (int a = 1; a < s->ncalls; a++) {
			struct call t = s->calls[a];
			int b = a;
			for (; b > 0 && call_after(&s->calls[b - 1], &t); b--)
				s->calls[b] = s->calls[b - 1];
			s->calls[b] = t;
		}
	}
	/* every cache is used: put the unused ones in front of some uncached call */
	for (long ci = 0; ci < sp->ncache; ci++) {
		if (sp->caches[ci].used)
			continue;
		long start = rng_below(n);
		for (long t = 0; t < n && !sp->caches[ci].used; t++) {
			struct svc *s = &sp->svcs[(start + t) % n];
			for (int c = 0; c < s->ncalls; c++) {
				if (s->calls[c].kind == CALL_SVC && s->calls[c].via_cache < 0) {
					s->calls[c].via_cache = (int)ci;
					sp->caches[ci].used = 1;
					break;
				}
			}
		}
	}

	/* Per-service settings. */
	static const char *const web_inst[] = {"m7i.large", "m7i.xlarge", "c7i.large", "c7i.xlarge", "r7i.large"};
	static const double avail[] = {99.9, 99.95, 99.99};
	for (long i = 0; i < n; i++) {
		struct svc *s = &sp->svcs[i];
		s->is_edge = i < sp->nedge;
		if (s->is_edge) {
			s->driver = rng_pct(80) ? 0 : 1;
			s->rpupd = s->driver == 0 ? (double)rng_range(1, 40) : (double)rng_range(200, 5000);
			s->peak_to_average = rng_grid(1.5, 4.0, 5);
		}
		s->cpu_ms = (int)rng_range(2, 60);
		s->instance = web_inst[rng_below(5)];
		s->quantile = rng_pct(70) ? 0.99 : 0.95;
		/* The loader rejects a target below what one request's work allows at that
		 * quantile (about cpu_ms x ln(1/(1-q)): 4.6 at p99, 3.0 at p95); aim
		 * 1.5-3x above it, rounded up to 10 ms. */
		double floor_ms = s->cpu_ms * (s->quantile > 0.98 ? 4.61 : 3.0) * rng_grid(1.5, 3.0, 6);
		s->slo_ms = ((int)floor_ms / 10 + 1) * 10;
		if (s->is_edge && s->slo_ms < 150)
			s->slo_ms = 150;
		s->availability = avail[rng_below(3)];
		s->target_util = s->is_worker ? 0.7 : rng_pct(80) ? 0.5 : 0.6;
		s->min = s->is_edge ? 3 : (int)rng_range(2, 3);
		s->max = (int)rng_range(5, 40) * 10;
	}

	static const char *const cache_node[] = {"cache.r6g.large", "cache.r6g.xlarge"};
	static const char *const cache_engine[] = {"redis", "redis", "memcached", "valkey"};
	for (long c = 0; c < sp->ncache; c++) {
		sp->caches[c].engine = cache_engine[rng_below(4)];
		sp->caches[c].node = cache_node[rng_below(2)];
		sp->caches[c].hit_rate = rng_grid(0.5, 0.95, 9);
	}

	static const char *const db_inst[] = {"db.r6g.large", "db.r6g.xlarge", "db.r6g.2xlarge"};
	static const char *const db_engine[] = {"postgres", "postgres", "mysql"};
	static const char *const shard_key[] = {"tenant_id", "user_id", "account_id"};
	static const char *const shard_strategy[] = {"hash", "hash", "range"};
	for (long d = 0; d < sp->ndb; d++) {
		struct db *b = &sp->dbs[d];
		b->engine = db_engine[rng_below(3)];
		b->instance = db_inst[rng_below(3)];
		b->write_tps = (int)rng_range(2, 10) * 1000;
		b->read_qps = (int)rng_range(10, 30) * 1000;
		b->start_gb = (int)rng_range(1, 50) * 10;
		b->gb_per_unit_month = rng_grid(0.00001, 0.0001, 9);
		b->sharded = rng_pct(30);
		b->key = shard_key[rng_below(3)];
		b->strategy = shard_strategy[rng_below(3)];
		b->max_gb_per_shard = (int)rng_range(1, 4) * 1000;
	}

	static const char *const gpu_model[] = {"h100", "a100"};
	for (long g = 0; g < sp->ngpu; g++) {
		struct gpu *w = &sp->gpus[g];
		w->driver = rng_pct(75) ? 0 : 1;
		w->rpupd = w->driver == 0 ? (double)rng_range(1, 5) : (double)rng_range(20, 200);
		w->tokens_per_request = (int)rng_range(2, 20) * 100;
		w->model = gpu_model[rng_below(2)];
		w->tokens_per_s_per_gpu = w->model[0] == 'h' ? (int)rng_range(28, 40) * 100
							     : (int)rng_range(12, 20) * 100;
	}
}

/* ---- emit ------------------------------------------------------------------ */
/* %g would print 1e-05; these print fixed decimals without trailing zeros. */
static const char *num(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.6f", v);
	char *e = buf + strlen(buf) - 1;
	while (*e == '0')
		*e-- = '\0';
	if (*e == '.')
		e[1] = '0', e[2] = '\0';   /* keep one decimal: 3.0 */
	return buf;
}

static void emit_header(FILE *f, const struct spec *sp)
{
	fprintf(f, "# generated by scaleplan bench/gen -n %ld -s %llu; do not edit\n", sp->n, sp->seed);
	fprintf(f, "scaleplan: 1\n"
		   "name: bench-%ld\n"
		   "horizon: {start: 2027-01, months: 60}\n"
		   "currency: USD\n"
		   "provider: {kind: local}\n"
		   "state: {backend: local}\n"
		   "pricing: {catalog: aws-us-east-1}\n",
		sp->n);
	fprintf(f, "drivers:\n"
		   "  mau:\n"
		   "    start: 150000\n"
		   "    model: logistic\n"
		   "    monthly_growth: 0.09\n"
		   "    ceiling: 4000000\n"
		   "    uncertainty: {p10: 0.7, p90: 1.5}\n"
		   "    seasonality: {nov: 1.6, dec: 1.4}\n"
		   "  tenants: {start: 800, model: exponential, annual_growth: 0.6}\n");
	fprintf(f, "regions:\n"
		   "  - {name: us-east-1, zones: 3, share: 1.0}\n"
		   "  - {name: eu-west-1, zones: 3, share: 0.35, from: 2028-01}\n");
}

static void emit_services(FILE *f, const struct spec *sp, long lo, long hi)
{
	char a[32], b[32];
	int w = sp->wsvc, wo = sp->wother;

	if (lo >= hi)
		return;
	fprintf(f, "services:\n");
	for (long i = lo; i < hi; i++) {
		const struct svc *s = &sp->svcs[i];
		fprintf(f, "  svc-%0*ld:\n", w, i);
		fprintf(f, "    class: %s\n", s->is_worker ? "worker" : "web");
		if (s->is_edge)
			fprintf(f, "    demand: {driver: %s, requests_per_unit_per_day: %s, peak_to_average: %s}\n",
				drivers[s->driver], num(a, sizeof a, s->rpupd), num(b, sizeof b, s->peak_to_average));
		fprintf(f, "    work: {cpu_ms_per_request: %d}\n", s->cpu_ms);
		fprintf(f, "    instance: %s\n", s->instance);
		if (s->is_worker)
			fprintf(f, "    slo: {availability: %s}\n", num(a, sizeof a, s->availability));
		else
			fprintf(f, "    slo: {latency: {quantile: %s, ms: %d}, availability: %s}\n",
				num(a, sizeof a, s->quantile), s->slo_ms, num(b, sizeof b, s->availability));
		fprintf(f, "    scaling: {target_utilization: %s, min: %d, max: %d}\n",
			num(a, sizeof a, s->target_util), s->min, s->max);
		if (!s->ncalls)
			continue;
		fprintf(f, "    calls:\n");
		for (int c = 0; c < s->ncalls; c++) {
			const struct call *cl = &s->calls[c];
			if (cl->kind == CALL_DB) {
				fprintf(f, "      - {to: db-%0*d, reads_per_request: %s, writes_per_request: %s}\n",
					wo, cl->to, num(a, sizeof a, cl->reads), num(b, sizeof b, cl->writes));
			} else if (cl->via_cache >= 0) {
				fprintf(f, "      - {to: svc-%0*d, per_request: %s, via_cache: cache-%0*d}\n",
					w, cl->to, num(a, sizeof a, cl->per_request), wo, cl->via_cache);
			} else {
				fprintf(f, "      - {to: svc-%0*d, per_request: %s}\n",
					w, cl->to, num(a, sizeof a, cl->per_request));
			}
		}
	}
}

static void emit_caches(FILE *f, const struct spec *sp, long lo, long hi)
{
	char a[32];
	if (lo >= hi)
		return;
	fprintf(f, "caches:\n");
	for (long c = lo; c < hi; c++)
		fprintf(f, "  cache-%0*ld: {engine: %s, node: %s, hit_rate: %s}\n", sp->wother, c,
			sp->caches[c].engine, sp->caches[c].node, num(a, sizeof a, sp->caches[c].hit_rate));
}

static void emit_datastores(FILE *f, const struct spec *sp, long lo, long hi)
{
	char a[32];
	if (lo >= hi)
		return;
	fprintf(f, "datastores:\n");
	for (long d = lo; d < hi; d++) {
		const struct db *b = &sp->dbs[d];
		fprintf(f, "  db-%0*ld:\n", sp->wother, d);
		fprintf(f, "    engine: %s\n"
			   "    instance: %s\n"
			   "    write_tps_per_node: %d\n"
			   "    read_qps_per_replica: %d\n"
			   "    storage: {start_gb: %d, gb_per_unit_month: %s}\n",
			b->engine, b->instance, b->write_tps, b->read_qps, b->start_gb,
			num(a, sizeof a, b->gb_per_unit_month));
		if (b->sharded)
			fprintf(f, "    sharding: {key: %s, strategy: %s, max_gb_per_shard: %d}\n",
				b->key, b->strategy, b->max_gb_per_shard);
	}
}

static void emit_queues(FILE *f, const struct spec *sp, long lo, long hi)
{
	char a[32];
	if (lo >= hi)
		return;
	fprintf(f, "queues:\n");
	for (long q = lo; q < hi; q++)
		fprintf(f, "  q-%0*ld: {from: svc-%0*d, per_request: %s, worker: svc-%0*d}\n", sp->wother, q,
			sp->wsvc, sp->queues[q].from, num(a, sizeof a, sp->queues[q].per_request),
			sp->wsvc, sp->queues[q].worker);
}

static void emit_gpu_budgets(FILE *f, const struct spec *sp)
{
	char a[32];
	fprintf(f, "gpu:\n  workloads:\n");
	for (long g = 0; g < sp->ngpu; g++) {
		const struct gpu *w = &sp->gpus[g];
		fprintf(f, "    - {name: gpu-%0*ld, kind: inference, driver: %s, requests_per_unit_per_day: %s, "
			   "tokens_per_request: %d, gpu: %s, tokens_per_s_per_gpu: %d}\n",
			sp->wother, g, drivers[w->driver], num(a, sizeof a, w->rpupd), w->tokens_per_request,
			w->model, w->tokens_per_s_per_gpu);
	}
	fprintf(f, "budgets: {monthly_max: %ld}\n", 250000 + 2500 * sp->n);
}

/* ---- output ----------------------------------------------------------------- */
static int close_out(FILE *f, const char *path)
{
	int bad = ferror(f);
	if (f == stdout)
		bad |= fflush(f) != 0;
	else
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "gen: error: cannot write '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "gen: error: cannot open '%s': %s\n", path, strerror(errno));
	return f;
}

static int write_single(const struct spec *sp, const char *path)
{
	FILE *f = path ? open_out(path) : stdout;
	if (!f)
		return -1;
	emit_header(f, sp);
	emit_services(f, sp, 0, sp->n);
	emit_caches(f, sp, 0, sp->ncache);
	emit_datastores(f, sp, 0, sp->ndb);
	emit_queues(f, sp, 0, sp->nq);
	emit_gpu_budgets(f, sp);
	return close_out(f, path ? path : "<stdout>");
}

static int is_yaml_name(const char *name)
{
	size_t len = strlen(name);
	return (len > 5 && !strcmp(name + len - 5, ".yaml")) || (len > 4 && !strcmp(name + len - 4, ".yml"));
}

static void part_name(char *buf, size_t size, int part)
{
	if (part == 0)
		snprintf(buf, size, "00-main.yaml");
	else
		snprintf(buf, size, "10-services-%03d.yaml", part);
}

/* A stale spec file from an earlier run would be merged by the loader: refuse
 * to write into a folder holding YAML files other than the ones we write. */
static int check_dir(const char *dir, int k)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen: error: cannot create '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "gen: error: cannot open folder '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) && rc == 0) {
		if (!is_yaml_name(e->d_name))
			continue;
		int ours = 0;
		char name[64];
		for (int p = 0; p < k && !ours; p++) {
			part_name(name, sizeof name, p);
			ours = !strcmp(name, e->d_name);
		}
		if (!ours) {
			fprintf(stderr, "gen: error: '%s/%s' is not a file gen writes with --split %d; "
					"use an empty folder\n", dir, e->d_name, k);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

static int write_split(const struct spec *sp, const char *dir, int k)
{
	char name[64], path[PATH_MAX];
	int parts = k - 1;   /* files after 00-main.yaml */

	if (check_dir(dir, k))
		return -1;
	for (int p = 0; p < k; p++) {
		part_name(name, sizeof name, p);
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
			fprintf(stderr, "gen: error: path too long: '%s/%s'\n", dir, name);
			return -1;
		}
		FILE *f = open_out(path);
		if (!f)
			return -1;
		if (p == 0) {
			emit_header(f, sp);
			if (parts == 0) {   /* --split 1: one file in a folder */
				emit_services(f, sp, 0, sp->n);
				emit_caches(f, sp, 0, sp->ncache);
				emit_datastores(f, sp, 0, sp->ndb);
				emit_queues(f, sp, 0, sp->nq);
			}
			emit_gpu_budgets(f, sp);
		} else {
			long i = p - 1;
			fprintf(f, "# part %d of %d, generated by scaleplan bench/gen -n %ld -s %llu\n", p, parts,
				sp->n, sp->seed);
			emit_services(f, sp, sp->n * i / parts, sp->n * (i + 1) / parts);
			emit_caches(f, sp, sp->ncache * i / parts, sp->ncache * (i + 1) / parts);
			emit_datastores(f, sp, sp->ndb * i / parts, sp->ndb * (i + 1) / parts);
			emit_queues(f, sp, sp->nq * i / parts, sp->nq * (i + 1) / parts);
		}
		if (close_out(f, path))
			return -1;
	}
	return 0;
}

/* Longest call/queue chain (edges only go up in index, so one pass suffices). */
static long longest_path(const struct spec *sp)
{
	long *depth = xcalloc((size_t)sp->n, sizeof *depth), best = 0;
	for (long i = 0; i < sp->n; i++) {
		const struct svc *s = &sp->svcs[i];
		for (int c = 0; c < s->ncalls; c++)
			if (s->calls[c].kind == CALL_SVC && depth[s->calls[c].to] < depth[i] + 1)
				depth[s->calls[c].to] = depth[i] + 1;
		for (long q = 0; q < sp->nq; q++)
			if (sp->queues[q].from == i && depth[sp->queues[q].worker] < depth[i] + 1)
				depth[sp->queues[q].worker] = depth[i] + 1;
		if (depth[i] > best)
			best = depth[i];
	}
	free(depth);
	return best;
}

static void summary(const struct spec *sp)
{
	long svc_calls = 0, db_calls = 0, cached = 0;
	for (long i = 0; i < sp->n; i++)
		for (int c = 0; c < sp->svcs[i].ncalls; c++) {
			if (sp->svcs[i].calls[c].kind == CALL_DB)
				db_calls++;
			else
				svc_calls++, cached += sp->svcs[i].calls[c].via_cache >= 0;
		}
	fprintf(stderr, "gen: %ld services (%ld edge), %ld service calls (%ld via cache), %ld datastore calls, "
			"%ld caches, %ld datastores, %ld queues, %ld gpu workloads, longest chain %ld\n",
		sp->n, sp->nedge, svc_calls, cached, db_calls, sp->ncache, sp->ndb, sp->nq, sp->ngpu,
		longest_path(sp));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: gen [-n SERVICES] [-s SEED] [-o FILE|DIR] [--split K] [-v]\n"
		   "  -n SERVICES  number of services (default 1000)\n"
		   "  -s SEED      random seed (default 1); same N and seed give the same bytes\n"
		   "  -o PATH      output file (default stdout); with --split, a folder\n"
		   "  --split K    write K files into the folder: 00-main.yaml, 10-services-001.yaml, ...\n"
		   "  -v           print a summary of the generated graph on stderr\n");
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "gen: error: %s needs an integer in [%ld, %ld]\n", opt, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct spec sp = {.n = 1000, .seed = 1};
	const char *out = NULL;
	long split = 0;
	int verbose = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-n")) {
			if (parse_long(a, v, 1, 10000000, &sp.n))
				return 2;
			i++;
		} else if (!strcmp(a, "-s")) {
			char *end = NULL;
			errno = 0;
			if (v && *v >= '0' && *v <= '9')
				sp.seed = strtoull(v, &end, 10);
			if (!end || errno || *end) {
				fprintf(stderr, "gen: error: -s needs a non-negative integer\n");
				return 2;
			}
			i++;
		} else if (!strcmp(a, "-o")) {
			if (!v) {
				fprintf(stderr, "gen: error: -o needs a path\n");
				return 2;
			}
			out = v;
			i++;
		} else if (!strcmp(a, "--split")) {
			if (parse_long(a, v, 1, MAX_SPLIT, &split))
				return 2;
			i++;
		} else if (!strcmp(a, "-v")) {
			verbose = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "gen: error: unknown argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (split && !out) {
		fprintf(stderr, "gen: error: --split needs -o DIR\n");
		return 2;
	}
	if (split > sp.n + 1) {
		fprintf(stderr, "gen: error: --split %ld leaves files without services; at most N+1 (%ld)\n",
			split, sp.n + 1);
		return 2;
	}

	build(&sp);
	if (verbose)
		summary(&sp);
	int rc = split ? write_split(&sp, out, (int)split) : write_single(&sp, out);

	for (long i = 0; i < sp.n; i++)
		free(sp.svcs[i].calls);
	free(sp.svcs);
	free(sp.caches);
	free(sp.dbs);
	free(sp.queues);
	free(sp.gpus);
	return rc ? 1 : 0;
}
