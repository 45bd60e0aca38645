/* Resources (model/resource.c) and the state's JSON (providers/state_json.c,
 * providers/resource_json.c): addresses, ordering, deterministic bytes and
 * strict decoding. The journal is in check_journal.c, the local backend in
 * check_backend.c. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/crc32c.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/resource.h"
#include "providers/backend_local.h"
#include "providers/resource_json.h"
#include "providers/state.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"
#include "providers/uuid.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_state(void);

/* ---- resources ---------------------------------------------------------------------------------- */

START_TEST(test_address_build_parse)
{
	struct sp_arena a;
	const char *t = "?", *n = "?", *r = "?";
	sp_arena_init(&a);

	ck_assert_str_eq(sp_resource_address(&a, "service", "web-api", "us-east-1"), "service.web-api[us-east-1]");
	ck_assert_int_eq(sp_resource_parse_address(&a, "service.web-api[us-east-1]", &t, &n, &r), 0);
	ck_assert_str_eq(t, "service");
	ck_assert_str_eq(n, "web-api");
	ck_assert_str_eq(r, "us-east-1");
	/* the name may hold dots; the type ends at the first one */
	ck_assert_int_eq(sp_resource_parse_address(&a, "datastore.orders.db_2[eu.west-1]", &t, &n, &r), 0);
	ck_assert_str_eq(t, "datastore");
	ck_assert_str_eq(n, "orders.db_2");
	ck_assert_str_eq(r, "eu.west-1");
	ck_assert_int_eq(sp_resource_parse_address(&a, "gpu_x-2.a[b]", &t, &n, &r), 0);
	ck_assert_str_eq(t, "gpu_x-2");
	/* outputs are optional, and so is the arena then */
	ck_assert_int_eq(sp_resource_parse_address(NULL, "cache.c[r]", NULL, NULL, NULL), 0);

	static const char *const bad[] = {
		"", "service", "service.", "service.x", "service.x[", "service.x[]", "service.[r]", ".x[r]",
		"1svc.x[r]", "-svc.x[r]", "service.x[r]z", "service.x[r]]", "service.x[r][s]", "service/x[r]",
		"service.x y[r]", "service.x[r/1]", "service.x[../r]", "service.x[r", "ser vice.x[r]",
		"service.x[\"r\"]", "service.\xc3\xa9[r]", "service.x[r]\n", "service..", "service.x]r[",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sp_resource_parse_address(&a, bad[i], &t, &n, &r) == -1, "'%s' parsed", bad[i]);
	ck_assert_int_eq(sp_resource_parse_address(&a, NULL, &t, &n, &r), -1);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_resource_sort_find)
{
	struct sp_arena a;
	struct sp_resource v[5];
	struct sp_resource_set set = { v, 5 };
	static const char *const names[] = { "web", "api", "zeta", "api-2", "Api" };
	sp_arena_init(&a);

	for (int i = 0; i < 5; i++)
		v[i] = mkres(&a, "service", names[i], "us");
	sp_resource_set_sort(&set);
	/* byte order: uppercase before lowercase, '-' before letters */
	ck_assert_str_eq(v[0].address, "service.Api[us]");
	ck_assert_str_eq(v[1].address, "service.api-2[us]");
	ck_assert_str_eq(v[2].address, "service.api[us]");
	ck_assert_str_eq(v[3].address, "service.web[us]");
	ck_assert_str_eq(v[4].address, "service.zeta[us]");
	for (int i = 0; i < 5; i++)
		ck_assert_ptr_eq(sp_resource_find(&set, v[i].address), &v[i]);
	ck_assert_ptr_null(sp_resource_find(&set, "service.api[eu]"));
	ck_assert_ptr_null(sp_resource_find(&set, "service.aaa[us]"));
	ck_assert_ptr_null(sp_resource_find(&set, "service.zzz[us]"));
	struct sp_resource_set empty = { NULL, 0 };
	ck_assert_ptr_null(sp_resource_find(&empty, "service.api[us]"));

	/* attributes sorted and found; dependencies sorted and deduplicated */
	struct sp_resource r = mkres(&a, "service", "x", "us");
	add_num(&r, "nodes", 3);
	add_str(&r, "instance", "m7i.large");
	add_bool(&r, "spot", 1);
	add_num(&r, "az", 3);
	r.depends_on[r.ndeps++] = "service.b[us]";
	r.depends_on[r.ndeps++] = "cache.a[us]";
	r.depends_on[r.ndeps++] = "service.b[us]";
	r.depends_on[r.ndeps++] = "cache.a[us]";
	r.depends_on[r.ndeps++] = "datastore.d[us]";
	sp_resource_sort(&r);
	ck_assert_str_eq(r.attrs[0].key, "az");
	ck_assert_str_eq(r.attrs[1].key, "instance");
	ck_assert_str_eq(r.attrs[2].key, "nodes");
	ck_assert_str_eq(r.attrs[3].key, "spot");
	ck_assert_uint_eq(r.ndeps, 3);
	ck_assert_str_eq(r.depends_on[0], "cache.a[us]");
	ck_assert_str_eq(r.depends_on[1], "datastore.d[us]");
	ck_assert_str_eq(r.depends_on[2], "service.b[us]");
	for (size_t i = 0; i < r.nattrs; i++)
		ck_assert_ptr_eq(sp_resource_attr(&r, r.attrs[i].key), &r.attrs[i]);
	ck_assert_ptr_null(sp_resource_attr(&r, "node"));
	ck_assert_ptr_null(sp_resource_attr(&r, "zzz"));
	ck_assert_ptr_null(sp_resource_attr(&r, ""));
	ck_assert_double_eq(sp_resource_attr(&r, "nodes")->n, 3);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_attr_equal)
{
	struct sp_attr s1 = { .key = "k", .type = SP_ATTR_STR, .s = "m7i" }, s2 = s1, s3 = s1, s4 = s1;
	struct sp_attr n1 = { .key = "k", .type = SP_ATTR_NUM, .n = 0.1 + 0.2 }, n2 = n1;
	struct sp_attr b1 = { .key = "k", .type = SP_ATTR_BOOL, .n = 1 }, b2 = b1;

	char copy[] = "m7i";
	s2.s = copy; /* the same text elsewhere: compared by value */
	ck_assert(sp_attr_equal(&s1, &s2));
	s3.s = "m7i.large";
	ck_assert(!sp_attr_equal(&s1, &s3));
	s3.s = NULL;
	s4.s = "";
	ck_assert(sp_attr_equal(&s3, &s4)); /* a NULL string is the empty one */
	ck_assert(sp_attr_equal(&n1, &n2));
	n2.n = 0.3;
	ck_assert(!sp_attr_equal(&n1, &n2)); /* exact: 0.1 + 0.2 is not 0.3 */
	n1.n = -0.0;
	n2.n = 0.0;
	ck_assert(sp_attr_equal(&n1, &n2));
	b2.n = 2;
	ck_assert(sp_attr_equal(&b1, &b2)); /* booleans by truth */
	b2.n = 0;
	ck_assert(!sp_attr_equal(&b1, &b2));
	n1.n = 1;
	ck_assert(!sp_attr_equal(&n1, &b1)); /* 1 is not true: the types differ */
	s1.s = "1";
	ck_assert(!sp_attr_equal(&s1, &n1));
}
END_TEST

/* ---- state JSON --------------------------------------------------------------------------------- */

/* The golden state: every field, every number form, inputs unsorted. */
static struct sp_state *golden_state(void)
{
	struct sp_state *s = mkstate(7, NULL, 0);
	struct sp_arena *a = &s->arena;
	struct sp_resource *v = SP_NEWN(a, struct sp_resource, 2);

	v[0] = mkres(a, "service", "web-api", "us-east-1");
	add_num(&v[0], "nodes", 3);
	add_str(&v[0], "instance", "m7i.large")->force_new = 1;
	add_num(&v[0], "share", 0.1);
	add_num(&v[0], "odd", 0.1 + 0.2);
	add_num(&v[0], "tiny", 2.5e-7);
	add_num(&v[0], "huge", 1e300);
	add_num(&v[0], "neg", -1.5);
	add_num(&v[0], "zero", -0.0);
	add_num(&v[0], "max_int", 9007199254740992.0);
	add_num(&v[0], "past_max", 9007199254740994.0);
	add_num(&v[0], "e17", 1e17);
	add_bool(&v[0], "spot", 0);
	add_str(&v[0], "note", "a \"quoted\" 3.5 \\ caf\xc3\xa9\n");
	v[0].depends_on[v[0].ndeps++] = "datastore.orders-db[us-east-1]";
	v[0].depends_on[v[0].ndeps++] = "cache.product-cache[us-east-1]";
	v[0].depends_on[v[0].ndeps++] = "datastore.orders-db[us-east-1]";
	v[0].prevent_destroy = 1;
	v[1] = mkres(a, "datastore", "orders-db", "us-east-1");
	add_num(&v[1], "shards", 2);
	add_num(&v[1], "storage_gb", 250.75)->force_new = 1;
	v[1].allow_zero = 1;
	s->resources.v = v;
	s->resources.n = 2;
	s->cost.present = 1;
	s->cost.pct[0] = 10;
	s->cost.pct[1] = 50;
	s->cost.pct[2] = 90;
	s->cost.horizon[0] = 1200000;
	s->cost.horizon[1] = 1534567.25;
	s->cost.horizon[2] = 2.1e6;
	snprintf(s->cost.currency, sizeof(s->cost.currency), "USD");
	snprintf(s->cost.at, sizeof(s->cost.at), "2027-03");
	return s;
}

static const char golden_json[] =
	"{\n"
	"  \"version\": 2,\n"
	"  \"lineage\": \"" LINEAGE "\",\n"
	"  \"serial\": 7,\n"
	"  \"scaleplan_version\": \"9.9.9\",\n"
	"  \"checksum\": \"crc32c:c957aae7\",\n"
	"  \"cost\": {\n"
	"    \"at\": \"2027-03\",\n"
	"    \"currency\": \"USD\",\n"
	"    \"percentiles\": [\n"
	"      10,\n"
	"      50,\n"
	"      90\n"
	"    ],\n"
	"    \"horizon_total\": [\n"
	"      1200000,\n"
	"      1534567.25,\n"
	"      2100000\n"
	"    ]\n"
	"  },\n"
	"  \"removed\": [],\n"
	"  \"resources\": [\n"
	"    {\n"
	"      \"address\": \"datastore.orders-db[us-east-1]\",\n"
	"      \"type\": \"datastore\",\n"
	"      \"name\": \"orders-db\",\n"
	"      \"region\": \"us-east-1\",\n"
	"      \"attributes\": {\n"
	"        \"shards\": 2,\n"
	"        \"storage_gb\": 250.75\n"
	"      },\n"
	"      \"force_new\": [\n"
	"        \"storage_gb\"\n"
	"      ],\n"
	"      \"depends_on\": [],\n"
	"      \"lifecycle\": {\n"
	"        \"prevent_destroy\": false,\n"
	"        \"allow_zero\": true\n"
	"      }\n"
	"    },\n"
	"    {\n"
	"      \"address\": \"service.web-api[us-east-1]\",\n"
	"      \"type\": \"service\",\n"
	"      \"name\": \"web-api\",\n"
	"      \"region\": \"us-east-1\",\n"
	"      \"attributes\": {\n"
	"        \"e17\": 1e17,\n"
	"        \"huge\": 1e300,\n"
	"        \"instance\": \"m7i.large\",\n"
	"        \"max_int\": 9007199254740992,\n"
	"        \"neg\": -1.5,\n"
	"        \"nodes\": 3,\n"
	"        \"note\": \"a \\\"quoted\\\" 3.5 \\\\ caf\xc3\xa9\\n\",\n"
	"        \"odd\": 0.30000000000000004,\n"
	"        \"past_max\": 9007199254740994.0,\n"
	"        \"share\": 0.1,\n"
	"        \"spot\": false,\n"
	"        \"tiny\": 2.5e-7,\n"
	"        \"zero\": 0\n"
	"      },\n"
	"      \"force_new\": [\n"
	"        \"instance\"\n"
	"      ],\n"
	"      \"depends_on\": [\n"
	"        \"cache.product-cache[us-east-1]\",\n"
	"        \"datastore.orders-db[us-east-1]\"\n"
	"      ],\n"
	"      \"lifecycle\": {\n"
	"        \"prevent_destroy\": true,\n"
	"        \"allow_zero\": false\n"
	"      }\n"
	"    }\n"
	"  ]\n"
	"}\n";

START_TEST(test_state_encode_golden)
{
	struct sp_state *s = golden_state();
	char *text = encode(s);
	/* fixed key order, sorted resources, attributes, force_new and depends_on,
	 * each number with its own fewest digits (0.1 next to 0.30000000000000004) */
	ck_assert_str_eq(text, golden_json);
	free(text);
	sp_state_free(s);
}
END_TEST

START_TEST(test_state_roundtrip)
{
	struct sp_state *s = NULL;
	struct sp_err err;
	char *again;

	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_from_json(&s, golden_json, strlen(golden_json), "state.json", &err), 0);
	ck_assert_str_eq(s->lineage, LINEAGE);
	ck_assert_uint_eq(s->serial, 7);
	ck_assert_str_eq(s->scaleplan_version, "9.9.9");
	ck_assert_uint_eq(s->resources.n, 2);
	const struct sp_resource *w = sp_resource_find(&s->resources, "service.web-api[us-east-1]");
	ck_assert_ptr_nonnull(w);
	ck_assert_double_eq(sp_resource_attr(w, "odd")->n, 0.1 + 0.2);
	ck_assert_double_eq(sp_resource_attr(w, "past_max")->n, 9007199254740994.0);
	ck_assert_int_eq(sp_resource_attr(w, "instance")->force_new, 1);
	ck_assert_int_eq(sp_resource_attr(w, "nodes")->force_new, 0);
	ck_assert_int_eq(sp_resource_attr(w, "spot")->type, SP_ATTR_BOOL);
	ck_assert_uint_eq(w->ndeps, 2);
	ck_assert_int_eq(w->prevent_destroy, 1);
	ck_assert_int_eq(s->cost.present, 1);
	ck_assert_str_eq(s->cost.at, "2027-03");
	ck_assert_double_eq(s->cost.horizon[1], 1534567.25);
	again = encode(s);
	ck_assert_str_eq(again, golden_json);
	free(again);
	sp_state_free(s);

	/* every double reads back to itself, and its text is stable */
	struct sp_state *st = mkstate(1, NULL, 0);
	struct sp_resource *r = SP_NEWN(&st->arena, struct sp_resource, 1);
	*r = mkres(&st->arena, "service", "x", "r");
	r->attrs = SP_NEWN(&st->arena, struct sp_attr, 2000);
	uint64_t x = 42;
	char keys[2000][16];
	for (int i = 0; i < 2000; i++) {
		double d;
		do {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint64_t bits = x ^ (x >> 29);
			memcpy(&d, &bits, sizeof(d));
			if (i % 3 == 0)
				d = (double)(int64_t)(x >> 11) / 1024.0; /* near-integers too */
		} while (!isfinite(d));
		snprintf(keys[i], sizeof(keys[i]), "k%04d", i);
		add_num(r, keys[i], d);
	}
	st->resources.v = r;
	st->resources.n = 1;
	char *t1 = encode(st);
	ck_assert_int_eq(sp_state_from_json(&s, t1, strlen(t1), "mem", &err), 0);
	for (int i = 0; i < 2000; i++) {
		double want = r->attrs[i].n, got = s->resources.v[0].attrs[i].n;
		ck_assert_msg(want == got, "%s: %.17g read back as %.17g", keys[i], want, got);
	}
	char *t2 = encode(s);
	ck_assert_str_eq(t1, t2);
	free(t1);
	free(t2);
	sp_state_free(s);
	sp_state_free(st);
}
END_TEST

START_TEST(test_state_new)
{
	struct sp_state *a = sp_state_new(), *b = sp_state_new();
	ck_assert_int_eq(a->version, SP_STATE_VERSION);
	ck_assert_uint_eq(a->serial, 0);
	ck_assert_uint_eq(a->resources.n, 0);
	ck_assert_int_eq(a->cost.present, 0);
	ck_assert(sp_uuid_valid(a->lineage));
	ck_assert_str_ne(a->lineage, b->lineage);
	/* an empty state encodes and reads back */
	char *t = encode(a);
	ck_assert_ptr_nonnull(strstr(t, "\"resources\": []"));
	ck_assert_ptr_null(strstr(t, "\"cost\""));
	struct sp_state *c;
	struct sp_err err;
	ck_assert_int_eq(sp_state_from_json(&c, t, strlen(t), "s", &err), 0);
	ck_assert_str_eq(c->lineage, a->lineage);
	ck_assert_int_eq(c->cost.present, 0);
	free(t);
	sp_state_free(a);
	sp_state_free(b);
	sp_state_free(c);
	sp_state_free(NULL);
}
END_TEST

/* A state document with one resource whose body is given. */
#define ONE(res) "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":[" res "]}"
#define RES(attrs, more)                                                                                         \
	"{\"address\":\"service.a[r]\",\"type\":\"service\",\"name\":\"a\",\"region\":\"r\",\"attributes\":" attrs \
	more "}"

struct bad_case {
	const char *text, *msg;
	int line;   /* -1: jansson's position expected (line > 0), 0: none */
};

START_TEST(test_state_decode_errors)
{
	static const struct bad_case cases[] = {
		{ "{", "invalid JSON", -1 },
		{ "{\"version\": 1,\n \"version\": 1}", "duplicate object key", -1 },
		{ "{\"version\": 1, \"lineage\": \"\xff\"}", "invalid JSON", -1 },
		{ "[]", "a state must be a JSON object, not an array", 0 },
		{ "{\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":[]}", "missing key 'version'", 0 },
		{ "{\"version\":\"1\",\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":[]}",
		  "version: must be an integer, not a string", 0 },
		{ "{\"version\":3,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":[]}",
		  "version: unsupported state format version 3; this scaleplan reads versions 1 to 2", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"removed\":[],\"resources\":[]}",
		  "removed: unknown key", 0 },
		{ "{\"version\":2,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"checksum\":\"crc32c:00000000\",\"resources\":[]}",
		  "checksum: the file is not laid out as scaleplan writes it, so its checksum cannot be checked; remove the "
		  "checksum from a state edited by hand", 0 },
		{ "{\"version\":2,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"removed\":[\"service.b[r]\",\"service.a[r]\"],\"resources\":[]}",
		  "removed[1]: the addresses must be sorted, each once ('service.a[r]' after 'service.b[r]')", 0 },
		{ "{\"version\":2,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"removed\":[\"x\"],\"resources\":[]}",
		  "removed[0]: 'x' is not a resource address", 0 },
		{ "{\"version\":2,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"journal\":\"j\",\"resources\":[]}",
		  "journal: 'j' is not a UUID", 0 },
		{ "{\"version\":1,\"serial\":1,\"resources\":[]}", "missing key 'lineage'", 0 },
		{ "{\"version\":1,\"lineage\":7,\"serial\":1,\"resources\":[]}", "lineage: must be a string, not an integer",
		  0 },
		{ "{\"version\":1,\"lineage\":\"abc\",\"serial\":1,\"resources\":[]}", "lineage: 'abc' is not a UUID", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"resources\":[]}", "missing key 'serial'", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":-1,\"resources\":[]}",
		  "serial: must be a non-negative integer, not a negative one", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1.5,\"resources\":[]}",
		  "serial: must be a non-negative integer, not a number", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1}", "missing key 'resources'", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":{}}",
		  "resources: must be an array, not an object", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"resources\":[],\"outputs\":{}}",
		  "outputs: unknown key", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"scaleplan_version\":1,\"resources\":[]}",
		  "scaleplan_version: must be a string, not an integer", 0 },
		{ ONE("3"), "resources[0]: must be an object (a resource), not an integer", 0 },
		{ ONE(RES("{\"nodes\":null}", "")),
		  "resources[0].attributes.nodes: must be a string, a number or a boolean, not null", 0 },
		{ ONE(RES("{\"instance-type\":[1]}", "")),
		  "resources[0].attributes[\"instance-type\"]: must be a string, a number or a boolean, not an array", 0 },
		{ ONE(RES("{\"\":1}", "")), "resources[0].attributes[\"\"]: an attribute key must not be empty", 0 },
		{ ONE(RES("{\"n\":9007199254740993}", "")), "resources[0].attributes.n: 9007199254740993 is beyond 2^53",
		  0 },
		{ ONE(RES("[]", "")), "resources[0].attributes: must be an object of attributes, not an array", 0 },
		{ ONE("{\"address\":\"service.a[r]\",\"type\":\"service\",\"name\":\"a\",\"region\":\"r\"}"),
		  "resources[0]: missing key 'attributes'", 0 },
		{ ONE("{\"address\":\"service/a\",\"type\":\"service\",\"name\":\"a\",\"region\":\"r\",\"attributes\":{}}"),
		  "resources[0].address: 'service/a' is not a resource address", 0 },
		{ ONE("{\"address\":\"service.a[r]\",\"type\":\"cache\",\"name\":\"a\",\"region\":\"r\",\"attributes\":{}}"),
		  "resources[0].type: 'cache' does not match the address 'service.a[r]'", 0 },
		{ ONE("{\"address\":\"service.a[r]\",\"name\":\"a\",\"region\":\"r\",\"attributes\":{}}"),
		  "resources[0]: missing key 'type'", 0 },
		{ ONE(RES("{}", ",\"colour\":1")), "resources[0].colour: unknown key", 0 },
		{ ONE(RES("{\"n\":1}", "") "," RES("{\"n\":2}", "")),
		  "resources[1]: duplicate address 'service.a[r]' (first at resources[0])", 0 },
		{ ONE(RES("{\"n\":1}", ",\"force_new\":[\"m\"]")),
		  "resources[0].force_new[0]: 'm' is not one of the resource's attributes", 0 },
		{ ONE(RES("{\"n\":1}", ",\"force_new\":[\"n\",\"n\"]")), "resources[0].force_new[1]: 'n' is listed twice",
		  0 },
		{ ONE(RES("{\"n\":1}", ",\"force_new\":\"n\"")),
		  "resources[0].force_new: must be an array of attribute keys, not a string", 0 },
		{ ONE(RES("{}", ",\"depends_on\":[\"cache.c[r]\",\"nope\"]")),
		  "resources[0].depends_on[1]: 'nope' is not a resource address", 0 },
		{ ONE(RES("{}", ",\"lifecycle\":{\"prevent_destroy\":\"yes\"}")),
		  "resources[0].lifecycle.prevent_destroy: must be true or false, not a string", 0 },
		{ ONE(RES("{}", ",\"lifecycle\":{\"keep\":true}")), "resources[0].lifecycle.keep: unknown key", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-13\",\"currency\":\"USD\","
		  "\"percentiles\":[10,50,90],\"horizon_total\":[1,2,3]},\"resources\":[]}",
		  "cost.at: '2027-13' is not a month like 2027-01", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-01\",\"currency\":\"usd\","
		  "\"percentiles\":[10,50,90],\"horizon_total\":[1,2,3]},\"resources\":[]}",
		  "cost.currency: 'usd' is not a currency code", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-01\",\"currency\":\"USD\","
		  "\"percentiles\":[10,50],\"horizon_total\":[1,2,3]},\"resources\":[]}",
		  "cost.percentiles: must hold 3 numbers, not 2", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-01\",\"currency\":\"USD\","
		  "\"percentiles\":[10,50,40],\"horizon_total\":[1,2,3]},\"resources\":[]}",
		  "cost.percentiles[2]: the percentiles must increase", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-01\",\"currency\":\"USD\","
		  "\"percentiles\":[10,50,90],\"horizon_total\":[1,\"2\",3]},\"resources\":[]}",
		  "cost.horizon_total[1]: must be a number, not a string", 0 },
		{ "{\"version\":1,\"lineage\":\"" LINEAGE "\",\"serial\":1,\"cost\":{\"at\":\"2027-01\",\"currency\":\"USD\","
		  "\"percentiles\":[10,50,90]},\"resources\":[]}",
		  "cost: missing key 'horizon_total'", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sp_state *s = (struct sp_state *)1;
		struct sp_err err;
		sp_err_clear(&err);
		int rc = sp_state_from_json(&s, cases[i].text, strlen(cases[i].text), "st.json", &err);
		ck_assert_msg(rc == SP_EINVAL, "case %zu: rc %d", i, rc);
		ck_assert_ptr_null(s);
		ck_assert_int_eq(err.code, SP_EINVAL);
		ck_assert_str_eq(err.file, "st.json");
		ck_assert_msg(strstr(err.msg, cases[i].msg) == err.msg || (cases[i].line < 0 && strstr(err.msg, cases[i].msg)),
			      "case %zu: message '%s', expected '%s'", i, err.msg, cases[i].msg);
		if (cases[i].line < 0)
			ck_assert_msg(err.line > 0 && err.col > 0, "case %zu: no position (%d:%d)", i, err.line, err.col);
		else
			ck_assert_msg(err.line == 0, "case %zu: line %d", i, err.line);
	}
}
END_TEST

START_TEST(test_state_encode_errors)
{
	struct sp_arena a;
	struct sp_resource r[2];
	struct sp_err err;
	char *text = (char *)1;
	sp_arena_init(&a);

#define EXPECT_BAD(st, where, part)                                                                \
	do {                                                                                       \
		sp_err_clear(&err);                                                                \
		text = (char *)1;                                                                  \
		ck_assert_int_eq(sp_state_to_json((st), &text, &err), SP_EINVAL);                  \
		ck_assert_ptr_null(text);                                                          \
		ck_assert_str_eq(err.file, (where));                                               \
		ck_assert_msg(strstr(err.msg, (part)), "message '%s' lacks '%s'", err.msg, (part)); \
	} while (0)

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "n", NAN);
	struct sp_state *s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "attribute 'n' is nan, which JSON cannot hold");
	r[0].attrs[0].n = -INFINITY;
	s->resources.v[0] = r[0];
	EXPECT_BAD(s, "service.a[r]", "attribute 'n' is -inf");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	add_str(&r[0], "s", "caf\xe9");
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "attribute 's' is not valid UTF-8");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "k\xff", 1);
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "is not valid UTF-8");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "n", 1);
	add_num(&r[0], "n", 2);
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "attribute 'n' is set twice");
	sp_state_free(s);

	/* no key at all: reported, not dereferenced */
	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "n", 1);
	add_num(&r[0], NULL, 2);
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "an attribute has an empty key");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	r[1] = mkres(&a, "service", "a", "r");
	s = mkstate(1, r, 2);
	EXPECT_BAD(s, "service.a[r]", "the state holds this address twice");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	r[0].address = "service a";
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service a", "'service a' is not a resource address");
	sp_state_free(s);

	/* no address at all, next to a good one: reported, not dereferenced */
	r[0] = mkres(&a, "service", "b", "r");
	r[1] = mkres(&a, "service", "a", "r");
	r[1].address = NULL;
	s = mkstate(1, r, 2);
	EXPECT_BAD(s, "", "is not a resource address");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	r[0].region = "eu";
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "type, name and region do not match the address");
	sp_state_free(s);

	r[0] = mkres(&a, "service", "a", "r");
	r[0].depends_on[r[0].ndeps++] = "cache.c[r]";
	r[0].depends_on[r[0].ndeps++] = "cache/c";
	s = mkstate(1, r, 1);
	EXPECT_BAD(s, "service.a[r]", "dependency 'cache/c' is not a resource address");
	sp_state_free(s);

	s = mkstate(1, NULL, 0);
	s->lineage = NULL;
	EXPECT_BAD(s, "", "lineage '' is not a UUID");
	s->lineage = "not-a-uuid";
	EXPECT_BAD(s, "", "lineage 'not-a-uuid' is not a UUID");
	s->lineage = LINEAGE;
	s->version = 3;
	EXPECT_BAD(s, "", "cannot write state format version 3");
	s->version = SP_STATE_VERSION;
	s->cost.present = 1;
	s->cost.pct[0] = 10;
	s->cost.pct[1] = 50;
	s->cost.pct[2] = 90;
	snprintf(s->cost.currency, sizeof(s->cost.currency), "USD");
	snprintf(s->cost.at, sizeof(s->cost.at), "2027-00");
	EXPECT_BAD(s, "", "cost: at must be a month");
	snprintf(s->cost.at, sizeof(s->cost.at), "2027-12");
	s->cost.horizon[1] = NAN;
	EXPECT_BAD(s, "", "cost: horizon_total must be finite");
	s->cost.horizon[1] = 5;
	s->cost.pct[2] = 50;
	EXPECT_BAD(s, "", "cost: percentiles must increase");
	s->cost.pct[2] = 90;
	memset(s->cost.currency, 'U', sizeof(s->cost.currency)); /* no terminator */
	EXPECT_BAD(s, "", "cost: currency");
	snprintf(s->cost.currency, sizeof(s->cost.currency), "EUR");
	text = encode(s);
	ck_assert_ptr_nonnull(strstr(text, "\"currency\": \"EUR\""));
	free(text);
	sp_state_free(s);
#undef EXPECT_BAD
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_resource_document)
{
	struct sp_arena a;
	struct sp_resource r, back;
	struct sp_err err;
	char *text = NULL, *again = NULL;
	sp_arena_init(&a);

	r = mkres(&a, "gpu", "assistant", "us-east-1");
	add_num(&r, "gpus", 16);
	add_str(&r, "tier", "committed")->force_new = 1;
	add_num(&r, "share", 0.35);
	r.depends_on[r.ndeps++] = "service.web-api[us-east-1]";
	r.prevent_destroy = 1;
	ck_assert_int_eq(sp_resource_to_json(&r, &text, &err), 0);
	/* the provider's document: no force_new, depends_on or lifecycle */
	ck_assert_str_eq(text, "{\n"
			       "  \"address\": \"gpu.assistant[us-east-1]\",\n"
			       "  \"type\": \"gpu\",\n"
			       "  \"name\": \"assistant\",\n"
			       "  \"region\": \"us-east-1\",\n"
			       "  \"attributes\": {\n"
			       "    \"gpus\": 16,\n"
			       "    \"share\": 0.35,\n"
			       "    \"tier\": \"committed\"\n"
			       "  }\n"
			       "}\n");
	ck_assert_int_eq(sp_resource_from_json(&back, &a, text, strlen(text), "f.json", &err), 0);
	ck_assert_str_eq(back.address, r.address);
	ck_assert_str_eq(back.region, "us-east-1");
	ck_assert_uint_eq(back.nattrs, 3);
	ck_assert_uint_eq(back.ndeps, 0);
	ck_assert_int_eq(back.prevent_destroy, 0);
	sp_resource_sort(&r);
	ck_assert_int_eq(sp_attr_equal(sp_resource_attr(&back, "share"), sp_resource_attr(&r, "share")), 1);
	ck_assert_int_eq(sp_resource_to_json(&back, &again, &err), 0);
	ck_assert_str_eq(again, text);
	free(text);
	free(again);

	/* the state's own fields are not part of a resource document */
	static const char doc[] = "{\"address\":\"gpu.a[r]\",\"type\":\"gpu\",\"name\":\"a\",\"region\":\"r\","
				  "\"attributes\":{},\"force_new\":[]}";
	sp_err_clear(&err);
	ck_assert_int_eq(sp_resource_from_json(&back, &a, doc, strlen(doc), "f.json", &err), SP_EINVAL);
	ck_assert_str_eq(err.file, "f.json");
	ck_assert_str_eq(err.msg, "force_new: unknown key");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_resource_from_json(&back, &a, "{\"address\": 1", 13, "f.json", &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 1);
	ck_assert_int_gt(err.col, 0);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_resource_from_json(&back, &a, "\"x\"", 3, "f.json", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid JSON"));
	sp_err_clear(&err);
	ck_assert_int_eq(sp_resource_from_json(&back, &a, "[1]", 3, "f.json", &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "must be an object (a resource), not an array");
	sp_arena_free(&a);
}
END_TEST

Suite *suite_state(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("resource");
	tcase_add_test(tc, test_address_build_parse);
	tcase_add_test(tc, test_resource_sort_find);
	tcase_add_test(tc, test_attr_equal);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_test(tc, test_state_encode_golden);
	tcase_add_test(tc, test_state_roundtrip);
	tcase_add_test(tc, test_state_new);
	tcase_add_test(tc, test_state_decode_errors);
	tcase_add_test(tc, test_state_encode_errors);
	tcase_add_test(tc, test_resource_document);
	suite_add_tcase(s, tc);
	return s;
}
