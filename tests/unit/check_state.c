/* Resources (model/resource.c), the state's JSON (providers/state.c) and the
 * local state backend (providers/backend_local.c): addresses, ordering,
 * deterministic bytes, strict decoding, serial and lineage rules, backups,
 * the journal, and flock locks with holder information. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/resource.h"
#include "providers/backend_local.h"
#include "providers/state.h"
#include "lib/crc32c.h"
#include "lib/xalloc.h"
#include "providers/resource_json.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"
#include "providers/uuid.h"

Suite *suite_state(void);

#define LINEAGE "0f8fad5b-d9cb-469f-a165-70867728950e"
#define LINEAGE2 "7c9e6679-7425-40de-944b-e07fc1f90ae7"

/* ---- helpers ------------------------------------------------------------------------------------ */

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-check-state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* "<tmpdir>/<name>" in a static ring of buffers */
static const char *tp(const char *name)
{
	static char bufs[8][256];
	static int k;
	char *b = bufs[k++ % 8];
	snprintf(b, 256, "%s/%s", tmpdir, name);
	return b;
}

/* a file's content (malloc), or NULL when it does not exist */
static char *slurp(const char *path)
{
	struct sp_sb sb = SP_SB_INIT;
	if (sp_sb_read_file(&sb, path, 1 << 26) < 0) {
		sp_sb_release(&sb);
		return NULL;
	}
	return sp_sb_detach(&sb, NULL);
}

static void spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* entries in a folder (not . and ..) */
static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* A resource built in arena a: attributes as "key=value" strings ("n:3" numbers, "b:1" booleans). */
static struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region)
{
	struct sp_resource r;
	memset(&r, 0, sizeof(r));
	r.type = sp_arena_strdup(a, type);
	r.name = sp_arena_strdup(a, name);
	r.region = sp_arena_strdup(a, region);
	r.address = sp_resource_address(a, type, name, region);
	r.attrs = SP_NEWN(a, struct sp_attr, 16);
	r.depends_on = SP_NEWN(a, const char *, 8);
	return r;
}

static struct sp_attr *add_str(struct sp_resource *r, const char *key, const char *v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_STR;
	at->s = v;
	return at;
}

static struct sp_attr *add_num(struct sp_resource *r, const char *key, double v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_NUM;
	at->n = v;
	return at;
}

static struct sp_attr *add_bool(struct sp_resource *r, const char *key, int v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_BOOL;
	at->n = v;
	return at;
}

/* A state with a fixed lineage and the given resources (copied into its arena's array). */
static struct sp_state *mkstate(uint64_t serial, const struct sp_resource *rs, size_t n)
{
	struct sp_state *s = sp_state_new();
	s->lineage = LINEAGE;
	s->serial = serial;
	s->scaleplan_version = "9.9.9";
	s->resources.v = SP_NEWN(&s->arena, struct sp_resource, n + 1);
	for (size_t i = 0; i < n; i++)
		s->resources.v[i] = rs[i];
	s->resources.n = n;
	return s;
}

static char *encode(const struct sp_state *s)
{
	struct sp_err err;
	char *text = NULL;
	sp_err_clear(&err);
	ck_assert_msg(sp_state_to_json(s, &text, &err) == 0, "encode: %s: %s", err.file, err.msg);
	return text;
}

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

START_TEST(test_journal_replay)
{
	struct sp_arena a;
	struct sp_resource r[3];
	struct sp_err err;
	struct sp_sb j = SP_SB_INIT;
	char *line;
	sp_arena_init(&a);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "nodes", 2);
	r[1] = mkres(&a, "service", "b", "r");
	add_num(&r[1], "nodes", 0.5);
	r[2] = r[0];
	r[2].attrs = SP_NEWN(&a, struct sp_attr, 1);
	r[2].nattrs = 0;
	add_num(&r[2], "nodes", 4);

	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 2, "service.b[r]", &r[1], &line, &err), 0);
	ck_assert_str_eq(line, "{\"lineage\":\"" LINEAGE "\",\"serial\":2,\"address\":\"service.b[r]\",\"resource\":"
			       "{\"address\":\"service.b[r]\",\"type\":\"service\",\"name\":\"b\",\"region\":\"r\","
			       "\"attributes\":{\"nodes\":0.5},\"force_new\":[],\"depends_on\":[],\"lifecycle\":"
			       "{\"prevent_destroy\":false,\"allow_zero\":false}},\"crc32c\":\"a8c30b2f\"}\n");
	/* the checksum is CRC-32C of the bytes before ',"crc32c"' */
	ck_assert_uint_eq(sp_crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(sp_crc32c(0, line, strlen(line) - 22), 0xa8c30b2fu);
	ck_assert_uint_eq(sp_crc32c(sp_crc32c(0, line, 10), line + 10, strlen(line) - 32), 0xa8c30b2fu);
	free(line);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 3, "service.a[r]", NULL, &line, &err), 0);
	ck_assert_str_eq(line, "{\"lineage\":\"" LINEAGE "\",\"serial\":3,\"address\":\"service.a[r]\",\"resource\":null,"
			       "\"crc32c\":\"925d62eb\"}\n");
	free(line);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 3, "service.b[r]", &r[0], &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 0, "service.a[r]", NULL, &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line("x", 1, "service.a[r]", NULL, &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 1, "a", NULL, &line, &err), SP_EINVAL);

	/* serial 1 holds a; the journal adds b (2), updates a (3), deletes b (4) */
	struct sp_state *s = mkstate(1, r, 1);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 1, "service.a[r]", NULL, &line, &err), 0);
	sp_sb_adds(&j, line); /* at or below the state's serial: already folded, skipped */
	free(line);
	const struct sp_resource *seq[] = { &r[1], &r[2], NULL };
	const char *addr[] = { "service.b[r]", "service.a[r]", "service.b[r]" };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sp_state_journal_line(LINEAGE, (uint64_t)i + 2, addr[i], seq[i], &line, &err), 0);
		sp_sb_adds(&j, line);
		free(line);
	}
	sp_sb_adds(&j, "{\"lineage\":\"" LINEAGE "\",\"ser"); /* an append cut short */
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "state.json.journal", NULL, SP_JOURNAL_LEGACY, &err), 3);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_uint_eq(s->resources.n, 1);
	ck_assert_str_eq(s->resources.v[0].address, "service.a[r]");
	ck_assert_double_eq(sp_resource_attr(&s->resources.v[0], "nodes")->n, 4);
	/* replaying again changes nothing */
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "state.json.journal", NULL, SP_JOURNAL_LEGACY, &err), 0);
	ck_assert_uint_eq(s->serial, 4);
	sp_state_free(s);

	/* a fresh state takes the journal's lineage, and starts at serial 1 */
	s = sp_state_new();
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), 4);
	ck_assert_str_eq(s->lineage, LINEAGE);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_uint_eq(s->resources.n, 1);
	sp_state_free(s);
	s = sp_state_new();
	const char *tail = strchr(j.buf, '\n') + 1, *lin = s->lineage;
	ck_assert_int_eq(sp_state_journal_replay(s, tail, strlen(tail), "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), SP_ECORRUPT);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "serial 2, but the state's serial is 0"));
	ck_assert_ptr_eq(s->lineage, lin); /* a failed replay leaves the state alone */
	ck_assert_uint_eq(s->serial, 0);
	sp_state_free(s);
	s = sp_state_new();
	ck_assert_int_eq(sp_state_journal_line(LINEAGE2, 1, "service.b[r]", &r[1], &line, &err), 0);
	ck_assert_int_eq(sp_state_journal_replay(s, line, strlen(line), "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), 1);
	ck_assert_str_eq(s->lineage, LINEAGE2);
	ck_assert_uint_eq(s->serial, 1);
	ck_assert_uint_eq(s->resources.n, 1);
	/* another history's entry is refused, with its line */
	s->lineage = LINEAGE;
	s->serial = 0;
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, line, strlen(line), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, "j");
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to lineage " LINEAGE2));
	free(line);
	/* bad lines name their line number */
	static const char badj[] = "\n";
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, badj, strlen(badj), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 1);
	static const char badk[] = "{\"lineage\":\"" LINEAGE "\",\"serial\":1,\"address\":\"service.a[r]\",\"resource\":null}\n"
				   "{\"lineage\":\"" LINEAGE "\",\"serial\":2,\"address\":\"service.a[r]\",\"resource\":3}\n";
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, badk, strlen(badk), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "resource: must be an object (a resource), not an integer");
	ck_assert_uint_eq(s->serial, 0); /* line 1 was good, but the journal as a whole was not */
	ck_assert_uint_eq(s->resources.n, 1);
	sp_state_free(s);
	sp_sb_release(&j);
	sp_arena_free(&a);
}
END_TEST

/* ---- local backend ------------------------------------------------------------------------------ */

static struct sp_backend *open_backend(void)
{
	struct sp_backend *b = NULL;
	struct sp_err err;
	ck_assert_int_eq(sp_backend_local_open(&b, tp("dot/state.json"), &err), 0);
	ck_assert_str_eq(b->ops->kind, "local");
	return b;
}

static struct sp_state *state_with(uint64_t serial, int nodes)
{
	struct sp_state *s = mkstate(serial, NULL, 0);
	struct sp_resource *r = SP_NEWN(&s->arena, struct sp_resource, 1);
	*r = mkres(&s->arena, "service", "web", "us");
	add_num(r, "nodes", nodes);
	s->resources.v = r;
	s->resources.n = 1;
	return s;
}

static int bwrite(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	sp_err_clear(err);
	return b->ops->write(b, s, err);
}

START_TEST(test_backend_open_args)
{
	struct sp_backend *b = (struct sp_backend *)1;
	struct sp_err err;
	ck_assert_int_eq(sp_backend_local_open(&b, "", &err), SP_EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(sp_backend_local_open(&b, NULL, &err), SP_EINVAL);
	ck_assert_int_eq(sp_backend_local_open(&b, "dir/", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "must name a file"));
}
END_TEST

START_TEST(test_backend_read_missing)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s1 = NULL, *s2 = NULL;
	struct sp_err err;

	ck_assert_int_eq(b->ops->read(b, &s1, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s2, &err), 0);
	ck_assert_uint_eq(s1->serial, 0);
	ck_assert_uint_eq(s1->resources.n, 0);
	ck_assert_int_eq(s1->version, SP_STATE_VERSION);
	ck_assert(sp_uuid_valid(s1->lineage));
	ck_assert_str_ne(s1->lineage, s2->lineage); /* a fresh history each time */
	ck_assert_int_eq(count_files(tmpdir), 0);   /* reading creates nothing */
	sp_state_free(s1);
	sp_state_free(s2);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_write_read_backup)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s1 = state_with(1, 3), *s2 = state_with(2, 4), *got = NULL;
	struct sp_err err;
	char *t1, *t2, *disk;

	/* the first write creates the folder; no backup yet */
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	ck_assert(!exists(tp("dot/state.json.backup")));
	disk = slurp(tp("dot/state.json"));
	s1->scaleplan_version = SP_VERSION; /* the backend stamps its own version */
	t1 = encode(s1);
	ck_assert_str_eq(disk, t1);
	free(disk);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE);
	ck_assert_uint_eq(got->serial, 1);
	ck_assert_double_eq(got->resources.v[0].attrs[0].n, 3);
	sp_state_free(got);

	/* a change: the previous file becomes the backup */
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	s2->scaleplan_version = SP_VERSION;
	t2 = encode(s2);
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, t2);
	free(disk);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, t1);
	free(disk);

	/* the same serial and content again: nothing is written, the backup stays */
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, t1);
	free(disk);
	/* no temporary file is left: state, backup, lock */
	ck_assert_int_eq(count_files(tp("dot")), 3);
	ck_assert(exists(tp("dot/state.json.lock")));
	free(t1);
	free(t2);
	sp_state_free(s1);
	sp_state_free(s2);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_serial_lineage_rules)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s5 = state_with(5, 1), *s4 = state_with(4, 2), *s5b = state_with(5, 9), *other = state_with(6, 1);
	struct sp_err err;
	char *before, *after;

	/* any lineage is fine when nothing is stored, any serial too */
	ck_assert_int_eq(bwrite(b, s5, &err), 0);
	before = slurp(tp("dot/state.json"));

	ck_assert_int_eq(bwrite(b, s4, &err), SP_ESTALE);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(err.msg, "serial 4, older than the stored serial 5"));
	ck_assert_int_eq(bwrite(b, s5b, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "already has serial 5, with different content"));
	other->lineage = LINEAGE2;
	ck_assert_int_eq(bwrite(b, other, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "lineage " LINEAGE2 ", but the stored state has lineage " LINEAGE));
	/* none of them touched the state, and none made a backup */
	after = slurp(tp("dot/state.json"));
	ck_assert_str_eq(after, before);
	ck_assert(!exists(tp("dot/state.json.backup")));
	/* a state that cannot be encoded is refused before anything is touched */
	other->lineage = "nope";
	ck_assert_int_eq(bwrite(b, other, &err), SP_EINVAL);
	free(before);
	free(after);
	sp_state_free(s5);
	sp_state_free(s4);
	sp_state_free(s5b);
	sp_state_free(other);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_corrupt_state)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s = state_with(9, 1), *got = (struct sp_state *)1;
	struct sp_err err;
	static const char garbage[] = "{\n  \"version\": 1,\n  \"lineage\": oops\n}\n";
	char *disk;

	ck_assert_int_eq(mkdir(tp("dot"), 0777), 0);
	spew(tp("dot/state.json"), garbage);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_gt(err.col, 0);
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to replace"));
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, garbage);
	free(disk);
	ck_assert(!exists(tp("dot/state.json.backup")));

	/* valid JSON but not a state: the same */
	spew(tp("dot/state.json"), "{\"version\": 1}\n");
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "missing key 'lineage'");
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, "{\"version\": 1}\n");
	free(disk);
	/* an empty file is no state either */
	spew(tp("dot/state.json"), "");
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	sp_state_free(s);
	b->ops->close(b);
}
END_TEST

static void check_holder(const struct sp_lock_info *h, const struct sp_lock_info *mine)
{
	ck_assert_str_eq(h->id, mine->id);
	ck_assert_str_eq(h->who, mine->who);
	ck_assert_str_eq(h->operation, mine->operation);
	ck_assert_str_eq(h->created, mine->created);
	ck_assert_str_eq(h->host, mine->host);
	ck_assert_int_eq(h->pid, mine->pid);
}

START_TEST(test_backend_lock_contention)
{
	struct sp_backend *b1 = open_backend(), *b2 = open_backend();
	struct sp_lock_info mine, holder, again;
	struct sp_state *s = state_with(1, 1);
	struct sp_err err;
	char *rec;

	sp_err_clear(&err);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, &mine, &holder, &err), 0);
	ck_assert(sp_uuid_valid(mine.id));
	ck_assert_str_eq(mine.operation, "apply");
	ck_assert_int_eq(mine.pid, (long)getpid());
	ck_assert_ptr_nonnull(strchr(mine.who, '@'));
	ck_assert_str_ne(mine.host, "");
	/* RFC 3339 UTC: 2026-11-23T10:00:00Z */
	ck_assert_uint_eq(strlen(mine.created), 20);
	ck_assert_int_eq(mine.created[10], 'T');
	ck_assert_int_eq(mine.created[19], 'Z');
	ck_assert_str_eq(holder.id, ""); /* taken: nobody else to report */
	/* the lock file records the holder */
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, mine.id));
	ck_assert_ptr_nonnull(strstr(rec, "\"operation\": \"apply\""));
	free(rec);

	/* the same backend again: a usage error */
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, NULL, &err), SP_EINVAL);
	/* a second open of the same path contends, even in this process (flock is per open file) */
	sp_err_clear(&err);
	memset(&holder, 0, sizeof(holder));
	ck_assert_int_eq(b2->ops->lock(b2, "state push", 0, &again, &holder, &err), SP_ELOCKED);
	check_holder(&holder, &mine);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(err.msg, "state is locked by "));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.who));
	ck_assert_ptr_nonnull(strstr(err.msg, "for 'apply'"));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.id));
	ck_assert_ptr_null(strstr(err.msg, "gave up after")); /* it did not wait */
	/* holder and mine may be NULL */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, NULL, NULL, &err), SP_ELOCKED);
	/* writes: the holder may, the other is refused */
	ck_assert_int_eq(bwrite(b2, s, &err), SP_ELOCKED);
	ck_assert(!exists(tp("dot/state.json")));
	ck_assert_int_eq(bwrite(b1, s, &err), 0);
	/* forcing a live lock is refused, whatever the ID */
	sp_err_clear(&err);
	ck_assert_int_eq(b2->ops->unlock(b2, mine.id, &err), SP_ELOCKED);
	ck_assert_ptr_nonnull(strstr(err.msg, "ends only with its process"));
	/* the holder's own unlock needs its ID */
	ck_assert_int_eq(b1->ops->unlock(b1, "0f8fad5b-d9cb-469f-a165-70867728950e", &err), SP_EINVAL);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, NULL, NULL, &err), SP_ELOCKED);
	ck_assert_int_eq(b1->ops->unlock(b1, mine.id, &err), 0);
	/* released: the record is cleared, the file stays */
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_str_eq(rec, "");
	free(rec);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, &again, NULL, &err), 0);
	ck_assert_str_ne(again.id, mine.id);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, again.id);
	ck_assert_str_eq(holder.operation, "plan");
	/* close releases */
	b2->ops->close(b2);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, NULL, &err), 0);
	b1->ops->close(b1);
	sp_state_free(s);
}
END_TEST

START_TEST(test_backend_lock_timeout)
{
	struct sp_backend *b1 = open_backend(), *b2 = open_backend();
	struct sp_lock_info mine, holder;
	struct sp_err err;

	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, &mine, NULL, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 200, NULL, &holder, &err), SP_ELOCKED);
	check_holder(&holder, &mine);
	ck_assert_ptr_nonnull(strstr(err.msg, "; gave up after waiting "));
	/* negative is "try once" */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", -5, NULL, NULL, &err), SP_ELOCKED);
	ck_assert_ptr_null(strstr(err.msg, "gave up"));
	b1->ops->close(b1);
	/* free now: a waiting lock takes it at once */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 200, NULL, NULL, &err), 0);
	b2->ops->close(b2);
}
END_TEST

START_TEST(test_backend_dead_holder)
{
	struct sp_backend *b, *live;
	struct sp_lock_info holder, mine;
	struct sp_err err;
	int pipefd[2], status;
	char child_id[40] = "";
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* takes the lock and dies without unlocking */
		struct sp_backend *cb;
		struct sp_lock_info m;
		struct sp_err e;
		if (sp_backend_local_open(&cb, tp("dot/state.json"), &e) < 0 || cb->ops->lock(cb, "apply", 0, &m, NULL, &e) < 0)
			_exit(3);
		if (write(pipefd[1], m.id, sizeof(m.id)) != (ssize_t)sizeof(m.id))
			_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], child_id, sizeof(child_id)), (ssize_t)sizeof(child_id));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* the record outlived its process; the flock did not */
	b = open_backend();
	char *rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, child_id));
	free(rec);
	/* state unlock ID: another ID changes nothing */
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not the recorded one"));
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, child_id));
	free(rec);
	/* the recorded ID clears the stale record */
	ck_assert_int_eq(b->ops->unlock(b, child_id, &err), 0);
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_str_eq(rec, "");
	free(rec);
	/* nothing recorded any more */
	ck_assert_int_eq(b->ops->unlock(b, child_id, &err), SP_ENOTFOUND);
	b->ops->close(b);

	/* and a dead holder's lock is simply free: lock works without any unlock */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sp_backend *cb;
		struct sp_err e;
		if (sp_backend_local_open(&cb, tp("dot/state.json"), &e) < 0 || cb->ops->lock(cb, "apply", 0, NULL, NULL, &e) < 0)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	live = open_backend();
	ck_assert_int_eq(live->ops->lock(live, "apply", 0, &mine, &holder, &err), 0);
	/* with a live holder, unlock ID from elsewhere is refused */
	b = open_backend();
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), SP_ELOCKED);
	b->ops->close(b);
	live->ops->close(live);
}
END_TEST

START_TEST(test_backend_unlock_nothing)
{
	struct sp_backend *b = open_backend();
	struct sp_err err;
	sp_err_clear(&err);
	/* no lock file at all */
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_ENOTFOUND);
	ck_assert(!exists(tp("dot/state.json.lock")));
	/* a lock file with no record */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	b->ops->close(b);
	b = open_backend();
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_ENOTFOUND);
	ck_assert_int_eq(b->ops->unlock(b, NULL, &err), SP_ENOTFOUND);
	const struct sp_backend_ops *ops = b->ops;
	ops->close(b);
	ops->close(NULL); /* a no-op */
}
END_TEST

START_TEST(test_backend_journal)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s = NULL, *got = NULL;
	struct sp_resource r[2];
	struct sp_arena a;
	struct sp_err err;
	char *disk, *bytes3;
	sp_arena_init(&a);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "nodes", 2);
	r[1] = mkres(&a, "cache", "c", "r");
	add_str(&r[1], "node", "cache.r6g.large");

	/* recording needs the lock */
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs the state lock"));
	ck_assert(!exists(tp("dot/state.json.journal")));
	sp_state_free(s);

	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), 0);
	ck_assert_uint_eq(s->serial, 1);
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", &r[1], &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	ck_assert(exists(tp("dot/state.json.journal")));
	/* the first record began the journal: the state file names it (serial 0, nothing else yet) */
	disk = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(disk, "\"serial\": 0"));
	ck_assert_ptr_nonnull(strstr(disk, "\"journal\": \""));
	ck_assert_ptr_nonnull(strstr(disk, s->journal));
	free(disk);
	/* the address must match the resource */
	ck_assert_int_eq(b->ops->record(b, s, "cache.x[r]", &r[1], &err), SP_EINVAL);
	ck_assert_uint_eq(s->serial, 3);
	/* a state that is not the stored one is refused */
	s->serial = 7;
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", NULL, &err), SP_ESTALE);
	s->serial = 3;

	/* anyone reading now sees what was recorded, in the state's lineage */
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_str_eq(got->lineage, s->lineage);
	ck_assert_uint_eq(got->serial, 3);
	ck_assert_uint_eq(got->resources.n, 1);
	ck_assert_str_eq(got->resources.v[0].address, "cache.c[r]");
	ck_assert_str_eq(got->resources.v[0].attrs[0].s, "cache.r6g.large");
	/* another lineage, or a lower serial, is refused against the journal too */
	got->serial = 2;
	ck_assert_int_eq(bwrite(b, got, &err), SP_ESTALE);
	got->serial = 3;

	/* a write of the same serial and content folds the journal into the file */
	ck_assert_int_eq(bwrite(b, got, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	bytes3 = slurp(tp("dot/state.json"));
	ck_assert_ptr_null(strstr(bytes3, "\"journal\""));
	ck_assert_ptr_nonnull(strstr(bytes3, "\"serial\": 3"));
	sp_state_free(got);

	/* more records, then a write with a new serial: the old file is the backup */
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), 0);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_uint_eq(got->resources.n, 2);
	got->serial = 5;
	got->cost.present = 1;
	got->cost.pct[0] = 10;
	got->cost.pct[1] = 50;
	got->cost.pct[2] = 90;
	snprintf(got->cost.at, sizeof(got->cost.at), "2027-01");
	snprintf(got->cost.currency, sizeof(got->cost.currency), "USD");
	ck_assert_int_eq(bwrite(b, got, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	/* the backup is the state as the apply began: serial 3, naming its journal */
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_ptr_nonnull(strstr(disk, "\"serial\": 3"));
	ck_assert_ptr_nonnull(strstr(disk, "\"journal\": \""));
	free(disk);
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	ck_assert_int_eq(got->cost.present, 1);
	ck_assert_uint_eq(got->resources.n, 2);
	sp_state_free(got);

	/* the in-memory state is now behind the stored one */
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), SP_ESTALE);
	sp_state_free(s);
	b->ops->close(b);

	/* a journal cut short by a kill: the torn line is ignored, and the next record starts clean */
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), 0);
	FILE *f = fopen(tp("dot/state.json.journal"), "ab");
	fputs("{\"lineage\":\"", f);
	fclose(f);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 6);
	sp_state_free(got);
	b->ops->close(b);
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", NULL, &err), 0);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	ck_assert_uint_eq(got->resources.n, 0);
	sp_state_free(got);
	/* a crash after the fold wrote the file but before the journal went: entries are skipped */
	disk = slurp(tp("dot/state.json.journal"));
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	spew(tp("dot/state.json.journal"), disk);
	free(disk);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	sp_state_free(got);
	/* a journal that does not follow the state is an error naming it */
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":9,\"address\":\"service.a[r]\",\"resource\":null}\n");
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, tp("dot/state.json.journal"));
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "its first line is not the journal's header"));
	ck_assert_int_eq(bwrite(b, s, &err), SP_ECORRUPT);
	free(bytes3);
	sp_state_free(s);
	b->ops->close(b);
	other->ops->close(other);
	sp_arena_free(&a);
}
END_TEST

/* Damage after a write is found on read, named, never taken for content. */
START_TEST(test_backend_integrity)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s = state_with(5, 3), *got = NULL;
	struct sp_err err;
	char *good, *jgood, *p, *hdr;

	ck_assert_int_eq(bwrite(b, s, &err), 0);
	good = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(good, "\"checksum\": \"crc32c:"));
	ck_assert_ptr_nonnull(strstr(good, "\"version\": 2"));
	/* every single byte changed inside a value is found */
	for (p = strstr(good, "\"nodes\": 3") + 9; *p != '\n'; p++) {
		char *bad = sp_xstrdup(good);
		bad[p - good] ^= 0x01;
		spew(tp("dot/state.json"), bad);
		sp_err_clear(&err);
		ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
		ck_assert_ptr_nonnull(strstr(err.msg, "does not match its checksum"));
		ck_assert_ptr_nonnull(strstr(err.msg, "state pull --backup"));
		/* and a write never replaces it */
		ck_assert_int_eq(bwrite(b, s, &err), SP_ECORRUPT);
		free(bad);
	}
	/* so is a flip in the lineage, and in the checksum itself */
	char *bad = sp_xstrdup(good);
	bad[strstr(bad, LINEAGE) - bad] = 'a';
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	strcpy(bad, good);
	p = strstr(bad, "crc32c:") + 7;
	*p = *p == '0' ? '1' : '0';
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	/* a format-2 state without its checksum line is damaged too */
	strcpy(bad, good);
	p = strstr(bad, "  \"checksum\"");
	memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no checksum"));
	free(bad);
	spew(tp("dot/state.json"), good);

	/* an apply begins: the state names its journal */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->begin(b, s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.web[us]", NULL, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.x[us]", NULL, &err), 0);
	jgood = slurp(tp("dot/state.json.journal"));
	hdr = sp_xstrndup(jgood, (size_t)(strchr(jgood, '\n') - jgood + 1));
	ck_assert_ptr_nonnull(strstr(hdr, s->journal));
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	sp_state_free(got);
	/* a deleted journal */
	unlink(tp("dot/state.json.journal"));
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, tp("dot/state.json.journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "missing: the state names journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "since serial 5"));
	/* an empty one, or one cut inside its header */
	spew(tp("dot/state.json.journal"), "");
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
	spew(tp("dot/state.json.journal"), "{\"journal\":");
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	/* a byte flipped in a record */
	bad = sp_xstrdup(jgood);
	p = strstr(strchr(bad, '\n') + 1, "service.web");
	p[8] = 'W';
	spew(tp("dot/state.json.journal"), bad);
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged journal record"));
	/* a record whose checksum was taken off */
	strcpy(bad, jgood);
	p = strstr(strchr(bad, '\n') + 1, ",\"crc32c\"");
	memmove(p, p + 21, strlen(p + 21) + 1);
	memmove(p + 1, p, strlen(p) + 1);
	*p = '}';
	spew(tp("dot/state.json.journal"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no checksum"));
	free(bad);
	/* another apply's journal, and another state's */
	char *h2;
	ck_assert_int_eq(sp_state_journal_header(LINEAGE2, s->lineage, 5, &h2, &err), 0);
	spew(tp("dot/state.json.journal"), h2);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to another apply"));
	free(h2);
	ck_assert_int_eq(sp_state_journal_header(s->journal, LINEAGE2, 5, &h2, &err), 0);
	spew(tp("dot/state.json.journal"), h2);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "another state's journal"));
	free(h2);
	/* a record cut short at the end was never acknowledged: read as far as it goes */
	bad = sp_xstrdup(jgood);
	bad[strlen(bad) - 10] = '\0';
	spew(tp("dot/state.json.journal"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 6);
	sp_state_free(got);
	free(bad);

	/* recovery: the state file without its journal, and the backup */
	ck_assert_int_eq(other->ops->read_recovery(other, SP_READ_NO_JOURNAL, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	ck_assert_str_eq(got->journal, "");
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read_recovery(other, SP_READ_BACKUP, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	sp_state_free(got);
	spew(tp("dot/state.json.journal"), jgood);
	b->ops->close(b);

	/* begin proves the journal can be written before anything changes */
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_uint_eq(s->serial, 7);
	b->ops->close(b);
	/* fold what the journal holds (a plain write does) */
	b = open_backend();
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	free(good);
	good = slurp(tp("dot/state.json"));
	ck_assert(symlink(tp("no-such-dir/journal"), tp("dot/state.json.journal")) == 0);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->begin(b, s, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing was changed"));
	p = slurp(tp("dot/state.json"));
	ck_assert_str_eq(p, good);
	free(p);
	unlink(tp("dot/state.json.journal"));

	free(good);
	free(jgood);
	free(hdr);
	sp_state_free(s);
	b->ops->close(b);
	other->ops->close(other);
}
END_TEST

/* A format-1 state (no checksum) and its format-1 journal (no header) are
 * read as they were; the next write makes them format 2. */
START_TEST(test_backend_reads_format_1)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s = NULL;
	struct sp_err err;
	char *disk;

	mkdir(tp("dot"), 0777);
	spew(tp("dot/state.json"), "{\"version\": 1, \"lineage\": \"" LINEAGE "\", \"serial\": 2, \"resources\": []}\n");
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":3,\"address\":\"service.a[r]\",\"resource\":{\"address\":"
	     "\"service.a[r]\",\"type\":\"service\",\"name\":\"a\",\"region\":\"r\",\"attributes\":{\"n\":1}}}\n");
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	ck_assert_uint_eq(s->resources.n, 1);
	ck_assert_int_eq(s->read_version, 1);
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	disk = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(disk, "\"version\": 2"));
	ck_assert_ptr_nonnull(strstr(disk, "\"checksum\": \"crc32c:"));
	free(disk);
	/* the backup keeps the file as format 1 wrote it */
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_ptr_nonnull(strstr(disk, "\"version\": 1"));
	free(disk);
	sp_state_free(s);
	/* but a format-2 state does not take a journal without a header */
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":4,\"address\":\"service.a[r]\",\"resource\":null}\n");
	ck_assert_int_eq(b->ops->read(b, &s, &err), SP_ECORRUPT);
	unlink(tp("dot/state.json.journal"));
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_write_force)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s5 = state_with(5, 1), *s1 = state_with(1, 2), *got = NULL;
	struct sp_err err;
	char *disk, *before;

	ck_assert_int_eq(bwrite(b, s5, &err), 0);
	before = slurp(tp("dot/state.json"));
	/* another lineage and a lower serial: write refuses, write_force replaces */
	s1->lineage = LINEAGE2;
	ck_assert_int_eq(bwrite(b, s1, &err), SP_EINVAL);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE2);
	ck_assert_uint_eq(got->serial, 1);
	sp_state_free(got);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, before);
	free(disk);
	free(before);
	/* a state that cannot be read is replaced too, and kept as the backup */
	spew(tp("dot/state.json"), "{ broken");
	ck_assert_int_eq(bwrite(b, s5, &err), SP_EINVAL);
	ck_assert_int_eq(b->ops->write_force(b, s5, &err), 0);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, "{ broken");
	free(disk);
	/* a pending journal goes with it */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_int_eq(b->ops->record(b, got, "service.web[us]", NULL, &err), 0);
	ck_assert(exists(tp("dot/state.json.journal")));
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE2);
	ck_assert_uint_eq(got->resources.n, 1);
	sp_state_free(got);
	/* but never past another holder's lock */
	ck_assert_int_eq(other->ops->write_force(other, s5, &err), SP_ELOCKED);
	b->ops->close(b);
	other->ops->close(other);
	sp_state_free(s1);
	sp_state_free(s5);
}
END_TEST

START_TEST(test_backend_temps_cleaned_on_lock)
{
	struct sp_backend *b = open_backend();
	struct sp_err err;
	ck_assert_int_eq(mkdir(tp("dot"), 0777), 0);
	/* what a killed writer leaves */
	spew(tp("dot/.state.json.tmp-AbC123"), "partial");
	spew(tp("dot/.state.json.backup.tmp-xyz789"), "partial");
	spew(tp("dot/.state.json.tmp-keepme-not-ours"), "other");
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert(!exists(tp("dot/.state.json.tmp-AbC123")));
	ck_assert(!exists(tp("dot/.state.json.backup.tmp-xyz789")));
	ck_assert(exists(tp("dot/.state.json.tmp-keepme-not-ours")));
	b->ops->close(b);
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
	tcase_add_test(tc, test_journal_replay);
	suite_add_tcase(s, tc);

	tc = tcase_create("backend");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_backend_open_args);
	tcase_add_test(tc, test_backend_read_missing);
	tcase_add_test(tc, test_backend_write_read_backup);
	tcase_add_test(tc, test_backend_serial_lineage_rules);
	tcase_add_test(tc, test_backend_corrupt_state);
	tcase_add_test(tc, test_backend_lock_contention);
	tcase_add_test(tc, test_backend_lock_timeout);
	tcase_add_test(tc, test_backend_dead_holder);
	tcase_add_test(tc, test_backend_unlock_nothing);
	tcase_add_test(tc, test_backend_journal);
	tcase_add_test(tc, test_backend_integrity);
	tcase_add_test(tc, test_backend_reads_format_1);
	tcase_add_test(tc, test_backend_write_force);
	tcase_add_test(tc, test_backend_temps_cleaned_on_lock);
	suite_add_tcase(s, tc);
	return s;
}
