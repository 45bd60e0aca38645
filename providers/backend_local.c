/* The local state backend. The lock is flock(2) on "<state>.lock": the kernel
 * drops it when its holder exits, however it exits, so a killed apply never
 * leaves the state locked. The lock file is never deleted (a deleted and
 * recreated file would let two holders lock two different inodes); it is
 * truncated when the lock is released, and while held it records who holds
 * it, for the message a blocked command prints.
 *
 * Apply records each completed operation in "<state>.journal", one JSON line
 * appended and synced (linear in the number of operations, where rewriting
 * the state each time would be quadratic); read replays the journal over the
 * state file and write folds it in: the new state file first, then the
 * journal is removed, and entries at or below the state file's serial are
 * skipped, so a crash between the two loses nothing. */
#include "providers/backend_local.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "providers/fsio.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"
#include "providers/uuid.h"

#ifndef SP_VERSION
#define SP_VERSION "0.0.0"
#endif

#define MAX_STATE_BYTES ((size_t)256 << 20)
#define MAX_LOCK_INFO 4096
#define BACKOFF_START_MS 50
#define BACKOFF_MAX_MS 1000

struct local {
	struct sp_backend b;
	char *path, *backup, *lockpath, *journal;
	int lock_fd;         /* the held lock's descriptor, -1 when not held */
	char lock_id[40];
	int journal_fd;      /* open for appending while the lock is held, -1 otherwise */
	/* while the lock is held: the stored state's serial and lineage ("" when no
	 * state is stored), once read, written or recorded; record checks against it */
	int known;
	uint64_t known_serial;
	char known_lineage[40];
};

static struct local *L(struct sp_backend *b)
{
	return b->ctx;
}

/* ---- holder information ------------------------------------------------------------------------- */

static void copy_field(char *dst, size_t size, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	snprintf(dst, size, "%s", s ? s : "");
}

/* Reads the holder's record from the lock file; -1 when there is none (the
 * file is empty, being written, or not ours). */
static int read_holder(int fd, struct sp_lock_info *info)
{
	char buf[MAX_LOCK_INFO];
	ssize_t n;
	json_t *o;

	memset(info, 0, sizeof(*info));
	do
		n = pread(fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	o = json_loadb(buf, (size_t)n, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return -1;
	}
	copy_field(info->id, sizeof(info->id), o, "id");
	copy_field(info->who, sizeof(info->who), o, "who");
	copy_field(info->operation, sizeof(info->operation), o, "operation");
	copy_field(info->created, sizeof(info->created), o, "created");
	copy_field(info->host, sizeof(info->host), o, "host");
	info->pid = json_is_integer(json_object_get(o, "pid")) ? (long)json_integer_value(json_object_get(o, "pid")) : 0;
	json_decref(o);
	return info->id[0] ? 0 : -1;
}

/* "root@host (pid 1234) for 'apply' since 2026-11-23T10:00:00Z; lock ID 5f1c..." */
static void describe(struct sp_sb *sb, const struct sp_lock_info *h, const char *lockpath)
{
	if (!h->id[0]) {
		sp_sb_addf(sb, "another process (no holder recorded in '%s' yet)", lockpath);
		return;
	}
	sp_sb_addf(sb, "%s (pid %ld) for '%s' since %s; lock ID %s", h->who[0] ? h->who : "an unknown user", h->pid,
		   h->operation, h->created, h->id);
}

static void fill_mine(struct sp_lock_info *m, const char *id, const char *operation)
{
	char user[64] = "";
	struct passwd pw, *res = NULL;
	char pwbuf[1024];
	struct tm tm;
	time_t now = time(NULL);

	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	snprintf(m->operation, sizeof(m->operation), "%s", operation ? operation : "");
	if (gethostname(m->host, sizeof(m->host) - 1) < 0 || !m->host[0])
		snprintf(m->host, sizeof(m->host), "unknown");
	if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res && res->pw_name)
		snprintf(user, sizeof(user), "%s", res->pw_name);
	else if (getenv("USER"))
		snprintf(user, sizeof(user), "%s", getenv("USER"));
	else
		snprintf(user, sizeof(user), "uid %u", (unsigned)geteuid());
	snprintf(m->who, sizeof(m->who), "%.63s@%.63s", user, m->host);
	gmtime_r(&now, &tm);
	strftime(m->created, sizeof(m->created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	m->pid = (long)getpid();
}

static int write_holder(int fd, const struct sp_lock_info *m, const char *path)
{
	json_t *o = json_object();
	char *text = NULL;
	int rc = -1;

	json_object_set_new(o, "id", json_string(m->id));
	json_object_set_new(o, "operation", json_stringn(m->operation, strnlen(m->operation, sizeof(m->operation))));
	json_object_set_new(o, "who", json_string(m->who));
	json_object_set_new(o, "pid", json_integer(m->pid));
	json_object_set_new(o, "host", json_string(m->host));
	json_object_set_new(o, "created", json_string(m->created));
	json_object_set_new(o, "version", json_string(SP_VERSION));
	json_object_set_new(o, "path", json_string(path));
	if (sp_json_dump(o, 0, &text, NULL) < 0 || ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    sp_fs_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0)
		goto out;
	rc = 0;
out:
	free(text);
	json_decref(o);
	return rc;
}

/* ---- locking ------------------------------------------------------------------------------------ */

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int open_lockfile(struct local *l, int create, int *fd, struct sp_err *err)
{
	char *dir = NULL;
	int rc = 0;

	if (create) {
		dir = sp_fs_dirname(l->path);
		if ((rc = sp_fs_mkdir_p(dir, err)) < 0)
			goto out;
	}
	*fd = open(l->lockpath, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0666);
	if (*fd < 0) {
		if (errno == ENOENT && !create)
			rc = sp_err_set(err, SP_ENOTFOUND, l->path, 0, 0, "the state is not locked (there is no '%s')",
					l->lockpath);
		else
			rc = sp_err_set(err, SP_EIO, l->lockpath, 0, 0, "cannot open the lock file: %s", strerror(errno));
	}
out:
	free(dir);
	return rc;
}

/* flock(LOCK_EX|LOCK_NB): 0 taken, 1 held elsewhere, SP_EIO. */
static int try_flock(int fd, const char *lockpath, struct sp_err *err)
{
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			return 1;
		return sp_err_set(err, SP_EIO, lockpath, 0, 0, "cannot lock: %s", strerror(errno));
	}
	return 0;
}

static int locked_error(struct local *l, const struct sp_lock_info *h, long waited, struct sp_err *err)
{
	struct sp_sb sb = SP_SB_INIT;
	int rc;

	sp_sb_adds(&sb, "state is locked by ");
	describe(&sb, h, l->lockpath);
	if (waited > 0)
		sp_sb_addf(&sb, "; gave up after waiting %ld.%01ld s", waited / 1000, waited % 1000 / 100);
	rc = sp_err_set(err, SP_ELOCKED, l->path, 0, 0, "%s", sb.buf);
	sp_sb_release(&sb);
	return rc;
}

static int local_lock(struct sp_backend *b, const char *operation, int timeout_ms, struct sp_lock_info *mine,
		      struct sp_lock_info *holder, struct sp_err *err)
{
	struct local *l = L(b);
	struct sp_lock_info info, other;
	char id[37];
	long start = now_ms(), delay = BACKOFF_START_MS;
	unsigned attempt = 0;
	int rc, fd = -1;

	memset(&other, 0, sizeof(other));
	if (l->lock_fd >= 0) {
		rc = sp_err_set(err, SP_EINVAL, l->path, 0, 0, "this process already holds the state lock (lock ID %s)",
				l->lock_id);
		goto out;
	}
	if (timeout_ms < 0)
		timeout_ms = 0;
	if ((rc = open_lockfile(l, 1, &fd, err)) < 0)
		goto out;
	for (;;) {
		if ((rc = try_flock(fd, l->lockpath, err)) < 0)
			goto out;
		if (rc == 0)
			break;
		read_holder(fd, &other);
		long waited = now_ms() - start;
		if (waited >= timeout_ms) {
			rc = locked_error(l, &other, timeout_ms ? waited : 0, err);
			goto out;
		}
		/* deterministic jitter in [0.75, 1.25) x delay, varied by pid so waiters spread out */
		unsigned h = ((unsigned)getpid() * 2654435761u) ^ (attempt++ * 40503u);
		long pause = delay * (75 + (long)(h % 50)) / 100;
		if (pause > timeout_ms - waited)
			pause = timeout_ms - waited;
		sleep_ms(pause);
		delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
	}
	if ((rc = sp_uuid_v4(id, err)) < 0)
		goto out;
	fill_mine(&info, id, operation);
	if (write_holder(fd, &info, l->path) < 0) {
		rc = sp_err_set(err, SP_EIO, l->lockpath, 0, 0, "cannot record the lock holder: %s", strerror(errno));
		flock(fd, LOCK_UN);
		goto out;
	}
	/* no writer is active now: remove what killed writers left */
	sp_fs_clean_temps(l->path);
	sp_fs_clean_temps(l->backup);
	l->lock_fd = fd;
	fd = -1;
	snprintf(l->lock_id, sizeof(l->lock_id), "%s", id);
	l->known = 0;
	if (mine)
		*mine = info;
	memset(&other, 0, sizeof(other)); /* taken: nobody else holds it */
	rc = 0;
out:
	if (holder)
		*holder = other;
	if (fd >= 0)
		close(fd);
	return rc;
}

static void release(struct local *l)
{
	if (l->journal_fd >= 0) {
		close(l->journal_fd);
		l->journal_fd = -1;
	}
	l->known = 0;
	/* clear the record first: once unlocked, another holder may write its own */
	if (ftruncate(l->lock_fd, 0) == 0)
		fsync(l->lock_fd);
	flock(l->lock_fd, LOCK_UN);
	close(l->lock_fd);
	l->lock_fd = -1;
	l->lock_id[0] = '\0';
}

static int local_unlock(struct sp_backend *b, const char *id, struct sp_err *err)
{
	struct local *l = L(b);
	struct sp_lock_info h;
	struct sp_sb sb = SP_SB_INIT;
	int rc, fd = -1, held = 0;

	if (!id)
		id = "";
	if (l->lock_fd >= 0) {
		if (strcmp(id, l->lock_id)) {
			rc = sp_err_set(err, SP_EINVAL, l->path, 0, 0,
					"lock ID '%s' is not the lock this process holds (lock ID %s)", id, l->lock_id);
			goto out;
		}
		release(l);
		rc = 0;
		goto out;
	}
	/* forcing: only a record whose process is gone can be cleared */
	if ((rc = open_lockfile(l, 0, &fd, err)) < 0)
		goto out;
	if ((rc = try_flock(fd, l->lockpath, err)) < 0)
		goto out;
	if (rc == 1) {
		read_holder(fd, &h);
		sp_sb_adds(&sb, "state is locked by ");
		describe(&sb, &h, l->lockpath);
		sp_sb_adds(&sb, "; that process is running and holds the lock, and a flock(2) lock ends only with its "
				"process, so there is nothing to force: wait for it to finish, or stop it");
		if (h.pid > 0)
			sp_sb_addf(&sb, " (pid %ld on %s)", h.pid, h.host[0] ? h.host : "its host");
		rc = sp_err_set(err, SP_ELOCKED, l->path, 0, 0, "%s", sb.buf);
		goto out;
	}
	held = 1;
	if (read_holder(fd, &h) < 0) {
		rc = sp_err_set(err, SP_ENOTFOUND, l->path, 0, 0, "the state is not locked");
		goto out;
	}
	if (strcmp(id, h.id)) {
		rc = sp_err_set(err, SP_EINVAL, l->path, 0, 0,
				"lock ID '%s' is not the recorded one (%s); nothing was changed", id, h.id);
		goto out;
	}
	/* the recorded holder is gone (its lock died with it): clear the stale record */
	if (ftruncate(fd, 0) < 0 || fsync(fd) < 0) {
		rc = sp_err_set(err, SP_EIO, l->lockpath, 0, 0, "cannot clear the lock file: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (held)
		flock(fd, LOCK_UN);
	if (fd >= 0)
		close(fd);
	sp_sb_release(&sb);
	return rc;
}

/* ---- read and write ----------------------------------------------------------------------------- */

/* A file's bytes in sb; *missing when there is no file. */
static int read_raw(const char *path, struct sp_sb *sb, int *missing, struct sp_err *err)
{
	int r = sp_sb_read_file(sb, path, MAX_STATE_BYTES);

	*missing = 0;
	if (r == -1 && errno == ENOENT) {
		*missing = 1;
		return 0;
	}
	if (r == -2)
		return sp_err_set(err, SP_ETOOBIG, path, 0, 0, "larger than %zu MiB", MAX_STATE_BYTES >> 20);
	if (r < 0)
		return sp_err_set(err, SP_EIO, path, 0, 0, "cannot read: %s", strerror(errno));
	return 0;
}

/* How a damaged state file is recovered. */
static void hint_backup(struct sp_err *err)
{
	size_t n;

	if (!err || err->code != SP_ECORRUPT)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n,
		 "; restore the state as it was before its last write with 'scaleplan state pull --backup > s.json', "
		 "then 'scaleplan state push --force s.json'");
}

/* Decodes a state file's bytes and checks that a format that has a checksum
 * carries one. */
static int decode_file(const char *path, struct sp_sb *raw, struct sp_state **out, struct sp_err *err)
{
	int rc = sp_state_from_json(out, raw->buf, raw->len, path, err);

	if (rc == 0 && (*out)->read_version >= 2 && !(*out)->checksummed) {
		sp_state_free(*out);
		*out = NULL;
		rc = sp_err_set(err, SP_ECORRUPT, path, 0, 0, "damaged: the file has no checksum, which every state "
								  "of format 2 carries");
	}
	hint_backup(err);
	return rc;
}

/* The stored state: the state file with the journal replayed over it. *out is
 * NULL when nothing is stored (no state file, no journal entry); raw gets the
 * state file's bytes and *journal whether a journal file exists. A state that
 * names a journal is never read without it. */
static int load_stored(struct local *l, struct sp_state **out, struct sp_sb *raw, int *journal, struct sp_err *err)
{
	struct sp_sb jraw = SP_SB_INIT;
	struct sp_state *s = NULL;
	int rc, missing, jmissing;

	*out = NULL;
	*journal = 0;
	if ((rc = read_raw(l->path, raw, &missing, err)) < 0)
		goto out;
	if (!missing && (rc = decode_file(l->path, raw, &s, err)) < 0)
		goto out;
	if ((rc = read_raw(l->journal, &jraw, &jmissing, err)) < 0)
		goto out;
	*journal = !jmissing;
	if (jmissing && s && s->journal[0]) {
		rc = sp_err_set(err, SP_ECORRUPT, l->journal, 0, 0,
				"missing: the state names journal %s, which an apply was recording to, but the file is "
				"gone, and with it the operations recorded since serial %llu; " SP_STATE_RECOVER_HINT,
				s->journal, (unsigned long long)s->serial);
		goto out;
	}
	if (!jmissing) {
		int fresh = !s;
		int flags = fresh ? SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY : s->read_version == 1 ? SP_JOURNAL_LEGACY : 0;
		if (fresh)
			s = sp_state_new();
		if ((rc = sp_state_journal_replay(s, jraw.buf, jraw.len, l->journal, fresh ? NULL : s->journal, flags,
						  err)) < 0)
			goto out;
		if (fresh && rc == 0) {
			sp_state_free(s);
			s = NULL;
		}
		rc = 0;
	}
	*out = s;
	s = NULL;
out:
	sp_state_free(s);
	sp_sb_release(&jraw);
	return rc;
}

static void set_known(struct local *l, const struct sp_state *s)
{
	if (l->lock_fd < 0)
		return;
	l->known = 1;
	l->known_serial = s ? s->serial : 0;
	snprintf(l->known_lineage, sizeof(l->known_lineage), "%s", s ? s->lineage : "");
}

/* While the lock is held: reads the stored state's serial and lineage once
 * (set_known), unless they are known already. 0 or a read error. */
static int ensure_known(struct local *l, struct sp_err *err)
{
	struct sp_state *stored = NULL;
	struct sp_sb raw = SP_SB_INIT;
	int rc = 0, journal;

	if (!l->known && (rc = load_stored(l, &stored, &raw, &journal, err)) == 0)
		set_known(l, stored);
	sp_state_free(stored);
	sp_sb_release(&raw);
	return rc;
}

/* Whether s is not the stored state that ensure_known read: another serial or lineage. */
static int is_stale(const struct local *l, const struct sp_state *s)
{
	return (l->known_lineage[0] && strcmp(s->lineage, l->known_lineage)) || s->serial != l->known_serial;
}

static int local_read(struct sp_backend *b, struct sp_state **out, struct sp_err *err)
{
	struct local *l = L(b);
	struct sp_sb raw = SP_SB_INIT;
	int rc, journal;

	*out = NULL;
	if ((rc = load_stored(l, out, &raw, &journal, err)) < 0)
		goto out;
	set_known(l, *out);
	if (!*out)
		*out = sp_state_new();
out:
	sp_sb_release(&raw);
	return rc;
}

/* Adds to a decoding error why nothing was written, and the way out. */
static void refuse_unreadable(struct sp_err *err, const char *backup)
{
	size_t n;

	if (!err)
		return;
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n,
		 "; refusing to replace a state that cannot be read (fix it, or restore '%s')", backup);
}

/* write, write_force and begin. WRITE_FORCE skips every check against the
 * stored state (which need not even be readable) and always replaces the
 * file; WRITE_BEGIN writes the stored state as it is, naming the journal
 * 'journal', and leaves the journal in place. The others fold the journal in. */
enum { WRITE_NORMAL, WRITE_FORCE, WRITE_BEGIN };

/* Not locked by the caller: holds the lock for this write at least (*guard,
 * which the caller closes to release it). 0, SP_ELOCKED or SP_EIO. */
static int take_guard(struct local *l, int *guard, struct sp_err *err)
{
	struct sp_lock_info h;
	int rc;

	if ((rc = open_lockfile(l, 1, guard, err)) < 0 || (rc = try_flock(*guard, l->lockpath, err)) < 0)
		return rc;
	if (rc == 1) {
		read_holder(*guard, &h);
		return locked_error(l, &h, 0, err);
	}
	return 0;
}

/* Checks a write of s (encoded as text) against the stored state disk:
 * another lineage is SP_EINVAL, an older serial (or, for begin, another
 * one) SP_ESTALE, and so is the stored serial with other content; *same is
 * 1 when disk already is text. */
static int check_stored(const struct local *l, const struct sp_state *s, struct sp_state *disk, int mode,
			const char *text, int *same, struct sp_err *err)
{
	char *old = NULL;
	int rc;

	*same = 0;
	if (strcmp(disk->lineage, s->lineage))
		return sp_err_set(err, SP_EINVAL, l->path, 0, 0,
				  "the state being written has lineage %s, but the stored state has lineage %s: they are "
				  "different histories, and the stored one is kept",
				  s->lineage, disk->lineage);
	if (s->serial < disk->serial)
		return sp_err_set(err, SP_ESTALE, l->path, 0, 0,
				  "the state being written has serial %llu, older than the stored serial %llu: the state "
				  "changed since it was read",
				  (unsigned long long)s->serial, (unsigned long long)disk->serial);
	if (mode == WRITE_BEGIN && s->serial != disk->serial)
		return sp_err_set(err, SP_ESTALE, l->path, 0, 0, "the state changed since it was read (serial %llu, stored %llu)",
				  (unsigned long long)s->serial, (unsigned long long)disk->serial);
	if (mode == WRITE_BEGIN || s->serial != disk->serial)
		return 0;
	disk->scaleplan_version = SP_VERSION;
	disk->journal[0] = '\0';
	if ((rc = sp_state_to_json(disk, &old, err)) < 0)
		return rc;
	if (strcmp(old, text))
		rc = sp_err_set(err, SP_ESTALE, l->path, 0, 0,
				"the stored state already has serial %llu, with different content: a state that changes "
				"needs a higher serial",
				(unsigned long long)s->serial);
	else
		*same = 1;
	free(old);
	return rc;
}

/* What begin writes: nothing changes but the journal's name, so the stored
 * state as it is (or an empty one of s's lineage), never the caller's copy.
 * *text is replaced. */
static int encode_begin(const struct sp_state *s, const struct sp_state *disk, const char *journal_name, char **text,
			struct sp_err *err)
{
	struct sp_state base;

	if (disk) {
		base = *disk;
	} else {
		memset(&base, 0, sizeof(base));
		base.lineage = s->lineage;
		base.serial = s->serial;
	}
	base.version = SP_STATE_VERSION;
	base.scaleplan_version = SP_VERSION;
	snprintf(base.journal, sizeof(base.journal), "%s", journal_name);
	free(*text);
	*text = NULL;
	return sp_state_to_json(&base, text, err);
}

/* The state file now holds every entry of the journal: the journal goes. */
static int drop_journal(struct local *l, struct sp_err *err)
{
	if (l->journal_fd >= 0) {
		close(l->journal_fd);
		l->journal_fd = -1;
	}
	if (unlink(l->journal) < 0 && errno != ENOENT)
		return sp_err_set(err, SP_EIO, l->journal, 0, 0, "cannot remove the folded journal: %s", strerror(errno));
	return sp_fs_sync_parent(l->journal, err);
}

static int write_state(struct local *l, const struct sp_state *s, int mode, const char *journal_name,
		       struct sp_err *err)
{
	struct sp_state stamped = *s, *disk = NULL;
	struct sp_sb raw = SP_SB_INIT;
	char *text = NULL, *dir = sp_fs_dirname(l->path);
	int rc, guard = -1, journal = 0, missing, same = 0;

	/* the version that last wrote the state, as Terraform records it */
	stamped.scaleplan_version = SP_VERSION;
	stamped.version = SP_STATE_VERSION;
	/* only begin names a journal: every other write folds it in */
	snprintf(stamped.journal, sizeof(stamped.journal), "%s", mode == WRITE_BEGIN ? journal_name : "");
	if ((rc = sp_state_to_json(&stamped, &text, err)) < 0 || (rc = sp_fs_mkdir_p(dir, err)) < 0)
		goto out;
	if (l->lock_fd < 0 && (rc = take_guard(l, &guard, err)) < 0)
		goto out;
	if (mode == WRITE_FORCE) {
		if ((rc = read_raw(l->path, &raw, &missing, err)) < 0)
			goto out;
		journal = access(l->journal, F_OK) == 0;
	} else if ((rc = load_stored(l, &disk, &raw, &journal, err)) < 0) {
		if (rc == SP_EINVAL || rc == SP_ECORRUPT)
			refuse_unreadable(err, l->backup);
		goto out;
	}
	if (disk && (rc = check_stored(l, s, disk, mode, text, &same, err)) < 0)
		goto out;
	if (same && !journal) {
		set_known(l, s);
		goto out; /* nothing changed: no write, the backup stays */
	}
	/* (the same state, but recorded in the journal, is folded into the file) */
	if (mode == WRITE_BEGIN && (rc = encode_begin(s, disk, journal_name, &text, err)) < 0)
		goto out;
	/* the file being replaced becomes the backup */
	if (raw.len && (rc = sp_fs_write_atomic(l->backup, raw.buf, raw.len, SP_FS_REPLACE, err)) < 0)
		goto out;
	if ((rc = sp_fs_write_atomic(l->path, text, strlen(text), SP_FS_REPLACE, err)) < 0)
		goto out;
	if (journal && mode != WRITE_BEGIN && (rc = drop_journal(l, err)) < 0)
		goto out;
	set_known(l, s);
out:
	if (guard >= 0)
		close(guard); /* closing the last descriptor drops the flock */
	sp_state_free(disk);
	sp_sb_release(&raw);
	free(text);
	free(dir);
	return rc;
}

static int local_write(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(L(b), s, WRITE_NORMAL, NULL, err);
}

static int local_write_force(struct sp_backend *b, const struct sp_state *s, struct sp_err *err)
{
	return write_state(L(b), s, WRITE_FORCE, NULL, err);
}

/* The state is read under the lock; before the provider changes anything:
 * 1. a journal of an earlier apply (or one a fold left behind) is folded
 *    into the state file and removed;
 * 2. a new journal is created with its header and synced;
 * 3. the state file is rewritten naming that journal (the old file becomes
 *    the backup).
 * A crash after 2 leaves a journal the state does not name, with no entry:
 * read ignores it. After 3, a lost journal is found missing. Any step that
 * fails leaves the state as it was, and the provider untouched. */
static int local_begin(struct sp_backend *b, struct sp_state *s, struct sp_err *err)
{
	struct local *l = L(b);
	char id[37], *header = NULL;
	int rc, fd = -1;

	if (l->journal_fd >= 0)
		return 0;
	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, l->path, 0, 0, "recording operations needs the state they change");
	if (l->lock_fd < 0)
		return sp_err_set(err, SP_EINVAL, l->path, 0, 0, "recording operations needs the state lock; take it first");
	if ((rc = ensure_known(l, err)) < 0)
		return rc;
	if (is_stale(l, s))
		return sp_err_set(err, SP_ESTALE, l->path, 0, 0,
				  "the state being recorded has serial %llu, but the stored state has serial %llu: read "
				  "the state again under the lock",
				  (unsigned long long)s->serial, (unsigned long long)l->known_serial);
	if (access(l->journal, F_OK) == 0 && (rc = write_state(l, s, WRITE_NORMAL, NULL, err)) < 0)
		goto out;
	if ((rc = sp_uuid_v4(id, err)) < 0 || (rc = sp_state_journal_header(id, s->lineage, s->serial, &header, err)) < 0)
		goto out;
	fd = open(l->journal, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0 || sp_fs_write_all(fd, header, strlen(header)) < 0 || fdatasync(fd) < 0) {
		rc = sp_err_set(err, SP_EIO, l->journal, 0, 0, "cannot write the journal: %s; nothing was changed",
				strerror(errno));
		goto fail;
	}
	if ((rc = sp_fs_sync_parent(l->journal, err)) < 0)
		goto fail;
	if ((rc = write_state(l, s, WRITE_BEGIN, id, err)) < 0) {
		size_t n = strlen(err ? err->msg : "");
		if (err)
			snprintf(err->msg + n, sizeof(err->msg) - n, "; nothing was changed");
		goto fail;
	}
	snprintf(s->journal, sizeof(s->journal), "%s", id);
	l->journal_fd = fd;
	fd = -1;
	rc = 0;
	goto out;
fail:
	if (fd >= 0) {
		close(fd);
		fd = -1;
		unlink(l->journal);
	}
out:
	free(header);
	return rc;
}

static int local_record_many(struct sp_backend *b, struct sp_state *s, const struct sp_record *v, size_t n,
			     struct sp_err *err)
{
	struct local *l = L(b);
	struct sp_sb lines = SP_SB_INIT;
	off_t start;
	int rc;

	if (!s || !s->lineage)
		return sp_err_set(err, SP_EINVAL, l->path, 0, 0, "recording an operation needs the state it changes");
	if (l->lock_fd < 0)
		return sp_err_set(err, SP_EINVAL, l->path, 0, 0, "recording an operation needs the state lock; take it first");
	if (!n)
		return 0;
	if ((rc = ensure_known(l, err)) < 0)
		return rc;
	if (is_stale(l, s))
		return sp_err_set(err, SP_ESTALE, l->path, 0, 0,
				  "the state being recorded has serial %llu of lineage %s, but the stored state has serial "
				  "%llu%s%s: read the state again under the lock",
				  (unsigned long long)s->serial, s->lineage, (unsigned long long)l->known_serial,
				  l->known_lineage[0] ? " of lineage " : "", l->known_lineage);
	for (size_t i = 0; i < n; i++) {
		char *line = NULL;
		if ((rc = sp_state_journal_line(s->lineage, s->serial + 1 + i, v[i].address, v[i].now, &line, err)) < 0)
			goto out;
		sp_sb_adds(&lines, line);
		free(line);
	}
	if (l->journal_fd < 0 && (rc = local_begin(b, s, err)) < 0)
		goto out;
	if ((start = lseek(l->journal_fd, 0, SEEK_END)) < 0) {
		rc = sp_err_set(err, SP_EIO, l->journal, 0, 0, "cannot append: %s", strerror(errno));
		goto out;
	}
	/* one append and one sync for the whole group: each record is
	 * durable before apply reports its operation */
	if (sp_fs_write_all(l->journal_fd, lines.buf, lines.len) < 0 || fdatasync(l->journal_fd) < 0) {
		if (n == 1)
			rc = sp_err_set(err, SP_EIO, l->journal, 0, 0, "cannot append the record of '%s': %s",
					v[0].address, strerror(errno));
		else
			rc = sp_err_set(err, SP_EIO, l->journal, 0, 0,
					"cannot append the records of '%s' and %zu more: %s", v[0].address, n - 1,
					strerror(errno));
		/* leave no half entry behind (replay would ignore it, the next append would not) */
		if (ftruncate(l->journal_fd, start) == 0)
			fsync(l->journal_fd);
		goto out;
	}
	s->serial += n;
	set_known(l, s);
	rc = 0;
out:
	sp_sb_release(&lines);
	return rc;
}

static int local_record(struct sp_backend *b, struct sp_state *s, const char *address, const struct sp_resource *now,
			struct sp_err *err)
{
	struct sp_record one = { address, now };
	return local_record_many(b, s, &one, 1, err);
}

static int local_read_recovery(struct sp_backend *b, int which, struct sp_state **out, struct sp_err *err)
{
	struct local *l = L(b);
	struct sp_sb raw = SP_SB_INIT;
	const char *path = which == SP_READ_BACKUP ? l->backup : l->path;
	int rc, missing;

	*out = NULL;
	if ((rc = read_raw(path, &raw, &missing, err)) < 0)
		goto out;
	if (missing) {
		rc = sp_err_set(err, SP_ENOTFOUND, path, 0, 0, "there is no such file");
		goto out;
	}
	rc = sp_state_from_json(out, raw.buf, raw.len, path, err);
	if (rc == 0)
		(*out)->journal[0] = '\0';
out:
	sp_sb_release(&raw);
	return rc;
}

static void local_close(struct sp_backend *b)
{
	struct local *l;

	if (!b)
		return;
	l = L(b);
	if (l->lock_fd >= 0)
		release(l);
	free(l->path);
	free(l->backup);
	free(l->lockpath);
	free(l->journal);
	free(l);
}

static const struct sp_backend_ops local_ops = {
	.kind = "local",
	.read = local_read,
	.write = local_write,
	.lock = local_lock,
	.unlock = local_unlock,
	.close = local_close,
	.record = local_record,
	.write_force = local_write_force,
	.begin = local_begin,
	.read_recovery = local_read_recovery,
	.record_many = local_record_many,
};

int sp_backend_local_open(struct sp_backend **out, const char *state_path, struct sp_err *err)
{
	struct local *l;

	*out = NULL;
	if (!state_path || !*state_path)
		return sp_err_set(err, SP_EINVAL, "", 0, 0, "the local state backend needs a file path");
	if (state_path[strlen(state_path) - 1] == '/')
		return sp_err_set(err, SP_EINVAL, state_path, 0, 0, "the state path must name a file, not a folder");
	l = sp_xcalloc(1, sizeof(*l));
	*l = (struct local){ .b = { &local_ops, l }, .lock_fd = -1, .journal_fd = -1 };
	l->path = sp_xstrdup(state_path);
	l->b.where = l->path;
	l->backup = sp_fs_path_plus(state_path, ".backup");
	l->lockpath = sp_fs_path_plus(state_path, ".lock");
	l->journal = sp_fs_path_plus(state_path, ".journal");
	*out = &l->b;
	return 0;
}
