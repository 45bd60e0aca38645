#include "model/load_util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"

int sp_month_parse(const char *s, sp_month *out)
{
	int y, m;
	char tail;
	if (strlen(s) != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 7; i++)
		if (i != 4 && !isdigit((unsigned char)s[i]))
			return -1;
	if (sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2)
		return -1;
	if (y < 1970 || y > 2200 || m < 1 || m > 12)
		return -1;
	*out = y * 12 + (m - 1);
	return 0;
}

void sp_month_format(sp_month m, char *buf)
{
	if (m < 0) {
		strcpy(buf, "-");
		return;
	}
	snprintf(buf, 8, "%04d-%02d", (m / 12) % 10000, m % 12 + 1);
}

int sp_ld_is_map(struct sp_ld *ld, const struct sp_ynode *node, const char *what)
{
	if (node && node->kind == SP_Y_MAP)
		return 0;
	if (node && node->kind == SP_Y_SCALAR && node->len == 0 && node->plain)
		sp_error(ld->d, node->pos, "'%s' is empty; expected a mapping", what);
	else
		sp_error(ld->d, node ? node->pos : ld->spec->pos, "'%s' must be a mapping, not %s", what,
			 sp_ykind_name(node));
	return -1;
}

int sp_ld_is_seq(struct sp_ld *ld, const struct sp_ynode *node, const char *what)
{
	if (node && node->kind == SP_Y_SEQ)
		return 0;
	sp_error(ld->d, node ? node->pos : ld->spec->pos, "'%s' must be a list, not %s", what,
		 sp_ykind_name(node));
	return -1;
}

int sp_ld_keys(struct sp_ld *ld, const struct sp_ynode *map, const char *const *allowed, const char *what)
{
	size_t nallowed = 0;
	int ret = 0;

	while (allowed[nallowed])
		nallowed++;
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->str;
		size_t j;
		for (j = 0; j < nallowed; j++)
			if (!strcmp(k, allowed[j]))
				break;
		if (j < nallowed)
			continue;
		const char *best = sp_suggest(k, allowed, nallowed);
		if (best) {
			sp_error(ld->d, map->keys[i]->pos, "unknown key '%s' in %s; did you mean '%s'?", k, what, best);
		} else {
			struct sp_sb sb = SP_SB_INIT;
			for (j = 0; j < nallowed; j++)
				sp_sb_addf(&sb, "%s%s", j ? ", " : "", allowed[j]);
			sp_error(ld->d, map->keys[i]->pos, "unknown key '%s' in %s; expected one of: %s", k, what,
				 sb.buf);
			sp_sb_release(&sb);
		}
		ret = -1;
	}
	return ret;
}

void sp_ld_missing(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char *what)
{
	/* a misspelt key ("instnace") already got "did you mean"; one error is enough */
	if (map && map->kind == SP_Y_MAP)
		for (size_t i = 0; i < map->n; i++) {
			const char *k = map->keys[i]->str;
			size_t cap = strlen(key) / 3 ? strlen(key) / 3 : 1;
			if (strcmp(k, key) && sp_edit_distance(k, key, cap > 3 ? 3 : cap) <= (cap > 3 ? 3 : cap))
				return;
		}
	sp_error(ld->d, map ? map->pos : ld->spec->pos, "missing required key '%s' in %s", key, what);
}

static const char *range_text(enum sp_range r)
{
	switch (r) {
	case SP_R_POS: return "greater than 0";
	case SP_R_NONNEG: return "0 or more";
	case SP_R_OPEN01: return "in (0, 1)";
	case SP_R_UNIT: return "in (0, 1]";
	case SP_R_HALFOPEN: return "in [0, 1)";
	case SP_R_PERCENT: return "in (0, 100)";
	case SP_R_GE1: return "1 or more";
	default: return "";
	}
}

static int in_range(double v, enum sp_range r)
{
	switch (r) {
	case SP_R_POS: return v > 0;
	case SP_R_NONNEG: return v >= 0;
	case SP_R_OPEN01: return v > 0 && v < 1;
	case SP_R_UNIT: return v > 0 && v <= 1;
	case SP_R_HALFOPEN: return v >= 0 && v < 1;
	case SP_R_PERCENT: return v > 0 && v < 100;
	case SP_R_GE1: return v >= 1;
	default: return 1;
	}
}

/* Parses a YAML plain number: digits with optional sign, fraction, exponent and
 * '_' separators. Returns 0, or -1 when it is not a number; *unit gets the
 * position of a trailing unit ("250ms", "99.9%") when there is one. */
static int parse_number(const char *s, double *out, const char **unit)
{
	char buf[64];
	size_t n = 0;
	const char *p = s;

	*unit = NULL;
	if (*p == '+' || *p == '-')
		buf[n++] = *p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	for (; *p && n < sizeof(buf) - 1; p++) {
		if (*p == '_')
			continue;
		if (isdigit((unsigned char)*p) || *p == '.' ||
		    ((*p == 'e' || *p == 'E') && (isdigit((unsigned char)p[1]) ||
						  ((p[1] == '-' || p[1] == '+') && isdigit((unsigned char)p[2])))) ||
		    ((*p == '-' || *p == '+') && (p[-1] == 'e' || p[-1] == 'E')))
			buf[n++] = *p;
		else
			break;
	}
	buf[n] = '\0';
	if (*p) {
		*unit = p;
		return -1;
	}
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end || errno == ERANGE || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int sp_ld_scalar_num(struct sp_ld *ld, const struct sp_ynode *n, const char *key, enum sp_range r, double *out)
{
	const char *unit;
	double v;

	if (n->kind != SP_Y_SCALAR) {
		sp_error(ld->d, n->pos, "'%s' must be a number, not %s", key, sp_ykind_name(n));
		return -1;
	}
	if (parse_number(n->str, &v, &unit) < 0) {
		if (unit && unit != n->str) {
			sp_error(ld->d, n->pos,
				 "'%s' must be a plain number, not '%s'; the unit is part of the key's name", key,
				 n->str);
		} else if (n->len == 0) {
			sp_error(ld->d, n->pos, "'%s' is empty; expected a number", key);
		} else {
			sp_error(ld->d, n->pos, "'%s' must be a number, not '%s'", key, n->str);
		}
		return -1;
	}
	if (!n->plain) {
		sp_error(ld->d, n->pos, "'%s' must be a number, not the quoted string \"%s\"", key, n->str);
		return -1;
	}
	if (!in_range(v, r)) {
		if ((r == SP_R_OPEN01 || r == SP_R_UNIT || r == SP_R_HALFOPEN) && v >= 10 && v < 100)  /* 99 meant 0.99 */
			sp_error(ld->d, n->pos, "'%s' must be %s, got %s; did you mean %g?", key, range_text(r),
				 n->str, v / 100);
		else
			sp_error(ld->d, n->pos, "'%s' must be %s, got %s", key, range_text(r), n->str);
		return -1;
	}
	*out = v;
	return 0;
}

int sp_ld_num(struct sp_ld *ld, const struct sp_ynode *map, const char *key, enum sp_range r, double *out)
{
	const struct sp_ynode *v = sp_ymap_get(map, key, NULL);
	if (!v)
		return 1;
	return sp_ld_scalar_num(ld, v, key, r, out);
}

int sp_ld_int(struct sp_ld *ld, const struct sp_ynode *map, const char *key, long lo, long hi, int *out)
{
	const struct sp_ynode *v = sp_ymap_get(map, key, NULL);
	double d;

	if (!v)
		return 1;
	if (sp_ld_scalar_num(ld, v, key, SP_R_ANY, &d) < 0)
		return -1;
	if (d != floor(d)) {
		sp_error(ld->d, v->pos, "'%s' must be a whole number, got %s", key, v->str);
		return -1;
	}
	if (d < (double)lo || d > (double)hi) {
		if (hi == INT_MAX)
			sp_error(ld->d, v->pos, "'%s' must be %ld or more, got %s", key, lo, v->str);
		else
			sp_error(ld->d, v->pos, "'%s' must be between %ld and %ld, got %s", key, lo, hi, v->str);
		return -1;
	}
	*out = (int)d;
	return 0;
}

int sp_ld_bool(struct sp_ld *ld, const struct sp_ynode *map, const char *key, int *out)
{
	const struct sp_ynode *v = sp_ymap_get(map, key, NULL);
	if (!v)
		return 1;
	if (v->kind == SP_Y_SCALAR && v->plain) {
		if (!strcmp(v->str, "true")) {
			*out = 1;
			return 0;
		}
		if (!strcmp(v->str, "false")) {
			*out = 0;
			return 0;
		}
	}
	sp_error(ld->d, v->pos, "'%s' must be true or false, not '%s'", key,
		 v->kind == SP_Y_SCALAR ? v->str : sp_ykind_name(v));
	return -1;
}

int sp_ld_str(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char **out, struct sp_pos *pos)
{
	const struct sp_ynode *v = sp_ymap_get(map, key, NULL);
	if (!v)
		return 1;
	if (v->kind != SP_Y_SCALAR) {
		sp_error(ld->d, v->pos, "'%s' must be a string, not %s", key, sp_ykind_name(v));
		return -1;
	}
	if (v->len == 0 || strlen(v->str) != v->len) {
		sp_error(ld->d, v->pos, "'%s' must be a non-empty string", key);
		return -1;
	}
	*out = v->str;
	if (pos)
		*pos = v->pos;
	return 0;
}

int sp_ld_enum(struct sp_ld *ld, const struct sp_ynode *map, const char *key, const char *const *names, int *out)
{
	const char *s;
	struct sp_pos pos;
	int r = sp_ld_str(ld, map, key, &s, &pos);
	size_t n = 0;

	if (r)
		return r;
	for (n = 0; names[n]; n++)
		if (!strcmp(s, names[n])) {
			*out = (int)n;
			return 0;
		}
	struct sp_sb sb = SP_SB_INIT;
	for (size_t i = 0; i < n; i++)
		sp_sb_addf(&sb, "%s%s", i ? ", " : "", names[i]);
	const char *best = sp_suggest(s, names, n);
	if (best)
		sp_error(ld->d, pos, "unknown %s '%s'; did you mean '%s'? (one of: %s)", key, s, best, sb.buf);
	else
		sp_error(ld->d, pos, "unknown %s '%s'; expected one of: %s", key, s, sb.buf);
	sp_sb_release(&sb);
	return -1;
}

int sp_ld_month(struct sp_ld *ld, const struct sp_ynode *map, const char *key, sp_month *out)
{
	const struct sp_ynode *v = sp_ymap_get(map, key, NULL);
	if (!v)
		return 1;
	if (v->kind != SP_Y_SCALAR || sp_month_parse(v->str, out) < 0) {
		sp_error(ld->d, v->pos, "'%s' must be a month in YYYY-MM form (like 2027-04), not '%s'", key,
			 v->kind == SP_Y_SCALAR ? v->str : sp_ykind_name(v));
		return -1;
	}
	return 0;
}

int sp_ld_name_ok(struct sp_ld *ld, const struct sp_ynode *n, const char *what)
{
	const char *s = n->str;
	size_t len = n->len;
	int ok = n->kind == SP_Y_SCALAR && len >= 1 && len <= 63 && strlen(s) == len &&
		 isalnum((unsigned char)s[0]);
	for (size_t i = 0; ok && i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			ok = 0;
	if (!ok) {
		sp_error(ld->d, n->pos,
			 "invalid %s name '%s': use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit",
			 what, n->kind == SP_Y_SCALAR ? s : "");
		return -1;
	}
	return 0;
}
