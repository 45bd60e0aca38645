/* A pull request's two sides read with libgit2 and compared
 * (sp_modeldiff_from_git, planner/modeldiff.h): the base's spec from the
 * object database with no checkout, the head's from the work tree (or a
 * revision), each with its catalog, then sp_modeldiff_make. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planner/git.h"
#include "planner/modeldiff.h"
#include "planner/workspace.h"
#include "providers/catalog.h"

/* One side, as loaded. */
struct side {
	struct sp_git_spec files;     /* read from a tree (found 0 otherwise) */
	struct sp_spec *spec;
	const struct sp_graph *graph;
	const struct sp_catalog *catalog;
	int owned;                    /* spec and the own_ ones are ours to free */
	struct sp_graph *own_graph;
	struct sp_catalog *own_catalog;
};

static void side_free(struct side *s)
{
	sp_catalog_free(s->own_catalog);
	sp_graph_free(s->own_graph);
	if (s->owned)
		sp_spec_free(s->spec);
	sp_git_spec_free(&s->files);
	memset(s, 0, sizeof(*s));
}

/* The catalog of a spec read from rev: a relative path is read from rev's
 * tree, beside the file that names it; a name or an absolute path as usual. */
static int load_catalog_at(struct sp_git *g, const struct sp_git_rev *rev, struct side *s, struct sp_ws_report *r)
{
	const struct sp_spec *spec = s->spec;
	const char *name = spec->pricing.catalog ? spec->pricing.catalog : "aws-us-east-1";
	const char *from, *colon, *slash;
	size_t len = strlen(name), tl;
	char *text = NULL, path[4096], where[4400];
	struct sp_err err;
	int rc;

	if ((!strchr(name, '/') && !(len > 5 && !strcmp(name + len - 5, ".json"))) || name[0] == '/') {
		rc = sp_ws_load_catalog(&s->own_catalog, spec, NULL, r);
		s->catalog = s->own_catalog;
		return rc;
	}
	/* the file naming it is "LABEL:PATH": the catalog is beside PATH */
	from = spec->pricing.pos.src ? spec->pricing.pos.src->name : spec->srcs[0]->name;
	colon = from + strlen(rev->label);
	from = *colon == ':' ? colon + 1 : from;
	slash = strrchr(from, '/');
	snprintf(path, sizeof(path), "%.*s%s%s", slash ? (int)(slash - from) : 0, from, slash ? "/" : "", name);
	sp_err_clear(&err);
	rc = sp_git_read_file(g, rev, path, &text, &tl, &err);
	if (rc == 0) {
		snprintf(where, sizeof(where), "%s:%s", rev->label, path);
		rc = sp_catalog_parse(&s->own_catalog, text, tl, where, &err);
		s->catalog = s->own_catalog;
	}
	free(text);
	if (rc < 0) {
		if (spec->pricing.pos.src)
			sp_error(sp_ws_report_diags(r), spec->pricing.pos, "price catalog '%s': %s%s%s", name,
				 err.file[0] ? err.file : "", err.file[0] ? ": " : "", err.msg);
		else
			sp_ws_report_err(r, &err, NULL);
		return -1;
	}
	return 0;
}

/* Loads the spec files s->files read from rev, builds its graph and its
 * catalog. Errors (REF:PATH:LINE:COL) go to r; the base's warnings are not
 * the change's and are dropped. */
static int load_tree_side(struct sp_git *g, const struct sp_git_rev *rev, struct side *s, const char *what,
			  struct sp_ws_report *r)
{
	struct sp_diags *d = sp_ws_report_diags(r);

	s->owned = 1;
	if (sp_spec_load_srcs(&s->spec, s->files.files, s->files.nfiles, d) < 0 ||
	    sp_graph_build(&s->own_graph, s->spec, d) < 0) {
		sp_ws_report_text(r, "scaleplan: hint: the spec on %s (%s:%s) does not load; fix it there, or name another "
				     "base with --base REF\n",
				  what, rev->label, s->files.path);
		return -1;
	}
	sp_diags_free(d);
	sp_diags_init(d);
	s->graph = s->own_graph;
	return load_catalog_at(g, rev, s, r);
}

int sp_modeldiff_from_git(struct sp_modeldiff *md, const struct sp_md_request *rq, struct sp_ws_report *r)
{
	struct sp_git *g = NULL;
	struct sp_git_rev base, head;
	struct side side[2];
	struct sp_md_input in[2];
	struct sp_err err;
	int dirty = 0, ret = -1;

	memset(md, 0, sizeof(*md));
	sp_arena_init(&md->arena);
	memset(side, 0, sizeof(side));
	memset(in, 0, sizeof(in));
	sp_err_clear(&err);
	if (sp_git_open(&g, rq->spec_path, &err) < 0 || sp_git_resolve_base(g, rq->base_ref, &base, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		goto out;
	}
	/* the head: a revision, or the work tree */
	if (rq->head_ref) {
		if (sp_git_resolve(g, rq->head_ref, &head, &err) < 0 ||
		    sp_git_read_spec(g, &head, SP_GIT_MOVES_NONE, NULL, &side[1].files, &err) < 0) {
			sp_ws_report_err(r, &err, NULL);
			goto out;
		}
		if (side[1].files.found && load_tree_side(g, &head, &side[1], "the head", r) < 0)
			goto out;
	} else {
		if (rq->head_spec) {
			side[1].spec = rq->head_spec;
			side[1].graph = rq->head_graph;
			side[1].catalog = rq->head_catalog;
		} else if (access(rq->spec_path, F_OK) == 0 || errno != ENOENT) {
			side[1].owned = 1;
			if (sp_ws_load(rq->spec_path, &side[1].spec, &side[1].own_graph, r) < 0 ||
			    sp_ws_load_catalog(&side[1].own_catalog, side[1].spec, rq->spec_path, r) < 0)
				goto out;
			side[1].graph = side[1].own_graph;
			side[1].catalog = side[1].own_catalog;
		}
		if ((dirty = sp_git_spec_dirty(g, &err)) < 0) {
			sp_ws_report_err(r, &err, NULL);
			goto out;
		}
	}
	/* the base, following a move of the spec to where the head has it */
	if (sp_git_read_spec(g, &base, rq->head_ref ? SP_GIT_MOVES_TO_REV : SP_GIT_MOVES_TO_WORKTREE, &head,
			     &side[0].files, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		goto out;
	}
	if (side[0].files.found && load_tree_side(g, &base, &side[0], "the base", r) < 0)
		goto out;
	if (!side[0].spec && !side[1].spec) {
		sp_ws_report_error(r, "no spec at '%s', neither on %s (%.12s) nor %s", *sp_git_path(g) ? sp_git_path(g) : ".",
				   base.label, base.commit, rq->head_ref ? rq->head_ref : "in the work tree");
		goto out;
	}
	for (int k = 0; k < 2; k++) {
		in[k].spec = side[k].spec;
		in[k].graph = side[k].graph;
		in[k].catalog = side[k].catalog;
	}
	in[0].label = base.label;
	in[0].commit = base.commit;
	in[0].path = side[0].files.found ? side[0].files.path : sp_git_path(g);
	in[0].renamed_from = side[0].files.renamed_from;
	in[0].how = base.how;
	in[1].label = rq->head_ref ? head.label : "the work tree";
	in[1].commit = rq->head_ref ? head.commit : NULL;
	in[1].path = sp_git_path(g);
	in[1].dirty = dirty > 0;
	sp_arena_free(&md->arena);
	if (sp_modeldiff_make(md, in, &rq->o, sp_ws_report_diags(r)) < 0)
		goto out;
	ret = 0;
out:
	side_free(&side[0]);
	side_free(&side[1]);
	sp_git_close(g);
	return ret;
}
