/* Instance-type choice and the type-dependent parts of a service's sizing
 * (model/choose.h). */
#include "model/choose.h"

#include <math.h>
#include <string.h>

#include "model/queueing.h"

const char *const sp_bind_names[SP_NBINDS] = { "utilisation", "latency", "backlog", "usl",
					       "memory",      "zones",   "min",     "max" };

const char *sp_bind_format(int binds, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < SP_NBINDS; i++) {
		if (!(binds & (1 << i)))
			continue;
		const char *name = sp_bind_names[i];
		size_t k = strlen(name) + (len > 0);
		if (len + k + 1 > n)
			break;
		if (len > 0)
			buf[len++] = '+';
		memcpy(buf + len, name, strlen(name) + 1);
		len += strlen(name);
	}
	if (len == 0 && n >= 2)
		memcpy(buf, "-", 2);
	return buf;
}

double sp_choose_ref_speed(const struct sp_catalog *cat, const struct sp_service *s)
{
	if (!s->cpu_reference)
		return 1.0;
	return sp_catalog_cpu_speed(cat, sp_catalog_sku(cat, s->cpu_reference));
}

double sp_choose_service_s(const struct sp_service *s, double sku_speed, double ref_speed)
{
	return s->cpu_ms_per_request / 1000.0 * (ref_speed > 0 ? ref_speed : 1.0) / (sku_speed > 0 ? sku_speed : 1.0);
}

double sp_choose_memory_free_mb(const struct sp_service *s, const struct sp_sku *sku)
{
	return sku->memory_gib * 1024.0 - s->memory_mb_per_instance;
}

int sp_choose_memory_instances(double inflight, double mb_per_request, double free_mb)
{
	if (!(inflight > 0) || !(mb_per_request > 0) || !(free_mb > 0))
		return 0;
	double n = ceil(inflight * mb_per_request / free_mb);
	return n > 1e9 ? 1000000000 : (int)n;
}

int sp_choose_candidate(const struct sp_service *s, const struct sp_sku *sku)
{
	if (sku->kind != SP_SKU_COMPUTE || !(sku->vcpus > 0))
		return 0;
	if (s->memory_mb_per_instance > 0 && !(sp_choose_memory_free_mb(s, sku) > 0))
		return 0;
	if (s->nfamilies == 0)
		return 1;
	const char *dot = strchr(sku->name, '.');
	size_t flen = dot ? (size_t)(dot - sku->name) : strlen(sku->name);
	for (size_t i = 0; i < s->nfamilies; i++)
		if (strlen(s->families[i]) == flen && !strncmp(s->families[i], sku->name, flen))
			return 1;
	return 0;
}

/* a before b: meets the SLO, then cheaper, then by name (deterministic) */
static int better(const struct sp_choice *a, const struct sp_choice *b)
{
	if (a->meets_slo != b->meets_slo)
		return a->meets_slo > b->meets_slo;
	if (a->horizon_cost != b->horizon_cost)
		return a->horizon_cost < b->horizon_cost;
	return strcmp(a->sku->name, b->sku->name) < 0;
}

size_t sp_choose_rank(const struct sp_catalog *cat, const struct sp_service *s, int M, int R, const double *rates,
		      sp_choose_sizer size, void *ctx, struct sp_choice out[SP_CHOICES])
{
	double ref = sp_choose_ref_speed(cat, s);
	size_t n = 0;

	for (size_t k = 0; k < cat->nskus; k++) {
		const struct sp_sku *sku = &cat->skus[k];
		if (!sp_choose_candidate(s, sku))
			continue;
		struct sp_choice c = { sku, 0, 1 };
		if (s->has_latency_slo &&
		    !sp_q_slo_reachable(sp_choose_service_s(s, sp_catalog_cpu_speed(cat, sku), ref), s->slo_quantile, s->slo_ms / 1000.0))
			c.meets_slo = 0;
		double month_cost = sku->on_demand_hourly * cat->hours_per_month;
		for (int ri = 0; ri < R; ri++)
			for (int m = 0; m < M; m++) {
				double lambda = rates[(size_t)m * R + ri];
				int binds = 0;
				if (lambda < 0)
					continue;
				c.horizon_cost += size(ctx, sku, ri, lambda, &binds) * month_cost;
				if (binds & SP_BIND_MAX)
					c.meets_slo = 0;
			}
		/* insert into the sorted top SP_CHOICES */
		size_t at = n;
		while (at > 0 && better(&c, &out[at - 1]))
			at--;
		if (at >= SP_CHOICES)
			continue;
		size_t last = n < SP_CHOICES ? n : SP_CHOICES - 1;
		memmove(&out[at + 1], &out[at], (last - at) * sizeof(out[0]));
		out[at] = c;
		if (n < SP_CHOICES)
			n++;
	}
	return n;
}

/* An SLO below the service-time tail on the SKU's speed (the loader checks
 * it at the reference speed when the service names neither a reference nor
 * auto; this is the same rule on the type it runs on). */
static void check_floor(const struct sp_service *s, const struct sp_sku *sku, double speed, double ref,
			struct sp_diags *d)
{
	if (!s->has_latency_slo)
		return;
	double S = sp_choose_service_s(s, speed, ref);
	if (sp_q_slo_reachable(S, s->slo_quantile, s->slo_ms / 1000.0))
		return;
	double floor_ms = sp_q_min_slo_s(S * 1000.0, s->slo_quantile);
	sp_error(d, s->slo_pos,
		 "service '%s': the p%g latency target of %g ms is unreachable on %s: with %g ms of work per request there (cpu_speed %g against %g), no number of servers brings p%g below %.1f ms",
		 s->name, s->slo_quantile * 100, s->slo_ms, sku->name, S * 1000.0, speed, ref, s->slo_quantile * 100, floor_ms);
}

static int family_known(const struct sp_catalog *cat, const char *fam)
{
	size_t n = strlen(fam);
	for (size_t k = 0; k < cat->nskus; k++)
		if (cat->skus[k].kind == SP_SKU_COMPUTE && !strncmp(cat->skus[k].name, fam, n) &&
		    cat->skus[k].name[n] == '.')
			return 1;
	return 0;
}

static void check_service(const struct sp_service *s, const struct sp_catalog *cat, struct sp_diags *d)
{
	const struct sp_sku *ref = NULL;

	if (s->cpu_reference) {
		ref = sp_catalog_sku(cat, s->cpu_reference);
		if (!ref || ref->kind != SP_SKU_COMPUTE)
			sp_error(d, s->cpu_reference_pos, "service '%s': cpu_reference '%s' is not a compute type in price catalog '%s'",
				 s->name, s->cpu_reference, cat->name);
	}
	double rs = sp_choose_ref_speed(cat, s);
	if (s->instance_auto) {
		int any = 0, fams_ok = 1;
		for (size_t i = 0; i < s->nfamilies; i++)
			if (!family_known(cat, s->families[i])) {
				sp_error(d, s->families_pos[i], "service '%s': no compute type of family '%s' in price catalog '%s'",
					 s->name, s->families[i], cat->name);
				fams_ok = 0;
			}
		for (size_t k = 0; k < cat->nskus && !any; k++)
			any = sp_choose_candidate(s, &cat->skus[k]);
		if (!any && fams_ok)
			sp_error(d, s->instance_pos,
				 "service '%s': 'instance: auto' has no candidate in price catalog '%s' (no compute type of the families listed holds memory_mb_per_instance %g MB)",
				 s->name, cat->name, s->memory_mb_per_instance);
		return;
	}
	const struct sp_sku *sku = sp_catalog_sku(cat, s->instance);
	if (!sku || sku->kind != SP_SKU_COMPUTE)
		return;   /* sp_forecast_check_catalog says so */
	if (s->memory_mb_per_instance > 0 && !(sp_choose_memory_free_mb(s, sku) > 0))
		sp_error(d, s->memory_pos, "service '%s': memory_mb_per_instance %g MB does not fit in %s (%g GiB = %g MB)",
			 s->name, s->memory_mb_per_instance, sku->name, sku->memory_gib, sku->memory_gib * 1024);
	double speed = sp_catalog_cpu_speed(cat, sku);
	if (s->cpu_reference || rs != speed)
		check_floor(s, sku, speed, rs, d);
}

int sp_choose_check(const struct sp_spec *spec, const struct sp_catalog *cat, struct sp_diags *d)
{
	size_t before = d->nerrors;

	for (size_t i = 0; i < spec->nservices; i++)
		check_service(&spec->services[i], cat, d);
	return d->nerrors > before ? -1 : 0;
}
