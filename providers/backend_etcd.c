/* The etcd state backend (backend_etcd.h, docs/providers.md).
 *
 * Why this layout. A state of 10,000 resources is a few MiB: more than etcd
 * takes in one request (1.5 MiB by default) and far more than should be
 * rewritten for each of an apply's 10,000 operations. So each resource is a
 * key of its own, and a small head key says which keys make the state: their
 * count and an order-independent checksum (the sum of the CRC-32C of each
 * key and value, so one operation updates it by subtracting the old entry
 * and adding the new one, and a reader verifies it in one pass).
 *
 * Why every write compares the head. A write is one etcd transaction that
 * holds only if the head still has the revision the writer read and the lock
 * key still carries the writer's lease. Two writers can never both succeed,
 * and a writer whose lease expired (it was stopped, or cut off, for longer
 * than lock_ttl_s) can no longer write: the lease is the fencing token.
 *
 * Why the pending mark. A write larger than one transaction (the first push
 * of 10,000 resources; etcd also caps a transaction at 128 operations) spans
 * several. The first marks the head "pending", keeping the committed header
 * in it; readers that see the mark read the resources at the revision where
 * the mark was made (etcd's MVCC keeps it), so they see the state before the
 * write, never a half of it. Then the chunks, each comparing the head's
 * revision with the mark's, and last the head itself, committed. A writer that
 * dies in between leaves the mark; the next writer (holding the lock, which
 * the dead one lost with its lease) takes it over: it diffs what it wants
 * against the keys as they are, so the dead writer's keys are corrected, and
 * readers keep reading the state before the first mark. Should etcd compact
 * that revision before the mark is cleared, a reader says so and names the
 * way back (state pull --no-journal, then state push --force).
 *
 * Why a write ID. A request whose answer is lost (the member died after
 * committing it) is sent again to another member; if its comparison then
 * fails, the head tells whether it was this very write (its ID, recorded in
 * the head) that moved it: then it landed, once, and is not recorded twice.
 *
 * No journal: each operation an apply records is one transaction, durable in
 * etcd once it is answered. */
#include "providers/backend_etcd.h"
#include "providers/backend_etcd_int.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/etcd.h"
#include "providers/resource_json.h"
#include "providers/state_json.h"
#include "providers/uuid.h"
#include "providers/where.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

#define PAGE 1000                 /* keys a range page */
#define TXN_OPS 128               /* etcd's --max-txn-ops default */
#define TXN_BYTES ((size_t)1 << 20) /* key and value bytes a txn; etcd's --max-request-bytes is 1.5 MiB */
#define BACKOFF_START_MS 50
#define BACKOFF_MAX_MS 1000

/* How a damaged state in etcd is recovered, for messages. */
#define RECOVER_HINT                                                                                             \
	"; recover the state as it was before its last write with 'scaleplan state pull --backup > s.json' (etcd " \
	"keeps that revision until it is compacted), or the keys as they are with 'scaleplan state pull "          \
	"--no-journal > s.json', then 'scaleplan state push --force s.json'"

/* ---- the backend ----------------------------------------------------------------------------------- */

struct eb {
	struct sp_backend b;
	char *where, *prefix;       /* prefix without its trailing '/' */
	char *k_all, *k_head, *k_lock;  /* "PREFIX/", "PREFIX/head", "PREFIX/lock" */
	size_t all_len;
	int ttl;
	struct sp_where_http wh;    /* connection settings and credentials (wiped on close) */
	struct sp_etcd_opts eo;
	char **eps;                 /* eo's endpoints */
	struct sp_etcd *c;
	size_t max_ops, max_bytes;  /* a txn's budget, halved when etcd says a txn is too large */
	/* the lock */
	int held;
	int64_t lease;
	char lock_id[40];
	char who[200];              /* user@host (pid N), for pending marks */
	unsigned long nwrites;
	unsigned long nsent;        /* write transactions sent (SCALEPLAN_ETCD_FAULT_AT counts them) */
	pthread_t ka;
	int ka_running, ka_stop, ka_lost;
	long ka_last_ok;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* while the lock is held and the state was read under it: the head and
	 * its revision, the keys as they are, and (pending) the committed keys */
	int known, begun;
	struct head head;
	int64_t head_mod;           /* 0: no head */
	struct kmap cur, view;
	int have_view;
};

static struct eb *E(struct sp_backend *b)
{
	return b->ctx;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void now_rfc3339(char *out, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "PREFIX/rel" in sb (reset first). */
static const char *full(struct eb *e, struct sp_sb *sb, const char *rel)
{
	sp_sb_reset(sb);
	sp_sb_adds(sb, e->k_all);
	sp_sb_adds(sb, rel);
	return sb->buf;
}

static void forget(struct eb *e)
{
	e->known = 0;
	e->begun = 0;
	e->head_mod = 0;
	memset(&e->head, 0, sizeof(e->head));
	sp_ek_kmap_free(&e->cur);
	sp_ek_kmap_free(&e->view);
	e->have_view = 0;
}

/* ---- lock holders --------------------------------------------------------------------------------- */

static void fill_mine(struct sp_lock_info *m, const char *id, const char *operation)
{
	char user[64] = "";
	struct passwd pw, *res = NULL;
	char pwbuf[1024];

	memset(m, 0, sizeof(*m));
	sp_ek_copy_str(m->id, sizeof(m->id), id);
	sp_ek_copy_str(m->operation, sizeof(m->operation), operation);
	if (gethostname(m->host, sizeof(m->host) - 1) < 0 || !m->host[0])
		snprintf(m->host, sizeof(m->host), "unknown");
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_name)
		snprintf(user, sizeof(user), "%s", res->pw_name);
	else if (getenv("USER"))
		snprintf(user, sizeof(user), "%s", getenv("USER"));
	else
		snprintf(user, sizeof(user), "uid %u", (unsigned)geteuid());
	snprintf(m->who, sizeof(m->who), "%.63s@%.63s", user, m->host);
	now_rfc3339(m->created, sizeof(m->created));
	m->pid = (long)getpid();
}

static char *holder_encode(struct eb *e, const struct sp_lock_info *m, int64_t lease)
{
	json_t *o = json_object();
	char *text = NULL, ls[32];

	snprintf(ls, sizeof(ls), "%" PRId64, lease);
	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "operation", json_string(m->operation));
	json_object_set_new(o, "who", json_string(m->who));
	json_object_set_new(o, "pid", json_integer(m->pid));
	json_object_set_new(o, "host", json_string(m->host));
	json_object_set_new(o, "created", json_string(m->created));
	json_object_set_new(o, "version", json_string(SP_VERSION));
	json_object_set_new(o, "prefix", json_string(e->prefix));
	json_object_set_new(o, "lease", json_string(ls));
	json_object_set_new(o, "ttl_s", json_integer(e->ttl));
	sp_json_dump(o, 0, &text, NULL);
	json_decref(o);
	return text;
}

/* The holder recorded in a lock key's value; -1 when it is not one. */
static int holder_decode(const struct sp_etcd_kv *kv, struct sp_lock_info *info)
{
	json_t *o;

	memset(info, 0, sizeof(*info));
	if (!kv || !(o = json_loadb(kv->value, kv->vlen, 0, NULL)))
		return -1;
	sp_ek_copy_str(info->id, sizeof(info->id), json_string_value(json_object_get(o, "id")));
	sp_ek_copy_str(info->who, sizeof(info->who), json_string_value(json_object_get(o, "who")));
	sp_ek_copy_str(info->operation, sizeof(info->operation), json_string_value(json_object_get(o, "operation")));
	sp_ek_copy_str(info->created, sizeof(info->created), json_string_value(json_object_get(o, "created")));
	sp_ek_copy_str(info->host, sizeof(info->host), json_string_value(json_object_get(o, "host")));
	info->pid = json_is_integer(json_object_get(o, "pid")) ? (long)json_integer_value(json_object_get(o, "pid")) : 0;
	json_decref(o);
	return info->id[0] ? 0 : -1;
}

static void describe(struct sp_sb *sb, const struct sp_lock_info *h)
{
	if (!h->id[0]) {
		sp_sb_adds(sb, "another command (its lock key holds no holder scaleplan recorded)");
		return;
	}
	sp_sb_addf(sb, "%s (pid %ld) for '%s' since %s; lock ID %s", h->who[0] ? h->who : "an unknown user", h->pid,
		   h->operation, h->created, h->id);
}

/* ---- reading -------------------------------------------------------------------------------------- */

/* One snapshot of every key under PREFIX/ (one revision). */
struct snap {
	struct sp_arena a;
	struct sp_etcd_kvs kvs;
	struct sp_etcd_kv *headkv, *lockkv;
	struct head head;
	int head_rc;                /* head_decode's result (0 without a head) */
	struct sp_err head_err;
};

static void snap_free(struct snap *s)
{
	free(s->kvs.v);
	sp_arena_free(&s->a);
	memset(s, 0, sizeof(*s));
}

static const char *rel_of(const struct eb *e, const struct sp_etcd_kv *kv)
{
	return kv->key + e->all_len;
}

static int snap_fetch(struct eb *e, int64_t rev, struct snap *s, struct sp_err *err)
{
	char *end;
	size_t elen;
	int rc;

	memset(s, 0, sizeof(*s));
	sp_arena_init(&s->a);
	sp_etcd_prefix_end(e->k_all, e->all_len, &end, &elen);
	/* the latest revision, compacted while its pages were read: read again */
	for (int tries = 0;; tries++) {
		rc = sp_etcd_range(e->c, e->k_all, e->all_len, end, elen, rev, PAGE, &s->kvs, &s->a, err);
		if (rc != SP_ESTALE || rev || tries == 2)
			break;
		s->kvs.n = 0;
	}
	free(end);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < s->kvs.n; i++) {
		struct sp_etcd_kv *kv = &s->kvs.v[i];
		if (kv->klen != strlen(kv->key))
			continue; /* a NUL inside: never one of scaleplan's keys (read refuses it below) */
		if (!strcmp(rel_of(e, kv), "head"))
			s->headkv = kv;
		else if (!strcmp(rel_of(e, kv), "lock"))
			s->lockkv = kv;
	}
	if (s->headkv)
		s->head_rc = sp_ek_head_decode(s->headkv->value, s->headkv->vlen, &s->head, e->k_head, &s->head_err);
	return 0;
}

/* The keys of a snapshot but the head and the lock (all: also keys that are
 * not scaleplan's) into m. */
static void kmap_from_snap(struct eb *e, const struct snap *s, int all, struct kmap *m)
{
	sp_ek_kmap_free(m);
	for (size_t i = 0; i < s->kvs.n; i++) {
		const struct sp_etcd_kv *kv = &s->kvs.v[i];
		const char *rel = rel_of(e, kv);
		if (kv == s->headkv || kv == s->lockkv || kv->klen != strlen(kv->key))
			continue;
		if (all || sp_ek_is_res(rel) || sp_ek_is_rem(rel))
			sp_ek_kmap_set(m, rel, kv->value, kv->vlen);
	}
}

static int corrupt(struct eb *e, struct sp_err *err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int corrupt(struct eb *e, struct sp_err *err, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sp_err_set(err, SP_ECORRUPT, e->where, 0, 0, "damaged: %s" RECOVER_HINT, msg);
}

/* One r/ value decoded into r (strings in a); SP_ECORRUPT naming the key. */
static int decode_resource(struct eb *e, const struct sp_etcd_kv *kv, struct sp_arena *a, struct sp_resource *r,
			   struct sp_err *err)
{
	const char *addr = rel_of(e, kv) + 2;
	struct sp_jdec d;
	struct sp_err de;
	json_t *o;
	int rc;

	sp_err_clear(&de);
	sp_jdec_init(&d, kv->key, a, &de, SP_JDEC_MUST_BE);
	if (!(o = sp_json_parse(kv->value, kv->vlen, kv->key, "invalid JSON", &de)))
		return corrupt(e, err, "key '%s': %s", kv->key, de.msg);
	rc = sp_resource_json_decode(&d, o, SP_RESOURCE_JSON_FULL, r);
	json_decref(o);
	if (rc < 0)
		return corrupt(e, err, "key '%s': %s", kv->key, de.msg);
	if (strcmp(r->address, addr))
		return corrupt(e, err, "key '%s' holds resource '%s'", kv->key, r->address);
	return 0;
}

/* The state a snapshot's keys hold, with the header h (NULL: none, a fresh
 * lineage). verify: every key must be scaleplan's, and count and checksum
 * those h records. */
static int build_state(struct eb *e, const struct snap *s, const struct head *h, int verify, struct sp_state **out,
		       struct sp_err *err)
{
	struct sp_state *st = sp_state_new();
	size_t nres = 0, nrem = 0, cap = 0;
	uint64_t sum = 0;
	int rc = 0;

	*out = NULL;
	if (h && h->has_state) {
		st->lineage = sp_arena_strdup(&st->arena, h->lineage);
		st->serial = h->serial;
		st->scaleplan_version = sp_arena_strdup(&st->arena, h->version);
		st->cost = h->cost;
	}
	for (size_t i = 0; i < s->kvs.n; i++)
		cap += sp_ek_is_res(rel_of(e, &s->kvs.v[i]));
	st->resources.v = SP_NEWN(&st->arena, struct sp_resource, cap + 1);
	for (size_t i = 0; i < s->kvs.n; i++) {
		const struct sp_etcd_kv *kv = &s->kvs.v[i];
		const char *rel = rel_of(e, kv);
		if (kv->klen != strlen(kv->key)) {
			if (verify) {
				rc = corrupt(e, err, "a key under '%s' holds a NUL byte: it is not one scaleplan writes",
					     e->k_all);
				goto out;
			}
			continue;
		}
		if (!strcmp(rel, "head") || !strcmp(rel, "lock"))
			continue;
		if (sp_ek_is_res(rel)) {
			if ((rc = decode_resource(e, kv, &st->arena, &st->resources.v[st->resources.n], err)) < 0)
				goto out;
			st->resources.n++;
			nres++;
		} else if (sp_ek_is_rem(rel)) {
			if (sp_resource_parse_address(NULL, rel + 8, NULL, NULL, NULL) < 0) {
				rc = corrupt(e, err, "key '%s' does not end in a resource address", kv->key);
				goto out;
			}
			sp_state_set_removed(st, rel + 8, 1);
			nrem++;
		} else if (verify) {
			rc = corrupt(e, err, "key '%s' is not one scaleplan writes (head, lock, r/ADDRESS, removed/ADDRESS)",
				     kv->key);
			goto out;
		} else {
			continue;
		}
		sum += sp_ek_entry_crc(rel, kv->value, kv->vlen);
	}
	if (verify && h && (sum != h->sum || nres != h->nres || nrem != h->nrem)) {
		rc = corrupt(e, err,
			     "the keys under '%s' do not match the head's checksum (%zu resources and %zu removed "
			     "addresses, " SP_EK_SUM_PREFIX "%016" PRIx64 " recorded; %zu and %zu, " SP_EK_SUM_PREFIX "%016" PRIx64
			     " found): a key was changed, added or deleted behind scaleplan's back",
			     e->k_all, h->nres, h->nrem, h->sum, nres, nrem, sum);
		goto out;
	}
	sp_resource_set_sort(&st->resources);
	*out = st;
	st = NULL;
out:
	sp_state_free(st);
	return rc;
}

static int head_error(struct eb *e, const struct snap *s, struct sp_err *err)
{
	if (s->head_rc == SP_ECORRUPT)
		return sp_err_set(err, SP_ECORRUPT, e->where, 0, 0, "%s" RECOVER_HINT, s->head_err.msg);
	return sp_err_set(err, s->head_rc, e->where, 0, 0, "%s", s->head_err.msg);
}

/* The committed state, and (keep) what this backend then knows while it
 * holds the lock. */
static int load(struct eb *e, struct sp_state **out, int keep, struct sp_err *err)
{
	struct snap cur, view;
	int rc, pending = 0;

	*out = NULL;
	memset(&view, 0, sizeof(view));
	if ((rc = snap_fetch(e, 0, &cur, err)) < 0)
		goto out;
	if (cur.head_rc < 0) {
		rc = head_error(e, &cur, err);
		goto out;
	}
	if (!cur.headkv) {
		size_t n = cur.kvs.n - (cur.lockkv != NULL);
		if (n) {
			rc = corrupt(e, err, "there %s %zu key%s under '%s' but no head", n == 1 ? "is" : "are", n,
				     n == 1 ? "" : "s", e->k_all);
			goto out;
		}
		*out = sp_state_new();
	} else if (cur.head.pending) {
		int64_t v = cur.head.p.view ? cur.head.p.view : cur.headkv->mod_revision;
		pending = 1;
		if (cur.head.p.damaged) {
			rc = sp_err_set(err, SP_EIO, e->where, 0, 0,
					"the state is being replaced by 'scaleplan state push --force' (%s, since %s); "
					"read it when that is done, or, if that command was stopped, push again",
					cur.head.p.by, cur.head.p.since);
			goto out;
		}
		if ((rc = snap_fetch(e, v, &view, err)) < 0) {
			if (rc == SP_ESTALE)
				rc = sp_err_set(err, SP_ESTALE, e->where, 0, 0,
						"a write by %s (since %s) is pending, and etcd has compacted revision %" PRId64
						", where the state before it is: when that writer is gone, recover the keys "
						"as they are with 'scaleplan state pull --no-journal > s.json', then "
						"'scaleplan state push --force s.json'",
						cur.head.p.by, cur.head.p.since, v);
			goto out;
		}
		if ((rc = build_state(e, &view, &cur.head, 1, out, err)) < 0)
			goto out;
	} else if ((rc = build_state(e, &cur, &cur.head, 1, out, err)) < 0) {
		goto out;
	}
	if (keep) {
		e->known = 1;
		e->head_mod = cur.headkv ? cur.headkv->mod_revision : 0;
		if (cur.headkv)
			e->head = cur.head;
		else
			memset(&e->head, 0, sizeof(e->head));
		kmap_from_snap(e, &cur, 0, &e->cur);
		e->have_view = pending;
		if (pending)
			kmap_from_snap(e, &view, 0, &e->view);
		else
			sp_ek_kmap_free(&e->view);
	}
out:
	snap_free(&cur);
	snap_free(&view);
	return rc;
}

static int etcd_read(struct sp_backend *b, struct sp_state **out, struct sp_err *err)
{
	struct eb *e = E(b);

	return load(e, out, e->held, err);
}

/* ---- the lease's keep-alive ------------------------------------------------------------------------- */

/* Whether the lease may have expired: the keep-alive found it gone, or has
 * not renewed it for a whole TTL. */
static int lease_lost(struct eb *e)
{
	int lost;

	pthread_mutex_lock(&e->mu);
	lost = e->ka_lost || now_ms() - e->ka_last_ok > (long)e->ttl * 1000;
	pthread_mutex_unlock(&e->mu);
	return lost;
}

static int lost_error(struct eb *e, struct sp_err *err)
{
	return sp_err_set(err, SP_ELOCKED, e->where, 0, 0,
			  "this command's lock (ID %s) has expired: its lease was not renewed for %d s, so another "
			  "command may hold the lock now; nothing more is written",
			  e->lock_id, e->ttl);
}

struct ka_arg {
	struct eb *e;
	struct sp_etcd *c;
};

static void *ka_main(void *arg)
{
	struct ka_arg *ka = arg;
	struct eb *e = ka->e;
	long interval = (long)e->ttl * 1000 / 3, wait = interval;

	pthread_mutex_lock(&e->mu);
	while (!e->ka_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += wait / 1000;
		ts.tv_nsec += (wait % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&e->cv, &e->mu, &ts);
		if (e->ka_stop)
			break;
		pthread_mutex_unlock(&e->mu);
		struct sp_err err;
		long ttl = 0, sent = now_ms();
		int rc = sp_etcd_lease_keepalive(ka->c, e->lease, &ttl, &err);
		pthread_mutex_lock(&e->mu);
		if (rc == 0 && ttl > 0) {
			e->ka_last_ok = sent;
			wait = interval;
		} else if (rc == 0 || rc == SP_ENOTFOUND) {
			e->ka_lost = 1; /* expired or revoked: it cannot come back */
			break;
		} else {
			/* no member answered: try again soon, until the lease must have expired */
			wait = interval / 4 > 250 ? interval / 4 : 250;
			if (now_ms() - e->ka_last_ok > (long)e->ttl * 1000) {
				e->ka_lost = 1;
				break;
			}
		}
	}
	pthread_mutex_unlock(&e->mu);
	sp_etcd_free(ka->c);
	free(ka);
	return NULL;
}

static int ka_start(struct eb *e, struct sp_err *err)
{
	struct sp_etcd_opts o = e->eo;
	struct ka_arg *ka;
	long third = (long)e->ttl * 1000 / 3;

	/* renewals must not wait longer than a third of the TTL on a member */
	o.rounds = 1;
	o.total_ms = third;
	if (!o.http.timeout_ms || o.http.timeout_ms > third)
		o.http.timeout_ms = third;
	if (!o.http.connect_timeout_ms || o.http.connect_timeout_ms > third)
		o.http.connect_timeout_ms = third;
	ka = sp_xcalloc(1, sizeof(*ka));
	ka->e = e;
	if (!(ka->c = sp_etcd_new(&o, err))) {
		free(ka);
		return -1;
	}
	e->ka_stop = 0;
	e->ka_lost = 0;
	e->ka_last_ok = now_ms();
	if (pthread_create(&e->ka, NULL, ka_main, ka) != 0) {
		sp_etcd_free(ka->c);
		free(ka);
		return sp_err_set(err, SP_EIO, e->where, 0, 0, "cannot start the thread that renews the lock's lease");
	}
	e->ka_running = 1;
	return 0;
}

static void ka_stop(struct eb *e)
{
	if (!e->ka_running)
		return;
	pthread_mutex_lock(&e->mu);
	e->ka_stop = 1;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->mu);
	pthread_join(e->ka, NULL);
	e->ka_running = 0;
}

/* ---- writing ---------------------------------------------------------------------------------------- */

static void next_write_id(struct eb *e, char *out, size_t n)
{
	snprintf(out, n, "%s/%lu", e->lock_id, ++e->nwrites);
}

/* The compares of every write: the head as known (absent when hm is 0) and
 * this backend's lease on the lock key. */
static void guard(struct eb *e, struct sp_etcd_txn *t, int64_t hm)
{
	if (hm)
		sp_etcd_txn_cmp(t, e->k_head, SP_ETCD_MOD, hm);
	else
		sp_etcd_txn_cmp(t, e->k_head, SP_ETCD_CREATE, 0);
	sp_etcd_txn_cmp(t, e->k_lock, SP_ETCD_LEASE, e->lease);
}

/* SCALEPLAN_ETCD_FAULT_AT=N: the Nth write transaction of this backend is
 * not sent and fails (SP_EIO), or with SCALEPLAN_ETCD_FAULT_KIND=crash the
 * process ends there (_exit(137)), as if it were killed: how the tests stop
 * a writer between the transactions of one write (docs/providers.md). */
static int fault_point(struct eb *e, struct sp_err *err)
{
	const char *env = getenv("SCALEPLAN_ETCD_FAULT_AT"), *kind = getenv("SCALEPLAN_ETCD_FAULT_KIND");
	unsigned long n = ++e->nsent, at;
	char *end;

	if (!env || !*env)
		return 0;
	errno = 0;
	at = strtoul(env, &end, 10);
	if (*env < '0' || *env > '9' || *end || errno || at == 0)
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0,
				  "SCALEPLAN_ETCD_FAULT_AT must be a positive integer (the write transaction to fail), "
				  "not '%s'", env);
	if (kind && *kind && strcmp(kind, "crash") && strcmp(kind, "error"))
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0,
				  "SCALEPLAN_ETCD_FAULT_KIND must be 'error' or 'crash', not '%s'", kind);
	if (n != at)
		return 0;
	if (kind && !strcmp(kind, "crash")) {
		fprintf(stderr, "scaleplan: injected crash at etcd write %lu (SCALEPLAN_ETCD_FAULT_KIND=crash)\n", n);
		fflush(stderr);
		_exit(137);
	}
	return sp_err_set(err, SP_EIO, e->where, 0, 0, "injected fault at etcd write %lu (SCALEPLAN_ETCD_FAULT_AT)", n);
}

/* Sends a write. 0 with *rev, the store's revision after it; when the
 * compares failed, the head says whether this write (write_id) had landed
 * already (sent again after a member died): then 0 too. Otherwise
 * SP_ELOCKED (the lock is no longer ours) or SP_ESTALE. */
static int send_write(struct eb *e, struct sp_etcd_txn *t, const char *write_id, int64_t hm, int64_t *rev,
		      struct sp_err *err)
{
	struct sp_etcd_txn_resp r;
	struct sp_arena a;
	struct head h;
	struct sp_err ignore;
	int rc;

	sp_arena_init(&a);
	sp_etcd_txn_else_get(t, e->k_head);
	sp_etcd_txn_else_get(t, e->k_lock);
	if ((rc = fault_point(e, err)) < 0 || (rc = sp_etcd_txn_do(e->c, t, &r, &a, err)) < 0)
		goto out;
	if (r.succeeded) {
		*rev = r.revision;
		goto out;
	}
	struct sp_etcd_kv *hk = r.ngot > 0 ? r.got[0] : NULL, *lk = r.ngot > 1 ? r.got[1] : NULL;
	if (write_id && hk && sp_ek_head_decode(hk->value, hk->vlen, &h, e->k_head, &ignore) == 0 &&
	    !strcmp(h.write, write_id)) {
		*rev = hk->mod_revision; /* it had landed: recorded once */
		goto out;
	}
	if (!lk || lk->lease != e->lease)
		rc = sp_err_set(err, SP_ELOCKED, e->where, 0, 0,
				"this command no longer holds the lock (ID %s): its lease expired or 'scaleplan state "
				"unlock' removed it, so nothing more is written",
				e->lock_id);
	else
		rc = sp_err_set(err, SP_ESTALE, e->where, 0, 0,
				"the state in etcd changed since it was read (its head has revision %" PRId64
				", this command read revision %" PRId64 "): read it again under the lock",
				hk ? hk->mod_revision : (int64_t)0, hm);
out:
	sp_arena_free(&a);
	return rc;
}

/* Halves a txn's budget after etcd refused one as too large; -1 when it
 * cannot shrink any more. */
static int shrink(struct eb *e)
{
	if (e->max_ops <= 2 && e->max_bytes <= 4096)
		return -1;
	e->max_ops = e->max_ops / 2 > 2 ? e->max_ops / 2 : 2;
	e->max_bytes = e->max_bytes / 2 > 4096 ? e->max_bytes / 2 : 4096;
	return 0;
}

static void add_op(struct eb *e, struct sp_etcd_txn *t, struct sp_sb *sb, const struct op *o)
{
	if (o->val)
		sp_etcd_txn_put(t, full(e, sb, o->key), o->val, o->vlen, 0);
	else
		sp_etcd_txn_del(t, full(e, sb, o->key));
}

/* How many ops from ops[i] fit one txn beside extra bytes and extra_ops (at least one). */
static size_t fit(struct eb *e, const struct op *ops, size_t n, size_t i, size_t extra_ops, size_t extra_bytes)
{
	size_t k = 0, bytes = extra_bytes;

	while (i + k < n && k + extra_ops < e->max_ops) {
		size_t b = e->all_len + strlen(ops[i + k].key) + ops[i + k].vlen;
		if (k && bytes + b > e->max_bytes)
			break;
		bytes += b;
		k++;
	}
	return k ? k : (i < n);
}

static int too_big(struct eb *e, const struct op *o, struct sp_err *err)
{
	return sp_err_set(err, SP_ETOOBIG, e->where, 0, 0,
			  "etcd refuses a transaction that holds key '%s%s' (%zu bytes): it is larger than the "
			  "cluster's --max-request-bytes allows",
			  e->k_all, o->key, o->vlen);
}

/* Makes the keys as they are (c, with the head at revision hm, decoded as
 * cur_head: NULL when there is none or it is damaged) hold d, and the head
 * h (its counts, checksum and write ID are filled in here). One
 * transaction when the change fits one, else the pending protocol (see the
 * top of this file). On success this backend knows the new head and keys. */
static int commit(struct eb *e, const struct kmap *d, struct head *h, const struct kmap *c, int64_t hm,
		  const struct head *cur_head, int damaged, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	struct op *ops;
	size_t nops, i;
	char *htext = NULL;
	int64_t rev = 0, p = 0;
	int rc = 0;

	ops = sp_ek_diff(d, c, &nops);
	h->nres = d->nres;
	h->nrem = d->nrem;
	h->sum = d->sum;
	h->pending = 0;
	memset(&h->p, 0, sizeof(h->p));
	next_write_id(e, h->write, sizeof(h->write));
	if ((rc = sp_ek_head_encode(h, &htext, err)) < 0)
		goto out;
	/* one transaction, when the change fits */
	while (nops + 1 <= e->max_ops && fit(e, ops, nops, 0, 1, strlen(htext) + e->all_len) == nops) {
		struct sp_etcd_txn t;
		sp_etcd_txn_init(&t);
		guard(e, &t, hm);
		for (i = 0; i < nops; i++)
			add_op(e, &t, &sb, &ops[i]);
		sp_etcd_txn_put(&t, e->k_head, htext, strlen(htext), 0);
		rc = send_write(e, &t, h->write, hm, &rev, err);
		sp_etcd_txn_free(&t);
		if (rc == SP_ETOOBIG && shrink(e) == 0)
			continue;
		if (rc == SP_ETOOBIG && nops == 1)
			rc = too_big(e, &ops[0], err);
		goto done;
	}
	/* several: the pending mark first */
	{
		struct head ph;
		char *ptext = NULL;
		struct sp_etcd_txn t;

		if (cur_head && !damaged) {
			ph = *cur_head;
		} else {
			memset(&ph, 0, sizeof(ph));
		}
		if (cur_head && cur_head->pending) {
			/* taking over a write that was not finished: readers keep
			 * reading the state from before it */
			ph.p.view = cur_head->p.view ? cur_head->p.view : hm;
			ph.p.base = cur_head->p.base;
		} else {
			memset(&ph.p, 0, sizeof(ph.p));
			ph.p.base = hm;
		}
		ph.pending = 1;
		ph.p.damaged = damaged || (cur_head && cur_head->pending && cur_head->p.damaged);
		next_write_id(e, ph.write, sizeof(ph.write));
		sp_ek_copy_str(ph.p.write, sizeof(ph.p.write), ph.write);
		sp_ek_copy_str(ph.p.by, sizeof(ph.p.by), e->who);
		now_rfc3339(ph.p.since, sizeof(ph.p.since));
		if ((rc = sp_ek_head_encode(&ph, &ptext, err)) < 0)
			goto out;
		sp_etcd_txn_init(&t);
		guard(e, &t, hm);
		sp_etcd_txn_put(&t, e->k_head, ptext, strlen(ptext), 0);
		rc = send_write(e, &t, ph.write, hm, &p, err);
		sp_etcd_txn_free(&t);
		free(ptext);
		if (rc < 0)
			goto out;
	}
	/* the chunks, each comparing the head with the mark; the head last */
	for (i = 0;;) {
		size_t k = fit(e, ops, nops, i, 0, 0);
		int last = i + k == nops && fit(e, ops, nops, i, 1, strlen(htext) + e->all_len) == k;
		struct sp_etcd_txn t;

		if (!last && !k)
			break;
		sp_etcd_txn_init(&t);
		guard(e, &t, p);
		for (size_t j = i; j < i + k; j++)
			add_op(e, &t, &sb, &ops[j]);
		if (last)
			sp_etcd_txn_put(&t, e->k_head, htext, strlen(htext), 0);
		rc = send_write(e, &t, last ? h->write : NULL, p, &rev, err);
		sp_etcd_txn_free(&t);
		if (rc == SP_ETOOBIG && shrink(e) == 0)
			continue;
		if (rc == SP_ETOOBIG && k == 1)
			rc = too_big(e, &ops[i], err);
		if (rc < 0)
			goto out;
		i += k;
		if (last)
			break;
	}
done:
	if (rc < 0)
		goto out;
	e->known = 1;
	e->head = *h;
	e->head_mod = rev;
	/* the keys are now d */
	sp_ek_kmap_free(&e->cur);
	for (i = 0; i < d->n; i++)
		if (d->v[i].present)
			sp_ek_kmap_set(&e->cur, d->v[i].key, d->v[i].val, d->v[i].vlen);
	sp_ek_kmap_free(&e->view);
	e->have_view = 0;
out:
	if (rc < 0) {
		/* what is in etcd now is not known: the next call reads it again */
		e->known = 0;
		e->begun = 0;
	}
	free(htext);
	free(ops);
	sp_sb_release(&sb);
	return rc;
}

/* The keys a state is stored as. */
static int desired(struct eb *e, const struct sp_state *s, struct kmap *d, struct sp_err *err)
{
	struct sp_sb key = SP_SB_INIT;
	int rc = 0;

	for (size_t i = 0; i < s->resources.n && rc == 0; i++) {
		const struct sp_resource *r = &s->resources.v[i];
		json_t *o = NULL;
		char *text = NULL;
		if (!r->address || sp_resource_parse_address(NULL, r->address, NULL, NULL, NULL) < 0) {
			rc = sp_err_set(err, SP_EINVAL, r->address ? r->address : "", 0, 0, "not a resource address");
			break;
		}
		sp_sb_reset(&key);
		sp_sb_addf(&key, "r/%s", r->address);
		if (sp_ek_kmap_get(d, key.buf)) {
			rc = sp_err_set(err, SP_EINVAL, r->address, 0, 0, "the state holds this address twice");
			break;
		}
		if ((rc = sp_resource_json_encode(r, SP_RESOURCE_JSON_FULL, &o, err)) == 0 &&
		    (rc = sp_json_dump(o, SP_JSON_COMPACT, &text, err)) == 0)
			sp_ek_kmap_set(d, key.buf, text, strlen(text) - 1); /* without the final newline */
		json_decref(o);
		free(text);
	}
	for (size_t i = 0; i < s->nremoved && rc == 0; i++) {
		sp_sb_reset(&key);
		sp_sb_addf(&key, "removed/%s", s->removed[i]);
		sp_ek_kmap_set(d, key.buf, "", 0);
	}
	sp_sb_release(&key);
	return rc;
}

static void head_of(struct head *h, const struct sp_state *s)
{
	memset(h, 0, sizeof(*h));
	h->has_state = 1;
	sp_ek_copy_str(h->lineage, sizeof(h->lineage), s->lineage);
	h->serial = s->serial;
	sp_ek_copy_str(h->version, sizeof(h->version), SP_VERSION);
	h->cost = s->cost;
}

static int same_cost(const struct sp_state_cost *a, const struct sp_state_cost *b)
{
	if (a->present != b->present)
		return 0;
	if (!a->present)
		return 1;
	for (int i = 0; i < 3; i++)
		if (a->pct[i] != b->pct[i] || a->horizon[i] != b->horizon[i])
			return 0;
	return !strcmp(a->currency, b->currency) && !strcmp(a->at, b->at);
}

/* While the lock is held: reads the state once, unless it is known. */
static int ensure_known(struct eb *e, struct sp_err *err)
{
	struct sp_state *stored = NULL;
	int rc = 0;

	if (!e->known) {
		rc = load(e, &stored, 1, err);
		sp_state_free(stored);
	}
	return rc;
}

/* A write left pending (by a writer that died, or this one's own that
 * failed) is finished: the keys go back to the committed state, and the
 * head loses its mark. */
static int settle(struct eb *e, struct sp_err *err)
{
	struct kmap committed;
	struct head h;
	int rc;

	if (!e->head.pending)
		return 0;
	h = e->head;
	sp_ek_kmap_init(&committed);
	for (size_t i = 0; i < e->view.n; i++)
		if (e->view.v[i].present)
			sp_ek_kmap_set(&committed, e->view.v[i].key, e->view.v[i].val, e->view.v[i].vlen);
	rc = commit(e, &committed, &h, &e->cur, e->head_mod, &e->head, 0, err);
	sp_ek_kmap_free(&committed);
	return rc;
}

/* ---- the lock ----------------------------------------------------------------------------------------- */

static int locked_error(struct eb *e, const struct sp_lock_info *h, long waited, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	int rc;

	sp_sb_adds(&sb, "state is locked by ");
	describe(&sb, h);
	sp_sb_addf(&sb, "; the lock ends when its holder finishes, or %d s after its holder stops renewing it", e->ttl);
	if (waited > 0)
		sp_sb_addf(&sb, "; gave up after waiting %ld.%01ld s", waited / 1000, waited % 1000 / 100);
	rc = sp_err_set(err, SP_ELOCKED, e->where, 0, 0, "%s", sb.buf);
	sp_sb_release(&sb);
	return rc;
}

static int etcd_lock(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *mine,
		     struct sp_lock_info *holder, struct sp_err *err)
{
	struct eb *e = E(b);
	struct sp_lock_info info, other;
	struct sp_err ignore;
	char id[37], *value = NULL;
	long start = now_ms(), delay = BACKOFF_START_MS, renewed = 0, granted = 0;
	unsigned attempt = 0;
	int64_t lease = 0;
	int rc;

	memset(&other, 0, sizeof(other));
	if (e->held) {
		rc = sp_err_set(err, SP_EINVAL, e->where, 0, 0, "this process already holds the state lock (lock ID %s)",
				e->lock_id);
		goto out;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	if ((rc = sp_uuid_v4(id, err)) < 0)
		goto out;
	fill_mine(&info, id, operation);
	for (;;) {
		struct sp_etcd_txn t;
		struct sp_etcd_txn_resp r;
		struct sp_arena a;

		/* a lease that is certainly alive: granted, or renewed, within a third of its TTL */
		if (!lease || now_ms() - renewed > (long)e->ttl * 1000 / 3) {
			long ttl = 0;
			if (lease && sp_etcd_lease_keepalive(e->c, lease, &ttl, &ignore) == 0 && ttl > 0) {
				renewed = now_ms();
			} else {
				renewed = now_ms();
				if ((rc = sp_etcd_lease_grant(e->c, e->ttl, &lease, &granted, err)) < 0)
					goto out;
			}
			free(value);
			value = holder_encode(e, &info, lease);
		}
		sp_arena_init(&a);
		sp_etcd_txn_init(&t);
		sp_etcd_txn_cmp(&t, e->k_lock, SP_ETCD_CREATE, 0);
		sp_etcd_txn_put(&t, e->k_lock, value, strlen(value), lease);
		sp_etcd_txn_else_get(&t, e->k_lock);
		rc = sp_etcd_txn_do(e->c, &t, &r, &a, err);
		sp_etcd_txn_free(&t);
		if (rc == 0 && !r.succeeded)
			holder_decode(r.ngot ? r.got[0] : NULL, &other);
		sp_arena_free(&a);
		if (rc < 0)
			goto out;
		/* taken, or taken by this very request on a member that died before answering */
		if (r.succeeded || !strcmp(other.id, id))
			break;
		long waited = now_ms() - start;
		if (waited >= timeout_ms) {
			snprintf(other.ends, sizeof(other.ends),
				 "when its holder finishes, or %d s after its holder stops renewing its lease", e->ttl);
			rc = locked_error(e, &other, timeout_ms ? waited : 0, err);
			goto out;
		}
		/* jitter in [0.75, 1.25) x delay, varied by pid so that waiters spread out */
		unsigned hsh = ((unsigned)getpid() * 2654435761u) ^ (attempt++ * 40503u);
		long pause = delay * (75 + (long)(hsh % 50)) / 100;
		if (pause > timeout_ms - waited)
			pause = timeout_ms - waited;
		sleep_ms(pause);
		delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	}
	e->held = 1;
	e->lease = lease;
	lease = 0;
	sp_ek_copy_str(e->lock_id, sizeof(e->lock_id), id);
	snprintf(e->who, sizeof(e->who), "%s (pid %ld)", info.who, info.pid);
	forget(e);
	if ((rc = ka_start(e, err)) < 0) {
		sp_etcd_lease_revoke(e->c, e->lease, &ignore);
		e->held = 0;
		goto out;
	}
	if (mine)
		*mine = info;
	memset(&other, 0, sizeof(other));
	rc = 0;
out:
	if (lease)
		sp_etcd_lease_revoke(e->c, lease, &ignore); /* not taken: the lease goes */
	if (holder)
		*holder = other;
	free(value);
	return rc;
}

/* Ends this backend's hold: the keep-alive stops and the lease is revoked,
 * which deletes the lock key with it. */
static int release(struct eb *e, struct sp_err *err)
{
	int rc;

	ka_stop(e);
	rc = sp_etcd_lease_revoke(e->c, e->lease, err);
	if (rc == SP_ENOTFOUND)
		rc = 0; /* expired already: the key went with it */
	else if (rc < 0 && err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, "; the lock ends by itself within %d s", e->ttl);
	}
	e->held = 0;
	e->lease = 0;
	e->lock_id[0] = '\0';
	forget(e);
	return rc;
}

static int etcd_unlock(struct sp_backend *b, const char *id, struct sp_err *err)
{
	struct eb *e = E(b);
	struct sp_etcd_kvs kvs;
	struct sp_lock_info h;
	struct sp_arena a;
	struct sp_err ignore;
	int rc;

	if (!id)
		id = "";
	if (e->held) {
		if (strcmp(id, e->lock_id))
			return sp_err_set(err, SP_EINVAL, e->where, 0, 0,
					  "lock ID '%s' is not the lock this process holds (lock ID %s)", id, e->lock_id);
		return release(e, err);
	}
	/* another's lock: deleted when it is the one named (its holder, alive or
	 * not, can no longer write: every write compares the lock's lease) */
	sp_arena_init(&a);
	memset(&kvs, 0, sizeof(kvs));
	if ((rc = sp_etcd_range(e->c, e->k_lock, strlen(e->k_lock), NULL, 0, 0, 0, &kvs, &a, err)) < 0)
		goto out;
	if (!kvs.n) {
		rc = sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0, "the state is not locked");
		goto out;
	}
	holder_decode(&kvs.v[0], &h);
	if (strcmp(id, h.id)) {
		rc = sp_err_set(err, SP_EINVAL, e->where, 0, 0,
				"lock ID '%s' is not the recorded one (%s); nothing was changed", id,
				h.id[0] ? h.id : "none recorded");
		goto out;
	}
	{
		struct sp_etcd_txn t;
		struct sp_etcd_txn_resp r;
		sp_etcd_txn_init(&t);
		sp_etcd_txn_cmp(&t, e->k_lock, SP_ETCD_MOD, kvs.v[0].mod_revision);
		sp_etcd_txn_del(&t, e->k_lock);
		rc = sp_etcd_txn_do(e->c, &t, &r, &a, err);
		sp_etcd_txn_free(&t);
		if (rc == 0 && !r.succeeded)
			rc = sp_err_set(err, SP_ESTALE, e->where, 0, 0,
					"the lock changed while it was being removed; nothing was changed");
	}
	if (rc == 0 && kvs.v[0].lease)
		sp_etcd_lease_revoke(e->c, kvs.v[0].lease, &ignore);
out:
	free(kvs.v);
	sp_arena_free(&a);
	return rc;
}

/* ---- writes --------------------------------------------------------------------------------------------- */

enum { WRITE_NORMAL, WRITE_FORCE };

static void refuse_unreadable(struct sp_err *err)
{
	size_t n;

	if (!err)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, "; refusing to replace a state that cannot be read");
}

static int write_state(struct eb *e, const struct sp_state *s, int mode, struct sp_err *err)
{
	struct kmap d;
	struct head h;
	struct snap sn;
	struct sp_lock_info mine, holder;
	int rc, own = 0;

	sp_ek_kmap_init(&d);
	memset(&sn, 0, sizeof(sn));
	if (!s || !s->lineage || !sp_uuid_valid(s->lineage)) {
		rc = sp_err_set(err, SP_EINVAL, e->where, 0, 0, "the state being written has no lineage");
		goto out;
	}
	if ((rc = desired(e, s, &d, err)) < 0)
		goto out;
	head_of(&h, s);
	if (!e->held) {
		/* the lock for this write at least */
		if ((rc = etcd_lock(&e->b, mode == WRITE_FORCE ? "state push --force" : "write", 0, &mine, &holder, err)) <
		    0)
			goto out;
		own = 1;
	}
	if (lease_lost(e)) {
		rc = lost_error(e, err);
		goto out;
	}
	if (mode == WRITE_FORCE) {
		/* whatever is there, even what cannot be read, is replaced */
		struct kmap c;
		sp_ek_kmap_init(&c);
		if ((rc = snap_fetch(e, 0, &sn, err)) == 0) {
			kmap_from_snap(e, &sn, 1, &c);
			rc = commit(e, &d, &h, &c, sn.headkv ? sn.headkv->mod_revision : 0,
				    sn.headkv && sn.head_rc == 0 ? &sn.head : NULL, sn.headkv && sn.head_rc < 0, err);
		}
		sp_ek_kmap_free(&c);
		goto out;
	}
	if ((rc = ensure_known(e, err)) < 0) {
		if (rc == SP_ECORRUPT || rc == SP_EINVAL)
			refuse_unreadable(err);
		goto out;
	}
	if (e->head.has_state) {
		if (strcmp(e->head.lineage, s->lineage)) {
			rc = sp_err_set(err, SP_EINVAL, e->where, 0, 0,
					"the state being written has lineage %s, but the stored state has lineage %s: they "
					"are different histories, and the stored one is kept",
					s->lineage, e->head.lineage);
			goto out;
		}
		if (s->serial < e->head.serial) {
			rc = sp_err_set(err, SP_ESTALE, e->where, 0, 0,
					"the state being written has serial %llu, older than the stored serial %llu: the "
					"state changed since it was read",
					(unsigned long long)s->serial, (unsigned long long)e->head.serial);
			goto out;
		}
		if (s->serial == e->head.serial) {
			const struct kmap *committed = e->have_view ? &e->view : &e->cur;
			if (!sp_ek_kmap_same(&d, committed) || !same_cost(&s->cost, &e->head.cost)) {
				rc = sp_err_set(err, SP_ESTALE, e->where, 0, 0,
						"the stored state already has serial %llu, with different content: a "
						"state that changes needs a higher serial",
						(unsigned long long)s->serial);
				goto out;
			}
			if (!e->head.pending)
				goto out; /* nothing changed: nothing is written */
		}
	}
	rc = commit(e, &d, &h, &e->cur, e->head_mod, e->head_mod ? &e->head : NULL, 0, err);
out:
	if (own) {
		struct sp_err ignore;
		release(e, &ignore);
	}
	snap_free(&sn);
	sp_ek_kmap_free(&d);
	return rc;
}

static int etcd_write(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(E(b), s, WRITE_NORMAL, err);
}

static int etcd_write_force(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(E(b), s, WRITE_FORCE, err);
}

static int stale_record(struct eb *e, const struct sp_state *s, struct sp_err *err)
{
	if ((e->head.has_state && strcmp(s->lineage, e->head.lineage)) ||
	    s->serial != (e->head.has_state ? e->head.serial : 0))
		return sp_err_set(err, SP_ESTALE, e->where, 0, 0,
				  "the state being recorded has serial %llu of lineage %s, but the stored state has "
				  "serial %llu%s%s: read the state again under the lock",
				  (unsigned long long)s->serial, s->lineage,
				  (unsigned long long)(e->head.has_state ? e->head.serial : 0),
				  e->head.has_state ? " of lineage " : "", e->head.has_state ? e->head.lineage : "");
	return 0;
}

/* Before the provider is changed: the lock is still ours, the state is the
 * one read under it, a write left pending by a writer that died is finished
 * (the keys are put back to the committed state), and one write of the head
 * proves that this user may write here. */
static int etcd_begin(struct sp_backend *b, struct sp_state *s, struct sp_err *err)
{
	struct eb *e = E(b);
	struct sp_etcd_txn t;
	struct head h;
	char *text = NULL;
	int64_t rev = 0;
	int rc;

	if (e->begun)
		return 0;
	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0, "recording operations needs the state they change");
	if (!e->held)
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0, "recording operations needs the state lock; take it first");
	if (lease_lost(e))
		return lost_error(e, err);
	if ((rc = ensure_known(e, err)) < 0)
		return rc;
	if ((rc = stale_record(e, s, err)) < 0 || (rc = settle(e, err)) < 0)
		return rc;
	h = e->head;
	if (!h.has_state) {
		head_of(&h, s);
		h.cost.present = 0;
	}
	h.nres = e->cur.nres;
	h.nrem = e->cur.nrem;
	h.sum = e->cur.sum;
	h.pending = 0;
	next_write_id(e, h.write, sizeof(h.write));
	if ((rc = sp_ek_head_encode(&h, &text, err)) < 0)
		return rc;
	sp_etcd_txn_init(&t);
	guard(e, &t, e->head_mod);
	sp_etcd_txn_put(&t, e->k_head, text, strlen(text), 0);
	rc = send_write(e, &t, h.write, e->head_mod, &rev, err);
	sp_etcd_txn_free(&t);
	free(text);
	if (rc < 0)
		return rc;
	e->head = h;
	e->head_mod = rev;
	e->begun = 1;
	return 0;
}

static int etcd_record(struct sp_backend *b, struct sp_state *s, const char *address, const struct sp_resource *now,
		       struct sp_err *err)
{
	struct eb *e = E(b);
	struct sp_sb key = SP_SB_INIT, fk = SP_SB_INIT;
	struct sp_etcd_txn t;
	const struct kent *old;
	struct head h;
	json_t *o = NULL;
	char *val = NULL, *text = NULL;
	size_t vlen = 0;
	int64_t rev = 0;
	int rc;

	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0, "recording an operation needs the state it changes");
	if (!e->held)
		return sp_err_set(err, SP_EINVAL, e->where, 0, 0,
				  "recording an operation needs the state lock; take it first");
	if (!e->begun && (rc = etcd_begin(b, s, err)) < 0)
		return rc;
	if ((rc = ensure_known(e, err)) < 0 || (rc = stale_record(e, s, err)) < 0 || (rc = settle(e, err)) < 0)
		return rc;
	if (lease_lost(e))
		return lost_error(e, err);
	if (now) {
		if (!now->address || strcmp(now->address, address)) {
			rc = sp_err_set(err, SP_EINVAL, address, 0, 0, "the resource recorded is not '%s'", address);
			goto out;
		}
		if ((rc = sp_resource_json_encode(now, SP_RESOURCE_JSON_FULL, &o, err)) < 0 ||
		    (rc = sp_json_dump(o, SP_JSON_COMPACT, &val, err)) < 0)
			goto out;
		vlen = strlen(val) - 1;
		val[vlen] = '\0';
	} else if (sp_resource_parse_address(NULL, address, NULL, NULL, NULL) < 0) {
		rc = sp_err_set(err, SP_EINVAL, address, 0, 0, "not a resource address");
		goto out;
	}
	sp_sb_addf(&key, "r/%s", address);
	old = sp_ek_kmap_get(&e->cur, key.buf);
	h = e->head;
	h.serial++;
	h.sum = e->cur.sum - (old ? sp_ek_entry_crc(old->key, old->val, old->vlen) : 0) +
		(now ? sp_ek_entry_crc(key.buf, val, vlen) : 0);
	h.nres = e->cur.nres - (old != NULL) + (now != NULL);
	h.nrem = e->cur.nrem;
	next_write_id(e, h.write, sizeof(h.write));
	if ((rc = sp_ek_head_encode(&h, &text, err)) < 0)
		goto out;
	sp_etcd_txn_init(&t);
	guard(e, &t, e->head_mod);
	if (now)
		sp_etcd_txn_put(&t, full(e, &fk, key.buf), val, vlen, 0);
	else
		sp_etcd_txn_del(&t, full(e, &fk, key.buf));
	sp_etcd_txn_put(&t, e->k_head, text, strlen(text), 0);
	rc = send_write(e, &t, h.write, e->head_mod, &rev, err);
	sp_etcd_txn_free(&t);
	if (rc == SP_ETOOBIG) {
		struct op op = { key.buf, val, vlen };
		rc = too_big(e, &op, err);
	}
	if (rc < 0) {
		size_t n = strlen(err ? err->msg : "");
		if (err)
			snprintf(err->msg + n, sizeof(err->msg) - n, " (recording '%s')", address);
		goto out;
	}
	sp_ek_kmap_set(&e->cur, key.buf, val, vlen);
	e->head = h;
	e->head_mod = rev;
	s->serial++;
out:
	json_decref(o);
	free(val);
	free(text);
	sp_sb_release(&key);
	sp_sb_release(&fk);
	return rc;
}

/* ---- recovery ------------------------------------------------------------------------------------------- */

/* The committed state as it was at revision rev. */
static int read_at(struct eb *e, int64_t rev, struct sp_state **out, struct sp_err *err)
{
	struct snap s, v;
	int rc;

	memset(&v, 0, sizeof(v));
	if ((rc = snap_fetch(e, rev, &s, err)) < 0)
		goto out;
	if (!s.headkv) {
		rc = sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0, "there is no state before revision %" PRId64, rev + 1);
		goto out;
	}
	if (s.head_rc < 0) {
		rc = head_error(e, &s, err);
		goto out;
	}
	if (s.head.pending) {
		if (s.head.p.damaged || !s.head.has_state) {
			rc = sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0,
					"at revision %" PRId64 " no earlier state could be read", rev);
			goto out;
		}
		if ((rc = snap_fetch(e, s.head.p.view ? s.head.p.view : s.headkv->mod_revision, &v, err)) < 0)
			goto out;
		rc = build_state(e, &v, &s.head, 1, out, err);
	} else {
		rc = build_state(e, &s, &s.head, 1, out, err);
	}
out:
	if (rc == SP_ESTALE)
		sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0,
			   "etcd has compacted the revisions that held the state before its last write");
	snap_free(&s);
	snap_free(&v);
	return rc == SP_ESTALE ? SP_ENOTFOUND : rc;
}

static int etcd_read_recovery(struct sp_backend *b, int which, struct sp_state **out, struct sp_err *err)
{
	struct eb *e = E(b);
	struct snap s;
	int rc;

	*out = NULL;
	if ((rc = snap_fetch(e, 0, &s, err)) < 0)
		goto out;
	if (which == SP_READ_NO_JOURNAL) {
		/* the keys as they are: no pending mark, no checksum */
		rc = build_state(e, &s, s.headkv && s.head_rc == 0 ? &s.head : NULL, 0, out, err);
		goto out;
	}
	if (!s.headkv) {
		rc = sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0, "there is no state, so none before it");
		goto out;
	}
	if (s.head_rc < 0) {
		/* a damaged head: the revision before it was written */
		rc = read_at(e, s.headkv->mod_revision - 1, out, err);
		goto out;
	}
	if (s.head.pending) {
		rc = s.head.p.base ? read_at(e, s.head.p.base - 1, out, err)
				   : sp_err_set(err, SP_ENOTFOUND, e->where, 0, 0, "there is no state before the one "
										"being written");
	} else {
		rc = read_at(e, s.headkv->mod_revision - 1, out, err);
	}
out:
	if (rc == 0)
		(*out)->journal[0] = '\0';
	snap_free(&s);
	return rc;
}

static void etcd_close(struct sp_backend *b)
{
	struct eb *e;
	struct sp_err ignore;

	if (!b)
		return;
	e = E(b);
	if (e->held)
		release(e, &ignore);
	forget(e);
	sp_etcd_free(e->c);
	sp_where_http_release(&e->wh);
	pthread_mutex_destroy(&e->mu);
	pthread_cond_destroy(&e->cv);
	for (size_t i = 0; i < e->eo.nendpoints; i++)
		free(e->eps[i]);
	free(e->eps);
	free(e->where);
	free(e->prefix);
	free(e->k_all);
	free(e->k_head);
	free(e->k_lock);
	free(e);
}

static const struct sp_backend_ops etcd_ops = {
	.kind = "etcd",
	.read = etcd_read,
	.write = etcd_write,
	.lock = etcd_lock,
	.unlock = etcd_unlock,
	.close = etcd_close,
	.record = etcd_record,
	.write_force = etcd_write_force,
	.begin = etcd_begin,
	.read_recovery = etcd_read_recovery,
};

int sp_backend_etcd_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	struct eb *e;
	const char *prefix = c->prefix && *c->prefix ? c->prefix : "scaleplan/default";
	size_t plen = strlen(prefix);
	char **eps;
	pthread_condattr_t ca;

	*out = NULL;
	if (!c->nendpoints)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the etcd state backend needs at least one endpoint");
	for (size_t i = 0; i < c->nendpoints; i++) {
		/* etcd takes no credentials in a URL, and a plan file records the endpoints as written */
		char red[256];
		sp_http_redact(c->endpoints[i], red, sizeof(red));
		if (strcmp(red, c->endpoints[i]))
			return sp_err_set(err, SP_EINVAL, "", 0, 0,
					  "etcd endpoint '%s' holds credentials: set them with 'username' and 'password' "
					  "(or SCALEPLAN_ETCD_USERNAME and SCALEPLAN_ETCD_PASSWORD), which are never written "
					  "to a plan file",
					  red);
	}
	while (plen && prefix[plen - 1] == '/')
		plen--;
	if (!plen)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the etcd prefix must not be empty");
	e = sp_xcalloc(1, sizeof(*e));
	e->b.ops = &etcd_ops;
	e->b.ctx = e;
	e->prefix = sp_xstrndup(prefix, plen);
	sp_sb_addf(&sb, "%s/", e->prefix);
	e->k_all = sp_sb_detach(&sb, &e->all_len);
	sp_sb_addf(&sb, "%shead", e->k_all);
	e->k_head = sp_sb_detach(&sb, NULL);
	sp_sb_addf(&sb, "%slock", e->k_all);
	e->k_lock = sp_sb_detach(&sb, NULL);
	e->ttl = c->lock_ttl_s > 0 ? c->lock_ttl_s : 60;
	e->max_ops = TXN_OPS;
	e->max_bytes = TXN_BYTES;
	pthread_mutex_init(&e->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	sp_ek_kmap_init(&e->cur);
	sp_ek_kmap_init(&e->view);
	/* where, for messages: the endpoints without credentials */
	sp_sb_adds(&sb, "etcd ");
	eps = sp_xcalloc(c->nendpoints, sizeof(*eps));
	for (size_t i = 0; i < c->nendpoints; i++) {
		char red[256];
		sp_http_redact(c->endpoints[i], red, sizeof(red));
		sp_sb_addf(&sb, "%s%s", i ? "," : "", red);
		eps[i] = sp_xstrdup(c->endpoints[i]);
	}
	sp_sb_addf(&sb, " prefix %s", e->prefix);
	e->where = sp_sb_detach(&sb, NULL);
	e->b.where = e->where;
	e->eps = eps;
	e->eo.endpoints = (const char *const *)eps;
	e->eo.nendpoints = c->nendpoints;
	if (sp_where_http_opts(&e->wh, &c->remote, "SCALEPLAN_ETCD", err) < 0) {
		err->code = SP_EINVAL;
		snprintf(err->file, sizeof(err->file), "%s", e->where);
		etcd_close(&e->b);
		return SP_EINVAL;
	}
	e->eo.http = e->wh.o;
	e->eo.username = e->wh.o.username;
	e->eo.password = e->wh.o.password;
	e->eo.rounds = c->remote.retry_max + 1;
	e->eo.total_ms = e->wh.o.total_ms;
	e->eo.where = e->where;
	if (!(e->c = sp_etcd_new(&e->eo, err))) {
		etcd_close(&e->b);
		return err ? err->code : SP_EIO;
	}
	*out = &e->b;
	return 0;
}
