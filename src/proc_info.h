/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What /proc says about a process: its state and flags, command line,
 * executable and cgroup.  Plain file reads, no BPF, so the unit tests can
 * check them against processes they start.
 */
#ifndef LS_PROC_INFO_H
#define LS_PROC_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include "latscope.h"

struct ls_proc_stat {
	char comm[LS_COMM_LEN];
	char state;		/* 'R', 'S', 'Z' (zombie), 'X' (dead)... */
	pid_t ppid;
	unsigned int flags;	/* PF_* of the task */
	__u64 start_ticks;	/* clock ticks after boot */
};

/* PF_KTHREAD in include/linux/sched.h: the kernel does not export it */
#define LS_PF_KTHREAD	0x00200000U

/* /proc/PID/stat; -ENOENT/-ESRCH when there is no such process. */
int ls_proc_stat(pid_t pid, struct ls_proc_stat *out);

static inline bool ls_proc_is_kthread(const struct ls_proc_stat *st)
{
	return st->flags & LS_PF_KTHREAD;
}

static inline bool ls_proc_is_dead(const struct ls_proc_stat *st)
{
	return st->state == 'Z' || st->state == 'X';
}

/*
 * The command line with its arguments joined by single spaces, as ps -o
 * args shows it; "" for a kernel thread or a zombie.  Returns its length
 * (truncated to len - 1), or -errno.
 */
ssize_t ls_proc_cmdline(pid_t pid, char *buf, size_t len);

/* readlink of /proc/PID/exe, " (deleted)" included; length or -errno. */
ssize_t ls_proc_exe(pid_t pid, char *buf, size_t len);

/* The unified hierarchy's path ("/system.slice/x.service"); length or -errno. */
ssize_t ls_proc_cgroup(pid_t pid, char *buf, size_t len);

/* CLOCK_REALTIME ns of a start time in clock ticks after boot (0 if unknown). */
__u64 ls_proc_start_unix_ns(__u64 start_ticks);

/*
 * One line for -p on a PID that cannot be traced: a kernel thread or a
 * zombie.  0 when it can be traced, -ESRCH when it does not exist (err
 * says so), -EPERM for a kernel thread or a zombie.
 */
int ls_proc_check_traceable(pid_t pid, char *err, size_t errlen);

#endif
