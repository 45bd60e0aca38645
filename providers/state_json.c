/* The state file's JSON (docs/providers.md, "The state file"). Encoding
 * builds a jansson tree in a fixed key order, dumps it once with the house
 * writer and seals its checksum; decoding checks the checksum on the bytes
 * first, then walks jansson's tree with a JSON path for messages, copying
 * every string into the state's arena, so no jansson memory outlives these
 * functions. Resources go through the one resource codec. */
#include "providers/state_json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"
#include "providers/checksum.h"
#include "providers/resource_json.h"
#include "providers/uuid.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

/* ---- the cost block ----------------------------------------------------------------------------- */

static int month_valid(const char *s)
{
	return strlen(s) == 7 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
	       s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] == '-' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

static int currency_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* What is wrong with a cost block, or NULL (encoding; decoding says it with a JSON path). */
static const char *cost_problem(const struct sp_state_cost *c)
{
	if (!memchr(c->at, '\0', sizeof(c->at)) || !month_valid(c->at))
		return "cost: at must be a month like 2027-01";
	if (!memchr(c->currency, '\0', sizeof(c->currency)) || !currency_valid(c->currency))
		return "cost: currency must be 1 to 7 capital letters, like USD";
	for (int i = 0; i < 3; i++) {
		if (!isfinite(c->pct[i]) || c->pct[i] <= 0 || c->pct[i] >= 100)
			return "cost: percentiles must be between 0 and 100 (exclusive)";
		if (i && c->pct[i] <= c->pct[i - 1])
			return "cost: percentiles must increase";
		if (!isfinite(c->horizon[i]))
			return "cost: horizon_total must be finite numbers";
	}
	return NULL;
}

static json_t *enc_cost(const struct sp_state_cost *c)
{
	json_t *o = json_object(), *p = json_array(), *h = json_array();

	json_object_set_new(o, "at", json_string(c->at));
	json_object_set_new(o, "currency", json_string(c->currency));
	for (int i = 0; i < 3; i++) {
		json_array_append_new(p, sp_json_number(c->pct[i]));
		json_array_append_new(h, sp_json_number(c->horizon[i]));
	}
	json_object_set_new(o, "percentiles", p);
	json_object_set_new(o, "horizon_total", h);
	return o;
}

/* Three numbers in an array (the cost block's percentiles and totals). */
static int dec_triple(struct sp_jdec *d, json_t *obj, const char *key, double out[3])
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t mark, i;

	if (!arr)
		return sp_jdec_fail(d, "missing key '%s'", key);
	mark = sp_jdec_push_key(d, key);
	if (!json_is_array(arr))
		return sp_jdec_fail(d, "must be an array of 3 numbers, not %s", sp_json_kind(arr));
	if (json_array_size(arr) != 3)
		return sp_jdec_fail(d, "must hold 3 numbers, not %zu", json_array_size(arr));
	json_array_foreach(arr, i, v) {
		size_t m = sp_jdec_push_idx(d, i);
		if (!json_is_number(v))
			return sp_jdec_fail(d, "must be a number, not %s", sp_json_kind(v));
		out[i] = json_number_value(v);
		sp_jdec_pop(d, m);
	}
	sp_jdec_pop(d, mark);
	return 0;
}

static int dec_cost(struct sp_jdec *d, json_t *o, struct sp_state_cost *c)
{
	static const char *const keys[] = { "at", "currency", "percentiles", "horizon_total", NULL };
	const char *at = NULL, *cur = NULL;
	size_t mark;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = sp_jdec_object(d, o, keys)) < 0 || (rc = sp_jdec_str(d, o, "at", SP_JREQ, &at)) < 0 ||
	    (rc = sp_jdec_str(d, o, "currency", SP_JREQ, &cur)) < 0 ||
	    (rc = dec_triple(d, o, "percentiles", c->pct)) < 0 ||
	    (rc = dec_triple(d, o, "horizon_total", c->horizon)) < 0)
		return rc;
	if (!month_valid(at))
		return sp_jdec_fail_in(d, "at", "'%s' is not a month like 2027-01", at);
	if (!currency_valid(cur))
		return sp_jdec_fail_in(d, "currency", "'%s' is not a currency code (1 to 7 capital letters, like USD)", cur);
	mark = sp_jdec_push_key(d, "percentiles");
	for (size_t i = 0; i < 3; i++) {
		size_t m = sp_jdec_push_idx(d, i);
		if (c->pct[i] <= 0 || c->pct[i] >= 100)
			return sp_jdec_fail(d, "a percentile must be between 0 and 100 (exclusive)");
		if (i && c->pct[i] <= c->pct[i - 1])
			return sp_jdec_fail(d, "the percentiles must increase");
		sp_jdec_pop(d, m);
	}
	sp_jdec_pop(d, mark);
	snprintf(c->at, sizeof(c->at), "%s", at);
	snprintf(c->currency, sizeof(c->currency), "%s", cur);
	c->present = 1;
	return 0;
}

/* ---- encoding ----------------------------------------------------------------------------------- */

static int cmp_res_ptr(const void *x, const void *y)
{
	const char *a = (*(const struct sp_resource *const *)x)->address;
	const char *b = (*(const struct sp_resource *const *)y)->address;
	/* NULL first, so a bad input sorts and is then reported, never dereferenced */
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

/* What sp_state_to_json refuses before it encodes anything. */
static int check_header(const struct sp_state *s, struct sp_err *err)
{
	const char *why;

	if (!s->lineage || !sp_uuid_valid(s->lineage))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the state's lineage '%s' is not a UUID",
				  s->lineage ? s->lineage : "");
	if (s->version != SP_STATE_VERSION)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "cannot write state format version %d (only %d)", s->version,
				  SP_STATE_VERSION);
	if (s->serial > INT64_MAX)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "serial %llu is too large", (unsigned long long)s->serial);
	if (s->cost.present && (why = cost_problem(&s->cost)))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "%s", why);
	return 0;
}

/* The removed addresses, which must already be valid, sorted and unique. */
static int enc_removed(const struct sp_state *s, json_t **out, struct sp_err *err)
{
	json_t *rm = json_array();

	*out = NULL;
	for (size_t i = 0; i < s->nremoved; i++) {
		if (sp_resource_parse_address(NULL, s->removed[i], NULL, NULL, NULL) < 0 ||
		    (i && strcmp(s->removed[i - 1], s->removed[i]) >= 0)) {
			json_decref(rm);
			return sp_err_set(err, SP_EINVAL, s->removed[i], 0, 0,
					  "the removed addresses must be valid, sorted and unique");
		}
		json_array_append_new(rm, json_string(s->removed[i]));
	}
	*out = rm;
	return 0;
}

/* The resources, sorted by address, each once, in the state's record. */
static int enc_resources(const struct sp_state *s, json_t *arr, struct sp_err *err)
{
	const struct sp_resource **rs = sp_xmalloc((s->resources.n + 1) * sizeof(*rs));
	int rc = 0;

	for (size_t i = 0; i < s->resources.n; i++)
		rs[i] = &s->resources.v[i];
	qsort(rs, s->resources.n, sizeof(*rs), cmp_res_ptr);
	for (size_t i = 0; i < s->resources.n; i++) {
		json_t *o;
		if (i && rs[i - 1]->address && rs[i]->address && !strcmp(rs[i - 1]->address, rs[i]->address)) {
			rc = sp_err_set(err, SP_EINVAL, rs[i]->address, 0, 0, "the state holds this address twice");
			break;
		}
		if ((rc = sp_resource_json_encode(rs[i], SP_RESOURCE_JSON_FULL, &o, err)) < 0)
			break;
		json_array_append_new(arr, o);
	}
	free(rs);
	return rc;
}

int sp_state_to_json(const struct sp_state *s, char **out, struct sp_err *err)
{
	json_t *root = json_object(), *arr = json_array(), *rm;
	const char *version = s->scaleplan_version ? s->scaleplan_version : SP_VERSION;
	int rc;

	*out = NULL;
	if ((rc = check_header(s, err)) < 0)
		goto out;
	json_object_set_new(root, "version", json_integer(s->version));
	json_object_set_new(root, "lineage", json_string(s->lineage));
	json_object_set_new(root, "serial", json_integer((json_int_t)s->serial));
	if (json_object_set_new(root, "scaleplan_version", json_string(version))) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "scaleplan_version is not valid UTF-8");
		goto out;
	}
	/* the checksum's value is filled in once the bytes are known (below) */
	json_object_set_new(root, "checksum", json_string(SP_CHECKSUM_PLACEHOLDER));
	if (s->journal[0]) {
		if (!sp_uuid_valid(s->journal)) {
			rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "the journal name '%s' is not a UUID", s->journal);
			goto out;
		}
		json_object_set_new(root, "journal", json_string(s->journal));
	}
	if (s->cost.present)
		json_object_set_new(root, "cost", enc_cost(&s->cost));
	if ((rc = enc_removed(s, &rm, err)) < 0)
		goto out;
	json_object_set_new(root, "removed", rm);
	if ((rc = enc_resources(s, arr, err)) < 0)
		goto out;
	json_object_set(root, "resources", arr);
	if ((rc = sp_json_dump(root, 0, out, err)) == 0)
		sp_checksum_seal_state(*out, strlen(*out));
out:
	json_decref(root);
	json_decref(arr);
	return rc;
}

/* ---- decoding ----------------------------------------------------------------------------------- */

/* version, lineage, serial and scaleplan_version. */
static int dec_header(struct sp_jdec *d, json_t *root, struct sp_state *s)
{
	static const char *const keys_v1[] = { "version", "lineage", "serial", "scaleplan_version", "cost",
					       "resources", NULL };
	static const char *const keys_v2[] = { "version", "lineage", "serial", "scaleplan_version", "checksum",
					       "journal", "cost", "removed", "resources", NULL };
	json_t *v;
	int rc;

	if (!json_is_object(root))
		return sp_jdec_fail(d, "a state must be a JSON object, not %s", sp_json_kind(root));
	if (!(v = json_object_get(root, "version")))
		return sp_jdec_fail(d, "missing key 'version' (the state format version, %d)", SP_STATE_VERSION);
	if (!json_is_integer(v))
		return sp_jdec_fail(d, "version: must be an integer, not %s", sp_json_kind(v));
	if (json_integer_value(v) < 1 || json_integer_value(v) > SP_STATE_VERSION)
		return sp_jdec_fail(d, "version: unsupported state format version %" JSON_INTEGER_FORMAT
				       "; this scaleplan reads versions 1 to %d",
				    json_integer_value(v), SP_STATE_VERSION);
	s->read_version = (int)json_integer_value(v);
	if ((rc = sp_jdec_keys(d, root, s->read_version == 1 ? keys_v1 : keys_v2)) < 0)
		return rc;
	/* an older format is read, and written as this one on the next write */
	s->version = SP_STATE_VERSION;
	s->lineage = NULL;
	if ((rc = sp_jdec_str(d, root, "lineage", SP_JREQ, &s->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(s->lineage))
		return sp_jdec_fail(d, "lineage: '%s' is not a UUID (like 0f8fad5b-d9cb-469f-a165-70867728950e)",
				    s->lineage);
	if (!(v = json_object_get(root, "serial")))
		return sp_jdec_fail(d, "missing key 'serial'");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return sp_jdec_fail(d, "serial: must be a non-negative integer, not %s",
				    json_is_integer(v) ? "a negative one" : sp_json_kind(v));
	s->serial = (uint64_t)json_integer_value(v);
	s->scaleplan_version = NULL;
	return sp_jdec_str(d, root, "scaleplan_version", 0, &s->scaleplan_version);
}

static int dec_removed(struct sp_jdec *d, json_t *v, struct sp_state *s)
{
	size_t i;
	json_t *x;

	s->nremoved = s->removed_cap = json_array_size(v);
	s->removed = SP_NEWN(d->a, const char *, s->nremoved);
	json_array_foreach(v, i, x) {
		size_t m = sp_jdec_push_idx(d, i);
		if (!json_is_string(x))
			return sp_jdec_fail(d, "must be a string, not %s", sp_json_kind(x));
		s->removed[i] = sp_arena_strndup(d->a, json_string_value(x), json_string_length(x));
		if (sp_resource_parse_address(NULL, s->removed[i], NULL, NULL, NULL) < 0)
			return sp_jdec_fail(d, "'%s' is not a resource address", s->removed[i]);
		if (i && strcmp(s->removed[i - 1], s->removed[i]) >= 0)
			return sp_jdec_fail(d, "the addresses must be sorted, each once ('%s' after '%s')", s->removed[i],
					    s->removed[i - 1]);
		sp_jdec_pop(d, m);
	}
	return 0;
}

static int dec_resources(struct sp_jdec *d, json_t *res, struct sp_state *s)
{
	struct sp_hmap seen;
	json_t *v;
	size_t i;
	int rc = 0;

	s->resources.n = json_array_size(res);
	s->resources.v = SP_NEWN(d->a, struct sp_resource, s->resources.n);
	sp_hmap_init(&seen);
	json_array_foreach(res, i, v) {
		size_t m = sp_jdec_push_idx(d, i);
		uint32_t first;
		if ((rc = sp_resource_json_decode(d, v, SP_RESOURCE_JSON_FULL, &s->resources.v[i])) < 0)
			break;
		if (sp_hmap_put(&seen, s->resources.v[i].address, (uint32_t)i, &first)) {
			rc = sp_jdec_fail(d, "duplicate address '%s' (first at resources[%u])", s->resources.v[i].address,
					  (unsigned)first);
			break;
		}
		sp_jdec_pop(d, m);
	}
	sp_hmap_free(&seen);
	if (rc == 0)
		sp_resource_set_sort(&s->resources);
	return rc;
}

/* obj[key], when present (or, with SP_JREQ, always), of type t, decoded by fn with the path at it. */
static int dec_part(struct sp_jdec *d, json_t *obj, const char *key, enum sp_jtype t, int flags, struct sp_state *s,
		    int (*fn)(struct sp_jdec *, json_t *, struct sp_state *))
{
	json_t *v;
	size_t mark;
	int rc;

	if ((rc = sp_jdec_member(d, obj, key, t, flags, &v)) < 0 || !v)
		return rc;
	mark = sp_jdec_push_key(d, key);
	if ((rc = fn(d, v, s)) == 0)
		sp_jdec_pop(d, mark);
	return rc;
}

static int dec_cost_part(struct sp_jdec *d, json_t *v, struct sp_state *s)
{
	return dec_cost(d, v, &s->cost);
}

static int dec_state(struct sp_jdec *d, json_t *root, struct sp_state *s, int checksum_seen)
{
	const char *j = NULL;
	int rc;

	if ((rc = dec_header(d, root, s)) < 0)
		return rc;
	if (json_object_get(root, "checksum")) {
		/* its value was checked against the bytes before decoding */
		if (!checksum_seen)
			return sp_jdec_fail(d, "checksum: the file is not laid out as scaleplan writes it, so its checksum "
					       "cannot be checked; remove the checksum from a state edited by hand");
		s->checksummed = 1;
	}
	if (json_object_get(root, "journal")) {
		if ((rc = sp_jdec_str(d, root, "journal", SP_JREQ, &j)) < 0)
			return rc;
		if (!sp_uuid_valid(j) || strlen(j) >= sizeof(s->journal))
			return sp_jdec_fail(d, "journal: '%s' is not a UUID", j);
		snprintf(s->journal, sizeof(s->journal), "%s", j);
	}
	if ((rc = dec_part(d, root, "removed", SP_JARRAY, 0, s, dec_removed)) < 0 ||
	    (rc = dec_part(d, root, "cost", SP_JOBJECT, 0, s, dec_cost_part)) < 0)
		return rc;
	return dec_part(d, root, "resources", SP_JARRAY, SP_JREQ, s, dec_resources);
}

int sp_state_from_json(struct sp_state **out, const char *text, size_t len, const char *origin, struct sp_err *err)
{
	struct sp_state *s = sp_xcalloc(1, sizeof(*s));
	struct sp_jdec d;
	json_t *root = NULL;
	int rc, checksum_seen;

	*out = NULL;
	sp_arena_init(&s->arena);
	sp_jdec_init(&d, origin ? origin : "state", &s->arena, err, SP_JDEC_MUST_BE);
	/* the bytes first: a damaged file is named as damaged, whatever the JSON says */
	if ((rc = checksum_seen = sp_checksum_verify_state(text, len, d.origin, err)) < 0)
		goto out;
	if (!(root = sp_json_parse(text, len, d.origin, "invalid JSON", err))) {
		rc = SP_EINVAL;
		goto out;
	}
	if ((rc = dec_state(&d, root, s, checksum_seen)) < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	json_decref(root);
	sp_state_free(s);
	return rc;
}
