/* Where the state and the resources live: the spec's state and provider
 * settings (model/load_where.c), the environment's credentials and ${VAR}
 * (providers/where.c), the settings as a plan file records them, and the
 * registry of kinds (providers/registry.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/json.h"
#include "model/spec.h"
#include "providers/backend_http.h"
#include "providers/where.h"

Suite *suite_where(void);

static const char head[] = "scaleplan: 1\nname: shop\nhorizon: {start: 2027-01, months: 12}\n"
			   "drivers:\n  users: {start: 1000, model: constant}\n"
			   "regions:\n  - {name: r1, zones: 3}\n"
			   "services:\n  web:\n    demand: {driver: users, requests_per_unit_per_day: 10}\n"
			   "    work: {cpu_ms_per_request: 10}\n    instance: m7i.large\n";

/* Loads head + tail; returns the spec (NULL on errors, with *nerr set). */
static struct sp_spec *load(const char *tail, size_t *nerr)
{
	struct sp_spec *s = NULL;
	struct sp_diags d;
	char text[4096];

	snprintf(text, sizeof text, "%s%s", head, tail);
	sp_diags_init(&d);
	sp_spec_load_string(&s, "t.yaml", text, strlen(text), &d);
	*nerr = d.nerrors;
	sp_diags_free(&d);
	return s;
}

START_TEST(test_defaults)
{
	size_t ne;
	struct sp_spec *s = load("", &ne);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->state.backend, "local");
	ck_assert_str_eq(s->state.path, ".scaleplan/state.json");
	ck_assert_str_eq(s->state.prefix, "scaleplan/shop");
	ck_assert_int_eq(s->state.lock_ttl_s, 60);
	ck_assert_str_eq(s->state.lock_method, "LOCK");
	ck_assert_double_eq(s->state.remote.timeout_s, 10);
	ck_assert_int_eq(s->state.remote.retry_max, 4);
	ck_assert_str_eq(s->provider.kind, "local");
	ck_assert_str_eq(s->provider.path, ".scaleplan/infra");
	sp_spec_free(s);
}
END_TEST

START_TEST(test_etcd_and_rest)
{
	size_t ne;
	struct sp_spec *s = load("state:\n  backend: etcd\n  endpoints: [http://127.0.0.1:2379, https://e2:2379]\n"
				 "  prefix: team/shop\n  lock_ttl_s: 30\n  username: ci\n  password: ${ETCD_PW}\n"
				 "  timeout_s: 2.5\n  retry_max: 0\n"
				 "provider:\n  kind: rest\n  url: http://127.0.0.1:3000/api\n"
				 "  headers: {Authorization: \"Bearer ${T}\", X-Team: platform}\n",
				 &ne);

	ck_assert_uint_eq(ne, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->state.backend, "etcd");
	ck_assert_uint_eq(s->state.nendpoints, 2);
	ck_assert_str_eq(s->state.endpoints[1], "https://e2:2379");
	ck_assert_str_eq(s->state.prefix, "team/shop");
	ck_assert_int_eq(s->state.lock_ttl_s, 30);
	ck_assert_str_eq(s->state.remote.username, "ci");
	ck_assert_double_eq(s->state.remote.timeout_s, 2.5);
	ck_assert_int_eq(s->state.remote.retry_max, 0);
	ck_assert_str_eq(s->provider.kind, "rest");
	ck_assert_str_eq(s->provider.url, "http://127.0.0.1:3000/api");
	ck_assert_uint_eq(s->provider.nheaders, 2);
	ck_assert_str_eq(s->provider.headers[0].key, "Authorization");
	sp_spec_free(s);
}
END_TEST

START_TEST(test_http_lock_address)
{
	size_t ne;
	struct sp_spec *s = load("state: {backend: http, address: http://h/s, lock_address: http://h/s/lock}\n", &ne);

	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->state.address, "http://h/s");
	/* the unlock address is the lock address unless set */
	ck_assert_str_eq(s->state.unlock_address, "http://h/s/lock");
	ck_assert_str_eq(s->state.update_method, "POST");
	sp_spec_free(s);
}
END_TEST

START_TEST(test_bad_settings)
{
	size_t ne;

	ck_assert_ptr_null(load("state: {backend: etcd}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("state: {backend: etcd, endpoints: []}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("state: {backend: s3}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("state: {backend: http, address: h/s}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("state: {backend: local, address: http://h/s}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("provider: {kind: rest}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("provider: {kind: rest, url: http://x, headers: {X-Token: abc}}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("provider: {kind: rest, url: http://x, retry_wait_min_s: 2, retry_wait_max_s: 1}\n", &ne));
	ck_assert_uint_eq(ne, 1);
}
END_TEST

START_TEST(test_expand)
{
	struct sp_sb sb = SP_SB_INIT;
	struct sp_err e;

	sp_err_clear(&e);
	setenv("SP_T_TOKEN", "s3cr3t", 1);
	ck_assert_int_eq(sp_where_expand("Bearer ${SP_T_TOKEN}", "header", &sb, &e), 0);
	ck_assert_str_eq(sb.buf, "Bearer s3cr3t");
	ck_assert_int_eq(sp_where_expand("a$$b${SP_T_TOKEN}$", "x", &sb, &e), 0);
	ck_assert_str_eq(sb.buf, "a$bs3cr3t$");
	unsetenv("SP_T_UNSET");
	ck_assert_int_eq(sp_where_expand("${SP_T_UNSET}", "password", &sb, &e), SP_EINVAL);
	ck_assert_str_eq(e.msg, "password needs the environment variable SP_T_UNSET, which is not set");
	ck_assert_int_eq(sp_where_expand("${A-B}", "url", &sb, &e), SP_EINVAL);
	ck_assert_str_eq(e.msg, "url: '${A-B}' is not an environment variable name");
	ck_assert_int_eq(sp_where_expand("${NOEND", "url", &sb, &e), SP_EINVAL);
	unsetenv("SP_T_TOKEN");
	sp_sb_release(&sb);
}
END_TEST

START_TEST(test_http_opts_env)
{
	struct sp_remote_cfg r;
	struct sp_where_http h;
	struct sp_err e;

	memset(&r, 0, sizeof r);
	r.timeout_s = 2;
	r.retry_max = 3;
	r.retry_wait_min_s = 0.1;
	r.retry_wait_max_s = 1;
	r.username = "spec-user";
	r.password = "${SP_T_PW}";
	setenv("SP_T_PW", "pw-from-template", 1);
	sp_err_clear(&e);
	ck_assert_int_eq(sp_where_http_opts(&h, &r, "SP_T_ETCD", &e), 0);
	ck_assert_str_eq(h.o.username, "spec-user");
	ck_assert_str_eq(h.o.password, "pw-from-template");
	ck_assert_int_eq(h.o.max_attempts, 4);
	ck_assert_int_eq(h.o.timeout_ms, 2000);
	ck_assert_int_eq(h.o.backoff_min_ms, 100);
	sp_where_http_release(&h);
	/* the environment wins over the spec */
	setenv("SP_T_ETCD_USERNAME", "env-user", 1);
	setenv("SP_T_ETCD_PASSWORD", "env-pw", 1);
	ck_assert_int_eq(sp_where_http_opts(&h, &r, "SP_T_ETCD", &e), 0);
	ck_assert_str_eq(h.o.username, "env-user");
	ck_assert_str_eq(h.o.password, "env-pw");
	sp_where_http_release(&h);
	/* a password without a user is refused, naming neither value */
	unsetenv("SP_T_ETCD_USERNAME");
	r.username = NULL;
	ck_assert_int_eq(sp_where_http_opts(&h, &r, "SP_T_ETCD", &e), SP_EINVAL);
	ck_assert_ptr_null(strstr(e.msg, "env-pw"));
	ck_assert_ptr_nonnull(strstr(e.msg, "without a username"));
	unsetenv("SP_T_ETCD_PASSWORD");
	unsetenv("SP_T_PW");
}
END_TEST

/* cfg -> JSON text -> cfg */
static char *dumped(json_t *o)
{
	char *s = NULL;
	struct sp_err e;
	ck_assert_int_eq(sp_json_dump(o, 0, &s, &e), 0);
	json_decref(o);
	return s;
}

START_TEST(test_plan_record)
{
	size_t ne;
	struct sp_spec *s = load("state:\n  backend: etcd\n  endpoints: [http://127.0.0.1:2379]\n"
				 "  username: ci\n  password: literal-secret\n"
				 "provider:\n  kind: rest\n  url: http://127.0.0.1:3000\n  password: ${REST_PW}\n"
				 "  username: u\n  headers: {Authorization: \"Bearer ${T}\", X-Team: platform}\n",
				 &ne);
	struct sp_arena a;
	struct sp_err e;
	struct sp_jdec d;
	struct sp_state_cfg sc;
	struct sp_provider_cfg pc;
	char *st, *pr;
	json_t *j;

	ck_assert_ptr_nonnull(s);
	st = dumped(sp_state_cfg_to_json(&s->state));
	pr = dumped(sp_provider_cfg_to_json(&s->provider));
	/* a literal password is never recorded; a ${VAR} template is */
	ck_assert_ptr_null(strstr(st, "literal-secret"));
	ck_assert_ptr_null(strstr(st, "password"));
	ck_assert_ptr_nonnull(strstr(pr, "${REST_PW}"));
	ck_assert_ptr_nonnull(strstr(pr, "Bearer ${T}"));
	sp_arena_init(&a);
	sp_err_clear(&e);
	sp_jdec_init(&d, "p.json", &a, &e, SP_JDEC_MUST_BE);
	j = json_loads(st, 0, NULL);
	ck_assert_int_eq(sp_state_cfg_from_json(&d, j, &sc), 0);
	json_decref(j);
	ck_assert_str_eq(sc.backend, "etcd");
	ck_assert_uint_eq(sc.nendpoints, 1);
	ck_assert_str_eq(sc.prefix, "scaleplan/shop");
	ck_assert_str_eq(sc.remote.username, "ci");
	ck_assert_ptr_null(sc.remote.password);
	j = json_loads(pr, 0, NULL);
	ck_assert_int_eq(sp_provider_cfg_from_json(&d, j, &pc), 0);
	json_decref(j);
	ck_assert_str_eq(pc.kind, "rest");
	ck_assert_uint_eq(pc.nheaders, 2);
	ck_assert_str_eq(pc.remote.password, "${REST_PW}");
	/* a kind this scaleplan does not know is refused by name */
	j = json_loads("{\"backend\": \"s3\"}", 0, NULL);
	ck_assert_int_eq(sp_state_cfg_from_json(&d, j, &sc), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(e.msg, "'s3' is not a state backend"));
	json_decref(j);
	j = json_loads("{\"backend\": \"etcd\", \"endpoints\": [], \"prefix\": \"p\"}", 0, NULL);
	ck_assert_int_eq(sp_state_cfg_from_json(&d, j, &sc), SP_EINVAL);
	json_decref(j);
	free(st);
	free(pr);
	sp_arena_free(&a);
	sp_spec_free(s);
}
END_TEST

/* A URL setting that starts with ${VAR} (GitLab's ${CI_API_V4_URL}) is
 * taken by the loader and its scheme checked once expanded, when the
 * backend opens: an error names the setting and the URL without its
 * credentials. etcd's endpoints are not expanded and stay checked. */
START_TEST(test_url_templates)
{
	size_t ne;
	struct sp_backend *b = NULL;
	struct sp_err err;
	struct sp_spec *s = load("state:\n  backend: http\n  address: ${SP_TEST_API}/projects/42/terraform/state/shop\n"
				 "  lock_address: ${SP_TEST_API}/projects/42/terraform/state/shop/lock\n",
				 &ne);

	ck_assert_uint_eq(ne, 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->state.address, "${SP_TEST_API}/projects/42/terraform/state/shop");
	/* not an http(s) URL once expanded */
	setenv("SP_TEST_API", "ftp://ci:s3cret-tok@gitlab.test/api/v4", 1);
	sp_err_clear(&err);
	ck_assert_int_ne(sp_backend_http_open(&b, &s->state, &err), 0);
	ck_assert_ptr_null(b);
	ck_assert_msg(strstr(err.msg, "'address' must be an http:// or https:// URL once expanded, not "
				      "'ftp://gitlab.test/api/v4/projects/42/terraform/state/shop'"),
		      "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "s3cret"));
	/* unset: named, and refused */
	unsetenv("SP_TEST_API");
	sp_err_clear(&err);
	ck_assert_int_ne(sp_backend_http_open(&b, &s->state, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "SP_TEST_API"));
	/* an http(s) URL once expanded: opens */
	setenv("SP_TEST_API", "http://127.0.0.1:9/api/v4", 1);
	sp_err_clear(&err);
	ck_assert_msg(sp_backend_http_open(&b, &s->state, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(b->where, "http://127.0.0.1:9/api/v4/projects/42/terraform/state/shop"));
	b->ops->close(b);
	unsetenv("SP_TEST_API");
	sp_spec_free(s);

	/* a template elsewhere than at the start, another scheme, or an etcd endpoint: refused by the loader */
	ck_assert_ptr_null(load("state: {backend: http, address: \"ftp://${H}/s\"}\n", &ne));
	ck_assert_uint_eq(ne, 1);
	ck_assert_ptr_null(load("state: {backend: etcd, endpoints: [\"${ETCD}\"]}\n", &ne));
	ck_assert_uint_eq(ne, 1);
}
END_TEST

Suite *suite_where(void)
{
	Suite *s = suite_create("where");
	TCase *tc = tcase_create("where");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_etcd_and_rest);
	tcase_add_test(tc, test_http_lock_address);
	tcase_add_test(tc, test_url_templates);
	tcase_add_test(tc, test_bad_settings);
	tcase_add_test(tc, test_expand);
	tcase_add_test(tc, test_http_opts_env);
	tcase_add_test(tc, test_plan_record);
	suite_add_tcase(s, tc);
	return s;
}
