/* The REST provider: one JSON document per resource, in the collection of
 * its type, on an HTTP API (providers/provider_rest.h). What it reports is
 * what the server answers at the time of the call, so a document changed or
 * deleted on the server shows up as drift in the next plan. */
#include "providers/provider_rest.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/http.h"
#include "providers/resource_json.h"
#include "providers/where.h"

/* The types of model/resource.h, sorted: the collections list reads. */
const char *const sp_rest_types[] = { "cache", "datastore", "gpu", "queue", "service", NULL };

struct prest {
	struct sp_provider p;
	char *base;                 /* the expanded URL without a final '/': may hold credentials */
	char *where;                /* "rest " and the URL without credentials */
	struct sp_where_http wh;    /* the client options; its secrets wiped at close */
	struct sp_sb *hname, *hval; /* the expanded headers; values are secrets */
	size_t nh;
	pthread_mutex_t mu;         /* guards the pool */
	struct sp_http **pool;      /* idle clients */
	size_t npool, cappool;
};

/* ---- fault injection (the local provider's, docs/providers.md) --------------------------------- */

static unsigned long op_count;

void sp_provider_rest_fault_reset(void)
{
	__atomic_store_n(&op_count, 0, __ATOMIC_SEQ_CST);
}

static int fault_point(const char *address, struct sp_err *err)
{
	unsigned long n = __atomic_add_fetch(&op_count, 1, __ATOMIC_SEQ_CST), at;
	const char *env = getenv("SCALEPLAN_FAULT_AT"), *kind = getenv("SCALEPLAN_FAULT_KIND");
	char *end;

	if (!env || !*env)
		return 0;
	errno = 0;
	at = strtoul(env, &end, 10);
	if (*env < '0' || *env > '9' || *end || errno || at == 0)
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "SCALEPLAN_FAULT_AT must be a positive integer (the operation to fail), not '%s'", env);
	if (kind && *kind && strcmp(kind, "crash") && strcmp(kind, "error"))
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "SCALEPLAN_FAULT_KIND must be 'error' or 'crash', not '%s'", kind);
	if (n != at)
		return 0;
	if (kind && !strcmp(kind, "crash")) {
		fprintf(stderr, "scaleplan: injected crash at operation %lu (SCALEPLAN_FAULT_KIND=crash)\n", n);
		fflush(stderr);
		_exit(137);
	}
	return sp_err_set(err, SP_EIO, address, 0, 0, "injected fault at operation %lu (SCALEPLAN_FAULT_AT)", n);
}

/* ---- clients: one per call in flight ---------------------------------------------------------- */

static struct sp_http *client_take(struct prest *pr, struct sp_err *err)
{
	struct sp_http *c = NULL;

	pthread_mutex_lock(&pr->mu);
	if (pr->npool)
		c = pr->pool[--pr->npool];
	pthread_mutex_unlock(&pr->mu);
	if (c)
		return c;
	if (!(c = sp_http_new(&pr->wh.o, err)))
		return NULL;
	for (size_t i = 0; i < pr->nh; i++)
		sp_http_add_header(c, pr->hname[i].buf, pr->hval[i].buf);
	return c;
}

static void client_give(struct prest *pr, struct sp_http *c)
{
	pthread_mutex_lock(&pr->mu);
	SP_GROW(pr->pool, pr->cappool, pr->npool + 1);
	pr->pool[pr->npool++] = c;
	pthread_mutex_unlock(&pr->mu);
}

/* ---- URLs and documents ------------------------------------------------------------------------ */

/* URL/<type>, or URL/<type>/<address percent-encoded> when address is not NULL. */
static void url_of(const struct prest *pr, struct sp_sb *sb, const char *type, const char *address)
{
	sp_sb_reset(sb);
	sp_sb_adds(sb, pr->base);
	sp_sb_addc(sb, '/');
	sp_http_escape(sb, type);
	if (address) {
		sp_sb_addc(sb, '/');
		sp_http_escape(sb, address);
	}
}

static int is_type(const char *type)
{
	for (size_t i = 0; sp_rest_types[i]; i++)
		if (!strcmp(type, sp_rest_types[i]))
			return 1;
	return 0;
}

/* The address's type, checked to be one the provider lists (into buf). */
static int type_of(const char *address, char *buf, size_t n, struct sp_err *err)
{
	struct sp_arena a;
	const char *type;
	int ok;

	if (!address)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "a resource without an address");
	sp_arena_init(&a);
	ok = sp_resource_parse_address(&a, address, &type, NULL, NULL) == 0 && strlen(type) < n;
	if (ok)
		snprintf(buf, n, "%s", type);
	sp_arena_free(&a);
	if (!ok)
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "'%s' is not a resource address (like service.web-api[us-east-1])", address);
	if (!is_type(buf))
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "the REST provider keeps only the types cache, datastore, gpu, queue and service, "
				  "not '%s'", buf);
	return 0;
}

/* The document of r: "id" (its address), then what sp_resource_json_encode writes. */
static int doc_of(const struct sp_resource *r, char **out, struct sp_err *err)
{
	json_t *res = NULL, *doc;
	const char *key;
	json_t *v;
	int rc;

	*out = NULL;
	if ((rc = sp_resource_json_encode(r, 0, &res, err)) < 0)
		return rc;
	doc = json_object();
	json_object_set_new(doc, "id", json_string(r->address));
	json_object_foreach(res, key, v)
		json_object_set(doc, key, v);
	json_decref(res);
	rc = sp_json_dump(doc, SP_JSON_COMPACT, out, err);
	json_decref(doc);
	return rc;
}

/* Decodes one document v of collection type at d's path: its id must be its
 * address, its type the collection; members other than the resource's are
 * ignored. */
static int decode_doc(struct sp_jdec *d, json_t *v, const char *type, struct sp_resource *out)
{
	static const char *const keep[] = { "address", "type", "name", "region", "attributes", NULL };
	json_t *res, *id;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(v))
		return sp_jdec_fail(d, "must be an object (a resource document), not %s", sp_json_kind(v));
	res = json_object();
	for (size_t i = 0; keep[i]; i++)
		if (json_object_get(v, keep[i]))
			json_object_set(res, keep[i], json_object_get(v, keep[i]));
	rc = sp_resource_json_decode(d, res, 0, out);
	json_decref(res);
	if (rc < 0)
		return rc;
	id = json_object_get(v, "id");
	if (!json_is_string(id) || strcmp(json_string_value(id), out->address))
		return sp_jdec_fail_in(d, "id", "must be the document's address '%s' (the REST provider addresses a "
				       "resource by it), not %s", out->address,
				       json_is_string(id) ? json_string_value(id) : sp_json_kind(id));
	if (strcmp(out->type, type))
		return sp_jdec_fail_in(d, "type", "'%s' in the collection '%s'", out->type, type);
	return 0;
}

/* err from the HTTP client, re-addressed to file (the message keeps the
 * method, the URL and the status). */
static int readdress(struct sp_err *err, const struct sp_err *e, const char *file, const char *hint)
{
	return sp_err_set(err, e->code, file, 0, 0, "%s%s", e->msg, hint ? hint : "");
}

#define HINT_COLLECTION \
	" (the API must serve a collection for every resource type: cache, datastore, gpu, queue and service)"

/* ---- the calls --------------------------------------------------------------------------------- */

static int rest_list(struct sp_provider *p, struct sp_resource_set *out, struct sp_arena *a, struct sp_err *err)
{
	struct prest *pr = p->ctx;
	struct sp_http *c;
	struct sp_sb url = SP_SB_INIT;
	struct sp_resource *v = NULL;
	size_t n = 0, cap = 0;
	char red[512];
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if (!(c = client_take(pr, err)))
		return SP_EIO;
	for (size_t t = 0; sp_rest_types[t] && rc == 0; t++) {
		struct sp_http_resp resp;
		struct sp_err e;
		struct sp_jdec d;
		json_t *root;

		url_of(pr, &url, sp_rest_types[t], NULL);
		sp_http_redact(url.buf, red, sizeof red);
		sp_err_clear(&e);
		if (sp_http_request(c, "GET", url.buf, NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &e) < 0) {
			rc = readdress(err, &e, red, resp.status == 404 ? HINT_COLLECTION : NULL);
			sp_http_resp_free(&resp);
			break;
		}
		sp_jdec_init(&d, red, a, err, SP_JDEC_MUST_BE);
		if (!(root = sp_json_parse(resp.body.buf, resp.body.len, red, "the answer is not JSON", err))) {
			rc = SP_EINVAL;
		} else if (!json_is_array(root)) {
			rc = sp_jdec_fail(&d, "the answer must be an array (every document of the collection), not %s",
					  sp_json_kind(root));
		} else {
			SP_GROW(v, cap, n + json_array_size(root));
			for (size_t i = 0; i < json_array_size(root) && rc == 0; i++) {
				size_t mark = sp_jdec_push_idx(&d, i);
				if ((rc = decode_doc(&d, json_array_get(root, i), sp_rest_types[t], &v[n])) == 0) {
					n++;
					sp_jdec_pop(&d, mark);
				}
			}
		}
		json_decref(root);
		sp_http_resp_free(&resp);
	}
	client_give(pr, c);
	if (rc == 0) {
		struct sp_resource_set s = { v, n };
		sp_resource_set_sort(&s);
		for (size_t i = 1; i < n && rc == 0; i++)
			if (!strcmp(v[i - 1].address, v[i].address))
				rc = sp_err_set(err, SP_EINVAL, pr->where + 5, 0, 0,
						"the server lists resource '%s' twice", v[i].address);
	}
	if (rc == 0) {
		out->v = SP_NEWN(a, struct sp_resource, n);
		if (n)
			memcpy(out->v, v, n * sizeof(*v));
		out->n = n;
	}
	free(v);
	sp_sb_release(&url);
	return rc;
}

/* GET of one document: 0 and *out, SP_ENOTFOUND, or another error with
 * err->file = address. */
static int get_doc(struct prest *pr, struct sp_http *c, const char *address, const char *type,
		   struct sp_resource *out, struct sp_arena *a, struct sp_err *err)
{
	struct sp_sb url = SP_SB_INIT;
	struct sp_http_resp resp;
	struct sp_err e;
	struct sp_jdec d;
	char red[512];
	json_t *root = NULL;
	int rc;

	url_of(pr, &url, type, address);
	sp_http_redact(url.buf, red, sizeof red);
	sp_err_clear(&e);
	if (sp_http_request(c, "GET", url.buf, NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &e) < 0) {
		if (resp.status == 404)
			rc = sp_err_set(err, SP_ENOTFOUND, address, 0, 0, "no such resource on the server (GET %s: HTTP 404)",
					red);
		else
			rc = readdress(err, &e, address, NULL);
		goto out;
	}
	sp_jdec_init(&d, red, a, err, SP_JDEC_MUST_BE);
	if (!(root = sp_json_parse(resp.body.buf, resp.body.len, red, "the answer is not JSON", err)))
		rc = SP_EINVAL;
	else if ((rc = decode_doc(&d, root, type, out)) == 0 && strcmp(out->address, address))
		rc = sp_err_set(err, SP_EINVAL, red, 0, 0, "the server answered with resource '%s' for '%s'",
				out->address, address);
out:
	json_decref(root);
	sp_http_resp_free(&resp);
	sp_sb_release(&url);
	return rc;
}

static int rest_read(struct sp_provider *p, const char *address, struct sp_resource *out, struct sp_arena *a,
		     struct sp_err *err)
{
	struct prest *pr = p->ctx;
	struct sp_http *c;
	char type[64];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = type_of(address, type, sizeof type, err)) < 0)
		return rc;
	if (!(c = client_take(pr, err)))
		return SP_EIO;
	rc = get_doc(pr, c, address, type, out, a, err);
	client_give(pr, c);
	return rc;
}

static int same_attrs(const struct sp_resource *x, const struct sp_resource *y)
{
	if (x->nattrs != y->nattrs)
		return 0;
	for (size_t i = 0; i < x->nattrs; i++)
		if (strcmp(x->attrs[i].key, y->attrs[i].key) || !sp_attr_equal(&x->attrs[i], &y->attrs[i]))
			return 0;
	return 1;
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

/* Whether the document of r is on the server already: 1 with the same
 * attributes, 0 absent, or an error (SP_EINVAL when another document is
 * there, the network's otherwise). */
static int check_created(struct prest *pr, struct sp_http *c, const struct sp_resource *r, const char *type,
			 struct sp_err *err)
{
	struct sp_arena a;
	struct sp_resource now;
	int rc;

	sp_arena_init(&a);
	rc = get_doc(pr, c, r->address, type, &now, &a, err);
	if (rc == SP_ENOTFOUND) {
		sp_err_clear(err);
		rc = 0;
	} else if (rc == 0) {
		rc = same_attrs(&now, r) ? 1
					 : sp_err_set(err, SP_EINVAL, r->address, 0, 0,
						      "cannot create it: it exists already on the server, with other "
						      "attributes");
	}
	sp_arena_free(&a);
	return rc;
}

/* POST is not safe to send twice: each attempt is sent once, and after one
 * that may have reached the server (no answer, 429, 5xx) or a 409 the
 * document is read first. */
static int rest_create(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err)
{
	struct prest *pr = p->ctx;
	struct sp_http *c = NULL;
	struct sp_sb url = SP_SB_INIT;
	char type[64], *body = NULL, red[512];
	long start = now_ms();
	int rc, max = pr->wh.o.max_attempts > 0 ? pr->wh.o.max_attempts : 5;

	if ((rc = fault_point(r->address, err)) < 0 || (rc = type_of(r->address, type, sizeof type, err)) < 0 ||
	    (rc = doc_of(r, &body, err)) < 0)
		goto out;
	if (!(c = client_take(pr, err))) {
		rc = SP_EIO;
		goto out;
	}
	url_of(pr, &url, type, NULL);
	sp_http_redact(url.buf, red, sizeof red);
	for (int attempt = 1;; attempt++) {
		struct sp_http_resp resp;
		struct sp_err e;
		long wait;
		int got;

		sp_err_clear(&e);
		if (sp_http_request(c, "POST", url.buf, body, strlen(body), NULL, NULL, 0, 0, &resp, &e) == 0) {
			sp_http_resp_free(&resp);
			rc = 0;
			break;
		}
		if (resp.status == 409) {
			sp_http_resp_free(&resp);
			rc = check_created(pr, c, r, type, err);
			if (rc == 0)
				rc = sp_err_set(err, SP_EINVAL, r->address, 0, 0,
						"cannot create it: POST %s answered HTTP 409 (it exists already), but it "
						"cannot be read", red);
			rc = rc == 1 ? 0 : rc;
			break;
		}
		if (!sp_http_transient(&resp)) {
			rc = readdress(err, &e, r->address, resp.status == 404 ? HINT_COLLECTION : NULL);
			sp_http_resp_free(&resp);
			break;
		}
		/* it may have been created: look before sending it again */
		wait = resp.retry_after_ms;
		sp_http_resp_free(&resp);
		if ((got = check_created(pr, c, r, type, err)) != 0) {
			if (got == SP_EIO || got == SP_ETOOBIG)
				readdress(err, &e, r->address,
					  " (whether it was created is not known: it could not be read after)");
			rc = got == 1 ? 0 : got;
			break;
		}
		long backoff = sp_http_backoff_ms(c, attempt);
		if (wait < backoff)
			wait = backoff;
		if (attempt >= max || now_ms() - start + wait >= pr->wh.o.total_ms) {
			/* the client's message without its count of one attempt: the count is ours */
			char *tail = strstr(e.msg, " (1 attempt in ");
			if (tail)
				*tail = '\0';
			rc = sp_err_set(err, e.code, r->address, 0, 0, "%s (%d POST%s in %.1f s; it does not exist on "
					"the server)", e.msg, attempt, attempt == 1 ? "" : "s",
					(double)(now_ms() - start) / 1000.0);
			break;
		}
		sleep_ms(wait);
	}
out:
	if (c)
		client_give(pr, c);
	free(body);
	sp_sb_release(&url);
	return rc;
}

/* PUT or DELETE of r's document, retried (both are idempotent). */
static int send_idempotent(struct prest *pr, const char *method, const struct sp_resource *r, struct sp_err *err)
{
	struct sp_http *c;
	struct sp_sb url = SP_SB_INIT;
	struct sp_http_resp resp;
	struct sp_err e;
	char type[64], *body = NULL, red[512];
	int rc;

	if ((rc = fault_point(r->address, err)) < 0 || (rc = type_of(r->address, type, sizeof type, err)) < 0)
		return rc;
	if (!strcmp(method, "PUT") && (rc = doc_of(r, &body, err)) < 0)
		return rc;
	if (!(c = client_take(pr, err))) {
		free(body);
		return SP_EIO;
	}
	url_of(pr, &url, type, r->address);
	sp_http_redact(url.buf, red, sizeof red);
	sp_err_clear(&e);
	rc = sp_http_request(c, method, url.buf, body, body ? strlen(body) : 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &e);
	if (rc < 0 && resp.status == 404)
		rc = body ? sp_err_set(err, SP_ENOTFOUND, r->address, 0, 0,
				       "cannot update it: it does not exist on the server (PUT %s: HTTP 404)", red)
			  : 0; /* a DELETE of what is gone: done, by someone or by an attempt whose answer was lost */
	else if (rc < 0)
		rc = readdress(err, &e, r->address, NULL);
	sp_http_resp_free(&resp);
	client_give(pr, c);
	free(body);
	sp_sb_release(&url);
	return rc;
}

static int rest_update(struct sp_provider *p, const struct sp_resource *before, const struct sp_resource *after,
		       struct sp_err *err)
{
	if (before && (!before->address || !after->address || strcmp(before->address, after->address)))
		return sp_err_set(err, SP_EINVAL, after->address ? after->address : "", 0, 0,
				  "an update cannot change the address (from '%s'); that is a delete and a create",
				  before->address ? before->address : "");
	return send_idempotent(p->ctx, "PUT", after, err);
}

static int rest_remove(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err)
{
	return send_idempotent(p->ctx, "DELETE", r, err);
}

static void rest_close(struct sp_provider *p)
{
	struct prest *pr;

	if (!p)
		return;
	pr = p->ctx;
	for (size_t i = 0; i < pr->npool; i++)
		sp_http_free(pr->pool[i]);
	free(pr->pool);
	for (size_t i = 0; i < pr->nh; i++) {
		explicit_bzero(pr->hval[i].buf, pr->hval[i].len);
		sp_sb_release(&pr->hval[i]);
		sp_sb_release(&pr->hname[i]);
	}
	free(pr->hname);
	free(pr->hval);
	sp_where_http_release(&pr->wh);
	explicit_bzero(pr->base, strlen(pr->base));
	free(pr->base);
	free(pr->where);
	pthread_mutex_destroy(&pr->mu);
	free(pr);
}

static const struct sp_provider_ops rest_ops = {
	.kind = "rest",
	.list = rest_list,
	.read = rest_read,
	.create = rest_create,
	.update = rest_update,
	.remove = rest_remove,
	.close = rest_close,
};

int sp_provider_rest_open(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err)
{
	struct prest *pr;
	struct sp_sb sb = SP_SB_INIT;
	char red[512];
	size_t n;
	int rc;

	*out = NULL;
	if (!c->url || !*c->url)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the REST provider needs a url");
	if ((rc = sp_where_expand(c->url, "url", &sb, err)) < 0) {
		sp_sb_release(&sb);
		return rc;
	}
	if ((strncmp(sb.buf, "http://", 7) && strncmp(sb.buf, "https://", 8)) || strpbrk(sb.buf, "?# \t\r\n")) {
		sp_http_redact(sb.buf, red, sizeof red);
		explicit_bzero(sb.buf, sb.len);
		sp_sb_release(&sb);
		return sp_err_set(err, SP_EINVAL, "", 0, 0,
				  "the REST provider's url must be an http:// or https:// URL without a query, a "
				  "fragment or a space, not '%s'", red);
	}
	pr = sp_xcalloc(1, sizeof(*pr));
	pthread_mutex_init(&pr->mu, NULL);
	pr->base = sp_sb_detach(&sb, &n);
	while (n > 0 && pr->base[n - 1] == '/' && pr->base[n - 2] != '/')
		pr->base[--n] = '\0';
	sp_http_redact(pr->base, red, sizeof red);
	sp_sb_addf(&sb, "rest %s", red);
	pr->where = sp_sb_detach(&sb, NULL);
	pr->p.ops = &rest_ops;
	pr->p.ctx = pr;
	pr->p.where = pr->where;
	if ((rc = sp_where_http_opts(&pr->wh, &c->remote, "SCALEPLAN_REST", err)) < 0) {
		rest_close(&pr->p);
		return rc;
	}
	pr->hname = sp_xcalloc(c->nheaders + 1, sizeof(*pr->hname));
	pr->hval = sp_xcalloc(c->nheaders + 1, sizeof(*pr->hval));
	for (size_t i = 0; i < c->nheaders; i++) {
		char what[160];
		sp_sb_init(&pr->hname[i]);
		sp_sb_init(&pr->hval[i]);
		pr->nh++;
		sp_sb_adds(&pr->hname[i], c->headers[i].key);
		snprintf(what, sizeof what, "header '%s'", c->headers[i].key);
		if ((rc = sp_where_expand(c->headers[i].value, what, &pr->hval[i], err)) < 0) {
			rest_close(&pr->p);
			return rc;
		}
	}
	*out = &pr->p;
	return 0;
}
