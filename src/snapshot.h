/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A recorded run in user-space form: subsystems, each with its syscalls and
 * their merged statistics.  `record` builds one from the BPF maps,
 * snapshot_write.h saves it, snapshot_load.h loads it, the reporter prints it.
 */
#ifndef LS_SNAPSHOT_H
#define LS_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "latscope.h"
#include "cost.h"

/* Written by this latscope; it reads this version and every older one. */
#define LS_SNAPSHOT_VERSION 3

/* What a snapshot file says it is: snapshot_write.c writes, snapshot_load.c checks. */
#define LS_SCHEMA_NAME		"latscope-snapshot"
#define LS_HIST_KIND		"log-linear"
#define LS_HIST_UNIT		"ns"

struct ls_errno_count {
	int err;		/* positive errno */
	__u64 count;
};

/*
 * A row is one (syscall, role) of a subsystem: the idle clock_nanosleep of
 * a loop and a busy one are two rows.  Only LS_ROLE_WORK rows count in a
 * subsystem's totals, shares and order (docs/cycle.md).
 */
struct ls_syscall_stats {
	char name[32];		/* "recvfrom", or "syscall_NNN" if unknown */
	__u32 nr;
	__u8 role;		/* enum ls_role */
	struct ls_stats st;
	struct ls_errno_count *errnos;
	size_t n_errnos;
};

struct ls_subsys {
	char name[96];		/* "tcp:127.0.0.1:8080", "icmp", ... */
	struct ls_syscall_stats *sc;
	size_t n_sc;
};

/*
 * What could not be traced or aggregated, by cause (meta.lost): the
 * kernel's counters, so that a loss is in the file and in the report's
 * header, not only in a warning on stderr.
 */
struct ls_lost {
	__u64 syscalls_no_key;		/* stats table full (--max-keys): not aggregated */
	__u64 errnos_no_key;		/* errno table full: errno unknown, ERRORS exact */
	__u64 processes_not_traced;	/* process table full: not traced at all */
	__u64 threads_not_traced;	/* no kernel memory for its entry: not traced */
	__u64 events_not_kept;		/* events buffer full: idle waits, slow calls, exits */
	__u64 thread_times_lost;	/* thread table full: a thread's time split */
};

struct ls_meta {
	char latscope_version[32];
	char kernel[128];	/* uname -r */
	char host[128];
	int ncpus;
	char cmdline[1024];	/* latscope's own command line */
	char target[256];	/* "pid 123,456" or "cmd democtl -n 5" */
	__u64 start_unix_ns;	/* CLOCK_REALTIME at attach */
	__u64 end_unix_ns;
	__u64 duration_ns;
	__u64 events;		/* syscalls aggregated */
	__u64 dropped;		/* syscalls that could not be aggregated */
	struct ls_lost lost;
	char self_check[16];	/* "passed", "fallback", "failed", "error"; "": not run */
};

/*
 * The rules in force (meta.rules in the JSON) are kept here, not in struct
 * ls_meta: `record` copies a meta by value into every interval snapshot,
 * and owned pointers in it would be freed once per copy.
 */
/*
 * Where threads' time went (struct ls_thread_time, in ns): outside
 * syscalls in user space, waiting for a CPU or blocked (page faults);
 * inside them by role, with the run-queue delay of every call apart.
 */
struct ls_time {
	__u64 wall_ns;			/* traced: first seen to exit or end */
	__u64 user_cpu_ns;
	__u64 user_runq_ns;
	__u64 user_blocked_ns;
	__u64 sys_ns[LS_ROLE_MAX];	/* runq excluded */
	__u64 sys_runq_ns;
	__u64 idle_waits;
};

/* ls_group.flags of a thread */
#define LS_THREAD_EXITED	(1U << 0)
/* in a child that a traced process spawned and reaped: its exec:<comm> */
#define LS_THREAD_IN_EXEC	(1U << 1)

/*
 * A slice of the run: one thread ("1234 democtl") or one peer
 * ("10.0.0.1:443"), with its own subsystems and syscalls.  The nested
 * snapshot only uses subsys/n_subsys.  Threads recorded since snapshot
 * version 3 also carry their ids and their time split.
 */
struct ls_group {
	char name[96];
	struct ls_snapshot *snap;
	__u32 tid, tgid;		/* threads; 0 when unknown */
	__u32 flags;			/* LS_THREAD_* */
	int has_time;
	struct ls_time time;
};

/*
 * The cycle of a periodic thread (src/cycle.c): from the end of one of its
 * idle waits (when it became runnable) to the start of the next, busy is
 * that span less other idle waits within it.
 */
struct ls_cycle_info {
	int found;
	char source[16];	/* "auto", "syscall" (--cycle SYSCALL), "fixed" (--cycle SECONDS) */
	char thread[96];	/* "1234 democtl" */
	__u32 tid;
	char syscall[32];	/* the idle wait that ends a cycle; "" for fixed */
	__u64 period_ns;	/* median cycle length, or the fixed period */
	struct ls_stats busy;	/* busy ns per cycle; busy.count is the cycle count */
};

/* One call over the --slow threshold, or a slowest one (snapshot "slowest"). */
struct ls_slow_call {
	__u64 start_unix_ns;	/* CLOCK_REALTIME */
	__u64 duration_ns;
	__u64 runq_ns;
	__u32 tid;
	char thread[32];	/* its name */
	char subsys[96];
	char syscall[32];
	__u8 role;
	int err;		/* positive errno, 0: success */
	char where[160];	/* a file's path, or "" */
	__s64 cycle;		/* 1-based cycle number, or -1 when unknown */
};

/* Cap on snapshot cycle.starts_unix_ns, the cycle finder's own (src/cycle.c). */
#define LS_CYCLE_STARTS_MAX	65536

/* Cap on snapshot "slowest": the report shows the first few. */
#define LS_SLOWEST_MAX		100

/*
 * A traced process, as /proc showed it while it ran (record polls every
 * 50 ms): a process that lived shorter than that may have only its pid and
 * comm.  Strings are owned; NULL is "not seen".
 */
struct ls_process {
	__u32 pid;
	__u32 ppid;		/* 0: unknown */
	char comm[LS_COMM_LEN];
	char *cmdline;		/* arguments joined by spaces */
	char *exe;		/* /proc/PID/exe, " (deleted)" included */
	char *cgroup;		/* in the unified hierarchy: "/system.slice/x.service" */
	__u64 start_unix_ns;	/* 0: unknown; to the kernel's clock tick (10 ms) */
	__u64 end_unix_ns;	/* 0: running at the end, or the exit was not seen */
	bool exited;		/* gone when tracing stopped */
};

/*
 * One `record -i` interval, summed per subsystem: enough for the timeline's
 * counters (docs/timeline.md), not a whole snapshot per interval.
 */
struct ls_interval_subsys {
	char name[96];
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 p50_ns;
	__u64 p99_ns;
	__u64 max_ns;
};

struct ls_interval {
	__u64 start_unix_ns;
	__u64 end_unix_ns;
	int partial;		/* the last one, cut short by the end of the run */
	struct ls_interval_subsys *ss;
	size_t n_ss;
};

struct ls_snapshot {
	int version;		/* of the file it was loaded from, else ours */
	struct ls_group *threads;	/* --by thread; none in files before threads */
	size_t n_threads;
	struct ls_group *peers;		/* --by peer: tcp/udp/icmp calls with a peer */
	size_t n_peers;
	struct ls_process *procs;	/* --by process; none in files before version 3 */
	size_t n_procs;
	struct ls_meta meta;
	char **rules;		/* rule source lines, each owned; see ls_snapshot_add_rule() */
	size_t n_rules;
	struct ls_subsys *subsys;
	size_t n_subsys;
	/* since version 3: the time split, summed over the threads the budget counts */
	int has_time;
	struct ls_time time;
	struct ls_cycle_info cycle;
	struct ls_slow_call *slowest;	/* slowest first */
	size_t n_slowest;
	__u64 slow_threshold_ns;	/* 0: none was set */
	__u64 slow_calls;		/* calls over it, including those not kept */
	__u64 events_lost;		/* records the kernel could not pass on */
	__u64 *cycle_starts;		/* when each cycle began (CLOCK_REALTIME ns), rising */
	size_t n_cycle_starts;
	struct ls_interval *intervals;	/* record -i, in time order; since version 3 */
	size_t n_intervals;
	/* what tracing cost, sampled (src/cost.h); version 3, only when it was measured */
	int has_cost;
	struct ls_cost_sample cost;
};

/* All functions: 0 or negative errno; pointers: NULL + errno. */
struct ls_snapshot *ls_snapshot_new(void);
void ls_snapshot_free(struct ls_snapshot *snap);	/* accepts NULL */

/* Find or add the entry; names are copied (truncated to fit). */
struct ls_subsys *ls_snapshot_subsys(struct ls_snapshot *snap, const char *name);
/* Find or add the group `name` in *arr (snap->threads or snap->peers). */
struct ls_group *ls_snapshot_group(struct ls_group **arr, size_t *n, const char *name);
struct ls_syscall_stats *ls_subsys_syscall(struct ls_subsys *ss, const char *name, __u32 nr);
/* The same for a row of another role (ls_subsys_syscall is LS_ROLE_WORK's). */
struct ls_syscall_stats *ls_subsys_syscall_role(struct ls_subsys *ss, const char *name, __u32 nr,
						__u8 role);
/* Add a copy of one slow call to *arr, keeping the LS_SLOWEST_MAX slowest, slowest first. */
int ls_slowest_insert(struct ls_slow_call **arr, size_t *n, const struct ls_slow_call *c);
/* The same into snap->slowest. */
int ls_snapshot_add_slow(struct ls_snapshot *snap, const struct ls_slow_call *c);
int ls_syscall_add_errno(struct ls_syscall_stats *sc, int err, __u64 count);
/* Append a copy of one rule's source line; -EINVAL for NULL or too long. */
int ls_snapshot_add_rule(struct ls_snapshot *snap, const char *text);
/* Find or add the process pid (pid > 0); add one the caller knows is new. */
struct ls_process *ls_snapshot_process(struct ls_snapshot *snap, __u32 pid);
struct ls_process *ls_snapshot_add_process(struct ls_snapshot *snap, __u32 pid);
const struct ls_process *ls_snapshot_find_process(const struct ls_snapshot *snap, __u32 pid);
/* Replace one of a process's strings with a copy of s (NULL: unknown); -EINVAL if too long. */
int ls_process_set_str(char **field, const char *s);

/* A thread's figures from the kernel in snapshot form, and their sum. */
void ls_time_from_thread(struct ls_time *t, const struct ls_thread_time *tt);
void ls_time_add(struct ls_time *a, const struct ls_time *b);
/* The run's time split: the sum of its threads' (those the budget counts). */
void ls_snapshot_sum_thread_times(struct ls_snapshot *snap);

/*
 * A row counts in its subsystem's totals: work, and a real syscall (not
 * the "request" rows, whose time the calls already hold).
 */
int ls_row_counts(const struct ls_syscall_stats *sc);

/*
 * Append interval iv (a snapshot of one interval: its meta's start and end,
 * its subsystems) to snap's intervals.  -E2BIG past the limits below,
 * -ENOMEM.
 */
int ls_snapshot_add_interval(struct ls_snapshot *snap, const struct ls_snapshot *iv, int partial);
/*
 * The same, as an empty interval with room for n_ss subsystems, which the
 * caller adds (out->ss[out->n_ss++]).  NULL + errno: E2BIG, ENOMEM.
 */
struct ls_interval *ls_snapshot_append_interval(struct ls_snapshot *snap, __u64 start_unix_ns,
						__u64 end_unix_ns, int partial, size_t n_ss);

/*
 * Drop the last intervals until the snapshot's "subsystems" entries, the
 * intervals' included, are within LS_SNAPSHOT_MAX_SUBSYS_ALL, so that what
 * is saved loads again.  Returns how many were dropped.
 */
size_t ls_snapshot_fit_intervals(struct ls_snapshot *snap);

/*
 * Copy n cycle starts (CLOCK_REALTIME ns, rising) into snap, the first
 * LS_CYCLE_STARTS_MAX of them; 0, -EINVAL if they do not rise, -ENOMEM.
 */
int ls_snapshot_set_cycle_starts(struct ls_snapshot *snap, const __u64 *starts, size_t n);

/* Subsystem totals: merge of its rows that count (ls_row_counts). */
void ls_subsys_total(const struct ls_subsys *ss, struct ls_stats *out);
/* Merge of its rows of one role (requests left out), e.g. its idle waits. */
void ls_subsys_total_role(const struct ls_subsys *ss, __u8 role, struct ls_stats *out);


/*
 * Limits of the loader, so a hostile file cannot make it allocate without
 * bound (a syscall entry is 8 KiB).  Deliberately far above the BPF map
 * sizes in latscope.h, so that changing those never makes older snapshots
 * unreadable.
 */
#define LS_SNAPSHOT_MAX_SUBSYS		16384
#define LS_SNAPSHOT_MAX_SUBSYS_ALL	65536	/* in the whole snapshot, groups included */
#define LS_SNAPSHOT_MAX_SYSCALLS	16384	/* in the whole snapshot */
#define LS_SNAPSHOT_MAX_ERRNOS		65536	/* in the whole snapshot */
#define LS_SNAPSHOT_MAX_RULES		4096
#define LS_SNAPSHOT_MAX_PROCESSES	65536
/* A process's command line, exe or cgroup: /proc's PATH_MAX, its NUL excluded */
#define LS_PROCESS_STR_MAX		4095
/*
 * Half a day of -i 5.  An interval's rows are "subsystems" lists, which the
 * loader parses apart and counts in LS_SNAPSHOT_MAX_SUBSYS_ALL with all
 * the others (ls_snapshot_fit_intervals()).
 */
#define LS_SNAPSHOT_MAX_INTERVALS	10000
#define LS_SNAPSHOT_MAX_INTERVAL_ROWS	32768
/* Bytes in one rule's text: twice the longest line src/rules.c accepts. */
#define LS_SNAPSHOT_RULE_MAX		8192
/* Largest errno a syscall can return (MAX_ERRNO in include/linux/err.h). */
#define LS_ERRNO_MAX			4095

/*
 * Deterministic order: subsystems by total_ns descending (name ascending on
 * ties), syscalls by total_ns descending (name), errnos by count descending
 * (errno), threads and peers by name, processes by pid.  Reports print in
 * snapshot order, so sort before printing.
 */
void ls_snapshot_sort(struct ls_snapshot *snap);

/* Sum of every subsystem's total_ns, as a double so it cannot wrap. */
double ls_snapshot_total_ns(const struct ls_snapshot *snap);
/* part / whole * 100, or 0 when whole is 0. */
double ls_pct_of(__u64 part, double whole);

/* "EAGAIN", or NULL for a number without a name. */
const char *ls_errno_name(int err);

#endif
