/* The command table: one `struct sp_cmd` per command, defined in the
 * command's own file beside its handler, and one table of pointers
 * (planner/commands.c) that main() and `scaleplan help` read.
 *
 * To add a command:
 *   1. write planner/cmd_<verb>.c with `static int cmd_<verb>(int argc, char **argv)`
 *      and, at its end, `const struct sp_cmd sp_cmd_<verb> = { "<verb>", cmd_<verb>,
 *      "one-line summary", "usage: scaleplan <verb> ...\n..." };`;
 *   2. declare `extern const struct sp_cmd sp_cmd_<verb>;` below;
 *   3. add `&sp_cmd_<verb>` to sp_commands[] in planner/commands.c, where
 *      `scaleplan help` should list it;
 *   4. add golden tests under tests/golden/ (its --help, its errors, its output).
 * A command parses its options with getopt_long (opterr = 0, ':' first in the
 * short options), prints its usage errors with sp_cli_usage_error(&sp_cmd_<verb>,
 * ...) and returns an SP_EXIT_* code (planner/cli.h). Only main() and the
 * cmd_*.c files print or choose an exit code. */
#ifndef SP_COMMANDS_H
#define SP_COMMANDS_H
#include <stdio.h>

/* The synopsis of scaleplan itself. */
#define SP_USAGE_MAIN "usage: scaleplan [--version] [--help] [--no-color] COMMAND [OPTIONS] [FILE|DIR]\n"

struct sp_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);  /* argv[0] is the command's name; returns an SP_EXIT_* code */
	const char *summary;               /* one line for `scaleplan help` */
	const char *usage;                 /* full help text for `scaleplan help CMD` and --help; its first
					      line is the synopsis usage errors repeat */
};

extern const struct sp_cmd sp_cmd_init;
extern const struct sp_cmd sp_cmd_validate;
extern const struct sp_cmd sp_cmd_graph;
extern const struct sp_cmd sp_cmd_forecast;
extern const struct sp_cmd sp_cmd_roadmap;
extern const struct sp_cmd sp_cmd_report;
extern const struct sp_cmd sp_cmd_plan;
extern const struct sp_cmd sp_cmd_diff;
extern const struct sp_cmd sp_cmd_apply;
extern const struct sp_cmd sp_cmd_drift;
extern const struct sp_cmd sp_cmd_state;
extern const struct sp_cmd sp_cmd_comment;
extern const struct sp_cmd sp_cmd_help;
extern const struct sp_cmd sp_cmd_version;
extern const struct sp_cmd sp_cmd_completion;

/* Every command, in the order `scaleplan help` lists them; NULL ends it. */
extern const struct sp_cmd *const sp_commands[];

/* The command named name, or NULL. */
const struct sp_cmd *sp_cmd_find(const char *name);
/* The command whose name is closest to an unknown name (a typo), or NULL. */
const char *sp_cmd_suggest(const char *name);

/* The overview `scaleplan help` and `scaleplan --help` print: the synopsis,
 * what scaleplan does and one line per command (planner/cmd_help.c). */
void sp_cmd_print_overview(FILE *f);

#endif
