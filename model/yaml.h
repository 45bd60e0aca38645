/* A small YAML document tree built from libyaml's event stream, in an arena,
 * with every node's 1-based position. Hostile input is bounded: aliases are
 * rejected, nesting depth and node count are limited, only one document per
 * file, duplicate mapping keys are errors. */
#ifndef SP_YAML_H
#define SP_YAML_H
#include <stddef.h>

#include "lib/arena.h"
#include "lib/diag.h"

enum sp_ykind { SP_Y_SCALAR, SP_Y_SEQ, SP_Y_MAP };

struct sp_ynode {
	enum sp_ykind kind;
	struct sp_pos pos;
	/* scalar */
	const char *str;          /* NUL-terminated copy (may contain NULs before len) */
	size_t len;
	int plain;                /* unquoted plain scalar (so "12" quoted is a string) */
	/* sequence: items[n]; mapping: keys[n] (scalars) and vals[n] */
	struct sp_ynode **items;
	struct sp_ynode **keys;
	size_t n;
};

/* Parses src (already read) into *root. An empty document gives *root = NULL
 * and returns 0. Errors are added to diags (libyaml's problem and mark, or a
 * limit hit) and -1 is returned. */
int sp_yaml_parse(struct sp_ynode **root, const struct sp_src *src, struct sp_arena *a,
		  struct sp_diags *diags);

/* Value of key in a mapping, or NULL; *keypos (optional) gets the key's node. */
struct sp_ynode *sp_ymap_get(const struct sp_ynode *map, const char *key, const struct sp_ynode **keynode);

/* "a scalar", "a list" or "a mapping" ("nothing" for NULL), for messages;
 * a static string. */
const char *sp_ykind_name(const struct sp_ynode *n);

#endif
