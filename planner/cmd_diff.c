/* scaleplan diff: what a change to the spec (a pull request) does to the
 * model, the base read from git's object database with no checkout. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/json.h"
#include "lib/strbuf.h"
#include "planner/cli.h"
#include "planner/cmd_opts.h"
#include "planner/commands.h"
#include "planner/gates.h"
#include "planner/modeldiff.h"
#include "planner/render_modeldiff.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/fsio.h"

enum { O_BASE = 0x2000, O_HEAD, O_WORKTREE, O_FORMAT, O_JSON, O_PCT, O_PATHS, O_SEED, O_THREADS, O_FAIL, O_OUT };

struct diff_args {
	struct sp_md_request rq;
	const char *format;
	const char *out;                  /* -o FILE, or NULL: standard output */
	int worktree;
	struct sp_gates gates;
};

/* Returns 0, or -1 with *exit_now the exit code (help, or a usage error printed). */
static int parse_args(struct diff_args *a, int argc, char **argv, int *exit_now)
{
	static const struct option opts[] = {
		{ "base", required_argument, NULL, O_BASE },
		{ "head", required_argument, NULL, O_HEAD },
		{ "worktree", no_argument, NULL, O_WORKTREE },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "json", no_argument, NULL, O_JSON },
		{ "percentile", required_argument, NULL, O_PCT },
		{ "paths", required_argument, NULL, O_PATHS },
		{ "seed", required_argument, NULL, O_SEED },
		{ "threads", required_argument, NULL, O_THREADS },
		{ "fail-on", required_argument, NULL, O_FAIL },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const struct sp_cmd *cmd = &sp_cmd_diff;
	char msg[256];
	int c, li = -1;

	memset(a, 0, sizeof(*a));
	a->format = "text";
	a->rq.o.seed = SP_FC_DEFAULT_SEED;
	a->rq.o.percentile = 50;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":ho:", opts, &li)) != -1) {
		const char *name = li >= 0 ? opts[li].name : "?";
		int bad = 0;
		li = -1;
		switch (c) {
		case 'h':
			sp_cli_print_usage(stdout, cmd);
			*exit_now = SP_EXIT_OK;
			return -1;
		case O_BASE: a->rq.base_ref = optarg; break;
		case O_HEAD: a->rq.head_ref = optarg; break;
		case O_WORKTREE: a->worktree = 1; break;
		case 'o': a->out = optarg; bad = !*optarg; break;
		case O_FORMAT: a->format = optarg; break;
		case O_JSON: a->format = "json"; break;
		case O_PCT: {
			char *end;
			double v = strtod(optarg, &end);
			bad = end == optarg || *end || !(v > 0 && v < 100);
			if (!bad)
				a->rq.o.percentile = v;
			break;
		}
		case O_PATHS: bad = sp_parse_int(optarg, 1, 100000, &a->rq.o.paths); break;
		case O_SEED: bad = sp_parse_seed(optarg, &a->rq.o.seed); break;
		case O_THREADS: bad = sp_parse_int(optarg, 1, 64, &a->rq.o.threads); break;
		case O_FAIL:
			if (sp_gates_parse(&a->gates, optarg, msg, sizeof(msg)) < 0) {
				*exit_now = sp_cli_usage_error(cmd, "%s", msg);
				return -1;
			}
			break;
		case SP_OPT_NO_COLOR: break;
		case ':': *exit_now = sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]); return -1;
		default: *exit_now = sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]); return -1;
		}
		if (bad) {
			*exit_now = sp_cli_usage_error(cmd, "invalid value '%s' for option '--%s'", optarg, name);
			return -1;
		}
	}
	if (strcmp(a->format, "text") && strcmp(a->format, "json") && strcmp(a->format, "markdown"))
		*exit_now = sp_cli_usage_error(cmd, "unknown format '%s'; expected text, json or markdown", a->format);
	else if (a->rq.head_ref && a->worktree)
		*exit_now = sp_cli_usage_error(cmd, "--head and --worktree name two heads; give one");
	else if ((a->rq.base_ref && !*a->rq.base_ref) || (a->rq.head_ref && !*a->rq.head_ref))
		*exit_now = sp_cli_usage_error(cmd, "--base and --head need a revision");
	else if (argc - optind > 1)
		*exit_now = sp_cli_usage_error(cmd, "too many arguments");
	else
		*exit_now = -1;
	if (*exit_now >= 0)
		return -1;
	a->rq.spec_path = optind < argc ? argv[optind] : SP_DEFAULT_SPEC;
	return 0;
}

/* Prints each tripped gate on standard error; returns SP_EXIT_GATE when one tripped. */
static int gates_exit(const struct sp_gate_report *g)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].tripped)
			sp_ws_error("--fail-on %s tripped: %s", g->v[i].name, g->v[i].detail);
	return g->tripped ? SP_EXIT_GATE : SP_EXIT_OK;
}

static int cmd_diff(int argc, char **argv)
{
	struct diff_args a;
	struct sp_modeldiff md;
	struct sp_gate_report gates;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_cli_progress prog = { "diff", 0, -1 };
	struct sp_sb sb = SP_SB_INIT;
	int ret;

	if (parse_args(&a, argc, argv, &ret) < 0)
		return ret;
	if (isatty(2)) {
		a.rq.o.progress = sp_cli_progress_cb;
		a.rq.o.progress_ctx = &prog;
	}
	ret = sp_modeldiff_from_git(&md, &a.rq, &r) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_cli_progress_end(&prog);
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		goto out;
	memset(&gates, 0, sizeof(gates));
	if (a.gates.which)
		sp_gates_check_diff(&a.gates, &md, &gates);
	if (!strcmp(a.format, "json")) {
		json_t *doc = sp_modeldiff_json(&md, a.gates.which ? &gates : NULL);
		char *text = NULL;
		struct sp_err err;
		sp_err_clear(&err);
		if (sp_json_dump(doc, SP_JSON_ASCII, &text, &err) < 0) {
			sp_ws_print_err(&err, NULL);
			ret = SP_EXIT_ERROR;
		} else {
			sp_sb_adds(&sb, text);
		}
		free(text);
		json_decref(doc);
	} else if (!strcmp(a.format, "markdown")) {
		sp_render_modeldiff_markdown(&sb, &md, a.gates.which ? &gates : NULL, SP_PLAN_MARKDOWN_MAX);
	} else {
		sp_render_modeldiff_text(&sb, &md, a.gates.which ? &gates : NULL);
	}
	if (ret == SP_EXIT_OK && a.out) {
		/* whole or not at all: a reader never sees half a file */
		struct sp_err err;
		sp_err_clear(&err);
		if (sp_fs_write_atomic(a.out, sb.buf, sb.len, SP_FS_REPLACE, &err) < 0) {
			sp_ws_print_err(&err, NULL);
			ret = SP_EXIT_ERROR;
		}
	} else if (ret == SP_EXIT_OK) {
		fwrite(sb.buf, 1, sb.len, stdout);
	}
	if (ret == SP_EXIT_OK)
		ret = gates_exit(&gates);
out:
	sp_sb_release(&sb);
	sp_modeldiff_free(&md);
	return ret;
}

const struct sp_cmd sp_cmd_diff = {
	"diff", cmd_diff, "what a change to the spec does to capacity and cost (pull requests)",
	"usage: scaleplan diff [--base REF] [--head REF|--worktree] [OPTIONS] [FILE|DIR]\n"
	"\n"
	"Compares the spec at a base revision, read from git's object database with no\n"
	"checkout, with the spec in the work tree (or at --head REF): components added,\n"
	"removed, changed (with the spec keys that changed) and resized, capacity in the\n"
	"horizon's first and last month, the monthly cost now, the horizon's cost at\n"
	"p10, p50 and p90 and their change, budgets newly breached and SLOs newly at\n"
	"risk. Both sides run with the same seed, paths and horizon (the head's), so an\n"
	"unchanged spec shows no change. Fields: docs/diff-format.md.\n"
	"\n"
	"      --base REF        the base: a branch, tag or commit (default: the merge\n"
	"                        base of HEAD with $GITHUB_BASE_REF, else with\n"
	"                        $CI_MERGE_REQUEST_TARGET_BRANCH_NAME, else with the\n"
	"                        default branch: origin/HEAD, main or master)\n"
	"      --head REF        compare with the spec at REF instead of the work tree\n"
	"      --worktree        compare with the work tree (the default)\n"
	"      --format FMT      text (default), json or markdown (a pull-request\n"
	"                        comment, under 65,000 characters)\n"
	"      --json            the same as --format json\n"
	"  -o, --out FILE        write the output to FILE (replaced whole, atomically)\n"
	"                        instead of standard output\n"
	"      --fail-on GATE    exit 4 when GATE trips: budget (a budget newly\n"
	"                        breached), slo-risk (an SLO newly at risk) or\n"
	"                        cost-increase=PCT (the horizon's p50 cost up more than\n"
	"                        PCT %); repeatable, or comma-separated\n"
	"      --percentile P    capacity and monthly cost at the P-th percentile\n"
	"                        (default 50)\n"
	"      --paths N         Monte Carlo paths (default 200)\n"
	"      --seed S          random seed (default 20270101)\n"
	"      --threads N       threads for the model (default 2)\n"
	"      --no-color        no colour\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done, 1 error or a usage error, 4 a --fail-on gate tripped.\n",
};
