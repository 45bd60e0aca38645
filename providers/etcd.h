/* A small client of etcd v3's JSON gateway (the grpc-gateway every etcd
 * member serves under /v3/, etcd 3.4 and later), over the one HTTP client
 * (providers/http.h): range (paginated, at a fixed revision), txn, put,
 * delete range, lease grant, keep-alive and revoke, and auth/authenticate
 * when a user name is set.
 *
 * The gateway speaks protobuf's JSON mapping: keys and values are base64,
 * 64-bit integers are strings, and a field at its default (0, false, empty)
 * is left out. This client hides all three: keys and values are bytes with a
 * length, integers are int64_t.
 *
 * Failover: a call goes to the member that answered last, and on a failure
 * worth trying elsewhere (no answer, a timeout, HTTP 429 or 5xx, which is how
 * the gateway maps etcd's "no leader", "leader changed" and "request timed
 * out") to the next one, in the order given; after a pass over every member
 * it waits (exponential backoff with jitter, sp_http_backoff_ms) and starts
 * another pass, up to `rounds` passes and `total_ms` in all. Then the call
 * fails with SP_EIO naming every member tried and the last failure. Any
 * other answer from etcd (a bad request, a compacted revision, a lease not
 * found) ends the call at once: it would be the same on every member.
 *
 * A call that got no answer may still have been applied (the member died
 * after committing it): the caller makes its writes safe to send twice (a
 * txn that compares a revision, a put of the same value), as the state
 * backend does (providers/backend_etcd.c).
 *
 * Credentials: a user name and password are exchanged for a token
 * (POST /v3/auth/authenticate) on the first call, and again when a member
 * says the token is not valid (simple tokens expire); the token goes in the
 * Authorization header. The password and the token are held here only, never
 * formatted into a message, and wiped when the client is freed. TLS client
 * certificates and the CA go to the HTTP client as they are.
 *
 * One client is used by one thread at a time; a thread that renews a lease in
 * the background opens its own. */
#ifndef SP_ETCD_H
#define SP_ETCD_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "providers/http.h"

struct sp_etcd_opts {
	const char *const *endpoints;   /* http(s)://host:port of the members; copied */
	size_t nendpoints;
	struct sp_http_opts http;       /* timeouts and TLS; its username/password are ignored (see below) */
	const char *username, *password;/* etcd's own auth; copied, the password wiped on free */
	int rounds;                     /* passes over every member before giving up; 0: 5 */
	long total_ms;                  /* bound on one call, waits included; 0: 30000 */
	const char *where;              /* err->file of every error ("etcd URL,URL prefix P"); copied */
};

/* A key and its value as etcd holds them. key and value are NUL-terminated
 * copies (etcd keys and values are bytes: a NUL inside is possible, klen and
 * vlen are the lengths). */
struct sp_etcd_kv {
	char *key, *value;
	size_t klen, vlen;
	int64_t create_revision, mod_revision, version, lease;
};

struct sp_etcd_kvs {
	struct sp_etcd_kv *v;
	size_t n, cap;
	int64_t revision;               /* the store's revision the answer was read at */
};

struct sp_etcd;

/* A client; nothing is sent until the first call. NULL with err set when
 * libcurl cannot start or there is no endpoint. */
struct sp_etcd *sp_etcd_new(const struct sp_etcd_opts *o, struct sp_err *err);
/* Wipes the secrets and frees c; NULL is allowed. */
void sp_etcd_free(struct sp_etcd *c);
/* The endpoint that answered last (for messages and tests). */
const char *sp_etcd_endpoint(const struct sp_etcd *c);

/* Errors every call may return: SP_EIO no member answered (every one named);
 * SP_EINVAL etcd refused the request (its message, the HTTP status);
 * SP_ETOOBIG the request is larger than etcd accepts (--max-request-bytes)
 * or has more operations than a txn may (--max-txn-ops); SP_ESTALE the
 * revision asked for has been compacted; SP_ENOTFOUND a lease that does not
 * exist (expired or revoked). */

/* Every key in [key, range_end) (range_end NULL: key alone; "\0" is never
 * needed: prefix ranges use sp_etcd_prefix_end) at revision rev (0: the
 * latest), in pages of `page` keys, every page at the revision of the first
 * answer, so the result is one consistent snapshot; out->revision is that
 * revision. Keys come sorted. Strings go to a; out is appended to. */
int sp_etcd_range(struct sp_etcd *c, const char *key, size_t klen, const char *range_end, size_t elen, int64_t rev,
		  size_t page, struct sp_etcd_kvs *out, struct sp_arena *a, struct sp_err *err);
/* The end of the range of every key that starts with prefix (its last byte
 * plus one), malloc'd, in *end and *elen. */
void sp_etcd_prefix_end(const char *prefix, size_t plen, char **end, size_t *elen);

/* A transaction: if every compare holds, the success operations, else the
 * failure ones, atomically. Built, then sent with sp_etcd_txn_do. */
enum sp_etcd_target { SP_ETCD_CREATE, SP_ETCD_MOD, SP_ETCD_VERSION, SP_ETCD_LEASE };
struct sp_etcd_txn {
	void *cmp, *ok, *fail;          /* jansson arrays (private) */
	size_t nok;                     /* success operations so far */
	size_t nget_ok, nget_fail;      /* gets in each branch */
	size_t bytes;                   /* key and value bytes in the success operations */
};
void sp_etcd_txn_init(struct sp_etcd_txn *t);
void sp_etcd_txn_free(struct sp_etcd_txn *t);
/* Compares target of key with v: equal. A missing key has every target 0. */
void sp_etcd_txn_cmp(struct sp_etcd_txn *t, const char *key, enum sp_etcd_target target, int64_t v);
/* Success operations: a put (lease 0: none), a delete of one key. */
void sp_etcd_txn_put(struct sp_etcd_txn *t, const char *key, const char *value, size_t vlen, int64_t lease);
void sp_etcd_txn_del(struct sp_etcd_txn *t, const char *key);
/* A success (or failure) operation that reads one key: its kv comes back in
 * the answer's got[], in the order the branch taken asked (at most
 * SP_ETCD_TXN_GETS gets a branch). */
#define SP_ETCD_TXN_GETS 4
void sp_etcd_txn_get(struct sp_etcd_txn *t, const char *key);
void sp_etcd_txn_else_get(struct sp_etcd_txn *t, const char *key);

struct sp_etcd_txn_resp {
	int succeeded;
	int64_t revision;               /* the store's revision after the txn */
	/* what each get operation of the branch taken read, in order; NULL
	 * for a key that does not exist */
	struct sp_etcd_kv *got[SP_ETCD_TXN_GETS];
	size_t ngot;
};
/* Sends t. 0 with *r filled (strings in a) whether or not the compares held. */
int sp_etcd_txn_do(struct sp_etcd *c, const struct sp_etcd_txn *t, struct sp_etcd_txn_resp *r, struct sp_arena *a,
		   struct sp_err *err);

/* A put and a delete of one key (0 or an error). */
int sp_etcd_put(struct sp_etcd *c, const char *key, const char *value, size_t vlen, int64_t lease,
		struct sp_err *err);
int sp_etcd_delete(struct sp_etcd *c, const char *key, struct sp_err *err);

/* Leases: grant (ttl seconds; *id and the TTL etcd granted, which may be
 * raised to its minimum), one keep-alive (*ttl the seconds left; 0 when the
 * lease has expired or is unknown) and revoke (which deletes every key
 * attached; SP_ENOTFOUND when the lease is gone already). */
int sp_etcd_lease_grant(struct sp_etcd *c, long ttl, int64_t *id, long *granted, struct sp_err *err);
int sp_etcd_lease_keepalive(struct sp_etcd *c, int64_t id, long *ttl, struct sp_err *err);
int sp_etcd_lease_revoke(struct sp_etcd *c, int64_t id, struct sp_err *err);

/* Base64 (RFC 4648, with padding), as the gateway wants keys and values.
 * enc: a malloc'd string; dec: 0 with the bytes (NUL-terminated) in a, or -1
 * for text that is not base64. Exposed for the unit tests. */
char *sp_etcd_b64enc(const void *p, size_t n);
int sp_etcd_b64dec(const char *s, size_t n, struct sp_arena *a, char **out, size_t *outlen);

#endif
