/* The spec at a git revision (planner/git.c) in real repositories each test
 * builds with libgit2 in its scratch folder: opening the repository of a
 * spec path, resolving a base (a ref, a commit id that is not there, the
 * merge base with the default branch or the CI's target branch), reading a
 * spec file or folder from a tree, a spec that moved, what is not a regular
 * file, a work tree with changes; and the loader's entry for specs in
 * memory, whose positions read REF:PATH:LINE:COL. */
#include <check.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/diag.h"
#include "lib/err.h"
#include "model/spec.h"
#include "planner/git.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_git(void);

/* ---- building repositories ---------------------------------------------------------------------- */

static git_repository *repo;
static int ncommits;

static void git_setup(void)
{
	tmp_setup();
	git_libgit2_init();
	unsetenv("GITHUB_BASE_REF");
	unsetenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
	ck_assert_int_eq(git_repository_init(&repo, tmpdir, 0), 0);
	/* the first commit goes to main */
	ck_assert_int_eq(git_repository_set_head(repo, "refs/heads/main"), 0);
	ncommits = 0;
}

static void git_teardown(void)
{
	git_repository_free(repo);
	repo = NULL;
	git_libgit2_shutdown();
	unsetenv("GITHUB_BASE_REF");
	unsetenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
	tmp_teardown();
}

/* Writes text to <tmpdir>/<rel>, making its folders. */
static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	for (char *s = strchr(path + strlen(tmpdir) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	spew(path, text);
}

static void rm_rel(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	ck_assert_int_eq(remove(path), 0);
}

/* Commits the whole work tree (additions, edits, deletions) on HEAD's
 * branch; returns the commit's id in hex (static ring of 4). */
static const char *commit_all(const char *msg)
{
	static char ids[4][41];
	static int k;
	git_index *idx;
	git_oid tree_id, parent_id, id;
	git_tree *tree;
	git_commit *parent = NULL;
	git_signature *sig;
	char *id_out = ids[k++ % 4];

	ck_assert_int_eq(git_repository_index(&idx, repo), 0);
	ck_assert_int_eq(git_index_add_all(idx, NULL, 0, NULL, NULL), 0);
	ck_assert_int_eq(git_index_update_all(idx, NULL, NULL, NULL), 0);
	ck_assert_int_eq(git_index_write(idx), 0);
	ck_assert_int_eq(git_index_write_tree(&tree_id, idx), 0);
	ck_assert_int_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
	ck_assert_int_eq(git_signature_new(&sig, "Test", "test@example.com", 1800000000 + ncommits++, 0), 0);
	if (git_reference_name_to_id(&parent_id, repo, "HEAD") == 0)
		ck_assert_int_eq(git_commit_lookup(&parent, repo, &parent_id), 0);
	ck_assert_int_eq(git_commit_create_v(&id, repo, "HEAD", sig, sig, NULL, msg, tree, parent ? 1 : 0, parent), 0);
	git_oid_tostr(id_out, 41, &id);
	git_commit_free(parent);
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	return id_out;
}

/* A new branch at HEAD's commit, made HEAD (the work tree stays as it is). */
static void branch_here(const char *name)
{
	git_oid id;
	git_commit *c;
	git_reference *ref;
	char full[128];

	ck_assert_int_eq(git_reference_name_to_id(&id, repo, "HEAD"), 0);
	ck_assert_int_eq(git_commit_lookup(&c, repo, &id), 0);
	ck_assert_int_eq(git_branch_create(&ref, repo, name, c, 0), 0);
	snprintf(full, sizeof(full), "refs/heads/%s", name);
	ck_assert_int_eq(git_repository_set_head(repo, full), 0);
	git_reference_free(ref);
	git_commit_free(c);
}

/* Makes branch name HEAD and the work tree and index its tree. */
static void switch_to(const char *name)
{
	git_checkout_options co;
	char full[128];

	snprintf(full, sizeof(full), "refs/heads/%s", name);
	ck_assert_int_eq(git_repository_set_head(repo, full), 0);
	git_checkout_options_init(&co, GIT_CHECKOUT_OPTIONS_VERSION);
	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
	ck_assert_int_eq(git_checkout_head(repo, &co), 0);
}

static const char spec_a[] =
	"scaleplan: 1\n"
	"name: t\n"
	"horizon: {start: 2027-01, months: 12}\n"
	"regions: [{name: r1, zones: 3}]\n"
	"services:\n"
	"  api: {work: {cpu_ms_per_request: 5}, instance: m7i.large}\n";

static struct sp_git *open_spec(const char *rel)
{
	struct sp_git *g;
	struct sp_err err;

	sp_err_clear(&err);
	ck_assert_msg(sp_git_open(&g, tp(rel), &err) == 0, "open %s: %s", rel, err.msg);
	return g;
}

/* ---- tests ---------------------------------------------------------------------------------------- */

START_TEST(test_normalize)
{
	char out[64];

	ck_assert_int_eq(sp_git_normalize("a/./b//c/", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "a/b/c");
	ck_assert_int_eq(sp_git_normalize("specs/../catalogs/x.json", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "catalogs/x.json");
	ck_assert_int_eq(sp_git_normalize("a/..", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(sp_git_normalize("/x/../y", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "/y");
	ck_assert_int_eq(sp_git_normalize("/..", out, sizeof(out)), -1);
	ck_assert_int_eq(sp_git_normalize("a/../..", out, sizeof(out)), -1);
	ck_assert_int_eq(sp_git_normalize("../a", out, sizeof(out)), -1);
	ck_assert_int_eq(sp_git_normalize("abcdefghijklmnop", out, 8), -1);
}
END_TEST

START_TEST(test_open)
{
	struct sp_git *g;
	struct sp_err err;
	char outside[256];

	put("infra/specs/main.yaml", spec_a);
	commit_all("one");
	g = open_spec("infra/specs");
	ck_assert_str_eq(sp_git_path(g), "infra/specs");
	sp_git_close(g);
	g = open_spec("infra/specs/main.yaml");
	ck_assert_str_eq(sp_git_path(g), "infra/specs/main.yaml");
	sp_git_close(g);
	/* a path that does not exist (yet, or any more) is still placed */
	g = open_spec("gone/scaleplan.yaml");
	ck_assert_str_eq(sp_git_path(g), "gone/scaleplan.yaml");
	sp_git_close(g);
	/* the root itself */
	g = open_spec(".");
	ck_assert_str_eq(sp_git_path(g), "");
	sp_git_close(g);
	/* a relative path from inside the work tree */
	{
		char cwd[512], sub[300];
		ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
		snprintf(sub, sizeof(sub), "%s/infra", tmpdir);
		ck_assert_int_eq(chdir(sub), 0);
		sp_err_clear(&err);
		ck_assert_int_eq(sp_git_open(&g, "specs/../specs/main.yaml", &err), 0);
		ck_assert_str_eq(sp_git_path(g), "infra/specs/main.yaml");
		sp_git_close(g);
		ck_assert_int_eq(chdir(cwd), 0);
	}
	/* not in a repository: named, with libgit2's words */
	snprintf(outside, sizeof(outside), "%s-outside", tmpdir);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	sp_err_clear(&err);
	setenv("GIT_CEILING_DIRECTORIES", "/tmp", 1);
	ck_assert_int_lt(sp_git_open(&g, outside, &err), 0);
	unsetenv("GIT_CEILING_DIRECTORIES");
	ck_assert_ptr_null(g);
	ck_assert_str_eq(err.file, outside);
	ck_assert_msg(strstr(err.msg, "not in a git repository"), "%s", err.msg);
	rmdir(outside);
}
END_TEST

START_TEST(test_resolve)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_err err;
	const char *c1;
	char id[41];

	put("scaleplan.yaml", spec_a);
	c1 = commit_all("one");
	snprintf(id, sizeof(id), "%s", c1);
	g = open_spec("scaleplan.yaml");
	ck_assert_int_eq(sp_git_resolve(g, "HEAD", &rev, &err), 0);
	ck_assert_str_eq(rev.label, "HEAD");
	ck_assert_str_eq(rev.commit, id);
	ck_assert_int_eq(sp_git_resolve(g, "main", &rev, &err), 0);
	ck_assert_str_eq(rev.commit, id);
	/* a commit id this clone lacks: the shallow-clone advice */
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve(g, "0123456789abcdef0123456789abcdef01234567", &rev, &err), 0);
	ck_assert_msg(strstr(err.msg, "the commit 0123456789abcdef0123456789abcdef01234567 is not in this clone "
				      "(shallow?): run git fetch --unshallow or git fetch origin "
				      "0123456789abcdef0123456789abcdef01234567"),
		      "%s", err.msg);
	/* a name that does not resolve: what to fetch, and libgit2's words */
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve(g, "origin/release", &rev, &err), 0);
	ck_assert_msg(strstr(err.msg, "cannot resolve 'origin/release' to a commit in this clone (fetch it: git fetch "
				      "origin release): "),
		      "%s", err.msg);
	sp_git_close(g);
}
END_TEST

START_TEST(test_merge_base)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_err err;
	char c1[41], c3[41];

	put("scaleplan.yaml", spec_a);
	snprintf(c1, sizeof(c1), "%s", commit_all("one"));
	branch_here("feature");
	put("scaleplan.yaml", "# feature\n");
	commit_all("two");
	g = open_spec("scaleplan.yaml");
	/* main has not moved: the merge base is its tip, named by the branch */
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.label, "main");
	ck_assert_str_eq(rev.commit, c1);
	ck_assert_str_eq(rev.how, "the merge base of HEAD and main (the default branch)");
	/* main moved on: the merge base is not its tip, so it is named by its id */
	switch_to("main");
	put("other.txt", "x\n");
	snprintf(c3, sizeof(c3), "%s", commit_all("three"));
	switch_to("feature");
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c1);
	ck_assert_int_eq(strncmp(rev.label, c1, strlen(rev.label)), 0);
	ck_assert_uint_ge(strlen(rev.label), 7);
	/* --base REF is exactly that revision */
	ck_assert_int_eq(sp_git_resolve_base(g, "main", &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c3);
	ck_assert_str_eq(rev.how, "--base main");
	/* the CI's target branch: origin/<it> when there, else <it> */
	setenv("GITHUB_BASE_REF", "main", 1);
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c1);
	ck_assert_str_eq(rev.how, "the merge base of HEAD and main (GITHUB_BASE_REF=main)");
	{
		git_oid oid;
		git_reference *ref;
		ck_assert_int_eq(git_oid_fromstr(&oid, c3), 0);
		ck_assert_int_eq(git_reference_create(&ref, repo, "refs/remotes/origin/main", &oid, 0, NULL), 0);
		git_reference_free(ref);
	}
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.how, "the merge base of HEAD and origin/main (GITHUB_BASE_REF=main)");
	unsetenv("GITHUB_BASE_REF");
	setenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "nope", 1);
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_msg(strstr(err.msg, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME=nope: neither 'origin/nope' nor 'nope' is "
				      "in this clone (fetch it: git fetch origin nope)"),
		      "%s", err.msg);
	unsetenv("CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
	/* origin/HEAD names the default branch when it is there */
	{
		git_reference *ref;
		ck_assert_int_eq(git_reference_symbolic_create(&ref, repo, "refs/remotes/origin/HEAD",
							       "refs/remotes/origin/main", 0, NULL),
				 0);
		git_reference_free(ref);
	}
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.how, "the merge base of HEAD and origin/main (the default branch)");
	/* a detached HEAD has a merge base too */
	{
		git_oid oid;
		ck_assert_int_eq(git_reference_name_to_id(&oid, repo, "HEAD"), 0);
		ck_assert_int_eq(git_repository_set_head_detached(repo, &oid), 0);
		ck_assert_int_eq(git_repository_head_detached(repo), 1);
	}
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c1);
	sp_git_close(g);
}
END_TEST

START_TEST(test_no_default_branch)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_err err;

	ck_assert_int_eq(git_repository_set_head(repo, "refs/heads/trunk"), 0);
	put("scaleplan.yaml", spec_a);
	commit_all("one");
	g = open_spec("scaleplan.yaml");
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(err.msg, "no default branch to compare with (origin/HEAD, main or master): name the base with "
				  "--base REF");
	/* a branch with no common ancestor */
	{
		git_oid tree_id, id;
		git_tree *tree;
		git_signature *sig;
		git_treebuilder *tb;
		git_reference *ref;
		ck_assert_int_eq(git_treebuilder_new(&tb, repo, NULL), 0);
		ck_assert_int_eq(git_treebuilder_write(&tree_id, tb), 0);
		git_treebuilder_free(tb);
		ck_assert_int_eq(git_tree_lookup(&tree, repo, &tree_id), 0);
		ck_assert_int_eq(git_signature_new(&sig, "T", "t@example.com", 1800000000, 0), 0);
		ck_assert_int_eq(git_commit_create_v(&id, repo, NULL, sig, sig, NULL, "orphan", tree, 0), 0);
		ck_assert_int_eq(git_reference_create(&ref, repo, "refs/heads/main", &id, 0, NULL), 0);
		git_reference_free(ref);
		git_signature_free(sig);
		git_tree_free(tree);
	}
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_msg(strstr(err.msg, "HEAD and 'main' have no common ancestor; name the base with --base REF"), "%s",
		      err.msg);
	sp_git_close(g);
}
END_TEST

/* A shallow clone as git leaves one: the commits before the boundary are
 * not in the object database, and .git/shallow lists the boundary. */
START_TEST(test_shallow)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_err err;
	char c1[41], c2[41], c3[41], path[512];
	FILE *f;

	put("scaleplan.yaml", spec_a);
	snprintf(c1, sizeof(c1), "%s", commit_all("one"));
	branch_here("feature");
	put("scaleplan.yaml", "# feature\n");
	snprintf(c2, sizeof(c2), "%s", commit_all("two"));
	switch_to("main");
	put("other.txt", "x\n");
	snprintf(c3, sizeof(c3), "%s", commit_all("three"));
	switch_to("feature");
	g = open_spec("scaleplan.yaml");
	/* with the whole history: the merge base is c1 */
	ck_assert_int_eq(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c1);
	sp_git_close(g);
	/* c1 not fetched: c2 and c3 are the boundary */
	snprintf(path, sizeof(path), "%s/.git/objects/%.2s/%s", tmpdir, c1, c1 + 2);
	ck_assert_int_eq(remove(path), 0);
	snprintf(path, sizeof(path), "%s/.git/shallow", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fprintf(f, "%s\n%s\n", c2, c3);
	fclose(f);
	g = open_spec("scaleplan.yaml");
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve_base(g, NULL, &rev, &err), 0);
	ck_assert_str_eq(err.msg, "the merge base of HEAD and 'main' is not in this clone (shallow?): run git fetch "
				  "--unshallow or git fetch origin main");
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_resolve_base(g, c1, &rev, &err), 0);
	ck_assert_msg(strstr(err.msg, "the base commit "), "%s", err.msg);
	/* what is there still resolves: main's tip is a base of its own */
	ck_assert_int_eq(sp_git_resolve_base(g, "main", &rev, &err), 0);
	ck_assert_str_eq(rev.commit, c3);
	sp_git_close(g);
}
END_TEST

START_TEST(test_read_spec)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_git_spec s;
	struct sp_err err;

	put("specs/20-b.yaml", "b: 2\n");
	put("specs/10-a.yml", "a: 1\n");
	put("specs/.hidden.yaml", "h: 1\n");
	put("specs/notes.txt", "n\n");
	put("specs/sub/c.yaml", "c: 3\n");
	put("one.yaml", spec_a);
	commit_all("one");
	g = open_spec("specs");
	ck_assert_int_eq(sp_git_resolve(g, "HEAD", &rev, &err), 0);
	ck_assert_int_eq(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_int_eq(s.found, 1);
	ck_assert_int_eq(s.is_dir, 1);
	ck_assert_str_eq(s.path, "specs");
	ck_assert_ptr_null(s.renamed_from);
	ck_assert_uint_eq(s.nfiles, 2);
	ck_assert_str_eq(s.files[0].name, "HEAD:specs/10-a.yml");
	ck_assert_str_eq(s.files[1].name, "HEAD:specs/20-b.yaml");
	ck_assert_uint_eq(s.files[1].len, 5);
	ck_assert_int_eq(memcmp(s.files[1].text, "b: 2\n", 5), 0);
	sp_git_spec_free(&s);
	sp_git_close(g);

	/* a file */
	g = open_spec("one.yaml");
	ck_assert_int_eq(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_int_eq(s.found, 1);
	ck_assert_int_eq(s.is_dir, 0);
	ck_assert_uint_eq(s.nfiles, 1);
	ck_assert_str_eq(s.files[0].name, "HEAD:one.yaml");
	ck_assert_uint_eq(s.files[0].len, strlen(spec_a));
	sp_git_spec_free(&s);
	sp_git_close(g);

	/* nothing there: no spec at that revision */
	g = open_spec("absent.yaml");
	ck_assert_int_eq(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_REV, &rev, &s, &err), 0);
	ck_assert_int_eq(s.found, 0);
	ck_assert_uint_eq(s.nfiles, 0);
	sp_git_spec_free(&s);
	sp_git_close(g);

	/* a folder with no spec file is no spec either */
	put("docs/readme.txt", "r\n");
	commit_all("two");
	ck_assert_int_eq(sp_git_resolve(g = open_spec("docs"), "HEAD", &rev, &err), 0);
	ck_assert_int_eq(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_int_eq(s.found, 0);
	sp_git_spec_free(&s);
	sp_git_close(g);
}
END_TEST

START_TEST(test_read_not_regular)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_git_spec s;
	struct sp_err err;
	char link[512];

	put("specs/a.yaml", spec_a);
	snprintf(link, sizeof(link), "%s/specs/b.yaml", tmpdir);
	ck_assert_int_eq(symlink("/etc/passwd", link), 0);
	snprintf(link, sizeof(link), "%s/top.yaml", tmpdir);
	ck_assert_int_eq(symlink("specs/a.yaml", link), 0);
	commit_all("links");
	g = open_spec("specs");
	ck_assert_int_eq(sp_git_resolve(g, "HEAD", &rev, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_str_eq(err.file, "HEAD:specs/b.yaml");
	ck_assert_str_eq(err.msg, "is a symbolic link; a spec is read from regular files only");
	sp_git_spec_free(&s);
	sp_git_close(g);
	g = open_spec("top.yaml");
	sp_err_clear(&err);
	ck_assert_int_lt(sp_git_read_spec(g, &rev, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_str_eq(err.file, "HEAD:top.yaml");
	sp_git_spec_free(&s);
	sp_git_close(g);
}
END_TEST

START_TEST(test_renamed)
{
	struct sp_git *g;
	struct sp_git_rev base, head;
	struct sp_git_spec s;
	struct sp_err err;
	char big[4096];

	/* rename detection needs files with some content */
	snprintf(big, sizeof(big), "%s# %s\n", spec_a, "padding so that git's similarity has something to compare");
	put("infra/10-main.yaml", big);
	put("infra/20-more.yaml", "# more\ntags: {team: a, owner: b, cost-center: c}\n");
	commit_all("one");
	/* the folder moves; one file is edited a little on the way */
	rm_rel("infra/10-main.yaml");
	rm_rel("infra/20-more.yaml");
	put("capacity/10-main.yaml", big);
	put("capacity/20-more.yaml", "# more\ntags: {team: a, owner: b, cost-center: d}\n");
	commit_all("two");
	g = open_spec("capacity");
	ck_assert_int_eq(sp_git_resolve(g, "HEAD~1", &base, &err), 0);
	ck_assert_int_eq(sp_git_resolve(g, "HEAD", &head, &err), 0);
	ck_assert_int_eq(sp_git_read_spec(g, &base, SP_GIT_MOVES_TO_REV, &head, &s, &err), 0);
	ck_assert_int_eq(s.found, 1);
	ck_assert_str_eq(s.renamed_from, "infra");
	ck_assert_str_eq(s.path, "infra");
	ck_assert_uint_eq(s.nfiles, 2);
	ck_assert_str_eq(s.files[0].name, "HEAD~1:infra/10-main.yaml");
	sp_git_spec_free(&s);
	/* against the work tree (and index) as well */
	ck_assert_int_eq(sp_git_read_spec(g, &base, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_str_eq(s.renamed_from, "infra");
	sp_git_spec_free(&s);
	sp_git_close(g);
	/* a file renamed, not yet committed (untracked at its new name) */
	rm_rel("capacity/10-main.yaml");
	put("capacity/main.yaml", big);
	g = open_spec("capacity/main.yaml");
	ck_assert_int_eq(sp_git_read_spec(g, &head, SP_GIT_MOVES_TO_WORKTREE, NULL, &s, &err), 0);
	ck_assert_int_eq(s.found, 1);
	ck_assert_str_eq(s.renamed_from, "capacity/10-main.yaml");
	ck_assert_str_eq(s.files[0].name, "HEAD:capacity/10-main.yaml");
	sp_git_spec_free(&s);
	sp_git_close(g);
}
END_TEST

START_TEST(test_read_file)
{
	struct sp_git *g;
	struct sp_git_rev rev;
	struct sp_err err;
	char *text;
	size_t len;

	put("specs/a.yaml", spec_a);
	put("catalogs/c.json", "{\"x\": 1}\n");
	commit_all("one");
	g = open_spec("specs");
	ck_assert_int_eq(sp_git_resolve(g, "main", &rev, &err), 0);
	ck_assert_int_eq(sp_git_read_file(g, &rev, "specs/../catalogs/c.json", &text, &len, &err), 0);
	ck_assert_uint_eq(len, 9);
	ck_assert_str_eq(text, "{\"x\": 1}\n");
	free(text);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_git_read_file(g, &rev, "catalogs/none.json", &text, &len, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, "main:catalogs/none.json");
	ck_assert_ptr_null(text);
	sp_err_clear(&err);
	ck_assert_int_eq(sp_git_read_file(g, &rev, "../outside.json", &text, &len, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "not a file inside the repository");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_git_read_file(g, &rev, "specs", &text, &len, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "is a folder, not a file");
	sp_git_close(g);
}
END_TEST

START_TEST(test_dirty)
{
	struct sp_git *g;
	struct sp_err err;

	put("specs/a.yaml", spec_a);
	put("README", "r\n");
	commit_all("one");
	g = open_spec("specs");
	ck_assert_int_eq(sp_git_spec_dirty(g, &err), 0);
	put("README", "changed\n");
	put("specs/notes.txt", "not a spec file\n");
	ck_assert_int_eq(sp_git_spec_dirty(g, &err), 0);
	put("specs/b.yaml", "b: 1\n");   /* a new, untracked spec file */
	ck_assert_int_eq(sp_git_spec_dirty(g, &err), 1);
	rm_rel("specs/b.yaml");
	ck_assert_int_eq(sp_git_spec_dirty(g, &err), 0);
	put("specs/a.yaml", "edited: 1\n");
	ck_assert_int_eq(sp_git_spec_dirty(g, &err), 1);
	sp_git_close(g);
}
END_TEST

START_TEST(test_load_srcs)
{
	static const char bad[] = "scaleplan: 1\nname: t\nhorizon: {start: 2027-01, months: 12}\nregions: [{name: r1, zones: 3}]\n"
				  "services:\n  api: {work: {cpu_ms_per_request: 5}, instance: m7i.large, replica: 2}\n";
	struct sp_src srcs[2] = { { "origin/main:specs/a.yaml", spec_a, sizeof(spec_a) - 1 },
				  { "origin/main:specs/b.yaml", "tags: {team: x}\n", 16 } };
	struct sp_src one = { "origin/main:scaleplan.yaml", bad, sizeof(bad) - 1 };
	struct sp_spec *spec;
	struct sp_diags d;

	sp_diags_init(&d);
	ck_assert_int_eq(sp_spec_load_srcs(&spec, srcs, 2, &d), 0);
	ck_assert_uint_eq(spec->nsrcs, 2);
	ck_assert_str_eq(spec->srcs[0]->name, "origin/main:specs/a.yaml");
	ck_assert_ptr_nonnull(spec->roots[0]);   /* the YAML trees are kept for comparing specs */
	ck_assert_ptr_nonnull(spec->roots[1]);
	ck_assert_uint_eq(spec->nservices, 1);
	ck_assert_uint_eq(spec->ntags, 1);
	ck_assert_str_eq(spec->services[0].pos.src->name, "origin/main:specs/a.yaml");
	ck_assert_int_eq(spec->services[0].pos.line, 6);
	sp_spec_free(spec);
	sp_diags_free(&d);

	/* an error reads REF:PATH:LINE:COL */
	sp_diags_init(&d);
	ck_assert_int_lt(sp_spec_load_srcs(&spec, &one, 1, &d), 0);
	ck_assert_ptr_null(spec);
	ck_assert_uint_ge(d.nerrors, 1);
	ck_assert_str_eq(d.v[0].file, "origin/main:scaleplan.yaml");
	ck_assert_int_eq(d.v[0].pos.line, 6);
	ck_assert_int_eq(d.v[0].pos.col, 61);
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		sp_diags_print(f, &d, 0);
		fclose(f);
		ck_assert_msg(strstr(buf, "scaleplan: origin/main:scaleplan.yaml:6:61: error: unknown key 'replica'"), "%s",
			      buf);
		free(buf);
	}
	sp_diags_free(&d);

	/* none, or one over the size limit */
	sp_diags_init(&d);
	ck_assert_int_lt(sp_spec_load_srcs(&spec, srcs, 0, &d), 0);
	ck_assert_str_eq(d.v[0].msg, "no spec files to load");
	sp_diags_free(&d);
	sp_diags_init(&d);
	one.len = (size_t)SP_MAX_FILE_BYTES + 1;
	ck_assert_int_lt(sp_spec_load_srcs(&spec, &one, 1, &d), 0);
	ck_assert_msg(strstr(d.v[0].msg, "larger than the 64 MiB limit"), "%s", d.v[0].msg);
	sp_diags_free(&d);
}
END_TEST

Suite *suite_git(void)
{
	Suite *s = suite_create("git");
	TCase *tc = tcase_create("git");

	tcase_add_checked_fixture(tc, git_setup, git_teardown);
	tcase_add_test(tc, test_normalize);
	tcase_add_test(tc, test_open);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_merge_base);
	tcase_add_test(tc, test_no_default_branch);
	tcase_add_test(tc, test_shallow);
	tcase_add_test(tc, test_read_spec);
	tcase_add_test(tc, test_read_not_regular);
	tcase_add_test(tc, test_renamed);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_dirty);
	tcase_add_test(tc, test_load_srcs);
	suite_add_tcase(s, tc);
	return s;
}
