/* Transfer between zones (docs/model.md §6 "Transfer between zones"): the
 * bytes a service's calls carry, the share of them that crosses zones in a
 * multi-zone region, and their price from the catalog. Added to the totals
 * with internet egress by sp_cost_transfer. */
#include <math.h>

#include "model/forecast_run.h"

/* Calls per request of s's call c: per_request, or reads + writes for a datastore. */
static double calls_per_request(const struct sp_call *c)
{
	if (c->kind == SP_CALL_DATASTORE)
		return c->reads_per_request + c->writes_per_request;
	return c->per_request;
}

void sp_transfer_calls(struct sp_fc_worker *w, uint32_t v, const struct sp_service *s)
{
	struct sp_fc_run *r = w->run;
	int M = r->M, P = r->P;
	double secs = r->cat->hours_per_month * 3600.0;
	double kb = 0;   /* KB per request of s, over all its calls */

	for (size_t i = 0; i < s->ncalls; i++)
		kb += calls_per_request(&s->calls[i]) * (s->calls[i].request_kb + s->calls[i].response_kb);
	if (!(kb > 0) || !(r->cat->cross_az_gb > 0))
		return;
	/* a GB moved between zones is billed leaving one and entering the other */
	double price_gb = 2 * r->cat->cross_az_gb;
	for (int m = 0; m < M; m++) {
		/* sum over active regions of share x (zones - 1) / zones: the share
		 * of s's calls that cross zones, when callee instances are spread
		 * evenly over the zones and a call goes to any of them */
		double cross = 0;
		for (int ri = 0; ri < r->R; ri++) {
			const struct sp_region *reg = &r->spec->regions[ri];
			if (r->region_active[ri * M + m] && reg->zones > 1)
				cross += reg->share * (reg->zones - 1) / (double)reg->zones;
		}
		if (!(cross > 0))
			continue;
		sp_demand_path_rates(r, r->coef[v].avg, r->avg, m, w->rate);
		for (int p = 0; p < P; p++) {
			double gb = w->rate[p] * cross * secs * kb / 1e6;
			w->acc.xfer[(size_t)m * P + p] += (int64_t)llround(gb * price_gb * SP_FC_MICRO);
		}
	}
}
