/* The month forecast (model/fastplan.h) against the whole run: the same
 * per-line and per-region figures of the month, bit for bit, on the examples
 * and on specs that exercise every route (percentile, one-month paths, the
 * whole horizon); and the forecast cache (planner/fccache.h): a round trip
 * to the same bits, damage and other keys read as a miss. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "model/fastplan.h"
#include "model/forecast.h"
#include "model/graph.h"
#include "model/spec.h"
#include "planner/fccache.h"
#include "providers/catalog.h"

struct loaded {
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_catalog *cat;
	struct sp_diags d;
};

static void load_example(struct loaded *x, const char *name)
{
	const char *src = getenv("SP_SRCDIR");
	char path[4096], cats[4096];
	struct sp_err err;

	ck_assert_msg(src != NULL, "SP_SRCDIR is not set (run the tests with SP_SRCDIR=<source tree>)");
	snprintf(path, sizeof(path), "%s/examples/%s", src, name);
	snprintf(cats, sizeof(cats), "%s/catalogs", src);
	memset(x, 0, sizeof(*x));
	sp_diags_init(&x->d);
	ck_assert_int_eq(sp_spec_load(&x->spec, path, &x->d), 0);
	ck_assert_int_eq(sp_graph_build(&x->g, x->spec, &x->d), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_catalog_load(&x->cat, x->spec->pricing.catalog ? x->spec->pricing.catalog : "aws-us-east-1",
					 cats, &err),
			 0);
}

static void unload(struct loaded *x)
{
	sp_catalog_free(x->cat);
	sp_graph_free(x->g);
	sp_spec_free(x->spec);
	sp_diags_free(&x->d);
}

static void opts_for(struct sp_forecast_opts *o, int month, int paths, const double *pcts, size_t npcts)
{
	memset(o, 0, sizeof(*o));
	o->paths = paths;
	o->seed = SP_FC_DEFAULT_SEED;
	o->threads = 2;
	o->only_month_set = 1;
	o->only_month = month;
	o->no_groupings = 1;
	memcpy(o->pcts, pcts, npcts * sizeof(double));
	o->npcts = npcts;
}

/* Every figure a plan's desired state reads, equal in both; returns the
 * number of lines compared. */
static size_t compare(struct loaded *x, const struct sp_forecast_opts *o)
{
	struct sp_forecast *full = NULL, *month = NULL;
	int m = o->only_month;

	ck_assert_int_eq(sp_forecast_run(&full, x->spec, x->g, x->cat, o, &x->d), 0);
	ck_assert_int_eq(sp_forecast_month(&month, x->spec, x->g, x->cat, o, &x->d), 0);
	ck_assert_uint_eq(full->nlines, month->nlines);
	ck_assert_int_eq(full->paths, month->paths);
	for (size_t li = 0; li < full->nlines; li++) {
		const struct sp_fc_line *a = &full->lines[li], *b = &month->lines[li];
		ck_assert_str_eq(a->name, b->name);
		ck_assert_msg(a->purchase == b->purchase, "%s: purchase %d != %d", a->name, a->purchase, b->purchase);
		for (size_t k = 0; k < full->npcts; k++) {
			for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
				if (mt == SP_FC_COST || mt == SP_FC_COST_OD)
					continue;
				double va = sp_fc_value(full, a, m, mt, k), vb = sp_fc_value(month, b, m, mt, k);
				ck_assert_msg(va == vb, "%s month %d metric %s pct %g: %.17g != %.17g", a->name, m,
					      sp_fc_metric_names[mt], full->pcts[k], va, vb);
			}
			for (int mt = 0; mt < SP_FC_NXMETRICS; mt++)
				ck_assert(sp_fc_extra_value(full, a, m, mt, k) == sp_fc_extra_value(month, b, m, mt, k));
			for (size_t ri = 0; ri < x->spec->nregions; ri++)
				for (int mt = 0; mt < SP_FC_NREGION_METRICS; mt++) {
					double va = sp_fc_region_value(full, a, (int)ri, m, mt, k);
					double vb = sp_fc_region_value(month, b, (int)ri, m, mt, k);
					ck_assert_msg(va == vb, "%s region %zu month %d metric %d pct %g: %g != %g", a->name,
						      ri, m, mt, full->pcts[k], va, vb);
				}
		}
		/* what a month forecast leaves to the cache */
		ck_assert_int_eq(b->risk_any_month, -1);
		ck_assert(month->horizon_total[0] == 0);
	}
	size_t n = full->nlines;
	sp_forecast_free(full);
	sp_forecast_free(month);
	return n;
}

static const double p3[] = { 10, 50, 90 };
static const double p4[] = { 10, 50, 90, 95 };
static const double p5[] = { 1, 10, 25, 50, 99 };

START_TEST(test_examples_match)
{
	static const char *const ex[] = { "saas-web.yaml", "fintech-payments.yaml", "ai-assistant.yaml" };
	struct sp_forecast_opts o;
	struct loaded x;

	for (size_t e = 0; e < 3; e++) {
		load_example(&x, ex[e]);
		int last = x.spec->months - 1;
		int months[] = { 0, 7, 18, last };
		for (size_t i = 0; i < 4; i++) {
			opts_for(&o, months[i], 200, p3, 3);
			ck_assert_uint_gt(compare(&x, &o), 0);
			opts_for(&o, months[i], 57, p4, 4);
			compare(&x, &o);
			opts_for(&o, months[i], 1000, p5, 5);
			compare(&x, &o);
		}
		unload(&x);
	}
}
END_TEST

/* A catalog where the 1-year commitment does not pay and the 3-year one
 * does: the paths choose the term, so those lines take the whole-horizon
 * route, and still match. */
START_TEST(test_purchase_decided_by_paths)
{
	struct sp_forecast_opts o;
	struct loaded x;

	load_example(&x, "saas-web.yaml");
	for (size_t i = 0; i < x.cat->nskus; i++) {
		struct sp_sku *k = &x.cat->skus[i];
		if (k->commit_3y_hourly > 0)
			k->commit_1y_hourly = k->on_demand_hourly * 1.5;
	}
	for (int m = 0; m < x.spec->months; m += 11) {
		opts_for(&o, m, 200, p3, 3);
		compare(&x, &o);
	}
	unload(&x);
}
END_TEST

START_TEST(test_month_outside)
{
	struct sp_forecast_opts o;
	struct sp_forecast *f = NULL;
	struct loaded x;

	load_example(&x, "saas-web.yaml");
	opts_for(&o, x.spec->months, 10, p3, 3);
	ck_assert_int_eq(sp_forecast_month(&f, x.spec, x.g, x.cat, &o, &x.d), -1);
	ck_assert_ptr_null(f);
	opts_for(&o, 0, 10, p3, 3);
	o.only_month_set = 0;
	ck_assert_int_eq(sp_forecast_month(&f, x.spec, x.g, x.cat, &o, &x.d), -1);
	ck_assert_ptr_null(f);
	unload(&x);
}
END_TEST

/* ---- the cache ---------------------------------------------------------------------------------- */

static char *scratch(char *buf, size_t n)
{
	snprintf(buf, n, "%s/sp-fccache.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(buf));
	return buf;
}

static void rm_tree(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_cache_round_trip)
{
	struct sp_forecast_opts o;
	struct sp_forecast *full = NULL, *month = NULL;
	struct sp_sb text = SP_SB_INIT;
	struct loaded x;
	char tmp[4096], dir[4200], key[41], key2[41], path[4300];

	load_example(&x, "fintech-payments.yaml");
	opts_for(&o, 12, 200, p3, 3);
	ck_assert_int_eq(sp_fccache_key(key, "0123", x.cat, &o, x.spec), 0);
	ck_assert_uint_eq(strlen(key), 40);
	/* anything the totals depend on changes the key */
	o.seed++;
	ck_assert_int_eq(sp_fccache_key(key2, "0123", x.cat, &o, x.spec), 0);
	ck_assert_str_ne(key, key2);
	o.seed--;
	ck_assert_int_eq(sp_fccache_key(key2, "0124", x.cat, &o, x.spec), 0);
	ck_assert_str_ne(key, key2);
	x.cat->skus[0].on_demand_hourly *= 1.01;
	ck_assert_int_eq(sp_fccache_key(key2, "0123", x.cat, &o, x.spec), 0);
	ck_assert_str_ne(key, key2);
	x.cat->skus[0].on_demand_hourly /= 1.01;
	/* the month planned does not */
	o.only_month = 30;
	ck_assert_int_eq(sp_fccache_key(key2, "0123", x.cat, &o, x.spec), 0);
	ck_assert_str_eq(key, key2);
	o.only_month = 12;

	scratch(tmp, sizeof(tmp));
	snprintf(dir, sizeof(dir), "%s/cache", tmp);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), -1);
	ck_assert_int_eq(sp_forecast_run(&full, x.spec, x.g, x.cat, &o, &x.d), 0);
	ck_assert_int_eq(sp_fccache_write(full, dir, key), 0);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), 0);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key2[0] == '0' ? "1" : "0"), -1);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), 0);
	ck_assert_int_eq(sp_forecast_month(&month, x.spec, x.g, x.cat, &o, &x.d), 0);
	ck_assert_int_eq(sp_fccache_apply(month, text.buf), 0);
	sp_forecast_month_budgets(month, x.spec);
	for (size_t k = 0; k < full->npcts; k++) {
		ck_assert(full->horizon_total[k] == month->horizon_total[k]);
		ck_assert(full->horizon_total_od[k] == month->horizon_total_od[k]);
		for (int m = 0; m < full->months; m++) {
			ck_assert(full->total[(size_t)m * full->npcts + k] == month->total[(size_t)m * full->npcts + k]);
			ck_assert(full->cum_total[(size_t)m * full->npcts + k] ==
				  month->cum_total[(size_t)m * full->npcts + k]);
		}
	}
	ck_assert_uint_eq(full->nbreaches, month->nbreaches);
	for (size_t li = 0; li < full->nlines; li++) {
		ck_assert_int_eq(full->lines[li].risk_month, month->lines[li].risk_month);
		ck_assert_int_eq(full->lines[li].risk_any_month, month->lines[li].risk_any_month);
		ck_assert(full->lines[li].risk_share == month->lines[li].risk_share);
		ck_assert_int_eq(full->lines[li].outgrow_month, month->lines[li].outgrow_month);
	}
	/* a forecast of another shape does not take it */
	sp_forecast_free(month);
	month = NULL;
	opts_for(&o, 12, 100, p3, 3);
	ck_assert_int_eq(sp_forecast_month(&month, x.spec, x.g, x.cat, &o, &x.d), 0);
	ck_assert_int_eq(sp_fccache_apply(month, text.buf), -1);
	sp_forecast_free(month);

	/* damage: one byte changed, the file cut short, an empty file */
	snprintf(path, sizeof(path), "%s/forecast-%s", dir, key);
	size_t len = text.len;
	FILE *fp = fopen(path, "r+");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fseek(fp, (long)(len / 2), SEEK_SET), 0);
	int ch = fgetc(fp);
	ck_assert_int_eq(fseek(fp, (long)(len / 2), SEEK_SET), 0);
	fputc(ch == '1' ? '2' : '1', fp);
	fclose(fp);
	sp_sb_reset(&text);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), -1);
	ck_assert_int_eq(truncate(path, (off_t)(len - 5)), 0);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), -1);
	ck_assert_int_eq(truncate(path, 0), 0);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), -1);
	/* rewritten whole */
	ck_assert_int_eq(sp_fccache_write(full, dir, key), 0);
	ck_assert_int_eq(sp_fccache_read(&text, dir, key), 0);
	ck_assert_uint_eq(text.len, len);
	/* a folder that cannot be made: -1, nothing left behind */
	char bad[4300];
	snprintf(bad, sizeof(bad), "%s/no/such/dir", tmp);
	ck_assert_int_eq(sp_fccache_write(full, bad, key), -1);

	sp_sb_release(&text);
	sp_forecast_free(full);
	rm_tree(tmp);
	unload(&x);
}
END_TEST

Suite *suite_fastplan(void);
Suite *suite_fastplan(void)
{
	Suite *s = suite_create("fastplan");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_examples_match);
	tcase_add_test(tc, test_purchase_decided_by_paths);
	tcase_add_test(tc, test_month_outside);
	tcase_add_test(tc, test_cache_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
