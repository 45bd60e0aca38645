/* scaleplan forecast: demand, capacity and cost per component and month,
 * with percentiles over Monte Carlo paths, as a table, CSV, JSON or markdown. */
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
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/gates.h"
#include "planner/render_forecast.h"
#include "planner/render_modeldiff.h"
#include "planner/workspace.h"
#include "providers/catalog.h"
#include "providers/fsio.h"

#define MAX_PATHS 100000
#define MAX_THREADS 64

enum { OPT_MONTHS = 0x2000, OPT_PATHS, OPT_SEED, OPT_BY, OPT_PCTS, OPT_THREADS, OPT_FAILON };

/* A whole number in [min, max], digits only ("12x", "-3", "" and "+3" are refused). */
static int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* "10,50,90": 1..SP_FC_MAX_PCTS numbers in (0, 100), sorted, no duplicates.
 * Returns 0, or -1 with a message in msg. */
static int parse_pcts(const char *s, double *pcts, size_t *n, char *msg, size_t msglen)
{
	const char *p = s;
	*n = 0;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[64], *end;
		double v;
		if (len == 0 || len >= sizeof(item)) {
			snprintf(msg, msglen, "invalid value '%s' for --percentiles: %s; expected a list such as 10,50,90", s,
				 len ? "an item is too long" : "an item is empty");
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		errno = 0;
		v = strtod(item, &end);
		if (*end || errno || item[0] == ' ' || !isfinite(v)) {
			snprintf(msg, msglen, "invalid percentile '%s' in --percentiles: expected a number", item);
			return -1;
		}
		if (!(v > 0 && v < 100)) {
			snprintf(msg, msglen, "percentile '%s' in --percentiles is out of range: each must be above 0 and below 100",
				 item);
			return -1;
		}
		if (*n == SP_FC_MAX_PCTS) {
			snprintf(msg, msglen, "too many percentiles in --percentiles: at most %d", SP_FC_MAX_PCTS);
			return -1;
		}
		pcts[(*n)++] = v;
		if (!comma)
			break;
		p = comma + 1;
	}
	qsort(pcts, *n, sizeof(double), cmp_double);
	for (size_t i = 1; i < *n; i++)
		if (pcts[i] == pcts[i - 1]) {
			snprintf(msg, msglen, "percentile %.10g is given twice in --percentiles", pcts[i]);
			return -1;
		}
	return 0;
}

static int any_uncertain(const struct sp_spec *s)
{
	for (size_t i = 0; i < s->ndrivers; i++)
		if (s->drivers[i].has_uncertainty)
			return 1;
	return 0;
}

struct forecast_args {
	const char *format, *by, *out, *path;
	int months;                   /* --months; 0: the spec's horizon */
	struct sp_forecast_opts fo;
	struct sp_gates gates;        /* --fail-on (planner/gates.h) */
};

/* --paths and --threads: a whole number from lo to hi into *out; else the
 * usage error (returned). */
static int count_opt(const char *s, const char *opt, int lo, int hi, int *out)
{
	uint64_t v;
	if (parse_uint(s, (uint64_t)lo, (uint64_t)hi, &v) < 0)
		return sp_cli_usage_error(&sp_cmd_forecast, "invalid value '%s' for %s: expected a whole number from %d to %d",
					  s, opt, lo, hi);
	*out = (int)v;
	return SP_EXIT_OK;
}

/* One option c (value optarg) into a; SP_EXIT_OK, or the exit code once a
 * usage error was printed. */
static int set_opt(struct forecast_args *a, int c, char **argv)
{
	const struct sp_cmd *cmd = &sp_cmd_forecast;
	char msg[256];
	uint64_t v;

	switch (c) {
	case OPT_MONTHS:
		if (parse_uint(optarg, 1, 1200, &v) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --months: expected a whole number of months from 1 to the spec's horizon",
						  optarg);
		a->months = (int)v;
		return SP_EXIT_OK;
	case OPT_PATHS: return count_opt(optarg, "--paths", 1, MAX_PATHS, &a->fo.paths);
	case OPT_THREADS: return count_opt(optarg, "--threads", 1, MAX_THREADS, &a->fo.threads);
	case OPT_SEED:
		if (parse_uint(optarg, 0, UINT64_MAX, &a->fo.seed) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --seed: expected a whole number from 0 to %" PRIu64,
						  optarg, UINT64_MAX);
		return SP_EXIT_OK;
	case OPT_PCTS:
		if (parse_pcts(optarg, a->fo.pcts, &a->fo.npcts, msg, sizeof(msg)) < 0)
			return sp_cli_usage_error(cmd, "%s", msg);
		return SP_EXIT_OK;
	case OPT_BY: a->by = optarg; return SP_EXIT_OK;
	case OPT_FAILON:
		if (sp_gates_parse(&a->gates, optarg, msg, sizeof(msg)) < 0)
			return sp_cli_usage_error(cmd, "%s", msg);
		return SP_EXIT_OK;
	case 'f': a->format = optarg; return SP_EXIT_OK;
	case 'o': a->out = optarg; return SP_EXIT_OK;
	case SP_OPT_NO_COLOR: return SP_EXIT_OK;
	case ':': return sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	default: return sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

/* Returns 0, or -1 with *exit_now the exit code (help or a usage error printed). */
static int parse_args(struct forecast_args *a, int argc, char **argv, int *exit_now)
{
	static const struct option opts[] = {
		{ "months", required_argument, NULL, OPT_MONTHS },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "format", required_argument, NULL, 'f' },
		{ "by", required_argument, NULL, OPT_BY },
		{ "percentiles", required_argument, NULL, OPT_PCTS },
		{ "output", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "fail-on", required_argument, NULL, OPT_FAILON },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const struct sp_cmd *cmd = &sp_cmd_forecast;
	const char *f, *by;
	int c;

	memset(a, 0, sizeof(*a));
	a->format = "table";
	a->by = "component";
	a->path = SP_DEFAULT_SPEC;
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
	f = a->format;
	by = a->by;
	if (strcmp(f, "table") && strcmp(f, "csv") && strcmp(f, "json") && strcmp(f, "markdown"))
		*exit_now = sp_cli_usage_error(cmd, "unknown format '%s'; expected table, csv, json or markdown", f);
	else if (strcmp(by, "component") && strcmp(by, "class") && strcmp(by, "region") && strcmp(by, "category") &&
		 strcmp(by, "sizing"))
		*exit_now = sp_cli_usage_error(cmd, "unknown grouping '%s' for --by; expected component, class, region, category or sizing",
					       by);
	else if (argc - optind > 1)
		*exit_now = sp_cli_usage_error(cmd, "too many arguments");
	else if (a->out && !*a->out)
		*exit_now = sp_cli_usage_error(cmd, "option '-o' needs a file name");
	else
		*exit_now = -1;
	if (*exit_now >= 0)
		return -1;
	if (optind < argc)
		a->path = argv[optind];
	return 0;
}

/* Where the forecast goes: standard output; a device or a pipe (-o
 * /dev/null), written in place, never replaced; or a file, written whole
 * (a temporary file beside it, fsync, rename) or not at all. */
struct sink {
	const char *name;             /* -o, or NULL for standard output */
	FILE *f;                      /* where the renderer writes */
	int atomic;                   /* f is a memory stream for sp_fs_write_atomic */
	char *buf;
	size_t len;
};

/* Opens the sink; a file's folder must be writable now, so that a long
 * forecast does not run for nothing. Prints the error; returns 0 or -1. */
static int sink_open(struct sink *s, const char *out)
{
	struct stat st;
	char *dir;
	int ok;

	memset(s, 0, sizeof(*s));
	s->f = stdout;
	if (!out || !strcmp(out, "-"))
		return 0;
	s->name = out;
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		s->f = fopen(out, "wb");
	} else {
		dir = sp_fs_dirname(out);
		ok = access(dir, W_OK | X_OK) == 0;
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

/* Finishes the sink: writes a file (when ok), closes what was opened. Prints
 * the error; returns ok, or SP_EXIT_ERROR when the output cannot be written. */
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

/* Runs the model and renders it into the sink, with the gates' verdicts
 * (first in markdown, last in the table; on standard error when one trips);
 * prints what it has to say. *gate_tripped tells whether a gate tripped. */
static int run(const struct forecast_args *a, const struct sp_spec *spec, const struct sp_graph *g,
	       const struct sp_catalog *cat, struct sink *out, int *gate_tripped)
{
	struct sp_forecast_opts fo = a->fo;
	struct sp_cli_progress prog = { "forecast", 0, -1 };
	struct sp_forecast *fc = NULL;
	struct sp_gate_report gates;
	struct sp_sb sb = SP_SB_INIT;
	struct sp_diags d;
	struct sp_err err;
	int ret;

	fo.months = a->months;
	if (isatty(2) && sp_graph_nnodes(g) * (size_t)(any_uncertain(spec) ? fo.paths : 1) >= SP_PROGRESS_MIN_WORK) {
		fo.progress = sp_cli_progress_cb;
		fo.progress_ctx = &prog;
	}
	sp_diags_init(&d);
	ret = sp_forecast_run(&fc, spec, g, cat, &fo, &d) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_cli_progress_end(&prog);
	sp_ws_print_diags(&d);
	sp_diags_free(&d);
	sp_err_clear(&err);
	memset(&gates, 0, sizeof(gates));
	if (ret == SP_EXIT_OK && a->gates.which) {
		sp_gates_check_forecast(&a->gates, fc, spec, &gates);
		if (!strcmp(a->format, "markdown"))
			sp_render_gates_markdown(&sb, &gates);
		fwrite(sb.buf, 1, sb.len, out->f);
	}
	if (ret == SP_EXIT_OK && sp_render_forecast(out->f, fc, spec, a->format, a->by, &err) < 0) {
		if (err.code == SP_EIO && out->name)
			sp_ws_error("'%s': %s", out->name, err.msg);
		else
			sp_ws_error("%s", err.msg);
		ret = SP_EXIT_ERROR;
	}
	if (ret == SP_EXIT_OK && !strcmp(a->format, "table")) {
		sp_sb_reset(&sb);
		sp_render_gates_text(&sb, &gates);
		fwrite(sb.buf, 1, sb.len, out->f);
	}
	for (size_t i = 0; ret == SP_EXIT_OK && i < gates.n; i++)
		if (gates.v[i].tripped)
			sp_ws_error("--fail-on %s tripped: %s", gates.v[i].name, gates.v[i].detail);
	*gate_tripped = ret == SP_EXIT_OK && gates.tripped;
	sp_sb_release(&sb);
	sp_forecast_free(fc);
	return ret;
}

static int cmd_forecast(int argc, char **argv)
{
	struct forecast_args a;
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_catalog *cat = NULL;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sink out;
	int ret, tripped = 0;

	if (parse_args(&a, argc, argv, &ret) < 0)
		return ret;
	ret = sp_ws_load(a.path, &spec, &g, &r) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		return ret;
	if (a.months > spec->months) {
		ret = sp_cli_usage_error(&sp_cmd_forecast, "--months %d is beyond the spec's horizon of %d months", a.months,
					 spec->months);
		goto done;
	}
	ret = SP_EXIT_ERROR;
	if (sp_ws_load_catalog(&cat, spec, a.path, &r) < 0) {
		sp_ws_report_print(&r);
		goto done;
	}
	if (sink_open(&out, a.out) < 0)
		goto done;
	ret = sink_close(&out, run(&a, spec, g, cat, &out, &tripped));
	if (ret == SP_EXIT_OK && tripped)
		ret = SP_EXIT_GATE;
done:
	sp_catalog_free(cat);
	sp_graph_free(g);
	sp_spec_free(spec);
	return ret;
}

const struct sp_cmd sp_cmd_forecast = {
	"forecast", cmd_forecast, "demand, capacity and cost by month, with percentiles",
	"usage: scaleplan forecast [OPTIONS] [FILE|DIR]\n"
	"\n"
	"Runs the capacity and cost model over the horizon: the growth drivers along\n"
	"Monte Carlo paths, demand through the dependency graph, SLO-driven sizing and\n"
	"pricing from the spec's catalog; then percentiles of every figure. Prints a\n"
	"summary by year, capacity and cost by month, a breakdown, the saving from\n"
	"purchase options, budget breaches and SLO or datastore warnings. The same\n"
	"inputs and seed always give the same bytes. Fields: docs/forecast-output.md.\n"
	"\n"
	"  -f, --format FMT       table (default), csv, json or markdown\n"
	"      --by GROUP        component (default), class, region or category; sizing: each service's\n"
	"                        servers, instances, utilisation and what binds, per region and month\n"
	"      --months N        months to forecast (default and most: the spec's horizon)\n"
	"      --paths N         Monte Carlo paths, 1 to 100000 (default 1000)\n"
	"      --seed S          random seed (default 20270101)\n"
	"      --percentiles L   1 to 9 percentiles in (0, 100), such as 10,50,90 (default)\n"
	"      --threads N       worker threads (default 2; the model uses at most 2)\n"
	"  -o, --output OUT      write to OUT, whole or not at all ('-': standard output)\n"
	"      --fail-on GATE    exit 4 when GATE trips: budget (a budget breached),\n"
	"                        slo-risk (an SLO at risk) or cost-increase=PCT (the\n"
	"                        last month's p50 cost more than PCT % above the\n"
	"                        first's); repeatable, or comma-separated\n"
	"      --no-color        no colour in messages\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done (budget breaches are reported, not failed, without\n"
	"--fail-on), 1 error or a usage error, 4 a --fail-on gate tripped (the\n"
	"forecast is still written).\n",
};
