/* scaleplan help: the overview of every command, or one command's usage. */
#include <stdio.h>
#include <string.h>

#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/man.h"
#include "planner/workspace.h"

void sp_cmd_print_overview(FILE *f)
{
	fputs(SP_USAGE_MAIN, f);
	fputs("\nscaleplan plans infrastructure for growth: it reads a YAML spec of services,\n"
	      "SLOs, growth forecasts and GPU tiers, builds the dependency graph,\n"
	      "projects capacity and cost month by month, and plans and applies the\n"
	      "infrastructure each month needs.\n\nCommands:\n", f);
	for (size_t i = 0; sp_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", sp_commands[i]->name, sp_commands[i]->summary);
	fputs("\nFILE defaults to scaleplan.yaml; a DIR loads every *.yaml in it as one spec.\n"
	      "Run 'scaleplan help COMMAND' for a command's options.\n", f);
}

static int cmd_help(int argc, char **argv)
{
	const struct sp_cmd *c;

	if (argc < 2) {
		sp_cmd_print_overview(stdout);
		return SP_EXIT_OK;
	}
	if (argc > 2)
		return sp_cli_usage_error(&sp_cmd_help, "too many arguments");
	/* the manual, scaleplan(1), made from the same texts (make install writes it) */
	if (!strcmp(argv[1], "--man")) {
		sp_man_write(stdout);
		return SP_EXIT_OK;
	}
	if (!(c = sp_cmd_find(argv[1]))) {
		sp_ws_error("unknown command '%s'", argv[1]);
		return SP_EXIT_USAGE;
	}
	sp_cli_print_usage(stdout, c);
	return SP_EXIT_OK;
}

const struct sp_cmd sp_cmd_help = {
	"help", cmd_help, "show help for scaleplan or one command",
	"usage: scaleplan help [COMMAND]\n",
};
