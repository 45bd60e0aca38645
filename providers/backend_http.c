/* The HTTP state backend: Terraform's `http` backend protocol
 * (providers/backend_http.h, docs/providers.md "The HTTP backend").
 *
 * The server holds one document, the state, exactly as the local backend
 * writes its file (providers/state_json.c: format 2, with its checksum), so
 * a state pulled from one backend pushes to the other. A lock is the lock
 * info JSON of Terraform's protocol, held by the server until an UNLOCK:
 * unlike a flock(2), it does not end with its process, so a holder killed
 * with kill -9 leaves it, and `scaleplan state unlock ID` releases it.
 *
 * The protocol has no journal and no append: apply's record() keeps each
 * operation as a journal line in memory (the journal codec of
 * providers/state_journal.c), and the state with those lines replayed is
 * sent at most every few seconds, and by the write that ends the apply. */
#include "providers/backend_http.h"

#include <errno.h>
#include <jansson.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/http.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"
#include "providers/uuid.h"
#include "providers/where.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

#define PERSIST_MS 5000
#define BACKOFF_START_MS 50
#define BACKOFF_MAX_MS 1000

struct httpb {
	struct sp_backend b;
	struct sp_http *http;
	char *address, *lock_address, *unlock_address; /* expanded; NULL: no locking */
	char *update_method, *lock_method, *unlock_method;
	char shown[256];            /* the address without credentials, for messages */
	char *where;                /* "http " + shown */
	/* the lock this backend holds */
	int locked;
	char lock_id[40];
	char *lock_json;            /* the lock info LOCK sent; UNLOCK sends it again */
	/* while locked: the stored state's serial and lineage, once read or written */
	int known;
	uint64_t known_serial;
	char known_lineage[40];
	/* apply's operations: the state last sent (or being sent), the
	 * operations since as journal lines after their header, and when the
	 * state was last sent */
	struct sp_state *base;
	int base_unsent;
	char journal_id[40];
	struct sp_sb pending;
	size_t npending;
	long persist_ms, last_persist;
};

static struct httpb *H(struct sp_backend *b)
{
	return b->ctx;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (ms > 0 && nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ---- requests and their answers ------------------------------------------------------------------ */

/* The body as one printable line of at most 160 characters. */
static void excerpt(const struct sp_sb *b, char *out, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < b->len && i < 160 && j + 4 < n; i++) {
		unsigned char ch = (unsigned char)b->buf[i];
		out[j++] = ch >= 32 && ch < 127 ? (char)ch : ' ';
	}
	if (b->len > 160 && j + 4 < n) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
}

/* One request: every one may be sent again (see backend_http.h). 0 with
 * *resp for a 2xx or 4xx answer, for the caller to read; otherwise the
 * client's error (SP_EIO: no answer, or 5xx/429 after the retries). */
static int request(struct httpb *h, const char *method, const char *url, const char *body, size_t len,
		   struct sp_http_resp *resp, struct sp_err *err)
{
	return sp_http_request(h->http, method, url, body, len, NULL, NULL, 0, SP_HTTP_RETRY | SP_HTTP_NO_4XX_ERR, resp,
			       err);
}

/* 401 and 403: the credentials, never shown. */
static int refused(const char *method, const char *url, long status, struct sp_err *err)
{
	char shown[256];

	sp_http_redact(url, shown, sizeof shown);
	return sp_err_set(err, SP_EINVAL, shown, 0, 0,
			  "%s %s: the server refused the credentials (HTTP %ld); they come from "
			  "SCALEPLAN_HTTP_USERNAME and SCALEPLAN_HTTP_PASSWORD, else TF_HTTP_USERNAME and "
			  "TF_HTTP_PASSWORD, else the spec's username and password",
			  method, shown, status);
}

/* Any other answer the protocol does not expect. */
static int unexpected(const char *method, const char *url, const struct sp_http_resp *resp, struct sp_err *err)
{
	char shown[256], ex[200];

	sp_http_redact(url, shown, sizeof shown);
	excerpt(&resp->body, ex, sizeof ex);
	return sp_err_set(err, SP_EINVAL, shown, 0, 0, "%s %s: the server answered HTTP %ld%s%s", method, shown,
			  resp->status, ex[0] ? ": " : "", ex);
}

/* ---- lock info ------------------------------------------------------------------------------------ */

static void copy_field(char *dst, size_t size, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	snprintf(dst, size, "%s", s ? s : "");
}

/* The holder's lock info from a 409 or 423 answer; -1 (and *info empty)
 * when the body says nothing usable. Terraform's fields; Info, when
 * scaleplan wrote it, names the process ("scaleplan pid N on HOST"). */
static int parse_holder(const struct sp_sb *body, struct sp_lock_info *info)
{
	json_t *o;
	const char *at;
	char text[160];

	memset(info, 0, sizeof(*info));
	o = body->len ? json_loadb(body->buf, body->len, 0, NULL) : NULL;
	if (!json_is_object(o) || !json_is_string(json_object_get(o, "ID"))) {
		json_decref(o);
		return -1;
	}
	copy_field(info->id, sizeof(info->id), o, "ID");
	copy_field(info->who, sizeof(info->who), o, "Who");
	copy_field(info->operation, sizeof(info->operation), o, "Operation");
	copy_field(info->created, sizeof(info->created), o, "Created");
	copy_field(text, sizeof(text), o, "Info");
	json_decref(o);
	if (sscanf(text, "scaleplan pid %ld on %127s", &info->pid, info->host) != 2) {
		info->pid = 0;
		at = strrchr(info->who, '@');
		snprintf(info->host, sizeof(info->host), "%s", at ? at + 1 : "");
	}
	return info->id[0] ? 0 : -1;
}

/* "ci@runner-7 for 'apply' since 2027-01-14T09:30:12Z; lock ID 5f1c..." */
static void describe(struct sp_sb *sb, const struct sp_lock_info *l)
{
	sp_sb_addf(sb, "%s", l->who[0] ? l->who : "an unknown holder");
	if (l->operation[0])
		sp_sb_addf(sb, " for '%s'", l->operation);
	if (l->created[0])
		sp_sb_addf(sb, " since %s", l->created);
	sp_sb_addf(sb, "; lock ID %s", l->id);
}

static void fill_mine(struct sp_lock_info *m, const char *id, const char *operation)
{
	char user[64] = "", pwbuf[1024];
	struct passwd pw, *res = NULL;
	struct tm tm;
	time_t now = time(NULL);

	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->operation, sizeof(m->operation), "%s", operation ? operation : "");
	if (gethostname(m->host, sizeof(m->host) - 1) < 0 || !m->host[0])
		snprintf(m->host, sizeof(m->host), "unknown");
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_name)
		snprintf(user, sizeof(user), "%s", res->pw_name);
	else if (getenv("USER"))
		snprintf(user, sizeof(user), "%s", getenv("USER"));
	else
		snprintf(user, sizeof(user), "uid %u", (unsigned)geteuid());
	snprintf(m->who, sizeof(m->who), "%.63s@%.63s", user, m->host);
	gmtime_r(&now, &tm);
	strftime(m->created, sizeof(m->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	m->pid = (long)getpid();
}

/* s as a JSON string, any byte that is not printable ASCII as '?' (a host
 * name is not always UTF-8, and the server must read every field). */
static json_t *jstr(const char *s, size_t max)
{
	char buf[256];
	size_t i;

	for (i = 0; s[i] && i < max && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)s[i] >= 32 && (unsigned char)s[i] < 127 ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

/* Terraform's lock info, its fields in Terraform's order; malloc'd. */
static char *lock_json(const struct httpb *h, const struct sp_lock_info *m)
{
	json_t *o = json_object();
	char info[200], *text = NULL;

	snprintf(info, sizeof(info), "scaleplan pid %ld on %s", m->pid, m->host);
	json_object_set_new(o, "ID", jstr(m->id, sizeof(m->id)));
	json_object_set_new(o, "Operation", jstr(m->operation, sizeof(m->operation)));
	json_object_set_new(o, "Info", jstr(info, sizeof(info)));
	json_object_set_new(o, "Who", jstr(m->who, sizeof(m->who)));
	json_object_set_new(o, "Version", json_string(SP_VERSION));
	json_object_set_new(o, "Created", jstr(m->created, sizeof(m->created)));
	json_object_set_new(o, "Path", jstr(h->shown, sizeof(h->shown)));
	if (sp_json_dump(o, SP_JSON_COMPACT, &text, NULL) < 0)
		text = sp_xstrdup("{}"); /* not reached: every value is a printable ASCII string */
	json_decref(o);
	return text;
}

static int no_locking(struct httpb *h, const char *what, struct sp_err *err)
{
	return sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
			  "%s needs the state lock, and this HTTP backend has no lock_address: a command that changes "
			  "the state always holds its lock, so that two of them never write at once; set lock_address "
			  "(and unlock_address when it differs) to the server's lock endpoint",
			  what);
}

/* Releases the lock this backend holds; it is forgotten whatever the
 * server says (a lock the server no longer holds is not ours to keep). */
static int release(struct httpb *h, struct sp_err *err)
{
	struct sp_http_resp resp;
	struct sp_lock_info other;
	struct sp_sb sb = SP_SB_INIT;
	int rc;

	rc = request(h, h->unlock_method, h->unlock_address, h->lock_json, strlen(h->lock_json), &resp, err);
	if (rc == 0 && resp.status >= 300) {
		if (resp.status == 401 || resp.status == 403) {
			rc = refused(h->unlock_method, h->unlock_address, resp.status, err);
		} else if ((resp.status == 409 || resp.status == 423) && parse_holder(&resp.body, &other) == 0 &&
			   strcmp(other.id, h->lock_id)) {
			sp_sb_addf(&sb, "%s %s: this command's lock (ID %s) is gone: someone released it, and the "
					"server now holds the lock of ",
				   h->unlock_method, h->shown, h->lock_id);
			describe(&sb, &other);
			rc = sp_err_set(err, SP_ELOCKED, h->shown, 0, 0, "%s", sb.buf);
		} else if (resp.status != 409 && resp.status != 423) {
			rc = unexpected(h->unlock_method, h->unlock_address, &resp, err);
		}
		/* 409 or 423 with no holder: the server holds no lock, so ours is released */
	}
	sp_http_resp_free(&resp);
	sp_sb_release(&sb);
	h->locked = 0;
	h->known = 0;
	h->lock_id[0] = '\0';
	free(h->lock_json);
	h->lock_json = NULL;
	return rc;
}

static int http_lock(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *mine,
		     struct sp_lock_info *holder, struct sp_err *err)
{
	struct httpb *h = H(b);
	struct sp_lock_info info, other;
	struct sp_http_resp resp;
	struct sp_sb sb = SP_SB_INIT;
	char id[37], *body = NULL;
	long start = now_ms(), delay = BACKOFF_START_MS;
	unsigned attempt = 0;
	int rc;

	memset(&other, 0, sizeof(other));
	memset(&resp, 0, sizeof(resp));
	if (h->locked) {
		rc = sp_err_set(err, SP_EINVAL, h->shown, 0, 0, "this process already holds the state lock (lock ID %s)",
				h->lock_id);
		goto out;
	}
	if (!h->lock_address) {
		rc = no_locking(h, operation && *operation ? operation : "this command", err);
		goto out;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	if ((rc = sp_uuid_v4(id, err)) < 0)
		goto out;
	fill_mine(&info, id, operation);
	body = lock_json(h, &info);
	for (;;) {
		sp_http_resp_free(&resp);
		if ((rc = request(h, h->lock_method, h->lock_address, body, strlen(body), &resp, err)) < 0)
			goto out;
		if (resp.status < 300)
			break;
		if (resp.status == 401 || resp.status == 403) {
			rc = refused(h->lock_method, h->lock_address, resp.status, err);
			goto out;
		}
		if (resp.status != 409 && resp.status != 423) {
			rc = unexpected(h->lock_method, h->lock_address, &resp, err);
			goto out;
		}
		/* a LOCK whose answer was lost, sent again, finds our own lock */
		if (parse_holder(&resp.body, &other) == 0 && !strcmp(other.id, id))
			break;
		long waited = now_ms() - start;
		if (waited >= timeout_ms) {
			sp_sb_addf(&sb, "the state at %s is locked by ", h->shown);
			if (other.id[0])
				describe(&sb, &other);
			else
				sp_sb_addf(&sb, "another command (the server answered HTTP %ld without the holder's lock "
						"info)",
					   resp.status);
			if (timeout_ms)
				sp_sb_addf(&sb, "; gave up after waiting %ld.%01ld s", waited / 1000, waited % 1000 / 100);
			rc = sp_err_set(err, SP_ELOCKED, h->shown, 0, 0, "%s", sb.buf);
			goto out;
		}
		/* jitter in [0.75, 1.25) x delay, varied by pid so that waiters spread out */
		unsigned x = ((unsigned)getpid() * 2654435761u) ^ (attempt++ * 40503u);
		long pause = delay * (75 + (long)(x % 50)) / 100;
		if (pause > timeout_ms - waited)
			pause = timeout_ms - waited;
		sleep_ms(pause);
		delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	}
	h->locked = 1;
	h->known = 0;
	snprintf(h->lock_id, sizeof(h->lock_id), "%s", id);
	h->lock_json = body;
	body = NULL;
	if (mine)
		*mine = info;
	memset(&other, 0, sizeof(other));
	rc = 0;
out:
	if (holder)
		*holder = other;
	sp_http_resp_free(&resp);
	sp_sb_release(&sb);
	free(body);
	return rc;
}

/* state unlock ID, without holding the lock: UNLOCK with that ID. */
static int force_unlock(struct httpb *h, const char *id, struct sp_err *err)
{
	struct sp_lock_info info, other;
	struct sp_http_resp resp;
	struct sp_sb sb = SP_SB_INIT;
	char *body;
	int rc;

	fill_mine(&info, id, "state unlock");
	body = lock_json(h, &info);
	rc = request(h, h->unlock_method, h->unlock_address, body, strlen(body), &resp, err);
	if (rc < 0 || resp.status < 300)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		rc = refused(h->unlock_method, h->unlock_address, resp.status, err);
	} else if (resp.status == 404) {
		rc = sp_err_set(err, SP_ENOTFOUND, h->shown, 0, 0, "%s %s: the server holds no such state or lock (HTTP 404)",
				h->unlock_method, h->shown);
	} else if (resp.status == 409 || resp.status == 423) {
		if (parse_holder(&resp.body, &other) == 0 && strcmp(other.id, id)) {
			sp_sb_addf(&sb, "lock ID '%s' is not the lock the server holds, which is ", id);
			describe(&sb, &other);
			sp_sb_adds(&sb, "; nothing was changed");
			rc = sp_err_set(err, SP_EINVAL, h->shown, 0, 0, "%s", sb.buf);
		} else if (other.id[0]) {
			rc = sp_err_set(err, SP_EIO, h->shown, 0, 0, "%s %s: the server refused to release lock %s, which it "
								 "holds (HTTP %ld)",
					h->unlock_method, h->shown, id, resp.status);
		} else {
			rc = sp_err_set(err, SP_ENOTFOUND, h->shown, 0, 0,
					"the state is not locked: the server holds no lock with ID %s (HTTP %ld)", id,
					resp.status);
		}
	} else {
		rc = unexpected(h->unlock_method, h->unlock_address, &resp, err);
	}
out:
	sp_http_resp_free(&resp);
	sp_sb_release(&sb);
	free(body);
	return rc;
}

static int http_unlock(struct sp_backend *b, const char *id, struct sp_err *err)
{
	struct httpb *h = H(b);

	if (!id)
		id = "";
	if (!h->unlock_address)
		return sp_err_set(err, SP_ENOTFOUND, h->shown, 0, 0,
				  "this HTTP backend has no lock_address, so there is no lock to release");
	if (h->locked) {
		if (strcmp(id, h->lock_id))
			return sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
					  "lock ID '%s' is not the lock this process holds (lock ID %s)", id, h->lock_id);
		return release(h, err);
	}
	if (!*id)
		return sp_err_set(err, SP_EINVAL, h->shown, 0, 0, "unlocking needs the lock's ID");
	return force_unlock(h, id, err);
}

/* ---- reading ---------------------------------------------------------------------------------------- */

/* GET: the stored bytes in raw, or *missing (204, 404 or an empty body). */
static int fetch(struct httpb *h, struct sp_sb *raw, int *missing, struct sp_err *err)
{
	struct sp_http_resp resp;
	int rc;

	*missing = 0;
	sp_sb_reset(raw);
	rc = request(h, "GET", h->address, NULL, 0, &resp, err);
	if (rc < 0)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		rc = refused("GET", h->address, resp.status, err);
	} else if (resp.status == 404 || resp.status == 204 || (resp.status < 300 && !resp.body.len)) {
		*missing = 1;
	} else if (resp.status >= 300) {
		rc = unexpected("GET", h->address, &resp, err);
	} else {
		*raw = resp.body;
		sp_sb_init(&resp.body);
	}
out:
	sp_http_resp_free(&resp);
	return rc;
}

/* The stored bytes as a state, checked as a state file is. */
static int decode(struct httpb *h, const struct sp_sb *raw, struct sp_state **out, struct sp_err *err)
{
	json_t *o = json_loadb(raw->buf, raw->len, 0, NULL);
	const char *tf = json_string_value(json_object_get(o, "terraform_version"));
	int rc;

	*out = NULL;
	if (tf) {
		rc = sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
				"the server holds a Terraform state (terraform_version %.40s) at this address, not a "
				"scaleplan state: give scaleplan an address of its own",
				tf);
		json_decref(o);
		return rc;
	}
	json_decref(o);
	rc = sp_state_from_json(out, raw->buf, raw->len, h->shown, err);
	if (rc == SP_EINVAL && err) {
		static const char lead[] = "what the server holds at this address is not a scaleplan state: ";
		size_t n = strlen(err->msg), k = sizeof(lead) - 1;
		if (n + k >= sizeof(err->msg))
			n = sizeof(err->msg) - k - 1;
		memmove(err->msg + k, err->msg, n);
		memcpy(err->msg, lead, k);
		err->msg[n + k] = '\0';
	}
	if (rc == 0 && (*out)->read_version >= 2 && !(*out)->checksummed) {
		sp_state_free(*out);
		*out = NULL;
		rc = sp_err_set(err, SP_ECORRUPT, h->shown, 0, 0,
				"damaged: the state has no checksum, which every state of format 2 carries");
	}
	if (rc == SP_ECORRUPT && err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n,
			 "; the server holds one state and no backup: restore an earlier version (a server that keeps "
			 "versions, as GitLab does, has them) with 'scaleplan state push --force FILE'");
	}
	if (rc == 0)
		(*out)->journal[0] = '\0'; /* the HTTP backend records no journal */
	return rc;
}

static void set_known(struct httpb *h, const struct sp_state *s)
{
	if (!h->locked)
		return;
	h->known = 1;
	h->known_serial = s ? s->serial : 0;
	snprintf(h->known_lineage, sizeof(h->known_lineage), "%s", s ? s->lineage : "");
}

/* The stored state: *out NULL when there is none; raw gets its bytes. */
static int load_stored(struct httpb *h, struct sp_state **out, struct sp_sb *raw, struct sp_err *err)
{
	int rc, missing;

	*out = NULL;
	if ((rc = fetch(h, raw, &missing, err)) < 0 || missing)
		return rc;
	return decode(h, raw, out, err);
}

static int http_read(struct sp_backend *b, struct sp_state **out, struct sp_err *err)
{
	struct httpb *h = H(b);
	struct sp_sb raw = SP_SB_INIT;
	int rc;

	rc = load_stored(h, out, &raw, err);
	if (rc == 0) {
		set_known(h, *out);
		if (!*out)
			*out = sp_state_new();
	}
	sp_sb_release(&raw);
	return rc;
}

static int http_read_recovery(struct sp_backend *b, int which, struct sp_state **out, struct sp_err *err)
{
	struct httpb *h = H(b);

	*out = NULL;
	return sp_err_set(err, SP_ENOTFOUND, h->shown, 0, 0,
			  "the HTTP backend keeps no %s: the server holds one state (a server that keeps versions, as "
			  "GitLab does, has the earlier ones: fetch one and push it with 'scaleplan state push --force "
			  "FILE')",
			  which == SP_READ_BACKUP ? "backup" : "journal");
}

/* ---- writing ---------------------------------------------------------------------------------------- */

/* The update URL: the address, with ?ID=<lock id> while the lock is held. */
static void update_url(struct httpb *h, struct sp_sb *url)
{
	sp_sb_reset(url);
	sp_sb_adds(url, h->address);
	if (h->locked) {
		sp_sb_adds(url, strchr(h->address, '?') ? "&ID=" : "?ID=");
		sp_http_escape(url, h->lock_id);
	}
}

/* Sends text as the stored state. */
static int post(struct httpb *h, const char *text, size_t len, struct sp_err *err)
{
	struct sp_sb url = SP_SB_INIT, sb = SP_SB_INIT;
	struct sp_http_resp resp;
	struct sp_lock_info other;
	int rc;

	update_url(h, &url);
	rc = request(h, h->update_method, url.buf, text, len, &resp, err);
	if (rc < 0 || resp.status < 300)
		goto out;
	if (resp.status == 401 || resp.status == 403) {
		rc = refused(h->update_method, url.buf, resp.status, err);
	} else if (resp.status == 409 || resp.status == 423) {
		sp_sb_addf(&sb, "%s %s: the server refused the state (HTTP %ld): ", h->update_method, h->shown,
			   resp.status);
		if (parse_holder(&resp.body, &other) == 0) {
			sp_sb_adds(&sb, "the state is locked by ");
			describe(&sb, &other);
			if (h->locked)
				sp_sb_addf(&sb, ", not by this command's lock (ID %s), which someone released", h->lock_id);
		} else if (h->locked) {
			sp_sb_addf(&sb, "this command's lock (ID %s) is not the server's: someone released it", h->lock_id);
		} else {
			sp_sb_adds(&sb, "it takes a state only from the holder of its lock");
		}
		rc = sp_err_set(err, SP_ELOCKED, h->shown, 0, 0, "%s", sb.buf);
	} else if (resp.status == 413) {
		rc = sp_err_set(err, SP_ETOOBIG, h->shown, 0, 0, "%s %s: the server refused a state of %zu bytes as too "
								"large (HTTP 413)",
				h->update_method, h->shown, len);
	} else {
		rc = unexpected(h->update_method, url.buf, &resp, err);
	}
out:
	sp_http_resp_free(&resp);
	sp_sb_release(&url);
	sp_sb_release(&sb);
	return rc;
}

/* Forgets apply's recording (a write replaced it). */
static void drop_recording(struct httpb *h)
{
	sp_state_free(h->base);
	h->base = NULL;
	h->base_unsent = 0;
	sp_sb_reset(&h->pending);
	h->npending = 0;
}

/* Checks s (encoded as text) against the stored state: the local backend's
 * rules; *same when the stored state already is text. */
static int check_stored(struct httpb *h, const struct sp_state *s, struct sp_state *disk, const char *text,
			int *same, struct sp_err *err)
{
	char *old = NULL;
	int rc;

	*same = 0;
	if (strcmp(disk->lineage, s->lineage))
		return sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
				  "the state being written has lineage %s, but the stored state has lineage %s: they are "
				  "different histories, and the stored one is kept",
				  s->lineage, disk->lineage);
	if (s->serial < disk->serial)
		return sp_err_set(err, SP_ESTALE, h->shown, 0, 0,
				  "the state being written has serial %llu, older than the stored serial %llu: the state "
				  "changed since it was read",
				  (unsigned long long)s->serial, (unsigned long long)disk->serial);
	if (s->serial != disk->serial)
		return 0;
	disk->scaleplan_version = SP_VERSION;
	disk->journal[0] = '\0';
	if ((rc = sp_state_to_json(disk, &old, err)) < 0)
		return rc;
	if (strcmp(old, text))
		rc = sp_err_set(err, SP_ESTALE, h->shown, 0, 0,
				"the stored state already has serial %llu, with different content: a state that changes "
				"needs a higher serial",
				(unsigned long long)s->serial);
	else
		*same = 1;
	free(old);
	return rc;
}

static int write_state(struct httpb *h, const struct sp_state *s, int force, struct sp_err *err)
{
	struct sp_state stamped = *s, *disk = NULL;
	struct sp_sb raw = SP_SB_INIT;
	char *text = NULL;
	int rc, guard = 0, same = 0;

	stamped.scaleplan_version = SP_VERSION;
	stamped.version = SP_STATE_VERSION;
	stamped.journal[0] = '\0';
	if ((rc = sp_state_to_json(&stamped, &text, err)) < 0)
		goto out;
	if (!h->locked) {
		struct sp_lock_info holder;
		if (!h->lock_address) {
			rc = no_locking(h, "writing the state", err);
			goto out;
		}
		if ((rc = http_lock(&h->b, force ? "state push" : "write", 0, NULL, &holder, err)) < 0)
			goto out;
		guard = 1;
	}
	if (!force) {
		if ((rc = load_stored(h, &disk, &raw, err)) < 0) {
			if ((rc == SP_EINVAL || rc == SP_ECORRUPT) && err) {
				size_t n = strlen(err->msg);
				snprintf(err->msg + n, sizeof(err->msg) - n,
					 "; refusing to replace a state that cannot be read ('scaleplan state push "
					 "--force FILE' replaces it)");
			}
			goto out;
		}
		if (disk && (rc = check_stored(h, s, disk, text, &same, err)) < 0)
			goto out;
	}
	if (!same && (rc = post(h, text, strlen(text), err)) < 0)
		goto out;
	set_known(h, s);
	drop_recording(h);
out:
	if (guard) {
		struct sp_err uerr;
		release(h, &uerr);
	}
	sp_state_free(disk);
	sp_sb_release(&raw);
	free(text);
	return rc;
}

static int http_write(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(H(b), s, 0, err);
}

static int http_write_force(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(H(b), s, 1, err);
}

/* ---- apply's recording -------------------------------------------------------------------------------- */

/* pending = the header of a journal starting at base's serial. */
static int restart_pending(struct httpb *h, struct sp_err *err)
{
	char *header = NULL;
	int rc = sp_state_journal_header(h->journal_id, h->base->lineage, h->base->serial, &header, err);

	if (rc == 0) {
		sp_sb_reset(&h->pending);
		sp_sb_adds(&h->pending, header);
		h->npending = 0;
	}
	free(header);
	return rc;
}

/* Sends base with the pending operations replayed over it. */
static int persist(struct httpb *h, struct sp_err *err)
{
	struct sp_state stamped;
	char *text = NULL;
	int rc;

	if (h->npending) {
		rc = sp_state_journal_replay(h->base, h->pending.buf, h->pending.len, "the recorded operations",
					     h->journal_id, 0, err);
		if (rc < 0 || (rc = restart_pending(h, err)) < 0)
			return rc;
		h->base_unsent = 1;
	}
	if (!h->base_unsent)
		return 0;
	stamped = *h->base;
	stamped.scaleplan_version = SP_VERSION;
	stamped.version = SP_STATE_VERSION;
	stamped.journal[0] = '\0';
	if ((rc = sp_state_to_json(&stamped, &text, err)) == 0 && (rc = post(h, text, strlen(text), err)) == 0)
		h->base_unsent = 0;
	/* after a failure too: the operations still in flight are kept in
	 * memory without each waiting out the retries again */
	h->last_persist = now_ms();
	free(text);
	return rc;
}

static int not_stored(struct httpb *h, const struct sp_state *s, struct sp_err *err)
{
	return sp_err_set(err, SP_ESTALE, h->shown, 0, 0,
			  "the state being recorded has serial %llu of lineage %s, but the stored state has serial "
			  "%llu%s%s: read the state again under the lock",
			  (unsigned long long)s->serial, s->lineage, (unsigned long long)h->known_serial,
			  h->known_lineage[0] ? " of lineage " : "", h->known_lineage);
}

/* Before the provider is changed: the lock is held, the server answers,
 * the stored state is s's, and it is sent back as it is, which proves the
 * server takes this state from these credentials and this lock. */
static int http_begin(struct sp_backend *b, struct sp_state *s, struct sp_err *err)
{
	struct httpb *h = H(b);
	struct sp_sb raw = SP_SB_INIT;
	struct sp_state *disk = NULL;
	char *text = NULL;
	int rc;

	if (h->base)
		return 0;
	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, h->shown, 0, 0, "recording operations needs the state they change");
	if (!h->locked)
		return h->lock_address ? sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
						    "recording operations needs the state lock; take it first")
				       : no_locking(h, "recording operations", err);
	if ((rc = load_stored(h, &disk, &raw, err)) < 0)
		goto out;
	set_known(h, disk);
	if ((h->known_lineage[0] && strcmp(s->lineage, h->known_lineage)) || s->serial != h->known_serial) {
		rc = not_stored(h, s, err);
		goto out;
	}
	if (!disk) {
		disk = sp_state_new();
		disk->lineage = sp_arena_strdup(&disk->arena, s->lineage);
		disk->serial = s->serial;
		disk->scaleplan_version = SP_VERSION;
		if ((rc = sp_state_to_json(disk, &text, err)) < 0)
			goto out;
		rc = post(h, text, strlen(text), err);
	} else {
		rc = post(h, raw.buf, raw.len, err);
	}
	if (rc < 0) {
		if (err) {
			size_t n = strlen(err->msg);
			snprintf(err->msg + n, sizeof(err->msg) - n, "; nothing was changed");
		}
		goto out;
	}
	if ((rc = sp_uuid_v4(h->journal_id, err)) < 0)
		goto out;
	h->base = disk;
	disk = NULL;
	h->base_unsent = 0;
	set_known(h, h->base);
	if ((rc = restart_pending(h, err)) < 0) {
		drop_recording(h);
		goto out;
	}
	h->last_persist = now_ms();
out:
	sp_state_free(disk);
	sp_sb_release(&raw);
	free(text);
	return rc;
}

static int http_record(struct sp_backend *b, struct sp_state *s, const char *address, const struct sp_resource *now,
		       struct sp_err *err)
{
	struct httpb *h = H(b);
	char *line = NULL;
	int rc;

	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, h->shown, 0, 0, "recording an operation needs the state it changes");
	if (!h->locked)
		return sp_err_set(err, SP_EINVAL, h->shown, 0, 0,
				  "recording an operation needs the state lock; take it first");
	if (!h->base && (rc = http_begin(b, s, err)) < 0)
		return rc;
	if (strcmp(s->lineage, h->known_lineage) || s->serial != h->known_serial)
		return not_stored(h, s, err);
	if ((rc = sp_state_journal_line(s->lineage, s->serial + 1, address, now, &line, err)) < 0)
		return rc;
	sp_sb_adds(&h->pending, line);
	free(line);
	h->npending++;
	s->serial++;
	h->known_serial = s->serial;
	if (now_ms() - h->last_persist >= h->persist_ms)
		return persist(h, err);
	return 0;
}

/* ---- opening and closing ------------------------------------------------------------------------------ */

static void http_close(struct sp_backend *b)
{
	struct httpb *h;
	struct sp_err err;

	if (!b)
		return;
	h = H(b);
	if (h->locked)
		release(h, &err);
	drop_recording(h);
	sp_sb_release(&h->pending);
	sp_http_free(h->http);
	free(h->address);
	free(h->lock_address);
	free(h->unlock_address);
	free(h->update_method);
	free(h->lock_method);
	free(h->unlock_method);
	free(h->where);
	free(h->lock_json);
	free(h);
}

static const struct sp_backend_ops http_ops = {
	.kind = "http",
	.read = http_read,
	.write = http_write,
	.lock = http_lock,
	.unlock = http_unlock,
	.close = http_close,
	.record = http_record,
	.write_force = http_write_force,
	.begin = http_begin,
	.read_recovery = http_read_recovery,
};

void sp_backend_http_set_persist_ms(struct sp_backend *b, long ms)
{
	if (b && b->ops == &http_ops)
		H(b)->persist_ms = ms < 0 ? 0 : ms;
}

/* A setting expanded (${NAME} from the environment), malloc'd; NULL for NULL. */
static int expand(const char *tmpl, const char *what, char **out, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	int rc;

	*out = NULL;
	if (!tmpl)
		return 0;
	if ((rc = sp_where_expand(tmpl, what, &sb, err)) == 0 && strncmp(sb.buf, "http://", 7) &&
	    strncmp(sb.buf, "https://", 8)) {
		/* a ${VAR} the loader let through: the scheme is checked once it is filled in */
		char red[512];
		sp_http_redact(sb.buf, red, sizeof(red));
		rc = sp_err_set(err, SP_EINVAL, "", 0, 0,
				"the HTTP state backend's '%s' must be an http:// or https:// URL once expanded, not '%s'",
				what, red);
	} else if (rc == 0) {
		*out = sp_xstrdup(sb.buf);
	}
	explicit_bzero(sb.buf, sb.len);
	sp_sb_release(&sb);
	return rc;
}

int sp_backend_http_open(struct sp_backend **out, const struct sp_state_cfg *c, struct sp_err *err)
{
	struct sp_remote_cfg r = c->remote;
	struct sp_where_http wh;
	struct httpb *h;
	const char *v;
	int rc;

	*out = NULL;
	if (!c->address || !*c->address)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the HTTP state backend needs an address");
	/* Terraform's variables (GitLab's instructions set them) win over the
	 * spec, and scaleplan's over both: where.c reads SCALEPLAN_HTTP_* first,
	 * then the spec's setting, which names TF_HTTP_* when that is set */
	if ((v = getenv("TF_HTTP_USERNAME")) && *v)
		r.username = "${TF_HTTP_USERNAME}";
	if ((v = getenv("TF_HTTP_PASSWORD")) && *v)
		r.password = "${TF_HTTP_PASSWORD}";
	if ((rc = sp_where_http_opts(&wh, &r, "SCALEPLAN_HTTP", err)) < 0)
		return rc;
	h = sp_xcalloc(1, sizeof(*h));
	h->b.ops = &http_ops;
	h->b.ctx = h;
	h->persist_ms = PERSIST_MS;
	sp_sb_init(&h->pending);
	if ((rc = expand(c->address, "address", &h->address, err)) < 0 ||
	    (rc = expand(c->lock_address, "lock_address", &h->lock_address, err)) < 0 ||
	    (rc = expand(c->unlock_address ? c->unlock_address : c->lock_address, "unlock_address", &h->unlock_address,
			 err)) < 0)
		goto fail;
	h->update_method = sp_xstrdup(c->update_method ? c->update_method : "POST");
	h->lock_method = sp_xstrdup(c->lock_method ? c->lock_method : "LOCK");
	h->unlock_method = sp_xstrdup(c->unlock_method ? c->unlock_method : "UNLOCK");
	sp_http_redact(h->address, h->shown, sizeof(h->shown));
	{
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_addf(&sb, "http %s", h->shown);
		h->where = sp_sb_detach(&sb, NULL);
	}
	h->b.where = h->where;
	if (!(h->http = sp_http_new(&wh.o, err))) {
		rc = err ? err->code : SP_EIO;
		goto fail;
	}
	sp_where_http_release(&wh);
	*out = &h->b;
	return 0;
fail:
	sp_where_http_release(&wh);
	http_close(&h->b);
	return rc < 0 ? rc : SP_EINVAL;
}
