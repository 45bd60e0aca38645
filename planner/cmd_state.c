/* scaleplan drift and scaleplan state (list, show, rm, pull, push, unlock). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/cmd_opts.h"
#include "planner/diff.h"
#include "planner/plan.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/state_json.h"

#define SP_STATE_FILE_MAX (256u << 20)

/* Reads the spec (spec_path, or scaleplan.yaml when it exists) and opens the
 * state backend, and the provider when need_provider, where --state and
 * --infra (when given) or the spec say. Prints what went wrong. */
static int open_ws(struct sp_ws *w, const char *spec_path, const char *state_path, const char *infra_path,
		   int need_provider)
{
	struct sp_err err;

	sp_err_clear(&err);
	if (sp_ws_read_spec(w, spec_path) < 0)
		return -1;
	if (state_path)
		w->where.state_path = state_path;
	if (infra_path)
		w->where.infra_path = infra_path;
	if (sp_ws_open(w, need_provider, &err) < 0) {
		sp_ws_print_err(&err);
		return -1;
	}
	return 0;
}

/* ---- drift ---------------------------------------------------------------- */

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
	if (open_ws(&w, spec_path, state_path, infra_path, 1) < 0)
		goto out;
	if (w.backend->ops->read(w.backend, &st, &err) < 0 || w.provider->ops->list(w.provider, &actual, &a, &err) < 0) {
		sp_ws_print_err(&err);
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
	if (!strcmp(format, "json")) {
		json_t *root = json_object(), *arr = json_array();
		char *s = NULL;
		json_object_set_new(root, "format_version", json_integer(1));
		json_object_set_new(root, "state", json_string(w.where.state_path));
		json_object_set_new(root, "provider", json_string(w.where.infra_path));
		json_object_set_new(root, "serial", json_integer((json_int_t)st->serial));
		for (size_t i = 0; i < d.n; i++) {
			const struct sp_change *ch = &d.v[i];
			json_t *o, *at;
			if (ch->action == SP_ACT_NOOP)
				continue;
			o = json_object();
			at = json_array();
			json_object_set_new(o, "address", json_string(ch->address));
			json_object_set_new(o, "kind", json_string(drift_kind(ch->action)));
			for (size_t k = 0; ch->action != SP_ACT_CREATE && ch->action != SP_ACT_DELETE && k < ch->nattrs;
			     k++) {
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
	} else if (!ndrift) {
		printf("No drift: the %zu resources in %s match the state %s (serial %llu).\n", st->resources.n,
		       w.where.infra_path, w.where.state_path, (unsigned long long)st->serial);
	} else {
		char b1[256], b2[256];
		printf("Drift: %zu resource%s in %s differ%s from the state %s (serial %llu)\n\n", ndrift,
		       ndrift == 1 ? "" : "s", w.where.infra_path, ndrift == 1 ? "s" : "", w.where.state_path,
		       (unsigned long long)st->serial);
		for (size_t i = 0; i < d.n; i++) {
			const struct sp_change *ch = &d.v[i];
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
	ret = ndrift ? 2 : SP_EXIT_OK;
out:
	sp_diags_free(&dg);
	sp_state_free(st);
	sp_arena_free(&a);
	sp_ws_close(&w);
	return ret;
}

/* ---- state ---------------------------------------------------------------- */

static int state_list(int argc, char **argv, const struct sp_state *st)
{
	for (size_t i = 0; i < st->resources.n; i++) {
		const char *addr = st->resources.v[i].address;
		int in = argc == 0;
		for (int k = 0; k < argc && !in; k++)
			in = sp_address_matches(addr, argv[k]);
		if (in)
			puts(addr);
	}
	return SP_EXIT_OK;
}

static int state_show(struct sp_state *st, const char *addr)
{
	const struct sp_resource *r = sp_resource_find(&st->resources, addr);
	char buf[256];
	size_t w = 0;

	if (!r) {
		sp_ws_error("%s: not in the state; 'scaleplan state list' shows what is", addr);
		return SP_EXIT_ERROR;
	}
	printf("# %s\n", r->address);
	for (size_t i = 0; i < r->nattrs; i++)
		if (strlen(r->attrs[i].key) > w)
			w = strlen(r->attrs[i].key);
	for (size_t i = 0; i < r->nattrs; i++) {
		sp_attr_format(buf, sizeof(buf), &r->attrs[i]);
		printf("%-*s = %s%s\n", (int)w, r->attrs[i].key, buf, r->attrs[i].force_new ? "  # change forces replacement" : "");
	}
	printf("depends_on = [");
	for (size_t i = 0; i < r->ndeps; i++)
		printf("%s\"%s\"", i ? ", " : "", r->depends_on[i]);
	printf("]\n");
	if (r->prevent_destroy)
		printf("lifecycle.prevent_destroy = true\n");
	if (r->allow_zero)
		printf("lifecycle.allow_zero = true\n");
	return SP_EXIT_OK;
}

static int state_rm(struct sp_ws *w, int argc, char **argv, int lock_ms)
{
	struct sp_state *st = NULL;
	struct sp_err err;
	struct sp_lock_info holder;
	size_t n = 0, removed = 0;
	int ret = SP_EXIT_ERROR;
	char *gone;

	sp_err_clear(&err);
	if (sp_ws_lock(w->backend, "state rm", lock_ms, &holder, &err) < 0) {
		sp_ws_print_lock_err(&err, &holder);
		return SP_EXIT_ERROR;
	}
	if (w->backend->ops->read(w->backend, &st, &err) < 0) {
		sp_ws_print_err(&err);
		return SP_EXIT_ERROR;
	}
	gone = sp_xcalloc(st->resources.n + 1, 1);
	for (int k = 0; k < argc; k++) {
		size_t hits = 0;
		for (size_t i = 0; i < st->resources.n; i++)
			if (sp_address_matches(st->resources.v[i].address, argv[k])) {
				hits++;
				gone[i] = 1;
			}
		if (!hits) {
			sp_ws_error("%s: no such resource in the state; nothing was removed", argv[k]);
			goto out;
		}
	}
	/* forgotten, and left alone: plan neither adopts the provider's copy
	 * nor deletes it until 'state import' (Terraform's removed block) */
	const char **addrs = sp_xcalloc(st->resources.n + 1, sizeof(*addrs));
	for (size_t i = 0; i < st->resources.n; i++) {
		if (gone[i]) {
			addrs[removed++] = st->resources.v[i].address;
			sp_state_set_removed(st, st->resources.v[i].address, 1);
		} else {
			st->resources.v[n++] = st->resources.v[i];
		}
	}
	st->resources.n = n;
	st->serial++;
	if (w->backend->ops->write(w->backend, st, &err) < 0) {
		sp_ws_print_err(&err);
		sp_ws_error("the state could not be written; nothing was removed");
		free(addrs);
		goto out;
	}
	for (size_t i = 0; i < removed; i++)
		printf("Removed %s from the state; plan and apply leave it as it is until 'scaleplan state import "
		       "%s'\n",
		       addrs[i], addrs[i]);
	free(addrs);
	printf("%zu resource%s removed; state serial %llu.\n", removed, removed == 1 ? "" : "s",
	       (unsigned long long)st->serial);
	ret = SP_EXIT_OK;
out:
	free(gone);
	sp_state_free(st);
	return ret;
}

/* The spec's lifecycle of a component, by type and name; NULL when the spec
 * has no such component. */
static const struct sp_lifecycle *spec_lifecycle(const struct sp_spec *s, const char *type, const char *name)
{
	if (!s)
		return NULL;
	if (!strcmp(type, "service"))
		for (size_t i = 0; i < s->nservices; i++)
			if (!strcmp(s->services[i].name, name))
				return &s->services[i].lifecycle;
	if (!strcmp(type, "cache"))
		for (size_t i = 0; i < s->ncaches; i++)
			if (!strcmp(s->caches[i].name, name))
				return &s->caches[i].lifecycle;
	if (!strcmp(type, "datastore"))
		for (size_t i = 0; i < s->ndatastores; i++)
			if (!strcmp(s->datastores[i].name, name))
				return &s->datastores[i].lifecycle;
	if (!strcmp(type, "queue"))
		for (size_t i = 0; i < s->nqueues; i++)
			if (!strcmp(s->queues[i].name, name))
				return &s->queues[i].lifecycle;
	if (!strcmp(type, "gpu"))
		for (size_t i = 0; i < s->ngpus; i++)
			if (!strcmp(s->gpus[i].name, name))
				return &s->gpus[i].lifecycle;
	return NULL;
}

/* state import: what 'state rm' left alone is managed again; the provider's
 * copy is adopted as it is (the next plan shows what the spec would change). */
static int state_import(struct sp_ws *w, int argc, char **argv, int lock_ms)
{
	struct sp_state *st = NULL;
	struct sp_resource_set add = { 0 };
	struct sp_arena a;
	struct sp_err err;
	struct sp_lock_info holder;
	struct sp_sb msg = SP_SB_INIT;
	int ret = SP_EXIT_ERROR;

	sp_arena_init(&a);
	sp_err_clear(&err);
	add.v = SP_NEWN(&a, struct sp_resource, (size_t)argc);
	if (sp_ws_lock(w->backend, "state import", lock_ms, &holder, &err) < 0) {
		sp_ws_print_lock_err(&err, &holder);
		goto out;
	}
	if (w->backend->ops->read(w->backend, &st, &err) < 0) {
		sp_ws_print_err(&err);
		goto out;
	}
	for (int k = 0; k < argc; k++) {
		const char *addr = argv[k];
		struct sp_resource r;
		const char *type, *name, *region;
		if (sp_resource_parse_address(&a, addr, &type, &name, &region) < 0) {
			sp_ws_error("'%s' is not a resource address (like datastore.orders-db[us-east-1]); nothing was "
				     "imported",
				     addr);
			goto out;
		}
		if (sp_resource_find(&st->resources, addr) || sp_resource_find(&add, addr)) {
			sp_ws_error("%s: already in the state; nothing was imported", addr);
			goto out;
		}
		int rc = w->provider->ops->read(w->provider, addr, &r, &a, &err);
		if (rc == SP_ENOTFOUND) {
			if (!sp_state_is_removed(st, addr)) {
				sp_ws_error("%s: the provider (%s) holds no such resource, and it was not removed from the "
					     "state; nothing was imported",
					     addr, w->where.infra_path);
				goto out;
			}
			sp_state_set_removed(st, addr, 0);
			sp_sb_addf(&msg, "%s no longer exists in the provider: it is managed again, and the next plan "
					 "creates it if the spec wants it\n",
				   addr);
			continue;
		}
		if (rc < 0) {
			sp_ws_print_err(&err);
			goto out;
		}
		const struct sp_lifecycle *lc = spec_lifecycle(w->spec, type, name);
		if (lc) {
			r.prevent_destroy = lc->prevent_destroy;
			r.allow_zero = lc->allow_zero;
		}
		add.v[add.n++] = r;
		sp_state_set_removed(st, addr, 0);
		sp_sb_addf(&msg, "Imported %s: the state takes the provider's copy as it is; the next plan shows "
				 "what the spec changes\n",
			   addr);
	}
	/* merge the imported resources in, sorted */
	struct sp_resource *v = SP_NEWN(&a, struct sp_resource, st->resources.n + add.n);
	memcpy(v, st->resources.v, st->resources.n * sizeof(*v));
	memcpy(v + st->resources.n, add.v, add.n * sizeof(*v));
	st->resources.v = v;
	st->resources.n += add.n;
	sp_resource_set_sort(&st->resources);
	st->serial++;
	if (w->backend->ops->write(w->backend, st, &err) < 0) {
		sp_ws_print_err(&err);
		sp_ws_error("the state could not be written; nothing was imported");
		goto out;
	}
	fputs(msg.buf ? msg.buf : "", stdout);
	printf("%d address%s imported; state serial %llu.\n", argc, argc == 1 ? "" : "es",
	       (unsigned long long)st->serial);
	ret = SP_EXIT_OK;
out:
	sp_sb_release(&msg);
	sp_state_free(st);
	sp_arena_free(&a);
	return ret;
}

static int state_push(struct sp_ws *w, const char *file, int force, int lock_ms)
{
	struct sp_sb sb = SP_SB_INIT;
	struct sp_state *in = NULL, *cur = NULL;
	struct sp_err err;
	struct sp_lock_info holder;
	int ret = SP_EXIT_ERROR;

	sp_err_clear(&err);
	if (sp_sb_read_file(&sb, file, SP_STATE_FILE_MAX) < 0) {
		sp_ws_error("cannot read '%s': %s", file, strerror(errno));
		goto out;
	}
	if (sp_state_from_json(&in, sb.buf, sb.len, file, &err) < 0) {
		sp_ws_print_err(&err);
		if (err.code == SP_ECORRUPT)
			fprintf(stderr, "scaleplan: a file that is damaged is never pushed; if you edited '%s' on purpose, "
					"delete its \"checksum\" line and push it again\n",
				file);
		goto out;
	}
	/* the journal an apply was recording to is the backend's, never a file's */
	in->journal[0] = '\0';
	if (sp_ws_lock(w->backend, "state push", lock_ms, &holder, &err) < 0) {
		sp_ws_print_lock_err(&err, &holder);
		goto out;
	}
	if (w->backend->ops->read(w->backend, &cur, &err) < 0) {
		if (!force) {
			sp_ws_print_err(&err);
			fputs("scaleplan: --force replaces a state that cannot be read (the old file is kept as the "
			      "backup)\n",
			      stderr);
			goto out;
		}
		/* a damaged state: --force replaces it whatever it holds */
		cur = sp_state_new();
		sp_err_clear(&err);
	}
	if (cur->serial && strcmp(cur->lineage, in->lineage)) {
		if (!force) {
			sp_ws_error("'%s' has lineage %s, but the stored state has lineage %s: a different history; "
				     "--force replaces it",
				     file, in->lineage, cur->lineage);
			goto out;
		}
	} else if (in->serial < cur->serial) {
		if (!force) {
			sp_ws_error("'%s' has serial %llu, older than the stored serial %llu; --force replaces it", file,
				     (unsigned long long)in->serial, (unsigned long long)cur->serial);
			goto out;
		}
	}
	if (force && in->serial <= cur->serial)
		in->serial = cur->serial + 1;
	if (w->backend->ops->write_force && force) {
		if (w->backend->ops->write_force(w->backend, in, &err) < 0) {
			sp_ws_print_err(&err);
			goto out;
		}
	} else if (w->backend->ops->write(w->backend, in, &err) < 0) {
		sp_ws_print_err(&err);
		goto out;
	}
	printf("Pushed '%s' to %s: lineage %s, serial %llu, %zu resources.\n", file, w->where.state_path, in->lineage,
	       (unsigned long long)in->serial, in->resources.n);
	ret = SP_EXIT_OK;
out:
	sp_state_free(in);
	sp_state_free(cur);
	sp_sb_release(&sb);
	return ret;
}

static int cmd_state(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "spec", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'F' },
		{ "backup", no_argument, NULL, 'B' },
		{ "no-journal", no_argument, NULL, 'N' },
		{ "lock-timeout", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "list", "show", "rm", "import", "pull", "push", "unlock", NULL };
	struct sp_ws w = { 0 };
	struct sp_state *st = NULL;
	struct sp_err err;
	const char *sub, *spec_path = NULL, *state_path = NULL;
	int c, force = 0, lock_ms = 0, ret = SP_EXIT_ERROR, nargs, known = 0, recovery = 0;
	char **args;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': spec_path = optarg; break;
		case 's': state_path = optarg; break;
		case 'F': force = 1; break;
		case 'B': recovery = SP_READ_BACKUP; break;
		case 'N': recovery = SP_READ_NO_JOURNAL; break;
		case 'L':
			if (sp_parse_duration_ms(optarg, &lock_ms) < 0)
				return sp_cli_usage_error(&sp_cmd_state, "invalid value '%s' for option '--lock-timeout'", optarg);
			break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_state); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_state, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_state, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return sp_cli_usage_error(&sp_cmd_state, "missing subcommand: list, show, rm, import, pull, push or unlock");
	sub = argv[optind++];
	for (int k = 0; subs[k]; k++)
		known |= !strcmp(sub, subs[k]);
	if (!known)
		return sp_cli_usage_error(&sp_cmd_state, "unknown subcommand '%s'", sub);
	/* options may also follow the subcommand: parse the rest afresh, with
	 * the subcommand as its argv[0] (optind 0 re-initialises getopt) */
	argv += optind - 1;
	argc -= optind - 1;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': spec_path = optarg; break;
		case 's': state_path = optarg; break;
		case 'F': force = 1; break;
		case 'B': recovery = SP_READ_BACKUP; break;
		case 'N': recovery = SP_READ_NO_JOURNAL; break;
		case 'L':
			if (sp_parse_duration_ms(optarg, &lock_ms) < 0)
				return sp_cli_usage_error(&sp_cmd_state, "invalid value '%s' for option '--lock-timeout'", optarg);
			break;
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_state); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		case ':': return sp_cli_usage_error(&sp_cmd_state, "option '%s' needs a value", argv[optind - 1]);
		default: return sp_cli_usage_error(&sp_cmd_state, "unknown option '%s'", argv[optind - 1]);
		}
	}
	args = argv + optind;
	nargs = argc - optind;
	if ((!strcmp(sub, "show") || !strcmp(sub, "push") || !strcmp(sub, "unlock")) && nargs != 1)
		return sp_cli_usage_error(&sp_cmd_state, "'state %s' takes one argument", sub);
	if ((!strcmp(sub, "rm") || !strcmp(sub, "import")) && nargs < 1)
		return sp_cli_usage_error(&sp_cmd_state, "'state %s' needs at least one address", sub);
	if (recovery && strcmp(sub, "pull"))
		return sp_cli_usage_error(&sp_cmd_state, "--backup and --no-journal are for 'state pull'");
	if (!strcmp(sub, "pull") && nargs)
		return sp_cli_usage_error(&sp_cmd_state, "'state pull' takes no argument");
	if (force && strcmp(sub, "push"))
		return sp_cli_usage_error(&sp_cmd_state, "--force is for 'state push'");

	sp_err_clear(&err);
	if (open_ws(&w, spec_path, state_path, NULL, !strcmp(sub, "import")) < 0)
		goto out;
	if (!strcmp(sub, "rm")) {
		ret = state_rm(&w, nargs, args, lock_ms);
	} else if (!strcmp(sub, "import")) {
		ret = state_import(&w, nargs, args, lock_ms);
	} else if (recovery) {
		char *text;
		if (w.backend->ops->read_recovery(w.backend, recovery, &st, &err) < 0 || sp_state_to_json(st, &text, &err) < 0) {
			sp_ws_print_err(&err);
			goto out;
		}
		fputs(text, stdout);
		free(text);
		ret = SP_EXIT_OK;
	} else if (!strcmp(sub, "push")) {
		ret = state_push(&w, args[0], force, lock_ms);
	} else if (!strcmp(sub, "unlock")) {
		if (w.backend->ops->unlock(w.backend, args[0], &err) < 0) {
			sp_ws_print_err(&err);
			goto out;
		}
		printf("Cleared the lock %s on %s.\n", args[0], w.where.state_path);
		ret = SP_EXIT_OK;
	} else {
		if (w.backend->ops->read(w.backend, &st, &err) < 0) {
			sp_ws_print_err(&err);
			goto out;
		}
		if (!strcmp(sub, "list")) {
			ret = state_list(nargs, args, st);
		} else if (!strcmp(sub, "show")) {
			ret = state_show(st, args[0]);
		} else {
			char *text;
			if (sp_state_to_json(st, &text, &err) < 0) {
				sp_ws_print_err(&err);
				goto out;
			}
			fputs(text, stdout);
			free(text);
			ret = SP_EXIT_OK;
		}
	}
out:
	sp_state_free(st);
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

const struct sp_cmd sp_cmd_state = {
	"state", cmd_state, "list, show, remove, import, pull, push or unlock state",
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
	"  -h, --help             show this help\n",
};
