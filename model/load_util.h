/* Typed readers over the YAML tree, shared by the spec loader's sections.
 * Each reports its own error (file:line:col) in ld->d and returns -1 on a bad
 * value (*out untouched), 0 when the value was read into *out, 1 when the key
 * is absent (the default in *out stays). Nothing is allocated. */
#ifndef SP_LOAD_UTIL_H
#define SP_LOAD_UTIL_H
#include "model/spec.h"
#include "model/yaml.h"

struct sp_ld {
	struct sp_spec *spec;
	struct sp_arena *a;
	struct sp_diags *d;
};

enum sp_range {
	SP_R_ANY,
	SP_R_POS,        /* > 0 */
	SP_R_NONNEG,     /* >= 0 */
	SP_R_OPEN01,     /* (0, 1) */
	SP_R_UNIT,       /* (0, 1] */
	SP_R_HALFOPEN,   /* [0, 1) */
	SP_R_PERCENT,    /* (0, 100) */
	SP_R_GE1,        /* >= 1 */
};

/* 0 when node is a mapping; else -1, reporting "'what' must be a mapping" (or
 * "is empty" for an empty value). */
int sp_ld_is_map(struct sp_ld *ld, const struct sp_ynode *node, const char *what);
/* 0 when node is a sequence; else -1, reporting "'what' must be a list". */
int sp_ld_is_seq(struct sp_ld *ld, const struct sp_ynode *node, const char *what);
/* Reports every key of map not in allowed[] (NULL-terminated), with a
 * "did you mean" when one is close. Returns -1 when any was unknown. */
int sp_ld_keys(struct sp_ld *ld, const struct sp_ynode *map, const char *const *allowed, const char *what);
/* Reports a missing required key at the mapping's position. */
void sp_ld_missing(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char *what);

/* A number in range r (a trailing unit, a quoted number and a percentage
 * where a fraction is meant are reported with a hint). */
int sp_ld_num(struct sp_ld *ld, const struct sp_ynode *map, const char *key, enum sp_range r, double *out);
/* A whole number in [lo, hi]. */
int sp_ld_int(struct sp_ld *ld, const struct sp_ynode *map, const char *key, long lo, long hi, int *out);
/* true or false; *out gets 1 or 0. */
int sp_ld_bool(struct sp_ld *ld, const struct sp_ynode *map, const char *key, int *out);
/* A non-empty string value (it points into the YAML tree, in the spec's
 * arena); *pos (optional) gets the value's position. */
int sp_ld_str(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char **out, struct sp_pos *pos);
/* One of names[] (NULL-terminated); *out is the index. An unknown name is
 * reported with the list, and a suggestion when one is close. */
int sp_ld_enum(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char *const *names, int *out);
/* A month in YYYY-MM form, as a month number (model/spec.h). */
int sp_ld_month(struct sp_ld *ld, const struct sp_ynode *map, const char *key, sp_month *out);
/* Parses a scalar node as a number with the same rules (for list items):
 * 0 or -1, never 1. */
int sp_ld_scalar_num(struct sp_ld *ld, const struct sp_ynode *n, const char *key, enum sp_range r, double *out);
/* Validates a component name (letters, digits, '-', '_', '.'; 1-63 chars):
 * 0, or -1 reported at n naming `what`. */
int sp_ld_name_ok(struct sp_ld *ld, const struct sp_ynode *n, const char *what);

#endif
