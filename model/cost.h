/* Cost: what capacity costs, from the price catalog. The forecast's pricing
 * (rates, purchase options, commitment levels, egress) is in model/cost.c
 * too, behind the private model/forecast_run.h; this header is what the
 * planner prices a plan with: the monthly on-demand list price of the
 * resources it would create or change (the plan's "before" and "after"). */
#ifndef SP_COST_H
#define SP_COST_H
#include "model/catalog.h"
#include "model/resource.h"

/* Monthly on-demand cost of one resource, in the catalog's currency: its
 * units (instances, nodes; GPUs rounded up to whole instances) times the
 * SKU's on-demand hourly price times the catalog's hours per month, plus a
 * datastore's storage on every copy. 0 for queues, a resource without a SKU,
 * and a SKU the catalog lacks. Reads r and cat only. */
double sp_cost_resource(const struct sp_catalog *cat, const struct sp_resource *r);

/* The sum of sp_cost_resource over every resource of s. */
double sp_cost_set(const struct sp_catalog *cat, const struct sp_resource_set *s);

#endif
