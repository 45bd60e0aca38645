/* The state's journal (providers/state_journal.c) and how the local backend
 * (providers/backend_local.c) records to it and replays it: checksums, the
 * header, damage and recovery, and format-1 files. */
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

Suite *suite_journal(void);

START_TEST(test_journal_replay)
{
	struct sp_arena a;
	struct sp_resource r[3];
	struct sp_err err;
	struct sp_sb j = SP_SB_INIT;
	char *line;
	sp_arena_init(&a);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "nodes", 2);
	r[1] = mkres(&a, "service", "b", "r");
	add_num(&r[1], "nodes", 0.5);
	r[2] = r[0];
	r[2].attrs = SP_NEWN(&a, struct sp_attr, 1);
	r[2].nattrs = 0;
	add_num(&r[2], "nodes", 4);

	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 2, "service.b[r]", &r[1], &line, &err), 0);
	ck_assert_str_eq(line, "{\"lineage\":\"" LINEAGE "\",\"serial\":2,\"address\":\"service.b[r]\",\"resource\":"
			       "{\"address\":\"service.b[r]\",\"type\":\"service\",\"name\":\"b\",\"region\":\"r\","
			       "\"attributes\":{\"nodes\":0.5},\"force_new\":[],\"depends_on\":[],\"lifecycle\":"
			       "{\"prevent_destroy\":false,\"allow_zero\":false}},\"crc32c\":\"a8c30b2f\"}\n");
	/* the checksum is CRC-32C of the bytes before ',"crc32c"' */
	ck_assert_uint_eq(sp_crc32c(0, "123456789", 9), 0xe3069283u);
	ck_assert_uint_eq(sp_crc32c(0, line, strlen(line) - 22), 0xa8c30b2fu);
	ck_assert_uint_eq(sp_crc32c(sp_crc32c(0, line, 10), line + 10, strlen(line) - 32), 0xa8c30b2fu);
	free(line);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 3, "service.a[r]", NULL, &line, &err), 0);
	ck_assert_str_eq(line, "{\"lineage\":\"" LINEAGE "\",\"serial\":3,\"address\":\"service.a[r]\",\"resource\":null,"
			       "\"crc32c\":\"925d62eb\"}\n");
	free(line);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 3, "service.b[r]", &r[0], &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 0, "service.a[r]", NULL, &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line("x", 1, "service.a[r]", NULL, &line, &err), SP_EINVAL);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 1, "a", NULL, &line, &err), SP_EINVAL);

	/* serial 1 holds a; the journal adds b (2), updates a (3), deletes b (4) */
	struct sp_state *s = mkstate(1, r, 1);
	ck_assert_int_eq(sp_state_journal_line(LINEAGE, 1, "service.a[r]", NULL, &line, &err), 0);
	sp_sb_adds(&j, line); /* at or below the state's serial: already folded, skipped */
	free(line);
	const struct sp_resource *seq[] = { &r[1], &r[2], NULL };
	const char *addr[] = { "service.b[r]", "service.a[r]", "service.b[r]" };
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(sp_state_journal_line(LINEAGE, (uint64_t)i + 2, addr[i], seq[i], &line, &err), 0);
		sp_sb_adds(&j, line);
		free(line);
	}
	sp_sb_adds(&j, "{\"lineage\":\"" LINEAGE "\",\"ser"); /* an append cut short */
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "state.json.journal", NULL, SP_JOURNAL_LEGACY, &err), 3);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_uint_eq(s->resources.n, 1);
	ck_assert_str_eq(s->resources.v[0].address, "service.a[r]");
	ck_assert_double_eq(sp_resource_attr(&s->resources.v[0], "nodes")->n, 4);
	/* replaying again changes nothing */
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "state.json.journal", NULL, SP_JOURNAL_LEGACY, &err), 0);
	ck_assert_uint_eq(s->serial, 4);
	sp_state_free(s);

	/* a fresh state takes the journal's lineage, and starts at serial 1 */
	s = sp_state_new();
	ck_assert_int_eq(sp_state_journal_replay(s, j.buf, j.len, "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), 4);
	ck_assert_str_eq(s->lineage, LINEAGE);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_uint_eq(s->resources.n, 1);
	sp_state_free(s);
	s = sp_state_new();
	const char *tail = strchr(j.buf, '\n') + 1, *lin = s->lineage;
	ck_assert_int_eq(sp_state_journal_replay(s, tail, strlen(tail), "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), SP_ECORRUPT);
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "serial 2, but the state's serial is 0"));
	ck_assert_ptr_eq(s->lineage, lin); /* a failed replay leaves the state alone */
	ck_assert_uint_eq(s->serial, 0);
	sp_state_free(s);
	s = sp_state_new();
	ck_assert_int_eq(sp_state_journal_line(LINEAGE2, 1, "service.b[r]", &r[1], &line, &err), 0);
	ck_assert_int_eq(sp_state_journal_replay(s, line, strlen(line), "j", NULL, SP_JOURNAL_ADOPT | SP_JOURNAL_LEGACY, &err), 1);
	ck_assert_str_eq(s->lineage, LINEAGE2);
	ck_assert_uint_eq(s->serial, 1);
	ck_assert_uint_eq(s->resources.n, 1);
	/* another history's entry is refused, with its line */
	s->lineage = LINEAGE;
	s->serial = 0;
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, line, strlen(line), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, "j");
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to lineage " LINEAGE2));
	free(line);
	/* bad lines name their line number */
	static const char badj[] = "\n";
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, badj, strlen(badj), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 1);
	static const char badk[] = "{\"lineage\":\"" LINEAGE "\",\"serial\":1,\"address\":\"service.a[r]\",\"resource\":null}\n"
				   "{\"lineage\":\"" LINEAGE "\",\"serial\":2,\"address\":\"service.a[r]\",\"resource\":3}\n";
	sp_err_clear(&err);
	ck_assert_int_eq(sp_state_journal_replay(s, badk, strlen(badk), "j", NULL, SP_JOURNAL_LEGACY, &err), SP_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "resource: must be an object (a resource), not an integer");
	ck_assert_uint_eq(s->serial, 0); /* line 1 was good, but the journal as a whole was not */
	ck_assert_uint_eq(s->resources.n, 1);
	sp_state_free(s);
	sp_sb_release(&j);
	sp_arena_free(&a);
}
END_TEST

/* ---- the journal of the local backend ----------------------------------------------------------- */

/* record_many: a group of records in one append and one sync, all or none */
START_TEST(test_backend_record_many)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s = NULL, *got = NULL;
	struct sp_resource r[2];
	struct sp_record v[3];
	struct sp_arena a;
	struct sp_err err;
	char *disk;
	size_t lines = 0;
	sp_arena_init(&a);
	sp_err_clear(&err);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "nodes", 2);
	r[1] = mkres(&a, "cache", "c", "r");
	add_str(&r[1], "node", "cache.r6g.large");
	ck_assert_ptr_nonnull(b->ops->record_many);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);

	/* one bad record in the group: none is recorded */
	v[0] = (struct sp_record){ "service.a[r]", &r[0] };
	v[1] = (struct sp_record){ "cache.x[r]", &r[1] };
	v[2] = (struct sp_record){ "cache.c[r]", &r[1] };
	ck_assert_int_eq(b->ops->record_many(b, s, v, 3, &err), SP_EINVAL);
	ck_assert_uint_eq(s->serial, 0);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 0);
	ck_assert_uint_eq(got->resources.n, 0);
	sp_state_free(got);

	/* a good group: in order, serial up by its size, one line each after the header */
	v[1] = (struct sp_record){ "cache.c[r]", &r[1] };
	v[2] = (struct sp_record){ "service.a[r]", NULL };
	ck_assert_int_eq(b->ops->record_many(b, s, v, 3, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	disk = slurp(tp("dot/state.json.journal"));
	for (const char *p = disk; *p; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 4);
	free(disk);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 3);
	ck_assert_uint_eq(got->resources.n, 1);
	ck_assert_str_eq(got->resources.v[0].address, "cache.c[r]");
	sp_state_free(got);
	/* an empty group changes nothing; a state that is not the stored one is refused */
	ck_assert_int_eq(b->ops->record_many(b, s, v, 0, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	s->serial = 9;
	ck_assert_int_eq(b->ops->record_many(b, s, v, 1, &err), SP_ESTALE);
	sp_state_free(s);
	b->ops->close(b);
	other->ops->close(other);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_backend_journal)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s = NULL, *got = NULL;
	struct sp_resource r[2];
	struct sp_arena a;
	struct sp_err err;
	char *disk, *bytes3;
	sp_arena_init(&a);

	r[0] = mkres(&a, "service", "a", "r");
	add_num(&r[0], "nodes", 2);
	r[1] = mkres(&a, "cache", "c", "r");
	add_str(&r[1], "node", "cache.r6g.large");

	/* recording needs the lock */
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), SP_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs the state lock"));
	ck_assert(!exists(tp("dot/state.json.journal")));
	sp_state_free(s);

	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), 0);
	ck_assert_uint_eq(s->serial, 1);
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", &r[1], &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	ck_assert(exists(tp("dot/state.json.journal")));
	/* the first record began the journal: the state file names it (serial 0, nothing else yet) */
	disk = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(disk, "\"serial\": 0"));
	ck_assert_ptr_nonnull(strstr(disk, "\"journal\": \""));
	ck_assert_ptr_nonnull(strstr(disk, s->journal));
	free(disk);
	/* the address must match the resource */
	ck_assert_int_eq(b->ops->record(b, s, "cache.x[r]", &r[1], &err), SP_EINVAL);
	ck_assert_uint_eq(s->serial, 3);
	/* a state that is not the stored one is refused */
	s->serial = 7;
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", NULL, &err), SP_ESTALE);
	s->serial = 3;

	/* anyone reading now sees what was recorded, in the state's lineage */
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_str_eq(got->lineage, s->lineage);
	ck_assert_uint_eq(got->serial, 3);
	ck_assert_uint_eq(got->resources.n, 1);
	ck_assert_str_eq(got->resources.v[0].address, "cache.c[r]");
	ck_assert_str_eq(got->resources.v[0].attrs[0].s, "cache.r6g.large");
	/* another lineage, or a lower serial, is refused against the journal too */
	got->serial = 2;
	ck_assert_int_eq(bwrite(b, got, &err), SP_ESTALE);
	got->serial = 3;

	/* a write of the same serial and content folds the journal into the file */
	ck_assert_int_eq(bwrite(b, got, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	bytes3 = slurp(tp("dot/state.json"));
	ck_assert_ptr_null(strstr(bytes3, "\"journal\""));
	ck_assert_ptr_nonnull(strstr(bytes3, "\"serial\": 3"));
	sp_state_free(got);

	/* more records, then a write with a new serial: the old file is the backup */
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", &r[0], &err), 0);
	ck_assert_uint_eq(s->serial, 4);
	ck_assert_int_eq(b->ops->read(b, &got, &err), 0);
	ck_assert_uint_eq(got->resources.n, 2);
	got->serial = 5;
	got->cost.present = 1;
	got->cost.pct[0] = 10;
	got->cost.pct[1] = 50;
	got->cost.pct[2] = 90;
	snprintf(got->cost.at, sizeof(got->cost.at), "2027-01");
	snprintf(got->cost.currency, sizeof(got->cost.currency), "USD");
	ck_assert_int_eq(bwrite(b, got, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	/* the backup is the state as the apply began: serial 3, naming its journal */
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_ptr_nonnull(strstr(disk, "\"serial\": 3"));
	ck_assert_ptr_nonnull(strstr(disk, "\"journal\": \""));
	free(disk);
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	ck_assert_int_eq(got->cost.present, 1);
	ck_assert_uint_eq(got->resources.n, 2);
	sp_state_free(got);

	/* the in-memory state is now behind the stored one */
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), SP_ESTALE);
	sp_state_free(s);
	b->ops->close(b);

	/* a journal cut short by a kill: the torn line is ignored, and the next record starts clean */
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.a[r]", NULL, &err), 0);
	FILE *f = fopen(tp("dot/state.json.journal"), "ab");
	fputs("{\"lineage\":\"", f);
	fclose(f);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 6);
	sp_state_free(got);
	b->ops->close(b);
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "cache.c[r]", NULL, &err), 0);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	ck_assert_uint_eq(got->resources.n, 0);
	sp_state_free(got);
	/* a crash after the fold wrote the file but before the journal went: entries are skipped */
	disk = slurp(tp("dot/state.json.journal"));
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	spew(tp("dot/state.json.journal"), disk);
	free(disk);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	sp_state_free(got);
	/* a journal that does not follow the state is an error naming it */
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":9,\"address\":\"service.a[r]\",\"resource\":null}\n");
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, tp("dot/state.json.journal"));
	ck_assert_int_eq(err.line, 1);
	ck_assert_ptr_nonnull(strstr(err.msg, "its first line is not the journal's header"));
	ck_assert_int_eq(bwrite(b, s, &err), SP_ECORRUPT);
	free(bytes3);
	sp_state_free(s);
	b->ops->close(b);
	other->ops->close(other);
	sp_arena_free(&a);
}
END_TEST

/* Damage after a write is found on read, named, never taken for content. */
START_TEST(test_backend_integrity)
{
	struct sp_backend *b = open_backend(), *other = open_backend();
	struct sp_state *s = state_with(5, 3), *got = NULL;
	struct sp_err err;
	char *good, *jgood, *p, *hdr;

	ck_assert_int_eq(bwrite(b, s, &err), 0);
	good = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(good, "\"checksum\": \"crc32c:"));
	ck_assert_ptr_nonnull(strstr(good, "\"version\": 2"));
	/* every single byte changed inside a value is found */
	for (p = strstr(good, "\"nodes\": 3") + 9; *p != '\n'; p++) {
		char *bad = sp_xstrdup(good);
		bad[p - good] ^= 0x01;
		spew(tp("dot/state.json"), bad);
		sp_err_clear(&err);
		ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
		ck_assert_ptr_nonnull(strstr(err.msg, "does not match its checksum"));
		ck_assert_ptr_nonnull(strstr(err.msg, "state pull --backup"));
		/* and a write never replaces it */
		ck_assert_int_eq(bwrite(b, s, &err), SP_ECORRUPT);
		free(bad);
	}
	/* so is a flip in the lineage, and in the checksum itself */
	char *bad = sp_xstrdup(good);
	bad[strstr(bad, LINEAGE) - bad] = 'a';
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	strcpy(bad, good);
	p = strstr(bad, "crc32c:") + 7;
	*p = *p == '0' ? '1' : '0';
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	/* a format-2 state without its checksum line is damaged too */
	strcpy(bad, good);
	p = strstr(bad, "  \"checksum\"");
	memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	spew(tp("dot/state.json"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no checksum"));
	free(bad);
	spew(tp("dot/state.json"), good);

	/* an apply begins: the state names its journal */
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_int_eq(b->ops->begin(b, s, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.web[us]", NULL, &err), 0);
	ck_assert_int_eq(b->ops->record(b, s, "service.x[us]", NULL, &err), 0);
	jgood = slurp(tp("dot/state.json.journal"));
	hdr = sp_xstrndup(jgood, (size_t)(strchr(jgood, '\n') - jgood + 1));
	ck_assert_ptr_nonnull(strstr(hdr, s->journal));
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 7);
	sp_state_free(got);
	/* a deleted journal */
	unlink(tp("dot/state.json.journal"));
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_str_eq(err.file, tp("dot/state.json.journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "missing: the state names journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "since serial 5"));
	/* an empty one, or one cut inside its header */
	spew(tp("dot/state.json.journal"), "");
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "empty"));
	spew(tp("dot/state.json.journal"), "{\"journal\":");
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	/* a byte flipped in a record */
	bad = sp_xstrdup(jgood);
	p = strstr(strchr(bad, '\n') + 1, "service.web");
	p[8] = 'W';
	spew(tp("dot/state.json.journal"), bad);
	sp_err_clear(&err);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_int_eq(err.line, 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "damaged journal record"));
	/* a record whose checksum was taken off */
	strcpy(bad, jgood);
	p = strstr(strchr(bad, '\n') + 1, ",\"crc32c\"");
	memmove(p, p + 21, strlen(p + 21) + 1);
	memmove(p + 1, p, strlen(p) + 1);
	*p = '}';
	spew(tp("dot/state.json.journal"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no checksum"));
	free(bad);
	/* another apply's journal, and another state's */
	char *h2;
	ck_assert_int_eq(sp_state_journal_header(LINEAGE2, s->lineage, 5, &h2, &err), 0);
	spew(tp("dot/state.json.journal"), h2);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "belongs to another apply"));
	free(h2);
	ck_assert_int_eq(sp_state_journal_header(s->journal, LINEAGE2, 5, &h2, &err), 0);
	spew(tp("dot/state.json.journal"), h2);
	ck_assert_int_eq(other->ops->read(other, &got, &err), SP_ECORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "another state's journal"));
	free(h2);
	/* a record cut short at the end was never acknowledged: read as far as it goes */
	bad = sp_xstrdup(jgood);
	bad[strlen(bad) - 10] = '\0';
	spew(tp("dot/state.json.journal"), bad);
	ck_assert_int_eq(other->ops->read(other, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 6);
	sp_state_free(got);
	free(bad);

	/* recovery: the state file without its journal, and the backup */
	ck_assert_int_eq(other->ops->read_recovery(other, SP_READ_NO_JOURNAL, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	ck_assert_str_eq(got->journal, "");
	sp_state_free(got);
	ck_assert_int_eq(other->ops->read_recovery(other, SP_READ_BACKUP, &got, &err), 0);
	ck_assert_uint_eq(got->serial, 5);
	sp_state_free(got);
	spew(tp("dot/state.json.journal"), jgood);
	b->ops->close(b);

	/* begin proves the journal can be written before anything changes */
	b = open_backend();
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_state_free(s);
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_uint_eq(s->serial, 7);
	b->ops->close(b);
	/* fold what the journal holds (a plain write does) */
	b = open_backend();
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	free(good);
	good = slurp(tp("dot/state.json"));
	ck_assert(symlink(tp("no-such-dir/journal"), tp("dot/state.json.journal")) == 0);
	ck_assert_int_eq(b->ops->lock(b, "apply", 0, NULL, NULL, &err), 0);
	sp_err_clear(&err);
	ck_assert_int_eq(b->ops->begin(b, s, &err), SP_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot write the journal"));
	ck_assert_ptr_nonnull(strstr(err.msg, "nothing was changed"));
	p = slurp(tp("dot/state.json"));
	ck_assert_str_eq(p, good);
	free(p);
	unlink(tp("dot/state.json.journal"));

	free(good);
	free(jgood);
	free(hdr);
	sp_state_free(s);
	b->ops->close(b);
	other->ops->close(other);
}
END_TEST

/* A format-1 state (no checksum) and its format-1 journal (no header) are
 * read as they were; the next write makes them format 2. */
START_TEST(test_backend_reads_format_1)
{
	struct sp_backend *b = open_backend();
	struct sp_state *s = NULL;
	struct sp_err err;
	char *disk;

	mkdir(tp("dot"), 0777);
	spew(tp("dot/state.json"), "{\"version\": 1, \"lineage\": \"" LINEAGE "\", \"serial\": 2, \"resources\": []}\n");
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":3,\"address\":\"service.a[r]\",\"resource\":{\"address\":"
	     "\"service.a[r]\",\"type\":\"service\",\"name\":\"a\",\"region\":\"r\",\"attributes\":{\"n\":1}}}\n");
	ck_assert_int_eq(b->ops->read(b, &s, &err), 0);
	ck_assert_uint_eq(s->serial, 3);
	ck_assert_uint_eq(s->resources.n, 1);
	ck_assert_int_eq(s->read_version, 1);
	ck_assert_int_eq(bwrite(b, s, &err), 0);
	ck_assert(!exists(tp("dot/state.json.journal")));
	disk = slurp(tp("dot/state.json"));
	ck_assert_ptr_nonnull(strstr(disk, "\"version\": 2"));
	ck_assert_ptr_nonnull(strstr(disk, "\"checksum\": \"crc32c:"));
	free(disk);
	/* the backup keeps the file as format 1 wrote it */
	disk = slurp(tp("dot/state.json.backup"));
	ck_assert_ptr_nonnull(strstr(disk, "\"version\": 1"));
	free(disk);
	sp_state_free(s);
	/* but a format-2 state does not take a journal without a header */
	spew(tp("dot/state.json.journal"),
	     "{\"lineage\":\"" LINEAGE "\",\"serial\":4,\"address\":\"service.a[r]\",\"resource\":null}\n");
	ck_assert_int_eq(b->ops->read(b, &s, &err), SP_ECORRUPT);
	unlink(tp("dot/state.json.journal"));
	b->ops->close(b);
}
END_TEST

Suite *suite_journal(void)
{
	Suite *s = suite_create("journal");
	TCase *tc = tcase_create("lines");
	tcase_add_test(tc, test_journal_replay);
	suite_add_tcase(s, tc);

	tc = tcase_create("backend");
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_backend_journal);
	tcase_add_test(tc, test_backend_record_many);
	tcase_add_test(tc, test_backend_integrity);
	tcase_add_test(tc, test_backend_reads_format_1);
	suite_add_tcase(s, tc);
	return s;
}
