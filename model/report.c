/* The cost report's figures (model/report.h): the forecast's cost of every
 * line split into commitment, above it and storage, along each path as the
 * forecast computes it (an observer of the run), summed per path into the
 * report's categories, purchase options and savings in integer micro-units,
 * with percentiles last; and one path kept whole for FOCUS rows. */
#include "model/report.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/stats.h"

#define MICRO 1e6
#define MAX_WORKERS 2                 /* the forecast runs at most two threads */

const char *const sp_rp_category_names[SP_RP_NCAT] = { "compute", "database", "cache", "storage", "gpu", "transfer" };
const char *const sp_rp_buy_names[SP_RP_NBUY] = { "commitment", "on-demand", "spot" };
const char *const sp_rp_saving_names[SP_RP_NSAVE] = { "commitment", "spot", "all" };

/* ---- the split of one line-month ----------------------------------------------------------------- */

int sp_report_line_info(struct sp_rp_line *out, const struct sp_fc_line *line, const struct sp_node *node,
			const struct sp_catalog *cat)
{
	const struct sp_sku *sku = NULL;
	double hours = cat->hours_per_month;

	memset(out, 0, sizeof(*out));
	out->purchase = line->purchase;
	out->per_instance = 1;
	switch (line->kind) {
	case SP_NODE_SERVICE: out->category = SP_RP_COMPUTE; break;
	case SP_NODE_DATASTORE: out->category = SP_RP_DATABASE; break;
	case SP_NODE_CACHE: out->category = SP_RP_CACHE; break;
	case SP_NODE_QUEUE: out->category = SP_RP_COMPUTE; return 0;   /* nothing to buy: no cost */
	case SP_NODE_GPU: out->category = SP_RP_GPU; break;
	}
	if (!line->sku || !(sku = sp_catalog_sku(cat, line->sku)))
		return -1;
	if (line->kind == SP_NODE_GPU) {
		out->per_instance = sku->gpus > 0 ? sku->gpus : 1;
		out->training = node && node->gpu && node->gpu->kind == SP_GPU_TRAINING;
	}
	out->od_hour = sku->on_demand_hourly / (out->training ? out->per_instance : 1);
	if ((line->purchase == SP_BUY_COMMIT_OD || line->purchase == SP_BUY_COMMIT_SPOT) &&
	    line->commit_term_months > 0) {
		double h = line->commit_term_months == 36 ? sku->commit_3y_hourly : sku->commit_1y_hourly;
		out->term = line->commit_term_months;
		out->commit_hour = h / (out->training ? out->per_instance : 1);
		if (!out->training) {
			out->levels = line->commit_levels;
			out->nwindows = line->ncommit_windows;
			out->commit_month = h * hours;
		}
	}
	return 0;
}

static int64_t to_micro(double v)
{
	/* the forecast's own rounding of a line's cost (model/forecast.c) */
	return (int64_t)(v * MICRO + 0.5);
}

void sp_report_split(struct sp_rp_split *s, const struct sp_rp_line *li, int m, double cost, double cost_od,
		     double storage, int units)
{
	int64_t rest;

	memset(s, 0, sizeof(*s));
	s->cost = to_micro(cost);
	s->cost_od = to_micro(cost_od);
	s->billed = li->per_instance > 1 && !li->training ? (units + li->per_instance - 1) / li->per_instance : units;
	if (storage > 0) {
		s->storage = llround(storage * MICRO);
		s->storage = s->storage > s->cost ? s->cost : s->storage;
	}
	rest = s->cost - s->storage;
	if (li->training && li->commit_hour > 0) {
		s->committed = rest;
	} else if (li->commit_month > 0 && li->nwindows > 0 && li->term > 0) {
		int w = m / li->term;
		s->level = li->levels[w < li->nwindows ? w : li->nwindows - 1];
		s->committed = llround(s->level * li->commit_month * MICRO);
		if (s->committed > rest)
			s->committed = rest;
		if (s->committed < 0)
			s->committed = 0;
	}
	s->above = rest - s->committed;

	/* savings against all on demand: spot saves on what runs above the
	 * commitment (or on all of it without one); the commitment saves the rest */
	int64_t save = s->cost_od - s->cost;
	switch (li->purchase) {
	case SP_BUY_SPOT: s->save_spot = save; break;
	case SP_BUY_COMMIT_SPOT:
		if (s->billed > s->level && s->billed > 0) {
			int64_t od_above = llround((double)(s->cost_od - s->storage) * (s->billed - s->level) / s->billed);
			s->save_spot = od_above - s->above;
		}
		s->save_commit = save - s->save_spot;
		break;
	case SP_BUY_COMMIT_OD: s->save_commit = save; break;
	default: break;   /* on demand: nothing saved */
	}
}

/* ---- percentiles of per-path sums ------------------------------------------------------------------ */

struct rp_pq {
	double q[SP_FC_MAX_PCTS];      /* the percentiles as fractions */
	size_t n;
};

static void pq_init(struct rp_pq *pq, const struct sp_forecast *f)
{
	pq->n = f->npcts;
	for (size_t k = 0; k < f->npcts; k++)
		pq->q[k] = f->pcts[k] / 100.0;
}

/* Percentiles of the monthly, yearly and horizon sums of a [m][p] micro-unit series. */
static void summarize(const struct sp_forecast *f, const struct rp_pq *pq, const int64_t *s, struct sp_fc_group *g,
		      double *x)
{
	int M = f->months, P = f->paths;
	size_t np = f->npcts;

	for (int m = 0; m < M; m++) {
		for (int p = 0; p < P; p++)
			x[p] = (double)s[(size_t)m * P + p] / MICRO;
		sp_stats_select_percentiles(&g->month[(size_t)m * np], x, (size_t)P, pq->q, np);
	}
	for (int y = 0; y < f->years; y++) {
		for (int p = 0; p < P; p++) {
			int64_t sum = 0;
			for (int m = y * 12; m < M && m < y * 12 + 12; m++)
				sum += s[(size_t)m * P + p];
			x[p] = (double)sum / MICRO;
		}
		sp_stats_select_percentiles(&g->year[(size_t)y * np], x, (size_t)P, pq->q, np);
	}
	for (int p = 0; p < P; p++) {
		int64_t sum = 0;
		for (int m = 0; m < M; m++)
			sum += s[(size_t)m * P + p];
		x[p] = (double)sum / MICRO;
	}
	sp_stats_select_percentiles(g->horizon, x, (size_t)P, pq->q, np);
}

static void group_alloc(struct sp_arena *a, const struct sp_forecast *f, struct sp_fc_group *g, const char *name)
{
	g->name = name;
	g->month = SP_NEWN(a, double, (size_t)f->months * f->npcts);
	g->year = SP_NEWN(a, double, (size_t)f->years * f->npcts);
	g->horizon = SP_NEWN(a, double, f->npcts);
}

/* ---- growth and rank ---------------------------------------------------------------------------------------- */

double sp_report_growth(const double *month, const double *year, int months, size_t npcts, size_t k)
{
	int years = (months + 11) / 12;
	double first, last, span;

	if (months < 2)
		return NAN;
	if (years < 2) {
		first = month[k];
		last = month[(size_t)(months - 1) * npcts + k];
		span = (months - 1) / 12.0;
	} else {
		int len0 = 12, lenl = months - (years - 1) * 12;
		first = year[k] / len0;
		last = year[(size_t)(years - 1) * npcts + k] / lenl;
		/* from the middle of the first year to the middle of the last */
		span = ((years - 1) * 12 + lenl / 2.0 - len0 / 2.0) / 12.0;
	}
	if (!(first > 0) || !(last >= 0) || !(span > 0))
		return NAN;
	return pow(last / first, 1.0 / span) - 1;
}

/* The lines by decreasing horizon cost: qsort on indexes with the costs in
 * a context (no globals: qsort_r is not in C11, so the keys travel in the
 * array itself). */
struct rank_item {
	double key;
	size_t i;
};

static int cmp_rank(const void *a, const void *b)
{
	const struct rank_item *x = a, *y = b;
	if (x->key != y->key)
		return x->key > y->key ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

void sp_report_rank(size_t *order, const struct sp_forecast *f, size_t k)
{
	struct rank_item *v = sp_xmalloc((f->nlines ? f->nlines : 1) * sizeof(*v));
	for (size_t i = 0; i < f->nlines; i++)
		v[i] = (struct rank_item){ f->lines[i].horizon[k], i };
	qsort(v, f->nlines, sizeof(*v), cmp_rank);
	for (size_t i = 0; i < f->nlines; i++)
		order[i] = v[i].i;
	free(v);
}

/* ---- the aggregate report ------------------------------------------------------------------------------- */

/* The per-path series the report sums: its categories, purchase options and savings. */
enum { S_CAT = 0, S_BUY = SP_RP_NCAT, S_SAVE = SP_RP_NCAT + SP_RP_NBUY, NSERIES = S_SAVE + SP_RP_NSAVE };

/* The observer's state. The sizes are the forecast's, known at its first
 * call (under the lock: two workers may come at once); after that each
 * worker adds into its own series, and each line's figures are its own. */
struct rp_run {
	const struct sp_graph *g;
	const struct sp_catalog *cat;
	pthread_mutex_t lock;
	int ready;
	size_t M, P, Y, np, nlines;
	struct rp_pq pq;
	int64_t *acc[MAX_WORKERS];     /* [series][m][p] */
	double *scratch[MAX_WORKERS];  /* [p] */
	double *line_year;             /* [line][year][pct] */
	int64_t *total;                /* [m][p] the forecast's total, to check the sums against */
	size_t bad_line;               /* 1 + a line whose SKU the catalog lacks; 0 none */
	int got_totals;
};

static void rp_ready(struct rp_run *x, const struct sp_forecast *f)
{
	pthread_mutex_lock(&x->lock);
	if (!x->ready) {
		x->M = (size_t)f->months;
		x->P = (size_t)f->paths;
		x->Y = (size_t)f->years;
		x->np = f->npcts;
		x->nlines = f->nlines;
		pq_init(&x->pq, f);
		for (int w = 0; w < MAX_WORKERS; w++) {
			x->acc[w] = sp_xcalloc(NSERIES * x->M * x->P, sizeof(int64_t));
			x->scratch[w] = sp_xcalloc(x->P, sizeof(double));
		}
		x->line_year = sp_xcalloc(x->nlines * x->Y * x->np + 1, sizeof(double));
		x->total = sp_xcalloc(x->M * x->P, sizeof(int64_t));
		x->ready = 1;
	}
	pthread_mutex_unlock(&x->lock);
}

static int64_t *series(struct rp_run *x, int worker, int s)
{
	return &x->acc[worker][(size_t)s * x->M * x->P];
}

static void rp_line(void *ctx, const struct sp_forecast *f, const struct sp_fc_line_paths *lp)
{
	struct rp_run *x = ctx;
	const struct sp_fc_line *line = &f->lines[lp->line];
	struct sp_rp_line li;
	int M = f->months, P = f->paths, w = lp->worker >= 0 && lp->worker < MAX_WORKERS ? lp->worker : 0;

	rp_ready(x, f);
	/* the line was priced just now: its purchase option and levels are set */
	if (sp_report_line_info(&li, line, sp_graph_node(x->g, (uint32_t)lp->line), x->cat) < 0) {
		pthread_mutex_lock(&x->lock);
		if (!x->bad_line)
			x->bad_line = lp->line + 1;
		pthread_mutex_unlock(&x->lock);
		return;
	}
	int over = li.purchase == SP_BUY_SPOT || li.purchase == SP_BUY_COMMIT_SPOT ? SP_RP_SPOT : SP_RP_ON_DEMAND;
	int64_t *cat = series(x, w, S_CAT + (int)li.category), *storage = series(x, w, S_CAT + SP_RP_STORAGE);
	int64_t *committed = series(x, w, S_BUY + SP_RP_COMMITTED), *above = series(x, w, S_BUY + over);
	int64_t *od = series(x, w, S_BUY + SP_RP_ON_DEMAND);
	int64_t *save_c = series(x, w, S_SAVE + SP_RP_SAVE_COMMIT), *save_s = series(x, w, S_SAVE + SP_RP_SAVE_SPOT);
	int64_t *save_a = series(x, w, S_SAVE + SP_RP_SAVE_ALL);
	double *yx = x->scratch[w], *ly = &x->line_year[lp->line * x->Y * x->np];

	for (int m = 0; m < M; m++)
		for (int p = 0; p < P; p++) {
			size_t i = (size_t)m * P + p;
			struct sp_rp_split s;
			sp_report_split(&s, &li, m, lp->cost[i], lp->cost_od[i], lp->storage ? lp->storage[i] : 0,
					lp->units_total[i]);
			cat[i] += s.committed + s.above;
			storage[i] += s.storage;
			committed[i] += s.committed;
			above[i] += s.above;
			od[i] += s.storage;    /* storage is billed at list price, as on demand */
			save_c[i] += s.save_commit;
			save_s[i] += s.save_spot;
			save_a[i] += s.cost_od - s.cost;
		}
	/* the line's cost by year: per-path sums, percentiles last */
	for (int y = 0; y < f->years; y++) {
		for (int p = 0; p < P; p++) {
			int64_t sum = 0;
			for (int m = y * 12; m < M && m < y * 12 + 12; m++)
				sum += to_micro(lp->cost[(size_t)m * P + p]);
			yx[p] = (double)sum / MICRO;
		}
		sp_stats_select_percentiles(&ly[(size_t)y * x->np], yx, (size_t)P, x->pq.q, x->np);
	}
}

/* The month's egress bill, as the forecast prices it (model/cost.c). */
static int64_t egress_bill(const struct sp_catalog *cat, int64_t micro_gb)
{
	return micro_gb ? (int64_t)llround(sp_catalog_egress_cost(cat, (double)micro_gb / MICRO) * MICRO) : 0;
}

static void rp_totals(void *ctx, const struct sp_forecast *f, const int64_t *total, const int64_t *egress)
{
	struct rp_run *x = ctx;
	size_t MP;

	rp_ready(x, f);
	MP = x->M * x->P;
	int64_t *tr = series(x, 0, S_CAT + SP_RP_TRANSFER), *od = series(x, 0, S_BUY + SP_RP_ON_DEMAND);
	for (size_t i = 0; i < MP; i++) {
		int64_t c = egress_bill(x->cat, egress[i]);
		tr[i] += c;
		od[i] += c;    /* egress is billed at list price */
	}
	memcpy(x->total, total, MP * sizeof(int64_t));
	x->got_totals = 1;
}

static void rp_free(struct rp_run *x)
{
	for (int w = 0; w < MAX_WORKERS; w++) {
		free(x->acc[w]);
		free(x->scratch[w]);
	}
	free(x->line_year);
	free(x->total);
	pthread_mutex_destroy(&x->lock);
}

/* Merges the workers' series and checks that the categories and the
 * purchase options each add up to the forecast's total, path by path: the
 * report splits the forecast's figures, it never prices them again. */
static int rp_merge_check(struct rp_run *x, const struct sp_forecast *f, struct sp_diags *d)
{
	size_t MP = x->M * x->P;

	for (int w = 1; w < MAX_WORKERS; w++)
		for (size_t i = 0; i < NSERIES * MP; i++)
			x->acc[0][i] += x->acc[w][i];
	for (size_t i = 0; i < MP; i++) {
		int64_t cats = 0, buys = 0;
		for (int c = 0; c < SP_RP_NCAT; c++)
			cats += series(x, 0, S_CAT + c)[i];
		for (int b = 0; b < SP_RP_NBUY; b++)
			buys += series(x, 0, S_BUY + b)[i];
		if (cats != x->total[i] || buys != x->total[i]) {
			char mon[16];
			sp_month_format(f->start + (int)(i / x->P), mon);
			sp_error(d, (struct sp_pos){ 0 },
				 "internal error: the report's split of the cost does not add up to the forecast's total in %s on path %zu",
				 mon, i % x->P);
			return -1;
		}
	}
	return 0;
}

int sp_report_run(struct sp_report **out, const struct sp_spec *spec, const struct sp_graph *g,
		  const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags)
{
	struct sp_forecast_opts fo = *opts;
	struct sp_fc_observer obs;
	struct rp_run x;
	struct sp_report *r = NULL;
	struct sp_forecast *f = NULL;
	int ret = -1;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.g = g;
	x.cat = cat;
	pthread_mutex_init(&x.lock, NULL);
	obs.ctx = &x;
	obs.line = rp_line;
	obs.totals = rp_totals;
	fo.observer = &obs;
	if (sp_forecast_run(&f, spec, g, cat, &fo, diags) < 0)
		goto out;
	rp_ready(&x, f);
	if (x.bad_line) {
		sp_error(diags, spec->pos, "internal error: the SKU of '%s' is not in price catalog '%s'",
			 f->lines[x.bad_line - 1].name, cat->name);
		goto out;
	}
	if (!x.got_totals || rp_merge_check(&x, f, diags) < 0)
		goto out;

	r = sp_xcalloc(1, sizeof(*r));
	sp_arena_init(&r->arena);
	r->f = f;
	f = NULL;
	double *scratch = x.scratch[0];
	for (int c = 0; c < SP_RP_NCAT; c++) {
		group_alloc(&r->arena, r->f, &r->category[c], sp_rp_category_names[c]);
		summarize(r->f, &x.pq, series(&x, 0, S_CAT + c), &r->category[c], scratch);
	}
	for (int b = 0; b < SP_RP_NBUY; b++) {
		group_alloc(&r->arena, r->f, &r->buy[b], sp_rp_buy_names[b]);
		summarize(r->f, &x.pq, series(&x, 0, S_BUY + b), &r->buy[b], scratch);
	}
	for (int s = 0; s < SP_RP_NSAVE; s++) {
		group_alloc(&r->arena, r->f, &r->saving[s], sp_rp_saving_names[s]);
		summarize(r->f, &x.pq, series(&x, 0, S_SAVE + s), &r->saving[s], scratch);
	}
	r->line_year = SP_NEWN(&r->arena, double, x.nlines * x.Y * x.np + 1);
	memcpy(r->line_year, x.line_year, x.nlines * x.Y * x.np * sizeof(double));

	/* how fast each line's median cost grows, and internet egress's */
	size_t med = sp_fc_median_index(r->f), np = r->f->npcts;
	double *mon = SP_NEWN(&r->arena, double, (size_t)r->f->months * np);
	r->line_growth = SP_NEWN(&r->arena, double, x.nlines + 1);
	for (size_t i = 0; i < x.nlines; i++) {
		for (int m = 0; m < r->f->months; m++)
			mon[(size_t)m * np + med] = sp_fc_value(r->f, &r->f->lines[i], m, SP_FC_COST, med);
		r->line_growth[i] = sp_report_growth(mon, &r->line_year[i * x.Y * np], r->f->months, np, med);
	}
	r->transfer_growth = sp_report_growth(r->category[SP_RP_TRANSFER].month, r->category[SP_RP_TRANSFER].year,
					      r->f->months, np, med);
	*out = r;
	ret = 0;
out:
	sp_forecast_free(f);
	rp_free(&x);
	return ret;
}

void sp_report_free(struct sp_report *r)
{
	if (!r)
		return;
	sp_forecast_free(r->f);
	sp_arena_free(&r->arena);
	free(r);
}

/* ---- one path --------------------------------------------------------------------------------------- */

/* Pass 1 keeps every path's horizon total; pass 2 keeps one path's figures. */
struct rpp_run {
	const struct sp_catalog *cat;
	int64_t *horizon;              /* pass 1: [p] */
	size_t P;
	struct sp_report_path *keep;   /* pass 2 */
	size_t M, R;
};

static void rpp_totals_all(void *ctx, const struct sp_forecast *f, const int64_t *total, const int64_t *egress)
{
	struct rpp_run *x = ctx;
	size_t P = (size_t)f->paths;

	(void)egress;
	x->P = P;
	x->horizon = sp_xcalloc(P, sizeof(int64_t));
	for (int m = 0; m < f->months; m++)
		for (size_t p = 0; p < P; p++)
			x->horizon[p] += total[(size_t)m * P + p];
}

static void rpp_line(void *ctx, const struct sp_forecast *f, const struct sp_fc_line_paths *lp)
{
	struct rpp_run *x = ctx;
	struct sp_report_path *k = x->keep;
	size_t P = (size_t)f->paths, M = x->M, li = lp->line;
	size_t p = (size_t)k->path;

	for (size_t m = 0; m < M; m++) {
		size_t i = m * P + p;
		k->cost[li * M + m] = lp->cost[i];
		k->cost_od[li * M + m] = lp->cost_od[i];
		k->storage[li * M + m] = lp->storage ? lp->storage[i] : 0;
		k->units[li * M + m] = lp->units_total[i];
		for (size_t r = 0; r < x->R; r++)
			k->region_units[(li * x->R + r) * M + m] = lp->units[(r * M + m) * P + p];
	}
}

static void rpp_totals_one(void *ctx, const struct sp_forecast *f, const int64_t *total, const int64_t *egress)
{
	struct rpp_run *x = ctx;
	struct sp_report_path *k = x->keep;
	size_t P = (size_t)f->paths, p = (size_t)k->path;

	for (size_t m = 0; m < x->M; m++) {
		int64_t gb = egress[m * P + p];
		k->egress_gb[m] = (double)gb / MICRO;
		k->transfer[m] = (double)egress_bill(x->cat, gb) / MICRO;
		k->total[m] = (double)total[m * P + p] / MICRO;
	}
}

struct path_rank {
	int64_t v;
	size_t p;
};

static int cmp_path_rank(const void *a, const void *b)
{
	const struct path_rank *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->p < y->p ? -1 : x->p > y->p;
}

int sp_report_path_run(struct sp_report_path **out, const struct sp_spec *spec, const struct sp_graph *g,
		       const struct sp_catalog *cat, const struct sp_forecast_opts *opts, double pct,
		       struct sp_diags *diags)
{
	struct sp_forecast_opts fo = *opts;
	struct sp_fc_observer obs = { 0 };
	struct rpp_run x;
	struct sp_forecast *f1 = NULL;
	struct sp_report_path *k = NULL;
	struct path_rank *rank = NULL;
	int ret = -1;

	*out = NULL;
	memset(&x, 0, sizeof(x));
	x.cat = cat;
	/* only totals are needed: no groupings, one month of line percentiles */
	fo.no_groupings = 1;
	fo.only_month_set = 1;
	fo.only_month = 0;
	obs.ctx = &x;
	obs.totals = rpp_totals_all;
	fo.observer = &obs;
	if (sp_forecast_run(&f1, spec, g, cat, &fo, diags) < 0)
		goto out;
	if (!x.horizon) {
		sp_error(diags, spec->pos, "internal error: the forecast reported no totals");
		goto out;
	}

	/* the path at the percentile of the horizon totals (nearest rank) */
	rank = sp_xmalloc(x.P * sizeof(*rank));
	for (size_t p = 0; p < x.P; p++)
		rank[p] = (struct path_rank){ x.horizon[p], p };
	qsort(rank, x.P, sizeof(*rank), cmp_path_rank);
	size_t at = sp_stats_rank(pct / 100.0, x.P);

	k = sp_xcalloc(1, sizeof(*k));
	sp_arena_init(&k->arena);
	k->path = (int)rank[at].p;
	k->pct = pct;
	k->horizon = (double)rank[at].v / MICRO;
	x.M = (size_t)f1->months;
	x.R = spec->nregions;
	size_t LM = f1->nlines * x.M + 1;
	k->cost = SP_NEWN(&k->arena, double, LM);
	k->cost_od = SP_NEWN(&k->arena, double, LM);
	k->storage = SP_NEWN(&k->arena, double, LM);
	k->units = SP_NEWN(&k->arena, int, LM);
	k->region_units = SP_NEWN(&k->arena, int, LM * (x.R ? x.R : 1));
	k->egress_gb = SP_NEWN(&k->arena, double, x.M);
	k->transfer = SP_NEWN(&k->arena, double, x.M);
	k->total = SP_NEWN(&k->arena, double, x.M);
	x.keep = k;
	obs.line = rpp_line;
	obs.totals = rpp_totals_one;
	if (sp_forecast_run(&k->f, spec, g, cat, &fo, diags) < 0)
		goto out;
	if (k->f->paths != f1->paths || k->f->nlines != f1->nlines || k->f->months != f1->months) {
		sp_error(diags, spec->pos, "internal error: two runs of the same forecast differ");
		goto out;
	}
	*out = k;
	k = NULL;
	ret = 0;
out:
	free(rank);
	free(x.horizon);
	sp_forecast_free(f1);
	sp_report_path_free(k);
	return ret;
}

void sp_report_path_free(struct sp_report_path *p)
{
	if (!p)
		return;
	sp_forecast_free(p->f);
	sp_arena_free(&p->arena);
	free(p);
}

size_t sp_report_egress_tiers(const struct sp_catalog *c, double gb, double *gb_out, double *price_out)
{
	size_t n = 0;
	double billable, done = 0, free_gb;

	if (!(gb > 0))
		return 0;
	free_gb = c->negress == 0 ? gb : fmin(gb, c->egress_free_gb);
	if (free_gb > 0) {
		gb_out[n] = free_gb;
		price_out[n++] = 0;
	}
	billable = gb - c->egress_free_gb;
	if (!(billable > 0) || c->negress == 0)
		return n;
	/* the tiers as sp_catalog_egress_cost walks them */
	for (size_t i = 0; i < c->negress && done < billable; i++) {
		const struct sp_egress_tier *t = &c->egress[i];
		int last = i + 1 == c->negress;
		double top = t->up_to_gb > 0 && !last ? fmin(t->up_to_gb, billable) : billable;
		if (top > done) {
			gb_out[n] = top - done;
			price_out[n++] = t->price_per_gb;
			done = top;
		}
	}
	return n;
}
