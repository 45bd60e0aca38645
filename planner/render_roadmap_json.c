/* The roadmap as JSON (docs/roadmap-format.md, versioned by
 * SP_RM_JSON_VERSION): the header, every milestone with its figures, the
 * strategic and tactical layers and the decision triggers. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/render_roadmap.h"
#include "planner/render_roadmap_int.h"

static void jstr(struct sp_sb *sb, const char *s)
{
	if (!s) {
		sp_sb_adds(sb, "null");
		return;
	}
	sp_sb_addc(sb, '"');
	sp_sb_add_quoted(sb, s);
	sp_sb_addc(sb, '"');
}

static void jmonth(const struct sp_rr *x, struct sp_sb *sb, int m)
{
	char buf[16];
	sp_rr_month(x, m, buf);
	jstr(sb, buf);
}

/* A number with at most dec decimals, trailing zeros dropped. */
static void jnum(struct sp_sb *sb, double v, int dec)
{
	char buf[400];
	size_t len;
	snprintf(buf, sizeof(buf), "%.*f", dec, v == 0 ? 0.0 : v);
	len = strlen(buf);
	if (strchr(buf, '.')) {
		while (len > 0 && buf[len - 1] == '0')
			len--;
		if (len > 0 && buf[len - 1] == '.')
			len--;
	}
	buf[len] = '\0';
	sp_sb_adds(sb, strcmp(buf, "-0") ? buf : "0");
}

static void jmoney(struct sp_sb *sb, double v)
{
	sp_sb_addf(sb, "%.2f", v == 0 ? 0.0 : v);
}

/* "key": number, with a comma before it unless first. */
static void jkv(struct sp_sb *sb, const char *key, double v, int dec)
{
	sp_sb_addf(sb, ", \"%s\": ", key);
	jnum(sb, v, dec);
}

static void jfigures(const struct sp_rr *x, struct sp_sb *sb, const struct sp_rm_milestone *m)
{
	sp_sb_adds(sb, "{");
	switch (m->kind) {
	case SP_RM_REPLICA:
		sp_sb_addf(sb, "\"from\": %d, \"to\": %d, \"shards\": %d", m->u.replica.from, m->u.replica.to, m->u.replica.shards);
		jkv(sb, "reads_per_s", m->u.replica.reads_per_s, 3);
		jkv(sb, "reads_per_s_per_replica", m->u.replica.per_replica, 3);
		sp_sb_addf(sb, ", \"ha_replica\": %s, \"capacity_blocks\": %s", m->u.replica.ha ? "true" : "false",
			   m->u.replica.units ? "true" : "false");
		break;
	case SP_RM_SHARD:
		sp_sb_addf(sb, "\"from\": %d, \"to\": %d, \"strategy\": \"%s\", \"key\": ", m->u.shard.from, m->u.shard.to,
			   sp_shard_strategy_names[m->u.shard.strategy]);
		jstr(sb, m->u.shard.key);
		jkv(sb, "data_gb", m->u.shard.data_gb, 3);
		jkv(sb, "max_gb_per_shard", m->u.shard.max_gb, 3);
		jkv(sb, "moved_gb", m->u.shard.moved_gb, 3);
		jkv(sb, "moved_share", (double)(m->u.shard.to - m->u.shard.from) / m->u.shard.to, 4);
		jkv(sb, "writes_per_s", m->u.shard.writes_per_s, 3);
		jkv(sb, "shards_for_writes", m->u.shard.write_need, 4);
		jkv(sb, "shards_for_data", m->u.shard.data_need, 4);
		sp_sb_addf(sb, ", \"decided_by\": \"%s\"", m->u.shard.data_need >= m->u.shard.write_need ? "data" : "writes");
		break;
	case SP_RM_INSTANCE:
		sp_sb_adds(sb, "\"from_instance_type\": ");
		jstr(sb, m->u.instance.sku_from);
		sp_sb_adds(sb, ", \"to_instance_type\": ");
		jstr(sb, m->u.instance.sku_to);
		jkv(sb, "writes_per_s", m->u.instance.writes_per_s, 3);
		jkv(sb, "primaries_needed", m->u.instance.need, 4);
		sp_sb_adds(sb, ", \"base_instance_type\": ");
		jstr(sb, m->u.instance.base);
		break;
	case SP_RM_INSTANCE_LIMIT:
		sp_sb_adds(sb, "\"largest_instance_type\": ");
		jstr(sb, m->u.limit.sku);
		jkv(sb, "writes_per_s", m->u.limit.writes_per_s, 3);
		jkv(sb, "primaries_needed", m->u.limit.need, 4);
		jkv(sb, "primaries_in_largest", m->u.limit.limit, 4);
		jkv(sb, "data_gb", m->u.limit.data_gb, 3);
		jkv(sb, "max_gb_per_shard", m->u.limit.max_gb, 3);
		sp_sb_addf(sb, ", \"decided_by\": \"%s\", \"base_instance_type\": ", m->u.limit.by_data ? "data" : "writes");
		jstr(sb, m->u.limit.base);
		break;
	case SP_RM_STORAGE:
		sp_sb_adds(sb, "\"threshold_gb\": ");
		jnum(sb, m->u.storage.threshold_gb, 0);
		jkv(sb, "data_gb", m->u.storage.data_gb, 3);
		break;
	case SP_RM_CACHE_NODES:
		sp_sb_addf(sb, "\"from\": %d, \"to\": %d", m->u.cache.from, m->u.cache.to);
		jkv(sb, "ops_per_s", m->u.cache.ops_per_s, 3);
		jkv(sb, "ops_per_s_per_node", m->u.cache.ops_per_node, 3);
		jkv(sb, "working_set_gb", m->u.cache.ws_gb, 3);
		jkv(sb, "usable_gb_per_node", m->u.cache.usable_gb, 4);
		sp_sb_addf(sb, ", \"decided_by\": \"%s\"", m->u.cache.why);
		break;
	case SP_RM_CACHE_MEMORY:
		sp_sb_adds(sb, "\"node_type\": ");
		jstr(sb, m->u.memory.sku);
		jkv(sb, "memory_gib", m->u.memory.memory_gib, 4);
		jkv(sb, "usable_gb_per_node", m->u.memory.usable_gb, 4);
		jkv(sb, "working_set_gb", m->u.memory.ws_gb, 3);
		break;
	case SP_RM_SCALING_MAX:
		sp_sb_addf(sb, "\"scaling_max\": %d, \"instances_needed\": %d, \"shortfall\": %d", m->u.scaling.max,
			   m->u.scaling.need, m->u.scaling.need - m->u.scaling.max);
		jkv(sb, "peak_rps", m->u.scaling.peak_rps, 3);
		sp_sb_adds(sb, ", \"worst_month\": ");
		jmonth(x, sb, m->u.scaling.worst_month);
		sp_sb_addf(sb, ", \"worst_instances_needed\": %d, \"worst_shortfall\": %d", m->u.scaling.worst_need,
			   m->u.scaling.worst_need - m->u.scaling.max);
		break;
	case SP_RM_REGION:
		sp_sb_adds(sb, "\"share\": ");
		jnum(sb, m->u.region.share, 6);
		sp_sb_addf(sb, ", \"components\": %d", m->u.region.components);
		jkv(sb, "instances", m->u.region.instances, 0);
		jkv(sb, "datastore_nodes", m->u.region.db_nodes, 0);
		jkv(sb, "cache_nodes", m->u.region.cache_nodes, 0);
		jkv(sb, "gpus", m->u.region.gpus, 0);
		break;
	case SP_RM_GPU_COMMIT:
		sp_sb_addf(sb, "\"window\": %d, \"term_months\": %d, \"start\": ", m->u.commit.window + 1, m->u.commit.term);
		jmonth(x, sb, m->need);
		sp_sb_adds(sb, ", \"end\": ");
		jmonth(x, sb, m->u.commit.end - 1);
		sp_sb_adds(sb, ", \"instance_type\": ");
		jstr(sb, m->u.commit.sku);
		sp_sb_adds(sb, ", \"gpu\": ");
		jstr(sb, m->u.commit.gpu);
		sp_sb_addf(sb, ", \"gpus_per_instance\": %d, \"level\": %d, \"previous\": %d, \"buy\": %d, \"renew\": %d, \"lapse\": %d, \"saving\": ",
			   m->u.commit.gpus_per_instance, m->u.commit.level, m->u.commit.prev, m->u.commit.buy,
			   m->u.commit.renew, m->u.commit.lapse);
		jmoney(sb, m->u.commit.saving);
		break;
	case SP_RM_TRAINING:
		sp_sb_addf(sb, "\"run\": %d, \"runs\": %d, \"tier\": \"%s\", \"gpu\": ", m->u.training.run, m->u.training.runs,
			   m->u.training.spot ? "spot" : "capacity_block");
		jstr(sb, m->u.training.gpu);
		sp_sb_addf(sb, ", \"gpus\": %d, \"instance_type\": ", m->u.training.gpus);
		jstr(sb, m->u.training.sku);
		sp_sb_addf(sb, ", \"instances\": %d, \"months\": %d", m->u.training.instances, m->u.training.months);
		jkv(sb, "gpu_hours", m->u.training.gpu_hours, 1);
		sp_sb_adds(sb, ", \"cost\": ");
		jmoney(sb, m->u.training.cost);
		break;
	case SP_RM_BUDGET:
		sp_sb_adds(sb, "\"budget\": ");
		jstr(sb, m->name);
		jkv(sb, "percentile", m->u.budget.pct, 4);
		sp_sb_adds(sb, ", \"value\": ");
		jmoney(sb, m->u.budget.value);
		sp_sb_adds(sb, ", \"limit\": ");
		jmoney(sb, m->u.budget.limit);
		jkv(sb, "over_share", m->u.budget.value / m->u.budget.limit - 1, 4);
		break;
	case SP_RM_NKINDS: break;
	}
	sp_sb_adds(sb, "}");
}

void sp_rr_json(struct sp_rr *x)
{
	const struct sp_roadmap *r = x->r;
	const struct sp_forecast *f = x->f;
	struct sp_sb *sb = &x->sb;
	static const char *const node_keys[SP_NODE_NKINDS] = { "service", "cache", "datastore", "queue", "gpu" };
	static const char *const cap_keys[SP_NODE_NKINDS] = { "instances", "cache_nodes", "datastore_nodes", "", "gpus" };
	static const enum sp_node_kind kinds[] = { SP_NODE_SERVICE, SP_NODE_DATASTORE, SP_NODE_CACHE, SP_NODE_GPU };
	char lbl[64];

	sp_sb_addf(sb, "{\n  \"format_version\": \"%s\",\n  \"spec\": ", SP_RM_JSON_VERSION);
	jstr(sb, x->spec->name);
	sp_sb_adds(sb, ",\n  \"horizon\": {\"start\": ");
	jmonth(x, sb, 0);
	sp_sb_adds(sb, ", \"end\": ");
	jmonth(x, sb, f->months - 1);
	sp_sb_addf(sb, ", \"months\": %d},\n  \"window\": {\"from\": ", f->months);
	jmonth(x, sb, r->from);
	sp_sb_adds(sb, ", \"until\": ");
	jmonth(x, sb, r->until);
	sp_sb_adds(sb, "},\n  \"now\": ");
	jmonth(x, sb, r->now);
	sp_sb_adds(sb, ",\n  \"path\": {\"percentile\": ");
	jnum(sb, r->pct, 6);
	sp_sb_addf(sb, ", \"paths\": %d, \"seed\": %" PRIu64 "},\n  \"currency\": ", f->paths, f->seed);
	jstr(sb, f->currency);
	sp_sb_adds(sb, ",\n  \"catalog\": {\"name\": ");
	jstr(sb, f->catalog);
	sp_sb_adds(sb, ", \"as_of\": ");
	jstr(sb, f->catalog_as_of);
	sp_sb_adds(sb, "},\n  \"owners\": {");
	for (int d = 0; d < SP_RM_NDOMAINS; d++) {
		sp_sb_addf(sb, "%s\"%s\": ", d ? ", " : "", sp_rm_domain_keys[d]);
		jstr(sb, r->owners[d]);
	}
	sp_sb_adds(sb, "},\n  \"alerts\": [");
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct sp_rm_alert *al = &r->alerts[i];
		sp_sb_addf(sb, "%s\n    {\"severity\": ", i ? "," : "");
		jstr(sb, al->severity);
		jkv(sb, "burn_rate", al->burn_rate, 6);
		sp_sb_addf(sb, ", \"long_window_minutes\": %d, \"short_window_minutes\": %d", al->long_min, al->short_min);
		jkv(sb, "budget_spent", sp_rm_alert_budget_share(al), 6);
		sp_sb_adds(sb, "}");
	}
	sp_sb_addf(sb, "%s],\n  \"milestones\": [", r->nalerts ? "\n  " : "");
	for (size_t i = 0; i < r->nms; i++) {
		const struct sp_rm_milestone *m = &r->ms[i];
		struct sp_sb act = SP_SB_INIT, why = SP_SB_INIT;
		sp_rr_describe(x, m, &act, &why);
		sp_sb_addf(sb, "%s\n    {\"id\": %zu, \"kind\": \"%s\", \"theme\": \"%s\", \"name\": ", i ? "," : "", i + 1,
			   sp_rm_kind_keys[m->kind], sp_rm_theme_keys[m->theme]);
		jstr(sb, m->name);
		sp_sb_adds(sb, ", \"component_kind\": ");
		jstr(sb, m->line != (size_t)-1 ? node_keys[f->lines[m->line].kind] : NULL);
		sp_sb_adds(sb, ", \"region\": ");
		jstr(sb, sp_rr_region(x, m->region));
		sp_sb_adds(sb, ",\n     \"act_by\": ");
		jmonth(x, sb, m->raise);
		sp_sb_adds(sb, ", \"needed\": ");
		jmonth(x, sb, m->need);
		sp_sb_addf(sb, ", \"lead_months\": %d, \"late\": %s, \"strategic\": %s, \"domain\": \"%s\", \"owner\": ", m->lead,
			   m->late ? "true" : "false", m->big ? "true" : "false", sp_rm_domain_keys[m->domain]);
		jstr(sb, m->owner);
		sp_sb_adds(sb, ",\n     \"action\": ");
		jstr(sb, act.buf);
		sp_sb_adds(sb, ",\n     \"why\": ");
		jstr(sb, why.buf);
		sp_sb_adds(sb, ",\n     \"figures\": ");
		jfigures(x, sb, m);
		sp_sb_adds(sb, "}");
		sp_sb_release(&act);
		sp_sb_release(&why);
		sp_rr_flush(x, 0);
	}
	sp_sb_addf(sb, "%s],\n  \"strategic\": [", r->nms ? "\n  " : "");
	for (size_t i = 0; i < r->nyears; i++) {
		const struct sp_rm_year *y = &r->years[i];
		int nth = 0;
		sp_rr_year_label(x, y, lbl, sizeof(lbl));
		sp_sb_addf(sb, "%s\n    {\"year\": %d, \"label\": ", i ? "," : "", y->index + 1);
		jstr(sb, lbl);
		sp_sb_adds(sb, ", \"start\": ");
		jmonth(x, sb, y->m0);
		sp_sb_adds(sb, ", \"end\": ");
		jmonth(x, sb, y->m1 - 1);
		sp_sb_adds(sb, ",\n     \"cost\": {\"p10\": ");
		jmoney(sb, y->cost[0]);
		sp_sb_adds(sb, ", \"p50\": ");
		jmoney(sb, y->cost[1]);
		sp_sb_adds(sb, ", \"p90\": ");
		jmoney(sb, y->cost[2]);
		sp_sb_adds(sb, "}, \"monthly_change_p50\": ");
		if (y->has_change)
			jnum(sb, y->change, 4);
		else
			sp_sb_adds(sb, "null");
		sp_sb_adds(sb, ",\n     \"capacity_busiest_month\": {");
		for (size_t j = 0; j < SP_ARRAY_LEN(kinds); j++) {
			const double *v = y->cap[kinds[j]];
			sp_sb_addf(sb, "%s\"%s\": {\"p10\": %.0f, \"p50\": %.0f, \"p90\": %.0f}", j ? ", " : "",
				   cap_keys[kinds[j]], v[0], v[1], v[2]);
		}
		sp_sb_adds(sb, "},\n     \"themes\": [");
		for (int th = 0; th < SP_RM_NTHEMES; th++) {
			const struct sp_rm_theme_sum *ts = &y->themes[th];
			if (!ts->count)
				continue;
			sp_sb_addf(sb, "%s{\"theme\": \"%s\", \"milestones\": %d, \"components\": %d, \"first_components\": [",
				   nth++ ? ", " : "", sp_rm_theme_keys[th], ts->count, ts->ncomponents);
			for (int k = 0; k < ts->ncomponents && k < 3; k++) {
				if (k)
					sp_sb_adds(sb, ", ");
				jstr(sb, ts->names[k]);
			}
			sp_sb_adds(sb, "]}");
		}
		sp_sb_adds(sb, "],\n     \"milestones\": [");
		for (size_t k = 0; k < y->nbig; k++)
			sp_sb_addf(sb, "%s%zu", k ? ", " : "", y->big[k] + 1);
		sp_sb_adds(sb, "]}");
	}
	sp_sb_addf(sb, "%s],\n  \"tactical\": [", r->nyears ? "\n  " : "");
	for (size_t q = 0; q < r->nquarters; q++) {
		const struct sp_rm_quarter *qu = &r->quarters[q];
		size_t nt = 0;
		sp_rr_quarter_label(qu, lbl, sizeof(lbl));
		sp_sb_addf(sb, "%s\n    {\"quarter\": \"%s\", \"start\": ", q ? "," : "", lbl);
		jmonth(x, sb, qu->m0);
		sp_sb_adds(sb, ", \"end\": ");
		jmonth(x, sb, qu->m1 - 1);
		sp_sb_adds(sb, ", \"actions\": [");
		for (size_t k = 0; k < qu->nactions; k++)
			sp_sb_addf(sb, "%s%zu", k ? ", " : "", qu->actions[k] + 1);
		sp_sb_adds(sb, "],\n     \"load_tests\": [");
		for (size_t i = 0; i < r->ntriggers; i++) {
			const struct sp_rm_trigger *tr = &r->triggers[i];
			for (size_t k = 0; k < tr->ntests; k++) {
				const struct sp_rm_loadtest *lt = &tr->tests[k];
				if (lt->quarter != (int)q)
					continue;
				sp_sb_addf(sb, "%s\n       {\"service\": ", nt++ ? "," : "");
				jstr(sb, tr->s->name);
				sp_sb_adds(sb, ", \"region\": ");
				jstr(sb, sp_rr_region(x, lt->region));
				jkv(sb, "peak_rps", lt->peak_rps, 3);
				jkv(sb, "target_2x_rps", 2 * lt->peak_rps, 3);
				jkv(sb, "target_5x_rps", 5 * lt->peak_rps, 3);
				sp_sb_adds(sb, ", \"latency\": ");
				if (tr->s->has_latency_slo) {
					sp_sb_adds(sb, "{\"quantile\": ");
					jnum(sb, tr->s->slo_quantile, 6);
					jkv(sb, "ms", tr->s->slo_ms, 6);
					sp_sb_adds(sb, "}");
				} else {
					sp_sb_adds(sb, "null");
				}
				sp_sb_addf(sb, ", \"instances\": {\"1x\": %d, \"2x\": %d, \"5x\": %d}}", lt->inst[0], lt->inst[1],
					   lt->inst[2]);
			}
		}
		sp_sb_addf(sb, "%s]}", nt ? "\n     " : "");
		sp_rr_flush(x, 0);
	}
	sp_sb_addf(sb, "%s],\n  \"triggers\": [", r->nquarters ? "\n  " : "");
	for (size_t i = 0; i < r->ntriggers; i++) {
		const struct sp_rm_trigger *tr = &r->triggers[i];
		const struct sp_service *s = tr->s;
		static const char *const sig[] = { "cpu_utilization", "backlog_age_s", "schedule" };
		sp_sb_addf(sb, "%s\n    {\"service\": ", i ? "," : "");
		jstr(sb, s->name);
		sp_sb_addf(sb, ", \"class\": \"%s\", \"owner\": ", sp_class_names[s->cls]);
		jstr(sb, tr->owner);
		sp_sb_adds(sb, ", \"availability\": ");
		if (s->availability > 0) {
			jnum(sb, s->availability, 6);
			jkv(sb, "error_budget_minutes", tr->budget_min, 3);
		} else {
			sp_sb_adds(sb, "null, \"error_budget_minutes\": null");
		}
		sp_sb_adds(sb, ",\n     \"alerts\": [");
		for (size_t k = 0; k < r->nalerts && s->availability > 0; k++) {
			sp_sb_addf(sb, "%s{\"severity\": ", k ? ", " : "");
			jstr(sb, r->alerts[k].severity);
			jkv(sb, "burn_rate", r->alerts[k].burn_rate, 6);
			jkv(sb, "error_rate", tr->error_rate[k], 8);
			sp_sb_adds(sb, "}");
		}
		sp_sb_addf(sb, "],\n     \"scaling_signal\": {\"metric\": \"%s\"", sig[tr->signal]);
		if (tr->signal != SP_RM_SIG_SCHEDULE)
			jkv(sb, "target", tr->signal_target, 6);
		sp_sb_addf(sb, "}, \"scaling\": {\"min\": %d, \"max\": ", s->min);
		if (s->max > 0)
			sp_sb_addf(sb, "%d", s->max);
		else
			sp_sb_adds(sb, "null");
		sp_sb_adds(sb, "}, \"latency\": ");
		if (s->has_latency_slo) {
			sp_sb_adds(sb, "{\"quantile\": ");
			jnum(sb, s->slo_quantile, 6);
			jkv(sb, "ms", s->slo_ms, 6);
			sp_sb_adds(sb, "}");
		} else {
			sp_sb_adds(sb, "null");
		}
		sp_sb_adds(sb, "}");
		sp_rr_flush(x, 0);
	}
	sp_sb_addf(sb, "%s]\n}\n", r->ntriggers ? "\n  " : "");
}

