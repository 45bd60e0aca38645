/* The HTTP client (providers/http.c) against tests/servers/faulty.py, a
 * loopback server that fails on demand: retries and when they stop, what
 * is never retried, Retry-After, timeouts, closed connections, the backoff
 * bounds, URL redaction and percent-encoding, and secrets kept out of every
 * message. Times are measured coarsely: bounds, never a benchmark. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "providers/http.h"
#include "tests/unit/servers.h"

Suite *suite_http(void);

static struct sp_test_server srv;

static void srv_setup(void)
{
	if (sp_ts_faulty_start(&srv, NULL) < 0)
		fprintf(stderr, "check_http: faulty.py did not start: %s\n", srv.why);
}

static void srv_teardown(void)
{
	sp_ts_stop(&srv);
}

/* Every test of the server case starts here: the server is up and its rules are these. */
#define FAULTS(rules)                                                                            \
	do {                                                                                     \
		ck_assert_msg(srv.pid > 0, "faulty.py is not running: %s", srv.why);            \
		ck_assert_msg(sp_ts_faults(&srv, (rules)) == 0, "faulty.py refused %s", (rules)); \
	} while (0)

/* srv.url + path, in a static ring of buffers */
static const char *u(const char *path)
{
	static char bufs[4][256];
	static int k;
	char *b = bufs[k++ % 4];
	snprintf(b, 256, "%s%s", srv.url, path);
	return b;
}

/* A client with short waits, so that retries take milliseconds. */
static struct sp_http *client(int attempts, long timeout_ms)
{
	struct sp_http_opts o = { .timeout_ms = timeout_ms, .max_attempts = attempts, .backoff_min_ms = 10,
				  .backoff_max_ms = 40, .total_ms = 20000, .seed = 42 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	ck_assert_ptr_nonnull(c);
	return c;
}

#define ASSERT_HAS(s, needle) ck_assert_msg(strstr((s), (needle)) != NULL, "'%s' lacks '%s'", (s), (needle))
#define ASSERT_HASNT(s, needle) ck_assert_msg(strstr((s), (needle)) == NULL, "'%s' has '%s'", (s), (needle))

/* ---- retries ------------------------------------------------------------------------------------- */

START_TEST(test_retry_then_success)
{
	FAULTS("[{\"status\": 500, \"times\": 2}]");
	struct sp_http *c = client(5, 5000);
	struct sp_http_resp resp;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "GET", u("/things"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_int_eq(resp.attempts, 3);
	ASSERT_HAS(resp.body.buf, "\"path\": \"/things\"");
	ck_assert_uint_eq(sp_ts_log_count(&srv, NULL), 3);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"fault\": \"status\""), 2);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_give_up_names_method_url_status)
{
	FAULTS("[{\"status\": 503, \"body\": \"{\\\"error\\\": \\\"down for maintenance\\\"}\"}]");
	struct sp_http *c = client(3, 5000);
	struct sp_http_resp resp;
	struct sp_err err;
	char url[256];

	/* credentials in the URL: sent, never shown */
	snprintf(url, sizeof url, "http://deploy:pa55-w0rd@127.0.0.1:%d/things/1", srv.port);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "PUT", url, "{}", 2, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_int_eq(resp.status, 503);
	ck_assert_int_eq(resp.attempts, 3);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"method\": \"PUT\""), 3);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"Authorization\": \"Basic "), 3);
	ASSERT_HAS(err.msg, "PUT ");
	ASSERT_HAS(err.msg, u("/things/1"));
	ASSERT_HAS(err.msg, "HTTP 503");
	ASSERT_HAS(err.msg, "down for maintenance");
	ASSERT_HAS(err.msg, "3 attempts");
	ck_assert_str_eq(err.file, "");   /* the URL is in the message, once */
	ASSERT_HASNT(err.msg, "pa55-w0rd");
	ASSERT_HASNT(err.msg, "deploy");
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_no_retry_of_4xx)
{
	FAULTS("[{\"status\": 404, \"body\": \"{}\", \"path\": \"/missing\"},"
	       " {\"status\": 400, \"body\": \"{\\\"error\\\": \\\"bad field\\\"}\", \"path\": \"/bad\"}]");
	struct sp_http *c = client(5, 5000);
	struct sp_http_resp resp;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "GET", u("/missing"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err),
			 SP_EINVAL);
	ck_assert_int_eq(err.code, SP_EINVAL);
	ck_assert_int_eq(resp.status, 404);
	ck_assert_int_eq(resp.attempts, 1);
	ASSERT_HAS(err.msg, "GET ");
	ASSERT_HAS(err.msg, "HTTP 404");
	sp_http_resp_free(&resp);

	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "POST", u("/bad"), "{}", 2, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EINVAL);
	ck_assert_int_eq(resp.attempts, 1);
	ASSERT_HAS(err.msg, "HTTP 400: {\"error\": \"bad field\"}");
	sp_http_resp_free(&resp);

	/* SP_HTTP_NO_4XX_ERR hands the answer to the caller */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "GET", u("/missing"), NULL, 0, NULL, NULL, 0,
					 SP_HTTP_RETRY | SP_HTTP_NO_4XX_ERR, &resp, &err), 0);
	ck_assert_int_eq(resp.status, 404);
	ck_assert_int_eq(err.code, 0);
	sp_http_resp_free(&resp);
	ck_assert_uint_eq(sp_ts_log_count(&srv, NULL), 3);
	sp_http_free(c);
}
END_TEST

START_TEST(test_no_retry_without_flag)
{
	FAULTS("[{\"status\": 500, \"times\": 1}]");
	struct sp_http *c = client(5, 5000);
	struct sp_http_resp resp;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "POST", u("/things"), "{}", 2, NULL, NULL, 0, 0, &resp, &err), SP_EIO);
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_int_eq(sp_http_transient(&resp), 1);
	ASSERT_HAS(err.msg, "1 attempt in");
	ck_assert_uint_eq(sp_ts_log_count(&srv, NULL), 1);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_body_and_headers_sent)
{
	FAULTS("[]");
	struct sp_http *c = client(1, 5000);
	struct sp_http_header h[] = { { "X-Request-Tag", "abc-123" } };
	struct sp_http_resp resp;
	struct sp_err err;

	sp_http_add_header(c, "X-Team", "infra");
	ck_assert_int_eq(sp_http_request(c, "PUT", u("/a/b%5Bc%5D"), "{\"k\": 1}", 8, NULL, h, 1, 0, &resp, &err), 0);
	sp_http_resp_free(&resp);
	ck_assert_int_eq(sp_http_request(c, "DELETE", u("/a/b"), NULL, 0, NULL, NULL, 0, 0, &resp, &err), 0);
	sp_http_resp_free(&resp);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"method\": \"PUT\", \"path\": \"/a/b%5Bc%5D\""), 1);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"body\": \"{\\\"k\\\": 1}\""), 1);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"Content-Type\": \"application/json\""), 1);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"X-Request-Tag\": \"abc-123\""), 1);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"X-Team\": \"infra\""), 2);
	ck_assert_uint_eq(sp_ts_log_count(&srv, "\"method\": \"DELETE\", \"path\": \"/a/b\""), 1);
	sp_http_free(c);
}
END_TEST

/* ---- Retry-After ----------------------------------------------------------------------------------- */

START_TEST(test_retry_after_seconds)
{
	FAULTS("[{\"status\": 429, \"times\": 1, \"retry_after\": \"1\"}]");
	struct sp_http *c = client(3, 5000);
	struct sp_http_resp resp;
	struct sp_err err;
	long t0 = sp_ts_now_ms(), dt;

	ck_assert_int_eq(sp_http_request(c, "GET", u("/x"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), 0);
	dt = sp_ts_now_ms() - t0;
	ck_assert_int_eq(resp.attempts, 2);
	/* the backoff alone is at most 40 ms; Retry-After asked for a second */
	ck_assert_msg(dt >= 900, "the client waited %ld ms, not the second Retry-After asked for", dt);
	ck_assert_msg(dt < 10000, "the client waited %ld ms", dt);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_retry_after_date)
{
	char rules[256], date[64];
	time_t t = time(NULL) + 2;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(rules, sizeof rules, "[{\"status\": 503, \"times\": 1, \"retry_after\": \"%s\"}]", date);
	FAULTS(rules);
	struct sp_http *c = client(3, 5000);
	struct sp_http_resp resp;
	struct sp_err err;
	long t0 = sp_ts_now_ms(), dt;

	ck_assert_int_eq(sp_http_request(c, "GET", u("/x"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), 0);
	dt = sp_ts_now_ms() - t0;
	ck_assert_int_eq(resp.attempts, 2);
	/* a date 2 s ahead, read at whole seconds: at least one second */
	ck_assert_msg(dt >= 900, "the client waited %ld ms for a date 2 s ahead", dt);
	ck_assert_msg(dt < 10000, "the client waited %ld ms", dt);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_retry_after_read_and_bounded)
{
	FAULTS("[{\"status\": 429, \"retry_after\": \"7\", \"path\": \"/seven\"},"
	       " {\"status\": 429, \"retry_after\": \"120\", \"path\": \"/long\"}]");
	struct sp_http_resp resp;
	struct sp_err err;
	struct sp_http *c = client(1, 5000);

	ck_assert_int_eq(sp_http_request(c, "GET", u("/seven"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	ck_assert_int_eq(resp.retry_after_ms, 7000);
	ck_assert_int_eq(err.code, SP_EIO);
	ASSERT_HAS(err.msg, "HTTP 429");
	sp_http_resp_free(&resp);
	sp_http_free(c);

	/* a wait past the total time is not waited: the client gives up at once */
	struct sp_http_opts o = { .timeout_ms = 1000, .max_attempts = 5, .backoff_min_ms = 10, .backoff_max_ms = 40,
				  .total_ms = 3000 };
	c = sp_http_new(&o, &err);
	long t0 = sp_ts_now_ms();
	ck_assert_int_eq(sp_http_request(c, "GET", u("/long"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	ck_assert_msg(sp_ts_now_ms() - t0 < 10000, "the client waited %ld ms", sp_ts_now_ms() - t0);
	ck_assert_int_eq(resp.attempts, 1);
	ck_assert_int_eq(resp.retry_after_ms, 120000);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

/* ---- hangs and closed connections ------------------------------------------------------------------ */

START_TEST(test_timeout_of_a_hang)
{
	FAULTS("[{\"kind\": \"hang\", \"seconds\": 8}]");
	struct sp_http *c = client(1, 400);
	struct sp_http_resp resp;
	struct sp_err err;
	long t0 = sp_ts_now_ms(), dt;

	ck_assert_int_eq(sp_http_request(c, "GET", u("/slow"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	dt = sp_ts_now_ms() - t0;
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_msg(dt >= 300 && dt < 7000, "a 400 ms timeout took %ld ms", dt);
	ASSERT_HAS(err.msg, "GET ");
	ASSERT_HAS(err.msg, u("/slow"));
	ASSERT_HAS(err.msg, "timed out");
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_total_time_bounds_retries)
{
	FAULTS("[{\"kind\": \"hang\", \"seconds\": 8}]");
	struct sp_http_opts o = { .timeout_ms = 500, .max_attempts = 10, .backoff_min_ms = 10, .backoff_max_ms = 40,
				  .total_ms = 1200 };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	struct sp_http_resp resp;
	long t0 = sp_ts_now_ms(), dt;

	ck_assert_int_eq(sp_http_request(c, "GET", u("/slow"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	dt = sp_ts_now_ms() - t0;
	ck_assert_msg(dt < 7000, "a total of 1.2 s took %ld ms", dt);
	/* the total, not the attempts, ends it (two or three fit, fewer on a loaded machine) */
	ck_assert_int_lt(resp.attempts, 10);
	ck_assert_int_ge(resp.attempts, 1);
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_closed_connection)
{
	FAULTS("[{\"kind\": \"close\", \"times\": 1}]");
	struct sp_http *c = client(3, 5000);
	struct sp_http_resp resp;
	struct sp_err err;

	ck_assert_int_eq(sp_http_request(c, "GET", u("/x"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), 0);
	ck_assert_int_eq(resp.attempts, 2);
	sp_http_resp_free(&resp);

	FAULTS("[{\"kind\": \"close\"}]");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_http_request(c, "GET", u("/x"), NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_int_eq(resp.status, 0);
	ck_assert_int_eq(resp.attempts, 3);
	ASSERT_HAS(err.msg, "Empty reply from server");
	ASSERT_HAS(err.msg, "3 attempts");
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

START_TEST(test_server_down)
{
	/* faulty.py is up for the other tests: a port nobody listens on */
	ck_assert_msg(srv.pid > 0, "faulty.py is not running: %s", srv.why);
	struct sp_test_server gone;
	ck_assert_int_eq(sp_ts_faulty_start(&gone, NULL), 0);
	int port = gone.port;
	sp_ts_stop(&gone);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);

	struct sp_http *c = client(3, 2000);
	struct sp_http_resp resp;
	struct sp_err err;
	long t0 = sp_ts_now_ms();
	ck_assert_int_eq(sp_http_request(c, "GET", url, NULL, 0, NULL, NULL, 0, SP_HTTP_RETRY, &resp, &err), SP_EIO);
	ck_assert_msg(sp_ts_now_ms() - t0 < 6000, "took %ld ms", sp_ts_now_ms() - t0);
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_int_eq(resp.attempts, 3);
	ASSERT_HAS(err.msg, url);
	ASSERT_HAS(err.msg, "connect");
	sp_http_resp_free(&resp);
	sp_http_free(c);
}
END_TEST

/* ---- secrets --------------------------------------------------------------------------------------- */

START_TEST(test_secrets_never_in_messages)
{
	static const char *const secrets[] = { "tok-S3CRET-bearer", "key-S3CRET-header", "pw-S3CRET-basic",
					       "hdr-S3CRET-extra", NULL };
	FAULTS("[{\"status\": 401, \"path\": \"/auth\", \"body\": \"{\\\"error\\\": \\\"who are you\\\"}\"},"
	       " {\"status\": 500, \"path\": \"/boom\"}, {\"kind\": \"close\", \"path\": \"/cut\"}]");
	struct sp_http_opts o = { .timeout_ms = 2000, .max_attempts = 2, .backoff_min_ms = 10, .backoff_max_ms = 20,
				  .username = "ops", .password = "pw-S3CRET-basic", .bearer = "tok-S3CRET-bearer" };
	struct sp_http_header h[] = { { "X-Extra", "hdr-S3CRET-extra" } };
	struct sp_err err;
	struct sp_http *c = sp_http_new(&o, &err);
	const char *paths[] = { "/auth", "/boom", "/cut" };

	sp_http_add_header(c, "X-Api-Key", "key-S3CRET-header");
	for (size_t i = 0; i < 3; i++) {
		struct sp_http_resp resp;
		char url[256];
		snprintf(url, sizeof url, "http://ops:pw-S3CRET-basic@127.0.0.1:%d%s", srv.port, paths[i]);
		sp_err_clear(&err);
		int rc = sp_http_request(c, "POST", url, "{}", 2, NULL, h, 1, SP_HTTP_RETRY, &resp, &err);
		ck_assert_int_lt(rc, 0);
		ck_assert_int_eq(rc, err.code);
		for (size_t k = 0; secrets[k]; k++) {
			ASSERT_HASNT(err.msg, secrets[k]);
			ASSERT_HASNT(err.file, secrets[k]);
		}
		ASSERT_HAS(err.msg, paths[i]);
		sp_http_resp_free(&resp);
	}
	/* and yet they were sent: the bearer token (the headers win over basic auth's) and the others */
	ck_assert_uint_ge(sp_ts_log_count(&srv, "\"Authorization\": \"Bearer tok-S3CRET-bearer\""), 3);
	ck_assert_uint_ge(sp_ts_log_count(&srv, "\"X-Api-Key\": \"key-S3CRET-header\""), 3);
	ck_assert_uint_ge(sp_ts_log_count(&srv, "\"X-Extra\": \"hdr-S3CRET-extra\""), 3);
	sp_http_free(c);
}
END_TEST

/* ---- pure functions -------------------------------------------------------------------------------- */

START_TEST(test_backoff_bounds)
{
	struct sp_err err;
	struct sp_http_opts o = { .backoff_min_ms = 100, .backoff_max_ms = 1000, .seed = 7 };
	struct sp_http *c = sp_http_new(&o, &err);

	for (int round = 0; round < 200; round++)
		for (int k = 1; k <= 12; k++) {
			long cap = 100L << (k - 1 < 5 ? k - 1 : 5);
			if (cap > 1000)
				cap = 1000;
			long w = sp_http_backoff_ms(c, k);
			ck_assert_msg(w >= cap / 2 && w <= cap, "attempt %d: %ld ms outside [%ld, %ld]", k, w, cap / 2,
				      cap);
		}
	sp_http_free(c);

	/* the same seed gives the same waits; the draws are spread */
	struct sp_http *a = sp_http_new(&o, &err), *b = sp_http_new(&o, &err);
	long lo = 100000, hi = 0;
	for (int i = 0; i < 100; i++) {
		long x = sp_http_backoff_ms(a, 4), y = sp_http_backoff_ms(b, 4);
		ck_assert_int_eq(x, y);
		lo = x < lo ? x : lo;
		hi = x > hi ? x : hi;
	}
	ck_assert_msg(hi - lo > 200, "100 draws in [400, 800] all within %ld..%ld", lo, hi);
	sp_http_free(a);
	sp_http_free(b);

	/* the defaults: 200 ms, capped at 5 s; a maximum below the minimum is the minimum */
	struct sp_http_opts d = { .seed = 3 };
	c = sp_http_new(&d, &err);
	long w1 = sp_http_backoff_ms(c, 1), w20 = sp_http_backoff_ms(c, 20);
	ck_assert(w1 >= 100 && w1 <= 200);
	ck_assert(w20 >= 2500 && w20 <= 5000);
	sp_http_free(c);
	struct sp_http_opts m = { .backoff_min_ms = 300, .backoff_max_ms = 50, .seed = 5 };
	c = sp_http_new(&m, &err);
	for (int k = 1; k < 6; k++) {
		long w = sp_http_backoff_ms(c, k);
		ck_assert(w >= 150 && w <= 300);
	}
	sp_http_free(c);
}
END_TEST

static const char *redact(const char *url)
{
	static char out[256];
	sp_http_redact(url, out, sizeof out);
	return out;
}

START_TEST(test_redact)
{
	ck_assert_str_eq(redact("http://u:p@h:1/x"), "http://h:1/x");
	ck_assert_str_eq(redact("https://token@api.example.com/v1"), "https://api.example.com/v1");
	ck_assert_str_eq(redact("http://h:1/x"), "http://h:1/x");
	ck_assert_str_eq(redact("http://h/path@not-userinfo"), "http://h/path@not-userinfo");
	ck_assert_str_eq(redact("http://h?q=a@b"), "http://h?q=a@b");
	ck_assert_str_eq(redact("not a url"), "not a url");
	/* a password with an unencoded '@': everything up to the last '@' of the authority goes */
	ck_assert_str_eq(redact("http://user:p@ss@host:8/x"), "http://host:8/x");
	ck_assert_str_eq(redact("http://u:p@h"), "http://h");

	char small[12];
	sp_http_redact("http://u:secret@host.example/x", small, sizeof small);
	ck_assert_str_eq(small, "http://host");
	sp_http_redact("http://u:p@h/", small, 0); /* writes nothing */
}
END_TEST

static const char *esc(const char *s)
{
	static char out[256];
	struct sp_sb sb = SP_SB_INIT;
	sp_http_escape(&sb, s);
	snprintf(out, sizeof out, "%s", sb.buf);
	sp_sb_release(&sb);
	return out;
}

START_TEST(test_escape)
{
	ck_assert_str_eq(esc("service.web-api[us-east-1]"), "service.web-api%5Bus-east-1%5D");
	ck_assert_str_eq(esc("a b/c?d#e&f=g%h+i"), "a%20b%2Fc%3Fd%23e%26f%3Dg%25h%2Bi");
	ck_assert_str_eq(esc("AZaz09-._~"), "AZaz09-._~");
	ck_assert_str_eq(esc("caf\xc3\xa9"), "caf%C3%A9");
	ck_assert_str_eq(esc("\x01\x7f\xff"), "%01%7F%FF");
	ck_assert_str_eq(esc(""), "");
}
END_TEST

START_TEST(test_transient)
{
	struct sp_http_resp r;
	memset(&r, 0, sizeof r);
	r.ratelimit_remaining = -1;
	r.retry_after_ms = -1;      /* no Retry-After, as a request sets it */
	long yes[] = { 0, 429, 500, 502, 503, 504 }, no[] = { 200, 201, 301, 400, 401, 403, 404, 409 };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		r.status = yes[i];
		ck_assert_msg(sp_http_transient(&r), "%ld", yes[i]);
	}
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		r.status = no[i];
		ck_assert_msg(!sp_http_transient(&r), "%ld", no[i]);
	}
	/* GitHub's rate limit: a 403 with nothing remaining */
	r.status = 403;
	r.ratelimit_remaining = 0;
	ck_assert(sp_http_transient(&r));
}
END_TEST

Suite *suite_http(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_backoff_bounds);
	tcase_add_test(tc, test_redact);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_transient);
	suite_add_tcase(s, tc);

	tc = tcase_create("server");
	tcase_add_unchecked_fixture(tc, srv_setup, srv_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_retry_then_success);
	tcase_add_test(tc, test_give_up_names_method_url_status);
	tcase_add_test(tc, test_no_retry_of_4xx);
	tcase_add_test(tc, test_no_retry_without_flag);
	tcase_add_test(tc, test_body_and_headers_sent);
	tcase_add_test(tc, test_retry_after_seconds);
	tcase_add_test(tc, test_retry_after_date);
	tcase_add_test(tc, test_retry_after_read_and_bounded);
	tcase_add_test(tc, test_timeout_of_a_hang);
	tcase_add_test(tc, test_total_time_bounds_retries);
	tcase_add_test(tc, test_closed_connection);
	tcase_add_test(tc, test_server_down);
	tcase_add_test(tc, test_secrets_never_in_messages);
	suite_add_tcase(s, tc);
	return s;
}
