/* Plan rendering for people (planner/render_plan.h). */
#include "planner/render_plan.h"

#include <math.h>
#include <string.h>

#include "model/cost.h"
#include "planner/render_forecast.h"

static const char *const act_symbol[] = { " ", "+", "~", "-/+", "-" };
static const char *const act_color[] = { "", "\033[32m", "\033[33m", "\033[35m", "\033[31m" };

void sp_render_money_delta(char *buf, size_t n, double v, const char *currency)
{
	char m[64];
	if (fabs(v) < 0.5) {
		sp_render_money(buf, n, 0, currency);
		return;
	}
	sp_render_money(m, sizeof(m), fabs(v), currency);
	snprintf(buf, n, "%s%s", v < 0 ? "-" : "+", m);
}

void sp_attr_format(char *buf, size_t n, const struct sp_attr *a)
{
	if (!a) {
		snprintf(buf, n, "(none)");
		return;
	}
	switch (a->type) {
	case SP_ATTR_STR: snprintf(buf, n, "\"%s\"", a->s); break;
	case SP_ATTR_BOOL: snprintf(buf, n, "%s", a->n ? "true" : "false"); break;
	case SP_ATTR_NUM:
		if (a->n == floor(a->n) && fabs(a->n) < 1e15)
			snprintf(buf, n, "%.0f", a->n);
		else
			snprintf(buf, n, "%.6g", a->n);
		break;
	}
}

static size_t widest_key(const struct sp_resource *r)
{
	size_t w = 0;
	for (size_t i = 0; r && i < r->nattrs; i++)
		if (strlen(r->attrs[i].key) > w)
			w = strlen(r->attrs[i].key);
	return w;
}

static void summary_line(char *buf, size_t n, const struct sp_diff *d)
{
	snprintf(buf, n, "%zu to create, %zu to update, %zu to replace, %zu to delete", d->counts[SP_ACT_CREATE],
		 d->counts[SP_ACT_UPDATE], d->counts[SP_ACT_REPLACE], d->counts[SP_ACT_DELETE]);
}

static void band(char *buf, size_t n, const struct sp_plan_cost *c, const double v[3], int signed_)
{
	char lo[64], mid[64], hi[64];
	if (signed_) {
		sp_render_money_delta(lo, sizeof(lo), v[0], c->currency);
		sp_render_money_delta(mid, sizeof(mid), v[1], c->currency);
		sp_render_money_delta(hi, sizeof(hi), v[2], c->currency);
	} else {
		sp_render_money(lo, sizeof(lo), v[0], c->currency);
		sp_render_money(mid, sizeof(mid), v[1], c->currency);
		sp_render_money(hi, sizeof(hi), v[2], c->currency);
	}
	snprintf(buf, n, "%s p%g (p%g %s .. p%g %s)", mid, c->pct[1], c->pct[0], lo, c->pct[2], hi);
}

static void cost_lines(FILE *out, const struct sp_plan_cost *c)
{
	char b[64], a[64], d[64], h[256];
	double delta[3];

	sp_render_money(b, sizeof(b), c->monthly_before, c->currency);
	sp_render_money(a, sizeof(a), c->monthly_after, c->currency);
	sp_render_money_delta(d, sizeof(d), c->monthly_after - c->monthly_before, c->currency);
	fprintf(out, "Monthly cost, on-demand list prices (%s as of %s): %s -> %s (%s)\n", c->catalog,
		c->catalog_as_of, b, a, d);
	band(h, sizeof(h), c, c->horizon, 0);
	fprintf(out, "Horizon %s..%s, forecast with the purchase plan: %s\n", c->horizon_start, c->horizon_end, h);
	for (int i = 0; i < 3; i++)
		delta[i] = c->horizon[i] - (c->has_previous ? c->previous[i] : 0);
	band(h, sizeof(h), c, delta, 1);
	fprintf(out, "  change over the horizon %s: %s\n", c->has_previous ? "since the last apply" : "(nothing applied yet)",
		h);
}

void sp_render_plan_text(FILE *out, const struct sp_plan_view *v)
{
	const struct sp_diff *d = v->diff;
	char val[256], val2[256], sum[256];
	size_t changes = d->n - d->counts[SP_ACT_NOOP];

	fprintf(out, "Plan for %s at %s (p%g)\n\n", v->title ? v->title : "the spec", v->at, v->percentile);
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *c = &d->v[i];
		const char *col = v->color ? act_color[c->action] : "", *rst = v->color ? "\033[0m" : "";
		if (c->action == SP_ACT_NOOP)
			continue;
		fprintf(out, "%s%4s %s%s", col, act_symbol[c->action], c->address, rst);
		if (c->priced) {
			double b = c->cost_before, a = c->cost_after;
			if (fabs(a - b) >= 0.5 && v->cost) {
				sp_render_money_delta(val, sizeof(val), a - b, v->cost->currency);
				fprintf(out, "  (%s/month)", val);
			}
		}
		fputc('\n', out);
		if (c->action == SP_ACT_CREATE) {
			int w = (int)widest_key(c->after);
			for (size_t k = 0; k < c->after->nattrs; k++) {
				sp_attr_format(val, sizeof(val), &c->after->attrs[k]);
				fprintf(out, "       %-*s = %s\n", w, c->after->attrs[k].key, val);
			}
		} else if (c->action == SP_ACT_DELETE) {
			const struct sp_attr *units = sp_resource_attr(c->before, "instances");
			if (!units)
				units = sp_resource_attr(c->before, "nodes");
			if (!units)
				units = sp_resource_attr(c->before, "gpus");
			if (units) {
				sp_attr_format(val, sizeof(val), units);
				fprintf(out, "       %s %s -> (deleted)\n", units->key, val);
			}
		} else {
			for (size_t k = 0; k < c->nattrs; k++) {
				const struct sp_attr_change *ac = &c->attrs[k];
				sp_attr_format(val, sizeof(val), ac->before);
				sp_attr_format(val2, sizeof(val2), ac->after);
				fprintf(out, "       %s: %s -> %s%s\n", ac->key, val, val2,
					ac->forces_replace ? "  (forces replacement)" : "");
			}
		}
	}
	if (changes)
		fputc('\n', out);
	if (!changes) {
		fprintf(out, "No changes. The infrastructure matches the spec at %s (%zu resources).\n", v->at,
			d->counts[SP_ACT_NOOP]);
	} else {
		summary_line(sum, sizeof(sum), d);
		fprintf(out, "Plan: %s; %zu unchanged.\n", sum, d->counts[SP_ACT_NOOP]);
	}
	if (v->cost)
		cost_lines(out, v->cost);
	if (v->nleft_alone) {
		const size_t cap = 20;
		fprintf(out, "\n%zu resource%s left alone: removed from the state with 'scaleplan state rm', so this plan "
			     "neither manages nor deletes %s; 'scaleplan state import ADDRESS' manages one again:\n",
			v->nleft_alone, v->nleft_alone == 1 ? "" : "s", v->nleft_alone == 1 ? "it" : "them");
		for (size_t i = 0; i < v->nleft_alone && i < cap; i++)
			fprintf(out, "  = %s\n", v->left_alone[i]);
		if (v->nleft_alone > cap)
			fprintf(out, "  ... and %zu more\n", v->nleft_alone - cap);
	}
}

/* ---- markdown ------------------------------------------------------------- */

static void md_escape(struct sp_sb *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '|' || *s == '`' || *s == '<' || *s == '>' || *s == '*' || *s == '_')
			sp_sb_addc(sb, '\\');
		sp_sb_addc(sb, *s == '\n' ? ' ' : *s);
	}
}

static void md_changes_cell(struct sp_sb *sb, const struct sp_change *c)
{
	char a[256], b[256];
	size_t shown = 0;
	if (c->action == SP_ACT_CREATE || c->action == SP_ACT_DELETE) {
		const struct sp_resource *r = c->after ? c->after : c->before;
		const char *keys[] = { "instances", "nodes", "gpus", "shards" };
		for (size_t k = 0; k < 4; k++) {
			const struct sp_attr *at = sp_resource_attr(r, keys[k]);
			if (!at)
				continue;
			sp_attr_format(a, sizeof(a), at);
			sp_sb_addf(sb, "%s%s %s", shown++ ? ", " : "", keys[k], a);
		}
		return;
	}
	for (size_t k = 0; k < c->nattrs && shown < 4; k++, shown++) {
		sp_attr_format(a, sizeof(a), c->attrs[k].before);
		sp_attr_format(b, sizeof(b), c->attrs[k].after);
		sp_sb_addf(sb, "%s", shown ? ", " : "");
		md_escape(sb, c->attrs[k].key);
		sp_sb_adds(sb, " ");
		md_escape(sb, a);
		sp_sb_adds(sb, " → ");
		md_escape(sb, b);
		if (c->attrs[k].forces_replace)
			sp_sb_adds(sb, " (forces replacement)");
	}
	if (c->nattrs > shown)
		sp_sb_addf(sb, ", %zu more", c->nattrs - shown);
}

static void md_details(struct sp_sb *sb, const struct sp_change *c)
{
	char a[256], b[256];
	static const char *const sym[] = { " ", "+", "~", "!", "-" };
	sp_sb_addf(sb, "%s %s (%s)\n", sym[c->action], c->address, sp_action_names[c->action]);
	if (c->action == SP_ACT_CREATE) {
		for (size_t k = 0; k < c->after->nattrs; k++) {
			sp_attr_format(a, sizeof(a), &c->after->attrs[k]);
			sp_sb_addf(sb, "+     %s = %s\n", c->after->attrs[k].key, a);
		}
	} else if (c->action != SP_ACT_DELETE) {
		for (size_t k = 0; k < c->nattrs; k++) {
			sp_attr_format(a, sizeof(a), c->attrs[k].before);
			sp_attr_format(b, sizeof(b), c->attrs[k].after);
			sp_sb_addf(sb, "-     %s = %s\n+     %s = %s%s\n", c->attrs[k].key, a, c->attrs[k].key, b,
				   c->attrs[k].forces_replace ? "   # forces replacement" : "");
		}
	}
}

void sp_render_plan_markdown(struct sp_sb *sb, const struct sp_plan_view *v, size_t max)
{
	const struct sp_diff *d = v->diff;
	const struct sp_plan_cost *c = v->cost;
	static const char *const md_sym[] = { "", "🟢 create", "🟡 update", "🟣 replace", "🔴 delete" };
	char sum[256], m1[64], m2[64], m3[64], h[256];
	size_t start = sb->len, changes = d->n - d->counts[SP_ACT_NOOP], shown = 0, omitted[5] = { 0 };
	/* the table gets 60% of the budget, the details what is left */
	size_t table_budget = max * 6 / 10, tail_reserve = 600;
	struct sp_sb row = SP_SB_INIT;

	summary_line(sum, sizeof(sum), d);
	sp_sb_adds(sb, "### scaleplan plan: ");
	if (!changes)
		sp_sb_adds(sb, "no changes");
	else
		sp_sb_adds(sb, sum);
	if (c) {
		sp_render_money_delta(m1, sizeof(m1), c->monthly_after - c->monthly_before, c->currency);
		sp_sb_addf(sb, " (%s/month)", m1);
	}
	sp_sb_adds(sb, "\n\n");
	sp_sb_adds(sb, "Spec `");
	md_escape(sb, v->title ? v->title : "spec");
	sp_sb_addf(sb, "` at %s (p%g); %zu resources unchanged.\n\n", v->at, v->percentile, d->counts[SP_ACT_NOOP]);
	if (v->nleft_alone)
		sp_sb_addf(sb, "%zu resource%s removed from the state with `scaleplan state rm` %s left alone.\n\n",
			   v->nleft_alone, v->nleft_alone == 1 ? "" : "s", v->nleft_alone == 1 ? "is" : "are");
	if (c) {
		double delta[3];
		sp_render_money(m1, sizeof(m1), c->monthly_before, c->currency);
		sp_render_money(m2, sizeof(m2), c->monthly_after, c->currency);
		sp_render_money_delta(m3, sizeof(m3), c->monthly_after - c->monthly_before, c->currency);
		sp_sb_addf(sb, "| Cost | Before | After | Change |\n|---|---:|---:|---:|\n");
		sp_sb_addf(sb, "| Monthly, on-demand list (%s, %s) | %s | %s | %s |\n", c->catalog, c->catalog_as_of, m1,
			   m2, m3);
		for (int i = 0; i < 3; i++)
			delta[i] = c->horizon[i] - (c->has_previous ? c->previous[i] : 0);
		band(h, sizeof(h), c, delta, 1);
		if (c->has_previous)
			sp_render_money(m1, sizeof(m1), c->previous[1], c->currency);
		else
			snprintf(m1, sizeof(m1), "-");
		sp_render_money(m2, sizeof(m2), c->horizon[1], c->currency);
		sp_sb_addf(sb, "| Horizon %s..%s, forecast p%g | %s | %s | %s |\n\n", c->horizon_start, c->horizon_end,
			   c->pct[1], m1, m2, h);
	}
	if (!changes) {
		sp_sb_adds(sb, "The infrastructure matches the spec.\n");
		sp_sb_release(&row);
		return;
	}
	sp_sb_adds(sb, "| Action | Resource | Changes | Monthly cost |\n|---|---|---|---:|\n");
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *ch = &d->v[i];
		if (ch->action == SP_ACT_NOOP)
			continue;
		sp_sb_reset(&row);
		sp_sb_addf(&row, "| %s | `%s` | ", md_sym[ch->action], ch->address);
		md_changes_cell(&row, ch);
		if (ch->priced && c) {
			sp_render_money_delta(m1, sizeof(m1), ch->cost_after - ch->cost_before, c->currency);
			sp_sb_addf(&row, " | %s |\n", m1);
		} else {
			sp_sb_adds(&row, " | |\n");
		}
		if (sb->len - start + row.len > table_budget) {
			omitted[ch->action]++;
			continue;
		}
		sp_sb_add(sb, row.buf, row.len);
		shown++;
	}
	if (shown < changes)
		sp_sb_addf(sb, "| … | *%zu more not shown: %zu create, %zu update, %zu replace, %zu delete* | | |\n",
			   changes - shown, omitted[SP_ACT_CREATE], omitted[SP_ACT_UPDATE], omitted[SP_ACT_REPLACE],
			   omitted[SP_ACT_DELETE]);
	sp_sb_addf(sb, "\n<details><summary>Details of %zu change%s</summary>\n\n```diff\n", changes,
		   changes == 1 ? "" : "s");
	shown = 0;
	for (size_t i = 0; i < d->n; i++) {
		const struct sp_change *ch = &d->v[i];
		if (ch->action == SP_ACT_NOOP)
			continue;
		sp_sb_reset(&row);
		md_details(&row, ch);
		if (sb->len - start + row.len + tail_reserve > max)
			break;
		sp_sb_add(sb, row.buf, row.len);
		shown++;
	}
	if (shown < changes)
		sp_sb_addf(sb, "# ... %zu more changes; the whole plan: scaleplan plan --format json\n", changes - shown);
	sp_sb_adds(sb, "```\n\n</details>\n");
	sp_sb_release(&row);
}
