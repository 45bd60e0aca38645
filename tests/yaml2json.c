/* A test tool for tests/schema_check.py.
 *
 *   yaml2json FILE        prints the YAML document of FILE as JSON, reading
 *                         plain scalars as YAML 1.2's core schema does (the
 *                         YAML language server's default): null, true/false,
 *                         integers and floats; everything else, and every
 *                         quoted scalar, is a string. Exit 1, with the reason
 *                         on stderr, for what has no JSON form: invalid YAML,
 *                         no document or more than one, an alias, a duplicate
 *                         or non-scalar key.
 *   yaml2json --load PATH loads the spec at PATH (a file or a folder) with the
 *                         spec loader alone (model/load.c, no price catalog)
 *                         and prints its diagnostics; exit 0 when it loads.
 *   yaml2json --load-each PATH...  the same for many specs in one run: a line
 *                         each, "ok" or "refused<TAB>the first error".
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "model/spec.h"

struct conv {
	yaml_parser_t p;
	struct sp_sb out;
	const char *err;
	char errbuf[256];
	regex_t re_int, re_float;
	int depth;
};

static void json_string(struct sp_sb *sb, const unsigned char *s, size_t n)
{
	sp_sb_addc(sb, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned c = s[i];
		if (c == '"' || c == '\\') {
			sp_sb_addc(sb, '\\');
			sp_sb_addc(sb, (char)c);
		} else if (c < 0x20) {
			sp_sb_addf(sb, "\\u%04x", c);
		} else {
			sp_sb_addc(sb, (char)c);
		}
	}
	sp_sb_addc(sb, '"');
}

static int is_one_of(const char *s, const char *const *w)
{
	for (; *w; w++)
		if (!strcmp(s, *w))
			return 1;
	return 0;
}

/* A scalar as YAML 1.2's core schema resolves it. */
static void scalar(struct conv *c, const yaml_event_t *e)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	const char *v = (const char *)e->data.scalar.value;
	size_t n = e->data.scalar.length;
	int plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

	if (!plain || strlen(v) != n) {
		json_string(&c->out, (const unsigned char *)v, n);
	} else if (is_one_of(v, nulls)) {
		sp_sb_adds(&c->out, "null");
	} else if (is_one_of(v, trues)) {
		sp_sb_adds(&c->out, "true");
	} else if (is_one_of(v, falses)) {
		sp_sb_adds(&c->out, "false");
	} else if (!regexec(&c->re_int, v, 0, NULL, 0) || !regexec(&c->re_float, v, 0, NULL, 0)) {
		/* a number JSON can write as it is, once a leading '+' and a bare '.' are fixed */
		const char *s = v[0] == '+' ? v + 1 : v;
		int neg = s[0] == '-';
		const char *m = s + neg;
		if (neg)
			sp_sb_addc(&c->out, '-');
		if (m[0] == '.')
			sp_sb_addc(&c->out, '0');
		/* JSON numbers have no leading zeros, no trailing '.': write digits then the rest */
		while (m[0] == '0' && m[1] >= '0' && m[1] <= '9')
			m++;
		for (const char *q = m; *q; q++) {
			sp_sb_addc(&c->out, *q);
			if (*q == '.' && !(q[1] >= '0' && q[1] <= '9'))
				sp_sb_addc(&c->out, '0');
		}
	} else if (!strncmp(v, "0x", 2) && n > 2 && strspn(v + 2, "0123456789abcdefABCDEF") == n - 2) {
		sp_sb_addf(&c->out, "%llu", strtoull(v + 2, NULL, 16));
	} else if (!strncmp(v, "0o", 2) && n > 2 && strspn(v + 2, "01234567") == n - 2) {
		sp_sb_addf(&c->out, "%llu", strtoull(v + 2, NULL, 8));
	} else {
		/* .inf and .nan are floats in YAML with no JSON form: kept as text */
		json_string(&c->out, (const unsigned char *)v, n);
	}
}

static int next(struct conv *c, yaml_event_t *e)
{
	if (!yaml_parser_parse(&c->p, e)) {
		snprintf(c->errbuf, sizeof(c->errbuf), "invalid YAML at line %zu: %s",
			 c->p.problem_mark.line + 1, c->p.problem ? c->p.problem : "?");
		c->err = c->errbuf;
		return -1;
	}
	if (e->type == YAML_ALIAS_EVENT) {
		c->err = "an alias has no JSON form";
		yaml_event_delete(e);
		return -1;
	}
	return 0;
}

static int node(struct conv *c, yaml_event_t *e);

static int mapping(struct conv *c)
{
	yaml_event_t e;
	char **keys = NULL;
	size_t n = 0, cap = 0;
	int ret = -1;

	sp_sb_addc(&c->out, '{');
	for (;;) {
		if (next(c, &e) < 0)
			goto out;
		if (e.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (e.type != YAML_SCALAR_EVENT) {
			c->err = "a mapping key that is not a scalar has no JSON form";
			yaml_event_delete(&e);
			goto out;
		}
		const char *k = (const char *)e.data.scalar.value;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(keys[i], k)) {
				snprintf(c->errbuf, sizeof(c->errbuf), "duplicate key '%.200s'", k);
				c->err = c->errbuf;
				yaml_event_delete(&e);
				goto out;
			}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			keys = realloc(keys, cap * sizeof(*keys));
			if (!keys)
				abort();
		}
		keys[n++] = strdup(k);
		if (n > 1)
			sp_sb_addc(&c->out, ',');
		json_string(&c->out, e.data.scalar.value, e.data.scalar.length);
		sp_sb_addc(&c->out, ':');
		yaml_event_delete(&e);
		if (next(c, &e) < 0)
			goto out;
		if (node(c, &e) < 0)
			goto out;
	}
	sp_sb_addc(&c->out, '}');
	ret = 0;
out:
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	return ret;
}

static int sequence(struct conv *c)
{
	yaml_event_t e;
	size_t n = 0;

	sp_sb_addc(&c->out, '[');
	for (;;) {
		if (next(c, &e) < 0)
			return -1;
		if (e.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (n++)
			sp_sb_addc(&c->out, ',');
		if (node(c, &e) < 0)
			return -1;
	}
	sp_sb_addc(&c->out, ']');
	return 0;
}

/* Writes the node that starts with event e (and frees e). */
static int node(struct conv *c, yaml_event_t *e)
{
	int ret = 0;

	if (++c->depth > 200) {
		c->err = "nested too deeply";
		yaml_event_delete(e);
		return -1;
	}
	switch (e->type) {
	case YAML_SCALAR_EVENT: scalar(c, e); break;
	case YAML_MAPPING_START_EVENT: ret = mapping(c); break;
	case YAML_SEQUENCE_START_EVENT: ret = sequence(c); break;
	default:
		c->err = "unexpected YAML event";
		ret = -1;
	}
	yaml_event_delete(e);
	c->depth--;
	return ret;
}

static int convert(const char *path)
{
	struct conv c;
	yaml_event_t e;
	struct sp_sb text = SP_SB_INIT;
	int docs = 0, ret = 1;

	memset(&c, 0, sizeof(c));
	c.out = (struct sp_sb)SP_SB_INIT;
	if (sp_sb_read_file(&text, path, 64u << 20) < 0) {
		fprintf(stderr, "yaml2json: %s: cannot read: %s\n", path, strerror(errno));
		return 1;
	}
	regcomp(&c.re_int, "^[-+]?[0-9]+$", REG_EXTENDED | REG_NOSUB);
	regcomp(&c.re_float, "^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", REG_EXTENDED | REG_NOSUB);
	yaml_parser_initialize(&c.p);
	yaml_parser_set_input_string(&c.p, (const unsigned char *)text.buf, text.len);
	for (;;) {
		if (next(&c, &e) < 0)
			goto out;
		if (e.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&e);
			break;
		}
		if (e.type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
			c.err = "more than one YAML document";
			yaml_event_delete(&e);
			goto out;
		}
		if (e.type == YAML_SCALAR_EVENT || e.type == YAML_MAPPING_START_EVENT ||
		    e.type == YAML_SEQUENCE_START_EVENT) {
			if (node(&c, &e) < 0)
				goto out;
			continue;
		}
		yaml_event_delete(&e);
	}
	if (!c.out.len) {
		c.err = "no YAML document";
		goto out;
	}
	sp_sb_addc(&c.out, '\n');
	fwrite(c.out.buf, 1, c.out.len, stdout);
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "yaml2json: %s: %s\n", path, c.err ? c.err : "cannot convert");
	yaml_parser_delete(&c.p);
	regfree(&c.re_int);
	regfree(&c.re_float);
	sp_sb_release(&c.out);
	sp_sb_release(&text);
	return ret;
}

static int load(const char *path)
{
	struct sp_diags d;
	struct sp_spec *s = NULL;
	int rc;

	sp_diags_init(&d);
	rc = sp_spec_load(&s, path, &d);
	sp_diags_sort(&d);
	sp_diags_print(stdout, &d, 0);
	sp_spec_free(s);
	sp_diags_free(&d);
	return rc < 0 ? 1 : 0;
}

static int load_each(int n, char **paths)
{
	for (int i = 0; i < n; i++) {
		struct sp_diags d;
		struct sp_spec *s = NULL;
		sp_diags_init(&d);
		if (sp_spec_load(&s, paths[i], &d) == 0) {
			puts("ok");
		} else {
			const char *msg = "?";
			sp_diags_sort(&d);
			for (size_t k = 0; k < d.n; k++)
				if (d.v[k].sev == SP_ERROR) {
					msg = d.v[k].msg;
					break;
				}
			printf("refused\t%s\n", msg);
		}
		sp_spec_free(s);
		sp_diags_free(&d);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--load-each"))
		return load_each(argc - 2, argv + 2);
	if (argc == 3 && !strcmp(argv[1], "--load"))
		return load(argv[2]);
	if (argc == 2 && argv[1][0] != '-')
		return convert(argv[1]);
	fputs("usage: yaml2json FILE | yaml2json --load PATH\n", stderr);
	return 2;
}
