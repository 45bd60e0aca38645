#include "providers/fsio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"

#define TMP_TAG ".tmp-"
#define TMP_SUFFIX_LEN 6

char *sp_fs_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return sp_xstrdup(".");
	if (slash == path)
		return sp_xstrdup("/");
	return sp_xstrndup(path, (size_t)(slash - path));
}

char *sp_fs_path_plus(const char *path, const char *suffix)
{
	size_t n = strlen(path), m = strlen(suffix);
	char *out = sp_xmalloc(n + m + 1);

	memcpy(out, path, n);
	memcpy(out + n, suffix, m + 1);
	return out;
}

static const char *base_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int sp_fs_mkdir_p(const char *dir, struct sp_err *err)
{
	char *p = sp_xstrdup(dir);
	size_t len = strlen(p);
	int rc = 0;

	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (!len || !strcmp(p, "."))
		goto out;
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = sp_err_set(err, SP_EIO, p, 0, 0, "cannot create folder: %s", strerror(errno));
			goto out;
		}
		*s = c;
		if (!c)
			break;
	}
	struct stat st;
	if (stat(p, &st) < 0)
		rc = sp_err_set(err, SP_EIO, p, 0, 0, "cannot create folder: %s", strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		rc = sp_err_set(err, SP_EIO, p, 0, 0, "cannot create folder: a file of that name exists");
out:
	free(p);
	return rc;
}

int sp_fs_sync_parent(const char *path, struct sp_err *err)
{
	char *dir = sp_fs_dirname(path);
	int rc = 0, fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		rc = sp_err_set(err, SP_EIO, dir, 0, 0, "cannot open folder: %s", strerror(errno));
		goto out;
	}
	/* some file systems cannot sync a folder; the rename is still atomic there */
	if (fsync(fd) < 0 && errno != EINVAL && errno != EROFS)
		rc = sp_err_set(err, SP_EIO, dir, 0, 0, "cannot sync folder: %s", strerror(errno));
	close(fd);
out:
	free(dir);
	return rc;
}

/* A temporary file next to path, created exclusively; the name goes in tmp. */
static int open_temp(struct sp_sb *tmp, const char *path)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	static unsigned long counter;
	const char *base = base_of(path);
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (int attempt = 0; attempt < 100; attempt++) {
		/* splitmix64 over time, pid and a counter: unique enough, O_EXCL does the rest */
		uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)getpid() << 16) ^
			     (uint64_t)__atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED) * 0x9e3779b97f4a7c15ull;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
		x ^= x >> 31;
		sp_sb_reset(tmp);
		sp_sb_add(tmp, path, (size_t)(base - path));
		sp_sb_addf(tmp, ".%s" TMP_TAG, base);
		for (int i = 0; i < TMP_SUFFIX_LEN; i++, x /= 62)
			sp_sb_addc(tmp, chars[x % 62]);
		int fd = open(tmp->buf, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	errno = EEXIST;
	return -1;
}

int sp_fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int sp_fs_write_temp(const char *path, const void *data, size_t len, enum sp_fs_mode mode, int sync,
		     struct sp_sb *tmp, struct sp_err *err)
{
	struct stat st;
	int rc = 0, fd, exists;

	exists = stat(path, &st) == 0;
	if (!exists && errno != ENOENT)
		return sp_err_set(err, SP_EIO, path, 0, 0, "cannot access: %s", strerror(errno));
	/* before any temporary file: a missing folder is "does not exist" too */
	if (mode == SP_FS_UPDATE && !exists)
		return sp_err_set(err, SP_ENOTFOUND, path, 0, 0, "does not exist");
	if (mode == SP_FS_CREATE && exists)
		return sp_err_set(err, SP_EINVAL, path, 0, 0, "already exists");
	fd = open_temp(tmp, path);
	if (fd < 0)
		return sp_err_set(err, SP_EIO, path, 0, 0, "cannot create a temporary file next to it: %s",
				  strerror(errno));
	/* a replaced file keeps its permissions (a state someone made private stays private) */
	if (exists && mode != SP_FS_CREATE && fchmod(fd, st.st_mode & 07777) < 0) {
		rc = sp_err_set(err, SP_EIO, path, 0, 0, "cannot set the permissions of '%s': %s", tmp->buf, strerror(errno));
		close(fd);
		goto out;
	}
	if (sp_fs_write_all(fd, data, len) < 0 || (sync && fsync(fd) < 0)) {
		rc = sp_err_set(err, SP_EIO, path, 0, 0, "cannot write '%s': %s", tmp->buf, strerror(errno));
		close(fd);
		goto out;
	}
	if (close(fd) < 0)
		rc = sp_err_set(err, SP_EIO, path, 0, 0, "cannot write '%s': %s", tmp->buf, strerror(errno));
out:
	if (rc < 0)
		unlink(tmp->buf);
	return rc;
}

int sp_fs_publish(const char *tmp, const char *path, enum sp_fs_mode mode, struct sp_err *err)
{
	if (mode == SP_FS_CREATE) {
		/* "create unless it exists" in one atomic step: a rename that never
		 * replaces, so no moment has the temporary name linked to the live
		 * file; link(2) then unlink where the file system lacks it */
		int r = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
		if (r < 0 && (errno == EINVAL || errno == ENOSYS)) {
			r = link(tmp, path);
			if (r == 0)
				unlink(tmp);
		}
		if (r == 0)
			return 0;
		int rc = errno == EEXIST ? sp_err_set(err, SP_EINVAL, path, 0, 0, "already exists")
					 : sp_err_set(err, SP_EIO, path, 0, 0, "cannot create: %s", strerror(errno));
		unlink(tmp);
		return rc;
	}
	if (rename(tmp, path) < 0) {
		int rc = sp_err_set(err, SP_EIO, path, 0, 0, "cannot rename '%s' over it: %s", tmp, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return 0;
}

int sp_fs_write_atomic(const char *path, const void *data, size_t len, enum sp_fs_mode mode, struct sp_err *err)
{
	struct sp_sb tmp = SP_SB_INIT;
	int rc;

	if ((rc = sp_fs_write_temp(path, data, len, mode, 1, &tmp, err)) == 0 &&
	    (rc = sp_fs_publish(tmp.buf, path, mode, err)) == 0)
		rc = sp_fs_sync_parent(path, err);
	sp_sb_release(&tmp);
	return rc;
}

int sp_fs_syncfs(const char *dir, struct sp_err *err)
{
	int rc = 0, fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sp_err_set(err, SP_EIO, dir, 0, 0, "cannot open folder: %s", strerror(errno));
	if (syncfs(fd) < 0)
		rc = sp_err_set(err, SP_EIO, dir, 0, 0, "cannot sync the file system: %s", strerror(errno));
	close(fd);
	return rc;
}

size_t sp_fs_clean_dir_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct sp_sb full = SP_SB_INIT;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		/* ".<name>.tmp-XXXXXX", as open_temp makes them */
		size_t len = strlen(e->d_name);
		const char *tag;
		if (e->d_name[0] != '.' || len < sizeof(TMP_TAG) + TMP_SUFFIX_LEN + 1)
			continue;
		tag = e->d_name + len - TMP_SUFFIX_LEN - (sizeof(TMP_TAG) - 1);
		if (memcmp(tag, TMP_TAG, sizeof(TMP_TAG) - 1))
			continue;
		sp_sb_reset(&full);
		sp_sb_addf(&full, "%s/%s", dir, e->d_name);
		if (unlink(full.buf) == 0)
			n++;
	}
	closedir(d);
	sp_sb_release(&full);
	return n;
}

void sp_fs_clean_temps(const char *path)
{
	char *dir = sp_fs_dirname(path);
	const char *base = base_of(path);
	struct sp_sb prefix = SP_SB_INIT, full = SP_SB_INIT;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		goto out;
	sp_sb_addf(&prefix, ".%s" TMP_TAG, base);
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix.buf, prefix.len) || strlen(e->d_name) != prefix.len + TMP_SUFFIX_LEN)
			continue;
		sp_sb_reset(&full);
		sp_sb_addf(&full, "%s/%s", dir, e->d_name);
		unlink(full.buf);
	}
	closedir(d);
out:
	sp_sb_release(&prefix);
	sp_sb_release(&full);
	free(dir);
}
