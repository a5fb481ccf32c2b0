// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/proc_info.c against real processes: this one, a
 * zombie child, a child whose main thread has exited, and a kernel thread.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc_info.h"

static char err[256];

static void stat__self__running_with_parent(void **state)
{
	struct ls_proc_stat st;

	(void)state;
	assert_int_equal(ls_proc_stat(getpid(), &st), 0);
	assert_int_equal(st.ppid, getppid());
	assert_false(ls_proc_is_kthread(&st));
	assert_false(ls_proc_is_dead(&st));
	assert_true(st.start_ticks > 0);
}

static void stat__no_such_pid__enoent(void **state)
{
	struct ls_proc_stat st;

	(void)state;
	/* above the largest pid_max (2^22) */
	assert_int_equal(ls_proc_stat(1 << 23, &st), -ENOENT);
	assert_int_equal(ls_proc_check_traceable(1 << 23, err, sizeof(err)), -ESRCH);
	assert_string_equal(err, "no process with PID 8388608");
}

/* A child that runs `sh -c 'sleep 5; :' x "two words"`: its arguments, spaced. */
static void cmdline__child_with_args__joined_by_spaces(void **state)
{
	char buf[256];
	pid_t pid;
	int i;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", "sleep 5; :", "x", "two words", (char *)NULL);
		_exit(127);
	}
	/* until the exec has happened */
	for (i = 0; i < 500; i++) {
		if (ls_proc_cmdline(pid, buf, sizeof(buf)) > 0 && !strncmp(buf, "sh ", 3))
			break;
		usleep(2000);
	}
	assert_int_equal(ls_proc_cmdline(pid, buf, sizeof(buf)),
			 strlen("sh -c sleep 5; : x two words"));
	assert_string_equal(buf, "sh -c sleep 5; : x two words");
	/* truncated, still terminated */
	assert_int_equal(ls_proc_cmdline(pid, buf, 6), 5);
	assert_string_equal(buf, "sh -c");
	assert_true(ls_proc_exe(pid, buf, sizeof(buf)) > 0);
	assert_int_equal(buf[0], '/');
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void cgroup__self__absolute_path(void **state)
{
	char buf[4096];

	(void)state;
	assert_true(ls_proc_cgroup(getpid(), buf, sizeof(buf)) > 0);
	assert_int_equal(buf[0], '/');
}

static void start_unix_ns__self__within_the_last_minute(void **state)
{
	struct ls_proc_stat st;
	__u64 start;
	time_t now = time(NULL);

	(void)state;
	assert_int_equal(ls_proc_stat(getpid(), &st), 0);
	start = ls_proc_start_unix_ns(st.start_ticks);
	/* this test binary started moments ago (ticks are 10 ms) */
	assert_true(start / 1000000000ULL <= (__u64)now);
	assert_true(start / 1000000000ULL + 60 >= (__u64)now);
}

static void check_traceable__zombie__eperm_names_parent(void **state)
{
	char want[256];
	pid_t pid;
	int i;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(0);
	/* not reaped: it stays a zombie until waitpid below */
	for (i = 0; i < 500; i++) {
		struct ls_proc_stat st;

		if (!ls_proc_stat(pid, &st) && st.state == 'Z')
			break;
		usleep(2000);
	}
	assert_int_equal(ls_proc_check_traceable(pid, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "process %d (test_proc_info) is a zombie: it has exited and "
		 "waits for its parent (PID %d) to reap it; nothing is left to trace", pid,
		 getpid());
	assert_string_equal(err, want);
	waitpid(pid, NULL, 0);
}

static void *sleeper(void *arg)
{
	(void)arg;
	sleep(5);
	return NULL;
}

/* The leader of a process that goes on in another thread looks like a zombie. */
static void check_traceable__leader_exited_thread_runs__traceable(void **state)
{
	int go[2];
	pid_t pid;
	char c;

	(void)state;
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pthread_t t;

		if (pthread_create(&t, NULL, sleeper, NULL))
			_exit(1);
		if (write(go[1], "x", 1) != 1)
			_exit(1);
		pthread_exit(NULL);
	}
	assert_int_equal(read(go[0], &c, 1), 1);
	usleep(100000);
	assert_int_equal(ls_proc_check_traceable(pid, err, sizeof(err)), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(go[0]);
	close(go[1]);
}

static void check_traceable__kernel_thread__eperm(void **state)
{
	struct ls_proc_stat st;
	struct dirent *de;
	pid_t kthread = 0;
	char want[128];
	DIR *d = opendir("/proc");

	(void)state;
	assert_non_null(d);
	while (!kthread && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		if (pid > 0 && !ls_proc_stat(pid, &st) && ls_proc_is_kthread(&st))
			kthread = pid;
	}
	closedir(d);
	/* a PID namespace shows no kernel thread: nothing to check then */
	if (!kthread)
		skip();
	assert_int_equal(ls_proc_check_traceable(kthread, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "PID %d (%s) is a kernel thread: it makes no system calls "
		 "to trace", kthread, st.comm);
	assert_string_equal(err, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat__self__running_with_parent),
		cmocka_unit_test(stat__no_such_pid__enoent),
		cmocka_unit_test(cmdline__child_with_args__joined_by_spaces),
		cmocka_unit_test(cgroup__self__absolute_path),
		cmocka_unit_test(start_unix_ns__self__within_the_last_minute),
		cmocka_unit_test(check_traceable__zombie__eperm_names_parent),
		cmocka_unit_test(check_traceable__leader_exited_thread_runs__traceable),
		cmocka_unit_test(check_traceable__kernel_thread__eperm),
	};

	return cmocka_run_group_tests_name("proc_info", tests, NULL, NULL);
}
