/* The one HTTP client over libcurl; see http.h for its rules. */
#include "providers/http.h"

#include <stdint.h>
#include <stdio.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lib/xalloc.h"

/* A body larger than this is refused (curl's CURLOPT_MAXFILESIZE idea): the
 * largest answer scaleplan reads is a state or a page of etcd keys. */
#define SP_HTTP_MAX_BODY (512L << 20)

struct sp_http {
	CURL *h;
	struct sp_http_opts o;
	char *username, *password;  /* secrets, wiped on free */
	char *ca_file, *cert_file, *key_file;
	struct curl_slist *fixed;   /* headers for every request (secret values) */
	char errbuf[CURL_ERROR_SIZE];
	unsigned long long rng;
	struct sp_http_resp *cur;   /* the answer being read, for the callbacks */
	int too_big;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_or_null(const char *s)
{
	return s ? sp_xstrdup(s) : NULL;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* curl_slist_free_all after wiping every string (they may hold tokens). */
static void wipe_slist(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

struct sp_http *sp_http_new(const struct sp_http_opts *o, struct sp_err *err)
{
	struct sp_http *c;

	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		sp_err_set(err, SP_EIO, NULL, 0, 0, "libcurl could not start: %s", curl_easy_strerror(global_rc));
		return NULL;
	}
	c = sp_xcalloc(1, sizeof *c);
	c->h = curl_easy_init();
	if (!c->h) {
		free(c);
		sp_err_set(err, SP_EIO, NULL, 0, 0, "libcurl could not start a session");
		return NULL;
	}
	c->o = *o;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = 3000;
	if (c->o.timeout_ms <= 0)
		c->o.timeout_ms = 10000;
	if (c->o.max_attempts <= 0)
		c->o.max_attempts = 5;
	if (c->o.backoff_min_ms <= 0)
		c->o.backoff_min_ms = 200;
	if (c->o.backoff_max_ms <= 0)
		c->o.backoff_max_ms = 5000;
	if (c->o.backoff_max_ms < c->o.backoff_min_ms)
		c->o.backoff_max_ms = c->o.backoff_min_ms;
	if (c->o.total_ms <= 0)
		c->o.total_ms = 60000;
	c->o.ca_file = c->ca_file = dup_or_null(o->ca_file);
	c->o.cert_file = c->cert_file = dup_or_null(o->cert_file);
	c->o.key_file = c->key_file = dup_or_null(o->key_file);
	c->username = dup_or_null(o->username);
	c->password = dup_or_null(o->password);
	c->o.username = c->o.password = c->o.bearer = NULL;
	if (o->bearer) {
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_addf(&sb, "Authorization: Bearer %s", o->bearer);
		c->fixed = curl_slist_append(c->fixed, sb.buf);
		explicit_bzero(sb.buf, sb.len);
		sp_sb_release(&sb);
	}
	c->rng = o->seed ? o->seed : ((unsigned long long)time(NULL) << 20) ^ (unsigned long long)getpid() ^
						   (unsigned long long)(uintptr_t)c;
	if (!c->rng)
		c->rng = 0x9e3779b97f4a7c15ULL;
	return c;
}

void sp_http_add_header(struct sp_http *c, const char *name, const char *value)
{
	struct sp_sb sb = SP_SB_INIT;

	/* "Name;" sends a header with an empty value (curl's convention) */
	if (value && *value)
		sp_sb_addf(&sb, "%s: %s", name, value);
	else
		sp_sb_addf(&sb, "%s;", name);
	c->fixed = curl_slist_append(c->fixed, sb.buf);
	explicit_bzero(sb.buf, sb.len);
	sp_sb_release(&sb);
}

void sp_http_free(struct sp_http *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->h);
	wipe_slist(c->fixed);
	wipe_free(c->username);
	wipe_free(c->password);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	explicit_bzero(c, sizeof *c);
	free(c);
}

void sp_http_resp_free(struct sp_http_resp *resp)
{
	sp_sb_release(&resp->body);
}

void sp_http_redact(const char *url, char *out, size_t n)
{
	const char *scheme = strstr(url, "://"), *at, *host;
	size_t hl;

	if (!n)
		return;
	if (!scheme) {
		snprintf(out, n, "%s", url);
		return;
	}
	host = scheme + 3;
	hl = strcspn(host, "/?#");
	/* the last '@' of the authority ends the credentials (a password may hold an unencoded '@') */
	at = memrchr(host, '@', hl);
	if (!at) {
		snprintf(out, n, "%s", url);
		return;
	}
	snprintf(out, n, "%.*s%s", (int)(host - url), url, at + 1);
}

void sp_http_escape(struct sp_sb *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* ASCII only: isalnum() follows the locale, where a byte above 127 may count as a letter */
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~') {
			sp_sb_addc(sb, (char)*p);
		} else {
			sp_sb_addc(sb, '%');
			sp_sb_addc(sb, hex[*p >> 4]);
			sp_sb_addc(sb, hex[*p & 15]);
		}
	}
}

static unsigned long long next_rand(struct sp_http *c)
{
	/* xorshift64* */
	c->rng ^= c->rng >> 12;
	c->rng ^= c->rng << 25;
	c->rng ^= c->rng >> 27;
	return c->rng * 2685821657736338717ULL;
}

long sp_http_backoff_ms(struct sp_http *c, int attempt)
{
	long cap = c->o.backoff_min_ms;

	for (int i = 1; i < attempt && cap < c->o.backoff_max_ms; i++)
		cap *= 2;
	if (cap > c->o.backoff_max_ms)
		cap = c->o.backoff_max_ms;
	return cap / 2 + (long)(next_rand(c) % (unsigned long long)(cap / 2 + 1));
}

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

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
	struct sp_http *c = ud;
	size_t len = size * n;

	if (c->cur->body.len + len > (size_t)SP_HTTP_MAX_BODY) {
		c->too_big = 1;
		return 0;
	}
	sp_sb_add(&c->cur->body, data, len);
	return len;
}

/* The value of header line `line` (length len) when its name is `name`, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *v, *end = line + len;

	if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
		return NULL;
	v = line + nl + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
	struct sp_http *c = ud;
	size_t len = size * n, vl;
	const char *v;
	char tmp[128];

	if ((v = header_value(data, len, "Retry-After", &vl)) && vl < sizeof tmp) {
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		if (vl && strspn(tmp, "0123456789") == vl) {
			c->cur->retry_after_ms = strtol(tmp, NULL, 10) * 1000;
		} else {
			time_t t = curl_getdate(tmp, NULL);
			if (t > 0)
				c->cur->retry_after_ms = t > time(NULL) ? (long)(t - time(NULL)) * 1000 : 0;
		}
	} else if ((v = header_value(data, len, "Location", &vl))) {
		snprintf(c->cur->location, sizeof c->cur->location, "%.*s", (int)vl, v);
	} else if ((v = header_value(data, len, "Link", &vl))) {
		/* several Link headers may come; the one with rel="next" counts */
		if (!c->cur->link_next[0])
			sp_http_link_next(v, vl, c->cur->link_next, sizeof c->cur->link_next);
	} else if ((v = header_value(data, len, "X-Next-Page", &vl)) && vl < sizeof tmp) {
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		c->cur->next_page = vl && strspn(tmp, "0123456789") == vl && vl < 10 ? strtol(tmp, NULL, 10) : -1;
	} else if ((v = header_value(data, len, "X-RateLimit-Remaining", &vl)) && vl < sizeof tmp) {
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		c->cur->ratelimit_remaining = strtol(tmp, NULL, 10);
	} else if ((v = header_value(data, len, "X-RateLimit-Reset", &vl)) && vl < sizeof tmp) {
		memcpy(tmp, v, vl);
		tmp[vl] = 0;
		c->cur->ratelimit_reset = strtol(tmp, NULL, 10);
	}
	return len;
}

int sp_http_transient(const struct sp_http_resp *resp)
{
	/* GitHub answers a rate limit with 403 (or 429): the primary one with
	 * x-ratelimit-remaining 0, a secondary one with Retry-After */
	return resp->status == 0 || resp->status == 429 || resp->status >= 500 ||
	       (resp->status == 403 && (resp->ratelimit_remaining == 0 || resp->retry_after_ms >= 0));
}

/* One parameter list of a link ("; rel=\"next last\"; type=..."), p..end:
 * whether its rel names "next" (RFC 8288: a space-separated list, quoted or
 * not, compared without case). */
static int rel_is_next(const char *p, const char *end)
{
	while (p < end) {
		while (p < end && (*p == ';' || *p == ' ' || *p == '\t'))
			p++;
		const char *name = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		size_t nl = (size_t)(p - name);
		while (nl && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
			nl--;
		if (p >= end || *p != '=')
			continue;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		const char *val = p, *vend;
		if (p < end && *p == '"') {
			val = ++p;
			while (p < end && *p != '"')
				p++;
			vend = p;
			if (p < end)
				p++;
		} else {
			while (p < end && *p != ';')
				p++;
			vend = p;
		}
		if (nl != 3 || strncasecmp(name, "rel", 3))
			continue;
		for (const char *w = val; w < vend;) {
			while (w < vend && *w == ' ')
				w++;
			const char *we = w;
			while (we < vend && *we != ' ')
				we++;
			if (we - w == 4 && !strncasecmp(w, "next", 4))
				return 1;
			w = we;
		}
	}
	return 0;
}

int sp_http_link_next(const char *value, size_t len, char *out, size_t n)
{
	const char *p = value, *end = value + len;

	if (n)
		out[0] = 0;
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p)), *gt, *q;
		int quoted = 0;
		if (!lt || !(gt = memchr(lt, '>', (size_t)(end - lt))))
			return -1;
		/* the parameters run to the next ',' outside quotes */
		for (q = gt + 1; q < end && (quoted || *q != ','); q++)
			if (*q == '"')
				quoted = !quoted;
		if (rel_is_next(gt + 1, q)) {
			size_t ul = (size_t)(gt - lt - 1);
			if (ul + 1 > n)
				return -1;
			memcpy(out, lt + 1, ul);
			out[ul] = 0;
			return 0;
		}
		p = q < end ? q + 1 : end;
	}
	return -1;
}

/* One attempt; returns curl's code (the answer is in c->cur). */
static CURLcode send_once(struct sp_http *c, const char *method, const char *url, const char *body, size_t len,
			  struct curl_slist *hl, long timeout_ms, int retry)
{
	CURL *h = c->h;

	curl_easy_reset(h);
	c->errbuf[0] = 0;
	c->too_big = 0;
	sp_sb_reset(&c->cur->body);
	c->cur->status = 0;
	c->cur->retry_after_ms = -1;
	c->cur->location[0] = 0;
	c->cur->ratelimit_remaining = -1;
	c->cur->ratelimit_reset = 0;
	c->cur->link_next[0] = 0;
	c->cur->next_page = -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "scaleplan/" SP_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	/* libcurl sends a request again by itself when a reused connection turns
	 * out closed: a request the caller did not mark safe to repeat gets a
	 * connection of its own, so it is sent once */
	if (!retry)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	if (c->o.insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->o.ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->o.ca_file);
	if (c->o.cert_file)
		curl_easy_setopt(h, CURLOPT_SSLCERT, c->o.cert_file);
	if (c->o.key_file)
		curl_easy_setopt(h, CURLOPT_SSLKEY, c->o.key_file);
	if (c->username) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(h, CURLOPT_PASSWORD, c->password ? c->password : "");
	}
	if (body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(method, body ? "POST" : "GET"))
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	CURLcode rc = curl_easy_perform(h);
	long st = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &st);
	c->cur->status = rc == CURLE_OK ? st : 0;
	return rc;
}

/* "body" as one printable line of at most 200 characters. */
static void body_excerpt(const struct sp_sb *b, char *out, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < b->len && j + 4 < n && i < 200; i++) {
		unsigned char ch = (unsigned char)b->buf[i];
		out[j++] = (ch >= 32 && ch < 127) ? (char)ch : ' ';
	}
	if (b->len > 200 && j + 4 < n) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = 0;
}

int sp_http_request(struct sp_http *c, const char *method, const char *url, const char *body, size_t len,
		    const char *ctype, const struct sp_http_header *hdrs, size_t nh, int flags,
		    struct sp_http_resp *resp, struct sp_err *err)
{
	struct curl_slist *hl = NULL;
	char where[256], excerpt[256];
	long start = now_ms(), left;
	int attempt;
	CURLcode rc = CURLE_OK;

	memset(resp, 0, sizeof *resp);
	sp_sb_init(&resp->body);
	c->cur = resp;
	sp_http_redact(url, where, sizeof where);
	for (struct curl_slist *p = c->fixed; p; p = p->next)
		hl = curl_slist_append(hl, p->data);
	for (size_t i = 0; i < nh; i++) {
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_addf(&sb, "%s: %s", hdrs[i].name, hdrs[i].value);
		hl = curl_slist_append(hl, sb.buf);
		explicit_bzero(sb.buf, sb.len);
		sp_sb_release(&sb);
	}
	if (body) {
		struct sp_sb sb = SP_SB_INIT;
		sp_sb_addf(&sb, "Content-Type: %s", ctype ? ctype : "application/json");
		hl = curl_slist_append(hl, sb.buf);
		sp_sb_release(&sb);
		hl = curl_slist_append(hl, "Expect:");
	}
	int own_accept = 0;
	for (size_t i = 0; i < nh; i++)
		own_accept |= !strcasecmp(hdrs[i].name, "Accept");
	if (!own_accept)
		hl = curl_slist_append(hl, "Accept: application/json");

	for (attempt = 1;; attempt++) {
		left = c->o.total_ms - (now_ms() - start);
		if (left < 1)
			left = 1;
		rc = send_once(c, method, url, body, len, hl, left < c->o.timeout_ms ? left : c->o.timeout_ms,
			       flags & SP_HTTP_RETRY);
		resp->attempts = attempt;
		if (c->too_big) {
			wipe_slist(hl);
			return sp_err_set(err, SP_ETOOBIG, NULL, 0, 0, "%s %s: the answer is larger than %ld MiB",
					  method, where, SP_HTTP_MAX_BODY >> 20);
		}
		if (rc == CURLE_OK && resp->status >= 200 && resp->status < 300)
			break;
		if (rc == CURLE_OK && !sp_http_transient(resp))
			break;
		if (!(flags & SP_HTTP_RETRY) || attempt >= c->o.max_attempts)
			break;
		long wait = sp_http_backoff_ms(c, attempt);
		if (resp->retry_after_ms >= 0 && resp->retry_after_ms > wait)
			wait = resp->retry_after_ms;
		if ((resp->status == 403 || resp->status == 429) && resp->ratelimit_remaining == 0 &&
		    resp->ratelimit_reset > 0) {
			long until = (long)(resp->ratelimit_reset - time(NULL)) * 1000;
			if (until > wait)
				wait = until;
		}
		/* an attempt left with less than a second (or its timeout) would
		 * end in a timeout that hides the answer that matters */
		if (now_ms() - start + wait + (c->o.timeout_ms < 1000 ? c->o.timeout_ms : 1000) > c->o.total_ms)
			break;
		sleep_ms(wait);
	}
	wipe_slist(hl);
	c->cur = NULL;
	if (rc != CURLE_OK)
		return sp_err_set(err, SP_EIO, NULL, 0, 0, "%s %s: %s (%d attempt%s in %.1f s)", method, where,
				  c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc), attempt, attempt == 1 ? "" : "s",
				  (double)(now_ms() - start) / 1000.0);
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	if (resp->status >= 400 && resp->status < 500 && (flags & SP_HTTP_NO_4XX_ERR) && !sp_http_transient(resp))
		return 0;
	body_excerpt(&resp->body, excerpt, sizeof excerpt);
	if (sp_http_transient(resp))
		return sp_err_set(err, SP_EIO, NULL, 0, 0, "%s %s: the server answered HTTP %ld%s%s (%d attempt%s in %.1f s)",
				  method, where, resp->status, excerpt[0] ? ": " : "", excerpt, attempt,
				  attempt == 1 ? "" : "s", (double)(now_ms() - start) / 1000.0);
	return sp_err_set(err, SP_EINVAL, NULL, 0, 0, "%s %s: the server answered HTTP %ld%s%s", method, where,
			  resp->status, excerpt[0] ? ": " : "", excerpt);
}
