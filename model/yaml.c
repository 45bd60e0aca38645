#include "model/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/hmap.h"
#include "lib/xalloc.h"
#include "model/spec.h"

/* A growable list of children while a collection is open. */
struct frame {
	struct sp_ynode *node;
	struct sp_ynode **items;
	size_t n, cap;
};

static struct sp_pos mark_pos(const struct sp_src *src, yaml_mark_t m)
{
	struct sp_pos p = { src, (int)m.line + 1, (int)m.column + 1 };
	return p;
}

/* The byte offset of character number `index` (libyaml's marks count
 * characters, not bytes; the loader has checked that the text is UTF-8). */
static size_t byte_offset(const struct sp_src *src, size_t index)
{
	size_t i = 0;
	while (i < src->len && index > 0) {
		i++;
		while (i < src->len && ((unsigned char)src->text[i] & 0xc0) == 0x80)
			i++;
		index--;
	}
	return i;
}

const char *sp_ykind_name(const struct sp_ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case SP_Y_SCALAR: return "a scalar";
	case SP_Y_SEQ: return "a list";
	case SP_Y_MAP: return "a mapping";
	}
	return "?";
}

/* Duplicate keys in a large mapping (thousands of services): hashed, O(n). */
static int dupcheck_hashed(struct sp_ynode *node, struct sp_diags *diags)
{
	struct sp_hmap m;
	uint32_t first;
	int ret = 0;

	sp_hmap_init(&m);
	for (size_t i = 0; i < node->n; i++) {
		if (sp_hmap_put(&m, node->keys[i]->str, (uint32_t)i, &first) == 1) {
			sp_error(diags, node->keys[i]->pos, "duplicate key '%s'", node->keys[i]->str);
			sp_note(diags, node->keys[first]->pos, "'%s' first defined here", node->keys[first]->str);
			ret = -1;
		}
	}
	sp_hmap_free(&m);
	return ret;
}

/* Closes a collection: moves children into the arena node; for a mapping, pairs
 * them into keys/vals and rejects non-scalar and duplicate keys. */
static int close_frame(struct frame *f, struct sp_arena *a, struct sp_diags *diags)
{
	struct sp_ynode *node = f->node;
	int ret = 0;

	if (node->kind == SP_Y_SEQ) {
		node->n = f->n;
		node->items = SP_NEWN(a, struct sp_ynode *, f->n);
		if (f->n)
			memcpy(node->items, f->items, f->n * sizeof(*f->items));
	} else {
		size_t n = f->n / 2;
		node->n = n;
		node->keys = SP_NEWN(a, struct sp_ynode *, n);
		node->items = SP_NEWN(a, struct sp_ynode *, n);
		for (size_t i = 0; i < n; i++) {
			node->keys[i] = f->items[2 * i];
			node->items[i] = f->items[2 * i + 1];
			if (node->keys[i]->kind != SP_Y_SCALAR) {
				sp_error(diags, node->keys[i]->pos, "mapping key must be a scalar, not %s",
					 sp_ykind_name(node->keys[i]));
				ret = -1;
			}
		}
		/* duplicate keys: small mappings are scanned, large ones hashed */
		if (n > 1 && ret == 0) {
			if (n <= 16) {
				for (size_t i = 1; i < n; i++)
					for (size_t j = 0; j < i; j++)
						if (!strcmp(node->keys[i]->str, node->keys[j]->str)) {
							sp_error(diags, node->keys[i]->pos, "duplicate key '%s'",
								 node->keys[i]->str);
							sp_note(diags, node->keys[j]->pos, "'%s' first defined here",
								node->keys[j]->str);
							ret = -1;
							break;
						}
			} else {
				if (dupcheck_hashed(node, diags) < 0)
					ret = -1;
			}
		}
	}
	free(f->items);
	f->items = NULL;
	f->n = f->cap = 0;
	return ret;
}

/* Reports libyaml's parse error: a tab where YAML wants spaces, or libyaml's
 * problem, with a note where its context started when that is elsewhere. */
static void report_parse_error(const yaml_parser_t *parser, const struct sp_src *src, struct sp_diags *diags)
{
	struct sp_pos p = mark_pos(src, parser->problem_mark);
	const char *problem = parser->problem ? parser->problem : "malformed YAML";
	size_t off = byte_offset(src, parser->problem_mark.index);

	if (off < src->len && src->text[off] == '\t') {
		sp_error(diags, p, "invalid YAML: a tab character here; indent YAML with spaces");
	} else if (parser->context && (parser->context_mark.line != parser->problem_mark.line ||
				       parser->context_mark.column != parser->problem_mark.column)) {
		sp_error(diags, p, "invalid YAML: %s %s", problem, parser->context);
		sp_note(diags, mark_pos(src, parser->context_mark), "%s started here",
			parser->context + (strncmp(parser->context, "while ", 6) ? 0 : 6));
	} else if (parser->context) {
		sp_error(diags, p, "invalid YAML: %s %s", problem, parser->context);
	} else {
		sp_error(diags, p, "invalid YAML: %s", problem);
	}
}

/* The node a scalar, sequence-start or mapping-start event opens, in a (a
 * scalar's text copied, NUL-terminated). */
static struct sp_ynode *new_node(const yaml_event_t *ev, const struct sp_src *src, struct sp_arena *a)
{
	struct sp_ynode *node = SP_NEW(a, struct sp_ynode);

	node->pos = mark_pos(src, ev->start_mark);
	if (ev->type == YAML_SCALAR_EVENT) {
		node->kind = SP_Y_SCALAR;
		node->len = ev->data.scalar.length;
		node->str = sp_arena_strndup(a, (const char *)ev->data.scalar.value, node->len);
		node->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	} else {
		node->kind = ev->type == YAML_SEQUENCE_START_EVENT ? SP_Y_SEQ : SP_Y_MAP;
	}
	return node;
}

int sp_yaml_parse(struct sp_ynode **root, const struct sp_src *src, struct sp_arena *a,
		  struct sp_diags *diags)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	struct frame stack[SP_MAX_DEPTH + 1];
	int depth = 0;       /* open collections */
	size_t nodes = 0;
	int docs = 0;
	int ret = 0, done = 0;

	*root = NULL;
	memset(stack, 0, sizeof(stack));
	if (!yaml_parser_initialize(&parser)) {
		sp_error(diags, ((struct sp_pos){ src, 0, 0 }), "cannot initialise the YAML parser");
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)src->text, src->len);

	while (!done) {
		struct sp_ynode *node = NULL;

		if (!yaml_parser_parse(&parser, &ev)) {
			report_parse_error(&parser, src, diags);
			ret = -1;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				sp_error(diags, mark_pos(src, ev.start_mark),
					 "more than one YAML document in a file; put each in its own file");
				ret = -1;
				done = 1;
			}
			break;
		case YAML_ALIAS_EVENT:
			sp_error(diags, mark_pos(src, ev.start_mark),
				 "YAML aliases ('*%s') are not supported in a spec; write the value out",
				 (const char *)ev.data.alias.anchor);
			ret = -1;
			done = 1;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++nodes > SP_MAX_NODES) {
				sp_error(diags, mark_pos(src, ev.start_mark),
					 "too many YAML nodes (more than %u)", SP_MAX_NODES);
				ret = -1;
				done = 1;
				break;
			}
			node = new_node(&ev, src, a);
			if (depth == 0) {
				if (*root) {
					/* cannot happen with one document; defensive */
					ret = -1;
					done = 1;
					break;
				}
				*root = node;
			} else {
				struct frame *f = &stack[depth - 1];
				SP_GROW(f->items, f->cap, f->n + 1);
				f->items[f->n++] = node;
			}
			if (node->kind != SP_Y_SCALAR) {
				if (depth >= SP_MAX_DEPTH) {
					sp_error(diags, node->pos, "YAML nested too deeply (more than %d levels)",
						 SP_MAX_DEPTH);
					ret = -1;
					done = 1;
					break;
				}
				stack[depth].node = node;
				depth++;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0) {
				depth--;
				if (close_frame(&stack[depth], a, diags) < 0)
					ret = -1;
			}
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	for (int i = 0; i < depth; i++)
		free(stack[i].items);
	yaml_parser_delete(&parser);
	if (ret < 0)
		*root = NULL;
	return ret;
}

struct sp_ynode *sp_ymap_get(const struct sp_ynode *map, const char *key, const struct sp_ynode **keynode)
{
	if (!map || map->kind != SP_Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (!strcmp(map->keys[i]->str, key)) {
			if (keynode)
				*keynode = map->keys[i];
			return map->items[i];
		}
	return NULL;
}
