/* States: creation with a fresh lineage, and the JSON encoding of
 * docs/providers.md ("State file"). Encoding builds a jansson tree in a fixed
 * key order and dumps it once; decoding walks jansson's tree with a JSON path
 * for messages and copies every string into the state's arena, so no jansson
 * memory outlives these functions. */
#include "providers/state_json.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/crc32c.h"
#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/uuid.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

/* Doubles hold every integer up to 2^53 exactly: those are written as JSON integers. */
#define MAX_EXACT_INT 9007199254740992.0

/* ---- states ------------------------------------------------------------------------------------- */

/* A lineage when /dev/urandom cannot be read (a chroot without /dev): time,
 * pid and address bits through splitmix64. It only has to be unique. */
static void fallback_uuid(char out[37], const void *salt)
{
	static const char hex[] = "0123456789abcdef";
	struct timespec ts;
	uint64_t x, w[2];
	unsigned char b[16];
	size_t o = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	x ^= (uint64_t)getpid() << 32 ^ (uint64_t)(uintptr_t)salt;
	for (int i = 0; i < 2; i++) {
		uint64_t z = (x += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		w[i] = z ^ (z >> 31);
	}
	memcpy(b, w, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

struct sp_state *sp_state_new(void)
{
	struct sp_state *s = sp_xcalloc(1, sizeof(*s));
	char id[37];

	sp_arena_init(&s->arena);
	if (sp_uuid_v4(id, NULL) < 0)
		fallback_uuid(id, s);
	s->version = SP_STATE_VERSION;
	s->lineage = sp_arena_strdup(&s->arena, id);
	s->serial = 0;
	s->scaleplan_version = SP_VERSION;
	return s;
}

void sp_state_free(struct sp_state *s)
{
	if (!s)
		return;
	sp_arena_free(&s->arena);
	free(s);
}

/* ---- encoding ----------------------------------------------------------------------------------- */

/* strcmp with NULL first, so a bad input sorts and is then reported, never dereferenced */
static int cmp_nullable(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_attr_ptr(const void *x, const void *y)
{
	return cmp_nullable((*(const struct sp_attr *const *)x)->key, (*(const struct sp_attr *const *)y)->key);
}

static int cmp_str(const void *x, const void *y)
{
	return cmp_nullable(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_res_ptr(const void *x, const void *y)
{
	return cmp_nullable((*(const struct sp_resource *const *)x)->address,
			    (*(const struct sp_resource *const *)y)->address);
}

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

/* A JSON string, or NULL when s is NULL or not UTF-8 (jansson refuses it). */
static json_t *jstr(const char *s)
{
	return s ? json_string(s) : NULL;
}

static int put(json_t *obj, const char *key, json_t *v)
{
	return v ? json_object_set_new(obj, key, v) : -1;
}

/* A number as the state writes it: whole numbers within 2^53 as integers, others as reals. */
static json_t *jnum(double v)
{
	if (v == trunc(v) && fabs(v) <= MAX_EXACT_INT)
		return json_integer((json_int_t)v);
	return json_real(v);
}

static int enc_attr(const char *address, const struct sp_attr *at, json_t **out, struct sp_err *err)
{
	*out = NULL;
	switch (at->type) {
	case SP_ATTR_STR:
		*out = jstr(at->s ? at->s : "");
		if (!*out)
			return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' is not valid UTF-8", at->key);
		return 0;
	case SP_ATTR_BOOL:
		*out = json_boolean(at->n != 0);
		return 0;
	case SP_ATTR_NUM:
		if (!isfinite(at->n))
			return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' is %g, which JSON cannot hold",
					  at->key, at->n);
		*out = jnum(at->n);
		return 0;
	}
	return sp_err_set(err, SP_EINVAL, address, 0, 0, "attribute '%s' has an unknown type %d", at->key,
			  (int)at->type);
}

/* One resource's object; full adds force_new, depends_on and lifecycle (the state's fields). */
static int enc_resource(const struct sp_resource *r, int full, json_t **out, struct sp_err *err)
{
	const char *addr = r->address ? r->address : "";
	const char *type, *name, *region;
	const struct sp_attr **attrs = NULL;
	const char **deps = NULL;
	json_t *o = json_object(), *jattrs = json_object(), *fn = json_array(), *jdeps = json_array();
	struct sp_arena tmp;
	int rc = 0;

	sp_arena_init(&tmp);
	*out = NULL;
	if (!r->address || sp_resource_parse_address(&tmp, r->address, &type, &name, &region) < 0) {
		rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "'%s' is not a resource address (like service.web-api[us-east-1])",
				addr);
		goto out;
	}
	if (!r->type || !r->name || !r->region || strcmp(type, r->type) || strcmp(name, r->name) ||
	    strcmp(region, r->region)) {
		rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "type, name and region do not match the address");
		goto out;
	}
	if (put(o, "address", jstr(r->address)) || put(o, "type", jstr(r->type)) || put(o, "name", jstr(r->name)) ||
	    put(o, "region", jstr(r->region))) {
		rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "cannot encode the resource");
		goto out;
	}
	attrs = sp_xmalloc((r->nattrs + 1) * sizeof(*attrs));
	for (size_t i = 0; i < r->nattrs; i++)
		attrs[i] = &r->attrs[i];
	qsort(attrs, r->nattrs, sizeof(*attrs), cmp_attr_ptr);
	for (size_t i = 0; i < r->nattrs; i++) {
		json_t *v;
		if (!attrs[i]->key || !*attrs[i]->key) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "an attribute has an empty key");
			goto out;
		}
		if (i && !strcmp(attrs[i - 1]->key, attrs[i]->key)) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "attribute '%s' is set twice", attrs[i]->key);
			goto out;
		}
		if ((rc = enc_attr(addr, attrs[i], &v, err)) < 0)
			goto out;
		if (put(jattrs, attrs[i]->key, v)) {
			rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "attribute key '%s' is not valid UTF-8", attrs[i]->key);
			goto out;
		}
		if (attrs[i]->force_new)
			json_array_append_new(fn, json_string(attrs[i]->key));
	}
	json_object_set(o, "attributes", jattrs);
	if (full) {
		deps = sp_xmalloc((r->ndeps + 1) * sizeof(*deps));
		for (size_t i = 0; i < r->ndeps; i++) {
			deps[i] = r->depends_on[i];
			if (!deps[i] || sp_resource_parse_address(NULL, deps[i], NULL, NULL, NULL) < 0) {
				rc = sp_err_set(err, SP_EINVAL, addr, 0, 0, "dependency '%s' is not a resource address",
						deps[i] ? deps[i] : "");
				goto out;
			}
		}
		qsort(deps, r->ndeps, sizeof(*deps), cmp_str);
		for (size_t i = 0; i < r->ndeps; i++)
			if (!i || strcmp(deps[i - 1], deps[i]))
				json_array_append_new(jdeps, json_string(deps[i]));
		json_t *lc = json_object();
		json_object_set_new(lc, "prevent_destroy", json_boolean(r->prevent_destroy));
		json_object_set_new(lc, "allow_zero", json_boolean(r->allow_zero));
		json_object_set(o, "force_new", fn);
		json_object_set(o, "depends_on", jdeps);
		json_object_set_new(o, "lifecycle", lc);
	}
	*out = o;
	o = NULL;
out:
	json_decref(o);
	json_decref(jattrs);
	json_decref(fn);
	json_decref(jdeps);
	free(attrs);
	free(deps);
	sp_arena_free(&tmp);
	return rc;
}

/* Dumps root with the house format (indent 2, or one line when compact;
 * fixed order; shortest reals; a final newline). */
int sp_json_dump(json_t *root, int compact, char **out, struct sp_err *err)
{
	size_t flags = ((compact & SP_JSON_COMPACT) ? JSON_COMPACT : JSON_INDENT(2)) | JSON_PRESERVE_ORDER |
		       JSON_REAL_PRECISION(17) | ((compact & SP_JSON_ASCII) ? JSON_ENSURE_ASCII : 0);
	char *text = json_dumps(root, flags), *shortened;
	size_t n;

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

static int month_valid(const char *s)
{
	return strlen(s) == 7 && s[0] >= '1' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
	       s[2] <= '9' && s[3] >= '0' && s[3] <= '9' && s[4] == '-' &&
	       ((s[5] == '0' && s[6] >= '1' && s[6] <= '9') || (s[5] == '1' && s[6] >= '0' && s[6] <= '2'));
}

static int currency_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > 7)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

/* What is wrong with a cost block, or NULL (encoding; decoding says it with a JSON path). */
static const char *cost_problem(const struct sp_state_cost *c)
{
	if (!memchr(c->at, '\0', sizeof(c->at)) || !month_valid(c->at))
		return "cost: at must be a month like 2027-01";
	if (!memchr(c->currency, '\0', sizeof(c->currency)) || !currency_valid(c->currency))
		return "cost: currency must be 1 to 7 capital letters, like USD";
	for (int i = 0; i < 3; i++) {
		if (!isfinite(c->pct[i]) || c->pct[i] <= 0 || c->pct[i] >= 100)
			return "cost: percentiles must be between 0 and 100 (exclusive)";
		if (i && c->pct[i] <= c->pct[i - 1])
			return "cost: percentiles must increase";
		if (!isfinite(c->horizon[i]))
			return "cost: horizon_total must be finite numbers";
	}
	return NULL;
}

static json_t *enc_cost(const struct sp_state_cost *c)
{
	json_t *o = json_object(), *p = json_array(), *h = json_array();

	json_object_set_new(o, "at", json_string(c->at));
	json_object_set_new(o, "currency", json_string(c->currency));
	for (int i = 0; i < 3; i++) {
		json_array_append_new(p, jnum(c->pct[i]));
		json_array_append_new(h, jnum(c->horizon[i]));
	}
	json_object_set_new(o, "percentiles", p);
	json_object_set_new(o, "horizon_total", h);
	return o;
}

/* ---- checksums ---------------------------------------------------------------------------------- */

/* The state file's checksum is a top-level key, written right after
 * scaleplan_version as
 *     "checksum": "crc32c:1a2b3c4d",
 * and it covers every byte of the file, with its own eight hex digits read
 * as zeros. Two spaces of indentation make the line unique: a string value
 * cannot hold a raw newline, and deeper keys are indented further. */
#define CHECKSUM_PLACEHOLDER "crc32c:00000000"
static const char checksum_key[] = "\n  \"checksum\": \"crc32c:";

/* The offset of the eight hex digits of the state's checksum, or -1. */
static long checksum_at(const char *text, size_t len)
{
	const char *p = memmem(text, len, checksum_key, sizeof(checksum_key) - 1);
	if (!p || (size_t)(p - text) + sizeof(checksum_key) - 1 + 9 > len)
		return -1;
	return (long)(p - text) + (long)sizeof(checksum_key) - 1;
}

static uint32_t crc_with_zeros(const char *text, size_t len, const char *digits)
{
	size_t at = (size_t)(digits - text);
	uint32_t c = sp_crc32c(0, text, at);
	c = sp_crc32c(c, "00000000", 8);
	return sp_crc32c(c, digits + 8, len - at - 8);
}

/* Fills in the checksum of an encoded state. */
static void seal(char *text, size_t len)
{
	long at = checksum_at(text, len);
	char hex[9];
	if (at < 0)
		return;
	snprintf(hex, sizeof(hex), "%08x", crc_with_zeros(text, len, text + at));
	memcpy(text + at, hex, 8);
}

static int parse_hex8(const char *p, uint32_t *out)
{
	uint32_t v = 0;
	for (int i = 0; i < 8; i++) {
		char c = p[i];
		int x = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (x < 0)
			return -1;
		v = v << 4 | (uint32_t)x;
	}
	*out = v;
	return 0;
}

/* Checks the checksum line of a state's text, when it has one: 1 found and
 * right, 0 none, SP_ECORRUPT when it does not match. */
static int verify_state_checksum(const char *text, size_t len, const char *origin, struct sp_err *err)
{
	long at = checksum_at(text, len);
	const char *d = text + at;
	uint32_t want, got;

	if (at < 0)
		return 0;
	if (parse_hex8(d, &want) < 0 || d[8] != '"')
		return sp_err_set(err, SP_ECORRUPT, origin, 0, 0,
				  "damaged: its checksum is not 'crc32c:' and 8 lowercase hex digits");
	got = crc_with_zeros(text, len, d);
	if (got != want)
		return sp_err_set(err, SP_ECORRUPT, origin, 0, 0,
				  "damaged: its content does not match its checksum (crc32c:%08x recorded, crc32c:%08x "
				  "computed): the file was changed after scaleplan wrote it",
				  want, got);
	return 1;
}

int sp_state_is_removed(const struct sp_state *s, const char *address)
{
	size_t lo = 0, hi = s->nremoved;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->removed[mid], address);
		if (!c)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int sp_state_set_removed(struct sp_state *s, const char *address, int on)
{
	size_t lo = 0, hi = s->nremoved;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(s->removed[mid], address) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	int present = lo < s->nremoved && !strcmp(s->removed[lo], address);
	if (!!on == present)
		return 0;
	if (on) {
		if (s->nremoved == s->removed_cap) {
			/* doubling in the arena: amortised O(1) growth (a memmove per insert) */
			size_t cap = s->removed_cap ? s->removed_cap * 2 : 16;
			const char **v = SP_NEWN(&s->arena, const char *, cap);
			if (s->nremoved)
				memcpy(v, s->removed, s->nremoved * sizeof(*v));
			s->removed = v;
			s->removed_cap = cap;
		}
		memmove(s->removed + lo + 1, s->removed + lo, (s->nremoved - lo) * sizeof(*s->removed));
		s->removed[lo] = sp_arena_strdup(&s->arena, address);
		s->nremoved++;
	} else {
		memmove(s->removed + lo, s->removed + lo + 1, (s->nremoved - lo - 1) * sizeof(*s->removed));
		s->nremoved--;
	}
	return 1;
}

int sp_state_to_json(const struct sp_state *s, char **out, struct sp_err *err)
{
	const struct sp_resource **rs = sp_xmalloc((s->resources.n + 1) * sizeof(*rs));
	json_t *root = json_object(), *arr = json_array();
	const char *why;
	int rc = 0;

	*out = NULL;
	if (!s->lineage || !sp_uuid_valid(s->lineage)) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "the state's lineage '%s' is not a UUID",
				s->lineage ? s->lineage : "");
		goto out;
	}
	if (s->version != SP_STATE_VERSION) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "cannot write state format version %d (only %d)", s->version,
				SP_STATE_VERSION);
		goto out;
	}
	if (s->serial > INT64_MAX) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "serial %llu is too large", (unsigned long long)s->serial);
		goto out;
	}
	if (s->cost.present && (why = cost_problem(&s->cost))) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "%s", why);
		goto out;
	}
	if (put(root, "version", json_integer(s->version)) || put(root, "lineage", jstr(s->lineage)) ||
	    put(root, "serial", json_integer((json_int_t)s->serial)) ||
	    put(root, "scaleplan_version", jstr(s->scaleplan_version ? s->scaleplan_version : SP_VERSION))) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "scaleplan_version is not valid UTF-8");
		goto out;
	}
	/* the checksum's value is filled in once the bytes are known (below) */
	json_object_set_new(root, "checksum", json_string(CHECKSUM_PLACEHOLDER));
	if (s->journal[0]) {
		if (!sp_uuid_valid(s->journal)) {
			rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "the journal name '%s' is not a UUID", s->journal);
			goto out;
		}
		json_object_set_new(root, "journal", json_string(s->journal));
	}
	if (s->cost.present)
		json_object_set_new(root, "cost", enc_cost(&s->cost));
	json_t *rm = json_array();
	for (size_t i = 0; i < s->nremoved; i++) {
		if (sp_resource_parse_address(NULL, s->removed[i], NULL, NULL, NULL) < 0 ||
		    (i && strcmp(s->removed[i - 1], s->removed[i]) >= 0)) {
			json_decref(rm);
			rc = sp_err_set(err, SP_EINVAL, s->removed[i], 0, 0,
					"the removed addresses must be valid, sorted and unique");
			goto out;
		}
		json_array_append_new(rm, json_string(s->removed[i]));
	}
	json_object_set_new(root, "removed", rm);
	for (size_t i = 0; i < s->resources.n; i++)
		rs[i] = &s->resources.v[i];
	qsort(rs, s->resources.n, sizeof(*rs), cmp_res_ptr);
	for (size_t i = 0; i < s->resources.n; i++) {
		json_t *o;
		if (i && rs[i - 1]->address && rs[i]->address && !strcmp(rs[i - 1]->address, rs[i]->address)) {
			rc = sp_err_set(err, SP_EINVAL, rs[i]->address, 0, 0, "the state holds this address twice");
			goto out;
		}
		if ((rc = enc_resource(rs[i], 1, &o, err)) < 0)
			goto out;
		json_array_append_new(arr, o);
	}
	json_object_set(root, "resources", arr);
	if ((rc = sp_json_dump(root, 0, out, err)) == 0)
		seal(*out, strlen(*out));
out:
	json_decref(root);
	json_decref(arr);
	free(rs);
	return rc;
}

int sp_resource_to_json(const struct sp_resource *r, char **out, struct sp_err *err)
{
	json_t *o = NULL;
	int rc;

	*out = NULL;
	if ((rc = enc_resource(r, 0, &o, err)) < 0)
		return rc;
	rc = sp_json_dump(o, 0, out, err);
	json_decref(o);
	return rc;
}

/* A journal line's checksum closes its object: {...,"crc32c":"1a2b3c4d"}
 * over every byte before the comma. */
static const char line_crc_key[] = ",\"crc32c\":\"";
#define LINE_CRC_TAIL (sizeof(line_crc_key) - 1 + 8 + 2) /* ,"crc32c":"12345678"} */

static char *seal_line(char *line)
{
	size_t n = strlen(line); /* "{...}\n" */
	char *out;

	if (n < 3 || line[n - 1] != '\n' || line[n - 2] != '}')
		return line;
	out = sp_xmalloc(n + LINE_CRC_TAIL + 1);
	n -= 2; /* drop "}\n" */
	memcpy(out, line, n);
	snprintf(out + n, LINE_CRC_TAIL + 2, "%s%08x\"}\n", line_crc_key, sp_crc32c(0, line, n));
	free(line);
	return out;
}

/* Checks a journal line's checksum: 1 right, 0 the line has none,
 * SP_ECORRUPT (err at origin:lineno) when it does not match. */
static int verify_line(const char *p, size_t n, const char *origin, int lineno, struct sp_err *err)
{
	uint32_t want, got;
	const char *t;

	if (n < LINE_CRC_TAIL + 2)
		return 0;
	t = p + n - LINE_CRC_TAIL;
	if (memcmp(t, line_crc_key, sizeof(line_crc_key) - 1) || p[n - 2] != '"' || p[n - 1] != '}')
		return 0;
	if (parse_hex8(t + sizeof(line_crc_key) - 1, &want) < 0)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "damaged journal record: its checksum is not 8 lowercase hex digits");
	got = sp_crc32c(0, p, (size_t)(t - p));
	if (got != want)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "damaged journal record: its content does not match its checksum (crc32c:%08x "
				  "recorded, crc32c:%08x computed)",
				  want, got);
	return 1;
}

int sp_state_journal_line(const char *lineage, uint64_t serial, const char *address, const struct sp_resource *now,
			  char **out, struct sp_err *err)
{
	json_t *root = json_object(), *res = NULL;
	int rc;

	*out = NULL;
	if (!lineage || !sp_uuid_valid(lineage)) {
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0, "the state's lineage '%s' is not a UUID", lineage ? lineage : "");
		goto out;
	}
	if (!address || sp_resource_parse_address(NULL, address, NULL, NULL, NULL) < 0) {
		rc = sp_err_set(err, SP_EINVAL, address ? address : "", 0, 0,
				"'%s' is not a resource address (like service.web-api[us-east-1])", address ? address : "");
		goto out;
	}
	if (serial < 1 || serial > INT64_MAX) {
		rc = sp_err_set(err, SP_EINVAL, address, 0, 0, "serial %llu is out of range", (unsigned long long)serial);
		goto out;
	}
	if (now && (!now->address || strcmp(now->address, address))) {
		rc = sp_err_set(err, SP_EINVAL, address, 0, 0, "the resource recorded has another address ('%s')",
				now->address ? now->address : "");
		goto out;
	}
	if (now && (rc = enc_resource(now, 1, &res, err)) < 0)
		goto out;
	json_object_set_new(root, "lineage", json_string(lineage));
	json_object_set_new(root, "serial", json_integer((json_int_t)serial));
	json_object_set_new(root, "address", json_string(address));
	json_object_set_new(root, "resource", res ? res : json_null());
	if ((rc = sp_json_dump(root, SP_JSON_COMPACT, out, err)) == 0)
		*out = seal_line(*out);
out:
	json_decref(root);
	return rc;
}

int sp_state_journal_header(const char *journal, const char *lineage, uint64_t serial, char **out,
			    struct sp_err *err)
{
	json_t *root;
	int rc;

	*out = NULL;
	if (!journal || !sp_uuid_valid(journal) || !lineage || !sp_uuid_valid(lineage))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "a journal header needs a journal name and a lineage");
	if (serial > INT64_MAX)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "serial %llu is out of range", (unsigned long long)serial);
	root = json_object();
	json_object_set_new(root, "journal", json_string(journal));
	json_object_set_new(root, "lineage", json_string(lineage));
	json_object_set_new(root, "serial", json_integer((json_int_t)serial));
	json_object_set_new(root, "version", json_integer(SP_STATE_VERSION));
	if ((rc = sp_json_dump(root, SP_JSON_COMPACT, out, err)) == 0)
		*out = seal_line(*out);
	json_decref(root);
	return rc;
}

/* ---- decoding ----------------------------------------------------------------------------------- */

struct dec {
	const char *origin;
	struct sp_arena *a;
	struct sp_err *err;
	struct sp_sb path;   /* "resources[2].attributes.nodes" */
	int checksum_seen;   /* the text's checksum line was found and matched */
};

static size_t push_key(struct dec *d, const char *key)
{
	size_t mark = d->path.len;
	int plain = (*key >= 'a' && *key <= 'z') || (*key >= 'A' && *key <= 'Z') || *key == '_';
	for (const char *p = key; plain && *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
			plain = 0;
	if (plain) {
		if (d->path.len)
			sp_sb_addc(&d->path, '.');
		sp_sb_adds(&d->path, key);
	} else {
		sp_sb_adds(&d->path, "[\"");
		sp_sb_add_quoted(&d->path, key);
		sp_sb_adds(&d->path, "\"]");
	}
	return mark;
}

static size_t push_idx(struct dec *d, size_t i)
{
	size_t mark = d->path.len;
	sp_sb_addf(&d->path, "[%zu]", i);
	return mark;
}

static void pop(struct dec *d, size_t mark)
{
	d->path.len = mark;
	if (d->path.cap)
		d->path.buf[mark] = '\0';
}

static int bad(struct dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct dec *d, const char *fmt, ...)
{
	char msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->path.len)
		return sp_err_set(d->err, SP_EINVAL, d->origin, 0, 0, "%s: %s", d->path.buf, msg);
	return sp_err_set(d->err, SP_EINVAL, d->origin, 0, 0, "%s", msg);
}

static const char *kind_of(json_t *v)
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

static int check_keys(struct dec *d, json_t *obj, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; allowed[i] && strcmp(allowed[i], key); i++)
			;
		if (!allowed[i]) {
			size_t mark = push_key(d, key);
			int rc = bad(d, "unknown key");
			pop(d, mark);
			return rc;
		}
	}
	return 0;
}

/* obj[key] as a string copied into the arena; required or *out stays as is. */
static int get_str(struct dec *d, json_t *obj, const char *key, int required, const char **out)
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc = 0;

	if (!v)
		return required ? bad(d, "missing key '%s'", key) : 0;
	mark = push_key(d, key);
	if (!json_is_string(v))
		rc = bad(d, "must be a string, not %s", kind_of(v));
	else
		*out = sp_arena_strndup(d->a, json_string_value(v), json_string_length(v));
	pop(d, mark);
	return rc;
}

static int get_bool(struct dec *d, json_t *obj, const char *key, int *out)
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int rc = 0;

	if (!v)
		return 0;
	mark = push_key(d, key);
	if (!json_is_boolean(v))
		rc = bad(d, "must be true or false, not %s", kind_of(v));
	else
		*out = json_is_true(v);
	pop(d, mark);
	return rc;
}

static int dec_attrs(struct dec *d, json_t *obj, struct sp_resource *r)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	if (!json_is_object(obj))
		return bad(d, "must be an object of attributes, not %s", kind_of(obj));
	r->nattrs = json_object_size(obj);
	r->attrs = SP_NEWN(d->a, struct sp_attr, r->nattrs);
	json_object_foreach(obj, key, v) {
		struct sp_attr *at = &r->attrs[i++];
		size_t mark = push_key(d, key);
		at->key = sp_arena_strdup(d->a, key);
		if (!*key)
			return bad(d, "an attribute key must not be empty");
		if (json_is_string(v)) {
			at->type = SP_ATTR_STR;
			at->s = sp_arena_strndup(d->a, json_string_value(v), json_string_length(v));
		} else if (json_is_integer(v)) {
			json_int_t iv = json_integer_value(v);
			if (iv > (json_int_t)MAX_EXACT_INT || iv < -(json_int_t)MAX_EXACT_INT)
				return bad(d, "%" JSON_INTEGER_FORMAT " is beyond 2^53, where numbers lose precision "
					      "(write it as a real, like 1.2e17)", iv);
			at->type = SP_ATTR_NUM;
			at->n = (double)iv;
		} else if (json_is_real(v)) {
			at->type = SP_ATTR_NUM;
			at->n = json_real_value(v);
		} else if (json_is_boolean(v)) {
			at->type = SP_ATTR_BOOL;
			at->n = json_is_true(v);
		} else {
			return bad(d, "must be a string, a number or a boolean, not %s", kind_of(v));
		}
		pop(d, mark);
	}
	sp_resource_sort(r);
	return 0;
}

static int dec_force_new(struct dec *d, json_t *arr, struct sp_resource *r)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return bad(d, "must be an array of attribute keys, not %s", kind_of(arr));
	json_array_foreach(arr, i, v) {
		size_t mark = push_idx(d, i);
		if (!json_is_string(v))
			return bad(d, "must be a string, not %s", kind_of(v));
		const struct sp_attr *found = sp_resource_attr(r, json_string_value(v));
		if (!found)
			return bad(d, "'%s' is not one of the resource's attributes", json_string_value(v));
		struct sp_attr *at = &r->attrs[found - r->attrs];
		if (at->force_new)
			return bad(d, "'%s' is listed twice", json_string_value(v));
		at->force_new = 1;
		pop(d, mark);
	}
	return 0;
}

static int dec_deps(struct dec *d, json_t *arr, struct sp_resource *r)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return bad(d, "must be an array of resource addresses, not %s", kind_of(arr));
	r->depends_on = SP_NEWN(d->a, const char *, json_array_size(arr));
	json_array_foreach(arr, i, v) {
		size_t mark = push_idx(d, i);
		if (!json_is_string(v))
			return bad(d, "must be a string, not %s", kind_of(v));
		if (sp_resource_parse_address(NULL, json_string_value(v), NULL, NULL, NULL) < 0)
			return bad(d, "'%s' is not a resource address (like service.web-api[us-east-1])",
				   json_string_value(v));
		r->depends_on[r->ndeps++] = sp_arena_strdup(d->a, json_string_value(v));
		pop(d, mark);
	}
	sp_resource_sort(r);
	return 0;
}

static int dec_resource(struct dec *d, json_t *o, int full, struct sp_resource *r)
{
	static const char *const keys_full[] = { "address", "type", "name", "region", "attributes",
						 "force_new", "depends_on", "lifecycle", NULL };
	static const char *const keys_res[] = { "address", "type", "name", "region", "attributes", NULL };
	static const char *const keys_lc[] = { "prevent_destroy", "allow_zero", NULL };
	const char *type, *name, *region;
	json_t *v;
	size_t mark;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(o))
		return bad(d, "must be an object (a resource), not %s", kind_of(o));
	if ((rc = check_keys(d, o, full ? keys_full : keys_res)) < 0)
		return rc;
	if ((rc = get_str(d, o, "address", 1, &r->address)) < 0)
		return rc;
	mark = push_key(d, "address");
	if (sp_resource_parse_address(d->a, r->address, &type, &name, &region) < 0)
		return bad(d, "'%s' is not a resource address (like service.web-api[us-east-1])", r->address);
	pop(d, mark);
	if ((rc = get_str(d, o, "type", 1, &r->type)) < 0 || (rc = get_str(d, o, "name", 1, &r->name)) < 0 ||
	    (rc = get_str(d, o, "region", 1, &r->region)) < 0)
		return rc;
	const char *const fields[][3] = { { "type", r->type, type }, { "name", r->name, name },
					  { "region", r->region, region } };
	for (size_t i = 0; i < 3; i++) {
		if (strcmp(fields[i][1], fields[i][2])) {
			mark = push_key(d, fields[i][0]);
			return bad(d, "'%s' does not match the address '%s'", fields[i][1], r->address);
		}
	}
	if (!(v = json_object_get(o, "attributes")))
		return bad(d, "missing key 'attributes'");
	mark = push_key(d, "attributes");
	if ((rc = dec_attrs(d, v, r)) < 0)
		return rc;
	pop(d, mark);
	if (!full)
		return 0;
	if ((v = json_object_get(o, "force_new"))) {
		mark = push_key(d, "force_new");
		if ((rc = dec_force_new(d, v, r)) < 0)
			return rc;
		pop(d, mark);
	}
	if ((v = json_object_get(o, "depends_on"))) {
		mark = push_key(d, "depends_on");
		if ((rc = dec_deps(d, v, r)) < 0)
			return rc;
		pop(d, mark);
	}
	if ((v = json_object_get(o, "lifecycle"))) {
		mark = push_key(d, "lifecycle");
		if (!json_is_object(v))
			return bad(d, "must be an object, not %s", kind_of(v));
		if ((rc = check_keys(d, v, keys_lc)) < 0 || (rc = get_bool(d, v, "prevent_destroy", &r->prevent_destroy)) < 0 ||
		    (rc = get_bool(d, v, "allow_zero", &r->allow_zero)) < 0)
			return rc;
		pop(d, mark);
	}
	return 0;
}

/* Three numbers in an array (the cost block's percentiles and totals). */
static int dec_triple(struct dec *d, json_t *obj, const char *key, double out[3])
{
	json_t *arr = json_object_get(obj, key), *v;
	size_t mark, i;

	if (!arr)
		return bad(d, "missing key '%s'", key);
	mark = push_key(d, key);
	if (!json_is_array(arr))
		return bad(d, "must be an array of 3 numbers, not %s", kind_of(arr));
	if (json_array_size(arr) != 3)
		return bad(d, "must hold 3 numbers, not %zu", json_array_size(arr));
	json_array_foreach(arr, i, v) {
		size_t m = push_idx(d, i);
		if (!json_is_number(v))
			return bad(d, "must be a number, not %s", kind_of(v));
		out[i] = json_number_value(v);
		pop(d, m);
	}
	pop(d, mark);
	return 0;
}

static int dec_cost(struct dec *d, json_t *o, struct sp_state_cost *c)
{
	static const char *const keys[] = { "at", "currency", "percentiles", "horizon_total", NULL };
	const char *at = NULL, *cur = NULL;
	size_t mark;
	int rc;

	memset(c, 0, sizeof(*c));
	if (!json_is_object(o))
		return bad(d, "must be an object, not %s", kind_of(o));
	if ((rc = check_keys(d, o, keys)) < 0 || (rc = get_str(d, o, "at", 1, &at)) < 0 ||
	    (rc = get_str(d, o, "currency", 1, &cur)) < 0 || (rc = dec_triple(d, o, "percentiles", c->pct)) < 0 ||
	    (rc = dec_triple(d, o, "horizon_total", c->horizon)) < 0)
		return rc;
	mark = push_key(d, "at");
	if (!month_valid(at))
		return bad(d, "'%s' is not a month like 2027-01", at);
	pop(d, mark);
	mark = push_key(d, "currency");
	if (!currency_valid(cur))
		return bad(d, "'%s' is not a currency code (1 to 7 capital letters, like USD)", cur);
	pop(d, mark);
	mark = push_key(d, "percentiles");
	for (size_t i = 0; i < 3; i++) {
		size_t m = push_idx(d, i);
		if (c->pct[i] <= 0 || c->pct[i] >= 100)
			return bad(d, "a percentile must be between 0 and 100 (exclusive)");
		if (i && c->pct[i] <= c->pct[i - 1])
			return bad(d, "the percentiles must increase");
		pop(d, m);
	}
	pop(d, mark);
	snprintf(c->at, sizeof(c->at), "%s", at);
	snprintf(c->currency, sizeof(c->currency), "%s", cur);
	c->present = 1;
	return 0;
}

static json_t *load(const char *text, size_t len, const char *origin, struct sp_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

	if (!root)
		sp_err_set(err, SP_EINVAL, origin, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0,
			   "invalid JSON: %s", je.text);
	return root;
}

static int dec_state(struct dec *d, json_t *root, struct sp_state *s)
{
	static const char *const keys_v1[] = { "version", "lineage", "serial", "scaleplan_version", "cost",
					       "resources", NULL };
	static const char *const keys_v2[] = { "version", "lineage", "serial", "scaleplan_version", "checksum",
					       "journal", "cost", "removed", "resources", NULL };
	json_t *v, *res;
	struct sp_hmap seen;
	size_t i, mark;
	int rc;

	if (!json_is_object(root))
		return bad(d, "a state must be a JSON object, not %s", kind_of(root));
	if (!(v = json_object_get(root, "version")))
		return bad(d, "missing key 'version' (the state format version, %d)", SP_STATE_VERSION);
	if (!json_is_integer(v))
		return bad(d, "version: must be an integer, not %s", kind_of(v));
	if (json_integer_value(v) < 1 || json_integer_value(v) > SP_STATE_VERSION)
		return bad(d, "version: unsupported state format version %" JSON_INTEGER_FORMAT
			      "; this scaleplan reads versions 1 to %d",
			   json_integer_value(v), SP_STATE_VERSION);
	s->read_version = (int)json_integer_value(v);
	if ((rc = check_keys(d, root, s->read_version == 1 ? keys_v1 : keys_v2)) < 0)
		return rc;
	/* an older format is read, and written as this one on the next write */
	s->version = SP_STATE_VERSION;
	s->lineage = NULL;
	if ((rc = get_str(d, root, "lineage", 1, &s->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(s->lineage))
		return bad(d, "lineage: '%s' is not a UUID (like 0f8fad5b-d9cb-469f-a165-70867728950e)", s->lineage);
	if (!(v = json_object_get(root, "serial")))
		return bad(d, "missing key 'serial'");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(d, "serial: must be a non-negative integer, not %s",
			   json_is_integer(v) ? "a negative one" : kind_of(v));
	s->serial = (uint64_t)json_integer_value(v);
	s->scaleplan_version = NULL;
	if ((rc = get_str(d, root, "scaleplan_version", 0, &s->scaleplan_version)) < 0)
		return rc;
	if ((v = json_object_get(root, "checksum"))) {
		/* its value was checked against the bytes before decoding */
		if (!d->checksum_seen)
			return bad(d, "checksum: the file is not laid out as scaleplan writes it, so its checksum cannot "
				      "be checked; remove the checksum from a state edited by hand");
		s->checksummed = 1;
	}
	if ((v = json_object_get(root, "journal"))) {
		const char *j = NULL;
		if ((rc = get_str(d, root, "journal", 1, &j)) < 0)
			return rc;
		if (!sp_uuid_valid(j) || strlen(j) >= sizeof(s->journal))
			return bad(d, "journal: '%s' is not a UUID", j);
		snprintf(s->journal, sizeof(s->journal), "%s", j);
	}
	if ((v = json_object_get(root, "removed"))) {
		json_t *x;
		mark = push_key(d, "removed");
		if (!json_is_array(v))
			return bad(d, "must be an array, not %s", kind_of(v));
		s->nremoved = s->removed_cap = json_array_size(v);
		s->removed = SP_NEWN(d->a, const char *, s->nremoved);
		json_array_foreach(v, i, x) {
			size_t m = push_idx(d, i);
			if (!json_is_string(x))
				return bad(d, "must be a string, not %s", kind_of(x));
			s->removed[i] = sp_arena_strndup(d->a, json_string_value(x), json_string_length(x));
			if (sp_resource_parse_address(NULL, s->removed[i], NULL, NULL, NULL) < 0)
				return bad(d, "'%s' is not a resource address", s->removed[i]);
			if (i && strcmp(s->removed[i - 1], s->removed[i]) >= 0)
				return bad(d, "the addresses must be sorted, each once ('%s' after '%s')", s->removed[i],
					   s->removed[i - 1]);
			pop(d, m);
		}
		pop(d, mark);
	}
	if ((v = json_object_get(root, "cost"))) {
		mark = push_key(d, "cost");
		if ((rc = dec_cost(d, v, &s->cost)) < 0)
			return rc;
		pop(d, mark);
	}
	if (!(res = json_object_get(root, "resources")))
		return bad(d, "missing key 'resources'");
	mark = push_key(d, "resources");
	if (!json_is_array(res))
		return bad(d, "must be an array, not %s", kind_of(res));
	s->resources.n = json_array_size(res);
	s->resources.v = SP_NEWN(d->a, struct sp_resource, s->resources.n);
	sp_hmap_init(&seen);
	json_array_foreach(res, i, v) {
		size_t m = push_idx(d, i);
		uint32_t first;
		if ((rc = dec_resource(d, v, 1, &s->resources.v[i])) < 0)
			goto out;
		if (sp_hmap_put(&seen, s->resources.v[i].address, (uint32_t)i, &first)) {
			rc = bad(d, "duplicate address '%s' (first at resources[%u])", s->resources.v[i].address,
				 (unsigned)first);
			goto out;
		}
		pop(d, m);
	}
	pop(d, mark);
	sp_resource_set_sort(&s->resources);
out:
	sp_hmap_free(&seen);
	return rc;
}

int sp_state_from_json(struct sp_state **out, const char *text, size_t len, const char *origin, struct sp_err *err)
{
	struct sp_state *s = sp_xcalloc(1, sizeof(*s));
	struct dec d = { origin ? origin : "state", &s->arena, err, SP_SB_INIT, 0 };
	json_t *root = NULL;
	int rc;

	*out = NULL;
	sp_arena_init(&s->arena);
	/* the bytes first: a damaged file is named as damaged, whatever the JSON says */
	if ((rc = verify_state_checksum(text, len, d.origin, err)) < 0)
		goto out;
	d.checksum_seen = rc;
	if (!(root = load(text, len, d.origin, err))) {
		rc = SP_EINVAL;
		goto out;
	}
	if ((rc = dec_state(&d, root, s)) < 0)
		goto out;
	*out = s;
	s = NULL;
out:
	json_decref(root);
	sp_sb_release(&d.path);
	sp_state_free(s);
	return rc;
}

int sp_resource_from_json(struct sp_resource *out, struct sp_arena *a, const char *text, size_t len,
			  const char *origin, struct sp_err *err)
{
	struct dec d = { origin ? origin : "resource", a, err, SP_SB_INIT, 0 };
	json_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(root = load(text, len, d.origin, err)))
		return SP_EINVAL;
	rc = dec_resource(&d, root, 0, out);
	json_decref(root);
	sp_sb_release(&d.path);
	return rc;
}

/* ---- journal ------------------------------------------------------------------------------------ */

/* One journal line: its entry decoded into e (strings in d->a). */
struct jentry {
	const char *lineage, *address;
	uint64_t serial;
	int deleted;
	struct sp_resource r;
};

static int dec_jentry(struct dec *d, json_t *o, struct jentry *e)
{
	static const char *const keys[] = { "lineage", "serial", "address", "resource", "crc32c", NULL };
	json_t *v;
	size_t mark;
	int rc;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return bad(d, "a journal entry must be a JSON object, not %s", kind_of(o));
	if ((rc = check_keys(d, o, keys)) < 0 || (rc = get_str(d, o, "lineage", 1, &e->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(e->lineage))
		return bad(d, "lineage: '%s' is not a UUID", e->lineage);
	if (!(v = json_object_get(o, "serial")))
		return bad(d, "missing key 'serial'");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return bad(d, "serial: must be a positive integer, not %s", json_is_integer(v) ? "that" : kind_of(v));
	e->serial = (uint64_t)json_integer_value(v);
	if ((rc = get_str(d, o, "address", 1, &e->address)) < 0)
		return rc;
	if (sp_resource_parse_address(NULL, e->address, NULL, NULL, NULL) < 0)
		return bad(d, "address: '%s' is not a resource address", e->address);
	if (!(v = json_object_get(o, "resource")))
		return bad(d, "missing key 'resource'");
	if (json_is_null(v)) {
		e->deleted = 1;
		return 0;
	}
	mark = push_key(d, "resource");
	if ((rc = dec_resource(d, v, 1, &e->r)) < 0)
		return rc;
	if (strcmp(e->r.address, e->address))
		return bad(d, "holds '%s', but the entry is for '%s'", e->r.address, e->address);
	pop(d, mark);
	return 0;
}

/* The header line: which journal, of which lineage, from which serial. */
struct jheader {
	const char *journal, *lineage;
	uint64_t serial;
};

static int dec_jheader(struct dec *d, json_t *o, struct jheader *h)
{
	static const char *const keys[] = { "journal", "lineage", "serial", "version", "crc32c", NULL };
	json_t *v;
	int rc;

	if ((rc = check_keys(d, o, keys)) < 0 || (rc = get_str(d, o, "journal", 1, &h->journal)) < 0 ||
	    (rc = get_str(d, o, "lineage", 1, &h->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(h->journal) || !sp_uuid_valid(h->lineage))
		return bad(d, "the journal's name and lineage must be UUIDs");
	v = json_object_get(o, "serial");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return bad(d, "serial: must be a non-negative integer");
	h->serial = (uint64_t)json_integer_value(v);
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 2 || json_integer_value(v) > SP_STATE_VERSION)
		return bad(d, "version: this scaleplan reads journal versions 2 to %d", SP_STATE_VERSION);
	return 0;
}

#define RECOVER_HINT "; " SP_STATE_RECOVER_HINT

int sp_state_journal_replay(struct sp_state *s, const char *text, size_t len, const char *origin, const char *expect,
			    int flags, struct sp_err *err)
{
	struct dec d = { origin ? origin : "journal", &s->arena, err, SP_SB_INIT, 0 };
	struct sp_hmap idx;
	struct sp_resource *v;
	char *alive;
	size_t lines = 0, n = s->resources.n, lineno = 0;
	int applied = 0, rc = 0, header = 0, leftover = 0;
	const char *p = text, *end = text + len, *lineage = s->lineage;
	uint64_t serial = s->serial;   /* s changes only when the whole journal is good */

	if (expect && !*expect)
		expect = NULL;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (!lines) {
		if (expect)
			return sp_err_set(err, SP_ECORRUPT, d.origin, 0, 0,
					  "damaged journal: the state names journal %s, but this file is %s%s", expect,
					  len ? "cut inside its header" : "empty", RECOVER_HINT);
		return 0;
	}
	/* a working copy of the resources, addressable by address, with room for every entry */
	v = SP_NEWN(&s->arena, struct sp_resource, n + lines);
	alive = sp_xmalloc(n + lines);
	sp_hmap_init(&idx);
	for (size_t i = 0; i < n; i++) {
		v[i] = s->resources.v[i];
		alive[i] = 1;
		sp_hmap_put(&idx, v[i].address, (uint32_t)i, NULL);
	}
	/* every complete line; a last line without its newline is an append cut
	 * short (by a kill, or a crash before its sync), never acknowledged */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t je;
		json_t *o;
		struct jentry e;
		uint32_t j;
		int sealed;

		if (!nl)
			break;
		lineno++;
		if ((sealed = verify_line(p, (size_t)(nl - p), d.origin, (int)lineno, err)) < 0) {
			rc = sealed;
			if (err) {
				size_t k = strlen(err->msg);
				snprintf(err->msg + k, sizeof(err->msg) - k, "%s", RECOVER_HINT);
			}
			goto out;
		}
		o = json_loadb(p, (size_t)(nl - p), JSON_REJECT_DUPLICATES, &je);
		p = nl + 1;
		if (!o) {
			rc = sp_err_set(err, sealed || header ? SP_ECORRUPT : SP_EINVAL, d.origin, (int)lineno,
					je.column > 0 ? je.column : 0, "invalid JSON in the journal: %s", je.text);
			goto out;
		}
		if (lineno == 1 && json_is_object(o) && json_object_get(o, "journal")) {
			struct jheader h;
			rc = dec_jheader(&d, o, &h);
			json_decref(o);
			pop(&d, 0);
			if (rc < 0) {
				if (err)
					err->line = 1;
				goto out;
			}
			if (!sealed) {
				rc = sp_err_set(err, SP_ECORRUPT, d.origin, 1, 0, "damaged journal: its header has no checksum%s",
						RECOVER_HINT);
				goto out;
			}
			if ((flags & SP_JOURNAL_ADOPT) && !expect)
				lineage = h.lineage;
			if (strcmp(h.lineage, lineage)) {
				rc = sp_err_set(err, SP_ECORRUPT, d.origin, 1, 0,
						"this journal belongs to lineage %s, but the state has lineage %s: it is "
						"another state's journal%s",
						h.lineage, lineage, RECOVER_HINT);
				goto out;
			}
			if (expect && strcmp(h.journal, expect)) {
				rc = sp_err_set(err, SP_ECORRUPT, d.origin, 1, 0,
						"this is journal %s, but the state names journal %s: it belongs to another "
						"apply%s",
						h.journal, expect, RECOVER_HINT);
				goto out;
			}
			if (expect && h.serial != serial) {
				rc = sp_err_set(err, SP_ECORRUPT, d.origin, 1, 0,
						"this journal starts at serial %llu, but the state that names it has serial "
						"%llu%s",
						(unsigned long long)h.serial, (unsigned long long)serial, RECOVER_HINT);
				goto out;
			}
			/* a journal the state does not name was folded in by a write that
			 * stopped before removing it: every entry must be in the state */
			leftover = !expect;
			header = 1;
			continue;
		}
		if (lineno == 1 && (expect || !(flags & SP_JOURNAL_LEGACY))) {
			json_decref(o);
			rc = sp_err_set(err, SP_ECORRUPT, d.origin, 1, 0,
					"damaged journal: its first line is not the journal's header%s", RECOVER_HINT);
			goto out;
		}
		if (header && !sealed) {
			json_decref(o);
			rc = sp_err_set(err, SP_ECORRUPT, d.origin, (int)lineno, 0,
					"damaged journal record: it has no checksum%s", RECOVER_HINT);
			goto out;
		}
		rc = dec_jentry(&d, o, &e);
		json_decref(o);
		pop(&d, 0);
		if (rc < 0) {
			if (err) {
				err->line = (int)lineno;
				if (header)
					err->code = rc = SP_ECORRUPT;
			}
			goto out;
		}
		if ((flags & SP_JOURNAL_ADOPT) && !header && lineno == 1)
			lineage = e.lineage; /* a format-1 journal with no state file names the history */
		if (strcmp(e.lineage, lineage)) {
			rc = sp_err_set(err, SP_ECORRUPT, d.origin, (int)lineno, 0,
					"this journal entry belongs to lineage %s, but the state has lineage %s%s", e.lineage,
					lineage, RECOVER_HINT);
			goto out;
		}
		if (e.serial <= serial)
			continue; /* already in the state: a write folded it in and stopped before removing the journal */
		if (leftover) {
			rc = sp_err_set(err, SP_ECORRUPT, d.origin, (int)lineno, 0,
					"this journal records serial %llu, past the state's serial %llu, but the state "
					"names no journal: the state file was replaced while an apply was recording%s",
					(unsigned long long)e.serial, (unsigned long long)serial, RECOVER_HINT);
			goto out;
		}
		if (e.serial != serial + 1) {
			rc = sp_err_set(err, SP_ECORRUPT, d.origin, (int)lineno, 0,
					"this journal entry has serial %llu, but the state's serial is %llu: the entries "
					"between are missing%s",
					(unsigned long long)e.serial, (unsigned long long)serial, RECOVER_HINT);
			goto out;
		}
		if (sp_hmap_get(&idx, e.address, &j) < 0) {
			j = (uint32_t)n++;
			alive[j] = 0;
			sp_hmap_put(&idx, e.address, j, NULL);
		}
		if (e.deleted) {
			alive[j] = 0;
		} else {
			v[j] = e.r;
			alive[j] = 1;
		}
		serial = e.serial;
		applied++;
	}
	if (expect && !header) {
		rc = sp_err_set(err, SP_ECORRUPT, d.origin, 0, 0,
				"damaged journal: the state names journal %s, but this file is cut inside its header%s",
				expect, RECOVER_HINT);
		goto out;
	}
	if (applied) {
		s->lineage = lineage;
		s->serial = serial;
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (alive[i])
				v[k++] = v[i];
		s->resources.v = v;
		s->resources.n = k;
		sp_resource_set_sort(&s->resources);
	}
	rc = applied;
out:
	free(alive);
	sp_hmap_free(&idx);
	sp_sb_release(&d.path);
	return rc;
}
