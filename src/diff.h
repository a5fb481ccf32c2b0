/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Before/after comparison of two snapshots (docs/diff.md): the rows of two
 * views matched by key, each with a Mann-Whitney verdict on its calls.
 * Pure computation; src/report_diff.c prints it and src/diff_gate.c
 * checks --fail-if expressions against it.
 */
#ifndef LS_DIFF_H
#define LS_DIFF_H

#include <stddef.h>
#include "mannwhitney.h"
#include "report_view.h"
#include "snapshot.h"
#include "snapshot_cols.h"

enum ls_verdict {
	LS_VERDICT_SAME = 0,	/* "~": no significant difference at alpha */
	LS_VERDICT_FASTER,
	LS_VERDICT_SLOWER,
	LS_VERDICT_INSUFFICIENT,	/* fewer than LS_MW_MIN_N calls on a side */
	LS_VERDICT_NEW,		/* only in the after run */
	LS_VERDICT_GONE,	/* only in the before run */
};

/* "~", "faster", "slower", "insufficient", "new", "gone". */
const char *ls_verdict_name(enum ls_verdict v);

#define LS_DIFF_MAX_NOTED	8

struct ls_diff_row {
	const char *key[LS_VIEW_MAX_KEYS];
	const struct ls_view_row *before;	/* NULL: not in the before run */
	const struct ls_view_row *after;	/* NULL: not in the after run */
	struct ls_mw mw;			/* only for rows in both runs */
	enum ls_verdict verdict;
	/*
	 * A row that merges several syscalls: those whose own test is
	 * significant at alpha / (syscalls compared), Bonferroni within the
	 * row.  One slower syscall among faster ones can leave the row's
	 * verdict at "~" or even "faster"; these lists say so.  The counts
	 * may exceed LS_DIFF_MAX_NOTED; the names stop there.
	 */
	const char *slower[LS_DIFF_MAX_NOTED], *faster[LS_DIFF_MAX_NOTED];
	size_t n_slower, n_faster;
};

struct ls_diff {
	struct ls_view before, after;
	struct ls_diff_row *rows;
	size_t n;
	double alpha;
};

/* 0 < alpha < 1; what a diff uses without --alpha. */
#define LS_DIFF_ALPHA	0.05

/*
 * Rows of both snapshots grouped by `by`, matched by key, ordered by the
 * larger total time of the two runs (then by name).  Both snapshots must
 * outlive d.  -ENODATA with one line in err if either has no data for
 * `by`; -EINVAL for bad arguments; -ENOMEM.
 */
int ls_diff_build(struct ls_diff *d, const struct ls_snapshot *before,
		  const struct ls_snapshot *after, enum ls_by by, double alpha, char *err,
		  size_t errlen);
void ls_diff_free(struct ls_diff *d);	/* accepts a zeroed diff */

/*
 * A metric of one side of a row.  A side without the row counts as zero
 * calls and zero time for count and total, and has no value (false) for
 * the latency figures.
 */
bool ls_diff_value(const struct ls_diff_row *r, const struct ls_col *c, bool after, __u64 *out);

/*
 * Reasons the two runs may not be comparable: different kernels, hosts,
 * CPU counts or rules, or durations more than 2x apart.  Up to max lines
 * of at most LS_DIFF_WARN_LEN bytes each; returns how many.
 */
#define LS_DIFF_WARN_LEN	256
#define LS_DIFF_MAX_WARN	8
size_t ls_diff_warnings(const struct ls_snapshot *before, const struct ls_snapshot *after,
			char (*lines)[LS_DIFF_WARN_LEN], size_t max);

#endif
