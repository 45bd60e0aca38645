/* The manual and the completion scripts are made from the command table:
 * each command's usage text (the text --help prints) is parsed into its
 * synopsis, paragraphs, options and subcommands, so that a new command or a
 * new option line appears in `scaleplan help --man` and in `scaleplan
 * completion bash|zsh` with no other step.
 *
 * What the parser reads (planner/commands.h, the usage texts):
 *   - line 1: "usage: scaleplan CMD ..." (the synopsis);
 *   - paragraphs: lines that start at column 0, separated by blank lines;
 *   - options: "  -x, --long ARG  text" or "      --long ARG  text" (the
 *     description after two spaces, or after one when the word is not an
 *     ARG in capitals), continued on lines indented further; a line of names
 *     that ends with ',' goes on with the names of the next line;
 *   - subcommands, for a synopsis that names SUBCOMMAND: "  name ARGS  text";
 *   - any other indented line is an example, shown as it is. */
#ifndef SP_MAN_H
#define SP_MAN_H
#include <stddef.h>
#include <stdio.h>

#include "lib/arena.h"

#define SP_USAGE_MAX_NAMES 16
#define SP_USAGE_MAX_CHOICES 16

struct sp_usage_opt {
	const char *names[SP_USAGE_MAX_NAMES]; /* "-o", "--out" */
	size_t nnames;
	const char *arg;      /* "FILE", "N", or NULL when the option takes no value */
	const char *value;    /* "false" for a literal "--refresh=false", else NULL */
	const char *desc;     /* the description, its lines joined */
	const char *choices[SP_USAGE_MAX_CHOICES]; /* the values ARG takes, when the
						     synopsis or the description lists them */
	size_t nchoices;
	int repeatable;       /* the description says "repeatable" */
};

struct sp_usage_sub {
	const char *name;     /* "list" */
	const char *args;     /* "[ADDR...]", or "" */
	const char *desc;
};

enum sp_usage_block_kind { SP_UB_PROSE, SP_UB_EXAMPLE, SP_UB_OPTIONS, SP_UB_SUBCOMMANDS };

/* The usage text in order: a paragraph, an example (lines kept as they are,
 * indentation removed), or a run of options or subcommands (items
 * first .. first + n - 1 of opts or subs). */
struct sp_usage_block {
	enum sp_usage_block_kind kind;
	const char *text;
	size_t first, n;
};

struct sp_usage {
	const char *synopsis;                 /* "scaleplan plan [OPTIONS] [FILE|DIR]" */
	struct sp_usage_block *blocks;
	size_t nblocks;
	struct sp_usage_opt *opts;
	size_t nopts;
	struct sp_usage_sub *subs;
	size_t nsubs;
	const char *pos_choices[SP_USAGE_MAX_CHOICES]; /* a bare "bash|zsh" operand of the synopsis */
	size_t npos_choices;
};

/* Parses a usage text; every string is allocated in a. Never fails: a line
 * it does not recognise is kept as an example. */
void sp_usage_parse(struct sp_usage *u, const char *text, struct sp_arena *a);

/* The option of u named name ("--out" or "-o"), or NULL. */
const struct sp_usage_opt *sp_usage_find_opt(const struct sp_usage *u, const char *name);

/* Writes scaleplan(1) in man(7) format to f: the overview, then a section
 * per command of the table, made from its usage text. */
void sp_man_write(FILE *f);

#endif
