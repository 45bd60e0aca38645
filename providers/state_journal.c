/* The state's journal (providers/state_journal.h): writing its lines, and
 * replaying them over a state. Each line is one compact JSON object sealed
 * with its checksum; the resource it records is in the state's encoding
 * (providers/resource_json.h). */
#include "providers/state_journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hmap.h"
#include "lib/json.h"
#include "lib/xalloc.h"
#include "providers/checksum.h"
#include "providers/resource_json.h"
#include "providers/uuid.h"

/* ---- writing ------------------------------------------------------------------------------------ */

/* Dumps root on one line and seals it; root is released. */
static int seal_dump(json_t *root, char **out, struct sp_err *err)
{
	int rc = sp_json_dump(root, SP_JSON_COMPACT, out, err);

	if (rc == 0)
		*out = sp_checksum_seal_line(*out);
	json_decref(root);
	return rc;
}

int sp_state_journal_line(const char *lineage, uint64_t serial, const char *address, const struct sp_resource *now,
			  char **out, struct sp_err *err)
{
	json_t *root, *res = NULL;
	int rc;

	*out = NULL;
	if (!lineage || !sp_uuid_valid(lineage))
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the state's lineage '%s' is not a UUID", lineage ? lineage : "");
	if (!address || sp_resource_parse_address(NULL, address, NULL, NULL, NULL) < 0)
		return sp_err_set(err, SP_EINVAL, address ? address : "", 0, 0,
				  "'%s' is not a resource address (like service.web-api[us-east-1])", address ? address : "");
	if (serial < 1 || serial > INT64_MAX)
		return sp_err_set(err, SP_EINVAL, address, 0, 0, "serial %llu is out of range", (unsigned long long)serial);
	if (now && (!now->address || strcmp(now->address, address)))
		return sp_err_set(err, SP_EINVAL, address, 0, 0, "the resource recorded has another address ('%s')",
				  now->address ? now->address : "");
	if (now && (rc = sp_resource_json_encode(now, SP_RESOURCE_JSON_FULL, &res, err)) < 0)
		return rc;
	root = json_object();
	json_object_set_new(root, "lineage", json_string(lineage));
	json_object_set_new(root, "serial", json_integer((json_int_t)serial));
	json_object_set_new(root, "address", json_string(address));
	json_object_set_new(root, "resource", res ? res : json_null());
	return seal_dump(root, out, err);
}

int sp_state_journal_header(const char *journal, const char *lineage, uint64_t serial, char **out,
			    struct sp_err *err)
{
	json_t *root;

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
	return seal_dump(root, out, err);
}

/* ---- decoding a line ---------------------------------------------------------------------------- */

/* One journal line: its entry decoded into e (strings in d->a). */
struct jentry {
	const char *lineage, *address;
	uint64_t serial;
	int deleted;
	struct sp_resource r;
};

static int dec_jentry(struct sp_jdec *d, json_t *o, struct jentry *e)
{
	static const char *const keys[] = { "lineage", "serial", "address", "resource", "crc32c", NULL };
	json_t *v;
	size_t mark;
	int rc;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return sp_jdec_fail(d, "a journal entry must be a JSON object, not %s", sp_json_kind(o));
	if ((rc = sp_jdec_keys(d, o, keys)) < 0 || (rc = sp_jdec_str(d, o, "lineage", SP_JREQ, &e->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(e->lineage))
		return sp_jdec_fail(d, "lineage: '%s' is not a UUID", e->lineage);
	if (!(v = json_object_get(o, "serial")))
		return sp_jdec_fail(d, "missing key 'serial'");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return sp_jdec_fail(d, "serial: must be a positive integer, not %s",
				    json_is_integer(v) ? "that" : sp_json_kind(v));
	e->serial = (uint64_t)json_integer_value(v);
	if ((rc = sp_jdec_str(d, o, "address", SP_JREQ, &e->address)) < 0)
		return rc;
	if (sp_resource_parse_address(NULL, e->address, NULL, NULL, NULL) < 0)
		return sp_jdec_fail(d, "address: '%s' is not a resource address", e->address);
	if (!(v = json_object_get(o, "resource")))
		return sp_jdec_fail(d, "missing key 'resource'");
	if (json_is_null(v)) {
		e->deleted = 1;
		return 0;
	}
	mark = sp_jdec_push_key(d, "resource");
	if ((rc = sp_resource_json_decode(d, v, SP_RESOURCE_JSON_FULL, &e->r)) < 0)
		return rc;
	if (strcmp(e->r.address, e->address))
		return sp_jdec_fail(d, "holds '%s', but the entry is for '%s'", e->r.address, e->address);
	sp_jdec_pop(d, mark);
	return 0;
}

/* The header line: which journal, of which lineage, from which serial. */
struct jheader {
	const char *journal, *lineage;
	uint64_t serial;
};

static int dec_jheader(struct sp_jdec *d, json_t *o, struct jheader *h)
{
	static const char *const keys[] = { "journal", "lineage", "serial", "version", "crc32c", NULL };
	json_t *v;
	int rc;

	if ((rc = sp_jdec_keys(d, o, keys)) < 0 || (rc = sp_jdec_str(d, o, "journal", SP_JREQ, &h->journal)) < 0 ||
	    (rc = sp_jdec_str(d, o, "lineage", SP_JREQ, &h->lineage)) < 0)
		return rc;
	if (!sp_uuid_valid(h->journal) || !sp_uuid_valid(h->lineage))
		return sp_jdec_fail(d, "the journal's name and lineage must be UUIDs");
	v = json_object_get(o, "serial");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return sp_jdec_fail(d, "serial: must be a non-negative integer");
	h->serial = (uint64_t)json_integer_value(v);
	v = json_object_get(o, "version");
	if (!json_is_integer(v) || json_integer_value(v) < 2 || json_integer_value(v) > SP_STATE_VERSION)
		return sp_jdec_fail(d, "version: this scaleplan reads journal versions 2 to %d", SP_STATE_VERSION);
	return 0;
}

/* ---- replaying ---------------------------------------------------------------------------------- */

#define RECOVER_HINT "; " SP_STATE_RECOVER_HINT

/* A replay in progress: a working copy of the resources, addressable by
 * address, with room for every entry; s changes only when the whole
 * journal is good. */
struct replay {
	struct sp_jdec d;
	const char *expect;         /* the journal the state names, or NULL */
	int flags;
	struct sp_hmap idx;         /* address -> index in v */
	struct sp_resource *v;
	char *alive;                /* v[i] exists (not deleted) */
	size_t n;
	const char *lineage;
	uint64_t serial;
	int applied, header, leftover;
};

/* The first line, when it is a header: it must be sealed and belong to this state (and this apply). */
static int replay_header(struct replay *rp, json_t *o, int sealed)
{
	struct sp_err *err = rp->d.err;
	const char *origin = rp->d.origin;
	struct jheader h;
	int rc = dec_jheader(&rp->d, o, &h);

	sp_jdec_pop(&rp->d, 0);
	if (rc < 0) {
		if (err)
			err->line = 1;
		return rc;
	}
	if (!sealed)
		return sp_err_set(err, SP_ECORRUPT, origin, 1, 0, "damaged journal: its header has no checksum%s",
				  RECOVER_HINT);
	if ((rp->flags & SP_JOURNAL_ADOPT) && !rp->expect)
		rp->lineage = h.lineage;
	if (strcmp(h.lineage, rp->lineage))
		return sp_err_set(err, SP_ECORRUPT, origin, 1, 0,
				  "this journal belongs to lineage %s, but the state has lineage %s: it is another "
				  "state's journal%s",
				  h.lineage, rp->lineage, RECOVER_HINT);
	if (rp->expect && strcmp(h.journal, rp->expect))
		return sp_err_set(err, SP_ECORRUPT, origin, 1, 0,
				  "this is journal %s, but the state names journal %s: it belongs to another apply%s",
				  h.journal, rp->expect, RECOVER_HINT);
	if (rp->expect && h.serial != rp->serial)
		return sp_err_set(err, SP_ECORRUPT, origin, 1, 0,
				  "this journal starts at serial %llu, but the state that names it has serial %llu%s",
				  (unsigned long long)h.serial, (unsigned long long)rp->serial, RECOVER_HINT);
	/* a journal the state does not name was folded in by a write that
	 * stopped before removing it: every entry must be in the state */
	rp->leftover = !rp->expect;
	rp->header = 1;
	return 0;
}

/* An entry's serial against the state's: 1 to apply it, 0 to skip it (a
 * write folded it in and stopped before removing the journal), or damage. */
static int entry_in_order(struct replay *rp, const struct jentry *e, int lineno)
{
	struct sp_err *err = rp->d.err;
	const char *origin = rp->d.origin;

	if (strcmp(e->lineage, rp->lineage))
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "this journal entry belongs to lineage %s, but the state has lineage %s%s", e->lineage,
				  rp->lineage, RECOVER_HINT);
	if (e->serial <= rp->serial)
		return 0;
	if (rp->leftover)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "this journal records serial %llu, past the state's serial %llu, but the state names no "
				  "journal: the state file was replaced while an apply was recording%s",
				  (unsigned long long)e->serial, (unsigned long long)rp->serial, RECOVER_HINT);
	if (e->serial != rp->serial + 1)
		return sp_err_set(err, SP_ECORRUPT, origin, lineno, 0,
				  "this journal entry has serial %llu, but the state's serial is %llu: the entries "
				  "between are missing%s",
				  (unsigned long long)e->serial, (unsigned long long)rp->serial, RECOVER_HINT);
	return 1;
}

/* A line after the header (or any line of a format-1 journal): one entry, applied when it is the next. */
static int replay_entry(struct replay *rp, json_t *o, int sealed, int lineno)
{
	struct sp_err *err = rp->d.err;
	struct jentry e;
	uint32_t j;
	int rc;

	if (lineno == 1 && (rp->expect || !(rp->flags & SP_JOURNAL_LEGACY)))
		return sp_err_set(err, SP_ECORRUPT, rp->d.origin, 1, 0,
				  "damaged journal: its first line is not the journal's header%s", RECOVER_HINT);
	if (rp->header && !sealed)
		return sp_err_set(err, SP_ECORRUPT, rp->d.origin, lineno, 0,
				  "damaged journal record: it has no checksum%s", RECOVER_HINT);
	rc = dec_jentry(&rp->d, o, &e);
	sp_jdec_pop(&rp->d, 0);
	if (rc < 0) {
		if (err) {
			err->line = lineno;
			if (rp->header)
				err->code = rc = SP_ECORRUPT;
		}
		return rc;
	}
	if ((rp->flags & SP_JOURNAL_ADOPT) && !rp->header && lineno == 1)
		rp->lineage = e.lineage; /* a format-1 journal with no state file names the history */
	if ((rc = entry_in_order(rp, &e, lineno)) <= 0)
		return rc;
	if (sp_hmap_get(&rp->idx, e.address, &j) < 0) {
		j = (uint32_t)rp->n++;
		rp->alive[j] = 0;
		sp_hmap_put(&rp->idx, e.address, j, NULL);
	}
	if (e.deleted) {
		rp->alive[j] = 0;
	} else {
		rp->v[j] = e.r;
		rp->alive[j] = 1;
	}
	rp->serial = e.serial;
	rp->applied++;
	return 0;
}

/* One complete line (n bytes, without its newline). */
static int replay_line(struct replay *rp, const char *p, size_t n, int lineno)
{
	struct sp_err *err = rp->d.err;
	json_error_t je;
	json_t *o;
	int sealed, rc;

	if ((sealed = sp_checksum_verify_line(p, n, rp->d.origin, lineno, err)) < 0) {
		if (err) {
			size_t k = strlen(err->msg);
			snprintf(err->msg + k, sizeof(err->msg) - k, "%s", RECOVER_HINT);
		}
		return sealed;
	}
	if (!(o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je)))
		return sp_err_set(err, sealed || rp->header ? SP_ECORRUPT : SP_EINVAL, rp->d.origin, lineno,
				  je.column > 0 ? je.column : 0, "invalid JSON in the journal: %s", je.text);
	if (lineno == 1 && json_is_object(o) && json_object_get(o, "journal"))
		rc = replay_header(rp, o, sealed);
	else
		rc = replay_entry(rp, o, sealed, lineno);
	json_decref(o);
	return rc;
}

int sp_state_journal_replay(struct sp_state *s, const char *text, size_t len, const char *origin, const char *expect,
			    int flags, struct sp_err *err)
{
	struct replay rp;
	size_t lines = 0;
	int rc = 0, lineno = 0;
	const char *p = text, *end = text + len;

	memset(&rp, 0, sizeof(rp));
	sp_jdec_init(&rp.d, origin ? origin : "journal", &s->arena, err, SP_JDEC_MUST_BE);
	rp.expect = expect && *expect ? expect : NULL;
	rp.flags = flags;
	rp.lineage = s->lineage;
	rp.serial = s->serial;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (!lines) {
		if (rp.expect)
			return sp_err_set(err, SP_ECORRUPT, rp.d.origin, 0, 0,
					  "damaged journal: the state names journal %s, but this file is %s%s", rp.expect,
					  len ? "cut inside its header" : "empty", RECOVER_HINT);
		return 0;
	}
	rp.n = s->resources.n;
	rp.v = SP_NEWN(&s->arena, struct sp_resource, rp.n + lines);
	rp.alive = sp_xmalloc(rp.n + lines);
	sp_hmap_init(&rp.idx);
	for (size_t i = 0; i < rp.n; i++) {
		rp.v[i] = s->resources.v[i];
		rp.alive[i] = 1;
		sp_hmap_put(&rp.idx, rp.v[i].address, (uint32_t)i, NULL);
	}
	/* every complete line; a last line without its newline is an append cut
	 * short (by a kill, or a crash before its sync), never acknowledged */
	for (const char *nl; p < end && (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1)
		if ((rc = replay_line(&rp, p, (size_t)(nl - p), ++lineno)) < 0)
			goto out;
	if (rp.expect && !rp.header) {
		rc = sp_err_set(err, SP_ECORRUPT, rp.d.origin, 0, 0,
				"damaged journal: the state names journal %s, but this file is cut inside its header%s",
				rp.expect, RECOVER_HINT);
		goto out;
	}
	if (rp.applied) {
		size_t k = 0;
		s->lineage = rp.lineage;
		s->serial = rp.serial;
		for (size_t i = 0; i < rp.n; i++)
			if (rp.alive[i])
				rp.v[k++] = rp.v[i];
		s->resources.v = rp.v;
		s->resources.n = k;
		sp_resource_set_sort(&s->resources);
	}
	rc = rp.applied;
out:
	free(rp.alive);
	sp_hmap_free(&rp.idx);
	return rc;
}
