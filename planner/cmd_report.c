/* scaleplan report: the cost report of the forecast, for people (text,
 * markdown, HTML with charts), spreadsheets (CSV) and FinOps tools (FOCUS 1.1
 * rows of one path). Formats and columns: docs/report-format.md. */
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
#include "model/report.h"
#include "planner/cli.h"
#include "planner/cmd_opts.h"
#include "planner/commands.h"
#include "planner/render_report.h"
#include "planner/workspace.h"
#include "providers/catalog.h"
#include "providers/fsio.h"

#define MAX_PATHS 100000
#define MAX_THREADS 64

enum { OPT_MONTHS = 0x2000, OPT_PATHS, OPT_SEED, OPT_PCTS, OPT_THREADS, OPT_PATH };

struct report_args {
	const char *format, *out, *spec_path;
	const char *path_opt;         /* --path as given */
	double path_pct;              /* --path: the percentile of the FOCUS path */
	int months;                   /* --months; 0: the spec's horizon */
	struct sp_forecast_opts fo;
};

/* A whole number in [lo, hi], digits only ("12x", "-3", "" and "+3" are refused). */
static int parse_whole(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	uint64_t v;
	if (sp_parse_seed(s, &v) < 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int count_opt(const char *s, const char *opt, int lo, int hi, int *out)
{
	uint64_t v;
	if (parse_whole(s, (uint64_t)lo, (uint64_t)hi, &v) < 0)
		return sp_cli_usage_error(&sp_cmd_report, "invalid value '%s' for %s: expected a whole number from %d to %d",
					  s, opt, lo, hi);
	*out = (int)v;
	return SP_EXIT_OK;
}

/* --path: "p50", "50", "p99.9": a percentile above 0 and below 100. */
static int parse_path(const char *s, double *out)
{
	char *end;
	double v;
	const char *p = s[0] == 'p' ? s + 1 : s;
	if (!*p || *p == ' ' || *p == '+' || *p == '-')
		return -1;
	errno = 0;
	v = strtod(p, &end);
	if (*end || errno || !isfinite(v) || !(v > 0 && v < 100))
		return -1;
	*out = v;
	return 0;
}

static int set_opt(struct report_args *a, int c, char **argv)
{
	const struct sp_cmd *cmd = &sp_cmd_report;
	char msg[256];
	uint64_t v;

	switch (c) {
	case OPT_MONTHS:
		if (parse_whole(optarg, 1, 1200, &v) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --months: expected a whole number of months from 1 to the spec's horizon",
						  optarg);
		a->months = (int)v;
		return SP_EXIT_OK;
	case OPT_PATHS: return count_opt(optarg, "--paths", 1, MAX_PATHS, &a->fo.paths);
	case OPT_THREADS: return count_opt(optarg, "--threads", 1, MAX_THREADS, &a->fo.threads);
	case OPT_SEED:
		if (sp_parse_seed(optarg, &a->fo.seed) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --seed: expected a whole number from 0 to %" PRIu64,
						  optarg, UINT64_MAX);
		return SP_EXIT_OK;
	case OPT_PCTS:
		if (sp_parse_percentiles(optarg, "--percentiles", a->fo.pcts, SP_FC_MAX_PCTS, &a->fo.npcts, msg,
					 sizeof(msg)) < 0)
			return sp_cli_usage_error(cmd, "%s", msg);
		return SP_EXIT_OK;
	case OPT_PATH:
		if (parse_path(optarg, &a->path_pct) < 0)
			return sp_cli_usage_error(cmd, "invalid value '%s' for --path: expected a percentile such as p50 or p90, above 0 and below 100",
						  optarg);
		a->path_opt = optarg;
		return SP_EXIT_OK;
	case 'f': a->format = optarg; return SP_EXIT_OK;
	case 'o': a->out = optarg; return SP_EXIT_OK;
	case SP_OPT_NO_COLOR: return SP_EXIT_OK;
	case ':': return sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	default: return sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
	}
}

/* Returns 0, or -1 with *exit_now the exit code (help or a usage error printed). */
static int parse_args(struct report_args *a, int argc, char **argv, int *exit_now)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "months", required_argument, NULL, OPT_MONTHS },
		{ "paths", required_argument, NULL, OPT_PATHS },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "percentiles", required_argument, NULL, OPT_PCTS },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "output", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const struct sp_cmd *cmd = &sp_cmd_report;
	const char *f;
	int c;

	memset(a, 0, sizeof(*a));
	a->format = "text";
	a->spec_path = SP_DEFAULT_SPEC;
	a->path_pct = 50;
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
	if (strcmp(f, "text") && strcmp(f, "markdown") && strcmp(f, "csv") && strcmp(f, "html") && strcmp(f, "focus"))
		*exit_now = sp_cli_usage_error(cmd, "unknown format '%s'; expected text, markdown, csv, html or focus", f);
	else if (a->path_opt && strcmp(f, "focus"))
		*exit_now = sp_cli_usage_error(cmd, "--path chooses the path of FOCUS rows; use it with --format focus");
	else if (argc - optind > 1)
		*exit_now = sp_cli_usage_error(cmd, "too many arguments");
	else if (a->out && !*a->out)
		*exit_now = sp_cli_usage_error(cmd, "option '-o' needs a file name");
	else
		*exit_now = -1;
	if (*exit_now >= 0)
		return -1;
	if (optind < argc)
		a->spec_path = argv[optind];
	return 0;
}

/* Where the report goes: standard output; a device or a pipe (-o
 * /dev/null), written in place; or a file, written whole or not at all: the
 * renderer streams into a temporary file beside it (".<name>.tmp-XXXXXX", the
 * name providers/fsio.c gives its own), which is flushed to disk and renamed
 * over it. A report can be large (FOCUS rows of thousands of components), so
 * it is never held in memory whole. */
struct sink {
	const char *name;             /* -o, or NULL for standard output */
	FILE *f;
	char *tmp;                    /* the temporary file, while it exists */
	mode_t mode;                  /* the file's permissions once renamed */
};

/* Opens the sink. Prints the error; returns 0 or -1. */
static int sink_open(struct sink *s, const char *out)
{
	struct stat st;
	char *dir, *base;
	int fd;
	mode_t mask;

	memset(s, 0, sizeof(*s));
	s->f = stdout;
	if (!out || !strcmp(out, "-"))
		return 0;
	s->name = out;
	if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (!(s->f = fopen(out, "wb"))) {
			sp_ws_error("cannot create '%s': %s", out, strerror(errno));
			return -1;
		}
		return 0;
	}
	mask = umask(0);
	umask(mask);
	s->mode = stat(out, &st) == 0 ? (st.st_mode & 07777) : (0666 & ~mask);
	dir = sp_fs_dirname(out);
	base = strrchr(out, '/');
	base = base ? base + 1 : (char *)(uintptr_t)out;
	s->tmp = malloc(strlen(dir) + strlen(base) + 16);
	if (!s->tmp) {
		free(dir);
		sp_ws_error("cannot create '%s': out of memory", out);
		return -1;
	}
	sprintf(s->tmp, "%s/.%s.tmp-XXXXXX", dir, base);
	free(dir);
	fd = mkstemp(s->tmp);
	if (fd < 0 || !(s->f = fdopen(fd, "wb"))) {
		sp_ws_error("cannot create '%s': %s", out, strerror(errno));
		if (fd >= 0) {
			close(fd);
			unlink(s->tmp);
		}
		free(s->tmp);
		s->tmp = NULL;
		return -1;
	}
	return 0;
}

/* Finishes the sink: the file renamed into place (when ok), or the temporary
 * file removed. Prints the error; returns ok, or SP_EXIT_ERROR when the
 * report cannot be written. */
static int sink_close(struct sink *s, int ok)
{
	struct sp_err err;
	int e = 0;

	if (s->f == stdout)
		return ok;
	if (fflush(s->f) != 0 || (s->tmp && fsync(fileno(s->f)) != 0) ||
	    (s->tmp && fchmod(fileno(s->f), s->mode) != 0))
		e = errno;
	if (fclose(s->f) != 0 && !e)
		e = errno;
	if (e && ok == SP_EXIT_OK) {
		sp_ws_error("cannot write '%s': %s", s->name, strerror(e));
		ok = SP_EXIT_ERROR;
	}
	if (s->tmp) {
		sp_err_clear(&err);
		if (ok == SP_EXIT_OK && rename(s->tmp, s->name) != 0) {
			sp_ws_error("cannot write '%s': %s", s->name, strerror(errno));
			ok = SP_EXIT_ERROR;
		} else if (ok == SP_EXIT_OK && sp_fs_sync_parent(s->name, &err) < 0) {
			sp_ws_print_err(&err, NULL);
			ok = SP_EXIT_ERROR;
		}
		if (ok != SP_EXIT_OK)
			unlink(s->tmp);
		free(s->tmp);
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

static void print_render_err(const struct sink *out, const struct sp_err *err)
{
	if (err->code == SP_EIO && out->name)
		sp_ws_error("'%s': %s", out->name, err->msg);
	else
		sp_ws_error("%s", err->msg);
}

/* Runs the model and renders the report into the sink. */
static int run(const struct report_args *a, const struct sp_spec *spec, const struct sp_graph *g,
	       const struct sp_catalog *cat, struct sink *out)
{
	struct sp_forecast_opts fo = a->fo;
	struct sp_cli_progress prog = { "report", 0, -1 };
	struct sp_report *r = NULL;
	struct sp_report_path *p = NULL;
	struct sp_diags d;
	struct sp_err err;
	int ret, focus = !strcmp(a->format, "focus");

	fo.months = a->months;
	if (isatty(2) && sp_graph_nnodes(g) * (size_t)(any_uncertain(spec) ? fo.paths : 1) >= SP_PROGRESS_MIN_WORK) {
		fo.progress = sp_cli_progress_cb;
		fo.progress_ctx = &prog;
	}
	sp_diags_init(&d);
	if (focus)
		ret = sp_report_path_run(&p, spec, g, cat, &fo, a->path_pct, &d) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	else
		ret = sp_report_run(&r, spec, g, cat, &fo, &d) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_cli_progress_end(&prog);
	sp_ws_print_diags(&d);
	sp_diags_free(&d);
	sp_err_clear(&err);
	if (ret == SP_EXIT_OK) {
		int rc = focus ? sp_render_report_focus(out->f, p, spec, g, cat, &err)
			       : sp_render_report(out->f, r, spec, g, a->format, &err);
		if (rc < 0) {
			print_render_err(out, &err);
			ret = SP_EXIT_ERROR;
		}
	}
	sp_report_free(r);
	sp_report_path_free(p);
	return ret;
}

static int cmd_report(int argc, char **argv)
{
	struct report_args a;
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_catalog *cat = NULL;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sink out;
	int ret;

	if (parse_args(&a, argc, argv, &ret) < 0)
		return ret;
	ret = sp_ws_load(a.spec_path, &spec, &g, &r) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		return ret;
	if (a.months > spec->months) {
		ret = sp_cli_usage_error(&sp_cmd_report, "--months %d is beyond the spec's horizon of %d months", a.months,
					 spec->months);
		goto done;
	}
	ret = SP_EXIT_ERROR;
	if (sp_ws_load_catalog(&cat, spec, a.spec_path, &r) < 0) {
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

const struct sp_cmd sp_cmd_report = {
	"report", cmd_report, "cost report by component, category, region and purchase option",
	"usage: scaleplan report [OPTIONS] [FILE|DIR]\n"
	"\n"
	"Writes the cost report of the forecast, for a finance partner: cost by\n"
	"component, workload class, category, region and purchase option, by month\n"
	"and by year, with percentiles; the saving of commitments and spot against\n"
	"all on demand; the top cost drivers and how fast each grows; budget lines.\n"
	"The same inputs and seed always give the same bytes.\n"
	"Formats and columns: docs/report-format.md.\n"
	"\n"
	"  -f, --format FMT      text (default), markdown, csv, html (one file with\n"
	"                        charts, readable offline) or focus (FinOps FOCUS 1.1 rows)\n"
	"      --path P          focus: the path whose horizon total is percentile P\n"
	"                        (default p50)\n"
	"      --months N        months to report (default and most: the spec's horizon)\n"
	"      --paths N         Monte Carlo paths, 1 to 100000 (default 1000)\n"
	"      --seed S          random seed (default 20270101)\n"
	"      --percentiles L   1 to 9 percentiles in (0, 100), such as 10,50,90 (default)\n"
	"      --threads N       worker threads (default 2; the model uses at most 2)\n"
	"  -o, --output OUT      write to OUT, whole or not at all ('-': standard output)\n"
	"      --no-color        no colour in messages\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done (budget breaches are reported, not failed), 1 error or a\n"
	"usage error.\n",
};
