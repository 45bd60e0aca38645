#include "planner/cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/commands.h"

struct sp_cli sp_cli;

void sp_cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("scaleplan: ", stderr);
	fputs(sp_cli.color_err ? "\033[1;31merror:\033[0m " : "error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

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

int sp_cli_load(const char *path, struct sp_spec **spec, struct sp_graph **g)
{
	struct sp_diags d;
	int ret = SP_EXIT_OK;

	*spec = NULL;
	if (g)
		*g = NULL;
	sp_diags_init(&d);
	if (sp_spec_load(spec, path, &d) < 0) {
		ret = SP_EXIT_ERROR;
	} else if (g && sp_graph_build(g, *spec, &d) < 0) {
		ret = SP_EXIT_ERROR;
	} else if (g) {
		sp_graph_lint(*g, &d);
	}
	if (d.n) {
		sp_diags_sort(&d);
		sp_diags_print(stderr, &d, sp_cli.color_err);
	}
	if (ret != SP_EXIT_OK && !strcmp(path, SP_DEFAULT_SPEC) && access(path, F_OK) < 0)
		fputs("scaleplan: hint: no spec named; 'scaleplan init' writes a starter scaleplan.yaml\n", stderr);
	if (ret != SP_EXIT_OK) {
		if (g && *g) {
			sp_graph_free(*g);
			*g = NULL;
		}
		sp_spec_free(*spec);
		*spec = NULL;
	}
	sp_diags_free(&d);
	return ret;
}
