/* The options of plan and apply, and the view both render (planner/plan_args.h). */
#include "planner/plan_args.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/xalloc.h"
#include "planner/cli.h"
#include "planner/cmd_opts.h"
#include "planner/commands.h"
#include "planner/workspace.h"

enum { O_TARGET = 0x2000, O_EXCLUDE, O_REFRESH, O_AT, O_PCT, O_PATHS, O_SEED, O_DETAILED, O_LOCKTO, O_PAR,
       O_AUTO, O_THREADS, O_FORMAT, O_OUT, O_JSON, O_MAXDEL, O_BASE, O_FAILON };

static const struct option opts[] = {
	{ "target", required_argument, NULL, O_TARGET },
	{ "exclude", required_argument, NULL, O_EXCLUDE },
	{ "refresh", required_argument, NULL, O_REFRESH },
	{ "at", required_argument, NULL, O_AT },
	{ "percentile", required_argument, NULL, O_PCT },
	{ "paths", required_argument, NULL, O_PATHS },
	{ "seed", required_argument, NULL, O_SEED },
	{ "detailed-exitcode", no_argument, NULL, O_DETAILED },
	{ "lock-timeout", required_argument, NULL, O_LOCKTO },
	{ "parallelism", required_argument, NULL, O_PAR },
	{ "auto-approve", no_argument, NULL, O_AUTO },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "out", required_argument, NULL, O_OUT },
	{ "json", no_argument, NULL, O_JSON },
	{ "max-deletes", required_argument, NULL, O_MAXDEL },
	{ "base", required_argument, NULL, O_BASE },
	{ "fail-on", required_argument, NULL, O_FAILON },
	{ "help", no_argument, NULL, 'h' },
	{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
	{ NULL, 0, NULL, 0 },
};

/* What set_opt found wrong with one option. */
enum { OPT_OK, OPT_BAD_VALUE, OPT_UNKNOWN, OPT_PLAN_ONLY, OPT_BAD_GATE };

static int set_percentile(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return end == s || *end || errno || !(*out > 0 && *out < 100) ? -1 : 0;
}

static int set_max_deletes(const char *s, int *out)
{
	if (!strcmp(s, "off")) {
		*out = -1;
		return 0;
	}
	return sp_parse_int(s, 0, 1000000, out);
}

/* Sets what option c (value optarg) says; one of OPT_* (msg, n bytes, says
 * what is wrong with a --fail-on). */
static int set_opt(struct sp_plan_args *a, int c, int is_apply, char *msg, size_t n)
{
	struct sp_plan_opts *o = &a->o;
	int bad = 0;

	switch (c) {
	case O_TARGET: a->targets[a->ntargets++] = optarg; break;
	case O_EXCLUDE: a->excludes[a->nexcludes++] = optarg; break;
	case O_AT: o->at = optarg; break;
	case O_REFRESH: bad = sp_parse_bool(optarg, &o->refresh); break;
	case O_PCT: bad = set_percentile(optarg, &o->percentile); break;
	case O_PATHS: bad = sp_parse_int(optarg, 1, 100000, &o->paths); break;
	case O_SEED: bad = sp_parse_seed(optarg, &o->seed); break;
	case O_THREADS: bad = sp_parse_int(optarg, 1, 64, &o->threads); break;
	case O_MAXDEL: bad = set_max_deletes(optarg, &o->max_deletes); break;
	case O_LOCKTO: bad = sp_parse_duration_ms(optarg, &o->lock_timeout_ms); break;
	case O_PAR: bad = sp_parse_int(optarg, 1, 256, &a->parallelism); break;
	case O_AUTO:
		if (!is_apply)
			return OPT_UNKNOWN;
		a->auto_approve = 1;
		break;
	case O_DETAILED: a->detailed = 1; return is_apply ? OPT_PLAN_ONLY : OPT_OK;
	case O_FORMAT: a->format = optarg; return is_apply ? OPT_PLAN_ONLY : OPT_OK;
	case O_JSON: a->format = "json"; return is_apply ? OPT_PLAN_ONLY : OPT_OK;
	case 'o':
	case O_OUT: a->out = optarg; return is_apply ? OPT_PLAN_ONLY : OPT_OK;
	case O_BASE:
		if (is_apply)
			return OPT_PLAN_ONLY;
		a->base = optarg;
		return *optarg ? OPT_OK : OPT_BAD_VALUE;
	case O_FAILON:
		if (is_apply)
			return OPT_PLAN_ONLY;
		return sp_gates_parse(&a->gates, optarg, msg, n) < 0 ? OPT_BAD_GATE : OPT_OK;
	case SP_OPT_NO_COLOR: break;
	default: return OPT_UNKNOWN;
	}
	return bad ? OPT_BAD_VALUE : OPT_OK;
}

static void set_defaults(struct sp_plan_args *a, int argc)
{
	memset(a, 0, sizeof(*a));
	a->o.refresh = 1;
	a->o.percentile = 50;
	a->o.seed = SP_FC_DEFAULT_SEED;
	a->o.max_deletes = -2;
	a->parallelism = 10;
	a->format = "text";
	a->targets = sp_xcalloc((size_t)argc + 1, sizeof(char *));
	a->excludes = sp_xcalloc((size_t)argc + 1, sizeof(char *));
	a->progress.what = "plan";
	a->progress.last = -1;
	if (isatty(2)) {
		a->o.progress = sp_cli_progress_cb;
		a->o.progress_ctx = &a->progress;
	}
}

int sp_plan_args_parse(struct sp_plan_args *a, const struct sp_cmd *cmd, int argc, char **argv, int *exit_now)
{
	int c, li = -1;
	char msg[256];

	set_defaults(a, argc);
	*exit_now = -1;
	opterr = 0;
	/* Terraform's single-dash long options (-out=FILE, -target=ADDR) work too */
	while ((c = getopt_long_only(argc, argv, ":o:h", opts, &li)) != -1) {
		const char *name = li >= 0 ? opts[li].name : NULL;
		li = -1;
		if (c == 'h') {
			sp_cli_print_usage(stdout, cmd);
			*exit_now = SP_EXIT_OK;
			return -1;
		}
		if (c == ':') {
			*exit_now = sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		}
		switch (set_opt(a, c, cmd == &sp_cmd_apply, msg, sizeof(msg))) {
		case OPT_OK: continue;
		case OPT_BAD_GATE:
			*exit_now = sp_cli_usage_error(cmd, "%s", msg);
			return -1;
		case OPT_BAD_VALUE:
			*exit_now = sp_cli_usage_error(cmd, "invalid value '%s' for option '--%s'", optarg,
						       name ? name : "?");
			return -1;
		case OPT_PLAN_ONLY:
			*exit_now = sp_cli_usage_error(cmd, "option '--%s' is for plan, not apply", name ? name : "out");
			return -1;
		default:
			*exit_now = sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
	}
	if (strcmp(a->format, "text") && strcmp(a->format, "json") && strcmp(a->format, "markdown")) {
		*exit_now = sp_cli_usage_error(cmd, "unknown format '%s'; expected text, json or markdown", a->format);
		return -1;
	}
	if (argc - optind > 1) {
		*exit_now = sp_cli_usage_error(cmd, "too many arguments");
		return -1;
	}
	a->arg = optind < argc ? argv[optind] : NULL;
	a->o.spec_path = a->arg ? a->arg : SP_DEFAULT_SPEC;
	a->o.targets = a->targets;
	a->o.ntargets = a->ntargets;
	a->o.excludes = a->excludes;
	a->o.nexcludes = a->nexcludes;
	return 0;
}

void sp_plan_args_free(struct sp_plan_args *a)
{
	free(a->targets);
	free(a->excludes);
}

void sp_plan_args_view(struct sp_plan_view *v, const struct sp_plan *p, const struct sp_plan_cost *cost)
{
	memset(v, 0, sizeof(*v));
	v->title = p->spec->name;
	v->at = p->at;
	v->percentile = p->forecast->pcts[p->pct];
	v->diff = &p->diff;
	v->cost = cost;
	v->color = sp_cli.color_out;
	v->left_alone = p->left_alone;
	v->nleft_alone = p->nleft_alone;
}
