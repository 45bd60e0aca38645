/* scaleplan graph: render the dependency graph with Graphviz. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/render_graph.h"
#include "planner/workspace.h"

static int cmd_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const char *format = "dot", *out = NULL, *path = SP_DEFAULT_SPEC;
	struct sp_spec *spec;
	struct sp_graph *g;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_err err;
	FILE *f = stdout;
	char tmp[4096];
	int c, ret = SP_EXIT_OK;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'o': out = optarg; break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_graph); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_graph, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_graph, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "dot") && strcmp(format, "svg") && strcmp(format, "png"))
		return sp_cli_usage_error(&sp_cmd_graph, "unknown format '%s'; expected dot, svg or png", format);
	if (argc - optind > 1)
		return sp_cli_usage_error(&sp_cmd_graph, "too many arguments");
	if (optind < argc)
		path = argv[optind];
	if (!out && strcmp(format, "dot") && isatty(1)) {
		sp_ws_error("not writing %s to a terminal; use -o FILE (or -o - to force it)",
			    !strcmp(format, "png") ? "PNG" : "SVG");
		return SP_EXIT_ERROR;
	}
	if (sp_ws_load(path, &spec, &g, &r) < 0) {
		sp_ws_report_print(&r);
		return SP_EXIT_ERROR;
	}
	sp_ws_report_print(&r);
	if (out && strcmp(out, "-")) {
		/* write beside the target and rename, so a failed render leaves no half file */
		snprintf(tmp, sizeof(tmp), "%s.tmp", out);
		if (!(f = fopen(tmp, "wb"))) {
			sp_ws_error("cannot create '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
			goto done;
		}
	}
	sp_err_clear(&err);
	if (sp_render_graph(spec, g, format, f, &err) < 0) {
		sp_ws_error("cannot render the graph: %s", err.msg);
		ret = SP_EXIT_ERROR;
	}
	if (f != stdout) {
		if (fclose(f) != 0 && ret == SP_EXIT_OK) {
			sp_ws_error("cannot write '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
		}
		if (ret == SP_EXIT_OK && rename(tmp, out) < 0) {
			sp_ws_error("cannot write '%s': %s", out, strerror(errno));
			ret = SP_EXIT_ERROR;
		}
		if (ret != SP_EXIT_OK)
			unlink(tmp);
	}
done:
	sp_graph_free(g);
	sp_spec_free(spec);
	return ret;
}

const struct sp_cmd sp_cmd_graph = {
	"graph", cmd_graph, "render the dependency graph (DOT, SVG or PNG)",
	"usage: scaleplan graph [--format dot|svg|png] [-o OUT] [FILE|DIR]\n"
	"\n"
	"Renders the dependency graph of services, caches, datastores, queues and GPU\n"
	"workloads with Graphviz: shape and colour by kind, each node labelled with its\n"
	"key figures, each edge with its ratio. DOT goes to standard output by default;\n"
	"SVG and PNG need -o OUT unless standard output is not a terminal.\n"
	"\n"
	"  -f, --format FMT   dot (default), svg or png\n"
	"  -o, --output OUT   write to OUT instead of standard output\n"
	"  -h, --help         show this help\n",
};
