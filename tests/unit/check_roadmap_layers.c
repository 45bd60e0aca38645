/* The roadmap's decision triggers and alerts, its strategic and tactical
 * layers, the window, owners from tags, the options' errors, and rendering:
 * every format, the same bytes with one thread or two, a failed write. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "planner/render_roadmap.h"
#include "tests/unit/roadmap_fixtures.h"

Suite *suite_roadmap_layers(void);

/* ---- triggers ---------------------------------------------------------------------------------------- */

START_TEST(test_triggers)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	ck_assert_uint_eq(x.r->ntriggers, 3);
	const struct sp_rm_trigger *t = &x.r->triggers[0];
	/* 99.95 % over 30 days: 0.05 % of 43,200 minutes */
	ck_assert_double_eq_tol(t->budget_min, 21.6, 1e-9);
	ck_assert_uint_eq(x.r->nalerts, 3);
	ck_assert_double_eq_tol(t->error_rate[0], 14.4 * 0.0005, 1e-12);
	ck_assert_double_eq_tol(t->error_rate[1], 6 * 0.0005, 1e-12);
	ck_assert_double_eq_tol(t->error_rate[2], 1 * 0.0005, 1e-12);
	ck_assert_int_eq(t->signal, SP_RM_SIG_CPU);
	ck_assert_double_eq(t->signal_target, 0.5);
	/* the worker scales on the age of its queue's backlog; batch on a schedule */
	ck_assert_int_eq(x.r->triggers[1].signal, SP_RM_SIG_BACKLOG);
	ck_assert_double_eq(x.r->triggers[1].signal_target, 120);
	ck_assert_double_eq(x.r->triggers[1].budget_min, 0);
	ck_assert_int_eq(x.r->triggers[2].signal, SP_RM_SIG_SCHEDULE);
	/* the SRE workbook's alerts spend 2 %, 5 % and 10 % of the budget */
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[0]), 0.02, 1e-12);
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[1]), 0.05, 1e-12);
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[2]), 0.10, 1e-12);
	/* the load test before the first quarter (months 0-2): peak 30 requests/s;
	 * 1x: A = 3, 6 vCPUs, 3 instances; 2x: 6; 5x: 15 */
	ck_assert_uint_eq(t->ntests, 8);
	ck_assert_int_eq(t->tests[0].quarter, 0);
	ck_assert_int_eq(t->tests[0].region, 0);
	ck_assert_double_eq_tol(t->tests[0].peak_rps, 30, 1e-9);
	ck_assert_int_eq(t->tests[0].inst[0], 3);
	ck_assert_int_eq(t->tests[0].inst[1], 6);
	ck_assert_int_eq(t->tests[0].inst[2], 15);
	/* the second quarter's peak is month 5's 60 requests/s */
	ck_assert_double_eq_tol(t->tests[1].peak_rps, 60, 1e-9);
	ctx_free(&x);
}
END_TEST

START_TEST(test_alerts_adjusted)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	opts_init(&o);
	o.alerts[0] = (struct sp_rm_alert){ "page", 10, 120, 10 };
	o.nalerts = 1;
	ck_assert_int_eq(build(&x, scaling_spec, &o), 0);
	ck_assert_uint_eq(x.r->nalerts, 1);
	ck_assert_double_eq_tol(x.r->triggers[0].error_rate[0], 10 * 0.0005, 1e-12);
	/* 10 x 2 h / 720 h */
	ck_assert_double_eq_tol(sp_rm_alert_budget_share(&x.r->alerts[0]), 20.0 / 720, 1e-12);
	ctx_free(&x);
	/* out of their domain */
	const struct sp_rm_alert bad[] = {
		{ "page", 0, 60, 5 }, { "page", 2, 60, 60 }, { "page", 2, 60, 0 }, { "page", 2, 43201, 5 }, { "", 2, 60, 5 },
	};
	for (size_t i = 0; i < SP_ARRAY_LEN(bad); i++) {
		opts_init(&o);
		o.alerts[0] = bad[i];
		o.nalerts = 1;
		ck_assert_int_eq(build(&x, scaling_spec, &o), SP_EINVAL);
		ck_assert_ptr_null(x.r);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "burn-rate alert 1"));
		ctx_free(&x);
	}
}
END_TEST

/* ---- the window, the layers, owners ------------------------------------------------------------------------- */

START_TEST(test_window_cuts)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	/* from 2028-08 (month 19): the shard needed in month 18 is done */
	opts_init(&o);
	o.from = 2028 * 12 + 7;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 0);
	ck_assert_int_eq(x.r->from, 19);
	ck_assert_uint_eq(x.r->nyears, 1);
	ck_assert_int_eq(x.r->years[0].index, 1);
	ctx_free(&x);
	/* until 2027-12 (month 11): raised in month 12, after the window */
	opts_init(&o);
	o.until = 2027 * 12 + 11;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 0);
	ck_assert_int_eq(count(x.r, SP_RM_STORAGE), 1);
	/* the tactical layer stops at the window's end: 4 quarters */
	ck_assert_uint_eq(x.r->nquarters, 4);
	ctx_free(&x);
	/* until 2028-01 (month 12): raised in the window, needed after it */
	opts_init(&o);
	o.until = 2028 * 12;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(count(x.r, SP_RM_SHARD), 1);
	ctx_free(&x);
}
END_TEST

START_TEST(test_layers)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	/* now 2027-05: the first quarter is 2027-Q2 (months 3-5); the storage
	 * milestone raised in month 6 falls in the second */
	opts_init(&o);
	o.now = 2027 * 12 + 4;
	o.quarters = 4;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_int_eq(x.r->now, 4);
	ck_assert_uint_eq(x.r->nquarters, 4);
	ck_assert_int_eq(x.r->quarters[0].start, 2027 * 12 + 3);
	ck_assert_int_eq(x.r->quarters[0].m0, 3);
	ck_assert_int_eq(x.r->quarters[0].m1, 6);
	ck_assert_uint_eq(x.r->quarters[0].nactions, 0);
	ck_assert_uint_eq(x.r->quarters[1].nactions, 1);
	ck_assert_int_eq(x.r->ms[x.r->quarters[1].actions[0]].kind, SP_RM_STORAGE);
	/* the shard, raised in month 12, is in the fourth: 2028-Q1 */
	ck_assert_int_eq(x.r->quarters[3].start, 2028 * 12);
	ck_assert_uint_eq(x.r->quarters[3].nactions, 1);
	/* strategic: two years; the shard needed in month 18 is year 2's big one */
	ck_assert_uint_eq(x.r->nyears, 2);
	ck_assert_uint_eq(x.r->years[0].nbig, 0);
	ck_assert_uint_eq(x.r->years[1].nbig, 1);
	ck_assert_int_eq(x.r->ms[x.r->years[1].big[0]].kind, SP_RM_SHARD);
	ck_assert_int_eq(x.r->years[1].themes[SP_RM_TH_DATA].count, 1);
	ck_assert_int_eq(x.r->years[0].themes[SP_RM_TH_DATA].count, 1);   /* the storage */
	ck_assert_int_eq(x.r->years[0].themes[SP_RM_TH_DATA].ncomponents, 1);
	ck_assert_str_eq(x.r->years[0].themes[SP_RM_TH_DATA].names[0], "db");
	/* the envelope: one path, so p10 = p50 = p90; 24 months of a year's cost */
	ck_assert_double_eq(x.r->years[0].cost[0], x.r->years[0].cost[2]);
	ck_assert_double_eq(x.r->years[0].cost[1], x.f->year_total[0 * x.f->npcts + x.r->k50]);
	ck_assert_double_eq(x.r->years[0].cap[SP_NODE_DATASTORE][1],
				sp_fc_value(x.f, &x.f->lines[1], 11, SP_FC_UNITS, 0));
	ctx_free(&x);
	/* now past the window: no quarter */
	opts_init(&o);
	o.now = 2031 * 12;
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_uint_eq(x.r->nquarters, 0);
	ctx_free(&x);
}
END_TEST

START_TEST(test_owners_from_tags)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	char *text;
	struct sp_sb sb = SP_SB_INIT;
	opts_init(&o);
	sp_sb_adds(&sb, store_spec);
	sp_sb_adds(&sb, "tags: {team: platform, owner-data: dba}\n");
	text = sp_sb_detach(&sb, NULL);
	ck_assert_int_eq(build(&x, text, &o), 0);
	ck_assert_str_eq(x.r->owners[SP_RM_DOM_DATA], "dba");
	ck_assert_str_eq(x.r->owners[SP_RM_DOM_APP], "platform");
	ck_assert_str_eq(nth(x.r, SP_RM_SHARD, 0)->owner, "dba");
	ck_assert_str_eq(x.r->triggers[0].owner, "platform");
	ctx_free(&x);
	free(text);
	/* no tags: nobody */
	ck_assert_int_eq(build(&x, store_spec, &o), 0);
	ck_assert_ptr_null(nth(x.r, SP_RM_SHARD, 0)->owner);
	ctx_free(&x);
}
END_TEST

/* ---- options, rendering ------------------------------------------------------------------------------------ */

START_TEST(test_bad_options)
{
	struct sp_roadmap_opts o;
	struct rm_ctx x;
	struct {
		int field;
		int value;
		const char *msg;
	} cases[] = {
		{ 0, 2026 * 12, "within the horizon" },
		{ 1, 2029 * 12, "within the horizon" },
		{ 2, 3, "4 to 8 quarters" },
		{ 2, 9, "4 to 8 quarters" },
		{ 3, 0, "comes after" },
	};
	for (size_t i = 0; i < SP_ARRAY_LEN(cases); i++) {
		opts_init(&o);
		switch (cases[i].field) {
		case 0: o.from = cases[i].value; break;
		case 1: o.until = cases[i].value; break;
		case 2: o.quarters = cases[i].value; break;
		case 3: o.from = 2028 * 12, o.until = 2027 * 12 + 6; break;
		}
		ck_assert_int_eq(build(&x, store_spec, &o), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, cases[i].msg));
		ck_assert_ptr_null(x.r);
		ctx_free(&x);
	}
	/* a percentile the forecast lacks */
	{
		struct sp_forecast_opts fo;
		memset(&x, 0, sizeof(x));
		make_catalog(&x.cat);
		sp_diags_init(&x.d);
		ck_assert_int_eq(sp_spec_load_string(&x.spec, "t.yaml", store_spec, strlen(store_spec), &x.d), 0);
		ck_assert_int_eq(sp_graph_build(&x.g, x.spec, &x.d), 0);
		memset(&fo, 0, sizeof(fo));   /* 10, 50, 90 */
		fo.seed = 1;
		ck_assert_int_eq(sp_forecast_run(&x.f, x.spec, x.g, &x.cat, &fo, &x.d), 0);
		opts_init(&o);
		o.pct = 95;
		ck_assert_int_eq(sp_roadmap_build(&x.r, x.spec, x.g, &x.cat, x.f, &o, &x.err), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "lacks the percentiles"));
		o.pct = 100;
		ck_assert_int_eq(sp_roadmap_build(&x.r, x.spec, x.g, &x.cat, x.f, &o, &x.err), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(x.err.msg, "above 0 and below 100"));
		ctx_free(&x);
	}
}
END_TEST

/* Renders r in every format into strings; the JSON is parsed. */
static char *render(const struct sp_roadmap *r, const char *format)
{
	char *buf = NULL;
	size_t len = 0;
	struct sp_err err;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(sp_render_roadmap(f, r, format, &err), 0);
	fclose(f);
	return buf;
}

START_TEST(test_render_and_determinism)
{
	static const char *const formats[] = { "text", "markdown", "json" };
	struct sp_roadmap_opts o;
	struct rm_ctx a, b;
	struct sp_err err;
	opts_init(&o);
	ck_assert_int_eq(build_paths(&a, gpu_spec, &o, 0, 1), 0);
	ck_assert_int_eq(build_paths(&b, gpu_spec, &o, 0, 2), 0);
	for (size_t i = 0; i < SP_ARRAY_LEN(formats); i++) {
		char *x = render(a.r, formats[i]), *y = render(b.r, formats[i]);
		ck_assert_str_eq(x, y);
		if (!strcmp(formats[i], "json")) {
			json_t *root = sp_json_parse(x, strlen(x), "roadmap", "invalid JSON", &err);
			ck_assert_ptr_nonnull(root);
			ck_assert_str_eq(json_string_value(json_object_get(root, "format_version")), "1");
			ck_assert_uint_eq(json_array_size(json_object_get(root, "milestones")), a.r->nms);
			ck_assert_uint_eq(json_array_size(json_object_get(root, "tactical")), a.r->nquarters);
			json_t *m0 = json_array_get(json_object_get(root, "milestones"), 0);
			ck_assert_str_eq(json_string_value(json_object_get(m0, "kind")), sp_rm_kind_keys[a.r->ms[0].kind]);
			json_decref(root);
		} else {
			ck_assert_ptr_nonnull(strstr(x, "capacity block of 1 p5.48xlarge (3 h100 GPUs)"));
		}
		free(x);
		free(y);
	}
	/* an unknown format writes nothing; a full disk is an I/O error */
	ck_assert_int_eq(sp_render_roadmap(stdout, a.r, "html", &err), SP_EINVAL);
	FILE *full = fopen("/dev/full", "w");
	if (full) {
		ck_assert_int_eq(sp_render_roadmap(full, a.r, "json", &err), SP_EIO);
		ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the roadmap"));
		fclose(full);
	}
	ctx_free(&a);
	ctx_free(&b);
}
END_TEST

Suite *suite_roadmap_layers(void)
{
	Suite *s = suite_create("roadmap_layers");
	TCase *tc = tcase_create("layers");
	tcase_add_test(tc, test_triggers);
	tcase_add_test(tc, test_alerts_adjusted);
	tcase_add_test(tc, test_window_cuts);
	tcase_add_test(tc, test_layers);
	tcase_add_test(tc, test_owners_from_tags);
	tcase_add_test(tc, test_bad_options);
	tcase_add_test(tc, test_render_and_determinism);
	suite_add_tcase(s, tc);
	return s;
}
