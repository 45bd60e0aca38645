/* scaleplan completion bash|zsh: a completion script written from the command
 * table, so that a new command, option or subcommand completes with no other
 * step (the usage texts are parsed by planner/man.c). Component addresses,
 * after --target and --exclude and for the state subcommands that take one,
 * come from 'scaleplan state list' when the user presses TAB. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "planner/cli.h"
#include "planner/commands.h"
#include "planner/man.h"

/* What the value of an option, or an operand, completes to. */
enum value_kind { V_NONE, V_FILE, V_ADDRESS, V_WORDS, V_COMMAND };

/* Only words made of these characters go into a script unquoted. */
static int safe_word(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr("-_.=+,/", *s)))
			return 0;
	return 1;
}

static int is_address_opt(const struct sp_usage_opt *o)
{
	for (size_t i = 0; i < o->nnames; i++)
		if (!strcmp(o->names[i], "--target") || !strcmp(o->names[i], "--exclude"))
			return 1;
	return 0;
}

static enum value_kind opt_kind(const struct sp_usage_opt *o)
{
	if (is_address_opt(o))
		return V_ADDRESS;
	if (o->nchoices)
		return V_WORDS;
	if (o->arg && (strstr(o->arg, "FILE") || strstr(o->arg, "DIR") || strstr(o->arg, "OUT")))
		return V_FILE;
	return V_NONE;
}

/* Whether an option takes a value in the next word. */
static int takes_value(const struct sp_usage_opt *o)
{
	return o->arg != NULL || (is_address_opt(o) && !o->value);
}

/* What the operands of a command complete to: its subcommands' operands
 * (ADDR: addresses, FILE: files), a command name, the choices of its
 * synopsis, or files. */
static enum value_kind sub_kind(const struct sp_usage_sub *s)
{
	if (strstr(s->args, "ADDR"))
		return V_ADDRESS;
	if (strstr(s->args, "FILE") || strstr(s->args, "DIR"))
		return V_FILE;
	return V_NONE;
}

static enum value_kind operand_kind(const struct sp_usage *u)
{
	if (u->npos_choices)
		return V_WORDS;
	if (strstr(u->synopsis, "COMMAND]") || strstr(u->synopsis, " COMMAND"))
		return V_COMMAND;
	if (strstr(u->synopsis, "FILE") || strstr(u->synopsis, "DIR"))
		return V_FILE;
	return V_NONE;
}

/* A description cut for a completion menu: up to the first ';' or '. ',
 * parentheses left out, at most 70 characters, ':' written as " -", without
 * the characters the scripts quote with. */
static void menu_text(FILE *f, const char *d)
{
	size_t n = 0, last_space = 0, i;
	int depth = 0;
	char buf[80];

	for (i = 0; d[i] && n < sizeof(buf) - 3; i++) {
		if (d[i] == '(' || d[i] == ')') {
			depth += d[i] == '(' ? 1 : -(depth > 0);
			if (d[i] == '(' && n && buf[n - 1] == ' ')
				n--;
			continue;
		}
		if (depth)
			continue;
		if (d[i] == ';' || (d[i] == '.' && (d[i + 1] == ' ' || !d[i + 1])))
			break;
		if (strchr("[]'\"\\$`", d[i]))
			continue;
		if (d[i] == ' ' && n && buf[n - 1] == ' ')
			continue;
		if (d[i] == ' ')
			last_space = n;
		if (n >= 70)
			break;
		if (d[i] == ':') {
			buf[n++] = ' ';
			buf[n++] = '-';
			continue;
		}
		buf[n++] = d[i];
	}
	if (d[i] && n >= 70 && last_space)
		n = last_space;
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == ','))
		n--;
	fwrite(buf, 1, n, f);
}

/* An ARG as a zsh message: capitals, digits and _ | . - only. */
static int message_word(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("_|.-", *s)))
			return 0;
	return 1;
}

/* Every command's usage, parsed, with a line of options "as for CMD" (apply's
 * "--at, --percentile, ... as for plan") replaced by those options of CMD, so
 * that each completes its own value. */
static struct sp_usage *parse_all(struct sp_arena *a, size_t *np)
{
	size_t n = 0;
	struct sp_usage *us;

	while (sp_commands[n])
		n++;
	us = SP_NEWN(a, struct sp_usage, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		sp_usage_parse(&us[i], sp_commands[i]->usage, a);
	for (size_t i = 0; i < n; i++) {
		struct sp_usage *u = &us[i];
		size_t total = 0, k = 0;
		for (size_t j = 0; j < u->nopts; j++)
			total += u->opts[j].nnames;
		struct sp_usage_opt *v = SP_NEWN(a, struct sp_usage_opt, total ? total : 1);
		for (size_t j = 0; j < u->nopts; j++) {
			const struct sp_usage_opt *o = &u->opts[j];
			const char *as = strstr(o->desc, "as for ");
			const struct sp_cmd *from = NULL;
			if (as) {
				char name[64];
				size_t len = strcspn(as + 7, " ,.;");
				snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), as + 7);
				from = sp_cmd_find(name);
			}
			if (!from || from == sp_commands[i]) {
				v[k++] = *o;
				continue;
			}
			size_t fi = 0;
			while (sp_commands[fi] != from)
				fi++;
			for (size_t m = 0; m < o->nnames; m++) {
				const struct sp_usage_opt *src = sp_usage_find_opt(&us[fi], o->names[m]);
				if (!src)
					continue;
				v[k] = *src;
				v[k].names[0] = o->names[m];
				v[k].nnames = 1;
				k++;
			}
		}
		u->opts = v;
		u->nopts = k;
	}
	*np = n;
	return us;
}

/* ---- bash ------------------------------------------------------------------------------------ */

static void bash_words_of(FILE *f, const char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (safe_word(w[i]))
			fprintf(f, "%s%s", i ? " " : "", w[i]);
}

static void bash_command(FILE *f, const struct sp_cmd *c, const struct sp_usage *u)
{
	int first = 1;

	fprintf(f, "    %s)\n        opts=\"", c->name);
	for (size_t i = 0; i < u->nopts; i++)
		for (size_t j = 0; j < u->opts[i].nnames; j++) {
			const struct sp_usage_opt *o = &u->opts[i];
			if (!safe_word(o->names[j]) || o->names[j][0] != '-')
				continue;
			fprintf(f, "%s%s%s%s", first ? "" : " ", o->names[j], o->value ? "=" : "", o->value ? o->value : "");
			first = 0;
		}
	if (!sp_usage_find_opt(u, "--no-color"))
		fprintf(f, "%s--no-color", first ? "" : " ");
	fputs("\"\n        argopts=\"", f);
	first = 1;
	for (size_t i = 0; i < u->nopts; i++)
		if (takes_value(&u->opts[i]))
			for (size_t j = 0; j < u->opts[i].nnames; j++)
				if (safe_word(u->opts[i].names[j])) {
					fprintf(f, "%s%s", first ? "" : " ", u->opts[i].names[j]);
					first = 0;
				}
	fputs("\"\n        subs=\"", f);
	for (size_t i = 0; i < u->nsubs; i++)
		if (safe_word(u->subs[i].name))
			fprintf(f, "%s%s", i ? " " : "", u->subs[i].name);
	fputs("\"\n        ;;\n", f);
}

/* The value kind of each option that takes one, as "CMD OPT" case patterns. */
static void bash_values(FILE *f, const struct sp_cmd *c, const struct sp_usage *u)
{
	for (size_t i = 0; i < u->nopts; i++) {
		const struct sp_usage_opt *o = &u->opts[i];
		enum value_kind k = opt_kind(o);
		int first = 1;
		if (!takes_value(o))
			continue;
		fputs("    ", f);
		for (size_t j = 0; j < o->nnames; j++)
			if (safe_word(o->names[j])) {
				fprintf(f, "%s\"%s %s\"", first ? "" : "|", c->name, o->names[j]);
				first = 0;
			}
		if (first)
			continue;
		switch (k) {
		case V_ADDRESS: fputs(") kind=address ;;\n", f); break;
		case V_FILE: fputs(") kind=file ;;\n", f); break;
		case V_WORDS:
			fputs(") kind=words; words=\"", f);
			bash_words_of(f, o->choices, o->nchoices);
			fputs("\" ;;\n", f);
			break;
		default: fputs(") kind=none ;;\n", f); break;
		}
	}
}

/* The kind of the operands of each command ("CMD" or "CMD SUB" patterns). */
static void bash_operands(FILE *f, const struct sp_cmd *c, const struct sp_usage *u)
{
	if (u->nsubs) {
		for (size_t i = 0; i < u->nsubs; i++) {
			enum value_kind k = sub_kind(&u->subs[i]);
			if (!safe_word(u->subs[i].name))
				continue;
			fprintf(f, "    \"%s %s\") kind=%s ;;\n", c->name, u->subs[i].name,
				k == V_ADDRESS ? "address" : k == V_FILE ? "file" : "none");
		}
		return;
	}
	switch (operand_kind(u)) {
	case V_WORDS:
		fprintf(f, "    \"%s\") kind=words; words=\"", c->name);
		bash_words_of(f, u->pos_choices, u->npos_choices);
		fputs("\" ;;\n", f);
		break;
	case V_COMMAND: fprintf(f, "    \"%s\") kind=command ;;\n", c->name); break;
	case V_FILE: fprintf(f, "    \"%s\") kind=file ;;\n", c->name); break;
	default: fprintf(f, "    \"%s\") kind=none ;;\n", c->name); break;
	}
}

static const char bash_head[] =
	"# bash completion for scaleplan\n"
	"# Written by 'scaleplan completion bash' from its command table: the commands,\n"
	"# their options and the values these take; after --target and --exclude, the\n"
	"# addresses in the state ('scaleplan state list'; nothing when there is none).\n"
	"# Load it with:  source <(scaleplan completion bash)\n"
	"\n"
	"# _scaleplan_add CUR WORD...: the words that start with CUR, as completions\n"
	"_scaleplan_add() {\n"
	"    local cur=$1 w\n"
	"    shift\n"
	"    for w in \"$@\"; do\n"
	"        [[ $w == \"$cur\"* ]] && COMPREPLY+=(\"$w\")\n"
	"    done\n"
	"    return 0\n"
	"}\n"
	"\n"
	"# _scaleplan_addresses BIN CUR SPEC: the addresses in the state that start\n"
	"# with CUR; SPEC (a spec named on the line, or empty) says where the state is\n"
	"_scaleplan_addresses() {\n"
	"    local bin=$1 cur=$2 out a\n"
	"    local -a spec=()\n"
	"    [[ -n $3 ]] && spec=(--spec \"$3\")\n"
	"    if command -v timeout >/dev/null 2>&1; then\n"
	"        out=$(timeout 5 \"$bin\" state list \"${spec[@]}\" 2>/dev/null </dev/null)\n"
	"    else\n"
	"        out=$(\"$bin\" state list \"${spec[@]}\" 2>/dev/null </dev/null)\n"
	"    fi\n"
	"    while IFS= read -r a; do\n"
	"        [[ -n $a && $a == \"$cur\"* ]] && COMPREPLY+=(\"$a\")\n"
	"    done <<<\"$out\"\n"
	"    # an address holds [ and ]: quoted as a file name would be\n"
	"    compopt -o filenames 2>/dev/null\n"
	"    return 0\n"
	"}\n"
	"\n";

static const char bash_main[] =
	"_scaleplan() {\n"
	"    local cur=${COMP_WORDS[COMP_CWORD]} prev= bin=${COMP_WORDS[0]}\n"
	"    local cmd= sub= spec= w i skip=0 opts= argopts= subs= kind= words=\n"
	"    COMPREPLY=()\n"
	"    [[ $bin == \"~/\"* ]] && bin=$HOME/${bin#\"~/\"}\n"
	"    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"    # --opt=value: bash splits the word at '='\n"
	"    if [[ $cur == = ]]; then\n"
	"        cur=; prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	"    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then\n"
	"        prev=${COMP_WORDS[COMP_CWORD-2]}\n"
	"    fi\n"
	"    for (( i = 1; i < COMP_CWORD; i++ )); do\n"
	"        w=${COMP_WORDS[i]}\n"
	"        if (( skip )); then skip=0; continue; fi\n"
	"        if [[ -z $cmd ]]; then\n"
	"            [[ $w == -* ]] || { cmd=$w; _scaleplan_spec \"$cmd\"; }\n"
	"            continue\n"
	"        fi\n"
	"        if [[ $w == -* ]]; then\n"
	"            [[ \" $argopts \" == *\" $w \"* && ${COMP_WORDS[i+1]} != = ]] && skip=1\n"
	"            continue\n"
	"        fi\n"
	"        [[ $w == = ]] && { skip=1; continue; }\n"
	"        if [[ -n $subs && -z $sub ]]; then\n"
	"            sub=$w\n"
	"        elif [[ $w == *.yaml || $w == *.yml || -d $w ]]; then\n"
	"            spec=$w\n"
	"        fi\n"
	"    done\n"
	"    if [[ -z $cmd ]]; then\n"
	"        if [[ $cur == -* ]]; then\n"
	"            _scaleplan_add \"$cur\" --version --help -h --no-color\n"
	"        else\n"
	"            _scaleplan_add \"$cur\" $_scaleplan_commands\n"
	"        fi\n"
	"        return 0\n"
	"    fi\n"
	"    # the value of an option\n"
	"    if [[ $prev == -* && \" $argopts \" == *\" $prev \"* ]]; then\n"
	"        _scaleplan_value \"$cmd\" \"$prev\"\n"
	"        case $kind in\n"
	"        address) _scaleplan_addresses \"$bin\" \"$cur\" \"$spec\" ;;\n"
	"        file) compopt -o default 2>/dev/null ;;\n"
	"        words) _scaleplan_add \"$cur\" $words ;;\n"
	"        esac\n"
	"        return 0\n"
	"    fi\n"
	"    if [[ $cur == -* ]]; then\n"
	"        _scaleplan_add \"$cur\" $opts\n"
	"        # an option with its value after '=' goes on in the same word\n"
	"        [[ ${#COMPREPLY[@]} == 1 && ${COMPREPLY[0]} == *=* ]] && compopt -o nospace 2>/dev/null\n"
	"        return 0\n"
	"    fi\n"
	"    if [[ -n $subs && -z $sub ]]; then\n"
	"        _scaleplan_add \"$cur\" $subs\n"
	"        return 0\n"
	"    fi\n"
	"    _scaleplan_operand \"$cmd\" \"$sub\"\n"
	"    case $kind in\n"
	"    address) _scaleplan_addresses \"$bin\" \"$cur\" \"$spec\" ;;\n"
	"    file) compopt -o default 2>/dev/null ;;\n"
	"    words) _scaleplan_add \"$cur\" $words ;;\n"
	"    command) _scaleplan_add \"$cur\" $_scaleplan_commands ;;\n"
	"    esac\n"
	"    return 0\n"
	"}\n"
	"\n"
	"complete -F _scaleplan scaleplan\n";

static void write_bash(FILE *f, struct sp_arena *a)
{
	size_t n;
	struct sp_usage *us = parse_all(a, &n);

	fputs(bash_head, f);
	fputs("_scaleplan_commands=\"", f);
	for (size_t i = 0; i < n; i++)
		if (safe_word(sp_commands[i]->name))
			fprintf(f, "%s%s", i ? " " : "", sp_commands[i]->name);
	fputs("\"\n\n", f);

	fputs("# _scaleplan_spec CMD: sets opts (its options), argopts (those that take a\n"
	      "# value) and subs (its subcommands)\n_scaleplan_spec() {\n    opts= argopts= subs=\n    case $1 in\n",
	      f);
	for (size_t i = 0; i < n; i++)
		if (safe_word(sp_commands[i]->name))
			bash_command(f, sp_commands[i], &us[i]);
	fputs("    esac\n}\n\n", f);

	fputs("# _scaleplan_value CMD OPT: sets kind (address, file, words or none) and words\n"
	      "_scaleplan_value() {\n    kind=none words=\n    case \"$1 $2\" in\n",
	      f);
	for (size_t i = 0; i < n; i++)
		if (safe_word(sp_commands[i]->name))
			bash_values(f, sp_commands[i], &us[i]);
	fputs("    esac\n}\n\n", f);

	fputs("# _scaleplan_operand CMD [SUB]: the same for an operand\n"
	      "_scaleplan_operand() {\n    kind=none words=\n    case \"$1${2:+ $2}\" in\n",
	      f);
	for (size_t i = 0; i < n; i++)
		if (safe_word(sp_commands[i]->name))
			bash_operands(f, sp_commands[i], &us[i]);
	fputs("    esac\n}\n\n", f);
	fputs(bash_main, f);
}

/* ---- zsh ------------------------------------------------------------------------------------- */

static void zsh_action(FILE *f, enum value_kind k, const char *const *w, size_t n)
{
	switch (k) {
	case V_ADDRESS: fputs("_scaleplan_addresses", f); break;
	case V_FILE: fputs("_files", f); break;
	case V_COMMAND: fputs("_scaleplan_commands", f); break;
	case V_WORDS:
		fputc('(', f);
		bash_words_of(f, w, n);
		fputc(')', f);
		break;
	default: fputs(" ", f); break;
	}
}

static void zsh_option(FILE *f, const struct sp_usage_opt *o)
{
	size_t n = 0;
	const char *names[SP_USAGE_MAX_NAMES];

	for (size_t j = 0; j < o->nnames; j++)
		if (safe_word(o->names[j]) && o->names[j][0] == '-')
			names[n++] = o->names[j];
	if (!n)
		return;
	fputs("        ", f);
	if (n > 1 && !o->repeatable) {
		fputs("'(", f);
		for (size_t j = 0; j < n; j++)
			fprintf(f, "%s%s", j ? " " : "", names[j]);
		fputs(")'", f);
	}
	fputs(o->repeatable ? "'*'" : "", f);
	if (n > 1) {
		fputc('{', f);
		for (size_t j = 0; j < n; j++)
			fprintf(f, "%s%s%s", j ? "," : "", names[j], o->value ? "=" : "");
		fputc('}', f);
	} else {
		fprintf(f, "%s%s", names[0], o->value ? "=" : "");
	}
	fputs("'[", f);
	menu_text(f, o->desc);
	fputs("]", f);
	if (o->value) {
		fputs(":value:(", f);
		fputs(safe_word(o->value) ? o->value : "", f);
		fputs(")", f);
	} else if (takes_value(o)) {
		fprintf(f, ":%s:", message_word(o->arg) ? o->arg : "value");
		zsh_action(f, opt_kind(o), o->choices, o->nchoices);
	}
	fputs("' \\\n", f);
}

static void zsh_command(FILE *f, const struct sp_cmd *c, const struct sp_usage *u)
{
	fprintf(f, "    %s)\n        _arguments -C \\\n", c->name);
	for (size_t i = 0; i < u->nopts; i++)
		zsh_option(f, &u->opts[i]);
	if (!sp_usage_find_opt(u, "--no-color"))
		fputs("        '--no-color[no colour]' \\\n", f);
	if (u->nsubs) {
		fputs("        '1:subcommand:->sub' '*::operand:->operand' && ret=0\n", f);
		fputs("        case $state in\n        sub)\n            local -a subs\n            subs=(\n", f);
		for (size_t i = 0; i < u->nsubs; i++) {
			if (!safe_word(u->subs[i].name))
				continue;
			fprintf(f, "                '%s:", u->subs[i].name);
			menu_text(f, u->subs[i].desc);
			fputs("'\n", f);
		}
		fprintf(f, "            )\n            _describe -t subcommands '%s subcommand' subs && ret=0\n            ;;\n",
			c->name);
		fputs("        operand)\n            case $line[1] in\n", f);
		for (size_t i = 0; i < u->nsubs; i++) {
			enum value_kind k = sub_kind(&u->subs[i]);
			if (!safe_word(u->subs[i].name) || k == V_NONE)
				continue;
			fprintf(f, "            %s) ", u->subs[i].name);
			zsh_action(f, k, NULL, 0);
			fputs(" && ret=0 ;;\n", f);
		}
		fputs("            esac\n            ;;\n        esac\n        ;;\n", f);
		return;
	}
	enum value_kind k = operand_kind(u);
	if (k == V_NONE) {
		fputs("        && ret=0\n        ;;\n", f);
		return;
	}
	fputs("        '*:operand:", f);
	zsh_action(f, k, u->pos_choices, u->npos_choices);
	fputs("' && ret=0\n        ;;\n", f);
}

static const char zsh_head[] =
	"#compdef scaleplan\n"
	"# zsh completion for scaleplan\n"
	"# Written by 'scaleplan completion zsh' from its command table: the commands,\n"
	"# their options and the values these take; after --target and --exclude, the\n"
	"# addresses in the state ('scaleplan state list'; nothing when there is none).\n"
	"# Install it as _scaleplan in a folder of $fpath, or load it with:\n"
	"#   source <(scaleplan completion zsh)\n"
	"\n"
	"# the addresses in the state; a spec named on the line says where it is\n"
	"_scaleplan_addresses() {\n"
	"    local -a addrs spec\n"
	"    local w out\n"
	"    for w in $words[2,CURRENT-1]; do\n"
	"        [[ $w == *.(yaml|yml) || ( $w != -* && -d $w ) ]] && spec=(--spec $w)\n"
	"    done\n"
	"    if (( $+commands[timeout] )); then\n"
	"        out=$(timeout 5 $_scaleplan_bin state list $spec 2>/dev/null </dev/null)\n"
	"    else\n"
	"        out=$($_scaleplan_bin state list $spec 2>/dev/null </dev/null)\n"
	"    fi\n"
	"    addrs=(${(f)out})\n"
	"    _wanted addresses expl 'address in the state' compadd -a addrs\n"
	"}\n"
	"\n";

static void write_zsh(FILE *f, struct sp_arena *a)
{
	size_t n;
	struct sp_usage *us = parse_all(a, &n);

	fputs(zsh_head, f);
	fputs("_scaleplan_commands() {\n    local -a cmds\n    cmds=(\n", f);
	for (size_t i = 0; sp_commands[i]; i++) {
		if (!safe_word(sp_commands[i]->name))
			continue;
		fprintf(f, "        '%s:", sp_commands[i]->name);
		menu_text(f, sp_commands[i]->summary);
		fputs("'\n", f);
	}
	fputs("    )\n    _describe -t commands 'scaleplan command' cmds\n}\n\n", f);

	fputs("_scaleplan() {\n"
	      "    local _scaleplan_bin=${words[1]/#\\~/$HOME}\n"
	      "    local curcontext=$curcontext state state_descr line ret=1\n"
	      "    typeset -A opt_args\n"
	      "    _arguments -C \\\n"
	      "        '--version[print the version]' \\\n"
	      "        '(-h --help)'{-h,--help}'[show the overview of the commands]' \\\n"
	      "        '--no-color[no colour]' \\\n"
	      "        '1:command:_scaleplan_commands' \\\n"
	      "        '*::argument:->argument' && ret=0\n"
	      "    [[ $state == argument ]] || return ret\n"
	      "    curcontext=${curcontext%:*:*}:scaleplan-$words[1]:\n"
	      "    case $words[1] in\n",
	      f);
	for (size_t i = 0; i < n; i++)
		if (safe_word(sp_commands[i]->name))
			zsh_command(f, sp_commands[i], &us[i]);
	fputs("    esac\n    return ret\n}\n\n"
	      "if [[ $funcstack[1] == _scaleplan ]]; then\n"
	      "    _scaleplan \"$@\"\n"
	      "else\n"
	      "    compdef _scaleplan scaleplan\n"
	      "fi\n",
	      f);
}

static int cmd_completion(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	struct sp_arena a;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': sp_cli_print_usage(stdout, &sp_cmd_completion); return SP_EXIT_OK;
		case SP_OPT_NO_COLOR: break;
		default: return sp_cli_usage_error(&sp_cmd_completion, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return sp_cli_usage_error(&sp_cmd_completion, "name the shell: bash or zsh");
	if (argc - optind > 1)
		return sp_cli_usage_error(&sp_cmd_completion, "too many arguments");
	if (strcmp(argv[optind], "bash") && strcmp(argv[optind], "zsh"))
		return sp_cli_usage_error(&sp_cmd_completion, "unknown shell '%s'; completion is written for bash "
							      "and zsh",
					  argv[optind]);
	sp_arena_init(&a);
	if (!strcmp(argv[optind], "bash"))
		write_bash(stdout, &a);
	else
		write_zsh(stdout, &a);
	sp_arena_free(&a);
	return SP_EXIT_OK;
}

const struct sp_cmd sp_cmd_completion = {
	"completion", cmd_completion, "print a shell completion script (bash or zsh)",
	"usage: scaleplan completion bash|zsh\n"
	"\n"
	"Prints a script that completes scaleplan's commands, their options and the\n"
	"values these take, and, after --target and --exclude, the addresses in the\n"
	"state ('scaleplan state list', read when TAB is pressed). 'make install' puts\n"
	"both in place; to load one in the running shell:\n"
	"\n"
	"    source <(scaleplan completion bash)\n"
	"    source <(scaleplan completion zsh)     # after compinit\n"
	"\n"
	"  -h, --help         show this help\n",
};
