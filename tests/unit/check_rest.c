/* The REST provider (providers/provider_rest.c) against json-server, a real
 * REST server over a JSON file, reached directly and through
 * tests/servers/faulty.py, which passes requests on to it and fails the
 * ones its rules name: the calls, the documents, what is retried and what
 * is not (a POST is never sent twice blindly), the errors, secrets, and
 * calls from several threads at once. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/resource.h"
#include "model/spec.h"
#include "providers/http.h"
#include "providers/provider_rest.h"
#include "tests/unit/servers.h"

Suite *suite_rest(void);

static struct sp_test_server js, fp;

static void srv_setup(void)
{
	if (sp_ts_json_server_start(&js, "{\"cache\": [], \"datastore\": [], \"gpu\": [], \"queue\": [], \"service\": []}\n") <
	    0) {
		fprintf(stderr, "check_rest: json-server did not start: %s\n", js.why);
		return;
	}
	if (sp_ts_faulty_start(&fp, js.url) < 0)
		fprintf(stderr, "check_rest: faulty.py did not start: %s\n", fp.why);
}

static void srv_teardown(void)
{
	sp_ts_stop(&fp);
	sp_ts_stop(&js);
}

/* One request to json-server itself (not through the provider); the answer's status. */
static long raw(const char *method, const char *path, const char *body)
{
	struct sp_http_opts o = { .timeout_ms = 5000, .max_attempts = 1 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_http_resp resp;
	struct sp_sb url = SP_SB_INIT;
	long st;

	sp_sb_addf(&url, "%s%s", js.url, path);
	sp_http_request(c, method, url.buf, body, body ? strlen(body) : 0, NULL, NULL, 0, 0, &resp, &err);
	st = resp.status;
	sp_http_resp_free(&resp);
	sp_http_free(c);
	sp_sb_release(&url);
	return st;
}

/* The body of GET path on json-server (malloc). */
static char *raw_get(const char *path)
{
	struct sp_http_opts o = { .timeout_ms = 5000, .max_attempts = 1 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_http_resp resp;
	struct sp_sb url = SP_SB_INIT;
	char *out;

	sp_sb_addf(&url, "%s%s", js.url, path);
	ck_assert_int_eq(sp_http_request(c, "GET", url.buf, NULL, 0, NULL, NULL, 0, 0, &resp, &err), 0);
	out = sp_sb_detach(&resp.body, NULL);
	sp_http_free(c);
	sp_sb_release(&url);
	return out;
}

/* Every test starts with the servers up, no fault rules, an empty log and
 * every collection empty. */
static void fresh(const char *rules)
{
	ck_assert_msg(js.pid > 0, "json-server is not running: %s", js.why);
	ck_assert_msg(fp.pid > 0, "faulty.py is not running: %s", fp.why);
	ck_assert_int_eq(sp_ts_faults(&fp, "[]"), 0);
	for (size_t t = 0; sp_rest_types[t]; t++) {
		char path[64];
		snprintf(path, sizeof path, "/%s", sp_rest_types[t]);
		char *body = raw_get(path);
		json_t *arr = json_loads(body, 0, NULL), *doc;
		size_t i;
		ck_assert_msg(json_is_array(arr), "GET %s: %s", path, body);
		json_array_foreach(arr, i, doc) {
			json_t *id = json_object_get(doc, "id");
			struct sp_sb del = SP_SB_INIT;
			sp_sb_addf(&del, "/%s/", sp_rest_types[t]);
			if (json_is_string(id))
				sp_http_escape(&del, json_string_value(id));
			else
				sp_sb_addf(&del, "%lld", (long long)json_integer_value(id));
			ck_assert_int_eq(raw("DELETE", del.buf, NULL), 200);
			sp_sb_release(&del);
		}
		json_decref(arr);
		free(body);
	}
	ck_assert_int_eq(sp_ts_faults(&fp, rules), 0);
	unsetenv("SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_KIND");
	sp_provider_rest_fault_reset();
}

static void cfg_of(struct sp_provider_cfg *c, const char *url)
{
	sp_provider_cfg_init(c);
	c->kind = "rest";
	c->url = url;
	c->remote.timeout_s = 3;
	c->remote.retry_max = 3;
	c->remote.retry_wait_min_s = 0.01;
	c->remote.retry_wait_max_s = 0.05;
}

/* The provider on faulty.py (which passes on to json-server). */
static struct sp_provider *open_rest(void)
{
	struct sp_provider_cfg c;
	struct sp_provider *p = NULL;
	struct sp_err err;

	cfg_of(&c, fp.url);
	ck_assert_msg(sp_provider_rest_open(&p, &c, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(p->ops->kind, "rest");
	return p;
}

static struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region, double n)
{
	struct sp_resource r;
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.name = name;
	r.region = region;
	r.address = sp_resource_address(a, type, name, region);
	r.attrs = SP_NEWN(a, struct sp_attr, 3);
	r.attrs[0] = (struct sp_attr){ .key = "instance_type", .type = SP_ATTR_STR, .s = "m7i.large" };
	r.attrs[1] = (struct sp_attr){ .key = "multi_az", .type = SP_ATTR_BOOL, .n = 1 };
	r.attrs[2] = (struct sp_attr){ .key = "nodes", .type = SP_ATTR_NUM, .n = n };
	r.nattrs = 3;
	return r;
}

static double nodes_of(const struct sp_resource *r)
{
	const struct sp_attr *at = sp_resource_attr(r, "nodes");
	ck_assert_ptr_nonnull(at);
	return at->n;
}

static size_t count_of(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

#define ASSERT_HAS(s, needle) ck_assert_msg(strstr((s), (needle)) != NULL, "'%s' lacks '%s'", (s), (needle))
#define ASSERT_HASNT(s, needle) ck_assert_msg(strstr((s), (needle)) == NULL, "'%s' has '%s'", (s), (needle))

/* ---- opening --------------------------------------------------------------------------------------- */

START_TEST(test_open)
{
	struct sp_provider_cfg c;
	struct sp_provider *p = NULL;
	struct sp_err err;

	cfg_of(&c, "http://deploy:pw-S3CRET@127.0.0.1:1/api/v1/");
	ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), 0);
	ck_assert_str_eq(p->where, "rest http://127.0.0.1:1/api/v1");
	const struct sp_provider_ops *ops = p->ops;
	ops->close(p);
	ops->close(NULL);

	const char *bad[] = { "ftp://h/x", "http://h/x?key=1", "http://h/x#top", "" };
	for (size_t i = 0; i < 4; i++) {
		cfg_of(&c, bad[i]);
		sp_err_clear(&err);
		ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), SP_EINVAL);
		ck_assert_ptr_null(p);
		ASSERT_HAS(err.msg, "url");
	}

	/* ${VAR}: from the environment, never shown */
	unsetenv("SP_TEST_REST_HOST");
	cfg_of(&c, "http://${SP_TEST_REST_HOST}/api");
	ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "SP_TEST_REST_HOST");
	setenv("SP_TEST_REST_HOST", "127.0.0.1:9", 1);
	ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), 0);
	ck_assert_str_eq(p->where, "rest http://127.0.0.1:9/api");
	p->ops->close(p);
	unsetenv("SP_TEST_REST_HOST");

	struct sp_kv h[] = { { .key = "Authorization", .value = "Bearer ${SP_TEST_REST_TOKEN}" } };
	cfg_of(&c, "http://127.0.0.1:9");
	c.headers = h;
	c.nheaders = 1;
	unsetenv("SP_TEST_REST_TOKEN");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "header 'Authorization'");
	ASSERT_HAS(err.msg, "SP_TEST_REST_TOKEN");
}
END_TEST

/* ---- the calls against json-server ------------------------------------------------------------------ */

START_TEST(test_round_trip)
{
	fresh("[]");
	struct sp_provider *p = open_rest();
	struct sp_arena a;
	struct sp_resource_set set;
	struct sp_resource got;
	struct sp_err err;

	sp_arena_init(&a);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 0);

	struct sp_resource web = mkres(&a, "service", "web-api", "us-east-1", 3),
			   db = mkres(&a, "datastore", "orders.db", "eu-west-1", 4),
			   gpu = mkres(&a, "gpu", "assistant", "us-east-1", 8);
	ck_assert_msg(p->ops->create(p, &web, &err) == 0, "%s", err.msg);
	ck_assert_msg(p->ops->create(p, &db, &err) == 0, "%s", err.msg);
	ck_assert_msg(p->ops->create(p, &gpu, &err) == 0, "%s", err.msg);

	/* the document: "id" is the address, the URL carries it percent-encoded */
	char *doc = raw_get("/service/service.web-api%5Bus-east-1%5D");
	ASSERT_HAS(doc, "\"id\": \"service.web-api[us-east-1]\"");
	ASSERT_HAS(doc, "\"address\": \"service.web-api[us-east-1]\"");
	ASSERT_HAS(doc, "\"multi_az\": true");
	free(doc);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\", \"path\": \"/service\""), 1);

	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 3);
	ck_assert_str_eq(set.v[0].address, "datastore.orders.db[eu-west-1]");
	ck_assert_str_eq(set.v[1].address, "gpu.assistant[us-east-1]");
	ck_assert_str_eq(set.v[2].address, "service.web-api[us-east-1]");
	ck_assert_str_eq(set.v[0].name, "orders.db");
	ck_assert_uint_eq(set.v[2].nattrs, 3);
	ck_assert_int_eq(set.v[2].attrs[1].type, SP_ATTR_BOOL);

	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert_str_eq(got.address, web.address);
	ck_assert(nodes_of(&got) == 3);

	struct sp_resource web2 = mkres(&a, "service", "web-api", "us-east-1", 5);
	ck_assert_msg(p->ops->update(p, &web, &web2, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"PUT\", \"path\": \"/service/service.web-api%5Bus-east-1%5D\""),
			  1);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert(nodes_of(&got) == 5);

	ck_assert_int_eq(p->ops->remove(p, &db, &err), 0);
	ck_assert_int_eq(p->ops->read(p, db.address, &got, &a, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, db.address);
	/* gone already: a DELETE answered 404 is done */
	ck_assert_int_eq(p->ops->remove(p, &db, &err), 0);
	/* an update of what is gone is SP_ENOTFOUND, and creates nothing */
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->update(p, NULL, &db, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, db.address);
	ASSERT_HAS(err.msg, "HTTP 404");
	ck_assert_int_eq(p->ops->read(p, db.address, &got, &a, &err), SP_ENOTFOUND);
	/* an update never changes the address */
	ck_assert_int_eq(p->ops->update(p, &web, &gpu, &err), SP_EINVAL);

	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 2);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_create_existing)
{
	fresh("[]");
	struct sp_provider *p = open_rest();
	struct sp_arena a;
	struct sp_err err;

	sp_arena_init(&a);
	struct sp_resource q = mkres(&a, "queue", "emails", "us-east-1", 1),
			   q2 = mkres(&a, "queue", "emails", "us-east-1", 2);
	ck_assert_int_eq(p->ops->create(p, &q, &err), 0);
	/* json-server answers a second POST of one id with a 500: the provider
	 * looks, and finds the same document (done) or another one (refused) */
	ck_assert_int_eq(p->ops->create(p, &q, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &q2, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, q2.address);
	ASSERT_HAS(err.msg, "exists already");
	char *doc = raw_get("/queue/queue.emails%5Bus-east-1%5D");
	ASSERT_HAS(doc, "\"nodes\": 1");
	free(doc);

	/* a type the provider does not list is refused before anything is sent */
	struct sp_resource odd = mkres(&a, "bucket", "logs", "us-east-1", 1);
	ck_assert_int_eq(p->ops->create(p, &odd, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "'bucket'");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_documents_read)
{
	struct sp_provider *p;
	struct sp_arena a;
	struct sp_resource_set set;
	struct sp_resource got;
	struct sp_err err;

	/* members the server adds are ignored */
	fresh("[]");
	p = open_rest();
	sp_arena_init(&a);
	ck_assert_int_eq(raw("POST", "/cache",
			     "{\"id\": \"cache.c[r]\", \"address\": \"cache.c[r]\", \"type\": \"cache\", \"name\": \"c\", "
			     "\"region\": \"r\", \"attributes\": {\"nodes\": 2}, \"createdAt\": \"2027-01-01\", "
			     "\"owner\": {\"team\": \"infra\"}}"),
			 201);
	ck_assert_msg(p->ops->list(p, &set, &a, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_uint_eq(set.v[0].nattrs, 1);
	ck_assert_int_eq(p->ops->read(p, "cache.c[r]", &got, &a, &err), 0);

	/* an id that is not the address */
	fresh("[]");
	ck_assert_int_eq(raw("POST", "/cache",
			     "{\"id\": 7, \"address\": \"cache.c[r]\", \"type\": \"cache\", \"name\": \"c\", "
			     "\"region\": \"r\", \"attributes\": {}}"),
			 201);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.file, "/cache");
	ASSERT_HAS(err.msg, "[0].id");
	ASSERT_HAS(err.msg, "an integer");

	/* a document in another type's collection */
	fresh("[]");
	ck_assert_int_eq(raw("POST", "/service",
			     "{\"id\": \"cache.c[r]\", \"address\": \"cache.c[r]\", \"type\": \"cache\", \"name\": \"c\", "
			     "\"region\": \"r\", \"attributes\": {}}"),
			 201);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "collection 'service'");

	/* a value that is not a resource's */
	fresh("[]");
	ck_assert_int_eq(raw("POST", "/queue",
			     "{\"id\": \"queue.q[r]\", \"address\": \"queue.q[r]\", \"type\": \"queue\", \"name\": \"q\", "
			     "\"region\": \"r\", \"attributes\": {\"nodes\": [1, 2]}}"),
			 201);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "attributes.nodes");
	ck_assert_int_eq(p->ops->read(p, "queue.q[r]", &got, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "attributes.nodes");

	/* a malformed address is refused before anything is sent */
	ck_assert_int_eq(p->ops->read(p, "queue/q", &got, &a, &err), SP_EINVAL);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

/* ---- answers that are not documents ------------------------------------------------------------------ */

START_TEST(test_bad_answers)
{
	struct sp_provider *p;
	struct sp_arena a;
	struct sp_resource_set set;
	struct sp_resource got;
	struct sp_err err;

	sp_arena_init(&a);
	fresh("[{\"kind\": \"notjson\", \"path\": \"/datastore\"}]");
	p = open_rest();
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.file, "/datastore");
	ASSERT_HAS(err.msg, "not JSON");
	ck_assert_ptr_null(set.v);
	ck_assert_uint_eq(set.n, 0);
	ck_assert_int_eq(p->ops->read(p, "datastore.d[r]", &got, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "not JSON");

	/* a collection the API does not serve (json-server: 404 {}) */
	fresh("[{\"status\": 404, \"body\": \"{}\", \"path\": \"/gpu\"}]");
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "GET ");
	ASSERT_HAS(err.msg, "/gpu");
	ASSERT_HAS(err.msg, "HTTP 404");
	ASSERT_HAS(err.msg, "must serve a collection for every resource type");
	struct sp_resource g = mkres(&a, "gpu", "g", "r", 1);
	ck_assert_int_eq(p->ops->create(p, &g, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "HTTP 404");

	/* an object where the collection's array belongs */
	fresh("[{\"status\": 200, \"body\": \"{\\\"items\\\": []}\", \"path\": \"/queue\"}]");
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "must be an array");

	/* a 4xx is not retried */
	fresh("[{\"status\": 403, \"body\": \"{\\\"error\\\": \\\"forbidden\\\"}\"}]");
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "HTTP 403");
	ck_assert_uint_eq(sp_ts_log_count(&fp, NULL), 1);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

/* ---- faults ------------------------------------------------------------------------------------------ */

START_TEST(test_post_retried_only_after_looking)
{
	struct sp_provider *p;
	struct sp_arena a;
	struct sp_err err;
	struct sp_resource got;

	sp_arena_init(&a);
	struct sp_resource r = mkres(&a, "service", "s", "r", 2);

	/* a 500 before the server did anything: looked up (404), sent again */
	fresh("[{\"method\": \"POST\", \"status\": 500, \"times\": 1}]");
	p = open_rest();
	ck_assert_msg(p->ops->create(p, &r, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), 2);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"GET\", \"path\": \"/service/service.s%5Br%5D\""), 1);
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), 0);

	/* the POST took effect, but its answer was lost: found, never sent twice */
	fresh("[{\"method\": \"POST\", \"kind\": \"lost\", \"times\": 1}]");
	ck_assert_msg(p->ops->create(p, &r, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), 1);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"GET\""), 1);
	char *all = raw_get("/service");
	ck_assert_uint_eq(count_of(all, "\"id\": \"service.s[r]\""), 1);
	free(all);

	/* a 409: the same document is there (done); absent, it is an error */
	fresh("[{\"method\": \"POST\", \"kind\": \"pass\", \"times\": 1}, {\"method\": \"POST\", \"status\": 409}]");
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	fresh("[{\"method\": \"POST\", \"status\": 409}]");
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &r, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "409");
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), 1);

	/* always 503: each POST after a look, then a clear error; nothing created */
	fresh("[{\"method\": \"POST\", \"status\": 503, \"body\": \"{\\\"error\\\": \\\"overloaded\\\"}\"}]");
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &r, &err), SP_EIO);
	ck_assert_str_eq(err.file, r.address);
	ASSERT_HAS(err.msg, "POST ");
	ASSERT_HAS(err.msg, "/service");
	ASSERT_HAS(err.msg, "HTTP 503");
	ASSERT_HAS(err.msg, "4 POSTs");
	ASSERT_HAS(err.msg, "does not exist on the server");
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), 4);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"GET\""), 4);
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), SP_ENOTFOUND);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_put_delete_retried)
{
	struct sp_provider *p;
	struct sp_arena a;
	struct sp_err err;
	struct sp_resource got;

	sp_arena_init(&a);
	struct sp_resource r = mkres(&a, "cache", "c", "r", 2), r2 = mkres(&a, "cache", "c", "r", 6);
	fresh("[{\"method\": \"PUT\", \"status\": 503, \"times\": 2}, {\"method\": \"DELETE\", \"kind\": \"lost\", \"times\": 1}]");
	p = open_rest();
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	ck_assert_msg(p->ops->update(p, &r, &r2, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"PUT\""), 3);
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), 0);
	ck_assert(nodes_of(&got) == 6);
	/* the DELETE took effect but its answer was lost: sent again, 404, done */
	ck_assert_msg(p->ops->remove(p, &r, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"DELETE\""), 2);
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), SP_ENOTFOUND);

	/* a PUT that keeps failing: the error names the method, the URL and the status */
	fresh("[{\"method\": \"PUT\", \"status\": 500}]");
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->update(p, &r, &r2, &err), SP_EIO);
	ck_assert_str_eq(err.file, r.address);
	ASSERT_HAS(err.msg, "PUT ");
	ASSERT_HAS(err.msg, "/cache/cache.c%5Br%5D");
	ASSERT_HAS(err.msg, "HTTP 500");
	ASSERT_HAS(err.msg, "4 attempts");
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), 0);
	ck_assert(nodes_of(&got) == 2);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_slow_and_limited)
{
	struct sp_provider *p;
	struct sp_arena a;
	struct sp_err err;
	struct sp_resource_set set;

	sp_arena_init(&a);
	/* 429 with Retry-After, then through */
	fresh("[{\"method\": \"GET\", \"status\": 429, \"retry_after\": \"1\", \"times\": 1}]");
	p = open_rest();
	long t0 = sp_ts_now_ms();
	ck_assert_msg(p->ops->list(p, &set, &a, &err) == 0, "%s", err.msg);
	ck_assert_msg(sp_ts_now_ms() - t0 >= 900, "Retry-After: 1 waited %ld ms", sp_ts_now_ms() - t0);

	/* a server that hangs: each attempt ends at the timeout, the whole in bounded time */
	struct sp_provider_cfg c;
	cfg_of(&c, fp.url);
	c.remote.timeout_s = 0.3;
	c.remote.retry_max = 1;
	struct sp_provider *q = NULL;
	ck_assert_int_eq(sp_provider_rest_open(&q, &c, &err), 0);
	fresh("[{\"kind\": \"hang\", \"seconds\": 6}]");
	t0 = sp_ts_now_ms();
	sp_err_clear(&err);
	ck_assert_int_eq(q->ops->list(q, &set, &a, &err), SP_EIO);
	ck_assert_msg(sp_ts_now_ms() - t0 < 5500, "took %ld ms", sp_ts_now_ms() - t0);
	ASSERT_HAS(err.msg, "timed out");
	/* one attempt or two: a loaded machine may spend the whole budget on the first */
	ASSERT_HAS(err.msg, " attempt");
	q->ops->close(q);

	/* a closed connection: retried, then through */
	fresh("[{\"kind\": \"close\", \"times\": 2}]");
	ck_assert_msg(p->ops->list(p, &set, &a, &err) == 0, "%s", err.msg);
	p->ops->close(p);

	/* nobody listening */
	struct sp_test_server gone;
	ck_assert_int_eq(sp_ts_faulty_start(&gone, NULL), 0);
	char url[96];
	snprintf(url, sizeof url, "%s", gone.url);
	sp_ts_stop(&gone);
	cfg_of(&c, url);
	ck_assert_int_eq(sp_provider_rest_open(&q, &c, &err), 0);
	t0 = sp_ts_now_ms();
	ck_assert_int_eq(q->ops->list(q, &set, &a, &err), SP_EIO);
	ck_assert_msg(sp_ts_now_ms() - t0 < 6000, "took %ld ms", sp_ts_now_ms() - t0);
	ASSERT_HAS(err.msg, url);
	ASSERT_HAS(err.msg, "4 attempts");
	q->ops->close(q);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_headers_and_secrets)
{
	const char *tok = "tok-R3ST-S3CRET", *pw = "pw-R3ST-S3CRET";
	fresh("[{\"method\": \"DELETE\", \"status\": 500}, {\"method\": \"PUT\", \"status\": 401}]");
	setenv("SP_TEST_REST_TOKEN", tok, 1);
	setenv("SCALEPLAN_REST_USERNAME", "deploy", 1);
	setenv("SCALEPLAN_REST_PASSWORD", pw, 1);
	struct sp_kv h[] = { { .key = "Authorization", .value = "Bearer ${SP_TEST_REST_TOKEN}" },
			     { .key = "X-Team", .value = "infra" } };
	struct sp_provider_cfg c;
	struct sp_provider *p = NULL;
	struct sp_err err;
	struct sp_arena a;
	struct sp_resource_set set;

	cfg_of(&c, fp.url);
	c.headers = h;
	c.nheaders = 2;
	ck_assert_int_eq(sp_provider_rest_open(&p, &c, &err), 0);
	unsetenv("SP_TEST_REST_TOKEN");
	unsetenv("SCALEPLAN_REST_USERNAME");
	unsetenv("SCALEPLAN_REST_PASSWORD");
	ASSERT_HASNT(p->where, tok);
	sp_arena_init(&a);
	struct sp_resource r = mkres(&a, "service", "s", "r", 1);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	ck_assert_int_lt(p->ops->update(p, &r, &r, &err), 0);
	ASSERT_HAS(err.msg, "HTTP 401");
	ASSERT_HASNT(err.msg, tok);
	ASSERT_HASNT(err.msg, pw);
	ck_assert_int_lt(p->ops->remove(p, &r, &err), 0);
	ASSERT_HAS(err.msg, "HTTP 500");
	ASSERT_HASNT(err.msg, tok);
	ASSERT_HASNT(err.msg, pw);
	ASSERT_HASNT(err.file, tok);
	/* every request carried the headers */
	size_t n = sp_ts_log_count(&fp, NULL);
	ck_assert_uint_ge(n, 7);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"Authorization\": \"Bearer tok-R3ST-S3CRET\""), n);
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"X-Team\": \"infra\""), n);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_fault_injection)
{
	fresh("[]");
	struct sp_provider *p = open_rest();
	struct sp_arena a;
	struct sp_err err;

	sp_arena_init(&a);
	struct sp_resource r1 = mkres(&a, "queue", "a", "r", 1), r2 = mkres(&a, "queue", "b", "r", 1);
	setenv("SCALEPLAN_FAULT_AT", "2", 1);
	ck_assert_int_eq(p->ops->create(p, &r1, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &r2, &err), SP_EIO);
	ASSERT_HAS(err.msg, "injected fault at operation 2");
	/* nothing was sent for it */
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), 1);
	setenv("SCALEPLAN_FAULT_AT", "x", 1);
	ck_assert_int_eq(p->ops->remove(p, &r1, &err), SP_EINVAL);
	ASSERT_HAS(err.msg, "SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_AT");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

/* ---- several threads ---------------------------------------------------------------------------- */

struct worker {
	struct sp_provider *p;
	struct sp_resource *v;
	size_t from, to;
	int failed;
	char msg[1100];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	for (size_t i = w->from; i < w->to && !w->failed; i++) {
		struct sp_err err;
		struct sp_arena a;
		struct sp_resource got;
		sp_arena_init(&a);
		if (w->p->ops->create(w->p, &w->v[i], &err) < 0 ||
		    w->p->ops->read(w->p, w->v[i].address, &got, &a, &err) < 0) {
			w->failed = 1;
			snprintf(w->msg, sizeof w->msg, "%s: %s", err.file, err.msg);
		}
		sp_arena_free(&a);
	}
	return NULL;
}

START_TEST(test_threads)
{
	enum { NT = 6, PER = 25 };
	fresh("[{\"method\": \"POST\", \"status\": 502, \"times\": 10}]");
	struct sp_provider *p = open_rest();
	struct sp_arena a;
	struct sp_resource_set set;
	struct sp_err err;
	struct worker w[NT];
	pthread_t th[NT];
	struct sp_resource *v;

	sp_arena_init(&a);
	v = SP_NEWN(&a, struct sp_resource, NT * PER);
	for (size_t i = 0; i < NT * PER; i++)
		v[i] = mkres(&a, sp_rest_types[i % 5], sp_arena_printf(&a, "svc-%03zu", i), "us-east-1", (double)i);
	for (size_t t = 0; t < NT; t++) {
		w[t] = (struct worker){ .p = p, .v = v, .from = t * PER, .to = (t + 1) * PER };
		pthread_create(&th[t], NULL, work, &w[t]);
	}
	for (size_t t = 0; t < NT; t++) {
		pthread_join(th[t], NULL);
		ck_assert_msg(!w[t].failed, "thread %zu: %s", t, w[t].msg);
	}
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, NT * PER);
	for (size_t i = 1; i < set.n; i++)
		ck_assert_int_lt(strcmp(set.v[i - 1].address, set.v[i].address), 0);
	/* each resource POSTed once, and once more for each of the ten 502s */
	ck_assert_uint_eq(sp_ts_log_count(&fp, "\"method\": \"POST\""), NT * PER + 10);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

Suite *suite_rest(void)
{
	Suite *s = suite_create("rest");
	TCase *tc = tcase_create("open");

	tcase_add_test(tc, test_open);
	suite_add_tcase(s, tc);

	tc = tcase_create("json-server");
	tcase_add_unchecked_fixture(tc, srv_setup, srv_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_create_existing);
	tcase_add_test(tc, test_documents_read);
	tcase_add_test(tc, test_bad_answers);
	tcase_add_test(tc, test_post_retried_only_after_looking);
	tcase_add_test(tc, test_put_delete_retried);
	tcase_add_test(tc, test_slow_and_limited);
	tcase_add_test(tc, test_headers_and_secrets);
	tcase_add_test(tc, test_fault_injection);
	tcase_add_test(tc, test_threads);
	suite_add_tcase(s, tc);
	return s;
}
