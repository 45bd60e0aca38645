/* scaleplan forecast: demand, capacity and cost per component and month,
 * with percentiles over Monte Carlo paths, as a table, CSV, JSON or markdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
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
#include "planner/plan.h"
#include "planner/render_forecast.h"
#include "planner/workspace.h"
#include "providers/catalog.h"

#define MAX_PATHS 100000
#define MAX_THREADS 64

enum { OPT_MONTHS = 0x2000, OPT_PATHS, OPT_SEED, OPT_BY, OPT_PCTS, OPT_THREADS };

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

/* Opens a temporary file beside path, with the permissions a new file gets. */
static FILE *open_temp(const char *path, char *tmp, size_t n)
{
	mode_t mask;
	int fd;
	FILE *f;

	if ((size_t)snprintf(tmp, n, "%s.XXXXXX", path) >= n) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = mkstemp(tmp)) < 0)
		return NULL;
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0 || !(f = fdopen(fd, "wb"))) {
		int e = errno;
		close(fd);
		unlink(tmp);
		errno = e;
		return NULL;
	}
	return f;
}

static int cmd_forecast(int argc, char **argv)
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
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "table", *by = "component", *out = NULL, *path = SP_DEFAULT_SPEC;
	struct sp_forecast_opts fo;
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_catalog *cat = NULL;
	struct sp_forecast *fc = NULL;
	struct sp_diags d;
	struct sp_err err;
	struct sp_cli_progress prog = { "forecast", 0, -1 };
	FILE *f = stdout;
	char tmp[PATH_MAX + 16], msg[256];
	uint64_t v;
	int c, ret = SP_EXIT_OK, months = 0, direct = 0;

	memset(&fo, 0, sizeof(fo));
	fo.paths = SP_FC_DEFAULT_PATHS;
	fo.seed = SP_FC_DEFAULT_SEED;
	fo.threads = 2;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_MONTHS:
			if (parse_uint(optarg, 1, 1200, &v) < 0)
				return sp_cli_usage_error(&sp_cmd_forecast, "invalid value '%s' for --months: expected a whole number of months from 1 to the spec's horizon",
							  optarg);
			months = (int)v;
			break;
		case OPT_PATHS:
			if (parse_uint(optarg, 1, MAX_PATHS, &v) < 0)
				return sp_cli_usage_error(&sp_cmd_forecast, "invalid value '%s' for --paths: expected a whole number from 1 to %d",
							  optarg, MAX_PATHS);
			fo.paths = (int)v;
			break;
		case OPT_SEED:
			if (parse_uint(optarg, 0, UINT64_MAX, &v) < 0)
				return sp_cli_usage_error(&sp_cmd_forecast, "invalid value '%s' for --seed: expected a whole number from 0 to %" PRIu64,
							  optarg, UINT64_MAX);
			fo.seed = v;
			break;
		case OPT_THREADS:
			if (parse_uint(optarg, 1, MAX_THREADS, &v) < 0)
				return sp_cli_usage_error(&sp_cmd_forecast, "invalid value '%s' for --threads: expected a whole number from 1 to %d",
							  optarg, MAX_THREADS);
			fo.threads = (int)v;
			break;
		case OPT_PCTS:
			if (parse_pcts(optarg, fo.pcts, &fo.npcts, msg, sizeof(msg)) < 0)
				return sp_cli_usage_error(&sp_cmd_forecast, "%s", msg);
			break;
		case OPT_BY: by = optarg; break;
		case 'f': format = optarg; break;
		case 'o': out = optarg; break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_forecast); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_forecast, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_forecast, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "markdown"))
		return sp_cli_usage_error(&sp_cmd_forecast, "unknown format '%s'; expected table, csv, json or markdown", format);
	if (strcmp(by, "component") && strcmp(by, "class") && strcmp(by, "region") && strcmp(by, "category"))
		return sp_cli_usage_error(&sp_cmd_forecast, "unknown grouping '%s' for --by; expected component, class, region or category",
					  by);
	if (argc - optind > 1)
		return sp_cli_usage_error(&sp_cmd_forecast, "too many arguments");
	if (optind < argc)
		path = argv[optind];
	if (out && !*out)
		return sp_cli_usage_error(&sp_cmd_forecast, "option '-o' needs a file name");

	ret = sp_ws_load(path, &spec, &g, &r) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		return ret;
	if (months > spec->months) {
		ret = sp_cli_usage_error(&sp_cmd_forecast, "--months %d is beyond the spec's horizon of %d months", months,
					 spec->months);
		goto done;
	}
	fo.months = months;
	if (sp_ws_load_catalog(&cat, spec, path, &r) < 0) {
		sp_ws_report_print(&r);
		ret = SP_EXIT_ERROR;
		goto done;
	}
	if (out && strcmp(out, "-")) {
		struct stat st;
		if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
			/* a device or a pipe (-o /dev/null): written in place, never replaced */
			direct = 1;
			f = fopen(out, "wb");
		} else {
			/* written beside the target and renamed, so a failure leaves no half file */
			f = open_temp(out, tmp, sizeof(tmp));
		}
		if (!f) {
			sp_ws_error("cannot create '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
			goto done;
		}
	}
	if (isatty(2) && sp_graph_nnodes(g) * (size_t)(any_uncertain(spec) ? fo.paths : 1) >= SP_PROGRESS_MIN_WORK) {
		fo.progress = sp_cli_progress_cb;
		fo.progress_ctx = &prog;
	}
	sp_diags_init(&d);
	ret = sp_forecast_run(&fc, spec, g, cat, &fo, &d) < 0 ? SP_EXIT_ERROR : SP_EXIT_OK;
	sp_cli_progress_end(&prog);
	if (d.n) {
		sp_diags_sort(&d);
		sp_diags_print(stderr, &d, sp_cli.color_err);
	}
	sp_diags_free(&d);
	if (ret == SP_EXIT_OK) {
		sp_err_clear(&err);
		if (sp_render_forecast(f, fc, spec, format, by, &err) < 0) {
			if (err.code == SP_EIO && f != stdout)
				sp_ws_error("'%s': %s", out, err.msg);
			else
				sp_ws_error("%s", err.msg);
			ret = SP_EXIT_ERROR;
		}
	}
	if (f != stdout) {
		if (ret == SP_EXIT_OK && (fflush(f) != 0 || (!direct && fsync(fileno(f)) < 0))) {
			sp_ws_error("cannot write '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
		}
		if (fclose(f) != 0 && ret == SP_EXIT_OK) {
			sp_ws_error("cannot write '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
		}
		if (ret == SP_EXIT_OK && !direct && rename(tmp, out) < 0) {
			sp_ws_error("cannot write '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
		}
		if (ret != SP_EXIT_OK && !direct)
			unlink(tmp);
	}
done:
	sp_forecast_free(fc);
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
	"      --by GROUP        component (default), class, region or category\n"
	"      --months N        months to forecast (default and most: the spec's horizon)\n"
	"      --paths N         Monte Carlo paths, 1 to 100000 (default 1000)\n"
	"      --seed S          random seed (default 20270101)\n"
	"      --percentiles L   1 to 9 percentiles in (0, 100), such as 10,50,90 (default)\n"
	"      --threads N       worker threads (default 2; the model uses at most 2)\n"
	"  -o, --output OUT      write to OUT, whole or not at all ('-': standard output)\n"
	"      --no-color        no colour in messages\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 done (budget breaches are reported, not failed), 1 error,\n"
	"2 usage error.\n",
};
