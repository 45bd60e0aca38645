/* The JSON of a resource (providers/resource_json.h): the one encoder and
 * decoder that the state, its journal, the local provider and the plan file
 * share, so a resource reads and writes by the same rules everywhere. */
#include "providers/resource_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

/* ---- encoding ----------------------------------------------------------------------------------- */

/* strcmp with NULL first, so a bad input sorts and is then reported, never dereferenced */
static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_attr_ptr(const void *x, const void *y)
{
	return cmp_nullable((*(const struct sp_attr *const *)x)->key, (*(const struct sp_attr *const *)y)->key);
}

static int cmp_str(const void *x, const void *y)
{
	return cmp_nullable(*(const char *const *)x, *(const char *const *)y);
}

/* A JSON string, or NULL when s is NULL or not UTF-8 (jansson refuses it). */
static json_t *jstr(const char *s)
{
	return s ? json_string(s) : NULL;
}

static int put(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

int sp_resource_json_value(const struct sp_attr *at, const char *address, json_t **out, struct sp_err *err)
{
	*out = NULL;
	switch (at->type) {
	case SP_ATTR_STR:
		*out = jstr(at->s ? at->s : "");
		if (!*out)
			return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' is not valid UTF-8", at->key);
		return 0;
	case SP_ATTR_BOOL:
		*out = json_boolean(at->n != 0);
		return 0;
	case SP_ATTR_NUM:
		if (!isfinite(at->n))
			return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' is %g, which JSON cannot hold",
					  at->key, at->n);
		*out = sp_json_number(at->n);
		return 0;
	}
	return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' has an unknown type %d", at->key,
			  (int)at->type);
}

int sp_resource_json_attrs(const struct sp_resource *r, json_t **out, json_t **force_new, struct sp_err *err)
{
	const char *addr = r->address ? r->address : "";
	const struct sp_attr **attrs = sp_xmalloc((r->nattrs + 1) * sizeof(*attrs));
	json_t *o = json_object(), *fn = json_array();
	int rc = 0;

	*out = NULL;
	if (force_new)
		*force_new = NULL;
	for (size_t i = 0; i < r->nattrs; i++)
		attrs[i] = &r->attrs[i];
	qsort(attrs, r->nattrs, sizeof(*attrs), cmp_attr_ptr);
	for (size_t i = 0; i < r->nattrs; i++) {
		json_t *v;
		if (!attrs[i]->key || !*attrs[i]->key) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "an attribute has an empty key");
			goto out;
		}
		if (i && !strcmp(attrs[i - 1]->key, attrs[i]->key)) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "attribute '%s' is set twice", attrs[i]->key);
			goto out;
		}
		if ((rc = sp_resource_json_value(attrs[i], addr, &v, err)) < 0)
			goto out;
		if (put(o, attrs[i]->key, v)) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "attribute key '%s' is not valid UTF-8", attrs[i]->key);
			goto out;
		}
		if (attrs[i]->force_new)
			json_array_append_new(fn, json_string(attrs[i]->key));
	}
	*out = o;
	o = NULL;
	if (force_new) {
		*force_new = fn;
		fn = NULL;
	}
out:
	json_decref(o);
	json_decref(fn);
	free(attrs);
	return rc;
}

int sp_resource_json_deps(const struct sp_resource *r, json_t **out, struct sp_err *err)
{
	const char **deps = sp_xmalloc((r->ndeps + 1) * sizeof(*deps));
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < r->ndeps; i++) {
		deps[i] = r->depends_on[i];
		if (!deps[i] || sp_resource_parse_address(NULL, deps[i], NULL, NULL, NULL) < 0) {
			rc = sp_err_set(err, SP_EINVAL, r->address ? r->address : "", 0, 0,
					"dependency '%s' is not a resource address", deps[i] ? deps[i] : "");
			goto out;
		}
	}
	qsort(deps, r->ndeps, sizeof(*deps), cmp_str);
	*out = json_array();
	for (size_t i = 0; i < r->ndeps; i++)
		if (!i || strcmp(deps[i - 1], deps[i]))
			json_array_append_new(*out, json_string(deps[i]));
out:
	free(deps);
	return rc;
}

json_t *sp_resource_json_lifecycle(const struct sp_resource *r)
{
	json_t *lc = json_object();
	json_object_set_new(lc, "prevent_destroy", json_boolean(r->prevent_destroy));
	json_object_set_new(lc, "allow_zero", json_boolean(r->allow_zero));
	return lc;
}

/* Whether r's address is one, and its type, name and region are the address's parts. */
static int check_address(const struct sp_resource *r, struct sp_err *err)
{
	const char *addr = r->address ? r->address : "";
	const char *type, *name, *region;
	struct sp_arena tmp;
	int rc = 0;

	sp_arena_init(&tmp);
	if (!r->address || sp_resource_parse_address(&tmp, r->address, &type, &name, &region) < 0)
		rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "'%s' is not a resource address (like service.web-api[us-east-1])",
				addr);
	else if (!r->type || !r->name || !r->region || strcmp(type, r->type) || strcmp(name, r->name) ||
		 strcmp(region, r->region))
		rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "type, name and region do not match the address");
	sp_arena_free(&tmp);
	return rc;
}

int sp_resource_json_encode(const struct sp_resource *r, int flags, json_t **out, struct sp_err *err)
{
	json_t *o = NULL, *attrs = NULL, *fn = NULL, *deps = NULL;
	int rc;

	*out = NULL;
	if ((rc = check_address(r, err)) < 0)
		return rc;
	o = json_object();
	if (put(o, "address", jstr(r->address)) || put(o, "type", jstr(r->type)) || put(o, "name", jstr(r->name)) ||
	    put(o, "region", jstr(r->region))) {
		rc = sp_err_set(err, SP_EINVAL, r->address, 0, 0, "cannot encode the resource");
		goto out;
	}
	if ((rc = sp_resource_json_attrs(r, &attrs, &fn, err)) < 0)
		goto out;
	json_object_set_new(o, "attributes", attrs);
	if (flags & SP_RESOURCE_JSON_FULL) {
		if ((rc = sp_resource_json_deps(r, &deps, err)) < 0)
			goto out;
		json_object_set_new(o, "force_new", fn);
		fn = NULL;
		json_object_set_new(o, "depends_on", deps);
		json_object_set_new(o, "lifecycle", sp_resource_json_lifecycle(r));
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(fn);
	return rc;
}

/* ---- decoding ----------------------------------------------------------------------------------- */

int sp_resource_json_decode_attrs(struct sp_jdec *d, json_t *obj, struct sp_resource *r)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	if (!json_is_object(obj))
		return sp_jdec_fail(d, "must be an object of attributes, not %s", sp_json_kind(obj));
	r->nattrs = json_object_size(obj);
	r->attrs = SP_NEWN(d->a, struct sp_attr, r->nattrs);
	json_object_foreach(obj, key, v) {
		struct sp_attr *at = &r->attrs[i++];
		size_t mark = sp_jdec_push_key(d, key);
		at->key = sp_arena_strdup(d->a, key);
		if (!*key)
			return sp_jdec_fail(d, "an attribute key must not be empty");
		if (json_is_string(v)) {
			at->type = SP_ATTR_STR;
			at->s = sp_arena_strndup(d->a, json_string_value(v), json_string_length(v));
		} else if (json_is_integer(v)) {
			json_int_t iv = json_integer_value(v);
			if (iv > (json_int_t)SP_JSON_MAX_EXACT || iv < -(json_int_t)SP_JSON_MAX_EXACT)
				return sp_jdec_fail(d, "%" JSON_INTEGER_FORMAT " is beyond 2^53, where numbers lose "
						       "precision (write it as a real, like 1.2e17)", iv);
			at->type = SP_ATTR_NUM;
			at->n = (double)iv;
		} else if (json_is_real(v)) {
			at->type = SP_ATTR_NUM;
			at->n = json_real_value(v);
		} else if (json_is_boolean(v)) {
			at->type = SP_ATTR_BOOL;
			at->n = json_is_true(v);
		} else {
			return sp_jdec_fail(d, "must be a string, a number or a boolean, not %s", sp_json_kind(v));
		}
		sp_jdec_pop(d, mark);
	}
	sp_resource_sort(r);
	return 0;
}

int sp_resource_json_decode_force_new(struct sp_jdec *d, json_t *arr, struct sp_resource *r)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return sp_jdec_fail(d, "must be an array of attribute keys, not %s", sp_json_kind(arr));
	json_array_foreach(arr, i, v) {
		size_t mark = sp_jdec_push_idx(d, i);
		if (!json_is_string(v))
			return sp_jdec_fail(d, "must be a string, not %s", sp_json_kind(v));
		const struct sp_attr *found = sp_resource_attr(r, json_string_value(v));
		if (!found)
			return sp_jdec_fail(d, "'%s' is not one of the resource's attributes", json_string_value(v));
		struct sp_attr *at = &r->attrs[found - r->attrs];
		if (at->force_new)
			return sp_jdec_fail(d, "'%s' is listed twice", json_string_value(v));
		at->force_new = 1;
		sp_jdec_pop(d, mark);
	}
	return 0;
}

int sp_resource_json_decode_deps(struct sp_jdec *d, json_t *arr, struct sp_resource *r)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return sp_jdec_fail(d, "must be an array of resource addresses, not %s", sp_json_kind(arr));
	r->depends_on = SP_NEWN(d->a, const char *, json_array_size(arr));
	json_array_foreach(arr, i, v) {
		size_t mark = sp_jdec_push_idx(d, i);
		if (!json_is_string(v))
			return sp_jdec_fail(d, "must be a string, not %s", sp_json_kind(v));
		if (sp_resource_parse_address(NULL, json_string_value(v), NULL, NULL, NULL) < 0)
			return sp_jdec_fail(d, "'%s' is not a resource address (like service.web-api[us-east-1])",
					    json_string_value(v));
		r->depends_on[r->ndeps++] = sp_arena_strdup(d->a, json_string_value(v));
		sp_jdec_pop(d, mark);
	}
	sp_resource_sort(r);
	return 0;
}

/* obj[key], when present, decoded by fn with the path at it. */
static int decode_member(struct sp_jdec *d, json_t *obj, const char *key, struct sp_resource *r,
			 int (*fn)(struct sp_jdec *, json_t *, struct sp_resource *))
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc;

	if (!v)
		return 0;
	mark = sp_jdec_push_key(d, key);
	if ((rc = fn(d, v, r)) == 0)
		sp_jdec_pop(d, mark);
	return rc;
}

/* address, type, name and region: present, strings, and agreeing. */
static int decode_address(struct sp_jdec *d, json_t *o, struct sp_resource *r)
{
	const char *type, *name, *region;
	int rc;

	if ((rc = sp_jdec_str(d, o, "address", SP_JREQ, &r->address)) < 0)
		return rc;
	if (sp_resource_parse_address(d->a, r->address, &type, &name, &region) < 0)
		return sp_jdec_fail_in(d, "address", "'%s' is not a resource address (like service.web-api[us-east-1])",
				       r->address);
	if ((rc = sp_jdec_str(d, o, "type", SP_JREQ, &r->type)) < 0 ||
	    (rc = sp_jdec_str(d, o, "name", SP_JREQ, &r->name)) < 0 ||
	    (rc = sp_jdec_str(d, o, "region", SP_JREQ, &r->region)) < 0)
		return rc;
	const char *const fields[][3] = { { "type", r->type, type }, { "name", r->name, name },
					  { "region", r->region, region } };
	for (size_t i = 0; i < 3; i++)
		if (strcmp(fields[i][1], fields[i][2]))
			return sp_jdec_fail_in(d, fields[i][0], "'%s' does not match the address '%s'", fields[i][1],
					       r->address);
	return 0;
}

int sp_resource_json_decode(struct sp_jdec *d, json_t *o, int flags, struct sp_resource *r)
{
	static const char *const keys_full[] = { "address", "type", "name", "region", "attributes",
						 "force_new", "depends_on", "lifecycle", NULL };
	static const char *const keys_res[] = { "address", "type", "name", "region", "attributes", NULL };
	static const char *const keys_lc[] = { "prevent_destroy", "allow_zero", NULL };
	json_t *v;
	size_t mark;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return sp_jdec_fail(d, "must be an object (a resource), not %s", sp_json_kind(o));
	if ((rc = sp_jdec_keys(d, o, (flags & SP_RESOURCE_JSON_FULL) ? keys_full : keys_res)) < 0 ||
	    (rc = decode_address(d, o, r)) < 0)
		return rc;
	if (!json_object_get(o, "attributes"))
		return sp_jdec_fail(d, "missing key 'attributes'");
	if ((rc = decode_member(d, o, "attributes", r, sp_resource_json_decode_attrs)) < 0)
		return rc;
	if (!(flags & SP_RESOURCE_JSON_FULL))
		return 0;
	if ((rc = decode_member(d, o, "force_new", r, sp_resource_json_decode_force_new)) < 0 ||
	    (rc = decode_member(d, o, "depends_on", r, sp_resource_json_decode_deps)) < 0)
		return rc;
	if ((v = json_object_get(o, "lifecycle"))) {
		mark = sp_jdec_push_key(d, "lifecycle");
		if ((rc = sp_jdec_object(d, v, keys_lc)) < 0 ||
		    (rc = sp_jdec_bool(d, v, "prevent_destroy", 0, &r->prevent_destroy)) < 0 ||
		    (rc = sp_jdec_bool(d, v, "allow_zero", 0, &r->allow_zero)) < 0)
			return rc;
		sp_jdec_pop(d, mark);
	}
	return 0;
}

/* ---- the local provider's resource document ------------------------------------------------------ */

int sp_resource_to_json(const struct sp_resource *r, char **out, struct sp_err *err)
{
	json_t *o = NULL;
	int rc;

	*out = NULL;
	if ((rc = sp_resource_json_encode(r, 0, &o, err)) < 0)
		return rc;
	rc = sp_json_dump(o, 0, out, err);
	json_decref(o);
	return rc;
}

int sp_resource_from_json(struct sp_resource *out, struct sp_arena *a, const char *text, size_t len,
			  const char *origin, struct sp_err *err)
{
	struct sp_jdec d;
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	sp_jdec_init(&d, origin ? origin : "resource", a, err, SP_JDEC_MUST_BE);
	if (!(root = sp_json_parse(text, len, d.origin, "invalid JSON", err)))
		return SP_EINVAL;
	rc = sp_resource_json_decode(&d, root, 0, out);
	json_decref(root);
	return rc;
}
