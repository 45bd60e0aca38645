/* What moved since a saved plan was made (planner/moved.c): the list of
 * changes that are no longer the reviewed ones, how it is printed, and the
 * check of the provider against what the plan saw. */
#include "plan_fixtures.h"

#include "planner/moved.h"

Suite *suite_moved(void);

/* The diff of desired against current, without protection. */
static void diff_of(struct sp_diff *d, struct sp_arena *a, const struct sp_resource_set *want,
		    const struct sp_resource_set *cur)
{
	struct sp_diags dg;
	sp_diags_init(&dg);
	ck_assert_int_eq(sp_diff_build(d, a, want, cur, NULL, 0, NULL, 0, NULL, &dg), 0);
	sp_diags_free(&dg);
}

/* The addresses of a moved list, one space apart. */
static const char *moved_addresses(const struct sp_moved *v, size_t n)
{
	static char buf[512];
	size_t k = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", i ? " " : "", v[i].address);
	return buf;
}

START_TEST(test_moved_list)
{
	struct sp_arena a;
	struct sp_resource_set want, cur, want2, cur2;
	struct sp_diff saved, now;
	struct sp_moved *mv;
	size_t n;

	sp_arena_init(&a);
	/* the plan reviewed: a grows 3 -> 5, b is new, c stays, d goes */
	set_init(&a, &cur);
	set_add(&cur, svc(&a, "a", 3));
	set_add(&cur, svc(&a, "c", 2));
	set_add(&cur, svc(&a, "d", 1));
	set_init(&a, &want);
	set_add(&want, svc(&a, "a", 5));
	set_add(&want, svc(&a, "b", 1));
	set_add(&want, svc(&a, "c", 2));
	diff_of(&saved, &a, &want, &cur);

	/* made again against the same world and spec: nothing moved */
	diff_of(&now, &a, &want, &cur);
	n = sp_moved_list(&saved, &now, &mv);
	ck_assert_uint_eq(n, 0);
	free(mv);

	/* the world moved: a is 4 now (same action, another before), b exists already
	 * (create -> no-op), d is gone (delete -> nothing), e appeared (a new delete);
	 * c is untouched and not listed */
	set_init(&a, &cur2);
	set_add(&cur2, svc(&a, "a", 4));
	set_add(&cur2, svc(&a, "b", 1));
	set_add(&cur2, svc(&a, "c", 2));
	set_add(&cur2, svc(&a, "e", 1));
	diff_of(&now, &a, &want, &cur2);
	n = sp_moved_list(&saved, &now, &mv);
	ck_assert_str_eq(moved_addresses(mv, n), "service.a[r1] service.b[r1] service.d[r1] service.e[r1]");
	ck_assert_ptr_nonnull(mv[0].saved);
	ck_assert_ptr_nonnull(mv[0].now);
	ck_assert_int_eq(mv[1].now->action, SP_ACT_NOOP);
	ck_assert_ptr_null(mv[2].now);
	ck_assert_ptr_null(mv[3].saved);
	ck_assert_int_eq(mv[3].now->action, SP_ACT_DELETE);

	/* printed for people: what was planned, what is planned now, and why */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		sp_moved_print(f, mv, n, 3);
		fclose(f);
		ck_assert_str_eq(buf, "    ~ service.a[r1]: planned update, now update\n"
				      "      instances 3 -> 4  (changed since the plan)\n"
				      "    = service.b[r1]: planned create, now no change\n"
				      "      changed since the plan: it exists now\n"
				      "    = service.d[r1]: planned delete, now no change\n"
				      "  ... and 1 more\n");
		free(buf);
	}
	free(mv);

	/* the spec moved: a is wanted at 6 now */
	set_init(&a, &want2);
	set_add(&want2, svc(&a, "a", 6));
	set_add(&want2, svc(&a, "b", 1));
	set_add(&want2, svc(&a, "c", 2));
	diff_of(&now, &a, &want2, &cur);
	n = sp_moved_list(&saved, &now, &mv);
	ck_assert_str_eq(moved_addresses(mv, n), "service.a[r1]");
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		sp_moved_print(f, mv, n, 50);
		fclose(f);
		ck_assert_str_eq(buf, "    ~ service.a[r1]: planned update, now update\n"
				      "      instances 5 -> 6  (wanted now)\n");
		free(buf);
	}
	free(mv);
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_moved_same_side)
{
	struct sp_arena a;
	struct sp_resource x, y, z;

	sp_arena_init(&a);
	x = svc(&a, "a", 3);
	y = svc(&a, "a", 3);
	z = svc(&a, "a", 3);
	add_bool(&z, "spot", 1);
	sp_resource_sort(&z);
	ck_assert(sp_moved_same_side(&x, &y));
	ck_assert(!sp_moved_same_side(&x, &z));
	ck_assert(!sp_moved_same_side(&x, NULL));
	ck_assert(sp_moved_same_side(NULL, NULL));
	/* 1 and true are different values */
	x = mkres(&a, "service", "a", "r1");
	add_num(&x, "on", 1);
	y = mkres(&a, "service", "a", "r1");
	add_bool(&y, "on", 1);
	ck_assert(!sp_moved_same_side(&x, &y));
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_moved_world)
{
	struct sp_arena a;
	struct sp_provider *p = NULL;
	struct sp_resource_set want, cur;
	struct sp_diff d;
	struct sp_err err;
	const char *first;
	struct sp_resource r;

	sp_arena_init(&a);
	ck_assert_int_eq(sp_provider_local_open(&p, tmpdir, &err), 0);
	/* the world as the plan saw it: a (3) and d */
	r = svc(&a, "a", 3);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	r = svc(&a, "d", 1);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	set_init(&a, &cur);
	set_add(&cur, svc(&a, "a", 3));
	set_add(&cur, svc(&a, "d", 1));
	set_init(&a, &want);
	set_add(&want, svc(&a, "a", 5));
	set_add(&want, svc(&a, "b", 1));
	diff_of(&d, &a, &want, &cur);
	ck_assert_int_eq(sp_moved_world(&d, p, &first, &err), 0);
	ck_assert_ptr_null(first);

	/* b made by someone else, a edited by hand, d deleted: three moved */
	r = svc(&a, "b", 1);
	ck_assert_int_eq(p->ops->create(p, &r, &err), 0);
	ck_assert_int_eq(sp_moved_world(&d, p, &first, &err), 1);
	ck_assert_str_eq(first, "service.b[r1]");
	{
		struct sp_resource before = svc(&a, "a", 3), after = svc(&a, "a", 4);
		ck_assert_int_eq(p->ops->update(p, &before, &after, &err), 0);
	}
	r = svc(&a, "d", 1);
	ck_assert_int_eq(p->ops->remove(p, &r, &err), 0);
	ck_assert_int_eq(sp_moved_world(&d, p, &first, &err), 3);
	ck_assert_str_eq(first, "service.a[r1]");
	p->ops->close(p);
	sp_arena_free(&a);
}
END_TEST

Suite *suite_moved(void)
{
	Suite *s = suite_create("moved");
	TCase *tc = tcase_create("moved");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, test_moved_list);
	tcase_add_test(tc, test_moved_same_side);
	tcase_add_test(tc, test_moved_world);
	suite_add_tcase(s, tc);
	return s;
}
