/* scaleplan init: write a commented starter spec; overwrite only with --force. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/starter.h"
#include "planner/workspace.h"
#include "providers/fsio.h"

static int cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	int c, force = 0;
	struct sp_err err;
	size_t len = strlen(sp_starter_spec);

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': path = optarg; break;
		case 'f': force = 1; break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_init); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_init, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_init, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind > 1 || (path && optind < argc))
		return sp_cli_usage_error(&sp_cmd_init, "too many arguments");
	if (optind < argc)
		path = argv[optind];
	if (!path)
		path = SP_DEFAULT_SPEC;
	if (!strcmp(path, "-")) {
		fwrite(sp_starter_spec, 1, len, stdout);
		return SP_EXIT_OK;
	}
	/* atomic either way: a new file appears whole, or not at all (SP_FS_CREATE
	 * refuses an existing one without a window between a check and the write) */
	if (sp_fs_write_atomic(path, sp_starter_spec, len, force ? SP_FS_REPLACE : SP_FS_CREATE, &err) < 0) {
		if (!force && err.code == SP_EINVAL)
			sp_ws_error("'%s' already exists; not overwriting it (--force replaces it)", path);
		else
			sp_ws_error("cannot write '%s': %s", path, err.msg);
		return SP_EXIT_ERROR;
	}
	printf("wrote %s: a starter spec; edit it, then run 'scaleplan validate %s'\n", path, path);
	return SP_EXIT_OK;
}

const struct sp_cmd sp_cmd_init = {
	"init", cmd_init, "write a commented starter spec",
	"usage: scaleplan init [--force] [FILE]\n"
	"\n"
	"Writes a commented starter spec to FILE (default: scaleplan.yaml) that\n"
	"validates as written: one driver, one region, a web service, a cache and a\n"
	"database. Refuses to overwrite an existing file unless --force is given; the\n"
	"file is written whole or not at all.\n"
	"\n"
	"  -o, --output FILE  write to FILE (same as the FILE argument; '-' for stdout)\n"
	"  -f, --force        replace FILE when it exists\n"
	"  -h, --help         show this help\n",
};
