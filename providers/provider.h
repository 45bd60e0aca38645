/* The provider interface: the outside world where resources live. Every
 * provider is one small vtable; every call takes an explicit context and
 * reports failure in a struct sp_err naming the resource (its address in
 * err->file) and, for remote providers, the server and HTTP status. */
#ifndef SP_PROVIDER_H
#define SP_PROVIDER_H
#include "lib/arena.h"
#include "lib/err.h"
#include "model/resource.h"

struct sp_provider;

struct sp_provider_ops {
	const char *kind;           /* "local" */
	/* Every resource that exists now, in a (sorted by address). */
	int (*list)(struct sp_provider *p, struct sp_resource_set *out, struct sp_arena *a, struct sp_err *err);
	/* One resource by address: 0 and *out, SP_ENOTFOUND when absent. */
	int (*read)(struct sp_provider *p, const char *address, struct sp_resource *out, struct sp_arena *a,
		    struct sp_err *err);
	int (*create)(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err);
	int (*update)(struct sp_provider *p, const struct sp_resource *before, const struct sp_resource *after,
		      struct sp_err *err);
	int (*remove)(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err);
	void (*close)(struct sp_provider *p);
	/* Optional: removes what writers killed mid-write left behind (the local
	 * provider's temporary files). Called by apply while it holds the state
	 * lock, which serialises every writer of the provider. */
	void (*sweep)(struct sp_provider *p);
	/* Optional, for grouping the disk syncs of many operations: once apply
	 * sets p->deferred, a create, update or remove may return before what
	 * it did is durable, and a create or update before it is visible; sync
	 * then makes every write since the last sync visible and durable. A
	 * sync that fails names the resource (or the folder) and leaves each
	 * write either done or not done, never half done. Apply calls sync
	 * before it records the operations since the last one. */
	int (*sync)(struct sp_provider *p, struct sp_err *err);
};

struct sp_provider {
	const struct sp_provider_ops *ops;
	void *ctx;                  /* the provider's own state */
	const char *where;          /* for messages: the folder, or the URL without credentials */
	int deferred;               /* set by apply when it calls ops->sync (see there) */
};

#endif
