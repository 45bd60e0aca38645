/* Price catalogs: the shipped catalog's reference prices (docs/catalog.md), the
 * lookups, egress tiers, and every way a catalog file can be wrong. Bad
 * catalogs are written to a fresh temporary directory per test. */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "model/catalog.h"
#include "providers/catalog.h"

Suite *suite_catalog(void);

static char tmpdir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void setup(void)
{
	const char *base = getenv("TMPDIR");
	int n = snprintf(tmpdir, sizeof(tmpdir), "%s/sp-catalog-XXXXXX", base && *base ? base : "/tmp");
	ck_assert(n > 0 && (size_t)n < sizeof(tmpdir));
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("SCALEPLAN_CATALOG_PATH");
}

static void teardown(void)
{
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("SCALEPLAN_CATALOG_PATH");
}

/* Writes text to <tmpdir>/<rel> (making one level of directory) and returns the path in buf. */
static const char *write_file(char *buf, size_t size, const char *rel, const char *text)
{
	char dir[PATH_MAX];
	const char *slash = strchr(rel, '/');
	if (slash) {
		snprintf(dir, sizeof(dir), "%s/%.*s", tmpdir, (int)(slash - rel), rel);
		mkdir(dir, 0700);
	}
	snprintf(buf, size, "%s/%s", tmpdir, rel);
	FILE *f = fopen(buf, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static const char *srcdir_catalogs(char *buf, size_t size)
{
	const char *src = getenv("SP_SRCDIR");
	ck_assert_msg(src != NULL, "SP_SRCDIR is not set (run the tests with SP_SRCDIR=<source tree>)");
	snprintf(buf, size, "%s/catalogs", src);
	return buf;
}

/* A small valid catalog; its SKUs are deliberately not sorted. Line numbers
 * matter to the tests below. */
static const char base[] =
	"{\n"
	"  \"format\": \"scaleplan-catalog\",\n"
	"  \"version\": 1,\n"
	"  \"name\": \"test\",\n"
	"  \"currency\": \"USD\",\n"
	"  \"as_of\": \"2026-06\",\n"
	"  \"source\": \"unit test\",\n"
	"  \"hours_per_month\": 730,\n"
	"  \"spot_discount\": 0.6,\n"
	"  \"storage\": {\"block_gb_month\": 0.08, \"object_gb_month\": 0.023, \"database_gb_month\": 0.115},\n"
	"  \"transfer\": {\"cross_az_gb\": 0.01, \"cross_region_gb\": 0.02, \"egress_free_gb\": 100,\n"
	"    \"egress_tiers\": [{\"up_to_gb\": 10240, \"price_per_gb\": 0.09}, {\"price_per_gb\": 0.05}]},\n"
	"  \"gpus\": [{\"name\": \"h100\", \"peak_tflops\": 989, \"sku\": \"p5.48xlarge\"}],\n"
	"  \"skus\": [\n"
	"    {\"name\": \"m7i.large\", \"kind\": \"compute\", \"vcpus\": 2, \"memory_gib\": 8, \"on_demand_hourly\": 0.1008, "
	"\"commit_1y_hourly\": 0.0655, \"commit_3y_hourly\": 0.0398},\n"
	"    {\"name\": \"cache.r6g.large\", \"kind\": \"cache\", \"vcpus\": 2, \"memory_gib\": 13.07, \"on_demand_hourly\": 0.206, "
	"\"commit_1y_hourly\": null, \"commit_3y_hourly\": null},\n"
	"    {\"name\": \"p5.48xlarge\", \"kind\": \"gpu\", \"vcpus\": 192, \"memory_gib\": 2048, \"gpus\": 8, \"gpu_model\": \"h100\", "
	"\"on_demand_hourly\": 55.04, \"commit_1y_hourly\": 35.78, \"commit_3y_hourly\": 20.7, \"spot_hourly\": 30}\n"
	"  ]\n"
	"}\n";

/* base with `from` (which must occur exactly once) replaced by `to`; the caller frees. */
static char *variant(const char *from, const char *to)
{
	const char *p = strstr(base, from);
	ck_assert_msg(p != NULL, "'%s' is not in the base catalog", from);
	ck_assert_msg(strstr(p + 1, from) == NULL, "'%s' occurs more than once in the base catalog", from);
	size_t n = strlen(base) - strlen(from) + strlen(to) + 1;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "%.*s%s%s", (int)(p - base), base, to, p + strlen(from));
	return s;
}

static void pos_of(const char *text, const char *at, int *line, int *col)
{
	const char *p = strstr(text, at), *bol = text;
	ck_assert_msg(p != NULL, "marker '%s' is not in the text", at);
	*line = 1;
	for (const char *q = text; q < p; q++)
		if (*q == '\n') {
			(*line)++;
			bol = q + 1;
		}
	*col = (int)(p - bol) + 1;
}

/* ---- the shipped catalog ---------------------------------------------------------------------- */

START_TEST(test_shipped_prices)
{
	char dir[PATH_MAX];
	struct sp_catalog *c = NULL;
	struct sp_err err;
	const struct sp_sku *s;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_catalog_load(&c, "aws-us-east-1", srcdir_catalogs(dir, sizeof(dir)), &err), 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->name, "aws-us-east-1");
	ck_assert_str_eq(c->currency, "USD");
	ck_assert_str_eq(c->as_of, "2026-06");
	ck_assert_ptr_nonnull(strstr(c->source, "aws.amazon.com/ec2/pricing"));
	ck_assert_double_eq(c->hours_per_month, 730);
	ck_assert(c->spot_discount > 0.5 && c->spot_discount < 0.9);

	/* docs/catalog.md, reference figures */
	s = sp_catalog_sku(c, "m7i.large");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->kind, SP_SKU_COMPUTE);
	ck_assert_double_eq(s->vcpus, 2);
	ck_assert_double_eq(s->memory_gib, 8);
	ck_assert_double_eq_tol(s->on_demand_hourly, 0.1008, 1e-12);
	ck_assert_double_eq_tol(s->commit_3y_hourly, 0.0398, 1e-12);
	s = sp_catalog_sku(c, "p5.48xlarge");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->kind, SP_SKU_GPU);
	ck_assert_int_eq(s->gpus, 8);
	ck_assert_str_eq(s->gpu_model, "h100");
	ck_assert_double_eq_tol(s->on_demand_hourly, 55.04, 1e-12);
	ck_assert_double_eq_tol(s->commit_3y_hourly, 20.70, 1e-12);
	s = sp_catalog_sku(c, "g6.xlarge");
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq_tol(s->on_demand_hourly, 0.8048, 1e-12);
	ck_assert_str_eq(s->gpu_model, "l4");
	s = sp_catalog_sku(c, "g5.xlarge");
	ck_assert_ptr_nonnull(s);
	ck_assert_double_eq_tol(s->on_demand_hourly, 1.006, 1e-12);
	ck_assert_str_eq(s->gpu_model, "a10g");
	s = sp_catalog_sku(c, "cache.r6g.large");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->kind, SP_SKU_CACHE);
	ck_assert_double_eq_tol(s->on_demand_hourly, 0.206, 0.0005);
	s = sp_catalog_sku(c, "db.r6g.xlarge");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->kind, SP_SKU_DATABASE);
	ck_assert(s->on_demand_hourly >= 0.43 && s->on_demand_hourly <= 0.48);
	s = sp_catalog_sku(c, "dynamodb.on-demand");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(s->kind, SP_SKU_DATABASE);
	ck_assert(s->on_demand_hourly > 0);
	ck_assert_double_eq_tol(c->object_storage_gb_month, 0.023, 1e-12);
	ck_assert_double_eq_tol(c->block_storage_gb_month, 0.08, 1e-12);
	ck_assert_double_eq_tol(c->db_storage_gb_month, 0.115, 1e-12);
	ck_assert_double_eq_tol(c->cross_az_gb, 0.01, 1e-12);
	ck_assert_double_eq_tol(c->cross_region_gb, 0.02, 1e-12);
	ck_assert_double_eq(c->egress_free_gb, 100);
	ck_assert_uint_eq(c->negress, 4);
	ck_assert_double_eq_tol(c->egress[0].price_per_gb, 0.09, 1e-12);
	ck_assert_double_eq_tol(c->egress[3].price_per_gb, 0.05, 1e-12);
	ck_assert_double_eq(c->egress[3].up_to_gb, 0);
	ck_assert_ptr_nonnull(sp_catalog_gpu(c, "h100"));
	ck_assert_double_eq(sp_catalog_gpu(c, "h100")->peak_tflops, 989);
	ck_assert_str_eq(sp_catalog_gpu(c, "h100")->sku, "p5.48xlarge");
	ck_assert_double_eq(sp_catalog_gpu(c, "a100")->peak_tflops, 312);
	ck_assert_double_eq(sp_catalog_gpu(c, "l4")->peak_tflops, 121);
	ck_assert_ptr_nonnull(sp_catalog_gpu(c, "a10g"));

	/* every type the examples name */
	static const char *const used[] = { "c7i.xlarge", "m7i.large", "m7i.xlarge", "r7i.large", "db.r6g.large",
					    "db.r6g.xlarge", "db.r6g.2xlarge", "db.r6g.4xlarge", "dynamodb.on-demand",
					    "cache.r6g.large", "cache.r6g.xlarge" };
	for (size_t i = 0; i < sizeof(used) / sizeof(used[0]); i++)
		ck_assert_msg(sp_catalog_sku(c, used[i]) != NULL, "'%s' is not in the shipped catalog", used[i]);

	/* what the loader promises: sorted, positive, commitments and spot not above on-demand */
	for (size_t i = 0; i < c->nskus; i++) {
		s = &c->skus[i];
		if (i > 0)
			ck_assert_int_lt(strcmp(c->skus[i - 1].name, s->name), 0);
		ck_assert(s->on_demand_hourly > 0);
		ck_assert(s->commit_1y_hourly >= 0 && s->commit_1y_hourly <= s->on_demand_hourly);
		ck_assert(s->commit_3y_hourly >= 0 && s->commit_3y_hourly <= s->on_demand_hourly);
		if (s->commit_1y_hourly > 0 && s->commit_3y_hourly > 0)
			ck_assert(s->commit_3y_hourly < s->commit_1y_hourly);
		if (s->kind != SP_SKU_DATABASE)
			ck_assert(s->vcpus > 0 && s->memory_gib > 0);
		if (s->kind == SP_SKU_GPU)
			ck_assert(s->gpus > 0 && sp_catalog_gpu(c, s->gpu_model) != NULL);
		ck_assert_ptr_eq(sp_catalog_sku(c, s->name), s);
	}
	for (size_t i = 0; i < c->ngpus; i++)
		ck_assert_ptr_nonnull(sp_catalog_sku(c, c->gpus[i].sku));
	sp_catalog_free(c);
}
END_TEST

/* ---- lookups ---------------------------------------------------------------------------------- */

START_TEST(test_lookup)
{
	static struct sp_sku skus[] = {
		{ "a", SP_SKU_COMPUTE, 1, 1, 0, NULL, 1, 0, 0, 0 },
		{ "c.large", SP_SKU_COMPUTE, 2, 4, 0, NULL, 2, 0, 0, 0 },
		{ "c.xlarge", SP_SKU_COMPUTE, 4, 8, 0, NULL, 4, 0, 0, 0 },
		{ "m", SP_SKU_CACHE, 2, 13, 0, NULL, 0.2, 0, 0, 0 },
		{ "p", SP_SKU_GPU, 192, 2048, 8, "h100", 55, 0, 0, 0 },
	};
	static struct sp_gpu_model gpus[] = { { "h100", 989, "p" }, { "l4", 121, "g" } };
	struct sp_catalog c;

	memset(&c, 0, sizeof(c));
	ck_assert_ptr_null(sp_catalog_sku(&c, "a"));   /* empty */
	ck_assert_ptr_null(sp_catalog_gpu(&c, "h100"));
	c.skus = skus;
	c.gpus = gpus;
	c.ngpus = 2;
	for (size_t n = 1; n <= 5; n++) {
		/* every prefix of the table: odd and even lengths, hits at both ends */
		c.nskus = n;
		for (size_t i = 0; i < 5; i++) {
			const struct sp_sku *s = sp_catalog_sku(&c, skus[i].name);
			if (i < n)
				ck_assert_ptr_eq(s, &skus[i]);
			else
				ck_assert_ptr_null(s);
		}
		ck_assert_ptr_null(sp_catalog_sku(&c, ""));
		ck_assert_ptr_null(sp_catalog_sku(&c, "0"));        /* before the first */
		ck_assert_ptr_null(sp_catalog_sku(&c, "b"));        /* between */
		ck_assert_ptr_null(sp_catalog_sku(&c, "c.larg"));   /* a prefix */
		ck_assert_ptr_null(sp_catalog_sku(&c, "c.largee"));
		ck_assert_ptr_null(sp_catalog_sku(&c, "zzz"));      /* after the last */
	}
	ck_assert_ptr_null(sp_catalog_sku(&c, NULL));
	ck_assert_ptr_null(sp_catalog_sku(NULL, "a"));
	ck_assert_ptr_eq(sp_catalog_gpu(&c, "l4"), &gpus[1]);
	ck_assert_ptr_eq(sp_catalog_gpu(&c, "h100"), &gpus[0]);
	ck_assert_ptr_null(sp_catalog_gpu(&c, "H100"));
	ck_assert_ptr_null(sp_catalog_gpu(&c, NULL));
}
END_TEST

/* ---- egress tiers ----------------------------------------------------------------------------- */

START_TEST(test_egress)
{
	char dir[PATH_MAX];
	struct sp_catalog *c = NULL;
	struct sp_err err;

	ck_assert_int_eq(sp_catalog_load(&c, "aws-us-east-1", srcdir_catalogs(dir, sizeof(dir)), &err), 0);
	ck_assert_double_eq(sp_catalog_egress_cost(c, 0), 0);
	ck_assert_double_eq(sp_catalog_egress_cost(c, 50), 0);
	ck_assert_double_eq(sp_catalog_egress_cost(c, 100), 0);
	ck_assert_double_eq(sp_catalog_egress_cost(c, -5), 0);
	ck_assert_double_eq_tol(sp_catalog_egress_cost(c, 101), 0.09, 1e-9);
	/* the whole first tier: 10,240 GB after the free 100 */
	ck_assert_double_eq_tol(sp_catalog_egress_cost(c, 10340), 10240 * 0.09, 1e-9);
	ck_assert_double_eq_tol(sp_catalog_egress_cost(c, 10350), 10240 * 0.09 + 10 * 0.085, 1e-9);
	/* through three tiers: 10,240 at 0.09, 40,960 at 0.085, the remaining 58,700 at 0.07 */
	ck_assert_double_eq_tol(sp_catalog_egress_cost(c, 110000), 921.6 + 3481.6 + 58700 * 0.07, 1e-6);
	/* into the unbounded last tier */
	ck_assert_double_eq_tol(sp_catalog_egress_cost(c, 300000), 921.6 + 3481.6 + 102400 * 0.07 + 146300 * 0.05,
				1e-6);
	/* monotone, and never above the first tier's price for every billable GB */
	double prev = 0;
	for (double gb = 0; gb < 400000; gb += 997) {
		double cost = sp_catalog_egress_cost(c, gb);
		ck_assert(cost >= prev);
		ck_assert(cost <= (gb > 100 ? gb - 100 : 0) * 0.09 + 1e-9);
		prev = cost;
	}
	sp_catalog_free(c);

	/* a single flat tier and no allowance; a bounded last tier prices the rest at its price */
	struct sp_egress_tier flat[] = { { 0, 0.1 } }, bounded[] = { { 10, 1 }, { 20, 0.5 } };
	struct sp_catalog m;
	memset(&m, 0, sizeof(m));
	ck_assert_double_eq(sp_catalog_egress_cost(&m, 1000), 0);   /* no tiers */
	m.egress = flat;
	m.negress = 1;
	ck_assert_double_eq_tol(sp_catalog_egress_cost(&m, 1000), 100, 1e-9);
	m.egress = bounded;
	m.negress = 2;
	ck_assert_double_eq_tol(sp_catalog_egress_cost(&m, 5), 5, 1e-12);
	ck_assert_double_eq_tol(sp_catalog_egress_cost(&m, 30), 10 + 20 * 0.5, 1e-12);
}
END_TEST

/* ---- a valid file ----------------------------------------------------------------------------- */

START_TEST(test_parse_valid)
{
	char path[PATH_MAX];
	struct sp_catalog *c = NULL;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_catalog_load(&c, write_file(path, sizeof(path), "ok.json", base), NULL, &err), 0);
	ck_assert_str_eq(c->name, "test");
	ck_assert_uint_eq(c->nskus, 3);
	/* sorted on load */
	ck_assert_str_eq(c->skus[0].name, "cache.r6g.large");
	ck_assert_str_eq(c->skus[1].name, "m7i.large");
	ck_assert_str_eq(c->skus[2].name, "p5.48xlarge");
	/* null commitments are "not offered"; an absent spot price defers to spot_discount */
	ck_assert_double_eq(c->skus[0].commit_1y_hourly, 0);
	ck_assert_double_eq(c->skus[0].commit_3y_hourly, 0);
	ck_assert_double_eq(c->skus[1].spot_hourly, 0);
	ck_assert_double_eq(c->skus[2].spot_hourly, 30);
	ck_assert_double_eq(c->skus[1].vcpus, 2);
	ck_assert_double_eq(c->spot_discount, 0.6);
	ck_assert_uint_eq(c->negress, 2);
	ck_assert_double_eq(c->egress[0].up_to_gb, 10240);
	ck_assert_double_eq(c->egress[1].up_to_gb, 0);
	ck_assert_uint_eq(c->ngpus, 1);
	ck_assert_str_eq(c->gpus[0].sku, "p5.48xlarge");
	sp_catalog_free(c);
	sp_catalog_free(NULL);

	/* the same text from memory; a database SKU needs no vCPUs */
	char *text = variant("\"kind\": \"cache\", \"vcpus\": 2, \"memory_gib\": 13.07,", "\"kind\": \"database\",");
	ck_assert_int_eq(sp_catalog_parse(&c, text, strlen(text), "mem.json", &err), 0);
	ck_assert_int_eq(c->skus[0].kind, SP_SKU_DATABASE);
	ck_assert_double_eq(c->skus[0].vcpus, 0);
	sp_catalog_free(c);
	free(text);
}
END_TEST

/* ---- every way a file can be wrong ------------------------------------------------------------ */

struct bad {
	const char *what;
	const char *from, *to;   /* the change to base; from NULL: `to` is the whole text */
	const char *msg;         /* expected in err.msg */
	const char *at;          /* err points at the first occurrence of this in the text... */
	int line, col;           /* ...or, when at is NULL, here (col 0: not checked) */
};

static const struct bad bad[] = {
	{ "malformed JSON", "\"version\": 1,\n", "\"version\": 1\n", "invalid JSON: '}' expected near '\"name\"'",
	  NULL, 4, 8 },
	{ "trailing garbage", "  ]\n}\n", "  ]\n}\n]\n", "invalid JSON: end of file expected", NULL, 20, 1 },
	{ "empty file", NULL, "", "invalid JSON", NULL, 1, 0 },
	{ "duplicate JSON key", "\"version\": 1,", "\"version\": 1, \"version\": 1,", "duplicate object key", NULL, 3, 0 },
	{ "not an object", NULL, "[1, 2]\n", "a price catalog is a JSON object, not an array", "[", 0, 0 },
	{ "not a catalog", "\"scaleplan-catalog\"", "\"scaleplan-spec\"",
	  "format: expected \"scaleplan-catalog\", got \"scaleplan-spec\"", "\"scaleplan-spec\"", 0, 0 },
	{ "no format", "  \"format\": \"scaleplan-catalog\",\n", "", "missing field 'format'", "{", 0, 0 },
	{ "wrong version", "\"version\": 1", "\"version\": 2",
	  "version: unsupported catalog version 2 (this scaleplan reads version 1)", "2,", 0, 0 },
	{ "version not an integer", "\"version\": 1", "\"version\": \"1\"", "version: expected the integer 1, got a string",
	  "\"1\"", 0, 0 },
	{ "missing field", "  \"as_of\": \"2026-06\",\n", "", "missing field 'as_of'", "{", 0, 0 },
	{ "unknown top-level field", "\"source\"", "\"sources\"", "unknown field 'sources'; did you mean 'source'?",
	  "\"sources\"", 0, 0 },
	{ "bad date", "\"2026-06\"", "\"June 2026\"", "as_of: expected the date the prices were read",
	  "\"June 2026\"", 0, 0 },
	{ "bad currency", "\"USD\"", "\"usd\"", "currency: expected a three-letter currency code", "\"usd\"", 0, 0 },
	{ "wrong type", "\"spot_discount\": 0.6", "\"spot_discount\": \"0.6\"",
	  "spot_discount: expected a number, got a string", "\"0.6\"", 0, 0 },
	{ "spot discount of 1", "\"spot_discount\": 0.6", "\"spot_discount\": 1",
	  "spot_discount: must be at least 0 and below 1, got 1", "1,\n  \"storage", 0, 0 },
	{ "negative storage price", "\"object_gb_month\": 0.023", "\"object_gb_month\": -0.023",
	  "storage.object_gb_month: negative price -0.023", "-0.023", 0, 0 },
	{ "missing transfer price", "\"cross_az_gb\": 0.01, ", "", "transfer: missing price 'cross_az_gb'",
	  "{\"cross_region_gb\"", 0, 0 },
	{ "egress bounds not increasing", "{\"price_per_gb\": 0.05}",
	  "{\"up_to_gb\": 10240, \"price_per_gb\": 0.07}, {\"price_per_gb\": 0.05}",
	  "transfer.egress_tiers[1].up_to_gb: tier bounds must increase: 10240 after 10240",
	  "10240, \"price_per_gb\": 0.07", 0, 0 },
	{ "unbounded middle tier", "{\"price_per_gb\": 0.05}", "{\"price_per_gb\": 0.07}, {\"price_per_gb\": 0.05}",
	  "transfer.egress_tiers[1]: only the last tier may leave out 'up_to_gb'", "{\"price_per_gb\": 0.07}", 0, 0 },
	{ "bounded last tier", "{\"price_per_gb\": 0.05}", "{\"up_to_gb\": 99999, \"price_per_gb\": 0.05}",
	  "transfer.egress_tiers[1]: the last tier must leave out 'up_to_gb'", "{\"up_to_gb\": 99999", 0, 0 },
	{ "no egress tiers", "[{\"up_to_gb\": 10240, \"price_per_gb\": 0.09}, {\"price_per_gb\": 0.05}]", "[]",
	  "transfer.egress_tiers: at least one egress tier is needed", "[]", 0, 0 },
	{ "negative price", "\"on_demand_hourly\": 0.1008", "\"on_demand_hourly\": -0.1008",
	  "skus[0].on_demand_hourly (SKU 'm7i.large'): negative price -0.1008", "-0.1008", 0, 0 },
	{ "zero price", "\"on_demand_hourly\": 0.206", "\"on_demand_hourly\": 0",
	  "skus[1].on_demand_hourly (SKU 'cache.r6g.large'): zero price; a price must be positive", "0, \"commit_1y", 0, 0 },
	{ "zero commitment price", "\"commit_1y_hourly\": 0.0655", "\"commit_1y_hourly\": 0",
	  "skus[0].commit_1y_hourly (SKU 'm7i.large'): zero price; a price must be positive (use null when it is not offered)",
	  "0, \"commit_3y", 0, 0 },
	{ "missing price", "\"on_demand_hourly\": 0.206, ", "",
	  "skus[1] (SKU 'cache.r6g.large'): missing price 'on_demand_hourly'", "{\"name\": \"cache", 0, 0 },
	{ "missing commitment price", ", \"commit_3y_hourly\": 0.0398", "",
	  "skus[0] (SKU 'm7i.large'): missing price 'commit_3y_hourly'", "{\"name\": \"m7i", 0, 0 },
	{ "commitment above on-demand", "\"commit_1y_hourly\": 0.0655", "\"commit_1y_hourly\": 0.2",
	  "skus[0].commit_1y_hourly (SKU 'm7i.large'): 1-year commitment price 0.2 is above the on-demand price 0.1008",
	  "0.2,", 0, 0 },
	{ "spot above on-demand", "\"spot_hourly\": 30", "\"spot_hourly\": 60",
	  "skus[2].spot_hourly (SKU 'p5.48xlarge'): spot price 60 is above the on-demand price 55.04", "60}", 0, 0 },
	{ "misspelt field", "\"on_demand_hourly\": 0.1008", "\"on_demand_hourl\": 0.1008",
	  "skus[0] (SKU 'm7i.large'): unknown field 'on_demand_hourl'; did you mean 'on_demand_hourly'?",
	  "\"on_demand_hourl\"", 0, 0 },
	{ "missing vcpus", "\"vcpus\": 2, \"memory_gib\": 8, ", "\"memory_gib\": 8, ",
	  "skus[0] (SKU 'm7i.large'): missing field 'vcpus'", "{\"name\": \"m7i", 0, 0 },
	{ "SKU not an object", "{\"name\": \"cache.r6g.large\"", "\"cache.r6g.large\", {\"name\": \"x\"",
	  "skus[1]: expected an object, got a string", "\"cache.r6g.large\", {", 0, 0 },
	{ "space in a SKU name", "\"name\": \"m7i.large\"", "\"name\": \"m7i large\"",
	  "skus[0].name: a SKU name must not contain spaces", "\"m7i large\"", 0, 0 },
	{ "duplicate SKU", "\"name\": \"cache.r6g.large\"", "\"name\": \"m7i.large\"",
	  "skus[1].name (SKU 'm7i.large'): duplicate SKU (first at skus[0])", "\"m7i.large\", \"kind\": \"cache\"", 0, 0 },
	{ "unknown kind", "\"kind\": \"cache\"", "\"kind\": \"cashe\"",
	  "skus[1].kind (SKU 'cache.r6g.large'): unknown kind 'cashe'; did you mean 'cache'?", "\"cashe\"", 0, 0 },
	{ "unknown kind, no suggestion", "\"kind\": \"cache\"", "\"kind\": \"queue\"",
	  "unknown kind 'queue' (expected compute, database, cache or gpu)", "\"queue\"", 0, 0 },
	{ "GPU fields on a compute SKU", "\"vcpus\": 2, \"memory_gib\": 8,", "\"vcpus\": 2, \"memory_gib\": 8, \"gpus\": 1,",
	  "skus[0] (SKU 'm7i.large'): 'gpus' belongs to gpu SKUs, and this one is a compute SKU", "\"gpus\": 1", 0, 0 },
	{ "GPU count missing", "\"gpus\": 8, ", "", "skus[2] (SKU 'p5.48xlarge'): missing field 'gpus'",
	  "{\"name\": \"p5", 0, 0 },
	{ "GPU count not whole", "\"gpus\": 8,", "\"gpus\": 0.5,",
	  "skus[2].gpus (SKU 'p5.48xlarge'): expected a whole number of GPUs", "0.5", 0, 0 },
	{ "GPU model not listed", "\"gpu_model\": \"h100\"", "\"gpu_model\": \"h200\"",
	  "skus[2].gpu_model (SKU 'p5.48xlarge'): GPU model 'h200' is not in the catalog's 'gpus' list", "\"h200\"", 0, 0 },
	{ "GPU naming a missing SKU", "\"sku\": \"p5.48xlarge\"", "\"sku\": \"p6.48xlarge\"",
	  "gpus[0].sku (GPU 'h100'): SKU 'p6.48xlarge' is not in the catalog's 'skus' list", "\"p6.48xlarge\"", 0, 0 },
	{ "GPU naming a compute SKU", "\"sku\": \"p5.48xlarge\"", "\"sku\": \"m7i.large\"",
	  "gpus[0].sku (GPU 'h100'): SKU 'm7i.large' is a compute SKU, not a gpu SKU", "\"m7i.large\"}", 0, 0 },
	{ "GPU peak missing", "\"peak_tflops\": 989, ", "", "gpus[0] (GPU 'h100'): missing field 'peak_tflops'",
	  "{\"name\": \"h100\"", 0, 0 },
	{ "duplicate GPU", "[{\"name\": \"h100\", \"peak_tflops\": 989, \"sku\": \"p5.48xlarge\"}]",
	  "[{\"name\": \"h100\", \"peak_tflops\": 989, \"sku\": \"p5.48xlarge\"}, {\"name\": \"h100\", \"peak_tflops\": 1, \"sku\": \"x\"}]",
	  "gpus[1].name (GPU 'h100'): duplicate GPU (first at gpus[0])", "\"h100\", \"peak_tflops\": 1", 0, 0 },
};

START_TEST(test_bad_file)
{
	const struct bad *b = &bad[_i];
	char path[PATH_MAX];
	char *text = b->from ? variant(b->from, b->to) : strdup(b->to);
	struct sp_catalog *c = (struct sp_catalog *)&path;   /* must be reset to NULL */
	struct sp_err err;
	int line = b->line, col = b->col;

	sp_err_clear(&err);
	write_file(path, sizeof(path), "bad.json", text);
	ck_assert_int_eq(sp_catalog_load(&c, path, NULL, &err), SP_EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(err.code, SP_EINVAL);
	ck_assert_str_eq(err.file, path);
	ck_assert_msg(strstr(err.msg, b->msg) != NULL, "%s: message \"%s\" lacks \"%s\"", b->what, err.msg, b->msg);
	if (b->at)
		pos_of(text, b->at, &line, &col);
	ck_assert_msg(err.line == line, "%s: line %d, expected %d (%s)", b->what, err.line, line, err.msg);
	if (col)
		ck_assert_msg(err.col == col, "%s: column %d, expected %d (%s)", b->what, err.col, col, err.msg);
	free(text);
}
END_TEST

/* ---- finding the file ------------------------------------------------------------------------- */

START_TEST(test_not_found)
{
	char a[PATH_MAX], b[PATH_MAX], e1[PATH_MAX], e2[PATH_MAX], list[4 * PATH_MAX], env[2 * PATH_MAX + 2];
	struct sp_catalog *c = NULL;
	struct sp_err err;

	snprintf(a, sizeof(a), "%s/data-a", tmpdir);
	snprintf(b, sizeof(b), "%s/data-b", tmpdir);
	snprintf(e1, sizeof(e1), "%s/env-1", tmpdir);
	snprintf(e2, sizeof(e2), "%s/env-2", tmpdir);
	mkdir(a, 0700);
	/* b does not exist at all; empty entries and trailing slashes are fine */
	snprintf(list, sizeof(list), "%s/::%s", a, b);
	snprintf(env, sizeof(env), "%s:%s", e1, e2);
	setenv("SCALEPLAN_CATALOG_PATH", env, 1);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_catalog_load(&c, "nope", list, &err), SP_ENOTFOUND);
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err.file, "");
	char want[6 * PATH_MAX];
	snprintf(want, sizeof(want), "price catalog 'nope' not found (looked in: %s, %s, %s, %s)", e1, e2, a, b);
	ck_assert_str_eq(err.msg, want);

	/* nowhere to look */
	unsetenv("SCALEPLAN_CATALOG_PATH");
	ck_assert_int_eq(sp_catalog_load(&c, "nope", NULL, &err), SP_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "price catalog 'nope' not found (no directory to look in"));
	ck_assert_int_eq(sp_catalog_load(&c, "nope", "", &err), SP_ENOTFOUND);

	/* a path is never searched for */
	snprintf(a, sizeof(a), "%s/missing.json", tmpdir);
	ck_assert_int_eq(sp_catalog_load(&c, a, tmpdir, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, a);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot read price catalog"));
	ck_assert_ptr_nonnull(strstr(err.msg, "No such file or directory"));
	ck_assert_int_eq(sp_catalog_load(&c, "", tmpdir, &err), SP_EINVAL);
	ck_assert_int_eq(sp_catalog_load(&c, NULL, tmpdir, &err), SP_EINVAL);

	/* a directory where the file should be */
	snprintf(a, sizeof(a), "%s/dir.json", tmpdir);
	mkdir(a, 0700);
	ck_assert_int_eq(sp_catalog_load(&c, a, NULL, &err), SP_EIO);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(test_search_order)
{
	char path[PATH_MAX], list[2 * PATH_MAX + 2], env[PATH_MAX];
	struct sp_catalog *c = NULL;
	struct sp_err err;
	char *from_env = variant("\"name\": \"test\"", "\"name\": \"from-env\"");
	char *from_data = variant("\"name\": \"test\"", "\"name\": \"from-datadir\"");

	write_file(path, sizeof(path), "env/mine.json", from_env);
	write_file(path, sizeof(path), "data/mine.json", from_data);
	write_file(path, sizeof(path), "data/other.json", from_data);
	write_file(path, sizeof(path), "env/broken.json", "{\n");
	write_file(path, sizeof(path), "data/broken.json", from_data);
	snprintf(list, sizeof(list), "%s/nothing-here:%s/data", tmpdir, tmpdir);
	snprintf(env, sizeof(env), "%s/env", tmpdir);

	/* $SCALEPLAN_CATALOG_PATH first, then datadir */
	setenv("SCALEPLAN_CATALOG_PATH", env, 1);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_catalog_load(&c, "mine", list, &err), 0);
	ck_assert_str_eq(c->name, "from-env");
	sp_catalog_free(c);
	ck_assert_int_eq(sp_catalog_load(&c, "other", list, &err), 0);
	ck_assert_str_eq(c->name, "from-datadir");
	sp_catalog_free(c);

	/* a broken file is an error, not a reason to look further */
	ck_assert_int_eq(sp_catalog_load(&c, "broken", list, &err), SP_EINVAL);
	ck_assert_ptr_null(c);
	snprintf(path, sizeof(path), "%s/env/broken.json", tmpdir);
	ck_assert_str_eq(err.file, path);
	ck_assert_int_eq(err.line, 2);

	unsetenv("SCALEPLAN_CATALOG_PATH");
	ck_assert_int_eq(sp_catalog_load(&c, "mine", list, &err), 0);
	ck_assert_str_eq(c->name, "from-datadir");
	sp_catalog_free(c);

	/* a name ending in .json is a path, relative to the working directory */
	char cwd[PATH_MAX];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(path, sizeof(path), "%s/data", tmpdir);
	ck_assert_int_eq(chdir(path), 0);
	int rc = sp_catalog_load(&c, "mine.json", "/nonexistent", &err);
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(c->name, "from-datadir");
	sp_catalog_free(c);
	free(from_env);
	free(from_data);
}
END_TEST

Suite *suite_catalog(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("catalog");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shipped_prices);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_egress);
	tcase_add_test(tc, test_parse_valid);
	tcase_add_loop_test(tc, test_bad_file, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_not_found);
	tcase_add_test(tc, test_search_order);
	suite_add_tcase(s, tc);
	return s;
}
