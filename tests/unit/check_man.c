/* The usage-text parser behind the manual and the completion scripts
 * (planner/man.h), and the manual it writes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "planner/commands.h"
#include "planner/man.h"

Suite *suite_man(void);

static const char sample[] =
	"usage: scaleplan demo [--format dot|svg] [OPTIONS] [FILE|DIR]\n"
	"\n"
	"First paragraph, on\n"
	"two lines.\n"
	"\n"
	"  -o, --out FILE          save it (with the\n"
	"                          state's lineage)\n"
	"      --format FMT        text (default), json (a file) or markdown\n"
	"      --target ADDR       only this; repeatable\n"
	"      --refresh=false     trust the state\n"
	"      --detailed-exitcode exit 2 when there are changes\n"
	"      --at, --percentile,\n"
	"      --seed              as for plan\n"
	"      --paths N           paths, 1 to 100000 (default 1000)\n"
	"\n"
	"    an example line\n"
	"      kept as it is\n"
	"\n"
	"Exit status: 0 done.\n";

START_TEST(test_usage_parse)
{
	struct sp_arena a;
	struct sp_usage u;
	const struct sp_usage_opt *o;

	sp_arena_init(&a);
	sp_usage_parse(&u, sample, &a);
	ck_assert_str_eq(u.synopsis, "scaleplan demo [--format dot|svg] [OPTIONS] [FILE|DIR]");
	ck_assert_uint_eq(u.nblocks, 4);
	ck_assert_int_eq(u.blocks[0].kind, SP_UB_PROSE);
	ck_assert_str_eq(u.blocks[0].text, "First paragraph, on two lines.");
	ck_assert_int_eq(u.blocks[1].kind, SP_UB_OPTIONS);
	ck_assert_uint_eq(u.blocks[1].n, 7);
	ck_assert_int_eq(u.blocks[2].kind, SP_UB_EXAMPLE);
	ck_assert_str_eq(u.blocks[2].text, "an example line\nkept as it is");
	ck_assert_int_eq(u.blocks[3].kind, SP_UB_PROSE);
	ck_assert_uint_eq(u.nopts, 7);

	o = sp_usage_find_opt(&u, "-o");
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_eq(o, sp_usage_find_opt(&u, "--out"));
	ck_assert_str_eq(o->arg, "FILE");
	ck_assert_str_eq(o->desc, "save it (with the state's lineage)");
	/* the synopsis lists --format's values, before its description does */
	o = sp_usage_find_opt(&u, "--format");
	ck_assert_uint_eq(o->nchoices, 2);
	ck_assert_str_eq(o->choices[0], "dot");
	ck_assert_str_eq(o->choices[1], "svg");
	o = sp_usage_find_opt(&u, "--target");
	ck_assert_int_eq(o->repeatable, 1);
	ck_assert_str_eq(o->arg, "ADDR");
	o = sp_usage_find_opt(&u, "--refresh");
	ck_assert_str_eq(o->value, "false");
	ck_assert_ptr_null(o->arg);
	/* one space, then a word that is no ARG: the description */
	o = sp_usage_find_opt(&u, "--detailed-exitcode");
	ck_assert_ptr_null(o->arg);
	ck_assert_str_eq(o->desc, "exit 2 when there are changes");
	/* a line of names ending with ',' goes on at the next line */
	o = sp_usage_find_opt(&u, "--at");
	ck_assert_uint_eq(o->nnames, 3);
	ck_assert_ptr_eq(o, sp_usage_find_opt(&u, "--seed"));
	ck_assert_str_eq(o->desc, "as for plan");
	/* "(default 1000)" lists no values */
	o = sp_usage_find_opt(&u, "--paths");
	ck_assert_uint_eq(o->nchoices, 0);
	ck_assert_ptr_null(sp_usage_find_opt(&u, "--nope"));
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_usage_subcommands_and_choices)
{
	struct sp_arena a;
	struct sp_usage u;

	sp_arena_init(&a);
	sp_usage_parse(&u, "usage: scaleplan s [--x] SUBCOMMAND [ARGS]\n\n"
			   "  list [ADDR...]      the addresses\n"
			   "                      in the state\n"
			   "  pull                print it\n\n"
			   "  -f, --format FMT   table (default), csv or json\n",
		       &a);
	ck_assert_uint_eq(u.nsubs, 2);
	ck_assert_str_eq(u.subs[0].name, "list");
	ck_assert_str_eq(u.subs[0].args, "[ADDR...]");
	ck_assert_str_eq(u.subs[0].desc, "the addresses in the state");
	ck_assert_str_eq(u.subs[1].args, "");
	/* values from the description: every clause one word, "(default)" said */
	const struct sp_usage_opt *o = sp_usage_find_opt(&u, "--format");
	ck_assert_uint_eq(o->nchoices, 3);
	ck_assert_str_eq(o->choices[2], "json");

	/* without SUBCOMMAND in the synopsis, an indented word is an example */
	sp_usage_parse(&u, "usage: scaleplan completion bash|zsh\n\n  source <(x)\n", &a);
	ck_assert_uint_eq(u.nsubs, 0);
	ck_assert_uint_eq(u.npos_choices, 2);
	ck_assert_str_eq(u.pos_choices[1], "zsh");
	ck_assert_int_eq(u.blocks[0].kind, SP_UB_EXAMPLE);
	sp_arena_free(&a);
}
END_TEST

/* Every command of the table: its options are all found, one per line that
 * starts with a dash in its usage text. */
START_TEST(test_usage_every_command)
{
	struct sp_arena a;

	sp_arena_init(&a);
	for (size_t i = 0; sp_commands[i]; i++) {
		struct sp_usage u;
		size_t dash_lines = 0, names = 0;
		const char *p = sp_commands[i]->usage;
		sp_usage_parse(&u, p, &a);
		ck_assert_ptr_nonnull(strstr(u.synopsis, sp_commands[i]->name));
		for (const char *l = p; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			size_t sp = strspn(l, " ");
			if (sp >= 2 && sp <= 8 && l[sp] == '-')
				dash_lines++;
		}
		for (size_t j = 0; j < u.nopts; j++)
			names += u.opts[j].nnames > 0;
		/* apply's "--at, ..., --seed,\n --threads" is one option over two lines */
		ck_assert_uint_ge(dash_lines, u.nopts);
		ck_assert_uint_eq(names, u.nopts);
	}
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_man_page)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	sp_man_write(f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, ".TH SCALEPLAN 1 "));
	for (size_t i = 0; sp_commands[i]; i++) {
		char want[64];
		snprintf(want, sizeof(want), ".SS \"%s\"\n", sp_commands[i]->name);
		ck_assert_msg(strstr(buf, want), "no section for %s", sp_commands[i]->name);
	}
	/* an option's dashes are roff's minus, and no text line starts with a dot */
	ck_assert_ptr_nonnull(strstr(buf, "\\fB\\-\\-target\\fR \\fIADDR\\fR"));
	for (const char *l = buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (*l == '.')
			ck_assert_msg(strchr("\\TSPBIRnfab", l[1]) != NULL, "a text line starts with '.': %.40s", l);
	free(buf);
}
END_TEST

Suite *suite_man(void)
{
	Suite *s = suite_create("man");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_usage_parse);
	tcase_add_test(tc, test_usage_subcommands_and_choices);
	tcase_add_test(tc, test_usage_every_command);
	tcase_add_test(tc, test_man_page);
	suite_add_tcase(s, tc);
	return s;
}
