// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The JSON scanner of bounded loading: what it accepts and refuses (with
 * the offset), what it cuts out, the skeleton it leaves and the budget.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "json_scan.h"

#define BIG	((size_t)1 << 40)

static int scan(const char *text, const char *key, struct ls_json_pieces *p,
		struct ls_json_error *e)
{
	return ls_json_scan(text, strlen(text), key, 1000, BIG, p, e);
}

static void json_scan__valid_documents__accepted(void **state)
{
	static const char *const ok[] = {
		"{}", "[]", " { } ", "0", "-0.5e+3", "1E9", "true", "false", "null", "\"\"",
		"{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\\n\\\"\"}",
		"[[[[[[[[[[1]]]]]]]]]]", "\"\\ud83d\\ude00\"", "{\"\":{}}",
	};
	struct ls_json_pieces p;
	struct ls_json_error e;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (scan(ok[i], NULL, &p, &e))
			fail_msg("refused %s: %s at %zu", ok[i], e.what, e.off);
		assert_null(p.skeleton);
		ls_json_pieces_free(&p);
	}
}

struct bad {
	const char *text;
	size_t off;
	const char *what;	/* NULL: truncated */
};

static void json_scan__invalid_documents__refused_with_offset(void **state)
{
	static const struct bad bad[] = {
		{ "", 0, NULL },
		{ " \n", 2, NULL },
		{ "{", 1, NULL },
		{ "[1,", 3, NULL },
		{ "\"abc", 4, NULL },
		{ "tru", 3, NULL },
		{ "{\"a\":1,}", 7, "expected a member name" },
		{ "[1,]", 3, "unexpected character" },
		{ "[1 2]", 3, "expected ',' or ']'" },
		{ "{\"a\" 1}", 5, "expected ':'" },
		{ "{\"a\":1 \"b\":2}", 7, "expected ',' or '}'" },
		{ "01", 1, "unexpected data after the JSON document" },
		{ "-", 1, NULL },
		{ "1.", 2, NULL },
		{ "1.e5", 2, "invalid number" },
		{ "\"a\tb\"", 2, "control character in a string" },
		{ "\"\\x\"", 2, "invalid escape in a string" },
		{ "\"\\u12g4\"", 2, "invalid \\u escape" },
		{ "nul!", 0, "unexpected character" },
		{ "{} x", 3, "unexpected data after the JSON document" },
		{ "@", 0, "unexpected character" },
	};
	struct ls_json_pieces p;
	struct ls_json_error e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (scan(bad[i].text, NULL, &p, &e) != -EINVAL)
			fail_msg("accepted '%s'", bad[i].text);
		if (!bad[i].what && !e.truncated)
			fail_msg("'%s': %s, not truncated", bad[i].text, e.what);
		if (bad[i].what && strcmp(e.what, bad[i].what))
			fail_msg("'%s': '%s', expected '%s'", bad[i].text, e.what, bad[i].what);
		if (e.off != bad[i].off)
			fail_msg("'%s': at %zu, expected %zu", bad[i].text, e.off, bad[i].off);
	}
}

static void json_scan__deep_nesting__refused(void **state)
{
	char text[2 * LS_JSON_MAX_DEPTH + 8];
	struct ls_json_pieces p;
	struct ls_json_error e;
	size_t d;

	for (d = LS_JSON_MAX_DEPTH; d <= LS_JSON_MAX_DEPTH + 1; d++) {
		memset(text, '[', d);
		memset(text + d, ']', d);
		text[2 * d] = '\0';
		if (d == LS_JSON_MAX_DEPTH) {
			assert_int_equal(scan(text, NULL, &p, &e), 0);
		} else {
			assert_int_equal(scan(text, NULL, &p, &e), -EINVAL);
			assert_string_equal(e.what, "nesting too deep");
			assert_int_equal(e.off, LS_JSON_MAX_DEPTH);
		}
	}
}

static void json_scan__cut_key__elements_listed_skeleton_marked(void **state)
{
	static const char text[] =
		"{\"subsystems\": [ {\"a\":1} , 7,\"s\"],"
		"\"x\":{\"subsystems\":[]},\"sub\\u0073ystems\":[[1]],\"y\":[\"subsystems\"]}";
	struct ls_json_pieces p;
	struct ls_json_error e;

	assert_int_equal(scan(text, "subsystems", &p, &e), 0);
	assert_int_equal(p.n_cuts, 3);
	assert_int_equal(p.cuts[0].first, 0);
	assert_int_equal(p.cuts[0].n, 3);
	assert_int_equal(p.cuts[1].n, 0);
	assert_int_equal(p.cuts[2].first, 3);
	assert_int_equal(p.cuts[2].n, 1);
	assert_int_equal(p.n_spans, 4);
	assert_memory_equal(text + p.spans[0].off, "{\"a\":1}", p.spans[0].len);
	assert_memory_equal(text + p.spans[1].off, "7", p.spans[1].len);
	assert_memory_equal(text + p.spans[2].off, "\"s\"", p.spans[2].len);
	assert_memory_equal(text + p.spans[3].off, "[1]", p.spans[3].len);
	/* a key spelled with an escape is the same key; a string value is not a key */
	assert_string_equal(p.skeleton, "{\"subsystems\": [0],\"x\":{\"subsystems\":[1]},"
			    "\"sub\\u0073ystems\":[2],\"y\":[\"subsystems\"]}");
	assert_int_equal(p.skeleton_len, strlen(p.skeleton));
	/* skeleton offsets map back: before, inside and after a marker */
	assert_int_equal(ls_json_text_off(&p, 3), 3);
	assert_int_equal(ls_json_text_off(&p, 16), (size_t)(strchr(text, '[') - text));
	assert_int_equal(ls_json_text_off(&p, p.skeleton_len), strlen(text));
	ls_json_pieces_free(&p);
}

static void json_scan__too_many_elements__refused_at_the_extra_one(void **state)
{
	static const char text[] = "{\"k\":[1,2,3]}";
	struct ls_json_pieces p;
	struct ls_json_error e;

	assert_int_equal(ls_json_scan(text, strlen(text), "k", 2, BIG, &p, &e), -EINVAL);
	assert_true(e.too_many);
	assert_int_equal(e.off, 10);
	assert_int_equal(ls_json_scan(text, strlen(text), "k", 3, BIG, &p, &e), 0);
	ls_json_pieces_free(&p);
}

/* What amplifies in json-c (an empty object is 800 bytes) is refused early. */
static void json_scan__budget__refused_before_the_end(void **state)
{
	size_t n = 100000, i, budget = 1 << 20;
	char *text = malloc(3 * n + 2);
	struct ls_json_pieces p;
	struct ls_json_error e;

	assert_non_null(text);
	text[0] = '[';
	for (i = 0; i < n; i++)
		memcpy(text + 1 + 3 * i, "{},", 3);
	text[3 * n] = ']';
	text[3 * n + 1] = '\0';
	assert_int_equal(ls_json_scan(text, 3 * n + 1, NULL, 0, budget, &p, &e), -EINVAL);
	assert_true(e.too_costly);
	assert_true(e.off < 3 * n / 50);
	/* with room, the estimate is at least what json-c takes for {} */
	assert_int_equal(ls_json_scan(text, 3 * n + 1, NULL, 0, BIG, &p, &e), 0);
	assert_true(p.cost > 800 * n);
	ls_json_pieces_free(&p);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_scan__valid_documents__accepted),
		cmocka_unit_test(json_scan__invalid_documents__refused_with_offset),
		cmocka_unit_test(json_scan__deep_nesting__refused),
		cmocka_unit_test(json_scan__cut_key__elements_listed_skeleton_marked),
		cmocka_unit_test(json_scan__too_many_elements__refused_at_the_extra_one),
		cmocka_unit_test(json_scan__budget__refused_before_the_end),
	};

	return cmocka_run_group_tests_name("json_scan", tests, NULL, NULL);
}
