/* scaleplan: global options, then dispatch to the command (planner/commands.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/workspace.h"

int main(int argc, char **argv)
{
	int i = 1;
	const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");

	/* no-color.org, and a terminal that says it cannot show colour */
	sp_cli.no_color = (nc && *nc) || (term && !strcmp(term, "dumb"));
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			return sp_cmd_version.fn(1, (char *[]){ (char *)"version", NULL });
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			sp_cmd_print_overview(stdout);
			return SP_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-color")) {
			sp_cli.no_color = 1;
		} else {
			fprintf(stderr, "scaleplan: unknown option '%s'\n", argv[i]);
			fputs(SP_USAGE_MAIN, stderr);
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
		sp_cmd_print_overview(stderr);
		return SP_EXIT_USAGE;
	}
	const struct sp_cmd *c = sp_cmd_find(argv[i]);
	if (!c) {
		const char *best = sp_cmd_suggest(argv[i]);
		if (best)
			fprintf(stderr, "scaleplan: unknown command '%s'; did you mean '%s'?\n", argv[i], best);
		else
			fprintf(stderr, "scaleplan: unknown command '%s'\n", argv[i]);
		fputs(SP_USAGE_MAIN, stderr);
		fputs("Try 'scaleplan help' for the list of commands.\n", stderr);
		return SP_EXIT_USAGE;
	}
	optind = 0; /* glibc: full re-initialisation for the command's getopt */
	int ret = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sp_ws_error("cannot write to standard output");
		return SP_EXIT_ERROR;
	}
	return ret;
}
