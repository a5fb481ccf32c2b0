/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/record_opts.c: what `latscope record` makes of its
 * command line.  Every refused line must return -EINVAL with a message
 * that names what is wrong; --help must win before anything is checked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/syscall.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cycle.h"
#include "record_opts.h"

#define MAX_ARGS	32
#define ARG_STORE	1024

/*
 * argv as the kernel hands it over: writable strings in one block,
 * NULL-terminated.  o->cmd and o->output point into it, so it must live
 * as long as the options are looked at.
 */
struct argv_buf {
	int argc;
	char *argv[MAX_ARGS + 1];
	char store[ARG_STORE];
};

static char err[256];

/*
 * getopt remembers where it stopped in the previous argv.  Starting over
 * with optind = 0 (glibc) forgets it, so no test depends on the one before.
 * "+" leaves getopt in the order main()'s parser leaves it in.
 * parse__next_parse__starts_fresh checks that record_opts_parse does not
 * need this.
 */
static void getopt_forget(void)
{
	char arg0[] = "test", *argv[] = { arg0, NULL };

	optind = 0;
	assert_int_equal(getopt(1, argv, "+"), -1);
}

static int parse_v(struct argv_buf *b, struct record_opts *o, const char *const *args)
{
	size_t used = 0, len;

	memset(b, 0, sizeof(*b));
	for (b->argc = 0; args[b->argc]; b->argc++) {
		len = strlen(args[b->argc]) + 1;
		assert_true(b->argc < MAX_ARGS);
		assert_true(used + len <= sizeof(b->store));
		b->argv[b->argc] = memcpy(b->store + used, args[b->argc], len);
		used += len;
	}
	/* a message left over from an earlier parse must not pass for a new one */
	memset(err, 0, sizeof(err));
	getopt_forget();
	return record_opts_parse(o, b->argc, b->argv, err, sizeof(err));
}

/* PARSE(&b, &o, "-p", "1"): argv[0] is "record", as main() passes it. */
#define PARSE(b, o, ...) parse_v(b, o, (const char *const[]){ "record", __VA_ARGS__, NULL })

/* The line is refused, with a message that contains `what`. */
#define REFUSED(what, ...)							\
	do {									\
		struct argv_buf b_;						\
		struct record_opts o_;						\
		assert_int_equal(PARSE(&b_, &o_, __VA_ARGS__), -EINVAL);	\
		assert_non_null(strstr(err, what));				\
	} while (0)

static void parse__pid_list__all_pids_in_order(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-p", "12,345,6789"), 0);
	assert_int_equal(o.n_pids, 3);
	assert_int_equal(o.pids[0], 12);
	assert_int_equal(o.pids[1], 345);
	assert_int_equal(o.pids[2], 6789);
	assert_null(o.cmd);

	assert_int_equal(PARSE(&b, &o, "--pid=42"), 0);
	assert_int_equal(o.n_pids, 1);
	assert_int_equal(o.pids[0], 42);
}

static void parse__pid_list_at_limit__accepted_one_more_refused(void **state)
{
	char list[LS_MAX_TARGET_PIDS * 4 + 8];
	struct argv_buf b;
	struct record_opts o;
	size_t len = 0;
	int i;

	for (i = 1; i <= LS_MAX_TARGET_PIDS; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%d", i > 1 ? "," : "",
					i);
	assert_int_equal(PARSE(&b, &o, "-p", list), 0);
	assert_int_equal(o.n_pids, LS_MAX_TARGET_PIDS);
	assert_int_equal(o.pids[LS_MAX_TARGET_PIDS - 1], LS_MAX_TARGET_PIDS);

	snprintf(list + len, sizeof(list) - len, ",%d", LS_MAX_TARGET_PIDS + 1);
	REFUSED("at most", "-p", list);
}

static void parse__bad_pid_lists__refused(void **state)
{
	REFUSED("-p", "-p", "1,,2");
	REFUSED("-p", "-p", "0");
	REFUSED("-p", "-p", "abc");
	REFUSED("-p", "-p", "-5");
	/* one list, with commas: a second -p would silently drop the first */
	REFUSED("twice", "-p", "1", "-p", "2");
}

static void parse__duration_and_interval__bounds_inclusive(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-d", "0.001", "-p", "1"), 0);
	assert_true(o.duration_s == 0.001);
	assert_true(o.interval_s == 0);
	assert_int_equal(PARSE(&b, &o, "--duration", "86400", "-i", "0.1", "-p", "1"), 0);
	assert_true(o.duration_s == 86400);
	assert_true(o.interval_s == 0.1);
	assert_int_equal(PARSE(&b, &o, "-d", "2.5", "--interval=86400", "-p", "1"), 0);
	assert_true(o.duration_s == 2.5);
	assert_true(o.interval_s == 86400);
}

static void parse__duration_or_interval_out_of_range__refused(void **state)
{
	REFUSED("-d", "-d", "0", "-p", "1");
	REFUSED("-d", "-d", "0.0009", "-p", "1");
	REFUSED("-d", "-d", "86400.5", "-p", "1");
	REFUSED("-d", "-d", "-1", "-p", "1");
	REFUSED("-d", "-d", "5m", "-p", "1");
	REFUSED("-i", "-i", "0.09", "-p", "1");
	REFUSED("-i", "-i", "86401", "-p", "1");
	REFUSED("-i", "-i", "", "-p", "1");
}

static void parse__output_and_format__kept(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-p", "1"), 0);
	assert_null(o.output);
	assert_int_equal(o.format, LS_FMT_TEXT);
	assert_false(o.quiet);

	assert_int_equal(PARSE(&b, &o, "-o", "/tmp/run.json", "--format", "json", "-p", "1"), 0);
	assert_string_equal(o.output, "/tmp/run.json");
	/* into argv, like cmd: nothing to free */
	assert_ptr_equal(o.output, b.argv[2]);
	assert_int_equal(o.format, LS_FMT_JSON);

	assert_int_equal(PARSE(&b, &o, "--output=x.json", "-f", "text", "-p", "1"), 0);
	assert_string_equal(o.output, "x.json");
	assert_int_equal(o.format, LS_FMT_TEXT);
}

static void parse__ready_fd__number_or_refused(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-p", "1"), 0);
	assert_int_equal(o.ready_fd, -1);
	assert_int_equal(PARSE(&b, &o, "--ready-fd", "3", "-p", "1"), 0);
	assert_int_equal(o.ready_fd, 3);
	assert_int_equal(PARSE(&b, &o, "--ready-fd=2", "--", "true"), 0);
	assert_int_equal(o.ready_fd, 2);
	REFUSED("--ready-fd: '0' is not a file descriptor", "--ready-fd", "0", "-p", "1");
	REFUSED("--ready-fd: '-1'", "--ready-fd", "-1", "-p", "1");
	REFUSED("--ready-fd: '3x'", "--ready-fd", "3x", "-p", "1");
	REFUSED("'--ready-fd'", "-p", "1", "--ready-fd");
}

static void parse__unknown_format__refused(void **state)
{
	REFUSED("xml", "--format", "xml", "-p", "1");
	REFUSED("JSON", "-f", "JSON", "-p", "1");
}

static void parse__quiet__needs_output(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	REFUSED("-q", "-q", "-p", "1");
	REFUSED("-q", "--quiet", "--", "true");
	assert_int_equal(PARSE(&b, &o, "-q", "-o", "run.json", "-p", "1"), 0);
	assert_true(o.quiet);
	assert_string_equal(o.output, "run.json");
}

/* --cycle is a syscall's name or a period; --slow a duration, auto or off. */
static void parse__cycle_and_slow__values_and_defaults(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-p", "1"), 0);
	assert_int_equal(o.cycle_nr, LS_CYCLE_ANY_SYSCALL);
	assert_int_equal(o.cycle_ns, 0);
	assert_int_equal(o.slow_mode, LS_SLOW_AUTO);
	assert_int_equal(PARSE(&b, &o, "--cycle", "clock_nanosleep", "-p", "1"), 0);
	assert_int_equal(o.cycle_nr, __NR_clock_nanosleep);
	assert_int_equal(PARSE(&b, &o, "--cycle", "500ms", "-p", "1"), 0);
	assert_int_equal(o.cycle_ns, 500000000ULL);
	assert_int_equal(o.cycle_nr, LS_CYCLE_ANY_SYSCALL);
	assert_int_equal(PARSE(&b, &o, "--cycle", "2", "-p", "1"), 0);
	assert_int_equal(o.cycle_ns, 2000000000ULL);
	assert_int_equal(PARSE(&b, &o, "--slow", "50ms", "-p", "1"), 0);
	assert_int_equal(o.slow_mode, LS_SLOW_FIXED);
	assert_int_equal(o.slow_ns, 50000000ULL);
	assert_int_equal(PARSE(&b, &o, "--slow", "200us", "-p", "1"), 0);
	assert_int_equal(o.slow_ns, 200000ULL);
	assert_int_equal(PARSE(&b, &o, "--slow", "off", "-p", "1"), 0);
	assert_int_equal(o.slow_mode, LS_SLOW_OFF);
	REFUSED("neither a syscall name nor a period", "--cycle", "nosuchcall", "-p", "1");
	REFUSED("neither a syscall name nor a period", "--cycle", "0", "-p", "1");
	REFUSED("--slow: '5xs' is not a duration", "--slow", "5xs", "-p", "1");
	REFUSED("--slow: '-1' is not a duration", "--slow", "-1", "-p", "1");
}

static void parse__idle_and_busy__syscall_lists(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "--idle", "epoll_wait,futex", "--busy", "nanosleep",
			       "-p", "1"), 0);
	assert_int_equal(o.n_idle, 2);
	assert_int_equal(o.idle_nrs[0], __NR_epoll_wait);
	assert_int_equal(o.idle_nrs[1], __NR_futex);
	assert_int_equal(o.n_busy, 1);
	assert_int_equal(o.busy_nrs[0], __NR_nanosleep);
	REFUSED("--idle: 'epol_wait' is not a syscall name", "--idle", "epol_wait", "-p", "1");
	REFUSED("--busy: '' is not a syscall name", "--busy", "futex,", "-p", "1");
	REFUSED("--idle and --busy both name futex", "--idle", "futex", "--busy", "futex", "-p",
		"1");
}

static void parse__follow__on_for_command_off_for_pid(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "--", "true"), 0);
	assert_true(o.follow);
	assert_int_equal(PARSE(&b, &o, "-p", "1"), 0);
	assert_false(o.follow);
}

static void parse__follow_flags__override_default_last_wins(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "--follow", "-p", "1"), 0);
	assert_true(o.follow);
	assert_int_equal(PARSE(&b, &o, "--no-follow", "--", "true"), 0);
	assert_false(o.follow);
	assert_int_equal(PARSE(&b, &o, "--no-follow", "--follow", "-p", "1"), 0);
	assert_true(o.follow);
	assert_int_equal(PARSE(&b, &o, "--follow", "--no-follow", "--", "true"), 0);
	assert_false(o.follow);
}

static void parse__command_after_dashdash__its_options_kept(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-d", "1", "--", "ls", "-l", "-p", "--follow"), 0);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "ls");
	assert_string_equal(o.cmd[1], "-l");
	assert_string_equal(o.cmd[2], "-p");
	assert_string_equal(o.cmd[3], "--follow");
	assert_null(o.cmd[4]);
	/* the command's options are not ours */
	assert_int_equal(o.n_pids, 0);
	assert_true(o.follow);
	assert_true(o.duration_s == 1);
	/* pointers into argv, not copies: exec gets exactly what was typed */
	assert_ptr_equal(o.cmd, &b.argv[4]);
}

static void parse__command_without_dashdash__stops_at_first_word(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-d", "1", "ls", "-l"), 0);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "ls");
	assert_string_equal(o.cmd[1], "-l");
	assert_null(o.cmd[2]);
}

static void parse__pid_and_command__refused(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-p", "1", "--", "true"), -EINVAL);
	/* says that there are two targets, not that there is none */
	assert_non_null(strstr(err, "COMMAND"));
	assert_null(strstr(err, "nothing"));
	assert_int_equal(PARSE(&b, &o, "-p", "1", "true"), -EINVAL);
	assert_non_null(strstr(err, "COMMAND"));
	assert_null(strstr(err, "nothing"));
}

static void parse__nothing_to_trace__refused(void **state)
{
	struct argv_buf b;
	struct record_opts o;
	char *argv[] = { b.store, NULL };

	REFUSED("nothing to trace", "-d", "1");
	/* "--" and then nothing */
	REFUSED("nothing to trace", "--");
	/* argv[0] alone */
	strcpy(b.store, "record");
	memset(err, 0, sizeof(err));
	assert_int_equal(record_opts_parse(&o, 1, argv, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "nothing to trace"));
}

/* --cmdline, --unit, --cgroup name targets like -c: they combine with it, not with -p. */
static void parse__names__combine_and_count_as_by_name(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "--cmdline", "autorate continuous", "--cmdline", "x",
			       "--unit", "wanctl@wan1", "--cgroup", "/a.slice", "-c", "tc"), 0);
	assert_true(record_by_name(&o));
	assert_false(o.follow);
	assert_int_equal(o.n_cmdlines, 2);
	assert_string_equal(o.cmdlines[0], "autorate continuous");
	assert_int_equal(o.n_units, 1);
	assert_string_equal(o.units[0], "wanctl@wan1.service");
	assert_int_equal(o.n_cgroups, 1);
	assert_string_equal(o.cgroups[0], "/a.slice");
	assert_int_equal(PARSE(&b, &o, "--unit", "x.scope"), 0);
	assert_string_equal(o.units[0], "x.scope");
	REFUSED("give one of", "--cmdline", "x", "-p", "1");
	REFUSED("give one of", "--unit", "x", "--", "true");
}

static void parse__names__limits_refused(void **state)
{
	char longp[LS_CMDLINE_PATTERN_MAX + 2];

	REFUSED("--cmdline: the pattern is empty", "--cmdline", "");
	REFUSED("-c: 'autorate_continuous' is not a process name (1 to 15 characters, as in "
		"/proc/PID/comm, which would hold 'autorate_contin'); or name it by its command "
		"line: --cmdline autorate_continuous", "-c", "tc,autorate_continuous");
	REFUSED("-c: an empty process name", "-c", "tc,,ping");
	REFUSED("--cgroup: the path is empty", "--cgroup", "");
	REFUSED("--unit: 'a/b' is not a unit name", "--unit", "a/b");
	REFUSED("--unit: '' is not a unit name", "--unit", "");
	REFUSED("--exe given twice", "--exe", "/a", "--exe", "/b");
	REFUSED("at most 8 of --cgroup and --unit", "--unit", "1", "--unit", "2", "--unit", "3",
		"--unit", "4", "--cgroup", "/5", "--cgroup", "/6", "--unit", "7", "--unit", "8",
		"--unit", "9");
	REFUSED("--cmdline: at most 8 patterns", "--cmdline", "1", "--cmdline", "2",
		"--cmdline", "3", "--cmdline", "4", "--cmdline", "5", "--cmdline", "6",
		"--cmdline", "7", "--cmdline", "8", "--cmdline", "9");
	memset(longp, 'a', sizeof(longp));
	longp[LS_CMDLINE_PATTERN_MAX + 1] = '\0';
	REFUSED("--cmdline: patterns of at most 254 bytes together", "--cmdline", longp);
	longp[LS_CMDLINE_PATTERN_MAX - 1] = '\0';
	REFUSED("--cmdline: patterns of at most 254 bytes together", "--cmdline", longp,
		"--cmdline", "bc");
}

static void parse__unknown_option__refused_and_named(void **state)
{
	REFUSED("'-x'", "-x", "-p", "1");
	REFUSED("'-x'", "-qx", "-o", "f", "-p", "1");
	/* a short option in a cluster after a long one is still named as short */
	REFUSED("'-x'", "--follow", "-xq", "-o", "f", "-p", "1");
	REFUSED("'--frobnicate'", "--frobnicate", "-p", "1");
	REFUSED("'--frobnicate=1'", "--frobnicate=1", "-p", "1");
}

/* A flag given a value is as wrong as an unknown option, and says which. */
static void parse__flag_given_a_value__refused_and_named(void **state)
{
	REFUSED("'--quiet=1'", "--quiet=1", "-o", "f", "-p", "1");
	REFUSED("'--follow=yes'", "--follow=yes", "-p", "1");
	REFUSED("'--help=x'", "--help=x", "-p", "1");
}

static void parse__listen_and_prom_file__kept_and_allow_quiet(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "--listen", "9477", "--prom-file", "/tmp/x.prom", "-q",
			       "-p", "1"), 0);
	assert_string_equal(o.listen, "9477");
	assert_int_equal(o.listen_addr.ss_family, AF_INET);
	assert_string_equal(o.prom_file, "/tmp/x.prom");
	assert_true(o.quiet);
	assert_int_equal(PARSE(&b, &o, "-p", "1"), 0);
	assert_null(o.listen);
	assert_null(o.prom_file);
	REFUSED("0.0.0.0:9477", "--listen", ":9477", "-p", "1");
	REFUSED("0 to 65535", "--listen", "70000", "-p", "1");
	REFUSED("not PORT", "--listen", "x:y", "-p", "1");
	REFUSED("--prom-file", "--prom-file", "", "-p", "1");
	REFUSED("-q without -o", "-q", "-p", "1");
}

static void parse__missing_value__refused_and_named(void **state)
{
	REFUSED("'-p'", "-p");
	REFUSED("'-d'", "-p", "1", "-d");
	REFUSED("'-o'", "-p", "1", "-o");
	REFUSED("'--output'", "-p", "1", "--output");
	REFUSED("'--format'", "-p", "1", "--format");
}

static void parse__help__returns_1_before_any_check(void **state)
{
	struct argv_buf b;
	struct record_opts o;

	assert_int_equal(PARSE(&b, &o, "-h"), 1);
	assert_int_equal(PARSE(&b, &o, "--help"), 1);
	/* would be refused (no target, -q without -o) but for --help */
	assert_int_equal(PARSE(&b, &o, "-q", "--help"), 1);
	assert_int_equal(PARSE(&b, &o, "-p", "1", "-h", "--", "true"), 1);
}

/*
 * getopt keeps its place in the last argv it parsed (inside a cluster of
 * short options such as "-hq", or at the end of the last word), and keeps
 * the argument order ("+" or permute) its first caller asked for.  A parse
 * must depend on neither: not on what an earlier parse of another argv, or
 * of new words in the same memory, left behind, nor on whether the caller
 * used getopt without "+".  No getopt_forget() here: that is
 * record_opts_parse's own job.
 */
static void parse__next_parse__starts_fresh(void **state)
{
	char none[] = "test", *argv0[] = { none, NULL };
	struct argv_buf first, second;
	struct record_opts o;
	char *argv1[] = { first.store, first.store + 7, NULL };
	char *argv2[] = { second.store, second.store + 7, second.store + 10, NULL };
	char *argv3[] = { first.store, first.store + 7, first.store + 10, NULL };
	char *argv4[] = { second.store, second.store + 7, second.store + 10,
			  second.store + 12, second.store + 15, NULL };

	/* stopped inside "-hq", then another argv */
	memcpy(first.store, "record\0-hq", 11);
	memcpy(second.store, "record\0-p\0007", 12);
	assert_int_equal(record_opts_parse(&o, 2, argv1, err, sizeof(err)), 1);
	assert_int_equal(record_opts_parse(&o, 3, argv2, err, sizeof(err)), 0);
	assert_int_equal(o.n_pids, 1);
	assert_int_equal(o.pids[0], 7);
	assert_false(o.quiet);
	assert_null(o.cmd);

	/* stopped at the end of "--help", then new words in the same memory */
	memcpy(first.store, "record\0--help", 14);
	assert_int_equal(record_opts_parse(&o, 2, argv1, err, sizeof(err)), 1);
	memcpy(first.store, "record\0-q\0--help", 17);
	assert_int_equal(record_opts_parse(&o, 3, argv3, err, sizeof(err)), 1);

	/* the caller's last getopt permuted: COMMAND's "-l" is still its own */
	optind = 0;
	assert_int_equal(getopt(1, argv0, ""), -1);
	memcpy(second.store, "record\0-d\0001\0ls\0-l", 18);
	assert_int_equal(record_opts_parse(&o, 5, argv4, err, sizeof(err)), 0);
	assert_non_null(o.cmd);
	assert_string_equal(o.cmd[0], "ls");
	assert_string_equal(o.cmd[1], "-l");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse__pid_list__all_pids_in_order),
		cmocka_unit_test(parse__pid_list_at_limit__accepted_one_more_refused),
		cmocka_unit_test(parse__bad_pid_lists__refused),
		cmocka_unit_test(parse__duration_and_interval__bounds_inclusive),
		cmocka_unit_test(parse__duration_or_interval_out_of_range__refused),
		cmocka_unit_test(parse__output_and_format__kept),
		cmocka_unit_test(parse__ready_fd__number_or_refused),
		cmocka_unit_test(parse__unknown_format__refused),
		cmocka_unit_test(parse__quiet__needs_output),
		cmocka_unit_test(parse__cycle_and_slow__values_and_defaults),
		cmocka_unit_test(parse__idle_and_busy__syscall_lists),
		cmocka_unit_test(parse__follow__on_for_command_off_for_pid),
		cmocka_unit_test(parse__follow_flags__override_default_last_wins),
		cmocka_unit_test(parse__command_after_dashdash__its_options_kept),
		cmocka_unit_test(parse__command_without_dashdash__stops_at_first_word),
		cmocka_unit_test(parse__pid_and_command__refused),
		cmocka_unit_test(parse__nothing_to_trace__refused),
		cmocka_unit_test(parse__names__combine_and_count_as_by_name),
		cmocka_unit_test(parse__names__limits_refused),
		cmocka_unit_test(parse__unknown_option__refused_and_named),
		cmocka_unit_test(parse__flag_given_a_value__refused_and_named),
		cmocka_unit_test(parse__listen_and_prom_file__kept_and_allow_quiet),
		cmocka_unit_test(parse__missing_value__refused_and_named),
		cmocka_unit_test(parse__help__returns_1_before_any_check),
		cmocka_unit_test(parse__next_parse__starts_fresh),
	};

	return cmocka_run_group_tests_name("record_opts", tests, NULL, NULL);
}
