/* Forecast renderers: money formatting, each format's structure and values,
 * determinism, and the error paths (unknown format or grouping, a value the
 * engine should never produce, a failed write). */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "model/catalog.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"
#include "planner/render_forecast.h"

Suite *suite_render(void);

/* ---- sp_render_money --------------------------------------------------------------------------- */

static const char *money(double v, const char *cur)
{
	static char buf[128];
	sp_render_money(buf, sizeof(buf), v, cur);
	return buf;
}

START_TEST(test_money)
{
	ck_assert_str_eq(money(0, "USD"), "$0");
	ck_assert_str_eq(money(7.49, "USD"), "$7");
	ck_assert_str_eq(money(999.5, "USD"), "$1,000");
	ck_assert_str_eq(money(12345.4, "USD"), "$12,345");
	ck_assert_str_eq(money(123456, "USD"), "$123,456");
	ck_assert_str_eq(money(1234567.89, "USD"), "$1,234,568");
	ck_assert_str_eq(money(1e15, "USD"), "$1,000,000,000,000,000");
	ck_assert_str_eq(money(-1234567, "USD"), "-$1,234,567");
	/* a negative amount that rounds to zero is zero, not "-$0" */
	ck_assert_str_eq(money(-0.4, "USD"), "$0");
	ck_assert_str_eq(money(12345, "EUR"), "EUR 12,345");
	ck_assert_str_eq(money(-5000, "GBP"), "-GBP 5,000");
	ck_assert_str_eq(money(NAN, "USD"), "?");
	ck_assert_str_eq(money(INFINITY, "USD"), "?");
	/* a small buffer is cut, still terminated */
	char small[5];
	sp_render_money(small, sizeof(small), 123456, "USD");
	ck_assert_str_eq(small, "$123");
	sp_render_money(small, 0, 1, "USD");
}
END_TEST

/* ---- a forecast to render ------------------------------------------------------------------------ */

static struct sp_sku skus[] = {
	/* sorted by name, as the lookup expects */
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.206, 0.13, 0.09, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
	{ "p5.48xlarge", SP_SKU_GPU, 192, 2048, 8, "h100", 55.04, 35.0, 20.70, 0 },
};
static struct sp_gpu_model gpus[] = { { "h100", 989, "p5.48xlarge" } };
static struct sp_egress_tier egress[] = { { 0, 0.09 } };

static void make_catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1;
	c->skus = skus;
	c->nskus = sizeof(skus) / sizeof(skus[0]);
	c->gpus = gpus;
	c->ngpus = 1;
	c->egress = egress;
	c->negress = 1;
}

/* A spec name with a quote, a short last year, budgets that are broken,
 * every kind of component. */
static const char spec_text[] =
	"scaleplan: 1\n"
	"name: 'shop \"one\"'\n"
	"horizon: {start: 2027-03, months: 15}\n"
	"drivers:\n"
	"  users: {start: 2000000, model: exponential, monthly_growth: 0.1, uncertainty: {p10: 0.6, p90: 1.6}}\n"
	"regions:\n"
	"  - {name: r1, zones: 3, share: 1.0}\n"
	"  - {name: r2, zones: 2, share: 0.5, from: 2027-09}\n"
	"services:\n"
	"  web-api:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 20, peak_to_average: 2}\n"
	"    work: {cpu_ms_per_request: 20}\n"
	"    instance: m7i.large\n"
	"    scaling: {min: 3, max: 30}\n"
	"    calls:\n"
	"      - {to: db, reads_per_request: 1, writes_per_request: 0.5}\n"
	"      - {to: sessions, per_request: 1}\n"
	"      - {to: chat, per_request: 0.01}\n"
	"  mailer:\n"
	"    class: worker\n"
	"    work: {cpu_ms_per_request: 30}\n"
	"    instance: m7i.large\n"
	"caches:\n"
	"  sessions: {engine: redis, node: cache.r6g.large, hit_rate: 0.9}\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 2000, read_qps_per_replica: 20000,\n"
	"       storage: {start_gb: 100, gb_per_unit_month: 0.00001}}\n"
	"queues:\n"
	"  mail: {from: web-api, per_request: 0.1, worker: mailer}\n"
	"gpu:\n"
	"  workloads:\n"
	"    - {name: chat, kind: inference, tokens_per_request: 500, gpu: h100, tokens_per_s_per_gpu: 3400}\n"
	"    - {name: tune, kind: training, gpu: h100, params_b: 1, tokens_b: 10, every_months: 6}\n"
	"  tiers: {committed: {term: 1y}, spot: {}}\n"
	"budgets: {monthly_max: 40000, total_max: 100000}\n";

struct fx {
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_forecast *f;
	struct sp_catalog cat;
};

static void fx_run(struct fx *x, const char *text, int threads, const double *pcts, size_t npcts)
{
	struct sp_forecast_opts o;
	struct sp_diags d;
	memset(x, 0, sizeof(*x));
	memset(&o, 0, sizeof(o));
	make_catalog(&x->cat);
	o.paths = 200;
	o.seed = SP_FC_DEFAULT_SEED;
	o.threads = threads;
	if (npcts) {
		memcpy(o.pcts, pcts, npcts * sizeof(double));
		o.npcts = npcts;
	}
	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load_string(&x->spec, "t.yaml", text, strlen(text), &d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &d), 0);
	ck_assert_int_eq(sp_forecast_run(&x->f, x->spec, x->g, &x->cat, &o, &d), 0);
	sp_diags_free(&d);
}

static void fx_free(struct fx *x)
{
	sp_forecast_free(x->f);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
}

/* Renders into a string (the caller frees it); returns the render's result. */
static int render(char **out, size_t *len, const struct fx *x, const char *format, const char *by,
		  struct sp_err *err)
{
	FILE *f = open_memstream(out, len);
	ck_assert_ptr_nonnull(f);
	sp_err_clear(err);
	int ret = sp_render_forecast(f, x->f, x->spec, format, by, err);
	ck_assert_int_eq(fclose(f), 0);
	return ret;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- formats ----------------------------------------------------------------------------------- */

START_TEST(test_json)
{
	struct fx x;
	struct sp_err err;
	json_error_t je;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 2, NULL, 0);
	ck_assert_int_eq(render(&s, &len, &x, "json", NULL, &err), 0);
	json_t *root = json_loadb(s, len, 0, &je);
	ck_assert_msg(root != NULL, "invalid JSON at line %d: %s", je.line, je.text);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "format_version")), SP_FC_JSON_VERSION);
	ck_assert_str_eq(json_string_value(json_object_get(root, "spec")), "shop \"one\"");
	ck_assert_str_eq(json_string_value(json_object_get(root, "start")), "2027-03");
	ck_assert_str_eq(json_string_value(json_object_get(root, "end")), "2028-05");
	ck_assert_int_eq(json_integer_value(json_object_get(root, "months")), 15);
	ck_assert_int_eq(json_integer_value(json_object_get(root, "paths")), 200);
	ck_assert_str_eq(json_string_value(json_object_get(root, "median")), "p50");

	json_t *comps = json_object_get(root, "components");
	ck_assert_uint_eq(json_array_size(comps), x.f->nlines);
	for (size_t i = 0; i < x.f->nlines; i++) {
		const struct sp_fc_line *l = &x.f->lines[i];
		json_t *c = json_array_get(comps, i);
		ck_assert_str_eq(json_string_value(json_object_get(c, "name")), l->name);
		json_t *months = json_object_get(c, "months");
		ck_assert_uint_eq(json_array_size(months), 15);
		/* every metric and percentile, as the engine computed it (to the printed precision) */
		for (int m = 0; m < 15; m += 7)
			for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
				json_t *o = json_object_get(json_array_get(months, (size_t)m), sp_fc_metric_names[mt]);
				ck_assert_uint_eq(json_object_size(o), 3);
				ck_assert_double_eq_tol(json_number_value(json_object_get(o, "p90")),
							sp_fc_value(x.f, l, m, (enum sp_fc_metric)mt, 2), 0.0051);
			}
	}
	json_t *web = json_array_get(comps, 0);
	ck_assert_str_eq(json_string_value(json_object_get(web, "name")), "web-api");
	ck_assert_int_eq(json_integer_value(json_object_get(web, "scaling_max")), 30);
	ck_assert(json_is_null(json_object_get(json_array_get(comps, 1), "scaling_max")));

	json_t *totals = json_object_get(root, "totals");
	ck_assert_uint_eq(json_array_size(json_object_get(totals, "monthly")), 15);
	ck_assert_uint_eq(json_array_size(json_object_get(totals, "yearly")), 2);
	json_t *y2 = json_array_get(json_object_get(totals, "yearly"), 1);
	ck_assert_int_eq(json_integer_value(json_object_get(y2, "months")), 3);
	ck_assert_double_eq_tol(json_number_value(json_object_get(json_object_get(totals, "horizon"), "p50")),
				x.f->horizon_total[1], 0.0051);
	json_t *grp = json_object_get(root, "groupings");
	ck_assert_uint_eq(json_object_size(grp), 3);
	ck_assert_uint_eq(json_array_size(json_object_get(grp, "region")), 2);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "budget_breaches")), x.f->nbreaches);
	ck_assert_uint_gt(x.f->nbreaches, 0);
	json_decref(root);
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_json_percentile_keys)
{
	static const double p[] = { 5, 50, 99.9 };
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 1, p, 3);
	ck_assert_int_eq(render(&s, &len, &x, "json", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(s, "\"percentiles\": [5, 50, 99.9]"));
	ck_assert_ptr_nonnull(strstr(s, "{\"p5\": "));
	ck_assert_ptr_nonnull(strstr(s, ", \"p99.9\": "));
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_csv)
{
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 2, NULL, 0);
	/* names cannot hold a comma or a quote today; the CSV quotes them anyway */
	x.f->lines[0].name = "web,\"api\"";
	ck_assert_int_eq(render(&s, &len, &x, "csv", "component", &err), 0);
	ck_assert(!strncmp(s, "# scaleplan forecast csv v1\nmonth,component,kind,", 48));
	/* (lines x months + months + 1 horizon) x percentiles, plus two */
	ck_assert_uint_eq(count_lines(s), (x.f->nlines * 15 + 15 + 1) * 3 + 2);
	/* RFC 4180: the name with a comma is quoted */
	ck_assert_ptr_nonnull(strstr(s, "\n2027-03,\"web,\"\"api\"\"\",service,web,compute,m7i.large,instances,"));
	ck_assert_ptr_nonnull(strstr(s, "\nhorizon,,total,,,,,,50,"));
	/* no exponents, no thousands separators in numbers */
	ck_assert_ptr_null(strstr(s, "e+"));
	free(s);

	ck_assert_int_eq(render(&s, &len, &x, "csv", "region", &err), 0);
	ck_assert(!strncmp(s, "# scaleplan forecast csv v1\nmonth,grouping,group,percentile,cost,", 60));
	ck_assert_uint_eq(count_lines(s), (2 * 16 + 16) * 3 + 2);
	ck_assert_ptr_nonnull(strstr(s, "\n2027-03,region,r2,10,0.00,,,\n"));
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_table_and_markdown)
{
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 2, NULL, 0);
	ck_assert_int_eq(render(&s, &len, &x, "table", NULL, &err), 0);
	ck_assert(!strncmp(s, "Forecast for shop \"one\"\n", 24));
	ck_assert_ptr_nonnull(strstr(s, "  horizon   2027-03..2028-05 (15 months)\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nCost by year\n"));
	ck_assert_ptr_nonnull(strstr(s, "2027-03..2028-02"));
	ck_assert_ptr_nonnull(strstr(s, "* the last year has 3 months"));
	ck_assert_ptr_nonnull(strstr(s, "\nCapacity and cost by month\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nCost by component over the horizon\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nBudget\n"));
	ck_assert_ptr_nonnull(strstr(s, "  total_max $100,000: the horizon total is over at p"));
	ck_assert_ptr_nonnull(strstr(s, "\nWarnings\n"));
	ck_assert_ptr_nonnull(strstr(s, "  web-api: needs more than scaling.max (30 per region)"));
	ck_assert_ptr_nonnull(strstr(s, "  db: outgrows one primary from "));
	for (const char *p = s; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "control character in the table");
	free(s);

	ck_assert_int_eq(render(&s, &len, &x, "table", "category", &err), 0);
	ck_assert_ptr_nonnull(strstr(s, "\nCost by category over the horizon\n"));
	ck_assert_ptr_nonnull(strstr(s, "no cost: queue"));
	free(s);

	ck_assert_int_eq(render(&s, &len, &x, "markdown", NULL, &err), 0);
	ck_assert(!strncmp(s, "# Forecast: shop \"one\"\n\n**2027-03..2028-05 (15 months): \\$", 57));
	ck_assert_ptr_nonnull(strstr(s, "\n## Cost by year\n\n| year "));
	ck_assert_ptr_nonnull(strstr(s, "\n## Budget\n\n- monthly\\_max \\$40,000: "));
	ck_assert_ptr_nonnull(strstr(s, "\n## Warnings\n\n- web-api: "));
	ck_assert_ptr_null(strstr(s, "Capacity and cost by month"));
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_one_path)
{
	/* no driver is uncertain: one path, said so in the header */
	char *t = strdup(spec_text);
	char *u = strstr(t, ", uncertainty: {p10: 0.6, p90: 1.6}");
	ck_assert_ptr_nonnull(u);
	memmove(u, u + strlen(", uncertainty: {p10: 0.6, p90: 1.6}"), strlen(u + strlen(", uncertainty: {p10: 0.6, p90: 1.6}")) + 1);
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, t, 2, NULL, 0);
	ck_assert_int_eq(x.f->paths, 1);
	ck_assert_int_eq(render(&s, &len, &x, "table", NULL, &err), 0);
	ck_assert_ptr_nonnull(strstr(s, "  paths     1 (no driver has an uncertainty band"));
	free(s);
	fx_free(&x);
	free(t);
}
END_TEST

START_TEST(test_deterministic)
{
	static const char *const formats[] = { "table", "csv", "json", "markdown" };
	struct fx a, b;
	struct sp_err err;
	fx_run(&a, spec_text, 1, NULL, 0);
	fx_run(&b, spec_text, 2, NULL, 0);
	for (size_t i = 0; i < 4; i++) {
		char *s1, *s2, *s3;
		size_t l1, l2, l3;
		ck_assert_int_eq(render(&s1, &l1, &a, formats[i], NULL, &err), 0);
		ck_assert_int_eq(render(&s2, &l2, &b, formats[i], NULL, &err), 0);
		ck_assert_int_eq(render(&s3, &l3, &a, formats[i], NULL, &err), 0);
		ck_assert_uint_eq(l1, l2);
		ck_assert_uint_eq(l1, l3);
		ck_assert(!memcmp(s1, s2, l1));
		ck_assert(!memcmp(s1, s3, l1));
		free(s1);
		free(s2);
		free(s3);
	}
	fx_free(&a);
	fx_free(&b);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------------ */

START_TEST(test_unknown_format_or_grouping)
{
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 2, NULL, 0);
	ck_assert_int_eq(render(&s, &len, &x, "xml", NULL, &err), SP_EINVAL);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(err.msg, "unknown format 'xml'; expected table, csv, json or markdown");
	free(s);
	ck_assert_int_eq(render(&s, &len, &x, "csv", "team", &err), SP_EINVAL);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown grouping 'team'"));
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_bad_values_write_nothing)
{
	static const char *const formats[] = { "table", "csv", "json", "markdown" };
	struct fx x;
	struct sp_err err;
	char *s;
	size_t len;
	fx_run(&x, spec_text, 2, NULL, 0);
	struct sp_fc_line *l = &x.f->lines[2];
	size_t i = ((size_t)4 * SP_FC_NMETRICS + SP_FC_COST) * x.f->npcts + 1;
	double keep = l->v[i];
	for (size_t k = 0; k < 4; k++) {
		l->v[i] = NAN;
		ck_assert_int_eq(render(&s, &len, &x, formats[k], NULL, &err), SP_EINVAL);
		ck_assert_uint_eq(len, 0);
		ck_assert_ptr_nonnull(strstr(err.msg, "not a finite number >= 0"));
		ck_assert_ptr_nonnull(strstr(err.msg, l->name));
		free(s);
	}
	l->v[i] = keep;
	x.f->horizon_total[0] = -1;
	ck_assert_int_eq(render(&s, &len, &x, "json", NULL, &err), SP_EINVAL);
	ck_assert_uint_eq(len, 0);
	free(s);
	x.f->horizon_total[0] = 0;
	x.f->groupings[1].groups[1].month[3] = INFINITY;
	ck_assert_int_eq(render(&s, &len, &x, "csv", "class", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "region 'r2'"));
	free(s);
	fx_free(&x);
}
END_TEST

START_TEST(test_write_failure)
{
	struct fx x;
	struct sp_err err;
	/* a stream open for reading refuses every write */
	FILE *f = fopen("/dev/null", "r");
	ck_assert_ptr_nonnull(f);
	fx_run(&x, spec_text, 2, NULL, 0);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_render_forecast(f, x.f, x.spec, "csv", NULL, &err), SP_EIO);
	ck_assert_int_eq(err.code, SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the forecast"));
	fclose(f);
	fx_free(&x);
}
END_TEST

Suite *suite_render(void)
{
	Suite *s = suite_create("render");
	TCase *tc = tcase_create("forecast");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_money);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_json_percentile_keys);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_table_and_markdown);
	tcase_add_test(tc, test_one_path);
	tcase_add_test(tc, test_deterministic);
	tcase_add_test(tc, test_unknown_format_or_grouping);
	tcase_add_test(tc, test_bad_values_write_nothing);
	tcase_add_test(tc, test_write_failure);
	suite_add_tcase(s, tc);
	return s;
}
