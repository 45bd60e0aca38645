/* Datastore sizing (docs/model.md §5 "Datastores"): shards, read replicas and
 * nodes of one store in one region from its peak reads, writes and data, with
 * the rule that a shard count once reached holds (merging shards is a project,
 * not a monthly event). Pure functions: no I/O, no state. */
#ifndef SP_DATASTORE_H
#define SP_DATASTORE_H
#include "model/spec.h"

#define SP_DS_HA_AVAILABILITY 99.9   /* a datastore at or above this keeps one extra replica */

/* One store in one region, one month, one path. */
struct sp_ds_size {
	int shards;        /* primaries */
	int replicas;      /* read replicas per shard (with the HA replica) */
	int nodes;         /* shards x (1 + replicas + standby) */
	int outgrown;      /* an unsharded store whose writes or data need more than one primary */
	int held;          /* the shard count is the earlier peak's, not this month's need */
};

/* Sizes ds for reads/s, writes/s and gb of data in one region. prev_shards
 * is the count the same region and path had the month before (0 for none):
 * the result never has fewer shards. Replicas follow this month's reads.
 * Fills *out; inputs must be finite and >= 0. */
void sp_ds_size_region(const struct sp_datastore *ds, double reads, double writes, double gb, int prev_shards,
		       struct sp_ds_size *out);

#endif
