/* Price catalogs from JSON (jansson). Every value is checked against the
 * format in docs/catalog.md; the first problem found is reported with the
 * JSON path of the value and its line and column in the file (lib/json.h's
 * decoding context, given the text). Strings are copied into the catalog's
 * arena; no jansson memory outlives sp_catalog_parse. */
#include "providers/catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/hmap.h"
#include "lib/json.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define FORMAT_NAME "scaleplan-catalog"
#define FORMAT_VERSION 1
#define MAX_GPUS_PER_SKU 4096

static const char *const kind_names[] = { "compute", "database", "cache", "gpu" };

/* ---- typed members ------------------------------------------------------------------------------ */

enum rule {
	PRICE,      /* > 0 */
	PRICE0,     /* >= 0 */
	POSITIVE,   /* > 0, not a price */
	NONNEG,     /* >= 0, not a price */
	FRACTION,   /* [0, 1) */
};

static int check_num(struct sp_jdec *d, json_t *v, int flags, enum rule rule, double *out)
{
	double x;

	if (json_is_null(v) && (flags & SP_JNULL))
		return 0;
	if (!json_is_number(v))
		return sp_jdec_fail(d, "expected a number%s, got %s", flags & SP_JNULL ? " or null" : "", sp_jdec_kind(d, v));
	x = json_number_value(v);
	switch (rule) {
	case PRICE:
		if (x < 0)
			return sp_jdec_fail(d, "negative price %g", x);
		if (x == 0)
			return sp_jdec_fail(d, "zero price; a price must be positive%s",
				    flags & SP_JNULL ? " (use null when it is not offered)" : "");
		break;
	case PRICE0:
		if (x < 0)
			return sp_jdec_fail(d, "negative price %g", x);
		break;
	case POSITIVE:
		if (x <= 0)
			return sp_jdec_fail(d, "must be positive, got %g", x);
		break;
	case NONNEG:
		if (x < 0)
			return sp_jdec_fail(d, "must not be negative, got %g", x);
		break;
	case FRACTION:
		if (!(x >= 0 && x < 1))
			return sp_jdec_fail(d, "must be at least 0 and below 1, got %g", x);
		break;
	}
	*out = x;
	return 0;
}

/* A number member; *out is left alone when the member is absent or null. */
static int get_num(struct sp_jdec *d, json_t *obj, const char *key, int flags, enum rule rule, double *out)
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc;

	if (!v && !(flags & SP_JREQ))
		return 0;
	if (!v)
		return sp_jdec_fail(d, "missing %s '%s'%s", rule == PRICE || rule == PRICE0 ? "price" : "field", key,
			    flags & SP_JNULL ? " (write null when it is not offered)" : "");
	mark = sp_jdec_push_key(d, key);
	rc = check_num(d, v, flags, rule, out);
	sp_jdec_pop(d, mark);
	return rc;
}

/* ---- the sections ------------------------------------------------------------------------------- */

static int check_date(const char *s)
{
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return -1;
	if (n != 7 && n != 10)
		return -1;
	int month = (s[5] - '0') * 10 + (s[6] - '0');
	if (month < 1 || month > 12)
		return -1;
	if (n == 10) {
		int day = (s[8] - '0') * 10 + (s[9] - '0');
		if (day < 1 || day > 31)
			return -1;
	}
	return 0;
}

/* notes: an array of strings, kept for readers of the file only. */
static int check_notes(struct sp_jdec *d, json_t *v)
{
	size_t mark = sp_jdec_push_key(d, "notes");

	if (!json_is_array(v))
		return sp_jdec_fail(d, "expected an array of strings, got %s", sp_jdec_kind(d, v));
	for (size_t i = 0; i < json_array_size(v); i++)
		if (!json_is_string(json_array_get(v, i))) {
			sp_jdec_push_idx(d, i);
			return sp_jdec_fail(d, "expected a string, got %s", sp_jdec_kind(d, json_array_get(v, i)));
		}
	sp_jdec_pop(d, mark);
	return 0;
}

static int parse_header(struct sp_jdec *d, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "format", "version", "name", "currency", "as_of", "source", "notes",
					    "hours_per_month", "spot_discount", "storage", "transfer", "gpus",
					    "skus", NULL };
	json_t *v;
	int rc;

	/* the format first: a JSON file that is not a catalog should say so, not list unknown fields */
	v = json_object_get(root, "format");
	if (!v)
		return sp_jdec_fail(d, "missing field 'format' (a price catalog has \"format\": \"%s\")", FORMAT_NAME);
	if (!json_is_string(v))
		return sp_jdec_fail_in(d, "format", "expected \"%s\", got %s", FORMAT_NAME, sp_jdec_kind(d, v));
	if (strcmp(json_string_value(v), FORMAT_NAME))
		return sp_jdec_fail_in(d, "format", "expected \"%s\", got \"%s\"", FORMAT_NAME, json_string_value(v));
	v = json_object_get(root, "version");
	if (!v)
		return sp_jdec_fail(d, "missing field 'version'");
	if (!json_is_integer(v))
		return sp_jdec_fail_in(d, "version", "expected the integer %d, got %s", FORMAT_VERSION, sp_jdec_kind(d, v));
	if (json_integer_value(v) != FORMAT_VERSION)
		return sp_jdec_fail_in(d, "version", "unsupported catalog version %lld (this scaleplan reads version %d)",
				       (long long)json_integer_value(v), FORMAT_VERSION);
	if ((rc = sp_jdec_keys(d, root, keys)) < 0)
		return rc;

	if ((rc = sp_jdec_str(d, root, "name", SP_JREQ | SP_JNONEMPTY, &c->name)) < 0 ||
	    (rc = sp_jdec_str(d, root, "currency", SP_JREQ | SP_JNONEMPTY, &c->currency)) < 0 ||
	    (rc = sp_jdec_str(d, root, "as_of", SP_JREQ | SP_JNONEMPTY, &c->as_of)) < 0 ||
	    (rc = sp_jdec_str(d, root, "source", SP_JREQ | SP_JNONEMPTY, &c->source)) < 0)
		return rc;
	if (strlen(c->currency) != 3 || strspn(c->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3)
		return sp_jdec_fail_in(d, "currency", "expected a three-letter currency code such as \"USD\", got \"%s\"",
				       c->currency);
	if (check_date(c->as_of) < 0)
		return sp_jdec_fail_in(d, "as_of",
				       "expected the date the prices were read, as YYYY-MM or YYYY-MM-DD, got \"%s\"",
				       c->as_of);
	if ((v = json_object_get(root, "notes")) && (rc = check_notes(d, v)) < 0)
		return rc;
	if ((rc = get_num(d, root, "hours_per_month", SP_JREQ, POSITIVE, &c->hours_per_month)) < 0 ||
	    (rc = get_num(d, root, "spot_discount", SP_JREQ, FRACTION, &c->spot_discount)) < 0)
		return rc;
	return 0;
}

/* A required object member of root with only the allowed keys, read by fn
 * with the path at it. */
static int parse_section(struct sp_jdec *d, json_t *root, const char *key, const char *const *allowed,
			 int (*fn)(struct sp_jdec *, json_t *, struct sp_catalog *), struct sp_catalog *c)
{
	json_t *v;
	size_t mark;
	int rc;

	if ((rc = sp_jdec_member(d, root, key, SP_JOBJECT, SP_JREQ, &v)) < 0)
		return rc;
	mark = sp_jdec_push_key(d, key);
	if ((rc = sp_jdec_keys(d, v, allowed)) == 0 && (rc = fn(d, v, c)) == 0)
		sp_jdec_pop(d, mark);
	return rc;
}

static int parse_storage(struct sp_jdec *d, json_t *v, struct sp_catalog *c)
{
	int rc;

	if ((rc = get_num(d, v, "block_gb_month", SP_JREQ, PRICE0, &c->block_storage_gb_month)) < 0 ||
	    (rc = get_num(d, v, "object_gb_month", SP_JREQ, PRICE0, &c->object_storage_gb_month)) < 0)
		return rc;
	return get_num(d, v, "database_gb_month", SP_JREQ, PRICE0, &c->db_storage_gb_month);
}

static int parse_tiers(struct sp_jdec *d, json_t *arr, struct sp_catalog *c)
{
	static const char *const keys[] = { "up_to_gb", "price_per_gb", NULL };
	size_t n = json_array_size(arr);
	int rc = 0;

	if (n == 0)
		return sp_jdec_fail(d, "at least one egress tier is needed");
	c->egress = SP_NEWN(&c->arena, struct sp_egress_tier, n);
	c->negress = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *t = json_array_get(arr, i);
		struct sp_egress_tier *et = &c->egress[i];
		size_t mark = sp_jdec_push_idx(d, i);
		if ((rc = sp_jdec_object(d, t, keys)) == 0 &&
		    (rc = get_num(d, t, "up_to_gb", 0, POSITIVE, &et->up_to_gb)) == 0 &&
		    (rc = get_num(d, t, "price_per_gb", SP_JREQ, PRICE0, &et->price_per_gb)) == 0) {
			int bounded = json_object_get(t, "up_to_gb") != NULL;
			if (i + 1 < n && !bounded)
				rc = sp_jdec_fail(d, "only the last tier may leave out 'up_to_gb'");
			else if (i + 1 == n && bounded)
				rc = sp_jdec_fail(d, "the last tier must leave out 'up_to_gb', so that every volume has a price");
			else if (i > 0 && bounded && et->up_to_gb <= c->egress[i - 1].up_to_gb)
				rc = sp_jdec_fail_in(d, "up_to_gb", "tier bounds must increase: %g after %g", et->up_to_gb,
						     c->egress[i - 1].up_to_gb);
		}
		sp_jdec_pop(d, mark);
	}
	return rc;
}

static int parse_transfer(struct sp_jdec *d, json_t *v, struct sp_catalog *c)
{
	json_t *tiers;
	int rc;

	if ((rc = get_num(d, v, "cross_az_gb", SP_JREQ, PRICE0, &c->cross_az_gb)) < 0 ||
	    (rc = get_num(d, v, "cross_region_gb", SP_JREQ, PRICE0, &c->cross_region_gb)) < 0 ||
	    (rc = get_num(d, v, "egress_free_gb", SP_JREQ, NONNEG, &c->egress_free_gb)) < 0 ||
	    (rc = sp_jdec_member(d, v, "egress_tiers", SP_JARRAY, SP_JREQ, &tiers)) < 0)
		return rc;
	sp_jdec_push_key(d, "egress_tiers");
	return parse_tiers(d, tiers, c);
}

static int parse_gpus(struct sp_jdec *d, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "name", "peak_tflops", "sku", "note", NULL };
	json_t *arr;
	size_t mark;
	int rc;

	if ((rc = sp_jdec_member(d, root, "gpus", SP_JARRAY, SP_JREQ, &arr)) < 0)
		return rc;
	c->ngpus = json_array_size(arr);
	c->gpus = SP_NEWN(&c->arena, struct sp_gpu_model, c->ngpus ? c->ngpus : 1);
	mark = sp_jdec_push_key(d, "gpus");
	for (size_t i = 0; i < c->ngpus && rc == 0; i++) {
		json_t *g = json_array_get(arr, i);
		struct sp_gpu_model *m = &c->gpus[i];
		const char *note = NULL;
		size_t at = sp_jdec_push_idx(d, i);
		if (json_is_object(g) && json_is_string(json_object_get(g, "name")))
			sp_jdec_subject(d, "GPU", json_string_value(json_object_get(g, "name")));
		if ((rc = sp_jdec_object(d, g, keys)) == 0 &&
		    (rc = sp_jdec_str(d, g, "name", SP_JREQ | SP_JNONEMPTY, &m->name)) == 0 &&
		    (rc = get_num(d, g, "peak_tflops", SP_JREQ, POSITIVE, &m->peak_tflops)) == 0 &&
		    (rc = sp_jdec_str(d, g, "sku", SP_JREQ | SP_JNONEMPTY, &m->sku)) == 0)
			rc = sp_jdec_str(d, g, "note", SP_JNONEMPTY, &note);
		for (size_t j = 0; j < i && rc == 0; j++)
			if (!strcmp(c->gpus[j].name, m->name))
				rc = sp_jdec_fail_in(d, "name", "duplicate GPU (first at gpus[%zu])", j);
		sp_jdec_subject(d, NULL, NULL);
		sp_jdec_pop(d, at);
	}
	sp_jdec_pop(d, mark);
	return rc;
}

static int kind_of(const char *s)
{
	for (size_t k = 0; k < SP_ARRAY_LEN(kind_names); k++)
		if (!strcmp(s, kind_names[k]))
			return (int)k;
	return -1;
}

/* A commitment or spot price must not exceed the on-demand price. */
static int not_above(struct sp_jdec *d, const char *key, double price, double od, const char *what)
{
	if (price > od)
		return sp_jdec_fail_in(d, key, "%s price %g is above the on-demand price %g", what, price, od);
	return 0;
}

static int parse_sku(struct sp_jdec *d, json_t *o, struct sp_sku *s)
{
	static const char *const keys[] = { "name", "kind", "vcpus", "memory_gib", "gpus", "gpu_model",
					    "on_demand_hourly", "commit_1y_hourly", "commit_3y_hourly", "spot_hourly",
					    "note", "cpu_speed", NULL };
	const char *kind = NULL, *note = NULL;
	json_t *v;
	int rc, k;

	if ((rc = sp_jdec_object(d, o, NULL)) < 0 || (rc = sp_jdec_str(d, o, "name", SP_JREQ | SP_JNONEMPTY, &s->name)) < 0)
		return rc;
	for (const char *p = s->name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return sp_jdec_fail_in(d, "name", "a SKU name must not contain spaces or control characters");
	sp_jdec_subject(d, "SKU", s->name);
	if ((rc = sp_jdec_keys(d, o, keys)) < 0 || (rc = sp_jdec_str(d, o, "kind", SP_JREQ | SP_JNONEMPTY, &kind)) < 0)
		return rc;
	if ((k = kind_of(kind)) < 0) {
		const char *best = sp_suggest(kind, kind_names, SP_ARRAY_LEN(kind_names));
		if (best)
			return sp_jdec_fail_in(d, "kind", "unknown kind '%s'; did you mean '%s'?", kind, best);
		return sp_jdec_fail_in(d, "kind", "unknown kind '%s' (expected compute, database, cache or gpu)", kind);
	}
	s->kind = (enum sp_sku_kind)k;
	/* the model sizes compute, caches and GPU hosts by their vCPUs and memory;
	 * a database priced by capacity (DynamoDB) has neither */
	int sized = s->kind != SP_SKU_DATABASE ? SP_JREQ : 0;
	if ((rc = get_num(d, o, "vcpus", sized, POSITIVE, &s->vcpus)) < 0 ||
	    (rc = get_num(d, o, "memory_gib", sized, POSITIVE, &s->memory_gib)) < 0)
		return rc;
	if (s->kind == SP_SKU_GPU) {
		if (!(v = json_object_get(o, "gpus")))
			return sp_jdec_fail(d, "missing field 'gpus' (GPUs per instance)");
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAX_GPUS_PER_SKU)
			return sp_jdec_fail_in(d, "gpus", "expected a whole number of GPUs from 1 to %d", MAX_GPUS_PER_SKU);
		s->gpus = (int)json_integer_value(v);
		if ((rc = sp_jdec_str(d, o, "gpu_model", SP_JREQ | SP_JNONEMPTY, &s->gpu_model)) < 0)
			return rc;
	} else {
		static const char *const gpu_keys[] = { "gpus", "gpu_model" };
		for (size_t i = 0; i < SP_ARRAY_LEN(gpu_keys); i++)
			if (json_object_get(o, gpu_keys[i])) {
				sp_jdec_push_key(d, gpu_keys[i]);
				return sp_jdec_fail_key(d, "'%s' belongs to gpu SKUs, and this one is a %s SKU",
							gpu_keys[i], kind_names[s->kind]);
			}
	}
	if ((rc = get_num(d, o, "on_demand_hourly", SP_JREQ, PRICE, &s->on_demand_hourly)) < 0 ||
	    (rc = get_num(d, o, "commit_1y_hourly", SP_JREQ | SP_JNULL, PRICE, &s->commit_1y_hourly)) < 0 ||
	    (rc = get_num(d, o, "commit_3y_hourly", SP_JREQ | SP_JNULL, PRICE, &s->commit_3y_hourly)) < 0 ||
	    (rc = get_num(d, o, "spot_hourly", SP_JNULL, PRICE, &s->spot_hourly)) < 0 ||
	    (rc = sp_jdec_str(d, o, "note", SP_JNONEMPTY, &note)) < 0)
		return rc;
	if ((rc = not_above(d, "commit_1y_hourly", s->commit_1y_hourly, s->on_demand_hourly, "1-year commitment")) < 0 ||
	    (rc = not_above(d, "commit_3y_hourly", s->commit_3y_hourly, s->on_demand_hourly, "3-year commitment")) < 0 ||
	    (rc = not_above(d, "spot_hourly", s->spot_hourly, s->on_demand_hourly, "spot")) < 0)
		return rc;
	return 0;
}

static int cmp_sku(const void *a, const void *b)
{
	return strcmp(((const struct sp_sku *)a)->name, ((const struct sp_sku *)b)->name);
}

static int parse_skus(struct sp_jdec *d, json_t *root, struct sp_catalog *c)
{
	struct sp_hmap seen;
	json_t *arr;
	size_t mark;
	int rc;

	if ((rc = sp_jdec_member(d, root, "skus", SP_JARRAY, SP_JREQ, &arr)) < 0)
		return rc;
	c->nskus = json_array_size(arr);
	c->skus = SP_NEWN(&c->arena, struct sp_sku, c->nskus ? c->nskus : 1);
	c->cpu_speed = SP_NEWN(&c->arena, double, c->nskus ? c->nskus : 1);
	double *speeds = SP_NEWN(&c->arena, double, c->nskus ? c->nskus : 1);
	sp_hmap_init(&seen);
	mark = sp_jdec_push_key(d, "skus");
	for (size_t i = 0; i < c->nskus && rc == 0; i++) {
		struct sp_sku *s = &c->skus[i];
		uint32_t first;
		size_t m = sp_jdec_push_idx(d, i);
		rc = parse_sku(d, json_array_get(arr, i), s);
		/* the speed of one vCPU against the catalog's reference (docs/catalog.md) */
		speeds[i] = 1.0;
		if (rc == 0)
			rc = get_num(d, json_array_get(arr, i), "cpu_speed", 0, POSITIVE, &speeds[i]);
		if (rc == 0 && sp_hmap_put(&seen, s->name, (uint32_t)i, &first))
			rc = sp_jdec_fail_in(d, "name", "duplicate SKU (first at skus[%u])", (unsigned)first);
		if (rc == 0 && s->kind == SP_SKU_GPU) {
			size_t g = 0;
			while (g < c->ngpus && strcmp(c->gpus[g].name, s->gpu_model))
				g++;
			if (g == c->ngpus)
				rc = sp_jdec_fail_in(d, "gpu_model", "GPU model '%s' is not in the catalog's 'gpus' list",
						     s->gpu_model);
		}
		sp_jdec_subject(d, NULL, NULL);
		sp_jdec_pop(d, m);
	}
	sp_jdec_pop(d, mark);
	if (rc == 0 && c->nskus > 1)
		qsort(c->skus, c->nskus, sizeof(*c->skus), cmp_sku);
	/* the speeds follow their SKUs into name order */
	for (size_t k = 0; k < c->nskus && rc == 0; k++) {
		uint32_t i = 0;
		sp_hmap_get(&seen, c->skus[k].name, &i);
		c->cpu_speed[k] = speeds[i];
	}
	sp_hmap_free(&seen);
	return rc < 0 ? rc : 0;
}

/* Each GPU model names the SKU that carries it: a gpu SKU with that model. */
static int check_gpu_skus(struct sp_jdec *d, struct sp_catalog *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->ngpus && rc == 0; i++) {
		const struct sp_gpu_model *m = &c->gpus[i];
		const struct sp_sku *s = sp_catalog_sku(c, m->sku);
		size_t mark = sp_jdec_push_key(d, "gpus");
		sp_jdec_push_idx(d, i);
		sp_jdec_push_key(d, "sku");
		sp_jdec_subject(d, "GPU", m->name);
		if (!s)
			rc = sp_jdec_fail(d, "SKU '%s' is not in the catalog's 'skus' list", m->sku);
		else if (s->kind != SP_SKU_GPU)
			rc = sp_jdec_fail(d, "SKU '%s' is a %s SKU, not a gpu SKU", m->sku, kind_names[s->kind]);
		else if (strcmp(s->gpu_model, m->name))
			rc = sp_jdec_fail(d, "SKU '%s' carries GPU model '%s', not '%s'", m->sku, s->gpu_model, m->name);
		sp_jdec_subject(d, NULL, NULL);
		sp_jdec_pop(d, mark);
	}
	return rc;
}

int sp_catalog_parse(struct sp_catalog **out, const char *text, size_t len, const char *file, struct sp_err *err)
{
	static const char *const storage_keys[] = { "block_gb_month", "object_gb_month", "database_gb_month", NULL };
	static const char *const transfer_keys[] = { "cross_az_gb", "cross_region_gb", "egress_free_gb",
						     "egress_tiers", NULL };
	struct sp_catalog *c = NULL;
	json_t *root;
	struct sp_jdec d;
	int rc;

	*out = NULL;
	/* jansson's line and column are 1-based and point at the end of the bad token */
	if (!(root = sp_json_parse(text, len, file, "invalid JSON", err)))
		return SP_EINVAL;
	c = sp_xcalloc(1, sizeof(*c));
	sp_arena_init(&c->arena);
	sp_jdec_init(&d, file, &c->arena, err, SP_JDEC_EXPECTED);
	d.text = text;
	d.len = len;
	if (!json_is_object(root)) {
		rc = sp_jdec_fail(&d, "a price catalog is a JSON object, not %s", sp_jdec_kind(&d, root));
		goto out;
	}
	if ((rc = parse_header(&d, root, c)) < 0 ||
	    (rc = parse_section(&d, root, "storage", storage_keys, parse_storage, c)) < 0 ||
	    (rc = parse_section(&d, root, "transfer", transfer_keys, parse_transfer, c)) < 0 ||
	    (rc = parse_gpus(&d, root, c)) < 0 ||
	    (rc = parse_skus(&d, root, c)) < 0 || (rc = check_gpu_skus(&d, c)) < 0)
		goto out;
	*out = c;
	c = NULL;
out:
	json_decref(root);
	sp_catalog_free(c);
	return rc;
}

/* ---- finding the file --------------------------------------------------------------------------- */

static int is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n >= 5 && !strcmp(s + n - 5, ".json"));
}

/* Reads and parses one file. With missing non-NULL, a file that does not
 * exist sets *missing and returns SP_ENOTFOUND without touching err. */
static int load_file(struct sp_catalog **out, const char *path, struct sp_err *err, int *missing)
{
	struct sp_sb sb = SP_SB_INIT;
	int rc, r = sp_sb_read_file(&sb, path, SP_CATALOG_MAX_BYTES);

	if (r == -2) {
		rc = sp_err_set(err, SP_ETOOBIG, path, 0, 0, "price catalog '%s' is larger than %u bytes", path,
				SP_CATALOG_MAX_BYTES);
	} else if (r < 0) {
		int e = errno;
		if (missing && (e == ENOENT || e == ENOTDIR)) {
			*missing = 1;
			rc = SP_ENOTFOUND;
		} else {
			rc = sp_err_set(err, e == ENOENT ? SP_ENOTFOUND : SP_EIO, path, 0, 0,
					"cannot read price catalog '%s': %s", path, strerror(e));
		}
	} else {
		rc = sp_catalog_parse(out, sb.buf, sb.len, path, err);
	}
	sp_sb_release(&sb);
	return rc;
}

int sp_catalog_load(struct sp_catalog **out, const char *name_or_path, const char *datadir, struct sp_err *err)
{
	const char *lists[2] = { getenv("SCALEPLAN_CATALOG_PATH"), datadir };
	struct sp_sb looked = SP_SB_INIT, cand = SP_SB_INIT;
	int rc;

	*out = NULL;
	if (!name_or_path || !*name_or_path)
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "empty price catalog name");
	if (is_path(name_or_path))
		return load_file(out, name_or_path, err, NULL);
	for (size_t l = 0; l < SP_ARRAY_LEN(lists); l++) {
		for (const char *p = lists[l]; p && *p;) {
			const char *colon = strchr(p, ':');
			size_t n = colon ? (size_t)(colon - p) : strlen(p);
			while (n > 1 && p[n - 1] == '/')
				n--;
			if (n > 0) {
				int missing = 0;
				sp_sb_reset(&cand);
				sp_sb_add(&cand, p, n);
				sp_sb_addf(&cand, "%s%s.json", p[n - 1] == '/' ? "" : "/", name_or_path);
				rc = load_file(out, cand.buf, err, &missing);
				if (!missing)
					goto out;
				if (looked.len)
					sp_sb_adds(&looked, ", ");
				sp_sb_add(&looked, p, n);
			}
			p = colon ? colon + 1 : NULL;
		}
	}
	if (looked.len)
		rc = sp_err_set(err, SP_ENOTFOUND, NULL, 0, 0, "price catalog '%s' not found (looked in: %s)",
				name_or_path, looked.buf);
	else
		rc = sp_err_set(err, SP_ENOTFOUND, NULL, 0, 0,
				"price catalog '%s' not found (no directory to look in: set SCALEPLAN_CATALOG_PATH, "
				"or give a path to a .json file)", name_or_path);
out:
	sp_sb_release(&looked);
	sp_sb_release(&cand);
	return rc;
}

void sp_catalog_free(struct sp_catalog *c)
{
	if (!c)
		return;
	sp_arena_free(&c->arena);
	free(c);
}
