/* scaleplan roadmap: milestones and decision triggers over the horizon,
 * strategic (years) and tactical (quarters), as text, markdown or JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "model/forecast.h"
#include "model/roadmap.h"
#include "planner/cli.h"
#include "planner/cmd_opts.h"
#include "planner/commands.h"
#include "planner/render_roadmap.h"
#include "planner/workspace.h"
#include "providers/catalog.h"
#include "providers/fsio.h"

#define MAX_PATHS 100000
#define MAX_THREADS 64

enum { OPT_PCT = 0x2000, OPT_FROM, OPT_UNTIL, OPT_QUARTERS, OPT_ALERT, OPT_PATHS, OPT_SEED, OPT_THREADS };

struct roadmap_args {
	const char *format, *out, *path, *from, *until;
	struct sp_roadmap_opts ro;
	struct sp_forecast_opts fo;
	char sev[SP_RM_MAX_ALERTS][32];   /* the severities of --alert */
};

/* "90", "99.5": a number above 0 and below 100. */
static int parse_pct(const char *s, double *out)
{
	char *end;
	double v;
	if (!*s || *s == ' ' || *s == '+' || *s == '-')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || !(v > 0 && v < 100))
		return -1;
	*out = v;
	return 0;
}

/* "5m", "1h", "3d" (minutes, hours, days) into minutes; digits then one unit. */
static int parse_window(const char *s, size_t len, int *out)
{
	long v = 0;
	size_t i = 0;
	if (len < 2)
		return -1;
	for (; i + 1 < len; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 1000000)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	switch (s[len - 1]) {
	case 'm': break;
	case 'h': v *= 60; break;
	case 'd': v *= 1440; break;
	default: return -1;
	}
	if (v <= 0 || v > SP_RM_SLO_PERIOD_H * 60)
		return -1;
	*out = (int)v;
	return 0;
}

/* "page:14.4:1h:5m": a severity (letters, digits, '-' and '_'), the burn
 * rate, the long and the short window. Returns 0, or -1 with the reason. */
static int parse_alert(const char *s, struct sp_rm_alert *a, char *sev, size_t sevlen, const char **why)
{
	const char *p[4];
	size_t len[4];
	const char *q = s;
	char num[64], *end;

	for (int i = 0; i < 4; i++) {
		const char *c = strchr(q, ':');
		p[i] = q;
		len[i] = c ? (size_t)(c - q) : strlen(q);
		if ((i < 3 && !c) || (i == 3 && c)) {
			*why = "expected SEVERITY:RATE:LONG:SHORT, such as page:14.4:1h:5m";
			return -1;
		}
		q = c ? c + 1 : q + len[i];
	}
	if (len[0] == 0 || len[0] >= sevlen) {
		*why = "the severity must be 1 to 31 characters";
		return -1;
	}
	for (size_t i = 0; i < len[0]; i++) {
		char c = p[0][i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			*why = "the severity takes letters, digits, '-' and '_'";
			return -1;
		}
	}
	memcpy(sev, p[0], len[0]);
	sev[len[0]] = '\0';
	if (len[1] == 0 || len[1] >= sizeof(num) || p[1][0] == '+' || p[1][0] == '-' || p[1][0] == ' ') {
		*why = "the burn rate must be a number above 0";
		return -1;
	}
	memcpy(num, p[1], len[1]);
	num[len[1]] = '\0';
	errno = 0;
	a->burn_rate = strtod(num, &end);
	if (*end || errno || !isfinite(a->burn_rate) || !(a->burn_rate > 0)) {
		*why = "the burn rate must be a number above 0";
		return -1;
	}
	if (parse_window(p[2], len[2], &a->long_min) < 0 || parse_window(p[3], len[3], &a->short_min) < 0) {
		*why = "a window is a whole number of minutes, hours or days (5m, 1h, 3d), at most 30 days";
		return -1;
	}
	if (a->short_min >= a->long_min) {
		*why = "the short window must be shorter than the long one";
		return -1;
	}
	a->severity = sev;
	return 0;
}

static int set_opt(struct roadmap_args *a, int c, char **argv)
{
	const struct sp_cmd *cmd = &sp_cmd_roadmap;
	const char *why;
	long v;

	switch (c) {
	case OPT_PCT:
		if (parse_pct(optarg, &a->ro.pct) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --percentile: expected a number above 0 and below 100",
						  optarg);
		return SP_EXIT_OK;
	case OPT_FROM: a->from = optarg; return SP_EXIT_OK;
	case OPT_UNTIL: a->until = optarg; return SP_EXIT_OK;
	case OPT_QUARTERS:
		if (sp_parse_int(optarg, SP_RM_MIN_QUARTERS, SP_RM_MAX_QUARTERS, &a->ro.quarters) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --quarters: expected a whole number from %d to %d",
						  optarg, SP_RM_MIN_QUARTERS, SP_RM_MAX_QUARTERS);
		return SP_EXIT_OK;
	case OPT_ALERT:
		if (a->ro.nalerts == SP_RM_MAX_ALERTS)
			return sp_cli_usage_error(cmd, "too many --alert options: at most %d", SP_RM_MAX_ALERTS);
		if (parse_alert(optarg, &a->ro.alerts[a->ro.nalerts], a->sev[a->ro.nalerts], sizeof(a->sev[0]), &why) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --alert: %s", optarg, why);
		a->ro.nalerts++;
		return SP_EXIT_OK;
	case OPT_PATHS:
		if (sp_parse_count(optarg, 1, MAX_PATHS, &v) < 0 || *optarg < '0' || *optarg > '9')
			return sp_cli_usage_error(cmd, "invalid value '%s' for --paths: expected a whole number from 1 to %d", optarg,
						  MAX_PATHS);
		a->fo.paths = (int)v;
		return SP_EXIT_OK;
	case OPT_THREADS:
		if (sp_parse_count(optarg, 1, MAX_THREADS, &v) < 0 || *optarg < '0' || *optarg > '9')
			return sp_cli_usage_error(cmd, "invalid value '%s' for --threads: expected a whole number from 1 to %d",
						  optarg, MAX_THREADS);
		a->fo.threads = (int)v;
		return SP_EXIT_OK;
	case OPT_SEED:
		if (sp_parse_seed(optarg, &a->fo.seed) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --seed: expected a whole number from 0 to %" PRIu64,
						  optarg, UINT64_MAX);
		return SP_EXIT_OK;
	case 'f': a->format = optarg; return SP_EXIT_OK;
	case 'o': a->out = optarg; return SP_EXIT_OK;
	case SP_OPT_NO_COLOR: return SP_EXIT_OK;
	case ':': return sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	default: return sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

/* Returns 0, or -1 with *exit_now the exit code (help or a usage error printed). */
static int parse_args(struct roadmap_args *a, int argc, char **argv, int *exit_now)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "percentile", required_argument, NULL, OPT_PCT },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "quarters", required_argument, NULL, OPT_QUARTERS },
		{ "alert", required_argument, NULL, OPT_ALERT },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const struct sp_cmd *cmd = &sp_cmd_roadmap;
	sp_month m;
	int c;

	memset(a, 0, sizeof(*a));
	a->format = "text";
	a->path = SP_DEFAULT_SPEC;
	a->ro.pct = SP_RM_DEFAULT_PCT;
	a->ro.from = a->ro.until = SP_NO_MONTH;
	a->ro.quarters = SP_RM_DEFAULT_QUARTERS;
	a->fo.paths = SP_FC_DEFAULT_PATHS;
	a->fo.seed = SP_FC_DEFAULT_SEED;
	a->fo.threads = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		if (c == 'h') {
			sp_cli_print_usage(stdout, cmd);
			*exit_now = SP_EXIT_OK;
			return -1;
		}
		if ((*exit_now = set_opt(a, c, argv)) != SP_EXIT_OK)
			return -1;
	}
	*exit_now = -1;
	if (strcmp(a->format, "text") && strcmp(a->format, "markdown") && strcmp(a->format, "json"))
		*exit_now = sp_cli_usage_error(cmd, "unknown format '%s'; expected text, markdown or json", a->format);
	else if (a->from && sp_month_parse(a->from, &m) < 0)
		*exit_now = sp_cli_usage_error(cmd, "invalid value '%s' for --from: expected a month such as 2028-01", a->from);
	else if (a->until && sp_month_parse(a->until, &m) < 0)
		*exit_now = sp_cli_usage_error(cmd, "invalid value '%s' for --until: expected a month such as 2029-12", a->until);
	else if (argc - optind > 1)
		*exit_now = sp_cli_usage_error(cmd, "too many arguments");
	else if (a->out && !*a->out)
		*exit_now = sp_cli_usage_error(cmd, "option '-o' needs a file name");
	if (*exit_now >= 0)
		return -1;
	if (a->from)
		sp_month_parse(a->from, &a->ro.from);
	if (a->until)
		sp_month_parse(a->until, &a->ro.until);
	if (optind < argc)
		a->path = argv[optind];
	return 0;
}

/* The window against the spec's horizon: a usage error when a month falls
 * outside it or the two are reversed; SP_EXIT_OK otherwise. */
static int check_window(const struct roadmap_args *a, const struct sp_spec *spec)
{
	sp_month end = spec->start + spec->months - 1;
	char s[16], e[16];

	sp_month_format(spec->start, s);
	sp_month_format(end, e);
	if (a->ro.from != SP_NO_MONTH && (a->ro.from < spec->start || a->ro.from > end))
		return sp_cli_usage_error(&sp_cmd_roadmap, "--from %s is outside the spec's horizon %s..%s", a->from, s, e);
	if (a->ro.until != SP_NO_MONTH && (a->ro.until < spec->start || a->ro.until > end))
		return sp_cli_usage_error(&sp_cmd_roadmap, "--until %s is outside the spec's horizon %s..%s", a->until, s, e);
	if (a->ro.from != SP_NO_MONTH && a->ro.until != SP_NO_MONTH && a->ro.from > a->ro.until)
		return sp_cli_usage_error(&sp_cmd_roadmap, "--from %s comes after --until %s", a->from, a->until);
	return SP_EXIT_OK;
}

/* Where the roadmap goes: standard output; a device or a pipe, written in
 * place; or a file, written whole (temporary file, fsync, rename) or not at all. */
struct sink {
	const char *name;
	FILE *f;
	int atomic;
	char *buf;
	size_t len;
};

static int sink_open(struct sink *s, const char *out)
{
	struct stat st;
	memset(s, 0, sizeof(*s));
	s->f = stdout;
	if (!out || !strcmp(out, "-"))
		return 0;
	s->name = out;
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		s->f = fopen(out, "wb");
	} else {
		char *dir = sp_fs_dirname(out);
		int ok = access(dir, W_OK | X_OK) == 0;
		free(dir);
		s->atomic = 1;
		s->f = ok ? open_memstream(&s->buf, &s->len) : NULL;
	}
	if (!s->f) {
		sp_ws_error("cannot create '%s': %s", out, strerror(errno));
		return -1;
	}
	return 0;
}

static int sink_close(struct sink *s, int ok)
{
	struct sp_err err;

	if (s->f == stdout)
		return ok;
	sp_err_clear(&err);
	if (s->atomic) {
		if (fclose(s->f) != 0 && ok == SP_EXIT_OK) {
			sp_ws_error("cannot write '%s': %s", s->name, strerror(errno));
			ok = SP_EXIT_ERROR;
		}
		if (ok == SP_EXIT_OK && sp_fs_write_atomic(s->name, s->buf, s->len, SP_FS_REPLACE, &err) < 0) {
			sp_ws_print_err(&err, NULL);
			ok = SP_EXIT_ERROR;
		}
		free(s->buf);
	} else {
		int e = fflush(s->f) != 0 ? errno : 0;
		if (fclose(s->f) != 0 && !e)
			e = errno;
		if (e && ok == SP_EXIT_OK) {
			sp_ws_error("cannot write '%s': %s", s->name, strerror(e));
			ok = SP_EXIT_ERROR;
		}
	}
	return ok;
}

static int any_uncertain(const struct sp_spec *s)
{
	for (size_t i = 0; i < s->ndrivers; i++)
		if (s->drivers[i].has_uncertainty)
			return 1;
	return 0;
}

/* The forecast, the roadmap from it, rendered into the sink. */
static int run(struct roadmap_args *a, const struct sp_spec *spec, const struct sp_graph *g,
	       const struct sp_catalog *cat, struct sink *out)
{
	struct sp_cli_progress prog = { "roadmap", 0, -1 };
	struct sp_forecast *fc = NULL;
	struct sp_roadmap *rm = NULL;
	struct sp_diags d;
	struct sp_err err;
	int ret = SP_EXIT_ERROR;

	sp_err_clear(&err);
	if (sp_ws_now(&a->ro.now, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		return SP_EXIT_ERROR;
	}
	a->fo.npcts = sp_roadmap_pcts(a->ro.pct, a->fo.pcts);
	if (isatty(2) && sp_graph_nnodes(g) * (size_t)(any_uncertain(spec) ? a->fo.paths : 1) >= SP_PROGRESS_MIN_WORK) {
		a->fo.progress = sp_cli_progress_cb;
		a->fo.progress_ctx = &prog;
	}
	sp_diags_init(&d);
	int fail = sp_forecast_run(&fc, spec, g, cat, &a->fo, &d) < 0;
	sp_cli_progress_end(&prog);
	sp_ws_print_diags(&d);
	sp_diags_free(&d);
	if (fail)
		goto out;
	if (sp_roadmap_build(&rm, spec, g, cat, fc, &a->ro, &err) < 0) {
		sp_ws_error("%s", err.msg);
		goto out;
	}
	if (sp_render_roadmap(out->f, rm, a->format, &err) < 0) {
		if (err.code == SP_EIO && out->name)
			sp_ws_error("'%s': %s", out->name, err.msg);
		else
			sp_ws_error("%s", err.msg);
		goto out;
	}
	ret = SP_EXIT_OK;
out:
	sp_roadmap_free(rm);
	sp_forecast_free(fc);
	return ret;
}

static int cmd_roadmap(int argc, char **argv)
{
	struct roadmap_args a;
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_catalog *cat = NULL;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sink out;
	int ret;

	if (parse_args(&a, argc, argv, &ret) < 0)
		return ret;
	ret = sp_ws_load(a.path, &spec, &g, &r) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		return ret;
	if ((ret = check_window(&a, spec)) != SP_EXIT_OK)
		goto done;
	ret = SP_EXIT_ERROR;
	if (sp_ws_load_catalog(&cat, spec, a.path, &r) < 0) {
		sp_ws_report_print(&r);
		goto done;
	}
	if (sink_open(&out, a.out) < 0)
		goto done;
	ret = sink_close(&out, run(&a, spec, g, cat, &out));
done:
	sp_catalog_free(cat);
	sp_graph_free(g);
	sp_spec_free(spec);
	return ret;
}

const struct sp_cmd sp_cmd_roadmap = {
	"roadmap", cmd_roadmap, "milestones and decision triggers, by year and by quarter",
	"usage: scaleplan roadmap [OPTIONS] [FILE|DIR]\n"
	"\n"
	"Turns the forecast into the roadmap of a 3-5 year plan. Milestones (read\n"
	"replicas, shards and the data that moves, instance limits, storage, cache\n"
	"nodes and memory, scaling.max, regions, the GPU commitment ladder, training\n"
	"runs, budgets) are dated the month they are needed on the chosen path and\n"
	"raised their lead time ahead of it. Decision triggers per service: the error\n"
	"budget of its availability, burn-rate alerts, the scaling signal of its class\n"
	"and the load test before each quarter. Laid out by year (strategic) and by\n"
	"quarter (tactical, with owners from the spec's tags). The same inputs and\n"
	"seed always give the same bytes. Fields: docs/roadmap-format.md.\n"
	"\n"
	"  -f, --format FMT       text (default), markdown or json\n"
	"      --percentile P    the path milestones are read on (default 90)\n"
	"      --from YYYY-MM    the roadmap's first month (default: the horizon's)\n"
	"      --until YYYY-MM   its last month (default: the horizon's)\n"
	"      --quarters N      quarters in the tactical layer, 4 to 8 (default 8)\n"
	"      --alert S:R:L:W   a burn-rate alert: severity, burn rate, long and short\n"
	"                        window (page:14.4:1h:5m); repeat it to replace the\n"
	"                        default three (14.4x 1h/5m, 6x 6h/30m page; 1x 3d/6h ticket)\n"
	"      --paths N         Monte Carlo paths, 1 to 100000 (default 1000)\n"
	"      --seed S          random seed (default 20270101)\n"
	"      --threads N       worker threads (default 2; the model uses at most 2)\n"
	"  -o, --output OUT      write to OUT, whole or not at all ('-': standard output)\n"
	"      --no-color        no colour in messages\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done, 1 error or a usage error.\n",
};
