/* scaleplan comment: post the plan on the pull or merge request as one
 * comment per spec, updated in place on every run (docs/comment.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "planner/cli.h"
#include "planner/cmd_opts.h"
#include "planner/commands.h"
#include "lib/json.h"
#include "planner/planfile.h"
#include "planner/render_modeldiff.h"
#include "planner/render_plan.h"
#include "planner/workspace.h"
#include "providers/forge.h"

/* Largest file read as the comment's source (a plan document can be large;
 * what is posted is cut to the forge's limit). */
#define COMMENT_MAX_INPUT (512u << 20)

struct comment_args {
	const char *forge, *plan, *markdown, *diff, *name, *spec, *api_url, *repo;
	long number;
	int timeout_ms, max_time_ms, dry_run, verbose;
};

enum { O_PLAN = 0x2100, O_MARKDOWN, O_DIFF, O_NAME, O_SPEC, O_API, O_REPO, O_NUMBER, O_TIMEOUT, O_MAXTIME,
       O_DRY };

static const struct option opts[] = {
	{ "plan", required_argument, NULL, O_PLAN },
	{ "markdown", required_argument, NULL, O_MARKDOWN },
	{ "diff", required_argument, NULL, O_DIFF },
	{ "name", required_argument, NULL, O_NAME },
	{ "spec", required_argument, NULL, O_SPEC },
	{ "api-url", required_argument, NULL, O_API },
	{ "repo", required_argument, NULL, O_REPO },
	{ "project", required_argument, NULL, O_REPO },
	{ "number", required_argument, NULL, O_NUMBER },
	{ "pr", required_argument, NULL, O_NUMBER },
	{ "mr", required_argument, NULL, O_NUMBER },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "max-time", required_argument, NULL, O_MAXTIME },
	{ "dry-run", no_argument, NULL, O_DRY },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "no-color", no_argument, NULL, SP_OPT_NO_COLOR },
	{ NULL, 0, NULL, 0 },
};

/* Parses argv; -1 with *exit_now set when the command is done (help, a
 * usage error). */
static int parse(struct comment_args *a, int argc, char **argv, int *exit_now)
{
	int c, li = -1, nsrc;
	long n;

	memset(a, 0, sizeof(*a));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", opts, &li)) != -1) {
		const char *name = li >= 0 ? opts[li].name : NULL;
		int bad = 0;
		li = -1;
		switch (c) {
		case O_PLAN: a->plan = optarg; break;
		case O_MARKDOWN: a->markdown = optarg; break;
		case O_DIFF: a->diff = optarg; break;
		case O_NAME: a->name = optarg; break;
		case O_SPEC: a->spec = optarg; break;
		case O_API: a->api_url = optarg; break;
		case O_REPO: a->repo = optarg; break;
		case O_NUMBER:
			bad = sp_parse_count(optarg, 1, 2147483647L, &n);
			a->number = n;
			break;
		case O_TIMEOUT: bad = sp_parse_duration_ms(optarg, &a->timeout_ms) || a->timeout_ms < 1; break;
		case O_MAXTIME: bad = sp_parse_duration_ms(optarg, &a->max_time_ms) || a->max_time_ms < 1; break;
		case O_DRY: a->dry_run = 1; break;
		case 'v': a->verbose = 1; break;
		case SP_OPT_NO_COLOR: break;
		case 'h':
			sp_cli_print_usage(stdout, &sp_cmd_comment);
			*exit_now = SP_EXIT_OK;
			return -1;
		case ':':
			*exit_now = sp_cli_usage_error(&sp_cmd_comment, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			*exit_now = sp_cli_usage_error(&sp_cmd_comment, "unknown option '%s'", argv[optind - 1]);
			return -1;
		}
		if (bad) {
			*exit_now = sp_cli_usage_error(&sp_cmd_comment, "invalid value '%s' for option '--%s'", optarg,
						       name ? name : "?");
			return -1;
		}
	}
	if (optind >= argc) {
		*exit_now = sp_cli_usage_error(&sp_cmd_comment, "which forge? 'github' or 'gitlab'");
		return -1;
	}
	a->forge = argv[optind];
	if (strcmp(a->forge, "github") && strcmp(a->forge, "gitlab")) {
		*exit_now = sp_cli_usage_error(&sp_cmd_comment, "unknown forge '%s'; expected github or gitlab", a->forge);
		return -1;
	}
	if (argc - optind > 1) {
		*exit_now = sp_cli_usage_error(&sp_cmd_comment, "too many arguments");
		return -1;
	}
	nsrc = !!a->plan + !!a->markdown + !!a->diff;
	if (nsrc != 1) {
		*exit_now = sp_cli_usage_error(&sp_cmd_comment, "%s",
					       nsrc ? "give only one of --plan, --markdown and --diff"
						    : "what to post? give --plan PLAN.json, --markdown FILE or --diff FILE");
		return -1;
	}
	return 0;
}

/* A plan made with --base: the change from the base with its gates, as
 * plan --base --format markdown leads with it, into md; nothing without
 * "base". 0 or -1 (printed). */
static int render_base(const char *path, const struct sp_sb *text, struct sp_sb *md)
{
	struct sp_modeldiff d;
	struct sp_gate_report gates;
	struct sp_err err;
	json_t *root, *base;
	int has_gates, ret = 0;

	sp_err_clear(&err);
	root = sp_json_parse(text->buf, text->len, path, "not a plan file", &err);
	if (!root) {
		sp_ws_print_err(&err, NULL);
		return -1;
	}
	base = json_object_get(root, "base");
	if (base) {
		if (sp_modeldiff_from_json(&d, &gates, &has_gates, base, path, &err) < 0) {
			struct sp_src src = { path, text->buf, text->len };
			sp_ws_print_err(&err, &src);
			ret = -1;
		} else {
			sp_render_modeldiff_markdown(md, &d, has_gates ? &gates : NULL, SP_PLAN_MARKDOWN_MAX * 2 / 5);
			sp_sb_adds(md, "\n");
		}
		sp_modeldiff_free(&d);
	}
	json_decref(root);
	return ret;
}

/* The plan document in text (from path) as the markdown plan --format
 * markdown writes (leading with the change from the base of a plan made
 * with --base); *name gets the plan's spec name (or stays). */
static int render_plan(const char *path, const struct sp_sb *text, struct sp_sb *md, const char **name,
		       struct sp_sb *name_buf)
{
	struct sp_saved_plan sp;
	struct sp_plan_view v;
	struct sp_err err;

	sp_err_clear(&err);
	if (sp_plan_from_json(&sp, text->buf, text->len, path, &err) < 0) {
		struct sp_src src = { path, text->buf, text->len };
		sp_ws_print_err(&err, &src);
		sp_saved_plan_free(&sp);
		return -1;
	}
	if (render_base(path, text, md) < 0) {
		sp_saved_plan_free(&sp);
		return -1;
	}
	memset(&v, 0, sizeof(v));
	v.title = sp.spec_name;
	v.at = sp.at;
	v.percentile = sp.percentile;
	v.diff = &sp.diff;
	v.cost = sp.cost.catalog[0] ? &sp.cost : NULL;   /* format 1 files have no monthly figures */
	v.left_alone = sp.left_alone;
	v.nleft_alone = sp.nleft_alone;
	sp_render_plan_markdown(md, &v, SP_PLAN_MARKDOWN_MAX - md->len);
	if (!*name && sp.spec_name) {
		sp_sb_adds(name_buf, sp.spec_name);
		*name = name_buf->buf;
	}
	sp_saved_plan_free(&sp);
	return 0;
}

/* The comment's markdown, from --plan, --markdown or --diff. */
static int load_body(const struct comment_args *a, struct sp_sb *md, const char **name, struct sp_sb *name_buf)
{
	const char *path = a->plan ? a->plan : a->markdown ? a->markdown : a->diff;
	struct sp_sb text = SP_SB_INIT;
	size_t bad, i = 0;
	int rc = sp_sb_read_file(&text, path, COMMENT_MAX_INPUT), ret = -1;

	if (rc < 0) {
		if (rc == -2)
			sp_ws_error("cannot read '%s': larger than %u MiB", path, COMMENT_MAX_INPUT >> 20);
		else
			sp_ws_error("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	while (i < text.len && (text.buf[i] == ' ' || text.buf[i] == '\n' || text.buf[i] == '\r' || text.buf[i] == '\t'))
		i++;
	if (a->plan || (a->diff && i < text.len && text.buf[i] == '{')) {
		/* a plan document (a JSON diff of another kind is refused by the plan reader) */
		if (a->diff)
			fprintf(stderr, "scaleplan: note: '%s' is JSON: reading it as a plan document\n", path);
		ret = render_plan(path, &text, md, name, name_buf);
		goto out;
	}
	if (i == text.len) {
		sp_ws_error("'%s' is empty: nothing to post", path);
		goto out;
	}
	if (!sp_forge_utf8_ok(text.buf, text.len, &bad)) {
		sp_ws_error("'%s' is not UTF-8 text: byte %zu is %s", path, bad,
			    text.buf[bad] ? "not UTF-8" : "a NUL");
		goto out;
	}
	sp_sb_add(md, text.buf, text.len);
	ret = 0;
out:
	sp_sb_release(&text);
	return ret;
}

/* Which spec the comment is for, when neither --name nor a plan says: the
 * name in the spec (--spec, else scaleplan.yaml here). */
static int spec_name(const struct comment_args *a, const char **name, struct sp_sb *name_buf)
{
	const char *path = a->spec ? a->spec : SP_DEFAULT_SPEC;
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_spec *spec = NULL;

	if (!a->spec && access(path, F_OK) < 0) {
		sp_ws_error("which spec is this comment for? give --name NAME (or --spec FILE; there is no %s here)",
			    SP_DEFAULT_SPEC);
		return -1;
	}
	if (sp_ws_load(path, &spec, NULL, &r) < 0) {
		sp_ws_report_print(&r);
		return -1;
	}
	sp_ws_report_free(&r);
	sp_sb_adds(name_buf, spec->name ? spec->name : "default");
	*name = name_buf->buf;
	sp_spec_free(spec);
	return 0;
}

static void trace(void *ctx, const char *method, const char *url, long status, int attempts)
{
	(void)ctx;
	if (status)
		fprintf(stderr, "scaleplan: %s %s: HTTP %ld (%d attempt%s)\n", method, url, status, attempts,
			attempts == 1 ? "" : "s");
	else
		fprintf(stderr, "scaleplan: %s %s: no answer (%d attempt%s)\n", method, url, attempts,
			attempts == 1 ? "" : "s");
}

/* "pull request #7 of acme/shop", "merge request !7 of project 42" */
static void where_text(char *buf, size_t n, const struct sp_forge_cfg *c)
{
	if (c->kind == SP_FORGE_GITHUB)
		snprintf(buf, n, "pull request #%ld of %s", c->number, c->repo);
	else
		snprintf(buf, n, "merge request !%ld of project %s", c->number, c->repo);
}

static int cmd_comment(int argc, char **argv)
{
	struct comment_args a;
	struct sp_sb md = SP_SB_INIT, name_buf = SP_SB_INIT;
	struct sp_forge_cfg c;
	struct sp_forge_result res;
	struct sp_err err;
	const char *name;
	char where[600];
	int exit_now, ret = SP_EXIT_ERROR;

	if (parse(&a, argc, argv, &exit_now) < 0)
		return exit_now;
	name = a.name;
	if (load_body(&a, &md, &name, &name_buf) < 0)
		goto out;
	if (!name && spec_name(&a, &name, &name_buf) < 0)
		goto out;
	sp_err_clear(&err);
	if (sp_forge_cfg_from_env(&c, !strcmp(a.forge, "github") ? SP_FORGE_GITHUB : SP_FORGE_GITLAB, a.api_url, a.repo,
				  a.number, &err) < 0) {
		sp_ws_print_err(&err, NULL);
		goto out;
	}
	c.http.timeout_ms = a.timeout_ms;
	c.http.total_ms = a.max_time_ms;
	if (a.verbose)
		c.trace = trace;
	where_text(where, sizeof(where), &c);
	if (a.dry_run) {
		struct sp_sb url = SP_SB_INIT, marker = SP_SB_INIT, body = SP_SB_INIT;
		int shortened;
		sp_forge_comments_url(&url, &c);
		sp_forge_marker(&marker, name);
		sp_forge_compose(&body, marker.buf, md.buf, md.len,
				 c.kind == SP_FORGE_GITHUB ? SP_FORGE_GITHUB_MAX_CHARS : SP_FORGE_GITLAB_MAX_CHARS,
				 sp_forge_name(c.kind), &shortened);
		printf("Would post or update the comment for '%s' on %s (%s), nothing sent:\n\n", name, where, url.buf);
		fwrite(body.buf, 1, body.len, stdout);
		sp_sb_release(&url);
		sp_sb_release(&marker);
		sp_sb_release(&body);
		ret = SP_EXIT_OK;
		goto out;
	}
	if (sp_forge_upsert(&c, name, md.buf, md.len, &res, &err) < 0) {
		sp_ws_error("%s", err.msg);
		fprintf(stderr, "The comment for '%s' on %s was not %s.\n", name, where,
			"posted or updated");
		goto out;
	}
	printf("%s the comment for '%s' on %s", res.updated ? "Updated" : "Posted", name, where);
	if (res.url[0])
		printf(": %s\n", res.url);
	else
		printf(" (%s %lld)\n", c.kind == SP_FORGE_GITHUB ? "comment" : "note", res.id);
	if (res.shortened)
		printf("The text was shortened to %zu characters to fit %s's limit of %zu.\n", res.chars,
		       sp_forge_name(c.kind), res.limit);
	ret = SP_EXIT_OK;
out:
	sp_sb_release(&md);
	sp_sb_release(&name_buf);
	return ret;
}

const struct sp_cmd sp_cmd_comment = {
	"comment", cmd_comment, "post or update the plan comment on a pull or merge request",
	"usage: scaleplan comment github|gitlab (--plan PLAN.json | --markdown FILE | --diff FILE) [OPTIONS]\n"
	"\n"
	"Posts the plan on the pull request (GitHub) or merge request (GitLab) the CI\n"
	"job runs for, as one comment per spec: the comment starts with a hidden marker\n"
	"that names the spec, and the next run edits that comment instead of adding\n"
	"one. A text longer than the forge takes (GitHub 65,536 characters, GitLab\n"
	"1,000,000) is shortened with a note. Requests that fail for a while (429, 5xx,\n"
	"rate limits) are sent again with backoff; the token is never printed.\n"
	"\n"
	"What to post (one of):\n"
	"      --plan FILE         a plan document (plan -out FILE, or plan --format json),\n"
	"                          shown as plan --format markdown shows it (a plan\n"
	"                          made with --base leads with the change from the base)\n"
	"      --markdown FILE     a markdown file, posted as it is\n"
	"      --diff FILE         the file 'scaleplan diff --format markdown -o FILE'\n"
	"                          writes (markdown, posted as it is)\n"
	"\n"
	"Where (defaults from the CI job's environment; docs/comment.md):\n"
	"      --repo REPO         GitHub OWNER/NAME ($GITHUB_REPOSITORY); GitLab the\n"
	"                          project's ID or path ($CI_PROJECT_ID); also --project\n"
	"      --number N          the pull request (from $GITHUB_EVENT_PATH) or the merge\n"
	"                          request's IID ($CI_MERGE_REQUEST_IID); also --pr, --mr\n"
	"      --api-url URL       the API ($GITHUB_API_URL, else https://api.github.com;\n"
	"                          $CI_API_V4_URL)\n"
	"      --name NAME         the spec the comment is for (default: the plan's spec,\n"
	"                          else the name in --spec FILE or scaleplan.yaml)\n"
	"      --spec FILE         the spec whose name marks the comment\n"
	"\n"
	"      --timeout D         one request (default 10s)\n"
	"      --max-time D        all requests and retries (default 60s)\n"
	"      --dry-run           print the comment and where it would go; send nothing\n"
	"  -v, --verbose           each request: method, URL, HTTP status, attempts\n"
	"  -h, --help              show this help\n"
	"\n"
	"The token: GitHub $GITHUB_TOKEN (pull-requests: write); GitLab $GITLAB_TOKEN\n"
	"(api scope), else $CI_JOB_TOKEN (which GitLab does not accept for notes).\n"
	"Exit status: 0 posted or updated, 1 error (the forge's status and message)\n"
	"or a usage error.\n",
};
