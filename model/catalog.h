/* A price catalog: dated list prices and the capacity of each SKU. The model
 * only reads it; providers/catalog.c loads it from a JSON file (format in
 * docs/catalog.md). All prices are in the catalog's currency. */
#ifndef SP_CATALOG_H
#define SP_CATALOG_H
#include <stddef.h>

#include "lib/arena.h"

enum sp_sku_kind { SP_SKU_COMPUTE, SP_SKU_DATABASE, SP_SKU_CACHE, SP_SKU_GPU };

struct sp_sku {
	const char *name;          /* "m7i.large", "db.r6g.xlarge", "cache.r6g.large", "p5.48xlarge" */
	enum sp_sku_kind kind;
	double vcpus;
	double memory_gib;
	int gpus;                  /* GPUs per instance (GPU SKUs) */
	const char *gpu_model;     /* "h100" (GPU SKUs) */
	double on_demand_hourly;   /* per instance-hour */
	double commit_1y_hourly;   /* effective per instance-hour with a 1-year commitment; 0 = none */
	double commit_3y_hourly;   /* 3-year; 0 = none */
	double spot_hourly;        /* typical spot price; 0 = use the catalog's spot_discount */
};

struct sp_gpu_model {
	const char *name;          /* "h100" */
	double peak_tflops;        /* dense BF16 peak per GPU */
	const char *sku;           /* the instance type that carries it, e.g. p5.48xlarge */
};

/* Internet egress priced in tiers: the first `up_to_gb` GB of a month at price_per_gb. */
struct sp_egress_tier {
	double up_to_gb;           /* 0 = no upper bound (last tier) */
	double price_per_gb;
};

struct sp_catalog {
	struct sp_arena arena;
	const char *name;          /* "aws-us-east-1" */
	const char *currency;      /* "USD" */
	const char *as_of;         /* "2026-06" : the date the prices were read */
	const char *source;        /* where they come from */
	double hours_per_month;    /* 730 */
	double spot_discount;      /* default discount of spot below on-demand, [0, 1) */
	/* storage, per GB-month */
	double block_storage_gb_month;     /* EBS gp3 */
	double object_storage_gb_month;    /* S3 Standard */
	double db_storage_gb_month;        /* RDS gp3 */
	/* transfer, per GB */
	double cross_az_gb;                /* each direction */
	double cross_region_gb;
	double egress_free_gb;             /* free internet egress per month */
	struct sp_egress_tier *egress;
	size_t negress;
	struct sp_sku *skus;       /* sorted by name */
	size_t nskus;
	double *cpu_speed;         /* [nskus], parallel to skus: one vCPU's speed against the
				    * reference (m7i = 1.0); NULL = 1.0 for every SKU */
	struct sp_gpu_model *gpus;
	size_t ngpus;
};

/* Finds a SKU by name (binary search; c->skus sorted by name); NULL when
 * absent or when c or name is NULL. The SKU is owned by c. */
const struct sp_sku *sp_catalog_sku(const struct sp_catalog *c, const char *name);
/* The cpu_speed of sku, a SKU of c (docs/catalog.md: one vCPU's speed
 * against the reference, m7i = 1.0); 1.0 when c has no speeds, when sku is
 * NULL or not one of c's, or when its speed is not positive. */
double sp_catalog_cpu_speed(const struct sp_catalog *c, const struct sp_sku *sku);
/* Finds a GPU model by name (linear); NULL when absent or when c or name is
 * NULL. Owned by c. */
const struct sp_gpu_model *sp_catalog_gpu(const struct sp_catalog *c, const char *name);
/* The cost, in the catalog's currency, of gb GB of internet egress in one
 * month: the free allowance first, then each tier at its price. 0 when gb is
 * within the allowance or the catalog has no tiers; NaN when gb is NaN. */
double sp_catalog_egress_cost(const struct sp_catalog *c, double gb);

#endif
