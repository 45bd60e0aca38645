#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/hmap.h"
#include "lib/strbuf.h"

Suite *suite_lib(void);

START_TEST(test_strbuf)
{
	struct sp_sb sb = SP_SB_INIT;
	ck_assert_str_eq(sb.buf, "");
	sp_sb_addf(&sb, "%d-%s", 42, "x");
	sp_sb_adds(&sb, "yz");
	ck_assert_str_eq(sb.buf, "42-xyz");
	ck_assert_uint_eq(sb.len, 6);
	for (int i = 0; i < 1000; i++)
		sp_sb_addf(&sb, "%04d", i);
	ck_assert_uint_eq(sb.len, 6 + 4000);
	sp_sb_reset(&sb);
	sp_sb_add_quoted(&sb, "a\"b\\c\n");
	ck_assert_str_eq(sb.buf, "a\\\"b\\\\c\\n");
	size_t len;
	char *s = sp_sb_detach(&sb, &len);
	ck_assert_uint_eq(len, 9);
	ck_assert_str_eq(sb.buf, "");
	free(s);
	sp_sb_release(&sb);
}
END_TEST

START_TEST(test_arena)
{
	struct sp_arena a;
	sp_arena_init(&a);
	char *big = sp_arena_alloc(&a, 1 << 20);
	memset(big, 1, 1 << 20);
	for (int i = 0; i < 10000; i++) {
		int *p = SP_NEW(&a, int);
		ck_assert_int_eq(*p, 0);
		ck_assert_uint_eq((uintptr_t)p % 16, 0);
	}
	ck_assert_str_eq(sp_arena_printf(&a, "%s-%d", "n", 7), "n-7");
	sp_arena_free(&a);
}
END_TEST

START_TEST(test_hmap)
{
	struct sp_hmap m;
	char names[5000][16];
	uint32_t v, old;
	sp_hmap_init(&m);
	for (int i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "svc-%d", i);
		ck_assert_int_eq(sp_hmap_put(&m, names[i], (uint32_t)i, NULL), 0);
	}
	ck_assert_int_eq(sp_hmap_put(&m, "svc-17", 99, &old), 1);
	ck_assert_uint_eq(old, 17);
	for (int i = 0; i < 5000; i++) {
		ck_assert_int_eq(sp_hmap_get(&m, names[i], &v), 0);
		ck_assert_uint_eq(v, (uint32_t)i);
	}
	ck_assert_int_eq(sp_hmap_get(&m, "nope", &v), -1);
	sp_hmap_free(&m);
}
END_TEST

START_TEST(test_suggest)
{
	static const char *const keys[] = { "replicas", "instance", "sharding", "storage" };
	ck_assert_uint_eq(sp_edit_distance("kitten", "sitting", 5), 3);
	ck_assert_uint_eq(sp_edit_distance("abc", "abc", 2), 0);
	ck_assert_str_eq(sp_suggest("replica", keys, 4), "replicas");
	ck_assert_str_eq(sp_suggest("instnace", keys, 4), "instance");
	ck_assert_ptr_null(sp_suggest("zzzzzz", keys, 4));
}
END_TEST

START_TEST(test_diag_limit_and_sort)
{
	struct sp_diags d;
	struct sp_src src = { "f.yaml", "a: 1\nb: 2\n", 10 };
	sp_diags_init(&d);
	d.limit = 3;
	sp_error(&d, ((struct sp_pos){ &src, 2, 1 }), "second");
	sp_error(&d, ((struct sp_pos){ &src, 1, 1 }), "first");
	sp_note(&d, ((struct sp_pos){ &src, 2, 4 }), "note of first");
	sp_error(&d, ((struct sp_pos){ &src, 1, 4 }), "dropped");
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.nerrors, 3);
	ck_assert_uint_eq(d.dropped, 1);
	sp_diags_sort(&d);
	ck_assert_str_eq(d.v[0].msg, "first");
	ck_assert_str_eq(d.v[1].msg, "note of first");
	ck_assert_str_eq(d.v[2].msg, "second");
	sp_diags_free(&d);
}
END_TEST

Suite *suite_lib(void)
{
	Suite *s = suite_create("lib");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_strbuf);
	tcase_add_test(tc, test_arena);
	tcase_add_test(tc, test_hmap);
	tcase_add_test(tc, test_suggest);
	tcase_add_test(tc, test_diag_limit_and_sort);
	suite_add_tcase(s, tc);
	return s;
}
