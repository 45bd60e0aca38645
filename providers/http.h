/* The one HTTP client (libcurl) every remote piece uses: the etcd and HTTP
 * state backends, the REST provider, the forges' comment APIs.
 *
 * curl's habits (docs/providers.md, "Talking to servers"): a connect timeout
 * and a total timeout on every request; http and https only; TLS verified
 * unless the caller turns it off by name; one easy handle reused per client
 * so connections are kept alive; retries with exponential backoff and full
 * jitter on connection errors, 429 and 5xx only, honouring Retry-After, within
 * a bounded total time. A client is used by one thread at a time.
 *
 * Secrets (a password, a token, an Authorization header) are held by the
 * client only, are never formatted into a message, and are wiped when the
 * client is closed. Messages name the method, the URL without credentials,
 * curl's error text or the HTTP status. */
#ifndef SP_HTTP_H
#define SP_HTTP_H
#include <stddef.h>

#include "lib/err.h"
#include "lib/strbuf.h"

struct sp_http_opts {
	long connect_timeout_ms;    /* 0: 3000 */
	long timeout_ms;            /* one attempt, 0: 10000 */
	int max_attempts;           /* 0: 5; 1: no retry */
	long backoff_min_ms;        /* first wait, 0: 200 */
	long backoff_max_ms;        /* cap of one wait, 0: 5000 */
	long total_ms;              /* all attempts and waits, 0: 60000 */
	int insecure;               /* skip TLS verification (named by the user) */
	const char *ca_file, *cert_file, *key_file;
	const char *username, *password;  /* basic auth, copied; never printed */
	const char *bearer;         /* Authorization: Bearer TOKEN, copied; never printed */
	unsigned long long seed;    /* jitter; 0: from the clock and pid */
};

struct sp_http_header {
	const char *name, *value;   /* value is treated as a secret */
};

struct sp_http;

struct sp_http_resp {
	long status;                /* 0 when no answer came */
	struct sp_sb body;
	long retry_after_ms;        /* from Retry-After (seconds or a date), or -1 */
	char location[256];
	/* GitHub's rate-limit headers: remaining (-1 unknown) and reset (epoch s) */
	long ratelimit_remaining, ratelimit_reset;
	int attempts;               /* how many requests were sent */
	/* pagination: the URL of the Link header's rel="next" (RFC 8288; GitHub),
	 * "" when there is none (or it is longer than the buffer); GitLab's
	 * X-Next-Page, -1 when absent or empty (the last page) */
	char link_next[1024];
	long next_page;
};

enum {
	SP_HTTP_RETRY = 1,          /* safe to send again (GET, PUT, DELETE, idempotent POST); without it a
				       request is sent once, on a new connection (libcurl would otherwise
				       send it again when a kept-alive connection closes unanswered) */
	SP_HTTP_NO_4XX_ERR = 2,     /* a 4xx answer is returned as 0, for the caller to read */
};

/* A client with options o (copied). Returns NULL only when libcurl cannot
 * start (err set). */
struct sp_http *sp_http_new(const struct sp_http_opts *o, struct sp_err *err);
/* Adds a header sent with every request (a REST provider's configured
 * headers); the value is held as a secret. */
void sp_http_add_header(struct sp_http *c, const char *name, const char *value);
/* Closes the connection, wipes the secrets, frees c; NULL is allowed. */
void sp_http_free(struct sp_http *c);

/* Sends one request: method, url, an optional body (content type
 * "application/json" when body is non-NULL and ctype NULL) and extra
 * headers (count nh, secret like the client's; an "Accept" among them
 * replaces the default "Accept: application/json"). With SP_HTTP_RETRY, retries
 * as the header comment says. Returns 0 with *resp filled for a 2xx answer
 * (and for a 4xx one with SP_HTTP_NO_4XX_ERR); otherwise a negative code,
 * the same as err->code (SP_EIO: no answer or 5xx/429 after the retries;
 * SP_EINVAL: another status; SP_ETOOBIG: an answer over 512 MiB; err->msg
 * starts with the method and the URL without credentials, err->file is empty), with *resp still filled with what came
 * back. The caller releases resp with sp_http_resp_free. */
int sp_http_request(struct sp_http *c, const char *method, const char *url, const char *body, size_t len,
		    const char *ctype, const struct sp_http_header *hdrs, size_t nh, int flags,
		    struct sp_http_resp *resp, struct sp_err *err);
void sp_http_resp_free(struct sp_http_resp *resp);

/* Whether a failed request is worth sending again (to another endpoint): no
 * answer, 429 or 5xx, or GitHub's 403 for a rate limit (remaining 0, or a
 * secondary limit with Retry-After). */
int sp_http_transient(const struct sp_http_resp *resp);

/* The URL of the rel="next" link of a Link header's value (len bytes),
 * into out (size n): 0, or -1 when there is none or it does not fit. */
int sp_http_link_next(const char *value, size_t len, char *out, size_t n);

/* url without "user:password@", into out (size n). */
void sp_http_redact(const char *url, char *out, size_t n);
/* Appends s percent-encoded (RFC 3986: everything but unreserved characters). */
void sp_http_escape(struct sp_sb *sb, const char *s);
/* The delay before attempt k (1-based) of a client: exponential from
 * backoff_min_ms, capped at backoff_max_ms, with full jitter (a uniform
 * draw in [cap/2, cap]). Exposed for the unit tests. */
long sp_http_backoff_ms(struct sp_http *c, int attempt);

#endif
