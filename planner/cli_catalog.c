/* Finding the price catalog a spec names, and the digest of a spec's files.
 *
 * Catalog search order for a name (docs/catalog.md): $SCALEPLAN_CATALOG_PATH,
 * then the folders beside the binary (<exe>/../catalogs for a build tree,
 * <exe>/../share/scaleplan/catalogs for an installed prefix that moved), then
 * the compiled-in data folder. A value with a '/' or ending in ".json" is a
 * path; a relative one is relative to the spec file that names it, so a spec
 * and its catalog can travel together. */
#include "planner/plan.h"

#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "planner/cli.h"
#include "providers/catalog.h"

#ifndef SP_DATADIR
#define SP_DATADIR "/usr/local/share/scaleplan"
#endif

const char *sp_cli_catalog_path(void)
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

int sp_cli_load_catalog(struct sp_catalog **out, const struct sp_spec *spec, const char *spec_path)
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
	ret = sp_catalog_load(out, name, sp_cli_catalog_path(), &err);
	if (ret < 0) {
		const struct sp_pos *p = &spec->pricing.pos;
		if (err.file[0] && err.line)
			fprintf(stderr, "%s:%d:%d: error: %s\n", err.file, err.line, err.col, err.msg);
		else if (err.file[0])
			fprintf(stderr, "%s: error: %s\n", err.file, err.msg);
		else if (p->src)
			fprintf(stderr, "%s:%d:%d: error: price catalog '%s': %s\n", p->src->name, p->line, p->col,
				spec->pricing.catalog, err.msg);
		else
			sp_cli_error("price catalog '%s': %s", name, err.msg);
	}
	sp_sb_release(&path);
	return ret < 0 ? -1 : 0;
}

int sp_spec_digest(const struct sp_spec *spec, char out[41])
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
