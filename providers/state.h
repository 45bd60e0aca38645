/* State: what scaleplan last applied, Terraform's proven model. A state has a
 * format version, a lineage (a UUID naming one history), a serial (+1 on every
 * write that changes content) and resources sorted by address. A backend
 * reads and writes it atomically and holds a lock for every writing command. */
#ifndef SP_STATE_H
#define SP_STATE_H
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "model/resource.h"

/* Version 2 added the checksum, the journal an apply in progress records to,
 * and the addresses removed from management (docs/providers.md). */
#define SP_STATE_VERSION 2

/* What the model said the spec costs over its horizon at the last apply (the
 * low, middle and high percentile), so the next plan shows the change. */
struct sp_state_cost {
	int present;
	double pct[3];              /* e.g. 10, 50, 90 */
	double horizon[3];          /* horizon totals at those percentiles */
	char currency[8];
	char at[8];                 /* the month applied, YYYY-MM */
};

struct sp_state {
	struct sp_arena arena;      /* owns everything below */
	int version;
	const char *lineage;        /* UUID v4 text, 36 chars */
	uint64_t serial;
	const char *scaleplan_version;
	struct sp_resource_set resources;
	struct sp_state_cost cost;  /* written as "cost" (absent when !present) */
	/* Addresses that 'state rm' took out of management: plan neither adopts
	 * nor deletes the provider's copy until 'state import'. Sorted, unique,
	 * strings in arena. */
	const char **removed;
	size_t nremoved, removed_cap;
	/* The journal of an apply in progress, as the backend names it ("" when
	 * none): a state that names a journal is never read without it. Set and
	 * cleared by the backend only. */
	char journal[40];
	int checksummed;            /* read: the file carried a checksum, and it matched */
	int read_version;           /* read: the format version of the file (it is written as SP_STATE_VERSION) */
};

/* Whether address is one of s->removed (binary search). */
int sp_state_is_removed(const struct sp_state *s, const char *address);
/* Adds (on != 0) or drops address in s->removed, keeping it sorted; returns
 * 1 when that changed the list, 0 when it was already so. */
int sp_state_set_removed(struct sp_state *s, const char *address, int on);

/* Who holds a lock, recorded in the lock file and printed to a blocked command. */
struct sp_lock_info {
	char id[40];                /* UUID of this lock */
	char who[128];              /* user@host */
	char operation[32];         /* "apply", "state push", ... */
	char created[32];           /* RFC 3339 UTC */
	long pid;
	char host[128];
	char ends[160];            /* how this backend's lock ends, in its words; "" when it does not say */
};

struct sp_backend;

/* One completed operation to record: the resource at address as it now is
 * (NULL: deleted). */
struct sp_record {
	const char *address;
	const struct sp_resource *now;
};

struct sp_backend_ops {
	const char *kind;           /* "local" */
	/* Reads the state; a missing state gives an empty one (serial 0, a new lineage). */
	int (*read)(struct sp_backend *b, struct sp_state **out, struct sp_err *err);
	/* Writes atomically (temp file, fsync, rename), keeping one backup; the
	 * caller has set serial (the backend refuses a serial below the stored one). */
	int (*write)(struct sp_backend *b, const struct sp_state *s, struct sp_err *err);
	/* Takes the lock for operation, waiting up to timeout_ms with backoff; on
	 * SP_ELOCKED *holder tells who has it. */
	int (*lock)(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *mine,
		    struct sp_lock_info *holder, struct sp_err *err);
	int (*unlock)(struct sp_backend *b, const char *id, struct sp_err *err);
	void (*close)(struct sp_backend *b);
	/* Records one completed operation durably, without rewriting the whole
	 * state: the resource as it now is (NULL: deleted) is appended to a
	 * journal and synced, and s->serial goes up by one. read() replays the
	 * journal over the last written state; write() folds it in. The caller
	 * holds the lock. This is what lets apply record every operation the
	 * moment it completes, in time linear in the number of operations. */
	int (*record)(struct sp_backend *b, struct sp_state *s, const char *address, const struct sp_resource *now,
		      struct sp_err *err);
	/* Replaces the stored state whatever its lineage and serial (state push
	 * --force), atomically and keeping the backup; the caller holds the lock. */
	int (*write_force)(struct sp_backend *b, const struct sp_state *s, struct sp_err *err);
	/* Makes ready to record the operations of an apply on s (read under the
	 * lock just before): proves that the journal and the state can be
	 * written, and makes the state name its journal, so that a journal lost
	 * later is found missing rather than silently dropped. Called before
	 * the provider is changed at all; fails (SP_EIO) when anything cannot be
	 * written, and then nothing was changed. */
	int (*begin)(struct sp_backend *b, struct sp_state *s, struct sp_err *err);
	/* For recovery (state pull --backup | --no-journal): the state as it was
	 * before its last write (SP_READ_BACKUP), or the state file without the
	 * journal it names (SP_READ_NO_JOURNAL); checksums are checked, the
	 * journal's name is dropped. SP_ENOTFOUND when there is no such file. */
	int (*read_recovery)(struct sp_backend *b, int which, struct sp_state **out, struct sp_err *err);
	/* Optional: records n completed operations as n calls of record would,
	 * in that order, but durably in one go (the local backend: one append
	 * and one sync): all of them, s->serial up by n, or on failure none,
	 * s unchanged. Apply records the operations that finished close
	 * together with it, so they share one sync. */
	int (*record_many)(struct sp_backend *b, struct sp_state *s, const struct sp_record *v, size_t n,
			   struct sp_err *err);
};

enum { SP_READ_BACKUP = 1, SP_READ_NO_JOURNAL = 2 };

struct sp_backend {
	const struct sp_backend_ops *ops;
	void *ctx;
	/* Where the state is, for messages: the file, or the kind and its
	 * server(s) ("etcd http://10.0.0.1:2379 prefix scaleplan/shop");
	 * never a credential. Owned by the backend. */
	const char *where;
};

/* An empty state: format SP_STATE_VERSION, serial 0, a fresh version-4
 * lineage (unique even without /dev/urandom). Free with sp_state_free. */
struct sp_state *sp_state_new(void);
/* Frees s and everything in its arena; NULL is allowed. */
void sp_state_free(struct sp_state *s);

#endif
