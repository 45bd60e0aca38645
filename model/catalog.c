/* Pure lookups in a loaded price catalog (model/catalog.h). */
#include "model/catalog.h"

#include <math.h>
#include <string.h>

const struct sp_sku *sp_catalog_sku(const struct sp_catalog *c, const char *name)
{
	size_t lo = 0, hi;

	if (!c || !name)
		return NULL;
	hi = c->nskus;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(name, c->skus[mid].name);
		if (cmp == 0)
			return &c->skus[mid];
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

double sp_catalog_cpu_speed(const struct sp_catalog *c, const struct sp_sku *sku)
{
	if (!c || !sku || !c->cpu_speed || sku < c->skus || sku >= c->skus + c->nskus)
		return 1.0;
	double v = c->cpu_speed[sku - c->skus];
	return v > 0 ? v : 1.0;
}

const struct sp_gpu_model *sp_catalog_gpu(const struct sp_catalog *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (size_t i = 0; i < c->ngpus; i++)
		if (!strcmp(c->gpus[i].name, name))
			return &c->gpus[i];
	return NULL;
}

/* The free allowance comes off first; the tier bounds then count the billable
 * GB (so with 100 GB free and a first tier up to 10,240 GB, 10,340 GB cost
 * 10,240 GB at the first tier's price). A volume beyond a bounded last tier
 * (the loader never allows one) is priced at that tier's price. */
double sp_catalog_egress_cost(const struct sp_catalog *c, double gb)
{
	double billable, done = 0, cost = 0;

	if (isnan(gb))
		return gb;
	billable = gb - c->egress_free_gb;
	if (!(billable > 0) || c->negress == 0)
		return 0;
	for (size_t i = 0; i < c->negress && done < billable; i++) {
		const struct sp_egress_tier *t = &c->egress[i];
		int last = i + 1 == c->negress;
		double top = t->up_to_gb > 0 && !last ? fmin(t->up_to_gb, billable) : billable;
		if (top > done) {
			cost += (top - done) * t->price_per_gb;
			done = top;
		}
	}
	return cost;
}
