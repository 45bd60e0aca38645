/* Demand: the growth paths of the drivers and the demand they put on every
 * component through the graph (docs/model.md §1 to §3). Randomness lives
 * only here, in one growth multiplier per (seed, path, driver); demand is
 * linear in the drivers, so the graph is walked once, on coefficients. */
#include <stdint.h>

#include "model/forecast_run.h"
#include "model/growth.h"
#include "model/stats.h"

/* ---- drivers ------------------------------------------------------------------------- */

int sp_demand_fill_drivers(struct sp_fc_run *r, struct sp_diags *diags)
{
	const struct sp_spec *s = r->spec;
	int M = r->M, P = r->P;

	for (int d = 0; d < r->nd; d++) {
		const struct sp_driver *drv = &s->drivers[d];
		double mu = 0, sigma = 0;
		if (drv->has_uncertainty && sp_stats_lognormal_fit(&mu, &sigma, drv->p10, drv->p90) < 0) {
			sp_error(diags, drv->pos, "driver '%s': cannot fit the uncertainty band", drv->name);
			return -1;
		}
		for (int p = 0; p < P; p++) {
			double gm = 1.0;
			double *tr = &r->trend[sp_fc_idx(d, p, 0, P, M)];
			if (drv->has_uncertainty && P > 1) {
				struct sp_rng rng;
				/* one stream per (seed, path, driver): independent of threads and order */
				sp_rng_init_stream(&rng, r->f->seed, (uint64_t)p, (uint64_t)d);
				gm = sp_rng_lognormal(&rng, mu, sigma);
			}
			if (sp_growth_fill(tr, M, drv, s->start, gm) < 0) {
				sp_error(diags, drv->pos, "driver '%s' gives no usable curve", drv->name);
				return -1;
			}
			double run_sum = 0;
			for (int m = 0; m < M; m++) {
				double season = sp_growth_season(drv, s->start + m);
				double event = sp_growth_event(drv, s->start + m);
				size_t i = sp_fc_idx(d, p, m, P, M);
				run_sum += tr[m];
				r->avg[i] = tr[m] * season;
				r->peak[i] = r->avg[i] * event;
				r->cum[i] = run_sum;
			}
		}
	}
	return 0;
}

/* ---- demand coefficients through the graph --------------------------------------------- */

void sp_demand_propagate(struct sp_fc_run *r)
{
	const struct sp_graph *g = r->g;
	size_t n = sp_graph_nnodes(g);
	const uint32_t *topo = sp_graph_topo(g);
	int nd = r->nd;
	double *mem = SP_NEWN(&r->f->arena, double, n * (size_t)nd * 4 + 1);

	r->coef = SP_NEWN(&r->f->arena, struct sp_fc_coef, n);
	r->queue_worker = SP_NEWN(&r->f->arena, int, n);
	for (size_t v = 0; v < n; v++) {
		r->coef[v].avg = mem + (v * 4 + 0) * (size_t)nd;
		r->coef[v].peak = mem + (v * 4 + 1) * (size_t)nd;
		r->coef[v].reads = mem + (v * 4 + 2) * (size_t)nd;
		r->coef[v].writes = mem + (v * 4 + 3) * (size_t)nd;
	}
	for (size_t t = 0; t < n; t++) {
		uint32_t v = topo[t];
		const struct sp_node *node = sp_graph_node(g, v);
		const struct sp_demand *dm = NULL;
		if (node->kind == SP_NODE_SERVICE)
			dm = &node->service->demand;
		else if (node->kind == SP_NODE_GPU && node->gpu->kind == SP_GPU_INFERENCE)
			dm = &node->gpu->demand;
		if (dm && dm->present && dm->drv) {
			int d = (int)(dm->drv - r->spec->drivers);
			double a = dm->requests_per_unit_per_day / 86400.0;
			r->coef[v].avg[d] += a;
			r->coef[v].peak[d] += a * dm->peak_to_average;
		}
		size_t ne;
		const struct sp_edge *e = sp_graph_out(g, v, &ne);
		for (size_t i = 0; i < ne; i++) {
			struct sp_fc_coef *to = &r->coef[e[i].to];
			const struct sp_fc_coef *from = &r->coef[v];
			if (e[i].kind == SP_EDGE_CONSUME)
				r->queue_worker[e[i].to] = 1;
			for (int d = 0; d < nd; d++) {
				if (e[i].kind == SP_EDGE_DATASTORE) {
					to->reads[d] += from->peak[d] * e[i].reads;
					to->writes[d] += from->peak[d] * e[i].writes;
					to->peak[d] += from->peak[d] * (e[i].reads + e[i].writes);
					to->avg[d] += from->avg[d] * (e[i].reads + e[i].writes);
				} else {
					to->peak[d] += from->peak[d] * e[i].ratio;
					to->avg[d] += from->avg[d] * e[i].ratio;
				}
			}
		}
	}
}

/* The rate of every path in month m: sum_d c[d] * series[d][p][m]. */
void sp_demand_path_rates(const struct sp_fc_run *r, const double *c, const double *series, int m, double *out)
{
	int P = r->P, M = r->M;
	for (int p = 0; p < P; p++)
		out[p] = 0;
	for (int d = 0; d < r->nd; d++) {
		if (c[d] == 0)
			continue;
		for (int p = 0; p < P; p++)
			out[p] += c[d] * series[sp_fc_idx(d, p, m, P, M)];
	}
}
