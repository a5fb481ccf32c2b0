/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The getopt walk (getopt_walk.c) and the output options that record,
 * report and diff share (cli_opts.c): each value parsed, each refusal with
 * its one message, and each bad word named as the user typed it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"

#define MAX_ARGS	16

/* What a command gets back from one walk over its words. */
struct walk {
	enum ls_format fmt;
	enum ls_by by;
	struct ls_pcts pcts;
	enum ls_sort sort;
	size_t top;
	char own[MAX_ARGS];	/* the command's own options, in order */
	const char *own_arg[MAX_ARGS];
	size_t n_own;
	int first_arg;		/* optind at the end */
	char err[256];
};

enum { OPT_FLAG = LS_OPT_CMD };

/* A command taking every output option, -o FILE, -q and --flag. */
static const struct option all_opts[] = {
	LS_OPTION_FORMAT,
	LS_OPTION_BY,
	LS_OPTION_PCTS,
	LS_OPTION_SORT,
	LS_OPTION_TOP,
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "flag", no_argument, NULL, OPT_FLAG },
	{ NULL, 0, NULL, 0 },
};

/* 0, or -EINVAL with w->err.  only_fmt: a command that takes -f alone (record). */
static int walk_v(struct walk *w, int stop_at_arg, int only_fmt, const char *const *args)
{
	static const struct option fmt_only_opts[] = {
		LS_OPTION_FORMAT,
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "flag", no_argument, NULL, OPT_FLAG },
		{ NULL, 0, NULL, 0 },
	};
	static char store[MAX_ARGS][64];
	char *argv[MAX_ARGS + 1];
	const struct ls_out_opts all = { .fmt = &w->fmt, .by = &w->by, .pcts = &w->pcts,
					 .sort = &w->sort, .top = &w->top };
	/* record's: the tables only; report's own test below takes html too */
	const struct ls_out_opts fmt_only = { .fmt = &w->fmt };
	struct ls_getopt g;
	int argc, c;

	memset(w, 0, sizeof(*w));
	w->pcts = ls_pcts_report;
	for (argc = 0; args[argc]; argc++) {
		assert_true(argc < MAX_ARGS);
		snprintf(store[argc], sizeof(store[argc]), "%s", args[argc]);
		argv[argc] = store[argc];
	}
	argv[argc] = NULL;
	ls_getopt_init(&g, argc, argv, "f:o:q", only_fmt ? fmt_only_opts : all_opts, stop_at_arg);
	while ((c = ls_cli_next(&g, only_fmt ? &fmt_only : &all, w->err, sizeof(w->err))) != -1) {
		if (c < 0)
			return c;
		w->own_arg[w->n_own] = optarg;
		w->own[w->n_own++] = c == OPT_FLAG ? 'F' : (char)c;
	}
	w->first_arg = optind;
	return 0;
}

#define WALK(w, ...) walk_v(w, 0, 0, (const char *const[]){ "cmd", __VA_ARGS__, NULL })
#define WALK_PLUS(w, ...) walk_v(w, 1, 0, (const char *const[]){ "cmd", __VA_ARGS__, NULL })
#define WALK_FMT(w, ...) walk_v(w, 1, 1, (const char *const[]){ "cmd", __VA_ARGS__, NULL })

/* Refused with exactly this message. */
#define REFUSED(msg, ...)						\
	do {								\
		struct walk w_;						\
		assert_int_equal(WALK(&w_, __VA_ARGS__), -EINVAL);	\
		assert_string_equal(w_.err, msg);			\
	} while (0)

static void out_opts__good_values__parsed_not_returned(void **state)
{
	struct walk w;

	assert_int_equal(WALK(&w, "-f", "csv", "--by", "syscall", "--percentiles", "50,99.9",
			      "--sort", "p99", "--top", "7", "file"), 0);
	assert_int_equal(w.fmt, LS_FMT_CSV);
	assert_int_equal(w.by, LS_BY_SYSCALL);
	assert_int_equal(w.pcts.n, 2);
	assert_true(w.pcts.p[1] == 99.9);
	assert_int_equal(w.sort, LS_SORT_P99);
	assert_int_equal(w.top, 7);
	assert_int_equal(w.n_own, 0);
	assert_int_equal(w.first_arg, 11);

	assert_int_equal(WALK(&w, "--format=markdown", "--by=peer", "--top=1000000"), 0);
	assert_int_equal(w.fmt, LS_FMT_MARKDOWN);
	assert_int_equal(w.by, LS_BY_PEER);
	assert_int_equal(w.top, LS_TOP_MAX);
}

/* A command that takes more formats than the tables says which. */
static void out_opts__format_set__only_those_taken(void **state)
{
	static const struct option opts[] = { LS_OPTION_FORMAT, { NULL, 0, NULL, 0 } };
	char a0[] = "cmd", a1[] = "-f", a2[] = "html", a3[] = "perfetto";
	char *argv[] = { a0, a1, a2, NULL };
	enum ls_format fmt = LS_FMT_TEXT;
	const struct ls_out_opts o = {
		.fmt = &fmt, .fmts = LS_FMTS_TABLES | LS_FMT_BIT(LS_FMT_HTML),
	};
	struct ls_getopt g;
	char err[256];

	ls_getopt_init(&g, 3, argv, "f:", opts, 0);
	assert_int_equal(ls_cli_next(&g, &o, err, sizeof(err)), -1);
	assert_int_equal(fmt, LS_FMT_HTML);
	argv[2] = a3;
	ls_getopt_init(&g, 3, argv, "f:", opts, 0);
	assert_int_equal(ls_cli_next(&g, &o, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "--format: unknown format 'perfetto' (expected text, json, csv, "
			    "markdown or html)");
	/* the default set is the tables' */
	REFUSED("--format: unknown format 'html' (expected text, json, csv or markdown)",
		"-f", "html");
}

static void out_opts__bad_values__one_message_each(void **state)
{
	REFUSED("--format: unknown format 'yaml' (expected text, json, csv or markdown)",
		"-f", "yaml");
	REFUSED("--format: unknown format 'JSON' (expected text, json, csv or markdown)",
		"--format", "JSON");
	REFUSED("--by: unknown grouping 'host' (expected subsystem, syscall, thread, peer or process)",
		"--by", "host");
	REFUSED("--percentiles: '50,101' is not a list of distinct percentiles like "
		"50,90,99.9 (0 < p <= 100)", "--percentiles", "50,101");
	REFUSED("--percentiles: at most 16 values", "--percentiles",
		"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
	REFUSED("--sort: unknown key 'p50' (expected total, p99, calls or name)", "--sort", "p50");
	REFUSED("--top: '0' is not a number from 1 to 1000000", "--top", "0");
	REFUSED("--top: '1000001' is not a number from 1 to 1000000", "--top=1000001");
	REFUSED("--top: '5x' is not a number from 1 to 1000000", "--top", "5x");
}

/* An output option a command does not take is unknown there, like any other. */
static void out_opts__not_taken__unknown_option(void **state)
{
	struct walk w;

	assert_int_equal(WALK_FMT(&w, "--top", "5"), -EINVAL);
	assert_string_equal(w.err, "unknown option '--top'");
	assert_int_equal(WALK_FMT(&w, "-f", "json", "--by=syscall"), -EINVAL);
	assert_string_equal(w.err, "unknown option '--by=syscall'");
	assert_int_equal(WALK_FMT(&w, "-f", "json", "-o", "x"), 0);
	assert_int_equal(w.fmt, LS_FMT_JSON);
}

static void cli_next__own_options__returned_in_order(void **state)
{
	struct walk w;

	assert_int_equal(WALK(&w, "-qo", "out", "--flag", "-f", "json", "--output=o2"), 0);
	assert_int_equal(w.n_own, 4);
	assert_memory_equal(w.own, "qoFo", 4);
	assert_string_equal(w.own_arg[1], "out");
	assert_string_equal(w.own_arg[3], "o2");
	assert_int_equal(w.fmt, LS_FMT_JSON);
}

static void cli_next__unknown_option__named_as_typed(void **state)
{
	REFUSED("unknown option '-x'", "-x");
	REFUSED("unknown option '-x'", "-qx");
	/* a short option in a cluster after a long one is still named as short */
	REFUSED("unknown option '-x'", "--flag", "-xq");
	REFUSED("unknown option '--frob'", "--frob");
	REFUSED("unknown option '--frob=1'", "--frob=1");
	/* a flag given a value */
	REFUSED("unknown option '--quiet=1'", "--quiet=1");
	/* permuted: options after a non-option are named, not the non-option */
	REFUSED("unknown option '--frob'", "file", "--frob");
	REFUSED("unknown option '-x'", "file", "other", "-qx");
}

static void cli_next__missing_value__named_as_typed(void **state)
{
	REFUSED("option '-o' needs an argument", "-o");
	REFUSED("option '-o' needs an argument", "-qo");
	REFUSED("option '--output' needs an argument", "--output");
	REFUSED("option '--format' needs an argument", "file", "--format");
	REFUSED("option '-f' needs an argument", "-q", "-f");
}

static void getopt_init__stop_at_arg__rest_is_the_commands(void **state)
{
	struct walk w;

	/* permuting: options after FILE are ours */
	assert_int_equal(WALK(&w, "file", "-q"), 0);
	assert_int_equal(w.n_own, 1);
	assert_int_equal(w.first_arg, 2);
	/* stopping: "-x" belongs to the command, and is not refused */
	assert_int_equal(WALK_PLUS(&w, "-q", "ls", "-x"), 0);
	assert_int_equal(w.n_own, 1);
	assert_int_equal(w.first_arg, 2);
	assert_int_equal(WALK_PLUS(&w, "-q", "--", "ls", "-x"), 0);
	assert_int_equal(w.first_arg, 3);
}

/*
 * getopt keeps its place inside a cluster ("-qx" stopped at x) and the
 * ordering mode of its first caller.  A walk depends on neither.
 */
static void getopt_init__after_other_walks__starts_fresh(void **state)
{
	struct walk w;

	/* stopped inside a cluster by an error */
	assert_int_equal(WALK(&w, "-xq"), -EINVAL);
	assert_int_equal(WALK(&w, "-f", "csv"), 0);
	assert_int_equal(w.n_own, 0);
	assert_int_equal(w.fmt, LS_FMT_CSV);
	/* a stopping walk, then a permuting one, then a stopping one */
	assert_int_equal(WALK_PLUS(&w, "file", "-q"), 0);
	assert_int_equal(w.n_own, 0);
	assert_int_equal(WALK(&w, "file", "-q"), 0);
	assert_int_equal(w.n_own, 1);
	assert_int_equal(WALK_PLUS(&w, "file", "-q"), 0);
	assert_int_equal(w.n_own, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(out_opts__good_values__parsed_not_returned),
		cmocka_unit_test(out_opts__bad_values__one_message_each),
		cmocka_unit_test(out_opts__format_set__only_those_taken),
		cmocka_unit_test(out_opts__not_taken__unknown_option),
		cmocka_unit_test(cli_next__own_options__returned_in_order),
		cmocka_unit_test(cli_next__unknown_option__named_as_typed),
		cmocka_unit_test(cli_next__missing_value__named_as_typed),
		cmocka_unit_test(getopt_init__stop_at_arg__rest_is_the_commands),
		cmocka_unit_test(getopt_init__after_other_walks__starts_fresh),
	};

	return cmocka_run_group_tests_name("cli_opts", tests, NULL, NULL);
}
