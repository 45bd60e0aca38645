/* The planner's workspace (planner/workspace.c): how an sp_err is worded as
 * a diagnostic, the report a step returns in order, where the state and the
 * provider are, "now"; and what the plan pipeline and the shared options of
 * plan and apply return instead of printing (planner/plan.c, plan_args.c). */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "planner/commands.h"
#include "planner/plan.h"
#include "planner/plan_args.h"
#include "planner/workspace.h"

Suite *suite_workspace(void);

/* What sp_diags_print writes for d, without colour (malloc'd). */
static char *printed(const struct sp_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	sp_diags_print(f, d, 0);
	fclose(f);
	return buf;
}

/* The words of e as the one error printer puts them. */
static char *worded(const struct sp_err *e, const struct sp_src *src)
{
	struct sp_diags d;
	char *s;

	sp_diags_init(&d);
	sp_ws_err_diag(&d, e, src);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.nerrors, 1);
	s = printed(&d);
	sp_diags_free(&d);
	return s;
}

START_TEST(test_err_forms)
{
	static const char text[] = "{\n  \"a\": [1,,2]\n}\n";
	struct sp_src src = { "plan.json", text, sizeof(text) - 1 };
	struct sp_err e;
	char *s;

	/* no file: the message alone */
	sp_err_set(&e, SP_EINVAL, NULL, 0, 0, "bad thing");
	s = worded(&e, NULL);
	ck_assert_str_eq(s, "scaleplan: error: bad thing\n");
	free(s);
	/* a file and no line: the file before the message */
	sp_err_set(&e, SP_EINVAL, ".scaleplan/state.json", 0, 0, "missing key 'lineage'");
	s = worded(&e, NULL);
	ck_assert_str_eq(s, "scaleplan: error: .scaleplan/state.json: missing key 'lineage'\n");
	free(s);
	/* a line, and no text at hand: the place with the prefix, no excerpt */
	sp_err_set(&e, SP_EINVAL, "state.json", 3, 14, "invalid JSON: unexpected token near 'oops'");
	s = worded(&e, NULL);
	ck_assert_str_eq(s, "scaleplan: state.json:3:14: error: invalid JSON: unexpected token near 'oops'\n");
	free(s);
	/* the text of another file is not this file's */
	s = worded(&e, &src);
	ck_assert_str_eq(s, "scaleplan: state.json:3:14: error: invalid JSON: unexpected token near 'oops'\n");
	free(s);
	/* the file's own text: its line and a caret under the column */
	sp_err_set(&e, SP_EINVAL, "plan.json", 2, 11, "not a plan file: unexpected token near ','");
	s = worded(&e, &src);
	ck_assert_str_eq(s, "scaleplan: plan.json:2:11: error: not a plan file: unexpected token near ','\n"
			    "    2 |   \"a\": [1,,2]\n"
			    "      |           ^\n");
	free(s);
	/* no column: FILE:LINE */
	sp_err_set(&e, SP_ECORRUPT, ".scaleplan/state.json.journal", 2, 0, "damaged journal record");
	s = worded(&e, NULL);
	ck_assert_str_eq(s, "scaleplan: .scaleplan/state.json.journal:2: error: damaged journal record\n");
	free(s);
}
END_TEST

START_TEST(test_report_order)
{
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_pos none = { NULL, 0, 0 };
	struct sp_lock_info holder;
	struct sp_err e;

	/* text with no batch yet opens an empty one */
	sp_ws_report_text(&r, "scaleplan: warning: %s\n", "first");
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.v[0].diags.n, 0);
	ck_assert_str_eq(r.v[0].text.buf, "scaleplan: warning: first\n");
	/* a batch a step fills, then text after it */
	sp_warn(sp_ws_report_diags(&r), none, "a warning");
	sp_ws_report_text(&r, "after the warning\n");
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.v[1].diags.nwarnings, 1);
	ck_assert_str_eq(r.v[1].text.buf, "after the warning\n");
	/* an error of its own */
	sp_ws_report_error(&r, "cannot build the desired state for %s", "2027-02");
	ck_assert_uint_eq(r.n, 3);
	ck_assert_uint_eq(r.v[2].diags.nerrors, 1);
	ck_assert_str_eq(r.v[2].diags.v[0].msg, "cannot build the desired state for 2027-02");
	ck_assert_str_eq(r.v[2].text.buf, "");
	/* a lock held by another command: the error, then who holds it */
	memset(&holder, 0, sizeof(holder));
	snprintf(holder.id, sizeof(holder.id), "%s", "4b1c");
	snprintf(holder.operation, sizeof(holder.operation), "%s", "apply");
	holder.pid = 42;
	sp_err_set(&e, SP_ELOCKED, "", 0, 0, "the state is locked by another command");
	sp_ws_report_lock_err(&r, &e, &holder);
	ck_assert_uint_eq(r.n, 4);
	ck_assert_str_eq(r.v[3].diags.v[0].msg, "the state is locked by another command");
	ck_assert_ptr_nonnull(strstr(r.v[3].text.buf, "  lock ID:   4b1c\n"));
	ck_assert_ptr_nonnull(strstr(r.v[3].text.buf, "  operation: apply\n"));
	ck_assert_ptr_nonnull(strstr(r.v[3].text.buf, "  process:   42 on \n"));
	/* any other lock error has no holder lines */
	holder.id[0] = '\0';
	sp_err_set(&e, SP_EIO, "s.json.lock", 0, 0, "cannot open: Permission denied");
	sp_ws_report_lock_err(&r, &e, &holder);
	ck_assert_uint_eq(r.n, 5);
	ck_assert_str_eq(r.v[4].text.buf, "");
	sp_ws_report_free(&r);
	ck_assert_uint_eq(r.n, 0);
	ck_assert_ptr_null(r.v);
}
END_TEST

START_TEST(test_where_and_openers)
{
	struct sp_ws_where w;
	struct sp_spec spec;
	struct sp_backend *b = NULL;
	struct sp_provider *p = NULL;
	struct sp_err e;

	sp_ws_where_of(&w, NULL);
	ck_assert_str_eq(w.state.backend, "local");
	ck_assert_str_eq(w.state.path, SP_DEFAULT_STATE);
	ck_assert_str_eq(w.provider.kind, "local");
	ck_assert_str_eq(w.provider.path, SP_DEFAULT_INFRA);
	memset(&spec, 0, sizeof(spec));
	sp_state_cfg_init(&spec.state, NULL, NULL);
	sp_provider_cfg_init(&spec.provider);
	spec.state.backend = "etcd";
	spec.provider.kind = "aws";
	sp_ws_where_of(&w, &spec);
	ck_assert_str_eq(w.state.backend, "etcd");
	ck_assert_str_eq(w.state.prefix, "scaleplan/default");
	ck_assert_int_eq(w.state.lock_ttl_s, 60);
	ck_assert_str_eq(w.provider.kind, "aws");
	/* an option naming a file makes that side local */
	sp_ws_where_local_state(&w, "st/state.json");
	ck_assert_str_eq(w.state.backend, "local");
	ck_assert_str_eq(w.state.path, "st/state.json");
	/* kinds this build does not have are refused by name, nothing opened */
	sp_err_clear(&e);
	ck_assert_int_eq(sp_provider_open(&p, &w.provider, &e), -1);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(e.msg, "provider 'aws' is not available in this build");
	sp_err_clear(&e);
	w.state.backend = "s3";
	ck_assert_int_eq(sp_backend_open(&b, &w.state, &e), -1);
	ck_assert_ptr_null(b);
	ck_assert_str_eq(e.msg, "state backend 's3' is not available in this build");
}
END_TEST

START_TEST(test_now)
{
	sp_month m = 0;
	struct sp_err e;

	sp_err_clear(&e);
	setenv("SCALEPLAN_NOW", "2028-03", 1);
	ck_assert_int_eq(sp_ws_now(&m, &e), 0);
	ck_assert_int_eq(m, 2028 * 12 + 2);
	setenv("SCALEPLAN_NOW", "March", 1);
	ck_assert_int_eq(sp_ws_now(&m, &e), -1);
	ck_assert_str_eq(e.msg, "SCALEPLAN_NOW='March' is not a month in YYYY-MM form");
	unsetenv("SCALEPLAN_NOW");
	sp_err_clear(&e);
	ck_assert_int_eq(sp_ws_now(&m, &e), 0);
	ck_assert_int_gt(m, 2020 * 12);
}
END_TEST

START_TEST(test_check_deletes)
{
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_diff d;

	memset(&d, 0, sizeof(d));
	d.counts[SP_ACT_DELETE] = 2;
	d.counts[SP_ACT_REPLACE] = 1;
	/* within the limit, or no limit: nothing said */
	ck_assert_int_eq(sp_plan_check_deletes(&d, 3, "--max-deletes", "nothing was changed", &r), 0);
	ck_assert_int_eq(sp_plan_check_deletes(&d, -1, "--max-deletes", "nothing was changed", &r), 0);
	ck_assert_uint_eq(r.n, 0);
	/* over it: the error and what to do, returned, not printed */
	ck_assert_int_eq(sp_plan_check_deletes(&d, 2, "--max-deletes", "nothing was changed", &r), SP_EXIT_DELETES);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.v[0].diags.v[0].msg, "this plan destroys 3 resources (2 deleted, 1 replaced), more than "
						  "the 2 that --max-deletes allows; nothing was changed");
	ck_assert_str_eq(r.v[0].text.buf, "Check that these deletions are intended (the plan above lists them), "
					  "then allow them for this run with --max-deletes 3.\n");
	sp_ws_report_free(&r);
}
END_TEST

/* Parses a command line of plan or apply (words split at spaces). */
static int parse(struct sp_plan_args *a, const struct sp_cmd *cmd, char *line, int *exit_now)
{
	static char *argv[32];
	int argc = 0;

	for (char *w = strtok(line, " "); w && argc < 31; w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	optind = 0;
	return sp_plan_args_parse(a, cmd, argc, argv, exit_now);
}

START_TEST(test_plan_args)
{
	struct sp_plan_args a;
	char l1[] = "plan -out=p.json -target=service.api --exclude datastore --at 2028-01 --percentile 90 "
		    "--refresh=false --max-deletes off --paths 300 --seed 7 --threads 3 --json s.yaml";
	char l2[] = "apply --auto-approve --parallelism 4 --lock-timeout 2s --max-deletes 5 p.json";
	char l3[] = "plan";
	int exit_now;

	ck_assert_int_eq(parse(&a, &sp_cmd_plan, l1, &exit_now), 0);
	ck_assert_str_eq(a.out, "p.json");
	ck_assert_uint_eq(a.o.ntargets, 1);
	ck_assert_str_eq(a.o.targets[0], "service.api");
	ck_assert_uint_eq(a.o.nexcludes, 1);
	ck_assert_str_eq(a.o.excludes[0], "datastore");
	ck_assert_str_eq(a.o.at, "2028-01");
	ck_assert(a.o.percentile == 90);
	ck_assert_int_eq(a.o.refresh, 0);
	ck_assert_int_eq(a.o.max_deletes, -1);
	ck_assert_int_eq(a.o.paths, 300);
	ck_assert_uint_eq(a.o.seed, 7);
	ck_assert_int_eq(a.o.threads, 3);
	ck_assert_str_eq(a.format, "json");
	ck_assert_str_eq(a.o.spec_path, "s.yaml");
	sp_plan_args_free(&a);

	ck_assert_int_eq(parse(&a, &sp_cmd_apply, l2, &exit_now), 0);
	ck_assert_int_eq(a.auto_approve, 1);
	ck_assert_int_eq(a.parallelism, 4);
	ck_assert_int_eq(a.o.lock_timeout_ms, 2000);
	ck_assert_int_eq(a.o.max_deletes, 5);
	ck_assert_str_eq(a.arg, "p.json");
	sp_plan_args_free(&a);

	/* the defaults */
	ck_assert_int_eq(parse(&a, &sp_cmd_plan, l3, &exit_now), 0);
	ck_assert_ptr_null(a.arg);
	ck_assert_str_eq(a.o.spec_path, SP_DEFAULT_SPEC);
	ck_assert_str_eq(a.format, "text");
	ck_assert_int_eq(a.o.refresh, 1);
	ck_assert_int_eq(a.o.max_deletes, -2);
	ck_assert_int_eq(a.parallelism, 10);
	sp_plan_args_free(&a);
}
END_TEST

Suite *suite_workspace(void)
{
	Suite *s = suite_create("workspace");
	TCase *tc = tcase_create("workspace");

	tcase_add_test(tc, test_err_forms);
	tcase_add_test(tc, test_report_order);
	tcase_add_test(tc, test_where_and_openers);
	tcase_add_test(tc, test_now);
	tcase_add_test(tc, test_check_deletes);
	tcase_add_test(tc, test_plan_args);
	suite_add_tcase(s, tc);
	return s;
}
