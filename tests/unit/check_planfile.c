/* The plan document (planner/planfile.c) both ways: decoding with its errors,
 * and the round trip of a diff and of a plan made from a spec. */
#include "plan_fixtures.h"
#include "planner/render_plan.h"

Suite *suite_planfile(void);

/* ---- the plan document: decoding ---------------------------------------------------------------- */

/* A valid plan document with one change per action; cases below edit it. */
static const char plan_doc[] =
	"{\n"
	"  \"format_version\": 1,\n"
	"  \"scaleplan_version\": \"0.1.0\",\n"
	"  \"spec\": \"shop\",\n"
	"  \"spec_digest\": \"0123456789abcdef0123456789abcdef01234567\",\n"
	"  \"at\": \"2027-06\",\n"
	"  \"percentile\": 90,\n"
	"  \"state\": {\"backend\": \"local\", \"path\": \"st/state.json\", \"lineage\": "
	"\"0f8fad5b-d9cb-469f-a165-70867728950e\", \"serial\": 7},\n"
	"  \"provider\": {\"kind\": \"local\", \"path\": \"st/infra\"},\n"
	"  \"cost\": {\"currency\": \"USD\", \"horizon\": {\"start\": \"2027-01\", \"end\": \"2027-12\", "
	"\"total\": {\"p10\": 100.5, \"p50\": 200, \"p90\": 300.25}}},\n"
	"  \"resource_changes\": [\n"
	"    {\"address\": \"cache.pc[r1]\", \"type\": \"cache\", \"name\": \"pc\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"delete\", \"create\"], \"before\": {\"engine\": \"redis\", \"nodes\": 2},\n"
	"                \"after\": {\"nodes\": 3, \"engine\": \"memcached\"}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [\"engine\"],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"create\"], \"before\": null, \"after\": {\"instances\": 4, \"spot\": true, "
	"\"ratio\": 0.25}},\n"
	"     \"depends_on\": {\"before\": null, \"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": true, \"allow_zero\": true}},\n"
	"    {\"address\": \"service.old[r1]\", \"type\": \"service\", \"name\": \"old\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": null},\n"
	"     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.same[r1]\", \"type\": \"service\", \"name\": \"same\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": {\"instances\": 1}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}},\n"
	"    {\"address\": \"service.upd[r1]\", \"type\": \"service\", \"name\": \"upd\", \"region\": \"r1\",\n"
	"     \"change\": {\"actions\": [\"update\"], \"before\": {\"instances\": 3}, \"after\": {\"instances\": 5}},\n"
	"     \"depends_on\": {\"before\": [], \"after\": []}, \"force_new\": [],\n"
	"     \"lifecycle\": {\"prevent_destroy\": false, \"allow_zero\": false}}\n"
	"  ]\n"
	"}\n";

/* plan_doc with the first occurrence of from replaced by to (malloc) */
static char *edit(const char *from, const char *to)
{
	const char *p = strstr(plan_doc, from);
	struct sp_sb sb = SP_SB_INIT;
	ck_assert_msg(p != NULL, "'%s' is not in the plan document", from);
	sp_sb_addf(&sb, "%.*s%s%s", (int)(p - plan_doc), plan_doc, to, p + strlen(from));
	return sp_sb_detach(&sb, NULL);
}

/* Decodes plan_doc edited once; returns the code, err filled. */
static int decode_edit(const char *from, const char *to, struct sp_err *err)
{
	struct sp_saved_plan sp;
	char *text = edit(from, to);
	int rc;
	sp_err_clear(err);
	rc = sp_plan_from_json(&sp, text, strlen(text), "p.json", err);
	sp_saved_plan_free(&sp);
	free(text);
	return rc;
}

START_TEST(test_planfile_decode)
{
	struct sp_saved_plan sp;
	struct sp_err err;
	const struct sp_change *c;
	const struct sp_attr *at;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, plan_doc, strlen(plan_doc), "p.json", &err), 0);
	ck_assert_str_eq(sp.spec_name, "shop");
	ck_assert_str_eq(sp.spec_digest, "0123456789abcdef0123456789abcdef01234567");
	ck_assert_str_eq(sp.at, "2027-06");
	ck_assert_double_eq(sp.percentile, 90);
	ck_assert_str_eq(sp.lineage, "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_uint_eq(sp.serial, 7);
	ck_assert_str_eq(sp.state_cfg.backend, "local");
	ck_assert_str_eq(sp.state_cfg.path, "st/state.json");
	ck_assert_str_eq(sp.provider_cfg.kind, "local");
	ck_assert_str_eq(sp.provider_cfg.path, "st/infra");
	ck_assert_str_eq(sp.cost.currency, "USD");
	ck_assert_double_eq(sp.cost.pct[0], 10);
	ck_assert_double_eq(sp.cost.pct[2], 90);
	ck_assert_double_eq(sp.cost.horizon[0], 100.5);
	ck_assert_double_eq(sp.cost.horizon[1], 200);
	ck_assert_double_eq(sp.cost.horizon[2], 300.25);

	ck_assert_uint_eq(sp.diff.n, 5);
	ck_assert_str_eq(addresses(&sp.diff), "cache.pc[r1] service.new[r1] service.old[r1] service.same[r1] "
					      "service.upd[r1]");
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_CREATE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_DELETE], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_NOOP], 1);
	ck_assert_uint_eq(sp.diff.counts[SP_ACT_UPDATE], 1);

	/* ["delete","create"] is a replace; attributes come out sorted, force_new on both sides */
	c = &sp.diff.v[0];
	ck_assert_int_eq(c->action, SP_ACT_REPLACE);
	ck_assert_uint_eq(c->after->nattrs, 2);
	ck_assert_str_eq(c->after->attrs[0].key, "engine");
	ck_assert_str_eq(c->after->attrs[0].s, "memcached");
	ck_assert_int_eq(c->after->attrs[0].force_new, 1);
	ck_assert_str_eq(c->after->attrs[1].key, "nodes");
	ck_assert_int_eq(c->after->attrs[1].force_new, 0);
	ck_assert_int_eq(c->before->attrs[0].force_new, 1);
	ck_assert_str_eq(c->before->attrs[0].s, "redis");
	ck_assert_str_eq(c->after->type, "cache");
	ck_assert_str_eq(c->after->name, "pc");
	ck_assert_str_eq(c->after->region, "r1");

	/* a create: no before; booleans, numbers, sorted dependencies, lifecycle */
	c = &sp.diff.v[1];
	ck_assert_int_eq(c->action, SP_ACT_CREATE);
	ck_assert_ptr_null(c->before);
	ck_assert_uint_eq(c->after->nattrs, 3);
	at = sp_resource_attr(c->after, "spot");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(at->type, SP_ATTR_BOOL);
	ck_assert_double_eq(at->n, 1);
	at = sp_resource_attr(c->after, "ratio");
	ck_assert_int_eq(at->type, SP_ATTR_NUM);
	ck_assert_double_eq(at->n, 0.25);
	ck_assert_uint_eq(c->after->ndeps, 2);
	ck_assert_str_eq(c->after->depends_on[0], "cache.pc[r1]");
	ck_assert_str_eq(c->after->depends_on[1], "service.z[r1]");
	ck_assert_int_eq(c->after->prevent_destroy, 1);
	ck_assert_int_eq(c->after->allow_zero, 1);

	c = &sp.diff.v[2];
	ck_assert_int_eq(c->action, SP_ACT_DELETE);
	ck_assert_ptr_null(c->after);
	ck_assert_uint_eq(c->before->ndeps, 1);
	ck_assert_str_eq(c->before->depends_on[0], "cache.pc[r1]");

	c = &sp.diff.v[4];
	ck_assert_int_eq(c->action, SP_ACT_UPDATE);
	ck_assert_double_eq(sp_resource_attr(c->before, "instances")->n, 3);
	ck_assert_double_eq(sp_resource_attr(c->after, "instances")->n, 5);
	/* a format-1 file says nothing of what was asked: the defaults */
	ck_assert_int_eq(sp.format, 1);
	ck_assert_ptr_null(sp.spec_path);
	ck_assert_int_eq(sp.paths, 0);
	ck_assert_int_eq(sp.has_seed, 0);
	ck_assert_int_eq(sp.refreshed, 1);
	ck_assert_uint_eq(sp.ntargets + sp.nexcludes + sp.nleft_alone, 0);
	ck_assert_int_eq(sp.cost.has_previous, 0);
	ck_assert_str_eq(sp.cost.catalog, "");
	ck_assert_int_eq(sp.diff.v[0].priced, 0);
	sp_saved_plan_free(&sp);

	/* format 2: "2.MINOR" (a minor version only adds keys), and the string "1" of format 1 */
	{
		static const char *const versions[] = { "\"2.0\"", "\"2.13\"", "\"2\"", "\"1\"" };
		static const int majors[] = { 2, 2, 2, 1 };
		for (int i = 0; i < 4; i++) {
			struct sp_sb sb = SP_SB_INIT;
			char *text;
			sp_sb_addf(&sb, "\"format_version\": %s", versions[i]);
			text = edit("\"format_version\": 1", sb.buf);
			sp_sb_release(&sb);
			ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
			ck_assert_int_eq(sp.format, majors[i]);
			sp_saved_plan_free(&sp);
			free(text);
		}
	}
	/* what was asked and what renderers show, when the file has them */
	{
		char *text = edit("\"spec\": \"shop\",",
				  "\"spec\": \"shop\", \"spec_path\": \"specs/shop.yaml\", \"paths\": 50, \"seed\": 7, "
				  "\"refreshed\": false, \"targets\": [\"service\"], \"excludes\": [\"service.x\", "
				  "\"cache\"], \"left_alone\": [\"queue.q[r1]\"],");
		char *t2;
		struct sp_sb sb = SP_SB_INIT;
		t2 = strstr(text, "\"cost\": {\"currency\": \"USD\", ");
		ck_assert_ptr_nonnull(t2);
		sp_sb_add(&sb, text, (size_t)(t2 - text));
		sp_sb_adds(&sb, "\"cost\": {\"currency\": \"USD\", \"catalog\": \"aws\", \"catalog_as_of\": \"2026-06\", "
				"\"monthly_before\": 10, \"monthly_after\": 12.5, \"horizon\": {\"start\": \"2027-01\", "
				"\"end\": \"2027-12\", \"previous\": {\"p10\": 1, \"p50\": 2, \"p90\": 3}, ");
		sp_sb_adds(&sb, strstr(t2, "\"total\""));
		free(text);
		text = sp_sb_detach(&sb, NULL);
		t2 = strstr(text, "\"force_new\": [\"engine\"],");
		ck_assert_ptr_nonnull(t2);
		sp_sb_add(&sb, text, (size_t)(t2 - text));
		sp_sb_adds(&sb, "\"cost\": {\"monthly_before\": 3, \"monthly_after\": 4.25}, ");
		sp_sb_adds(&sb, t2);
		free(text);
		text = sp_sb_detach(&sb, NULL);
		ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
		ck_assert_str_eq(sp.spec_path, "specs/shop.yaml");
		ck_assert_int_eq(sp.paths, 50);
		ck_assert_int_eq(sp.has_seed, 1);
		ck_assert_uint_eq(sp.seed, 7);
		ck_assert_int_eq(sp.refreshed, 0);
		ck_assert_uint_eq(sp.ntargets, 1);
		ck_assert_str_eq(sp.targets[0], "service");
		ck_assert_uint_eq(sp.nexcludes, 2);
		ck_assert_str_eq(sp.excludes[1], "cache");
		ck_assert_uint_eq(sp.nleft_alone, 1);
		ck_assert_str_eq(sp.cost.catalog, "aws");
		ck_assert_str_eq(sp.cost.catalog_as_of, "2026-06");
		ck_assert_double_eq(sp.cost.monthly_before, 10);
		ck_assert_double_eq(sp.cost.monthly_after, 12.5);
		ck_assert_str_eq(sp.cost.horizon_start, "2027-01");
		ck_assert_str_eq(sp.cost.horizon_end, "2027-12");
		ck_assert_int_eq(sp.cost.has_previous, 1);
		ck_assert_double_eq(sp.cost.previous[2], 3);
		ck_assert_int_eq(sp.diff.v[0].priced, 1);
		ck_assert_double_eq(sp.diff.v[0].cost_after, 4.25);
		sp_saved_plan_free(&sp);
		free(text);
	}

	/* no spec name, no state yet */
	ck_assert_int_eq(decode_edit("\"spec\": \"shop\"", "\"spec\": null", &err), 0);
	ck_assert_int_eq(decode_edit("\"lineage\": \"0f8fad5b-d9cb-469f-a165-70867728950e\", \"serial\": 7",
				     "\"lineage\": null, \"serial\": 0", &err),
			 0);
	/* an integer percentile and an empty list of changes */
	{
		const char *text = "{\"format_version\": 1, \"spec_digest\": \"\", \"spec\": null, \"at\": \"2027-01\", "
				   "\"percentile\": 50.5, \"state\": {\"path\": \"s\", \"lineage\": null, \"serial\": 0}, "
				   "\"provider\": {\"path\": \"i\"}, \"resource_changes\": [], \"cost\": {\"currency\": "
				   "\"EUR\", \"horizon\": {\"total\": {\"p5\": 1, \"p50\": 2, \"p95\": 3}}}}";
		ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
		ck_assert_uint_eq(sp.diff.n, 0);
		ck_assert_ptr_null(sp.spec_name);
		ck_assert_str_eq(sp.lineage, "");
		ck_assert_double_eq(sp.percentile, 50.5);
		ck_assert_double_eq(sp.cost.pct[0], 5);
		ck_assert_double_eq(sp.cost.pct[2], 95);
		sp_saved_plan_free(&sp);
	}
}
END_TEST

/* An edit that must be refused with exactly this message. */
static void refused(const char *from, const char *to, const char *msg)
{
	struct sp_err err;
	ck_assert_int_eq(decode_edit(from, to, &err), SP_EINVAL);
	ck_assert_int_eq(err.code, SP_EINVAL);
	ck_assert_str_eq(err.file, "p.json");
	ck_assert_str_eq(err.msg, msg);
}

START_TEST(test_planfile_decode_errors)
{
	struct sp_saved_plan sp;
	struct sp_err err;

	/* format 2 is a string "2.MINOR"; format 1 files wrote the integer 1 */
	refused("\"format_version\": 1", "\"format_version\": 2",
		"plan format 2 is not supported; this scaleplan reads format 2.0 (and 1)");
	refused("\"format_version\": 1", "\"format_version\": 0",
		"plan format 0 is not supported; this scaleplan reads format 2.0 (and 1)");
	refused("\"format_version\": 1", "\"format_version\": \"3.0\"",
		"plan format \"3.0\" is not supported; this scaleplan reads format 2.0 (and 1)");
	refused("\"format_version\": 1", "\"format_version\": \"1.2\"",
		"plan format \"1.2\" is not supported; this scaleplan reads format 2.0 (and 1)");
	refused("\"format_version\": 1", "\"format_version\": \"2.\"",
		"format_version: must be a version like \"2.0\", not \"2.\"");
	refused("\"format_version\": 1", "\"format_version\": \"v2\"",
		"format_version: must be a version like \"2.0\", not \"v2\"");
	refused("\"format_version\": 1", "\"format_version\": 1.0", "format_version: must be a string like \"2.0\"");
	refused("\"format_version\": 1,", "", "format_version: missing");
	/* the optional keys, when present, are checked */
	refused("\"spec\": \"shop\",", "\"spec\": \"shop\", \"paths\": 0,", "paths: must be between 1 and 100000");
	refused("\"spec\": \"shop\",", "\"spec\": \"shop\", \"targets\": [1],", "targets[0]: must be a string");
	refused("\"spec\": \"shop\",", "\"spec\": \"shop\", \"spec_path\": 3,", "spec_path: must be a string");
	refused("\"spec_digest\": \"0123456789abcdef0123456789abcdef01234567\"", "\"spec_digest\": 5",
		"spec_digest: must be a string");
	refused("\"spec\": \"shop\"", "\"spec\": 1", "spec: must be a string");
	refused("\"at\": \"2027-06\",", "", "at: missing");
	refused("\"percentile\": 90", "\"percentile\": \"90\"", "percentile: must be a number");
	refused("\"path\": \"st/state.json\"", "\"path\": null", "state.path: must be a string");
	refused("\"serial\": 7", "\"serial\": -1", "state: serial must not be negative");
	refused("\"serial\": 7", "\"serial\": 7.5", "state.serial: must be an integer");
	refused("\"state\": {", "\"state\": 1, \"x\": {", "state: must be an object");
	refused("\"provider\": {\"kind\": \"local\", \"path\": \"st/infra\"}", "\"provider\": {\"kind\": \"local\"}",
		"provider.path: missing");
	refused("\"currency\": \"USD\"", "\"currency\": false", "cost.currency: must be a string");
	refused("\"p90\": 300.25", "\"p90\": \"x\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused(", \"p90\": 300.25", "", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\": 300.25", "\"p90\": 1, \"p99\": 2",
		"cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\"", "\"p100\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"p90\"", "\"q90\"", "cost.horizon.total: must hold three percentiles like \"p50\": number");
	refused("\"resource_changes\": [", "\"resource_changes\": {\"a\": 1}, \"x\": [",
		"resource_changes: must be an array");

	/* each change: the JSON path of the bad value */
	refused("\"after\": {\"nodes\": 3, \"engine\": \"memcached\"}", "\"after\": {\"nodes\": [3], \"engine\": \"m\"}",
		"resource_changes[0].change.after.nodes: must be a string, a number or a boolean, not an array");
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": null}",
		"resource_changes[4].change.after.instances: must be a string, a number or a boolean, not null");
	refused("\"before\": {\"engine\": \"redis\", \"nodes\": 2}", "\"before\": {\"engine\": {}}",
		"resource_changes[0].change.before.engine: must be a string, a number or a boolean, not an object");
	refused("\"before\": {\"engine\": \"redis\", \"nodes\": 2}", "\"before\": [1]",
		"resource_changes[0].change.before: must be an object");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": [\"create\", \"delete\"]",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": [\"replace\"]",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": []",
		"resource_changes[0].change: actions: not one of [\"no-op\"], [\"create\"], [\"update\"], [\"delete\"], "
		"[\"delete\",\"create\"]");
	refused("\"actions\": [\"delete\", \"create\"]", "\"actions\": \"delete\"",
		"resource_changes[0].change.actions: must be an array");
	/* before and after must fit the actions */
	refused("\"actions\": [\"create\"], \"before\": null", "\"actions\": [\"create\"], \"before\": {}",
		"resource_changes[1].change: before and after do not fit the actions");
	refused("\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": null",
		"\"actions\": [\"delete\"], \"before\": {\"instances\": 1}, \"after\": {}",
		"resource_changes[2].change: before and after do not fit the actions");
	refused("\"actions\": [\"update\"], \"before\": {\"instances\": 3}",
		"\"actions\": [\"update\"], \"before\": null",
		"resource_changes[4].change: before and after do not fit the actions");
	refused("\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": {\"instances\": 1}",
		"\"actions\": [\"no-op\"], \"before\": {\"instances\": 1}, \"after\": null",
		"resource_changes[3].change: before and after do not fit the actions");
	refused("\"actions\": [\"delete\", \"create\"], \"before\": {\"engine\": \"redis\", \"nodes\": 2}",
		"\"actions\": [\"delete\", \"create\"], \"before\": null",
		"resource_changes[0].change: before and after do not fit the actions");
	/* addresses */
	refused("\"address\": \"service.new[r1]\", \"type\": \"service\"",
		"\"address\": \"service.new[r1]\", \"type\": \"cache\"",
		"resource_changes[1]: address 'service.new[r1]' does not match its type, name and region");
	refused("\"address\": \"service.new[r1]\"", "\"address\": \"service/new\"",
		"resource_changes[1]: address 'service/new' does not match its type, name and region");
	refused("\"address\": \"service.upd[r1]\", \"type\": \"service\", \"name\": \"upd\"",
		"\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\"",
		"resource_changes[4]: resource changes must be sorted by address, each address once");
	refused("\"address\": \"service.same[r1]\", \"type\": \"service\", \"name\": \"same\"",
		"\"address\": \"service.old[r1]\", \"type\": \"service\", \"name\": \"old\"",
		"resource_changes[3]: resource changes must be sorted by address, each address once");
	refused("\"address\": \"service.new[r1]\", \"type\": \"service\", \"name\": \"new\"",
		"\"address\": \"cache.new[r1]\", \"type\": \"cache\", \"name\": \"new\"",
		"resource_changes[1]: resource changes must be sorted by address, each address once");
	refused("\"region\": \"r1\",\n     \"change\": {\"actions\": [\"create\"]",
		"\"change\": {\"actions\": [\"create\"]", "resource_changes[1].region: missing");
	/* the rest of a change */
	refused("\"lifecycle\": {\"prevent_destroy\": true", "\"lifecycle\": {\"prevent_destroy\": \"yes\"",
		"resource_changes[1].lifecycle.prevent_destroy: must be a boolean");
	refused("\"prevent_destroy\": true, \"allow_zero\": true", "\"prevent_destroy\": true",
		"resource_changes[1].lifecycle.allow_zero: missing");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": \"engine\"", "resource_changes[0].force_new: must be an array");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": null",
		"resource_changes[1].depends_on.after: must be an array");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": [\"service.z[r1]\", 3]",
		"resource_changes[1].depends_on.after[1]: must be a string, not an integer");
	refused("\"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, ",
		"", "resource_changes[2].depends_on: missing");
	refused("{\"address\": \"service.old[r1]\"", "7, {\"address\": \"service.old[r1]\"",
		"resource_changes[2]: must be an object");

	/* a resource's attributes, force_new and depends_on follow the resource
	 * codec's rules, as in the state: no integer beyond 2^53 (a double would
	 * not hold it), no empty key, force_new naming attributes, each once,
	 * and dependencies that are addresses */
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 9007199254740993}",
		"resource_changes[4].change.after.instances: 9007199254740993 is beyond 2^53, where numbers lose "
		"precision (write it as a real, like 1.2e17)");
	refused("\"before\": {\"instances\": 3}", "\"before\": {\"instances\": -9007199254740993}",
		"resource_changes[4].change.before.instances: -9007199254740993 is beyond 2^53, where numbers lose "
		"precision (write it as a real, like 1.2e17)");
	refused("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 5, \"\": 1}",
		"resource_changes[4].change.after[\"\"]: an attribute key must not be empty");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engines\"]",
		"resource_changes[0].force_new[0]: 'engines' is not one of the resource's attributes");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engine\", 1]",
		"resource_changes[0].force_new[1]: must be a string, not an integer");
	refused("\"force_new\": [\"engine\"]", "\"force_new\": [\"engine\", \"engine\"]",
		"resource_changes[0].force_new[1]: 'engine' is listed twice");
	refused("\"after\": [\"service.z[r1]\", \"cache.pc[r1]\"]", "\"after\": [\"service.z[r1]\", \"cache/pc\"]",
		"resource_changes[1].depends_on.after[1]: 'cache/pc' is not a resource address (like "
		"service.web-api[us-east-1])");
	refused("\"before\": [\"cache.pc[r1]\"]", "\"before\": [\"\"]",
		"resource_changes[2].depends_on.before[0]: '' is not a resource address (like "
		"service.web-api[us-east-1])");
	/* 2^53 itself is exact, and a force_new of a delete names its before */
	ck_assert_int_eq(decode_edit("\"after\": {\"instances\": 5}", "\"after\": {\"instances\": 9007199254740992}", &err),
			 0);
	{
		char *text = edit("\"after\": null},\n     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, "
				  "\"force_new\": []",
				  "\"after\": null},\n     \"depends_on\": {\"before\": [\"cache.pc[r1]\"], \"after\": null}, "
				  "\"force_new\": [\"instances\"]");
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, text, strlen(text), "p.json", &err), 0);
		ck_assert_int_eq(sp.diff.v[2].action, SP_ACT_DELETE);
		ck_assert_int_eq(sp.diff.v[2].before->attrs[0].force_new, 1);
		sp_saved_plan_free(&sp);
		free(text);
	}

	/* the top level */
	{
		static const char *const arr = "[1, 2]\n";
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, arr, strlen(arr), "p.json", &err), SP_EINVAL);
		ck_assert_str_eq(err.msg, "not a plan file: the top level must be an object");
		sp_saved_plan_free(&sp);
	}
	/* jansson's syntax errors carry the line and the column */
	{
		static const char *const bad = "{\n  \"format_version\": 1,\n  \"spec\": nul\n}\n";
		sp_err_clear(&err);
		ck_assert_int_eq(sp_plan_from_json(&sp, bad, strlen(bad), "p.json", &err), SP_EINVAL);
		ck_assert_str_eq(err.file, "p.json");
		ck_assert_int_eq(err.line, 3);
		ck_assert_int_gt(err.col, 0);
		ck_assert_msg(!strncmp(err.msg, "not a plan file: ", 17), "%s", err.msg);
		sp_saved_plan_free(&sp);
	}
	sp_err_clear(&err);
	ck_assert_int_eq(decode_edit("\"spec\": \"shop\",", "\"spec\": \"shop\", \"spec\": \"x\",", &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 4);
	ck_assert_ptr_nonnull(strstr(err.msg, "duplicate"));
	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, "", 0, "p.json", &err), SP_EINVAL);
	ck_assert_msg(!strncmp(err.msg, "not a plan file: ", 17), "%s", err.msg);
	sp_saved_plan_free(&sp);
	/* truncated: a syntax error, never half a plan */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_plan_from_json(&sp, plan_doc, strlen(plan_doc) / 2, "p.json", &err), SP_EINVAL);
	ck_assert_int_gt(err.line, 1);
	sp_saved_plan_free(&sp);
}
END_TEST

START_TEST(test_planfile_round_trip_values)
{
	struct sp_arena a;
	struct sp_resource_set cur, want;
	struct sp_diags dg;
	struct sp_diff d;
	struct sp_resource r;
	struct mini_plan m;
	struct sp_saved_plan sp;
	struct sp_err err;
	char *one = NULL, *two = NULL;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	set_init(&a, &cur);
	set_init(&a, &want);
	/* every kind of value: text with quotes, a backslash and non-ASCII
	 * characters, booleans, fractions, negatives, a large whole number */
	r = mkres(&a, "service", "api", "eu-west-1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", 3);
	add_bool(&r, "spot", 0);
	add_str(&r, "note", "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
	add_num(&r, "ratio", 0.125);
	add_num(&r, "offset", -2.5);
	add_num(&r, "big", 4503599627370496.0);
	add_dep(&r, "datastore.db[eu-west-1]");
	set_add(&cur, r);
	r = mkres(&a, "service", "api", "eu-west-1");
	add_str(&r, "instance_type", "m7i.large");
	add_num(&r, "instances", 0);
	add_bool(&r, "spot", 1);
	add_str(&r, "note", "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
	add_num(&r, "ratio", 0.1);
	add_num(&r, "offset", -1e-3);
	add_num(&r, "big", 4503599627370497.0);
	add_dep(&r, "datastore.db[eu-west-1]");
	add_dep(&r, "cache.c[eu-west-1]");
	r.allow_zero = 1;
	set_add(&want, r);
	/* a replace with a protected before (the spec lifted it, and the state
	 * still records it: an error too, the diff filled) */
	r = mkres(&a, "datastore", "db", "eu-west-1");
	add_str(&r, "engine", "postgres")->force_new = 1;
	add_num(&r, "nodes", 2);
	r.prevent_destroy = 1;
	set_add(&cur, r);
	r = mkres(&a, "datastore", "db", "eu-west-1");
	add_str(&r, "engine", "mysql")->force_new = 1;
	add_num(&r, "nodes", 2);
	add_bool(&r, "multi_az", 1);
	set_add(&want, r);
	/* a delete of a protected one (an error, but the diff is filled) and a create */
	r = svc(&a, "gone", 1);
	r.prevent_destroy = 1;
	add_dep(&r, "datastore.db[eu-west-1]");
	set_add(&cur, r);
	r = mkres(&a, "cache", "c", "eu-west-1");
	add_str(&r, "engine", "redis")->force_new = 1;
	add_num(&r, "nodes", 1);
	set_add(&want, r);
	set_add(&cur, svc(&a, "same", 2));
	set_add(&want, svc(&a, "same", 2));

	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), -1);
	ck_assert_uint_eq(dg.nerrors, 2);
	mini_plan_init(&m, &d);
	const char *targets[] = { "service", "datastore.db" }, *excludes[] = { "cache.x[r1]" };
	m.p.targets = targets;
	m.p.ntargets = 2;
	m.p.excludes = excludes;
	m.p.nexcludes = 1;

	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &two, &err), 0);
	ck_assert_str_eq(one, two);
	/* each change carries the cost the plan priced it at */
	ck_assert_ptr_nonnull(strstr(one, "\"monthly_before\": "));
	ck_assert_int_eq(one[strlen(one) - 1], '\n');
	ck_assert_int_ne(one[strlen(one) - 2], '\n');
	/* ASCII only, two-space indentation */
	for (const char *p = one; *p; p++)
		ck_assert_int_lt((unsigned char)*p, 0x80);
	ck_assert_int_eq(strncmp(one, "{\n  \"format_version\": \"2.0\",\n", 29), 0);
	/* Terraform's keys: mode, index and provider_name of each change, planned_values, prior_state */
	ck_assert_ptr_nonnull(strstr(one, "\"mode\": \"managed\","));
	ck_assert_ptr_nonnull(strstr(one, "\"provider_name\": \"scaleplan/local\","));
	ck_assert_ptr_nonnull(strstr(one, "\"planned_values\": {\n    \"root_module\": {\n      \"resources\": ["));
	ck_assert_ptr_nonnull(strstr(one, "\"prior_state\": {\n    \"format_version\": \"1.0\","));
	ck_assert_ptr_nonnull(strstr(one, "\"actions\": [\n          \"delete\",\n          \"create\"\n        ]"));
	ck_assert_ptr_nonnull(strstr(one, "\"percentile\": 90,"));
	ck_assert_ptr_nonnull(strstr(one, "\"monthly_delta\": 10.38,"));
	ck_assert_ptr_nonnull(strstr(one, "\"p10\": 1000,"));
	ck_assert_ptr_nonnull(strstr(one, "\"p90\": 433.33"));   /* the delta to the state's cost */

	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	expect_same_diff(&d, &sp.diff);
	ck_assert_str_eq(sp.spec_name, "shop");
	ck_assert_str_eq(sp.spec_digest, "89abcdef0123456789abcdef0123456789abcdef");
	ck_assert_str_eq(sp.at, "2027-09");
	ck_assert_double_eq(sp.percentile, 90);
	ck_assert_str_eq(sp.lineage, "0f8fad5b-d9cb-469f-a165-70867728950e");
	ck_assert_uint_eq(sp.serial, 12);
	ck_assert_str_eq(sp.state_cfg.path, "x/state.json");
	ck_assert_str_eq(sp.provider_cfg.path, "x/infra");
	ck_assert_str_eq(sp.cost.currency, "USD");
	ck_assert_double_eq(sp.cost.pct[1], 50);
	ck_assert_double_eq(sp.cost.horizon[0], 1000);
	ck_assert_double_eq(sp.cost.horizon[1], 2000.5);
	ck_assert_double_eq(sp.cost.horizon[2], 3333.33);
	{
		const struct sp_change *c = find_change(&sp.diff, "service.api[eu-west-1]");
		const struct sp_attr *note = sp_resource_attr(c->after, "note");
		ck_assert_str_eq(note->s, "say \"hi\" \\ caf\xc3\xa9 \xe2\x82\xac");
		ck_assert_double_eq(sp_resource_attr(c->after, "big")->n, 4503599627370497.0);
		ck_assert_double_eq(sp_resource_attr(c->after, "offset")->n, -1e-3);
		ck_assert_int_eq(sp_resource_attr(c->after, "spot")->type, SP_ATTR_BOOL);
		ck_assert_int_eq(c->after->allow_zero, 1);
		c = find_change(&sp.diff, "datastore.db[eu-west-1]");
		ck_assert_int_eq(c->action, SP_ACT_REPLACE);
		ck_assert_int_eq(sp_resource_attr(c->after, "engine")->force_new, 1);
		ck_assert_int_eq(sp_resource_attr(c->after, "nodes")->force_new, 0);
	}
	sp_saved_plan_free(&sp);

	/* with no state yet: lineage null, serial 0, no previous cost */
	free(one);
	m.st.serial = 0;
	m.st.cost.present = 0;
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_ptr_nonnull(strstr(one, "\"lineage\": null,"));
	ck_assert_ptr_nonnull(strstr(one, "\"previous\": null,"));
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	ck_assert_str_eq(sp.lineage, "");
	ck_assert_uint_eq(sp.serial, 0);
	expect_same_diff(&d, &sp.diff);
	sp_saved_plan_free(&sp);

	free(one);
	free(two);
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* The plan document writes a resource's attributes with the resource codec,
 * as the state does: 2^53 is still a whole number (an integer, as in the
 * state), and what JSON cannot hold is refused, naming the resource. */
START_TEST(test_planfile_encode_attributes)
{
	struct sp_arena a;
	struct sp_diags dg;
	struct sp_err err;
	char *one = NULL;

	sp_arena_init(&a);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	struct sp_resource_set cur, want;
	set_init(&a, &cur);
	set_init(&a, &want);
	struct sp_resource r = svc(&a, "api", 2);
	add_num(&r, "big", 9007199254740992.0);
	add_num(&r, "small", -9007199254740992.0);
	add_num(&r, "past", 9007199254740994.0);
	set_add(&want, r);
	struct sp_diff d;
	ck_assert_int_eq(sp_diff_build(&d, &a, &want, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	struct mini_plan m;
	mini_plan_init(&m, &d);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), 0);
	ck_assert_ptr_nonnull(strstr(one, "\"big\": 9007199254740992,"));
	ck_assert_ptr_nonnull(strstr(one, "\"small\": -9007199254740992\n"));
	ck_assert_ptr_nonnull(strstr(one, "\"past\": 9007199254740994.0,"));
	struct sp_saved_plan sp;
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "big")->n, 9007199254740992.0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "small")->n, -9007199254740992.0);
	ck_assert_double_eq(sp_resource_attr(sp.diff.v[0].after, "past")->n, 9007199254740994.0);
	sp_saved_plan_free(&sp);
	free(one);

	/* a number JSON cannot hold, a string that is not UTF-8 (the diff's
	 * after is the desired resource itself, want.v[0]; "big" sorts first) */
	ck_assert_ptr_eq(d.v[0].after, &want.v[0]);
	ck_assert_str_eq(want.v[0].attrs[0].key, "big");
	want.v[0].attrs[0].n = NAN;
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), SP_EINVAL);
	ck_assert_ptr_null(one);
	ck_assert_str_eq(err.file, "service.api[r1]");
	ck_assert_str_eq(err.msg, "attribute 'big' is nan, which JSON cannot hold");
	want.v[0].attrs[0].n = 1;
	add_str(&want.v[0], "note", "caf\xe9");
	sp_resource_sort(&want.v[0]);
	ck_assert_int_eq(sp_plan_to_json(&m.p, &one, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "attribute 'note' is not valid UTF-8");
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

/* A small spec with every resource type but GPUs: calls, a cache, a
 * sharded datastore, a queue and a worker, a second region that starts
 * later, and lifecycle settings. */
static const char shop_spec[] =
	"scaleplan: 1\n"
	"name: shop\n"
	"horizon: {start: 2027-01, months: 24}\n"
	"currency: USD\n"
	"drivers:\n"
	"  mau:\n"
	"    start: 150000\n"
	"    model: logistic\n"
	"    monthly_growth: 0.09\n"
	"    ceiling: 4000000\n"
	"    uncertainty: {p10: 0.7, p90: 1.5}\n"
	"regions:\n"
	"  - {name: us-east-1, zones: 3, share: 1.0}\n"
	"  - {name: eu-west-1, zones: 3, share: 0.35, from: 2028-01}\n"
	"services:\n"
	"  web-api:\n"
	"    class: web\n"
	"    demand: {driver: mau, requests_per_unit_per_day: 40, peak_to_average: 3.0}\n"
	"    work: {cpu_ms_per_request: 18}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 250}}\n"
	"    scaling: {target_utilization: 0.5, min: 3, max: 400}\n"
	"    calls:\n"
	"      - {to: feed, per_request: 0.6}\n"
	"  feed:\n"
	"    class: web\n"
	"    work: {cpu_ms_per_request: 12}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 200}}\n"
	"    scaling: {min: 3, max: 300}\n"
	"    calls:\n"
	"      - {to: catalog, per_request: 2.0, via_cache: product-cache}\n"
	"      - {to: orders-db, reads_per_request: 1}\n"
	"    lifecycle: {allow_zero: true}\n"
	"  catalog:\n"
	"    class: web\n"
	"    work: {cpu_ms_per_request: 8}\n"
	"    instance: m7i.large\n"
	"    slo: {latency: {quantile: 0.99, ms: 150}}\n"
	"    scaling: {min: 3, max: 200}\n"
	"    calls:\n"
	"      - {to: orders-db, reads_per_request: 3, writes_per_request: 0.5}\n"
	"  mailer:\n"
	"    class: worker\n"
	"    work: {cpu_ms_per_request: 30}\n"
	"    instance: m7i.large\n"
	"    scaling: {target_utilization: 0.7, min: 1, max: 50}\n"
	"caches:\n"
	"  product-cache:\n"
	"    engine: redis\n"
	"    node: cache.r6g.large\n"
	"    hit_rate: 0.7\n"
	"    working_set_gb: 6\n"
	"    ops_per_s_per_node: 120000\n"
	"datastores:\n"
	"  orders-db:\n"
	"    engine: postgres\n"
	"    instance: db.r6g.xlarge\n"
	"    write_tps_per_node: 8000\n"
	"    read_qps_per_replica: 20000\n"
	"    multi_az: true\n"
	"    min_replicas: 1\n"
	"    storage: {start_gb: 200, gb_per_unit_month: 0.00004, driver: mau}\n"
	"    sharding: {key: tenant_id, strategy: hash, max_gb_per_shard: 2000}\n"
	"    lifecycle: {prevent_destroy: true}\n"
	"queues:\n"
	"  emails: {from: web-api, per_request: 0.01, worker: mailer, max_backlog_age_s: 300}\n";


START_TEST(test_planfile_round_trip_spec)
{
	const char *src = getenv("SP_SRCDIR");
	char catpath[512];
	struct sp_spec *spec = NULL;
	struct sp_graph *g = NULL;
	struct sp_catalog *cat = NULL;
	struct sp_forecast *f = NULL;
	struct sp_forecast_opts fo;
	struct sp_diags dg;
	struct sp_err err;
	struct sp_arena a;
	struct sp_resource_set month0, month15, cur;
	struct sp_diff d;
	struct sp_plan p;
	struct sp_state_cfg scfg;
	struct sp_provider_cfg pcfg;
	struct sp_state st;
	struct sp_saved_plan sp;
	char *one = NULL, *two = NULL;
	int nforce = 0, ndeps = 0, nbool = 0;

	ck_assert_msg(src != NULL, "SP_SRCDIR is not set (run the tests with SP_SRCDIR=<source tree>)");
	snprintf(catpath, sizeof(catpath), "%s/catalogs/aws-us-east-1.json", src);
	sp_diags_init(&dg);
	sp_err_clear(&err);
	sp_arena_init(&a);
	ck_assert_int_eq(sp_spec_load_string(&spec, "shop.yaml", shop_spec, strlen(shop_spec), &dg), 0);
	ck_assert_int_eq(sp_graph_build(&g, spec, &dg), 0);
	ck_assert_int_eq(sp_catalog_load(&cat, catpath, NULL, &err), 0);
	memset(&fo, 0, sizeof(fo));
	fo.paths = 20;
	fo.seed = 7;
	fo.threads = 1;
	ck_assert_int_eq(sp_forecast_run(&f, spec, g, cat, &fo, &dg), 0);
	ck_assert_uint_eq(f->npcts, 3);

	/* current: month 0 (one region), drifted; desired: month 15 (both regions) */
	ck_assert_int_eq(sp_desired_build(&month0, &a, spec, g, f, 0, 1), 0);
	ck_assert_int_eq(sp_desired_build(&month15, &a, spec, g, f, 15, 1), 0);
	ck_assert_int_eq(sp_desired_build(&cur, &a, spec, g, f, 99, 1), SP_EINVAL);
	ck_assert_uint_gt(month15.n, month0.n);
	set_init(&a, &cur);
	cur.v = SP_NEWN(&a, struct sp_resource, month0.n + 1);
	for (size_t i = 0; i < month0.n; i++) {
		const struct sp_resource *r = &month0.v[i];
		if (!strcmp(r->type, "cache"))
			cur.v[cur.n++] = with_attr(&a, r, "engine", "memcached", 0);   /* a replace */
		else if (!strcmp(r->type, "service") && !strcmp(r->name, "mailer"))
			cur.v[cur.n++] = with_attr(&a, r, "instances", NULL, 1234);     /* an update down */
		else
			cur.v[cur.n++] = *r;
	}
	{
		struct sp_resource r = svc(&a, "legacy", 2);
		r.region = "us-east-1";
		r.address = "service.legacy[us-east-1]";
		add_dep(&r, "datastore.orders-db[us-east-1]");
		cur.v[cur.n++] = r;                                             /* a delete */
	}
	sp_resource_set_sort(&cur);
	ck_assert_int_eq(sp_diff_build(&d, &a, &month15, &cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	ck_assert_uint_gt(d.counts[SP_ACT_CREATE], 0);
	ck_assert_uint_gt(d.counts[SP_ACT_UPDATE], 0);
	ck_assert_uint_eq(d.counts[SP_ACT_REPLACE], 1);
	ck_assert_uint_eq(d.counts[SP_ACT_DELETE], 1);
	for (size_t i = 0; i < d.n; i++) {
		const struct sp_resource *r = d.v[i].after ? d.v[i].after : d.v[i].before;
		ndeps += r->ndeps > 0;
		for (size_t k = 0; k < r->nattrs; k++) {
			nforce += r->attrs[k].force_new;
			nbool += r->attrs[k].type == SP_ATTR_BOOL;
		}
	}
	ck_assert_int_gt(nforce, 0);
	ck_assert_int_gt(ndeps, 0);
	ck_assert_int_gt(nbool, 0);

	/* the plan as sp_plan_make leaves it */
	memset(&p, 0, sizeof(p));
	memset(&st, 0, sizeof(st));
	st.lineage = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
	st.serial = 3;
	p.spec = spec;
	p.graph = g;
	p.catalog = cat;
	p.forecast = f;
	p.state = &st;
	snprintf(p.spec_digest, sizeof(p.spec_digest), "%s", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	snprintf(p.at, sizeof(p.at), "%s", "2028-04");
	p.month = 15;
	p.pct = 1;
	p.lo = 0;
	p.mid = 1;
	p.hi = 2;
	p.refreshed = 1;
	sp_state_cfg_init(&scfg, NULL, NULL);
	sp_provider_cfg_init(&pcfg);
	p.state_cfg = &scfg;
	p.provider_cfg = &pcfg;
	p.current = cur;
	p.desired = month15;
	p.diff = d;
	p.cost_before = 1500.5;
	p.cost_after = 2500.25;

	ck_assert_int_eq(sp_plan_to_json(&p, &one, &err), 0);
	ck_assert_int_eq(sp_plan_to_json(&p, &two, &err), 0);
	ck_assert_str_eq(one, two);
	ck_assert_ptr_nonnull(strstr(one, "\"catalog\": \"aws-us-east-1\","));
	ck_assert_ptr_nonnull(strstr(one, "\"paths\": 20,"));
	ck_assert_ptr_nonnull(strstr(one, "\"seed\": 7,"));
	ck_assert_int_eq(sp_plan_from_json(&sp, one, strlen(one), "plan.json", &err), 0);
	expect_same_diff(&d, &sp.diff);
	/* an update or a replace read back shows what it changes, as the plan did (comment --plan) */
	{
		struct sp_plan_view v1, v2;
		struct sp_sb m1 = SP_SB_INIT, m2 = SP_SB_INIT;
		size_t nupd = 0;
		for (size_t i = 0; i < d.n; i++) {
			const struct sp_change *x = &d.v[i], *y = &sp.diff.v[i];
			if (x->action != SP_ACT_UPDATE && x->action != SP_ACT_REPLACE)
				continue;
			nupd++;
			ck_assert_uint_gt(x->nattrs, 0);
			ck_assert_uint_eq(y->nattrs, x->nattrs);
			for (size_t k = 0; k < x->nattrs; k++) {
				ck_assert_str_eq(y->attrs[k].key, x->attrs[k].key);
				ck_assert_int_eq(y->attrs[k].forces_replace, x->attrs[k].forces_replace);
				ck_assert_int_eq(!y->attrs[k].before, !x->attrs[k].before);
				ck_assert_int_eq(!y->attrs[k].after, !x->attrs[k].after);
			}
		}
		ck_assert_uint_gt(nupd, 1);
		memset(&v1, 0, sizeof(v1));
		v1.title = "shop";
		v1.at = "2028-04";
		v1.percentile = 50;
		v2 = v1;
		v1.diff = &d;
		v2.diff = &sp.diff;
		sp_render_plan_markdown(&m1, &v1, SP_PLAN_MARKDOWN_MAX);
		sp_render_plan_markdown(&m2, &v2, SP_PLAN_MARKDOWN_MAX);
		ck_assert_ptr_nonnull(strstr(m1.buf, "| 🟡 update | `service.mailer[us-east-1]` | instances 1234 → "));
		ck_assert_ptr_nonnull(strstr(m1.buf, "-     instances = 1234\n"));
		ck_assert_str_eq(m2.buf, m1.buf);
		sp_sb_release(&m1);
		sp_sb_release(&m2);
	}
	ck_assert_str_eq(sp.spec_digest, p.spec_digest);
	ck_assert_str_eq(sp.lineage, "7c9e6679-7425-40de-944b-e07fc1f90ae7");
	ck_assert_uint_eq(sp.serial, 3);
	ck_assert_double_eq(sp.percentile, 50);
	for (int i = 0; i < 3; i++)
		ck_assert_double_eq_tol(sp.cost.horizon[i], f->horizon_total[i], 0.0051);
	sp_saved_plan_free(&sp);

	free(one);
	free(two);
	sp_forecast_free(f);
	sp_catalog_free(cat);
	sp_graph_free(g);
	sp_spec_free(spec);
	sp_diags_free(&dg);
	sp_arena_free(&a);
}
END_TEST

Suite *suite_planfile(void)
{
	Suite *s = suite_create("planfile");
	TCase *tc = tcase_create("planfile");

	tcase_add_test(tc, test_planfile_decode);
	tcase_add_test(tc, test_planfile_decode_errors);
	tcase_add_test(tc, test_planfile_round_trip_values);
	tcase_add_test(tc, test_planfile_encode_attributes);
	tcase_add_test(tc, test_planfile_round_trip_spec);
	suite_add_tcase(s, tc);
	return s;
}
