// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/match.c: the command-line automaton the kernel runs
 * (checked against strstr on random text), unit names and cgroup paths,
 * and matching real child processes by command line and executable,
 * including one whose binary was replaced with rename(2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "match.h"
#include "proc_info.h"
#include "record_opts.h"
#include "test_util.h"

static __u8 dfa[LS_CMDLINE_DFA_STATES][256];

static bool find(const char *const *pats, size_t n, const char *text)
{
	assert_true(ls_cmdline_dfa_build(dfa, pats, n) > 0);
	return ls_cmdline_dfa_match((const __u8 (*)[256])dfa, text, strlen(text));
}

static void dfa__overlapping_patterns__found_where_they_end(void **state)
{
	const char *const pats[] = { "he", "she", "his", "hers" };

	(void)state;
	assert_true(find(pats, 4, "ushers"));
	assert_true(find(pats, 4, "ahishe"));
	assert_false(find(pats, 4, "hxsxe"));
	assert_false(find(pats, 4, ""));
	/* the fallback after a partial match must not skip a start */
	assert_true(find((const char *const[]){ "aab" }, 1, "aaab"));
	assert_true(find((const char *const[]){ "abab" }, 1, "abaabab"));
}

/* Arguments are NUL-separated in memory: the automaton reads NUL as a space. */
static void dfa__nul_between_arguments__is_a_space(void **state)
{
	const char *const pats[] = { "wanctl --config" };
	const char text[] = "python3\0wanctl\0--config\0a.yaml";

	(void)state;
	assert_true(ls_cmdline_dfa_build(dfa, pats, 1) > 0);
	assert_true(ls_cmdline_dfa_match((const __u8 (*)[256])dfa, text, sizeof(text)));
	assert_false(ls_cmdline_dfa_match((const __u8 (*)[256])dfa, text, 20));
}

/* What the kernel reads is bounded: a pattern past 4096 bytes is not seen. */
static void dfa__pattern_past_read_limit__not_found(void **state)
{
	const char *const pats[] = { "needle" };
	char *text = malloc(LS_CMDLINE_READ_MAX + 16);

	(void)state;
	assert_non_null(text);
	memset(text, 'x', LS_CMDLINE_READ_MAX + 16);
	memcpy(text + LS_CMDLINE_READ_MAX - 6, "needle", 6);
	assert_true(ls_cmdline_dfa_build(dfa, pats, 1) > 0);
	assert_true(ls_cmdline_dfa_match((const __u8 (*)[256])dfa, text, LS_CMDLINE_READ_MAX + 16));
	memcpy(text + LS_CMDLINE_READ_MAX - 6, "xneedle", 7);
	assert_false(ls_cmdline_dfa_match((const __u8 (*)[256])dfa, text,
					  LS_CMDLINE_READ_MAX + 16));
	free(text);
}

static void dfa__limits__e2big_and_einval(void **state)
{
	char longp[LS_CMDLINE_MATCHED + 1];
	const char *pats[1] = { longp };

	(void)state;
	memset(longp, 'a', sizeof(longp) - 1);
	longp[LS_CMDLINE_PATTERN_MAX] = '\0';
	/* 254 bytes: 255 states, the most there is room for */
	assert_int_equal(ls_cmdline_dfa_build(dfa, pats, 1), LS_CMDLINE_PATTERN_MAX + 1);
	longp[LS_CMDLINE_PATTERN_MAX] = 'a';
	longp[LS_CMDLINE_PATTERN_MAX + 1] = '\0';
	assert_int_equal(ls_cmdline_dfa_build(dfa, pats, 1), -E2BIG);
	pats[0] = "";
	assert_int_equal(ls_cmdline_dfa_build(dfa, pats, 1), -EINVAL);
}

/* Random patterns over a small alphabet, random text: the same verdict as strstr. */
static void dfa__random_text__agrees_with_strstr(void **state)
{
	char pats_buf[3][8], text[64];
	const char *pats[3];
	int round, i, j, n;
	bool want;

	(void)state;
	srand(11);
	for (round = 0; round < 3000; round++) {
		n = 1 + rand() % 3;
		for (i = 0; i < n; i++) {
			int len = 1 + rand() % 6;

			for (j = 0; j < len; j++)
				pats_buf[i][j] = "ab c"[rand() % 4];
			pats_buf[i][len] = '\0';
			pats[i] = pats_buf[i];
		}
		for (j = 0; j < (int)sizeof(text) - 1; j++)
			text[j] = "ab c"[rand() % 4];
		text[rand() % (int)sizeof(text)] = '\0';
		want = false;
		for (i = 0; i < n; i++)
			want = want || strstr(text, pats[i]);
		assert_int_equal(find(pats, (size_t)n, text), want);
	}
}

static void unit_name__forms__service_added_when_untyped(void **state)
{
	char out[LS_UNIT_NAME_MAX];

	(void)state;
	assert_int_equal(ls_unit_name("wanctl", out, sizeof(out)), 0);
	assert_string_equal(out, "wanctl.service");
	assert_int_equal(ls_unit_name("wanctl@wan1", out, sizeof(out)), 0);
	assert_string_equal(out, "wanctl@wan1.service");
	assert_int_equal(ls_unit_name("session-3.scope", out, sizeof(out)), 0);
	assert_string_equal(out, "session-3.scope");
	assert_int_equal(ls_unit_name("a.slice", out, sizeof(out)), 0);
	assert_string_equal(out, "a.slice");
	assert_int_equal(ls_unit_name("", out, sizeof(out)), -EINVAL);
	assert_int_equal(ls_unit_name("system.slice/x.service", out, sizeof(out)), -EINVAL);
	assert_int_equal(ls_unit_name("0123456789", out, 12), -EINVAL);
}

static void cgroup_paths__within_and_unit__whole_components_only(void **state)
{
	(void)state;
	assert_true(ls_cgroup_within("/a/b", "/a"));
	assert_true(ls_cgroup_within("/a", "/a"));
	assert_true(ls_cgroup_within("/a", "/a/"));
	assert_false(ls_cgroup_within("/ab", "/a"));
	assert_true(ls_cgroup_within("/anything", "/"));
	assert_true(ls_cgroup_has_unit("/system.slice/x.service", "x.service"));
	assert_true(ls_cgroup_has_unit("/system.slice/x.service/sub", "x.service"));
	assert_false(ls_cgroup_has_unit("/system.slice/xx.service", "x.service"));
	assert_false(ls_cgroup_has_unit("/system.slice/x.service2", "x.service"));
	assert_false(ls_cgroup_has_unit("/", "x.service"));
}

/* The kernel hashes cgroup names with the same function (FNV-1a 64). */
static void fnv64__known_values(void **state)
{
	(void)state;
	assert_true(ls_fnv64("") == 0xcbf29ce484222325ULL);
	assert_true(ls_fnv64("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(ls_fnv64("foobar") == 0x85944171f73967e8ULL);
}

/* A child that stays until killed, started as argv (its last word marks it). */
static pid_t start(char *const argv[])
{
	int last = 0;

	while (argv[last + 1])
		last++;
	return spawn_until_cmdline(argv, argv[last]);
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int build_with(struct ls_match *m, const char *const *args)
{
	struct record_opts o;
	char *argv[16], err[512];
	int argc = 0;

	while (args[argc]) {
		argv[argc] = (char *)args[argc];
		argc++;
	}
	argv[argc] = NULL;
	assert_int_equal(record_opts_parse(&o, argc, argv, err, sizeof(err)), 0);
	return ls_match_build(m, &o, err, sizeof(err));
}

static void match_process__cmdline__child_matched_self_not(void **state)
{
	static struct ls_match m;
	char *const argv[] = { "/bin/sh", "-c", "read x; : lsmatch-unique-word", NULL };
	pid_t pid;

	(void)state;
	assert_int_equal(build_with(&m, (const char *const[]){ "record", "--cmdline",
			 "lsmatch-unique", NULL }), 0);
	pid = start(argv);
	assert_true(ls_match_process(&m, pid));
	assert_false(ls_match_process(&m, getpid()));
	assert_false(ls_match_process(&m, getppid()));
	stop(pid);
}

/*
 * --exe: a process running the file at PATH, also once PATH names another
 * file (an upgrade by rename), and another process not.
 */
static void match_process__exe_replaced_by_rename__still_matched(void **state)
{
	static struct ls_match m;
	char dir[] = "/tmp/lstest-match.XXXXXX", path[64], tmp[64], cmd[256];
	char *argv[] = { path, "5", NULL };
	pid_t pid, other;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sleepd", dir);
	snprintf(tmp, sizeof(tmp), "%s/sleepd.new", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s && cp /bin/sleep %s", path, tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(build_with(&m, (const char *const[]){ "record", "--exe", path, NULL }),
			 0);
	pid = start(argv);
	assert_true(ls_match_process(&m, pid));
	other = start((char *const[]){ "/bin/sleep", "5", NULL });
	assert_false(ls_match_process(&m, other));
	stop(other);
	/* the running one's file is gone from PATH: it was still started from there */
	assert_int_equal(rename(tmp, path), 0);
	assert_true(ls_match_process(&m, pid));
	stop(pid);
	unlink(path);
	rmdir(dir);
}

static void match_build__exe_script_or_not_elf__enoexec(void **state)
{
	static struct ls_match m;
	char path[] = "/tmp/lstest-script.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/usr/bin/python3\n", 19), 19);
	close(fd);
	assert_int_equal(build_with(&m, (const char *const[]){ "record", "--exe", path, NULL }),
			 -ENOEXEC);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "print(1)\n", 9), 9);
	close(fd);
	assert_int_equal(build_with(&m, (const char *const[]){ "record", "--exe", path, NULL }),
			 -ENOEXEC);
	unlink(path);
	assert_int_equal(build_with(&m, (const char *const[]){ "record", "--exe", path, NULL }),
			 -ENOENT);
}

static void match_build__cgroup_missing__enoent_or_enodev(void **state)
{
	static struct ls_match m;
	int ret;

	(void)state;
	ret = build_with(&m, (const char *const[]){ "record", "--cgroup",
			 "/lstest-no-such-cgroup", NULL });
	assert_true(ret == -ENOENT || ret == -ENODEV);
	/* a unit need not run yet: it is matched by name when it starts */
	ret = build_with(&m, (const char *const[]){ "record", "--unit", "lstest-none", NULL });
	assert_true(ret == 0 || ret == -ENODEV);
	if (!ret) {
		assert_string_equal(m.units[0], "lstest-none.service");
		assert_true(m.unit_hashes[0] == ls_fnv64("lstest-none.service"));
	}
}

static void find_cmdlines__child__listed_with_its_pid(void **state)
{
	char word[32], script[64], want[96];
	char *const argv[] = { "/bin/sh", "-c", script, NULL };
	struct ls_cmdline_hit hits[4];
	pid_t pid;
	size_t n;

	(void)state;
	/* this run's own: another run of these tests may be going on */
	snprintf(word, sizeof(word), "lsfind-%d", (int)getpid());
	snprintf(script, sizeof(script), "read x; : %s", word);
	pid = start(argv);
	n = ls_find_cmdlines(word, hits, 4);
	if (n != 1)
		fail_msg("%zu processes have %s: %d %s; %d %s", n, word, n ? hits[0].pid : 0,
			 n ? hits[0].cmdline : "", n > 1 ? hits[1].pid : 0, n > 1 ? hits[1].cmdline : "");
	assert_int_equal(hits[0].pid, pid);
	snprintf(want, sizeof(want), "/bin/sh -c %s", script);
	assert_string_equal(hits[0].cmdline, want);
	stop(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dfa__overlapping_patterns__found_where_they_end),
		cmocka_unit_test(dfa__nul_between_arguments__is_a_space),
		cmocka_unit_test(dfa__pattern_past_read_limit__not_found),
		cmocka_unit_test(dfa__limits__e2big_and_einval),
		cmocka_unit_test(dfa__random_text__agrees_with_strstr),
		cmocka_unit_test(unit_name__forms__service_added_when_untyped),
		cmocka_unit_test(cgroup_paths__within_and_unit__whole_components_only),
		cmocka_unit_test(fnv64__known_values),
		cmocka_unit_test(match_process__cmdline__child_matched_self_not),
		cmocka_unit_test(match_process__exe_replaced_by_rename__still_matched),
		cmocka_unit_test(match_build__exe_script_or_not_elf__enoexec),
		cmocka_unit_test(match_build__cgroup_missing__enoent_or_enodev),
		cmocka_unit_test(find_cmdlines__child__listed_with_its_pid),
	};

	return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
