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

/* ---- signals during apply ---------------------------------------------------------------- */

volatile sig_atomic_t sp_cli_signal;

static void on_signal(int sig)
{
	static const char again[] = "\nscaleplan: stopping now; the state records every operation that completed\n";

	if (sp_cli_signal) {
		/* the second one: only async-signal-safe calls here */
		ssize_t w = write(2, again, sizeof(again) - 1);
		(void)w;
		_exit(128 + sig);
	}
	sp_cli_signal = sig;
}

void sp_cli_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* SA_RESTART: a provider's read or write in flight goes on; the apply
	 * checks the flag between operations */
	sa.sa_flags = SA_RESTART;
	sp_cli_signal = 0;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void sp_cli_release_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
