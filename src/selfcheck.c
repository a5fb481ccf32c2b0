// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "latscope.h"
#include "selfcheck.h"

const char *ls_selfcheck_name(enum ls_selfcheck r)
{
	switch (r) {
	case LS_SELFCHECK_PASSED:
		return "passed";
	case LS_SELFCHECK_FALLBACK:
		return "fallback";
	case LS_SELFCHECK_FAILED:
		return "failed";
	case LS_SELFCHECK_ERROR:
		return "error";
	}
	return "?";
}

__u32 ls_selfcheck_test_skew(void)
{
	const char *v = getenv("LATSCOPE_TEST_MISPLACE_STACKS");

	/* two slots: past both bytes hint_stack() sets for a stack */
	return v && !strcmp(v, "1") ? 2 : 0;
}

/*
 * The child stops itself before it is traced and once it has made its
 * call.  Stopped, it is in no syscall: the kernel sees it enter the next
 * one, so nothing is counted as a return without an entry, and by the
 * time its parent sees the second stop, the getppid() has been counted
 * (sys_exit runs before a pending stop is taken).
 */
static void __attribute__((noreturn)) check_child(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	raise(SIGSTOP);
	syscall(SYS_getppid);
	raise(SIGSTOP);
	_exit(0);
}

static int wait_stopped(pid_t pid)
{
	int status;
	pid_t r;

	do {
		r = waitpid(pid, &status, WUNTRACED);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return WIFSTOPPED(status) ? 0 : -ECHILD;
}

/*
 * What the kernel counted of tgid's getppid() calls; then every entry of
 * tgid's is taken out of the stats, errno and slot maps; the stats slots
 * its keys held go back to free_slots, as the fold's do (collect.c), so
 * --max-keys stays exact.
 */
static int count_and_remove(const struct ls_map_fds *fds, __u32 tgid, __u64 *calls)
{
	struct ls_stats *st = calloc(1, sizeof(*st));
	struct ls_key key, next, *prev = NULL;
	struct ls_errno_key ek, ek_next, *ek_prev = NULL;
	const struct ls_stats zero = {};
	__u32 idx;
	int ret = 0;
	size_t i;

	if (!st)
		return -ENOMEM;
	*calls = 0;
	/* deleting the key in hand would restart the walk: delete behind it */
	while (!bpf_map_get_next_key(fds->slots_fd, prev, &next)) {
		if (prev && prev->tgid == tgid && bpf_map_delete_elem(fds->slots_fd, prev))
			ret = -errno;
		key = next;
		prev = &key;
		if (key.tgid != tgid || bpf_map_lookup_elem(fds->slots_fd, &key, &idx))
			continue;
		if (key.syscall_nr == SYS_getppid && !bpf_map_lookup_elem(fds->stats_fd, &idx, st))
			for (i = 0; i < LS_HIST_SLOTS; i++)
				*calls += st->slots[i];
		/* the child is traced no more: nothing adds to the slot meanwhile */
		if (bpf_map_update_elem(fds->stats_fd, &idx, &zero, BPF_ANY) ||
		    bpf_map_update_elem(fds->free_slots_fd, NULL, &idx, BPF_ANY))
			ret = -errno;
	}
	if (prev && prev->tgid == tgid && bpf_map_delete_elem(fds->slots_fd, prev))
		ret = -errno;
	while (!bpf_map_get_next_key(fds->errno_fd, ek_prev, &ek_next)) {
		if (ek_prev && ek_prev->key.tgid == tgid)
			bpf_map_delete_elem(fds->errno_fd, ek_prev);
		ek = ek_next;
		ek_prev = &ek;
	}
	if (ek_prev && ek_prev->key.tgid == tgid)
		bpf_map_delete_elem(fds->errno_fd, ek_prev);
	free(st);
	return ret;
}

/* One round: *calls is how many getppid() calls of the child were counted. */
static int check_once(const struct ls_target_maps *m, const struct ls_map_fds *fds,
		      __u64 *calls, char *err, size_t errlen)
{
	bool traced = false;
	pid_t pid;
	int ret, fret = 0, rret = 0;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0)
		check_child();
	ret = wait_stopped(pid);
	if (ret) {
		snprintf(err, errlen, "the check's child did not stop: %s", strerror(-ret));
		goto out;
	}
	/* the -p path: tgid hint, procs, task entry, stack hints by the iterator */
	traced = true;
	ret = target_attach_pids(m, &pid, 1, err, errlen);
	if (ret)
		goto out;
	kill(pid, SIGCONT);
	ret = wait_stopped(pid);
	if (ret)
		snprintf(err, errlen, "the check's child did not make its call: %s",
			 strerror(-ret));
out:
	/* before the kill: its exit leaves no thread figures and no exit note */
	if (traced)
		fret = target_forget(m, pid);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/*
	 * Dead and reaped: nothing more of the child can be counted (its task
	 * entry stays until the kernel frees the task, src/target.h), so its
	 * figures are read and removed only now, on failure too.
	 */
	if (traced)
		rret = count_and_remove(fds, (__u32)pid, calls);
	/* its exit hook ran before the wait returned: the pid may be reused */
	*m->forgotten_tgid = 0;
	if (ret) {
		*calls = 0;
		return ret;
	}
	if (fret) {
		snprintf(err, errlen, "cannot stop tracing the check's child: %s",
			 strerror(-fret));
		return fret;
	}
	if (rret)
		snprintf(err, errlen, "cannot remove the check's figures: %s", strerror(-rret));
	return rret;
}

int ls_selfcheck_run(const struct ls_target_maps *m, const struct ls_map_fds *fds,
		     enum ls_selfcheck *out, char *err, size_t errlen)
{
	struct ls_hint_bytes *before = malloc(sizeof(*before));
	__u64 calls = 0;
	int ret;

	/*
	 * The bytes the child's tracing sets are put back when the check
	 * passes: no target is traced yet, and a new process that gets the
	 * dead child's kernel stack (the kernel keeps freed stacks for the
	 * next fork) would otherwise take the slower untraced path for its
	 * whole life.  Without memory they stay set, as every hint does.
	 */
	if (before)
		target_hints_save(m, before);
	ret = check_once(m, fds, &calls, err, errlen);
	if (ret)
		goto out;
	if (calls == 1) {
		if (before)
			target_hints_restore(m, before);
		*out = LS_SELFCHECK_PASSED;
		goto out;
	}
	/* what target.c does when it cannot run the iterator: the filter off */
	memset((void *)m->stack_hint, 1, LS_STACK_HINT_SLOTS);
	ret = check_once(m, fds, &calls, err, errlen);
	if (ret)
		goto out;
	*out = calls == 1 ? LS_SELFCHECK_FALLBACK : LS_SELFCHECK_FAILED;
out:
	free(before);
	return ret;
}
