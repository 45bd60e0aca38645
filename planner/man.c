/* The usage texts parsed (planner/man.h), and scaleplan(1) written from them. */
#include "planner/man.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "planner/commands.h"

#ifndef SP_VERSION
#define SP_VERSION "0"
#endif
#ifndef SP_DATADIR
#define SP_DATADIR "/usr/local/share/scaleplan"
#endif

/* ---- parsing ---------------------------------------------------------------------------------- */

/* An ARG word: a capital first, then capitals, digits and _ | . - ("FILE|DIR", "YYYY-MM"). */
static int is_arg_word(const char *s, size_t n)
{
	if (!n || !(*s >= 'A' && *s <= 'Z'))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || isdigit((unsigned char)s[i]) || strchr("_|.-", s[i])))
			return 0;
	return 1;
}

/* A value word of a choice list: lower-case letters, digits, '-' and '_'. */
static int is_value_word(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

/* Splits "a|b|c" into choices; 0 when any piece is not a value word. */
static size_t split_choices(struct sp_arena *a, const char *s, size_t n, const char **out)
{
	size_t k = 0;
	const char *p = s, *end = s + n;

	if (!memchr(s, '|', n))
		return 0;
	while (p <= end && k < SP_USAGE_MAX_CHOICES) {
		const char *bar = memchr(p, '|', (size_t)(end - p));
		size_t len = bar ? (size_t)(bar - p) : (size_t)(end - p);
		if (!is_value_word(p, len))
			return 0;
		out[k++] = sp_arena_strndup(a, p, len);
		if (!bar)
			break;
		p = bar + 1;
	}
	return k;
}

/* The values of an ARG from a description that lists them: "text (default),
 * json (docs/plan-format.md) or markdown" gives text, json, markdown. Only a
 * description that says "(default)" and whose clauses, parentheses left out,
 * are single words counts. */
static size_t desc_choices(struct sp_arena *a, const char *desc, const char **out)
{
	struct sp_sb plain = SP_SB_INIT;
	size_t k = 0;
	int depth = 0;

	if (!strstr(desc, "(default)"))
		return 0;
	for (const char *p = desc; *p && *p != ';' && *p != ':'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth -= depth > 0;
		else if (!depth)
			sp_sb_addc(&plain, *p);
	}
	/* clauses: split on ", " and " or " */
	char *s = plain.buf;
	while (s && *s && k < SP_USAGE_MAX_CHOICES) {
		char *comma = strstr(s, ","), *or = strstr(s, " or ");
		char *cut = comma && (!or || comma < or) ? comma : or;
		size_t skip = cut == comma ? 1 : 4;
		char *w = s, *e = cut ? cut : s + strlen(s);
		while (w < e && *w == ' ')
			w++;
		while (e > w && e[-1] == ' ')
			e--;
		if (!is_value_word(w, (size_t)(e - w))) {
			k = 0;
			break;
		}
		out[k++] = sp_arena_strndup(a, w, (size_t)(e - w));
		s = cut ? cut + skip : NULL;
	}
	sp_sb_release(&plain);
	return k >= 2 ? k : 0;
}

/* Appends a continuation line to a joined text. */
static const char *join(struct sp_arena *a, const char *prev, const char *line, size_t n)
{
	if (!prev || !*prev)
		return sp_arena_strndup(a, line, n);
	return sp_arena_printf(a, "%s %.*s", prev, (int)n, line);
}

/* Parses the names (and ARG) at the start of an option line into o; returns
 * the description's start, or NULL when the line ends after a ',' (the names
 * go on at the next line). */
static const char *parse_opt_names(struct sp_arena *a, const char *p, const char *end, struct sp_usage_opt *o)
{
	for (;;) {
		const char *s = p;
		while (p < end && *p != ' ' && *p != ',' && *p != '=')
			p++;
		if (o->nnames < SP_USAGE_MAX_NAMES)
			o->names[o->nnames++] = sp_arena_strndup(a, s, (size_t)(p - s));
		if (p < end && *p == '=') {
			const char *v = ++p;
			while (p < end && *p != ' ')
				p++;
			o->value = sp_arena_strndup(a, v, (size_t)(p - v));
		}
		if (p < end && *p == ',') {
			p++;
			while (p < end && *p == ' ')
				p++;
			if (p >= end)
				return NULL;
			if (*p == '-')
				continue;
		}
		break;
	}
	if (p < end && *p == ' ' && p + 1 < end && p[1] != ' ') {
		const char *w = p + 1, *e = w;
		while (e < end && *e != ' ')
			e++;
		if (is_arg_word(w, (size_t)(e - w))) {
			o->arg = sp_arena_strndup(a, w, (size_t)(e - w));
			p = e;
		}
	}
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* The choices a synopsis gives: "[--format dot|svg|png]" to the option,
 * a bare "bash|zsh" to the operand. */
static void synopsis_choices(struct sp_usage *u, struct sp_arena *a)
{
	const char *p = u->synopsis, *prev = NULL;
	size_t prevlen = 0;

	while (*p) {
		while (*p == ' ' || *p == '[' || *p == ']')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != '[' && *p != ']')
			p++;
		size_t n = (size_t)(p - s);
		if (!n)
			continue;
		const char *ch[SP_USAGE_MAX_CHOICES];
		size_t k = split_choices(a, s, n, ch);
		if (k && prev && prev[0] == '-') {
			char *name = sp_arena_strndup(a, prev, prevlen);
			for (size_t i = 0; i < u->nopts; i++)
				for (size_t j = 0; j < u->opts[i].nnames; j++)
					if (!strcmp(u->opts[i].names[j], name) && !u->opts[i].nchoices) {
						memcpy(u->opts[i].choices, ch, k * sizeof(*ch));
						u->opts[i].nchoices = k;
					}
		} else if (k && !u->npos_choices) {
			memcpy(u->pos_choices, ch, k * sizeof(*ch));
			u->npos_choices = k;
		}
		prev = s;
		prevlen = n;
	}
}

static struct sp_usage_block *new_block(struct sp_usage *u, enum sp_usage_block_kind kind, size_t first)
{
	struct sp_usage_block *b = &u->blocks[u->nblocks++];
	b->kind = kind;
	b->first = first;
	return b;
}

void sp_usage_parse(struct sp_usage *u, const char *text, struct sp_arena *a)
{
	size_t nlines = 1;
	const char *p = text, *nl;
	struct sp_usage_block *cur = NULL;  /* the block lines are being added to */
	int item_indent = 0, names_go_on = 0;
	int has_subs;

	memset(u, 0, sizeof(*u));
	for (const char *q = text; *q; q++)
		nlines += *q == '\n';
	u->blocks = SP_NEWN(a, struct sp_usage_block, nlines);
	u->opts = SP_NEWN(a, struct sp_usage_opt, nlines);
	u->subs = SP_NEWN(a, struct sp_usage_sub, nlines);

	nl = strchr(p, '\n');
	size_t n0 = nl ? (size_t)(nl - p) : strlen(p);
	if (n0 >= 7 && !strncmp(p, "usage: ", 7))
		u->synopsis = sp_arena_strndup(a, p + 7, n0 - 7);
	else
		u->synopsis = sp_arena_strndup(a, p, n0);
	has_subs = strstr(u->synopsis, "SUBCOMMAND") != NULL;
	p = nl ? nl + 1 : p + n0;

	while (*p) {
		nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		int indent = 0;
		while (p + indent < end && p[indent] == ' ')
			indent++;
		const char *s = p + indent;
		size_t n = (size_t)(end - s);

		if (n == 0) {
			cur = NULL;
			names_go_on = 0;
		} else if (indent == 0) {
			if (!cur || cur->kind != SP_UB_PROSE)
				cur = new_block(u, SP_UB_PROSE, 0);
			cur->text = join(a, cur->text, s, n);
		} else if (*s == '-' && indent <= 8) {
			struct sp_usage_opt *o;
			if (names_go_on) {
				o = &u->opts[u->nopts - 1];
			} else {
				if (!cur || cur->kind != SP_UB_OPTIONS)
					cur = new_block(u, SP_UB_OPTIONS, u->nopts);
				o = &u->opts[u->nopts++];
				cur->n++;
				item_indent = indent;
			}
			const char *d = parse_opt_names(a, s, end, o);
			names_go_on = d == NULL;
			o->desc = d ? sp_arena_strndup(a, d, (size_t)(end - d)) : "";
		} else if (cur && (cur->kind == SP_UB_OPTIONS || cur->kind == SP_UB_SUBCOMMANDS) && indent > item_indent) {
			if (cur->kind == SP_UB_OPTIONS)
				u->opts[u->nopts - 1].desc = join(a, u->opts[u->nopts - 1].desc, s, n);
			else
				u->subs[u->nsubs - 1].desc = join(a, u->subs[u->nsubs - 1].desc, s, n);
		} else if (has_subs && indent == 2 && islower((unsigned char)*s)) {
			struct sp_usage_sub *sub = &u->subs[u->nsubs++];
			const char *w = s, *gap;
			while (w < end && *w != ' ')
				w++;
			sub->name = sp_arena_strndup(a, s, (size_t)(w - s));
			while (w < end && *w == ' ' && !(w + 1 < end && w[1] == ' '))
				w++;
			/* the operands run to the first gap of two spaces */
			for (gap = w; gap < end && !(gap[0] == ' ' && gap + 1 < end && gap[1] == ' '); gap++)
				;
			sub->args = sp_arena_strndup(a, w, (size_t)(gap - w));
			while (gap < end && *gap == ' ')
				gap++;
			sub->desc = sp_arena_strndup(a, gap, (size_t)(end - gap));
			if (!cur || cur->kind != SP_UB_SUBCOMMANDS)
				cur = new_block(u, SP_UB_SUBCOMMANDS, u->nsubs - 1);
			cur->n++;
			item_indent = indent;
		} else {
			if (!cur || cur->kind != SP_UB_EXAMPLE) {
				cur = new_block(u, SP_UB_EXAMPLE, 0);
				cur->text = sp_arena_strndup(a, s, n);
			} else {
				cur->text = sp_arena_printf(a, "%s\n%.*s", cur->text, (int)n, s);
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	synopsis_choices(u, a);
	for (size_t i = 0; i < u->nopts; i++) {
		struct sp_usage_opt *o = &u->opts[i];
		if (o->arg && !o->nchoices)
			o->nchoices = desc_choices(a, o->desc, o->choices);
		o->repeatable = strstr(o->desc, "repeatable") != NULL;
	}
}

const struct sp_usage_opt *sp_usage_find_opt(const struct sp_usage *u, const char *name)
{
	for (size_t i = 0; i < u->nopts; i++)
		for (size_t j = 0; j < u->opts[i].nnames; j++)
			if (!strcmp(u->opts[i].names[j], name))
				return &u->opts[i];
	return NULL;
}

/* ---- man(7) ------------------------------------------------------------------------------------ */

/* Writes text for roff: a backslash as \e, a '-' that starts a word (an
 * option's dashes) as \-, a '.' or '\'' that would start the line escaped
 * with \&, and every character beyond ASCII as \[uXXXX], so that groff reads
 * the page without preconv. */
static void roff(FILE *f, const char *s, size_t n, int line_start)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	int prev_word = 0;

	if (line_start && n && (*p == '.' || *p == '\''))
		fputs("\\&", f);
	while (p < end) {
		unsigned c = *p;
		if (c == '\\') {
			fputs("\\e", f);
		} else if (c == '-') {
			fputs(prev_word ? "-" : "\\-", f);
		} else if (c >= 0x80) {
			unsigned cp = 0;
			int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
			cp = c & (0x3fu >> extra);
			for (int i = 0; i < extra && p + 1 < end; i++)
				cp = (cp << 6) | (*++p & 0x3fu);
			fprintf(f, "\\[u%04X]", cp);
			prev_word = 1;
			p++;
			continue;
		} else {
			fputc((int)c, f);
		}
		prev_word = isalnum((int)c) || (c == '-' && prev_word);
		p++;
	}
}

static void roff_s(FILE *f, const char *s, int line_start)
{
	roff(f, s, strlen(s), line_start);
}

/* A synopsis or an option's names: words with dashes and lower-case words
 * in bold, ARG words in italics, brackets, bars and dots in roman. */
static void roff_term(FILE *f, const char *s)
{
	const char *p = s;

	while (*p) {
		if (strchr(" []|.,=<>(){}", *p)) {
			roff(f, p, 1, p == s);
			p++;
			continue;
		}
		const char *w = p;
		while (*p && !strchr(" []|,=<>(){}", *p) && !(p[0] == '.' && p[1] == '.'))
			p++;
		int arg = is_arg_word(w, (size_t)(p - w)) || (*w >= 'A' && *w <= 'Z');
		fputs(arg ? "\\fI" : "\\fB", f);
		roff(f, w, (size_t)(p - w), 0);
		fputs("\\fR", f);
	}
}

static void man_option(FILE *f, const struct sp_usage_opt *o)
{
	fputs(".TP\n", f);
	for (size_t i = 0; i < o->nnames; i++) {
		if (i)
			fputs(", ", f);
		fputs("\\fB", f);
		roff_s(f, o->names[i], 0);
		if (o->value) {
			fputs("=", f);
			roff_s(f, o->value, 0);
		}
		fputs("\\fR", f);
	}
	if (o->arg) {
		fputs(" \\fI", f);
		roff_s(f, o->arg, 0);
		fputs("\\fR", f);
	}
	fputc('\n', f);
	roff_s(f, o->desc, 1);
	fputc('\n', f);
}

/* The blocks of a usage text (its synopsis left out). */
static void man_blocks(FILE *f, const struct sp_usage *u, int skip_lists)
{
	for (size_t b = 0; b < u->nblocks; b++) {
		const struct sp_usage_block *bl = &u->blocks[b];
		switch (bl->kind) {
		case SP_UB_PROSE:
			fputs(".PP\n", f);
			roff_s(f, bl->text, 1);
			fputc('\n', f);
			break;
		case SP_UB_EXAMPLE:
			if (skip_lists)
				break;
			fputs(".PP\n.RS 4\n.nf\n", f);
			for (const char *p = bl->text; *p;) {
				const char *nl = strchr(p, '\n');
				size_t n = nl ? (size_t)(nl - p) : strlen(p);
				roff(f, p, n, 1);
				fputc('\n', f);
				p += n + (nl != NULL);
			}
			fputs(".fi\n.RE\n", f);
			break;
		case SP_UB_OPTIONS:
			if (skip_lists)
				break;
			for (size_t i = bl->first; i < bl->first + bl->n; i++)
				man_option(f, &u->opts[i]);
			break;
		case SP_UB_SUBCOMMANDS:
			if (skip_lists)
				break;
			for (size_t i = bl->first; i < bl->first + bl->n; i++) {
				const struct sp_usage_sub *s = &u->subs[i];
				fputs(".TP\n\\fB", f);
				roff_s(f, s->name, 0);
				fputs("\\fR", f);
				if (*s->args) {
					fputc(' ', f);
					roff_term(f, s->args);
				}
				fputc('\n', f);
				roff_s(f, s->desc, 1);
				fputc('\n', f);
			}
			break;
		}
	}
}

/* The overview `scaleplan help` prints, parsed like a usage text. */
static void overview(struct sp_usage *u, struct sp_arena *a)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		sp_usage_parse(u, SP_USAGE_MAIN, a);
		return;
	}
	sp_cmd_print_overview(m);
	fclose(m);
	sp_usage_parse(u, buf, a);
	free(buf);
}

void sp_man_write(FILE *f)
{
	struct sp_arena a;
	struct sp_usage main_u;
	char docdir[512];
	const char *slash = strrchr(SP_DATADIR, '/');

	/* the documentation sits beside the data: PREFIX/share/doc/scaleplan */
	snprintf(docdir, sizeof(docdir), "%.*s/doc/scaleplan", slash ? (int)(slash - SP_DATADIR) : 0, SP_DATADIR);
	sp_arena_init(&a);
	overview(&main_u, &a);

	fputs(".\\\" scaleplan(1): written by 'scaleplan help --man' from the command table and the usage\n"
	      ".\\\" text of each command (the text 'scaleplan help COMMAND' prints).\n", f);
	fprintf(f, ".TH SCALEPLAN 1 \"\" \"scaleplan %s\" \"User Commands\"\n", SP_VERSION);
	fputs(".ad l\n.nh\n.SH NAME\nscaleplan \\- plan infrastructure for growth: capacity, cost and the changes "
	      "each month needs\n.SH SYNOPSIS\n",
	      f);
	roff_term(f, main_u.synopsis);
	fputs("\n.br\n", f);
	for (size_t i = 0; sp_commands[i]; i++) {
		struct sp_usage u;
		sp_usage_parse(&u, sp_commands[i]->usage, &a);
		roff_term(f, u.synopsis);
		fputs("\n.br\n", f);
	}
	fputs(".SH DESCRIPTION\n", f);
	/* the overview's paragraphs; its list of commands is the next section */
	for (size_t b = 0; b < main_u.nblocks; b++) {
		const struct sp_usage_block *bl = &main_u.blocks[b];
		size_t n = bl->text ? strlen(bl->text) : 0;
		if (bl->kind != SP_UB_PROSE || (n && bl->text[n - 1] == ':'))
			continue;
		fputs(".PP\n", f);
		roff_s(f, bl->text, 1);
		fputc('\n', f);
	}
	fputs(".SH OPTIONS\nBefore the command:\n", f);
	fputs(".TP\n\\fB\\-\\-version\\fR\nthe same as \\fBscaleplan version\\fR\n"
	      ".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthe overview and the list of commands\n"
	      ".TP\n\\fB\\-\\-no\\-color\\fR\nno colour in messages (also accepted after the command)\n",
	      f);
	fputs(".SH COMMANDS\n", f);
	for (size_t i = 0; sp_commands[i]; i++) {
		const struct sp_cmd *c = sp_commands[i];
		struct sp_usage u;
		sp_usage_parse(&u, c->usage, &a);
		fputs(".SS \"", f);
		roff_s(f, c->name, 0);
		fputs("\"\n", f);
		roff_s(f, c->summary, 1);
		fputs(".\n.PP\n", f);
		roff_term(f, u.synopsis);
		fputc('\n', f);
		man_blocks(f, &u, 0);
	}
	fputs(".SH EXIT STATUS\n"
	      "0 on success; 1 on an error (bad input, a failing server, a failed operation) or a usage error; 2 "
	      "for \\fBplan \\-\\-detailed\\-exitcode\\fR and \\fBdrift\\fR when there are changes; 3 when a plan "
	      "destroys more resources than \\fB\\-\\-max\\-deletes\\fR allows; 4 when a \\fB\\-\\-fail\\-on\\fR "
	      "gate trips; 130 (143) when \\fBapply\\fR was interrupted by Ctrl-C (SIGTERM). Each command above says "
	      "which of these it uses.\n",
	      f);
	fputs(".SH ENVIRONMENT\n"
	      ".TP\n.B NO_COLOR\nwhen set and not empty, no colour (as \\fB\\-\\-no\\-color\\fR)\n"
	      ".TP\n.B TERM\n\\fBdumb\\fR: no colour\n"
	      ".TP\n.B SCALEPLAN_NOW\nthe current month (YYYY\\-MM) for \\fBplan\\fR and \\fBapply\\fR\n"
	      ".TP\n.B SCALEPLAN_CATALOG_PATH\ndirectories (colon\\-separated) searched for a price catalog named "
	      "by the spec, before the shipped ones\n"
	      ".TP\n.B SCALEPLAN_NO_CACHE\n1: \\fBplan\\fR and \\fBapply\\fR neither read nor write "
	      "\\fI.scaleplan/cache/\\fR\n"
	      ".TP\n\\fBSCALEPLAN_ETCD_\\fR*, \\fBSCALEPLAN_HTTP_\\fR*, \\fBSCALEPLAN_REST_\\fR*\n"
	      "credentials of a remote state or provider (USERNAME, PASSWORD, CACERT, CERT, KEY); they win over "
	      "the spec's keys (spec.md, \"connection settings\")\n",
	      f);
	fputs(".SH FILES\n"
	      ".TP\n.I scaleplan.yaml\nthe spec when none is named\n"
	      ".TP\n.I .scaleplan/state.json\nthe local state\n"
	      ".TP\n.I .scaleplan/infra/\nthe local provider's resources\n"
	      ".TP\n.I .scaleplan/cache/\nthe totals of the last forecasts \\fBplan\\fR ran, by the digest of "
	      "what they depend on (used when \\fI.scaleplan/\\fR exists; safe to delete)\n",
	      f);
	fputs(".TP\n.I ", f);
	roff_s(f, SP_DATADIR, 0);
	fputs("/catalogs/\nthe shipped price catalogs\n.TP\n.I ", f);
	roff_s(f, SP_DATADIR, 0);
	fputs("/scaleplan.schema.json\nthe JSON Schema of the spec, for editors (the first line "
	      "\\fBscaleplan init\\fR writes names it)\n.TP\n.I ",
	      f);
	roff_s(f, SP_DATADIR, 0);
	fputs("/examples/\nexample specs\n", f);
	fputs(".SH SEE ALSO\nThe documentation in\n.IR ", f);
	roff_s(f, docdir, 0);
	fputs(" :\n.I spec.md\n(every key of the spec),\n.I providers.md\n(state backends and providers),\n"
	      ".I plan\\-format.md\n(plan files),\n.I forecast\\-output.md\n(the fields of a forecast),\n"
	      ".I catalog.md\n(price catalogs) and\n.I model.md\n(the capacity model).\n",
	      f);
	sp_arena_free(&a);
}
