/* The forges' comment APIs (providers/forge.c) without a server: the marker,
 * the text checks, the shortening, the GitHub event file, the configuration
 * from the environment (and that no message holds the token), the API's
 * error words; and the HTTP client's pieces they use (providers/http.c): the
 * Link header, what counts as a rate limit. The requests themselves are
 * tested against tests/servers/forge.py by tests/e2e-forge.sh. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/strbuf.h"
#include "providers/forge.h"
#include "providers/http.h"

Suite *suite_forge(void);

START_TEST(test_marker)
{
	struct sp_sb sb = SP_SB_INIT;
	const char *m;

	sp_forge_marker(&sb, "acme-shop");
	ck_assert_str_eq(sb.buf, "<!-- scaleplan:comment name=acme-shop -->");
	sp_sb_reset(&sb);
	sp_forge_marker(&sb, NULL);
	ck_assert_str_eq(sb.buf, "<!-- scaleplan:comment name=default -->");
	/* nothing in a name can end the HTML comment or pass for another name */
	sp_sb_reset(&sb);
	sp_forge_marker(&sb, "a --> b/é");
	ck_assert_str_eq(sb.buf, "<!-- scaleplan:comment name=a%20--%3E%20b%2F%C3%A9 -->");

	sp_sb_reset(&sb);
	sp_forge_marker(&sb, "shop");
	m = sb.buf;
	ck_assert(sp_forge_has_marker(m, strlen(m), m));
	ck_assert(sp_forge_has_marker("<!-- scaleplan:comment name=shop -->\n### plan", 45, m));
	ck_assert(sp_forge_has_marker("<!-- scaleplan:comment name=shop -->\r\n### plan", 46, m));
	/* another spec whose name starts the same, a quote, text before it, a cut marker */
	ck_assert(!sp_forge_has_marker("<!-- scaleplan:comment name=shop2 -->\n", 38, m));
	ck_assert(!sp_forge_has_marker("> <!-- scaleplan:comment name=shop -->\n", 39, m));
	ck_assert(!sp_forge_has_marker("hi\n<!-- scaleplan:comment name=shop -->\n", 41, m));
	ck_assert(!sp_forge_has_marker("<!-- scaleplan:comment name=shop -->x", 37, m));
	ck_assert(!sp_forge_has_marker("<!-- scaleplan:comment name=sh", 30, m));
	ck_assert(!sp_forge_has_marker("", 0, m));
	sp_sb_release(&sb);
}
END_TEST

START_TEST(test_utf8)
{
	size_t bad = 99;

	ck_assert_uint_eq(sp_forge_chars("abc", 3), 3);
	ck_assert_uint_eq(sp_forge_chars("caf\xc3\xa9 \xf0\x9f\x9a\x80", 10), 6);
	ck_assert(sp_forge_utf8_ok("caf\xc3\xa9 \xf0\x9f\x9a\x80 \xe2\x82\xac", 14, &bad));
	ck_assert(sp_forge_utf8_ok("", 0, &bad));
	ck_assert(!sp_forge_utf8_ok("ab\0c", 4, &bad));
	ck_assert_uint_eq(bad, 2);
	ck_assert(!sp_forge_utf8_ok("caf\xe9", 4, &bad));             /* Latin-1 */
	ck_assert_uint_eq(bad, 3);
	ck_assert(!sp_forge_utf8_ok("x\xc0\x80", 3, &bad));           /* overlong NUL */
	ck_assert_uint_eq(bad, 1);
	ck_assert(!sp_forge_utf8_ok("\xe0\x80\xaf", 3, &bad));        /* overlong '/' */
	ck_assert(!sp_forge_utf8_ok("\xed\xa0\x80", 3, &bad));        /* a surrogate */
	ck_assert(!sp_forge_utf8_ok("\xf4\x90\x80\x80", 4, &bad));    /* past U+10FFFF */
	ck_assert(!sp_forge_utf8_ok("ok\xe2\x82", 4, &bad));          /* cut at the end */
	ck_assert_uint_eq(bad, 2);
	ck_assert(!sp_forge_utf8_ok("\x80", 1, &bad));                /* a lone continuation */
}
END_TEST

/* A markdown text of n lines, with a code block and a details block open
 * over most of it, and a two-byte character on each line. */
static char *long_markdown(int n, size_t *len)
{
	struct sp_sb sb = SP_SB_INIT;

	sp_sb_adds(&sb, "### plan\n\n<details><summary>all</summary>\n\n```diff\n");
	for (int i = 0; i < n; i++)
		sp_sb_addf(&sb, "+ line %05d \xc3\xa9 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", i);
	sp_sb_adds(&sb, "```\n\n</details>\n");
	return sp_sb_detach(&sb, len);
}

START_TEST(test_compose)
{
	struct sp_sb out = SP_SB_INIT;
	const char *m = "<!-- scaleplan:comment name=x -->";
	size_t len, max = 20000;
	char *md = long_markdown(2000, &len);
	int sh = -1;

	/* fits: the marker line, then the text as it is */
	sp_forge_compose(&out, m, "hello\n", 6, 1000, "GitHub", &sh);
	ck_assert_int_eq(sh, 0);
	ck_assert_str_eq(out.buf, "<!-- scaleplan:comment name=x -->\nhello\n");
	/* exactly at the limit still fits */
	sp_sb_reset(&out);
	sp_forge_compose(&out, m, "hello\n", 6, strlen(m) + 1 + 6, "GitHub", &sh);
	ck_assert_int_eq(sh, 0);

	/* too long: cut at a line's end, the blocks closed, a note, within the limit */
	sp_sb_reset(&out);
	sp_forge_compose(&out, m, md, len, max, "GitHub", &sh);
	ck_assert_int_eq(sh, 1);
	ck_assert_uint_le(sp_forge_chars(out.buf, out.len), max);
	ck_assert_uint_gt(sp_forge_chars(out.buf, out.len), max - 700);
	ck_assert(sp_forge_utf8_ok(out.buf, out.len, NULL));
	ck_assert_int_eq(strncmp(out.buf, m, strlen(m)), 0);
	ck_assert_ptr_nonnull(strstr(out.buf, "xxxx\n```\n\n</details>\n\n---\n*Shortened to fit GitHub's limit of "
					      "20,000 characters: the first "));
	ck_assert_ptr_nonnull(strstr(out.buf, " characters are shown.*\n"));
	{
		char total[64];
		snprintf(total, sizeof(total), " of %zu characters", sp_forge_chars(md, len));
		ck_assert_ptr_nonnull(strstr(out.buf, total));
	}
	/* the text kept is a prefix of the original, ending at a newline */
	{
		const char *body = out.buf + strlen(m) + 1, *end = strstr(body, "```\n\n</details>\n\n---");
		ck_assert_ptr_nonnull(end);
		ck_assert_int_eq(memcmp(body, md, (size_t)(end - body)), 0);
		ck_assert_int_eq(end[-1], '\n');
	}

	/* one line longer than the limit: cut inside it, at a character's end */
	{
		struct sp_sb one = SP_SB_INIT;
		for (int i = 0; i < 5000; i++)
			sp_sb_adds(&one, "\xc3\xa9");
		sp_sb_reset(&out);
		sp_forge_compose(&out, m, one.buf, one.len, 3000, "GitLab", &sh);
		ck_assert_int_eq(sh, 1);
		ck_assert_uint_le(sp_forge_chars(out.buf, out.len), 3000);
		ck_assert(sp_forge_utf8_ok(out.buf, out.len, NULL));
		ck_assert_ptr_nonnull(strstr(out.buf, "GitLab's limit of 3,000 characters"));
		sp_sb_release(&one);
	}
	/* a limit smaller than the note: the marker alone */
	sp_sb_reset(&out);
	sp_forge_compose(&out, m, md, len, 100, "GitHub", &sh);
	ck_assert_int_eq(sh, 1);
	ck_assert_str_eq(out.buf, "<!-- scaleplan:comment name=x -->\n");
	sp_sb_release(&out);
	free(md);
}
END_TEST

START_TEST(test_event)
{
	struct sp_err err;
	long n = 0;
	const char *pr = "{\"action\": \"opened\", \"number\": 12, \"pull_request\": {\"number\": 12}}";
	const char *num = "{\"number\": 13}";
	const char *issue = "{\"issue\": {\"number\": 14, \"pull_request\": {}}}";
	const char *plain_issue = "{\"issue\": {\"number\": 15}}";
	const char *push = "{\"ref\": \"refs/heads/main\"}";

	ck_assert_int_eq(sp_forge_github_event_number(pr, strlen(pr), "ev.json", &n, &err), 0);
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(sp_forge_github_event_number(num, strlen(num), "ev.json", &n, &err), 0);
	ck_assert_int_eq(n, 13);
	ck_assert_int_eq(sp_forge_github_event_number(issue, strlen(issue), "ev.json", &n, &err), 0);
	ck_assert_int_eq(n, 14);
	/* a comment on an issue that is not a pull request, a push */
	ck_assert_int_eq(sp_forge_github_event_number(plain_issue, strlen(plain_issue), "ev.json", &n, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, "ev.json");
	ck_assert_ptr_nonnull(strstr(err.msg, "the event has no pull request"));
	ck_assert_int_eq(sp_forge_github_event_number(push, strlen(push), "ev.json", &n, &err), SP_EINVAL);
	ck_assert_int_eq(sp_forge_github_event_number("{\"number\": -1}", 14, "ev.json", &n, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "the event's pull request number is not a positive integer");
	ck_assert_int_eq(sp_forge_github_event_number("[1]", 3, "ev.json", &n, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "the event file's top level is not an object");
	ck_assert_int_eq(sp_forge_github_event_number("{\n\"number\": }", 13, "ev.json", &n, &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "the event file is not JSON"));
}
END_TEST

static void clear_env(void)
{
	static const char *const vars[] = { "GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_EVENT_PATH", "GITHUB_API_URL",
					    "GITLAB_TOKEN", "CI_JOB_TOKEN", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID",
					    "CI_API_V4_URL" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
}

#define SECRET "ghp_unitSECRETtoken0123456789"

START_TEST(test_cfg_env)
{
	struct sp_forge_cfg c;
	struct sp_err err;

	clear_env();
	sp_err_clear(&err);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, NULL, 0, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "GITHUB_TOKEN is not set"));
	setenv("GITHUB_TOKEN", SECRET, 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, NULL, 0, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "GITHUB_REPOSITORY is not set"));
	setenv("GITHUB_REPOSITORY", "acme/shop", 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, NULL, 0, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "GITHUB_EVENT_PATH is not set"));
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, NULL, 7, &err), 0);
	ck_assert_str_eq(c.api_url, "https://api.github.com");
	ck_assert_str_eq(c.repo, "acme/shop");
	ck_assert_int_eq(c.number, 7);
	ck_assert_str_eq(c.token, SECRET);
	ck_assert_str_eq(c.token_var, "GITHUB_TOKEN");
	/* GitHub Enterprise: GITHUB_API_URL; an option wins */
	setenv("GITHUB_API_URL", "https://ghe.example/api/v3", 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, "o/r", 7, &err), 0);
	ck_assert_str_eq(c.api_url, "https://ghe.example/api/v3");
	ck_assert_str_eq(c.repo, "o/r");
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, "http://127.0.0.1:1", NULL, 7, &err), 0);
	ck_assert_str_eq(c.api_url, "http://127.0.0.1:1");
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, "file:///etc", NULL, 7, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "the API URL 'file:///etc' (--api-url) is not an http:// or https:// URL");
	static const char *const bad_repos[] = { "acme", "/shop", "acme/", "a/b/c", "a b/c", "a/b?x" };
	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, bad_repos[i], 7, &err), SP_EINVAL);
	/* a token that would break the header is refused without being shown */
	setenv("GITHUB_TOKEN", "ghp_unit SECRET\n", 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITHUB, NULL, NULL, 7, &err), SP_EINVAL);
	ck_assert_ptr_null(strstr(err.msg, "SECRET"));
	ck_assert_ptr_nonnull(strstr(err.msg, "GITHUB_TOKEN holds a character"));

	/* GitLab: GITLAB_TOKEN before CI_JOB_TOKEN */
	clear_env();
	setenv("CI_JOB_TOKEN", "job-" SECRET, 1);
	setenv("CI_API_V4_URL", "https://gitlab.example/api/v4", 1);
	setenv("CI_PROJECT_ID", "42", 1);
	setenv("CI_MERGE_REQUEST_IID", "9", 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, NULL, 0, &err), 0);
	ck_assert_int_eq(c.job_token, 1);
	ck_assert_str_eq(c.token_var, "CI_JOB_TOKEN");
	ck_assert_int_eq(c.number, 9);
	ck_assert_str_eq(c.repo, "42");
	setenv("GITLAB_TOKEN", "glpat-" SECRET, 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, "group/sub/proj", 3, &err), 0);
	ck_assert_int_eq(c.job_token, 0);
	ck_assert_str_eq(c.token_var, "GITLAB_TOKEN");
	ck_assert_str_eq(c.repo, "group/sub/proj");
	ck_assert_int_eq(c.number, 3);
	setenv("CI_MERGE_REQUEST_IID", "-4", 1);
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, NULL, 0, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "CI_MERGE_REQUEST_IID '-4' is not a positive integer");
	unsetenv("CI_MERGE_REQUEST_IID");
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, NULL, 0, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "CI_MERGE_REQUEST_IID is not set"));
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, "../x", 3, &err), SP_EINVAL);
	unsetenv("CI_API_V4_URL");
	ck_assert_int_eq(sp_forge_cfg_from_env(&c, SP_FORGE_GITLAB, NULL, NULL, 3, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "CI_API_V4_URL is not set"));
	ck_assert_ptr_null(strstr(err.msg, SECRET));
	clear_env();
}
END_TEST

START_TEST(test_urls)
{
	struct sp_forge_cfg c;
	struct sp_sb sb = SP_SB_INIT;

	memset(&c, 0, sizeof(c));
	c.kind = SP_FORGE_GITHUB;
	c.api_url = "https://ghe.example/api/v3/";
	c.repo = "acme/shop.web";
	c.number = 7;
	sp_forge_comments_url(&sb, &c);
	ck_assert_str_eq(sb.buf, "https://ghe.example/api/v3/repos/acme/shop.web/issues/7/comments");
	sp_sb_reset(&sb);
	c.kind = SP_FORGE_GITLAB;
	c.api_url = "https://gitlab.example/api/v4";
	c.repo = "group/sub project";
	sp_forge_comments_url(&sb, &c);
	ck_assert_str_eq(sb.buf, "https://gitlab.example/api/v4/projects/group%2Fsub%20project/merge_requests/7/notes");
	sp_sb_release(&sb);
}
END_TEST

START_TEST(test_api_message)
{
	char out[320];
	const char *gh422 = "{\"message\":\"Validation Failed\",\"errors\":[{\"resource\":\"IssueComment\",\"code\":"
			    "\"custom\",\"field\":\"body\",\"message\":\"body is too long (maximum is 65536 characters)\"},"
			    "{\"resource\":\"IssueComment\",\"code\":\"missing_field\",\"field\":\"title\"},\"plain\"],"
			    "\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"422\"}";
	const char *gl400 = "{\"message\":{\"note\":[\"is too long (maximum is 1000000 characters)\",\"is bad\"],"
			    "\"base\":[\"x\"]}}";

	sp_forge_api_message(gh422, strlen(gh422), out, sizeof(out));
	ck_assert_str_eq(out, "Validation Failed (body: body is too long (maximum is 65536 characters); title "
			      "missing_field; plain)");
	sp_forge_api_message(gl400, strlen(gl400), out, sizeof(out));
	ck_assert_str_eq(out, "note: is too long (maximum is 1000000 characters), is bad; base: x");
	sp_forge_api_message("{\"error\":\"body is missing\"}", 27, out, sizeof(out));
	ck_assert_str_eq(out, "body is missing");
	sp_forge_api_message("{\"message\":\"401 Unauthorized\"}", 30, out, sizeof(out));
	ck_assert_str_eq(out, "401 Unauthorized");
	/* not JSON: the start of the body, on one line */
	sp_forge_api_message("Retry later\n", 12, out, sizeof(out));
	ck_assert_str_eq(out, "Retry later ");
	/* a long message is cut, with "..." */
	{
		char small[16];
		sp_forge_api_message("{\"message\":\"abcdefghijklmnopqrstuvwxyz\"}", 40, small, sizeof(small));
		ck_assert_str_eq(small, "abcdefghijkl...");
	}
}
END_TEST

START_TEST(test_http_link)
{
	char out[128];
	const char *gh = "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3>; rel=\"next\", "
			 "<https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=9>; rel=\"last\"";
	const char *prev_first = "<https://x/a?page=1>; rel=\"prev\", <https://x/a?page=1>; rel=\"first\"";
	const char *multi = "<https://x/a?page=4>; title=\"a, b\"; REL=\"last next\"";
	const char *bare = "<https://x/a?page=5>; rel=next";

	ck_assert_int_eq(sp_http_link_next(gh, strlen(gh), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "https://api.github.com/repositories/1/issues/2/comments?per_page=100&page=3");
	ck_assert_int_eq(sp_http_link_next(prev_first, strlen(prev_first), out, sizeof(out)), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(sp_http_link_next(multi, strlen(multi), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "https://x/a?page=4");
	ck_assert_int_eq(sp_http_link_next(bare, strlen(bare), out, sizeof(out)), 0);
	ck_assert_str_eq(out, "https://x/a?page=5");
	/* "nextpage" is not "next"; a URL that does not fit is no link */
	ck_assert_int_eq(sp_http_link_next("<https://x/b>; rel=\"nextpage\"", 29, out, sizeof(out)), -1);
	ck_assert_int_eq(sp_http_link_next(gh, strlen(gh), out, 20), -1);
	ck_assert_int_eq(sp_http_link_next("<https://x/b; rel=\"next\"", 24, out, sizeof(out)), -1);
	ck_assert_int_eq(sp_http_link_next("", 0, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_http_rate_limits)
{
	struct sp_http_resp r;

	memset(&r, 0, sizeof(r));
	r.retry_after_ms = -1;
	r.ratelimit_remaining = -1;
	r.status = 403;   /* a permission problem: not worth sending again */
	ck_assert(!sp_http_transient(&r));
	r.ratelimit_remaining = 0;   /* GitHub's primary rate limit */
	ck_assert(sp_http_transient(&r));
	r.ratelimit_remaining = 12;
	r.retry_after_ms = 60000;    /* a secondary rate limit */
	ck_assert(sp_http_transient(&r));
	r.status = 404;
	ck_assert(!sp_http_transient(&r));
	r.status = 429;
	r.retry_after_ms = -1;
	ck_assert(sp_http_transient(&r));
	r.status = 0;                /* no answer */
	ck_assert(sp_http_transient(&r));
	r.status = 502;
	ck_assert(sp_http_transient(&r));
}
END_TEST

START_TEST(test_upsert_refuses_bad_text)
{
	struct sp_forge_cfg c;
	struct sp_forge_result res;
	struct sp_err err;

	memset(&c, 0, sizeof(c));
	c.kind = SP_FORGE_GITHUB;
	c.api_url = "http://127.0.0.1:1";
	c.repo = "a/b";
	c.number = 1;
	c.token = SECRET;
	sp_err_clear(&err);
	/* refused before anything is sent (nothing listens on port 1 anyway) */
	ck_assert_int_eq(sp_forge_upsert(&c, "x", "ok\xff", 3, &res, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "the comment is not UTF-8 text (byte 2 is a NUL or not UTF-8); nothing was sent");
}
END_TEST

Suite *suite_forge(void)
{
	Suite *s = suite_create("forge");
	TCase *tc = tcase_create("forge");

	tcase_add_test(tc, test_marker);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_compose);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_cfg_env);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_api_message);
	tcase_add_test(tc, test_http_link);
	tcase_add_test(tc, test_http_rate_limits);
	tcase_add_test(tc, test_upsert_refuses_bad_text);
	suite_add_tcase(s, tc);
	return s;
}
