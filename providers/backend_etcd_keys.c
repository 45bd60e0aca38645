/* The etcd state backend's keys (backend_etcd_int.h): the map of keys as
 * they are with their checksum, the head's codec, and the diff that a write
 * sends. Why a sum of CRC-32Cs: it does not depend on the order of the keys,
 * so recording one operation updates it (the old entry out, the new one in)
 * without reading the others, and a reader checks it in the same pass that
 * decodes the resources. */
#include "providers/backend_etcd_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/crc32c.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "providers/state_json.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

/* ---- the keys as they are: key (relative to PREFIX/) -> value, and their checksum ---------------- */

uint32_t sp_ek_entry_crc(const char *key, const char *val, size_t vlen)
{
	uint32_t c = sp_crc32c(0, key, strlen(key));

	c = sp_crc32c(c, "", 1);
	return sp_crc32c(c, val, vlen);
}

int sp_ek_is_res(const char *rel)
{
	return !strncmp(rel, "r/", 2);
}

int sp_ek_is_rem(const char *rel)
{
	return !strncmp(rel, "removed/", 8);
}

void sp_ek_kmap_init(struct kmap *m)
{
	memset(m, 0, sizeof(*m));
	sp_arena_init(&m->a);
	sp_hmap_init(&m->idx);
}

void sp_ek_kmap_free(struct kmap *m)
{
	sp_hmap_free(&m->idx);
	sp_arena_free(&m->a);
	free(m->v);
	sp_ek_kmap_init(m);
}

static void count(struct kmap *m, const struct kent *e, int sign)
{
	uint64_t c = sp_ek_entry_crc(e->key, e->val, e->vlen);

	if (sign > 0)
		m->sum += c;
	else
		m->sum -= c;
	if (sp_ek_is_res(e->key))
		m->nres += (size_t)sign;
	else if (sp_ek_is_rem(e->key))
		m->nrem += (size_t)sign;
}

/* Sets key to val (vlen bytes), or deletes it (val NULL). */
void sp_ek_kmap_set(struct kmap *m, const char *key, const char *val, size_t vlen)
{
	uint32_t j;
	struct kent *e;

	if (sp_hmap_get(&m->idx, key, &j) == 0) {
		e = &m->v[j];
		if (e->present)
			count(m, e, -1);
	} else {
		if (!val)
			return;
		SP_GROW(m->v, m->cap, m->n + 1);
		e = &m->v[m->n];
		e->key = sp_arena_strdup(&m->a, key);
		sp_hmap_put(&m->idx, e->key, (uint32_t)m->n, NULL);
		m->n++;
	}
	e->present = val != NULL;
	e->val = val ? sp_arena_strndup(&m->a, val, vlen) : NULL;
	e->vlen = val ? vlen : 0;
	if (val)
		count(m, e, 1);
}

const struct kent *sp_ek_kmap_get(const struct kmap *m, const char *key)
{
	uint32_t j;

	if (sp_hmap_get(&m->idx, key, &j) < 0 || !m->v[j].present)
		return NULL;
	return &m->v[j];
}

/* Whether a and b hold the same keys and values. */
int sp_ek_kmap_same(const struct kmap *a, const struct kmap *b)
{
	if (a->nres != b->nres || a->nrem != b->nrem || a->sum != b->sum)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct kent *x = &a->v[i], *y;
		if (!x->present)
			continue;
		if (!(y = sp_ek_kmap_get(b, x->key)) || y->vlen != x->vlen || memcmp(y->val, x->val, x->vlen))
			return 0;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].present && !sp_ek_kmap_get(a, b->v[i].key))
			return 0;
	return 1;
}

/* ---- the head ------------------------------------------------------------------------------------ */

void sp_ek_copy_str(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static json_t *jint(int64_t v)
{
	return json_integer((json_int_t)v);
}

/* The head's JSON (two-space indentation, for `etcdctl get`). The state's
 * header (version, lineage, serial, cost) goes in as the state file's own
 * encoding of a state without resources, checksum included, so it is read
 * back by the state's own decoder. */
int sp_ek_head_encode(const struct head *h, char **out, struct sp_err *err)
{
	json_t *o = json_object();
	char sum[40];
	int rc = 0;

	*out = NULL;
	json_object_set_new(o, "format", json_integer(SP_EK_HEAD_FORMAT));
	if (h->has_state) {
		struct sp_state st;
		char *doc = NULL;
		memset(&st, 0, sizeof(st));
		st.version = SP_STATE_VERSION;
		st.lineage = h->lineage;
		st.serial = h->serial;
		st.scaleplan_version = SP_VERSION;
		st.cost = h->cost;
		if ((rc = sp_state_to_json(&st, &doc, err)) < 0)
			goto out;
		json_object_set_new(o, "state", json_string(doc));
		free(doc);
	} else {
		json_object_set_new(o, "state", json_null());
	}
	snprintf(sum, sizeof(sum), SP_EK_SUM_PREFIX "%016" PRIx64, h->sum);
	json_object_set_new(o, "resources", jint((int64_t)h->nres));
	json_object_set_new(o, "removed", jint((int64_t)h->nrem));
	json_object_set_new(o, "checksum", json_string(sum));
	json_object_set_new(o, "write", json_string(h->write));
	if (h->pending) {
		json_t *p = json_object();
		json_object_set_new(p, "write", json_string(h->p.write));
		json_object_set_new(p, "by", json_string(h->p.by));
		json_object_set_new(p, "since", json_string(h->p.since));
		if (h->p.view)
			json_object_set_new(p, "view_revision", jint(h->p.view));
		if (h->p.base)
			json_object_set_new(p, "base_revision", jint(h->p.base));
		if (h->p.damaged)
			json_object_set_new(p, "replacing_damaged", json_true());
		json_object_set_new(o, "pending", p);
	}
	rc = sp_json_dump(o, 0, out, err);
out:
	json_decref(o);
	return rc;
}

static int get_count(struct sp_jdec *d, json_t *o, const char *key, int64_t *out)
{
	json_t *v;

	*out = 0;
	if (sp_jdec_member(d, o, key, SP_JINTEGER, 0, &v) < 0)
		return SP_EINVAL;
	if (v && json_integer_value(v) < 0)
		return sp_jdec_fail_in(d, key, "must not be negative");
	if (v)
		*out = (int64_t)json_integer_value(v);
	return 0;
}

static int dec_pending(struct sp_jdec *d, json_t *p, struct head *h)
{
	static const char *const keys[] = { "write", "by", "since", "view_revision", "base_revision",
					    "replacing_damaged", NULL };
	const char *w = NULL, *by = NULL, *since = NULL;
	size_t mark = sp_jdec_push_key(d, "pending");

	if (sp_jdec_object(d, p, keys) < 0 || sp_jdec_str(d, p, "write", SP_JREQ | SP_JNONEMPTY, &w) < 0 ||
	    sp_jdec_str(d, p, "by", 0, &by) < 0 || sp_jdec_str(d, p, "since", 0, &since) < 0 ||
	    get_count(d, p, "view_revision", &h->p.view) < 0 || get_count(d, p, "base_revision", &h->p.base) < 0 ||
	    sp_jdec_bool(d, p, "replacing_damaged", 0, &h->p.damaged) < 0)
		return SP_EINVAL;
	sp_jdec_pop(d, mark);
	h->pending = 1;
	sp_ek_copy_str(h->p.write, sizeof(h->p.write), w);
	sp_ek_copy_str(h->p.by, sizeof(h->p.by), by);
	sp_ek_copy_str(h->p.since, sizeof(h->p.since), since);
	return 0;
}

/* Decodes a head; origin names the key. SP_ECORRUPT for a head that is not
 * one scaleplan wrote, SP_EINVAL for one of a newer format. */
int sp_ek_head_decode(const char *text, size_t len, struct head *h, const char *origin, struct sp_err *err)
{
	static const char *const keys[] = { "format", "state", "resources", "removed", "checksum", "write", "pending",
					    NULL };
	struct sp_arena a;
	struct sp_jdec d;
	json_t *root, *v;
	const char *sum = NULL, *w = NULL;
	int64_t n;
	int rc = SP_EINVAL;

	memset(h, 0, sizeof(*h));
	sp_arena_init(&a);
	sp_jdec_init(&d, origin, &a, err, SP_JDEC_MUST_BE);
	if (!(root = sp_json_parse(text, len, origin, "invalid JSON", err)))
		goto out;
	if (sp_jdec_object(&d, root, NULL) < 0 || sp_jdec_member(&d, root, "format", SP_JINTEGER, SP_JREQ, &v) < 0)
		goto out;
	if (json_integer_value(v) > SP_EK_HEAD_FORMAT) {
		rc = sp_err_set(err, SP_EINVAL, origin, 0, 0,
				"the head has format %" JSON_INTEGER_FORMAT
				", written by a newer scaleplan; this one reads format %d",
				json_integer_value(v), SP_EK_HEAD_FORMAT);
		goto done;
	}
	if (json_integer_value(v) < 1) {
		sp_jdec_fail_in(&d, "format", "must be %d", SP_EK_HEAD_FORMAT);
		goto out;
	}
	if (sp_jdec_keys(&d, root, keys) < 0 || sp_jdec_member(&d, root, "state", SP_JSTRING, SP_JREQ | SP_JNULL, &v) < 0)
		goto out;
	if (v) {
		struct sp_state *st = NULL;
		char sub[300];
		snprintf(sub, sizeof(sub), "%s (its state)", origin);
		if ((rc = sp_state_from_json(&st, json_string_value(v), json_string_length(v), sub, err)) < 0) {
			rc = SP_EINVAL;
			goto out;
		}
		if (!st->checksummed || st->resources.n || st->nremoved) {
			sp_state_free(st);
			sp_jdec_fail_in(&d, "state", "must be a state header with its checksum and no resources");
			goto out;
		}
		h->has_state = 1;
		sp_ek_copy_str(h->lineage, sizeof(h->lineage), st->lineage);
		h->serial = st->serial;
		sp_ek_copy_str(h->version, sizeof(h->version), st->scaleplan_version);
		h->cost = st->cost;
		sp_state_free(st);
	}
	if (get_count(&d, root, "resources", &n) < 0)
		goto out;
	h->nres = (size_t)n;
	if (get_count(&d, root, "removed", &n) < 0)
		goto out;
	h->nrem = (size_t)n;
	if (sp_jdec_str(&d, root, "checksum", SP_JREQ, &sum) < 0 || sp_jdec_str(&d, root, "write", SP_JREQ, &w) < 0)
		goto out;
	if (strncmp(sum, SP_EK_SUM_PREFIX, strlen(SP_EK_SUM_PREFIX)) || strlen(sum) != strlen(SP_EK_SUM_PREFIX) + 16 ||
	    strspn(sum + strlen(SP_EK_SUM_PREFIX), "0123456789abcdef") != 16) {
		sp_jdec_fail_in(&d, "checksum", "'%s' is not " SP_EK_SUM_PREFIX " and 16 hexadecimal digits", sum);
		goto out;
	}
	h->sum = (uint64_t)strtoull(sum + strlen(SP_EK_SUM_PREFIX), NULL, 16);
	sp_ek_copy_str(h->write, sizeof(h->write), w);
	if ((v = json_object_get(root, "pending")) && dec_pending(&d, v, h) < 0)
		goto out;
	rc = 0;
	goto done;
out:
	if (err) {
		/* a head scaleplan wrote always decodes: this one was changed behind its back */
		char msg[sizeof(err->msg)];
		snprintf(msg, sizeof(msg), "%s", err->msg);
		sp_err_set(err, SP_ECORRUPT, origin, 0, 0, "damaged head: %s", msg);
	}
	rc = SP_ECORRUPT;
done:
	json_decref(root);
	sp_arena_free(&a);
	return rc;
}

/* ---- the diff ------------------------------------------------------------------------------------ */

static int cmp_op(const void *x, const void *y)
{
	return strcmp(((const struct op *)x)->key, ((const struct op *)y)->key);
}

/* The puts and deletes that turn the keys c into d, sorted by key. */
struct op *sp_ek_diff(const struct kmap *d, const struct kmap *c, size_t *n)
{
	struct op *ops = NULL;
	size_t cap = 0;

	*n = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct kent *x = &d->v[i], *y;
		if (!x->present)
			continue;
		if ((y = sp_ek_kmap_get(c, x->key)) && y->vlen == x->vlen && !memcmp(y->val, x->val, x->vlen))
			continue;
		SP_GROW(ops, cap, *n + 1);
		ops[(*n)++] = (struct op){ x->key, x->val, x->vlen };
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].present && !sp_ek_kmap_get(d, c->v[i].key)) {
			SP_GROW(ops, cap, *n + 1);
			ops[(*n)++] = (struct op){ c->v[i].key, NULL, 0 };
		}
	if (*n)
		qsort(ops, *n, sizeof(*ops), cmp_op);
	return ops;
}
