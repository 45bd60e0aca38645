/* What every command shares: exit codes, colour settings, usage errors,
 * progress on a terminal, loading a spec with its diagnostics printed.
 * The command table and the steps to add a command: planner/commands.h.
 * Only main() and cmd_* functions print or choose an exit code. */
#ifndef SP_CLI_H
#define SP_CLI_H
#include <stdio.h>

#include "lib/diag.h"
#include "model/graph.h"
#include "model/spec.h"

enum {
	SP_EXIT_OK = 0,
	SP_EXIT_ERROR = 1,    /* bad input, failed operation */
	SP_EXIT_USAGE = 2,    /* unknown command or option */
	SP_EXIT_DELETES = 3,  /* plan or apply refused: it destroys more than --max-deletes */
};

struct sp_cmd;

/* Global settings from the command line and environment. */
struct sp_cli {
	int color_err;        /* colour on stderr */
	int color_out;        /* colour on stdout */
	int no_color;         /* --no-color or NO_COLOR */
};
extern struct sp_cli sp_cli;

/* Prints "scaleplan: error: ..." to stderr. */
void sp_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a usage error and the command's usage line; returns SP_EXIT_USAGE. */
int sp_cli_usage_error(const struct sp_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the full usage of a command to f. */
void sp_cli_print_usage(FILE *f, const struct sp_cmd *c);

/* A percentage on stderr, rewritten in place, for long work when stderr is
 * a terminal (the model's progress callback); sp_cli_progress_end clears it. */
struct sp_cli_progress {
	const char *what;     /* "forecast", "plan" */
	int shown, last;
};
/* Work (components x paths) from which progress is worth showing. */
#define SP_PROGRESS_MIN_WORK 100000
void sp_cli_progress_cb(void *ctx, size_t done, size_t total);
void sp_cli_progress_end(struct sp_cli_progress *p);

/* Default spec path when none is given. */
#define SP_DEFAULT_SPEC "scaleplan.yaml"

/* Loads and validates a spec (and builds its graph when g is non-NULL),
 * printing every diagnostic (warnings too) to stderr. Returns SP_EXIT_OK or
 * SP_EXIT_ERROR; on success the caller frees *spec and *g. */
int sp_cli_load(const char *path, struct sp_spec **spec, struct sp_graph **g);

/* Parses common options: returns the option index or -1; handles --help
 * (prints usage, sets *exit_now to 0) and unknown options (*exit_now = 2). */
#define SP_OPT_HELP 0x1000
#define SP_OPT_NO_COLOR 0x1001

#endif
