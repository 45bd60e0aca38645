/* One comment per spec on a pull request (GitHub) or a merge request
 * (GitLab), updated in place: the comment starts with a hidden marker that
 * names the spec, every page of the request's comments is searched for it,
 * and the last comment that starts with it is edited (PATCH or PUT); when
 * there is none, one is created (POST). A body longer than the forge takes
 * is shortened with a note, never refused. docs/comment.md has the whole
 * story: the environment a CI job provides, the token's permissions, the
 * errors.
 *
 * The APIs (all through providers/http.h, the one libcurl client):
 *   GitHub  GET   {api}/repos/{owner}/{repo}/issues/{n}/comments?per_page=100  (Link: rel="next")
 *           POST  {api}/repos/{owner}/{repo}/issues/{n}/comments               {"body": ...}
 *           PATCH {api}/repos/{owner}/{repo}/issues/comments/{id}              {"body": ...}
 *           Authorization: Bearer TOKEN; bodies up to 65,536 characters
 *   GitLab  GET   {api}/projects/{id}/merge_requests/{iid}/notes?per_page=100&sort=asc  (X-Next-Page)
 *           POST  {api}/projects/{id}/merge_requests/{iid}/notes               {"body": ...}
 *           PUT   {api}/projects/{id}/merge_requests/{iid}/notes/{note_id}     {"body": ...}
 *           PRIVATE-TOKEN (GITLAB_TOKEN) or JOB-TOKEN (CI_JOB_TOKEN); up to 1,000,000 characters
 *
 * The token is a secret: it goes into the HTTP client (which wipes it when
 * it closes) and into no message, trace or result. */
#ifndef SP_FORGE_H
#define SP_FORGE_H
#include <stddef.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "providers/http.h"

enum sp_forge_kind { SP_FORGE_GITHUB, SP_FORGE_GITLAB };

/* The documented limits of a comment's body, in characters. */
#define SP_FORGE_GITHUB_MAX_CHARS 65536
#define SP_FORGE_GITLAB_MAX_CHARS 1000000

/* Where the comment goes and how to get there. The strings are the
 * caller's and must outlive the calls. */
struct sp_forge_cfg {
	enum sp_forge_kind kind;
	const char *api_url;          /* https://api.github.com, https://gitlab.example.com/api/v4; a final '/' is allowed */
	const char *repo;             /* GitHub: OWNER/NAME; GitLab: the project's ID or its path (group/project) */
	long number;                  /* the pull request's number, or the merge request's IID */
	const char *token;            /* secret; never printed */
	const char *token_var;        /* the variable it came from (GITHUB_TOKEN, GITLAB_TOKEN, CI_JOB_TOKEN), for messages */
	int job_token;                /* GitLab: token is a CI/CD job token (sent as JOB-TOKEN) */
	struct sp_http_opts http;     /* timeouts and retries; its credentials are not used */
	size_t max_chars;             /* 0: the forge's documented limit */
	/* called after each request (the URL without credentials, the status or
	 * 0 when no answer came, the attempts it took); NULL: none */
	void (*trace)(void *ctx, const char *method, const char *url, long status, int attempts);
	void *trace_ctx;
};

/* What sp_forge_upsert did. */
struct sp_forge_result {
	int updated;                  /* 1: an existing comment was edited; 0: one was created */
	long long id;                 /* the comment's (note's) id */
	char url[512];                /* GitHub's html_url of the comment, or "" */
	int shortened;                /* the body was shortened to fit */
	size_t chars, limit;          /* characters posted, and the limit they had to fit */
	int pages;                    /* pages of comments read */
};

/* The forge's name as people know it: "GitHub", "GitLab". */
const char *sp_forge_name(enum sp_forge_kind k);

/* The configuration from the environment a CI job provides, with the
 * options' values winning over it (each may be NULL, number 0: not given):
 *   GitHub  GITHUB_TOKEN; GITHUB_REPOSITORY; the pull request's number from
 *           the JSON file GITHUB_EVENT_PATH names (pull_request.number,
 *           else number, else issue.number of a comment on a pull request);
 *           GITHUB_API_URL, else https://api.github.com
 *   GitLab  GITLAB_TOKEN (sent as PRIVATE-TOKEN), else CI_JOB_TOKEN (sent
 *           as JOB-TOKEN); CI_PROJECT_ID; CI_MERGE_REQUEST_IID; CI_API_V4_URL
 * Everything else in c is zeroed (http: the defaults). Strings point into
 * the environment or the arguments. 0, or SP_EINVAL with a message saying
 * what is missing and what sets it; never the token. */
int sp_forge_cfg_from_env(struct sp_forge_cfg *c, enum sp_forge_kind kind, const char *api_url, const char *repo,
			  long number, struct sp_err *err);

/* The pull request's number in a GitHub Actions event (the text of the file
 * GITHUB_EVENT_PATH names, len bytes; origin names it in messages): 0 with
 * *out, or SP_EINVAL. */
int sp_forge_github_event_number(const char *text, size_t len, const char *origin, long *out, struct sp_err *err);

/* Appends the marker line for the spec called name (NULL: "default"):
 * "<!-- scaleplan:comment name=NAME -->", NAME percent-encoded outside
 * [A-Za-z0-9._-], so that no name can end the HTML comment or look like
 * another's. */
void sp_forge_marker(struct sp_sb *sb, const char *name);

/* Whether a comment's body (len bytes) starts with the marker line. */
int sp_forge_has_marker(const char *body, size_t len, const char *marker);

/* Characters (Unicode code points) in len bytes of UTF-8. */
size_t sp_forge_chars(const char *s, size_t len);
/* Whether len bytes are UTF-8 text without NUL; *bad gets the byte offset
 * of the first problem. */
int sp_forge_utf8_ok(const char *s, size_t len, size_t *bad);

/* Appends the comment's body to out: the marker line, then the markdown
 * (len bytes, UTF-8). When that is more than max characters, the markdown
 * is cut at a line's end so that it, an end to an open code fence and
 * <details> block, and a note saying what was left out (forge names the
 * limit's owner) fit in max; *shortened says whether it was. */
void sp_forge_compose(struct sp_sb *out, const char *marker, const char *md, size_t len, size_t max,
		      const char *forge, int *shortened);

/* Finds the comment that starts with the marker of name and edits it to
 * markdown (len bytes of UTF-8), or creates it. Retries what the HTTP
 * client retries (429, 5xx, rate limits), and a create that got no answer
 * only after searching again, so a comment is never posted twice. When the
 * forge says the body is too long (its limit lower than the documented
 * one), shortens it to what the forge says and sends it again. 0 with *res
 * filled; or SP_EIO (no answer, or 429/5xx after the retries) or SP_EINVAL
 * (any other answer) with err naming the forge, the method, the URL
 * without credentials, the HTTP status and the API's message, and what to
 * do about a 401, 403 or 404. */
int sp_forge_upsert(const struct sp_forge_cfg *c, const char *name, const char *markdown, size_t len,
		    struct sp_forge_result *res, struct sp_err *err);

/* The API's words in an error answer (len bytes), as one printable line of
 * at most n-1 bytes (cut with "..."): GitHub's "message" and each of its
 * "errors" (an object's field and message, or its field and code, or a
 * string), GitLab's "message" (a string, or {field: [messages]}) or
 * "error"; else the start of the body. */
void sp_forge_api_message(const char *text, size_t len, char *out, size_t n);

/* The URL of the comments of the pull or merge request (page 1), for
 * messages and --dry-run; appended to out. */
void sp_forge_comments_url(struct sp_sb *out, const struct sp_forge_cfg *c);

#endif
