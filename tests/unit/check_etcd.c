/* The etcd client (providers/etcd.c) and the etcd state backend
 * (providers/backend_etcd.c), against a real etcd each test case starts on
 * loopback (tests/unit/etcd_server.c): base64, ranges in pages at one
 * revision, transactions and leases, an unreachable cluster, a state of
 * 10,000 resources over 1.5 MiB in several transactions, the head's
 * compare-and-swap against a second writer, a write left pending and taken
 * over, the checksum against keys changed with etcdctl, and recovery.
 * Locks and credentials are in check_etcd_lock.c. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/xalloc.h"
#include "model/resource.h"
#include "model/spec.h"
#include "providers/backend_etcd.h"
#include "providers/backend_etcd_int.h"
#include "providers/etcd.h"
#include "providers/state.h"
#include "providers/state_json.h"
#include "tests/unit/etcd_server.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_etcd(void);

static struct etcd_server srv;

static void srv_start(void)
{
	etcd_server_start(&srv, NULL);
}

static void srv_stop(void)
{
	etcd_server_stop(&srv);
}

/* A prefix of this test's own. */
static const char *prefix(const char *name)
{
	static char buf[48];
	snprintf(buf, sizeof(buf), "t/%s/%ld", name, (long)getpid());
	return buf;
}

static struct sp_backend *open_at(const char *name, int ttl)
{
	const char *urls[1] = { srv.url };
	return etcd_backend(urls, 1, prefix(name), ttl);
}

static struct sp_etcd *client(void)
{
	const char *eps[1] = { srv.url };
	struct sp_etcd_opts o;
	struct sp_err err;
	struct sp_etcd *c;

	memset(&o, 0, sizeof(o));
	o.endpoints = eps;
	o.nendpoints = 1;
	o.where = "etcd test";
	c = sp_etcd_new(&o, &err);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* n resources service.sNNNNN[us], each with `pad` bytes of text, values from seed. */
static struct sp_state *big_state(uint64_t serial, size_t n, size_t pad, int seed)
{
	struct sp_state *s = mkstate(serial, NULL, 0);
	char *text = sp_arena_alloc(&s->arena, pad + 1);

	memset(text, 'x', pad);
	s->resources.v = SP_NEWN(&s->arena, struct sp_resource, n + 1);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "s%05zu", i);
		struct sp_resource r = mkres(&s->arena, "service", name, "us");
		add_num(&r, "nodes", (double)(i % 97 + (size_t)seed));
		add_str(&r, "note", text);
		s->resources.v[s->resources.n++] = r;
	}
	return s;
}

/* s as the backend stores it: the version stamped, no journal. */
static char *stored_text(struct sp_state *s)
{
	s->scaleplan_version = SP_VERSION;
	return encode(s);
}

static void assert_reads(struct sp_backend *b, struct sp_state *want)
{
	struct sp_state *got = NULL;
	struct sp_err err;
	char *a, *g;

	sp_err_clear(&err);
	ck_assert_msg(b->ops->read(b, &got, &err) == 0, "read: %s", err.msg);
	a = stored_text(want);
	g = encode(got);
	ck_assert_msg(!strcmp(a, g), "the state read is not the state written");
	free(a);
	free(g);
	sp_state_free(got);
}

static void lock(struct sp_backend *b)
{
	struct sp_lock_info mine, holder;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_msg(b->ops->lock(b, "test", 0, &mine, &holder, &err) == 0, "lock: %s", err.msg);
}

static int64_t store_revision(void)
{
	struct sp_etcd *c = client();
	struct sp_etcd_kvs kvs;
	struct sp_arena a;
	struct sp_err err;

	sp_arena_init(&a);
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, "none", 4, NULL, 0, 0, 0, &kvs, &a, &err), 0);
	free(kvs.v);
	sp_arena_free(&a);
	sp_etcd_free(c);
	return kvs.revision;
}

/* ---- the client ------------------------------------------------------------------------------ */

START_TEST(test_etcd_base64)
{
	struct sp_arena a;
	unsigned char bytes[256];
	char *out;
	size_t n;

	sp_arena_init(&a);
	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	for (size_t len = 0; len <= 256; len += (len < 8 ? 1 : 61)) {
		char *enc = sp_etcd_b64enc(bytes, len);
		ck_assert_uint_eq(strlen(enc), (len + 2) / 3 * 4);
		ck_assert_int_eq(sp_etcd_b64dec(enc, strlen(enc), &a, &out, &n), 0);
		ck_assert_uint_eq(n, len);
		ck_assert(!memcmp(out, bytes, len));
		free(enc);
	}
	out = sp_etcd_b64enc("foo", 3);
	ck_assert_str_eq(out, "Zm9v");
	free(out);
	ck_assert_int_eq(sp_etcd_b64dec("Zm9v!", 5, &a, &out, &n), -1);
	ck_assert_int_eq(sp_etcd_b64dec("Z", 1, &a, &out, &n), -1);
	sp_etcd_prefix_end("a/b/", 4, &out, &n);
	ck_assert_str_eq(out, "a/b0");
	free(out);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_etcd_keys_checksum_diff)
{
	struct kmap a, b;
	struct op *ops;
	size_t n;

	sp_ek_kmap_init(&a);
	sp_ek_kmap_init(&b);
	sp_ek_kmap_set(&a, "r/service.x[us]", "{1}", 3);
	sp_ek_kmap_set(&a, "r/service.y[us]", "{2}", 3);
	sp_ek_kmap_set(&a, "removed/queue.z[us]", "", 0);
	/* the same keys set in another order, with an update and a delete on the way */
	sp_ek_kmap_set(&b, "removed/queue.z[us]", "", 0);
	sp_ek_kmap_set(&b, "r/service.w[us]", "{0}", 3);
	sp_ek_kmap_set(&b, "r/service.y[us]", "{9}", 3);
	sp_ek_kmap_set(&b, "r/service.x[us]", "{1}", 3);
	sp_ek_kmap_set(&b, "r/service.y[us]", "{2}", 3);
	sp_ek_kmap_set(&b, "r/service.w[us]", NULL, 0);
	ck_assert(a.sum == b.sum);
	ck_assert(a.sum == (uint64_t)sp_ek_entry_crc("r/service.x[us]", "{1}", 3) +
				   sp_ek_entry_crc("r/service.y[us]", "{2}", 3) +
				   sp_ek_entry_crc("removed/queue.z[us]", "", 0));
	ck_assert_uint_eq(b.nres, 2);
	ck_assert_uint_eq(b.nrem, 1);
	ck_assert(sp_ek_kmap_same(&a, &b));
	/* a value moved to another key changes the sum */
	sp_ek_kmap_set(&b, "r/service.x[us]", "{2}", 3);
	sp_ek_kmap_set(&b, "r/service.y[us]", "{1}", 3);
	ck_assert(a.sum != b.sum);
	ck_assert(!sp_ek_kmap_same(&a, &b));
	/* what turns b into a: two puts; and a delete for a key a does not have */
	sp_ek_kmap_set(&b, "r/service.v[us]", "{5}", 3);
	ops = sp_ek_diff(&a, &b, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(ops[0].key, "r/service.v[us]");
	ck_assert_ptr_null(ops[0].val);
	ck_assert_str_eq(ops[1].key, "r/service.x[us]");
	ck_assert_str_eq(ops[1].val, "{1}");
	ck_assert_str_eq(ops[2].key, "r/service.y[us]");
	free(ops);
	ops = sp_ek_diff(&a, &a, &n);
	ck_assert_uint_eq(n, 0);
	free(ops);
	sp_ek_kmap_free(&a);
	sp_ek_kmap_free(&b);
}
END_TEST

START_TEST(test_etcd_keys_head)
{
	struct head h, g;
	struct sp_err err;
	char *text;

	memset(&h, 0, sizeof(h));
	h.has_state = 1;
	sp_ek_copy_str(h.lineage, sizeof(h.lineage), LINEAGE);
	h.serial = 42;
	h.cost.present = 1;
	h.cost.pct[0] = 10, h.cost.pct[1] = 50, h.cost.pct[2] = 90;
	h.cost.horizon[0] = 1.5, h.cost.horizon[1] = 2, h.cost.horizon[2] = 3.25;
	strcpy(h.cost.currency, "USD");
	strcpy(h.cost.at, "2027-02");
	h.nres = 10000;
	h.nrem = 3;
	h.sum = 0x1234567890abcdefULL;
	strcpy(h.write, "id/7");
	h.pending = 1;
	strcpy(h.p.write, "id/8");
	strcpy(h.p.by, "ci@runner (pid 42)");
	strcpy(h.p.since, "2027-01-14T09:30:12Z");
	h.p.view = 77;
	h.p.base = 70;
	ck_assert_int_eq(sp_ek_head_encode(&h, &text, &err), 0);
	ck_assert_int_eq(sp_ek_head_decode(text, strlen(text), &g, "k", &err), 0);
	ck_assert_str_eq(g.lineage, LINEAGE);
	ck_assert_uint_eq(g.serial, 42);
	ck_assert(g.cost.present && g.cost.horizon[2] == 3.25 && !strcmp(g.cost.at, "2027-02"));
	ck_assert_uint_eq(g.nres, 10000);
	ck_assert_uint_eq(g.nrem, 3);
	ck_assert(g.sum == h.sum);
	ck_assert_str_eq(g.write, "id/7");
	ck_assert(g.pending && g.p.view == 77 && g.p.base == 70 && !g.p.damaged);
	ck_assert_str_eq(g.p.by, "ci@runner (pid 42)");
	/* one byte of the embedded state changed: its own checksum finds it */
	char *at = strstr(text, "\\\"serial\\\": 42");
	ck_assert_ptr_nonnull(at);
	at[strlen("\\\"serial\\\": 4")] = '3';
	ck_assert_int_eq(sp_ek_head_decode(text, strlen(text), &g, "k", &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged head"));
	free(text);
	/* not a head; a newer one; nothing stored yet */
	ck_assert_int_eq(sp_ek_head_decode("[]", 2, &g, "k", &err), SP_ECORRUPT);
	ck_assert_int_eq(sp_ek_head_decode("{\"format\":2}", 12, &g, "k", &err), SP_EINVAL);
	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(sp_ek_head_encode(&h, &text, &err), 0);
	ck_assert_int_eq(sp_ek_head_decode(text, strlen(text), &g, "k", &err), 0);
	ck_assert(!g.has_state && !g.pending);
	free(text);
}
END_TEST

START_TEST(test_etcd_range_pages)
{
	struct sp_etcd *c = client();
	struct sp_etcd_kvs kvs;
	struct sp_etcd_txn t;
	struct sp_etcd_txn_resp r;
	struct sp_arena a;
	struct sp_err err;
	char key[256], *end;
	size_t elen;
	const char *p = prefix("pages");
	int64_t rev;

	sp_arena_init(&a);
	sp_etcd_txn_init(&t);
	for (int i = 0; i < 30; i++) {
		snprintf(key, sizeof(key), "%s/k%02d", p, i);
		sp_etcd_txn_put(&t, key, key, strlen(key), 0);
	}
	ck_assert_int_eq(sp_etcd_txn_do(c, &t, &r, &a, &err), 0);
	ck_assert(r.succeeded);
	sp_etcd_txn_free(&t);
	rev = r.revision;
	/* 30 keys in pages of 7, in order */
	snprintf(key, sizeof(key), "%s/", p);
	sp_etcd_prefix_end(key, strlen(key), &end, &elen);
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, key, strlen(key), end, elen, 0, 7, &kvs, &a, &err), 0);
	ck_assert_uint_eq(kvs.n, 30);
	for (size_t i = 0; i < kvs.n; i++) {
		snprintf(key, sizeof(key), "%s/k%02zu", p, i);
		ck_assert_str_eq(kvs.v[i].key, key);
		ck_assert_str_eq(kvs.v[i].value, key);
		ck_assert_int_eq(kvs.v[i].mod_revision, rev);
	}
	free(kvs.v);
	/* later keys are not in a snapshot at an earlier revision */
	snprintf(key, sizeof(key), "%s/k99", p);
	ck_assert_int_eq(sp_etcd_put(c, key, "", 0, 0, &err), 0);
	snprintf(key, sizeof(key), "%s/", p);
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, key, strlen(key), end, elen, rev, 4, &kvs, &a, &err), 0);
	ck_assert_uint_eq(kvs.n, 30);
	ck_assert_int_eq(kvs.revision, rev);
	free(kvs.v);
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, key, strlen(key), end, elen, 0, 4, &kvs, &a, &err), 0);
	ck_assert_uint_eq(kvs.n, 31);
	ck_assert_str_eq(kvs.v[30].value, ""); /* an empty value, which the gateway leaves out */
	free(kvs.v);
	/* a revision in the future is etcd's refusal, named */
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, key, strlen(key), end, elen, rev + 1000, 4, &kvs, &a, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "future revision"));
	ck_assert_str_eq(err.file, "etcd test");
	free(kvs.v);
	free(end);
	sp_arena_free(&a);
	sp_etcd_free(c);
}
END_TEST

START_TEST(test_etcd_txn_leases)
{
	struct sp_etcd *c = client();
	struct sp_etcd_txn t;
	struct sp_etcd_txn_resp r;
	struct sp_arena a;
	struct sp_err err;
	char key[256];
	int64_t lease;
	long ttl;

	sp_arena_init(&a);
	snprintf(key, sizeof(key), "%s/lk", prefix("txn"));
	ck_assert_int_eq(sp_etcd_lease_grant(c, 30, &lease, &ttl, &err), 0);
	ck_assert_int_ne(lease, 0);
	ck_assert_int_eq(ttl, 30);
	for (int round = 0; round < 2; round++) {
		sp_etcd_txn_init(&t);
		sp_etcd_txn_cmp(&t, key, SP_ETCD_CREATE, 0);
		sp_etcd_txn_put(&t, key, round ? "second" : "first", round ? 6 : 5, lease);
		sp_etcd_txn_else_get(&t, key);
		ck_assert_int_eq(sp_etcd_txn_do(c, &t, &r, &a, &err), 0);
		sp_etcd_txn_free(&t);
		ck_assert_int_eq(r.succeeded, !round);
		ck_assert_uint_eq(r.ngot, round ? 1 : 0);
	}
	ck_assert_str_eq(r.got[0]->value, "first");
	ck_assert_int_eq(r.got[0]->lease, lease);
	/* the compare of a lease: equal, and not */
	sp_etcd_txn_init(&t);
	sp_etcd_txn_cmp(&t, key, SP_ETCD_LEASE, lease);
	sp_etcd_txn_get(&t, key);
	ck_assert_int_eq(sp_etcd_txn_do(c, &t, &r, &a, &err), 0);
	sp_etcd_txn_free(&t);
	ck_assert(r.succeeded);
	ck_assert_ptr_nonnull(r.got[0]);
	ck_assert_int_eq(sp_etcd_lease_keepalive(c, lease, &ttl, &err), 0);
	ck_assert_int_gt(ttl, 0);
	/* revoking deletes what is attached; the lease is then gone */
	ck_assert_int_eq(sp_etcd_lease_revoke(c, lease, &err), 0);
	sp_etcd_txn_init(&t);
	sp_etcd_txn_get(&t, key);
	ck_assert_int_eq(sp_etcd_txn_do(c, &t, &r, &a, &err), 0);
	sp_etcd_txn_free(&t);
	ck_assert_ptr_null(r.got[0]);
	ck_assert_int_eq(sp_etcd_lease_keepalive(c, lease, &ttl, &err), 0);
	ck_assert_int_eq(ttl, 0);
	ck_assert_int_eq(sp_etcd_lease_revoke(c, lease, &err), SP_ENOTFOUND);
	sp_arena_free(&a);
	sp_etcd_free(c);
}
END_TEST

START_TEST(test_etcd_unreachable)
{
	char a[64], b[64];
	const char *urls[2] = { a, b };
	struct sp_backend *be;
	struct sp_state *st = NULL;
	struct sp_err err;
	struct timespec t0, t1;

	/* credentials in an endpoint are refused, and not repeated */
	struct sp_state_cfg cfg;
	struct sp_arena ar;
	const char *creds[1] = { "http://user:pw-secret@127.0.0.1:2379" };
	sp_arena_init(&ar);
	sp_state_cfg_init(&cfg, "x", &ar);
	cfg.backend = "etcd";
	cfg.endpoints = creds;
	cfg.nendpoints = 1;
	ck_assert_int_eq(sp_backend_etcd_open(&be, &cfg, &err), SP_EINVAL);
	ck_assert_ptr_null(be);
	ck_assert_ptr_nonnull(strstr(err.msg, "holds credentials"));
	ck_assert_ptr_null(strstr(err.msg, "pw-secret"));
	sp_arena_free(&ar);
	snprintf(a, sizeof(a), "http://127.0.0.1:%d", etcd_free_port());
	snprintf(b, sizeof(b), "http://127.0.0.1:%d", etcd_free_port());
	be = etcd_backend(urls, 2, "t/dead", 60);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(be->ops->read(be, &st, &err), SP_EIO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_ptr_null(st);
	/* within seconds, naming every member and the last failure, no credential */
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 10);
	ck_assert_ptr_nonnull(strstr(err.msg, "no etcd member answered"));
	ck_assert_ptr_nonnull(strstr(err.msg, a));
	ck_assert_ptr_nonnull(strstr(err.msg, b));
	ck_assert_msg(strstr(err.msg, "Couldn't connect") || strstr(err.msg, "Connection refused"), "%s", err.msg);
	ck_assert_str_eq(err.file, be->where);
	be->ops->close(be);
}
END_TEST

/* ---- the backend ------------------------------------------------------------------------------ */

START_TEST(test_etcd_where_and_empty)
{
	struct sp_backend *b = open_at("empty", 60);
	struct sp_state *s1 = NULL, *s2 = NULL;
	struct sp_err err;
	char want[256];

	snprintf(want, sizeof(want), "etcd %s prefix %s", srv.url, prefix("empty"));
	ck_assert_str_eq(b->where, want);
	/* nothing stored: an empty state, a fresh lineage each time, nothing written */
	ck_assert_int_eq(b->ops->read(b, &s1, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s2, &err), 0);
	ck_assert_uint_eq(s1->serial, 0);
	ck_assert_uint_eq(s1->resources.n, 0);
	ck_assert_str_ne(s1->lineage, s2->lineage);
	sp_state_free(s2);
	ck_assert_int_eq(b->ops->read_recovery(b, SP_READ_BACKUP, &s2, &err), SP_ENOTFOUND);
	sp_state_free(s1);
	b->ops->close(b);
}
END_TEST

START_TEST(test_etcd_roundtrip_10k)
{
	struct sp_backend *b = open_at("big", 60), *r = open_at("big", 60);
	struct sp_state *s1 = big_state(1, 10000, 160, 0), *s2 = big_state(2, 10000, 160, 0);
	struct sp_err err;
	char *text = stored_text(s1);
	int64_t rev0, rev1;

	/* more than etcd takes in one request (1.5 MiB) */
	ck_assert_uint_gt(strlen(text), 1572864);
	free(text);
	rev0 = store_revision();
	ck_assert_msg(b->ops->write(b, s1, &err) == 0, "write: %s", err.msg);
	rev1 = store_revision();
	/* several transactions: at most 128 operations each (plus the lock's own) */
	ck_assert_int_ge(rev1 - rev0, 10000 / 128 + 2);
	assert_reads(r, s1);
	/* a change of 50 resources is one transaction of 51 puts */
	for (size_t i = 0; i < 10000; i += 200)
		s2->resources.v[i].attrs[0].n += 1000;
	rev0 = store_revision();
	ck_assert_msg(b->ops->write(b, s2, &err) == 0, "write: %s", err.msg);
	rev1 = store_revision();
	ck_assert_int_le(rev1 - rev0, 3); /* the lock, the write, the lock's end */
	assert_reads(r, s2);
	/* the same serial with other content is refused; the same content is no write */
	sp_state_free(s1);
	s1 = big_state(2, 10000, 160, 5);
	ck_assert_int_eq(b->ops->write(b, s1, &err), SP_ESTALE);
	ck_assert_int_eq(b->ops->write(b, s2, &err), 0);
	/* the backup is the state before the last write */
	struct sp_state *bk = NULL;
	ck_assert_int_eq(b->ops->read_recovery(b, SP_READ_BACKUP, &bk, &err), 0);
	ck_assert_uint_eq(bk->serial, 1);
	ck_assert_uint_eq(bk->resources.n, 10000);
	sp_state_free(bk);
	sp_state_free(s1);
	sp_state_free(s2);
	b->ops->close(b);
	r->ops->close(r);
}
END_TEST

START_TEST(test_etcd_serial_lineage_rules)
{
	struct sp_backend *a = open_at("rules", 60), *b = open_at("rules", 60);
	struct sp_state *s1 = state_with(1, 3), *s2a = state_with(2, 4), *s2b = state_with(2, 5), *old = state_with(1, 9);
	struct sp_err err;

	ck_assert_int_eq(a->ops->write(a, s1, &err), 0);
	/* two writers from serial 1: the second one's serial 2 is refused */
	ck_assert_int_eq(a->ops->write(a, s2a, &err), 0);
	ck_assert_int_eq(b->ops->write(b, s2b, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "different content"));
	ck_assert_int_eq(b->ops->write(b, old, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "older than the stored serial 2"));
	old->lineage = LINEAGE2;
	old->serial = 7;
	ck_assert_int_eq(b->ops->write(b, old, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "different histories"));
	assert_reads(b, s2a);
	/* write_force replaces whatever is there */
	ck_assert_int_eq(b->ops->write_force(b, old, &err), 0);
	assert_reads(a, old);
	sp_state_free(s1);
	sp_state_free(s2a);
	sp_state_free(s2b);
	sp_state_free(old);
	a->ops->close(a);
	b->ops->close(b);
}
END_TEST

/* A writer that read the state under the lock, then another changed it:
 * the head's revision no longer matches, and nothing is written. */
START_TEST(test_etcd_cas_conflict)
{
	struct sp_backend *a = open_at("cas", 60);
	struct sp_state *s1 = state_with(1, 3), *st = NULL;
	struct sp_etcd *c = client();
	struct sp_arena ar;
	struct sp_etcd_kvs kvs;
	struct sp_err err;
	char head[256];

	ck_assert_int_eq(a->ops->write(a, s1, &err), 0);
	lock(a);
	ck_assert_int_eq(a->ops->read(a, &st, &err), 0);
	ck_assert_int_eq(a->ops->begin(a, st, &err), 0);
	/* another writer puts the head (the same bytes: only its revision moves) */
	snprintf(head, sizeof(head), "%s/head", prefix("cas"));
	sp_arena_init(&ar);
	memset(&kvs, 0, sizeof(kvs));
	ck_assert_int_eq(sp_etcd_range(c, head, strlen(head), NULL, 0, 0, 0, &kvs, &ar, &err), 0);
	ck_assert_uint_eq(kvs.n, 1);
	ck_assert_int_eq(sp_etcd_put(c, head, kvs.v[0].value, kvs.v[0].vlen, 0, &err), 0);
	struct sp_resource r = mkres(&st->arena, "service", "x", "us");
	ck_assert_int_eq(a->ops->record(a, st, r.address, &r, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed since it was read"));
	ck_assert_uint_eq(st->serial, 1);
	sp_state_free(st);
	ck_assert_int_eq(a->ops->read(a, &st, &err), 0);
	ck_assert_uint_eq(st->resources.n, 1);
	sp_state_free(st);
	free(kvs.v);
	sp_arena_free(&ar);
	sp_etcd_free(c);
	sp_state_free(s1);
	a->ops->close(a);
}
END_TEST

START_TEST(test_etcd_record_and_backup)
{
	struct sp_backend *a = open_at("record", 60), *r = open_at("record", 60);
	struct sp_state *st = NULL, *got = NULL;
	struct sp_err err;
	struct sp_arena ar;

	sp_arena_init(&ar);
	lock(a);
	ck_assert_int_eq(a->ops->read(a, &st, &err), 0);
	struct sp_resource x = mkres(&ar, "service", "x", "us"), y = mkres(&ar, "queue", "y", "eu");
	add_num(&x, "nodes", 3);
	add_bool(&y, "fifo", 1);
	ck_assert_int_eq(a->ops->record(a, st, x.address, &x, &err), 0);
	ck_assert_int_eq(a->ops->record(a, st, y.address, &y, &err), 0);
	x.attrs[0].n = 4;
	ck_assert_int_eq(a->ops->record(a, st, x.address, &x, &err), 0);
	ck_assert_int_eq(a->ops->record(a, st, y.address, NULL, &err), 0);
	ck_assert_uint_eq(st->serial, 4);
	/* every record is durable at once: another reader sees it */
	ck_assert_int_eq(r->ops->read(r, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 4);
	ck_assert_uint_eq(got->resources.n, 1);
	ck_assert_str_eq(got->resources.v[0].address, "service.x[us]");
	ck_assert(got->resources.v[0].attrs[0].n == 4);
	ck_assert_str_eq(got->lineage, st->lineage);
	sp_state_free(got);
	/* the backup is the state before the last record */
	ck_assert_int_eq(r->ops->read_recovery(r, SP_READ_BACKUP, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 3);
	ck_assert_uint_eq(got->resources.n, 2);
	sp_state_free(got);
	/* a stale state is refused */
	st->serial = 2;
	ck_assert_int_eq(a->ops->record(a, st, x.address, &x, &err), SP_ESTALE);
	st->serial = 4;
	/* without the lock: refused */
	ck_assert_int_eq(a->ops->unlock(a, "not-mine", &err), SP_EINVAL);
	sp_state_free(st);
	a->ops->close(a);
	ck_assert_int_eq(r->ops->record(r, got = state_with(4, 1), x.address, &x, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs the state lock"));
	sp_state_free(got);
	r->ops->close(r);
	sp_arena_free(&ar);
}
END_TEST

/* A writer stopped between the transactions of one write: readers keep
 * seeing the state before it; the next writer takes the write over. */
START_TEST(test_etcd_pending_takeover)
{
	struct sp_backend *a = open_at("pending", 60), *r = open_at("pending", 60), *b;
	struct sp_state *s1 = big_state(1, 300, 10, 0), *s2 = big_state(2, 300, 10, 1), *s3 = big_state(3, 290, 10, 2);
	struct sp_state *st = NULL, *got = NULL;
	struct sp_err err;

	ck_assert_int_eq(a->ops->write(a, s1, &err), 0);
	a->ops->close(a);
	/* the 3rd write transaction of a fresh backend: the mark and one chunk landed */
	a = open_at("pending", 60);
	setenv("SCALEPLAN_ETCD_FAULT_AT", "3", 1);
	ck_assert_int_eq(a->ops->write(a, s2, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "injected fault"));
	unsetenv("SCALEPLAN_ETCD_FAULT_AT");
	a->ops->close(a); /* its lock goes; its pending mark stays */
	assert_reads(r, s1);
	/* the keys as they are hold half of s2 */
	ck_assert_int_eq(r->ops->read_recovery(r, SP_READ_NO_JOURNAL, &st, &err), 0);
	ck_assert_uint_eq(st->serial, 1);
	ck_assert(st->resources.v[0].attrs[0].n == 1);   /* s2's */
	ck_assert(st->resources.v[299].attrs[0].n == 299 % 97); /* s1's */
	sp_state_free(st);
	/* an apply under the lock finishes it: the keys go back to s1 */
	b = open_at("pending", 60);
	lock(b);
	ck_assert_int_eq(b->ops->read(b, &st, &err), 0);
	ck_assert_int_eq(b->ops->begin(b, st, &err), 0);
	sp_state_free(st);
	b->ops->close(b);
	ck_assert_int_eq(r->ops->read_recovery(r, SP_READ_NO_JOURNAL, &st, &err), 0);
	ck_assert(st->resources.v[0].attrs[0].n == 0);
	sp_state_free(st);
	assert_reads(r, s1);
	/* stopped again, then a write takes it over with its own content */
	a = open_at("pending", 60);
	setenv("SCALEPLAN_ETCD_FAULT_AT", "4", 1);
	ck_assert_int_eq(a->ops->write(a, s2, &err), SP_EIO);
	unsetenv("SCALEPLAN_ETCD_FAULT_AT");
	a->ops->close(a);
	assert_reads(r, s1);
	b = open_at("pending", 60);
	ck_assert_msg(b->ops->write(b, s3, &err) == 0, "takeover: %s", err.msg);
	assert_reads(r, s3);
	b->ops->close(b);
	/* a holder whose own write stopped half-way goes on recording: the
	 * keys are put back first */
	struct sp_state *s4 = big_state(4, 300, 10, 3);
	a = open_at("pending", 60);
	lock(a);
	ck_assert_int_eq(a->ops->read(a, &st, &err), 0);
	setenv("SCALEPLAN_ETCD_FAULT_AT", "3", 1);
	ck_assert_int_eq(a->ops->write(a, s4, &err), SP_EIO);
	unsetenv("SCALEPLAN_ETCD_FAULT_AT");
	struct sp_resource x = mkres(&st->arena, "queue", "x", "us");
	ck_assert_msg(a->ops->record(a, st, x.address, &x, &err) == 0, "record: %s", err.msg);
	a->ops->close(a);
	sp_state_free(st);
	ck_assert_int_eq(r->ops->read(r, &st, &err), 0);
	ck_assert_uint_eq(st->serial, 4);
	ck_assert_uint_eq(st->resources.n, 291);
	ck_assert_str_eq(st->resources.v[0].address, "queue.x[us]");
	ck_assert(st->resources.v[1].attrs[0].n == 2); /* s3's */
	sp_state_free(st);
	/* a mark left while etcd compacts the revision where the state before it
	 * is: readers say so, and the keys as they are can be pushed back */
	s4->serial = 5;
	a = open_at("pending", 60);
	setenv("SCALEPLAN_ETCD_FAULT_AT", "3", 1);
	ck_assert_int_eq(a->ops->write(a, s4, &err), SP_EIO);
	unsetenv("SCALEPLAN_ETCD_FAULT_AT");
	a->ops->close(a);
	char rev[32];
	snprintf(rev, sizeof(rev), "%" PRId64, store_revision());
	const char *compact[] = { "compact", rev, NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv, NULL, compact), 0);
	ck_assert_int_eq(r->ops->read(r, &st, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "has compacted revision"));
	ck_assert_ptr_nonnull(strstr(err.msg, "state pull --no-journal"));
	ck_assert_int_eq(r->ops->read_recovery(r, SP_READ_NO_JOURNAL, &st, &err), 0);
	ck_assert_int_eq(r->ops->write_force(r, st, &err), 0);
	ck_assert_int_eq(r->ops->read(r, &got, &err), 0);
	ck_assert_uint_eq(got->resources.n, st->resources.n);
	sp_state_free(got);
	sp_state_free(st);
	sp_state_free(s4);
	sp_state_free(s1);
	sp_state_free(s2);
	sp_state_free(s3);
	r->ops->close(r);
}
END_TEST

START_TEST(test_etcd_checksum_mismatch)
{
	struct sp_backend *a = open_at("damage", 60);
	struct sp_state *s0 = state_with(1, 2), *s1 = big_state(2, 5, 4, 0), *st = NULL;
	struct sp_err err;
	char key[256], key2[256];

	ck_assert_int_eq(a->ops->write(a, s0, &err), 0);
	ck_assert_int_eq(a->ops->write(a, s1, &err), 0);
	/* a value changed with etcdctl, behind scaleplan's back */
	snprintf(key, sizeof(key), "%s/r/service.s00003[us]", prefix("damage"));
	const char *put[] = { "put", key, NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv,
					 "{\"address\":\"service.s00003[us]\",\"type\":\"service\",\"name\":\"s00003\","
					 "\"region\":\"us\",\"attributes\":{\"nodes\":42}}",
					 put),
			 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, a->where);
	ck_assert_ptr_nonnull(strstr(err.msg, "do not match the head's checksum"));
	ck_assert_ptr_nonnull(strstr(err.msg, "state pull --backup"));
	/* a normal write refuses to replace it; recovery reads it */
	ck_assert_int_eq(a->ops->write(a, s1, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to replace"));
	ck_assert_int_eq(a->ops->read_recovery(a, SP_READ_NO_JOURNAL, &st, &err), 0);
	ck_assert(st->resources.v[3].attrs[0].n == 42);
	sp_state_free(st);
	ck_assert_int_eq(a->ops->read_recovery(a, SP_READ_BACKUP, &st, &err), 0);
	ck_assert_uint_eq(st->serial, 1); /* s0: before the last write of the head */
	sp_state_free(st);
	/* a key deleted, a key that is not scaleplan's */
	ck_assert_int_eq(a->ops->write_force(a, s1, &err), 0);
	assert_reads(a, s1);
	const char *del[] = { "del", key, NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv, NULL, del), 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), SP_ECORRUPT);
	ck_assert_int_eq(a->ops->write_force(a, s1, &err), 0);
	snprintf(key2, sizeof(key2), "%s/stray", prefix("damage"));
	const char *stray[] = { "put", key2, "x", NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv, NULL, stray), 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not one scaleplan writes"));
	ck_assert_int_eq(a->ops->write_force(a, s1, &err), 0); /* the stray key goes too */
	assert_reads(a, s1);
	/* a head that is not JSON */
	snprintf(key2, sizeof(key2), "%s/head", prefix("damage"));
	const char *bad[] = { "put", key2, "{not json", NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv, NULL, bad), 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged head"));
	ck_assert_int_eq(a->ops->read_recovery(a, SP_READ_BACKUP, &st, &err), 0);
	ck_assert_uint_eq(st->serial, 2);
	sp_state_free(st);
	/* a head of a newer format */
	const char *newer[] = { "put", key2, "{\"format\": 9}", NULL };
	ck_assert_int_eq(etcd_server_ctl(&srv, NULL, newer), 0);
	ck_assert_int_eq(a->ops->read(a, &st, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer scaleplan"));
	ck_assert_int_eq(a->ops->write_force(a, s1, &err), 0);
	assert_reads(a, s1);
	sp_state_free(s0);
	sp_state_free(s1);
	a->ops->close(a);
}
END_TEST

Suite *suite_etcd(void)
{
	Suite *s = suite_create("etcd");
	TCase *tc = tcase_create("client");
	tcase_add_test(tc, test_etcd_base64);
	tcase_add_test(tc, test_etcd_keys_checksum_diff);
	tcase_add_test(tc, test_etcd_keys_head);
	suite_add_tcase(s, tc);
	tc = tcase_create("server");
	tcase_add_unchecked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_etcd_range_pages);
	tcase_add_test(tc, test_etcd_txn_leases);
	tcase_add_test(tc, test_etcd_unreachable);
	tcase_add_test(tc, test_etcd_where_and_empty);
	tcase_add_test(tc, test_etcd_serial_lineage_rules);
	tcase_add_test(tc, test_etcd_cas_conflict);
	tcase_add_test(tc, test_etcd_record_and_backup);
	tcase_add_test(tc, test_etcd_pending_takeover);
	tcase_add_test(tc, test_etcd_checksum_mismatch);
	suite_add_tcase(s, tc);
	/* 10,000 resources in and out of a real etcd: minutes under the sanitizers on a busy machine */
	tc = tcase_create("big");
	tcase_add_unchecked_fixture(tc, srv_start, srv_stop);
	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, test_etcd_roundtrip_10k);
	suite_add_tcase(s, tc);
	return s;
}
