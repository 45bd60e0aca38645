/* Fixtures shared by the state, journal and backend tests (state_fixtures.h). */
#include "tests/unit/state_fixtures.h"

#include <check.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/strbuf.h"
#include "providers/backend_local.h"
#include "providers/state_json.h"

char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-check-state.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

void tmp_teardown(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* "<tmpdir>/<name>" in a static ring of buffers */
const char *tp(const char *name)
{
	static char bufs[8][256];
	static int k;
	char *b = bufs[k++ % 8];
	snprintf(b, 256, "%s/%s", tmpdir, name);
	return b;
}

/* a file's content (malloc), or NULL when it does not exist */
char *slurp(const char *path)
{
	struct sp_sb sb = SP_SB_INIT;
	if (sp_sb_read_file(&sb, path, 1 << 26) < 0) {
		sp_sb_release(&sb);
		return NULL;
	}
	return sp_sb_detach(&sb, NULL);
}

void spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* entries in a folder (not . and ..) */
int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* A resource built in arena a: attributes as "key=value" strings ("n:3" numbers, "b:1" booleans). */
struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region)
{
	struct sp_resource r;
	memset(&r, 0, sizeof(r));
	r.type = sp_arena_strdup(a, type);
	r.name = sp_arena_strdup(a, name);
	r.region = sp_arena_strdup(a, region);
	r.address = sp_resource_address(a, type, name, region);
	r.attrs = SP_NEWN(a, struct sp_attr, 16);
	r.depends_on = SP_NEWN(a, const char *, 8);
	return r;
}

struct sp_attr *add_str(struct sp_resource *r, const char *key, const char *v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_STR;
	at->s = v;
	return at;
}

struct sp_attr *add_num(struct sp_resource *r, const char *key, double v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_NUM;
	at->n = v;
	return at;
}

struct sp_attr *add_bool(struct sp_resource *r, const char *key, int v)
{
	struct sp_attr *at = &r->attrs[r->nattrs++];
	at->key = key;
	at->type = SP_ATTR_BOOL;
	at->n = v;
	return at;
}

/* A state with a fixed lineage and the given resources (copied into its arena's array). */
struct sp_state *mkstate(uint64_t serial, const struct sp_resource *rs, size_t n)
{
	struct sp_state *s = sp_state_new();
	s->lineage = LINEAGE;
	s->serial = serial;
	s->scaleplan_version = "9.9.9";
	s->resources.v = SP_NEWN(&s->arena, struct sp_resource, n + 1);
	for (size_t i = 0; i < n; i++)
		s->resources.v[i] = rs[i];
	s->resources.n = n;
	return s;
}

char *encode(const struct sp_state *s)
{
	struct sp_err err;
	char *text = NULL;
	sp_err_clear(&err);
	ck_assert_msg(sp_state_to_json(s, &text, &err) == 0, "encode: %s: %s", err.file, err.msg);
	return text;
}

struct sp_backend *open_backend(void)
{
	struct sp_backend *b = NULL;
	struct sp_err err;
	ck_assert_int_eq(sp_backend_local_open(&b, tp("dot/state.json"), &err), 0);
	ck_assert_str_eq(b->ops->kind, "local");
	return b;
}

struct sp_state *state_with(uint64_t serial, int nodes)
{
	struct sp_state *s = mkstate(serial, NULL, 0);
	struct sp_resource *r = SP_NEWN(&s->arena, struct sp_resource, 1);
	*r = mkres(&s->arena, "service", "web", "us");
	add_num(r, "nodes", nodes);
	s->resources.v = r;
	s->resources.n = 1;
	return s;
}

int bwrite(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	sp_err_clear(err);
	return b->ops->write(b, s, err);
}
