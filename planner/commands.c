/* The table of commands (planner/commands.h). */
#include <stdio.h>
#include <string.h>

#include "planner/commands.h"

const struct sp_cmd *const sp_commands[] = {
	&sp_cmd_init, &sp_cmd_validate, &sp_cmd_graph, &sp_cmd_forecast, &sp_cmd_report, &sp_cmd_plan,
	&sp_cmd_apply, &sp_cmd_drift, &sp_cmd_state, &sp_cmd_help, NULL,
};

const struct sp_cmd *sp_cmd_find(const char *name)
{
	for (size_t i = 0; sp_commands[i]; i++)
		if (!strcmp(sp_commands[i]->name, name))
			return sp_commands[i];
	return NULL;
}
