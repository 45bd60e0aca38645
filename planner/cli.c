/* Command-line conventions every command shares (planner/cli.h): usage
 * errors, help, and progress on a terminal. */
#include "planner/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/commands.h"

struct sp_cli sp_cli;

void sp_cli_print_usage(FILE *f, const struct sp_cmd *c)
{
	fputs(c->usage, f);
}

int sp_cli_usage_error(const struct sp_cmd *c, const char *fmt, ...)
{
	va_list ap;

	fputs("scaleplan: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c) {
		/* the first line of the usage text is the synopsis */
		const char *nl = strchr(c->usage, '\n');
		fprintf(stderr, "%.*s\n", nl ? (int)(nl - c->usage) : (int)strlen(c->usage), c->usage);
		fprintf(stderr, "Try 'scaleplan help %s' for more information.\n", c->name);
	} else {
		fputs("Try 'scaleplan help' for the list of commands.\n", stderr);
	}
	return SP_EXIT_USAGE;
}

void sp_cli_progress_cb(void *ctx, size_t done, size_t total)
{
	struct sp_cli_progress *p = ctx;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct == p->last)
		return;
	p->last = pct;
	p->shown = 1;
	fprintf(stderr, "\rscaleplan: %s: %3d%%", p->what, pct);
	fflush(stderr);
}

void sp_cli_progress_end(struct sp_cli_progress *p)
{
	if (!p->shown)
		return;
	fputs("\r                              \r", stderr);
	fflush(stderr);
	p->shown = 0;
}
