#include "model/graph.h"

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

const char *const sp_node_kind_names[SP_NODE_NKINDS] = {
	"service", "cache", "datastore", "queue", "GPU workload",
};

const char *const sp_edge_kind_names[SP_EDGE_NKINDS] = {
	"call", "cache lookup", "cache miss", "cache", "datastore", "gpu", "produce", "consume",
};

#define NONE UINT32_MAX

struct sp_graph {
	struct sp_arena arena;      /* every array below */
	struct sp_hmap index;       /* name -> node index (keys are the spec's names) */
	struct sp_node *nodes;
	size_t nnodes;
	struct sp_edge *edges;      /* sorted by source, then creation order */
	size_t nedges;
	uint32_t *out_start;        /* nnodes + 1: out-edges of v are edges[out_start[v] .. out_start[v+1]) */
	uint32_t *in_start;         /* nnodes + 1: in-edges of v are in_edges[in_start[v] .. in_start[v+1]) */
	uint32_t *in_edges;         /* edge indices sorted by target */
	uint32_t *topo;
	uint32_t first[SP_NODE_NKINDS + 1];
};

/* Build state: the graph under construction and the edges in creation order. */
struct build {
	struct sp_graph *g;
	const struct sp_spec *spec;
	struct sp_diags *diags;
	size_t nerr;
	struct sp_edge *tmp;
	size_t ntmp, captmp;
	const char **names;         /* every node name, for "did you mean" (built on first need) */
};

/* ---- nodes ----------------------------------------------------------------- */

static void add_node(struct build *b, enum sp_node_kind kind, const char *name, struct sp_pos pos,
		     const void *obj)
{
	struct sp_graph *g = b->g;
	uint32_t i = (uint32_t)g->nnodes++, old;
	struct sp_node *n = &g->nodes[i];

	n->kind = kind;
	n->name = name ? name : "";
	n->pos = pos;
	n->obj = obj;
	if (!name)
		return;
	if (sp_hmap_put(&g->index, name, i, &old) == 1) {
		/* the loader rejects this; kept so a hand-built spec cannot confuse lookups */
		sp_error(b->diags, pos, "duplicate name '%s': names are unique across services, caches, "
			 "datastores, queues and GPU workloads", name);
		sp_note(b->diags, g->nodes[old].pos, "'%s' is first defined here, as a %s", name,
			sp_node_kind_names[g->nodes[old].kind]);
		b->nerr++;
	}
}

static void add_nodes(struct build *b)
{
	const struct sp_spec *s = b->spec;
	struct sp_graph *g = b->g;

	g->first[SP_NODE_SERVICE] = (uint32_t)g->nnodes;
	for (size_t i = 0; i < s->nservices; i++)
		add_node(b, SP_NODE_SERVICE, s->services[i].name, s->services[i].pos, &s->services[i]);
	g->first[SP_NODE_CACHE] = (uint32_t)g->nnodes;
	for (size_t i = 0; i < s->ncaches; i++)
		add_node(b, SP_NODE_CACHE, s->caches[i].name, s->caches[i].pos, &s->caches[i]);
	g->first[SP_NODE_DATASTORE] = (uint32_t)g->nnodes;
	for (size_t i = 0; i < s->ndatastores; i++)
		add_node(b, SP_NODE_DATASTORE, s->datastores[i].name, s->datastores[i].pos,
			 &s->datastores[i]);
	g->first[SP_NODE_QUEUE] = (uint32_t)g->nnodes;
	for (size_t i = 0; i < s->nqueues; i++)
		add_node(b, SP_NODE_QUEUE, s->queues[i].name, s->queues[i].pos, &s->queues[i]);
	g->first[SP_NODE_GPU] = (uint32_t)g->nnodes;
	for (size_t i = 0; i < s->ngpus; i++)
		add_node(b, SP_NODE_GPU, s->gpus[i].name, s->gpus[i].pos, &s->gpus[i]);
	g->first[SP_NODE_NKINDS] = (uint32_t)g->nnodes;
}

/* ---- references and edges ------------------------------------------------ */

/* a when it names a place, else b (a hand-built or defaulted key has no position) */
static struct sp_pos pick(struct sp_pos a, struct sp_pos b)
{
	return a.line > 0 ? a : b;
}

static const char *suggest(struct build *b, const char *name)
{
	if (!b->names) {
		b->names = sp_xcalloc(b->g->nnodes ? b->g->nnodes : 1, sizeof(*b->names));
		for (size_t i = 0; i < b->g->nnodes; i++)
			b->names[i] = b->g->nodes[i].name;
	}
	return sp_suggest(name, b->names, b->g->nnodes);
}

/* Looks a referenced name up; on a miss reports "unknown WHAT 'name'" at pos. */
static int resolve(struct build *b, const char *name, struct sp_pos pos, const char *what, uint32_t *idx)
{
	const char *hint;

	if (name && sp_hmap_get(&b->g->index, name, idx) == 0)
		return 0;
	b->nerr++;
	if (!name) {
		sp_error(b->diags, pos, "missing %s name", what);
		return -1;
	}
	hint = suggest(b, name);
	if (hint)
		sp_error(b->diags, pos, "unknown %s '%s'; did you mean '%s'?", what, name, hint);
	else
		sp_error(b->diags, pos, "unknown %s '%s'", what, name);
	return -1;
}

static struct sp_edge *add_edge(struct build *b, enum sp_edge_kind kind, uint32_t from, uint32_t to,
				double ratio, struct sp_pos pos, const struct sp_call *call)
{
	struct sp_edge *e;

	SP_GROW(b->tmp, b->captmp, b->ntmp + 1);
	e = &b->tmp[b->ntmp++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->from = from;
	e->to = to;
	e->ratio = ratio;
	e->pos = pos;
	e->call = call;
	return e;
}

static double miss_rate(const struct sp_cache *c)
{
	double h = c->hit_rate;
	if (!(h > 0)) /* also NaN */
		h = 0;
	if (h > 1)
		h = 1;
	return 1 - h;
}

static void add_call(struct build *b, uint32_t from, const struct sp_call *c)
{
	struct sp_graph *g = b->g;
	const char *caller = g->nodes[from].name;
	struct sp_pos at = pick(c->to_pos, c->pos), via_at = pick(c->via_pos, c->pos);
	uint32_t to, via = NONE;
	const struct sp_node *t;
	double pass = 1;   /* share of the caller's operations that reach the target */
	struct sp_edge *e;

	if (resolve(b, c->to, at, "call target", &to) < 0)
		return;
	t = &g->nodes[to];
	/* the target's kind decides, whatever the call's kind field says */
	if (t->kind == SP_NODE_QUEUE) {
		sp_error(b->diags, at, "'%s' cannot call queue '%s'; a queue's producer is set by its 'from' key",
			 caller, t->name);
		b->nerr++;
		return;
	}
	if (t->kind == SP_NODE_GPU && t->gpu->kind != SP_GPU_INFERENCE) {
		sp_error(b->diags, at, "'%s' cannot call '%s', a training workload; only inference "
			 "workloads take calls", caller, t->name);
		b->nerr++;
		return;
	}
	if (c->via_cache) {
		if (t->kind == SP_NODE_CACHE) {
			sp_error(b->diags, via_at, "via_cache on a call to cache '%s'; a cache cannot be "
				 "in front of another cache", t->name);
			b->nerr++;
			return;
		}
		if (resolve(b, c->via_cache, via_at, "cache", &via) < 0)
			return;
		if (g->nodes[via].kind != SP_NODE_CACHE) {
			sp_error(b->diags, via_at, "via_cache '%s' is a %s, not a cache", c->via_cache,
				 sp_node_kind_names[g->nodes[via].kind]);
			b->nerr++;
			return;
		}
		pass = miss_rate(g->nodes[via].cache);
	}

	switch (t->kind) {
	case SP_NODE_SERVICE:
		if (via != NONE) {
			add_edge(b, SP_EDGE_CACHE_LOOKUP, from, via, c->per_request, via_at, c);
			add_edge(b, SP_EDGE_CACHE_MISS, from, to, c->per_request * pass, c->pos, c);
		} else {
			add_edge(b, SP_EDGE_CALL, from, to, c->per_request, c->pos, c);
		}
		break;
	case SP_NODE_DATASTORE:
		/* a cache in front of a datastore absorbs reads; writes go through */
		if (via != NONE)
			add_edge(b, SP_EDGE_CACHE_LOOKUP, from, via, c->reads_per_request, via_at, c);
		e = add_edge(b, SP_EDGE_DATASTORE, from, to, 0, c->pos, c);
		e->reads = c->reads_per_request * pass;
		e->writes = c->writes_per_request;
		e->ratio = e->reads + e->writes;
		break;
	case SP_NODE_CACHE:
		add_edge(b, SP_EDGE_CACHE, from, to, c->per_request, c->pos, c);
		break;
	case SP_NODE_GPU:
		if (via != NONE)
			add_edge(b, SP_EDGE_CACHE_LOOKUP, from, via, c->per_request, via_at, c);
		add_edge(b, SP_EDGE_GPU, from, to, c->per_request * pass, c->pos, c);
		break;
	case SP_NODE_QUEUE:
		break;
	}
}

/* A queue's producer or worker must be a service. */
static int queue_end(struct build *b, const struct sp_queue *q, const char *name, struct sp_pos pos,
		     const char *role, uint32_t *idx)
{
	const struct sp_node *n;

	if (resolve(b, name, pos, role, idx) < 0)
		return -1;
	n = &b->g->nodes[*idx];
	if (n->kind != SP_NODE_SERVICE) {
		sp_error(b->diags, pos, "%s '%s' of queue '%s' is a %s, not a service", role, n->name,
			 q->name ? q->name : "", sp_node_kind_names[n->kind]);
		b->nerr++;
		return -1;
	}
	return 0;
}

static void add_edges(struct build *b)
{
	const struct sp_spec *s = b->spec;
	struct sp_graph *g = b->g;

	for (size_t i = 0; i < s->nservices; i++) {
		const struct sp_service *sv = &s->services[i];
		for (size_t k = 0; k < sv->ncalls; k++)
			add_call(b, g->first[SP_NODE_SERVICE] + (uint32_t)i, &sv->calls[k]);
	}
	for (size_t i = 0; i < s->nqueues; i++) {
		const struct sp_queue *q = &s->queues[i];
		uint32_t qi = g->first[SP_NODE_QUEUE] + (uint32_t)i, from, to;
		struct sp_pos from_at = pick(q->from_pos, q->pos), worker_at = pick(q->worker_pos, q->pos);

		if (queue_end(b, q, q->from, from_at, "producer", &from) == 0)
			add_edge(b, SP_EDGE_PRODUCE, from, qi, q->per_request, from_at, NULL);
		if (queue_end(b, q, q->worker, worker_at, "worker", &to) == 0)
			add_edge(b, SP_EDGE_CONSUME, qi, to, 1.0, worker_at, NULL);
	}
}

/* Counting sorts (stable) of the creation-order edges into CSR arrays. */
static void build_csr(struct build *b)
{
	struct sp_graph *g = b->g;
	size_t n = g->nnodes, m = b->ntmp;

	g->nedges = m;
	g->edges = SP_NEWN(&g->arena, struct sp_edge, m ? m : 1);
	g->out_start = SP_NEWN(&g->arena, uint32_t, n + 1);
	g->in_start = SP_NEWN(&g->arena, uint32_t, n + 1);
	g->in_edges = SP_NEWN(&g->arena, uint32_t, m ? m : 1);

	uint32_t *fill = sp_xcalloc(n + 1, sizeof(*fill));
	for (size_t i = 0; i < m; i++) {
		g->out_start[b->tmp[i].from + 1]++;
		g->in_start[b->tmp[i].to + 1]++;
	}
	for (size_t v = 0; v < n; v++) {
		g->out_start[v + 1] += g->out_start[v];
		g->in_start[v + 1] += g->in_start[v];
	}
	memcpy(fill, g->out_start, n * sizeof(*fill));
	for (size_t i = 0; i < m; i++)
		g->edges[fill[b->tmp[i].from]++] = b->tmp[i];
	memcpy(fill, g->in_start, n * sizeof(*fill));
	for (size_t i = 0; i < m; i++)
		g->in_edges[fill[g->edges[i].to]++] = (uint32_t)i;
	free(fill);
}

/* ---- topological order and cycles ----------------------------------------------- */

static void heap_push(uint32_t *h, size_t *n, uint32_t v)
{
	size_t i = (*n)++;
	while (i > 0 && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static uint32_t heap_pop(uint32_t *h, size_t *n)
{
	uint32_t top = h[0], last = h[--*n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= last)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = last;
	return top;
}

static void report_cycle(struct build *b, const uint32_t *cyc, size_t k)
{
	struct sp_graph *g = b->g;
	struct sp_sb sb = SP_SB_INIT;
	size_t start = 0;

	/* start at the node first in spec order, so the message depends on the spec only */
	for (size_t i = 1; i < k; i++)
		if (g->edges[cyc[i]].from < g->edges[cyc[start]].from)
			start = i;
	sp_sb_adds(&sb, "dependency cycle: ");
	for (size_t i = 0; i < k; i++) {
		sp_sb_adds(&sb, g->nodes[g->edges[cyc[(start + i) % k]].from].name);
		sp_sb_adds(&sb, " -> ");
	}
	sp_sb_adds(&sb, g->nodes[g->edges[cyc[start]].from].name);
	sp_error(b->diags, g->edges[cyc[start]].pos, "%s", sb.buf);
	b->nerr++;
	for (size_t i = 0; i < k; i++) {
		const struct sp_edge *e = &g->edges[cyc[(start + i) % k]];
		const char *from = g->nodes[e->from].name, *to = g->nodes[e->to].name;
		switch (e->kind) {
		case SP_EDGE_PRODUCE:
			sp_note(b->diags, e->pos, "'%s' produces to queue '%s' here", from, to);
			break;
		case SP_EDGE_CONSUME:
			sp_note(b->diags, e->pos, "queue '%s' is consumed by '%s' here", from, to);
			break;
		case SP_EDGE_CACHE_MISS:
			sp_note(b->diags, e->pos, "'%s' calls '%s' here (through cache '%s')", from, to,
				e->call && e->call->via_cache ? e->call->via_cache : "?");
			break;
		default:
			sp_note(b->diags, e->pos, "'%s' calls '%s' here", from, to);
			break;
		}
	}
	sp_sb_release(&sb);
}

/* Some node is left after Kahn's algorithm, so the nodes not in done[] hold a
 * cycle: an iterative DFS over them (lowest index first, edges in creation
 * order) finds a back edge, and the DFS stack from its target is the cycle. */
static void find_cycle(struct build *b, const unsigned char *done)
{
	struct sp_graph *g = b->g;
	size_t n = g->nnodes;
	unsigned char *colour = sp_xcalloc(n, 1);   /* 0 new, 1 on the stack, 2 finished */
	uint32_t *node = sp_xcalloc(n, sizeof(*node));     /* stack: node */
	uint32_t *cursor = sp_xcalloc(n, sizeof(*cursor)); /* stack: next out-edge to try */
	uint32_t *via = sp_xcalloc(n, sizeof(*via));       /* stack: edge that entered the node */
	uint32_t *depth = sp_xcalloc(n, sizeof(*depth));   /* node -> its stack slot */
	int found = 0;

	for (uint32_t s = 0; s < n && !found; s++) {
		size_t top = 0;
		if (done[s] || colour[s])
			continue;
		node[0] = s;
		cursor[0] = g->out_start[s];
		via[0] = NONE;
		depth[s] = 0;
		colour[s] = 1;
		top = 1;
		while (top && !found) {
			uint32_t u = node[top - 1];
			if (cursor[top - 1] == g->out_start[u + 1]) {
				colour[u] = 2;
				top--;
				continue;
			}
			uint32_t ei = cursor[top - 1]++;
			uint32_t w = g->edges[ei].to;
			if (done[w] || colour[w] == 2)
				continue;
			if (colour[w] == 1) {
				/* back edge: the cycle is the stack from w's slot, then ei */
				size_t k = 0;
				uint32_t *cyc = sp_xcalloc(top + 1, sizeof(*cyc));
				for (size_t i = depth[w] + 1; i < top; i++)
					cyc[k++] = via[i];
				cyc[k++] = ei;
				report_cycle(b, cyc, k);
				free(cyc);
				found = 1;
				break;
			}
			node[top] = w;
			cursor[top] = g->out_start[w];
			via[top] = ei;
			depth[w] = (uint32_t)top;
			colour[w] = 1;
			top++;
		}
	}
	free(colour);
	free(node);
	free(cursor);
	free(via);
	free(depth);
}

static void topo_sort(struct build *b)
{
	struct sp_graph *g = b->g;
	size_t n = g->nnodes, nheap = 0, k = 0;
	uint32_t *indeg = sp_xcalloc(n ? n : 1, sizeof(*indeg));
	uint32_t *heap = sp_xcalloc(n ? n : 1, sizeof(*heap));
	unsigned char *done = sp_xcalloc(n ? n : 1, 1);

	g->topo = SP_NEWN(&g->arena, uint32_t, n ? n : 1);
	for (size_t v = 0; v < n; v++) {
		indeg[v] = g->in_start[v + 1] - g->in_start[v];
		if (!indeg[v])
			heap_push(heap, &nheap, (uint32_t)v);
	}
	while (nheap) {
		uint32_t u = heap_pop(heap, &nheap);
		g->topo[k++] = u;
		done[u] = 1;
		for (uint32_t i = g->out_start[u]; i < g->out_start[u + 1]; i++)
			if (--indeg[g->edges[i].to] == 0)
				heap_push(heap, &nheap, g->edges[i].to);
	}
	if (k < n)
		find_cycle(b, done);
	free(indeg);
	free(heap);
	free(done);
}

/* ---- public -------------------------------------------------------------- */

int sp_graph_build(struct sp_graph **out, const struct sp_spec *spec, struct sp_diags *diags)
{
	struct build b;
	struct sp_graph *g;
	size_t n;
	int rc = 0;

	*out = NULL;
	memset(&b, 0, sizeof(b));
	g = sp_xcalloc(1, sizeof(*g));
	sp_arena_init(&g->arena);
	sp_hmap_init(&g->index);
	b.g = g;
	b.spec = spec;
	b.diags = diags;

	n = spec->nservices + spec->ncaches + spec->ndatastores + spec->nqueues + spec->ngpus;
	if (n >= NONE) {
		sp_error(diags, spec->pos, "too many components (%zu) for one graph", n);
		rc = -1;
		goto out;
	}
	g->nodes = SP_NEWN(&g->arena, struct sp_node, n ? n : 1);
	add_nodes(&b);
	add_edges(&b);
	if (b.ntmp >= NONE) {
		sp_error(diags, spec->pos, "too many dependencies (%zu) for one graph", b.ntmp);
		rc = -1;
		goto out;
	}
	build_csr(&b);
	/* edges with a bad reference were left out; a cycle among the others is
	 * real, so it is reported too (every problem at once) */
	topo_sort(&b);
	if (b.nerr)
		rc = -1;
out:
	free(b.tmp);
	free(b.names);
	if (rc < 0)
		sp_graph_free(g);
	else
		*out = g;
	return rc;
}

void sp_graph_free(struct sp_graph *g)
{
	if (!g)
		return;
	sp_hmap_free(&g->index);
	sp_arena_free(&g->arena);
	free(g);
}

size_t sp_graph_nnodes(const struct sp_graph *g)
{
	return g->nnodes;
}

size_t sp_graph_nedges(const struct sp_graph *g)
{
	return g->nedges;
}

const struct sp_node *sp_graph_node(const struct sp_graph *g, uint32_t i)
{
	return i < g->nnodes ? &g->nodes[i] : NULL;
}

const struct sp_edge *sp_graph_edge(const struct sp_graph *g, uint32_t i)
{
	return i < g->nedges ? &g->edges[i] : NULL;
}

size_t sp_graph_count(const struct sp_graph *g, enum sp_node_kind kind)
{
	if ((unsigned)kind >= SP_NODE_NKINDS)
		return 0;
	return g->first[kind + 1] - g->first[kind];
}

uint32_t sp_graph_first(const struct sp_graph *g, enum sp_node_kind kind)
{
	if ((unsigned)kind >= SP_NODE_NKINDS)
		return (uint32_t)g->nnodes;
	return g->first[kind];
}

int sp_graph_lookup(const struct sp_graph *g, const char *name, uint32_t *idx)
{
	return name ? sp_hmap_get(&g->index, name, idx) : -1;
}

const struct sp_edge *sp_graph_out(const struct sp_graph *g, uint32_t v, size_t *n)
{
	if (v >= g->nnodes) {
		*n = 0;
		return NULL;
	}
	*n = g->out_start[v + 1] - g->out_start[v];
	return g->edges + g->out_start[v];
}

uint32_t sp_graph_out_first(const struct sp_graph *g, uint32_t v)
{
	return v < g->nnodes ? g->out_start[v] : (uint32_t)g->nedges;
}

const uint32_t *sp_graph_in(const struct sp_graph *g, uint32_t v, size_t *n)
{
	if (v >= g->nnodes) {
		*n = 0;
		return NULL;
	}
	*n = g->in_start[v + 1] - g->in_start[v];
	return g->in_edges + g->in_start[v];
}

const uint32_t *sp_graph_topo(const struct sp_graph *g)
{
	return g->topo;
}

void sp_graph_lint(const struct sp_graph *g, struct sp_diags *diags)
{
	size_t n = sp_graph_nnodes(g);
	for (uint32_t v = 0; v < n; v++) {
		const struct sp_node *node = sp_graph_node(g, v);
		size_t nin;
		sp_graph_in(g, v, &nin);
		if (nin)
			continue;
		switch (node->kind) {
		case SP_NODE_SERVICE:
			if (!node->service->demand.present)
				sp_warn(diags, node->pos,
					"service '%s' receives no demand: it has no 'demand', nothing calls it and no queue feeds it",
					node->name);
			break;
		case SP_NODE_GPU:
			if (node->gpu->kind == SP_GPU_INFERENCE && !node->gpu->demand.present)
				sp_warn(diags, node->pos,
					"GPU workload '%s' receives no demand: it has no 'driver' and no service calls it",
					node->name);
			break;
		case SP_NODE_CACHE:
			sp_warn(diags, node->pos, "cache '%s' is not used: no call reads it or goes through it", node->name);
			break;
		case SP_NODE_DATASTORE:
			sp_warn(diags, node->pos, "datastore '%s' is not used: no service reads or writes it", node->name);
			break;
		case SP_NODE_QUEUE:
			break;
		}
	}
}
