/* The local provider (providers/provider_local.c), its fault injection, and
 * the file helpers under it (providers/fsio.c, providers/uuid.c). */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "model/resource.h"
#include "providers/fsio.h"
#include "providers/provider_local.h"
#include "providers/uuid.h"

Suite *suite_provider(void);

/* ---- helpers ------------------------------------------------------------------------------------ */

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-check-provider.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	unsetenv("SCALEPLAN_LOCAL_LATENCY_MS");
	unsetenv("SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_KIND");
	sp_provider_local_fault_reset();
}

static void tmp_teardown(void)
{
	unsetenv("SCALEPLAN_FAULT_AT");
	unsetenv("SCALEPLAN_FAULT_KIND");
	unsetenv("SCALEPLAN_LOCAL_LATENCY_MS");
	sp_provider_local_fault_reset();
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	tmpdir[0] = '\0';
}

/* "<tmpdir>/<name>" in a static ring of buffers */
static const char *tp(const char *name)
{
	static char bufs[8][256];
	static int k;
	char *b = bufs[k++ % 8];
	snprintf(b, 256, "%s/%s", tmpdir, name);
	return b;
}

static char *slurp(const char *path)
{
	struct sp_sb sb = SP_SB_INIT;
	if (sp_sb_read_file(&sb, path, 1 << 26) < 0) {
		sp_sb_release(&sb);
		return NULL;
	}
	return sp_sb_detach(&sb, NULL);
}

static void spew(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The entries of a folder, sorted, joined with spaces ("" when empty or missing). */
static char *listing(const char *dir)
{
	struct sp_sb sb = SP_SB_INIT;
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			if (sb.len)
				sp_sb_addc(&sb, ' ');
			sp_sb_adds(&sb, names[i]->d_name);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return sp_sb_detach(&sb, NULL);
}

#define ASSERT_LISTING(dir, want)                  \
	do {                                       \
		char *got_ = listing(dir);         \
		ck_assert_str_eq(got_, (want));    \
		free(got_);                        \
	} while (0)

static struct sp_resource mkres(struct sp_arena *a, const char *type, const char *name, const char *region, double nodes)
{
	struct sp_resource r;
	memset(&r, 0, sizeof(r));
	r.type = type;
	r.name = name;
	r.region = region;
	r.address = sp_resource_address(a, type, name, region);
	r.attrs = SP_NEWN(a, struct sp_attr, 2);
	r.attrs[0] = (struct sp_attr){ .key = "instance", .type = SP_ATTR_STR, .s = "m7i.large", .force_new = 1 };
	r.attrs[1] = (struct sp_attr){ .key = "nodes", .type = SP_ATTR_NUM, .n = nodes };
	r.nattrs = 2;
	return r;
}

static struct sp_provider *open_provider(const char *dir)
{
	struct sp_provider *p = NULL;
	struct sp_err err;
	ck_assert_int_eq(sp_provider_local_open(&p, dir, &err), 0);
	ck_assert_str_eq(p->ops->kind, "local");
	return p;
}

/* ---- local provider ----------------------------------------------------------------------------- */

START_TEST(test_provider_open_args)
{
	struct sp_provider *p = (struct sp_provider *)1;
	struct sp_err err;
	ck_assert_int_eq(sp_provider_local_open(&p, "", &err), SP_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(sp_provider_local_open(&p, NULL, &err), SP_EINVAL);
	/* nothing is created until the first create */
	p = open_provider(tp("infra/"));
	ck_assert(!exists(tp("infra")));
	const struct sp_provider_ops *ops = p->ops;
	ops->close(p);
	ops->close(NULL); /* a no-op */
}
END_TEST

START_TEST(test_provider_crud)
{
	struct sp_provider *p = open_provider(tp("a/infra"));
	struct sp_resource web, db, got;
	struct sp_resource_set set;
	struct sp_arena a;
	struct sp_err err;
	char *text;
	sp_arena_init(&a);

	web = mkres(&a, "service", "web-api", "us-east-1", 3);
	web.depends_on = SP_NEWN(&a, const char *, 1);
	web.depends_on[web.ndeps++] = "datastore.orders-db[us-east-1]";
	web.prevent_destroy = 1;
	db = mkres(&a, "datastore", "orders-db", "us-east-1", 2);

	/* a missing folder is an empty provider */
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 0);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, web.address);

	/* create makes the folder, one file per resource, named by address */
	ck_assert_int_eq(p->ops->create(p, &web, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &db, &err), 0);
	ASSERT_LISTING(tp("a/infra"), "datastore.orders-db[us-east-1].json service.web-api[us-east-1].json");
	text = slurp(tp("a/infra/service.web-api[us-east-1].json"));
	ck_assert_str_eq(text, "{\n"
			       "  \"address\": \"service.web-api[us-east-1]\",\n"
			       "  \"type\": \"service\",\n"
			       "  \"name\": \"web-api\",\n"
			       "  \"region\": \"us-east-1\",\n"
			       "  \"attributes\": {\n"
			       "    \"instance\": \"m7i.large\",\n"
			       "    \"nodes\": 3\n"
			       "  }\n"
			       "}\n");
	free(text);

	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_str_eq(set.v[0].address, db.address);
	ck_assert_str_eq(set.v[1].address, web.address);
	ck_assert_ptr_eq(sp_resource_find(&set, web.address), &set.v[1]);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert_str_eq(got.type, "service");
	ck_assert_str_eq(got.name, "web-api");
	ck_assert_str_eq(got.region, "us-east-1");
	ck_assert_uint_eq(got.nattrs, 2);
	ck_assert(sp_attr_equal(&got.attrs[1], &web.attrs[1]));
	/* the provider keeps no planner fields */
	ck_assert_uint_eq(got.ndeps, 0);
	ck_assert_int_eq(got.prevent_destroy, 0);
	ck_assert_int_eq(got.attrs[0].force_new, 0);

	/* create of an existing resource is refused, and the file is untouched */
	struct sp_resource web5 = mkres(&a, "service", "web-api", "us-east-1", 5);
	text = slurp(tp("a/infra/service.web-api[us-east-1].json"));
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &web5, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, web.address);
	ck_assert_ptr_nonnull(strstr(err.msg, "exists already"));
	char *after = slurp(tp("a/infra/service.web-api[us-east-1].json"));
	ck_assert_str_eq(after, text);
	free(after);
	free(text);

	/* update */
	ck_assert_int_eq(p->ops->update(p, &web, &web5, &err), 0);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert_double_eq(sp_resource_attr(&got, "nodes")->n, 5);
	ck_assert_int_eq(p->ops->update(p, NULL, &web, &err), 0); /* before is optional */
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->update(p, &web, &db, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot change the address"));
	struct sp_resource cache = mkres(&a, "cache", "c", "us-east-1", 1);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->update(p, &cache, &cache, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, cache.address);
	ck_assert(!exists(tp("a/infra/cache.c[us-east-1].json")));

	/* remove */
	ck_assert_int_eq(p->ops->remove(p, &web, &err), 0);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), SP_ENOTFOUND);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->remove(p, &web, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, web.address);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.v[0].address, db.address);
	/* never a temporary file left behind */
	ASSERT_LISTING(tp("a/infra"), "datastore.orders-db[us-east-1].json");

	/* strings that are not addresses never reach the file system */
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->read(p, "../../etc/passwd", &got, &a, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not a resource address"));
	ck_assert_int_eq(p->ops->read(p, NULL, &got, &a, &err), SP_EINVAL);
	struct sp_resource evil = cache;
	evil.address = "service.x[../../y]";
	ck_assert_int_eq(p->ops->create(p, &evil, &err), SP_EINVAL);
	evil.address = NULL;
	ck_assert_int_eq(p->ops->create(p, &evil, &err), SP_EINVAL);
	ck_assert_int_eq(p->ops->remove(p, &evil, &err), SP_EINVAL);
	/* nor does a resource that cannot be encoded */
	struct sp_resource nan = mkres(&a, "cache", "n", "us-east-1", 0);
	nan.attrs[1].n = NAN;
	ck_assert_int_eq(p->ops->create(p, &nan, &err), SP_EINVAL);
	ck_assert(!exists(tp("a/infra/cache.n[us-east-1].json")));
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

/* Deferred writes (apply's group commit): invisible until sync, which
 * publishes them all at once; a create that finds its file made meanwhile
 * fails at sync, naming the resource, and the others are still published. */
START_TEST(test_provider_deferred_sync)
{
	struct sp_provider *p = open_provider(tp("d/infra"));
	struct sp_resource web, db, got;
	struct sp_arena a;
	struct sp_err err;
	FILE *f;
	sp_arena_init(&a);
	sp_err_clear(&err);

	web = mkres(&a, "service", "web-api", "us-east-1", 3);
	db = mkres(&a, "datastore", "orders-db", "us-east-1", 2);
	ck_assert_ptr_nonnull(p->ops->sync);
	/* nothing to sync is no error */
	ck_assert_int_eq(p->ops->sync(p, &err), 0);
	p->deferred = 1;
	ck_assert_int_eq(p->ops->create(p, &web, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &db, &err), 0);
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), SP_ENOTFOUND);
	ck_assert_int_eq(p->ops->sync(p, &err), 0);
	ASSERT_LISTING(tp("d/infra"), "datastore.orders-db[us-east-1].json service.web-api[us-east-1].json");
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert_str_eq(got.address, web.address);

	/* an update and a removal, then a create whose file appears meanwhile */
	web = mkres(&a, "service", "web-api", "us-east-1", 5);
	ck_assert_int_eq(p->ops->update(p, NULL, &web, &err), 0);
	ck_assert_int_eq(p->ops->remove(p, &db, &err), 0);
	ck_assert_int_eq(p->ops->create(p, &db, &err), 0);
	f = fopen(tp("d/infra/datastore.orders-db[us-east-1].json"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("{}\n", f);
	fclose(f);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->sync(p, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, db.address);
	ck_assert_ptr_nonnull(strstr(err.msg, "exists already"));
	/* the update was published all the same, and no temporary file is left */
	ck_assert_int_eq(p->ops->read(p, web.address, &got, &a, &err), 0);
	ck_assert_double_eq(got.attrs[got.nattrs - 1].n, 5);
	ASSERT_LISTING(tp("d/infra"), "datastore.orders-db[us-east-1].json service.web-api[us-east-1].json");

	/* a write never synced is never published, and close leaves nothing */
	ck_assert_int_eq(remove(tp("d/infra/datastore.orders-db[us-east-1].json")), 0);
	ck_assert_int_eq(p->ops->create(p, &db, &err), 0);
	p->ops->close(p);
	ASSERT_LISTING(tp("d/infra"), "service.web-api[us-east-1].json");
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_update_missing_folder)
{
	/* an update in a provider whose folder does not exist is "not found", not an I/O error */
	struct sp_provider *p = open_provider(tp("nothing/here"));
	struct sp_arena a;
	struct sp_err err;
	sp_arena_init(&a);
	struct sp_resource r = mkres(&a, "service", "a", "r", 1);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->update(p, &r, &r, &err), SP_ENOTFOUND);
	ck_assert_int_eq(p->ops->remove(p, &r, &err), SP_ENOTFOUND);
	ck_assert(!exists(tp("nothing")));
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_drift)
{
	struct sp_provider *p = open_provider(tmpdir);
	struct sp_resource r, got;
	struct sp_resource_set set;
	struct sp_arena a;
	struct sp_err err;
	sp_arena_init(&a);

	r = mkres(&a, "service", "web", "eu", 3);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	/* edited by hand: a different value, a new attribute, another layout */
	spew(tp("service.web[eu].json"), "{\"attributes\": {\"nodes\": 7, \"instance\": \"m7i.xlarge\", \"spot\": true},\n"
					 " \"region\": \"eu\", \"name\": \"web\", \"type\": \"service\",\n"
					 " \"address\": \"service.web[eu]\"}");
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), 0);
	ck_assert_uint_eq(got.nattrs, 3);
	ck_assert_double_eq(sp_resource_attr(&got, "nodes")->n, 7);
	ck_assert_str_eq(sp_resource_attr(&got, "instance")->s, "m7i.xlarge");
	ck_assert_int_eq(sp_resource_attr(&got, "spot")->type, SP_ATTR_BOOL);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_double_eq(sp_resource_attr(&set.v[0], "nodes")->n, 7);
	/* deleted by hand */
	ck_assert_int_eq(unlink(tp("service.web[eu].json")), 0);
	ck_assert_int_eq(p->ops->read(p, r.address, &got, &a, &err), SP_ENOTFOUND);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 0);
	/* created by hand */
	spew(tp("cache.c[eu].json"), "{\"address\": \"cache.c[eu]\", \"type\": \"cache\", \"name\": \"c\", \"region\": \"eu\","
				     " \"attributes\": {}}");
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(set.v[0].address, "cache.c[eu]");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_bad_files)
{
	struct sp_provider *p = open_provider(tmpdir);
	struct sp_resource r, got;
	struct sp_resource_set set;
	struct sp_arena a;
	struct sp_err err;
	sp_arena_init(&a);

	r = mkres(&a, "service", "a", "r", 1);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	/* list skips hidden files (temporary files of writes) and other extensions */
	spew(tp(".service.b[r].json.tmp-abcdef"), "partial");
	spew(tp(".hidden.json"), "not json");
	spew(tp("notes.txt"), "hello");
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), 0);
	ck_assert_uint_eq(set.n, 1);

	/* bad JSON: the file, with line and column */
	spew(tp("service.b[r].json"), "{\n  \"address\": \"service.b[r]\",\n  \"type\": ,\n}\n");
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->read(p, "service.b[r]", &got, &a, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, tp("service.b[r].json"));
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_gt(err.col, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "invalid JSON"));
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, tp("service.b[r].json"));
	ck_assert_int_eq(err.line, 3);
	ck_assert_uint_eq(set.n, 0);

	/* valid JSON but not a resource: the file and the JSON path */
	spew(tp("service.b[r].json"), "{\"address\": \"service.b[r]\", \"type\": \"service\", \"name\": \"b\","
				      " \"region\": \"r\", \"attributes\": {\"nodes\": [3]}}");
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->read(p, "service.b[r]", &got, &a, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, tp("service.b[r].json"));
	ck_assert_str_eq(err.msg, "attributes.nodes: must be a string, a number or a boolean, not an array");

	/* a file holding another address than its name says */
	char *text = slurp(tp("service.a[r].json"));
	spew(tp("service.b[r].json"), text);
	free(text);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->read(p, "service.b[r]", &got, &a, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, tp("service.b[r].json"));
	ck_assert_ptr_nonnull(strstr(err.msg, "holds resource 'service.a[r]', but its name says 'service.b[r]'"));
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "holds resource 'service.a[r]'"));
	/* a stray *.json that is no resource at all */
	ck_assert_int_eq(unlink(tp("service.b[r].json")), 0);
	spew(tp("README.json"), "{\"hello\": 1}");
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->list(p, &set, &a, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, tp("README.json"));
	ck_assert_str_eq(err.msg, "hello: unknown key");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_fault_error)
{
	struct sp_provider *p = open_provider(tmpdir);
	struct sp_resource r1, r2, r1b, got;
	struct sp_arena a;
	struct sp_err err;
	char *before;
	sp_arena_init(&a);

	r1 = mkres(&a, "service", "one", "r", 1);
	r2 = mkres(&a, "service", "two", "r", 2);
	r1b = mkres(&a, "service", "one", "r", 9);

	/* the 2nd write fails, with nothing on disk; the others go through */
	setenv("SCALEPLAN_FAULT_AT", "2", 1);
	sp_provider_local_fault_reset();
	ck_assert_int_eq(p->ops->create(p, &r1, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &r2, &err), SP_EIO);
	ck_assert_str_eq(err.file, r2.address);
	ck_assert_ptr_nonnull(strstr(err.msg, "injected fault at operation 2"));
	ASSERT_LISTING(tmpdir, "service.one[r].json");
	ck_assert_int_eq(p->ops->create(p, &r2, &err), 0);

	/* an update that fails leaves the old content */
	sp_provider_local_fault_reset();
	setenv("SCALEPLAN_FAULT_AT", "1", 1);
	before = slurp(tp("service.one[r].json"));
	ck_assert_int_eq(p->ops->update(p, &r1, &r1b, &err), SP_EIO);
	char *now = slurp(tp("service.one[r].json"));
	ck_assert_str_eq(now, before);
	free(now);
	free(before);
	ck_assert_int_eq(p->ops->update(p, &r1, &r1b, &err), 0);
	ck_assert_int_eq(p->ops->read(p, r1.address, &got, &a, &err), 0);
	ck_assert_double_eq(sp_resource_attr(&got, "nodes")->n, 9);

	/* a remove that fails leaves the file; reads are never counted */
	sp_provider_local_fault_reset();
	setenv("SCALEPLAN_FAULT_AT", "1", 1);
	ck_assert_int_eq(p->ops->read(p, r2.address, &got, &a, &err), 0);
	ck_assert_int_eq(p->ops->remove(p, &r2, &err), SP_EIO);
	ck_assert(exists(tp("service.two[r].json")));
	ck_assert_int_eq(p->ops->remove(p, &r2, &err), 0);
	ASSERT_LISTING(tmpdir, "service.one[r].json");

	/* SCALEPLAN_FAULT_KIND=error is the default, spelled out */
	sp_provider_local_fault_reset();
	setenv("SCALEPLAN_FAULT_KIND", "error", 1);
	ck_assert_int_eq(p->ops->create(p, &r2, &err), SP_EIO);
	ck_assert(!exists(tp("service.two[r].json")));
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_fault_crash)
{
	struct sp_arena a;
	int status;
	pid_t pid;
	sp_arena_init(&a);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sp_provider *p;
		struct sp_err err;
		struct sp_resource r1 = mkres(&a, "service", "one", "r", 1), r2 = mkres(&a, "service", "two", "r", 2);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 2); /* the crash's own message */
		setenv("SCALEPLAN_FAULT_AT", "2", 1);
		setenv("SCALEPLAN_FAULT_KIND", "crash", 1);
		sp_provider_local_fault_reset();
		if (sp_provider_local_open(&p, tmpdir, &err) < 0 || p->ops->create(p, &r1, &err) < 0)
			_exit(3);
		p->ops->create(p, &r2, &err);
		_exit(4); /* not reached */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 137);
	/* the first write is there, the crashed one left nothing, not even a temporary file */
	ASSERT_LISTING(tmpdir, "service.one[r].json");
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_fault_invalid)
{
	static const char *const bad[] = { "abc", "0", "-1", " 3", "+2", "3x", "", "99999999999999999999999" };
	struct sp_provider *p = open_provider(tmpdir);
	struct sp_resource r;
	struct sp_arena a;
	struct sp_err err;
	sp_arena_init(&a);
	r = mkres(&a, "service", "one", "r", 1);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SCALEPLAN_FAULT_AT", bad[i], 1);
		sp_provider_local_fault_reset();
		sp_err_clear(&err);
		int rc = p->ops->create(p, &r, &err);
		if (!*bad[i]) {
			/* empty: no injection */
			ck_assert_int_eq(rc, 0);
			ck_assert_int_eq(p->ops->remove(p, &r, &err), 0);
			continue;
		}
		ck_assert_msg(rc == SP_EINVAL, "'%s': rc %d", bad[i], rc);
		ck_assert_ptr_nonnull(strstr(err.msg, "SCALEPLAN_FAULT_AT must be a positive integer"));
		/* every write, not only the first */
		ck_assert_int_eq(p->ops->update(p, &r, &r, &err), SP_EINVAL);
		ck_assert_int_eq(p->ops->remove(p, &r, &err), SP_EINVAL);
	}
	ASSERT_LISTING(tmpdir, "");
	setenv("SCALEPLAN_FAULT_AT", "5", 1);
	setenv("SCALEPLAN_FAULT_KIND", "boom", 1);
	sp_err_clear(&err);
	ck_assert_int_eq(p->ops->create(p, &r, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "SCALEPLAN_FAULT_KIND must be 'error' or 'crash', not 'boom'"));
	ASSERT_LISTING(tmpdir, "");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_provider_latency)
{
	static const char *const bad[] = { "x", "-1", "60001", " 5", "1.5" };
	struct sp_provider *p = open_provider(tmpdir);
	struct sp_resource r;
	struct sp_arena a;
	struct sp_err err;
	struct timespec t0, t1;
	sp_arena_init(&a);
	r = mkres(&a, "service", "one", "r", 1);

	setenv("SCALEPLAN_LOCAL_LATENCY_MS", "30", 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* it waited (at least; never an upper bound on a busy machine) */
	ck_assert_int_ge((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000, 30);
	setenv("SCALEPLAN_LOCAL_LATENCY_MS", "0", 1);
	ck_assert_int_eq(p->ops->update(p, &r, &r, &err), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("SCALEPLAN_LOCAL_LATENCY_MS", bad[i], 1);
		sp_err_clear(&err);
		ck_assert_int_eq(p->ops->remove(p, &r, &err), SP_EINVAL);
		ck_assert_ptr_nonnull(strstr(err.msg, "SCALEPLAN_LOCAL_LATENCY_MS must be a number of milliseconds"));
	}
	ck_assert(exists(tp("service.one[r].json")));
	unsetenv("SCALEPLAN_LOCAL_LATENCY_MS");
	ck_assert_int_eq(p->ops->remove(p, &r, &err), 0);
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

/* ---- fsio --------------------------------------------------------------------------------------- */

START_TEST(test_fs_write_modes)
{
	struct sp_err err;
	struct stat st;
	char *text;
	const char *f = tp("f.json");

	/* REPLACE: creates, then replaces */
	ck_assert_int_eq(sp_fs_write_atomic(f, "one", 3, SP_FS_REPLACE, &err), 0);
	ck_assert_int_eq(sp_fs_write_atomic(f, "two!", 4, SP_FS_REPLACE, &err), 0);
	text = slurp(f);
	ck_assert_str_eq(text, "two!");
	free(text);
	/* CREATE on an existing file: refused, untouched */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_write_atomic(f, "three", 5, SP_FS_CREATE, &err), SP_EINVAL);
	ck_assert_str_eq(err.file, f);
	ck_assert_str_eq(err.msg, "already exists");
	text = slurp(f);
	ck_assert_str_eq(text, "two!");
	free(text);
	/* CREATE of a new one */
	ck_assert_int_eq(sp_fs_write_atomic(tp("g"), "", 0, SP_FS_CREATE, &err), 0);
	text = slurp(tp("g"));
	ck_assert_str_eq(text, "");
	free(text);
	/* UPDATE: a missing file (or folder) is not found; an existing one is replaced */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_write_atomic(tp("h"), "x", 1, SP_FS_UPDATE, &err), SP_ENOTFOUND);
	ck_assert_str_eq(err.file, tp("h"));
	ck_assert_int_eq(sp_fs_write_atomic(tp("no/h"), "x", 1, SP_FS_UPDATE, &err), SP_ENOTFOUND);
	ck_assert(!exists(tp("h")));
	ck_assert_int_eq(sp_fs_write_atomic(f, "four", 4, SP_FS_UPDATE, &err), 0);
	text = slurp(f);
	ck_assert_str_eq(text, "four");
	free(text);
	/* a replaced file keeps its permissions */
	ck_assert_int_eq(chmod(f, 0600), 0);
	ck_assert_int_eq(sp_fs_write_atomic(f, "five", 4, SP_FS_REPLACE, &err), 0);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(sp_fs_write_atomic(f, "six", 3, SP_FS_UPDATE, &err), 0);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	/* bytes are written as given, NULs included */
	ck_assert_int_eq(sp_fs_write_atomic(tp("bin"), "a\0b", 3, SP_FS_REPLACE, &err), 0);
	ck_assert_int_eq(stat(tp("bin"), &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	ASSERT_LISTING(tmpdir, "bin f.json g");
}
END_TEST

START_TEST(test_fs_write_failures_leave_nothing)
{
	struct sp_err err;

	/* the folder does not exist: no temporary file can be made */
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_write_atomic(tp("missing/f"), "x", 1, SP_FS_REPLACE, &err), SP_EIO);
	ck_assert_str_eq(err.file, tp("missing/f"));
	ck_assert_ptr_nonnull(strstr(err.msg, "temporary file"));
	/* the rename fails (a folder is in the way): the temporary file is removed */
	ck_assert_int_eq(mkdir(tp("d"), 0777), 0);
	ck_assert_int_eq(mkdir(tp("d/sub"), 0777), 0);
	spew(tp("d/sub/keep"), "k");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_write_atomic(tp("d/sub"), "x", 1, SP_FS_REPLACE, &err), SP_EIO);
	ck_assert_str_eq(err.file, tp("d/sub"));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot rename"));
	ASSERT_LISTING(tp("d"), "sub");
	ASSERT_LISTING(tp("d/sub"), "keep");
	/* CREATE over a folder: "already exists", nothing left */
	ck_assert_int_eq(sp_fs_write_atomic(tp("d/sub"), "x", 1, SP_FS_CREATE, &err), SP_EINVAL);
	ASSERT_LISTING(tp("d"), "sub");
	/* a folder that cannot be written to (skipped as root, which may write anywhere) */
	if (geteuid() != 0) {
		ck_assert_int_eq(mkdir(tp("ro"), 0555), 0);
		ck_assert_int_eq(sp_fs_write_atomic(tp("ro/f"), "x", 1, SP_FS_REPLACE, &err), SP_EIO);
		ASSERT_LISTING(tp("ro"), "");
	}
}
END_TEST

START_TEST(test_fs_mkdir_p)
{
	struct sp_err err;
	struct stat st;

	ck_assert_int_eq(sp_fs_mkdir_p(tp("a/b/c"), &err), 0);
	ck_assert_int_eq(stat(tp("a/b/c"), &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(sp_fs_mkdir_p(tp("a/b/c"), &err), 0); /* again: fine */
	ck_assert_int_eq(sp_fs_mkdir_p(tp("a//b/d///"), &err), 0);
	ck_assert_int_eq(stat(tp("a/b/d"), &st), 0);
	ck_assert_int_eq(sp_fs_mkdir_p("", &err), 0);
	ck_assert_int_eq(sp_fs_mkdir_p(".", &err), 0);
	ck_assert_int_eq(sp_fs_mkdir_p("/", &err), 0);
	/* a file in the way, at the end or in the middle */
	spew(tp("a/file"), "x");
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_mkdir_p(tp("a/file"), &err), SP_EIO);
	ck_assert_str_eq(err.file, tp("a/file"));
	ck_assert_ptr_nonnull(strstr(err.msg, "a file of that name exists"));
	sp_err_clear(&err);
	ck_assert_int_eq(sp_fs_mkdir_p(tp("a/file/x/y"), &err), SP_EIO);
	ck_assert_str_eq(err.file, tp("a/file/x"));
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot create folder"));
}
END_TEST

START_TEST(test_fs_clean_temps_dirname)
{
	char *d;
	spew(tp(".s.json.tmp-AbC123"), "x");
	spew(tp(".s.json.tmp-AbC12"), "x");   /* not six characters: not ours */
	spew(tp(".s.json.tmp-AbC1234"), "x"); /* seven */
	spew(tp(".t.json.tmp-AbC123"), "x");  /* another file's */
	spew(tp("s.json"), "x");
	sp_fs_clean_temps(tp("s.json"));
	ASSERT_LISTING(tmpdir, ".s.json.tmp-AbC12 .s.json.tmp-AbC1234 .t.json.tmp-AbC123 s.json");
	sp_fs_clean_temps(tp("nothing/s.json")); /* a missing folder: nothing to do */

	d = sp_fs_dirname("a/b/c.json");
	ck_assert_str_eq(d, "a/b");
	free(d);
	d = sp_fs_dirname("c.json");
	ck_assert_str_eq(d, ".");
	free(d);
	d = sp_fs_dirname("/c.json");
	ck_assert_str_eq(d, "/");
	free(d);
}
END_TEST

START_TEST(test_uuid)
{
	char a[37], b[37];
	struct sp_err err;

	ck_assert_int_eq(sp_uuid_v4(a, &err), 0);
	ck_assert_int_eq(sp_uuid_v4(b, &err), 0);
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert(sp_uuid_valid(a));
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[14], '4');                 /* version 4 */
	ck_assert_ptr_nonnull(strchr("89ab", a[19])); /* variant 10 */
	for (int i = 0; i < 36; i++)
		ck_assert_msg(a[i] == '-' || (a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'), "%s", a);

	ck_assert(sp_uuid_valid("0F8FAD5B-D9CB-469F-A165-70867728950E"));
	ck_assert(!sp_uuid_valid(""));
	ck_assert(!sp_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950"));
	ck_assert(!sp_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950ee"));
	ck_assert(!sp_uuid_valid("0f8fad5bd-9cb-469f-a165-70867728950e"));
	ck_assert(!sp_uuid_valid("0f8fad5b-d9cb-469f-a165-70867728950g"));
	ck_assert(!sp_uuid_valid("{f8fad5b-d9cb-469f-a165-70867728950e"));
}
END_TEST

Suite *suite_provider(void)
{
	Suite *s = suite_create("provider");
	TCase *tc = tcase_create("local");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_provider_open_args);
	tcase_add_test(tc, test_provider_crud);
	tcase_add_test(tc, test_provider_deferred_sync);
	tcase_add_test(tc, test_provider_update_missing_folder);
	tcase_add_test(tc, test_provider_drift);
	tcase_add_test(tc, test_provider_bad_files);
	tcase_add_test(tc, test_provider_fault_error);
	tcase_add_test(tc, test_provider_fault_crash);
	tcase_add_test(tc, test_provider_fault_invalid);
	tcase_add_test(tc, test_provider_latency);
	suite_add_tcase(s, tc);

	tc = tcase_create("fsio");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_fs_write_modes);
	tcase_add_test(tc, test_fs_write_failures_leave_nothing);
	tcase_add_test(tc, test_fs_mkdir_p);
	tcase_add_test(tc, test_fs_clean_temps_dirname);
	tcase_add_test(tc, test_uuid);
	suite_add_tcase(s, tc);
	return s;
}
