/* The pull-request comment APIs of GitHub and GitLab (providers/forge.h). */
#include "providers/forge.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lib/xalloc.h"

/* Pages of 100 comments read at most: a pull request with 100,000 comments
 * is a server that keeps answering "next". */
#define MAX_PAGES 1000
/* Largest GitHub Actions event file read. */
#define MAX_EVENT_BYTES (64u << 20)
/* Room the note and the closing of open blocks take at the end of a
 * shortened comment. */
#define NOTE_RESERVE 600

const char *sp_forge_name(enum sp_forge_kind k)
{
	return k == SP_FORGE_GITHUB ? "GitHub" : "GitLab";
}

/* ---- text: characters, UTF-8, the marker ------------------------------------------------------ */

size_t sp_forge_chars(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

int sp_forge_utf8_ok(const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n;
		uint32_t cp;
		if (c == 0)
			goto fail;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			goto fail;
		}
		if (len - i <= n)
			goto fail;
		for (size_t k = 1; k <= n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			goto fail;
		i += n + 1;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}

void sp_forge_marker(struct sp_sb *sb, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";

	sp_sb_adds(sb, "<!-- scaleplan:comment name=");
	if (!name || !*name)
		name = "default";
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		    *p == '_' || *p == '-') {
			sp_sb_addc(sb, (char)*p);
		} else {
			sp_sb_addc(sb, '%');
			sp_sb_addc(sb, hex[*p >> 4]);
			sp_sb_addc(sb, hex[*p & 15]);
		}
	}
	sp_sb_adds(sb, " -->");
}

int sp_forge_has_marker(const char *body, size_t len, const char *marker)
{
	size_t ml = strlen(marker);

	if (len < ml || memcmp(body, marker, ml))
		return 0;
	return len == ml || body[ml] == '\n' || body[ml] == '\r';
}

/* Whether line (len bytes, without its newline) opens or closes a code
 * fence: up to three spaces, then ``` or ~~~. */
static int is_fence(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && i < 3 && line[i] == ' ')
		i++;
	return len - i >= 3 && (!memcmp(line + i, "```", 3) || !memcmp(line + i, "~~~", 3));
}

/* Counts how often needle (nl bytes) occurs in s[0..len). */
static size_t count_in(const char *s, size_t len, const char *needle, size_t nl)
{
	size_t n = 0;

	for (const char *p = s, *end = s + len; p + nl <= end;) {
		const char *q = memchr(p, needle[0], (size_t)(end - p));
		if (!q || q + nl > end)
			break;
		if (!strncasecmp(q, needle, nl)) {
			n++;
			q += nl;
		} else {
			q++;
		}
		p = q;
	}
	return n;
}

/* "65,536" */
static void thousands(char *buf, size_t n, size_t v)
{
	char raw[32];
	size_t len, j = 0;

	snprintf(raw, sizeof raw, "%zu", v);
	len = strlen(raw);
	for (size_t i = 0; i < len && j + 2 < n; i++) {
		if (i && (len - i) % 3 == 0)
			buf[j++] = ',';
		buf[j++] = raw[i];
	}
	buf[j] = 0;
}

void sp_forge_compose(struct sp_sb *out, const char *marker, const char *md, size_t len, size_t max,
		      const char *forge, int *shortened)
{
	size_t mchars = sp_forge_chars(marker, strlen(marker)) + 1, total = sp_forge_chars(md, len);
	size_t budget, cut = 0, chars = 0, open, closed;
	int fence = 0;
	char lim[32];

	*shortened = 0;
	sp_sb_adds(out, marker);
	sp_sb_addc(out, '\n');
	if (mchars + total <= max) {
		sp_sb_add(out, md, len);
		return;
	}
	*shortened = 1;
	budget = max > mchars + NOTE_RESERVE ? max - mchars - NOTE_RESERVE : 0;
	/* whole lines while they fit; a first line longer than the budget is
	 * cut at a character's end */
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(md + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - md) + 1 : len, lc = sp_forge_chars(md + i, end - i);
		if (chars + lc > budget) {
			if (!cut) {
				size_t j = i;
				while (j < end && chars < budget) {
					j++;
					while (j < end && ((unsigned char)md[j] & 0xC0) == 0x80)
						j++;
					chars++;
				}
				cut = j;
			}
			break;
		}
		if (is_fence(md + i, end - i - (nl ? 1 : 0)))
			fence = !fence;
		chars += lc;
		cut = end;
		i = end;
	}
	sp_sb_add(out, md, cut);
	if (cut && md[cut - 1] != '\n')
		sp_sb_addc(out, '\n');
	/* close what the cut left open, so the note reads as text */
	if (fence)
		sp_sb_adds(out, "```\n");
	open = count_in(md, cut, "<details", 8);
	closed = count_in(md, cut, "</details>", 10);
	for (size_t k = open > closed ? open - closed : 0; k > 0 && k <= 10; k--)
		sp_sb_adds(out, "\n</details>\n");
	thousands(lim, sizeof lim, max);
	sp_sb_addf(out, "\n---\n*Shortened to fit %s's limit of %s characters: the first %zu of %zu characters are "
		   "shown.*\n",
		   forge, lim, chars, total);
	/* a limit too small even for the note: the marker line alone */
	if (sp_forge_chars(out->buf, out->len) > max) {
		sp_sb_reset(out);
		sp_sb_adds(out, marker);
		sp_sb_addc(out, '\n');
	}
}

/* ---- configuration from the environment ------------------------------------------------------- */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* A token goes into an HTTP header: printable ASCII without spaces. */
static int token_ok(const char *t)
{
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		if (*p <= ' ' || *p >= 127)
			return 0;
	return 1;
}

static int github_repo_ok(const char *r)
{
	const char *slash = strchr(r, '/');

	if (!slash || slash == r || !slash[1] || strchr(slash + 1, '/'))
		return 0;
	for (const char *p = r; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-' || *p == '/'))
			return 0;
	return 1;
}

static int parse_number(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v <= 0)
		return -1;
	*out = v;
	return 0;
}

int sp_forge_github_event_number(const char *text, size_t len, const char *origin, long *out, struct sp_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *v;
	int ret = SP_EINVAL;

	if (!root)
		return sp_err_set(err, SP_EINVAL, origin, je.line > 0 ? je.line : 0, je.column > 0 ? je.column : 0,
				  "the event file is not JSON: %s", je.text);
	if (!json_is_object(root)) {
		sp_err_set(err, SP_EINVAL, origin, 0, 0, "the event file's top level is not an object");
		goto out;
	}
	v = json_object_get(json_object_get(root, "pull_request"), "number");
	if (!v)
		v = json_object_get(root, "number");
	if (!v && json_object_get(json_object_get(root, "issue"), "pull_request"))
		v = json_object_get(json_object_get(root, "issue"), "number");
	if (!v) {
		sp_err_set(err, SP_EINVAL, origin, 0, 0,
			   "the event has no pull request (pull_request.number): this job does not run for a pull "
			   "request; run it on 'pull_request', or give --number N");
		goto out;
	}
	if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > 2147483647) {
		sp_err_set(err, SP_EINVAL, origin, 0, 0, "the event's pull request number is not a positive integer");
		goto out;
	}
	*out = (long)json_integer_value(v);
	ret = 0;
out:
	json_decref(root);
	return ret;
}

static int github_number(long *out, struct sp_err *err)
{
	const char *path = env("GITHUB_EVENT_PATH");
	struct sp_sb sb = SP_SB_INIT;
	int rc;

	if (!path)
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
				  "no pull request number: GITHUB_EVENT_PATH is not set (GitHub Actions sets it); give "
				  "--number N");
	rc = sp_sb_read_file(&sb, path, MAX_EVENT_BYTES);
	if (rc < 0) {
		sp_err_set(err, SP_EINVAL, path, 0, 0, "cannot read the event file (GITHUB_EVENT_PATH): %s",
			   rc == -2 ? "larger than 64 MiB" : strerror(errno));
		sp_sb_release(&sb);
		return SP_EINVAL;
	}
	rc = sp_forge_github_event_number(sb.buf, sb.len, path, out, err);
	sp_sb_release(&sb);
	return rc;
}

int sp_forge_cfg_from_env(struct sp_forge_cfg *c, enum sp_forge_kind kind, const char *api_url, const char *repo,
			  long number, struct sp_err *err)
{
	int gh = kind == SP_FORGE_GITHUB;
	const char *v;

	memset(c, 0, sizeof *c);
	c->kind = kind;
	if (gh) {
		c->token_var = "GITHUB_TOKEN";
		c->token = env("GITHUB_TOKEN");
	} else if ((c->token = env("GITLAB_TOKEN"))) {
		c->token_var = "GITLAB_TOKEN";
	} else if ((c->token = env("CI_JOB_TOKEN"))) {
		c->token_var = "CI_JOB_TOKEN";
		c->job_token = 1;
	}
	if (!c->token)
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "%s",
				  gh ? "GITHUB_TOKEN is not set: give the step the token, as in 'env: {GITHUB_TOKEN: "
				       "${{ secrets.GITHUB_TOKEN }}}'"
				     : "neither GITLAB_TOKEN nor CI_JOB_TOKEN is set: set GITLAB_TOKEN to a project "
				       "access token with the api scope");
	if (!token_ok(c->token))
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
				  "%s holds a character a token cannot have (a space, a newline or a control "
				  "character)",
				  c->token_var);

	c->api_url = api_url ? api_url : gh ? (env("GITHUB_API_URL") ? env("GITHUB_API_URL") : "https://api.github.com")
					      : env("CI_API_V4_URL");
	if (!c->api_url)
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
				  "CI_API_V4_URL is not set (GitLab CI sets it): give --api-url, as in "
				  "https://gitlab.example.com/api/v4");
	if (strncmp(c->api_url, "https://", 8) && strncmp(c->api_url, "http://", 7))
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "the API URL '%s' (%s) is not an http:// or https:// URL",
				  c->api_url, api_url ? "--api-url" : gh ? "GITHUB_API_URL" : "CI_API_V4_URL");

	v = repo ? repo : env(gh ? "GITHUB_REPOSITORY" : "CI_PROJECT_ID");
	if (!v)
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "%s",
				  gh ? "GITHUB_REPOSITORY is not set (GitHub Actions sets it): give --repo OWNER/NAME"
				     : "CI_PROJECT_ID is not set (GitLab CI sets it): give --repo with the project's ID or "
				       "path");
	if (gh && !github_repo_ok(v))
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "the repository '%s' (%s) is not OWNER/NAME", v,
				  repo ? "--repo" : "GITHUB_REPOSITORY");
	if (!gh && (strstr(v, "..") || v[0] == '/'))
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "the project '%s' (%s) is not a project ID or path", v,
				  repo ? "--repo" : "CI_PROJECT_ID");
	c->repo = v;

	if (number > 0) {
		c->number = number;
	} else if (gh) {
		if (github_number(&c->number, err) < 0)
			return SP_EINVAL;
	} else if (!(v = env("CI_MERGE_REQUEST_IID"))) {
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0,
				  "CI_MERGE_REQUEST_IID is not set: run the job in a merge request pipeline "
				  "(rules: - if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or give --number N");
	} else if (parse_number(v, &c->number) < 0) {
		return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "CI_MERGE_REQUEST_IID '%s' is not a positive integer", v);
	}
	return 0;
}

/* ---- URLs --------------------------------------------------------------------------------------- */

/* The API's base without a final '/'. */
static void add_base(struct sp_sb *u, const struct sp_forge_cfg *c)
{
	size_t n = strlen(c->api_url);

	while (n && c->api_url[n - 1] == '/')
		n--;
	sp_sb_add(u, c->api_url, n);
}

/* .../issues/{n}/comments or .../merge_requests/{iid}/notes */
static void add_thread(struct sp_sb *u, const struct sp_forge_cfg *c)
{
	add_base(u, c);
	if (c->kind == SP_FORGE_GITHUB) {
		const char *slash = strchr(c->repo, '/');
		sp_sb_adds(u, "/repos/");
		char *owner = sp_xstrndup(c->repo, (size_t)(slash - c->repo));
		sp_http_escape(u, owner);
		free(owner);
		sp_sb_addc(u, '/');
		sp_http_escape(u, slash + 1);
		sp_sb_addf(u, "/issues/%ld/comments", c->number);
	} else {
		sp_sb_adds(u, "/projects/");
		sp_http_escape(u, c->repo);
		sp_sb_addf(u, "/merge_requests/%ld/notes", c->number);
	}
}

static void list_url(struct sp_sb *u, const struct sp_forge_cfg *c, long page)
{
	add_thread(u, c);
	if (c->kind == SP_FORGE_GITHUB)
		sp_sb_addf(u, "?per_page=100&page=%ld", page);
	else
		sp_sb_addf(u, "?per_page=100&page=%ld&sort=asc&order_by=created_at", page);
}

void sp_forge_comments_url(struct sp_sb *out, const struct sp_forge_cfg *c)
{
	add_thread(out, c);
}

static void item_url(struct sp_sb *u, const struct sp_forge_cfg *c, long long id)
{
	if (c->kind == SP_FORGE_GITHUB) {
		const char *slash = strchr(c->repo, '/');
		add_base(u, c);
		sp_sb_adds(u, "/repos/");
		char *owner = sp_xstrndup(c->repo, (size_t)(slash - c->repo));
		sp_http_escape(u, owner);
		free(owner);
		sp_sb_addc(u, '/');
		sp_http_escape(u, slash + 1);
		sp_sb_addf(u, "/issues/comments/%lld", id);
	} else {
		add_thread(u, c);
		sp_sb_addf(u, "/%lld", id);
	}
}

/* Whether url is on the same scheme, host and port as the API (a Link to
 * elsewhere would carry the token there). */
static int same_origin(const char *api, const char *url)
{
	const char *s = strstr(api, "://");
	size_t n;

	if (!s)
		return 0;
	n = (size_t)(s + 3 - api);
	n += strcspn(api + n, "/?#");
	return !strncasecmp(api, url, n) && (url[n] == '/' || url[n] == '?' || url[n] == 0);
}

/* ---- requests ----------------------------------------------------------------------------------- */

struct session {
	const struct sp_forge_cfg *c;
	struct sp_http *h;
	struct sp_http_header hdrs[2];
	size_t nh;
	long start_ms;
	long total_ms;
};

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) < 0)
		;
}

void sp_forge_api_message(const char *text, size_t len, char *out, size_t n)
{
	json_t *root = json_loadb(text, len, 0, NULL), *m, *v;
	struct sp_sb sb = SP_SB_INIT;
	const char *key;
	size_t i;

	out[0] = 0;
	if (json_is_object(root)) {
		m = json_object_get(root, "message");
		if (json_is_string(m)) {
			sp_sb_adds(&sb, json_string_value(m));
		} else if (json_is_object(m)) {
			json_object_foreach(m, key, v) {
				sp_sb_addf(&sb, "%s%s:", sb.len ? "; " : "", key);
				if (json_is_array(v)) {
					json_t *e;
					json_array_foreach(v, i, e) if (json_is_string(e))
						sp_sb_addf(&sb, "%s %s", i ? "," : "", json_string_value(e));
				} else if (json_is_string(v)) {
					sp_sb_addf(&sb, " %s", json_string_value(v));
				}
			}
		}
		if (!sb.len && json_is_string(v = json_object_get(root, "error")))
			sp_sb_adds(&sb, json_string_value(v));
		m = json_object_get(root, "errors");
		if (json_is_array(m) && json_array_size(m)) {
			json_t *e;
			sp_sb_adds(&sb, " (");
			json_array_foreach(m, i, e) {
				if (i)
					sp_sb_adds(&sb, "; ");
				if (json_is_string(e)) {
					sp_sb_adds(&sb, json_string_value(e));
				} else if (json_is_string(json_object_get(e, "message"))) {
					if (json_is_string(json_object_get(e, "field")))
						sp_sb_addf(&sb, "%s: ", json_string_value(json_object_get(e, "field")));
					sp_sb_adds(&sb, json_string_value(json_object_get(e, "message")));
				} else {
					const char *code = json_string_value(json_object_get(e, "code"));
					const char *field = json_string_value(json_object_get(e, "field"));
					sp_sb_addf(&sb, "%s%s%s", field ? field : "", field ? " " : "",
						   code ? code : "invalid");
				}
			}
			sp_sb_adds(&sb, ")");
		}
	}
	json_decref(root);
	if (!sb.len)
		sp_sb_add(&sb, text, len < 200 ? len : 200);
	/* one printable line */
	size_t j = 0;
	for (i = 0; i < sb.len && j + 1 < n; i++) {
		unsigned char ch = (unsigned char)sb.buf[i];
		out[j++] = ch < 32 || ch == 127 ? ' ' : (char)ch;
	}
	if (i < sb.len && j >= 3) {
		out[j - 3] = out[j - 2] = out[j - 1] = '.';
	}
	out[j] = 0;
	sp_sb_release(&sb);
}

/* What to do about an answer, for the message. */
static const char *hint(const struct sp_forge_cfg *c, long status, const char *msg)
{
	int gh = c->kind == SP_FORGE_GITHUB;

	if (status == 403 && strcasestr(msg, "rate limit"))
		return "the API's rate limit was reached; run again later";
	if (!gh && c->job_token && (status == 401 || status == 403 || status == 404))
		return "GitLab's CI/CD job token (CI_JOB_TOKEN) cannot write merge request notes: the Notes API is "
		       "not among the endpoints a job token may use; set GITLAB_TOKEN to a project access token "
		       "with the api scope and the Reporter role or above";
	switch (status) {
	case 401:
		return gh ? "GitHub refused the token in GITHUB_TOKEN (expired, revoked, or not a token)"
			  : "GitLab refused the token in GITLAB_TOKEN (expired, revoked, or not a token)";
	case 403:
		return gh ? "the token may not write comments: the workflow needs 'permissions: pull-requests: write' "
			    "(a pull request from a fork gets a read-only token)"
			  : "the token may not write notes: it needs the api scope and the Reporter role or above";
	case 404:
		return gh ? "no such repository or pull request, or the token cannot see it (a private repository "
			    "answers 404 to a token without access)"
			  : "no such project or merge request, or the token cannot see it";
	default:
		return NULL;
	}
}

/* The error of an answer that is not a success. */
static int answer_err(struct session *s, const char *method, const char *url, const struct sp_http_resp *r,
		      int code, const struct sp_err *herr, struct sp_err *err)
{
	char where[256], msg[320];
	const char *h;

	sp_http_redact(url, where, sizeof where);
	if (r->status == 0)
		return sp_err_set(err, SP_EIO, where, 0, 0, "%s: %s", sp_forge_name(s->c->kind),
				  herr && herr->msg[0] ? herr->msg : "no answer");
	sp_forge_api_message(r->body.buf, r->body.len, msg, sizeof msg);
	h = hint(s->c, r->status, msg);
	return sp_err_set(err, code, where, 0, 0, "%s: %s %s: HTTP %ld%s%s%s%s%s", sp_forge_name(s->c->kind), method,
			  where, r->status, msg[0] ? ": " : "", msg, r->attempts > 1 ? " (after retries)" : "",
			  h ? "; " : "", h ? h : "");
}

/* Sends one request; 0 with a 2xx answer in *r, else -1 with *r holding
 * what came (the caller decides). */
static int forge_send(struct session *s, const char *method, const char *url, const char *body, size_t len, int retry,
		struct sp_http_resp *r, struct sp_err *herr)
{
	char where[256];
	int rc;

	sp_err_clear(herr);
	rc = sp_http_request(s->h, method, url, body, len, NULL, s->hdrs, s->nh,
			     SP_HTTP_NO_4XX_ERR | (retry ? SP_HTTP_RETRY : 0), r, herr);
	if (s->c->trace) {
		sp_http_redact(url, where, sizeof where);
		s->c->trace(s->c->trace_ctx, method, where, r->status, r->attempts);
	}
	if (rc == 0 && r->status >= 200 && r->status < 300)
		return 0;
	return -1;
}

/* Finds the last comment that starts with marker across every page: *id,
 * or 0 when there is none. */
static int find(struct session *s, const char *marker, long long *id, int *pages, struct sp_err *err)
{
	struct sp_sb url = SP_SB_INIT;
	struct sp_http_resp r;
	struct sp_err herr;
	long page = 1;
	int ret = 0;

	*id = 0;
	*pages = 0;
	list_url(&url, s->c, page);
	for (;;) {
		json_t *arr, *e;
		size_t i;
		if (++*pages > MAX_PAGES) {
			ret = sp_err_set(err, SP_EINVAL, "", 0, 0, "%s: more than %d pages of comments; giving up",
					 sp_forge_name(s->c->kind), MAX_PAGES);
			goto out;
		}
		if (forge_send(s, "GET", url.buf, NULL, 0, 1, &r, &herr) < 0) {
			ret = answer_err(s, "GET", url.buf, &r, r.status && !sp_http_transient(&r) ? SP_EINVAL : SP_EIO,
					 &herr, err);
			sp_http_resp_free(&r);
			goto out;
		}
		arr = json_loadb(r.body.buf, r.body.len, 0, NULL);
		if (!json_is_array(arr)) {
			char where[256];
			sp_http_redact(url.buf, where, sizeof where);
			ret = sp_err_set(err, SP_EINVAL, where, 0, 0,
					 "%s: GET %s: HTTP %ld, but the answer is not a JSON array of comments",
					 sp_forge_name(s->c->kind), where, r.status);
			json_decref(arr);
			sp_http_resp_free(&r);
			goto out;
		}
		json_array_foreach(arr, i, e) {
			json_t *body = json_object_get(e, "body"), *jid = json_object_get(e, "id");
			if (!json_is_string(body) || !json_is_integer(jid) || json_is_true(json_object_get(e, "system")))
				continue;
			if (sp_forge_has_marker(json_string_value(body), json_string_length(body), marker))
				*id = json_integer_value(jid);
		}
		json_decref(arr);
		sp_sb_reset(&url);
		if (s->c->kind == SP_FORGE_GITHUB && r.link_next[0]) {
			if (!same_origin(s->c->api_url, r.link_next)) {
				char where[256];
				sp_http_redact(r.link_next, where, sizeof where);
				ret = sp_err_set(err, SP_EINVAL, where, 0, 0,
						 "%s: the next page of comments is on another server (%s); not following it "
						 "with the token",
						 sp_forge_name(s->c->kind), where);
				sp_http_resp_free(&r);
				goto out;
			}
			sp_sb_adds(&url, r.link_next);
		} else if (s->c->kind == SP_FORGE_GITLAB && r.next_page > page && i > 0) {
			page = r.next_page;
			list_url(&url, s->c, page);
		}
		sp_http_resp_free(&r);
		if (!url.len)
			break;
	}
out:
	sp_sb_release(&url);
	return ret;
}

/* The limit the forge said, from "... too long (maximum is 65536
 * characters)": 0 when the message says no number. */
static size_t said_limit(const char *msg)
{
	const char *p = strcasestr(msg, "maximum is ");
	return p ? (size_t)strtoull(p + 11, NULL, 10) : 0;
}

/* How long to wait before sending a refused create again. */
static long wait_for(struct session *s, const struct sp_http_resp *r, int attempt)
{
	long w = sp_http_backoff_ms(s->h, attempt);

	if (r->retry_after_ms > w)
		w = r->retry_after_ms;
	if (r->ratelimit_remaining == 0 && r->ratelimit_reset > 0) {
		long until = (long)(r->ratelimit_reset - time(NULL)) * 1000;
		if (until > w)
			w = until;
	}
	return w;
}

static int parse_created(const struct sp_http_resp *r, struct sp_forge_result *res)
{
	json_t *root = json_loadb(r->body.buf, r->body.len, 0, NULL), *v;
	int ok = 0;

	if (json_is_integer(v = json_object_get(root, "id"))) {
		res->id = json_integer_value(v);
		ok = 1;
	}
	if (json_is_string(v = json_object_get(root, "html_url")))
		snprintf(res->url, sizeof res->url, "%s", json_string_value(v));
	json_decref(root);
	return ok;
}

int sp_forge_upsert(const struct sp_forge_cfg *c, const char *name, const char *markdown, size_t len,
		    struct sp_forge_result *res, struct sp_err *err)
{
	struct session s;
	struct sp_sb marker = SP_SB_INIT, body = SP_SB_INIT, url = SP_SB_INIT;
	struct sp_http_opts o = c->http;
	struct sp_http_resp r;
	struct sp_err herr;
	size_t max = c->max_chars ? c->max_chars
				  : c->kind == SP_FORGE_GITHUB ? SP_FORGE_GITHUB_MAX_CHARS : SP_FORGE_GITLAB_MAX_CHARS;
	long long id = 0;
	int ret = 0, found = 0, shrinks = 0;
	size_t bad;

	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	sp_sb_init(&r.body);
	if (!sp_forge_utf8_ok(markdown, len, &bad))
		return sp_err_set(err, SP_EINVAL, "", 0, 0,
				  "the comment is not UTF-8 text (byte %zu is a NUL or not UTF-8); nothing was sent", bad);
	memset(&s, 0, sizeof s);
	s.c = c;
	o.username = o.password = NULL;
	o.bearer = c->kind == SP_FORGE_GITHUB ? c->token : NULL;
	if (!(s.h = sp_http_new(&o, err)))
		return err->code;
	if (c->kind == SP_FORGE_GITHUB) {
		s.hdrs[s.nh++] = (struct sp_http_header){ "Accept", "application/vnd.github+json" };
		s.hdrs[s.nh++] = (struct sp_http_header){ "X-GitHub-Api-Version", "2022-11-28" };
	} else {
		sp_http_add_header(s.h, c->job_token ? "JOB-TOKEN" : "PRIVATE-TOKEN", c->token);
	}
	s.start_ms = now_ms();
	s.total_ms = o.total_ms > 0 ? o.total_ms : 60000;
	sp_forge_marker(&marker, name);

	for (int attempt = 1;; attempt++) {
		if (!found && (ret = find(&s, marker.buf, &id, &res->pages, err)) < 0)
			goto out;
		found = 1;
		sp_sb_reset(&body);
		{
			struct sp_sb text = SP_SB_INIT;
			json_t *doc;
			char *js;
			sp_forge_compose(&text, marker.buf, markdown, len, max, sp_forge_name(c->kind), &res->shortened);
			res->chars = sp_forge_chars(text.buf, text.len);
			res->limit = max;
			doc = json_object();
			json_object_set_new(doc, "body", json_stringn(text.buf, text.len));
			js = json_dumps(doc, JSON_COMPACT);
			json_decref(doc);
			sp_sb_release(&text);
			sp_sb_adds(&body, js);
			free(js);
		}
		sp_sb_reset(&url);
		const char *method;
		if (id) {
			item_url(&url, c, id);
			method = c->kind == SP_FORGE_GITHUB ? "PATCH" : "PUT";
		} else {
			add_thread(&url, c);
			method = "POST";
		}
		sp_http_resp_free(&r);
		/* an edit is safe to send again; a create only after searching again */
		if (forge_send(&s, method, url.buf, body.buf, body.len, id != 0, &r, &herr) == 0) {
			res->updated = id != 0;
			if (!parse_created(&r, res) && id)
				res->id = id;
			ret = 0;
			goto out;
		}
		if (r.status >= 400 && r.status < 500 && !sp_http_transient(&r)) {
			char msg[320];
			size_t said;
			sp_forge_api_message(r.body.buf, r.body.len, msg, sizeof msg);
			if ((r.status == 422 || r.status == 400 || r.status == 413) && strcasestr(msg, "too long") &&
			    shrinks < 3) {
				/* the forge's limit is lower than the documented one */
				said = said_limit(msg);
				max = said && said < max ? said : max / 2;
				shrinks++;
				continue;
			}
			if (r.status == 404 && id) {
				/* deleted since it was found: search again */
				found = 0;
				if (attempt < 3)
					continue;
			}
			ret = answer_err(&s, method, url.buf, &r, SP_EINVAL, &herr, err);
			goto out;
		}
		/* no answer, 429, 5xx, or a rate limit, after what the client retried */
		if (!id && attempt < (o.max_attempts > 0 ? o.max_attempts : 5)) {
			long w = wait_for(&s, &r, attempt);
			if (now_ms() - s.start_ms + w < s.total_ms) {
				sleep_ms(w);
				found = 0; /* the create may have been done: search before sending it again */
				continue;
			}
		}
		ret = answer_err(&s, method, url.buf, &r, SP_EIO, &herr, err);
		goto out;
	}
out:
	sp_http_resp_free(&r);
	sp_http_free(s.h);
	sp_sb_release(&marker);
	explicit_bzero(body.buf, body.len);
	sp_sb_release(&body);
	sp_sb_release(&url);
	return ret;
}
