/* etcd v3's JSON gateway over the one HTTP client (providers/etcd.h). */
#include "providers/etcd.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

struct sp_etcd {
	char **eps;                 /* base URLs, without a trailing '/' */
	size_t neps, cur;           /* cur: the member that answered last */
	struct sp_http *h;
	char *user, *pass, *token;  /* secrets (the user name is not, but goes with them) */
	int auth_off;               /* the cluster said auth is not enabled: no token to ask for */
	char *where;
	int rounds;
	long total_ms;
};

/* ---- base64 ------------------------------------------------------------------------------------ */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *sp_etcd_b64enc(const void *p, size_t n)
{
	const unsigned char *s = p;
	char *out = sp_xmalloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64[s[i] >> 2];
		*o++ = b64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*o++ = b64[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*o++ = b64[s[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64[s[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*o++ = b64[(s[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(s[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int sp_etcd_b64dec(const char *s, size_t n, struct sp_arena *a, char **out, size_t *outlen)
{
	char *o = sp_arena_alloc(a, n / 4 * 3 + 4);
	size_t k = 0;
	unsigned acc = 0;
	int bits = 0;

	while (n && s[n - 1] == '=')
		n--;
	for (size_t i = 0; i < n; i++) {
		int v = b64val((unsigned char)s[i]);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[k++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6)
		return -1; /* a lone sextet is not a byte */
	o[k] = '\0';
	*out = o;
	*outlen = k;
	return 0;
}

/* ---- the client -------------------------------------------------------------------------------- */

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct sp_etcd *sp_etcd_new(const struct sp_etcd_opts *o, struct sp_err *err)
{
	struct sp_http_opts ho = o->http;
	struct sp_etcd *c;

	if (!o->nendpoints) {
		sp_err_set(err, SP_EINVAL, o->where, 0, 0, "no etcd endpoint is set");
		return NULL;
	}
	/* one attempt per request: the failover loop below moves between members */
	ho.max_attempts = 1;
	ho.username = ho.password = ho.bearer = NULL;
	c = sp_xcalloc(1, sizeof(*c));
	if (!(c->h = sp_http_new(&ho, err))) {
		free(c);
		return NULL;
	}
	c->eps = sp_xcalloc(o->nendpoints, sizeof(*c->eps));
	for (size_t i = 0; i < o->nendpoints; i++) {
		size_t n = strlen(o->endpoints[i]);
		while (n && o->endpoints[i][n - 1] == '/')
			n--;
		c->eps[i] = sp_xstrndup(o->endpoints[i], n);
	}
	c->neps = o->nendpoints;
	c->user = o->username && *o->username ? sp_xstrdup(o->username) : NULL;
	c->pass = c->user && o->password ? sp_xstrdup(o->password) : NULL;
	c->where = sp_xstrdup(o->where ? o->where : "etcd");
	c->rounds = o->rounds > 0 ? o->rounds : 5;
	c->total_ms = o->total_ms > 0 ? o->total_ms : 30000;
	return c;
}

void sp_etcd_free(struct sp_etcd *c)
{
	if (!c)
		return;
	sp_http_free(c->h);
	for (size_t i = 0; i < c->neps; i++)
		free(c->eps[i]);
	free(c->eps);
	wipe_free(c->user);
	wipe_free(c->pass);
	wipe_free(c->token);
	free(c->where);
	free(c);
}

const char *sp_etcd_endpoint(const struct sp_etcd *c)
{
	return c->eps[c->cur];
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

/* etcd's error answer: {"error": "...", "code": N, "message": "..."} (gRPC
 * status code N). *code is -1 and msg empty when the body is not that. */
static void etcd_error(const struct sp_http_resp *r, int *code, char *msg, size_t n)
{
	json_t *o = json_loadb(r->body.buf, r->body.len, 0, NULL);
	const char *m = json_string_value(json_object_get(o, "message"));

	if (!m)
		m = json_string_value(json_object_get(o, "error"));
	*code = json_is_integer(json_object_get(o, "code")) ? (int)json_integer_value(json_object_get(o, "code")) : -1;
	snprintf(msg, n, "%s", m ? m : "");
	json_decref(o);
}

/* What a refusal means: an error code for the caller. */
static int refusal_code(int code, const char *msg)
{
	if (strstr(msg, "request is too large") || strstr(msg, "too many operations in txn request"))
		return SP_ETOOBIG;
	if (strstr(msg, "required revision has been compacted"))
		return SP_ESTALE;
	if (code == 5 || strstr(msg, "requested lease not found"))
		return SP_ENOTFOUND;
	return SP_EINVAL;
}

/* POST /v3/auth/authenticate on member i: the token, or no token when the
 * cluster has auth turned off. 0, 1 (worth trying another member; *last
 * says why) or an error. */
static int authenticate(struct sp_etcd *c, size_t i, struct sp_sb *last, struct sp_err *err)
{
	struct sp_sb body = SP_SB_INIT, url = SP_SB_INIT;
	struct sp_http_resp r;
	struct sp_err e;
	char msg[512];
	int rc, code;

	sp_err_clear(&e);
	/* by hand, so that the password is in no buffer but this one, which is wiped */
	sp_sb_adds(&body, "{\"name\":\"");
	sp_sb_add_quoted(&body, c->user);
	sp_sb_adds(&body, "\",\"password\":\"");
	sp_sb_add_quoted(&body, c->pass ? c->pass : "");
	sp_sb_adds(&body, "\"}");
	sp_sb_addf(&url, "%s/v3/auth/authenticate", c->eps[i]);
	rc = sp_http_request(c->h, "POST", url.buf, body.buf, body.len, NULL, NULL, 0, SP_HTTP_NO_4XX_ERR, &r, &e);
	explicit_bzero(body.buf, body.len);
	sp_sb_release(&body);
	if (rc < 0 && (e.code == SP_EIO || sp_http_transient(&r))) {
		sp_sb_reset(last);
		sp_sb_adds(last, e.msg);
		rc = 1;
		goto out;
	}
	if (rc < 0) {
		rc = sp_err_set(err, e.code, c->where, 0, 0, "%s", e.msg);
		goto out;
	}
	if (r.status >= 400) {
		etcd_error(&r, &code, msg, sizeof(msg));
		if (strstr(msg, "authentication is not enabled")) {
			c->auth_off = 1; /* no token needed (until a member asks for one) */
			rc = 0;
			goto out;
		}
		rc = sp_err_set(err, SP_EINVAL, c->where, 0, 0, "etcd at %s refused the credentials of user '%s' (HTTP %ld): %s",
				url.buf, c->user, r.status, msg[0] ? msg : "no reason given");
		goto out;
	}
	json_t *o = json_loadb(r.body.buf, r.body.len, 0, NULL);
	const char *tok = json_string_value(json_object_get(o, "token"));
	wipe_free(c->token);
	c->token = tok && *tok ? sp_xstrdup(tok) : NULL;
	json_decref(o);
	rc = 0;
out:
	explicit_bzero(r.body.buf, r.body.len);
	sp_http_resp_free(&r);
	sp_sb_release(&url);
	return rc;
}

/* One call: POST path with the JSON body, with failover (see etcd.h). On
 * success *out is the answer (the caller's reference). */
static int call(struct sp_etcd *c, const char *path, json_t *req, json_t **out, struct sp_err *err)
{
	char *body = NULL;
	struct sp_sb last = SP_SB_INIT, url = SP_SB_INIT;
	long start = now_ms();
	int rc = 0, round, tried = 0;

	*out = NULL;
	if ((rc = sp_json_dump(req, SP_JSON_COMPACT, &body, err)) < 0)
		return rc;
	for (round = 1; round <= c->rounds; round++) {
		for (size_t k = 0; k < c->neps; k++) {
			size_t i = (c->cur + k) % c->neps;
			int reauth = 0;
		again:
			if (c->user && !c->token && !c->auth_off && !reauth) {
				reauth = 1;
				if ((rc = authenticate(c, i, &last, err)) < 0)
					goto out;
				if (rc == 1)
					continue;
			}
			struct sp_http_header auth = { "Authorization", c->token };
			struct sp_http_resp r;
			struct sp_err e;
			char msg[512];
			int code;

			sp_err_clear(&e);
			sp_sb_reset(&url);
			sp_sb_addf(&url, "%s%s", c->eps[i], path);
			tried++;
			rc = sp_http_request(c->h, "POST", url.buf, body, strlen(body), NULL, c->token ? &auth : NULL,
					     c->token ? 1 : 0, SP_HTTP_NO_4XX_ERR, &r, &e);
			if (rc == 0 && r.status < 300) {
				struct sp_err pe;
				*out = sp_json_parse(r.body.buf, r.body.len, url.buf, "etcd's answer is not JSON", &pe);
				sp_http_resp_free(&r);
				if (!*out) {
					rc = sp_err_set(err, SP_EIO, c->where, 0, 0, "%s", pe.msg);
					goto out;
				}
				c->cur = i;
				rc = 0;
				goto out;
			}
			etcd_error(&r, &code, msg, sizeof(msg));
			if (rc == 0 || (e.code == SP_EINVAL && !sp_http_transient(&r))) {
				/* etcd refused: the same anywhere, except an expired token */
				sp_http_resp_free(&r);
				if (code == 16 && c->user && !reauth) {
					wipe_free(c->token);
					c->token = NULL;
					c->auth_off = 0;
					goto again;
				}
				rc = sp_err_set(err, refusal_code(code, msg), c->where, 0, 0, "POST %s: etcd answered HTTP %ld: %s",
						url.buf, r.status, msg[0] ? msg : "(no message)");
				goto out;
			}
			if (e.code == SP_ETOOBIG) {
				sp_http_resp_free(&r);
				rc = sp_err_set(err, SP_EIO, c->where, 0, 0, "%s", e.msg);
				goto out;
			}
			/* no answer, 429 or 5xx (no leader, leader changed, timed out): the next member */
			sp_sb_reset(&last);
			if (r.status && msg[0])
				sp_sb_addf(&last, "POST %s: etcd answered HTTP %ld: %s", url.buf, r.status, msg);
			else
				sp_sb_adds(&last, e.msg);
			sp_http_resp_free(&r);
			if (now_ms() - start >= c->total_ms)
				goto fail;
		}
		if (round < c->rounds) {
			long wait = sp_http_backoff_ms(c->h, round), left = c->total_ms - (now_ms() - start);
			if (left <= 0)
				break;
			sleep_ms(wait < left ? wait : left);
		}
	}
fail:
	{
		struct sp_sb all = SP_SB_INIT;
		for (size_t i = 0; i < c->neps; i++) {
			char red[256];
			sp_http_redact(c->eps[i], red, sizeof(red));
			sp_sb_addf(&all, "%s%s", i ? ", " : "", red);
		}
		rc = sp_err_set(err, SP_EIO, c->where, 0, 0,
				"no etcd member answered (%s; %d request%s in %.1f s); the last failure: %s", all.buf, tried,
				tried == 1 ? "" : "s", (double)(now_ms() - start) / 1000.0,
				last.len ? last.buf : "none recorded");
		sp_sb_release(&all);
	}
out:
	sp_sb_release(&last);
	sp_sb_release(&url);
	free(body);
	return rc;
}

/* ---- answers ------------------------------------------------------------------------------------- */

/* An int64 the gateway sends as a string (or, from some versions, a number); 0 when absent. */
static int64_t get_i64(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (json_is_string(v))
		return (int64_t)strtoll(json_string_value(v), NULL, 10);
	if (json_is_integer(v))
		return (int64_t)json_integer_value(v);
	return 0;
}

static json_t *str_i64(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

static json_t *b64_json(const char *p, size_t n)
{
	char *s = sp_etcd_b64enc(p, n);
	json_t *v = json_string(s);

	free(s);
	return v;
}

static int bad_answer(struct sp_etcd *c, const char *what, struct sp_err *err)
{
	return sp_err_set(err, SP_EIO, c->where, 0, 0, "etcd at %s sent an answer that is not etcd's: %s",
			  c->eps[c->cur], what);
}

/* One kv of an answer into out (strings in a). */
static int parse_kv(struct sp_etcd *c, json_t *o, struct sp_etcd_kv *out, struct sp_arena *a, struct sp_err *err)
{
	json_t *k = json_object_get(o, "key"), *v = json_object_get(o, "value");

	memset(out, 0, sizeof(*out));
	if (!json_is_string(k) ||
	    sp_etcd_b64dec(json_string_value(k), json_string_length(k), a, &out->key, &out->klen) < 0)
		return bad_answer(c, "a key that is not base64", err);
	if (v && (!json_is_string(v) ||
		  sp_etcd_b64dec(json_string_value(v), json_string_length(v), a, &out->value, &out->vlen) < 0))
		return bad_answer(c, "a value that is not base64", err);
	if (!v)
		out->value = sp_arena_strdup(a, "");
	out->create_revision = get_i64(o, "create_revision");
	out->mod_revision = get_i64(o, "mod_revision");
	out->version = get_i64(o, "version");
	out->lease = get_i64(o, "lease");
	return 0;
}

static void kvs_push(struct sp_etcd_kvs *out, const struct sp_etcd_kv *kv)
{
	SP_GROW(out->v, out->cap, out->n + 1);
	out->v[out->n++] = *kv;
}

/* ---- range ------------------------------------------------------------------------------------- */

void sp_etcd_prefix_end(const char *prefix, size_t plen, char **end, size_t *elen)
{
	char *e = sp_xmalloc(plen + 1);
	size_t n = plen;

	memcpy(e, prefix, plen);
	while (n && (unsigned char)e[n - 1] == 0xff)
		n--;
	if (n)
		e[n - 1] = (char)((unsigned char)e[n - 1] + 1);
	else
		e[n++] = 0; /* every key (etcd's "\0") */
	e[n] = '\0';
	*end = e;
	*elen = n;
}

int sp_etcd_range(struct sp_etcd *c, const char *key, size_t klen, const char *range_end, size_t elen, int64_t rev,
		  size_t page, struct sp_etcd_kvs *out, struct sp_arena *a, struct sp_err *err)
{
	char *from = sp_xstrndup(key, klen);
	size_t flen = klen;
	int rc = 0;

	out->revision = rev;
	for (;;) {
		json_t *req = json_object(), *resp = NULL, *kvs;
		size_t i;
		json_t *kv;

		json_object_set_new(req, "key", b64_json(from, flen));
		if (range_end)
			json_object_set_new(req, "range_end", b64_json(range_end, elen));
		if (page)
			json_object_set_new(req, "limit", str_i64((int64_t)page));
		if (out->revision)
			json_object_set_new(req, "revision", str_i64(out->revision));
		rc = call(c, "/v3/kv/range", req, &resp, err);
		json_decref(req);
		if (rc < 0)
			break;
		if (!out->revision)
			out->revision = get_i64(json_object_get(resp, "header"), "revision");
		kvs = json_object_get(resp, "kvs");
		if (kvs && !json_is_array(kvs)) {
			json_decref(resp);
			rc = bad_answer(c, "'kvs' is not an array", err);
			break;
		}
		json_array_foreach(kvs, i, kv) {
			struct sp_etcd_kv x;
			if ((rc = parse_kv(c, kv, &x, a, err)) < 0)
				break;
			kvs_push(out, &x);
		}
		int more = json_is_true(json_object_get(resp, "more"));
		size_t got = json_array_size(kvs);
		json_decref(resp);
		if (rc < 0 || !range_end || !more || !got)
			break;
		/* the next page starts just after the last key */
		const struct sp_etcd_kv *lastkv = &out->v[out->n - 1];
		free(from);
		from = sp_xmalloc(lastkv->klen + 2);
		memcpy(from, lastkv->key, lastkv->klen);
		from[lastkv->klen] = '\0';
		flen = lastkv->klen + 1;
	}
	free(from);
	return rc;
}

/* ---- txn --------------------------------------------------------------------------------------- */

void sp_etcd_txn_init(struct sp_etcd_txn *t)
{
	memset(t, 0, sizeof(*t));
	t->cmp = json_array();
	t->ok = json_array();
	t->fail = json_array();
}

void sp_etcd_txn_free(struct sp_etcd_txn *t)
{
	json_decref(t->cmp);
	json_decref(t->ok);
	json_decref(t->fail);
	memset(t, 0, sizeof(*t));
}

void sp_etcd_txn_cmp(struct sp_etcd_txn *t, const char *key, enum sp_etcd_target target, int64_t v)
{
	static const char *const names[] = { "CREATE", "MOD", "VERSION", "LEASE" };
	static const char *const fields[] = { "create_revision", "mod_revision", "version", "lease" };
	json_t *o = json_object();

	json_object_set_new(o, "key", b64_json(key, strlen(key)));
	json_object_set_new(o, "target", json_string(names[target]));
	json_object_set_new(o, "result", json_string("EQUAL"));
	json_object_set_new(o, fields[target], str_i64(v));
	json_array_append_new(t->cmp, o);
}

void sp_etcd_txn_put(struct sp_etcd_txn *t, const char *key, const char *value, size_t vlen, int64_t lease)
{
	json_t *o = json_object(), *op = json_object();
	size_t kl = strlen(key);

	json_object_set_new(o, "key", b64_json(key, kl));
	json_object_set_new(o, "value", b64_json(value, vlen));
	if (lease)
		json_object_set_new(o, "lease", str_i64(lease));
	json_object_set_new(op, "request_put", o);
	json_array_append_new(t->ok, op);
	t->nok++;
	t->bytes += kl + vlen;
}

void sp_etcd_txn_del(struct sp_etcd_txn *t, const char *key)
{
	json_t *o = json_object(), *op = json_object();
	size_t kl = strlen(key);

	json_object_set_new(o, "key", b64_json(key, kl));
	json_object_set_new(op, "request_delete_range", o);
	json_array_append_new(t->ok, op);
	t->nok++;
	t->bytes += kl;
}

static void add_get(json_t *arr, const char *key)
{
	json_t *o = json_object(), *op = json_object();

	json_object_set_new(o, "key", b64_json(key, strlen(key)));
	json_object_set_new(op, "request_range", o);
	json_array_append_new(arr, op);
}

void sp_etcd_txn_get(struct sp_etcd_txn *t, const char *key)
{
	if (t->nget_ok < SP_ETCD_TXN_GETS) {
		add_get(t->ok, key);
		t->nok++;
		t->nget_ok++;
	}
}

void sp_etcd_txn_else_get(struct sp_etcd_txn *t, const char *key)
{
	if (t->nget_fail < SP_ETCD_TXN_GETS) {
		add_get(t->fail, key);
		t->nget_fail++;
	}
}

int sp_etcd_txn_do(struct sp_etcd *c, const struct sp_etcd_txn *t, struct sp_etcd_txn_resp *r, struct sp_arena *a,
		   struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL, *rs, *x;
	size_t i;
	int rc;

	memset(r, 0, sizeof(*r));
	if (json_array_size(t->cmp))
		json_object_set(req, "compare", t->cmp);
	if (json_array_size(t->ok))
		json_object_set(req, "success", t->ok);
	if (json_array_size(t->fail))
		json_object_set(req, "failure", t->fail);
	rc = call(c, "/v3/kv/txn", req, &resp, err);
	json_decref(req);
	if (rc < 0)
		return rc;
	r->succeeded = json_is_true(json_object_get(resp, "succeeded"));
	r->revision = get_i64(json_object_get(resp, "header"), "revision");
	rs = json_object_get(resp, "responses");
	json_array_foreach(rs, i, x) {
		json_t *range = json_object_get(x, "response_range"), *kvs, *kv;
		size_t j;
		if (!range || r->ngot >= SP_ETCD_TXN_GETS)
			continue;
		kvs = json_object_get(range, "kvs");
		r->got[r->ngot] = NULL;
		json_array_foreach(kvs, j, kv) {
			struct sp_etcd_kv *p = SP_NEW(a, struct sp_etcd_kv);
			if ((rc = parse_kv(c, kv, p, a, err)) < 0)
				break;
			r->got[r->ngot] = p;
		}
		if (rc < 0)
			break;
		r->ngot++;
	}
	json_decref(resp);
	return rc;
}

/* ---- put, delete, leases ------------------------------------------------------------------------- */

int sp_etcd_put(struct sp_etcd *c, const char *key, const char *value, size_t vlen, int64_t lease, struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL;
	int rc;

	json_object_set_new(req, "key", b64_json(key, strlen(key)));
	json_object_set_new(req, "value", b64_json(value, vlen));
	if (lease)
		json_object_set_new(req, "lease", str_i64(lease));
	rc = call(c, "/v3/kv/put", req, &resp, err);
	json_decref(req);
	json_decref(resp);
	return rc;
}

int sp_etcd_delete(struct sp_etcd *c, const char *key, struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL;
	int rc;

	json_object_set_new(req, "key", b64_json(key, strlen(key)));
	rc = call(c, "/v3/kv/deleterange", req, &resp, err);
	json_decref(req);
	json_decref(resp);
	return rc;
}

int sp_etcd_lease_grant(struct sp_etcd *c, long ttl, int64_t *id, long *granted, struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL;
	int rc;

	json_object_set_new(req, "TTL", str_i64(ttl));
	rc = call(c, "/v3/lease/grant", req, &resp, err);
	json_decref(req);
	if (rc == 0) {
		*id = get_i64(resp, "ID");
		if (granted)
			*granted = (long)get_i64(resp, "TTL");
		if (!*id)
			rc = bad_answer(c, "a lease without an ID", err);
		else if (json_string_value(json_object_get(resp, "error")) &&
			 *json_string_value(json_object_get(resp, "error")))
			rc = sp_err_set(err, SP_EINVAL, c->where, 0, 0, "etcd did not grant a lease: %s",
					json_string_value(json_object_get(resp, "error")));
	}
	json_decref(resp);
	return rc;
}

int sp_etcd_lease_keepalive(struct sp_etcd *c, int64_t id, long *ttl, struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL;
	int rc;

	/* a stream in gRPC; through the gateway, one request gives one
	 * {"result": {...}} line, then the stream ends */
	json_object_set_new(req, "ID", str_i64(id));
	rc = call(c, "/v3/lease/keepalive", req, &resp, err);
	json_decref(req);
	if (rc == 0) {
		json_t *res = json_object_get(resp, "result");
		if (!res)
			rc = bad_answer(c, "a keep-alive answer without 'result'", err);
		else
			*ttl = (long)get_i64(res, "TTL");
	}
	json_decref(resp);
	return rc;
}

int sp_etcd_lease_revoke(struct sp_etcd *c, int64_t id, struct sp_err *err)
{
	json_t *req = json_object(), *resp = NULL;
	int rc;

	json_object_set_new(req, "ID", str_i64(id));
	rc = call(c, "/v3/lease/revoke", req, &resp, err);
	json_decref(req);
	json_decref(resp);
	return rc;
}
