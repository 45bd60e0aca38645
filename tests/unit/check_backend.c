/* The local state backend (providers/backend_local.c): reads and atomic
 * writes with a backup, serial and lineage rules, damaged files, and flock
 * locks with holder information. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/arena.h"
#include "lib/crc32c.h"
#include "lib/err.h"
#include "lib/strbuf.h"
#include "lib/xalloc.h"
#include "model/resource.h"
#include "providers/backend_local.h"
#include "providers/resource_json.h"
#include "providers/state.h"
#include "providers/state_journal.h"
#include "providers/state_json.h"
#include "providers/uuid.h"
#include "tests/unit/state_fixtures.h"

Suite *suite_backend(void);

START_TEST(test_backend_open_args)
{
	struct sp_backend *b = (struct sp_backend *)1;
	struct sp_err err;
	ck_assert_int_eq(sp_backend_local_open(&b, "", &err), SP_EINVAL);
	ck_assert_ptr_null(b);
	ck_assert_int_eq(sp_backend_local_open(&b, NULL, &err), SP_EINVAL);
	ck_assert_int_eq(sp_backend_local_open(&b, "dir/", &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "must name a file"));
}
END_TEST

START_TEST(test_backend_read_missing)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s1 = NULL, *s2 = NULL;
	struct sp_err err;

	ck_assert_int_eq(b->ops->read(b, &s1, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s2, &err), 0);
	ck_assert_uint_eq(s1->serial, 0);
	ck_assert_uint_eq(s1->resources.n, 0);
	ck_assert_int_eq(s1->version, SP_STATE_VERSION);
	ck_assert(sp_uuid_valid(s1->lineage));
	ck_assert_str_ne(s1->lineage, s2->lineage); /* a fresh history each time */
	ck_assert_int_eq(count_files(tmpdir), 0);   /* reading creates nothing */
	sp_state_free(s1);
	sp_state_free(s2);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_write_read_backup)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s1 = state_with(1, 3), *s2 = state_with(2, 4), *got = NULL;
	struct sp_err err;
	char *t1, *t2, *disk;

	/* the first write creates the folder; no backup yet */
	ck_assert_int_eq(bwrite(b, s1, &err), 0);
	ck_assert(!exists(tp("dot/state.json.backup")));
	disk = slurp(tp("dot/state.json"));
	s1->scaleplan_version = SP_VERSION; /* the backend stamps its own version */
	t1 = encode(s1);
	ck_assert_str_eq(disk, t1);
	free(disk);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE);
	ck_assert_uint_eq(got->serial, 1);
	ck_assert_double_eq(got->resources.v[0].attrs[0].n, 3);
	sp_state_free(got);

	/* a change: the previous file becomes the backup */
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	s2->scaleplan_version = SP_VERSION;
	t2 = encode(s2);
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, t2);
	free(disk);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, t1);
	free(disk);

	/* the same serial and content again: nothing is written, the backup stays */
	ck_assert_int_eq(bwrite(b, s2, &err), 0);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, t1);
	free(disk);
	/* no temporary file is left: state, backup, lock */
	ck_assert_int_eq(count_files(tp("dot")), 3);
	ck_assert(exists(tp("dot/state.json.lock")));
	free(t1);
	free(t2);
	sp_state_free(s1);
	sp_state_free(s2);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_serial_lineage_rules)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s5 = state_with(5, 1), *s4 = state_with(4, 2), *s5b = state_with(5, 9), *other = state_with(6, 1);
	struct sp_err err;
	char *before, *after;

	/* any lineage is fine when nothing is stored, any serial too */
	ck_assert_int_eq(bwrite(b, s5, &err), 0);
	before = slurp(tp("dot/state.json"));

	ck_assert_int_eq(bwrite(b, s4, &err), SP_ESTALE);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(err.msg, "serial 4, older than the stored serial 5"));
	ck_assert_int_eq(bwrite(b, s5b, &err), SP_ESTALE);
	ck_assert_ptr_nonnull(strstr(err.msg, "already has serial 5, with different content"));
	other->lineage = LINEAGE2;
	ck_assert_int_eq(bwrite(b, other, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "lineage " LINEAGE2 ", but the stored state has lineage " LINEAGE));
	/* none of them touched the state, and none made a backup */
	after = slurp(tp("dot/state.json"));
	ck_assert_str_eq(after, before);
	ck_assert(!exists(tp("dot/state.json.backup")));
	/* a state that cannot be encoded is refused before anything is touched */
	other->lineage = "nope";
	ck_assert_int_eq(bwrite(b, other, &err), SP_EINVAL);
	free(before);
	free(after);
	sp_state_free(s5);
	sp_state_free(s4);
	sp_state_free(s5b);
	sp_state_free(other);
	b->ops->close(b);
}
END_TEST

START_TEST(test_backend_corrupt_state)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s = state_with(9, 1), *got = (struct sp_state *)1;
	struct sp_err err;
	static const char garbage[] = "{\n  \"version\": 1,\n  \"lineage\": oops\n}\n";
	char *disk;

	ck_assert_int_eq(mkdir(tp("dot"), 0777), 0);
	spew(tp("dot/state.json"), garbage);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_ptr_null(got);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_gt(err.col, 0);
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "refusing to replace"));
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, garbage);
	free(disk);
	ck_assert(!exists(tp("dot/state.json.backup")));

	/* valid JSON but not a state: the same */
	spew(tp("dot/state.json"), "{\"version\": 1}\n");
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_str_eq(err.msg, "missing key 'lineage'");
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	disk = slurp(tp("dot/state.json"));
	ck_assert_str_eq(disk, "{\"version\": 1}\n");
	free(disk);
	/* an empty file is no state either */
	spew(tp("dot/state.json"), "");
	ck_assert_int_eq(b->ops->read(b, &got, &err), SP_EINVAL);
	ck_assert_int_eq(bwrite(b, s, &err), SP_EINVAL);
	sp_state_free(s);
	b->ops->close(b);
}
END_TEST

static void check_holder(const struct sp_lock_info *h, const struct sp_lock_info *mine)
{
	ck_assert_str_eq(h->id, mine->id);
	ck_assert_str_eq(h->who, mine->who);
	ck_assert_str_eq(h->operation, mine->operation);
	ck_assert_str_eq(h->created, mine->created);
	ck_assert_str_eq(h->host, mine->host);
	ck_assert_int_eq(h->pid, mine->pid);
}

START_TEST(test_backend_lock_contention)
{
	struct sp_backend *b1 = open_backend(), *b2 = open_backend();
	struct sp_lock_info mine, holder, again;
	struct sp_state *s = state_with(1, 1);
	struct sp_err err;
	char *rec;

	sp_err_clear(&err);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, &mine, &holder, &err), 0);
	ck_assert(sp_uuid_valid(mine.id));
	ck_assert_str_eq(mine.operation, "apply");
	ck_assert_int_eq(mine.pid, (long)getpid());
	ck_assert_ptr_nonnull(strchr(mine.who, '@'));
	ck_assert_str_ne(mine.host, "");
	/* RFC 3339 UTC: 2026-11-23T10:00:00Z */
	ck_assert_uint_eq(strlen(mine.created), 20);
	ck_assert_int_eq(mine.created[10], 'T');
	ck_assert_int_eq(mine.created[19], 'Z');
	ck_assert_str_eq(holder.id, ""); /* taken: nobody else to report */
	/* the lock file records the holder */
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, mine.id));
	ck_assert_ptr_nonnull(strstr(rec, "\"operation\": \"apply\""));
	free(rec);

	/* the same backend again: a usage error */
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, NULL, &err), SP_EINVAL);
	/* a second open of the same path contends, even in this process (flock is per open file) */
	sp_err_clear(&err);
	memset(&holder, 0, sizeof(holder));
	ck_assert_int_eq(b2->ops->lock(b2, "state push", 0, &again, &holder, &err), SP_ELOCKED);
	check_holder(&holder, &mine);
	ck_assert_str_eq(err.file, tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(err.msg, "state is locked by "));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.who));
	ck_assert_ptr_nonnull(strstr(err.msg, "for 'apply'"));
	ck_assert_ptr_nonnull(strstr(err.msg, mine.id));
	ck_assert_ptr_null(strstr(err.msg, "gave up after")); /* it did not wait */
	/* holder and mine may be NULL */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, NULL, NULL, &err), SP_ELOCKED);
	/* writes: the holder may, the other is refused */
	ck_assert_int_eq(bwrite(b2, s, &err), SP_ELOCKED);
	ck_assert(!exists(tp("dot/state.json")));
	ck_assert_int_eq(bwrite(b1, s, &err), 0);
	/* forcing a live lock is refused, whatever the ID */
	sp_err_clear(&err);
	ck_assert_int_eq(b2->ops->unlock(b2, mine.id, &err), SP_ELOCKED);
	ck_assert_ptr_nonnull(strstr(err.msg, "ends only with its process"));
	/* the holder's own unlock needs its ID */
	ck_assert_int_eq(b1->ops->unlock(b1, "0f8fad5b-d9cb-469f-a165-70867728950e", &err), SP_EINVAL);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, NULL, NULL, &err), SP_ELOCKED);
	ck_assert_int_eq(b1->ops->unlock(b1, mine.id, &err), 0);
	/* released: the record is cleared, the file stays */
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_str_eq(rec, "");
	free(rec);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 0, &again, NULL, &err), 0);
	ck_assert_str_ne(again.id, mine.id);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, &holder, &err), SP_ELOCKED);
	ck_assert_str_eq(holder.id, again.id);
	ck_assert_str_eq(holder.operation, "plan");
	/* close releases */
	b2->ops->close(b2);
	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, NULL, NULL, &err), 0);
	b1->ops->close(b1);
	sp_state_free(s);
}
END_TEST

START_TEST(test_backend_lock_timeout)
{
	struct sp_backend *b1 = open_backend(), *b2 = open_backend();
	struct sp_lock_info mine, holder;
	struct sp_err err;

	ck_assert_int_eq(b1->ops->lock(b1, "apply", 0, &mine, NULL, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 200, NULL, &holder, &err), SP_ELOCKED);
	check_holder(&holder, &mine);
	ck_assert_ptr_nonnull(strstr(err.msg, "; gave up after waiting "));
	/* negative is "try once" */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", -5, NULL, NULL, &err), SP_ELOCKED);
	ck_assert_ptr_null(strstr(err.msg, "gave up"));
	b1->ops->close(b1);
	/* free now: a waiting lock takes it at once */
	ck_assert_int_eq(b2->ops->lock(b2, "plan", 200, NULL, NULL, &err), 0);
	b2->ops->close(b2);
}
END_TEST

START_TEST(test_backend_dead_holder)
{
	struct sp_backend *b, *live;
	struct sp_lock_info holder, mine;
	struct sp_err err;
	int pipefd[2], status;
	char child_id[40] = "";
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* takes the lock and dies without unlocking */
		struct sp_backend *cb;
		struct sp_lock_info m;
		struct sp_err e;
		if (sp_backend_local_open(&cb, tp("dot/state.json"), &e) < 0 || cb->ops->lock(cb, "apply", 0, &m, NULL, &e) < 0)
			_exit(3);
		if (write(pipefd[1], m.id, sizeof(m.id)) != (ssize_t)sizeof(m.id))
			_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	ck_assert_int_eq(read(pipefd[0], child_id, sizeof(child_id)), (ssize_t)sizeof(child_id));
	close(pipefd[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* the record outlived its process; the flock did not */
	b = open_backend();
	char *rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, child_id));
	free(rec);
	/* state unlock ID: another ID changes nothing */
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not the recorded one"));
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_ptr_nonnull(strstr(rec, child_id));
	free(rec);
	/* the recorded ID clears the stale record */
	ck_assert_int_eq(b->ops->unlock(b, child_id, &err), 0);
	rec = slurp(tp("dot/state.json.lock"));
	ck_assert_str_eq(rec, "");
	free(rec);
	/* nothing recorded any more */
	ck_assert_int_eq(b->ops->unlock(b, child_id, &err), SP_ENOTFOUND);
	b->ops->close(b);

	/* and a dead holder's lock is simply free: lock works without any unlock */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct sp_backend *cb;
		struct sp_err e;
		if (sp_backend_local_open(&cb, tp("dot/state.json"), &e) < 0 || cb->ops->lock(cb, "apply", 0, NULL, NULL, &e) < 0)
			_exit(3);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	live = open_backend();
	ck_assert_int_eq(live->ops->lock(live, "apply", 0, &mine, &holder, &err), 0);
	/* with a live holder, unlock ID from elsewhere is refused */
	b = open_backend();
	ck_assert_int_eq(b->ops->unlock(b, mine.id, &err), SP_ELOCKED);
	b->ops->close(b);
	live->ops->close(live);
}
END_TEST

START_TEST(test_backend_unlock_nothing)
{
	struct sp_backend *b = open_backend();
	struct sp_err err;
	sp_err_clear(&err);
	/* no lock file at all */
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_ENOTFOUND);
	ck_assert(!exists(tp("dot/state.json.lock")));
	/* a lock file with no record */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	b->ops->close(b);
	b = open_backend();
	ck_assert_int_eq(b->ops->unlock(b, LINEAGE, &err), SP_ENOTFOUND);
	ck_assert_int_eq(b->ops->unlock(b, NULL, &err), SP_ENOTFOUND);
	const struct sp_backend_ops *ops = b->ops;
	ops->close(b);
	ops->close(NULL); /* a no-op */
}
END_TEST

START_TEST(test_backend_write_force)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s5 = state_with(5, 1), *s1 = state_with(1, 2), *got = NULL;
	struct sp_err err;
	char *disk, *before;

	ck_assert_int_eq(bwrite(b, s5, &err), 0);
	before = slurp(tp("dot/state.json"));
	/* another lineage and a lower serial: write refuses, write_force replaces */
	s1->lineage = LINEAGE2;
	ck_assert_int_eq(bwrite(b, s1, &err), SP_EINVAL);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE2);
	ck_assert_uint_eq(got->serial, 1);
	sp_state_free(got);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, before);
	free(disk);
	free(before);
	/* a state that cannot be read is replaced too, and kept as the backup */
	spew(tp("dot/state.json"), "{ broken");
	ck_assert_int_eq(bwrite(b, s5, &err), SP_EINVAL);
	ck_assert_int_eq(b->ops->write_force(b, s5, &err), 0);
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_str_eq(disk, "{ broken");
	free(disk);
	/* a pending journal goes with it */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_int_eq(b->ops->record(b, got, "service.web[us]", NULL, &err), 0);
	ck_assert(exists(tp("dot/state.json.journal")));
	ck_assert_int_eq(b->ops->write_force(b, s1, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_str_eq(got->lineage, LINEAGE2);
	ck_assert_uint_eq(got->resources.n, 1);
	sp_state_free(got);
	/* but never past another holder's lock */
	ck_assert_int_eq(other->ops->write_force(other, s5, &err), SP_ELOCKED);
	b->ops->close(b);
	other->ops->close(other);
	sp_state_free(s1);
	sp_state_free(s5);
}
END_TEST

START_TEST(test_backend_temps_cleaned_on_lock)
{
	struct sp_backend *b = open_backend();
	struct sp_err err;
	ck_assert_int_eq(mkdir(tp("dot"), 0777), 0);
	/* what a killed writer leaves */
	spew(tp("dot/.state.json.tmp-AbC123"), "partial");
	spew(tp("dot/.state.json.backup.tmp-xyz789"), "partial");
	spew(tp("dot/.state.json.tmp-keepme-not-ours"), "other");
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert(!exists(tp("dot/.state.json.tmp-AbC123")));
	ck_assert(!exists(tp("dot/.state.json.backup.tmp-xyz789")));
	ck_assert(exists(tp("dot/.state.json.tmp-keepme-not-ours")));
	b->ops->close(b);
}
END_TEST

Suite *suite_backend(void)
{
	Suite *s = suite_create("backend");
	TCase *tc = tcase_create("local");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_backend_open_args);
	tcase_add_test(tc, test_backend_read_missing);
	tcase_add_test(tc, test_backend_write_read_backup);
	tcase_add_test(tc, test_backend_serial_lineage_rules);
	tcase_add_test(tc, test_backend_corrupt_state);
	tcase_add_test(tc, test_backend_lock_contention);
	tcase_add_test(tc, test_backend_lock_timeout);
	tcase_add_test(tc, test_backend_dead_holder);
	tcase_add_test(tc, test_backend_unlock_nothing);
	tcase_add_test(tc, test_backend_write_force);
	tcase_add_test(tc, test_backend_temps_cleaned_on_lock);
	suite_add_tcase(s, tc);
	return s;
}
