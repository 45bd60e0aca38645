/* scaleplan drift: what changed outside scaleplan since the last apply. */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/diff.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/state_json.h"

static json_t *jattr(const struct sp_attr *a)
{
	if (!a)
		return json_null();
	if (a->type == SP_ATTR_STR)
		return json_string(a->s);
	if (a->type == SP_ATTR_BOOL)
		return json_boolean(a->n != 0);
	if (a->n == floor(a->n) && fabs(a->n) < 9007199254740992.0)
		return json_integer((json_int_t)a->n);
	return json_real(a->n);
}

static const char *drift_kind(enum sp_action a)
{
	/* the diff runs actual (as desired) against the state (as current) */
	return a == SP_ACT_CREATE ? "unmanaged" : a == SP_ACT_DELETE ? "missing" : "changed";
}

/* The drift document (docs/plan-format.md): every change but the no-ops. */
static void print_json(const struct sp_diff *d, const struct sp_ws *w, const struct sp_state *st)
{
	json_t *root = json_object(), *arr = json_array();
	struct sp_err err;
	char *s = NULL;

	sp_err_clear(&err);
	json_object_set_new(root, "format_version", json_integer(1));
	json_object_set_new(root, "state", json_string(w->backend->where));
	json_object_set_new(root, "provider", json_string(w->provider->where));
	json_object_set_new(root, "serial", json_integer((json_int_t)st->serial));
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *ch = &d->v[i];
		json_t *o, *at;
		if (ch->action == SP_ACT_NOOP)
			continue;
		o = json_object();
		at = json_array();
		json_object_set_new(o, "address", json_string(ch->address));
		json_object_set_new(o, "kind", json_string(drift_kind(ch->action)));
		for (size_t k = 0; ch->action != SP_ACT_CREATE && ch->action != SP_ACT_DELETE && k < ch->nattrs; k++) {
			json_t *x = json_object();
			json_object_set_new(x, "name", json_string(ch->attrs[k].key));
			json_object_set_new(x, "state", jattr(ch->attrs[k].before));
			json_object_set_new(x, "actual", jattr(ch->attrs[k].after));
			json_array_append_new(at, x);
		}
		json_object_set_new(o, "attributes", at);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "drift", arr);
	if (sp_json_dump(root, 0, &s, &err) == 0)
		fputs(s, stdout);
	free(s);
	json_decref(root);
}

/* One line per resource that drifted, with each attribute state -> actual. */
static void print_text(const struct sp_diff *d, size_t ndrift, const struct sp_ws *w,
		       const struct sp_state *st)
{
	char b1[256], b2[256];

	if (!ndrift) {
		printf("No drift: the %zu resources in %s match the state %s (serial %llu).\n", st->resources.n,
		       w->provider->where, w->backend->where, (unsigned long long)st->serial);
		return;
	}
	printf("Drift: %zu resource%s in %s differ%s from the state %s (serial %llu)\n\n", ndrift,
	       ndrift == 1 ? "" : "s", w->provider->where, ndrift == 1 ? "s" : "", w->backend->where,
	       (unsigned long long)st->serial);
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *ch = &d->v[i];
		if (ch->action == SP_ACT_NOOP)
			continue;
		if (ch->action == SP_ACT_CREATE) {
			printf("  + %s: exists, but is not in the state (created outside scaleplan)\n", ch->address);
		} else if (ch->action == SP_ACT_DELETE) {
			printf("  - %s: in the state, but gone (deleted outside scaleplan)\n", ch->address);
		} else {
			printf("  ~ %s: changed outside scaleplan\n", ch->address);
			for (size_t k = 0; k < ch->nattrs; k++) {
				sp_attr_format(b1, sizeof(b1), ch->attrs[k].before);
				sp_attr_format(b2, sizeof(b2), ch->attrs[k].after);
				printf("      %s: %s (state) -> %s (actual)\n", ch->attrs[k].key, b1, b2);
			}
		}
	}
	printf("\n'scaleplan plan' shows what apply would do about it.\n");
}

static int cmd_drift(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "state", required_argument, NULL, 's' },
		{ "infra", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_ws w = { 0 };
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	const char *format = "text", *spec_path = NULL, *state_path = NULL, *infra_path = NULL;
	struct sp_state *st = NULL;
	struct sp_resource_set actual = { 0 };
	struct sp_arena a;
	struct sp_diff d;
	struct sp_diags dg;
	struct sp_err err;
	size_t ndrift;
	int c, ret = SP_EXIT_ERROR;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'j': format = "json"; break;
		case 's': state_path = optarg; break;
		case 'i': infra_path = optarg; break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_drift); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_drift, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_drift, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return sp_cli_usage_error(&sp_cmd_drift, "unknown format '%s'; expected text or json", format);
	if (argc - optind > 1)
		return sp_cli_usage_error(&sp_cmd_drift, "too many arguments");
	if (optind < argc)
		spec_path = argv[optind];
	sp_arena_init(&a);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	if (sp_ws_open_where(&w, spec_path, state_path, infra_path, 1, &r) < 0) {
		sp_ws_report_print(&r);
		goto out;
	}
	sp_ws_report_print(&r);
	if (w.backend->ops->read(w.backend, &st, &err) < 0 || w.provider->ops->list(w.provider, &actual, &a, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	/* nothing to compare: no spec said where, and no state was ever written
	 * there (an empty folder, or a mistyped --state) */
	if (!w.spec && !spec_path && !state_path && st->serial == 0 && !st->resources.n) {
		sp_ws_error("no spec (%s) and no state (%s) here: nothing to compare; run drift in the folder of a "
			    "spec, or name one with --spec or the state with --state", SP_DEFAULT_SPEC, w.backend->where);
		goto out;
	}
	if (st->serial == 0 && !st->resources.n && state_path) {
		sp_ws_error("no state at '%s': nothing to compare", state_path);
		goto out;
	}
	/* what 'state rm' took out of management is left alone, not drift */
	size_t kept = 0;
	for (size_t i = 0; i < actual.n; i++)
		if (!sp_state_is_removed(st, actual.v[i].address))
			actual.v[kept++] = actual.v[i];
	actual.n = kept;
	sp_diff_build(&d, &a, &actual, &st->resources, NULL, 0, NULL, 0, NULL, &dg);
	ndrift = d.n - d.counts[SP_ACT_NOOP];
	if (!strcmp(format, "json"))
		print_json(&d, &w, st);
	else
		print_text(&d, ndrift, &w, st);
	ret = ndrift ? SP_EXIT_CHANGES : SP_EXIT_OK;
out:
	sp_diags_free(&dg);
	sp_state_free(st);
	sp_arena_free(&a);
	sp_ws_close(&w);
	return ret;
}

const struct sp_cmd sp_cmd_drift = {
	"drift", cmd_drift, "show what changed outside scaleplan since the last apply",
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
	"Exit status: 0 no drift, 1 error, 2 drift found.\n",
};
