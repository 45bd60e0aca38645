/* The house JSON writer and the decoding context (lib/json.h). jansson does
 * the parsing and the layout; this file adds the shortest round-trip reals,
 * the JSON path of every decoding message, and (for formats that keep their
 * source text) the line and column of the value, which jansson does not keep
 * after parsing: a small scanner walks the already valid text along the
 * path to find them. */
#include "lib/json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"

/* ---- writing ---------------------------------------------------------------------------------- */

/* The fewest significant digits (1..17) that read back to exactly v. */
static int shortest_precision(double v)
{
	char buf[40];
	for (int p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			return p;
	}
	return 17;
}

/* v with the fewest digits that read back to it, spelled as jansson spells a
 * real: a '.' or an exponent always, no '+' and no leading zeros in the
 * exponent ("0.1", "2.5e-7", "1e300", "9007199254740994.0"). */
static void format_real(char out[40], double v)
{
	char tmp[40], *e;

	snprintf(tmp, sizeof(tmp), "%.*g", shortest_precision(v), v);
	if (!strchr(tmp, '.') && !strchr(tmp, 'e'))
		strcat(tmp, ".0");
	if ((e = strchr(tmp, 'e'))) {
		char *d = ++e, *s = e;
		if (*s == '+')
			s++;
		else if (*s == '-')
			d = ++s;
		while (*s == '0' && s[1])
			s++;
		memmove(d, s, strlen(s) + 1);
	}
	memcpy(out, tmp, sizeof(tmp));
}

/* jansson writes every real of a document with one precision; this rewrites
 * each real token of its output (precision 17, so exact) with the fewest
 * digits for that number alone. Strings are copied untouched. */
static char *shorten_reals(const char *text)
{
	struct sp_sb sb = SP_SB_INIT;
	int in_str = 0;

	for (const char *p = text; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1]) {
				sp_sb_add(&sb, p, 2);
				p++;
				continue;
			}
			if (*p == '"')
				in_str = 0;
			sp_sb_addc(&sb, *p);
			continue;
		}
		if (*p == '"') {
			in_str = 1;
			sp_sb_addc(&sb, *p);
			continue;
		}
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			const char *q = p;
			int real = 0;
			while (*q && strchr("+-0123456789.eE", *q)) {
				real |= *q == '.' || *q == 'e' || *q == 'E';
				q++;
			}
			if (real) {
				char buf[40];
				format_real(buf, strtod(p, NULL));
				sp_sb_adds(&sb, buf);
			} else {
				sp_sb_add(&sb, p, (size_t)(q - p));
			}
			p = q - 1;
			continue;
		}
		sp_sb_addc(&sb, *p);
	}
	return sp_sb_detach(&sb, NULL);
}

int sp_json_dump(json_t *root, int flags, char **out, struct sp_err *err)
{
	size_t jflags = ((flags & SP_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER |
			JSON_REAL_PRECISION(17) | ((flags & SP_JSON_ASCII) ? JSON_ENSURE_ASCII : 0);
	char *text = json_dumps(root, jflags), *shortened;
	size_t n;

	*out = NULL;
	if (!text)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "cannot encode the document as JSON");
	shortened = shorten_reals(text);
	free(text);
	n = strlen(shortened);
	*out = sp_xmalloc(n + 2);
	memcpy(*out, shortened, n);
	(*out)[n] = '\n';
	(*out)[n + 1] = '\0';
	free(shortened);
	return 0;
}

json_t *sp_json_number(double v)
{
	if (v == trunc(v) && fabs(v) <= SP_JSON_MAX_EXACT)
		return json_integer((json_int_t)v);
	return json_real(v);
}

/* ---- parsing ---------------------------------------------------------------------------------- */

json_t *sp_json_parse(const char *text, size_t len, const char *origin, const char *what, struct sp_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!root)
		sp_err_set(err, SP_EINVAL, origin, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0, "%s: %s",
			   what, je.text);
	return root;
}

const char *sp_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* ---- locating a JSON path in the source text -------------------------------------------------- */

static const char *js_ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at an opening quote; returns the byte after the closing one. */
static const char *js_str_end(const char *p, const char *e)
{
	for (p++; p < e && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < e ? p + 1 : e;
}

/* p at the start of a value; returns the byte after it. */
static const char *js_skip(const char *p, const char *e)
{
	int depth = 0;

	if (p < e && *p == '"')
		return js_str_end(p, e);
	if (p < e && *p != '{' && *p != '[') {
		while (p < e && !strchr(",}] \t\r\n", *p))
			p++;
		return p;
	}
	while (p < e) {
		if (*p == '"') {
			p = js_str_end(p, e);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return e;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Whether the JSON string at p (its opening quote) decodes to want. Escapes
 * beyond ASCII never match: the keys searched for come from the decoded
 * document, and a miss only costs the position, not the error. */
static int js_key_eq(const char *p, const char *e, const char *want)
{
	for (p++; p < e && *p != '"'; want++) {
		int c = (unsigned char)*p++;
		if (c == '\\' && p < e) {
			int x = (unsigned char)*p++;
			switch (x) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				c = 0;
				for (int i = 0; i < 4; i++) {
					int h = p < e ? hexval((unsigned char)*p++) : -1;
					if (h < 0)
						return 0;
					c = c * 16 + h;
				}
				if (c >= 0x80)
					return 0;
				break;
			default: c = x; break;
			}
		}
		if ((unsigned char)*want != c)
			return 0;
	}
	return *want == '\0';
}

/* p at an object's '{': the start of the value of member key (or of the key
 * itself, in *at_key); NULL when the text does not match. */
static const char *js_member(const char *p, const char *e, const char *key, const char **at_key)
{
	if (*p != '{')
		return NULL;
	for (p++;;) {
		p = js_ws(p, e);
		if (p >= e || *p != '"')
			return NULL;
		const char *k = p;
		int eq = js_key_eq(p, e, key);
		p = js_ws(js_str_end(p, e), e);
		if (p >= e || *p != ':')
			return NULL;
		p = js_ws(p + 1, e);
		if (eq) {
			*at_key = k;
			return p;
		}
		p = js_ws(js_skip(p, e), e);
		if (p >= e || *p != ',')
			return NULL;
		p++;
	}
}

/* The start of the value at the first n steps of path (or of its key, when
 * at_key and the last step is a key); NULL when the text does not match. */
static const char *js_locate(const char *text, size_t len, const struct sp_jstep *path, size_t n, int at_key)
{
	const char *p = js_ws(text, text + len), *e = text + len, *key = NULL;

	for (size_t i = 0; i < n; i++) {
		key = NULL;
		if (p >= e)
			return NULL;
		if (path[i].key) {
			if (!(p = js_member(p, e, path[i].key, &key)))
				return NULL;
		} else {
			if (*p != '[')
				return NULL;
			p = js_ws(p + 1, e);
			for (size_t j = 0; j < path[i].idx; j++) {
				p = js_ws(js_skip(p, e), e);
				if (p >= e || *p != ',')
					return NULL;
				p = js_ws(p + 1, e);
			}
		}
	}
	return at_key && key ? key : p;
}

/* ---- the decoding context --------------------------------------------------------------------- */

void sp_jdec_init(struct sp_jdec *d, const char *origin, struct sp_arena *a, struct sp_err *err,
		  enum sp_jdec_style style)
{
	memset(d, 0, sizeof(*d));
	d->origin = origin;
	d->a = a;
	d->err = err;
	d->style = style;
}

size_t sp_jdec_push_key(struct sp_jdec *d, const char *key)
{
	size_t mark = d->depth;
	if (d->depth < SP_JDEC_DEPTH)
		d->path[d->depth] = (struct sp_jstep){ key, 0 };
	d->depth++;
	return mark;
}

size_t sp_jdec_push_idx(struct sp_jdec *d, size_t idx)
{
	size_t mark = d->depth;
	if (d->depth < SP_JDEC_DEPTH)
		d->path[d->depth] = (struct sp_jstep){ NULL, idx };
	d->depth++;
	return mark;
}

void sp_jdec_pop(struct sp_jdec *d, size_t mark)
{
	if (mark < d->depth)
		d->depth = mark;
}

void sp_jdec_subject(struct sp_jdec *d, const char *what, const char *name)
{
	if (name)
		snprintf(d->subject, sizeof(d->subject), "%s '%s'", what, name);
	else
		d->subject[0] = '\0';
}

/* A key that reads well after a '.': a letter or '_', then letters, digits or '_'. */
static int plain_key(const char *key)
{
	if (!((*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || *key == '_'))
		return 0;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

__attribute__((format(printf, 3, 0)))
static int vfail(struct sp_jdec *d, int at_key, const char *fmt, va_list ap)
{
	struct sp_sb sb = SP_SB_INIT;
	size_t depth = d->depth < SP_JDEC_DEPTH ? d->depth : SP_JDEC_DEPTH;
	size_t shown = at_key && depth > 0 ? depth - 1 : depth;
	const char *p = d->text ? js_locate(d->text, d->len, d->path, depth, at_key) : NULL;
	int line = 0, col = 0;

	if (p) {
		const char *bol = d->text;
		line = 1;
		for (const char *q = d->text; q < p; q++)
			if (*q == '\n') {
				line++;
				bol = q + 1;
			}
		col = (int)(p - bol) + 1;
	}
	for (size_t i = 0; i < shown; i++) {
		const char *key = d->path[i].key;
		if (!key) {
			sp_sb_addf(&sb, "[%zu]", d->path[i].idx);
		} else if (plain_key(key)) {
			if (sb.len)
				sp_sb_addc(&sb, '.');
			sp_sb_adds(&sb, key);
		} else {
			sp_sb_adds(&sb, "[\"");
			sp_sb_add_quoted(&sb, key);
			sp_sb_adds(&sb, "\"]");
		}
	}
	if (d->subject[0])
		sp_sb_addf(&sb, sb.len ? " (%s)" : "%s", d->subject);
	if (sb.len)
		sp_sb_adds(&sb, ": ");
	sp_sb_vaddf(&sb, fmt, ap);
	sp_err_set(d->err, SP_EINVAL, d->origin, line, col, "%s", sb.buf);
	sp_sb_release(&sb);
	return SP_EINVAL;
}

int sp_jdec_fail(struct sp_jdec *d, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, 0, fmt, ap);
	va_end(ap);
	return rc;
}

int sp_jdec_fail_key(struct sp_jdec *d, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, 1, fmt, ap);
	va_end(ap);
	return rc;
}

int sp_jdec_fail_in(struct sp_jdec *d, const char *key, const char *fmt, ...)
{
	size_t mark = sp_jdec_push_key(d, key);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(d, 0, fmt, ap);
	va_end(ap);
	sp_jdec_pop(d, mark);
	return rc;
}

const char *sp_jdec_kind(const struct sp_jdec *d, const json_t *v)
{
	if (d->style == SP_JDEC_EXPECTED && json_is_number(v))
		return "a number";
	return sp_json_kind(v);
}

int sp_jdec_keys(struct sp_jdec *d, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;
	size_t n = 0;

	while (allowed[n])
		n++;
	json_object_foreach(obj, key, v) {
		size_t i = 0, mark;
		int rc;
		while (i < n && strcmp(key, allowed[i]))
			i++;
		if (i < n)
			continue;
		mark = sp_jdec_push_key(d, key);
		if (d->style != SP_JDEC_EXPECTED) {
			rc = sp_jdec_fail(d, "unknown key");
		} else {
			const char *best = sp_suggest(key, allowed, n);
			if (best)
				rc = sp_jdec_fail_key(d, "unknown field '%s'; did you mean '%s'?", key, best);
			else
				rc = sp_jdec_fail_key(d, "unknown field '%s'", key);
		}
		sp_jdec_pop(d, mark);
		return rc;
	}
	return 0;
}

static int is_type(const json_t *v, enum sp_jtype t)
{
	switch (t) {
	case SP_JOBJECT: return json_is_object(v);
	case SP_JARRAY: return json_is_array(v);
	case SP_JSTRING: return json_is_string(v);
	case SP_JINTEGER: return json_is_integer(v);
	case SP_JNUMBER: return json_is_number(v);
	case SP_JBOOL: return json_is_boolean(v);
	}
	return 0;
}

/* The value at the path is not of type t. */
static int wrong_type(struct sp_jdec *d, const json_t *v, enum sp_jtype t)
{
	static const char *const names[] = { "an object", "an array", "a string", "an integer", "a number",
					     "a boolean" };
	switch (d->style) {
	case SP_JDEC_MUST_BE:
		return sp_jdec_fail(d, "must be %s, not %s", t == SP_JBOOL ? "true or false" : names[t], sp_json_kind(v));
	case SP_JDEC_EXPECTED:
		return sp_jdec_fail(d, "expected %s, got %s", names[t], sp_jdec_kind(d, v));
	case SP_JDEC_TERSE:
		break;
	}
	return sp_jdec_fail(d, "must be %s", names[t]);
}

int sp_jdec_object(struct sp_jdec *d, json_t *v, const char *const *allowed)
{
	if (!json_is_object(v))
		return wrong_type(d, v, SP_JOBJECT);
	return allowed ? sp_jdec_keys(d, v, allowed) : 0;
}

int sp_jdec_member(struct sp_jdec *d, json_t *obj, const char *key, enum sp_jtype t, int flags, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc = 0;

	*out = NULL;
	if (!v && !(flags & SP_JREQ))
		return 0;
	if (!v && d->style == SP_JDEC_MUST_BE)
		return sp_jdec_fail(d, "missing key '%s'", key);
	if (!v && d->style == SP_JDEC_EXPECTED)
		return sp_jdec_fail(d, "missing field '%s'", key);
	mark = sp_jdec_push_key(d, key);
	if (!v)
		rc = sp_jdec_fail(d, "missing");
	else if (json_is_null(v) && (flags & SP_JNULL))
		v = NULL;
	else if (!is_type(v, t))
		rc = wrong_type(d, v, t);
	else if ((flags & SP_JNONEMPTY) && t == SP_JSTRING && json_string_length(v) == 0)
		rc = sp_jdec_fail(d, "must not be empty");
	sp_jdec_pop(d, mark);
	if (rc == 0)
		*out = v;
	return rc;
}

int sp_jdec_str(struct sp_jdec *d, json_t *obj, const char *key, int flags, const char **out)
{
	json_t *v;
	int rc = sp_jdec_member(d, obj, key, SP_JSTRING, flags, &v);

	if (rc == 0 && v)
		*out = sp_arena_strndup(d->a, json_string_value(v), json_string_length(v));
	else if (rc == 0 && json_is_null(json_object_get(obj, key)))
		*out = NULL;
	return rc;
}

int sp_jdec_bool(struct sp_jdec *d, json_t *obj, const char *key, int flags, int *out)
{
	json_t *v;
	int rc = sp_jdec_member(d, obj, key, SP_JBOOL, flags, &v);

	if (rc == 0 && v)
		*out = json_is_true(v);
	return rc;
}
