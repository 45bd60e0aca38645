/* scaleplan version (and --version): the version, the shipped catalog's
 * date, and the versions of the libraries this binary runs with. */
#include <curl/curl.h>
#include <getopt.h>
#include <git2.h>
#include <graphviz/gvc.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/workspace.h"
#include "providers/catalog.h"

static int cmd_version(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_catalog *cat = NULL;
	struct sp_err err;
	int c, major = 0, minor = 0, rev = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_version); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		default: return sp_cli_usage_error(&sp_cmd_version, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sp_cli_usage_error(&sp_cmd_version, "too many arguments");
	printf("scaleplan %s\n", SP_VERSION);
	sp_err_clear(&err);
	if (sp_catalog_load(&cat, "aws-us-east-1", sp_ws_catalog_path(), &err) == 0)
		printf("catalog    %s, prices as of %s (%s)\n", cat->name, cat->as_of, cat->currency);
	else
		printf("catalog    aws-us-east-1 not found: %s\n", err.msg);
	sp_catalog_free(cat);
	printf("libyaml    %s\n", yaml_get_version_string());
	git_libgit2_version(&major, &minor, &rev);
	printf("libgit2    %d.%d.%d\n", major, minor, rev);
	printf("libcurl    %s\n", curl_version_info(CURLVERSION_NOW)->version);
	printf("jansson    %s\n", jansson_version_str());
	GVC_t *gvc = gvContext();
	printf("graphviz   %s\n", gvc ? gvcVersion(gvc) : "(cannot start)");
	if (gvc)
		gvFreeContext(gvc);
	return SP_EXIT_OK;
}

const struct sp_cmd sp_cmd_version = {
	"version", cmd_version, "the version, the catalog's date and the libraries'",
	"usage: scaleplan version\n"
	"\n"
	"Prints scaleplan's version, the date of the prices in the shipped catalog, and\n"
	"the versions of libyaml, libgit2, libcurl, jansson and Graphviz it runs with.\n"
	"Same as scaleplan --version.\n"
	"\n"
	"  -h, --help         show this help\n",
};
