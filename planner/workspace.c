/* The workspace of a command (planner/workspace.h): the spec, the catalog,
 * the state backend and the provider, the lock, "now", and the one error
 * printer. */
#include "planner/workspace.h"

#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "planner/cli.h"
#include "providers/backend_local.h"
#include "providers/provider_local.h"

#ifndef SP_DATADIR
#define SP_DATADIR "/usr/local/share/scaleplan"
#endif

/* ---- where things are -------------------------------------------------------------------------- */

void sp_ws_where_of(struct sp_ws_where *w, const struct sp_spec *spec)
{
	if (spec) {
		w->state = spec->state;
		w->provider = spec->provider;
	} else {
		sp_state_cfg_init(&w->state, NULL, NULL);
		sp_provider_cfg_init(&w->provider);
	}
}

void sp_ws_where_local_state(struct sp_ws_where *w, const char *path)
{
	sp_state_cfg_init(&w->state, NULL, NULL);
	w->state.path = path;
}

void sp_ws_where_local_provider(struct sp_ws_where *w, const char *path)
{
	sp_provider_cfg_init(&w->provider);
	w->provider.path = path;
}

int sp_ws_lock(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *holder,
	       struct sp_err *err)
{
	struct sp_lock_info mine;

	memset(holder, 0, sizeof(*holder));
	if (b->ops->lock(b, operation, timeout_ms, &mine, holder, err) == 0)
		return 0;
	if (err->code == SP_ELOCKED && holder->id[0])
		sp_err_set(err, SP_ELOCKED, "", 0, 0, "the state is locked by another command%s",
			   timeout_ms > 0 ? " (waited for it)" : "");
	else
		memset(holder, 0, sizeof(*holder));
	return -1;
}

int sp_ws_now(sp_month *out, struct sp_err *err)
{
	const char *env = getenv("SCALEPLAN_NOW");
	time_t t;
	struct tm tm;

	if (env && *env) {
		if (sp_month_parse(env, out) < 0) {
			sp_err_set(err, SP_EINVAL, "", 0, 0, "SCALEPLAN_NOW='%s' is not a month in YYYY-MM form", env);
			return -1;
		}
		return 0;
	}
	t = time(NULL);
	gmtime_r(&t, &tm);
	*out = (tm.tm_year + 1900) * 12 + tm.tm_mon;
	return 0;
}

/* ---- the catalog and the spec's digest ---------------------------------------------------------- */

const char *sp_ws_catalog_path(void)
{
	static char buf[4 * PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n;

	if (buf[0])
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		snprintf(buf, sizeof(buf), "%s/../catalogs:%s/catalogs:%s/../share/scaleplan/catalogs:%s/catalogs", exe,
			 exe, exe, SP_DATADIR);
	} else {
		snprintf(buf, sizeof(buf), "%s/catalogs", SP_DATADIR);
	}
	return buf;
}

int sp_ws_load_catalog(struct sp_catalog **out, const struct sp_spec *spec, const char *spec_path,
		       struct sp_ws_report *r)
{
	const char *name = spec->pricing.catalog ? spec->pricing.catalog : "aws-us-east-1";
	size_t len = strlen(name);
	int is_path = strchr(name, '/') || (len > 5 && !strcmp(name + len - 5, ".json"));
	struct sp_sb path = SP_SB_INIT;
	struct sp_err err;
	int ret;

	sp_err_clear(&err);
	if (is_path && name[0] != '/') {
		/* relative to the file that names it (or the spec path given) */
		const char *from = spec->pricing.pos.src ? spec->pricing.pos.src->name : spec_path;
		const char *slash = from ? strrchr(from, '/') : NULL;
		if (slash)
			sp_sb_add(&path, from, (size_t)(slash - from + 1));
		sp_sb_adds(&path, name);
		name = path.buf;
	}
	ret = sp_catalog_load(out, name, sp_ws_catalog_path(), &err);
	if (ret < 0 && !err.file[0]) {
		/* not found by name: at the spec's line that names it, if any */
		sp_error(sp_ws_report_diags(r), spec->pricing.pos, "%s", err.msg);
	} else if (ret < 0) {
		/* in the catalog file, whose text the loader kept to itself */
		sp_ws_report_err(r, &err, NULL);
	}
	sp_sb_release(&path);
	return ret < 0 ? -1 : 0;
}

int sp_ws_spec_digest(const struct sp_spec *spec, char out[41])
{
	/* The git blob id of every source in load order, framed by name and
	 * length, so renaming, reordering or editing any file changes it. */
	struct sp_sb sb = SP_SB_INIT;
	git_oid oid;
	int ret;

	for (size_t i = 0; i < spec->nsrcs; i++) {
		const struct sp_src *s = spec->srcs[i];
		const char *base = strrchr(s->name, '/');
		base = base ? base + 1 : s->name;
		sp_sb_addf(&sb, "%s\n%zu\n", base, s->len);
		sp_sb_add(&sb, s->text, s->len);
	}
	git_libgit2_init();
	ret = git_odb_hash(&oid, sb.buf, sb.len, GIT_OBJECT_BLOB);
	if (ret == 0)
		git_oid_tostr(out, 41, &oid);
	else
		out[0] = '\0';
	git_libgit2_shutdown();
	sp_sb_release(&sb);
	return ret == 0 ? 0 : -1;
}

/* ---- the spec ------------------------------------------------------------------------------------ */

int sp_ws_load(const char *path, struct sp_spec **spec, struct sp_graph **g, struct sp_ws_report *r)
{
	struct sp_diags *d = sp_ws_report_diags(r);
	int ret = 0;

	*spec = NULL;
	if (g)
		*g = NULL;
	if (sp_spec_load(spec, path, d) < 0)
		ret = -1;
	else if (g && sp_graph_build(g, *spec, d) < 0)
		ret = -1;
	else if (g)
		sp_graph_lint(*g, d);
	if (ret == 0)
		return 0;
	if (!strcmp(path, SP_DEFAULT_SPEC) && access(path, F_OK) < 0)
		sp_ws_report_text(r, "scaleplan: hint: no spec named; 'scaleplan init' writes a starter scaleplan.yaml\n");
	if (g) {
		sp_graph_free(*g);
		*g = NULL;
	}
	sp_spec_free(*spec);
	*spec = NULL;
	return -1;
}

/* ---- the backend and the provider ------------------------------------------------------------- */

int sp_ws_open(struct sp_ws *w, int need_provider, struct sp_err *err)
{
	if (sp_backend_open(&w->backend, &w->where.state, err) < 0)
		return -1;
	if (need_provider && sp_provider_open(&w->provider, &w->where.provider, err) < 0)
		return -1;
	return 0;
}

int sp_ws_open_where(struct sp_ws *w, const char *spec_path, const char *state_path, const char *infra_path,
		     int need_provider, struct sp_ws_report *r)
{
	struct sp_err err;

	memset(w, 0, sizeof(*w));
	sp_err_clear(&err);
	if (spec_path || access(SP_DEFAULT_SPEC, F_OK) == 0) {
		if (sp_ws_load(spec_path ? spec_path : SP_DEFAULT_SPEC, &w->spec, NULL, r) < 0)
			return -1;
	}
	sp_ws_where_of(&w->where, w->spec);
	if (state_path)
		sp_ws_where_local_state(&w->where, state_path);
	if (infra_path)
		sp_ws_where_local_provider(&w->where, infra_path);
	if (sp_ws_open(w, need_provider, &err) < 0) {
		sp_ws_report_err(r, &err, NULL);
		return -1;
	}
	return 0;
}

void sp_ws_close(struct sp_ws *w)
{
	if (w->provider)
		w->provider->ops->close(w->provider);
	if (w->backend)
		w->backend->ops->close(w->backend);
	sp_spec_free(w->spec);
	memset(w, 0, sizeof(*w));
}

/* ---- the one error printer ------------------------------------------------------------------------ */

void sp_ws_err_diag(struct sp_diags *d, const struct sp_err *e, const struct sp_src *src)
{
	struct sp_pos none = { NULL, 0, 0 };
	size_t k = d->n;

	if (!e->file[0]) {
		sp_error(d, none, "%s", e->msg);
	} else if (!e->line) {
		sp_error(d, none, "%s: %s", e->file, e->msg);
	} else if (src && !strcmp(src->name, e->file)) {
		struct sp_pos at = { src, e->line, e->col };
		sp_error(d, at, "%s", e->msg);
	} else {
		/* a place in a file whose text is not at hand: no excerpt */
		sp_error(d, none, "%s", e->msg);
		if (d->n > k) {
			d->v[k].file = sp_xstrdup(e->file);
			d->v[k].pos.line = e->line;
			d->v[k].pos.col = e->col;
		}
	}
}

struct sp_diags *sp_ws_report_diags(struct sp_ws_report *r)
{
	struct sp_ws_msg *m;

	SP_GROW(r->v, r->cap, r->n + 1);
	m = &r->v[r->n++];
	sp_diags_init(&m->diags);
	sp_sb_init(&m->text);
	return &m->diags;
}

void sp_ws_report_err(struct sp_ws_report *r, const struct sp_err *e, const struct sp_src *src)
{
	sp_ws_err_diag(sp_ws_report_diags(r), e, src);
}

void sp_ws_report_error(struct sp_ws_report *r, const char *fmt, ...)
{
	struct sp_pos none = { NULL, 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	sp_vdiag(sp_ws_report_diags(r), SP_ERROR, none, fmt, ap);
	va_end(ap);
}

void sp_ws_report_text(struct sp_ws_report *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->n)
		sp_ws_report_diags(r);
	va_start(ap, fmt);
	sp_sb_vaddf(&r->v[r->n - 1].text, fmt, ap);
	va_end(ap);
}

void sp_ws_report_lock_err(struct sp_ws_report *r, const struct sp_err *e, const struct sp_lock_info *holder)
{
	sp_ws_report_err(r, e, NULL);
	if (e->code != SP_ELOCKED || !holder->id[0])
		return;
	sp_ws_report_text(r, "  lock ID:   %s\n  held by:   %s\n  operation: %s\n  since:     %s\n", holder->id, holder->who,
			  holder->operation, holder->created);
	if (holder->pid > 0)
		sp_ws_report_text(r, "  process:   %ld on %s\n", holder->pid, holder->host);
	else if (holder->host[0])
		sp_ws_report_text(r, "  host:      %s\n", holder->host);
	/* the backend's own account of how its lock ends (etcd: a lease) */
	if (holder->ends[0])
		sp_ws_report_text(r, "  ends:      %s\n", holder->ends);
	/* a local lock ends with its process, an etcd lock with its lease; a
	 * lock on an HTTP state server stays until it is released */
	sp_ws_report_text(r, "Wait for it to finish, or use --lock-timeout DURATION to wait. When its process is gone\n"
			     "and the lock stays, 'scaleplan state unlock ID' clears it.\n");
}

void sp_ws_report_free(struct sp_ws_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		sp_diags_free(&r->v[i].diags);
		sp_sb_release(&r->v[i].text);
	}
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void sp_ws_report_print(struct sp_ws_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		sp_ws_print_diags(&r->v[i].diags);
		fputs(r->v[i].text.buf, stderr);
	}
	sp_ws_report_free(r);
}

void sp_ws_print_diags(struct sp_diags *d)
{
	if (!d->n)
		return;
	sp_diags_sort(d);
	sp_diags_print(stderr, d, sp_cli.color_err);
}

void sp_ws_error(const char *fmt, ...)
{
	struct sp_ws_report r = SP_WS_REPORT_INIT;
	struct sp_pos none = { NULL, 0, 0 };
	va_list ap;

	va_start(ap, fmt);
	sp_vdiag(sp_ws_report_diags(&r), SP_ERROR, none, fmt, ap);
	va_end(ap);
	sp_ws_report_print(&r);
}

void sp_ws_print_err(const struct sp_err *e, const struct sp_src *src)
{
	struct sp_ws_report r = SP_WS_REPORT_INIT;

	sp_ws_report_err(&r, e, src);
	sp_ws_report_print(&r);
}

void sp_ws_print_lock_err(const struct sp_err *e, const struct sp_lock_info *holder)
{
	struct sp_ws_report r = SP_WS_REPORT_INIT;

	sp_ws_report_lock_err(&r, e, holder);
	sp_ws_report_print(&r);
}
