/* The spec loader: typed values, defaults, positions, every error kind. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "model/spec.h"
#include "planner/starter.h"

Suite *suite_spec(void);

static const char base[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"drivers:\n"
	"  users: {start: 1_000, model: exponential, annual_growth: 1.0}\n"
	"regions:\n"
	"  - {name: r1, zones: 3}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 2}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 200}}\n"
	"    calls:\n"
	"      - {to: api, per_request: 1.5, via_cache: c}\n"
	"      - {to: db, reads_per_request: 3, writes_per_request: 0.5}\n"
	"  api:\n"
	"    work: {cpu_ms_per_request: 5}\n"
	"    instance: m7i.large\n"
	"caches:\n"
	"  c: {engine: redis, node: cache.r6g.large, hit_rate: 0.6}\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.large, write_tps_per_node: 1000, read_qps_per_replica: 5000}\n";

/* Loads text; returns the number of errors; *msg gets the first message. */
static size_t load(const char *text, struct sp_spec **spec, struct sp_diags *d)
{
	sp_diags_init(d);
	sp_spec_load_string(spec, "t.yaml", text, strlen(text), d);
	return d->nerrors;
}

/* Asserts that loading `text` fails with an error at line:col containing `needle`. */
static void expect_error(const char *text, int line, int col, const char *needle)
{
	struct sp_spec *spec;
	struct sp_diags d;
	size_t n = load(text, &spec, &d);
	int found = 0;

	ck_assert_ptr_null(spec);
	ck_assert_uint_ge(n, 1);
	for (size_t i = 0; i < d.n; i++)
		if (d.v[i].sev == SP_ERROR && strstr(d.v[i].msg, needle) && d.v[i].pos.line == line &&
		    d.v[i].pos.col == col)
			found = 1;
	if (!found)
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  got %d:%d: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	ck_assert_msg(found, "no error '%s' at %d:%d", needle, line, col);
	sp_diags_free(&d);
}

static char *replace(const char *s, const char *from, const char *to)
{
	struct sp_sb sb = SP_SB_INIT;
	const char *p = strstr(s, from);
	ck_assert_ptr_nonnull(p);
	sp_sb_add(&sb, s, (size_t)(p - s));
	sp_sb_adds(&sb, to);
	sp_sb_adds(&sb, p + strlen(from));
	return sp_sb_detach(&sb, NULL);
}

static void expect_replaced(const char *from, const char *to, int line, int col, const char *needle)
{
	char *t = replace(base, from, to);
	expect_error(t, line, col, needle);
	free(t);
}

START_TEST(test_month)
{
	sp_month m;
	char buf[8];
	ck_assert_int_eq(sp_month_parse("2027-04", &m), 1e-12);
	ck_assert_int_eq(m, 2027 * 12 + 3);
	sp_month_format(m + 9, buf);
	ck_assert_str_eq(buf, "2028-01");
	ck_assert_int_eq(sp_month_parse("2027-4", &m), -1);
	ck_assert_int_eq(sp_month_parse("2027-00", &m), -1);
	ck_assert_int_eq(sp_month_parse("2027-13", &m), -1);
	ck_assert_int_eq(sp_month_parse("27-04-01", &m), -1);
	ck_assert_int_eq(sp_month_parse("abcd-ef", &m), -1);
}
END_TEST

START_TEST(test_good_values_and_defaults)
{
	struct sp_spec *s;
	struct sp_diags d;
	ck_assert_uint_eq(load(base, &s, &d), 1e-12);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "t");
	ck_assert_int_eq(s->start, 2027 * 12);
	ck_assert_int_eq(s->months, 24);
	ck_assert_int_eq(s->lead_time_months, 1);
	ck_assert_str_eq(s->currency, "USD");
	ck_assert_str_eq(s->provider.kind, "local");
	ck_assert_str_eq(s->state.path, ".scaleplan/state.json");
	ck_assert_str_eq(s->pricing.catalog, "aws-us-east-1");
	ck_assert_uint_eq(s->ndrivers, 1);
	ck_assert_double_eq_tol(s->drivers[0].start, 1000, 1e-9);   /* 1_000 */
	/* doubling yearly is 5.946 % a month */
	ck_assert_double_eq_tol(s->drivers[0].monthly_growth, 0.059463, 1e-6);
	ck_assert_double_eq_tol(s->drivers[0].seasonality[10], 1.0, 1e-12);
	ck_assert_uint_eq(s->nservices, 2);
	const struct sp_service *w = &s->services[0];
	ck_assert_str_eq(w->name, "web");
	ck_assert_int_eq(w->pos.line, 9);
	ck_assert_int_eq(w->pos.col, 3);
	ck_assert_int_eq(w->cls, SP_CLASS_WEB);
	ck_assert_ptr_eq(w->demand.drv, &s->drivers[0]);
	ck_assert_double_eq_tol(w->target_utilization, 0.5, 1e-12);
	ck_assert_int_eq(w->min, 1);
	ck_assert_int_eq(w->max, 1e-12);
	ck_assert_int_eq(w->has_latency_slo, 1);
	ck_assert_double_eq_tol(w->slo_quantile, 0.99, 1e-12);
	ck_assert_uint_eq(w->ncalls, 2);
	ck_assert_int_eq(w->calls[0].kind, SP_CALL_SERVICE);
	ck_assert_double_eq_tol(w->calls[0].per_request, 1.5, 1e-12);
	ck_assert_str_eq(w->calls[0].via_cache, "c");
	ck_assert_int_eq(w->calls[1].kind, SP_CALL_DATASTORE);
	ck_assert_double_eq_tol(w->calls[1].reads_per_request, 3, 1e-12);
	ck_assert_int_eq(w->calls[1].to_pos.line, 16);
	ck_assert_int_eq(s->datastores[0].write_utilization == 0.65, 1);
	ck_assert_int_eq(s->datastores[0].reshard_lead_months, 6);
	ck_assert_double_eq_tol(s->caches[0].ops_per_s_per_node, 100000, 1e-12);
	ck_assert_ptr_eq(sp_spec_driver(s, "users"), &s->drivers[0]);
	ck_assert_ptr_null(sp_spec_driver(s, "nope"));
	sp_spec_free(s);
	sp_diags_free(&d);
}
END_TEST

START_TEST(test_starter_validates)
{
	struct sp_spec *s;
	struct sp_diags d;
	ck_assert_uint_eq(load(sp_starter_spec, &s, &d), 1e-12);
	ck_assert_uint_eq(d.nwarnings, 1e-12);
	ck_assert_uint_eq(s->nservices, 1);
	sp_spec_free(s);
	sp_diags_free(&d);
}
END_TEST

START_TEST(test_examples_load)
{
	static const char *const files[] = { "examples/saas-web.yaml", "examples/fintech-payments.yaml",
					     "examples/ai-assistant.yaml", "examples/split" };
	const char *src = getenv("SP_SRCDIR");
	char path[4096];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct sp_spec *s;
		struct sp_diags d;
		snprintf(path, sizeof(path), "%s/%s", src ? src : ".", files[i]);
		sp_diags_init(&d);
		ck_assert_msg(sp_spec_load(&s, path, &d) == 0, "%s does not load", path);
		ck_assert_uint_gt(s->nservices, 1e-12);
		if (i == 3) {
			ck_assert_uint_eq(s->nsrcs, 3);
			ck_assert_uint_eq(s->nservices, 7);
		}
		sp_spec_free(s);
		sp_diags_free(&d);
	}
}
END_TEST

START_TEST(test_yaml_errors)
{
	expect_error("a: [1, 2\nb: 3\n", 2, 2, "invalid YAML");
	expect_error("a: &x 1\nb: *x\n", 2, 4, "aliases");
	expect_error("a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document");
	expect_error("a: 1\na: 2\n", 2, 1, "duplicate key 'a'");
	expect_error("a:\n\t- 1\n", 2, 1, "tab");
	expect_error("- 1\n", 1, 1, "must be a mapping");
	expect_error("scaleplan: 1\nname: \x01\n", 2, 7, "control character 0x01");
}
END_TEST

START_TEST(test_limits)
{
	struct sp_sb sb = SP_SB_INIT;
	sp_sb_adds(&sb, "a: ");
	for (int i = 0; i < 100; i++)
		sp_sb_addc(&sb, '[');
	for (int i = 0; i < 100; i++)
		sp_sb_addc(&sb, ']');
	sp_sb_addc(&sb, '\n');
	expect_error(sb.buf, 1, 3 + SP_MAX_DEPTH, "nested too deeply");
	sp_sb_release(&sb);
	/* a large flat duplicate check goes through the hashed path */
	sp_sb_adds(&sb, "m:\n");
	for (int i = 0; i < 100; i++)
		sp_sb_addf(&sb, "  k%d: 1\n", i);
	sp_sb_adds(&sb, "  k7: 2\n");
	expect_error(sb.buf, 102, 3, "duplicate key 'k7'");
	sp_sb_release(&sb);
	expect_error("", 0, 0, "empty spec file");
	expect_error("# only a comment\n", 0, 0, "no YAML document");
	{
		/* a NUL inside the text: the length is passed explicitly */
		struct sp_spec *sp;
		struct sp_diags d;
		sp_diags_init(&d);
		ck_assert_int_eq(sp_spec_load_string(&sp, "t.yaml", "a: b\0c\n", 7, &d), -1);
		ck_assert_ptr_nonnull(strstr(d.v[0].msg, "NUL byte"));
		ck_assert_int_eq(d.v[0].pos.line, 1);
		ck_assert_int_eq(d.v[0].pos.col, 5);
		sp_diags_free(&d);
	}
}
END_TEST

START_TEST(test_unknown_keys)
{
	expect_replaced("    instance: m7i.large\n    slo", "    instnace: m7i.large\n    slo", 12, 5,
			"unknown key 'instnace' in service 'web'; did you mean 'instance'?");
	expect_replaced("caches:", "cachez:", 20, 1, "did you mean 'caches'?");
	expect_replaced("hit_rate: 0.6", "hit_rate: 0.6, zzz: 1", 21, 60, "unknown key 'zzz' in cache 'c'; expected one of:");
}
END_TEST

START_TEST(test_types_units_ranges)
{
	expect_replaced("cpu_ms_per_request: 5}", "cpu_ms_per_request: five}", 18, 32, "must be a number, not 'five'");
	expect_replaced("cpu_ms_per_request: 5}", "cpu_ms_per_request: \"5\"}", 18, 32, "quoted string");
	expect_replaced("ms: 200", "ms: 200ms", 13, 41, "plain number, not '200ms'; the unit is part of the key's name");
	expect_replaced("quantile: 0.99", "quantile: 99", 13, 31, "did you mean 0.99?");
	expect_replaced("quantile: 0.99", "quantile: 1", 13, 31, "must be in (0, 1)");
	expect_replaced("{quantile: 0.99, ms: 200}}", "{quantile: 0.99, ms: 200}, availability: 100}", 13, 61,
			"in (0, 100)");
	expect_replaced("hit_rate: 0.6", "hit_rate: 1", 21, 55, "in [0, 1)");
	expect_replaced("requests_per_unit_per_day: 10", "requests_per_unit_per_day: -1", 10, 56, "0 or more");
	expect_replaced("months: 24", "months: 2.5", 3, 35, "whole number");
	expect_replaced("zones: 3", "zones: 9", 7, 23, "between 1 and 6");
	expect_replaced("work: {cpu_ms_per_request: 10}", "work: [10]", 11, 11, "'work' must be a mapping, not a list");
	expect_replaced("instance: m7i.large\n    slo", "instance: {a: 1}\n    slo", 12, 15, "must be a string");
	expect_replaced("start: 2027-01", "start: 2027/01", 3, 18, "YYYY-MM");
	expect_replaced("{name: r1, zones: 3}", "{name: r1, zones: 3, share: 0}", 7, 33, "in (0, 1]");
}
END_TEST

START_TEST(test_required_and_references)
{
	expect_replaced("name: t\n", "", 1, 1, "missing required key 'name'");
	expect_replaced("    work: {cpu_ms_per_request: 5}\n", "", 18, 5, "missing required key 'work' in service 'api'");
	expect_replaced("driver: users", "driver: user", 10, 22, "driver 'user' is not defined; did you mean 'users'?");
	expect_replaced("{to: api, per_request: 1.5, via_cache: c}", "{to: ap, per_request: 1.5}", 15, 14,
			"call target 'ap' is not defined; did you mean 'api'?");
	expect_replaced("via_cache: c}", "via_cache: api}", 15, 48, "'via_cache' names 'api', which is a service, not a cache");
	expect_replaced("{to: db, reads_per_request: 3, writes_per_request: 0.5}", "{to: db, per_request: 1}", 16, 9,
			"takes 'reads_per_request' and 'writes_per_request'");
	expect_replaced("{to: db, reads_per_request: 3, writes_per_request: 0.5}", "{to: db}", 16, 9,
			"needs 'reads_per_request' or 'writes_per_request'");
	expect_replaced("ms: 200", "ms: 40", 13, 20, "the smallest reachable target is 47 ms");
	expect_replaced("  c: {", "  api: {", 21, 3, "cache 'api' is defined more than once");
	expect_replaced("regions:\n  - {name: r1, zones: 3}\n", "", 1, 1, "missing required key 'regions'");
	expect_replaced("scaleplan: 1", "scaleplan: 2", 1, 12, "unsupported schema version 2");
}
END_TEST

START_TEST(test_drivers)
{
	expect_replaced("users: {start: 1_000, model: exponential, annual_growth: 1.0}",
			"users: {start: 1000, model: logistic, monthly_growth: 0.1}", 5, 10,
			"missing required key 'ceiling'");
	expect_replaced("annual_growth: 1.0}", "annual_growth: 1.0, ceiling: 5}", 5, 65,
			"'ceiling' does not apply to model 'exponential'");
	expect_replaced("annual_growth: 1.0}", "annual_growth: 1.0, monthly_growth: 0.1}", 5, 60,
			"not both");
	expect_replaced("annual_growth: 1.0}", "annual_growth: 1.0, uncertainty: {p10: 2, p90: 1}}", 5, 78,
			"must not exceed 'p90'");
	expect_replaced("annual_growth: 1.0}", "annual_growth: 1.0, seasonality: {decmber: 2}}", 5, 79,
			"did you mean 'dec'?");
	expect_replaced("annual_growth: 1.0}", "annual_growth: 1.0, events: [{name: x, month: 2027-02}]}", 5, 74,
			"missing required key 'multiplier'");
}
END_TEST

START_TEST(test_diag_limit)
{
	struct sp_sb sb = SP_SB_INIT;
	struct sp_spec *s;
	struct sp_diags d;
	sp_sb_adds(&sb, base);
	sp_sb_adds(&sb, "queues:\n");
	for (int i = 0; i < 200; i++)
		sp_sb_addf(&sb, "  q%d: {from: nowhere, per_request: 1, worker: web}\n", i);
	load(sb.buf, &s, &d);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(d.nerrors, 200);
	ck_assert_uint_eq(d.n, d.limit);
	ck_assert_uint_eq(d.dropped, 200 - d.limit);
	sp_diags_free(&d);
	sp_sb_release(&sb);
}
END_TEST

START_TEST(test_load_missing_path)
{
	struct sp_spec *s;
	struct sp_diags d;
	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load(&s, "/nonexistent/x.yaml", &d), -1);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(d.v[0].msg, "cannot read"));
	ck_assert_str_eq(d.v[0].file, "/nonexistent/x.yaml");
	sp_diags_free(&d);
}
END_TEST

Suite *suite_spec(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, test_month);
	tcase_add_test(tc, test_good_values_and_defaults);
	tcase_add_test(tc, test_starter_validates);
	tcase_add_test(tc, test_examples_load);
	tcase_add_test(tc, test_yaml_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_types_units_ranges);
	tcase_add_test(tc, test_required_and_references);
	tcase_add_test(tc, test_drivers);
	tcase_add_test(tc, test_diag_limit);
	tcase_add_test(tc, test_load_missing_path);
	suite_add_tcase(s, tc);
	return s;
}
