/* The JSON of a resource (docs/providers.md, "Resources and addresses"):
 * one encoder and one decoder of a resource and its attributes, for the
 * state file, its journal, the local provider's files and the plan file.
 * Encoding writes attributes sorted by key and numbers as sp_json_number
 * does; decoding is strict: keys unique and non-empty, values strings,
 * numbers or booleans, integers within +-2^53 (beyond, a double would not
 * hold them exactly), addresses well formed. No jansson memory outlives a
 * call: decoded strings go to the decoding context's arena. */
#ifndef SP_RESOURCE_JSON_H
#define SP_RESOURCE_JSON_H
#include <stddef.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/json.h"
#include "model/resource.h"

/* ---- encoding: errors are SP_EINVAL with err->file = address ----------------------------------- */

/* One attribute's value: a string, a number (sp_json_number) or a boolean,
 * as a new reference in *out. Refuses a NaN or infinite number, a string
 * that is not UTF-8 and an unknown type. */
int sp_resource_json_value(const struct sp_attr *at, const char *address, json_t **out, struct sp_err *err);

/* r's attributes as an object, sorted by key, in *out; when force_new is
 * not NULL, *force_new gets the keys marked force_new, sorted (both new
 * references). Refuses an empty or repeated key, a key that is not UTF-8,
 * and what sp_resource_json_value refuses. */
int sp_resource_json_attrs(const struct sp_resource *r, json_t **out, json_t **force_new, struct sp_err *err);

/* r's depends_on as an array, sorted, each address once (a new reference);
 * refuses a string that is not a resource address. */
int sp_resource_json_deps(const struct sp_resource *r, json_t **out, struct sp_err *err);

/* r's lifecycle: {"prevent_destroy": bool, "allow_zero": bool} (a new reference). */
json_t *sp_resource_json_lifecycle(const struct sp_resource *r);

/* Encoding and decoding flag: the state's record of a resource, with its
 * force_new, depends_on and lifecycle; without it, what a provider stores. */
#define SP_RESOURCE_JSON_FULL 1

/* One resource as an object: address, type, name, region, attributes, and
 * with SP_RESOURCE_JSON_FULL force_new, depends_on and lifecycle, in that
 * order (a new reference in *out). Refuses a missing or malformed address,
 * type, name and region that do not match it, and what the functions above
 * refuse. */
int sp_resource_json_encode(const struct sp_resource *r, int flags, json_t **out, struct sp_err *err);

/* ---- decoding: d's path is at the value; errors are SP_EINVAL with the path ------------------- */

/* Decodes an attributes object into r->attrs (sorted by key, strings in
 * d->a); refuses a value that is not a string, a number or a boolean, an
 * empty key and an integer beyond +-2^53. */
int sp_resource_json_decode_attrs(struct sp_jdec *d, json_t *obj, struct sp_resource *r);

/* Marks force_new the attributes arr names: an array of strings, each one
 * of r's attributes (decoded before), each once. */
int sp_resource_json_decode_force_new(struct sp_jdec *d, json_t *arr, struct sp_resource *r);

/* Decodes an array of resource addresses into r->depends_on (sorted, each
 * once, strings in d->a). */
int sp_resource_json_decode_deps(struct sp_jdec *d, json_t *arr, struct sp_resource *r);

/* Decodes a resource object into *r (zeroed first): every key known
 * (SP_RESOURCE_JSON_FULL allows force_new, depends_on and lifecycle, each
 * optional), address well formed, type, name and region matching it. */
int sp_resource_json_decode(struct sp_jdec *d, json_t *o, int flags, struct sp_resource *r);

/* ---- the local provider's resource document ---------------------------------------------------- */

/* One resource as its own document: sp_resource_json_encode without
 * SP_RESOURCE_JSON_FULL (force_new, depends_on and the lifecycle are the
 * planner's, not the provider's), dumped by sp_json_dump. *out is malloc'd,
 * the caller's. */
int sp_resource_to_json(const struct sp_resource *r, char **out /* malloc */, struct sp_err *err);

/* Decodes sp_resource_to_json's document into *out, strings in a; errors
 * are SP_EINVAL at origin, with jansson's line and column (syntax) or the
 * JSON path of the value in the message. */
int sp_resource_from_json(struct sp_resource *out, struct sp_arena *a, const char *text, size_t len,
			  const char *origin, struct sp_err *err);

#endif
