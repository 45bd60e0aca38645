/* scaleplan validate: load, check, build the graph; a one-line summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "planner/cli.h"
#include "planner/commands.h"
#include "model/forecast.h"
#include "planner/workspace.h"

static void plural(char *buf, size_t n, size_t count, const char *one, const char *many)
{
	snprintf(buf, n, "%zu %s", count, count == 1 ? one : many);
}

static int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	int quiet = 0, c;
	const char *path = SP_DEFAULT_SPEC;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_catalog *cat = NULL;
	struct sp_ws_report r = SP_WS_REPORT_INIT;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_validate); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_validate, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_validate, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sp_cli_usage_error(&sp_cmd_validate, "too many arguments");
	if (optind < argc)
		path = argv[optind];
	if (sp_ws_load(path, &spec, &g, &r) < 0) {
		sp_ws_report_print(&r);
		return SP_EXIT_ERROR;
	}
	/* the catalog the spec names: every type it names is priced, in its currency */
	if (sp_ws_load_catalog(&cat, spec, path, &r) < 0 ||
	    sp_forecast_check_catalog(spec, cat, sp_ws_report_diags(&r)) < 0) {
		sp_ws_report_print(&r);
		sp_catalog_free(cat);
		sp_graph_free(g);
		sp_spec_free(spec);
		return SP_EXIT_ERROR;
	}
	sp_catalog_free(cat);
	sp_ws_report_print(&r);
	if (!quiet) {
		/* "N services" always; other kinds only when present */
		static const char *const one[] = { "cache", "datastore", "queue", "GPU workload" };
		static const char *const many[] = { "caches", "datastores", "queues", "GPU workloads" };
		size_t counts[] = { spec->ncaches, spec->ndatastores, spec->nqueues, spec->ngpus };
		char part[64];
		printf("%s: valid: %s: ", path, spec->name);
		plural(part, sizeof(part), spec->nservices, "service", "services");
		fputs(part, stdout);
		for (size_t i = 0; i < 4; i++)
			if (counts[i]) {
				plural(part, sizeof(part), counts[i], one[i], many[i]);
				printf(", %s", part);
			}
		plural(part, sizeof(part), spec->ndrivers, "driver", "drivers");
		printf("; %s, %zu region%s, %zu dependenc%s\n", part, spec->nregions, spec->nregions == 1 ? "" : "s",
		       sp_graph_nedges(g), sp_graph_nedges(g) == 1 ? "y" : "ies");
	}
	sp_graph_free(g);
	sp_spec_free(spec);
	return SP_EXIT_OK;
}

const struct sp_cmd sp_cmd_validate = {
	"validate", cmd_validate, "load and check a spec; every error with its line and column",
	"usage: scaleplan validate [--quiet] [FILE|DIR]\n"
	"\n"
	"Loads the spec (FILE, or every *.yaml and *.yml in DIR as one spec; default:\n"
	"scaleplan.yaml), checks every key, type, unit, range and reference, builds the\n"
	"dependency graph and rejects cycles, and checks every instance, database, cache\n"
	"and GPU type and the currency against the price catalog the spec names.\n"
	"Every problem is reported as FILE:LINE:COL: error: MESSAGE with the source\n"
	"line and a caret.\n"
	"\n"
	"  -q, --quiet        print nothing on success\n"
	"      --no-color     no colour in messages\n"
	"  -h, --help         show this help\n"
	"\n"
	"Exit status: 0 valid, 1 errors found or a usage error.\n",
};
