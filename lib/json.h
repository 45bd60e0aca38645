/* JSON for every file and wire format scaleplan reads or writes (jansson):
 * one writer, with the house layout and numbers, and one decoding context
 * that follows the JSON path of the value being read, so that every problem
 * says where it is: "resources[2].attributes.nodes: must be a string, a
 * number or a boolean, not null". A decoder walks jansson's tree, pushing a
 * step for each member or element it enters and popping it when done; on
 * the first problem it reports and returns, and the path is then dropped. */
#ifndef SP_JSON_H
#define SP_JSON_H
#include <jansson.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/err.h"

/* ---- writing ---------------------------------------------------------------------------------- */

/* Every integer up to this magnitude (2^53) is exact in a double. */
#define SP_JSON_MAX_EXACT 9007199254740992.0

#define SP_JSON_COMPACT 1   /* one line instead of two-space indentation */
#define SP_JSON_ASCII 2     /* every non-ASCII character escaped */

/* Dumps root in the house format: two-space indentation (or one line with
 * SP_JSON_COMPACT), keys in insertion order, every real with the fewest
 * significant digits that read back to exactly the same double (always with
 * a '.' or an exponent), a final newline. *out is malloc'd, the caller's;
 * SP_EINVAL when jansson cannot encode the tree. */
int sp_json_dump(json_t *root, int flags, char **out, struct sp_err *err);

/* A number as the house writes it: a whole number within +-2^53 as a JSON
 * integer (-0 as 0), any other as a real. A new reference; NULL for a NaN
 * or an infinity, which JSON cannot hold. */
json_t *sp_json_number(double v);

/* ---- reading ---------------------------------------------------------------------------------- */

/* Parses len bytes of text, refusing a key given twice. NULL on failure,
 * with err = SP_EINVAL at origin, jansson's 1-based line and column, and
 * "<what>: <jansson's message>" (what is "invalid JSON", or "not a plan
 * file"). The tree is the caller's (json_decref). */
json_t *sp_json_parse(const char *text, size_t len, const char *origin, const char *what, struct sp_err *err);

/* The kind of v for messages: "an object", "an array", "a string", "an
 * integer", "a number" (a real), "a boolean" or "null". */
const char *sp_json_kind(const json_t *v);

/* How the getters below word a missing key and a value of another type, so
 * each format keeps the wording its users know. */
enum sp_jdec_style {
	SP_JDEC_MUST_BE,   /* "missing key 'k'" at the object; "k: must be a string, not an integer";
			      an unknown key: "k: unknown key" */
	SP_JDEC_EXPECTED,  /* "missing field 'k'" at the object; "k: expected a string, got a number"
			      (integers and reals are both "a number"); an unknown key: "unknown field 'k';
			      did you mean 'x'?", placed at the key, the path shown without it */
	SP_JDEC_TERSE,     /* "k: missing"; "k: must be a string" */
};

/* What a getter accepts. */
enum sp_jtype { SP_JOBJECT, SP_JARRAY, SP_JSTRING, SP_JINTEGER, SP_JNUMBER, SP_JBOOL };

/* Getter flags. */
#define SP_JREQ 1        /* the member must be there */
#define SP_JNULL 2       /* null is accepted (the getter then gives NULL, or leaves *out) */
#define SP_JNONEMPTY 4   /* a string must not be empty: "must not be empty" */

#define SP_JDEC_DEPTH 16 /* steps of a path kept (deeper ones are counted, not shown) */

/* A decoding context: where the text came from, where strings go, where the
 * first problem is reported, and the JSON path of the value being read. */
struct sp_jdec {
	const char *origin;          /* file name for errors (err->file) */
	struct sp_arena *a;          /* every decoded string is copied here */
	struct sp_err *err;
	enum sp_jdec_style style;
	const char *text;            /* optional: the source text, to place errors at their line and column */
	size_t len;
	struct sp_jstep {
		const char *key;     /* an object member, or NULL for an array element */
		size_t idx;
	} path[SP_JDEC_DEPTH];
	size_t depth;
	char subject[160];           /* optional: "SKU 'm7i.large'", shown after the path */
};

/* Starts a context with an empty path, no text and no subject; a NULL
 * origin is "" in messages. */
void sp_jdec_init(struct sp_jdec *d, const char *origin, struct sp_arena *a, struct sp_err *err,
		  enum sp_jdec_style style);

/* Steps into member key (which must outlive the step) or element idx.
 * Each returns a mark for sp_jdec_pop: the depth before the step. */
size_t sp_jdec_push_key(struct sp_jdec *d, const char *key);
size_t sp_jdec_push_idx(struct sp_jdec *d, size_t idx);
/* Goes back to mark (0: the top level). */
void sp_jdec_pop(struct sp_jdec *d, size_t mark);

/* Sets (name non-NULL) or clears the subject of the messages: what "name"
 * is, as in "SKU 'm7i.large'". */
void sp_jdec_subject(struct sp_jdec *d, const char *what, const char *name);

/* Reports a problem with the value at the path: err = SP_EINVAL, the
 * message "<path> (<subject>): <message>" (keys that are not identifiers
 * as ["key"]; the parts that are empty left out), and with d->text the line
 * and column of the value (0 and 0 otherwise). Returns SP_EINVAL. */
int sp_jdec_fail(struct sp_jdec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, for a problem with the key of the last step: placed at the key,
 * and the path shown stops before it. */
int sp_jdec_fail_key(struct sp_jdec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reports a problem with member key of the value at the path, as
 * sp_jdec_fail does with key pushed; the path is left as it was. */
int sp_jdec_fail_in(struct sp_jdec *d, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* sp_json_kind in the context's style (SP_JDEC_EXPECTED calls an integer
 * "a number"). */
const char *sp_jdec_kind(const struct sp_jdec *d, const json_t *v);

/* Refuses the first key of obj that is not in allowed (NULL-terminated),
 * worded as the style says. 0 or SP_EINVAL. */
int sp_jdec_keys(struct sp_jdec *d, json_t *obj, const char *const *allowed);

/* Checks that v, the value at the path, is an object ("must be an object,
 * not an array" in the style's words) with only the allowed keys (allowed
 * may be NULL: any key). 0 or SP_EINVAL. */
int sp_jdec_object(struct sp_jdec *d, json_t *v, const char *const *allowed);

/* Member key of obj, of type t: 0 with *out = the value, or NULL when it is
 * absent (without SP_JREQ) or null (with SP_JNULL); SP_EINVAL when it is
 * missing (with SP_JREQ) or of another type, worded as the style says. */
int sp_jdec_member(struct sp_jdec *d, json_t *obj, const char *key, enum sp_jtype t, int flags, json_t **out);

/* A string member copied into d->a. *out is left as it is when the member
 * is absent (without SP_JREQ), and set to NULL when it is null (with
 * SP_JNULL). 0 or SP_EINVAL. */
int sp_jdec_str(struct sp_jdec *d, json_t *obj, const char *key, int flags, const char **out);

/* A boolean member (1 or 0); *out is left as it is when the member is
 * absent (without SP_JREQ). In SP_JDEC_MUST_BE words a wrong type is "must
 * be true or false, not ...". 0 or SP_EINVAL. */
int sp_jdec_bool(struct sp_jdec *d, json_t *obj, const char *key, int flags, int *out);

#endif
