/* The desired state: the capacity the forecast says is needed in one month,
 * at one percentile, as one resource per component and active region. */
#ifndef SP_DESIRED_H
#define SP_DESIRED_H
#include "lib/arena.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/resource.h"
#include "model/spec.h"

/* Builds the resources for month index `month` (0 = the horizon's start) at
 * percentile index `pct` of f, into *out (sorted by address; strings in a).
 * A region that is not active yet has no resources. Returns 0, or SP_EINVAL
 * when month is outside the forecast. Attributes by type:
 *   service:   instance_type, instances, purchase, class; when autoscaled (scaling.autoscale)
 *              also min_size (the month's quietest hour), max_size (scaling.max, else
 *              instances) and target_cpu_utilization (scaling.target_utilization)
 *   datastore: engine*, instance_type, shards, replicas_per_shard, multi_az, storage_gb, nodes, purchase
 *   cache:     engine*, node_type, nodes, purchase
 *   queue:     producer, worker, max_backlog_age_s
 *   gpu:       kind*, gpu*, instance_type, gpus, purchase
 * (* a change needs a replace). depends_on lists, in the same region, what the
 * resource calls, reads, produces to or is fed by, so callees come first. */
int sp_desired_build(struct sp_resource_set *out, struct sp_arena *a, const struct sp_spec *spec,
		     const struct sp_graph *g, const struct sp_forecast *f, int month, size_t pct);

/* Calls fn for every component of spec, in spec order, with the type its
 * resources have ("service", "cache", "datastore", "queue", "gpu"), its name
 * and its lifecycle (all owned by spec). */
void sp_spec_each_lifecycle(const struct sp_spec *spec,
			    void (*fn)(void *ctx, const char *type, const char *name, const struct sp_lifecycle *lc),
			    void *ctx);

#endif
