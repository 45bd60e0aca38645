/* scaleplan state: list, show, rm, import, pull, push, unlock and migrate. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/desired.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/cmd_opts.h"
#include "planner/diff.h"
#include "planner/plan.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/state_json.h"

#define SP_STATE_FILE_MAX (256u << 20)

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
		sp_ws_print_err(&err, NULL);
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
		sp_ws_print_err(&err, NULL);
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
struct find_lc {
	const char *type, *name;
	const struct sp_lifecycle *found;
};

static void find_lc(void *ctx, const char *type, const char *name, const struct sp_lifecycle *lc)
{
	struct find_lc *f = ctx;
	if (!f->found && !strcmp(type, f->type) && !strcmp(name, f->name))
		f->found = lc;
}

/* The spec's lifecycle of a component, by type and name; NULL when there is
 * no spec or no such component. */
static const struct sp_lifecycle *spec_lifecycle(const struct sp_spec *s, const char *type, const char *name)
{
	struct find_lc f = { type, name, NULL };
	if (s)
		sp_spec_each_lifecycle(s, find_lc, &f);
	return f.found;
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
		sp_ws_print_err(&err, NULL);
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
					     addr, w->provider->where);
				goto out;
			}
			sp_state_set_removed(st, addr, 0);
			sp_sb_addf(&msg, "%s no longer exists in the provider: it is managed again, and the next plan "
					 "creates it if the spec wants it\n",
				   addr);
			continue;
		}
		if (rc < 0) {
			sp_ws_print_err(&err, NULL);
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
		sp_ws_print_err(&err, NULL);
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
		struct sp_src text = { file, sb.buf, sb.len };
		sp_ws_print_err(&err, &text);
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
			sp_ws_print_err(&err, NULL);
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
			sp_ws_print_err(&err, NULL);
			goto out;
		}
	} else if (w->backend->ops->write(w->backend, in, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	printf("Pushed '%s' to %s: lineage %s, serial %llu, %zu resources.\n", file, w->backend->where, in->lineage,
	       (unsigned long long)in->serial, in->resources.n);
	ret = SP_EXIT_OK;
out:
	sp_state_free(in);
	sp_state_free(cur);
	sp_sb_release(&sb);
	return ret;
}

/* state pull: the state as stored, or as recovery reads it (--backup,
 * --no-journal). */
static int state_pull(struct sp_ws *w, int recovery)
{
	struct sp_state *st = NULL;
	struct sp_err err;
	char *text = NULL;
	int rc;

	sp_err_clear(&err);
	rc = recovery ? w->backend->ops->read_recovery(w->backend, recovery, &st, &err)
		      : w->backend->ops->read(w->backend, &st, &err);
	if (rc < 0 || sp_state_to_json(st, &text, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		sp_state_free(st);
		return SP_EXIT_ERROR;
	}
	fputs(text, stdout);
	free(text);
	sp_state_free(st);
	return SP_EXIT_OK;
}

/* state list and state show: they read the state and change nothing. */
static int state_read(struct sp_ws *w, const char *sub, int nargs, char **args)
{
	struct sp_state *st = NULL;
	struct sp_err err;
	int ret;

	sp_err_clear(&err);
	if (w->backend->ops->read(w->backend, &st, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		return SP_EXIT_ERROR;
	}
	ret = !strcmp(sub, "list") ? state_list(nargs, args, st) : state_show(st, args[0]);
	sp_state_free(st);
	return ret;
}

static int state_unlock(struct sp_ws *w, const char *id)
{
	struct sp_err err;

	sp_err_clear(&err);
	if (w->backend->ops->unlock(w->backend, id, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		return SP_EXIT_ERROR;
	}
	printf("Cleared the lock %s on %s.\n", id, w->backend->where);
	return SP_EXIT_OK;
}

/* state migrate: the state copied into another backend, lineage and serial
 * kept (from a local file into the spec's etcd, or from the spec's state
 * into a local file). The source is left as it is. */
static int state_migrate(struct sp_ws *w, const char *to, int force, int lock_ms)
{
	struct sp_state_cfg dcfg;
	struct sp_backend *dst = NULL;
	struct sp_state *st = NULL, *cur = NULL;
	struct sp_lock_info holder;
	struct sp_err err;
	int ret = SP_EXIT_ERROR;

	sp_err_clear(&err);
	if (!strcmp(to, "etcd")) {
		if (!w->spec || strcmp(w->spec->state.backend, "etcd")) {
			sp_ws_error("--to etcd copies the state into the etcd that the spec's 'state:' section names "
				    "(backend: etcd, endpoints, prefix), and %s",
				    w->spec ? "this spec names another backend" : "no spec was read");
			return SP_EXIT_ERROR;
		}
		if (!strcmp(w->where.state.backend, "etcd")) {
			sp_ws_error("the state to copy is the spec's etcd state itself; name the local state to copy "
				    "with --state FILE");
			return SP_EXIT_ERROR;
		}
		dcfg = w->spec->state;
	} else {
		sp_state_cfg_init(&dcfg, NULL, NULL);
		dcfg.path = to;
		if (!strcmp(w->where.state.backend, "local") && !strcmp(w->where.state.path, to)) {
			sp_ws_error("'%s' is the state being copied; --to names where the copy goes", to);
			return SP_EXIT_ERROR;
		}
	}
	if (sp_backend_open(&dst, &dcfg, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	if (sp_ws_lock(w->backend, "state migrate", lock_ms, &holder, &err) < 0 ||
	    sp_ws_lock(dst, "state migrate", lock_ms, &holder, &err) < 0) {
		sp_ws_print_lock_err(&err, &holder);
		goto out;
	}
	if (w->backend->ops->read(w->backend, &st, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	if (!st->serial && !st->resources.n && !st->nremoved) {
		sp_ws_error("there is no state in %s to copy", w->backend->where);
		goto out;
	}
	st->journal[0] = '\0';
	if (dst->ops->read(dst, &cur, &err) < 0) {
		if (!force) {
			sp_ws_print_err(&err, NULL);
			fputs("scaleplan: --force replaces a state that cannot be read\n", stderr);
			goto out;
		}
		sp_err_clear(&err);
	} else if ((cur->serial || cur->resources.n || cur->nremoved) && !force &&
		   (strcmp(cur->lineage, st->lineage) || cur->serial != st->serial)) {
		sp_ws_error("%s already holds a state (lineage %s, serial %llu); --force replaces it with lineage %s, "
			    "serial %llu",
			    dst->where, cur->lineage, (unsigned long long)cur->serial, st->lineage,
			    (unsigned long long)st->serial);
		goto out;
	}
	if ((force ? dst->ops->write_force(dst, st, &err) : dst->ops->write(dst, st, &err)) < 0) {
		sp_ws_print_err(&err, NULL);
		sp_ws_error("the state could not be copied; %s is as it was", w->backend->where);
		goto out;
	}
	printf("Copied the state from %s to %s: lineage %s, serial %llu, %zu resources, %zu removed addresses.\n",
	       w->backend->where, dst->where, st->lineage, (unsigned long long)st->serial, st->resources.n,
	       st->nremoved);
	printf("%s is left as it is; the spec's 'state:' section says which one scaleplan uses.\n", w->backend->where);
	ret = SP_EXIT_OK;
out:
	sp_state_free(st);
	sp_state_free(cur);
	if (dst)
		dst->ops->close(dst);
	return ret;
}

struct state_args {
	const char *sub;              /* the subcommand */
	char **args;                  /* its operands (owned array, pointers into argv) */
	int nargs;
	const char *spec_path, *state_path;
	const char *to;               /* migrate: FILE or etcd */
	int force, lock_ms, recovery;
};

static int check_sub(const char *sub)
{
	static const char *const subs[] = { "list", "show", "rm", "import", "pull", "push", "unlock", "migrate", NULL };
	for (int k = 0; subs[k]; k++)
		if (!strcmp(sub, subs[k]))
			return 0;
	return -1;
}

/* Options go before or after the subcommand: one pass over argv in order
 * (getopt's '-' mode returns each operand as option 1), so every problem is
 * reported where it stands. Returns 0, or -1 with *exit_now set (the usage
 * or the usage error printed). */
static int parse_state_args(struct state_args *a, int argc, char **argv, int *exit_now)
{
	static const struct option opts[] = {
		{ "spec", required_argument, NULL, 'S' },
		{ "state", required_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "backup", no_argument, NULL, 'B' },
		{ "no-journal", no_argument, NULL, 'N' },
		{ "lock-timeout", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	const struct sp_cmd *cmd = &sp_cmd_state;
	int c;

	memset(a, 0, sizeof(*a));
	a->args = sp_xcalloc((size_t)argc + 1, sizeof(char *));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "-:h", opts, NULL)) != -1 || (optind < argc && !a->sub)) {
		if (c == -1) /* after "--": the subcommand */
			c = 1, optarg = argv[optind++];
		switch (c) {
		case 1:
			if (a->sub) {
				a->args[a->nargs++] = optarg;
			} else if (check_sub(a->sub = optarg) < 0) {
				*exit_now = sp_cli_usage_error(cmd, "unknown subcommand '%s'", a->sub);
				return -1;
			}
			break;
		case 'S': a->spec_path = optarg; break;
		case 's': a->state_path = optarg; break;
		case 'F': a->force = 1; break;
		case 'T': a->to = optarg; break;
		case 'B': a->recovery = SP_READ_BACKUP; break;
		case 'N': a->recovery = SP_READ_NO_JOURNAL; break;
		case 'L':
			if (sp_parse_duration_ms(optarg, &a->lock_ms) < 0) {
				*exit_now = sp_cli_usage_error(cmd, "invalid value '%s' for option '--lock-timeout'", optarg);
				return -1;
			}
			break;
		case 'h': sp_cli_print_usage(stdout, cmd); *exit_now = SP_EXIT_OK; return -1;
		case SP_OPT_NO_COLOR: break;
		case ':': *exit_now = sp_cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]); return -1;
		default: *exit_now = sp_cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]); return -1;
		}
	}
	while (optind < argc)
		a->args[a->nargs++] = argv[optind++];
	if (!a->sub) {
		*exit_now = sp_cli_usage_error(cmd, "missing subcommand: list, show, rm, import, pull, push, unlock or "
						    "migrate");
		return -1;
	}
	return 0;
}

/* What each subcommand needs of its operands and options. */
static int check_state_args(const struct state_args *a)
{
	const struct sp_cmd *cmd = &sp_cmd_state;
	const char *sub = a->sub;

	if ((!strcmp(sub, "show") || !strcmp(sub, "push") || !strcmp(sub, "unlock")) && a->nargs != 1)
		return sp_cli_usage_error(cmd, "'state %s' takes one argument", sub);
	if ((!strcmp(sub, "rm") || !strcmp(sub, "import")) && a->nargs < 1)
		return sp_cli_usage_error(cmd, "'state %s' needs at least one address", sub);
	if (a->recovery && strcmp(sub, "pull"))
		return sp_cli_usage_error(cmd, "--backup and --no-journal are for 'state pull'");
	if (!strcmp(sub, "pull") && a->nargs)
		return sp_cli_usage_error(cmd, "'state pull' takes no argument");
	if (a->force && strcmp(sub, "push") && strcmp(sub, "migrate"))
		return sp_cli_usage_error(cmd, "--force is for 'state push' and 'state migrate'");
	if (!strcmp(sub, "migrate") && (a->nargs || !a->to || !*a->to))
		return sp_cli_usage_error(cmd, "'state migrate' takes no argument and needs --to FILE or --to etcd");
	if (a->to && strcmp(sub, "migrate"))
		return sp_cli_usage_error(cmd, "--to is for 'state migrate'");
	return SP_EXIT_OK;
}

static int cmd_state(int argc, char **argv)
{
	struct state_args a;
	struct sp_ws w = { 0 };
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	int ret, rc;

	if (parse_state_args(&a, argc, argv, &ret) < 0 || (ret = check_state_args(&a)) != SP_EXIT_OK)
		goto out;
	ret = SP_EXIT_ERROR;
	rc = sp_ws_open_where(&w, a.spec_path, a.state_path, NULL, !strcmp(a.sub, "import"), &r);
	sp_ws_report_print(&r);
	if (rc < 0)
		goto out;
	if (!strcmp(a.sub, "rm"))
		ret = state_rm(&w, a.nargs, a.args, a.lock_ms);
	else if (!strcmp(a.sub, "import"))
		ret = state_import(&w, a.nargs, a.args, a.lock_ms);
	else if (!strcmp(a.sub, "push"))
		ret = state_push(&w, a.args[0], a.force, a.lock_ms);
	else if (!strcmp(a.sub, "unlock"))
		ret = state_unlock(&w, a.args[0]);
	else if (!strcmp(a.sub, "migrate"))
		ret = state_migrate(&w, a.to, a.force, a.lock_ms);
	else if (!strcmp(a.sub, "pull"))
		ret = state_pull(&w, a.recovery);
	else
		ret = state_read(&w, a.sub, a.nargs, a.args);
out:
	free(a.args);
	sp_ws_close(&w);
	return ret;
}

const struct sp_cmd sp_cmd_state = {
	"state", cmd_state, "list, show, remove, import, pull, push, unlock or migrate state",
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
	"  unlock ID           clear the record of a lock whose process is gone (etcd:\n"
	"                      remove the lock, whoever holds it)\n"
	"  migrate --to FILE|etcd\n"
	"                      copy the state, lineage and serial kept, into the local\n"
	"                      file FILE or into the etcd the spec's 'state:' names\n"
	"                      (the state copied is --state FILE, or the spec's)\n"
	"\n"
	"      --spec FILE|DIR    the spec that says where the state is (default\n"
	"                         scaleplan.yaml when present)\n"
	"      --state FILE       the state file itself (default .scaleplan/state.json)\n"
	"      --force            push, migrate: replace whatever lineage or serial is\n"
	"                         stored (even a state that cannot be read)\n"
	"      --to FILE|etcd     migrate: where the copy goes\n"
	"      --lock-timeout D   rm, import, push, migrate: wait up to D (30s, 2m,\n"
	"                         500ms) for the lock\n"
	"  -h, --help             show this help\n",
};
