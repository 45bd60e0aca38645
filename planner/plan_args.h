/* What plan and apply share on the command line: their options, parsed in
 * one place, and the view of a made plan that both render. */
#ifndef SP_PLAN_ARGS_H
#define SP_PLAN_ARGS_H
#include <stddef.h>

#include "planner/cli.h"
#include "planner/gates.h"
#include "planner/plan.h"
#include "planner/render_plan.h"

struct sp_cmd;

struct sp_plan_args {
	struct sp_plan_opts o;        /* what sp_plan_make needs (spec path, month, percentile, ...) */
	const char **targets, **excludes;  /* owned arrays of pointers into argv */
	size_t ntargets, nexcludes;
	const char *format;           /* plan: "text", "json" or "markdown" */
	const char *out;              /* plan -out FILE, or NULL */
	const char *arg;              /* the operand: a spec, or apply's saved plan; NULL: none */
	int detailed;                 /* plan --detailed-exitcode */
	int auto_approve;             /* apply --auto-approve */
	int parallelism;              /* apply --parallelism (default 10) */
	const char *base;             /* plan --base REF: the change from REF's spec leads the plan; NULL: none */
	struct sp_gates gates;        /* plan --fail-on (planner/gates.h) */
	struct sp_cli_progress progress;  /* o.progress_ctx, when standard error is a terminal */
};

/* Parses argv (argv[0] the command's name) for cmd, &sp_cmd_plan or
 * &sp_cmd_apply: the options both take, and those only one takes (apply
 * refuses plan's output options, plan refuses --auto-approve). Single-dash
 * long options (-out=FILE) work too. The forecast's progress goes to a
 * terminal on standard error (end it with sp_cli_progress_end(&a->progress)
 * before printing anything after sp_plan_make). Returns 0; or -1 with *exit_now the exit
 * code once --help was printed (0) or a usage error was (1). Free a with
 * sp_plan_args_free in either case. */
int sp_plan_args_parse(struct sp_plan_args *a, const struct sp_cmd *cmd, int argc, char **argv, int *exit_now);
/* Frees the arrays sp_plan_args_parse allocated (not argv's strings). */
void sp_plan_args_free(struct sp_plan_args *a);

/* Fills v for rendering the made plan p with its cost block (kept by
 * pointer: cost must outlive v); colour follows standard output's setting. */
void sp_plan_args_view(struct sp_plan_view *v, const struct sp_plan *p, const struct sp_plan_cost *cost);

#endif
