/* The spec at a git revision (planner/git.h): libgit2 only, objects read
 * from the object database by tree path, never a checkout. Each function
 * frees every libgit2 object it made in its cleanup block, and copies what
 * it keeps (blob bytes, names) out of libgit2's memory. */
#include "planner/git.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/hmap.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/spec.h"

struct sp_git {
	git_repository *repo;
	char *root;                   /* the work tree, absolute, no trailing '/' */
	char *path;                   /* the spec, relative to root ("" the root itself) */
};

/* ---- errors ---------------------------------------------------------------------------------- */

/* libgit2's last message, or a placeholder when it left none. */
static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message && *e->message ? e->message : "unknown libgit2 error";
}

/* err = "MSG: libgit2's message" at file (a LABEL:PATH, or ""); returns code. */
static int git_fail(struct sp_err *err, int code, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int git_fail(struct sp_err *err, int code, const char *file, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sp_err_set(err, code, file, 0, 0, "%s: %s", msg, git_msg());
}

/* ---- paths ----------------------------------------------------------------------------------- */

int sp_git_normalize(const char *path, char *out, size_t n)
{
	size_t len = 0, abs = path[0] == '/';
	const char *p = path;

	if (n < 2)
		return -1;
	if (abs)
		out[len++] = '/';
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t seg = slash ? (size_t)(slash - p) : strlen(p);
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			/* an empty or "." segment */
		} else if (seg == 2 && p[0] == '.' && p[1] == '.') {
			if (len == abs)
				return -1;   /* above the start */
			while (len > abs && out[len - 1] != '/')
				len--;
			if (len > abs)
				len--;   /* the '/' before the segment dropped */
		} else {
			if (len > abs)
				out[len++] = '/';
			if (len + seg + 1 > n)
				return -1;
			memcpy(out + len, p, seg);
			len += seg;
		}
		p += seg;
		if (*p == '/')
			p++;
		if (len + 2 > n)
			return -1;
	}
	out[len] = '\0';
	return 0;
}

/* The absolute, normalised form of path, its folders resolved by realpath
 * as far as they exist (so symbolic links in the working directory's path
 * match the repository's), its last part kept as it is (a spec that is a
 * symbolic link stays one, as git stores it); nothing need exist. malloc'd;
 * NULL when it cannot be made. */
static char *abs_path(const char *path)
{
	char cwd[PATH_MAX], joined[2 * PATH_MAX + 2], norm[2 * PATH_MAX + 2], real[PATH_MAX];
	size_t cut;

	if (path[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return NULL;
		snprintf(joined, sizeof(joined), "%s/%s", cwd, path);
	}
	if (sp_git_normalize(joined, norm, sizeof(norm)) < 0)
		return NULL;
	if (!strcmp(norm, "/"))
		return sp_xstrdup("/");
	/* the longest leading folder that exists, resolved; the rest appended */
	cut = strlen(norm);
	for (;;) {
		while (cut > 0 && norm[cut - 1] != '/')
			cut--;
		if (cut == 0)
			return NULL;
		cut--;   /* at the '/' before the part dropped */
		char save = norm[cut];
		norm[cut] = '\0';
		if (realpath(cut ? norm : "/", real)) {
			struct sp_sb sb = SP_SB_INIT;
			norm[cut] = save;
			sp_sb_adds(&sb, real);
			if (strcmp(real, "/"))
				sp_sb_addc(&sb, '/');
			sp_sb_adds(&sb, norm + cut + 1);
			return sp_sb_detach(&sb, NULL);
		}
		norm[cut] = save;
	}
}

static int has_yaml_ext(const char *n)
{
	size_t l = strlen(n);
	return (l > 5 && !strcmp(n + l - 5, ".yaml")) || (l > 4 && !strcmp(n + l - 4, ".yml"));
}

/* 1 when file (relative to the root) is the spec path, or a spec file
 * directly in the spec folder. */
static int is_spec_file(const struct sp_git *g, const char *file)
{
	size_t pl = strlen(g->path);
	const char *base;

	if (!strcmp(file, g->path))
		return 1;
	if (pl && (strncmp(file, g->path, pl) || file[pl] != '/'))
		return 0;
	base = file + (pl ? pl + 1 : 0);
	return !strchr(base, '/') && base[0] != '.' && has_yaml_ext(base);
}

/* ---- the repository ---------------------------------------------------------------------------- */

int sp_git_open(struct sp_git **out, const char *spec_path, struct sp_err *err)
{
	struct sp_git *g = sp_xcalloc(1, sizeof(*g));
	char *abs = NULL, *start = NULL, real[PATH_MAX];
	const char *wd;
	struct stat st;
	size_t rl;
	int ret = -1;

	*out = NULL;
	git_libgit2_init();
	if (!(abs = abs_path(spec_path))) {
		sp_err_set(err, SP_EINVAL, spec_path, 0, 0, "cannot make an absolute path of it: %s", strerror(errno));
		goto out;
	}
	/* search from the spec's folder, or the nearest one that exists */
	start = sp_xstrdup(abs);
	while (stat(start, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(start, '/');
		if (!slash || slash == start) {
			strcpy(start, "/");
			break;
		}
		*slash = '\0';
	}
	if (git_repository_open_ext(&g->repo, start, 0, NULL) < 0) {
		git_fail(err, SP_ENOTFOUND, spec_path, "not in a git repository (searched from %s upwards)", start);
		goto out;
	}
	if (git_repository_is_bare(g->repo) || !(wd = git_repository_workdir(g->repo))) {
		sp_err_set(err, SP_EINVAL, spec_path, 0, 0, "the repository at %s has no work tree",
			   git_repository_path(g->repo));
		goto out;
	}
	if (!realpath(wd, real)) {
		sp_err_set(err, SP_EIO, spec_path, 0, 0, "cannot resolve the work tree %s: %s", wd, strerror(errno));
		goto out;
	}
	rl = strlen(real);
	if (!strcmp(real, "/"))
		rl = 0;
	if (strncmp(abs, real, rl) || (abs[rl] != '/' && abs[rl] != '\0')) {
		sp_err_set(err, SP_EINVAL, spec_path, 0, 0, "not inside the work tree %s", real);
		goto out;
	}
	g->root = sp_xstrdup(real);
	g->path = sp_xstrdup(abs[rl] == '/' ? abs + rl + 1 : "");
	*out = g;
	g = NULL;
	ret = 0;
out:
	free(abs);
	free(start);
	sp_git_close(g);
	return ret;
}

void sp_git_close(struct sp_git *g)
{
	if (!g)
		return;
	git_repository_free(g->repo);
	free(g->root);
	free(g->path);
	free(g);
	git_libgit2_shutdown();
}

const char *sp_git_path(const struct sp_git *g)
{
	return g->path;
}

/* ---- revisions --------------------------------------------------------------------------------- */

/* ref as a commit: 0, or libgit2's negative code (its message kept). */
static int lookup_commit(git_repository *repo, const char *ref, git_commit **out)
{
	git_object *obj = NULL;
	int rc;

	*out = NULL;
	if ((rc = git_revparse_single(&obj, repo, ref)) < 0)
		return rc;
	rc = git_object_peel((git_object **)out, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	return rc;
}

/* 4 to 40 hexadecimal digits: what names a commit by its id. */
static int looks_like_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");
	return n >= 4 && n <= 40 && !s[n];
}

/* What to fetch to get ref: "main" for "origin/main", else ref. */
static const char *fetch_name(const char *ref)
{
	return strncmp(ref, "origin/", 7) ? ref : ref + 7;
}

static void set_rev(struct sp_git_rev *out, const char *label, const git_oid *id)
{
	snprintf(out->label, sizeof(out->label), "%s", label);
	git_oid_tostr(out->commit, sizeof(out->commit), id);
}

/* sp_git_resolve, with what the revision is in the message about a commit id
 * this clone lacks ("base commit", "commit"). */
static int resolve(struct sp_git *g, const char *ref, const char *what, struct sp_git_rev *out, struct sp_err *err)
{
	git_commit *c = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = lookup_commit(g->repo, ref, &c);
	if (rc == 0) {
		set_rev(out, ref, git_commit_id(c));
		snprintf(out->how, sizeof(out->how), "%s", ref);
		git_commit_free(c);
		return 0;
	}
	if (looks_like_id(ref))
		return git_fail(err, SP_ENOTFOUND, "",
				"the %s %s is not in this clone (shallow?): run git fetch --unshallow or git fetch origin %s",
				what, ref, ref);
	return git_fail(err, SP_ENOTFOUND, "", "cannot resolve '%s' to a commit in this clone (fetch it: git fetch origin %s)",
			ref, fetch_name(ref));
}

int sp_git_resolve(struct sp_git *g, const char *ref, struct sp_git_rev *out, struct sp_err *err)
{
	return resolve(g, ref, "commit", out, err);
}

/* The default branch: origin/HEAD's target, else the first of main,
 * origin/main, master, origin/master that exists. Returns 0 or -1. */
static int default_branch(struct sp_git *g, char *out, size_t n, struct sp_err *err)
{
	static const char *const tries[] = { "main", "origin/main", "master", "origin/master" };
	git_reference *ref = NULL;
	git_commit *c = NULL;

	if (git_reference_lookup(&ref, g->repo, "refs/remotes/origin/HEAD") == 0) {
		const char *t = git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC ? git_reference_symbolic_target(ref)
										  : NULL;
		if (t && !strncmp(t, "refs/remotes/", 13)) {
			snprintf(out, n, "%s", t + 13);
			git_reference_free(ref);
			return 0;
		}
		git_reference_free(ref);
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(*tries); i++)
		if (lookup_commit(g->repo, tries[i], &c) == 0) {
			git_commit_free(c);
			snprintf(out, n, "%s", tries[i]);
			return 0;
		}
	return sp_err_set(err, SP_ENOTFOUND, "", 0, 0,
			  "no default branch to compare with (origin/HEAD, main or master): name the base with --base REF");
}

/* In a shallow clone, whether the history that holds the merge base of a
 * and b is here. libgit2 reads no shallow grafts: its merge-base search
 * fails (and, in 1.5, leaks) when it reaches a commit whose parents were not
 * fetched. So both histories are walked first, each commit once, parents
 * only when they are in the object database: 1 when a commit is reached
 * from both (git_merge_base can then finish), 0 when none is and a parent
 * was missing (the merge base is beyond what was fetched), 2 when none is
 * and nothing was missing (unrelated histories), -1 on an error. Linear in
 * the commits of the clone. */
static int shallow_base_here(struct sp_git *g, const git_oid *a, const git_oid *b)
{
	struct sp_arena arena;
	struct sp_hmap seen;           /* hex id -> the sides that reached it (1, 2) */
	git_oid *queue = NULL;
	unsigned char *side = NULL;
	size_t n = 0, cap = 0, scap = 0;
	git_odb *odb = NULL;
	int missing = 0, ret = -1;

	sp_arena_init(&arena);
	sp_hmap_init(&seen);
	if (git_repository_odb(&odb, g->repo) < 0)
		goto out;
	for (int s = 0; s < 2; s++) {
		SP_GROW(queue, cap, n + 1);
		SP_GROW(side, scap, n + 1);
		queue[n] = s ? *b : *a;
		side[n++] = (unsigned char)(1 << s);
	}
	for (size_t i = 0; i < n; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		git_commit *c = NULL;
		uint32_t was;
		char *key;
		git_oid_tostr(hex, sizeof(hex), &queue[i]);
		key = sp_arena_strdup(&arena, hex);
		if (sp_hmap_get(&seen, key, &was) == 0) {
			if ((was | side[i]) == 3) {
				ret = 1;
				goto out;
			}
			continue;
		}
		sp_hmap_put(&seen, key, side[i], NULL);
		if (git_commit_lookup(&c, g->repo, &queue[i]) < 0)
			goto out;
		for (unsigned p = 0; p < git_commit_parentcount(c); p++) {
			const git_oid *pid = git_commit_parent_id(c, p);
			if (!git_odb_exists(odb, pid)) {
				missing = 1;
				continue;
			}
			SP_GROW(queue, cap, n + 1);
			SP_GROW(side, scap, n + 1);
			queue[n] = *pid;
			side[n++] = side[i];
		}
		git_commit_free(c);
	}
	ret = missing ? 0 : 2;
out:
	git_odb_free(odb);
	free(queue);
	free(side);
	sp_hmap_free(&seen);
	sp_arena_free(&arena);
	return ret;
}

int sp_git_resolve_base(struct sp_git *g, const char *ref, struct sp_git_rev *out, struct sp_err *err)
{
	static const char *const envs[] = { "GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME" };
	const char *env = NULL, *branch = NULL;
	char target[256], from[320] = "";
	git_commit *head = NULL, *tip = NULL, *mbc = NULL;
	git_oid mb;
	git_buf shortid = GIT_BUF_INIT;
	int rc, ret = -1;

	if (ref) {
		if (resolve(g, ref, "base commit", out, err) < 0)
			return -1;
		snprintf(out->how, sizeof(out->how), "--base %s", ref);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(envs) / sizeof(*envs) && !branch; i++) {
		const char *v = getenv(envs[i]);
		if (v && *v) {
			env = envs[i];
			branch = v;
		}
	}
	if (branch) {
		snprintf(target, sizeof(target), "origin/%s", branch);
		if (lookup_commit(g->repo, target, &tip) < 0) {
			snprintf(target, sizeof(target), "%s", branch);
			if (lookup_commit(g->repo, target, &tip) < 0) {
				git_fail(err, SP_ENOTFOUND, "",
					 "%s=%s: neither 'origin/%s' nor '%s' is in this clone (fetch it: git fetch origin %s)",
					 env, branch, branch, branch, branch);
				goto out;
			}
		}
		snprintf(from, sizeof(from), " (%s=%s)", env, branch);
	} else {
		if (default_branch(g, target, sizeof(target), err) < 0)
			goto out;
		if (lookup_commit(g->repo, target, &tip) < 0) {
			git_fail(err, SP_ENOTFOUND, "", "cannot resolve the default branch '%s'", target);
			goto out;
		}
		snprintf(from, sizeof(from), " (the default branch)");
	}
	if (lookup_commit(g->repo, "HEAD", &head) < 0) {
		git_fail(err, SP_ENOTFOUND, "", "HEAD has no commit to compare with '%s'", target);
		goto out;
	}
	if (git_repository_is_shallow(g->repo) &&
	    shallow_base_here(g, git_commit_id(head), git_commit_id(tip)) == 0) {
		sp_err_set(err, SP_ENOTFOUND, "", 0, 0,
			   "the merge base of HEAD and '%s' is not in this clone (shallow?): run git fetch --unshallow or git "
			   "fetch origin %s",
			   target, fetch_name(target));
		goto out;
	}
	rc = git_merge_base(&mb, g->repo, git_commit_id(head), git_commit_id(tip));
	if (rc < 0) {
		if (git_repository_is_shallow(g->repo))
			git_fail(err, SP_ENOTFOUND, "",
				 "the merge base of HEAD and '%s' is not in this clone (shallow?): run git fetch "
				 "--unshallow or git fetch origin %s",
				 target, fetch_name(target));
		else if (rc == GIT_ENOTFOUND)
			git_fail(err, SP_ENOTFOUND, "", "HEAD and '%s' have no common ancestor; name the base with --base REF",
				 target);
		else
			git_fail(err, SP_EIO, "", "cannot find the merge base of HEAD and '%s'", target);
		goto out;
	}
	if (git_oid_equal(&mb, git_commit_id(tip))) {
		set_rev(out, target, &mb);
	} else {
		if (git_commit_lookup(&mbc, g->repo, &mb) < 0 || git_object_short_id(&shortid, (git_object *)mbc) < 0) {
			git_fail(err, SP_EIO, "", "cannot read the merge base of HEAD and '%s'", target);
			goto out;
		}
		set_rev(out, shortid.ptr, &mb);
	}
	snprintf(out->how, sizeof(out->how), "the merge base of HEAD and %s%s", target, from);
	ret = 0;
out:
	git_buf_dispose(&shortid);
	git_commit_free(mbc);
	git_commit_free(head);
	git_commit_free(tip);
	return ret;
}

/* ---- reading the spec from a tree -------------------------------------------------------------- */

/* The tree of rev's commit. */
static int rev_tree(struct sp_git *g, const struct sp_git_rev *rev, git_tree **out, struct sp_err *err)
{
	git_oid id;
	git_commit *c = NULL;
	int ret = -1;

	*out = NULL;
	if (git_oid_fromstr(&id, rev->commit) < 0 || git_commit_lookup(&c, g->repo, &id) < 0) {
		git_fail(err, SP_ENOTFOUND, "", "the commit %s (%s) is not in this clone", rev->commit, rev->label);
		goto out;
	}
	if (git_commit_tree(out, c) < 0) {
		git_fail(err, SP_EIO, "", "cannot read the tree of %s (%s)", rev->label, rev->commit);
		goto out;
	}
	ret = 0;
out:
	git_commit_free(c);
	return ret;
}

/* "LABEL:PATH" for messages and positions. */
static char *place(struct sp_arena *a, const struct sp_git_rev *rev, const char *path)
{
	return sp_arena_printf(a, "%s:%s", rev->label, path);
}

/* Appends the blob id (at path) to s->files as "LABEL:PATH", its bytes copied. */
static int add_blob(struct sp_git *g, const struct sp_git_rev *rev, const git_oid *id, const char *path,
		    struct sp_git_spec *s, size_t *cap, struct sp_err *err)
{
	git_blob *b = NULL;
	char *name = place(&s->arena, rev, path);
	git_object_size_t size;
	int ret = -1;

	if (git_blob_lookup(&b, g->repo, id) < 0) {
		git_fail(err, SP_EIO, name, "cannot read the file");
		goto out;
	}
	size = git_blob_rawsize(b);
	if (size > SP_MAX_FILE_BYTES) {
		sp_err_set(err, SP_ETOOBIG, name, 0, 0, "file is larger than the %u MiB limit for a spec",
			   SP_MAX_FILE_BYTES >> 20);
		goto out;
	}
	SP_GROW(s->files, *cap, s->nfiles + 1);
	s->files[s->nfiles].name = name;
	s->files[s->nfiles].text = sp_arena_strndup(&s->arena, git_blob_rawcontent(b), (size_t)size);
	s->files[s->nfiles].len = (size_t)size;
	s->nfiles++;
	ret = 0;
out:
	git_blob_free(b);
	return ret;
}

/* What a tree entry's mode names when it is not a regular file (NULL when it is one). */
static const char *not_regular(const git_tree_entry *e)
{
	switch (git_tree_entry_filemode(e)) {
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE: return NULL;
	case GIT_FILEMODE_LINK: return "a symbolic link";
	case GIT_FILEMODE_COMMIT: return "a submodule";
	case GIT_FILEMODE_TREE: return "a folder";
	default: return "not a regular file";
	}
}

static int cmp_src(const void *x, const void *y)
{
	return strcmp(((const struct sp_src *)x)->name, ((const struct sp_src *)y)->name);
}

/* The spec at path in tree: 1 read, 0 nothing there (or a folder without a
 * spec file), -1 an error. */
static int read_at(struct sp_git *g, const struct sp_git_rev *rev, git_tree *tree, const char *path,
		   struct sp_git_spec *s, struct sp_err *err)
{
	git_tree_entry *e = NULL;
	git_tree *dir = NULL;
	const git_tree *list = tree;
	size_t cap = 0;
	const char *what;
	int rc, ret = -1;

	if (*path) {
		rc = git_tree_entry_bypath(&e, tree, path);
		if (rc == GIT_ENOTFOUND) {
			ret = 0;
			goto out;
		}
		if (rc < 0) {
			git_fail(err, SP_EIO, place(&s->arena, rev, path), "cannot read the tree");
			goto out;
		}
		if (git_tree_entry_type(e) == GIT_OBJECT_BLOB && !not_regular(e)) {
			if (add_blob(g, rev, git_tree_entry_id(e), path, s, &cap, err) < 0)
				goto out;
			s->found = 1;
			ret = 1;
			goto out;
		}
		if (git_tree_entry_type(e) != GIT_OBJECT_TREE) {
			sp_err_set(err, SP_EINVAL, place(&s->arena, rev, path), 0, 0,
				   "is %s; a spec is read from regular files only", not_regular(e));
			goto out;
		}
		if (git_tree_lookup(&dir, g->repo, git_tree_entry_id(e)) < 0) {
			git_fail(err, SP_EIO, place(&s->arena, rev, path), "cannot read the folder");
			goto out;
		}
		list = dir;
	}
	s->is_dir = 1;
	for (size_t i = 0; i < git_tree_entrycount(list); i++) {
		const git_tree_entry *c = git_tree_entry_byindex(list, i);
		const char *name = git_tree_entry_name(c);
		char *full;
		if (name[0] == '.' || !has_yaml_ext(name))
			continue;
		full = *path ? sp_arena_printf(&s->arena, "%s/%s", path, name) : sp_arena_strdup(&s->arena, name);
		if ((what = not_regular(c))) {
			sp_err_set(err, SP_EINVAL, place(&s->arena, rev, full), 0, 0,
				   "is %s; a spec is read from regular files only", what);
			goto out;
		}
		if (add_blob(g, rev, git_tree_entry_id(c), full, s, &cap, err) < 0)
			goto out;
	}
	if (s->nfiles)
		qsort(s->files, s->nfiles, sizeof(*s->files), cmp_src);
	s->found = s->nfiles > 0;
	ret = s->found;
out:
	git_tree_free(dir);
	git_tree_entry_free(e);
	return ret;
}

/* Where the spec was in tree before it moved: git's rename detection from
 * tree to other's tree (or to the work tree and index, when other is NULL),
 * the renamed files that now make up the spec path voting for their old
 * place. *from is NULL when there is none. Returns 0 or -1. */
static int find_rename(struct sp_git *g, git_tree *tree, const struct sp_git_rev *other, char **from,
		       struct sp_arena *a, struct sp_err *err)
{
	git_diff_options o;
	git_diff_find_options fo;
	git_diff *diff = NULL;
	git_tree *to = NULL;
	char **cands = NULL;
	size_t *votes = NULL, ncands = 0, cap = 0, vcap = 0, best = 0;
	int ret = -1;

	*from = NULL;
	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
	fo.flags = GIT_DIFF_FIND_RENAMES;
	if (other) {
		if (rev_tree(g, other, &to, err) < 0)
			goto out;
		if (git_diff_tree_to_tree(&diff, g->repo, tree, to, &o) < 0) {
			git_fail(err, SP_EIO, "", "cannot compare the base's tree with %s's", other->label);
			goto out;
		}
	} else {
		o.flags |= GIT_DIFF_INCLUDE_UNTRACKED | GIT_DIFF_RECURSE_UNTRACKED_DIRS;
		fo.flags |= GIT_DIFF_FIND_FOR_UNTRACKED;
		if (git_diff_tree_to_workdir_with_index(&diff, g->repo, tree, &o) < 0) {
			git_fail(err, SP_EIO, "", "cannot compare the base with the work tree");
			goto out;
		}
	}
	if (git_diff_find_similar(diff, &fo) < 0) {
		git_fail(err, SP_EIO, "", "cannot detect renames");
		goto out;
	}
	for (size_t i = 0; i < git_diff_num_deltas(diff); i++) {
		const git_diff_delta *d = git_diff_get_delta(diff, i);
		const char *newp = d->new_file.path, *oldp = d->old_file.path, *slash;
		char *cand;
		size_t k;
		if (d->status != GIT_DELTA_RENAMED || !newp || !oldp || !is_spec_file(g, newp))
			continue;
		if (!strcmp(newp, g->path)) {
			cand = sp_xstrdup(oldp);
		} else {
			slash = strrchr(oldp, '/');
			cand = slash ? sp_xstrndup(oldp, (size_t)(slash - oldp)) : sp_xstrdup("");
		}
		for (k = 0; k < ncands && strcmp(cands[k], cand); k++)
			;
		if (k == ncands) {
			SP_GROW(cands, cap, ncands + 1);
			SP_GROW(votes, vcap, ncands + 1);
			cands[ncands] = cand;
			votes[ncands++] = 0;
		} else {
			free(cand);
		}
		votes[k]++;
	}
	for (size_t k = 1; k < ncands; k++)
		if (votes[k] > votes[best] || (votes[k] == votes[best] && strcmp(cands[k], cands[best]) < 0))
			best = k;
	if (ncands)
		*from = sp_arena_strdup(a, cands[best]);
	ret = 0;
out:
	for (size_t k = 0; k < ncands; k++)
		free(cands[k]);
	free(cands);
	free(votes);
	git_diff_free(diff);
	git_tree_free(to);
	return ret;
}

int sp_git_read_spec(struct sp_git *g, const struct sp_git_rev *rev, enum sp_git_moves moves,
		     const struct sp_git_rev *other, struct sp_git_spec *s, struct sp_err *err)
{
	git_tree *tree = NULL;
	char *from = NULL;
	int rc, ret = -1;

	memset(s, 0, sizeof(*s));
	sp_arena_init(&s->arena);
	s->path = sp_arena_strdup(&s->arena, g->path);
	if (rev_tree(g, rev, &tree, err) < 0)
		goto out;
	if ((rc = read_at(g, rev, tree, g->path, s, err)) < 0)
		goto out;
	if (rc == 0 && moves != SP_GIT_MOVES_NONE) {
		if (find_rename(g, tree, moves == SP_GIT_MOVES_TO_REV ? other : NULL, &from, &s->arena, err) < 0)
			goto out;
		if (from && (rc = read_at(g, rev, tree, from, s, err)) < 0)
			goto out;
		if (from && rc > 0) {
			s->renamed_from = from;
			s->path = from;
		}
	}
	ret = 0;
out:
	git_tree_free(tree);
	return ret;
}

void sp_git_spec_free(struct sp_git_spec *s)
{
	free(s->files);
	sp_arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

int sp_git_read_file(struct sp_git *g, const struct sp_git_rev *rev, const char *path, char **text, size_t *len,
		     struct sp_err *err)
{
	char norm[PATH_MAX], where[PATH_MAX + 300];
	git_tree *tree = NULL;
	git_tree_entry *e = NULL;
	git_blob *b = NULL;
	const char *what;
	int rc, ret = SP_EIO;

	*text = NULL;
	*len = 0;
	snprintf(where, sizeof(where), "%s:%s", rev->label, path);
	if (path[0] == '/' || sp_git_normalize(path, norm, sizeof(norm)) < 0 || !norm[0])
		return sp_err_set(err, SP_EINVAL, where, 0, 0, "not a file inside the repository");
	snprintf(where, sizeof(where), "%s:%s", rev->label, norm);
	if (rev_tree(g, rev, &tree, err) < 0)
		goto out;
	rc = git_tree_entry_bypath(&e, tree, norm);
	if (rc == GIT_ENOTFOUND) {
		ret = git_fail(err, SP_ENOTFOUND, where, "no such file");
		goto out;
	}
	if (rc < 0) {
		ret = git_fail(err, SP_EIO, where, "cannot read the tree");
		goto out;
	}
	if ((what = not_regular(e))) {
		ret = sp_err_set(err, SP_EINVAL, where, 0, 0, "is %s, not a file", what);
		goto out;
	}
	if (git_blob_lookup(&b, g->repo, git_tree_entry_id(e)) < 0) {
		ret = git_fail(err, SP_EIO, where, "cannot read the file");
		goto out;
	}
	if (git_blob_rawsize(b) > SP_MAX_FILE_BYTES) {
		ret = sp_err_set(err, SP_ETOOBIG, where, 0, 0, "file is larger than %u MiB", SP_MAX_FILE_BYTES >> 20);
		goto out;
	}
	*len = (size_t)git_blob_rawsize(b);
	*text = sp_xmalloc(*len + 1);
	memcpy(*text, git_blob_rawcontent(b), *len);
	(*text)[*len] = '\0';
	ret = 0;
out:
	git_blob_free(b);
	git_tree_entry_free(e);
	git_tree_free(tree);
	return ret;
}

int sp_git_spec_dirty(struct sp_git *g, struct sp_err *err)
{
	git_status_options o;
	git_status_list *list = NULL;
	char *spec[1] = { g->path };
	int dirty = 0;

	git_status_options_init(&o, GIT_STATUS_OPTIONS_VERSION);
	o.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	o.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS;
	if (*g->path) {
		o.pathspec.strings = spec;
		o.pathspec.count = 1;
	}
	if (git_status_list_new(&list, g->repo, &o) < 0) {
		git_fail(err, SP_EIO, g->path, "cannot read the status of the work tree");
		return -1;
	}
	for (size_t i = 0; i < git_status_list_entrycount(list) && !dirty; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		const git_diff_delta *ds[2] = { e->head_to_index, e->index_to_workdir };
		for (int k = 0; k < 2 && !dirty; k++) {
			if (!ds[k])
				continue;
			if ((ds[k]->new_file.path && is_spec_file(g, ds[k]->new_file.path)) ||
			    (ds[k]->old_file.path && is_spec_file(g, ds[k]->old_file.path)))
				dirty = 1;
		}
	}
	git_status_list_free(list);
	return dirty;
}
