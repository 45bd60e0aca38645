/* scaleplan apply: apply a saved plan exactly, or plan and apply in one go. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "planner/apply.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/moved.h"
#include "planner/plan.h"
#include "planner/plan_args.h"
#include "planner/planfile.h"
#include "planner/render_plan.h"
#include "planner/resume.h"
#include "planner/workspace.h"
#include "providers/where.h"

/* Largest plan file read by apply. */
#define SP_PLANFILE_MAX (512u << 20)

/* A saved plan is a JSON document; a spec is YAML (or a folder). */
static int looks_like_plan(const char *path)
{
	FILE *f = fopen(path, "rb");
	int c;
	if (!f)
		return 0;
	do
		c = fgetc(f);
	while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
	fclose(f);
	return c == '{';
}

static const char *op_verb(const struct sp_op *op)
{
	if (op->is_delete)
		return op->change->action == SP_ACT_REPLACE ? "replace (delete)" : "delete";
	return op->change->action == SP_ACT_REPLACE ? "replace (create)" : sp_action_names[op->change->action];
}

static void report(const struct sp_apply *ap)
{
	const size_t cap = 50;
	size_t shown;

	if (!ap->failed && !ap->skipped) {
		size_t cnt[5] = { 0 };
		for (size_t k = 0; k < ap->nops; k++)
			if (!ap->ops[k].is_delete || ap->ops[k].change->action == SP_ACT_DELETE)
				cnt[ap->ops[k].change->action]++;
		printf("\nApply complete: %zu created, %zu updated, %zu replaced, %zu deleted.\n", cnt[SP_ACT_CREATE],
		       cnt[SP_ACT_UPDATE], cnt[SP_ACT_REPLACE], cnt[SP_ACT_DELETE]);
		return;
	}
	fputc('\n', stderr);
	if (ap->interrupted)
		sp_ws_error("apply interrupted: %zu of %zu operations done, %zu failed, %zu not started", ap->done,
			    ap->nops, ap->failed, ap->skipped);
	else
		sp_ws_error("apply failed: %zu of %zu operations done, %zu failed, %zu skipped", ap->done, ap->nops,
			    ap->failed, ap->skipped);
	static const char *const label[] = { "", "done", "failed", "skipped" };
	for (int st = SP_OP_DONE; st <= SP_OP_SKIPPED; st++) {
		shown = 0;
		for (size_t k = 0; k < ap->nops; k++) {
			const struct sp_op *op = &ap->ops[k];
			if ((int)op->status != st)
				continue;
			if (shown++ >= cap)
				continue;
			if (st == SP_OP_DONE)
				fprintf(stderr, "  %-7s %s (%s)\n", label[st], op->change->address, op_verb(op));
			else
				fprintf(stderr, "  %-7s %s (%s): %s\n", label[st], op->change->address, op_verb(op),
					op->error);
		}
		if (shown > cap)
			fprintf(stderr, "  ... and %zu more %s\n", shown - cap, label[st]);
	}
	if (!ap->interrupted)
		fputs("The state records every operation that was done; run apply again to continue.\n", stderr);
}

/* Runs the diff, records the cost, writes the final state. */
static int run_apply(struct sp_backend *b, struct sp_provider *prov, struct sp_state *st, const struct sp_diff *d,
		     const struct sp_plan_cost *cost, const char *at, int parallelism, int verify)
{
	struct sp_apply ap;
	struct sp_err err;
	int ret = SP_EXIT_OK;

	memset(&ap, 0, sizeof(ap));
	ap.backend = b;
	ap.provider = prov;
	ap.state = st;
	ap.diff = d;
	ap.parallelism = parallelism;
	ap.verify_before = verify;
	ap.log = stdout;
	/* the journal and the state must be writable before the provider is
	 * touched: an operation that could not be recorded would be lost */
	sp_err_clear(&err);
	if (d->n > d->counts[SP_ACT_NOOP] && b->ops->begin && b->ops->begin(b, st, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		sp_ws_error("apply cannot record its operations, so it changed nothing");
		return SP_EXIT_ERROR;
	}
	ap.stop = &sp_cli_signal;
	sp_cli_catch_signals();
	if (sp_apply_run(&ap) < 0)
		ret = SP_EXIT_ERROR;
	if (cost && ret == SP_EXIT_OK) {
		st->cost.present = 1;
		for (int i = 0; i < 3; i++) {
			st->cost.pct[i] = cost->pct[i];
			st->cost.horizon[i] = cost->horizon[i];
		}
		snprintf(st->cost.currency, sizeof(st->cost.currency), "%s", cost->currency);
		snprintf(st->cost.at, sizeof(st->cost.at), "%s", at);
	}
	/* fold the journal into one state file (what was done, even on
	 * failure); the serial goes up only when the content changes, so an
	 * apply with nothing to do leaves saved plans valid */
	sp_err_clear(&err);
	if (b->ops->write(b, st, &err) == SP_ESTALE) {
		sp_err_clear(&err);
		st->serial++;
		b->ops->write(b, st, &err);
	}
	if (err.code) {
		sp_ws_print_err(&err, NULL);
		fputs("scaleplan: the operations are recorded in the state journal; the next command reads them\n",
		      stderr);
		ret = SP_EXIT_ERROR;
	}
	report(&ap);
	if (ap.interrupted) {
		int sig = sp_cli_signal;
		fprintf(stderr, "scaleplan: interrupted (%s): the operations in flight finished and every completed one is "
				"recorded; run the same apply again to continue\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		ret = 128 + sig;
	}
	/* the lock is released by the caller after this: until then a second
	 * signal still ends the process at once */
	sp_apply_free(&ap);
	return ret;
}

static void rebase_state(struct sp_plan *p);

/* Where a plan made again keeps its state and resources must be where the
 * saved plan was made. */
static int same_where(const struct sp_saved_plan *sp, const struct sp_plan *p)
{
	json_t *a = sp_state_cfg_to_json(&sp->state_cfg), *b = sp_state_cfg_to_json(p->state_cfg);
	json_t *c = sp_provider_cfg_to_json(&sp->provider_cfg), *d = sp_provider_cfg_to_json(p->provider_cfg);
	int same = json_equal(a, b) && json_equal(c, d);

	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
	return same;
}

/* The saved plan in path is stale (why says how): plans again with the
 * spec and the settings the plan was made with, lists what moved, and
 * applies the new plan when nothing moved or with --auto-approve. */
static int apply_replanned(const char *path, const struct sp_saved_plan *sp, struct sp_plan_args *a, const char *why)
{
	struct sp_plan_opts o = a->o;
	struct sp_plan p;
	struct sp_plan_cost cost;
	struct sp_plan_view v;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_moved *moved = NULL;
	size_t nmoved;
	int ret;

	fprintf(stderr, "scaleplan: the plan in '%s' is stale: %s\n", path, why);
	o.spec_path = sp->spec_path ? sp->spec_path : SP_DEFAULT_SPEC;
	o.at = sp->at;
	o.percentile = sp->percentile;
	o.paths = sp->paths;
	if (sp->has_seed)
		o.seed = sp->seed;
	o.refresh = sp->refreshed;
	o.targets = sp->targets;
	o.ntargets = sp->ntargets;
	o.excludes = sp->excludes;
	o.nexcludes = sp->nexcludes;
	o.lock_operation = "apply";
	fprintf(stderr, "Planning again with the spec '%s' as the plan was made (at %s, p%g)...\n", o.spec_path, o.at,
		o.percentile);
	ret = sp_plan_make(&p, &o, &r);
	sp_cli_progress_end(&a->progress);
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK) {
		sp_ws_error("the plan in '%s' is stale and could not be made again; nothing was changed", path);
		goto out;
	}
	ret = SP_EXIT_ERROR;
	if (sp->spec_name && p.spec->name && strcmp(sp->spec_name, p.spec->name)) {
		sp_ws_error("the spec '%s' is '%s', but the plan in '%s' was made from '%s'; nothing was changed",
			    o.spec_path, p.spec->name, path, sp->spec_name);
		goto out;
	}
	if (!same_where(sp, &p)) {
		sp_ws_error("the spec '%s' keeps its state or resources elsewhere than when the plan in '%s' was made; "
			    "nothing was changed",
			    o.spec_path, path);
		goto out;
	}
	nmoved = sp_moved_list(&sp->diff, &p.diff, &moved);
	if (!nmoved) {
		fprintf(stderr, "Planned again: every change is the one in the saved plan; applying it.\n");
	} else {
		fprintf(stderr, "%zu resource%s moved since the plan was made:\n", nmoved, nmoved == 1 ? "" : "s");
		sp_moved_print(stderr, moved, nmoved, 50);
		if (!a->auto_approve) {
			sp_ws_error("what the plan in '%s' would change is no longer what it shows; nothing was changed",
				    path);
			fputs("Review the changes above, then apply the new plan with: scaleplan apply --auto-approve "
			      "PLANFILE\n(or make a new plan: scaleplan plan -out FILE)\n",
			      stderr);
			goto out;
		}
	}
	sp_plan_cost_fill(&cost, &p);
	sp_plan_args_view(&v, &p, &cost);
	sp_render_plan_text(stdout, &v);
	fflush(stdout);
	char from[300];
	int max = sp_plan_max_deletes(&o, p.spec, from, sizeof(from));
	ret = sp_plan_check_deletes(&p.diff, max, from, "nothing was changed", &r);
	sp_ws_report_print(&r);
	if (ret != 0)
		goto out;
	if (p.diff.n == p.diff.counts[SP_ACT_NOOP]) {
		printf("No changes; nothing to do.\n");
		ret = SP_EXIT_OK;
		goto out;
	}
	rebase_state(&p);
	ret = run_apply(p.ws.backend, p.ws.provider, p.state, &p.diff, &cost, p.at, a->parallelism, 0);
out:
	free(moved);
	sp_plan_free(&p);
	return ret;
}

static int apply_saved(const char *path, struct sp_plan_args *a)
{
	struct sp_sb sb = SP_SB_INIT;
	struct sp_saved_plan sp;
	struct sp_ws w = { 0 };
	struct sp_lock_info holder;
	struct sp_state *st = NULL;
	struct sp_err err;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	char why[700] = "";
	int ret = SP_EXIT_ERROR;

	memset(&sp, 0, sizeof(sp));
	sp_err_clear(&err);
	if (a->ntargets || a->nexcludes || a->o.at || !a->o.refresh) {
		sp_ws_error("a saved plan is applied as it is; --target, --exclude, --at and --refresh belong to plan");
		return SP_EXIT_USAGE;
	}
	if (sp_sb_read_file(&sb, path, SP_PLANFILE_MAX) < 0) {
		sp_ws_error("cannot read plan file '%s': %s", path, strerror(errno));
		goto out;
	}
	if (sp_plan_from_json(&sp, sb.buf, sb.len, path, &err) < 0) {
		struct sp_src text = { path, sb.buf, sb.len };
		sp_ws_print_err(&err, &text);
		goto out;
	}
	/* where the plan says, not where a spec in this folder would */
	w.where.state = sp.state_cfg;
	w.where.provider = sp.provider_cfg;
	if (sp_ws_open(&w, 1, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	if (sp_ws_lock(w.backend, "apply", a->o.lock_timeout_ms, &holder, &err) < 0) {
		sp_ws_print_lock_err(&err, &holder);
		goto out;
	}
	if (w.provider->ops->sweep)
		w.provider->ops->sweep(w.provider);
	if (w.backend->ops->read(w.backend, &st, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	const struct sp_diff *todo = &sp.diff;
	struct sp_diff rest;
	/* nothing may have moved since the plan was made: the state (another
	 * apply, a state command), and what the plan changes in the provider */
	if (sp.serial != st->serial || (sp.serial && strcmp(sp.lineage, st->lineage))) {
		char rwhy[512] = "";
		size_t done = 0;
		/* the state moved on only by this plan's own operations (an apply of
		 * it that failed or was interrupted part way): do the rest */
		if (st->serial > sp.serial && (!sp.serial || !strcmp(sp.lineage, st->lineage)) &&
		    sp_plan_resume(&sp.diff, st, &rest, &done, &sp.arena, rwhy, sizeof(rwhy))) {
			if (rest.n == rest.counts[SP_ACT_NOOP]) {
				printf("The plan in '%s' was already applied: every change in it is in the state (%s serial "
				       "%llu); nothing to do.\n", path, st->lineage, (unsigned long long)st->serial);
				ret = SP_EXIT_OK;
				goto out;
			}
			printf("Continuing the plan in '%s': %zu of its %zu changes were done by an earlier apply of it "
			       "that stopped part way.\n", path, done, sp.diff.n - sp.diff.counts[SP_ACT_NOOP]);
			todo = &rest;
		} else {
			snprintf(why, sizeof(why),
				 "it was made against state %s serial %llu, and the state is now %s serial %llu (another "
				 "apply or a state command changed it since%s%s)",
				 sp.lineage[0] ? sp.lineage : "(none)", (unsigned long long)sp.serial,
				 st->serial ? st->lineage : "(none)", (unsigned long long)st->serial, rwhy[0] ? ": " : "",
				 rwhy);
		}
	} else {
		const char *first;
		long n = sp_moved_world(&sp.diff, w.provider, &first, &err);
		if (n < 0) {
			sp_ws_print_err(&err, NULL);
			goto out;
		}
		if (n)
			snprintf(why, sizeof(why),
				 "%ld resource%s it changes %s changed outside scaleplan since the plan was made (%s%s)", n,
				 n == 1 ? "" : "s", n == 1 ? "was" : "were", first, n > 1 ? ", ..." : "");
	}
	if (why[0]) {
		/* planning again takes the lock itself */
		sp_state_free(st);
		st = NULL;
		sp_ws_close(&w);
		ret = apply_replanned(path, &sp, a, why);
		goto out;
	}
	ret = sp_plan_check_deletes(todo, a->o.max_deletes >= 0 ? a->o.max_deletes : -1, "--max-deletes",
				    "nothing was changed", &r);
	sp_ws_report_print(&r);
	if (ret != 0)
		goto out;
	ret = SP_EXIT_ERROR;
	if (todo->n == todo->counts[SP_ACT_NOOP]) {
		printf("No changes in the plan; nothing to do.\n");
		ret = SP_EXIT_OK;
		goto out;
	}
	ret = run_apply(w.backend, w.provider, st, todo, &sp.cost, sp.at, a->parallelism, 1);
out:
	sp_state_free(st);
	sp_ws_close(&w);
	sp_saved_plan_free(&sp);
	sp_sb_release(&sb);
	return ret;
}

static int confirm(void)
{
	char line[64];
	if (!isatty(0))
		return -1;
	printf("\nApply these changes? Only 'yes' is accepted: ");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 0;
	line[strcspn(line, "\r\n")] = '\0';
	return !strcmp(line, "yes");
}

/* The state apply records into: rebuilt from the refreshed view, and the
 * unchanged resources take the spec's dependencies and lifecycle now. */
static void rebase_state(struct sp_plan *p)
{
	struct sp_resource_set *set = &p->state->resources;

	if (p->refreshed)
		*set = p->current;
	for (size_t i = 0; i < p->diff.n; i++) {
		const struct sp_change *c = &p->diff.v[i];
		const struct sp_resource *res;
		if (c->action != SP_ACT_NOOP || !c->after)
			continue;
		res = sp_resource_find(set, c->address);
		if (res)
			set->v[res - set->v] = *c->after;
	}
}

static int cmd_apply(int argc, char **argv)
{
	struct sp_plan_args a;
	struct sp_plan p;
	struct sp_plan_cost cost;
	struct sp_plan_view v;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	int ret, exit_now, ok;

	if (sp_plan_args_parse(&a, &sp_cmd_apply, argc, argv, &exit_now) < 0) {
		sp_plan_args_free(&a);
		return exit_now;
	}
	if (a.arg && access(a.arg, F_OK) < 0) {
		sp_ws_error("cannot read '%s': %s", a.arg, strerror(errno));
		sp_plan_args_free(&a);
		return SP_EXIT_ERROR;
	}
	if (a.arg && looks_like_plan(a.arg)) {
		ret = apply_saved(a.arg, &a);
		sp_plan_args_free(&a);
		return ret;
	}
	if (!a.auto_approve && !isatty(0)) {
		sp_ws_error("apply needs --auto-approve or a saved plan file when standard input is not a terminal");
		sp_plan_args_free(&a);
		return SP_EXIT_ERROR;
	}
	a.o.lock_operation = "apply";
	ret = sp_plan_make(&p, &a.o, &r);
	sp_cli_progress_end(&a.progress);
	sp_ws_report_print(&r);
	if (ret != SP_EXIT_OK)
		goto out;
	sp_plan_cost_fill(&cost, &p);
	sp_plan_args_view(&v, &p, &cost);
	sp_render_plan_text(stdout, &v);
	fflush(stdout);
	char from[300];
	int max = sp_plan_max_deletes(&a.o, p.spec, from, sizeof(from));
	ret = sp_plan_check_deletes(&p.diff, max, from, "nothing was changed", &r);
	sp_ws_report_print(&r);
	if (ret != 0)
		goto out;
	if (!a.auto_approve && p.diff.n > p.diff.counts[SP_ACT_NOOP]) {
		ok = confirm();
		if (ok <= 0) {
			printf("Apply cancelled; nothing was changed.\n");
			ret = SP_EXIT_ERROR;
			goto out;
		}
	}
	rebase_state(&p);
	ret = run_apply(p.ws.backend, p.ws.provider, p.state, &p.diff, &cost, p.at, a.parallelism, 0);
out:
	sp_plan_free(&p);
	sp_plan_args_free(&a);
	return ret;
}

const struct sp_cmd sp_cmd_apply = {
	"apply", cmd_apply, "make the infrastructure match a saved plan or the spec",
	"usage: scaleplan apply [OPTIONS] [PLANFILE | FILE|DIR]\n"
	"\n"
	"With PLANFILE (from 'scaleplan plan -out'), applies exactly that plan when\n"
	"nothing moved since it was made: the state (lineage and serial) and the\n"
	"resources it changes in the provider. When something moved, it plans again with\n"
	"the spec and the settings the plan records, lists the resources whose change is\n"
	"no longer the one in the plan, and applies the new plan only with\n"
	"--auto-approve (or when every change is the same). With a spec, plans and\n"
	"applies in one go: it shows the plan and asks for 'yes' on a terminal, or\n"
	"needs --auto-approve. Creates run in dependency order, deletes in reverse,\n"
	"independent resources in parallel; the state records each operation as it\n"
	"completes, so after a failure or a kill, apply again continues.\n"
	"\n"
	"      --auto-approve      do not ask; with PLANFILE, apply the plan made again\n"
	"                          when something moved since it was made\n"
	"      --parallelism N     operations at once (default 10)\n"
	"      --lock-timeout D    wait up to D (30s, 2m, 500ms) for the state lock\n"
	"      --max-deletes N     refuse to destroy more than N resources (also for a\n"
	"                          saved plan)\n"
	"      --at, --percentile, --target, --exclude, --refresh, --paths, --seed,\n"
	"      --threads           as for plan, when planning here\n"
	"      --no-color          no colour\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 applied, 1 error, a failed operation or a usage error, 3 more\n"
	"resources destroyed than --max-deletes allows (nothing changed), 130 (143)\n"
	"interrupted by Ctrl-C (SIGTERM): what was in flight finished and is recorded.\n",
};
