/* The state file's JSON (docs/providers.md, "The state file"): deterministic
 * bytes out, strict checks in. Resources are encoded and decoded by the one
 * resource codec (providers/resource_json.h); the bytes are lib/json.h's
 * house format, sealed with a checksum (providers/checksum.h). */
#ifndef SP_STATE_JSON_H
#define SP_STATE_JSON_H
#include <stddef.h>

#include "lib/err.h"
#include "lib/json.h"
#include "providers/state.h"

/* Encodes s: fixed key order, resources sorted by address, attributes,
 * force_new and depends_on sorted, two-space indentation, a final newline;
 * whole numbers within 2^53 as integers, others (each on its own) with the
 * fewest digits that read back to the same double; the cost block between
 * scaleplan_version and resources when s->cost.present; the checksum filled
 * in. *out is malloc'd, owned by the caller.
 * SP_EINVAL (err->file = the resource's address) for what could not be read
 * back: a bad or duplicate address, a NaN or infinite number, a string that
 * is not UTF-8, a duplicate attribute key, a missing lineage. */
int sp_state_to_json(const struct sp_state *s, char **out /* malloc */, struct sp_err *err);

/* Decodes and checks a state; *out is the caller's (sp_state_free). A
 * checksum that does not match the bytes is SP_ECORRUPT. Every other
 * problem is SP_EINVAL with origin in err->file and either jansson's line
 * and column (syntax) or the JSON path of the value in the message, like
 * "resources[2].attributes.nodes: must be a string, a number or a boolean,
 * not null". Integers beyond 2^53 are refused (they would not read back
 * exactly). Resources come out sorted by address. */
int sp_state_from_json(struct sp_state **out, const char *text, size_t len, const char *origin /* file name for errors */,
		       struct sp_err *err);

#endif
