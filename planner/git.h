/* The spec at a git revision, for `scaleplan diff` and `plan --base`: the
 * repository that holds the spec, the revisions a pull request compares
 * (the base: --base REF, the CI's target branch, or the merge base with the
 * default branch) and the spec's files read with libgit2 straight from the
 * object database by tree path, with no checkout. Every message carries
 * libgit2's own (git_error_last()) with the revision and the path it
 * concerned; nothing here prints. */
#ifndef SP_GIT_H
#define SP_GIT_H
#include <stddef.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/err.h"

struct sp_git;

/* A revision resolved to a commit. label is what messages and REF:PATH
 * positions call it, always something `git show LABEL:PATH` understands: the
 * name given ("origin/main", "HEAD", "v1.2"), or the abbreviated commit id of
 * a merge base that is not the tip of the branch it was computed with. */
struct sp_git_rev {
	char label[256];
	char commit[41];              /* full hexadecimal id */
	char how[700];                /* how it was chosen: "--base origin/main", "the merge base of HEAD and
					 origin/main (GITHUB_BASE_REF=main)" */
};

/* The spec's files at one revision. */
struct sp_git_spec {
	struct sp_arena arena;        /* owns the strings and files below */
	int found;                    /* 0: nothing at the path (nor renamed): a base with no spec */
	int is_dir;
	char *path;                   /* where it was read, relative to the repository's root ("" the root) */
	char *renamed_from;           /* the path it was read from when the spec moved (else NULL) */
	struct sp_src *files;         /* name "LABEL:PATH", the bytes; sorted by name as a folder is read */
	size_t nfiles;
};

/* Opens the repository whose work tree holds spec_path (a file or folder,
 * relative to the working directory; it need not exist, as when a pull
 * request deletes it). Returns 0, or -1 with err naming the path (not in a
 * repository, a bare repository). Close with sp_git_close. */
int sp_git_open(struct sp_git **out, const char *spec_path, struct sp_err *err);
/* Frees everything g holds; NULL is a no-op. */
void sp_git_close(struct sp_git *g);
/* The spec's path relative to the repository's root ("" for the root). */
const char *sp_git_path(const struct sp_git *g);

/* Resolves ref (a branch, tag, remote branch or commit id, "HEAD~2") to a
 * commit. A commit id that is not in the object database is reported as
 * "the commit X is not in this clone (shallow?): run git fetch --unshallow
 * or git fetch origin X" ("the base commit" from sp_git_resolve_base).
 * Returns 0, or -1 with err set. */
int sp_git_resolve(struct sp_git *g, const char *ref, struct sp_git_rev *out, struct sp_err *err);

/* The base a pull request compares with: ref when non-NULL (exactly that
 * revision); else the merge base of HEAD with the target branch:
 * $GITHUB_BASE_REF, then $CI_MERGE_REQUEST_TARGET_BRANCH_NAME (each as
 * origin/<it> when that exists, else <it>), else the default branch
 * (origin/HEAD's target, else main, origin/main, master, origin/master).
 * When the merge base cannot be found in a shallow clone: "the merge base
 * of HEAD and 'origin/main' is not in this clone (shallow?): run git fetch
 * --unshallow or git fetch origin main". Returns 0, or -1 with err set. */
int sp_git_resolve_base(struct sp_git *g, const char *ref, struct sp_git_rev *out, struct sp_err *err);

/* Where to look for the spec when nothing is at its path at rev: nowhere,
 * or where the files that make it up at other (or in the work tree and
 * index) came from, by git's rename detection. */
enum sp_git_moves { SP_GIT_MOVES_NONE, SP_GIT_MOVES_TO_REV, SP_GIT_MOVES_TO_WORKTREE };

/* Reads the spec at rev: the file at the spec's path, or every *.yaml and
 * *.yml blob of the folder there (not those whose names start with '.').
 * When nothing is at the path, follows a move as moves says (other is the
 * revision for SP_GIT_MOVES_TO_REV) and reads the spec from where it was.
 * A symbolic link, a submodule or a file over the spec's size limit is an
 * error. Returns 0 (out->found 0 when there is no spec at rev; free out
 * with sp_git_spec_free either way), or -1 with err set. */
int sp_git_read_spec(struct sp_git *g, const struct sp_git_rev *rev, enum sp_git_moves moves,
		     const struct sp_git_rev *other, struct sp_git_spec *out, struct sp_err *err);
/* Frees s's strings and files; s is zeroed. */
void sp_git_spec_free(struct sp_git_spec *s);

/* Reads the file at path (relative to the repository's root; "." and ".."
 * are resolved, never above the root) at rev into *text (malloc'd, NUL
 * after len bytes). Returns 0, SP_ENOTFOUND when nothing is there, or
 * another negative code with err set (err names LABEL:PATH in every case). */
int sp_git_read_file(struct sp_git *g, const struct sp_git_rev *rev, const char *path, char **text, size_t *len,
		     struct sp_err *err);

/* Whether the work tree's copy of the spec differs from HEAD's (edited,
 * added or deleted spec files, staged or not): 1, 0, or -1 with err set. */
int sp_git_spec_dirty(struct sp_git *g, struct sp_err *err);

/* path with "." and ".." resolved and no doubled or trailing '/', into out
 * (n bytes). Returns 0, or -1 when it climbs above its start or does not
 * fit. */
int sp_git_normalize(const char *path, char *out, size_t n);

#endif
