/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The cycle budgets of two runs side by side (docs/diff.md, "Cycles"):
 * each component's time per cycle and share of the busy time, before and
 * after, matched by name and kind.  A budget holds one total per
 * component and run, so a component is judged by what can be tested: a
 * subsystem or child command by the verdict of its row in a diff by
 * subsystem (its calls' percentiles and time per second); user CPU and
 * run-queue delay only by their size, with no test.  The busy time per
 * cycle itself is tested in the diff (struct ls_diff, cycle).
 */
#ifndef LS_DIFF_BUDGET_H
#define LS_DIFF_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include "budget.h"
#include "diff.h"

struct ls_budget_change {
	const char *name;		/* points into one of the budgets */
	enum ls_budget_kind kind;
	bool has[2];			/* [0] before, [1] after */
	double per_cycle_ns[2];		/* 0 where absent */
	double pct_of_busy[2];		/* < 0: not work, or absent */
	/* The verdict of the subsystem's row; NULL: no row tested it. */
	const struct ls_diff_row *row;
};

struct ls_budget_diff {
	struct ls_budget budget[2];
	struct ls_budget_change *items;	/* the work first, by the larger time per cycle */
	size_t n;
};

/*
 * Both runs' budgets, matched.  d is the diff of the same two snapshots;
 * its rows lend their verdicts when it is by subsystem.  -ENODATA when
 * either run has no cycle (nothing per cycle to compare), -ENOMEM.  Free
 * with ls_budget_diff_free() either way.
 */
int ls_budget_diff_build(struct ls_budget_diff *bd, const struct ls_diff *d,
			 const struct ls_snapshot *before, const struct ls_snapshot *after);
void ls_budget_diff_free(struct ls_budget_diff *bd);

#endif
