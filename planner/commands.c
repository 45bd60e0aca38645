/* The table of commands (planner/commands.h). */
#include <stdio.h>
#include <string.h>

#include "lib/diag.h"
#include "planner/commands.h"

const struct sp_cmd *const sp_commands[] = {
	&sp_cmd_init, &sp_cmd_validate, &sp_cmd_graph, &sp_cmd_forecast, &sp_cmd_report, &sp_cmd_plan,
	&sp_cmd_diff, &sp_cmd_roadmap,
	&sp_cmd_apply, &sp_cmd_drift, &sp_cmd_state, &sp_cmd_comment,
	&sp_cmd_help, &sp_cmd_version, &sp_cmd_completion,
	NULL,
};

const struct sp_cmd *sp_cmd_find(const char *name)
{
	for (size_t i = 0; sp_commands[i]; i++)
		if (!strcmp(sp_commands[i]->name, name))
			return sp_commands[i];
	return NULL;
}

const char *sp_cmd_suggest(const char *name)
{
	const char *names[32];
	size_t n = 0;

	for (size_t i = 0; sp_commands[i] && n < 32; i++)
		names[n++] = sp_commands[i]->name;
	return sp_suggest(name, names, n);
}
