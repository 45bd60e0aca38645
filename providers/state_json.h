/* The state file's JSON (docs/providers.md, "State file"): deterministic
 * bytes out, strict checks in. The same resource encoding serves the local
 * provider's one-file-per-resource documents. */
#ifndef SP_STATE_JSON_H
#define SP_STATE_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "model/resource.h"
#include "providers/state.h"

/* Encodes s: fixed key order, resources sorted by address, attributes,
 * force_new and depends_on sorted, two-space indentation, a final newline;
 * whole numbers within 2^53 as integers, others (each on its own) with the
 * fewest digits that read back to the same double; the cost block between
 * scaleplan_version and resources when s->cost.present. *out is malloc'd,
 * owned by the caller.
 * SP_EINVAL (err->file = the resource's address) for what could not be read
 * back: a bad or duplicate address, a NaN or infinite number, a string that
 * is not UTF-8, a duplicate attribute key, a missing lineage. */
int sp_state_to_json(const struct sp_state *s, char **out /* malloc */, struct sp_err *err);

/* Decodes and checks a state; *out is the caller's (sp_state_free). Every
 * problem is SP_EINVAL with origin in err->file and either jansson's line and
 * column (syntax) or the JSON path of the value in the message, like
 * "resources[2].attributes.nodes: must be a string, a number or a boolean,
 * not null". Integers beyond 2^53 are refused (they would not read back
 * exactly). Resources come out sorted by address. */
int sp_state_from_json(struct sp_state **out, const char *text, size_t len, const char *origin /* file name for errors */,
		       struct sp_err *err);

/* One resource as its own document (the local provider's files): address,
 * type, name, region and attributes only; force_new, depends_on and the
 * lifecycle are the planner's, not the provider's, and are not written.
 * Same bytes rules and errors as sp_state_to_json. */
int sp_resource_to_json(const struct sp_resource *r, char **out /* malloc */, struct sp_err *err);

/* Decodes sp_resource_to_json's document into *out, strings in a. */
int sp_resource_from_json(struct sp_resource *out, struct sp_arena *a, const char *text, size_t len,
			  const char *origin, struct sp_err *err);

/* One line of a state journal (the local backend's record of one completed
 * operation): {"lineage","serial","address","resource","crc32c"} on one line
 * and a newline, where resource is the resource as the state stores it, or
 * null for a deletion, and crc32c the CRC-32C of the line's bytes before
 * ',"crc32c"'. Same number rules and errors as sp_state_to_json; serial must
 * be at least 1 and now, when given, must have that address. */
int sp_state_journal_line(const char *lineage, uint64_t serial, const char *address, const struct sp_resource *now,
			  char **out /* malloc */, struct sp_err *err);

/* The first line of a journal: {"journal","lineage","serial","version",
 * "crc32c"}: its name (the state that names it expects it), the lineage and
 * the serial of the state it starts from. */
int sp_state_journal_header(const char *journal, const char *lineage, uint64_t serial, char **out /* malloc */,
			    struct sp_err *err);

/* How a damaged state or journal is recovered, for messages. */
#define SP_STATE_RECOVER_HINT                                                                                  \
	"recover the state as it was before with 'scaleplan state pull --backup > s.json' (or the state file "  \
	"without its journal, 'scaleplan state pull --no-journal > s.json'), then 'scaleplan state push --force " \
	"s.json'; the next plan reads the provider again"

/* Applies a journal to s: the header first (its checksum; its lineage must
 * be s's; when expect names the journal the state names, its name must be
 * that and its serial s's), then each entry in order, each with its
 * checksum: an entry at or below s->serial is skipped (already folded into
 * s), the next one must have s->serial + 1; each replaces, adds or (null)
 * removes its resource and sets s->serial. A journal the state does not name
 * (expect NULL) is what a folding write left behind: every entry must be at
 * or below s->serial. A last line without its newline (an append cut short,
 * never acknowledged) is ignored.
 * Flags: SP_JOURNAL_ADOPT, s is a fresh state (no state file) and takes the
 * journal's lineage; SP_JOURNAL_LEGACY, a format-1 journal (no header, no
 * checksums) is read, as a format-1 state file may have one.
 * Returns the number of entries applied; SP_ECORRUPT for damage (a checksum,
 * a header that does not match, entries missing), SP_EINVAL for a format-1
 * line that does not decode, with origin and the line number in err. Strings
 * go to s's arena; resources stay sorted by address. */
#define SP_JOURNAL_ADOPT 1
#define SP_JOURNAL_LEGACY 2
int sp_state_journal_replay(struct sp_state *s, const char *text, size_t len, const char *origin, const char *expect,
			    int flags, struct sp_err *err);

/* Dumps a jansson document in the house format: two-space indentation (or
 * one line with SP_JSON_COMPACT), keys in insertion order, every real with
 * the fewest digits that read back to exactly the same double, a final
 * newline; SP_JSON_ASCII escapes every non-ASCII character. *out is malloc'd. */
#define SP_JSON_COMPACT 1
#define SP_JSON_ASCII 2
typedef struct json_t json_t;
int sp_json_dump(json_t *root, int flags, char **out, struct sp_err *err);

#endif
