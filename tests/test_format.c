/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The format unit: format names, durations, escaping for Markdown and CSV. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

static void fmt_duration__unit_boundaries__three_significant_digits(void **state)
{
	static const struct {
		__u64 ns;
		const char *want;
	} cases[] = {
		{ 0, "0ns" },
		{ 7, "7ns" },
		{ 812, "812ns" },
		{ 999, "999ns" },
		{ 1000, "1.00us" },
		{ 1234, "1.23us" },
		{ 1235, "1.24us" },
		{ 9994, "9.99us" },
		{ 9995, "10.0us" },
		{ 12345, "12.3us" },
		{ 99949, "99.9us" },
		{ 99950, "100us" },
		{ 123456, "123us" },
		{ 999499, "999us" },
		{ 999500, "1.00ms" },
		{ 4560000, "4.56ms" },
		{ 999499999, "999ms" },
		{ 999500000, "1.00s" },
		{ 1000000000, "1.00s" },
		{ 1234567890, "1.23s" },
		{ 12345678901ULL, "12.3s" },
		{ 999499999999ULL, "999s" },
		{ 999500000000ULL, "1000s" },
		{ 1234567890123ULL, "1235s" },
		{ UINT64_MAX, "18446744074s" },
	};
	char buf[32], small[4];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = ls_fmt_duration(cases[i].ns, buf, sizeof(buf));

		assert_ptr_equal(got, buf);
		if (strcmp(got, cases[i].want))
			fail_msg("%llu ns: got '%s', want '%s'", (unsigned long long)cases[i].ns,
				 got, cases[i].want);
	}
	/* A short buffer is truncated, never overrun. */
	assert_string_equal(ls_fmt_duration(4560000, small, sizeof(small)), "4.5");
	assert_null(ls_fmt_duration(1, NULL, 0));
}

static void format_parse__good_and_bad_input__einval_for_bad(void **state)
{
	static const char *const bad[] = { "", "TEXT", "Json", "txt", "json ", " text", "jsonx",
					   "text\n", "xml", "md", "CSV", "tsv" };
	enum ls_format fmt = LS_FMT_JSON;
	size_t i;

	assert_int_equal(ls_format_parse("text", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_TEXT);
	assert_int_equal(ls_format_parse("json", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_JSON);
	assert_int_equal(ls_format_parse("csv", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_CSV);
	assert_int_equal(ls_format_parse("markdown", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_MARKDOWN);
	assert_int_equal(ls_format_parse("perfetto", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_PERFETTO);
	assert_int_equal(ls_format_parse("html", &fmt), 0);
	assert_int_equal(fmt, LS_FMT_HTML);
	fmt = LS_FMT_JSON;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fmt = LS_FMT_JSON;
		assert_int_equal(ls_format_parse(bad[i], &fmt), -EINVAL);
		/* Left untouched on error. */
		assert_int_equal(fmt, LS_FMT_JSON);
	}
	assert_int_equal(ls_format_parse(NULL, &fmt), -EINVAL);
	assert_int_equal(ls_format_parse("text", NULL), -EINVAL);
}

/* What the escaper writes for s, as a malloc'd string. */
static char *escaped(void (*esc)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	esc(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void md_escape__markup_and_newlines__literal_one_line(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "tcp:10.0.0.1:443", "tcp:10.0.0.1:443" },
		{ "a|b", "a\\|b" },
		{ "*x*_y_`z`", "\\*x\\*\\_y\\_\\`z\\`" },
		{ "[l](u) <b> #h \\", "\\[l\\](u) \\<b\\> \\#h \\\\" },
		{ "two\nlines\r", "two lines " },
		{ "esc\x1b[2J", "esc\\\\x1b\\[2J" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(ls_md_escape, cases[i].in);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void format_list__sets__names_in_order_with_or(void **state)
{
	char buf[96], small[12];

	assert_string_equal(ls_format_list(LS_FMTS_TABLES, buf, sizeof(buf)),
			    "text, json, csv or markdown");
	assert_string_equal(ls_format_list(LS_FMTS_TABLES | LS_FMT_BIT(LS_FMT_HTML), buf,
					   sizeof(buf)), "text, json, csv, markdown or html");
	assert_string_equal(ls_format_list(LS_FMT_BIT(LS_FMT_PERFETTO), buf, sizeof(buf)),
			    "perfetto");
	assert_string_equal(ls_format_list(0, buf, sizeof(buf)), "");
	/* truncated, never overrun */
	assert_string_equal(ls_format_list(LS_FMTS_TABLES, small, sizeof(small)), "text, json,");
	assert_string_equal(ls_format_name(LS_FMT_HTML), "html");
	assert_string_equal(ls_format_name(LS_FMT_MAX), "?");
}

static void html_escape__markup_quotes_controls__entities(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "tcp:10.0.0.1:443", "tcp:10.0.0.1:443" },
		{ "<script>&\"'", "&lt;script&gt;&amp;&quot;&#39;" },
		{ "esc\x1b[31m bell\x07", "esc&#x241b;[31m bell&#x2407;" },
		{ "tab\tnl\n", "tab\tnl\n" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(ls_html_escape, cases[i].in);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void csv_field__specials__quoted_rfc4180(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "plain name", "plain name" },
		{ "a,b", "\"a,b\"" },
		{ "say \"hi\"", "\"say \"\"hi\"\"\"" },
		/* controls are escaped, so a field is one line and needs no quotes for them */
		{ "cr\rlf\n", "cr\\x0dlf\\x0a" },
		{ "esc\x1b,\"", "\"esc\\x1b,\"\"\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(ls_csv_field, cases[i].in);

		assert_string_equal(got, cases[i].want);
		free(got);
	}
}

static void name_text__controls_and_bad_utf8__escaped_utf8_kept(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "", "" },
		{ "exec:tc", "exec:tc" },
		{ "esc\x1b[31mred\x1b[0m", "esc\\x1b[31mred\\x1b[0m" },
		{ "nl\ncr\rtab\tdel\x7f", "nl\\x0acr\\x0dtab\\x09del\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		{ "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80" },
		/* C1 controls: the 8-bit CSI, and NEL as UTF-8 */
		{ "\x9b" "2J\xc2\x85", "\\x9b" "2J\\xc2\\x85" },
		/* not UTF-8: a lone continuation, overlong, a surrogate, cut short, beyond U+10FFFF */
		{ "\x80\xc0\xaf\xed\xa0\x80\xe2\x82", "\\x80\\xc0\\xaf\\xed\\xa0\\x80\\xe2\\x82" },
		{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
		/* the right-to-left override, which reorders what follows on screen */
		{ "a\xe2\x80\xae" "b", "a\\xe2\\x80\\xae" "b" },
	};
	const char *plain = "plain";
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *put = escaped(ls_name_put, cases[i].in);

		assert_string_equal(ls_name_text(cases[i].in, buf, sizeof(buf)), cases[i].want);
		assert_string_equal(put, cases[i].want);
		free(put);
	}
	/* nothing to escape: the name itself, no copy */
	assert_ptr_equal(ls_name_text(plain, buf, sizeof(buf)), plain);
	/* cut short, never in half an escape */
	assert_string_equal(ls_name_text("\x01\x02\x03\x04", buf, 12), "\\x01\\x02...");
}

static void text_put__prose__newlines_and_tabs_stay(void **state)
{
	char *got = escaped(ls_text_put, "line one\n\tname \x1b]0;title\x07\n");

	assert_string_equal(got, "line one\n\tname \\x1b]0;title\\x07\n");
	free(got);
	/* a name escaped already (a title's) is not escaped again */
	got = escaped(ls_text_put, "cmd t\\x1b[31mX");
	assert_string_equal(got, "cmd t\\x1b[31mX");
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_text__controls_and_bad_utf8__escaped_utf8_kept),
		cmocka_unit_test(text_put__prose__newlines_and_tabs_stay),
		cmocka_unit_test(fmt_duration__unit_boundaries__three_significant_digits),
		cmocka_unit_test(format_parse__good_and_bad_input__einval_for_bad),
		cmocka_unit_test(md_escape__markup_and_newlines__literal_one_line),
		cmocka_unit_test(csv_field__specials__quoted_rfc4180),
		cmocka_unit_test(format_list__sets__names_in_order_with_or),
		cmocka_unit_test(html_escape__markup_quotes_controls__entities),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
