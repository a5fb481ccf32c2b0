/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cycle budget: where the traced threads' busy time goes, component by
 * component (each subsystem, each child command, user CPU, waiting for a
 * CPU), per cycle and as a share; and the time that is not a cost (idle
 * waits, waits for other threads and for children) on lines of its own.
 * Computed from a snapshot, so `report` and `diff` compute the same thing
 * from a saved file.  docs/cycle.md defines every figure.
 */
#ifndef LS_BUDGET_H
#define LS_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "snapshot.h"

enum ls_budget_kind {
	/* work: ranked, with a share of the busy time */
	LS_BK_SUBSYS = 0,	/* a subsystem's syscalls, run-queue delay excluded */
	LS_BK_EXEC,		/* a child command: fork to reap (exec:<comm>) */
	LS_BK_USER_CPU,		/* running outside syscalls */
	LS_BK_RUNQ,		/* runnable, waiting for a CPU, in or out of syscalls */
	LS_BK_BLOCKED,		/* blocked outside syscalls: page faults */
	/* not a cost: shown apart, no share */
	LS_BK_IDLE,
	LS_BK_SYNC,
	LS_BK_CHILD,
	LS_BK_MAX,
};

#define LS_BK_FIRST_NOT_WORK	LS_BK_IDLE

struct ls_budget_item {
	char name[96];		/* the subsystem or exec:<comm>, else ls_budget_kind_label() */
	enum ls_budget_kind kind;
	__u64 ns;		/* over the whole run */
	__u64 calls;		/* its syscalls (spawns for exec); 0 for the others */
	double per_cycle_ns;	/* ns / cycles; ns itself when there are no cycles */
	double pct_of_busy;	/* share of the work; < 0 for what is not work */
};

struct ls_budget {
	struct ls_budget_item *items;	/* work by share, then idle, sync, child */
	size_t n;
	size_t n_work;
	__u64 cycles;			/* complete cycles; 0: no cycles were found */
	/*
	 * What per-cycle figures divide by: the cycles the run covered, its
	 * span over the period (the run's totals include the cycle it started
	 * in and the one it ended in), and never fewer than the complete ones.
	 */
	double cycles_covered;
	__u64 work_ns;			/* sum of the work items */
	int has_time;			/* user CPU and run-queue delay are known (v3) */
};

/* 0 or -ENOMEM; free with ls_budget_free() either way. */
int ls_budget_compute(const struct ls_snapshot *snap, struct ls_budget *b);
void ls_budget_free(struct ls_budget *b);

/* "subsystem", "exec", "user-cpu", "runqueue", "blocked", "idle", "sync", "child-wait" */
const char *ls_budget_kind_name(enum ls_budget_kind k);

/* How the first screen calls a component that has no subsystem name. */
const char *ls_budget_kind_label(enum ls_budget_kind k);

#endif
