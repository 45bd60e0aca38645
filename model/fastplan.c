/* The capacity of one month without the Monte Carlo horizon (model/fastplan.h):
 * the forecast's own steps (model/forecast_run.h: sp_capacity_line and
 * sp_cost_line through sp_fc_line_size) over runs of one month. */
#include "model/fastplan.h"

#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"
#include "model/forecast_run.h"
#include "model/stats.h"

/* The whole-run state of a month forecast: the real run (every month and
 * path, drivers only), the month run (month mo alone, every path) and the
 * percentile run (month mo alone, one "path" per percentile). */
struct month_ctx {
	struct sp_fc_run r, r1, rq;
	struct sp_forecast f1;
	struct sp_forecast_opts o1;
	struct sp_fc_worker w1, wq, wfull;
	int wfull_ready;
	struct sp_fc_coef *coefq;
	double one[1];
	double *rates, *pk;
};

/* The totals a full run fills, allocated and 0 (the caller fills them). */
static void alloc_totals(struct sp_forecast *f)
{
	f->total = SP_NEWN(&f->arena, double, (size_t)f->months * f->npcts);
	f->total_od = SP_NEWN(&f->arena, double, (size_t)f->months * f->npcts);
	f->year_total = SP_NEWN(&f->arena, double, (size_t)f->years * f->npcts);
	f->horizon_total = SP_NEWN(&f->arena, double, f->npcts);
	f->horizon_total_od = SP_NEWN(&f->arena, double, f->npcts);
	f->kind_units = SP_NEWN(&f->arena, double, (size_t)SP_NODE_NKINDS * f->months * f->npcts);
	f->cum_total = SP_NEWN(&f->arena, double, (size_t)f->months * f->npcts);
}

/* r1: month mo of r, the drivers' values of that month as a run of one month. */
static void month_run(struct month_ctx *c, int mo)
{
	struct sp_fc_run *r = &c->r, *r1 = &c->r1;
	int nd = r->nd ? r->nd : 1, P = r->P, M = r->M;
	size_t dp = (size_t)nd * P;

	c->f1 = *r->f;
	c->f1.months = 1;
	c->f1.years = 1;
	c->f1.line_m0 = 0;
	c->f1.line_months = 1;
	c->o1 = *r->opts;
	c->o1.only_month = 0;
	c->o1.observer = NULL;
	c->o1.progress = NULL;
	*r1 = *r;
	r1->f = &c->f1;
	r1->opts = &c->o1;
	r1->M = 1;
	r1->trend = sp_xcalloc(dp, sizeof(double));
	r1->avg = sp_xcalloc(dp, sizeof(double));
	r1->peak = sp_xcalloc(dp, sizeof(double));
	r1->cum = sp_xcalloc(dp, sizeof(double));
	for (int d = 0; d < r->nd; d++)
		for (int p = 0; p < P; p++) {
			size_t from = sp_fc_idx(d, p, mo, P, M), to = sp_fc_idx(d, p, 0, P, 1);
			r1->trend[to] = r->trend[from];
			r1->avg[to] = r->avg[from];
			r1->peak[to] = r->peak[from];
			r1->cum[to] = r->cum[from];
		}
	r1->region_active = sp_xcalloc((size_t)r->R + 1, sizeof(int));
	for (int ri = 0; ri < r->R; ri++)
		r1->region_active[ri] = r->region_active[ri * M + mo];
}

/* rq: the month run with one driver whose paths are given per line (the
 * percentiles of that line's peak demand) and every coefficient 1. */
static void percentile_run(struct month_ctx *c)
{
	struct sp_fc_run *rq = &c->rq;
	size_t n = c->r.f->nlines, np = c->r.f->npcts;

	*rq = c->r1;
	rq->P = (int)np;
	rq->nd = 1;
	rq->peak = sp_xcalloc(np, sizeof(double));
	/* the kinds sized this way read the peak only */
	rq->trend = rq->avg = rq->cum = rq->peak;
	c->one[0] = 1;
	c->coefq = sp_xcalloc(n ? n : 1, sizeof(*c->coefq));
	for (size_t v = 0; v < n; v++)
		c->coefq[v] = (struct sp_fc_coef){ c->one, c->one, c->one, c->one };
	rq->coef = c->coefq;
}

/* Line li by the percentile route: its peak demand's percentiles over the
 * paths of month mo, each sized once; pseudo-path k is percentile k. */
static void line_by_percentile(struct month_ctx *c, size_t li, int mo)
{
	struct sp_fc_run *r = &c->r;
	struct sp_forecast *f = r->f;
	struct sp_fc_line *line = &f->lines[li];
	struct sp_fc_worker *w = &c->wq;
	size_t np = f->npcts;
	int R = r->R, Pq = (int)np;

	sp_demand_path_rates(r, r->coef[li].peak, r->peak, mo, c->rates);
	sp_stats_select_percentiles(c->pk, c->rates, (size_t)r->P, r->pq, np);
	memcpy(c->rq.peak, c->pk, np * sizeof(double));
	sp_fc_line_size(w, li);
	for (size_t k = 0; k < np; k++) {
		for (int mt = 0; mt < SP_FC_NMETRICS; mt++) {
			double x;
			switch (mt) {
			case SP_FC_UNITS: x = w->units_total[k]; break;
			case SP_FC_COST:
			case SP_FC_COST_OD: x = 0; break;
			default: x = sp_fc_metric_row(w, (enum sp_fc_metric)mt, 0)[k];
			}
			line->v[(size_t)mt * np + k] = x;
		}
		/* the quietest hour's instances: an autoscaled service's own, else its units */
		const int *src[SP_FC_NREGION_METRICS] = { w->units, w->rshards, w->rreplicas,
							  w->autoscaled ? w->rmin : w->units };
		for (int ri = 0; ri < R; ri++)
			for (int kk = 0; kk < SP_FC_NREGION_METRICS; kk++)
				line->rv[((size_t)ri * SP_FC_NREGION_METRICS + kk) * np + k] =
					src[kk][sp_fc_idx(ri, 0, (int)k, 1, Pq)];
	}
}

/* The figures a month forecast does not hold (model/fastplan.h). */
static void clear_horizon_figures(struct sp_forecast *f, struct sp_fc_line *line, enum sp_fc_purchase purchase)
{
	for (size_t k = 0; k < f->npcts; k++) {
		line->v[(size_t)SP_FC_COST * f->npcts + k] = 0;
		line->v[(size_t)SP_FC_COST_OD * f->npcts + k] = 0;
		line->horizon[k] = 0;
	}
	line->purchase = purchase;
	line->commit_term_months = 0;
	line->ncommit_windows = 0;
	line->risk_month = line->risk_any_month = line->outgrow_month = -1;
	line->risk_share = 0;
}

int sp_forecast_month(struct sp_forecast **out, const struct sp_spec *spec, const struct sp_graph *g,
		      const struct sp_catalog *cat, const struct sp_forecast_opts *opts, struct sp_diags *diags)
{
	struct month_ctx c;
	struct sp_forecast *f;
	int ret = -1, mo = opts->only_month;

	*out = NULL;
	if (sp_forecast_check_catalog(spec, cat, diags) < 0)
		return -1;
	if (!opts->only_month_set || mo < 0 || mo >= (opts->months > 0 && opts->months < spec->months ? opts->months
												  : spec->months)) {
		sp_error(diags, spec->pos, "month %d is outside the forecast", opts->only_month_set ? mo : -1);
		return -1;
	}
	memset(&c, 0, sizeof(c));
	f = sp_fc_forecast_new(spec, cat, opts);
	sp_fc_run_init(&c.r, f, spec, g, cat, opts);
	if (sp_demand_fill_drivers(&c.r, diags) < 0) {
		sp_fc_run_free(&c.r);
		sp_forecast_free(f);
		return -1;
	}
	sp_demand_propagate(&c.r);
	sp_fc_make_lines(&c.r);
	alloc_totals(f);
	month_run(&c, mo);
	percentile_run(&c);
	sp_fc_worker_init(&c.w1, &c.r1, 0);
	sp_fc_worker_init(&c.wq, &c.rq, 0);
	c.rates = sp_xcalloc((size_t)c.r.P, sizeof(double));
	c.pk = sp_xcalloc(f->npcts, sizeof(double));
	for (size_t li = 0; li < f->nlines; li++) {
		struct sp_fc_line *line = &f->lines[li];
		const struct sp_node *node = sp_graph_node(g, (uint32_t)li);
		enum sp_fc_purchase purchase;
		/* the whole horizon, as the forecast computes it, where a month
		 * depends on the months before it or on the run's first month: a
		 * datastore's shards hold once reached on a path; an autoscaled
		 * service's profile is scaled by its demand at the horizon's start */
		if (sp_cost_purchase(&c.r, (uint32_t)li, &purchase) < 0 ||
		    (node->kind == SP_NODE_GPU && node->gpu->kind == SP_GPU_TRAINING) ||
		    node->kind == SP_NODE_DATASTORE || (node->kind == SP_NODE_SERVICE && node->service->autoscale)) {
			if (!c.wfull_ready) {
				sp_fc_worker_init(&c.wfull, &c.r, 0);
				c.wfull_ready = 1;
			}
			sp_fc_line_figures(&c.wfull, li);
			purchase = line->purchase;
		} else if (node->kind == SP_NODE_CACHE) {
			/* not monotone in one number: every path, this month */
			sp_fc_line_figures(&c.w1, li);
		} else {
			line_by_percentile(&c, li, mo);
		}
		clear_horizon_figures(f, line, purchase);
	}
	ret = 0;
	*out = f;
	free(c.rates);
	free(c.pk);
	sp_fc_worker_free(&c.w1);
	sp_fc_worker_free(&c.wq);
	if (c.wfull_ready)
		sp_fc_worker_free(&c.wfull);
	free(c.r1.trend);
	free(c.r1.avg);
	free(c.r1.peak);
	free(c.r1.cum);
	free(c.r1.region_active);
	free(c.rq.peak);
	free(c.coefq);
	sp_fc_run_free(&c.r);
	return ret;
}

void sp_forecast_month_budgets(struct sp_forecast *f, const struct sp_spec *spec)
{
	sp_fc_check_budgets(f, spec);
}
