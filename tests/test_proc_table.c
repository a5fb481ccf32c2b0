// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests for src/proc_table.c with real child processes: what /proc
 * says while they run is kept after they exit, and a process known only
 * by its threads' calls is still listed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc_info.h"
#include "proc_table.h"
#include "test_util.h"

static pid_t start_sleeper(char *word)
{
	char *argv[] = { "/bin/sh", "-c", "read x; :", word, NULL };

	return spawn_until_cmdline(argv, word);
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static const struct ls_process *find(const struct ls_snapshot *s, pid_t pid)
{
	return ls_snapshot_find_process(s, (__u32)pid);
}

static void update__child_runs_then_exits__seen_alive_kept_after(void **state)
{
	struct ls_snapshot *tab = ls_snapshot_new();
	const struct ls_process *p;
	pid_t a, b;
	__u32 live[2];

	(void)state;
	assert_non_null(tab);
	a = start_sleeper("lsproc-a");
	b = start_sleeper("lsproc-b");
	live[0] = (__u32)b;
	live[1] = (__u32)a;
	assert_int_equal(ls_proc_table_update(tab, live, 2, 1000), 0);
	assert_int_equal(tab->n_procs, 2);
	/* kept in pid order */
	assert_true(tab->procs[0].pid < tab->procs[1].pid);
	p = find(tab, a);
	assert_non_null(p);
	assert_string_equal(p->comm, "sh");
	assert_int_equal(p->ppid, getpid());
	assert_string_equal(p->cmdline, "/bin/sh -c read x; : lsproc-a");
	assert_non_null(p->exe);
	assert_non_null(p->cgroup);
	assert_true(p->start_unix_ns > 0);
	assert_false(p->exited);

	/* a is gone: no longer in the kernel's table */
	stop(a);
	live[0] = (__u32)b;
	assert_int_equal(ls_proc_table_update(tab, live, 1, 2000), 0);
	p = find(tab, a);
	assert_true(p->exited);
	assert_int_equal(p->end_unix_ns, 2000);
	/* what was read while it ran is still there */
	assert_string_equal(p->cmdline, "/bin/sh -c read x; : lsproc-a");
	assert_false(find(tab, b)->exited);
	/* an update that finds nothing new changes nothing */
	assert_int_equal(ls_proc_table_update(tab, live, 1, 3000), 0);
	assert_int_equal(find(tab, a)->end_unix_ns, 2000);
	stop(b);
	ls_snapshot_free(tab);
}

/* A pid traced again after it was seen exit: another process now, read anew. */
static void update__pid_live_again__read_anew(void **state)
{
	struct ls_snapshot *tab = ls_snapshot_new();
	struct ls_process *p;
	__u32 pid;

	(void)state;
	assert_non_null(tab);
	pid = (__u32)start_sleeper("lsproc-again");
	p = ls_snapshot_process(tab, pid);
	assert_non_null(p);
	assert_int_equal(ls_process_set_str(&p->cmdline, "an older process"), 0);
	p->exited = true;
	p->end_unix_ns = 5;
	assert_int_equal(ls_proc_table_update(tab, &pid, 1, 10), 0);
	p = (struct ls_process *)find(tab, (pid_t)pid);
	assert_false(p->exited);
	assert_int_equal(p->end_unix_ns, 0);
	assert_string_equal(p->cmdline, "/bin/sh -c read x; : lsproc-again");
	stop((pid_t)pid);
	ls_snapshot_free(tab);
}

static int fake_comm(void *ctx, __u32 pid, char comm[LS_COMM_LEN])
{
	(void)ctx;
	if (pid != 999999)
		return -ENOENT;
	snprintf(comm, 16, "shortlived");
	return 0;
}

/* The table moves into the snapshot; threads of unknown processes add theirs. */
static void take__threads_of_unseen_process__listed_by_pid_and_comm(void **state)
{
	struct ls_snapshot *tab = ls_snapshot_new(), *snap = ls_snapshot_new();
	const struct ls_process *p;
	struct ls_group *g;
	__u32 pid;

	(void)state;
	assert_non_null(tab);
	assert_non_null(snap);
	pid = (__u32)start_sleeper("lsproc-take");
	assert_int_equal(ls_proc_table_update(tab, &pid, 1, 10), 0);
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "999999 shortlived");
	assert_non_null(g);
	g->tgid = 999999;
	g = ls_snapshot_group(&snap->threads, &snap->n_threads, "999998 x");
	assert_non_null(g);
	g->tgid = 999998;
	assert_int_equal(ls_proc_table_take(tab, snap, fake_comm, NULL), 0);
	assert_int_equal(tab->n_procs, 0);
	assert_int_equal(snap->n_procs, 3);
	assert_non_null(find(snap, (pid_t)pid));
	p = find(snap, 999999);
	assert_non_null(p);
	assert_string_equal(p->comm, "shortlived");
	assert_true(p->exited);
	assert_null(p->cmdline);
	p = find(snap, 999998);
	assert_string_equal(p->comm, "");
	stop((pid_t)pid);
	ls_snapshot_free(tab);
	ls_snapshot_free(snap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(update__child_runs_then_exits__seen_alive_kept_after),
		cmocka_unit_test(update__pid_live_again__read_anew),
		cmocka_unit_test(take__threads_of_unseen_process__listed_by_pid_and_comm),
	};

	return cmocka_run_group_tests_name("proc_table", tests, NULL, NULL);
}
