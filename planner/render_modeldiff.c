/* What a change to the spec does to the model, for people and programs
 * (planner/render_modeldiff.h, docs/diff-format.md). */
#include "planner/render_modeldiff.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lib/json.h"
#include "planner/render_forecast.h"
#include "planner/render_plan.h"

static const char *const level_words[] = { "within it", "over at the highest percentile", "over at p50" };
static const char *const level_keys[] = { "within", "over_high", "over_p50" };

void sp_render_md_escape(struct sp_sb *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("|`<>*_\\[]$", *s))
			sp_sb_addc(sb, '\\');
		sp_sb_addc(sb, *s == '\n' || *s == '\r' ? ' ' : *s);
	}
}

/* ---- pieces shared by text and markdown --------------------------------------------------------- */

static void month_label(const struct sp_modeldiff *md, int m, char buf[8])
{
	sp_month_format(md->start + m, buf);
}

/* "+3.0%" of b over a; "" when a is 0. */
static void pct_change(char *buf, size_t n, double a, double b)
{
	if (fabs(a) < 0.005)
		buf[0] = '\0';
	else
		snprintf(buf, n, "%+.1f%%", fabs(b - a) / a < 0.0005 ? 0.0 : (b - a) / a * 100);
}

/* "instances 4 -> 6" (both sides), "instances 6" (one side), "= 4" when
 * equal; and shards the same way for datastores. arrow: " -> " or " → ". */
static void cap_text(struct sp_sb *sb, const struct sp_md_component *c, const struct sp_md_cap cap[2],
		     const char *arrow)
{
	const double *v[2][2] = { { &cap[0].units, &cap[1].units }, { &cap[0].shards, &cap[1].shards } };
	const char *names[2] = { c->unit, "shards" };

	for (int q = 0; q < (strcmp(c->section, "datastores") ? 1 : 2); q++) {
		double a = *v[q][0], b = *v[q][1];
		sp_sb_addf(sb, "%s%s ", q ? ", " : "", names[q]);
		if (!c->has[SP_MD_BASE])
			sp_sb_addf(sb, "%g", b);
		else if (!c->has[SP_MD_HEAD] || a == b)
			sp_sb_addf(sb, "%g", a);
		else
			sp_sb_addf(sb, "%g%s%g", a, arrow, b);
	}
}

/* "main (1a2b3c4d5e6f)", or just the label when it is the commit's id. */
static void side_name(char *buf, size_t n, const struct sp_md_side *s)
{
	if (s->commit && s->label && strncmp(s->commit, s->label, strlen(s->label)))
		snprintf(buf, n, "%s (%.12s)", s->label, s->commit);
	else
		snprintf(buf, n, "%s", s->label ? s->label : "?");
}

/* From the counts: a comparison read back from JSON lists only the changes. */
static size_t changes(const struct sp_modeldiff *md)
{
	return md->counts[SP_MD_ADDED] + md->counts[SP_MD_REMOVED] + md->counts[SP_MD_CHANGED] +
	       md->counts[SP_MD_RESIZED];
}

static void counts_line(struct sp_sb *sb, const struct sp_modeldiff *md)
{
	int any = 0;
	for (int k = 0; k < SP_MD_NCHANGES; k++)
		if (md->counts[k]) {
			sp_sb_addf(sb, "%s%zu %s", any++ ? ", " : "", md->counts[k], sp_md_change_names[k]);
		}
	if (!any)
		sp_sb_adds(sb, "no components");
}

/* ---- text -------------------------------------------------------------------------------------- */

static void text_sides(struct sp_sb *sb, const struct sp_modeldiff *md)
{
	const struct sp_md_side *b = &md->side[SP_MD_BASE], *h = &md->side[SP_MD_HEAD];
	char bn[300], hn[300], hz[20], own[20];

	side_name(bn, sizeof(bn), b);
	side_name(hn, sizeof(hn), h);
	sp_sb_addf(sb, "Spec diff from %s to %s: %s\n", bn, hn, h->path ? h->path : b->path ? b->path : "the spec");
	if (b->how)
		sp_sb_addf(sb, "  base: %s\n", b->how);
	if (b->found && b->renamed_from)
		sp_sb_addf(sb, "  the spec moved: on the base it is at %s\n", *b->renamed_from ? b->renamed_from : ".");
	if (!b->found)
		sp_sb_addf(sb, "  the base has no spec at %s: everything is added\n", b->path ? b->path : "its path");
	if (!h->found)
		sp_sb_addf(sb, "  %s has no spec at %s: everything is removed\n", h->label ? h->label : "the head",
			   h->path ? h->path : "its path");
	if (h->dirty)
		sp_sb_adds(sb, "  the work tree has uncommitted changes to the spec\n");
	sp_md_horizon_label(md->start, md->months, hz);
	sp_sb_addf(sb, "Both sides computed over %s", hz);
	for (int k = 0; k < 2; k++) {
		const struct sp_md_side *s = &md->side[k];
		if (!s->found || (s->start == md->start && s->months == md->months))
			continue;
		sp_md_horizon_label(s->start, s->months, own);
		sp_sb_addf(sb, " (the %s's own horizon is %s)", k == SP_MD_BASE ? "base" : "head", own);
	}
	sp_sb_addf(sb, " at p%g, %d path%s, seed %llu.\n", md->percentile, md->paths, md->paths == 1 ? "" : "s",
		   (unsigned long long)md->seed);
}

static void text_components(struct sp_sb *sb, const struct sp_modeldiff *md)
{
	static const char *const sym[] = { "+", "-", "~", ">", " " };
	char a[8], b[8], delta[64];

	month_label(md, 0, a);
	month_label(md, md->months - 1, b);
	sp_sb_adds(sb, "\nComponents: ");
	counts_line(sb, md);
	sp_sb_adds(sb, "\n");
	for (size_t i = 0; i < md->n; i++) {
		const struct sp_md_component *c = &md->v[i];
		double dc = c->cost_now[SP_MD_HEAD] - c->cost_now[SP_MD_BASE];
		if (c->change == SP_MD_UNCHANGED)
			continue;
		sp_sb_addf(sb, "  %s %s.%s%s", sym[c->change], c->section, c->name,
			   c->change == SP_MD_ADDED ? " (added)" : c->change == SP_MD_REMOVED ? " (removed)"
				   : c->change == SP_MD_RESIZED ? " (resized)" : "");
		if (*c->unit) {
			sp_sb_adds(sb, ": ");
			cap_text(sb, c, c->now, " -> ");
			sp_sb_addf(sb, " (%s); ", a);
			cap_text(sb, c, c->end, " -> ");
			sp_sb_addf(sb, " (%s)", b);
		}
		if (fabs(dc) >= 0.5) {
			sp_render_money_delta(delta, sizeof(delta), dc, md->currency);
			sp_sb_addf(sb, "; %s/month", delta);
		}
		sp_sb_adds(sb, "\n");
		if (c->nkeys) {
			sp_sb_adds(sb, "      keys: ");
			for (size_t k = 0; k < c->nkeys; k++)
				sp_sb_addf(sb, "%s%s", k ? ", " : "", c->keys[k]);
			sp_sb_adds(sb, "\n");
		}
	}
	if (md->nsettings) {
		sp_sb_adds(sb, "Other keys changed: ");
		for (size_t k = 0; k < md->nsettings; k++)
			sp_sb_addf(sb, "%s%s", k ? ", " : "", md->settings[k]);
		sp_sb_adds(sb, "\n");
	}
}

static void text_money_row(struct sp_sb *sb, const char *what, double a, double b, const char *currency)
{
	char ma[64], mb[64], d[64], p[32];
	sp_render_money(ma, sizeof(ma), a, currency);
	sp_render_money(mb, sizeof(mb), b, currency);
	sp_render_money_delta(d, sizeof(d), b - a, currency);
	pct_change(p, sizeof(p), a, b);
	sp_sb_addf(sb, "  %-34s %s -> %s (%s%s%s)\n", what, ma, mb, d, *p ? ", " : "", p);
}

static void text_cost(struct sp_sb *sb, const struct sp_modeldiff *md)
{
	const struct sp_md_side *b = &md->side[SP_MD_BASE], *h = &md->side[SP_MD_HEAD];
	char what[96], m0[8], hz[20];

	sp_sb_addf(sb, "\nCost (%s; catalog ", md->currency);
	if (b->catalog && h->catalog && (strcmp(b->catalog, h->catalog) || strcmp(b->catalog_as_of, h->catalog_as_of)))
		sp_sb_addf(sb, "%s as of %s on the base, %s as of %s on the head", b->catalog, b->catalog_as_of, h->catalog,
			   h->catalog_as_of);
	else if (h->catalog || b->catalog)
		sp_sb_addf(sb, "%s as of %s", h->catalog ? h->catalog : b->catalog,
			   h->catalog ? h->catalog_as_of : b->catalog_as_of);
	sp_sb_adds(sb, "):\n");
	month_label(md, 0, m0);
	snprintf(what, sizeof(what), "monthly, %s at p%g:", m0, md->percentile);
	text_money_row(sb, what, md->monthly_now[0], md->monthly_now[1], md->currency);
	sp_md_horizon_label(md->start, md->months, hz);
	for (int i = 0; i < 3; i++) {
		if (i == 0)
			snprintf(what, sizeof(what), "horizon %s, p%g:", hz, md->pcts[i]);
		else
			snprintf(what, sizeof(what), "%*sp%g:", (int)strlen(hz) + 9, "", md->pcts[i]);
		text_money_row(sb, what, md->horizon[0][i], md->horizon[1][i], md->currency);
	}
}

/* One budget's state on side k: "within it", "over at p50 in 3 months from
 * 2029-01 (up to $262,000)". */
static void budget_state(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_md_budget *b, int k)
{
	char mo[8], w[64];
	if (b->limit[k] <= 0) {
		sp_sb_adds(sb, "no such budget");
		return;
	}
	sp_sb_adds(sb, level_words[b->level[k]]);
	if (b->level[k] == SP_MD_WITHIN)
		return;
	sp_render_money(w, sizeof(w), b->worst[k], md->currency);
	if (b->first[k] >= 0) {
		month_label(md, b->first[k], mo);
		sp_sb_addf(sb, " in %d month%s from %s (up to %s)", b->nmonths[k], b->nmonths[k] == 1 ? "" : "s", mo, w);
	} else {
		sp_sb_addf(sb, " (%s)", w);
	}
}

static void text_budgets_slos(struct sp_sb *sb, const struct sp_modeldiff *md)
{
	char lim[64], mo[8], share[16];
	int any;

	if (md->nbudgets)
		sp_sb_adds(sb, "\nBudgets:\n");
	for (size_t i = 0; i < md->nbudgets; i++) {
		const struct sp_md_budget *b = &md->budgets[i];
		int k = b->limit[SP_MD_HEAD] > 0 ? SP_MD_HEAD : SP_MD_BASE;
		sp_render_money(lim, sizeof(lim), b->limit[k], md->currency);
		sp_sb_addf(sb, "  %s %s: ", b->key, lim);
		if (md->side[SP_MD_BASE].found) {
			budget_state(sb, md, b, SP_MD_BASE);
			sp_sb_adds(sb, " -> ");
		}
		budget_state(sb, md, b, SP_MD_HEAD);
		if (b->level[SP_MD_HEAD] > b->level[SP_MD_BASE])
			sp_sb_adds(sb, " (newly breached)");
		else if (b->level[SP_MD_HEAD] < b->level[SP_MD_BASE])
			sp_sb_adds(sb, " (no longer breached)");
		sp_sb_adds(sb, "\n");
	}
	for (int newly = 1; newly >= 0; newly--) {
		any = 0;
		for (size_t i = 0; i < md->n; i++) {
			const struct sp_md_component *c = &md->v[i];
			int k = newly ? SP_MD_HEAD : SP_MD_BASE;
			if (!c->has[SP_MD_HEAD] ||
			    !(newly ? c->risk[SP_MD_HEAD] >= 0 && c->risk[SP_MD_BASE] < 0
				    : c->risk[SP_MD_BASE] >= 0 && c->risk[SP_MD_HEAD] < 0))
				continue;
			month_label(md, c->risk[k], mo);
			sp_md_share_label(share, sizeof(share), c->risk_share[k]);
			sp_sb_addf(sb, "%s%s.%s from %s on %s of the paths",
				   any++ ? ", " : newly ? "SLOs newly at risk: " : "SLOs no longer at risk: ", c->section, c->name,
				   mo, share);
		}
		if (any)
			sp_sb_adds(sb, "\n");
	}
}

void sp_render_gates_text(struct sp_sb *sb, const struct sp_gate_report *r)
{
	if (!r || !r->n)
		return;
	sp_sb_adds(sb, "\nGates (--fail-on):\n");
	for (size_t i = 0; i < r->n; i++)
		sp_sb_addf(sb, "  %s: %s: %s\n", r->v[i].name, r->v[i].tripped ? "TRIPPED" : "passed", r->v[i].detail);
}

void sp_render_modeldiff_text(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates)
{
	text_sides(sb, md);
	text_components(sb, md);
	if (!changes(md) && !md->nsettings)
		sp_sb_adds(sb, "No change to the model: every component, its capacity and its cost are the same.\n");
	text_cost(sb, md);
	text_budgets_slos(sb, md);
	sp_render_gates_text(sb, gates);
}

/* ---- markdown ---------------------------------------------------------------------------------- */

void sp_render_gates_markdown(struct sp_sb *sb, const struct sp_gate_report *r)
{
	if (!r || !r->n)
		return;
	for (int tripped = 1; tripped >= 0; tripped--)
		for (size_t i = 0; i < r->n; i++) {
			if (r->v[i].tripped != tripped)
				continue;
			sp_sb_addf(sb, "%s **Gate `--fail-on %s` %s:** ", tripped ? "⛔" : "✅", r->v[i].name,
				   tripped ? "tripped" : "passed");
			sp_render_md_escape(sb, r->v[i].detail);
			sp_sb_adds(sb, "  \n");
		}
	sp_sb_adds(sb, "\n");
}

static void md_money_row(struct sp_sb *sb, const char *what, double a, double b, const char *currency)
{
	char ma[64], mb[64], d[64], p[32];
	sp_render_money(ma, sizeof(ma), a, currency);
	sp_render_money(mb, sizeof(mb), b, currency);
	sp_render_money_delta(d, sizeof(d), b - a, currency);
	pct_change(p, sizeof(p), a, b);
	sp_sb_addf(sb, "| %s | %s | %s | %s%s%s%s |\n", what, ma, mb, d, *p ? " (" : "", p, *p ? ")" : "");
}

/* One component's row, into row. */
static void md_component_row(struct sp_sb *row, const struct sp_modeldiff *md, const struct sp_md_component *c)
{
	static const char *const sym[] = { "🟢 added", "🔴 removed", "🟡 changed", "🔵 resized", "unchanged" };
	const size_t shown_keys = 6;
	char delta[64];
	double dc = c->cost_now[SP_MD_HEAD] - c->cost_now[SP_MD_BASE];

	sp_sb_addf(row, "| %s | `%s.%s` | ", sym[c->change], c->section, c->name);
	for (size_t k = 0; k < c->nkeys && k < shown_keys; k++) {
		sp_sb_adds(row, k ? ", " : "");
		sp_sb_adds(row, "`");
		sp_sb_adds(row, c->keys[k]);   /* key names: letters, digits, _ . [ ] - */
		sp_sb_adds(row, "`");
	}
	if (c->nkeys > shown_keys)
		sp_sb_addf(row, ", %zu more", c->nkeys - shown_keys);
	sp_sb_adds(row, " | ");
	if (*c->unit)
		cap_text(row, c, c->now, " → ");
	sp_sb_adds(row, " | ");
	if (*c->unit)
		cap_text(row, c, c->end, " → ");
	sp_render_money_delta(delta, sizeof(delta), dc, md->currency);
	sp_sb_addf(row, " | %s |\n", delta);
}

static void md_body(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates, size_t max);

void sp_render_modeldiff_markdown(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates,
				  size_t max)
{
	/* every amount's '$' escaped, or GitHub may read two of them on a line
	 * as math; 2% of the room is kept for the backslashes */
	struct sp_sb body = SP_SB_INIT;
	md_body(&body, md, gates, max - max / 50);
	for (size_t i = 0; i < body.len; i++) {
		if (body.buf[i] == '$' && (i == 0 || body.buf[i - 1] != '\\'))
			sp_sb_addc(sb, '\\');
		sp_sb_addc(sb, body.buf[i]);
	}
	sp_sb_release(&body);
}

static void md_body(struct sp_sb *sb, const struct sp_modeldiff *md, const struct sp_gate_report *gates, size_t max)
{
	const struct sp_md_side *b = &md->side[SP_MD_BASE], *h = &md->side[SP_MD_HEAD];
	size_t start = sb->len, total = changes(md), shown = 0, omitted[SP_MD_NCHANGES] = { 0 };
	size_t tail_reserve = 400 + 40 * md->nsettings;
	char m1[64], m2[64], hz[20], a[8], e[8], bn[300], hn[300], what[128], mo[8];
	struct sp_sb row = SP_SB_INIT;

	if (tail_reserve > max / 4)
		tail_reserve = max / 4;
	sp_sb_adds(sb, "### scaleplan diff: ");
	if (total)
		counts_line(sb, md);
	else
		sp_sb_adds(sb, "no component changed");
	sp_render_money_delta(m1, sizeof(m1), md->monthly_now[1] - md->monthly_now[0], md->currency);
	sp_render_money_delta(m2, sizeof(m2), md->horizon[1][1] - md->horizon[0][1], md->currency);
	sp_sb_addf(sb, " (%s/month; over the horizon %s at p50)\n\n", m1, m2);
	side_name(bn, sizeof(bn), b);
	side_name(hn, sizeof(hn), h);
	sp_md_horizon_label(md->start, md->months, hz);
	sp_sb_adds(sb, "From `");
	sp_render_md_escape(sb, bn);
	sp_sb_adds(sb, h->commit ? "` to `" : "` to ");
	sp_render_md_escape(sb, hn);
	sp_sb_adds(sb, h->commit ? "`, spec `" : ", spec `");
	sp_render_md_escape(sb, h->path ? h->path : b->path ? b->path : "");
	sp_sb_addf(sb, "`; both sides over %s at p%g, %d path%s, seed %llu.", hz, md->percentile, md->paths,
		   md->paths == 1 ? "" : "s", (unsigned long long)md->seed);
	if (!b->found)
		sp_sb_adds(sb, " The base has no spec: everything is added.");
	if (b->found && b->renamed_from) {
		sp_sb_adds(sb, " The spec moved: on the base it is at `");
		sp_render_md_escape(sb, *b->renamed_from ? b->renamed_from : ".");
		sp_sb_adds(sb, "`.");
	}
	if (!h->found)
		sp_sb_adds(sb, " The head has no spec: everything is removed.");
	if (h->dirty)
		sp_sb_adds(sb, " The work tree has uncommitted changes to the spec.");
	sp_sb_adds(sb, "\n\n");
	sp_render_gates_markdown(sb, gates);

	/* the cost */
	month_label(md, 0, a);
	month_label(md, md->months - 1, e);
	sp_sb_addf(sb, "| Cost (%s) | Base | Head | Change |\n|---|---:|---:|---:|\n", md->currency);
	snprintf(what, sizeof(what), "Monthly, %s (p%g)", a, md->percentile);
	md_money_row(sb, what, md->monthly_now[0], md->monthly_now[1], md->currency);
	for (int i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "Horizon %s, p%g", hz, md->pcts[i]);
		md_money_row(sb, what, md->horizon[0][i], md->horizon[1][i], md->currency);
	}
	sp_sb_adds(sb, "\n");

	/* budgets and SLOs that changed state */
	for (size_t i = 0; i < md->nbudgets; i++) {
		const struct sp_md_budget *bd = &md->budgets[i];
		if (bd->level[SP_MD_HEAD] == bd->level[SP_MD_BASE])
			continue;
		sp_render_money(m1, sizeof(m1), bd->limit[SP_MD_HEAD] > 0 ? bd->limit[SP_MD_HEAD] : bd->limit[SP_MD_BASE],
				md->currency);
		sp_sb_addf(sb, "**Budget %s:** `%s` %s: ",
			   bd->level[SP_MD_HEAD] > bd->level[SP_MD_BASE] ? "newly breached" : "no longer breached", bd->key,
			   m1);
		budget_state(sb, md, bd, SP_MD_HEAD);
		sp_sb_adds(sb, " (base: ");
		budget_state(sb, md, bd, SP_MD_BASE);
		sp_sb_adds(sb, ")  \n");
	}
	if (md->newly_at_risk) {
		size_t listed = 0;
		char share[16];
		sp_sb_adds(sb, "**SLOs newly at risk:** ");
		for (size_t i = 0; i < md->n && listed < 20; i++) {
			const struct sp_md_component *c = &md->v[i];
			if (!c->has[SP_MD_HEAD] || c->risk[SP_MD_HEAD] < 0 || c->risk[SP_MD_BASE] >= 0)
				continue;
			month_label(md, c->risk[SP_MD_HEAD], mo);
			sp_md_share_label(share, sizeof(share), c->risk_share[SP_MD_HEAD]);
			sp_sb_addf(sb, "%s`%s.%s` from %s on %s of the paths", listed++ ? ", " : "", c->section, c->name, mo,
				   share);
		}
		if (md->newly_at_risk > listed)
			sp_sb_addf(sb, ", and %zu more", md->newly_at_risk - listed);
		sp_sb_adds(sb, "  \n");
	}
	if (md->newly_breached || md->newly_at_risk || md->nbudgets)
		sp_sb_adds(sb, "\n");

	/* the components, within what is left */
	if (total) {
		sp_sb_addf(sb, "| Change | Component | Keys changed | Capacity %s | Capacity %s | Monthly cost |\n"
			       "|---|---|---|---|---|---:|\n",
			   a, e);
		for (size_t i = 0; i < md->n; i++) {
			const struct sp_md_component *c = &md->v[i];
			if (c->change == SP_MD_UNCHANGED)
				continue;
			sp_sb_reset(&row);
			md_component_row(&row, md, c);
			if (sb->len - start + row.len + tail_reserve > max) {
				omitted[c->change]++;
				continue;
			}
			sp_sb_add(sb, row.buf, row.len);
			shown++;
		}
		if (shown < total)
			sp_sb_addf(sb, "| … | *%zu more not shown: %zu added, %zu removed, %zu changed, %zu resized* | | | | |\n",
				   total - shown, omitted[SP_MD_ADDED], omitted[SP_MD_REMOVED], omitted[SP_MD_CHANGED],
				   omitted[SP_MD_RESIZED]);
		sp_sb_addf(sb, "\n%zu component%s unchanged.\n", md->counts[SP_MD_UNCHANGED],
			   md->counts[SP_MD_UNCHANGED] == 1 ? "" : "s");
	} else {
		sp_sb_addf(sb, "No component changed (%zu unchanged).\n", md->counts[SP_MD_UNCHANGED]);
	}
	if (md->nsettings) {
		size_t listed = 0;
		sp_sb_adds(sb, "\nOther keys changed: ");
		for (size_t k = 0; k < md->nsettings; k++) {
			if (sb->len - start + strlen(md->settings[k]) + 64 > max)
				break;
			sp_sb_addf(sb, "%s`%s`", k ? ", " : "", md->settings[k]);
			listed++;
		}
		if (listed < md->nsettings)
			sp_sb_addf(sb, ", and %zu more", md->nsettings - listed);
		sp_sb_adds(sb, ".\n");
	}
	sp_sb_release(&row);
}

/* ---- JSON ------------------------------------------------------------------------------------- */

/* Money to the cent, so the bytes do not depend on summation noise. */
static json_t *jmoney(double v)
{
	double c = round(v * 100) / 100;
	return sp_json_number(c == 0 ? 0 : c);
}

static json_t *jstr(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jmonth(const struct sp_modeldiff *md, int m)
{
	char buf[8];
	if (m < 0)
		return json_null();
	month_label(md, m, buf);
	return json_string(buf);
}

static json_t *side_json(const struct sp_md_side *s)
{
	json_t *o = json_object();
	json_object_set_new(o, "found", json_boolean(s->found));
	json_object_set_new(o, "label", jstr(s->label));
	json_object_set_new(o, "commit", jstr(s->commit));
	json_object_set_new(o, "path", jstr(s->path));
	json_object_set_new(o, "renamed_from", jstr(s->renamed_from));
	json_object_set_new(o, "how", jstr(s->how));
	json_object_set_new(o, "dirty", json_boolean(s->dirty));
	json_object_set_new(o, "spec", jstr(s->spec_name));
	if (s->found) {
		json_t *h = json_object();
		char a[8], b[8];
		sp_month_format(s->start, a);
		sp_month_format(s->start + s->months - 1, b);
		json_object_set_new(h, "start", json_string(a));
		json_object_set_new(h, "end", json_string(b));
		json_object_set_new(o, "horizon", h);
	} else {
		json_object_set_new(o, "horizon", json_null());
	}
	json_object_set_new(o, "catalog", jstr(s->catalog));
	json_object_set_new(o, "catalog_as_of", jstr(s->catalog_as_of));
	return o;
}

/* {"base": a, "head": b} with numbers (money to the cent when money). */
static json_t *pair(double a, double b, int money, int has_a, int has_b)
{
	json_t *o = json_object();
	json_object_set_new(o, "base", has_a ? (money ? jmoney(a) : sp_json_number(a)) : json_null());
	json_object_set_new(o, "head", has_b ? (money ? jmoney(b) : sp_json_number(b)) : json_null());
	return o;
}

static json_t *component_json(const struct sp_modeldiff *md, const struct sp_md_component *c)
{
	json_t *o = json_object(), *keys = json_array();
	int h0 = c->has[SP_MD_BASE], h1 = c->has[SP_MD_HEAD];

	json_object_set_new(o, "name", json_string(c->name));
	json_object_set_new(o, "section", json_string(c->section));
	json_object_set_new(o, "kind", json_string(c->kind));
	json_object_set_new(o, "change", json_string(sp_md_change_names[c->change]));
	for (size_t k = 0; k < c->nkeys; k++) {
		char full[1024];
		snprintf(full, sizeof(full), "%s.%s.%s", c->section, c->name, c->keys[k]);
		json_array_append_new(keys, json_string(full));
	}
	json_object_set_new(o, "keys", keys);
	json_object_set_new(o, "unit", json_string(c->unit));
	if (*c->unit) {
		json_t *cap = json_object();
		json_object_set_new(cap, "now", pair(c->now[0].units, c->now[1].units, 0, h0, h1));
		json_object_set_new(cap, "horizon", pair(c->end[0].units, c->end[1].units, 0, h0, h1));
		json_object_set_new(o, "capacity", cap);
	}
	if (!strcmp(c->section, "datastores")) {
		json_t *sh = json_object();
		json_object_set_new(sh, "now", pair(c->now[0].shards, c->now[1].shards, 0, h0, h1));
		json_object_set_new(sh, "horizon", pair(c->end[0].shards, c->end[1].shards, 0, h0, h1));
		json_object_set_new(o, "shards", sh);
	}
	json_t *cost = pair(c->cost_now[0], c->cost_now[1], 1, h0, h1);
	json_object_set_new(cost, "delta", jmoney(c->cost_now[1] - c->cost_now[0]));
	json_object_set_new(o, "monthly_cost", cost);
	if (!strcmp(c->section, "services")) {
		json_t *risk = json_object();
		for (int k = 0; k < 2; k++) {
			json_t *r = json_null();
			if (c->has[k] && c->risk[k] >= 0) {
				r = json_object();
				json_object_set_new(r, "month", jmonth(md, c->risk[k]));
				json_object_set_new(r, "share", sp_json_number(round(c->risk_share[k] * 10000) / 10000));
			}
			json_object_set_new(risk, k ? "head" : "base", r);
		}
		json_object_set_new(o, "slo_risk", risk);
	}
	return o;
}

static json_t *band_json(const struct sp_modeldiff *md, const double v[3])
{
	json_t *o = json_object();
	char key[32];
	for (int i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "p%g", md->pcts[i]);
		json_object_set_new(o, key, jmoney(v[i]));
	}
	return o;
}

static json_t *budget_json(const struct sp_modeldiff *md, const struct sp_md_budget *b)
{
	json_t *o = json_object();
	json_object_set_new(o, "key", json_string(b->key));
	for (int k = 0; k < 2; k++) {
		json_t *s = json_object();
		json_object_set_new(s, "limit", b->limit[k] > 0 ? jmoney(b->limit[k]) : json_null());
		json_object_set_new(s, "level", json_string(level_keys[b->level[k]]));
		json_object_set_new(s, "first_month", jmonth(md, b->first[k]));
		json_object_set_new(s, "months", json_integer(b->nmonths[k]));
		json_object_set_new(s, "worst", b->level[k] ? jmoney(b->worst[k]) : json_null());
		json_object_set_new(o, k ? "head" : "base", s);
	}
	json_object_set_new(o, "newly_breached", json_boolean(b->level[SP_MD_HEAD] > b->level[SP_MD_BASE]));
	json_object_set_new(o, "no_longer_breached", json_boolean(b->level[SP_MD_HEAD] < b->level[SP_MD_BASE]));
	return o;
}

json_t *sp_modeldiff_json(const struct sp_modeldiff *md, const struct sp_gate_report *gates)
{
	json_t *root = json_object(), *h = json_object(), *sum = json_object(), *comps = json_array(),
	       *set = json_array(), *cost = json_object(), *mn = json_object(), *hz = json_object(),
	       *buds = json_array(), *newly = json_array(), *gone = json_array();
	double delta[3];
	char a[8], b[8];

	json_object_set_new(root, "format_version", json_integer(SP_MD_FORMAT_VERSION));
	json_object_set_new(root, "base", side_json(&md->side[SP_MD_BASE]));
	json_object_set_new(root, "head", side_json(&md->side[SP_MD_HEAD]));
	sp_month_format(md->start, a);
	sp_month_format(md->start + md->months - 1, b);
	json_object_set_new(h, "start", json_string(a));
	json_object_set_new(h, "end", json_string(b));
	json_object_set_new(h, "months", json_integer(md->months));
	json_object_set_new(root, "horizon", h);
	json_object_set_new(root, "percentile", sp_json_number(md->percentile));
	json_object_set_new(root, "paths", json_integer(md->paths));
	json_object_set_new(root, "seed", json_integer((json_int_t)md->seed));
	json_object_set_new(root, "currency", jstr(md->currency));
	for (int k = 0; k < SP_MD_NCHANGES; k++)
		json_object_set_new(sum, sp_md_change_names[k], json_integer((json_int_t)md->counts[k]));
	json_object_set_new(root, "summary", sum);
	for (size_t i = 0; i < md->n; i++)
		if (md->v[i].change != SP_MD_UNCHANGED)
			json_array_append_new(comps, component_json(md, &md->v[i]));
	json_object_set_new(root, "components", comps);
	for (size_t k = 0; k < md->nsettings; k++)
		json_array_append_new(set, json_string(md->settings[k]));
	json_object_set_new(root, "settings", set);
	json_object_set_new(mn, "month", json_string(a));
	json_object_set_new(mn, "base", jmoney(md->monthly_now[0]));
	json_object_set_new(mn, "head", jmoney(md->monthly_now[1]));
	json_object_set_new(mn, "delta", jmoney(md->monthly_now[1] - md->monthly_now[0]));
	json_object_set_new(cost, "monthly_now", mn);
	for (int i = 0; i < 3; i++)
		delta[i] = md->horizon[1][i] - md->horizon[0][i];
	json_object_set_new(hz, "base", band_json(md, md->horizon[0]));
	json_object_set_new(hz, "head", band_json(md, md->horizon[1]));
	json_object_set_new(hz, "delta", band_json(md, delta));
	json_object_set_new(cost, "horizon", hz);
	json_object_set_new(root, "cost", cost);
	for (size_t i = 0; i < md->nbudgets; i++)
		json_array_append_new(buds, budget_json(md, &md->budgets[i]));
	json_object_set_new(root, "budgets", buds);
	for (size_t i = 0; i < md->n; i++) {
		const struct sp_md_component *c = &md->v[i];
		char name[512];
		if (!c->has[SP_MD_HEAD])
			continue;
		snprintf(name, sizeof(name), "%s.%s", c->section, c->name);
		if (c->risk[SP_MD_HEAD] >= 0 && c->risk[SP_MD_BASE] < 0)
			json_array_append_new(newly, json_string(name));
		else if (c->risk[SP_MD_BASE] >= 0 && c->risk[SP_MD_HEAD] < 0)
			json_array_append_new(gone, json_string(name));
	}
	json_object_set_new(root, "slos_newly_at_risk", newly);
	json_object_set_new(root, "slos_no_longer_at_risk", gone);
	if (gates) {
		json_t *g = json_array();
		for (size_t i = 0; i < gates->n; i++) {
			json_t *o = json_object();
			json_object_set_new(o, "gate", json_string(gates->v[i].gate));
			json_object_set_new(o, "name", json_string(gates->v[i].name));
			json_object_set_new(o, "tripped", json_boolean(gates->v[i].tripped));
			json_object_set_new(o, "detail", json_string(gates->v[i].detail));
			json_array_append_new(g, o);
		}
		json_object_set_new(root, "gates", g);
	}
	return root;
}
