/* What the two files of the etcd state backend share (private to
 * providers/backend_etcd.c and providers/backend_etcd_keys.c): the keys as
 * they are, with their order-independent checksum; the head's codec; the
 * diff of two sets of keys. No network here. */
#ifndef SP_BACKEND_ETCD_INT_H
#define SP_BACKEND_ETCD_INT_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/hmap.h"
#include "providers/state.h"

#define SP_EK_HEAD_FORMAT 1
#define SP_EK_SUM_PREFIX "crc32c-sum:"

/* ---- the keys as they are: key (relative to PREFIX/) -> value, and their checksum ---------------- */

struct kent {
	const char *key, *val;
	size_t vlen;
	int present;
};

struct kmap {
	struct sp_arena a;
	struct sp_hmap idx;
	struct kent *v;
	size_t n, cap;
	uint64_t sum;               /* of the present entries */
	size_t nres, nrem;          /* present r/ and removed/ entries */
};

/* The CRC-32C of one entry: its key, a NUL, its value. The checksum of a
 * set of keys is the sum (mod 2^64) of its entries' CRCs. */
uint32_t sp_ek_entry_crc(const char *key, const char *val, size_t vlen);
/* Whether a relative key is a resource's (r/) or a removed address's (removed/). */
int sp_ek_is_res(const char *rel);
int sp_ek_is_rem(const char *rel);
/* An empty map; frees everything (m is empty and usable after). */
void sp_ek_kmap_init(struct kmap *m);
void sp_ek_kmap_free(struct kmap *m);
/* Sets key to val (vlen bytes, copied), or deletes it (val NULL); the sum
 * and counts follow. */
void sp_ek_kmap_set(struct kmap *m, const char *key, const char *val, size_t vlen);
/* The present entry of key, or NULL. */
const struct kent *sp_ek_kmap_get(const struct kmap *m, const char *key);
/* Whether a and b hold the same keys and values. */
int sp_ek_kmap_same(const struct kmap *a, const struct kmap *b);

/* ---- the head ------------------------------------------------------------------------------------ */

struct head {
	int has_state;              /* a committed state exists (else: nothing stored yet) */
	char lineage[40];
	uint64_t serial;
	char version[32];           /* scaleplan_version of the last writer */
	struct sp_state_cost cost;
	size_t nres, nrem;          /* the committed keys: how many, and their checksum */
	uint64_t sum;
	char write[96];             /* the ID of the write that put this head */
	int pending;                /* a write of several transactions is under way */
	struct {
		char write[96], by[200], since[32];
		int64_t view;       /* where the committed keys are; 0: at this head's own revision */
		int64_t base;       /* the revision of the committed head this write replaces (0: none) */
		int damaged;        /* it replaces a state that could not be read (push --force) */
	} p;
};

/* snprintf(dst, n, "%s", src), src NULL as "". */
void sp_ek_copy_str(char *dst, size_t n, const char *src);
/* The head's JSON (malloc'd in *out). */
int sp_ek_head_encode(const struct head *h, char **out, struct sp_err *err);
/* Decodes a head (origin names its key in messages): SP_ECORRUPT for a head
 * that is not one scaleplan wrote, SP_EINVAL for one of a newer format. */
int sp_ek_head_decode(const char *text, size_t len, struct head *h, const char *origin, struct sp_err *err);

/* ---- the diff ------------------------------------------------------------------------------------ */

struct op {
	const char *key;            /* relative */
	const char *val;            /* NULL: delete */
	size_t vlen;
};

/* The puts and deletes that turn the keys c into d, sorted by key (malloc'd, *n of them). */
struct op *sp_ek_diff(const struct kmap *d, const struct kmap *c, size_t *n);

#endif
