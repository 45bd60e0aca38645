/* scaleplan validate: load, check, build the graph; a one-line summary. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "planner/cli.h"

static void plural(char *buf, size_t n, size_t count, const char *one, const char *many)
{
	snprintf(buf, n, "%zu %s", count, count == 1 ? one : many);
}

int cmd_validate(int argc, char **argv)
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

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'h': sp_cli_print_usage(stdout, sp_cmd_find("validate")); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		default: return sp_cli_usage_error("validate", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1)
		return sp_cli_usage_error("validate", "too many arguments");
	if (optind < argc)
		path = argv[optind];
	if (sp_cli_load(path, &spec, &g) != SP_EXIT_OK)
		return SP_EXIT_ERROR;
	if (!quiet) {
		char a[6][48];
		plural(a[0], sizeof(a[0]), spec->nservices, "service", "services");
		plural(a[1], sizeof(a[1]), spec->ncaches, "cache", "caches");
		plural(a[2], sizeof(a[2]), spec->ndatastores, "datastore", "datastores");
		plural(a[3], sizeof(a[3]), spec->nqueues, "queue", "queues");
		plural(a[4], sizeof(a[4]), spec->ngpus, "GPU workload", "GPU workloads");
		plural(a[5], sizeof(a[5]), spec->ndrivers, "driver", "drivers");
		printf("%s: valid: %s: %s, %s, %s, %s, %s; %s, %zu region%s, %zu dependenc%s\n", path, spec->name,
		       a[0], a[1], a[2], a[3], a[4], a[5], spec->nregions, spec->nregions == 1 ? "" : "s",
		       sp_graph_nedges(g), sp_graph_nedges(g) == 1 ? "y" : "ies");
	}
	sp_graph_free(g);
	sp_spec_free(spec);
	return SP_EXIT_OK;
}
