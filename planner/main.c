/* scaleplan: the command table and dispatch. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/cli.h"

#define USAGE_MAIN \
	"usage: scaleplan [--version] [--help] [--no-color] COMMAND [OPTIONS] [FILE|DIR]\n"

const struct sp_cmd sp_commands[] = {
	{ "init", cmd_init, "write a commented starter spec",
	  "usage: scaleplan init [--force] [FILE]\n"
	  "\n"
	  "Writes a commented starter spec to FILE (default: scaleplan.yaml) that\n"
	  "validates as written: one driver, one region, a web service, a cache and a\n"
	  "database. Refuses to overwrite an existing file.\n"
	  "\n"
	  "  -o, --output FILE  write to FILE (same as the FILE argument; '-' for stdout)\n"
	  "  -h, --help         show this help\n" },
	{ "validate", cmd_validate, "load and check a spec; every error with its line and column",
	  "usage: scaleplan validate [--quiet] [FILE|DIR]\n"
	  "\n"
	  "Loads the spec (FILE, or every *.yaml and *.yml in DIR as one spec; default:\n"
	  "scaleplan.yaml), checks every key, type, unit, range and reference, builds the\n"
	  "dependency graph and rejects cycles. Every problem is reported as\n"
	  "FILE:LINE:COL: error: MESSAGE with the source line and a caret.\n"
	  "\n"
	  "  -q, --quiet        print nothing on success\n"
	  "      --no-color     no colour in messages\n"
	  "  -h, --help         show this help\n"
	  "\n"
	  "Exit status: 0 valid, 1 errors found, 2 usage error.\n" },
	{ "graph", cmd_graph, "render the dependency graph (DOT, SVG or PNG)",
	  "usage: scaleplan graph [--format dot|svg|png] [-o OUT] [FILE|DIR]\n"
	  "\n"
	  "Renders the dependency graph of services, caches, datastores, queues and GPU\n"
	  "workloads with Graphviz: shape and colour by kind, each node labelled with its\n"
	  "key figures, each edge with its ratio. DOT goes to standard output by default;\n"
	  "SVG and PNG need -o OUT unless standard output is not a terminal.\n"
	  "\n"
	  "  -f, --format FMT   dot (default), svg or png\n"
	  "  -o, --output OUT   write to OUT instead of standard output\n"
	  "  -h, --help         show this help\n" },
	{ "forecast", cmd_forecast, "demand, capacity and cost by month, with percentiles",
	  "usage: scaleplan forecast [OPTIONS] [FILE|DIR]\n"
	  "\n"
	  "Runs the capacity and cost model over the horizon: the growth drivers along\n"
	  "Monte Carlo paths, demand through the dependency graph, SLO-driven sizing and\n"
	  "pricing from the spec's catalog; then percentiles of every figure. Prints a\n"
	  "summary by year, capacity and cost by month, a breakdown, the saving from\n"
	  "purchase options, budget breaches and SLO or datastore warnings. The same\n"
	  "inputs and seed always give the same bytes. Fields: docs/forecast-output.md.\n"
	  "\n"
	  "  -f, --format FMT       table (default), csv, json or markdown\n"
	  "      --by GROUP        component (default), class, region or category\n"
	  "      --months N        months to forecast (default and most: the spec's horizon)\n"
	  "      --paths N         Monte Carlo paths, 1 to 100000 (default 1000)\n"
	  "      --seed S          random seed (default 20270101)\n"
	  "      --percentiles L   1 to 9 percentiles in (0, 100), such as 10,50,90 (default)\n"
	  "      --threads N       worker threads (default 2; the model uses at most 2)\n"
	  "  -o, --output OUT      write to OUT, whole or not at all ('-': standard output)\n"
	  "      --no-color        no colour in messages\n"
	  "  -h, --help            show this help\n"
	  "\n"
	  "Exit status: 0 done (budget breaches are reported, not failed), 1 error,\n"
	  "2 usage error.\n" },
	{ "plan", cmd_plan, "show what apply would change, and what it costs",
	  "usage: scaleplan plan [OPTIONS] [FILE|DIR]\n"
	  "\n"
	  "Builds the desired state for one month from the capacity model (one resource\n"
	  "per component and region), refreshes the current state from the provider, and\n"
	  "prints the difference: + create, ~ update, -/+ replace, - delete, with every\n"
	  "changed attribute as old -> new, a summary line, the monthly cost before and\n"
	  "after, and the cost over the whole horizon with its p10-p90 band.\n"
	  "\n"
	  "  -o, --out FILE          save the plan for 'scaleplan apply FILE' (with the\n"
	  "                          state's lineage and serial and the spec's digest)\n"
	  "      --format FMT        text (default), json (docs/plan-format.md) or markdown\n"
	  "                          (a pull-request comment, under 65,000 characters)\n"
	  "      --json              the same as --format json\n"
	  "      --at YYYY-MM        the month to provision for (default: this month plus\n"
	  "                          horizon.lead_time_months; SCALEPLAN_NOW overrides now)\n"
	  "      --percentile P      size for the P-th percentile of demand (default 50)\n"
	  "      --target ADDR       only this resource, component (service.api) or type;\n"
	  "                          repeatable\n"
	  "      --exclude ADDR      leave this resource, component or type alone; repeatable\n"
	  "      --refresh=false     trust the state instead of reading the provider\n"
	  "      --detailed-exitcode exit 2 when there are changes\n"
	  "      --max-deletes N     refuse a plan that destroys (deletes or replaces) more\n"
	  "                          than N resources (default: the spec's\n"
	  "                          lifecycle.max_deletes, else no limit; 'off': no limit)\n"
	  "      --paths N           Monte Carlo paths of the cost model (default 200)\n"
	  "      --seed S            random seed (default 20270101)\n"
	  "      --threads N         threads for the model (default 2)\n"
	  "      --no-color          no colour\n"
	  "  -h, --help              show this help\n"
	  "\n"
	  "Options also work with one dash, as in -out=FILE or -target=ADDR.\n"
	  "Exit status: 0 success (with --detailed-exitcode: no changes), 1 error,\n"
	  "2 changes present (with --detailed-exitcode) or a usage error, 3 more\n"
	  "resources destroyed than --max-deletes allows (nothing saved).\n" },
	{ "apply", cmd_apply, "make the infrastructure match a saved plan or the spec",
	  "usage: scaleplan apply [OPTIONS] [PLANFILE | FILE|DIR]\n"
	  "\n"
	  "With PLANFILE (from 'scaleplan plan -out'), applies exactly that plan, and\n"
	  "refuses it when the state changed since (another lineage or serial) or when a\n"
	  "resource it changes was changed outside scaleplan. With a spec, plans and\n"
	  "applies in one go: it shows the plan and asks for 'yes' on a terminal, or\n"
	  "needs --auto-approve. Creates run in dependency order, deletes in reverse,\n"
	  "independent resources in parallel; the state records each operation as it\n"
	  "completes, so after a failure or a kill, apply again continues.\n"
	  "\n"
	  "      --auto-approve      do not ask\n"
	  "      --parallelism N     operations at once (default 10)\n"
	  "      --lock-timeout D    wait up to D (30s, 2m, 500ms) for the state lock\n"
	  "      --max-deletes N     refuse to destroy more than N resources (also for a\n"
	  "                          saved plan)\n"
	  "      --at, --percentile, --target, --exclude, --refresh, --paths, --seed,\n"
	  "      --threads           as for plan, when planning here\n"
	  "      --no-color          no colour\n"
	  "  -h, --help              show this help\n"
	  "\n"
	  "Exit status: 0 applied, 1 error or a failed operation, 2 usage error, 3 more\n"
	  "resources destroyed than --max-deletes allows (nothing changed).\n" },
	{ "drift", cmd_drift, "show what changed outside scaleplan since the last apply",
	  "usage: scaleplan drift [--format text|json] [--state FILE] [--infra DIR] [FILE|DIR]\n"
	  "\n"
	  "Compares the state with what the provider really holds: resources changed,\n"
	  "deleted or created outside scaleplan, attribute by attribute. The spec (FILE,\n"
	  "default scaleplan.yaml when present) only says where the state and the\n"
	  "resources are.\n"
	  "\n"
	  "  -f, --format FMT   text (default) or json\n"
	  "      --json         the same as --format json\n"
	  "      --state FILE   the state file (default: the spec's, or .scaleplan/state.json)\n"
	  "      --infra DIR    the local provider's folder (default: the spec's, or .scaleplan/infra)\n"
	  "  -h, --help         show this help\n"
	  "\n"
	  "Exit status: 0 no drift, 1 error, 2 drift found.\n" },
	{ "state", cmd_state, "list, show, remove, import, pull, push or unlock state",
	  "usage: scaleplan state [--spec FILE|DIR] [--state FILE] SUBCOMMAND [ARGS]\n"
	  "\n"
	  "  list [ADDR...]      the addresses in the state (those matching ADDR: a\n"
	  "                      resource, a component like service.api, or a type)\n"
	  "  show ADDR           one resource's attributes and dependencies\n"
	  "  rm ADDR...          take resources out of management: the state forgets\n"
	  "                      them, and plan and apply leave them as they are (neither\n"
	  "                      adopted nor deleted) until 'state import'\n"
	  "  import ADDR...      manage again what 'state rm' took out (the provider's\n"
	  "                      copy is adopted as it is), or adopt a resource the\n"
	  "                      provider holds and the state does not\n"
	  "  pull                print the state (--backup: the state before its last\n"
	  "                      write; --no-journal: without the operations the journal\n"
	  "                      of an interrupted apply records), to recover a damaged one\n"
	  "  push FILE           replace the state with FILE; refused for another lineage\n"
	  "                      or an older serial unless --force\n"
	  "  unlock ID           clear the record of a lock whose process is gone\n"
	  "\n"
	  "      --spec FILE|DIR    the spec that says where the state is (default\n"
	  "                         scaleplan.yaml when present)\n"
	  "      --state FILE       the state file itself (default .scaleplan/state.json)\n"
	  "      --force            push: replace whatever lineage or serial is stored\n"
	  "                         (even a state that cannot be read)\n"
	  "      --lock-timeout D   rm, import, push: wait up to D (30s, 2m, 500ms) for\n"
	  "                         the lock\n"
	  "  -h, --help             show this help\n" },
	{ "help", cmd_help, "show help for scaleplan or one command",
	  "usage: scaleplan help [COMMAND]\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct sp_cmd *sp_cmd_find(const char *name)
{
	for (const struct sp_cmd *c = sp_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static void print_main_help(FILE *f)
{
	fputs(USAGE_MAIN, f);
	fputs("\nscaleplan plans infrastructure for growth: it reads a YAML spec of services,\n"
	      "SLOs, growth forecasts and GPU tiers, builds the dependency graph,\n"
	      "projects capacity and cost month by month, and plans and applies the\n"
	      "infrastructure each month needs.\n\nCommands:\n", f);
	for (const struct sp_cmd *c = sp_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputs("\nFILE defaults to scaleplan.yaml; a DIR loads every *.yaml in it as one spec.\n"
	      "Run 'scaleplan help COMMAND' for a command's options.\n", f);
}

int cmd_help(int argc, char **argv)
{
	const struct sp_cmd *c;
	if (argc < 2) {
		print_main_help(stdout);
		return SP_EXIT_OK;
	}
	if (argc > 2)
		return sp_cli_usage_error("help", "too many arguments");
	if (!(c = sp_cmd_find(argv[1]))) {
		sp_cli_error("unknown command '%s'", argv[1]);
		return SP_EXIT_USAGE;
	}
	sp_cli_print_usage(stdout, c);
	return SP_EXIT_OK;
}

int main(int argc, char **argv)
{
	int i = 1;
	const char *nc = getenv("NO_COLOR");

	sp_cli.no_color = nc && *nc;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("scaleplan %s\n", SP_VERSION);
			return SP_EXIT_OK;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			print_main_help(stdout);
			return SP_EXIT_OK;
		} else if (!strcmp(argv[i], "--no-color")) {
			sp_cli.no_color = 1;
		} else {
			fprintf(stderr, "scaleplan: unknown option '%s'\n", argv[i]);
			fputs(USAGE_MAIN, stderr);
			return SP_EXIT_USAGE;
		}
	}
	/* --no-color is also accepted after the command */
	for (int j = i; j < argc; j++)
		if (!strcmp(argv[j], "--no-color"))
			sp_cli.no_color = 1;
	sp_cli.color_err = !sp_cli.no_color && isatty(2);
	sp_cli.color_out = !sp_cli.no_color && isatty(1);
	if (i >= argc) {
		print_main_help(stderr);
		return SP_EXIT_USAGE;
	}
	const struct sp_cmd *c = sp_cmd_find(argv[i]);
	if (!c) {
		fprintf(stderr, "scaleplan: unknown command '%s'\n", argv[i]);
		fputs(USAGE_MAIN, stderr);
		fputs("Try 'scaleplan help' for the list of commands.\n", stderr);
		return SP_EXIT_USAGE;
	}
	optind = 0; /* glibc: full re-initialisation for the command's getopt */
	int ret = c->fn(argc - i, argv + i);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		sp_cli_error("cannot write to standard output");
		return SP_EXIT_ERROR;
	}
	return ret;
}
