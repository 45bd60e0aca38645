/* The plan pipeline shared by plan and apply (planner/plan.h): spec ->
 * forecast -> desired resources for one month -> current resources
 * (refreshed from the provider, or the state) -> diff -> cost. It prints
 * nothing: what it has to say goes to the caller's sp_ws_report. */
#include "planner/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/xalloc.h"
#include "model/cost.h"
#include "model/desired.h"
#include "model/fastplan.h"
#include "planner/cli.h"
#include "planner/fccache.h"
#include "planner/workspace.h"
#include "providers/catalog.h"

/* Paths for the plan's cost model: enough for stable p10/p50/p90 of totals,
 * few enough that a 10,000-service plan stays interactive (bench/README.md). */
#define SP_PLAN_DEFAULT_PATHS 200

/* The month planned: --at, or now plus the lead time, kept inside the horizon. */
static int resolve_month(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	const struct sp_spec *s = p->spec;
	sp_month m, end = s->start + s->months - 1;
	char a[8], b[8], c[8];
	struct sp_err err;

	sp_err_clear(&err);
	sp_month_format(s->start, a);
	sp_month_format(end, b);
	if (o->at) {
		if (sp_month_parse(o->at, &m) < 0) {
			sp_ws_report_error(r, "--at '%s' is not a month in YYYY-MM form", o->at);
			return -1;
		}
		if (m < s->start || m > end) {
			sp_ws_report_error(r, "--at %s is outside the spec's horizon %s..%s", o->at, a, b);
			return -1;
		}
	} else {
		if (sp_ws_now(&m, &err) < 0) {
			sp_ws_report_err(r, &err, NULL);
			return -1;
		}
		m += s->lead_time_months;
		if (m < s->start) {
			m = s->start;
		} else if (m > end) {
			sp_month_format(m, c);
			/* a line of text, so its bytes stay what they were (no colour) */
			sp_ws_report_text(r,
					  "scaleplan: warning: now plus the lead time (%s) is past the horizon %s..%s; "
					  "planning its last month (extend horizon.months)\n",
					  c, a, b);
			m = end;
		}
	}
	p->month = m - s->start;
	sp_month_format(m, p->at);
	return 0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return (a > b) - (a < b);
}

/* current = the provider's resources, with what only the state knows
 * (dependencies, lifecycle) carried over; or the state's as they are. */
static int load_current(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	struct sp_err err;
	const struct sp_resource_set *st = &p->state->resources;

	sp_err_clear(&err);
	if (!o->refresh) {
		p->current = *st;
		return 0;
	}
	if (p->ws.provider->ops->list(p->ws.provider, &p->current, &p->arena, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		return -1;
	}
	for (size_t i = 0; i < p->current.n; i++) {
		struct sp_resource *res = &p->current.v[i];
		const struct sp_resource *known = sp_resource_find(st, res->address);
		if (known) {
			res->depends_on = known->depends_on;
			res->ndeps = known->ndeps;
			/* protected when the provider or the state says so */
			res->prevent_destroy = res->prevent_destroy || known->prevent_destroy;
			res->allow_zero = known->allow_zero;
			/* which attributes force a replace is the planner's knowledge */
			for (size_t k = 0; k < res->nattrs; k++) {
				const struct sp_attr *ka = sp_resource_attr(known, res->attrs[k].key);
				if (ka)
					res->attrs[k].force_new = ka->force_new;
			}
		}
	}
	return 0;
}

/* ---- protection and removed resources ----------------------------------------------------------- */

static void protect_add(void *ctx, const char *type, const char *name, const struct sp_lifecycle *lc)
{
	struct sp_plan *p = ctx;
	uint32_t n = (uint32_t)p->protect.n;

	if (!lc->prevent_destroy)
		return;
	char *key = sp_arena_alloc(&p->arena, strlen(type) + strlen(name) + 2);
	sprintf(key, "%s.%s", type, name);
	p->protect_pos[n] = lc->prevent_destroy_pos;
	sp_hmap_put(&p->protect, key, n, NULL);
}

static void protect_build(struct sp_plan *p)
{
	const struct sp_spec *s = p->spec;

	sp_hmap_init(&p->protect);
	p->protect_pos = SP_NEWN(&p->arena, struct sp_pos,
				 s->nservices + s->ncaches + s->ndatastores + s->nqueues + s->ngpus + 1);
	sp_spec_each_lifecycle(s, protect_add, p);
}

/* The spec protects an address when it protects the address's component. */
static int protect_lookup(void *ctx, const char *address, struct sp_pos *where)
{
	const struct sp_plan *p = ctx;
	const char *br = strchr(address, '[');
	char key[512];
	uint32_t i;

	if (!br || (size_t)(br - address) >= sizeof(key))
		return 0;
	memcpy(key, address, (size_t)(br - address));
	key[br - address] = '\0';
	if (sp_hmap_get(&p->protect, key, &i) < 0)
		return 0;
	*where = p->protect_pos[i];
	return 1;
}

/* Drops from set every address the state lists as removed; the dropped
 * addresses are appended to p->left_alone (once). */
static void drop_removed(struct sp_plan *p, struct sp_resource_set *set, struct sp_hmap *seen, size_t *cap)
{
	size_t k = 0;

	for (size_t i = 0; i < set->n; i++) {
		const char *addr = set->v[i].address;
		if (!sp_state_is_removed(p->state, addr)) {
			set->v[k++] = set->v[i];
			continue;
		}
		if (sp_hmap_put(seen, addr, 0, NULL) == 0) {
			SP_GROW(p->left_alone, *cap, p->nleft_alone + 1);
			p->left_alone[p->nleft_alone++] = addr;
		}
	}
	set->n = k;
}

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int sp_plan_max_deletes(const struct sp_plan_opts *o, const struct sp_spec *spec, char *from, size_t n)
{
	snprintf(from, n, "--max-deletes");
	if (o->max_deletes != -2)
		return o->max_deletes;
	if (spec && spec->lifecycle.has_max_deletes) {
		const struct sp_pos *w = &spec->lifecycle.max_deletes_pos;
		snprintf(from, n, "the spec's lifecycle.max_deletes (%s:%d:%d)", w->src ? w->src->name : "spec", w->line,
			 w->col);
		return spec->lifecycle.max_deletes;
	}
	return -1;
}

int sp_plan_check_deletes(const struct sp_diff *d, int max, const char *from, const char *what,
			  struct sp_ws_report *r)
{
	size_t n = sp_diff_destroys(d);

	if (max < 0 || n <= (size_t)max)
		return 0;
	sp_ws_report_error(r,
			   "this plan destroys %zu resource%s (%zu deleted, %zu replaced), more than the %d that %s "
			   "allows; %s",
			   n, n == 1 ? "" : "s", d->counts[SP_ACT_DELETE], d->counts[SP_ACT_REPLACE], max, from, what);
	sp_ws_report_text(r,
			  "Check that these deletions are intended (the plan above lists them), then allow them for "
			  "this run with --max-deletes %zu.\n",
			  n);
	return SP_EXIT_DELETES;
}

/* The forecast of the plan: from the cache (planner/fccache.h) when the
 * workspace folder .scaleplan/ exists and holds this forecast's totals, the
 * month's capacity then computed alone (model/fastplan.h); else the whole
 * run, whose totals are then kept for the next plan. SCALEPLAN_NO_CACHE=1
 * turns the cache off. */
static int plan_forecast(struct sp_plan *p, const struct sp_forecast_opts *fo, struct sp_ws_report *r)
{
	struct sp_diags *d = sp_ws_report_diags(r);
	struct sp_sb text = SP_SB_INIT;
	struct stat st;
	const char *off = getenv("SCALEPLAN_NO_CACHE");
	char key[41];
	int use_cache = !(off && *off && strcmp(off, "0")) && stat(".scaleplan", &st) == 0 && S_ISDIR(st.st_mode) &&
			sp_fccache_key(key, p->spec_digest, p->catalog, fo, p->spec) == 0;

	if (use_cache && sp_fccache_read(&text, SP_FCCACHE_DIR, key) == 0) {
		if (sp_forecast_month(&p->forecast, p->spec, p->graph, p->catalog, fo, d) < 0) {
			sp_sb_release(&text);
			return -1;
		}
		if (sp_fccache_apply(p->forecast, text.buf) == 0) {
			sp_forecast_month_budgets(p->forecast, p->spec);
			sp_sb_release(&text);
			return 0;
		}
		sp_forecast_free(p->forecast);
		p->forecast = NULL;
	}
	sp_sb_release(&text);
	if (sp_forecast_run(&p->forecast, p->spec, p->graph, p->catalog, fo, d) < 0)
		return -1;
	if (use_cache)
		(void)sp_fccache_write(p->forecast, SP_FCCACHE_DIR, key);   /* a cache: a plan without it is the same */
	return 0;
}

/* The model's side: the spec, its catalog, the month, the forecast, the
 * desired resources and the spec's digest. */
static int plan_model(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	struct sp_forecast_opts fo;
	double want = o->percentile > 0 ? o->percentile : 50;

	if (sp_ws_load(o->spec_path, &p->spec, &p->graph, r) < 0 ||
	    sp_ws_load_catalog(&p->catalog, p->spec, o->spec_path, r) < 0 || resolve_month(p, o, r) < 0)
		return -1;
	/* the forecast: percentiles 10, 50, 90 and the one planned */
	memset(&fo, 0, sizeof(fo));
	fo.paths = o->paths > 0 ? o->paths : SP_PLAN_DEFAULT_PATHS;
	fo.seed = o->seed;
	fo.threads = o->threads;
	fo.only_month_set = 1;   /* the desired state needs one month; totals stay complete */
	fo.only_month = p->month;
	fo.no_groupings = 1;
	if (o->progress && sp_graph_nnodes(p->graph) * (size_t)fo.paths >= SP_PROGRESS_MIN_WORK) {
		fo.progress = o->progress;
		fo.progress_ctx = o->progress_ctx;
	}
	fo.pcts[fo.npcts++] = 10;
	fo.pcts[fo.npcts++] = 50;
	fo.pcts[fo.npcts++] = 90;
	if (want != 10 && want != 50 && want != 90)
		fo.pcts[fo.npcts++] = want;
	qsort(fo.pcts, fo.npcts, sizeof(double), cmp_double);
	if (sp_ws_spec_digest(p->spec, p->spec_digest) < 0) {
		sp_ws_report_error(r, "cannot compute the spec's digest");
		return -1;
	}
	if (plan_forecast(p, &fo, r) < 0)
		return -1;
	for (size_t k = 0; k < p->forecast->npcts; k++)
		if (p->forecast->pcts[k] == want)
			p->pct = k;
	p->lo = 0;
	p->mid = sp_fc_median_index(p->forecast);
	p->hi = p->forecast->npcts - 1;
	if (sp_desired_build(&p->desired, &p->arena, p->spec, p->graph, p->forecast, p->month, p->pct) < 0) {
		sp_ws_report_error(r, "cannot build the desired state for %s", p->at);
		return -1;
	}
	return 0;
}

/* The provider's side: the state (under the lock when asked), the current
 * resources, and what 'state rm' took out of management. */
static int plan_current(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	struct sp_backend *b;
	struct sp_provider *prov;
	struct sp_lock_info holder;
	struct sp_err err;

	sp_err_clear(&err);
	sp_ws_where_of(&p->ws.where, p->spec);
	p->state_cfg = &p->ws.where.state;
	p->provider_cfg = &p->ws.where.provider;
	if (sp_ws_open(&p->ws, 1, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		return -1;
	}
	b = p->ws.backend;
	prov = p->ws.provider;
	if (o->lock_operation) {
		if (sp_ws_lock(b, o->lock_operation, o->lock_timeout_ms, &holder, &err) < 0) {
			sp_ws_report_lock_err(r, &err, &holder);
			return -1;
		}
		/* no writer is active now: clear what killed ones left */
		if (prov->ops->sweep)
			prov->ops->sweep(prov);
	}
	if (b->ops->read(b, &p->state, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		return -1;
	}
	if (load_current(p, o, r) < 0)
		return -1;
	if (p->state->nremoved) {
		/* 'state rm' took these out of management: neither adopted nor
		 * deleted, nor created again, until 'state import' */
		struct sp_hmap seen;
		size_t cap = 0;
		sp_hmap_init(&seen);
		drop_removed(p, &p->current, &seen, &cap);
		drop_removed(p, &p->desired, &seen, &cap);
		sp_hmap_free(&seen);
		qsort(p->left_alone, p->nleft_alone, sizeof(*p->left_alone), cmp_strp);
	}
	p->refreshed = o->refresh;
	return 0;
}

/* The diff, with the spec's protection, and the monthly list price before,
 * and after the listed changes only (targets leave the rest as it is). */
static void plan_diff(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	struct sp_protection prot = { protect_lookup, p };

	protect_build(p);
	p->targets = o->targets;
	p->ntargets = o->ntargets;
	p->excludes = o->excludes;
	p->nexcludes = o->nexcludes;
	if (sp_diff_build(&p->diff, &p->arena, &p->desired, &p->current, o->targets, o->ntargets, o->excludes,
			  o->nexcludes, &prot, sp_ws_report_diags(r)) < 0)
		p->lifecycle_errors = 1;
	/* monthly list price before, and after the listed changes only (targets
	 * leave the rest as it is) */
	p->cost_before = sp_cost_set(p->catalog, &p->current);
	p->cost_after = p->cost_before;
	sp_diff_price(&p->diff, p->catalog);
	for (size_t i = 0; i < p->diff.n; i++) {
		const struct sp_change *c = &p->diff.v[i];
		p->cost_after += c->cost_after - c->cost_before;
	}
	if (fabs(p->cost_after) < 1e-6)
		p->cost_after = 0;
}

int sp_plan_make(struct sp_plan *p, const struct sp_plan_opts *o, struct sp_ws_report *r)
{
	memset(p, 0, sizeof(*p));
	sp_arena_init(&p->arena);
	p->spec_path = o->spec_path;
	if (plan_model(p, o, r) < 0 || plan_current(p, o, r) < 0)
		return SP_EXIT_ERROR;
	plan_diff(p, o, r);
	return p->lifecycle_errors ? SP_EXIT_ERROR : SP_EXIT_OK;
}

void sp_plan_free(struct sp_plan *p)
{
	sp_ws_close(&p->ws);
	sp_state_free(p->state);
	if (p->protect_pos)
		sp_hmap_free(&p->protect);
	free(p->left_alone);
	sp_forecast_free(p->forecast);
	sp_catalog_free(p->catalog);
	sp_graph_free(p->graph);
	sp_spec_free(p->spec);
	sp_arena_free(&p->arena);
	memset(p, 0, sizeof(*p));
}
