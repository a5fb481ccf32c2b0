/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Make processes traced: give each of their threads an entry in the BPF
 * task_state map (through a pidfd, which is how user space names a task to
 * task storage), register the process in the procs map, and mark the
 * threads' kernel stacks in stack_hint (through a task iterator).
 */
#ifndef LS_TARGET_H
#define LS_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "latscope.h"

struct ls_target_maps {
	int task_state_fd;
	int procs_fd;
	volatile __u8 *tgid_hint;	/* the BPF program's .bss array, mmapped */
	volatile __u8 *stack_hint;	/* the same, by kernel stack */
	int stack_iter_fd;		/* register_stacks, a task iterator program */
	volatile __u32 *forgotten_tgid;	/* the .bss value target_forget sets */
};

/* The hint bytes as they stand, to be put back after a change of a moment. */
struct ls_hint_bytes {
	__u8 stack[LS_STACK_HINT_SLOTS];
	__u8 tgid[LS_TGID_HINT_SLOTS];
};

void target_hints_save(const struct ls_target_maps *m, struct ls_hint_bytes *out);
void target_hints_restore(const struct ls_target_maps *m, const struct ls_hint_bytes *saved);

/*
 * Trace every thread of each PID.  -ESRCH: a PID does not exist (err names
 * it); -EOPNOTSUPP: the kernel cannot name threads by pidfd (before 6.9).
 */
int target_attach_pids(const struct ls_target_maps *m, const pid_t *pids, size_t n,
		       char *err, size_t errlen);

/*
 * Start cmd (execvp) already traced: the child waits until its task entry
 * exists, then execs.  -ENOENT etc.: it could not be executed (err says why).
 */
int target_launch(const struct ls_target_maps *m, char **cmd, pid_t *child,
		  char *err, size_t errlen);

/*
 * Stop tracing single-threaded process pid, latscope's self-check child,
 * stopped and about to be killed: drop its procs entry, and have the
 * programs leave its thread out of the thread figures and say nothing of
 * its exit.  Its task entry stays until the kernel frees the task (deleting
 * it would queue an RCU Tasks Trace grace period, docs/design.md); so do
 * its hint bytes, as every hint does.  One process at a time; the caller
 * sets *m->forgotten_tgid back to 0 once it has reaped the process.
 */
int target_forget(const struct ls_target_maps *m, pid_t pid);

struct ls_match;

/*
 * Trace every running process that match names (-c, --exe, --cmdline,
 * --cgroup, --unit).  Processes that vanish meanwhile are skipped; *found
 * counts the ones now traced.
 */
int target_attach_matching(const struct ls_target_maps *m, const struct ls_match *match,
			   size_t *found, char *err, size_t errlen);

/*
 * The name of thread tid of process tgid (tid == tgid: the process) from
 * /proc, NUL-terminated; 0, or -errno when it is gone (buf is then "").
 */
int target_comm(pid_t tgid, pid_t tid, char *buf, size_t len);

/*
 * The traced processes still alive: their number, and the first max of
 * their pids in live.  Entries of processes that died without the exit
 * hook seeing it (it cannot fail, but a full task-storage allocation can)
 * are pruned here, so the number always reaches 0.
 */
int target_live_tgids(const struct ls_target_maps *m, __u32 *live, size_t max);

#endif
