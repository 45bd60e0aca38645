/* Choosing a service's instance type and the pieces of its sizing that depend
 * on the type: the CPU speed credit, the memory bound, what binds a fleet's
 * size, and `instance: auto` (docs/model.md, "CPU speed, memory and the
 * instance type"). Pure computation over the catalog and the spec. */
#ifndef SP_CHOOSE_H
#define SP_CHOOSE_H
#include <stddef.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/spec.h"

/* What set a fleet's size, as bits: the first five say what sized it before
 * the zone rule (exactly one of them for a fleet with load), the last three
 * what changed it afterwards. */
enum sp_bind {
	SP_BIND_UTILISATION = 1 << 0,   /* ceil(A / target_utilization) */
	SP_BIND_LATENCY = 1 << 1,       /* the latency SLO's Erlang C tail */
	SP_BIND_BACKLOG = 1 << 2,       /* a queue worker draining within its backlog-age target */
	SP_BIND_USL = 1 << 3,           /* the USL throughput of one instance */
	SP_BIND_MEMORY = 1 << 4,        /* memory of the requests in flight */
	SP_BIND_ZONES = 1 << 5,         /* zone N+1 added instances */
	SP_BIND_MIN = 1 << 6,           /* scaling.min raised the count */
	SP_BIND_MAX = 1 << 7,           /* scaling.max cut the count (an SLO at risk) */
};
#define SP_NBINDS 8
/* The names of the bits, lowest first: utilisation, latency, backlog, usl,
 * memory, zones, min, max. */
extern const char *const sp_bind_names[SP_NBINDS];

/* Writes the names of the bits set in binds, lowest first, joined by '+'
 * ("latency+zones"), or "-" when none is set, into buf (size n > 0,
 * truncated to fit, always terminated). Returns buf. */
const char *sp_bind_format(int binds, char *buf, size_t n);

/* The speed of one vCPU of the SKU the service's cpu_ms_per_request was
 * measured on: work.cpu_reference's cpu_speed, or 1 (the catalog's
 * reference) when the service names none or the catalog lacks it. */
double sp_choose_ref_speed(const struct sp_catalog *cat, const struct sp_service *s);

/* The service time in seconds of one request on a SKU of speed sku_speed
 * (sp_catalog_cpu_speed): cpu_ms_per_request / 1000 * ref_speed / sku_speed
 * (a non-positive speed counts as 1). */
double sp_choose_service_s(const struct sp_service *s, double sku_speed, double ref_speed);

/* Memory, in MB, one instance of sku has for requests in flight: its
 * memory_gib * 1024 less work.memory_mb_per_instance. <= 0 when the fixed
 * footprint does not fit (the SKU cannot run the service). */
double sp_choose_memory_free_mb(const struct sp_service *s, const struct sp_sku *sku);

/* Instances the requests in flight need: inflight (Little's law: rate x
 * mean response time) x mb_per_request / free_mb, rounded up; 0 when
 * mb_per_request or inflight is 0, or free_mb <= 0. Capped at 1e9. */
int sp_choose_memory_instances(double inflight, double mb_per_request, double free_mb);

/* 1 when sku may be chosen for service s under `instance: auto`: a compute
 * SKU whose family (the name before the first '.') is one of s->families (any
 * family when the service lists none), and whose memory holds the service's
 * fixed footprint. */
int sp_choose_candidate(const struct sp_service *s, const struct sp_sku *sku);

/* One candidate instance type, with its cost over the horizon. */
struct sp_choice {
	const struct sp_sku *sku;
	double horizon_cost;       /* on-demand, at the median path's demand */
	int meets_slo;             /* the SLO is reachable and scaling.max never cuts the count */
};
#define SP_CHOICES 4               /* the chosen type and three alternatives */

/* Sizes the service on sku in region ri at peak rate lambda_rps: instances,
 * and the SP_BIND_* bits in *binds. */
typedef int (*sp_choose_sizer)(void *ctx, const struct sp_sku *sku, int ri, double lambda_rps, int *binds);

/* Ranks the candidates of service s (sp_choose_candidate) by their on-demand
 * cost over the horizon: for each month m < M and region ri < R, size(rate
 * rates[m * R + ri]) instances at on_demand_hourly x hours_per_month (a rate
 * < 0 is an inactive region-month, not billed). Those that meet the SLO come
 * first, then by cost, then by name. Writes the best SP_CHOICES into out
 * (out[0] is the choice) and returns how many (0: no candidate). Calls size
 * M x R times per candidate, in month order for each region. */
size_t sp_choose_rank(const struct sp_catalog *cat, const struct sp_service *s, int M, int R, const double *rates,
		      sp_choose_sizer size, void *ctx, struct sp_choice out[SP_CHOICES]);

/* Checks what the services' instance keys need from the catalog: a
 * cpu_reference that is a compute type, families that name at least one
 * compute type, an `instance: auto` with at least one candidate, a fixed
 * footprint that fits the instance type, and a latency SLO reachable at the
 * type's speed. Each problem goes to d at the spec's line. Returns 0, or -1
 * when any was found. */
int sp_choose_check(const struct sp_spec *spec, const struct sp_catalog *cat, struct sp_diags *d);

#endif
