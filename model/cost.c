#include "model/cost.h"

#include <math.h>
#include <string.h>

static double num(const struct sp_resource *r, const char *key)
{
	const struct sp_attr *a = sp_resource_attr(r, key);
	return a && a->type == SP_ATTR_NUM ? a->n : 0;
}

static const char *str(const struct sp_resource *r, const char *key)
{
	const struct sp_attr *a = sp_resource_attr(r, key);
	return a && a->type == SP_ATTR_STR ? a->s : NULL;
}

double sp_cost_resource(const struct sp_catalog *cat, const struct sp_resource *r)
{
	const char *sku_name = str(r, "instance_type");
	const struct sp_sku *sku;
	double hours = cat->hours_per_month;

	if (!strcmp(r->type, "cache"))
		sku_name = str(r, "node_type");
	if (!sku_name || !(sku = sp_catalog_sku(cat, sku_name)))
		return 0;
	if (!strcmp(r->type, "service"))
		return num(r, "instances") * sku->on_demand_hourly * hours;
	if (!strcmp(r->type, "cache"))
		return num(r, "nodes") * sku->on_demand_hourly * hours;
	if (!strcmp(r->type, "datastore")) {
		double nodes = num(r, "nodes"), shards = num(r, "shards");
		double copies = shards > 0 ? nodes / shards : 1;
		return nodes * sku->on_demand_hourly * hours + num(r, "storage_gb") * copies * cat->db_storage_gb_month;
	}
	if (!strcmp(r->type, "gpu")) {
		int per = sku->gpus > 0 ? sku->gpus : 1;
		return ceil(num(r, "gpus") / per) * sku->on_demand_hourly * hours;
	}
	return 0;
}

double sp_cost_set(const struct sp_catalog *cat, const struct sp_resource_set *s)
{
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		sum += sp_cost_resource(cat, &s->v[i]);
	return sum;
}
