#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/diag.h"
#include "lib/hmap.h"
#include "lib/json.h"
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

/* The house writer: layout, key order, and each real with the fewest digits that read back to it. */
START_TEST(test_json_dump)
{
	json_t *o = json_object(), *a = json_array();
	struct sp_err err;
	char *out;

	json_object_set_new(o, "z", json_integer(3));
	json_object_set_new(o, "a", a);
	json_array_append_new(a, json_real(0.1));
	json_array_append_new(a, json_real(0.1 + 0.2));
	json_array_append_new(a, json_real(2.5e-7));
	json_array_append_new(a, json_real(1e300));
	json_array_append_new(a, json_real(9007199254740994.0));
	json_array_append_new(a, json_real(-1.5));
	json_object_set_new(o, "s", json_string("1.50 caf\xc3\xa9 \"0.10\""));
	ck_assert_int_eq(sp_json_dump(o, SP_JSON_COMPACT, &out, &err), 0);
	ck_assert_str_eq(out, "{\"z\":3,\"a\":[0.1,0.30000000000000004,2.5e-7,1e300,9007199254740994.0,-1.5],"
			      "\"s\":\"1.50 caf\xc3\xa9 \\\"0.10\\\"\"}\n");
	free(out);
	ck_assert_int_eq(sp_json_dump(o, SP_JSON_COMPACT | SP_JSON_ASCII, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out, "caf\\u00E9"));
	free(out);
	json_object_del(o, "a");
	json_object_del(o, "s");
	ck_assert_int_eq(sp_json_dump(o, 0, &out, &err), 0);
	ck_assert_str_eq(out, "{\n  \"z\": 3\n}\n");
	free(out);
	json_decref(o);
}
END_TEST

START_TEST(test_json_number)
{
	json_t *v;

	v = sp_json_number(3);
	ck_assert(json_is_integer(v) && json_integer_value(v) == 3);
	json_decref(v);
	v = sp_json_number(-0.0);
	ck_assert(json_is_integer(v) && json_integer_value(v) == 0);
	json_decref(v);
	v = sp_json_number(SP_JSON_MAX_EXACT);
	ck_assert(json_is_integer(v) && json_integer_value(v) == 9007199254740992);
	json_decref(v);
	v = sp_json_number(-SP_JSON_MAX_EXACT);
	ck_assert(json_is_integer(v));
	json_decref(v);
	v = sp_json_number(SP_JSON_MAX_EXACT + 2);
	ck_assert(json_is_real(v) && json_real_value(v) == 9007199254740994.0);
	json_decref(v);
	v = sp_json_number(0.5);
	ck_assert(json_is_real(v));
	json_decref(v);
	ck_assert_ptr_null(sp_json_number(NAN));
	ck_assert_ptr_null(sp_json_number(INFINITY));
}
END_TEST

/* Paths in messages: identifiers after a '.', other keys as ["key"], indices as [i]. */
START_TEST(test_jdec_path)
{
	struct sp_arena a;
	struct sp_err err;
	struct sp_jdec d;
	size_t mark;

	sp_arena_init(&a);
	sp_jdec_init(&d, "f.json", &a, &err, SP_JDEC_MUST_BE);
	ck_assert_int_eq(sp_jdec_fail(&d, "top %d", 1), SP_EINVAL);
	ck_assert_str_eq(err.file, "f.json");
	ck_assert_str_eq(err.msg, "top 1");
	mark = sp_jdec_push_key(&d, "resources");
	ck_assert_uint_eq(mark, 0);
	sp_jdec_push_idx(&d, 2);
	sp_jdec_push_key(&d, "attributes");
	sp_jdec_push_key(&d, "a \"b\"");
	sp_jdec_fail(&d, "bad");
	ck_assert_str_eq(err.msg, "resources[2].attributes[\"a \\\"b\\\"\"]: bad");
	sp_jdec_pop(&d, 3);
	sp_jdec_push_key(&d, "");
	sp_jdec_fail(&d, "empty");
	ck_assert_str_eq(err.msg, "resources[2].attributes[\"\"]: empty");
	sp_jdec_pop(&d, 3);
	sp_jdec_fail_in(&d, "_n9", "in");
	ck_assert_str_eq(err.msg, "resources[2].attributes._n9: in");
	ck_assert_uint_eq(d.depth, 3);
	sp_jdec_fail_key(&d, "at the key");
	ck_assert_str_eq(err.msg, "resources[2]: at the key");
	sp_jdec_subject(&d, "SKU", "m7i.large");
	sp_jdec_fail(&d, "x");
	ck_assert_str_eq(err.msg, "resources[2].attributes (SKU 'm7i.large'): x");
	sp_jdec_pop(&d, 0);
	sp_jdec_fail(&d, "y");
	ck_assert_str_eq(err.msg, "SKU 'm7i.large': y");
	sp_jdec_subject(&d, NULL, NULL);
	/* deeper than SP_JDEC_DEPTH: counted, shown up to the limit */
	for (int i = 0; i < SP_JDEC_DEPTH + 4; i++)
		sp_jdec_push_idx(&d, (size_t)i);
	ck_assert_uint_eq(d.depth, SP_JDEC_DEPTH + 4);
	sp_jdec_fail(&d, "deep");
	ck_assert_ptr_nonnull(strstr(err.msg, "[15]: deep"));
	ck_assert_ptr_null(strstr(err.msg, "[16]"));
	sp_jdec_pop(&d, 0);
	ck_assert_uint_eq(d.depth, 0);
	sp_arena_free(&a);
}
END_TEST

/* The getters, in each style's words. */
START_TEST(test_jdec_getters)
{
	static const char *const allowed[] = { "name", "n", "flag", "none", "empty", NULL };
	struct sp_arena a;
	struct sp_err err;
	struct sp_jdec d;
	json_t *o = json_pack("{s:s, s:i, s:b, s:n, s:s}", "name", "x", "n", 3, "flag", 1, "none", "empty", "");
	json_t *v;
	const char *str = "kept";
	int b = -1;

	sp_arena_init(&a);
	sp_jdec_init(&d, "f.json", &a, &err, SP_JDEC_MUST_BE);
	ck_assert_int_eq(sp_jdec_keys(&d, o, allowed), 0);
	ck_assert_int_eq(sp_jdec_str(&d, o, "name", SP_JREQ, &str), 0);
	ck_assert_str_eq(str, "x");
	ck_assert_int_eq(sp_jdec_str(&d, o, "absent", 0, &str), 0);
	ck_assert_str_eq(str, "x");
	ck_assert_int_eq(sp_jdec_str(&d, o, "none", SP_JNULL, &str), 0);
	ck_assert_ptr_null(str);
	ck_assert_int_eq(sp_jdec_bool(&d, o, "flag", SP_JREQ, &b), 0);
	ck_assert_int_eq(b, 1);
	ck_assert_int_eq(sp_jdec_member(&d, o, "n", SP_JNUMBER, SP_JREQ, &v), 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(sp_jdec_str(&d, o, "absent", SP_JREQ, &str), SP_EINVAL);
	ck_assert_str_eq(err.msg, "missing key 'absent'");
	ck_assert_int_eq(sp_jdec_str(&d, o, "n", 0, &str), SP_EINVAL);
	ck_assert_str_eq(err.msg, "n: must be a string, not an integer");
	ck_assert_int_eq(sp_jdec_bool(&d, o, "name", 0, &b), SP_EINVAL);
	ck_assert_str_eq(err.msg, "name: must be true or false, not a string");
	ck_assert_int_eq(sp_jdec_str(&d, o, "empty", SP_JNONEMPTY, &str), SP_EINVAL);
	ck_assert_str_eq(err.msg, "empty: must not be empty");
	ck_assert_int_eq(sp_jdec_object(&d, v, NULL), SP_EINVAL);
	ck_assert_str_eq(err.msg, "must be an object, not an integer");
	ck_assert_int_eq(sp_jdec_keys(&d, o, allowed + 1), SP_EINVAL);
	ck_assert_str_eq(err.msg, "name: unknown key");
	ck_assert_uint_eq(d.depth, 0);

	d.style = SP_JDEC_EXPECTED;
	ck_assert_int_eq(sp_jdec_str(&d, o, "absent", SP_JREQ, &str), SP_EINVAL);
	ck_assert_str_eq(err.msg, "missing field 'absent'");
	ck_assert_int_eq(sp_jdec_member(&d, o, "n", SP_JARRAY, 0, &v), SP_EINVAL);
	ck_assert_str_eq(err.msg, "n: expected an array, got a number");
	ck_assert_ptr_null(v);
	ck_assert_int_eq(sp_jdec_keys(&d, o, allowed + 1), SP_EINVAL);
	ck_assert_str_eq(err.msg, "unknown field 'name'");
	{
		json_t *typo = json_pack("{s:i}", "flags", 1);
		ck_assert_int_eq(sp_jdec_keys(&d, typo, allowed), SP_EINVAL);
		ck_assert_str_eq(err.msg, "unknown field 'flags'; did you mean 'flag'?");
		json_decref(typo);
	}

	d.style = SP_JDEC_TERSE;
	ck_assert_int_eq(sp_jdec_str(&d, o, "absent", SP_JREQ, &str), SP_EINVAL);
	ck_assert_str_eq(err.msg, "absent: missing");
	ck_assert_int_eq(sp_jdec_bool(&d, o, "n", 0, &b), SP_EINVAL);
	ck_assert_str_eq(err.msg, "n: must be a boolean");
	ck_assert_uint_eq(d.depth, 0);
	json_decref(o);
	sp_arena_free(&a);
}
END_TEST

/* With the source text, a problem is placed at its value's (or key's) line and column. */
START_TEST(test_jdec_place)
{
	static const char text[] = "{\n  \"a\": [1,\n    {\"b\\u0020c\": true}],\n  \"z\": null\n}\n";
	struct sp_arena a;
	struct sp_err err;
	struct sp_jdec d;
	json_t *root = sp_json_parse(text, strlen(text), "t.json", "invalid JSON", &err);

	ck_assert_ptr_nonnull(root);
	sp_arena_init(&a);
	sp_jdec_init(&d, "t.json", &a, &err, SP_JDEC_EXPECTED);
	d.text = text;
	d.len = strlen(text);
	sp_jdec_push_key(&d, "a");
	sp_jdec_push_idx(&d, 1);
	sp_jdec_push_key(&d, "b c");
	sp_jdec_fail(&d, "value");
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(err.col, 18);
	ck_assert_str_eq(err.msg, "a[1][\"b c\"]: value");
	sp_jdec_fail_key(&d, "key");
	ck_assert_int_eq(err.line, 3);
	ck_assert_int_eq(err.col, 6);
	ck_assert_str_eq(err.msg, "a[1]: key");
	sp_jdec_pop(&d, 0);
	sp_jdec_fail_in(&d, "z", "null");
	ck_assert_int_eq(err.line, 4);
	ck_assert_int_eq(err.col, 8);
	sp_jdec_fail_in(&d, "nowhere", "absent");
	ck_assert_int_eq(err.line, 0);
	ck_assert_int_eq(err.col, 0);
	json_decref(root);
	/* syntax errors and repeated keys: jansson's place */
	ck_assert_ptr_null(sp_json_parse("{\"k\": 1,\n \"k\": 2}", 17, "t.json", "not a plan file", &err));
	ck_assert_int_eq(err.line, 2);
	ck_assert_int_gt(err.col, 0);
	ck_assert_msg(!strncmp(err.msg, "not a plan file: duplicate object key", 37), "%s", err.msg);
	sp_arena_free(&a);
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
	tcase_add_test(tc, test_json_dump);
	tcase_add_test(tc, test_json_number);
	tcase_add_test(tc, test_jdec_path);
	tcase_add_test(tc, test_jdec_getters);
	tcase_add_test(tc, test_jdec_place);
	suite_add_tcase(s, tc);
	return s;
}
