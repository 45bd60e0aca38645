/* scaleplan plan: show what apply would change, and what it costs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/gates.h"
#include "planner/modeldiff.h"
#include "planner/plan.h"
#include "planner/plan_args.h"
#include "planner/planfile.h"
#include "planner/render_modeldiff.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/fsio.h"

static int save_plan(const struct sp_plan *p, const char *path)
{
	char *doc = NULL;
	struct sp_err err;

	sp_err_clear(&err);
	if (sp_plan_to_json(p, &doc, &err) < 0 || sp_fs_write_atomic(path, doc, strlen(doc), SP_FS_REPLACE, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		free(doc);
		return -1;
	}
	free(doc);
	return 0;
}

/* plan --base: the change from the base's spec to the plan's (planner/modeldiff.h). */
static int make_base(struct sp_modeldiff *md, const struct sp_plan_args *a, struct sp_plan *p)
{
	struct sp_md_request rq;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_cli_progress prog = { "plan --base", 0, -1 };
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.spec_path = a->o.spec_path;
	rq.base_ref = a->base;
	rq.head_spec = p->spec;
	rq.head_graph = p->graph;
	rq.head_catalog = p->catalog;
	rq.o.paths = a->o.paths;
	rq.o.seed = a->o.seed;
	rq.o.percentile = a->o.percentile;
	rq.o.threads = a->o.threads;
	if (a->o.progress) {
		rq.o.progress = sp_cli_progress_cb;
		rq.o.progress_ctx = &prog;
	}
	rc = sp_modeldiff_from_git(md, &rq, &r);
	sp_cli_progress_end(&prog);
	sp_ws_report_print(&r);
	return rc;
}

/* Prints each tripped gate on standard error. */
static void print_tripped(const struct sp_gate_report *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].tripped)
			sp_ws_error("--fail-on %s tripped: %s", g->v[i].name, g->v[i].detail);
}

static int cmd_plan(int argc, char **argv)
{
	struct sp_plan_args a;
	struct sp_plan p;
	struct sp_plan_cost cost;
	struct sp_plan_view v;
	struct sp_modeldiff md;
	struct sp_gate_report gates;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	const struct sp_gate_report *shown = NULL;
	int ret, exit_now, has_base = 0;

	if (sp_plan_args_parse(&a, &sp_cmd_plan, argc, argv, &exit_now) < 0) {
		sp_plan_args_free(&a);
		return exit_now;
	}
	memset(&md, 0, sizeof(md));
	memset(&gates, 0, sizeof(gates));
	ret = sp_plan_make(&p, &a.o, &r);
	sp_cli_progress_end(&a.progress);
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK) {
		if (p.lifecycle_errors)
			sp_ws_error("the plan breaks a lifecycle rule of the spec (above); nothing was saved");
		goto out;
	}
	if (a.base) {
		has_base = 1;
		if (make_base(&md, &a, &p) < 0) {
			ret = SP_EXIT_ERROR;
			goto out;
		}
	}
	sp_plan_cost_fill(&cost, &p);
	if (a.gates.which) {
		if (has_base)
			sp_gates_check_diff(&a.gates, &md, &gates);
		else
			sp_gates_check_plan(&a.gates, p.forecast, p.spec, cost.monthly_before, cost.monthly_after, &gates);
		shown = &gates;
	}
	if (has_base)
		p.base_json = sp_modeldiff_json(&md, shown);
	sp_plan_args_view(&v, &p, &cost);
	if (!strcmp(a.format, "json")) {
		char *doc;
		struct sp_err err;
		sp_err_clear(&err);
		if (sp_plan_to_json(&p, &doc, &err) < 0) {
			sp_ws_print_err(&err, NULL);
			ret = SP_EXIT_ERROR;
			goto out;
		}
		fputs(doc, stdout);
		free(doc);
	} else if (!strcmp(a.format, "markdown")) {
		/* the change from the base leads, with the gates; the plan gets what is left */
		struct sp_sb sb = SP_SB_INIT;
		if (has_base) {
			sp_render_modeldiff_markdown(&sb, &md, shown, SP_PLAN_MARKDOWN_MAX * 2 / 5);
			sp_sb_adds(&sb, "\n");
		} else {
			sp_render_gates_markdown(&sb, shown);
		}
		sp_render_plan_markdown(&sb, &v, SP_PLAN_MARKDOWN_MAX - sb.len);
		fwrite(sb.buf, 1, sb.len, stdout);
		sp_sb_release(&sb);
	} else {
		struct sp_sb sb = SP_SB_INIT;
		if (has_base) {
			sp_render_modeldiff_text(&sb, &md, NULL);
			sp_sb_adds(&sb, "\n");
			fwrite(sb.buf, 1, sb.len, stdout);
		}
		sp_render_plan_text(stdout, &v);
		sp_sb_reset(&sb);
		sp_render_gates_text(&sb, shown);
		fwrite(sb.buf, 1, sb.len, stdout);
		sp_sb_release(&sb);
	}
	char from[300];
	int max = sp_plan_max_deletes(&a.o, p.spec, from, sizeof(from));
	ret = sp_plan_check_deletes(&p.diff, max, from, a.out ? "the plan was not saved" : "refusing this plan", &r);
	sp_ws_report_print(&r);
	if (ret != 0)
		goto out;
	if (gates.tripped) {
		print_tripped(&gates);
		if (a.out)
			sp_ws_error("a --fail-on gate tripped; the plan was not saved");
		ret = SP_EXIT_GATE;
		goto out;
	}
	if (a.out) {
		if (save_plan(&p, a.out) < 0) {
			ret = SP_EXIT_ERROR;
			goto out;
		}
		if (!strcmp(a.format, "text"))
			printf("\nSaved the plan to %s; apply exactly this plan with: scaleplan apply %s\n", a.out, a.out);
	}
	if (a.detailed && p.diff.n > p.diff.counts[SP_ACT_NOOP])
		ret = SP_EXIT_CHANGES;
out:
	json_decref(p.base_json);
	p.base_json = NULL;
	sp_modeldiff_free(&md);
	sp_plan_free(&p);
	sp_plan_args_free(&a);
	return ret;
}

const struct sp_cmd sp_cmd_plan = {
	"plan", cmd_plan, "show what apply would change, and what it costs",
	"usage: scaleplan plan [OPTIONS] [FILE|DIR]\n"
	"\n"
	"Builds the desired state for one month from the capacity model (one resource\n"
	"per component and region), refreshes the current state from the provider, and\n"
	"prints the difference: + create, ~ update, -/+ replace, - delete, with every\n"
	"changed attribute as old -> new, a summary line, the monthly cost before and\n"
	"after, and the cost over the whole horizon with its p10-p90 band.\n"
	"\n"
	"  -o, --out FILE          save the plan for 'scaleplan apply FILE' (with the\n"
	"                          state's lineage and serial and the spec's digest)\n"
	"      --format FMT        text (default), json (docs/plan-format.md) or markdown\n"
	"                          (a pull-request comment, under 65,000 characters)\n"
	"      --json              the same as --format json\n"
	"      --at YYYY-MM        the month to provision for (default: this month plus\n"
	"                          horizon.lead_time_months; SCALEPLAN_NOW overrides now)\n"
	"      --percentile P      size for the P-th percentile of demand (default 50)\n"
	"      --target ADDR       only this resource, component (service.api) or type;\n"
	"                          repeatable\n"
	"      --exclude ADDR      leave this resource, component or type alone; repeatable\n"
	"      --refresh=false     trust the state instead of reading the provider\n"
	"      --detailed-exitcode exit 2 when there are changes\n"
	"      --base REF          lead with what the change from the spec at REF (read\n"
	"                          from git with no checkout) does to the model, as\n"
	"                          'scaleplan diff --base REF' shows it\n"
	"      --fail-on GATE      exit 4 when GATE trips: budget (a budget breached),\n"
	"                          slo-risk (an SLO at risk) or cost-increase=PCT (the\n"
	"                          monthly cost up more than PCT %); with --base, what\n"
	"                          the change does (as diff); repeatable\n"
	"      --max-deletes N     refuse a plan that destroys (deletes or replaces) more\n"
	"                          than N resources (default: the spec's\n"
	"                          lifecycle.max_deletes, else no limit; 'off': no limit)\n"
	"      --paths N           Monte Carlo paths of the cost model (default 200)\n"
	"      --seed S            random seed (default 20270101)\n"
	"      --threads N         threads for the model (default 2)\n"
	"      --no-color          no colour\n"
	"  -h, --help              show this help\n"
	"\n"
	"Options also work with one dash, as in -out=FILE or -target=ADDR.\n"
	"Exit status: 0 success (with --detailed-exitcode: no changes), 1 error or a\n"
	"usage error, 2 changes present (with --detailed-exitcode), 3 more resources\n"
	"destroyed than --max-deletes allows (nothing saved), 4 a --fail-on gate\n"
	"tripped (nothing saved).\n",
};
