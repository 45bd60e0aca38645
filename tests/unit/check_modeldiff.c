/* What a change to the spec does to the model (planner/modeldiff.c): the
 * dotted keys that differ between YAML values, and two specs compared
 * through their forecasts: nothing for an unchanged spec, a changed key and
 * the capacity and cost it moves, components added and removed, a driver
 * that resizes what it feeds, a budget newly breached, an SLO newly at
 * risk, a base with no spec, and the base's own horizon left as it was. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "model/catalog.h"
#include "model/graph.h"
#include "model/spec.h"
#include "model/yaml.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "model/forecast.h"
#include "planner/gates.h"
#include "planner/modeldiff.h"
#include "planner/render_modeldiff.h"

Suite *suite_modeldiff(void);

/* ---- a catalog and specs -------------------------------------------------------------------------- */

static struct sp_sku skus[] = {
	/* sorted by name, as the lookup expects */
	{ "cache.r6g.large", SP_SKU_CACHE, 2, 13.07, 0, NULL, 0.206, 0.13, 0.09, 0 },
	{ "db.r6g.xlarge", SP_SKU_DATABASE, 4, 32, 0, NULL, 0.45, 0.29, 0.2, 0 },
	{ "m7i.large", SP_SKU_COMPUTE, 2, 8, 0, NULL, 0.1, 0.06, 0.04, 0 },
};
static struct sp_egress_tier egress[] = { { 0, 0.09 } };

static void make_catalog(struct sp_catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "test";
	c->currency = "USD";
	c->as_of = "2026-06";
	c->hours_per_month = 730;
	c->spot_discount = 0.6;
	c->db_storage_gb_month = 0.1;
	c->skus = skus;
	c->nskus = sizeof(skus) / sizeof(skus[0]);
	c->egress = egress;
	c->negress = 1;
}

/* A spec with %s slots: the horizon's start, the users' growth, api's CPU
 * work, api's scaling.max, the budget, and more components at the end. */
static const char tmpl[] =
	"scaleplan: 1\n"
	"name: shop\n"
	"currency: USD\n"
	"horizon: {start: %s, months: 24}\n"
	"drivers:\n"
	"  users: {start: 2000000, model: exponential, annual_growth: %s, uncertainty: {p10: 0.8, p90: 1.3}}\n"
	"regions:\n"
	"  - {name: r1, zones: 3}\n"
	"services:\n"
	"  web:\n"
	"    demand: {driver: users, requests_per_unit_per_day: 10, peak_to_average: 2}\n"
	"    work: {cpu_ms_per_request: 10}\n"
	"    instance: m7i.large\n"
	"    calls:\n"
	"      - {to: api, per_request: 1}\n"
	"      - {to: db, reads_per_request: 2, writes_per_request: 0.5}\n"
	"  api:\n"
	"    work: {cpu_ms_per_request: %s}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 200}}\n"
	"    scaling: {min: 2, max: %s}\n"
	"datastores:\n"
	"  db: {engine: postgres, instance: db.r6g.xlarge, write_tps_per_node: 2000, read_qps_per_replica: 8000,\n"
	"       storage: {start_gb: 100}}\n"
	"budgets: {monthly_max: %s}\n"
	"%s";

struct side {
	struct sp_spec *spec;
	struct sp_graph *g;
};

static struct sp_catalog cat;

static struct side load(const char *start, const char *growth, const char *cpu, const char *max, const char *budget,
			const char *more)
{
	struct side s;
	struct sp_diags d;
	char text[4096];

	snprintf(text, sizeof(text), tmpl, start, growth, cpu, max, budget, more);
	sp_diags_init(&d);
	ck_assert_msg(sp_spec_load_string(&s.spec, "t.yaml", text, strlen(text), &d) == 0, "spec: %s",
		      d.n ? d.v[0].msg : "?");
	ck_assert_int_eq(sp_graph_build(&s.g, s.spec, &d), 0);
	sp_diags_free(&d);
	return s;
}

static struct side base_spec(void)
{
	return load("2027-01", "0.5", "8", "400", "1000000", "");
}

static void side_free(struct side *s)
{
	sp_graph_free(s->g);
	sp_spec_free(s->spec);
}

static int diff(struct sp_modeldiff *md, struct side *b, struct side *h)
{
	struct sp_md_input in[2];
	struct sp_md_opts o;
	struct sp_diags d;
	int rc;

	memset(in, 0, sizeof(in));
	memset(&o, 0, sizeof(o));
	make_catalog(&cat);
	if (b) {
		in[0].spec = b->spec;
		in[0].graph = b->g;
		in[0].catalog = &cat;
	}
	in[0].label = "main";
	in[1].spec = h->spec;
	in[1].graph = h->g;
	in[1].catalog = &cat;
	in[1].label = "work tree";
	o.paths = 100;
	o.seed = 7;
	sp_diags_init(&d);
	rc = sp_modeldiff_make(md, in, &o, &d);
	ck_assert_msg(rc == 0, "modeldiff: %s", d.n ? d.v[0].msg : "?");
	sp_diags_free(&d);
	return rc;
}

static const struct sp_md_component *find(const struct sp_modeldiff *md, const char *name)
{
	for (size_t i = 0; i < md->n; i++)
		if (!strcmp(md->v[i].name, name))
			return &md->v[i];
	ck_abort_msg("no component %s", name);
	return NULL;
}

/* ---- comparing YAML ------------------------------------------------------------------------------- */

static struct sp_ynode *parse(struct sp_arena *a, struct sp_src *src, const char *text)
{
	struct sp_ynode *root;
	struct sp_diags d;

	src->name = "x.yaml";
	src->text = text;
	src->len = strlen(text);
	sp_diags_init(&d);
	ck_assert_int_eq(sp_yaml_parse(&root, src, a, &d), 0);
	sp_diags_free(&d);
	return root;
}

/* The keys that differ between x and y, joined with spaces. */
static char *keys_of(const char *x, const char *y)
{
	static char out[1024];
	struct sp_arena a;
	struct sp_src sx, sy;
	const char **keys = NULL;
	size_t n = 0, cap = 0;

	sp_arena_init(&a);
	sp_md_compare_yaml(&a, parse(&a, &sx, x), parse(&a, &sy, y), "services.api", &keys, &n, &cap);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? " " : "", keys[i]);
	free(keys);
	sp_arena_free(&a);
	return out;
}

START_TEST(test_compare_yaml)
{
	char big_x[2048] = "{", big_y[2048] = "{";

	ck_assert_str_eq(keys_of("{a: 1, b: {c: 2}}", "{a: 1, b: {c: 2}}"), "");
	/* numbers by value, strings by text; quoting a string changes nothing */
	ck_assert_str_eq(keys_of("{a: 1_000, b: 0.50, c: web}", "{a: 1000.0, b: 0.5, c: \"web\"}"), "");
	ck_assert_str_eq(keys_of("{a: 1, b: {c: 2, d: x}}", "{a: 2, b: {c: 2, d: y}}"), "services.api.a services.api.b.d");
	/* keys gone and keys new */
	ck_assert_str_eq(keys_of("{a: 1, b: 2}", "{b: 2, c: 3}"), "services.api.a services.api.c");
	/* another kind of value, a list of another length, an item that differs */
	ck_assert_str_eq(keys_of("{a: 1}", "{a: {x: 1}}"), "services.api.a");
	ck_assert_str_eq(keys_of("{calls: [{to: a}]}", "{calls: [{to: a}, {to: b}]}"), "services.api.calls");
	ck_assert_str_eq(keys_of("{calls: [{to: a, per_request: 1}]}", "{calls: [{to: a, per_request: 2}]}"),
			 "services.api.calls[0].per_request");
	/* a large mapping goes through the hash map, with the same answer */
	for (int i = 0; i < 40; i++) {
		snprintf(big_x + strlen(big_x), sizeof(big_x) - strlen(big_x), "%sk%02d: %d", i ? ", " : "", i, i);
		snprintf(big_y + strlen(big_y), sizeof(big_y) - strlen(big_y), "%sk%02d: %d", i ? ", " : "", 39 - i,
			 i == 5 ? 100 : 39 - i);
	}
	strcat(big_x, ", extra: 1}");
	strcat(big_y, "}");
	/* in the first value's order, then the keys only the second has */
	ck_assert_str_eq(keys_of(big_x, big_y), "services.api.k34 services.api.extra");
}
END_TEST

/* ---- comparing specs ------------------------------------------------------------------------------ */

START_TEST(test_unchanged_is_zero)
{
	struct side b = base_spec(), h = base_spec();
	struct sp_modeldiff md;

	diff(&md, &b, &h);
	ck_assert_uint_eq(md.n, 3);
	ck_assert_uint_eq(md.counts[SP_MD_UNCHANGED], 3);
	ck_assert_uint_eq(md.nsettings, 0);
	ck_assert(md.monthly_now[0] > 0);
	ck_assert(md.monthly_now[0] == md.monthly_now[1]);
	for (int i = 0; i < 3; i++)
		ck_assert(md.horizon[0][i] == md.horizon[1][i]);
	ck_assert(md.horizon[1][0] < md.horizon[1][1] && md.horizon[1][1] < md.horizon[1][2]);
	for (size_t i = 0; i < md.n; i++) {
		ck_assert_uint_eq(md.v[i].nkeys, 0);
		ck_assert(md.v[i].now[0].units == md.v[i].now[1].units && md.v[i].now[1].units > 0);
		ck_assert(md.v[i].end[0].units == md.v[i].end[1].units);
		ck_assert(md.v[i].cost_now[0] == md.v[i].cost_now[1]);
	}
	ck_assert_uint_eq(md.newly_breached, 0);
	ck_assert_uint_eq(md.newly_at_risk, 0);
	ck_assert_int_eq(md.start, 2027 * 12);
	ck_assert_int_eq(md.months, 24);
	ck_assert_str_eq(md.side[0].label, "main");
	ck_assert_str_eq(md.side[0].spec_name, "shop");
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_changed_key)
{
	struct side b = base_spec(), h = load("2027-01", "0.5", "16", "400", "1000000", "");
	struct sp_modeldiff md;
	const struct sp_md_component *api, *web, *db;

	diff(&md, &b, &h);
	api = find(&md, "api");
	ck_assert_int_eq(api->change, SP_MD_CHANGED);
	ck_assert_uint_eq(api->nkeys, 1);
	ck_assert_str_eq(api->keys[0], "work.cpu_ms_per_request");
	ck_assert_str_eq(api->section, "services");
	ck_assert_str_eq(api->unit, "instances");
	/* twice the work: more instances, in the first month and at the end */
	ck_assert(api->now[1].units > api->now[0].units);
	ck_assert(api->end[1].units > api->end[0].units);
	ck_assert(api->end[1].units >= api->now[1].units);
	ck_assert(api->cost_now[1] > api->cost_now[0]);
	/* what feeds api and what api feeds did not change */
	web = find(&md, "web");
	db = find(&md, "db");
	ck_assert_int_eq(web->change, SP_MD_UNCHANGED);
	ck_assert_int_eq(db->change, SP_MD_UNCHANGED);
	ck_assert(db->now[1].shards >= 1);
	ck_assert_uint_eq(md.counts[SP_MD_CHANGED], 1);
	ck_assert_uint_eq(md.nsettings, 0);
	/* the total moves by api's cost */
	ck_assert(fabs((md.monthly_now[1] - md.monthly_now[0]) - (api->cost_now[1] - api->cost_now[0])) < 1e-6);
	ck_assert(md.horizon[1][1] > md.horizon[0][1]);
	/* listed first among the changes */
	ck_assert_str_eq(md.v[0].name, "api");
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_added_removed)
{
	struct side b = load("2027-01", "0.5", "8", "400", "1000000",
			     "caches:\n  old: {engine: redis, node: cache.r6g.large, hit_rate: 0.5}\n"),
		    h = load("2027-01", "0.5", "8", "400", "1000000",
			     "caches:\n  sessions: {engine: redis, node: cache.r6g.large, hit_rate: 0.5, min_nodes: 2}\n");
	struct sp_modeldiff md;
	const struct sp_md_component *old, *sessions;

	diff(&md, &b, &h);
	ck_assert_uint_eq(md.counts[SP_MD_ADDED], 1);
	ck_assert_uint_eq(md.counts[SP_MD_REMOVED], 1);
	ck_assert_uint_eq(md.counts[SP_MD_UNCHANGED], 3);
	/* added first, then removed */
	ck_assert_str_eq(md.v[0].name, "sessions");
	ck_assert_str_eq(md.v[1].name, "old");
	sessions = find(&md, "sessions");
	ck_assert_int_eq(sessions->has[0], 0);
	ck_assert_int_eq(sessions->has[1], 1);
	ck_assert_str_eq(sessions->section, "caches");
	ck_assert_str_eq(sessions->unit, "nodes");
	ck_assert(sessions->now[0].units == 0 && sessions->now[1].units >= 2);
	old = find(&md, "old");
	ck_assert_int_eq(old->change, SP_MD_REMOVED);
	ck_assert(old->now[0].units >= 1 && old->now[1].units == 0);
	ck_assert(old->cost_now[1] == 0);
	/* one cache node more: the total moves by the difference of the two */
	ck_assert(fabs((md.monthly_now[1] - md.monthly_now[0]) -
		       (sessions->cost_now[1] - old->cost_now[0])) < 1e-6);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_driver_resizes)
{
	struct side b = base_spec(), h = load("2027-01", "1.5", "8", "400", "1000000", "");
	struct sp_modeldiff md;

	diff(&md, &b, &h);
	ck_assert_uint_eq(md.nsettings, 1);
	ck_assert_str_eq(md.settings[0], "drivers.users.annual_growth");
	/* nothing of the components' own changed, but they grow faster */
	ck_assert_uint_eq(md.counts[SP_MD_CHANGED], 0);
	ck_assert_uint_ge(md.counts[SP_MD_RESIZED], 1);
	ck_assert_int_eq(find(&md, "api")->change, SP_MD_RESIZED);
	ck_assert(find(&md, "api")->end[1].units > find(&md, "api")->end[0].units);
	/* the first month is the same: growth starts from the same users */
	ck_assert(find(&md, "api")->now[1].units == find(&md, "api")->now[0].units);
	ck_assert(md.horizon[1][1] > md.horizon[0][1]);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_budget_and_slo)
{
	struct side b = base_spec(), h = load("2027-01", "0.5", "8", "4", "200", "");
	struct sp_modeldiff md;
	const struct sp_md_budget *bd;
	const struct sp_md_component *api;

	diff(&md, &b, &h);
	ck_assert_uint_eq(md.nbudgets, 1);
	bd = &md.budgets[0];
	ck_assert_str_eq(bd->key, "budgets.monthly_max");
	ck_assert_int_eq(bd->level[0], SP_MD_WITHIN);
	ck_assert_int_eq(bd->level[1], SP_MD_OVER_MEDIAN);
	ck_assert(bd->limit[0] == 1000000 && bd->limit[1] == 200);
	ck_assert_int_eq(bd->first[1], 0);
	ck_assert_int_eq(bd->nmonths[1], 24);
	ck_assert(bd->worst[1] > 200);
	ck_assert_uint_eq(md.newly_breached, 1);
	/* api capped at 4 instances a region: its SLO is at risk */
	api = find(&md, "api");
	ck_assert_int_eq(api->risk[0], -1);
	ck_assert_int_ge(api->risk[1], 0);
	ck_assert(api->risk_share[1] > 0);
	ck_assert_uint_eq(md.newly_at_risk, 1);
	ck_assert_uint_eq(api->nkeys, 1);
	ck_assert_str_eq(api->keys[0], "scaling.max");
	ck_assert_str_eq(md.settings[0], "budgets.monthly_max");
	sp_modeldiff_free(&md);

	/* the other way round: no longer breached, no longer at risk */
	diff(&md, &h, &b);
	ck_assert_uint_eq(md.newly_breached, 0);
	ck_assert_uint_eq(md.newly_at_risk, 0);
	ck_assert_int_eq(md.budgets[0].level[0], SP_MD_OVER_MEDIAN);
	ck_assert_int_eq(md.budgets[0].level[1], SP_MD_WITHIN);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_no_base)
{
	struct side h = base_spec();
	struct sp_modeldiff md;

	diff(&md, NULL, &h);
	ck_assert_int_eq(md.side[0].found, 0);
	ck_assert_int_eq(md.side[1].found, 1);
	ck_assert_uint_eq(md.counts[SP_MD_ADDED], 3);
	ck_assert(md.monthly_now[0] == 0 && md.horizon[0][1] == 0);
	ck_assert(md.monthly_now[1] > 0);
	ck_assert_uint_eq(md.nsettings, 0);
	ck_assert_uint_eq(md.newly_breached, 0);
	sp_modeldiff_free(&md);
	side_free(&h);
}
END_TEST

START_TEST(test_horizon_of_head)
{
	struct side b = load("2026-01", "0.5", "8", "400", "1000000", ""), h = base_spec(), h2 = base_spec();
	struct sp_modeldiff md, md2;

	diff(&md, &b, &h);
	/* computed over the head's horizon: the same figures as an unchanged spec */
	ck_assert_int_eq(md.start, 2027 * 12);
	ck_assert_uint_eq(md.nsettings, 1);
	ck_assert_str_eq(md.settings[0], "horizon.start");
	ck_assert(md.horizon[0][1] == md.horizon[1][1]);
	ck_assert_uint_eq(md.counts[SP_MD_UNCHANGED], 3);
	/* each side's own horizon is kept for the reader, and the spec's is restored */
	ck_assert_int_eq(md.side[0].start, 2026 * 12);
	ck_assert_int_eq(b.spec->start, 2026 * 12);
	/* the same seed gives the same figures again */
	diff(&md2, &h2, &h);
	ck_assert(md2.horizon[1][2] == md.horizon[1][2]);
	ck_assert(md2.monthly_now[0] == md.monthly_now[1]);
	sp_modeldiff_free(&md);
	sp_modeldiff_free(&md2);
	side_free(&b);
	side_free(&h);
	side_free(&h2);
}
END_TEST


/* ---- gates ---------------------------------------------------------------------------------------- */

START_TEST(test_gates_parse)
{
	struct sp_gates g;
	char msg[256];

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(sp_gates_parse(&g, "budget", msg, sizeof(msg)), 0);
	ck_assert_uint_eq(g.which, SP_GATE_BUDGET);
	ck_assert_int_eq(sp_gates_parse(&g, "slo-risk,cost-increase=12.5%", msg, sizeof(msg)), 0);
	ck_assert_uint_eq(g.which, SP_GATE_BUDGET | SP_GATE_SLO_RISK | SP_GATE_COST_INCREASE);
	ck_assert(g.max_increase_pct == 12.5);
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase=0", msg, sizeof(msg)), 0);
	ck_assert(g.max_increase_pct == 0);
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase", msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "--fail-on cost-increase needs a percentage, as in cost-increase=10");
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase=-1", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase=abc", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase=5%%", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "cost-increase=inf", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "budget,,slo-risk", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "", msg, sizeof(msg)), -1);
	ck_assert_int_eq(sp_gates_parse(&g, "budgets", msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "unknown gate 'budgets' for --fail-on; expected budget, slo-risk or cost-increase=PCT");
}
END_TEST

START_TEST(test_gates_diff)
{
	struct side b = base_spec(), h = load("2027-01", "0.5", "8", "4", "200", "");
	struct sp_modeldiff md;
	struct sp_gates g;
	struct sp_gate_report r;
	char msg[128];

	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(sp_gates_parse(&g, "budget,slo-risk,cost-increase=1000", msg, sizeof(msg)), 0);
	diff(&md, &b, &h);
	sp_gates_check_diff(&g, &md, &r);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(r.tripped, 1);
	ck_assert_str_eq(r.v[0].gate, "budget");
	ck_assert_int_eq(r.v[0].tripped, 1);
	ck_assert_msg(strstr(r.v[0].detail, "budgets.monthly_max $200 newly breached: over at p50 in 24 months from "
					    "2027-01 (up to $"),
		      "%s", r.v[0].detail);
	ck_assert_msg(strstr(r.v[0].detail, ", within it on main"), "%s", r.v[0].detail);
	ck_assert_int_eq(r.v[1].tripped, 1);
	ck_assert_msg(!strncmp(r.v[1].detail, "SLO newly at risk: services.api from ", 37), "%s", r.v[1].detail);
	ck_assert_str_eq(r.v[2].name, "cost-increase=1000%");
	ck_assert_int_eq(r.v[2].tripped, 0);
	ck_assert_msg(strstr(r.v[2].detail, "within the 1000% allowed"), "%s", r.v[2].detail);
	sp_modeldiff_free(&md);

	/* the way back: a budget kept, no SLO newly at risk (api's cap is lifted, so
	 * it costs more, within 1000 %) */
	diff(&md, &h, &b);
	sp_gates_check_diff(&g, &md, &r);
	ck_assert_int_eq(r.tripped, 0);
	ck_assert_str_eq(r.v[0].detail, "no budget newly breached");
	ck_assert_str_eq(r.v[1].detail, "no SLO newly at risk");
	ck_assert_msg(r.v[2].detail[0] == '+', "%s", r.v[2].detail);
	sp_modeldiff_free(&md);
	g.max_increase_pct = 0;

	/* an unchanged spec is within cost-increase=0; a new one is an increase from nothing */
	diff(&md, &b, &b);
	sp_gates_check_diff(&g, &md, &r);
	ck_assert_int_eq(r.v[2].tripped, 0);
	ck_assert_msg(!strncmp(r.v[2].detail, "+0.0% ", 6), "%s", r.v[2].detail);
	sp_modeldiff_free(&md);
	diff(&md, NULL, &b);
	sp_gates_check_diff(&g, &md, &r);
	ck_assert_int_eq(r.v[2].tripped, 1);
	ck_assert_msg(!strncmp(r.v[2].detail, "an increase from nothing", 24), "%s", r.v[2].detail);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

START_TEST(test_gates_forecast)
{
	struct side tight = load("2027-01", "0.5", "8", "4", "200", ""), easy = base_spec();
	struct sp_forecast_opts fo;
	struct sp_forecast *f;
	struct sp_diags d;
	struct sp_gates g;
	struct sp_gate_report r;
	char msg[128];

	memset(&g, 0, sizeof(g));
	memset(&fo, 0, sizeof(fo));
	fo.paths = 100;
	fo.seed = 7;
	make_catalog(&cat);
	ck_assert_int_eq(sp_gates_parse(&g, "budget,slo-risk,cost-increase=10", msg, sizeof(msg)), 0);
	sp_diags_init(&d);
	ck_assert_int_eq(sp_forecast_run(&f, tight.spec, tight.g, &cat, &fo, &d), 0);
	sp_gates_check_forecast(&g, f, tight.spec, &r);
	ck_assert_int_eq(r.tripped, 1);
	ck_assert_msg(!strncmp(r.v[0].detail, "budgets.monthly_max $200: over at p50 in 24 months from 2027-01", 63), "%s",
		      r.v[0].detail);
	ck_assert_msg(!strncmp(r.v[1].detail, "SLO at risk: services.api from ", 31), "%s", r.v[1].detail);
	/* 50 %/year for two years: the last month's cost is well above the first's */
	ck_assert_int_eq(r.v[2].tripped, 1);
	ck_assert_msg(strstr(r.v[2].detail, "(the monthly p50 cost, 2027-01 to 2028-12: $"), "%s", r.v[2].detail);
	/* and a plan's cost-increase compares before and after it */
	sp_gates_check_plan(&g, f, tight.spec, 100, 105, &r);
	ck_assert_int_eq(r.v[2].tripped, 0);
	ck_assert_str_eq(r.v[2].detail, "+5.0% (the monthly on-demand list cost $100 -> $105), within the 10% allowed");
	sp_forecast_free(f);
	ck_assert_int_eq(sp_forecast_run(&f, easy.spec, easy.g, &cat, &fo, &d), 0);
	g.which = SP_GATE_BUDGET | SP_GATE_SLO_RISK;
	sp_gates_check_forecast(&g, f, easy.spec, &r);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.tripped, 0);
	ck_assert_str_eq(r.v[0].detail, "every budget is kept");
	ck_assert_str_eq(r.v[1].detail, "no SLO at risk");
	sp_forecast_free(f);
	sp_diags_free(&d);
	side_free(&tight);
	side_free(&easy);
}
END_TEST

/* ---- rendering ------------------------------------------------------------------------------------ */

/* A spec of n services called by web, each with cpu_ms work. */
static struct side many(int n, int cpu_ms)
{
	struct sp_sb sb = SP_SB_INIT;
	struct side s;
	struct sp_diags d;

	sp_sb_adds(&sb, "scaleplan: 1\nname: many\nhorizon: {start: 2027-01, months: 12}\n"
			"drivers:\n  users: {start: 10000000, model: constant}\nregions: [{name: r1, zones: 3}]\n"
			"services:\n  web:\n    demand: {driver: users, requests_per_unit_per_day: 10}\n"
			"    work: {cpu_ms_per_request: 5}\n    instance: m7i.large\n    calls:\n");
	for (int i = 0; i < n; i++)
		sp_sb_addf(&sb, "      - {to: svc_%03d}\n", i);
	for (int i = 0; i < n; i++)
		sp_sb_addf(&sb, "  svc_%03d: {work: {cpu_ms_per_request: %d}, instance: m7i.large}\n", i, cpu_ms + i % 7);
	sp_diags_init(&d);
	ck_assert_msg(sp_spec_load_string(&s.spec, "many.yaml", sb.buf, sb.len, &d) == 0, "%s", d.n ? d.v[0].msg : "");
	ck_assert_int_eq(sp_graph_build(&s.g, s.spec, &d), 0);
	sp_diags_free(&d);
	sp_sb_release(&sb);
	return s;
}

START_TEST(test_render)
{
	struct side b = many(300, 40), h = many(300, 90);
	struct sp_modeldiff md;
	struct sp_sb sb = SP_SB_INIT;
	struct sp_gates g = { SP_GATE_COST_INCREASE, 5 };
	struct sp_gate_report r;
	json_t *doc, *c0;
	char *text;
	struct sp_err err;

	diff(&md, &b, &h);
	ck_assert_uint_eq(md.counts[SP_MD_CHANGED], 300);
	sp_gates_check_diff(&g, &md, &r);
	ck_assert_int_eq(r.tripped, 1);

	/* markdown: the gate first, then summarised under its limit, every amount's $ escaped */
	sp_render_modeldiff_markdown(&sb, &md, &r, 6000);
	ck_assert_uint_le(sb.len, 6000);
	ck_assert_msg(!strncmp(sb.buf, "### scaleplan diff: 300 changed, 1 unchanged (+\\$", 49), "%.80s", sb.buf);
	ck_assert_ptr_nonnull(strstr(sb.buf, "⛔ **Gate `--fail-on cost-increase=5%` tripped:** +"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "more not shown: 0 added, 0 removed, "));
	ck_assert_ptr_nonnull(strstr(sb.buf, "| 🟡 changed | `services.svc_000` | `work.cpu_ms_per_request` | instances "));
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '$')
			ck_assert_msg(i > 0 && sb.buf[i - 1] == '\\', "an unescaped $ at %zu", i);
	sp_sb_reset(&sb);

	/* text: every change, with its keys */
	sp_render_modeldiff_text(&sb, &md, &r);
	ck_assert_ptr_nonnull(strstr(sb.buf, "Components: 300 changed, 1 unchanged\n"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "  ~ services.svc_299: instances "));
	ck_assert_ptr_nonnull(strstr(sb.buf, "\nGates (--fail-on):\n  cost-increase=5%: TRIPPED: +"));
	sp_sb_reset(&sb);

	/* JSON: versioned, every change with its dotted keys, the cost and the gates */
	doc = sp_modeldiff_json(&md, &r);
	ck_assert_int_eq(json_integer_value(json_object_get(doc, "format_version")), SP_MD_FORMAT_VERSION);
	ck_assert_uint_eq(json_array_size(json_object_get(doc, "components")), 300);
	c0 = json_array_get(json_object_get(doc, "components"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(c0, "name")), "svc_000");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c0, "keys"), 0)),
			 "services.svc_000.work.cpu_ms_per_request");
	ck_assert(json_number_value(json_object_get(json_object_get(json_object_get(c0, "capacity"), "now"), "head")) >
		  json_number_value(json_object_get(json_object_get(json_object_get(c0, "capacity"), "now"), "base")));
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(doc, "gates"), 0), "tripped")));
	ck_assert(json_number_value(json_object_get(
			  json_object_get(json_object_get(json_object_get(doc, "cost"), "horizon"), "delta"), "p50")) > 0);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_json_dump(doc, SP_JSON_ASCII, &text, &err), 0);
	/* the same bytes again from the same inputs */
	{
		struct sp_modeldiff md2;
		json_t *doc2;
		char *text2;
		diff(&md2, &b, &h);
		doc2 = sp_modeldiff_json(&md2, &r);
		ck_assert_int_eq(sp_json_dump(doc2, SP_JSON_ASCII, &text2, &err), 0);
		ck_assert_str_eq(text, text2);
		free(text2);
		json_decref(doc2);
		sp_modeldiff_free(&md2);
	}
	free(text);
	json_decref(doc);
	sp_modeldiff_free(&md);

	/* unchanged: said in one line */
	diff(&md, &b, &b);
	sp_render_modeldiff_text(&sb, &md, NULL);
	ck_assert_ptr_nonnull(strstr(sb.buf, "No change to the model"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "($0, +0.0%)"));
	sp_sb_release(&sb);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
}
END_TEST

/* The comparison keeps what it shows: it is rendered after both specs are gone
 * (the address sanitizer build checks that nothing points into them). */
START_TEST(test_outlives_specs)
{
	struct side b = base_spec(), h = load("2026-06", "0.7", "12", "400", "1000000", "");
	struct sp_modeldiff md;
	struct sp_sb sb = SP_SB_INIT;
	json_t *doc;

	diff(&md, &b, &h);
	side_free(&b);
	side_free(&h);
	sp_render_modeldiff_text(&sb, &md, NULL);
	sp_render_modeldiff_markdown(&sb, &md, NULL, 65000);
	doc = sp_modeldiff_json(&md, NULL);
	ck_assert_ptr_nonnull(strstr(sb.buf, "Cost (USD; catalog test as of 2026-06):"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "(the base's own horizon is 2027-01..2028-12)"));
	ck_assert_ptr_nonnull(strstr(sb.buf, "Other keys changed: drivers.users.annual_growth, horizon.start\n"));
	ck_assert_str_eq(json_string_value(json_object_get(doc, "currency")), "USD");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "head"), "spec")), "shop");
	json_decref(doc);
	sp_sb_release(&sb);
	sp_modeldiff_free(&md);
}
END_TEST


/* The change as a plan file holds it ("base") reads back into the same
 * markdown, byte for byte; a damaged one is refused naming the file and the key. */
static void roundtrip(struct sp_modeldiff *md, const struct sp_gate_report *r, size_t max)
{
	struct sp_modeldiff back;
	struct sp_gate_report g;
	struct sp_sb direct = SP_SB_INIT, again = SP_SB_INIT;
	struct sp_err err;
	json_t *doc = sp_modeldiff_json(md, r), *parsed;
	char *text;
	int has_gates;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_json_dump(doc, 0, &text, &err), 0);
	parsed = sp_json_parse(text, strlen(text), "plan.json", "invalid JSON", &err);
	ck_assert_ptr_nonnull(parsed);
	ck_assert_msg(sp_modeldiff_from_json(&back, &g, &has_gates, parsed, "plan.json", &err) == 0, "%s", err.msg);
	ck_assert_int_eq(has_gates, r != NULL);
	sp_render_modeldiff_markdown(&direct, md, r, max);
	sp_render_modeldiff_markdown(&again, &back, has_gates ? &g : NULL, max);
	if (strcmp(again.buf, direct.buf)) {
		size_t i = 0;
		while (again.buf[i] == direct.buf[i])
			i++;
		ck_abort_msg("differs at %zu: '%.300s' instead of '%.300s'", i, again.buf + (i > 200 ? i - 200 : 0),
			     direct.buf + (i > 200 ? i - 200 : 0));
	}
	sp_sb_release(&direct);
	sp_sb_release(&again);
	sp_modeldiff_free(&back);
	json_decref(parsed);
	json_decref(doc);
	free(text);
}

/* "base" of doc damaged by edit; the error's message. */
static const char *damaged(json_t *doc, const char *path_key, json_t *value)
{
	static char msg[1024];
	struct sp_modeldiff back;
	struct sp_gate_report g;
	struct sp_err err;
	json_t *copy = json_deep_copy(doc), *at = copy;
	char key[128], *dot, *k = key;
	int has_gates;

	snprintf(key, sizeof(key), "%s", path_key);
	while ((dot = strchr(k, '.'))) {
		*dot = '\0';
		at = json_is_array(at) ? json_array_get(at, (size_t)atoi(k)) : json_object_get(at, k);
		k = dot + 1;
	}
	if (value)
		json_object_set_new(at, k, value);
	else
		json_object_del(at, k);
	sp_err_clear(&err);
	ck_assert_int_ne(sp_modeldiff_from_json(&back, &g, &has_gates, copy, "plan.json", &err), 0);
	ck_assert_str_eq(err.file, "plan.json");
	snprintf(msg, sizeof(msg), "%s", err.msg);
	sp_modeldiff_free(&back);
	json_decref(copy);
	return msg;
}

START_TEST(test_json_roundtrip)
{
	struct side b = load("2027-01", "0.5", "8", "400", "1000000",
			     "caches:\n  old: {engine: redis, node: cache.r6g.large, hit_rate: 0.5}\n"),
		    h = load("2026-06", "0.7", "12", "4", "200",
			     "caches:\n  sessions: {engine: redis, node: cache.r6g.large, hit_rate: 0.5, min_nodes: 2}\n");
	struct side m1 = many(300, 40), m2 = many(300, 90);
	struct sp_modeldiff md;
	struct sp_gates gs = { SP_GATE_BUDGET | SP_GATE_SLO_RISK | SP_GATE_COST_INCREASE, 5 };
	struct sp_gate_report r;
	json_t *doc;

	/* added, removed, changed keys, a budget newly breached, an SLO newly at risk, a moved horizon */
	diff(&md, &b, &h);
	ck_assert_uint_eq(md.newly_breached, 1);
	ck_assert_uint_eq(md.newly_at_risk, 1);
	sp_gates_check_diff(&gs, &md, &r);
	roundtrip(&md, &r, 65000);
	roundtrip(&md, NULL, 65000);
	roundtrip(&md, &r, 3000);

	/* damaged: each refused with the key */
	doc = sp_modeldiff_json(&md, &r);
	ck_assert_str_eq(damaged(doc, "components.0.change", json_string("moved")),
			 "base.components[0].change: unknown value 'moved'");
	ck_assert_str_eq(damaged(doc, "format_version", json_integer(9)),
			 "base.format_version: version 9, but this scaleplan reads version 1");
	ck_assert_ptr_nonnull(strstr(damaged(doc, "cost", NULL), "missing key 'cost'"));
	ck_assert_ptr_nonnull(strstr(damaged(doc, "horizon.start", json_string("2027-13")), "base.horizon"));
	ck_assert_ptr_nonnull(strstr(damaged(doc, "budgets.0.head.level", json_integer(2)), "base.budgets[0].head.level"));
	ck_assert_ptr_nonnull(strstr(damaged(doc, "components.0.keys", json_string("x")), "base.components[0].keys"));
	ck_assert_ptr_nonnull(strstr(damaged(doc, "gates.0.tripped", json_string("yes")), "base.gates[0].tripped"));
	json_decref(doc);
	sp_modeldiff_free(&md);

	/* a base with no spec, and 300 changes summarised under a small limit */
	diff(&md, NULL, &h);
	roundtrip(&md, NULL, 65000);
	sp_modeldiff_free(&md);
	diff(&md, &m1, &m2);
	roundtrip(&md, NULL, 6000);
	sp_modeldiff_free(&md);
	side_free(&b);
	side_free(&h);
	side_free(&m1);
	side_free(&m2);
}
END_TEST

Suite *suite_modeldiff(void)
{
	Suite *s = suite_create("modeldiff");
	TCase *tc = tcase_create("modeldiff");

	tcase_add_test(tc, test_compare_yaml);
	tcase_add_test(tc, test_unchanged_is_zero);
	tcase_add_test(tc, test_changed_key);
	tcase_add_test(tc, test_added_removed);
	tcase_add_test(tc, test_driver_resizes);
	tcase_add_test(tc, test_budget_and_slo);
	tcase_add_test(tc, test_no_base);
	tcase_add_test(tc, test_horizon_of_head);
	tcase_add_test(tc, test_gates_parse);
	tcase_add_test(tc, test_gates_diff);
	tcase_add_test(tc, test_gates_forecast);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_outlives_specs);
	tcase_add_test(tc, test_json_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}
