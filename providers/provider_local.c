/* The local provider: one JSON file per resource. What it reports is what is
 * on disk at the time of the call, so an edited or deleted file shows up as
 * drift in the next plan. */
#include "providers/provider_local.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/fsio.h"
#include "providers/resource_json.h"

#define MAX_RESOURCE_BYTES ((size_t)16 << 20)
#define SUFFIX ".json"

/* A write made while deferred: its temporary file, published by sync. */
struct pending {
	char *tmp, *path, *address;
	enum sp_fs_mode mode;
};

struct plocal {
	struct sp_provider p;
	char *dir;
	/* deferred writes (p.deferred), from any worker thread */
	pthread_mutex_t mu;
	struct pending *pend;
	size_t npend, cappend;
	int dirty;                  /* a file was removed since the last sync */
};

/* create, update and remove calls so far in this process (SCALEPLAN_FAULT_AT counts them) */
static unsigned long op_count;

void sp_provider_local_fault_reset(void)
{
	__atomic_store_n(&op_count, 0, __ATOMIC_SEQ_CST);
}

/* Counts one writing operation and fails it when it is the one SCALEPLAN_FAULT_AT names. */
static int fault_point(const char *address, struct sp_err *err)
{
	unsigned long n = __atomic_add_fetch(&op_count, 1, __ATOMIC_SEQ_CST), at;
	const char *env = getenv("SCALEPLAN_FAULT_AT"), *kind = getenv("SCALEPLAN_FAULT_KIND");
	char *end;

	if (!env || !*env)
		return 0;
	errno = 0;
	at = strtoul(env, &end, 10);
	/* digits only: strtoul alone would take " 3", "+3" and even "-3" (as a huge number) */
	if (*env < '0' || *env > '9' || *end || errno || at == 0)
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "SCALEPLAN_FAULT_AT must be a positive integer (the operation to fail), not '%s'", env);
	if (kind && *kind && strcmp(kind, "crash") && strcmp(kind, "error"))
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "SCALEPLAN_FAULT_KIND must be 'error' or 'crash', not '%s'", kind);
	if (n != at)
		return 0;
	if (kind && !strcmp(kind, "crash")) {
		fprintf(stderr, "scaleplan: injected crash at operation %lu (SCALEPLAN_FAULT_KIND=crash)\n", n);
		fflush(stderr);
		_exit(137);
	}
	return sp_err_set(err, SP_EIO, address, 0, 0, "injected fault at operation %lu (SCALEPLAN_FAULT_AT)", n);
}

#define MAX_LATENCY_MS 60000

/* SCALEPLAN_LOCAL_LATENCY_MS: each writing operation first waits that long, as a remote provider would. */
static int latency(const char *address, struct sp_err *err)
{
	const char *env = getenv("SCALEPLAN_LOCAL_LATENCY_MS");
	unsigned long ms;
	char *end;

	if (!env || !*env)
		return 0;
	errno = 0;
	ms = strtoul(env, &end, 10);
	if (*env < '0' || *env > '9' || *end || errno || ms > MAX_LATENCY_MS)
		return sp_err_set(err, SP_EINVAL, address, 0, 0,
				  "SCALEPLAN_LOCAL_LATENCY_MS must be a number of milliseconds from 0 to %d, not '%s'",
				  MAX_LATENCY_MS, env);
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* What every create, update and remove does first: the fault point, then the latency. */
static int before_write(const char *address, struct sp_err *err)
{
	int rc = fault_point(address, err);
	return rc < 0 ? rc : latency(address, err);
}

/* "<dir>/<address>.json" (malloc), or SP_EINVAL for a string that is not an
 * address (which also keeps '/' and ".." out of file names). */
static int path_of(const struct plocal *pl, const char *address, char **out, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;

	*out = NULL;
	if (!address || sp_resource_parse_address(NULL, address, NULL, NULL, NULL) < 0)
		return sp_err_set(err, SP_EINVAL, address ? address : "", 0, 0,
				  "'%s' is not a resource address (like service.web-api[us-east-1])", address ? address : "");
	sp_sb_addf(&sb, "%s/%s" SUFFIX, pl->dir, address);
	*out = sp_sb_detach(&sb, NULL);
	return 0;
}

/* Reads one resource file; name is its file name (the address it must hold plus ".json"). */
static int read_file(const char *path, const char *name, const char *address_for_errors, struct sp_resource *out,
		     struct sp_arena *a, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	size_t nl = strlen(name) - strlen(SUFFIX);
	int rc = 0, r;

	r = sp_sb_read_file(&sb, path, MAX_RESOURCE_BYTES);
	if (r == -1 && errno == ENOENT) {
		rc = sp_err_set(err, SP_ENOTFOUND, address_for_errors, 0, 0, "no such resource in the local provider ('%s')",
				path);
		goto out;
	}
	if (r == -2) {
		rc = sp_err_set(err, SP_ETOOBIG, path, 0, 0, "a resource file larger than %zu MiB", MAX_RESOURCE_BYTES >> 20);
		goto out;
	}
	if (r < 0) {
		rc = sp_err_set(err, SP_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if ((rc = sp_resource_from_json(out, a, sb.buf, sb.len, path, err)) < 0)
		goto out;
	if (strlen(out->address) != nl || strncmp(out->address, name, nl))
		rc = sp_err_set(err, SP_EINVAL, path, 0, 0,
				"the file holds resource '%s', but its name says '%.*s' (the file name must be the address "
				"plus '" SUFFIX "')",
				out->address, (int)nl, name);
out:
	sp_sb_release(&sb);
	return rc;
}

static int cmp_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int local_list(struct sp_provider *p, struct sp_resource_set *out, struct sp_arena *a, struct sp_err *err)
{
	struct plocal *pl = p->ctx;
	DIR *d = opendir(pl->dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct sp_sb path = SP_SB_INIT;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	if (!d) {
		if (errno != ENOENT)
			rc = sp_err_set(err, SP_EIO, pl->dir, 0, 0, "cannot list the local provider's folder: %s",
					strerror(errno));
		goto out;
	}
	for (;;) {
		errno = 0; /* readdir's only way to tell an error from the end */
		if (!(e = readdir(d)))
			break;
		size_t len = strlen(e->d_name);
		/* hidden files are temporary files of writes in progress (or the user's) */
		if (e->d_name[0] == '.' || len <= strlen(SUFFIX) || strcmp(e->d_name + len - strlen(SUFFIX), SUFFIX))
			continue;
		SP_GROW(names, cap, n + 1);
		names[n++] = sp_xstrdup(e->d_name);
	}
	if (errno) {
		rc = sp_err_set(err, SP_EIO, pl->dir, 0, 0, "cannot list the local provider's folder: %s", strerror(errno));
		goto out;
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_name); /* names is NULL when n is 0 */
	out->v = SP_NEWN(a, struct sp_resource, n);
	for (size_t i = 0; i < n; i++) {
		sp_sb_reset(&path);
		sp_sb_addf(&path, "%s/%s", pl->dir, names[i]);
		if ((rc = read_file(path.buf, names[i], path.buf, &out->v[i], a, err)) < 0) {
			if (rc == SP_ENOTFOUND)
				rc = 0; /* removed while listing */
			else
				goto out;
			continue;
		}
		out->v[out->n++] = out->v[i];
	}
	sp_resource_set_sort(out);
out:
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	sp_sb_release(&path);
	if (rc < 0) {
		out->v = NULL;
		out->n = 0;
	}
	return rc;
}

static int local_read(struct sp_provider *p, const char *address, struct sp_resource *out, struct sp_arena *a,
		      struct sp_err *err)
{
	char *path = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = path_of(p->ctx, address, &path, err)) < 0)
		goto out;
	rc = read_file(path, strrchr(path, '/') + 1, address, out, a, err);
out:
	free(path);
	return rc;
}

/* Writes r's file in the given mode; fsio's errors are re-addressed to the resource. */
static int write_resource(struct plocal *pl, const struct sp_resource *r, enum sp_fs_mode mode, struct sp_err *err)
{
	struct sp_err e;
	char *path = NULL, *text = NULL;
	int rc;

	sp_err_clear(&e);
	if ((rc = path_of(pl, r->address, &path, err)) < 0)
		goto out;
	if ((rc = sp_resource_to_json(r, &text, err)) < 0)
		goto out;
	if (mode == SP_FS_CREATE && (rc = sp_fs_mkdir_p(pl->dir, err)) < 0)
		goto out;
	if (pl->p.deferred) {
		/* unsynced, unpublished: sync writes the data of every file of a
		 * batch in one go, then moves them into place */
		struct sp_sb tmp = SP_SB_INIT;
		if ((rc = sp_fs_write_temp(path, text, strlen(text), mode, 0, &tmp, &e)) == 0) {
			pthread_mutex_lock(&pl->mu);
			SP_GROW(pl->pend, pl->cappend, pl->npend + 1);
			pl->pend[pl->npend++] = (struct pending){ sp_sb_detach(&tmp, NULL), path, sp_xstrdup(r->address),
								  mode };
			pthread_mutex_unlock(&pl->mu);
			path = NULL;
		}
		sp_sb_release(&tmp);
	} else {
		rc = sp_fs_write_atomic(path, text, strlen(text), mode, &e);
	}
	if (rc < 0) {
		if (rc == SP_EINVAL && mode == SP_FS_CREATE)
			rc = sp_err_set(err, rc, r->address, 0, 0, "cannot create it: it exists already ('%s')", path);
		else if (rc == SP_ENOTFOUND)
			rc = sp_err_set(err, rc, r->address, 0, 0, "cannot update it: it does not exist ('%s')", path);
		else
			rc = sp_err_set(err, rc, r->address, 0, 0, "'%s': %s", e.file, e.msg);
	}
out:
	free(path);
	free(text);
	return rc;
}

static int local_create(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err)
{
	int rc = before_write(r->address, err);
	return rc < 0 ? rc : write_resource(p->ctx, r, SP_FS_CREATE, err);
}

static int local_update(struct sp_provider *p, const struct sp_resource *before, const struct sp_resource *after,
			struct sp_err *err)
{
	int rc = before_write(after->address, err);

	if (rc < 0)
		return rc;
	if (before && (!before->address || !after->address || strcmp(before->address, after->address)))
		return sp_err_set(err, SP_EINVAL, after->address ? after->address : "", 0, 0,
				  "an update cannot change the address (from '%s'); that is a delete and a create",
				  before->address ? before->address : "");
	return write_resource(p->ctx, after, SP_FS_UPDATE, err);
}

static int local_remove(struct sp_provider *p, const struct sp_resource *r, struct sp_err *err)
{
	char *path = NULL;
	int rc;

	if ((rc = before_write(r->address, err)) < 0)
		return rc;
	if ((rc = path_of(p->ctx, r->address, &path, err)) < 0)
		goto out;
	if (unlink(path) < 0) {
		if (errno == ENOENT)
			rc = sp_err_set(err, SP_ENOTFOUND, r->address, 0, 0, "cannot delete it: it does not exist ('%s')",
					path);
		else
			rc = sp_err_set(err, SP_EIO, r->address, 0, 0, "cannot delete '%s': %s", path, strerror(errno));
		goto out;
	}
	if (((struct plocal *)p->ctx)->p.deferred) {
		struct plocal *pl = p->ctx;
		pthread_mutex_lock(&pl->mu);
		pl->dirty = 1; /* the folder is synced by sync */
		pthread_mutex_unlock(&pl->mu);
		rc = 0;
	} else {
		rc = sp_fs_sync_parent(path, err);
	}
out:
	free(path);
	return rc;
}

static void pending_free(struct pending *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].tmp);
		free(v[i].path);
		free(v[i].address);
	}
	free(v);
}

/* The deferred writes since the last sync: one syncfs(2) makes the data of
 * every temporary file durable, then each is moved into place, then one
 * fsync of the folder makes the moves (and the removals) durable. A crash
 * at any point leaves each file old or new, never half written; a write
 * that could not be published is reported, and the others still are. */
static int local_sync(struct sp_provider *p, struct sp_err *err)
{
	struct plocal *pl = p->ctx;
	struct pending *v;
	size_t n;
	int dirty, rc = 0;
	struct sp_sb probe = SP_SB_INIT;

	pthread_mutex_lock(&pl->mu);
	v = pl->pend;
	n = pl->npend;
	dirty = pl->dirty;
	pl->pend = NULL;
	pl->npend = pl->cappend = 0;
	pl->dirty = 0;
	pthread_mutex_unlock(&pl->mu);
	if (!n && !dirty)
		return 0;
	if (n) {
		struct sp_err e;
		sp_err_clear(&e);
		if (sp_fs_syncfs(pl->dir, &e) < 0) {
			for (size_t i = 0; i < n; i++)
				unlink(v[i].tmp);
			rc = sp_err_set(err, SP_EIO, v[0].address, 0, 0, "'%s': %s", e.file, e.msg);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct sp_err e;
		sp_err_clear(&e);
		if (sp_fs_publish(v[i].tmp, v[i].path, v[i].mode, &e) == 0 || rc < 0)
			continue;
		if (e.code == SP_EINVAL && v[i].mode == SP_FS_CREATE)
			rc = sp_err_set(err, SP_EINVAL, v[i].address, 0, 0, "cannot create it: it exists already ('%s')",
					v[i].path);
		else
			rc = sp_err_set(err, e.code, v[i].address, 0, 0, "'%s': %s", e.file, e.msg);
	}
	sp_sb_addf(&probe, "%s/x", pl->dir);
	if (rc == 0)
		rc = sp_fs_sync_parent(probe.buf, err);
	else
		sp_fs_sync_parent(probe.buf, NULL);
out:
	sp_sb_release(&probe);
	pending_free(v, n);
	return rc;
}

/* Temporary files of writes a kill interrupted; only ever under the state
 * lock (apply's), so no write of this process or another is in flight. */
static void local_sweep(struct sp_provider *p)
{
	sp_fs_clean_dir_temps(((struct plocal *)p->ctx)->dir);
}

static void local_close(struct sp_provider *p)
{
	struct plocal *pl;

	if (!p)
		return;
	pl = p->ctx;
	/* deferred writes never synced are not published */
	for (size_t i = 0; i < pl->npend; i++)
		unlink(pl->pend[i].tmp);
	pending_free(pl->pend, pl->npend);
	pthread_mutex_destroy(&pl->mu);
	free(pl->dir);
	free(pl);
}

static const struct sp_provider_ops local_ops = {
	.kind = "local",
	.list = local_list,
	.read = local_read,
	.create = local_create,
	.update = local_update,
	.remove = local_remove,
	.close = local_close,
	.sweep = local_sweep,
	.sync = local_sync,
};

int sp_provider_local_open(struct sp_provider **out, const char *dir, struct sp_err *err)
{
	struct plocal *pl;
	size_t n;

	*out = NULL;
	if (!dir || !*dir)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the local provider needs a folder");
	pl = sp_xcalloc(1, sizeof(*pl));
	pl->dir = sp_xstrdup(dir);
	pthread_mutex_init(&pl->mu, NULL);
	n = strlen(pl->dir);
	while (n > 1 && pl->dir[n - 1] == '/')
		pl->dir[--n] = '\0';
	pl->p.ops = &local_ops;
	pl->p.ctx = pl;
	pl->p.where = pl->dir;
	*out = &pl->p;
	return 0;
}
