/* Price catalogs from JSON (jansson). Every value is checked against the
 * format in docs/catalog.md; the first problem found is reported with the
 * JSON path of the value and its line and column in the file. jansson keeps
 * no positions after parsing, so a small scanner walks the (already valid)
 * text along the path to find them. Strings are copied into the catalog's
 * arena; no jansson memory outlives sp_catalog_parse. */
#include "providers/catalog.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define FORMAT_NAME "scaleplan-catalog"
#define FORMAT_VERSION 1
#define MAX_DEPTH 8
#define MAX_GPUS_PER_SKU 4096

static const char *const kind_names[] = { "compute", "database", "cache", "gpu" };

/* One step of a JSON path: an object key, or an array index when key is NULL. */
struct step {
	const char *key;
	size_t idx;
};

struct ld {
	const char *file;
	const char *text;
	size_t len;
	struct sp_err *err;
	struct sp_arena *a;
	struct step path[MAX_DEPTH];
	int depth;
	char subject[160];   /* "SKU 'm7i.large'" inside a named element, for messages */
};

/* ---- locating a JSON path in the source text ---------------------------------------------------- */

static const char *js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote; returns the byte after the closing one. */
static const char *js_str_end(const char *p, const char *e)
{
	for (p++; p < e && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < e ? p + 1 : e;
}

/* p at the start of a value; returns the byte after it. */
static const char *js_skip(const char *p, const char *e)
{
	int depth = 0;

	if (p < e && *p == '"')
		return js_str_end(p, e);
	if (p < e && *p != '{' && *p != '[') {
		while (p < e && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	while (p < e) {
		if (*p == '"') {
			p = js_str_end(p, e);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return e;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether the JSON string at p (its opening quote) decodes to want. Escapes
 * beyond ASCII never match: the keys searched for come from the decoded
 * document, and a miss only costs the position, not the error. */
static int js_key_eq(const char *p, const char *e, const char *want)
{
	for (p++; p < e && *p != '"'; want++) {
		int c = (unsigned char)*p++;
		if (c == '\\' && p < e) {
			int x = (unsigned char)*p++;
			switch (x) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				c = 0;
				for (int i = 0; i < 4; i++) {
					int h = p < e ? hexval((unsigned char)*p++) : -1;
					if (h < 0)
						return 0;
					c = c * 16 + h;
				}
				if (c >= 0x80)
					return 0;
				break;
			default: c = x; break;
			}
		}
		if ((unsigned char)*want != c)
			return 0;
	}
	return *want == '\0';
}

/* The start of the value at the first n steps of path (or of its key, when
 * at_key and the last step is a key); NULL when the text does not match. */
static const char *js_locate(const char *text, size_t len, const struct step *path, int n, int at_key)
{
	const char *p = js_ws(text, text + len), *e = text + len, *key = NULL;

	for (int i = 0; i < n; i++) {
		key = NULL;
		if (p >= e)
			return NULL;
		if (path[i].key) {
			if (*p != '{')
				return NULL;
			for (p++;;) {
				p = js_ws(p, e);
				if (p >= e || *p != '"')
					return NULL;
				const char *k = p;
				int eq = js_key_eq(p, e, path[i].key);
				p = js_ws(js_str_end(p, e), e);
				if (p >= e || *p != ':')
					return NULL;
				p = js_ws(p + 1, e);
				if (eq) {
					key = k;
					break;
				}
				p = js_ws(js_skip(p, e), e);
				if (p >= e || *p != ',')
					return NULL;
				p++;
			}
		} else {
			if (*p != '[')
				return NULL;
			p = js_ws(p + 1, e);
			for (size_t j = 0; j < path[i].idx; j++) {
				p = js_ws(js_skip(p, e), e);
				if (p >= e || *p != ',')
					return NULL;
				p = js_ws(p + 1, e);
			}
		}
	}
	return at_key && key ? key : p;
}

/* ---- paths and errors --------------------------------------------------------------------------- */

static void push_key(struct ld *ld, const char *key)
{
	if (ld->depth < MAX_DEPTH)
		ld->path[ld->depth] = (struct step){ key, 0 };
	ld->depth++;
}

static void push_idx(struct ld *ld, size_t idx)
{
	if (ld->depth < MAX_DEPTH)
		ld->path[ld->depth] = (struct step){ NULL, idx };
	ld->depth++;
}

static void pop(struct ld *ld)
{
	ld->depth--;
}

enum at { AT_VALUE, AT_KEY };

/* Sets the error: "<path> (<subject>): <message>", placed at the value of
 * the current path, or (AT_KEY) at the key of its last step, in which case
 * the path shown stops before that key. */
__attribute__((format(printf, 3, 4)))
static int fail_at(struct ld *ld, enum at at, const char *fmt, ...)
{
	struct sp_sb sb = SP_SB_INIT;
	int line = 0, col = 0, depth = ld->depth < MAX_DEPTH ? ld->depth : MAX_DEPTH;
	int shown = at == AT_KEY && depth > 0 ? depth - 1 : depth;
	const char *p = ld->text ? js_locate(ld->text, ld->len, ld->path, depth, at == AT_KEY) : NULL;
	va_list ap;

	if (p) {
		const char *bol = ld->text;
		line = 1;
		for (const char *q = ld->text; q < p; q++)
			if (*q == '\n') {
				line++;
				bol = q + 1;
			}
		col = (int)(p - bol) + 1;
	}
	for (int i = 0; i < shown; i++) {
		if (ld->path[i].key)
			sp_sb_addf(&sb, "%s%s", i ? "." : "", ld->path[i].key);
		else
			sp_sb_addf(&sb, "[%zu]", ld->path[i].idx);
	}
	if (ld->subject[0])
		sp_sb_addf(&sb, sb.len ? " (%s)" : "%s", ld->subject);
	if (sb.len)
		sp_sb_adds(&sb, ": ");
	va_start(ap, fmt);
	sp_sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	sp_err_set(ld->err, SP_EINVAL, ld->file, line, col, "%s", sb.buf);
	sp_sb_release(&sb);
	return SP_EINVAL;
}

#define fail(ld, ...) fail_at((ld), AT_VALUE, __VA_ARGS__)

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* ---- typed members ------------------------------------------------------------------------------ */

enum { OPT = 0, REQ = 1, NULLABLE = 2 };

enum rule {
	PRICE,      /* > 0 */
	PRICE0,     /* >= 0 */
	POSITIVE,   /* > 0, not a price */
	NONNEG,     /* >= 0, not a price */
	FRACTION,   /* [0, 1) */
};

static int check_keys(struct ld *ld, json_t *obj, const char *const *allowed)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	while (allowed[n])
		n++;
	json_object_foreach(obj, k, v) {
		size_t i = 0;
		while (i < n && strcmp(k, allowed[i]))
			i++;
		if (i < n)
			continue;
		const char *best = sp_suggest(k, allowed, n);
		int rc;
		push_key(ld, k);
		if (best)
			rc = fail_at(ld, AT_KEY, "unknown field '%s'; did you mean '%s'?", k, best);
		else
			rc = fail_at(ld, AT_KEY, "unknown field '%s'", k);
		pop(ld);
		return rc;
	}
	return 0;
}

/* Checks that v (the current path) is an object and has only allowed keys. */
static int want_object(struct ld *ld, json_t *v, const char *const *allowed)
{
	if (!json_is_object(v))
		return fail(ld, "expected an object, got %s", type_name(v));
	return allowed ? check_keys(ld, v, allowed) : 0;
}

static int check_num(struct ld *ld, json_t *v, int flags, enum rule rule, double *out)
{
	double x;

	if (json_is_null(v) && (flags & NULLABLE))
		return 0;
	if (!json_is_number(v))
		return fail(ld, "expected a number%s, got %s", flags & NULLABLE ? " or null" : "", type_name(v));
	x = json_number_value(v);
	switch (rule) {
	case PRICE:
		if (x < 0)
			return fail(ld, "negative price %g", x);
		if (x == 0)
			return fail(ld, "zero price; a price must be positive%s",
				    flags & NULLABLE ? " (use null when it is not offered)" : "");
		break;
	case PRICE0:
		if (x < 0)
			return fail(ld, "negative price %g", x);
		break;
	case POSITIVE:
		if (x <= 0)
			return fail(ld, "must be positive, got %g", x);
		break;
	case NONNEG:
		if (x < 0)
			return fail(ld, "must not be negative, got %g", x);
		break;
	case FRACTION:
		if (!(x >= 0 && x < 1))
			return fail(ld, "must be at least 0 and below 1, got %g", x);
		break;
	}
	*out = x;
	return 0;
}

/* A number member; *out is left alone when the member is absent or null. */
static int get_num(struct ld *ld, json_t *obj, const char *key, int flags, enum rule rule, double *out)
{
	json_t *v = json_object_get(obj, key);
	int rc;

	if (!v && !(flags & REQ))
		return 0;
	if (!v)
		return fail(ld, "missing %s '%s'%s", rule == PRICE || rule == PRICE0 ? "price" : "field", key,
			    flags & NULLABLE ? " (write null when it is not offered)" : "");
	push_key(ld, key);
	rc = check_num(ld, v, flags, rule, out);
	pop(ld);
	return rc;
}

/* A non-empty string member, copied into the arena; *out is left alone when absent. */
static int get_str(struct ld *ld, json_t *obj, const char *key, int flags, const char **out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return flags & REQ ? fail(ld, "missing field '%s'", key) : 0;
	push_key(ld, key);
	if (!json_is_string(v))
		rc = fail(ld, "expected a string, got %s", type_name(v));
	else if (json_string_length(v) == 0)
		rc = fail(ld, "must not be empty");
	else
		*out = sp_arena_strdup(ld->a, json_string_value(v));
	pop(ld);
	return rc;
}

/* A required array member. */
static int get_array(struct ld *ld, json_t *obj, const char *key, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	int rc = 0;

	if (!v)
		return fail(ld, "missing field '%s'", key);
	push_key(ld, key);
	if (!json_is_array(v))
		rc = fail(ld, "expected an array, got %s", type_name(v));
	pop(ld);
	*out = v;
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

static int parse_header(struct ld *ld, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "format", "version", "name", "currency", "as_of", "source", "notes",
					    "hours_per_month", "spot_discount", "storage", "transfer", "gpus",
					    "skus", NULL };
	json_t *v;
	int rc;

	/* the format first: a JSON file that is not a catalog should say so, not list unknown fields */
	v = json_object_get(root, "format");
	if (!v)
		return fail(ld, "missing field 'format' (a price catalog has \"format\": \"%s\")", FORMAT_NAME);
	push_key(ld, "format");
	if (!json_is_string(v) || strcmp(json_string_value(v), FORMAT_NAME)) {
		rc = json_is_string(v) ? fail(ld, "expected \"%s\", got \"%s\"", FORMAT_NAME, json_string_value(v))
				       : fail(ld, "expected \"%s\", got %s", FORMAT_NAME, type_name(v));
		pop(ld);
		return rc;
	}
	pop(ld);
	v = json_object_get(root, "version");
	if (!v)
		return fail(ld, "missing field 'version'");
	push_key(ld, "version");
	if (!json_is_integer(v)) {
		rc = fail(ld, "expected the integer %d, got %s", FORMAT_VERSION, type_name(v));
		pop(ld);
		return rc;
	}
	if (json_integer_value(v) != FORMAT_VERSION) {
		rc = fail(ld, "unsupported catalog version %lld (this scaleplan reads version %d)",
			  (long long)json_integer_value(v), FORMAT_VERSION);
		pop(ld);
		return rc;
	}
	pop(ld);
	if ((rc = check_keys(ld, root, keys)) < 0)
		return rc;

	if ((rc = get_str(ld, root, "name", REQ, &c->name)) < 0 ||
	    (rc = get_str(ld, root, "currency", REQ, &c->currency)) < 0 ||
	    (rc = get_str(ld, root, "as_of", REQ, &c->as_of)) < 0 ||
	    (rc = get_str(ld, root, "source", REQ, &c->source)) < 0)
		return rc;
	if (strlen(c->currency) != 3 || strspn(c->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
		push_key(ld, "currency");
		rc = fail(ld, "expected a three-letter currency code such as \"USD\", got \"%s\"", c->currency);
		pop(ld);
		return rc;
	}
	if (check_date(c->as_of) < 0) {
		push_key(ld, "as_of");
		rc = fail(ld, "expected the date the prices were read, as YYYY-MM or YYYY-MM-DD, got \"%s\"", c->as_of);
		pop(ld);
		return rc;
	}
	if ((v = json_object_get(root, "notes"))) {
		push_key(ld, "notes");
		rc = 0;
		if (!json_is_array(v)) {
			rc = fail(ld, "expected an array of strings, got %s", type_name(v));
		} else {
			for (size_t i = 0; i < json_array_size(v) && rc == 0; i++)
				if (!json_is_string(json_array_get(v, i))) {
					push_idx(ld, i);
					rc = fail(ld, "expected a string, got %s", type_name(json_array_get(v, i)));
					pop(ld);
				}
		}
		pop(ld);
		if (rc < 0)
			return rc;
	}
	if ((rc = get_num(ld, root, "hours_per_month", REQ, POSITIVE, &c->hours_per_month)) < 0 ||
	    (rc = get_num(ld, root, "spot_discount", REQ, FRACTION, &c->spot_discount)) < 0)
		return rc;
	return 0;
}

static int parse_storage(struct ld *ld, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "block_gb_month", "object_gb_month", "database_gb_month", NULL };
	json_t *v = json_object_get(root, "storage");
	int rc;

	if (!v)
		return fail(ld, "missing field 'storage'");
	push_key(ld, "storage");
	if ((rc = want_object(ld, v, keys)) == 0 &&
	    (rc = get_num(ld, v, "block_gb_month", REQ, PRICE0, &c->block_storage_gb_month)) == 0 &&
	    (rc = get_num(ld, v, "object_gb_month", REQ, PRICE0, &c->object_storage_gb_month)) == 0)
		rc = get_num(ld, v, "database_gb_month", REQ, PRICE0, &c->db_storage_gb_month);
	pop(ld);
	return rc;
}

static int parse_tiers(struct ld *ld, json_t *arr, struct sp_catalog *c)
{
	static const char *const keys[] = { "up_to_gb", "price_per_gb", NULL };
	size_t n = json_array_size(arr);
	int rc = 0;

	if (n == 0)
		return fail(ld, "at least one egress tier is needed");
	c->egress = SP_NEWN(&c->arena, struct sp_egress_tier, n);
	c->negress = n;
	for (size_t i = 0; i < n && rc == 0; i++) {
		json_t *t = json_array_get(arr, i);
		struct sp_egress_tier *et = &c->egress[i];
		push_idx(ld, i);
		if ((rc = want_object(ld, t, keys)) == 0 &&
		    (rc = get_num(ld, t, "up_to_gb", OPT, POSITIVE, &et->up_to_gb)) == 0 &&
		    (rc = get_num(ld, t, "price_per_gb", REQ, PRICE0, &et->price_per_gb)) == 0) {
			int bounded = json_object_get(t, "up_to_gb") != NULL;
			if (i + 1 < n && !bounded)
				rc = fail(ld, "only the last tier may leave out 'up_to_gb'");
			else if (i + 1 == n && bounded)
				rc = fail(ld, "the last tier must leave out 'up_to_gb', so that every volume has a price");
			else if (i > 0 && bounded && et->up_to_gb <= c->egress[i - 1].up_to_gb) {
				push_key(ld, "up_to_gb");
				rc = fail(ld, "tier bounds must increase: %g after %g", et->up_to_gb,
					  c->egress[i - 1].up_to_gb);
				pop(ld);
			}
		}
		pop(ld);
	}
	return rc;
}

static int parse_transfer(struct ld *ld, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "cross_az_gb", "cross_region_gb", "egress_free_gb", "egress_tiers", NULL };
	json_t *v = json_object_get(root, "transfer"), *tiers = NULL;
	int rc;

	if (!v)
		return fail(ld, "missing field 'transfer'");
	push_key(ld, "transfer");
	if ((rc = want_object(ld, v, keys)) == 0 &&
	    (rc = get_num(ld, v, "cross_az_gb", REQ, PRICE0, &c->cross_az_gb)) == 0 &&
	    (rc = get_num(ld, v, "cross_region_gb", REQ, PRICE0, &c->cross_region_gb)) == 0 &&
	    (rc = get_num(ld, v, "egress_free_gb", REQ, NONNEG, &c->egress_free_gb)) == 0 &&
	    (rc = get_array(ld, v, "egress_tiers", &tiers)) == 0) {
		push_key(ld, "egress_tiers");
		rc = parse_tiers(ld, tiers, c);
		pop(ld);
	}
	pop(ld);
	return rc;
}

static void set_subject(struct ld *ld, const char *what, const char *name)
{
	if (name)
		snprintf(ld->subject, sizeof(ld->subject), "%s '%s'", what, name);
	else
		ld->subject[0] = '\0';
}

static int parse_gpus(struct ld *ld, json_t *root, struct sp_catalog *c)
{
	static const char *const keys[] = { "name", "peak_tflops", "sku", "note", NULL };
	json_t *arr;
	int rc;

	if ((rc = get_array(ld, root, "gpus", &arr)) < 0)
		return rc;
	c->ngpus = json_array_size(arr);
	c->gpus = SP_NEWN(&c->arena, struct sp_gpu_model, c->ngpus ? c->ngpus : 1);
	push_key(ld, "gpus");
	for (size_t i = 0; i < c->ngpus && rc == 0; i++) {
		json_t *g = json_array_get(arr, i);
		struct sp_gpu_model *m = &c->gpus[i];
		const char *note = NULL;
		push_idx(ld, i);
		if (json_is_object(g) && json_is_string(json_object_get(g, "name")))
			set_subject(ld, "GPU", json_string_value(json_object_get(g, "name")));
		if ((rc = want_object(ld, g, keys)) == 0 && (rc = get_str(ld, g, "name", REQ, &m->name)) == 0 &&
		    (rc = get_num(ld, g, "peak_tflops", REQ, POSITIVE, &m->peak_tflops)) == 0 &&
		    (rc = get_str(ld, g, "sku", REQ, &m->sku)) == 0)
			rc = get_str(ld, g, "note", OPT, &note);
		for (size_t j = 0; j < i && rc == 0; j++)
			if (!strcmp(c->gpus[j].name, m->name)) {
				push_key(ld, "name");
				rc = fail(ld, "duplicate GPU (first at gpus[%zu])", j);
				pop(ld);
			}
		set_subject(ld, NULL, NULL);
		pop(ld);
	}
	pop(ld);
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
static int not_above(struct ld *ld, const char *key, double price, double od, const char *what)
{
	int rc = 0;
	if (price > od) {
		push_key(ld, key);
		rc = fail(ld, "%s price %g is above the on-demand price %g", what, price, od);
		pop(ld);
	}
	return rc;
}

static int parse_sku(struct ld *ld, json_t *o, struct sp_sku *s)
{
	static const char *const keys[] = { "name", "kind", "vcpus", "memory_gib", "gpus", "gpu_model",
					    "on_demand_hourly", "commit_1y_hourly", "commit_3y_hourly", "spot_hourly",
					    "note", NULL };
	const char *kind = NULL, *note = NULL;
	json_t *v;
	int rc, k;

	if ((rc = want_object(ld, o, NULL)) < 0 || (rc = get_str(ld, o, "name", REQ, &s->name)) < 0)
		return rc;
	for (const char *p = s->name; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			push_key(ld, "name");
			rc = fail(ld, "a SKU name must not contain spaces or control characters");
			pop(ld);
			return rc;
		}
	set_subject(ld, "SKU", s->name);
	if ((rc = check_keys(ld, o, keys)) < 0 || (rc = get_str(ld, o, "kind", REQ, &kind)) < 0)
		return rc;
	if ((k = kind_of(kind)) < 0) {
		const char *best = sp_suggest(kind, kind_names, SP_ARRAY_LEN(kind_names));
		push_key(ld, "kind");
		if (best)
			rc = fail(ld, "unknown kind '%s'; did you mean '%s'?", kind, best);
		else
			rc = fail(ld, "unknown kind '%s' (expected compute, database, cache or gpu)", kind);
		pop(ld);
		return rc;
	}
	s->kind = (enum sp_sku_kind)k;
	/* the model sizes compute, caches and GPU hosts by their vCPUs and memory;
	 * a database priced by capacity (DynamoDB) has neither */
	int sized = s->kind != SP_SKU_DATABASE ? REQ : OPT;
	if ((rc = get_num(ld, o, "vcpus", sized, POSITIVE, &s->vcpus)) < 0 ||
	    (rc = get_num(ld, o, "memory_gib", sized, POSITIVE, &s->memory_gib)) < 0)
		return rc;
	if (s->kind == SP_SKU_GPU) {
		if (!(v = json_object_get(o, "gpus")))
			return fail(ld, "missing field 'gpus' (GPUs per instance)");
		push_key(ld, "gpus");
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > MAX_GPUS_PER_SKU)
			rc = fail(ld, "expected a whole number of GPUs from 1 to %d", MAX_GPUS_PER_SKU);
		else
			s->gpus = (int)json_integer_value(v);
		pop(ld);
		if (rc < 0 || (rc = get_str(ld, o, "gpu_model", REQ, &s->gpu_model)) < 0)
			return rc;
	} else {
		static const char *const gpu_keys[] = { "gpus", "gpu_model" };
		for (size_t i = 0; i < SP_ARRAY_LEN(gpu_keys); i++)
			if (json_object_get(o, gpu_keys[i])) {
				push_key(ld, gpu_keys[i]);
				rc = fail_at(ld, AT_KEY, "'%s' belongs to gpu SKUs, and this one is a %s SKU", gpu_keys[i],
					     kind_names[s->kind]);
				pop(ld);
				return rc;
			}
	}
	if ((rc = get_num(ld, o, "on_demand_hourly", REQ, PRICE, &s->on_demand_hourly)) < 0 ||
	    (rc = get_num(ld, o, "commit_1y_hourly", REQ | NULLABLE, PRICE, &s->commit_1y_hourly)) < 0 ||
	    (rc = get_num(ld, o, "commit_3y_hourly", REQ | NULLABLE, PRICE, &s->commit_3y_hourly)) < 0 ||
	    (rc = get_num(ld, o, "spot_hourly", OPT | NULLABLE, PRICE, &s->spot_hourly)) < 0 ||
	    (rc = get_str(ld, o, "note", OPT, &note)) < 0)
		return rc;
	if ((rc = not_above(ld, "commit_1y_hourly", s->commit_1y_hourly, s->on_demand_hourly, "1-year commitment")) < 0 ||
	    (rc = not_above(ld, "commit_3y_hourly", s->commit_3y_hourly, s->on_demand_hourly, "3-year commitment")) < 0 ||
	    (rc = not_above(ld, "spot_hourly", s->spot_hourly, s->on_demand_hourly, "spot")) < 0)
		return rc;
	return 0;
}

static int cmp_sku(const void *a, const void *b)
{
	return strcmp(((const struct sp_sku *)a)->name, ((const struct sp_sku *)b)->name);
}

static int parse_skus(struct ld *ld, json_t *root, struct sp_catalog *c)
{
	struct sp_hmap seen;
	json_t *arr;
	int rc;

	if ((rc = get_array(ld, root, "skus", &arr)) < 0)
		return rc;
	c->nskus = json_array_size(arr);
	c->skus = SP_NEWN(&c->arena, struct sp_sku, c->nskus ? c->nskus : 1);
	sp_hmap_init(&seen);
	push_key(ld, "skus");
	for (size_t i = 0; i < c->nskus && rc == 0; i++) {
		struct sp_sku *s = &c->skus[i];
		uint32_t first;
		push_idx(ld, i);
		rc = parse_sku(ld, json_array_get(arr, i), s);
		if (rc == 0 && sp_hmap_put(&seen, s->name, (uint32_t)i, &first)) {
			push_key(ld, "name");
			rc = fail(ld, "duplicate SKU (first at skus[%u])", (unsigned)first);
			pop(ld);
		}
		if (rc == 0 && s->kind == SP_SKU_GPU) {
			size_t g = 0;
			while (g < c->ngpus && strcmp(c->gpus[g].name, s->gpu_model))
				g++;
			if (g == c->ngpus) {
				push_key(ld, "gpu_model");
				rc = fail(ld, "GPU model '%s' is not in the catalog's 'gpus' list", s->gpu_model);
				pop(ld);
			}
		}
		set_subject(ld, NULL, NULL);
		pop(ld);
	}
	pop(ld);
	sp_hmap_free(&seen);
	if (rc < 0)
		return rc;
	if (c->nskus > 1)
		qsort(c->skus, c->nskus, sizeof(*c->skus), cmp_sku);
	return 0;
}

/* Each GPU model names the SKU that carries it: a gpu SKU with that model. */
static int check_gpu_skus(struct ld *ld, struct sp_catalog *c)
{
	int rc = 0;

	for (size_t i = 0; i < c->ngpus && rc == 0; i++) {
		const struct sp_gpu_model *m = &c->gpus[i];
		const struct sp_sku *s = sp_catalog_sku(c, m->sku);
		push_key(ld, "gpus");
		push_idx(ld, i);
		push_key(ld, "sku");
		set_subject(ld, "GPU", m->name);
		if (!s)
			rc = fail(ld, "SKU '%s' is not in the catalog's 'skus' list", m->sku);
		else if (s->kind != SP_SKU_GPU)
			rc = fail(ld, "SKU '%s' is a %s SKU, not a gpu SKU", m->sku, kind_names[s->kind]);
		else if (strcmp(s->gpu_model, m->name))
			rc = fail(ld, "SKU '%s' carries GPU model '%s', not '%s'", m->sku, s->gpu_model, m->name);
		set_subject(ld, NULL, NULL);
		pop(ld);
		pop(ld);
		pop(ld);
	}
	return rc;
}

int sp_catalog_parse(struct sp_catalog **out, const char *text, size_t len, const char *file, struct sp_err *err)
{
	struct sp_catalog *c = NULL;
	json_error_t jerr;
	json_t *root;
	struct ld ld;
	int rc;

	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		/* jansson's line and column are 1-based and point at the end of the bad token */
		rc = sp_err_set(err, SP_EINVAL, file, jerr.line > 0 ? jerr.line : 0, jerr.column > 0 ? jerr.column : 0,
				"invalid JSON: %s", jerr.text);
		goto out;
	}
	c = sp_xcalloc(1, sizeof(*c));
	sp_arena_init(&c->arena);
	memset(&ld, 0, sizeof(ld));
	ld.file = file;
	ld.text = text;
	ld.len = len;
	ld.err = err;
	ld.a = &c->arena;
	if (!json_is_object(root)) {
		rc = fail(&ld, "a price catalog is a JSON object, not %s", type_name(root));
		goto out;
	}
	if ((rc = parse_header(&ld, root, c)) < 0 || (rc = parse_storage(&ld, root, c)) < 0 ||
	    (rc = parse_transfer(&ld, root, c)) < 0 || (rc = parse_gpus(&ld, root, c)) < 0 ||
	    (rc = parse_skus(&ld, root, c)) < 0 || (rc = check_gpu_skus(&ld, c)) < 0)
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
