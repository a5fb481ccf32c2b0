/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What tracing costs, estimated without leaving the kernel's BPF run-time
 * statistics on: they are on for a short window in every period (the first
 * at the start, the others at a random place in their period, so a daemon's
 * own cycle cannot hide from them), and the figures are ratios taken inside
 * the windows.  A calibration before the targets are traced gives what an
 * untraced syscall costs the programs, which splits their run time into
 * "on the traced processes" and "imposed on the rest of the host".  The
 * arithmetic is here, pure; src/selfcost.c does the reading and toggling.
 */
#ifndef LS_COST_H
#define LS_COST_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#define LS_COST_PROGS		12
/*
 * 10 ms of every 500 ms: 2% of the time, so ~+3 ns per syscall on the host.
 * Short windows, often: a short run (the first window opens at its start)
 * is not measured for a large part of it.
 */
#define LS_COST_PERIOD_NS	500000000ULL
#define LS_COST_WINDOW_NS	10000000ULL
/* untraced syscalls latscope makes itself for the calibration */
#define LS_COST_CALIB_CALLS	4096

/* What a program's runs are counted per. */
enum ls_cost_hook {
	LS_HOOK_SYS_ENTER = 0,
	LS_HOOK_SYS_EXIT,
	LS_HOOK_SWITCH,		/* sched_switch: one run per context switch */
	LS_HOOK_SCHED,		/* the other scheduler hooks (wakeups) */
	LS_HOOK_OTHER,		/* fork, exec, exit, latscope's own iterators */
};

/* The hook of a program from its section name ("tp_btf/sys_enter"...). */
enum ls_cost_hook ls_cost_hook_of(const char *section);
/* Its name in snapshots ("sys_enter", "sys_exit", "sched_switch", "sched", "other"), and back (unknown: other). */
const char *ls_cost_hook_name(enum ls_cost_hook hook);
enum ls_cost_hook ls_cost_hook_parse(const char *name);

/* One reading of the programs' counters, in a fixed program order. */
struct ls_cost_reading {
	size_t n;
	__u64 run_cnt[LS_COST_PROGS];
	__u64 run_time_ns[LS_COST_PROGS];
	__u64 traced_calls;	/* LS_CNT_SAMPLED_CALLS */
	__u64 traced_ns[2];	/* LS_CNT_SAMPLED_ENTER_NS, LS_CNT_SAMPLED_EXIT_NS */
};

/* What has been sampled so far. */
struct ls_cost_sample {
	bool enabled;		/* false: the kernel refused BPF run-time statistics */
	size_t n;
	struct {
		char name[32];
		__u8 hook;		/* enum ls_cost_hook */
		__u64 run_cnt;		/* runs inside the windows */
		__u64 run_time_ns;	/* their run time, as the kernel counts it */
		__u64 calib_cnt;	/* runs during the calibration: untraced calls only */
		__u64 calib_time_ns;
		/* runs that passed the filters, as a traced call does, and found no task entry */
		__u64 filter_cnt;
		__u64 filter_time_ns;
	} prog[LS_COST_PROGS];
	__u64 windows;
	__u64 sampled_ns;	/* wall time with the statistics on, windows only */
	__u64 run_ns;		/* wall time of the run so far */
	__u64 traced_calls;	/* traced syscalls that ended inside the windows */
	/* what sys_enter and sys_exit did for them past the filter, by their own clock */
	__u64 traced_ns[2];
	__u64 window_ns;	/* the plan: window_ns of every period_ns */
	__u64 period_ns;
};

/* Add what changed between two readings: a window of ns, or the calibration. */
void ls_cost_add_window(struct ls_cost_sample *s, const struct ls_cost_reading *before,
			const struct ls_cost_reading *after, __u64 ns);
void ls_cost_add_calibration(struct ls_cost_sample *s, const struct ls_cost_reading *before,
			     const struct ls_cost_reading *after);
/* The same for the second calibration: the filters passed (the traced calls' entry cost). */
void ls_cost_add_filter_calibration(struct ls_cost_sample *s,
				    const struct ls_cost_reading *before,
				    const struct ls_cost_reading *after);

/*
 * When window k (0, 1, ...) of a run that started at t0 opens: the first at
 * t0, window k at a place within period k picked by rnd.
 */
__u64 ls_cost_window_start(__u64 t0, __u64 period_ns, __u64 window_ns, __u64 k, __u32 rnd);

/* The estimate; a figure that could not be measured is negative. */
struct ls_cost {
	double sampled_s;	/* statistics on */
	double run_s;		/* the whole run */
	double window_s;	/* the plan: a window this long in every period */
	double period_s;
	__u64 windows;
	__u64 traced_calls;	/* traced syscalls in the windows */
	double traced_ns;	/* BPF run time per traced syscall, both programs */
	double traced_enter_ns;
	double traced_exit_ns;
	double untraced_ns;	/* per untraced syscall, both programs (the calibration) */
	double untraced_per_s;	/* untraced syscalls per second */
	double switch_ns;	/* scheduler hooks per context switch, wakeups included */
	double switches_per_s;
	double traced_cpu;	/* CPU seconds per second spent on the traced calls */
	double host_cpu;	/* CPU seconds per second imposed on everything else */
};

void ls_cost_estimate(const struct ls_cost_sample *s, struct ls_cost *e);

/* The "Tracing cost" paragraph of the text report (enabled: false says unknown). */
void ls_cost_print(FILE *f, const struct ls_cost *e, bool enabled);
/* The same from a sample: its estimate first. */
void ls_cost_print_sample(FILE *f, const struct ls_cost_sample *s);

#endif
