/* scaleplan: the command table and dispatch. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/cli.h"

#define USAGE_MAIN \
	"usage: scaleplan [--version] [--help] [--no-color] COMMAND [OPTIONS] [FILE|DIR]\n"

const struct sp_cmd sp_commands[] = {
	{ "init", cmd_init, "write a commented starter spec",
	  "usage: scaleplan init [--force] [FILE]\n"
	  "\n"
	  "Writes a commented starter spec to FILE (default: scaleplan.yaml) that\n"
	  "validates as written: one driver, one region, a web service, a cache and a\n"
	  "database. Refuses to overwrite an existing file.\n"
	  "\n"
	  "  -o, --output FILE  write to FILE (same as the FILE argument; '-' for stdout)\n"
	  "  -h, --help         show this help\n" },
	{ "validate", cmd_validate, "load and check a spec; every error with its line and column",
	  "usage: scaleplan validate [--quiet] [FILE|DIR]\n"
	  "\n"
	  "Loads the spec (FILE, or every *.yaml and *.yml in DIR as one spec; default:\n"
	  "scaleplan.yaml), checks every key, type, unit, range and reference, builds the\n"
	  "dependency graph and rejects cycles. Every problem is reported as\n"
	  "FILE:LINE:COL: error: MESSAGE with the source line and a caret.\n"
	  "\n"
	  "  -q, --quiet        print nothing on success\n"
	  "      --no-color     no colour in messages\n"
	  "  -h, --help         show this help\n"
	  "\n"
	  "Exit status: 0 valid, 1 errors found, 2 usage error.\n" },
	{ "graph", cmd_graph, "render the dependency graph (DOT, SVG or PNG)",
	  "usage: scaleplan graph [--format dot|svg|png] [-o OUT] [FILE|DIR]\n"
	  "\n"
	  "Renders the dependency graph of services, caches, datastores, queues and GPU\n"
	  "workloads with Graphviz: shape and colour by kind, each node labelled with its\n"
	  "key figures, each edge with its ratio. DOT goes to standard output by default;\n"
	  "SVG and PNG need -o OUT unless standard output is not a terminal.\n"
	  "\n"
	  "  -f, --format FMT   dot (default), svg or png\n"
	  "  -o, --output OUT   write to OUT instead of standard output\n"
	  "  -h, --help         show this help\n" },
	{ "help", cmd_help, "show help for scaleplan or one command",
	  "usage: scaleplan help [COMMAND]\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct sp_cmd *sp_cmd_find(const char *name)
{
	for (const struct sp_cmd *c = sp_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void print_main_help(FILE *f)
{
	fputs(USAGE_MAIN, f);
	fputs("\nscaleplan plans infrastructure for growth: it reads a YAML spec of services,\n"
	      "SLOs, growth forecasts and GPU tiers, builds the dependency graph, and\n"
	      "projects capacity and cost.\n\nCommands:\n", f);
	for (const struct sp_cmd *c = sp_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nFILE defaults to scaleplan.yaml; a DIR loads every *.yaml in it as one spec.\n"
	      "Run 'scaleplan help COMMAND' for a command's options.\n", f);
}

int cmd_help(int argc, char **argv)
{
	const struct sp_cmd *c;
	if (argc < 2) {
		print_main_help(stdout);
		return SP_EXIT_OK;
	}
	if (argc > 2)
		return sp_cli_usage_error("help", "too many arguments");
	if (!(c = sp_cmd_find(argv[1]))) {
		sp_cli_error("unknown command '%s'", argv[1]);
		return SP_EXIT_USAGE;
	}
	sp_cli_print_usage(stdout, c);
	return SP_EXIT_OK;
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *nc = getenv("NO_COLOR");

	sp_cli.no_color = nc && *nc;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("scaleplan %s\n", SP_VERSION);
			return SP_EXIT_OK;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_main_help(stdout);
			return SP_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-color")) {
			sp_cli.no_color = 1;
		} else {
			fprintf(stderr, "scaleplan: unknown option '%s'\n", argv[i]);
			fputs(USAGE_MAIN, stderr);
			return SP_EXIT_USAGE;
		}
	}
	/* --no-color is also accepted after the command */
	for (int j = i; j < argc; j++)
		if (!strcmp(argv[j], "--no-color"))
			sp_cli.no_color = 1;
	sp_cli.color_err = !sp_cli.no_color && isatty(2);
	sp_cli.color_out = !sp_cli.no_color && isatty(1);
	if (i >= argc) {
		print_main_help(stderr);
		return SP_EXIT_USAGE;
	}
	const struct sp_cmd *c = sp_cmd_find(argv[i]);
	if (!c) {
		fprintf(stderr, "scaleplan: unknown command '%s'\n", argv[i]);
		fputs(USAGE_MAIN, stderr);
		fputs("Try 'scaleplan help' for the list of commands.\n", stderr);
		return SP_EXIT_USAGE;
	}
	optind = 0; /* glibc: full re-initialisation for the command's getopt */
	int ret = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sp_cli_error("cannot write to standard output");
		return SP_EXIT_ERROR;
	}
	return ret;
}
