/* What every command shares on the command line: exit codes, colour
 * settings, usage errors and help, progress on a terminal. The command table
 * and the steps to add a command: planner/commands.h; the workspace (spec,
 * catalog, state, provider) and the error printer: planner/workspace.h.
 * Only main() and cmd_* functions print or choose an exit code; the
 * functions here print on their behalf. */
#ifndef SP_CLI_H
#define SP_CLI_H
#include <stddef.h>
#include <stdio.h>

/* The exit codes (docs/plan-format.md, "Exit codes"). A usage error is 1, as
 * in Terraform, so that 2 always means "changes present" under plan's
 * --detailed-exitcode (and "drift found" for drift). */
enum {
	SP_EXIT_OK = 0,
	SP_EXIT_ERROR = 1,    /* bad input, failed operation */
	SP_EXIT_USAGE = 1,    /* unknown command or option, a bad option value */
	SP_EXIT_CHANGES = 2,  /* plan --detailed-exitcode: changes present; drift: drift found */
	SP_EXIT_DELETES = 3,  /* plan or apply refused: it destroys more than --max-deletes */
	SP_EXIT_GATE = 4,     /* a --fail-on gate tripped (planner/gates.h) */
};

struct sp_cmd;

/* Global settings from the command line and environment. */
struct sp_cli {
	int color_err;        /* colour on stderr */
	int color_out;        /* colour on stdout */
	int no_color;         /* --no-color or NO_COLOR */
};
extern struct sp_cli sp_cli;

/* Prints "scaleplan: MSG", the command's synopsis (the first line of its
 * usage) and where to read more to stderr; c NULL: the list of commands.
 * Returns SP_EXIT_USAGE. */
int sp_cli_usage_error(const struct sp_cmd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the command's whole usage text to f. */
void sp_cli_print_usage(FILE *f, const struct sp_cmd *c);

/* A percentage on stderr, rewritten in place, for long work when stderr is
 * a terminal: sp_cli_progress_cb is the model's progress callback (ctx a
 * struct sp_cli_progress, first {what, 0, -1}); sp_cli_progress_end clears
 * the line when one was shown. */
struct sp_cli_progress {
	const char *what;     /* "forecast", "plan" */
	int shown, last;
};
/* Work (components x paths) from which progress is worth showing. */
#define SP_PROGRESS_MIN_WORK 100000
void sp_cli_progress_cb(void *ctx, size_t done, size_t total);
void sp_cli_progress_end(struct sp_cli_progress *p);

/* Ctrl-C and SIGTERM while an apply runs: sp_cli_catch_signals makes the
 * first SIGINT or SIGTERM set sp_cli_signal (the signal's number) so that
 * the apply starts nothing new, finishes and records what is in flight,
 * writes the state and releases the lock; a second one ends the process at
 * once (exit 128 + its number; every completed operation is in the state's
 * journal already). sp_cli_release_signals puts the default actions back.
 * The exit code after an interrupted apply is 128 + the signal (130 for
 * Ctrl-C, 143 for SIGTERM), as shells report a process a signal ended. */
#include <signal.h>
extern volatile sig_atomic_t sp_cli_signal;
void sp_cli_catch_signals(void);
void sp_cli_release_signals(void);

/* getopt_long's value for --no-color, which every command accepts (main()
 * reads it before the command runs). */
#define SP_OPT_NO_COLOR 0x1001

#endif
