/* File-system helpers shared by the local provider and the local state
 * backend: mkdir -p, and atomic writes (a temporary file in the same folder,
 * fsync, rename, fsync of the folder), so a reader sees the old bytes or the
 * new ones, never a mix, even after a crash or a kill. */
#ifndef SP_FSIO_H
#define SP_FSIO_H
#include <stddef.h>

#include "lib/err.h"

enum sp_fs_mode {
	SP_FS_REPLACE,   /* write path, whether it exists or not */
	SP_FS_CREATE,    /* path must not exist: SP_EINVAL "already exists" (checked atomically, with
			    renameat2(RENAME_NOREPLACE), or link(2) where the file system lacks it) */
	SP_FS_UPDATE,    /* path must exist: SP_ENOTFOUND otherwise (checked before writing, not atomically
			    with the rename: writers of one path serialise on a lock) */
};

/* Creates dir and its missing parents (mode 0777, less the umask). An empty
 * dir or "." is a no-op. Returns 0 or SP_EIO naming the folder. */
int sp_fs_mkdir_p(const char *dir, struct sp_err *err);

/* Writes len bytes to path atomically through a temporary file named
 * ".<base>.tmp-XXXXXX" next to it (mode 0666 less the umask, or the mode of
 * the file it replaces); the temporary file is removed on every failure.
 * Errors name path in err->file; SP_EIO for the file system's failures. */
int sp_fs_write_atomic(const char *path, const void *data, size_t len, enum sp_fs_mode mode, struct sp_err *err);

/* The two halves of sp_fs_write_atomic, for writers that sync many files at
 * once. sp_fs_write_temp checks mode against path as sp_fs_write_atomic does,
 * then writes data to a new temporary file next to path, named in tmp (with
 * the permissions of the file it replaces); with sync, the file is fsynced.
 * Nothing is left behind on failure. sp_fs_publish moves tmp to path
 * (SP_FS_CREATE: only if path does not exist, SP_EINVAL "already exists"),
 * and removes tmp when that fails; the folder is not synced. */
struct sp_sb;
int sp_fs_write_temp(const char *path, const void *data, size_t len, enum sp_fs_mode mode, int sync,
		     struct sp_sb *tmp, struct sp_err *err);
int sp_fs_publish(const char *tmp, const char *path, enum sp_fs_mode mode, struct sp_err *err);

/* syncfs(2) of the file system holding dir: every file written there so far
 * (data and metadata) is on disk. 0 or SP_EIO naming dir. */
int sp_fs_syncfs(const char *dir, struct sp_err *err);

/* Writes all len bytes to fd at its offset, retrying short writes and
 * EINTR: 0, or -1 with errno set. */
int sp_fs_write_all(int fd, const void *data, size_t len);

/* path followed by suffix, in a malloc'd string ("state.json" ".lock"). */
char *sp_fs_path_plus(const char *path, const char *suffix);

/* fsync(2) of the folder holding path, so a rename or unlink in it is durable. */
int sp_fs_sync_parent(const char *path, struct sp_err *err);

/* Removes the temporary files a killed sp_fs_write_atomic of path left
 * behind. Only call it while holding the lock that serialises the writers. */
void sp_fs_clean_temps(const char *path);

/* Removes every temporary file of sp_fs_write_atomic in dir (".*.tmp-XXXXXX"),
 * whatever file it was for; returns how many. Only while holding the lock
 * that serialises the writers of that folder. */
size_t sp_fs_clean_dir_temps(const char *dir);

/* The folder part of path ("." when it has none), in a malloc'd string. */
char *sp_fs_dirname(const char *path);

#endif
