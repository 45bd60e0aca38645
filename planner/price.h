/* The monthly list price of a resource set: what the capacity in it costs a
 * month on demand, from the price catalog (the plan's "before" and "after"). */
#ifndef SP_PRICE_H
#define SP_PRICE_H
#include "model/catalog.h"
#include "model/resource.h"

/* Monthly on-demand cost of one resource (0 for queues and unknown SKUs). */
double sp_price_resource(const struct sp_catalog *cat, const struct sp_resource *r);
double sp_price_set(const struct sp_catalog *cat, const struct sp_resource_set *s);

#endif
