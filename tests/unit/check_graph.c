/* The dependency graph (model/graph.c) and its Graphviz rendering
 * (planner/render_graph.c), on specs built by hand: no loader involved. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "model/graph.h"
#include "model/spec.h"
#include "planner/render_graph.h"

Suite *suite_graph(void);

/* ---- hand-built specs --------------------------------------------------------- */

static const struct sp_src src = { "test.yaml", "", 0 };

static struct sp_pos at(int line)
{
	struct sp_pos p = { &src, line, 3 };
	return p;
}

#define MAXCALLS 8

static struct sp_spec *spec_new(size_t nsvc, size_t ncache, size_t nds, size_t nq, size_t ngpu)
{
	struct sp_spec *s = calloc(1, sizeof(*s));
	ck_assert_ptr_nonnull(s);
	sp_arena_init(&s->arena);
	s->name = "acme-shop";
	s->services = SP_NEWN(&s->arena, struct sp_service, nsvc + 1);
	s->caches = SP_NEWN(&s->arena, struct sp_cache, ncache + 1);
	s->datastores = SP_NEWN(&s->arena, struct sp_datastore, nds + 1);
	s->queues = SP_NEWN(&s->arena, struct sp_queue, nq + 1);
	s->gpus = SP_NEWN(&s->arena, struct sp_gpu_workload, ngpu + 1);
	return s;
}

static void spec_free(struct sp_spec *s)
{
	sp_arena_free(&s->arena);
	free(s);
}

static struct sp_service *svc(struct sp_spec *s, const char *name, int line)
{
	struct sp_service *v = &s->services[s->nservices++];
	v->name = name;
	v->pos = at(line);
	v->cls = SP_CLASS_WEB;
	v->cpu_ms_per_request = 18;
	v->instance = "m7i.large";
	v->has_latency_slo = 1;
	v->slo_quantile = 0.99;
	v->slo_ms = 250;
	v->target_utilization = 0.5;
	v->min = 3;
	v->max = 400;
	v->calls = SP_NEWN(&s->arena, struct sp_call, MAXCALLS);
	return v;
}

/* A call at `line`; its `to:` key one column further. kind is deliberately
 * left at SP_CALL_SERVICE: the graph resolves it from the target. */
static struct sp_call *call(struct sp_service *from, const char *to, double per_request, int line)
{
	ck_assert_uint_lt(from->ncalls, MAXCALLS);
	struct sp_call *c = &from->calls[from->ncalls++];
	c->to = to;
	c->pos = at(line);
	c->to_pos = at(line);
	c->to_pos.col = 9;
	c->per_request = per_request;
	c->has_per_request = 1;
	return c;
}

static struct sp_cache *cache(struct sp_spec *s, const char *name, double hit, int line)
{
	struct sp_cache *c = &s->caches[s->ncaches++];
	c->name = name;
	c->pos = at(line);
	c->engine = SP_CACHE_REDIS;
	c->node = "cache.r6g.large";
	c->hit_rate = hit;
	return c;
}

static struct sp_datastore *datastore(struct sp_spec *s, const char *name, int line)
{
	struct sp_datastore *d = &s->datastores[s->ndatastores++];
	d->name = name;
	d->pos = at(line);
	d->engine = SP_DB_POSTGRES;
	d->instance = "db.r6g.xlarge";
	d->sharded = 1;
	d->shard_key = "tenant_id";
	d->shard_strategy = SP_SHARD_HASH;
	d->max_gb_per_shard = 2000;
	return d;
}

static struct sp_queue *queue(struct sp_spec *s, const char *name, const char *from, double per,
			      const char *worker, int line)
{
	struct sp_queue *q = &s->queues[s->nqueues++];
	q->name = name;
	q->pos = at(line);
	q->from = from;
	q->from_pos = at(line + 1);
	q->per_request = per;
	q->worker = worker;
	q->worker_pos = at(line + 2);
	q->max_backlog_age_s = 60;
	return q;
}

static struct sp_gpu_workload *gpu(struct sp_spec *s, const char *name, enum sp_gpu_kind kind, int line)
{
	struct sp_gpu_workload *w = &s->gpus[s->ngpus++];
	w->name = name;
	w->pos = at(line);
	w->kind = kind;
	w->gpu = "h100";
	w->tokens_per_request = 900;
	w->tokens_per_s_per_gpu = 3400;
	w->params_b = 8;
	w->tokens_b = 50;
	w->every_months = 3;
	return w;
}

/* A shop with every kind of node and of edge. */
static struct sp_spec *shop(void)
{
	struct sp_spec *s = spec_new(3, 2, 1, 1, 2);
	struct sp_service *web = svc(s, "web-api", 1);
	svc(s, "catalog", 20);
	svc(s, "mailer", 30);
	struct sp_call *c = call(web, "catalog", 2.0, 2);
	c->via_cache = "product-cache";
	c->via_pos = at(2);
	c->via_pos.col = 30;
	c = call(web, "orders-db", 0, 3);
	c->kind = SP_CALL_DATASTORE;
	c->reads_per_request = 3;
	c->writes_per_request = 0.2;
	c->has_reads = c->has_writes = 1;
	call(web, "sessions", 5, 4);
	call(web, "assistant", 0.1, 5);
	cache(s, "product-cache", 0.7, 40);
	cache(s, "sessions", 0.9, 41);
	datastore(s, "orders-db", 50);
	queue(s, "emails", "web-api", 0.1, "mailer", 60);
	gpu(s, "assistant", SP_GPU_INFERENCE, 70);
	gpu(s, "finetune", SP_GPU_TRAINING, 71);
	return s;
}

static struct sp_graph *build_ok(const struct sp_spec *s)
{
	struct sp_diags d;
	struct sp_graph *g = NULL;
	sp_diags_init(&d);
	int rc = sp_graph_build(&g, s, &d);
	if (rc != 0)
		sp_diags_print(stderr, &d, 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(d.n, 0);
	sp_diags_free(&d);
	return g;
}

static uint32_t idx(const struct sp_graph *g, const char *name)
{
	uint32_t i;
	ck_assert_msg(sp_graph_lookup(g, name, &i) == 0, "no node '%s'", name);
	return i;
}

#define ck_assert_near(a, b) ck_assert_msg(fabs((a) - (b)) < 1e-9, "%s = %g, expected %g", #a, (a), (b))

/* ---- graph --------------------------------------------------------------------- */

START_TEST(test_nodes)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);

	ck_assert_uint_eq(sp_graph_nnodes(g), 9);
	ck_assert_uint_eq(sp_graph_count(g, SP_NODE_SERVICE), 3);
	ck_assert_uint_eq(sp_graph_count(g, SP_NODE_CACHE), 2);
	ck_assert_uint_eq(sp_graph_count(g, SP_NODE_DATASTORE), 1);
	ck_assert_uint_eq(sp_graph_count(g, SP_NODE_QUEUE), 1);
	ck_assert_uint_eq(sp_graph_count(g, SP_NODE_GPU), 2);
	ck_assert_uint_eq(sp_graph_first(g, SP_NODE_SERVICE), 0);
	ck_assert_uint_eq(sp_graph_first(g, SP_NODE_CACHE), 3);
	ck_assert_uint_eq(sp_graph_first(g, SP_NODE_GPU), 7);

	const struct sp_node *n = sp_graph_node(g, idx(g, "orders-db"));
	ck_assert_int_eq(n->kind, SP_NODE_DATASTORE);
	ck_assert_ptr_eq(n->datastore, &s->datastores[0]);
	ck_assert_int_eq(n->pos.line, 50);
	ck_assert_str_eq(n->name, "orders-db");
	n = sp_graph_node(g, sp_graph_first(g, SP_NODE_CACHE) + 1);
	ck_assert_str_eq(n->name, "sessions");
	ck_assert_ptr_eq(n->cache, &s->caches[1]);
	ck_assert_ptr_null(sp_graph_node(g, 9));
	uint32_t v;
	ck_assert_int_eq(sp_graph_lookup(g, "nope", &v), -1);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_edges)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);
	uint32_t web = idx(g, "web-api");
	size_t n;
	const struct sp_edge *e = sp_graph_out(g, web, &n);

	ck_assert_uint_eq(sp_graph_nedges(g), 7);
	ck_assert_uint_eq(n, 6);
	ck_assert_uint_eq(sp_graph_out_first(g, web), 0);
	/* creation order: lookup and miss of the cached call, datastore, cache, gpu, queue */
	ck_assert_int_eq(e[0].kind, SP_EDGE_CACHE_LOOKUP);
	ck_assert_uint_eq(e[0].to, idx(g, "product-cache"));
	ck_assert_near(e[0].ratio, 2.0);
	ck_assert_int_eq(e[0].pos.col, 30);   /* at the via_cache key */
	ck_assert_int_eq(e[1].kind, SP_EDGE_CACHE_MISS);
	ck_assert_uint_eq(e[1].to, idx(g, "catalog"));
	ck_assert_near(e[1].ratio, 2.0 * (1 - 0.7));
	ck_assert_int_eq(e[1].pos.line, 2);
	ck_assert_ptr_eq(e[1].call, &s->services[0].calls[0]);
	ck_assert_int_eq(e[2].kind, SP_EDGE_DATASTORE);
	ck_assert_uint_eq(e[2].to, idx(g, "orders-db"));
	ck_assert_near(e[2].reads, 3.0);
	ck_assert_near(e[2].writes, 0.2);
	ck_assert_near(e[2].ratio, 3.2);
	ck_assert_int_eq(e[3].kind, SP_EDGE_CACHE);   /* call kind says service: the target decides */
	ck_assert_uint_eq(e[3].to, idx(g, "sessions"));
	ck_assert_near(e[3].ratio, 5.0);
	ck_assert_int_eq(e[4].kind, SP_EDGE_GPU);
	ck_assert_uint_eq(e[4].to, idx(g, "assistant"));
	ck_assert_near(e[4].ratio, 0.1);
	ck_assert_int_eq(e[5].kind, SP_EDGE_PRODUCE);
	ck_assert_uint_eq(e[5].to, idx(g, "emails"));
	ck_assert_near(e[5].ratio, 0.1);
	ck_assert_int_eq(e[5].pos.line, 61);
	ck_assert_ptr_null(e[5].call);

	/* the queue's consumer edge */
	e = sp_graph_out(g, idx(g, "emails"), &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(e[0].kind, SP_EDGE_CONSUME);
	ck_assert_uint_eq(e[0].to, idx(g, "mailer"));
	ck_assert_near(e[0].ratio, 1.0);
	ck_assert_int_eq(e[0].pos.line, 62);

	/* in-edges, for reverse walks */
	const uint32_t *in = sp_graph_in(g, idx(g, "mailer"), &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(sp_graph_edge(g, in[0])->kind, SP_EDGE_CONSUME);
	in = sp_graph_in(g, idx(g, "catalog"), &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(sp_graph_edge(g, in[0])->from, web);
	sp_graph_in(g, web, &n);
	ck_assert_uint_eq(n, 0);
	sp_graph_out(g, idx(g, "finetune"), &n);
	ck_assert_uint_eq(n, 0);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_cached_datastore)
{
	/* a cache in front of a datastore absorbs reads, never writes; in front
	 * of a GPU workload (a prompt cache) it absorbs requests */
	struct sp_spec *s = spec_new(1, 1, 1, 0, 1);
	struct sp_service *a = svc(s, "a", 1);
	struct sp_call *c = call(a, "db", 0, 2);
	c->reads_per_request = 10;
	c->writes_per_request = 1;
	c->via_cache = "c";
	call(a, "llm", 0.5, 3)->via_cache = "c";
	cache(s, "c", 0.8, 3);
	datastore(s, "db", 4);
	gpu(s, "llm", SP_GPU_INFERENCE, 5);
	struct sp_graph *g = build_ok(s);
	size_t n;
	const struct sp_edge *e = sp_graph_out(g, 0, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(e[2].kind, SP_EDGE_CACHE_LOOKUP);
	ck_assert_near(e[2].ratio, 0.5);
	ck_assert_int_eq(e[3].kind, SP_EDGE_GPU);
	ck_assert_near(e[3].ratio, 0.5 * 0.2);
	ck_assert_int_eq(e[0].kind, SP_EDGE_CACHE_LOOKUP);
	ck_assert_near(e[0].ratio, 10.0);
	ck_assert_int_eq(e[1].kind, SP_EDGE_DATASTORE);
	ck_assert_near(e[1].reads, 2.0);
	ck_assert_near(e[1].writes, 1.0);
	ck_assert_near(e[1].ratio, 3.0);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

static void check_topo(const struct sp_graph *g)
{
	size_t nn = sp_graph_nnodes(g);
	const uint32_t *t = sp_graph_topo(g);
	uint32_t *rank = malloc((nn + 1) * sizeof(*rank));
	for (size_t i = 0; i < nn; i++)
		rank[i] = UINT32_MAX;
	for (size_t i = 0; i < nn; i++) {
		ck_assert_uint_lt(t[i], nn);
		ck_assert_msg(rank[t[i]] == UINT32_MAX, "node %u twice in topo order", t[i]);
		rank[t[i]] = (uint32_t)i;
	}
	for (uint32_t i = 0; i < sp_graph_nedges(g); i++) {
		const struct sp_edge *e = sp_graph_edge(g, i);
		ck_assert_msg(rank[e->from] < rank[e->to], "edge %u -> %u against topo order", e->from, e->to);
	}
	free(rank);
}

START_TEST(test_topo)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);
	check_topo(g);
	/* ties broken by spec order: web-api first, finetune (isolated) as soon as ready */
	const uint32_t *t = sp_graph_topo(g);
	ck_assert_str_eq(sp_graph_node(g, t[0])->name, "web-api");
	sp_graph_free(g);
	spec_free(s);

	/* c -> a: a waits for c; b and c come out in index order */
	s = spec_new(3, 0, 0, 0, 0);
	svc(s, "a", 1);
	svc(s, "b", 2);
	call(svc(s, "c", 3), "a", 1, 4);
	g = build_ok(s);
	t = sp_graph_topo(g);
	ck_assert_uint_eq(t[0], 1);
	ck_assert_uint_eq(t[1], 2);
	ck_assert_uint_eq(t[2], 0);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_deterministic)
{
	struct sp_spec *s = shop();
	struct sp_graph *g1 = build_ok(s), *g2 = build_ok(s);
	ck_assert_uint_eq(sp_graph_nedges(g1), sp_graph_nedges(g2));
	for (uint32_t i = 0; i < sp_graph_nedges(g1); i++) {
		const struct sp_edge *a = sp_graph_edge(g1, i), *b = sp_graph_edge(g2, i);
		ck_assert_int_eq(a->kind, b->kind);
		ck_assert_uint_eq(a->from, b->from);
		ck_assert_uint_eq(a->to, b->to);
		ck_assert(a->ratio == b->ratio);
	}
	ck_assert_mem_eq(sp_graph_topo(g1), sp_graph_topo(g2), sp_graph_nnodes(g1) * sizeof(uint32_t));
	sp_graph_free(g1);
	sp_graph_free(g2);
	spec_free(s);
}
END_TEST

/* Builds s, expecting failure; returns the diagnostics (caller frees). */
static void build_fails(const struct sp_spec *s, struct sp_diags *d)
{
	struct sp_graph *g = (struct sp_graph *)(uintptr_t)1;
	sp_diags_init(d);
	ck_assert_int_eq(sp_graph_build(&g, s, d), -1);
	ck_assert_ptr_null(g);
}

START_TEST(test_cycle3)
{
	struct sp_spec *s = spec_new(4, 0, 0, 0, 0);
	struct sp_diags d;
	call(svc(s, "front", 1), "a", 1, 2);
	call(svc(s, "a", 10), "b", 1, 11);
	call(svc(s, "b", 20), "c", 1, 21);
	call(svc(s, "c", 30), "a", 1, 31);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_int_eq(d.v[0].sev, SP_ERROR);
	ck_assert_str_eq(d.v[0].msg, "dependency cycle: a -> b -> c -> a");
	ck_assert_int_eq(d.v[0].pos.line, 11);
	ck_assert_ptr_eq(d.v[0].pos.src, &src);
	static const char *const notes[] = { "'a' calls 'b' here", "'b' calls 'c' here", "'c' calls 'a' here" };
	static const int lines[] = { 11, 21, 31 };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(d.v[1 + i].sev, SP_NOTE);
		ck_assert_str_eq(d.v[1 + i].msg, notes[i]);
		ck_assert_int_eq(d.v[1 + i].pos.line, lines[i]);
	}
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_cycle_start)
{
	/* the message starts at the cycle's node first in spec order, even when the
	 * search meets a node downstream of the cycle first */
	struct sp_spec *s = spec_new(4, 0, 0, 0, 0);
	struct sp_diags d;
	svc(s, "sink", 1);
	call(svc(s, "q", 2), "p", 1, 3);
	struct sp_service *p = svc(s, "p", 4);
	call(p, "sink", 1, 5);
	call(p, "q", 1, 6);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_str_eq(d.v[0].msg, "dependency cycle: q -> p -> q");
	ck_assert_int_eq(d.v[0].pos.line, 3);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_str_eq(d.v[2].msg, "'p' calls 'q' here");
	ck_assert_int_eq(d.v[2].pos.line, 6);
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_self_call)
{
	struct sp_spec *s = spec_new(1, 0, 0, 0, 0);
	struct sp_diags d;
	call(svc(s, "loop", 1), "loop", 1, 2);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.v[0].msg, "dependency cycle: loop -> loop");
	ck_assert_int_eq(d.v[0].pos.line, 2);
	ck_assert_int_eq(d.v[1].sev, SP_NOTE);
	ck_assert_str_eq(d.v[1].msg, "'loop' calls 'loop' here");
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_queue_cycle)
{
	struct sp_spec *s = spec_new(2, 0, 0, 1, 0);
	struct sp_diags d;
	svc(s, "web", 1);
	call(svc(s, "mailer", 10), "web", 1, 11);
	queue(s, "emails", "web", 0.1, "mailer", 20);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_uint_eq(d.n, 4);
	ck_assert_str_eq(d.v[0].msg, "dependency cycle: web -> emails -> mailer -> web");
	ck_assert_int_eq(d.v[0].pos.line, 21);
	ck_assert_str_eq(d.v[1].msg, "'web' produces to queue 'emails' here");
	ck_assert_int_eq(d.v[1].pos.line, 21);
	ck_assert_str_eq(d.v[2].msg, "queue 'emails' is consumed by 'mailer' here");
	ck_assert_int_eq(d.v[2].pos.line, 22);
	ck_assert_str_eq(d.v[3].msg, "'mailer' calls 'web' here");
	ck_assert_int_eq(d.v[3].pos.line, 11);
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_bad_refs)
{
	struct sp_spec *s = spec_new(2, 1, 1, 2, 1);
	struct sp_diags d;
	struct sp_service *web = svc(s, "web", 1);
	svc(s, "catalog", 2);
	call(web, "catlog", 1, 3);                      /* typo */
	call(web, "db", 1, 4)->via_cache = "db";        /* via_cache names a datastore */
	call(web, "jobs", 1, 5);                        /* a queue */
	call(web, "train", 1, 6);                       /* a training workload */
	call(web, NULL, 1, 7);                          /* no target at all */
	cache(s, "c", 0.5, 8);
	datastore(s, "db", 9);
	queue(s, "jobs", "web", 1, "c", 10);            /* worker is a cache */
	queue(s, "more", "ghost", 1, "catalog", 20);    /* unknown producer */
	gpu(s, "train", SP_GPU_TRAINING, 30);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 7);
	ck_assert_str_eq(d.v[0].msg, "unknown call target 'catlog'; did you mean 'catalog'?");
	ck_assert_int_eq(d.v[0].pos.line, 3);
	ck_assert_int_eq(d.v[0].pos.col, 9);
	ck_assert_str_eq(d.v[1].msg, "via_cache 'db' is a datastore, not a cache");
	ck_assert_str_eq(d.v[2].msg, "'web' cannot call queue 'jobs'; a queue's producer is set by its 'from' key");
	ck_assert_str_eq(d.v[3].msg, "'web' cannot call 'train', a training workload; only inference "
			 "workloads take calls");
	ck_assert_str_eq(d.v[4].msg, "missing call target name");
	ck_assert_str_eq(d.v[5].msg, "worker 'c' of queue 'jobs' is a cache, not a service");
	ck_assert_int_eq(d.v[5].pos.line, 12);
	ck_assert_str_eq(d.v[6].msg, "unknown producer 'ghost'");
	ck_assert_int_eq(d.v[6].pos.line, 21);
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_duplicate_name)
{
	struct sp_spec *s = spec_new(1, 1, 0, 0, 0);
	struct sp_diags d;
	svc(s, "x", 1);
	cache(s, "x", 0.5, 5);
	build_fails(s, &d);
	ck_assert_uint_eq(d.nerrors, 1);
	ck_assert_int_eq(d.v[0].pos.line, 5);
	ck_assert_int_eq(d.v[1].pos.line, 1);
	ck_assert_str_eq(d.v[1].msg, "'x' is first defined here, as a service");
	sp_diags_free(&d);
	spec_free(s);
}
END_TEST

START_TEST(test_empty)
{
	struct sp_spec *s = spec_new(0, 0, 0, 0, 0);
	struct sp_graph *g = build_ok(s);
	ck_assert_uint_eq(sp_graph_nnodes(g), 0);
	ck_assert_uint_eq(sp_graph_nedges(g), 0);
	ck_assert_ptr_nonnull(sp_graph_topo(g));
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

START_TEST(test_big_dag)
{
	enum { N = 10000, NC = 200, ND = 50 };
	struct sp_spec *s = spec_new(N, NC, ND, 0, 0);
	uint32_t *rank = malloc(N * sizeof(*rank));
	size_t ncalls = 0;

	/* a random order of the services; calls only go up in it, so no cycle */
	for (uint32_t i = 0; i < N; i++)
		rank[i] = i;
	for (uint32_t i = N - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1), t = rank[i];
		rank[i] = rank[j];
		rank[j] = t;
	}
	for (uint32_t i = 0; i < N; i++)
		svc(s, sp_arena_printf(&s->arena, "svc-%u", i), (int)i + 1);
	for (uint32_t i = 0; i < NC; i++)
		cache(s, sp_arena_printf(&s->arena, "cache-%u", i), 0.5, 1);
	for (uint32_t i = 0; i < ND; i++)
		datastore(s, sp_arena_printf(&s->arena, "db-%u", i), 1);
	for (uint32_t i = 0; i < N; i++) {
		struct sp_service *v = &s->services[i];
		for (int k = 0; k < 4 && rank[i] < N - 1; k++) {
			uint32_t j = rnd(N);
			if (rank[j] <= rank[i])
				continue;
			struct sp_call *c = call(v, s->services[j].name, 1.5, 1);
			if (k == 0)
				c->via_cache = s->caches[rnd(NC)].name;
			ncalls += 1 + (k == 0);
		}
		if (rnd(4) == 0) {
			struct sp_call *c = call(v, s->datastores[rnd(ND)].name, 0, 1);
			c->reads_per_request = 2;
			ncalls++;
		}
	}
	struct sp_graph *g = build_ok(s);
	ck_assert_uint_eq(sp_graph_nnodes(g), N + NC + ND);
	ck_assert_uint_eq(sp_graph_nedges(g), ncalls);
	check_topo(g);
	/* CSR is consistent: every out-edge starts at its node, in-edge counts add up */
	size_t nin = 0;
	for (uint32_t v = 0; v < sp_graph_nnodes(g); v++) {
		size_t n;
		const struct sp_edge *e = sp_graph_out(g, v, &n);
		for (size_t k = 0; k < n; k++)
			ck_assert_uint_eq(e[k].from, v);
		const uint32_t *in = sp_graph_in(g, v, &n);
		for (size_t k = 0; k < n; k++)
			ck_assert_uint_eq(sp_graph_edge(g, in[k])->to, v);
		nin += n;
	}
	ck_assert_uint_eq(nin, ncalls);
	ck_assert_uint_eq(idx(g, "svc-9999"), 9999);
	ck_assert_uint_eq(idx(g, "db-0"), N + NC);
	sp_graph_free(g);
	free(rank);
	spec_free(s);
}
END_TEST

/* ---- rendering ---------------------------------------------------------------------- */

/* Renders into memory; returns the bytes (caller frees) and their length. */
static char *render(const struct sp_spec *s, const struct sp_graph *g, const char *format, size_t *len,
		    int expect)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	struct sp_err err;
	ck_assert_ptr_nonnull(f);
	sp_err_clear(&err);
	int rc = sp_render_graph(s, g, format, f, &err);
	ck_assert_msg(rc == expect, "render %s: rc %d (%s)", format, rc, err.msg);
	ck_assert_int_eq(err.code, expect);
	fclose(f);
	return buf;
}

START_TEST(test_render_dot)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);
	size_t len1, len2;
	char *a = render(s, g, "dot", &len1, 0), *b = render(s, g, "dot", &len2, 0);

	ck_assert_uint_eq(len1, len2);
	ck_assert_mem_eq(a, b, len1);
	static const char *const want[] = {
		"digraph \"acme-shop\"", "rankdir=LR", "web-api", "catalog", "mailer", "product-cache",
		"orders-db", "emails", "assistant", "finetune",
		"shape=cylinder", "shape=ellipse", "shape=cds", "shape=hexagon", "shape=octagon",
		"rounded,filled", "label=\"×0.6 miss\"", "label=\"r3 w0.2\"", "label=\"×2.0\"",
		"style=dashed", "SLO p99 ≤ 250 ms", "3–400 instances", "redis · cache.r6g.large",
		"hit 70%", "sharded: hash on tenant_id", "backlog ≤ 60 s", "3400 tok/s/GPU",
		"8B params · 50B tokens", "every 3 months", "<B>web-api</B>",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(a, want[i]), "'%s' missing from:\n%s", want[i], a);
	ck_assert_ptr_null(strstr(a, "pos="));   /* not laid out */
	free(a);
	free(b);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_render_escapes)
{
	struct sp_spec *s = spec_new(1, 0, 0, 0, 0);
	struct sp_service *v = svc(s, "a<b>&\"c\"", 1);
	v->instance = "x&y";
	struct sp_graph *g = build_ok(s);
	size_t len;
	char *a = render(s, g, "dot", &len, 0);
	ck_assert_msg(strstr(a, "a&lt;b&gt;&amp;&quot;c&quot;"), "%s", a);
	ck_assert_msg(strstr(a, "x&amp;y"), "%s", a);
	free(a);
	a = render(s, g, "svg", &len, 0);
	ck_assert_ptr_nonnull(strstr(a, "<svg"));
	free(a);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_render_svg_png)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);
	size_t len1, len2;
	char *a = render(s, g, "svg", &len1, 0), *b = render(s, g, "svg", &len2, 0);

	ck_assert_ptr_nonnull(strstr(a, "<svg"));
	ck_assert_ptr_nonnull(strstr(a, "web&#45;api"));   /* Graphviz escapes '-' in SVG */
	ck_assert_ptr_nonnull(strstr(a, "catalog"));
	ck_assert_uint_eq(len1, len2);
	ck_assert_mem_eq(a, b, len1);
	free(a);
	free(b);
	a = render(s, g, "png", &len1, 0);
	ck_assert_uint_gt(len1, 8);
	ck_assert_mem_eq(a, "\x89PNG\r\n\x1a\n", 8);
	free(a);
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

START_TEST(test_render_bad_format)
{
	struct sp_spec *s = shop();
	struct sp_graph *g = build_ok(s);
	size_t len;
	char *a = render(s, g, "jpeg2000", &len, SP_EINVAL);
	ck_assert_uint_eq(len, 0);
	free(a);

	struct sp_err err;
	sp_err_clear(&err);
	ck_assert_int_eq(sp_render_graph(s, g, "gif", stdout, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "unknown graph format 'gif'; expected dot, svg or png");
	sp_graph_free(g);
	spec_free(s);
}
END_TEST

Suite *suite_graph(void)
{
	Suite *s = suite_create("graph");
	TCase *tc = tcase_create("graph");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_nodes);
	tcase_add_test(tc, test_edges);
	tcase_add_test(tc, test_cached_datastore);
	tcase_add_test(tc, test_topo);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_cycle3);
	tcase_add_test(tc, test_cycle_start);
	tcase_add_test(tc, test_self_call);
	tcase_add_test(tc, test_queue_cycle);
	tcase_add_test(tc, test_bad_refs);
	tcase_add_test(tc, test_duplicate_name);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_big_dag);
	suite_add_tcase(s, tc);
	tc = tcase_create("render");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_render_dot);
	tcase_add_test(tc, test_render_escapes);
	tcase_add_test(tc, test_render_svg_png);
	tcase_add_test(tc, test_render_bad_format);
	suite_add_tcase(s, tc);
	return s;
}
