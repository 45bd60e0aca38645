#include "model/desired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/xalloc.h"

static const char *const type_names[] = { "service", "cache", "datastore", "queue", "gpu" };

struct builder {
	struct sp_arena *a;
	struct sp_attr *attrs;
	size_t n, cap;
};

static void attr_str(struct builder *b, const char *key, const char *v, int force_new)
{
	SP_GROW(b->attrs, b->cap, b->n + 1);
	b->attrs[b->n++] = (struct sp_attr){ key, SP_ATTR_STR, v, 0, force_new };
}

static void attr_num(struct builder *b, const char *key, double v, int force_new)
{
	SP_GROW(b->attrs, b->cap, b->n + 1);
	b->attrs[b->n++] = (struct sp_attr){ key, SP_ATTR_NUM, NULL, v, force_new };
}

static void attr_bool(struct builder *b, const char *key, int v)
{
	SP_GROW(b->attrs, b->cap, b->n + 1);
	b->attrs[b->n++] = (struct sp_attr){ key, SP_ATTR_BOOL, NULL, v ? 1 : 0, 0 };
}

static const struct sp_lifecycle *lifecycle_of(const struct sp_node *node)
{
	switch (node->kind) {
	case SP_NODE_SERVICE: return &node->service->lifecycle;
	case SP_NODE_CACHE: return &node->cache->lifecycle;
	case SP_NODE_DATASTORE: return &node->datastore->lifecycle;
	case SP_NODE_QUEUE: return &node->queue->lifecycle;
	case SP_NODE_GPU: return &node->gpu->lifecycle;
	}
	return NULL;
}

/* What every component that buys capacity has: its SKU (under sku_key), how
 * many units (under count_key) and how they are bought. The order attributes
 * are added in does not matter: sp_resource_sort sorts them by key. */
static void attr_capacity(struct builder *b, const char *sku_key, const char *sku, const char *count_key, double units,
			  const struct sp_fc_line *l)
{
	attr_str(b, sku_key, sku, 0);
	attr_num(b, count_key, units, 0);
	attr_str(b, "purchase", sp_fc_purchase_names[l->purchase], 0);
}

/* The attributes of line l's resource in region ri (reg) at month and
 * percentile index pct, into b (emptied first). */
static void resource_attrs(struct builder *b, const struct sp_node *node, const struct sp_fc_line *l,
			   const struct sp_forecast *f, const struct sp_region *reg, int ri, int month, size_t pct)
{
	double units = sp_fc_region_value(f, l, ri, month, SP_FC_R_UNITS, pct);

	b->n = 0;
	switch (node->kind) {
	case SP_NODE_SERVICE:
		attr_str(b, "class", sp_class_names[node->service->cls], 0);
		attr_capacity(b, "instance_type", l->sku, "instances", units, l);
		if (node->service->autoscale) {
			/* an autoscaling group: from the quietest hour's instances to
			 * the peak's (or scaling.max), tracking the target utilisation */
			const struct sp_service *s = node->service;
			attr_num(b, "min_size", sp_fc_region_value(f, l, ri, month, SP_FC_R_MIN_UNITS, pct), 0);
			attr_num(b, "max_size", s->max > 0 ? s->max : units, 0);
			attr_num(b, "target_cpu_utilization", s->target_utilization, 0);
		}
		break;
	case SP_NODE_DATASTORE: {
		const struct sp_datastore *ds = node->datastore;
		double gb = sp_fc_value(f, l, month, SP_FC_STORAGE_GB, pct) * reg->share;
		attr_str(b, "engine", sp_db_engine_names[ds->engine], 1);
		attr_capacity(b, "instance_type", ds->instance, "nodes", units, l);
		attr_bool(b, "multi_az", ds->multi_az);
		attr_num(b, "replicas_per_shard",
			 sp_fc_region_value(f, l, ri, month, SP_FC_R_REPLICAS, pct), 0);
		attr_num(b, "shards", sp_fc_region_value(f, l, ri, month, SP_FC_R_SHARDS, pct), 0);
		/* storage is provisioned in steps of 10 GB, so small growth is not churn */
		attr_num(b, "storage_gb", ceil(gb / 10) * 10, 0);
		break;
	}
	case SP_NODE_CACHE:
		attr_str(b, "engine", sp_cache_engine_names[node->cache->engine], 1);
		attr_capacity(b, "node_type", node->cache->node, "nodes", units, l);
		break;
	case SP_NODE_QUEUE:
		attr_num(b, "max_backlog_age_s", node->queue->max_backlog_age_s, 0);
		attr_str(b, "producer", node->queue->from, 0);
		attr_str(b, "worker", node->queue->worker, 0);
		break;
	case SP_NODE_GPU:
		attr_str(b, "gpu", node->gpu->gpu, 1);
		attr_capacity(b, "instance_type", l->sku, "gpus", units, l);
		attr_str(b, "kind", sp_gpu_kind_names[node->gpu->kind], 1);
		break;
	}
}

/* Appends to *v the resource of node li in region reg with b's attributes,
 * its lifecycle and what it depends on in that region (strings in a). */
static void add_resource(struct sp_resource **v, size_t *n, size_t *cap, const struct builder *b, struct sp_arena *a,
			 const struct sp_graph *g, uint32_t li, const struct sp_region *reg)
{
	const struct sp_node *node = sp_graph_node(g, li);

	SP_GROW(*v, *cap, *n + 1);
	struct sp_resource *r = &(*v)[(*n)++];
	memset(r, 0, sizeof(*r));
	r->type = type_names[node->kind];
	r->name = node->name;
	r->region = reg->name;
	r->address = sp_resource_address(a, r->type, r->name, r->region);
	r->attrs = SP_NEWN(a, struct sp_attr, b->n);
	memcpy(r->attrs, b->attrs, b->n * sizeof(*b->attrs));
	r->nattrs = b->n;
	const struct sp_lifecycle *lc = lifecycle_of(node);
	r->prevent_destroy = lc->prevent_destroy;
	/* training fleets are idle between runs by design */
	r->allow_zero = lc->allow_zero ||
			(node->kind == SP_NODE_GPU && node->gpu->kind == SP_GPU_TRAINING);
	/* it depends on what it calls, reads or produces to (its out-edges);
	 * a queue does not depend on its worker: the worker depends on the
	 * queue, added by add_queue_deps from the worker's in-edges */
	size_t ne;
	const struct sp_edge *e = sp_graph_out(g, li, &ne);
	r->depends_on = SP_NEWN(a, const char *, ne);
	for (size_t k = 0; k < ne; k++) {
		const struct sp_node *to = sp_graph_node(g, e[k].to);
		if (e[k].kind == SP_EDGE_CONSUME)
			continue; /* the queue does not need its worker */
		r->depends_on[r->ndeps++] = sp_resource_address(a, type_names[to->kind], to->name, reg->name);
	}
	sp_resource_sort(r);
}

/* Workers need their queue: each service fed by a queue depends on it too
 * (its in-edges), added to the resources v[0..n). */
static void add_queue_deps(struct sp_resource *v, size_t n, struct sp_arena *a, const struct sp_graph *g)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].type, "service"))
			continue;
		uint32_t idx;
		if (sp_graph_lookup(g, v[i].name, &idx) < 0)
			continue;
		size_t nin;
		const uint32_t *in = sp_graph_in(g, idx, &nin);
		size_t extra = 0;
		for (size_t k = 0; k < nin; k++)
			if (sp_graph_edge(g, in[k])->kind == SP_EDGE_CONSUME)
				extra++;
		if (!extra)
			continue;
		const char **deps = SP_NEWN(a, const char *, v[i].ndeps + extra);
		memcpy(deps, v[i].depends_on, v[i].ndeps * sizeof(*deps));
		size_t nd = v[i].ndeps;
		for (size_t k = 0; k < nin; k++) {
			const struct sp_edge *e = sp_graph_edge(g, in[k]);
			if (e->kind == SP_EDGE_CONSUME)
				deps[nd++] = sp_resource_address(a, "queue", sp_graph_node(g, e->from)->name, v[i].region);
		}
		v[i].depends_on = deps;
		v[i].ndeps = nd;
		sp_resource_sort(&v[i]);
	}
}

int sp_desired_build(struct sp_resource_set *out, struct sp_arena *a, const struct sp_spec *spec,
		     const struct sp_graph *g, const struct sp_forecast *f, int month, size_t pct)
{
	struct builder b = { a, NULL, 0, 0 };
	size_t n = 0, cap = 0;
	struct sp_resource *v = NULL;

	out->v = NULL;
	out->n = 0;
	if (month < 0 || month >= f->months || pct >= f->npcts)
		return SP_EINVAL;
	for (size_t li = 0; li < f->nlines; li++) {
		const struct sp_node *node = sp_graph_node(g, (uint32_t)li);
		for (size_t ri = 0; ri < spec->nregions; ri++) {
			const struct sp_region *reg = &spec->regions[ri];
			if (reg->from != SP_NO_MONTH && spec->start + month < reg->from)
				continue;
			/* training runs in the first region only */
			if (node->kind == SP_NODE_GPU && node->gpu->kind == SP_GPU_TRAINING && ri > 0)
				continue;
			resource_attrs(&b, node, &f->lines[li], f, reg, (int)ri, month, pct);
			add_resource(&v, &n, &cap, &b, a, g, (uint32_t)li, reg);
		}
	}
	add_queue_deps(v, n, a, g);
	free(b.attrs);
	out->v = SP_NEWN(a, struct sp_resource, n);
	if (n)
		memcpy(out->v, v, n * sizeof(*v));
	out->n = n;
	free(v);
	sp_resource_set_sort(out);
	return 0;
}

void sp_spec_each_lifecycle(const struct sp_spec *s,
			    void (*fn)(void *ctx, const char *type, const char *name, const struct sp_lifecycle *lc),
			    void *ctx)
{
	for (size_t i = 0; i < s->nservices; i++)
		fn(ctx, type_names[SP_NODE_SERVICE], s->services[i].name, &s->services[i].lifecycle);
	for (size_t i = 0; i < s->ncaches; i++)
		fn(ctx, type_names[SP_NODE_CACHE], s->caches[i].name, &s->caches[i].lifecycle);
	for (size_t i = 0; i < s->ndatastores; i++)
		fn(ctx, type_names[SP_NODE_DATASTORE], s->datastores[i].name, &s->datastores[i].lifecycle);
	for (size_t i = 0; i < s->nqueues; i++)
		fn(ctx, type_names[SP_NODE_QUEUE], s->queues[i].name, &s->queues[i].lifecycle);
	for (size_t i = 0; i < s->ngpus; i++)
		fn(ctx, type_names[SP_NODE_GPU], s->gpus[i].name, &s->gpus[i].lifecycle);
}
