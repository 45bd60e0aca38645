/* The dependency graph: one node per service, cache, datastore, queue and GPU
 * workload of a spec, one edge per unit of demand that flows from a node to
 * another. Demand propagation multiplies ratios along edges: a node's requests
 * per second are the sum over its in-edges of (source's rate) x (edge ratio).
 *
 * Layout (stable, so callers may rely on it):
 *   - nodes are in spec order, grouped by kind: every service (in
 *     spec->services order), then caches, datastores, queues, GPU workloads;
 *     the node of spec->caches[i] is sp_graph_first(g, SP_NODE_CACHE) + i.
 *   - edges are sorted by source node, and among one source by creation order
 *     (a service's calls in order, then queue edges in queue order); the
 *     out-edges of node v are contiguous (CSR), the in-edges of v are given as
 *     indices into the edge array, sorted by target then edge index.
 *   - the topological order lists every node once, sources before targets;
 *     among nodes ready at the same time the lower index comes first, so the
 *     order depends only on the spec.
 *
 * Ownership: the graph owns its arrays (its own arena) and points into the spec
 * (names, spec objects, positions): the spec must outlive the graph. Nothing
 * here prints. Built in O(nodes + edges); lookups by name are O(1). */
#ifndef SP_GRAPH_H
#define SP_GRAPH_H
#include <stddef.h>
#include <stdint.h>

#include "lib/diag.h"
#include "model/spec.h"

enum sp_node_kind {
	SP_NODE_SERVICE,
	SP_NODE_CACHE,
	SP_NODE_DATASTORE,
	SP_NODE_QUEUE,
	SP_NODE_GPU,
};
#define SP_NODE_NKINDS 5
/* "service", "cache", "datastore", "queue", "GPU workload" (for messages). */
extern const char *const sp_node_kind_names[SP_NODE_NKINDS];

struct sp_node {
	enum sp_node_kind kind;
	const char *name;
	struct sp_pos pos;
	union {                     /* the spec object, by kind */
		const void *obj;
		const struct sp_service *service;
		const struct sp_cache *cache;
		const struct sp_datastore *datastore;
		const struct sp_queue *queue;
		const struct sp_gpu_workload *gpu;
	};
};

/* A call with via_cache makes two edges, the lookup first: caller -> cache
 * with every lookup, then caller -> callee with what the cache misses. A
 * service callee gets a CACHE_MISS edge; a datastore callee keeps its
 * DATASTORE edge with only the reads reduced (writes go through); a GPU
 * callee keeps its GPU edge with the ratio reduced. e->call->via_cache tells
 * whether an edge is behind a cache. */
enum sp_edge_kind {
	SP_EDGE_CALL,           /* service -> service, ratio per_request */
	SP_EDGE_CACHE_LOOKUP,   /* caller -> cache in front of a call, ratio per_request
				 * (reads_per_request for a datastore call) */
	SP_EDGE_CACHE_MISS,     /* caller -> service behind a cache, ratio per_request x (1 - hit_rate) */
	SP_EDGE_CACHE,          /* service -> cache used directly, ratio per_request */
	SP_EDGE_DATASTORE,      /* service -> datastore, ratio reads + writes (both kept) */
	SP_EDGE_GPU,            /* service -> GPU inference workload, ratio per_request
				 * (x (1 - hit_rate) behind a cache) */
	SP_EDGE_PRODUCE,        /* producer service -> queue, ratio per_request (messages) */
	SP_EDGE_CONSUME,        /* queue -> worker service, ratio 1 */
};
#define SP_EDGE_NKINDS 8
/* "call", "cache lookup", "cache miss", "cache", "datastore", "gpu", "produce", "consume". */
extern const char *const sp_edge_kind_names[SP_EDGE_NKINDS];

struct sp_edge {
	enum sp_edge_kind kind;
	uint32_t from, to;          /* node indices */
	double ratio;               /* target operations per source request */
	double reads, writes;       /* per source request; datastore edges only (reads already
				     * reduced by the cache's hit rate behind a via_cache) */
	const struct sp_call *call; /* the call that made it; NULL for queue edges */
	struct sp_pos pos;          /* the YAML that made it: the call, its via_cache, or the
				     * queue's from/worker key */
};

struct sp_graph;

/* Builds the graph of spec. Every unknown or ill-typed reference (a call to a
 * name no component has, a via_cache that is not a cache, a call to a queue or
 * a training workload, a queue whose producer or worker is not a service) is an
 * error at the referencing position; a dependency cycle is one error
 * "dependency cycle: a -> b -> a" at the first edge's position followed by one
 * note per edge. Returns 0 and *out (free with sp_graph_free), or -1 when any
 * error was added to diags (*out is then NULL). */
int sp_graph_build(struct sp_graph **out, const struct sp_spec *spec, struct sp_diags *diags);
/* Frees g and everything it owns (not the spec); NULL is a no-op. */
void sp_graph_free(struct sp_graph *g);
/* Warnings about a valid graph: a service or inference workload that receives
 * no demand, a cache or datastore nothing uses. Never errors. */
void sp_graph_lint(const struct sp_graph *g, struct sp_diags *diags);

/* The number of nodes: one per component. */
size_t sp_graph_nnodes(const struct sp_graph *g);
/* The number of edges: the range of sp_graph_edge's index. */
size_t sp_graph_nedges(const struct sp_graph *g);
/* Node i, 0 <= i < nnodes (not checked); owned by g. */
const struct sp_node *sp_graph_node(const struct sp_graph *g, uint32_t i);
/* Edge i, 0 <= i < nedges (not checked); owned by g. */
const struct sp_edge *sp_graph_edge(const struct sp_graph *g, uint32_t i);
/* Number of nodes of a kind (the kind's nodes are contiguous and in spec order). */
size_t sp_graph_count(const struct sp_graph *g, enum sp_node_kind kind);
/* Index of the first node of a kind (where it would be when there is none). */
uint32_t sp_graph_first(const struct sp_graph *g, enum sp_node_kind kind);
/* Node index by name: 0 and *idx, or -1 when no node has that name. O(1). */
int sp_graph_lookup(const struct sp_graph *g, const char *name, uint32_t *idx);

/* The out-edges of node v: *n contiguous edges (sources all v), in creation
 * order, owned by g; the index of out[k] is sp_graph_out_first(g, v) + k. */
const struct sp_edge *sp_graph_out(const struct sp_graph *g, uint32_t v, size_t *n);
/* The edge index of node v's first out-edge. */
uint32_t sp_graph_out_first(const struct sp_graph *g, uint32_t v);
/* The in-edges of node v: *n edge indices (targets all v), in edge order; owned by g. */
const uint32_t *sp_graph_in(const struct sp_graph *g, uint32_t v, size_t *n);

/* Every node index once, in topological order (nnodes entries, owned by g):
 * a node comes after every node with an edge to it. */
const uint32_t *sp_graph_topo(const struct sp_graph *g);

#endif
