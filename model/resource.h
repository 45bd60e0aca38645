/* A resource: one component in one region, as the planner manages it, with
 * flat attributes (instance type and count, shards, GPUs, purchase tier, ...).
 * The model builds the desired resources; providers read and write the actual
 * ones; the planner diffs the two. Addresses are stable and readable:
 *   service.web-api[us-east-1], datastore.orders-db[eu-west-1], gpu.assistant[us-east-1]
 * All strings live in an arena owned by whoever built the set. */
#ifndef SP_RESOURCE_H
#define SP_RESOURCE_H
#include <stddef.h>

#include "lib/arena.h"

enum sp_attr_type { SP_ATTR_STR, SP_ATTR_NUM, SP_ATTR_BOOL };

struct sp_attr {
	const char *key;
	enum sp_attr_type type;
	const char *s;              /* SP_ATTR_STR */
	double n;                   /* SP_ATTR_NUM (integers are whole doubles); SP_ATTR_BOOL: 0 or 1 */
	int force_new;              /* a change of this attribute needs a replace, not an update */
};

struct sp_resource {
	const char *address;        /* "<type>.<name>[<region>]" */
	const char *type;           /* "service", "cache", "datastore", "queue", "gpu" */
	const char *name;
	const char *region;
	struct sp_attr *attrs;      /* sorted by key, unique keys */
	size_t nattrs;
	const char **depends_on;    /* addresses this one needs first (same region), sorted */
	size_t ndeps;
	int prevent_destroy;        /* lifecycle: a plan that destroys it fails */
	int allow_zero;             /* lifecycle: may be scaled to zero without a protection error */
};

struct sp_resource_set {
	struct sp_resource *v;      /* sorted by address */
	size_t n;
};

/* Builds "<type>.<name>[<region>]" in the arena. */
const char *sp_resource_address(struct sp_arena *a, const char *type, const char *name, const char *region);
/* Splits an address; returns -1 when it is not of that form. Outputs point into a's copies. */
int sp_resource_parse_address(struct sp_arena *a, const char *address, const char **type, const char **name,
			      const char **region);
/* Sorts r's attributes by key and its depends_on, keeping each address once
 * (call after building r). */
void sp_resource_sort(struct sp_resource *r);
/* Sorts the resources of s by address (call after building s). */
void sp_resource_set_sort(struct sp_resource_set *s);
/* Binary search by address in a sorted set; NULL when absent. The result
 * points into s. */
const struct sp_resource *sp_resource_find(const struct sp_resource_set *s, const char *address);
/* Binary search by key in r's sorted attributes; NULL when absent. The
 * result points into r. */
const struct sp_attr *sp_resource_attr(const struct sp_resource *r, const char *key);
/* Equal values (type and value; numbers compared exactly). */
int sp_attr_equal(const struct sp_attr *a, const struct sp_attr *b);

#endif
